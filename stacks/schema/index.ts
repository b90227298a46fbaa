import { stackShape } from "./stack.ts";
import type { StackConfig } from "./stack.ts";
import { checkAddons } from "./checks/addons.ts";
import { checkClusters } from "./checks/clusters.ts";
import { checkWorkloads } from "./checks/workloads.ts";
import { checkCloudQueues } from "./checks/cloud-queues.ts";
import { checkFit } from "./checks/fit.ts";
import { checkScaling } from "./checks/scaling.ts";

/**
 * The whole stack configuration, validated: the shape (`stack.ts`) and the cross-field checks (`checks/`).
 * This is the single source of the config types.
 */
export const stackConfig = stackShape.superRefine((cfg, ctx) => {
  // zod 4 runs refinements even when a field failed (non-aborting issues), so a check may meet malformed data.
  // A TypeError then only means a field error was already reported for that spot; anything else is a bug.
  for (const check of [checkClusters, checkAddons, checkWorkloads, checkScaling, checkCloudQueues, checkFit]) {
    try {
      check(cfg, ctx);
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
    }
  }
});

/** Top-level config keys of the project namespace that the schema reads. */
export const STACK_CONFIG_KEYS = Object.keys(stackShape.shape) as (keyof StackConfig)[];

export * from "./stack.ts";
export * from "./cluster.ts";
export * from "./addons.ts";
export * from "./workloads.ts";
export * from "./common.ts";
export * from "./scaling.ts";
