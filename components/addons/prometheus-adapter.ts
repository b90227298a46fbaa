import type { ClusterHandle } from "../cluster/handle.ts";
import { vendorGpuPools } from "../cluster/handle.ts";
import type { AddonsConfig } from "../../stacks/schema/index.ts";
import type { HelmAddon } from "./helm-addon.ts";
import { prometheusUrl } from "./prometheus.ts";
import { systemPlacement } from "./scheduling.ts";
import { adapterRuleSet } from "../../observability/adapter-rules.ts";

/**
 * The chart builds `--prometheus-url={{url}}{{ if port }}:{{port}}{{end}}{{path}}` (templates/deployment.yaml): the
 * whole URL, port and path included, goes in `url` and the empty port (default 9090) is skipped.
 */
function endpoint(url: string): { url: string; port: string; path: string } {
  return { url, port: "", path: "" };
}

/**
 * Prometheus Adapter serving `v1beta1.custom.metrics.k8s.io` ONLY (the chart creates an APIService per non-empty
 * rules group: templates/{custom,external,resource}-metrics-apiservice.yaml):
 * - `rules.external` stays empty: KEDA owns `v1beta1.external.metrics.k8s.io`, only one can exist (kedacore/keda #470);
 * - `rules.resource` stays unset: metrics-server (or AKS's) owns `v1beta1.metrics.k8s.io`;
 * - `rules.default` off: it exposes every container_* and namespaced series (load on Prometheus, accidental names);
 *   explicit rules instead. Keys: prometheus-community/helm-charts charts/prometheus-adapter/values.yaml at
 *   prometheus-adapter-5.3.0.
 * Not installed without a Prometheus to read from.
 */
export const prometheusAdapter: HelmAddon<"prometheusAdapter"> = {
  key: "prometheusAdapter",
  release: "prometheus-adapter",
  // runAsNonRoot, drop ALL, seccomp RuntimeDefault in the chart's defaults.
  podSecurity: "restricted",
  applies: (_cluster, config) => prometheusUrl(config) !== undefined,
  values(cluster, config, env) {
    const { nodeSelector, tolerations } = systemPlacement(cluster);
    const replicas = env.production ? 2 : 1;
    return {
      // applies() guarantees a URL.
      prometheus: endpoint(prometheusUrl(config) ?? ""),
      rules: { default: false, custom: adapterRules(cluster, config), external: [] },
      replicas,
      podDisruptionBudget: replicas > 1 ? { enabled: true, maxUnavailable: 1 } : { enabled: false },
      nodeSelector,
      tolerations,
      priorityClassName: "system-cluster-critical",
      resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
    };
  },
};

/** Custom-metrics rules: DCGM GPU metrics where the cluster has GPU pools and the exporter, and worker metrics. */
export function adapterRules(cluster: ClusterHandle, config: AddonsConfig): unknown[] {
  return adapterRuleSet(vendorGpuPools(cluster, "nvidia").length > 0, config);
}
