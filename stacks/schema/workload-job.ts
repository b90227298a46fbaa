import { z } from "zod";
import { int32 } from "./common.ts";

/**
 * Job-mode knobs of a worker (mode: job), rendered into its ScaledJob (KEDA 2.20 ScaledJob spec: `jobTargetRef` is a
 * batch/v1 JobSpec; the history limits are ScaledJob fields). Every key is optional; unset keys keep the platform's
 * defaults. Refused on a deployment-mode worker (stacks/schema/checks/workload-job.ts).
 */
export const jobSettings = z.strictObject({
  /**
   * Retries of a failed pod before the Job is marked failed (JobSpec backoffLimit; pods lost to a drain, spot
   * eviction or preemption do not count: podFailurePolicy). 0-20. Defaults to 2.
   */
  backoffLimit: z.number().int().min(0).max(20).optional(),
  /**
   * Seconds after a Job finishes before Kubernetes deletes it and its pods (JobSpec ttlSecondsAfterFinished, the TTL
   * controller), whatever the history limits keep. 0-2592000 (30 days). Defaults to none: the history limits alone.
   */
  ttlSecondsAfterFinished: z.number().int().min(0).max(2_592_000).optional(),
  /** Finished successful Jobs KEDA keeps (ScaledJob successfulJobsHistoryLimit; KEDA's own default is 100). 0-100. Defaults to 5. */
  successfulJobsHistoryLimit: z.number().int().min(0).max(100).optional(),
  /** Failed Jobs KEDA keeps, for their logs (ScaledJob failedJobsHistoryLimit; KEDA's own default is 100). 0-100. Defaults to 10. */
  failedJobsHistoryLimit: z.number().int().min(0).max(100).optional(),
  /**
   * Pods of one Job running at once (JobSpec parallelism), each taking its own message. 1-100, at most
   * `completions`. The pods count against capacity: up to replicas.max × parallelism pods. Defaults to 1.
   */
  parallelism: int32().min(1).max(100).optional(),
  /**
   * Pods of one Job that must succeed before the Job is complete (JobSpec completions): the messages one Job
   * handles. Set the queue trigger's targetPerReplica to it so KEDA starts one Job per that many messages. 1-100.
   * Defaults to parallelism (1).
   */
  completions: int32().min(1).max(100).optional(),
});
export type JobSettings = z.infer<typeof jobSettings>;
