import type { z } from "zod";
import { stackShape } from "./stack.ts";
import type { StackConfig } from "./stack.ts";
import { checkAddons } from "./checks/addons.ts";
import { checkClusters } from "./checks/clusters.ts";
import { checkWorkloads } from "./checks/workloads.ts";
import { checkSimulation } from "./checks/simulation.ts";
import { checkCloudQueues } from "./checks/cloud-queues.ts";
import { checkFit } from "./checks/fit.ts";
import { checkScaling } from "./checks/scaling.ts";
import { checkAccelerators } from "./checks/accelerators.ts";
import { checkAccess } from "./checks/access.ts";
import { checkObservability } from "./checks/observability.ts";
import { checkAlertmanagerGrafana } from "./checks/alertmanager-grafana.ts";
import { checkWorkloadNetwork } from "./checks/workload-network.ts";
import { checkWorkloadPdb } from "./checks/workload-pdb.ts";
import { checkWorkloadJob } from "./checks/workload-job.ts";
import { checkStorage } from "./checks/storage.ts";

/**
 * The whole stack configuration, validated: the shape (`stack.ts`) and the cross-field checks (`checks/`).
 * This is the single source of the config types.
 */
export const stackConfig = stackShape.superRefine((cfg, ctx) =>
  runChecks(
    [
      checkClusters,
      checkAccelerators,
      checkAddons,
      checkWorkloads,
      checkScaling,
      checkCloudQueues,
      checkAccess,
      checkFit,
      checkSimulation,
      checkObservability,
      checkAlertmanagerGrafana,
      checkWorkloadNetwork,
      checkWorkloadPdb,
      checkWorkloadJob,
      checkStorage,
    ],
    cfg,
    ctx,
  ),
);

/**
 * Runs the cross-field checks. zod 4 runs refinements even when a field failed (non-aborting issues), so a check may
 * meet malformed data and throw; the field's own issue already tells the user what to fix. With no field issue the
 * data is well-formed, and a throw is a bug: it surfaces (exit 1 with its stack), never passing as a valid config
 * with the check skipped. (`ctx` is zod's parse payload: zod 4's _superRefine passes it, issues included.)
 */
export function runChecks(
  checks: ((cfg: StackConfig, ctx: z.RefinementCtx) => void)[],
  cfg: StackConfig,
  ctx: z.RefinementCtx,
): void {
  const fieldIssues = (ctx as unknown as { issues?: unknown[] }).issues?.length ?? 0;
  for (const check of checks) {
    try {
      check(cfg, ctx);
    } catch (err) {
      if (fieldIssues === 0) throw err;
    }
  }
}

/** Top-level config keys of the project namespace that the schema reads. */
export const STACK_CONFIG_KEYS = Object.keys(stackShape.shape) as (keyof StackConfig)[];

export * from "./stack.ts";
export * from "./cluster.ts";
export * from "./addons.ts";
export * from "./workloads.ts";
export * from "./common.ts";
export * from "./simulation.ts";
export * from "./scaling.ts";
export * from "./accelerators.ts";
export * from "./workload-access.ts";
export * from "./observability/index.ts";
export * from "./workload-network.ts";
export * from "./workload-pdb.ts";
export * from "./workload-job.ts";
export * from "./workload-storage.ts";
