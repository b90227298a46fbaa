import type { AddonsConfig } from "../stacks/schema/index.ts";

/**
 * The Prometheus Adapter's custom-metrics rules (components/addons/prometheus-adapter.ts installs them), here so the
 * offline PromQL check (stacks/schema/checks/observability.ts) reads the same rules without the add-on code.
 */

/** Series names of counters (`_total`) and of histogram/summary parts, which the gauge rule must not expose. */
const NOT_A_GAUGE = "^.*_(total|sum|count|bucket)$";

/** Map the series' namespace/pod labels to Kubernetes objects: per-pod metrics for HPAs (Pods metrics). */
const PER_POD = { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } };

/** DCGM exporter gauges per GPU, averaged over the GPUs of a pod; exposed under their own names (DCGM_FI_DEV_GPU_UTIL). */
const DCGM_RULE = {
  // container!="": the exporter labels a GPU's series with namespace/pod/container only while a pod holds the GPU
  // (NVIDIA/dcgm-exporter internal/pkg/transformation/kubernetes.go); an idle GPU's series get namespace/pod from the
  // scrape target (the exporter's own pod, kubernetes-pods job relabelling) but no container, and stay out.
  seriesQuery: '{__name__=~"^DCGM_FI_DEV_(GPU_UTIL|FB_USED|MEM_COPY_UTIL)$",namespace!="",pod!="",container!=""}',
  resources: PER_POD,
  name: { matches: "^(.*)$", as: "$1" },
  metricsQuery: "avg(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
};

/**
 * Worker metrics (`<prefix>*`): gauges as they are, counters `<prefix>x_total` as a per-second rate `<prefix>x_per_second`.
 *
 * The gauge rule leaves out what is not a gauge: counters (`_total`, the other rule), the `_sum`/`_count`/`_bucket`
 * series of histograms and summaries (cumulative, so their "value" only grows; averaging `_bucket` also mixes every
 * `le` bucket), and a summary's quantile series (`quantile` label). Those suffixes are reserved for these series
 * (OpenMetrics specification, "Suffixes"; prometheus.io "Metric and label naming"). It uses the adapter's rule grammar
 * as the chart's default rules do: `seriesFilters` `isNot` on the metric name (kubernetes-sigs/prometheus-adapter
 * docs/config.md at v0.12.0, "Discovery"; charts/prometheus-adapter/templates/configmap.yaml at prometheus-adapter-5.3.0),
 * and `quantile=""` in `seriesQuery`, which matches series without that label.
 */
function workerRules(prefix: string) {
  return [
    {
      seriesQuery: `{__name__=~"^${prefix}.*",namespace!="",pod!="",quantile=""}`,
      seriesFilters: [{ isNot: NOT_A_GAUGE }],
      resources: PER_POD,
      name: { matches: "^(.*)$", as: "$1" },
      metricsQuery: "avg(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
    },
    {
      seriesQuery: `{__name__=~"^${prefix}.*_total$",namespace!="",pod!=""}`,
      resources: PER_POD,
      name: { matches: "^(.*)_total$", as: "${1}_per_second" },
      metricsQuery: "sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)",
    },
  ];
}

/** The custom-metrics rules for a cluster with or without GPU pools (the config checks read them too). */
export function adapterRuleSet(hasGpuPools: boolean, config: AddonsConfig): AdapterRule[] {
  const gpu = hasGpuPools && config.dcgmExporter.enabled;
  return [...(gpu ? [DCGM_RULE] : []), ...workerRules(config.prometheusAdapter.workerMetricPrefix)];
}

/** The fields of an adapter rule the offline PromQL check reads (kubernetes-sigs/prometheus-adapter docs/config.md). */
export interface AdapterRule {
  seriesQuery: string;
  metricsQuery: string;
}

/**
 * The adapter's metricsQuery as PromQL: its Go-template placeholders (`<<.Series>>`, `<<.LabelMatchers>>`,
 * `<<.GroupBy>>`; prometheus-adapter docs/config.md, "Querying") replaced by what the adapter puts there, with
 * `series` standing for the matched series' name. The seriesQuery is a selector too.
 */
export function adapterQueries(rule: AdapterRule, series: string): string[] {
  const metricsQuery = rule.metricsQuery
    .replaceAll("<<.Series>>", series)
    .replaceAll("<<.LabelMatchers>>", 'namespace="ns",pod=~"p"')
    .replaceAll("<<.GroupBy>>", "pod");
  return [rule.seriesQuery, metricsQuery];
}
