import type * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../stacks/schema/index.ts";
import type { AddonsOutputs } from "../addons/index.ts";
import type { ClusterHandle } from "../cluster/handle.ts";

/** What every workloads building block of one cluster needs: where it goes and what it may depend on. */
export interface WorkloadEnv {
  cluster: ClusterHandle;
  addons: AddonsOutputs;
  config: StackConfig;
  /** Namespace of workers, services, queues and secrets (created first; everything namespaced depends on it). */
  namespace: string;
  /** The Namespace object, for `dependsOn`. */
  namespaceResource: pulumi.Resource;
  /** PriorityClass objects, for `dependsOn` of pods that name them. */
  priorityClasses: pulumi.Resource[];
}

/** Label keys the platform puts on its pods; selectors and NetworkPolicies use them. */
export const APP_LABELS = {
  name: "app.kubernetes.io/name",
  component: "app.kubernetes.io/component",
  managedBy: "app.kubernetes.io/managed-by",
} as const;

export type ComponentKind = "worker" | "service" | "queue" | "headroom";

/** Labels selecting the pods of one platform object. */
export function selectorLabels(name: string, component: ComponentKind): Record<string, string> {
  return { [APP_LABELS.name]: name, [APP_LABELS.component]: component };
}

/** Labels on every object: the selector labels plus who manages it and the environment. */
export function objectLabels(env: WorkloadEnv, name: string, component: ComponentKind): Record<string, string> {
  return {
    ...selectorLabels(name, component),
    [APP_LABELS.managedBy]: "worker-platform",
    "worker-platform/environment": env.config.platform.environment,
  };
}

/** Name of a PriorityClass tier of this platform: `<platform.name>-<tier>`. */
export function priorityClassName(
  config: StackConfig,
  tier: "critical" | "standard" | "background" | "overprovisioning",
): string {
  return `${config.platform.name}-${tier}`;
}

export { workloadsNamespace } from "../../stacks/namespace.ts";

/**
 * pulumi-kubernetes waits for a Deployment to become Ready (all replicas available) before it reports the create or
 * update done, and fails it after 10 minutes (provider/pkg/await/deployment.go DefaultDeploymentTimeoutMins). With
 * `pulumi.com/skipAwait: "true"` it reports success as soon as the API server accepts the object (the provider
 * compares the value with "true": provider/pkg/metadata/overrides.go SkipAwaitLogic). Used on Deployments whose
 * readiness waits on a node scale-up, which Pulumi must not wait for (worker.ts, service.ts, headroom.ts).
 */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";
export const SKIP_AWAIT: Record<string, string> = { [SKIP_AWAIT_ANNOTATION]: "true" };

/** Resource options of a namespaced Kubernetes object: the cluster's provider, the parent, waiting on the namespace. */
export function k8sOpts(
  env: WorkloadEnv,
  parent: pulumi.Resource,
  dependsOn: pulumi.Input<pulumi.Resource>[] = [],
): pulumi.CustomResourceOptions {
  return { provider: env.cluster.provider, parent, dependsOn: [env.namespaceResource, ...dependsOn] };
}

/** Options of objects that run pods: additionally wait for the node pools (`cluster.ready`) and the priority classes. */
export function podOpts(
  env: WorkloadEnv,
  parent: pulumi.Resource,
  dependsOn: pulumi.Input<pulumi.Resource>[] = [],
): pulumi.CustomResourceOptions {
  return k8sOpts(env, parent, [...env.cluster.ready, ...env.priorityClasses, ...dependsOn]);
}
