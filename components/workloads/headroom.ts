import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { GPU_RESOURCES, gpuDevicesPerNode, poolGpuVendor, timeSliced } from "../../stacks/accelerators.ts";
import { HEADROOM_RESOURCES, headroomShape } from "../../stacks/platform-pods.ts";
import { IMAGES } from "../../stacks/versions.ts";
import type { PoolHandle } from "../cluster/handle.ts";
import type { WorkloadEnv } from "./common.ts";
import { objectLabels, podOpts, priorityClassName, selectorLabels, SKIP_AWAIT } from "./common.ts";
import { placementOn } from "./scheduling.ts";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./security.ts";

/** uid:gid the pause image runs as (registry.k8s.io/pause: USER 65535:65535). */
const PAUSE_USER = { uid: 65535, gid: 65535 };

/**
 * Warm GPU headroom: per GPU pool with `headroomGpus > 0`, a Deployment of `pause` pods at the negative
 * overprovisioning PriorityClass that request GPUs on that pool (tolerating its taints, required affinity to it).
 * They keep GPU nodes up; a real GPU pod preempts them at once (their class never preempts anything), they go
 * Pending, and the cluster autoscaler brings up a replacement node: the GPU node cold start (minutes) is paid by a
 * placeholder, not by the first job. Fixed replicas: no autoscaler targets them.
 */
export function createHeadroom(env: WorkloadEnv, parent: pulumi.Resource): k8s.apps.v1.Deployment[] {
  const pools = env.cluster.pools.filter(
    (p): p is PoolHandle & { gpu: NonNullable<PoolHandle["gpu"]> } => !!p.gpu && p.headroomGpus > 0,
  );
  return pools.map((pool) => {
    const name = `gpu-headroom-${pool.name}`;
    const labels = objectLabels(env, name, "headroom");
    const podLabels = selectorLabels(name, "headroom");
    // In the devices the pool advertises (GPUs × time-slicing replicas or MIG instances), under its vendor's resource;
    // one per placeholder on a time-sliced pool, whose plugin refuses a request above 1 (failRequestsGreaterThanOne).
    const { replicas, gpusPerPod } = headroomShape(pool.headroomGpus, timeSliced(pool) ? 1 : gpuDevicesPerNode(pool));
    const placement = placementOn([pool]);
    const gpus = { [GPU_RESOURCES[poolGpuVendor(pool)!]]: String(gpusPerPod) };
    return new k8s.apps.v1.Deployment(
      `${env.cluster.name}-${name}`,
      {
        // skipAwait: a placeholder is Ready only once the autoscaler has brought up a GPU node for it (the pool may be
        // at 0 nodes), and again after every preemption; waiting for that can exceed pulumi-kubernetes' 10 minute
        // Deployment await and fail `pulumi up` for nothing (common.ts SKIP_AWAIT).
        metadata: {
          name,
          namespace: env.namespace,
          labels,
          annotations: { "worker-platform/headroom-gpus": String(pool.headroomGpus), ...SKIP_AWAIT },
        },
        spec: {
          replicas,
          selector: { matchLabels: podLabels },
          template: {
            metadata: { labels: podLabels },
            spec: {
              priorityClassName: priorityClassName(env.config, "overprovisioning"),
              automountServiceAccountToken: false,
              // Preempted pods should leave at once so the real pod gets the GPU.
              terminationGracePeriodSeconds: 0,
              securityContext: restrictedPodSecurityContext(PAUSE_USER),
              tolerations: placement.tolerations,
              ...(placement.affinity ? { affinity: placement.affinity } : {}),
              containers: [
                {
                  name: "pause",
                  image: IMAGES.pause,
                  resources: {
                    requests: { ...HEADROOM_RESOURCES.requests, ...gpus },
                    limits: { ...HEADROOM_RESOURCES.limits, ...gpus },
                  },
                  securityContext: restrictedContainerSecurityContext(),
                },
              ],
            },
          },
        },
      },
      podOpts(env, parent),
    );
  });
}
