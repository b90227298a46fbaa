import type { PolicyResource } from "@pulumi/policy";
import { asArray, toNumber } from "./common.ts";
import type { Obj } from "./k8s.ts";
import { T } from "./k8s.ts";
import type { GpuVendor, Taint } from "./platform.ts";
import { AKS_SPOT_TAINT, GPU_TAINT, GPU_TAINTS, LABELS, knownGpuCount, machineTypesGpuVendor } from "./platform.ts";
import { tryRead, UNKNOWN } from "./unknown.ts";
import { UNKNOWN_OBJECT_VALUE, UnknownValueError } from "./sdk.ts";

/**
 * The stack as the cross-resource rules see it: clusters, their node pools, Kubernetes providers and Helm charts,
 * and which cluster every Kubernetes object goes to. Built from PolicyResource only (what `pulumi preview
 * --policy-pack` gives a stack policy). Offline the props are the recorded INPUTS; under the CLI a stack policy gets
 * every resource's OUTPUTS (@pulumi/policy server.ts, analyzeStack). So the model reads only what both carry:
 * - clusters and pools by the property names inputs and outputs share (AKS `name`, `agentPoolProfiles`, `maxCount`,
 *   `nodeTaints`; EKS `name`, `nodeGroupName`, `scalingConfig`, `taints`); the azure-native path parameters
 *   (`resourceName`, `agentPoolName`) are inputs only, so each has a fallback (`name`, dependencies, parents);
 * - Helm charts by `chart` when present, else by resource name (chartIs), and the objects a helm.v4.Chart renders
 *   as its descendants (descendantsOf), because a v4 Chart's outputs hold neither `chart` nor `values`.
 * Every read of a value that may be unknown in preview (names and ARNs of resources being created) goes through
 * tryRead and has a fallback.
 */
export const CLOUD = {
  aksCluster: "azure-native:containerservice:ManagedCluster",
  aksPool: "azure-native:containerservice:AgentPool",
  eksCluster: "aws:eks/cluster:Cluster",
  eksNodeGroup: "aws:eks/nodeGroup:NodeGroup",
  kmsKey: "aws:kms/key:Key",
} as const;

export const CLUSTER_TYPES: string[] = [CLOUD.aksCluster, CLOUD.eksCluster];
const CHART_TYPES = ["kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Chart", "kubernetes:helm.sh/v3:Release"];

export interface Pool {
  resource: PolicyResource;
  /** The pool's name in the cloud (AKS agent pool name, EKS node group name) or the resource name. */
  name: string;
  spot: boolean;
  /**
   * GPU devices per node under the vendor's resource (GPUs × time-slicing replicas or MIG instances: the program's
   * worker-platform/gpu-devices label); 0 for CPU pools; undefined when the pool is a GPU pool of an unknown type.
   */
  gpusPerNode: number | undefined;
  gpu: boolean;
  /** The vendor of its GPUs (its vendor label, else its taint, else the machine type); nvidia for CPU pools. */
  gpuVendor: GpuVendor;
  maxNodes: number | undefined;
  labels: Record<string, string>;
  /** Every taint its nodes carry, including the ones the cloud adds (AKS spot). */
  taints: Taint[];
  machineTypes: string[];
  /** The pool's own max pods per node where it sets one (AKS `maxPods`); undefined: the cloud's default. */
  maxPods: number | undefined;
}

export interface Cluster {
  /** The cluster's name as the program uses it (the Kubernetes provider is named after it). */
  name: string;
  cloud: "azure" | "aws" | "existing";
  /** The cloud cluster resource; undefined for an existing cluster reached only through its provider. */
  resource?: PolicyResource;
  providers: PolicyResource[];
  pools: Pool[];
  charts: PolicyResource[];
}

export class StackModel {
  readonly clusters: Cluster[] = [];
  private readonly byUrn = new Map<string, PolicyResource>();
  private readonly clusterOfProvider = new Map<string, Cluster>();

  readonly resources: PolicyResource[];

  constructor(resources: PolicyResource[]) {
    this.resources = resources;
    for (const r of resources) this.byUrn.set(r.urn, r);
    for (const r of resources.filter((r) => CLUSTER_TYPES.includes(r.type))) {
      this.clusters.push({
        name: clusterName(r),
        cloud: r.type === CLOUD.aksCluster ? "azure" : "aws",
        resource: r,
        providers: [],
        pools: [],
        charts: [],
      });
    }
    // Locate every provider among the cloud clusters first: an existing cluster (no cloud resource) must never be
    // matched to another existing cluster's provider by walking up to a shared ancestor component.
    const providers = resources.filter((r) => r.type === T.K8sProvider);
    const located = providers.map((p) => this.locate(p, new Set()));
    for (const [i, p] of providers.entries()) {
      let c = located[i];
      if (!c) {
        // No cloud cluster behind it: an existing cluster (kind, k3d, a shared cluster), known only by its provider.
        c = { name: p.name, cloud: "existing", providers: [], pools: [], charts: [] };
        this.clusters.push(c);
      }
      c.providers.push(p);
      this.clusterOfProvider.set(p.urn, c);
    }
    for (const r of resources) {
      if (r.type === CLOUD.aksPool || r.type === CLOUD.eksNodeGroup) this.clusterOf(r)?.pools.push(toPool(r));
      if (isChart(r)) this.clusterOf(r)?.charts.push(r);
    }
    // AKS pools declared inline on the cluster (the system pool must be, at creation), unless also a resource.
    for (const c of this.clusters.filter((c) => c.cloud === "azure")) {
      const inline = tryRead(() => asArray<Obj>(c.resource!.props.agentPoolProfiles));
      if (inline === UNKNOWN) continue;
      for (const profile of inline) {
        const pool = aksPool(c.resource!, profile, String(tryRead(() => profile.name) as unknown));
        if (!c.pools.some((p) => p.name === pool.name)) c.pools.push(pool);
      }
    }
  }

  get(urn: string | undefined): PolicyResource | undefined {
    return urn ? this.byUrn.get(urn) : undefined;
  }

  /** The cluster a resource belongs to: its provider's, its dependency's, its component's, or the only one. */
  clusterOf(r: PolicyResource): Cluster | undefined {
    if (r.provider && this.clusterOfProvider.has(r.provider.urn)) return this.clusterOfProvider.get(r.provider.urn);
    if (r.type === T.K8sProvider) return this.clusterOfProvider.get(r.urn);
    return this.locate(r, new Set());
  }

  private locate(r: PolicyResource, seen: Set<string>): Cluster | undefined {
    const cloud = this.clusters.filter((c) => c.resource);
    const direct = cloud.find((c) => c.resource!.urn === r.urn);
    if (direct) return direct;
    // 1. A dependency (kubeconfig from the cluster's credentials, a pool's clusterName/resourceName).
    for (const d of r.dependencies ?? []) {
      const hit = cloud.find((c) => c.resource!.urn === d.urn) ?? this.clusterOfProvider.get(d.urn);
      if (hit) return hit;
    }
    // 2. A property naming the cluster, when known (AgentPool.resourceName, NodeGroup.clusterName).
    const named = tryRead(() => r.props.resourceName ?? r.props.clusterName);
    if (typeof named === "string") {
      const hit = this.clusters.find((c) => c.name === named || (c.resource && clusterName(c.resource) === named));
      if (hit) return hit;
    }
    // 3. The nearest component that holds exactly one cluster (AksCluster/EksCluster), or is named after one.
    for (let p = this.parentOf(r); p && !seen.has(p.urn); p = this.parentOf(p)) {
      seen.add(p.urn);
      const inside = this.clusters.filter((c) => [c.resource, ...c.providers].some((x) => x && this.isAncestor(p, x)));
      if (inside.length === 1) return inside[0];
      const byName = this.clusters.filter((c) => c.name === p.name);
      if (byName.length === 1) return byName[0];
      if (inside.length > 1) break;
    }
    // 4. A provider named after the cluster resource.
    const byName = this.clusters.filter((c) => c.name === r.name);
    if (byName.length === 1 && r.type === T.K8sProvider) return byName[0];
    return undefined;
  }

  /**
   * Resources under `ancestor` in the parent tree: under the CLI, the objects a helm.v4.Chart renders (their parent is
   * the chart and their URN's type chain contains `kubernetes:helm.sh/v4:Chart`). Offline charts have none.
   */
  descendantsOf(ancestor: PolicyResource): PolicyResource[] {
    return this.resources.filter((r) => r.urn !== ancestor.urn && this.isAncestor(ancestor, r));
  }

  /** The nearest Helm chart/release above `r` in the parent tree, if any. */
  chartOf(r: PolicyResource): PolicyResource | undefined {
    for (let p = this.parentOf(r); p; p = this.parentOf(p)) if (isChart(p)) return p;
    return undefined;
  }

  private parentOf(r: PolicyResource): PolicyResource | undefined {
    return r.parent ?? this.get(r.opts?.parent);
  }

  private isAncestor(ancestor: PolicyResource, r: PolicyResource): boolean {
    for (let p = this.parentOf(r); p; p = this.parentOf(p)) if (p.urn === ancestor.urn) return true;
    return false;
  }
}

/** The cluster's cloud name when known (ManagedCluster.resourceName, eks Cluster.name), else the resource name. */
export function clusterName(r: PolicyResource): string {
  const n = tryRead(() => r.props.resourceName ?? r.props.name);
  return typeof n === "string" && n ? n : r.name;
}

/**
 * The chart a Helm resource installs, or "" when its props do not say (see chartIs). Offline, and for a helm.v3
 * Release under the CLI, `chart` is an input/output ("repo/name", "oci://.../name" or "name").
 */
export function chartName(chart: PolicyResource): string {
  const c = tryRead(() => chart.props.chart);
  return typeof c === "string" ? (c.split("/").pop() ?? c) : "";
}

/**
 * Whether a Helm chart resource installs one of `names`, in both shapes a stack rule meets:
 * - offline (tools/run-policies.ts records inputs) and for helm.v3.Release: its `chart` prop;
 * - under the CLI a helm.v4.Chart is a component and a stack rule gets its outputs (`resources`), without `chart`,
 *   `name` or `values`: then its resource name, which the program builds as `<cluster>-<release>` with the release
 *   named after the chart (components/addons/helm-addon.ts install()), e.g. `prod-eks-metrics-server`.
 * A `chart` prop that names another chart wins over the resource name.
 */
export function chartIs(chart: PolicyResource, names: string[]): boolean {
  const c = chartName(chart);
  if (c) return names.includes(c);
  const release = tryRead(() => chart.props.name);
  if (typeof release === "string" && release) return names.includes(release);
  return names.some((n) => chart.name === n || chart.name.endsWith(`-${n}`));
}

/** Helm chart/release resource types (offline: inputs; CLI: a v4 Chart is a component whose children are resources). */
export function isChart(r: PolicyResource): boolean {
  return CHART_TYPES.includes(r.type);
}

function toPool(r: PolicyResource): Pool {
  if (r.type === CLOUD.aksPool) return aksPool(r, r.props, r.name);
  const p = r.props;
  const labels = stringMap(tryRead(() => p.labels));
  const taints = asArray<Obj>(p.taints).map((t) => ({
    key: String(t.key),
    value: String(t.value ?? ""),
    effect: EKS_EFFECTS[t.effect] ?? t.effect,
  }));
  const machineTypes = asArray<string>(p.instanceTypes).map(String);
  const name = tryRead(() => p.nodeGroupName);
  return finish(
    r,
    typeof name === "string" ? name : r.name,
    p.capacityType === "SPOT",
    labels,
    taints,
    machineTypes,
    toNumber(p.scalingConfig?.maxSize),
    undefined,
  );
}

function aksPool(owner: PolicyResource, p: Obj, fallbackName: string): Pool {
  const labels = stringMap(tryRead(() => p.nodeLabels));
  // AKS taints are "key=value:Effect" strings.
  const taints: Taint[] = asArray<string>(p.nodeTaints).map((s) => {
    const m = /^([^=:]+)(?:=([^:]*))?:(\w+)$/.exec(String(s));
    return m
      ? { key: m[1], value: m[2] ?? "", effect: m[3] as Taint["effect"] }
      : { key: String(s), value: "", effect: "NoSchedule" };
  });
  const spot = p.scaleSetPriority === "Spot";
  if (spot && !taints.some((t) => t.key === AKS_SPOT_TAINT.key)) taints.push(AKS_SPOT_TAINT); // added by AKS itself
  const max = p.enableAutoScaling ? toNumber(p.maxCount) : toNumber(p.count);
  const name = tryRead(() => p.agentPoolName ?? p.name);
  return finish(
    owner,
    typeof name === "string" ? name : fallbackName,
    spot,
    labels,
    taints,
    p.vmSize ? [String(p.vmSize)] : [],
    max,
    toNumber(tryRead(() => p.maxPods)),
  );
}

function finish(
  r: PolicyResource,
  name: string,
  spot: boolean,
  labels: Record<string, string>,
  taints: Taint[],
  machineTypes: string[],
  maxNodes: number | undefined,
  maxPods: number | undefined,
): Pool {
  const declared = toNumber(labels[LABELS.gpuDevices]) ?? toNumber(labels[LABELS.gpuCount]);
  const known = machineTypes.map(knownGpuCount);
  // With several instance types (EKS spot diversity) count the smallest: the autoscaler may pick any of them.
  const fromTypes = known.length && known.every((n) => n !== undefined) ? Math.min(...known) : undefined;
  const gpu =
    labels[LABELS.gpu] === "true" ||
    (declared ?? 0) > 0 ||
    (fromTypes ?? 0) > 0 ||
    taints.some((t) => t.key === GPU_TAINT.key || t.key === GPU_TAINTS.amd.key);
  const gpusPerNode = declared ?? (gpu ? fromTypes || undefined : 0);
  const labelled = labels[LABELS.gpuVendor];
  const gpuVendor: GpuVendor =
    labelled === "amd" || labelled === "nvidia"
      ? labelled
      : taints.some((t) => t.key === GPU_TAINTS.amd.key)
        ? "amd"
        : machineTypesGpuVendor(machineTypes);
  return { resource: r, name, spot, gpu, gpuVendor, gpusPerNode, maxNodes, labels, taints, machineTypes, maxPods };
}

const EKS_EFFECTS: Record<string, Taint["effect"]> = {
  NO_SCHEDULE: "NoSchedule",
  NO_EXECUTE: "NoExecute",
  PREFER_NO_SCHEDULE: "PreferNoSchedule",
};

function stringMap(v: unknown): Record<string, string> {
  if (v === UNKNOWN || !v || typeof v !== "object") return {};
  const out: Record<string, string> = {};
  for (const k of Object.keys(v)) {
    const x = tryRead(() => (v as Obj)[k]);
    if (x !== UNKNOWN && x !== undefined && x !== null) out[k] = String(x);
  }
  return out;
}

/** Kubernetes objects of the stack with their namespace, name and cluster, for cross-object rules. */
export interface K8sObject {
  resource: PolicyResource;
  kind: string;
  namespace: string;
  name: string;
  cluster?: Cluster;
}

export function k8sObjects(model: StackModel, types: string[]): K8sObject[] {
  return model.resources
    .filter((r) => types.includes(r.type))
    .map((r) => {
      const md = knownMetadata(r);
      return {
        resource: r,
        kind: r.type.split(":").pop()!,
        namespace: String(md.namespace ?? "default"),
        name: String(md.name ?? r.name),
        cluster: model.clusterOf(r),
      };
    });
}

/** Same object slot: cluster + namespace + kind + name. */
export function sameSlot(
  a: { cluster?: Cluster; namespace: string },
  b: { cluster?: Cluster; namespace: string },
): boolean {
  return a.cluster === b.cluster && a.namespace === b.namespace;
}

/**
 * An object's metadata, or an UnknownValueError when its state is not known. A stack rule sees a resource's outputs,
 * and in a preview where the object's Kubernetes provider is not configured yet (its kubeconfig comes from a cluster
 * that does not exist: the first preview of a stack) the engine hands over no outputs at all, `{}` (pulumi
 * provider_plugin.go: Create in preview with unknown provider config returns an empty property map). Reading such an
 * object as if it had no name/spec would raise false violations (a ScaledObject targeting "") or pass rules silently
 * (no workloads), so the rule stops with the unknown, and the analyzer reports "can't run ... during preview".
 */
function knownMetadata(r: PolicyResource): Obj {
  const md = r.props.metadata;
  if (md === undefined || md === null) throw new UnknownValueError(UNKNOWN_OBJECT_VALUE, [r.name, "metadata"]);
  return md as Obj;
}
