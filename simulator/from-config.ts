/**
 * The one mapping from the validated stack config to the simulator's own input (model/types.ts). Wherever the
 * program computes a number it renders into a ScaledObject/ScaledJob/HPA, this calls the same function
 * (`kedaScaling`, `triggerScaling`, `scaledObjectScaling`, `serviceBehavior`, `terminationGrace`, `choosePools`), and
 * node capacity is the fit check's (`poolNodes`: stacks/allocatable.ts less the DaemonSets on each node), so the
 * simulator reads what the plan writes (test/simulator-config.spec.ts checks it against the plan's objects).
 *
 * Not modelled: KEDA `fallback` (it acts only when a scaler cannot read its metric, and the simulated scalers never
 * fail); a `scalingModifiers` formula outside the subset simulator/formula.ts evaluates (the worker then scales as
 * without one: each trigger its own metric, the HPA the largest proposal; docs/simulation.md); services'
 * `customMetric` (a Prometheus Adapter metric with no meaning in the model).
 */
import type { ClusterConfig, PoolConfig, ScalingRules, StackConfig, WorkerConfig } from "../stacks/schema/index.ts";
import { durationSeconds } from "../stacks/schema/common.ts";
import { poolNodes } from "../stacks/schema/checks/fit.ts";
import { gpuDevicesPerNode } from "../stacks/accelerators.ts";
import { choosePools } from "../stacks/placement.ts";
import {
  kedaScaling,
  GRACE_MARGIN_SECONDS,
  SCALED_JOB_STRATEGY,
  scaledObjectScaling,
  terminationGrace,
} from "../components/workloads/worker.ts";
import { compileFormula } from "./formula.ts";
import { serviceBehavior } from "../components/workloads/service.ts";
import { PRESTOP_SECONDS } from "../components/workloads/pod.ts";
import { triggerScaling } from "../components/workloads/triggers.ts";
import { parseQuantity } from "../policy/rules/lib/k8s.ts";
import type { Dist, HpaBehavior, SimCluster, SimPool, SimTrigger, SimWorker } from "./model/types.ts";
import { HPA_TOLERANCE } from "./model/hpa.ts";
import {
  CONTAINER_START,
  CPU_IMAGE_PULL,
  DEFAULT_TIMINGS,
  GPU_IMAGE_PULL,
  SERVICE_FRACTION,
  SERVICE_STEADY_UTILIZATION,
  SPOT_NOTICE_SECONDS,
} from "./timings.ts";
import type { CloudTimings } from "./timings.ts";
import { jobSettingsOf } from "../stacks/schema/checks/workload-job.ts";
import { poolPrice } from "../stacks/prices.ts";

/**
 * What a node of a pool leaves for the platform's pods: the fit check's figures (stacks/schema/checks/fit.ts
 * `poolNodes`: the kubelet's allocatable from stacks/allocatable.ts, less the cloud's node agents and the platform's
 * GPU DaemonSets), for the pool's first machine type (the one the simulator adds). An existing cluster's pool that
 * declares no `allocatable` has no known capacity: the simulator then assumes 4 vCPU / 16 GiB and the pool's
 * declared GPU devices (GPUs × time-slicing replicas or MIG instances), as stated in docs/simulation.md.
 */
export function poolCapacity(
  cfg: StackConfig,
  cluster: ClusterConfig,
  pool: PoolConfig,
): { cpuMilli: number; memoryMiB: number; gpus: number } {
  const node = poolNodes(cluster, pool, cfg.addons)?.[0];
  if (node) return { ...node.free };
  return { cpuMilli: 4000, memoryMiB: 16384, gpus: gpuDevicesPerNode(pool) };
}

function cloudTimings(cfg: StackConfig, cluster: ClusterConfig): CloudTimings {
  return { ...DEFAULT_TIMINGS[cluster.cloud], ...(cfg.simulation.timings[cluster.cloud] ?? {}) };
}

/** Sum of two lognormal-ish distributions, by their quantiles (an upper bound on the p95: conservative). */
const addDist = (a: Dist, b: Dist): Dist => ({ p50: a.p50 + b.p50, p95: a.p95 + b.p95 });

function simPool(cfg: StackConfig, cluster: ClusterConfig, pool: PoolConfig): SimPool {
  const t = cloudTimings(cfg, cluster);
  const alloc = poolCapacity(cfg, cluster, pool);
  return {
    name: pool.name,
    machineType: pool.machineTypes[0],
    spot: pool.spot,
    ...alloc,
    min: pool.min,
    max: pool.max,
    // Defaults to 20 for a spot pool, 10 for an on-demand one (stacks/schema/cluster.ts).
    expanderPriority: pool.expanderPriority ?? (pool.spot ? 20 : 10),
    headroomGpus: pool.headroomGpus,
    pricePerHour: poolPrice(
      pool.machineTypes[0],
      pool.spot,
      cfg.simulation.prices[`${cluster.name}/${pool.name}`] ?? pool.pricePerHour,
    ),
    provision: pool.gpu ? t.gpuNodeReady : t.cpuNodeReady,
    gpuReady: pool.gpu ? addDist(t.gpuAllocatable, t.gpuDriverInstall) : { p50: 0, p95: 0 },
  };
}

/** The HPA behaviour as rendered (renderRules through kedaScaling or serviceBehavior), in the model's types. */
const toBehavior = (b: { scaleUp?: ScalingRules; scaleDown?: ScalingRules }): HpaBehavior => ({
  ...(b.scaleUp ? { scaleUp: { ...b.scaleUp } } : {}),
  ...(b.scaleDown ? { scaleDown: { ...b.scaleDown } } : {}),
});

/** A worker's triggers as the model takes them, each through the function that renders it (triggers.ts). */
function simTriggers(w: WorkerConfig): SimTrigger[] {
  return w.triggers.map((t): SimTrigger => {
    const n = triggerScaling(t, w);
    if (n.metric === "queue")
      return {
        kind: "queue",
        name: t.name,
        type: n.type,
        target: n.target,
        activation: n.activation,
        countsInFlight: n.countsInFlight,
      };
    if (n.metric === "gpu") return { kind: "gpu", name: t.name, target: n.target, activation: n.activation };
    return { kind: "utilization", type: n.type, targetPercent: n.targetPercent };
  });
}

/**
 * A worker's scalingModifiers as rendered (scaledObjectScaling), with its formula compiled over the names of the
 * triggers it may read (queue and gpu triggers; KEDA keeps cpu/memory out of the formula). Undefined without one, or
 * when the formula is outside what simulator/formula.ts models: the worker then scales as without it.
 */
export function simScalingModifiers(w: WorkerConfig): SimWorker["scalingModifiers"] {
  const rendered = (scaledObjectScaling(w).advanced as { scalingModifiers?: Record<string, string> }).scalingModifiers;
  if (!rendered || w.mode === "job") return undefined;
  const names = w.triggers.filter((t) => t.type !== "cpu" && t.type !== "memory").map((t) => t.name);
  const formula = compileFormula(rendered.formula, names);
  if (typeof formula !== "function") return undefined;
  return {
    formula,
    target: Number(rendered.target),
    activationTarget: Number(rendered.activationTarget),
    metricType: rendered.metricType === "Value" ? "Value" : "AverageValue",
  };
}

/** Pools a pod may use, spot first when allowed (the spot preference of components/workloads/scheduling.ts). */
function poolOrder(cluster: ClusterConfig, req: Parameters<typeof choosePools>[1]): string[] {
  const choice = choosePools(cluster.pools, req);
  return [...choice.pools].sort((a, b) => Number(b.spot) - Number(a.spot)).map((p) => p.name);
}

function requests(r: { requests: { cpu: string; memory: string } }, gpus: number) {
  return {
    cpuMilli: Math.round((parseQuantity(r.requests.cpu) ?? 0) * 1000),
    memoryMiB: Math.round((parseQuantity(r.requests.memory) ?? 0) / 2 ** 20),
    gpus,
  };
}

function simWorker(cfg: StackConfig, cluster: ClusterConfig, w: WorkerConfig): SimWorker {
  const scaling = kedaScaling(w);
  const triggers = simTriggers(w);
  const modifiers = simScalingModifiers(w);
  const placement = choosePools(cluster.pools, { gpu: w.gpu, spot: w.spot });
  const gpus = placement.kind === "gpu" ? (w.gpu?.count ?? 0) : 0;
  const overrides = cfg.simulation.workers[w.name] ?? {};
  const cap = cluster.autoscaler.maxGracefulTerminationSec;
  const job = w.mode === "job";
  return {
    name: w.name,
    kind: job ? "job" : "deployment",
    pollingInterval: scaling.pollingInterval,
    cooldownPeriod: scaling.cooldownPeriod,
    initialCooldownPeriod: scaling.initialCooldownPeriod,
    ...(modifiers ? { scalingModifiers: modifiers } : {}),
    min: scaling.minReplicaCount,
    max: scaling.maxReplicaCount,
    triggers,
    behavior: toBehavior(scaling.behavior),
    tolerance: HPA_TOLERANCE,
    ...(job
      ? {
          scaledJob: { strategy: SCALED_JOB_STRATEGY.strategy },
          jobPods: { parallelism: jobSettingsOf(w).parallelism, completions: jobSettingsOf(w).completions },
          multipleScalersCalculation: scaling.multipleScalersCalculation,
        }
      : {}),
    requests: requests(w.resources, gpus),
    priority: cfg.priorityClasses.values[w.priority],
    pools: poolOrder(cluster, { gpu: w.gpu, spot: w.spot }),
    graceSeconds: job
      ? Math.min(w.maxJobDurationSeconds + PRESTOP_SECONDS + GRACE_MARGIN_SECONDS, cap)
      : terminationGrace(w.maxJobDurationSeconds, cap).seconds,
    // ScaledJob pods carry cluster-autoscaler.kubernetes.io/safe-to-evict: "false" (worker.ts).
    safeToEvict: !job,
    imagePull: overrides.imagePullSeconds ?? (gpus > 0 ? GPU_IMAGE_PULL : CPU_IMAGE_PULL),
    startup: overrides.startupSeconds ?? CONTAINER_START,
    service: overrides.serviceSeconds ?? {
      p50: SERVICE_FRACTION.p50 * w.maxJobDurationSeconds,
      p95: SERVICE_FRACTION.p95 * w.maxJobDurationSeconds,
    },
  };
}

const onCluster = (x: { clusters?: string[] }, c: ClusterConfig) => !x.clusters || x.clusters.includes(c.name);

/** The simulator's view of every cluster of a stack. */
export function simClusters(cfg: StackConfig): SimCluster[] {
  return cfg.clusters.map((cluster) => {
    const a = cluster.autoscaler;
    const expander =
      cluster.cloud === "azure"
        ? cluster.azure.expander
        : cluster.cloud === "aws"
          ? (cluster.aws.expander.split(",")[0] as SimCluster["autoscaler"]["expander"])
          : "priority";
    const workers = cfg.workers.filter((w) => onCluster(w, cluster)).map((w) => simWorker(cfg, cluster, w));
    for (const s of cfg.services.filter((x) => onCluster(x, cluster))) {
      const placement = choosePools(cluster.pools, { gpu: s.gpu, spot: s.spot });
      workers.push({
        name: s.name,
        kind: "service",
        pollingInterval: 0,
        cooldownPeriod: 0,
        min: s.replicas.min,
        max: s.replicas.max,
        triggers: [
          { kind: "utilization", type: "cpu", targetPercent: s.targetCpuUtilization },
          ...(s.targetMemoryUtilization !== undefined
            ? [{ kind: "utilization" as const, type: "memory" as const, targetPercent: s.targetMemoryUtilization }]
            : []),
        ],
        ...(s.scaleUp || s.scaleDown ? { behavior: toBehavior(serviceBehavior(s)) } : {}),
        tolerance: HPA_TOLERANCE,
        requests: requests(s.resources, placement.kind === "gpu" ? (s.gpu?.count ?? 0) : 0),
        priority: cfg.priorityClasses.values[s.priority],
        pools: poolOrder(cluster, { gpu: s.gpu, spot: s.spot }),
        graceSeconds: 30,
        safeToEvict: true,
        imagePull: CPU_IMAGE_PULL,
        startup: CONTAINER_START,
        service: { p50: 1, p95: 1 },
        steadyUtilizationPercent: SERVICE_STEADY_UTILIZATION,
      });
    }
    return {
      name: cluster.name,
      cloud: cluster.cloud,
      pools: cluster.pools.filter((p) => p.role === "workload").map((p) => simPool(cfg, cluster, p)),
      autoscaler: {
        scanInterval: durationSeconds(a.scanInterval),
        scaleDownUnneededTime: durationSeconds(a.scaleDownUnneededTime),
        scaleDownDelayAfterAdd: durationSeconds(a.scaleDownDelayAfterAdd),
        // Upstream defaults (cluster-autoscaler config/flags): not configurable in this platform.
        scaleDownDelayAfterFailure: 180,
        scaleDownUtilizationThreshold: a.scaleDownUtilizationThreshold,
        maxGracefulTerminationSec: a.maxGracefulTerminationSec,
        maxNodeProvisionTime: durationSeconds(a.maxNodeProvisionTime),
        expander,
        initialBackoff: 300,
        maxBackoff: 1800,
        maxEmptyBulkDelete: 10,
      },
      workers,
      placeholderPriority: cfg.priorityClasses.values.overprovisioning,
      spotNoticeSeconds: SPOT_NOTICE_SECONDS[cluster.cloud],
    };
  });
}
