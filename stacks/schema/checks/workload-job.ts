import type { z } from "zod";
import type { StackConfig } from "../stack.ts";
import { issue } from "./clusters.ts";

type Ctx = z.RefinementCtx;

/**
 * `job` (stacks/schema/workload-job.ts): only on job-mode workers (a Deployment has no Jobs), and `parallelism` at
 * most `completions`: the job controller never runs more pods than the completions still missing, so the excess
 * would never start (kubernetes.io "Jobs", Controlling parallelism: "higher values of .spec.parallelism are
 * effectively ignored").
 */
export function checkWorkloadJob(cfg: StackConfig, ctx: Ctx): void {
  cfg.workers.forEach((w, i) => {
    const j = w.job;
    if (!j) return;
    if (w.mode !== "job") {
      issue(
        ctx,
        ["workers", i, "job"],
        "only for mode: job (a ScaledJob's Jobs); a deployment-mode worker has no Jobs: remove job or set mode: job",
        j,
      );
      return;
    }
    if (j.parallelism !== undefined && j.completions !== undefined && j.parallelism > j.completions)
      issue(
        ctx,
        ["workers", i, "job", "parallelism"],
        `is above completions (${j.completions}): a Job never runs more pods than the completions it still needs; lower parallelism or raise completions`,
        j.parallelism,
      );
  });
}

/** The Job settings a job-mode worker's ScaledJob renders, defaults filled in (components/workloads/worker.ts). */
export const JOB_DEFAULTS = {
  backoffLimit: 2,
  successfulJobsHistoryLimit: 5,
  failedJobsHistoryLimit: 10,
  parallelism: 1,
} as const;

/** A job-mode worker's resolved Job settings: what the ScaledJob carries and the simulator and policy count. */
export function jobSettingsOf(w: Pick<StackConfig["workers"][number], "job">) {
  const j = w.job ?? {};
  const parallelism = j.parallelism ?? JOB_DEFAULTS.parallelism;
  return {
    backoffLimit: j.backoffLimit ?? JOB_DEFAULTS.backoffLimit,
    ttlSecondsAfterFinished: j.ttlSecondsAfterFinished,
    successfulJobsHistoryLimit: j.successfulJobsHistoryLimit ?? JOB_DEFAULTS.successfulJobsHistoryLimit,
    failedJobsHistoryLimit: j.failedJobsHistoryLimit ?? JOB_DEFAULTS.failedJobsHistoryLimit,
    parallelism,
    // Fixed completion count (not a work queue with completions unset): each pod takes one message and the Job is
    // done when `completions` pods have succeeded, which is what KEDA's count of one Job per targetPerReplica assumes.
    completions: j.completions ?? parallelism,
  };
}

/**
 * A Job with fewer pods at once than completions leaves the messages for its later pods in the queue, where KEDA
 * counts them as waiting and starts more Jobs for them (the accurate strategy deducts only pending Jobs, not the
 * messages a running Job will still take: keda.sh/docs/2.20/reference/scaledjob-spec).
 */
export function jobWarnings(cfg: StackConfig): string[] {
  const out: string[] = [];
  cfg.workers.forEach((w, i) => {
    if (w.mode !== "job" || !w.job) return;
    const { parallelism, completions } = jobSettingsOf(w);
    if (parallelism < completions)
      out.push(
        `workers[${i}].job.parallelism: ${parallelism} below completions (${completions}): the messages left for a Job's later pods stay in the queue, so KEDA counts them again and starts more Jobs for them; set parallelism to ${completions}`,
      );
  });
  return out;
}
