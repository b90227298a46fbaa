import type { z } from "zod";
import type { ApiResource } from "../../kubernetes-api.ts";
import { KNOWN_API_RESOURCES, METRICS_API_GROUPS, READ_VERBS } from "../../kubernetes-api.ts";
import type { StackConfig } from "../stack.ts";
import type { WorkloadServiceAccountConfig } from "../workload-access.ts";
import { isCloudTrigger } from "../workloads.ts";
import { issue } from "./clusters.ts";
import { targetClusters } from "./workloads.ts";

type Ctx = z.RefinementCtx;
type Path = (string | number)[];

/** The resources a workload's rules may name, per API group: the built-in and platform ones, and its own CRDs. */
export function apiResourcesOf(sa: WorkloadServiceAccountConfig): Record<string, Record<string, ApiResource>> {
  const out: Record<string, Record<string, ApiResource>> = { ...KNOWN_API_RESOURCES };
  for (const c of sa.customResources)
    out[c.apiGroup] = {
      ...out[c.apiGroup],
      ...Object.fromEntries(c.resources.map((r) => [r, { namespaced: c.namespaced }])),
    };
  return out;
}

/** The cloud a workload identity belongs to, with the reason it needs a cluster of that cloud. */
const IDENTITY_CLOUD = {
  aws: "its role trusts the EKS cluster's OIDC provider (IRSA)",
  azure: "its identity's federated credential names the AKS cluster's OIDC issuer (workload identity)",
} as const;

/**
 * Cross-field rules of `serviceAccount` on workers and services: every rule's verbs and resources exist (a rule
 * naming a resource that does not exist grants nothing, silently), cluster-wide rules come with the explicit flag and
 * namespaced rules name namespaced resources, and a cloud identity is of one cloud, complete, and only on clusters
 * of that cloud (never an existing cluster: the platform manages no OIDC issuer or cloud account for one).
 */
export function checkAccess(cfg: StackConfig, ctx: Ctx): void {
  for (const key of ["workers", "services"] as const) {
    cfg[key].forEach((w, i) => {
      const sa = w.serviceAccount;
      const at = (...rest: Path): Path => [key, i, "serviceAccount", ...rest];
      checkRules(sa, at, ctx);
      checkIdentity(cfg, w, at, ctx);
      if (key === "workers" && sa.cloudIdentity && "triggers" in w && w.triggers.some(isCloudTrigger))
        issue(
          ctx,
          at("cloudIdentity"),
          `${w.name} reads a cloud queue, so its ServiceAccount already carries the queue's identity (one role or client ID per ServiceAccount); remove cloudIdentity, or move the other cloud access into a separate workload`,
          sa.cloudIdentity,
        );
    });
  }
}

function checkRules(sa: WorkloadServiceAccountConfig, at: (...rest: Path) => Path, ctx: Ctx): void {
  const known = apiResourcesOf(sa);
  const declared = sa.customResources.map((c) => c.apiGroup);
  sa.customResources.forEach((c, ci) => {
    if (Object.hasOwn(KNOWN_API_RESOURCES, c.apiGroup))
      issue(
        ctx,
        at("customResources", ci, "apiGroup"),
        `${c.apiGroup} is a built-in or platform API group, whose resources are known; declare only your own CRDs' groups`,
        c.apiGroup,
      );
  });
  sa.rules.forEach((r, ri) => {
    if (r.scope === "cluster" && !sa.clusterWide)
      issue(
        ctx,
        at("rules", ri, "scope"),
        "a cluster-wide rule (a ClusterRole and ClusterRoleBinding: every namespace of the cluster) needs serviceAccount.clusterWide: true; or drop scope: cluster to grant it in the workload's namespace only",
        r.scope,
      );
    // The authorizer never matches create or deletecollection by name: the object's name is not known (create) or
    // there is none (deletecollection) at authorization time (kubernetes.io, "Using RBAC Authorization").
    const unnamed = r.verbs.filter((v) => v === "create" || v === "deletecollection" || v === "*");
    if (r.resourceNames?.length && unnamed.length)
      issue(
        ctx,
        at("rules", ri, "resourceNames"),
        `${unnamed.join(", ")} cannot be limited by resourceNames (Kubernetes authorizes them without an object name), so this rule would never grant ${unnamed.includes("*") ? "create or deletecollection" : unnamed.join(" or ")}; move ${unnamed.join(", ")} to a rule without resourceNames`,
        r.resourceNames,
      );
    const metricsGroups = r.apiGroups.filter((g) => METRICS_API_GROUPS.includes(g));
    const writes = r.verbs.filter((v) => !READ_VERBS.includes(v));
    if (metricsGroups.length && writes.length)
      issue(
        ctx,
        at("rules", ri, "verbs"),
        `${metricsGroups.join(", ")} ${metricsGroups.length > 1 ? "are" : "is a"} read-only metrics API${metricsGroups.length > 1 ? "s" : ""} (get, list, watch); ${writes.join(", ")} grants nothing there: keep only get, list or watch, and put other groups in a rule of their own`,
        writes,
      );
    const groups = r.apiGroups.includes("*") ? Object.keys(known) : r.apiGroups;
    /** Metric names are the resources of the metrics APIs: any name, namespaced. */
    const has = (g: string, res: string) => metricsGroups.includes(g) || !!known[g]?.[res];
    r.apiGroups.forEach((g, gi) => {
      if (g !== "*" && !known[g])
        issue(
          ctx,
          at("rules", ri, "apiGroups", gi),
          `unknown API group ${JSON.stringify(g)}: not a built-in group (${Object.keys(KNOWN_API_RESOURCES).filter(Boolean).join(", ")}, or "" for core); for your own CRDs declare it under serviceAccount.customResources${declared.length ? ` (declared: ${declared.join(", ")})` : ""}`,
          g,
        );
    });
    r.resources.forEach((res, xi) => {
      if (res === "*") return;
      const found = groups.filter((g) => has(g, res));
      const inGroups = groups.filter((g) => known[g]);
      if (found.length < (r.apiGroups.includes("*") ? 1 : inGroups.length)) {
        const missing = inGroups.filter((g) => !has(g, res));
        const elsewhere = Object.keys(known).filter((g) => known[g][res]);
        const hint = elsewhere.length
          ? `; it is in ${elsewhere.map((g) => JSON.stringify(g)).join(", ")}: list that in apiGroups`
          : "; check the plural name (kubectl api-resources), or declare your CRD under serviceAccount.customResources";
        issue(
          ctx,
          at("rules", ri, "resources", xi),
          `unknown resource ${JSON.stringify(res)} in API group ${missing.map((g) => JSON.stringify(g)).join(", ")}${hint}`,
          res,
        );
        return;
      }
      if (r.scope === "namespace" && found.some((g) => known[g][res]?.namespaced === false))
        issue(
          ctx,
          at("rules", ri, "resources", xi),
          `${res} is cluster-scoped, which a Role cannot grant (it is namespaced); set scope: cluster and serviceAccount.clusterWide: true if the workload really needs it`,
          res,
        );
    });
  });
  if (sa.clusterWide && !sa.rules.some((r) => r.scope === "cluster"))
    issue(ctx, at("clusterWide"), "no rule has scope: cluster; remove clusterWide", sa.clusterWide);
}

function checkIdentity(
  cfg: StackConfig,
  w: StackConfig["workers"][number] | StackConfig["services"][number],
  at: (...rest: Path) => Path,
  ctx: Ctx,
): void {
  const id = w.serviceAccount.cloudIdentity;
  if (!id) return;
  const clouds = (["aws", "azure"] as const).filter((c) => id[c]);
  if (clouds.length !== 1) {
    issue(
      ctx,
      at("cloudIdentity"),
      clouds.length ? "set either aws or azure, not both" : "set aws (EKS) or azure (AKS)",
      id,
    );
    return;
  }
  const cloud = clouds[0];
  if (id.aws) {
    const grants = id.aws.managedPolicyArns.length + id.aws.statements.length;
    if (id.aws.roleArn && grants)
      issue(
        ctx,
        at("cloudIdentity", "aws"),
        "roleArn names an existing role, whose policies stay as they are: remove managedPolicyArns and statements, or roleArn to have a role created",
        id.aws,
      );
    if (!id.aws.roleArn && !grants)
      issue(
        ctx,
        at("cloudIdentity", "aws"),
        "set roleArn (an existing role) or managedPolicyArns/statements (for a role the program creates)",
        id.aws,
      );
  }
  if (id.azure) {
    if (id.azure.clientId && id.azure.roleAssignments.length)
      issue(
        ctx,
        at("cloudIdentity", "azure"),
        "clientId names an existing identity, whose roles stay as they are: remove roleAssignments, or clientId to have an identity created",
        id.azure,
      );
    if (!id.azure.clientId && !id.azure.roleAssignments.length)
      issue(
        ctx,
        at("cloudIdentity", "azure"),
        "set clientId (an existing identity) or roleAssignments (for an identity the program creates)",
        id.azure,
      );
  }
  const targets = targetClusters(cfg, w.clusters);
  for (const c of targets.filter((c) => c.cloud !== cloud)) {
    const what =
      c.cloud === "existing"
        ? `${c.name} is an existing cluster, whose OIDC issuer and cloud account the platform does not manage`
        : `${c.name} is an ${c.cloud} cluster`;
    const fitting = targets.filter((t) => t.cloud === cloud).map((t) => t.name);
    issue(
      ctx,
      at("cloudIdentity", cloud),
      `an ${cloud} identity cannot be used on ${c.name}${w.clusters ? "" : " (clusters defaults to every cluster of the stack)"}: ${IDENTITY_CLOUD[cloud]}; ${what}; ${fitting.length ? `set clusters: [${fitting.join(", ")}]` : `run the workload on ${cloud} clusters only`}`,
      id[cloud],
    );
  }
}
