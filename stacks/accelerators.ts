/**
 * GPU vendors and GPU sharing: the one place that says, for a pool or a workload, which vendor's GPUs it has or asks
 * for, under which extended resource, taint and label, and how many devices a node of a pool advertises (GPUs ×
 * time-slicing replicas, or MIG slices). Pure: the schema checks, the fit check, the simulator, the cluster and
 * add-on components and the headroom placeholders all read it (the policy pack keeps a copy of the constants in
 * policy/rules/lib/platform.ts, held equal by test/policy-conventions.spec.ts).
 */
import { machineShape } from "./machine-types.ts";

export const GPU_VENDORS = ["nvidia", "amd"] as const;
export type GpuVendor = (typeof GPU_VENDORS)[number];

/**
 * The extended resource each vendor's device plugin advertises: NVIDIA/k8s-device-plugin (README, "nvidia.com/gpu"),
 * ROCm/k8s-device-plugin (README: `amd.com/gpu`).
 */
export const GPU_RESOURCES: Record<GpuVendor, string> = { nvidia: "nvidia.com/gpu", amd: "amd.com/gpu" };

/**
 * The taint every GPU pool of a vendor carries, so only pods asking for that vendor's GPUs (and tolerating it) land
 * there: a pod for one vendor never tolerates the other's taint.
 */
export const GPU_TAINTS: Record<GpuVendor, { key: string; value: string; effect: "NoSchedule" }> = {
  nvidia: { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" },
  amd: { key: "amd.com/gpu", value: "present", effect: "NoSchedule" },
};

/** Node label the platform puts on every GPU pool it creates: `nvidia` or `amd` (components/cluster/labels.ts). */
export const GPU_VENDOR_LABEL = "worker-platform/gpu-vendor";

/**
 * The NVIDIA device plugin's per-node config selector: the plugin's config-manager picks the named entry of the
 * chart's `config.map` from this node label (NVIDIA/k8s-device-plugin v0.20.0
 * deployments/helm/nvidia-device-plugin/templates/daemonset-device-plugin.yml, NODE_LABEL).
 */
export const NVIDIA_PLUGIN_CONFIG_LABEL = "nvidia.com/device-plugin.config";

/** `pools[].gpuSharing` as the schema parses it (stacks/schema/cluster.ts). */
export type GpuSharing = { timeSlicing: { replicas: number } } | { mig: { profile: string } };

/**
 * MIG profiles per GPU model of the machine-type table, with the instances one GPU holds in that profile (NVIDIA
 * Multi-Instance GPU User Guide, "Supported MIG Profiles": A100-SXM4-40GB, A100 80GB, H100 80GB, H100 NVL 94GB).
 * A model absent here has no MIG (T4, A10, A10G, L4, L40S, and every AMD GPU).
 */
export const MIG_PROFILES: Record<string, Record<string, number>> = {
  "A100 40GB": { "1g.5gb": 7, "2g.10gb": 3, "3g.20gb": 2, "4g.20gb": 1, "7g.40gb": 1 },
  "A100 80GB": { "1g.10gb": 7, "2g.20gb": 3, "3g.40gb": 2, "4g.40gb": 1, "7g.80gb": 1 },
  H100: { "1g.10gb": 7, "2g.20gb": 3, "3g.40gb": 2, "4g.40gb": 1, "7g.80gb": 1 },
  "H100 NVL": { "1g.12gb": 7, "2g.24gb": 3, "3g.47gb": 2, "4g.47gb": 1, "7g.94gb": 1 },
};

/**
 * AKS partitions a MIG pool's GPUs itself from the agent pool's `gpuInstanceProfile` (MIG1g … MIG7g: azure-native
 * containerservice AgentPool, GPUInstanceProfile), by the compute slices of the profile name.
 */
export const aksGpuInstanceProfile = (profile: string) => `MIG${profile.split(".")[0]}`;

/** What the helpers read of a pool: PoolConfig and the cluster handle's PoolHandle both have it. */
export interface GpuPoolLike {
  /** Absent where a caller knows no machine type (then the declared vendor, else nvidia). */
  machineTypes?: string[];
  gpu?: { count: number; vendor?: GpuVendor };
  gpuSharing?: GpuSharing;
}

/** The vendor of a machine type's GPUs, from the table; undefined for CPU types and types outside the table. */
export function machineGpuVendor(machineType: string): GpuVendor | undefined {
  const shape = machineShape(machineType);
  return shape && shape.gpus > 0 ? (shape.gpuVendor ?? "nvidia") : undefined;
}

/**
 * A GPU pool's vendor: its first machine type's in the table (cloud pools, where clusters.ts checks that the
 * declared one agrees), else the declared `gpu.vendor` (existing clusters), else nvidia. undefined for a CPU pool.
 */
export function poolGpuVendor(pool: GpuPoolLike): GpuVendor | undefined {
  if (!pool.gpu) return undefined;
  return pool.gpu.vendor ?? (pool.machineTypes ?? []).map(machineGpuVendor).find((v) => v) ?? "nvidia";
}

/** The GPU model of a pool's first machine type in the table (for MIG), if known. */
export function poolGpuModel(pool: GpuPoolLike): string | undefined {
  for (const t of pool.machineTypes ?? []) {
    const model = machineShape(t)?.gpuModel;
    if (model) return model;
  }
  return undefined;
}

/** Devices each physical GPU of the pool advertises: time-slicing replicas, MIG instances per GPU, else 1. */
export function devicesPerGpu(pool: GpuPoolLike): number {
  const sharing = pool.gpuSharing;
  if (!sharing) return 1;
  if ("timeSlicing" in sharing) return sharing.timeSlicing.replicas;
  const model = poolGpuModel(pool);
  return (model && MIG_PROFILES[model]?.[sharing.mig.profile]) || 1;
}

/**
 * The GPU devices a node of the pool advertises under its vendor's resource: what the scheduler, the cluster
 * autoscaler's template node, the fit check and the headroom placeholders count. 0 for a CPU pool.
 */
export function gpuDevicesPerNode(pool: GpuPoolLike): number {
  return pool.gpu ? pool.gpu.count * devicesPerGpu(pool) : 0;
}

/** Whether pods on the pool share physical GPUs by time-slicing (no memory or fault isolation between them). */
export const timeSliced = (pool: GpuPoolLike) => !!pool.gpuSharing && "timeSlicing" in pool.gpuSharing;

/**
 * Name of a pool's entry in the NVIDIA device plugin's `config.map` (and the value of its node label
 * NVIDIA_PLUGIN_CONFIG_LABEL), or undefined for a pool that shares nothing (the map's `default`).
 */
export function nvidiaPluginConfigName(pool: GpuPoolLike): string | undefined {
  const sharing = pool.gpuSharing;
  if (!pool.gpu || !sharing) return undefined;
  return "timeSlicing" in sharing ? `time-slicing-${sharing.timeSlicing.replicas}` : "mig-single";
}
