import { GPU_NODE_DAEMONSET_RESOURCES } from "../../stacks/platform-pods.ts";
import { vendorGpuPools } from "../cluster/handle.ts";
import type { HelmAddon } from "./helm-addon.ts";
import { gpuNodeSelector } from "./scheduling.ts";

/**
 * AMD GPU device plugin: advertises `amd.com/gpu` on the AMD pools' nodes (the amdgpu driver's /dev/kfd and
 * /dev/dri), only where the cluster has an AMD pool. Keys: ROCm/k8s-device-plugin helm/amd-gpu/values.yaml and
 * templates/deviceplugin-daemonset.yaml at chart 0.21.0 (app 1.31.0.9). The chart's DaemonSet takes a nodeSelector
 * (when `node_selector_enabled`) and tolerations, no affinity; its default selector is an NFD label
 * (feature.node.kubernetes.io/pci-0300_1002.present) no node carries here (NFD off, `nfd.enabled: false`), so it is
 * replaced with the AMD pools' own labels. Its own namespace: hostPath volumes need Pod Security privileged.
 */
export const amdDevicePlugin: HelmAddon<"amdDevicePlugin"> = {
  key: "amdDevicePlugin",
  release: "amd-gpu",
  // hostPath to the kubelet's device-plugins socket directory, /sys and the exporter's health socket.
  podSecurity: "privileged",
  applies: (cluster) => vendorGpuPools(cluster, "amd").length > 0,
  values(cluster) {
    const placement = gpuNodeSelector(cluster, "amd");
    return {
      nfd: { enabled: false },
      labeller: { enabled: false },
      node_selector_enabled: true,
      node_selector: placement?.nodeSelector ?? {},
      // Replaces the default (CriticalAddonsOnly Exists) with exactly the AMD pools' taints (amd.com/gpu, spot).
      tolerations: placement?.tolerations ?? [],
      // Counted against every AMD node's allocatable by the fit check (stacks/schema/checks/fit.ts).
      dp: { resources: GPU_NODE_DAEMONSET_RESOURCES.amdDevicePlugin },
    };
  },
};
