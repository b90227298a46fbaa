/**
 * Annotations the program puts on workload objects for the policy pack (policy/rules/lib/platform.ts keeps copies;
 * test/policy-conventions.spec.ts fails when they drift). The pack cannot import the program, and under the CLI it
 * sees some values only as outputs (a helm.v4.Chart's values), so the program states them on the objects.
 */

/** On a worker Deployment or ScaledJob: the longest a single job may run, in seconds (scale-in-safety). */
export const MAX_JOB_DURATION_ANNOTATION = "worker-platform/max-job-duration-seconds";

/**
 * On every Deployment an autoscaler owns: `keda` (a worker, scaled by a ScaledObject) or `hpa` (a service, scaled by a
 * HorizontalPodAutoscaler). scaled-workload-omits-replicas reads it to know the object must not set spec.replicas.
 */
export const SCALED_BY_ANNOTATION = "worker-platform/scaled-by";
export const SCALED_BY = { keda: "keda", hpa: "hpa" } as const;

/**
 * On every worker Deployment and ScaledJob: the cluster autoscaler's max-graceful-termination-sec of the cluster it
 * runs on (`clusters[].autoscaler.maxGracefulTerminationSec`), in seconds. scale-in-safety compares it with the max
 * job duration; the chart's values are not visible to a stack rule under the CLI.
 */
export const GRACE_CAP_ANNOTATION = "worker-platform/autoscaler-max-graceful-termination-seconds";

/**
 * On a worker's or service's pod template: a hash of the ConfigMaps and Secrets its pods read as files or envFrom
 * (components/workloads/volumes.ts configHash), so that a change of their data rolls the pods.
 */
export const CONFIG_HASH_ANNOTATION = "worker-platform/config-hash";
