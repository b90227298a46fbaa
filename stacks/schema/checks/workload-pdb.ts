import type { z } from "zod";
import type { StackConfig } from "../stack.ts";
import type { PdbConfig } from "../workload-pdb.ts";
import { issue } from "./clusters.ts";

type Ctx = z.RefinementCtx;
type Path = (string | number)[];

/** Pods a count or percentage stands for out of `pods`: the disruption controller rounds percentages up. */
export function scaled(value: number | string, pods: number): number {
  return typeof value === "number" ? value : Math.ceil((Number(value.slice(0, -1)) * pods) / 100);
}

/**
 * Evictions a budget allows with `pods` healthy pods (policy/v1 PodDisruptionBudget status.disruptionsAllowed:
 * healthy − desiredHealthy, where desiredHealthy is minAvailable, or pods − maxUnavailable; percentages rounded up,
 * kubernetes pkg/controller/disruption getExpectedPodCount with GetScaledValueFromIntOrPercent(…, roundUp true)).
 */
export function disruptionsAllowed(p: PdbConfig, pods: number): number {
  const desired = p.minAvailable !== undefined ? scaled(p.minAvailable, pods) : pods - scaled(p.maxUnavailable!, pods);
  return Math.max(0, pods - desired);
}

/**
 * `pdb` of workers and services: exactly one of minAvailable and maxUnavailable (policy/v1 allows only one), not
 * on a job-mode worker, and never a budget that allows no eviction at replicas.max. Such a budget blocks `kubectl
 * drain` and node upgrades forever, and the cluster autoscaler never removes the node ("What types of pods can prevent
 * CA from removing a node? Pods with restrictive PodDisruptionBudget", kubernetes/autoscaler cluster-autoscaler/FAQ.md;
 * kubernetes.io "Specifying a Disruption Budget": maxUnavailable 0 or minAvailable 100% "can block nodes from being
 * drained"). A budget that allows none only at the workload's smaller sizes is a warning (pdbWarnings).
 */
export function checkWorkloadPdb(cfg: StackConfig, ctx: Ctx): void {
  const all = [
    ...cfg.workers.map((w, i) => ({ w, path: ["workers", i] as Path, job: w.mode === "job" })),
    ...cfg.services.map((w, i) => ({ w, path: ["services", i] as Path, job: false })),
  ];
  for (const { w, path, job } of all) {
    const p = w.pdb;
    if (!p) continue;
    const at = [...path, "pdb"];
    if (job) {
      // Job pods have no controller with a scale subresource, so the disruption controller cannot count their
      // expected pods: maxUnavailable and percentages do not work for them, and an integer minAvailable would hold
      // every running job against drains (kubernetes.io "Specifying a Disruption Budget", Arbitrary workloads and
      // arbitrary selectors). ScaledJob pods are already kept from the autoscaler by safe-to-evict "false" (worker.ts).
      issue(
        ctx,
        at,
        "a job-mode worker's pods belong to Jobs, which a PodDisruptionBudget cannot count (no scale subresource: maxUnavailable and percentages do not work), and its running jobs are already protected from the cluster autoscaler (safe-to-evict: false); remove pdb or use mode: deployment",
        p,
      );
      continue;
    }
    const set = [p.minAvailable, p.maxUnavailable].filter((v) => v !== undefined).length;
    if (set !== 1) {
      issue(
        ctx,
        at,
        set === 0
          ? "needs one of minAvailable or maxUnavailable (e.g. { maxUnavailable: 1 })"
          : "set exactly one of minAvailable or maxUnavailable, not both (a PodDisruptionBudget takes one)",
        p,
      );
      continue;
    }
    const max = w.replicas.max;
    if (disruptionsAllowed(p, max) === 0) {
      const key = p.minAvailable !== undefined ? "minAvailable" : "maxUnavailable";
      issue(
        ctx,
        [...at, key],
        `${key}: ${String(p[key])} allows no eviction even at replicas.max (${max}), so node drains and the cluster autoscaler's scale-down would be blocked forever; use maxUnavailable: 1${max > 1 ? ` or a minAvailable below ${max}` : ""}`,
        p[key],
      );
    }
  }
}

/** A budget that allows evictions at replicas.max but none at the workload's resting size (replicas.min, at least 1). */
export function pdbWarnings(cfg: StackConfig): string[] {
  const out: string[] = [];
  const all = [
    ...cfg.workers.map((w, i) => ({ w, at: `workers[${i}]` })),
    ...cfg.services.map((w, i) => ({ w, at: `services[${i}]` })),
  ];
  for (const { w, at } of all) {
    const p = w.pdb;
    if (!p || ("mode" in w && w.mode === "job")) continue;
    const rest = Math.max(1, w.replicas.min);
    if (disruptionsAllowed(p, w.replicas.max) === 0 || disruptionsAllowed(p, rest) > 0) continue;
    // The smallest size at which an eviction is allowed.
    let from = rest;
    while (disruptionsAllowed(p, from) === 0) from++;
    // Only minAvailable gets here: maxUnavailable >= 1 (or a percentage above 0, rounded up) allows one at any size.
    out.push(
      `${at}.pdb.minAvailable: ${w.name} allows no eviction below ${from} pods, and it rests at ${rest}: node drains and the cluster autoscaler's scale-down wait until it scales up; lower minAvailable, use maxUnavailable: 1, or raise replicas.min to ${from}`,
    );
  }
  return out;
}
