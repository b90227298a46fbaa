import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

/**
 * Start-up figures for `npm run bench`: the offline plan of a stack in a new process against the floor, a bare program
 * that imports the same packages as the program (read from its imports, so the floor follows the code) and registers
 * one resource under the same mocks. Both run like the npm scripts (`node --import ./tools/preload.ts`).
 */

/** The packages the program imports (index.ts, components/, stacks/): bare specifiers, sorted. */
export function programPackages(dir: string): string[] {
  const files = ["index.ts", ...["components", "stacks"].flatMap((d) => walk(path.join(dir, d)))];
  const specifiers = new Set<string>();
  for (const file of files) {
    const text = fs.readFileSync(path.resolve(dir, file), "utf8");
    for (const m of text.matchAll(/^import (?!type )[^;]*?from "([^".][^"]*)";/gm)) specifiers.add(m[1]);
  }
  return [...specifiers].sort();
}

function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
    );
}

/** The floor program's source: the program's imports, the offline plan's mocks, one component. */
export function floorSource(dir: string): string {
  const imports = programPackages(dir).map((s) => `import ${JSON.stringify(s)};`);
  const rel = (p: string) => JSON.stringify(path.relative(path.join(dir, "out", "bench"), path.join(dir, p)));
  return [
    `import * as pulumi from "@pulumi/pulumi";`,
    ...imports,
    `import { mocks } from ${rel("tools/mocks.ts")};`,
    `await pulumi.runtime.setMocks(mocks, "worker-platform", "floor", true);`,
    `await pulumi.runtime.runInPulumiStack(async () => ({ one: new pulumi.ComponentResource("floor:index:One", "one").urn }));`,
    "",
  ].join("\n");
}

export interface StartupFigures {
  floorMs: number;
  planMs: number;
  ratio: number;
  runs: number;
}

/** Median wall time of `runs` new processes each (after one warm-up each, which fills the compile cache). */
export function measureStartup(dir: string, stack: string, runs: number): StartupFigures {
  const floorFile = path.join(dir, "out", "bench", "floor.ts");
  fs.mkdirSync(path.dirname(floorFile), { recursive: true });
  fs.writeFileSync(floorFile, floorSource(dir));
  const node = (args: string[]) => {
    const t = performance.now();
    const r = spawnSync(process.execPath, ["--import", "./tools/preload.ts", ...args], { cwd: dir, encoding: "utf8" });
    const ms = performance.now() - t;
    if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    return ms;
  };
  const floorArgs = [path.relative(dir, floorFile)];
  const planArgs = ["tools/plan.ts", stack];
  node(floorArgs);
  node(planArgs);
  const floor: number[] = [];
  const plan: number[] = [];
  for (let i = 0; i < runs; i++) {
    floor.push(node(floorArgs));
    plan.push(node(planArgs));
  }
  const floorMs = median(floor);
  const planMs = median(plan);
  return { floorMs, planMs, ratio: planMs / floorMs, runs };
}

/** Wall time of the test suite as `npm test` runs it: the type check, then mocha. */
export function measureTests(dir: string): { typecheckMs: number; mochaMs: number; passing: number } {
  const run = (args: string[]) => {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0)
      throw new Error(`node ${args.join(" ")} exited ${r.status}: ${r.stdout.slice(-2000)}${r.stderr}`);
    return { ms: performance.now() - t, stdout: r.stdout };
  };
  const tsc = path.join("node_modules", "typescript", "bin", "tsc");
  const typecheck = run([tsc, "--noEmit", "-p", "."]).ms + run([tsc, "--noEmit", "-p", "policy"]).ms;
  const mocha = run([path.join("node_modules", "mocha", "bin", "mocha.js"), "--reporter", "dot"]);
  const passing = Number(/(\d+) passing/.exec(mocha.stdout)?.[1] ?? 0);
  return { typecheckMs: typecheck, mochaMs: mocha.ms, passing };
}

export function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
