import type { GpuPoolLike } from "../../stacks/accelerators.ts";
import {
  GPU_TAINTS,
  GPU_VENDOR_LABEL,
  NVIDIA_PLUGIN_CONFIG_LABEL,
  gpuDevicesPerNode,
  nvidiaPluginConfigName,
  poolGpuVendor,
} from "../../stacks/accelerators.ts";
import type { Taint } from "../../stacks/schema/index.ts";

/** Node labels the platform puts on every pool it creates; workloads select on these, never on hostnames. */
export const LABELS = {
  pool: "worker-platform/pool",
  role: "worker-platform/role",
  /** "true" | "false" */
  gpu: "worker-platform/gpu",
  /** GPUs per node, e.g. "1" (GPU pools only) */
  gpuCount: "worker-platform/gpu-count",
  /** "spot" | "on-demand" */
  capacity: "worker-platform/capacity",
  /** "nvidia" | "amd" (GPU pools only) */
  gpuVendor: GPU_VENDOR_LABEL,
  /** GPU devices per node under the vendor's resource: GPUs × time-slicing replicas or MIG instances (GPU pools only) */
  gpuDevices: "worker-platform/gpu-devices",
} as const;

/**
 * Every NVIDIA GPU pool carries this taint on every cloud, so only pods that ask for a GPU land there; AMD pools carry
 * amd.com/gpu=present:NoSchedule instead (stacks/accelerators.ts GPU_TAINTS).
 */
export const GPU_TAINT: Taint = GPU_TAINTS.nvidia;

/** AKS adds this label and taint to spot pools itself (AKS docs, "Add a spot node pool"). */
export const AKS_SPOT_TAINT: Taint = {
  key: "kubernetes.azure.com/scalesetpriority",
  value: "spot",
  effect: "NoSchedule",
};

/** EKS adds no taint to spot managed node groups; the platform adds this one so spot is opt-in as on AKS. */
export const EKS_SPOT_TAINT: Taint = { key: "worker-platform/capacity", value: "spot", effect: "NoSchedule" };

/** AKS system pools: only critical add-ons (AKS docs, "Manage system node pools"). */
export const SYSTEM_TAINT: Taint = { key: "CriticalAddonsOnly", value: "true", effect: "NoSchedule" };

/** Labels of a pool the platform creates, from its config. */
export function platformPoolLabels(
  pool: {
    name: string;
    role: string;
    spot: boolean;
  } & GpuPoolLike,
): Record<string, string> {
  const vendor = poolGpuVendor(pool);
  const pluginConfig = nvidiaPluginConfigName(pool);
  return {
    [LABELS.pool]: pool.name,
    [LABELS.role]: pool.role,
    [LABELS.gpu]: pool.gpu ? "true" : "false",
    ...(pool.gpu ? { [LABELS.gpuCount]: String(pool.gpu.count) } : {}),
    ...(vendor ? { [LABELS.gpuVendor]: vendor, [LABELS.gpuDevices]: String(gpuDevicesPerNode(pool)) } : {}),
    // The NVIDIA device plugin's config for this pool's nodes (time-slicing or MIG): addons/nvidia-device-plugin.ts.
    ...(pluginConfig ? { [NVIDIA_PLUGIN_CONFIG_LABEL]: pluginConfig } : {}),
    [LABELS.capacity]: pool.spot ? "spot" : "on-demand",
  };
}
