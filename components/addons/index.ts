import * as pulumi from "@pulumi/pulumi";
import type { AddonsConfig } from "../../stacks/schema/index.ts";
import type { ClusterHandle } from "../cluster/handle.ts";
import type { PrometheusRuleFiles } from "../../observability/rules/index.ts";
import { amdDevicePlugin } from "./amd-device-plugin.ts";
import { amdMetricsExporter } from "./amd-metrics-exporter.ts";
import { clusterAutoscaler } from "./cluster-autoscaler.ts";
import { dcgmExporter } from "./dcgm-exporter.ts";
import type { AddonEnv, HelmAddon } from "./helm-addon.ts";
import { AddonInstaller } from "./helm-addon.ts";
import { keda } from "./keda.ts";
import { metricsServer } from "./metrics-server.ts";
import { efsCsiDriver } from "./efs-csi-driver.ts";
import { nvidiaDevicePlugin } from "./nvidia-device-plugin.ts";
import { prometheus, prometheusUrl } from "./prometheus.ts";
import { prometheusAdapter } from "./prometheus-adapter.ts";
import { Alertmanager, ALERTMANAGER_SERVICE } from "./alertmanager.ts";
import { grafana, GrafanaObjects, GRAFANA_SERVICE } from "./grafana.ts";
import type { DashboardInput } from "../../observability/dashboards/index.ts";
import { generateDashboards } from "../../observability/dashboards/index.ts";
import type { AlertmanagerConfig } from "../../stacks/schema/index.ts";

/** Every add-on the platform knows, in install order. Adding one = one file + one entry here. */
export const ADDONS: HelmAddon[] = [
  keda,
  metricsServer,
  prometheus,
  prometheusAdapter,
  nvidiaDevicePlugin,
  dcgmExporter,
  amdDevicePlugin,
  amdMetricsExporter,
  clusterAutoscaler,
  grafana,
  efsCsiDriver,
];

/** What workloads need from the add-ons of their cluster. */
export interface AddonsOutputs {
  /** Resources that KEDA objects (ScaledObject, ScaledJob, TriggerAuthentication) must depend on: KEDA's chart. */
  keda: pulumi.Resource[];
  /** In-cluster URL of Prometheus (or the external one), for prometheus triggers; undefined when there is none. */
  prometheusUrl?: string;
}

/** How to reach an in-cluster UI: its Service and the port-forward command. */
export interface Reach {
  namespace: string;
  service: string;
  port: number;
  portForward: string;
}

const reach = (namespace: string, service: string, port: number, local: number): Reach => ({
  namespace,
  service,
  port,
  portForward: `kubectl -n ${namespace} port-forward svc/${service} ${local}:${port}`,
});

export interface AddonsArgs {
  cluster: ClusterHandle;
  config: AddonsConfig;
  /** Production posture: HA replicas and PDBs. */
  production: boolean;
  /** Alertmanager's config and what Grafana's dashboards show (observability/dashboards/input.ts). */
  observability?: {
    alertmanager: AlertmanagerConfig;
    dashboards: Omit<DashboardInput, "gpuPools"> & { gpuPools?: string[] };
  };
  /** The cluster's alert and recording rules for the in-cluster Prometheus. Defaults to none. */
  rules?: PrometheusRuleFiles;
}

/** The Helm add-ons of one cluster. */
export class Addons extends pulumi.ComponentResource {
  public readonly outputs: AddonsOutputs;
  /** Release names of the add-ons installed on this cluster, in install order. */
  public readonly installed: string[];
  /** Grafana and Alertmanager where installed. */
  public readonly reach: { grafana?: Reach; alertmanager?: Reach } = {};
  constructor(name: string, args: AddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("worker-platform:addons:Addons", name, {}, opts);
    const { cluster, config, production, rules } = args;
    const env: AddonEnv = { production, rules };
    const installer = new AddonInstaller({ cluster, config, env, parent: this });
    const wanted = ADDONS.filter((a) => installer.wanted(a));
    if (config.prometheusAdapter.enabled && !wanted.includes(prometheusAdapter)) {
      void pulumi.log.warn(
        `${cluster.name}: no Prometheus (addons.prometheus disabled, no externalUrl): Prometheus Adapter not installed`,
        this,
      );
    }
    installer.prepareNamespaces(wanted);
    const extraDeps = new Map<string, pulumi.Resource[]>();
    const nsDeps = (ns: string) => {
      const r = installer.namespaceResource(ns);
      return [...cluster.ready, ...(r ? [r] : [])];
    };
    const obs = args.observability;
    if (obs?.alertmanager.enabled && wanted.includes(prometheus)) {
      const ns = config.prometheus.namespace;
      const am = new Alertmanager(
        `${cluster.name}-alertmanager`,
        { cluster, config: obs.alertmanager, namespace: ns, dependsOn: nsDeps(ns) },
        { parent: this },
      );
      env.alertmanager = am.values;
      extraDeps.set("prometheus", [am.configMap, ...(am.secret ? [am.secret] : [])]);
      this.reach.alertmanager = reach(ns, ALERTMANAGER_SERVICE.name, ALERTMANAGER_SERVICE.port, 9093);
    }
    if (wanted.includes(grafana)) {
      const ns = config.grafana.namespace;
      const dashboards = generateDashboards({
        namespace: obs?.dashboards.namespace ?? "default",
        workers: obs?.dashboards.workers ?? [],
        fleet: obs?.dashboards.fleet ?? true,
        capacity: obs?.dashboards.capacity ?? true,
        cost: obs?.dashboards.cost ?? true,
        gpuPools: obs?.dashboards.gpuPools ?? cluster.pools.filter((p) => p.gpu).map((p) => p.name),
      });
      const objects = new GrafanaObjects(
        `${cluster.name}-grafana`,
        { cluster, namespace: ns, dashboards, dependsOn: nsDeps(ns) },
        { parent: this },
      );
      env.grafana = objects.env;
      extraDeps.set("grafana", objects.resources);
      this.reach.grafana = reach(ns, GRAFANA_SERVICE.name, GRAFANA_SERVICE.port, 3000);
    }
    const charts = new Map(wanted.map((a) => [a.key, installer.install(a, extraDeps.get(a.key))]));
    const kedaChart = charts.get("keda");
    this.outputs = { keda: kedaChart ? [kedaChart] : [], prometheusUrl: prometheusUrl(config) };
    this.installed = wanted.map((a) => a.release);
    this.registerOutputs({ prometheusUrl: this.outputs.prometheusUrl, installed: this.installed, reach: this.reach });
  }
}
