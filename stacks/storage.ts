/**
 * Which StorageClass a workload claim gets on each kind of cluster, and how large it may be: one rule for the config
 * checks (stacks/schema/checks/storage.ts), the clusters (EFS on EKS only where used) and the rendered claims
 * (components/workloads/volumes.ts).
 */
import type { AccessMode, ClusterConfig, StackConfig, VolumeConfig } from "./schema/index.ts";
import type { PlacementRequest } from "./placement.ts";

/** AKS built-in classes (Azure docs, aks/concepts-storage.md "Storage classes"): Azure Disk and Azure Files. */
export const AKS_STORAGE_CLASSES = { readWriteOnce: "managed-csi", readWriteMany: "azurefile-csi" } as const;
/**
 * EKS: the gp3 class the platform creates (components/cluster/eks-storage.ts) and the EFS class it creates where a
 * workload asks for ReadWriteMany (components/cluster/eks-efs.ts).
 */
export const EKS_STORAGE_CLASSES = { readWriteOnce: "gp3", readWriteMany: "efs" } as const;

const GiB = 2 ** 30;
/**
 * Largest claim per known class, in bytes (undefined: no limit the platform knows):
 * - Azure Disk (managed-csi, managed-csi-premium): 32 TiB, the S80/P80 SKUs (Azure docs,
 *   aks/create-volume-azure-disk.md: "SKUs range from 32 GiB for S4 or P4 disks to 32 TiB for S80 or P80 disks");
 *   a managed disk's largest size is 32,767 GiB.
 * - Azure Files, azurefile-csi (standard storage): 5 TiB per share, since the class does not enable large file shares
 *   (aks/create-volume-azure-files.md, `enableLargeFileShares` default false; Azure Files scalability targets: 5 TiB
 *   without large file shares, 100 TiB with); azurefile-csi-premium (premium shares): 100 TiB.
 * - EBS gp3: 16 TiB (AWS docs, "Amazon EBS General Purpose SSD volumes": volume size 1 GiB - 16 TiB).
 * - Amazon EFS: elastic, the claim's size is not enforced (kubernetes-sigs/aws-efs-csi-driver README, "capacity is
 *   not enforced"): no limit.
 */
export const CLASS_MAX_BYTES: Record<string, number | undefined> = {
  "managed-csi": 32_767 * GiB,
  "managed-csi-premium": 32_767 * GiB,
  "azurefile-csi": 5 * 1024 * GiB,
  "azurefile-csi-premium": 100 * 1024 * GiB,
  gp3: 16 * 1024 * GiB,
};

/** What a claim asks for, wherever it is declared. */
export interface ClaimRequest {
  accessMode: AccessMode;
  storageClass?: string;
}

export type ClassChoice =
  /** `name` undefined: the cluster's default class (an existing cluster without `storageClasses.readWriteOnce`). */
  { ok: true; name: string | undefined; maxBytes?: number } | { ok: false; reason: string };

/** The StorageClass of a claim on a cluster: its own, else the cluster's for the access mode. */
export function claimClass(
  cluster: Pick<ClusterConfig, "cloud"> & { existing?: ExistingStorage },
  claim: ClaimRequest,
): ClassChoice {
  const rwx = claim.accessMode === "ReadWriteMany";
  const known = (name: string | undefined): ClassChoice => ({
    ok: true,
    name,
    maxBytes: name && cluster.cloud !== "existing" ? CLASS_MAX_BYTES[name] : undefined,
  });
  if (claim.storageClass) return known(claim.storageClass);
  switch (cluster.cloud) {
    case "azure":
      return known(rwx ? AKS_STORAGE_CLASSES.readWriteMany : AKS_STORAGE_CLASSES.readWriteOnce);
    case "aws":
      return known(rwx ? EKS_STORAGE_CLASSES.readWriteMany : EKS_STORAGE_CLASSES.readWriteOnce);
    case "existing": {
      const classes = cluster.existing?.storageClasses ?? {};
      if (!rwx) return known(classes.readWriteOnce);
      if (classes.readWriteMany) return known(classes.readWriteMany);
      return {
        ok: false,
        reason:
          "the cluster names no class for ReadWriteMany (its default class is usually block storage that one node mounts at a time)",
      };
    }
  }
}

interface ExistingStorage {
  storageClasses?: { readWriteOnce?: string; readWriteMany?: string };
}

/** A workload (worker or service) as the storage rules see it. */
interface StorageWorkload {
  name: string;
  clusters?: string[];
  volumes: VolumeConfig[];
  gpu?: { count: number; fallbackToCpu: boolean };
  spot: boolean;
}

const runsOn = (w: StorageWorkload, cluster: string) => !w.clusters || w.clusters.includes(cluster);

/** Every worker and service of the stack. */
export function storageWorkloads(cfg: StackConfig): StorageWorkload[] {
  return [...cfg.workers, ...cfg.services];
}

/** The claims (own and shared) the workloads on one cluster mount, with the workloads mounting each. */
export function claimsOn(cfg: StackConfig, cluster: string): { claim: ClaimRequest; workload: StorageWorkload }[] {
  const shared = new Map(cfg.claims.map((c) => [c.name, c]));
  return storageWorkloads(cfg)
    .filter((w) => runsOn(w, cluster))
    .flatMap((w) =>
      w.volumes.flatMap((v) => {
        const claim = v.claim ?? (v.sharedClaim ? shared.get(v.sharedClaim) : undefined);
        return claim ? [{ claim, workload: w }] : [];
      }),
    );
}

/**
 * Whether an EKS cluster needs the platform's EFS file system, driver and class: a workload on it mounts a
 * ReadWriteMany claim of the default class (unnamed, or named `efs`).
 */
export function needsEfs(cfg: StackConfig, cluster: string): boolean {
  return claimsOn(cfg, cluster).some(
    ({ claim }) =>
      claim.accessMode === "ReadWriteMany" &&
      (claim.storageClass ?? EKS_STORAGE_CLASSES.readWriteMany) === EKS_STORAGE_CLASSES.readWriteMany,
  );
}

/**
 * Placement requests of the workloads on a cluster that mount a claim bound to one zone: ReadWriteOnce and
 * ReadWriteOncePod claims are block volumes (EBS, Azure Disk LRS) that live in one zone; their pods must come back
 * to that zone, so the pools they land on need a node group per zone (stacks/placement.ts volumePools). Generic
 * ephemeral volumes are not here: each is created in the zone of the node its pod was scheduled to.
 */
export function zonalClaimRequests(cfg: StackConfig, cluster: string): PlacementRequest[] {
  const seen = new Set<StorageWorkload>();
  for (const { claim, workload } of claimsOn(cfg, cluster))
    if (claim.accessMode !== "ReadWriteMany") seen.add(workload);
  return [...seen].map((w) => ({ gpu: w.gpu, spot: w.spot }));
}
