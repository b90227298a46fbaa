import { z } from "zod";
import { RBAC_VERBS } from "../kubernetes-api.ts";

/** An API group as RBAC names it: `""` (core), a DNS subdomain (apps, batch, keda.sh, example.com), or `*`. */
const apiGroup = z.string().regex(/^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$/, {
  error: 'must be an API group: "" (the core group), a name such as apps, batch or keda.sh, or *',
});

/**
 * A resource as RBAC names it: its plural (pods), a subresource (pods/log), or `*`. Hyphens, dots and underscores for
 * the metrics APIs, whose resources are metric names (s0-redis-jobs); other groups' names are checked by checkAccess.
 */
const resourceName = z.string().regex(/^(\*|[a-z0-9]([-a-z0-9_.]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9_.]*[a-z0-9])?)?)$/, {
  error: "must be a resource's plural name such as jobs, a subresource such as pods/log, or *",
});

const verb = z.string().refine((v) => v === "*" || (RBAC_VERBS as readonly string[]).includes(v), {
  error: (iss) =>
    `unknown verb ${JSON.stringify(iss.input)}: Kubernetes authorizes ${RBAC_VERBS.join(", ")} (or * for every verb)`,
});

/** One RBAC rule (a PolicyRule of a Role, or of a ClusterRole with scope: cluster). */
export const rbacRule = z.strictObject({
  /** API groups of the resources, `""` being the core group (pods, configmaps). Defaults to [""]. */
  apiGroups: z.array(apiGroup).min(1).default([""]),
  /** Resources by plural name, subresources as `pods/log`; each must exist in every group listed. */
  resources: z.array(resourceName).min(1),
  /** Verbs: get, list, watch, create, update, patch, delete, deletecollection, and the special ones (bind, escalate, impersonate, ...). */
  verbs: z.array(verb).min(1),
  /**
   * Only these objects by name. create and deletecollection cannot be limited by name (a rule with them is refused),
   * list and watch only for clients that select `metadata.name` (kubernetes.io, "Using RBAC Authorization",
   * Referring to resources). Defaults to every object.
   */
  resourceNames: z.array(z.string().min(1)).optional(),
  /**
   * namespace: a Role in the workload's namespace; cluster: a ClusterRole with a ClusterRoleBinding, every namespace
   * and the cluster-scoped resources (needs serviceAccount.clusterWide: true). Defaults to namespace.
   */
  scope: z.enum(["namespace", "cluster"]).default("namespace"),
});
export type RbacRuleConfig = z.infer<typeof rbacRule>;

/** A custom resource of the workload's own, which rules may name besides the built-in and platform ones. */
export const customResource = z.strictObject({
  /** API group of the CRD, e.g. example.com. */
  apiGroup: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/, {
    error: "must be the API group of a CustomResourceDefinition, a DNS subdomain with a dot such as example.com",
  }),
  /** Its resources by plural name, subresources as `widgets/status`. */
  resources: z.array(resourceName).min(1),
  /** Whether the resources are namespaced (a Role may grant them). Defaults to true. */
  namespaced: z.boolean().default(true),
});
export type CustomResourceConfig = z.infer<typeof customResource>;

/** An IAM role ARN, `arn:<partition>:iam::<account>:role/<path><name>`. */
const iamRoleArn = z.string().regex(/^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role\/[\w+=,.@/-]{1,512}$/, {
  error: "must be an IAM role ARN such as arn:aws:iam::123456789012:role/reports-reader",
});
/** An IAM managed policy ARN (AWS managed: account `aws`). */
const iamPolicyArn = z.string().regex(/^arn:aws(-cn|-us-gov)?:iam::([0-9]{12}|aws):policy\/[\w+=,.@/-]{1,512}$/, {
  error: "must be an IAM policy ARN such as arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
});
const iamAction = z.string().regex(/^[a-z0-9-]+:[A-Za-z0-9*]+$/, {
  error: "must be an IAM action such as s3:GetObject (service prefix, colon, action)",
});
const guid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, { error: "must be a GUID" });
const azureScope = z.string().regex(/^\/subscriptions\/[0-9a-fA-F-]{36}(\/.+)?$/, {
  error: "must be an Azure resource ID such as /subscriptions/<id>/resourceGroups/<rg>/providers/<type>/<name>",
});

/**
 * AWS (EKS clusters): an existing role (`roleArn`, whose trust policy must let the workload's service account assume
 * it through the cluster's OIDC provider), or a role the program creates with that trust (IRSA), holding
 * `managedPolicyArns` and `statements`.
 */
export const awsWorkloadIdentity = z.strictObject({
  /** An existing role to use. Defaults to none: a role is created. */
  roleArn: iamRoleArn.optional(),
  /** Managed policies attached to the created role. Defaults to none. */
  managedPolicyArns: z.array(iamPolicyArn).default([]),
  /** Inline Allow statements of the created role: `{ actions, resources }`. Defaults to none. */
  statements: z
    .array(z.strictObject({ actions: z.array(iamAction).min(1), resources: z.array(z.string().min(1)).min(1) }))
    .default([]),
});

/**
 * Azure (AKS clusters): an existing user-assigned identity (`clientId`, which needs a federated credential for the
 * workload's service account, `system:serviceaccount:<namespace>:<name>`, from the cluster's OIDC issuer), or one the
 * program creates with that credential, holding `roleAssignments`.
 */
export const azureWorkloadIdentity = z.strictObject({
  /** Client ID of an existing user-assigned identity. Defaults to none: an identity is created. */
  clientId: guid.optional(),
  /** Roles of the created identity: `{ role: <role definition GUID>, scope: <resource ID> }`. Defaults to none. */
  roleAssignments: z.array(z.strictObject({ role: guid, scope: azureScope })).default([]),
});

/** A cloud identity of the workload's pods (IRSA on EKS, Entra workload identity on AKS): `aws` or `azure`. */
export const workloadCloudIdentity = z.strictObject({
  /** An IAM role (IRSA; EKS clusters only): `{ roleArn }` or `{ managedPolicyArns, statements }`. Defaults to none. */
  aws: awsWorkloadIdentity.optional(),
  /** A user-assigned identity (workload identity; AKS clusters only): `{ clientId }` or `{ roleAssignments }`. Defaults to none. */
  azure: azureWorkloadIdentity.optional(),
});
export type WorkloadCloudIdentityConfig = z.infer<typeof workloadCloudIdentity>;

/**
 * The workload's own ServiceAccount: what it may do in the cluster (`rules`) and in the cloud (`cloudIdentity`). The
 * Kubernetes API token is mounted only when there are rules.
 */
export const workloadServiceAccount = z.strictObject({
  /** RBAC rules bound to the workload's ServiceAccount (a Role and RoleBinding in its namespace). Defaults to none. */
  rules: z.array(rbacRule).default([]),
  /** Allow rules with scope: cluster (a ClusterRole and ClusterRoleBinding; the policy pack flags it). Defaults to false. */
  clusterWide: z.boolean().default(false),
  /** Custom resources of the workload's own CRDs that rules may name (`{ apiGroup, resources, namespaced }`). Defaults to none. */
  customResources: z.array(customResource).default([]),
  /** A cloud identity for the pods: `{ aws: {...} }` or `{ azure: {...} }`. Defaults to none. */
  cloudIdentity: workloadCloudIdentity.optional(),
});
export type WorkloadServiceAccountConfig = z.infer<typeof workloadServiceAccount>;

/**
 * Whether a workload's pods get the Kubernetes API token: only when its ServiceAccount has RBAC rules to use it. A
 * cloud identity does not need it: the EKS pod identity webhook and the Azure workload identity webhook each add
 * their own projected token volume with their audience (aws/amazon-eks-pod-identity-webhook README, volume
 * `aws-iam-token`, audience sts.amazonaws.com; Azure/azure-workload-identity pkg/webhook/webhook.go
 * addProjectedVolume, a serviceAccountToken projection for api://AzureADTokenExchange), whatever
 * automountServiceAccountToken says.
 */
export function needsApiToken(w: { serviceAccount: WorkloadServiceAccountConfig }): boolean {
  return w.serviceAccount.rules.length > 0;
}
