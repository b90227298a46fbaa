import * as assert from "node:assert/strict";
import { agentPoolSpec } from "../components/cluster/aks.ts";
import { eksNodeLabels } from "../components/cluster/eks.ts";
import { nodeTemplateTags } from "../components/cluster/eks-autoscaling.ts";
import type { ClusterHandle } from "../components/cluster/handle.ts";
import { workloadPlacement } from "../components/workloads/scheduling.ts";
import { GPU_RESOURCES, gpuDevicesPerNode } from "../stacks/accelerators.ts";
import type { ClusterConfig, StackConfig } from "../stacks/schema/index.ts";
import { stackConfig } from "../stacks/schema/index.ts";
import { poolNodes } from "../stacks/schema/checks/fit.ts";
import { poolCapacity } from "../simulator/from-config.ts";
import { runUnderMocks } from "../tools/harness.ts";
import { runAddons } from "./helpers/addons.ts";
import { handleFromConfig } from "./helpers/clusters.ts";
import { aks, chart, check, deployment, podSpec, scaledObject, securedContainer } from "./helpers/policy.ts";
import { gpuCapacity, gpuPlacement } from "../policy/rules/scheduling-gpu.ts";
import { gpuPoolsBounded } from "../policy/rules/node-pools.ts";
import { configProblems } from "./helpers/config.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

const RES = { requests: { cpu: "1", memory: "4Gi" }, limits: { memory: "4Gi" } };
const system = (machineTypes: string[]) => ({ name: "system", role: "system", machineTypes, min: 1, max: 3 });

/** A mixed AKS cluster: T4 (time-sliced ×4), A100 80GB (MIG 1g.10gb), MI300X (AMD) and CPU pools. */
function mixedAks(pools: Obj[] = []): Obj {
  return {
    name: "c1",
    cloud: "azure",
    region: "westeurope",
    kubernetesVersion: "1.34",
    pools: [
      system(["Standard_D4s_v5"]),
      {
        name: "nvshared",
        machineTypes: ["Standard_NC8as_T4_v3"],
        gpu: { count: 1, type: "nvidia-tesla-t4" },
        gpuSharing: { timeSlicing: { replicas: 4 } },
        min: 0,
        max: 2,
      },
      {
        name: "nvmig",
        machineTypes: ["Standard_NC24ads_A100_v4"],
        gpu: { count: 1, type: "nvidia-a100" },
        gpuSharing: { mig: { profile: "1g.10gb" } },
        min: 0,
        max: 1,
      },
      {
        name: "amd",
        machineTypes: ["Standard_ND96isr_MI300X_v5"],
        gpu: { count: 8, type: "amd-mi300x" },
        min: 0,
        max: 1,
      },
      { name: "cpu", machineTypes: ["Standard_D8s_v5"], min: 1, max: 3 },
      ...pools,
    ],
  };
}

/** An EKS cluster with an AMD g4ad pool and an NVIDIA g5 pool. */
function mixedEks(over: Obj = {}): Obj {
  return {
    name: "e1",
    cloud: "aws",
    region: "eu-west-1",
    kubernetesVersion: "1.34",
    pools: [
      system(["m6i.xlarge"]),
      { name: "amd", machineTypes: ["g4ad.2xlarge"], gpu: { count: 1, type: "amd-radeon-pro-v520" }, min: 0, max: 4 },
      { name: "nv", machineTypes: ["g5.2xlarge"], gpu: { count: 1, type: "nvidia-a10g" }, min: 0, max: 4, ...over },
      { name: "cpu", machineTypes: ["m6i.2xlarge"], min: 1, max: 3 },
    ],
  };
}

const gpuWorker = (gpu: Obj, over: Obj = {}) => ({
  name: "w",
  image: "ghcr.io/acme/w:1.0.0",
  triggers: [{ type: "prometheus", serverAddress: "http://prom:9090", query: "sum(x)", threshold: 1 }],
  resources: RES,
  replicas: { min: 0, max: 2 },
  gpu,
  ...over,
});

const stack = (clusters: Obj[], workers: Obj[] = []) => ({ platform: { environment: "test" }, clusters, workers });
const parse = (raw: Obj): StackConfig => stackConfig.parse(raw);

function handles(cfg: StackConfig): Promise<ClusterHandle[]> {
  let out: ClusterHandle[] = [];
  return runUnderMocks(() => {
    out = cfg.clusters.map((c) => handleFromConfig(c));
  }).then(() => out);
}

describe("accelerators: vendors, placement and capacity", () => {
  it("pools take their vendor from the machine type; a declared vendor that disagrees is refused", () => {
    const cfg = parse(stack([mixedAks(), mixedEks()]));
    const vendors = cfg.clusters.map((c) => c.pools.map((p) => `${p.name}:${p.gpu ? (p.gpu.vendor ?? "-") : ""}`));
    assert.deepEqual(vendors[0], ["system:", "nvshared:-", "nvmig:-", "amd:-", "cpu:"], "vendor stays optional");
    const problems = configProblems(stack([mixedEks({ gpu: { count: 1, type: "nvidia-a10g", vendor: "amd" } })]));
    assert.deepEqual(problems, [
      'clusters[0].pools[2].gpu.vendor: g5.2xlarge has nvidia GPUs (stacks/machine-types.ts); set vendor: nvidia or remove it, got "amd"',
    ]);
  });

  it("an AMD worker lands on AMD pools only: amd.com/gpu, the AMD taint tolerated, never the NVIDIA one", async () => {
    const cfg = parse(stack([mixedAks(), mixedEks()], [gpuWorker({ count: 1, vendor: "amd" })]));
    for (const cluster of await handles(cfg)) {
      const pl = workloadPlacement(cluster, { gpu: cfg.workers[0].gpu, spot: false });
      assert.deepEqual(
        pl.pools.map((p) => p.name),
        ["amd"],
        cluster.name,
      );
      assert.equal(pl.gpuResource, "amd.com/gpu");
      assert.equal(pl.gpus, 1);
      assert.deepEqual(
        pl.tolerations.map((t) => t.key),
        ["amd.com/gpu"],
      );
      const terms = (pl.affinity as Obj).nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
      assert.ok(JSON.stringify(terms).includes('"worker-platform/pool"'), "pinned to the AMD pool");
      assert.ok(!JSON.stringify(terms).includes("nv"), "no NVIDIA pool in its affinity");
    }
  });

  it("an NVIDIA worker never lands on the AMD pool; a 2-GPU pod skips the time-sliced pool", async () => {
    const cfg = parse(stack([mixedAks()]));
    const [aks] = await handles(cfg);
    const one = workloadPlacement(aks, { gpu: { count: 1, vendor: "nvidia", fallbackToCpu: false }, spot: false });
    assert.deepEqual(
      one.pools.map((p) => p.name),
      ["nvshared", "nvmig"],
    );
    assert.equal(one.gpuResource, "nvidia.com/gpu");
    assert.ok(!one.tolerations.some((t) => t.key === "amd.com/gpu"));
    const two = workloadPlacement(aks, { gpu: { count: 2, vendor: "nvidia", fallbackToCpu: false }, spot: false });
    assert.deepEqual(
      two.pools.map((p) => p.name),
      ["nvmig"],
      "7 MIG instances per node hold 2; time-slicing gives one replica per pod",
    );
  });

  it("a pod renders the vendor's resource in requests and limits", async () => {
    const { runWorkloads } = await import("./helpers/clusters.ts");
    // The fake AKS handle has NVIDIA pools only: an AMD worker with fallbackToCpu runs on CPU, warned.
    const run = await runWorkloads(["aks"], {
      workers: [gpuWorker({ count: 1, vendor: "amd", fallbackToCpu: true })],
    });
    const dep = run.object("kubernetes:apps/v1:Deployment", "w");
    const res = (dep.plainInputs as Obj).spec.template.spec.containers[0].resources;
    assert.equal(res.limits["amd.com/gpu"], undefined);
    assert.equal(res.limits["nvidia.com/gpu"], undefined);
    assert.ok(
      run.warnings.some((w) => /no usable amd GPU pool: runs on CPU without the amd\.com\/gpu request/.test(w)),
    );
  });

  it("capacity per vendor: time-slicing ×4, MIG 7 per A100, the vendor's DaemonSets on its pools only", () => {
    const cfg = parse(stack([mixedAks()]));
    const cluster = cfg.clusters[0];
    const pool = (name: string) => cluster.pools.find((p) => p.name === name)!;
    assert.equal(gpuDevicesPerNode(pool("nvshared")), 4);
    assert.equal(gpuDevicesPerNode(pool("nvmig")), 7);
    assert.equal(gpuDevicesPerNode(pool("amd")), 8);
    const nodes = (name: string) => poolNodes(cluster, pool(name), cfg.addons)![0];
    assert.equal(nodes("nvshared").allocatable.gpus, 4);
    assert.deepEqual(
      nodes("amd")
        .daemonSets.filter((d) => /amd|nvidia|dcgm/.test(d.name))
        .map((d) => d.name),
      ["amd-device-plugin", "amd-metrics-exporter"],
    );
    assert.deepEqual(
      nodes("nvshared")
        .daemonSets.filter((d) => /amd|nvidia|dcgm/.test(d.name))
        .map((d) => d.name),
      ["nvidia-device-plugin", "dcgm-exporter"],
    );
    assert.equal(poolCapacity(cfg, cluster, pool("nvshared")).gpus, 4, "the simulator's figure");
  });

  it("EKS: amd.com/gpu in the scale-from-zero tags, no NVIDIA accelerator label or AMI on AMD pools; time-sliced ×4", async () => {
    const cfg = parse(stack([mixedEks({ gpuSharing: { timeSlicing: { replicas: 4 } } })]));
    const [eks] = await handles(cfg);
    const amd = eks.pools.find((p) => p.name === "amd")!;
    const nv = eks.pools.find((p) => p.name === "nv")!;
    const tpl = "k8s.io/cluster-autoscaler/node-template";
    const amdTags = nodeTemplateTags(amd);
    assert.equal(amdTags[`${tpl}/resources/amd.com/gpu`], "1");
    assert.equal(amdTags[`${tpl}/resources/nvidia.com/gpu`], undefined);
    assert.equal(amdTags[`${tpl}/taint/amd.com/gpu`], "present:NoSchedule");
    assert.equal(amdTags[`${tpl}/label/worker-platform/gpu-vendor`], "amd");
    assert.equal(nodeTemplateTags(nv)[`${tpl}/resources/nvidia.com/gpu`], "4");
    assert.equal(nodeTemplateTags(nv)[`${tpl}/label/nvidia.com/device-plugin.config`], "time-slicing-4");
    const amdCfg = cfg.clusters[0].pools.find((p) => p.name === "amd")!;
    assert.equal(eksNodeLabels(amdCfg)["k8s.amazonaws.com/accelerator"], undefined);
    assert.equal(amd.gpuCapacity, 4);
    assert.equal(nv.gpuCapacity, 16);
  });

  it("AKS: MIG is the pool's gpuInstanceProfile; AMD pools skip AKS's NVIDIA driver install", () => {
    const cfg = parse(stack([mixedAks()]));
    const cluster = cfg.clusters[0] as Extract<ClusterConfig, { cloud: "azure" }>;
    const spec = (name: string) =>
      agentPoolSpec(
        cluster.pools.find((p) => p.name === name)!,
        cluster,
      ) as Obj;
    assert.equal(spec("nvmig").gpuInstanceProfile, "MIG1g");
    assert.deepEqual(spec("nvmig").gpuProfile, { driver: "Install" });
    assert.deepEqual(spec("amd").gpuProfile, { driver: "None" });
    assert.equal(spec("nvshared").gpuInstanceProfile, undefined);
    assert.ok(spec("amd").nodeTaints.includes("amd.com/gpu=present:NoSchedule"));
    assert.ok(!spec("amd").nodeTaints.includes("nvidia.com/gpu=present:NoSchedule"));
    assert.equal(spec("nvshared").nodeLabels["nvidia.com/device-plugin.config"], "time-slicing-4");
    assert.equal(spec("nvmig").nodeLabels["nvidia.com/device-plugin.config"], "mig-single");
    // The autoscaler's template node at zero nodes takes these from the scale set's tags (azure_template.go).
    const tpl = "k8s.io_cluster-autoscaler_node-template_resources_";
    assert.deepEqual(spec("amd").tags, { [`${tpl}amd.com_gpu`]: "8" });
    assert.deepEqual(spec("nvshared").tags, { [`${tpl}nvidia.com_gpu`]: "4" });
    assert.deepEqual(spec("nvmig").tags, { [`${tpl}nvidia.com_gpu`]: "7" });
    assert.equal(spec("system").tags, undefined);
  });

  it("add-ons: NVIDIA plugin and DCGM on NVIDIA pools only, AMD plugin and exporter on AMD pools only, own privileged namespaces", async () => {
    const cfg = parse(stack([mixedAks()]));
    const [aks] = await handles(cfg);
    const run = await runAddons("aks", {}, { cluster: { pools: aks.pools } });
    for (const release of ["nvidia-device-plugin", "dcgm-exporter"]) {
      const v = run.values(release);
      const terms = JSON.stringify(v.affinity);
      assert.ok(terms.includes('"nvshared"') && terms.includes('"nvmig"'), release);
      assert.ok(!terms.includes('"amd"'), `${release} not on the AMD pool`);
      assert.ok(!v.tolerations.some((t: Obj) => t.key === "amd.com/gpu"), release);
    }
    const dp = run.values("amd-gpu");
    assert.equal(dp.node_selector_enabled, true);
    // The chart's default NFD key is deleted with null (Helm merges our map into the default); without it no node matches.
    assert.ok("feature.node.kubernetes.io/pci-0300_1002.present" in dp.node_selector);
    assert.deepEqual(dp.node_selector, {
      "feature.node.kubernetes.io/pci-0300_1002.present": null,
      "worker-platform/capacity": "on-demand",
      "worker-platform/gpu": "true",
      "worker-platform/gpu-count": "8",
      "worker-platform/gpu-devices": "8",
      "worker-platform/gpu-vendor": "amd",
      "worker-platform/pool": "amd",
      "worker-platform/role": "workload",
    });
    assert.deepEqual(
      dp.tolerations.map((t: Obj) => t.key),
      ["amd.com/gpu"],
    );
    const exporter = run.values("amd-metrics-exporter");
    const terms = JSON.stringify(exporter.affinity);
    assert.ok(terms.includes('"amd"') && !terms.includes('"nvshared"'));
    assert.equal(exporter.podAnnotations["prometheus.io/port"], "5000");
    const nsLevel = (name: string): unknown => {
      const ns: Obj | undefined = run.resources.find(
        (r) => r.type === "kubernetes:core/v1:Namespace" && (r.plainInputs as Obj).metadata.name === name,
      )?.plainInputs;
      return ns?.metadata.labels["pod-security.kubernetes.io/enforce"];
    };
    assert.equal(nsLevel("amd-device-plugin"), "privileged");
    assert.equal(nsLevel("amd-metrics-exporter"), "privileged");
    // Time-slicing and MIG: one plugin config per kind, picked per node by its label.
    const nv = run.values("nvidia-device-plugin");
    assert.equal(nv.config.default, "default");
    assert.deepEqual(Object.keys(nv.config.map).sort(), ["default", "mig-single", "time-slicing-4"]);
    assert.match(nv.config.map["time-slicing-4"], /replicas: 4/);
    assert.match(nv.config.map["time-slicing-4"], /failRequestsGreaterThanOne: true/);
    assert.match(nv.config.map["mig-single"], /migStrategy: single/);
  });

  it("no AMD pool: no AMD add-on; no sharing: no plugin config", async () => {
    const run = await runAddons("aks");
    assert.ok(!run.charts.has("amd-gpu"));
    assert.ok(!run.charts.has("amd-metrics-exporter"));
    assert.equal(run.values("nvidia-device-plugin").config, undefined);
    assert.equal(GPU_RESOURCES.nvidia, "nvidia.com/gpu");
  });
});

describe("accelerators: bad input is a config error naming the key", () => {
  const problems = (raw: Obj) => configProblems(raw);

  it("a vendor no pool of the cluster offers", () => {
    const nvidiaOnly = mixedEks();
    nvidiaOnly.pools = nvidiaOnly.pools.filter((p: Obj) => p.name !== "amd");
    assert.deepEqual(problems(stack([nvidiaOnly], [gpuWorker({ count: 1, vendor: "amd" })])), [
      'workers[0].gpu.vendor: cluster e1 has no amd GPU pool (its GPU pools are nvidia): the pod could never schedule; add a amd GPU pool, set gpu.vendor to nvidia if the image runs there, set gpu.fallbackToCpu: true, or list other clusters in clusters, got "amd"',
    ]);
    assert.deepEqual(
      problems(stack([nvidiaOnly], [gpuWorker({ count: 1, vendor: "amd", fallbackToCpu: true })])),
      [],
      "fallbackToCpu accepts it",
    );
  });

  it("MIG on a GPU without MIG, a profile the GPU does not have, MIG on EKS, sharing on an AMD or CPU pool", () => {
    const t4mig = { gpuSharing: { mig: { profile: "1g.10gb" } } };
    const aks = mixedAks();
    aks.pools[1] = { ...aks.pools[1], ...t4mig };
    aks.pools[2] = { ...aks.pools[2], gpuSharing: { mig: { profile: "1g.12gb" } } };
    aks.pools[3] = { ...aks.pools[3], gpuSharing: { timeSlicing: { replicas: 2 } } };
    aks.pools[4] = { ...aks.pools[4], gpuSharing: { timeSlicing: { replicas: 2 } } };
    const found = problems(stack([aks, mixedEks(t4mig)]));
    const at = (key: string) => found.find((p) => p.startsWith(`${key}:`));
    assert.match(at("clusters[0].pools[1].gpuSharing.mig")!, /Standard_NC8as_T4_v3 \(T4\) has no MIG/);
    assert.match(
      at("clusters[0].pools[2].gpuSharing.mig.profile")!,
      /not a MIG profile of the A100 80GB; use one of 1g\.10gb/,
    );
    assert.match(at("clusters[0].pools[3].gpuSharing")!, /NVIDIA device plugin features; pool amd has amd GPUs/);
    assert.match(at("clusters[0].pools[4].gpuSharing")!, /GPU sharing needs a GPU pool/);
    assert.match(at("clusters[1].pools[2].gpuSharing.mig")!, /MIG on EKS needs .* MIG manager/);
    assert.equal(found.length, 5, found.join("\n"));
  });

  it("a gpu trigger on an AMD worker; a 2-GPU pod where the vendor's only pool is time-sliced", () => {
    const amdTrigger = gpuWorker(
      { count: 1, vendor: "amd" },
      {
        triggers: [{ type: "gpu", targetUtilization: 80, serverAddress: "http://prom:9090" }],
        replicas: { min: 1, max: 2 },
      },
    );
    assert.deepEqual(
      problems(stack([mixedEks()], [amdTrigger])).map((p) => p.split(": ")[0]),
      ["workers[0].triggers[0].type"],
    );
    const sliced = mixedEks({ gpuSharing: { timeSlicing: { replicas: 4 } } });
    assert.deepEqual(problems(stack([sliced], [gpuWorker({ count: 2 })])), [
      "workers[0].gpu.count: no nvidia GPU pool of cluster e1 has 2 GPUs per node (largest: 0); time-sliced pools (gpuSharing.timeSlicing) take pods of 1 GPU only, got 2",
    ]);
  });

  it("a gpu trigger on a worker that may land on MIG pools (DCGM_FI_DEV_GPU_UTIL reads 0 there); whole-GPU pools are fine", () => {
    const trigger = { triggers: [{ type: "gpu", targetUtilization: 80 }], replicas: { min: 1, max: 2 } };
    const onMig = problems(stack([mixedAks()], [gpuWorker({ count: 1 }, trigger)]));
    assert.ok(
      onMig.some((p) =>
        /^workers\[0\]\.triggers\[0\]\.type: .*MIG pools \(c1\/nvmig\).*DCGM_FI_PROF_GR_ENGINE_ACTIVE/.test(p),
      ),
      onMig.join("\n"),
    );
    const noMig = mixedAks();
    noMig.pools = noMig.pools.filter((p: Obj) => p.name !== "nvmig");
    assert.ok(
      !problems(stack([noMig], [gpuWorker({ count: 1 }, trigger)])).some((p) => p.includes("MIG")),
      "no MIG pool, no MIG problem",
    );
  });

  it("existing clusters: AMD pools need a label in common that no other pool carries", () => {
    const existing = (pools: Obj[]) => ({
      name: "x",
      cloud: "existing",
      existing: { context: "kind" },
      pools: [{ name: "default", min: 1, max: 1 }, ...pools],
    });
    const amd = (name: string, labels: Obj) => ({
      name,
      min: 0,
      max: 1,
      gpu: { count: 1, type: "mi210", vendor: "amd" },
      labels,
    });
    const found = problems(stack([existing([amd("a1", { "amd/a": "1" }), amd("a2", { "amd/b": "1" })])]));
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /^clusters\[0\]\.pools\[1\]\.labels: the AMD GPU pools \(a1, a2\) share no label/);
    assert.deepEqual(problems(stack([existing([amd("a1", { gpu: "amd" }), amd("a2", { gpu: "amd", z: "2" })])])), []);
  });

  it("existing clusters: a time-sliced pool needs the device plugin's config label in its labels", () => {
    const sliced = (labels: Obj) => ({
      name: "x",
      cloud: "existing",
      existing: { context: "kind" },
      pools: [
        { name: "default", min: 1, max: 1 },
        {
          name: "t4",
          min: 0,
          max: 1,
          gpu: { count: 1, type: "nvidia-tesla-t4" },
          gpuSharing: { timeSlicing: { replicas: 4 } },
          labels,
        },
      ],
    });
    const key = "nvidia.com/device-plugin.config";
    const found = problems(stack([sliced({ gpu: "t4" })]));
    assert.equal(found.length, 1, found.join("\n"));
    assert.ok(
      found[0].startsWith(`clusters[0].pools[1].labels.${key}: pool t4 shares its GPUs by time-slicing`),
      found[0],
    );
    assert.match(found[0], /nvidia\.com\/device-plugin\.config=time-slicing-4/);
    assert.equal(problems(stack([sliced({ [key]: "time-slicing-2" })])).length, 1, "the wrong config name");
    assert.deepEqual(problems(stack([sliced({ gpu: "t4", [key]: "time-slicing-4" })])), []);
  });
});

describe("accelerators: warm headroom on shared and AMD pools", () => {
  it("placeholders ask for one replica each on a time-sliced pool, and for amd.com/gpu on an AMD pool", async () => {
    const { runWorkloads } = await import("./helpers/clusters.ts");
    const run = await runWorkloads(
      ["aks"],
      {},
      {
        cluster: (c) => ({
          pools: c.pools.map((p) =>
            p.name === "gpu"
              ? { ...p, headroomGpus: 3, gpuSharing: { timeSlicing: { replicas: 4 } } }
              : p.name === "gpuspot"
                ? { ...p, headroomGpus: 1, gpu: { ...p.gpu!, vendor: "amd" as const } }
                : p,
          ),
        }),
      },
    );
    const spec = (pool: string) =>
      (run.object("kubernetes:apps/v1:Deployment", `gpu-headroom-${pool}`).plainInputs as Obj).spec;
    assert.equal(spec("gpu").replicas, 3);
    assert.equal(spec("gpu").template.spec.containers[0].resources.limits["nvidia.com/gpu"], "1");
    assert.equal(spec("gpuspot").template.spec.containers[0].resources.limits["amd.com/gpu"], "1");
    assert.equal(spec("gpuspot").template.spec.containers[0].resources.limits["nvidia.com/gpu"], undefined);
  });
});

describe("accelerators: the policy pack tells the vendors apart", () => {
  const amdPod = (): Obj =>
    podSpec(
      { tolerations: [{ key: "amd.com/gpu", operator: "Exists", effect: "NoSchedule" }] },
      securedContainer("worker", {
        resources: { requests: { cpu: "2", memory: "8Gi" }, limits: { memory: "8Gi", "amd.com/gpu": 1 } },
      }),
    );
  const pools = [
    { name: "nv", vmSize: "Standard_NC4as_T4_v3", gpu: true, max: 3 },
    {
      name: "amd",
      vmSize: "Standard_ND96isr_MI300X_v5",
      gpu: true,
      max: 1,
      labels: { "worker-platform/gpu-vendor": "amd", "worker-platform/gpu-devices": "8" },
      taints: ["amd.com/gpu=present:NoSchedule"],
    },
  ];

  it("an AMD pod needs an AMD pool and the AMD device plugin; the NVIDIA plugin does not count", async () => {
    const c = aks({ pools });
    const vs = await check(gpuPlacement, [...c.all, deployment("rocm", amdPod(), { provider: c.provider })]);
    assert.equal(vs.length, 1, vs.map((v) => v.message).join("\n"));
    assert.match(vs[0].message, /\(1 amd\.com\/gpu per pod\) .*installs no AMD device plugin \(amd-gpu chart\)/);
    const amdChart = chart("dev-aks-amd-gpu", "amd-gpu", {}, { parent: c.addons, provider: c.provider });
    assert.deepEqual(
      await check(gpuPlacement, [...c.all, amdChart, deployment("rocm", amdPod(), { provider: c.provider })]),
      [],
    );
    const nvOnly = aks({ pools: [pools[0]] });
    const none = await check(gpuPlacement, [
      ...nvOnly.all,
      deployment("rocm", amdPod(), { provider: nvOnly.provider }),
    ]);
    assert.match(none[0].message, /which has no amd GPU pool: .*"Insufficient amd\.com\/gpu"/);
  });

  it("gpu-capacity counts an AMD worker against AMD pools only; an AMD pool needs the amd.com/gpu taint", async () => {
    const c = aks({ pools });
    const worker = deployment("rocm", amdPod(), { provider: c.provider });
    const so = scaledObject("rocm", "rocm", { maxReplicaCount: 9 }, { provider: c.provider });
    const vs = await check(gpuCapacity, [...c.all, worker, so]);
    assert.equal(vs.length, 1, vs.map((v) => v.message).join("\n"));
    assert.match(vs[0].message, /can demand 9 GPUs, but its GPU pools amd \(1 nodes × 8 GPU = 8\) hold 8/);
    assert.match(vs[0].message, /Insufficient amd\.com\/gpu/);
    const untainted = aks({ pools: [{ ...pools[1], taints: ["nvidia.com/gpu=present:NoSchedule"] }] });
    const bounded = await check(gpuPoolsBounded, untainted.all);
    assert.match(bounded[0].message, /lacks the amd\.com\/gpu NoSchedule taint/);
  });
});
