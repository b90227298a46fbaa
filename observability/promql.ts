import { parser } from "@prometheus-io/lezer-promql";
import type { SyntaxNode } from "@lezer/common";
import type { MetricCatalogue } from "./metrics.ts";
import type { Expression } from "./names.ts";

/** What is wrong with one expression: a parse error (with its position) and the metric names nobody produces. */
export interface ExpressionProblem {
  expression: Expression;
  message: string;
}

/**
 * Parses PromQL with the Prometheus project's own JavaScript parser (@prometheus-io/lezer-promql, the grammar of
 * Prometheus's web UI, published with each Prometheus release) and returns the metric names it selects, or the
 * first syntax error. The parser recovers from errors by inserting error nodes, so any error node is a failure.
 * Beyond the grammar, one check Prometheus's own parser makes: a range (`[5m]`) only on a vector selector
 * (prometheus/prometheus promql/parser/parse.go "ranges only allowed for vector selectors"); a subquery needs `[5m:1m]`.
 */
export function parsePromql(expr: string): { metrics: string[]; error?: string } {
  const tree = parser.parse(expr);
  const metrics: string[] = [];
  let error: string | undefined;
  const at = (pos: number) =>
    `at character ${pos + 1}${pos < expr.length ? ` ("${expr.slice(pos, pos + 20)}")` : " (end)"}`;
  tree.iterate({
    enter: (ref) => {
      if (error) return false;
      if (ref.type.isError) {
        error = `syntax error ${at(ref.from)}`;
        return false;
      }
      const node = ref.node;
      if (ref.name === "MatrixSelector" && node.firstChild?.name !== "VectorSelector") {
        error = `ranges only allowed for vector selectors ${at(ref.from)}; use a subquery such as [10m:1m]`;
        return false;
      }
      if (ref.name === "VectorSelector") metrics.push(...selectorNames(node, expr));
      return undefined;
    },
  });
  return { metrics: [...new Set(metrics)], error };
}

/** The metric name of a vector selector: `name{...}` or `{__name__="name"}` (a regex on `__name__` names none). */
function selectorNames(node: SyntaxNode, expr: string): string[] {
  const text = (n: SyntaxNode) => expr.slice(n.from, n.to);
  const id = node.getChild("Identifier");
  if (id) return [text(id)];
  const out: string[] = [];
  const matchers = node.getChild("LabelMatchers");
  for (const m of matchers?.getChildren("UnquotedLabelMatcher") ?? []) {
    const name = m.getChild("LabelName");
    const op = m.getChild("MatchOp")?.firstChild?.name;
    const value = m.getChild("StringLiteral");
    if (name && value && text(name) === "__name__" && op === "EqlSingle")
      out.push(JSON.parse(text(value).replace(/^'|'$/g, '"')) as string);
  }
  return out;
}

/**
 * The offline check of every PromQL expression the program writes or is handed (rules, the adapter's rules, triggers'
 * queries, dashboards' panels): each must parse, and each metric it names must be in the catalogue (produced by the
 * platform, or declared in observability.externalMetrics). One problem per failing expression, naming its source.
 */
export function checkExpressions(expressions: Expression[], catalogue: MetricCatalogue): ExpressionProblem[] {
  const problems: ExpressionProblem[] = [];
  for (const expression of expressions) {
    const { metrics, error } = parsePromql(expression.expr);
    if (error) {
      problems.push({ expression, message: `PromQL does not parse: ${error}` });
      continue;
    }
    const unknown = metrics.filter((m) => !catalogue.known(m));
    if (unknown.length)
      problems.push({
        expression,
        message: `PromQL names ${unknown.map((m) => JSON.stringify(m)).join(", ")}, which the platform does not produce; if your workers or an exporter do, list ${unknown.length === 1 ? "it" : "them"} under observability.externalMetrics`,
      });
  }
  return problems;
}

/** A problem as one line: `<source>: <message>` (the config key leads where the user wrote the PromQL). */
export function formatExpressionProblem(p: ExpressionProblem): string {
  return `${p.expression.configPath ?? p.expression.source}: ${p.message}`;
}
