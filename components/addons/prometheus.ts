import { prometheusScrapeTimeout } from "../../stacks/schema/checks/addons.ts";
import type { AddonsConfig } from "../../stacks/schema/index.ts";
import type { HelmAddon } from "./helm-addon.ts";
import { systemPlacement } from "./scheduling.ts";
import { ALERTMANAGER_RESTRICTED } from "./alertmanager.ts";

/** Service of the server: `server.fullnameOverride` pins its name whatever the release is called; port servicePort. */
const SERVER_NAME = "prometheus-server";
const SERVER_PORT = 80;

/** The in-cluster Prometheus URL, or the external one, or undefined (no Prometheus at all). */
export function prometheusUrl(config: AddonsConfig): string | undefined {
  if (config.prometheus.externalUrl) return config.prometheus.externalUrl;
  if (!config.prometheus.enabled) return undefined;
  return `http://${SERVER_NAME}.${config.prometheus.namespace}.svc:${SERVER_PORT}`;
}

/** What Pod Security "restricted" requires of every container (kubernetes.io, "Pod Security Standards"). */
const RESTRICTED_CONTAINER = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };

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
  // kube-state-metrics meets "restricted" with its chart defaults (pod: runAsNonRoot, seccomp RuntimeDefault;
  // container: no privilege escalation, drop ALL: prometheus-community/helm-charts kube-state-metrics-8.4.0
  // values.yaml). The server pod does not (no seccomp, no drop ALL on its two containers), so the values below add
  // what is missing (RESTRICTED_CONTAINER, seccompProfile); its volumes (configMap, PVC) are allowed there.
  // Alertmanager gets the contexts "restricted" needs whether on or off (ALERTMANAGER_RESTRICTED). The sub-charts this
  // add-on turns off need more once `values` enables them: Pushgateway sets no seccomp and drops no capabilities
  // (prometheus-pushgateway-3.8.0 values.yaml: baseline); node-exporter uses hostNetwork, hostPID and a hostPath root
  // mount (prometheus-node-exporter-4.56.1: privileged).
  podSecurity: (config) => {
    const on = (subchart: string) =>
      (config.prometheus.values[subchart] as { enabled?: unknown } | null)?.enabled === true;
    if (on("prometheus-node-exporter")) return "privileged";
    return on("prometheus-pushgateway") ? "baseline" : "restricted";
  },
  applies: (_cluster, config) => !config.prometheus.externalUrl,
  values(cluster, config, env) {
    const { nodeSelector, tolerations } = systemPlacement(cluster);
    const cfg = config.prometheus;
    return {
      server: {
        fullnameOverride: SERVER_NAME,
        service: { servicePort: SERVER_PORT },
        retention: cfg.retention,
        persistentVolume: { enabled: true, size: cfg.storageSize },
        // Chart default is 1m; KEDA prometheus triggers and the adapter act on what was last scraped. The timeout goes
        // with it: the chart's 10s would make Prometheus reject any interval below 10s (stacks/schema/checks/addons.ts).
        global: { scrape_interval: cfg.scrapeInterval, scrape_timeout: prometheusScrapeTimeout(cfg) },
        // Pod Security "restricted": the chart's pod context (runAsUser/runAsGroup/fsGroup 65534, runAsNonRoot) plus
        // seccomp; Helm merges this map into the chart's. Keys: server.securityContext, server.containerSecurityContext
        // (templates/deploy.yaml).
        securityContext: { seccompProfile: { type: "RuntimeDefault" } },
        containerSecurityContext: RESTRICTED_CONTAINER,
        nodeSelector,
        tolerations,
        // Autoscaling reads from it (prometheus triggers, custom metrics): keep it scheduled under pressure.
        priorityClassName: "system-cluster-critical",
        resources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "4Gi" } },
      },
      configmapReload: {
        prometheus: {
          resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
          // The server pod's second container (templates/deploy.yaml, configmapReload.prometheus.containerSecurityContext).
          containerSecurityContext: RESTRICTED_CONTAINER,
        },
      },
      // Alertmanager from observability.alertmanager (components/addons/alertmanager.ts); nothing pushes metrics.
      alertmanager: env.alertmanager ?? { enabled: false, ...ALERTMANAGER_RESTRICTED },
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
        // kube_node_labels with the pool label (label_worker_platform_pool), which the dashboards join GPU series on;
        // none is exported unless allow-listed (kube-state-metrics-8.4.0 values.yaml `metricLabelsAllowlist`).
        metricLabelsAllowlist: ["nodes=[worker-platform/pool]"],
      },
    };
  },
};
