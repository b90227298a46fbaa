/**
 * The one mapping from the validated stack config to the simulator's own input (model/types.ts). Wherever the
 * program computes a number it renders into a ScaledObject/ScaledJob/HPA, this calls the same function
 * (`kedaScaling`, `queueTriggerNumbers`, `terminationGrace`, `choosePools`), so the simulator reads what the plan
 * writes (test/simulator-config.spec.ts checks it against the plan's objects).
 */
import type { ClusterConfig, PoolConfig, StackConfig, WorkerConfig } from "../stacks/schema/index.ts";
import { durationSeconds } from "../stacks/schema/common.ts";
import { ec2Shape, knownGpuCount } from "../stacks/machine-types.ts";
import { choosePools } from "../stacks/placement.ts";
import {
  kedaScaling,
  GRACE_MARGIN_SECONDS,
  SCALED_JOB_STRATEGY,
  terminationGrace,
} from "../components/workloads/worker.ts";
import { PRESTOP_SECONDS } from "../components/workloads/pod.ts";
import { queueTriggerNumbers } from "../components/workloads/triggers.ts";
import { parseQuantity } from "../policy/rules/lib/k8s.ts";
import type { Dist, HpaBehavior, SimCluster, SimPool, SimTrigger, SimWorker } from "./model/types.ts";
import { HPA_TOLERANCE } from "./model/hpa.ts";
import {
  CONTAINER_START,
  CPU_IMAGE_PULL,
  DEFAULT_TIMINGS,
  GPU_IMAGE_PULL,
  SERVICE_FRACTION,
  SERVICE_STEADY_UTILIZATION,
  SPOT_NOTICE_SECONDS,
} from "./timings.ts";
import type { CloudTimings } from "./timings.ts";
import { poolPrice } from "./prices.ts";

/** vCPUs, memory (GiB) and GPUs of the Azure sizes the shipped stacks use (Azure VM size pages). */
const AZURE_SHAPES: Record<string, { vcpus: number; memoryGiB: number; gpus: number }> = {
  Standard_D2s_v5: { vcpus: 2, memoryGiB: 8, gpus: 0 },
  Standard_D4s_v5: { vcpus: 4, memoryGiB: 16, gpus: 0 },
  Standard_D8s_v5: { vcpus: 8, memoryGiB: 32, gpus: 0 },
  Standard_D16s_v5: { vcpus: 16, memoryGiB: 64, gpus: 0 },
  Standard_NC4as_T4_v3: { vcpus: 4, memoryGiB: 28, gpus: 1 },
  Standard_NC8as_T4_v3: { vcpus: 8, memoryGiB: 56, gpus: 1 },
  Standard_NC16as_T4_v3: { vcpus: 16, memoryGiB: 110, gpus: 1 },
  Standard_NC64as_T4_v3: { vcpus: 64, memoryGiB: 440, gpus: 4 },
  Standard_NC24ads_A100_v4: { vcpus: 24, memoryGiB: 220, gpus: 1 },
  Standard_NV36ads_A10_v5: { vcpus: 36, memoryGiB: 440, gpus: 1 },
};

/**
 * Allocatable CPU (millicores), memory (MiB) and GPUs of a pool's node. TO BE REPLACED by the shared allocatable
 * module (issue #10) once it lands on main: until then capacity comes from stacks/machine-types.ts (EC2) or the table
 * above (Azure), less the EKS AL2023 kube-reserved formula (awslabs/amazon-eks-ami nodeadm kubelet config: CPU 6 % of
 * the first core, 1 % of the second, 0.5 % of cores 3-4, 0.25 % above; memory 11 × maxPods + 255 MiB, maxPods 110
 * assumed) and the 100 MiB hard eviction threshold, applied to both clouds. An unknown type (an existing cluster's
 * "unknown") gets 4 vCPU / 16 GiB and the pool's declared GPUs.
 */
export function nodeAllocatable(pool: Pick<PoolConfig, "machineTypes" | "gpu">): {
  cpuMilli: number;
  memoryMiB: number;
  gpus: number;
} {
  const type = pool.machineTypes[0];
  const shape = ec2Shape(type) ?? AZURE_SHAPES[type] ?? { vcpus: 4, memoryGiB: 16, gpus: 0 };
  const cores = shape.vcpus;
  const reservedCpu =
    60 + (cores >= 2 ? 10 : 0) + 5 * Math.max(0, Math.min(cores, 4) - 2) + 2.5 * Math.max(0, cores - 4);
  const reservedMem = 11 * 110 + 255 + 100;
  return {
    cpuMilli: Math.floor(cores * 1000 - reservedCpu),
    memoryMiB: Math.floor(shape.memoryGiB * 1024 - reservedMem),
    gpus: pool.gpu?.count ?? knownGpuCount(type) ?? shape.gpus,
  };
}

function cloudTimings(cfg: StackConfig, cluster: ClusterConfig): CloudTimings {
  return { ...DEFAULT_TIMINGS[cluster.cloud], ...(cfg.simulation.timings[cluster.cloud] ?? {}) };
}

/** Sum of two lognormal-ish distributions, by their quantiles (an upper bound on the p95: conservative). */
const addDist = (a: Dist, b: Dist): Dist => ({ p50: a.p50 + b.p50, p95: a.p95 + b.p95 });

function simPool(cfg: StackConfig, cluster: ClusterConfig, pool: PoolConfig): SimPool {
  const t = cloudTimings(cfg, cluster);
  const alloc = nodeAllocatable(pool);
  return {
    name: pool.name,
    machineType: pool.machineTypes[0],
    spot: pool.spot,
    ...alloc,
    min: pool.min,
    max: pool.max,
    // Defaults to 20 for a spot pool, 10 for an on-demand one (stacks/schema/cluster.ts).
    expanderPriority: pool.expanderPriority ?? (pool.spot ? 20 : 10),
    headroomGpus: pool.headroomGpus,
    pricePerHour: poolPrice(pool.machineTypes[0], pool.spot, cfg.simulation.prices[`${cluster.name}/${pool.name}`]),
    provision: pool.gpu ? t.gpuNodeReady : t.cpuNodeReady,
    gpuReady: pool.gpu ? addDist(t.gpuAllocatable, t.gpuDriverInstall) : { p50: 0, p95: 0 },
  };
}

const toBehavior = (b: ReturnType<typeof kedaScaling>["behavior"]): HpaBehavior => ({
  scaleUp: {
    stabilizationWindowSeconds: b.scaleUp.stabilizationWindowSeconds,
    ...(b.scaleUp.policies
      ? { policies: b.scaleUp.policies.map((p) => ({ ...p, type: p.type as "Pods" | "Percent" })) }
      : {}),
  },
  scaleDown: {
    stabilizationWindowSeconds: b.scaleDown.stabilizationWindowSeconds,
    ...(b.scaleDown.policies
      ? { policies: b.scaleDown.policies.map((p) => ({ ...p, type: p.type as "Pods" | "Percent" })) }
      : {}),
  },
});

/** Pools a pod may use, spot first when allowed (the spot preference of components/workloads/scheduling.ts). */
function poolOrder(cluster: ClusterConfig, req: Parameters<typeof choosePools>[1]): string[] {
  const choice = choosePools(cluster.pools, req);
  return [...choice.pools].sort((a, b) => Number(b.spot) - Number(a.spot)).map((p) => p.name);
}

function requests(r: { requests: { cpu: string; memory: string } }, gpus: number) {
  return {
    cpuMilli: Math.round((parseQuantity(r.requests.cpu) ?? 0) * 1000),
    memoryMiB: Math.round((parseQuantity(r.requests.memory) ?? 0) / 2 ** 20),
    gpus,
  };
}

function simWorker(cfg: StackConfig, cluster: ClusterConfig, w: WorkerConfig): SimWorker {
  const scaling = kedaScaling(w);
  const q = queueTriggerNumbers(w);
  const triggers: SimTrigger[] = [];
  if (q) triggers.push({ kind: "queue", ...q });
  if (w.safetyNet?.cpuUtilization !== undefined)
    triggers.push({ kind: "utilization", type: "cpu", targetPercent: w.safetyNet.cpuUtilization });
  if (w.safetyNet?.memoryUtilization !== undefined)
    triggers.push({ kind: "utilization", type: "memory", targetPercent: w.safetyNet.memoryUtilization });
  const placement = choosePools(cluster.pools, { gpu: w.gpu, spot: w.spot });
  const gpus = placement.kind === "gpu" ? (w.gpu?.count ?? 0) : 0;
  const overrides = cfg.simulation.workers[w.name] ?? {};
  const cap = cluster.autoscaler.maxGracefulTerminationSec;
  const job = w.mode === "job";
  return {
    name: w.name,
    kind: job ? "job" : "deployment",
    pollingInterval: scaling.pollingInterval,
    cooldownPeriod: scaling.cooldownPeriod,
    min: scaling.minReplicaCount,
    max: scaling.maxReplicaCount,
    triggers,
    behavior: toBehavior(scaling.behavior),
    tolerance: HPA_TOLERANCE,
    ...(job ? { scaledJob: { strategy: SCALED_JOB_STRATEGY.strategy } } : {}),
    requests: requests(w.resources, gpus),
    priority: cfg.priorityClasses.values[w.priority],
    pools: poolOrder(cluster, { gpu: w.gpu, spot: w.spot }),
    graceSeconds: job
      ? Math.min(w.maxJobDurationSeconds + PRESTOP_SECONDS + GRACE_MARGIN_SECONDS, cap)
      : terminationGrace(w.maxJobDurationSeconds, cap).seconds,
    // ScaledJob pods carry cluster-autoscaler.kubernetes.io/safe-to-evict: "false" (worker.ts).
    safeToEvict: !job,
    imagePull: overrides.imagePullSeconds ?? (gpus > 0 ? GPU_IMAGE_PULL : CPU_IMAGE_PULL),
    startup: overrides.startupSeconds ?? CONTAINER_START,
    service: overrides.serviceSeconds ?? {
      p50: SERVICE_FRACTION.p50 * w.maxJobDurationSeconds,
      p95: SERVICE_FRACTION.p95 * w.maxJobDurationSeconds,
    },
  };
}

const onCluster = (x: { clusters?: string[] }, c: ClusterConfig) => !x.clusters || x.clusters.includes(c.name);

/** The simulator's view of every cluster of a stack. */
export function simClusters(cfg: StackConfig): SimCluster[] {
  return cfg.clusters.map((cluster) => {
    const a = cluster.autoscaler;
    const expander =
      cluster.cloud === "azure"
        ? cluster.azure.expander
        : cluster.cloud === "aws"
          ? (cluster.aws.expander.split(",")[0] as SimCluster["autoscaler"]["expander"])
          : "priority";
    const workers = cfg.workers.filter((w) => onCluster(w, cluster)).map((w) => simWorker(cfg, cluster, w));
    for (const s of cfg.services.filter((x) => onCluster(x, cluster))) {
      const placement = choosePools(cluster.pools, { gpu: s.gpu, spot: s.spot });
      workers.push({
        name: s.name,
        kind: "service",
        pollingInterval: 0,
        cooldownPeriod: 0,
        min: s.replicas.min,
        max: s.replicas.max,
        triggers: [{ kind: "utilization", type: "cpu", targetPercent: s.targetCpuUtilization }],
        tolerance: HPA_TOLERANCE,
        requests: requests(s.resources, placement.kind === "gpu" ? (s.gpu?.count ?? 0) : 0),
        priority: cfg.priorityClasses.values[s.priority],
        pools: poolOrder(cluster, { gpu: s.gpu, spot: s.spot }),
        graceSeconds: 30,
        safeToEvict: true,
        imagePull: CPU_IMAGE_PULL,
        startup: CONTAINER_START,
        service: { p50: 1, p95: 1 },
        steadyUtilizationPercent: SERVICE_STEADY_UTILIZATION,
      });
    }
    return {
      name: cluster.name,
      cloud: cluster.cloud,
      pools: cluster.pools.filter((p) => p.role === "workload").map((p) => simPool(cfg, cluster, p)),
      autoscaler: {
        scanInterval: durationSeconds(a.scanInterval),
        scaleDownUnneededTime: durationSeconds(a.scaleDownUnneededTime),
        scaleDownDelayAfterAdd: durationSeconds(a.scaleDownDelayAfterAdd),
        // Upstream defaults (cluster-autoscaler config/flags): not configurable in this platform.
        scaleDownDelayAfterFailure: 180,
        scaleDownUtilizationThreshold: a.scaleDownUtilizationThreshold,
        maxGracefulTerminationSec: a.maxGracefulTerminationSec,
        maxNodeProvisionTime: durationSeconds(a.maxNodeProvisionTime),
        expander,
        initialBackoff: 300,
        maxBackoff: 1800,
        maxEmptyBulkDelete: 10,
      },
      workers,
      placeholderPriority: cfg.priorityClasses.values.overprovisioning,
      spotNoticeSeconds: SPOT_NOTICE_SECONDS[cluster.cloud],
    };
  });
}
