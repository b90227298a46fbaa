/**
 * The SLO check `npm run plan` runs: each worker with `slo` is simulated on its trace (docs/simulation.md), and a
 * breach is reported like a policy violation (`simulation-slo`, level `simulation.sloLevel`: mandatory in production
 * by default), naming the worker, cluster, trace, figure and limit, and the config change most likely to fix it.
 */
import type { StackConfig } from "../stacks/schema/index.ts";
import type { BuiltinTrace } from "../stacks/schema/simulation.ts";
import { simClusters } from "./from-config.ts";
import type { TraceResult, WorkerResult } from "./run.ts";
import { simulateStack } from "./run.ts";

export const SLO_POLICY = "simulation-slo";

export interface SloBreach {
  policy: typeof SLO_POLICY;
  enforcementLevel: "advisory" | "mandatory";
  resourceName: string;
  message: string;
  remediation: string;
}

export function sloLevel(cfg: StackConfig): "advisory" | "mandatory" | "disabled" {
  return cfg.simulation.sloLevel ?? (cfg.platform.production ? "mandatory" : "advisory");
}

/** Simulates the SLO traces of the stack's workers and returns every breach. */
export function checkSlos(cfg: StackConfig): SloBreach[] {
  const level = sloLevel(cfg);
  if (level === "disabled") return [];
  const withSlo = cfg.workers.filter((w) => w.slo);
  const ratio = cfg.simulation.maxGpuNodeHoursRatio;
  const results = new Map<BuiltinTrace, TraceResult>();
  const breaches: SloBreach[] = [];
  const clusters = simClusters(cfg);
  for (const w of withSlo) {
    const slo = w.slo!;
    let r = results.get(slo.trace);
    if (!r) {
      r = simulateStack(cfg, slo.trace, { seed: cfg.simulation.seed }).result;
      results.set(slo.trace, r);
    }
    for (const res of r.workers.filter((x) => x.worker === w.name)) {
      const cluster = clusters.find((c) => c.name === res.cluster)!;
      const sim = cluster.workers.find((x) => x.name === w.name)!;
      const where = `worker ${w.name} on ${res.cluster}, trace ${slo.trace}`;
      const breach = (figure: string, fix: string) =>
        breaches.push({
          policy: SLO_POLICY,
          enforcementLevel: level,
          resourceName: `${res.cluster}/${w.name}`,
          message: `${where}: ${figure}`,
          remediation: fix,
        });
      if (slo.waitP95Seconds !== undefined && (res.unfinishedJobs > 0 || res.waitSeconds.p95 > slo.waitP95Seconds))
        breach(
          res.unfinishedJobs > 0
            ? `${res.unfinishedJobs} of ${res.jobs} jobs never ran (waitP95Seconds ${slo.waitP95Seconds})`
            : `wait p95 ${res.waitSeconds.p95} s > waitP95Seconds ${slo.waitP95Seconds} s`,
          fixForWait(res, sim.pollingInterval, slo.waitP95Seconds, "p95", cluster.pools, sim.pools, sim.max),
        );
      if (
        slo.firstJobSeconds !== undefined &&
        (res.firstJobSeconds === null || res.firstJobSeconds > slo.firstJobSeconds)
      )
        breach(
          res.firstJobSeconds === null
            ? `no job ran (firstJobSeconds ${slo.firstJobSeconds} s)`
            : `first job running after ${res.firstJobSeconds} s > firstJobSeconds ${slo.firstJobSeconds} s`,
          fixForWait(res, sim.pollingInterval, slo.firstJobSeconds, "first", cluster.pools, sim.pools, sim.max),
        );
      if (ratio !== undefined && res.oracleC && res.oracleC.gpuNodeHours > 0) {
        const got = res.gpuNodeHours / res.oracleC.gpuNodeHours;
        if (got > ratio)
          breach(
            `GPU node-hours ${res.gpuNodeHours} are ${got.toFixed(2)}× Oracle-C's ${res.oracleC.gpuNodeHours} > simulation.maxGpuNodeHoursRatio ${ratio}`,
            "shorten clusters[].autoscaler.scaleDownUnneededTime / scaleDownDelayAfterAdd, the worker's cooldownPeriod, or drop headroomGpus / replicas.min that keep GPU nodes idle",
          );
      }
    }
  }
  return breaches;
}

/** The change most likely to bring a wait or first-job figure under its limit. */
function fixForWait(
  res: WorkerResult,
  pollingInterval: number,
  limit: number,
  figure: "p95" | "first",
  pools: { name: string; headroomGpus: number }[],
  allowed: string[],
  maxReplicas: number,
): string {
  const oracle = figure === "p95" ? res.oracleR?.waitSeconds.p95 : res.oracleR?.firstJobSeconds;
  if (res.unfinishedJobs > 0 && res.firstJobSeconds === null)
    return "no job ever ran: the pod fits no node of its pools, or the queue never exceeds the trigger's activation; check its requests against the pools' machine types";
  if (pollingInterval > limit / 4)
    return `lower pollingInterval (now ${pollingInterval} s): KEDA wakes a worker from 0 only at its next poll`;
  if (oracle !== undefined && oracle !== null && oracle > limit) {
    if (figure === "first") {
      const pool = pools.find((p) => allowed.includes(p.name) && p.headroomGpus === 0)?.name ?? allowed[0];
      return `a cold start alone takes ${oracle} s (Oracle-R): keep capacity warm with headroomGpus on pool ${pool}, or replicas.min >= 1`;
    }
    return `capacity binds (even Oracle-R's p95 wait is ${oracle} s): raise replicas.max (now ${maxReplicas}) and its pools' max`;
  }
  return "let the HPA add pods faster: scaleUp.podsPer15s up to replicas.max, scaleUp.stabilizationWindowSeconds 0";
}
