/**
 * GPUs per node of the GPU machine types we know, to catch a pool whose `gpu.count` does not match its VM size or
 * instance type. Sources: Azure NC/ND/NV-series size pages; AWS EC2 accelerated-computing instance type pages.
 * A type that is not listed is accepted as declared (the table cannot know every size), except that a type from a
 * CPU-only family (`CPU_ONLY_FAMILIES`) may not declare GPUs.
 */
export const GPU_MACHINE_TYPES: Record<string, number> = {
  // Azure
  Standard_NC4as_T4_v3: 1,
  Standard_NC8as_T4_v3: 1,
  Standard_NC16as_T4_v3: 1,
  Standard_NC64as_T4_v3: 4,
  Standard_NC24ads_A100_v4: 1,
  Standard_NC48ads_A100_v4: 2,
  Standard_NC96ads_A100_v4: 4,
  Standard_NV36ads_A10_v5: 1,
  Standard_NV72ads_A10_v5: 2,
  Standard_NC40ads_H100_v5: 1,
  Standard_NC80adis_H100_v5: 2,
  Standard_ND96asr_v4: 8,
  Standard_ND96isr_H100_v5: 8,
  // AWS
  "g4dn.xlarge": 1,
  "g4dn.2xlarge": 1,
  "g4dn.4xlarge": 1,
  "g4dn.8xlarge": 1,
  "g4dn.12xlarge": 4,
  "g5.xlarge": 1,
  "g5.2xlarge": 1,
  "g5.4xlarge": 1,
  "g5.8xlarge": 1,
  "g5.12xlarge": 4,
  "g5.48xlarge": 8,
  "g6.xlarge": 1,
  "g6.2xlarge": 1,
  "g6.4xlarge": 1,
  "g6.12xlarge": 4,
  "g6e.xlarge": 1,
  "g6e.12xlarge": 4,
  "p4d.24xlarge": 8,
  "p5.48xlarge": 8,
};

/** Machine families without GPUs: Azure general-purpose/compute/memory sizes, AWS m/c/r/t families. */
export const CPU_ONLY_FAMILIES: RegExp[] = [/^Standard_[BDEFL][0-9]/, /^(m|c|r|t)[0-9][a-z]*\./];

/** GPUs per node the machine type provides: a number, 0 for a CPU-only family, undefined when unknown. */
export function knownGpuCount(machineType: string): number | undefined {
  if (machineType in GPU_MACHINE_TYPES) return GPU_MACHINE_TYPES[machineType];
  if (CPU_ONLY_FAMILIES.some((re) => re.test(machineType))) return 0;
  return undefined;
}

/** vCPUs of an EC2 size (current Nitro families: m/c/r 5th gen and later, g4dn, g5, g6, g6e). */
const EC2_SIZE_VCPUS: Record<string, number> = {
  large: 2,
  xlarge: 4,
  "2xlarge": 8,
  "4xlarge": 16,
  "8xlarge": 32,
  "12xlarge": 48,
  "16xlarge": 64,
  "24xlarge": 96,
  "48xlarge": 192,
};
/** GiB per vCPU and GPU model per EC2 family (AWS EC2 instance type pages: general purpose, compute, memory, accelerated). */
const EC2_FAMILIES: { re: RegExp; gibPerVcpu: number; gpuModel?: string }[] = [
  { re: /^m[5-8][a-z]*$/, gibPerVcpu: 4 },
  { re: /^c[5-8][a-z]*$/, gibPerVcpu: 2 },
  { re: /^r[5-8][a-z]*$/, gibPerVcpu: 8 },
  { re: /^g4dn$/, gibPerVcpu: 4, gpuModel: "T4" },
  { re: /^g5$/, gibPerVcpu: 4, gpuModel: "A10G" },
  { re: /^g6$/, gibPerVcpu: 4, gpuModel: "L4" },
  { re: /^g6e$/, gibPerVcpu: 8, gpuModel: "L40S" },
];

export interface InstanceShape {
  vcpus: number;
  memoryGiB: number;
  gpus: number;
  gpuModel?: string;
}

/**
 * vCPUs, memory and GPUs of an EC2 instance type, when its family and size are known; undefined otherwise. Used to
 * keep the instance types of one node group alike: the cluster autoscaler builds a group's template node from one of
 * its types, so mixed shapes make it add nodes that cannot hold the pending pod or too few of them
 * (kubernetes/autoscaler cloudprovider/aws README, "Using Mixed Instances Policies and Spot Instances").
 */
export function ec2Shape(type: string): InstanceShape | undefined {
  const m = /^([a-z0-9-]+)\.([0-9]*x?large)$/.exec(type);
  if (!m) return undefined;
  const family = EC2_FAMILIES.find((f) => f.re.test(m[1]));
  const vcpus = EC2_SIZE_VCPUS[m[2]];
  if (!family || !vcpus) return undefined;
  const gpus = knownGpuCount(type);
  if (family.gpuModel && gpus === undefined) return undefined;
  return {
    vcpus,
    memoryGiB: vcpus * family.gibPerVcpu,
    gpus: gpus ?? 0,
    ...(family.gpuModel ? { gpuModel: family.gpuModel } : {}),
  };
}

export const describeShape = (s: InstanceShape) =>
  `${s.vcpus} vCPU, ${s.memoryGiB} GiB${s.gpus ? `, ${s.gpus}× ${s.gpuModel}` : ""}`;
