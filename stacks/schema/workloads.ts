import { z } from "zod";
import {
  byteQuantity,
  cidrProblem,
  dnsLabel,
  hostName,
  httpUrl,
  int32,
  networkCidr,
  pinnedImage,
  quantity,
  resources,
} from "./common.ts";
import { IMAGES } from "../versions.ts";

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

export const queue = z.strictObject({
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
export type QueueConfig = z.infer<typeof queue>;
export const defaultQueueImage = (kind: QueueConfig["kind"]) => (kind === "redis" ? IMAGES.redis : IMAGES.rabbitmq);

const trigger = z.discriminatedUnion(
  "type",
  [
    z.strictObject({
      type: z.literal("redis"),
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
      /** Name of a queue under `queues` (kind rabbitmq). */
      queue: dnsLabel,
      queueName: z.string().min(1),
      /** Defaults to /. */
      vhost: z.string().default("/"),
      targetPerReplica: int32().min(1).default(5),
      activation: int32().min(0).default(0),
    }),
    z.strictObject({
      type: z.literal("prometheus"),
      /** PromQL returning one value, e.g. the queue depth your producer exports. */
      query: z.string().min(1),
      threshold: z.number().gt(0),
      activationThreshold: z.number().min(0).default(0),
      /** Defaults to the platform's Prometheus (addons.prometheus). */
      serverAddress: httpUrl.optional(),
    }),
  ],
  { error: "type must be one of redis, rabbitmq, prometheus" },
);
export type TriggerConfig = z.infer<typeof trigger>;

const behaviorPolicy = z.strictObject({
  /** Seconds the autoscaler looks back before acting (HPA stabilizationWindowSeconds, at most 3600: KEDA #4976). */
  stabilizationWindowSeconds: z.number().int().min(0).max(3600),
  /** Most pods added/removed per 15 s. */
  podsPer15s: int32().min(1).optional(),
  /** Most percent added/removed per 15 s. */
  percentPer15s: int32().min(1).optional(),
});

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
      /** nvidia.com/gpu per pod. */
      count: int32().min(1),
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
   * exceptions) on TCP `ports` (default: every port). Defaults to none.
   */
  egress: z
    .array(z.strictObject({ cidr: networkCidr, ports: z.array(z.number().int().min(1).max(65535)).default([]) }))
    .default([]),
  /** A Prometheus metrics endpoint to scrape (`{ port, path, allowFrom }`). Defaults to none: no scraping, no ingress. */
  metrics: metricsEndpoint.optional(),
};

export const worker = z.strictObject({
  ...podShape,
  /** deployment: a Deployment scaled by a ScaledObject; job: a ScaledJob, one Job per message. Defaults to deployment. */
  mode: z.enum(["deployment", "job"]).default("deployment"),
  /** The queue whose depth drives scaling. Optional only for workers with min >= 1 and a cpu/memory safety net. */
  trigger: trigger.optional(),
  /** CPU/memory utilisation triggers (percent of requests) that add replicas under load. Defaults to none. */
  safetyNet: z
    .strictObject({
      cpuUtilization: z.number().int().min(1).max(100).optional(),
      memoryUtilization: z.number().int().min(1).max(100).optional(),
    })
    .optional(),
  replicas: z.strictObject({
    /** Defaults to 0 (scale to zero; needs a queue trigger). */
    min: int32().min(0).default(0),
    /** Always explicit: KEDA's default of 100 has stranded GPU pods in Pending. */
    max: int32().min(1),
  }),
  /** KEDA pollingInterval (s). Defaults to 15. */
  pollingInterval: int32().min(1).default(15),
  /** KEDA cooldownPeriod (s): delay of the last step to zero only. Defaults to 300. */
  cooldownPeriod: int32().min(0).default(300),
  /** HPA behaviour. Defaults: scale up at once, scale down after 300 s of stability. */
  scaleUp: behaviorPolicy.prefault({ stabilizationWindowSeconds: 0 }),
  scaleDown: behaviorPolicy.prefault({ stabilizationWindowSeconds: 300 }),
  /**
   * Longest a single job may run (s): drives termination grace (deployment) or activeDeadlineSeconds (job: plus the
   * cluster's autoscaler.maxNodeProvisionTime and a 10-minute start-up margin, since the deadline counts from the
   * Job's creation, Pending time included). Defaults to 300.
   */
  maxJobDurationSeconds: int32().min(1).default(300),
});
export type WorkerConfig = z.infer<typeof worker>;

export const service = z.strictObject({
  ...podShape,
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
   * Ingress allowed by the NetworkPolicy, each entry an IPv4 CIDR (an `ipBlock`) or the name of a namespace (any pod
   * in it). Defaults to any pod in the cluster (any source for a LoadBalancer).
   */
  allowFrom: z.array(allowFromEntry).default([]),
});
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
