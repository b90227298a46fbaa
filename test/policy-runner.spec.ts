import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { allPolicies } from "../policy/rules";
import { imagePinned, priorityClassSet } from "../policy/rules/workload-security";
import { gpuCapacity } from "../policy/rules/scheduling-gpu";
import { enforcementLevelOf, evaluatePolicies, readPolicyConfig } from "../tools/run-policies";
import { deployment, podSpec, securedContainer } from "./helpers/policy";

const root = path.resolve(__dirname, "..");

describe("policy: the pack and its offline runner", () => {
  it("every rule has a description, a remediation, a severity and an explicit level", () => {
    const names = new Set<string>();
    for (const p of allPolicies) {
      assert.ok(/^[a-z0-9-]+$/.test(p.name), p.name);
      assert.ok(!names.has(p.name), `duplicate policy name ${p.name}`);
      names.add(p.name);
      assert.ok(p.description && p.description.length > 20, `${p.name}: description`);
      assert.ok(p.remediationSteps && p.remediationSteps.length > 20, `${p.name}: remediationSteps`);
      assert.ok(["advisory", "mandatory"].includes(String(p.enforcementLevel)), `${p.name}: enforcementLevel`);
      assert.ok(["low", "medium", "high", "critical"].includes(String(p.severity)), `${p.name}: severity`);
    }
  });

  it("every rule is tested and documented in docs/policy.md", () => {
    const specs = fs
      .readdirSync(path.join(root, "test"))
      .filter((f) => /^policy-.*\.spec\.ts$/.test(f) && f !== "policy-runner.spec.ts")
      .map((f) => fs.readFileSync(path.join(root, "test", f), "utf8"))
      .join("\n");
    const docs = fs.readFileSync(path.join(root, "docs", "policy.md"), "utf8");
    for (const p of allPolicies) {
      assert.ok(specs.includes(`"${p.name}`) || specs.includes(`${p.name}:`), `no spec names ${p.name}`);
      assert.ok(docs.includes(`\`${p.name}\``), `docs/policy.md does not list ${p.name}`);
    }
  });

  it("only policy/index.ts constructs the PolicyPack (constructing one starts a gRPC server)", () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.name === "node_modules" || e.name === "out" || e.name.startsWith(".")) continue;
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith(".ts")) files.push(p);
      }
    };
    walk(root);
    const constructing = files.filter((f) => /new PolicyPack\(/.test(fs.readFileSync(f, "utf8"))).map((f) => path.relative(root, f));
    assert.deepStrictEqual(constructing, [path.join("policy", "index.ts")]);
    const importing = files.filter((f) => /from "(\.\.\/)+policy(\/index)?"/.test(fs.readFileSync(f, "utf8")));
    assert.deepStrictEqual(importing, []);
  });

  it("reports a rule that reads an unknown value as 'can't run' (advisory), never as a silent pass", async () => {
    const unknownImage = deployment("w", podSpec({}, securedContainer("worker", { image: "[unknown]" })));
    const vs = await evaluatePolicies([unknownImage], { stack: "dev", policyConfig: {}, policies: [imagePinned] });
    assert.equal(vs.length, 1, JSON.stringify(vs));
    assert.equal(vs[0].enforcementLevel, "advisory");
    assert.match(vs[0].message, /can't run policy 'container-image-pinned' during preview/);
  });

  it("takes levels from the config: per policy, `all`, then the rule's own; disabled rules do not run", async () => {
    const noPriority = deployment("w", podSpec({ priorityClassName: undefined }));
    const level = async (policyConfig: Record<string, unknown>) =>
      (await evaluatePolicies([noPriority], { stack: "dev", policyConfig, policies: [priorityClassSet] })).map((v) => v.enforcementLevel);
    assert.deepStrictEqual(await level({}), ["advisory"]);
    assert.deepStrictEqual(await level({ "priority-class-set": "mandatory" }), ["mandatory"]);
    assert.deepStrictEqual(await level({ "priority-class-set": { enforcementLevel: "mandatory" } }), ["mandatory"]);
    assert.deepStrictEqual(await level({ all: "mandatory" }), ["mandatory"]);
    assert.deepStrictEqual(await level({ all: "mandatory", "priority-class-set": "advisory" }), ["advisory"]);
    assert.deepStrictEqual(await level({ "priority-class-set": "disabled" }), []);
  });

  it("rejects a bad policy config: unknown policy (the CLI ignores it: always a typo), bad level, wrong property type", async () => {
    const run = (policyConfig: Record<string, unknown>) => evaluatePolicies([], { stack: "dev", policyConfig });
    await assert.rejects(run({ "no-such-rule": "mandatory" }), /no-such-rule: no such policy in the pack/);
    await assert.rejects(run({ "gpu-capacity": "fatal" }), /gpu-capacity: "fatal" is not an enforcement level/);
    await assert.rejects(run({ "gpu-capacity": { preemptibleBelow: "low" } }), /gpu-capacity.preemptibleBelow: expected integer/);
    await assert.rejects(run({ "gpu-capacity": { maxGpus: 3 } }), /gpu-capacity.maxGpus: not a property/);
  });

  describe("shipped policy configs (policy/config/<stack>.json)", () => {
    for (const stack of ["dev", "prod", "local"]) {
      it(`${stack}.json is valid for the pack`, async () => {
        assert.ok(fs.existsSync(path.join(root, "policy", "config", `${stack}.json`)));
        await evaluatePolicies([], { stack, policyConfig: readPolicyConfig(stack) });
      });
    }
    it("prod makes GPU capacity and hygiene rules mandatory and declares production", () => {
      const prod = readPolicyConfig("prod");
      assert.equal(enforcementLevelOf(gpuCapacity, prod), "mandatory");
      assert.equal(enforcementLevelOf(priorityClassSet, prod), "mandatory");
      assert.equal(enforcementLevelOf(gpuCapacity, readPolicyConfig("dev")), "advisory");
      for (const name of ["aks-api-server-restricted", "eks-endpoint-restricted", "clusters-protected-in-production"]) {
        assert.deepStrictEqual(prod[name], { production: true }, name);
      }
    });
    it("the GitHub workflows pass the same config files to pulumi preview/up", () => {
      for (const wf of ["preview.yml", "deploy.yml"]) {
        const text = fs.readFileSync(path.join(root, ".github", "workflows", wf), "utf8");
        assert.match(text, /policyPacks: policy/, wf);
        for (const [, file] of text.matchAll(/policyPackConfigs: (policy\/config\/[a-z]+\.json)/g)) assert.ok(fs.existsSync(path.join(root, file)), `${wf}: ${file}`);
      }
    });
  });
});
