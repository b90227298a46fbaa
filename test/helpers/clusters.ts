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

/* ---------- Workloads (issue 5): fake add-on outputs, handles from config, a mock run ---------- */

/** Stands in for the KEDA chart that KEDA objects depend on. */
class FakeKedaChart extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:KedaChart", name, {});
  }
}

export const FAKE_PROMETHEUS_URL = "http://prometheus-server.monitoring.svc:80";

/** AddonsOutputs as the Addons component yields them: a KEDA chart resource and the in-cluster Prometheus URL. */
export function fakeAddons(clusterName: string, over: { prometheusUrl?: string | null } = {}): { keda: pulumi.Resource[]; prometheusUrl?: string } {
  const url = over.prometheusUrl === null ? undefined : (over.prometheusUrl ?? FAKE_PROMETHEUS_URL);
  return { keda: [new FakeKedaChart(`${clusterName}-keda`)], ...(url ? { prometheusUrl: url } : {}) };
}

/** Raw cluster config entries (schema input) shaped like fakePools(kind), named like fakeCluster(kind). */
export function fakeClusterConfig(kind: FakeKind): Record<string, unknown> {
  const pools = fakePools(kind).map((p) => ({
    name: p.name,
    role: p.role,
    machineTypes: [p.gpu ? "Standard_NC4as_T4_v3" : "Standard_D4s_v5"],
    min: p.min,
    max: p.max,
    spot: p.spot,
    ...(p.gpu ? { gpu: p.gpu } : {}),
  }));
  const base = { name: `${kind}-c`, pools, autoscaler: { maxGracefulTerminationSec: 900 } };
  if (kind === "aks") return { ...base, cloud: "azure", region: "westeurope", kubernetesVersion: "1.34" };
  if (kind === "eks") return { ...base, cloud: "aws", region: "eu-west-1", kubernetesVersion: "1.34" };
  return { ...base, cloud: "existing", existing: { context: "kind-test" } };
}

/**
 * A handle for a cluster config the way the cluster components derive one (platform labels as selector, GPU taint
 * on GPU pools, the cloud's spot taint, AKS system taint; existing clusters: the pools' own labels/taints).
 */
export function handleFromConfig(c: import("../../stacks/schema").ClusterConfig, parent?: pulumi.Resource): ClusterHandle {
  const pools: PoolHandle[] = c.pools.map((p) => {
    const existing = c.cloud === "existing";
    const taints = existing
      ? p.taints
      : [
          ...(p.gpu ? [GPU_TAINT] : []),
          ...(p.spot ? [c.cloud === "azure" ? AKS_SPOT_TAINT : EKS_SPOT_TAINT] : []),
          ...(p.role === "system" && c.cloud === "azure" ? [SYSTEM_TAINT] : []),
          ...p.taints,
        ];
    return {
      name: p.name,
      role: p.role,
      spot: p.spot,
      gpu: p.gpu,
      min: p.min,
      max: p.max,
      machineTypes: p.machineTypes,
      selector: existing ? p.labels : { ...platformPoolLabels(p), ...p.labels },
      taints,
      gpuCapacity: p.gpu ? p.gpu.count * p.max : 0,
      headroomGpus: p.headroomGpus,
    };
  });
  return {
    name: c.name,
    cloud: c.cloud,
    // Parented like the cluster components parent theirs: the policy model tells clusters apart by component.
    provider: new k8s.Provider(c.name, { kubeconfig: "fake" }, { parent }),
    pools,
    kubeconfig: pulumi.secret("fake"),
    ready: [new NodePool(`${c.name}-pools`)],
    hasMetricsServer: c.cloud === "azure",
    autoscaler: c.autoscaler,
  };
}

export interface WorkloadsRun {
  resources: import("../../tools/harness").RecordedResource[];
  warnings: string[];
  config: import("../../stacks/schema").StackConfig;
  /** Recorded resources of a type token (e.g. kubernetes:apps/v1:Deployment), optionally on one cluster. */
  ofType(type: string, cluster?: string): import("../../tools/harness").RecordedResource[];
  /** The Kubernetes object of a type with metadata.name `name` (on `cluster` if given); fails when missing. */
  object(type: string, name: string, cluster?: string): import("../../tools/harness").RecordedResource;
}

/**
 * Builds the Workloads component under mocks for fake clusters (`fakeCluster(kind)`), with a stack config made of
 * `raw` (schema input) over clusters named like the fakes. `secrets` become Pulumi config secrets (fromConfig keys).
 */
export async function runWorkloads(
  kinds: FakeKind[],
  raw: Record<string, unknown> = {},
  opts: {
    secrets?: Record<string, string>;
    production?: boolean;
    addons?: { prometheusUrl?: string | null };
    /** Changes to the fake handle (e.g. headroomGpus on a pool). */
    cluster?: (c: ClusterHandle) => Partial<ClusterHandle>;
  } = {},
): Promise<WorkloadsRun> {
  const { stackConfig } = await import("../../stacks/schema");
  const { Workloads } = await import("../../components/workloads");
  const { runUnderMocks } = await import("../../tools/harness");
  const config = stackConfig.parse({
    platform: { environment: "test", production: opts.production ?? false },
    clusters: kinds.map(fakeClusterConfig),
    ...raw,
  });
  const secrets = opts.secrets ?? {};
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    const text = args.map(String).join(" ");
    const m = /^warning: (\[runtime\] )?/.exec(text);
    if (m) warnings.push(text.slice(m[0].length).trim());
    else original(...args);
  };
  let resources;
  try {
    ({ resources } = await runUnderMocks(
      () => {
        for (const kind of kinds) {
          const base = fakeCluster(kind);
          const cluster = { ...base, ...(opts.cluster?.(base) ?? {}) };
          new Workloads(cluster.name, { cluster, addons: fakeAddons(cluster.name, opts.addons), config });
        }
      },
      { config: Object.fromEntries(Object.entries(secrets).map(([k, v]) => [`worker-platform:${k}`, v])), secretKeys: Object.keys(secrets).map((k) => `worker-platform:${k}`) },
    ));
  } finally {
    console.warn = original;
  }
  const onCluster = (r: { provider?: string }, cluster?: string) => !cluster || (r.provider ?? "").includes(`::${cluster}-k8s::`);
  const ofType = (type: string, cluster?: string) => resources.filter((r) => r.type === type && onCluster(r, cluster));
  const object = (type: string, name: string, cluster?: string) => {
    const hit = ofType(type, cluster).find((r) => (r.plainInputs.metadata as { name?: string } | undefined)?.name === name);
    if (!hit) throw new Error(`no ${type} named ${name}${cluster ? ` on ${cluster}` : ""}; have: ${ofType(type, cluster).map((r) => r.name).join(", ")}`);
    return hit;
  };
  return { resources, warnings, config, ofType, object };
}
