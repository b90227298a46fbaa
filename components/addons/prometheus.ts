import type { AddonsConfig } from "../../stacks/schema/index.ts";
import type { HelmAddon } from "./helm-addon.ts";
import { systemPlacement } from "./scheduling.ts";

/** Service of the server: `server.fullnameOverride` pins its name whatever the release is called; port servicePort. */
const SERVER_NAME = "prometheus-server";
const SERVER_PORT = 80;

/** The in-cluster Prometheus URL, or the external one, or undefined (no Prometheus at all). */
export function prometheusUrl(config: AddonsConfig): string | undefined {
  if (config.prometheus.externalUrl) return config.prometheus.externalUrl;
  if (!config.prometheus.enabled) return undefined;
  return `http://${SERVER_NAME}.${config.prometheus.namespace}.svc:${SERVER_PORT}`;
}

/**
 * Prometheus (prometheus-community `prometheus` chart), unless an external one is configured. Discovery is
 * annotation-based only (`prometheus.io/scrape` on pods and services: the chart's default kubernetes-pods and
 * kubernetes-service-endpoints jobs, both `honor_labels: true`, so DCGM's own pod/namespace labels win), which needs
 * no Prometheus Operator CRDs. Keys: prometheus-community/helm-charts charts/prometheus/values.yaml at
 * prometheus-29.27.0; sub-chart kube-state-metrics 8.4.x values.yaml.
 */
export const prometheus: HelmAddon<"prometheus"> = {
  key: "prometheus",
  release: "prometheus",
  // Server and kube-state-metrics run as non-root but do not set every restricted field (seccomp, drop ALL).
  podSecurity: "baseline",
  applies: (_cluster, config) => !config.prometheus.externalUrl,
  values(cluster, config) {
    const { nodeSelector, tolerations } = systemPlacement(cluster);
    const cfg = config.prometheus;
    return {
      server: {
        fullnameOverride: SERVER_NAME,
        service: { servicePort: SERVER_PORT },
        retention: cfg.retention,
        persistentVolume: { enabled: true, size: cfg.storageSize },
        // Chart default is 1m; KEDA prometheus triggers and the adapter act on what was last scraped.
        global: { scrape_interval: cfg.scrapeInterval },
        nodeSelector,
        tolerations,
        // Autoscaling reads from it (prometheus triggers, custom metrics): keep it scheduled under pressure.
        priorityClassName: "system-cluster-critical",
        resources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "4Gi" } },
      },
      configmapReload: {
        prometheus: { resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } } },
      },
      // Not part of the scaling path: alerting is out of scope and nothing pushes metrics. Enable through values.
      alertmanager: { enabled: false },
      "prometheus-pushgateway": { enabled: false },
      // Host metrics are not needed for scaling, and a DaemonSet on every (GPU, spot) node slows their start-up.
      "prometheus-node-exporter": { enabled: false },
      // Object state (replicas, pending pods) shows what the autoscalers did; its Service carries prometheus.io/scrape.
      "kube-state-metrics": {
        enabled: true,
        nodeSelector,
        tolerations,
        // Sub-chart key (prometheus-community/kube-state-metrics values.yaml `priorityClassName`).
        priorityClassName: "system-cluster-critical",
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
      },
    };
  },
};
