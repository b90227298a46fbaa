import type { EnforcementLevel, Policies } from "@pulumi/policy";
import { accessPolicies } from "./access.ts";
import { autoscalingPolicies } from "./autoscaling.ts";
import { aksPolicies } from "./cloud-aks.ts";
import { cloudIdentityPolicies } from "./cloud-identity.ts";
import { eksPolicies } from "./cloud-eks.ts";
import { nodeFitPolicies } from "./node-fit.ts";
import { nodePoolPolicies } from "./node-pools.ts";
import { observabilityPolicies } from "./observability.ts";
import { schedulingGpuPolicies } from "./scheduling-gpu.ts";
import { secretPolicies } from "./secrets.ts";
import { workloadSecurityPolicies } from "./workload-security.ts";

export const PACK_NAME = "worker-platform";
/** Pack default; every rule sets its own level, so this only applies to a rule that forgets to. */
export const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "advisory";

/** Every rule of the pack, grouped by concern. policy/index.ts serves these; tools/run-policies.ts runs them offline. */
export const allPolicies: Policies = [
  ...workloadSecurityPolicies,
  ...secretPolicies,
  ...schedulingGpuPolicies,
  ...nodeFitPolicies,
  ...autoscalingPolicies,
  ...aksPolicies,
  ...eksPolicies,
  ...cloudIdentityPolicies,
  ...nodePoolPolicies,
  ...accessPolicies,
  ...observabilityPolicies,
];
