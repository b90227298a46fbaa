import { z } from "zod";
import type { ChartName } from "../versions.ts";
import { CHARTS } from "../versions.ts";
import { byteQuantity, dnsLabel, durationOf, httpUrl } from "./common.ts";

/** Fields every Helm add-on accepts. */
function addon<T extends z.ZodRawShape>(chart: ChartName, namespace: string, extra: T) {
  return z
    .strictObject({
      /** Install this add-on. Defaults to true (where it applies to the cluster). */
      enabled: z.boolean().default(true),
      /** Chart version. Defaults to the pin in stacks/versions.ts. */
      version: z
        .string()
        // A leading v only where the chart's versions have one (device-metrics-exporter-charts v1.5.1).
        .regex(CHARTS[chart].version.startsWith("v") ? /^v[0-9]+\.[0-9]+\.[0-9]+$/ : /^[0-9]+\.[0-9]+\.[0-9]+$/, {
          error: `must be an exact chart version such as ${CHARTS[chart].version}`,
        })
        .default(CHARTS[chart].version),
      /** Namespace. */
      namespace: dnsLabel.default(namespace),
      /** Extra chart values, deep-merged over the computed ones (last word). Defaults to none. */
      values: z.record(z.string(), z.unknown()).default({}),
      ...extra,
    })
    .prefault({} as never); // every field has a default; `never` because TS cannot see that through the generic
}

export const addons = z
  .strictObject({
    keda: addon("keda", "keda", {
      /** Operator, metrics API server and webhook replicas. Defaults to 2 with platform.production (and a PDB), else 1. */
      replicas: z.number().int().min(1).max(5).optional(),
    }),
    metricsServer: addon("metricsServer", "kube-system", {}),
    prometheus: addon("prometheus", "monitoring", {
      /** URL of an external/managed Prometheus to use instead of the chart; when set the chart is not installed. */
      externalUrl: httpUrl.optional(),
      /** Default scrape interval of the in-cluster Prometheus (chart default 1m is slow for autoscaling). Defaults to 15s. */
      scrapeInterval: durationOf(["m", "s"], "15s, 1m or 1m30s", 1).default("15s"),
      /**
       * Default scrape timeout of the in-cluster Prometheus; at most scrapeInterval (Prometheus rejects a longer one).
       * Defaults to the chart's 10s, or to scrapeInterval when that is shorter.
       */
      scrapeTimeout: durationOf(["m", "s"], "10s, 1m or 1m30s", 1).optional(),
      /** Defaults to 15d. */
      retention: durationOf(["w", "d", "h"], "15d, 12h or 2w", 1).default("15d"),
      /** Persistent volume for the TSDB. Defaults to 50Gi. */
      storageSize: byteQuantity.default("50Gi"),
    }),
    prometheusAdapter: addon("prometheusAdapter", "monitoring", {
      /**
       * Prefix of the worker metrics exposed as per-pod custom metrics (gauges as-is, `<prefix>x_total` counters as
       * `<prefix>x_per_second`); DCGM GPU metrics are always exposed. Defaults to worker_.
       */
      workerMetricPrefix: z
        .string()
        .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { error: "must be a Prometheus metric name prefix such as worker_" })
        .default("worker_"),
    }),
    nvidiaDevicePlugin: addon("nvidiaDevicePlugin", "nvidia-device-plugin", {}),
    // Its own namespace: it needs Pod Security privileged (root, SYS_ADMIN, hostPath), which would otherwise apply to
    // every pod of a namespace it shared (Prometheus, the adapter).
    dcgmExporter: addon("dcgmExporter", "dcgm-exporter", {}),
    // EKS only, and only where a workload mounts a ReadWriteMany claim of the default class (docs/workloads.md).
    efsCsiDriver: addon("efsCsiDriver", "kube-system", {}),
    // AMD GPU pools only (components/addons/amd-*.ts); each in its own namespace, like the DCGM exporter: both need
    // Pod Security privileged (hostPath volumes; the exporter runs privileged).
    amdDevicePlugin: addon("amdDevicePlugin", "amd-device-plugin", {}),
    amdMetricsExporter: addon("amdMetricsExporter", "amd-metrics-exporter", {}),
    clusterAutoscaler: addon("clusterAutoscaler", "kube-system", {
      /** Image tag. Defaults to the tag matching the cluster's Kubernetes minor (stacks/versions.ts). */
      imageTag: z
        .string()
        .regex(/^v[0-9]+\.[0-9]+\.[0-9]+$/, { error: "must be an image tag such as v1.34.5" })
        .optional(),
    }),
    // In `monitoring` with Prometheus: it meets Pod Security "restricted" (components/addons/grafana.ts).
    grafana: addon("grafana", "monitoring", {
      /** Install Grafana, with Prometheus as its data source and the dashboards of observability.grafana. Defaults to false. */
      enabled: z.boolean().default(false),
      /**
       * Keep Grafana's database (users, preferences, dashboards saved in the UI) on a persistent volume. Provisioned
       * dashboards, the data source and the admin password come from config either way. Defaults to false.
       */
      persistence: z
        .strictObject({
          enabled: z.boolean().default(false),
          /** Defaults to 5Gi. */
          size: byteQuantity.default("5Gi"),
        })
        .prefault({}),
      /** Let visitors who are not logged in view dashboards (Viewer role, never Editor or Admin). Defaults to false. */
      anonymousViewer: z.boolean().default(false),
    }),
  })
  .prefault({});
export type AddonsConfig = z.infer<typeof addons>;
