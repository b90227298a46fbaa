/**
 * KEDA's own scaling decisions (kedacore/keda v2.20.2). ScaledObject: `pkg/scaling/executor/scale_scaledobjects.go`
 * `RequestScale` (0 ↔ 1 and the cooldown; everything between min and max is the HPA's). ScaledJob:
 * `pkg/scaling/scaledjob/metrics.go` (queue length and max scale) and `pkg/scaling/executor/scale_jobs.go`
 * (`getScalingDecision`, the strategies' `GetEffectiveMaxScale`, `createJobs`).
 */
import type { MultipleScalersCalculation, ScaledJobStrategy } from "./types.ts";

/** A trigger is active iff its metric is strictly above its activation threshold; any active trigger ⇒ active. */
export const isActive = (metrics: { value: number; activation: number }[]) =>
  metrics.some((m) => m.value > m.activation);

export interface ScaledObjectState {
  /** lastActiveTime (s), undefined until the first active poll. */
  lastActiveTime: number | undefined;
}

/**
 * `RequestScale` of one poll. Returns the replicas KEDA sets on the target, or undefined when it leaves them to the
 * HPA. Active with 0 replicas → max(min, 1); inactive with replicas > 0 and min 0 → 0 once `now > lastActive +
 * cooldownPeriod` (or `initialCooldownPeriod` after creation, when never active), strictly after; inactive below min → min.
 */
export function scaledObjectRequestScale(
  state: ScaledObjectState,
  now: number,
  active: boolean,
  currentReplicas: number,
  min: number,
  cooldownPeriod: number,
  initialCooldownPeriod = 0,
  createdAt = 0,
): number | undefined {
  if (active) {
    state.lastActiveTime = now;
    if (currentReplicas === 0) return Math.max(min, 1);
    return undefined;
  }
  if (currentReplicas > 0 && min === 0) {
    const since = state.lastActiveTime ?? createdAt;
    const wait = state.lastActiveTime === undefined ? initialCooldownPeriod : cooldownPeriod;
    // LastActiveTime.Add(cooldownPeriod).Before(now): strictly after the cooldown.
    if (now > since + wait) return 0;
    return undefined;
  }
  if (currentReplicas < min) return min;
  return undefined;
}

/** `GetEffectiveMaxScale` of each strategy, with `running` already reduced by minReplicaCount. */
export function effectiveMaxScale(
  s: ScaledJobStrategy,
  maxScale: number,
  running: number,
  pending: number,
  maxReplicaCount: number,
  scaleTo: number,
): { effective: number; scaleTo: number } {
  switch (s.strategy) {
    case "default":
      return { effective: maxScale - running, scaleTo };
    case "custom":
      return {
        effective: Math.min(
          maxScale - s.queueLengthDeduction - Math.trunc(running * s.runningJobPercentage),
          maxReplicaCount,
        ),
        scaleTo,
      };
    case "accurate":
      if (maxScale + running > maxReplicaCount) return { effective: maxReplicaCount - running, scaleTo };
      return { effective: maxScale - pending, scaleTo };
    case "eager":
      return { effective: Math.min(maxReplicaCount - running - pending, maxScale), scaleTo: maxReplicaCount };
  }
}

/**
 * Jobs a ScaledJob creates in one poll. `queueLength` is the (first) metric's value, `target` the average of the
 * triggers' targetAverageValue: maxScale = ceil(min(queueLength / target, max)), scaleTo = ceil(queueLength). Below
 * minReplicaCount running Jobs it tops up to min; else the strategy decides; jobs = min(scaleTo, max(effective, 0)),
 * created only when active.
 */
/** One trigger of a ScaledJob in one poll: its metric (queue length), target per Job and activation threshold. */
export interface ScaledJobScaler {
  value: number;
  target: number;
  activation: number;
}

/**
 * The triggers of a ScaledJob combined (kedacore/keda pkg/scaling/scaledjob/metrics.go `IsScaledJobActive`): each
 * scaler's queueLength and maxValue = min(queueLength / target, max); only active scalers count. max (default): the
 * scaler with the largest queueLength; min: the smallest; avg: the means of both; sum: the sums. minReplicaCount > 0
 * makes the ScaledJob active. Returns active, scaleTo = ceil(queueLength) and maxScale = ceil(min(maxValue, max)).
 */
export function combineScaledJobScalers(
  scalers: ScaledJobScaler[],
  calc: MultipleScalersCalculation,
  min: number,
  max: number,
): { active: boolean; scaleTo: number; maxScale: number } {
  const act = scalers
    .filter((s) => s.value > s.activation)
    .map((s) => ({ queueLength: s.value, maxValue: Math.min(s.value / s.target, max) }));
  let queueLength = 0;
  let maxValue = 0;
  if (calc === "min") {
    for (const m of act) if (queueLength === 0 || m.queueLength < queueLength) ({ queueLength, maxValue } = m);
  } else if (calc === "avg" || calc === "sum") {
    for (const m of act) {
      queueLength += m.queueLength;
      maxValue += m.maxValue;
    }
    if (calc === "avg" && act.length) {
      queueLength /= act.length;
      maxValue /= act.length;
    }
  } else for (const m of act) if (m.queueLength > queueLength) ({ queueLength, maxValue } = m);
  return {
    active: act.length > 0 || min > 0,
    scaleTo: Math.ceil(queueLength),
    maxScale: Math.ceil(Math.min(maxValue, max)),
  };
}

/** Jobs a ScaledJob creates in one poll from its combined scalers (see scaledJobCreates). */
export function scaledJobCreatesCombined(
  s: ScaledJobStrategy,
  combined: { active: boolean; scaleTo: number; maxScale: number },
  running: number,
  pending: number,
  min: number,
  max: number,
): number {
  let scaleTo = combined.scaleTo;
  let effective: number;
  if (running < min) {
    scaleTo = min - running;
    effective = scaleTo;
  } else {
    ({ effective, scaleTo } = effectiveMaxScale(s, combined.maxScale, running - min, pending, max, scaleTo));
  }
  if (effective < 0) effective = 0;
  if (!combined.active || effective <= 0) return 0;
  return Math.min(scaleTo, effective);
}

export function scaledJobCreates(
  s: ScaledJobStrategy,
  queueLength: number,
  target: number,
  active: boolean,
  running: number,
  pending: number,
  min: number,
  max: number,
): number {
  const combined = {
    active,
    scaleTo: Math.ceil(queueLength),
    maxScale: Math.ceil(Math.min(queueLength / target, max)),
  };
  return scaledJobCreatesCombined(s, combined, running, pending, min, max);
}
