import type { z } from "zod";
import type { StackConfig } from "../stack.ts";
import { issue } from "./clusters.ts";

/** Cross-field rules of `simulation`: its per-worker and per-pool keys name workers and pools that exist. */
export function checkSimulation(cfg: StackConfig, ctx: z.RefinementCtx): void {
  const workers = cfg.workers.map((w) => w.name);
  for (const name of Object.keys(cfg.simulation.workers)) {
    if (!workers.includes(name))
      issue(
        ctx,
        ["simulation", "workers", name],
        `no worker named "${name}" (workers: ${workers.join(", ") || "none"})`,
        name,
      );
  }
  const pools = cfg.clusters.flatMap((c) => c.pools.map((p) => `${c.name}/${p.name}`));
  for (const key of Object.keys(cfg.simulation.prices)) {
    if (!pools.includes(key))
      issue(
        ctx,
        ["simulation", "prices", key],
        `no pool "${key}"; keys are <cluster>/<pool>: ${pools.join(", ")}`,
        key,
      );
  }
}
