import * as ec2 from "@pulumi/aws/ec2/index.js";
import * as efs from "@pulumi/aws/efs/index.js";
import * as iam from "@pulumi/aws/iam/index.js";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EKS_STORAGE_CLASSES } from "../../stacks/storage.ts";
import { irsaTrustPolicy } from "./eks-autoscaling.ts";

/**
 * The EFS CSI controller's service account (aws-efs-csi-driver chart values.yaml, controller.serviceAccount.name). Its
 * namespace is the release's (templates/controller-serviceaccount.yaml: .Release.Namespace), addons.efsCsiDriver.namespace.
 */
export const EFS_CSI_SERVICE_ACCOUNT = { name: "efs-csi-controller-sa" } as const;

/** NFS, the only port EFS mount targets serve. */
const NFS_PORT = 2049;

/**
 * ReadWriteMany storage on EKS, created only where a workload asks for it (stacks/storage.ts needsEfs): an encrypted
 * EFS file system with a mount target in each private subnet (the nodes' subnets), a security group admitting NFS
 * from the cluster security group (EKS attaches it to every managed node group's network interfaces: EKS docs,
 * "View Amazon EKS security group requirements for clusters"), the IRSA role of the driver's controller with the AWS
 * managed policy AmazonEFSCSIDriverPolicy (kubernetes-sigs/aws-efs-csi-driver docs/iam-policy-create.md), and the
 * StorageClass `efs` with dynamic provisioning by access points (docs/parameters.md: provisioningMode efs-ap,
 * fileSystemId, directoryPerms). Each claim gets its own access point with its own uid/gid, which EFS enforces for
 * every file operation, so pods with any non-root uid can write. The driver itself is a Helm add-on
 * (components/addons/efs-csi-driver.ts) that the controller role's ARN (`roleArn`) is handed to.
 */
export function efsStorage(
  name: string,
  args: {
    vpcId: pulumi.Input<string>;
    subnetIds: pulumi.Input<string>[];
    /** The zone of each of subnetIds, in the same order. */
    subnetZones: pulumi.Input<string>[];
    /** Where the driver's chart is installed (addons.efsCsiDriver.namespace): the namespace its role trusts. */
    namespace: string;
    clusterSecurityGroupId: pulumi.Input<string>;
    oidcArn: pulumi.Input<string>;
    issuerUrl: pulumi.Input<string>;
    partition: pulumi.Input<string>;
    provider: k8s.Provider;
  },
  opts: pulumi.CustomResourceOptions,
): {
  roleArn: pulumi.Output<string>;
  mountTargets: pulumi.Output<efs.MountTarget[]>;
  storageClass: k8s.storage.v1.StorageClass;
} {
  const { namespace } = args;
  const { name: serviceAccount } = EFS_CSI_SERVICE_ACCOUNT;
  const role = new iam.Role(
    `${name}-efs-csi`,
    {
      assumeRolePolicy: irsaTrustPolicy(args.oidcArn, args.issuerUrl, namespace, serviceAccount),
      description: `EFS CSI controller of ${name}: creates and deletes access points`,
    },
    opts,
  );
  new iam.RolePolicyAttachment(
    `${name}-efs-csi`,
    {
      role: role.name,
      policyArn: pulumi.interpolate`arn:${args.partition}:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy`,
    },
    opts,
  );
  const fileSystem = new efs.FileSystem(
    `${name}-efs`,
    {
      encrypted: true,
      performanceMode: "generalPurpose",
      // elastic: throughput follows the load, nothing to size (EFS docs, "Throughput modes").
      throughputMode: "elastic",
      tags: { Name: `${name}-efs`, "worker-platform/cluster": name },
    },
    // Shared data outlives the claims: removing the last ReadWriteMany claim must not delete the file system
    // (docs/clusters.md says how to remove it on purpose).
    { ...opts, protect: true },
  );
  const securityGroup = new ec2.SecurityGroup(
    `${name}-efs`,
    {
      vpcId: args.vpcId,
      description: `NFS from the nodes of ${name} to its EFS mount targets`,
      ingress: [
        {
          protocol: "tcp",
          fromPort: NFS_PORT,
          toPort: NFS_PORT,
          securityGroups: [args.clusterSecurityGroupId],
          description: "NFS from the cluster security group (managed node groups)",
        },
      ],
      tags: { Name: `${name}-efs` },
    },
    opts,
  );
  // One mount target per zone, in the first private subnet of each: EFS refuses a second one in a zone
  // (MountTargetConflict, EFS API reference CreateMountTarget), and the driver mounts the one in the node's own zone.
  // The zones come from invokes (getAvailabilityZones / getSubnet), known in preview, so the targets show there too.
  const mountTargets = pulumi
    .all(args.subnetZones)
    .apply((zones) =>
      firstSubnetPerZone(zones).map(
        (i) =>
          new efs.MountTarget(
            `${name}-efs-${i}`,
            { fileSystemId: fileSystem.id, subnetId: args.subnetIds[i], securityGroups: [securityGroup.id] },
            opts,
          ),
      ),
    );
  const storageClass = new k8s.storage.v1.StorageClass(
    `${name}-${EKS_STORAGE_CLASSES.readWriteMany}`,
    {
      metadata: { name: EKS_STORAGE_CLASSES.readWriteMany },
      provisioner: "efs.csi.aws.com",
      parameters: {
        provisioningMode: "efs-ap",
        fileSystemId: fileSystem.id,
        // The access point's root: owner (the access point's uid/gid) only.
        directoryPerms: "700",
      },
      // A regional file system is reachable from every zone: nothing to wait for.
      volumeBindingMode: "Immediate",
      reclaimPolicy: "Delete",
    },
    { parent: opts.parent, provider: args.provider, dependsOn: mountTargets },
  );
  return { roleArn: role.arn, mountTargets, storageClass };
}

/** Index of the first subnet in each distinct zone, in order (the mount targets' subnets). */
export function firstSubnetPerZone(zones: readonly string[]): number[] {
  return zones.flatMap((zone, i) => (zones.indexOf(zone) === i ? [i] : []));
}
