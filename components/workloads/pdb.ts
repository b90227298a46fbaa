import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { WorkloadEnv } from "./common.ts";
import { k8sOpts } from "./common.ts";

/**
 * At most one pod of the workload evicted at a time (node drains, autoscaler scale-down). maxUnavailable rather
 * than minAvailable, so a workload scaled to 0 or 1 never blocks a drain; AlwaysAllow lets crash-looping pods be
 * evicted (unhealthyPodEvictionPolicy, Kubernetes 1.31 GA).
 */
export function podDisruptionBudget(
  env: WorkloadEnv,
  resourceName: string,
  name: string,
  labels: Record<string, string>,
  podLabels: Record<string, string>,
  parent: pulumi.Resource,
) {
  return new k8s.policy.v1.PodDisruptionBudget(
    resourceName,
    {
      metadata: { name, namespace: env.namespace, labels },
      spec: { maxUnavailable: 1, selector: { matchLabels: podLabels }, unhealthyPodEvictionPolicy: "AlwaysAllow" },
    },
    k8sOpts(env, parent),
  );
}
