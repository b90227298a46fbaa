import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, isWaived } from "./lib/common.ts";
import type { Obj } from "./lib/k8s.ts";
import { T } from "./lib/k8s.ts";
import { k8sObjects, sameSlot } from "./lib/model.ts";
import { SERVICE_BUS_ROLES } from "./lib/platform.ts";
import { stackPolicy } from "./lib/stack.ts";
import { forEachDeferringUnknowns } from "./lib/unknown.ts";

/**
 * KEDA scalers of cloud queues and the pod identity providers that authenticate them without a key (KEDA 2.20:
 * `aws` for IRSA/EKS Pod Identity, keda.sh/docs/2.20/authentication-providers/aws; `azure-workload` for Entra
 * workload identity). `aws-eks` is deprecated since KEDA 2.13 and goes in v3.
 */
const CLOUD_TRIGGERS: Record<string, { provider: string; identity: string }> = {
  "aws-sqs-queue": { provider: "aws", identity: "podIdentity.roleArn (or identityOwner: workload)" },
  "azure-servicebus": { provider: "azure-workload", identity: "podIdentity.identityId" },
};
/** Trigger metadata that hands KEDA a key or a connection string, or picks the deprecated operator/pod owner. */
const KEY_METADATA =
  /^(connection|connectionFromEnv|awsAccessKeyID|awsAccessKeyIDFromEnv|awsSecretAccessKey|awsSecretAccessKeyFromEnv|awsSessionToken|awsRoleArn|identityOwner)$/;

/** Whether a TriggerAuthentication names an identity of its own rather than falling back to KEDA's operator's. */
function ownIdentity(podIdentity: Obj): boolean {
  if (podIdentity.provider === "aws") return Boolean(podIdentity.roleArn) || podIdentity.identityOwner === "workload";
  return Boolean(podIdentity.identityId);
}

/**
 * A KEDA trigger on SQS or Service Bus must authenticate with a pod identity: its authenticationRef names a
 * TriggerAuthentication of the same namespace with `podIdentity.provider` aws / azure-workload and nothing else (no
 * secretTargetRef, env or vault: those hand KEDA a key), naming an identity of its own: `roleArn` or
 * `identityOwner: workload` (aws), `identityId` (azure-workload). Without one KEDA uses its operator's identity,
 * shared by every namespace, which would then need every queue (keda.sh/docs/2.20/authentication-providers).
 * A stack rule: it relates the ScaledObject/ScaledJob to the TriggerAuthentication (same cluster and namespace);
 * both keep these fields as written in outputs.
 */
export const cloudTriggerPodIdentity = stackPolicy(
  {
    name: "cloud-queue-trigger-pod-identity",
    description:
      "KEDA triggers on SQS and Service Bus authenticate with a pod identity of their own (TriggerAuthentication podIdentity), never a key.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      "Reference a TriggerAuthentication whose spec is only podIdentity: {provider: aws, roleArn: <a role limited to the queue>} " +
      "for aws-sqs-queue, or {provider: azure-workload, identityId: <client ID of an identity limited to the queue>} for " +
      "azure-servicebus (components/workloads/cloud-identity.ts); remove connection strings, access keys and identityOwner from the trigger.",
  },
  (model, _args, report) => {
    const auths = k8sObjects(model, [T.TriggerAuthentication]);
    const scalers = k8sObjects(model, [T.ScaledObject, T.ScaledJob]);
    forEachDeferringUnknowns(scalers, (s) => {
      if (isWaived(s.resource.props, "cloud-queue-trigger-pod-identity")) return;
      const triggers = asArray<Obj>(s.resource.props.spec?.triggers);
      triggers.forEach((t, i) => {
        const want = CLOUD_TRIGGERS[String(t.type)];
        if (!want) return;
        const where = `${s.kind} ${s.namespace}/${s.name}, trigger ${i} (${t.type})`;
        const keys = Object.keys((t.metadata ?? {}) as Obj).filter((k) => KEY_METADATA.test(k));
        if (keys.length)
          report(
            `${where}: metadata ${keys.join(", ")} hands KEDA a key or another identity; use a pod identity.`,
            s.resource.urn,
          );
        const ref = t.authenticationRef as Obj | undefined;
        if (!ref?.name) {
          report(
            `${where}: no authenticationRef, so KEDA reads the queue with its operator's own identity.`,
            s.resource.urn,
          );
          return;
        }
        if (ref.kind === "ClusterTriggerAuthentication") {
          report(
            `${where}: references ClusterTriggerAuthentication ${ref.name}, shared by every namespace; use a TriggerAuthentication of the worker's namespace.`,
            s.resource.urn,
          );
          return;
        }
        const auth = auths.find((a) => a.name === ref.name && sameSlot(a, s));
        if (!auth) {
          report(`${where}: TriggerAuthentication ${s.namespace}/${ref.name} is not in the stack.`, s.resource.urn);
          return;
        }
        const spec = (auth.resource.props.spec ?? {}) as Obj;
        const podIdentity = (spec.podIdentity ?? {}) as Obj;
        const others = Object.keys(spec).filter((k) => k !== "podIdentity");
        const authRef = `TriggerAuthentication ${auth.namespace}/${auth.name}`;
        if (podIdentity.provider !== want.provider)
          report(
            `${where}: ${authRef} has podIdentity.provider ${JSON.stringify(podIdentity.provider ?? "none")}, not ${want.provider}.`,
            auth.resource.urn,
          );
        else if (!ownIdentity(podIdentity))
          report(
            `${where}: ${authRef} sets no ${want.identity}, so KEDA uses its operator's identity, which every namespace shares.`,
            auth.resource.urn,
          );
        if (others.length)
          report(
            `${where}: ${authRef} also sets ${others.join(", ")}: credentials beside the pod identity.`,
            auth.resource.urn,
          );
      });
    });
  },
);

const IAM_POLICY_TYPES = ["aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"];
const IAM_ROLE = "aws:iam/role:Role";
const ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const SERVICE_BUS_ROLE_IDS = new Set<string>(Object.values(SERVICE_BUS_ROLES));

function parsePolicy(doc: unknown): Obj | undefined {
  if (typeof doc === "string") {
    try {
      return JSON.parse(doc) as Obj;
    } catch {
      return undefined;
    }
  }
  return doc && typeof doc === "object" ? doc : undefined;
}

/** Why an IAM policy statement's grant on SQS is wider than named queues, or undefined. */
function sqsStatementProblem(st: Obj): string | undefined {
  if (st.Effect !== "Allow") return undefined;
  const actions = asArray<string>(st.Action).map(String);
  const sqs = actions.filter((a) => a === "*" || a.toLowerCase().startsWith("sqs:"));
  if (st.NotAction !== undefined) return "uses NotAction, which grants every other action, SQS included";
  if (sqs.length === 0) return undefined;
  const wild = sqs.filter((a) => a.includes("*"));
  if (wild.length) return `grants ${wild.join(", ")}: list the SQS actions the identity uses`;
  if (st.NotResource !== undefined) return `grants ${sqs.join(", ")} on NotResource, i.e. every other queue`;
  const resources = asArray<string>(st.Resource).map(String);
  const wide = resources.filter((r) => r.includes("*") || !r.startsWith("arn:") || r.split(":")[2] !== "sqs");
  if (wide.length) return `grants ${sqs.join(", ")} on ${wide.join(", ")}: name the queue ARNs`;
  return undefined;
}

/** Why a trust statement lets more than one service account assume a web identity role, or undefined. */
function trustProblem(st: Obj): string | undefined {
  const actions = asArray<string>(st.Action).map(String);
  if (st.Effect !== "Allow" || !actions.includes("sts:AssumeRoleWithWebIdentity")) return undefined;
  if (!(st.Principal as Obj | undefined)?.Federated) return undefined;
  const equals = (st.Condition?.StringEquals ?? {}) as Obj;
  const sub = Object.keys(equals).find((k) => k.endsWith(":sub"));
  const subjects = sub ? asArray<string>(equals[sub]).map(String) : [];
  if (!sub || subjects.length === 0)
    return "trusts the OIDC provider without a StringEquals condition on :sub, so any service account of the cluster may assume it";
  const loose = subjects.filter((s) => s.includes("*") || !/^system:serviceaccount:[^:]+:[^:]+$/.test(s));
  if (loose.length) return `trusts ${loose.join(", ")}: name one service account (system:serviceaccount:<ns>:<name>)`;
  return undefined;
}

/**
 * The identities behind cloud queues are limited to their queue:
 *  - an IAM policy (inline RolePolicy or managed Policy) grants SQS actions only by name (no `sqs:*`, no NotAction)
 *    and only on queue ARNs (no `*`, no NotResource);
 *  - a role trusted through the cluster's OIDC provider (IRSA) is assumable by exactly one service account:
 *    StringEquals on `<issuer>:sub` with `system:serviceaccount:<namespace>:<name>`, no wildcard (aws/
 *    amazon-eks-pod-identity-webhook README shows the `system:serviceaccount:default:*` form this rejects);
 *  - an Azure role assignment of a Service Bus data role (Receiver, Sender, Owner) is scoped to one queue or topic,
 *    not the namespace, resource group or subscription (Azure docs, "Authenticate and authorize an application with
 *    Microsoft Entra ID to access Azure Service Bus entities": entity-level scope).
 * Resource rules: policies, trust documents and role assignments are inputs (the same under the CLI). A document
 * still unknown in preview (it names a queue being created) makes the rule report that it could not run.
 */
export const cloudIdentityLeastPrivilege: ResourceValidationPolicy = {
  name: "cloud-identity-least-privilege",
  description:
    "Identities for cloud queues are limited to their queue: IAM SQS grants name queue ARNs and actions, IRSA roles trust one service account, Service Bus role assignments are scoped to a queue or topic.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Grant the SQS actions a worker uses (sqs:ReceiveMessage, DeleteMessage, ChangeMessageVisibility, GetQueueAttributes) on its queue's ARN only; " +
    "condition IRSA trusts with StringEquals <issuer>:sub = system:serviceaccount:<namespace>:<service account>; " +
    "assign Azure Service Bus Data roles on the queue or topic resource ID, not the namespace.",
  validateResource: (args, report) => {
    if (IAM_POLICY_TYPES.includes(args.type)) {
      const doc = parsePolicy(args.props.policy);
      if (!doc) return;
      asArray<Obj>(doc.Statement).forEach((st, i) => {
        const why = sqsStatementProblem(st);
        if (why) report(`IAM policy ${args.name}, statement ${st.Sid ?? i}: ${why}.`);
      });
      return;
    }
    if (args.type === IAM_ROLE) {
      const doc = parsePolicy(args.props.assumeRolePolicy);
      if (!doc) return;
      asArray<Obj>(doc.Statement).forEach((st, i) => {
        const why = trustProblem(st);
        if (why) report(`IAM role ${args.name}, trust statement ${st.Sid ?? i}: ${why}.`);
      });
      return;
    }
    if (args.type === ROLE_ASSIGNMENT) {
      const role = String(args.props.roleDefinitionId ?? "")
        .split("/")
        .pop();
      if (!role || !SERVICE_BUS_ROLE_IDS.has(role.toLowerCase())) return;
      const scope = String(args.props.scope ?? "");
      if (!/\/providers\/Microsoft\.ServiceBus\/namespaces\/[^/]+\/(queues|topics)\/[^/]+$/i.test(scope))
        report(
          `role assignment ${args.name}: Service Bus data role ${role} on ${scope || "no scope"}; scope it to the queue or topic.`,
        );
    }
  },
};

export const cloudIdentityPolicies = [cloudTriggerPodIdentity, cloudIdentityLeastPrivilege];
