import { z } from "zod";

/**
 * Scaling behaviour, profiles, fallback and scaling modifiers of workers (KEDA) and services (HPA).
 *
 * The HPA rules follow the autoscaling/v2 API's validation (kubernetes pkg/apis/autoscaling/validation/validation.go
 * `validateScalingRules`/`validateScalingPolicy`): periodSeconds 1..1800 (MaxPeriodSeconds), stabilizationWindowSeconds
 * 0..3600 (MaxStabilizationWindowSeconds; above it KEDA's operator also fails, kedacore/keda #4976), value > 0,
 * selectPolicy Max | Min | Disabled, and at least one policy once the API has filled in its defaults: an omitted
 * `policies` gets the defaults (pkg/apis/autoscaling/v2/defaults.go), an explicit empty list is rejected. So an empty
 * list is accepted here only with selectPolicy Disabled, and then omitted from the object (the API's defaults fill it,
 * and Disabled ignores them).
 */

export const SELECT_POLICIES = ["Max", "Min", "Disabled"] as const;
export type SelectPolicy = (typeof SELECT_POLICIES)[number];

export const scalingPolicy = z.strictObject({
  /** Pods: a number of pods; Percent: a percentage of the current replicas. */
  type: z.enum(["Pods", "Percent"]),
  /** Most pods (or percent) added/removed within one period; > 0. */
  value: z.number().int().min(1),
  /** Length of the sliding window the limit applies to, 1 to 1800 s (the HPA API's range). */
  periodSeconds: z.number().int().min(1).max(1800),
});
export type ScalingPolicy = z.infer<typeof scalingPolicy>;

/** One direction (scaleUp or scaleDown) of an HPA's behaviour, as written in config. */
export const scalingRules = z.strictObject({
  /**
   * Seconds of past recommendations the HPA considers (up: the lowest, down: the highest), 0 to 3600. Defaults to
   * the scaling profile's, else for workers 0 (up) and 300 (down), for services the HPA's own (the same values).
   */
  stabilizationWindowSeconds: z.number().int().min(0).max(3600).optional(),
  /**
   * Which policy wins when several allow different changes: Max (the largest change), Min (the smallest), Disabled
   * (no scaling in this direction). Defaults to the scaling profile's, else the HPA's (Max).
   */
  selectPolicy: z.enum(SELECT_POLICIES).optional(),
  /**
   * Rate limits, each `{type: Pods | Percent, value, periodSeconds}`. An empty list only with selectPolicy Disabled.
   * Defaults to the scaling profile's, else the HPA's (up: 4 pods or 100 % per 15 s; down: 100 % per 15 s).
   */
  policies: z.array(scalingPolicy).optional(),
  /** Short form of one `{type: Pods, value, periodSeconds: 15}` policy; not together with `policies`. */
  podsPer15s: z.number().int().min(1).optional(),
  /** Short form of one `{type: Percent, value, periodSeconds: 15}` policy; not together with `policies`. */
  percentPer15s: z.number().int().min(1).optional(),
});
export type ScalingRulesInput = z.infer<typeof scalingRules>;

/** One direction of a behaviour once profile and defaults are applied; what components/workloads renders. */
export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: SelectPolicy;
  policies?: ScalingPolicy[];
}

export const PROFILE_NAMES = ["responsive", "balanced", "conservative", "cost-optimized"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export const scalingProfile = z.enum(PROFILE_NAMES, {
  error: `must be one of ${PROFILE_NAMES.join(", ")} (presets in stacks/schema/scaling.ts, docs/workloads.md)`,
});

/** A scaling preset: KEDA polling and cooldown (workers only) and HPA behaviour (workers and services). */
export interface ScalingProfile {
  /** What it is for, one line (docs/workloads.md). */
  purpose: string;
  pollingInterval: number;
  cooldownPeriod: number;
  scaleUp: Required<ScalingRules>;
  scaleDown: Required<ScalingRules>;
}

const pods = (value: number, periodSeconds: number): ScalingPolicy => ({ type: "Pods", value, periodSeconds });
const percent = (value: number, periodSeconds: number): ScalingPolicy => ({ type: "Percent", value, periodSeconds });

/**
 * The scaling profiles (`scalingProfile: <name>`). Every field a profile sets can still be set on the worker or
 * service, which wins field by field (per direction: stabilizationWindowSeconds, selectPolicy, policies). The HPA
 * syncs every 15 s, so it acts on a policy at most once per sync; KEDA polls every pollingInterval for 0 <-> 1.
 */
export const SCALING_PROFILES: Record<ProfileName, ScalingProfile> = {
  responsive: {
    purpose: "latency first: wake within seconds, double every sync, give capacity back after two quiet minutes",
    pollingInterval: 5,
    cooldownPeriod: 120,
    scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: "Max", policies: [percent(100, 15), pods(8, 15)] },
    scaleDown: { stabilizationWindowSeconds: 120, selectPolicy: "Max", policies: [percent(50, 30)] },
  },
  balanced: {
    purpose: "the HPA's own scale-up, a gentler scale-down (half the pods per minute after 5 quiet minutes)",
    pollingInterval: 15,
    cooldownPeriod: 300,
    scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: "Max", policies: [pods(4, 15), percent(100, 15)] },
    scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: "Max", policies: [percent(50, 60)] },
  },
  conservative: {
    purpose:
      "stable fleets and expensive start-ups (GPU, model loads): add 2 pods a minute, remove the smaller of 1 pod or 10 % every 2 minutes after 15 quiet minutes",
    pollingInterval: 30,
    cooldownPeriod: 600,
    scaleUp: { stabilizationWindowSeconds: 60, selectPolicy: "Max", policies: [pods(2, 60)] },
    scaleDown: { stabilizationWindowSeconds: 900, selectPolicy: "Min", policies: [pods(1, 120), percent(10, 120)] },
  },
  "cost-optimized": {
    purpose:
      "batch work that tolerates waiting: scale up at most double per minute, release everything after a quiet minute",
    pollingInterval: 30,
    cooldownPeriod: 60,
    scaleUp: { stabilizationWindowSeconds: 30, selectPolicy: "Max", policies: [percent(100, 60)] },
    scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: "Max", policies: [percent(100, 15)] },
  },
};

/** KEDA `fallback` behaviours the pinned KEDA (2.20) and the plan's CRD schemas (@kubernetes-models/keda) both know. */
export const FALLBACK_BEHAVIORS = [
  "static",
  "currentReplicas",
  "currentReplicasIfHigher",
  "currentReplicasIfLower",
] as const;

/**
 * KEDA fallback (keda-docs content/docs/2.20/reference/scaledobject-spec.md, "fallback"): after `failureThreshold`
 * consecutive failed reads of a trigger's metric, KEDA feeds the HPA a metric that yields `replicas` (per
 * `behavior`). Since KEDA 2.19 this also wakes a worker at 0 replicas (kedacore/keda #7239, fixed by #7244).
 */
export const fallback = z.strictObject({
  /** false: no fallback (e.g. a min-0 worker that must stay at zero while its queue cannot be read). Defaults to true. */
  enabled: z.boolean().default(true),
  /** Consecutive failed metric reads before the fallback applies. Defaults to 3. */
  failureThreshold: z.number().int().min(1).default(3),
  /** Replicas while the metric cannot be read (at most replicas.max). Defaults to 1. */
  replicas: z.number().int().min(1).default(1),
  /**
   * static: `replicas`; currentReplicas: keep the current count; currentReplicasIfHigher / IfLower: the larger /
   * smaller of the two. Defaults to currentReplicasIfHigher (a busy fleet keeps its size, an idle one gets `replicas`).
   */
  behavior: z.enum(FALLBACK_BEHAVIORS).default("currentReplicasIfHigher"),
});
export type FallbackInput = z.infer<typeof fallback>;
/** The ScaledObject's `spec.fallback`. */
export type FallbackConfig = Omit<FallbackInput, "enabled">;

/**
 * The fallback a deployment-mode worker with `replicas.min: 0` gets when it sets none: without one, a worker whose
 * scaler cannot read its queue (credentials, network, the queue itself down) stays at zero with no sign but the
 * ScaledObject's status. After more than 3 failed reads in a row (the 4th: `> failureThreshold`, kedacore/keda v2.20.2
 * pkg/fallback/fallback.go; 60 s at the default polling interval) one replica runs, so work still drains if the
 * worker can reach its queue where KEDA cannot, and the failure shows up as a running pod's logs;
 * currentReplicasIfHigher never scales a busy fleet down because its metric broke. One replica, not max: an
 * unreadable metric says nothing about the backlog, and on a GPU pool each replica is a GPU node.
 * Not for workers with a `gpu` trigger: KEDA counts failures per trigger and a trigger in fallback counts as active
 * (pkg/scaling/scale_handler.go getScalerState), so any Prometheus outage (a restart of its single Recreate replica)
 * would wake the worker from zero onto a GPU node with nothing to do. Such a worker may still set `fallback` itself.
 */
export const DEFAULT_MIN_ZERO_FALLBACK: FallbackConfig = {
  failureThreshold: 3,
  replicas: 1,
  behavior: "currentReplicasIfHigher",
};

/**
 * KEDA scalingModifiers (keda-docs content/docs/2.20/reference/scaledobject-spec.md, "scalingModifiers"): the
 * triggers' metrics combined by an expr-lang formula into one composite metric, for "and" rather than KEDA's "max".
 */
export const scalingModifiers = z.strictObject({
  /**
   * expr-lang formula over the names of the worker's triggers other than cpu/memory (which KEDA leaves out of the
   * formula and keeps as HPA metrics of their own), e.g. `redis > 0 && gpu > 80 ? redis : 0`.
   */
  formula: z.string().min(1),
  /** Target of the formula's value: per replica (AverageValue) or in total (Value); > 0. */
  target: z.number().gt(0),
  /** The worker wakes from 0 when the formula's value is above this. Defaults to 0. */
  activationTarget: z.number().min(0).default(0),
  /** Defaults to AverageValue. */
  metricType: z.enum(["AverageValue", "Value"]).default("AverageValue"),
});
export type ScalingModifiersConfig = z.infer<typeof scalingModifiers>;

/** Short-form policies (`podsPer15s`, `percentPer15s`) of one direction, or undefined when none is set. */
function shortFormPolicies(r: ScalingRulesInput): ScalingPolicy[] | undefined {
  const out = [
    ...(r.podsPer15s !== undefined ? [pods(r.podsPer15s, 15)] : []),
    ...(r.percentPer15s !== undefined ? [percent(r.percentPer15s, 15)] : []),
  ];
  return out.length ? out : undefined;
}

/** One direction's rules: the config's fields over the profile's over `base`, field by field. */
export function resolveRules(
  user: ScalingRulesInput | undefined,
  preset: ScalingRules | undefined,
  base: ScalingRules = {},
): ScalingRules {
  const policies = user?.policies ?? (user ? shortFormPolicies(user) : undefined) ?? preset?.policies ?? base.policies;
  const window =
    user?.stabilizationWindowSeconds ?? preset?.stabilizationWindowSeconds ?? base.stabilizationWindowSeconds;
  const selectPolicy = user?.selectPolicy ?? preset?.selectPolicy ?? base.selectPolicy;
  return {
    ...(window !== undefined ? { stabilizationWindowSeconds: window } : {}),
    ...(selectPolicy !== undefined ? { selectPolicy } : {}),
    ...(policies !== undefined ? { policies } : {}),
  };
}

/** An HPA `behavior` direction as the API takes it: an empty policy list (Disabled only) is left to the defaults. */
export function renderRules(r: ScalingRules): ScalingRules {
  return {
    ...(r.stabilizationWindowSeconds !== undefined ? { stabilizationWindowSeconds: r.stabilizationWindowSeconds } : {}),
    ...(r.selectPolicy !== undefined ? { selectPolicy: r.selectPolicy } : {}),
    ...(r.policies?.length ? { policies: r.policies } : {}),
  };
}
