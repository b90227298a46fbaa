import type { ClusterConfig, StackConfig, WorkerConfig } from "../../stacks/schema/index.ts";
import { poolPrice } from "../../stacks/prices.ts";
import { RECORDS } from "../names.ts";
import type { Rule, RuleGroup } from "./rulefmt.ts";
import { KSM_GPU_RESOURCES, POOL_LABEL, RUNNING_PODS } from "../queries.ts";
import { podPattern, q, workersOn, workloadsNamespace } from "./common.ts";

export const COST_GROUP = "worker-platform-cost";

/**
 * kube_node_labels with the pool as `pool` (kube-state-metrics exports the allowed node label as label_<name>), one
 * series per node: during a kube-state-metrics rollout two pods are scraped, and a group_left join against duplicates
 * fails ("found duplicate series for the match group"), which PlatformComponentDown{component="prometheus"} reports.
 */
const NODES = `max by (node, pool) (label_replace(kube_node_labels{${POOL_LABEL}!=""}, "pool", "$1", ${q(POOL_LABEL)}, "(.+)"))`;
/** Price per node-hour of a pool: pools[].pricePerHour, else the price table (stacks/prices.ts). */
export function poolPricePerHour(pool: ClusterConfig["pools"][number]): number {
  return poolPrice(pool.machineTypes[0], pool.spot, pool.pricePerHour);
}

/**
 * Requests of a resource per pool (`pool` label): kube_pod_container_resource_requests carries the pod's `node`
 * (kubernetes/kube-state-metrics docs/metrics/workload/pod-metrics.md), joined to the node's pool.
 */
const requestsByPool = (selector: string) =>
  `sum by (pool) (kube_pod_container_resource_requests{${selector}} * ${RUNNING_PODS} * on(node) group_left(pool) ${NODES})`;

/** Jobs a worker completed in the last hour, or undefined where it has no way to say. */
export function jobsCompletedExpr(w: WorkerConfig, ns: string, cfg: StackConfig): string | undefined {
  if (w.mode === "job")
    // A Job's completion time (set once it succeeded) within the last hour; Jobs deleted by the ScaledJob's history
    // limit (successfulJobsHistoryLimit, KEDA default 100) before the hour is out are not counted.
    return `count(kube_job_status_completion_time{namespace=${q(ns)}} * on(namespace, job_name) group_left() max by (namespace, job_name) (kube_job_owner{namespace=${q(ns)},owner_kind="ScaledJob",owner_name=${q(w.name)}}) > time() - 3600) or vector(0)`;
  const metric = cfg.observability.cost.workers[w.name]?.jobsCompletedMetric;
  if (!metric) return undefined;
  return `sum(increase(${metric}{namespace=${q(ns)},pod=~${q(podPattern(w.name))}}[1h])) or vector(0)`;
}

/**
 * Cost per job of one cluster as recording rules, evaluated in order within the group (each may read the ones
 * before): nodes per pool, pool cost per hour, each worker's share of its pools' cost by its requests (GPUs for GPU
 * workers, CPU otherwise), jobs per hour, cost per job. Pools are known by the worker-platform/pool node label, which
 * only pools the platform creates carry: none on existing clusters.
 */
export function costGroups(cluster: ClusterConfig, cfg: StackConfig): RuleGroup[] {
  if (!cfg.observability.cost.enabled || cluster.cloud === "existing") return [];
  const ns = workloadsNamespace(cfg);
  const rules: Rule[] = [{ record: RECORDS.poolNodes, expr: `count by (pool) (${NODES})` }];
  for (const pool of cluster.pools) {
    const price = poolPricePerHour(pool);
    rules.push({
      record: RECORDS.poolCostPerHour,
      expr: `${RECORDS.poolNodes}{pool=${q(pool.name)}} * ${price}`,
      labels: { price_source: pool.pricePerHour !== undefined ? "config" : price > 0 ? "table" : "unknown" },
    });
  }
  for (const w of workersOn(cluster, cfg)) {
    const resource = w.gpu && cluster.pools.some((p) => p.gpu) ? KSM_GPU_RESOURCES[w.gpu.vendor] : "cpu";
    const mine = requestsByPool(`namespace=${q(ns)},pod=~${q(podPattern(w.name))},resource=${q(resource)}`);
    const all = requestsByPool(`resource=${q(resource)}`);
    rules.push({
      record: RECORDS.workerCostPerHour,
      expr: `sum((${mine} / on(pool) ${all}) * on(pool) group_left() sum by (pool) (${RECORDS.poolCostPerHour})) or vector(0)`,
      labels: { worker: w.name },
    });
    const jobs = jobsCompletedExpr(w, ns, cfg);
    if (!jobs) continue;
    rules.push(
      { record: RECORDS.workerJobsPerHour, expr: jobs, labels: { worker: w.name } },
      {
        record: RECORDS.workerCostPerJob,
        expr: `avg_over_time(${RECORDS.workerCostPerHour}{worker=${q(w.name)}}[1h]) / on(worker) (${RECORDS.workerJobsPerHour}{worker=${q(w.name)}} > 0)`,
        labels: { worker: w.name },
      },
    );
  }
  return [{ name: COST_GROUP, interval: "1m", rules }];
}
