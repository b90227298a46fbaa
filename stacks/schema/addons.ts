import { z } from "zod";
import { CHARTS, ChartName } from "../versions";
import { dnsLabel, quantity } from "./common";

/** Fields every Helm add-on accepts. */
function addon<T extends z.ZodRawShape>(chart: ChartName, namespace: string, extra: T) {
  return z
    .strictObject({
      /** Install this add-on. Defaults to true (where it applies to the cluster). */
      enabled: z.boolean().default(true),
      /** Chart version. Defaults to the pin in stacks/versions.ts. */
      version: z.string().regex(/^[0-9]+\.[0-9]+\.[0-9]+$/, { error: "must be an exact chart version such as 1.2.3" }).default(CHARTS[chart].version),
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
      /** Operator and metrics-server replicas. Defaults to 2 in production (with a PDB), else 1. */
      replicas: z.number().int().min(1).max(5).optional(),
    }),
    metricsServer: addon("metricsServer", "kube-system", {}),
    prometheus: addon("prometheus", "monitoring", {
      /** URL of an external/managed Prometheus to use instead of installing the chart (set enabled: false). */
      externalUrl: z.string().url().optional(),
      /** Defaults to 15d. */
      retention: z.string().regex(/^[0-9]+[dhw]$/).default("15d"),
      /** Persistent volume for the TSDB. Defaults to 50Gi. */
      storageSize: quantity.default("50Gi"),
    }),
    prometheusAdapter: addon("prometheusAdapter", "monitoring", {}),
    nvidiaDevicePlugin: addon("nvidiaDevicePlugin", "nvidia-device-plugin", {}),
    dcgmExporter: addon("dcgmExporter", "monitoring", {}),
    clusterAutoscaler: addon("clusterAutoscaler", "kube-system", {
      /** Image tag. Defaults to the tag matching the cluster's Kubernetes minor (stacks/versions.ts). */
      imageTag: z.string().regex(/^v[0-9]+\.[0-9]+\.[0-9]+$/).optional(),
    }),
  })
  .prefault({});
export type AddonsConfig = z.infer<typeof addons>;
