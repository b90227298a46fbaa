import type { EnforcementLevel, Policies } from "@pulumi/policy";
import { autoscalingPolicies } from "./autoscaling";
import { aksPolicies } from "./cloud-aks";
import { eksPolicies } from "./cloud-eks";
import { nodePoolPolicies } from "./node-pools";
import { schedulingGpuPolicies } from "./scheduling-gpu";
import { secretPolicies } from "./secrets";
import { workloadSecurityPolicies } from "./workload-security";

export const PACK_NAME = "worker-platform";
/** Pack default; every rule sets its own level, so this only applies to a rule that forgets to. */
export const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "advisory";

/** Every rule of the pack, grouped by concern. policy/index.ts serves these; tools/run-policies.ts runs them offline. */
export const allPolicies: Policies = [
  ...workloadSecurityPolicies,
  ...secretPolicies,
  ...schedulingGpuPolicies,
  ...autoscalingPolicies,
  ...aksPolicies,
  ...eksPolicies,
  ...nodePoolPolicies,
];
