import { z } from "zod";
import { alerts } from "./alerts.ts";
import { cost } from "./cost.ts";

/**
 * Metric names, or prefixes ending in `*`, that the platform does not produce but your workers or external exporters
 * do: PromQL the program writes or you supply (prometheus triggers, extraRules) may name them.
 */
const externalMetric = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*\*?$/, {
  error: "must be a Prometheus metric name, or a prefix ending in *, such as app_queue_depth or app_*",
});

/** Alerts, cost per job and the metrics the offline PromQL check accepts (docs/observability.md). */
export const observability = z
  .strictObject({
    alerts,
    cost,
    /** Metrics (or `prefix*`) produced outside the platform that PromQL may name. Defaults to none. */
    externalMetrics: z.array(externalMetric).default([]),
  })
  .prefault({});
export type ObservabilityConfig = z.infer<typeof observability>;
export * from "./alerts.ts";
export * from "./cost.ts";
