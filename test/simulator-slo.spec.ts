import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkSlos, SLO_POLICY } from "../simulator/slo.ts";
import { loadStackConfig } from "../simulator/stack.ts";
import { planStack } from "../tools/plan-stack.ts";

const projectDir = path.resolve(import.meta.dirname, "..");

describe("SLO check (workers[].slo, simulation.maxGpuNodeHoursRatio)", function () {
  this.timeout(120_000);

  it("the shipped prod and dev stacks hold their SLOs", () => {
    assert.deepEqual(checkSlos(loadStackConfig("prod", projectDir).config), []);
    assert.deepEqual(checkSlos(loadStackConfig("dev", projectDir).config), []);
  });

  it("pollingInterval 120 on the transcriber breaks its first-job SLO: mandatory in production, named, with the fix", () => {
    const cfg = loadStackConfig("prod", projectDir).config;
    cfg.workers.find((w) => w.name === "transcriber")!.pollingInterval = 120;
    const breaches = checkSlos(cfg);
    assert.ok(breaches.length > 0);
    for (const b of breaches) {
      assert.equal(b.policy, SLO_POLICY);
      assert.equal(b.enforcementLevel, "mandatory");
      assert.match(
        b.message,
        /^worker transcriber on prod-(aks|eks), trace burst-200: first job running after [0-9.]+ s > firstJobSeconds 180 s$/,
      );
      assert.match(b.remediation, /lower pollingInterval \(now 120 s\)/);
    }
  });

  it("outside production a breach is advisory; sloLevel overrides; disabled checks nothing", () => {
    const cfg = loadStackConfig("dev", projectDir).config;
    cfg.workers.find((w) => w.name === "transcriber")!.slo = { trace: "sparse-trickle", firstJobSeconds: 120 };
    assert.deepEqual(
      checkSlos(cfg).map((b) => [b.resourceName, b.enforcementLevel]),
      [["dev-aks/transcriber", "advisory"]],
    );
    assert.match(
      checkSlos(cfg)[0].remediation,
      /cold start alone takes [0-9.]+ s \(Oracle-R\): keep capacity warm with headroomGpus on pool gpuspot/,
    );
    cfg.simulation.sloLevel = "mandatory";
    assert.equal(checkSlos(cfg)[0].enforcementLevel, "mandatory");
    cfg.simulation.sloLevel = "disabled";
    assert.deepEqual(checkSlos(cfg), []);
  });

  it("a p95 wait the capacity cannot meet names the capacity; a GPU node-hours ratio breach names the scale-down timers", () => {
    const cfg = loadStackConfig("dev", projectDir).config;
    cfg.workers.find((w) => w.name === "llm")!.slo = { trace: "burst-200", waitP95Seconds: 60 };
    cfg.simulation.maxGpuNodeHoursRatio = 1.01;
    const breaches = checkSlos(cfg);
    const wait = breaches.find((b) => b.message.includes("wait p95"));
    assert.ok(wait, breaches.map((b) => b.message).join("\n"));
    assert.match(wait.message, /^worker llm on dev-aks, trace burst-200: wait p95 [0-9.]+ s > waitP95Seconds 60 s$/);
    assert.match(wait.remediation, /capacity binds .* raise replicas.max \(now 1\)/);
    const ratio = breaches.find((b) => b.message.includes("Oracle-C"));
    assert.ok(ratio);
    assert.match(
      ratio.message,
      /GPU node-hours [0-9.]+ are [0-9.]+× Oracle-C's [0-9.]+ > simulation.maxGpuNodeHoursRatio 1.01/,
    );
  });

  it("npm run plan -- prod fails on the breach, naming it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-slo-"));
    try {
      const yaml = fs
        .readFileSync(path.join(projectDir, "Pulumi.prod.yaml"), "utf8")
        .replace("      maxJobDurationSeconds: 90\n", "      maxJobDurationSeconds: 90\n      pollingInterval: 120\n");
      fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), yaml);
      fs.mkdirSync(path.join(dir, "policy", "config"), { recursive: true });
      fs.copyFileSync(
        path.join(projectDir, "policy", "config", "prod.json"),
        path.join(dir, "policy", "config", "prod.json"),
      );
      const result = await planStack("prod", { dir });
      assert.equal(result.exitCode, 1);
      const slo = result.policies.filter((p) => p.policy === SLO_POLICY);
      assert.ok(slo.length > 0);
      assert.ok(
        slo.every((p) => p.enforcementLevel === "mandatory" && p.message.startsWith("worker transcriber on prod-")),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
