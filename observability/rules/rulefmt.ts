import { z } from "zod";

/**
 * The rule files Prometheus loads, in the shape its loader validates (prometheus/prometheus model/rulefmt/rulefmt.go,
 * `RuleGroups.Validate` and `RuleNode.Validate`, v3): group names unique and non-empty; each rule either `record` or
 * `alert`, never both; `expr` required; a `record` a valid metric name, an `alert` non-empty; `for` and
 * `keep_firing_for` only on alerts; `annotations` only on alerts; label and annotation names valid, `__name__` not
 * a label;
 * durations in Prometheus's units. Legacy name validation (the chart's Prometheus default for rule names):
 * metric names `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*`.
 */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** model.ParseDuration (prometheus/common model/time.go): units y, w, d, h, m, s, ms, largest first. */
const PROM_DURATION = /^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$/;

const duration = z
  .string()
  .refine((d) => d !== "" && PROM_DURATION.test(d), { error: "must be a Prometheus duration such as 5m or 1h30m" });
const names = (what: string, reserved: string[]) =>
  z
    .record(z.string(), z.string())
    .superRefine((l, ctx) => {
      for (const k of Object.keys(l)) {
        if (!LABEL_NAME.test(k) || reserved.includes(k))
          ctx.addIssue({ code: "custom", message: `invalid ${what} name: ${k}`, path: [k] });
      }
    })
    .optional();
const labels = names("label", ["__name__"]);
const annotations = names("annotation", []);

const ruleNode = z
  .strictObject({
    record: z.string().optional(),
    alert: z.string().optional(),
    expr: z.string().min(1, { error: "field 'expr' must be set in rule" }),
    for: duration.optional(),
    keep_firing_for: duration.optional(),
    labels,
    annotations,
  })
  .superRefine((r, ctx) => {
    const add = (message: string) => ctx.addIssue({ code: "custom", message });
    if (r.record !== undefined && r.alert !== undefined) add("only one of 'record' and 'alert' must be set");
    if (r.record === undefined && r.alert === undefined) add("one of 'record' or 'alert' must be set");
    if (r.record !== undefined) {
      if (!METRIC_NAME.test(r.record)) add(`invalid recording rule name: ${r.record}`);
      if (r.for !== undefined) add("invalid field 'for' in recording rule");
      if (r.keep_firing_for !== undefined) add("invalid field 'keep_firing_for' in recording rule");
      if (r.annotations !== undefined) add("invalid field 'annotations' in recording rule");
    }
    if (r.alert !== undefined && r.alert === "") add("field 'alert' must be set in rule");
  });

export const ruleGroups = z
  .strictObject({
    groups: z.array(
      z.strictObject({
        name: z.string().min(1, { error: "Groupname must not be empty" }),
        interval: duration.optional(),
        limit: z.number().int().min(0).optional(),
        rules: z.array(ruleNode),
      }),
    ),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.groups.forEach((g, i) => {
      if (seen.has(g.name))
        ctx.addIssue({
          code: "custom",
          message: `groupname: "${g.name}" is repeated in the same file`,
          path: ["groups", i, "name"],
        });
      seen.add(g.name);
    });
  });

export type RuleFile = z.infer<typeof ruleGroups>;
export type RuleGroup = RuleFile["groups"][number];
export type Rule = RuleGroup["rules"][number];

/** Problems of a rule file as Prometheus would report them on load, one line each with its path; empty when valid. */
export function ruleFileProblems(file: unknown, name: string): string[] {
  const parsed = ruleGroups.safeParse(file);
  if (parsed.success) return [];
  return parsed.error.issues.map((i) => `${name}: ${i.path.map(String).join(".") || "(file)"}: ${i.message}`);
}
