/**
 * Names shared by the alert rules, Alertmanager's routing and inhibition, and the dashboards, so that each reads the
 * same series and alerts the others write.
 */

/** Alerts the platform generates (observability/rules). Each carries `severity` and, where it has one, `worker`. */
export const ALERTS = {
  /** Queue backlog above N × the worker's target per replica for M minutes. Labels: worker. */
  backlogHigh: "WorkerBacklogHigh",
  /** Backlog age or growth above its threshold, where the trigger exposes it. Labels: worker. */
  backlogGrowing: "WorkerBacklogGrowing",
  /** Worker at its max replicas for M minutes while its queue still grows. Labels: worker. */
  atMaxReplicas: "WorkerAtMaxReplicas",
  /** KEDA cannot read a worker's scaler: a worker at zero stays there ("stuck at zero"). Labels: worker. */
  scalerErrors: "WorkerScalerFailing",
  /** Pods Pending/unschedulable longer than the autoscaler's max node provision time. */
  podsUnschedulable: "PodsUnschedulable",
  /** The same for pods requesting GPUs. */
  gpuPodsUnschedulable: "GpuPodsUnschedulable",
  /** The cluster autoscaler failed a scale-up (where its metrics are reachable). */
  scaleUpFailed: "ClusterAutoscalerScaleUpFailed",
  /** A node group of the cluster autoscaler is in backoff. */
  nodeGroupBackoff: "ClusterAutoscalerNodeGroupBackoff",
  /** Spot nodes interrupted or terminated. Labels: pool. */
  spotInterruption: "SpotNodesInterrupted",
  /** GPUs allocated but used under X % for a long time. */
  gpuIdle: "GpuIdle",
  /** A platform component is down. Labels: component (keda-operator, keda-metrics-server, prometheus-adapter, dcgm-exporter, prometheus). */
  componentDown: "PlatformComponentDown",
} as const;

/** Severities, the routing key of Alertmanager. */
export const SEVERITIES = ["critical", "warning", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Recording rules (observability/rules) that dashboards and alerts share. */
export const RECORDS = {
  /** Nodes per pool. Labels: pool. */
  poolNodes: "wp:pool_nodes:count",
  /** Cost of a pool per hour (nodes × price per machine type). Labels: pool. */
  poolCostPerHour: "wp:pool_cost_usd_per_hour:sum",
  /** Jobs completed per hour. Labels: worker. */
  workerJobsPerHour: "wp:worker_jobs_completed:rate1h",
  /** Cost attributed to a worker per hour. Labels: worker. */
  workerCostPerHour: "wp:worker_cost_usd_per_hour:sum",
  /** Cost per completed job over the last hour. Labels: worker. */
  workerCostPerJob: "wp:worker_cost_usd_per_job:ratio1h",
} as const;

/** A PromQL expression the program writes, with where it came from (named in the plan's error when it does not parse). */
export interface Expression {
  /** Where it came from, e.g. `alert WorkerBacklogHigh (worker transcriber)` or `dashboard fleet, panel "Queue depth"`. */
  source: string;
  expr: string;
  /** The config key that supplied it, when the user wrote it (errors then name the key). */
  configPath?: string;
}
