import { z } from "zod";
import { addons } from "./addons.ts";
import { cluster } from "./cluster.ts";
import { dnsLabel } from "./common.ts";
import { priorityClasses, queue, secret, service, worker } from "./workloads.ts";
import { checkClusters } from "./checks/clusters.ts";
import { checkWorkloads } from "./checks/workloads.ts";

export const platform = z.strictObject({
  /** Prefix of platform-wide names (priority classes, namespaces). Defaults to wp. */
  name: dnsLabel.max(12).default("wp"),
  /** Environment name, used in labels and tags only. */
  environment: dnsLabel,
  /**
   * Production posture: protected clusters, HA add-ons, PDBs for every worker, warm GPU headroom allowed, the GPU
   * capacity policy mandatory. Defaults to false.
   */
  production: z.boolean().default(false),
  /** Namespace of workers, services, queues and secrets. Defaults to `<platform.name>-workloads`. */
  namespace: dnsLabel.optional(),
});

/**
 * The whole stack configuration: one top-level Pulumi config key (`worker-platform:<key>`) per field.
 * This is the single source of the config types.
 */
export const stackConfig = z
  .strictObject({
    platform,
    clusters: z.array(cluster).min(1),
    addons,
    queues: z.array(queue).default([]),
    secrets: z.array(secret).default([]),
    priorityClasses,
    workers: z.array(worker).default([]),
    services: z.array(service).default([]),
  })
  .superRefine((cfg, ctx) => {
    // zod 4 runs refinements even when a field failed (non-aborting issues), so a check may meet malformed data.
    // A TypeError then only means a field error was already reported for that spot; anything else is a bug.
    for (const check of [checkClusters, checkWorkloads]) {
      try {
        check(cfg, ctx);
      } catch (err) {
        if (!(err instanceof TypeError)) throw err;
      }
    }
  });

export type StackConfig = z.infer<typeof stackConfig>;
export type StackConfigInput = z.input<typeof stackConfig>;
/** Top-level config keys of the project namespace that the schema reads. */
export const STACK_CONFIG_KEYS = Object.keys(stackConfig.shape) as (keyof StackConfig)[];

export * from "./cluster.ts";
export * from "./addons.ts";
export * from "./workloads.ts";
export * from "./common.ts";
