import type { z } from "zod";
import type { Amounts, NodeAgent } from "../../allocatable.ts";
import {
  cloudNodeAgents,
  cpuMilli,
  describeAmounts,
  leftForPods,
  memoryMiB,
  nodeAllocatable,
  shortfall,
} from "../../allocatable.ts";
import { gpuDevicesPerNode, poolGpuVendor, timeSliced } from "../../accelerators.ts";
import { machineShape } from "../../machine-types.ts";
import { queuePools, choosePools } from "../../placement.ts";
import type { ContainerResources } from "../../platform-pods.ts";
import {
  GPU_NODE_DAEMONSET_RESOURCES,
  GPU_NODE_DAEMONSETS_BY_VENDOR,
  HEADROOM_RESOURCES,
  QUEUE_RESOURCES,
  headroomShape,
} from "../../platform-pods.ts";
import type { AddonsConfig } from "../addons.ts";
import { isCloudQueue } from "../workloads.ts";
import type { ClusterConfig, StackConfig } from "../stack.ts";
import type { Resources } from "../common.ts";
import { issue } from "./clusters.ts";
import { targetClusters } from "./workloads.ts";

type Ctx = z.RefinementCtx;
type Path = (string | number)[];
type Pool = ClusterConfig["pools"][number];

/** One node of a pool, as the fit check sees it. */
export interface PoolNode {
  /** The machine type, or "declared allocatable" on an existing cluster. */
  machineType: string;
  /** The node's allocatable (kubelet), or what an existing pool declares. */
  allocatable: Amounts;
  /** DaemonSets on every node of the pool: the cloud's agents and the platform's GPU DaemonSets. */
  daemonSets: NodeAgent[];
  /** allocatable − the DaemonSets' requests: what the platform's pods can have. */
  free: Amounts;
}

/**
 * The nodes a pool may add (one per machine type: the cluster autoscaler may bring any of them), or undefined when
 * the platform cannot know them: an existing cluster's pool without `allocatable`, or a machine type missing from
 * stacks/machine-types.ts (reported by checkClusters).
 */
export function poolNodes(cluster: ClusterConfig, pool: Pool, addons: AddonsConfig): PoolNode[] | undefined {
  const ours = platformDaemonSets(pool, addons);
  if (cluster.cloud === "existing") {
    const declared = "allocatable" in pool ? pool.allocatable : undefined;
    const cpu = declared && cpuMilli(declared.cpu);
    const memory = declared && memoryMiB(declared.memory);
    if (cpu === undefined || memory === undefined) return undefined;
    const allocatable = { cpuMilli: cpu, memoryMiB: memory, gpus: gpuDevicesPerNode(pool) };
    return [
      { machineType: "declared allocatable", allocatable, daemonSets: ours, free: leftForPods(allocatable, ours) },
    ];
  }
  const agents = [
    ...cloudNodeAgents(cluster.cloud, cluster.cloud === "azure" ? cluster.azure.networkPolicy : undefined),
  ];
  const nodes: PoolNode[] = [];
  for (const machineType of pool.machineTypes) {
    const shape = machineShape(machineType);
    if (!shape || shape.cloud !== cluster.cloud) return undefined;
    // GPUs as the node advertises them to its vendor's pods: × time-slicing replicas or MIG instances.
    const base = nodeAllocatable(shape).allocatable;
    const allocatable = { ...base, gpus: gpuDevicesPerNode(pool) };
    const daemonSets = [...agents, ...ours];
    nodes.push({ machineType, allocatable, daemonSets, free: leftForPods(allocatable, daemonSets) });
  }
  return nodes;
}

/**
 * The platform's DaemonSets on a pool: the NVIDIA device plugin and the DCGM exporter on every NVIDIA pool, the AMD
 * device plugin and metrics exporter on every AMD pool, when enabled (components/addons/nvidia-device-plugin.ts,
 * dcgm-exporter.ts, amd-device-plugin.ts, amd-metrics-exporter.ts: placement by vendor), with the requests the
 * chart gets: stacks/platform-pods.ts, under `addons.<key>.values.resources` when the stack overrides them.
 */
function platformDaemonSets(pool: Pool, addons: AddonsConfig): NodeAgent[] {
  const vendor = poolGpuVendor(pool);
  if (!vendor) return [];
  const out: NodeAgent[] = [];
  const names = {
    nvidiaDevicePlugin: "nvidia-device-plugin",
    dcgmExporter: "dcgm-exporter",
    amdDevicePlugin: "amd-device-plugin",
    amdMetricsExporter: "amd-metrics-exporter",
  } as const;
  // Each vendor's DaemonSets on its own pools only (components/addons/scheduling.ts gpuPlacement by vendor).
  for (const key of GPU_NODE_DAEMONSETS_BY_VENDOR[vendor]) {
    if (!addons[key].enabled) continue;
    const requests = { ...GPU_NODE_DAEMONSET_RESOURCES[key].requests, ...overriddenRequests(addons[key].values) };
    out.push({ name: names[key], cpuMilli: cpuMilli(requests.cpu) ?? 0, memoryMiB: memoryMiB(requests.memory) ?? 0 });
  }
  return out;
}

/** `values.resources.requests.{cpu,memory}` of an add-on's config, where they are quantities. */
function overriddenRequests(values: Record<string, unknown>): { cpu?: string; memory?: string } {
  const requests = (values.resources as { requests?: Record<string, unknown> } | undefined)?.requests;
  const out: { cpu?: string; memory?: string } = {};
  for (const k of ["cpu", "memory"] as const) {
    const v = requests?.[k];
    if ((typeof v === "string" || typeof v === "number") && (k === "cpu" ? cpuMilli(v) : memoryMiB(v)) !== undefined)
      out[k] = String(v);
  }
  return out;
}

/** A pod the platform will create on a cluster, with the pools it may land on. */
interface PlannedPod {
  /** `worker renderer`, `in-cluster queue jobs-redis`, `headroom placeholder of pool gpu`. */
  what: string;
  /** Where the problem is reported. */
  path: Path;
  request: Amounts;
  /** The request as configured, for the message. */
  shown: string;
  pools: Pool[];
  /** What to change when a pool cannot hold it, besides a larger machine type. */
  fix: string;
}

const podRequest = (r: ContainerResources["requests"], gpus: number): Amounts => ({
  cpuMilli: cpuMilli(r.cpu) ?? 0,
  memoryMiB: memoryMiB(r.memory) ?? 0,
  gpus,
});
const showRequest = (r: ContainerResources["requests"], gpus: number) =>
  `cpu ${r.cpu}, memory ${r.memory}${gpus ? `, ${gpus} GPU` : ""}`;

/** The pods of a cluster: workers, services, in-cluster queues and warm GPU headroom placeholders. */
function plannedPods(cfg: StackConfig, cluster: ClusterConfig, ci: number): PlannedPod[] {
  const out: PlannedPod[] = [];
  const onCluster = (names: string[] | undefined) => targetClusters(cfg, names).some((c) => c.name === cluster.name);
  for (const key of ["workers", "services"] as const) {
    cfg[key].forEach((w, i) => {
      if (!onCluster(w.clusters)) return;
      const choice = choosePools(cluster.pools, w);
      // No pool at all: checkPlacement (GPU) or the placement warning (no CPU workload pool) covers it.
      if (choice.pools.length === 0) return;
      const gpus = choice.kind === "gpu" ? (w.gpu?.count ?? 0) : 0;
      out.push({
        what: `${key === "workers" ? "worker" : "service"} ${w.name}`,
        path: [key, i, "resources", "requests"],
        request: podRequest(w.resources.requests, gpus),
        shown: showRequest(w.resources.requests, gpus),
        pools: choice.pools,
        fix: `lower ${key}[${i}].resources.requests`,
      });
    });
  }
  cfg.queues.forEach((q, i) => {
    if (isCloudQueue(q) || q.mode !== "in-cluster") return;
    const pools = queuePools(cluster.pools);
    if (pools.length === 0) return; // no on-demand CPU workload pool, no system pool: "anywhere"
    out.push({
      what: `in-cluster queue ${q.name}`,
      path: ["queues", i],
      request: podRequest(QUEUE_RESOURCES[q.kind].requests, 0),
      shown: showRequest(QUEUE_RESOURCES[q.kind].requests, 0),
      pools,
      fix: "use an external queue (mode: external)",
    });
  });
  cluster.pools.forEach((pool, pi) => {
    if (!pool.gpu || pool.headroomGpus <= 0) return;
    const { gpusPerPod } = headroomShape(pool.headroomGpus, timeSliced(pool) ? 1 : gpuDevicesPerNode(pool));
    out.push({
      what: `warm GPU headroom placeholder of pool ${pool.name}`,
      path: ["clusters", ci, "pools", pi, "headroomGpus"],
      request: podRequest(HEADROOM_RESOURCES.requests, gpusPerPod),
      shown: showRequest(HEADROOM_RESOURCES.requests, gpusPerPod),
      pools: [pool],
      fix: "set headroomGpus: 0",
    });
  });
  return out;
}

const AMOUNT_NAMES: Record<keyof Amounts, string> = { cpuMilli: "CPU", memoryMiB: "memory", gpus: "GPUs" };

/**
 * Every pod fits a node of every pool it may land on: a pool whose nodes cannot hold a pod never runs it, and the
 * cluster autoscaler never adds a node to it for that pod (it simulates the pod on the pool's template node,
 * kubernetes/autoscaler FAQ "How does scale-up work?"). When no pool fits, the pod stays Pending for good. Pods are
 * placed by the same rules as the components (stacks/placement.ts); a node's room is its allocatable less the
 * DaemonSets on it (stacks/allocatable.ts). Also: a limit below its request, which the API server rejects.
 */
export function checkFit(cfg: StackConfig, ctx: Ctx): void {
  for (const key of ["workers", "services"] as const) {
    cfg[key].forEach((w, i) => limitsNotBelowRequests(ctx, [key, i, "resources"], w.resources));
  }
  cfg.clusters.forEach((cluster, ci) => {
    const nodes = new Map(cluster.pools.map((p) => [p, poolNodes(cluster, p, cfg.addons)]));
    for (const pod of plannedPods(cfg, cluster, ci)) {
      const misfits: string[] = [];
      const fitting: string[] = [];
      for (const pool of pod.pools) {
        const pi = cluster.pools.indexOf(pool);
        const known = nodes.get(pool);
        if (!known) continue; // unknown: not checked
        const bad = known.find((n) => shortfall(pod.request, n.free).length > 0);
        if (!bad) {
          fitting.push(pool.name);
          continue;
        }
        const short = shortfall(pod.request, bad.free)
          .map((k) => `${AMOUNT_NAMES[k]} by ${describeShort(k, pod.request[k] - bad.free[k])}`)
          .join(", ");
        misfits.push(
          `pool ${pool.name} of cluster ${cluster.name} (${bad.machineType}, clusters[${ci}].pools[${pi}]) has ${describeAmounts(bad.free)} per node for it (allocatable ${describeAmounts(bad.allocatable)}${bad.daemonSets.length ? ` less the DaemonSets ${bad.daemonSets.map((d) => d.name).join(", ")}` : ", no DaemonSet counted"}): short of ${short}`,
        );
      }
      if (misfits.length === 0) continue;
      const consequence =
        fitting.length === 0
          ? `it fits none of the pools it may use there, so it would stay Pending and the cluster autoscaler would never add a node for it`
          : `it would never run there (it runs only on ${fitting.join(", ")}) and the cluster autoscaler would never scale that pool for it`;
      issue(
        ctx,
        pod.path,
        `${pod.what} requests ${pod.shown} per pod, more than a node has for it: ${misfits.join("; ")}; ${consequence}. Give the pool a larger machine type, or ${pod.fix} (docs/clusters.md, "What fits a node")`,
        undefined,
      );
    }
  });
}

function describeShort(k: keyof Amounts, amount: number): string {
  if (k === "cpuMilli") return `${Math.ceil(amount)}m`;
  if (k === "memoryMiB") return `${Math.ceil(amount)}Mi`;
  return String(amount);
}

/** A limit below its request is rejected by the API server ("must be greater than or equal to ... request"). */
function limitsNotBelowRequests(ctx: Ctx, path: Path, r: Resources): void {
  const pairs = [
    { k: "cpu" as const, parse: cpuMilli },
    { k: "memory" as const, parse: memoryMiB },
  ];
  for (const { k, parse } of pairs) {
    const limit = r.limits[k];
    if (limit === undefined) continue;
    const lim = parse(limit);
    const req = parse(r.requests[k]);
    if (lim !== undefined && req !== undefined && lim < req) {
      issue(
        ctx,
        [...path, "limits", k],
        `must be >= the ${k} request (${r.requests[k]}): Kubernetes rejects a pod whose limit is below its request; raise the limit or lower resources.requests.${k}`,
        limit,
      );
    }
  }
}
