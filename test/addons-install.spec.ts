import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as path from "path";
import { Addons } from "../components/addons/index.ts";
import { addons as addonsSchema } from "../stacks/schema/index.ts";
import { CHARTS } from "../stacks/versions.ts";
import { runUnderMocks } from "../tools/harness.ts";
import { readStackFile } from "../tools/stack-file.ts";
import { fakeCluster } from "./helpers/clusters.ts";
import type { AddonsRun } from "./helpers/addons.ts";
import { CHART_TYPE, runAddons } from "./helpers/addons.ts";

/** Release name → CHARTS key, as the add-on files declare them. */
const RELEASES: Record<string, keyof typeof CHARTS> = {
  keda: "keda",
  "metrics-server": "metricsServer",
  prometheus: "prometheus",
  "prometheus-adapter": "prometheusAdapter",
  "nvidia-device-plugin": "nvidiaDevicePlugin",
  "dcgm-exporter": "dcgmExporter",
  "cluster-autoscaler": "clusterAutoscaler",
};
const NAMESPACES: Record<string, string> = {
  keda: "keda",
  "metrics-server": "kube-system",
  prometheus: "monitoring",
  "prometheus-adapter": "monitoring",
  "nvidia-device-plugin": "nvidia-device-plugin",
  "dcgm-exporter": "dcgm-exporter",
  "cluster-autoscaler": "kube-system",
};

describe("add-ons: what is installed where", () => {
  const expected: Record<string, string[]> = {
    // AKS ships metrics-server and runs its own autoscaler.
    aks: ["keda", "prometheus", "prometheus-adapter", "nvidia-device-plugin", "dcgm-exporter"],
    eks: [
      "keda",
      "metrics-server",
      "prometheus",
      "prometheus-adapter",
      "nvidia-device-plugin",
      "dcgm-exporter",
      "cluster-autoscaler",
    ],
    // No GPU pool: no device plugin, no DCGM exporter.
    existing: ["keda", "metrics-server", "prometheus", "prometheus-adapter"],
  };
  const runs: Record<string, AddonsRun> = {};
  before(async () => {
    for (const kind of ["aks", "eks", "existing"] as const) runs[kind] = await runAddons(kind);
  });

  for (const kind of ["aks", "eks", "existing"] as const) {
    it(`${kind}: installs ${expected[kind].join(", ")} with the pinned chart, version and namespace`, () => {
      const run = runs[kind];
      assert.deepEqual([...run.charts.keys()].sort(), [...expected[kind]].sort());
      assert.deepEqual(run.outputs.installed, expected[kind]);
      for (const release of expected[kind]) {
        const pin = CHARTS[RELEASES[release]];
        const { inputs } = run.chart(release);
        assert.equal(inputs.chart, pin.chart, release);
        assert.equal(inputs.version, pin.version, release);
        assert.deepEqual(inputs.repositoryOpts, { repo: pin.repo }, release);
        assert.equal(inputs.namespace, NAMESPACES[release], release);
        assert.equal(inputs.name, release, "fixed release name");
      }
    });

    it(`${kind}: every chart uses the cluster's provider, is parented to Addons and waits for the node pools`, () => {
      const run = runs[kind];
      const provider = run.resources.find((r) => r.type === "pulumi:providers:kubernetes");
      const pools = run.resources.find((r) => r.type === "test:index:NodePool");
      const component = run.resources.find((r) => r.type === "worker-platform:addons:Addons");
      assert.ok(provider && pools && component);
      for (const chart of run.charts.values()) {
        assert.ok(chart.provider?.startsWith(`${provider.urn}::`), `${chart.name} provider ${chart.provider}`);
        assert.equal(chart.parent, component.urn, chart.name);
        assert.ok(chart.dependencies.includes(pools.urn), `${chart.name} dependsOn cluster.ready`);
      }
    });
  }

  it("creates each namespace once, never kube-system, and orders charts after their namespace", () => {
    const run = runs.eks;
    const namespaces = run.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace");
    const names = namespaces.map((n) => (n.inputs.metadata as { name: string }).name).sort();
    assert.deepEqual(names, ["dcgm-exporter", "keda", "monitoring", "nvidia-device-plugin"]);
    const ns = (name: string) => namespaces.find((n) => (n.inputs.metadata as { name: string }).name === name)!;
    for (const release of ["prometheus", "prometheus-adapter"])
      assert.ok(run.chart(release).dependencies.includes(ns("monitoring").urn), release);
    assert.ok(run.chart("dcgm-exporter").dependencies.includes(ns("dcgm-exporter").urn));
    assert.ok(!run.chart("dcgm-exporter").dependencies.includes(ns("monitoring").urn));
    assert.ok(
      namespaces.every((n) => n.provider?.includes("eks-c-k8s")),
      "namespaces use the cluster's provider",
    );
  });

  const level = (run: AddonsRun, ns: string) =>
    (
      run.resources.find(
        (r) => r.type === "kubernetes:core/v1:Namespace" && (r.inputs.metadata as { name: string }).name === ns,
      )?.inputs.metadata as {
        labels: Record<string, string>;
      }
    ).labels["pod-security.kubernetes.io/enforce"];

  it("privileged only where the DCGM exporter and the device plugin run; monitoring restricted, GPU pools or not", () => {
    assert.equal(level(runs.eks, "dcgm-exporter"), "privileged", "DCGM exporter: root, SYS_ADMIN, hostPath");
    assert.equal(level(runs.eks, "nvidia-device-plugin"), "privileged");
    for (const kind of ["aks", "eks", "existing"] as const) {
      assert.equal(level(runs[kind], "monitoring"), "restricted", kind);
      assert.equal(level(runs[kind], "keda"), "restricted", kind);
    }
  });

  it("labels a shared namespace with the most permissive Pod Security level its add-ons need", async () => {
    const shared = await runAddons("eks", { dcgmExporter: { namespace: "monitoring" } });
    assert.equal(level(shared, "monitoring"), "privileged", "the DCGM exporter back in monitoring");
    assert.equal(shared.chart("dcgm-exporter").inputs.namespace, "monitoring");
  });

  it("Prometheus sub-charts enabled through values lower monitoring's level to what their pods need", async () => {
    const withValues = async (values: Record<string, unknown>) =>
      level(await runAddons("existing", { prometheus: { values } }), "monitoring");
    // Alertmanager keeps the restricted contexts the platform sets (components/addons/alertmanager.ts).
    assert.equal(await withValues({ alertmanager: { enabled: true } }), "restricted");
    assert.equal(await withValues({ "prometheus-pushgateway": { enabled: true } }), "baseline");
    assert.equal(await withValues({ "prometheus-node-exporter": { enabled: true } }), "privileged");
    assert.equal(
      await withValues({ alertmanager: { enabled: false }, "kube-state-metrics": { enabled: true } }),
      "restricted",
    );
  });

  it("outputs the in-cluster Prometheus URL (server service name and port of the chart) and the KEDA chart", () => {
    for (const run of Object.values(runs)) {
      assert.equal(run.outputs.prometheusUrl, "http://prometheus-server.monitoring.svc:80");
      assert.deepEqual(run.outputs.kedaUrns, [run.chart("keda").urn]);
      assert.equal(run.values("prometheus").server.fullnameOverride, "prometheus-server");
      assert.equal(run.values("prometheus").server.service.servicePort, 80);
    }
  });

  it("KEDA objects that dependOn outputs.keda are ordered after the KEDA chart (its CRDs)", async () => {
    const run = await runAddons(
      "aks",
      {},
      {
        extra: (addons, cluster) =>
          new k8s.apiextensions.CustomResource(
            "so",
            {
              apiVersion: "keda.sh/v1alpha1",
              kind: "ScaledObject",
              metadata: { name: "w" },
              spec: { scaleTargetRef: { name: "w" }, triggers: [] },
            },
            { provider: cluster.provider, dependsOn: addons.outputs.keda },
          ),
      },
    );
    const so = run.resources.find((r) => r.type === "kubernetes:keda.sh/v1alpha1:ScaledObject");
    assert.ok(so, "ScaledObject registered");
    assert.ok(so.dependencies.includes(run.chart("keda").urn));
  });

  it("two clusters in one stack do not collide (chart and namespace names carry the cluster name)", async () => {
    const { resources } = await runUnderMocks(() => {
      for (const kind of ["aks", "eks"] as const) {
        const cluster = fakeCluster(kind);
        new Addons(cluster.name, { cluster, config: addonsSchema.parse({}), production: true });
      }
    });
    const charts = resources.filter((r) => r.type === CHART_TYPE);
    assert.equal(charts.length, expected.aks.length + expected.eks.length);
    assert.equal(new Set(resources.map((r) => r.urn)).size, resources.length);
  });
});

describe("add-ons: config", () => {
  it("a version override from config reaches the chart; other pins stay", async () => {
    const run = await runAddons("eks", { keda: { version: "2.19.0" } });
    assert.equal(run.chart("keda").inputs.version, "2.19.0");
    assert.equal(run.chart("prometheus").inputs.version, CHARTS.prometheus.version);
  });

  it("enabled: false removes an add-on; an empty outputs.keda when KEDA is off", async () => {
    const run = await runAddons("eks", {
      dcgmExporter: { enabled: false },
      clusterAutoscaler: { enabled: false },
      keda: { enabled: false },
    });
    assert.ok(!run.charts.has("dcgm-exporter") && !run.charts.has("cluster-autoscaler") && !run.charts.has("keda"));
    assert.ok(run.charts.has("nvidia-device-plugin"));
    assert.deepEqual(run.outputs.kedaUrns, []);
    assert.ok(
      !run.resources.some(
        (r) => r.type === "kubernetes:core/v1:Namespace" && (r.inputs.metadata as { name: string }).name === "keda",
      ),
    );
  });

  it("a custom namespace is created and used", async () => {
    const run = await runAddons("existing", { keda: { namespace: "autoscaling" } });
    assert.equal(run.chart("keda").inputs.namespace, "autoscaling");
    assert.ok(
      run.resources.some(
        (r) =>
          r.type === "kubernetes:core/v1:Namespace" && (r.inputs.metadata as { name: string }).name === "autoscaling",
      ),
    );
  });

  it("externalUrl: no Prometheus chart; the adapter and the output use the external URL", async () => {
    const url = "https://prometheus.example.com:9090";
    const run = await runAddons("aks", { prometheus: { externalUrl: url } });
    assert.ok(!run.charts.has("prometheus"));
    assert.equal(run.outputs.prometheusUrl, url);
    assert.equal(run.values("prometheus-adapter").prometheus.url, url);
  });

  it("no Prometheus at all: no adapter and no URL, with a warning saying so", async () => {
    const run = await runAddons("aks", { prometheus: { enabled: false } });
    assert.ok(!run.charts.has("prometheus") && !run.charts.has("prometheus-adapter"));
    assert.equal(run.outputs.prometheusUrl, undefined);
    assert.deepEqual(run.warnings, [
      "aks-c: no Prometheus (addons.prometheus disabled, no externalUrl): Prometheus Adapter not installed",
    ]);
    assert.deepEqual((await runAddons("aks")).warnings, [], "no warning with the in-cluster Prometheus");
  });

  it("an existing cluster that already runs metrics-server gets none", async () => {
    const run = await runAddons("existing", {}, { cluster: { hasMetricsServer: true } });
    assert.ok(!run.charts.has("metrics-server"));
  });

  it("stack values are deep-merged last: maps merge, lists and scalars replace", async () => {
    const run = await runAddons("aks", {
      keda: {
        values: {
          operator: { replicaCount: 3 },
          tolerations: [{ key: "x", operator: "Exists" }],
          logging: { operator: { level: "debug" } },
        },
      },
    });
    const v = run.values("keda");
    assert.equal(v.operator.replicaCount, 3);
    assert.deepEqual(v.tolerations, [{ key: "x", operator: "Exists" }]);
    assert.equal(v.logging.operator.level, "debug");
    assert.equal(v.metricsServer.replicaCount, 1, "siblings of a merged key stay");
    assert.equal(v.priorityClassName, "system-cluster-critical");
  });
});

describe("add-ons: the shipped stacks' addons config", () => {
  for (const stack of ["dev", "prod", "local"]) {
    it(`${stack}: its addons section installs on a cluster of its cloud`, async () => {
      const file = readStackFile(stack, path.resolve(import.meta.dirname, ".."));
      const raw = file.config["worker-platform:addons"];
      const config = raw === undefined ? {} : JSON.parse(raw);
      const clouds = JSON.parse(file.config["worker-platform:clusters"]).map(
        (c: { cloud: string }) => c.cloud,
      ) as string[];
      const production = JSON.parse(file.config["worker-platform:platform"]).production === true;
      for (const cloud of clouds) {
        const kind = cloud === "azure" ? "aks" : cloud === "aws" ? "eks" : "existing";
        const run = await runAddons(kind, config, { production });
        assert.ok(run.charts.has("keda") && run.charts.has("prometheus"), `${stack}/${kind}`);
        assert.equal(run.values("keda").operator.replicaCount, production ? 2 : 1);
      }
    });
  }
});
