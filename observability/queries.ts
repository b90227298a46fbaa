import type { GpuVendor } from "../stacks/accelerators.ts";
import { GPU_RESOURCES } from "../stacks/accelerators.ts";

/** A PromQL string literal (double-quoted, Go escapes). */
export const q = (s: string) => JSON.stringify(s);

/**
 * The pods of a worker: Deployment pods are `<name>-<template hash>-<suffix>`, a ScaledJob's `<name>-<job suffix>-
 * <suffix>`; Prometheus anchors regex matchers, so a worker named `<name>-x` is not matched (its pods have one more
 * segment). Used by the gpu trigger, the alert and cost rules and the dashboards alike.
 */
export const podPattern = (worker: string) => `${worker}-[a-z0-9]+-[a-z0-9]+`;

/** kube-state-metrics turns a node label into `label_<name>` with every other character `_` (--metric-labels-allowlist). */
export const POOL_LABEL = "label_worker_platform_pool";

/** kube-state-metrics writes extended resources with `_` for `.` and `/` (`nvidia.com/gpu` → `nvidia_com_gpu`). */
export const KSM_GPU_RESOURCES = Object.fromEntries(
  Object.entries(GPU_RESOURCES).map(([vendor, resource]) => [vendor, resource.replace(/[./]/g, "_")]),
) as Record<GpuVendor, string>;

/**
 * Running pods only, as the right-hand side of a `*` join: kube-state-metrics emits kube_pod_container_resource_requests
 * for pods in every phase (internal/store/pod.go at v2.20.0), and finished Jobs' pods stay until their Job is deleted
 * (KEDA keeps successfulJobsHistoryLimit of them). Deduplicated with `max by`: during a kube-state-metrics rollout two
 * pods are scraped, and a join against duplicates fails ("found duplicate series for the match group").
 */
export const RUNNING_PODS = `on(namespace, pod) group_left() max by (namespace, pod) (kube_pod_status_phase{phase="Running"} == 1)`;

/**
 * PromQL of a `gpu` trigger: the summed GPU utilisation (percent per GPU) of the worker's pods. The DCGM exporter
 * labels each GPU's series with the pod and namespace using it (`pod`, `namespace`: NVIDIA/dcgm-exporter
 * internal/pkg/transformation/const.go and kubernetes.go at 4.5.3-4.8.2, from the kubelet's pod-resources API), and
 * the platform's Prometheus keeps those labels over the scrape target's (kubernetes-pods job, honor_labels; see
 * components/addons/dcgm-exporter.ts). Pods of a Deployment are `<name>-<template hash>-<suffix>`, and Prometheus
 * anchors regex matchers, so the pattern takes this worker's pods only (not those of a worker named `<name>-x`).
 */
export function gpuUtilizationQuery(namespace: string, worker: string): string {
  return `sum(${GPU_UTIL_METRIC}{namespace="${namespace}",pod=~"${podPattern(worker)}"})`;
}

/** The DCGM exporter's GPU utilisation gauge (percent), in its default counters (etc/default-counters.csv). */
export const GPU_UTIL_METRIC = "DCGM_FI_DEV_GPU_UTIL";
