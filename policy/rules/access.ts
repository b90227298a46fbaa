import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, isWaived, objectRef } from "./lib/common.ts";
import type { Obj } from "./lib/k8s.ts";
import { isChartChild, podSpecOf, WORKLOAD_TYPES } from "./lib/k8s.ts";
import { k8sObjects } from "./lib/model.ts";
import { stackPolicy } from "./lib/stack.ts";
import { forEachDeferringUnknowns } from "./lib/unknown.ts";

const RBAC = {
  Role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
  ClusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  RoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  ClusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
} as const;
const SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount";
const ROLE_TYPES: string[] = [RBAC.Role, RBAC.ClusterRole];

/**
 * Service account annotations of a cloud identity whose webhook mutates the pods: IRSA (aws/
 * amazon-eks-pod-identity-webhook README) and Entra workload identity (azure-workload-identity docs, "Service account
 * labels and annotations"); copies of components/workloads/cloud-identity.ts.
 */
const IDENTITY_ANNOTATIONS = ["eks.amazonaws.com/role-arn", "azure.workload.identity/client-id"];

/** Resources whose special verbs (bind, escalate, impersonate) a wildcard verb also grants. */
const ESCALATION_TARGETS: Record<string, string[]> = {
  "rbac.authorization.k8s.io": ["roles", "clusterroles"],
  "": ["users", "groups", "serviceaccounts"],
  "authentication.k8s.io": ["uids", "userextras"],
};
const ESCALATION_VERBS = ["bind", "escalate", "impersonate"];

/** Why a PolicyRule lets its holder grant itself more (bind, escalate, impersonate), or undefined. */
export function escalationProblem(rule: Obj): string | undefined {
  const verbs = asArray<string>(rule.verbs).map(String);
  const named = verbs.filter((v) => ESCALATION_VERBS.includes(v));
  if (named.length) return `grants ${named.join(", ")}`;
  if (!verbs.includes("*")) return undefined;
  const groups = asArray<string>(rule.apiGroups).map(String);
  const resources = asArray<string>(rule.resources).map(String);
  const hits = Object.entries(ESCALATION_TARGETS).flatMap(([g, rs]) =>
    groups.includes("*") || groups.includes(g)
      ? rs.filter((r) => resources.includes("*") || resources.includes(r))
      : [],
  );
  return hits.length ? `grants every verb (escalate, bind or impersonate among them) on ${hits.join(", ")}` : undefined;
}

/** The wildcards of a PolicyRule (`*` in verbs, resources or apiGroups). */
export function wildcardsOf(rule: Obj): string[] {
  return (["verbs", "resources", "apiGroups"] as const).filter((k) =>
    asArray<string>(rule[k]).map(String).includes("*"),
  );
}

function roleRules(args: { type: string; props: Obj; urn: string; name: string }, policy: string): Obj[] | undefined {
  if (!ROLE_TYPES.includes(args.type) || isWaived(args.props, policy) || isChartChild(args.urn)) return undefined;
  return asArray<Obj>(args.props.rules);
}

/**
 * A grant that lets its holder escalate is cluster-admin in all but name: `escalate` lets a subject write a role
 * with permissions it lacks, `bind` bind any role, `impersonate` act as any user or service account (kubernetes.io
 * docs, "Using RBAC Authorization", privilege escalation prevention). A wildcard verb on those resources includes
 * them. Mandatory: no workload of this platform needs it, and the grant is silent (kubectl shows `*`). A chart's own
 * roles (add-ons) are governed by their pinned chart; a deliberate exception carries the waiver annotation.
 */
export const rbacNoEscalation: ResourceValidationPolicy = {
  name: "rbac-no-escalation",
  description:
    "Roles and ClusterRoles do not grant bind, escalate or impersonate (nor * on roles, users, groups or service accounts).",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "List the verbs the workload uses (get, list, watch, create, ...) and drop bind, escalate, impersonate and * on roles, clusterroles, users, groups and serviceaccounts.",
  validateResource: (args, report) => {
    const rules = roleRules(args, "rbac-no-escalation");
    rules?.forEach((r, i) => {
      const why = escalationProblem(r);
      if (why) report(`${args.type.split(":").pop()} ${objectRef(args.props, args.name)}, rule ${i}: ${why}.`);
    });
  },
};

/**
 * A wildcard grants what exists now and whatever is added later (every CRD a future add-on installs): flagged so
 * that a reviewer sees it; the schema allows it on purpose (some controllers need it).
 */
export const rbacNoWildcards: ResourceValidationPolicy = {
  name: "rbac-no-wildcards",
  description: "Roles and ClusterRoles name their verbs, resources and API groups (no *).",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps: "Replace * with the verbs, resources and API groups the workload uses.",
  validateResource: (args, report) => {
    const rules = roleRules(args, "rbac-no-wildcards");
    rules?.forEach((r, i) => {
      const wild = wildcardsOf(r);
      if (wild.length)
        report(
          `${args.type.split(":").pop()} ${objectRef(args.props, args.name)}, rule ${i}: * in ${wild.join(", ")}.`,
        );
    });
  },
};

/** A ClusterRoleBinding reaches every namespace: the config asks for it explicitly (clusterWide), a reviewer should see it. */
export const rbacClusterWide: ResourceValidationPolicy = {
  name: "rbac-cluster-wide-grant",
  description: "Workload service accounts are not granted permissions cluster-wide (ClusterRoleBinding).",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps:
    "Grant the rules in the workload's namespace (a Role and RoleBinding: drop scope: cluster and serviceAccount.clusterWide) unless the workload needs other namespaces or cluster-scoped resources.",
  validateResource: (args, report) => {
    if (
      args.type !== RBAC.ClusterRoleBinding ||
      isWaived(args.props, "rbac-cluster-wide-grant") ||
      isChartChild(args.urn)
    )
      return;
    const sas = asArray<Obj>(args.props.subjects).filter((s) => s.kind === "ServiceAccount");
    if (sas.length)
      report(
        `ClusterRoleBinding ${objectRef(args.props, args.name)} grants ClusterRole ${args.props.roleRef?.name} in every namespace to ${sas.map((s) => `${s.namespace}/${s.name}`).join(", ")}.`,
      );
  },
};

/** Resources whose `create` runs pods: pods themselves and the controllers that make them (apps, batch). */
const POD_CREATORS: Record<string, string[]> = {
  "": ["pods"],
  apps: ["deployments", "statefulsets", "daemonsets", "replicasets"],
  batch: ["jobs", "cronjobs"],
};

/** The pod-creating resources a PolicyRule lets its holder create (`create` or `*`, by name or wildcard). */
export function podCreationOf(rule: Obj): string[] {
  const verbs = asArray<string>(rule.verbs).map(String);
  if (!verbs.includes("create") && !verbs.includes("*")) return [];
  const groups = asArray<string>(rule.apiGroups).map(String);
  const resources = asArray<string>(rule.resources).map(String);
  return Object.entries(POD_CREATORS).flatMap(([g, rs]) =>
    groups.includes("*") || groups.includes(g)
      ? rs.filter((r) => resources.includes("*") || resources.includes(r))
      : [],
  );
}

/**
 * A subject that can create pods (or what makes them) can run a pod as any ServiceAccount of the namespace and so
 * use its permissions and cloud identity, and mount any Secret there (kubernetes.io, "Role Based Access Control Good
 * Practices", Workload creation). Allowed (a job submitter needs it), flagged so that a reviewer sees it.
 */
export const rbacWorkloadCreation: ResourceValidationPolicy = {
  name: "rbac-workload-creation",
  description:
    "Roles and ClusterRoles that let a workload create pods, Jobs, CronJobs or their controllers are flagged.",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps:
    "Grant create on pods, jobs, cronjobs, deployments, statefulsets, daemonsets or replicasets only to a workload that submits work; keep that namespace's other ServiceAccounts without powerful permissions (pods run as any of them), or move the submitter to its own namespace.",
  validateResource: (args, report) => {
    const rules = roleRules(args, "rbac-workload-creation");
    rules?.forEach((r, i) => {
      const creates = podCreationOf(r);
      if (creates.length)
        report(
          `${args.type.split(":").pop()} ${objectRef(args.props, args.name)}, rule ${i}: may create ${creates.join(", ")}, so its holder can run pods as any ServiceAccount of the namespace.`,
        );
    });
  },
};

/**
 * A pod that mounts the Kubernetes API token while its service account holds no RBAC binding and no cloud identity
 * carries a credential nothing uses, which anyone who gets into the container can replay against the API server
 * (kubernetes.io docs, "Configure Service Accounts for Pods": opt out of API credential automounting). The pod's
 * `automountServiceAccountToken` wins over its ServiceAccount's, which defaults to true. A stack rule: it relates the
 * pod to the ServiceAccount and the bindings of its namespace and cluster; chart workloads are skipped.
 */
export const tokenOnlyWhenNeeded = stackPolicy(
  {
    name: "service-account-token-only-when-needed",
    description:
      "Pods mount the Kubernetes API token only when their service account has an RBAC binding or a cloud identity.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
      "Set automountServiceAccountToken: false on the pod spec (and the ServiceAccount), or give the workload serviceAccount.rules when it calls the API.",
  },
  (model, _args, report) => {
    const accounts = k8sObjects(model, [SERVICE_ACCOUNT]);
    const bindings = k8sObjects(model, [RBAC.RoleBinding, RBAC.ClusterRoleBinding]);
    const workloads = k8sObjects(model, WORKLOAD_TYPES).filter((w) => !isChartChild(w.resource.urn));
    forEachDeferringUnknowns(workloads, (w) => {
      if (isWaived(w.resource.props, "service-account-token-only-when-needed")) return;
      const spec = podSpecOf(w.resource.type, w.resource.props) ?? {};
      const saName = String(spec.serviceAccountName ?? "default");
      const sa = accounts.find((a) => a.name === saName && a.namespace === w.namespace && a.cluster === w.cluster);
      const mounts = spec.automountServiceAccountToken ?? sa?.resource.props.automountServiceAccountToken ?? true;
      if (mounts === false) return;
      const annotations: Obj = sa?.resource.props.metadata?.annotations ?? {};
      if (IDENTITY_ANNOTATIONS.some((k) => annotations[k])) return;
      const bound = bindings.some(
        (b) =>
          b.cluster === w.cluster &&
          (b.kind === "ClusterRoleBinding" || b.namespace === w.namespace) &&
          asArray<Obj>(b.resource.props.subjects).some(
            (s) => s.kind === "ServiceAccount" && s.name === saName && (s.namespace ?? b.namespace) === w.namespace,
          ),
      );
      if (!bound)
        report(
          `${w.kind} ${w.namespace}/${w.name} mounts the API token of service account ${saName}, which has no RBAC binding and no cloud identity in this stack.`,
          w.resource.urn,
        );
    });
  },
);

export const accessPolicies = [
  rbacNoEscalation,
  rbacNoWildcards,
  rbacClusterWide,
  rbacWorkloadCreation,
  tokenOnlyWhenNeeded,
];
