import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../stacks/schema/index.ts";
import type { ClusterHandle } from "../cluster/handle.ts";
import { priorityClassName } from "./common.ts";

export const TIERS = ["critical", "standard", "background"] as const;
export type Tier = (typeof TIERS)[number];

const DESCRIPTIONS: Record<Tier | "overprovisioning", string> = {
  critical: "worker-platform: latency-critical workers and services; preempts the lower tiers when capacity is short",
  standard: "worker-platform: default tier of workers and services",
  background: "worker-platform: batch work that yields to the other tiers",
  overprovisioning: "worker-platform: warm-headroom placeholders; preempted by any real pod, never preempts",
};

/**
 * The platform's PriorityClasses on one cluster (cluster-scoped, so one set per cluster): `<platform.name>-<tier>`
 * for the three tiers, plus a negative `<platform.name>-overprovisioning` for headroom placeholders. At most one is
 * `globalDefault` (`priorityClasses.globalDefault`; the API server rejects a second).
 */
export function createPriorityClasses(
  cluster: ClusterHandle,
  config: StackConfig,
  parent: pulumi.Resource,
): Record<Tier | "overprovisioning", k8s.scheduling.v1.PriorityClass> {
  const { values, globalDefault } = config.priorityClasses;
  const make = (tier: Tier | "overprovisioning") => {
    const name = priorityClassName(config, tier);
    return new k8s.scheduling.v1.PriorityClass(
      `${cluster.name}-${name}`,
      {
        metadata: { name, labels: { "app.kubernetes.io/managed-by": "worker-platform" } },
        value: values[tier],
        globalDefault: tier === globalDefault,
        description: DESCRIPTIONS[tier],
        // Placeholders must never evict real pods: they only hold capacity until something needs it
        // (kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption, "Non-preempting PriorityClass").
        ...(tier === "overprovisioning" ? { preemptionPolicy: "Never" } : {}),
      },
      { provider: cluster.provider, parent },
    );
  };
  return {
    critical: make("critical"),
    standard: make("standard"),
    background: make("background"),
    overprovisioning: make("overprovisioning"),
  };
}
