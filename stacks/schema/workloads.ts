import { z } from "zod";
import { workloadGpuVendor } from "./accelerators.ts";
import {
  byteQuantity,
  cidrProblem,
  dnsLabel,
  hostName,
  httpUrl,
  int32,
  pinnedImage,
  quantity,
  resources,
} from "./common.ts";
import { IMAGES } from "../versions.ts";
import { workerSlo } from "./simulation.ts";
import { fallback, scalingModifiers, scalingProfile, scalingRules } from "./scaling.ts";
import { pushed, resolveService, resolveWorker } from "./resolve.ts";
import { workloadServiceAccount } from "./workload-access.ts";
import { egressEntry, namedSource } from "./workload-network.ts";
import { pdb } from "./workload-pdb.ts";
import { jobSettings } from "./workload-job.ts";
import { storageShape } from "./workload-storage.ts";

/** A reference to one key of a Secret declared under `secrets`. */
export const secretKeyRef = z.strictObject({ secret: dnsLabel, key: z.string().min(1) });

export const secret = z.strictObject({
  name: dnsLabel,
  /**
   * Keys of the Kubernetes Secret. Each comes from a Pulumi config secret (`fromConfig`, set with
   * `pulumi config set --secret <key> ...`) or is generated once and kept in state (`generate`).
   */
  data: z.record(
    z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, {
      error: "must be a Secret data key: letters, digits, '-', '_' or '.' (e.g. HF_TOKEN)",
    }),
    z.union(
      [
        z.strictObject({
          fromConfig: z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/, {
            error:
              "must be the name of a config key holding the secret (letters and digits, starting with a letter, e.g. huggingFaceToken), set with `pulumi config set --secret <key> <value>`",
          }),
        }),
        z.strictObject({ generate: z.strictObject({ length: z.number().int().min(16).max(128).default(32) }) }),
      ],
      {
        error: (iss) =>
          `must be { fromConfig: <config key> } (a config secret set with \`pulumi config set --secret <key> <value>\`) or { generate: { length: <16-128> } } (generated once, kept in state)${
            typeof iss.input === "string"
              ? "; a plaintext value is refused: store it with `pulumi config set --secret <key> <value>` and reference the key with fromConfig"
              : ""
          }`,
      },
    ),
  ),
});
export type SecretConfig = z.infer<typeof secret>;

/** A Redis or RabbitMQ queue: in-cluster, or an external broker reached with a password. */
export const brokerQueue = z.strictObject({
  name: dnsLabel,
  kind: z.enum(["redis", "rabbitmq"]),
  /** in-cluster: a small StatefulSet with a generated password and a volume; external: an address. Defaults to in-cluster. */
  mode: z.enum(["in-cluster", "external"]).default("in-cluster"),
  /** external: host name or IP address (no scheme, no port). */
  host: hostName.optional(),
  /** external: port. Defaults to 6379 for kind redis, 5672 (AMQP) for kind rabbitmq. */
  port: z.number().int().min(1).max(65535).optional(),
  /** external rabbitmq: management API port, which KEDA's http protocol reads. Defaults to 15672. */
  managementPort: z.number().int().min(1).max(65535).default(15672),
  /** external: TLS. Defaults to false. */
  tls: z.boolean().default(false),
  /** external: the password as a secret key; for rabbitmq the user name is the key `username` of the same Secret. */
  passwordSecret: secretKeyRef.optional(),
  /** in-cluster: image. Defaults to the pin in stacks/versions.ts. */
  image: pinnedImage.optional(),
  /** in-cluster: volume size. Defaults to 8Gi. */
  storageSize: byteQuantity.default("8Gi"),
});
export type BrokerQueueConfig = z.infer<typeof brokerQueue>;

/**
 * The clusters a cloud queue is created on or used from, like a worker's `clusters`: each must be of the queue's
 * cloud (stacks/schema/checks/cloud-queues.ts).
 */
const cloudQueueClusters = z.array(dnsLabel).optional();

/**
 * An SQS queue ARN, `arn:<partition>:sqs:<region>:<account>:<queue name>` (AWS docs, "Resource types defined by Amazon
 * SQS"): queue names are 1-80 letters, digits, `-` and `_`, FIFO queues ending in `.fifo`.
 */
export const sqsArn = z
  .string()
  .regex(/^arn:aws(-cn|-us-gov)?:sqs:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/, {
    error: "must be an SQS queue ARN such as arn:aws:sqs:eu-west-1:123456789012:orders",
  });

/**
 * An Azure Service Bus queue or topic resource ID (namespace names 6-50 characters, starting with a letter; entity
 * names letters, digits, `.`, `-`, `_`: Azure docs, "Naming rules for Azure resources", Microsoft.ServiceBus).
 */
export const serviceBusEntityId = z
  .string()
  .regex(
    /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.ServiceBus\/namespaces\/[A-Za-z][A-Za-z0-9-]{4,48}[A-Za-z0-9]\/(queues|topics)\/[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/i,
    {
      error:
        "must be a Service Bus queue or topic resource ID such as /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ServiceBus/namespaces/<namespace>/queues/<queue>",
    },
  );

/**
 * An Amazon SQS queue, read by workers and KEDA through IAM roles for service accounts (no keys): created by the
 * program on each EKS cluster it lists, or an existing one referenced by `arn`.
 */
export const sqsQueue = z.strictObject({
  name: dnsLabel,
  kind: z.literal("sqs"),
  /** EKS clusters (cloud: aws) whose workers use it; each creates its own queue. Defaults to every cluster of the stack. */
  clusters: cloudQueueClusters,
  /** An existing queue to use instead of creating one. Defaults to creating `<cluster>-<name>` (and `<cluster>-<name>-dlq`). */
  arn: sqsArn.optional(),
  /**
   * Created queues: how long a received message stays invisible to other consumers (s, 0-43200). Defaults to the longest
   * maxJobDurationSeconds of the workers that read it (at least 30).
   */
  visibilityTimeoutSeconds: z.number().int().min(0).max(43200).optional(),
  /** Created queues: receives before a message moves to the dead-letter queue `<cluster>-<name>-dlq`. Defaults to 5. */
  maxReceiveCount: z.number().int().min(1).max(1000).default(5),
});
export type SqsQueueConfig = z.infer<typeof sqsQueue>;

/**
 * An Azure Service Bus queue, or a topic subscription, read by workers and KEDA through Microsoft Entra workload
 * identity (no keys): created by the program in a Service Bus namespace of each AKS cluster it lists (local
 * authentication off), or an existing entity referenced by `resourceId`.
 */
export const serviceBusQueue = z.strictObject({
  name: dnsLabel,
  kind: z.literal("servicebus"),
  /** AKS clusters (cloud: azure) whose workers use it; each creates its own. Defaults to every cluster of the stack. */
  clusters: cloudQueueClusters,
  /** An existing queue or topic to use instead of creating one. Defaults to creating queue (or topic) `<name>`. */
  resourceId: serviceBusEntityId.optional(),
  /**
   * The topic subscription workers receive from: the entity is then a topic (created: topic `<name>` with this
   * subscription; referenced: `resourceId` must name a topic). Defaults to none: a queue.
   */
  subscription: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/, {
      error: "must be a Service Bus subscription name: 1-50 letters, digits, '.', '-' or '_'",
    })
    .optional(),
  /** Created entities: deliveries before a message is dead-lettered. Defaults to 10. */
  maxDeliveryCount: z.number().int().min(1).max(2000).default(10),
});
export type ServiceBusQueueConfig = z.infer<typeof serviceBusQueue>;

export const queue = z.discriminatedUnion("kind", [brokerQueue, sqsQueue, serviceBusQueue], {
  error: "kind must be one of redis, rabbitmq, sqs, servicebus",
});
export type QueueConfig = z.infer<typeof queue>;
export type CloudQueueConfig = SqsQueueConfig | ServiceBusQueueConfig;
/** Queues in a cloud service (SQS, Service Bus) rather than a broker the platform runs or reaches with a password. */
export const isCloudQueue = (q: QueueConfig): q is CloudQueueConfig => q.kind === "sqs" || q.kind === "servicebus";
export const defaultQueueImage = (kind: BrokerQueueConfig["kind"]) =>
  kind === "redis" ? IMAGES.redis : IMAGES.rabbitmq;

/**
 * A trigger's name: KEDA's trigger `name`, what a `scalingModifiers.formula` calls it (an expr-lang identifier, so no
 * `-`), and part of its TriggerAuthentication's name. Names are unique per worker.
 */
export const triggerName = z.string().regex(/^[a-z][a-z0-9_]{0,29}$/, {
  error: "must be a lowercase identifier of at most 30 characters (letters, digits, _), such as queue or gpu_util",
});

/** Fields every trigger has. */
const triggerShape = {
  /** Name of the trigger (formulas use it). Defaults to its type (`redis`, `gpu`, ...); name two of a type apart. */
  name: triggerName.optional(),
};

export const trigger = z.discriminatedUnion(
  "type",
  [
    z.strictObject({
      type: z.literal("redis"),
      ...triggerShape,
      /** Name of a queue under `queues` (kind redis). */
      queue: dnsLabel,
      listName: z.string().min(1),
      /** List length one replica handles (KEDA listLength). Defaults to 5. */
      targetPerReplica: int32().min(1).default(5),
      /** Length above which the worker wakes from 0 (KEDA activationListLength, strict >). Defaults to 0. */
      activation: int32().min(0).default(0),
    }),
    z.strictObject({
      type: z.literal("rabbitmq"),
      ...triggerShape,
      /** Name of a queue under `queues` (kind rabbitmq). */
      queue: dnsLabel,
      queueName: z.string().min(1),
      /** Defaults to /. */
      vhost: z.string().default("/"),
      /**
       * Messages one replica handles (KEDA value). Defaults to 5. In job mode: messages per Job, counted among ready
       * messages only (unacknowledged ones are excluded), so the count is right only when each Job takes exactly this
       * many as it starts: keep 1 and give the consumer a prefetch of 1 (basic.qos prefetch_count), one message per
       * Job, acknowledged when done (docs/workloads.md, Job mode).
       */
      targetPerReplica: int32().min(1).default(5),
      activation: int32().min(0).default(0),
    }),
    z.strictObject({
      type: z.literal("prometheus"),
      ...triggerShape,
      /** PromQL returning one value, e.g. the queue depth your producer exports. */
      query: z.string().min(1),
      threshold: z.number().gt(0),
      activationThreshold: z.number().min(0).default(0),
      /** Defaults to the platform's Prometheus (addons.prometheus). */
      serverAddress: httpUrl.optional(),
    }),
    z.strictObject({
      type: z.literal("gpu"),
      ...triggerShape,
      /**
       * Average GPU utilisation (percent, DCGM_FI_DEV_GPU_UTIL from the platform's DCGM exporter) of the worker's
       * pods to hold: above it replicas are added. It cannot wake a worker from 0 (no pod, no GPU to measure).
       */
      targetUtilization: z.number().int().min(1).max(100),
      /** A Prometheus that scrapes the DCGM exporter. Defaults to the platform's in-cluster Prometheus. */
      serverAddress: httpUrl.optional(),
    }),
    z.strictObject({
      type: z.literal("cpu"),
      ...triggerShape,
      /** CPU utilisation, percent of requests (KEDA cpu trigger, metricType Utilization); needs requests.cpu. */
      targetUtilization: z.number().int().min(1).max(100),
    }),
    z.strictObject({
      type: z.literal("memory"),
      ...triggerShape,
      /** Memory utilisation, percent of requests (KEDA memory trigger, metricType Utilization). */
      targetUtilization: z.number().int().min(1).max(100),
    }),
    z.strictObject({
      type: z.literal("sqs"),
      ...triggerShape,
      /** Name of a queue under `queues` (kind sqs). */
      queue: dnsLabel,
      /** Messages one replica handles (KEDA queueLength). Defaults to 5. */
      targetPerReplica: z.number().int().min(1).default(5),
      /** Messages above which the worker wakes from 0 (KEDA activationQueueLength, strict >). Defaults to 0. */
      activation: z.number().int().min(0).default(0),
    }),
    z.strictObject({
      type: z.literal("servicebus"),
      ...triggerShape,
      /** Name of a queue under `queues` (kind servicebus). */
      queue: dnsLabel,
      /** Active messages one replica handles (KEDA messageCount). Defaults to 5. */
      targetPerReplica: z.number().int().min(1).default(5),
      /** Messages above which the worker wakes from 0 (KEDA activationMessageCount, strict >). Defaults to 0. */
      activation: z.number().int().min(0).default(0),
    }),
  ],
  { error: "type must be one of redis, rabbitmq, prometheus, gpu, cpu, memory, sqs, servicebus" },
);
export type TriggerConfig = z.infer<typeof trigger>;
/** A trigger on a cloud queue (SQS, Service Bus): KEDA reads it with a pod identity (components/workloads/cloud-queues.ts). */
export type CloudTriggerConfig = Extract<TriggerConfig, { type: "sqs" | "servicebus" }>;
export const isCloudTrigger = (t: TriggerConfig | undefined): t is CloudTriggerConfig =>
  t?.type === "sqs" || t?.type === "servicebus";

/** A Kubernetes namespace name (DNS-1123 label, at most 63 characters). */
const namespaceName = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);

/**
 * A service's `allowFrom` entry: what components/workloads/network-policies.ts renders as an `ipBlock` (a CIDR: an
 * entry of digits and dots, with or without a prefix, or one with a `:`, is judged as one) or as a `namespaceSelector` on
 * kubernetes.io/metadata.name (anything else, so it must be a namespace name). Anything else would render a selector
 * that matches nothing.
 */
export const allowFromEntry = z.string().superRefine((entry, ctx) => {
  const problem = isCidrEntry(entry)
    ? cidrProblem(entry, true)
    : namespaceName.safeParse(entry).success
      ? undefined
      : "must be a CIDR such as 10.0.0.0/8 or a namespace name such as ingress-nginx (lowercase letters, digits and '-', at most 63)";
  if (problem) ctx.addIssue({ code: "custom", message: problem, input: entry });
});

/** Whether an `allowFrom` entry is meant as a CIDR (and rendered as an `ipBlock`) rather than a namespace name. */
export function isCidrEntry(entry: string): boolean {
  return /^[0-9]+\.[0-9.]*(\/.*)?$/.test(entry) || entry.includes(":");
}

/**
 * A Prometheus metrics endpoint of a worker's or service's pods. The pods are annotated for the annotation-based
 * `kubernetes-pods` scrape job (prometheus.io/scrape, /port, /path), the container gets a port named `metrics`, and
 * the NetworkPolicy admits the scrapers on that port only.
 */
export const metricsEndpoint = z.strictObject({
  /** Container port serving the metrics. A service may use its own `port`. */
  port: z.number().int().min(1).max(65535),
  /** HTTP path of the metrics. Defaults to /metrics. */
  path: z
    .string()
    .regex(/^\/[^\s]*$/, { error: "must be an HTTP path starting with /, such as /metrics" })
    .default("/metrics"),
  /**
   * Who may scrape it, besides the in-cluster Prometheus (addons.prometheus, allowed always): IPv4 CIDRs or namespace
   * names, as in a service's `allowFrom`. Required when the platform runs no in-cluster Prometheus (externalUrl set or
   * the add-on disabled), e.g. the namespace of a managed Prometheus agent. Defaults to none.
   */
  allowFrom: z.array(allowFromEntry).default([]),
});
export type MetricsEndpoint = z.infer<typeof metricsEndpoint>;

/** An environment variable name as the platform accepts it: a C identifier (HF_TOKEN, LOG_LEVEL). */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: "must be an environment variable name: letters, digits and '_', not starting with a digit (e.g. LOG_LEVEL)",
});

/** Fields workers and services share. */
const podShape = {
  name: dnsLabel,
  image: pinnedImage,
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  /** Plain, non-secret environment variables. Defaults to none. */
  env: z.record(envName, z.string()).default({}),
  /** Environment variables from secret keys (`secretKeyRef`). Defaults to none. */
  secretEnv: z.record(envName, secretKeyRef).default({}),
  resources,
  gpu: z
    .strictObject({
      /** GPUs per pod (`nvidia.com/gpu` or `amd.com/gpu`, by vendor). */
      count: int32().min(1),
      vendor: workloadGpuVendor,
      /** Where the cluster has no GPU pool, run on CPU without the GPU request instead of failing. Defaults to false. */
      fallbackToCpu: z.boolean().default(false),
    })
    .optional(),
  /** May run on spot capacity (preferred when allowed, on-demand as fallback). Defaults to false. */
  spot: z.boolean().default(false),
  /** Priority tier. Defaults to standard. */
  priority: z.enum(["critical", "standard", "background"]).default("standard"),
  /** Clusters to deploy to, by name (at least one). Defaults to every cluster of the stack. */
  clusters: z
    .array(dnsLabel)
    .min(1, {
      error:
        "is empty, so it would deploy nowhere: list at least one cluster, or remove clusters to deploy to every cluster",
    })
    .optional(),
  /**
   * Extra egress allowed by the NetworkPolicy, beyond DNS and the worker's queue: a `cidr` (an `ipBlock`, no
   * exceptions) on TCP `ports` (default: every port), or a destination by name: `{ service }`, `{ worker }` (on
   * their port unless `ports` is given; their ingress admits this workload), `{ queue }`, `{ namespace, podSelector,
   * ports }` (docs/workloads.md, Network). Defaults to none.
   */
  egress: z.array(egressEntry).default([]),
  /**
   * A PodDisruptionBudget of this workload's pods: `{ minAvailable }` or `{ maxUnavailable }` (a count or a
   * percentage). Defaults to maxUnavailable 1 when replicas.min >= 2 or platform.production, else none.
   */
  pdb: pdb.optional(),
  /** A Prometheus metrics endpoint to scrape (`{ port, path, allowFrom }`). Defaults to none: no scraping, no ingress. */
  metrics: metricsEndpoint.optional(),
  /** Permissions of the workload's ServiceAccount (`{ rules, clusterWide, customResources, cloudIdentity }`). Defaults to none. */
  serviceAccount: workloadServiceAccount.prefault({}),
  ...storageShape,
};

/** Scaling keys workers and services share: a profile and the HPA behaviour, each direction field by field. */
const scalingShape = {
  /**
   * A scaling preset (responsive, balanced, conservative, cost-optimized; docs/workloads.md): pollingInterval,
   * cooldownPeriod (workers) and scaleUp/scaleDown; every one of them can still be set here and wins. Defaults to none.
   */
  scalingProfile: scalingProfile.optional(),
  /** HPA behaviour when adding replicas. Defaults to the profile's, else scale up at once (the HPA's rate limits). */
  scaleUp: scalingRules.optional(),
  /** HPA behaviour when removing replicas. Defaults to the profile's, else 300 s of stability first. */
  scaleDown: scalingRules.optional(),
};

export const worker = z
  .strictObject({
    ...podShape,
    /** deployment: a Deployment scaled by a ScaledObject; job: a ScaledJob, one Job per message. Defaults to deployment. */
    mode: z.enum(["deployment", "job"]).default("deployment"),
    /** Short form of a one-trigger `triggers` list; not together with `triggers`. */
    trigger: trigger.optional(),
    /**
     * What drives scaling, each a KEDA trigger: queues (redis, rabbitmq), prometheus (any PromQL), gpu (the pods'
     * GPU utilisation), cpu, memory. KEDA's HPA follows the largest demand ("or"); see scalingModifiers for "and".
     * Optional only for workers with min >= 1 and a cpu/memory trigger (or safetyNet).
     */
    triggers: z.array(trigger).min(1).optional(),
    /** Short form of cpu/memory triggers (named cpu, memory): utilisation (percent of requests). Defaults to none. */
    safetyNet: z
      .strictObject({
        cpuUtilization: z.number().int().min(1).max(100).optional(),
        /**
         * Warned about next to a queue trigger: memory per pod does not fall when replicas are added, so above the
         * target the worker stays at replicas.max while anything is queued. Size the memory requests instead.
         */
        memoryUtilization: z.number().int().min(1).max(100).optional(),
      })
      .optional(),
    replicas: z.strictObject({
      /** Defaults to 0 (scale to zero; needs a queue trigger). */
      min: int32().min(0).default(0),
      /** Always explicit: KEDA's default of 100 has stranded GPU pods in Pending. */
      max: int32().min(1),
    }),
    ...scalingShape,
    /** KEDA pollingInterval (s): how often KEDA reads the triggers (0 <-> 1). Defaults to the profile's, else 15. */
    pollingInterval: int32().min(1).optional(),
    /** KEDA cooldownPeriod (s): delay of the last step to zero only. Defaults to the profile's, else 300. */
    cooldownPeriod: int32().min(0).optional(),
    /**
     * KEDA initialCooldownPeriod (s): no scaling to zero for this long after the ScaledObject is created (e.g. a
     * first `pulumi up`). Deployment mode only. Defaults to 0.
     */
    initialCooldownPeriod: int32().min(0).optional(),
    /**
     * KEDA fallback: replicas to run while a trigger's metric cannot be read (`{enabled, failureThreshold, replicas,
     * behavior}`). Deployment mode only. Defaults to `{failureThreshold: 3, replicas: 1, behavior:
     * currentReplicasIfHigher}` with replicas.min 0 and no gpu trigger (a Prometheus outage would wake it), else none.
     */
    fallback: fallback.optional(),
    /**
     * KEDA scalingModifiers: one composite metric from a formula over the triggers' names (`{formula, target,
     * activationTarget, metricType}`). Deployment mode only. Defaults to none (the largest trigger wins).
     */
    scalingModifiers: scalingModifiers.optional(),
    /**
     * Job mode: how a ScaledJob combines several triggers' queue lengths (KEDA
     * scalingStrategy.multipleScalersCalculation). Defaults to max.
     */
    multipleScalersCalculation: z.enum(["max", "min", "avg", "sum"]).optional(),
    /**
     * Longest a single job may run (s): drives termination grace (deployment) or activeDeadlineSeconds (job: plus the
     * cluster's autoscaler.maxNodeProvisionTime and a 10-minute start-up margin, since the deadline counts from the
     * Job's creation, Pending time included). Defaults to 300.
     */
    maxJobDurationSeconds: int32().min(1).default(300),
    /**
     * Job mode: the Jobs' backoffLimit, ttlSecondsAfterFinished, parallelism and completions, and the ScaledJob's
     * history limits (docs/workloads.md, Job mode). Defaults to backoffLimit 2, history 5 successful and 10 failed,
     * one pod per Job.
     */
    job: jobSettings.optional(),
    /**
     * Service-level objective checked by `npm run plan` with the scaling simulator (docs/simulation.md): `trace`,
     * `waitP95Seconds`, `firstJobSeconds`. Defaults to none.
     */
    slo: workerSlo.optional(),
  })
  .transform((w, ctx) => resolveWorker(w, (path, message, input) => ctx.issues.push(pushed(path, message, input))));
export type WorkerConfig = z.infer<typeof worker>;

export const service = z
  .strictObject({
    ...podShape,
    ...scalingShape,
    port: z.number().int().min(1).max(65535),
    replicas: z.strictObject({ min: int32().min(1).default(2), max: int32().min(1) }),
    /** HPA CPU target (percent of requests). Defaults to 70. */
    targetCpuUtilization: z.number().int().min(1).max(100).default(70),
    targetMemoryUtilization: z.number().int().min(1).max(100).optional(),
    /** A per-pod custom metric from the Prometheus Adapter, e.g. DCGM_FI_DEV_GPU_UTIL. */
    customMetric: z.strictObject({ name: z.string().min(1), targetAverageValue: quantity }).optional(),
    /** Service type. LoadBalancer is flagged by the policy pack unless allowed. Defaults to ClusterIP. */
    expose: z.enum(["ClusterIP", "LoadBalancer"]).default("ClusterIP"),
    /**
     * Ingress allowed by the NetworkPolicy, each entry an IPv4 CIDR (an `ipBlock`), the name of a namespace (any pod
     * in it), or a source by name: `{ worker }`, `{ service }` (its egress admits this service too), `{ namespace,
     * podSelector }`. Defaults to any pod in the cluster (any source for a LoadBalancer).
     */
    allowFrom: z
      .array(
        z.union([allowFromEntry, namedSource], {
          error:
            "must be a CIDR, a namespace name, or one of { worker }, { service }, { namespace, podSelector } naming a source",
        }),
      )
      .default([]),
  })
  .transform((s, ctx) => resolveService(s, (path, message, input) => ctx.issues.push(pushed(path, message, input))));
export type ServiceConfig = z.infer<typeof service>;

export const priorityClasses = z
  .strictObject({
    /** Values of the tiers. Defaults to critical 100000, standard 10000, background 1000, overprovisioning -10. */
    values: z
      .strictObject({
        critical: int32().max(1_000_000_000).default(100_000),
        standard: int32().max(1_000_000_000).default(10_000),
        background: int32().max(1_000_000_000).default(1_000),
        /**
         * The cluster autoscaler ignores pods below its expendable-pods-priority-cutoff (default -10) when it decides
         * to scale up, so a placeholder below -10 would no longer keep nodes warm; negative so it never blocks real pods.
         */
        overprovisioning: z
          .number()
          .int()
          .min(-10, {
            error:
              "must be >= -10: the cluster autoscaler ignores pods below its expendable-pods-priority-cutoff (-10) for scale-up, so headroom placeholders would stop keeping nodes warm",
          })
          .max(-1, { error: "must be negative (<= -1) so placeholders never displace real pods" })
          .default(-10),
      })
      .prefault({}),
    /** Tier used for pods that name none (globalDefault). Defaults to none. */
    globalDefault: z.enum(["critical", "standard", "background", "none"]).default("none"),
  })
  .prefault({});
