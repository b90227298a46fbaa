/**
 * Conventions of the worker-platform program that the rules rely on. The pack is its own package (it must load
 * without the program's dependencies), so these are copies; test/policy-conventions.spec.ts fails when they drift
 * from components/cluster/labels.ts, components/workloads/annotations.ts and stacks/machine-types.ts (the node
 * reservation model, stacks/allocatable.ts and stacks/platform-pods.ts, is copied in ./allocatable.ts).
 */
export interface Taint {
  key: string;
  value: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

export const LABELS = {
  pool: "worker-platform/pool",
  gpu: "worker-platform/gpu",
  gpuCount: "worker-platform/gpu-count",
  capacity: "worker-platform/capacity",
  gpuVendor: "worker-platform/gpu-vendor",
  gpuDevices: "worker-platform/gpu-devices",
} as const;

export const GPU_RESOURCE = "nvidia.com/gpu";
export const GPU_TAINT: Taint = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" };
/** Per GPU vendor: the extended resource and the taint (copy of stacks/accelerators.ts GPU_RESOURCES, GPU_TAINTS). */
export const GPU_RESOURCES = { nvidia: "nvidia.com/gpu", amd: "amd.com/gpu" } as const;
export type GpuVendor = keyof typeof GPU_RESOURCES;
export const GPU_TAINTS: Record<keyof typeof GPU_RESOURCES, Taint> = {
  nvidia: GPU_TAINT,
  amd: { key: "amd.com/gpu", value: "present", effect: "NoSchedule" },
};
/** A pool's GPU vendor from its first machine type in the table (nvidia where the table does not say). */
export function machineTypesGpuVendor(machineTypes: string[]): keyof typeof GPU_RESOURCES {
  const t = machineTypes.find((m) => Object.hasOwn(MACHINE_TYPES, m) && MACHINE_TYPES[m].gpus > 0);
  return t && MACHINE_TYPES[t].gpuVendor === "amd" ? "amd" : "nvidia";
}
/** AKS adds this taint to every spot pool itself, so it is not among the AgentPool's nodeTaints (AKS docs). */
export const AKS_SPOT_TAINT: Taint = {
  key: "kubernetes.azure.com/scalesetpriority",
  value: "spot",
  effect: "NoSchedule",
};
/** EKS adds no taint to SPOT managed node groups; the platform adds this one so spot stays opt-in. */
export const EKS_SPOT_TAINT: Taint = { key: "worker-platform/capacity", value: "spot", effect: "NoSchedule" };

/** Annotation on a worker Deployment (or ScaledJob): the longest a single job may run, in seconds. */
export const MAX_JOB_DURATION_ANNOTATION = "worker-platform/max-job-duration-seconds";
/**
 * Annotation on every Deployment/StatefulSet the program scales with an autoscaler: `keda` (workers, ScaledObject)
 * or `hpa` (services, HorizontalPodAutoscaler). scaled-workload-omits-replicas reads it from the resource's inputs;
 * scaled-workload-marked checks, on the stack's outputs, that every autoscaler target carries it.
 */
export const SCALED_BY_ANNOTATION = "worker-platform/scaled-by";
/** The autoscaler kind each SCALED_BY_ANNOTATION value stands for. */
export const SCALED_BY_VALUES: Record<string, "ScaledObject" | "HorizontalPodAutoscaler"> = {
  keda: "ScaledObject",
  hpa: "HorizontalPodAutoscaler",
};
/**
 * Annotation on a worker Deployment: the cluster autoscaler's max-graceful-termination-sec on its cluster, in seconds,
 * as the program configured it. scale-in-safety reads it first: under the CLI a helm.v4.Chart's props are its outputs,
 * so the cluster-autoscaler chart's values are not visible to a stack rule.
 */
export const GRACE_CAP_ANNOTATION = "worker-platform/autoscaler-max-graceful-termination-seconds";
/**
 * The DCGM exporter's GPU utilisation gauge, which the program's `gpu` triggers query per pod (copy of
 * components/workloads/triggers.ts GPU_UTIL_METRIC): a prometheus trigger on it measures the worker's own pods.
 */
export const GPU_UTIL_METRIC = "DCGM_FI_DEV_GPU_UTIL";
/** Annotation on any Kubernetes object: comma-separated policy names waived for it (see docs/policy.md). */
export const WAIVER_ANNOTATION = "policy.worker-platform/waive";

/** A machine type's shape (copy of stacks/machine-types.ts MachineShape). */
export interface MachineShape {
  cloud: "azure" | "aws";
  vcpus: number;
  memoryGiB: number;
  gpus: number;
  gpuModel?: string;
  /** Vendor of the GPUs; absent for CPU types and NVIDIA ones. */
  gpuVendor?: "amd";
  /** AWS: pods per node the kubelet allows; absent on Azure, where it is a pool setting. */
  maxPods?: number;
}

const azure = (vcpus: number, memoryGiB: number, gpus = 0, gpuModel?: string): MachineShape => ({
  cloud: "azure",
  vcpus,
  memoryGiB,
  gpus,
  ...(gpuModel ? { gpuModel } : {}),
});
const aws = (vcpus: number, memoryGiB: number, maxPods: number, gpus = 0, gpuModel?: string): MachineShape => ({
  cloud: "aws",
  vcpus,
  memoryGiB,
  gpus,
  ...(gpuModel ? { gpuModel } : {}),
  maxPods,
});

/** Copy of stacks/machine-types.ts MACHINE_TYPES (its sources are there). */
export const MACHINE_TYPES: Record<string, MachineShape> = {
  // Azure general purpose (Dsv5)
  Standard_D4s_v5: azure(4, 16),
  Standard_D8s_v5: azure(8, 32),
  // Azure GPU
  Standard_NC4as_T4_v3: azure(4, 28, 1, "T4"),
  Standard_NC8as_T4_v3: azure(8, 56, 1, "T4"),
  Standard_NC16as_T4_v3: azure(16, 110, 1, "T4"),
  Standard_NC64as_T4_v3: azure(64, 440, 4, "T4"),
  Standard_NC24ads_A100_v4: azure(24, 220, 1, "A100 80GB"),
  Standard_NC48ads_A100_v4: azure(48, 440, 2, "A100 80GB"),
  Standard_NC96ads_A100_v4: azure(96, 880, 4, "A100 80GB"),
  Standard_NV36ads_A10_v5: azure(36, 440, 1, "A10"),
  Standard_NV72ads_A10_v5: azure(72, 880, 2, "A10"),
  Standard_NC40ads_H100_v5: azure(40, 320, 1, "H100 NVL"),
  Standard_NC80adis_H100_v5: azure(80, 640, 2, "H100 NVL"),
  Standard_ND96asr_v4: azure(96, 900, 8, "A100 40GB"),
  Standard_ND96isr_H100_v5: azure(96, 1900, 8, "H100"),
  Standard_ND96isr_MI300X_v5: { ...azure(96, 1850, 8, "MI300X"), gpuVendor: "amd" },
  // AWS general purpose, compute and memory optimized (max pods: ENIs × (IPs per ENI − 1) + 2)
  "m6i.xlarge": aws(4, 16, 58),
  "m6i.2xlarge": aws(8, 32, 58),
  "m6a.2xlarge": aws(8, 32, 58),
  "m7i.2xlarge": aws(8, 32, 58),
  "c6i.xlarge": aws(4, 8, 58),
  "x2idn.16xlarge": aws(64, 1024, 737),
  // AWS accelerated computing
  "g4dn.xlarge": aws(4, 16, 29, 1, "T4"),
  "g4dn.2xlarge": aws(8, 32, 29, 1, "T4"),
  "g4dn.4xlarge": aws(16, 64, 29, 1, "T4"),
  "g4dn.8xlarge": aws(32, 128, 58, 1, "T4"),
  "g4dn.12xlarge": aws(48, 192, 234, 4, "T4"),
  "g5.xlarge": aws(4, 16, 58, 1, "A10G"),
  "g5.2xlarge": aws(8, 32, 58, 1, "A10G"),
  "g5.4xlarge": aws(16, 64, 234, 1, "A10G"),
  "g5.8xlarge": aws(32, 128, 234, 1, "A10G"),
  "g5.12xlarge": aws(48, 192, 737, 4, "A10G"),
  "g5.48xlarge": aws(192, 768, 345, 8, "A10G"),
  "g6.xlarge": aws(4, 16, 58, 1, "L4"),
  "g6.2xlarge": aws(8, 32, 58, 1, "L4"),
  "g6.4xlarge": aws(16, 64, 234, 1, "L4"),
  "g6.12xlarge": aws(48, 192, 234, 4, "L4"),
  "g6e.xlarge": aws(4, 32, 58, 1, "L40S"),
  "g6e.12xlarge": aws(48, 384, 292, 4, "L40S"),
  "p4d.24xlarge": aws(96, 1152, 737, 8, "A100 40GB"),
  "p5.48xlarge": aws(192, 2048, 100, 8, "H100"),
  "g4ad.xlarge": { ...aws(4, 16, 8, 1, "Radeon Pro V520"), gpuVendor: "amd" },
  "g4ad.2xlarge": { ...aws(8, 32, 8, 1, "Radeon Pro V520"), gpuVendor: "amd" },
  "g4ad.4xlarge": { ...aws(16, 64, 29, 1, "Radeon Pro V520"), gpuVendor: "amd" },
};

/**
 * Built-in Azure Service Bus data roles (copy of components/workloads/cloud-identity.ts SERVICE_BUS_ROLES plus Data
 * Sender; Azure docs, "Azure built-in roles for Integration"): cloud-identity-least-privilege keeps their assignments
 * on a queue or topic.
 */
export const SERVICE_BUS_ROLES = {
  dataReceiver: "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
  dataOwner: "090c5cfd-751d-490a-894a-3ce6f1109419",
  dataSender: "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
} as const;

/** GPUs per node of the GPU machine types (copy of stacks/machine-types.ts GPU_MACHINE_TYPES). */
export const GPU_MACHINE_TYPES: Record<string, number> = Object.fromEntries(
  Object.entries(MACHINE_TYPES)
    .filter(([, s]) => s.gpus > 0)
    .map(([t, s]) => [t, s.gpus]),
);

/** Machine families without GPUs (copy of stacks/machine-types.ts CPU_ONLY_FAMILIES). */
export const CPU_ONLY_FAMILIES: RegExp[] = [/^Standard_[BDEFL][0-9]/, /^(m|c|r|t)[0-9][a-z]*\./];

/** GPUs per node of a machine type: a number, 0 for a CPU-only family, undefined when unknown. */
export function knownGpuCount(machineType: string): number | undefined {
  if (Object.hasOwn(MACHINE_TYPES, machineType)) return MACHINE_TYPES[machineType].gpus;
  if (CPU_ONLY_FAMILIES.some((re) => re.test(machineType))) return 0;
  return undefined;
}

/**
 * Alertmanager's configuration as the program writes it (copy of components/addons/alertmanager.ts
 * ALERTMANAGER_CONFIG_MAP): a ConfigMap of its own, next to the prometheus chart, whose `alertmanager.yml` is JSON.
 */
export const ALERTMANAGER_CONFIG_MAP = "alertmanager-config";
/**
 * Alert names of the program's rules (copy of observability/names.ts ALERTS.backlogHigh and ALERTS.scalerErrors),
 * each rule labelled `worker: <name>`: observability-alerts-cover-workers looks for them per worker.
 */
export const WORKER_ALERTS = { backlogHigh: "WorkerBacklogHigh", scalerErrors: "WorkerScalerFailing" } as const;
/** The prometheus chart's rule file for alerts (values.yaml serverFiles, copy of components/addons/prometheus.ts). */
export const ALERTING_RULES_FILE = "alerting_rules.yml";
