import { z } from "zod";
import { dnsLabel } from "../common.ts";

/** Which dashboards Grafana is provisioned with (observability/dashboards/). */
export const grafanaDashboards = z
  .strictObject({
    /** Fleet overview: every worker's queue depth, desired and ready replicas, jobs per minute, GPU nodes per pool. Defaults to true. */
    fleet: z.boolean().default(true),
    /** Capacity: allocatable vs requested GPUs per pool, warm headroom in use. Defaults to true. */
    capacity: z.boolean().default(true),
    /** Cost: cost per hour per pool and per worker, cost per job (the cost recording rules). Defaults to true. */
    cost: z.boolean().default(true),
    /** Workers that get a per-worker dashboard (each a name under `workers`). Defaults to every worker. */
    workers: z.array(dnsLabel).optional(),
  })
  .prefault({});

export const grafana = z
  .strictObject({
    /** Provisioned dashboards (generated from this config, read-only in Grafana). Used when addons.grafana is enabled. */
    dashboards: grafanaDashboards,
  })
  .prefault({});
export type GrafanaObservabilityConfig = z.infer<typeof grafana>;
