import { z } from "zod";
import { stackConfig } from "../stacks/schema";

/**
 * Every config key path of the schema, e.g. `workers[].replicas.max`, for the documentation test (docs/config.md
 * must mention each) and for `node -r ts-node/register/transpile-only tools/config-keys.ts` when writing docs.
 */
export function configKeyPaths(): string[] {
  const out = new Set<string>();
  walk(stackConfig, "", out);
  return [...out];
}

function walk(schema: z.core.$ZodType, prefix: string, out: Set<string>): void {
  const def = schema._zod.def as {
    type: string;
    innerType?: z.core.$ZodType;
    in?: z.core.$ZodType;
    element?: z.core.$ZodType;
    shape?: Record<string, z.core.$ZodType>;
    options?: z.core.$ZodType[];
    valueType?: z.core.$ZodType;
  };
  if (def.innerType) return walk(def.innerType, prefix, out);
  if (def.in) return walk(def.in, prefix, out);
  if (def.type === "array" && def.element) return walk(def.element, `${prefix}[]`, out);
  if (def.type === "record" && def.valueType) return walk(def.valueType, `${prefix}.*`, out);
  if (def.type === "union" && def.options) return def.options.forEach((o) => walk(o, prefix, out));
  if (def.type === "object" && def.shape) {
    for (const [key, child] of Object.entries(def.shape)) {
      const path = prefix ? `${prefix}.${key}` : key;
      out.add(path);
      walk(child, path, out);
    }
  }
}

if (require.main === module) console.log(configKeyPaths().join("\n"));
