import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as containerservice from "@pulumi/azure-native/containerservice/index.js";
import * as resources from "@pulumi/azure-native/resources/index.js";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as time from "@pulumiverse/time";
import type { AksUpgrades, AutoscalerProfile, AzureClusterConfig, PoolConfig } from "../../stacks/schema/index.ts";
import { aksDrainTimeoutMinutes } from "../../stacks/schema/index.ts";
import { durationSeconds } from "../../stacks/schema/common.ts";
import type { ClusterHandle } from "./handle.ts";
import type { KubeloginMode } from "./kubeconfig.ts";
import { decodeAksKubeconfig } from "./kubeconfig.ts";
import { aksGpuInstanceProfile, GPU_RESOURCES, gpuDevicesPerNode, poolGpuVendor } from "../../stacks/accelerators.ts";
import { AKS_SPOT_TAINT } from "./labels.ts";
import { expanderPriorities, nodeLabels, platformTaints, poolHandle, prioritiesYaml, taintString } from "./pools.ts";

export interface AksClusterArgs {
  /** The validated `clusters[]` entry (cloud: azure). */
  config: AzureClusterConfig;
  /** Protect the resource group, the cluster and its pools from deletion (cluster.protect ?? platform.production). */
  protect: boolean;
  /**
   * kubelogin mode of the Kubernetes provider (deployer.kubeloginMode: how the machine running Pulumi logs in, e.g.
   * workloadidentity in CI). Defaults to the cluster's azure.kubeloginMode, which the exported kubeconfig always uses.
   */
  deployerKubeloginMode?: KubeloginMode;
  /**
   * Workers of this cluster read Service Bus: KEDA's operator runs with workload identity (the chart's
   * podIdentity.azureWorkload), so it can take on the scaler identities federated with its service account
   * (components/workloads/cloud-identity.ts).
   */
  kedaWorkloadIdentity?: boolean;
}

/** Labels AKS puts on nodes itself; pods may select on them, but they are not valid nodeLabels input. */
export const AKS_GPU_LABEL = { "kubernetes.azure.com/accelerator": "nvidia" } as const;
export const AKS_SPOT_LABEL = { "kubernetes.azure.com/scalesetpriority": "spot" } as const;

/** Built-in role "Azure Kubernetes Service RBAC Cluster Admin" (Azure built-in roles reference). */
export const AKS_RBAC_CLUSTER_ADMIN_ROLE = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b";
/** How long a new Azure RBAC role assignment may take to reach AKS's authorization server (AKS docs: up to 5 minutes). */
export const AKS_RBAC_PROPAGATION = "5m";

/** The maintenance configurations AKS reads for its two auto-upgrade channels (AKS docs, "Planned maintenance"). */
export const AKS_MAINTENANCE = {
  kubernetes: "aksManagedAutoUpgradeSchedule",
  nodeOS: "aksManagedNodeOSUpgradeSchedule",
} as const;

/** ConfigMap AKS's built-in autoscaler reads for the priority expander (kubernetes/autoscaler expander/priority). */
export const PRIORITY_EXPANDER_CONFIGMAP = "cluster-autoscaler-priority-expander";

/**
 * Regex matching the autoscaler node-group name of an AKS pool. The Azure provider names node groups after the VM
 * scale set, `aks-<pool>-<digits>-vmss`; the `-` after the pool name keeps `gpu` from matching `gpuspot`.
 */
export const aksNodeGroupRegex = (pool: string) => `.*aks-${pool}-.*`;

/**
 * An AKS cluster: resource group (unless given), ManagedCluster with the first system pool inline, every other pool
 * as an AgentPool, the priority-expander ConfigMap, and an explicit Kubernetes provider named after the cluster.
 * AKS runs the cluster autoscaler itself: never the upstream chart here (field notes, "AKS").
 */
export class AksCluster extends pulumi.ComponentResource {
  public readonly handle: ClusterHandle;

  constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("worker-platform:cluster:AksCluster", name, {}, opts);
    const cfg = args.config;
    const az = cfg.azure;
    const protect = args.protect;

    const resourceGroupName: pulumi.Input<string> = az.resourceGroupName
      ? az.resourceGroupName
      : new resources.ResourceGroup(
          `${cfg.name}-rg`,
          { resourceGroupName: `${cfg.name}-rg`, location: cfg.region },
          { parent: this, protect },
        ).name;

    // The schema requires a system pool on cloud clusters (stacks/schema/checks/clusters.ts); AKS needs one at create.
    const inline = cfg.pools.find((p) => p.role === "system")!;
    const others = cfg.pools.filter((p) => p !== inline);

    const cluster = new containerservice.ManagedCluster(
      cfg.name,
      {
        resourceGroupName,
        resourceName: cfg.name,
        location: cfg.region,
        dnsPrefix: cfg.name,
        kubernetesVersion: cfg.kubernetesVersion,
        sku: { name: "Base", tier: az.skuTier },
        identity: { type: containerservice.ResourceIdentityType.SystemAssigned },
        // Entra ID + Azure RBAC, no static admin kubeconfig (policy aks-local-accounts-disabled, aks-entra-id-azure-rbac).
        aadProfile: { managed: true, enableAzureRBAC: true, adminGroupObjectIDs: az.adminGroupObjectIds },
        enableRBAC: true,
        disableLocalAccounts: true,
        networkProfile: {
          networkPlugin: "azure",
          networkPluginMode: "overlay",
          networkPolicy: az.networkPolicy,
          // Cilium network policy needs the Cilium dataplane (Azure CNI powered by Cilium).
          ...(az.networkPolicy === "cilium" ? { networkDataplane: "cilium" } : {}),
          loadBalancerSku: "standard",
        },
        oidcIssuerProfile: { enabled: true },
        securityProfile: { workloadIdentity: { enabled: true } },
        apiServerAccessProfile: az.privateCluster
          ? { enablePrivateCluster: true }
          : { enablePrivateCluster: false, authorizedIPRanges: az.apiServerAuthorizedIpRanges },
        autoScalerProfile: aksAutoScalerProfile(cfg.autoscaler, az.expander),
        // Both channels drain nodes; they start only in the maintenance windows below (docs/clusters.md, "Upgrades").
        autoUpgradeProfile: { upgradeChannel: az.upgrades.channel, nodeOSUpgradeChannel: az.upgrades.nodeOSChannel },
        agentPoolProfiles: [{ name: inline.name, ...agentPoolSpec(inline, cfg) }],
      },
      // Pools are separate AgentPool resources, which the cluster would otherwise try to remove (pulumi-azure-native #2719).
      { parent: this, protect, ignoreChanges: ["agentPoolProfiles"] },
    );

    // One pool after the other: AKS runs one agent pool operation per cluster at a time and refuses a concurrent one
    // with 409 OperationNotAllowed ("another operation is in progress"), which Pulumi does not retry.
    const pools: containerservice.AgentPool[] = [];
    for (const pool of others) {
      const previous = pools[pools.length - 1];
      pools.push(
        new containerservice.AgentPool(
          `${cfg.name}-${pool.name}`,
          {
            resourceGroupName,
            resourceName: cluster.name,
            agentPoolName: pool.name,
            ...agentPoolSpec(pool, cfg),
          },
          // count is required but the autoscaler owns it after creation (pulumi-azure-native #2943).
          { parent: this, protect, ignoreChanges: ["count"], dependsOn: previous ? [previous] : [] },
        ),
      );
    }

    // Without a window, AKS starts an auto-upgrade whenever one is due. Created after the pools and one after the
    // other: they are sub-resources of the cluster like the pools, whose operations AKS refuses to run concurrently
    // (above); ordering them costs seconds.
    let previousOperation: pulumi.Resource = pools[pools.length - 1] ?? cluster;
    for (const { configName, maintenanceWindow } of maintenanceWindows(az.upgrades)) {
      previousOperation = new containerservice.MaintenanceConfiguration(
        `${cfg.name}-${configName}`,
        { resourceGroupName, resourceName: cluster.name, configName, maintenanceWindow },
        { parent: this, dependsOn: [previousOperation] },
      );
    }

    // Local accounts are disabled: the user credentials are an Entra ID kubeconfig whose kubelogin exec is switched to
    // a non-interactive login (azure.kubeloginMode; docs/clusters.md). The exported kubeconfig uses the cluster's
    // mode; the provider the deployer's (deployer.kubeloginMode, e.g. workloadidentity in CI), else the same one.
    const credentials = containerservice.listManagedClusterUserCredentialsOutput(
      { resourceGroupName, resourceName: cluster.name },
      { parent: this },
    );
    const kubeconfig = decodeAksKubeconfig(credentials, az.kubeloginMode);
    const providerMode = args.deployerKubeloginMode ?? az.kubeloginMode;
    const providerKubeconfig =
      providerMode === az.kubeloginMode ? kubeconfig : decodeAksKubeconfig(credentials, providerMode);

    // With Azure RBAC for Kubernetes, nobody may touch the API until granted a data-plane role; the identity running
    // Pulumi needs one to create the add-ons and workloads right after the cluster (AKS docs, "Use Azure RBAC for
    // Kubernetes authorization"; role b1ff04bb-… is the built-in "Azure Kubernetes Service RBAC Cluster Admin").
    const access: pulumi.Resource[] = [];
    if (az.grantDeployerClusterAdmin) {
      const deployer = authorization.getClientConfigOutput({ parent: this });
      const assignment = new authorization.RoleAssignment(
        `${cfg.name}-deployer-admin`,
        {
          principalId: deployer.objectId,
          roleDefinitionId: pulumi.interpolate`/subscriptions/${deployer.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${AKS_RBAC_CLUSTER_ADMIN_ROLE}`,
          scope: cluster.id,
          description: "worker-platform: the identity running Pulumi manages the cluster's Kubernetes objects",
        },
        { parent: this },
      );
      // "New role assignments can take up to five minutes to propagate and be updated by the authorization server"
      // (AKS docs, "Use Azure RBAC for Kubernetes authorization"), and the Kubernetes provider does not retry a 403
      // (pulumi-kubernetes retries creates only on NotFound/NoMatch, provider/pkg/await/await.go). So the first
      // Kubernetes object waits that long after the assignment is created; later runs do not wait (a Sleep waits on
      // create only, and again only when the assignment is replaced).
      access.push(
        new time.Sleep(
          `${cfg.name}-rbac-propagation`,
          { createDuration: AKS_RBAC_PROPAGATION, triggers: { roleAssignment: assignment.id } },
          { parent: this },
        ),
      );
    }

    // Named exactly after the cluster: the policy pack finds a cluster's objects through it (policy/rules/lib/model.ts).
    // Waits for the deployer's role to be usable (above).
    const provider = new k8s.Provider(
      cfg.name,
      { kubeconfig: providerKubeconfig, enableServerSideApply: true },
      { parent: this, dependsOn: [cluster, ...access] },
    );

    if (az.expander === "priority") {
      new k8s.core.v1.ConfigMap(
        `${cfg.name}-priority-expander`,
        {
          metadata: { name: PRIORITY_EXPANDER_CONFIGMAP, namespace: "kube-system" },
          data: { priorities: prioritiesYaml(expanderPriorities(cfg.pools, aksNodeGroupRegex)) },
        },
        { parent: this, provider },
      );
    }

    this.handle = {
      name: cfg.name,
      cloud: "azure",
      provider,
      pools: cfg.pools.map((pool) => aksPoolHandle(pool)),
      kubeconfig,
      ready: [cluster, ...pools],
      // AKS ships metrics-server (field notes, "AKS").
      hasMetricsServer: true,
      autoscaler: cfg.autoscaler,
      identity: {
        cloud: "azure",
        // Enabled above (oidcIssuerProfile), so AKS always reports it.
        issuerUrl: cluster.oidcIssuerProfile.apply((p) => p?.issuerURL ?? ""),
        resourceGroupName,
        location: cfg.region,
        ...(args.kedaWorkloadIdentity ? { kedaWorkloadIdentity: true } : {}),
      },
    };
    this.registerOutputs({ kubeconfig, pools: this.handle.pools.map((p) => p.name) });
  }
}

/** The AgentPool properties shared by the inline system pool and the separate pools. */
export function agentPoolSpec(pool: PoolConfig, cfg: AzureClusterConfig) {
  return {
    mode: pool.role === "system" ? "System" : "User",
    type: "VirtualMachineScaleSets",
    osType: "Linux",
    orchestratorVersion: cfg.kubernetesVersion,
    // The schema allows one VM size per AKS pool (stacks/schema/checks/clusters.ts).
    vmSize: pool.machineTypes[0],
    osDiskSizeGB: pool.diskSizeGb,
    enableAutoScaling: true,
    minCount: pool.min,
    maxCount: pool.max,
    // Initial size only (ignored afterwards): the minimum, and at least one node for a system pool (AKS requires it).
    count: pool.role === "system" ? Math.max(pool.min, 1) : pool.min,
    nodeLabels: nodeLabels(pool),
    nodeTaints: platformTaints(pool, "azure").map(taintString),
    ...(pool.spot ? { scaleSetPriority: "Spot", scaleSetEvictionPolicy: "Delete", spotMaxPrice: -1 } : {}),
    // Driver only; the device plugin is an add-on (field notes, "AKS GPU"). AKS installs NVIDIA drivers only
    // (gpuProfile.driver: GPUDriver Install | None): an AMD pool skips it and needs the amdgpu driver from elsewhere.
    ...(pool.gpu ? { gpuProfile: { driver: poolGpuVendor(pool) === "nvidia" ? "Install" : "None" } } : {}),
    // MIG: AKS partitions the pool's GPUs itself (AgentPool gpuInstanceProfile MIG1g … MIG7g); the device plugin
    // advertises each instance as nvidia.com/gpu (migStrategy single, addons/nvidia-device-plugin.ts).
    ...(pool.gpuSharing && "mig" in pool.gpuSharing
      ? { gpuInstanceProfile: aksGpuInstanceProfile(pool.gpuSharing.mig.profile) }
      : {}),
    ...(pool.spot ? {} : { upgradeSettings: upgradeSettings(cfg) }),
    ...(aksTemplateResourceTags(pool) ? { tags: aksTemplateResourceTags(pool) } : {}),
  };
}

/** VMSS tag prefix the autoscaler reads template resources from (cloudprovider/azure/azure_util.go, 1.35.x). */
export const AKS_TEMPLATE_RESOURCE_TAG = "k8s.io_cluster-autoscaler_node-template_resources_";

/**
 * The GPU resource a node of the pool advertises, as a scale-set tag for the cluster autoscaler's template node at
 * zero nodes. kubernetes/autoscaler cluster-autoscaler-1.35.2 cloudprovider/azure/azure_template.go
 * buildNodeFromTemplate gives GPUs only as nvidia.com/gpu with the SKU's physical count, then overrides capacity with
 * extractAllocatableResourcesFromScaleSet (tag `k8s.io_cluster-autoscaler_node-template_resources_<name>`, `_` read
 * as `/`). Without it an empty AMD pool offers no amd.com/gpu and a time-sliced or MIG pool only its physical GPUs,
 * so those pods never trigger a scale-up from zero. AgentPool tags go to the pool's own resources, its scale set
 * (AKS docs, "Use Azure tags in AKS"). Undefined where the SKU's figure is right (plain NVIDIA, CPU).
 */
export function aksTemplateResourceTags(pool: PoolConfig): Record<string, string> | undefined {
  const vendor = poolGpuVendor(pool);
  if (!pool.gpu || !vendor || (vendor === "nvidia" && !pool.gpuSharing)) return undefined;
  const resource = GPU_RESOURCES[vendor].replaceAll("/", "_");
  return { [`${AKS_TEMPLATE_RESOURCE_TAG}${resource}`]: String(gpuDevicesPerNode(pool)) };
}

/**
 * How AKS drains a pool's nodes in an upgrade: the drain timeout covers every worker's termination grace
 * (aksDrainTimeoutMinutes), so an upgrade waits for a finishing job instead of stopping. Not on spot pools: AKS upgrades
 * them with a cordon and an eviction notice, no drain and no surge (AKS docs, "Add an Azure Spot node pool", Upgrade a
 * Spot node pool), and rejects maxSurge there ("Spot pools can't set max surge", hashicorp/terraform-provider-azurerm
 * #19355).
 */
export function upgradeSettings(cfg: Pick<AzureClusterConfig, "azure" | "autoscaler">) {
  const u = cfg.azure.upgrades;
  return {
    drainTimeoutInMinutes: aksDrainTimeoutMinutes(u, cfg.autoscaler),
    nodeSoakDurationInMinutes: u.nodeSoakMinutes,
    ...(u.maxSurge ? { maxSurge: u.maxSurge } : {}),
  };
}

/**
 * The maintenance configurations of the auto-upgrade channels in use, one weekly window for both. None for channel
 * none, and none for node OS channels AKS does not schedule (None; Unmanaged, where the OS patches itself nightly).
 * AKS docs "Planned maintenance": a window of 4 hours or more; work started in it runs to its end, none starts after.
 */
export function maintenanceWindows(u: AksUpgrades) {
  const w = u.window;
  const maintenanceWindow = {
    schedule: { weekly: { dayOfWeek: w.dayOfWeek, intervalWeeks: w.intervalWeeks } },
    durationHours: w.durationHours,
    startTime: w.startTime,
    utcOffset: w.utcOffset,
  };
  const names = [
    ...(u.channel !== "none" ? [AKS_MAINTENANCE.kubernetes] : []),
    ...(u.nodeOSChannel === "NodeImage" || u.nodeOSChannel === "SecurityPatch" ? [AKS_MAINTENANCE.nodeOS] : []),
  ];
  return names.map((configName) => ({ configName, maintenanceWindow }));
}

/**
 * What pods see of an AKS pool: the taints (the platform's plus the spot taint AKS adds) and, as the selector, only
 * the labels the platform sets in the pool's spec. Not AKS's own labels (AKS_GPU_LABEL, AKS_SPOT_LABEL): for a pool
 * at zero nodes the autoscaler builds its template node from the pool's spec labels (or the scale set's tags), and
 * the scale-set priority label is not among them, so a pod requiring it would never trigger a scale-up from zero
 * (kubernetes/autoscaler cloudprovider/azure/azure_template.go buildNodeFromTemplate). worker-platform/capacity and
 * worker-platform/gpu say the same and are in the spec.
 */
export function aksPoolHandle(pool: PoolConfig) {
  const selector = nodeLabels(pool);
  const taints = [...platformTaints(pool, "azure"), ...(pool.spot ? [AKS_SPOT_TAINT] : [])];
  return poolHandle(pool, selector, taints);
}

/**
 * AKS autoScalerProfile: every value a string ("10m", "600", "true"; field notes, "AKS"). The scale-down and
 * provisioning times in minutes only (`<n>m`; the schema rejects durations that are not whole minutes on AKS,
 * stacks/schema/checks/clusters.ts), the scan interval in seconds (`<n>s`, as in the AKS docs' `scan-interval=30s`).
 */
export function aksAutoScalerProfile(p: AutoscalerProfile, expander: string) {
  const minutes = (d: string) => `${durationSeconds(d) / 60}m`;
  return {
    expander,
    scanInterval: `${durationSeconds(p.scanInterval)}s`,
    scaleDownUnneededTime: minutes(p.scaleDownUnneededTime),
    scaleDownDelayAfterAdd: minutes(p.scaleDownDelayAfterAdd),
    scaleDownUtilizationThreshold: String(p.scaleDownUtilizationThreshold),
    maxGracefulTerminationSec: String(p.maxGracefulTerminationSec),
    maxNodeProvisionTime: minutes(p.maxNodeProvisionTime),
    balanceSimilarNodeGroups: String(p.balanceSimilarNodeGroups),
    skipNodesWithLocalStorage: String(p.skipNodesWithLocalStorage),
  };
}
