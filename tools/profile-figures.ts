/**
 * Simulated figures of each scaling profile (stacks/schema/scaling.ts SCALING_PROFILES) on the reference traces, for
 * the profiles table of docs/workloads.md:
 *
 *   node --import ./tools/preload.ts tools/profile-figures.ts [stack] [worker...]
 *
 * Defaults: stack prod, workers transcriber (GPU, deployment) and embedder (CPU, deployment). Each row is the stack as
 * it is but with the worker's own scaling keys (scalingProfile, scaleUp, scaleDown, pollingInterval, cooldownPeriod)
 * replaced by one profile ("none": the platform's defaults), simulated with the stack's seed; every other worker and
 * pool stays as configured, since they share the nodes. Figures are the first cluster's.
 */
import * as path from "path";
import { loadConfig, PROJECT } from "../stacks/load.ts";
import { PROFILE_NAMES } from "../stacks/schema/scaling.ts";
import type { StackConfig } from "../stacks/schema/index.ts";
import { readStackFile } from "./stack-file.ts";
import type { StackFileConfig } from "./stack-file.ts";
import { simulateStack } from "../simulator/run.ts";
import type { BuiltinTrace } from "../stacks/schema/simulation.ts";

const TRACES: BuiltinTrace[] = ["burst-200", "sawtooth", "diurnal-24h"];
const SCALING_KEYS = ["scalingProfile", "scaleUp", "scaleDown", "pollingInterval", "cooldownPeriod"];

/** The stack's config with one worker's scaling keys replaced by `profile` (undefined: none). */
export function withProfile(file: StackFileConfig, worker: string, profile: string | undefined): StackConfig {
  const key = `${PROJECT}:workers`;
  const workers = JSON.parse(file.config[key]) as Record<string, unknown>[];
  const w = workers.find((x) => x.name === worker);
  if (!w) throw new Error(`no worker ${worker}`);
  for (const k of SCALING_KEYS) delete w[k];
  if (profile) w.scalingProfile = profile;
  const config: Record<string, string> = { ...file.config, [key]: JSON.stringify(workers) };
  const prefix = `${PROJECT}:`;
  // loadConfig throws on an invalid config, naming every problem.
  return loadConfig({
    keys: () =>
      Object.keys(config)
        .filter((k) => k.startsWith(prefix))
        .map((k) => k.slice(prefix.length)),
    get: (k) => config[`${prefix}${k}`],
    isSecret: (k) => file.secretKeys.includes(`${prefix}${k}`),
    allKeys: () => Object.keys(config),
  }).config;
}

function main(): void {
  const [stack = "prod", ...names] = process.argv.slice(2);
  const workers = names.length ? names : ["transcriber", "embedder"];
  const file = readStackFile(stack, path.resolve(import.meta.dirname, ".."));
  for (const worker of workers) {
    console.log(`\n${stack} ${worker}: first job (s) / p95 wait (s) / GPU node-hours (cost $) per trace`);
    console.log(`| profile | ${TRACES.join(" | ")} |`);
    console.log(`|---|${TRACES.map(() => "---").join("|")}|`);
    for (const profile of [undefined, ...PROFILE_NAMES]) {
      const cfg = withProfile(file, worker, profile);
      const cells = TRACES.map((trace) => {
        const { result } = simulateStack(cfg, trace, { seed: cfg.simulation.seed, worker });
        const r = result.workers[0];
        const gpu = r.gpuNodeHours > 0 ? `${r.gpuNodeHours.toFixed(1)} GPU-h` : `$${r.cost.toFixed(2)}`;
        const first = r.firstJobSeconds === null ? "never" : Math.round(r.firstJobSeconds);
        return `${first} / ${Math.round(r.waitSeconds.p95)} / ${gpu}`;
      });
      console.log(`| ${profile ?? "none"} | ${cells.join(" | ")} |`);
    }
  }
}

if (import.meta.filename === path.resolve(process.argv[1] ?? "")) main();
