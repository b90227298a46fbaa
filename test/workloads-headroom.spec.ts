import * as assert from "node:assert/strict";
import { AKS_SPOT_TAINT, GPU_TAINT, platformPoolLabels } from "../components/cluster/labels.ts";
import { headroomShape } from "../stacks/platform-pods.ts";
import { whyNotOnPool } from "../policy/rules/scheduling-gpu.ts";
import type { Pool } from "../policy/rules/lib/model.ts";
import { IMAGES } from "../stacks/versions.ts";
import { runWorkloads } from "./helpers/clusters.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

describe("workloads: warm GPU headroom", () => {
  it("no placeholder when no pool asks for headroom", async () => {
    const run = await runWorkloads(["aks"]);
    assert.equal(run.ofType(DEPLOYMENT).length, 0);
  });

  it("a pause Deployment per GPU pool with headroomGpus, at the overprovisioning class, reserving the GPUs on that pool", async () => {
    const run = await runWorkloads(
      ["aks"],
      {},
      { cluster: (c) => ({ pools: c.pools.map((p) => (p.name === "gpu" ? { ...p, headroomGpus: 1 } : p)) }) },
    );
    const deployments = run.ofType(DEPLOYMENT);
    assert.equal(deployments.length, 1);
    const d = deployments[0];
    const s = d.plainInputs.spec as Obj;
    assert.equal((d.plainInputs.metadata as Obj).name, "gpu-headroom-gpu");
    // Ready only once a GPU node is up for it (the pool starts at 0): Pulumi must not wait for that.
    assert.equal((d.plainInputs.metadata as Obj).annotations["pulumi.com/skipAwait"], "true");
    assert.equal(s.replicas, 1);
    const pod = s.template.spec;
    assert.equal(pod.priorityClassName, "wp-overprovisioning");
    assert.equal(pod.containers[0].image, IMAGES.pause);
    assert.equal(pod.containers[0].resources.limits["nvidia.com/gpu"], "1");
    assert.equal(pod.terminationGracePeriodSeconds, 0);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    // Lands on the gpu pool only (tolerates its GPU taint, affinity to it), per the policy pack's own check.
    const terms = pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    assert.equal(terms.length, 1);
    const gpuPool: Pool = {
      name: "gpu",
      labels: {
        ...platformPoolLabels({ name: "gpu", role: "workload", spot: false, gpu: { count: 1 } }),
        "kubernetes.azure.com/accelerator": "nvidia",
      },
      taints: [GPU_TAINT],
      gpu: true,
      gpuVendor: "nvidia",
      gpusPerNode: 1,
      spot: false,
      maxNodes: 3,
      machineTypes: [],
      maxPods: undefined,
      resource: undefined as never,
    };
    assert.equal(whyNotOnPool(pod, 1, gpuPool), undefined);
    const spotLabels = {
      ...platformPoolLabels({ name: "gpuspot", role: "workload", spot: true, gpu: { count: 1 } }),
      "kubernetes.azure.com/accelerator": "nvidia",
    };
    assert.match(
      String(
        whyNotOnPool(pod, 1, { ...gpuPool, name: "gpuspot", labels: spotLabels, taints: [GPU_TAINT, AKS_SPOT_TAINT] }),
      ),
      /tolerate|affinity/,
    );
  });

  it("the placeholder's PriorityClass is negative, so it never counts against GPU capacity and real pods preempt it", async () => {
    const run = await runWorkloads(
      ["eks"],
      {},
      { cluster: (c) => ({ pools: c.pools.map((p) => (p.name === "gpuspot" ? { ...p, headroomGpus: 2 } : p)) }) },
    );
    const pc = run.object("kubernetes:scheduling.k8s.io/v1:PriorityClass", "wp-overprovisioning");
    assert.ok((pc.plainInputs.value as number) < 0);
    const pod = (run.ofType(DEPLOYMENT)[0].plainInputs.spec as Obj).template.spec;
    // EKS spot GPU pool: the placeholder tolerates both of its taints
    assert.deepEqual(pod.tolerations.map((t: Obj) => t.key).sort(), ["nvidia.com/gpu", "worker-platform/capacity"]);
    assert.equal((run.ofType(DEPLOYMENT)[0].plainInputs.spec as Obj).replicas, 2);
  });

  it("shape: whole nodes, rounded up", () => {
    assert.deepEqual(headroomShape(1, 1), { replicas: 1, gpusPerPod: 1 });
    assert.deepEqual(headroomShape(4, 2), { replicas: 2, gpusPerPod: 2 });
    assert.deepEqual(headroomShape(3, 2), { replicas: 2, gpusPerPod: 2 });
    assert.deepEqual(headroomShape(1, 4), { replicas: 1, gpusPerPod: 1 });
  });
});
