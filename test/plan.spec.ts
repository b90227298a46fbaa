import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runUnderMocks } from "../tools/harness";
import { mocks } from "../tools/mocks";
import { Manifest, validateManifests } from "../tools/manifests";
import { PlanResult, planStack } from "../tools/plan-stack";
import { PLACEHOLDER_SECRET } from "../tools/stack-file";
import { renderTree } from "../tools/tree";

const projectDir = path.resolve(__dirname, "..");

/** Every file under a directory, recursively. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
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
      assert.deepEqual(r.policies.filter((p) => p.enforcementLevel === "mandatory"), []);
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
      for (const key of ["type", "custom", "dependencies", "protect", "ignoreChanges", "inputs"]) assert.ok(key in step.newState, `${key} missing`);
    }
    assert.ok(Array.isArray(doc.diagnostics));
    assert.ok(Array.isArray(doc.policies));
  });

  it("records real parents, dependencies and providers (not what the mock's newResource sees)", () => {
    const doc = JSON.parse(fs.readFileSync(path.join(outDir, "prod", "plan.json"), "utf8"));
    const urns = new Set(doc.steps.map((s: { urn: string }) => s.urn));
    const roots = doc.steps.filter((s: { newState: { parent?: string } }) => !s.newState.parent);
    assert.deepEqual(roots.map((s: { newState: { type: string } }) => s.newState.type), ["pulumi:pulumi:Stack"]);
    for (const s of doc.steps) {
      if (s.newState.parent) assert.ok(urns.has(s.newState.parent), `unknown parent ${s.newState.parent}`);
      for (const d of s.newState.dependencies) assert.ok(urns.has(d), `unknown dependency ${d}`);
    }
    const k8s = doc.steps.filter((s: { newState: { type: string; custom: boolean } }) => s.newState.custom && s.newState.type.startsWith("kubernetes:"));
    assert.ok(k8s.length > 0);
    for (const s of k8s) assert.match(s.newState.provider ?? "", /pulumi:providers:kubernetes::/, `${s.urn} has no explicit provider`);
    // AWS resources too: each EKS cluster has its own provider for its region.
    const aws = doc.steps.filter((s: { newState: { type: string; custom: boolean } }) => s.newState.custom && s.newState.type.startsWith("aws:"));
    assert.ok(aws.length > 0);
    for (const s of aws) assert.match(s.newState.provider ?? "", /pulumi:providers:aws::/, `${s.urn} has no explicit provider`);
    assert.ok(doc.steps.some((s: { newState: { protect: boolean } }) => s.newState.protect), "prod protects its clusters");
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

  it("every stack disables the default providers it never needs, so a resource without one fails instead of deploying", async () => {
    const { parse } = await import("yaml");
    for (const stack of ["dev", "prod", "local"]) {
      const file = parse(fs.readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
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
    assert.ok(clusters.size >= 2, `expected a folder per cluster, got ${[...clusters]}`);
  });

  it("is deterministic: a second run writes a byte-identical plan.json", async () => {
    const again = fs.mkdtempSync(path.join(os.tmpdir(), "wp-plan-again-"));
    try {
      await planStack("dev", { dir: projectDir, outDir: again });
      assert.equal(fs.readFileSync(path.join(again, "dev", "plan.json"), "utf8"), fs.readFileSync(path.join(outDir, "dev", "plan.json"), "utf8"));
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
    const recording = { ...mocks, newResource: (args: Parameters<typeof mocks.newResource>[0]) => (seen.push(args.type), mocks.newResource(args)) };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../index") as () => Promise<unknown>;
    const platform = '{"environment":"x"}';
    const bad = { "worker-platform:platform": platform, "worker-platform:clusters": "[]" };
    await assert.rejects(runUnderMocks(program, { config: bad, mocks: recording }), /Invalid stack configuration[\s\S]*clusters: /);
    assert.deepEqual(seen.filter((t) => t !== "pulumi:pulumi:Stack"), []);
    // Control: the same program and recorder with a valid config do register resources.
    const good = { "worker-platform:platform": platform, "worker-platform:clusters": '[{"name":"c","cloud":"existing","existing":{"context":"kind-x"}}]' };
    await runUnderMocks(program, { config: good, mocks: recording });
    assert.ok(seen.some((t) => t.startsWith("worker-platform:")), `valid config registered only ${seen.join(", ")}`);
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
    const bad = manifest({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { template: { spec: { containers: [{ image: "a:1" }] } } } });
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
    const problems = await validateManifests([manifest({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "x" } })]);
    assert.match(problems[0]?.message ?? "", /no schema for example.com\/v1 Widget/);
  });

  it("accepts a valid object", async () => {
    const ok = manifest({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data: { a: "b" } });
    assert.deepEqual(await validateManifests([ok]), []);
  });
});

describe("preview tree", () => {
  it("nests children under parents like pulumi preview", () => {
    const r = (type: string, name: string, urn: string, parent?: string) =>
      ({ type, name, urn, parent, custom: false, dependencies: [], protect: false, ignoreChanges: [], additionalSecretOutputs: [], remote: false, inputs: {}, plainInputs: {}, secretPaths: [] });
    const text = renderTree([r("pulumi:pulumi:Stack", "s", "u1"), r("a:b:C", "c1", "u2", "u1"), r("a:b:D", "d1", "u3", "u2"), r("a:b:C", "c2", "u4", "u1")]);
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
    assert.match(r.configError ?? "", /workers\[0\]\.gpu: cluster local has no GPU pool: the pod could never schedule; add a GPU pool, set gpu\.fallbackToCpu: true/);
  });

  it("a worker without a max (KEDA would default to 100 replicas): exit 2 naming replicas.max", async () => {
    const r = await planEdited("prod", "transcriber", /replicas: \{ min: 0, max: 8 \}/, "replicas: { min: 0 }");
    assert.equal(r.exitCode, 2);
    assert.match(r.configError ?? "", /workers\[0\]\.replicas\.max: must be number, got nothing \(required\)/);
  });
});
