import * as path from "path";
import type { RecordedResource } from "./harness";
import { evaluatePolicies, PolicyViolation, readPolicyConfig } from "./run-policies";

export type { PolicyViolation };

/**
 * Runs the CrossGuard pack's rules (policy/rules) over the recorded resources, with the stack's policy config
 * (`<dir>/policy/config/<stack>.json` when present), as `pulumi preview --policy-pack policy --policy-pack-config`
 * would.
 */
export async function evaluateStackPolicies(resources: RecordedResource[], stack: string, dir: string): Promise<PolicyViolation[]> {
  return evaluatePolicies(resources, { stack, policyConfig: readPolicyConfig(stack, path.join(dir, "policy", "config")) });
}
