import type { Policy } from "@pulumi/policy";
import { WAIVER_ANNOTATION } from "./platform.ts";
import { tryRead, UNKNOWN } from "./unknown.ts";

/** `urn:pulumi:<stack>::<project>::<type chain>::<name>` → stack. */
export function stackOfUrn(urn: string): string {
  return urn.split("::")[0].split(":").slice(2).join(":");
}

/** `...::a$b$c::name` → ["a", "b", "c"]: the resource's type preceded by its ancestors' types. */
export function typeChainOfUrn(urn: string): string[] {
  const parts = urn.split("::");
  return parts.length >= 4 ? parts[2].split("$") : [];
}

/**
 * Whether the stack is production. The policy config `production` wins (policy/config/<stack>.json sets it for
 * every policy that cares); otherwise a stack named prod, production, or with a prod/production segment
 * (prod-eu, eu-prod, app.production) counts as production.
 */
export function isProduction(config: { production?: boolean }, urn: string | undefined): boolean {
  if (typeof config.production === "boolean") return config.production;
  if (!urn) return false;
  return /(^|[-_.])prod(uction)?($|[-_.])/.test(stackOfUrn(urn));
}

/** Config schema fragment shared by the production-sensitive rules. */
export const productionSchema = {
  production: {
    type: "boolean",
    description: "Treat the stack as production. Defaults to true when the stack name has a prod/production segment.",
  },
} as const;

/** Metadata of a Kubernetes object, tolerant of unknown values (a waiver must never abort a rule). */
export function annotationsOf(props: Record<string, unknown>): Record<string, string> {
  const a = tryRead(() => (props.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations);
  if (a === UNKNOWN || !a || typeof a !== "object") return {};
  const out: Record<string, string> = {};
  for (const key of Object.keys(a)) {
    const v = tryRead(() => a[key]);
    if (typeof v === "string") out[key] = v;
  }
  return out;
}

/**
 * One annotation a rule's verdict depends on, read through the analyzer's unknown-checking proxy: an unknown
 * metadata, annotations map or value aborts the rule ("can't run ... during preview") instead of reading as absent,
 * which would pass it silently. (annotationsOf is the tolerant reader, for waivers.)
 */
export function annotationOf(props: Record<string, unknown>, key: string): string | undefined {
  const annotations = (props.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations;
  const v = annotations?.[key];
  return typeof v === "string" ? v : undefined;
}

/** A Kubernetes object waives a policy with the annotation `policy.worker-platform/waive: "<name>[,<name>...]"`. */
export function isWaived(props: Record<string, unknown>, policyName: string): boolean {
  const list = annotationsOf(props)[WAIVER_ANNOTATION];
  return (
    !!list &&
    list
      .split(",")
      .map((s) => s.trim())
      .includes(policyName)
  );
}

/** `namespace/name` of a Kubernetes object, for messages. */
export function objectRef(props: Record<string, unknown>, fallbackName: string): string {
  const md = tryRead(() => props.metadata as { name?: unknown; namespace?: unknown } | undefined);
  if (md === UNKNOWN || !md) return fallbackName;
  const name = tryRead(() => md.name);
  const ns = tryRead(() => md.namespace);
  const n = typeof name === "string" ? name : fallbackName;
  return typeof ns === "string" ? `${ns}/${n}` : n;
}

/** Fields every rule of the pack has (on top of the SDK's), so docs and the runner can rely on them. */
export type RuleMeta = Required<
  Pick<Policy, "name" | "description" | "enforcementLevel" | "severity" | "remediationSteps">
>;

export function asArray<T>(v: T | T[] | undefined | null): T[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** A number from a number or a numeric string (Kubernetes and KEDA accept both in places); undefined otherwise. */
export function toNumber(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && !isNaN(Number(v))) return Number(v);
  return undefined;
}
