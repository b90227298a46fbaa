import type { z } from "zod";
import { describeShape, ec2Shape, knownGpuCount } from "../../machine-types.ts";
import { newestKubernetesVersion } from "../../kubernetes-versions.ts";
import { CLUSTER_AUTOSCALER_IMAGE_TAGS } from "../../versions.ts";
import type { StackConfig } from "../stack.ts";
import type { AutoscalerProfile } from "../cluster.ts";
import { parseDuration } from "../common.ts";

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
    if (cluster.cloud === "azure") checkAksDurations(cluster.autoscaler, (...rest) => at("autoscaler", ...rest), ctx);
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
        // Only types whose shape is known can be compared; unknown ones are the user's call.
        const shapes = pool.machineTypes.map((t) => ({ t, shape: ec2Shape(t) })).filter((x) => x.shape);
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
      if (pool.headroomGpus > 0 && !pool.gpu) {
        issue(
          ctx,
          p("headroomGpus"),
          "warm GPU headroom needs a GPU pool (gpu.count); set 0 or add gpu",
          pool.headroomGpus,
        );
      }
      if (pool.gpu && pool.headroomGpus > pool.gpu.count * pool.max) {
        issue(ctx, p("headroomGpus"), `must be <= max × gpu.count (${pool.gpu.count * pool.max})`, pool.headroomGpus);
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
