/**
 * Traces: the built-in reference shapes (docs/simulation.md, "Traces") per worker, and user trace files (CSV or JSON)
 * so a team can replay its own arrivals. A malformed file is a TraceError naming the file and line.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseCsv } from "csv-parse/sync";
import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import type { BuiltinTrace } from "../stacks/schema/simulation.ts";
import { BUILTIN_TRACES } from "../stacks/schema/simulation.ts";
import { Rng, hash } from "./model/rng.ts";
import type { SimCluster, SimWorker, Trace, TraceEvent, TraceJob } from "./model/types.ts";

export class TraceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TraceError";
  }
}

const HOUR = 3600;
/** Mean of the lognormal through p50/p95. */
const meanOf = (d: { p50: number; p95: number }) => {
  if (d.p95 <= d.p50) return d.p50;
  const sigma = Math.log(d.p95 / d.p50) / 1.6448536269514722;
  return d.p50 * Math.exp((sigma * sigma) / 2);
};

/**
 * The share of a trace's nominal rate a worker gets: at most half of what its max replicas can serve on average, so a
 * steady trace does not overload a small worker without bound (a 2-hour render worker with 4 replicas cannot take
 * 2 jobs a minute). 1 when the worker can serve twice the rate.
 */
export function loadScale(w: SimWorker, ratePerSecond: number): number {
  const capacity = w.max / Math.max(1, meanOf(w.service));
  return Math.min(1, (0.5 * capacity) / ratePerSecond);
}

const queueWorkers = (c: SimCluster) => c.workers.filter((w) => w.kind !== "service");

/** A built-in trace for every queue worker of a cluster (each worker its own arrivals, same shape). */
export function builtinTrace(name: BuiltinTrace, cluster: SimCluster, seed: number): Trace {
  const jobs: TraceJob[] = [];
  const events: TraceEvent[] = [];
  // After the last job: long enough for KEDA's cooldown and the autoscaler's scale-down timers to play out.
  const a = cluster.autoscaler;
  const drainSeconds =
    Math.max(0, ...cluster.workers.map((w) => w.cooldownPeriod)) +
    Math.max(a.scaleDownUnneededTime, a.scaleDownDelayAfterAdd) +
    a.maxGracefulTerminationSec +
    5 * a.scanInterval;
  for (const w of queueWorkers(cluster)) {
    const rng = new Rng(seed ^ hash(`${name}/${w.name}`));
    if (name === "burst-200" || name === "spot-outage") {
      // 200 jobs within 10 s; fewer for a worker whose max replicas cannot serve 200 jobs in an hour (a 2-hour render
      // worker), so the burst stays one hour of its full capacity.
      const count = Math.min(200, Math.max(1, Math.ceil((w.max * HOUR) / meanOf(w.service))));
      for (let i = 0; i < count; i++) jobs.push({ at: rng.uniform(0, 10), worker: w.name });
    } else if (name === "diurnal-24h") {
      // Poisson, λ(t) = λ̄ (1 + 0.8 sin(2π (t − 6 h) / 24 h)), λ̄ = 2 jobs/min (scaled per worker): by thinning.
      const mean = (2 / 60) * loadScale(w, 2 / 60);
      const peak = 1.8 * mean;
      for (let t = rng.exponential(peak); t < 24 * HOUR; t += rng.exponential(peak)) {
        const rate = mean * (1 + 0.8 * Math.sin((2 * Math.PI * (t - 6 * HOUR)) / (24 * HOUR)));
        if (rng.next() < rate / peak) jobs.push({ at: t, worker: w.name });
      }
    } else if (name === "sawtooth") {
      // 30 jobs (scaled per worker) every 20 minutes for 4 hours.
      const count = Math.max(1, Math.round(30 * loadScale(w, 30 / 1200)));
      for (let b = 0; b < 12; b++)
        for (let i = 0; i < count; i++) jobs.push({ at: b * 1200 + rng.uniform(0, 10), worker: w.name });
    } else if (name === "sparse-trickle") {
      for (let t = 0; t < 8 * HOUR; t += rng.uniform(25 * 60, 40 * 60)) jobs.push({ at: t, worker: w.name });
    }
  }
  if (name === "spot-outage")
    for (const p of cluster.pools.filter((x) => x.spot))
      events.push({ at: 0, kind: "capacity-limit", pool: p.name, capacity: 5 });
  return { name, jobs, events, drainSeconds, warmupSeconds: 1800 };
}

export const isBuiltin = (name: string): name is BuiltinTrace => (BUILTIN_TRACES as readonly string[]).includes(name);

interface RawRow {
  line: number;
  time: unknown;
  worker: unknown;
  count: unknown;
  serviceSeconds: unknown;
}

/**
 * A user trace file: CSV with the header `time,worker,count[,serviceSeconds]`, or JSON, an array of
 * `{time, worker, count?, serviceSeconds?}` (or `{jobs: [...], events?: [...]}`, events `{time, kind:
 * spot-interruption, pool, nodes?}` or `{time, kind: capacity-limit, pool, capacity}`, applied to every cluster with
 * that pool). `time` is seconds from the start (number) or an
 * ISO-8601 timestamp (taken relative to the earliest one); `count` jobs arrive at that time (default 1).
 */
export function readTraceFile(file: string, workers: string[], pools: string[] = []): Trace {
  const shown = path.relative(process.cwd(), file) || file;
  if (!fs.existsSync(file))
    throw new TraceError(`${shown}: no such trace file (and not a built-in trace: ${BUILTIN_TRACES.join(", ")})`);
  const text = fs.readFileSync(file, "utf8");
  const { rows, events: rawEvents } = file.endsWith(".json")
    ? jsonRows(shown, text)
    : { rows: csvRows(shown, text), events: [] };
  const times: number[] = [];
  const iso = rows.some((r) => typeof r.time === "string" && !/^-?[0-9.]+$/.test(r.time));
  for (const r of rows) {
    const at = (msg: string) => new TraceError(`${shown}:${r.line}: ${msg}`);
    let t: number;
    if (iso) {
      t = typeof r.time === "string" ? Date.parse(r.time) / 1000 : NaN;
      if (!Number.isFinite(t))
        throw at(`time ${JSON.stringify(r.time)} is not an ISO-8601 timestamp (the file uses timestamps)`);
    } else {
      t = Number(r.time);
      if (r.time === "" || r.time === undefined || !Number.isFinite(t) || t < 0)
        throw at(`time ${JSON.stringify(r.time)} must be seconds >= 0 or an ISO-8601 timestamp`);
    }
    times.push(t);
    if (typeof r.worker !== "string" || !workers.includes(r.worker))
      throw at(`worker ${JSON.stringify(r.worker)} is not a queue worker of the stack (${workers.join(", ")})`);
    const count = r.count === undefined || r.count === "" ? 1 : Number(r.count);
    if (!Number.isInteger(count) || count < 1) throw at(`count ${JSON.stringify(r.count)} must be a whole number >= 1`);
    if (r.serviceSeconds !== undefined && r.serviceSeconds !== "") {
      const s = Number(r.serviceSeconds);
      if (!Number.isFinite(s) || s <= 0)
        throw at(`serviceSeconds ${JSON.stringify(r.serviceSeconds)} must be a number > 0`);
    }
  }
  if (rows.length === 0) throw new TraceError(`${shown}: no jobs`);
  const t0 = iso ? Math.min(...times) : 0;
  const jobs: TraceJob[] = [];
  rows.forEach((r, i) => {
    const count = r.count === undefined || r.count === "" ? 1 : Number(r.count);
    const service = r.serviceSeconds === undefined || r.serviceSeconds === "" ? undefined : Number(r.serviceSeconds);
    for (let k = 0; k < count; k++)
      jobs.push({
        at: times[i] - t0,
        worker: r.worker as string,
        ...(service !== undefined ? { serviceSeconds: service } : {}),
      });
  });
  const events: TraceEvent[] = rawEvents.map((e) => {
    const at = (msg: string) => new TraceError(`${shown}:${e.line}: event ${msg}`);
    const t = iso && typeof e.time === "string" ? Date.parse(e.time) / 1000 - t0 : Number(e.time);
    if (e.time === undefined || !Number.isFinite(t) || t < 0)
      throw at(`time ${JSON.stringify(e.time)} must be seconds >= 0`);
    if (e.kind !== "spot-interruption" && e.kind !== "capacity-limit")
      throw at(`kind ${JSON.stringify(e.kind)} must be spot-interruption or capacity-limit`);
    if (typeof e.pool !== "string" || !pools.includes(e.pool))
      throw at(`pool ${JSON.stringify(e.pool)} is not a workload pool of the stack (${pools.join(", ")})`);
    if (e.kind === "spot-interruption") {
      const nodes = e.nodes === undefined ? 1 : Number(e.nodes);
      if (!Number.isInteger(nodes) || nodes < 1)
        throw at(`nodes ${JSON.stringify(e.nodes)} must be a whole number >= 1`);
      return { at: t, kind: e.kind, pool: e.pool, nodes };
    }
    const capacity = Number(e.capacity);
    if (e.capacity === undefined || !Number.isInteger(capacity) || capacity < 0)
      throw at(`capacity ${JSON.stringify(e.capacity)} must be a whole number >= 0`);
    return { at: t, kind: e.kind, pool: e.pool, capacity };
  });
  return { name: shown, jobs, events, drainSeconds: 2 * HOUR, warmupSeconds: 1800 };
}

function csvRows(shown: string, text: string): RawRow[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, info: true, comment: "#" });
  } catch (err) {
    const e = err as { lines?: number; message?: string };
    throw new TraceError(`${shown}:${e.lines ?? "?"}: ${e.message ?? String(err)}`);
  }
  const header = records[0] ? Object.keys(records[0].record) : [];
  for (const k of ["time", "worker"])
    if (records.length && !header.includes(k))
      throw new TraceError(
        `${shown}:1: header must name time,worker[,count][,serviceSeconds]; got ${header.join(",")}`,
      );
  const unknown = header.filter((h) => !["time", "worker", "count", "serviceSeconds"].includes(h));
  if (unknown.length)
    throw new TraceError(
      `${shown}:1: unknown column ${unknown.join(", ")} (columns: time, worker, count, serviceSeconds)`,
    );
  return records.map(({ record, info }) => ({
    line: info.lines,
    time: record.time,
    worker: record.worker,
    count: record.count,
    serviceSeconds: record.serviceSeconds,
  }));
}

interface RawEvent {
  line: number;
  time: unknown;
  kind: unknown;
  pool: unknown;
  nodes: unknown;
  capacity: unknown;
}

function jsonRows(shown: string, text: string): { rows: RawRow[]; events: RawEvent[] } {
  // JSON.parse is the judge of JSON (YAML would accept `{"worker": }`); the YAML parser then gives each item's line.
  try {
    JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const at = jsonErrorOffset(text, msg);
    const line = at === undefined ? "?" : text.slice(0, at).split("\n").length;
    throw new TraceError(`${shown}:${line}: not valid JSON: ${msg.split("\n")[0].split(" (line")[0]}`);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new TraceError(`${shown}:${lc.linePos(e.pos[0]).line}: not valid JSON: ${e.message.split("\n")[0]}`);
  }
  const root: unknown = doc.contents;
  const seq: unknown = isMap(root) ? root.get("jobs", true) : root;
  if (!isSeq(seq))
    throw new TraceError(`${shown}:1: must be an array of {time, worker, count?, serviceSeconds?} (or {jobs: [...]})`);
  const lineOf = (node: unknown) => lc.linePos((node as { range?: number[] }).range?.[0] ?? 0).line;
  const evSeq: unknown = isMap(root) ? root.get("events", true) : undefined;
  if (evSeq !== undefined && !isSeq(evSeq))
    throw new TraceError(`${shown}:${lineOf(evSeq)}: events must be an array of {time, kind, pool, nodes?, capacity?}`);
  const events: RawEvent[] = (isSeq(evSeq) ? evSeq.items : []).map((item) => {
    if (!isMap(item))
      throw new TraceError(`${shown}:${lineOf(item)}: each event must be an object {time, kind, pool, ...}`);
    const o = item.toJSON() as Record<string, unknown>;
    const unknown = Object.keys(o).filter((k) => !["time", "kind", "pool", "nodes", "capacity"].includes(k));
    if (unknown.length)
      throw new TraceError(
        `${shown}:${lineOf(item)}: unknown event key ${unknown.join(", ")} (keys: time, kind, pool, nodes, capacity)`,
      );
    return { line: lineOf(item), time: o.time, kind: o.kind, pool: o.pool, nodes: o.nodes, capacity: o.capacity };
  });
  const rows = seq.items.map((item) => {
    const line = lineOf(item);
    if (!isMap(item))
      throw new TraceError(`${shown}:${line}: each job must be an object {time, worker, count?, serviceSeconds?}`);
    const o = item.toJSON() as Record<string, unknown>;
    const unknown = Object.keys(o).filter((k) => !["time", "worker", "count", "serviceSeconds"].includes(k));
    if (unknown.length)
      throw new TraceError(
        `${shown}:${line}: unknown key ${unknown.join(", ")} (keys: time, worker, count, serviceSeconds)`,
      );
    const str = (v: unknown) => (typeof v === "number" ? String(v) : v);
    return { line, time: str(o.time), worker: o.worker, count: str(o.count), serviceSeconds: str(o.serviceSeconds) };
  });
  return { rows, events };
}

/**
 * Where V8's JSON.parse error points: "at position N", or (for an unexpected token) the token inside the excerpt it
 * quotes (`Unexpected token '}', ..."worker": }..." is not valid JSON`).
 */
function jsonErrorOffset(text: string, msg: string): number | undefined {
  const pos = /position (\d+)/.exec(msg);
  if (pos) return Number(pos[1]);
  if (/Unexpected end of JSON input/.test(msg)) return text.trimEnd().length;
  const token = /Unexpected token '(.)'/.exec(msg)?.[1];
  const excerpt = /, (?:\.\.\.)?"([\s\S]*?)"(?:\.\.\.)? is not valid JSON/.exec(msg)?.[1];
  if (!token || excerpt === undefined) return undefined;
  const start = text.indexOf(excerpt);
  if (start < 0) return undefined;
  return start + Math.max(0, excerpt.indexOf(token));
}
