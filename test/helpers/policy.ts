import type { RecordedResource } from "../../tools/harness.ts";
import type { PolicyViolation } from "../../tools/run-policies.ts";
import { evaluatePolicies } from "../../tools/run-policies.ts";
import type { Policies } from "../../policy/rules/lib/sdk.ts";

/**
 * Hand-built resources with the shapes the program registers (the unit seam of the policy tests): the same
 * RecordedResource the mock harness produces, run through the same runner as `npm run plan`.
 */
export const PROJECT = "worker-platform";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

export interface ResOpts {
  stack?: string;
  parent?: RecordedResource;
  provider?: RecordedResource;
  dependsOn?: RecordedResource[];
  protect?: boolean;
  custom?: boolean;
}

export function res(type: string, name: string, inputs: Obj, o: ResOpts = {}): RecordedResource {
  const stack = o.stack ?? "dev";
  const parentChain = o.parent ? o.parent.urn.split("::")[2] + "$" : "";
  const urn = `urn:pulumi:${stack}::${PROJECT}::${parentChain}${type}::${name}`;
  return {
    type,
    name,
    urn,
    custom: o.custom ?? !type.startsWith("worker-platform:"),
    parent: o.parent?.urn,
    provider: o.provider ? `${o.provider.urn}::${o.provider.name}-id` : undefined,
    dependencies: (o.dependsOn ?? []).map((d) => d.urn),
    protect: o.protect ?? false,
    ignoreChanges: [],
    additionalSecretOutputs: [],
    remote: type.startsWith("kubernetes:helm.sh/v4"),
    inputs,
    plainInputs: inputs,
    secretPaths: [],
  };
}

export async function check(
  policy: Policies[number],
  resources: RecordedResource[],
  opts: { stack?: string; config?: Obj } = {},
): Promise<PolicyViolation[]> {
  return evaluatePolicies(resources, {
    stack: opts.stack ?? "dev",
    policyConfig: opts.config ?? {},
    policies: [policy],
  });
}

/* ---------- Kubernetes objects ---------- */

export const NS = "wp-workloads";

export function securedContainer(name = "worker", extra: Obj = {}): Obj {
  return {
    name,
    image: "ghcr.io/acme/worker:1.4.2",
    resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    ...extra,
  };
}

export function podSpec(extra: Obj = {}, container: Obj = securedContainer()): Obj {
  return {
    priorityClassName: "wp-standard",
    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    containers: [container],
    ...extra,
  };
}

export function deployment(
  name: string,
  spec: Obj = podSpec(),
  o: ResOpts & { annotations?: Obj; replicas?: number } = {},
): RecordedResource {
  return res(
    "kubernetes:apps/v1:Deployment",
    name,
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: NS, ...(o.annotations ? { annotations: o.annotations } : {}) },
      spec: {
        ...(o.replicas !== undefined ? { replicas: o.replicas } : {}),
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec },
      },
    },
    o,
  );
}

export function scaledJob(name: string, spec: Obj = podSpec(), extra: Obj = {}, o: ResOpts = {}): RecordedResource {
  return res(
    "kubernetes:keda.sh/v1alpha1:ScaledJob",
    name,
    {
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledJob",
      metadata: { name, namespace: NS },
      spec: {
        jobTargetRef: { template: { spec: { restartPolicy: "Never", ...spec } } },
        maxReplicaCount: 4,
        triggers: [redisTrigger()],
        ...extra,
      },
    },
    o,
  );
}

export function redisTrigger(extra: Obj = {}): Obj {
  return {
    type: "redis",
    metadata: { address: "jobs-redis.wp-workloads.svc:6379", listName: "jobs", listLength: "5", ...extra },
    authenticationRef: { name: "jobs-redis-auth" },
  };
}

export function scaledObject(name: string, target: string, spec: Obj = {}, o: ResOpts = {}): RecordedResource {
  return res(
    "kubernetes:keda.sh/v1alpha1:ScaledObject",
    name,
    {
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: { name, namespace: NS },
      spec: {
        scaleTargetRef: { name: target },
        minReplicaCount: 0,
        maxReplicaCount: 2,
        triggers: [redisTrigger()],
        ...spec,
      },
    },
    o,
  );
}

export function hpa(name: string, target: string, spec: Obj = {}, o: ResOpts = {}): RecordedResource {
  return res(
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    name,
    {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name, namespace: NS },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target },
        minReplicas: 1,
        maxReplicas: 3,
        metrics: [
          { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } },
        ],
        ...spec,
      },
    },
    o,
  );
}

export function priorityClass(name: string, value: number, o: ResOpts = {}): RecordedResource {
  return res(
    "kubernetes:scheduling.k8s.io/v1:PriorityClass",
    name,
    { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name }, value },
    o,
  );
}

/** A helm.v4.Chart as the offline plan records it: the component's inputs (chart, values), children not rendered. */
export function chart(name: string, chartName: string, values: Obj = {}, o: ResOpts = {}): RecordedResource {
  return res(
    "kubernetes:helm.sh/v4:Chart",
    name,
    { chart: chartName, version: "1.0.0", namespace: "kube-system", values },
    { custom: false, ...o },
  );
}

/* ---------- CLI shapes: what a STACK rule gets under `pulumi preview/up --policy-pack` (resource OUTPUTS) ---------- */

/**
 * A helm.v4.Chart as a stack rule sees it under the CLI: a component whose props are its outputs (`resources`), no
 * chart/version/values. Its rendered objects are separate resources whose parent is the chart (pass `{ parent }`), so
 * their URN's type chain contains `kubernetes:helm.sh/v4:Chart`, and whose provider is the chart's.
 */
export function cliChart(name: string, o: ResOpts = {}): RecordedResource {
  return res("kubernetes:helm.sh/v4:Chart", name, { resources: [] }, { custom: false, ...o });
}

/** An APIService (a chart child under the CLI), served by `service`. */
export function apiService(name: string, service: string, o: ResOpts = {}): RecordedResource {
  return res(
    "kubernetes:apiregistration.k8s.io/v1:APIService",
    `${o.parent?.name ?? "x"}-${name}`,
    {
      apiVersion: "apiregistration.k8s.io/v1",
      kind: "APIService",
      metadata: { name },
      spec: {
        group: name.split(".").slice(1).join("."),
        version: "v1beta1",
        service: { name: service, namespace: "kube-system" },
      },
    },
    o,
  );
}

/** A DaemonSet or Deployment with one container (chart children under the CLI). */
export function rendered(
  kind: "DaemonSet" | "Deployment",
  name: string,
  container: Obj,
  o: ResOpts = {},
): RecordedResource {
  return res(
    `kubernetes:apps/v1:${kind}`,
    `${o.parent?.name ?? "x"}-${name}`,
    {
      apiVersion: "apps/v1",
      kind,
      metadata: { name, namespace: "kube-system" },
      spec: {
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, ...container }] } },
      },
    },
    o,
  );
}

/**
 * A Deployment's OUTPUTS once deployed: the live object, with what the API server and controllers add: spec.replicas
 * (default 1, or the autoscaler's last count), strategy, revisionHistoryLimit, terminationGracePeriodSeconds 30,
 * metadata.uid/generation, status.
 */
export function deploymentOutputs(
  name: string,
  spec: Obj = podSpec(),
  o: ResOpts & { annotations?: Obj; replicas?: number } = {},
): RecordedResource {
  const d = deployment(
    name,
    {
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      restartPolicy: "Always",
      schedulerName: "default-scheduler",
      ...spec,
    },
    o,
  );
  const inputs = d.plainInputs as Obj;
  inputs.metadata = {
    ...inputs.metadata,
    uid: "0b0e9c1e-5d5f-4c43-9d1b-3f0d8a1c2e4f",
    generation: 3,
    annotations: { "deployment.kubernetes.io/revision": "2", ...(o.annotations ?? {}) },
  };
  inputs.spec = {
    ...inputs.spec,
    replicas: o.replicas ?? 1,
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
  };
  inputs.status = { replicas: o.replicas ?? 1, readyReplicas: o.replicas ?? 1, observedGeneration: 3 };
  return d;
}

/* ---------- Clusters ---------- */

export const GPU_TOLERATION = { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" };
export const AKS_SPOT_TOLERATION = {
  key: "kubernetes.azure.com/scalesetpriority",
  operator: "Equal",
  value: "spot",
  effect: "NoSchedule",
};

export function gpuContainer(gpus = 1, extra: Obj = {}): Obj {
  return securedContainer("worker", {
    resources: { requests: { cpu: "2", memory: "8Gi" }, limits: { memory: "8Gi", "nvidia.com/gpu": gpus } },
    ...extra,
  });
}

export function gpuPodSpec(o: { spot?: boolean; gpus?: number; extra?: Obj } = {}): Obj {
  return podSpec(
    {
      nodeSelector: { "worker-platform/gpu": "true" },
      tolerations: [GPU_TOLERATION, ...(o.spot ? [AKS_SPOT_TOLERATION] : [])],
      ...(o.extra ?? {}),
    },
    gpuContainer(o.gpus ?? 1),
  );
}

export interface AksOpts {
  name?: string;
  stack?: string;
  cluster?: Obj;
  pools?: {
    name: string;
    vmSize: string;
    spot?: boolean;
    gpu?: boolean;
    max?: number;
    labels?: Obj;
    taints?: string[];
  }[];
  devicePlugin?: boolean;
  protect?: boolean;
}

/** An AKS cluster as components/cluster creates it: component, ManagedCluster, AgentPools, provider, add-ons. */
export function aks(o: AksOpts = {}) {
  const name = o.name ?? "dev-aks";
  const stack = o.stack ?? "dev";
  const comp = res("worker-platform:cluster:AksCluster", name, {}, { stack });
  const cluster = res(
    "azure-native:containerservice:ManagedCluster",
    name,
    {
      resourceName: name,
      disableLocalAccounts: true,
      aadProfile: { managed: true, enableAzureRBAC: true },
      enableRBAC: true,
      networkProfile: {
        networkPlugin: "azure",
        networkPluginMode: "overlay",
        networkDataplane: "cilium",
        networkPolicy: "cilium",
      },
      agentPoolProfiles: [
        {
          name: "system",
          mode: "System",
          vmSize: "Standard_D4s_v5",
          enableAutoScaling: true,
          minCount: 1,
          maxCount: 2,
          count: 1,
          nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"],
        },
      ],
      ...(o.cluster ?? {}),
    },
    { stack, parent: comp, protect: o.protect },
  );
  const pools = (o.pools ?? [{ name: "gpuspot", vmSize: "Standard_NC4as_T4_v3", spot: true, gpu: true, max: 3 }]).map(
    (p) =>
      res(
        "azure-native:containerservice:AgentPool",
        `${name}-${p.name}`,
        {
          agentPoolName: p.name,
          resourceName: name,
          mode: "User",
          vmSize: p.vmSize,
          enableAutoScaling: true,
          minCount: 0,
          maxCount: p.max ?? 3,
          count: 0,
          ...(p.spot ? { scaleSetPriority: "Spot", scaleSetEvictionPolicy: "Delete", spotMaxPrice: -1 } : {}),
          nodeLabels: {
            "worker-platform/pool": p.name,
            "worker-platform/gpu": p.gpu ? "true" : "false",
            "worker-platform/capacity": p.spot ? "spot" : "on-demand",
            ...(p.gpu ? { "worker-platform/gpu-count": "1" } : {}),
            ...(p.labels ?? {}),
          },
          nodeTaints: p.taints ?? (p.gpu ? ["nvidia.com/gpu=present:NoSchedule"] : []),
        },
        { stack, parent: comp, dependsOn: [cluster], protect: o.protect },
      ),
  );
  const provider = res(
    "pulumi:providers:kubernetes",
    name,
    { kubeconfig: "[secret]" },
    { stack, parent: comp, dependsOn: [cluster] },
  );
  const addons = res("worker-platform:addons:Addons", name, {}, { stack, custom: false });
  const charts =
    o.devicePlugin === false
      ? []
      : [chart(`${name}-nvidia-device-plugin`, "nvidia-device-plugin", {}, { stack, parent: addons, provider })];
  return {
    comp,
    cluster,
    pools,
    provider,
    addons,
    charts,
    all: [comp, cluster, ...pools, provider, addons, ...charts],
  };
}

export const VPC_CNI_NETWORK_POLICY = { enableNetworkPolicy: "true" };

/**
 * An EKS cluster as components/cluster/eks.ts creates it: component, KMS key, Cluster, NodeGroups, the vpc-cni add-on
 * (`vpcCni`: its configurationValues object, or false for none) and the provider.
 */
export function eks(
  o: {
    name?: string;
    stack?: string;
    cluster?: Obj;
    keyRotation?: boolean;
    nodeGroups?: Obj[];
    protect?: boolean;
    vpcCni?: Obj | string | false;
  } = {},
) {
  const name = o.name ?? "prod-eks";
  const stack = o.stack ?? "prod";
  const comp = res("worker-platform:cluster:EksCluster", name, {}, { stack });
  const key = res(
    "aws:kms/key:Key",
    `${name}-secrets`,
    { description: "EKS secrets", enableKeyRotation: o.keyRotation ?? true, deletionWindowInDays: 30 },
    { stack, parent: comp },
  );
  const cluster = res(
    "aws:eks/cluster:Cluster",
    name,
    {
      name,
      version: "1.34",
      enabledClusterLogTypes: ["api", "audit", "authenticator"],
      encryptionConfig: { resources: ["secrets"], provider: { keyArn: "[unknown]" } },
      vpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true, subnetIds: ["subnet-1", "subnet-2"] },
      ...(o.cluster ?? {}),
    },
    { stack, parent: comp, dependsOn: [key], protect: o.protect ?? true },
  );
  const groups = (
    o.nodeGroups ?? [
      {
        nodeGroupName: "gpuspot",
        capacityType: "SPOT",
        instanceTypes: ["g5.xlarge"],
        scalingConfig: { minSize: 0, maxSize: 10, desiredSize: 0 },
        labels: { "worker-platform/gpu": "true", "worker-platform/gpu-count": "1" },
        taints: [
          { key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" },
          { key: "worker-platform/capacity", value: "spot", effect: "NO_SCHEDULE" },
        ],
      },
    ]
  ).map((g) =>
    res(
      "aws:eks/nodeGroup:NodeGroup",
      `${name}-${g.nodeGroupName}`,
      { clusterName: "[unknown]", ...g },
      { stack, parent: comp, dependsOn: [cluster], protect: o.protect ?? true },
    ),
  );
  const cni = o.vpcCni ?? VPC_CNI_NETWORK_POLICY;
  const addons =
    cni === false
      ? []
      : [
          res(
            "aws:eks/addon:Addon",
            `${name}-vpc-cni`,
            {
              clusterName: "[unknown]",
              addonName: "vpc-cni",
              resolveConflictsOnCreate: "OVERWRITE",
              resolveConflictsOnUpdate: "OVERWRITE",
              ...(typeof cni === "string"
                ? { configurationValues: cni }
                : Object.keys(cni).length
                  ? { configurationValues: JSON.stringify(cni) }
                  : {}),
            },
            { stack, parent: comp, dependsOn: [cluster] },
          ),
        ];
  const provider = res(
    "pulumi:providers:kubernetes",
    name,
    { kubeconfig: "[secret]" },
    { stack, parent: comp, dependsOn: [cluster] },
  );
  return { comp, key, cluster, groups, addons, provider, all: [comp, key, cluster, ...groups, ...addons, provider] };
}
