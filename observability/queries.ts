/**
 * PromQL of a `gpu` trigger: the summed GPU utilisation (percent per GPU) of the worker's pods. The DCGM exporter
 * labels each GPU's series with the pod and namespace using it (`pod`, `namespace`: NVIDIA/dcgm-exporter
 * internal/pkg/transformation/const.go and kubernetes.go at 4.5.3-4.8.2, from the kubelet's pod-resources API), and
 * the platform's Prometheus keeps those labels over the scrape target's (kubernetes-pods job, honor_labels; see
 * components/addons/dcgm-exporter.ts). Pods of a Deployment are `<name>-<template hash>-<suffix>`, and Prometheus
 * anchors regex matchers, so the pattern takes this worker's pods only (not those of a worker named `<name>-x`).
 */
export function gpuUtilizationQuery(namespace: string, worker: string): string {
  return `sum(${GPU_UTIL_METRIC}{namespace="${namespace}",pod=~"${worker}-[a-z0-9]+-[a-z0-9]+"})`;
}

/** The DCGM exporter's GPU utilisation gauge (percent), in its default counters (etc/default-counters.csv). */
export const GPU_UTIL_METRIC = "DCGM_FI_DEV_GPU_UTIL";
