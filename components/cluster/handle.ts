import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { GpuSharing, GpuVendor } from "../../stacks/accelerators.ts";
import type { AutoscalerProfile, Taint } from "../../stacks/schema/index.ts";

/** A node pool as later components see it: what a pod needs to land there, and how much it can hold. */
export interface PoolHandle {
  name: string;
  role: "system" | "workload";
  spot: boolean;
  /** `vendor`: resolved (stacks/accelerators.ts poolGpuVendor). */
  gpu?: { count: number; type: string; vendor: GpuVendor };
  /** NVIDIA time-slicing or MIG (pools[].gpuSharing); undefined: whole GPUs. */
  gpuSharing?: GpuSharing;
  min: number;
  max: number;
  machineTypes: string[];
  /** Labels every node of the pool carries and that pods may select on (nodeSelector / node affinity). */
  selector: Record<string, string>;
  /** Taints every node of the pool carries, including the ones the cloud adds itself (AKS spot taint). */
  taints: Taint[];
  /** max nodes × GPU devices per node (GPUs × time-slicing replicas or MIG instances); 0 for CPU pools. */
  gpuCapacity: number;
  /** GPUs to hold warm with placeholder pods (0: off). */
  headroomGpus: number;
}

/** The cluster autoscaler chart the platform must install (EKS); AKS runs its own, existing clusters none. */
export interface AutoscalerChartSpec {
  clusterName: pulumi.Input<string>;
  region: string;
  /** IAM role for the autoscaler's service account (IRSA). */
  roleArn: pulumi.Input<string>;
  serviceAccountName: string;
  kubernetesVersion: string;
  expander: string;
  /** priority-expander priorities: priority → node-group name regexes (higher wins). */
  expanderPriorities: Record<number, string[]>;
  profile: AutoscalerProfile;
}

/**
 * What pods' cloud identities need from a cloud cluster (workload identity: a Kubernetes service account token
 * exchanged for cloud credentials), and where the platform creates cloud resources for its workloads (identities,
 * SQS queues, Service Bus namespaces). Only components/workloads/cloud-*.ts read it.
 */
export type CloudIdentityHandle =
  | {
      cloud: "aws";
      /** The cluster's OIDC issuer (`https://oidc.eks.<region>.amazonaws.com/id/<id>`), the `<issuer>:sub` of IRSA trusts. */
      issuerUrl: pulumi.Output<string>;
      /** The IAM OIDC provider of that issuer: the federated principal IRSA roles trust. */
      oidcProviderArn: pulumi.Output<string>;
      region: string;
      partition: pulumi.Output<string>;
      /** The AWS provider of the cluster's account and region (there is no default one). */
      provider: pulumi.ProviderResource;
      /** Set where workers read SQS: KEDA's operator role (chart podIdentity.aws.irsa.roleArn), which grants nothing. */
      kedaOperatorRoleArn?: pulumi.Output<string>;
    }
  | {
      cloud: "azure";
      /** The cluster's OIDC issuer URL, the `issuer` of federated identity credentials. */
      issuerUrl: pulumi.Output<string>;
      /** Resource group and region of the cluster: where identities and Service Bus namespaces go. */
      resourceGroupName: pulumi.Input<string>;
      location: string;
      /** Set where workers read Service Bus: KEDA's operator runs with workload identity (podIdentity.azureWorkload). */
      kedaWorkloadIdentity?: boolean;
    };

/**
 * What every cluster kind yields; the only thing add-ons and workloads use from a cluster. Cloud differences stop
 * here.
 */
export interface ClusterHandle {
  name: string;
  cloud: "azure" | "aws" | "existing";
  /** Explicit provider for every Kubernetes object of this cluster (there is no default provider). */
  provider: k8s.Provider;
  pools: PoolHandle[];
  /** kubeconfig, always a Pulumi secret. */
  kubeconfig: pulumi.Output<string>;
  /** Cloud resources Kubernetes objects should wait for (node pools), so pods have somewhere to run. */
  ready: pulumi.Resource[];
  /** The cluster already runs metrics-server (AKS ships it). */
  hasMetricsServer: boolean;
  /** Set where the platform must install the cluster-autoscaler chart. */
  autoscalerChart?: AutoscalerChartSpec;
  autoscaler: AutoscalerProfile;
  /** Cloud clusters: their workload identity (OIDC issuer) and where cloud resources go; undefined for existing ones. */
  identity?: CloudIdentityHandle;
  /**
   * EKS clusters with ReadWriteMany claims: the EFS CSI controller's IRSA role, for the driver's chart
   * (components/addons/efs-csi-driver.ts), and the `efs` StorageClass (components/cluster/eks-efs.ts).
   */
  efs?: { controllerRoleArn: pulumi.Output<string>; storageClass: pulumi.Resource };
}

export const systemPools = (c: ClusterHandle) => c.pools.filter((p) => p.role === "system");
export const gpuPools = (c: ClusterHandle) => c.pools.filter((p) => p.gpu);
/** The GPU pools of one vendor: where that vendor's device plugin and exporter run. */
export const vendorGpuPools = (c: ClusterHandle, vendor: GpuVendor) =>
  c.pools.filter((p) => p.gpu && (p.gpu.vendor ?? "nvidia") === vendor);
