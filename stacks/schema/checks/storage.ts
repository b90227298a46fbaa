import type { z } from "zod";
import type { StackConfig } from "../stack.ts";
import type { VolumeConfig } from "../workload-storage.ts";
import { duplicates, issue } from "./clusters.ts";
import { targetClusters } from "./workloads.ts";
import { secretLooking } from "../../../policy/rules/lib/secret-looking.ts";
import { claimClass } from "../../storage.ts";
import type { ClaimRequest } from "../../storage.ts";
import { quantityValue } from "../../allocatable.ts";
import { volumePools, choosePools } from "../../placement.ts";
import { EKS_STORAGE_CLASSES, zonalClaimRequests } from "../../storage.ts";
import { jobSettingsOf } from "./workload-job.ts";

type Ctx = z.RefinementCtx;
type Path = (string | number)[];

/** The API server refuses a ConfigMap whose data is larger than 1 MiB (kubernetes.io, "ConfigMaps"). */
export const CONFIGMAP_MAX_BYTES = 2 ** 20;
/** The platform's own /tmp volume (components/workloads/security.ts tmpVolume). */
export const TMP_VOLUME = "tmp";

/**
 * The most pods of a workload at once: replicas.max, times job.parallelism in job mode (each of a ScaledJob's
 * replicas.max Jobs runs `parallelism` pods together).
 */
function maxPods(w: StackConfig["workers"][number] | StackConfig["services"][number]): number {
  const parallelism = "mode" in w && w.mode === "job" ? jobSettingsOf(w).parallelism : 1;
  return w.replicas.max * parallelism;
}

const fmtPath = (path: Path) => path.map((p, i) => (typeof p === "number" ? `[${p}]` : i ? `.${p}` : p)).join("");

/** Cross-field rules of configMaps, claims, and the workloads' volumes and envFrom. */
export function checkStorage(cfg: StackConfig, ctx: Ctx): void {
  for (const key of ["configMaps", "claims"] as const) {
    const names = cfg[key].map((x) => x.name);
    duplicates(names).forEach((i) => issue(ctx, [key, i, "name"], `duplicate name "${names[i]}" in ${key}`, names[i]));
  }
  cfg.configMaps.forEach((cm, i) => {
    let bytes = 0;
    for (const [key, value] of Object.entries(cm.data)) {
      bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
      const why = secretLooking(key, value);
      if (why)
        issue(
          ctx,
          ["configMaps", i, "data", key],
          `looks like a credential (${why}): ConfigMaps are readable by anyone who can read the namespace; put it under secrets (a Pulumi config secret) and use it with secretEnv, envFrom { secret } or a secret volume`,
          key,
        );
    }
    if (bytes > CONFIGMAP_MAX_BYTES)
      issue(
        ctx,
        ["configMaps", i, "data"],
        `holds ${bytes} bytes, above the 1 MiB the API server accepts for a ConfigMap; split it or ship the file in the image`,
        bytes,
      );
  });

  const configMaps = new Set(cfg.configMaps.map((c) => c.name));
  const secrets = new Set(cfg.secrets.map((s) => s.name));
  const shared = new Map(cfg.claims.map((c) => [c.name, c]));
  const have = (names: Iterable<string>) => [...names].join(", ") || "none";
  const users = new Map<string, { path: Path; max: number }[]>();

  const pods = [
    ...cfg.workers.map((w, i) => ({ w, path: ["workers", i] as Path })),
    ...cfg.services.map((w, i) => ({ w, path: ["services", i] as Path })),
  ];
  for (const { w, path } of pods) {
    const names = w.volumes.map((v) => v.name);
    duplicates(names).forEach((i) =>
      issue(ctx, [...path, "volumes", i, "name"], `duplicate volume name "${names[i]}"`, names[i]),
    );
    const mountedAt = new Map<string, string>();
    w.volumes.forEach((v, vi) => {
      const at: Path = [...path, "volumes", vi];
      if (v.name === TMP_VOLUME)
        issue(
          ctx,
          [...at, "name"],
          `"${TMP_VOLUME}" is the platform's /tmp volume; choose another name (a volume mounted at /tmp replaces it)`,
          v.name,
        );
      v.mounts.forEach((m, mi) => {
        const other = mountedAt.get(m.path);
        if (other !== undefined)
          issue(
            ctx,
            [...at, "mounts", mi, "path"],
            `${m.path} is already the mount path of ${other}; a container path holds one mount`,
            m.path,
          );
        else mountedAt.set(m.path, `volume "${v.name}"`);
      });
      if (v.configMap !== undefined && !configMaps.has(v.configMap))
        issue(
          ctx,
          [...at, "configMap"],
          `no ConfigMap named "${v.configMap}" under configMaps (have: ${have(configMaps)})`,
          v.configMap,
        );
      if (v.secret !== undefined && !secrets.has(v.secret))
        issue(ctx, [...at, "secret"], `no secret named "${v.secret}" under secrets (have: ${have(secrets)})`, v.secret);
      if (v.sharedClaim !== undefined) {
        if (!shared.has(v.sharedClaim))
          issue(
            ctx,
            [...at, "sharedClaim"],
            `no claim named "${v.sharedClaim}" under claims (have: ${have(shared.keys())})`,
            v.sharedClaim,
          );
        else users.set(v.sharedClaim, [...(users.get(v.sharedClaim) ?? []), { path, max: maxPods(w) }]);
      }
      if (v.claim) {
        if (v.claim.accessMode !== "ReadWriteMany" && maxPods(w) > 1)
          issue(
            ctx,
            [...at, "claim", "accessMode"],
            `${v.claim.accessMode} with replicas.max ${w.replicas.max}${maxPods(w) !== w.replicas.max ? ` × job.parallelism (${maxPods(w)} pods)` : ""}: a ${v.claim.accessMode} volume attaches to ${v.claim.accessMode === "ReadWriteOnce" ? "one node" : "one pod"}, so further replicas would stay Pending; use ReadWriteMany to share it, ephemeral for scratch space per replica, or replicas.max 1 (and job.parallelism 1)`,
            v.claim.accessMode,
          );
        const pvc = `${w.name}-${v.name}`;
        if (shared.has(pvc))
          issue(
            ctx,
            [...at, "name"],
            `the claim of this volume is named ${pvc}, which is also a claim under claims; rename one`,
            v.name,
          );
        checkClaimOnClusters(ctx, cfg, [...at, "claim"], v.claim, w.clusters);
      }
      if (v.ephemeral)
        checkClaimOnClusters(
          ctx,
          cfg,
          [...at, "ephemeral"],
          { ...v.ephemeral, accessMode: "ReadWriteOnce" },
          w.clusters,
        );
      if (v.emptyDir?.medium === "Memory") checkMemoryEmptyDir(ctx, at, v, w.resources.limits.memory);
    });
    w.envFrom.forEach((e, ei) => {
      if ("configMap" in e && !configMaps.has(e.configMap))
        issue(
          ctx,
          [...path, "envFrom", ei, "configMap"],
          `no ConfigMap named "${e.configMap}" under configMaps (have: ${have(configMaps)})`,
          e.configMap,
        );
      if ("secret" in e && !secrets.has(e.secret))
        issue(
          ctx,
          [...path, "envFrom", ei, "secret"],
          `no secret named "${e.secret}" under secrets (have: ${have(secrets)})`,
          e.secret,
        );
    });
  }

  cfg.claims.forEach((c, i) => {
    const mounts = users.get(c.name) ?? [];
    const workloads = new Set(mounts.map((m) => fmtPath(m.path)));
    if (c.accessMode !== "ReadWriteMany" && (workloads.size > 1 || mounts.some((m) => m.max > 1)))
      issue(
        ctx,
        ["claims", i, "accessMode"],
        `${c.accessMode} but mounted by ${[...workloads].join(", ")}${workloads.size === 1 ? " with replicas.max (× job.parallelism) above 1" : ""}: a ${c.accessMode} volume attaches to ${c.accessMode === "ReadWriteOnce" ? "one node" : "one pod"}, so the other pods would stay Pending; use ReadWriteMany`,
        c.accessMode,
      );
    // Checked on every cluster where a workload mounts it (the claim is created there).
    const clusters = new Set(
      pods
        .filter(({ w }) => w.volumes.some((v) => v.sharedClaim === c.name))
        .flatMap(({ w }) => targetClusters(cfg, w.clusters).map((cl) => cl.name)),
    );
    checkClaimOnClusters(ctx, cfg, ["claims", i], c, [...clusters]);
  });
}

/** The claim's class exists on each cluster and the size is within what the class allows. */
function checkClaimOnClusters(
  ctx: Ctx,
  cfg: StackConfig,
  path: Path,
  claim: ClaimRequest & { size: string },
  clusterNames: string[] | undefined,
): void {
  for (const cluster of targetClusters(cfg, clusterNames)) {
    const ci = cfg.clusters.indexOf(cluster);
    const choice = claimClass(cluster, claim);
    if (!choice.ok) {
      issue(
        ctx,
        [...path, "accessMode"],
        `ReadWriteMany on cluster ${cluster.name}: ${choice.reason}; name a class that supports it (an NFS or file share CSI driver) under clusters[${ci}].existing.storageClasses.readWriteMany, or set storageClass on the claim`,
        claim.accessMode,
      );
      continue;
    }
    if (
      cluster.cloud === "aws" &&
      claim.accessMode === "ReadWriteMany" &&
      // As stacks/storage.ts needsEfs: the default class, unnamed or named `efs`, is the platform's own.
      (claim.storageClass ?? EKS_STORAGE_CLASSES.readWriteMany) === EKS_STORAGE_CLASSES.readWriteMany &&
      !cfg.addons.efsCsiDriver.enabled
    ) {
      issue(
        ctx,
        [...path, "accessMode"],
        `ReadWriteMany on cluster ${cluster.name} needs the EFS CSI driver, but addons.efsCsiDriver.enabled is false (the platform creates the efs class only with it); enable it, or set storageClass to a class of your own`,
        claim.accessMode,
      );
      continue;
    }
    const bytes = quantityValue(claim.size);
    if (choice.maxBytes !== undefined && bytes !== undefined && bytes > choice.maxBytes)
      issue(
        ctx,
        [...path, "size"],
        `${claim.size} is more than class ${choice.name} on ${cluster.name} (${cluster.cloud}) allows (${choice.maxBytes / 2 ** 30}Gi)${choice.name === "azurefile-csi" ? "; azurefile-csi-premium allows 100Ti" : ""}; ask for less or split the data over several claims`,
        claim.size,
      );
  }
}

/**
 * A memory-backed emptyDir is a tmpfs whose pages count against the container's memory limit (kubernetes.io,
 * "Volumes", emptyDir: "files you write count against your container's memory limit"): without sizeLimit it may
 * grow to the whole limit, and one at or above limits.memory leaves nothing for the process.
 */
function checkMemoryEmptyDir(ctx: Ctx, at: Path, v: VolumeConfig, limit: string): void {
  const size = v.emptyDir?.sizeLimit;
  if (size === undefined) {
    issue(
      ctx,
      [...at, "emptyDir", "sizeLimit"],
      `is required with medium Memory: a tmpfs counts against the container's memory limit (${limit}), and without a size it may take all of it`,
      size,
    );
    return;
  }
  const bytes = quantityValue(size);
  const limitBytes = quantityValue(limit);
  if (bytes !== undefined && limitBytes !== undefined && bytes >= limitBytes)
    issue(
      ctx,
      [...at, "emptyDir", "sizeLimit"],
      `${size} with medium Memory is not below resources.limits.memory (${limit}): its contents count against that limit, so a full volume gets the container OOM-killed; lower it or raise the limit`,
      size,
    );
}

/** Allowed but worth a warning. */
export function storageWarnings(cfg: StackConfig): string[] {
  const out: string[] = [];
  const pods = [
    ...cfg.workers.map((w, i) => ({ w, ref: `workers[${i}]` })),
    ...cfg.services.map((w, i) => ({ w, ref: `services[${i}]` })),
  ];
  for (const { w, ref } of pods) {
    w.volumes.forEach((v, vi) => {
      if (v.emptyDir?.medium !== "Memory" || !v.emptyDir.sizeLimit) return;
      const size = quantityValue(v.emptyDir.sizeLimit) ?? 0;
      const limit = quantityValue(w.resources.limits.memory) ?? 0;
      const request = quantityValue(w.resources.requests.memory) ?? 0;
      if (size < limit && size + request > limit)
        out.push(
          `${ref}.volumes[${vi}].emptyDir.sizeLimit: ${v.emptyDir.sizeLimit} in memory plus requests.memory (${w.resources.requests.memory}) is more than limits.memory (${w.resources.limits.memory}): a full volume and the memory the process asks for do not fit together, and the container is OOM-killed; add the volume's size to the limit`,
        );
    });
  }
  // A pool that hosts zonal claims but spans the zones with one node group (stacks/placement.ts volumePools).
  cfg.clusters.forEach((cluster, ci) => {
    if (cluster.cloud !== "aws") return;
    const requests = zonalClaimRequests(cfg, cluster.name);
    const claimPools = new Set(requests.flatMap((r) => choosePools(cluster.pools, r).pools));
    const platformVolumes = new Set(volumePools(cluster.pools));
    cluster.pools.forEach((pool, pi) => {
      if (pool.nodeGroupPerZone === false && claimPools.has(pool) && !platformVolumes.has(pool))
        out.push(
          `clusters[${ci}].pools[${pi}].nodeGroupPerZone: pool ${pool.name} of ${cluster.name} hosts workloads with ReadWriteOnce claims (EBS volumes, one zone each) but spans the zones with one node group: such a pod may stay Pending, because the cluster autoscaler cannot add a node in a chosen zone to such a group`,
        );
    });
  });
  return out;
}
