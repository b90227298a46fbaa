/**
 * KEDA `scalingModifiers.formula` for the simulator. KEDA evaluates it with expr-lang (kedacore/keda
 * pkg/scaling/modifiers/formula.go, github.com/expr-lang/expr) over each trigger's metric value by trigger name. The
 * formulas the platform's docs show (numbers, trigger names, arithmetic, comparisons, `&&`/`||`/`!`, `a ? b : c`,
 * `max`/`min`/`abs`/`ceil`/`floor`/`round`) are also JavaScript expressions: they are parsed with vega's expression
 * parser (vega-expression, an ESTree parser already used by the charts) and evaluated here over that subset. Anything
 * else (expr-lang's `and`/`or`/`not` words, `??`, `**`, strings, member access, other builtins) is reported as not
 * modelled, and the simulator follows KEDA's default for that worker instead (each trigger its own metric).
 */
import { parseExpression } from "vega-expression";

type Value = number | boolean;
type Node = { type: string; [k: string]: unknown };
export type Formula = (metrics: Readonly<Record<string, number>>) => number;

const FUNCTIONS: Record<string, (...a: number[]) => number> = {
  max: Math.max,
  min: Math.min,
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  round: Math.round,
};

const num = (v: Value) => (typeof v === "boolean" ? Number(v) : v);

function check(n: Node, names: readonly string[]): string | undefined {
  const sub = (x: unknown) => check(x as Node, names);
  switch (n.type) {
    case "Literal":
      return typeof n.value === "number" || typeof n.value === "boolean" ? undefined : `literal ${String(n.raw)}`;
    case "Identifier":
      return names.includes(n.name as string) ? undefined : `unknown name ${String(n.name)}`;
    case "UnaryExpression":
      return ["-", "+", "!"].includes(n.operator as string) ? sub(n.argument) : `operator ${String(n.operator)}`;
    case "BinaryExpression":
    case "LogicalExpression":
      return ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||"].includes(n.operator as string)
        ? (sub(n.left) ?? sub(n.right))
        : `operator ${String(n.operator)}`;
    case "ConditionalExpression":
      return sub(n.test) ?? sub(n.consequent) ?? sub(n.alternate);
    case "CallExpression": {
      const callee = n.callee as Node;
      if (callee.type !== "Identifier" || !(String(callee.name) in FUNCTIONS)) return "a function call";
      for (const a of n.arguments as Node[]) {
        const e = sub(a);
        if (e) return e;
      }
      return undefined;
    }
    default:
      return n.type;
  }
}

function evaluate(n: Node, m: Readonly<Record<string, number>>): Value {
  const ev = (x: unknown) => evaluate(x as Node, m);
  switch (n.type) {
    case "Literal":
      return n.value as Value;
    case "Identifier":
      return m[n.name as string] ?? 0;
    case "UnaryExpression": {
      const v = ev(n.argument);
      return n.operator === "!" ? !v : n.operator === "-" ? -num(v) : num(v);
    }
    case "LogicalExpression":
      return n.operator === "&&"
        ? Boolean(ev(n.left)) && Boolean(ev(n.right))
        : Boolean(ev(n.left)) || Boolean(ev(n.right));
    case "BinaryExpression": {
      const a = num(ev(n.left));
      const b = num(ev(n.right));
      const ops: Record<string, () => Value> = {
        "+": () => a + b,
        "-": () => a - b,
        "*": () => a * b,
        "/": () => a / b,
        "%": () => a % b,
        "==": () => a === b,
        "!=": () => a !== b,
        "<": () => a < b,
        "<=": () => a <= b,
        ">": () => a > b,
        ">=": () => a >= b,
      };
      return ops[n.operator as string]();
    }
    case "ConditionalExpression":
      return ev(n.test) ? ev(n.consequent) : ev(n.alternate);
    default: {
      const f = FUNCTIONS[String((n.callee as Node).name)];
      return f(...(n.arguments as Node[]).map((a) => num(ev(a))));
    }
  }
}

/**
 * The formula as a function of the triggers' metric values, or the reason it is not modelled. A result that is not a
 * finite number (a division by zero) counts as 0.
 */
export function compileFormula(formula: string, names: readonly string[]): Formula | { notModelled: string } {
  let ast: Node;
  try {
    ast = parseExpression(formula) as unknown as Node;
  } catch (err) {
    return { notModelled: `not a JavaScript-compatible expression (${(err as Error).message})` };
  }
  const problem = check(ast, names);
  if (problem) return { notModelled: problem };
  return (metrics) => {
    const v = num(evaluate(ast, metrics));
    return Number.isFinite(v) ? v : 0;
  };
}
