import type { Taint } from "../../stacks/schema/index.ts";
import type { ClusterHandle, PoolHandle } from "../cluster/handle.ts";
import type { GpuVendor } from "../../stacks/accelerators.ts";
import { systemPools, vendorGpuPools } from "../cluster/handle.ts";

/** A pod toleration as the charts take it (core/v1 Toleration). */
export interface Toleration {
  key: string;
  operator: "Equal" | "Exists";
  value?: string;
  effect: Taint["effect"];
}

/** Where a chart's pods go: the shape every chart here takes under its own value keys. */
export interface Placement {
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  /** core/v1 Affinity, or undefined where a nodeSelector says it all. */
  affinity?: Record<string, unknown>;
}

/** Tolerations matching exactly the given taints (deduplicated); a taint with no value is tolerated by key. */
export function tolerate(taints: Taint[]): Toleration[] {
  const out = new Map<string, Toleration>();
  for (const t of taints) {
    const tol: Toleration = t.value
      ? { key: t.key, operator: "Equal", value: t.value, effect: t.effect }
      : { key: t.key, operator: "Exists", effect: t.effect };
    out.set(`${t.key}=${t.value}:${t.effect}`, tol);
  }
  return [...out.values()];
}

/** Labels every given pool carries with the same value: what selects all of them and nothing of another role. */
function commonLabels(pools: PoolHandle[]): Record<string, string> {
  if (pools.length === 0) return {};
  const [first, ...rest] = pools;
  return Object.fromEntries(Object.entries(first.selector).filter(([k, v]) => rest.every((p) => p.selector[k] === v)));
}

/**
 * Cluster-wide add-ons (KEDA, Prometheus, the adapter, metrics-server, cluster-autoscaler) go to the system pools:
 * select on the labels the system pools share and tolerate their taints (AKS: CriticalAddonsOnly). A cluster with no
 * system pool (an existing cluster) places them anywhere, as the scheduler would.
 */
export function systemPlacement(cluster: ClusterHandle): Placement {
  const pools = systemPools(cluster);
  return { nodeSelector: commonLabels(pools), tolerations: tolerate(pools.flatMap((p) => p.taints)) };
}

/**
 * Per-GPU-node DaemonSets (device plugin, metrics exporter) go to the GPU pools of their vendor only: a required node affinity with one
 * term per GPU pool (terms are ORed, expressions within a term ANDed), tolerating the GPU pools' taints (the GPU
 * taint, the spot taint of spot pools, any extra taint). undefined when the cluster has no GPU pool; no affinity when
 * a GPU pool has no selector (it then is every node: an empty term would match no node at all).
 */
export function gpuPlacement(cluster: ClusterHandle, vendor: GpuVendor = "nvidia"): Placement | undefined {
  const pools = vendorGpuPools(cluster, vendor);
  if (pools.length === 0) return undefined;
  const tolerations = tolerate(pools.flatMap((p) => p.taints));
  if (pools.some((p) => Object.keys(p.selector).length === 0)) return { nodeSelector: {}, tolerations };
  const terms = new Map<string, unknown>();
  for (const pool of pools) {
    const matchExpressions = Object.entries(pool.selector)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => ({ key, operator: "In", values: [value] }));
    terms.set(JSON.stringify(matchExpressions), { matchExpressions });
  }
  return {
    nodeSelector: {},
    tolerations,
    affinity: {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [...terms.values()] } },
    },
  };
}

/**
 * The one nodeSelector that picks a vendor's GPU nodes, for charts that take no affinity (the AMD device plugin): the
 * labels all its pools share (the platform's worker-platform/gpu-vendor on cloud pools; on existing clusters
 * stacks/schema/checks/accelerators.ts makes sure they share one no other pool has), and their taints.
 */
export function gpuNodeSelector(cluster: ClusterHandle, vendor: GpuVendor): Placement | undefined {
  const pools = vendorGpuPools(cluster, vendor);
  if (pools.length === 0) return undefined;
  return { nodeSelector: commonLabels(pools), tolerations: tolerate(pools.flatMap((p) => p.taints)) };
}
