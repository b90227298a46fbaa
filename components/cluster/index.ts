import type * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig, StackConfig } from "../../stacks/schema/index.ts";
import { usesCloudQueues } from "../../stacks/schema/checks/cloud-queues.ts";
import { KEDA_OPERATOR_SERVICE_ACCOUNT } from "../addons/keda.ts";
import { AksCluster } from "./aks.ts";
import { EksCluster } from "./eks.ts";
import { ExistingCluster } from "./existing.ts";
import type { ClusterHandle } from "./handle.ts";
import { needsEfs, zonalClaimRequests } from "../../stacks/storage.ts";

export type { ClusterHandle, PoolHandle } from "./handle.ts";

/** Creates (or, for `existing`, connects to) the cluster a config entry describes, and returns its handle. */
export function createCluster(
  cluster: ClusterConfig,
  stack: StackConfig,
  opts: pulumi.ComponentResourceOptions,
): ClusterHandle {
  const protect = cluster.protect ?? stack.platform.production;
  // KEDA's operator gets a cloud identity only where workers read SQS or Service Bus.
  const cloudQueues = usesCloudQueues(stack, cluster.name);
  switch (cluster.cloud) {
    case "azure":
      return new AksCluster(
        cluster.name,
        {
          config: cluster,
          protect,
          deployerKubeloginMode: stack.deployer.kubeloginMode,
          kedaWorkloadIdentity: cloudQueues,
        },
        opts,
      ).handle;
    case "aws": {
      const ca = stack.addons.clusterAutoscaler;
      const autoscaler = ca.enabled ? { namespace: ca.namespace } : undefined;
      const keda = cloudQueues
        ? { namespace: stack.addons.keda.namespace, serviceAccount: KEDA_OPERATOR_SERVICE_ACCOUNT }
        : undefined;
      const zonalClaims = zonalClaimRequests(stack, cluster.name);
      const efs =
        needsEfs(stack, cluster.name) && stack.addons.efsCsiDriver.enabled
          ? { namespace: stack.addons.efsCsiDriver.namespace }
          : undefined;
      return new EksCluster(cluster.name, { config: cluster, protect, autoscaler, keda, zonalClaims, efs }, opts)
        .handle;
    }
    case "existing":
      return new ExistingCluster(cluster.name, { config: cluster }, opts).handle;
  }
}
