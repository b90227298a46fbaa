import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Provider as AwsProvider } from "@pulumi/aws/provider.js";
import type { CloudIdentityHandle, ClusterHandle, PoolHandle } from "../../components/cluster/handle.ts";
import { aksPoolHandle } from "../../components/cluster/aks.ts";
import { eksPoolHandle } from "../../components/cluster/eks.ts";
import { poolHandle } from "../../components/cluster/pools.ts";
import { autoscalerProfile, pool as poolSchema } from "../../stacks/schema/index.ts";
import type { ClusterConfig, StackConfig } from "../../stacks/schema/index.ts";
import type { RecordedResource } from "../../tools/harness.ts";

/**
 * Fake ClusterHandles (the unit-test seam between clusters and add-ons/workloads): an AKS-like, an EKS-like and an
 * existing no-GPU cluster. Their pools come from the real cluster components' pool functions; only the cloud
 * resources are stand-ins. Call inside a runUnderMocks program.
 */
export type FakeKind = "aks" | "eks" | "existing";

/** A pool config (schema input) with the schema's defaults filled in. */
const poolConfig = (p: Record<string, unknown>) => poolSchema.parse(p);

/**
 * The pools of the fake clusters, derived by the real cluster components' pool functions (aksPoolHandle,
 * eksPoolHandle), so add-on and workload tests see exactly the labels and taints a real cluster yields.
 */
export function fakePools(kind: FakeKind): PoolHandle[] {
  const t4 = { count: 1, type: "nvidia-tesla-t4" };
  const a10g = { count: 1, type: "nvidia-a10g" };
  switch (kind) {
    case "aks":
      return [
        { name: "system", role: "system", machineTypes: ["Standard_D4s_v5"], min: 1, max: 3 },
        { name: "gpuspot", machineTypes: ["Standard_NC4as_T4_v3"], gpu: t4, spot: true, min: 0, max: 3 },
        { name: "gpu", machineTypes: ["Standard_NC4as_T4_v3"], gpu: t4, min: 0, max: 3 },
        { name: "cpuspot", machineTypes: ["Standard_D4s_v5"], spot: true, min: 0, max: 3 },
      ].map((p) => aksPoolHandle(poolConfig(p)));
    case "eks":
      return [
        { name: "system", role: "system", machineTypes: ["m6i.xlarge"], min: 2, max: 3 },
        { name: "gpuspot", machineTypes: ["g5.xlarge"], gpu: a10g, spot: true, min: 0, max: 3 },
        { name: "cpu", machineTypes: ["m6i.xlarge"], min: 0, max: 3 },
      ].map((p) => eksPoolHandle(poolConfig(p)));
    case "existing":
      // Declared, not created: no platform labels (selector {} = any node), no taints.
      return [{ ...poolHandle(poolConfig({ name: "default", machineTypes: ["unknown"], min: 1, max: 1 }), {}, []) }];
  }
}

/** Stands in for the cloud node pools a handle's `ready` lists. */
class NodePool extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:NodePool", name, {});
  }
}

/**
 * The workload identity part of a cloud cluster's handle, as EksCluster/AksCluster yield it: the issuer and OIDC
 * provider in the mocks' shapes, an AWS provider for the region, the resource group `<name>-rg`. `keda`: KEDA's
 * operator identity is on (the clusters turn it on where workers read cloud queues).
 */
export function fakeIdentity(cloud: "aws" | "azure", name: string, region: string, keda = false): CloudIdentityHandle {
  if (cloud === "aws")
    return {
      cloud,
      issuerUrl: pulumi.output(`https://oidc.eks.${region}.amazonaws.com/id/${name.toUpperCase()}`),
      oidcProviderArn: pulumi.output(
        `arn:aws:iam::123456789012:oidc-provider/oidc.eks.${region}.amazonaws.com/id/${name.toUpperCase()}`,
      ),
      region,
      partition: pulumi.output("aws"),
      provider: new AwsProvider(`${name}-aws`, { region }),
      ...(keda ? { kedaOperatorRoleArn: pulumi.output(`arn:aws:iam::123456789012:role/${name}-keda-operator`) } : {}),
    };
  return {
    cloud,
    issuerUrl: pulumi.output(`https://oidc.prod-aks.azure.com/00000000-0000-4000-8000-000000000001/${name}/`),
    resourceGroupName: `${name}-rg`,
    location: region,
    ...(keda ? { kedaWorkloadIdentity: true } : {}),
  };
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
    ...(kind === "existing"
      ? {}
      : {
          identity: fakeIdentity(kind === "aks" ? "azure" : "aws", name, kind === "aks" ? "westeurope" : "eu-west-1"),
        }),
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
export function fakeAddons(
  clusterName: string,
  over: { prometheusUrl?: string | null } = {},
): { keda: pulumi.Resource[]; prometheusUrl?: string } {
  const url = over.prometheusUrl === null ? undefined : (over.prometheusUrl ?? FAKE_PROMETHEUS_URL);
  return { keda: [new FakeKedaChart(`${clusterName}-keda`)], ...(url ? { prometheusUrl: url } : {}) };
}

/** Raw cluster config entries (schema input) shaped like fakePools(kind), named like fakeCluster(kind). */
export function fakeClusterConfig(kind: FakeKind): Record<string, unknown> {
  const pools = fakePools(kind).map((p) => ({
    name: p.name,
    role: p.role,
    machineTypes: p.machineTypes,
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
 * A handle for a cluster config, its pools derived by the cluster components' own functions (existing clusters: the
 * pools' declared labels and taints).
 */
export function handleFromConfig(c: ClusterConfig, parent?: pulumi.Resource): ClusterHandle {
  const pools: PoolHandle[] = c.pools.map((p) =>
    c.cloud === "azure"
      ? aksPoolHandle(p)
      : c.cloud === "aws"
        ? eksPoolHandle(p)
        : poolHandle(p, { ...p.labels }, [...p.taints]),
  );
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
    ...(c.cloud === "existing" ? {} : { identity: fakeIdentity(c.cloud, c.name, c.region) }),
  };
}

export interface WorkloadsRun {
  resources: RecordedResource[];
  warnings: string[];
  config: StackConfig;
  /** Recorded resources of a type token (e.g. kubernetes:apps/v1:Deployment), optionally on one cluster. */
  ofType(type: string, cluster?: string): RecordedResource[];
  /** The Kubernetes object of a type with metadata.name `name` (on `cluster` if given); fails when missing. */
  object(type: string, name: string, cluster?: string): RecordedResource;
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
  const { stackConfig } = await import("../../stacks/schema/index.ts");
  const { Workloads } = await import("../../components/workloads/index.ts");
  const { runUnderMocks, withCapturedWarnings } = await import("../../tools/harness.ts");
  const config = stackConfig.parse({
    platform: { environment: "test", production: opts.production ?? false },
    clusters: kinds.map(fakeClusterConfig),
    ...raw,
  });
  const secrets = opts.secrets ?? {};
  const warnings: string[] = [];
  const { resources } = await withCapturedWarnings(warnings, () =>
    runUnderMocks(
      () => {
        for (const kind of kinds) {
          const base = fakeCluster(kind);
          const cluster = { ...base, ...(opts.cluster?.(base) ?? {}) };
          new Workloads(cluster.name, { cluster, addons: fakeAddons(cluster.name, opts.addons), config });
        }
      },
      {
        config: Object.fromEntries(Object.entries(secrets).map(([k, v]) => [`worker-platform:${k}`, v])),
        secretKeys: Object.keys(secrets).map((k) => `worker-platform:${k}`),
      },
    ),
  );
  const onCluster = (r: { provider?: string }, cluster?: string) =>
    !cluster || (r.provider ?? "").includes(`::${cluster}-k8s::`);
  const ofType = (type: string, cluster?: string) => resources.filter((r) => r.type === type && onCluster(r, cluster));
  const object = (type: string, name: string, cluster?: string) => {
    const hit = ofType(type, cluster).find(
      (r) => (r.plainInputs.metadata as { name?: string } | undefined)?.name === name,
    );
    if (!hit)
      throw new Error(
        `no ${type} named ${name}${cluster ? ` on ${cluster}` : ""}; have: ${ofType(type, cluster)
          .map((r) => r.name)
          .join(", ")}`,
      );
    return hit;
  };
  return { resources, warnings, config, ofType, object };
}
