import type { z } from "zod";
import type { ClusterConfig, StackConfig } from "../stack.ts";
import type { CloudQueueConfig } from "../workloads.ts";
import { isCloudQueue, isCloudTrigger } from "../workloads.ts";
import { issue } from "./clusters.ts";
import { targetClusters } from "./workloads.ts";

type Ctx = z.RefinementCtx;

/** The cloud whose clusters can use a cloud queue, and why only those. */
export const CLOUD_QUEUE_CLOUD = {
  sqs: {
    cloud: "aws",
    why: "KEDA and the workers read an SQS queue through IAM roles that trust an EKS cluster's OIDC provider (IRSA)",
  },
  servicebus: {
    cloud: "azure",
    why: "KEDA and the workers read a Service Bus entity through Entra identities federated with an AKS cluster's OIDC issuer (workload identity)",
  },
} as const;

/** The clusters a cloud queue exists on: its `clusters`, or every cluster of the stack. */
export function cloudQueueClusters(cfg: StackConfig, q: CloudQueueConfig): ClusterConfig[] {
  return targetClusters(cfg, q.clusters);
}

/** Whether any worker on `cluster` reads a cloud queue (its cloud identities, and KEDA's, are then needed there). */
export function usesCloudQueues(cfg: StackConfig, cluster: string): boolean {
  return cfg.workers.some(
    (w) => w.triggers.some(isCloudTrigger) && targetClusters(cfg, w.clusters).some((c) => c.name === cluster),
  );
}

/**
 * Cross-field rules of SQS and Service Bus queues: each lives only on clusters of its cloud (never an existing
 * cluster: the platform manages no cloud account or OIDC issuer for one), a reference and the options for created
 * queues do not mix, and a worker reading one runs only where it exists.
 */
export function checkCloudQueues(cfg: StackConfig, ctx: Ctx): void {
  const clusterNames = cfg.clusters.map((c) => c.name);
  cfg.queues.forEach((q, i) => {
    if (!isCloudQueue(q)) return;
    const at = (...rest: (string | number)[]) => ["queues", i, ...rest];
    (q.clusters ?? []).forEach((c, ci) => {
      if (!clusterNames.includes(c))
        issue(ctx, at("clusters", ci), `no cluster named "${c}" (have: ${clusterNames.join(", ")})`, c);
    });
    const { cloud, why } = CLOUD_QUEUE_CLOUD[q.kind];
    const targets = cloudQueueClusters(cfg, q);
    const fitting = targets.filter((c) => c.cloud === cloud).map((c) => c.name);
    const anyOfCloud = cfg.clusters.filter((c) => c.cloud === cloud).map((c) => c.name);
    for (const c of targets.filter((c) => c.cloud !== cloud)) {
      const what =
        c.cloud === "existing"
          ? `${c.name} is an existing cluster, whose cloud account and OIDC issuer the platform does not manage`
          : `${c.name} is an ${c.cloud} cluster`;
      const where = q.clusters ? "" : " (clusters defaults to every cluster of the stack)";
      const fix = anyOfCloud.length
        ? `list only ${cloud} clusters in clusters, e.g. clusters: [${(fitting.length ? fitting : anyOfCloud).join(", ")}]`
        : `the stack has no ${cloud} cluster: use a redis or rabbitmq queue there`;
      issue(
        ctx,
        at("clusters"),
        `${q.kind === "sqs" ? "an" : "a"} ${q.kind} queue cannot be on ${c.name}${where}: ${why}; ${what}; ${fix}`,
        q.clusters,
      );
    }
    if (q.kind === "sqs" && q.arn && q.visibilityTimeoutSeconds !== undefined)
      issue(
        ctx,
        at("visibilityTimeoutSeconds"),
        "only for a queue the program creates; arn references an existing queue, whose settings stay as they are",
        q.visibilityTimeoutSeconds,
      );
    if (q.kind === "servicebus" && q.resourceId) {
      const topic = /\/topics\/[^/]+$/i.test(q.resourceId);
      if (topic && !q.subscription)
        issue(
          ctx,
          at("subscription"),
          "resourceId names a topic: set the subscription the workers receive from",
          q.subscription,
        );
      if (!topic && q.subscription)
        issue(
          ctx,
          at("subscription"),
          "resourceId names a queue, which has no subscriptions: remove subscription, or reference a topic",
          q.subscription,
        );
    }
  });

  cfg.workers.forEach((w, i) => {
    const cloudTriggers = w.triggers.flatMap((t, j) => (isCloudTrigger(t) ? [{ t, path: w.triggerPaths[j] }] : []));
    // The worker's cloud identity (and KEDA's scaler identity for it) is limited to one queue or topic.
    for (const extra of cloudTriggers.slice(1))
      issue(
        ctx,
        ["workers", i, ...extra.path],
        `a worker reads at most one cloud queue (its pod identity and KEDA's scaler identity are limited to that queue); ${w.name} already reads ${cloudTriggers[0].t.queue}: use a second worker for ${extra.t.queue}`,
        extra.t.queue,
      );
    if (cloudTriggers.length === 0) return;
    const { t, path } = cloudTriggers[0];
    const q = cfg.queues.find((x) => x.name === t.queue);
    if (!q || q.kind !== t.type) return; // checkWorkloads reports a missing queue or one of the other kind
    const where = new Set(cloudQueueClusters(cfg, q).map((c) => c.name));
    const outside = targetClusters(cfg, w.clusters)
      .map((c) => c.name)
      .filter((c) => !where.has(c));
    if (outside.length === 0) return;
    issue(
      ctx,
      w.clusters ? ["workers", i, "clusters"] : ["workers", i, ...path, "queue"],
      `${q.kind} queue "${q.name}" exists only on ${[...where].join(", ") || "no cluster"}, but the worker would also run on ${outside.join(", ")}${w.clusters ? "" : " (clusters defaults to every cluster of the stack)"}; set clusters: [${[...where].join(", ")}]`,
      w.clusters ?? t.queue,
    );
  });
}
