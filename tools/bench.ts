import * as path from "path";
import { performance } from "perf_hooks";
import { loadConfig } from "../stacks/load.ts";
import { measureStartup, measureTests } from "./bench-startup.ts";
import { planStack } from "./plan-stack.ts";
import { readStackFile } from "./stack-file.ts";
import { loadStackConfig } from "../simulator/stack.ts";
import { simulateOne, simulateStack } from "../simulator/run.ts";
import { simClusters } from "../simulator/from-config.ts";
import { builtinTrace } from "../simulator/traces.ts";
import type { Trace } from "../simulator/model/types.ts";

/**
 * `npm run bench`: the performance targets, measured (never asserted in tests, where timing is noise).
 *   - validating a stack's config: < 25 ms (it runs before every `pulumi up`)
 *   - a full offline plan of a stack, program + schema validation + policies: < 15 s on 2 cores
 *   - `npm run plan -- prod` in a new process: at most 2.5 x the floor (the same imports, one resource) in the same run
 *   - the scaling simulator on prod, diurnal-24h, every worker of both clusters: < 2 s; and its cost per 1000 jobs at
 *     1x, 10x and 100x the jobs (a tenth of one day's jobs, one day, ten days), which should stay about flat (linear)
 * and, for information, the test suite's wall time (`npm test`: type check, then mocha).
 * Prints medians; exits 1 when one misses its target. BENCH_RUNS sets the runs (default 3; 5 for start-up);
 * `--no-tests` skips the test suite; `--simulator-only` runs only the simulator's.
 */
const TARGETS_MS = { validate: 25, plan: 15_000, simulate: 2_000 };
const TARGET_STARTUP_RATIO = 2.5;
const dir = path.resolve(import.meta.dirname, "..");

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] };
}

async function main() {
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  let missed = 0;
  const line = (what: string, s: { median: number; max: number }, target: number) => {
    const ok = s.median <= target;
    if (!ok) missed++;
    console.log(
      `${what.padEnd(28)} median ${s.median.toFixed(1).padStart(9)} ms   max ${s.max.toFixed(1).padStart(9)} ms   target ${target} ms   ${ok ? "ok" : "MISSED"}`,
    );
  };
  for (const stack of process.argv.includes("--simulator-only") ? [] : ["dev", "prod", "local"]) {
    const file = readStackFile(stack, dir);
    const source = {
      keys: () =>
        Object.keys(file.config)
          .filter((k) => k.startsWith("worker-platform:"))
          .map((k) => k.slice(k.indexOf(":") + 1)),
      get: (k: string) => file.config[`worker-platform:${k}`],
      isSecret: (k: string) => file.secretKeys.includes(`worker-platform:${k}`),
    };
    const validate: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      loadConfig(source);
      validate.push(performance.now() - t);
    }
    line(`validate config (${stack})`, stats(validate), TARGETS_MS.validate);
    const plan: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const result = await planStack(stack, { dir });
      plan.push(performance.now() - t);
      if (i === 0)
        console.log(`  ${stack}: ${result.resources.length} resources, ${result.manifests.length} Kubernetes objects`);
    }
    line(`offline plan (${stack})`, stats(plan), TARGETS_MS.plan);
  }

  benchSimulator(runs, line);
  if (process.argv.includes("--simulator-only")) return missed === 0 ? 0 : 1;

  const startup = measureStartup(dir, "prod", Number(process.env.BENCH_RUNS ?? 5));
  const startupOk = startup.ratio <= TARGET_STARTUP_RATIO;
  if (!startupOk) missed++;
  console.log(
    `start-up, new process (median of ${startup.runs}): floor ${startup.floorMs.toFixed(0)} ms, ` +
      `npm run plan -- prod ${startup.planMs.toFixed(0)} ms, ratio ${startup.ratio.toFixed(2)}   ` +
      `target <= ${TARGET_STARTUP_RATIO}   ${startupOk ? "ok" : "MISSED"}`,
  );
  if (!process.argv.includes("--no-tests")) {
    const tests = measureTests(dir);
    console.log(
      `test suite (npm test): ${((tests.typecheckMs + tests.mochaMs) / 1000).toFixed(1)} s = type check ` +
        `${(tests.typecheckMs / 1000).toFixed(1)} s + mocha ${(tests.mochaMs / 1000).toFixed(1)} s (${tests.passing} passing)`,
    );
  }
  return missed === 0 ? 0 : 1;
}

/** The simulator on prod: diurnal-24h (target), then its growth with the number of jobs. */
function benchSimulator(
  runs: number,
  line: (what: string, s: { median: number; max: number }, target: number) => void,
) {
  const cfg = loadStackConfig("prod", dir).config;
  const sim: number[] = [];
  let jobs = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const { result } = simulateStack(cfg, "diurnal-24h", { seed: cfg.simulation.seed });
    sim.push(performance.now() - t);
    jobs = result.workers.reduce((n, w) => n + w.jobs, 0);
  }
  console.log(`  prod, diurnal-24h: ${jobs} jobs on ${new Set(cfg.clusters.map((c) => c.name)).size} clusters`);
  const s = stats(sim);
  line("simulate (prod, diurnal-24h)", s, TARGETS_MS.simulate);
  const growth: string[] = [];
  // 1x: every 10th job of one day; 10x: one day; 100x: ten days.
  for (const [label, days, every] of [
    ["1x", 1, 10],
    ["10x", 1, 1],
    ["100x", 10, 1],
  ] as const) {
    let n = 0;
    const t = performance.now();
    for (const cluster of simClusters(cfg)) {
      const day = builtinTrace("diurnal-24h", cluster, cfg.simulation.seed);
      const trace: Trace = {
        ...day,
        jobs: Array.from({ length: days }, (_, d) =>
          day.jobs.filter((_j, i) => i % every === 0).map((j) => ({ ...j, at: j.at + d * 86_400 })),
        ).flat(),
      };
      n += trace.jobs.length;
      simulateOne(cluster, trace, { seed: cfg.simulation.seed });
    }
    const ms = performance.now() - t;
    growth.push(`${label} ${n} jobs ${ms.toFixed(0)} ms (${((ms / n) * 1000).toFixed(0)} ms per 1000 jobs)`);
  }
  console.log(`  growth: ${growth.join(" · ")}`);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
