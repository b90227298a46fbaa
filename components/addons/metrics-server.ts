import type { HelmAddon } from "./helm-addon.ts";
import { systemPlacement } from "./scheduling.ts";

/**
 * metrics-server (serves `v1beta1.metrics.k8s.io` for cpu/memory HPAs and KEDA's cpu/memory triggers), only where the
 * cluster has none: AKS ships one, and a second collides on that APIService. Keys: kubernetes-sigs/metrics-server
 * charts/metrics-server/values.yaml at metrics-server-helm-chart-3.13.1.
 */
export const metricsServer: HelmAddon<"metricsServer"> = {
  key: "metricsServer",
  release: "metrics-server",
  podSecurity: "restricted",
  applies: (cluster) => !cluster.hasMetricsServer,
  values(cluster, _config, env) {
    const { nodeSelector, tolerations } = systemPlacement(cluster);
    const replicas = env.production ? 2 : 1;
    return {
      replicas,
      podDisruptionBudget: replicas > 1 ? { enabled: true, minAvailable: 1 } : { enabled: false },
      nodeSelector,
      tolerations,
      priorityClassName: "system-cluster-critical",
      resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { memory: "400Mi" } },
    };
  },
};
