import * as pulumi from "@pulumi/pulumi";
import type { AddonsConfig } from "../../stacks/schema/index.ts";
import type { ClusterHandle } from "../cluster/handle.ts";
import { amdDevicePlugin } from "./amd-device-plugin.ts";
import { amdMetricsExporter } from "./amd-metrics-exporter.ts";
import { clusterAutoscaler } from "./cluster-autoscaler.ts";
import { dcgmExporter } from "./dcgm-exporter.ts";
import type { HelmAddon } from "./helm-addon.ts";
import { AddonInstaller } from "./helm-addon.ts";
import { keda } from "./keda.ts";
import { metricsServer } from "./metrics-server.ts";
import { nvidiaDevicePlugin } from "./nvidia-device-plugin.ts";
import { prometheus, prometheusUrl } from "./prometheus.ts";
import { prometheusAdapter } from "./prometheus-adapter.ts";

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
];

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
  /** Release names of the add-ons installed on this cluster, in install order. */
  public readonly installed: string[];
  constructor(name: string, args: AddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("worker-platform:addons:Addons", name, {}, opts);
    const { cluster, config, production } = args;
    const installer = new AddonInstaller({ cluster, config, env: { production }, parent: this });
    const wanted = ADDONS.filter((a) => installer.wanted(a));
    if (config.prometheusAdapter.enabled && !wanted.includes(prometheusAdapter)) {
      void pulumi.log.warn(
        `${cluster.name}: no Prometheus (addons.prometheus disabled, no externalUrl): Prometheus Adapter not installed`,
        this,
      );
    }
    installer.prepareNamespaces(wanted);
    const charts = new Map(wanted.map((a) => [a.key, installer.install(a)]));
    const kedaChart = charts.get("keda");
    this.outputs = { keda: kedaChart ? [kedaChart] : [], prometheusUrl: prometheusUrl(config) };
    this.installed = wanted.map((a) => a.release);
    this.registerOutputs({ prometheusUrl: this.outputs.prometheusUrl, installed: this.installed });
  }
}
