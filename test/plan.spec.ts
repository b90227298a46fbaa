import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import type { RecordedResource } from "../tools/harness.ts";
import { runUnderMocks } from "../tools/harness.ts";
import { mocks } from "../tools/mocks.ts";
import type { Manifest } from "../tools/manifests.ts";
import { toManifests, validateManifests } from "../tools/manifests.ts";
import { main as planMain } from "../tools/plan.ts";
import type { PlanResult } from "../tools/plan-stack.ts";
import { planStack } from "../tools/plan-stack.ts";
import { PLACEHOLDER_SECRET, readStackFile } from "../tools/stack-file.ts";
import { renderTree } from "../tools/tree.ts";

const projectDir = path.resolve(import.meta.dirname, "..");

/** Runs `npm run plan -- <argv>` in-process against a project directory, capturing what it prints. */
async function runPlan(argv: string[], dir: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.push(a.map(String).join(" "));
  console.error = (...a: unknown[]) => void err.push(a.map(String).join(" "));
  try {
    const code = await planMain(argv, { dir, outDir: path.join(dir, "out") });
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    Object.assign(console, { log, error });
  }
}

/** A stack trace's frame line. */
const STACK_FRAME = /^\s+at .*(:\d+:\d+\)?|<anonymous>\)?)$/m;

/** String leaves of an input value. */
function leaves(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.flatMap(leaves);
  if (v && typeof v === "object") return Object.values(v).flatMap(leaves);
  return [];
}

/** The plaintext values of a resource's secret inputs: where `inputs` shows "[secret]" and `plainInputs` does not. */
function secretValues(masked: unknown, plain: unknown): string[] {
  if (masked === "[secret]" && plain !== "[secret]") return leaves(plain);
  if (Array.isArray(masked) && Array.isArray(plain)) return masked.flatMap((m, i) => secretValues(m, plain[i]));
  if (masked && plain && typeof masked === "object" && typeof plain === "object") {
    return Object.keys(masked).flatMap((k) =>
      secretValues((masked as Record<string, unknown>)[k], (plain as Record<string, unknown>)[k]),
    );
  }
  return [];
}

/** Every file under a directory, recursively. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe("offline plan", function () {
  this.timeout(120_000);
  const results: Record<string, PlanResult> = {};
  let outDir: string;

  before(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-plan-"));
    for (const stack of ["dev", "prod", "local"]) results[stack] = await planStack(stack, { dir: projectDir, outDir });
  });
  after(() => fs.rmSync(outDir, { recursive: true, force: true }));

  for (const stack of ["dev", "prod", "local"]) {
    it(`plans ${stack} cleanly: exit 0, every object valid, no mandatory violation`, () => {
      const r = results[stack];
      assert.equal(r.configError, undefined);
      assert.deepEqual(r.manifestProblems, []);
      assert.deepEqual(
        r.policies.filter((p) => p.enforcementLevel === "mandatory"),
        [],
      );
      assert.equal(r.exitCode, 0);
    });
  }

  it("writes plan.json shaped after `pulumi preview --json`", () => {
    const doc = JSON.parse(fs.readFileSync(path.join(outDir, "dev", "plan.json"), "utf8"));
    assert.equal(doc.stack, "dev");
    assert.ok(doc.steps.length > 10);
    assert.deepEqual(doc.changeSummary, { create: doc.steps.length });
    for (const step of doc.steps) {
      assert.equal(step.op, "create");
      assert.equal(step.urn, step.newState.urn);
      assert.match(step.urn, /^urn:pulumi:dev::worker-platform::/);
      for (const key of ["type", "custom", "dependencies", "protect", "ignoreChanges", "inputs"])
        assert.ok(key in step.newState, `${key} missing`);
    }
    assert.ok(Array.isArray(doc.diagnostics));
    assert.ok(Array.isArray(doc.policies));
  });

  it("records real parents, dependencies and providers (not what the mock's newResource sees)", () => {
    const doc = JSON.parse(fs.readFileSync(path.join(outDir, "prod", "plan.json"), "utf8"));
    const urns = new Set(doc.steps.map((s: { urn: string }) => s.urn));
    const roots = doc.steps.filter((s: { newState: { parent?: string } }) => !s.newState.parent);
    assert.deepEqual(
      roots.map((s: { newState: { type: string } }) => s.newState.type),
      ["pulumi:pulumi:Stack"],
    );
    for (const s of doc.steps) {
      if (s.newState.parent) assert.ok(urns.has(s.newState.parent), `unknown parent ${s.newState.parent}`);
      for (const d of s.newState.dependencies) assert.ok(urns.has(d), `unknown dependency ${d}`);
    }
    const k8s = doc.steps.filter(
      (s: { newState: { type: string; custom: boolean } }) =>
        s.newState.custom && s.newState.type.startsWith("kubernetes:"),
    );
    assert.ok(k8s.length > 0);
    for (const s of k8s)
      assert.match(s.newState.provider ?? "", /pulumi:providers:kubernetes::/, `${s.urn} has no explicit provider`);
    // AWS resources too: each EKS cluster has its own provider for its region.
    const aws = doc.steps.filter(
      (s: { newState: { type: string; custom: boolean } }) => s.newState.custom && s.newState.type.startsWith("aws:"),
    );
    assert.ok(aws.length > 0);
    for (const s of aws)
      assert.match(s.newState.provider ?? "", /pulumi:providers:aws::/, `${s.urn} has no explicit provider`);
    assert.ok(
      doc.steps.some((s: { newState: { protect: boolean } }) => s.newState.protect),
      "prod protects its clusters",
    );
    assert.ok(doc.steps.some((s: { newState: { dependencies: string[] } }) => s.newState.dependencies.length > 0));
  });

  it("never writes a secret value: plan.json and manifests hold [secret] instead", () => {
    for (const stack of ["dev", "prod", "local"]) {
      const files = filesUnder(path.join(outDir, stack));
      assert.ok(files.length > 1);
      for (const file of files) {
        const text = fs.readFileSync(file, "utf8");
        assert.ok(!text.includes(PLACEHOLDER_SECRET), `${file} contains a config secret`);
        assert.ok(!/offline-[a-z0-9-]+-password/.test(text), `${file} contains a generated password`);
      }
      assert.ok(fs.readFileSync(path.join(outDir, stack, "plan.json"), "utf8").includes('"[secret]"'));
    }
  });

  it("writes manifests that are valid as written: a Secret's data masked per key, never as a whole, no secret value in plaintext", async () => {
    for (const stack of ["dev", "prod", "local"]) {
      const files = filesUnder(path.join(outDir, stack, "manifests"));
      const written: Manifest[] = files.map((file) => {
        const obj = parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
        const metadata = obj.metadata as { name: string; namespace?: string };
        return {
          urn: file,
          apiVersion: String(obj.apiVersion),
          kind: String(obj.kind),
          name: metadata.name,
          namespace: metadata.namespace,
          providerName: path.basename(path.dirname(file)),
          masked: obj,
          plain: obj,
        };
      });
      assert.deepEqual(await validateManifests(written), [], `${stack}: written manifests must validate`);
      const secrets = written.filter((m) => m.kind === "Secret");
      assert.ok(secrets.length > 0, `${stack} writes no Secret: update this test`);
      for (const m of secrets) {
        for (const field of ["stringData", "data"]) {
          const value = m.plain[field];
          if (value === undefined) continue;
          assert.equal(typeof value, "object", `${m.urn}: ${field} masked as a whole`);
          assert.ok(Object.keys(value as object).length > 0, `${m.urn}: ${field} has no keys`);
          for (const v of Object.values(value as object))
            assert.ok(
              v === "[secret]" || v === Buffer.from("[secret]").toString("base64"),
              `${m.urn}: ${field} value not masked`,
            );
        }
      }
      // A value that is also public elsewhere (the RabbitMQ user "worker-platform" is a label value too) is no leak.
      const shown = new Set(results[stack].resources.flatMap((r) => leaves(r.inputs)));
      const values = new Set(
        results[stack].resources
          .flatMap((r) => secretValues(r.inputs, r.plainInputs))
          .filter((v) => v.length >= 4 && !shown.has(v)),
      );
      assert.ok(values.size > 0, `${stack}: no secret input found: update this test`);
      for (const file of filesUnder(path.join(outDir, stack))) {
        const text = fs.readFileSync(file, "utf8");
        for (const v of values) assert.ok(!text.includes(v), `${file} contains the secret value ${JSON.stringify(v)}`);
      }
    }
  });

  it("every stack disables the default providers it never needs, so a resource without one fails instead of deploying", async () => {
    const { parse } = await import("yaml");
    for (const stack of ["dev", "prod", "local"]) {
      const file = parse(fs.readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8")) as {
        config: Record<string, unknown>;
      };
      const disabled = file.config["pulumi:disable-default-providers"] as string[];
      assert.ok(disabled?.includes("kubernetes"), `${stack}: kubernetes default provider not disabled`);
      if (stack !== "local") assert.ok(disabled.includes("aws"), `${stack}: aws default provider not disabled`);
    }
  });

  it("writes one valid YAML manifest per Kubernetes object, per cluster", () => {
    const r = results.prod;
    const files = filesUnder(path.join(outDir, "prod", "manifests"));
    assert.equal(files.length, r.manifests.length);
    const clusters = new Set(files.map((f) => path.basename(path.dirname(f))));
    assert.ok(clusters.size >= 2, `expected a folder per cluster, got ${[...clusters].join(", ")}`);
  });

  it("is deterministic: a second run writes a byte-identical plan.json", async () => {
    const again = fs.mkdtempSync(path.join(os.tmpdir(), "wp-plan-again-"));
    try {
      await planStack("dev", { dir: projectDir, outDir: again });
      assert.equal(
        fs.readFileSync(path.join(again, "dev", "plan.json"), "utf8"),
        fs.readFileSync(path.join(outDir, "dev", "plan.json"), "utf8"),
      );
    } finally {
      fs.rmSync(again, { recursive: true, force: true });
    }
  });
});

describe("offline plan on invalid config", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-bad-"));
    fs.writeFileSync(
      path.join(dir, "Pulumi.bad.yaml"),
      [
        "config:",
        "  worker-platform:platform: { environment: bad }",
        "  worker-platform:clusters:",
        "    - name: c",
        "      cloud: azure",
        "      region: westeurope",
        "      kubernetesVersion: '1.34'",
        "      pools:",
        "        - { name: system, role: system, machineTypes: [Standard_D4s_v5], min: 1, max: 2, sizee: 3 }",
        "        - { name: gpu, machineTypes: [Standard_NC4as_T4_v3], gpu: { count: 1, type: t4 }, min: 4, max: 2 }",
      ].join("\n"),
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("exits 2 naming each bad key", async () => {
    const r = await planStack("bad", { dir });
    assert.equal(r.exitCode, 2);
    assert.match(r.configError ?? "", /clusters\[0\]\.pools\[0\]\.sizee: unknown key/);
    assert.match(r.configError ?? "", /clusters\[0\]\.pools\[1\]\.max: must be >= min \(4\), got 2/);
  });

  it("registers no resource before failing", async () => {
    const seen: string[] = [];
    const recording = {
      ...mocks,
      newResource: (args: Parameters<typeof mocks.newResource>[0]) => (seen.push(args.type), mocks.newResource(args)),
    };
    const { default: program } = await import("../index.ts");
    const platform = '{"environment":"x"}';
    const bad = { "worker-platform:platform": platform, "worker-platform:clusters": "[]" };
    await assert.rejects(
      runUnderMocks(program, { config: bad, mocks: recording }),
      /Invalid stack configuration[\s\S]*clusters: /,
    );
    assert.deepEqual(
      seen.filter((t) => t !== "pulumi:pulumi:Stack"),
      [],
    );
    // Control: the same program and recorder with a valid config do register resources.
    const good = {
      "worker-platform:platform": platform,
      "worker-platform:clusters": '[{"name":"c","cloud":"existing","existing":{"context":"kind-x"}}]',
    };
    await runUnderMocks(program, { config: good, mocks: recording });
    assert.ok(
      seen.some((t) => t.startsWith("worker-platform:")),
      `valid config registered only ${seen.join(", ")}`,
    );
  });
});

describe("offline plan on a stack file that is not valid YAML", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-yaml-"));
    // A mis-indented key under the platform section.
    fs.writeFileSync(
      path.join(dir, "Pulumi.broken.yaml"),
      [
        "config:",
        "  worker-platform:platform:",
        "    environment: broken",
        "   name: x",
        "  worker-platform:clusters: []",
        "",
      ].join("\n"),
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is a config error (exit 2) naming the file, the line and column and the parser's message", async () => {
    const r = await planStack("broken", { dir });
    assert.equal(r.exitCode, 2);
    assert.match(r.configError ?? "", /^Pulumi\.broken\.yaml:4:1: All mapping items must start at the same column\n/);
    assert.match(r.configError ?? "", /environment: broken\n {3}name: x/, "shows the lines around the error");
  });

  it("npm run plan prints it without a stack trace and exits 2", async () => {
    const { code, out, err } = await runPlan(["broken"], dir);
    assert.equal(code, 2);
    assert.match(err, /error: Pulumi\.broken\.yaml:4:1: All mapping items must start at the same column/);
    assert.match(err, /Fix .*Pulumi\.broken\.yaml/);
    assert.doesNotMatch(out + err, /YAMLParseError/);
    assert.doesNotMatch(out + err, STACK_FRAME);
  });
});

describe("offline plan with a bad policy config", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-policy-config-"));
    fs.copyFileSync(path.join(projectDir, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
    fs.mkdirSync(path.join(dir, "policy", "config"), { recursive: true });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const withPolicyConfig = (text: string) => fs.writeFileSync(path.join(dir, "policy", "config", "dev.json"), text);

  it("an unknown policy and a bad level: exit 2 naming the file, each problem, and the policy meant", async () => {
    withPolicyConfig(
      JSON.stringify({ "gpu-capcity": "advisory", "priority-class-set": "fatal", all: "loud" }, null, 2),
    );
    const r = await planStack("dev", { dir });
    assert.equal(r.exitCode, 2);
    const e = r.configError ?? "";
    assert.match(e, /^policy\/config\/dev\.json: invalid policy config:\n/);
    assert.match(e, /gpu-capcity: no such policy in the pack \(did you mean "gpu-capacity"\?\)/);
    assert.match(
      e,
      /priority-class-set: "fatal" is not an enforcement level \(advisory, mandatory, remediate, disabled\)/,
    );
    assert.match(e, /all: "loud" is not an enforcement level/);
  });

  it("a value that is neither a level nor an object, and a top level that is not an object", async () => {
    withPolicyConfig('{ "gpu-capacity": 3, "priority-class-set": null }');
    const r = await planStack("dev", { dir });
    assert.equal(r.exitCode, 2);
    assert.match(r.configError ?? "", /gpu-capacity: expected an enforcement level or an object, got 3/);
    assert.match(r.configError ?? "", /priority-class-set: expected an enforcement level or an object, got null/);
    withPolicyConfig('["gpu-capacity"]');
    const r2 = await planStack("dev", { dir });
    assert.equal(r2.exitCode, 2);
    assert.match(
      r2.configError ?? "",
      /^policy\/config\/dev\.json: invalid policy config:\n {2}expected a JSON object/,
    );
  });

  it("invalid JSON: exit 2 naming the file and the parser's message", async () => {
    withPolicyConfig('{\n  "gpu-capacity": "advisory",\n}\n');
    const r = await planStack("dev", { dir });
    assert.equal(r.exitCode, 2);
    assert.match(
      r.configError ?? "",
      /^policy\/config\/dev\.json: invalid policy config:\n {2}not valid JSON: .*position/,
    );
  });

  it("npm run plan prints it without a stack trace, with the file to fix, and exits 2", async () => {
    withPolicyConfig('{ "gpu-capcity": "advisory" }');
    const { code, out, err } = await runPlan(["dev"], dir);
    assert.equal(code, 2);
    assert.match(err, /did you mean "gpu-capacity"/);
    assert.match(err, /Fix .*policy\/config\/dev\.json/);
    assert.doesNotMatch(out + err, STACK_FRAME);
    assert.ok(!fs.existsSync(path.join(dir, "out", "dev", "plan.json")), "no plan written");
  });
});

describe("npm run plan arguments", function () {
  this.timeout(60_000);
  const cli = (...args: string[]) =>
    spawnSync(
      process.execPath,
      ["--import", "./tools/preload.ts", path.join(projectDir, "tools", "plan.ts"), ...args],
      { cwd: projectDir, encoding: "utf8" },
    );

  for (const flag of ["--al", "-a", "--stack=prod"]) {
    it(`rejects the unknown option ${flag} with the usage line (exit 2) instead of planning dev`, () => {
      const r = cli(flag);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(`unknown option ${flag}`));
      assert.match(r.stderr, /usage: npm run plan \[-- <stack>\.\.\. \| --all\]/);
      assert.doesNotMatch(r.stdout, /Previewing stack/);
    });
  }

  it("--help prints the usage line and exits 0", () => {
    const r = cli("--help");
    assert.equal(r.status, 0);
    assert.match(r.stdout, /usage: npm run plan/);
  });
});

describe("manifest masking", () => {
  const secret = (inputs: Record<string, unknown>, plainInputs: Record<string, unknown>): RecordedResource => ({
    type: "kubernetes:core/v1:Secret",
    name: "s",
    urn: "urn:pulumi:t::p::kubernetes:core/v1:Secret::s",
    custom: true,
    dependencies: [],
    protect: false,
    ignoreChanges: [],
    additionalSecretOutputs: [],
    remote: false,
    inputs,
    plainInputs,
    secretPaths: [],
  });

  it("masks a Secret's data and stringData per key, so the masked object still validates", async () => {
    const plain = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s" },
      data: { token: Buffer.from("hunter22").toString("base64") },
      stringData: { password: "hunter2", user: "me" },
    };
    const [m] = toManifests([
      secret({ ...plain, data: "[secret]", stringData: { password: "[secret]", user: "me" } }, plain),
    ]);
    assert.deepEqual(m.masked.stringData, { password: "[secret]", user: "me" });
    assert.deepEqual(m.masked.data, { token: Buffer.from("[secret]").toString("base64") });
    assert.deepEqual(m.plain, plain, "the plain copy is untouched");
    assert.deepEqual(await validateManifests([{ ...m, plain: m.masked }]), []);
    assert.doesNotMatch(JSON.stringify(m.masked), /hunter2|aHVudGVy/);
  });

  it("masks each leaf of a secret object elsewhere, keeping its shape", () => {
    const plain = { apiVersion: "v1", kind: "Secret", metadata: { name: "s", annotations: { a: "x", b: "y" } } };
    const [m] = toManifests([secret({ ...plain, metadata: { name: "s", annotations: "[secret]" } }, plain)]);
    assert.deepEqual(m.masked.metadata, { name: "s", annotations: { a: "[secret]", b: "[secret]" } });
  });
});

describe("manifest validation", () => {
  const manifest = (plain: Record<string, unknown>): Manifest => ({
    urn: "urn:x",
    apiVersion: String(plain.apiVersion),
    kind: String(plain.kind),
    name: "x",
    providerName: "c",
    masked: plain,
    plain,
  });

  it("reports an object that breaks its schema, naming the field", async () => {
    const bad = manifest({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "x" },
      spec: { template: { spec: { containers: [{ image: "a:1" }] } } },
    });
    const problems = await validateManifests([bad]);
    assert.equal(problems.length, 1);
    assert.match(problems[0].message, /spec must have required property selector/);
  });

  it("reports a KEDA object that breaks KEDA's schema", async () => {
    const bad = manifest({
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: { name: "x" },
      spec: { scaleTargetRef: { name: "x" }, maxReplicaCount: "ten", triggers: [{ type: "redis", metadata: {} }] },
    });
    const problems = await validateManifests([bad]);
    assert.match(problems[0]?.message ?? "", /maxReplicaCount must be integer/);
  });

  it("reports a kind it has no schema for instead of passing it", async () => {
    const problems = await validateManifests([
      manifest({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "x" } }),
    ]);
    assert.match(problems[0]?.message ?? "", /no schema for example.com\/v1 Widget/);
  });

  it("accepts a valid object", async () => {
    const ok = manifest({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data: { a: "b" } });
    assert.deepEqual(await validateManifests([ok]), []);
  });
});

describe("preview tree", () => {
  it("nests children under parents like pulumi preview", () => {
    const r = (type: string, name: string, urn: string, parent?: string) => ({
      type,
      name,
      urn,
      parent,
      custom: false,
      dependencies: [],
      protect: false,
      ignoreChanges: [],
      additionalSecretOutputs: [],
      remote: false,
      inputs: {},
      plainInputs: {},
      secretPaths: [],
    });
    const text = renderTree([
      r("pulumi:pulumi:Stack", "s", "u1"),
      r("a:b:C", "c1", "u2", "u1"),
      r("a:b:D", "d1", "u3", "u2"),
      r("a:b:C", "c2", "u4", "u1"),
    ]);
    assert.equal(
      text,
      [
        "     Type                 Name  Plan",
        " +   pulumi:pulumi:Stack  s     create",
        " +   ├─ a:b:C             c1    create",
        " +   │  └─ a:b:D          d1    create",
        " +   └─ a:b:C             c2    create",
      ].join("\n"),
    );
  });
});

describe("offline plan on a stack that breaks a policy", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    // prod with the transcriber GPU worker allowed 40 replicas: more GPUs than the GPU pools can ever hold.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-policy-"));
    const text = fs.readFileSync(path.join(projectDir, "Pulumi.prod.yaml"), "utf8");
    const broken = text.replace(/(- name: transcriber[\s\S]*?replicas: \{ min: 0, max: )8( \})/, "$140$2");
    assert.notEqual(broken, text, "the transcriber's replicas line moved: update this test");
    fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), broken);
    fs.cpSync(path.join(projectDir, "policy", "config"), path.join(dir, "policy", "config"), { recursive: true });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("exits 1 with a mandatory gpu-capacity violation naming the worker, the pools and the fix", async () => {
    const r = await planStack("prod", { dir });
    assert.equal(r.configError, undefined);
    assert.equal(r.exitCode, 1);
    const v = r.policies.filter((p) => p.policy === "gpu-capacity" && p.enforcementLevel === "mandatory");
    assert.ok(v.length >= 1, JSON.stringify(r.policies, null, 2));
    assert.match(v[0].message, /transcriber \(max 40/);
    assert.match(v[0].message, /gpuspot/);
    assert.match(v[0].remediation ?? "", /replicas\.max/);
  });

  it("npm run plan prints the violations grouped by level with the resource and the fix, and writes them to plan.json", async () => {
    const outDir = path.join(dir, "out");
    const lines: string[] = [];
    const [log, error] = [console.log, console.error];
    console.log = console.error = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
    let code: number;
    try {
      code = await planMain(["prod"], { dir, outDir });
    } finally {
      [console.log, console.error] = [log, error];
    }
    assert.equal(code, 1);
    const out = lines.join("\n");
    const section = out.slice(out.indexOf("Policy violations:"));
    assert.match(
      section,
      /^Policy violations:\n {2}mandatory \(\d+\):\n {4}\[gpu-capacity\] [^:]+: .*transcriber \(max 40/m,
    );
    assert.match(section, /\n {8}fix: .*replicas\.max/);
    assert.match(out, /Policies: [1-9]\d* mandatory/);
    assert.match(out, /error: stack prod would not deploy cleanly/);
    const doc = JSON.parse(fs.readFileSync(path.join(outDir, "prod", "plan.json"), "utf8"));
    const inDoc = doc.policies.filter(
      (p: { policy: string; enforcementLevel: string }) =>
        p.policy === "gpu-capacity" && p.enforcementLevel === "mandatory",
    );
    assert.ok(inDoc.length >= 1, JSON.stringify(doc.policies));
    assert.ok(
      doc.diagnostics.some(
        (d: { severity: string; message: string }) => d.severity === "error" && /gpu-capacity/.test(d.message),
      ),
      JSON.stringify(doc.diagnostics),
    );
  });
});

describe("offline plan on a shipped stack edited to break a safety check", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-edit-"))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Plans a copy of Pulumi.<stack>.yaml with `from` replaced by `to` (once, after the line starting the worker). */
  async function planEdited(stack: string, worker: string, from: RegExp, to: string): Promise<PlanResult> {
    const text = fs.readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8");
    const start = text.indexOf(`- name: ${worker}\n`);
    assert.ok(start >= 0, `no worker ${worker} in Pulumi.${stack}.yaml: update this test`);
    const edited = text.slice(0, start) + text.slice(start).replace(from, to);
    assert.notEqual(edited, text, `${from} not found after ${worker} in Pulumi.${stack}.yaml: update this test`);
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), edited);
    return planStack(stack, { dir, outDir: path.join(dir, "out") });
  }

  it("a `latest` image: exit 2 naming the worker's image key and asking for a pinned tag", async () => {
    const r = await planEdited("prod", "transcriber", /transcriber:1\.8\.2/, "transcriber:latest");
    assert.equal(r.exitCode, 2);
    assert.match(r.configError ?? "", /workers\[0\]\.image: .*pinned.*got "ghcr\.io\/acme\/transcriber:latest"/);
  });

  it("a GPU worker on a cluster without GPU pools and no CPU fallback: exit 2 naming the worker's gpu key and the fix", async () => {
    const r = await planEdited("local", "transcriber", /fallbackToCpu: true/, "fallbackToCpu: false");
    assert.equal(r.exitCode, 2);
    assert.match(
      r.configError ?? "",
      /workers\[0\]\.gpu: cluster local has no GPU pool: the pod could never schedule; add a GPU pool, set gpu\.fallbackToCpu: true/,
    );
  });

  it("prod with its on-demand GPU pool back on g5.xlarge, where renderer cannot fit: exit 2 before any resource is registered, naming the worker, pool, machine type, request and allocatable", async () => {
    const text = fs.readFileSync(path.join(projectDir, "Pulumi.prod.yaml"), "utf8");
    const edited = text.replace("machineTypes: [g5.2xlarge]", "machineTypes: [g5.xlarge]");
    assert.notEqual(edited, text, "prod's gpu pool is no longer g5.2xlarge: update this test");
    fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), edited);
    const r = await planStack("prod", { dir, outDir: path.join(dir, "out") });
    assert.equal(r.exitCode, 2);
    assert.deepEqual(r.resources, []);
    assert.ok(!fs.existsSync(path.join(dir, "out", "prod", "plan.json")), "no plan written");
    const problems = (r.configError ?? "").split("\n").filter((l) => l.startsWith("  - "));
    assert.equal(problems.length, 1, r.configError);
    assert.match(
      problems[0],
      /^ {2}- workers\[2\]\.resources\.requests: worker renderer requests cpu 4, memory 16Gi, 1 GPU per pod, more than a node has for it: pool gpu of cluster prod-eks \(g5\.xlarge, clusters\[1\]\.pools\[2\]\) has 3630m CPU, 13898Mi memory, 1 GPU per node for it \(allocatable 3920m CPU, 14162Mi memory, 1 GPU less the DaemonSets .*\): short of CPU by 370m, memory by 2486Mi; it fits none of the pools/,
    );
    // Nothing reaches the engine: the same program under a recording monitor registers only the root stack.
    const file = readStackFile("prod", dir);
    const seen: string[] = [];
    const recording = {
      ...mocks,
      newResource: (args: Parameters<typeof mocks.newResource>[0]) => (seen.push(args.type), mocks.newResource(args)),
    };
    const { default: program } = await import("../index.ts");
    await assert.rejects(
      runUnderMocks(program, { config: file.config, secretKeys: file.secretKeys, mocks: recording }),
      /Invalid stack configuration[\s\S]*worker renderer/,
    );
    assert.deepEqual(
      seen.filter((t) => t !== "pulumi:pulumi:Stack"),
      [],
    );
  });

  it("a worker without a max (KEDA would default to 100 replicas): exit 2 naming replicas.max", async () => {
    const r = await planEdited("prod", "transcriber", /replicas: \{ min: 0, max: 8 \}/, "replicas: { min: 0 }");
    assert.equal(r.exitCode, 2);
    assert.match(r.configError ?? "", /workers\[0\]\.replicas\.max: must be number, got nothing \(required\)/);
  });
});
