import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PlanResult } from "../tools/plan-stack.ts";
import { planStack } from "../tools/plan-stack.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

/**
 * The AMD case end to end, as `npm run plan` runs it: no shipped stack has an AMD pool (no managed node image of AKS
 * or EKS carries the amdgpu driver: docs/workloads.md, "Accelerators"), so this test stack does. A mixed EKS cluster
 * (AMD g4ad, NVIDIA g5 time-sliced ×4) with an AMD worker and an NVIDIA worker: every object validates, the policy
 * pack passes, and the vendors stay apart.
 */
const STACK = `config:
  pulumi:disable-default-providers: [kubernetes, aws]
  worker-platform:platform: { environment: amd }
  worker-platform:clusters:
    - name: mixed
      cloud: aws
      region: eu-west-1
      kubernetesVersion: "1.34"
      aws: { endpointPublicAccess: true, publicAccessCidrs: [203.0.113.0/24] }
      pools:
        - { name: system, role: system, machineTypes: [m6i.xlarge], min: 2, max: 3 }
        - { name: amd, machineTypes: [g4ad.2xlarge], gpu: { count: 1, type: amd-radeon-pro-v520 }, min: 0, max: 4 }
        - name: nvshared
          machineTypes: [g5.2xlarge]
          gpu: { count: 1, type: nvidia-a10g }
          gpuSharing: { timeSlicing: { replicas: 4 } }
          min: 0
          max: 2
        - { name: cpu, machineTypes: [m6i.2xlarge], min: 1, max: 3 }
  worker-platform:queues:
    - { name: jobs, kind: redis }
  worker-platform:workers:
    - name: rocm
      image: ghcr.io/acme/rocm-worker:1.0.0
      trigger: { type: redis, queue: jobs, listName: rocm, targetPerReplica: 2 }
      gpu: { count: 1, vendor: amd }
      resources: { requests: { cpu: "2", memory: 8Gi }, limits: { memory: 8Gi } }
      replicas: { min: 0, max: 4 }
    - name: cuda
      image: ghcr.io/acme/cuda-worker:1.0.0
      trigger: { type: redis, queue: jobs, listName: cuda, targetPerReplica: 2 }
      gpu: { count: 1 }
      resources: { requests: { cpu: "1", memory: 4Gi }, limits: { memory: 4Gi } }
      replicas: { min: 0, max: 8 }
`;

describe("offline plan of a mixed AMD/NVIDIA cluster", function () {
  this.timeout(120_000);
  let dir: string;
  let r: PlanResult;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-amd-"));
    fs.writeFileSync(path.join(dir, "Pulumi.amd.yaml"), STACK);
    r = await planStack("amd", { dir });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const inputs = (type: string, name: string): Obj =>
    r.resources.find((x) => x.type === type && (x.plainInputs.metadata as Obj | undefined)?.name === name)!.plainInputs;
  const chartValues = (release: string): Obj =>
    (
      r.resources.find((x) => x.type === "kubernetes:helm.sh/v4:Chart" && x.plainInputs.name === release)!
        .plainInputs as Obj
    ).values;

  it("plans clean: every object validates, no mandatory policy violation", () => {
    assert.equal(r.configError, undefined);
    assert.deepEqual(r.manifestProblems, []);
    assert.equal(r.exitCode, 0, JSON.stringify(r.policies, null, 2));
    // Not even advisory ones: the GPU capacity and placement rules count each vendor's devices on its own pools.
    assert.deepEqual(
      r.policies.map((p) => `${p.policy}: ${p.message}`),
      [],
    );
  });

  it("the AMD worker asks for amd.com/gpu on the AMD pool; the NVIDIA one for nvidia.com/gpu on the NVIDIA pool", () => {
    const pod = (name: string) => inputs("kubernetes:apps/v1:Deployment", name).spec.template.spec;
    const rocm = pod("rocm");
    assert.equal(rocm.containers[0].resources.limits["amd.com/gpu"], "1");
    assert.equal(rocm.containers[0].resources.limits["nvidia.com/gpu"], undefined);
    assert.deepEqual(
      rocm.tolerations.map((t: Obj) => t.key),
      ["amd.com/gpu"],
    );
    assert.match(JSON.stringify(rocm.affinity), /"amd"/);
    assert.doesNotMatch(JSON.stringify(rocm.affinity), /nvshared/);
    const cuda = pod("cuda");
    assert.equal(cuda.containers[0].resources.limits["nvidia.com/gpu"], "1");
    assert.ok(!cuda.tolerations.some((t: Obj) => t.key === "amd.com/gpu"));
    assert.doesNotMatch(JSON.stringify(cuda.affinity), /"amd"/);
  });

  it("each vendor's device plugin and exporter only on its pools", () => {
    assert.doesNotMatch(JSON.stringify(chartValues("nvidia-device-plugin").affinity), /"amd"/);
    assert.doesNotMatch(JSON.stringify(chartValues("dcgm-exporter").affinity), /"amd"/);
    assert.equal(chartValues("amd-gpu").node_selector["worker-platform/gpu-vendor"], "amd");
    assert.doesNotMatch(JSON.stringify(chartValues("amd-metrics-exporter").affinity), /nvshared/);
    assert.match(chartValues("nvidia-device-plugin").config.map["time-slicing-4"], /replicas: 4/);
  });
});
