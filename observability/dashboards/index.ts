import { createHash } from "node:crypto";
import type { Expression } from "../names.ts";
import { RECORDS } from "../names.ts";
import { KSM_GPU_RESOURCES, POOL_LABEL, RUNNING_PODS, podPattern } from "../queries.ts";
import type { GpuUtilSignal } from "../rules/common.ts";
import { gpuUtilPercent } from "../rules/common.ts";
import type { Dashboard, PanelSpec } from "./model.ts";
import { dashboard, expressionsOf, layout, validateDashboard } from "./model.ts";

export { validateDashboard } from "./model.ts";
export type { Dashboard } from "./model.ts";
export { DATASOURCE_UID } from "./model.ts";

/** What the dashboards are generated from (one cluster: its workers and pools). */
export interface DashboardInput {
  /** Namespace of the workers (platform.namespace). */
  namespace: string;
  /**
   * Workers with a per-worker dashboard; `mode` picks the replica queries (Deployment vs ScaledJob's Jobs);
   * `gpuUtil` the DCGM gauge of GPU use (observability/rules/common.ts gpuUtilSignal; default `device`).
   */
  workers: { name: string; mode: "deployment" | "job"; gpu: boolean; gpuUtil?: GpuUtilSignal }[];
  /** GPU pools of the cluster, by name (the recording rules' `pool` label). */
  gpuPools: string[];
  fleet: boolean;
  capacity: boolean;
  cost: boolean;
}

// Metric names and labels, at the pinned versions:
// - KEDA 2.20 pkg/metricscollector/prommetrics.go: keda_scaler_metrics_value and keda_scaler_detail_errors_total
//   with labels namespace, scaledObject (the ScaledObject's or ScaledJob's name), scaler, metric, type.
// - kube-state-metrics 2.x (chart 8.4): kube_deployment_spec_replicas (what KEDA's HPA set: the desired count),
//   kube_deployment_status_replicas_ready, kube_pod_status_phase, kube_job_status_active, kube_job_owner,
//   kube_node_status_allocatable and kube_pod_container_resource_requests with resource="nvidia_com_gpu" (the
//   resource name sanitised), kube_node_labels with label_worker_platform_pool (allow-listed in prometheus.ts).
// - DCGM exporter: DCGM_FI_DEV_GPU_UTIL (%; DCGM_FI_PROF_GR_ENGINE_ACTIVE on MIG, see gpuUtilPercent) and
//   DCGM_FI_DEV_FB_USED (MiB), labelled with the pod using the GPU.
const POOL = POOL_LABEL;
// Right-hand sides of group_left joins deduplicated with `max by`: during a kube-state-metrics rollout two pods are
// scraped and a bare join fails with "found duplicate series for the match group" (as in observability/rules/alerts.ts).
const byPool = (metric: string) => `${metric} * on(node) group_left(${POOL}) max by (node, ${POOL}) (kube_node_labels)`;
/** ScaledJob owners of Jobs, one series per Job (kube_job_owner, deduplicated). */
const jobOwner = (selector: string) => `max by (namespace, job_name, owner_name) (kube_job_owner{${selector}})`;
// Either vendor's GPU resource (observability/rules/alerts.ts KSM_GPU_RESOURCES).
const GPU = `resource=~"${Object.values(KSM_GPU_RESOURCES).join("|")}"`;

function fleet(input: DashboardInput): Dashboard {
  const ns = `namespace="${input.namespace}"`;
  const specs: PanelSpec[] = [
    {
      title: "Queue depth per worker",
      type: "timeseries",
      description: "The value KEDA read from each worker's scaler (queue length for queue triggers).",
      queries: [{ expr: `sum by (scaledObject) (keda_scaler_metrics_value{${ns}})`, legend: "{{scaledObject}}" }],
    },
    {
      title: "Jobs completed per minute",
      type: "timeseries",
      queries: [{ expr: `sum by (worker) (${RECORDS.workerJobsPerHour}) / 60`, legend: "{{worker}}" }],
    },
    {
      title: "Desired replicas",
      type: "timeseries",
      description: "Deployment workers: spec.replicas as KEDA's HPA set it.",
      queries: [{ expr: `sum by (deployment) (kube_deployment_spec_replicas{${ns}})`, legend: "{{deployment}}" }],
    },
    {
      title: "Ready replicas",
      type: "timeseries",
      queries: [
        { expr: `sum by (deployment) (kube_deployment_status_replicas_ready{${ns}})`, legend: "{{deployment}}" },
      ],
    },
    {
      title: "Active jobs (job-mode workers)",
      type: "timeseries",
      queries: [
        {
          expr: `sum by (owner_name) (kube_job_status_active{${ns}} * on(namespace, job_name) group_left(owner_name) ${jobOwner(`${ns}, owner_kind="ScaledJob"`)})`,
          legend: "{{owner_name}}",
        },
      ],
    },
    {
      title: "GPU nodes per pool",
      type: "timeseries",
      stack: true,
      queries: input.gpuPools.length
        ? [{ expr: `sum by (pool) (${RECORDS.poolNodes}{pool=~"${input.gpuPools.join("|")}"})`, legend: "{{pool}}" }]
        : [{ expr: `sum by (pool) (${RECORDS.poolNodes})`, legend: "{{pool}}" }],
    },
  ];
  return dashboard(
    "wp-fleet",
    "Worker fleet",
    "Every worker's queue, replicas and throughput; GPU nodes per pool.",
    layout(specs),
  );
}

function worker(input: DashboardInput, w: DashboardInput["workers"][number]): Dashboard {
  const ns = `namespace="${input.namespace}"`;
  const pods = `${ns}, pod=~"${podPattern(w.name)}"`;
  const replicas: PanelSpec =
    w.mode === "deployment"
      ? {
          title: "Replicas",
          type: "timeseries",
          queries: [
            { expr: `sum(kube_deployment_spec_replicas{${ns}, deployment="${w.name}"})`, legend: "desired" },
            { expr: `sum(kube_deployment_status_replicas_ready{${ns}, deployment="${w.name}"})`, legend: "ready" },
          ],
        }
      : {
          title: "Active jobs",
          type: "timeseries",
          queries: [
            {
              expr: `sum(kube_job_status_active{${ns}} * on(namespace, job_name) group_left() ${jobOwner(`${ns}, owner_kind="ScaledJob", owner_name="${w.name}"`)})`,
              legend: "active",
            },
          ],
        };
  const specs: PanelSpec[] = [
    {
      title: "Queue depth",
      type: "timeseries",
      queries: [
        {
          expr: `sum by (scaler, metric) (keda_scaler_metrics_value{${ns}, scaledObject="${w.name}"})`,
          legend: "{{scaler}} {{metric}}",
        },
      ],
    },
    replicas,
    {
      title: "Pending pods",
      type: "timeseries",
      queries: [{ expr: `sum(kube_pod_status_phase{${pods}, phase="Pending"})`, legend: "pending" }],
    },
    {
      title: "Scaling events",
      type: "timeseries",
      description: "Changes of the replica count (Deployment) or of active jobs (ScaledJob) per 5 minutes.",
      queries: [
        {
          expr:
            w.mode === "deployment"
              ? `sum(changes(kube_deployment_spec_replicas{${ns}, deployment="${w.name}"}[5m]))`
              : `count(${jobOwner(`${ns}, owner_kind="ScaledJob", owner_name="${w.name}"`)})`,
          legend: w.mode === "deployment" ? "replica changes" : "jobs",
        },
      ],
    },
    {
      title: "Scaler errors",
      type: "timeseries",
      description: "KEDA's failed reads of this worker's triggers: a worker at zero stays there.",
      queries: [
        {
          expr: `sum by (scaler) (rate(keda_scaler_detail_errors_total{${ns}, scaledObject="${w.name}"}[5m]))`,
          legend: "{{scaler}}",
        },
      ],
    },
    {
      title: "Jobs completed per minute",
      type: "timeseries",
      queries: [{ expr: `sum(${RECORDS.workerJobsPerHour}{worker="${w.name}"}) / 60`, legend: "jobs/min" }],
    },
  ];
  if (w.gpu)
    specs.push(
      {
        title: "GPU utilisation per pod",
        type: "timeseries",
        unit: "percent",
        queries: [{ expr: `max by (pod) (${gpuUtilPercent(pods, w.gpuUtil ?? "device")})`, legend: "{{pod}}" }],
      },
      {
        title: "GPU memory used per pod",
        type: "timeseries",
        unit: "decmbytes",
        queries: [{ expr: `sum by (pod) (DCGM_FI_DEV_FB_USED{${pods}})`, legend: "{{pod}}" }],
      },
    );
  return dashboard(
    workerDashboardUid(w.name),
    `Worker ${w.name}`,
    `Queue, replicas, pending pods${w.gpu ? ", GPU use" : ""} and scaling of worker ${w.name}.`,
    layout(specs),
  );
}

/** Grafana uids are at most 40 characters; a long worker name keeps its start and a hash of the whole. */
export function workerDashboardUid(name: string): string {
  const uid = `wp-worker-${name}`;
  if (uid.length <= 40) return uid;
  return `wp-worker-${name.slice(0, 21)}-${createHash("sha256").update(name).digest("hex").slice(0, 8)}`;
}

function capacity(): Dashboard {
  const specs: PanelSpec[] = [
    {
      title: "Allocatable GPUs per pool",
      type: "timeseries",
      stack: true,
      queries: [
        { expr: `sum by (${POOL}) (${byPool(`kube_node_status_allocatable{${GPU}}`)})`, legend: `{{${POOL}}}` },
      ],
    },
    {
      title: "Requested GPUs per pool",
      type: "timeseries",
      description: "GPUs requested by running pods (finished Jobs' pods keep their requests in kube-state-metrics).",
      stack: true,
      queries: [
        {
          expr: `sum by (${POOL}) (${byPool(`(kube_pod_container_resource_requests{${GPU}} * ${RUNNING_PODS})`)})`,
          legend: `{{${POOL}}}`,
        },
      ],
    },
    {
      title: "GPUs requested by Pending pods",
      type: "timeseries",
      description: "Demand no node can take yet: the cluster autoscaler should be adding GPU nodes.",
      queries: [
        {
          expr: `sum(kube_pod_container_resource_requests{${GPU}} * on(namespace, pod) group_left() max by (namespace, pod) (kube_pod_status_phase{phase="Pending"} == 1))`,
          legend: "pending GPUs",
        },
      ],
    },
    {
      title: "Warm GPU headroom in use",
      type: "timeseries",
      description: "Placeholder pods preempted by real work (desired - ready of the gpu-headroom-<pool> Deployments).",
      queries: [
        {
          expr: `sum by (deployment) (kube_deployment_spec_replicas{deployment=~"gpu-headroom-.+"} - kube_deployment_status_replicas_ready{deployment=~"gpu-headroom-.+"})`,
          legend: "{{deployment}}",
        },
      ],
    },
  ];
  return dashboard(
    "wp-capacity",
    "GPU capacity",
    "Allocatable vs requested GPUs per pool, pending demand, headroom.",
    layout(specs),
  );
}

function cost(): Dashboard {
  const specs: PanelSpec[] = [
    {
      title: "Cost per hour per pool",
      type: "timeseries",
      unit: "currencyUSD",
      stack: true,
      queries: [{ expr: `sum by (pool) (${RECORDS.poolCostPerHour})`, legend: "{{pool}}" }],
    },
    {
      title: "Cost per hour per worker",
      type: "timeseries",
      unit: "currencyUSD",
      stack: true,
      queries: [{ expr: `sum by (worker) (${RECORDS.workerCostPerHour})`, legend: "{{worker}}" }],
    },
    {
      title: "Cost per job",
      type: "timeseries",
      unit: "currencyUSD",
      queries: [{ expr: `sum by (worker) (${RECORDS.workerCostPerJob})`, legend: "{{worker}}" }],
    },
    {
      title: "Cost per day (at the current rate)",
      type: "stat",
      unit: "currencyUSD",
      queries: [{ expr: `sum(${RECORDS.poolCostPerHour}) * 24` }],
    },
  ];
  return dashboard(
    "wp-cost",
    "Cost",
    "Node cost per pool and per worker, and cost per completed job (recording rules).",
    layout(specs),
  );
}

/** The dashboards of one cluster, validated (throws naming the dashboard and field when one is malformed). */
export function generateDashboards(input: DashboardInput): Dashboard[] {
  const out: Dashboard[] = [
    ...(input.fleet ? [fleet(input)] : []),
    ...input.workers.map((w) => worker(input, w)),
    ...(input.capacity ? [capacity()] : []),
    ...(input.cost ? [cost()] : []),
  ];
  const problems = out.flatMap(validateDashboard);
  if (problems.length > 0) throw new Error(`generated dashboards are invalid:\n  ${problems.join("\n  ")}`);
  return out;
}

/** Every panel query of the generated dashboards, with its source (`dashboard <uid>, panel "<title>"`). */
export function dashboardExpressions(input: DashboardInput): Expression[] {
  return generateDashboards(input).flatMap(expressionsOf);
}
