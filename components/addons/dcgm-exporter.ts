import { GPU_NODE_DAEMONSET_RESOURCES } from "../../stacks/platform-pods.ts";
import { dcgmExporterPort } from "../../stacks/schema/checks/addons.ts";
import { vendorGpuPools } from "../cluster/handle.ts";
import type { HelmAddon } from "./helm-addon.ts";
import { gpuPlacement } from "./scheduling.ts";

/**
 * DCGM exporter: per-GPU metrics labelled with the pod using the GPU (`pod`, `namespace`), e.g. DCGM_FI_DEV_GPU_UTIL
 * for GPU-utilisation HPAs through the Prometheus Adapter. Keys: NVIDIA/dcgm-exporter deployment/values.yaml at
 * 4.5.3-4.8.2 (chart 4.8.2).
 *
 * Its own namespace (`addons.dcgmExporter.namespace`, default dcgm-exporter): it is the one pod that needs Pod
 * Security privileged, which a shared namespace would grant every other pod there. Prometheus still scrapes it: the
 * chart's kubernetes-pods job discovers annotated pods in every namespace and no NetworkPolicy selects the exporter.
 * The adapter's DCGM rule matches on the exporter's own `namespace`/`pod`/`container` labels (the GPU's user, set only
 * while a pod holds the GPU), not on the scrape target's (the exporter's pod, for idle GPUs).
 */
export const dcgmExporter: HelmAddon<"dcgmExporter"> = {
  key: "dcgmExporter",
  release: "dcgm-exporter",
  // Runs as root with SYS_ADMIN (profiling metrics) and reads the kubelet pod-resources socket (hostPath).
  podSecurity: "privileged",
  applies: (cluster) => vendorGpuPools(cluster, "nvidia").length > 0,
  values(cluster, config) {
    const placement = gpuPlacement(cluster, "nvidia");
    const port = dcgmExporterPort(config.dcgmExporter);
    return {
      // The chart defaults serviceMonitor.enabled to true, which needs the Prometheus Operator CRDs (absent here).
      // Scraping is annotation-based instead, per pod, so each GPU node's exporter is a target of the kubernetes-pods
      // job; its honor_labels keeps the exporter's pod/namespace labels (the GPU's user) over the target's.
      serviceMonitor: { enabled: false },
      podAnnotations: {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": String(port),
        "prometheus.io/path": "/metrics",
      },
      // service.port is the containerPort, the probes' port and the Service's; service.address is where the exporter
      // listens (DCGM_EXPORTER_LISTEN, templates/daemonset.yaml). Set together so they cannot drift apart; a values
      // override of either is checked against the other (stacks/schema/checks/addons.ts).
      service: { port, address: `:${port}` },
      // No GPU nodeSelector by default: it would run (and fail) on every node.
      affinity: placement?.affinity ?? {},
      nodeSelector: placement?.nodeSelector ?? {},
      tolerations: placement?.tolerations ?? [],
      // Chart default is system-node-critical; a metrics exporter is not needed for the node's pods to run (the device
      // plugin is), so one step lower.
      priorityClassName: "system-cluster-critical",
      // Counted against every GPU node's allocatable by the fit check (stacks/schema/checks/fit.ts).
      resources: GPU_NODE_DAEMONSET_RESOURCES.dcgmExporter,
    };
  },
};
