/**
 * Which pools a worker, service or queue pod may land on: the one rule, shared by the pods' scheduling
 * (components/workloads/scheduling.ts, on the cluster handle's pools) and the config checks that reason about
 * placement (stacks/schema/checks/workloads.ts, fit.ts, on the configured pools). Workers and services never land on
 * a system pool.
 */
import type { GpuPoolLike, GpuVendor } from "./accelerators.ts";
import { gpuDevicesPerNode, poolGpuVendor, timeSliced } from "./accelerators.ts";

/** What the rule needs of a pool; both PoolConfig and the cluster handle's PoolHandle have it. */
export interface PlaceablePool extends GpuPoolLike {
  name: string;
  role: "system" | "workload";
  spot: boolean;
}

export interface PlacementRequest {
  /** `vendor` absent: nvidia (the schema's default). */
  gpu?: { count: number; vendor?: GpuVendor; fallbackToCpu: boolean };
  /** May use spot pools. */
  spot: boolean;
}

export type PoolChoice<P> =
  /** The vendor's GPU pools with enough GPUs per node (spot ones only when allowed); empty: none, and no CPU fallback. */
  | { kind: "gpu"; pools: P[] }
  /**
   * CPU workload pools (spot ones only when allowed). `fellBackToCpu`: a GPU pod without a usable GPU pool
   * (gpu.fallbackToCpu). `spotDespiteSpotFalse`: spot is false but the only CPU workload pools are spot, so the pod
   * runs there rather than staying Pending. Empty: the cluster has no CPU workload pool.
   */
  | { kind: "cpu"; pools: P[]; fellBackToCpu: boolean; spotDespiteSpotFalse: boolean };

export function choosePools<P extends PlaceablePool>(pools: P[], req: PlacementRequest): PoolChoice<P> {
  const workload = pools.filter((p) => p.role === "workload");
  const allowed = (ps: P[]) => ps.filter((p) => req.spot || !p.spot);
  if (req.gpu) {
    const { count, vendor = "nvidia" } = req.gpu;
    // Only the vendor's pools (another vendor's GPUs neither run the image nor advertise its resource), with enough
    // devices per node; a time-sliced pool gives a pod one replica only (failRequestsGreaterThanOne).
    const gpuPools = allowed(workload).filter(
      (p) => poolGpuVendor(p) === vendor && gpuDevicesPerNode(p) >= count && (count === 1 || !timeSliced(p)),
    );
    if (gpuPools.length > 0 || !req.gpu.fallbackToCpu) return { kind: "gpu", pools: gpuPools };
  }
  const cpuPools = workload.filter((p) => !p.gpu);
  const cpuAllowed = allowed(cpuPools);
  const fellBackToCpu = req.gpu !== undefined;
  if (cpuAllowed.length > 0 || cpuPools.length === 0)
    return { kind: "cpu", pools: cpuAllowed, fellBackToCpu, spotDespiteSpotFalse: false };
  return { kind: "cpu", pools: cpuPools, fellBackToCpu, spotDespiteSpotFalse: true };
}

/**
 * Pools the in-cluster queues (one-replica StatefulSets with a volume) may land on: the on-demand CPU workload pools
 * (an eviction would take a queue down for every worker), else the system pools. Used by the queues' scheduling
 * (components/workloads/scheduling.ts) and, through volumePools, by the EKS node groups (one per zone).
 */
export function queuePools<P extends PlaceablePool>(pools: P[]): P[] {
  const onDemand = pools.filter((p) => p.role === "workload" && !p.spot && !p.gpu);
  return onDemand.length > 0 ? onDemand : pools.filter((p) => p.role === "system");
}

/**
 * Pools whose nodes may have to attach a zonal volume: the queues' pools, the system pools (the Prometheus
 * server's volume; components/addons/scheduling.ts systemPlacement), and the pools of workloads that mount a zonal
 * claim (`claimRequests`: their placement requests, stacks/storage.ts zonalClaimRequests).
 */
export function volumePools<P extends PlaceablePool>(pools: P[], claimRequests: PlacementRequest[] = []): P[] {
  const zonal = new Set([...queuePools(pools), ...claimRequests.flatMap((r) => choosePools(pools, r).pools)]);
  return pools.filter((p) => p.role === "system" || zonal.has(p));
}

/**
 * Whether an EKS pool gets one node group per zone (clusters[].pools[].nodeGroupPerZone): as configured, else when
 * it is one of volumePools.
 */
export function nodeGroupPerZone<P extends PlaceablePool & { nodeGroupPerZone?: boolean }>(
  pool: P,
  pools: P[],
  claimRequests: PlacementRequest[] = [],
): boolean {
  return pool.nodeGroupPerZone ?? volumePools(pools, claimRequests).includes(pool);
}
