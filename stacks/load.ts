import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { StackConfig } from "./schema/index.ts";
import { receiverSecrets, STACK_CONFIG_KEYS, stackConfig } from "./schema/index.ts";
import { workloadWarnings } from "./schema/checks/workloads.ts";
import { clusterWarnings } from "./schema/checks/clusters.ts";

export const PROJECT = "worker-platform";

/** Raised when the stack configuration is invalid; `problems` holds one line per problem, each naming its key. */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "ConfigError";
    this.problems = problems;
  }
}

export interface LoadedConfig {
  config: StackConfig;
  warnings: string[];
}

/** A view of the stack's config: `get` returns the raw string of `worker-platform:<key>`. */
export interface ConfigSource {
  keys(): string[];
  get(key: string): string | undefined;
  isSecret(key: string): boolean;
  /** Every config key of the stack with its namespace (`aws:region`, `worker-platfom:workers`), to catch namespace typos. */
  allKeys?(): string[];
}

/** The running program's config, as the Pulumi CLI (or the offline plan's mocks) provides it. */
export const pulumiConfigSource: ConfigSource = {
  keys: () =>
    Object.keys(pulumi.runtime.allConfig())
      .filter((k) => k.startsWith(`${PROJECT}:`))
      .map((k) => k.slice(PROJECT.length + 1)),
  get: (key) => pulumi.runtime.getConfig(`${PROJECT}:${key}`),
  isSecret: (key) => runtimeInternals.isConfigSecret(`${PROJECT}:${key}`),
  allKeys: () => Object.keys(pulumi.runtime.allConfig()),
};

/**
 * `isConfigSecret` is what `pulumi.Config.get` itself uses to warn on a secret read as plaintext; it is marked
 * @internal in the typings (sdk/nodejs/runtime/config.ts), so it is reached through this narrow cast.
 */
const runtimeInternals = pulumi.runtime as unknown as { isConfigSecret(key: string): boolean };

/**
 * Reads and validates the whole stack configuration. Runs before any resource is registered and reports every
 * problem at once; throws ConfigError.
 */
export function loadConfig(source: ConfigSource = pulumiConfigSource): LoadedConfig {
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  for (const key of STACK_CONFIG_KEYS) {
    const value = source.get(key);
    if (value === undefined) continue;
    try {
      raw[key] = JSON.parse(value);
    } catch {
      raw[key] = value; // a plain string; the schema reports it if a structure was expected
    }
  }
  const parsed = stackConfig.safeParse(raw, { reportInput: true });
  // Values under a key the stack holds as a secret, and secret data entries (where a pasted plaintext secret lands),
  // are never repeated in a message: it would go to the terminal and to CI logs.
  const secretTop = new Set(STACK_CONFIG_KEYS.filter((k) => source.isSecret(k)));
  const redact = (path: PropertyKey[]) =>
    secretTop.has(path[0] as keyof StackConfig) || (path[0] === "secrets" && path[2] === "data");
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap((i) => formatIssue(i, raw, redact)));

  const secretKeys = new Set<string>();
  const checkSecretKey = (at: string, key: string) => {
    secretKeys.add(key);
    const value = source.get(key);
    if (value === undefined) {
      problems.push(`${at}: config key "${key}" is not set; run \`pulumi config set --secret ${key} <value>\``);
    } else if (value === "") {
      problems.push(`${at}: config key "${key}" is empty; set it with \`pulumi config set --secret ${key} <value>\``);
    } else if (!source.isSecret(key)) {
      problems.push(
        `${at}: config key "${key}" is stored in plaintext; set it again with \`pulumi config set --secret ${key} <value>\``,
      );
    }
  };
  if (parsed.success) {
    parsed.data.secrets.forEach((s, si) =>
      Object.entries(s.data).forEach(([dataKey, v]) => {
        if ("fromConfig" in v) checkSecretKey(`secrets[${si}].data.${dataKey}.fromConfig`, v.fromConfig);
      }),
    );
    parsed.data.observability.alertmanager.receivers.forEach((r, ri) =>
      receiverSecrets(r).forEach(({ field, fromConfig }) =>
        checkSecretKey(`observability.alertmanager.receivers[${ri}].${field}.fromConfig`, fromConfig),
      ),
    );
  }
  for (const key of source.keys()) {
    if ((STACK_CONFIG_KEYS as string[]).includes(key) || secretKeys.has(key)) continue;
    if (source.isSecret(key) && !parsed.success) continue; // may be referenced by a secret we could not parse
    problems.push(
      `${key}: unknown config key${suggest(key, STACK_CONFIG_KEYS)}; top-level keys are ${STACK_CONFIG_KEYS.join(", ")} and the secrets' and receivers' fromConfig keys`,
    );
  }
  problems.push(...namespaceTypos(source.allKeys?.() ?? []));
  if (!("platform" in raw)) problems.sort(); // keep output stable when several keys are missing
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return { config: parsed.data, warnings: [...clusterWarnings(parsed.data), ...workloadWarnings(parsed.data)] };
}

/**
 * Keys under a namespace that looks like a typo of the project's (`worker-platfom:workers`): the program never reads
 * them, so the section would silently be missing. Other namespaces (providers: `aws:`, `azure-native:`, `pulumi:`)
 * are left alone.
 */
function namespaceTypos(allKeys: string[]): string[] {
  return allKeys.flatMap((full) => {
    const i = full.indexOf(":");
    const ns = full.slice(0, i);
    if (i < 0 || ns === PROJECT || editDistance(ns.toLowerCase(), PROJECT) > 2) return [];
    return [
      `${full}: config namespace "${ns}" is not this project's; did you mean "${PROJECT}:${full.slice(i + 1)}"? (the program reads only ${PROJECT}:* keys)`,
    ];
  });
}

/** YAML's spellings of the numbers JSON cannot carry; tools/stack-file.ts passes them on as these strings. */
export const NON_FINITE_NUMBERS = [".inf", "-.inf", ".nan"];

const TYPE_NAMES: Record<string, string> = { int: "a whole number" };

/**
 * One line per problem of a zod issue (`workers[2].replicas.max: must be >= min (3), got 1`); an issue about several
 * unknown keys gives a line per key. Where `redact` says the path may hold a secret, the value is not shown.
 */
export function formatIssue(
  issue: z.core.$ZodIssue,
  root: unknown,
  redact: (path: PropertyKey[]) => boolean = () => false,
): string[] {
  const path = formatPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeysAt(issue.path, root);
    return issue.keys.map(
      (k) =>
        `${formatPath([...issue.path, k])}: unknown key${suggest(k, allowed)}${allowed.length ? `; allowed: ${allowed.join(", ")}` : ""}`,
    );
  }
  if (issue.code === "invalid_key") {
    // A record key that breaks its pattern: the key's own schema says what is allowed.
    const key = issue.path[issue.path.length - 1];
    const why = issue.issues.map((i) => i.message).join("; ");
    return [`${path}: key ${JSON.stringify(String(key))} ${why}`];
  }
  // A bad discriminator (`cloud: azur`) comes with the whole object as input: show only the value, and a suggestion.
  const options =
    issue.code === "invalid_union" && "discriminator" in issue ? (issue as { options?: unknown[] }).options : undefined;
  const discriminator = Array.isArray(options);
  const input = discriminator || !("input" in issue) ? valueAt(root, issue.path) : issue.input;
  // A generated secret's length is a setting, not the secret: a number there is shown.
  const generateLength = issue.path[0] === "secrets" && issue.path[4] === "generate" && typeof input === "number";
  const hidden = input !== undefined && redact(issue.path) && !generateLength;
  const got =
    input === undefined
      ? issue.code === "invalid_type"
        ? ", got nothing (required)"
        : ""
      : hidden
        ? ", got a value that is not shown (it may be a secret)"
        : `, got ${typeof input === "string" && NON_FINITE_NUMBERS.includes(input) ? input : JSON.stringify(input)}`;
  let hint = "";
  if (!hidden && options && typeof input === "string") hint = suggest(input, options.map(String));
  if (!hidden && issue.code === "invalid_value" && typeof input === "string")
    hint = suggest(input, issue.values.map(String));
  if (issue.code === "invalid_union" && !discriminator && isPlainObject(input))
    hint = unionKeyHint(Object.keys(input), issue.errors);
  let message = issue.code === "invalid_type" ? typeMessage(issue.expected, input, hidden) : issue.message;
  // A message may quote part of the value (`has an invalid tag "..."`): where the value is hidden, so are the quotes.
  if (hidden)
    message = stringLeaves(input).reduce((m, leaf) => m.split(leaf).join("***"), message.replace(/"[^"]*"/g, '"***"'));
  return [`${path || "(config)"}: ${message}${got}${hint}`];
}

/** "must be number", with the fix for the usual YAML slips: a quoted number, an unquoted version, one value for a list. */
function typeMessage(expected: string, input: unknown, hidden: boolean): string {
  const numeric = expected === "number" || expected === "int";
  const name = TYPE_NAMES[expected] ?? expected;
  if (numeric && typeof input === "string" && NON_FINITE_NUMBERS.includes(input))
    return "must be a finite number (YAML's .inf and .nan are not numbers a Kubernetes field can hold)";
  if (numeric && typeof input === "string" && /^-?[0-9.]+$/.test(input))
    return `must be ${name} (remove the quotes: a quoted number is a string)`;
  if (expected === "string" && typeof input === "number")
    return "must be string (quote it: YAML reads an unquoted 1.30 as the number 1.3)";
  if (expected === "array" && input !== undefined && !isPlainObject(input) && !hidden)
    return `must be array (a list: write [${typeof input === "string" ? input : JSON.stringify(input)}])`;
  return `must be ${name}`;
}

function stringLeaves(v: unknown): string[] {
  if (typeof v === "string") return v.length >= 3 ? [v] : [];
  if (Array.isArray(v)) return v.flatMap(stringLeaves);
  if (isPlainObject(v)) return Object.values(v).flatMap(stringLeaves);
  return [];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * For a value that matches no option of a plain union (a secret's `{ fromconfig: ... }`): the keys it has that no
 * option takes, with a did-you-mean among those the options do take.
 */
function unionKeyHint(keys: string[], errors: z.core.$ZodIssue[][]): string {
  const unknownPerOption = errors.map(
    (e) => new Set(e.flatMap((i) => (i.code === "unrecognized_keys" && i.path.length === 0 ? i.keys : []))),
  );
  const unknown = keys.filter((k) => unknownPerOption.every((u) => u.has(k)));
  const known = [...new Set(errors.flatMap((e) => e.flatMap((i) => (i.path.length === 1 ? [String(i.path[0])] : []))))];
  return unknown.map((k) => `; unknown key "${k}"${suggest(k, known)}`).join("");
}

export function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (acc, seg) => (typeof seg === "number" ? `${acc}[${seg}]` : acc ? `${acc}.${String(seg)}` : String(seg)),
    "",
  );
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (v, seg) => (v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[seg] : undefined),
    root,
  );
}

/**
 * The keys the schema allows at a path (for "did you mean"), found by walking the schema alongside the config: at a
 * discriminated union (a cluster's `cloud`, a trigger's `type`) the option the value names.
 */
function allowedKeysAt(path: PropertyKey[], root: unknown): string[] {
  let schema: z.core.$ZodType | undefined = stackConfig;
  for (let i = 0; i < path.length && schema; i++) {
    schema = child(pickOption(schema, valueAt(root, path.slice(0, i))), path[i]);
  }
  const shape = schema && objectShape(pickOption(schema, valueAt(root, path)));
  return shape ? Object.keys(shape) : [];
}

/** The option of a discriminated union that `value`'s discriminator selects; the schema itself otherwise. */
function pickOption(schema: z.core.$ZodType, value: unknown): z.core.$ZodType {
  const def = unwrap(schema)._zod.def as { type: string; discriminator?: string; options?: z.core.$ZodType[] };
  if (def.type !== "union" || !def.discriminator || !def.options || value === null || typeof value !== "object")
    return schema;
  const wanted = (value as Record<string, unknown>)[def.discriminator];
  const match = def.options.find((o) => {
    // A literal (`cloud: azure`) lists its values; an enum (`kind: redis | rabbitmq`) its entries.
    const literal = objectShape(o)?.[def.discriminator!]?._zod.def as
      { values?: unknown[]; entries?: Record<string, unknown> } | undefined;
    return literal?.values?.includes(wanted) || Object.values(literal?.entries ?? {}).includes(wanted);
  });
  return match ?? schema;
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let s = schema;
  for (let i = 0; i < 10; i++) {
    const def = s._zod.def as { innerType?: z.core.$ZodType; in?: z.core.$ZodType };
    const next = def.innerType ?? def.in;
    if (!next) break;
    s = next;
  }
  return s;
}

function objectShape(schema: z.core.$ZodType): Record<string, z.core.$ZodType> | undefined {
  const def = unwrap(schema)._zod.def as { shape?: Record<string, z.core.$ZodType> };
  return def.shape;
}

function child(schema: z.core.$ZodType, seg: PropertyKey): z.core.$ZodType | undefined {
  const def = unwrap(schema)._zod.def as {
    type: string;
    element?: z.core.$ZodType;
    shape?: Record<string, z.core.$ZodType>;
    valueType?: z.core.$ZodType;
    options?: z.core.$ZodType[];
  };
  if (def.type === "array") return def.element;
  if (def.type === "object") return def.shape?.[String(seg)];
  if (def.type === "record") return def.valueType;
  if (def.type === "union" && def.options) {
    // discriminated unions: pick the first option that has this key (all share the common keys)
    const merged: Record<string, z.core.$ZodType> = {};
    def.options.forEach((o) => Object.assign(merged, objectShape(o) ?? {}));
    return merged[String(seg)];
  }
  return undefined;
}

/** `; did you mean "replicas"?` for a key one or two edits away from an allowed one. */
export function suggest(key: string, allowed: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best ? ` (did you mean "${best}"?)` : "";
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
