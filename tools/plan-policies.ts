import * as path from "path";
import type { RecordedResource } from "./harness.ts";
import type { PolicyViolation } from "./run-policies.ts";
import { evaluatePolicies, readPolicyConfig } from "./run-policies.ts";

export type { PolicyViolation };

/**
 * Runs the CrossGuard pack's rules (policy/rules) over the recorded resources, with the stack's policy config
 * (`<dir>/policy/config/<stack>.json` when present), as `pulumi preview --policy-pack policy --policy-pack-config`
 * would.
 */
export async function evaluateStackPolicies(
  resources: RecordedResource[],
  stack: string,
  dir: string,
): Promise<PolicyViolation[]> {
  return evaluatePolicies(resources, {
    stack,
    policyConfig: readPolicyConfig(stack, path.join(dir, "policy", "config")),
  });
}
