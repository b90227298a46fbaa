import { CLUSTER_AUTOSCALER_IMAGE_TAGS } from "../../stacks/versions.ts";
import type { AutoscalerChartSpec } from "../cluster/handle.ts";
import type { HelmAddon } from "./helm-addon.ts";
import { systemPlacement } from "./scheduling.ts";

/** The image tag matching the cluster's minor (the autoscaler supports only its own minor); config wins. */
export function autoscalerImageTag(spec: AutoscalerChartSpec, override?: string): string {
  const tag = override ?? CLUSTER_AUTOSCALER_IMAGE_TAGS[spec.kubernetesVersion];
  if (!tag) {
    // The schema rejects this already (stacks/schema/checks/clusters.ts); kept for handles built elsewhere.
    throw new Error(
      `no cluster-autoscaler image tag for Kubernetes ${spec.kubernetesVersion}; set addons.clusterAutoscaler.imageTag`,
    );
  }
  return tag;
}

/**
 * Upstream cluster-autoscaler, only where the handle asks for it (EKS). Never on AKS: its autoscaler is built in and
 * configured through the cluster's autoScalerProfile. Keys: kubernetes/autoscaler
 * cluster-autoscaler/charts/cluster-autoscaler/values.yaml at cluster-autoscaler-chart-9.59.0.
 *
 * GPU nodes: there is no GPU-label flag. The AWS provider hard-codes `k8s.amazonaws.com/accelerator` as its GPU label
 * (cloudprovider/aws/aws_cloud_provider.go, GPULabel) and treats a node carrying it as GPU (waits for the device
 * plugin to advertise nvidia.com/gpu before calling it ready, counts GPU utilisation for scale-down). The EKS cluster
 * component must put that label on GPU node groups and their ASG node-template tags (scale from zero).
 */
export const clusterAutoscaler: HelmAddon<"clusterAutoscaler"> = {
  key: "clusterAutoscaler",
  release: "cluster-autoscaler",
  // The chart sets no securityContext by default.
  podSecurity: "baseline",
  applies: (cluster) => cluster.autoscalerChart !== undefined,
  values(cluster, config) {
    const spec = cluster.autoscalerChart as AutoscalerChartSpec;
    const p = spec.profile;
    const { nodeSelector, tolerations } = systemPlacement(cluster);
    return {
      cloudProvider: "aws",
      awsRegion: spec.region,
      autoDiscovery: { clusterName: spec.clusterName },
      image: { tag: autoscalerImageTag(spec, config.clusterAutoscaler.imageTag) },
      // IRSA: the IAM role trusts exactly this service account name.
      rbac: {
        serviceAccount: {
          create: true,
          name: spec.serviceAccountName,
          annotations: { "eks.amazonaws.com/role-arn": spec.roleArn },
        },
      },
      // Rendered as --<key>=<value> (templates/deployment.yaml); the chart's own logtostderr/stderrthreshold/v stay.
      extraArgs: {
        expander: spec.expander,
        "scan-interval": p.scanInterval,
        "scale-down-unneeded-time": p.scaleDownUnneededTime,
        "scale-down-delay-after-add": p.scaleDownDelayAfterAdd,
        "scale-down-utilization-threshold": p.scaleDownUtilizationThreshold,
        "max-graceful-termination-sec": p.maxGracefulTerminationSec,
        "max-node-provision-time": p.maxNodeProvisionTime,
        "balance-similar-node-groups": p.balanceSimilarNodeGroups,
        "skip-nodes-with-local-storage": p.skipNodesWithLocalStorage,
        // node_group_backoff_status and the other node_group_* gauges (ClusterAutoscalerNodeGroupBackoff) are
        // registered only with this flag, default false (cluster-autoscaler-1.35.0 metrics/metrics.go,
        // config/flags/flags.go).
        "emit-per-nodegroup-metrics": true,
      },
      // Becomes ConfigMap cluster-autoscaler-priority-expander when the expander list contains "priority".
      expanderPriorities: spec.expanderPriorities,
      // Scraped by the in-cluster Prometheus (kubernetes-service-endpoints job) for the autoscaler alerts: the chart's
      // Service has no annotations by default and serves the metrics port 8085 (values.yaml service.annotations,
      // service.servicePort; templates/service.yaml at cluster-autoscaler-chart-9.59.0).
      service: { annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": "8085" } },
      nodeSelector,
      tolerations,
      priorityClassName: "system-cluster-critical",
      resources: { requests: { cpu: "100m", memory: "300Mi" }, limits: { memory: "600Mi" } },
    };
  },
};
