import * as autoscaling from "@pulumi/aws/autoscaling/index.js";
import type * as eks from "@pulumi/aws/eks/index.js";
import * as iam from "@pulumi/aws/iam/index.js";
import * as pulumi from "@pulumi/pulumi";
import { GPU_RESOURCES, gpuDevicesPerNode, poolGpuVendor } from "../../stacks/accelerators.ts";
import type { PoolHandle } from "./handle.ts";

const TEMPLATE = "k8s.io/cluster-autoscaler/node-template";
export const GPU_RESOURCE = "nvidia.com/gpu";

/** The autoscaler's auto-discovery tags (field notes, "Cluster autoscaler / EKS"). */
export const autoDiscoveryTags = (cluster: string) => ({
  "k8s.io/cluster-autoscaler/enabled": "true",
  [`k8s.io/cluster-autoscaler/${cluster}`]: "owned",
});

/** node-template tags of a pool: key → value, for the autoscaler to build a template node of an empty group. */
export function nodeTemplateTags(pool: PoolHandle): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(pool.selector)) tags[`${TEMPLATE}/label/${k}`] = v;
  for (const t of pool.taints) tags[`${TEMPLATE}/taint/${t.key}`] = `${t.value}:${t.effect}`;
  // The devices a node advertises under its vendor's resource (GPUs × time-slicing replicas), so a pod asking for
  // amd.com/gpu, or for more than the physical GPUs of a time-sliced node, matches the empty group's template node.
  if (pool.gpu) tags[`${TEMPLATE}/resources/${GPU_RESOURCES[poolGpuVendor(pool)!]}`] = String(gpuDevicesPerNode(pool));
  return tags;
}

/** The zone label the EBS CSI driver puts in a volume's node affinity (since driver v1.33.0; before: its own key). */
export const ZONE_LABEL = "topology.kubernetes.io/zone";

/**
 * Scale from zero: with no node, the autoscaler only knows a group through its ASG's tags, and a managed node
 * group's labels, taints and GPUs do not reach its ASG (field notes, "Cluster autoscaler / EKS"). One Tag resource
 * per key on the group's ASG; not propagated to instances (the kubelet sets labels/taints from the node group).
 * `zone`, for a group in one zone: its zone label, which a pod bound to an EBS volume requires. The autoscaler also
 * derives it from the ASG's first zone (cloudprovider/aws/aws_manager.go getAsgTemplate); the tag states it.
 */
export function tagNodeTemplate(
  name: string,
  nodeGroup: eks.NodeGroup,
  pool: PoolHandle,
  opts: pulumi.CustomResourceOptions,
  zone?: pulumi.Input<string>,
): autoscaling.Tag[] {
  // A managed node group has exactly one ASG (over all its subnets).
  const asg = nodeGroup.resources.apply((r) => r[0].autoscalingGroups[0].name);
  const tags: [string, pulumi.Input<string>][] = Object.entries(nodeTemplateTags(pool));
  if (zone !== undefined) tags.push([`${TEMPLATE}/label/${ZONE_LABEL}`, zone]);
  return tags.map(
    ([key, value]) =>
      new autoscaling.Tag(
        `${name}-${key.slice(TEMPLATE.length + 1).replace(/[^A-Za-z0-9]+/g, "-")}`,
        { autoscalingGroupName: asg, tag: { key, value, propagateAtLaunch: false } },
        opts,
      ),
  );
}

/** Describe actions the cluster autoscaler needs on every resource (kubernetes/autoscaler cloudprovider/aws README). */
export const AUTOSCALER_DESCRIBE_ACTIONS = [
  "autoscaling:DescribeAutoScalingGroups",
  "autoscaling:DescribeAutoScalingInstances",
  "autoscaling:DescribeLaunchConfigurations",
  "autoscaling:DescribeScalingActivities",
  "autoscaling:DescribeTags",
  "ec2:DescribeImages",
  "ec2:DescribeInstanceTypes",
  "ec2:DescribeLaunchTemplateVersions",
  "ec2:GetInstanceTypesFromInstanceRequirements",
  "eks:DescribeNodegroup",
];

/** Mutating actions, allowed only on ASGs tagged as owned by this cluster. */
export const AUTOSCALER_MUTATING_ACTIONS = [
  "autoscaling:SetDesiredCapacity",
  "autoscaling:TerminateInstanceInAutoScalingGroup",
];

export function autoscalerPolicy(cluster: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "Describe", Effect: "Allow", Action: AUTOSCALER_DESCRIBE_ACTIONS, Resource: "*" },
      {
        Sid: "ScaleOwnGroups",
        Effect: "Allow",
        Action: AUTOSCALER_MUTATING_ACTIONS,
        Resource: "*",
        // EKS tags every managed node group's ASG k8s.io/cluster-autoscaler/<cluster>=owned (EKS docs, "Managed node groups").
        Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${cluster}`]: "owned" } },
      },
    ],
  });
}

/** IRSA trust: only the given service account, through the cluster's OIDC provider, with the STS audience. */
export function irsaTrustPolicy(
  oidcArn: pulumi.Input<string>,
  issuerUrl: pulumi.Input<string>,
  namespace: string,
  serviceAccount: string,
): pulumi.Output<string> {
  return pulumi.all([oidcArn, issuerUrl]).apply(([arn, url]) => {
    const host = url.replace(/^https:\/\//, "");
    return JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Federated: arn },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              [`${host}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
              [`${host}:aud`]: "sts.amazonaws.com",
            },
          },
        },
      ],
    });
  });
}

/**
 * The autoscaler's IAM role (IRSA) with its inline policy. Returns the role ARN as an output that also waits for the
 * policy, so the chart that takes it does not start the autoscaler before it may act.
 */
export function autoscalerRole(
  name: string,
  args: {
    cluster: string;
    oidcArn: pulumi.Input<string>;
    issuerUrl: pulumi.Input<string>;
    namespace: string;
    serviceAccount: string;
  },
  opts: pulumi.CustomResourceOptions,
): { role: iam.Role; policy: iam.RolePolicy; roleArn: pulumi.Output<string> } {
  const role = new iam.Role(
    `${name}-autoscaler`,
    { assumeRolePolicy: irsaTrustPolicy(args.oidcArn, args.issuerUrl, args.namespace, args.serviceAccount) },
    opts,
  );
  const policy = new iam.RolePolicy(
    `${name}-autoscaler`,
    { role: role.name, policy: autoscalerPolicy(args.cluster) },
    opts,
  );
  return { role, policy, roleArn: pulumi.all([role.arn, policy.id]).apply(([arn]) => arn) };
}
