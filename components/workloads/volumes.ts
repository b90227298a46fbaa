import { createHash, createHmac } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type {
  ConfigMapConfig,
  ServiceConfig,
  SharedClaimConfig,
  VolumeConfig,
  WorkerConfig,
} from "../../stacks/schema/index.ts";
import { claimClass } from "../../stacks/storage.ts";
import type { ClaimRequest } from "../../stacks/storage.ts";
import type { WorkloadEnv } from "./common.ts";
import { k8sOpts } from "./common.ts";
import { CONFIG_HASH_ANNOTATION } from "./annotations.ts";
import type { PlatformSecret } from "./secrets.ts";
import { SKIP_AWAIT } from "./common.ts";

type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type EnvFromSource = k8s.types.input.core.v1.EnvFromSource;
type ClaimSpec = k8s.types.input.core.v1.PersistentVolumeClaimSpec;

/**
 * Group of the pods that mount a claim (`fsGroup`): the kubelet makes the volume's files group-owned by it and adds
 * it to every container's supplementary groups (kubernetes.io, "Configure a Security Context for a Pod or
 * Container"), so a non-root image (any uid) can write a fresh EBS or Azure Disk volume, whose root is root's 0755
 * otherwise. OnRootMismatch: the recursive chown runs only when the root does not match yet (not on every start of
 * a large volume). EFS access points (their own uid/gid) and Azure Files (SMB, dirMode/fileMode 0777 by default: AKS
 * docs, aks/create-volume-azure-files.md) ignore it.
 */
export const VOLUME_FS_GROUP = 65532;

/** ConfigMaps, Secrets and shared claims of one cluster, by name: what workloads' volumes and envFrom refer to. */
export interface StorageObjects {
  configMaps: ReadonlyMap<string, { resource: k8s.core.v1.ConfigMap; data: Record<string, string> }>;
  secrets: ReadonlyMap<string, PlatformSecret>;
  claims: ReadonlyMap<string, k8s.core.v1.PersistentVolumeClaim>;
  /**
   * The key of the config hash over Secret values (configHashKey): random, kept in state as a Pulumi secret. Set
   * whenever the stack has `secrets`.
   */
  hashKey?: pulumi.Output<string>;
}

/**
 * The key of the pod templates' config hash: 32 random bytes, generated once and kept in state (hex, a secret
 * output of @pulumi/random RandomBytes, marked secret again so a provider schema change cannot expose it).
 */
export function configHashKey(name: string, parent: pulumi.Resource): pulumi.Output<string> {
  const key = new random.RandomBytes(name, { length: 32 }, { parent, additionalSecretOutputs: ["hex", "base64"] });
  return pulumi.secret(key.hex);
}

/** The `configMaps` of the stack config as Kubernetes ConfigMaps (the schema refused secret-looking entries). */
export function createConfigMaps(
  env: WorkloadEnv,
  configMaps: ConfigMapConfig[],
  parent: pulumi.Resource,
): StorageObjects["configMaps"] {
  return new Map(
    configMaps.map((cm) => [
      cm.name,
      {
        data: cm.data,
        resource: new k8s.core.v1.ConfigMap(
          `${env.cluster.name}-${cm.name}`,
          {
            metadata: {
              name: cm.name,
              namespace: env.namespace,
              labels: { "app.kubernetes.io/managed-by": "worker-platform" },
            },
            data: cm.data,
          },
          k8sOpts(env, parent),
        ),
      },
    ]),
  );
}

/**
 * A PersistentVolumeClaim's spec: the access mode, the size, and the class (stacks/storage.ts claimClass; none for
 * an existing cluster's default class).
 */
export function claimSpec(env: WorkloadEnv, claim: ClaimRequest & { size: string }): ClaimSpec {
  const cluster = env.config.clusters.find((c) => c.name === env.cluster.name);
  const choice = cluster ? claimClass(cluster, claim) : undefined;
  const storageClassName = choice?.ok ? choice.name : claim.storageClass;
  return {
    accessModes: [claim.accessMode],
    resources: { requests: { storage: claim.size } },
    ...(storageClassName ? { storageClassName } : {}),
  };
}

/**
 * A claim the platform creates. skipAwait: with WaitForFirstConsumer (gp3, managed-csi) a claim binds only once a
 * pod mounts it, and a worker at zero replicas never does; pulumi-kubernetes waits for Bound unless it can read the
 * class's binding mode (pulumi/pulumi-kubernetes #895, fixed for a readable class in #3130), which an existing
 * cluster's default class is not.
 */
function persistentClaim(
  env: WorkloadEnv,
  resourceName: string,
  name: string,
  claim: ClaimRequest & { size: string },
  labels: Record<string, string>,
  parent: pulumi.Resource,
): k8s.core.v1.PersistentVolumeClaim {
  return new k8s.core.v1.PersistentVolumeClaim(
    resourceName,
    {
      metadata: { name, namespace: env.namespace, labels, annotations: { ...SKIP_AWAIT } },
      spec: claimSpec(env, claim),
    },
    k8sOpts(env, parent),
  );
}

/** The top-level `claims` that workloads on this cluster mount, each a PersistentVolumeClaim named after it. */
export function createSharedClaims(
  env: WorkloadEnv,
  claims: SharedClaimConfig[],
  used: ReadonlySet<string>,
  parent: pulumi.Resource,
): StorageObjects["claims"] {
  return new Map(
    claims
      .filter((c) => used.has(c.name))
      .map((c) => [
        c.name,
        persistentClaim(
          env,
          `${env.cluster.name}-claim-${c.name}`,
          c.name,
          c,
          { "app.kubernetes.io/managed-by": "worker-platform" },
          parent,
        ),
      ]),
  );
}

/** What a workload's pod gets from its `volumes` and `envFrom`. */
export interface WorkloadStorage {
  volumes: Volume[];
  mounts: VolumeMount[];
  envFrom: EnvFromSource[];
  /** A volume is mounted at /tmp: the platform's own /tmp emptyDir is left out. */
  replacesTmp: boolean;
  /** The pod mounts a claim: fsGroup (VOLUME_FS_GROUP) makes it writable. */
  fsGroup?: number;
  /**
   * A claim one node (or one pod) attaches at a time: a Deployment is rolled with Recreate, since a surge pod on
   * another node (or any second pod, ReadWriteOncePod) could not mount it until the old pod is gone.
   */
  recreate: boolean;
  /** Pod template annotations: the hash of the ConfigMaps and Secrets the pod reads as files or envFrom. */
  annotations: Record<string, pulumi.Input<string>>;
  /** The ConfigMaps, Secrets and claims the pods need first. */
  dependsOn: pulumi.Resource[];
}

/**
 * The volumes, mounts and envFrom of a worker or service on one cluster, and its own claims (`claim`, named
 * `<workload>-<volume>`, parented to `parent`). A change of a ConfigMap, or of a Secret the pod reads as a volume or
 * through envFrom, changes the pod template's hash annotation, which rolls a Deployment and gives a ScaledJob's next
 * Jobs the new data: the kubelet does refresh mounted files, but never env vars, nor subPath mounts (kubernetes.io,
 * "ConfigMaps": "Mounted ConfigMaps are updated automatically ... A container using a ConfigMap as a subPath volume
 * will not receive ConfigMap updates"; env values are read at start).
 */
export function workloadStorage(
  env: WorkloadEnv,
  w: WorkerConfig | ServiceConfig,
  resourceName: string,
  labels: Record<string, string>,
  objects: StorageObjects,
  parent: pulumi.Resource,
): WorkloadStorage {
  const volumes: Volume[] = [];
  const mounts: VolumeMount[] = [];
  const dependsOn: pulumi.Resource[] = [];
  const configMapsRead = new Set<string>();
  const secretsRead = new Set<string>();
  let claims = false;
  let recreate = false;
  const sharedConfig = new Map(env.config.claims.map((c) => [c.name, c]));

  for (const v of w.volumes) {
    volumes.push(
      volumeOf(v, w.name, v.ephemeral ? claimSpec(env, { ...v.ephemeral, accessMode: "ReadWriteOnce" }) : undefined),
    );
    const fixedReadOnly = v.configMap !== undefined || v.secret !== undefined;
    for (const m of v.mounts)
      mounts.push({
        name: v.name,
        mountPath: m.path,
        ...(m.subPath ? { subPath: m.subPath } : {}),
        readOnly: fixedReadOnly || m.readOnly,
      });
    if (v.claim) {
      claims = true;
      recreate ||= v.claim.accessMode !== "ReadWriteMany";
      dependsOn.push(persistentClaim(env, `${resourceName}-${v.name}`, `${w.name}-${v.name}`, v.claim, labels, parent));
    }
    if (v.sharedClaim) {
      claims = true;
      recreate ||= sharedConfig.get(v.sharedClaim)?.accessMode !== "ReadWriteMany";
      const pvc = objects.claims.get(v.sharedClaim);
      if (pvc) dependsOn.push(pvc);
    }
    if (v.ephemeral) claims = true;
    if (v.configMap) configMapsRead.add(v.configMap);
    if (v.secret) secretsRead.add(v.secret);
  }
  const envFrom: EnvFromSource[] = w.envFrom.map((e) => {
    const prefix = e.prefix ? { prefix: e.prefix } : {};
    if ("configMap" in e) {
      configMapsRead.add(e.configMap);
      return { configMapRef: { name: e.configMap }, ...prefix };
    }
    secretsRead.add(e.secret);
    return { secretRef: { name: e.secret }, ...prefix };
  });
  for (const name of configMapsRead) {
    const cm = objects.configMaps.get(name);
    if (cm) dependsOn.push(cm.resource);
  }
  for (const name of secretsRead) {
    const s = objects.secrets.get(name);
    if (s) dependsOn.push(s.resource);
  }
  const hash = configHash(
    [...configMapsRead].sort().map((name) => ({ name, data: objects.configMaps.get(name)?.data ?? {} })),
    [...secretsRead].sort().map((name) => ({ name, values: objects.secrets.get(name)?.values ?? {} })),
    objects.hashKey,
  );
  return {
    volumes,
    mounts,
    envFrom,
    replacesTmp: w.volumes.some((v) => v.mounts.some((m) => m.path === "/tmp")),
    ...(claims ? { fsGroup: VOLUME_FS_GROUP } : {}),
    recreate,
    annotations: hash ? { [CONFIG_HASH_ANNOTATION]: hash } : {},
    dependsOn,
  };
}

/** The pod volume of one `volumes` entry; `ephemeralSpec`: the claim spec of an ephemeral one (claimSpec). */
export function volumeOf(v: VolumeConfig, workload: string, ephemeralSpec?: ClaimSpec): Volume {
  if (v.claim) return { name: v.name, persistentVolumeClaim: { claimName: `${workload}-${v.name}` } };
  if (v.sharedClaim) return { name: v.name, persistentVolumeClaim: { claimName: v.sharedClaim } };
  if (v.ephemeral)
    // A generic ephemeral volume: the claim `<pod>-<volume>` is created with the pod and owned by it, so it is deleted
    // with the pod (kubernetes.io, "Ephemeral Volumes", generic ephemeral volumes; GA in 1.23).
    return {
      name: v.name,
      ephemeral: {
        volumeClaimTemplate: {
          metadata: { labels: { "app.kubernetes.io/managed-by": "worker-platform" } },
          spec: ephemeralSpec ?? {
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: v.ephemeral.size } },
            ...(v.ephemeral.storageClass ? { storageClassName: v.ephemeral.storageClass } : {}),
          },
        },
      },
    };
  if (v.emptyDir)
    return {
      name: v.name,
      emptyDir: {
        sizeLimit: v.emptyDir.sizeLimit ?? "1Gi",
        ...(v.emptyDir.medium === "Memory" ? { medium: "Memory" } : {}),
      },
    };
  if (v.configMap) return { name: v.name, configMap: { name: v.configMap } };
  return { name: v.name, secret: { secretName: v.secret! } };
}

/**
 * A digest of the data of the ConfigMaps and the values of the Secrets a pod reads; undefined when it reads none.
 * Over ConfigMaps only: SHA-256 (public data). With Secrets: HMAC-SHA256 keyed with `key` (configHashKey), since the
 * annotation is readable by anyone who can read the pod template, and a plain hash of a short password can be
 * guessed offline; the result stays a Pulumi secret (it is derived from them), never shown in a preview nor stored in
 * plaintext.
 */
export function configHash(
  configMaps: { name: string; data: Record<string, string> }[],
  secrets: { name: string; values: Record<string, pulumi.Input<string>> }[],
  key?: pulumi.Input<string>,
): pulumi.Input<string> | undefined {
  if (configMaps.length === 0 && secrets.length === 0) return undefined;
  const sorted = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
  const payload = (secretValues: Record<string, string>[]) =>
    JSON.stringify({
      configMaps: configMaps.map((c) => ({ name: c.name, data: sorted(c.data) })),
      secrets: secrets.map((s, i) => ({ name: s.name, values: sorted(secretValues[i]) })),
    });
  if (secrets.length === 0) return createHash("sha256").update(payload([])).digest("hex");
  if (key === undefined) throw new Error("configHash: a key is required to hash Secret values (configHashKey)");
  return pulumi
    .secret(pulumi.all([key, pulumi.all(secrets.map((s) => pulumi.all(s.values)))]))
    .apply(([k, values]) => createHmac("sha256", k).update(payload(values)).digest("hex"));
}
