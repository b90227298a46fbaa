/**
 * The plan's SLO check with its results kept on disk, like Node's compile cache: simulating a stack's SLO traces takes
 * about a second, and most plans run on a config and code the last plan already simulated. The key is a digest of the
 * validated config and of every source the simulation reads (simulator/, stacks/, components/, policy/rules/: the shared functions
 * that render the KEDA and HPA numbers), so any change to either simulates again. The cache lives under
 * node_modules/.cache (cleared by `npm ci`); WORKER_PLATFORM_SLO_CACHE=off turns it off.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { StackConfig } from "../stacks/schema/index.ts";
import type { SloBreach } from "./slo.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const SOURCE_DIRS = ["simulator", "stacks", "components", "policy/rules"];
export const SLO_CACHE_DIR = path.join(ROOT, "node_modules", ".cache", "worker-platform", "slo");

/** sha256 of the config and of every .ts file under the directories the simulation reads. */
export function sloCacheKey(cfg: StackConfig, root = ROOT): string {
  const hash = createHash("sha256").update(JSON.stringify(cfg));
  const walk = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) =>
        e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
      );
  for (const file of SOURCE_DIRS.flatMap((d) => walk(path.join(root, d))).sort())
    hash.update(`\0${path.relative(root, file)}\0`).update(fs.readFileSync(file));
  return hash.digest("hex");
}

/**
 * checkSlos(cfg), from the cache when this config and code were simulated before. The simulator is imported only on a
 * miss: a hit costs the digest, not the simulator's modules.
 */
export async function cachedSloCheck(cfg: StackConfig, cacheDir = SLO_CACHE_DIR): Promise<SloBreach[]> {
  const simulate = async () => (await import("./slo.ts")).checkSlos(cfg);
  if (process.env.WORKER_PLATFORM_SLO_CACHE === "off") return simulate();
  const file = path.join(cacheDir, `${sloCacheKey(cfg)}.json`);
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as SloBreach[];
  } catch {
    const breaches = await simulate();
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(breaches));
    return breaches;
  }
}
