import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Dashboard } from "../../observability/dashboards/index.ts";
import { DATASOURCE_UID } from "../../observability/dashboards/index.ts";
import type { ClusterHandle } from "../cluster/handle.ts";
import type { HelmAddon, Values } from "./helm-addon.ts";
import { prometheusUrl } from "./prometheus.ts";
import { systemPlacement } from "./scheduling.ts";

export const GRAFANA_ADMIN_SECRET = "grafana-admin";
export const GRAFANA_DASHBOARDS_CONFIG_MAP = "grafana-dashboards";
/** Login of the generated admin (the chart's default `admin` is the first name anyone tries). */
export const GRAFANA_ADMIN_USER = "platform-admin";
/** Dashboard provider of the generated dashboards; the chart mounts its ConfigMap at /var/lib/grafana/dashboards/<name>. */
const PROVIDER = "worker-platform";
/** The chart's Service: the release name (it contains the chart's name, grafana _helpers.tpl fullname), port 80. */
export const GRAFANA_SERVICE = { name: "grafana", port: 80 };

/** What the Grafana add-on's values need besides the config: the objects created before the chart. */
export interface GrafanaEnv {
  adminSecret: string;
  dashboardsConfigMap: string;
}

/**
 * Grafana (grafana-community/helm-charts `grafana` chart; keys from charts/grafana/values.yaml at grafana-12.11.1):
 * - admin credentials from a Secret the program generates (`admin.existingSecret`), never in values;
 * - Prometheus as the provisioned default data source (`datasources`), uid `prometheus`, which every panel names;
 * - dashboards from a ConfigMap the program writes (`dashboardsConfigMaps` + `dashboardProviders`): mounted as a
 *   volume, no sidecar and no download init container (the chart adds `download-dashboards`, a curl image, whenever
 *   `dashboards` is set), so nothing needs internet access from the cluster, and no Helm hook (helm.v4.Chart drops
 *   them: the chart's test pod is off);
 * - anonymous access off, or Viewer at most (`grafana.ini` auth.anonymous);
 * - Pod Security "restricted": the chart's defaults already run as 472 non-root with no privilege escalation, ALL
 *   capabilities dropped and RuntimeDefault seccomp on the container (values.yaml `securityContext`,
 *   `containerSecurityContext`); `initChownData` (root, CHOWN) is off: fsGroup 472 gives the volume to Grafana.
 */
export const grafana: HelmAddon<"grafana"> = {
  key: "grafana",
  release: "grafana",
  podSecurity: "restricted",
  applies: (_cluster, config) => prometheusUrl(config) !== undefined,
  values(cluster, config, env) {
    const cfg = config.grafana;
    const g = env.grafana ?? { adminSecret: GRAFANA_ADMIN_SECRET, dashboardsConfigMap: GRAFANA_DASHBOARDS_CONFIG_MAP };
    const { nodeSelector, tolerations } = systemPlacement(cluster);
    const values: Values = {
      admin: { existingSecret: g.adminSecret, userKey: "admin-user", passwordKey: "admin-password" },
      datasources: {
        "datasources.yaml": {
          apiVersion: 1,
          datasources: [
            {
              name: "Prometheus",
              type: "prometheus",
              uid: DATASOURCE_UID,
              url: prometheusUrl(config),
              access: "proxy",
              isDefault: true,
              editable: false,
            },
          ],
        },
      },
      dashboardProviders: {
        "dashboardproviders.yaml": {
          apiVersion: 1,
          providers: [
            {
              name: PROVIDER,
              orgId: 1,
              folder: "Worker platform",
              type: "file",
              disableDeletion: true,
              allowUiUpdates: false,
              editable: false,
              options: { path: `/var/lib/grafana/dashboards/${PROVIDER}` },
            },
          ],
        },
      },
      dashboardsConfigMaps: { [PROVIDER]: g.dashboardsConfigMap },
      "grafana.ini": {
        "auth.anonymous": cfg.anonymousViewer ? { enabled: true, org_role: "Viewer" } : { enabled: false },
        users: { allow_sign_up: false },
        // No calls home from the cluster.
        analytics: { check_for_updates: false, check_for_plugin_updates: false, reporting_enabled: false },
      },
      persistence: { enabled: cfg.persistence.enabled, type: "pvc", size: cfg.persistence.size },
      // The chart's default RollingUpdate starts the new pod before the old one releases the ReadWriteOnce volume:
      // on another node it never attaches (Multi-Attach) and the rollout hangs (values.yaml `deploymentStrategy` at
      // grafana-12.11.1; grafana/helm-charts#146).
      ...(cfg.persistence.enabled ? { deploymentStrategy: { type: "Recreate" } } : {}),
      initChownData: { enabled: false },
      testFramework: { enabled: false },
      securityContext: { seccompProfile: { type: "RuntimeDefault" } },
      nodeSelector,
      tolerations,
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
    };
    return values;
  },
};

export interface GrafanaObjectsArgs {
  cluster: ClusterHandle;
  namespace: string;
  dashboards: Dashboard[];
  dependsOn: pulumi.Resource[];
}

/** The admin Secret (a generated password kept in state) and the dashboards' ConfigMap, created before the chart. */
export class GrafanaObjects extends pulumi.ComponentResource {
  public readonly env: GrafanaEnv = {
    adminSecret: GRAFANA_ADMIN_SECRET,
    dashboardsConfigMap: GRAFANA_DASHBOARDS_CONFIG_MAP,
  };
  public readonly resources: pulumi.Resource[];

  constructor(name: string, args: GrafanaObjectsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("worker-platform:observability:GrafanaObjects", name, {}, opts);
    const { cluster, namespace } = args;
    const k8sOpts = { parent: this, provider: cluster.provider, dependsOn: args.dependsOn };
    const labels = { "app.kubernetes.io/managed-by": "worker-platform", "app.kubernetes.io/part-of": "grafana" };
    const password = new random.RandomPassword(
      `${cluster.name}-grafana-admin`,
      { length: 32, special: false },
      { parent: this, additionalSecretOutputs: ["result"] },
    );
    const secret = new k8s.core.v1.Secret(
      `${cluster.name}-${GRAFANA_ADMIN_SECRET}`,
      {
        metadata: { name: GRAFANA_ADMIN_SECRET, namespace, labels },
        type: "Opaque",
        stringData: pulumi.secret(
          password.result.apply((p): Record<string, string> => ({
            "admin-user": GRAFANA_ADMIN_USER,
            "admin-password": p,
          })),
        ),
      },
      { ...k8sOpts, additionalSecretOutputs: ["data", "stringData"] },
    );
    const dashboards = new k8s.core.v1.ConfigMap(
      `${cluster.name}-${GRAFANA_DASHBOARDS_CONFIG_MAP}`,
      {
        metadata: { name: GRAFANA_DASHBOARDS_CONFIG_MAP, namespace, labels },
        data: Object.fromEntries(args.dashboards.map((d) => [`${d.uid}.json`, JSON.stringify(d, null, 1)])),
      },
      k8sOpts,
    );
    this.resources = [secret, dashboards];
    this.registerOutputs({});
  }
}
