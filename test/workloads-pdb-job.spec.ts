import * as assert from "node:assert/strict";
import { loadConfig } from "../stacks/load.ts";
import type { WorkloadsRun } from "./helpers/clusters.ts";
import { runWorkloads } from "./helpers/clusters.ts";
import { configProblems, cpuWorker, minimalStack, sourceOf } from "./helpers/config.ts";
import { disruptionsAllowed } from "../stacks/schema/checks/workload-pdb.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const SJ = "kubernetes:keda.sh/v1alpha1:ScaledJob";
const resources = { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } };
const queues = [{ name: "q", kind: "redis" }];
const svc = (over: Record<string, unknown> = {}) => ({
  name: "api",
  image: "ghcr.io/acme/api:1.0.0",
  port: 8080,
  resources,
  replicas: { min: 1, max: 4 },
  ...over,
});
const jobWorker = (over: Record<string, unknown> = {}) =>
  cpuWorker({ name: "render", mode: "job", maxJobDurationSeconds: 600, ...over });
const has = (problems: string[], re: RegExp) =>
  assert.ok(
    problems.some((p) => re.test(p)),
    problems.join("\n"),
  );

describe("workloads: per-workload pdb and job-mode knobs (rendered)", () => {
  let run: WorkloadsRun;
  before(async () => {
    run = await runWorkloads(["eks"], {
      queues,
      workers: [
        cpuWorker({ pdb: { maxUnavailable: "50%" }, replicas: { min: 0, max: 4 } }),
        cpuWorker({ name: "plain", replicas: { min: 0, max: 4 } }),
        jobWorker({
          trigger: { type: "redis", queue: "q", listName: "r", targetPerReplica: 4 },
          job: {
            backoffLimit: 0,
            ttlSecondsAfterFinished: 3600,
            successfulJobsHistoryLimit: 1,
            failedJobsHistoryLimit: 20,
            parallelism: 2,
            completions: 4,
          },
        }),
        jobWorker({ name: "defaults" }),
      ],
      services: [svc({ pdb: { minAvailable: 1 } })],
    });
  });
  const pdbOf = (name: string) => run.object(PDB, name).plainInputs.spec as Obj;
  const sj = (name: string) => run.object(SJ, name).plainInputs.spec as Obj;

  it("pdb renders the config's budget without platform.production or min >= 2", () => {
    assert.equal(pdbOf("w").maxUnavailable, "50%");
    assert.equal(pdbOf("w").minAvailable, undefined);
    assert.equal(pdbOf("api").minAvailable, 1);
    assert.equal(pdbOf("api").unhealthyPodEvictionPolicy, "AlwaysAllow");
    assert.deepEqual(pdbOf("api").selector.matchLabels, {
      "app.kubernetes.io/name": "api",
      "app.kubernetes.io/component": "service",
    });
  });

  it("without pdb the default stays: none for min 0 outside production", () => {
    assert.ok(!run.ofType(PDB).some((r) => (r.plainInputs.metadata as Obj).name === "plain"));
  });

  it("job knobs land in the ScaledJob and its jobTargetRef; defaults when absent", () => {
    const s = sj("render");
    assert.equal(s.jobTargetRef.backoffLimit, 0);
    assert.equal(s.jobTargetRef.ttlSecondsAfterFinished, 3600);
    assert.equal(s.jobTargetRef.parallelism, 2);
    assert.equal(s.jobTargetRef.completions, 4);
    // two waves of 2 pods, one message each: twice the max job duration, plus the start-up allowance (eks fake:
    // maxNodeProvisionTime 15m, then the 10-minute margin)
    assert.equal(s.jobTargetRef.activeDeadlineSeconds, 2 * 600 + 900 + 600);
    assert.equal(s.successfulJobsHistoryLimit, 1);
    assert.equal(s.failedJobsHistoryLimit, 20);
    const d = sj("defaults");
    assert.deepEqual([d.jobTargetRef.backoffLimit, d.jobTargetRef.parallelism, d.jobTargetRef.completions], [2, 1, 1]);
    assert.equal("ttlSecondsAfterFinished" in d.jobTargetRef, false);
    assert.deepEqual([d.successfulJobsHistoryLimit, d.failedJobsHistoryLimit], [5, 10]);
  });
});

describe("workloads config: pdb", () => {
  const stack = (over: Record<string, unknown>) => ({ ...minimalStack(), queues, ...over });

  it("the disruption arithmetic rounds percentages up, as the disruption controller does", () => {
    assert.equal(disruptionsAllowed({ minAvailable: "50%" }, 3), 1); // ceil(1.5) = 2 must stay
    assert.equal(disruptionsAllowed({ minAvailable: "50%" }, 1), 0);
    assert.equal(disruptionsAllowed({ maxUnavailable: "10%" }, 3), 1); // ceil(0.3) = 1
    assert.equal(disruptionsAllowed({ maxUnavailable: 0 }, 5), 0);
  });

  it("accepts one of minAvailable or maxUnavailable, as a count or a percentage", () => {
    for (const pdb of [{ minAvailable: 2 }, { minAvailable: "50%" }, { maxUnavailable: 1 }, { maxUnavailable: "25%" }])
      assert.deepEqual(configProblems(stack({ services: [svc({ pdb })] })), [], JSON.stringify(pdb));
  });

  it("both keys, or neither, is an error naming pdb", () => {
    has(
      configProblems(stack({ services: [svc({ pdb: { minAvailable: 1, maxUnavailable: 1 } })] })),
      /^services\[0\]\.pdb: set exactly one of minAvailable or maxUnavailable/,
    );
    has(configProblems(stack({ services: [svc({ pdb: {} })] })), /^services\[0\]\.pdb: needs one of/);
  });

  it("a budget that allows no eviction even at replicas.max blocks drains forever: an error with the reason", () => {
    has(
      configProblems(stack({ services: [svc({ pdb: { maxUnavailable: 0 } })] })),
      /^services\[0\]\.pdb\.maxUnavailable: maxUnavailable: 0 allows no eviction even at replicas\.max \(4\).*blocked forever/,
    );
    has(
      configProblems(stack({ workers: [cpuWorker({ pdb: { minAvailable: 3 }, replicas: { min: 0, max: 3 } })] })),
      /^workers\[0\]\.pdb\.minAvailable: minAvailable: 3 allows no eviction even at replicas\.max \(3\)/,
    );
    has(
      configProblems(stack({ services: [svc({ pdb: { minAvailable: "100%" } })] })),
      /pdb\.minAvailable: .*blocked forever/,
    );
  });

  it("a budget that allows none at the resting size is a warning naming the key and the fix", () => {
    const ws = loadConfig(
      sourceOf(stack({ services: [svc({ pdb: { minAvailable: 2 }, replicas: { min: 2, max: 4 } })] })),
    ).warnings.filter((w) => w.includes(".pdb."));
    assert.equal(ws.length, 1, ws.join("\n"));
    assert.match(ws[0], /^services\[0\]\.pdb\.minAvailable: api allows no eviction below 3 pods, and it rests at 2/);
    assert.match(ws[0], /raise replicas\.min to 3$/);
  });

  it("pdb on a job-mode worker is an error (Jobs have no scale subresource; running jobs are safe-to-evict false)", () => {
    has(
      configProblems(stack({ workers: [jobWorker({ pdb: { minAvailable: 1 } })] })),
      /^workers\[0\]\.pdb: a job-mode worker's pods belong to Jobs/,
    );
  });
});

describe("workloads config: job-mode knobs", () => {
  const stack = (over: Record<string, unknown>) => ({ ...minimalStack(), queues, ...over });

  it("accepts every knob within range on a job-mode worker", () => {
    const job = {
      backoffLimit: 20,
      ttlSecondsAfterFinished: 0,
      successfulJobsHistoryLimit: 0,
      failedJobsHistoryLimit: 100,
      parallelism: 3,
      completions: 3,
    };
    assert.deepEqual(configProblems(stack({ workers: [jobWorker({ job })] })), []);
  });

  it("knobs out of range name their key", () => {
    const problems = configProblems(
      stack({
        workers: [
          jobWorker({
            job: {
              backoffLimit: 21,
              ttlSecondsAfterFinished: -1,
              successfulJobsHistoryLimit: 101,
              failedJobsHistoryLimit: -1,
              parallelism: 0,
              completions: 101,
            },
          }),
        ],
      }),
    );
    for (const key of [
      "backoffLimit",
      "ttlSecondsAfterFinished",
      "successfulJobsHistoryLimit",
      "failedJobsHistoryLimit",
      "parallelism",
      "completions",
    ])
      has(problems, new RegExp(`^workers\\[0\\]\\.job\\.${key}:`));
  });

  it("parallelism above completions is an error (the excess pods would never start)", () => {
    has(
      configProblems(stack({ workers: [jobWorker({ job: { parallelism: 4, completions: 2 } })] })),
      /^workers\[0\]\.job\.parallelism: is above completions \(2\)/,
    );
  });

  it("the job-mode RabbitMQ prefetch warning expects targetPerReplica = completions (one message per Job pod)", () => {
    const rabbit = [{ name: "rq", kind: "rabbitmq" }];
    const trigger = (targetPerReplica: number) => ({ type: "rabbitmq", queue: "rq", queueName: "r", targetPerReplica });
    const prefetch = (worker: Record<string, unknown>) =>
      loadConfig(sourceOf({ ...minimalStack(), queues: rabbit, workers: [worker] })).warnings.filter((w) =>
        w.includes("trigger.targetPerReplica"),
      );
    const job = { parallelism: 3, completions: 3 };
    assert.deepEqual(prefetch(jobWorker({ trigger: trigger(3), job })), []);
    const ws = prefetch(jobWorker({ trigger: trigger(1), job }));
    assert.equal(ws.length, 1, ws.join("\n"));
    assert.match(
      ws[0],
      /^workers\[0\]\.trigger\.targetPerReplica: 1 in job mode with job\.completions 3: .*set targetPerReplica: 3$/,
    );
  });

  it("parallelism below completions is a warning naming the key (later pods' messages are counted again)", () => {
    const ws = (job: Record<string, unknown>) =>
      loadConfig(sourceOf({ ...minimalStack(), queues, workers: [jobWorker({ job })] })).warnings.filter((w) =>
        w.includes("job.parallelism"),
      );
    const one = ws({ parallelism: 2, completions: 4 });
    assert.equal(one.length, 1, one.join("\n"));
    assert.match(one[0], /^workers\[0\]\.job\.parallelism: 2 below completions \(4\).*set parallelism to 4$/);
    assert.deepEqual(ws({ parallelism: 4, completions: 4 }), []);
    assert.deepEqual(ws({ completions: 4 }), ws({ parallelism: 1, completions: 4 }));
  });

  it("job on a deployment-mode worker is an error naming the key", () => {
    has(
      configProblems(stack({ workers: [cpuWorker({ job: { backoffLimit: 1 } })] })),
      /^workers\[0\]\.job: only for mode: job/,
    );
  });
});
