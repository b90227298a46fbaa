import * as sqs from "@pulumi/aws/sqs/index.js";
import * as servicebus from "@pulumi/azure-native/servicebus/index.js";
import * as pulumi from "@pulumi/pulumi";
import type {
  CloudTriggerConfig,
  ServiceBusQueueConfig,
  SqsQueueConfig,
  StackConfig,
  WorkerConfig,
} from "../../stacks/schema/index.ts";
import { isCloudQueue, isCloudTrigger } from "../../stacks/schema/index.ts";
import { cloudQueueClusters } from "../../stacks/schema/checks/cloud-queues.ts";
import type { CloudIdentityHandle } from "../cluster/handle.ts";
import type { WorkloadEnv } from "./common.ts";
import type { NamedEnvVar } from "./pod.ts";
import type { KedaTrigger } from "./triggers.ts";
import { triggerScaling } from "./triggers.ts";

type AwsIdentity = Extract<CloudIdentityHandle, { cloud: "aws" }>;
type AzureIdentity = Extract<CloudIdentityHandle, { cloud: "azure" }>;

/** An SQS queue as KEDA and the workers of one EKS cluster see it. */
export interface SqsQueue {
  kind: "sqs";
  /** The `queues[].name` of the config. */
  name: string;
  /** The queue's name in SQS. */
  queueName: string;
  url: pulumi.Output<string>;
  /** What the worker's and KEDA's IAM policies name as their only resource. */
  arn: pulumi.Output<string>;
  region: string;
  /** Created queues: what the trigger waits for (the queue and its dead-letter queue). */
  resources: pulumi.Resource[];
}

/** A Service Bus queue or topic subscription as KEDA and the workers of one AKS cluster see it. */
export interface ServiceBusQueue {
  kind: "servicebus";
  name: string;
  /** The Service Bus namespace's name (KEDA `namespace`; clients connect to `<namespace>.servicebus.windows.net`). */
  namespace: pulumi.Output<string>;
  /** The queue, or the topic of `subscription`. */
  entity: { queue: string } | { topic: string; subscription: string };
  /** Resource ID of the queue or topic: the scope of the identities' role assignments (nothing wider). */
  scope: pulumi.Output<string>;
  resources: pulumi.Resource[];
}

export type CloudQueue = SqsQueue | ServiceBusQueue;

/** Groups the cloud resources of one created queue. */
class CloudQueueComponent extends pulumi.ComponentResource {
  constructor(name: string, opts: pulumi.ComponentResourceOptions) {
    super("worker-platform:workloads:CloudQueue", name, {}, opts);
  }
  done(outputs: Record<string, unknown>): void {
    this.registerOutputs(outputs);
  }
}

/** Seconds SQS allows as a visibility timeout (SQS API, SetQueueAttributes VisibilityTimeout: 0 to 43,200). */
export const SQS_MAX_VISIBILITY_SECONDS = 43200;
/** SQS's longest retention (14 days): dead letters stay long enough to be looked at. */
export const SQS_DLQ_RETENTION_SECONDS = 1_209_600;

/**
 * Visibility timeout of a created SQS queue: the configured one, else the longest maxJobDurationSeconds of the
 * workers that read it (a message must stay invisible while its job runs, or a second replica receives it), at
 * least SQS's own default of 30 s.
 */
export function sqsVisibilityTimeout(config: StackConfig, q: SqsQueueConfig): number {
  if (q.visibilityTimeoutSeconds !== undefined) return q.visibilityTimeoutSeconds;
  const jobs = config.workers.filter((w) => w.triggers.some((t) => isCloudTrigger(t) && t.queue === q.name));
  return Math.min(SQS_MAX_VISIBILITY_SECONDS, Math.max(30, ...jobs.map((w) => w.maxJobDurationSeconds)));
}

/**
 * The SQS and Service Bus queues of the stack on one cluster (those whose `clusters` include it; the schema keeps
 * each on clusters of its cloud). Referenced ones (`arn`, `resourceId`) are only read; others are created:
 *  - SQS: `<cluster>-<name>` with SQS-managed encryption and a redrive policy to `<cluster>-<name>-dlq`, in the
 *    cluster's account and region;
 *  - Service Bus: a queue (or a topic and its subscription) in one Standard namespace per cluster, created in the
 *    cluster's resource group with local (SAS key) authentication off, so Entra ID is the only way in.
 */
export function createCloudQueues(
  env: WorkloadEnv,
  config: StackConfig,
  parent: pulumi.Resource,
): Map<string, CloudQueue> {
  const out = new Map<string, CloudQueue>();
  const id = env.cluster.identity;
  let namespace: servicebus.Namespace | undefined;
  for (const q of config.queues.filter(isCloudQueue)) {
    if (!cloudQueueClusters(config, q).some((c) => c.name === env.cluster.name)) continue;
    if (q.kind === "sqs" && id?.cloud === "aws") out.set(q.name, sqsQueue(env, config, q, id, parent));
    else if (q.kind === "servicebus" && id?.cloud === "azure") {
      if (q.resourceId) out.set(q.name, referencedServiceBus(q, q.resourceId));
      else {
        namespace ??= serviceBusNamespace(env, id, parent);
        out.set(q.name, createdServiceBus(env, q, id, namespace, parent));
      }
    } else
      throw new pulumi.ResourceError(
        `queue ${q.name} (${q.kind}) cannot be on cluster ${env.cluster.name} (${env.cluster.cloud}); the schema should have rejected it`,
        parent,
      );
  }
  return out;
}

/** Parts of an SQS ARN (`arn:<partition>:sqs:<region>:<account>:<name>`), which the schema has validated. */
export function parseSqsArn(arn: string): { partition: string; region: string; account: string; name: string } {
  const [, partition, , region, account, name] = arn.split(":");
  return { partition, region, account, name };
}

/**
 * The queue URL of an SQS ARN: `https://sqs.<region>.<domain>/<account>/<name>`, the domain amazonaws.com, or
 * amazonaws.com.cn in the China partition (AWS General Reference, "Amazon SQS endpoints").
 */
export function sqsUrlOfArn(arn: string): string {
  const { partition, region, account, name } = parseSqsArn(arn);
  const domain = partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://sqs.${region}.${domain}/${account}/${name}`;
}

function sqsQueue(
  env: WorkloadEnv,
  config: StackConfig,
  q: SqsQueueConfig,
  id: AwsIdentity,
  parent: pulumi.Resource,
): SqsQueue {
  if (q.arn) {
    const { region, name } = parseSqsArn(q.arn);
    return {
      kind: "sqs",
      name: q.name,
      queueName: name,
      url: pulumi.output(sqsUrlOfArn(q.arn)),
      arn: pulumi.output(q.arn),
      region,
      resources: [],
    };
  }
  const name = `${env.cluster.name}-${q.name}`;
  const component = new CloudQueueComponent(name, { parent });
  const o = { parent: component, provider: id.provider };
  const tags = { "worker-platform/cluster": env.cluster.name, "worker-platform/queue": q.name };
  const dlq = new sqs.Queue(
    `${name}-dlq`,
    { name: `${name}-dlq`, sqsManagedSseEnabled: true, messageRetentionSeconds: SQS_DLQ_RETENTION_SECONDS, tags },
    o,
  );
  const queue = new sqs.Queue(
    name,
    {
      name,
      sqsManagedSseEnabled: true,
      visibilityTimeoutSeconds: sqsVisibilityTimeout(config, q),
      redrivePolicy: dlq.arn.apply((deadLetterTargetArn) =>
        JSON.stringify({ deadLetterTargetArn, maxReceiveCount: q.maxReceiveCount }),
      ),
      tags,
    },
    o,
  );
  component.done({ url: queue.url, arn: queue.arn });
  return {
    kind: "sqs",
    name: q.name,
    queueName: name,
    url: queue.url,
    arn: queue.arn,
    region: id.region,
    resources: [queue, dlq],
  };
}

/** Parts of a Service Bus queue or topic resource ID, which the schema has validated. */
export function parseServiceBusId(resourceId: string): {
  namespace: string;
  entity: "queues" | "topics";
  name: string;
} {
  const parts = resourceId.split("/");
  const at = parts.findIndex((p) => p.toLowerCase() === "namespaces");
  return {
    namespace: parts[at + 1],
    entity: parts[at + 2].toLowerCase() === "topics" ? "topics" : "queues",
    name: parts[at + 3],
  };
}

function referencedServiceBus(q: ServiceBusQueueConfig, resourceId: string): ServiceBusQueue {
  const { namespace, entity, name } = parseServiceBusId(resourceId);
  return {
    kind: "servicebus",
    name: q.name,
    namespace: pulumi.output(namespace),
    // The schema requires `subscription` exactly for topics.
    entity: entity === "topics" ? { topic: name, subscription: q.subscription! } : { queue: name },
    scope: pulumi.output(resourceId),
    resources: [],
  };
}

/**
 * The cluster's Service Bus namespace for the queues the program creates: Standard (topics need it), TLS 1.2,
 * `disableLocalAuth`: no shared access keys exist to leak, every client authenticates with Entra ID. Its name is
 * auto-named from `<cluster>-servicebus` (namespace names are global in Azure).
 */
function serviceBusNamespace(env: WorkloadEnv, id: AzureIdentity, parent: pulumi.Resource): servicebus.Namespace {
  return new servicebus.Namespace(
    `${env.cluster.name}-servicebus`,
    {
      resourceGroupName: id.resourceGroupName,
      location: id.location,
      sku: { name: "Standard", tier: "Standard" },
      disableLocalAuth: true,
      minimumTlsVersion: "1.2",
      tags: { "worker-platform/cluster": env.cluster.name },
    },
    { parent },
  );
}

function createdServiceBus(
  env: WorkloadEnv,
  q: ServiceBusQueueConfig,
  id: AzureIdentity,
  namespace: servicebus.Namespace,
  parent: pulumi.Resource,
): ServiceBusQueue {
  const name = `${env.cluster.name}-${q.name}`;
  const component = new CloudQueueComponent(name, { parent });
  const o = { parent: component };
  const common = { resourceGroupName: id.resourceGroupName, namespaceName: namespace.name };
  // Messages that expire or exhaust maxDeliveryCount go to the entity's dead-letter subqueue, not away. The lock is
  // the service's longest, 5 minutes (the default is 1; Service Bus docs, "Message transfers, locks, and settlement"):
  // a worker whose SDK does not renew it loses a message to redelivery only after 5 minutes of work.
  const delivery = {
    maxDeliveryCount: q.maxDeliveryCount,
    deadLetteringOnMessageExpiration: true,
    lockDuration: SERVICE_BUS_LOCK_DURATION,
  };
  if (q.subscription) {
    const topic = new servicebus.Topic(name, { ...common, topicName: q.name }, o);
    const sub = new servicebus.Subscription(
      `${name}-${q.subscription}`,
      { ...common, topicName: topic.name, subscriptionName: q.subscription, ...delivery },
      o,
    );
    component.done({ topic: topic.id });
    return {
      kind: "servicebus",
      name: q.name,
      namespace: namespace.name,
      entity: { topic: q.name, subscription: q.subscription },
      scope: topic.id,
      resources: [topic, sub],
    };
  }
  const queue = new servicebus.Queue(name, { ...common, queueName: q.name, ...delivery }, o);
  component.done({ queue: queue.id });
  return {
    kind: "servicebus",
    name: q.name,
    namespace: namespace.name,
    entity: { queue: q.name },
    scope: queue.id,
    resources: [queue],
  };
}

/** Peek-lock duration of created Service Bus queues and subscriptions: the service's maximum (ISO 8601). */
export const SERVICE_BUS_LOCK_DURATION = "PT5M";

/**
 * The KEDA trigger of a cloud queue (keda.sh/docs/2.20/scalers), authenticated by `authName`, a TriggerAuthentication
 * with a pod identity (cloud-identity.ts): no key in the metadata or anywhere else.
 *  - aws-sqs-queue: `queueURL`, `queueLength` (messages per replica), `activationQueueLength`, `awsRegion`. The count
 *    is visible + in-flight messages (scaleOnInFlight, default true), which a deployment-mode worker needs (a replica
 *    busy with a message keeps counting, so the HPA does not scale in under it); a ScaledJob with the accurate
 *    strategy needs waiting messages only (`scaleOnInFlight: "false"`), as with rabbitmq's excludeUnacknowledged
 *    (triggers.ts): a running Job keeps its message in flight until it deletes it. No identityOwner: deprecated
 *    since KEDA 2.13 and only read by the `aws-eks` provider.
 *  - azure-servicebus: `namespace` (required with a pod identity), `queueName` or `topicName` + `subscriptionName`,
 *    `messageCount`, `activationMessageCount`. KEDA counts the entity's active messages
 *    (pkg/scalers/azure_servicebus_scaler.go, GetQueueRuntimeProperties / GetSubscriptionRuntimeProperties).
 */
export function cloudQueueTrigger(
  w: WorkerConfig,
  t: CloudTriggerConfig,
  q: CloudQueue,
  authName: string,
): KedaTrigger {
  const authenticationRef = { name: authName };
  const n = triggerScaling({ ...t, name: "queue" }, w);
  const inFlight = n.metric === "queue" && n.countsInFlight;
  if (t.type === "sqs" && q.kind === "sqs")
    return {
      type: "aws-sqs-queue",
      name: "queue",
      metadata: {
        queueURL: q.url,
        queueLength: String(t.targetPerReplica),
        activationQueueLength: String(t.activation),
        awsRegion: q.region,
        ...(inFlight ? {} : { scaleOnInFlight: "false" }),
      },
      authenticationRef,
    };
  if (t.type === "servicebus" && q.kind === "servicebus")
    return {
      type: "azure-servicebus",
      name: "queue",
      metadata: {
        namespace: q.namespace,
        ...("queue" in q.entity
          ? { queueName: q.entity.queue }
          : { topicName: q.entity.topic, subscriptionName: q.entity.subscription }),
        messageCount: String(t.targetPerReplica),
        activationMessageCount: String(t.activation),
      },
      authenticationRef,
    };
  throw new Error(`worker ${w.name}: trigger ${t.type} names queue ${q.name} of kind ${q.kind}`);
}

/**
 * What a worker's container is told about its cloud queue, besides the identity the cloud SDKs pick up themselves
 * (the webhooks inject AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, or AZURE_CLIENT_ID and
 * AZURE_FEDERATED_TOKEN_FILE): SQS `QUEUE_URL`, `QUEUE_NAME`, `QUEUE_REGION`; Service Bus `QUEUE_NAMESPACE` (the
 * fully qualified `<namespace>.servicebus.windows.net` the SDK clients take), `QUEUE_NAME` (queue or topic) and
 * `QUEUE_SUBSCRIPTION`.
 */
export function cloudQueueEnv(q: CloudQueue): NamedEnvVar[] {
  if (q.kind === "sqs")
    return [
      { name: "QUEUE_URL", value: q.url },
      { name: "QUEUE_NAME", value: q.queueName },
      { name: "QUEUE_REGION", value: q.region },
    ];
  return [
    { name: "QUEUE_NAMESPACE", value: pulumi.interpolate`${q.namespace}.servicebus.windows.net` },
    ...("queue" in q.entity
      ? [{ name: "QUEUE_NAME", value: q.entity.queue }]
      : [
          { name: "QUEUE_NAME", value: q.entity.topic },
          { name: "QUEUE_SUBSCRIPTION", value: q.entity.subscription },
        ]),
  ];
}

/**
 * TCP ports a worker of a cloud queue reaches outside the cluster. A NetworkPolicy cannot name a host, so these are
 * allowed to any address, like an external queue's port (network-policies.ts):
 *  - SQS: 443, the SQS API and the regional STS endpoint that exchanges the pod's token (IRSA);
 *  - Service Bus: 5671 and 5672 (AMQP; TLS is mandatory on both) and 443 (AMQP over WebSockets, and Microsoft Entra
 *    ID's token endpoint for workload identity) (Azure docs, "AMQP 1.0 in Azure Service Bus", outbound ports).
 */
export function cloudQueuePorts(q: Pick<CloudQueue, "kind">): number[] {
  return q.kind === "sqs" ? [443] : [443, 5671, 5672];
}
