import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, isProduction, productionSchema } from "./lib/common.ts";
import type { Obj } from "./lib/k8s.ts";
import { CLOUD } from "./lib/model.ts";
import { stackPolicy } from "./lib/stack.ts";
import { forEachDeferringUnknowns, tryRead, UNKNOWN } from "./lib/unknown.ts";

function eks(
  meta: Omit<ResourceValidationPolicy, "validateResource">,
  check: (props: Obj, args: ResourceValidationArgs, report: (m: string) => void) => void,
): ResourceValidationPolicy {
  return {
    ...meta,
    validateResource: (args, report) => {
      if (args.type !== CLOUD.eksCluster) return;
      check(args.props, args, (m) => report(`EKS cluster ${args.name}: ${m}`));
    },
  };
}

/**
 * Kubernetes Secrets are only base64 in etcd unless envelope-encrypted with a KMS key; a key without rotation keeps
 * one key version forever (AWS KMS automatic rotation is yearly when enabled).
 */
export const eksSecretsEncryption = stackPolicy(
  {
    name: "eks-secrets-encryption",
    description: "EKS clusters envelope-encrypt Secrets with a KMS key of this stack that has rotation enabled.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      'Create an aws.kms.Key with enableKeyRotation: true and set encryptionConfig: {resources: ["secrets"], provider: {keyArn: key.arn}} on the cluster.',
  },
  (model, _args, report) => {
    const clusters = model.resources.filter((r) => r.type === CLOUD.eksCluster);
    forEachDeferringUnknowns(clusters, (c) => {
      const configs = asArray<Obj>(c.props.encryptionConfig);
      const forSecrets = configs.find((e) => asArray<string>(e.resources).includes("secrets"));
      if (!forSecrets) {
        report(
          `EKS cluster ${c.name}: Secrets are not envelope-encrypted (no encryptionConfig with resources [secrets]).`,
          c.urn,
        );
        return;
      }
      const key = kmsKeyOf(model.resources, c, forSecrets);
      if (key === undefined) {
        report(
          `EKS cluster ${c.name}: the Secrets encryption key is not a KMS key of this stack, so its rotation cannot be checked.`,
          c.urn,
        );
      } else if (key.props.enableKeyRotation !== true) {
        report(`EKS cluster ${c.name}: KMS key ${key.name} encrypting Secrets has enableKeyRotation off.`, key.urn);
      }
    });
  },
);

/**
 * The key behind encryptionConfig: by ARN when known, else by dependency (the ARN of a key being created is unknown
 * in preview, but the cluster depends on the key resource). A known ARN that matches none of the stack's keys while
 * they show theirs (outputs, under the CLI) is a key from elsewhere: no fallback to a dependency then, whose rotation
 * would say nothing about the key actually used. Offline the keys have no `arn` (inputs only): dependency it is.
 */
function kmsKeyOf(resources: PolicyResource[], cluster: PolicyResource, config: Obj): PolicyResource | undefined {
  const keys = resources.filter((r) => r.type === CLOUD.kmsKey);
  const arn = tryRead(() => config.provider?.keyArn);
  if (typeof arn === "string") {
    const byArn = keys.find((k) => {
      const keyId = tryRead(() => k.props.keyId); // UNKNOWN for a key being created: no match by id then
      return (
        tryRead(() => k.props.arn) === arn ||
        arn.endsWith(`:${k.name}`) ||
        (typeof keyId === "string" && arn.endsWith(`/${keyId}`))
      );
    });
    if (byArn) return byArn;
    if (keys.some((k) => typeof tryRead(() => k.props.arn) === "string")) return undefined;
  }
  const deps = new Set((cluster.dependencies ?? []).map((d) => d.urn));
  const byDep = keys.filter((k) => deps.has(k.urn));
  if (byDep.length === 1) return byDep[0];
  return arn === UNKNOWN && keys.length === 1 ? keys[0] : undefined;
}

/** The audit log is the record of who did what through the API server; without it an incident cannot be traced. */
export const eksAuditLogs = eks(
  {
    name: "eks-audit-logs",
    description: "EKS clusters send control-plane audit logs to CloudWatch.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps: 'Include "audit" in enabledClusterLogTypes (clusters[].aws.logTypes).',
  },
  (p, _args, report) => {
    const types: string[] = p.enabledClusterLogTypes ?? [];
    if (!types.includes("audit")) report(`enabledClusterLogTypes [${types.join(", ")}] lacks audit.`);
  },
);

/** EKS defaults to a public endpoint open to 0.0.0.0/0. */
export const eksEndpointAccess = eks(
  {
    name: "eks-endpoint-restricted",
    description: "In production, the EKS API endpoint is private, or public only to restricted CIDRs.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      "Set clusters[].aws.endpointPublicAccess: false (vpcConfig.endpointPrivateAccess: true), or restrict clusters[].aws.publicAccessCidrs.",
    configSchema: { properties: { ...productionSchema } },
  },
  (p, args, report) => {
    if (!isProduction(args.getConfig<{ production?: boolean }>(), args.urn)) return;
    const vpc: Obj = p.vpcConfig ?? {};
    if (vpc.endpointPublicAccess === false) {
      if (vpc.endpointPrivateAccess !== true)
        report("has neither a public nor a private endpoint (set endpointPrivateAccess: true).");
      return;
    }
    const cidrs: string[] = vpc.publicAccessCidrs ?? ["0.0.0.0/0"]; // AWS default
    if (cidrs.includes("0.0.0.0/0")) report("the public endpoint is open to 0.0.0.0/0.");
  },
);

const EKS_ADDON = "aws:eks/addon:Addon";

/** Why a vpc-cni add-on does not turn the network policy agent on, or undefined when it does. */
function vpcCniNetworkPolicyProblem(addon: PolicyResource): string | undefined {
  const raw = addon.props.configurationValues; // unknown in preview: let it abort the cluster's check ("can't run")
  if (raw === undefined || raw === null || raw === "")
    return 'sets no configurationValues, so enableNetworkPolicy keeps its default "false"';
  let values: unknown;
  try {
    values = typeof raw === "string" ? JSON.parse(raw) : raw;
  } catch {
    return `has configurationValues that are not JSON (${String(raw).slice(0, 60)})`;
  }
  const v = (values as Obj | null)?.enableNetworkPolicy;
  if (String(v) !== "true")
    return `sets enableNetworkPolicy to ${v === undefined ? 'nothing (default "false")' : JSON.stringify(v)} in configurationValues`;
  return undefined;
}

/**
 * The AWS VPC CNI enforces NetworkPolicies only when its network policy agent is on, which it is not by default
 * (EKS docs, "Limit pod traffic with Kubernetes network policies"; the add-on's configuration schema:
 * `enableNetworkPolicy: "true"`). Without it the platform's NetworkPolicies are accepted by the API server and
 * silently not enforced. A stack rule: the add-on is its own resource (aws.eks.Addon), matched to its cluster by
 * dependency or clusterName (StackModel.clusterOf); addonName, clusterName and configurationValues are the same in
 * inputs (offline) and outputs (CLI). A cluster with a self-managed CNI (Cilium, Calico) disables the rule in its
 * stack's policy config.
 */
export const eksNetworkPolicy = stackPolicy(
  {
    name: "eks-network-policy",
    description:
      'EKS clusters run the vpc-cni managed add-on with enableNetworkPolicy "true", so NetworkPolicies are enforced.',
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      'Create the vpc-cni add-on (aws.eks.Addon addonName "vpc-cni") with configurationValues: JSON.stringify({enableNetworkPolicy: "true"}) ' +
      '(components/cluster/eks.ts); with a self-managed CNI that enforces NetworkPolicies, set "eks-network-policy": "disabled" in policy/config/<stack>.json.',
  },
  (model, _args, report) => {
    const addons = model.resources.filter(
      (r) => r.type === EKS_ADDON && tryRead(() => r.props.addonName) === "vpc-cni",
    );
    const clusters = model.clusters.filter((c) => c.cloud === "aws" && c.resource);
    forEachDeferringUnknowns(clusters, (c) => {
      const mine = addons.filter((a) => model.clusterOf(a) === c);
      if (!mine.length) {
        report(
          `EKS cluster ${c.name}: no vpc-cni add-on (aws.eks.Addon) in the stack, so nothing turns on the VPC CNI's network policy agent; NetworkPolicies would not be enforced.`,
          c.resource!.urn,
        );
        return;
      }
      for (const a of mine) {
        const why = vpcCniNetworkPolicyProblem(a);
        if (why)
          report(
            `EKS cluster ${c.name}: vpc-cni add-on ${a.name} ${why}; NetworkPolicies would not be enforced.`,
            a.urn,
          );
      }
    });
  },
);

export const eksPolicies = [eksSecretsEncryption, eksAuditLogs, eksEndpointAccess, eksNetworkPolicy];
