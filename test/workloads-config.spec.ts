import * as assert from "node:assert/strict";
import { loadConfig } from "../stacks/load.ts";
import { configProblems, cpuWorker, minimalStack, sourceOf } from "./helpers/config.ts";

/** Problems loadConfig reports, or [] when valid. */
function problems(values: Record<string, unknown>): string[] {
  return configProblems(values);
}

const withQueue = (values: Record<string, unknown>) => ({ ...values, queues: [{ name: "q", kind: "redis" }] });

/** Warnings of a valid config (fails if it is invalid). */
function warnings(values: Record<string, unknown>): string[] {
  return loadConfig(sourceOf(values)).warnings;
}

/** minimalStack's cluster with an on-demand and a spot GPU pool and an on-demand and a spot CPU pool. */
function gpuStack(): Record<string, unknown> {
  const stack = minimalStack() as { clusters: { pools: unknown[] }[] };
  const t4 = { count: 1, type: "nvidia-tesla-t4" };
  stack.clusters[0].pools.push(
    { name: "gpu", machineTypes: ["Standard_NC4as_T4_v3"], gpu: t4, min: 0, max: 4 },
    { name: "gpuspot", machineTypes: ["Standard_NC4as_T4_v3"], gpu: t4, spot: true, min: 0, max: 4 },
    { name: "cpu", machineTypes: ["Standard_D4s_v5"], min: 0, max: 4 },
    { name: "cpuspot", machineTypes: ["Standard_D4s_v5"], spot: true, min: 0, max: 4 },
  );
  return stack;
}
const jobWorker = (over: Record<string, unknown> = {}) =>
  cpuWorker({ name: "render", mode: "job", maxJobDurationSeconds: 7200, ...over });
const service = (over: Record<string, unknown> = {}) => ({
  name: "api",
  image: "ghcr.io/acme/api:1.0.0",
  port: 8080,
  resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } },
  replicas: { min: 1, max: 2 },
  ...over,
});
const preemption = (ws: string[]) => ws.filter((w) => w.includes("may preempt"));
const existing = () => ({
  platform: { environment: "test" },
  clusters: [{ name: "local", cloud: "existing", existing: { context: "kind-x" } }],
});

describe("workloads config: invalid workers and services are rejected", () => {
  it("a valid CPU worker passes (the baseline the cases below change)", () => {
    assert.deepEqual(problems(withQueue({ ...minimalStack(), workers: [cpuWorker()] })), []);
  });

  it("worker min > max, in deployment and job mode", () => {
    for (const mode of ["deployment", "job"]) {
      const found = problems(
        withQueue({ ...minimalStack(), workers: [cpuWorker({ mode, replicas: { min: 4, max: 2 } })] }),
      );
      assert.deepEqual(found, ["workers[0].replicas.max: must be >= min (4), got 2"], mode);
    }
    assert.deepEqual(
      problems(withQueue({ ...minimalStack(), workers: [cpuWorker({ replicas: { min: 2, max: 2 } })] })),
      [],
      "min = max is fine",
    );
  });

  it("service min > max", () => {
    const found = problems({
      ...minimalStack(),
      services: [
        {
          name: "api",
          image: "ghcr.io/acme/api:1.0.0",
          port: 80,
          resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } },
          replicas: { min: 4, max: 2 },
        },
      ],
    });
    assert.deepEqual(found, ["services[0].replicas.max: must be >= min (4), got 2"]);
  });

  it('a quantity written as a YAML number (cpu: 2) is taken as "2"; a negative one is rejected as a quantity', () => {
    const res = (cpu: unknown) => ({ requests: { cpu, memory: "1Gi" }, limits: { memory: "1Gi" } });
    const { config } = loadConfig(
      sourceOf(withQueue({ ...minimalStack(), workers: [cpuWorker({ resources: res(2) })] })),
    );
    assert.equal(config.workers[0].resources.requests.cpu, "2");
    const found = problems(withQueue({ ...minimalStack(), workers: [cpuWorker({ resources: res(-1) })] }));
    assert.deepEqual(found, [
      'workers[0].resources.requests.cpu: must be a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi, got "-1"',
    ]);
  });

  it("a service at min 0: an HPA cannot scale from zero, so services keep at least one replica", () => {
    const found = problems({ ...minimalStack(), services: [service({ replicas: { min: 0, max: 2 } })] });
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /^services\[0\]\.replicas\.min: .*got 0$/);
  });

  it("min 0 with only cpu/memory triggers (KEDA cannot activate from zero)", () => {
    const found = problems({
      ...minimalStack(),
      workers: [cpuWorker({ trigger: undefined, safetyNet: { cpuUtilization: 80 }, replicas: { min: 0, max: 3 } })],
    });
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /^workers\[0\]\.replicas\.min: min 0 needs a queue or prometheus trigger/);
    // ... while min 1 with the same safety net is fine
    assert.deepEqual(
      problems({
        ...minimalStack(),
        workers: [cpuWorker({ trigger: undefined, safetyNet: { cpuUtilization: 80 }, replicas: { min: 1, max: 3 } })],
      }),
      [],
    );
  });

  it("a GPU worker on a cluster without a GPU pool and fallbackToCpu off; accepted with fallback on", () => {
    const found = problems(withQueue({ ...existing(), workers: [cpuWorker({ gpu: { count: 1 } })] }));
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /^workers\[0\]\.gpu: cluster local has no GPU pool: the pod could never schedule/);
    assert.deepEqual(
      problems(withQueue({ ...existing(), workers: [cpuWorker({ gpu: { count: 1, fallbackToCpu: true } })] })),
      [],
    );
  });

  it("max job duration beyond the autoscaler's graceful-termination cap in deployment mode; accepted in job mode", () => {
    const found = problems(withQueue({ ...minimalStack(), workers: [cpuWorker({ maxJobDurationSeconds: 3600 })] }));
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(
      found[0],
      /^workers\[0\]\.maxJobDurationSeconds: jobs of up to 3600s would be killed on scale-in: .*waits at most 600s.*use mode: job/,
    );
    assert.deepEqual(
      problems(withQueue({ ...minimalStack(), workers: [cpuWorker({ maxJobDurationSeconds: 3600, mode: "job" })] })),
      [],
    );
  });

  it("max replicas is required (KEDA's default of 100 is never used)", () => {
    const found = problems(withQueue({ ...minimalStack(), workers: [cpuWorker({ replicas: { min: 0 } })] }));
    assert.deepEqual(found, ["workers[0].replicas.max: must be number, got nothing (required)"]);
  });

  it("names that would collide in the namespace: a worker named like a queue, a secret named like a queue's own", () => {
    const found = problems({
      ...withQueue({ ...minimalStack(), workers: [cpuWorker({ name: "q" })] }),
      secrets: [{ name: "q-auth", data: { k: { generate: { length: 32 } } } }],
    });
    assert.deepEqual(found.sort(), [
      'secrets[0].name: "q-auth" is the name of a Secret queue "q" creates; choose another name, got "q-auth"',
      'workers[0].name: "q" is also a queue name; names must differ (they share a namespace), got "q"',
    ]);
  });
});

describe("workloads config: network policy entries", () => {
  const base = () => withQueue({ ...minimalStack(), workers: [cpuWorker()] });

  it("egress cidr must be a CIDR (IPv4, or IPv6 for dual-stack clusters); ports must be TCP port numbers", () => {
    for (const [cidr, why] of [
      ["api.huggingface.co", /must be an IPv4 CIDR such as 10\.0\.0\.0\/16 .* or an IPv6 CIDR/],
      ["0.0.0.0", /add the prefix length, e\.g\. 0\.0\.0\.0\/32/],
      ["10.0.0.0/8 ", /must be an IPv4 CIDR such as 10\.0\.0\.0\/16/],
    ] as const) {
      const found = problems({ ...base(), workers: [cpuWorker({ egress: [{ cidr, ports: [443] }] })] });
      assert.equal(found.length, 1, `${cidr}: ${found.join("\n")}`);
      assert.match(found[0], /^workers\[0\]\.egress\[0\]\.cidr: /, cidr);
      assert.match(found[0], why, cidr);
    }
    const badPort = problems({ ...base(), workers: [cpuWorker({ egress: [{ cidr: "0.0.0.0/0", ports: [0] }] })] });
    assert.equal(badPort.length, 1, badPort.join("\n"));
    assert.match(badPort[0], /^workers\[0\]\.egress\[0\]\.ports\[0\]:/);
    for (const cidr of ["0.0.0.0/0", "::/0", "2001:db8::/32"])
      assert.deepEqual(problems({ ...base(), workers: [cpuWorker({ egress: [{ cidr, ports: [443] }] })] }), [], cidr);
    // services share the field
    const svc = problems({ ...minimalStack(), services: [service({ egress: [{ cidr: "example.com" }] })] });
    assert.equal(svc.length, 1, svc.join("\n"));
    assert.match(svc[0], /^services\[0\]\.egress\[0\]\.cidr: must be an IPv4 CIDR/);
  });

  it("allowFrom entries are a CIDR or a namespace name, nothing else", () => {
    assert.deepEqual(
      problems({
        ...minimalStack(),
        services: [service({ allowFrom: ["ingress-nginx", "10.0.0.0/8", "192.168.1.0/24", "fd00::/8", "123"] })],
      }),
      [],
    );
    for (const [entry, why] of [
      ["Ingress-Nginx", /must be a CIDR such as 10\.0\.0\.0\/8 or a namespace name such as ingress-nginx/],
      ["ns/app", /must be a CIDR such as 10\.0\.0\.0\/8 or a namespace name/],
      ["", /must be a CIDR such as 10\.0\.0\.0\/8 or a namespace name/],
      ["a".repeat(64), /must be a CIDR such as 10\.0\.0\.0\/8 or a namespace name/],
      ["10.0.0.0", /add the prefix length, e\.g\. 10\.0\.0\.0\/32/],
      ["10.0.0.1/8", /host bits set .* write 10\.0\.0\.0\/8 for the range, or 10\.0\.0\.1\/32/],
      ["10.0.0.300/32", /must be an IPv4 CIDR such as 10\.0\.0\.0\/16/],
    ] as const) {
      const found = problems({ ...minimalStack(), services: [service({ allowFrom: ["ok", entry] })] });
      assert.equal(found.length, 1, `${JSON.stringify(entry)}: ${found.join("\n")}`);
      assert.match(found[0], /^services\[0\]\.allowFrom\[1\]: /, entry);
      assert.match(found[0], why, entry);
    }
  });
});

describe("workloads config: priority classes", () => {
  it("overprovisioning stays within -10..-1: below the autoscaler's expendable-pods-priority-cutoff placeholders stop working", () => {
    for (const v of [-10, -5, -1])
      assert.deepEqual(
        problems({ ...minimalStack(), priorityClasses: { values: { overprovisioning: v } } }),
        [],
        String(v),
      );
    const low = problems({ ...minimalStack(), priorityClasses: { values: { overprovisioning: -11 } } });
    assert.equal(low.length, 1, low.join("\n"));
    assert.match(
      low[0],
      /^priorityClasses\.values\.overprovisioning: must be >= -10: .*expendable-pods-priority-cutoff/,
    );
    const zero = problems({ ...minimalStack(), priorityClasses: { values: { overprovisioning: 0 } } });
    assert.equal(zero.length, 1, zero.join("\n"));
    assert.match(zero[0], /^priorityClasses\.values\.overprovisioning: must be negative/);
  });
});

describe("workloads config: preemption of job-mode workers", () => {
  it("warns when a job worker shares GPU pools with a worker of a higher tier, naming both and the fix", () => {
    const ws = preemption(
      warnings(
        withQueue({
          ...gpuStack(),
          workers: [
            jobWorker({ gpu: { count: 1 } }),
            cpuWorker({ name: "llm", gpu: { count: 1 }, priority: "critical", replicas: { min: 1, max: 2 } }),
          ],
        }),
      ),
    );
    assert.equal(ws.length, 1, ws.join("\n"));
    assert.match(
      ws[0],
      /^workers\[0\]\.priority: job-mode worker render \(standard, 10000\) shares GPU pool gpu of c1 with workers\[1\] llm \(critical, 100000\)/,
    );
    assert.match(ws[0], /give render a priority at least as high \(priority: critical/);
  });

  it("no warning at an equal or higher priority (equal priorities never preempt each other)", () => {
    const equal = withQueue({
      ...gpuStack(),
      workers: [
        jobWorker({ gpu: { count: 1 }, priority: "critical" }),
        cpuWorker({ name: "llm", gpu: { count: 1 }, priority: "critical", replicas: { min: 1, max: 2 } }),
      ],
    });
    assert.deepEqual(preemption(warnings(equal)), []);
    const lower = withQueue({
      ...gpuStack(),
      workers: [jobWorker({ gpu: { count: 1 } }), cpuWorker({ name: "bg", gpu: { count: 1 }, priority: "background" })],
    });
    assert.deepEqual(preemption(warnings(lower)), []);
  });

  it("CPU pods too: an on-demand CPU job worker and a critical service allowed on spot and on-demand share pool cpu", () => {
    const shared = preemption(
      warnings(
        withQueue({ ...gpuStack(), workers: [jobWorker()], services: [service({ priority: "critical", spot: true })] }),
      ),
    );
    assert.equal(shared.length, 1, shared.join("\n"));
    assert.match(shared[0], /shares CPU pool cpu of c1 with services\[0\] api \(critical, 100000\)/);
  });

  it("no warning when the pools cannot overlap: GPU vs CPU, different clusters", () => {
    const critical = (over: Record<string, unknown>) =>
      cpuWorker({ name: "llm", priority: "critical", replicas: { min: 1, max: 2 }, ...over });
    assert.deepEqual(
      preemption(warnings(withQueue({ ...gpuStack(), workers: [jobWorker(), critical({ gpu: { count: 1 } })] }))),
      [],
    );
    // different clusters
    const two = gpuStack() as { clusters: Record<string, unknown>[] };
    two.clusters.push({ ...two.clusters[0], name: "c2" });
    const apart = withQueue({
      ...two,
      workers: [
        jobWorker({ gpu: { count: 1 }, clusters: ["c1"] }),
        cpuWorker({
          name: "llm",
          gpu: { count: 1 },
          priority: "critical",
          replicas: { min: 1, max: 2 },
          clusters: ["c2"],
        }),
      ],
    });
    assert.deepEqual(preemption(warnings(apart)), []);
  });

  it("the tiers' configured values decide, not their names", () => {
    const cfg = withQueue({
      ...gpuStack(),
      priorityClasses: { values: { critical: 5000, standard: 10000 } },
      workers: [
        jobWorker({ gpu: { count: 1 } }),
        cpuWorker({ name: "llm", gpu: { count: 1 }, priority: "critical", replicas: { min: 1, max: 2 } }),
      ],
    });
    assert.deepEqual(preemption(warnings(cfg)), []);
  });
});

describe("workloads config: spot eviction notice", () => {
  /** minimalStack plus a spot CPU pool and, unless `onDemand` is false, an on-demand one. */
  const pools = (onDemand = true) => {
    const stack = minimalStack() as { clusters: { pools: unknown[] }[] };
    stack.clusters[0].pools.push({ name: "cpuspot", machineTypes: ["Standard_D4s_v5"], spot: true, min: 0, max: 4 });
    if (onDemand) stack.clusters[0].pools.push({ name: "cpu", machineTypes: ["Standard_D4s_v5"], min: 0, max: 4 });
    return stack as Record<string, unknown>;
  };
  const notice = (stack: Record<string, unknown>, over: Record<string, unknown>) =>
    warnings(withQueue({ ...stack, workers: [cpuWorker({ spot: true, maxJobDurationSeconds: 90, ...over })] })).filter(
      (w) => w.includes("spot eviction notice"),
    );

  it("warns when a spot-allowed worker's jobs outlast the cloud's eviction notice (AKS: 30 s), naming the pool and the fix", () => {
    const ws = notice(pools(), {});
    assert.equal(ws.length, 1, ws.join("\n"));
    assert.match(
      ws[0],
      /^workers\[0\]\.maxJobDurationSeconds: 90s exceeds the spot eviction notice \(30s\) on spot pool cpuspot of c1; a job in flight at eviction is lost .*; or set spot: false$/,
    );
  });

  it("job mode too: an evicted Job restarts from the beginning", () => {
    const ws = notice(pools(), { mode: "job" });
    assert.equal(ws.length, 1, ws.join("\n"));
    assert.match(ws[0], /a Job whose node is evicted restarts from the beginning/);
  });

  it("a worker with spot: false that lands on spot anyway (no on-demand pool for it) is warned, with the fix that applies", () => {
    const ws = notice(pools(false), { spot: false });
    assert.equal(ws.length, 1, ws.join("\n"));
    assert.match(ws[0], /on spot pool cpuspot of c1; .*; or add an on-demand pool for it to c1/);
  });

  it("no warning within the notice, with spot: false next to an on-demand pool, or on a cluster without spot pools", () => {
    assert.deepEqual(notice(pools(), { maxJobDurationSeconds: 30 }), []);
    assert.deepEqual(notice(pools(), { spot: false }), []);
    assert.deepEqual(notice(minimalStack(), {}), []);
  });
});

describe("workloads config: cross-field rules (exact key and message)", () => {
  const gen = { generate: { length: 32 } };
  const queue = (over: Record<string, unknown> = {}) => ({ name: "q", kind: "redis", ...over });
  const secret = (name: string, ...keys: string[]) => ({ name, data: Object.fromEntries(keys.map((k) => [k, gen])) });

  it("duplicate names within queues, secrets, workers and services, reported at the later occurrence", () => {
    const found = problems({
      ...minimalStack(),
      queues: [queue(), queue({ name: "r" }), queue()],
      secrets: [secret("s", "k"), secret("s", "k")],
      workers: [cpuWorker(), cpuWorker()],
      services: [service(), service()],
    });
    assert.deepEqual(found, [
      'queues[2].name: duplicate name "q" in queues, got "q"',
      'secrets[1].name: duplicate name "s" in secrets, got "s"',
      'workers[1].name: duplicate name "w" in workers, got "w"',
      'services[1].name: duplicate name "api" in services, got "api"',
    ]);
  });

  it("a service named like a worker or like a queue (they share the namespace)", () => {
    const found = problems(
      withQueue({
        ...minimalStack(),
        workers: [cpuWorker({ name: "api" })],
        services: [service(), service({ name: "q" })],
      }),
    );
    assert.deepEqual(found, [
      'services[0].name: "api" is also a worker name; names must differ, got "api"',
      'services[1].name: "q" is also a queue name; names must differ (they share a namespace), got "q"',
    ]);
  });

  it("secretEnv naming a secret that does not exist, or a key the secret lacks (workers and services)", () => {
    const found = problems(
      withQueue({
        ...minimalStack(),
        secrets: [secret("s", "a", "b")],
        workers: [
          cpuWorker({
            secretEnv: {
              X: { secret: "nope", key: "a" },
              Y: { secret: "s", key: "c" },
              Z: { secret: "s", key: "a" },
              W: { secret: "s", key: "toString" },
            },
          }),
        ],
        services: [service({ secretEnv: { X: { secret: "s", key: "zz" } } })],
      }),
    );
    assert.deepEqual(found, [
      'workers[0].secretEnv.X.secret: no secret named "nope" under secrets (have: s), got "nope"',
      'workers[0].secretEnv.Y.key: secret "s" has no key "c" (has: a, b), got "c"',
      // A name every JavaScript object has is still not a key of the secret.
      'workers[0].secretEnv.W.key: secret "s" has no key "toString" (has: a, b), got "toString"',
      'services[0].secretEnv.X.key: secret "s" has no key "zz" (has: a, b), got "zz"',
    ]);
    const none = problems(
      withQueue({ ...minimalStack(), workers: [cpuWorker({ secretEnv: { X: { secret: "nope", key: "a" } } })] }),
    );
    assert.deepEqual(none, [
      'workers[0].secretEnv.X.secret: no secret named "nope" under secrets (have: none), got "nope"',
    ]);
  });

  it("an external queue's passwordSecret naming a missing secret or a key that secret lacks", () => {
    const found = problems({
      ...minimalStack(),
      queues: [
        queue({ mode: "external", host: "h", passwordSecret: { secret: "nope", key: "p" } }),
        queue({ name: "r", mode: "external", host: "h", passwordSecret: { secret: "s", key: "p" } }),
      ],
      secrets: [secret("s", "password")],
    });
    assert.deepEqual(found, [
      'queues[0].passwordSecret.secret: no secret named "nope" under secrets (have: s), got "nope"',
      'queues[1].passwordSecret.key: secret "s" has no key "p" (has: password), got "p"',
    ]);
  });

  it("an external queue without host and without passwordSecret; a complete one is accepted", () => {
    assert.deepEqual(problems({ ...minimalStack(), queues: [queue({ mode: "external" })] }), [
      "queues[0].host: an external queue needs host",
      "queues[0].passwordSecret: an external queue needs passwordSecret ({secret, key})",
    ]);
    assert.deepEqual(
      problems({
        ...minimalStack(),
        queues: [queue({ mode: "external", host: "h", passwordSecret: { secret: "s", key: "password" } })],
        secrets: [secret("s", "password")],
      }),
      [],
    );
  });

  it("an external rabbitmq whose secret has no `username` key; accepted once it has one", () => {
    const rabbit = (...keys: string[]) =>
      problems({
        ...minimalStack(),
        queues: [
          queue({ kind: "rabbitmq", mode: "external", host: "h", passwordSecret: { secret: "s", key: "password" } }),
        ],
        secrets: [secret("s", ...keys)],
      });
    assert.deepEqual(rabbit("password"), [
      'queues[0].passwordSecret.secret: an external rabbitmq needs the key "username" in secret "s", got "s"',
    ]);
    assert.deepEqual(rabbit("password", "username"), []);
  });

  it("host, port and passwordSecret on an in-cluster queue", () => {
    const found = problems({
      ...minimalStack(),
      queues: [queue({ host: "h", port: 6379, passwordSecret: { secret: "s", key: "password" } })],
      secrets: [secret("s", "password")],
    });
    assert.deepEqual(found, [
      'queues[0].host: only for mode: external; an in-cluster queue generates its own, got "h"',
      "queues[0].port: only for mode: external; an in-cluster queue generates its own, got 6379",
      'queues[0].passwordSecret: only for mode: external; an in-cluster queue generates its own, got {"secret":"s","key":"password"}',
    ]);
  });

  it("a worker's or service's clusters naming an unknown cluster", () => {
    const found = problems(
      withQueue({
        ...minimalStack(),
        workers: [cpuWorker({ clusters: ["c1", "c9"] })],
        services: [service({ clusters: ["zz"] })],
      }),
    );
    assert.deepEqual(found, [
      'workers[0].clusters[1]: no cluster named "c9" (have: c1), got "c9"',
      'services[0].clusters[0]: no cluster named "zz" (have: c1), got "zz"',
    ]);
  });

  it("a trigger naming an unknown queue", () => {
    const found = problems(
      withQueue({
        ...minimalStack(),
        workers: [cpuWorker({ trigger: { type: "redis", queue: "other", listName: "l" } })],
      }),
    );
    assert.deepEqual(found, ['workers[0].trigger.queue: no queue named "other" under queues (have: q), got "other"']);
    assert.deepEqual(problems({ ...minimalStack(), workers: [cpuWorker()] }), [
      'workers[0].trigger.queue: no queue named "q" under queues (have: none), got "q"',
    ]);
  });

  it("a trigger whose type is not the queue's kind", () => {
    const found = problems(
      withQueue({
        ...minimalStack(),
        workers: [cpuWorker({ trigger: { type: "rabbitmq", queue: "q", queueName: "jobs" } })],
      }),
    );
    assert.deepEqual(found, ['workers[0].trigger.queue: queue "q" is redis, the trigger is rabbitmq, got "q"']);
  });

  it("a worker with neither trigger nor safetyNet", () => {
    const found = problems({
      ...minimalStack(),
      workers: [cpuWorker({ trigger: undefined, replicas: { min: 1, max: 3 } })],
    });
    assert.deepEqual(found, [
      "workers[0].triggers: a worker needs a trigger: a queue (redis, rabbitmq) or prometheus trigger, or with min >= 1 cpu/memory/gpu",
    ]);
  });

  it("job mode: a safetyNet, or no queue trigger", () => {
    const safety = problems(
      withQueue({ ...minimalStack(), workers: [cpuWorker({ mode: "job", safetyNet: { cpuUtilization: 80 } })] }),
    );
    assert.deepEqual(safety, [
      'workers[0].safetyNet: a ScaledJob scales on its queue only; remove safetyNet or use mode: deployment, got {"cpuUtilization":80}',
    ]);
    const noTrigger = problems({
      ...minimalStack(),
      workers: [
        cpuWorker({ mode: "job", trigger: undefined, safetyNet: { cpuUtilization: 80 }, replicas: { min: 1, max: 3 } }),
      ],
    });
    assert.deepEqual(noTrigger, [
      'workers[0].safetyNet: a ScaledJob scales on its queue only; remove safetyNet or use mode: deployment, got {"cpuUtilization":80}',
      'workers[0].triggers: mode: job needs a queue or prometheus trigger, got ["cpu"]',
    ]);
  });

  it("a prometheus trigger with no Prometheus: no serverAddress, addon disabled, no externalUrl; any one of them suffices", () => {
    const prom = { type: "prometheus", query: "sum(x)", threshold: 5 };
    const found = (trigger: Record<string, unknown>, prometheus: Record<string, unknown>) =>
      problems({
        ...minimalStack(),
        addons: { prometheus },
        workers: [cpuWorker({ trigger })],
        observability: { externalMetrics: ["x"] },
      });
    assert.deepEqual(found(prom, { enabled: false }), [
      "workers[0].trigger.serverAddress: no Prometheus: set serverAddress, addons.prometheus.externalUrl, or enable addons.prometheus",
    ]);
    assert.deepEqual(found({ ...prom, serverAddress: "http://prom:9090" }, { enabled: false }), []);
    assert.deepEqual(found(prom, { enabled: false, externalUrl: "http://prom:9090" }), []);
    assert.deepEqual(found(prom, {}), []);
  });

  it("a service customMetric with the Prometheus Adapter disabled", () => {
    const found = (prometheusAdapter: Record<string, unknown>) =>
      problems({
        ...minimalStack(),
        addons: { prometheusAdapter },
        services: [service({ customMetric: { name: "m", targetAverageValue: "5" } })],
      });
    assert.deepEqual(found({ enabled: false }), [
      'services[0].customMetric: custom metrics come from the Prometheus Adapter; enable addons.prometheusAdapter, got {"name":"m","targetAverageValue":"5"}',
    ]);
    assert.deepEqual(found({}), []);
  });

  it("GPU placement: only spot GPU pools and spot: false; more GPUs than any pool's node has", () => {
    const stack = minimalStack() as { clusters: { pools: unknown[] }[] };
    stack.clusters[0].pools.push({
      name: "gpuspot",
      machineTypes: ["Standard_NC4as_T4_v3"],
      gpu: { count: 1, type: "nvidia-tesla-t4" },
      spot: true,
      min: 0,
      max: 2,
    });
    const found = (gpu: Record<string, unknown>, spot: boolean) =>
      problems(withQueue({ ...stack, workers: [cpuWorker({ gpu, spot })] }));
    assert.deepEqual(found({ count: 1 }, false), [
      'workers[0].gpu: cluster c1 has only spot nvidia GPU pools and spot is false: the pod could never schedule; set spot: true, add an on-demand GPU pool, set gpu.fallbackToCpu: true, or list other clusters in clusters, got {"count":1,"vendor":"nvidia","fallbackToCpu":false}',
    ]);
    assert.deepEqual(found({ count: 1 }, true), []);
    assert.deepEqual(found({ count: 2 }, true), [
      "workers[0].gpu.count: no nvidia GPU pool of cluster c1 has 2 GPUs per node (largest: 1), got 2",
    ]);
  });
});

describe("workloads config: scaling signals that work against a queue worker", () => {
  const rabbit = { queues: [{ name: "rq", kind: "rabbitmq" }] };
  const rabbitTrigger = (targetPerReplica: number) => ({
    type: "rabbitmq",
    queue: "rq",
    queueName: "renders",
    targetPerReplica,
  });
  const memoryWarnings = (ws: string[]) => ws.filter((w) => w.includes("safetyNet.memoryUtilization"));
  const prefetchWarnings = (ws: string[]) => ws.filter((w) => w.includes("trigger.targetPerReplica"));

  it("warns on a memory safety net next to a queue trigger, naming the key, the worker, its max and the fix", () => {
    const ws = memoryWarnings(
      warnings(
        withQueue({
          ...minimalStack(),
          workers: [
            cpuWorker({ safetyNet: { cpuUtilization: 80, memoryUtilization: 85 }, replicas: { min: 0, max: 7 } }),
          ],
        }),
      ),
    );
    assert.equal(ws.length, 1, ws.join("\n"));
    assert.match(ws[0], /^workers\[0\]\.safetyNet\.memoryUtilization: w's memory per pod does not fall/);
    assert.match(ws[0], /passes 85% of requests\.memory .* holds it at replicas\.max \(7\) while anything is queued/);
    assert.match(ws[0], /remove memoryUtilization/);
  });

  it("warns on a memory trigger in a triggers list next to a queue trigger, naming its list key", () => {
    const ws = warnings(
      withQueue({
        ...minimalStack(),
        workers: [
          cpuWorker({
            trigger: undefined,
            triggers: [
              { type: "redis", queue: "q", listName: "jobs" },
              { type: "memory", targetUtilization: 70 },
            ],
            replicas: { min: 0, max: 4 },
          }),
        ],
      }),
    ).filter((w) => w.includes("memory per pod"));
    assert.equal(ws.length, 1, ws.join("\n"));
    assert.match(ws[0], /^workers\[0\]\.triggers\[1\]: w's memory per pod does not fall/);
    assert.match(ws[0], /remove this memory trigger/);
  });

  it("no memory warning for a cpu-only safety net, nor for a worker scaled on memory alone (no queue trigger)", () => {
    const cpuOnly = withQueue({ ...minimalStack(), workers: [cpuWorker({ safetyNet: { cpuUtilization: 80 } })] });
    assert.deepEqual(memoryWarnings(warnings(cpuOnly)), []);
    const memoryOnly = withQueue({
      ...minimalStack(),
      workers: [cpuWorker({ trigger: undefined, safetyNet: { memoryUtilization: 85 }, replicas: { min: 1, max: 3 } })],
    });
    assert.deepEqual(memoryWarnings(warnings(memoryOnly)), []);
  });

  it("warns on a job-mode RabbitMQ trigger whose targetPerReplica is not 1 (the count assumes one message per Job)", () => {
    const ws = prefetchWarnings(
      warnings({ ...minimalStack(), ...rabbit, workers: [jobWorker({ trigger: rabbitTrigger(3) })] }),
    );
    assert.equal(ws.length, 1, ws.join("\n"));
    assert.match(ws[0], /^workers\[0\]\.trigger\.targetPerReplica: 3 in job mode: KEDA counts ready messages only/);
    assert.match(ws[0], /consumer prefetch 3\); with one message per Job \(prefetch 1\) set targetPerReplica: 1$/);
  });

  it("no prefetch warning with targetPerReplica 1, in deployment mode (unacked messages count), or for Redis", () => {
    const none = (workers: unknown[], queues = rabbit) =>
      assert.deepEqual(
        prefetchWarnings(warnings({ ...minimalStack(), ...queues, workers })),
        [],
        JSON.stringify(workers),
      );
    none([jobWorker({ trigger: rabbitTrigger(1) })]);
    none([cpuWorker({ trigger: rabbitTrigger(5) })]);
    none([jobWorker({ trigger: { type: "redis", queue: "q", listName: "jobs", targetPerReplica: 3 } })], {
      queues: [{ name: "q", kind: "redis" }],
    });
  });
});
