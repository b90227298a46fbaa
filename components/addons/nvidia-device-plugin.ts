import { stringify } from "yaml";
import { GPU_RESOURCES, nvidiaPluginConfigName } from "../../stacks/accelerators.ts";
import { GPU_NODE_DAEMONSET_RESOURCES } from "../../stacks/platform-pods.ts";
import type { ClusterHandle } from "../cluster/handle.ts";
import { vendorGpuPools } from "../cluster/handle.ts";
import type { HelmAddon, Values } from "./helm-addon.ts";
import { gpuPlacement } from "./scheduling.ts";

/**
 * NVIDIA device plugin: advertises `nvidia.com/gpu` so GPU pods can schedule; on the NVIDIA pools only (an AMD node
 * has no NVML: the plugin would crash-loop there, and the AMD plugin advertises amd.com/gpu instead). AKS (`gpuProfile.driver: Install`) and
 * the EKS AL2023 NVIDIA AMI install only the driver. Keys: NVIDIA/k8s-device-plugin
 * deployments/helm/nvidia-device-plugin/values.yaml at v0.20.0.
 */
export const nvidiaDevicePlugin: HelmAddon<"nvidiaDevicePlugin"> = {
  key: "nvidiaDevicePlugin",
  release: "nvidia-device-plugin",
  // hostPath to the kubelet's device-plugins socket directory.
  podSecurity: "privileged",
  applies: (cluster) => vendorGpuPools(cluster, "nvidia").length > 0,
  values(cluster) {
    const placement = gpuPlacement(cluster, "nvidia");
    return {
      // The chart's default affinity requires NFD/GFD labels (feature.node.kubernetes.io/pci-10de.present,
      // nvidia.com/gpu.present) that no node here carries (NFD and GFD are not installed): replace it with the GPU
      // pools' own labels. null drops the default where a GPU pool has no selector (then every node is a GPU node).
      affinity: placement?.affinity ?? null,
      nodeSelector: placement?.nodeSelector ?? {},
      // Replaces the default (CriticalAddonsOnly, nvidia.com/gpu Exists) with exactly the GPU pools' taints.
      tolerations: placement?.tolerations ?? [],
      gfd: { enabled: false },
      // Node-critical: without it no GPU pod on the node can start (also the chart default).
      priorityClassName: "system-node-critical",
      // Counted against every GPU node's allocatable by the fit check (stacks/schema/checks/fit.ts).
      resources: GPU_NODE_DAEMONSET_RESOURCES.nvidiaDevicePlugin,
      // mofed/gdrcopy/gds are off by default again in 0.20.0 (CHANGELOG: "revert default enablement", #1837).
      ...sharingConfig(cluster),
    };
  },
};

/**
 * GPU sharing (pools[].gpuSharing): one named plugin config per kind of sharing in the chart's `config.map`, picked per
 * node by the label NVIDIA_PLUGIN_CONFIG_LABEL that the pool's nodes carry (components/cluster/labels.ts), and
 * `default` (whole GPUs) for the others. Keys: values.yaml `config.map`/`config.default`; the config file format is
 * the README's "Configuration File" (`version: v1`, `flags.migStrategy`, `sharing.timeSlicing.resources[].replicas`,
 * `failRequestsGreaterThanOne`), NVIDIA/k8s-device-plugin v0.20.0. No sharing on the cluster: no config at all (the
 * chart then runs without its config-manager sidecar, as before).
 */
function sharingConfig(cluster: ClusterHandle): Values {
  const pools = vendorGpuPools(cluster, "nvidia").filter((p) => p.gpuSharing);
  if (pools.length === 0) return {};
  const map: Record<string, string> = { default: stringify({ version: "v1", flags: { migStrategy: "none" } }) };
  for (const pool of pools) {
    const name = nvidiaPluginConfigName(pool)!;
    const sharing = pool.gpuSharing!;
    map[name] = stringify(
      "timeSlicing" in sharing
        ? {
            version: "v1",
            flags: { migStrategy: "none" },
            sharing: {
              timeSlicing: {
                // A pod asking for 2 replicas would get two slices of one GPU, not two GPUs: refuse it (README).
                failRequestsGreaterThanOne: true,
                resources: [{ name: GPU_RESOURCES.nvidia, replicas: sharing.timeSlicing.replicas }],
              },
            },
          }
        : // single: every MIG instance of the node (all of one profile, set by AKS) is one nvidia.com/gpu.
          { version: "v1", flags: { migStrategy: "single" } },
    );
  }
  return { config: { map, default: "default" } };
}
