import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { isProduction, productionSchema } from "./lib/common.ts";
import type { Obj } from "./lib/k8s.ts";
import { CLOUD } from "./lib/model.ts";

const OPEN = ["0.0.0.0/0", "*", "Internet"];

function aks(
  meta: Omit<ResourceValidationPolicy, "validateResource">,
  check: (props: Obj, args: ResourceValidationArgs, report: (m: string) => void) => void,
): ResourceValidationPolicy {
  return {
    ...meta,
    validateResource: (args, report) => {
      if (args.type !== CLOUD.aksCluster) return;
      check(args.props, args, (m) => report(`AKS cluster ${args.name}: ${m}`));
    },
  };
}

/** Local accounts (the static clusterAdmin kubeconfig) bypass Entra ID, cannot be revoked per user, and are not audited per identity. */
export const aksLocalAccountsDisabled = aks(
  {
    name: "aks-local-accounts-disabled",
    description: "AKS clusters disable local accounts, so every access goes through Entra ID.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Set disableLocalAccounts: true on the ManagedCluster (requires aadProfile with Entra ID).",
  },
  (p, _args, report) => {
    if (p.disableLocalAccounts !== true) report("disableLocalAccounts is not true.");
  },
);

/** Entra ID authentication with Azure RBAC authorisation: access is granted by role assignment, revocable centrally. */
export const aksEntraAzureRbac = aks(
  {
    name: "aks-entra-id-azure-rbac",
    description: "AKS clusters use Entra ID authentication with Azure RBAC for Kubernetes authorization.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      "Set aadProfile: {managed: true, enableAzureRBAC: true, adminGroupObjectIDs: [...]} and keep enableRBAC true.",
  },
  (p, _args, report) => {
    if (!p.aadProfile) report("has no aadProfile (Entra ID integration).");
    else if (p.aadProfile.enableAzureRBAC !== true) report("aadProfile.enableAzureRBAC is not true.");
    if (p.enableRBAC === false) report("enableRBAC is false.");
  },
);

/** Without a network policy engine, NetworkPolicy objects (the platform creates one per worker) are silently ignored. */
export const aksNetworkPolicy = aks(
  {
    name: "aks-network-policy",
    description: "AKS clusters run a network policy engine (azure, calico or cilium), so NetworkPolicies are enforced.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Set networkProfile.networkPolicy (clusters[].azure.networkPolicy: cilium, calico or azure).",
  },
  (p, _args, report) => {
    const np = p.networkProfile?.networkPolicy;
    if (!np || np === "none")
      report(`networkProfile.networkPolicy is ${np ?? "not set"}; NetworkPolicies would not be enforced.`);
  },
);

/** A production API server reachable from the whole internet is one leaked credential away from compromise. */
export const aksApiServerAccess = aks(
  {
    name: "aks-api-server-restricted",
    description: "In production, the AKS API server is private or limited to authorized IP ranges.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      "Set clusters[].azure.privateCluster: true or clusters[].azure.apiServerAuthorizedIpRanges (apiServerAccessProfile.authorizedIPRanges), without 0.0.0.0/0.",
    configSchema: { properties: { ...productionSchema } },
  },
  (p, args, report) => {
    if (!isProduction(args.getConfig<{ production?: boolean }>(), args.urn)) return;
    const access: Obj = p.apiServerAccessProfile ?? {};
    if (access.enablePrivateCluster === true) return;
    const ranges: string[] = access.authorizedIPRanges ?? [];
    if (!ranges.length)
      report(
        "the API server is public and open to any IP (no apiServerAccessProfile.authorizedIPRanges, not private).",
      );
    else if (ranges.some((r) => OPEN.includes(r)))
      report(`authorizedIPRanges ${ranges.join(", ")} include the whole internet.`);
  },
);

export const aksPolicies = [aksLocalAccountsDisabled, aksEntraAzureRbac, aksNetworkPolicy, aksApiServerAccess];
