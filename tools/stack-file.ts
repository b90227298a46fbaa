import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT } from "../stacks/load";
import { secret as secretSchema } from "../stacks/schema";

export interface StackFileConfig {
  /** Full keys (`worker-platform:clusters`) to the string form the CLI passes a program (JSON for structures). */
  config: Record<string, string>;
  secretKeys: string[];
  /** Notes for the plan's diagnostics: placeholders used for secrets. */
  notes: string[];
}

export const PLACEHOLDER_SECRET = "offline-placeholder-secret";

/**
 * Reads `Pulumi.<stack>.yaml` the way the CLI hands config to a program. The offline plan cannot decrypt `secure:`
 * values, so each becomes a placeholder secret; a secret the stack's `secrets` section references but the file does
 * not hold (it is set with `pulumi config set --secret` per deployment) gets a placeholder too, with a note.
 */
export function readStackFile(stack: string, dir = process.cwd()): StackFileConfig {
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`no stack file ${path.relative(process.cwd(), file) || file}`);
  const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const notes: string[] = [];
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    const fullKey = key.includes(":") ? key : `${PROJECT}:${key}`;
    const { value: plain, hadSecret } = replaceSecure(value);
    if (hadSecret) {
      secretKeys.push(fullKey);
      notes.push(`${fullKey}: secure value cannot be decrypted offline; planned with a placeholder secret`);
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
      notes.push(`${fullKey}: not in Pulumi.${stack}.yaml (set it with \`pulumi config set --secret ${source.fromConfig} <value>\`); planned with a placeholder secret`);
    }
  }
  return { config, secretKeys, notes };
}

function replaceSecure(value: unknown): { value: unknown; hadSecret: boolean } {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    if (Object.keys(obj).length === 1 && typeof obj.secure === "string") return { value: PLACEHOLDER_SECRET, hadSecret: true };
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
