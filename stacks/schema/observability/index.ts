import { z } from "zod";
import { alertmanager } from "./alertmanager.ts";
import { alerts } from "./alerts.ts";
import { cost } from "./cost.ts";
import { grafana } from "./grafana.ts";

/**
 * Metric names, or prefixes ending in `*`, that the platform does not produce but your workers or external exporters
 * do: PromQL the program writes or you supply (prometheus triggers, extraRules) may name them.
 */
const externalMetric = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*\*?$/, {
  error: "must be a Prometheus metric name, or a prefix ending in *, such as app_queue_depth or app_*",
});

/** Alerts, cost per job, Alertmanager and dashboards (docs/observability.md): one sub-schema per concern. */
export const observability = z
  .strictObject({
    alerts,
    cost,
    /** Metrics (or `prefix*`) produced outside the platform that PromQL may name. Defaults to none. */
    externalMetrics: z.array(externalMetric).default([]),
    /** Alertmanager: receivers, routing by severity; inhibition is built in (observability/alertmanager.ts). */
    alertmanager,
    /** What Grafana (addons.grafana) shows: the provisioned dashboards. */
    grafana,
  })
  .prefault({});
export type ObservabilityConfig = z.infer<typeof observability>;

export * from "./alertmanager.ts";
export * from "./alerts.ts";
export * from "./cost.ts";
export * from "./grafana.ts";
