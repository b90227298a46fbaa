import * as assert from "node:assert/strict";
import * as path from "path";
import { allPolicies } from "../policy/rules/index.ts";
import { eksSecretsEncryption } from "../policy/rules/cloud-eks.ts";
import type { RecordedResource } from "../tools/harness.ts";
import { planStack } from "../tools/plan-stack.ts";
import { evaluatePolicies } from "../tools/run-policies.ts";
import { eks, res } from "./helpers/policy.ts";

const root = path.resolve(import.meta.dirname, "..");

/**
 * What the stack rules get in the first `pulumi preview` of a stack: every Kubernetes object with no state at all.
 * Its provider's kubeconfig comes from a cluster that does not exist yet, so the provider is not configured, and
 * the engine's preview of such a create returns an empty property map (pulumi provider_plugin.go), which is what
 * analyzeStack passes on as the object's outputs. (Resource rules still get the inputs.)
 */
function firstPreviewShape(resources: RecordedResource[]): RecordedResource[] {
  return resources.map((r) => (r.type.startsWith("kubernetes:") ? { ...r, inputs: {}, plainInputs: {} } : r));
}

const stackRules = allPolicies.filter((p) => "validateStack" in p);

describe("policy: the first preview of a stack (Kubernetes objects without state)", function () {
  this.timeout(120_000);

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: no false violation; the cross-object rules say they cannot run instead of passing`, async () => {
      const plan = await planStack(stack, { dir: root });
      assert.equal(plan.exitCode, 0, "the stack plans cleanly with state");
      const violations = await evaluatePolicies(firstPreviewShape(plan.resources), { stack, policies: stackRules });
      const real = violations.filter((v) => !v.message.startsWith("can't run"));
      assert.deepEqual(real, [], JSON.stringify(real, null, 2));
      const cannotRun = new Set(violations.filter((v) => v.message.startsWith("can't run")).map((v) => v.policy));
      for (const rule of [
        "scale-target-exists",
        "single-autoscaler-per-workload",
        "gpu-capacity",
        "gpu-workload-placement",
        "pod-fits-node",
        "priority-class-defined",
        "scale-in-safety",
      ]) {
        assert.ok(cannotRun.has(rule), `${rule} neither ran nor said it could not: ${[...cannotRun].join(", ")}`);
      }
      for (const v of violations) assert.equal(v.enforcementLevel, "advisory", `${v.policy}: ${v.message}`);
    });
  }
});

describe("policy: eks-secrets-encryption with a key being created next to a known one", () => {
  it("matches the cluster's key by ARN without tripping over the other key's unknown id", async () => {
    const arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd";
    const known = eks({
      name: "old",
      cluster: { encryptionConfig: { resources: ["secrets"], provider: { keyArn: arn } } },
    });
    known.key.plainInputs.keyId = "1234abcd";
    known.key.inputs.keyId = "1234abcd";
    // A second cluster's key being created, listed first: its keyId and ARN are unknown during preview.
    const fresh = res("aws:kms/key:Key", "new-secrets", {
      enableKeyRotation: true,
      keyId: "[unknown]",
      arn: "[unknown]",
    });
    const violations = await evaluatePolicies([fresh, ...known.all], {
      stack: "prod",
      policyConfig: {},
      policies: [eksSecretsEncryption],
    });
    assert.deepEqual(violations, []);
    // Control: the same cluster with rotation off on its key is reported, so the match by ARN really happened.
    const off = eks({
      name: "old",
      keyRotation: false,
      cluster: { encryptionConfig: { resources: ["secrets"], provider: { keyArn: arn } } },
    });
    off.key.plainInputs.keyId = "1234abcd";
    const reported = await evaluatePolicies([fresh, ...off.all], {
      stack: "prod",
      policyConfig: {},
      policies: [eksSecretsEncryption],
    });
    assert.equal(reported.length, 1, JSON.stringify(reported));
    assert.match(reported[0].message, /rotation/i);
  });
});
