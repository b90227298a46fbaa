import * as assert from "node:assert/strict";
import type { RecordedResource } from "../tools/harness.ts";
import type { WorkloadsRun } from "./helpers/clusters.ts";
import { runWorkloads } from "./helpers/clusters.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const T = {
  secret: "kubernetes:core/v1:Secret",
  password: "random:index/randomPassword:RandomPassword",
  pc: "kubernetes:scheduling.k8s.io/v1:PriorityClass",
  ns: "kubernetes:core/v1:Namespace",
};
const md = (r: RecordedResource) => r.plainInputs.metadata as Obj;

describe("workloads: secrets", () => {
  let run: WorkloadsRun;
  before(async () => {
    run = await runWorkloads(
      ["aks"],
      {
        secrets: [
          { name: "hf-token", data: { HF_TOKEN: { fromConfig: "huggingFaceToken" } } },
          { name: "api-keys", data: { API_KEY: { generate: { length: 40 } }, OTHER: { generate: {} } } },
        ],
      },
      { secrets: { huggingFaceToken: "config-secret-value" } },
    );
  });

  it("one Kubernetes Secret per config secret, in the workloads namespace, never a ConfigMap", () => {
    assert.deepEqual(
      run
        .ofType(T.secret)
        .map((s) => md(s).name)
        .sort(),
      ["api-keys", "hf-token"],
    );
    for (const s of run.ofType(T.secret)) assert.equal(md(s).namespace, "wp-workloads");
    assert.ok(!run.resources.some((r) => r.type === "kubernetes:core/v1:ConfigMap"));
  });

  it("fromConfig: the Pulumi config secret's value, sent as a secret (masked in recorded inputs)", () => {
    const s = run.object(T.secret, "hf-token");
    assert.deepEqual(s.plainInputs.stringData, { HF_TOKEN: "config-secret-value" });
    assert.equal(s.inputs.stringData, "[secret]");
    assert.ok(s.secretPaths.includes("stringData"));
    assert.ok(s.additionalSecretOutputs.includes("stringData") && s.additionalSecretOutputs.includes("data"));
  });

  it("generate: a RandomPassword per key with the configured length, no special characters, result marked secret", () => {
    const pws = run.ofType(T.password);
    assert.deepEqual(pws.map((p) => [p.name, p.inputs.length, p.inputs.special]).sort(), [
      ["aks-c-api-keys-api-key", 40, false],
      ["aks-c-api-keys-other", 32, false],
    ]);
    for (const p of pws) assert.ok(p.additionalSecretOutputs.includes("result"), p.name);
    const s = run.object(T.secret, "api-keys");
    assert.equal((s.plainInputs.stringData as Obj).API_KEY, "offline-aks-c-api-keys-api-key-password");
    assert.equal(s.inputs.stringData, "[secret]");
  });

  it("fails clearly when a fromConfig key is not set", async () => {
    await assert.rejects(
      runWorkloads(["aks"], { secrets: [{ name: "x", data: { K: { fromConfig: "missingKey" } } }] }),
      /missingKey/,
    );
  });
});

describe("workloads: namespace and priority classes", () => {
  it("a namespace named <platform.name>-workloads enforcing Pod Security restricted, or platform.namespace", async () => {
    const run = await runWorkloads(["eks"]);
    const ns = run.ofType(T.ns);
    assert.equal(ns.length, 1);
    assert.equal(md(ns[0]).name, "wp-workloads");
    assert.equal(md(ns[0]).labels["pod-security.kubernetes.io/enforce"], "restricted");
    const named = await runWorkloads(["eks"], { platform: { environment: "test", name: "acme" } });
    assert.deepEqual(
      named.ofType(T.ns).map((n) => md(n).name),
      ["acme-workloads"],
    );
    const custom = await runWorkloads(["eks"], { platform: { environment: "test", name: "acme", namespace: "jobs" } });
    assert.equal(md(custom.ofType(T.ns)[0]).name, "jobs");
    assert.ok(custom.ofType(T.pc).length === 4 && custom.ofType(T.pc).every((p) => md(p).name.startsWith("acme-")));
  });

  it("<name>-critical/standard/background/overprovisioning with the configured values; overprovisioning negative and non-preempting", async () => {
    const run = await runWorkloads(["eks"], { priorityClasses: { values: { critical: 5000, overprovisioning: -5 } } });
    const byName = new Map(run.ofType(T.pc).map((p) => [md(p).name, p.plainInputs]));
    assert.deepEqual([...byName.keys()].sort(), ["wp-background", "wp-critical", "wp-overprovisioning", "wp-standard"]);
    assert.equal(byName.get("wp-critical")!.value, 5000);
    assert.equal(byName.get("wp-standard")!.value, 10000);
    assert.equal(byName.get("wp-overprovisioning")!.value, -5);
    assert.equal(byName.get("wp-overprovisioning")!.preemptionPolicy, "Never");
    assert.equal(byName.get("wp-critical")!.preemptionPolicy, undefined);
  });

  it("globalDefault: none by default, exactly the configured tier otherwise, one set per cluster", async () => {
    const none = await runWorkloads(["aks", "eks"]);
    assert.equal(none.ofType(T.pc).filter((p) => p.plainInputs.globalDefault === true).length, 0);
    const standard = await runWorkloads(["aks", "eks"], { priorityClasses: { globalDefault: "standard" } });
    for (const cluster of ["aks-c", "eks-c"]) {
      const defaults = standard.ofType(T.pc, cluster).filter((p) => p.plainInputs.globalDefault === true);
      assert.deepEqual(
        defaults.map((p) => md(p).name),
        ["wp-standard"],
        cluster,
      );
      assert.equal(standard.ofType(T.pc, cluster).length, 4);
    }
  });

  it("pods depend on the priority classes they name", async () => {
    const run = await runWorkloads(["eks"], {
      queues: [{ name: "q", kind: "redis" }],
      workers: [
        {
          name: "w",
          image: "ghcr.io/acme/w:1.0.0",
          priority: "critical",
          trigger: { type: "redis", queue: "q", listName: "l" },
          resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } },
          replicas: { max: 1 },
        },
      ],
    });
    const d = run.object("kubernetes:apps/v1:Deployment", "w");
    assert.equal((d.plainInputs.spec as Obj).template.spec.priorityClassName, "wp-critical");
    assert.ok(d.dependencies.includes(run.object(T.pc, "wp-critical").urn));
  });
});
