import type { z } from "zod";
import { describeShape, knownGpuCount, knownMachineTypes, machineShape } from "../../machine-types.ts";
import { gpuDevicesPerNode, poolGpuVendor } from "../../accelerators.ts";
import { newestKubernetesVersion } from "../../kubernetes-versions.ts";
import { CLUSTER_AUTOSCALER_IMAGE_TAGS } from "../../versions.ts";
import type { StackConfig } from "../stack.ts";
import type { AutoscalerProfile, ClusterConfig } from "../cluster.ts";
import { parseDuration } from "../common.ts";
import { nodeGroupPerZone, volumePools } from "../../placement.ts";

type Ctx = z.RefinementCtx;

/** Cross-field rules of `clusters` that a field schema cannot express. */
export function checkClusters(cfg: StackConfig, ctx: Ctx): void {
  duplicates(cfg.clusters.map((c) => c.name)).forEach((i) =>
    issue(
      ctx,
      ["clusters", i, "name"],
      `duplicate cluster name "${cfg.clusters[i].name}"; cluster names must be unique`,
      cfg.clusters[i].name,
    ),
  );
  cfg.clusters.forEach((cluster, ci) => {
    const at = (...rest: (string | number)[]) => ["clusters", ci, ...rest];
    duplicates(cluster.pools.map((p) => p.name)).forEach((pi) =>
      issue(
        ctx,
        at("pools", pi, "name"),
        `duplicate pool name "${cluster.pools[pi].name}" in cluster ${cluster.name}`,
        cluster.pools[pi].name,
      ),
    );
    if (cluster.cloud === "azure") {
      checkAksDurations(cluster.autoscaler, (...rest) => at("autoscaler", ...rest), ctx);
      checkAksDrainTimeout(cluster, at, ctx);
    }
    if (cluster.cloud === "existing") checkExistingGpuPools(cluster, at, ctx);
    if (cluster.cloud !== "existing" && !cluster.pools.some((p) => p.role === "system")) {
      issue(
        ctx,
        at("pools"),
        `needs one pool with role: system (it runs the platform add-ons)`,
        cluster.pools.map((p) => p.name),
      );
    }
    if (cluster.cloud === "azure" && cluster.azure.privateCluster && cluster.azure.apiServerAuthorizedIpRanges.length) {
      issue(
        ctx,
        at("azure", "apiServerAuthorizedIpRanges"),
        "a private cluster has no public API server to restrict (AKS refuses authorized IP ranges with privateCluster); remove the ranges or set privateCluster: false",
        cluster.azure.apiServerAuthorizedIpRanges,
      );
    }
    if (cluster.cloud === "aws" && !cluster.aws.existingVpc) {
      // EC2 CreateVpc takes /16 to /28; the platform's layout (components/cluster/eks-network.ts) carves per zone a
      // private /prefix+2 and a public /prefix+4 subnet, and EC2 subnets are /28 at the smallest: so /16 to /24.
      const prefix = Number(cluster.aws.vpcCidr.split("/")[1]);
      if (prefix < 16 || prefix > 24)
        issue(
          ctx,
          at("aws", "vpcCidr"),
          "must have a prefix from /16 to /24 (AWS VPCs are /16 to /28, and the platform carves private /prefix+2 and public /prefix+4 subnets per zone out of it)",
          cluster.aws.vpcCidr,
        );
    }
    if (cluster.cloud === "aws" && cluster.aws.endpointPublicAccess && cluster.aws.publicAccessCidrs.length === 0) {
      // EKS docs (cluster-endpoint): "If you specify no CIDR blocks, then the public API server endpoint receives
      // requests from all (0.0.0.0/0) IP addresses": an empty list looks closed but is open.
      issue(
        ctx,
        at("aws", "publicAccessCidrs"),
        "is empty, which EKS reads as open to every address (0.0.0.0/0); list the ranges allowed, write 0.0.0.0/0 to mean everyone, or set endpointPublicAccess: false",
        cluster.aws.publicAccessCidrs,
      );
    }
    const poolLimit = POOL_NODE_LIMITS[cluster.cloud];
    cluster.pools.forEach((pool, pi) => {
      const p = (...rest: (string | number)[]) => at("pools", pi, ...rest);
      if (pool.min > pool.max) issue(ctx, p("max"), `must be >= min (${pool.min})`, pool.max);
      for (const field of ["min", "max"] as const) {
        if (pool[field] > poolLimit.nodes)
          issue(
            ctx,
            p(field),
            `must be at most ${poolLimit.nodes}: ${poolLimit.why}; split the pool into several`,
            pool[field],
          );
      }
      if (pool.role === "system" && pool.spot) {
        issue(
          ctx,
          p("spot"),
          "a system pool cannot be spot (AKS forbids it; evictions would take the add-ons down); set spot: false",
          pool.spot,
        );
      }
      if (pool.role === "system" && pool.min < 1 && cluster.cloud !== "existing") {
        issue(
          ctx,
          p("min"),
          "a system pool needs min >= 1 (the add-ons and the autoscaler itself run there)",
          pool.min,
        );
      }
      if (cluster.cloud === "azure" && pool.machineTypes.length > 1) {
        issue(
          ctx,
          p("machineTypes"),
          "AKS pools take exactly one VM size; list one, or add another pool",
          pool.machineTypes,
        );
      }
      if (cluster.cloud !== "existing") {
        pool.machineTypes.forEach((type, ti) => {
          const shape = machineShape(type);
          if (!shape || shape.cloud !== cluster.cloud) {
            const kind = (cloud: "azure" | "aws") => (cloud === "azure" ? "Azure VM size" : "EC2 instance type");
            const what = shape
              ? `an ${kind(shape.cloud)}, not an ${kind(cluster.cloud)}`
              : `not a known ${kind(cluster.cloud)}`;
            issue(
              ctx,
              p("machineTypes", ti),
              `${what}: the platform checks that every pod fits a node of its pools, so it needs the machine's shape (known: ${knownMachineTypes(cluster.cloud).join(", ")}); to add one, add its vCPUs, memory, GPUs, GPU model and (EC2) max pods, with the source, to MACHINE_TYPES in stacks/machine-types.ts and to the policy pack's copy in policy/rules/lib/platform.ts`,
              type,
            );
            return;
          }
          const known = knownGpuCount(type);
          const declared = pool.gpu?.count ?? 0;
          if (known !== undefined && known !== declared) {
            const fix = known === 0 ? "remove gpu or pick a GPU machine type" : `set gpu.count: ${known}`;
            issue(
              ctx,
              p("machineTypes", ti),
              `${type} has ${known} GPU(s) per node but the pool declares ${declared}; ${fix}`,
              type,
            );
          }
        });
      }
      if (cluster.cloud === "aws" && pool.machineTypes.length > 1) {
        // Only types whose shape is known can be compared; unknown ones are reported above.
        const shapes = pool.machineTypes.map((t) => ({ t, shape: machineShape(t) })).filter((x) => x.shape);
        const first = shapes[0];
        const other = shapes.find((x) => describeShape(x.shape!) !== describeShape(first.shape!));
        if (first && other) {
          issue(
            ctx,
            p("machineTypes"),
            `${first.t} (${describeShape(first.shape!)}) and ${other.t} (${describeShape(other.shape!)}) differ: the cluster autoscaler sizes a node group from one of its types, so list types of the same vCPU, memory and GPU (e.g. m6i/m6a/m7i of one size), or split the pool`,
            pool.machineTypes,
          );
        }
      }
      if (pool.nodeGroupPerZone !== undefined && cluster.cloud !== "aws") {
        issue(
          ctx,
          p("nodeGroupPerZone"),
          `only for cloud: aws (EKS node groups); remove it (${cluster.cloud === "azure" ? "AKS pools span no zones, see docs/clusters.md" : "an existing cluster's pools are not created"})`,
          pool.nodeGroupPerZone,
        );
      }
      if (pool.headroomGpus > 0 && !pool.gpu) {
        issue(
          ctx,
          p("headroomGpus"),
          "warm GPU headroom needs a GPU pool (gpu.count); set 0 or add gpu",
          pool.headroomGpus,
        );
      }
      // In the devices the pool advertises: GPUs × time-slicing replicas or MIG instances (stacks/accelerators.ts).
      if (pool.gpu && pool.headroomGpus > gpuDevicesPerNode(pool) * pool.max) {
        issue(
          ctx,
          p("headroomGpus"),
          `must be <= max × GPU devices per node (${gpuDevicesPerNode(pool) * pool.max})`,
          pool.headroomGpus,
        );
      }
    });
    if (cluster.cloud === "aws" && cfg.addons.clusterAutoscaler.enabled && !cfg.addons.clusterAutoscaler.imageTag) {
      const minor = Number(cluster.kubernetesVersion.split(".")[1]);
      const offered = minor <= Number(newestKubernetesVersion("aws").split(".")[1]); // else its field says so
      if (offered && !(cluster.kubernetesVersion in CLUSTER_AUTOSCALER_IMAGE_TAGS)) {
        issue(
          ctx,
          at("kubernetesVersion"),
          `no cluster-autoscaler image is pinned for ${cluster.kubernetesVersion} (known: ${Object.keys(CLUSTER_AUTOSCALER_IMAGE_TAGS).join(", ")}); set addons.clusterAutoscaler.imageTag`,
          cluster.kubernetesVersion,
        );
      }
    }
  });
}

/**
 * The most nodes one pool can have. AKS: 1,000 per node pool (AKS docs, best-practices-performance-scale-large: "AKS
 * has a limit of 1,000 nodes per node pool"). EKS: the default of the "Nodes per managed node group" quota, 450
 * (docs.aws.amazon.com/general/latest/gr/eks.html, "Amazon EKS endpoints and quotas"; adjustable, but several pools
 * need no quota request). An existing cluster: Kubernetes' tested maximum, 5,000 nodes per cluster
 * (kubernetes.io/docs/setup/best-practices/cluster-large).
 */
export const POOL_NODE_LIMITS: Record<StackConfig["clusters"][number]["cloud"], { nodes: number; why: string }> = {
  azure: { nodes: 1000, why: "AKS allows at most 1,000 nodes per node pool" },
  aws: { nodes: 450, why: 'the EKS quota "Nodes per managed node group" defaults to 450' },
  existing: { nodes: 5000, why: "Kubernetes supports at most 5,000 nodes per cluster" },
};

export function issue(ctx: Ctx, path: (string | number)[], message: string, input: unknown): void {
  ctx.addIssue({ code: "custom", path, message, input });
}

/** Indexes of the second and later occurrences of repeated values. */
export function duplicates(values: string[]): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  values.forEach((v, i) => (seen.has(v) ? out.push(i) : seen.add(v)));
  return out;
}

/**
 * AKS's autoScalerProfile takes these three durations in whole minutes only ("Values must be an integer followed by
 * an 'm'. No unit of time other than minutes (m) is supported", ManagedClusterPropertiesAutoScalerProfile in the
 * AKS API); components/cluster/aks.ts writes them as `<n>m`, which needs a whole number of minutes.
 */
export const AKS_MINUTE_FIELDS = ["scaleDownUnneededTime", "scaleDownDelayAfterAdd", "maxNodeProvisionTime"] as const;

function checkAksDurations(
  p: AutoscalerProfile,
  at: (...rest: (string | number)[]) => (string | number)[],
  ctx: Ctx,
): void {
  for (const field of AKS_MINUTE_FIELDS) {
    const seconds = parseDuration(p[field]);
    // A malformed duration was reported by its field.
    if (seconds !== undefined && seconds % 60 !== 0) {
      issue(
        ctx,
        at(field),
        `AKS takes whole minutes here; use e.g. ${Math.max(1, Math.round(seconds / 60))}m`,
        p[field],
      );
    }
  }
}

/**
 * AKS stops an upgrade when a node's pods have not terminated within the drain timeout ("If this time is exceeded,
 * the upgrade fails", AgentPoolUpgradeSettings in the AKS API). A worker's termination grace can reach the
 * autoscaler's maxGracefulTerminationSec (components/workloads/worker.ts caps it there), so a shorter timeout would
 * stop every upgrade that meets a worker finishing a job.
 */
function checkAksDrainTimeout(
  cluster: Extract<ClusterConfig, { cloud: "azure" }>,
  at: (...rest: (string | number)[]) => (string | number)[],
  ctx: Ctx,
): void {
  const timeout = cluster.azure.upgrades.drainTimeoutMinutes;
  const grace = cluster.autoscaler.maxGracefulTerminationSec;
  if (timeout !== undefined && timeout * 60 < grace) {
    issue(
      ctx,
      at("azure", "upgrades", "drainTimeoutMinutes"),
      `shorter than the termination grace a worker may get (autoscaler.maxGracefulTerminationSec: ${grace}s): AKS would stop the upgrade while the worker finishes its job; set at least ${Math.ceil(grace / 60)}, or remove it for the default`,
      timeout,
    );
  }
}

/**
 * A declared GPU pool of an existing cluster is how the GPU DaemonSets (device plugin, DCGM exporter) find the GPU
 * nodes: its labels become their node affinity (components/addons/scheduling.ts gpuPlacement). Without labels, or
 * with labels every node of a CPU pool also carries, they would run on CPU nodes too.
 */
function checkExistingGpuPools(
  cluster: Extract<ClusterConfig, { cloud: "existing" }>,
  at: (...rest: (string | number)[]) => (string | number)[],
  ctx: Ctx,
): void {
  cluster.pools.forEach((pool, pi) => {
    if (!pool.gpu) return;
    const labels = Object.entries(pool.labels);
    if (labels.length === 0) {
      issue(
        ctx,
        at("pools", pi, "labels"),
        `GPU pool ${pool.name} declares no labels, so the device plugin and DCGM exporter DaemonSets would run on every node: list labels only its GPU nodes carry, e.g. { nvidia.com/gpu.present: "true" } (NVIDIA GPU feature discovery) or one you set on them (and taint them nvidia.com/gpu=present:NoSchedule under taints to keep other pods off)`,
        pool.labels,
      );
      return;
    }
    const vendor = poolGpuVendor(pool);
    const cpu = cluster.pools.find(
      (other) => poolGpuVendor(other) !== vendor && labels.every(([k, v]) => other.labels[k] === v),
    );
    if (cpu) {
      const what = cpu.gpu ? `${poolGpuVendor(cpu)} GPUs` : "no GPU";
      issue(
        ctx,
        at("pools", pi, "labels"),
        `pool ${cpu.name} (${what}) carries every label of ${vendor} GPU pool ${pool.name}, so the ${vendor} GPU DaemonSets would run on its nodes too: add a label only the ${vendor} GPU nodes carry`,
        pool.labels,
      );
    }
  });
}

/** EKS's managed node group updates give up on a node whose pods have not left within 15 minutes (PodEvictionFailure). */
export const EKS_UPDATE_EVICTION_SECONDS = 900;

/** Cluster settings that are allowed but deserve a warning (reported with the workload warnings, stacks/load.ts). */
export function clusterWarnings(cfg: Pick<StackConfig, "clusters">): string[] {
  const out: string[] = [];
  cfg.clusters.forEach((cluster, ci) => {
    if (cluster.cloud !== "aws") return;
    const volumes = new Set(volumePools(cluster.pools));
    cluster.pools.forEach((pool, pi) => {
      if (pool.nodeGroupPerZone === false && volumes.has(pool)) {
        out.push(
          `clusters[${ci}].pools[${pi}].nodeGroupPerZone: pool ${pool.name} of ${cluster.name} can host the platform's EBS volumes (Prometheus, in-cluster queues) but spans the zones with one node group: a pod whose volume is in one zone may stay Pending, because the cluster autoscaler cannot add a node in a chosen zone to such a group`,
        );
      }
    });
    const split = cluster.pools.filter((pool) => nodeGroupPerZone(pool, cluster.pools));
    if (split.length > 0 && !cluster.autoscaler.balanceSimilarNodeGroups) {
      out.push(
        `clusters[${ci}].autoscaler.balanceSimilarNodeGroups: false while pool${split.length > 1 ? "s" : ""} ${split.map((p) => p.name).join(", ")} of ${cluster.name} have a node group per zone: the autoscaler will not spread their nodes over the zones`,
      );
    }
    const grace = cluster.autoscaler.maxGracefulTerminationSec;
    if (grace > EKS_UPDATE_EVICTION_SECONDS) {
      out.push(
        `clusters[${ci}].autoscaler.maxGracefulTerminationSec: ${grace}s lets a worker on ${cluster.name} take longer to stop than the ${EKS_UPDATE_EVICTION_SECONDS / 60} minutes an EKS node group update waits for a node's pods to leave: such an update fails with PodEvictionFailure (the worker still gets its grace); retry it when no long job runs`,
      );
    }
  });
  return out;
}
