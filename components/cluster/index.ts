import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig, StackConfig } from "../../stacks/schema";
import type { ClusterHandle } from "./handle";

export type { ClusterHandle, PoolHandle } from "./handle";

/** Creates (or, for `existing`, connects to) the cluster a config entry describes, and returns its handle. */
export function createCluster(cluster: ClusterConfig, stack: StackConfig, opts: pulumi.ComponentResourceOptions): ClusterHandle {
  // TODO(issue 3): AksCluster, EksCluster, ExistingCluster
  void cluster; void stack; void opts;
  throw new Error("not implemented");
}
