import * as assert from "assert";
import { gpuCapacity, gpuInLimits, gpuPlacement, priorityClassDefined } from "../policy/rules/scheduling-gpu.ts";
import {
  aks,
  check,
  cliChart,
  deployment,
  eks,
  gpuContainer,
  gpuPodSpec,
  podSpec,
  priorityClass,
  rendered,
  scaledJob,
  scaledObject,
} from "./helpers/policy.ts";

const text = (vs: { message: string }[]) => vs.map((v) => v.message).join("\n");

describe("policy: scheduling and GPUs", () => {
  describe("gpu-in-limits", () => {
    it("passes a GPU in limits", async () => {
      assert.deepStrictEqual(await check(gpuInLimits, [deployment("w", gpuPodSpec())]), []);
    });
    it("fails a request-only GPU and a request that differs from the limit", async () => {
      const reqOnly = gpuContainer(1, {
        resources: { requests: { cpu: "1", memory: "1Gi", "nvidia.com/gpu": 1 }, limits: { memory: "1Gi" } },
      });
      const differs = gpuContainer(1, {
        name: "b",
        resources: {
          requests: { cpu: "1", memory: "1Gi", "nvidia.com/gpu": "2" },
          limits: { memory: "1Gi", "nvidia.com/gpu": 1 },
        },
      });
      const vs = await check(gpuInLimits, [deployment("w", podSpec({ containers: [reqOnly, differs] }))]);
      assert.match(text(vs), /requests 1 nvidia.com\/gpu without a limit/);
      assert.match(text(vs), /request 2 differs from limit 1/);
    });
    it("fails a fractional GPU limit", async () => {
      const half = gpuContainer(1, {
        resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi", "nvidia.com/gpu": "500m" } },
      });
      const vs = await check(gpuInLimits, [deployment("w", podSpec({}, half))]);
      assert.strictEqual(vs.length, 1, text(vs));
      assert.match(
        vs[0].message,
        /^Deployment wp-workloads\/w, container 'worker': nvidia.com\/gpu limit 500m is not a whole number\.$/,
      );
      const both = gpuContainer(1, {
        resources: {
          requests: { cpu: "1", memory: "1Gi", "nvidia.com/gpu": 1.5 },
          limits: { memory: "1Gi", "nvidia.com/gpu": 1.5 },
        },
      });
      assert.match(
        text(await check(gpuInLimits, [deployment("w", podSpec({}, both))])),
        /nvidia.com\/gpu limit 1.5 is not a whole number/,
        "request equal to a fractional limit",
      );
    });
  });

  describe("priority-class-defined", () => {
    it("passes a class defined in the same cluster, and built-in classes", async () => {
      const c = aks();
      const ds = deployment("sys", podSpec({ priorityClassName: "system-node-critical" }), { provider: c.provider });
      assert.deepStrictEqual(
        await check(priorityClassDefined, [
          ...c.all,
          priorityClass("wp-standard", 10000, { provider: c.provider }),
          deployment("w", podSpec(), { provider: c.provider }),
          ds,
        ]),
        [],
      );
    });
    it("fails a class defined only on another cluster", async () => {
      const a = aks({ name: "a" });
      const b = aks({ name: "b" });
      const [v] = await check(priorityClassDefined, [
        ...a.all,
        ...b.all,
        priorityClass("wp-standard", 10000, { provider: a.provider }),
        deployment("w", podSpec(), { provider: b.provider }),
      ]);
      assert.match(v.message, /uses priorityClassName 'wp-standard', which this stack does not define on cluster b/);
    });
  });

  describe("gpu-workload-placement", () => {
    it("passes a GPU worker that tolerates a GPU pool of its cluster with the device plugin", async () => {
      const c = aks();
      assert.deepStrictEqual(
        await check(gpuPlacement, [...c.all, deployment("t", gpuPodSpec({ spot: true }), { provider: c.provider })]),
        [],
      );
    });
    it("fails a cluster without GPU pool, with a message naming the resource and the fix", async () => {
      const c = aks({ pools: [{ name: "cpu", vmSize: "Standard_D8s_v5" }] });
      const vs = await check(gpuPlacement, [
        ...c.all,
        deployment("transcriber", gpuPodSpec(), { provider: c.provider }),
      ]);
      assert.match(
        vs[0].message,
        /Deployment wp-workloads\/transcriber \(1 nvidia.com\/gpu per pod\) runs on cluster dev-aks, which has no nvidia GPU pool/,
      );
      assert.match(vs[0].remediation!, /GPU pool/);
      assert.strictEqual(vs[0].resourceName, "transcriber");
    });
    it("fails a worker that does not tolerate the derived AKS spot taint, or needs more GPUs per node", async () => {
      const c = aks();
      const vs = await check(gpuPlacement, [
        ...c.all,
        deployment("a", gpuPodSpec(), { provider: c.provider }),
        deployment("b", gpuPodSpec({ spot: true, gpus: 2 }), { provider: c.provider }),
      ]);
      assert.match(
        vs[0].message,
        /gpuspot \(does not tolerate kubernetes.azure.com\/scalesetpriority=spot:NoSchedule\)/,
      );
      assert.match(vs[1].message, /needs 2 GPUs per pod but its nodes have 1/);
    });
    it("fails a GPU cluster without the NVIDIA device plugin", async () => {
      const c = aks({ devicePlugin: false });
      const [v] = await check(gpuPlacement, [
        ...c.all,
        deployment("t", gpuPodSpec({ spot: true }), { provider: c.provider }),
      ]);
      assert.match(v.message, /installs no NVIDIA device plugin/);
    });
    describe("device plugin detection in the CLI shape (a v4 Chart's outputs: no chart/values; its objects are children)", () => {
      const worker = (c: ReturnType<typeof aks>) =>
        deployment("t", gpuPodSpec({ spot: true }), { provider: c.provider });
      it("passes a values-less chart named <cluster>-nvidia-device-plugin", async () => {
        const c = aks({ devicePlugin: false });
        const dp = cliChart("dev-aks-nvidia-device-plugin", { provider: c.provider, parent: c.addons });
        assert.deepStrictEqual(await check(gpuPlacement, [...c.all, dp, worker(c)]), []);
      });
      it("passes the device plugin DaemonSet a chart renders, whatever the chart is called", async () => {
        const c = aks({ devicePlugin: false });
        const bundle = cliChart("dev-aks-gpu-bundle", { provider: c.provider, parent: c.addons });
        const ds = rendered(
          "DaemonSet",
          "nvidia-device-plugin-daemonset",
          { image: "nvcr.io/nvidia/k8s-device-plugin:v0.20.0" },
          { provider: c.provider, parent: bundle },
        );
        assert.deepStrictEqual(await check(gpuPlacement, [...c.all, bundle, ds, worker(c)]), []);
      });
      it("fails a values-less chart that is not a device plugin, and one on another cluster", async () => {
        const c = aks({ devicePlugin: false });
        const other = aks({ name: "other" });
        const dcgm = cliChart("dev-aks-dcgm-exporter", { provider: c.provider, parent: c.addons });
        const ds = rendered(
          "DaemonSet",
          "dcgm-exporter",
          { image: "nvcr.io/nvidia/k8s/dcgm-exporter:4.4.1-4.5.2-ubuntu22.04" },
          { provider: c.provider, parent: dcgm },
        );
        const elsewhere = cliChart("other-nvidia-device-plugin", { provider: other.provider, parent: other.addons });
        const [v] = await check(gpuPlacement, [
          ...c.all,
          ...other.all.filter((r) => r.type !== "kubernetes:helm.sh/v4:Chart"),
          dcgm,
          ds,
          elsewhere,
          worker(c),
        ]);
        assert.match(v.message, /cluster dev-aks, which installs no NVIDIA device plugin/);
      });
    });
  });

  describe("gpu-capacity", () => {
    it("passes when max replicas × GPUs fit the GPU pools (placeholders excluded)", async () => {
      const c = aks(); // gpuspot: 3 nodes × 1 GPU
      const pc = priorityClass("wp-overprovisioning", -10, { provider: c.provider });
      const headroom = deployment(
        "headroom",
        { ...gpuPodSpec({ spot: true }), priorityClassName: "wp-overprovisioning" },
        { provider: c.provider, replicas: 1 },
      );
      const rs = [
        ...c.all,
        pc,
        headroom,
        deployment("t", gpuPodSpec({ spot: true }), { provider: c.provider }),
        scaledObject("t", "t", { maxReplicaCount: 2 }, { provider: c.provider }),
        deployment("l", gpuPodSpec({ spot: true }), { provider: c.provider }),
        scaledObject("l", "l", { maxReplicaCount: 1 }, { provider: c.provider }),
      ];
      assert.deepStrictEqual(await check(gpuCapacity, rs), []);
    });
    it("fails a worker max beyond the cluster's GPUs, naming workers, demand and capacity", async () => {
      const c = aks();
      const rs = [
        ...c.all,
        deployment("t", gpuPodSpec({ spot: true }), { provider: c.provider }),
        scaledObject("t", "t", { maxReplicaCount: 2 }, { provider: c.provider }),
        scaledJob("render", gpuPodSpec({ spot: true }), { maxReplicaCount: undefined }, { provider: c.provider }),
      ];
      const [v] = await check(gpuCapacity, rs);
      assert.strictEqual(v.enforcementLevel, "advisory");
      assert.match(
        v.message,
        /cluster dev-aks: GPU workers t \(max 2 \[ScaledObject max\] × 1 GPU = 2\), render \(max 100 \[ScaledJob maxReplicaCount \(KEDA default\)\] × 1 GPU = 100\) can demand 102 GPUs/,
      );
      assert.match(v.message, /gpuspot \(3 nodes × 1 GPU = 3\) hold 3/);
      const prod = await check(gpuCapacity, rs, { config: { "gpu-capacity": "mandatory" } });
      assert.strictEqual(prod[0].enforcementLevel, "mandatory");
    });
    it("fails on-demand-only workers that exceed the on-demand GPU pools even when the total fits", async () => {
      const c = aks({
        pools: [
          { name: "gpuspot", vmSize: "Standard_NC8as_T4_v3", spot: true, gpu: true, max: 10 },
          { name: "gpu", vmSize: "Standard_NC8as_T4_v3", gpu: true, max: 6 },
        ],
      });
      const p = { provider: c.provider };
      const rs = [
        ...c.all,
        deployment("llm", gpuPodSpec(), p),
        scaledObject("llm", "llm", { maxReplicaCount: 4 }, p),
        scaledJob("renderer", gpuPodSpec(), { maxReplicaCount: 4 }, p),
      ];
      const [v] = await check(gpuCapacity, rs);
      assert.match(
        v.message,
        /llm .*renderer .* can only use GPU pool\(s\) gpu \(6 nodes × 1 GPU = 6\) and can demand 8 GPUs, more than the 6/,
      );
    });
    describe("reports every failing check in one run", () => {
      // prod-aks: transcriber on spot, llm and renderer on demand only (they do not tolerate the spot taint).
      const prodAks = (llmMax: number) => {
        const c = aks({
          name: "prod-aks",
          stack: "prod",
          pools: [
            { name: "gpuspot", vmSize: "Standard_NC8as_T4_v3", spot: true, gpu: true, max: 10 },
            { name: "gpu", vmSize: "Standard_NC8as_T4_v3", gpu: true, max: 8 },
          ],
        });
        const p = { provider: c.provider, stack: "prod" };
        return [
          ...c.all,
          deployment("transcriber", gpuPodSpec({ spot: true }), p),
          scaledObject("transcriber", "transcriber", { maxReplicaCount: 8 }, p),
          deployment("llm", gpuPodSpec(), p),
          scaledObject("llm", "llm", { maxReplicaCount: llmMax }, p),
          scaledJob("renderer", gpuPodSpec(), { maxReplicaCount: 4 }, p),
        ];
      };
      it("reports the cluster total and the on-demand pool at once", async () => {
        const vs = await check(gpuCapacity, prodAks(12), { stack: "prod" });
        assert.strictEqual(vs.length, 2, text(vs));
        assert.match(
          vs[0].message,
          /cluster prod-aks: GPU workers transcriber .*, llm \(max 12 \[ScaledObject max\] × 1 GPU = 12\), renderer .* can demand 24 GPUs, but its GPU pools gpuspot \(10 nodes × 1 GPU = 10\), gpu \(8 nodes × 1 GPU = 8\) hold 18/,
        );
        assert.match(
          vs[1].message,
          /cluster prod-aks: GPU workers llm \(max 12 .*\), renderer \(max 4 .*\) can only use GPU pool\(s\) gpu \(8 nodes × 1 GPU = 8\) and can demand 16 GPUs, more than the 8/,
        );
        assert.ok(
          vs.every((v) => /Lower workers\[\]\.replicas\.max .* raise the max of the GPU pools/.test(v.remediation!)),
        );
      });
      it("still reports the on-demand pool once the total fits, and nothing at the shipped max", async () => {
        const vs = await check(gpuCapacity, prodAks(6), { stack: "prod" });
        assert.strictEqual(vs.length, 1, text(vs));
        assert.match(
          vs[0].message,
          /llm .*renderer .* can only use GPU pool\(s\) gpu \(8 nodes × 1 GPU = 8\) and can demand 10 GPUs, more than the 8/,
        );
        assert.deepStrictEqual(await check(gpuCapacity, prodAks(4), { stack: "prod" }), []);
      });
      // a100 (2) only for "big" (it selects it); gpu (4) on demand for anything; gpuspot (10).
      const threePools = (llmMax: number) => {
        const c = aks({
          pools: [
            { name: "a100", vmSize: "Standard_NC24ads_A100_v4", gpu: true, max: 2 },
            { name: "gpu", vmSize: "Standard_NC8as_T4_v3", gpu: true, max: 4 },
            { name: "gpuspot", vmSize: "Standard_NC8as_T4_v3", spot: true, gpu: true, max: 10 },
          ],
        });
        const p = { provider: c.provider };
        const onA100 = gpuPodSpec({
          extra: { nodeSelector: { "worker-platform/gpu": "true", "worker-platform/pool": "a100" } },
        });
        return [
          ...c.all,
          deployment("big", onA100, p),
          scaledObject("big", "big", { maxReplicaCount: 4 }, p),
          deployment("llm", gpuPodSpec(), p),
          scaledObject("llm", "llm", { maxReplicaCount: llmMax }, p),
        ];
      };
      it("still checks the pools it can size when another GPU pool cannot be sized", async () => {
        const ng = (name: string, instanceTypes: string[], spot: boolean) => ({
          nodeGroupName: name,
          capacityType: spot ? "SPOT" : "ON_DEMAND",
          instanceTypes,
          scalingConfig: { minSize: 0, maxSize: 2, desiredSize: 0 },
          labels: { "worker-platform/gpu": "true" },
          taints: [
            { key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" },
            ...(spot ? [{ key: "worker-platform/capacity", value: "spot", effect: "NO_SCHEDULE" }] : []),
          ],
        });
        const e = eks({ nodeGroups: [ng("gpu", ["g5.xlarge"], false), ng("gpuspot", ["x9.unknown"], true)] });
        const p = { provider: e.provider, stack: "prod" };
        const vs = await check(
          gpuCapacity,
          [...e.all, deployment("w", gpuPodSpec(), p), scaledObject("w", "w", { maxReplicaCount: 3 }, p)],
          { stack: "prod" },
        );
        assert.strictEqual(vs.length, 2, text(vs));
        assert.match(vs[0].message, /cannot size GPU pool\(s\) gpuspot/);
        assert.match(
          vs[1].message,
          /GPU workers w .* can only use GPU pool\(s\) gpu \(2 nodes × 1 GPU = 2\) and can demand 3 GPUs/,
        );
      });
      it("does not repeat a pool group's overflow for every larger group that contains it", async () => {
        const vs = await check(gpuCapacity, threePools(4)); // {a100, gpu} overflows only by big's overflow of a100
        assert.strictEqual(vs.length, 1, text(vs));
        assert.match(
          vs[0].message,
          /GPU workers big .* can only use GPU pool\(s\) a100 \(2 nodes × 1 GPU = 2\) and can demand 4 GPUs/,
        );
      });
      it("reports a larger group that overflows on its own as well", async () => {
        const vs = await check(gpuCapacity, threePools(6)); // llm alone needs 6 of gpu's 4
        assert.strictEqual(vs.length, 2, text(vs));
        assert.match(
          vs[0].message,
          /GPU workers big .* can only use GPU pool\(s\) a100 \(2 nodes × 1 GPU = 2\) and can demand 4 GPUs/,
        );
        assert.match(
          vs[1].message,
          /GPU workers big .*, llm .* can only use GPU pool\(s\) a100 \(2 nodes × 1 GPU = 2\), gpu \(4 nodes × 1 GPU = 4\) and can demand 10 GPUs, more than the 6/,
        );
      });
    });
    it("counts EKS node groups by instance type when the gpu-count label is absent", async () => {
      const e = eks({
        nodeGroups: [
          {
            nodeGroupName: "gpu",
            capacityType: "ON_DEMAND",
            instanceTypes: ["g5.12xlarge"],
            scalingConfig: { minSize: 0, maxSize: 1, desiredSize: 0 },
            labels: { "worker-platform/gpu": "true" },
            taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" }],
          },
        ],
      });
      const p = { provider: e.provider, stack: "prod" };
      const ok = [...e.all, deployment("w", gpuPodSpec(), p), scaledObject("w", "w", { maxReplicaCount: 4 }, p)];
      assert.deepStrictEqual(await check(gpuCapacity, ok, { stack: "prod" }), []);
      const over = [...e.all, deployment("w", gpuPodSpec(), p), scaledObject("w", "w", { maxReplicaCount: 5 }, p)];
      assert.match(
        (await check(gpuCapacity, over, { stack: "prod" }))[0].message,
        /can demand 5 GPUs, but its GPU pools gpu \(1 nodes × 4 GPU = 4\) hold 4/,
      );
    });
  });
});
