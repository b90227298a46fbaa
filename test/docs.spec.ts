import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DOCS_FILE, configKeys, regeneratedDocs, updateDocs } from "../tools/config-keys.ts";

const root = path.resolve(import.meta.dirname, "..");
const read = (f: string) => fs.readFileSync(path.join(root, f), "utf8");

describe("documentation", () => {
  it("docs/config.md lists every config key of the schema (run `npm run docs` after a schema change)", () => {
    const current = fs.readFileSync(DOCS_FILE, "utf8");
    assert.equal(current, regeneratedDocs(current), "docs/config.md is out of date: run npm run docs");
    for (const key of configKeys()) assert.ok(current.includes(`\`${key.path}\``), key.path);
  });

  it('npm run docs says "up to date" and leaves the file alone when nothing changed, "updated" when it rewrote it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-docs-"));
    try {
      const file = path.join(dir, "config.md");
      const current = regeneratedDocs(fs.readFileSync(DOCS_FILE, "utf8"));
      fs.writeFileSync(file, current);
      const before = fs.statSync(file).mtimeMs;
      const n = configKeys().length;
      assert.match(updateDocs(file), new RegExp(`config\\.md is up to date \\(${n} keys\\)$`));
      assert.equal(fs.statSync(file).mtimeMs, before, "an up-to-date file is not rewritten");
      const stale = current.replace(/^\| `platform\.name` .*\n/m, "");
      assert.notEqual(stale, current);
      fs.writeFileSync(file, stale);
      assert.match(updateDocs(file), new RegExp(`^updated .*config\\.md \\(${n} keys\\)$`));
      assert.equal(fs.readFileSync(file, "utf8"), current);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says which variants of a union a key belongs to, and is required only there", () => {
    const keys = new Map(configKeys().map((k) => [k.path, k]));
    const key = (p: string) => keys.get(p) ?? assert.fail(`no key ${p}`);
    assert.equal(key("clusters[].region").default, "**required**, only with cloud: azure, aws");
    assert.equal(key("clusters[].kubernetesVersion").default, "**required**, only with cloud: azure, aws");
    assert.equal(key("clusters[].existing").default, "**required**, only with cloud: existing");
    assert.equal(key("clusters[].azure").default, "each field's default, only with cloud: azure");
    assert.match(
      key("clusters[].pools[].machineTypes").default,
      /^\*\*required\*\* with cloud: azure, aws; `\["unknown"\]` with cloud: existing$/,
    );
    assert.equal(key("workers[].trigger.listName").default, "**required**, only with type: redis");
    for (const alt of ["fromConfig", "generate"])
      assert.equal(key(`secrets[].data.<key>.${alt}`).default, "**required**, exactly one of `fromConfig`, `generate`");
    for (const p of [
      "clusters[].region",
      "clusters[].existing",
      "secrets[].data.<key>.fromConfig",
      "clusters[].pools[].machineTypes",
    ])
      assert.equal(key(p).required, false, p);
    // Keys of every variant read as usual, with each allowed value once.
    assert.equal(key("clusters[].name").default, "**required**");
    assert.equal(key("clusters[].pools[].role").type, "system \\| workload");
    assert.equal(key("clusters[].pools[].taints[].effect").type, "NoSchedule \\| PreferNoSchedule \\| NoExecute");
    for (const k of keys.values())
      assert.equal(new Set(k.type.split(" \\| ")).size, k.type.split(" \\| ").length, `${k.path}: ${k.type}`);
  });

  it('shows the JSDoc\'s "Defaults to" rule for a default that depends on other config', () => {
    const keys = new Map(configKeys().map((k) => [k.path, k]));
    const expected: Record<string, RegExp> = {
      "clusters[].pools[].expanderPriority": /^Defaults to 20 for a spot pool, 10 for an on-demand one\.$/,
      "addons.keda.replicas": /^Defaults to 2 with platform\.production/,
      "platform.namespace": /^Defaults to `<platform\.name>-workloads`\.$/,
      "clusters[].protect": /^Defaults to platform\.production\.$/,
      "queues[].port": /^Defaults to 6379 for kind redis, 5672/,
      "workers[].trigger.serverAddress": /^Defaults to .* Only with type: prometheus, gpu\.$/,
    };
    for (const [p, re] of Object.entries(expected)) assert.match(keys.get(p)?.default ?? "", re, p);
    // A static default wins over the JSDoc sentence.
    assert.equal(keys.get("platform.name")?.default, '`"wp"`');
  });

  it("mentions only npm scripts that exist", () => {
    const scripts = Object.keys(JSON.parse(read("package.json")).scripts);
    const packScripts = Object.keys(JSON.parse(read("policy/package.json")).scripts);
    const docs = [
      "README.md",
      ...fs
        .readdirSync(path.join(root, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
    ];
    let seen = 0;
    for (const doc of docs) {
      for (const [mention, script, pack] of read(doc).matchAll(/npm run ([a-z:-]+)( --prefix policy)?/g)) {
        seen++;
        assert.ok((pack ? packScripts : scripts).includes(script), `${doc}: ${mention}`);
      }
    }
    assert.ok(seen > 5, `expected the docs to name the npm scripts, found ${seen} mentions`);
  });

  it("README gives the two commands of a fresh machine", () => {
    const readme = read("README.md");
    assert.ok(readme.includes("npm ci && npm run plan"));
    assert.ok(readme.includes("npm test"));
  });

  it("every docs/*.md the README links exists", () => {
    for (const [, link] of read("README.md").matchAll(/\]\((docs\/[a-z-]+\.md)\)/g))
      assert.ok(fs.existsSync(path.join(root, link)), link);
  });
});
