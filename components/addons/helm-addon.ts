import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { AddonsConfig } from "../../stacks/schema/index.ts";
import type { ChartName } from "../../stacks/versions.ts";
import { CHARTS } from "../../stacks/versions.ts";
import type { ClusterHandle } from "../cluster/handle.ts";

export type Values = Record<string, unknown>;

/** Pod Security Admission level a namespace needs for the add-on's pods (kubernetes.io, "Pod Security Standards"). */
export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

/** What an add-on's values may depend on besides the cluster and its own config. */
export interface AddonEnv {
  /** platform.production: HA replicas and PDBs. */
  production: boolean;
  /** The prometheus chart's `alertmanager` values when the platform runs Alertmanager (components/addons/alertmanager.ts). */
  alertmanager?: Values;
  /** Objects Grafana's values name, created before its chart (components/addons/grafana.ts). */
  grafana?: { adminSecret: string; dashboardsConfigMap: string };
}

/** One Helm add-on: a chart from stacks/versions.ts, where it applies, and its values computed from the handle. */
export interface HelmAddon<K extends ChartName = ChartName> {
  /** Key in CHARTS and in the `addons` config. */
  key: K;
  /** Helm release name, fixed (not per cluster) so in-cluster names such as `prometheus-server` are predictable. */
  release: string;
  /** The Pod Security level its pods need; a function where `values` can enable pods that need more. */
  podSecurity: PodSecurityLevel | ((config: AddonsConfig) => PodSecurityLevel);
  /** Whether the add-on belongs on this cluster at all (`enabled: false` in config is checked by the installer). */
  applies(cluster: ClusterHandle, config: AddonsConfig): boolean;
  /** Chart values; the stack's `addons.<key>.values` are deep-merged over them. */
  values(cluster: ClusterHandle, config: AddonsConfig, env: AddonEnv): Values;
}

/** Namespaces that exist on every cluster: never created (nor adopted) by the platform. */
const BUILT_IN_NAMESPACES = new Set(["kube-system", "kube-public", "kube-node-lease", "default"]);
const LEVELS: PodSecurityLevel[] = ["restricted", "baseline", "privileged"];

export interface InstallArgs {
  cluster: ClusterHandle;
  config: AddonsConfig;
  env: AddonEnv;
  parent: pulumi.Resource;
}

/**
 * Installs add-ons with `helm.v4.Chart`, deliberately rather than `helm.v3.Release`:
 * - v4 renders the chart client-side into ordinary Pulumi resources, so `pulumi preview` (and the offline plan) and
 *   the CrossGuard policy pack see every Deployment, DaemonSet and APIService with its resources, priority class and
 *   placement; a Release is one opaque object to policies.
 * - `dependsOn` a v4 Chart waits for all of its children (pulumi/pulumi #7541), e.g. KEDA's CRDs and its webhook
 *   Deployment, which is exactly what ScaledObjects must wait for.
 * - The cost: no `helm ls`/`helm rollback` and no Helm hooks. None of the pinned charts uses hooks (grep of
 *   `helm.sh/hook` in each chart's templates at its pinned tag); Helm `lookup` renders empty client-side, and
 *   metrics-server uses it only with `tls.type: helm`, which is not set here.
 * One Namespace per distinct namespace (Prometheus and the adapter share `monitoring`), labelled with the most
 * permissive Pod Security level any add-on there needs. The privileged DaemonSets (device plugin, DCGM exporter) have
 * namespaces of their own by default, so the level they need does not extend to other add-ons' pods.
 */
export class AddonInstaller {
  private readonly namespaces = new Map<string, k8s.core.v1.Namespace>();

  private readonly args: InstallArgs;

  constructor(args: InstallArgs) {
    this.args = args;
  }

  /** Enabled in config and applicable to this cluster. */
  wanted(addon: HelmAddon): boolean {
    return this.args.config[addon.key].enabled && addon.applies(this.args.cluster, this.args.config);
  }

  /** Creates the namespaces of all the given add-ons first, so a shared one gets the level all of them need. */
  prepareNamespaces(addons: HelmAddon[]): void {
    const levels = new Map<string, PodSecurityLevel>();
    for (const addon of addons) {
      const ns = this.args.config[addon.key].namespace;
      if (BUILT_IN_NAMESPACES.has(ns)) continue;
      const level = podSecurityOf(addon, this.args.config);
      const current = levels.get(ns);
      if (!current || LEVELS.indexOf(level) > LEVELS.indexOf(current)) levels.set(ns, level);
    }
    const { cluster, parent } = this.args;
    for (const [name, level] of levels) {
      const ns = new k8s.core.v1.Namespace(
        `${cluster.name}-ns-${name}`,
        {
          metadata: {
            name,
            labels: { "app.kubernetes.io/managed-by": "pulumi", "pod-security.kubernetes.io/enforce": level },
          },
        },
        { parent, provider: cluster.provider },
      );
      this.namespaces.set(name, ns);
    }
  }

  /** The Namespace resource the installer created for `name`, if it created one. */
  namespaceResource(name: string): k8s.core.v1.Namespace | undefined {
    return this.namespaces.get(name);
  }

  install(addon: HelmAddon, dependsOn: pulumi.Resource[] = []): k8s.helm.v4.Chart {
    const { cluster, config, env, parent } = this.args;
    const own = config[addon.key];
    const chart = CHARTS[addon.key];
    const namespace = this.namespaces.get(own.namespace);
    return new k8s.helm.v4.Chart(
      `${cluster.name}-${addon.release}`,
      {
        chart: chart.chart,
        repositoryOpts: { repo: chart.repo },
        version: own.version,
        name: addon.release,
        namespace: own.namespace,
        values: deepMerge(addon.values(cluster, config, env), own.values),
      },
      // The cluster's explicit provider (there is no default one); wait for node pools so pods can schedule.
      {
        parent,
        provider: cluster.provider,
        dependsOn: [...cluster.ready, ...(namespace ? [namespace] : []), ...dependsOn],
      },
    );
  }
}

/** The Pod Security level an add-on's pods need with this config. */
export function podSecurityOf(addon: HelmAddon, config: AddonsConfig): PodSecurityLevel {
  return typeof addon.podSecurity === "function" ? addon.podSecurity(config) : addon.podSecurity;
}

const isPlainObject = (v: unknown): v is Values => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Helm's own merge semantics for `values` over computed values: maps merge key by key, anything else (lists included)
 * is replaced, and `null` is kept so Helm deletes the chart default under that key.
 */
export function deepMerge(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isPlainObject(value) && isPlainObject(out[key]) ? deepMerge(out[key], value) : value;
  }
  return out;
}
