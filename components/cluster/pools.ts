import type { PoolConfig, Taint } from "../../stacks/schema/index.ts";
import type { PoolHandle } from "./handle.ts";
import { GPU_TAINTS, gpuDevicesPerNode, poolGpuVendor } from "../../stacks/accelerators.ts";
import { EKS_SPOT_TAINT, SYSTEM_TAINT, platformPoolLabels } from "./labels.ts";

/** The pool fields the helpers need: a created pool's config (machineTypes may be declared-only on existing clusters). */
export type PoolSpec = Pick<
  PoolConfig,
  "name" | "role" | "spot" | "gpu" | "min" | "max" | "machineTypes" | "labels" | "taints" | "headroomGpus"
> &
  Partial<Pick<PoolConfig, "gpuSharing">>;

/**
 * Node labels the platform sets on a pool it creates: the pool's extra labels, then the platform's own, which win so
 * that every selector the add-ons and workloads build (worker-platform/*) stays true whatever the config adds.
 */
export function nodeLabels(pool: PoolSpec): Record<string, string> {
  return { ...pool.labels, ...platformPoolLabels(pool) };
}

/**
 * Taints the platform sets on a pool it creates. System pools: CriticalAddonsOnly on both clouds (AKS docs "Manage
 * system node pools"; on EKS for parity, the add-ons tolerate it through systemPlacement in addons/scheduling.ts).
 * GPU pools: the vendor's, nvidia.com/gpu or amd.com/gpu (issues 3, 14). Spot: only on EKS, which adds no taint of its own (field notes, "EKS spot
 * managed node groups"); AKS adds kubernetes.azure.com/scalesetpriority=spot itself and would reject it as input.
 */
export function platformTaints(pool: PoolSpec, cloud: "azure" | "aws"): Taint[] {
  const own: Taint[] = [];
  if (pool.role === "system") own.push(SYSTEM_TAINT);
  // Each vendor its own taint, so a pod for one vendor never tolerates the other's nodes (stacks/accelerators.ts).
  const vendor = poolGpuVendor(pool);
  if (vendor) own.push(GPU_TAINTS[vendor]);
  if (pool.spot && cloud === "aws") own.push(EKS_SPOT_TAINT);
  return dedupeTaints([...own, ...pool.taints]);
}

export function dedupeTaints(taints: Taint[]): Taint[] {
  const seen = new Map<string, Taint>();
  for (const t of taints) seen.set(`${t.key}=${t.value}:${t.effect}`, t);
  return [...seen.values()];
}

/** "key=value:Effect", the form AKS nodeTaints take. */
export const taintString = (t: Taint) => `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`;

/**
 * The handle of one pool: what pods select on (labels every node of the pool carries, including an empty pool's
 * template node, so scale-from-zero works), its taints and its size.
 */
export function poolHandle(pool: PoolSpec, selector: Record<string, string>, taints: Taint[]): PoolHandle {
  return {
    name: pool.name,
    role: pool.role,
    spot: pool.spot,
    gpu: pool.gpu ? { count: pool.gpu.count, type: pool.gpu.type, vendor: poolGpuVendor(pool)! } : undefined,
    ...(pool.gpu && pool.gpuSharing ? { gpuSharing: pool.gpuSharing } : {}),
    min: pool.min,
    max: pool.max,
    machineTypes: [...pool.machineTypes],
    selector,
    taints,
    gpuCapacity: pool.max * gpuDevicesPerNode(pool),
    headroomGpus: pool.headroomGpus,
  };
}

/** Priority-expander priority of a pool: config wins, else spot (20) before on-demand (10) (stacks/schema/cluster.ts). */
export const expanderPriority = (pool: Pick<PoolConfig, "spot" | "expanderPriority">) =>
  pool.expanderPriority ?? (pool.spot ? 20 : 10);

/**
 * priority → node-group name regexes, for the priority expander's `priorities` (kubernetes/autoscaler
 * expander/priority/readme.md: higher wins; a node group takes the highest priority whose regex matches its name).
 */
export function expanderPriorities(
  pools: Pick<PoolConfig, "name" | "spot" | "expanderPriority">[],
  regexOf: (pool: string) => string,
): Record<number, string[]> {
  const out: Record<number, string[]> = {};
  for (const pool of pools) (out[expanderPriority(pool)] ??= []).push(regexOf(pool.name));
  return out;
}

/**
 * The `priorities` value of the priority expander's ConfigMap: integer keys, highest first. Written by hand because a
 * YAML library quotes numeric map keys ("10":), which the autoscaler cannot read as integers.
 */
export function prioritiesYaml(priorities: Record<number, string[]>): string {
  return Object.keys(priorities)
    .map(Number)
    .sort((a, b) => b - a)
    .map((p) => `${p}:\n${priorities[p].map((re) => `  - ${JSON.stringify(re)}`).join("\n")}\n`)
    .join("");
}
