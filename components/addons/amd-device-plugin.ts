import { GPU_NODE_DAEMONSET_RESOURCES } from "../../stacks/platform-pods.ts";
import { vendorGpuPools } from "../cluster/handle.ts";
import type { HelmAddon } from "./helm-addon.ts";
import { gpuNodeSelector } from "./scheduling.ts";

/** The chart's default node_selector key (helm/amd-gpu/values.yaml at amd-gpu-helm-0.21.0), removed with null. */
export const AMD_NFD_LABEL = "feature.node.kubernetes.io/pci-0300_1002.present";

/**
 * AMD GPU device plugin: advertises `amd.com/gpu` on the AMD pools' nodes (the amdgpu driver's /dev/kfd and
 * /dev/dri), only where the cluster has an AMD pool. Keys: ROCm/k8s-device-plugin helm/amd-gpu/values.yaml and
 * templates/deviceplugin-daemonset.yaml at chart 0.21.0 (app 1.31.0.9). The chart's DaemonSet takes a nodeSelector
 * (when `node_selector_enabled`) and tolerations, no affinity; its default selector is an NFD label
 * (feature.node.kubernetes.io/pci-0300_1002.present: "true", plus kubernetes.io/arch: amd64) no node carries here
 * (NFD off, `nfd.enabled: false`). Helm merges maps, so giving our labels alone would keep the NFD key and match no
 * node: it is set to null, which deletes a chart default (Helm docs, "Deleting a default key"; @pulumi/kubernetes
 * >= 4.30 passes nulls through), and the AMD pools' own labels are added. Its own namespace: hostPath volumes need
 * Pod Security privileged.
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
      node_selector: { [AMD_NFD_LABEL]: null, ...(placement?.nodeSelector ?? {}) },
      // Replaces the default (CriticalAddonsOnly Exists) with exactly the AMD pools' taints (amd.com/gpu, spot).
      tolerations: placement?.tolerations ?? [],
      // Counted against every AMD node's allocatable by the fit check (stacks/schema/checks/fit.ts).
      dp: { resources: GPU_NODE_DAEMONSET_RESOURCES.amdDevicePlugin },
    };
  },
};
