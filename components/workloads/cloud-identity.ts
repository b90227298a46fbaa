import * as iam from "@pulumi/aws/iam/index.js";
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as managedidentity from "@pulumi/azure-native/managedidentity/index.js";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { WorkerConfig } from "../../stacks/schema/index.ts";
import { KEDA_OPERATOR_SERVICE_ACCOUNT } from "../addons/keda.ts";
import type { CloudIdentityHandle } from "../cluster/handle.ts";
import { irsaTrustPolicy } from "../cluster/eks-autoscaling.ts";
import type { CloudQueue, ServiceBusQueue, SqsQueue } from "./cloud-queues.ts";
import { cloudQueueEnv } from "./cloud-queues.ts";
import type { WorkloadEnv } from "./common.ts";
import type { NamedEnvVar } from "./pod.ts";
import { k8sOpts } from "./common.ts";

type AwsIdentity = Extract<CloudIdentityHandle, { cloud: "aws" }>;
type AzureIdentity = Extract<CloudIdentityHandle, { cloud: "azure" }>;

/** Service account annotation the EKS pod identity webhook reads (IRSA): the role the pod's token is exchanged for. */
export const IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn";
/** The webhook then points the SDKs at the regional STS endpoint (aws/amazon-eks-pod-identity-webhook README). */
export const IRSA_REGIONAL_STS_ANNOTATION = "eks.amazonaws.com/sts-regional-endpoints";
/** Service account annotation the Azure workload identity webhook reads: the identity's client ID (AZURE_CLIENT_ID). */
export const AZURE_CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id";
/** Pod label the Azure workload identity webhook mutates on (azure-workload-identity docs, "Service account labels and annotations"). */
export const AZURE_USE_LABEL = "azure.workload.identity/use";
/** The audience of the service account tokens Entra ID accepts for a federated identity credential. */
export const AZURE_TOKEN_AUDIENCE = "api://AzureADTokenExchange";

/**
 * IAM actions of a worker on its queue: receive, delete once processed, extend visibility while a job runs, read
 * attributes (the batch forms of delete and visibility change need the same actions; Amazon SQS API permissions
 * reference). Nothing else, and only on the queue's ARN.
 */
export const WORKER_SQS_ACTIONS = [
  "sqs:ReceiveMessage",
  "sqs:DeleteMessage",
  "sqs:ChangeMessageVisibility",
  "sqs:GetQueueAttributes",
  "sqs:GetQueueUrl",
];
/** KEDA's aws-sqs-queue scaler calls GetQueueAttributes only (kedacore/keda pkg/scalers/aws_sqs_queue_scaler.go). */
export const KEDA_SQS_ACTIONS = ["sqs:GetQueueAttributes"];

/**
 * Built-in Azure roles (Azure docs, "Azure built-in roles for Integration"). Workers receive with Data Receiver.
 * KEDA's azure-servicebus scaler reads counts through the Service Bus administration API
 * (GetQueueRuntimeProperties / GetSubscriptionRuntimeProperties), which takes the Manage right: Data Owner is the only
 * built-in role with it (the KEDA scaler docs ask for a `Manage` policy when keys are used; kedacore/keda #7822 for
 * identities). Both are assigned on the queue or topic only, never the namespace.
 */
export const SERVICE_BUS_ROLES = {
  dataReceiver: "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
  dataOwner: "090c5cfd-751d-490a-894a-3ce6f1109419",
} as const;

/** Pod template annotation carrying the worker's cloud identity (WorkerCloudIdentity.podAnnotations). */
export const CLOUD_IDENTITY_ANNOTATION = "worker-platform/cloud-identity";

/** The role ARN (EKS) or client ID (AKS) of a worker's ServiceAccount annotations. */
function identityOf(annotations: Record<string, pulumi.Input<string>>): pulumi.Input<string> {
  return annotations["eks.amazonaws.com/role-arn"] ?? annotations["azure.workload.identity/client-id"] ?? "";
}

/** Name of the TriggerAuthentication of a worker's cloud queue trigger (a pod identity, no secret). */
export const cloudTriggerAuthName = (worker: string) => `${worker}-keda-identity`;

/** What a cloud-queue worker's objects carry for its identity, and what they wait for. */
export interface WorkerCloudIdentity {
  /** Annotations of the worker's ServiceAccount (the role ARN or client ID the webhook injects). */
  serviceAccountAnnotations: Record<string, pulumi.Input<string>>;
  /** Labels added to the pod template (Azure: the webhook's opt-in label). */
  podLabels: Record<string, string>;
  /**
   * Annotations added to the pod template: the identity the webhook injects, so that pods roll when it is replaced.
   * Both webhooks set AWS_ROLE_ARN / AZURE_CLIENT_ID only when a pod is created (aws/amazon-eks-pod-identity-webhook
   * deploy/mutatingwebhook.yaml and Azure/azure-workload-identity's webhook configuration: `operations: [CREATE]`), so
   * pods started before a new role or identity would keep the old one.
   */
  podAnnotations: Record<string, pulumi.Input<string>>;
  /** Platform environment of the container (the queue's address; cloud-queues.ts cloudQueueEnv). */
  env: NamedEnvVar[];
  /** The TriggerAuthentication the cloud trigger references. */
  authName: string;
  /** What the pods wait for: the worker identity's permissions. */
  podDependencies: pulumi.Resource[];
  /** What the ScaledObject/ScaledJob waits for: the TriggerAuthentication and the scaler identity's permissions. */
  scalerDependencies: pulumi.Resource[];
}

/**
 * The cloud identities of a worker that reads an SQS queue or a Service Bus entity, on one cluster. Least privilege,
 * and no key anywhere:
 *  - the worker's pods get an identity that may only receive from (and settle on) that one queue, through their own
 *    service account (IRSA on EKS, Entra workload identity on AKS);
 *  - KEDA gets a second, per-worker scaler identity that may only read that queue's counts, which its operator
 *    takes on with its own service account token. The TriggerAuthentication names it: `podIdentity.roleArn`
 *    (provider `aws`) or `podIdentity.identityId` (provider `azure-workload`).
 * Why not the other KEDA designs: the operator's own identity (KEDA 2.20's default, `identityOwner: keda`) would
 * need every worker's queue, for every namespace; the workload's identity (`identityOwner: workload`, aws only)
 * would let KEDA receive and delete messages, and the worker's role trust KEDA's service account. With a scaler
 * identity, each side holds exactly what it uses. The operator's own identity grants nothing: on EKS a role without
 * policies (components/cluster/eks.ts), on AKS none at all (components/addons/keda.ts podIdentityValues).
 * KEDA 2.20's `aws` provider assumes the scaler role with AssumeRoleWithWebIdentity and the operator's token first
 * (pkg/scalers/aws/aws_config_cache.go retrievePodIdentityCredentials), so the role trusts the operator's service
 * account through the cluster's OIDC provider and KEDA needs no sts:AssumeRole grant. The deprecated `aws-eks`
 * provider is not used.
 */
export function workerCloudIdentity(
  env: WorkloadEnv,
  w: WorkerConfig,
  queue: CloudQueue,
  name: string,
  parent: pulumi.Resource,
): WorkerCloudIdentity {
  const id = env.cluster.identity;
  const keda = { namespace: env.config.addons.keda.namespace, serviceAccount: KEDA_OPERATOR_SERVICE_ACCOUNT };
  const subjects = { worker: { namespace: env.namespace, serviceAccount: w.name }, keda };
  let identity: {
    annotations: Record<string, pulumi.Input<string>>;
    podLabels: Record<string, string>;
    podIdentity: Record<string, pulumi.Input<string>>;
    pod: pulumi.Resource[];
    scaler: pulumi.Resource[];
  };
  if (queue.kind === "sqs" && id?.cloud === "aws") identity = sqsIdentities(id, queue, subjects, name, parent);
  else if (queue.kind === "servicebus" && id?.cloud === "azure")
    identity = serviceBusIdentities(id, queue, subjects, name, parent);
  else
    throw new pulumi.ResourceError(
      `worker ${w.name}: ${queue.kind} queue ${queue.name} on a ${env.cluster.cloud} cluster; the schema should have rejected it`,
      parent,
    );
  const authName = cloudTriggerAuthName(w.name);
  const auth = new k8s.apiextensions.CustomResource(
    `${name}-keda-identity`,
    {
      apiVersion: "keda.sh/v1alpha1",
      kind: "TriggerAuthentication",
      metadata: { name: authName, namespace: env.namespace },
      spec: { podIdentity: identity.podIdentity },
    },
    k8sOpts(env, parent, [...env.addons.keda, ...identity.scaler]),
  );
  return {
    serviceAccountAnnotations: identity.annotations,
    podLabels: identity.podLabels,
    podAnnotations: { [CLOUD_IDENTITY_ANNOTATION]: identityOf(identity.annotations) },
    env: cloudQueueEnv(queue),
    authName,
    podDependencies: identity.pod,
    scalerDependencies: [auth, ...identity.scaler, ...queue.resources],
  };
}

interface Subject {
  namespace: string;
  serviceAccount: string;
}

/** An IAM policy allowing `actions` on exactly one queue. */
export function sqsQueuePolicy(actions: string[], queueArn: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi
    .output(queueArn)
    .apply((arn) =>
      JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: arn }] }),
    );
}

/**
 * `namePrefix` of an IAM role `<base>-<kind>`: IAM role names are at most 64 characters and AWS appends a 26-character
 * unique suffix to a prefix (at most 38 then), while `<cluster>-<worker>` alone may reach 71. The start of the base and
 * the kind stay readable; the description says the rest.
 */
export function iamRolePrefix(base: string, kind: string): string {
  return `${base.slice(0, 36 - kind.length)}-${kind}-`;
}

/** A role trusting one service account (IRSA) with an inline policy; the ARN resolves once the policy exists. */
function irsaRole(
  base: string,
  kind: string,
  id: AwsIdentity,
  subject: Subject,
  policy: pulumi.Input<string>,
  description: string,
  parent: pulumi.Resource,
): { roleArn: pulumi.Output<string>; resources: pulumi.Resource[] } {
  const o = { parent, provider: id.provider };
  const name = `${base}-${kind}`;
  const role = new iam.Role(
    name,
    {
      namePrefix: iamRolePrefix(base, kind),
      assumeRolePolicy: irsaTrustPolicy(id.oidcProviderArn, id.issuerUrl, subject.namespace, subject.serviceAccount),
      description,
    },
    o,
  );
  const inline = new iam.RolePolicy(name, { role: role.id, policy }, o);
  return { roleArn: pulumi.all([role.arn, inline.id]).apply(([arn]) => arn), resources: [role, inline] };
}

function sqsIdentities(
  id: AwsIdentity,
  queue: SqsQueue,
  subjects: { worker: Subject; keda: Subject },
  name: string,
  parent: pulumi.Resource,
) {
  const worker = irsaRole(
    name,
    "sqs",
    id,
    subjects.worker,
    sqsQueuePolicy(WORKER_SQS_ACTIONS, queue.arn),
    `worker ${subjects.worker.serviceAccount}: receive from SQS queue ${queue.queueName}`,
    parent,
  );
  const scaler = irsaRole(
    name,
    "keda-sqs",
    id,
    subjects.keda,
    sqsQueuePolicy(KEDA_SQS_ACTIONS, queue.arn),
    `KEDA scaler of ${subjects.worker.serviceAccount}: read SQS queue ${queue.queueName} attributes`,
    parent,
  );
  return {
    annotations: { [IRSA_ROLE_ANNOTATION]: worker.roleArn, [IRSA_REGIONAL_STS_ANNOTATION]: "true" },
    podLabels: {},
    podIdentity: { provider: "aws", roleArn: scaler.roleArn },
    pod: worker.resources,
    scaler: scaler.resources,
  };
}

/** `/subscriptions/<id>/providers/Microsoft.Authorization/roleDefinitions/<role>` in the subscription of `scope`. */
export function roleDefinitionId(scope: pulumi.Input<string>, role: string): pulumi.Output<string> {
  return pulumi
    .output(scope)
    .apply((s) => `/subscriptions/${s.split("/")[2]}/providers/Microsoft.Authorization/roleDefinitions/${role}`);
}

/**
 * A user-assigned identity federated with one service account (its token, issued by the cluster's OIDC issuer for
 * the Entra audience, is exchanged for the identity's token) and holding `role` on the queue or topic only.
 */
function federatedIdentity(
  name: string,
  id: AzureIdentity,
  subject: Subject,
  scope: pulumi.Input<string>,
  role: string,
  description: string,
  parent: pulumi.Resource,
): { clientId: pulumi.Output<string>; resources: pulumi.Resource[] } {
  const identity = new managedidentity.UserAssignedIdentity(
    name,
    { resourceGroupName: id.resourceGroupName, location: id.location },
    { parent },
  );
  const credential = new managedidentity.FederatedIdentityCredential(
    name,
    {
      resourceGroupName: id.resourceGroupName,
      resourceName: identity.name,
      issuer: id.issuerUrl,
      subject: `system:serviceaccount:${subject.namespace}:${subject.serviceAccount}`,
      audiences: [AZURE_TOKEN_AUDIENCE],
    },
    { parent },
  );
  const assignment = new authorization.RoleAssignment(
    name,
    {
      principalId: identity.principalId,
      principalType: "ServicePrincipal",
      roleDefinitionId: roleDefinitionId(scope, role),
      scope,
      description,
    },
    { parent },
  );
  return { clientId: identity.clientId, resources: [identity, credential, assignment] };
}

function serviceBusIdentities(
  id: AzureIdentity,
  queue: ServiceBusQueue,
  subjects: { worker: Subject; keda: Subject },
  name: string,
  parent: pulumi.Resource,
) {
  const entity = "queue" in queue.entity ? `queue ${queue.entity.queue}` : `topic ${queue.entity.topic}`;
  const worker = federatedIdentity(
    `${name}-servicebus`,
    id,
    subjects.worker,
    queue.scope,
    SERVICE_BUS_ROLES.dataReceiver,
    `worker-platform: worker ${subjects.worker.serviceAccount} receives from Service Bus ${entity}`,
    parent,
  );
  const scaler = federatedIdentity(
    `${name}-keda-servicebus`,
    id,
    subjects.keda,
    queue.scope,
    SERVICE_BUS_ROLES.dataOwner,
    `worker-platform: KEDA reads the message counts of Service Bus ${entity} for worker ${subjects.worker.serviceAccount}`,
    parent,
  );
  return {
    annotations: { [AZURE_CLIENT_ID_ANNOTATION]: worker.clientId },
    podLabels: { [AZURE_USE_LABEL]: "true" },
    podIdentity: { provider: "azure-workload", identityId: scaler.clientId },
    pod: worker.resources,
    scaler: scaler.resources,
  };
}
