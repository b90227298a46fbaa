/**
 * Requests and limits of the pods the platform itself puts on the nodes: the in-cluster queues, the warm GPU headroom
 * placeholders and the per-GPU-node DaemonSets of the add-ons. The one copy: the components render them
 * (components/workloads/queues.ts, headroom.ts; components/addons/nvidia-device-plugin.ts, dcgm-exporter.ts), and the
 * fit check (stacks/schema/checks/fit.ts, stacks/allocatable.ts) adds them up against the nodes' allocatable.
 */

/** A container's requests and limits as a PodSpec takes them (quantities as strings). */
export interface ContainerResources {
  requests: { cpu: string; memory: string };
  limits: { cpu?: string; memory: string };
}

/** Requests/limits of the in-cluster queues: small, bounded; the policy pack requires both. */
export const QUEUE_RESOURCES = {
  redis: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
  rabbitmq: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } },
} as const satisfies Record<string, ContainerResources>;

/** Requests/limits of a warm-headroom placeholder (`pause`), besides the GPUs it holds. */
export const HEADROOM_RESOURCES = {
  requests: { cpu: "10m", memory: "16Mi" },
  limits: { memory: "16Mi" },
} as const satisfies ContainerResources;

/** How many placeholder pods, with how many GPUs each, hold `headroomGpus` GPUs on a pool: whole nodes, rounded up. */
export function headroomShape(headroomGpus: number, gpusPerNode: number): { replicas: number; gpusPerPod: number } {
  const gpusPerPod = Math.min(headroomGpus, gpusPerNode);
  return { replicas: Math.ceil(headroomGpus / gpusPerPod), gpusPerPod };
}

/**
 * The add-ons' DaemonSets on every GPU node, by add-on key (`addons.<key>`): the chart values' `resources`. A stack's
 * `addons.<key>.values.resources` is merged over them (the fit check reads the merged requests too).
 */
export const GPU_NODE_DAEMONSET_RESOURCES = {
  /** Small: it only registers the GPUs with the kubelet and watches their health. */
  nvidiaDevicePlugin: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
  dcgmExporter: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
  /** As small as NVIDIA's: it registers the GPUs and serves Allocate calls. */
  amdDevicePlugin: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
  /**
   * The chart's own defaults (ROCm/device-metrics-exporter helm-charts/values.yaml v1.5.1: requests 500m / 512M,
   * limits 2 CPU / 4Gi), memory in Mi: no measurement here to size it down by.
   */
  amdMetricsExporter: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "2", memory: "4Gi" } },
} as const satisfies Record<string, ContainerResources>;

/** Which GPU-node DaemonSets run on a vendor's pools (components/addons: each on its vendor's pools only). */
export const GPU_NODE_DAEMONSETS_BY_VENDOR = {
  nvidia: ["nvidiaDevicePlugin", "dcgmExporter"],
  amd: ["amdDevicePlugin", "amdMetricsExporter"],
} as const satisfies Record<string, readonly (keyof typeof GPU_NODE_DAEMONSET_RESOURCES)[]>;

/** Port of the AMD metrics exporter (the chart's default, service.ClusterIP.port 5000). */
export const AMD_METRICS_EXPORTER_PORT = 5000;
