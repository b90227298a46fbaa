/**
 * The one table of machine shapes: every VM size and EC2 instance type the shipped stacks, the docs and the tests
 * use, with what the fit check (stacks/allocatable.ts, stacks/schema/checks/fit.ts) and the pool checks need. On a
 * cloud cluster a machine type that is not listed is a config error (stacks/schema/checks/clusters.ts): add its row
 * here, with its source, and the same row to the policy pack's copy (policy/rules/lib/platform.ts MACHINE_TYPES;
 * test/policy-conventions.spec.ts fails while they differ).
 *
 * Sources:
 * - Azure: vCPUs, memory (GiB) and GPUs from the size pages on learn.microsoft.com (Dsv5; NCasT4_v3; NC A100 v4;
 *   NVadsA10 v5; NC H100 v5; ND A100 v4; ND H100 v5; ND MI300X v5: 8× AMD Instinct MI300X). NVv4 (partial AMD
 *   Radeon Instinct MI25) is left out: AKS does not support it ("Use GPUs on AKS": "The NVv4 series (based on AMD
 *   GPUs) aren't supported on AKS"). Max pods is not a property of a VM size on AKS but of the
 *   pool (maxPods, set at creation; default by network plugin): see AKS_DEFAULT_MAX_PODS in stacks/allocatable.ts.
 * - AWS: vCPUs, memory and GPUs from the EC2 instance type pages (general purpose, compute optimized, memory
 *   optimized, accelerated computing). Max pods is what the AL2023 node bootstrap (nodeadm) gives the kubelet with the
 *   VPC CNI in its default mode (no prefix delegation, as this program configures it): `ENIs × (IPv4 addresses per
 *   ENI − 1) + 2` over the ENI limits of the default network card (awslabs/amazon-eks-ami nodeadm/internal/kubelet
 *   eni_max_pods.go calculateStandardMaxPods, instance-info.jsonl; templates/shared/runtime/eni-max-pods.txt for g4ad).
 *   g4ad: AMD Radeon Pro V520 (EC2 accelerated computing, G4ad: 1, 1, 1, 2, 4 GPUs).
 */
export interface MachineShape {
  cloud: "azure" | "aws";
  vcpus: number;
  /** Nominal memory in GiB, as the size page states it (the kernel reports a little less: stacks/allocatable.ts). */
  memoryGiB: number;
  /** GPUs per node (0 for CPU-only types). */
  gpus: number;
  gpuModel?: string;
  /** Vendor of the GPUs; absent for CPU types and NVIDIA ones (stacks/accelerators.ts reads absent as nvidia). */
  gpuVendor?: "amd";
  /** AWS: pods per node the kubelet allows (see above). Absent on Azure, where it is a pool setting. */
  maxPods?: number;
}

const azure = (vcpus: number, memoryGiB: number, gpus = 0, gpuModel?: string): MachineShape => ({
  cloud: "azure",
  vcpus,
  memoryGiB,
  gpus,
  ...(gpuModel ? { gpuModel } : {}),
});
const aws = (vcpus: number, memoryGiB: number, maxPods: number, gpus = 0, gpuModel?: string): MachineShape => ({
  cloud: "aws",
  vcpus,
  memoryGiB,
  gpus,
  ...(gpuModel ? { gpuModel } : {}),
  maxPods,
});

export const MACHINE_TYPES: Record<string, MachineShape> = {
  // Azure general purpose (Dsv5)
  Standard_D4s_v5: azure(4, 16),
  Standard_D8s_v5: azure(8, 32),
  // Azure GPU
  Standard_NC4as_T4_v3: azure(4, 28, 1, "T4"),
  Standard_NC8as_T4_v3: azure(8, 56, 1, "T4"),
  Standard_NC16as_T4_v3: azure(16, 110, 1, "T4"),
  Standard_NC64as_T4_v3: azure(64, 440, 4, "T4"),
  Standard_NC24ads_A100_v4: azure(24, 220, 1, "A100 80GB"),
  Standard_NC48ads_A100_v4: azure(48, 440, 2, "A100 80GB"),
  Standard_NC96ads_A100_v4: azure(96, 880, 4, "A100 80GB"),
  Standard_NV36ads_A10_v5: azure(36, 440, 1, "A10"),
  Standard_NV72ads_A10_v5: azure(72, 880, 2, "A10"),
  Standard_NC40ads_H100_v5: azure(40, 320, 1, "H100 NVL"),
  Standard_NC80adis_H100_v5: azure(80, 640, 2, "H100 NVL"),
  Standard_ND96asr_v4: azure(96, 900, 8, "A100 40GB"),
  Standard_ND96isr_H100_v5: azure(96, 1900, 8, "H100"),
  Standard_ND96isr_MI300X_v5: { ...azure(96, 1850, 8, "MI300X"), gpuVendor: "amd" },
  // AWS general purpose, compute and memory optimized (max pods: ENIs × (IPs per ENI − 1) + 2)
  "m6i.xlarge": aws(4, 16, 58),
  "m6i.2xlarge": aws(8, 32, 58),
  "m6a.2xlarge": aws(8, 32, 58),
  "m7i.2xlarge": aws(8, 32, 58),
  "c6i.xlarge": aws(4, 8, 58),
  "x2idn.16xlarge": aws(64, 1024, 737),
  // AWS accelerated computing
  "g4dn.xlarge": aws(4, 16, 29, 1, "T4"),
  "g4dn.2xlarge": aws(8, 32, 29, 1, "T4"),
  "g4dn.4xlarge": aws(16, 64, 29, 1, "T4"),
  "g4dn.8xlarge": aws(32, 128, 58, 1, "T4"),
  "g4dn.12xlarge": aws(48, 192, 234, 4, "T4"),
  "g5.xlarge": aws(4, 16, 58, 1, "A10G"),
  "g5.2xlarge": aws(8, 32, 58, 1, "A10G"),
  "g5.4xlarge": aws(16, 64, 234, 1, "A10G"),
  "g5.8xlarge": aws(32, 128, 234, 1, "A10G"),
  "g5.12xlarge": aws(48, 192, 737, 4, "A10G"),
  "g5.48xlarge": aws(192, 768, 345, 8, "A10G"),
  "g6.xlarge": aws(4, 16, 58, 1, "L4"),
  "g6.2xlarge": aws(8, 32, 58, 1, "L4"),
  "g6.4xlarge": aws(16, 64, 234, 1, "L4"),
  "g6.12xlarge": aws(48, 192, 234, 4, "L4"),
  "g6e.xlarge": aws(4, 32, 58, 1, "L40S"),
  "g6e.12xlarge": aws(48, 384, 292, 4, "L40S"),
  "p4d.24xlarge": aws(96, 1152, 737, 8, "A100 40GB"),
  "p5.48xlarge": aws(192, 2048, 100, 8, "H100"),
  "g4ad.xlarge": { ...aws(4, 16, 8, 1, "Radeon Pro V520"), gpuVendor: "amd" },
  "g4ad.2xlarge": { ...aws(8, 32, 8, 1, "Radeon Pro V520"), gpuVendor: "amd" },
  "g4ad.4xlarge": { ...aws(16, 64, 29, 1, "Radeon Pro V520"), gpuVendor: "amd" },
};

/** The shape of a machine type, or undefined when it is not in the table. */
export function machineShape(type: string): MachineShape | undefined {
  return Object.hasOwn(MACHINE_TYPES, type) ? MACHINE_TYPES[type] : undefined;
}

/** The machine types of the table for one cloud, sorted: what an "unknown machine type" error lists. */
export function knownMachineTypes(cloud: MachineShape["cloud"]): string[] {
  return Object.keys(MACHINE_TYPES)
    .filter((t) => MACHINE_TYPES[t].cloud === cloud)
    .sort();
}

/**
 * GPUs per node of the GPU machine types of the table, to catch a pool whose `gpu.count` does not match its VM size
 * or instance type.
 */
export const GPU_MACHINE_TYPES: Record<string, number> = Object.fromEntries(
  Object.entries(MACHINE_TYPES)
    .filter(([, s]) => s.gpus > 0)
    .map(([t, s]) => [t, s.gpus]),
);

/**
 * Machine families without GPUs: Azure general-purpose/compute/memory sizes, AWS m/c/r/t families. For types outside
 * the table (existing clusters declare theirs freely; the policy pack meets whatever a program deploys): a type from
 * one of these families may not declare GPUs.
 */
export const CPU_ONLY_FAMILIES: RegExp[] = [/^Standard_[BDEFL][0-9]/, /^(m|c|r|t)[0-9][a-z]*\./];

/** GPUs per node the machine type provides: a number, 0 for a CPU-only family, undefined when unknown. */
export function knownGpuCount(machineType: string): number | undefined {
  const shape = machineShape(machineType);
  if (shape) return shape.gpus;
  if (CPU_ONLY_FAMILIES.some((re) => re.test(machineType))) return 0;
  return undefined;
}

/**
 * vCPU, memory and GPUs of a shape, e.g. "4 vCPU, 16 GiB, 1× A10G". Used to keep the instance types of one EKS node
 * group alike: the cluster autoscaler builds a group's template node from one of its types, so mixed shapes make it
 * add nodes that cannot hold the pending pod or too few of them (kubernetes/autoscaler cloudprovider/aws README,
 * "Using Mixed Instances Policies and Spot Instances").
 */
export const describeShape = (s: MachineShape) =>
  `${s.vcpus} vCPU, ${s.memoryGiB} GiB${s.gpus ? `, ${s.gpus}× ${s.gpuModel}` : ""}`;
