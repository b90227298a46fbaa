import { GPU_RESOURCES } from "../../stacks/accelerators.ts";
import type { ClusterHandle, PoolHandle } from "../cluster/handle.ts";
import type { PlacementRequest } from "../../stacks/placement.ts";
import { choosePools, queuePools } from "../../stacks/placement.ts";
import type { Toleration } from "../addons/scheduling.ts";
import { tolerate } from "../addons/scheduling.ts";

/**
 * The ONE place where workload pods get their tolerations and node affinity, derived from the pools of the cluster
 * handle (their selector labels and their taints, including the ones the cloud adds itself).
 */

/** Pod placement fields, as core/v1 PodSpec takes them. */
export interface PodPlacement {
  tolerations: Toleration[];
  /** core/v1 Affinity; undefined when any node will do. */
  affinity?: Record<string, unknown>;
  /** The pools the pod may land on (for tests and messages). */
  pools: PoolHandle[];
}

export interface WorkloadPlacement extends PodPlacement {
  /** GPUs per pod to request; 0 for CPU pods and for GPU pods that fell back to CPU. */
  gpus: number;
  /** The extended resource of the GPUs: nvidia.com/gpu or amd.com/gpu, by the workload's gpu.vendor. */
  gpuResource: string;
  /** Set when a GPU pod runs on CPU because the cluster has no usable GPU pool (gpu.fallbackToCpu). */
  fellBackToCpu: boolean;
  /** Compromises made to keep the pod schedulable; the caller logs them once (pulumi.log.warn). */
  warnings: string[];
}

export type { PlacementRequest };

/** Weight of the spot preference: the largest allowed, so spot wins whenever a spot node fits (1-100). */
export const SPOT_PREFERENCE_WEIGHT = 100;

/** One nodeSelectorTerm matching exactly the nodes of a pool (all its selector labels), or undefined if it has none. */
function poolTerm(
  pool: PoolHandle,
): { matchExpressions: { key: string; operator: "In"; values: string[] }[] } | undefined {
  const entries = Object.entries(pool.selector).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return undefined;
  return { matchExpressions: entries.map(([key, value]) => ({ key, operator: "In", values: [value] })) };
}

/**
 * Required affinity to the given pools (terms are ORed) and, when spot and on-demand pools are both allowed, a
 * preference for the spot ones: the scheduler and the cluster autoscaler try spot first and fall back to on-demand
 * when no spot node fits or the spot pool is at its max. A pool without selector labels is "any node" (existing
 * clusters), so no affinity at all then: an empty term would match no node.
 */
export function placementOn(pools: PoolHandle[]): PodPlacement {
  const tolerations = tolerate(pools.flatMap((p) => p.taints));
  const terms = pools.map(poolTerm);
  if (pools.length === 0 || terms.some((t) => t === undefined)) return { tolerations, pools };
  const unique = [...new Map(terms.map((t) => [JSON.stringify(t), t!])).values()];
  const nodeAffinity: Record<string, unknown> = {
    requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: unique },
  };
  const spot = pools.filter((p) => p.spot);
  if (spot.length > 0 && spot.length < pools.length) {
    nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution = spot.map((p) => ({
      weight: SPOT_PREFERENCE_WEIGHT,
      preference: poolTerm(p)!,
    }));
  }
  return { tolerations, affinity: { nodeAffinity }, pools };
}

/**
 * Where a worker or service pod goes: the pools stacks/placement.ts chooses (GPU pools of its gpu.vendor with enough
 * GPUs per node, never another vendor's, CPU
 * pools otherwise, spot ones only when allowed, never a system pool), tolerating their taints. A GPU pod with no
 * usable GPU pool runs on CPU without the GPU request when `gpu.fallbackToCpu` is set; otherwise it is an error (the
 * schema rejects that config before this runs). When `spot: false` but the cluster's only CPU workload pools are spot
 * (a dev cluster), the pod runs there rather than staying Pending forever; with no CPU workload pool at all, no
 * constraint is set and the scheduler decides. Both with a warning.
 */
export function workloadPlacement(cluster: ClusterHandle, req: PlacementRequest): WorkloadPlacement {
  const choice = choosePools(cluster.pools, req);
  const vendor = req.gpu?.vendor ?? "nvidia";
  const gpuResource = GPU_RESOURCES[vendor];
  if (choice.kind === "gpu") {
    if (choice.pools.length === 0) {
      throw new Error(
        `cluster ${cluster.name} has no ${req.spot ? "" : "on-demand "}${vendor} GPU pool with ${req.gpu!.count} GPUs per node and gpu.fallbackToCpu is false`,
      );
    }
    // The chosen pools are all of the vendor: their taints (the vendor's GPU taint) are the only GPU taints tolerated.
    return { ...placementOn(choice.pools), gpus: req.gpu!.count, gpuResource, fellBackToCpu: false, warnings: [] };
  }
  const warnings: string[] = [];
  if (choice.fellBackToCpu)
    warnings.push(
      `cluster ${cluster.name} has no usable ${vendor} GPU pool: runs on CPU without the ${gpuResource} request (gpu.fallbackToCpu)`,
    );
  if (choice.spotDespiteSpotFalse) {
    warnings.push(
      `spot is false but cluster ${cluster.name} has only spot CPU workload pools (${choice.pools.map((p) => p.name).join(", ")}): runs on spot`,
    );
  }
  if (choice.pools.length === 0) {
    warnings.push(`cluster ${cluster.name} has no CPU workload pool: no node affinity set, the pod may stay Pending`);
    return { tolerations: [], pools: [], gpus: 0, gpuResource, fellBackToCpu: choice.fellBackToCpu, warnings };
  }
  return { ...placementOn(choice.pools), gpus: 0, gpuResource, fellBackToCpu: choice.fellBackToCpu, warnings };
}

/**
 * Queues (stateful, one replica): an on-demand CPU workload pool, never spot (an eviction takes the queue down for
 * every worker); else the system pools (tolerating their taints, e.g. AKS CriticalAddonsOnly); else anywhere. The rule
 * is stacks/placement.ts queuePools, which also decides which EKS pools get a node group per zone.
 */
export function queuePlacement(cluster: ClusterHandle): PodPlacement {
  return placementOn(queuePools(cluster.pools));
}
