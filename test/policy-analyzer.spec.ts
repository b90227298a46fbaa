import * as assert from "assert";
import type { ChildProcess } from "child_process";
import { spawn } from "child_process";
import { createRequire } from "module";
import * as path from "path";
import { allPolicies } from "../policy/rules/index.ts";

/**
 * The pack as the Pulumi CLI runs it: the SDK's policy-pack runner (`@pulumi/pulumi/cmd/run-policy-pack`, from the
 * pack's own dependencies), which registers ts-node with type checking and `require`s the pack's package `main` (the
 * built `policy/bin/index.js`); constructing the PolicyPack starts the analyzer's gRPC server and prints its port; then
 * the CLI's RPCs against it. This checks what the rule-level tests cannot: the built entry loads under the CLI's
 * runner, @pulumi/policy accepts every rule and config schema, and a violation comes back over the wire with its level.
 */
const policyDir = path.resolve(import.meta.dirname, "..", "policy");
// The generated gRPC stubs and their grpc/protobuf runtime, from the copy of @pulumi/pulumi the pack itself uses.
const require = createRequire(import.meta.url);
const fromPack = (id: string) =>
  require(require.resolve(id, { paths: [path.dirname(require.resolve("@pulumi/policy", { paths: [policyDir] }))] }));
/* eslint-disable @typescript-eslint/no-explicit-any */
const grpc: any = fromPack("@grpc/grpc-js");
const services: any = fromPack("@pulumi/pulumi/proto/analyzer_grpc_pb");
const messages: any = fromPack("@pulumi/pulumi/proto/analyzer_pb");
const structPb: any = fromPack("google-protobuf/google/protobuf/struct_pb");
const emptyPb: any = fromPack("google-protobuf/google/protobuf/empty_pb");

const LEVEL_NAMES = ["advisory", "mandatory", "disabled", "remediate"];

describe("policy: the pack served over gRPC (as the CLI runs it)", function () {
  this.timeout(60_000);
  let child: ChildProcess;
  let client: any;
  const rpc = <T>(method: string, req: unknown): Promise<T> =>
    new Promise((resolve, reject) =>
      client[method](req, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))),
    );

  before(async () => {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [policyDir] });
    // argv as the CLI's analyzer plugin passes it: <engine address> <pack directory>.
    child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], {
      cwd: policyDir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const port = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d) => {
        out += d;
        const m = /^(\d+)\s*$/m.exec(out);
        if (m) resolve(m[1]);
      });
      child.on("exit", (code) => reject(new Error(`policy pack exited ${code}: ${stderr}`)));
    });
    client = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  after(() => {
    client?.close();
    child?.kill();
  });

  it("serves every rule of the pack with its level", async () => {
    const info: any = await rpc("getAnalyzerInfo", new emptyPb.Empty());
    assert.equal(info.getName(), "worker-platform");
    const served = info.getPoliciesList().map((p: any) => [p.getName(), LEVEL_NAMES[p.getEnforcementlevel()]]);
    assert.deepStrictEqual(served.sort(), allPolicies.map((p) => [p.name, p.enforcementLevel]).sort());
  });

  it("reports a mandatory violation for a resource that breaks a rule, and none for a clean one", async () => {
    const analyze = async (image: string) => {
      const props = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "w", namespace: "wp" },
        spec: { template: { spec: { priorityClassName: "wp-standard", containers: [{ name: "w", image }] } } },
      };
      const req = new messages.AnalyzeRequest();
      req.setType("kubernetes:apps/v1:Deployment");
      req.setName("w");
      req.setUrn("urn:pulumi:dev::worker-platform::kubernetes:apps/v1:Deployment::w");
      req.setProperties(structPb.Struct.fromJavaScript(props));
      req.setOptions(new messages.AnalyzerResourceOptions()); // the CLI always sends options (protect, ignoreChanges, ...)
      const res: any = await rpc("analyze", req);
      return res.getDiagnosticsList().map((d: any) => ({
        policy: d.getPolicyname(),
        level: LEVEL_NAMES[d.getEnforcementlevel()],
        message: d.getMessage(),
      }));
    };
    const bad = (await analyze("ghcr.io/acme/worker:latest")).filter(
      (d: { policy: string }) => d.policy === "container-image-pinned",
    );
    assert.equal(bad.length, 1, JSON.stringify(bad));
    assert.equal(bad[0].level, "mandatory");
    assert.match(bad[0].message, /latest/);
    const good = (await analyze("ghcr.io/acme/worker:1.4.2")).filter(
      (d: { policy: string }) => d.policy === "container-image-pinned",
    );
    assert.deepStrictEqual(good, []);
  });
});
