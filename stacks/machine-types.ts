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
