import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../tools/simulate.ts";

const projectDir = path.resolve(import.meta.dirname, "..");

describe("npm run simulate", function () {
  this.timeout(120_000);
  let dir: string;
  let out: string;
  const run = async (argv: string[]) => {
    const lines: string[] = [];
    const errors: string[] = [];
    const code = await main(argv, { dir, outDir: out, log: (l) => lines.push(l), error: (l) => errors.push(l) });
    return { code, out: lines.join("\n"), err: errors.join("\n") };
  };
  const written = () => (fs.existsSync(out) ? fs.readdirSync(out, { recursive: true }) : []);

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-sim-"));
    fs.copyFileSync(path.join(projectDir, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
  });
  beforeEach(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), "wp-sim-out-"));
    fs.rmSync(out, { recursive: true });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("prints the table, writes simulation.json and one SVG per worker; the same seed gives the same bytes", async () => {
    const a = await run(["dev", "--trace", "burst-200", "--seed", "3"]);
    assert.equal(a.code, 0, a.err);
    assert.match(a.out, /dev · trace burst-200/);
    assert.match(a.out, /dev-aks\/embedder +200 /);
    const json = fs.readFileSync(path.join(out, "dev", "simulation.json"), "utf8");
    const doc = JSON.parse(json);
    assert.equal(doc.stack, "dev");
    assert.equal(doc.seed, 3);
    const w = doc.traces[0].workers.find((x: { worker: string }) => x.worker === "transcriber");
    for (const key of [
      "jobs",
      "interruptedJobs",
      "waitSeconds",
      "firstJobSeconds",
      "makespanSeconds",
      "gpuNodeHours",
      "cost",
      "oracleR",
      "oracleC",
    ])
      assert.ok(key in w, `worker result lacks ${key}`);
    assert.deepEqual(Object.keys(w.waitSeconds), ["p50", "p95", "p99", "max"]);
    assert.ok(
      doc.traces[0].pools.every((p: object) =>
        ["nodeHours", "gpuNodeHours", "cost", "scaleUps", "scaleDowns"].every((k) => k in p),
      ),
    );
    const svgs = fs.readdirSync(path.join(out, "dev", "simulation"));
    assert.deepEqual(svgs, [
      "burst-200-dev-aks-embedder.svg",
      "burst-200-dev-aks-llm.svg",
      "burst-200-dev-aks-transcriber.svg",
    ]);
    const svg = fs.readFileSync(path.join(out, "dev", "simulation", svgs[2]), "utf8");
    assert.match(svg, /^<svg/);
    assert.match(svg, /queue length/);
    await run(["dev", "--trace", "burst-200", "--seed", "3"]);
    assert.equal(fs.readFileSync(path.join(out, "dev", "simulation.json"), "utf8"), json);
    assert.equal(fs.readFileSync(path.join(out, "dev", "simulation", svgs[2]), "utf8"), svg);
    await run(["dev", "--trace", "burst-200", "--seed", "4"]);
    assert.notEqual(fs.readFileSync(path.join(out, "dev", "simulation.json"), "utf8"), json);
  });

  it("replays a CSV trace file (counts, service times)", async () => {
    const file = path.join(dir, "trace.csv");
    fs.writeFileSync(file, "time,worker,count,serviceSeconds\n0,transcriber,3,20\n60,llm,1,\n");
    const r = await run(["dev", "--trace", file, "--worker", "transcriber"]);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(fs.readFileSync(path.join(out, "dev", "simulation.json"), "utf8"));
    assert.equal(doc.traces[0].workers.length, 1);
    assert.equal(doc.traces[0].workers[0].jobs, 3);
  });

  it("replays a JSON trace with a spot interruption: the jobs on the reclaimed nodes are interrupted", async () => {
    const file = path.join(dir, "spot.json");
    // 40 jobs of 80 s (within the worker's maxJobDurationSeconds 90) on 2 replicas: busy for about half an hour
    const jobs = Array.from({ length: 40 }, () => ({ time: 0, worker: "transcriber", serviceSeconds: 80 }));
    const trace = (events: object[]) => JSON.stringify({ jobs, events }, null, 1);
    fs.writeFileSync(file, trace([]));
    const first = await run(["dev", "--trace", file, "--worker", "transcriber"]);
    assert.equal(first.code, 0, first.err);
    const calm = JSON.parse(fs.readFileSync(path.join(out, "dev", "simulation.json"), "utf8")).traces[0].workers[0];
    assert.equal(calm.interruptedJobs, 0);
    // Both pods are mid-job at 860 s with more than Azure's 30 s notice left (at 900 s both would finish in time).
    fs.writeFileSync(file, trace([{ time: 860, kind: "spot-interruption", pool: "gpuspot", nodes: 3 }]));
    const second = await run(["dev", "--trace", file, "--worker", "transcriber"]);
    assert.equal(second.code, 0, second.err);
    const hit = JSON.parse(fs.readFileSync(path.join(out, "dev", "simulation.json"), "utf8")).traces[0].workers[0];
    assert.ok(hit.interruptedJobs > 0, JSON.stringify(hit));
    assert.equal(hit.unfinishedJobs, 0, "the evicted pods are replaced on new nodes and the queue drains");
  });

  const bad: [string, string[], (dir: string) => void, RegExp][] = [
    [
      "an unknown trace name",
      ["dev", "--trace", "burst-20"],
      () => {},
      /unknown trace "burst-20" \(did you mean "burst-200"\?\)/,
    ],
    [
      "a worker that does not exist",
      ["dev", "--worker", "transcribr"],
      () => {},
      /no worker "transcribr" \(did you mean "transcriber"\?\)/,
    ],
    ["an unknown stack", ["prdo"], () => {}, /no stack file for prdo/],
    ["a non-numeric seed", ["dev", "--seed", "x"], () => {}, /--seed: must be a whole number/],
    ["an unknown option", ["dev", "--trase", "x"], () => {}, /did you mean "--trace"/],
    [
      "a CSV row with a bad count (line number)",
      ["dev", "--trace", "TRACE/t.csv"],
      (d) => fs.writeFileSync(path.join(d, "t.csv"), "time,worker,count\n0,transcriber,1\n5,transcriber,-2\n"),
      /t\.csv:3: count "-2" must be a whole number >= 1/,
    ],
    [
      "a CSV row naming an unknown worker",
      ["dev", "--trace", "TRACE/t.csv"],
      (d) => fs.writeFileSync(path.join(d, "t.csv"), "time,worker\n0,transcriber\n1,nobody\n"),
      /t\.csv:3: worker "nobody" is not a queue worker/,
    ],
    [
      "a CSV with unbalanced quotes",
      ["dev", "--trace", "TRACE/t.csv"],
      (d) => fs.writeFileSync(path.join(d, "t.csv"), 'time,worker\n0,"transcriber\n'),
      /t\.csv:\d+: /,
    ],
    [
      "malformed JSON (line number)",
      ["dev", "--trace", "TRACE/t.json"],
      (d) =>
        fs.writeFileSync(path.join(d, "t.json"), '[\n  {"time": 0, "worker": "llm"},\n  {"time": 1, "worker": }\n]\n'),
      /t\.json:3: not valid JSON/,
    ],
    [
      "a JSON job with a negative time",
      ["dev", "--trace", "TRACE/t.json"],
      (d) =>
        fs.writeFileSync(
          path.join(d, "t.json"),
          '[\n  {"time": 0, "worker": "llm"},\n  {"time": -5, "worker": "llm"}\n]\n',
        ),
      /t\.json:3: time "-5" must be seconds >= 0/,
    ],
    [
      "a JSON event naming an unknown pool",
      ["dev", "--trace", "TRACE/t.json"],
      (d) =>
        fs.writeFileSync(
          path.join(d, "t.json"),
          '{\n "jobs": [{"time": 0, "worker": "llm"}],\n "events": [\n  {"time": 5, "kind": "spot-interruption", "pool": "gpu"}\n ]\n}\n',
        ),
      /t\.json:4: event pool "gpu" is not a workload pool of the stack \(gpuspot, cpuspot\)/,
    ],
    [
      "a negative timing in the stack config",
      ["neg"],
      (d) =>
        fs.writeFileSync(
          path.join(d, "Pulumi.neg.yaml"),
          fs.readFileSync(path.join(projectDir, "Pulumi.dev.yaml"), "utf8") +
            "  worker-platform:simulation:\n    workers:\n      llm:\n        startupSeconds: { p50: -3, p95: 5 }\n",
        ),
      /simulation\.workers\.llm\.startupSeconds\.p50: /,
    ],
  ];
  for (const [what, argv, setup, message] of bad) {
    it(`${what}: exit 2, named, no stack trace, nothing written`, async () => {
      const d = fs.mkdtempSync(path.join(os.tmpdir(), "wp-sim-bad-"));
      try {
        setup(d);
        if (argv[0] === "neg") fs.copyFileSync(path.join(d, "Pulumi.neg.yaml"), path.join(dir, "Pulumi.neg.yaml"));
        const r = await run(argv.map((a) => a.replace("TRACE", d)));
        assert.equal(r.code, 2, r.out);
        assert.match(r.err, message);
        assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
        assert.deepEqual(written(), []);
      } finally {
        fs.rmSync(d, { recursive: true, force: true });
        fs.rmSync(path.join(dir, "Pulumi.neg.yaml"), { force: true });
      }
    });
  }
});
