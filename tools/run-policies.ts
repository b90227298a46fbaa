import * as fs from "fs";
import * as path from "path";
import type { RecordedResource } from "./harness.ts";
import { suggest } from "../stacks/load.ts";
import { allPolicies, PACK_ENFORCEMENT_LEVEL } from "../policy/rules/index.ts";
import type {
  EnforcementLevel,
  Policies,
  PolicyResource,
  ResourceValidationArgs,
  StackValidationArgs,
} from "../policy/rules/lib/sdk.ts";
import { isUnknownValueError, unknownCheckingProxy, UNKNOWN_STRING_VALUE } from "../policy/rules/lib/sdk.ts";

/** One violation, as `npm run plan` prints it and writes it to plan.json. */
export interface PolicyViolation {
  policy: string;
  enforcementLevel: "advisory" | "mandatory";
  urn?: string;
  resourceName?: string;
  message: string;
  remediation?: string;
}

/** A policy config file's content: `{ "all"?: level, "<policy>": level | { enforcementLevel?, ...props } }`. */
export type PolicyConfig = Record<string, unknown>;

export interface EvaluateOptions {
  stack: string;
  /**
   * The stack's policy config (what `--policy-pack-config` would get). When undefined, policy/config/<stack>.json is
   * read if it exists; pass `{}` to run with the rules' defaults only.
   */
  policyConfig?: PolicyConfig;
  /** Rules to run; defaults to the whole pack (tests pass single rules). */
  policies?: Policies;
}

/**
 * The offline `pulumi preview --policy-pack policy`: runs the pack's rules over the resources the mock harness
 * recorded, the way the analyzer would (@pulumi/policy 1.21 server.ts):
 *  - each rule's level is the config's `<policy>.enforcementLevel`, else the config's `all`, else the rule's own,
 *    else the pack's; `disabled` rules do not run, `remediate` counts as mandatory;
 *  - resource rules get one resource's inputs, stack rules all resources. The plan only has INPUTS, for both; the CLI
 *    gives stack rules each resource's OUTPUTS (analyzeStack runs "at the end of a successful preview or update" on
 *    "the outputs, after any mutations", @pulumi/policy server.ts). The two differ where the API server or a
 *    controller fills fields in (a live Deployment always has spec.replicas) and for a helm.v4.Chart, a component
 *    whose outputs carry no chart/values while its rendered objects become resources of the stack; here charts are
 *    not expanded at all. The rules are written to hold under both (docs/policy.md, "What the rules see"), and the
 *    tests feed them CLI-shaped resources too;
 *  - props are wrapped by the analyzer's unknown-checking proxy, with the harness's "[unknown]" turned back into the
 *    engine's unknown sentinel, so a rule that reads an unknown value is reported as "can't run ... during preview"
 *    (advisory), never silently passed;
 *  - `getConfig()` returns the policy's config properties, with the configSchema defaults filled in.
 */
export async function evaluatePolicies(
  resources: RecordedResource[],
  opts: EvaluateOptions,
): Promise<PolicyViolation[]> {
  const policies = opts.policies ?? allPolicies;
  const config = opts.policyConfig ?? readPolicyConfig(opts.stack);
  validateConfig(policies, config);
  const converted = toPolicyResources(resources);
  const violations: PolicyViolation[] = [];
  for (const policy of policies) {
    const level = enforcementLevelOf(policy, config);
    if (level === "disabled") continue;
    const reported: "advisory" | "mandatory" = level === "advisory" ? "advisory" : "mandatory";
    const getConfig = <T extends object>() => configFor(policy, config) as T;
    const push = (message: string, urn?: string, level2: "advisory" | "mandatory" = reported) =>
      violations.push({
        policy: policy.name,
        enforcementLevel: level2,
        ...(urn ? { urn, resourceName: urn.split("::").pop() } : {}),
        message,
        ...(policy.remediationSteps ? { remediation: policy.remediationSteps } : {}),
      });
    const unknown = (err: unknown, urn?: string) =>
      push(`can't run policy '${policy.name}' during preview: ${(err as Error).message}`, urn, "advisory");

    if ("validateStack" in policy) {
      const args: StackValidationArgs = { resources: converted, stackTags: new Map(), getConfig, notApplicable };
      try {
        await policy.validateStack(args, (message, urn) => push(message, urn));
      } catch (err) {
        if (isUnknownValueError(err)) unknown(err);
        else if (!(err instanceof NotApplicable)) throw withPolicy(err, policy.name);
      }
      continue;
    }
    const validations =
      policy.validateResource === undefined
        ? []
        : Array.isArray(policy.validateResource)
          ? policy.validateResource
          : [policy.validateResource];
    for (const r of converted) {
      for (const validate of validations) {
        const args: ResourceValidationArgs = {
          type: r.type,
          props: r.props,
          urn: r.urn,
          name: r.name,
          opts: r.opts,
          ...(r.provider ? { provider: r.provider } : {}),
          stackTags: new Map(),
          isType: r.isType.bind(r),
          asType: r.asType.bind(r) as ResourceValidationArgs["asType"],
          getConfig,
          notApplicable,
        };
        try {
          // The analyzer ignores the urn argument of a resource rule: the violation is the resource's.
          await validate(args, (message) => push(message, r.urn));
        } catch (err) {
          if (isUnknownValueError(err)) unknown(err, r.urn);
          else if (!(err instanceof NotApplicable)) throw withPolicy(err, policy.name);
        }
      }
    }
  }
  return violations;
}

/** A policy config that is not valid JSON, not an object, or names unknown policies, properties or levels. */
export class PolicyConfigError extends Error {
  /** One line per problem: `<policy>[.<property>]: <what is wrong>`. */
  readonly problems: string[];
  /** The file it was read from (relative to the current directory when under it), when it was read from one. */
  readonly file?: string;

  constructor(problems: string[], file?: string) {
    super(`Invalid policy config${file ? ` ${file}` : ""}:\n  ${problems.join("\n  ")}`);
    this.name = "PolicyConfigError";
    this.problems = problems;
    this.file = file;
  }
}

/** policy/config/<stack>.json, or `{}`. Throws a PolicyConfigError naming the file when it is not a JSON object. */
export function readPolicyConfig(
  stack: string,
  dir = path.join(import.meta.dirname, "..", "policy", "config"),
): PolicyConfig {
  const file = path.join(dir, `${stack}.json`);
  if (!fs.existsSync(file)) return {};
  const relative = path.relative(process.cwd(), file);
  const shown = relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
  let config: unknown;
  try {
    config = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new PolicyConfigError([`not valid JSON: ${(err as Error).message}`], shown);
  }
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new PolicyConfigError(
      [
        `expected a JSON object of policy names to levels or settings, got ${Array.isArray(config) ? "an array" : JSON.stringify(config)}`,
      ],
      shown,
    );
  }
  return config as PolicyConfig;
}

const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

export function enforcementLevelOf(policy: Policies[number], config: PolicyConfig): EnforcementLevel {
  const own = config[policy.name];
  const fromConfig =
    typeof own === "string" ? own : (own as { enforcementLevel?: string } | undefined)?.enforcementLevel;
  return (fromConfig ??
    (config.all as string | undefined) ??
    policy.enforcementLevel ??
    PACK_ENFORCEMENT_LEVEL) as EnforcementLevel;
}

/** The policy's config properties (without enforcementLevel), over its schema's defaults. */
function configFor(policy: Policies[number], config: PolicyConfig): Record<string, unknown> {
  const defaults = Object.fromEntries(
    Object.entries(policy.configSchema?.properties ?? {})
      .filter(([, s]) => typeof s === "object" && s !== null && "default" in s)
      .map(([k, s]) => [k, (s as { default: unknown }).default]),
  );
  const own = config[policy.name];
  if (!own || typeof own !== "object") return defaults;
  const { enforcementLevel: _level, ...props } = own as Record<string, unknown>;
  void _level;
  return { ...defaults, ...props };
}

/**
 * Config errors: bad levels and properties of the wrong type (the CLI rejects these too), and unknown policies or
 * properties, which the CLI ignores (pulumi pkg/resource/analyzer/config.go) but which are always typos here.
 */
function validateConfig(policies: Policies, config: PolicyConfig): void {
  const errors: string[] = [];
  const notALevel = (v: unknown) => `${JSON.stringify(v)} is not an enforcement level (${LEVELS.join(", ")})`;
  for (const [name, value] of Object.entries(config)) {
    if (name === "all") {
      if (!LEVELS.includes(value as EnforcementLevel)) errors.push(`all: ${notALevel(value)}`);
      continue;
    }
    const policy = policies.find((p) => p.name === name);
    if (!policy) {
      if (policies === allPolicies)
        errors.push(`${name}: no such policy in the pack${suggest(name, [...allPolicies.map((p) => p.name), "all"])}`);
      continue;
    }
    if (typeof value === "string") {
      if (!LEVELS.includes(value as EnforcementLevel)) errors.push(`${name}: ${notALevel(value)}`);
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      errors.push(`${name}: expected an enforcement level or an object, got ${JSON.stringify(value)}`);
      continue;
    }
    const properties = Object.keys(policy.configSchema?.properties ?? {});
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (key === "enforcementLevel") {
        if (!LEVELS.includes(v as EnforcementLevel)) errors.push(`${name}.enforcementLevel: ${notALevel(v)}`);
        continue;
      }
      const schema = policy.configSchema?.properties?.[key] as { type?: string } | undefined;
      if (!schema) {
        const known = properties.length ? `; its properties: ${properties.join(", ")}` : "; it has none";
        errors.push(
          `${name}.${key}: not a property of the policy's configSchema${suggest(key, [...properties, "enforcementLevel"])}${known}`,
        );
      } else if (schema.type && !hasType(v, schema.type))
        errors.push(`${name}.${key}: expected ${schema.type}, got ${JSON.stringify(v)}`);
    }
  }
  if (errors.length) throw new PolicyConfigError(errors);
}

function hasType(v: unknown, type: string): boolean {
  switch (type) {
    case "array":
      return Array.isArray(v);
    case "integer":
      return Number.isInteger(v);
    case "object":
      return typeof v === "object" && v !== null && !Array.isArray(v);
    default:
      return typeof v === type;
  }
}

class NotApplicable extends Error {}
function notApplicable(reason?: string): never {
  throw new NotApplicable(reason ?? "Policy does not apply");
}

function withPolicy(err: unknown, name: string): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  e.message = `Error validating resource with policy '${name}': ${e.message}`;
  return e;
}

/** The harness writes unknowns as "[unknown]"; the analyzer receives the engine's sentinel. */
function restoreUnknowns(v: unknown): unknown {
  if (v === "[unknown]") return UNKNOWN_STRING_VALUE;
  if (Array.isArray(v)) return v.map(restoreUnknowns);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, restoreUnknowns(x)]));
  return v;
}

/** RecordedResource → PolicyResource, linked like makeAnalyzeStackRpcFun links them (parent, dependencies, provider). */
export function toPolicyResources(resources: RecordedResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const out = resources.map((r) => {
    const props = unknownCheckingProxy(restoreUnknowns(r.plainInputs) as Record<string, unknown>);
    const typeOf = (cls: unknown) => (cls as { __pulumiType?: string }).__pulumiType === r.type;
    const pr: PolicyResource = {
      type: r.type,
      props,
      urn: r.urn,
      name: r.name,
      opts: {
        protect: r.protect,
        ignoreChanges: r.ignoreChanges,
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: r.additionalSecretOutputs,
        ...(r.parent ? { parent: r.parent } : {}),
      },
      dependencies: [],
      propertyDependencies: {},
      isType: typeOf,
      asType: ((cls: unknown) => (typeOf(cls) ? props : undefined)) as PolicyResource["asType"],
    };
    byUrn.set(r.urn, pr);
    return pr;
  });
  resources.forEach((r, i) => {
    const pr = out[i];
    if (r.parent && byUrn.has(r.parent)) pr.parent = byUrn.get(r.parent);
    pr.dependencies = r.dependencies.map((d) => byUrn.get(d)).filter((d): d is PolicyResource => !!d);
    // "<providerUrn>::<id>": the analyzer passes the provider's type, name, urn and inputs.
    const providerUrn = r.provider?.split("::").slice(0, -1).join("::");
    const provider = providerUrn ? byUrn.get(providerUrn) : undefined;
    if (provider) pr.provider = { type: provider.type, props: provider.props, urn: provider.urn, name: provider.name };
  });
  return out;
}
