import type { MachineShape } from "./machine-types.ts";

/**
 * What a node of a pool has left for the platform's pods: the kubelet's allocatable, computed from the machine shape
 * (stacks/machine-types.ts) with each cloud's documented reservation formulas, less the requests of the DaemonSets
 * on every node of the pool (the cloud's node agents: estimates below; the platform's own GPU DaemonSets:
 * stacks/platform-pods.ts). Pure: the config check (stacks/schema/checks/fit.ts) uses it, and the policy pack keeps a
 * copy of the constants (policy/rules/lib/platform.ts, held equal by test/policy-conventions.spec.ts).
 */

/** Amounts in the units the check adds up. */
export interface Amounts {
  cpuMilli: number;
  memoryMiB: number;
  gpus: number;
}

/**
 * Max pods per node of an AKS pool that does not set `maxPods`: 250 with Azure CNI Overlay, the only network plugin
 * mode this program creates (components/cluster/aks.ts; AKS docs "IP address planning", "Maximum pods per node").
 */
export const AKS_DEFAULT_MAX_PODS = 250;

/**
 * Memory a node's kernel and firmware keep from the VM's nominal size: the kubelet's capacity is the kernel's
 * MemTotal, a few percent below what the size page states. Estimate: Karpenter's default for the same gap,
 * `vmMemoryOverheadPercent` 0.075 (aws/karpenter-provider-aws chart settings; Azure/karpenter-provider-azure
 * pkg/operator/options/options.go VM_MEMORY_OVERHEAD_PERCENT); observed gaps are 2-5 % (Azure/AKS#1216: 16403296Ki on a
 * 16 GiB AKS VM, 16038616Ki on a 16 GiB EC2 instance), so the check errs a little on the safe side.
 */
export const MEMORY_OVERHEAD_FRACTION = 0.075;

/** The kubelet's hard eviction threshold `memory.available`, kept free on every node (MiB). */
export const EVICTION_HARD_MIB: Record<MachineShape["cloud"], number> = {
  // AKS 1.29 and later (the schema allows 1.30+): "memory.available < 100 Mi" (AKS docs "Node resource reservations").
  azure: 100,
  // AL2023 nodeadm: evictionHard memory.available 100Mi (awslabs/amazon-eks-ami nodeadm/internal/kubelet/config.go).
  aws: 100,
};

/**
 * AKS kube-reserved CPU (millicores). The AKS docs ("Node resource reservations", CPU reservations) give a table for
 * 1, 2, 4, 8, 16, 32 and 64 cores: 60, 100, 140, 180, 260, 420, 740. It grows by 40m for the second core, 20m per
 * core up to 4 and 10m per core above; this formula follows those increments, so it gives exactly the table's values
 * (test/allocatable.spec.ts) and the sizes between them (24, 36, 48, 96 cores) on the same slope.
 */
export function aksReservedCpuMilli(vcpus: number): number {
  const between = (lo: number, hi: number) => Math.max(0, Math.min(vcpus, hi) - lo);
  return 60 * Math.min(vcpus, 1) + 40 * between(1, 2) + 20 * between(2, 4) + 10 * between(4, Infinity);
}

/**
 * AKS kube-reserved memory (MiB), AKS 1.29 and later: the lesser of `20 MB × max pods + 50 MB` and 25 % of the VM's
 * memory (AKS docs "Node resource reservations", Memory reservations). MB is read as MiB, the larger unit.
 */
export function aksReservedMemoryMiB(memoryMiB: number, maxPods: number): number {
  return Math.min(20 * maxPods + 50, 0.25 * memoryMiB);
}

/**
 * EKS AL2023 kube-reserved CPU (millicores): 6 % of the first core, 1 % of the second, 0.5 % of the third and fourth,
 * 0.25 % of every core above (awslabs/amazon-eks-ami nodeadm/internal/kubelet/config.go getCPUMillicoresToReserve:
 * ranges 0/1000/2000/4000 millicores at 600/100/50/25 basis points, integer division per range).
 */
export function eksReservedCpuMilli(vcpus: number): number {
  const total = vcpus * 1000;
  const ranges = [0, 1000, 2000, 4000, total];
  const basisPoints = [600, 100, 50, 25];
  return basisPoints.reduce((sum, bp, i) => {
    if (total <= ranges[i]) return sum;
    return sum + Math.floor(((Math.min(total, ranges[i + 1]) - ranges[i]) * bp) / 10000);
  }, 0);
}

/** EKS AL2023 kube-reserved memory (MiB): `11 × maxPods + 255` (nodeadm config.go getMemoryMebibytesToReserve). */
export function eksReservedMemoryMiB(maxPods: number): number {
  return 11 * maxPods + 255;
}

/** How a node's capacity becomes its allocatable (all amounts per node). */
export interface NodeAllocatable {
  maxPods: number;
  /** What the kubelet reports as capacity: vCPUs, the nominal memory less MEMORY_OVERHEAD_FRACTION, GPUs. */
  capacity: Amounts;
  kubeReserved: { cpuMilli: number; memoryMiB: number };
  evictionMiB: number;
  /** capacity − kube-reserved − eviction threshold: the node's `status.allocatable`. */
  allocatable: Amounts;
}

/** A machine shape's allocatable on its cloud; `maxPods` defaults to the shape's (EKS) or AKS's pool default. */
export function nodeAllocatable(shape: MachineShape, maxPods?: number): NodeAllocatable {
  const pods = maxPods ?? shape.maxPods ?? AKS_DEFAULT_MAX_PODS;
  const nominalMiB = shape.memoryGiB * 1024;
  const capacity: Amounts = {
    cpuMilli: shape.vcpus * 1000,
    memoryMiB: Math.floor(nominalMiB * (1 - MEMORY_OVERHEAD_FRACTION)),
    gpus: shape.gpus,
  };
  const kubeReserved =
    shape.cloud === "azure"
      ? { cpuMilli: aksReservedCpuMilli(shape.vcpus), memoryMiB: Math.ceil(aksReservedMemoryMiB(nominalMiB, pods)) }
      : { cpuMilli: eksReservedCpuMilli(shape.vcpus), memoryMiB: eksReservedMemoryMiB(pods) };
  const evictionMiB = EVICTION_HARD_MIB[shape.cloud];
  return {
    maxPods: pods,
    capacity,
    kubeReserved,
    evictionMiB,
    allocatable: {
      cpuMilli: capacity.cpuMilli - kubeReserved.cpuMilli,
      memoryMiB: capacity.memoryMiB - kubeReserved.memoryMiB - evictionMiB,
      gpus: capacity.gpus,
    },
  };
}

/** A DaemonSet pod on every node of a pool, by its requests. */
export interface NodeAgent {
  name: string;
  cpuMilli: number;
  memoryMiB: number;
}

const agent = (name: string, cpuMilli: number, memoryMiB: number): NodeAgent => ({ name, cpuMilli, memoryMiB });

/**
 * The cloud's own DaemonSets on every node (not the platform's; pod requests: the sum of the containers', or the
 * largest init container's when larger). Estimates from the components' public manifests, which the managed
 * versions follow; re-check them against `kubectl describe node` on a real cluster.
 */
export const CLOUD_NODE_AGENTS = {
  aws: [
    // EKS kube-proxy add-on: a CPU request only, no memory request (aws/containers-roadmap#1509).
    agent("kube-proxy", 100, 0),
    // aws-node: aws-node and aws-eks-nodeagent 25m each (aws/amazon-vpc-cni-k8s config/master/aws-k8s-cni.yaml).
    agent("aws-node", 50, 0),
    // ebs-csi-node: ebs-plugin 10m/40Mi, node-driver-registrar and liveness-probe 10m/32Mi each; tolerates every taint
    // (kubernetes-sigs/aws-ebs-csi-driver charts/aws-ebs-csi-driver values.yaml node.resources, templates/_node.tpl).
    agent("ebs-csi-node", 30, 104),
  ],
  azure: [
    // cloud-node-manager 50m/50Mi (kubernetes-sigs/cloud-provider-azure examples/out-of-tree/cloud-node-manager.yaml).
    agent("cloud-node-manager", 50, 50),
    // csi-azuredisk-node and csi-azurefile-node: three containers of 10m/20Mi each (kubernetes-sigs/azuredisk-csi-driver
    // deploy/csi-azuredisk-node.yaml, kubernetes-sigs/azurefile-csi-driver deploy/csi-azurefile-node.yaml).
    agent("csi-azuredisk-node", 30, 60),
    agent("csi-azurefile-node", 30, 60),
    // azure-ip-masq-agent 100m/50Mi (Azure/azure-container-networking test/e2e/manifests/cilium/v1.14/ipmasq).
    agent("azure-ip-masq-agent", 100, 50),
    // azure-cns: 250Mi (Azure/AKS#3525 counts 550 MB for azure-cns and azure-npm; azure-npm's 300Mi: Azure/AKS#2033);
    // its CPU request is not published: 40m assumed.
    agent("azure-cns", 40, 250),
  ],
} as const satisfies Record<MachineShape["cloud"], NodeAgent[]>;

/**
 * AKS agents that depend on `azure.networkPolicy`. cilium: the Cilium agent, 100m/100Mi from its init container
 * clean-cilium-state (Azure/azure-container-networking test/integration/manifests/cilium/v1.19 cilium-agent
 * daemonset.yaml; Azure/AKS#5244), and no kube-proxy (Cilium replaces it). azure: azure-npm 250m/300Mi (Azure/AKS#2033)
 * and kube-proxy. calico: calico-node 250m (projectcalico calico.yaml) and kube-proxy. kube-proxy on AKS: 100m assumed,
 * as on EKS.
 */
export const AKS_NETWORK_POLICY_AGENTS = {
  cilium: [agent("cilium", 100, 100)],
  azure: [agent("azure-npm", 250, 300), agent("kube-proxy", 100, 0)],
  calico: [agent("calico-node", 250, 0), agent("kube-proxy", 100, 0)],
} as const satisfies Record<string, NodeAgent[]>;

/** The cloud's DaemonSets on every node of a cluster (`networkPolicy`: AKS's `azure.networkPolicy`). */
export function cloudNodeAgents(
  cloud: MachineShape["cloud"],
  networkPolicy?: keyof typeof AKS_NETWORK_POLICY_AGENTS,
): NodeAgent[] {
  if (cloud === "aws") return [...CLOUD_NODE_AGENTS.aws];
  return [...CLOUD_NODE_AGENTS.azure, ...AKS_NETWORK_POLICY_AGENTS[networkPolicy ?? "cilium"]];
}

/** `allocatable` less the requests of `agents`: what a node has left for the platform's pods. */
export function leftForPods(allocatable: Amounts, agents: NodeAgent[]): Amounts {
  return {
    cpuMilli: allocatable.cpuMilli - agents.reduce((n, a) => n + a.cpuMilli, 0),
    memoryMiB: allocatable.memoryMiB - agents.reduce((n, a) => n + a.memoryMiB, 0),
    gpus: allocatable.gpus,
  };
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/**
 * A quantity the schema accepted (stacks/schema/common.ts `quantity`: digits, an optional fraction, an optional
 * suffix) as a number of base units (cores, bytes); undefined for anything else. The policy pack's parseQuantity
 * (policy/rules/lib/k8s.ts) reads the same grammar (test/policy-conventions.spec.ts compares them).
 */
export function quantityValue(q: string | number): number | undefined {
  if (typeof q === "number") return Number.isFinite(q) ? q : undefined;
  const m = /^([0-9]+(?:\.[0-9]+)?)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return undefined;
  const factor = BINARY[m[2]] ?? DECIMAL[m[2]];
  return factor === undefined ? undefined : Number(m[1]) * factor;
}

/** Millicores of a CPU quantity (rounded up: the scheduler counts whole millicores). */
export const cpuMilli = (q: string | number) => {
  const v = quantityValue(q);
  return v === undefined ? undefined : Math.ceil(Math.round(v * 1e6) / 1e3);
};

/** MiB of a memory quantity (fractional MiB kept: 1G is 953.67 MiB). */
export const memoryMiB = (q: string | number) => {
  const v = quantityValue(q);
  return v === undefined ? undefined : v / 2 ** 20;
};

/** The amounts of `request` that exceed `free` (empty: it fits). */
export function shortfall(request: Amounts, free: Amounts): (keyof Amounts)[] {
  return (["cpuMilli", "memoryMiB", "gpus"] as const).filter((k) => request[k] > free[k]);
}

/** "3630m CPU, 13898Mi memory, 1 GPU": amounts as the messages show them. */
export function describeAmounts(a: Amounts): string {
  const mem = Number.isInteger(a.memoryMiB) ? a.memoryMiB : Math.round(a.memoryMiB * 10) / 10;
  return `${a.cpuMilli}m CPU, ${mem}Mi memory${a.gpus ? `, ${a.gpus} GPU` : ""}`;
}
