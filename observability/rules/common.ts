import type { ClusterConfig, StackConfig, WorkerConfig } from "../../stacks/schema/index.ts";
import type { Trigger } from "../../stacks/schema/resolve.ts";
import { workloadsNamespace } from "../../stacks/namespace.ts";
import type { Expression } from "../names.ts";

/** Workers deployed on a cluster (a worker without `clusters` goes to every cluster, components/workloads/index.ts). */
export function workersOn(cluster: ClusterConfig, cfg: StackConfig): WorkerConfig[] {
  return cfg.workers.filter((w) => !w.clusters || w.clusters.includes(cluster.name));
}

export { workloadsNamespace };

/** A PromQL string literal (double-quoted, Go escapes). */
export const q = (s: string) => JSON.stringify(s);

/**
 * The pods of a worker: Deployment pods are `<name>-<template hash>-<suffix>`, a ScaledJob's `<name>-<job suffix>-
 * <suffix>`; Prometheus anchors regex matchers, so a worker named `<name>-x` is not matched (its pods have one more
 * segment). The same pattern as the gpu trigger's query (observability/queries.ts gpuUtilizationQuery).
 */
export const podPattern = (worker: string) => `${worker}-[a-z0-9]+-[a-z0-9]+`;

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
