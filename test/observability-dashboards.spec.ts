import * as assert from "node:assert/strict";
import type { DashboardInput } from "../observability/dashboards/index.ts";
import {
  DATASOURCE_UID,
  dashboardExpressions,
  generateDashboards,
  validateDashboard,
  workerDashboardUid,
} from "../observability/dashboards/index.ts";
import { RECORDS } from "../observability/names.ts";
import { runAddons } from "./helpers/addons.ts";
import { configProblems, cpuWorker, minimalStack } from "./helpers/config.ts";

const input = (over: Partial<DashboardInput> = {}): DashboardInput => ({
  namespace: "wp-workloads",
  workers: [
    { name: "transcriber", mode: "deployment", gpu: true },
    { name: "thumbnails", mode: "job", gpu: false },
  ],
  gpuPools: ["gpuspot", "gpu"],
  fleet: true,
  capacity: true,
  cost: true,
  ...over,
});

/* eslint-disable @typescript-eslint/no-explicit-any */
describe("observability: dashboards", () => {
  it("generates fleet, one per worker, capacity and cost, each valid", () => {
    const ds = generateDashboards(input());
    assert.deepEqual(
      ds.map((d) => d.uid),
      ["wp-fleet", "wp-worker-transcriber", "wp-worker-thumbnails", "wp-capacity", "wp-cost"],
    );
    for (const d of ds) {
      assert.deepEqual(validateDashboard(d), []);
      assert.equal(d.schemaVersion, 42);
      const ids = d.panels!.map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length);
      for (const p of d.panels as any[]) {
        assert.ok(p.gridPos.x + p.gridPos.w <= 24);
        assert.equal(p.datasource.uid, DATASOURCE_UID);
        for (const t of p.targets) assert.equal(t.datasource.uid, DATASOURCE_UID);
      }
    }
  });
  it("shows GPU use per pod only for GPU workers, and Jobs for job-mode workers", () => {
    const [, gpu, job] = generateDashboards(input());
    const titles = (d: any) => d.panels.map((p: any) => p.title);
    assert.ok(titles(gpu).includes("GPU utilisation per pod"));
    assert.ok(titles(gpu).includes("GPU memory used per pod"));
    assert.ok(!titles(job).includes("GPU utilisation per pod"));
    assert.ok(titles(job).includes("Active jobs"));
    const exprs = JSON.stringify(gpu);
    assert.match(
      exprs,
      /DCGM_FI_DEV_GPU_UTIL\{namespace=\\"wp-workloads\\", pod=~\\"transcriber-\[a-z0-9\]\+-\[a-z0-9\]\+\\"\}/,
    );
    assert.match(exprs, /keda_scaler_metrics_value\{namespace=\\"wp-workloads\\", scaledObject=\\"transcriber\\"\}/);
  });
  it("joins against deduplicated kube_node_labels and kube_job_owner (two kube-state-metrics pods in a rollout)", () => {
    const exprs = dashboardExpressions(input());
    const joins = exprs.filter((e) => /group_left\([^)]*\) *(kube_node_labels|kube_job_owner)/.test(e.expr));
    assert.deepEqual(joins, [], "a bare right-hand side fails with duplicate series for the match group");
    const byPool = exprs.filter((e) => e.expr.includes("kube_node_labels"));
    assert.ok(byPool.length >= 2);
    for (const e of byPool) assert.match(e.expr, /max by \(node, label_worker_platform_pool\) \(kube_node_labels\)/);
    const owners = exprs.filter((e) => e.expr.includes("kube_job_owner"));
    assert.ok(owners.length >= 3);
    for (const e of owners) assert.match(e.expr, /max by \(namespace, job_name, owner_name\) \(kube_job_owner\{/);
  });
  it("counts requested GPUs of running pods only (finished Jobs' pods keep their requests)", () => {
    const [requested] = dashboardExpressions(input()).filter(
      (e) => e.source === 'dashboard wp-capacity, panel "Requested GPUs per pool"',
    );
    assert.match(
      requested.expr,
      /kube_pod_container_resource_requests\{[^}]*\} \* on\(namespace, pod\) group_left\(\) max by \(namespace, pod\) \(kube_pod_status_phase\{phase="Running"\} == 1\)/,
    );
  });
  it("GPU use of MIG workers from DCGM_FI_PROF_GR_ENGINE_ACTIVE (DCGM_FI_DEV_GPU_UTIL reads 0 on MIG); both where mixed", () => {
    const util = (gpuUtil?: "device" | "mig" | "both") =>
      dashboardExpressions(input({ workers: [{ name: "t", mode: "deployment", gpu: true, gpuUtil }] })).find(
        (e) => e.source === 'dashboard wp-worker-t, panel "GPU utilisation per pod"',
      )!.expr;
    assert.match(util(), /DCGM_FI_DEV_GPU_UTIL/);
    assert.doesNotMatch(util(), /GR_ENGINE/);
    assert.match(util("mig"), /DCGM_FI_PROF_GR_ENGINE_ACTIVE\{[^}]*\}\) \* 100/);
    assert.doesNotMatch(util("mig"), /DCGM_FI_DEV_GPU_UTIL/);
    assert.match(
      util("both"),
      /^max by \(pod\) \(max by \(namespace, pod\) \(.*DCGM_FI_DEV_GPU_UTIL.* or label_replace\(.*DCGM_FI_PROF_GR_ENGINE_ACTIVE/,
    );
  });
  it("leaves out the dashboards config turns off", () => {
    const ds = generateDashboards(input({ fleet: false, cost: false, workers: [] }));
    assert.deepEqual(
      ds.map((d) => d.uid),
      ["wp-capacity"],
    );
  });
  it("lists every panel query with its source, the cost ones from the recording rules", () => {
    const exprs = dashboardExpressions(input());
    assert.ok(exprs.length > 20);
    assert.ok(exprs.every((e) => /^dashboard [a-z0-9-]+, panel ".+"$/.test(e.source) && e.expr.length > 0));
    const cost = exprs.filter((e) => e.source.startsWith("dashboard wp-cost"));
    assert.ok(cost.some((e) => e.expr.includes(RECORDS.workerCostPerJob)));
    assert.ok(
      exprs.some(
        (e) => e.source === 'dashboard wp-fleet, panel "GPU nodes per pool"' && e.expr.includes('pool=~"gpuspot|gpu"'),
      ),
    );
  });
  it("keeps uids within Grafana's 40 characters for long worker names", () => {
    const a = workerDashboardUid("a".repeat(40));
    const b = workerDashboardUid(`${"a".repeat(39)}b`);
    assert.ok(a.length <= 40 && b.length <= 40 && a !== b);
  });
  it("refuses malformed dashboards, naming the dashboard and field", () => {
    const [d] = generateDashboards(input()) as any[];
    const dup = { ...d, panels: [d.panels[0], { ...d.panels[1], id: d.panels[0].id }] };
    assert.match(validateDashboard(dup).join("\n"), /dashboard wp-fleet: panel id 1 is used twice/);
    const wide = { ...d, panels: [{ ...d.panels[0], gridPos: { x: 20, y: 0, w: 12, h: 8 } }] };
    assert.match(
      validateDashboard(wide).join("\n"),
      /dashboard wp-fleet: panels\.0\.gridPos: x \+ w must be at most 24/,
    );
    const otherDs = { ...d, panels: [{ ...d.panels[0], datasource: { type: "prometheus", uid: "other" } }] };
    assert.match(validateDashboard(otherDs).join("\n"), /panels\.0\.datasource\.uid/);
    const noVersion = { ...d, schemaVersion: undefined };
    assert.match(validateDashboard(noVersion).join("\n"), /schemaVersion/);
    const overlap = { ...d, panels: [d.panels[0], { ...d.panels[1], gridPos: d.panels[0].gridPos }] };
    assert.match(validateDashboard(overlap).join("\n"), /overlaps/);
  });

  describe("config", () => {
    it("a dashboard naming a worker that does not exist names the key", () => {
      const problems = configProblems({
        ...minimalStack(),
        queues: [{ name: "q", kind: "redis" }],
        workers: [cpuWorker()],
        addons: { grafana: { enabled: true } },
        observability: { grafana: { dashboards: { workers: ["w", "ghost"] } } },
      });
      assert.deepEqual(problems, [
        'observability.grafana.dashboards.workers[1]: worker "ghost" does not exist; workers are w, got "ghost"',
      ]);
    });
    it("Grafana without any Prometheus is refused", () => {
      const problems = configProblems({
        ...minimalStack(),
        addons: { grafana: { enabled: true }, prometheus: { enabled: false } },
      });
      assert.match(
        problems.join("\n"),
        /addons\.grafana\.enabled: Grafana's data source is Prometheus, and there is none/,
      );
    });
  });
});

describe("Grafana add-on", () => {
  const obs = {
    alertmanager: { enabled: false, receivers: [], groupBy: [], repeatInterval: "4h" },
    dashboards: {
      namespace: "wp-workloads",
      workers: [{ name: "w", mode: "deployment" as const, gpu: true }],
      fleet: true,
      capacity: true,
      cost: true,
    },
  };
  it("installs with a generated admin Secret, no anonymous admin, Prometheus as data source, dashboards from a ConfigMap", async () => {
    const run = await runAddons("aks", { grafana: { enabled: true } }, { observability: obs });
    const v = run.values("grafana");
    assert.deepEqual(v.admin, {
      existingSecret: "grafana-admin",
      userKey: "admin-user",
      passwordKey: "admin-password",
    });
    assert.deepEqual(v["grafana.ini"]["auth.anonymous"], { enabled: false });
    const [ds] = v.datasources["datasources.yaml"].datasources;
    assert.equal(ds.url, "http://prometheus-server.monitoring.svc:80");
    assert.equal(ds.uid, DATASOURCE_UID);
    assert.deepEqual(v.dashboardsConfigMaps, { "worker-platform": "grafana-dashboards" });
    assert.equal(v.dashboards, undefined, "no `dashboards` value: it adds a download init container");
    assert.equal(v.initChownData.enabled, false);
    assert.equal(v.testFramework.enabled, false);
    assert.equal(v.persistence.enabled, false);
    assert.equal(v.deploymentStrategy, undefined, "without a volume the chart's RollingUpdate is fine");
    assert.ok(!JSON.stringify(v).includes("adminPassword"));
    const secret = run.resources.find(
      (r) => r.type === "kubernetes:core/v1:Secret" && (r.plainInputs.metadata as any).name === "grafana-admin",
    )!;
    assert.equal(secret.inputs.stringData, "[secret]");
    assert.deepEqual(Object.keys(secret.plainInputs.stringData as object).sort(), ["admin-password", "admin-user"]);
    assert.ok(run.resources.some((r) => r.type === "random:index/randomPassword:RandomPassword"));
    const cm = run.resources.find(
      (r) => r.type === "kubernetes:core/v1:ConfigMap" && (r.plainInputs.metadata as any).name === "grafana-dashboards",
    )!;
    const files = Object.keys(cm.plainInputs.data as object);
    assert.deepEqual(files.sort(), ["wp-capacity.json", "wp-cost.json", "wp-fleet.json", "wp-worker-w.json"]);
    for (const f of files) assert.deepEqual(validateDashboard(JSON.parse((cm.plainInputs.data as any)[f])), []);
    assert.ok(run.chart("grafana").dependencies.includes(cm.urn));
    assert.ok(run.outputs.installed.includes("grafana"));
  });
  it("gives anonymous visitors Viewer at most, and keeps the database when asked", async () => {
    const run = await runAddons(
      "aks",
      { grafana: { enabled: true, anonymousViewer: true, persistence: { enabled: true } } },
      { observability: obs },
    );
    const v = run.values("grafana");
    assert.deepEqual(v["grafana.ini"]["auth.anonymous"], { enabled: true, org_role: "Viewer" });
    assert.deepEqual(v.persistence, { enabled: true, type: "pvc", size: "5Gi" });
    assert.equal(v.initChownData.enabled, false);
    // A ReadWriteOnce volume: RollingUpdate's new pod would wait on Multi-Attach forever.
    assert.deepEqual(v.deploymentStrategy, { type: "Recreate" });
  });
  it("is not installed unless enabled", async () => {
    const run = await runAddons("aks");
    assert.ok(!run.charts.has("grafana"));
  });
});
