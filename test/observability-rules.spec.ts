import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { loadStackConfig } from "../simulator/stack.ts";
import type { StackConfig } from "../stacks/schema/index.ts";
import { loadConfig } from "../stacks/load.ts";
import { PRICES } from "../stacks/prices.ts";
import { ALERTS, RECORDS } from "../observability/names.ts";
import { METRIC_SOURCES, metricCatalogue } from "../observability/metrics.ts";
import { checkExpressions, parsePromql } from "../observability/promql.ts";
import type { Rule } from "../observability/rules/index.ts";
import { prometheusRuleFiles, ruleFileProblems } from "../observability/rules/index.ts";
import { simClusters } from "../simulator/from-config.ts";
import { planStack } from "../tools/plan-stack.ts";
import { configProblems, cpuWorker, minimalStack, sourceOf } from "./helpers/config.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const projectDir = path.resolve(import.meta.dirname, "..");

const SYSTEM = { name: "system", role: "system", machineTypes: ["Standard_D4s_v5"], min: 1, max: 3 };
const GPU_AKS = { name: "gpu", machineTypes: ["Standard_NC4as_T4_v3"], gpu: { count: 1, type: "t4" }, min: 0, max: 2 };
const MIG_AKS = {
  name: "mig",
  machineTypes: ["Standard_NC24ads_A100_v4"],
  gpu: { count: 1, type: "nvidia-a100" },
  gpuSharing: { mig: { profile: "1g.10gb" } },
  min: 0,
  max: 1,
};
const gpuWorker = (over: Obj = {}) =>
  cpuWorker({
    name: "gw",
    gpu: { count: 1 },
    spot: true,
    resources: { requests: { cpu: "1", memory: "4Gi" }, limits: { memory: "4Gi" } },
    ...over,
  });

/** A stack with one Redis queue and the given clusters and workers, merged over the minimal one. */
function stack(over: Obj = {}): Obj {
  return { ...minimalStack(), queues: [{ name: "q", kind: "redis" }], workers: [cpuWorker()], ...over };
}
function load(values: Obj): StackConfig {
  return loadConfig(sourceOf(values)).config;
}
function rulesOf(values: Obj, cluster = 0) {
  const cfg = load(values);
  return prometheusRuleFiles(cfg.clusters[cluster], cfg);
}
const alerts = (files: ReturnType<typeof rulesOf>): Rule[] => files.alerting.groups.flatMap((g) => g.rules);
const named = (files: ReturnType<typeof rulesOf>, name: string) => alerts(files).filter((r) => r.alert === name);
const eksCluster = (over: Obj = {}) => ({
  name: "e1",
  cloud: "aws",
  region: "eu-west-1",
  kubernetesVersion: "1.34",
  pools: [
    { name: "system", role: "system", machineTypes: ["m6i.xlarge"], min: 1, max: 3 },
    { name: "gpuspot", machineTypes: ["g5.xlarge"], gpu: { count: 1, type: "a10g" }, spot: true, min: 0, max: 2 },
  ],
  ...over,
});

const files0 = () =>
  rulesOf(stack({ clusters: [eksCluster()], workers: [cpuWorker(), cpuWorker({ name: "gw", spot: true })] }));

describe("observability: alert rules from config", () => {
  it("a CPU worker on AKS: backlog, growth, at-max and scaler-error alerts with its labels and target; no GPU, autoscaler or spot alerts", () => {
    const files = rulesOf(stack());
    const [backlog] = named(files, ALERTS.backlogHigh);
    assert.equal(backlog.labels?.worker, "w");
    assert.equal(backlog.labels?.trigger, "redis");
    // default factor 3 × the redis trigger's default targetPerReplica 5
    assert.match(
      backlog.expr,
      /keda_scaler_metrics_value\{namespace="wp-workloads",scaledObject="w",type="scaledobject",triggerIndex="0"\}/,
    );
    assert.match(backlog.expr, /kube_deployment_status_replicas_available\{namespace="wp-workloads",deployment="w"\}/);
    assert.match(backlog.expr, / > 15$/);
    assert.equal(backlog.for, "15m");
    assert.equal(named(files, ALERTS.backlogGrowing).length, 1);
    assert.match(named(files, ALERTS.atMaxReplicas)[0].expr, />= 3 and on\(\)/);
    assert.equal(named(files, ALERTS.scalerErrors)[0].labels?.severity, "critical");
    for (const absent of [
      ALERTS.gpuIdle,
      ALERTS.gpuPodsUnschedulable,
      ALERTS.scaleUpFailed,
      ALERTS.nodeGroupBackoff,
      ALERTS.spotInterruption,
    ])
      assert.equal(named(files, absent).length, 0, absent);
    assert.equal(named(files, ALERTS.podsUnschedulable)[0].for, "15m");
    const components = named(files, ALERTS.componentDown).map((r) => r.labels?.component);
    assert.deepEqual(components, [
      "keda-operator",
      "keda-metrics-server",
      "prometheus-adapter",
      "kube-state-metrics",
      "prometheus",
    ]);
  });

  it("GPU and spot pools on EKS: GPU pending pods, GPU idle per GPU worker, autoscaler failures and spot interruptions", () => {
    const files = rulesOf(
      stack({
        clusters: [eksCluster({ autoscaler: { maxNodeProvisionTime: "20m" } })],
        workers: [cpuWorker(), gpuWorker()],
      }),
    );
    const [gpuPending] = named(files, ALERTS.gpuPodsUnschedulable);
    assert.match(gpuPending.expr, /resource=~"nvidia_com_gpu\|amd_com_gpu"/);
    assert.equal(gpuPending.for, "20m", "pending time follows the cluster's autoscaler.maxNodeProvisionTime");
    assert.match(named(files, ALERTS.podsUnschedulable)[0].expr, /unless on\(namespace, pod\)/);
    const idle = named(files, ALERTS.gpuIdle);
    assert.deepEqual(
      idle.map((r) => r.labels?.worker),
      ["gw"],
    );
    assert.match(
      idle[0].expr,
      /DCGM_FI_DEV_GPU_UTIL\{namespace="wp-workloads",pod=~"gw-\[a-z0-9\]\+-\[a-z0-9\]\+",container!=""\}.* < 10$/,
    );
    assert.equal(idle[0].for, "1h");
    assert.equal(named(files, ALERTS.scaleUpFailed).length, 1);
    assert.equal(named(files, ALERTS.nodeGroupBackoff).length, 1);
    assert.match(named(files, ALERTS.spotInterruption)[0].expr, /label_worker_platform_pool=~"gpuspot"/);
    assert.ok(named(files, ALERTS.componentDown).some((r) => r.labels?.component === "dcgm-exporter"));
  });

  it("SpotNodesInterrupted: not-ready and vanished spot nodes only, not cordons (upgrades and drains cordon too)", () => {
    const [spot] = named(files0(), ALERTS.spotInterruption);
    assert.doesNotMatch(spot.expr, /kube_node_spec_unschedulable/);
    assert.match(spot.expr, /kube_node_status_condition\{condition="Ready",status="true"\} == 0/);
    assert.match(spot.expr, /offset 2m, .*\) unless on\(node\) kube_node_labels\)/);
  });

  it("GpuIdle on MIG pools reads DCGM_FI_PROF_GR_ENGINE_ACTIVE (DCGM_FI_DEV_GPU_UTIL reads 0 there); the larger of both where a worker may land on either", () => {
    const idleOn = (pools: Obj[]) =>
      named(
        rulesOf(
          stack({
            clusters: [{ ...(minimalStack().clusters as Obj[])[0], pools: [SYSTEM, ...pools] }],
            workers: [gpuWorker()],
          }),
        ),
        ALERTS.gpuIdle,
      )[0].expr;
    const mig = idleOn([MIG_AKS]);
    assert.match(
      mig,
      /^avg by \(namespace, pod\) \(avg_over_time\(DCGM_FI_PROF_GR_ENGINE_ACTIVE\{namespace="wp-workloads",pod=~"gw-[^"]+",container!=""\}\[5m\]\)\) \* 100 < 10$/,
    );
    assert.doesNotMatch(mig, /DCGM_FI_DEV_GPU_UTIL/);
    const whole = idleOn([GPU_AKS]);
    assert.match(whole, /DCGM_FI_DEV_GPU_UTIL/);
    assert.doesNotMatch(whole, /GR_ENGINE/);
    const both = idleOn([GPU_AKS, MIG_AKS]);
    assert.match(
      both,
      /^max by \(namespace, pod\) \(.*DCGM_FI_DEV_GPU_UTIL.* or label_replace\(.*DCGM_FI_PROF_GR_ENGINE_ACTIVE.*\) < 10$/,
    );
    // A worker kept off spot does not land on the spot MIG pool: whole GPUs only.
    const onDemand = named(
      rulesOf(
        stack({
          clusters: [
            { ...(minimalStack().clusters as Obj[])[0], pools: [SYSTEM, GPU_AKS, { ...MIG_AKS, spot: true }] },
          ],
          workers: [gpuWorker({ spot: false })],
        }),
      ),
      ALERTS.gpuIdle,
    )[0].expr;
    assert.doesNotMatch(onDemand, /GR_ENGINE/);
    for (const e of [mig, whole, both]) assert.equal(parsePromql(e).error, undefined, e);
    assert.ok(metricCatalogue().known("DCGM_FI_PROF_GR_ENGINE_ACTIVE"));
  });

  it("an AMD-only GPU pool: GPU pending pods still alert, but no DCGM idle or exporter alerts; cost counts amd.com/gpu", () => {
    const amdPool = { name: "amd", machineTypes: ["g4ad.2xlarge"], gpu: { count: 1, type: "v520" }, min: 0, max: 2 };
    const files = rulesOf(
      stack({
        clusters: [eksCluster({ pools: [eksCluster().pools[0], amdPool] })],
        workers: [cpuWorker(), gpuWorker({ spot: false, gpu: { count: 1, vendor: "amd" } })],
      }),
    );
    assert.equal(named(files, ALERTS.gpuPodsUnschedulable).length, 1);
    assert.equal(named(files, ALERTS.gpuIdle).length, 0, "DCGM reads NVIDIA GPUs only");
    assert.ok(!named(files, ALERTS.componentDown).some((r) => r.labels?.component === "dcgm-exporter"));
    const cost = files.recording.groups
      .flatMap((g) => g.rules)
      .find((r) => r.record === RECORDS.workerCostPerHour && r.expr.includes('"gw-'));
    assert.match(cost?.expr ?? "", /resource="amd_com_gpu"/);
  });

  it("AKS with GPU and spot pools: no cluster-autoscaler alerts (managed autoscaler), the pending-pod alerts stand in", () => {
    const files = rulesOf(
      stack({ clusters: [{ ...(minimalStack().clusters as Obj[])[0], pools: [SYSTEM, { ...GPU_AKS, spot: true }] }] }),
    );
    assert.equal(named(files, ALERTS.scaleUpFailed).length, 0);
    assert.equal(named(files, ALERTS.gpuPodsUnschedulable).length, 1);
    assert.equal(named(files, ALERTS.spotInterruption).length, 1);
  });

  it("existing clusters: no autoscaler, spot or cost rules", () => {
    const files = rulesOf(stack({ clusters: [{ name: "local", cloud: "existing", existing: { context: "kind-x" } }] }));
    assert.equal(named(files, ALERTS.scaleUpFailed).length + named(files, ALERTS.spotInterruption).length, 0);
    assert.deepEqual(files.recording.groups, []);
    assert.equal(named(files, ALERTS.backlogHigh).length, 1);
  });

  it("thresholds, switches and per-worker overrides", () => {
    const files = rulesOf(
      stack({
        workers: [cpuWorker(), cpuWorker({ name: "w2" }), gpuWorker({ clusters: ["e1"] })],
        clusters: [eksCluster()],
        observability: {
          alerts: {
            backlogHigh: { factor: 4, for: "10m", severity: "critical" },
            spotInterruption: { enabled: false },
            workers: {
              w2: { backlogFactor: 10, backlogFor: "1h", disabled: ["backlogGrowing"] },
              gw: { gpuIdlePercent: 30, gpuIdleFor: "2h" },
            },
          },
        },
      }),
    );
    const backlog = Object.fromEntries(named(files, ALERTS.backlogHigh).map((r) => [r.labels?.worker, r]));
    assert.match(backlog.w.expr, / > 20$/);
    assert.equal(backlog.w.for, "10m");
    assert.equal(backlog.w.labels?.severity, "critical");
    assert.match(backlog.w2.expr, / > 50$/);
    assert.equal(backlog.w2.for, "1h");
    assert.deepEqual(
      named(files, ALERTS.backlogGrowing).map((r) => r.labels?.worker),
      ["w", "gw"],
    );
    const [idle] = named(files, ALERTS.gpuIdle);
    assert.match(idle.expr, / < 30$/);
    assert.equal(idle.for, "2h");
    assert.equal(named(files, ALERTS.spotInterruption).length, 0);
  });

  it("each alert is on by default where it can work, and off with its enabled: false", () => {
    const keys: [string, string[]][] = [
      ["backlogHigh", [ALERTS.backlogHigh]],
      ["backlogGrowing", [ALERTS.backlogGrowing]],
      ["atMaxReplicas", [ALERTS.atMaxReplicas]],
      ["scalerErrors", [ALERTS.scalerErrors]],
      ["podsUnschedulable", [ALERTS.podsUnschedulable, ALERTS.gpuPodsUnschedulable]],
      ["clusterAutoscaler", [ALERTS.scaleUpFailed, ALERTS.nodeGroupBackoff]],
      ["spotInterruption", [ALERTS.spotInterruption]],
      ["gpuIdle", [ALERTS.gpuIdle]],
      ["componentDown", [ALERTS.componentDown]],
    ];
    const base = { clusters: [eksCluster()], workers: [cpuWorker(), gpuWorker()] };
    const all = rulesOf(stack(base));
    for (const [key, names] of keys) {
      for (const name of names) assert.ok(named(all, name).length > 0, `${name} on by default`);
      const off = rulesOf(stack({ ...base, observability: { alerts: { [key]: { enabled: false } } } }));
      for (const name of names) assert.equal(named(off, name).length, 0, `${key}.enabled false removes ${name}`);
      assert.ok(alerts(off).length > 0, "the others stay");
    }
  });

  it("alerts.enabled false leaves only the user's rules; no rules at all gives empty files", () => {
    const off = rulesOf(stack({ observability: { alerts: { enabled: false } } }));
    assert.deepEqual(off.alerting.groups, []);
    const user = rulesOf(
      stack({ observability: { alerts: { enabled: false, extraRules: [{ alert: "Mine", expr: "up == 0" }] } } }),
    );
    assert.deepEqual(
      user.alerting.groups.map((g) => g.name),
      ["worker-platform-user"],
    );
    assert.deepEqual(user.alerting.groups[0].rules[0], {
      alert: "Mine",
      expr: "up == 0",
      for: "5m",
      labels: { severity: "warning" },
      annotations: {
        summary: "Mine",
        description: "observability.alerts.extraRules",
        runbook: "docs/observability.md#alerts",
      },
    });
  });

  it("job-mode workers: running Jobs owned by the ScaledJob, the ScaledJob's error counter", () => {
    const files = rulesOf(stack({ workers: [cpuWorker({ mode: "job" })] }));
    assert.match(named(files, ALERTS.backlogHigh)[0].expr, /type="scaledjob"/);
    assert.match(
      named(files, ALERTS.backlogHigh)[0].expr,
      /kube_job_owner\{namespace="wp-workloads",owner_kind="ScaledJob",owner_name="w"\}/,
    );
    assert.match(
      named(files, ALERTS.scalerErrors)[0].expr,
      /keda_scaled_job_errors_total\{namespace="wp-workloads",scaledJob="w"\}/,
    );
  });

  it("workers without a queue trigger get no backlog alerts, still the scaler-error one", () => {
    const files = rulesOf(
      stack({
        workers: [
          cpuWorker({
            trigger: undefined,
            triggers: [{ type: "cpu", targetUtilization: 70 }],
            replicas: { min: 1, max: 3 },
          }),
        ],
      }),
    );
    assert.equal(named(files, ALERTS.backlogHigh).length, 0);
    assert.equal(named(files, ALERTS.scalerErrors).length, 1);
    assert.doesNotMatch(named(files, ALERTS.atMaxReplicas)[0].expr, /deriv/);
  });

  it("every shipped stack's generated rule files load as Prometheus loads them, and their PromQL parses", () => {
    for (const name of ["dev", "prod", "local"]) {
      const cfg = loadStackConfig(name, projectDir).config;
      for (const c of cfg.clusters) {
        const files = prometheusRuleFiles(c, cfg);
        assert.deepEqual(ruleFileProblems(files.alerting, "a"), []);
        assert.deepEqual(ruleFileProblems(files.recording, "r"), []);
        for (const r of [...files.alerting.groups, ...files.recording.groups].flatMap((g) => g.rules))
          assert.equal(parsePromql(r.expr).error, undefined, `${name}/${c.name}: ${r.expr}`);
      }
    }
  });
});

describe("observability: cost per job recording rules", () => {
  it("pool cost from pools[].pricePerHour, else the price table (spot at its fraction); worker cost, jobs and cost per job", () => {
    const files = rulesOf(
      stack({
        clusters: [
          {
            ...(minimalStack().clusters as Obj[])[0],
            pools: [{ ...SYSTEM, pricePerHour: 0.25 }, GPU_AKS, { ...GPU_AKS, name: "gpuspot", spot: true }],
          },
        ],
        workers: [cpuWorker({ mode: "job" }), gpuWorker(), cpuWorker({ name: "dep" })],
        observability: { cost: { workers: { gw: { jobsCompletedMetric: "worker_jobs_done_total" } } } },
      }),
    );
    const rules = files.recording.groups[0].rules;
    const pool = rules.filter((r) => r.record === RECORDS.poolCostPerHour);
    assert.equal(pool[0].expr, `${RECORDS.poolNodes}{pool="system"} * 0.25`);
    assert.equal(pool[0].labels?.price_source, "config");
    assert.equal(pool[1].expr, `${RECORDS.poolNodes}{pool="gpu"} * ${PRICES.Standard_NC4as_T4_v3.onDemand}`);
    assert.equal(
      pool[2].expr,
      `${RECORDS.poolNodes}{pool="gpuspot"} * ${PRICES.Standard_NC4as_T4_v3.onDemand * PRICES.Standard_NC4as_T4_v3.spotFraction}`,
    );
    const byWorker = (record: string) => rules.filter((r) => r.record === record).map((r) => r.labels?.worker);
    assert.deepEqual(byWorker(RECORDS.workerCostPerHour), ["w", "gw", "dep"]);
    // no counter named for the deployment worker "dep": no jobs, no cost per job
    assert.deepEqual(byWorker(RECORDS.workerJobsPerHour), ["w", "gw"]);
    assert.deepEqual(byWorker(RECORDS.workerCostPerJob), ["w", "gw"]);
    const jobs = rules.filter((r) => r.record === RECORDS.workerJobsPerHour);
    assert.match(jobs[0].expr, /kube_job_status_completion_time/);
    assert.match(jobs[1].expr, /increase\(worker_jobs_done_total\{namespace="wp-workloads",pod=~"gw-/);
    assert.match(
      rules.find((r) => r.record === RECORDS.workerCostPerHour && r.labels?.worker === "gw")!.expr,
      /resource="nvidia_com_gpu"/,
    );
  });

  it("shares cost by running pods' requests, joined to a deduplicated node → pool lookup", () => {
    const rules = rulesOf(stack()).recording.groups[0].rules;
    const share = rules.find((r) => r.record === RECORDS.workerCostPerHour)!.expr;
    // kube-state-metrics reports requests of pods in every phase: both the worker's and the pool's total filter on
    // Running, so finished Jobs' pods neither bill the worker nor dilute the others' share.
    const requests = share.match(
      /kube_pod_container_resource_requests\{[^}]*\} \* on\(namespace, pod\) group_left\(\) max by \(namespace, pod\) \(kube_pod_status_phase\{phase="Running"\} == 1\)/g,
    );
    assert.equal(requests?.length, 2, share);
    // Two kube-state-metrics pods during a rollout: a bare kube_node_labels right-hand side fails the rule.
    const nodes = /group_left\(pool\) max by \(node, pool\) \(label_replace\(kube_node_labels/g;
    assert.equal(share.match(nodes)?.length, 2, share);
    const poolNodes = rules.find((r) => r.record === RECORDS.poolNodes)!.expr;
    assert.match(poolNodes, /^count by \(pool\) \(max by \(node, pool\) \(label_replace\(kube_node_labels/);
  });

  it("the simulator reads the same price: pools[].pricePerHour, simulation.prices over it", () => {
    const cluster = {
      ...(minimalStack().clusters as Obj[])[0],
      pools: [SYSTEM, { ...GPU_AKS, pricePerHour: 0.25 }, { ...GPU_AKS, name: "gpu2" }],
    };
    const pool = (sim: ReturnType<typeof simClusters>, name: string) =>
      sim[0].pools.find((p) => p.name === name)?.pricePerHour;
    const sim = simClusters(load(stack({ clusters: [cluster] })));
    assert.equal(pool(sim, "gpu"), 0.25);
    assert.equal(pool(sim, "gpu2"), PRICES.Standard_NC4as_T4_v3.onDemand);
    const over = simClusters(load(stack({ clusters: [cluster], simulation: { prices: { "c1/gpu": 0.5 } } })));
    assert.equal(pool(over, "gpu"), 0.5);
  });

  it("cost.enabled false: no recording rules", () => {
    assert.deepEqual(rulesOf(stack({ observability: { cost: { enabled: false } } })).recording.groups, []);
  });
});

describe("observability: bad input is a config error naming the key", () => {
  const problems = (observability: Obj, over: Obj = {}) => configProblems(stack({ observability, ...over }));
  const rows: [string, Obj, RegExp][] = [
    [
      "factor out of range",
      { alerts: { backlogHigh: { factor: 1 } } },
      /^observability\.alerts\.backlogHigh\.factor: .*>1/,
    ],
    [
      "percent out of range",
      { alerts: { gpuIdle: { utilizationPercent: 150 } } },
      /^observability\.alerts\.gpuIdle\.utilizationPercent: /,
    ],
    [
      "duration",
      { alerts: { atMaxReplicas: { for: "15 minutes" } } },
      /^observability\.alerts\.atMaxReplicas\.for: must be a duration/,
    ],
    [
      "unknown worker (alerts)",
      { alerts: { workers: { nope: {} } } },
      /^observability\.alerts\.workers\.nope: no worker named "nope" \(workers: w\)/,
    ],
    [
      "unknown worker (cost)",
      { cost: { workers: { nope: { jobsCompletedMetric: "x_total" } } } },
      /^observability\.cost\.workers\.nope: no worker named "nope"/,
    ],
    [
      "unknown per-worker alert",
      { alerts: { workers: { w: { disabled: ["gpuIdel"] } } } },
      /^observability\.alerts\.workers\.w\.disabled\[0\]: must be a per-worker alert/,
    ],
    [
      "user PromQL that does not parse",
      { alerts: { extraRules: [{ alert: "A", expr: "rate(up[5m]" }] } },
      /^observability\.alerts\.extraRules\[0\]\.expr: PromQL does not parse: syntax error at character 12/,
    ],
    [
      "user PromQL naming an unknown metric",
      { alerts: { extraRules: [{ alert: "A", expr: "app_lag > 5" }] } },
      /^observability\.alerts\.extraRules\[0\]\.expr: PromQL names "app_lag", which the platform does not produce; .*observability\.externalMetrics, got "app_lag > 5"/,
    ],
    [
      "alert name",
      { alerts: { extraRules: [{ alert: "my-alert", expr: "up" }] } },
      /^observability\.alerts\.extraRules\[0\]\.alert: must be an alert name/,
    ],
    [
      "external metric name",
      { externalMetrics: ["app-lag"] },
      /^observability\.externalMetrics\[0\]: must be a Prometheus metric name/,
    ],
  ];
  for (const [what, o, expected] of rows)
    it(what, () => {
      const p = problems(o);
      assert.ok(
        p.some((x) => expected.test(x)),
        p.join("\n"),
      );
    });

  it("a job-mode worker's jobsCompletedMetric is refused (its Jobs are counted)", () => {
    const p = configProblems(
      stack({
        workers: [cpuWorker({ mode: "job" })],
        observability: { cost: { workers: { w: { jobsCompletedMetric: "x_total" } } } },
      }),
    );
    assert.ok(
      p.some((x) => /^observability\.cost\.workers\.w\.jobsCompletedMetric: worker "w" runs in job mode/.test(x)),
      p.join("\n"),
    );
  });

  it("a prometheus trigger's query is checked under its key; declared external metrics (names, prefixes) pass", () => {
    const promWorker = cpuWorker({ trigger: { type: "prometheus", query: "sum(app_queue_depth)", threshold: 10 } });
    const p = configProblems(stack({ workers: [promWorker] }));
    assert.ok(
      p.some((x) => /^workers\[0\]\.trigger\.query: PromQL names "app_queue_depth"/.test(x)),
      p.join("\n"),
    );
    assert.deepEqual(
      configProblems(stack({ workers: [promWorker], observability: { externalMetrics: ["app_queue_depth"] } })),
      [],
    );
    assert.deepEqual(
      configProblems(stack({ workers: [promWorker], observability: { externalMetrics: ["app_*"] } })),
      [],
    );
    // Another Prometheus (serverAddress): parsed, not held to the platform's metrics.
    const elsewhere = cpuWorker({
      trigger: {
        type: "prometheus",
        query: "sum(app_queue_depth)",
        threshold: 10,
        serverAddress: "http://prom.example.com",
      },
    });
    assert.deepEqual(configProblems(stack({ workers: [elsewhere] })), []);
    const broken = cpuWorker({
      trigger: {
        type: "prometheus",
        query: "sum(app_queue_depth",
        threshold: 10,
        serverAddress: "http://prom.example.com",
      },
    });
    assert.ok(
      configProblems(stack({ workers: [broken] })).some((x) =>
        /^workers\[0\]\.trigger\.query: PromQL does not parse/.test(x),
      ),
    );
  });

  it("valid overrides and extra rules are accepted", () => {
    assert.deepEqual(
      problems({
        alerts: {
          workers: { w: { backlogFactor: 2, disabled: ["gpuIdle"] } },
          extraRules: [{ alert: "Mine", expr: 'sum(rate(worker_jobs_total{namespace="x"}[5m])) == 0', for: "1h" }],
        },
        externalMetrics: ["worker_*"],
      }),
      [],
    );
  });
});

describe("observability: the PromQL check", () => {
  it("parses with Prometheus's grammar: metric names from selectors and __name__ matchers, errors with their position", () => {
    assert.deepEqual(parsePromql('sum by (x) (rate(a_total{b="c"}[5m])) / on() b + {__name__="c"}').metrics, [
      "a_total",
      "b",
      "c",
    ]);
    assert.deepEqual(parsePromql('{__name__=~"worker_.*"}').metrics, []);
    assert.match(parsePromql("sum(up").error ?? "", /syntax error at character 7 \(end\)/);
    assert.match(parsePromql("max(up)[10m]").error ?? "", /ranges only allowed for vector selectors/);
    assert.equal(parsePromql("max_over_time(max(up)[10m:1m])").error, undefined);
  });

  it("checkExpressions names the source of each bad expression (e.g. a dashboard panel) and passes good ones", () => {
    const catalogue = metricCatalogue(["app_*"]);
    const problems = checkExpressions(
      [
        { source: 'dashboard fleet, panel "Queue depth"', expr: "sum(keda_scaler_metrics_value)" },
        { source: 'dashboard fleet, panel "Lag"', expr: "sum(app_lag)" },
        { source: 'dashboard fleet, panel "Typo"', expr: "sum(kube_pod_status_phse)" },
        { source: 'dashboard fleet, panel "Broken"', expr: "sum(up" },
      ],
      catalogue,
    );
    assert.deepEqual(
      problems.map((p) => p.expression.source),
      ['dashboard fleet, panel "Typo"', 'dashboard fleet, panel "Broken"'],
    );
    assert.match(problems[0].message, /"kube_pod_status_phse", which the platform does not produce/);
  });

  it("the catalogue cites an upstream source for every producer and holds the recording rules", () => {
    for (const s of METRIC_SOURCES) assert.ok(s.source && s.metrics.length > 0, s.name);
    assert.ok(metricCatalogue().known(RECORDS.workerCostPerJob));
    assert.ok(!metricCatalogue().known("worker_x"));
    assert.ok(metricCatalogue(["worker_*"]).known("worker_x"));
  });
});

describe("observability: rule files in the shape Prometheus loads (model/rulefmt)", () => {
  const problems = (groups: Obj[]) => ruleFileProblems({ groups }, "f");
  it("refuses what rulefmt refuses", () => {
    assert.match(
      problems([
        { name: "a", rules: [] },
        { name: "a", rules: [] },
      ]).join(),
      /groupname: "a" is repeated in the same file/,
    );
    assert.match(
      problems([{ name: "a", rules: [{ alert: "A", record: "b", expr: "up" }] }]).join(),
      /only one of 'record' and 'alert' must be set/,
    );
    assert.match(problems([{ name: "a", rules: [{ expr: "up" }] }]).join(), /one of 'record' or 'alert' must be set/);
    assert.match(
      problems([{ name: "a", rules: [{ record: "a-b", expr: "up" }] }]).join(),
      /invalid recording rule name: a-b/,
    );
    assert.match(
      problems([{ name: "a", rules: [{ record: "a", expr: "up", for: "5m" }] }]).join(),
      /invalid field 'for' in recording rule/,
    );
    assert.match(
      problems([{ name: "a", rules: [{ alert: "A", expr: "up", labels: { "a-b": "x" } }] }]).join(),
      /invalid label name: a-b/,
    );
    assert.match(
      problems([{ name: "a", rules: [{ alert: "A", expr: "up", for: "5 minutes" }] }]).join(),
      /must be a Prometheus duration/,
    );
    assert.match(
      problems([{ name: "a", rules: [{ alert: "A", expr: "" }] }]).join(),
      /field 'expr' must be set in rule/,
    );
    assert.deepEqual(
      problems([
        { name: "a", interval: "1m", rules: [{ alert: "A", expr: "up", for: "1h30m", keep_firing_for: "5m" }] },
      ]),
      [],
    );
  });
});

describe("observability: the plan", function () {
  this.timeout(180_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-obs-"));
    fs.writeFileSync(
      path.join(dir, "Pulumi.obs.yaml"),
      stringify({
        config: {
          "worker-platform:platform": { environment: "obs" },
          "worker-platform:clusters": [{ name: "c", cloud: "existing", existing: { context: "kind-x" } }],
          "worker-platform:queues": [{ name: "q", kind: "redis" }],
          "worker-platform:workers": [
            cpuWorker({ trigger: { type: "prometheus", query: "sum(app_lagg)", threshold: 5 } }),
          ],
        },
      }),
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("fails before any resource, naming the key of a query with a metric nobody produces", async () => {
    const r = await planStack("obs", { dir });
    assert.equal(r.exitCode, 2);
    assert.match(
      r.configError ?? "",
      /workers\[0\]\.trigger\.query: PromQL names "app_lagg", which the platform does not produce/,
    );
  });

  it("prod: each cluster's Prometheus gets the rules, the autoscaler is scraped, nodes keep their pool label", async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "wp-obs-prod-"));
    try {
      const r = await planStack("prod", { dir: projectDir, outDir: out });
      assert.equal(r.exitCode, 0);
      const charts = r.resources.filter((x) => x.type === "kubernetes:helm.sh/v4:Chart");
      const prom = charts.filter((c) => (c.inputs as Obj).chart === "prometheus");
      assert.equal(prom.length, 2);
      for (const c of prom) {
        const values = (c.inputs as Obj).values;
        const alertsFile = values.serverFiles["alerting_rules.yml"];
        assert.deepEqual(ruleFileProblems(alertsFile, "a"), []);
        const backlogWorkers = alertsFile.groups
          .flatMap((g: Obj) => g.rules)
          .filter((x: Obj) => x.alert === ALERTS.backlogHigh)
          .map((x: Obj) => x.labels.worker);
        assert.ok(backlogWorkers.includes("transcriber"), backlogWorkers.join());
        assert.ok(values.serverFiles["recording_rules.yml"].groups[0].rules.length > 0);
        assert.deepEqual(values["kube-state-metrics"].metricLabelsAllowlist, [
          "nodes=[worker-platform/pool,worker-platform/capacity]",
        ]);
      }
      const ca = charts.find((c) => (c.inputs as Obj).chart === "cluster-autoscaler");
      assert.equal((ca?.inputs as Obj).values.service.annotations["prometheus.io/scrape"], "true");
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
