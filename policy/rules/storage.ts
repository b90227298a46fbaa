import type { ResourceValidationPolicy } from "@pulumi/policy";
import { annotationOf, isWaived, objectRef, toNumber } from "./lib/common.ts";
import type { Obj } from "./lib/k8s.ts";
import { T } from "./lib/k8s.ts";
import { workloadApplies, workloadSchema } from "./lib/workload.ts";

const SAFE_TO_EVICT = "cluster-autoscaler.kubernetes.io/safe-to-evict";
/** Default bound of a job-mode pod's deadline when it mounts a claim: one day. */
export const DEFAULT_MAX_CLAIM_JOB_DEADLINE_SECONDS = 86_400;

/** Volumes of a pod spec backed by a PersistentVolumeClaim: a claim by name, or a generic ephemeral one. */
export function claimVolumes(spec: Obj): string[] {
  return ((spec.volumes ?? []) as Obj[])
    .filter((v) => v.persistentVolumeClaim !== undefined || v.ephemeral !== undefined)
    .map((v) => String(v.name));
}

/**
 * A job-mode pod (ScaledJob) with a claim keeps its node until the Job ends. The cluster autoscaler never removes a
 * node running a pod annotated safe-to-evict "false" (which the platform puts on job pods, so scale-down does not
 * kill a job), nor, with --skip-nodes-with-local-storage, one running a pod with local storage (kubernetes/autoscaler
 * cluster-autoscaler/FAQ.md at cluster-autoscaler-1.35.2, "What types of pods can prevent CA from removing a
 * node?"); and a Job's pod is not restarted elsewhere: it runs until it completes or its Job's activeDeadlineSeconds
 * passes. A hung job on a claim (waiting on I/O of a detached or full volume is a common way to hang) would hold the
 * node, its volume attachment and its zone forever. So such a pod needs a bounded spec.jobTargetRef.
 * activeDeadlineSeconds (the platform derives it from maxJobDurationSeconds), or safe-to-evict "true" (the autoscaler
 * may then evict it and the Job runs again elsewhere).
 */
export const jobClaimsBounded: ResourceValidationPolicy = {
  name: "job-claims-bounded",
  description:
    "Job-mode pods (ScaledJob) that mount claims have a bounded activeDeadlineSeconds, so they cannot hold a node against scale-down forever.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    "Set spec.jobTargetRef.activeDeadlineSeconds (workers: maxJobDurationSeconds in the stack config) to at most maxDeadlineSeconds, " +
    `or annotate the pod template with ${SAFE_TO_EVICT}: "true" if a job may be evicted and run again.`,
  configSchema: {
    properties: {
      ...workloadSchema,
      maxDeadlineSeconds: {
        type: "number",
        default: DEFAULT_MAX_CLAIM_JOB_DEADLINE_SECONDS,
        description: "Longest activeDeadlineSeconds accepted for a job-mode pod with a claim.",
      },
    },
  },
  validateResource: (args, report) => {
    if (args.type !== T.ScaledJob || isWaived(args.props, "job-claims-bounded")) return;
    if (!workloadApplies(args, "job-claims-bounded")) return;
    const jobSpec: Obj = (args.props.spec as Obj | undefined)?.jobTargetRef ?? {};
    const template: Obj = jobSpec.template ?? {};
    const claims = claimVolumes(template.spec ?? {});
    if (claims.length === 0) return;
    if (annotationOf(template, SAFE_TO_EVICT) === "true") return;
    const max =
      args.getConfig<{ maxDeadlineSeconds?: number }>().maxDeadlineSeconds ?? DEFAULT_MAX_CLAIM_JOB_DEADLINE_SECONDS;
    const deadline = toNumber(jobSpec.activeDeadlineSeconds);
    const ref = `ScaledJob ${objectRef(args.props, args.name)}`;
    const what = `mounts claim volume${claims.length > 1 ? "s" : ""} ${claims.join(", ")}`;
    if (deadline === undefined)
      report(
        `${ref}: ${what} but its Jobs have no activeDeadlineSeconds: a hung job keeps its node from scaling down forever.`,
      );
    else if (deadline > max)
      report(`${ref}: ${what} with activeDeadlineSeconds ${deadline}, above the ${max} s this rule allows.`);
  },
};

export const storagePolicies = [jobClaimsBounded];
