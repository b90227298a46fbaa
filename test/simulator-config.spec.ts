import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planStack } from "../tools/plan-stack.ts";
import type { PlanResult } from "../tools/plan-stack.ts";
import { simClusters, nodeAllocatable } from "../simulator/from-config.ts";
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
      for (const c of clusters) {
        for (const w of c.workers) {
          const name = `${c.name}-${w.name}`;
          if (w.kind === "service") {
            const hpa = find("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", name)!.plainInputs.spec as Obj;
            assert.equal(w.min, hpa.minReplicas);
            assert.equal(w.max, hpa.maxReplicas);
            assert.equal(
              hpa.behavior,
              undefined,
              "services' HPAs have no behaviour: the simulator runs the legacy path",
            );
            assert.equal(w.behavior, undefined);
            const cpu = (hpa.metrics as Obj[]).find((m) => m.resource?.name === "cpu");
            assert.deepEqual(w.triggers[0], {
              kind: "utilization",
              type: "cpu",
              targetPercent: cpu!.resource.target.averageUtilization,
            });
            compared++;
            continue;
          }
          const so = find(`kubernetes:keda.sh/v1alpha1:${w.kind === "job" ? "ScaledJob" : "ScaledObject"}`, name);
          assert.ok(so, `${name}: no scaled object in the plan`);
          const spec = so.plainInputs.spec as Obj;
          assert.equal(w.min, spec.minReplicaCount);
          assert.equal(w.max, spec.maxReplicaCount);
          assert.equal(w.pollingInterval, spec.pollingInterval);
          const trigger = (spec.triggers as Obj[]).find((t) => t.name === "queue")!;
          const queue = w.triggers.find((t) => t.kind === "queue")!;
          assert.ok(queue.kind === "queue");
          const target = trigger.metadata.listLength ?? trigger.metadata.value ?? trigger.metadata.threshold;
          const activation =
            trigger.metadata.activationListLength ??
            trigger.metadata.activationValue ??
            trigger.metadata.activationThreshold;
          assert.equal(String(queue.target), target);
          assert.equal(String(queue.activation), activation);
          // redis lists hold waiting items only; rabbitmq over http counts unacked unless excludeUnacknowledged
          const countsUnacked = trigger.type === "rabbitmq" && trigger.metadata.excludeUnacknowledged !== "true";
          assert.equal(queue.countsInFlight, countsUnacked);
          for (const kind of ["cpu", "memory"]) {
            const t = (spec.triggers as Obj[]).find((x) => x.type === kind);
            const s = w.triggers.find((x) => x.kind === "utilization" && x.type === kind);
            assert.equal(s && s.kind === "utilization" ? String(s.targetPercent) : undefined, t?.metadata.value);
          }
          if (w.kind === "job") {
            assert.equal(w.scaledJob?.strategy, spec.scalingStrategy.strategy);
            assert.equal(w.graceSeconds, spec.jobTargetRef.template.spec.terminationGracePeriodSeconds);
          } else {
            assert.equal(w.cooldownPeriod, spec.cooldownPeriod);
            const behavior = spec.advanced.horizontalPodAutoscalerConfig.behavior;
            // Both the rendered behaviour and the simulator's give the same rules once the API defaults fill them.
            for (const dir of ["scaleUp", "scaleDown"] as const)
              assert.deepEqual(
                withDefaults(w.behavior?.[dir], dir === "scaleUp" ? "up" : "down"),
                withDefaults(behavior[dir], dir === "scaleUp" ? "up" : "down"),
              );
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
    });
  }

  it("a changed number in the config moves both the plan's object and the simulator's input", () => {
    const cfg = loadStackConfig("prod", projectDir).config;
    cfg.workers[0].pollingInterval = 120;
    const w = simClusters(cfg)[0].workers.find((x) => x.name === cfg.workers[0].name) as SimWorker;
    assert.equal(w.pollingInterval, 120);
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

  it("allocatable: capacity less the reservations, GPUs from the pool", () => {
    const g5 = nodeAllocatable({ machineTypes: ["g5.xlarge"], gpu: { count: 1, type: "nvidia-a10g" } });
    // 4 vCPU: 60 + 10 + 2 × 5 = 80m reserved; 16 GiB − (11 × 110 + 255 + 100) MiB
    assert.deepEqual(g5, { cpuMilli: 3920, memoryMiB: 16384 - 1565, gpus: 1 });
    const d8 = nodeAllocatable({ machineTypes: ["Standard_D8s_v5"] });
    assert.deepEqual(d8, { cpuMilli: 8000 - 90, memoryMiB: 32768 - 1565, gpus: 0 });
  });
});
