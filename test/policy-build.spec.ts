import * as assert from "assert";
import * as fs from "fs";
import { createRequire } from "module";
import * as os from "os";
import * as path from "path";
import { sourceDigest, sourceFiles } from "../policy/build.ts";
import { allPolicies, PACK_ENFORCEMENT_LEVEL, PACK_NAME } from "../policy/rules/index.ts";

/**
 * The pack the Pulumi CLI loads is the built JavaScript in policy/bin (policy/package.json `main`), not the sources the
 * tests and the offline plan run. These tests fail when that build is missing or older than its sources.
 */
const policyDir = path.resolve(import.meta.dirname, "..", "policy");
const rebuild = "run `npm run build --prefix policy` (npm ci builds it too)";

describe("policy pack: the built JavaScript the CLI loads", () => {
  it("is built from the current sources (bin/sources.json carries their digest)", () => {
    const stamp = path.join(policyDir, "bin", "sources.json");
    assert.ok(fs.existsSync(stamp), `policy/bin is not built: ${rebuild}`);
    const { digest } = JSON.parse(fs.readFileSync(stamp, "utf8")) as { digest: string };
    assert.equal(digest, sourceDigest(), `policy/bin is out of date with policy/ sources: ${rebuild}`);
  });

  it("the digest changes when any source changes, and only then", () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "policy-src-"));
    try {
      for (const file of sourceFiles()) {
        fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
        fs.copyFileSync(path.join(policyDir, file), path.join(copy, file));
      }
      assert.equal(sourceDigest(copy), sourceDigest(), "a faithful copy has the same digest");
      const rule = path.join(copy, "rules", "secrets.ts");
      fs.appendFileSync(rule, "\n// edited\n");
      assert.notEqual(sourceDigest(copy), sourceDigest(), "an edited rule changes the digest");
      fs.writeFileSync(path.join(copy, "rules", "new-rule.ts"), "export {};\n");
      assert.ok(sourceFiles(copy).includes("rules/new-rule.ts"), "a new rule file is part of the sources");
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it("serves the same rules as the sources: names, levels and pack defaults", () => {
    const require = createRequire(import.meta.url);
    // The rule modules only: bin/index.js constructs the PolicyPack, which starts a gRPC server.
    const built = require(path.join(policyDir, "bin", "rules", "index.js")) as {
      allPolicies: { name: string; enforcementLevel?: string }[];
      PACK_NAME: string;
      PACK_ENFORCEMENT_LEVEL: string;
    };
    assert.equal(built.PACK_NAME, PACK_NAME);
    assert.equal(built.PACK_ENFORCEMENT_LEVEL, PACK_ENFORCEMENT_LEVEL);
    const summary = (ps: { name: string; enforcementLevel?: string }[]) =>
      ps.map((p) => `${p.name}:${p.enforcementLevel}`);
    assert.deepEqual(summary(built.allPolicies), summary(allPolicies));
    assert.ok(allPolicies.length > 30, `expected the whole pack, got ${allPolicies.length} rules`);
  });

  it("package.json `main` is the built entry, and bin/ is CommonJS (the CLI `require`s it)", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(policyDir, "package.json"), "utf8")) as { main: string };
    assert.equal(pkg.main, "bin/index.js");
    assert.ok(fs.existsSync(path.join(policyDir, pkg.main)), `${pkg.main} missing: ${rebuild}`);
    const binPkg = JSON.parse(fs.readFileSync(path.join(policyDir, "bin", "package.json"), "utf8")) as { type: string };
    assert.equal(binPkg.type, "commonjs");
  });
});
