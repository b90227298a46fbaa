import * as iam from "@pulumi/aws/iam/index.js";
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as managedidentity from "@pulumi/azure-native/managedidentity/index.js";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { RbacRuleConfig, ServiceConfig, WorkerConfig } from "../../stacks/schema/index.ts";
export { needsApiToken } from "../../stacks/schema/index.ts";
import { irsaTrustPolicy } from "../cluster/eks-autoscaling.ts";
import type { WorkloadEnv } from "./common.ts";
import { k8sOpts } from "./common.ts";
import {
  AZURE_CLIENT_ID_ANNOTATION,
  AZURE_TOKEN_AUDIENCE,
  AZURE_USE_LABEL,
  CLOUD_IDENTITY_ANNOTATION,
  iamRolePrefix,
  IRSA_REGIONAL_STS_ANNOTATION,
  IRSA_ROLE_ANNOTATION,
  roleDefinitionId,
} from "./cloud-identity.ts";

type Workload = WorkerConfig | ServiceConfig;
type PolicyRule = k8s.types.input.rbac.v1.PolicyRule;

/** What a workload's objects carry for the cloud identity it declares (`serviceAccount.cloudIdentity`). */
export interface WorkloadIdentity {
  serviceAccountAnnotations: Record<string, pulumi.Input<string>>;
  podLabels: Record<string, string>;
  /** The role ARN or client ID on the pod template: both webhooks mutate on CREATE only, so pods roll when it changes. */
  podAnnotations: Record<string, pulumi.Input<string>>;
  /** The role's policies or the identity's credential and role assignments: the pods wait for them. */
  podDependencies: pulumi.Resource[];
}

const NO_IDENTITY: WorkloadIdentity = {
  serviceAccountAnnotations: {},
  podLabels: {},
  podAnnotations: {},
  podDependencies: [],
};

/**
 * The cloud identity of a worker or service (not of a cloud-queue worker, which has its queue's: cloud-identity.ts;
 * the schema refuses both on one workload). AWS: the existing `roleArn`, or a role trusting exactly this service
 * account through the cluster's OIDC provider (IRSA) with the managed policies and inline statements of the config.
 * Azure: the existing `clientId`, or a user-assigned identity federated with this service account holding the role
 * assignments. The schema has checked the cluster is of the identity's cloud (stacks/schema/checks/access.ts).
 */
export function workloadIdentity(
  env: WorkloadEnv,
  w: Workload,
  name: string,
  parent: pulumi.Resource,
): WorkloadIdentity {
  const cfg = w.serviceAccount.cloudIdentity;
  if (!cfg) return NO_IDENTITY;
  const id = env.cluster.identity;
  const subject = `system:serviceaccount:${env.namespace}:${w.name}`;
  if (cfg.aws && id?.cloud === "aws") {
    let roleArn: pulumi.Input<string>;
    const deps: pulumi.Resource[] = [];
    if (cfg.aws.roleArn) roleArn = cfg.aws.roleArn;
    else {
      const o = { parent, provider: id.provider };
      const role = new iam.Role(
        `${name}-identity`,
        {
          namePrefix: iamRolePrefix(name, "app"),
          assumeRolePolicy: irsaTrustPolicy(id.oidcProviderArn, id.issuerUrl, env.namespace, w.name),
          description: `worker-platform: pods of ${w.name} (${subject})`,
        },
        o,
      );
      deps.push(role);
      cfg.aws.managedPolicyArns.forEach((arn, i) =>
        deps.push(new iam.RolePolicyAttachment(`${name}-identity-${i}`, { role: role.name, policyArn: arn }, o)),
      );
      if (cfg.aws.statements.length)
        deps.push(
          new iam.RolePolicy(
            `${name}-identity`,
            {
              role: role.id,
              policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: cfg.aws.statements.map((s) => ({
                  Effect: "Allow",
                  Action: s.actions,
                  Resource: s.resources,
                })),
              }),
            },
            o,
          ),
        );
      roleArn = role.arn;
    }
    return {
      serviceAccountAnnotations: { [IRSA_ROLE_ANNOTATION]: roleArn, [IRSA_REGIONAL_STS_ANNOTATION]: "true" },
      podLabels: {},
      podAnnotations: { [CLOUD_IDENTITY_ANNOTATION]: roleArn },
      podDependencies: deps,
    };
  }
  if (cfg.azure && id?.cloud === "azure") {
    let clientId: pulumi.Input<string>;
    const deps: pulumi.Resource[] = [];
    if (cfg.azure.clientId) clientId = cfg.azure.clientId;
    else {
      const identity = new managedidentity.UserAssignedIdentity(
        `${name}-identity`,
        { resourceGroupName: id.resourceGroupName, location: id.location },
        { parent },
      );
      deps.push(
        identity,
        new managedidentity.FederatedIdentityCredential(
          `${name}-identity`,
          {
            resourceGroupName: id.resourceGroupName,
            resourceName: identity.name,
            issuer: id.issuerUrl,
            subject,
            audiences: [AZURE_TOKEN_AUDIENCE],
          },
          { parent },
        ),
      );
      cfg.azure.roleAssignments.forEach((a, i) =>
        deps.push(
          new authorization.RoleAssignment(
            `${name}-identity-${i}`,
            {
              principalId: identity.principalId,
              principalType: "ServicePrincipal",
              roleDefinitionId: roleDefinitionId(a.scope, a.role),
              scope: a.scope,
              description: `worker-platform: pods of ${w.name} (${subject})`,
            },
            { parent },
          ),
        ),
      );
      clientId = identity.clientId;
    }
    return {
      serviceAccountAnnotations: { [AZURE_CLIENT_ID_ANNOTATION]: clientId },
      podLabels: { [AZURE_USE_LABEL]: "true" },
      podAnnotations: { [CLOUD_IDENTITY_ANNOTATION]: clientId },
      podDependencies: deps,
    };
  }
  throw new pulumi.ResourceError(
    `${w.name}: serviceAccount.cloudIdentity on a ${env.cluster.cloud} cluster; the schema should have rejected it`,
    parent,
  );
}

/** A config rule as a PolicyRule (no `scope`, no empty resourceNames). */
export function policyRule(r: RbacRuleConfig): PolicyRule {
  return {
    apiGroups: r.apiGroups,
    resources: r.resources,
    verbs: r.verbs,
    ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
  };
}

/** Name of a workload's ClusterRole and ClusterRoleBinding: cluster-wide names, so the namespace is part of it. */
export const clusterRoleName = (namespace: string, workload: string) => `${namespace}:${workload}`;

/**
 * The RBAC of a workload's ServiceAccount: its namespaced rules in a Role and RoleBinding named after the workload,
 * its cluster rules (serviceAccount.clusterWide) in a ClusterRole and ClusterRoleBinding `<namespace>:<workload>`.
 * Returns what the pods wait for (the bindings), so a pod never starts before its permissions exist.
 */
export function workloadRbac(
  env: WorkloadEnv,
  w: Workload,
  name: string,
  labels: Record<string, string>,
  serviceAccount: pulumi.Resource,
  parent: pulumi.Resource,
): pulumi.Resource[] {
  const subjects = [{ kind: "ServiceAccount", name: w.name, namespace: env.namespace }];
  const out: pulumi.Resource[] = [];
  const namespaced = w.serviceAccount.rules.filter((r) => r.scope === "namespace").map(policyRule);
  const cluster = w.serviceAccount.rules.filter((r) => r.scope === "cluster").map(policyRule);
  if (namespaced.length) {
    const role = new k8s.rbac.v1.Role(
      `${name}`,
      { metadata: { name: w.name, namespace: env.namespace, labels }, rules: namespaced },
      k8sOpts(env, parent),
    );
    out.push(
      new k8s.rbac.v1.RoleBinding(
        `${name}`,
        {
          metadata: { name: w.name, namespace: env.namespace, labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: w.name },
          subjects,
        },
        k8sOpts(env, parent, [role, serviceAccount]),
      ),
    );
  }
  if (cluster.length) {
    const roleName = clusterRoleName(env.namespace, w.name);
    const o = { provider: env.cluster.provider, parent };
    const role = new k8s.rbac.v1.ClusterRole(
      `${name}-cluster`,
      { metadata: { name: roleName, labels }, rules: cluster },
      o,
    );
    out.push(
      new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-cluster`,
        {
          metadata: { name: roleName, labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName },
          subjects,
        },
        { ...o, dependsOn: [role, serviceAccount] },
      ),
    );
  }
  return out;
}
