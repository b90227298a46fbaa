/**
 * Every pinned Helm chart version and container image tag of the platform, in one place.
 *
 * These are the schema's defaults; a stack overrides any of them in its config
 * (`addons.<name>.version`, `addons.<name>.image`, `queues[].image`, ...). Verify a bump against the chart
 * repository's index.yaml and the chart's values.yaml before changing it (see docs/addons.md).
 */
// Chart pins: the newest release of each chart, checked against the Chart.yaml at the chart's release tag
// (kedacore/charts v2.20.2; kubernetes-sigs/metrics-server metrics-server-helm-chart-3.13.1 (app 0.8.1);
// prometheus-community/helm-charts prometheus-29.27.0 (app v3.14.0), prometheus-adapter-5.3.0 (app v0.12.0);
// NVIDIA/k8s-device-plugin v0.20.0; NVIDIA/dcgm-exporter 4.5.3-4.8.2; kubernetes/autoscaler
// cluster-autoscaler-chart-9.59.0 (app 1.35.0)), Aug 2026. Grafana: the chart moved from grafana/helm-charts to
// grafana-community/helm-charts (grafana/helm-charts charts/grafana/README.md, "Chart Migration", Jan 2026);
// grafana-12.11.1 (app 13.2.0), 2026-08-19.
export const CHARTS = {
  keda: { chart: "keda", repo: "https://kedacore.github.io/charts", version: "2.20.2" },
  metricsServer: {
    chart: "metrics-server",
    repo: "https://kubernetes-sigs.github.io/metrics-server/",
    version: "3.13.1",
  },
  prometheus: { chart: "prometheus", repo: "https://prometheus-community.github.io/helm-charts", version: "29.27.0" },
  prometheusAdapter: {
    chart: "prometheus-adapter",
    repo: "https://prometheus-community.github.io/helm-charts",
    version: "5.3.0",
  },
  nvidiaDevicePlugin: {
    chart: "nvidia-device-plugin",
    repo: "https://nvidia.github.io/k8s-device-plugin",
    version: "0.20.0",
  },
  dcgmExporter: {
    chart: "dcgm-exporter",
    repo: "https://nvidia.github.io/dcgm-exporter/helm-charts",
    version: "4.8.2",
  },
  // ROCm/k8s-device-plugin helm/amd-gpu/Chart.yaml 0.21.0 (app 1.31.0.9; commit e7b9edac, Dec 2025), published to
  // the chart repo by its helm-chart-release workflow.
  amdDevicePlugin: { chart: "amd-gpu", repo: "https://rocm.github.io/k8s-device-plugin/", version: "0.21.0" },
  // ROCm/device-metrics-exporter helm-charts/Chart.yaml v1.5.1 (app v1.5.1, image tag default v1.5.1): the newest
  // version in the chart repo's index.yaml (gh-pages branch); v1.5.2 exists only as a release branch, unpublished.
  // docs/installation/kubernetes-helm.md installs it as `--version v1.5.1`-style: this chart's versions carry a `v`.
  amdMetricsExporter: {
    chart: "device-metrics-exporter-charts",
    repo: "https://rocm.github.io/device-metrics-exporter",
    version: "v1.5.1",
  },
  clusterAutoscaler: {
    chart: "cluster-autoscaler",
    repo: "https://kubernetes.github.io/autoscaler",
    version: "9.59.0",
  },
  grafana: { chart: "grafana", repo: "https://grafana-community.github.io/helm-charts", version: "12.11.1" },
  // kubernetes-sigs/aws-efs-csi-driver helm-chart-aws-efs-csi-driver-4.4.1 (app 3.4.1), docs/install.md's repo.
  efsCsiDriver: {
    chart: "aws-efs-csi-driver",
    repo: "https://kubernetes-sigs.github.io/aws-efs-csi-driver/",
    version: "4.4.1",
  },
} as const;

export type ChartName = keyof typeof CHARTS;

/** Container images the platform runs itself (not the users' workers, whose images come from config). */
export const IMAGES = {
  redis: "docker.io/library/redis:8.2.3-alpine",
  rabbitmq: "docker.io/library/rabbitmq:4.1.6-management-alpine",
  /** Placeholder for warm GPU headroom: does nothing, holds a GPU reservation. */
  pause: "registry.k8s.io/pause:3.10.1",
} as const;

/**
 * cluster-autoscaler image tag per Kubernetes minor: the autoscaler must match the cluster's minor version
 * (kubernetes/autoscaler README, "Releases"). Only used where the platform installs the chart (EKS).
 */
export const CLUSTER_AUTOSCALER_IMAGE_TAGS: Record<string, string> = {
  // Newest patch per minor: kubernetes/autoscaler release tags cluster-autoscaler-<version> (Jul 2026; 1.32.7 Feb
  // 2026), image registry.k8s.io/autoscaling/cluster-autoscaler:v<version>.
  "1.32": "v1.32.7",
  "1.33": "v1.33.6",
  "1.34": "v1.34.5",
  "1.35": "v1.35.2",
  "1.36": "v1.36.1",
};
