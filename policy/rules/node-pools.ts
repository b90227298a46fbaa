import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isProduction, productionSchema } from "./lib/common.ts";
import { blockingTaints } from "./lib/k8s.ts";
import type { Pool } from "./lib/model.ts";
import { CLOUD, CLUSTER_TYPES } from "./lib/model.ts";
import { EKS_SPOT_TAINT, GPU_TAINT, GPU_TAINTS } from "./lib/platform.ts";
import { stackPolicy } from "./lib/stack.ts";

const poolRef = (p: Pool, cluster: string) => `pool ${p.name} of cluster ${cluster}`;

/**
 * Spot nodes disappear with 2 minutes' (AWS) or 30 seconds' (Azure) notice, so only workloads that opt in may land
 * there. AKS taints spot pools itself (kubernetes.azure.com/scalesetpriority=spot:NoSchedule); EKS adds no taint to
 * SPOT managed node groups, so the platform must.
 */
export const spotPoolsTainted = stackPolicy(
  {
    name: "spot-pools-tainted",
    description: "Spot node pools carry a NoSchedule spot taint, so only workloads that tolerate eviction land there.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: `Add the taint ${EKS_SPOT_TAINT.key}=${EKS_SPOT_TAINT.value}:NO_SCHEDULE to SPOT node groups (AKS adds its own to Spot pools).`,
  },
  (model, _args, report) => {
    for (const c of model.clusters) {
      for (const p of c.pools.filter((p) => p.spot)) {
        const tainted = blockingTaints(p.taints).some((t) =>
          /spot|scalesetpriority|capacity/i.test(`${t.key}=${t.value}`),
        );
        if (!tainted)
          report(
            `${poolRef(p, c.name)} is spot capacity without a spot taint: any pod may land there and be evicted.`,
            p.resource.urn,
          );
      }
    }
  },
);

/**
 * GPU nodes are the expensive ones. An unbounded or unset max lets one queue burst buy GPUs without limit (and
 * makes the GPU capacity check meaningless); an untainted GPU pool fills with CPU pods that then keep the GPU node
 * from scaling down (AKS does not taint GPU pools itself).
 */
export const gpuPoolsBounded = stackPolicy(
  {
    name: "gpu-pools-bounded-and-tainted",
    description: "GPU node pools have an explicit max size and the nvidia.com/gpu NoSchedule taint.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: `Set the pool's max (AKS maxCount with enableAutoScaling, EKS scalingConfig.maxSize) and the taint ${GPU_TAINT.key}=${GPU_TAINT.value}:NoSchedule.`,
    configSchema: {
      properties: {
        maxNodesPerGpuPool: {
          type: "integer",
          minimum: 1,
          description: "Largest max a GPU pool may have. Unset: any explicit max.",
        },
      },
    },
  },
  (model, args, report) => {
    const { maxNodesPerGpuPool } = args.getConfig<{ maxNodesPerGpuPool?: number }>();
    for (const c of model.clusters) {
      for (const p of c.pools.filter((p) => p.gpu)) {
        if (p.maxNodes === undefined) report(`GPU ${poolRef(p, c.name)} has no max size.`, p.resource.urn);
        else if (maxNodesPerGpuPool !== undefined && p.maxNodes > maxNodesPerGpuPool)
          report(
            `GPU ${poolRef(p, c.name)} may grow to ${p.maxNodes} nodes, above the allowed ${maxNodesPerGpuPool}.`,
            p.resource.urn,
          );
        // The taint of the pool's vendor (nvidia.com/gpu or amd.com/gpu): the one its GPU pods tolerate.
        const taint = GPU_TAINTS[p.gpuVendor];
        if (!p.taints.some((t) => t.key === taint.key && (t.effect === "NoSchedule" || t.effect === "NoExecute"))) {
          report(
            `GPU ${poolRef(p, c.name)} lacks the ${taint.key} NoSchedule taint: CPU pods would fill its nodes.`,
            p.resource.urn,
          );
        }
      }
    }
  },
);

const PROTECTED_TYPES: string[] = [...CLUSTER_TYPES, CLOUD.aksPool, CLOUD.eksNodeGroup];

/** `pulumi destroy` or a refactor that renames a cluster would delete every workload and its state with it. */
export const clustersProtected: ResourceValidationPolicy = {
  name: "clusters-protected-in-production",
  description: "In production, clusters and their node pools have the protect option.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Set clusters[].protect: true (defaults to platform.production), which passes protect: true to the cluster and its pools.",
  configSchema: { properties: { ...productionSchema } },
  validateResource: (args, report) => {
    if (!PROTECTED_TYPES.includes(args.type)) return;
    if (!isProduction(args.getConfig<{ production?: boolean }>(), args.urn)) return;
    if (args.opts.protect !== true) report(`${args.type.split(":").pop()} ${args.name} is not protected.`);
  },
};

export const nodePoolPolicies = [spotPoolsTainted, gpuPoolsBounded, clustersProtected];
