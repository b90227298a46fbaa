/**
 * The discrete-event model of one cluster's autoscaling chain: queues, KEDA (ScaledObject polls, ScaledJob polls),
 * the HPA, the ReplicaSet's victim choice, the scheduler (bin-packing on allocatable CPU, memory and GPUs, pool
 * placement, preemption of lower-priority pods), the cluster autoscaler (scan loop, one node group per scale-up,
 * expander, upcoming nodes, backoff, scale-down timers, drains) and node/pod start-up times. Time runs in integer
 * milliseconds; every random draw comes from the seeded Rng, so a seed gives one exact run.
 */
import { EventQueue, hash, Rng } from "./rng.ts";
import {
  externalAverageValueReplicas,
  externalValueReplicas,
  HPA_SYNC_SECONDS,
  hpaSync,
  newHpaMemory,
  resourceUtilizationReplicas,
} from "./hpa.ts";
import type { HpaMemory } from "./hpa.ts";
import { combineScaledJobScalers, isActive, scaledJobCreatesCombined, scaledObjectRequestScale } from "./keda.ts";
import type { ScaledObjectState } from "./keda.ts";
import type { SimCluster, SimPool, SimWorker, Trace } from "./types.ts";

/** KEDA's default expendable-pods-priority-cutoff of the cluster autoscaler: pods below it never trigger scale-up. */
export const EXPENDABLE_PRIORITY_CUTOFF = -10;
/** Seconds a placeholder (pause image, cached) takes to start. Assumption. */
const PLACEHOLDER_START_MS = 1000;
/** Seconds a cloud takes to report a failed (capacity-limited) scale-up. Assumption. */
const CLOUD_ERROR_MS = 30_000;

const ms = (s: number) => Math.round(s * 1000);

/** A job; in an outcome its times are seconds from the trace's start (internally milliseconds). */
export interface Job {
  id: number;
  worker: string;
  arrival: number;
  service: number;
  start?: number;
  end?: number;
  interrupted?: boolean;
}

interface Node {
  id: number;
  pool: PoolState;
  requestedAt: number;
  /** When GPUs (and CPU) are allocatable: the scheduler may bind from then. */
  allocatableAt: number;
  state: "provisioning" | "ready" | "draining" | "deleted";
  pods: Set<Pod>;
  cpu: number;
  mem: number;
  gpu: number;
  unneededSince?: number;
  images: Map<string, number>;
  deletedAt?: number;
  /** Worker billed for the node's idle time (the last one with a pod on it). */
  owner: string;
  lastAccount: number;
}

interface Pod {
  id: number;
  w?: WorkerState;
  /** Headroom placeholder of this pool. */
  placeholder?: PoolState;
  priority: number;
  cpu: number;
  mem: number;
  gpu: number;
  grace: number;
  pools: PoolState[];
  createdAt: number;
  state: "pending" | "starting" | "ready" | "terminating" | "gone";
  node?: Node;
  nominated?: Node;
  job?: Job;
  /** ScaledJob: the Job this pod runs for. */
  kJob?: KJob;
  readyAt?: number;
}

/** A ScaledJob's Job: up to `parallelism` pods at once until `completions` of them have succeeded (types.ts jobPods). */
interface KJob {
  pods: Set<Pod>;
  succeeded: number;
  finished: boolean;
}

interface WorkerState {
  cfg: SimWorker;
  queue: Job[];
  head: number;
  inFlight: number;
  spec: number;
  pods: Set<Pod>;
  hpa: HpaMemory;
  so: ScaledObjectState;
  kjobs: Set<KJob>;
  rng: Rng;
}

interface PoolState {
  cfg: SimPool;
  nodes: Set<Node>;
  backoffUntil: number;
  backoffMs: number;
  capacity?: number;
  scaleUps: number;
  scaleDowns: number;
  nodeMs: number;
  placeholders: Set<Pod>;
}

export interface Sample {
  t: number;
  workers: Record<string, { queue: number; desired: number; ready: number; pending: number }>;
  pools: Record<string, number>;
}

export interface WorkerOutcome {
  worker: string;
  jobs: Job[];
  /** Jobs still waiting when the run ended (stranded at or below the activation threshold, or never schedulable). */
  waitingAtEnd: number;
  /** Node-seconds attributed to the worker (its pods' share of each node, idle time to the last user). */
  nodeSeconds: number;
  gpuNodeSeconds: number;
  cost: number;
  busyGpuSeconds: number;
}

export interface PoolOutcome {
  pool: string;
  nodeHours: number;
  gpuNodeHours: number;
  cost: number;
  scaleUps: number;
  scaleDowns: number;
  maxNodes: number;
}

export interface SimOutcome {
  workers: WorkerOutcome[];
  pools: PoolOutcome[];
  samples: Sample[];
  endSeconds: number;
  /** Invariant violations found while running (empty on a correct run): checked by the tests. */
  violations: string[];
}

export interface SimOptions {
  seed: number;
  /** Seconds between timeline samples; 0: none. */
  sampleSeconds?: number;
  /** Check invariants after every event (slow; tests). */
  checkInvariants?: boolean;
  /** Controllers' loop phases: random (default: each starts at a uniform offset in its interval) or all at 0 (tests). */
  phase?: "random" | "zero";
}

/** Simulates one cluster through a trace. */
export function simulateCluster(cluster: SimCluster, trace: Trace, opts: SimOptions): SimOutcome {
  const rng = new Rng(opts.seed ^ hash(cluster.name));
  const events = new EventQueue<() => void>();
  let now = 0;
  const at = (t: number, fn: () => void) => events.push(Math.max(t, now), fn);
  const violations: string[] = [];
  /** Warm-up before the trace starts: pool minimums, min replicas and headroom settle; nothing is billed before it. */
  const W = ms(trace.warmupSeconds);
  let nextId = 1;
  let dirty = false;
  const ca = cluster.autoscaler;
  let lastScaleUp = -Infinity;
  // scale-down-delay-after-failure applies after a failed node deletion; the model's deletions never fail, so this
  // stays unset (kept so the timer is visible where the others are checked).
  const lastScaleDownFailure = -Infinity;

  const pools = new Map<string, PoolState>(
    cluster.pools.map((p) => [
      p.name,
      {
        cfg: p,
        nodes: new Set(),
        backoffUntil: 0,
        backoffMs: ms(ca.initialBackoff),
        scaleUps: 0,
        scaleDowns: 0,
        nodeMs: 0,
        placeholders: new Set(),
      },
    ]),
  );
  const poolRng = rng.fork(1);
  const workers = new Map<string, WorkerState>(
    cluster.workers.map((w) => [
      w.name,
      {
        cfg: w,
        queue: [],
        head: 0,
        inFlight: 0,
        spec: 0,
        pods: new Set(),
        hpa: newHpaMemory(),
        so: { lastActiveTime: undefined },
        kjobs: new Set(),
        rng: rng.fork(hash(w.name)),
      },
    ]),
  );
  const attribution = new Map<string, { nodeMs: number; gpuNodeMs: number; cost: number; busyGpuMs: number }>(
    [...workers.keys(), "(headroom)", "(pool minimum)"].map((k) => [
      k,
      { nodeMs: 0, gpuNodeMs: 0, cost: 0, busyGpuMs: 0 },
    ]),
  );
  const allJobs: Job[] = [];

  // ---------- nodes and billing ----------
  function account(node: Node) {
    const dt = now - Math.max(node.lastAccount, W);
    node.lastAccount = now;
    if (dt <= 0 || node.state === "deleted") return;
    const p = node.pool.cfg;
    const users = [...node.pods].filter((x) => x.w && x.state !== "gone");
    const weightOf = (x: Pod) => (p.gpus > 0 ? x.gpu : x.cpu / Math.max(1, p.cpuMilli)) || 1e-9;
    const total = users.reduce((s, x) => s + weightOf(x), 0);
    const share = (name: string, frac: number) => {
      const a = attribution.get(name)!;
      a.nodeMs += dt * frac;
      if (p.gpus > 0) a.gpuNodeMs += dt * frac;
      a.cost += (dt / 3_600_000) * p.pricePerHour * frac;
    };
    // A node held only by headroom placeholders is the headroom's cost; an empty one the last user's.
    if (users.length === 0) share([...node.pods].some((x) => x.placeholder) ? "(headroom)" : node.owner, 1);
    else for (const x of users) share(x.w!.cfg.name, weightOf(x) / total);
    for (const x of users)
      if (x.job && x.job.start !== undefined) attribution.get(x.w!.cfg.name)!.busyGpuMs += dt * x.gpu;
  }

  function addNode(pool: PoolState, owner: string, warm: boolean) {
    const p = pool.cfg;
    const provision = warm ? 0 : ms(poolRng.sample(p.provision));
    const gpuReady = warm || p.gpus === 0 ? 0 : ms(poolRng.sample(p.gpuReady));
    const node: Node = {
      id: nextId++,
      pool,
      requestedAt: now,
      allocatableAt: now + provision + gpuReady,
      state: "provisioning",
      pods: new Set(),
      cpu: 0,
      mem: 0,
      gpu: 0,
      images: new Map(),
      owner,
      lastAccount: now,
    };
    pool.nodes.add(node);
    const limited = pool.capacity !== undefined && countNodes(pool) > pool.capacity;
    if (limited) {
      // The cloud has no capacity: the request fails fast and the group backs off.
      at(now + CLOUD_ERROR_MS, () => failNode(node));
    } else if (provision > ms(ca.maxNodeProvisionTime)) {
      at(now + ms(ca.maxNodeProvisionTime), () => failNode(node));
    } else {
      at(node.allocatableAt, () => {
        if (node.state !== "provisioning") return;
        node.state = "ready";
        dirty = true;
      });
    }
    return node;
  }

  function failNode(node: Node) {
    if (node.state !== "provisioning") return;
    removeNode(node);
    const pool = node.pool;
    pool.backoffUntil = now + pool.backoffMs;
    pool.backoffMs = Math.min(pool.backoffMs * 2, ms(ca.maxBackoff));
    dirty = true;
  }

  function removeNode(node: Node) {
    account(node);
    node.state = "deleted";
    node.deletedAt = now;
    node.pool.nodeMs += Math.max(0, now - Math.max(node.requestedAt, W));
    node.pool.nodes.delete(node);
    for (const pod of [...node.pods]) podGone(pod, true);
  }

  const countNodes = (pool: PoolState) => pool.nodes.size;

  // ---------- pods ----------
  function newPod(w: WorkerState | undefined, placeholder?: PoolState): Pod {
    const pod: Pod = w
      ? {
          id: nextId++,
          w,
          priority: w.cfg.priority,
          cpu: w.cfg.requests.cpuMilli,
          mem: w.cfg.requests.memoryMiB,
          gpu: w.cfg.requests.gpus,
          grace: w.cfg.graceSeconds,
          pools: w.cfg.pools.map((n) => pools.get(n)!).filter(Boolean),
          createdAt: now,
          state: "pending",
        }
      : {
          id: nextId++,
          placeholder,
          priority: cluster.placeholderPriority,
          cpu: 10,
          mem: 16,
          gpu: Math.min(placeholder!.cfg.headroomGpus, placeholder!.cfg.gpus),
          grace: 0,
          pools: [placeholder!],
          createdAt: now,
          state: "pending",
        };
    if (w) w.pods.add(pod);
    pending.add(pod);
    dirty = true;
    return pod;
  }
  const pending = new Set<Pod>();
  /** A loop's first tick: KEDA starts each ScaledObject's loop at its creation, so phases are spread. */
  const phase = (interval: number, r: Rng) => (opts.phase === "zero" ? 0 : ms(r.uniform(0, interval)));

  function fits(node: Node, pod: Pod, reserved = 0) {
    const p = node.pool.cfg;
    return (
      node.cpu + pod.cpu <= p.cpuMilli && node.mem + pod.mem <= p.memoryMiB && node.gpu + pod.gpu + reserved <= p.gpus
    );
  }

  function bind(pod: Pod, node: Node) {
    account(node);
    pending.delete(pod);
    pod.nominated = undefined;
    pod.node = node;
    node.pods.add(pod);
    node.cpu += pod.cpu;
    node.mem += pod.mem;
    node.gpu += pod.gpu;
    node.unneededSince = undefined;
    if (pod.w) node.owner = pod.w.cfg.name;
    pod.state = "starting";
    let readyAt: number;
    if (pod.w) {
      const image = pod.w.cfg.name;
      let pulled = node.images.get(image);
      if (pulled === undefined) {
        pulled = now + ms(pod.w.rng.sample(pod.w.cfg.imagePull));
        node.images.set(image, pulled);
      }
      readyAt = Math.max(now, pulled) + ms(pod.w.rng.sample(pod.w.cfg.startup));
    } else readyAt = now + PLACEHOLDER_START_MS;
    at(readyAt, () => {
      if (pod.state !== "starting") return;
      pod.state = "ready";
      pod.readyAt = now;
      if (pod.w) startWork(pod);
    });
  }

  /** The pod leaves its node (or the pending set) now. `lost`: killed with its node. */
  function podGone(pod: Pod, lost = false) {
    if (pod.state === "gone") return;
    if (pod.job && pod.job.end === undefined) interrupt(pod);
    const node = pod.node;
    if (node) {
      account(node);
      node.pods.delete(pod);
      node.cpu -= pod.cpu;
      node.mem -= pod.mem;
      node.gpu -= pod.gpu;
    }
    pending.delete(pod);
    pod.state = "gone";
    dirty = true;
    const w = pod.w;
    if (w) {
      w.pods.delete(pod);
      if (pod.kJob && !pod.kJob.finished) {
        // podFailurePolicy Ignore on DisruptionTarget: the Job makes a new pod (worker.ts).
        const kj = pod.kJob;
        kj.pods.delete(pod);
        jobPod(w, kj);
      } else if (w.cfg.kind !== "job" && lost) replenish(w);
    } else if (pod.placeholder) {
      pod.placeholder.placeholders.delete(pod);
      // The headroom Deployment has fixed replicas: the ReplicaSet recreates every placeholder.
      const pl = newPod(undefined, pod.placeholder);
      pod.placeholder.placeholders.add(pl);
    }
  }

  function interrupt(pod: Pod) {
    if (pod.node) account(pod.node);
    const job = pod.job!;
    job.interrupted = true;
    job.end = now;
    pod.w!.inFlight--;
    pod.job = undefined;
  }

  /** SIGTERM with a grace: a busy worker finishes its job when the grace allows, else the job is interrupted. */
  function terminate(pod: Pod, graceSeconds: number) {
    if (pod.state === "gone" || pod.state === "terminating") return;
    if (!pod.node || pod.state !== "ready" || !pod.job) {
      podGone(pod);
      return;
    }
    pod.state = "terminating";
    const remaining = pod.job.start! + ms(pod.job.service) - now;
    const grace = ms(graceSeconds);
    if (remaining > grace) at(now + grace, () => podGone(pod));
    // otherwise finishWork sees the terminating state and the pod leaves when the job ends
  }

  /** A terminated Deployment pod is replaced by the ReplicaSet when the spec still wants it. */
  function replenish(w: WorkerState) {
    const alive = [...w.pods].filter((p) => p.state !== "terminating" && p.state !== "gone").length;
    for (let i = alive; i < w.spec; i++) newPod(w);
  }

  function startWork(pod: Pod) {
    const w = pod.w!;
    if (pod.state !== "ready" || pod.job) return;
    if (w.head >= w.queue.length) {
      if (pod.kJob) finishKJob(pod);
      return;
    }
    const job = w.queue[w.head++];
    if (w.head > 1024 && w.head * 2 > w.queue.length) {
      w.queue = w.queue.slice(w.head);
      w.head = 0;
    }
    if (pod.node) account(pod.node);
    job.start = now;
    pod.job = job;
    w.inFlight++;
    dirty = true;
    at(now + ms(job.service), () => {
      if (pod.job !== job) return;
      if (pod.node) account(pod.node);
      job.end = now;
      pod.job = undefined;
      w.inFlight--;
      if (pod.kJob) finishKJob(pod);
      else if (pod.state === "terminating") podGone(pod);
      else startWork(pod);
    });
  }

  /** A Job pod succeeded (its message done, or none left): the Job completes at `completions`, else tops up. */
  function finishKJob(pod: Pod) {
    const kj = pod.kJob!;
    const w = pod.w!;
    const { completions } = w.cfg.jobPods ?? { completions: 1 };
    kj.pods.delete(pod);
    kj.succeeded++;
    pod.kJob = undefined;
    podGone(pod);
    if (kj.succeeded >= completions) {
      kj.finished = true;
      w.kjobs.delete(kj);
    } else if (kj.succeeded + kj.pods.size < completions) jobPod(w, kj);
  }

  /** A new pod of a Job. */
  function jobPod(w: WorkerState, kj: KJob) {
    const pod = newPod(w);
    pod.kJob = kj;
    kj.pods.add(pod);
  }

  // ---------- deployment replicas (the ReplicaSet) ----------
  function setReplicas(w: WorkerState, n: number) {
    w.spec = n;
    const live = [...w.pods].filter((p) => p.state !== "terminating" && p.state !== "gone");
    if (live.length < n) for (let i = live.length; i < n; i++) newPod(w);
    else if (live.length > n) {
      // getPodsToDelete / ActivePodsWithRanks: unscheduled before scheduled, not ready before ready, then the most
      // recently ready first. Not work-aware: a busy pod can be picked (kedacore/keda #6719).
      const rank = (p: Pod) => (p.state === "pending" ? 0 : p.state === "starting" ? 1 : 2);
      live.sort((a, b) => rank(a) - rank(b) || (b.readyAt ?? 0) - (a.readyAt ?? 0) || b.id - a.id);
      for (const p of live.slice(0, live.length - n)) terminate(p, p.grace);
    }
  }

  function statusReplicas(w: WorkerState) {
    let n = 0;
    for (const p of w.pods) if (p.state !== "terminating" && p.state !== "gone") n++;
    return n;
  }

  function queueMetric(w: WorkerState, countsInFlight: boolean) {
    return w.queue.length - w.head + (countsInFlight ? w.inFlight : 0);
  }

  function busyPercent(w: WorkerState) {
    if (w.cfg.kind === "service") return w.cfg.steadyUtilizationPercent ?? 50;
    const ready = [...w.pods].filter((p) => p.state === "ready");
    if (ready.length === 0) return 0;
    // A busy worker uses its CPU request; an idle one about 5 % (assumption).
    return (100 * ready.filter((p) => p.job).length + 5 * ready.filter((p) => !p.job).length) / ready.length;
  }

  /** Summed GPU utilisation (percent per GPU) of the ready pods: 100 per GPU of a pod running a job, else 0. */
  function gpuMetric(w: WorkerState) {
    let sum = 0;
    for (const p of w.pods) if (p.state === "ready" && p.job) sum += 100 * p.gpu;
    return sum;
  }

  /** The external metrics KEDA reads (queue lengths, GPU utilisation), with each trigger's target and activation. */
  function externalMetrics(w: WorkerState) {
    const out: { name?: string; value: number; target: number; activation: number }[] = [];
    for (const t of w.cfg.triggers) {
      if (t.kind === "queue")
        out.push({ name: t.name, value: queueMetric(w, t.countsInFlight), target: t.target, activation: t.activation });
      else if (t.kind === "gpu")
        out.push({ name: t.name, value: gpuMetric(w), target: t.target, activation: t.activation });
    }
    return out;
  }

  /**
   * The scalingModifiers composite metric (kedacore/keda pkg/scaling/modifiers/formula.go): the formula over the
   * external metrics by trigger name. Undefined without scalingModifiers.
   */
  function compositeMetric(w: WorkerState) {
    const sm = w.cfg.scalingModifiers;
    if (!sm) return undefined;
    const byName: Record<string, number> = {};
    for (const m of externalMetrics(w)) if (m.name) byName[m.name] = m.value;
    return sm.formula(byName);
  }

  /** Whether KEDA sees the worker active: with scalingModifiers the composite metric alone (scale_handler.go). */
  function kedaActive(w: WorkerState) {
    const composite = compositeMetric(w);
    if (composite !== undefined) return composite > (w.cfg.scalingModifiers?.activationTarget ?? 0);
    return isActive(externalMetrics(w));
  }

  // ---------- KEDA ----------
  function kedaPoll(w: WorkerState) {
    const c = w.cfg;
    const metrics = externalMetrics(w);
    const active = kedaActive(w);
    if (c.kind === "job") {
      const running = w.kjobs.size;
      // Pending: no pod of the Job has every pendingPodCondition (kedacore/keda pkg/scaling/executor/scale_jobs.go
      // areAllPendingPodConditionsFulfilled: "any pod has all required conditions fulfilled").
      const pendingJobs = [...w.kjobs].filter((k) => ![...k.pods].some((p) => p.state === "ready")).length;
      const combined = combineScaledJobScalers(metrics, c.multipleScalersCalculation ?? "max", c.min, c.max);
      if (active) w.so.lastActiveTime = now / 1000;
      const n = scaledJobCreatesCombined(
        c.scaledJob ?? { strategy: "default" },
        combined,
        running,
        pendingJobs,
        c.min,
        c.max,
      );
      const { parallelism, completions } = c.jobPods ?? { parallelism: 1, completions: 1 };
      for (let i = 0; i < n; i++) {
        const kj: KJob = { pods: new Set(), succeeded: 0, finished: false };
        w.kjobs.add(kj);
        for (let p = 0; p < Math.min(parallelism, completions); p++) jobPod(w, kj);
      }
    } else {
      const set = scaledObjectRequestScale(
        w.so,
        now / 1000,
        active,
        w.spec,
        c.min,
        c.cooldownPeriod,
        c.initialCooldownPeriod ?? 0,
        0,
      );
      if (set !== undefined && set !== w.spec) setReplicas(w, set);
    }
    at(now + ms(c.pollingInterval), () => kedaPoll(w));
  }

  // ---------- HPA ----------
  function hpaTick(w: WorkerState) {
    const c = w.cfg;
    at(now + ms(HPA_SYNC_SECONDS), () => hpaTick(w));
    // 0 replicas with min >= 1 (KEDA's idle state): the HPA does nothing (ScalingDisabled).
    if (w.spec === 0) return;
    const status = statusReplicas(w);
    const proposals: number[] = [];
    const composite = compositeMetric(w);
    if (composite !== undefined && c.scalingModifiers) {
      const sm = c.scalingModifiers;
      const ready = [...w.pods].filter((p) => p.state === "ready").length;
      proposals.push(
        sm.metricType === "Value"
          ? externalValueReplicas(composite, sm.target, w.spec, ready, c.tolerance)
          : externalAverageValueReplicas(composite, sm.target, status, c.tolerance),
      );
    }
    for (const t of c.triggers) {
      if (composite !== undefined && t.kind !== "utilization") continue; // in the composite metric
      if (t.kind === "queue")
        proposals.push(externalAverageValueReplicas(queueMetric(w, t.countsInFlight), t.target, status, c.tolerance));
      else if (t.kind === "gpu")
        proposals.push(externalAverageValueReplicas(gpuMetric(w), t.target, status, c.tolerance));
      else {
        const ready = [...w.pods].filter((p) => p.state === "ready").length;
        proposals.push(resourceUtilizationReplicas(busyPercent(w), t.targetPercent, ready, c.tolerance) || w.spec);
      }
    }
    const metricDesired = proposals.length ? Math.max(...proposals) : w.spec;
    const hpaMin = Math.max(c.min, 1);
    const next = hpaSync(w.hpa, c.behavior, now / 1000, w.spec, metricDesired, hpaMin, c.max);
    if (next !== w.spec) setReplicas(w, next);
  }

  // ---------- scheduler ----------
  function schedule() {
    dirty = false;
    const queue = [...pending].sort((a, b) => b.priority - a.priority || a.createdAt - b.createdAt || a.id - b.id);
    for (const pod of queue) {
      if (pod.nominated) {
        if (pod.nominated.state === "ready" && fits(pod.nominated, pod)) bind(pod, pod.nominated);
        else if (pod.nominated.state !== "ready") pod.nominated = undefined;
        continue;
      }
      const node = findNode(pod);
      if (node) {
        bind(pod, node);
        continue;
      }
      preempt(pod);
    }
  }

  /** GPUs on a node promised to pods nominated there (they wait for their victims to leave). */
  function reservedOn(node: Node, except: Pod | undefined) {
    let r = 0;
    for (const p of pending) if (p.nominated === node && p !== except) r += p.gpu;
    return r;
  }

  function findNode(pod: Pod): Node | undefined {
    for (const pool of pod.pools)
      for (const node of pool.nodes) if (node.state === "ready" && fits(node, pod, reservedOn(node, pod))) return node;
    return undefined;
  }

  /**
   * Preemption (scheduler DefaultPreemption, simplified): on the first ready node of an allowed pool where evicting
   * pods of lower priority frees enough room, evict the lowest-priority ones needed; the pod is nominated and binds
   * when they are gone (their grace honoured).
   */
  function preempt(pod: Pod) {
    for (const pool of pod.pools) {
      for (const node of pool.nodes) {
        if (node.state !== "ready") continue;
        const victims = [...node.pods]
          .filter((v) => v.priority < pod.priority && v.state !== "terminating" && v.state !== "gone")
          .sort((a, b) => a.priority - b.priority || b.id - a.id);
        let cpu = node.cpu;
        let mem = node.mem;
        let gpu = node.gpu + reservedOn(node, pod);
        const chosen: Pod[] = [];
        const p = node.pool.cfg;
        const ok = () => cpu + pod.cpu <= p.cpuMilli && mem + pod.mem <= p.memoryMiB && gpu + pod.gpu <= p.gpus;
        for (const v of victims) {
          if (ok()) break;
          chosen.push(v);
          cpu -= v.cpu;
          mem -= v.mem;
          gpu -= v.gpu;
        }
        if (!ok() || chosen.length === 0) continue;
        pod.nominated = node;
        for (const v of chosen) {
          terminate(v, v.grace);
          if (v.w && v.w.cfg.kind !== "job") replenish(v.w);
        }
        return;
      }
    }
  }

  // ---------- cluster autoscaler ----------
  function caScan() {
    const scaledUp = scaleUp();
    if (!scaledUp) scaleDown();
    at(now + ms(ca.scanInterval), caScan);
  }

  function templateFits(pool: SimPool, pod: Pod) {
    return pod.cpu <= pool.cpuMilli && pod.mem <= pool.memoryMiB && pod.gpu <= pool.gpus;
  }

  /** First-fit-decreasing of pods onto empty template nodes: how many nodes. */
  function binpack(pool: SimPool, pods: Pod[]) {
    const bins: { cpu: number; mem: number; gpu: number }[] = [];
    for (const pod of [...pods].sort((a, b) => b.gpu - a.gpu || b.cpu - a.cpu)) {
      let bin = bins.find(
        (b) => b.cpu + pod.cpu <= pool.cpuMilli && b.mem + pod.mem <= pool.memoryMiB && b.gpu + pod.gpu <= pool.gpus,
      );
      if (!bin) {
        bin = { cpu: 0, mem: 0, gpu: 0 };
        bins.push(bin);
      }
      bin.cpu += pod.cpu;
      bin.mem += pod.mem;
      bin.gpu += pod.gpu;
    }
    return bins;
  }

  function scaleUp(): boolean {
    const unschedulable = [...pending].filter((p) => !p.nominated && p.priority >= EXPENDABLE_PRIORITY_CUTOFF);
    if (unschedulable.length === 0) return false;
    // Pods that fit on existing nodes (filterOutSchedulable: the scheduler has not bound them yet) or on upcoming
    // ones (requested, not yet allocatable) do not ask for new nodes.
    const upcoming = [...pools.values()].flatMap((pool) =>
      [...pool.nodes]
        .filter((n) => n.state === "provisioning" || n.state === "ready")
        .map((n) => ({ n, cpu: n.cpu, mem: n.mem, gpu: n.gpu + (n.state === "ready" ? reservedOn(n, undefined) : 0) })),
    );
    const remaining: Pod[] = [];
    for (const pod of unschedulable) {
      const slot = upcoming.find(
        (u) =>
          pod.pools.includes(u.n.pool) &&
          u.cpu + pod.cpu <= u.n.pool.cfg.cpuMilli &&
          u.mem + pod.mem <= u.n.pool.cfg.memoryMiB &&
          u.gpu + pod.gpu <= u.n.pool.cfg.gpus,
      );
      if (slot) {
        slot.cpu += pod.cpu;
        slot.mem += pod.mem;
        slot.gpu += pod.gpu;
      } else remaining.push(pod);
    }
    if (remaining.length === 0) return false;
    const options: { pool: PoolState; pods: Pod[]; nodes: number; waste: number }[] = [];
    for (const pool of pools.values()) {
      if (now < pool.backoffUntil) continue;
      const room = pool.cfg.max - countNodes(pool);
      if (room <= 0) continue;
      const pods = remaining.filter((p) => p.pools.includes(pool) && templateFits(pool.cfg, p));
      if (pods.length === 0) continue;
      const bins = binpack(pool.cfg, pods).slice(0, room);
      const c = pool.cfg;
      const used = bins.reduce((s, b) => s + b.cpu / c.cpuMilli + b.mem / c.memoryMiB, 0);
      options.push({ pool, pods, nodes: bins.length, waste: (2 * bins.length - used) / (2 * bins.length) });
    }
    if (options.length === 0) return false;
    const chosen = expand(options);
    const owner = chosen.pods[0].w?.cfg.name ?? "(headroom)";
    for (let i = 0; i < chosen.nodes; i++) addNode(chosen.pool, owner, false);
    chosen.pool.scaleUps += chosen.nodes;
    lastScaleUp = now;
    return true;
  }

  /** The expander: priority (highest expanderPriority, ties by least-waste), least-waste, most-pods or random. */
  function expand<O extends { pool: PoolState; pods: Pod[]; waste: number }>(options: O[]): O {
    const byWaste = (a: O, b: O) => a.waste - b.waste || a.pool.cfg.name.localeCompare(b.pool.cfg.name);
    if (ca.expander === "priority") {
      const top = Math.max(...options.map((o) => o.pool.cfg.expanderPriority));
      return options.filter((o) => o.pool.cfg.expanderPriority === top).sort(byWaste)[0];
    }
    if (ca.expander === "most-pods")
      return [...options].sort((a, b) => b.pods.length - a.pods.length || byWaste(a, b))[0];
    if (ca.expander === "random") return options[Math.floor(poolRng.next() * options.length)];
    return [...options].sort(byWaste)[0];
  }

  function utilization(node: Node) {
    const p = node.pool.cfg;
    // GPU nodes: GPU requests only (scale-down-gpu-utilization-threshold); others: the larger of CPU and memory.
    if (p.gpus > 0) return node.gpu / p.gpus;
    return Math.max(node.cpu / p.cpuMilli, node.mem / p.memoryMiB);
  }

  function scaleDown() {
    const ready = [...pools.values()].flatMap((pool) => [...pool.nodes].filter((n) => n.state === "ready"));
    const removable = new Set<Node>();
    for (const node of ready) {
      if (utilization(node) >= ca.scaleDownUtilizationThreshold) {
        node.unneededSince = undefined;
        continue;
      }
      const live = [...node.pods].filter((p) => p.state !== "gone");
      const blocked = live.some((p) => (p.w && !p.w.cfg.safeToEvict) || p.state === "terminating");
      let movable = !blocked;
      if (movable && live.length > 0) {
        // Every pod must fit on another ready node that is not itself going away.
        const room = ready
          .filter((n) => n !== node && !removable.has(n))
          .map((n) => ({ n, cpu: n.cpu, mem: n.mem, gpu: n.gpu }));
        for (const pod of live) {
          const r = room.find(
            (x) =>
              pod.pools.includes(x.n.pool) &&
              x.cpu + pod.cpu <= x.n.pool.cfg.cpuMilli &&
              x.mem + pod.mem <= x.n.pool.cfg.memoryMiB &&
              x.gpu + pod.gpu <= x.n.pool.cfg.gpus,
          );
          if (!r) {
            movable = false;
            break;
          }
          r.cpu += pod.cpu;
          r.mem += pod.mem;
          r.gpu += pod.gpu;
        }
      }
      if (movable) {
        removable.add(node);
        node.unneededSince ??= now;
      } else node.unneededSince = undefined;
    }
    if (
      now < lastScaleUp + ms(ca.scaleDownDelayAfterAdd) ||
      now < lastScaleDownFailure + ms(ca.scaleDownDelayAfterFailure)
    )
      return;
    const due = [...removable].filter((n) => now - n.unneededSince! >= ms(ca.scaleDownUnneededTime));
    const remainingOf = (pool: PoolState) =>
      [...pool.nodes].filter((n) => n.state !== "deleted" && n.state !== "draining").length;
    let bulk = 0;
    for (const node of due.filter((n) => n.pods.size === 0)) {
      if (bulk >= ca.maxEmptyBulkDelete || remainingOf(node.pool) <= node.pool.cfg.min) continue;
      bulk++;
      node.pool.scaleDowns++;
      removeNode(node);
    }
    if (bulk > 0) return;
    const drain = due.find((n) => n.pods.size > 0 && remainingOf(n.pool) > n.pool.cfg.min);
    if (!drain) return;
    drain.state = "draining";
    drain.pool.scaleDowns++;
    let wait = 0;
    for (const pod of [...drain.pods]) {
      const grace = Math.min(pod.grace, ca.maxGracefulTerminationSec);
      wait = Math.max(wait, grace);
      terminate(pod, grace);
      if (pod.w && pod.w.cfg.kind !== "job") replenish(pod.w);
      else if (pod.placeholder) {
        // evicted placeholders are recreated by their Deployment
      }
    }
    at(now + ms(wait) + 1, () => {
      if (drain.state === "draining") removeNode(drain);
    });
  }

  // ---------- trace ----------
  function arrive(job: Job) {
    const w = workers.get(job.worker);
    if (!w) return;
    w.queue.push(job);
    for (const pod of w.pods) if (pod.state === "ready" && !pod.job) startWork(pod);
  }

  // ---------- start ----------
  for (const pool of pools.values())
    for (let i = 0; i < pool.cfg.min; i++) {
      const n = addNode(pool, "(pool minimum)", true);
      n.state = "ready";
    }
  for (const pool of pools.values()) {
    const c = pool.cfg;
    if (c.headroomGpus > 0 && c.gpus > 0) {
      // headroomShape (components/workloads/headroom.ts): whole nodes, rounded up
      const replicas = Math.ceil(c.headroomGpus / Math.min(c.headroomGpus, c.gpus));
      for (let i = 0; i < replicas; i++) {
        pool.placeholders.add(newPod(undefined, pool));
      }
    }
  }
  for (const w of workers.values()) {
    const c = w.cfg;
    if (c.kind === "deployment" || c.kind === "job") at(phase(c.pollingInterval, w.rng), () => kedaPoll(w));
    if (c.kind === "deployment" || c.kind === "service") at(phase(HPA_SYNC_SECONDS, w.rng), () => hpaTick(w));
    if (c.kind === "service" || c.min > 0) setReplicas(w, Math.max(c.min, 1));
  }
  at(phase(ca.scanInterval, rng), caScan);
  const jobRng = rng.fork(7);
  let id = 0;
  const sorted = [...trace.jobs].sort((a, b) => a.at - b.at);
  for (const tj of sorted) {
    const w = workers.get(tj.worker);
    if (!w) continue;
    const job: Job = {
      id: id++,
      worker: tj.worker,
      arrival: W + ms(tj.at),
      service: tj.serviceSeconds ?? Math.max(1, jobRng.sample(w.cfg.service)),
    };
    allJobs.push(job);
    at(job.arrival, () => arrive(job));
  }
  for (const ev of trace.events) {
    const pool = pools.get(ev.pool);
    if (!pool) continue;
    at(W + ms(ev.at), () => {
      if (ev.kind === "capacity-limit") pool.capacity = ev.capacity;
      else {
        const victims = [...pool.nodes].filter((n) => n.state === "ready").slice(0, ev.nodes ?? 1);
        for (const node of victims) {
          // Reclaimed: nothing new lands on it (the node is tainted/cordoned by the cloud's termination handler).
          node.state = "draining";
          for (const pod of [...node.pods]) {
            terminate(pod, Math.min(pod.grace, cluster.spotNoticeSeconds));
            // The ReplicaSet replaces an evicted pod at once (a Job's pod is replaced when it is gone).
            if (pod.w && pod.w.cfg.kind !== "job") replenish(pod.w);
          }
          at(now + ms(cluster.spotNoticeSeconds), () => {
            if (node.state !== "deleted") removeNode(node);
          });
        }
      }
    });
  }

  const lastArrival = W + (sorted.length ? ms(sorted[sorted.length - 1].at) : 0);
  at(W, () => {
    for (const pool of pools.values()) pool.scaleUps = pool.scaleDowns = 0;
  });
  const hardEnd = lastArrival + ms(48 * 3600);
  const samples: Sample[] = [];
  const sampleMs = ms(opts.sampleSeconds ?? 0);
  if (sampleMs > 0) {
    const sample = () => {
      const s: Sample = { t: (now - W) / 1000, workers: {}, pools: {} };
      for (const w of workers.values())
        s.workers[w.cfg.name] = {
          queue: w.queue.length - w.head,
          desired: w.cfg.kind === "job" ? w.kjobs.size : w.spec,
          ready: [...w.pods].filter((p) => p.state === "ready").length,
          pending: [...w.pods].filter((p) => p.state === "pending").length,
        };
      for (const pool of pools.values()) s.pools[pool.cfg.name] = pool.nodes.size;
      samples.push(s);
      at(now + sampleMs, sample);
    };
    at(W, sample);
  }
  let doneAt: number | undefined;
  // Jobs of a worker whose pod fits no node of its pools never run: they do not hold the run open.
  const stuck = new Set(cluster.workers.filter((w) => unschedulable(cluster, w)).map((w) => w.name));
  // A queue at or below every activation threshold with no pod left never wakes its worker (strict >): stranded.
  const stranded = (w: WorkerState) => w.pods.size === 0 && w.kjobs.size === 0 && !kedaActive(w);
  const allDone = () =>
    [...workers.values()].every((w) => stuck.has(w.cfg.name) || w.head >= w.queue.length || stranded(w)) &&
    [...workers.values()].every((w) => w.inFlight === 0);
  let checkCounter = 0;
  for (;;) {
    const ev = events.pop();
    if (!ev) break;
    now = ev.t;
    if (now > hardEnd) break;
    ev.item();
    // Preemption frees room at once (victims with grace 0): schedule again until nothing changes.
    for (let pass = 0; dirty && events.peekTime() !== now && pass < 4; pass++) schedule();
    if (opts.checkInvariants) checkInvariants();
    if (doneAt === undefined && now >= lastArrival && (++checkCounter & 63) === 0 && allDone()) doneAt = now;
    if (doneAt !== undefined && now >= doneAt + ms(trace.drainSeconds)) break;
  }
  const end = now;
  for (const pool of pools.values())
    for (const node of pool.nodes) {
      account(node);
      pool.nodeMs += Math.max(0, end - Math.max(node.requestedAt, W));
    }

  function checkInvariants() {
    for (const w of workers.values()) {
      if (w.cfg.kind !== "job" && (w.spec > w.cfg.max || (w.spec < w.cfg.min && w.cfg.kind === "service")))
        violations.push(`${now}: ${w.cfg.name} replicas ${w.spec} outside [${w.cfg.min}, ${w.cfg.max}]`);
      // KEDA passes `running − minReplicaCount` to the strategy (scale_jobs.go getScalingDecision), so with min > 0
      // the default strategy can run up to max + min Jobs: the bound is KEDA's, not max.
      if (w.cfg.kind === "job" && w.kjobs.size > w.cfg.max + w.cfg.min)
        violations.push(`${now}: ${w.cfg.name} ${w.kjobs.size} jobs above max ${w.cfg.max} + min ${w.cfg.min}`);
    }
    for (const pool of pools.values()) {
      if (pool.nodes.size > pool.cfg.max)
        violations.push(`${now}: pool ${pool.cfg.name} ${pool.nodes.size} nodes > max`);
      for (const n of pool.nodes)
        if (n.cpu > pool.cfg.cpuMilli || n.mem > pool.cfg.memoryMiB || n.gpu > pool.cfg.gpus)
          violations.push(`${now}: node ${n.id} of ${pool.cfg.name} over its allocatable`);
    }
  }

  const out: SimOutcome = {
    workers: [...workers.values()].map((w) => {
      const a = attribution.get(w.cfg.name)!;
      return {
        worker: w.cfg.name,
        jobs: allJobs
          .filter((j) => j.worker === w.cfg.name)
          .map((j) => ({
            ...j,
            arrival: (j.arrival - W) / 1000,
            ...(j.start !== undefined ? { start: (j.start - W) / 1000 } : {}),
            ...(j.end !== undefined ? { end: (j.end - W) / 1000 } : {}),
          })),
        waitingAtEnd: w.queue.length - w.head,
        nodeSeconds: a.nodeMs / 1000,
        gpuNodeSeconds: a.gpuNodeMs / 1000,
        cost: a.cost,
        busyGpuSeconds: a.busyGpuMs / 1000,
      };
    }),
    pools: [...pools.values()].map((p) => ({
      pool: p.cfg.name,
      nodeHours: p.nodeMs / 3_600_000,
      gpuNodeHours: p.cfg.gpus > 0 ? p.nodeMs / 3_600_000 : 0,
      cost: (p.nodeMs / 3_600_000) * p.cfg.pricePerHour,
      scaleUps: p.scaleUps,
      scaleDowns: p.scaleDowns,
      maxNodes: p.cfg.max,
    })),
    samples,
    endSeconds: (end - W) / 1000,
    violations,
  };
  return out;
}

/** Whether a worker's pod fits no node of the pools it may use (then its jobs can never run). */
export function unschedulable(cluster: SimCluster, w: SimWorker): boolean {
  return !w.pools.some((name) => {
    const p = cluster.pools.find((x) => x.name === name);
    return !!p && w.requests.cpuMilli <= p.cpuMilli && w.requests.memoryMiB <= p.memoryMiB && w.requests.gpus <= p.gpus;
  });
}
