import type { ClusterConfig, StackConfig, WorkerConfig } from "../../stacks/schema/index.ts";
import type { Trigger } from "../../stacks/schema/resolve.ts";
import { workloadsNamespace } from "../../stacks/namespace.ts";
import type { Expression } from "../names.ts";
import { choosePools } from "../../stacks/placement.ts";
import { targetClusters } from "../../stacks/schema/checks/workloads.ts";

/** Workers deployed on a cluster, by the rule the workloads follow (targetClusters). */
export function workersOn(cluster: ClusterConfig, cfg: StackConfig): WorkerConfig[] {
  return cfg.workers.filter((w) => targetClusters(cfg, w.clusters).some((c) => c.name === cluster.name));
}

export { workloadsNamespace };

export { podPattern, q } from "../queries.ts";

/** Triggers whose KEDA metric is a queue depth (or a user metric with a threshold): what backlog alerts read. */
export type QueueTrigger = Extract<Trigger, { type: "redis" | "rabbitmq" | "sqs" | "servicebus" | "prometheus" }>;
export function queueTriggers(w: WorkerConfig): { t: QueueTrigger; index: number; target: number }[] {
  return w.triggers.flatMap((t, index): { t: QueueTrigger; index: number; target: number }[] => {
    if (t.type === "prometheus") return [{ t, index, target: t.threshold }];
    if (t.type === "redis" || t.type === "rabbitmq" || t.type === "sqs" || t.type === "servicebus")
      return [{ t, index, target: t.targetPerReplica }];
    return [];
  });
}

/** A generated rule's expressions, named for the offline check. */
export function expressionsOf(
  groups: {
    name: string;
    rules: { alert?: string; record?: string; expr: string; labels?: Record<string, string> }[];
  }[],
  cluster: string,
): Expression[] {
  return groups.flatMap((g) =>
    g.rules.map((r) => {
      const who = [
        r.labels?.worker && `worker ${r.labels.worker}`,
        r.labels?.component,
        r.labels?.pool && `pool ${r.labels.pool}`,
      ]
        .filter(Boolean)
        .join(", ");
      return {
        source: `${r.alert ? `alert ${r.alert}` : `recording rule ${r.record}`} (cluster ${cluster}${who ? `, ${who}` : ""}, group ${g.name})`,
        expr: r.expr,
      };
    }),
  );
}

/**
 * Which DCGM gauge tells how busy a worker's GPUs are. DCGM_FI_DEV_GPU_UTIL is not supported on MIG instances (it
 * reads 0: NVIDIA/dcgm-exporter issues #216, #105); DCGM_FI_PROF_GR_ENGINE_ACTIVE (a 0-1 ratio) is, and is in the
 * exporter's default counters (etc/default-counters.csv at 4.5.3-4.8.2). `mig`: every NVIDIA pool the worker may land
 * on is MIG-partitioned; `both`: some are; `device`: none (or no pool: the worker stays Pending).
 */
export type GpuUtilSignal = "device" | "mig" | "both";

export function gpuUtilSignal(cluster: ClusterConfig, w: WorkerConfig): GpuUtilSignal {
  if (!w.gpu) return "device";
  const choice = choosePools(cluster.pools, { gpu: w.gpu, spot: w.spot });
  const pools = choice.kind === "gpu" ? choice.pools : [];
  const mig = pools.filter((p) => p.gpuSharing && "mig" in p.gpuSharing).length;
  return mig === 0 ? "device" : mig === pools.length ? "mig" : "both";
}

/**
 * GPU utilisation in percent per (namespace, pod) of the pods `selector` matches, averaged over `range` when given.
 * With `both`, the larger of the two gauges (a pod on a MIG node reads 0 in DCGM_FI_DEV_GPU_UTIL); the second side
 * gets a `signal` label so `or` keeps it (`or` drops right-hand series whose label set the left has).
 */
export function gpuUtilPercent(selector: string, signal: GpuUtilSignal, range?: string): string {
  const read = (metric: string) =>
    `avg by (namespace, pod) (${range ? `avg_over_time(${metric}{${selector}}[${range}])` : `${metric}{${selector}}`})`;
  const device = read("DCGM_FI_DEV_GPU_UTIL");
  const engine = `${read("DCGM_FI_PROF_GR_ENGINE_ACTIVE")} * 100`;
  if (signal === "device") return device;
  if (signal === "mig") return engine;
  return `max by (namespace, pod) (${device} or label_replace(${engine}, "signal", "gr_engine", "", ""))`;
}
