import type { StackValidationPolicy } from "@pulumi/policy";
import { isWaived, toNumber } from "./lib/common.ts";
import type { Obj } from "./lib/k8s.ts";
import { blockingTaints, containersOf, parseQuantity, podSpecOf, T, tolerates } from "./lib/k8s.ts";
import type { Cluster, Pool, StackModel } from "./lib/model.ts";
import { chartIs, k8sObjects } from "./lib/model.ts";
import type { Taint } from "./lib/platform.ts";
import type { GpuVendor } from "./lib/platform.ts";
import { GPU_RESOURCE, GPU_RESOURCES, LABELS } from "./lib/platform.ts";
import type { Workload } from "./lib/scaling.ts";
import { scalingView } from "./lib/scaling.ts";
import { stackPolicy } from "./lib/stack.ts";
import { forEachDeferringUnknowns } from "./lib/unknown.ts";
import { workloadRule } from "./lib/workload.ts";

/**
 * Extended resources such as nvidia.com/gpu cannot be overcommitted: Kubernetes requires them in limits (requests
 * default to limits, and must equal them when both are set). A request-only GPU pod is rejected by the API server.
 */
export const gpuInLimits = workloadRule(
  {
    name: "gpu-in-limits",
    description: "Containers that use nvidia.com/gpu set it in resources.limits (and requests, if set, equal limits).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      'Set resources.limits["nvidia.com/gpu"] to the GPU count (requests may be omitted; if set, equal to limits).',
  },
  (spec, { ref }, report) => {
    for (const { container: c, name, kind } of containersOf(spec)) {
      const req = c.resources?.requests?.[GPU_RESOURCE];
      const lim = c.resources?.limits?.[GPU_RESOURCE];
      if (req === undefined && lim === undefined) continue;
      const where = `${ref}, ${kind} '${name}'`;
      if (lim === undefined) report(`${where}: requests ${req} nvidia.com/gpu without a limit.`);
      else if (req !== undefined && parseQuantity(req) !== parseQuantity(lim))
        report(`${where}: nvidia.com/gpu request ${req} differs from limit ${lim}.`);
      else if (!Number.isInteger(parseQuantity(lim)))
        report(`${where}: nvidia.com/gpu limit ${lim} is not a whole number.`);
    }
  },
);

const BUILTIN_PRIORITY_CLASSES = ["system-cluster-critical", "system-node-critical"];

/** The API server rejects a pod whose priorityClassName does not exist: the ReplicaSet/Job creates no pods at all. */
export const priorityClassDefined = stackPolicy(
  {
    name: "priority-class-defined",
    description:
      "Every priorityClassName a workload names is a PriorityClass of this stack in the same cluster (or a built-in one).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      "Create the PriorityClass in the same cluster (the platform creates <name>-critical/standard/background), or use an existing name.",
  },
  (model, _args, report) => {
    const classes = k8sObjects(model, [T.PriorityClass]);
    forEachDeferringUnknowns(scalingView(model).workloads, (w) => {
      const name = w.spec.priorityClassName;
      if (!name || BUILTIN_PRIORITY_CLASSES.includes(name) || isWaived(w.obj.resource.props, "priority-class-defined"))
        return;
      if (classes.some((c) => c.name === name && c.cluster === w.obj.cluster)) return;
      report(
        `${w.obj.kind} ${w.obj.namespace}/${w.obj.name} uses priorityClassName '${name}', which this stack does not define${w.obj.cluster ? ` on cluster ${w.obj.cluster.name}` : ""}; its pods would be rejected.`,
        w.obj.resource.urn,
      );
    });
  },
);

const fmtTaint = (t: Taint) => `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`;

/** Why a pod cannot land on a pool (missing tolerations, unmatched labels, too few GPUs per node), or undefined. */
export function whyNotOnPool(spec: Obj, gpus: number, pool: Pool): string | undefined {
  const tolerations: Obj[] = spec.tolerations ?? [];
  const untolerated = blockingTaints(pool.taints).filter((t) => !tolerations.some((tol) => tolerates(tol, t)));
  if (untolerated.length) return `does not tolerate ${untolerated.map(fmtTaint).join(", ")}`;
  const selector: Obj = spec.nodeSelector ?? {};
  for (const [k, v] of Object.entries(selector)) {
    if (!labelMatches(pool, k, (actual) => actual === String(v)))
      return `its nodeSelector ${k}=${v} does not match the pool's labels`;
  }
  const terms: Obj[] =
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  if (
    terms.length &&
    !terms.some((term) => (term.matchExpressions ?? []).every((e: Obj) => expressionMatches(pool, e)))
  ) {
    return "its required node affinity matches none of the pool's labels";
  }
  if (pool.gpusPerNode !== undefined && pool.gpusPerNode < gpus)
    return `needs ${gpus} GPUs per pod but its nodes have ${pool.gpusPerNode}`;
  return undefined;
}

/**
 * Evaluates a label condition against a pool. Labels the platform owns (worker-platform/*) and the pool's own labels
 * are known exactly; other labels (kubernetes.io/os, topology, cloud labels) are assumed present, so the rule never
 * fails a pod on a label it cannot see.
 */
function labelMatches(pool: Pool, key: string, test: (actual: string | undefined) => boolean): boolean {
  if (key in pool.labels) return test(pool.labels[key]);
  if (key.startsWith("worker-platform/")) return test(undefined);
  return true;
}

function expressionMatches(pool: Pool, e: Obj): boolean {
  const values: string[] = (e.values ?? []).map(String);
  switch (e.operator) {
    case "In":
      return labelMatches(pool, e.key, (a) => a !== undefined && values.includes(a));
    case "NotIn":
      return labelMatches(pool, e.key, (a) => a === undefined || !values.includes(a));
    case "Exists":
      return labelMatches(pool, e.key, (a) => a !== undefined);
    case "DoesNotExist":
      return labelMatches(pool, e.key, (a) => a === undefined);
    default:
      return true; // Gt/Lt: not modelled
  }
}

/** The AMD device plugin's chart (ROCm/k8s-device-plugin helm/amd-gpu), which the program installs on AMD pools. */
const AMD_DEVICE_PLUGIN_CHARTS = ["amd-gpu"];

/** Images of the NVIDIA device plugin and of the GPU Operator (which deploys the plugin itself at run time). */
const DEVICE_PLUGIN_IMAGE = /k8s-device-plugin|gpu-operator/;

/**
 * Device plugins that make nodes advertise nvidia.com/gpu: the chart, the GPU Operator, or EKS Bottlerocket NVIDIA AMIs.
 * Holds in both shapes: offline a chart is its inputs (`chart`); under the CLI a helm.v4.Chart's props are its outputs
 * (no `chart`), so it is also recognised by its resource name `<cluster>-<release>` (chartIs) and by the DaemonSet it
 * renders (a resource of the stack then, its image naming the plugin).
 */
function hasDevicePlugin(model: StackModel, cluster: Cluster, charts: string[], vendor: GpuVendor = "nvidia"): boolean {
  if (cluster.charts.some((c) => chartIs(c, charts))) return true;
  if (vendor === "amd") return false;
  const workloads = k8sObjects(model, [T.DaemonSet, T.Deployment]).filter((d) => d.cluster === cluster);
  const images = (r: Obj) => (podSpecOf(r.type, r.props)?.containers ?? []).map((c: Obj) => String(c.image ?? ""));
  if (workloads.some((d) => images(d.resource).some((i: string) => DEVICE_PLUGIN_IMAGE.test(i)))) return true;
  return cluster.pools.some((p) => p.gpu && /BOTTLEROCKET.*NVIDIA/.test(String(p.resource.props.amiType ?? "")));
}

const GPU_WORKLOAD_FIX =
  "Give the cluster a GPU pool (clusters[].pools[] with gpu: {count, type}), make the pod tolerate that pool's taints " +
  `(nvidia.com/gpu=present:NoSchedule, plus the spot taint for spot pools) and select it (${LABELS.gpu}: "true"), and install the ` +
  "nvidia-device-plugin add-on; or deploy the worker only where there are GPUs (workers[].clusters) or set gpu.fallbackToCpu.";

/**
 * A pod asking for nvidia.com/gpu only schedules on a node that advertises GPUs (device plugin running) and whose
 * taints it tolerates; the cluster autoscaler only scales up a pool whose template the pod fits. Otherwise it is
 * Pending forever with "Insufficient nvidia.com/gpu" or "untolerated taint".
 */
export const gpuPlacement = stackPolicy(
  {
    name: "gpu-workload-placement",
    description:
      "Every GPU workload can land on a GPU pool of its cluster (tolerations, selectors, GPUs per node) and the cluster runs the NVIDIA device plugin.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps: GPU_WORKLOAD_FIX,
    configSchema: {
      properties: {
        devicePluginCharts: {
          type: "array",
          items: { type: "string" },
          default: ["nvidia-device-plugin", "gpu-operator"],
          description: "Chart names that install the NVIDIA device plugin.",
        },
      },
    },
  },
  (model, args, report) => {
    const { devicePluginCharts = ["nvidia-device-plugin", "gpu-operator"] } = args.getConfig<{
      devicePluginCharts?: string[];
    }>();
    const gpuWorkloads = scalingView(model).workloads.filter((w) => w.gpus > 0);
    forEachDeferringUnknowns(gpuWorkloads, (w) => {
      const c = w.obj.cluster;
      const resource = GPU_RESOURCES[w.gpuVendor];
      const ref = `${w.obj.kind} ${w.obj.namespace}/${w.obj.name} (${w.gpus} ${resource} per pod)`;
      // Existing clusters are reached through a kubeconfig only: their pools are not resources of the stack.
      if (!c || c.cloud === "existing" || isWaived(w.obj.resource.props, "gpu-workload-placement")) return;
      // Only the pools of the vendor it asks for: another vendor's nodes never advertise its resource.
      const gpuPools = c.pools.filter((p) => p.gpu && p.gpuVendor === w.gpuVendor);
      if (!gpuPools.length) {
        report(
          `${ref} runs on cluster ${c.name}, which has no ${w.gpuVendor} GPU pool: its pods would stay Pending on "Insufficient ${resource}".`,
          w.obj.resource.urn,
        );
      } else {
        const reasons = gpuPools.map((p) => ({ pool: p, why: whyNotOnPool(w.spec, w.gpus, p) }));
        if (reasons.every((r) => r.why)) {
          report(
            `${ref} can land on none of the GPU pools of cluster ${c.name}: ${reasons.map((r) => `${r.pool.name} (${r.why})`).join("; ")}.`,
            w.obj.resource.urn,
          );
        }
      }
      const charts = w.gpuVendor === "amd" ? AMD_DEVICE_PLUGIN_CHARTS : devicePluginCharts;
      if (!hasDevicePlugin(model, c, charts, w.gpuVendor)) {
        report(
          `${ref} runs on cluster ${c.name}, which installs no ${w.gpuVendor === "amd" ? "AMD" : "NVIDIA"} device plugin (${charts.join(" or ")} chart): no node advertises ${resource}.`,
          w.obj.resource.urn,
        );
      }
    });
  },
);

export interface CapacityConfig {
  /** Exclude pods of PriorityClasses below this value (preemptible placeholders holding warm GPUs). */
  preemptibleBelow?: number;
}

/** GPUs a set of pools hold at their max size; undefined when a pool's max or GPUs per node is unknown. */
function capacity(pools: Pool[]): number | undefined {
  let sum = 0;
  for (const p of pools) {
    if (p.maxNodes === undefined || p.gpusPerNode === undefined) return undefined;
    sum += p.maxNodes * p.gpusPerNode;
  }
  return sum;
}

const fmtPools = (pools: Pool[]) =>
  pools
    .map((p) => `${p.name} (${p.maxNodes} nodes × ${p.gpusPerNode} GPU = ${(p.maxNodes ?? 0) * (p.gpusPerNode ?? 0)})`)
    .join(", ");
const fmtWorkers = (ws: Workload[]) =>
  ws.map((w) => `${w.obj.name} (max ${w.maxPods} [${w.maxSource}] × ${w.gpus} GPU = ${w.maxPods * w.gpus})`).join(", ");

/**
 * The check that would have caught the render job Pending for days on "Insufficient nvidia.com/gpu": at their
 * autoscalers' max, the GPU workers of a cluster must fit the GPU pools' max nodes × GPUs per node. Beyond it the
 * cluster autoscaler stops at the pools' max and the extra pods wait, silently, for a GPU that never comes.
 *
 * The cluster-wide sum, and, because a worker only uses the pools it tolerates (an on-demand-only worker cannot use
 * spot pools), every group of pools against the workers that can use nothing else (Hall's condition for the workers'
 * demand to fit the pools). Every failing check is reported in the same run, not only the first. Preemptible
 * placeholder pods (negative PriorityClass: warm GPU headroom) do not count, the scheduler evicts them for real work.
 */
export const gpuCapacity: StackValidationPolicy = stackPolicy(
  {
    name: "gpu-capacity",
    description: "At their max replicas, the GPU workers of each cluster fit its GPU pools' max nodes × GPUs per node.",
    enforcementLevel: "advisory",
    severity: "high",
    remediationSteps:
      "Lower workers[].replicas.max of the GPU workers named, or raise the max of the GPU pools named (clusters[].pools[].max), " +
      "or let more workers use spot pools (spot: true); in production this check is mandatory.",
    configSchema: {
      properties: {
        preemptibleBelow: {
          type: "integer",
          default: 0,
          description: "Pods whose PriorityClass value is below this are preemptible placeholders and do not count.",
        },
      },
    },
  },
  (model, args, report) => {
    const { preemptibleBelow = 0 } = args.getConfig<CapacityConfig>();
    const classes = k8sObjects(model, [T.PriorityClass]);
    const preemptible = (w: Workload) => {
      const pc = classes.find((c) => c.name === w.spec.priorityClassName && c.cluster === w.obj.cluster);
      const value = toNumber(pc?.resource.props.value);
      return value !== undefined && value < preemptibleBelow;
    };
    const workloads = scalingView(model).workloads.filter(
      (w) => w.gpus > 0 && !preemptible(w) && !isWaived(w.obj.resource.props, "gpu-capacity"),
    );
    for (const c of model.clusters.filter((c) => c.cloud !== "existing")) {
      for (const vendor of ["nvidia", "amd"] as const) {
        // Per vendor: a vendor's workers can only use its pools, and its pools hold only its devices.
        const ws = workloads.filter((w) => w.obj.cluster === c && w.gpuVendor === vendor);
        const pools = c.pools.filter((p) => p.gpu && p.gpuVendor === vendor);
        if (!ws.length || !pools.length) continue; // no GPU pool at all: gpu-workload-placement reports it
        const clusterUrn = c.resource?.urn;
        const sized = (p: Pool) => p.maxNodes !== undefined && p.gpusPerNode !== undefined;
        const unknown = pools.filter((p) => !sized(p));
        if (unknown.length) {
          report(
            `cluster ${c.name}: cannot size GPU pool(s) ${unknown.map((p) => p.name).join(", ")} (max nodes or GPUs per node unknown; set the ${LABELS.gpuCount} label or use a known machine type).`,
            clusterUrn,
          );
        }
        // Every check runs and reports: the cluster-wide total and each group of pools, so one run shows every problem.
        const demand = (xs: Workload[]) => xs.reduce((n, w) => n + w.maxPods * w.gpus, 0);
        const total = capacity(pools); // undefined when a pool cannot be sized
        if (total !== undefined && demand(ws) > total) {
          report(
            `cluster ${c.name}: GPU workers ${fmtWorkers(ws)} can demand ${demand(ws)} GPUs, but its GPU pools ${fmtPools(pools)} hold ${total}. ` +
              `Pods beyond ${total} GPUs stay Pending on "Insufficient ${GPU_RESOURCES[vendor]}".`,
            clusterUrn,
          );
        }
        // Per group of pools (smaller than all of them, and all sized): the workers that can only use those pools must
        // fit them. A group that contains groups already reported is reported only when it overflows on its own: its
        // workers that are not confined to those groups do not fit its other pools (otherwise it repeats their problem).
        const reach = new Map(ws.map((w) => [w, pools.filter((p) => !whyNotOnPool(w.spec, w.gpus, p))]));
        const confinedTo = (subset: Pool[]) =>
          ws.filter((w) => reach.get(w)!.length > 0 && reach.get(w)!.every((p) => subset.includes(p)));
        const reported: Pool[][] = [];
        for (const subset of subsetsBySize(pools)) {
          if (subset.length === pools.length || !subset.every(sized)) continue;
          const confined = confinedTo(subset);
          const cap = capacity(subset)!;
          if (!confined.length || demand(confined) <= cap) continue;
          const inner = reported.filter((r) => r.every((p) => subset.includes(p)));
          if (inner.length) {
            const innerWorkers = new Set(inner.flatMap(confinedTo));
            const rest = subset.filter((p) => !inner.some((r) => r.includes(p)));
            if (demand(confined.filter((w) => !innerWorkers.has(w))) <= capacity(rest)!) continue;
          }
          reported.push(subset);
          report(
            `cluster ${c.name}: GPU workers ${fmtWorkers(confined)} can only use GPU pool(s) ${fmtPools(subset)} and can demand ${demand(confined)} GPUs, ` +
              `more than the ${cap} those pools hold. Pods beyond that stay Pending on "Insufficient ${GPU_RESOURCES[vendor]}".`,
            clusterUrn,
          );
        }
      }
    }
  },
);

/** Non-empty subsets, smallest first (a handful of GPU pools per cluster: at most 2^n). */
function subsetsBySize<X>(items: X[]): X[][] {
  const out: X[][] = [];
  for (let mask = 1; mask < 1 << items.length; mask++) out.push(items.filter((_, i) => mask & (1 << i)));
  return out.sort((a, b) => a.length - b.length);
}

export const schedulingGpuPolicies = [gpuInLimits, priorityClassDefined, gpuPlacement, gpuCapacity];
