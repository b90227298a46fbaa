import * as assert from "node:assert/strict";
import { simulateCluster } from "../simulator/model/engine.ts";
import type { SimCluster, SimPool, SimWorker, Trace } from "../simulator/model/types.ts";
import { Rng } from "../simulator/model/rng.ts";
import { oracleR } from "../simulator/oracles.ts";

const c0 = { p50: 0, p95: 0 };
const k = (s: number) => ({ p50: s, p95: s });

function pool(over: Partial<SimPool> = {}): SimPool {
  return {
    name: "gpu",
    machineType: "test",
    spot: false,
    cpuMilli: 4000,
    memoryMiB: 16000,
    gpus: 1,
    min: 0,
    max: 5,
    expanderPriority: 10,
    headroomGpus: 0,
    pricePerHour: 1,
    provision: k(60),
    gpuReady: c0,
    ...over,
  };
}

function worker(over: Partial<SimWorker> = {}): SimWorker {
  return {
    name: "w",
    kind: "deployment",
    pollingInterval: 30,
    cooldownPeriod: 300,
    min: 0,
    max: 1,
    triggers: [{ kind: "queue", type: "redis", countsInFlight: false, target: 1, activation: 0 }],
    behavior: { scaleUp: { stabilizationWindowSeconds: 0 }, scaleDown: { stabilizationWindowSeconds: 300 } },
    tolerance: 0.1,
    requests: { cpuMilli: 1000, memoryMiB: 1000, gpus: 1 },
    priority: 10000,
    pools: ["gpu"],
    graceSeconds: 30,
    safeToEvict: true,
    imagePull: c0,
    startup: c0,
    service: k(10),
    ...over,
  };
}

function cluster(over: Partial<SimCluster> = {}, caOver: Partial<SimCluster["autoscaler"]> = {}): SimCluster {
  return {
    name: "c",
    cloud: "aws",
    pools: [pool()],
    workers: [worker()],
    placeholderPriority: -10,
    spotNoticeSeconds: 120,
    autoscaler: {
      scanInterval: 10,
      scaleDownUnneededTime: 600,
      scaleDownDelayAfterAdd: 600,
      scaleDownDelayAfterFailure: 180,
      scaleDownUtilizationThreshold: 0.5,
      maxGracefulTerminationSec: 600,
      maxNodeProvisionTime: 900,
      expander: "priority",
      initialBackoff: 300,
      maxBackoff: 1800,
      maxEmptyBulkDelete: 10,
      ...caOver,
    },
    ...over,
  };
}

const trace = (jobs: Trace["jobs"], over: Partial<Trace> = {}): Trace => ({
  name: "t",
  jobs,
  events: [],
  drainSeconds: 3000,
  warmupSeconds: 0,
  ...over,
});

describe("simulator: engine, hand-computed runs (all loops in phase at 0, constant timings)", () => {
  it("cold path: KEDA activates at the next poll, CA adds a node, the job runs when it is ready", () => {
    const out = simulateCluster(cluster(), trace([{ at: 0, worker: "w", serviceSeconds: 10 }]), {
      seed: 1,
      phase: "zero",
    });
    const [job] = out.workers[0].jobs;
    // poll at 0 sees an empty queue; poll at 30 → 1 replica; CA at 30 → node, Ready at 90; job 90..100
    assert.equal(job.start, 90);
    assert.equal(job.end, 100);
    assert.equal(out.pools[0].scaleUps, 1);
  });

  it("scale-down: KEDA to 0 after cooldown, node unneeded 600 s, removed (billed 30 s → 1020 s)", () => {
    const out = simulateCluster(cluster(), trace([{ at: 0, worker: "w", serviceSeconds: 10 }]), {
      seed: 1,
      phase: "zero",
    });
    // last active poll at 90 (the job was still waiting); 0 replicas strictly after 390 → poll at 420; node empty
    // from 420, unneeded 600 s → removed at the scan at 1020 (delay-after-add: 30 + 600 ≤ 1020)
    assert.equal(out.pools[0].nodeHours, (1020 - 30) / 3600);
    assert.equal(out.pools[0].scaleDowns, 1);
  });

  it("scale-down-delay-after-add holds every node group after a scale-up (global)", () => {
    const out = simulateCluster(
      cluster({}, { scaleDownDelayAfterAdd: 2000 }),
      trace([{ at: 0, worker: "w", serviceSeconds: 10 }]),
      { seed: 1, phase: "zero" },
    );
    assert.equal(out.pools[0].nodeHours, (2030 - 30) / 3600);
  });

  it("a placeholder holding the only GPU is preempted (grace 0): the job starts at the poll; CA replaces the headroom", () => {
    const c = cluster({ pools: [pool({ min: 1, headroomGpus: 1 })] });
    const out = simulateCluster(c, trace([{ at: 5, worker: "w", serviceSeconds: 10 }], { warmupSeconds: 300 }), {
      seed: 1,
      phase: "zero",
    });
    const [job] = out.workers[0].jobs;
    // arrival 5 s after the warm-up; the next poll at 30 s sets 1 replica, the pod preempts the placeholder at once
    assert.equal(job.start, 30);
    assert.equal(out.pools[0].scaleUps, 1, "the evicted placeholder brings up a node");
  });

  it("without headroom the same job waits for a cold node", () => {
    const c = cluster({ pools: [pool({ min: 0 })] });
    const out = simulateCluster(c, trace([{ at: 5, worker: "w", serviceSeconds: 10 }], { warmupSeconds: 300 }), {
      seed: 1,
      phase: "zero",
    });
    assert.equal(out.workers[0].jobs[0].start, 90); // poll at 30, node requested at 30, Ready at 90
    assert.equal(out.pools[0].scaleUps, 1);
  });

  it("redis counts waiting items only: KEDA scales to 0 under a running job, which is interrupted (grace < remaining)", () => {
    const c = cluster({
      pools: [pool({ min: 1 })],
      workers: [worker({ pollingInterval: 10, cooldownPeriod: 30, graceSeconds: 5 })],
    });
    const out = simulateCluster(c, trace([{ at: 0, worker: "w", serviceSeconds: 1000 }]), { seed: 1, phase: "zero" });
    const [job] = out.workers[0].jobs;
    assert.equal(job.start, 10);
    assert.equal(job.interrupted, true);
    // last active at 10; 0 replicas at the poll at 50 (> 40); SIGTERM, killed after the 5 s grace
    assert.equal(job.end, 55);
  });

  it("rabbitmq over http counts unacknowledged messages: the same job completes", () => {
    const c = cluster({
      pools: [pool({ min: 1 })],
      workers: [
        worker({
          pollingInterval: 10,
          cooldownPeriod: 30,
          graceSeconds: 5,
          triggers: [{ kind: "queue", type: "rabbitmq", countsInFlight: true, target: 1, activation: 0 }],
        }),
      ],
    });
    const out = simulateCluster(c, trace([{ at: 0, worker: "w", serviceSeconds: 1000 }]), { seed: 1, phase: "zero" });
    const [job] = out.workers[0].jobs;
    assert.equal(job.interrupted, undefined);
    assert.equal(job.end, 1010);
  });

  it("a grace longer than the remaining work lets the job finish on scale-in", () => {
    const c = cluster({
      pools: [pool({ min: 1 })],
      workers: [worker({ pollingInterval: 10, cooldownPeriod: 30, graceSeconds: 2000 })],
    });
    const out = simulateCluster(c, trace([{ at: 0, worker: "w", serviceSeconds: 1000 }]), { seed: 1, phase: "zero" });
    assert.equal(out.workers[0].jobs[0].interrupted, undefined);
    assert.equal(out.workers[0].jobs[0].end, 1010);
  });

  it("ScaledJob: the whole burst is requested in one poll and each Job runs to completion", () => {
    const c = cluster({
      pools: [pool({ max: 10 })],
      workers: [worker({ kind: "job", max: 10, scaledJob: { strategy: "accurate" }, safeToEvict: false })],
    });
    const jobs = Array.from({ length: 10 }, () => ({ at: 0, worker: "w", serviceSeconds: 50 }));
    const out = simulateCluster(c, trace(jobs), { seed: 1, phase: "zero" });
    // poll at 30 creates 10 Jobs, CA adds 10 nodes at 30, Ready at 90
    assert.deepEqual(
      out.workers[0].jobs.map((j) => j.start),
      Array(10).fill(90),
    );
    assert.equal(out.pools[0].scaleUps, 10);
  });

  it("ScaledJob parallelism: each Job runs `parallelism` pods, each taking a message, so max Jobs need max × parallelism pods", () => {
    const run = (jobPods: SimWorker["jobPods"]) =>
      simulateCluster(
        cluster({
          pools: [pool({ max: 10 })],
          workers: [
            worker({
              kind: "job",
              max: 2,
              scaledJob: { strategy: "accurate" },
              safeToEvict: false,
              triggers: [{ kind: "queue", type: "redis", countsInFlight: false, target: 2, activation: 0 }],
              jobPods,
            }),
          ],
        }),
        trace(Array.from({ length: 4 }, () => ({ at: 0, worker: "w", serviceSeconds: 50 }))),
        { seed: 1, phase: "zero" },
      );
    // 4 waiting, 2 per Job: the poll at 30 creates 2 Jobs of 2 pods: 4 pods, 4 one-GPU nodes, every message at 90.
    const two = run({ parallelism: 2, completions: 2 });
    assert.deepEqual(
      two.workers[0].jobs.map((j) => j.start),
      Array(4).fill(90),
    );
    assert.equal(two.pools[0].scaleUps, 4);
    // One pod per Job: the same 2 Jobs take a message each at 90; the other two wait for the next Jobs.
    const one = run({ parallelism: 1, completions: 1 });
    assert.equal(one.workers[0].jobs.filter((j) => j.start === 90).length, 2);
    assert.ok(one.workers[0].jobs.every((j) => j.end !== undefined && !j.interrupted));
  });

  it("the oracles cap a ScaledJob at max × parallelism pods, as the engine runs it", () => {
    const jobs = [
      { arrival: 0, service: 50 },
      { arrival: 0, service: 50 },
    ];
    const w = (jobPods: SimWorker["jobPods"]) => worker({ kind: "job", max: 1, jobPods });
    const c = cluster({ pools: [pool({ max: 10 })] });
    const two = oracleR(jobs, c, w({ parallelism: 2, completions: 2 }))!;
    assert.equal(two.starts[0], two.starts[1]);
    const one = oracleR(jobs, c, w({ parallelism: 1, completions: 1 }))!;
    assert.equal(one.starts[1], one.ends[0]);
  });

  it("the priority expander takes the spot pool first; a capacity-limited pool backs off and the next one grows", () => {
    const c = cluster({
      pools: [pool({ name: "spot", spot: true, expanderPriority: 20 }), pool({ name: "od", expanderPriority: 10 })],
      workers: [worker({ pools: ["spot", "od"] })],
    });
    const ok = simulateCluster(c, trace([{ at: 0, worker: "w", serviceSeconds: 10 }]), { seed: 1, phase: "zero" });
    assert.deepEqual(
      ok.pools.map((p) => [p.pool, p.scaleUps]),
      [
        ["spot", 1],
        ["od", 0],
      ],
    );
    const limited = simulateCluster(
      c,
      trace([{ at: 0, worker: "w", serviceSeconds: 10 }], {
        events: [{ at: 0, kind: "capacity-limit", pool: "spot", capacity: 0 }],
      }),
      { seed: 1, phase: "zero" },
    );
    // spot request at 30 fails after 30 s (cloud error) → backoff; od requested at the scan at 60, Ready at 120
    assert.equal(limited.workers[0].jobs[0].start, 120);
    assert.deepEqual(
      limited.pools.map((p) => [p.pool, p.scaleUps]),
      [
        ["spot", 1],
        ["od", 1],
      ],
    );
  });

  it("several triggers: the HPA takes the largest proposal (20 waiting: target 10 → 2, target 2 → 10)", () => {
    const q = (target: number) => ({
      kind: "queue" as const,
      type: "redis",
      countsInFlight: false,
      target,
      activation: 0,
    });
    const run = (triggers: SimWorker["triggers"]) => {
      const c = cluster({
        pools: [pool({ name: "cpu", gpus: 0, cpuMilli: 64000, memoryMiB: 256000, min: 1 })],
        workers: [
          worker({
            max: 10,
            pools: ["cpu"],
            requests: { cpuMilli: 1000, memoryMiB: 1000, gpus: 0 },
            triggers,
            behavior: { scaleUp: { policies: [{ type: "Pods", value: 100, periodSeconds: 15 }] } },
          }),
        ],
      });
      const jobs = Array.from({ length: 20 }, () => ({ at: 5, worker: "w", serviceSeconds: 1000 }));
      const out = simulateCluster(c, trace(jobs), { seed: 1, phase: "zero" });
      // KEDA sets 1 replica at the poll at 30 s; the HPA syncs right after it and reads 20 waiting items
      return out.workers[0].jobs.filter((j) => j.start === 30).length;
    };
    assert.equal(run([q(10)]), 2);
    assert.equal(run([q(10), q(2)]), 10);
  });

  it("a spot interruption kills the node's pods after the notice; their jobs count as interrupted", () => {
    const c = cluster({ pools: [pool({ min: 1, spot: true })], workers: [worker({ graceSeconds: 600 })] });
    const out = simulateCluster(
      c,
      trace([{ at: 0, worker: "w", serviceSeconds: 1000 }], {
        events: [{ at: 100, kind: "spot-interruption", pool: "gpu", nodes: 1 }],
      }),
      { seed: 1, phase: "zero" },
    );
    const [job] = out.workers[0].jobs;
    assert.equal(job.interrupted, true);
    assert.equal(job.end, 220); // notice 120 s
  });
});

/** A random cluster and trace for the invariant tests. */
function randomCase(seed: number): { c: SimCluster; t: Trace } {
  const r = new Rng(seed);
  const int = (a: number, b: number) => a + Math.floor(r.next() * (b - a + 1));
  const pools: SimPool[] = Array.from({ length: int(1, 3) }, (_, i) =>
    pool({
      name: `p${i}`,
      spot: r.next() < 0.5,
      gpus: int(0, 2),
      cpuMilli: int(2, 8) * 1000,
      memoryMiB: int(4, 32) * 1024,
      min: int(0, 1),
      max: int(1, 6),
      expanderPriority: int(1, 30),
      headroomGpus: r.next() < 0.3 ? 1 : 0,
      provision: { p50: int(20, 120), p95: int(120, 300) },
      gpuReady: { p50: int(0, 60), p95: 90 },
    }),
  );
  const workers: SimWorker[] = Array.from({ length: int(1, 3) }, (_, i) => {
    const gpuPools = pools.filter((p) => p.gpus > 0);
    const gpu = gpuPools.length > 0 && r.next() < 0.6;
    const job = r.next() < 0.3;
    const min = int(0, 2);
    return worker({
      name: `w${i}`,
      kind: job ? "job" : "deployment",
      pollingInterval: int(5, 60),
      cooldownPeriod: int(0, 300),
      min,
      max: min + int(1, 8),
      triggers: [
        { kind: "queue", type: "redis", countsInFlight: r.next() < 0.5, target: int(1, 5), activation: int(0, 2) },
      ],
      behavior:
        r.next() < 0.3
          ? undefined
          : {
              scaleUp: {
                stabilizationWindowSeconds: int(0, 60),
                policies: [
                  { type: r.next() < 0.5 ? "Pods" : "Percent", value: int(1, 100), periodSeconds: int(15, 60) },
                ],
                selectPolicy: r.next() < 0.2 ? "Min" : "Max",
              },
              scaleDown: { stabilizationWindowSeconds: int(0, 300) },
            },
      ...(job ? { scaledJob: { strategy: (["default", "accurate", "eager"] as const)[int(0, 2)] } } : {}),
      requests: { cpuMilli: int(1, 4) * 500, memoryMiB: int(1, 8) * 1024, gpus: gpu ? 1 : 0 },
      priority: [1000, 10000, 100000][int(0, 2)],
      pools: (gpu ? gpuPools : pools).map((p) => p.name),
      graceSeconds: int(0, 120),
      safeToEvict: !job,
      imagePull: { p50: int(0, 60), p95: 90 },
      service: { p50: int(5, 60), p95: int(60, 200) },
    });
  });
  const jobs = Array.from({ length: int(5, 60) }, () => ({
    at: r.uniform(0, 1800),
    worker: workers[int(0, workers.length - 1)].name,
  }));
  const events: Trace["events"] =
    r.next() < 0.5 ? [{ at: int(0, 1800), kind: "spot-interruption", pool: pools[0].name, nodes: int(1, 2) }] : [];
  return {
    c: cluster({ pools, workers }, { expander: (["priority", "least-waste", "random"] as const)[int(0, 2)] }),
    t: trace(jobs, { events, drainSeconds: 1200, warmupSeconds: 600 }),
  };
}

describe("simulator: invariants over random configs and traces", () => {
  for (let seed = 1; seed <= 25; seed++) {
    it(`case ${seed}: replicas within [min, max], no pod on a node without room, nodes within pool max, every job completes or is interrupted`, () => {
      const { c, t } = randomCase(seed);
      const out = simulateCluster(c, t, { seed, checkInvariants: true });
      assert.deepEqual(out.violations, []);
      const fitsSomewhere = (w: SimWorker) =>
        w.pools.some((n) => {
          const p = c.pools.find((x) => x.name === n)!;
          return w.requests.cpuMilli <= p.cpuMilli && w.requests.memoryMiB <= p.memoryMiB && w.requests.gpus <= p.gpus;
        });
      let checked = 0;
      for (const wo of out.workers) {
        const w = c.workers.find((x) => x.name === wo.worker)!;
        if (!fitsSomewhere(w)) continue;
        // Jobs left waiting are only those KEDA never wakes for: at or below the activation threshold (strict >)
        const activation = Math.max(0, ...w.triggers.map((x) => (x.kind === "queue" ? x.activation : 0)));
        assert.ok(
          wo.waitingAtEnd <= activation,
          `${w.name}: ${wo.waitingAtEnd} jobs left above activation ${activation}`,
        );
        assert.equal(wo.jobs.filter((j) => j.end === undefined).length, wo.waitingAtEnd);
        for (const j of wo.jobs) {
          checked++;
          if (j.start === undefined) continue;
          assert.ok(j.end !== undefined, `${w.name} job ${j.id} neither completed nor interrupted`);
          if (!j.interrupted)
            assert.ok(Math.abs(j.end - j.start - j.service) < 0.01, "a completed job ran its service time");
        }
      }
      assert.equal(
        checked,
        out.workers
          .filter((wo) => fitsSomewhere(c.workers.find((x) => x.name === wo.worker)!))
          .reduce((s, w) => s + w.jobs.length, 0),
      );
    });
  }

  it("the invariant check itself catches a violation (a pool max below its minimum)", () => {
    const c = cluster({ pools: [pool({ min: 3, max: 1 })] });
    const out = simulateCluster(c, trace([]), { seed: 1, checkInvariants: true });
    assert.ok(out.violations.some((v) => v.includes("nodes > max")));
  });

  it("a gpu trigger adds pods while the GPUs are busier than the target (50 % per pod: 1 → 2 → 4 busy)", () => {
    const run = (target: number) => {
      const c = cluster({
        pools: [pool({ max: 8 })],
        workers: [
          worker({
            min: 1,
            max: 4,
            triggers: [{ kind: "gpu", name: "gpu", target, activation: target }],
            behavior: { scaleUp: { policies: [{ type: "Pods", value: 100, periodSeconds: 15 }] } },
          }),
        ],
      });
      const jobs = Array.from({ length: 10 }, () => ({ at: 5, worker: "w", serviceSeconds: 3000 }));
      const out = simulateCluster(c, trace(jobs), { seed: 1, phase: "zero" });
      return out.workers[0].jobs.filter((j) => j.start !== undefined && j.start < 3000).length;
    };
    assert.equal(run(100), 1); // one busy GPU at 100 %: at the target
    assert.equal(run(50), 4); // each busy pod asks for two: up to max
  });

  it("scalingModifiers: the composite metric alone decides activity and replicas", () => {
    const run = (formula: (m: Readonly<Record<string, number>>) => number) => {
      const c = cluster({
        pools: [pool({ name: "cpu", gpus: 0, cpuMilli: 64000, memoryMiB: 256000, min: 1 })],
        workers: [
          worker({
            max: 10,
            pools: ["cpu"],
            requests: { cpuMilli: 1000, memoryMiB: 1000, gpus: 0 },
            triggers: [{ kind: "queue", name: "q", type: "redis", countsInFlight: false, target: 1, activation: 0 }],
            scalingModifiers: { formula, target: 1, activationTarget: 0, metricType: "AverageValue" },
            behavior: { scaleUp: { policies: [{ type: "Pods", value: 100, periodSeconds: 15 }] } },
          }),
        ],
      });
      const jobs = Array.from({ length: 20 }, () => ({ at: 5, worker: "w", serviceSeconds: 1000 }));
      const out = simulateCluster(c, trace(jobs), { seed: 1, phase: "zero" });
      return out.workers[0].jobs.filter((j) => j.start === 30).length;
    };
    assert.equal(
      run((m) => m.q),
      10,
    ); // as the trigger alone: 20 waiting, target 1, max 10
    assert.equal(
      run((m) => m.q / 4),
      5,
    ); // the formula's value per replica
    assert.equal(
      run(() => 0),
      0,
    ); // never above activationTarget: never woken
  });

  it("same seed, same run; another seed, another run", () => {
    const { c, t } = randomCase(3);
    const a = JSON.stringify(simulateCluster(c, t, { seed: 9 }).workers);
    assert.equal(JSON.stringify(simulateCluster(c, t, { seed: 9 }).workers), a);
    assert.notEqual(JSON.stringify(simulateCluster(c, t, { seed: 10 }).workers), a);
  });
});
