import { z } from "zod";
import { storageClassName } from "./workload-storage.ts";
import { KUBERNETES_VERSIONS, newestKubernetesVersion } from "../kubernetes-versions.ts";
import { gpuSharing, gpuVendor } from "./accelerators.ts";
import { cidr, dnsLabel, duration, labels, positiveDuration, quantity, taint } from "./common.ts";

/**
 * One node pool, the same spec on every cloud. `name` follows the strictest cloud rule (AKS Linux pools: lowercase
 * alphanumeric, at most 12 characters) so a pool can move between clouds unchanged.
 */
export const pool = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9]{0,11}$/, {
    error: "must be 1-12 lowercase letters or digits, starting with a letter (AKS pool name rule)",
  }),
  /** `system` runs the platform add-ons (tainted CriticalAddonsOnly on AKS); `workload` runs workers. Defaults to workload. */
  role: z.enum(["system", "workload"]).default("workload"),
  /**
   * VM sizes (AKS: exactly one) or EC2 instance types (EKS: all, of equal size for spot diversity). On AKS and EKS each
   * must be in stacks/machine-types.ts: the platform checks that every pod fits a node of its pools from its shape.
   */
  machineTypes: z.array(z.string().min(1)).min(1),
  min: z.number().int().min(0),
  max: z.number().int().min(1),
  /** GPUs per node. Absent for CPU pools. */
  gpu: z
    .strictObject({
      count: z.number().int().min(1),
      /** Accelerator name, e.g. nvidia-tesla-t4, nvidia-a100 (EKS label k8s.amazonaws.com/accelerator). */
      type: z.string().min(1),
      /**
       * GPU vendor: `nvidia` or `amd`; decides the resource (`nvidia.com/gpu`, `amd.com/gpu`), taint, device plugin
       * and metrics exporter (docs/workloads.md, "Accelerators"). Defaults to the machine type's vendor in
       * stacks/machine-types.ts (AKS, EKS: a different value is an error), else nvidia.
       */
      vendor: gpuVendor.optional(),
    })
    .optional(),
  gpuSharing: gpuSharing.optional(),
  /** Spot/low-priority capacity. Defaults to false. */
  spot: z.boolean().default(false),
  /** Extra node labels, added to the platform's own (worker-platform/pool, ...). Defaults to none. */
  labels: labels.default({}),
  /** Extra taints, added to the platform's own (GPU taint, spot taint). Defaults to none. */
  taints: z.array(taint).default([]),
  /** OS disk size in GiB. Defaults to 128. */
  diskSizeGb: z.number().int().min(30).max(4096).default(128),
  /** Cluster autoscaler priority-expander priority; higher is tried first. Defaults to 20 for a spot pool, 10 for an on-demand one. */
  expanderPriority: z.number().int().min(1).max(100).optional(),
  /**
   * Warm GPU headroom: GPUs held by low-priority placeholder pods so a node stays up and the first real job does not
   * wait for a cold GPU node. Defaults to 0 (off).
   */
  headroomGpus: z.number().int().min(0).default(0),
  /**
   * EKS only: one managed node group per availability zone (per private subnet) instead of one spanning them all, so
   * the cluster autoscaler can add a node in the zone of a pending pod's EBS volume (a group over several zones cannot
   * be scaled into a chosen one). The groups are balanced by autoscaler.balanceSimilarNodeGroups; each gets the pool's
   * min spread over the zones and max rounded up per zone. Defaults to true for the pools that can host the
   * platform's volumes (system pools: Prometheus; on-demand CPU pools: the in-cluster queues), false for the others.
   */
  nodeGroupPerZone: z.boolean().optional(),
  /**
   * Price of one node per hour (USD), for cost per job (observability.cost) and the simulator. Defaults to the price
   * table (stacks/prices.ts) for the first machine type, spot at its assumed fraction; 0 where the type is not there.
   */
  pricePerHour: z.number().min(0).max(1000).optional(),
});
export type PoolConfig = z.infer<typeof pool>;

/**
 * Cluster autoscaler tuning; on AKS it becomes the cluster's `autoScalerProfile` (where the scale-down and
 * provisioning times must be whole minutes), on EKS the chart's flags.
 */
export const autoscalerProfile = z.strictObject({
  /** How long a node must be unneeded before removal. Defaults to 10m (upstream default). */
  scaleDownUnneededTime: duration.default("10m"),
  /** Pause after a scale-up before scale-down is considered. Defaults to 10m (upstream default). */
  scaleDownDelayAfterAdd: duration.default("10m"),
  /** Node utilisation under which a node may be removed. Defaults to 0.5 (upstream default). */
  scaleDownUtilizationThreshold: z.number().gt(0).max(1).default(0.5),
  /** Cap on a pod's graceful termination when the autoscaler drains a node. Defaults to 600 (upstream default). */
  maxGracefulTerminationSec: z.number().int().min(0).max(3600).default(600),
  /** How long to wait for a node to register. Defaults to 15m (upstream default); GPU nodes can take 10m. */
  maxNodeProvisionTime: positiveDuration.default("15m"),
  /** Defaults to 10s (upstream default). */
  scanInterval: positiveDuration.default("10s"),
  /** Spread replicas over node groups of the same shape. Defaults to true. */
  balanceSimilarNodeGroups: z.boolean().default(true),
  /** Do not block scale-down on pods with emptyDir (workers use one for /tmp). Defaults to false. */
  skipNodesWithLocalStorage: z.boolean().default(false),
});
export type AutoscalerProfile = z.infer<typeof autoscalerProfile>;

/**
 * The cluster autoscaler's expanders (kubernetes/autoscaler cluster-autoscaler/expander/expander.go); its expander
 * factory refuses any other name, and the autoscaler does not start.
 */
export const CLUSTER_AUTOSCALER_EXPANDERS = [
  "random",
  "most-pods",
  "least-waste",
  "price",
  "priority",
  "grpc",
  "least-nodes",
] as const;

/** Minor versions before this lack what workers rely on: the preStop `sleep` action (PodLifecycleSleepAction, 1.30). */
export const MIN_KUBERNETES_MINOR = 30;
/** A Kubernetes minor version the cloud offers (stacks/kubernetes-versions.ts) and the workers can run on. */
const kubernetesVersion = (cloud: "azure" | "aws") => {
  const newest = newestKubernetesVersion(cloud);
  const { checked, source } = KUBERNETES_VERSIONS[cloud];
  return z
    .string()
    .regex(/^1\.[0-9]{2}$/, { error: "must be a Kubernetes minor version such as 1.34" })
    .refine((v) => Number(v.split(".")[1]) >= MIN_KUBERNETES_MINOR, {
      error: `must be 1.${MIN_KUBERNETES_MINOR} or later (workers use the preStop sleep action, Kubernetes 1.30+)`,
    })
    .refine((v) => Number(v.split(".")[1]) <= Number(newest.split(".")[1]), {
      error: `must be at most ${newest}, the newest version ${cloud === "azure" ? "AKS" : "EKS"} offers (${source}, checked ${checked}); if it offers a newer one now, add it to stacks/kubernetes-versions.ts`,
    });
};

/** kubelogin `--login` modes the platform supports (components/cluster/kubeconfig.ts). */
export const kubeloginMode = z.enum(["azurecli", "workloadidentity", "spn", "msi", "devicecode"]);

/** The days a maintenance window may start on (AKS WeekDay). */
const weekDay = z.enum(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]);

/**
 * When and how AKS upgrades a cluster and its nodes by itself, and how a node is drained. Every automatic upgrade
 * drains nodes, and a drain ends a running job (docs/workloads.md, "Node drains"), so both channels run only in
 * `window`, and the drain waits for the workers' termination grace.
 */
export const aksUpgrades = z.strictObject({
  /**
   * Kubernetes version auto-upgrade (autoUpgradeProfile.upgradeChannel): `none` (Kubernetes changes only when
   * kubernetesVersion does) or `patch` (the newest patch of kubernetesVersion's minor, in the window). With `patch`,
   * AKS upgrades the control plane and the pools together only, so a later change of kubernetesVersion, which Pulumi
   * applies to the cluster and then to each pool, may be refused: set `none` for that update. `stable` and `rapid` are
   * not offered: they change the minor version that kubernetesVersion pins. Defaults to none.
   */
  channel: z.enum(["none", "patch"]).default("none"),
  /**
   * Node OS updates (autoUpgradeProfile.nodeOSUpgradeChannel): NodeImage (a new node image every week: every node is
   * reimaged), SecurityPatch (security patches, reimaging only when a patch needs it), Unmanaged (the OS patches
   * itself nightly, no reimage; reboots are yours) or None. Defaults to NodeImage (AKS's default).
   */
  nodeOSChannel: z.enum(["NodeImage", "SecurityPatch", "Unmanaged", "None"]).default("NodeImage"),
  /**
   * When AKS may start those upgrades (maintenance configurations aksManagedAutoUpgradeSchedule and
   * aksManagedNodeOSUpgradeSchedule, the same window for both); work started in the window runs to its end.
   */
  window: z
    .strictObject({
      /** Defaults to Sunday. */
      dayOfWeek: weekDay.default("Sunday"),
      /** Every how many weeks. Defaults to 1 (AKS ships a node image weekly). */
      intervalWeeks: z.number().int().min(1).max(4).default(1),
      /** Start, `HH:mm` in utcOffset's time. Defaults to 00:00. */
      startTime: z
        .string()
        .regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, { error: "must be a time of day HH:mm such as 02:00" })
        .default("00:00"),
      /** `+HH:mm` or `-HH:mm`. Defaults to +00:00. */
      utcOffset: z
        .string()
        .regex(/^[+-](0[0-9]|1[0-4]):[0-5][0-9]$/, { error: "must be a UTC offset such as +00:00 or -05:00" })
        .default("+00:00"),
      /** Length in hours, 4 to 24 (AKS: at least 4 for auto-upgrades). Defaults to 8. */
      durationHours: z.number().int().min(4).max(24).default(8),
    })
    .prefault({}),
  /**
   * Minutes AKS waits for a node's pods to be evicted and to terminate before it stops the upgrade
   * (upgradeSettings.drainTimeoutInMinutes, 5 to 1440), on every pool but spot ones (AKS does not drain those). At
   * least autoscaler.maxGracefulTerminationSec, which caps every worker's termination grace. Defaults to that grace
   * cap in minutes, rounded up, plus 5, and at least 30 (AKS's default).
   */
  drainTimeoutMinutes: z.number().int().min(5).max(1440).optional(),
  /**
   * Extra nodes per pool during an upgrade (upgradeSettings.maxSurge): a count such as 1 or a percentage such as
   * 33%. Not on spot pools (AKS upgrades them without surge). Defaults to AKS's default.
   */
  maxSurge: z
    .string()
    .regex(/^([1-9][0-9]{0,2}|([1-9][0-9]?|100)%)$/, {
      error: "must be a node count such as 1 or a percentage such as 33%",
    })
    .optional(),
  /**
   * Minutes to wait after draining a node before reimaging it (upgradeSettings.nodeSoakDurationInMinutes, 0 to 30).
   * Defaults to 0.
   */
  nodeSoakMinutes: z.number().int().min(0).max(30).default(0),
});
export type AksUpgrades = z.infer<typeof aksUpgrades>;

/**
 * The drain timeout of an AKS cluster's pools: the configured one, else the autoscaler's grace cap (which bounds every
 * worker's termination grace) in minutes, rounded up, plus 5, and at least AKS's own default of 30.
 */
export function aksDrainTimeoutMinutes(
  upgrades: AksUpgrades,
  autoscaler: { maxGracefulTerminationSec: number },
): number {
  return upgrades.drainTimeoutMinutes ?? Math.max(30, Math.ceil(autoscaler.maxGracefulTerminationSec / 60) + 5);
}

const clusterBase = {
  /** Cluster name; prefixes every cloud resource of the cluster. */
  name: dnsLabel.max(30),
  /** Protect the cluster and its pools from `pulumi destroy`. Defaults to platform.production. */
  protect: z.boolean().optional(),
  pools: z.array(pool).min(1),
  autoscaler: autoscalerProfile.prefault({}),
};

export const azureCluster = z.strictObject({
  ...clusterBase,
  cloud: z.literal("azure"),
  /** Azure region, e.g. westeurope. */
  region: z.string().regex(/^[a-z][a-z0-9]*$/, {
    error:
      "must be an Azure region name such as westeurope (lowercase, no spaces: `az account list-locations -o table`)",
  }),
  kubernetesVersion: kubernetesVersion("azure"),
  azure: z
    .strictObject({
      /** Use this existing resource group instead of creating `<cluster>-rg`. Defaults to creating one. */
      resourceGroupName: z.string().optional(),
      /** Defaults to Standard (uptime SLA). */
      skuTier: z.enum(["Free", "Standard", "Premium"]).default("Standard"),
      /** Network policy engine. Defaults to cilium (Azure CNI overlay with the Cilium dataplane). */
      networkPolicy: z.enum(["azure", "calico", "cilium"]).default("cilium"),
      /** Private API server. Defaults to false. */
      privateCluster: z.boolean().default(false),
      /** CIDRs allowed to reach a public API server. Defaults to none (open). */
      apiServerAuthorizedIpRanges: z.array(cidr).default([]),
      /** Entra ID groups granted cluster admin. Defaults to none. */
      adminGroupObjectIds: z
        .array(
          z.uuid({ error: "must be an Entra ID group object ID: a UUID such as 0b1f3a2c-4d5e-4f60-8a7b-9c0d1e2f3a4b" }),
        )
        .default([]),
      /** Cluster autoscaler expander. AKS takes one. Defaults to priority (spot first, on-demand fallback). */
      expander: z.enum(["priority", "least-waste", "most-pods", "random"]).default("priority"),
      /**
       * Grant the identity running Pulumi the "Azure Kubernetes Service RBAC Cluster Admin" role on the cluster, so it
       * can create the add-ons and workloads (Entra ID + Azure RBAC, no local accounts). Turn off when cluster RBAC is
       * granted elsewhere. Defaults to true.
       */
      grantDeployerClusterAdmin: z.boolean().default(true),
      /**
       * How kubelogin gets Entra ID tokens (`--login`) in the exported kubeconfig and, unless deployer.kubeloginMode
       * says otherwise, in the Kubernetes provider: azurecli (your `az login` session), workloadidentity (a federated
       * token: GitHub OIDC in CI), spn, msi, or devicecode (interactive). Defaults to azurecli.
       */
      kubeloginMode: kubeloginMode.default("azurecli"),
      /** Automatic Kubernetes and node OS upgrades, their maintenance window, and node drains during upgrades. */
      upgrades: aksUpgrades.prefault({}),
    })
    .prefault({}),
});

const subnetId = z
  .string()
  .regex(/^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/, { error: "must be a subnet ID such as subnet-0123456789abcdef0" });

export const awsCluster = z.strictObject({
  ...clusterBase,
  cloud: z.literal("aws"),
  /** AWS region, e.g. eu-west-1. */
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-[0-9]+$/, {
    error: "must be an AWS region code such as eu-west-1",
  }),
  kubernetesVersion: kubernetesVersion("aws"),
  aws: z
    .strictObject({
      /** CIDR of the VPC the platform creates. Defaults to 10.0.0.0/16. Ignored with existingVpc. */
      vpcCidr: cidr.default("10.0.0.0/16"),
      /** Availability zones to spread subnets over. Defaults to 3. */
      availabilityZoneCount: z.number().int().min(2).max(3).default(3),
      /**
       * NAT gateways of the VPC the platform creates: `single` (one, in the first zone: cheaper, but private subnets
       * lose egress when that zone fails) or `perZone` (one per zone, each zone's private subnet routes through its
       * own). Defaults to single. Ignored with existingVpc.
       */
      natGateways: z.enum(["single", "perZone"]).default("single"),
      /** Use these existing subnets instead of creating a VPC. */
      existingVpc: z
        .strictObject({
          vpcId: z
            .string()
            .regex(/^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/, { error: "must be a VPC ID such as vpc-0123456789abcdef0" }),
          privateSubnetIds: z.array(subnetId).min(2),
          publicSubnetIds: z.array(subnetId).default([]),
        })
        .optional(),
      /** Public API endpoint. Defaults to true. */
      endpointPublicAccess: z.boolean().default(true),
      /** CIDRs allowed on the public endpoint. Defaults to 0.0.0.0/0. */
      publicAccessCidrs: z.array(cidr).default(["0.0.0.0/0"]),
      /** Control-plane log types. Defaults to api, audit, authenticator. */
      logTypes: z
        .array(z.enum(["api", "audit", "authenticator", "controllerManager", "scheduler"]))
        .default(["api", "audit", "authenticator"]),
      /** IAM principals granted cluster admin through access entries. Defaults to none. */
      adminPrincipalArns: z
        .array(
          z.string().regex(/^arn:aws[a-z-]*:(iam|sts)::[0-9]{12}:[a-z-]+\/.+$/, {
            error: "must be an IAM principal ARN such as arn:aws:iam::123456789012:role/platform-admins",
          }),
        )
        .default([]),
      /**
       * Versions of the EKS managed add-ons, e.g. `{ vpc-cni: v1.20.4-eksbuild.2 }` (`aws eks describe-addon-versions
       * --kubernetes-version <v> --addon-name <name>` lists them). An add-on without one gets EKS's default version for
       * the cluster's Kubernetes version when it is created, and keeps it until a version is set here. Defaults to none.
       */
      addonVersions: (() => {
        const version = z
          .string()
          .regex(/^v[0-9]+\.[0-9]+\.[0-9]+-eksbuild\.[0-9]+$/, {
            error: "must be an EKS add-on version such as v1.20.4-eksbuild.2",
          })
          .optional();
        return z.strictObject({
          "vpc-cni": version,
          "kube-proxy": version,
          coredns: version,
          "aws-ebs-csi-driver": version,
        });
      })().default({}),
      /**
       * Managed node group updates (a new `kubernetesVersion` or AMI), which drain nodes; EKS starts none by itself.
       */
      nodeUpdates: z
        .strictObject({
          /** Nodes a node group replaces at a time (updateConfig.maxUnavailable). Defaults to 1. */
          maxUnavailable: z.number().int().min(1).max(100).default(1),
        })
        .prefault({}),
      /** Cluster autoscaler expanders, chained. Defaults to priority,least-waste. */
      expander: z
        .string()
        .superRefine((chain, ctx) => {
          const unknown = chain
            .split(",")
            .filter((e) => !(CLUSTER_AUTOSCALER_EXPANDERS as readonly string[]).includes(e));
          if (unknown.length)
            ctx.addIssue({
              code: "custom",
              message: `must be expanders separated by commas, such as priority,least-waste; ${unknown.map((e) => JSON.stringify(e)).join(", ")} is not one of ${CLUSTER_AUTOSCALER_EXPANDERS.join(", ")}`,
              input: chain,
            });
        })
        .default("priority,least-waste"),
    })
    .prefault({}),
});

export const existingCluster = z.strictObject({
  ...clusterBase,
  cloud: z.literal("existing"),
  /**
   * Pools the existing cluster offers, declared rather than created. `labels` are labels its nodes already carry
   * (used as the pool's node selector); `taints` the taints they carry. Defaults to one CPU pool selecting any node.
   */
  pools: z
    .array(
      pool.extend({
        machineTypes: z.array(z.string().min(1)).default(["unknown"]),
        /**
         * What one node of the pool offers the platform's pods, for the fit check: its allocatable (`kubectl get node
         * <node> -o jsonpath='{.status.allocatable}'`) less the requests of the DaemonSets already on it (CNI,
         * kube-proxy, CSI, monitoring agents); the platform subtracts its own (device plugin and DCGM exporter on GPU
         * pools). Defaults to none: the platform cannot know an existing cluster's nodes, so it does not check that
         * pods fit them.
         */
        allocatable: z.strictObject({ cpu: quantity, memory: quantity }).optional(),
      }),
    )
    .min(1)
    .default([
      {
        name: "default",
        role: "workload",
        machineTypes: ["unknown"],
        min: 1,
        max: 1,
        spot: false,
        labels: {},
        taints: [],
        diskSizeGb: 128,
        headroomGpus: 0,
      },
    ]),
  existing: z.strictObject({
    /** Path to a kubeconfig file. Defaults to the KUBECONFIG the CLI runs with. */
    kubeconfigPath: z.string().optional(),
    /** kubeconfig context, e.g. kind-worker-platform, k3d-wp, minikube. */
    context: z.string().min(1),
    /** Whether metrics-server already runs (k3d, minikube with the addon). Defaults to false: the platform installs it. */
    hasMetricsServer: z.boolean().default(false),
    /**
     * StorageClasses of the cluster for workload claims (`volumes[].claim`, `claims`): `readWriteOnce` (Defaults to
     * the cluster's default class) and `readWriteMany` (Defaults to none: ReadWriteMany claims are refused, since
     * most default classes are block storage that cannot be shared across nodes).
     */
    storageClasses: z
      .strictObject({
        /** Class of ReadWriteOnce(Pod) claims and ephemeral volumes. Defaults to the cluster's default class. */
        readWriteOnce: storageClassName.optional(),
        /** Class of ReadWriteMany claims (NFS, a file share). Defaults to none: such claims are refused. */
        readWriteMany: storageClassName.optional(),
      })
      .prefault({}),
  }),
});

export const cluster = z.discriminatedUnion("cloud", [azureCluster, awsCluster, existingCluster], {
  error: "cloud must be one of azure, aws, existing",
});
export type ClusterConfig = z.infer<typeof cluster>;
export type AzureClusterConfig = z.infer<typeof azureCluster>;
export type AwsClusterConfig = z.infer<typeof awsCluster>;
export type ExistingClusterConfig = z.infer<typeof existingCluster>;
