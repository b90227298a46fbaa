import { z } from "zod";
import { SEVERITIES } from "../../../observability/names.ts";
import { dnsLabel, durationOf } from "../common.ts";

/** A Prometheus rule duration (`for`, range selectors): whole units d, h, m, s, largest first. */
export const ruleDuration = durationOf(["d", "h", "m", "s"], "30s, 15m, 1h or 1d", 1);

const enabled = z.boolean().default(true);
/** Backlog factor: queue depth per running replica over the trigger's target per replica. */
const factor = z.number().gt(1).max(1000);
const percent = z.number().min(0).max(100);

/** Thresholds a worker may set for itself (`observability.alerts.workers.<worker>`): no defaults, the stack's apply. */
export const workerAlertOverrides = z.strictObject({
  /** Turn this worker's alerts off, by name (`backlogHigh`, `gpuIdle`, ...). Defaults to none. */
  disabled: z
    .array(
      z.enum(["backlogHigh", "backlogGrowing", "atMaxReplicas", "scalerErrors", "gpuIdle"], {
        error: "must be a per-worker alert: backlogHigh, backlogGrowing, atMaxReplicas, scalerErrors or gpuIdle",
      }),
    )
    .default([]),
  /** Overrides alerts.backlogHigh.factor for this worker. */
  backlogFactor: factor.optional(),
  /** Overrides alerts.backlogHigh.for for this worker. */
  backlogFor: ruleDuration.optional(),
  /** Overrides alerts.atMaxReplicas.for for this worker. */
  atMaxReplicasFor: ruleDuration.optional(),
  /** Overrides alerts.gpuIdle.utilizationPercent for this worker. */
  gpuIdlePercent: percent.optional(),
  /** Overrides alerts.gpuIdle.for for this worker. */
  gpuIdleFor: ruleDuration.optional(),
});
export type WorkerAlertOverrides = z.infer<typeof workerAlertOverrides>;

/** A rule the user writes, loaded beside the platform's (its PromQL is parsed and its metrics checked by the plan). */
export const extraRule = z.strictObject({
  /** Alert name (a Prometheus metric name: letters, digits, `_`, not starting with a digit). */
  alert: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, {
    error: "must be an alert name: letters, digits and _, not starting with a digit (e.g. TranscriberSlow)",
  }),
  /** PromQL; fires while it returns series. */
  expr: z.string().min(1),
  /** How long `expr` must hold before the alert fires. Defaults to 5m. */
  for: ruleDuration.default("5m"),
  /** Routing key of Alertmanager. Defaults to warning. */
  severity: z.enum(SEVERITIES).default("warning"),
  /** One line shown in notifications. Defaults to the alert's name. */
  summary: z.string().min(1).optional(),
});
export type ExtraRule = z.infer<typeof extraRule>;

/**
 * Alert rules generated per cluster into the in-cluster Prometheus (`serverFiles."alerting_rules.yml"`); what each
 * means and what to check first: docs/observability.md. Alerts that cannot work on a cluster (GPU alerts without GPU
 * pools, cluster-autoscaler metrics where the managed autoscaler hides them) are not generated there.
 */
export const alerts = z
  .strictObject({
    /** Generate the platform's alert rules at all. Defaults to true. */
    enabled,
    /** A worker's queue depth per running replica above `factor` × its trigger's target per replica, for `for`. */
    backlogHigh: z
      .strictObject({
        enabled,
        /** Defaults to 3 (more than 1, at most 1000). */
        factor: factor.default(3),
        /** Defaults to 15m. */
        for: ruleDuration.default("15m"),
        /** Defaults to warning. */
        severity: z.enum(SEVERITIES).default("warning"),
      })
      .prefault({}),
    /** A worker's queue above its target and still growing over `for` (a derivative over that window). */
    backlogGrowing: z
      .strictObject({
        enabled,
        /** Defaults to 30m. */
        for: ruleDuration.default("30m"),
      })
      .prefault({}),
    /** A worker at replicas.max for `for` while its queue still grows. */
    atMaxReplicas: z
      .strictObject({
        enabled,
        /** Defaults to 15m. */
        for: ruleDuration.default("15m"),
      })
      .prefault({}),
    /** KEDA cannot read a worker's scaler (errors counted by KEDA) for `for`: the "stuck at zero" case. */
    scalerErrors: z
      .strictObject({
        enabled,
        /** Defaults to 5m. */
        for: ruleDuration.default("5m"),
      })
      .prefault({}),
    /** Pods unschedulable for `for`; GPU pods alerted apart (critical). */
    podsUnschedulable: z
      .strictObject({
        enabled,
        /** Defaults to the cluster's autoscaler.maxNodeProvisionTime (15m unless set): no node came in time. */
        for: ruleDuration.optional(),
      })
      .prefault({}),
    /** Failed cluster-autoscaler scale-ups and node groups in backoff (EKS only: the chart's metrics). */
    clusterAutoscaler: z
      .strictObject({
        enabled,
        /** Defaults to 5m. */
        for: ruleDuration.default("5m"),
      })
      .prefault({}),
    /** Nodes of a spot pool interrupted (not ready, or gone without the cluster autoscaler's removal taint). */
    spotInterruption: z.strictObject({ enabled }).prefault({}),
    /** GPUs held by a worker's pods but used under `utilizationPercent` on average for `for`. */
    gpuIdle: z
      .strictObject({
        enabled,
        /** Defaults to 10 (0 to 100). */
        utilizationPercent: percent.default(10),
        /** Defaults to 1h. */
        for: ruleDuration.default("1h"),
      })
      .prefault({}),
    /** A platform component (KEDA operator and metrics server, adapter, DCGM exporter, kube-state-metrics, Prometheus) down for `for`. */
    componentDown: z
      .strictObject({
        enabled,
        /** Defaults to 5m. */
        for: ruleDuration.default("5m"),
      })
      .prefault({}),
    /** Per-worker thresholds and switches, by worker name. Defaults to none. */
    workers: z.record(dnsLabel, workerAlertOverrides).default({}),
    /** Alert rules of your own, in the group `user` of every cluster with the in-cluster Prometheus. Defaults to none. */
    extraRules: z.array(extraRule).default([]),
  })
  .prefault({});
export type AlertsConfig = z.infer<typeof alerts>;
