import { z } from "zod";

/** The built-in traces of the scaling simulator (`npm run simulate`, docs/simulation.md). */
export const BUILTIN_TRACES = ["burst-200", "diurnal-24h", "sawtooth", "sparse-trickle", "spot-outage"] as const;
export type BuiltinTrace = (typeof BUILTIN_TRACES)[number];

/** A duration distribution in seconds: lognormal through its median and 95th percentile. */
export const timingDist = z
  .strictObject({
    p50: z.number().min(0),
    p95: z.number().min(0),
  })
  .refine((d) => d.p95 >= d.p50, { error: "p95 must be at least p50" });
export type TimingDist = z.infer<typeof timingDist>;

/** Node timings of one cloud; each unset one takes the simulator's default for that cloud (docs/simulation.md). */
const cloudTimings = z.strictObject({
  /** Node request → Ready, CPU pools. */
  cpuNodeReady: timingDist.optional(),
  /** Node request → Ready, GPU pools. */
  gpuNodeReady: timingDist.optional(),
  /** Node Ready → GPUs allocatable (device plugin up; driver preinstalled in the node image). */
  gpuAllocatable: timingDist.optional(),
  /** Extra start-up of a GPU node whose driver is installed at boot (e.g. the GPU operator); 0 when preinstalled. */
  gpuDriverInstall: timingDist.optional(),
});

/** Per-worker timings and job lengths for the simulator. */
const workerTimings = z.strictObject({
  /** Image pull on a node without the image. Defaults to p50 90 s / p95 180 s for GPU workers, 20 s / 60 s else. */
  imagePullSeconds: timingDist.optional(),
  /** Container start to ready (after the pull). Defaults to p50 2 s / p95 5 s. */
  startupSeconds: timingDist.optional(),
  /** Length of one job. Defaults to p50 0.4 × / p95 0.9 × maxJobDurationSeconds. */
  serviceSeconds: timingDist.optional(),
});

/**
 * Scaling simulator settings (`npm run simulate`, and the SLO check of `npm run plan`): timings, prices, the seed and
 * the level of an SLO breach.
 */
export const simulation = z
  .strictObject({
    /** Seed of the simulator's random draws. Defaults to 1. */
    seed: z.number().int().min(0).default(1),
    /** Node timing overrides per cloud (`aws`, `azure`, `existing`). Defaults to none (the built-in defaults). */
    timings: z
      .strictObject({ aws: cloudTimings.optional(), azure: cloudTimings.optional(), existing: cloudTimings.optional() })
      .default({}),
    /** Per-worker timing overrides by worker name. Defaults to none. */
    workers: z.record(z.string(), workerTimings).default({}),
    /**
     * Hourly price per node, by `<cluster>/<pool>`, over pools[].pricePerHour and the price table (stacks/prices.ts). Defaults to
     * none.
     */
    prices: z.record(z.string(), z.number().min(0)).default({}),
    /**
     * Most GPU node-hours a worker may use on its SLO trace, as a multiple of the clairvoyant Oracle-C's (boot
     * billed). Defaults to none (not checked).
     */
    maxGpuNodeHoursRatio: z.number().gt(1).optional(),
    /** How `npm run plan` reports an SLO breach. Defaults to mandatory with platform.production, advisory otherwise. */
    sloLevel: z.enum(["advisory", "mandatory", "disabled"]).optional(),
  })
  .prefault({});
export type SimulationConfig = z.infer<typeof simulation>;

/** A worker's service-level objective, checked by `npm run plan` with the simulator. */
export const workerSlo = z.strictObject({
  /** The built-in trace the SLO is judged on. Defaults to burst-200. */
  trace: z.enum(BUILTIN_TRACES).default("burst-200"),
  /** Most seconds the 95th percentile of jobs may wait (arrival → running). */
  waitP95Seconds: z.number().gt(0).optional(),
  /** Most seconds from the first arrival to the first job running. */
  firstJobSeconds: z.number().gt(0).optional(),
});
export type WorkerSlo = z.infer<typeof workerSlo>;
