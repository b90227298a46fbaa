import * as assert from "node:assert/strict";
import type { ClusterHandle, PoolHandle } from "../components/cluster/handle.ts";
import { AKS_SPOT_TAINT, EKS_SPOT_TAINT, GPU_TAINT, SYSTEM_TAINT } from "../components/cluster/labels.ts";
import { queuePlacement, SPOT_PREFERENCE_WEIGHT, workloadPlacement } from "../components/workloads/scheduling.ts";
import { whyNotOnPool } from "../policy/rules/scheduling-gpu.ts";
import type { Pool } from "../policy/rules/lib/model.ts";
import { runUnderMocks } from "../tools/harness.ts";
import type { FakeKind } from "./helpers/clusters.ts";
import { fakeCluster, runWorkloads } from "./helpers/clusters.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

/** Fake handles are built inside a mock run (they hold a provider); placement itself is pure. */
async function handles(): Promise<Record<FakeKind, ClusterHandle>> {
  const out = {} as Record<FakeKind, ClusterHandle>;
  await runUnderMocks(() => {
    for (const k of ["aks", "eks", "existing"] as const) out[k] = fakeCluster(k);
  });
  return out;
}

/** A pool as the policy pack models it, from a handle's pool: the rule's own check decides where a pod can land. */
const asPolicyPool = (p: PoolHandle): Pool => ({
  name: p.name,
  labels: p.selector,
  taints: p.taints,
  gpu: !!p.gpu,
  gpuVendor: p.gpu?.vendor ?? "nvidia",
  gpusPerNode: p.gpu?.count ?? 0,
  spot: p.spot,
  maxNodes: p.max,
  machineTypes: p.machineTypes,
  maxPods: undefined,
  resource: undefined as never,
});
const podOf = (pl: { tolerations: unknown[]; affinity?: unknown }) =>
  ({ tolerations: pl.tolerations, ...(pl.affinity ? { affinity: pl.affinity } : {}) }) as Obj;
const landsOn = (c: ClusterHandle, pl: { tolerations: unknown[]; affinity?: unknown }, gpus: number) =>
  c.pools.filter((p) => !whyNotOnPool(podOf(pl), gpus, asPolicyPool(p))).map((p) => p.name);
const keys = (tols: { key: string }[]) => tols.map((t) => t.key).sort();

describe("workloads: scheduling", () => {
  let c: Record<FakeKind, ClusterHandle>;
  before(async () => {
    c = await handles();
  });

  it("AKS GPU worker with spot: GPU pools only, tolerates the GPU taint and the AKS spot taint, prefers spot", () => {
    const pl = workloadPlacement(c.aks, { gpu: { count: 1, fallbackToCpu: false }, spot: true });
    assert.equal(pl.gpus, 1);
    assert.deepEqual(landsOn(c.aks, pl, 1), ["gpuspot", "gpu"]);
    assert.deepEqual(keys(pl.tolerations), [AKS_SPOT_TAINT.key, GPU_TAINT.key].sort());
    assert.ok(pl.tolerations.some((t) => t.key === AKS_SPOT_TAINT.key && t.value === "spot" && t.operator === "Equal"));
    const preferred = (pl.affinity as Obj).nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution;
    assert.equal(preferred.length, 1);
    assert.equal(preferred[0].weight, SPOT_PREFERENCE_WEIGHT);
    assert.ok(
      preferred[0].preference.matchExpressions.some(
        (e: Obj) => e.key === "worker-platform/pool" && e.values[0] === "gpuspot",
      ),
    );
    // on-demand fallback: the required terms include the on-demand GPU pool
    const terms = (pl.affinity as Obj).nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    assert.equal(terms.length, 2);
  });

  it("AKS GPU worker without spot: the on-demand GPU pool only, no spot toleration, no preference", () => {
    const pl = workloadPlacement(c.aks, { gpu: { count: 1, fallbackToCpu: false }, spot: false });
    assert.deepEqual(landsOn(c.aks, pl, 1), ["gpu"]);
    assert.deepEqual(keys(pl.tolerations), [GPU_TAINT.key]);
    assert.equal((pl.affinity as Obj).nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution, undefined);
  });

  it("EKS GPU worker with spot: tolerates the platform's EKS spot taint (not the AKS one)", () => {
    const pl = workloadPlacement(c.eks, { gpu: { count: 1, fallbackToCpu: false }, spot: true });
    assert.deepEqual(landsOn(c.eks, pl, 1), ["gpuspot"]);
    assert.ok(pl.tolerations.some((t) => t.key === EKS_SPOT_TAINT.key && t.value === EKS_SPOT_TAINT.value));
    assert.ok(!pl.tolerations.some((t) => t.key === AKS_SPOT_TAINT.key));
  });

  it("never a system pool, never a GPU pool for CPU pods, and no toleration of the system taint", () => {
    for (const kind of ["aks", "eks"] as const) {
      for (const spot of [true, false]) {
        const pl = workloadPlacement(c[kind], { spot });
        const pools = landsOn(c[kind], pl, 0);
        assert.ok(!pools.includes("system"), `${kind} spot=${spot}: ${pools.join(", ")}`);
        assert.ok(!pools.some((p) => p.startsWith("gpu")), `${kind} spot=${spot}: ${pools.join(", ")}`);
        assert.ok(!pl.tolerations.some((t) => t.key === SYSTEM_TAINT.key));
      }
    }
    assert.deepEqual(landsOn(c.eks, workloadPlacement(c.eks, { spot: false }), 0), ["cpu"]);
  });

  it("spot: false on a cluster with only spot CPU pools runs on spot with a warning rather than staying Pending", () => {
    const pl = workloadPlacement(c.aks, { spot: false });
    assert.deepEqual(landsOn(c.aks, pl, 0), ["cpuspot"]);
    assert.equal(pl.warnings.length, 1);
    assert.match(pl.warnings[0], /only spot CPU workload pools/);
  });

  it("no usable GPU pool: fallbackToCpu runs without a GPU request; fallback off is an error", () => {
    const pl = workloadPlacement(c.existing, { gpu: { count: 1, fallbackToCpu: true }, spot: false });
    assert.equal(pl.gpus, 0);
    assert.equal(pl.fellBackToCpu, true);
    assert.equal(pl.affinity, undefined, "an existing cluster's pool selects any node");
    assert.throws(
      () => workloadPlacement(c.existing, { gpu: { count: 1, fallbackToCpu: false }, spot: false }),
      /no on-demand nvidia GPU pool/,
    );
    // more GPUs per pod than any pool's nodes have counts as no usable pool
    assert.throws(
      () => workloadPlacement(c.aks, { gpu: { count: 2, fallbackToCpu: false }, spot: true }),
      /GPU pool with 2 GPUs/,
    );
  });

  it("queues: an on-demand CPU pool; else the system pool, tolerating its taint; never spot", () => {
    assert.deepEqual(landsOn(c.eks, queuePlacement(c.eks), 0), ["cpu"]);
    const aks = queuePlacement(c.aks);
    assert.deepEqual(landsOn(c.aks, aks, 0), ["system"]);
    assert.deepEqual(keys(aks.tolerations), [SYSTEM_TAINT.key]);
  });
});

describe("workloads: CPU fallback on an existing cluster", () => {
  it("GPU worker with fallbackToCpu: no nvidia.com/gpu anywhere in the pod, no GPU toleration, one warning", async () => {
    const run = await runWorkloads(["existing"], {
      queues: [{ name: "q", kind: "redis" }],
      workers: [
        {
          name: "llm",
          image: "ghcr.io/acme/llm:1.0.0",
          trigger: { type: "redis", queue: "q", listName: "llm" },
          gpu: { count: 1, fallbackToCpu: true },
          resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "2Gi" } },
          replicas: { min: 0, max: 1 },
        },
      ],
    });
    const d = run.object("kubernetes:apps/v1:Deployment", "llm");
    const pod = JSON.stringify((d.plainInputs.spec as Obj).template.spec);
    assert.ok(!pod.includes("nvidia.com/gpu"), pod);
    const warnings = run.warnings.filter((w) => w.includes("llm"));
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0], /runs on CPU without the nvidia.com\/gpu request/);
  });
});
