import * as assert from "node:assert/strict";
import { ADDONS } from "../components/addons/index.ts";
import { deepMerge } from "../components/addons/helm-addon.ts";
import { gpuPlacement, systemPlacement, tolerate } from "../components/addons/scheduling.ts";
import { AKS_SPOT_TAINT, EKS_SPOT_TAINT, GPU_TAINT, SYSTEM_TAINT } from "../components/cluster/labels.ts";
import { CHARTS, CLUSTER_AUTOSCALER_IMAGE_TAGS } from "../stacks/versions.ts";
import type { AddonsRun } from "./helpers/addons.ts";
import { runAddons } from "./helpers/addons.ts";
import { fakePools } from "./helpers/clusters.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
const tol = (t: { key: string; value: string; effect: string }) => ({
  key: t.key,
  operator: "Equal",
  value: t.value,
  effect: t.effect,
});
const terms = (v: any) =>
  v.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms as {
    matchExpressions: any[];
  }[];
const SYSTEM_RELEASES = ["keda", "metrics-server", "prometheus", "prometheus-adapter", "cluster-autoscaler"];

describe("add-ons: placement derived from the pools", () => {
  const runs: Record<string, AddonsRun> = {};
  before(async () => {
    for (const kind of ["aks", "eks", "existing"] as const)
      runs[kind] = await runAddons(kind, {}, { production: kind !== "existing" });
  });

  it("AKS: system add-ons select the system pool and tolerate CriticalAddonsOnly", () => {
    const system = fakePools("aks")[0];
    for (const release of SYSTEM_RELEASES.filter((r) => runs.aks.charts.has(r))) {
      const v = runs.aks.values(release);
      const placement = release === "prometheus" ? v.server : v;
      assert.deepEqual(placement.nodeSelector, system.selector, release);
      assert.deepEqual(placement.tolerations, [tol(SYSTEM_TAINT)], release);
    }
    assert.deepEqual(runs.aks.values("prometheus")["kube-state-metrics"].tolerations, [tol(SYSTEM_TAINT)]);
  });

  it("EKS: the system pool is tainted CriticalAddonsOnly as on AKS, and tolerated; existing (no system pool): no constraint", () => {
    assert.deepEqual(runs.eks.values("keda").tolerations, [tol(SYSTEM_TAINT)]);
    assert.equal(runs.eks.values("keda").nodeSelector["worker-platform/role"], "system");
    assert.equal(runs.eks.values("keda").nodeSelector["eks.amazonaws.com/capacityType"], "ON_DEMAND");
    assert.deepEqual(runs.existing.values("keda").nodeSelector, {});
    assert.deepEqual(runs.existing.values("keda").tolerations, []);
  });

  it("device plugin and DCGM exporter: required affinity to exactly the GPU pools, tolerating their GPU and spot taints", () => {
    for (const kind of ["aks", "eks"] as const) {
      const gpu = fakePools(kind).filter((p) => p.gpu);
      const spotTaint = kind === "aks" ? AKS_SPOT_TAINT : EKS_SPOT_TAINT;
      for (const release of ["nvidia-device-plugin", "dcgm-exporter"]) {
        const v = runs[kind].values(release);
        const t = terms(v);
        assert.equal(t.length, gpu.length, `${kind} ${release}: one term per GPU pool`);
        gpu.forEach((pool, i) => {
          const asMap = Object.fromEntries(t[i].matchExpressions.map((e: any) => [e.key, e.values[0]]));
          assert.deepEqual(asMap, pool.selector);
          assert.ok(t[i].matchExpressions.every((e: any) => e.operator === "In"));
        });
        // No NFD/GFD label is required any more (the device plugin chart's default affinity).
        assert.ok(!JSON.stringify(v.affinity).includes("feature.node.kubernetes.io"));
        assert.deepEqual(v.tolerations, [tol(GPU_TAINT), tol(spotTaint)], `${kind} ${release}`);
        assert.ok(!v.tolerations.some((x: any) => x.key === SYSTEM_TAINT.key), "not on system pools");
      }
    }
  });

  it("pure helpers: tolerate() dedupes and uses Exists for value-less taints; gpuPlacement() is undefined without GPU pools", () => {
    assert.deepEqual(tolerate([GPU_TAINT, GPU_TAINT, { key: "k", value: "", effect: "NoExecute" }]), [
      tol(GPU_TAINT),
      { key: "k", operator: "Exists", effect: "NoExecute" },
    ]);
    const existing = { pools: fakePools("existing") } as any;
    assert.equal(gpuPlacement(existing), undefined);
    assert.deepEqual(systemPlacement(existing), { nodeSelector: {}, tolerations: [] });
    // A GPU pool that declares no labels is every node: no affinity (an empty term would match no node).
    const bare = { pools: [{ ...fakePools("existing")[0], gpu: { count: 1, type: "t" }, taints: [GPU_TAINT] }] } as any;
    assert.deepEqual(gpuPlacement(bare), { nodeSelector: {}, tolerations: [tol(GPU_TAINT)] });
  });

  it("every pod-running add-on has requests, a memory limit and a priority class (device plugin: node-critical)", () => {
    for (const kind of ["aks", "eks", "existing"] as const) {
      for (const [release, chart] of runs[kind].charts) {
        const v = chart.inputs.values as any;
        const blocks: [string, any][] =
          release === "keda"
            ? ["operator", "metricServer", "webhooks"].map((k): [string, any] => [k, v.resources?.[k]])
            : release === "prometheus"
              ? [
                  ["server", v.server.resources],
                  ["kube-state-metrics", v["kube-state-metrics"].resources],
                  ["configmap-reload", v.configmapReload.prometheus.resources],
                ]
              : [[release, v.resources]];
        for (const [what, r] of blocks) {
          assert.ok(r?.requests?.cpu && r.requests.memory && r.limits?.memory, `${kind} ${release} ${what}`);
        }
        const priorities =
          release === "prometheus"
            ? [v.server.priorityClassName, v["kube-state-metrics"].priorityClassName]
            : [v.priorityClassName];
        for (const priority of priorities) {
          assert.equal(
            priority,
            release === "nvidia-device-plugin" ? "system-node-critical" : "system-cluster-critical",
            `${kind} ${release}`,
          );
        }
      }
    }
  });
});

describe("add-ons: values that matter", () => {
  let prod: AddonsRun;
  let dev: AddonsRun;
  let bare: AddonsRun;
  before(async () => {
    prod = await runAddons("eks", {}, { production: true });
    dev = await runAddons("aks", {}, { production: false });
    bare = await runAddons("existing");
  });

  it("KEDA: operator, metrics API server and webhooks with Prometheus metrics, no ServiceMonitor/PodMonitor", () => {
    const v = dev.values("keda");
    assert.equal(v.crds.install, true);
    assert.equal(v.webhooks.enabled, true);
    for (const c of ["operator", "metricServer", "webhooks"]) {
      assert.equal(v.prometheus[c].serviceMonitor.enabled, false, c);
      assert.notEqual(v.prometheus[c].podMonitor?.enabled, true, c);
    }
  });

  it("KEDA: each component is scraped exactly once (the metrics API server by its pods, not also its Service)", () => {
    const v = dev.values("keda");
    // What the chart annotates prometheus.io/scrape, per kedacore/charts v2.20.2 templates: the Services of the
    // operator, metrics server and webhooks when prometheus.<c>.enabled and no Service/PodMonitor; the metrics
    // server's pods under the same condition, plus podAnnotations.metricsAdapter; other pods only podAnnotations.
    const monitors = (c: string) => v.prometheus[c].serviceMonitor?.enabled || v.prometheus[c].podMonitor?.enabled;
    const chartAnnotates = (c: string) => v.prometheus[c].enabled === true && !monitors(c);
    const podAnnotated = (key: string) => v.podAnnotations?.[key]?.["prometheus.io/scrape"] === "true";
    const targets = {
      operator: [chartAnnotates("operator"), podAnnotated("keda")],
      metricServer: [chartAnnotates("metricServer"), chartAnnotates("metricServer") || podAnnotated("metricsAdapter")],
      webhooks: [chartAnnotates("webhooks"), podAnnotated("webhooks")],
    };
    for (const [c, [service, pods]] of Object.entries(targets))
      assert.equal(Number(service) + Number(pods), 1, `${c}: Service ${service}, pods ${pods}`);
    // The pods' annotation names the port the chart serves the metrics on (--port and containerPort).
    assert.equal(v.podAnnotations.metricsAdapter["prometheus.io/port"], String(v.prometheus.metricServer.port));
  });

  it("KEDA: 2 replicas with PDBs in production, 1 without elsewhere; keda.replicas overrides", async () => {
    const p = prod.values("keda");
    for (const c of ["operator", "metricsServer", "webhooks"]) assert.equal(p[c].replicaCount, 2, c);
    assert.deepEqual(p.podDisruptionBudget, {
      operator: { minAvailable: 1 },
      metricServer: { minAvailable: 1 },
      webhooks: { minAvailable: 1 },
    });
    const d = dev.values("keda");
    assert.equal(d.operator.replicaCount, 1);
    assert.deepEqual(d.podDisruptionBudget, { operator: {}, metricServer: {}, webhooks: {} });
    const three = await runAddons("aks", { keda: { replicas: 3 } });
    assert.equal(three.values("keda").metricsServer.replicaCount, 3);
  });

  it("Prometheus Adapter: custom.metrics only (no external, no resource rules, no default rules)", () => {
    for (const run of [prod, dev, bare]) {
      const { rules, prometheus } = run.values("prometheus-adapter");
      assert.deepEqual(rules.external, [], "KEDA owns external.metrics.k8s.io (kedacore/keda #470)");
      assert.ok(!("resource" in rules), "metrics-server owns metrics.k8s.io");
      assert.equal(rules.default, false);
      assert.ok(rules.custom.length > 0, "at least one rule, or the chart creates no custom-metrics APIService");
      assert.equal(prometheus.url, "http://prometheus-server.monitoring.svc:80");
      assert.equal(prometheus.port, "");
    }
  });

  it("Prometheus Adapter: per-pod DCGM GPU utilisation on GPU clusters only, worker metrics everywhere", () => {
    const queries = (run: AddonsRun) =>
      run.values("prometheus-adapter").rules.custom.map((r: any) => r.seriesQuery as string);
    // The rule's series selector must select DCGM_FI_DEV_GPU_UTIL by name.
    const selects = (q: string, metric: string) => new RegExp(/__name__=~"([^"]+)"/.exec(q)?.[1] ?? "$^").test(metric);
    const dcgm = prod
      .values("prometheus-adapter")
      .rules.custom.find((r: any) => selects(r.seriesQuery, "DCGM_FI_DEV_GPU_UTIL"));
    assert.ok(dcgm, "DCGM rule on EKS");
    assert.deepEqual(dcgm.resources.overrides, { namespace: { resource: "namespace" }, pod: { resource: "pod" } });
    assert.match(dcgm.seriesQuery, /pod!=""/);
    // Idle GPUs' series carry the exporter's own pod (from the scrape target) but no container label: excluded.
    assert.match(dcgm.seriesQuery, /container!=""/);
    assert.ok(!queries(bare).some((q: string) => q.includes("DCGM")), "no DCGM rule without GPU pools");
    assert.ok(queries(bare).some((q: string) => q.includes("^worker_")));
  });

  it("Prometheus Adapter: worker gauges exclude counters and histogram/summary series (_sum, _count, _bucket, quantiles)", () => {
    const rules = bare.values("prometheus-adapter").rules.custom;
    // The adapter's discovery: the seriesQuery's name regex, then every seriesFilters entry (is / isNot) on the name.
    const discovers = (r: any, name: string) =>
      new RegExp(/__name__=~"([^"]+)"/.exec(r.seriesQuery)![1]).test(name) &&
      (r.seriesFilters ?? []).every((f: any) => (f.is ? new RegExp(f.is).test(name) : !new RegExp(f.isNot).test(name)));
    const gauge = rules.find((r: any) => r.name.as === "$1");
    const counter = rules.find((r: any) => r.name.as === "${1}_per_second");
    for (const name of ["worker_queue_depth", "worker_inflight_jobs", "worker_gpu_memory_bytes"])
      assert.ok(discovers(gauge, name) && !discovers(counter, name), name);
    for (const name of [
      "worker_job_seconds_sum",
      "worker_job_seconds_count",
      "worker_job_seconds_bucket",
      "worker_jobs_done_total",
    ])
      assert.ok(!discovers(gauge, name), name);
    assert.ok(discovers(counter, "worker_jobs_done_total"));
    // A summary's quantile series carry the base name: the quantile label keeps them out.
    assert.match(gauge.seriesQuery, /,quantile=""}$/);
  });

  it("Prometheus Adapter: the worker metric prefix comes from config; counters become per-second rates", async () => {
    const run = await runAddons("existing", { prometheusAdapter: { workerMetricPrefix: "acme_" } });
    const rules = run.values("prometheus-adapter").rules.custom;
    assert.ok(rules.every((r: any) => r.seriesQuery.includes("^acme_")));
    const counter = rules.find((r: any) => r.seriesQuery.includes('_total$",') && !r.seriesQuery.includes("!~"));
    assert.deepEqual(counter.name, { matches: "^(.*)_total$", as: "${1}_per_second" });
    assert.match(counter.metricsQuery, /rate\(/);
  });

  it("DCGM exporter: serviceMonitor off (no operator CRDs) and scraped through pod annotations", () => {
    const v = prod.values("dcgm-exporter");
    assert.equal(v.serviceMonitor.enabled, false);
    assert.deepEqual(v.podAnnotations, {
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "9400",
      "prometheus.io/path": "/metrics",
    });
  });

  it("DCGM exporter in a namespace of its own: Prometheus still finds it and the adapter's DCGM rule still matches", async () => {
    const moved = await runAddons("eks", { dcgmExporter: { namespace: "gpu-telemetry" } });
    assert.equal(moved.chart("dcgm-exporter").inputs.namespace, "gpu-telemetry");
    // Discovery is the chart's kubernetes-pods job over every namespace: the platform leaves the scrape configs alone.
    assert.ok(!("serverFiles" in moved.values("prometheus")), "scrape configs untouched");
    assert.equal(moved.values("dcgm-exporter").podAnnotations["prometheus.io/scrape"], "true");
    // The rule maps the exporter's own pod/namespace labels (the GPU's user), whatever namespace the exporter is in.
    const rules = (run: AddonsRun) =>
      run.values("prometheus-adapter").rules.custom.filter((r: any) => r.seriesQuery.includes("DCGM_FI_DEV_"));
    assert.equal(rules(moved).length, 1);
    assert.deepEqual(rules(moved), rules(prod));
    assert.doesNotMatch(rules(moved)[0].seriesQuery, /namespace="|namespace=~/);
  });

  it("DCGM exporter: listens where its probes, Service and scrape annotation point (service.address with service.port)", async () => {
    assert.deepEqual(prod.values("dcgm-exporter").service, { port: 9400, address: ":9400" });
    const moved = await runAddons("eks", { dcgmExporter: { values: { service: { port: 9500 } } } });
    const v = moved.values("dcgm-exporter");
    assert.deepEqual(v.service, { port: 9500, address: ":9500" });
    assert.equal(v.podAnnotations["prometheus.io/port"], "9500");
  });

  it("Prometheus: the scrape timeout goes with the interval (never above it: Prometheus would reject its config)", async () => {
    const global = async (prometheus: Record<string, unknown>) =>
      (await runAddons("existing", { prometheus })).values("prometheus").server.global;
    assert.deepEqual(dev.values("prometheus").server.global, { scrape_interval: "15s", scrape_timeout: "10s" });
    assert.deepEqual(await global({ scrapeInterval: "5s" }), { scrape_interval: "5s", scrape_timeout: "5s" });
    assert.deepEqual(await global({ scrapeInterval: "10s" }), { scrape_interval: "10s", scrape_timeout: "10s" });
    assert.deepEqual(await global({ scrapeInterval: "1m", scrapeTimeout: "30s" }), {
      scrape_interval: "1m",
      scrape_timeout: "30s",
    });
  });

  it("Prometheus: the server pod meets Pod Security restricted (seccomp, no privilege escalation, drop ALL)", () => {
    const v = dev.values("prometheus");
    assert.deepEqual(v.server.securityContext, { seccompProfile: { type: "RuntimeDefault" } });
    for (const [where, sc] of [
      ["server", v.server.containerSecurityContext],
      ["configmap-reload", v.configmapReload.prometheus.containerSecurityContext],
    ]) {
      assert.equal(sc.allowPrivilegeEscalation, false, where);
      assert.deepEqual(sc.capabilities.drop, ["ALL"], where);
    }
  });

  it("Prometheus: retention, storage and scrape interval from config; alertmanager and pushgateway off", async () => {
    const v = dev.values("prometheus");
    assert.equal(v.server.retention, "15d");
    assert.equal(v.server.persistentVolume.size, "50Gi");
    assert.equal(v.server.global.scrape_interval, "15s");
    assert.equal(v.alertmanager.enabled, false);
    assert.equal(v["prometheus-pushgateway"].enabled, false);
    const custom = await runAddons("existing", {
      prometheus: { retention: "2d", storageSize: "2Gi", scrapeInterval: "30s" },
    });
    const c = custom.values("prometheus");
    assert.deepEqual(
      [c.server.retention, c.server.persistentVolume.size, c.server.global.scrape_interval],
      ["2d", "2Gi", "30s"],
    );
  });

  it("cluster-autoscaler (EKS): discovery, region, IRSA service account, image matching the minor, profile flags", () => {
    const v = prod.values("cluster-autoscaler");
    assert.equal(v.cloudProvider, "aws");
    assert.equal(v.awsRegion, "eu-west-1");
    assert.equal(v.autoDiscovery.clusterName, "eks-c-cluster");
    assert.equal(v.rbac.serviceAccount.name, "cluster-autoscaler");
    assert.equal(
      v.rbac.serviceAccount.annotations["eks.amazonaws.com/role-arn"],
      "arn:aws:iam::123456789012:role/eks-c-autoscaler",
    );
    assert.equal(v.image.tag, CLUSTER_AUTOSCALER_IMAGE_TAGS["1.34"]);
    assert.equal(v.extraArgs.expander, "priority,least-waste");
    assert.equal(v.extraArgs["scale-down-unneeded-time"], "15m");
    assert.equal(v.extraArgs["max-graceful-termination-sec"], 900);
    assert.equal(v.extraArgs["balance-similar-node-groups"], true);
    assert.equal(v.extraArgs["skip-nodes-with-local-storage"], false);
    // node_group_backoff_status (ClusterAutoscalerNodeGroupBackoff) exists only with this flag (default false).
    assert.equal(v.extraArgs["emit-per-nodegroup-metrics"], true);
    assert.ok(
      !Object.keys(v.extraArgs).some((k) => k.includes("gpu-node-label")),
      "no such flag: the AWS provider's GPU label is fixed",
    );
    assert.deepEqual(v.expanderPriorities, { 10: [".*"], 20: [".*gpuspot.*"] });
  });

  it("cluster-autoscaler: imageTag from config wins; an unknown minor without one fails with the key to set", async () => {
    const pinned = await runAddons("eks", { clusterAutoscaler: { imageTag: "v1.34.0" } });
    assert.equal(pinned.values("cluster-autoscaler").image.tag, "v1.34.0");
    await assert.rejects(
      runAddons(
        "eks",
        {},
        { cluster: (c) => ({ autoscalerChart: { ...c.autoscalerChart!, kubernetesVersion: "1.20" } }) },
      ),
      /addons\.clusterAutoscaler\.imageTag/,
    );
  });

  it("device plugin: GFD off, the chart's NFD-based default affinity replaced", () => {
    const v = prod.values("nvidia-device-plugin");
    assert.equal(v.gfd.enabled, false);
    assert.ok(v.affinity.nodeAffinity);
  });
});

describe("add-ons: helpers and the registry", () => {
  it("deepMerge: maps merge, lists and scalars replace, null is kept (Helm deletes the default)", () => {
    const merged = deepMerge({ a: { b: 1, c: [1, 2] }, d: "x" }, { a: { c: [3], e: null }, d: "y" });
    assert.deepEqual(merged, { a: { b: 1, c: [3], e: null }, d: "y" });
  });

  it("lists each add-on once, with a distinct release name and a CHARTS key", () => {
    assert.equal(new Set(ADDONS.map((a) => a.key)).size, ADDONS.length);
    assert.equal(new Set(ADDONS.map((a) => a.release)).size, ADDONS.length);
    // Every pinned chart is installed by exactly one add-on, and every add-on's chart is pinned.
    assert.deepEqual(ADDONS.map((a) => a.key).sort(), Object.keys(CHARTS).sort());
  });
});
