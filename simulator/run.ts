/**
 * Runs the simulator over a stack (every cluster, one trace) and summarises it: per worker the wait percentiles, first
 * job, makespan, interrupted jobs, GPU node-hours and cost, with Oracle-R and Oracle-C on the same arrivals; per pool
 * node-hours, cost and scale events. Deterministic for a seed.
 */
import type { StackConfig } from "../stacks/schema/index.ts";
import type { BuiltinTrace } from "../stacks/schema/simulation.ts";
import { simClusters } from "./from-config.ts";
import { simulateCluster, unschedulable } from "./model/engine.ts";
import type { Sample } from "./model/engine.ts";
import type { SimCluster, Trace } from "./model/types.ts";
import { builtinTrace } from "./traces.ts";
import { oracleC, oracleR, workGpuHours } from "./oracles.ts";

export interface Figures {
  jobs: number;
  interruptedJobs: number;
  unfinishedJobs: number;
  waitSeconds: { p50: number; p95: number; p99: number; max: number };
  firstJobSeconds: number | null;
  makespanSeconds: number | null;
  gpuNodeHours: number;
  cost: number;
}

export interface WorkerResult extends Figures {
  cluster: string;
  worker: string;
  /** Busy GPU-seconds over the GPU node-seconds billed to the worker. */
  gpuUtilization: number | null;
  workGpuHours: number;
  oracleR: Figures | null;
  oracleC: Figures | null;
}

export interface PoolResult {
  cluster: string;
  pool: string;
  nodeHours: number;
  gpuNodeHours: number;
  cost: number;
  scaleUps: number;
  scaleDowns: number;
}

export interface TraceResult {
  trace: string;
  workers: WorkerResult[];
  pools: PoolResult[];
  /** What the simulation found that makes figures meaningless, e.g. a pod that fits no node. */
  warnings: string[];
}

export interface ChartSeries {
  cluster: string;
  worker: string;
  trace: string;
  samples: Sample[];
  pools: string[];
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

function figures(
  arrivals: number[],
  starts: (number | undefined)[],
  ends: (number | undefined)[],
  interrupted: number,
  gpuNodeSeconds: number,
  cost: number,
): Figures {
  const waits = starts
    .map((s, i) => (s === undefined ? undefined : s - arrivals[i]))
    .filter((x): x is number => x !== undefined)
    .sort((a, b) => a - b);
  const first = arrivals.reduce((m, a) => Math.min(m, a), Infinity);
  const started = starts.filter((s): s is number => s !== undefined);
  const ended = ends.filter((e): e is number => e !== undefined);
  return {
    jobs: arrivals.length,
    interruptedJobs: interrupted,
    unfinishedJobs: ends.filter((e) => e === undefined).length,
    waitSeconds: {
      p50: round(percentile(waits, 50)),
      p95: round(percentile(waits, 95)),
      p99: round(percentile(waits, 99)),
      max: round(waits.length ? waits[waits.length - 1] : 0),
    },
    firstJobSeconds: started.length ? round(started.reduce((m, x) => Math.min(m, x), Infinity) - first) : null,
    makespanSeconds: ended.length ? round(ended.reduce((m, x) => Math.max(m, x), -Infinity) - first) : null,
    gpuNodeHours: round(gpuNodeSeconds / 3600, 3),
    cost: round(cost, 2),
  };
}

export interface RunOptions {
  seed: number;
  /** Only this worker's figures (the whole cluster is still simulated: workers share pools). */
  worker?: string;
  sampleSeconds?: number;
}

/** Simulates a trace on every cluster of the stack. `trace` is a built-in name or a Trace read from a file. */
export function simulateStack(
  cfg: StackConfig,
  trace: BuiltinTrace | Trace,
  opts: RunOptions,
): { result: TraceResult; charts: ChartSeries[] } {
  const clusters = simClusters(cfg);
  const result: TraceResult = {
    trace: typeof trace === "string" ? trace : trace.name,
    workers: [],
    pools: [],
    warnings: [],
  };
  const charts: ChartSeries[] = [];
  for (const cluster of clusters) {
    const t = typeof trace === "string" ? builtinTrace(trace, cluster, opts.seed) : trace;
    const { workers, pools } = simulateOne(cluster, t, opts, charts);
    for (const w of cluster.workers)
      if (w.kind !== "service" && (!opts.worker || opts.worker === w.name) && unschedulable(cluster, w))
        result.warnings.push(
          `${cluster.name}/${w.name}: its pod (${w.requests.cpuMilli}m CPU, ${w.requests.memoryMiB} MiB, ${w.requests.gpus} GPU) fits no node of its pools (${
            w.pools
              .map((n) => {
                const p = cluster.pools.find((x) => x.name === n)!;
                return `${n}: ${p.cpuMilli}m, ${p.memoryMiB} MiB, ${p.gpus} GPU allocatable`;
              })
              .join("; ") || "none"
          }): its jobs never run`,
        );
    result.workers.push(...workers);
    result.pools.push(...pools);
  }
  return { result, charts };
}

export function simulateOne(cluster: SimCluster, trace: Trace, opts: RunOptions, charts: ChartSeries[] = []) {
  const out = simulateCluster(cluster, trace, { seed: opts.seed, sampleSeconds: opts.sampleSeconds ?? 0 });
  const workers: WorkerResult[] = [];
  for (const wo of out.workers) {
    const w = cluster.workers.find((x) => x.name === wo.worker)!;
    if (w.kind === "service") continue;
    if (opts.worker && w.name !== opts.worker) continue;
    const jobs = wo.jobs;
    const arrivals = jobs.map((j) => j.arrival);
    const base = figures(
      arrivals,
      jobs.map((j) => j.start),
      jobs.map((j) => (j.interrupted ? undefined : j.end)),
      jobs.filter((j) => j.interrupted).length,
      wo.gpuNodeSeconds,
      wo.cost,
    );
    base.unfinishedJobs = jobs.filter((j) => j.end === undefined).length;
    const times = jobs.map((j) => ({ arrival: j.arrival, service: j.service }));
    const r = oracleR(times, cluster, w);
    const c = oracleC(times, cluster, w);
    const of = (o: typeof r) => (o ? figures(arrivals, o.starts, o.ends, 0, o.gpuNodeSeconds, o.cost) : null);
    workers.push({
      cluster: cluster.name,
      worker: w.name,
      ...base,
      gpuUtilization:
        wo.gpuNodeSeconds > 0 ? round(wo.busyGpuSeconds / (wo.gpuNodeSeconds * Math.max(1, w.requests.gpus)), 3) : null,
      workGpuHours: round(workGpuHours(times, w), 3),
      oracleR: of(r),
      oracleC: of(c),
    });
    if (opts.sampleSeconds)
      charts.push({
        cluster: cluster.name,
        worker: w.name,
        trace: trace.name,
        samples: out.samples,
        pools: w.pools,
      });
  }
  const pools: PoolResult[] = out.pools.map((p) => ({
    cluster: cluster.name,
    pool: p.pool,
    nodeHours: round(p.nodeHours, 3),
    gpuNodeHours: round(p.gpuNodeHours, 3),
    cost: round(p.cost, 2),
    scaleUps: p.scaleUps,
    scaleDowns: p.scaleDowns,
  }));
  return { workers, pools, violations: out.violations };
}
