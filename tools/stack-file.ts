import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { PROJECT, suggest } from "../stacks/load.ts";
import {
  observability as observabilitySchema,
  receiverSecrets,
  secret as secretSchema,
} from "../stacks/schema/index.ts";

export interface StackFileConfig {
  /** Full keys (`worker-platform:clusters`) to the string form the CLI passes a program (JSON for structures). */
  config: Record<string, string>;
  secretKeys: string[];
  /** Notes for the plan's diagnostics: placeholders used for secrets. */
  notes: string[];
}

export const PLACEHOLDER_SECRET = "offline-placeholder-secret";

/** A config file that cannot be read as one (YAML syntax, wrong shape): a config error (exit 2), not a crash. */
export class ConfigFileError extends Error {
  /** `file` is the path as shown to the user (relative to the project directory). */
  readonly file: string;

  constructor(file: string, message: string) {
    super(message);
    this.name = "ConfigFileError";
    this.file = file;
  }
}

/**
 * Reads `Pulumi.<stack>.yaml` the way the CLI hands config to a program. The offline plan cannot decrypt `secure:`
 * values, so each becomes a placeholder secret; a secret the stack's `secrets` section references but the file does
 * not hold (it is set with `pulumi config set --secret` per deployment) gets a placeholder too, with a note.
 */
export function readStackFile(stack: string, dir = process.cwd()): StackFileConfig {
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`no stack file ${path.relative(process.cwd(), file) || file}`);
  const doc = parseStackYaml(path.basename(file), fs.readFileSync(file, "utf8"));
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const notes: string[] = [];
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    const fullKey = key.includes(":") ? key : `${PROJECT}:${key}`;
    if (fullKey in config)
      throw new ConfigFileError(
        path.basename(file),
        `${path.basename(file)}: config key ${fullKey} is set twice (as "${key}" and with or without its namespace); keep one`,
      );
    const { value: plain, hadSecret } = replaceSecure(value);
    if (hadSecret) {
      secretKeys.push(fullKey);
      notes.push(
        plain === ""
          ? `${fullKey}: empty secure value`
          : `${fullKey}: secure value cannot be decrypted offline; planned with a placeholder secret`,
      );
    }
    config[fullKey] = typeof plain === "string" ? plain : JSON.stringify(plain);
  }
  // Secrets referenced by `secrets[].data.*.fromConfig` but not in the file.
  const secrets = secretSchema.array().safeParse(safeJson(config[`${PROJECT}:secrets`]));
  for (const s of secrets.success ? secrets.data : []) {
    for (const source of Object.values(s.data)) {
      if (!("fromConfig" in source)) continue;
      const fullKey = `${PROJECT}:${source.fromConfig}`;
      if (fullKey in config) continue;
      config[fullKey] = PLACEHOLDER_SECRET;
      secretKeys.push(fullKey);
      notes.push(
        `${fullKey}: not in Pulumi.${stack}.yaml (set it with \`pulumi config set --secret ${source.fromConfig} <value>\`); planned with a placeholder secret`,
      );
    }
  }
  // The same for the credentials of Alertmanager's receivers (`observability.alertmanager.receivers[].*.fromConfig`).
  const observability = observabilitySchema.safeParse(safeJson(config[`${PROJECT}:observability`]) ?? {});
  for (const r of observability.success ? observability.data.alertmanager.receivers : []) {
    for (const { fromConfig } of receiverSecrets(r)) {
      const fullKey = `${PROJECT}:${fromConfig}`;
      if (fullKey in config) continue;
      config[fullKey] = PLACEHOLDER_SECRET;
      secretKeys.push(fullKey);
      notes.push(
        `${fullKey}: not in Pulumi.${stack}.yaml (set it with \`pulumi config set --secret ${fromConfig} <value>\`); planned with a placeholder secret`,
      );
    }
  }
  return { config, secretKeys, notes };
}

/**
 * The stack file's content, or a ConfigFileError `Pulumi.<stack>.yaml:<line>:<col>: <parser message>` followed by the
 * parser's excerpt of the lines at the error (the first error only: later ones usually follow from it).
 */
function parseStackYaml(name: string, text: string): { config?: Record<string, unknown> } {
  const document = parseDocument(text);
  const [error] = document.errors;
  if (error) {
    const { line, col } = error.linePos?.[0] ?? { line: 0, col: 0 };
    const [message, excerpt = ""] = error.message.split(/ at line \d+, column \d+:\n\n/);
    throw new ConfigFileError(
      name,
      `${name}:${line}:${col}: ${message}${excerpt.trimEnd() ? `\n\n${excerpt.trimEnd()}` : ""}`,
    );
  }
  const doc: unknown = document.toJS() ?? {};
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw new ConfigFileError(name, `${name}: expected a mapping with a \`config:\` section, got ${describe(doc)}`);
  // A misspelt section (`conifg:`) would leave the program without its config, reported as every required key
  // missing: name the key instead.
  const unknownKeys = Object.keys(doc).filter((k) => !(STACK_FILE_KEYS as readonly string[]).includes(k));
  if (unknownKeys.length) {
    throw new ConfigFileError(
      name,
      unknownKeys
        .map(
          (k) =>
            `${name}: unknown top-level key "${k}"${suggest(k, STACK_FILE_KEYS)}; a stack file holds ${STACK_FILE_KEYS.join(", ")}${"config" in doc ? "" : " (the program's settings go under config:)"}`,
        )
        .join("\n"),
    );
  }
  const config = (doc as { config?: unknown }).config;
  if (config !== undefined && config !== null && (typeof config !== "object" || Array.isArray(config))) {
    throw new ConfigFileError(
      name,
      `${name}: \`config:\` must be a mapping of config keys to values, got ${describe(config)}`,
    );
  }
  return { config: (config ?? undefined) as Record<string, unknown> | undefined };
}

/**
 * The top-level keys of a stack file: ProjectStack in pulumi/pulumi sdk/go/common/workspace/project.go (secrets
 * provider settings, config, and ESC environments).
 */
export const STACK_FILE_KEYS = ["config", "environment", "secretsprovider", "encryptedkey", "encryptionsalt"] as const;

function describe(v: unknown): string {
  return Array.isArray(v) ? "a list" : JSON.stringify(v);
}

/**
 * The value with each `secure:` replaced by the placeholder secret, since it cannot be decrypted offline; an empty one
 * (`secure: ""` or `secure:` with nothing) becomes an empty secret, which the program reports as not set. Numbers JSON
 * cannot carry (YAML `.inf`, `.nan`) become their YAML spelling, which the schema reports by name.
 */
function replaceSecure(value: unknown): { value: unknown; hadSecret: boolean } {
  if (typeof value === "number" && !Number.isFinite(value))
    return { value: Number.isNaN(value) ? ".nan" : value > 0 ? ".inf" : "-.inf", hadSecret: false };
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    if (Object.keys(obj).length === 1 && "secure" in obj && (obj.secure === null || obj.secure === ""))
      return { value: "", hadSecret: true };
    if (Object.keys(obj).length === 1 && typeof obj.secure === "string")
      return { value: PLACEHOLDER_SECRET, hadSecret: true };
    let hadSecret = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      const r = replaceSecure(v);
      out[k] = r.value;
      hadSecret ||= r.hadSecret;
    }
    return { value: out, hadSecret };
  }
  if (Array.isArray(value)) {
    const items = value.map(replaceSecure);
    return { value: items.map((r) => r.value), hadSecret: items.some((r) => r.hadSecret) };
  }
  return { value, hadSecret: false };
}

function safeJson(text: string | undefined): unknown {
  try {
    return text === undefined ? [] : JSON.parse(text);
  } catch {
    return [];
  }
}
