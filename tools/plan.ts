import * as fs from "fs";
import * as path from "path";
import { suggest } from "../stacks/load.ts";
import type { PlanResult } from "./plan-stack.ts";
import { planStack } from "./plan-stack.ts";
import { countByType, renderTree } from "./tree.ts";

export interface PlanCliOptions {
  /** Project directory holding the Pulumi.<stack>.yaml files; defaults to this project's. */
  dir?: string;
  /** Where plans are written; defaults to `<dir>/out`. */
  outDir?: string;
}

/**
 * `npm run plan [-- <stack> ... | --all]`: the offline `pulumi preview`. Default stack: dev.
 * Exit codes: 0 ok, 1 invalid object or mandatory policy violation, 2 invalid configuration or usage.
 */
export async function main(argv: string[], opts: PlanCliOptions = {}): Promise<number> {
  const projectDir = opts.dir ?? path.resolve(import.meta.dirname, "..");
  const allStacks = fs
    .readdirSync(projectDir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();
  const usage = `usage: npm run plan [-- <stack>... | --all]   (stacks: ${allStacks.join(", ")}; default dev)`;
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(usage);
    return 0;
  }
  const badOptions = argv.filter((a) => a.startsWith("-") && a !== "--all");
  if (badOptions.length) {
    console.error(
      `error: unknown option ${badOptions.join(", ")}${suggest(badOptions[0], ["--all", "--help"])}\n${usage}`,
    );
    return 2;
  }
  const stacks = argv.includes("--all") ? allStacks : argv.filter((a) => !a.startsWith("-"));
  if (stacks.length === 0) stacks.push("dev");
  const unknown = stacks.filter((s) => !allStacks.includes(s));
  if (unknown.length) {
    console.error(`error: no stack file for ${unknown.join(", ")} (have: ${allStacks.join(", ")})`);
    return 2;
  }
  const outDir = opts.outDir ?? path.join(projectDir, "out");
  let exit = 0;
  for (const stack of stacks) {
    const result = await planStack(stack, { dir: projectDir, outDir });
    report(result);
    exit = Math.max(exit, result.exitCode);
  }
  return exit;
}

function report(result: PlanResult): void {
  console.log(`\nPreviewing stack ${result.stack} (offline, under mocks)\n`);
  if (result.configError) {
    console.error(
      `error: ${result.configError}\n\nNo plan was written. Fix ${result.configFile ?? `Pulumi.${result.stack}.yaml`} as shown above.`,
    );
    return;
  }
  console.log(renderTree(result.resources));
  const doc = result.document!;
  const info = doc.diagnostics.filter((d) => d.severity === "info");
  const warnings = doc.diagnostics.filter((d) => d.severity === "warning" && !d.message.startsWith("["));
  if (info.length || warnings.length) {
    console.log("\nDiagnostics:");
    info.forEach((d) => console.log(`  info: ${d.message}`));
    warnings.forEach((d) => console.log(`  warning: ${d.message}`));
  }
  if (result.policies.length) {
    console.log("\nPolicy violations:");
    for (const level of ["mandatory", "advisory"] as const) {
      const items = result.policies.filter((p) => p.enforcementLevel === level);
      if (!items.length) continue;
      console.log(`  ${level} (${items.length}):`);
      for (const v of items) {
        console.log(`    [${v.policy}] ${v.resourceName ?? v.urn ?? "stack"}: ${v.message}`);
        if (v.remediation) console.log(`        fix: ${v.remediation.split("\n").join("\n             ")}`);
      }
    }
  }
  console.log(`\nResources:\n    + ${doc.changeSummary.create} to create`);
  console.log("\nBy type:");
  for (const [type, n] of countByType(result.resources)) console.log(`  ${String(n).padStart(4)}  ${type}`);
  const valid = result.manifests.length - result.manifestProblems.length;
  console.log(
    `\nKubernetes objects: ${result.manifests.length} written to out/${result.stack}/manifests/, ${valid} valid against their schemas`,
  );
  result.manifestProblems.forEach((p) => console.error(`  error: ${p.message}`));
  const mandatory = result.policies.filter((p) => p.enforcementLevel === "mandatory").length;
  console.log(`Policies: ${mandatory} mandatory, ${result.policies.length - mandatory} advisory violation(s)`);
  console.log(`Plan: out/${result.stack}/plan.json`);
  if (result.exitCode !== 0)
    console.error(`\nerror: stack ${result.stack} would not deploy cleanly (see errors above)`);
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
