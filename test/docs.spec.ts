import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { DOCS_FILE, configKeys, regeneratedDocs } from "../tools/config-keys";

const root = path.resolve(__dirname, "..");
const read = (f: string) => fs.readFileSync(path.join(root, f), "utf8");

describe("documentation", () => {
  it("docs/config.md lists every config key of the schema (run `npm run docs` after a schema change)", () => {
    const current = fs.readFileSync(DOCS_FILE, "utf8");
    assert.equal(current, regeneratedDocs(current), "docs/config.md is out of date: run npm run docs");
    for (const key of configKeys()) assert.ok(current.includes(`\`${key.path}\``), key.path);
  });

  it("mentions only npm scripts that exist", () => {
    const scripts = Object.keys(JSON.parse(read("package.json")).scripts);
    const docs = ["README.md", ...fs.readdirSync(path.join(root, "docs")).map((f) => `docs/${f}`)];
    for (const doc of docs) {
      for (const [, script] of read(doc).matchAll(/npm run ([a-z:-]+)/g)) assert.ok(scripts.includes(script), `${doc}: npm run ${script}`);
    }
  });

  it("README gives the two commands of a fresh machine", () => {
    const readme = read("README.md");
    assert.ok(readme.includes("npm ci && npm run plan"));
    assert.ok(readme.includes("npm test"));
  });

  it("every docs/*.md the README links exists", () => {
    for (const [, link] of read("README.md").matchAll(/\]\((docs\/[a-z-]+\.md)\)/g)) assert.ok(fs.existsSync(path.join(root, link)), link);
  });
});
