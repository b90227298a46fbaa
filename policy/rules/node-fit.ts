import type { StackValidationPolicy } from "@pulumi/policy";
import type { Amounts, NodeAgent } from "./lib/allocatable.ts";
import {
  GPU_NODE_DAEMONSET_CHARTS,
  GPU_NODE_DAEMONSET_CHART_VENDORS,
  cloudNodeAgents,
  describeAmounts,
  leftForPods,
  nodeAllocatable,
} from "./lib/allocatable.ts";
import { isWaived } from "./lib/common.ts";
import type { Obj } from "./lib/k8s.ts";
import { containersOf, parseQuantity, podSpecOf, T } from "./lib/k8s.ts";
import type { Cluster, Pool, StackModel } from "./lib/model.ts";
import { chartIs, k8sObjects } from "./lib/model.ts";
import { MACHINE_TYPES, machineTypesGpuVendor } from "./lib/platform.ts";
import { scalingView } from "./lib/scaling.ts";
import { stackPolicy } from "./lib/stack.ts";
import { tryRead, UNKNOWN } from "./lib/unknown.ts";
import { forEachDeferringUnknowns } from "./lib/unknown.ts";
import { whyNotOnPool } from "./scheduling-gpu.ts";

const RULE = "pod-fits-node";

/**
 * What the scheduler counts for a pod: per resource, the sum of its containers' requests (a container without a
 * request gets its limit as the request) or the largest init container's, whichever is larger (Kubernetes "Resource
 * sharing within containers", effective request). GPUs as the caller computed them.
 */
export function podRequests(spec: Obj, gpus: number): Amounts {
  const of = (c: Obj, r: "cpu" | "memory") =>
    parseQuantity(c.resources?.requests?.[r] ?? c.resources?.limits?.[r] ?? 0) ?? 0;
  const effective = (r: "cpu" | "memory") => {
    const main = (spec.containers ?? []).reduce((n: number, c: Obj) => n + of(c, r), 0);
    const init = Math.max(0, ...(spec.initContainers ?? []).map((c: Obj) => of(c, r)));
    return Math.max(main, init);
  };
  return {
    cpuMilli: Math.ceil(Math.round(effective("cpu") * 1e6) / 1e3),
    memoryMiB: effective("memory") / 2 ** 20,
    gpus,
  };
}

/** One node a pool may add (per machine type), or undefined when the pool's machine types are not all known. */
interface PoolNode {
  machineType: string;
  allocatable: Amounts;
  daemonSets: NodeAgent[];
  free: Amounts;
}

/**
 * DaemonSets of the stack that land on `pool`: rendered ones (the charts' children under the CLI) by their placement,
 * and, for a device plugin or DCGM exporter chart whose objects are not rendered (offline), its values' requests or
 * the program's defaults on GPU pools.
 */
function stackDaemonSets(model: StackModel, cluster: Cluster, pool: Pool): NodeAgent[] {
  const out: NodeAgent[] = [];
  for (const d of k8sObjects(model, [T.DaemonSet]).filter((d) => d.cluster === cluster)) {
    const spec = podSpecOf(d.resource.type, d.resource.props);
    if (!spec || whyNotOnPool(spec, 0, pool)) continue;
    const r = podRequests(spec, 0);
    out.push({ name: d.name, cpuMilli: r.cpuMilli, memoryMiB: r.memoryMiB });
  }
  if (!pool.gpu) return out;
  // Each vendor's DaemonSets run on its pools only (the program places them by vendor).
  const vendor = machineTypesGpuVendor(pool.machineTypes);
  for (const chart of cluster.charts) {
    const name = Object.keys(GPU_NODE_DAEMONSET_CHARTS).find((n) => chartIs(chart, [n]));
    if (!name || GPU_NODE_DAEMONSET_CHART_VENDORS[name] !== vendor) continue;
    if (model.descendantsOf(chart).some((r) => r.type === T.DaemonSet)) continue;
    const values = tryRead(() => (chart.props.values as Obj | undefined)?.resources?.requests as Obj | undefined);
    const requests = { ...GPU_NODE_DAEMONSET_CHARTS[name], ...(values === UNKNOWN ? {} : (values ?? {})) };
    const r = podRequests({ containers: [{ resources: { requests } }] }, 0);
    out.push({ name, cpuMilli: r.cpuMilli, memoryMiB: r.memoryMiB });
  }
  return out;
}

function poolNodes(model: StackModel, cluster: Cluster, pool: Pool): PoolNode[] | undefined {
  if (cluster.cloud === "existing" || pool.machineTypes.length === 0) return undefined;
  const networkPolicy = tryRead(() => (cluster.resource?.props.networkProfile as Obj | undefined)?.networkPolicy);
  const agents = cloudNodeAgents(cluster.cloud, typeof networkPolicy === "string" ? networkPolicy : undefined);
  const daemonSets = [...agents, ...stackDaemonSets(model, cluster, pool)];
  const nodes: PoolNode[] = [];
  for (const machineType of pool.machineTypes) {
    const shape = Object.hasOwn(MACHINE_TYPES, machineType) ? MACHINE_TYPES[machineType] : undefined;
    if (!shape || shape.cloud !== cluster.cloud) return undefined;
    const allocatable = nodeAllocatable(shape, pool.maxPods);
    nodes.push({ machineType, allocatable, daemonSets, free: leftForPods(allocatable, daemonSets) });
  }
  return nodes;
}

const NAMES: Record<keyof Amounts, string> = { cpuMilli: "CPU", memoryMiB: "memory", gpus: "GPUs" };
const short = (request: Amounts, free: Amounts) =>
  (["cpuMilli", "memoryMiB", "gpus"] as const).filter((k) => request[k] > free[k]);

/**
 * The pack's half of the program's fit check (stacks/schema/checks/fit.ts), for configurations that reach a preview
 * another way: every pod (Deployment, StatefulSet, Job, ScaledJob, ... but not DaemonSets, which are the overhead)
 * must fit a node of every pool it may land on (its tolerations and node affinity: whyNotOnPool), with the node's
 * allocatable from the machine type (lib/allocatable.ts) less the DaemonSets there. A pool whose nodes cannot hold
 * the pod never runs it, and the cluster autoscaler never adds a node to it for that pod; when no pool can, the pod
 * stays Pending for good. Also reports a container whose limit is below its request (the API server rejects it).
 */
export const podFitsNode: StackValidationPolicy = stackPolicy(
  {
    name: RULE,
    description:
      "Every pod's requests fit a node of every pool it may land on (the node's allocatable less the DaemonSets there), and no limit is below its request.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
      "Lower the workload's resources.requests, or give the pool named a larger machine type (clusters[].pools[].machineTypes); " +
      'raise a limit below its request. docs/clusters.md, "What fits a node", shows how a node\'s room is computed.',
  },
  (model, _args, report) => {
    const workloads = scalingView(model).workloads.filter((w) => w.obj.resource.type !== T.DaemonSet);
    const nodesOf = new Map<Pool, PoolNode[] | undefined>();
    forEachDeferringUnknowns(workloads, (w) => {
      if (isWaived(w.obj.resource.props, RULE)) return;
      const ref = `${w.obj.kind} ${w.obj.namespace}/${w.obj.name}`;
      for (const { container: c, name, kind } of containersOf(w.spec)) {
        for (const r of ["cpu", "memory"] as const) {
          const req = c.resources?.requests?.[r];
          const lim = c.resources?.limits?.[r];
          const [rq, lm] = [parseQuantity(req), parseQuantity(lim)];
          if (rq !== undefined && lm !== undefined && lm < rq)
            report(
              `${ref}, ${kind} '${name}': ${r} limit ${lim} is below its request ${req}; the API server rejects the pod.`,
              w.obj.resource.urn,
            );
        }
      }
      const cluster = w.obj.cluster;
      if (!cluster || cluster.cloud === "existing") return; // an existing cluster's pools are not resources
      const pools = cluster.pools.filter((p) => !whyNotOnPool(w.spec, w.gpus, p));
      if (pools.length === 0) return; // nowhere to go at all: gpu-workload-placement's case
      const request = podRequests(w.spec, w.gpus);
      const misfits: string[] = [];
      const fitting: string[] = [];
      for (const pool of pools) {
        if (!nodesOf.has(pool)) nodesOf.set(pool, poolNodes(model, cluster, pool));
        const nodes = nodesOf.get(pool);
        if (!nodes) continue; // a machine type the pack does not know: not judged
        const bad = nodes.find((n) => short(request, n.free).length > 0);
        if (!bad) {
          fitting.push(pool.name);
          continue;
        }
        const by = short(request, bad.free)
          .map(
            (k) =>
              `${NAMES[k]} by ${Math.ceil(request[k] - bad.free[k])}${k === "cpuMilli" ? "m" : k === "memoryMiB" ? "Mi" : ""}`,
          )
          .join(", ");
        misfits.push(
          `pool ${pool.name} of cluster ${cluster.name} (${bad.machineType}) has ${describeAmounts(bad.free)} per node for it (allocatable ${describeAmounts(bad.allocatable)}${bad.daemonSets.length ? ` less the DaemonSets ${bad.daemonSets.map((d) => d.name).join(", ")}` : ", no DaemonSet counted"}): short of ${by}`,
        );
      }
      if (misfits.length === 0) return;
      const consequence =
        fitting.length === 0
          ? "it fits none of the pools it may land on: it stays Pending and the cluster autoscaler never adds a node for it"
          : `it never runs there (only on ${fitting.join(", ")}) and the cluster autoscaler never scales that pool for it`;
      report(
        `${ref} requests ${describeAmounts(request)} per pod, more than a node has for it: ${misfits.join("; ")}; ${consequence}.`,
        w.obj.resource.urn,
      );
    });
  },
);

export const nodeFitPolicies = [podFitsNode];
