import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { PROJECT } from "../stacks/load.ts";
import type { RecordedResource } from "./harness.ts";
import { runUnderMocks, withCapturedWarnings } from "./harness.ts";
import type { Manifest, ManifestProblem } from "./manifests.ts";
import { manifestFileName, toManifests, validateManifests } from "./manifests.ts";
import type { PolicyViolation } from "./plan-policies.ts";
import { evaluateStackPolicies } from "./plan-policies.ts";
import { PolicyConfigError } from "./run-policies.ts";
import type { StackFileConfig } from "./stack-file.ts";
import { ConfigFileError, readStackFile } from "./stack-file.ts";
import { cachedSloCheck } from "../simulator/slo-cache.ts";
import { loadStackConfig } from "../simulator/stack.ts";

export interface Diagnostic {
  severity: "info" | "warning" | "error";
  message: string;
  urn?: string;
}

/** The document written to out/<stack>/plan.json, shaped after `pulumi preview --json` where it has a field. */
export interface PlanDocument {
  stack: string;
  config: Record<string, string>;
  steps: {
    op: "create";
    urn: string;
    provider?: string;
    /** The resource's state as `pulumi preview --json` shows it (inputs with secrets as "[secret]"). */
    newState: Pick<
      RecordedResource,
      | "type"
      | "urn"
      | "custom"
      | "parent"
      | "provider"
      | "dependencies"
      | "protect"
      | "ignoreChanges"
      | "additionalSecretOutputs"
      | "inputs"
    >;
  }[];
  changeSummary: { create: number };
  diagnostics: Diagnostic[];
  policies: PolicyViolation[];
}

export interface PlanResult {
  stack: string;
  /** Set when the configuration is invalid; nothing else was planned. */
  configError?: string;
  /** The file to fix for `configError`, relative to the project directory (`Pulumi.<stack>.yaml`, `policy/config/<stack>.json`). */
  configFile?: string;
  resources: RecordedResource[];
  manifests: Manifest[];
  manifestProblems: ManifestProblem[];
  policies: PolicyViolation[];
  document?: PlanDocument;
  /** 0 ok; 1 invalid object or mandatory policy violation; 2 invalid configuration. */
  exitCode: number;
}

export interface PlanOptions {
  /** Project directory holding Pulumi.<stack>.yaml. Defaults to the current directory. */
  dir?: string;
  /** Where to write `<stack>/plan.json` and manifests; nothing is written when undefined. */
  outDir?: string;
}

/**
 * The offline `pulumi preview`: runs the real program (index.ts) under the SDK's mocks with the stack's config,
 * records every registration, validates the Kubernetes objects against their schemas and runs the policy pack.
 */
export async function planStack(stack: string, opts: PlanOptions = {}): Promise<PlanResult> {
  const dir = opts.dir ?? process.cwd();
  const configError = (message: string, configFile: string): PlanResult => ({
    stack,
    configError: message,
    configFile,
    resources: [],
    manifests: [],
    manifestProblems: [],
    policies: [],
    exitCode: 2,
  });
  let file: StackFileConfig;
  try {
    file = readStackFile(stack, dir);
  } catch (err) {
    if (err instanceof ConfigFileError) return configError(err.message, err.file);
    throw err;
  }
  const diagnostics: Diagnostic[] = file.notes.map((message) => ({ severity: "info", message }));
  const warnings: string[] = [];
  const { default: program } = await import("../index.ts");
  let resources: RecordedResource[];
  try {
    const captured = await withCapturedWarnings(warnings, () =>
      runUnderMocks(program, {
        project: PROJECT,
        stack,
        config: file.config,
        secretKeys: file.secretKeys,
        preview: true,
      }),
    );
    resources = captured.resources;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (message.includes("Invalid stack configuration")) return configError(message, `Pulumi.${stack}.yaml`);
    throw err;
  }
  diagnostics.push(...warnings.map((message) => ({ severity: "warning" as const, message })));

  const manifests = toManifests(resources);
  const manifestProblems = await validateManifests(manifests);
  diagnostics.push(...manifestProblems.map((p) => ({ severity: "error" as const, message: p.message, urn: p.urn })));
  let policies: PolicyViolation[];
  try {
    policies = await evaluateStackPolicies(resources, stack, dir);
  } catch (err) {
    if (err instanceof PolicyConfigError) {
      // The file plan-policies read: <dir>/policy/config/<stack>.json, named relative to the project.
      const policyFile = `policy/config/${stack}.json`;
      return configError(`${policyFile}: invalid policy config:\n  ${err.problems.join("\n  ")}`, policyFile);
    }
    throw err;
  }
  // Worker SLOs (workers[].slo): the scaling simulator on the same config, breaches reported as violations (results
  // kept per config and code digest: simulator/slo-cache.ts).
  policies.push(...(await cachedSloCheck(loadStackConfig(stack, dir).config)));
  diagnostics.push(
    ...policies.map((v) => ({
      severity: v.enforcementLevel === "mandatory" ? ("error" as const) : ("warning" as const),
      message: `[${v.enforcementLevel}] ${v.policy}: ${v.message}`,
      urn: v.urn,
    })),
  );

  const document: PlanDocument = {
    stack,
    config: maskedConfig(file.config, file.secretKeys),
    steps: resources.map((r) => ({
      op: "create",
      urn: r.urn,
      ...(r.provider ? { provider: r.provider } : {}),
      newState: {
        type: r.type,
        urn: r.urn,
        custom: r.custom,
        ...(r.parent ? { parent: r.parent } : {}),
        ...(r.provider ? { provider: r.provider } : {}),
        dependencies: r.dependencies,
        protect: r.protect,
        ignoreChanges: r.ignoreChanges,
        additionalSecretOutputs: r.additionalSecretOutputs,
        inputs: r.inputs,
      },
    })),
    changeSummary: { create: resources.length },
    diagnostics,
    policies,
  };
  const mandatory = policies.some((p) => p.enforcementLevel === "mandatory");
  const result: PlanResult = {
    stack,
    resources,
    manifests,
    manifestProblems,
    policies,
    document,
    exitCode: manifestProblems.length > 0 || mandatory ? 1 : 0,
  };
  if (opts.outDir) writePlan(result, path.join(opts.outDir, stack));
  return result;
}

function maskedConfig(config: Record<string, string>, secretKeys: string[]): Record<string, string> {
  return Object.fromEntries(
    Object.keys(config)
      .sort()
      .map((k) => [k, secretKeys.includes(k) ? "[secret]" : config[k]]),
  );
}

function writePlan(result: PlanResult, dir: string): void {
  // Only the plan's own files: `npm run simulate` writes simulation.json and simulation/ beside them.
  fs.rmSync(path.join(dir, "plan.json"), { force: true });
  fs.rmSync(path.join(dir, "manifests"), { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "manifests"), { recursive: true });
  fs.writeFileSync(path.join(dir, "plan.json"), JSON.stringify(result.document, null, 2) + "\n");
  for (const m of result.manifests) {
    const clusterDir = path.join(dir, "manifests", m.providerName);
    fs.mkdirSync(clusterDir, { recursive: true });
    fs.writeFileSync(
      path.join(clusterDir, manifestFileName(m)),
      stringify(conventionalOrder(m.masked), { lineWidth: 0 }),
    );
  }
}

/** apiVersion, kind, metadata first, as kubectl prints objects. */
function conventionalOrder(obj: Record<string, unknown>): Record<string, unknown> {
  const { apiVersion, kind, metadata, ...rest } = obj;
  return { apiVersion, kind, metadata, ...rest };
}
