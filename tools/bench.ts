import * as path from "path";
import { performance } from "perf_hooks";
import { loadConfig } from "../stacks/load.ts";
import { measureStartup, measureTests } from "./bench-startup.ts";
import { planStack } from "./plan-stack.ts";
import { readStackFile } from "./stack-file.ts";

/**
 * `npm run bench`: the performance targets, measured (never asserted in tests, where timing is noise).
 *   - validating a stack's config: < 25 ms (it runs before every `pulumi up`)
 *   - a full offline plan of a stack, program + schema validation + policies: < 15 s on 2 cores
 *   - `npm run plan -- prod` in a new process: at most 2.5 x the floor (the same imports, one resource) in the same run
 * and, for information, the test suite's wall time (`npm test`: type check, then mocha).
 * Prints medians; exits 1 when one misses its target. BENCH_RUNS sets the runs (default 3; 5 for start-up);
 * `--no-tests` skips the test suite.
 */
const TARGETS_MS = { validate: 25, plan: 15_000 };
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
  for (const stack of ["dev", "prod", "local"]) {
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

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
