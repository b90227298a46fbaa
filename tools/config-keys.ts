import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import type { z } from "zod";
import { stackConfig } from "../stacks/schema/index.ts";

/** One config key of the schema: `workers[].replicas.max`, its type and default. */
export interface ConfigKey {
  path: string;
  /** Allowed types or values, de-duplicated over the variants the key appears in. */
  type: string;
  /** Required wherever its parent is present (in every variant of a union the parent allows). */
  required: boolean;
  /**
   * The default column: `**required**`, the schema's static default, the JSDoc's "Defaults to …" sentence when the
   * default depends on other config, or "—"; for a key of only some variants of a union, which ones.
   */
  default: string;
}

type Def = {
  type: string;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  element?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
  options?: z.core.$ZodType[];
  discriminator?: string;
  valueType?: z.core.$ZodType;
  entries?: Record<string, string>;
  values?: unknown[];
  defaultValue?: unknown;
};

/** A union the walk went through: a discriminated one (`cloud`, `type`) or a plain one (secret data's forms). */
interface Union {
  discriminator?: string;
  /** One label per option: the discriminator's value(s), or the keys that only that option has. */
  labels: string[];
}

/** Where one schema node of a key sits: its innermost union and the option of it. */
interface Variant {
  union: Union;
  label: string;
}

/** One appearance of a key path in the schema (a key in several union options appears several times). */
interface Occurrence {
  type: string;
  required: boolean;
  staticDefault?: string;
  variant?: Variant;
}

interface Node {
  path: string;
  parent?: string;
  occurrences: Occurrence[];
}

/** Every key path of the config schema, walked from the zod definitions (the single source). */
export function configKeys(): ConfigKey[] {
  const nodes = new Map<string, Node>();
  walk(stackConfig, "", undefined, undefined, nodes);
  const docs = new SchemaDocs();
  return [...nodes.values()].map((node) => describeKey(node, nodes, docs));
}

function walk(
  schema: z.core.$ZodType,
  prefix: string,
  parent: string | undefined,
  variant: Variant | undefined,
  nodes: Map<string, Node>,
): void {
  const { base } = peel(schema);
  const def = base._zod.def as Def;
  if (def.type === "array" && def.element) return walk(def.element, `${prefix}[]`, parent, variant, nodes);
  if (def.type === "record" && def.valueType) return walk(def.valueType, `${prefix}.<key>`, parent, variant, nodes);
  if (def.type === "union" && def.options) {
    const union = unionOf(def);
    return def.options.forEach((o, i) => walk(o, prefix, parent, { union, label: union.labels[i] }, nodes));
  }
  if (def.type !== "object" || !def.shape) return;
  for (const [key, child] of Object.entries(def.shape)) {
    const keyPath = prefix ? `${prefix}.${key}` : key;
    const { base: childBase, optional, defaultValue } = peel(child);
    const occurrence: Occurrence = {
      type: typeName(childBase),
      required: !optional && defaultValue === undefined,
      variant,
    };
    if (defaultValue !== undefined)
      occurrence.staticDefault = defaultValue === EACH_FIELD ? EACH_FIELD : `\`${JSON.stringify(defaultValue)}\``;
    const node = nodes.get(keyPath) ?? { path: keyPath, parent, occurrences: [] };
    node.occurrences.push(occurrence);
    nodes.set(keyPath, node);
    walk(child, keyPath, keyPath, variant, nodes);
  }
}

function unionOf(def: Def): Union {
  const shapes = (def.options ?? []).map((o) => (peel(o).base._zod.def as Def).shape);
  if (def.discriminator) {
    const d = def.discriminator;
    return {
      discriminator: d,
      labels: shapes.map((s) => (s?.[d] ? typeName(peel(s[d]).base).split(OR).map(unquote).join(", ") : "?")),
    };
  }
  // A plain union of objects: an option is named by the keys no other option has.
  const keys = shapes.map((s) => Object.keys(s ?? {}));
  return {
    labels: keys.map((own, i) => {
      const unique = own.filter((k) => keys.every((other, j) => j === i || !other.includes(k)));
      return unique.map((k) => `\`${k}\``).join(" + ") || `option ${i + 1}`;
    }),
  };
}

const unquote = (v: string) => v.replace(/^"(.*)"$/, "$1");

/**
 * The row of one key. A key every variant has (with one default) reads as usual; one that only some variants of a
 * union have says which, and is required only there; one whose default differs by variant lists each.
 */
function describeKey(node: Node, nodes: Map<string, Node>, docs: SchemaDocs): ConfigKey {
  const type = [...new Set(node.occurrences.flatMap((o) => o.type.split(OR)))].join(OR);
  const cellOf = (o: Occurrence) =>
    o.required ? "**required**" : (o.staticDefault ?? docs.defaultSentence(node.path) ?? "—");
  const union = node.occurrences[0].variant?.union;
  const sameUnion = union && node.occurrences.every((o) => o.variant?.union === union);
  if (!union || !sameUnion) {
    const cells = [...new Set(node.occurrences.map(cellOf))];
    return { path: node.path, type, required: node.occurrences.every((o) => o.required), default: cells.join(" / ") };
  }
  // The variants the key's parent exists in: all of the union's when the union sits below the parent.
  const parentOccurrences = node.parent ? (nodes.get(node.parent)?.occurrences ?? []) : [];
  const parentVariants = parentOccurrences.some((o) => o.variant?.union === union)
    ? union.labels.filter((l) => parentOccurrences.some((o) => o.variant?.label === l))
    : union.labels;
  const groups = new Map<string, string[]>();
  for (const o of node.occurrences) {
    const cell = cellOf(o);
    const labels = groups.get(cell) ?? [];
    if (!labels.includes(o.variant!.label)) labels.push(o.variant!.label);
    groups.set(cell, labels);
  }
  const everywhere = parentVariants.every((l) => node.occurrences.some((o) => o.variant?.label === l));
  const required = everywhere && node.occurrences.every((o) => o.required);
  if (groups.size === 1 && everywhere) return { path: node.path, type, required, default: [...groups.keys()][0] };
  if (groups.size === 1) {
    const [[cell, labels]] = [...groups];
    // A JSDoc sentence ends with a period: the variant note becomes a sentence of its own.
    const note = onlyWith(union, labels, node.path);
    return {
      path: node.path,
      type,
      required,
      default: cell.endsWith(".") ? `${cell} ${note[0].toUpperCase()}${note.slice(1)}.` : `${cell}, ${note}`,
    };
  }
  const parts = [...groups].map(([cell, labels]) => `${cell} ${withVariants(union, labels)}`);
  return { path: node.path, type, required, default: parts.join("; ") };
}

/** "only with cloud: azure, aws", or for a plain union "one of `fromConfig` or `generate`". */
function onlyWith(union: Union, labels: string[], keyPath: string): string {
  if (union.discriminator) return `only with ${union.discriminator}: ${labels.join(", ")}`;
  const key = keyPath.slice(keyPath.lastIndexOf(".") + 1);
  // Each option is one key (secret data: `fromConfig` or `generate`): the key is one of exclusive alternatives.
  if (labels.length === 1 && labels[0] === `\`${key}\``) return `exactly one of ${union.labels.join(", ")}`;
  return `only in the ${labels.join(" / ")} form`;
}

function withVariants(union: Union, labels: string[]): string {
  return union.discriminator
    ? `with ${union.discriminator}: ${labels.join(", ")}`
    : `in the ${labels.join(" / ")} form`;
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
    else if (def.type === "prefault") defaultValue ??= isEmptyObject(def.defaultValue) ? EACH_FIELD : def.defaultValue;
    else if (def.type !== "pipe") break;
    // A pipe's input side, except after a preprocess (its input is the transform): then what it validates.
    const input = def.in;
    s =
      def.type === "pipe" && input?._zod.def.type === "transform"
        ? (def as { out?: z.core.$ZodType }).out!
        : (def.innerType ?? input)!;
  }
  return { base: s, optional, defaultValue };
}

const isEmptyObject = (v: unknown) =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;

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

const SCHEMA_DIR = path.join(import.meta.dirname, "..", "stacks", "schema");

/**
 * The JSDoc of the schema's keys. zod keeps no comments at run time, so they are read with the TypeScript checker from
 * the inferred config type, whose properties point back at the commented fields of the schema's object literals.
 */
class SchemaDocs {
  private checker?: ts.TypeChecker;
  private root?: ts.Type;

  /** The "Defaults to …" sentence(s) of a key's JSDoc, for a default that depends on other config. */
  defaultSentence(keyPath: string): string | undefined {
    const sentences = new Set<string>();
    for (const doc of this.docs(keyPath)) {
      const m = /\bDefaults to\b.*?\.(?=\s|$)/s.exec(doc.replace(/\s+/g, " "));
      if (m) sentences.add(m[0].replace(/\|/g, "\\|"));
    }
    return sentences.size > 0 ? [...sentences].join(" ") : undefined;
  }

  /** JSDoc texts of a key path such as `clusters[].pools[].expanderPriority`, one per union option that has the key. */
  docs(keyPath: string): string[] {
    const checker = this.load();
    const segments = keyPath.replace(/\[\]/g, ".[]").split(".").filter(Boolean);
    let types = [this.root!];
    let symbols: ts.Symbol[] = [];
    for (const segment of segments) {
      const next: ts.Type[] = [];
      symbols = [];
      for (const t of types.flatMap((x) => this.members(x))) {
        if (segment === "[]") {
          if (checker.isArrayType(t)) next.push(checker.getTypeArguments(t as ts.TypeReference)[0]);
        } else if (segment === "<key>") {
          const value = checker.getIndexTypeOfType(t, ts.IndexKind.String);
          if (value) next.push(value);
        } else {
          const property = t.getProperty(segment);
          if (property) {
            symbols.push(property);
            next.push(checker.getTypeOfSymbol(property));
          }
        }
      }
      types = next;
    }
    return symbols.map((s) => ts.displayPartsToString(s.getDocumentationComment(checker))).filter((d) => d.length > 0);
  }

  private members(t: ts.Type): ts.Type[] {
    const nonNull = this.checker!.getNonNullableType(t);
    return nonNull.isUnion() ? nonNull.types : [nonNull];
  }

  private load(): ts.TypeChecker {
    if (this.checker) return this.checker;
    const file = path.join(SCHEMA_DIR, "index.ts");
    const tsconfig = path.join(import.meta.dirname, "..", "tsconfig.json");
    const { config } = ts.readConfigFile(tsconfig, (f) => ts.sys.readFile(f)) as { config: unknown };
    const { options } = ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(tsconfig));
    const program = ts.createProgram([file], { ...options, noEmit: true, types: [] });
    const checker = program.getTypeChecker();
    const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(file)!)!);
    const input = exported.find((s) => s.name === "StackConfigInput");
    if (!input) throw new Error(`${file} exports no StackConfigInput type`);
    this.root = checker.getDeclaredTypeOfSymbol(input);
    return (this.checker = checker);
  }
}

export const DOCS_FILE = path.join(import.meta.dirname, "..", "docs", "config.md");
const BEGIN = "<!-- generated: config keys (npm run docs) -->";
const END = "<!-- end generated -->";

export function renderKeyTable(): string {
  const rows = configKeys().map((k) => `| \`${k.path}\` | ${k.type} | ${k.default} |`);
  return [BEGIN, "", "| key | type | default |", "|---|---|---|", ...rows, "", END].join("\n");
}

/** docs/config.md with its generated block replaced by the current schema's. */
export function regeneratedDocs(current: string): string {
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  if (start < 0 || end < 0) throw new Error(`${DOCS_FILE} has no generated block (${BEGIN} ... ${END})`);
  return current.slice(0, start) + renderKeyTable() + current.slice(end + END.length);
}

/** `npm run docs`: regenerates the key table of `file` (docs/config.md), writing it only when it changed. */
export function updateDocs(file = DOCS_FILE): string {
  const current = fs.readFileSync(file, "utf8");
  const next = regeneratedDocs(current);
  const shown = path.relative(process.cwd(), file);
  const keys = `(${configKeys().length} keys)`;
  if (next === current) return `${shown} is up to date ${keys}`;
  fs.writeFileSync(file, next);
  return `updated ${shown} ${keys}`;
}

if (import.meta.main) console.log(updateDocs());
