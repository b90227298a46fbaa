import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cachedSloCheck, sloCacheKey } from "../simulator/slo-cache.ts";
import { checkSlos } from "../simulator/slo.ts";
import { loadStackConfig } from "../simulator/stack.ts";

const projectDir = path.resolve(import.meta.dirname, "..");

describe("SLO check cache (simulator/slo-cache.ts)", function () {
  this.timeout(120_000);
  let cacheDir: string;
  beforeEach(() => (cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "slo-cache-"))));
  afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  it("a miss simulates and stores the result; a hit reads it back without simulating", async () => {
    const cfg = loadStackConfig("dev", projectDir).config;
    assert.deepEqual(await cachedSloCheck(cfg, cacheDir), checkSlos(cfg));
    const file = path.join(cacheDir, `${sloCacheKey(cfg)}.json`);
    assert.ok(fs.existsSync(file), "the result is stored under the key");
    // A stored result that no simulation would give proves the second call read it.
    const marker = [
      { policy: "simulation-slo", enforcementLevel: "advisory", resourceName: "x/y", message: "m", remediation: "r" },
    ];
    fs.writeFileSync(file, JSON.stringify(marker));
    assert.deepEqual(await cachedSloCheck(cfg, cacheDir), marker);
  });

  it("the key follows the config (any scaling change simulates again) and is stable for the same config", () => {
    const cfg = loadStackConfig("prod", projectDir).config;
    const again = loadStackConfig("prod", projectDir).config;
    assert.equal(sloCacheKey(cfg), sloCacheKey(again));
    const slower = { ...cfg, workers: cfg.workers.map((w, i) => (i === 0 ? { ...w, pollingInterval: 120 } : w)) };
    assert.notEqual(sloCacheKey(slower), sloCacheKey(cfg));
  });

  it("the key follows the code: an edited source under the digested directories changes it", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "slo-src-"));
    try {
      for (const d of ["simulator", "stacks", "components", "policy/rules"])
        fs.mkdirSync(path.join(root, d), { recursive: true });
      fs.writeFileSync(path.join(root, "simulator", "engine.ts"), "export const a = 1;\n");
      const cfg = loadStackConfig("dev", projectDir).config;
      const before = sloCacheKey(cfg, root);
      fs.writeFileSync(path.join(root, "policy", "rules", "k8s.ts"), "export const q = 1;\n");
      assert.notEqual(sloCacheKey(cfg, root), before);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("WORKER_PLATFORM_SLO_CACHE=off simulates every time and stores nothing", async () => {
    const cfg = loadStackConfig("dev", projectDir).config;
    process.env.WORKER_PLATFORM_SLO_CACHE = "off";
    try {
      assert.deepEqual(await cachedSloCheck(cfg, cacheDir), checkSlos(cfg));
      assert.deepEqual(fs.readdirSync(cacheDir), []);
    } finally {
      delete process.env.WORKER_PLATFORM_SLO_CACHE;
    }
  });
});
