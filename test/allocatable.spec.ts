import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import {
  aksReservedCpuMilli,
  aksReservedMemoryMiB,
  cloudNodeAgents,
  cpuMilli,
  eksReservedCpuMilli,
  eksReservedMemoryMiB,
  leftForPods,
  memoryMiB,
  nodeAllocatable,
  quantityValue,
  shortfall,
} from "../stacks/allocatable.ts";
import { GPU_MACHINE_TYPES, MACHINE_TYPES, knownGpuCount, machineShape } from "../stacks/machine-types.ts";

const root = path.resolve(import.meta.dirname, "..");

describe("allocatable: the kubelet's reservations per cloud (stacks/allocatable.ts)", () => {
  it("AKS kube-reserved CPU is the docs' table at 1-64 cores, and on the same slope between them", () => {
    // AKS docs "Node resource reservations", CPU reservations table.
    const table: [number, number][] = [
      [1, 60],
      [2, 100],
      [4, 140],
      [8, 180],
      [16, 260],
      [32, 420],
      [64, 740],
    ];
    for (const [cores, millicores] of table) assert.equal(aksReservedCpuMilli(cores), millicores, `${cores} cores`);
    // Between the table's sizes: 10m per core above 4.
    assert.equal(aksReservedCpuMilli(24), 340);
    assert.equal(aksReservedCpuMilli(96), 1060);
  });

  it("AKS kube-reserved memory: 20 MB × max pods + 50 MB, or 25 % of the VM's memory when less (the docs' examples)", () => {
    assert.equal(aksReservedMemoryMiB(8 * 1024, 30), 650); // 8 GB, 30 pods: 650
    assert.equal(aksReservedMemoryMiB(4 * 1024, 70), 1024); // 4 GB, 70 pods: 25 % (1450 would be more)
    assert.equal(aksReservedMemoryMiB(56 * 1024, 250), 5050); // the platform's pools: Azure CNI Overlay, 250 pods
  });

  it("EKS AL2023 kube-reserved CPU: 6 % of the first core, 1 % of the second, 0.5 % of the 3rd-4th, 0.25 % above", () => {
    assert.equal(eksReservedCpuMilli(1), 60);
    assert.equal(eksReservedCpuMilli(2), 70);
    assert.equal(eksReservedCpuMilli(4), 80); // g5.xlarge
    assert.equal(eksReservedCpuMilli(8), 90); // g5.2xlarge
    assert.equal(eksReservedCpuMilli(48), 190); // 80 + 44 × 2.5
    assert.equal(eksReservedCpuMilli(192), 550);
  });

  it("EKS AL2023 kube-reserved memory: 11 × max pods + 255 MiB", () => {
    assert.equal(eksReservedMemoryMiB(58), 893);
    assert.equal(eksReservedMemoryMiB(110), 1465);
  });

  it("a node's allocatable: capacity (memory less the kernel's share) − kube-reserved − eviction threshold", () => {
    const g5 = nodeAllocatable(MACHINE_TYPES["g5.xlarge"]);
    assert.deepEqual(g5.capacity, { cpuMilli: 4000, memoryMiB: 15155, gpus: 1 }); // 16384 × 0.925
    assert.deepEqual(g5.kubeReserved, { cpuMilli: 80, memoryMiB: 893 });
    assert.equal(g5.evictionMiB, 100);
    assert.deepEqual(g5.allocatable, { cpuMilli: 3920, memoryMiB: 14162, gpus: 1 });
    // AKS: max pods defaults to 250 (Azure CNI Overlay), capped at 25 % of memory on a small VM.
    const d4 = nodeAllocatable(MACHINE_TYPES.Standard_D4s_v5);
    assert.equal(d4.maxPods, 250);
    assert.deepEqual(d4.kubeReserved, { cpuMilli: 140, memoryMiB: 4096 });
    assert.deepEqual(d4.allocatable, { cpuMilli: 3860, memoryMiB: 10959, gpus: 0 });
    // A pool's own max pods changes the memory reserved.
    assert.deepEqual(nodeAllocatable(MACHINE_TYPES.Standard_D4s_v5, 30).kubeReserved, {
      cpuMilli: 140,
      memoryMiB: 650,
    });
  });

  it("the cloud's node agents: per cloud, and on AKS per network policy (Cilium replaces kube-proxy)", () => {
    const names = (xs: { name: string }[]) => xs.map((x) => x.name);
    assert.deepEqual(names(cloudNodeAgents("aws")), ["kube-proxy", "aws-node", "ebs-csi-node"]);
    assert.ok(names(cloudNodeAgents("azure", "cilium")).includes("cilium"));
    assert.ok(!names(cloudNodeAgents("azure", "cilium")).includes("kube-proxy"));
    assert.ok(names(cloudNodeAgents("azure", "azure")).includes("azure-npm"));
    assert.ok(names(cloudNodeAgents("azure", "calico")).includes("kube-proxy"));
    const left = leftForPods({ cpuMilli: 3920, memoryMiB: 14162, gpus: 1 }, cloudNodeAgents("aws"));
    assert.deepEqual(left, { cpuMilli: 3740, memoryMiB: 14058, gpus: 1 });
  });

  it("quantities as the schema accepts them, and what exceeds what", () => {
    assert.equal(quantityValue("500m"), 0.5);
    assert.equal(quantityValue("4Gi"), 4 * 2 ** 30);
    assert.equal(quantityValue("1G"), 1e9);
    assert.equal(quantityValue(2), 2);
    assert.equal(quantityValue("2x"), undefined);
    assert.equal(quantityValue("-1"), undefined);
    assert.equal(cpuMilli("0.1"), 100);
    assert.equal(cpuMilli("4"), 4000);
    assert.equal(cpuMilli("250m"), 250);
    assert.equal(memoryMiB("16Gi"), 16384);
    assert.equal(memoryMiB("512Mi"), 512);
    assert.deepEqual(
      shortfall({ cpuMilli: 4000, memoryMiB: 100, gpus: 1 }, { cpuMilli: 3630, memoryMiB: 100, gpus: 1 }),
      ["cpuMilli"],
    );
    assert.deepEqual(shortfall({ cpuMilli: 1, memoryMiB: 1, gpus: 2 }, { cpuMilli: 1, memoryMiB: 1, gpus: 1 }), [
      "gpus",
    ]);
    assert.deepEqual(shortfall({ cpuMilli: 1, memoryMiB: 1, gpus: 0 }, { cpuMilli: 1, memoryMiB: 1, gpus: 0 }), []);
  });
});

describe("machine shapes: one table covering every machine type the stacks, docs and tests use", () => {
  /** Machine-type-looking words in a text: Azure VM sizes and EC2 instance types. */
  const typesIn = (text: string) => [
    ...new Set(text.match(/\bStandard_[A-Z][A-Za-z0-9]*_[A-Za-z0-9_]+\b|\b[a-z][0-9][a-z]*\.[0-9]*x?large\b/g) ?? []),
  ];
  const files = (dir: string, ext: RegExp) =>
    fs
      .readdirSync(path.join(root, dir))
      .filter((f) => ext.test(f))
      .map((f) => path.join(dir, f));

  it("every machine type of the shipped stacks, the docs and the tests has a row", () => {
    const sources = [
      ...files(".", /^Pulumi\..*\.yaml$/),
      ...files("docs", /\.md$/),
      "README.md",
      ...files("test", /\.ts$/),
    ];
    const used = new Map<string, string>();
    for (const f of sources) for (const t of typesIn(fs.readFileSync(path.join(root, f), "utf8"))) used.set(t, f);
    assert.ok(used.has("g5.2xlarge") && used.has("Standard_NC8as_T4_v3"), "the scan finds the shipped types");
    // Types the tests use on purpose as unknown ones.
    const deliberatelyUnknown = ["Standard_D5s_v9", "Standard_E64s_v5", "m7g.large"];
    const missing = [...used].filter(([t]) => !machineShape(t) && !deliberatelyUnknown.includes(t));
    assert.deepEqual(missing, [], "add these to stacks/machine-types.ts MACHINE_TYPES");
  });

  it("rows are complete: EC2 types carry max pods, Azure sizes do not; GPU types name their GPU model", () => {
    for (const [type, s] of Object.entries(MACHINE_TYPES)) {
      assert.equal(s.cloud, type.startsWith("Standard_") ? "azure" : "aws", type);
      assert.ok(s.vcpus > 0 && s.memoryGiB > 0, type);
      assert.equal(s.maxPods !== undefined, s.cloud === "aws", `${type}: maxPods only for EC2`);
      assert.equal(!!s.gpuModel, s.gpus > 0, `${type}: gpuModel iff GPUs`);
    }
  });

  it("the GPU counts derive from the table, and a CPU-only family outside it still counts as 0 GPUs", () => {
    assert.equal(GPU_MACHINE_TYPES["g5.12xlarge"], 4);
    assert.ok(!("m6i.xlarge" in GPU_MACHINE_TYPES));
    assert.equal(knownGpuCount("Standard_D4s_v5"), 0);
    assert.equal(knownGpuCount("Standard_E64s_v5"), 0); // not in the table, CPU-only family
    assert.equal(knownGpuCount("m7g.large"), 0);
    assert.equal(knownGpuCount("x9.unknown"), undefined);
    assert.equal(machineShape("toString"), undefined, "no inherited names");
  });
});
