import type * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig, StackConfig } from "../../stacks/schema/index.ts";
import { AksCluster } from "./aks.ts";
import { EksCluster } from "./eks.ts";
import { ExistingCluster } from "./existing.ts";
import type { ClusterHandle } from "./handle.ts";

export type { ClusterHandle, PoolHandle } from "./handle.ts";

/** Creates (or, for `existing`, connects to) the cluster a config entry describes, and returns its handle. */
export function createCluster(
  cluster: ClusterConfig,
  stack: StackConfig,
  opts: pulumi.ComponentResourceOptions,
): ClusterHandle {
  const protect = cluster.protect ?? stack.platform.production;
  switch (cluster.cloud) {
    case "azure":
      return new AksCluster(
        cluster.name,
        { config: cluster, protect, deployerKubeloginMode: stack.deployer.kubeloginMode },
        opts,
      ).handle;
    case "aws": {
      const ca = stack.addons.clusterAutoscaler;
      const autoscaler = ca.enabled ? { namespace: ca.namespace } : undefined;
      return new EksCluster(cluster.name, { config: cluster, protect, autoscaler }, opts).handle;
    }
    case "existing":
      return new ExistingCluster(cluster.name, { config: cluster }, opts).handle;
  }
}
