import * as assert from "node:assert/strict";
import { configProblems } from "./helpers/config.ts";

/**
 * stacks/schema/checks/fit.ts: every worker, service, in-cluster queue and headroom placeholder fits a node of every
 * pool it may land on (placement: stacks/placement.ts), and no limit is below its request. Each case is checked both
 * ways: the config that breaks the rule, and the nearest one that passes.
 */

type Obj = Record<string, unknown>;

const eksSystem = { name: "system", role: "system", machineTypes: ["m6i.xlarge"], min: 2, max: 4 };
const aksSystem = { name: "system", role: "system", machineTypes: ["Standard_D4s_v5"], min: 1, max: 3 };
const a10g = { count: 1, type: "nvidia-a10g" };

function eks(pools: Obj[], extra: Obj = {}): Obj {
  return { name: "prod-eks", cloud: "aws", region: "eu-west-1", kubernetesVersion: "1.34", pools, ...extra };
}
function aks(pools: Obj[], extra: Obj = {}): Obj {
  return { name: "prod-aks", cloud: "azure", region: "westeurope", kubernetesVersion: "1.34", pools, ...extra };
}

const renderer = (over: Obj = {}): Obj => ({
  name: "renderer",
  mode: "job",
  image: "ghcr.io/acme/renderer:5.0.1",
  trigger: { type: "rabbitmq", queue: "jobs-rabbit", queueName: "renders", targetPerReplica: 1 },
  gpu: { count: 1 },
  resources: { requests: { cpu: "4", memory: "16Gi" }, limits: { memory: "16Gi" } },
  replicas: { min: 0, max: 4 },
  maxJobDurationSeconds: 7200,
  ...over,
});

function stack(clusters: Obj[], over: Obj = {}): Obj {
  return {
    platform: { environment: "test" },
    clusters,
    queues: [
      {
        name: "jobs-rabbit",
        kind: "rabbitmq",
        mode: "external",
        host: "mq.example.com",
        passwordSecret: { secret: "mq", key: "password" },
      },
    ],
    secrets: [{ name: "mq", data: { username: { generate: {} }, password: { generate: {} } } }],
    ...over,
  };
}

describe("config: every pod fits a node of every pool it may land on", () => {
  it("prod-eks' renderer (4 CPU, 16Gi, 1 GPU) on g5.xlarge: rejected naming the worker, pool, machine type, request and allocatable; on g5.2xlarge it fits", () => {
    const on = (type: string) =>
      configProblems(
        stack([eks([eksSystem, { name: "gpu", machineTypes: [type], gpu: a10g, min: 0, max: 4 }])], {
          workers: [renderer()],
        }),
      );
    const found = on("g5.xlarge");
    assert.equal(found.length, 1, found.join("\n"));
    assert.equal(
      found[0],
      "workers[0].resources.requests: worker renderer requests cpu 4, memory 16Gi, 1 GPU per pod, more than a node has for it: " +
        "pool gpu of cluster prod-eks (g5.xlarge, clusters[0].pools[1]) has 3630m CPU, 13898Mi memory, 1 GPU per node for it " +
        "(allocatable 3920m CPU, 14162Mi memory, 1 GPU less the DaemonSets kube-proxy, aws-node, ebs-csi-node, nvidia-device-plugin, dcgm-exporter): " +
        "short of CPU by 370m, memory by 2486Mi; it fits none of the pools it may use there, so it would stay Pending and the cluster autoscaler would never add a node for it. " +
        'Give the pool a larger machine type, or lower workers[0].resources.requests (docs/clusters.md, "What fits a node")',
    );
    assert.deepEqual(on("g5.2xlarge"), []);
  });

  it("a spot worker that fits the on-demand pool but not the spot one: rejected naming only the spot pool, and where it still runs", () => {
    const pools = (spotType: string) => [
      eksSystem,
      { name: "gpuspot", machineTypes: [spotType], gpu: a10g, spot: true, min: 0, max: 4 },
      { name: "gpu", machineTypes: ["g5.2xlarge"], gpu: a10g, min: 0, max: 4 },
    ];
    const found = configProblems(stack([eks(pools("g5.xlarge"))], { workers: [renderer({ spot: true })] }));
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /^workers\[0\]\.resources\.requests: .*pool gpuspot of cluster prod-eks \(g5\.xlarge/);
    assert.doesNotMatch(found[0], /pool gpu of/);
    assert.match(
      found[0],
      /it would never run there \(it runs only on gpu\) and the cluster autoscaler would never scale that pool for it/,
    );
    // Without spot it may only use gpu, which fits; with a spot pool of the same size it fits both.
    assert.deepEqual(configProblems(stack([eks(pools("g5.xlarge"))], { workers: [renderer()] })), []);
    assert.deepEqual(configProblems(stack([eks(pools("g5.2xlarge"))], { workers: [renderer({ spot: true })] })), []);
  });

  it("a service on CPU pools; the AKS network policy's agents count (azure-npm and kube-proxy take more than Cilium)", () => {
    const api = (cpu: string): Obj => ({
      name: "api",
      image: "ghcr.io/acme/api:3.1.0",
      port: 8080,
      resources: { requests: { cpu, memory: "1Gi" }, limits: { memory: "1Gi" } },
      replicas: { min: 2, max: 4 },
    });
    const cluster = (networkPolicy: string) =>
      aks([aksSystem, { name: "cpu", machineTypes: ["Standard_D4s_v5"], min: 1, max: 3 }], {
        azure: { networkPolicy },
      });
    // Standard_D4s_v5: 3860m allocatable; Cilium's agents leave 3510m, azure-npm + kube-proxy 3260m.
    assert.deepEqual(configProblems(stack([cluster("cilium")], { services: [api("3400m")] })), []);
    const found = configProblems(stack([cluster("azure")], { services: [api("3400m")] }));
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /^services\[0\]\.resources\.requests: service api requests cpu 3400m, memory 1Gi per pod/);
    assert.match(
      found[0],
      /pool cpu of cluster prod-aks \(Standard_D4s_v5, clusters\[0\]\.pools\[1\]\) has 3260m CPU, 10189Mi memory per node/,
    );
    assert.match(found[0], /azure-npm, kube-proxy\): short of CPU by 140m;/);
  });

  it("a GPU worker that falls back to CPU is checked on the CPU pools, without its GPUs", () => {
    const cluster = aks([aksSystem, { name: "cpu", machineTypes: ["Standard_D4s_v5"], min: 1, max: 3 }]);
    const llm = (memory: string) =>
      renderer({
        mode: "deployment",
        maxJobDurationSeconds: 300,
        gpu: { count: 1, fallbackToCpu: true },
        resources: { requests: { cpu: "3", memory }, limits: { memory } },
      });
    assert.deepEqual(configProblems(stack([cluster], { workers: [llm("10Gi")] })), []);
    const found = configProblems(stack([cluster], { workers: [llm("11Gi")] }));
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /worker renderer requests cpu 3, memory 11Gi per pod, .*short of memory by 875Mi/);
  });

  it("the add-ons' GPU DaemonSets count with the requests the chart gets: a stack's values override them, a disabled add-on frees them", () => {
    const cluster = eks([eksSystem, { name: "gpu", machineTypes: ["g5.xlarge"], gpu: a10g, min: 0, max: 4 }]);
    const fits = renderer({ resources: { requests: { cpu: "3500m", memory: "12Gi" }, limits: { memory: "12Gi" } } });
    assert.deepEqual(configProblems(stack([cluster], { workers: [fits] })), []);
    const heavy = { dcgmExporter: { values: { resources: { requests: { cpu: "500m" } } } } };
    const found = configProblems(stack([cluster], { workers: [fits], addons: heavy }));
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /has 3230m CPU, 13898Mi memory, 1 GPU per node.*short of CPU by 270m/);
    // The device plugin and DCGM exporter off: 110m more, so 3740m is left (what a CPU node of the type leaves).
    const bigger = renderer({ resources: { requests: { cpu: "3700m", memory: "12Gi" }, limits: { memory: "12Gi" } } });
    const off = { nvidiaDevicePlugin: { enabled: false }, dcgmExporter: { enabled: false } };
    assert.equal(configProblems(stack([cluster], { workers: [bigger] })).length, 1);
    assert.deepEqual(configProblems(stack([cluster], { workers: [bigger], addons: off })), []);
  });

  it("in-cluster queues and headroom placeholders are checked on an existing cluster's declared allocatable; without it nothing is", () => {
    const existing = (pools: Obj[]) => ({ name: "kind", cloud: "existing", existing: { context: "kind-x" }, pools });
    const cpuPool = (allocatable?: Obj) => ({
      name: "cpu",
      machineTypes: ["kind"],
      min: 1,
      max: 1,
      ...(allocatable ? { allocatable } : {}),
    });
    const gpuPool = (allocatable?: Obj) => ({
      name: "gpu",
      machineTypes: ["kind"],
      gpu: { count: 1, type: "t4" },
      labels: { "nvidia.com/gpu.present": "true" },
      min: 1,
      max: 1,
      headroomGpus: 1,
      ...(allocatable ? { allocatable } : {}),
    });
    const inCluster = { queues: [{ name: "q", kind: "rabbitmq" }], secrets: [] };
    // rabbitmq asks 250m/512Mi; the GPU pool's DaemonSets (device plugin, DCGM exporter) take 110m/160Mi.
    const found = configProblems(
      stack([existing([cpuPool({ cpu: "200m", memory: "1Gi" }), gpuPool({ cpu: "100m", memory: "1Gi" })])], inCluster),
    );
    assert.deepEqual(
      found.map((p) => p.split(":")[0]).sort(),
      ["clusters[0].pools[1].headroomGpus", "queues[0]"],
      found.join("\n"),
    );
    assert.match(
      found.find((p) => p.startsWith("queues[0]"))!,
      /in-cluster queue q requests cpu 250m, memory 512Mi per pod, .*pool cpu of cluster kind \(declared allocatable, .*has 200m CPU, 1024Mi memory per node/,
    );
    assert.match(
      found.find((p) => p.startsWith("clusters"))!,
      /warm GPU headroom placeholder of pool gpu requests cpu 10m, memory 16Mi, 1 GPU per pod, .*has -10m CPU, 864Mi memory, 1 GPU per node for it \(allocatable 100m CPU, 1024Mi memory, 1 GPU less the DaemonSets nvidia-device-plugin, dcgm-exporter\)/,
    );
    assert.deepEqual(
      configProblems(
        stack([existing([cpuPool({ cpu: "2", memory: "4Gi" }), gpuPool({ cpu: "2", memory: "4Gi" })])], inCluster),
      ),
      [],
    );
    assert.deepEqual(
      configProblems(stack([existing([cpuPool(), gpuPool()])], inCluster)),
      [],
      "nothing declared: not checked",
    );
  });

  it("a limit below its request (memory or CPU) is rejected; equal is fine", () => {
    const w = (requests: Obj, limits: Obj) =>
      renderer({ gpu: undefined, mode: "deployment", maxJobDurationSeconds: 300, resources: { requests, limits } });
    const cluster = eks([eksSystem, { name: "cpu", machineTypes: ["m6i.2xlarge"], min: 1, max: 3 }]);
    assert.deepEqual(
      configProblems(stack([cluster], { workers: [w({ cpu: "1", memory: "2Gi" }, { memory: "1Gi" })] })),
      [
        'workers[0].resources.limits.memory: must be >= the memory request (2Gi): Kubernetes rejects a pod whose limit is below its request; raise the limit or lower resources.requests.memory, got "1Gi"',
      ],
    );
    assert.deepEqual(
      configProblems(stack([cluster], { workers: [w({ cpu: "1", memory: "1Gi" }, { cpu: "500m", memory: "1Gi" })] })),
      [
        'workers[0].resources.limits.cpu: must be >= the cpu request (1): Kubernetes rejects a pod whose limit is below its request; raise the limit or lower resources.requests.cpu, got "500m"',
      ],
    );
    assert.deepEqual(
      configProblems(
        stack([cluster], { workers: [w({ cpu: "1", memory: "1024Mi" }, { cpu: "1000m", memory: "1Gi" })] }),
      ),
      [],
    );
  });

  it("pods of another cluster are not checked against this one's pools (workers[].clusters)", () => {
    const small = eks([eksSystem, { name: "gpu", machineTypes: ["g5.xlarge"], gpu: a10g, min: 0, max: 4 }]);
    const big = aks([
      aksSystem,
      { name: "gpu", machineTypes: ["Standard_NC8as_T4_v3"], gpu: { count: 1, type: "t4" }, min: 0, max: 4 },
    ]);
    assert.deepEqual(configProblems(stack([small, big], { workers: [renderer({ clusters: ["prod-aks"] })] })), []);
    assert.equal(configProblems(stack([small, big], { workers: [renderer()] })).length, 1);
  });
});
