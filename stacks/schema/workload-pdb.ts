import { z } from "zod";

/** A PodDisruptionBudget count: a whole number, or a percentage of the workload's pods such as "50%". */
const countOrPercent = z.union(
  [
    z.number().int().min(0).max(2_147_483_647),
    z.string().regex(/^(100|[1-9]?[0-9])%$/, { error: "must be a whole number or a percentage from 0% to 100%" }),
  ],
  { error: "must be a whole number such as 1 or a percentage such as 50%" },
);

/**
 * A PodDisruptionBudget for one worker or service (policy/v1): exactly one of `minAvailable` or `maxUnavailable`.
 * It bounds voluntary evictions (node drains, the cluster autoscaler's scale-down), never crashes or spot
 * reclaims. Budgets that can never allow an eviction are refused (stacks/schema/checks/workload-pdb.ts).
 */
export const pdb = z.strictObject({
  /** Pods that must stay available during an eviction: a count, or a percentage (rounded up). Defaults to none. */
  minAvailable: countOrPercent.optional(),
  /** Pods that may be unavailable during an eviction: a count, or a percentage (rounded up). Defaults to none. */
  maxUnavailable: countOrPercent.optional(),
});
export type PdbConfig = z.infer<typeof pdb>;
