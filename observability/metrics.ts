import { RECORDS } from "./names.ts";

/** One producer of metrics on the platform, with where its names come from at the pinned version. */
export interface MetricSource {
  name: string;
  /** Upstream reference of the names, at the version the platform pins. */
  source: string;
  metrics: string[];
}

const words = (s: string) => s.split(/\s+/).filter(Boolean);

/**
 * The metrics the platform produces (kube-state-metrics, KEDA, DCGM exporter, cluster autoscaler, Prometheus itself,
 * the recording rules): what PromQL the program writes may name without declaring it external. A name outside these
 * (and outside observability.externalMetrics) fails the plan (observability/promql.ts).
 */
export const METRIC_SOURCES: MetricSource[] = [
  {
    name: "kube-state-metrics",
    // The prometheus chart's sub-chart kube-state-metrics 8.4.0 runs kube-state-metrics 2.20.0 (its Chart.yaml).
    source:
      "kubernetes/kube-state-metrics docs/metrics/workload/{pod,job,deployment,daemonset,horizontalpodautoscaler}-metrics.md and docs/metrics/cluster/node-metrics.md at v2.20.0",
    metrics: words(`
  kube_daemonset_annotations kube_daemonset_created kube_daemonset_deletion_timestamp kube_daemonset_labels
  kube_daemonset_metadata_generation kube_daemonset_status_current_number_scheduled
  kube_daemonset_status_desired_number_scheduled kube_daemonset_status_number_available
  kube_daemonset_status_number_misscheduled kube_daemonset_status_number_ready
  kube_daemonset_status_number_unavailable kube_daemonset_status_observed_generation
  kube_daemonset_status_updated_number_scheduled kube_deployment_annotations kube_deployment_created
  kube_deployment_deletion_timestamp kube_deployment_labels kube_deployment_metadata_generation
  kube_deployment_owner kube_deployment_spec_paused kube_deployment_spec_replicas
  kube_deployment_spec_strategy_rollingupdate_max_surge
  kube_deployment_spec_strategy_rollingupdate_max_unavailable kube_deployment_status_condition
  kube_deployment_status_observed_generation kube_deployment_status_replicas
  kube_deployment_status_replicas_available kube_deployment_status_replicas_ready
  kube_deployment_status_replicas_unavailable kube_deployment_status_replicas_updated
  kube_deployment_status_terminating_replicas kube_horizontalpodautoscaler_annotations
  kube_horizontalpodautoscaler_created kube_horizontalpodautoscaler_deletion_timestamp
  kube_horizontalpodautoscaler_info kube_horizontalpodautoscaler_labels
  kube_horizontalpodautoscaler_metadata_generation
  kube_horizontalpodautoscaler_spec_behavior_scale_down_tolerance
  kube_horizontalpodautoscaler_spec_behavior_scale_up_tolerance kube_horizontalpodautoscaler_spec_max_replicas
  kube_horizontalpodautoscaler_spec_min_replicas kube_horizontalpodautoscaler_spec_target_metric
  kube_horizontalpodautoscaler_status_condition kube_horizontalpodautoscaler_status_current_replicas
  kube_horizontalpodautoscaler_status_desired_replicas kube_horizontalpodautoscaler_status_target_metric
  kube_job_annotations kube_job_complete kube_job_created kube_job_failed kube_job_info kube_job_labels
  kube_job_owner kube_job_spec_active_deadline_seconds kube_job_spec_completions kube_job_spec_parallelism
  kube_job_status_active kube_job_status_completion_time kube_job_status_failed kube_job_status_ready
  kube_job_status_start_time kube_job_status_succeeded kube_job_status_suspended kube_node_annotations
  kube_node_created kube_node_deletion_timestamp kube_node_info kube_node_labels kube_node_role
  kube_node_spec_pod_cidrs kube_node_spec_taint kube_node_spec_unschedulable kube_node_status_addresses
  kube_node_status_allocatable kube_node_status_capacity kube_node_status_condition kube_pod_annotations
  kube_pod_completion_time kube_pod_container_info kube_pod_container_resource_limits
  kube_pod_container_resource_requests kube_pod_container_state_started
  kube_pod_container_status_last_terminated_exitcode kube_pod_container_status_last_terminated_reason
  kube_pod_container_status_last_terminated_timestamp kube_pod_container_status_ready
  kube_pod_container_status_restarts_total kube_pod_container_status_running
  kube_pod_container_status_terminated kube_pod_container_status_terminated_reason
  kube_pod_container_status_waiting kube_pod_container_status_waiting_reason kube_pod_created
  kube_pod_deletion_timestamp kube_pod_info kube_pod_init_container_info
  kube_pod_init_container_resource_limits kube_pod_init_container_resource_requests
  kube_pod_init_container_state_started kube_pod_init_container_status_last_terminated_exitcode
  kube_pod_init_container_status_last_terminated_reason
  kube_pod_init_container_status_last_terminated_timestamp kube_pod_init_container_status_ready
  kube_pod_init_container_status_restarts_total kube_pod_init_container_status_running
  kube_pod_init_container_status_terminated kube_pod_init_container_status_terminated_reason
  kube_pod_init_container_status_waiting kube_pod_init_container_status_waiting_reason kube_pod_ips
  kube_pod_labels kube_pod_nodeselectors kube_pod_overhead_cpu_cores kube_pod_overhead_memory_bytes
  kube_pod_owner kube_pod_resourceclaim_info kube_pod_restart_policy kube_pod_runtimeclass_name_info
  kube_pod_scheduler kube_pod_service_account kube_pod_spec_volumes_persistentvolumeclaims_info
  kube_pod_spec_volumes_persistentvolumeclaims_readonly kube_pod_start_time
  kube_pod_status_container_ready_time kube_pod_status_disruption_reason kube_pod_status_initialized_time
  kube_pod_status_phase kube_pod_status_qos_class kube_pod_status_ready kube_pod_status_ready_time
  kube_pod_status_reason kube_pod_status_scheduled kube_pod_status_scheduled_time kube_pod_status_unschedulable
  kube_pod_status_unscheduled_time kube_pod_tolerations
`),
  },
  {
    name: "KEDA",
    source: "kedacore/keda pkg/metricscollector/prommetrics.go at v2.20 (namespace keda)",
    metrics: words(`
  keda_build_info keda_scaler_metrics_value keda_scaler_metrics_latency_seconds keda_scaler_active
  keda_scaled_object_paused keda_scaler_detail_errors_total keda_scaled_object_errors_total keda_scaled_job_errors_total
  keda_prometheus_metrics_empty_error_total keda_trigger_registered_total keda_resource_registered_total
  keda_internal_scale_loop_latency_seconds keda_cloudeventsource_events_emitted_total
  keda_cloudeventsource_events_queued
`),
  },
  {
    name: "DCGM exporter",
    source: "NVIDIA/dcgm-exporter etc/default-counters.csv (the chart's default counters) at 4.5.3-4.8.2",
    metrics: words(`
  DCGM_FI_DEV_SM_CLOCK DCGM_FI_DEV_MEM_CLOCK DCGM_FI_DEV_MEMORY_TEMP DCGM_FI_DEV_GPU_TEMP DCGM_FI_DEV_POWER_USAGE
  DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION DCGM_FI_DEV_PCIE_TX_THROUGHPUT DCGM_FI_DEV_PCIE_RX_THROUGHPUT
  DCGM_FI_DEV_PCIE_REPLAY_COUNTER DCGM_FI_DEV_GPU_UTIL DCGM_FI_DEV_MEM_COPY_UTIL DCGM_FI_DEV_ENC_UTIL
  DCGM_FI_DEV_DEC_UTIL DCGM_FI_DEV_XID_ERRORS DCGM_FI_DEV_FB_FREE DCGM_FI_DEV_FB_USED
  DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL DCGM_FI_DEV_VGPU_LICENSE_STATUS DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS
  DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS DCGM_FI_DEV_ROW_REMAP_FAILURE DCGM_FI_PROF_GR_ENGINE_ACTIVE
  DCGM_FI_PROF_PIPE_TENSOR_ACTIVE DCGM_FI_PROF_DRAM_ACTIVE
`),
  },
  {
    name: "cluster-autoscaler",
    // The node_group_* gauges exist only with --emit-per-nodegroup-metrics (default false, config/flags/flags.go),
    // which components/addons/cluster-autoscaler.ts sets.
    source:
      "kubernetes/autoscaler cluster-autoscaler/metrics/metrics.go at cluster-autoscaler-1.35 (namespace cluster_autoscaler)",
    metrics: words(`
  cluster_autoscaler_cluster_safe_to_autoscale cluster_autoscaler_nodes_count cluster_autoscaler_node_groups_count
  cluster_autoscaler_unschedulable_pods_count cluster_autoscaler_max_nodes_count cluster_autoscaler_cluster_cpu_current_cores
  cluster_autoscaler_cluster_memory_current_bytes cluster_autoscaler_node_group_min_count
  cluster_autoscaler_node_group_max_count cluster_autoscaler_node_group_target_count
  cluster_autoscaler_node_group_healthiness cluster_autoscaler_node_group_backoff_status cluster_autoscaler_last_activity
  cluster_autoscaler_function_duration_seconds cluster_autoscaler_errors_total cluster_autoscaler_scaled_up_nodes_total
  cluster_autoscaler_scaled_up_gpu_nodes_total cluster_autoscaler_failed_scale_ups_total
  cluster_autoscaler_failed_gpu_scale_ups_total cluster_autoscaler_scaled_down_nodes_total
  cluster_autoscaler_scaled_down_gpu_nodes_total cluster_autoscaler_unneeded_nodes_count
  cluster_autoscaler_unremovable_nodes_count cluster_autoscaler_scale_down_in_cooldown
  cluster_autoscaler_evicted_pods_total cluster_autoscaler_skipped_scale_events_count
`),
  },
  {
    name: "Prometheus",
    source:
      "prometheus/prometheus v3.14 (the prometheus chart 29.27.0's appVersion): scrape (up, scrape_*), config/reloader and rules/manager.go metrics",
    metrics: words(`
  up scrape_duration_seconds scrape_samples_scraped scrape_samples_post_metric_relabeling scrape_series_added
  prometheus_config_last_reload_successful prometheus_config_last_reload_success_timestamp_seconds
  prometheus_rule_evaluation_failures_total prometheus_rule_evaluations_total prometheus_rule_group_last_duration_seconds
  prometheus_notifications_dropped_total prometheus_notifications_errors_total prometheus_tsdb_head_series
`),
  },
  { name: "recording rules", source: "observability/names.ts RECORDS", metrics: Object.values(RECORDS) },
];

/** Names (and prefixes, ending in `*`) PromQL may name on a stack: the platform's and the stack's external ones. */
export interface MetricCatalogue {
  names: Set<string>;
  prefixes: string[];
  /** Where an accepted name comes from, for messages. */
  known(name: string): boolean;
}

export function metricCatalogue(external: string[] = []): MetricCatalogue {
  const names = new Set(METRIC_SOURCES.flatMap((s) => s.metrics));
  const prefixes: string[] = [];
  for (const e of external) {
    if (e.endsWith("*")) prefixes.push(e.slice(0, -1));
    else names.add(e);
  }
  return { names, prefixes, known: (n) => names.has(n) || prefixes.some((p) => n.startsWith(p)) };
}
