/**
 * Honest baselines for one worker (docs/simulation.md, "Baselines"), on the worker's preferred pool shape with the
 * same physical delays (node ready, GPU allocatable, image pull, container start; their medians) and the same caps
 * (max replicas, times a ScaledJob's parallelism; the node max of its pools, pods per node):
 *  - Oracle-R (reactive ideal): at each arrival it starts the job on a free pod, or on the earliest of a busy pod
 *    freeing up and a node requested this instant; no loop delays, no rate limits; a node goes the moment it has no
 *    work.
 *  - Oracle-C (clairvoyant): a node is ready exactly when its first job arrives (requested a cold start earlier, boot
 *    billed) and kept through gaps shorter than a cold start; waits only when the caps bind.
 *  - work: the GPU-hours the jobs themselves use (Σ service × GPUs), the floor under any policy.
 */
import type { SimCluster, SimWorker } from "./model/types.ts";

export interface JobTimes {
  arrival: number;
  service: number;
}

export interface OracleOutcome {
  starts: number[];
  ends: number[];
  nodeSeconds: number;
  gpuNodeSeconds: number;
  cost: number;
}

interface Shape {
  podsPerNode: number;
  maxNodes: number;
  coldNode: number;
  coldPod: number;
  gpuPool: boolean;
  price: number;
}

export function oracleShape(cluster: SimCluster, w: SimWorker): Shape | undefined {
  const pools = w.pools.map((n) => cluster.pools.find((p) => p.name === n)).filter((p) => p !== undefined);
  const p = pools[0];
  if (!p) return undefined;
  const r = w.requests;
  const podsPerNode = Math.max(
    0,
    Math.min(
      r.cpuMilli > 0 ? Math.floor(p.cpuMilli / r.cpuMilli) : Infinity,
      r.memoryMiB > 0 ? Math.floor(p.memoryMiB / r.memoryMiB) : Infinity,
      r.gpus > 0 ? Math.floor(p.gpus / r.gpus) : Infinity,
    ),
  );
  if (podsPerNode === 0 || !Number.isFinite(podsPerNode)) return undefined;
  return {
    podsPerNode,
    maxNodes: pools.reduce((s, x) => s + x.max, 0),
    coldNode: p.provision.p50 + p.gpuReady.p50,
    coldPod: w.imagePull.p50 + w.startup.p50,
    gpuPool: p.gpus > 0,
    price: p.pricePerHour,
  };
}

interface ONode {
  requestedAt: number;
  readyAt: number;
  slots: number[];
  intervals: [number, number][];
  lastEnd: number;
}

function run(jobs: JobTimes[], w: SimWorker, s: Shape, clairvoyant: boolean): OracleOutcome {
  const order = jobs.map((_, i) => i).sort((a, b) => jobs[a].arrival - jobs[b].arrival || a - b);
  const starts = new Array<number>(jobs.length);
  const ends = new Array<number>(jobs.length);
  const live: ONode[] = [];
  const closed: ONode[] = [];
  const cold = s.coldNode + s.coldPod;
  // A ScaledJob runs up to max Jobs of `parallelism` pods each, one message per pod (model/types.ts jobPods).
  const maxPods = w.max * (w.kind === "job" ? (w.jobPods?.parallelism ?? 1) : 1);
  const slotCap = Math.min(maxPods, s.podsPerNode * s.maxNodes);
  for (const i of order) {
    const { arrival: a, service } = jobs[i];
    if (!clairvoyant)
      for (let k = live.length - 1; k >= 0; k--)
        if (live[k].lastEnd <= a && live[k].slots.every((f) => f <= a)) closed.push(...live.splice(k, 1));
    // Earliest existing slot.
    let best: { node: ONode; slot: number; start: number } | undefined;
    for (const node of live)
      node.slots.forEach((free, slot) => {
        const start = Math.max(a, free, node.readyAt);
        if (!best || start < best.start) best = { node, slot, start };
      });
    const usedSlots = live.reduce((n, x) => n + x.slots.length, 0);
    // A new pod on a node with room, or a new node.
    const room = live.find((n) => n.slots.length < s.podsPerNode);
    if (usedSlots < slotCap && (!best || best.start > a)) {
      if (room) {
        const start = Math.max(a + (clairvoyant ? 0 : s.coldPod), room.readyAt);
        if (!best || start < best.start) {
          room.slots.push(0);
          best = { node: room, slot: room.slots.length - 1, start };
        }
      } else if (live.length < s.maxNodes) {
        const readyAt = clairvoyant ? a : a + cold;
        if (!best || readyAt < best.start) {
          const node: ONode = { requestedAt: readyAt - cold, readyAt, slots: [0], intervals: [], lastEnd: readyAt };
          live.push(node);
          best = { node, slot: 0, start: readyAt };
        }
      }
    }
    if (!best) throw new Error("oracle: no capacity");
    const b = best;
    starts[i] = b.start;
    ends[i] = b.start + service;
    b.node.slots[b.slot] = ends[i];
    b.node.lastEnd = Math.max(b.node.lastEnd, ends[i]);
    b.node.intervals.push([b.start, ends[i]]);
  }
  closed.push(...live);
  let nodeSeconds = 0;
  for (const n of closed) {
    if (!clairvoyant) {
      nodeSeconds += n.lastEnd - n.requestedAt;
      continue;
    }
    // Clairvoyant: billed busy time plus a cold start per segment; a gap shorter than a cold start is kept warm.
    const iv = [...n.intervals].sort((x, y) => x[0] - y[0]);
    let segStart = iv[0][0];
    let segEnd = iv[0][1];
    for (const [st, en] of iv.slice(1)) {
      if (st - segEnd > cold) {
        nodeSeconds += segEnd - segStart + cold;
        segStart = st;
      }
      segEnd = Math.max(segEnd, en);
    }
    nodeSeconds += segEnd - segStart + cold;
  }
  return {
    starts,
    ends,
    nodeSeconds,
    gpuNodeSeconds: s.gpuPool ? nodeSeconds : 0,
    cost: (nodeSeconds / 3600) * s.price,
  };
}

export function oracleR(jobs: JobTimes[], cluster: SimCluster, w: SimWorker): OracleOutcome | undefined {
  const s = oracleShape(cluster, w);
  return s && jobs.length ? run(jobs, w, s, false) : undefined;
}

export function oracleC(jobs: JobTimes[], cluster: SimCluster, w: SimWorker): OracleOutcome | undefined {
  const s = oracleShape(cluster, w);
  return s && jobs.length ? run(jobs, w, s, true) : undefined;
}

/** GPU-hours of the work itself. */
export const workGpuHours = (jobs: JobTimes[], w: SimWorker) =>
  jobs.reduce((s, j) => s + j.service * w.requests.gpus, 0) / 3600;
