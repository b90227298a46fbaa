import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../stacks/schema";
import type { AddonsOutputs } from "../addons";
import type { ClusterHandle } from "../cluster/handle";

export interface WorkloadsArgs {
  cluster: ClusterHandle;
  addons: AddonsOutputs;
  config: StackConfig;
}

/** Everything users run on one cluster: priority classes, secrets, queues, workers, services. */
export class Workloads extends pulumi.ComponentResource {
  constructor(name: string, args: WorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("worker-platform:workloads:Workloads", name, {}, opts);
    // TODO(issue 5)
    void args;
    this.registerOutputs({});
  }
}
