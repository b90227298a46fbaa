import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ExistingClusterConfig } from "../../stacks/schema/index.ts";
import type { ClusterHandle } from "./handle.ts";
import { dedupeTaints, poolHandle } from "./pools.ts";

export interface ExistingClusterArgs {
  /** The validated `clusters[]` entry (cloud: existing). */
  config: ExistingClusterConfig;
}

/**
 * A cluster the platform does not create (kind, k3d, minikube, a shared cluster): only a Kubernetes provider for the
 * configured kubeconfig and context, and the pools the config declares. No cloud resource, no autoscaler.
 */
export class ExistingCluster extends pulumi.ComponentResource {
  public readonly handle: ClusterHandle;

  constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("worker-platform:cluster:ExistingCluster", name, {}, opts);
    const cfg = args.config;
    const { kubeconfigPath, context, hasMetricsServer } = cfg.existing;

    // The provider takes a path or the file's contents; without a path it reads KUBECONFIG (or ~/.kube/config) the
    // way kubectl does. Named exactly after the cluster, as the policy pack expects (policy/rules/lib/model.ts).
    const provider = new k8s.Provider(
      cfg.name,
      { ...(kubeconfigPath ? { kubeconfig: kubeconfigPath } : {}), context, enableServerSideApply: true },
      { parent: this },
    );

    // Declared pools: the platform labels nothing here, so a pool's selector is exactly the labels its nodes already
    // carry (empty: any node), and its taints are the configured ones.
    const pools = cfg.pools.map((pool) => poolHandle(pool, { ...pool.labels }, dedupeTaints(pool.taints)));

    // Not the kubeconfig's contents (they live outside the program): where it comes from, kept secret like the
    // other clusters' kubeconfig outputs.
    const kubeconfig = pulumi.secret(`${kubeconfigPath ?? "(from KUBECONFIG)"}#${context}`);

    this.handle = {
      name: cfg.name,
      cloud: "existing",
      provider,
      pools,
      kubeconfig,
      ready: [],
      hasMetricsServer,
      autoscaler: cfg.autoscaler,
    };
    this.registerOutputs({ kubeconfig, pools: pools.map((p) => p.name) });
  }
}
