import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { alertmanagerConfig, receiverSecretKeys, SECRETS_DIR } from "../../observability/alertmanager.ts";
import type { AlertmanagerConfig } from "../../stacks/schema/index.ts";
import type { ClusterHandle } from "../cluster/handle.ts";
import type { Values } from "./helm-addon.ts";
import { systemPlacement } from "./scheduling.ts";

/** Objects the program writes for Alertmanager, next to the Prometheus chart that runs it. */
export const ALERTMANAGER_CONFIG_MAP = "alertmanager-config";
export const ALERTMANAGER_SECRET = "alertmanager-receivers";
const CONFIG_DIR = "/etc/alertmanager-config";
/** The sub-chart's Service: `<release>-alertmanager` (alertmanager chart _helpers.tpl fullname), port 9093. */
export const ALERTMANAGER_SERVICE = { name: "prometheus-alertmanager", port: 9093 };

/**
 * Pod Security "restricted" for the alertmanager sub-chart (kubernetes.io, "Pod Security Standards"): its defaults
 * set the user and group but no seccomp profile and no dropped capabilities (prometheus-community/helm-charts
 * alertmanager-1.42.0 values.yaml `podSecurityContext`, `securityContext`); Helm merges these maps into them. Set
 * whether or not the platform enables Alertmanager, so enabling it through `addons.prometheus.values` stays
 * restricted too.
 */
export const ALERTMANAGER_RESTRICTED: Values = {
  podSecurityContext: { fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
  securityContext: {
    runAsUser: 65534,
    runAsGroup: 65534,
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  },
};

export interface AlertmanagerArgs {
  cluster: ClusterHandle;
  config: AlertmanagerConfig;
  /** Namespace of the Prometheus chart (the sub-chart's pods run there). */
  namespace: string;
  dependsOn: pulumi.Resource[];
}

/**
 * Alertmanager's configuration and credentials, and the sub-chart values that use them:
 * - the receivers' credentials (Pulumi config secrets) in one Kubernetes Secret, mounted read-only into the pod
 *   (sub-chart `extraSecretMounts`, templates/statefulset.yaml) and read by the receivers' `*_file` fields;
 * - alertmanager.yml (paths only, no credential) in a ConfigMap the program owns, so the CrossGuard pack reads it in
 *   both shapes (a helm.v4 Chart's outputs hold no values); the chart's own config is off (`config.enabled: false`)
 *   and `extraArgs["config.file"]` points Alertmanager at the mounted file (the chart adds its own --config.file
 *   only without that key);
 * - a checksum annotation rolls the pod when either changes (Alertmanager does not watch its config file).
 * Prometheus finds the pods itself: with `alertmanager.enabled` the prometheus chart writes `alerting.alertmanagers`
 * with pod discovery of this release's alertmanager pods on port 9093 (prometheus-29.27.0 templates/cm.yaml).
 */
export class Alertmanager extends pulumi.ComponentResource {
  /** The prometheus chart's `alertmanager` values. */
  public readonly values: Values;
  public readonly configMap: k8s.core.v1.ConfigMap;
  public readonly secret?: k8s.core.v1.Secret;

  constructor(name: string, args: AlertmanagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("worker-platform:observability:Alertmanager", name, {}, opts);
    const { cluster, config, namespace } = args;
    const k8sOpts = { parent: this, provider: cluster.provider, dependsOn: args.dependsOn };
    const labels = { "app.kubernetes.io/managed-by": "worker-platform", "app.kubernetes.io/part-of": "alertmanager" };
    const doc = alertmanagerConfig(config);
    // JSON is YAML (a flow mapping), and the pack can read it without a YAML parser.
    const text = JSON.stringify(doc, null, 2);
    this.configMap = new k8s.core.v1.ConfigMap(
      `${cluster.name}-${ALERTMANAGER_CONFIG_MAP}`,
      { metadata: { name: ALERTMANAGER_CONFIG_MAP, namespace, labels }, data: { "alertmanager.yml": text } },
      k8sOpts,
    );
    const keys = receiverSecretKeys(config);
    const pulumiConfig = new pulumi.Config();
    if (Object.keys(keys).length > 0) {
      const values = Object.fromEntries(Object.entries(keys).map(([k, from]) => [k, pulumiConfig.requireSecret(from)]));
      this.secret = new k8s.core.v1.Secret(
        `${cluster.name}-${ALERTMANAGER_SECRET}`,
        {
          metadata: { name: ALERTMANAGER_SECRET, namespace, labels },
          type: "Opaque",
          stringData: pulumi.secret(pulumi.output(values) as pulumi.Output<Record<string, string>>),
        },
        { ...k8sOpts, additionalSecretOutputs: ["data", "stringData"] },
      );
    }
    // The checksum covers the config and which config keys feed the Secret, not the secret values (an annotation is
    // plaintext): rotating a credential takes effect at the next read of its file, no restart needed.
    const checksum = createHash("sha256")
      .update(text + JSON.stringify(keys))
      .digest("hex");
    const { nodeSelector, tolerations } = systemPlacement(cluster);
    this.values = {
      enabled: true,
      ...ALERTMANAGER_RESTRICTED,
      config: { enabled: false },
      extraArgs: { "config.file": `${CONFIG_DIR}/alertmanager.yml` },
      extraVolumes: [{ name: "wp-config", configMap: { name: ALERTMANAGER_CONFIG_MAP } }],
      extraVolumeMounts: [{ name: "wp-config", mountPath: CONFIG_DIR, readOnly: true }],
      extraSecretMounts: this.secret
        ? [{ name: "wp-receivers", secretName: ALERTMANAGER_SECRET, mountPath: SECRETS_DIR, readOnly: true }]
        : [],
      podAnnotations: { "worker-platform/config-checksum": checksum },
      nodeSelector,
      tolerations,
      resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
    };
    this.registerOutputs({ configMap: this.configMap.metadata.name });
  }
}
