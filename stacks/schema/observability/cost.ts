import { z } from "zod";
import { dnsLabel } from "../common.ts";

const metricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, {
  error: "must be a Prometheus metric name such as worker_jobs_completed_total",
});

/**
 * Cost per job as recording rules (observability/names.ts RECORDS): node-hours per pool × the pool's price per hour
 * (pools[].pricePerHour, else stacks/prices.ts), shared among the workers on the pool by their requests, ÷ jobs
 * completed. Job-mode workers count completed Jobs (kube-state-metrics); deployment workers need a counter of their
 * own (`workers.<worker>.jobsCompletedMetric`), without which their cost per job is not recorded.
 */
export const cost = z
  .strictObject({
    /** Generate the cost recording rules. Defaults to true. */
    enabled: z.boolean().default(true),
    /** Per deployment-mode worker, by name. Defaults to none. */
    workers: z
      .record(
        dnsLabel,
        z.strictObject({
          /**
           * A counter the worker's pods expose, increased once per completed job (e.g. worker_jobs_completed_total),
           * scraped through `prometheus.io/scrape` (workers[].metrics).
           */
          jobsCompletedMetric: metricName,
        }),
      )
      .default({}),
  })
  .prefault({});
export type CostConfig = z.infer<typeof cost>;
export { metricName };
