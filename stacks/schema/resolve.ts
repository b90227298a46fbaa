import type { z } from "zod";
import type {
  FallbackConfig,
  FallbackInput,
  ProfileName,
  ScalingModifiersConfig,
  ScalingRules,
  ScalingRulesInput,
} from "./scaling.ts";
import { DEFAULT_MIN_ZERO_FALLBACK, resolveRules, SCALING_PROFILES } from "./scaling.ts";
import type { TriggerConfig } from "./workloads.ts";

/**
 * Profiles and short forms, applied once a worker or service has parsed: the scaling profile's values go under the
 * config's own (field by field), `trigger` and `safetyNet` become entries of `triggers`, and the defaults that depend
 * on other fields (fallback for min-0 workers) are filled in. Rules about what the user wrote (a field job mode does
 * not have, a short form next to its long form) are reported here; rules about the merged result are in
 * checks/scaling.ts, which sees what this returns.
 */

type Path = (string | number)[];
type Report = (path: Path, message: string, input: unknown) => void;

/** A custom issue that does not abort the parse: the stack's cross-field checks still run on the resolved value. */
export function pushed(path: Path, message: string, input: unknown): z.core.$ZodRawIssue {
  return { code: "custom", path, message, input, continue: true };
}

/** A trigger with its name resolved (the config's `name`, else its type). */
export type Trigger = TriggerConfig & { name: string };

/** Worker defaults without a profile (KEDA's pollingInterval is 30; 15 matches the HPA's sync). */
export const WORKER_DEFAULTS = {
  pollingInterval: 15,
  cooldownPeriod: 300,
  initialCooldownPeriod: 0,
  scaleUp: { stabilizationWindowSeconds: 0 },
  scaleDown: { stabilizationWindowSeconds: 300 },
} as const;

/** The fields of a parsed worker that resolution reads. */
interface RawWorker {
  mode: "deployment" | "job";
  trigger?: TriggerConfig;
  triggers?: TriggerConfig[];
  safetyNet?: { cpuUtilization?: number; memoryUtilization?: number };
  replicas: { min: number; max: number };
  scalingProfile?: ProfileName;
  scaleUp?: ScalingRulesInput;
  scaleDown?: ScalingRulesInput;
  pollingInterval?: number;
  cooldownPeriod?: number;
  initialCooldownPeriod?: number;
  fallback?: FallbackInput;
  scalingModifiers?: ScalingModifiersConfig;
  multipleScalersCalculation?: "max" | "min" | "avg" | "sum";
}

type ResolvedKeys =
  | "trigger"
  | "triggers"
  | "safetyNet"
  | "scaleUp"
  | "scaleDown"
  | "pollingInterval"
  | "cooldownPeriod"
  | "initialCooldownPeriod"
  | "fallback";

export type ResolvedWorker<W extends RawWorker> = Omit<W, ResolvedKeys> & {
  /** Every trigger: `triggers` (or `trigger`), then the safetyNet's cpu/memory. */
  triggers: Trigger[];
  /** Where each trigger came from, relative to the worker (`["triggers", 1]`, `["safetyNet", "cpuUtilization"]`). */
  triggerPaths: Path[];
  pollingInterval: number;
  cooldownPeriod: number;
  initialCooldownPeriod: number;
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
  /** The KEDA fallback to render, or undefined for none (job mode never has one). */
  fallback?: FallbackConfig;
  /** Whether `fallback` is the min-0 default rather than the config's. */
  fallbackDefaulted: boolean;
};

/** Keys a ScaledJob has no counterpart for (KEDA ScaledJob spec, keda-docs content/docs/2.20/reference/scaledjob-spec.md). */
const NOT_IN_JOB_MODE = [
  "cooldownPeriod",
  "initialCooldownPeriod",
  "scaleUp",
  "scaleDown",
  "fallback",
  "scalingModifiers",
] as const;

export function resolveWorker<W extends RawWorker>(w: W, report: Report): ResolvedWorker<W> {
  if (w.trigger && w.triggers)
    report(["trigger"], "use either trigger (one) or triggers (a list), not both: move it into triggers", w.trigger);
  checkShortForms(w, report);
  if (w.mode === "job") {
    if (w.safetyNet)
      report(
        ["safetyNet"],
        "a ScaledJob scales on its queue only; remove safetyNet or use mode: deployment",
        w.safetyNet,
      );
    for (const key of NOT_IN_JOB_MODE) {
      if (w[key] !== undefined)
        report(
          [key],
          `a ScaledJob has no ${key} (KEDA ScaledJob spec: a Job per message, never scaled in); remove it or use mode: deployment`,
          w[key],
        );
    }
  } else if (w.multipleScalersCalculation !== undefined) {
    report(
      ["multipleScalersCalculation"],
      "only for mode: job; a ScaledObject's HPA follows the largest trigger (use scalingModifiers to combine them otherwise)",
      w.multipleScalersCalculation,
    );
  }

  const listed: { t: TriggerConfig; path: Path }[] = w.triggers
    ? w.triggers.map((t, i) => ({ t, path: ["triggers", i] }))
    : w.trigger
      ? [{ t: w.trigger, path: ["trigger"] }]
      : [];
  const net = w.safetyNet;
  if (net?.cpuUtilization !== undefined)
    listed.push({ t: { type: "cpu", targetUtilization: net.cpuUtilization }, path: ["safetyNet", "cpuUtilization"] });
  if (net?.memoryUtilization !== undefined)
    listed.push({
      t: { type: "memory", targetUtilization: net.memoryUtilization },
      path: ["safetyNet", "memoryUtilization"],
    });

  const preset = w.scalingProfile ? SCALING_PROFILES[w.scalingProfile] : undefined;
  const deployment = w.mode === "deployment";
  const explicit = w.fallback?.enabled ? withoutEnabled(w.fallback) : undefined;
  const fallback = !deployment
    ? undefined
    : w.fallback
      ? explicit
      : w.replicas.min === 0 && !listed.some(({ t }) => t.type === "gpu")
        ? DEFAULT_MIN_ZERO_FALLBACK
        : undefined;
  // The short forms are gone from the result: `triggers` is the one list of triggers.
  const rest = Object.fromEntries(Object.entries(w).filter(([k]) => k !== "trigger" && k !== "safetyNet")) as Omit<
    W,
    ResolvedKeys
  >;
  return {
    ...rest,
    triggers: listed.map(({ t }) => ({ ...t, name: t.name ?? t.type })),
    triggerPaths: listed.map(({ path }) => path),
    pollingInterval: w.pollingInterval ?? preset?.pollingInterval ?? WORKER_DEFAULTS.pollingInterval,
    cooldownPeriod: w.cooldownPeriod ?? preset?.cooldownPeriod ?? WORKER_DEFAULTS.cooldownPeriod,
    initialCooldownPeriod: w.initialCooldownPeriod ?? WORKER_DEFAULTS.initialCooldownPeriod,
    scaleUp: resolveRules(w.scaleUp, preset?.scaleUp, WORKER_DEFAULTS.scaleUp),
    scaleDown: resolveRules(w.scaleDown, preset?.scaleDown, WORKER_DEFAULTS.scaleDown),
    fallback,
    fallbackDefaulted: deployment && w.fallback === undefined && fallback !== undefined,
  };
}

function withoutEnabled(f: FallbackInput): FallbackConfig {
  return { failureThreshold: f.failureThreshold, replicas: f.replicas, behavior: f.behavior };
}

/** The fields of a parsed service that resolution reads. */
interface RawService {
  scalingProfile?: ProfileName;
  scaleUp?: ScalingRulesInput;
  scaleDown?: ScalingRulesInput;
}

export type ResolvedService<S extends RawService> = Omit<S, "scaleUp" | "scaleDown"> & {
  /** HPA `behavior.scaleUp`, or undefined: the HPA's defaults. */
  scaleUp?: ScalingRules;
  scaleDown?: ScalingRules;
};

export function resolveService<S extends RawService>(s: S, report: Report): ResolvedService<S> {
  checkShortForms(s, report);
  const preset = s.scalingProfile ? SCALING_PROFILES[s.scalingProfile] : undefined;
  const direction = (user: ScalingRulesInput | undefined, p: ScalingRules | undefined) =>
    user || p ? resolveRules(user, p) : undefined;
  return { ...s, scaleUp: direction(s.scaleUp, preset?.scaleUp), scaleDown: direction(s.scaleDown, preset?.scaleDown) };
}

function checkShortForms(x: { scaleUp?: ScalingRulesInput; scaleDown?: ScalingRulesInput }, report: Report) {
  for (const dir of ["scaleUp", "scaleDown"] as const) {
    const r = x[dir];
    if (!r?.policies) continue;
    for (const key of ["podsPer15s", "percentPer15s"] as const) {
      if (r[key] !== undefined)
        report(
          [dir, key],
          `a short form of policies; with policies set, write it as {type: ${key === "podsPer15s" ? "Pods" : "Percent"}, value: ${r[key]}, periodSeconds: 15} in policies`,
          r[key],
        );
    }
  }
}
