import * as fs from "fs";
import * as path from "path";
import type { RecordedResource } from "./harness";

export interface PolicyViolation {
  policy: string;
  enforcementLevel: "advisory" | "mandatory";
  urn?: string;
  resourceName?: string;
  message: string;
  remediation?: string;
}

/**
 * Runs the CrossGuard pack's rules (policy/rules) over the recorded resources, with the stack's policy config
 * (policy/config/<stack>.json when present), as `pulumi preview --policy-pack policy --policy-pack-config` would.
 */
export async function evaluateStackPolicies(resources: RecordedResource[], stack: string, dir: string): Promise<PolicyViolation[]> {
  const runner = path.join(__dirname, "run-policies.ts");
  if (!fs.existsSync(runner)) return [];
  const configFile = path.join(dir, "policy", "config", `${stack}.json`);
  const policyConfig = fs.existsSync(configFile) ? (JSON.parse(fs.readFileSync(configFile, "utf8")) as Record<string, unknown>) : undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { evaluatePolicies } = require(runner) as {
    evaluatePolicies(r: RecordedResource[], o: { stack: string; policyConfig?: Record<string, unknown> }): Promise<PolicyViolation[]>;
  };
  return evaluatePolicies(resources, { stack, policyConfig });
}
