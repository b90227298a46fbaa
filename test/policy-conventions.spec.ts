import * as assert from "assert";
import { AKS_SPOT_TAINT, EKS_SPOT_TAINT, GPU_TAINT, LABELS } from "../components/cluster/labels";
import { CPU_ONLY_FAMILIES, GPU_MACHINE_TYPES } from "../stacks/machine-types";
import * as annotations from "../components/workloads/annotations";
import * as pack from "../policy/rules/lib/platform";

/**
 * The policy pack is its own package and cannot import the program, so it keeps copies of the program's conventions
 * (policy/rules/lib/platform.ts). These tests fail when a copy drifts from the original.
 */
describe("policy: conventions shared with the program", () => {
  it("pool labels", () => {
    for (const [key, value] of Object.entries(pack.LABELS)) assert.equal(value, (LABELS as Record<string, string>)[key], key);
  });
  it("GPU and spot taints", () => {
    assert.deepStrictEqual(pack.GPU_TAINT, GPU_TAINT);
    assert.deepStrictEqual(pack.AKS_SPOT_TAINT, AKS_SPOT_TAINT);
    assert.deepStrictEqual(pack.EKS_SPOT_TAINT, EKS_SPOT_TAINT);
  });
  it("GPU machine types and CPU-only families", () => {
    assert.deepStrictEqual(pack.GPU_MACHINE_TYPES, GPU_MACHINE_TYPES);
    assert.deepStrictEqual(pack.CPU_ONLY_FAMILIES.map(String), CPU_ONLY_FAMILIES.map(String));
  });
  it("the workload annotations the rules read (scale-in-safety, scaled-workload-omits-replicas, scaled-workload-marked)", () => {
    assert.equal(pack.MAX_JOB_DURATION_ANNOTATION, annotations.MAX_JOB_DURATION_ANNOTATION);
    assert.equal(pack.SCALED_BY_ANNOTATION, annotations.SCALED_BY_ANNOTATION);
    assert.equal(pack.GRACE_CAP_ANNOTATION, annotations.GRACE_CAP_ANNOTATION);
    assert.deepStrictEqual(Object.keys(pack.SCALED_BY_VALUES).sort(), Object.values(annotations.SCALED_BY).sort(), "values of the scaled-by annotation");
    for (const [name, value] of Object.entries({ MAX_JOB_DURATION_ANNOTATION: pack.MAX_JOB_DURATION_ANNOTATION, SCALED_BY_ANNOTATION: pack.SCALED_BY_ANNOTATION, GRACE_CAP_ANNOTATION: pack.GRACE_CAP_ANNOTATION })) {
      assert.ok(typeof value === "string" && /^[a-z0-9.-]+\/[a-z0-9-]+$/.test(value), `${name}: ${value}`);
    }
  });
});
