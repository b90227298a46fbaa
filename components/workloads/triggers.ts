import type * as pulumi from "@pulumi/pulumi";
import type { WorkerConfig } from "../../stacks/schema/index.ts";
import type { CloudQueue } from "./cloud-queues.ts";
import { cloudQueueTrigger } from "./cloud-queues.ts";
import type { QueueEndpoint } from "./queues.ts";

/**
 * A KEDA trigger (ScaledObject/ScaledJob `spec.triggers[]`). Metadata values are strings (KEDA CRD schema); a
 * created cloud queue's URL or namespace is one once the cloud has it.
 */
export interface KedaTrigger {
  type: string;
  name?: string;
  metricType?: "Utilization" | "AverageValue" | "Value";
  metadata: Record<string, pulumi.Input<string>>;
  authenticationRef?: { name: string };
}

/** A TriggerAuthentication `secretTargetRef` entry: trigger parameter ← Secret key. */
export interface SecretTargetRef {
  parameter: string;
  name: string;
  key: string;
}

export interface TriggerSet {
  triggers: KedaTrigger[];
  /** Entries of the worker's TriggerAuthentication; empty when no trigger needs credentials (prometheus). */
  secretTargetRefs: SecretTargetRef[];
}

/** Name of a worker's TriggerAuthentication. */
export const triggerAuthName = (worker: string) => `${worker}-keda-auth`;

/**
 * The KEDA triggers of a worker (keda.sh/docs/2.20/scalers). Credentials are never in metadata: they come from the
 * queue's Secret through the worker's TriggerAuthentication (`authenticationRef`), so only KEDA's operator reads them.
 *  - redis: `address` host:port, `listName`, `listLength` (target per replica), `activationListLength`, `enableTLS`;
 *    `password` via auth.
 *  - rabbitmq: `protocol: http` (the management API), `mode: QueueLength`, `value`, `activationValue`, `queueName`,
 *    `vhostName`; `host` (the management URL with credentials) via auth. What the length counts depends on the mode:
 *     - deployment (ScaledObject): ready + unacknowledged messages (only http counts unacked; AMQP counts only ready
 *       ones, kedacore/keda #1325), so the replicas busy with a message still count and the HPA does not scale in
 *       under a worker in the middle of a job;
 *     - job (ScaledJob, `scalingStrategy: accurate`): `excludeUnacknowledged: "true"` (http only, KEDA 2.20
 *       rabbitmq scaler), ready messages only. accurate creates `queueLength − pendingJobs` new Jobs, which is right
 *       only when the length excludes messages already being processed (KEDA docs: "does not include the number of
 *       locked messages"). A running Job holds its message unacknowledged until it finishes, so counting unacked
 *       would create a new Job for every running one (up to maxReplicaCount), each bringing up a node to find the
 *       queue empty, for as long as a 2-hour render runs.
 *  - redis (both modes): the worker pops the item (LPOP/BLMOVE), so the list holds waiting items only: right for
 *    accurate as it is.
 *  - prometheus: `serverAddress` (the trigger's, else the platform's Prometheus), `query`, `threshold`,
 *    `activationThreshold`; no credentials.
 *  - sqs, servicebus: cloud-queues.ts cloudQueueTrigger, authenticated by a pod identity (cloud-identity.ts).
 *  - safety net: cpu/memory with `metricType: Utilization` (percent of requests).
 */
export function workerTriggers(
  w: WorkerConfig,
  queue: QueueEndpoint | undefined,
  prometheusUrl: string | undefined,
  cloud?: { queue: CloudQueue; authName: string },
): TriggerSet {
  const triggers: KedaTrigger[] = [];
  const secretTargetRefs: SecretTargetRef[] = [];
  const auth = { name: triggerAuthName(w.name) };
  const t = w.trigger;
  if (t?.type === "redis") {
    if (!queue || queue.kind !== "redis") throw new Error(`worker ${w.name}: redis queue ${t.queue} not found`);
    triggers.push({
      type: "redis",
      name: "queue",
      metadata: {
        address: `${queue.host}:${queue.port}`,
        listName: t.listName,
        listLength: String(t.targetPerReplica),
        activationListLength: String(t.activation),
        enableTLS: String(queue.tls),
      },
      authenticationRef: auth,
    });
    secretTargetRefs.push({ parameter: "password", name: queue.auth.secret, key: queue.auth.passwordKey });
  } else if (t?.type === "rabbitmq") {
    if (!queue || queue.kind !== "rabbitmq" || !queue.kedaHost)
      throw new Error(`worker ${w.name}: rabbitmq queue ${t.queue} not found`);
    triggers.push({
      type: "rabbitmq",
      name: "queue",
      metadata: {
        protocol: "http",
        mode: "QueueLength",
        value: String(t.targetPerReplica),
        activationValue: String(t.activation),
        queueName: t.queueName,
        vhostName: t.vhost,
        // ScaledJob + accurate: count ready messages only (see above); a ScaledObject keeps counting unacked ones.
        ...(w.mode === "job" ? { excludeUnacknowledged: "true" } : {}),
      },
      authenticationRef: auth,
    });
    secretTargetRefs.push({ parameter: "host", name: queue.kedaHost.secret, key: queue.kedaHost.key });
  } else if (t?.type === "prometheus") {
    const serverAddress = t.serverAddress ?? prometheusUrl;
    if (!serverAddress)
      throw new Error(`worker ${w.name}: prometheus trigger without serverAddress and no platform Prometheus`);
    triggers.push({
      type: "prometheus",
      name: "queue",
      metadata: {
        serverAddress,
        query: t.query,
        threshold: String(t.threshold),
        activationThreshold: String(t.activationThreshold),
      },
    });
  } else if (t?.type === "sqs" || t?.type === "servicebus") {
    if (!cloud) throw new Error(`worker ${w.name}: ${t.type} queue ${t.queue} not found`);
    triggers.push(cloudQueueTrigger(w, t, cloud.queue, cloud.authName));
  }
  // cpu/memory read the resource metrics API (metrics-server); they need container requests, which the schema requires.
  if (w.safetyNet?.cpuUtilization !== undefined)
    triggers.push({
      type: "cpu",
      name: "cpu",
      metricType: "Utilization",
      metadata: { value: String(w.safetyNet.cpuUtilization) },
    });
  if (w.safetyNet?.memoryUtilization !== undefined)
    triggers.push({
      type: "memory",
      name: "memory",
      metricType: "Utilization",
      metadata: { value: String(w.safetyNet.memoryUtilization) },
    });
  return { triggers, secretTargetRefs };
}
