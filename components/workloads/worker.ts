import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { WorkerConfig } from "../../stacks/schema/index.ts";
import { durationSeconds } from "../../stacks/schema/common.ts";
import type { WorkloadEnv } from "./common.ts";
import { k8sOpts, objectLabels, podOpts, selectorLabels, SKIP_AWAIT } from "./common.ts";
import type { QueueEnv } from "./pod.ts";
import { containerEnv, metricsContainerPorts, podSpec, podTemplateMetadata, PRESTOP_SECONDS } from "./pod.ts";
import { podDisruptionBudget } from "./pdb.ts";
import { JOB_DEFAULTS, jobSettingsOf } from "../../stacks/schema/checks/workload-job.ts";
import type { QueueEndpoint } from "./queues.ts";
import type { WorkloadPlacement } from "./scheduling.ts";
import { workloadPlacement } from "./scheduling.ts";
import { workerTriggers } from "./triggers.ts";
import type { CloudQueue } from "./cloud-queues.ts";
import { workerCloudIdentity } from "./cloud-identity.ts";
import { needsApiToken, workloadIdentity, workloadRbac } from "./access.ts";
import { renderRules } from "../../stacks/schema/scaling.ts";
import { GRACE_CAP_ANNOTATION, MAX_JOB_DURATION_ANNOTATION, SCALED_BY, SCALED_BY_ANNOTATION } from "./annotations.ts";

/** Re-exported: the annotation used to live here. */
export { MAX_JOB_DURATION_ANNOTATION } from "./annotations.ts";
/** Seconds added to the max job duration for the grace period: the preStop pause plus time to ack and exit. */
export const GRACE_MARGIN_SECONDS = 10;
/** Retries of a failed job (not counting disruptions, see podFailurePolicy); `job.backoffLimit` overrides it. */
export const JOB_BACKOFF_LIMIT = JOB_DEFAULTS.backoffLimit;
export const JOB_HISTORY = {
  successful: JOB_DEFAULTS.successfulJobsHistoryLimit,
  failed: JOB_DEFAULTS.failedJobsHistoryLimit,
} as const;
/**
 * Start-up margin of a Job, on top of the cluster autoscaler's max-node-provision-time: that flag bounds only the
 * wait for the node to *register*. A new GPU node then still has to start the NVIDIA device plugin before it
 * advertises nvidia.com/gpu (and on AKS install the driver: gpuProfile.driver Install), and the pod has to pull its
 * image, which for CUDA/model images runs to several GB. 10 minutes covers that in the reports we have (GPU node
 * cold starts of 4-10 minutes in total, kubernetes/autoscaler #3464), without letting a stuck job run much longer.
 */
export const JOB_START_MARGIN_SECONDS = 600;

export interface WorkerArgs {
  env: WorkloadEnv;
  worker: WorkerConfig;
  /** The stack's queues on this cluster, by name (the worker's queue triggers read theirs). */
  queues: ReadonlyMap<string, QueueEndpoint>;
  /** The queue of the worker's sqs/servicebus trigger: the worker and KEDA get cloud identities (cloud-identity.ts). */
  cloudQueue?: CloudQueue;
  /** Resources the pods need first (the Secrets their secretEnv names). */
  dependsOn?: pulumi.Resource[];
}

/**
 * Termination grace of a deployment-mode worker: the max job duration plus the preStop pause and a margin, capped
 * by the cluster autoscaler's max-graceful-termination-sec (which it applies when it drains a node), and never
 * below the max job duration (the schema rejects jobs longer than that cap in deployment mode).
 */
export function terminationGrace(
  maxJobDurationSeconds: number,
  autoscalerCap: number,
): { seconds: number; capped: boolean } {
  const wanted = maxJobDurationSeconds + PRESTOP_SECONDS + GRACE_MARGIN_SECONDS;
  if (wanted <= autoscalerCap) return { seconds: wanted, capped: false };
  return { seconds: Math.max(maxJobDurationSeconds, autoscalerCap), capped: true };
}

/**
 * activeDeadlineSeconds of a job-mode worker's Jobs. The job controller measures the deadline from the Job's
 * status.startTime, which it sets when it first syncs the Job, before its pod is even scheduled (kubernetes
 * pkg/controller/job/job_controller.go pastActiveDeadline: `Since(job.Status.StartTime) >= ActiveDeadlineSeconds`).
 * So time Pending for a node (at most the autoscaler's max-node-provision-time, after which it gives up on that node
 * group) and for the device plugin and image pull (JOB_START_MARGIN_SECONDS) is added to the max job duration: a
 * job that waited for a cold GPU node still gets its full run time.
 */
export function jobDeadlineSeconds(
  maxJobDurationSeconds: number,
  autoscaler: { maxNodeProvisionTime: string },
): number {
  return maxJobDurationSeconds + durationSeconds(autoscaler.maxNodeProvisionTime) + JOB_START_MARGIN_SECONDS;
}

/**
 * The queues a worker's container is told about, from its queue triggers in order: the first as QUEUE_*, each other
 * as QUEUE_<TRIGGER NAME>_* (pod.ts containerEnv).
 */
export function queueEnvs(w: WorkerConfig, queues: ReadonlyMap<string, QueueEndpoint>): QueueEnv[] {
  const out: QueueEnv[] = [];
  for (const t of w.triggers) {
    const queueName = t.type === "redis" ? t.listName : t.type === "rabbitmq" ? t.queueName : undefined;
    const queue = "queue" in t ? queues.get(t.queue) : undefined;
    if (!queue) continue;
    out.push({ queue, queueName, prefix: out.length ? `QUEUE_${t.name.toUpperCase()}` : "QUEUE" });
  }
  return out;
}

/**
 * The ScaledObject's `spec.fallback`, `spec.initialCooldownPeriod` and `spec.advanced` (HPA behaviour, scaling
 * modifiers) of a deployment-mode worker (keda-docs content/docs/2.20/reference/scaledobject-spec.md).
 */
export function scaledObjectScaling(w: WorkerConfig): Record<string, unknown> {
  const m = w.scalingModifiers;
  return {
    ...(w.initialCooldownPeriod ? { initialCooldownPeriod: w.initialCooldownPeriod } : {}),
    ...(w.fallback ? { fallback: w.fallback } : {}),
    advanced: {
      horizontalPodAutoscalerConfig: {
        // cooldownPeriod only delays the last step to zero; N→M scaling is the HPA's behaviour (KEDA docs).
        behavior: kedaScaling(w).behavior,
      },
      // KEDA's CRD takes target/activationTarget as strings.
      ...(m
        ? {
            scalingModifiers: {
              formula: m.formula,
              target: String(m.target),
              activationTarget: String(m.activationTarget),
              metricType: m.metricType,
            },
          }
        : {}),
    },
  };
}

/**
 * The scaling numbers a worker's ScaledObject (and, without the cooldown and behaviour, its ScaledJob) carries: one
 * function for the rendered object and the scaling simulator (simulator/from-config.ts), so they cannot drift apart.
 * `behavior` is the HPA's, each direction through renderRules (the object the ScaledObject carries).
 */
export function kedaScaling(w: WorkerConfig) {
  return {
    minReplicaCount: w.replicas.min,
    maxReplicaCount: w.replicas.max,
    pollingInterval: w.pollingInterval,
    cooldownPeriod: w.cooldownPeriod,
    initialCooldownPeriod: w.initialCooldownPeriod,
    // cooldownPeriod only delays the last step to zero; N→M scale-down is the HPA's behaviour (KEDA docs).
    behavior: { scaleUp: renderRules(w.scaleUp), scaleDown: renderRules(w.scaleDown) },
    multipleScalersCalculation: w.multipleScalersCalculation ?? "max",
  };
}

/**
 * accurate: new Jobs = queue length − pending Jobs (not yet scheduled/ready, e.g. waiting for a GPU node). Correct
 * only when the length excludes messages being processed: redis lists do (the worker pops the item), the rabbitmq
 * and sqs triggers exclude them in job mode (triggers.ts, cloud-queues.ts).
 */
export const SCALED_JOB_STRATEGY = { strategy: "accurate", pendingPodConditions: ["PodScheduled", "Ready"] } as const;

/**
 * One queue worker on one cluster. mode deployment: ServiceAccount, Deployment with NO spec.replicas (KEDA owns the
 * count; a set value is reset on every `pulumi up`, pulumi-kubernetes #2491/#2569; not awaited by Pulumi, see
 * SKIP_AWAIT), TriggerAuthentication, ScaledObject, and a PodDisruptionBudget (`pdb`, else one when min >= 2 or in
 * production).
 * mode job: ServiceAccount, TriggerAuthentication and a ScaledJob (one Job per message; scale-in never kills a running job; its deadline
 * allows for the node start-up, jobDeadlineSeconds). With `metrics`, the pods are annotated for scraping (pod.ts).
 */
export class Worker extends pulumi.ComponentResource {
  public readonly placement: WorkloadPlacement;
  constructor(name: string, args: WorkerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("worker-platform:workloads:Worker", name, {}, opts);
    const { env, worker: w } = args;
    const ns = env.namespace;
    const labels = objectLabels(env, w.name, "worker");
    const podLabels = selectorLabels(w.name, "worker");
    const placement = workloadPlacement(env.cluster, { gpu: w.gpu, spot: w.spot });
    this.placement = placement;
    for (const warning of placement.warnings) void pulumi.log.warn(`worker ${w.name}: ${warning}`, this);

    // A cloud queue: the pods' and KEDA's identities, and the TriggerAuthentication naming KEDA's (no keys).
    const cloud = args.cloudQueue ? workerCloudIdentity(env, w, args.cloudQueue, name, this) : undefined;
    // serviceAccount.cloudIdentity (access.ts): never together with a cloud queue's (the schema's rule).
    const access = workloadIdentity(env, w, name, this);
    const saAnnotations = { ...cloud?.serviceAccountAnnotations, ...access.serviceAccountAnnotations };
    const sa = new k8s.core.v1.ServiceAccount(
      `${name}`,
      {
        metadata: {
          name: w.name,
          namespace: ns,
          labels,
          ...(Object.keys(saAnnotations).length ? { annotations: saAnnotations } : {}),
        },
        // Only with RBAC rules; a cloud identity's webhook projects its own token volume (needsApiToken).
        automountServiceAccountToken: needsApiToken(w),
      },
      k8sOpts(env, this),
    );
    const rbac = workloadRbac(env, w, name, labels, sa, this);
    // The pod template's labels: the selector's, plus the workload identity webhook's opt-in label.
    const templateLabels = { ...podLabels, ...(cloud?.podLabels ?? {}), ...access.podLabels };
    const identityAnnotations = { ...cloud?.podAnnotations, ...access.podAnnotations };

    const { triggers, auths, queues } = workerTriggers({
      worker: w,
      namespace: ns,
      queues: args.queues,
      prometheusUrl: env.addons.prometheusUrl,
      cloud: args.cloudQueue && cloud ? { queue: args.cloudQueue, authName: cloud.authName } : undefined,
    });
    const scaling = kedaScaling(w);
    const queueResources = queues.flatMap((q) => q.resources);
    const kedaDeps = [...env.addons.keda, ...queueResources];
    // One TriggerAuthentication per trigger with credentials: two queues of one kind need the same parameter names.
    const authObjects = auths.map(
      (a) =>
        new k8s.apiextensions.CustomResource(
          `${env.cluster.name}-${a.name}`,
          {
            apiVersion: "keda.sh/v1alpha1",
            kind: "TriggerAuthentication",
            metadata: { name: a.name, namespace: ns, labels },
            spec: a.spec,
          },
          k8sOpts(env, this, kedaDeps),
        ),
    );
    const queueEnv = queueEnvs(w, args.queues);

    // For the policy pack (annotations.ts): the max job duration and the autoscaler's grace cap of this cluster.
    const annotations = {
      [MAX_JOB_DURATION_ANNOTATION]: String(w.maxJobDurationSeconds),
      [GRACE_CAP_ANNOTATION]: String(env.cluster.autoscaler.maxGracefulTerminationSec),
    };
    const podDeps = [
      sa,
      ...(args.dependsOn ?? []),
      ...queueResources,
      ...(cloud?.podDependencies ?? []),
      ...rbac,
      ...access.podDependencies,
    ];
    const scalerDeps = [...kedaDeps, ...authObjects, ...(cloud?.scalerDependencies ?? [])];

    if (w.mode === "job") {
      const job = jobSettingsOf(w);
      const spec = podSpec(env, w, {
        serviceAccountName: w.name,
        placement,
        podLabels,
        env: containerEnv(w, queueEnv, cloud?.env),
        ports: metricsContainerPorts(w),
        // A job is never scaled in; this grace only applies to node drains and deletes.
        terminationGracePeriodSeconds: Math.min(
          w.maxJobDurationSeconds + PRESTOP_SECONDS + GRACE_MARGIN_SECONDS,
          env.cluster.autoscaler.maxGracefulTerminationSec,
        ),
        restartPolicy: "Never",
        spread: false,
      });
      new k8s.apiextensions.CustomResource(
        `${name}`,
        {
          apiVersion: "keda.sh/v1alpha1",
          kind: "ScaledJob",
          metadata: { name: w.name, namespace: ns, labels, annotations },
          spec: {
            jobTargetRef: {
              parallelism: job.parallelism,
              completions: job.completions,
              // Counts from the Job's creation, Pending time included: the run time plus the node start-up allowance.
              // A Job of more completions than parallelism runs its pods in waves, one message each, back to back.
              activeDeadlineSeconds: jobDeadlineSeconds(
                w.maxJobDurationSeconds * Math.ceil(job.completions / job.parallelism),
                env.cluster.autoscaler,
              ),
              backoffLimit: job.backoffLimit,
              ...(job.ttlSecondsAfterFinished !== undefined
                ? { ttlSecondsAfterFinished: job.ttlSecondsAfterFinished }
                : {}),
              // A pod lost to a spot eviction, drain or preemption is retried without counting against backoffLimit.
              podFailurePolicy: {
                rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }],
              },
              template: {
                // safe-to-evict: the cluster autoscaler does not remove a node while a job runs on it (autoscaler FAQ).
                metadata: podTemplateMetadata(templateLabels, w, {
                  "cluster-autoscaler.kubernetes.io/safe-to-evict": "false",
                  ...identityAnnotations,
                }),
                spec,
              },
            },
            pollingInterval: scaling.pollingInterval,
            minReplicaCount: scaling.minReplicaCount,
            maxReplicaCount: scaling.maxReplicaCount,
            successfulJobsHistoryLimit: job.successfulJobsHistoryLimit,
            failedJobsHistoryLimit: job.failedJobsHistoryLimit,
            // multipleScalersCalculation: how several triggers' lengths combine (KEDA default max).
            scalingStrategy: {
              ...SCALED_JOB_STRATEGY,
              pendingPodConditions: [...SCALED_JOB_STRATEGY.pendingPodConditions],
              multipleScalersCalculation: scaling.multipleScalersCalculation,
            },
            // gradual: an update does not delete running jobs (kedacore/keda #1021).
            rollout: { strategy: "gradual" },
            triggers,
          },
        },
        podOpts(env, this, [...podDeps, ...scalerDeps]),
      );
      this.registerOutputs({ mode: w.mode });
      return;
    }

    const grace = terminationGrace(w.maxJobDurationSeconds, env.cluster.autoscaler.maxGracefulTerminationSec);
    if (grace.capped) {
      void pulumi.log.warn(
        `worker ${w.name}: termination grace capped at ${grace.seconds}s by the cluster autoscaler's max-graceful-termination-sec on ${env.cluster.name}; jobs close to ${w.maxJobDurationSeconds}s may be cut off on node scale-down`,
        this,
      );
    }
    const deployment = new k8s.apps.v1.Deployment(
      `${name}`,
      {
        // skipAwait: with no spec.replicas the API server starts it at 1 replica, and Ready may wait for a node
        // scale-up (a GPU pool at 0 nodes: autoscaler, driver, device plugin, image pull) past pulumi-kubernetes' 10
        // minute await. `pulumi up` would fail, and the ScaledObject (which depends on this Deployment) would never be
        // created, pinning the worker at 1 replica. KEDA's HPA owns the count; Pulumi has nothing to wait for.
        metadata: {
          name: w.name,
          namespace: ns,
          labels,
          annotations: { ...annotations, [SCALED_BY_ANNOTATION]: SCALED_BY.keda, ...SKIP_AWAIT },
        },
        spec: {
          // No replicas: the HPA that KEDA creates owns the count.
          selector: { matchLabels: podLabels },
          template: {
            metadata: podTemplateMetadata(templateLabels, w, identityAnnotations),
            spec: podSpec(env, w, {
              serviceAccountName: w.name,
              placement,
              podLabels,
              env: containerEnv(w, queueEnv, cloud?.env),
              terminationGracePeriodSeconds: grace.seconds,
              ports: metricsContainerPorts(w),
            }),
          },
        },
      },
      podOpts(env, this, podDeps),
    );
    new k8s.apiextensions.CustomResource(
      `${name}`,
      {
        apiVersion: "keda.sh/v1alpha1",
        kind: "ScaledObject",
        metadata: { name: w.name, namespace: ns, labels },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: w.name },
          minReplicaCount: scaling.minReplicaCount,
          maxReplicaCount: scaling.maxReplicaCount,
          pollingInterval: scaling.pollingInterval,
          cooldownPeriod: scaling.cooldownPeriod,
          ...scaledObjectScaling(w),
          triggers,
        },
      },
      k8sOpts(env, this, [deployment, ...scalerDeps]),
    );
    if (w.pdb || w.replicas.min >= 2 || env.config.platform.production)
      podDisruptionBudget(env, name, w.name, labels, podLabels, this, w.pdb);
    this.registerOutputs({ mode: w.mode });
  }
}
