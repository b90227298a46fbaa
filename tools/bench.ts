import * as path from "path";
import { performance } from "perf_hooks";
import { loadConfig } from "../stacks/load";
import { planStack } from "./plan-stack";
import { readStackFile } from "./stack-file";

/**
 * `npm run bench`: the performance targets, measured (never asserted in tests, where timing is noise).
 *   - validating a stack's config: < 25 ms (it runs before every `pulumi up`)
 *   - a full offline plan of a stack, program + schema validation + policies: < 15 s on 2 cores
 * Prints median and max over the runs; exits 1 when a median misses its target.
 */
const TARGETS_MS = { validate: 25, plan: 15_000 };
const dir = path.resolve(__dirname, "..");

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
    console.log(`${what.padEnd(28)} median ${s.median.toFixed(1).padStart(9)} ms   max ${s.max.toFixed(1).padStart(9)} ms   target ${target} ms   ${ok ? "ok" : "MISSED"}`);
  };
  for (const stack of ["dev", "prod", "local"]) {
    const file = readStackFile(stack, dir);
    const source = {
      keys: () => Object.keys(file.config).filter((k) => k.startsWith("worker-platform:")).map((k) => k.slice(k.indexOf(":") + 1)),
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
      if (i === 0) console.log(`  ${stack}: ${result.resources.length} resources, ${result.manifests.length} Kubernetes objects`);
    }
    line(`offline plan (${stack})`, stats(plan), TARGETS_MS.plan);
  }
  return missed === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (err) => { console.error(err); process.exit(1); });
