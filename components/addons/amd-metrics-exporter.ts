import { AMD_METRICS_EXPORTER_PORT, GPU_NODE_DAEMONSET_RESOURCES } from "../../stacks/platform-pods.ts";
import { vendorGpuPools } from "../cluster/handle.ts";
import type { HelmAddon } from "./helm-addon.ts";
import { gpuPlacement } from "./scheduling.ts";

/**
 * AMD device metrics exporter: per-GPU metrics (gpu_gfx_activity, memory, power, ...) labelled with the pod using the
 * GPU (`pod`, `namespace`, from the kubelet pod-resources socket), on the AMD pools only, where the cluster has one.
 * Keys: ROCm/device-metrics-exporter helm-charts/values.yaml and templates/daemonsets.yaml at chart v1.5.1.
 * Its own namespace, like the DCGM exporter: it runs privileged (/dev, /sys, pod-resources hostPaths).
 * Scraped like the DCGM exporter: pod annotations for the in-cluster Prometheus's kubernetes-pods job; the chart's
 * ServiceMonitor (Prometheus Operator CRD, absent here) stays off (its default).
 */
export const amdMetricsExporter: HelmAddon<"amdMetricsExporter"> = {
  key: "amdMetricsExporter",
  release: "amd-metrics-exporter",
  podSecurity: "privileged",
  applies: (cluster) => vendorGpuPools(cluster, "amd").length > 0,
  values(cluster) {
    const placement = gpuPlacement(cluster, "amd");
    return {
      platform: "k8s",
      monitor: { resources: { gpu: true, nic: false } },
      serviceMonitor: { enabled: false },
      podAnnotations: {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": String(AMD_METRICS_EXPORTER_PORT),
        "prometheus.io/path": "/metrics",
      },
      // The containerPort and METRICS_EXPORTER_PORT come from service.ClusterIP.port (templates/daemonsets.yaml).
      service: { type: "ClusterIP", ClusterIP: { port: AMD_METRICS_EXPORTER_PORT } },
      affinity: placement?.affinity ?? {},
      nodeSelector: placement?.nodeSelector ?? {},
      tolerations: placement?.tolerations ?? [],
      // As the DCGM exporter: not needed for the node's pods to run (the device plugin is), one step below node-critical.
      priorityClassName: "system-cluster-critical",
      // Pinned image pull: the chart defaults to Always, which makes every restart depend on the registry.
      image: { pullPolicy: "IfNotPresent" },
      // Counted against every AMD node's allocatable by the fit check (stacks/schema/checks/fit.ts).
      resources: GPU_NODE_DAEMONSET_RESOURCES.amdMetricsExporter,
    };
  },
};
