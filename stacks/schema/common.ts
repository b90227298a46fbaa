import ipaddr from "ipaddr.js";
import { z } from "zod";

/** A DNS-1123 label: the shape of every Kubernetes object name the platform derives from config. */
export const dnsLabel = z
  .string()
  .max(40)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    error: "must be lowercase letters, digits and '-', starting and ending with a letter or digit",
  });

/** Kubernetes stores replica counts, priorities and most other counts as 32-bit integers. */
export const INT32_MAX = 2_147_483_647;
export const INT32_MIN = -2_147_483_648;

/** A whole number that fits a Kubernetes int32 field (replicas, priorities, seconds, counts). */
export const int32 = () =>
  z
    .number()
    .int()
    .min(INT32_MIN, { error: `must be at least ${INT32_MIN} (Kubernetes stores it as a 32-bit integer)` })
    .max(INT32_MAX, { error: `must be at most ${INT32_MAX} (Kubernetes stores it as a 32-bit integer)` });

/** A Kubernetes resource quantity such as `500m`, `2`, `4Gi`. */
export const quantity = z.preprocess(
  // YAML reads `cpu: 2` as a number, and Kubernetes takes numbers for quantities too: accept it as "2".
  (v) => (typeof v === "number" && Number.isFinite(v) ? String(v) : v),
  z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/, {
    error: "must be a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi",
  }),
);

/**
 * A memory or storage size: a quantity, where a plain number is bytes. A plain number under 1Mi is refused as a
 * missing unit (`memory: 8` is 8 bytes, meant as 8Gi); a byte count of 1Mi or more is taken as written.
 */
export const byteQuantity = quantity.superRefine((q, ctx) => {
  if (/^[0-9]+(\.[0-9]+)?$/.test(q) && Number(q) < 2 ** 20)
    ctx.addIssue({
      code: "custom",
      message: `is ${q} bytes: add the unit, e.g. ${q}Gi or ${q}Mi (a plain number is bytes)`,
      input: q,
    });
});

/** A duration unit: weeks, days, hours, minutes, seconds. */
export type DurationUnit = "w" | "d" | "h" | "m" | "s";
const UNIT_SECONDS: Record<DurationUnit, number> = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1 };
const UNIT_ORDER: readonly DurationUnit[] = ["w", "d", "h", "m", "s"];

/**
 * The longest duration Go holds (time.Duration is an int64 of nanoseconds, about 292 years): the cluster autoscaler's
 * flags are Go durations, and Prometheus stores its own the same way.
 */
export const MAX_DURATION_SECONDS = 9_223_372_036;

/**
 * The one duration parser of the config: whole numbers with units, largest unit first, each unit at most once (`90s`,
 * `10m`, `1h30m`, `2w`), using only `units`. That form reads the same in Go's time.ParseDuration (the cluster
 * autoscaler's flags, units h/m/s) and Prometheus' model.ParseDuration (prometheus/common model/time.go), and converts
 * exactly to the AKS API's `<n>m`/`<n>s` strings. Returns the seconds, or undefined for anything else: the schemas turn
 * that into a config error, never a throw.
 */
export function parseDuration(text: unknown, units: readonly DurationUnit[] = UNIT_ORDER): number | undefined {
  if (typeof text !== "string" || text === "") return undefined;
  const part = /([0-9]+)([wdhms])/y;
  let total = 0;
  let previous = -1;
  for (let at = 0; at < text.length; at = part.lastIndex) {
    part.lastIndex = at;
    const m = part.exec(text);
    if (!m) return undefined;
    const unit = m[2] as DurationUnit;
    const rank = UNIT_ORDER.indexOf(unit);
    if (!units.includes(unit) || rank <= previous) return undefined;
    previous = rank;
    total += Number(m[1]) * UNIT_SECONDS[unit];
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** A duration field: what `parseDuration` reads with `units`, at least `minSeconds`, at most what Go holds. */
export function durationOf(units: readonly DurationUnit[], examples: string, minSeconds = 0) {
  return z.string().superRefine((text, ctx) => {
    const seconds = parseDuration(text, units);
    const problem =
      seconds === undefined
        ? `must be a duration such as ${examples} (whole numbers with the units ${units.join(", ")}, largest first)`
        : seconds < minSeconds
          ? `must be at least ${minSeconds}s`
          : seconds > MAX_DURATION_SECONDS
            ? `must be at most ${Math.floor(MAX_DURATION_SECONDS / 3600)}h (the longest duration Go holds)`
            : undefined;
    if (problem) ctx.addIssue({ code: "custom", message: problem, input: text });
  });
}

/** A cluster autoscaler duration (Go units h, m, s): `30s`, `10m`, `1h30m`. */
export const duration = durationOf(["h", "m", "s"], "30s, 10m or 1h30m");
/** A cluster autoscaler duration that must not be zero (a scan interval of 0 would spin). */
export const positiveDuration = durationOf(["h", "m", "s"], "30s, 10m or 1h30m", 1);

/**
 * Seconds of a duration the schema accepted ("90s" → 90, "10m" → 600, "1h30m" → 5400), for components after
 * validation. It throws on anything else, which would be a bug: the schema reports malformed durations itself.
 */
export function durationSeconds(d: string): number {
  const seconds = parseDuration(d);
  if (seconds === undefined) throw new Error(`not a duration such as 30s, 15m or 1h: ${JSON.stringify(d)}`);
  return seconds;
}

/**
 * Why a CIDR is not acceptable, or undefined; parsed with ipaddr.js. Also refused, as Kubernetes refuses them since
 * 1.36 (StrictIPCIDRValidation on by default, kubernetes/kubernetes#137053) and as AKS asks for the network address
 * (AKS docs, api-server-authorized-ip-ranges): host bits set (`10.0.0.1/8` is ambiguous: 10.0.0.0/8 or 10.0.0.1/32?),
 * leading zeros and other non-canonical spellings (`010.0.0.0/8` reads as octal in some parsers). IPv6 only where
 * `ipv6` is true.
 */
export function cidrProblem(value: string, ipv6: boolean): string | undefined {
  const form = ipv6
    ? "an IPv4 CIDR such as 10.0.0.0/16 (four numbers 0-255, prefix 0-32) or an IPv6 CIDR such as fd00::/8 (prefix 0-128)"
    : "an IPv4 CIDR such as 10.0.0.0/16 (four numbers 0-255, prefix 0-32)";
  const ipv4Only = "; IPv6 is not accepted here (the clusters the platform creates are IPv4)";
  if (!value.includes("/")) {
    const v4 = ipaddr.IPv4.isValidFourPartDecimal(value);
    if (!v4 && !ipaddr.IPv6.isValid(value)) return `must be ${form}`;
    if (!v4 && !ipv6) return `must be ${form}${ipv4Only}`;
    return `must be ${form}: add the prefix length, e.g. ${value}/${v4 ? 32 : 128} for this one address`;
  }
  if (!ipaddr.isValidCIDR(value)) return `must be ${form}`;
  const [address, prefix] = ipaddr.parseCIDR(value);
  if (address.kind() === "ipv6" && !ipv6) return `must be ${form}${ipv4Only}`;
  if (address.kind() === "ipv4" && !/^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*)){3}\/(0|[1-9][0-9]*)$/.test(value))
    return `must be ${form}, written as four decimal numbers without leading zeros and a decimal prefix`;
  const canonical = `${address.toString()}/${prefix}`;
  if (canonical !== value) return `must be written in canonical form: ${canonical}`;
  const network =
    address.kind() === "ipv4" ? ipaddr.IPv4.networkAddressFromCIDR(value) : ipaddr.IPv6.networkAddressFromCIDR(value);
  if (network.toString() !== address.toString()) {
    const single = address.kind() === "ipv4" ? 32 : 128;
    return `has host bits set (a range starts at its network address): write ${network.toString()}/${prefix} for the range, or ${address.toString()}/${single} for the one address`;
  }
  return undefined;
}

const cidrOf = (ipv6: boolean) =>
  z.string().superRefine((value, ctx) => {
    const problem = cidrProblem(value, ipv6);
    if (problem) ctx.addIssue({ code: "custom", message: problem, input: value });
  });

/** An IPv4 CIDR: what the cloud APIs take here (the VPC, the API servers' allow-lists). */
export const cidr = cidrOf(false);
/** An IPv4 or IPv6 CIDR: a NetworkPolicy `ipBlock`, which takes either family (IPv6 matters on dual-stack clusters). */
export const networkCidr = cidrOf(true);

/** A label value: at most 63 characters, alphanumerics with `-`, `_`, `.` inside, or empty (Kubernetes' rule). */
const labelValue = z
  .string()
  .max(63)
  .regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, {
    error:
      "must be a Kubernetes label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit (or empty)",
  });

/** A label (or taint) key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
const labelKey = z
  .string()
  .regex(
    /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
    {
      error:
        "must be a Kubernetes label key such as team or example.com/team (a name of at most 63 letters, digits, '-', '_' or '.', optionally after a DNS prefix and '/')",
    },
  );

export const labels = z.record(labelKey, labelValue);

export const taint = z.strictObject({
  key: labelKey,
  value: labelValue.default(""),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
});
export type Taint = z.infer<typeof taint>;

/*
 * Image references: the grammar of github.com/distribution/reference (reference.go, regexp.go), which containerd and
 * the kubelet parse with:
 *   reference := name [":" tag] ["@" digest];  name := [domain "/"] path-component ["/" path-component]*
 *   domain    := host [":" port], host a DNS name, IPv4 or [IPv6];  path-component := [a-z0-9]+ (separator [a-z0-9]+)*
 *   separator := [_.] | "__" | "-"+;  tag := [\w][\w.-]{0,127};  name at most 255 characters
 * A first component is a registry only when it has a "." or ":" or is localhost (docker's splitDockerDomain); the
 * digest is restricted to the OCI image-spec's registered algorithms (descriptor.md): sha256 (64 lowercase hex digits)
 * and sha512 (128).
 */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*$/;
const DOMAIN =
  /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const NAME_MAX = 255;

/**
 * Why an image reference is not a valid one pinned to a tag (other than `latest`) or a digest, or undefined. A moving
 * tag makes `pulumi up` non-repeatable and lets nodes run different code under one spec.
 */
export function imageReferenceProblem(ref: string): string | undefined {
  if (ref.trim() === "") return "is empty";
  const at = ref.indexOf("@");
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const beforeDigest = at >= 0 ? ref.slice(0, at) : ref;
  const lastSlash = beforeDigest.lastIndexOf("/");
  const colon = beforeDigest.lastIndexOf(":");
  const tag = colon > lastSlash ? beforeDigest.slice(colon + 1) : undefined;
  const name = colon > lastSlash ? beforeDigest.slice(0, colon) : beforeDigest;
  const components = name.split("/");
  const hasDomain =
    components.length > 1 && (/[.:]/.test(components[0]) || components[0] === "localhost" || components[0] === "");
  const domain = hasDomain ? components[0] : undefined;
  const path = hasDomain ? components.slice(1) : components;

  if (domain !== undefined && !DOMAIN.test(domain))
    return `has an invalid registry host "${domain}" (a DNS name or IP address, optionally with :port)`;
  const badComponent = path.find((c) => !PATH_COMPONENT.test(c));
  if (badComponent !== undefined) {
    return badComponent !== badComponent.toLowerCase() && PATH_COMPONENT.test(badComponent.toLowerCase())
      ? `has an uppercase repository path "${path.join("/")}": repository paths are lowercase`
      : `has an invalid repository path component "${badComponent}" (lowercase letters and digits, separated by '.', '_', '__' or '-')`;
  }
  if (name.length > NAME_MAX) return `has a name longer than ${NAME_MAX} characters`;
  if (tag !== undefined && !TAG.test(tag))
    return `has an invalid tag "${tag}" (1-128 letters, digits, '_', '.' or '-', not starting with '.' or '-')`;
  if (digest !== undefined && !DIGEST.test(digest))
    return "has an invalid digest: it must be sha256: followed by 64 lowercase hex digits (or sha512: and 128)";
  if (digest === undefined && tag === undefined) return "has no tag, which means latest: pin a version tag or a digest";
  if (digest === undefined && tag === "latest") return "uses the moving tag latest: pin a version tag or a digest";
  return undefined;
}

/** A container image reference pinned to a tag or digest (see imageReferenceProblem). */
export const pinnedImage = z.string().superRefine((ref, ctx) => {
  const problem = imageReferenceProblem(ref);
  if (problem)
    ctx.addIssue({
      code: "custom",
      message: `must be an image reference pinned to a version tag or digest, e.g. ghcr.io/acme/worker:1.4.2 or ghcr.io/acme/worker@sha256:<64 hex digits>; this one ${problem}`,
      input: ref,
    });
});

/** The text with anything before an `@` (URL credentials) masked, so an error message never repeats a password. */
export function withoutCredentials(text: string): string {
  const at = text.lastIndexOf("@");
  if (at < 0) return text;
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.exec(text)?.[0] ?? "";
  return `${scheme}***${text.slice(at)}`;
}

/**
 * An http(s) URL of a server (`http://prometheus.monitoring.svc:9090`, `https://host/prefix`), read with the WHATWG
 * URL parser: scheme http or https written out, a host, an optional port and path; no credentials (they would sit in
 * plain config), query or fragment (KEDA and the adapter append their own path and query to it).
 */
export const httpUrl = z.string().superRefine((text, ctx) => {
  const form =
    "must be an http(s) URL such as http://prometheus.monitoring.svc:9090 (scheme, host, optional port and path)";
  let problem: string | undefined;
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!/^https?:\/\/[^/]/i.test(text) || /\s/.test(text) || !url || !url.hostname) problem = form;
  else if (url.username || url.password)
    problem = `${form}; it must not hold credentials (they would sit in plain config): give the server's credentials another way`;
  else if (url.search || url.hash || text.includes("?") || text.includes("#"))
    problem = `${form}, without a query or fragment`;
  if (problem) ctx.addIssue({ code: "custom", message: problem, input: withoutCredentials(text) });
});

/** A host name (DNS name of at most 253 characters) or IP address, as an external queue's `host`: no scheme, port or path. */
export const hostName = z.string().superRefine((text, ctx) => {
  const dnsName =
    /^(?=.{1,253}$)([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*\.?$/;
  if (dnsName.test(text) || ipaddr.isValid(text)) return;
  const hint = /^[a-z][a-z0-9+.-]*:\/\//i.test(text)
    ? ": drop the scheme (set tls for TLS)"
    : /:[0-9]+$/.test(text)
      ? ": put the port in port"
      : "";
  ctx.addIssue({
    code: "custom",
    message: `must be a host name such as redis.example.com or an IP address, without scheme, port or path${hint}`,
    input: withoutCredentials(text),
  });
});

export const resources = z.strictObject({
  requests: z.strictObject({ cpu: quantity, memory: byteQuantity }),
  limits: z.strictObject({ cpu: quantity.optional(), memory: byteQuantity }),
});
export type Resources = z.infer<typeof resources>;
