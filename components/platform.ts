import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../stacks/schema/index.ts";
import { Addons } from "./addons/index.ts";
import { createCluster } from "./cluster/index.ts";
import { Workloads } from "./workloads/index.ts";
import type { Reach } from "./addons/index.ts";
import { targetClusters } from "../stacks/schema/checks/workloads.ts";
import { workloadsNamespace } from "./workloads/common.ts";

export interface PlatformArgs {
  /** The validated stack configuration (stacks/load.ts). */
  config: StackConfig;
}

/** The whole platform of a stack: config → clusters → add-ons → workloads, one chain per cluster. */
export class Platform extends pulumi.ComponentResource {
  /** Per cluster: its kubeconfig (secret) and the pools it offers. */
  public readonly clusters: Record<
    string,
    {
      cloud: string;
      kubeconfig: pulumi.Output<string>;
      pools: Record<string, unknown>[];
      /** How to reach Grafana and Alertmanager, where installed (Service and port-forward command). */
      reach?: { grafana?: Reach; alertmanager?: Reach };
    }
  > = {};

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("worker-platform:platform:Platform", name, {}, opts);
    const { config } = args;
    for (const clusterConfig of config.clusters) {
      const cluster = createCluster(clusterConfig, config, { parent: this });
      const dashboards = config.observability.grafana.dashboards;
      const listed = dashboards.workers;
      const addons = new Addons(
        clusterConfig.name,
        {
          cluster,
          config: config.addons,
          production: config.platform.production,
          observability: {
            alertmanager: config.observability.alertmanager,
            dashboards: {
              namespace: workloadsNamespace(config),
              workers: config.workers
                .filter((w) => targetClusters(config, w.clusters).some((c) => c.name === clusterConfig.name))
                .filter((w) => !listed || listed.includes(w.name))
                .map((w) => ({ name: w.name, mode: w.mode, gpu: w.gpu !== undefined })),
              fleet: dashboards.fleet,
              capacity: dashboards.capacity,
              cost: dashboards.cost,
            },
          },
        },
        { parent: this },
      );
      new Workloads(clusterConfig.name, { cluster, addons: addons.outputs, config }, { parent: this });
      this.clusters[cluster.name] = {
        cloud: cluster.cloud,
        kubeconfig: pulumi.secret(cluster.kubeconfig),
        pools: cluster.pools.map((p) => ({
          name: p.name,
          gpu: p.gpu?.count ?? 0,
          spot: p.spot,
          min: p.min,
          max: p.max,
          gpuCapacity: p.gpuCapacity,
        })),
        ...(addons.reach.grafana || addons.reach.alertmanager ? { reach: addons.reach } : {}),
      };
    }
    this.registerOutputs({ clusters: this.clusters });
  }
}
