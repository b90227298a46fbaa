import { z } from "zod";
import { alertmanager } from "./alertmanager.ts";
import { grafana } from "./grafana.ts";

/** Alerting and dashboards: one sub-schema per concern, each in its own file. */
export const observability = z
  .strictObject({
    /** Alertmanager: receivers, routing by severity; inhibition is built in (observability/alertmanager.ts). */
    alertmanager,
    /** What Grafana (addons.grafana) shows: the provisioned dashboards. */
    grafana,
  })
  .prefault({});
export type ObservabilityConfig = z.infer<typeof observability>;

export * from "./alertmanager.ts";
export * from "./grafana.ts";
