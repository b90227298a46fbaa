import { z } from "zod";
import { byteQuantity, dnsLabel } from "./common.ts";

/**
 * Volumes, claims and ConfigMaps of workers and services (docs/workloads.md, "Volumes and ConfigMaps"). The rules
 * that span several keys (references, one path per mount, cloud size limits, RWX classes) are in checks/storage.ts.
 */

/**
 * How a claim may be mounted (kubernetes.io, "Persistent Volumes", access modes): ReadWriteOnce by the pods of one
 * node, ReadWriteOncePod by one pod, ReadWriteMany by pods on any node (Azure Files on AKS, Amazon EFS on EKS, a
 * class named under `existing.storageClasses.readWriteMany` on an existing cluster).
 */
export const accessMode = z.enum(["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany"]);
export type AccessMode = z.infer<typeof accessMode>;

/** A StorageClass name (a DNS-1123 subdomain). */
export const storageClassName = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, {
    error: "must be a StorageClass name: lowercase letters, digits, '-' and '.' (e.g. managed-csi-premium)",
  });

const claimFields = {
  /** Requested size, e.g. 50Gi. At most what the cloud's class allows (checks/storage.ts). */
  size: byteQuantity,
  /**
   * StorageClass. Defaults to the cluster's class for the access mode: AKS `managed-csi` (Azure Disk), or
   * `azurefile-csi` (Azure Files) for ReadWriteMany; EKS `gp3` (EBS), or `efs` (Amazon EFS, created when used) for
   * ReadWriteMany; an existing cluster `existing.storageClasses`, else its default class (ephemeral volumes: the
   * ReadWriteOnce class).
   */
  storageClass: storageClassName.optional(),
};

/**
 * A claim a workload owns (`<workload>-<volume>`). ReadWriteOnce and ReadWriteOncePod are refused with
 * replicas.max above 1: a second replica on another node (or any second pod, for ReadWriteOncePod) would stay Pending,
 * and KEDA scaling out would stall on it; a Deployment with such a claim is rolled with Recreate. For scratch space
 * per replica use `ephemeral` (a claim per pod that dies with it); for data several replicas share, ReadWriteMany.
 */
export const ownClaim = z.strictObject({
  ...claimFields,
  /** Defaults to ReadWriteOnce. */
  accessMode: accessMode.default("ReadWriteOnce"),
});

/** A claim declared once under the top-level `claims` and mounted by several workloads (`sharedClaim: <name>`). */
export const sharedClaimConfig = z.strictObject({
  /** Name of the PersistentVolumeClaim, created on each cluster where a workload mounts it. */
  name: dnsLabel,
  ...claimFields,
  /**
   * Defaults to ReadWriteMany (what sharing needs); ReadWriteOnce/ReadWriteOncePod only for one workload with
   * replicas.max 1.
   */
  accessMode: accessMode.default("ReadWriteMany"),
});
export type SharedClaimConfig = z.infer<typeof sharedClaimConfig>;

/** An absolute path in the container. */
const mountPath = z.string().regex(/^\/[^:]*$/, { error: "must be an absolute path without ':', such as /data" });

export const volumeMountConfig = z.strictObject({
  /** Where the volume appears in the container. Two mounts of a workload never share a path. */
  path: mountPath,
  /** A path inside the volume to mount instead of its root. Defaults to the root. */
  subPath: z
    .string()
    .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$)).+$/, {
      error: "must be a relative path inside the volume without '..', such as models/v2",
    })
    .optional(),
  /** Defaults to false; ConfigMap and Secret volumes are always mounted read-only. */
  readOnly: z.boolean().default(false),
});

const VOLUME_SOURCES = ["claim", "sharedClaim", "ephemeral", "emptyDir", "configMap", "secret"] as const;
export type VolumeSourceKey = (typeof VOLUME_SOURCES)[number];

/**
 * One volume of a worker or service and where it is mounted; exactly one source key. The read-only root filesystem
 * keeps its writable /tmp (a 1Gi emptyDir) unless a volume is mounted at /tmp.
 */
export const volumeConfig = z
  .strictObject({
    /** Volume name, unique in the workload (`tmp` is the platform's /tmp). */
    name: dnsLabel,
    /** A claim of this workload (`{ size, accessMode, storageClass }`). Defaults to none. */
    claim: ownClaim.optional(),
    /** A claim declared under the top-level `claims`, by name. Defaults to none. */
    sharedClaim: dnsLabel.optional(),
    /**
     * A generic ephemeral volume (kubernetes.io, "Ephemeral Volumes"): a ReadWriteOnce claim per pod, created with
     * the pod and deleted with it; scratch space for each replica or Job (`{ size, storageClass }`). Defaults to none.
     */
    ephemeral: z.strictObject(claimFields).optional(),
    /**
     * An emptyDir (`{ sizeLimit, medium }`). medium Memory is a tmpfs whose contents count against the container's
     * memory limit (kubernetes.io, "Volumes", emptyDir): sizeLimit is then required and must be below
     * limits.memory. Defaults to none.
     */
    emptyDir: z
      .strictObject({
        /** Size cap (the pod is evicted above it). Defaults to 1Gi on disk; required with medium Memory. */
        sizeLimit: byteQuantity.optional(),
        /** Disk: the node's ephemeral storage; Memory: a tmpfs. Defaults to Disk. */
        medium: z.enum(["Disk", "Memory"]).default("Disk"),
      })
      .optional(),
    /** A ConfigMap under the top-level `configMaps`, by name: each key a file. Defaults to none. */
    configMap: dnsLabel.optional(),
    /** A Secret under the top-level `secrets`, by name: each key a file. Defaults to none. */
    secret: dnsLabel.optional(),
    /** Where it is mounted (at least one). */
    mounts: z.array(volumeMountConfig).min(1),
  })
  .superRefine((v, ctx) => {
    const set = VOLUME_SOURCES.filter((k) => v[k] !== undefined);
    if (set.length !== 1)
      ctx.addIssue({
        code: "custom",
        message:
          set.length === 0
            ? `needs one source: ${VOLUME_SOURCES.join(", ")}`
            : `has ${set.join(" and ")}: a volume has exactly one source`,
        input: set,
      });
  });
export type VolumeConfig = z.infer<typeof volumeConfig>;

/** The source key a volume uses. */
export function volumeSource(v: VolumeConfig): VolumeSourceKey {
  return VOLUME_SOURCES.find((k) => v[k] !== undefined)!;
}

/** envFrom: every key of a ConfigMap or Secret as an environment variable, with an optional prefix. */
const envPrefix = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: "must be the start of an environment variable name: letters, digits and '_' (e.g. APP_)",
});
export const envFromConfig = z.union(
  [
    z.strictObject({ configMap: dnsLabel, prefix: envPrefix.optional() }),
    z.strictObject({ secret: dnsLabel, prefix: envPrefix.optional() }),
  ],
  { error: "must be { configMap: <name> } or { secret: <name> }, with an optional prefix such as APP_" },
);
export type EnvFromConfig = z.infer<typeof envFromConfig>;

/** Fields workers and services add for storage and configuration (spread into stacks/schema/workloads.ts podShape). */
export const storageShape = {
  /**
   * Volumes and their mounts: `claim`, `sharedClaim`, `ephemeral`, `emptyDir`, `configMap` or `secret`, each with
   * `mounts: [{ path, subPath, readOnly }]`. Defaults to none (only the platform's /tmp).
   */
  volumes: z.array(volumeConfig).default([]),
  /**
   * Every key of ConfigMaps (`{ configMap: <name> }`) or Secrets (`{ secret: <name> }`) as environment variables,
   * with an optional `prefix`; `env` and `secretEnv` win over them. Defaults to none.
   */
  envFrom: z.array(envFromConfig).default([]),
};

/** A ConfigMap data key (the same characters as a Secret key: kubernetes validation IsConfigMapKey). */
const configMapKey = z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, {
  error: "must be a ConfigMap key: letters, digits, '-', '_' or '.' (e.g. LOG_LEVEL or settings.yaml)",
});

/**
 * A ConfigMap from config: settings that are not secrets, as literal values or whole files (a key such as
 * `settings.yaml` with the file's text). Keys and values that look like credentials are refused (use `secrets`).
 */
export const configMapConfig = z.strictObject({
  name: dnsLabel,
  /** Keys and their values (at most 1 MiB in all, the API server's limit for a ConfigMap). */
  data: z.record(configMapKey, z.string()),
});
export type ConfigMapConfig = z.infer<typeof configMapConfig>;
