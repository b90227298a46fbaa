import * as assert from "node:assert/strict";
import { loadConfig } from "../stacks/load.ts";
import { formulaVariables } from "../stacks/schema/checks/scaling.ts";
import { DEFAULT_MIN_ZERO_FALLBACK, SCALING_PROFILES } from "../stacks/schema/scaling.ts";
import type { StackConfig } from "../stacks/schema/index.ts";
import { configProblems, cpuWorker, minimalStack, sourceOf } from "./helpers/config.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

const queues = [
  { name: "q", kind: "redis" },
  { name: "q2", kind: "redis" },
  { name: "rq", kind: "rabbitmq" },
];
const redis = (over: Obj = {}) => ({ type: "redis", queue: "q", listName: "jobs", ...over });
const t4 = { count: 1, type: "nvidia-tesla-t4" };

/** minimalStack with queues and a GPU pool, plus `values`. */
function stack(values: Obj = {}): Obj {
  const s = minimalStack() as { clusters: { pools: unknown[] }[] };
  s.clusters[0].pools.push({ name: "gpu", machineTypes: ["Standard_NC4as_T4_v3"], gpu: t4, min: 0, max: 4 });
  // The metrics the prometheus triggers below query, exported by the workers (offline PromQL check).
  return { ...s, queues, observability: { externalMetrics: ["backlog", "lag"] }, ...values };
}
const problems = (values: Obj) => configProblems(stack(values));
const parsed = (values: Obj): StackConfig => loadConfig(sourceOf(stack(values))).config;
const oneWorker = (over: Obj) => parsed({ workers: [cpuWorker(over)] }).workers[0];
const service = (over: Obj = {}) => ({
  name: "api",
  image: "ghcr.io/acme/api:1.0.0",
  port: 8080,
  resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } },
  replicas: { min: 2, max: 4 },
  ...over,
});

describe("scaling config: HPA behaviour (workers and services)", () => {
  it("the full form: a stabilization window, Pods/Percent policies with any period, selectPolicy", () => {
    const scaleDown = {
      stabilizationWindowSeconds: 600,
      selectPolicy: "Min",
      policies: [
        { type: "Pods", value: 1, periodSeconds: 90 },
        { type: "Percent", value: 50, periodSeconds: 180 },
      ],
    };
    const w = oneWorker({ scaleDown, scaleUp: { policies: [{ type: "Percent", value: 200, periodSeconds: 30 }] } });
    assert.deepEqual(w.scaleDown, scaleDown);
    // Unset fields keep the worker defaults: scale up without a window, the policies as given.
    assert.deepEqual(w.scaleUp, {
      stabilizationWindowSeconds: 0,
      policies: [{ type: "Percent", value: 200, periodSeconds: 30 }],
    });
    const s = parsed({ services: [service({ scaleDown })] }).services[0];
    assert.deepEqual(s.scaleDown, scaleDown);
    assert.equal(s.scaleUp, undefined, "a service direction nobody set stays the HPA's default");
  });

  it("periodSeconds 1..1800 and stabilizationWindowSeconds 0..3600 (the API's ranges), for workers and services", () => {
    const policy = (periodSeconds: number) => ({ policies: [{ type: "Pods", value: 1, periodSeconds }] });
    for (const ok of [1, 1800]) {
      assert.deepEqual(problems({ workers: [cpuWorker({ scaleUp: policy(ok) })] }), [], `period ${ok}`);
      assert.deepEqual(problems({ services: [service({ scaleDown: policy(ok) })] }), [], `service period ${ok}`);
    }
    assert.deepEqual(problems({ workers: [cpuWorker({ scaleUp: policy(0) })] }), [
      "workers[0].scaleUp.policies[0].periodSeconds: Too small: expected number to be >=1, got 0",
    ]);
    assert.deepEqual(problems({ services: [service({ scaleDown: policy(1801) })] }), [
      "services[0].scaleDown.policies[0].periodSeconds: Too big: expected number to be <=1800, got 1801",
    ]);
    assert.deepEqual(problems({ workers: [cpuWorker({ scaleDown: { stabilizationWindowSeconds: 3600 } })] }), []);
    assert.deepEqual(problems({ workers: [cpuWorker({ scaleDown: { stabilizationWindowSeconds: 3601 } })] }), [
      "workers[0].scaleDown.stabilizationWindowSeconds: Too big: expected number to be <=3600, got 3601",
    ]);
  });

  it("a policy's value must be > 0 and its type Pods or Percent; selectPolicy Max, Min or Disabled", () => {
    const found = problems({
      workers: [
        cpuWorker({
          scaleUp: { selectPolicy: "Maximum", policies: [{ type: "Replicas", value: 0, periodSeconds: 15 }] },
        }),
      ],
    });
    assert.deepEqual(found, [
      'workers[0].scaleUp.selectPolicy: Invalid option: expected one of "Max"|"Min"|"Disabled", got "Maximum"',
      'workers[0].scaleUp.policies[0].type: Invalid option: expected one of "Pods"|"Percent", got "Replicas"',
      "workers[0].scaleUp.policies[0].value: Too small: expected number to be >=1, got 0",
    ]);
  });

  it("an empty policy list only with selectPolicy Disabled (explicit or from the profile), and it is not rendered", () => {
    const msg = (sel: string) =>
      `an empty list is allowed only with selectPolicy: Disabled (the HPA API requires at least one policy otherwise; selectPolicy is ${sel}); omit policies for the HPA's defaults, got []`;
    assert.deepEqual(problems({ workers: [cpuWorker({ scaleDown: { policies: [] } })] }), [
      `workers[0].scaleDown.policies: ${msg("Max by default")}`,
    ]);
    assert.deepEqual(problems({ services: [service({ scaleUp: { selectPolicy: "Min", policies: [] } })] }), [
      `services[0].scaleUp.policies: ${msg("Min")}`,
    ]);
    // The balanced profile's selectPolicy is Max: an empty list over it is still rejected.
    assert.deepEqual(problems({ workers: [cpuWorker({ scalingProfile: "balanced", scaleUp: { policies: [] } })] }), [
      `workers[0].scaleUp.policies: ${msg("Max")}`,
    ]);
    assert.deepEqual(problems({ workers: [cpuWorker({ scaleDown: { selectPolicy: "Disabled", policies: [] } })] }), []);
    assert.deepEqual(problems({ services: [service({ scaleDown: { selectPolicy: "Disabled" } })] }), []);
  });

  it("the short forms podsPer15s/percentPer15s become 15 s policies, and are rejected next to policies", () => {
    assert.deepEqual(oneWorker({ scaleDown: { podsPer15s: 1, percentPer15s: 10 } }).scaleDown.policies, [
      { type: "Pods", value: 1, periodSeconds: 15 },
      { type: "Percent", value: 10, periodSeconds: 15 },
    ]);
    assert.deepEqual(
      problems({
        workers: [cpuWorker({ scaleUp: { podsPer15s: 2, policies: [{ type: "Pods", value: 1, periodSeconds: 90 }] } })],
      }),
      [
        "workers[0].scaleUp.podsPer15s: a short form of policies; with policies set, write it as {type: Pods, value: 2, periodSeconds: 15} in policies, got 2",
      ],
    );
  });
});

describe("scaling config: scaling profiles", () => {
  it("a profile sets polling, cooldown and behaviour; every field stays overridable, direction by direction", () => {
    const p = SCALING_PROFILES.conservative;
    const plain = oneWorker({ scalingProfile: "conservative" });
    assert.equal(plain.pollingInterval, p.pollingInterval);
    assert.equal(plain.cooldownPeriod, p.cooldownPeriod);
    assert.deepEqual(plain.scaleUp, p.scaleUp);
    assert.deepEqual(plain.scaleDown, p.scaleDown);

    const over = oneWorker({
      scalingProfile: "conservative",
      pollingInterval: 7,
      scaleDown: { selectPolicy: "Max" },
    });
    assert.equal(over.pollingInterval, 7);
    assert.equal(over.cooldownPeriod, p.cooldownPeriod, "not overridden: the profile's");
    assert.deepEqual(
      over.scaleDown,
      { ...p.scaleDown, selectPolicy: "Max" },
      "the profile's policies, own selectPolicy",
    );

    const svc = parsed({
      services: [service({ scalingProfile: "responsive", scaleUp: { stabilizationWindowSeconds: 30 } })],
    }).services[0];
    assert.deepEqual(svc.scaleUp, { ...SCALING_PROFILES.responsive.scaleUp, stabilizationWindowSeconds: 30 });
    assert.deepEqual(svc.scaleDown, SCALING_PROFILES.responsive.scaleDown);
  });

  it("without a profile: polling 15 s, cooldown 300 s, scale up at once, 300 s before scaling down", () => {
    const w = oneWorker({});
    assert.deepEqual(
      [w.pollingInterval, w.cooldownPeriod, w.initialCooldownPeriod, w.scaleUp, w.scaleDown],
      [15, 300, 0, { stabilizationWindowSeconds: 0 }, { stabilizationWindowSeconds: 300 }],
    );
  });

  it("every preset is valid by the API's rules (periods, windows, at least one policy)", () => {
    for (const [name, p] of Object.entries(SCALING_PROFILES)) {
      for (const r of [p.scaleUp, p.scaleDown]) {
        assert.ok(r.stabilizationWindowSeconds >= 0 && r.stabilizationWindowSeconds <= 3600, name);
        assert.ok(r.policies.length > 0, name);
        for (const pol of r.policies) assert.ok(pol.periodSeconds >= 1 && pol.periodSeconds <= 1800, name);
      }
      assert.deepEqual(problems({ workers: [cpuWorker({ scalingProfile: name })] }), [], name);
    }
  });

  it("an unknown profile names the key and the profiles", () => {
    assert.deepEqual(problems({ workers: [cpuWorker({ scalingProfile: "fast" })] }), [
      'workers[0].scalingProfile: must be one of responsive, balanced, conservative, cost-optimized (presets in stacks/schema/scaling.ts, docs/workloads.md), got "fast"',
    ]);
    assert.equal(
      problems({ services: [service({ scalingProfile: "cheap" })] })[0]?.split(":")[0],
      "services[0].scalingProfile",
    );
  });
});

describe("scaling config: several triggers per worker", () => {
  it("a list of triggers, named after their type; trigger (one) and safetyNet are short forms of entries", () => {
    const w = oneWorker({
      trigger: undefined,
      triggers: [
        redis(),
        redis({ name: "urgent", queue: "q2", listName: "urgent" }),
        { type: "rabbitmq", queue: "rq", queueName: "x" },
      ],
      safetyNet: { cpuUtilization: 80 },
    });
    assert.deepEqual(
      w.triggers.map((t) => [t.type, t.name]),
      [
        ["redis", "redis"],
        ["redis", "urgent"],
        ["rabbitmq", "rabbitmq"],
        ["cpu", "cpu"],
      ],
    );
    assert.deepEqual(w.triggerPaths, [
      ["triggers", 0],
      ["triggers", 1],
      ["triggers", 2],
      ["safetyNet", "cpuUtilization"],
    ]);
    assert.deepEqual(
      oneWorker({}).triggers.map((t) => t.name),
      ["redis"],
      "the short form trigger",
    );
  });

  it("duplicate trigger names are rejected at the second one (unnamed triggers of one type collide)", () => {
    assert.deepEqual(
      problems({ workers: [cpuWorker({ trigger: undefined, triggers: [redis(), redis({ queue: "q2" })] })] }),
      [
        'workers[0].triggers[1].name: duplicate trigger name "redis" (workers[0].triggers[0] has it; a trigger is named after its type unless it sets name); give each trigger its own name, got "redis"',
      ],
    );
    // A cpu trigger in the list and safetyNet.cpuUtilization are both "cpu".
    assert.deepEqual(
      problems({
        workers: [
          cpuWorker({
            trigger: undefined,
            triggers: [redis(), { type: "cpu", targetUtilization: 70 }],
            safetyNet: { cpuUtilization: 80 },
          }),
        ],
      }),
      [
        'workers[0].safetyNet.cpuUtilization.name: duplicate trigger name "cpu" (workers[0].triggers[1] has it; a trigger is named after its type unless it sets name); give each trigger its own name, got "cpu"',
      ],
    );
    assert.deepEqual(
      problems({
        workers: [cpuWorker({ trigger: undefined, triggers: [redis(), redis({ name: "other", queue: "q2" })] })],
      }),
      [],
    );
  });

  it("trigger and triggers together are rejected; names must be identifiers (formulas use them)", () => {
    assert.deepEqual(problems({ workers: [cpuWorker({ triggers: [redis({ name: "b" })] })] }), [
      'workers[0].trigger: use either trigger (one) or triggers (a list), not both: move it into triggers, got {"type":"redis","queue":"q","listName":"jobs","targetPerReplica":5,"activation":0}',
    ]);
    assert.deepEqual(problems({ workers: [cpuWorker({ trigger: redis({ name: "my-queue" }) })] }), [
      'workers[0].trigger.name: must be a lowercase identifier of at most 30 characters (letters, digits, _), such as queue or gpu_util, got "my-queue"',
    ]);
  });

  it("every trigger's queue is checked, at its own key", () => {
    assert.deepEqual(
      problems({
        workers: [
          cpuWorker({
            trigger: undefined,
            triggers: [
              redis(),
              redis({ name: "b", queue: "nope" }),
              { type: "redis", name: "c", queue: "rq", listName: "x" },
            ],
          }),
        ],
      }),
      [
        'workers[0].triggers[1].queue: no queue named "nope" under queues (have: q, q2, rq), got "nope"',
        'workers[0].triggers[2].queue: queue "rq" is rabbitmq, the trigger is redis, got "rq"',
      ],
    );
  });

  it("min 0 needs a trigger that can wake the worker: cpu, memory and gpu measure its own pods", () => {
    const only = (triggers: Obj[], min = 0) =>
      problems({
        workers: [cpuWorker({ trigger: undefined, triggers, gpu: { count: 1 }, replicas: { min, max: 2 } })],
      });
    const msg =
      "workers[0].replicas.min: min 0 needs a queue or prometheus trigger: KEDA cannot wake a worker from zero on cpu, memory or GPU utilisation (no pod to measure); set min >= 1 or add one to triggers, got 0";
    assert.deepEqual(
      only([
        { type: "gpu", targetUtilization: 80 },
        { type: "cpu", targetUtilization: 80 },
      ]),
      [msg],
    );
    assert.deepEqual(only([{ type: "gpu", targetUtilization: 80 }], 1), []);
    assert.deepEqual(only([redis(), { type: "gpu", targetUtilization: 80 }]), []);
    assert.deepEqual(only([{ type: "prometheus", query: "sum(backlog)", threshold: 5 }]), []);
  });

  it("job mode takes queue/prometheus triggers only, and ScaledJob-only multipleScalersCalculation", () => {
    const job = (over: Obj) => cpuWorker({ mode: "job", trigger: undefined, gpu: { count: 1 }, ...over });
    assert.deepEqual(
      problems({
        workers: [
          job({ triggers: [redis(), { type: "gpu", targetUtilization: 80 }], multipleScalersCalculation: "sum" }),
        ],
      }),
      [
        'workers[0].triggers[1].type: a ScaledJob starts one Job per message and takes queue lengths only; a gpu trigger has no queue to count; use mode: deployment, got "gpu"',
      ],
    );
    assert.deepEqual(
      problems({
        workers: [job({ triggers: [redis(), redis({ name: "b", queue: "q2" })], multipleScalersCalculation: "sum" })],
      }),
      [],
    );
    assert.equal(
      parsed({ workers: [job({ triggers: [redis()], multipleScalersCalculation: "avg" })] }).workers[0]
        .multipleScalersCalculation,
      "avg",
    );
    assert.deepEqual(problems({ workers: [cpuWorker({ multipleScalersCalculation: "sum" })] }), [
      'workers[0].multipleScalersCalculation: only for mode: job; a ScaledObject\'s HPA follows the largest trigger (use scalingModifiers to combine them otherwise), got "sum"',
    ]);
  });

  it("job mode rejects the ScaledObject-only keys, each at its key (a profile's values are not reported)", () => {
    const found = problems({
      workers: [
        cpuWorker({
          mode: "job",
          scalingProfile: "responsive",
          cooldownPeriod: 60,
          initialCooldownPeriod: 60,
          scaleUp: { podsPer15s: 1 },
          fallback: { replicas: 1 },
          scalingModifiers: { formula: "redis", target: 1 },
        }),
      ],
    });
    assert.deepEqual(
      found.map((p) => p.split(":")[0]),
      ["cooldownPeriod", "initialCooldownPeriod", "scaleUp", "fallback", "scalingModifiers"].map(
        (k) => `workers[0].${k}`,
      ),
    );
    assert.ok(found[0].includes("a ScaledJob has no cooldownPeriod"), found[0]);
    assert.equal(
      parsed({ workers: [cpuWorker({ mode: "job", scalingProfile: "responsive" })] }).workers[0].pollingInterval,
      5,
    );
  });
});

describe("scaling config: the gpu trigger", () => {
  const gpuWorker = (over: Obj = {}) =>
    cpuWorker({
      trigger: undefined,
      triggers: [redis(), { type: "gpu", targetUtilization: 80 }],
      gpu: { count: 1 },
      ...over,
    });

  it("accepted on a GPU worker with the platform's Prometheus and DCGM exporter", () => {
    assert.deepEqual(problems({ workers: [gpuWorker()] }), []);
  });

  it("rejected on a worker without gpu", () => {
    assert.deepEqual(problems({ workers: [gpuWorker({ gpu: undefined })] }), [
      'workers[0].triggers[1].type: a gpu trigger scales on the utilisation of the worker\'s GPUs, and this worker requests none; set gpu or remove the trigger, got "gpu"',
    ]);
  });

  it("needs the in-cluster Prometheus and the DCGM exporter, unless it names its own serverAddress", () => {
    const at = "workers[0].triggers[1].serverAddress";
    const fix =
      "enable the in-cluster Prometheus and the DCGM exporter, or set serverAddress to a Prometheus that scrapes DCGM_FI_DEV_GPU_UTIL with pod and namespace labels";
    assert.deepEqual(problems({ addons: { prometheus: { enabled: false } }, workers: [gpuWorker()] }), [
      `${at}: addons.prometheus is disabled; ${fix}`,
    ]);
    assert.deepEqual(
      problems({ addons: { prometheus: { externalUrl: "https://prom.example.com" } }, workers: [gpuWorker()] }),
      [
        `${at}: addons.prometheus.externalUrl is set, and the platform does not know whether that Prometheus scrapes the DCGM exporter; ${fix}`,
      ],
    );
    assert.deepEqual(problems({ addons: { dcgmExporter: { enabled: false } }, workers: [gpuWorker()] }), [
      `${at}: addons.dcgmExporter is disabled, so no DCGM_FI_DEV_GPU_UTIL is exported; ${fix}`,
    ]);
    const own = gpuWorker({
      triggers: [redis(), { type: "gpu", targetUtilization: 80, serverAddress: "https://prom.example.com" }],
    });
    assert.deepEqual(problems({ addons: { prometheus: { enabled: false } }, workers: [own] }), []);
  });
});

describe("scaling config: scalingModifiers", () => {
  const modWorker = (
    formula: string,
    triggers: Obj[] = [redis(), { type: "prometheus", name: "lag", query: "max(lag)", threshold: 10 }],
  ) =>
    cpuWorker({
      trigger: undefined,
      triggers,
      safetyNet: { cpuUtilization: 80 },
      scalingModifiers: { formula, target: 5 },
    });

  it("a formula over the triggers' names is accepted and keeps its defaults", () => {
    const w = parsed({ workers: [modWorker("redis > 0 && lag > 30 ? max(redis, lag) : 0")] }).workers[0];
    assert.deepEqual(w.scalingModifiers, {
      formula: "redis > 0 && lag > 30 ? max(redis, lag) : 0",
      target: 5,
      activationTarget: 0,
      metricType: "AverageValue",
    });
  });

  it("a formula naming an unknown trigger, or a cpu/memory trigger, names the key and what it can use", () => {
    assert.deepEqual(problems({ workers: [modWorker("redis + queue")] }), [
      'workers[0].scalingModifiers.formula: no trigger of this worker is named "queue"; the formula can use redis, lag, got "redis + queue"',
    ]);
    assert.deepEqual(problems({ workers: [modWorker("max(redis, cpu)")] }), [
      'workers[0].scalingModifiers.formula: "cpu" is a cpu/memory trigger, which KEDA keeps out of formulas (it stays an HPA metric of its own); the formula can use redis, lag, got "max(redis, cpu)"',
    ]);
  });

  it("with a fallback (also the min-0 default) the target must be a whole number: KEDA ignores the fallback otherwise", () => {
    const w = (over: Obj) =>
      cpuWorker({ scalingModifiers: { formula: "redis", target: 2.5 }, replicas: { min: 0, max: 3 }, ...over });
    assert.deepEqual(problems({ workers: [w({})] }), [
      "workers[0].scalingModifiers.target: with a fallback (the min-0 default) KEDA needs a whole-number target, or it ignores the fallback; use e.g. 3, or fallback: {enabled: false}, got 2.5",
    ]);
    assert.deepEqual(problems({ workers: [w({ fallback: { enabled: false } })] }), []);
    assert.deepEqual(problems({ workers: [w({ replicas: { min: 1, max: 3 } })] }), [], "no fallback at min 1");
    assert.deepEqual(problems({ workers: [w({ scalingModifiers: { formula: "redis", target: 2 } })] }), []);
  });

  it("a Value formula with a fallback at min 0 is refused (KEDA's Value fallback does nothing at zero ready pods)", () => {
    const w = (over: Obj) =>
      cpuWorker({
        scalingModifiers: { formula: "redis", target: 2, metricType: "Value" },
        replicas: { min: 0, max: 3 },
        ...over,
      });
    assert.deepEqual(problems({ workers: [w({})] }), [
      'workers[0].scalingModifiers.metricType: Value with a fallback (the min-0 default) and replicas.min 0: KEDA\'s fallback for a Value metric divides by the ready replicas and does nothing at zero, so the worker would stay there; use AverageValue, or fallback: {enabled: false}, got "Value"',
    ]);
    assert.deepEqual(problems({ workers: [w({ fallback: { enabled: false } })] }), []);
    assert.deepEqual(problems({ workers: [w({ replicas: { min: 1, max: 3 } })] }), [], "min 1: ready pods exist");
    const average = { scalingModifiers: { formula: "redis", target: 2, metricType: "AverageValue" } };
    assert.deepEqual(problems({ workers: [w(average)] }), []);
  });

  it("formulaVariables: called functions, members, strings, expr words and let-bound names are not variables", () => {
    assert.deepEqual(formulaVariables("max(redis, gpu / 85 * 4)"), ["redis", "gpu"]);
    assert.deepEqual(formulaVariables('let x = redis; x > 2 and not (lag in [1, 2]) ? x : "lag"'), ["redis", "lag"]);
    assert.deepEqual(formulaVariables("a.b + c ?? 8 + 1e5"), ["a", "c"]);
    assert.deepEqual(formulaVariables("maxlen + max (y)"), ["maxlen", "y"]);
  });
});

describe("scaling config: fallback and initialCooldownPeriod", () => {
  it("a min-0 deployment worker gets the default fallback; min >= 1, job mode and fallback: false get none", () => {
    const min0 = oneWorker({});
    assert.deepEqual(min0.fallback, DEFAULT_MIN_ZERO_FALLBACK);
    assert.equal(min0.fallbackDefaulted, true);
    assert.equal(oneWorker({ replicas: { min: 1, max: 3 } }).fallback, undefined);
    assert.equal(oneWorker({ mode: "job" }).fallback, undefined);
    assert.equal(oneWorker({ fallback: { enabled: false } }).fallback, undefined);
    assert.equal(oneWorker({ fallback: { enabled: false } }).fallbackDefaulted, false);
  });

  it("an explicit fallback keeps its values and defaults, on any min", () => {
    const w = oneWorker({ replicas: { min: 1, max: 3 }, fallback: { replicas: 2 } });
    assert.deepEqual(w.fallback, { failureThreshold: 3, replicas: 2, behavior: "currentReplicasIfHigher" });
    assert.equal(w.fallbackDefaulted, false);
    assert.deepEqual(oneWorker({ replicas: { min: 1, max: 3 }, fallback: {} }).fallback, DEFAULT_MIN_ZERO_FALLBACK);
  });

  it("fallback replicas above max, fallback with only cpu/memory triggers, and bad values are rejected", () => {
    assert.deepEqual(problems({ workers: [cpuWorker({ fallback: { replicas: 5 } })] }), [
      "workers[0].fallback.replicas: must be <= replicas.max (3): the HPA caps it there, got 5",
    ]);
    assert.deepEqual(
      problems({
        workers: [
          cpuWorker({
            trigger: undefined,
            safetyNet: { cpuUtilization: 80 },
            replicas: { min: 1, max: 3 },
            fallback: { replicas: 1 },
          }),
        ],
      }),
      [
        'workers[0].fallback: KEDA\'s fallback needs a trigger other than cpu/memory (its webhook rejects the ScaledObject otherwise); remove fallback or add such a trigger, got {"failureThreshold":3,"replicas":1,"behavior":"currentReplicasIfHigher"}',
      ],
    );
    const bad = problems({ workers: [cpuWorker({ fallback: { replicas: 0, failureThreshold: 0, behavior: "max" } })] });
    assert.deepEqual(
      bad.map((p) => p.split(":")[0]),
      ["workers[0].fallback.failureThreshold", "workers[0].fallback.replicas", "workers[0].fallback.behavior"],
    );
  });

  it("initialCooldownPeriod: a whole number of seconds >= 0, deployment mode", () => {
    assert.equal(oneWorker({ initialCooldownPeriod: 120 }).initialCooldownPeriod, 120);
    assert.deepEqual(problems({ workers: [cpuWorker({ initialCooldownPeriod: -1 })] }), [
      "workers[0].initialCooldownPeriod: Too small: expected number to be >=0, got -1",
    ]);
  });
});

describe("scaling config: every problem of a stack at once", () => {
  it("field errors and cross-field scaling errors of several workers are reported together", () => {
    const found = problems({
      workers: [
        cpuWorker({ name: "a", image: "ghcr.io/acme/a:latest", trigger: redis({ queue: "nope" }) }),
        cpuWorker({ name: "b", scaleDown: { policies: [] } }),
        cpuWorker({ name: "c", trigger: undefined, triggers: [redis(), redis({ queue: "q2" })] }),
      ],
    });
    // workers[0] did not parse (its image): its triggers are still checked, from what did parse.
    assert.deepEqual(
      found.map((p) => p.split(":")[0]),
      ["workers[0].image", "workers[0].trigger.queue", "workers[1].scaleDown.policies", "workers[2].triggers[1].name"],
    );
  });
});
