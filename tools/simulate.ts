/**
 * `npm run simulate [-- <stack>... | --all] [--trace <name|file>] [--worker <name>] [--seed N]`: replays traces through
 * each stack's own KEDA, HPA and cluster-autoscaler config (simulator/, docs/simulation.md). Prints a table per trace,
 * writes `out/<stack>/simulation.json` and one SVG chart per worker and trace under `out/<stack>/simulation/`.
 * Exit 0, or 2 on bad input (unknown stack, trace, worker, malformed trace file, invalid config), with nothing written.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "node:util";
import { ConfigError, suggest } from "../stacks/load.ts";
import type { StackConfig } from "../stacks/schema/index.ts";
import { BUILTIN_TRACES } from "../stacks/schema/simulation.ts";
import type { BuiltinTrace } from "../stacks/schema/simulation.ts";
import { ConfigFileError } from "./stack-file.ts";
import { loadStackConfig } from "../simulator/stack.ts";
import { simulateStack } from "../simulator/run.ts";
import type { ChartSeries, TraceResult, WorkerResult } from "../simulator/run.ts";
import type { Trace } from "../simulator/model/types.ts";
import { isBuiltin, readTraceFile, TraceError } from "../simulator/traces.ts";
import { renderChart } from "../simulator/chart.ts";

export interface SimulateCliOptions {
  dir?: string;
  outDir?: string;
  log?: (line: string) => void;
  error?: (line: string) => void;
}

class UsageError extends Error {}

export async function main(argv: string[], opts: SimulateCliOptions = {}): Promise<number> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const error = opts.error ?? ((l: string) => console.error(l));
  const projectDir = opts.dir ?? path.resolve(import.meta.dirname, "..");
  const allStacks = fs
    .readdirSync(projectDir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();
  const usage = `usage: npm run simulate [-- <stack>... | --all] [--trace <${BUILTIN_TRACES.join("|")}|file.csv|file.json>] [--worker <name>] [--seed N]   (stacks: ${allStacks.join(", ")}; default dev)`;
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          all: { type: "boolean" },
          trace: { type: "string" },
          worker: { type: "string" },
          seed: { type: "string" },
          help: { type: "boolean", short: "h" },
        },
      });
    } catch (err) {
      const m = /'(--?[^']+)'/.exec(String(err));
      throw new UsageError(
        `${(err as Error).message}${m ? suggest(m[1], ["--all", "--trace", "--worker", "--seed", "--help"]) : ""}`,
      );
    }
    const { values, positionals } = parsed;
    if (values.help) {
      log(usage);
      return 0;
    }
    const stacks = values.all ? allStacks : positionals.length ? positionals : ["dev"];
    const unknown = stacks.filter((s) => !allStacks.includes(s));
    if (unknown.length)
      throw new UsageError(
        `no stack file for ${unknown.join(", ")}${suggest(unknown[0], allStacks)} (have: ${allStacks.join(", ")})`,
      );
    let seedArg: number | undefined;
    if (values.seed !== undefined) {
      if (!/^[0-9]+$/.test(values.seed))
        throw new UsageError(`--seed: must be a whole number >= 0, got ${JSON.stringify(values.seed)}`);
      seedArg = Number(values.seed);
    }

    // Validate everything before simulating or writing anything.
    const plans: { stack: string; config: StackConfig; traces: (BuiltinTrace | Trace)[]; seed: number }[] = [];
    for (const stack of stacks) {
      let config: StackConfig;
      try {
        config = loadStackConfig(stack, projectDir).config;
      } catch (err) {
        if (err instanceof ConfigError || err instanceof ConfigFileError)
          throw new UsageError(`Pulumi.${stack}.yaml: ${err.message}`);
        throw err;
      }
      const queueWorkers = config.workers.map((w) => w.name);
      if (values.worker !== undefined && !queueWorkers.includes(values.worker))
        throw new UsageError(
          `--worker: stack ${stack} has no worker "${values.worker}"${suggest(values.worker, queueWorkers)} (workers: ${queueWorkers.join(", ")})`,
        );
      let traces: (BuiltinTrace | Trace)[];
      if (values.trace === undefined) traces = [...BUILTIN_TRACES];
      else if (isBuiltin(values.trace)) traces = [values.trace];
      else if (/\.(csv|json)$/.test(values.trace) || fs.existsSync(values.trace))
        traces = [
          readTraceFile(
            path.resolve(values.trace),
            queueWorkers,
            config.clusters.flatMap((c) => c.pools.filter((p) => p.role === "workload").map((p) => p.name)),
          ),
        ];
      else
        throw new UsageError(
          `--trace: unknown trace "${values.trace}"${suggest(values.trace, BUILTIN_TRACES)}; built-in: ${BUILTIN_TRACES.join(", ")}, or a .csv/.json trace file`,
        );
      plans.push({ stack, config, traces, seed: seedArg ?? config.simulation.seed });
    }

    const outDir = opts.outDir ?? path.join(projectDir, "out");
    for (const p of plans) {
      const results: TraceResult[] = [];
      const charts: ChartSeries[] = [];
      for (const trace of p.traces) {
        const { result, charts: c } = simulateStack(p.config, trace, {
          seed: p.seed,
          ...(values.worker ? { worker: values.worker } : {}),
          sampleSeconds: typeof trace === "string" && trace === "diurnal-24h" ? 300 : 30,
        });
        results.push(result);
        charts.push(...c);
        printTable(log, p.stack, result);
      }
      const dir = path.join(outDir, p.stack);
      const chartDir = path.join(dir, "simulation");
      fs.rmSync(chartDir, { recursive: true, force: true });
      fs.mkdirSync(chartDir, { recursive: true });
      fs.writeFileSync(
        path.join(dir, "simulation.json"),
        JSON.stringify({ stack: p.stack, seed: p.seed, traces: results }, null, 2) + "\n",
      );
      for (const c of charts) {
        const name = `${c.trace.replace(/[^A-Za-z0-9._-]+/g, "_")}-${c.cluster}-${c.worker}.svg`;
        fs.writeFileSync(path.join(chartDir, name), await renderChart(c));
      }
      log(
        `\nwrote ${path.relative(process.cwd(), path.join(dir, "simulation.json"))} and ${charts.length} charts in ${path.relative(process.cwd(), chartDir)}/`,
      );
    }
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof TraceError) {
      error(`error: ${err.message}`);
      if (err instanceof UsageError) error(usage);
      return 2;
    }
    throw err;
  }
}

const fmt = (x: number | null | undefined, d = 0) => (x === null || x === undefined ? "-" : x.toFixed(d));
const ratio = (a: number, b: number | undefined) => (b && b > 0 ? (a / b).toFixed(2) : "-");

function printTable(log: (l: string) => void, stack: string, r: TraceResult) {
  log(`\n${stack} · trace ${r.trace}   (waits: arrival → running, seconds; R = Oracle-R, C = Oracle-C)`);
  const head = [
    "cluster/worker",
    "jobs",
    "p50",
    "p95",
    "p99",
    "max",
    "first",
    "makespan",
    "intr",
    "GPU-h",
    "cost$",
    "util",
    "R p95",
    "R first",
    "R GPU-h",
    "C GPU-h",
    "GPU-h/C",
    "work GPU-h",
  ];
  const rows = r.workers.map((w: WorkerResult) => [
    `${w.cluster}/${w.worker}`,
    `${w.jobs}${w.unfinishedJobs ? ` (${w.unfinishedJobs} not run)` : ""}`,
    fmt(w.waitSeconds.p50),
    fmt(w.waitSeconds.p95),
    fmt(w.waitSeconds.p99),
    fmt(w.waitSeconds.max),
    fmt(w.firstJobSeconds),
    fmt(w.makespanSeconds),
    String(w.interruptedJobs),
    fmt(w.gpuNodeHours, 2),
    fmt(w.cost, 2),
    w.gpuUtilization === null ? "-" : `${Math.round(w.gpuUtilization * 100)}%`,
    fmt(w.oracleR?.waitSeconds.p95),
    fmt(w.oracleR?.firstJobSeconds),
    fmt(w.oracleR?.gpuNodeHours, 2),
    fmt(w.oracleC?.gpuNodeHours, 2),
    ratio(w.gpuNodeHours, w.oracleC?.gpuNodeHours),
    fmt(w.workGpuHours, 2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  log(line(head));
  for (const row of rows) log(line(row));
  log(
    `pools: ${r.pools
      .filter((p) => p.nodeHours > 0 || p.scaleUps > 0)
      .map(
        (p) =>
          `${p.cluster}/${p.pool} ${p.nodeHours.toFixed(2)} node-h $${p.cost.toFixed(2)} ↑${p.scaleUps} ↓${p.scaleDowns}`,
      )
      .join(" · ")}`,
  );
  for (const w of r.warnings) log(`warning: ${w}`);
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
