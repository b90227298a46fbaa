import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterHandle, PoolHandle } from "../../components/cluster/handle";
import { AKS_SPOT_TAINT, EKS_SPOT_TAINT, GPU_TAINT, SYSTEM_TAINT, platformPoolLabels } from "../../components/cluster/labels";
import { autoscalerProfile } from "../../stacks/schema";

/**
 * Hand-written ClusterHandles (the unit-test seam between clusters and add-ons): an AKS-like, an EKS-like and an
 * existing no-GPU cluster, shaped like what the cluster components yield. Call inside a runUnderMocks program.
 */
export type FakeKind = "aks" | "eks" | "existing";

function pool(p: Partial<PoolHandle> & Pick<PoolHandle, "name" | "role">, extra: { labels?: Record<string, string>; taints?: PoolHandle["taints"] } = {}): PoolHandle {
  const spot = p.spot ?? false;
  const base = { name: p.name, role: p.role, spot, gpu: p.gpu };
  return {
    min: 0,
    max: 3,
    machineTypes: ["m"],
    gpuCapacity: p.gpu ? p.gpu.count * (p.max ?? 3) : 0,
    headroomGpus: 0,
    ...base,
    ...p,
    selector: p.selector ?? { ...platformPoolLabels(base), ...(extra.labels ?? {}) },
    taints: p.taints ?? extra.taints ?? [],
  };
}

export function fakePools(kind: FakeKind): PoolHandle[] {
  const t4 = { count: 1, type: "nvidia-tesla-t4" };
  const a10g = { count: 1, type: "nvidia-a10g" };
  switch (kind) {
    case "aks":
      return [
        pool({ name: "system", role: "system", min: 1 }, { taints: [SYSTEM_TAINT] }),
        pool({ name: "gpuspot", role: "workload", spot: true, gpu: t4 }, { labels: { "kubernetes.azure.com/accelerator": "nvidia" }, taints: [GPU_TAINT, AKS_SPOT_TAINT] }),
        pool({ name: "gpu", role: "workload", gpu: t4 }, { labels: { "kubernetes.azure.com/accelerator": "nvidia" }, taints: [GPU_TAINT] }),
        pool({ name: "cpuspot", role: "workload", spot: true }, { taints: [AKS_SPOT_TAINT] }),
      ];
    case "eks":
      return [
        pool({ name: "system", role: "system", min: 2 }),
        pool({ name: "gpuspot", role: "workload", spot: true, gpu: a10g }, { labels: { "k8s.amazonaws.com/accelerator": "nvidia-a10g" }, taints: [GPU_TAINT, EKS_SPOT_TAINT] }),
        pool({ name: "cpu", role: "workload" }),
      ];
    case "existing":
      return [pool({ name: "default", role: "workload", selector: {}, min: 1, max: 1 })];
  }
}

/** Stands in for the cloud node pools a handle's `ready` lists. */
class NodePool extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:NodePool", name, {});
  }
}

/** A fake cluster handle with its own provider and a stand-in node pool resource as `ready`. */
export function fakeCluster(kind: FakeKind, over: Partial<ClusterHandle> = {}): ClusterHandle {
  const name = `${kind}-c`;
  const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: "fake" });
  const ready = [new NodePool(`${name}-pools`)];
  const profile = autoscalerProfile.parse({ scaleDownUnneededTime: "15m", maxGracefulTerminationSec: 900 });
  return {
    name,
    cloud: kind === "aks" ? "azure" : kind === "eks" ? "aws" : "existing",
    provider,
    pools: fakePools(kind),
    kubeconfig: pulumi.secret("fake"),
    ready,
    hasMetricsServer: kind === "aks",
    autoscaler: profile,
    autoscalerChart:
      kind === "eks"
        ? {
            clusterName: pulumi.output("eks-c-cluster"),
            region: "eu-west-1",
            roleArn: pulumi.output("arn:aws:iam::123456789012:role/eks-c-autoscaler"),
            serviceAccountName: "cluster-autoscaler",
            kubernetesVersion: "1.34",
            expander: "priority,least-waste",
            expanderPriorities: { 20: [".*gpuspot.*"], 10: [".*"] },
            profile,
          }
        : undefined,
    ...over,
  };
}
