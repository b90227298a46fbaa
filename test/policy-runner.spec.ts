import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { allPolicies } from "../policy/rules/index.ts";
import { imagePinned, priorityClassSet } from "../policy/rules/workload-security.ts";
import { gpuCapacity } from "../policy/rules/scheduling-gpu.ts";
import { noMemoryTriggerOnQueueWorkers } from "../policy/rules/autoscaling.ts";
import { enforcementLevelOf, evaluatePolicies, readPolicyConfig } from "../tools/run-policies.ts";
import { deployment, podSpec, securedContainer } from "./helpers/policy.ts";

const root = path.resolve(import.meta.dirname, "..");

/** The parts of a GitHub workflow job the config test reads. */
interface WorkflowJob {
  strategy?: { matrix?: { stack?: unknown[] } };
  steps?: { uses?: string; with?: Record<string, unknown> }[];
}

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
    const constructing = files
      .filter((f) => /new PolicyPack\(/.test(fs.readFileSync(f, "utf8")))
      .map((f) => path.relative(root, f));
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
      (await evaluatePolicies([noPriority], { stack: "dev", policyConfig, policies: [priorityClassSet] })).map(
        (v) => v.enforcementLevel,
      );
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
    await assert.rejects(
      run({ "gpu-capacity": { preemptibleBelow: "low" } }),
      /gpu-capacity.preemptibleBelow: expected integer/,
    );
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
    it("every stack states no-memory-trigger-on-queue-workers as advisory (a warning, as in the config check)", () => {
      for (const stack of ["dev", "prod", "local"]) {
        const config = readPolicyConfig(stack);
        assert.strictEqual(config["no-memory-trigger-on-queue-workers"], "advisory", stack);
        assert.equal(enforcementLevelOf(noMemoryTriggerOnQueueWorkers, config), "advisory", stack);
      }
    });
    it("the GitHub workflows pass the same config files to pulumi preview/up", () => {
      const MATRIX_STACK = /\$\{\{\s*matrix\.stack\s*\}\}/;
      const expand = (template: string, stack: string | undefined) =>
        stack === undefined ? template : template.split(new RegExp(MATRIX_STACK, "g")).join(stack);
      for (const wf of ["preview.yml", "deploy.yml"]) {
        const doc = parse(fs.readFileSync(path.join(root, ".github", "workflows", wf), "utf8")) as {
          jobs: Record<string, WorkflowJob>;
        };
        let pulumiSteps = 0;
        for (const [jobName, job] of Object.entries(doc.jobs ?? {})) {
          for (const step of job.steps ?? []) {
            if (!String(step.uses ?? "").startsWith("pulumi/actions@")) continue;
            pulumiSteps++;
            const where = `${wf} job ${jobName}`;
            const w = step.with ?? {};
            assert.ok(["preview", "up"].includes(String(w.command)), `${where}: command ${String(w.command)}`);
            assert.strictEqual(w.policyPacks, "policy", `${where}: policyPacks`);
            assert.ok(typeof w.policyPackConfigs === "string" && w.policyPackConfigs, `${where}: no policyPackConfigs`);
            const configTemplate = String(w.policyPackConfigs);
            const stackTemplate = String((w["stack-name"] as string | undefined) ?? "");
            // `${{ matrix.stack }}` expands to each stack of the job's matrix; a literal path stands for itself.
            const usesMatrix = MATRIX_STACK.test(configTemplate) || MATRIX_STACK.test(stackTemplate);
            const stacks: (string | undefined)[] = usesMatrix
              ? (job.strategy?.matrix?.stack ?? []).map(String)
              : [undefined];
            assert.ok(stacks.length, `${where}: uses matrix.stack but has no strategy.matrix.stack`);
            for (const stack of stacks) {
              const file = expand(configTemplate, stack);
              const stackName = expand(stackTemplate, stack).split("/").pop();
              const m = /^policy\/config\/([a-z0-9-]+)\.json$/.exec(file);
              assert.ok(m, `${where}: policyPackConfigs ${file} is not policy/config/<stack>.json`);
              assert.strictEqual(m[1], stackName, `${where}: ${file} is not the config of stack ${stackName}`);
              assert.ok(fs.existsSync(path.join(root, file)), `${where}: ${file} does not exist`);
            }
          }
        }
        assert.ok(pulumiSteps > 0, `${wf}: no pulumi/actions step`);
      }
    });
  });
});
