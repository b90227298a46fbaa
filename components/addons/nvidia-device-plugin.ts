import { GPU_NODE_DAEMONSET_RESOURCES } from "../../stacks/platform-pods.ts";
import { gpuPools } from "../cluster/handle.ts";
import type { HelmAddon } from "./helm-addon.ts";
import { gpuPlacement } from "./scheduling.ts";

/**
 * NVIDIA device plugin: advertises `nvidia.com/gpu` so GPU pods can schedule. AKS (`gpuProfile.driver: Install`) and
 * the EKS AL2023 NVIDIA AMI install only the driver. Keys: NVIDIA/k8s-device-plugin
 * deployments/helm/nvidia-device-plugin/values.yaml at v0.20.0.
 */
export const nvidiaDevicePlugin: HelmAddon<"nvidiaDevicePlugin"> = {
  key: "nvidiaDevicePlugin",
  release: "nvidia-device-plugin",
  // hostPath to the kubelet's device-plugins socket directory.
  podSecurity: "privileged",
  applies: (cluster) => gpuPools(cluster).length > 0,
  values(cluster) {
    const placement = gpuPlacement(cluster);
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
    };
  },
};
