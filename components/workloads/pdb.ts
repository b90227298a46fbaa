import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { PdbConfig } from "../../stacks/schema/workload-pdb.ts";
import type { WorkloadEnv } from "./common.ts";
import { k8sOpts } from "./common.ts";

/**
 * The workload's `pdb` (validated: exactly one key, never a budget that allows no eviction at replicas.max:
 * checks/workload-pdb.ts), else at most one pod evicted at a time (node drains, autoscaler scale-down):
 * maxUnavailable rather than minAvailable, so a workload scaled to 0 or 1 never blocks a drain. AlwaysAllow lets
 * crash-looping pods be evicted (unhealthyPodEvictionPolicy, Kubernetes 1.31 GA).
 */
export function podDisruptionBudget(
  env: WorkloadEnv,
  resourceName: string,
  name: string,
  labels: Record<string, string>,
  podLabels: Record<string, string>,
  parent: pulumi.Resource,
  pdb?: PdbConfig,
) {
  const budget = pdb
    ? pdb.minAvailable !== undefined
      ? { minAvailable: pdb.minAvailable }
      : { maxUnavailable: pdb.maxUnavailable }
    : { maxUnavailable: 1 };
  return new k8s.policy.v1.PodDisruptionBudget(
    resourceName,
    {
      metadata: { name, namespace: env.namespace, labels },
      spec: { ...budget, selector: { matchLabels: podLabels }, unhealthyPodEvictionPolicy: "AlwaysAllow" },
    },
    k8sOpts(env, parent),
  );
}
