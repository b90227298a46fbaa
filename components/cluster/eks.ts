import * as eks from "@pulumi/aws/eks/index.js";
import { getPartitionOutput } from "@pulumi/aws/getPartition.js";
import * as iam from "@pulumi/aws/iam/index.js";
import * as kms from "@pulumi/aws/kms/index.js";
import { Provider as AwsProvider } from "@pulumi/aws/provider.js";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AwsClusterConfig, PoolConfig } from "../../stacks/schema/index.ts";
import { autoDiscoveryTags, autoscalerRole, irsaTrustPolicy, tagNodeTemplate } from "./eks-autoscaling.ts";
import { eksNetwork } from "./eks-network.ts";
import { ebsStorage } from "./eks-storage.ts";
import { efsStorage } from "./eks-efs.ts";
import type { PlacementRequest } from "../../stacks/placement.ts";
import type { ClusterHandle } from "./handle.ts";
import { eksKubeconfig } from "./kubeconfig.ts";
import { poolGpuVendor } from "../../stacks/accelerators.ts";
import { expanderPriorities, nodeLabels, platformTaints, poolHandle } from "./pools.ts";
import { nodeGroupPerZone } from "../../stacks/placement.ts";

export interface EksClusterArgs {
  /** The validated `clusters[]` entry (cloud: aws). */
  config: AwsClusterConfig;
  /** Protect the cluster, its node groups and its KMS key from deletion (cluster.protect ?? platform.production). */
  protect: boolean;
  /**
   * Where the cluster-autoscaler chart runs (addons.clusterAutoscaler.namespace): its IRSA role trusts exactly that
   * service account. Undefined when the add-on is disabled: no role, no autoscalerChart.
   */
  autoscaler?: { namespace: string };
  /**
   * KEDA's operator service account (addons.keda.namespace, the chart's `keda-operator`), when workers of this cluster
   * read SQS: it gets an IRSA role that trusts exactly that service account and grants nothing, so that EKS projects a
   * web identity token into the operator, with which KEDA assumes each worker's scaler role
   * (components/workloads/cloud-identity.ts). Undefined otherwise: no role.
   */
  keda?: { namespace: string; serviceAccount: string };
  /**
   * Placement of the workloads that mount ReadWriteOnce claims (stacks/storage.ts zonalClaimRequests): their pools
   * get a node group per zone, like the queues'. Defaults to none.
   */
  zonalClaims?: PlacementRequest[];
  /**
   * A workload mounts a ReadWriteMany claim of the default class: EFS and its StorageClass (eks-efs.ts), with the
   * driver's namespace (addons.efsCsiDriver.namespace), which its controller's IRSA role trusts.
   */
  efs?: { namespace: string };
}

/** The chart's service account (components/addons/cluster-autoscaler.ts creates it under this name). */
export const AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler";

/** Label the AWS cloud provider of the autoscaler reads as "GPU node" (components/addons/cluster-autoscaler.ts). */
export const EKS_GPU_LABEL = "k8s.amazonaws.com/accelerator";
/** Label EKS puts on every managed node group's nodes: SPOT | ON_DEMAND (EKS docs, "Managed node groups"). */
export const EKS_CAPACITY_LABEL = "eks.amazonaws.com/capacityType";

/**
 * Regex of a managed node group's ASG name (the autoscaler's node-group id on AWS): `eks-<nodegroup>-<uuid>` (the
 * node group name is in it since aws/containers-roadmap #1304 shipped; groups from before 2021 are `eks-<uuid>`, which
 * this misses: recreate them). The `-` after the name keeps `gpu` from matching `gpuspot`.
 */
export const eksNodeGroupRegex = (pool: string) => `^eks-${pool}-.*`;

const managedPolicy = (partition: pulumi.Input<string>, name: string) =>
  pulumi.interpolate`arn:${partition}:iam::aws:policy/${name}`;
const assumeBy = (service: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
  });

/**
 * An EKS cluster with @pulumi/aws only: network (or existing subnets), IAM roles, KMS-encrypted Secrets, access
 * entries, the IRSA OIDC provider, managed add-ons, one managed node group per pool with the ASG tags that make scale
 * from zero work, and the cluster autoscaler's IRSA role. The autoscaler itself is a Helm add-on (autoscalerChart).
 */
export class EksCluster extends pulumi.ComponentResource {
  public readonly handle: ClusterHandle;

  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("worker-platform:cluster:EksCluster", name, {}, opts);
    const cfg = args.config;
    const { protect } = args;
    // Region from config, not from the ambient aws:region.
    const aws = new AwsProvider(`${cfg.name}-aws`, { region: cfg.region }, { parent: this });
    const o: pulumi.CustomResourceOptions = { parent: this, provider: aws };
    const partition = getPartitionOutput({}, { parent: this, provider: aws }).partition;

    const network = eksNetwork(cfg, this, { provider: aws });

    const clusterRole = new iam.Role(`${cfg.name}-cluster`, { assumeRolePolicy: assumeBy("eks.amazonaws.com") }, o);
    const clusterPolicy = new iam.RolePolicyAttachment(
      `${cfg.name}-cluster`,
      { role: clusterRole.name, policyArn: managedPolicy(partition, "AmazonEKSClusterPolicy") },
      o,
    );
    const nodeRole = new iam.Role(`${cfg.name}-node`, { assumeRolePolicy: assumeBy("ec2.amazonaws.com") }, o);
    const nodePolicies = [
      "AmazonEKSWorkerNodePolicy",
      "AmazonEKS_CNI_Policy",
      "AmazonEC2ContainerRegistryReadOnly",
    ].map(
      (p) =>
        new iam.RolePolicyAttachment(
          `${cfg.name}-node-${p}`,
          { role: nodeRole.name, policyArn: managedPolicy(partition, p) },
          o,
        ),
    );

    // Envelope encryption of Secrets, yearly rotation (policy eks-secrets-encryption).
    const key = new kms.Key(
      `${cfg.name}-secrets`,
      { description: `EKS ${cfg.name} Secrets encryption`, enableKeyRotation: true, deletionWindowInDays: 30 },
      { ...o, protect },
    );

    const cluster = new eks.Cluster(
      cfg.name,
      {
        name: cfg.name,
        version: cfg.kubernetesVersion,
        roleArn: clusterRole.arn,
        vpcConfig: {
          subnetIds: [...network.privateSubnetIds, ...network.publicSubnetIds],
          endpointPrivateAccess: true,
          endpointPublicAccess: cfg.aws.endpointPublicAccess,
          ...(cfg.aws.endpointPublicAccess ? { publicAccessCidrs: cfg.aws.publicAccessCidrs } : {}),
        },
        // Access entries only (no aws-auth ConfigMap); the identity running `pulumi up` gets admin so it can create
        // the add-ons and workloads right after.
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
        encryptionConfig: { resources: ["secrets"], provider: { keyArn: key.arn } },
        enabledClusterLogTypes: cfg.aws.logTypes,
        // vpc-cni, kube-proxy and coredns come as managed add-ons below instead.
        bootstrapSelfManagedAddons: false,
        tags: { "worker-platform/cluster": cfg.name },
      },
      { ...o, protect, dependsOn: [clusterPolicy] },
    );

    // IRSA: IAM trusts the cluster's OIDC issuer (EKS docs, "IAM roles for service accounts").
    const issuerUrl = cluster.identities.apply((ids) => ids[0].oidcs[0].issuer);
    const oidc = new iam.OpenIdConnectProvider(
      `${cfg.name}-oidc`,
      { url: issuerUrl, clientIdLists: ["sts.amazonaws.com"] },
      o,
    );

    cfg.aws.adminPrincipalArns.forEach((principalArn, i) => {
      const entry = new eks.AccessEntry(
        `${cfg.name}-admin-${i}`,
        { clusterName: cluster.name, principalArn, type: "STANDARD" },
        o,
      );
      new eks.AccessPolicyAssociation(
        `${cfg.name}-admin-${i}`,
        {
          clusterName: cluster.name,
          principalArn,
          policyArn: pulumi.interpolate`arn:${partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
          accessScope: { type: "cluster" },
        },
        { ...o, dependsOn: [entry] },
      );
    });

    // Nodes only become Ready with a CNI, so networking add-ons come before the node groups, CoreDNS after (its
    // pods need nodes, or the add-on stays degraded and its creation times out).
    // A version from config pins the add-on; without one EKS installs its default for the cluster's version.
    const addonVersion = (addonName: keyof typeof cfg.aws.addonVersions) => {
      const version = cfg.aws.addonVersions[addonName];
      return version ? { addonVersion: version } : {};
    };
    const addon = (
      addonName: "vpc-cni" | "kube-proxy" | "coredns",
      dependsOn: pulumi.Resource[] = [],
      configurationValues?: Record<string, unknown>,
    ) =>
      new eks.Addon(
        `${cfg.name}-${addonName}`,
        {
          clusterName: cluster.name,
          addonName,
          ...addonVersion(addonName),
          resolveConflictsOnCreate: "OVERWRITE",
          resolveConflictsOnUpdate: "OVERWRITE",
          ...(configurationValues ? { configurationValues: JSON.stringify(configurationValues) } : {}),
        },
        { ...o, dependsOn },
      );
    // The VPC CNI enforces NetworkPolicies only with its network policy agent on, which is off by default (EKS docs,
    // "Limit pod traffic with Kubernetes network policies"); without it the workloads' NetworkPolicies do nothing.
    const networking = [addon("vpc-cni", [], { enableNetworkPolicy: "true" }), addon("kube-proxy")];

    const pools = cfg.pools.map((pool) => eksPoolHandle(pool));
    // A pool that can host an EBS volume (a zonal disk) gets one node group per zone: the autoscaler cannot choose the
    // zone of a new node in a group spanning several, so a pod whose volume is in zone b could wait for a node that
    // lands in a or c (kubernetes/autoscaler cluster-autoscaler/cloudprovider/aws/README.md, "Common Notes and
    // Gotchas": "an ASG-per-AZ while enabling --balance-similar-node-groups"). docs/clusters.md, "Zonal volumes".
    const nodeGroups = cfg.pools.flatMap((pool, i) => {
      const groups = nodeGroupPerZone(pool, cfg.pools, args.zonalClaims)
        ? perZoneSizes(pool, network.privateSubnetIds.length).map((size, z) => ({
            name: `${pool.name}-${z}`,
            subnetIds: [network.privateSubnetIds[z]],
            zone: network.privateSubnetZones[z],
            ...size,
          }))
        : [{ name: pool.name, subnetIds: network.privateSubnetIds, zone: undefined, min: pool.min, max: pool.max }];
      return groups.map((group) => {
        const ng = new eks.NodeGroup(
          `${cfg.name}-${group.name}`,
          {
            clusterName: cluster.name,
            // Fixed name: the autoscaler's priority regexes match the ASG name derived from it (eksNodeGroupRegex).
            nodeGroupName: group.name,
            nodeRoleArn: nodeRole.arn,
            subnetIds: group.subnetIds,
            version: cfg.kubernetesVersion,
            capacityType: pool.spot ? "SPOT" : "ON_DEMAND",
            // All types: spot diversity (the schema's doc asks for types of equal size).
            instanceTypes: pool.machineTypes,
            // AL2023 NVIDIA AMI: driver included, device plugin is an add-on (field notes, "EKS AL2023 NVIDIA"). EKS
            // has no AMD GPU AMI type (EKS API AmiTypes: NVIDIA and NEURON accelerated types only): AMD pools get the
            // standard AMI, and their nodes need the amdgpu driver from elsewhere (docs/workloads.md, "Accelerators").
            amiType: poolGpuVendor(pool) === "nvidia" ? "AL2023_x86_64_NVIDIA" : "AL2023_x86_64_STANDARD",
            diskSize: pool.diskSizeGb,
            labels: eksNodeLabels(pool),
            taints: platformTaints(pool, "aws").map((t) => ({
              key: t.key,
              value: t.value,
              effect: EKS_EFFECT[t.effect],
            })),
            scalingConfig: { minSize: group.min, maxSize: group.max, desiredSize: group.min },
            // An update (new version or AMI) drains maxUnavailable nodes at a time and fails, rather than deleting
            // pods, when they have not left a node within 15 minutes (EKS docs, "Understand each phase of node
            // updates"): forceUpdateVersion stays off, so a PodDisruptionBudget is never overridden. EKS rejects a
            // maxUnavailable above the group's maxSize ("max-unavailable must be within the range 1 and max size of
            // the node group": hashicorp/terraform-provider-aws#26535, eksctl-io/eksctl#3753), which a per-zone group's
            // smaller max makes easy to hit: capped at it (all of a small group at once is the same intent).
            updateConfig: { maxUnavailable: Math.min(cfg.aws.nodeUpdates.maxUnavailable, group.max) },
            forceUpdateVersion: false,
            tags: { ...autoDiscoveryTags(cfg.name), "worker-platform/pool": pool.name },
          },
          {
            ...o,
            protect,
            // The autoscaler owns the desired size after creation.
            ignoreChanges: ["scalingConfig.desiredSize"],
            // A fixed nodeGroupName cannot be created next to the old one on replacement.
            deleteBeforeReplace: true,
            dependsOn: [...nodePolicies, ...networking],
          },
        );
        tagNodeTemplate(`${cfg.name}-${group.name}`, ng, pools[i], o, group.zone);
        return ng;
      });
    });
    const coredns = addon("coredns", nodeGroups);

    const kubeconfig = eksKubeconfig({
      name: cfg.name,
      region: cfg.region,
      endpoint: cluster.endpoint,
      caData: cluster.certificateAuthority.data,
    });
    // Named exactly after the cluster: the policy pack finds a cluster's objects through it (policy/rules/lib/model.ts).
    const provider = new k8s.Provider(
      cfg.name,
      { kubeconfig, enableServerSideApply: true },
      { parent: this, dependsOn: [cluster] },
    );

    const storage = ebsStorage(
      cfg.name,
      {
        clusterName: cluster.name,
        oidcArn: oidc.arn,
        issuerUrl,
        partition,
        provider,
        nodeGroups,
        addonVersion: cfg.aws.addonVersions["aws-ebs-csi-driver"],
      },
      o,
    );

    const rwx = args.efs
      ? efsStorage(
          cfg.name,
          {
            vpcId: network.vpcId,
            subnetIds: network.privateSubnetIds,
            subnetZones: network.privateSubnetZones,
            namespace: args.efs.namespace,
            clusterSecurityGroupId: cluster.vpcConfig.clusterSecurityGroupId,
            oidcArn: oidc.arn,
            issuerUrl,
            partition,
            provider,
          },
          o,
        )
      : undefined;

    let autoscalerChart: ClusterHandle["autoscalerChart"];
    if (args.autoscaler) {
      const { roleArn } = autoscalerRole(
        cfg.name,
        {
          cluster: cfg.name,
          oidcArn: oidc.arn,
          issuerUrl,
          namespace: args.autoscaler.namespace,
          serviceAccount: AUTOSCALER_SERVICE_ACCOUNT,
        },
        o,
      );
      autoscalerChart = {
        clusterName: cluster.name,
        region: cfg.region,
        roleArn,
        serviceAccountName: AUTOSCALER_SERVICE_ACCOUNT,
        kubernetesVersion: cfg.kubernetesVersion,
        expander: cfg.aws.expander,
        expanderPriorities: expanderPriorities(cfg.pools, eksNodeGroupRegex),
        profile: cfg.autoscaler,
      };
    }

    const kedaOperatorRoleArn = args.keda
      ? new iam.Role(
          `${cfg.name}-keda-operator`,
          {
            assumeRolePolicy: irsaTrustPolicy(oidc.arn, issuerUrl, args.keda.namespace, args.keda.serviceAccount),
            description: `KEDA operator of ${cfg.name}: web identity only, no permissions; assumes the workers' scaler roles`,
          },
          o,
        ).arn
      : undefined;

    this.handle = {
      name: cfg.name,
      cloud: "aws",
      provider,
      pools,
      kubeconfig,
      // Pods need nodes, DNS and, for their volumes, the EBS driver and the default StorageClass.
      ready: [
        ...nodeGroups,
        ...networking,
        coredns,
        storage.addon,
        storage.storageClass,
        ...(rwx ? [rwx.storageClass] : []),
      ],
      // EKS ships no metrics-server: the platform installs it.
      hasMetricsServer: false,
      autoscalerChart,
      autoscaler: cfg.autoscaler,
      identity: {
        cloud: "aws",
        issuerUrl,
        oidcProviderArn: oidc.arn,
        region: cfg.region,
        partition,
        provider: aws,
        ...(kedaOperatorRoleArn ? { kedaOperatorRoleArn } : {}),
      },
      ...(rwx ? { efs: { controllerRoleArn: rwx.roleArn, storageClass: rwx.storageClass } } : {}),
    };
    this.registerOutputs({
      kubeconfig,
      clusterName: cluster.name,
      oidcProviderArn: oidc.arn,
      pools: pools.map((p) => p.name),
    });
  }
}

const EKS_EFFECT = {
  NoSchedule: "NO_SCHEDULE",
  PreferNoSchedule: "PREFER_NO_SCHEDULE",
  NoExecute: "NO_EXECUTE",
} as const;

/**
 * Sizes of a pool's per-zone node groups: `min` spread over the zones (the first ones get the remainder), so the pool
 * starts with the nodes it asks for; `max` rounded up per zone, so each zone can grow on its own (the pool as a whole
 * may then exceed `max` by fewer nodes than it has zones). Every group keeps max >= 1 and min <= max.
 */
export function perZoneSizes(pool: Pick<PoolConfig, "min" | "max">, zones: number): { min: number; max: number }[] {
  const max = Math.ceil(pool.max / zones);
  return Array.from({ length: zones }, (_, z) => ({
    min: Math.floor(pool.min / zones) + (z < pool.min % zones ? 1 : 0),
    max,
  }));
}

/**
 * Labels set on the node group: the platform's, plus, on NVIDIA pools, the accelerator label the autoscaler's AWS
 * provider reads. Not on AMD pools: the autoscaler treats a node with its GPU label as unready until it advertises
 * nvidia.com/gpu (kubernetes/autoscaler cluster-autoscaler core/static_autoscaler.go, "Handle GPU case", through
 * processors/customresources/gpu_processor.go), which an AMD node never does.
 */
export function eksNodeLabels(pool: PoolConfig): Record<string, string> {
  return {
    ...nodeLabels(pool),
    ...(pool.gpu && poolGpuVendor(pool) === "nvidia" ? { [EKS_GPU_LABEL]: pool.gpu.type } : {}),
  };
}

/** What pods see of an EKS pool: the node group's labels plus EKS's capacity-type label; the taints it sets. */
export function eksPoolHandle(pool: PoolConfig) {
  const selector = { ...eksNodeLabels(pool), [EKS_CAPACITY_LABEL]: pool.spot ? "SPOT" : "ON_DEMAND" };
  return poolHandle(pool, selector, platformTaints(pool, "aws"));
}
