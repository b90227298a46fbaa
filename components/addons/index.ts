import * as pulumi from "@pulumi/pulumi";
import type { AddonsConfig } from "../../stacks/schema";
import type { ClusterHandle } from "../cluster/handle";

/** What workloads need from the add-ons of their cluster. */
export interface AddonsOutputs {
  /** Resources that KEDA objects (ScaledObject, ScaledJob, TriggerAuthentication) must depend on: KEDA's chart. */
  keda: pulumi.Resource[];
  /** In-cluster URL of Prometheus (or the external one), for prometheus triggers; undefined when there is none. */
  prometheusUrl?: string;
}

export interface AddonsArgs {
  cluster: ClusterHandle;
  config: AddonsConfig;
  /** Production posture: HA replicas and PDBs. */
  production: boolean;
}

/** The Helm add-ons of one cluster. */
export class Addons extends pulumi.ComponentResource {
  public readonly outputs: AddonsOutputs;
  constructor(name: string, args: AddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("worker-platform:addons:Addons", name, {}, opts);
    // TODO(issue 4)
    void args;
    this.outputs = { keda: [] };
    this.registerOutputs({});
  }
}
