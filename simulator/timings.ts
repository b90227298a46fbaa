/**
 * Default timings of the simulator (seconds, lognormal p50/p95). Each is an ASSUMPTION anchored on a published
 * figure (sources in docs/simulation.md), to be replaced with measurements from a real cluster through
 * `simulation.timings` and `simulation.workers` in the stack config.
 */
import type { Dist } from "./model/types.ts";

export interface CloudTimings {
  cpuNodeReady: Dist;
  gpuNodeReady: Dist;
  gpuAllocatable: Dist;
  gpuDriverInstall: Dist;
}

export const DEFAULT_TIMINGS: Record<"aws" | "azure" | "existing", CloudTimings> = {
  // EKS: nodes Ready in 30-40 s once launched (aws/karpenter-provider-aws#6165), "1-3 min" overall
  // (ovh/public-cloud-roadmap#1198); a CA-driven ASG adds its own request latency.
  aws: {
    cpuNodeReady: { p50: 50, p95: 100 },
    gpuNodeReady: { p50: 60, p95: 120 },
    // Ready → nvidia.com/gpu allocatable: the device plugin DaemonSet (cloudpilot-ai/karpenter-provider-gcp#148)
    gpuAllocatable: { p50: 45, p95: 90 },
    gpuDriverInstall: { p50: 0, p95: 0 },
  },
  // AKS: node add of minutes (Azure/AKS#1898), GPU VMs slower (Azure/aks-engine#3507); driver in the node image.
  azure: {
    cpuNodeReady: { p50: 120, p95: 240 },
    gpuNodeReady: { p50: 150, p95: 300 },
    gpuAllocatable: { p50: 45, p95: 90 },
    gpuDriverInstall: { p50: 0, p95: 0 },
  },
  // An existing cluster: whatever its node provisioning does; a middling guess.
  existing: {
    cpuNodeReady: { p50: 90, p95: 180 },
    gpuNodeReady: { p50: 120, p95: 240 },
    gpuAllocatable: { p50: 45, p95: 90 },
    gpuDriverInstall: { p50: 0, p95: 0 },
  },
};

/** Image pull of a multi-GB GPU image on a cold node (AWS/AKS docs on large images: "several minutes"). */
export const GPU_IMAGE_PULL: Dist = { p50: 90, p95: 180 };
/** Image pull of a CPU worker's image (hundreds of MB). Assumption. */
export const CPU_IMAGE_PULL: Dist = { p50: 20, p95: 60 };
/** Container start without the pull (Kubernetes SIG-scalability pod startup SLO: p99 <= 5 s). */
export const CONTAINER_START: Dist = { p50: 2, p95: 5 };
/** A job's length as a fraction of the worker's maxJobDurationSeconds, when the config gives none. Assumption. */
export const SERVICE_FRACTION = { p50: 0.4, p95: 0.9 };
/** Spot reclaim notice: AWS 2 minutes; Azure at least 30 s (Scheduled Events). */
export const SPOT_NOTICE_SECONDS: Record<"aws" | "azure" | "existing", number> = { aws: 120, azure: 30, existing: 30 };
/** A service's steady CPU utilization (percent of requests) when nothing drives it. Assumption. */
export const SERVICE_STEADY_UTILIZATION = 50;
