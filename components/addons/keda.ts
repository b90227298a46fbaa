import type { HelmAddon } from "./helm-addon.ts";
import { systemPlacement } from "./scheduling.ts";

const RESOURCES = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "1000Mi" } };

/**
 * KEDA: operator, metrics API server (owns `v1beta1.external.metrics.k8s.io`, kedacore/keda #470) and admission
 * webhooks. Keys: kedacore/charts keda/values.yaml at v2.20.2.
 */
export const keda: HelmAddon<"keda"> = {
  key: "keda",
  release: "keda",
  // The chart sets runAsNonRoot, drop ALL, no privilege escalation and seccomp RuntimeDefault on all three pods.
  podSecurity: "restricted",
  applies: () => true,
  values(cluster, config, env) {
    const replicas = config.keda.replicas ?? (env.production ? 2 : 1);
    const { nodeSelector, tolerations } = systemPlacement(cluster);
    // Only one replica leads/serves; more only shorten failover (values.yaml, operator.replicaCount), hence PDBs.
    const pdb = replicas > 1 ? { minAvailable: 1 } : {};
    return {
      crds: { install: true },
      operator: { replicaCount: replicas },
      metricsServer: { replicaCount: replicas },
      webhooks: { enabled: true, replicaCount: replicas },
      podDisruptionBudget: { operator: pdb, metricServer: pdb, webhooks: pdb },
      // Top-level placement applies to all three components (operator.nodeSelector | default .Values.nodeSelector).
      nodeSelector,
      tolerations,
      priorityClassName: "system-cluster-critical",
      resources: { operator: RESOURCES, metricServer: RESOURCES, webhooks: RESOURCES },
      // Metrics per scaler (keda_scaler_metrics_value: the queue depth KEDA saw) for the in-cluster Prometheus. With
      // no ServiceMonitor/PodMonitor enabled the chart itself annotates the Services prometheus.io/scrape (templates
      // manager/service.yaml, metrics-server/service.yaml, webhooks/service.yaml): no Prometheus Operator CRDs needed.
      prometheus: {
        operator: { enabled: true, serviceMonitor: { enabled: false }, podMonitor: { enabled: false } },
        metricServer: { enabled: true, serviceMonitor: { enabled: false }, podMonitor: { enabled: false } },
        webhooks: { enabled: true, serviceMonitor: { enabled: false } },
      },
    };
  },
};
