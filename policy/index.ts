/**
 * The worker-platform CrossGuard policy pack: `pulumi preview --policy-pack policy` (after `npm ci --prefix policy`).
 *
 * This is the ONLY module that constructs the PolicyPack: the constructor starts the analyzer's gRPC server and
 * prints its port for the CLI, and a second pack in one process exits. Tests and the offline runner
 * (tools/run-policies.ts) import ./rules instead.
 */
import { PolicyPack } from "@pulumi/policy";
import { allPolicies, PACK_ENFORCEMENT_LEVEL, PACK_NAME } from "./rules/index.ts";

new PolicyPack(PACK_NAME, {
  policies: allPolicies,
  enforcementLevel: PACK_ENFORCEMENT_LEVEL,
  description:
    "worker-platform guardrails: Pod Security (restricted), GPU placement and capacity, KEDA/HPA autoscaling safety, AKS/EKS cluster posture.",
});
