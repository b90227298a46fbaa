/**
 * The HorizontalPodAutoscaler's replica computation, as kubernetes/kubernetes pkg/controller/podautoscaler computes
 * it (horizontal.go `reconcileAutoscaler`, `normalizeDesiredReplicas`, `normalizeDesiredReplicasWithBehaviors`,
 * `stabilizeRecommendationWithBehaviors`, `convertDesiredReplicasWithBehaviorRate`,
 * `calculateScaleUpLimitWithScalingRules`, `calculateScaleDownLimitWithBehaviors`; replica_calculator.go
 * `GetExternalPerPodMetricReplicas`; defaults from pkg/apis/autoscaling/v2/defaults.go). Pure: the caller keeps an
 * HpaMemory per HPA and passes the time.
 */
import type { HpaBehavior, HpaPolicy, HpaRules } from "./types.ts";

/** --horizontal-pod-autoscaler-sync-period default. */
export const HPA_SYNC_SECONDS = 15;
/** --horizontal-pod-autoscaler-tolerance default. */
export const HPA_TOLERANCE = 0.1;
/** --horizontal-pod-autoscaler-downscale-stabilization default (legacy path). */
export const LEGACY_DOWNSCALE_WINDOW_SECONDS = 300;

/** GenerateHPAScaleUpRules / GenerateHPAScaleDownRules (defaults.go): the API defaults for unset fields. */
export function withDefaults(
  rules: HpaRules | undefined,
  dir: "up" | "down",
): Required<HpaRules> & { policies: HpaPolicy[] } {
  const defaults =
    dir === "up"
      ? {
          stabilizationWindowSeconds: 0,
          policies: [
            { type: "Pods" as const, value: 4, periodSeconds: 15 },
            { type: "Percent" as const, value: 100, periodSeconds: 15 },
          ],
        }
      : { stabilizationWindowSeconds: 300, policies: [{ type: "Percent" as const, value: 100, periodSeconds: 15 }] };
  return {
    stabilizationWindowSeconds: rules?.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: rules?.selectPolicy ?? "Max",
    policies: rules?.policies && rules.policies.length > 0 ? rules.policies : defaults.policies,
  };
}

interface Stamped {
  t: number;
  value: number;
}

/** What the HPA controller remembers per HPA: recommendations and scale events. */
export interface HpaMemory {
  recommendations: Stamped[] | undefined;
  scaleUpEvents: Stamped[];
  scaleDownEvents: Stamped[];
}

export const newHpaMemory = (): HpaMemory => ({ recommendations: undefined, scaleUpEvents: [], scaleDownEvents: [] });

/**
 * Replicas for an External metric with an AverageValue target (`GetExternalPerPodMetricReplicas`): the usage ratio
 * against `target × statusReplicas`; inside the tolerance the count stays, outside it is `ceil(usage / target)`.
 */
export function externalAverageValueReplicas(
  usage: number,
  target: number,
  statusReplicas: number,
  tolerance = HPA_TOLERANCE,
): number {
  const ratio = usage / (target * statusReplicas);
  if (statusReplicas > 0 && Math.abs(1 - ratio) <= tolerance) return statusReplicas;
  return Math.ceil(usage / target);
}

/**
 * Replicas for an External metric with a Value target (`GetExternalMetricReplicas`): the usage ratio against
 * `target`; inside the tolerance the count stays, outside it is `ceil(ratio × ready pods)`.
 */
export function externalValueReplicas(
  usage: number,
  target: number,
  currentReplicas: number,
  readyPods: number,
  tolerance = HPA_TOLERANCE,
): number {
  const ratio = usage / target;
  if (Math.abs(1 - ratio) <= tolerance) return currentReplicas;
  return Math.ceil(ratio * readyPods);
}

/**
 * Replicas for a Resource Utilization metric (`GetResourceReplicas`, simplified: every pod ready and reporting).
 * `utilizationPercent` is the average over the pods.
 */
export function resourceUtilizationReplicas(
  utilizationPercent: number,
  targetPercent: number,
  readyPods: number,
  tolerance = HPA_TOLERANCE,
): number {
  if (readyPods === 0) return 0;
  const ratio = utilizationPercent / targetPercent;
  if (Math.abs(1 - ratio) <= tolerance) return readyPods;
  return Math.ceil(ratio * readyPods);
}

/** Sum of changes in events newer than `now − period` (`getReplicasChangePerPeriod`: timestamp After cutoff). */
function changeInPeriod(events: Stamped[], now: number, periodSeconds: number): number {
  const cutoff = now - periodSeconds;
  let sum = 0;
  for (const e of events) if (e.t > cutoff) sum += e.value;
  return sum;
}

/** `calculateScaleUpLimitWithScalingRules`. */
export function scaleUpLimit(current: number, mem: HpaMemory, rules: ReturnType<typeof withDefaults>, now: number) {
  if (rules.selectPolicy === "Disabled") return current;
  const pick = rules.selectPolicy === "Min" ? Math.min : Math.max;
  let result = rules.selectPolicy === "Min" ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start =
      current -
      changeInPeriod(mem.scaleUpEvents, now, p.periodSeconds) +
      changeInPeriod(mem.scaleDownEvents, now, p.periodSeconds);
    const proposed = p.type === "Pods" ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** `calculateScaleDownLimitWithBehaviors` (Percent: the float is truncated to int32). */
export function scaleDownLimit(current: number, mem: HpaMemory, rules: ReturnType<typeof withDefaults>, now: number) {
  if (rules.selectPolicy === "Disabled") return current;
  const pick = rules.selectPolicy === "Min" ? Math.max : Math.min;
  let result = rules.selectPolicy === "Min" ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start =
      current -
      changeInPeriod(mem.scaleUpEvents, now, p.periodSeconds) +
      changeInPeriod(mem.scaleDownEvents, now, p.periodSeconds);
    const proposed = p.type === "Pods" ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/**
 * `normalizeDesiredReplicasWithBehaviors`: stabilization (up = min of recommendations in the up window and the new
 * one, down = max in the down window; the result is the current count brought within [up, down]), then the rate
 * limits of the policies, then [min, max].
 */
export function normalizeWithBehaviors(
  mem: HpaMemory,
  behavior: HpaBehavior,
  now: number,
  current: number,
  desired: number,
  min: number,
  max: number,
): number {
  const up = withDefaults(behavior.scaleUp, "up");
  const down = withDefaults(behavior.scaleDown, "down");
  // maybeInitScaleDownStabilizationWindow: the first sync records the current count.
  if (!mem.recommendations) mem.recommendations = [{ t: now, value: current }];
  const upCutoff = now - up.stabilizationWindowSeconds;
  const downCutoff = now - down.stabilizationWindowSeconds;
  let upRec = desired;
  let downRec = desired;
  let oldIndex = -1;
  mem.recommendations.forEach((r, i) => {
    if (r.t > upCutoff) upRec = Math.min(r.value, upRec);
    if (r.t > downCutoff) downRec = Math.max(r.value, downRec);
    if (r.t < upCutoff && r.t < downCutoff) oldIndex = i;
  });
  let rec = current;
  if (rec < upRec) rec = upRec;
  if (rec > downRec) rec = downRec;
  if (oldIndex >= 0) mem.recommendations[oldIndex] = { t: now, value: desired };
  else mem.recommendations.push({ t: now, value: desired });

  if (rec > current) {
    let limit = scaleUpLimit(current, mem, up, now);
    if (limit < current) limit = current;
    const allowed = Math.min(max, limit);
    return Math.min(rec, allowed);
  }
  if (rec < current) {
    let limit = scaleDownLimit(current, mem, down, now);
    if (limit > current) limit = current;
    const allowed = Math.max(min, limit);
    return Math.max(rec, allowed);
  }
  return rec;
}

/**
 * `normalizeDesiredReplicas` (no behaviour): the max of recommendations in the last 300 s, then
 * `convertDesiredReplicasWithRules`: scale-up limit max(2 × current, 4), clamp to [max(min, 1), max].
 */
export function normalizeLegacy(
  mem: HpaMemory,
  now: number,
  current: number,
  desired: number,
  min: number,
  max: number,
): number {
  const recs = (mem.recommendations ??= []);
  const cutoff = now - LEGACY_DOWNSCALE_WINDOW_SECONDS;
  let stabilized = desired;
  for (const r of recs) if (r.t > cutoff) stabilized = Math.max(stabilized, r.value);
  // stabilizeRecommendation keeps one entry per sync, replacing one outside the window
  const old = recs.findIndex((r) => r.t <= cutoff);
  if (old >= 0) recs[old] = { t: now, value: desired };
  else recs.push({ t: now, value: desired });
  const upLimit = Math.max(2 * current, 4);
  const maxAllowed = Math.min(max, upLimit);
  const minAllowed = min === 0 ? 1 : min;
  return Math.min(Math.max(stabilized, minAllowed), maxAllowed);
}

/**
 * One HPA sync (`reconcileAutoscaler`): `specReplicas` 0 with min > 0 disables scaling (KEDA's 0 state); above max →
 * max; below min → min; otherwise the metrics' proposal (max over metrics, `metricDesired`) normalized. Records the
 * scale event. Returns the new spec replicas.
 */
export function hpaSync(
  mem: HpaMemory,
  behavior: HpaBehavior | undefined,
  now: number,
  specReplicas: number,
  metricDesired: number,
  min: number,
  max: number,
): number {
  let desired: number;
  if (specReplicas === 0 && min !== 0) return 0;
  if (specReplicas > max) desired = max;
  else if (specReplicas < min) desired = min;
  else
    desired = behavior
      ? normalizeWithBehaviors(mem, behavior, now, specReplicas, metricDesired, min, max)
      : normalizeLegacy(mem, now, specReplicas, metricDesired, min, max);
  if (desired !== specReplicas) recordScaleEvent(mem, behavior, now, specReplicas, desired);
  return desired;
}

/** `storeScaleEvent`: keeps events for the longest policy period of their direction. */
function recordScaleEvent(mem: HpaMemory, behavior: HpaBehavior | undefined, now: number, from: number, to: number) {
  const up = to > from;
  const rules = withDefaults(up ? behavior?.scaleUp : behavior?.scaleDown, up ? "up" : "down");
  const longest = Math.max(...rules.policies.map((p) => p.periodSeconds));
  const list = up ? mem.scaleUpEvents : mem.scaleDownEvents;
  const kept = list.filter((e) => e.t > now - longest);
  kept.push({ t: now, value: Math.abs(to - from) });
  if (up) mem.scaleUpEvents = kept;
  else mem.scaleDownEvents = kept;
}
