import type { ClusterConfig, StackConfig } from "../../stacks/schema/index.ts";
import { workloadsNamespace } from "../../stacks/namespace.ts";
import { workersOn } from "../rules/common.ts";
import { gpuUtilSignal } from "../rules/common.ts";
import type { DashboardInput } from "./index.ts";

/**
 * What one cluster's dashboards show, from the validated config: the same input for the Grafana add-on (which
 * provisions them) and for the offline PromQL check (which parses every panel's query before anything is registered).
 */
export function dashboardInput(config: StackConfig, cluster: ClusterConfig): DashboardInput {
  const d = config.observability.grafana.dashboards;
  return {
    namespace: workloadsNamespace(config),
    workers: workersOn(cluster, config)
      .filter((w) => !d.workers || d.workers.includes(w.name))
      .map((w) => ({ name: w.name, mode: w.mode, gpu: w.gpu !== undefined, gpuUtil: gpuUtilSignal(cluster, w) })),
    gpuPools: cluster.pools.filter((p) => p.gpu).map((p) => p.name),
    fleet: d.fleet,
    capacity: d.capacity,
    cost: d.cost,
  };
}
