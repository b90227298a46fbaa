import * as assert from "node:assert/strict";
import { createCluster } from "../components/cluster/index.ts";
import type { ClusterHandle } from "../components/cluster/handle.ts";
import { gpuPlacement } from "../components/addons/scheduling.ts";
import { ConfigError, loadConfig } from "../stacks/load.ts";
import type { RecordedResource } from "../tools/harness.ts";
import { runUnderMocks } from "../tools/harness.ts";
import { sourceOf } from "./helpers/config.ts";

type Obj = Record<string, unknown>;

function existingStack(cluster: Obj = {}) {
  return {
    platform: { environment: "test", production: true },
    clusters: [{ name: "local", cloud: "existing", existing: { context: "kind-worker-platform" }, ...cluster }],
  };
}

async function run(
  values: Obj,
): Promise<{ resources: RecordedResource[]; handle: ClusterHandle; kubeconfig: string; secret: boolean }> {
  const { config } = loadConfig(sourceOf(values));
  let handle!: ClusterHandle;
  let kubeconfig = "";
  let secret = false;
  const { resources } = await runUnderMocks(async () => {
    handle = createCluster(config.clusters[0], config, {});
    secret = await (handle.kubeconfig as unknown as { isSecret: Promise<boolean> }).isSecret;
    handle.kubeconfig.apply((k) => (kubeconfig = k));
    return {};
  });
  return { resources, handle, kubeconfig, secret };
}

describe("ExistingCluster", () => {
  it("creates no cloud resource: only the component and a provider named after the cluster, for the configured context", async () => {
    const { resources, handle } = await run(existingStack());
    assert.deepEqual(
      resources
        .map((r) => r.type)
        .filter((t) => t !== "pulumi:pulumi:Stack")
        .sort(),
      ["pulumi:providers:kubernetes", "worker-platform:cluster:ExistingCluster"],
    );
    const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
    assert.equal(provider.name, "local");
    assert.equal(provider.inputs.context, "kind-worker-platform");
    assert.equal(provider.inputs.kubeconfig, undefined, "no path: the provider reads KUBECONFIG like kubectl");
    assert.equal(provider.protect, false, "nothing of the cluster is Pulumi's to protect");
    assert.equal(handle.cloud, "existing");
    assert.equal(handle.autoscalerChart, undefined);
    assert.equal(handle.hasMetricsServer, false);
    assert.deepEqual(handle.ready, []);
  });

  it("defaults to one CPU pool selecting any node", async () => {
    const { handle } = await run(existingStack());
    assert.equal(handle.pools.length, 1);
    const [pool] = handle.pools;
    assert.equal(pool.name, "default");
    assert.deepEqual(pool.selector, {});
    assert.deepEqual(pool.taints, []);
    assert.equal(pool.gpu, undefined);
    assert.equal(pool.gpuCapacity, 0);
  });

  it("declared pools: the selector is exactly their configured labels, taints as configured, GPU capacity from max", async () => {
    const { handle } = await run(
      existingStack({
        existing: { context: "k3d-wp", kubeconfigPath: "/home/me/.kube/k3d", hasMetricsServer: true },
        pools: [
          { name: "cpu", min: 1, max: 3, labels: { "node-role": "worker" } },
          {
            name: "gpu",
            min: 0,
            max: 2,
            gpu: { count: 2, type: "nvidia-l4" },
            labels: { accel: "l4" },
            taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }],
          },
        ],
      }),
    );
    assert.equal(handle.hasMetricsServer, true);
    const gpu = handle.pools.find((p) => p.name === "gpu")!;
    assert.deepEqual(gpu.selector, { accel: "l4" }, "the platform labels nothing on an existing cluster");
    assert.deepEqual(gpu.taints, [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }]);
    assert.equal(gpu.gpuCapacity, 4);
    assert.deepEqual(handle.pools.find((p) => p.name === "cpu")!.selector, { "node-role": "worker" });
  });

  it("a GPU pool's declared labels are all the GPU DaemonSets select on; a GPU pool without labels is refused", async () => {
    const gpu = { name: "gpu", min: 0, max: 2, gpu: { count: 1, type: "nvidia-l4" } };
    const { handle } = await run(
      existingStack({
        pools: [
          { name: "default", min: 1, max: 1 },
          { ...gpu, labels: { "nvidia.com/gpu.present": "true" } },
        ],
      }),
    );
    assert.deepEqual(gpuPlacement(handle)?.affinity, {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: "nvidia.com/gpu.present", operator: "In", values: ["true"] }] },
          ],
        },
      },
    });
    // Without labels the DaemonSets would get no affinity at all (every node): the config stops first.
    assert.throws(
      () => loadConfig(sourceOf(existingStack({ pools: [{ name: "default", min: 1, max: 1 }, gpu] }))),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.some((p) => p.startsWith("clusters[0].pools[1].labels: GPU pool gpu")),
    );
  });

  it("passes a configured kubeconfig path to the provider; the kubeconfig output is a secret naming path and context", async () => {
    const { resources, kubeconfig, secret } = await run(
      existingStack({ existing: { context: "k3d-wp", kubeconfigPath: "/home/me/.kube/k3d" } }),
    );
    const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
    assert.equal(provider.inputs.kubeconfig, "/home/me/.kube/k3d");
    assert.equal(secret, true);
    assert.equal(kubeconfig, "/home/me/.kube/k3d#k3d-wp");
  });
});
