import type { ClusterConfig, StackConfig, WorkerConfig } from "../../stacks/schema/index.ts";
import { poolGpuVendor } from "../../stacks/accelerators.ts";
import { inClusterPrometheusNamespace } from "../../stacks/schema/checks/workloads.ts";
import { KSM_GPU_RESOURCES, POOL_LABEL } from "../queries.ts";
import { ALERTS } from "../names.ts";
import type { Severity } from "../names.ts";
import type { Rule, RuleGroup } from "./rulefmt.ts";
import {
  gpuUtilPercent,
  gpuUtilSignal,
  podPattern,
  q,
  queueTriggers,
  workersOn,
  workloadsNamespace,
} from "./common.ts";

/** Where each alert is explained (what it means, the first thing to check, the key that tunes it). */
const DOC = "docs/observability.md#alerts";

/** Alert rule groups of one cluster (`serverFiles."alerting_rules.yml"` of its Prometheus). */
export const ALERT_GROUPS = {
  workers: "worker-platform-workers",
  capacity: "worker-platform-capacity",
  components: "worker-platform-components",
  user: "worker-platform-user",
} as const;

/** The chart's deployment of kube-state-metrics: `<release>-kube-state-metrics` (kube-state-metrics chart fullname). */
const KSM_SERVICE = "prometheus-kube-state-metrics";
function alert(
  name: string,
  expr: string,
  opts: { for?: string; severity: Severity; labels?: Record<string, string>; summary: string; description: string },
): Rule {
  return {
    alert: name,
    expr,
    ...(opts.for ? { for: opts.for } : {}),
    labels: { severity: opts.severity, ...opts.labels },
    annotations: { summary: opts.summary, description: opts.description, runbook: DOC },
  };
}

/** Pods of a worker that are running: a Deployment's available replicas, a ScaledJob's active Jobs. */
function running(w: WorkerConfig, ns: string): string {
  if (w.mode === "deployment")
    return `sum(kube_deployment_status_replicas_available{namespace=${q(ns)},deployment=${q(w.name)}})`;
  // KEDA makes the ScaledJob the controller owner of each Job it creates (kedacore/keda pkg/scaling/executor/scale_jobs.go).
  return `sum(kube_job_status_active{namespace=${q(ns)}} * on(namespace, job_name) group_left() max by (namespace, job_name) (kube_job_owner{namespace=${q(ns)},owner_kind="ScaledJob",owner_name=${q(w.name)}}))`;
}

/**
 * The queue depth KEDA last read for one trigger: `keda_scaler_metrics_value`, labelled namespace, scaledObject (the
 * ScaledObject's or the ScaledJob's name), type (scaledobject | scaledjob), triggerIndex (the trigger's position in
 * spec.triggers, the config's order: components/workloads/triggers.ts), scaler, metric (kedacore/keda
 * pkg/metricscollector/prommetrics.go, v2.20). It is the metric value the HPA divides by the target, for every
 * trigger type alike, so backlog alerts need nothing from the queue itself.
 */
export function kedaBacklog(w: WorkerConfig, ns: string, triggerIndex: number | number[]): string {
  const type = w.mode === "deployment" ? "scaledobject" : "scaledjob";
  const index =
    typeof triggerIndex === "number"
      ? `,triggerIndex=${q(String(triggerIndex))}`
      : `,triggerIndex=~${q(triggerIndex.join("|"))}`;
  return `keda_scaler_metrics_value{namespace=${q(ns)},scaledObject=${q(w.name)},type=${q(type)}${index}}`;
}

function workerRules(w: WorkerConfig, cluster: ClusterConfig, cfg: StackConfig, nvidiaPools: boolean): Rule[] {
  const a = cfg.observability.alerts;
  const own = a.workers[w.name];
  const off = (key: string) => own?.disabled.includes(key as never) ?? false;
  const ns = workloadsNamespace(cfg);
  const labels = { worker: w.name };
  const rules: Rule[] = [];
  const queues = queueTriggers(w);
  for (const { t, index, target } of queues) {
    const series = kedaBacklog(w, ns, index);
    const backlog = `max(${series})`;
    const tl = { ...labels, trigger: t.name };
    if (a.backlogHigh.enabled && !off("backlogHigh")) {
      const factor = own?.backlogFactor ?? a.backlogHigh.factor;
      rules.push(
        alert(
          ALERTS.backlogHigh,
          // Per running pod (at least 1, so a worker stuck at 0 counts its whole queue): `on()` pairs the two
          // one-series sides whatever their labels.
          `${backlog} / on() clamp_min(${running(w, ns)} or vector(0), 1) > ${factor * target}`,
          {
            for: own?.backlogFor ?? a.backlogHigh.for,
            severity: a.backlogHigh.severity,
            labels: tl,
            summary: `Worker ${w.name}: backlog of trigger ${t.name} above ${factor} × its target (${target}) per running pod`,
            description: `{{ $value }} per running pod on cluster ${cluster.name}: pods cannot be placed (pending), the worker is at replicas.max, or it is slower than its target assumes.`,
          },
        ),
      );
    }
    if (a.backlogGrowing.enabled && !off("backlogGrowing")) {
      rules.push(
        alert(ALERTS.backlogGrowing, `max(deriv(${series}[10m])) > 0 and ${backlog} > ${target}`, {
          for: a.backlogGrowing.for,
          severity: "warning",
          labels: tl,
          summary: `Worker ${w.name}: queue of trigger ${t.name} still growing`,
          description: `The queue has grown for ${a.backlogGrowing.for} on cluster ${cluster.name} (slope {{ $value }} per second).`,
        }),
      );
    }
  }
  if (a.atMaxReplicas.enabled && !off("atMaxReplicas")) {
    const current =
      w.mode === "deployment"
        ? `sum(kube_deployment_status_replicas{namespace=${q(ns)},deployment=${q(w.name)}})`
        : running(w, ns);
    const indexes = queues.map((x) => x.index);
    const growing = queues.length ? ` and on() max(deriv(${kedaBacklog(w, ns, indexes)}[10m])) > 0` : "";
    rules.push(
      alert(ALERTS.atMaxReplicas, `${current} >= ${w.replicas.max}${growing}`, {
        for: own?.atMaxReplicasFor ?? a.atMaxReplicas.for,
        severity: "warning",
        labels,
        summary: `Worker ${w.name} at replicas.max (${w.replicas.max})${queues.length ? " while its queue grows" : ""}`,
        description: `On cluster ${cluster.name}. Raise workers[].replicas.max (and the pools' max), or make the worker faster.`,
      }),
    );
  }
  if (a.scalerErrors.enabled && !off("scalerErrors")) {
    // keda_scaler_detail_errors_total counts failed reads per trigger; the per-object counters also count errors
    // outside a scaler (kedacore/keda pkg/metricscollector/prommetrics.go, v2.20).
    const obj =
      w.mode === "deployment"
        ? `keda_scaled_object_errors_total{namespace=${q(ns)},scaledObject=${q(w.name)}}`
        : `keda_scaled_job_errors_total{namespace=${q(ns)},scaledJob=${q(w.name)}}`;
    const type = w.mode === "deployment" ? "scaledobject" : "scaledjob";
    rules.push(
      alert(
        ALERTS.scalerErrors,
        `sum(increase(keda_scaler_detail_errors_total{namespace=${q(ns)},scaledObject=${q(w.name)},type=${q(type)}}[5m])) > 0 or sum(increase(${obj}[5m])) > 0`,
        {
          for: a.scalerErrors.for,
          severity: "critical",
          labels,
          summary: `KEDA cannot read the triggers of worker ${w.name}: it will not scale (stuck at zero)`,
          description: `On cluster ${cluster.name}. Check the ScaledObject/ScaledJob's status and the keda-operator logs (credentials, queue address).`,
        },
      ),
    );
  }
  // DCGM is NVIDIA's; AMD's exporter reports GPU activity only on Instinct MI2xx/MI3xx (ROCm/device-metrics-exporter
  // v1.5.1 docs), so AMD workers get no idle alert.
  if (nvidiaPools && w.gpu?.vendor === "nvidia" && a.gpuIdle.enabled && !off("gpuIdle")) {
    const percent = own?.gpuIdlePercent ?? a.gpuIdle.utilizationPercent;
    // container!="": the exporter labels a GPU with its pod only while a container holds it (see
    // components/addons/prometheus-adapter.ts, DCGM_RULE).
    rules.push(
      alert(
        ALERTS.gpuIdle,
        `${gpuUtilPercent(`namespace=${q(ns)},pod=~${q(podPattern(w.name))},container!=""`, gpuUtilSignal(cluster, w), "5m")} < ${percent}`,
        {
          for: own?.gpuIdleFor ?? a.gpuIdle.for,
          severity: "warning",
          labels,
          summary: `Worker ${w.name}: pod {{ $labels.pod }} holds GPUs used under ${percent} %`,
          description: `On cluster ${cluster.name} for ${own?.gpuIdleFor ?? a.gpuIdle.for}: the GPU is paid for and idle (min replicas kept warm, a stuck job, or a CPU-bound worker).`,
        },
      ),
    );
  }
  return rules;
}

/** Pending pods, autoscaler failures, spot interruptions. */
function capacityRules(cluster: ClusterConfig, cfg: StackConfig, gpuPools: boolean): Rule[] {
  const a = cfg.observability.alerts;
  const rules: Rule[] = [];
  if (a.podsUnschedulable.enabled) {
    const pendingFor = a.podsUnschedulable.for ?? cluster.autoscaler.maxNodeProvisionTime;
    const unschedulable = "max by (namespace, pod) (kube_pod_status_unschedulable) == 1";
    const gpuPods = `max by (namespace, pod) (kube_pod_container_resource_requests{resource=~${q(Object.values(KSM_GPU_RESOURCES).join("|"))}}) > 0`;
    rules.push(
      alert(
        ALERTS.podsUnschedulable,
        gpuPools ? `${unschedulable} unless on(namespace, pod) ${gpuPods}` : unschedulable,
        {
          for: pendingFor,
          severity: "warning",
          summary: "Pod {{ $labels.namespace }}/{{ $labels.pod }} unschedulable longer than a node takes to come up",
          description: `No node arrived within ${pendingFor} on cluster ${cluster.name}: pools at max, quota, or a request no pool can hold (kubectl describe pod).`,
        },
      ),
    );
    if (gpuPools)
      rules.push(
        alert(ALERTS.gpuPodsUnschedulable, `${unschedulable} and on(namespace, pod) ${gpuPods}`, {
          for: pendingFor,
          severity: "critical",
          summary: "GPU pod {{ $labels.namespace }}/{{ $labels.pod }} unschedulable (Insufficient GPU)",
          description: `No GPU node within ${pendingFor} on cluster ${cluster.name}: GPU pools at max, GPU quota or capacity of the region, or the device plugin not advertising GPUs.`,
        }),
      );
  }
  // The chart-installed autoscaler only (EKS): AKS's managed autoscaler exposes no metrics to the cluster's
  // Prometheus; there PodsUnschedulable (pending longer than the max node provision time) stands in.
  if (cluster.cloud === "aws" && cfg.addons.clusterAutoscaler.enabled && a.clusterAutoscaler.enabled) {
    // Counter and gauge of kubernetes/autoscaler cluster-autoscaler/metrics/metrics.go (1.35): failed_scale_ups_total
    // {reason}, node_group_backoff_status{node_group, reason}; the latter only with --emit-per-nodegroup-metrics
    // (default false, config/flags/flags.go), which components/addons/cluster-autoscaler.ts sets.
    rules.push(
      alert(ALERTS.scaleUpFailed, "sum by (reason) (increase(cluster_autoscaler_failed_scale_ups_total[15m])) > 0", {
        for: a.clusterAutoscaler.for,
        severity: "warning",
        labels: { component: "cluster-autoscaler" },
        summary: "Cluster autoscaler scale-up failed ({{ $labels.reason }})",
        description: `On cluster ${cluster.name}: EC2 capacity or quota, IAM, or the launch template (cluster-autoscaler logs, the ASG's activity).`,
      }),
      alert(
        ALERTS.nodeGroupBackoff,
        "max by (node_group, reason) (cluster_autoscaler_node_group_backoff_status) == 1",
        {
          for: a.clusterAutoscaler.for,
          severity: "warning",
          labels: { component: "cluster-autoscaler" },
          summary: "Node group {{ $labels.node_group }} in backoff ({{ $labels.reason }})",
          description: `On cluster ${cluster.name}: the autoscaler stopped trying this group after failed scale-ups; pods that need it stay pending.`,
        },
      ),
    );
  }
  const spot = cluster.pools.filter((p) => p.spot).map((p) => p.name);
  if (cluster.cloud !== "existing" && spot.length && a.spotInterruption.enabled) {
    const nodes = (offset = "") =>
      `label_replace(kube_node_labels{${POOL_LABEL}=~${q(spot.join("|"))}}${offset}, "pool", "$1", ${q(POOL_LABEL)}, "(.+)")`;
    // A spot node interrupted: not ready (the VM is gone: AKS deletes evicted spot VMs, scaleSetEvictionPolicy
    // Delete), or gone within the last 2 minutes without the taint the autoscaler puts on the nodes it removes itself
    // (ToBeDeletedByClusterAutoscaler, kubernetes/autoscaler cluster-autoscaler/utils/taints/taints.go): the node
    // object can disappear before it is ever seen not ready. A cordon is not counted: node upgrades and drains cordon
    // too, and neither cloud marks a spot interruption's cordon apart from theirs.
    const interrupted = `max by (node) (kube_node_status_condition{condition="Ready",status="true"} == 0)`;
    const vanished =
      `(${nodes(" offset 2m")} unless on(node) kube_node_labels)` +
      ` unless on(node) max_over_time(kube_node_spec_taint{key="ToBeDeletedByClusterAutoscaler"}[15m])`;
    rules.push(
      alert(
        ALERTS.spotInterruption,
        `count by (pool) (${nodes()} * on(node) group_left() (${interrupted})) > 0 or count by (pool) (${vanished}) > 0`,
        {
          for: "1m",
          severity: "info",
          summary: "Spot nodes of pool {{ $labels.pool }} interrupted ({{ $value }})",
          description: `On cluster ${cluster.name}: the cloud is taking spot capacity back; work on those nodes restarts elsewhere. Frequent: move critical workers off spot.`,
        },
      ),
    );
  }
  return rules;
}

/** The platform's own components, by what kube-state-metrics sees of their workloads. */
function componentRules(cluster: ClusterConfig, cfg: StackConfig, nvidiaPools: boolean): Rule[] {
  const a = cfg.observability.alerts;
  if (!a.componentDown.enabled) return [];
  const ad = cfg.addons;
  const rules: Rule[] = [];
  const down = (component: string, expr: string, what: string) =>
    rules.push(
      alert(ALERTS.componentDown, expr, {
        for: a.componentDown.for,
        severity: "critical",
        labels: { component },
        summary: `${component} down on cluster ${cluster.name}`,
        description: what,
      }),
    );
  const deployment = (ns: string, name: string) =>
    `sum(kube_deployment_status_replicas_available{namespace=${q(ns)},deployment=${q(name)}}) < 1`;
  // Deployment names: kedacore/charts keda templates (operator.name keda-operator; metrics server
  // `<operator.name>-metrics-apiserver`) at v2.20.2.
  if (ad.keda.enabled) {
    down(
      "keda-operator",
      deployment(ad.keda.namespace, "keda-operator"),
      "No KEDA operator: no worker scales (up or down).",
    );
    down(
      "keda-metrics-server",
      deployment(ad.keda.namespace, "keda-operator-metrics-apiserver"),
      "No KEDA metrics server: the HPAs of workers read no queue length, workers above 1 replica stop scaling.",
    );
  }
  // Installed where there is a Prometheus to read from (components/addons/prometheus-adapter.ts `applies`).
  if (ad.prometheusAdapter.enabled && (inClusterPrometheusNamespace(cfg) !== undefined || ad.prometheus.externalUrl))
    down(
      "prometheus-adapter",
      deployment(ad.prometheusAdapter.namespace, "prometheus-adapter"),
      "No Prometheus Adapter: HPAs on custom metrics (services' customMetric) stop scaling.",
    );
  if (nvidiaPools && ad.dcgmExporter.enabled)
    down(
      "dcgm-exporter",
      `sum(kube_daemonset_status_number_unavailable{namespace=${q(ad.dcgmExporter.namespace)},daemonset="dcgm-exporter"}) > 0`,
      "DCGM exporter pods unavailable on GPU nodes: gpu triggers and GPU alerts read nothing there.",
    );
  // The chart's kube-state-metrics Service carries prometheus.io/scrape (kubernetes-service-endpoints job); the
  // alerts above go silent without it, so its own absence alerts.
  down(
    "kube-state-metrics",
    `absent(up{job="kubernetes-service-endpoints",service=${q(KSM_SERVICE)}} == 1)`,
    "kube-state-metrics not scraped: replica, pending-pod and job alerts go silent.",
  );
  // Prometheus cannot report its own death; what it can report is a rule file or config it failed to load, and rules
  // failing to evaluate (prometheus `rules` and `config` metrics). Watch the server from outside for the rest.
  down(
    "prometheus",
    `max(prometheus_config_last_reload_successful{job="prometheus"}) == 0 or sum(increase(prometheus_rule_evaluation_failures_total{job="prometheus"}[10m])) > 0`,
    "Prometheus failed to reload its config or rules fail to evaluate: alerts may not fire.",
  );
  return rules;
}

/** Every alert group of one cluster with the in-cluster Prometheus; empty when alerts are off. */
export function alertGroups(cluster: ClusterConfig, cfg: StackConfig): RuleGroup[] {
  const a = cfg.observability.alerts;
  const gpuPools = cluster.pools.some((p) => p.gpu);
  const nvidiaPools = cluster.pools.some((p) => poolGpuVendor(p) === "nvidia");
  const groups: RuleGroup[] = [];
  if (a.enabled) {
    const workers = workersOn(cluster, cfg).flatMap((w) => workerRules(w, cluster, cfg, nvidiaPools));
    groups.push(
      { name: ALERT_GROUPS.workers, rules: workers },
      { name: ALERT_GROUPS.capacity, rules: capacityRules(cluster, cfg, gpuPools) },
      { name: ALERT_GROUPS.components, rules: componentRules(cluster, cfg, nvidiaPools) },
    );
  }
  if (a.extraRules.length)
    groups.push({
      name: ALERT_GROUPS.user,
      rules: a.extraRules.map((r) =>
        alert(r.alert, r.expr, {
          for: r.for,
          severity: r.severity,
          summary: r.summary ?? r.alert,
          description: "observability.alerts.extraRules",
        }),
      ),
    });
  return groups.filter((g) => g.rules.length > 0);
}
