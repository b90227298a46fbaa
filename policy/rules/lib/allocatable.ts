import type { MachineShape } from "./platform.ts";

/**
 * What a node of a pool has left for pods: a copy of the program's model (stacks/allocatable.ts for the kubelet's
 * reservations and the clouds' node agents, stacks/platform-pods.ts for the platform's GPU DaemonSets), with the
 * sources there. test/policy-conventions.spec.ts fails when a constant or a result differs from the program's.
 */

export interface Amounts {
  cpuMilli: number;
  memoryMiB: number;
  gpus: number;
}

export interface NodeAgent {
  name: string;
  cpuMilli: number;
  memoryMiB: number;
}

export const AKS_DEFAULT_MAX_PODS = 250;
export const MEMORY_OVERHEAD_FRACTION = 0.075;
export const EVICTION_HARD_MIB: Record<MachineShape["cloud"], number> = { azure: 100, aws: 100 };

export function aksReservedCpuMilli(vcpus: number): number {
  const between = (lo: number, hi: number) => Math.max(0, Math.min(vcpus, hi) - lo);
  return 60 * Math.min(vcpus, 1) + 40 * between(1, 2) + 20 * between(2, 4) + 10 * between(4, Infinity);
}

export function aksReservedMemoryMiB(memoryMiB: number, maxPods: number): number {
  return Math.min(20 * maxPods + 50, 0.25 * memoryMiB);
}

export function eksReservedCpuMilli(vcpus: number): number {
  const total = vcpus * 1000;
  const ranges = [0, 1000, 2000, 4000, total];
  const basisPoints = [600, 100, 50, 25];
  return basisPoints.reduce((sum, bp, i) => {
    if (total <= ranges[i]) return sum;
    return sum + Math.floor(((Math.min(total, ranges[i + 1]) - ranges[i]) * bp) / 10000);
  }, 0);
}

export function eksReservedMemoryMiB(maxPods: number): number {
  return 11 * maxPods + 255;
}

/** A node's allocatable (kubelet `status.allocatable`) from its shape; `maxPods` defaults as in the program. */
export function nodeAllocatable(shape: MachineShape, maxPods?: number): Amounts {
  const pods = maxPods ?? shape.maxPods ?? AKS_DEFAULT_MAX_PODS;
  const nominalMiB = shape.memoryGiB * 1024;
  const memory = Math.floor(nominalMiB * (1 - MEMORY_OVERHEAD_FRACTION));
  const reserved =
    shape.cloud === "azure"
      ? { cpuMilli: aksReservedCpuMilli(shape.vcpus), memoryMiB: Math.ceil(aksReservedMemoryMiB(nominalMiB, pods)) }
      : { cpuMilli: eksReservedCpuMilli(shape.vcpus), memoryMiB: eksReservedMemoryMiB(pods) };
  return {
    cpuMilli: shape.vcpus * 1000 - reserved.cpuMilli,
    memoryMiB: memory - reserved.memoryMiB - EVICTION_HARD_MIB[shape.cloud],
    gpus: shape.gpus,
  };
}

const agent = (name: string, cpuMilli: number, memoryMiB: number): NodeAgent => ({ name, cpuMilli, memoryMiB });

/** The cloud's own DaemonSets on every node (copy of stacks/allocatable.ts CLOUD_NODE_AGENTS). */
export const CLOUD_NODE_AGENTS: Record<MachineShape["cloud"], NodeAgent[]> = {
  aws: [agent("kube-proxy", 100, 0), agent("aws-node", 50, 0), agent("ebs-csi-node", 30, 104)],
  azure: [
    agent("cloud-node-manager", 50, 50),
    agent("csi-azuredisk-node", 30, 60),
    agent("csi-azurefile-node", 30, 60),
    agent("azure-ip-masq-agent", 100, 50),
    agent("azure-cns", 40, 250),
  ],
};

/** AKS agents by `networkProfile.networkPolicy` (copy of stacks/allocatable.ts AKS_NETWORK_POLICY_AGENTS). */
export const AKS_NETWORK_POLICY_AGENTS: Record<string, NodeAgent[]> = {
  cilium: [agent("cilium", 100, 100)],
  azure: [agent("azure-npm", 250, 300), agent("kube-proxy", 100, 0)],
  calico: [agent("calico-node", 250, 0), agent("kube-proxy", 100, 0)],
};

export function cloudNodeAgents(cloud: MachineShape["cloud"], networkPolicy?: string): NodeAgent[] {
  if (cloud === "aws") return [...CLOUD_NODE_AGENTS.aws];
  const policy = networkPolicy && networkPolicy in AKS_NETWORK_POLICY_AGENTS ? networkPolicy : "cilium";
  return [...CLOUD_NODE_AGENTS.azure, ...AKS_NETWORK_POLICY_AGENTS[policy]];
}

/**
 * The platform's DaemonSets on every GPU node, by chart, with their default requests (copy of stacks/platform-pods.ts
 * GPU_NODE_DAEMONSET_RESOURCES): what counts when a chart's objects are not rendered (offline) and its values do not
 * say. Under the CLI the charts' DaemonSets are resources of the stack and are read themselves.
 */
export const GPU_NODE_DAEMONSET_CHARTS: Record<string, { cpu: string; memory: string }> = {
  "nvidia-device-plugin": { cpu: "10m", memory: "32Mi" },
  "dcgm-exporter": { cpu: "100m", memory: "128Mi" },
  "amd-gpu": { cpu: "10m", memory: "32Mi" },
  "device-metrics-exporter-charts": { cpu: "500m", memory: "512Mi" },
};
/** The GPU vendor whose pools each of those charts runs on (copy of stacks/platform-pods.ts by vendor). */
export const GPU_NODE_DAEMONSET_CHART_VENDORS: Record<string, "nvidia" | "amd"> = {
  "nvidia-device-plugin": "nvidia",
  "dcgm-exporter": "nvidia",
  "amd-gpu": "amd",
  "device-metrics-exporter-charts": "amd",
};

export function leftForPods(allocatable: Amounts, agents: NodeAgent[]): Amounts {
  return {
    cpuMilli: allocatable.cpuMilli - agents.reduce((n, a) => n + a.cpuMilli, 0),
    memoryMiB: allocatable.memoryMiB - agents.reduce((n, a) => n + a.memoryMiB, 0),
    gpus: allocatable.gpus,
  };
}

export function describeAmounts(a: Amounts): string {
  const mem = Number.isInteger(a.memoryMiB) ? a.memoryMiB : Math.round(a.memoryMiB * 10) / 10;
  return `${a.cpuMilli}m CPU, ${mem}Mi memory${a.gpus ? `, ${a.gpus} GPU` : ""}`;
}
