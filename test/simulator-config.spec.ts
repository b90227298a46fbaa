import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planStack } from "../tools/plan-stack.ts";
import type { PlanResult } from "../tools/plan-stack.ts";
import { simClusters, poolCapacity } from "../simulator/from-config.ts";
import { poolNodes } from "../stacks/schema/checks/fit.ts";
import { nodeAllocatable } from "../stacks/allocatable.ts";
import { machineShape } from "../stacks/machine-types.ts";
import { SCALING_PROFILES } from "../stacks/schema/scaling.ts";
import { withProfile } from "../tools/profile-figures.ts";
import { readStackFile } from "../tools/stack-file.ts";
import { loadStackConfig } from "../simulator/stack.ts";
import type { SimWorker } from "../simulator/model/types.ts";
import { withDefaults } from "../simulator/model/hpa.ts";
import { configProblems, cpuWorker, minimalStack } from "./helpers/config.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const projectDir = path.resolve(import.meta.dirname, "..");

describe("simulator reads the numbers the plan writes (ScaledObject, ScaledJob, HPA, Deployment, headroom)", function () {
  this.timeout(120_000);
  const plans: Record<string, PlanResult> = {};
  let outDir: string;
  before(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-sim-plan-"));
    for (const stack of ["dev", "prod"]) plans[stack] = await planStack(stack, { dir: projectDir, outDir });
  });
  after(() => fs.rmSync(outDir, { recursive: true, force: true }));

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: every worker's min, max, polling, cooldown, behaviour, trigger target/activation/metric and grace`, () => {
      const resources = plans[stack].resources;
      const find = (type: string, name: string) => resources.find((r) => r.type === type && r.name === name);
      const clusters = simClusters(loadStackConfig(stack, projectDir).config);
      let compared = 0;
      const seen = new Set<string>();
      for (const c of clusters) {
        for (const w of c.workers) {
          const name = `${c.name}-${w.name}`;
          if (w.kind === "service") {
            const hpa = find("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", name)!.plainInputs.spec as Obj;
            assert.equal(w.min, hpa.minReplicas);
            assert.equal(w.max, hpa.maxReplicas);
            // behavior only where the config (or its profile) sets it; the simulator has the same rules, else none.
            assert.deepEqual(w.behavior ?? {}, hpa.behavior ?? {});
            for (const kind of ["cpu", "memory"]) {
              const m = (hpa.metrics as Obj[]).find((x) => x.resource?.name === kind);
              const t = w.triggers.find((x) => x.kind === "utilization" && x.type === kind);
              assert.equal(
                t && t.kind === "utilization" ? t.targetPercent : undefined,
                m?.resource.target.averageUtilization,
              );
            }
            compared++;
            continue;
          }
          const so = find(`kubernetes:keda.sh/v1alpha1:${w.kind === "job" ? "ScaledJob" : "ScaledObject"}`, name);
          assert.ok(so, `${name}: no scaled object in the plan`);
          const spec = so.plainInputs.spec as Obj;
          assert.equal(w.min, spec.minReplicaCount);
          assert.equal(w.max, spec.maxReplicaCount);
          assert.equal(w.pollingInterval, spec.pollingInterval);
          // Every trigger, in order: the rendered KEDA trigger and the simulator's read the same numbers.
          const rendered = spec.triggers as Obj[];
          assert.equal(w.triggers.length, rendered.length, `${name}: triggers`);
          w.triggers.forEach((t, i) => {
            const r = rendered[i];
            const m = r.metadata as Record<string, string>;
            if (t.kind === "utilization") {
              assert.equal(r.type, t.type);
              assert.equal(m.value, String(t.targetPercent));
              return;
            }
            if (t.kind === "gpu") {
              seen.add("gpu");
              assert.equal(r.type, "prometheus");
              assert.equal(r.metricType, "AverageValue");
              assert.match(m.query, /DCGM_FI_DEV_GPU_UTIL/);
              assert.equal(m.threshold, String(t.target));
              assert.equal(m.activationThreshold, String(t.activation));
              return;
            }
            const target = m.listLength ?? m.value ?? m.threshold ?? m.queueLength ?? m.messageCount;
            const activation =
              m.activationListLength ??
              m.activationValue ??
              m.activationThreshold ??
              m.activationQueueLength ??
              m.activationMessageCount;
            assert.equal(String(t.target), target, `${name} trigger ${i}: target`);
            assert.equal(String(t.activation), activation, `${name} trigger ${i}: activation`);
            // redis lists and prometheus queries: waiting items; rabbitmq over http counts unacked unless
            // excludeUnacknowledged; sqs counts in-flight unless scaleOnInFlight false; servicebus counts locked ones.
            const inFlight =
              r.type === "rabbitmq"
                ? m.excludeUnacknowledged !== "true"
                : r.type === "aws-sqs-queue"
                  ? m.scaleOnInFlight !== "false"
                  : r.type === "azure-servicebus";
            assert.equal(t.countsInFlight, inFlight, `${name} trigger ${i}: in-flight`);
            seen.add(r.type as string);
          });
          if (w.kind === "job") {
            assert.equal(w.scaledJob?.strategy, spec.scalingStrategy.strategy);
            assert.equal(w.multipleScalersCalculation, spec.scalingStrategy.multipleScalersCalculation);
            assert.equal(w.graceSeconds, spec.jobTargetRef.template.spec.terminationGracePeriodSeconds);
            // Pods per Job: the simulator starts what the Job runs (parallelism) until completions succeed.
            assert.deepEqual(w.jobPods, {
              parallelism: spec.jobTargetRef.parallelism,
              completions: spec.jobTargetRef.completions,
            });
          } else {
            assert.equal(w.cooldownPeriod, spec.cooldownPeriod);
            const behavior = spec.advanced.horizontalPodAutoscalerConfig.behavior;
            // The same rules as rendered (windows, policies, periods, selectPolicy), and so once defaults fill them.
            assert.deepEqual(w.behavior, behavior);
            for (const dir of ["scaleUp", "scaleDown"] as const)
              assert.deepEqual(
                withDefaults(w.behavior?.[dir], dir === "scaleUp" ? "up" : "down"),
                withDefaults(behavior[dir], dir === "scaleUp" ? "up" : "down"),
              );
            assert.equal(w.initialCooldownPeriod ?? 0, spec.initialCooldownPeriod ?? 0);
            const sm = spec.advanced.scalingModifiers as Obj | undefined;
            if (sm) {
              assert.ok(w.scalingModifiers, `${name}: scalingModifiers not modelled`);
              assert.deepEqual(
                [
                  String(w.scalingModifiers.target),
                  String(w.scalingModifiers.activationTarget),
                  w.scalingModifiers.metricType,
                ],
                [sm.target, sm.activationTarget, sm.metricType],
              );
              seen.add("scalingModifiers");
            } else assert.equal(w.scalingModifiers, undefined);
            if (JSON.stringify(behavior).includes("selectPolicy")) seen.add("selectPolicy");
            if (w.triggers.length > 1) seen.add("several triggers");
            const dep = find("kubernetes:apps/v1:Deployment", name)!.plainInputs.spec as Obj;
            assert.equal(w.graceSeconds, dep.template.spec.terminationGracePeriodSeconds);
            const gpus = Number(dep.template.spec.containers[0].resources.requests["nvidia.com/gpu"] ?? 0);
            assert.equal(w.requests.gpus, gpus);
          }
          compared++;
        }
        for (const p of c.pools.filter((x) => x.headroomGpus > 0)) {
          const dep = find("kubernetes:apps/v1:Deployment", `${c.name}-gpu-headroom-${p.name}`)!.plainInputs
            .spec as Obj;
          const perPod = Number(dep.template.spec.containers[0].resources.requests["nvidia.com/gpu"]);
          assert.equal(Math.ceil(p.headroomGpus / Math.min(p.headroomGpus, p.gpus)), dep.replicas);
          assert.equal(Math.min(p.headroomGpus, p.gpus), perPod);
        }
      }
      assert.ok(compared >= 4, `compared ${compared} workloads`);
      // The shipped stacks exercise what the comparison is for (a trigger kind dropped from a stack fails here).
      const expected =
        stack === "prod"
          ? [
              "redis",
              "rabbitmq",
              "aws-sqs-queue",
              "azure-servicebus",
              "gpu",
              "selectPolicy",
              "several triggers",
              "scalingModifiers",
            ]
          : ["redis"];
      for (const x of expected) assert.ok(seen.has(x), `${stack}: nothing compared for ${x} (${[...seen].join(", ")})`);
    });
  }

  it("prod's llm: the simulator evaluates the rendered formula (hot GPUs add pods only while requests wait)", () => {
    const cfg = loadStackConfig("prod", projectDir).config;
    const llm = simClusters(cfg)[0].workers.find((x) => x.name === "llm")!;
    assert.ok(llm.scalingModifiers);
    assert.equal(llm.scalingModifiers.formula({ redis: 0, gpu: 340 }), 0);
    assert.equal(llm.scalingModifiers.formula({ redis: 1, gpu: 340 }), 16);
    // a formula outside the modelled subset: the worker scales as without scalingModifiers
    const odd = cfg.workers.find((x) => x.name === "llm")!;
    odd.scalingModifiers = { ...odd.scalingModifiers!, formula: "redis ?? 0" };
    assert.equal(simClusters(cfg)[0].workers.find((x) => x.name === "llm")!.scalingModifiers, undefined);
  });

  it("a changed number in the config moves both the plan's object and the simulator's input", () => {
    const cfg = loadStackConfig("prod", projectDir).config;
    cfg.workers[0].pollingInterval = 120;
    const w = simClusters(cfg)[0].workers.find((x) => x.name === cfg.workers[0].name) as SimWorker;
    assert.equal(w.pollingInterval, 120);
  });
});

describe("tools/profile-figures: a worker's scaling keys replaced by one profile", () => {
  const file = readStackFile("prod", projectDir);
  const scaling = (cfg: ReturnType<typeof withProfile>, name: string) => cfg.workers.find((w) => w.name === name)!;
  it("each profile's polling, cooldown and behaviour; none gives the platform's defaults", () => {
    const p = SCALING_PROFILES.conservative;
    const w = scaling(withProfile(file, "embedder", "conservative"), "embedder");
    assert.deepEqual(
      [w.pollingInterval, w.cooldownPeriod, w.scaleUp, w.scaleDown],
      [p.pollingInterval, p.cooldownPeriod, p.scaleUp, p.scaleDown],
    );
    const none = scaling(withProfile(file, "embedder", undefined), "embedder");
    assert.deepEqual([none.scalingProfile, none.pollingInterval, none.cooldownPeriod], [undefined, 15, 300]);
    // the other workers keep their own keys
    const before = scaling(loadStackConfig("prod", projectDir).config, "llm");
    assert.deepEqual(scaling(withProfile(file, "embedder", "responsive"), "llm").scaleDown, before.scaleDown);
  });

  it("an unknown worker or profile is an error, not a silent run of the stack as it is", () => {
    assert.throws(() => withProfile(file, "nope", "balanced"), /no worker nope/);
    assert.throws(() => withProfile(file, "embedder", "fastest"), /scalingProfile/);
  });
});

describe("simulator config keys (simulation.*, workers[].slo)", () => {
  const withSim = (simulation: unknown, workers: unknown[] = [cpuWorker()]) => ({
    ...minimalStack(),
    queues: [{ name: "q", kind: "redis" }],
    workers,
    simulation,
  });

  it("a negative or non-numeric timing names its key", () => {
    const p1 = configProblems(withSim({ workers: { w: { imagePullSeconds: { p50: -1, p95: 10 } } } }));
    assert.ok(
      p1.some((p) => p.startsWith("simulation.workers.w.imagePullSeconds.p50:")),
      p1.join("\n"),
    );
    const p2 = configProblems(withSim({ timings: { azure: { gpuNodeReady: { p50: "slow", p95: 10 } } } }));
    assert.ok(
      p2.some((p) => p.startsWith("simulation.timings.azure.gpuNodeReady.p50:")),
      p2.join("\n"),
    );
    const p3 = configProblems(withSim({ timings: { azure: { gpuNodeReady: { p50: 100, p95: 10 } } } }));
    assert.ok(
      p3.some((p) => p.includes("p95 must be at least p50")),
      p3.join("\n"),
    );
  });

  it("simulation.workers and simulation.prices must name a worker and a <cluster>/<pool>", () => {
    const p = configProblems(withSim({ workers: { nope: {} }, prices: { "c1/gpu": 1 } }));
    assert.ok(
      p.some((x) => x.startsWith('simulation.workers.nope: no worker named "nope"')),
      p.join("\n"),
    );
    assert.ok(
      p.some((x) => x.startsWith('simulation.prices.c1/gpu: no pool "c1/gpu"')),
      p.join("\n"),
    );
    assert.deepEqual(configProblems(withSim({ workers: { w: {} }, prices: { "c1/system": 0.2 } })), []);
  });

  it("workers[].slo takes a built-in trace and positive limits", () => {
    assert.deepEqual(configProblems(withSim({}, [cpuWorker({ slo: { waitP95Seconds: 60 } })])), []);
    const p = configProblems(withSim({}, [cpuWorker({ slo: { trace: "burst-2000", waitP95Seconds: 0 } })]));
    assert.ok(
      p.some((x) => x.startsWith("workers[0].slo.trace:")),
      p.join("\n"),
    );
    assert.ok(
      p.some((x) => x.startsWith("workers[0].slo.waitP95Seconds:")),
      p.join("\n"),
    );
  });

  it("node capacity is the fit check's: kubelet allocatable less the DaemonSets on the pool", () => {
    const cfg = loadStackConfig("prod", projectDir).config;
    const eks = cfg.clusters.find((c) => c.cloud === "aws")!;
    const gpu = eks.pools.find((p) => p.name === "gpu")!;
    const cap = poolCapacity(cfg, eks, gpu);
    assert.deepEqual(cap, poolNodes(eks, gpu, cfg.addons)![0].free);
    const kubelet = nodeAllocatable(machineShape(gpu.machineTypes[0])!).allocatable;
    // the device plugin, the DCGM exporter and the cloud's agents take their requests off every GPU node
    assert.ok(cap.cpuMilli < kubelet.cpuMilli && cap.memoryMiB < kubelet.memoryMiB, JSON.stringify({ cap, kubelet }));
    assert.equal(cap.gpus, 1);
    const sim = simClusters(cfg)
      .find((c) => c.name === eks.name)!
      .pools.find((p) => p.name === "gpu")!;
    assert.deepEqual({ cpuMilli: sim.cpuMilli, memoryMiB: sim.memoryMiB, gpus: sim.gpus }, cap);
  });

  it("an existing cluster's pool without declared allocatable gets the stated stand-in", () => {
    const cfg = loadStackConfig("local", projectDir).config;
    const c = cfg.clusters[0];
    assert.deepEqual(poolCapacity(cfg, c, c.pools[0]), { cpuMilli: 4000, memoryMiB: 16384, gpus: 0 });
  });
});
