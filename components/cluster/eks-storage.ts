import * as eks from "@pulumi/aws/eks/index.js";
import * as iam from "@pulumi/aws/iam/index.js";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { irsaTrustPolicy } from "./eks-autoscaling.ts";

/** The EBS CSI controller's service account, which the add-on creates (EKS docs, "Amazon EBS CSI driver"). */
export const EBS_CSI_SERVICE_ACCOUNT = { namespace: "kube-system", name: "ebs-csi-controller-sa" } as const;

/** The platform's default StorageClass on EKS. */
export const EKS_STORAGE_CLASS = "gp3";

/**
 * Block storage for the PersistentVolumeClaims of Prometheus and the in-cluster queues. EKS has no EBS driver unless
 * added, and clusters from 1.30 on have no default StorageClass (EKS docs, "Amazon EBS CSI driver"; 1.30 release
 * notes): without both, every PVC stays Pending. The driver's controller gets its AWS permissions through IRSA.
 */
export function ebsStorage(
  name: string,
  args: {
    clusterName: pulumi.Input<string>;
    oidcArn: pulumi.Input<string>;
    issuerUrl: pulumi.Input<string>;
    partition: pulumi.Input<string>;
    provider: k8s.Provider;
    /** Node groups: the controller's pods need nodes, or the add-on stays degraded and its creation times out. */
    nodeGroups: pulumi.Resource[];
    /** The add-on's version (`aws.addonVersions`). Defaults to EKS's default for the cluster's version. */
    addonVersion?: string;
  },
  opts: pulumi.CustomResourceOptions,
): { addon: eks.Addon; storageClass: k8s.storage.v1.StorageClass } {
  const { namespace, name: serviceAccount } = EBS_CSI_SERVICE_ACCOUNT;
  const role = new iam.Role(
    `${name}-ebs-csi`,
    { assumeRolePolicy: irsaTrustPolicy(args.oidcArn, args.issuerUrl, namespace, serviceAccount) },
    opts,
  );
  const policy = new iam.RolePolicyAttachment(
    `${name}-ebs-csi`,
    {
      role: role.name,
      policyArn: pulumi.interpolate`arn:${args.partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy`,
    },
    opts,
  );
  const addon = new eks.Addon(
    `${name}-aws-ebs-csi-driver`,
    {
      clusterName: args.clusterName,
      addonName: "aws-ebs-csi-driver",
      ...(args.addonVersion ? { addonVersion: args.addonVersion } : {}),
      serviceAccountRoleArn: role.arn,
      resolveConflictsOnCreate: "OVERWRITE",
      resolveConflictsOnUpdate: "OVERWRITE",
    },
    { ...opts, dependsOn: [policy, ...args.nodeGroups] },
  );
  const storageClass = new k8s.storage.v1.StorageClass(
    `${name}-${EKS_STORAGE_CLASS}`,
    {
      metadata: { name: EKS_STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      provisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3", encrypted: "true" },
      // Bind where the pod lands: an EBS volume lives in one zone, and node groups span several.
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
      reclaimPolicy: "Delete",
    },
    { parent: opts.parent, provider: args.provider, dependsOn: [addon] },
  );
  return { addon, storageClass };
}
