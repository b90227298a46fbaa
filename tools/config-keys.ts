import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { stackConfig } from "../stacks/schema";

/** One config key of the schema: `workers[].replicas.max`, its type and default. */
export interface ConfigKey {
  path: string;
  type: string;
  required: boolean;
  default?: string;
}

type Def = {
  type: string;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  element?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
  options?: z.core.$ZodType[];
  valueType?: z.core.$ZodType;
  entries?: Record<string, string>;
  values?: unknown[];
  defaultValue?: unknown;
};

/** Every key path of the config schema, walked from the zod definitions (the single source). */
export function configKeys(): ConfigKey[] {
  const out = new Map<string, ConfigKey>();
  walkObject(stackConfig, "", out);
  return [...out.values()];
}

function walkObject(schema: z.core.$ZodType, prefix: string, out: Map<string, ConfigKey>): void {
  const { base } = peel(schema);
  const def = base._zod.def as Def;
  if (def.type === "array" && def.element) return walkObject(def.element, `${prefix}[]`, out);
  if (def.type === "record" && def.valueType) return walkObject(def.valueType, `${prefix}.<key>`, out);
  if (def.type === "union" && def.options) return def.options.forEach((o) => walkObject(o, prefix, out));
  if (def.type !== "object" || !def.shape) return;
  for (const [key, child] of Object.entries(def.shape)) {
    const keyPath = prefix ? `${prefix}.${key}` : key;
    const { base: childBase, optional, defaultValue } = peel(child);
    const entry: ConfigKey = { path: keyPath, type: typeName(childBase), required: !optional && defaultValue === undefined };
    if (defaultValue !== undefined) entry.default = defaultValue === EACH_FIELD ? EACH_FIELD : `\`${JSON.stringify(defaultValue)}\``;
    const existing = out.get(keyPath);
    if (existing) {
      // The same key in several union members (per cloud, per trigger type): merge types and defaults.
      if (!existing.type.split(OR).includes(entry.type)) existing.type += `${OR}${entry.type}`;
      if (existing.default !== entry.default) {
        existing.default = `${existing.default ?? (existing.required ? "required" : "none")} / ${entry.default ?? (entry.required ? "required" : "none")} (by variant)`;
      }
      existing.required &&= entry.required;
    } else out.set(keyPath, entry);
    walkObject(child, keyPath, out);
  }
}

const OR = " \\| ";
const EACH_FIELD = "each field's default";

/** Strips optional/default/prefault wrappers, remembering what they said. */
function peel(schema: z.core.$ZodType): { base: z.core.$ZodType; optional: boolean; defaultValue?: unknown } {
  let s = schema;
  let optional = false;
  let defaultValue: unknown;
  for (;;) {
    const def = s._zod.def as Def;
    if (def.type === "optional") optional = true;
    else if (def.type === "default") defaultValue ??= def.defaultValue;
    else if (def.type === "prefault") defaultValue ??= EACH_FIELD;
    else if (def.type !== "pipe") break;
    s = (def.innerType ?? def.in)!;
  }
  return { base: s, optional, defaultValue };
}

function typeName(schema: z.core.$ZodType): string {
  const def = schema._zod.def as Def;
  switch (def.type) {
    case "enum":
      return Object.values(def.entries ?? {}).join(OR);
    case "literal":
      return (def.values ?? []).map((v) => JSON.stringify(v)).join(OR);
    case "array":
      return `list of ${typeName(peel(def.element!).base)}`;
    case "record":
      return `map of ${typeName(peel(def.valueType!).base)}`;
    case "union":
      return [...new Set((def.options ?? []).map((o) => typeName(peel(o).base)))].join(OR);
    default:
      return def.type;
  }
}

export const DOCS_FILE = path.join(__dirname, "..", "docs", "config.md");
const BEGIN = "<!-- generated: config keys (npm run docs) -->";
const END = "<!-- end generated -->";

export function renderKeyTable(): string {
  const rows = configKeys().map((k) => `| \`${k.path}\` | ${k.type} | ${k.required ? "**required**" : (k.default ?? "—")} |`);
  return [BEGIN, "", "| key | type | default |", "|---|---|---|", ...rows, "", END].join("\n");
}

/** docs/config.md with its generated block replaced by the current schema's. */
export function regeneratedDocs(current: string): string {
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  if (start < 0 || end < 0) throw new Error(`${DOCS_FILE} has no generated block (${BEGIN} ... ${END})`);
  return current.slice(0, start) + renderKeyTable() + current.slice(end + END.length);
}

if (require.main === module) {
  fs.writeFileSync(DOCS_FILE, regeneratedDocs(fs.readFileSync(DOCS_FILE, "utf8")));
  console.log(`updated ${path.relative(process.cwd(), DOCS_FILE)} (${configKeys().length} keys)`);
}
