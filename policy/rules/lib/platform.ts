/**
 * Conventions of the worker-platform program that the rules rely on. The pack is its own package (it must load
 * without the program's dependencies), so these are copies; test/policy-conventions.spec.ts fails when they drift
 * from components/cluster/labels.ts, components/workloads/annotations.ts and stacks/machine-types.ts.
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
} as const;

export const GPU_RESOURCE = "nvidia.com/gpu";
export const GPU_TAINT: Taint = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" };
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
/** Annotation on any Kubernetes object: comma-separated policy names waived for it (see docs/policy.md). */
export const WAIVER_ANNOTATION = "policy.worker-platform/waive";

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

/** GPUs per node of known GPU machine types (copy of stacks/machine-types.ts GPU_MACHINE_TYPES). */
export const GPU_MACHINE_TYPES: Record<string, number> = {
  Standard_NC4as_T4_v3: 1,
  Standard_NC8as_T4_v3: 1,
  Standard_NC16as_T4_v3: 1,
  Standard_NC64as_T4_v3: 4,
  Standard_NC24ads_A100_v4: 1,
  Standard_NC48ads_A100_v4: 2,
  Standard_NC96ads_A100_v4: 4,
  Standard_NV36ads_A10_v5: 1,
  Standard_NV72ads_A10_v5: 2,
  Standard_NC40ads_H100_v5: 1,
  Standard_NC80adis_H100_v5: 2,
  Standard_ND96asr_v4: 8,
  Standard_ND96isr_H100_v5: 8,
  "g4dn.xlarge": 1,
  "g4dn.2xlarge": 1,
  "g4dn.4xlarge": 1,
  "g4dn.8xlarge": 1,
  "g4dn.12xlarge": 4,
  "g5.xlarge": 1,
  "g5.2xlarge": 1,
  "g5.4xlarge": 1,
  "g5.8xlarge": 1,
  "g5.12xlarge": 4,
  "g5.48xlarge": 8,
  "g6.xlarge": 1,
  "g6.2xlarge": 1,
  "g6.4xlarge": 1,
  "g6.12xlarge": 4,
  "g6e.xlarge": 1,
  "g6e.12xlarge": 4,
  "p4d.24xlarge": 8,
  "p5.48xlarge": 8,
};

/** Machine families without GPUs (copy of stacks/machine-types.ts CPU_ONLY_FAMILIES). */
export const CPU_ONLY_FAMILIES: RegExp[] = [/^Standard_[BDEFL][0-9]/, /^(m|c|r|t)[0-9][a-z]*\./];

/** GPUs per node of a machine type: a number, 0 for a CPU-only family, undefined when unknown. */
export function knownGpuCount(machineType: string): number | undefined {
  if (machineType in GPU_MACHINE_TYPES) return GPU_MACHINE_TYPES[machineType];
  if (CPU_ONLY_FAMILIES.some((re) => re.test(machineType))) return 0;
  return undefined;
}
