import { z } from "zod";

/** A DNS-1123 label: the shape of every Kubernetes object name the platform derives from config. */
export const dnsLabel = z
  .string()
  .max(40)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    error: "must be lowercase letters, digits and '-', starting and ending with a letter or digit",
  });

/** A Kubernetes resource quantity such as `500m`, `2`, `4Gi`. */
export const quantity = z.preprocess(
  // YAML reads `cpu: 2` as a number, and Kubernetes takes numbers for quantities too: accept it as "2".
  (v) => (typeof v === "number" && Number.isFinite(v) ? String(v) : v),
  z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/, {
    error: "must be a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi",
  }),
);

/** A duration in the cluster autoscaler's format: `30s`, `10m`, `1h`. */
export const duration = z.string().regex(/^[0-9]+(s|m|h)$/, { error: "must be a duration such as 30s, 10m or 1h" });

/** Seconds of a `duration` ("90s" → 90, "10m" → 600, "1h" → 3600); throws on anything else. */
export function durationSeconds(d: string): number {
  const m = /^([0-9]+)(s|m|h)$/.exec(d);
  if (!m) throw new Error(`not a duration such as 30s, 15m or 1h: ${JSON.stringify(d)}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as "s" | "m" | "h"];
}

export const cidr = z
  .string()
  .regex(/^([0-9]{1,3}\.){3}[0-9]{1,3}\/[0-9]{1,2}$/, { error: "must be an IPv4 CIDR such as 10.0.0.0/16" });

export const labels = z.record(
  z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, {
    error: "must be a Kubernetes label key such as team or example.com/team",
  }),
  z.string().max(63),
);

export const taint = z.strictObject({
  key: z.string().min(1),
  value: z.string().default(""),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
});
export type Taint = z.infer<typeof taint>;

/**
 * A container image reference pinned to a tag or digest. `latest` and untagged images are rejected: a moving tag
 * makes `pulumi up` non-repeatable and lets nodes run different code under one spec.
 */
export const pinnedImage = z.string().refine((ref) => isPinnedImage(ref), {
  error: "must be pinned to a tag or digest other than latest (e.g. ghcr.io/acme/worker:1.4.2)",
});

export function isPinnedImage(ref: string): boolean {
  if (/@sha256:[a-f0-9]{64}$/.test(ref)) return true;
  const lastSegment = ref.split("/").pop() ?? "";
  const colon = lastSegment.lastIndexOf(":");
  if (colon < 0) return false;
  const tag = lastSegment.slice(colon + 1);
  return tag.length > 0 && tag !== "latest";
}

export const resources = z.strictObject({
  requests: z.strictObject({ cpu: quantity, memory: quantity }),
  limits: z.strictObject({ cpu: quantity.optional(), memory: quantity }),
});
export type Resources = z.infer<typeof resources>;
