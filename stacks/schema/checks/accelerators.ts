import type { z } from "zod";
import {
  GPU_TAINTS,
  MIG_PROFILES,
  NVIDIA_PLUGIN_CONFIG_LABEL,
  machineGpuVendor,
  nvidiaPluginConfigName,
  poolGpuModel,
  poolGpuVendor,
} from "../../accelerators.ts";
import type { StackConfig } from "../stack.ts";
import { issue } from "./clusters.ts";

type Ctx = z.RefinementCtx;

/**
 * GPU vendor and sharing of the pools: the declared vendor agrees with the machine type, sharing only where the
 * platform can set it up (time-slicing on NVIDIA pools through the device plugin; MIG on AKS, which partitions the
 * GPUs from the pool's gpuInstanceProfile), MIG only on GPUs that have it, and on an existing cluster each vendor's
 * pools are told apart by their labels (the vendor's DaemonSets select on them).
 */
export function checkAccelerators(cfg: StackConfig, ctx: Ctx): void {
  cfg.clusters.forEach((cluster, ci) => {
    cluster.pools.forEach((pool, pi) => {
      const p = (...rest: (string | number)[]) => ["clusters", ci, "pools", pi, ...rest];
      if (cluster.cloud !== "existing" && pool.gpu?.vendor) {
        const table = pool.machineTypes.map(machineGpuVendor).find((v) => v);
        if (table && table !== pool.gpu.vendor)
          issue(
            ctx,
            p("gpu", "vendor"),
            `${pool.machineTypes[0]} has ${table} GPUs (stacks/machine-types.ts); set vendor: ${table} or remove it`,
            pool.gpu.vendor,
          );
      }
      const sharing = pool.gpuSharing;
      if (!sharing) return;
      const vendor = poolGpuVendor(pool);
      if (!vendor) {
        issue(ctx, p("gpuSharing"), "GPU sharing needs a GPU pool (gpu); remove gpuSharing or add gpu", sharing);
        return;
      }
      if (vendor !== "nvidia") {
        issue(
          ctx,
          p("gpuSharing"),
          `time-slicing and MIG are NVIDIA device plugin features; pool ${pool.name} has ${vendor} GPUs: remove gpuSharing`,
          sharing,
        );
        return;
      }
      if (!("mig" in sharing)) {
        // The plugin picks a node's entry of config.map from this node label, else the default (no sharing):
        // NVIDIA/k8s-device-plugin v0.20.0 README, "Updating Per-Node Configuration With a Node Label". The platform
        // labels the pools it creates; on an existing cluster the nodes must carry it already.
        const config = nvidiaPluginConfigName(pool);
        if (cluster.cloud === "existing" && config && pool.labels[NVIDIA_PLUGIN_CONFIG_LABEL] !== config)
          issue(
            ctx,
            p("labels", NVIDIA_PLUGIN_CONFIG_LABEL),
            `pool ${pool.name} shares its GPUs by time-slicing, which the NVIDIA device plugin applies only on nodes labelled ${NVIDIA_PLUGIN_CONFIG_LABEL}=${config}; label the pool's nodes (kubectl label nodes <node> ${NVIDIA_PLUGIN_CONFIG_LABEL}=${config}) and add { "${NVIDIA_PLUGIN_CONFIG_LABEL}": "${config}" } to the pool's labels`,
            pool.labels[NVIDIA_PLUGIN_CONFIG_LABEL],
          );
        return;
      }
      if (cluster.cloud !== "azure") {
        issue(
          ctx,
          p("gpuSharing", "mig"),
          cluster.cloud === "aws"
            ? "MIG on EKS needs the GPU's partitions made on every node before the device plugin starts (the NVIDIA GPU Operator's MIG manager, or a custom AMI), which the platform does not install; use gpuSharing.timeSlicing, or whole GPUs"
            : "the platform partitions MIG GPUs only on AKS (the pool's gpuInstanceProfile); on an existing cluster, partition the nodes yourself and declare the pool with gpu.count set to the MIG instances per node",
          sharing,
        );
        return;
      }
      const model = poolGpuModel(pool);
      const profiles = model ? MIG_PROFILES[model] : undefined;
      if (!profiles) {
        issue(
          ctx,
          p("gpuSharing", "mig"),
          `${pool.machineTypes[0]} (${model ?? "unknown GPU"}) has no MIG: MIG needs an A100 or H100 (e.g. Standard_NC24ads_A100_v4); use gpuSharing.timeSlicing instead`,
          sharing,
        );
      } else if (!(sharing.mig.profile in profiles)) {
        issue(
          ctx,
          p("gpuSharing", "mig", "profile"),
          `not a MIG profile of the ${model}; use one of ${Object.keys(profiles).join(", ")}`,
          sharing.mig.profile,
        );
      }
    });
    if (cluster.cloud === "existing") checkExistingVendorLabels(cfg, ci, ctx);
  });
}

/**
 * On an existing cluster the pools' labels are all the platform knows of the nodes: the AMD device plugin chart takes
 * a nodeSelector only (ROCm/k8s-device-plugin helm/amd-gpu templates/deviceplugin-daemonset.yaml: no affinity), so
 * the AMD pools need a label in common, and it must not be on a node of another pool.
 */
function checkExistingVendorLabels(cfg: StackConfig, ci: number, ctx: Ctx): void {
  const cluster = cfg.clusters[ci];
  const amd = cluster.pools.map((pool, pi) => ({ pool, pi })).filter(({ pool }) => poolGpuVendor(pool) === "amd");
  if (amd.length === 0) return;
  const [first, ...rest] = amd;
  const common = Object.entries(first.pool.labels).filter(([k, v]) => rest.every(({ pool }) => pool.labels[k] === v));
  if (common.length === 0) {
    issue(
      ctx,
      ["clusters", ci, "pools", first.pi, "labels"],
      `the AMD GPU pools (${amd.map(({ pool }) => pool.name).join(", ")}) share no label: the AMD device plugin selects its nodes with one nodeSelector; give them a common label, e.g. { amd.com/gpu.present: "true" } (and taint them ${GPU_TAINTS.amd.key}=${GPU_TAINTS.amd.value}:${GPU_TAINTS.amd.effect})`,
      first.pool.labels,
    );
    return;
  }
  const other = cluster.pools.find(
    (pool) => poolGpuVendor(pool) !== "amd" && common.every(([k, v]) => pool.labels[k] === v),
  );
  if (other)
    issue(
      ctx,
      ["clusters", ci, "pools", first.pi, "labels"],
      `pool ${other.name} (not AMD) carries every label the AMD GPU pools share, so the AMD device plugin would run on its nodes: add a label only the AMD GPU nodes carry`,
      first.pool.labels,
    );
}
