/**
 * The simulator's own normalized input: what the model needs of a stack, independent of the config's shape. The one
 * mapping from the validated StackConfig is simulator/from-config.ts; everything under simulator/model/ reads only
 * these types. Times are seconds (the engine keeps integer milliseconds internally).
 */

/** A duration distribution: lognormal through its median and 95th percentile (p95 = p50 gives a constant). */
export interface Dist {
  p50: number;
  p95: number;
}

/** One HPA scaling policy, as in autoscaling/v2 `HPAScalingPolicy`. */
export interface HpaPolicy {
  type: "Pods" | "Percent";
  value: number;
  periodSeconds: number;
}

/** One direction of autoscaling/v2 `HorizontalPodAutoscalerBehavior`; absent fields take the API defaults. */
export interface HpaRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: "Max" | "Min" | "Disabled";
  policies?: HpaPolicy[];
}

/** autoscaling/v2 `spec.behavior`; `undefined` on the HPA means the legacy algorithm. */
export interface HpaBehavior {
  scaleUp?: HpaRules;
  scaleDown?: HpaRules;
}

/**
 * What a trigger's metric counts and its target. `queue`: an External AverageValue metric on the queue (redis list
 * length counts waiting items; rabbitmq counts ready + unacknowledged unless excludeUnacknowledged). `utilization`:
 * a cpu/memory Utilization metric from the pods' busy fraction.
 */
export type SimTrigger =
  | {
      kind: "queue";
      /** The trigger's name (what a scalingModifiers formula calls its metric). */
      name?: string;
      /** redis, rabbitmq, prometheus, sqs, servicebus: for reports only. */
      type: string;
      /** Whether in-flight (popped/unacknowledged) items count towards the metric. */
      countsInFlight: boolean;
      /** Target per replica (AverageValue), or ScaledJob targetAverageValue. */
      target: number;
      /** Activation threshold: active iff metric > activation. */
      activation: number;
    }
  | { kind: "utilization"; type: "cpu" | "memory"; targetPercent: number }
  | {
      /**
       * The summed GPU utilisation (percent per GPU) of the worker's ready pods, an External AverageValue metric:
       * a GPU counts 100 % while its pod runs a job, 0 % idle (assumption).
       */
      kind: "gpu";
      name?: string;
      /** Target per replica (utilisation × GPUs per pod). */
      target: number;
      /** Activation threshold: active iff metric > activation. */
      activation: number;
    };

/** KEDA ScaledJob `scalingStrategy.multipleScalersCalculation`: how several triggers' lengths combine. */
export type MultipleScalersCalculation = "max" | "min" | "avg" | "sum";

export type ScaledJobStrategy =
  | { strategy: "default" }
  | { strategy: "accurate" }
  | { strategy: "eager" }
  | { strategy: "custom"; queueLengthDeduction: number; runningJobPercentage: number };

export interface SimWorker {
  name: string;
  /** deployment: ScaledObject + HPA; job: ScaledJob; service: a plain HPA with no queue (constant load). */
  kind: "deployment" | "job" | "service";
  pollingInterval: number;
  cooldownPeriod: number;
  /** KEDA initialCooldownPeriod (s): no scale to zero this long after the ScaledObject's creation (the run's start). */
  initialCooldownPeriod?: number;
  min: number;
  max: number;
  triggers: SimTrigger[];
  /** The HPA's behaviour as rendered; undefined = legacy algorithm. */
  behavior?: HpaBehavior;
  /** HPA tolerance (both directions). */
  tolerance: number;
  scaledJob?: ScaledJobStrategy;
  /**
   * ScaledJob: pods of one Job (JobSpec parallelism, completions): each pod takes one message, up to `parallelism`
   * run at once, and the Job ends when `completions` have succeeded. Defaults to 1 and 1.
   */
  jobPods?: { parallelism: number; completions: number };
  /**
   * KEDA scalingModifiers (deployment mode): the external triggers' metrics (queue, gpu) by name combined into one
   * composite metric; the worker is active iff it is above `activationTarget`; cpu/memory stay metrics of their own.
   */
  scalingModifiers?: {
    formula: (metrics: Readonly<Record<string, number>>) => number;
    target: number;
    activationTarget: number;
    metricType: "AverageValue" | "Value";
  };
  /** ScaledJob: how several triggers combine (KEDA default max). */
  multipleScalersCalculation?: MultipleScalersCalculation;
  requests: { cpuMilli: number; memoryMiB: number; gpus: number };
  priority: number;
  /** Pools the pod may land on, in the scheduler's and expander's order of preference (spot first when allowed). */
  pools: string[];
  /** terminationGracePeriodSeconds of the pods. */
  graceSeconds: number;
  /** Whether the cluster autoscaler may evict the pods (ScaledJob pods carry safe-to-evict: false). */
  safeToEvict: boolean;
  imagePull: Dist;
  startup: Dist;
  /** Service time of one job when the trace gives none. */
  service: Dist;
  /** services: the assumed steady CPU utilization (percent of requests). */
  steadyUtilizationPercent?: number;
}

export interface SimPool {
  name: string;
  machineType: string;
  spot: boolean;
  /** Allocatable per node. */
  cpuMilli: number;
  memoryMiB: number;
  gpus: number;
  min: number;
  max: number;
  expanderPriority: number;
  /** GPUs held by placeholder pods (warm headroom). */
  headroomGpus: number;
  pricePerHour: number;
  /** Request → node Ready. */
  provision: Dist;
  /** Node Ready → GPUs allocatable (device plugin, driver when installed at boot); zero for CPU pools. */
  gpuReady: Dist;
}

export interface SimAutoscaler {
  scanInterval: number;
  scaleDownUnneededTime: number;
  scaleDownDelayAfterAdd: number;
  scaleDownDelayAfterFailure: number;
  scaleDownUtilizationThreshold: number;
  maxGracefulTerminationSec: number;
  maxNodeProvisionTime: number;
  expander: "priority" | "least-waste" | "random" | "most-pods";
  initialBackoff: number;
  maxBackoff: number;
  /** Empty nodes removed at once (max-scale-down-parallelism / max-empty-bulk-delete). */
  maxEmptyBulkDelete: number;
}

export interface SimCluster {
  name: string;
  cloud: "azure" | "aws" | "existing";
  pools: SimPool[];
  autoscaler: SimAutoscaler;
  workers: SimWorker[];
  /** Priority of the headroom placeholder pods. */
  placeholderPriority: number;
  /** Spot interruption notice (s): the grace a pod gets when its spot node is reclaimed. */
  spotNoticeSeconds: number;
}

/** One job of a trace. */
export interface TraceJob {
  at: number;
  worker: string;
  /** Service time; sampled from the worker's distribution when absent. */
  serviceSeconds?: number;
}

/** A pool loses `nodes` nodes at time `at` (spot reclaim), and optionally cannot grow past `capacity` nodes from then. */
export interface TraceEvent {
  at: number;
  kind: "spot-interruption" | "capacity-limit";
  pool: string;
  nodes?: number;
  capacity?: number;
}

export interface Trace {
  name: string;
  jobs: TraceJob[];
  events: TraceEvent[];
  /** Seconds simulated after the last job ends, so that scale-down shows in the node-hours. */
  drainSeconds: number;
  /** Seconds simulated before the first arrival (pool minimums, min replicas, headroom settle); not billed. */
  warmupSeconds: number;
}
