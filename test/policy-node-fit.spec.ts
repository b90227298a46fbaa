import * as assert from "node:assert/strict";
import * as path from "path";
import { podFitsNode, podRequests } from "../policy/rules/node-fit.ts";
import type { RecordedResource } from "../tools/harness.ts";
import { planStack } from "../tools/plan-stack.ts";
import { evaluatePolicies } from "../tools/run-policies.ts";
import {
  GPU_TOLERATION,
  aks,
  chart,
  check,
  cliChart,
  deployment,
  eks,
  podSpec,
  rendered,
  res,
  scaledJob,
  securedContainer,
} from "./helpers/policy.ts";

const root = path.resolve(import.meta.dirname, "..");

/** An EKS cluster with one on-demand GPU node group of `instanceTypes`, the device plugin and DCGM exporter charts. */
function eksGpu(instanceTypes: string[], chartValues: Record<string, unknown> = {}) {
  const c = eks({
    nodeGroups: [
      {
        nodeGroupName: "gpu",
        capacityType: "ON_DEMAND",
        instanceTypes,
        scalingConfig: { minSize: 0, maxSize: 4, desiredSize: 0 },
        labels: { "worker-platform/pool": "gpu", "worker-platform/gpu": "true", "worker-platform/gpu-count": "1" },
        taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" }],
      },
    ],
  });
  const charts = [
    chart("prod-eks-nvidia-device-plugin", "nvidia-device-plugin", {}, { stack: "prod", provider: c.provider }),
    chart("prod-eks-dcgm-exporter", "dcgm-exporter", chartValues, { stack: "prod", provider: c.provider }),
  ];
  return { ...c, charts, all: [...c.all, ...charts] };
}

/** A renderer-like ScaledJob: 4 CPU, 16Gi, 1 GPU, on the GPU pool. */
function renderer(provider: RecordedResource, cpu = "4", memory = "16Gi") {
  const container = securedContainer("renderer", {
    resources: { requests: { cpu, memory }, limits: { memory, "nvidia.com/gpu": 1 } },
  });
  const spec = podSpec({ nodeSelector: { "worker-platform/pool": "gpu" }, tolerations: [GPU_TOLERATION] }, container);
  return scaledJob("renderer", spec, {}, { stack: "prod", provider });
}

const run = (resources: RecordedResource[]) => check(podFitsNode, resources, { stack: "prod" });

describe("policy: pod-fits-node", () => {
  it("a pod that fits no node of its only pool (renderer on g5.xlarge) is a violation naming the pool, machine type, request and room; on g5.2xlarge it passes", async () => {
    const small = eksGpu(["g5.xlarge"]);
    const found = await run([...small.all, renderer(small.provider)]);
    assert.equal(found.length, 1, JSON.stringify(found, null, 2));
    assert.equal(found[0].enforcementLevel, "mandatory");
    assert.equal(
      found[0].message,
      "ScaledJob wp-workloads/renderer requests 4000m CPU, 16384Mi memory, 1 GPU per pod, more than a node has for it: " +
        "pool gpu of cluster prod-eks (g5.xlarge) has 3630m CPU, 13898Mi memory, 1 GPU per node for it " +
        "(allocatable 3920m CPU, 14162Mi memory, 1 GPU less the DaemonSets kube-proxy, aws-node, ebs-csi-node, nvidia-device-plugin, dcgm-exporter): " +
        "short of CPU by 370m, memory by 2486Mi; it fits none of the pools it may land on: it stays Pending and the cluster autoscaler never adds a node for it.",
    );
    const big = eksGpu(["g5.2xlarge"]);
    assert.deepEqual(await run([...big.all, renderer(big.provider)]), []);
  });

  it("the DaemonSets' requests come from the chart values offline and from the rendered DaemonSet under the CLI", async () => {
    // 3500m fits g5.xlarge with the default DCGM exporter (3630m left) ...
    const plain = eksGpu(["g5.xlarge"]);
    assert.deepEqual(await run([...plain.all, renderer(plain.provider, "3500m", "12Gi")]), []);
    // ... not when the chart's values ask 500m for it (offline: values),
    const heavy = eksGpu(["g5.xlarge"], { resources: { requests: { cpu: "500m", memory: "128Mi" } } });
    const offline = await run([...heavy.all, renderer(heavy.provider, "3500m", "12Gi")]);
    assert.equal(offline.length, 1, JSON.stringify(offline));
    assert.match(offline[0].message, /has 3230m CPU.*short of CPU by 270m/);
    // ... nor when the chart's rendered DaemonSet (a CLI child) asks for it, on GPU nodes only.
    const cli = eks({
      nodeGroups: [
        {
          nodeGroupName: "gpu",
          capacityType: "ON_DEMAND",
          instanceTypes: ["g5.xlarge"],
          scalingConfig: { minSize: 0, maxSize: 4, desiredSize: 0 },
          labels: { "worker-platform/pool": "gpu", "worker-platform/gpu": "true" },
          taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" }],
        },
      ],
    });
    const dcgm = cliChart("prod-eks-dcgm-exporter", { stack: "prod", provider: cli.provider });
    const ds = (nodeSelector: Record<string, string>) =>
      withPlacement(
        rendered(
          "DaemonSet",
          "dcgm-exporter",
          {
            image: "nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3",
            resources: { requests: { cpu: "500m", memory: "128Mi" } },
          },
          { stack: "prod", parent: dcgm, provider: cli.provider },
        ),
        nodeSelector,
      );
    const onGpu = await run([
      ...cli.all,
      dcgm,
      ds({ "worker-platform/gpu": "true" }),
      renderer(cli.provider, "3500m", "12Gi"),
    ]);
    assert.equal(onGpu.length, 1, JSON.stringify(onGpu));
    assert.match(
      onGpu[0].message,
      /less the DaemonSets kube-proxy, aws-node, ebs-csi-node, dcgm-exporter\): short of CPU by 260m/,
    );
    const elsewhere = await run([
      ...cli.all,
      dcgm,
      ds({ "worker-platform/gpu": "false" }),
      renderer(cli.provider, "3500m", "12Gi"),
    ]);
    assert.deepEqual(elsewhere, [], "a DaemonSet that cannot land on the pool does not count");
  });

  it("a spot-tolerating pod that fits one pool but not the other: the misfit pool is named, with where it still runs (AKS)", async () => {
    const c = aks({
      pools: [
        { name: "cpuspot", vmSize: "Standard_D4s_v5", spot: true },
        { name: "cpu", vmSize: "Standard_D8s_v5" },
      ],
    });
    const spec = (cpu: string) =>
      podSpec(
        {
          tolerations: [
            { key: "kubernetes.azure.com/scalesetpriority", operator: "Equal", value: "spot", effect: "NoSchedule" },
          ],
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: "worker-platform/pool", operator: "In", values: ["cpuspot"] }] },
                  { matchExpressions: [{ key: "worker-platform/pool", operator: "In", values: ["cpu"] }] },
                ],
              },
            },
          },
        },
        securedContainer("embedder", { resources: { requests: { cpu, memory: "1Gi" }, limits: { memory: "1Gi" } } }),
      );
    const found = await check(podFitsNode, [...c.all, deployment("embedder", spec("4"), { provider: c.provider })]);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.match(found[0].message, /pool cpuspot of cluster dev-aks \(Standard_D4s_v5\) has 3510m CPU/);
    assert.doesNotMatch(found[0].message, /pool cpu of/);
    assert.match(found[0].message, /it never runs there \(only on cpu\)/);
    assert.deepEqual(
      await check(podFitsNode, [...c.all, deployment("embedder", spec("3"), { provider: c.provider })]),
      [],
    );
  });

  it("a limit below its request is a violation; equal is not", async () => {
    const c = aks();
    const spec = (limit: string) =>
      podSpec(
        {},
        securedContainer("w", { resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: limit } } }),
      );
    const found = await check(podFitsNode, [...c.all, deployment("w", spec("1Gi"), { provider: c.provider })]);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.match(
      found[0].message,
      /Deployment wp-workloads\/w, container 'w': memory limit 1Gi is below its request 2Gi/,
    );
    assert.deepEqual(await check(podFitsNode, [...c.all, deployment("w", spec("2Gi"), { provider: c.provider })]), []);
  });

  it("not judged: a machine type the pack does not know, an existing cluster, a waived object", async () => {
    const unknown = eksGpu(["g9.mystery"]);
    assert.deepEqual(await run([...unknown.all, renderer(unknown.provider, "64")]), []);
    // Control: the same huge pod on a known type is reported.
    const known = eksGpu(["g5.xlarge"]);
    assert.equal((await run([...known.all, renderer(known.provider, "64")])).length, 1);
    // An existing cluster: reached through its provider only, its nodes are not resources of the stack.
    const kind = res("pulumi:providers:kubernetes", "kind", { context: "kind-x" }, { stack: "prod" });
    assert.deepEqual(await run([kind, renderer(kind, "64")]), []);
    const waived = renderer(known.provider, "64");
    (waived.inputs as { metadata: Record<string, unknown> }).metadata.annotations = {
      "policy.worker-platform/waive": "pod-fits-node",
    };
    assert.deepEqual(await run([...known.all, waived]), []);
  });

  it("counts a pod the way the scheduler does: the containers' sum, or the largest init container; a missing request is its limit", () => {
    const spec = {
      containers: [
        { resources: { requests: { cpu: "500m", memory: "1Gi" } } },
        { resources: { limits: { cpu: "1", memory: "512Mi" } } },
      ],
      initContainers: [{ resources: { requests: { cpu: "2", memory: "256Mi" } } }],
    };
    assert.deepEqual(podRequests(spec, 1), { cpuMilli: 2000, memoryMiB: 1536, gpus: 1 });
  });

  it("on the prod plan with its on-demand GPU node group edited back to g5.xlarge (as another program might deploy it): renderer reported", async function () {
    this.timeout(120_000);
    const plan = await planStack("prod", { dir: root });
    assert.deepEqual(await evaluatePolicies(plan.resources, { stack: "prod", policies: [podFitsNode] }), []);
    const edited = plan.resources.map((r) =>
      r.type === "aws:eks/nodeGroup:NodeGroup" && r.name === "prod-eks-gpu"
        ? {
            ...r,
            inputs: { ...r.inputs, instanceTypes: ["g5.xlarge"] },
            plainInputs: { ...r.plainInputs, instanceTypes: ["g5.xlarge"] },
          }
        : r,
    );
    const found = await evaluatePolicies(edited, { stack: "prod", policies: [podFitsNode] });
    assert.deepEqual(
      found.map((v) => v.resourceName),
      ["prod-eks-renderer"],
      JSON.stringify(found, null, 2),
    );
    assert.match(
      found[0].message,
      /pool gpu of cluster prod-eks \(g5\.xlarge\) has 3630m CPU, 13898Mi memory, 1 GPU per node/,
    );
  });
});

/** A rendered DaemonSet with a nodeSelector on its pod template. */
function withPlacement(r: RecordedResource, nodeSelector: Record<string, string>): RecordedResource {
  const spec = (r.inputs as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
  spec.nodeSelector = nodeSelector;
  spec.tolerations = [{ operator: "Exists" }];
  return r;
}
