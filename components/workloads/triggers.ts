import type * as pulumi from "@pulumi/pulumi";
import type { WorkerConfig } from "../../stacks/schema/index.ts";
import type { Trigger } from "../../stacks/schema/resolve.ts";
import type { CloudQueue } from "./cloud-queues.ts";
import { cloudQueueTrigger } from "./cloud-queues.ts";
import { gpuUtilizationQuery } from "../../observability/queries.ts";
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

/** What a trigger's TriggerAuthentication holds: Secret keys mapped to trigger parameters. */
export interface TriggerAuthSpec {
  secretTargetRef: SecretTargetRef[];
}

/** One trigger of a worker as KEDA takes it, with what it needs around it. */
export interface RenderedTrigger {
  /** The KEDA trigger, without authenticationRef (workerTriggers sets it when `auth` is there). */
  trigger: KedaTrigger;
  /** Spec of the TriggerAuthentication it needs; none for triggers without credentials (prometheus, gpu, cpu). */
  auth?: TriggerAuthSpec;
  /** The queue it reads (its pods reach it: egress, env, dependencies). */
  queue?: QueueEndpoint;
}

/** What rendering a trigger needs from the worker's surroundings. */
export interface TriggerContext {
  worker: WorkerConfig;
  /** Namespace of the worker's pods (the GPU query selects them). */
  namespace: string;
  /** The stack's queues on this cluster, by name. */
  queues: ReadonlyMap<string, QueueEndpoint>;
  /** The platform's Prometheus (addons.prometheus: in-cluster or externalUrl), default of prometheus/gpu triggers. */
  prometheusUrl?: string;
  /**
   * The worker's cloud queue (sqs/servicebus trigger) and the TriggerAuthentication naming KEDA's scaler identity for
   * it (cloud-identity.ts workerCloudIdentity): no keys, so no secretTargetRef.
   */
  cloud?: { queue: CloudQueue; authName: string };
}

export interface TriggerSet {
  /** The KEDA triggers, in config order (`triggers`, then the safetyNet's). */
  triggers: KedaTrigger[];
  /** One TriggerAuthentication per trigger that needs credentials. */
  auths: { name: string; trigger: string; spec: TriggerAuthSpec }[];
  /** The queues the triggers read, each once, in order of first use. */
  queues: QueueEndpoint[];
}

/** Name of the TriggerAuthentication of one trigger of a worker (a trigger name's `_` become `-`). */
export const triggerAuthName = (worker: string, trigger: string) => `${worker}-${trigger.replace(/_/g, "-")}-keda-auth`;

/**
 * What a trigger's metric means for scaling, with the numbers rendered into it: one function for `renderTrigger`,
 * cloud-queues.ts `cloudQueueTrigger` and the scaling simulator (simulator/from-config.ts), so they cannot drift.
 *  - queue: a length per replica (AverageValue): redis `listLength`, rabbitmq `value`, prometheus `threshold` (a
 *    query's meaning is the user's: the simulator reads it as the number of waiting jobs), sqs `queueLength`,
 *    servicebus `messageCount`. `countsInFlight`: whether messages being processed count. A redis list holds
 *    waiting items only (the worker pops them); rabbitmq over http counts unacknowledged ones unless
 *    excludeUnacknowledged (set in job mode); the aws-sqs-queue scaler adds ApproximateNumberOfMessagesNotVisible
 *    unless scaleOnInFlight is false (set in job mode; keda pkg/scalers/aws_sqs_queue_scaler.go, default true); the
 *    azure-servicebus scaler reads the entity's ActiveMessageCount (keda pkg/scalers/azure_servicebus_scaler.go),
 *    taken to include peek-locked messages, which stay in the entity until completed (Azure "Message transfers,
 *    locks, and settlement"; the counter's reference says only "active messages", so this is an assumption).
 *  - gpu: the summed GPU utilisation (percent per GPU) of the worker's pods, AverageValue with a threshold (and
 *    activation) of `targetUtilization` × GPUs per pod.
 *  - utilization: cpu/memory, percent of the pods' requests.
 */
export type TriggerScaling =
  | { metric: "queue"; type: Trigger["type"]; target: number; activation: number; countsInFlight: boolean }
  | { metric: "gpu"; target: number; activation: number }
  | { metric: "utilization"; type: "cpu" | "memory"; targetPercent: number };

export function triggerScaling(t: Trigger, w: WorkerConfig): TriggerScaling {
  const job = w.mode === "job";
  switch (t.type) {
    case "redis":
      return {
        metric: "queue",
        type: t.type,
        target: t.targetPerReplica,
        activation: t.activation,
        countsInFlight: false,
      };
    case "rabbitmq":
    case "sqs":
      return {
        metric: "queue",
        type: t.type,
        target: t.targetPerReplica,
        activation: t.activation,
        countsInFlight: !job,
      };
    case "servicebus":
      return {
        metric: "queue",
        type: t.type,
        target: t.targetPerReplica,
        activation: t.activation,
        countsInFlight: true,
      };
    case "prometheus":
      return {
        metric: "queue",
        type: t.type,
        target: t.threshold,
        activation: t.activationThreshold,
        countsInFlight: false,
      };
    case "gpu": {
      // The schema requires gpu on a worker with a gpu trigger; per pod, so several GPUs of one pod count once.
      const threshold = t.targetUtilization * (w.gpu?.count ?? 1);
      return { metric: "gpu", target: threshold, activation: threshold };
    }
    case "cpu":
    case "memory":
      return { metric: "utilization", type: t.type, targetPercent: t.targetUtilization };
  }
}

// The gpu trigger's query lives with the other PromQL the program writes (the config checks parse it there).
export { GPU_UTIL_METRIC, gpuUtilizationQuery } from "../../observability/queries.ts";

/**
 * The KEDA triggers of a worker (workerTriggers over renderTrigger), each TriggerAuthentication named after its
 * trigger, and the queues they read.
 */
export function workerTriggers(ctx: TriggerContext): TriggerSet {
  const out: TriggerSet = { triggers: [], auths: [], queues: [] };
  for (const t of ctx.worker.triggers) {
    const r = renderTrigger(t, ctx);
    if (r.auth) {
      const name = triggerAuthName(ctx.worker.name, t.name);
      out.auths.push({ name, trigger: t.name, spec: r.auth });
      out.triggers.push({ ...r.trigger, authenticationRef: { name } });
    } else out.triggers.push(r.trigger);
    if (r.queue && !out.queues.includes(r.queue)) out.queues.push(r.queue);
  }
  return out;
}

/**
 * One trigger of a worker, as KEDA takes it (keda.sh/docs/2.20/scalers). Credentials are never in metadata: they
 * come from the queue's Secret through the trigger's TriggerAuthentication (`authenticationRef`), so only KEDA's
 * operator reads them.
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
 *  - gpu: a prometheus trigger on gpuUtilizationQuery, AverageValue with threshold `targetUtilization` × GPUs per
 *    pod, so the HPA asks for ceil(Σ utilisation / (target × GPUs per pod)) pods: the worker's average GPU held at
 *    the target. activationThreshold is the same: the worker counts as active (no scale to zero) only while its
 *    GPUs are busier than one pod at the target, not on an idle pod's background load.
 *  - sqs, servicebus: cloud-queues.ts cloudQueueTrigger, authenticated by a pod identity (cloud-identity.ts).
 *  - cpu/memory (and the safetyNet): `metricType: Utilization` (percent of requests).
 */
export function renderTrigger(t: Trigger, ctx: TriggerContext): RenderedTrigger {
  const w = ctx.worker;
  const n = triggerScaling(t, w);
  const target = String("target" in n ? n.target : 0);
  const activation = String("activation" in n ? n.activation : 0);
  switch (t.type) {
    case "redis": {
      const queue = ctx.queues.get(t.queue);
      if (!queue || queue.kind !== "redis") throw new Error(`worker ${w.name}: redis queue ${t.queue} not found`);
      return {
        trigger: {
          type: "redis",
          name: t.name,
          metadata: {
            address: `${queue.host}:${queue.port}`,
            listName: t.listName,
            listLength: target,
            activationListLength: activation,
            enableTLS: String(queue.tls),
          },
        },
        auth: { secretTargetRef: [{ parameter: "password", name: queue.auth.secret, key: queue.auth.passwordKey }] },
        queue,
      };
    }
    case "rabbitmq": {
      const queue = ctx.queues.get(t.queue);
      if (!queue || queue.kind !== "rabbitmq" || !queue.kedaHost)
        throw new Error(`worker ${w.name}: rabbitmq queue ${t.queue} not found`);
      return {
        trigger: {
          type: "rabbitmq",
          name: t.name,
          metadata: {
            protocol: "http",
            mode: "QueueLength",
            value: target,
            activationValue: activation,
            queueName: t.queueName,
            vhostName: t.vhost,
            // ScaledJob + accurate: count ready messages only (see above); a ScaledObject keeps counting unacked ones.
            ...(n.metric === "queue" && !n.countsInFlight ? { excludeUnacknowledged: "true" } : {}),
          },
        },
        auth: { secretTargetRef: [{ parameter: "host", name: queue.kedaHost.secret, key: queue.kedaHost.key }] },
        queue,
      };
    }
    case "prometheus":
      return {
        trigger: {
          type: "prometheus",
          name: t.name,
          metadata: {
            serverAddress: prometheusAddress(w, t.serverAddress, ctx.prometheusUrl),
            query: t.query,
            threshold: target,
            activationThreshold: activation,
          },
        },
      };
    case "gpu": {
      return {
        trigger: {
          type: "prometheus",
          name: t.name,
          metricType: "AverageValue",
          metadata: {
            serverAddress: prometheusAddress(w, t.serverAddress, ctx.prometheusUrl),
            query: gpuUtilizationQuery(ctx.namespace, w.name),
            threshold: target,
            activationThreshold: activation,
          },
        },
      };
    }
    // cpu/memory read the resource metrics API (metrics-server); they need container requests, which the schema requires.
    case "sqs":
    case "servicebus": {
      if (!ctx.cloud || ctx.cloud.queue.name !== t.queue)
        throw new Error(`worker ${w.name}: ${t.type} queue ${t.queue} not found`);
      return { trigger: { ...cloudQueueTrigger(w, t, ctx.cloud.queue, ctx.cloud.authName), name: t.name } };
    }
    case "cpu":
    case "memory":
      return {
        trigger: {
          type: t.type,
          name: t.name,
          metricType: "Utilization",
          metadata: { value: String(n.metric === "utilization" ? n.targetPercent : t.targetUtilization) },
        },
      };
  }
}

function prometheusAddress(w: WorkerConfig, own: string | undefined, platform: string | undefined): string {
  const address = own ?? platform;
  if (!address)
    throw new Error(`worker ${w.name}: prometheus trigger without serverAddress and no platform Prometheus`);
  return address;
}
