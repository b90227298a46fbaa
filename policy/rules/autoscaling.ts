import type { ResourceValidationPolicy } from "@pulumi/policy";
import { annotationsOf, isWaived, objectRef, toNumber } from "./lib/common";
import { containersOf, Obj, T } from "./lib/k8s";
import { chartName, k8sObjects, StackModel } from "./lib/model";
import { stackPolicy } from "./lib/stack";
import { MAX_JOB_DURATION_ANNOTATION } from "./lib/platform";
import { KEDA_DEFAULT_MIN, RESOURCE_TRIGGERS, Scaler, scalingView } from "./lib/scaling";
import { forEachDeferringUnknowns } from "./lib/unknown";

const KEDA_TYPES: string[] = [T.ScaledObject, T.ScaledJob];
const kindRef = (type: string, props: Obj, name: string) => `${type.split(":").pop()} ${objectRef(props, name)}`;
const scalerRef = (s: Scaler) => `${s.kind} ${s.obj.namespace}/${s.obj.name}`;

/**
 * KEDA's maxReplicaCount defaults to 100 (ScaledObject and ScaledJob). A queue burst then asks for 100 pods: on GPU
 * workers that is 100 GPUs, most of them Pending on "Insufficient nvidia.com/gpu" while the autoscaler hits the
 * pool's max. The bound must be a deliberate number that the capacity rule can check.
 */
export const scaledObjectMax: ResourceValidationPolicy = {
  name: "keda-max-replicas-set",
  description: "ScaledObjects and ScaledJobs set maxReplicaCount explicitly (KEDA's default is 100), at least minReplicaCount.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Set spec.maxReplicaCount (workers: replicas.max in the stack config) to what the node pools can hold.",
  validateResource: (args, report) => {
    if (!KEDA_TYPES.includes(args.type) || isWaived(args.props, "keda-max-replicas-set")) return;
    const spec: Obj = args.props.spec ?? {};
    const max = toNumber(spec.maxReplicaCount);
    const ref = kindRef(args.type, args.props, args.name);
    if (max === undefined) report(`${ref}: maxReplicaCount is not set, so KEDA scales up to 100.`);
    else if (max < (toNumber(spec.minReplicaCount) ?? KEDA_DEFAULT_MIN)) report(`${ref}: maxReplicaCount ${max} is below minReplicaCount ${spec.minReplicaCount}.`);
  },
};

/**
 * With minReplicaCount 0 (KEDA's default) something must wake the workload from zero: cpu/memory triggers cannot
 * (there is no pod to measure), and KEDA's admission webhook rejects such a ScaledObject.
 */
export const minZeroNeedsQueueTrigger: ResourceValidationPolicy = {
  name: "keda-scale-to-zero-needs-event-trigger",
  description: "A ScaledObject that scales to zero has at least one trigger other than cpu/memory.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Add a queue trigger (redis, rabbitmq, prometheus) or set minReplicaCount to at least 1.",
  validateResource: (args, report) => {
    if (args.type !== T.ScaledObject || isWaived(args.props, "keda-scale-to-zero-needs-event-trigger")) return;
    const spec: Obj = args.props.spec ?? {};
    const min = toNumber(spec.minReplicaCount) ?? KEDA_DEFAULT_MIN;
    const types: string[] = (spec.triggers ?? []).map((t: Obj) => t.type);
    if (min === 0 && types.every((t) => RESOURCE_TRIGGERS.includes(t))) {
      report(`${kindRef(args.type, args.props, args.name)}: minReplicaCount is ${spec.minReplicaCount ?? "0 (default)"} but its triggers (${types.join(", ") || "none"}) cannot wake it from zero.`);
    }
  },
};

/** Utilisation is a percentage of requests: without a request the HPA has nothing to divide by and does not scale. */
export const resourceTriggersNeedRequests = stackPolicy(
  {
    name: "resource-metric-needs-requests",
    description: "cpu/memory triggers (KEDA) and Resource metrics (HPA) scale a workload whose containers request that resource.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Set resources.requests.<cpu|memory> on every container of the target (or point the trigger at one container with metadata.containerName).",
  },
  (model, _args, report) => {
    const { scalers } = scalingView(model);
    forEachDeferringUnknowns(scalers, (s) => {
      if (!s.target || isWaived(s.obj.resource.props, "resource-metric-needs-requests")) return;
      const triggers: Obj[] = s.kind === "ScaledObject" ? (s.obj.resource.props.spec?.triggers ?? []) : [];
      for (const resource of RESOURCE_TRIGGERS.filter((r) => s.triggers.includes(r))) {
        const only = triggers.find((t) => t.type === resource && t.metadata?.containerName)?.metadata?.containerName;
        for (const { container, name, kind } of containersOf(s.target.spec)) {
          if (kind !== "container" || (only && only !== name)) continue;
          if (container.resources?.requests?.[resource] === undefined) {
            report(`${scalerRef(s)} scales on ${resource} but ${s.target.obj.kind} ${s.target.obj.namespace}/${s.target.obj.name}, container '${name}', requests no ${resource}.`, s.obj.resource.urn);
          }
        }
      }
    });
  },
);

/** A ScaledObject/HPA whose target does not exist scales nothing; KEDA reports it only in the operator's logs. */
export const scaleTargetExists = stackPolicy(
  {
    name: "scale-target-exists",
    description: "Every ScaledObject/HPA targets a Deployment/StatefulSet of the same cluster and namespace in this stack.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Point spec.scaleTargetRef (kind, name) at a workload this stack creates in the same namespace, or remove the autoscaler.",
  },
  (model, _args, report) => {
    for (const s of scalingView(model).scalers) {
      if (s.target || isWaived(s.obj.resource.props, "scale-target-exists")) continue;
      // Custom scalable kinds (Argo Rollouts, ...) are not modelled; only the built-in ones are checked.
      if (!["Deployment", "StatefulSet", "ReplicaSet"].includes(s.targetKind)) continue;
      report(`${scalerRef(s)} targets ${s.targetKind} '${s.targetName}', which this stack does not create in namespace ${s.obj.namespace}${s.obj.cluster ? ` of cluster ${s.obj.cluster.name}` : ""}.`, s.obj.resource.urn);
    }
  },
);

/**
 * A workload scaled by KEDA/HPA must not set spec.replicas: every `pulumi up` resets the count the autoscaler chose
 * (scale-down in the middle of a burst), then the HPA scales back (pulumi-kubernetes #2491, #2569).
 */
export const scaleTargetNoReplicas = stackPolicy(
  {
    name: "scaled-workload-omits-replicas",
    description: "Workloads scaled by a ScaledObject/HPA do not set spec.replicas.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps: "Remove spec.replicas from the Deployment/StatefulSet; the ScaledObject's minReplicaCount sets the floor.",
  },
  (model, _args, report) => {
    for (const w of scalingView(model).workloads) {
      if (!w.scalers.length || isWaived(w.obj.resource.props, "scaled-workload-omits-replicas")) continue;
      const replicas = w.obj.resource.props.spec?.replicas;
      if (replicas !== undefined && replicas !== null) {
        report(`${w.obj.kind} ${w.obj.namespace}/${w.obj.name} sets spec.replicas ${replicas} but is scaled by ${w.scalers.map(scalerRef).join(", ")}.`, w.obj.resource.urn);
      }
    }
  },
);

/**
 * Two autoscalers on one workload fight: KEDA's webhook rejects a ScaledObject on a target another ScaledObject or
 * an HPA already manages, and two HPAs flip the replica count every sync.
 */
export const singleAutoscaler = stackPolicy(
  {
    name: "single-autoscaler-per-workload",
    description: "A workload is scaled by at most one ScaledObject or HPA.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Keep one ScaledObject per workload and put every trigger (queue and cpu/memory safety net) in it; delete the extra HPA/ScaledObject.",
  },
  (model, _args, report) => {
    for (const w of scalingView(model).workloads) {
      if (w.scalers.length > 1) report(`${w.obj.kind} ${w.obj.namespace}/${w.obj.name} is scaled by ${w.scalers.map(scalerRef).join(" and ")}.`, w.obj.resource.urn);
    }
  },
);

/** cluster-autoscaler's default --max-graceful-termination-sec (kubernetes/autoscaler FAQ). */
const CA_DEFAULT_MAX_GRACE = 600;

/** The longest grace the cluster autoscaler gives a pod when it drains a node of this cluster. */
function autoscalerGraceCap(model: StackModel, cluster: ReturnType<StackModel["clusterOf"]>): number {
  if (!cluster) return CA_DEFAULT_MAX_GRACE;
  if (cluster.cloud === "azure") {
    // azure-native's SDK name (what the analyzer sees); the ARM API calls it max-graceful-termination-sec.
    const profile = cluster.resource?.props.autoScalerProfile;
    const v = toNumber(profile?.maxGracefulTerminationSec ?? profile?.["max-graceful-termination-sec"]);
    return v ?? CA_DEFAULT_MAX_GRACE;
  }
  const chart = cluster.charts.find((c) => chartName(c) === "cluster-autoscaler");
  const v = toNumber(chart?.props.values?.extraArgs?.["max-graceful-termination-sec"]);
  void model;
  return v ?? CA_DEFAULT_MAX_GRACE;
}

/**
 * On scale-in the HPA picks which pod dies (kedacore/keda #6719) and the cluster autoscaler drains nodes; a worker
 * in the middle of a job gets SIGTERM and terminationGracePeriodSeconds (default 30 s) to finish, capped by the
 * autoscaler's max-graceful-termination-sec when it drains the node. A job longer than both is lost: run it as a
 * ScaledJob (one Job per message, not killed on scale-in) instead.
 */
export const scaleInSafety = stackPolicy(
  {
    name: "scale-in-safety",
    description: "Queue workers scaled by KEDA have a termination grace covering their declared max job duration, within the cluster autoscaler's cap.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      `Annotate the Deployment with ${MAX_JOB_DURATION_ANNOTATION}, set terminationGracePeriodSeconds at least that long and handle SIGTERM; ` +
      "a job longer than the autoscaler's max-graceful-termination-sec (600 s by default) must run in job mode (ScaledJob).",
  },
  (model, _args, report) => {
    const { workloads } = scalingView(model);
    forEachDeferringUnknowns(workloads, (w) => {
      if (isWaived(w.obj.resource.props, "scale-in-safety")) return;
      const ref = `${w.obj.kind} ${w.obj.namespace}/${w.obj.name}`;
      const declared = toNumber(annotationsOf(w.obj.resource.props)[MAX_JOB_DURATION_ANNOTATION]);
      if (w.obj.resource.type === T.ScaledJob) {
        const deadline = toNumber(w.obj.resource.props.spec?.jobTargetRef?.activeDeadlineSeconds);
        if (declared !== undefined && deadline !== undefined && deadline < declared) {
          report(`${ref}: activeDeadlineSeconds ${deadline} kills jobs before their declared max duration of ${declared} s.`, w.obj.resource.urn);
        }
        return;
      }
      const kedaScalers = w.scalers.filter((s) => s.kind === "ScaledObject" && s.triggers.some((t) => !["cpu", "memory"].includes(t)));
      if (!kedaScalers.length) return; // not a queue worker
      if (declared === undefined) {
        report(`${ref} is scaled by ${kedaScalers.map(scalerRef).join(", ")} but declares no ${MAX_JOB_DURATION_ANNOTATION}, so its scale-in safety cannot be checked.`, w.obj.resource.urn);
        return;
      }
      const grace = toNumber(w.spec.terminationGracePeriodSeconds) ?? 30;
      if (grace < declared) {
        report(`${ref}: terminationGracePeriodSeconds ${grace} is shorter than its max job duration of ${declared} s; jobs in flight are killed on scale-in.`, w.obj.resource.urn);
      }
      const cap = autoscalerGraceCap(model, w.obj.cluster);
      if (declared > cap) {
        report(`${ref}: its max job duration of ${declared} s exceeds the cluster autoscaler's max-graceful-termination-sec of ${cap} s${w.obj.cluster ? ` on ${w.obj.cluster.name}` : ""}; node scale-down kills jobs in flight. Run it in job mode (ScaledJob).`, w.obj.resource.urn);
      }
    });
  },
);

const APISERVICE = "kubernetes:apiregistration.k8s.io/v1:APIService";

/** `v1beta1.external.metrics.k8s.io` APIServices of a cluster and the Service behind each. */
function apiServices(model: StackModel, name: string) {
  return k8sObjects(model, [APISERVICE])
    .filter((a) => a.name === name)
    .map((a) => ({ obj: a, service: String(a.resource.props.spec?.service?.name ?? "") }));
}

/**
 * Only one APIService can serve external.metrics.k8s.io and KEDA's metrics server must own it (kedacore/keda #470);
 * metrics.k8s.io belongs to metrics-server. prometheus-adapter registers external metrics when rules.external is
 * non-empty and resource metrics when rules.resource is set (chart prometheus-adapter 5.x values.yaml).
 * Checked on the chart's values (offline plan, helm v3 Release) and on the APIService objects a chart renders
 * (`pulumi preview`, where a helm v4 Chart component carries no values but its children are resources).
 */
export const prometheusAdapterNoExternal = stackPolicy(
  {
    name: "prometheus-adapter-custom-metrics-only",
    description: "The prometheus-adapter registers neither external metrics (KEDA's) nor resource metrics (metrics-server's).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Remove rules.external and rules.resource from the prometheus-adapter values; queue metrics go through KEDA triggers, cpu/memory through metrics-server.",
  },
  (model, _args, report) => {
    const nonEmpty = (v: unknown) =>
      v !== undefined && v !== null && (Array.isArray(v) ? v.length > 0 : typeof v === "object" ? Object.keys(v as object).length > 0 : v !== false && v !== "");
    for (const chart of model.resources.filter((r) => r.type.startsWith("kubernetes:helm.sh/") && chartName(r) === "prometheus-adapter")) {
      const rules: Obj = chart.props.values?.rules ?? {};
      if (nonEmpty(rules.external)) report(`Chart ${chart.name}: values.rules.external registers external.metrics.k8s.io, which KEDA must own.`, chart.urn);
      if (nonEmpty(rules.resource)) report(`Chart ${chart.name}: values.rules.resource registers metrics.k8s.io, which metrics-server owns.`, chart.urn);
    }
    for (const { obj, service } of apiServices(model, "v1beta1.external.metrics.k8s.io")) {
      if (!/keda/.test(service)) report(`APIService ${obj.name} is served by ${service || "an unknown service"}, not KEDA's metrics server.`, obj.resource.urn);
    }
    for (const { obj, service } of apiServices(model, "v1beta1.metrics.k8s.io")) {
      if (!/metrics-server/.test(service)) report(`APIService ${obj.name} is served by ${service || "an unknown service"}, not metrics-server.`, obj.resource.urn);
    }
  },
);

/** AKS runs its own metrics-server; a second one fights over the metrics.k8s.io APIService (AKS docs). */
export const noMetricsServerOnAks = stackPolicy(
  {
    name: "no-metrics-server-chart-on-aks",
    description: "No metrics-server chart is installed on AKS clusters, which ship their own.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps: "Do not install the metrics-server add-on on AKS clusters (addons.metricsServer applies to EKS and existing clusters only).",
  },
  (model, _args, report) => {
    for (const c of model.clusters.filter((c) => c.cloud === "azure")) {
      for (const chart of c.charts.filter((ch) => chartName(ch) === "metrics-server")) {
        report(`Chart ${chart.name} installs metrics-server on AKS cluster ${c.name}, which already runs one.`, chart.urn);
      }
      for (const { obj } of apiServices(model, "v1beta1.metrics.k8s.io").filter((a) => a.obj.cluster === c)) {
        report(`APIService ${obj.name} on AKS cluster ${c.name} would replace the metrics-server AKS runs.`, obj.resource.urn);
      }
    }
  },
);

export const autoscalingPolicies = [
  scaledObjectMax,
  minZeroNeedsQueueTrigger,
  resourceTriggersNeedRequests,
  scaleTargetExists,
  scaleTargetNoReplicas,
  singleAutoscaler,
  scaleInSafety,
  prometheusAdapterNoExternal,
  noMetricsServerOnAks,
];
