import type { ResourceValidationPolicy } from "@pulumi/policy";
import { annotationOf, asArray, isProduction, isWaived, objectRef, productionSchema, toNumber } from "./lib/common.ts";
import type { Obj } from "./lib/k8s.ts";
import { containersOf, isChartChild, podSpecOf, SCALABLE_KINDS, T } from "./lib/k8s.ts";
import type { K8sObject, StackModel } from "./lib/model.ts";
import { chartIs, isChart, k8sObjects } from "./lib/model.ts";
import { stackPolicy } from "./lib/stack.ts";
import {
  GRACE_CAP_ANNOTATION,
  MAX_JOB_DURATION_ANNOTATION,
  SCALED_BY_ANNOTATION,
  SCALED_BY_VALUES,
} from "./lib/platform.ts";
import type { Scaler, Workload } from "./lib/scaling.ts";
import {
  behaviorProblems,
  KEDA_DEFAULT_MAX,
  KEDA_DEFAULT_MIN,
  measuresOwnPods,
  RESOURCE_TRIGGERS,
  scalingView,
} from "./lib/scaling.ts";
import { forEachDeferringUnknowns } from "./lib/unknown.ts";

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
  description:
    "ScaledObjects and ScaledJobs set maxReplicaCount explicitly (KEDA's default is 100), at least minReplicaCount.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Set spec.maxReplicaCount (workers: replicas.max in the stack config) to what the node pools can hold.",
  validateResource: (args, report) => {
    if (!KEDA_TYPES.includes(args.type) || isWaived(args.props, "keda-max-replicas-set")) return;
    const spec: Obj = args.props.spec ?? {};
    const max = toNumber(spec.maxReplicaCount);
    const ref = kindRef(args.type, args.props, args.name);
    if (max === undefined) report(`${ref}: maxReplicaCount is not set, so KEDA scales up to 100.`);
    else if (max < (toNumber(spec.minReplicaCount) ?? KEDA_DEFAULT_MIN))
      report(`${ref}: maxReplicaCount ${max} is below minReplicaCount ${spec.minReplicaCount}.`);
  },
};

/**
 * With minReplicaCount 0 (KEDA's default) something must wake the workload from zero: triggers that measure the
 * workload's own pods cannot (there is no pod to measure): cpu/memory, which KEDA's admission webhook rejects alone,
 * and a prometheus trigger on the pods' GPU utilisation (DCGM), which KEDA accepts and which then never fires.
 */
export const minZeroNeedsQueueTrigger: ResourceValidationPolicy = {
  name: "keda-scale-to-zero-needs-event-trigger",
  description:
    "A ScaledObject that scales to zero has at least one trigger that does not measure its own pods (cpu, memory, DCGM GPU utilisation).",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Add a queue trigger (redis, rabbitmq, a prometheus query on a backlog) or set minReplicaCount to at least 1.",
  validateResource: (args, report) => {
    if (args.type !== T.ScaledObject || isWaived(args.props, "keda-scale-to-zero-needs-event-trigger")) return;
    const spec: Obj = args.props.spec ?? {};
    const min = toNumber(spec.minReplicaCount) ?? KEDA_DEFAULT_MIN;
    const triggers: Obj[] = spec.triggers ?? [];
    if (min === 0 && triggers.every(measuresOwnPods)) {
      const shown = triggers.map((t) => (t.type === "prometheus" ? "prometheus (GPU utilisation)" : String(t.type)));
      report(
        `${kindRef(args.type, args.props, args.name)}: minReplicaCount is ${spec.minReplicaCount ?? "0 (default)"} but its triggers (${shown.join(", ") || "none"}) measure its own pods and cannot wake it from zero.`,
      );
    }
  },
};

/**
 * A memory trigger next to a queue trigger holds a worker at its max: the HPA asks for ceil(current × usage / target)
 * replicas and takes the largest proposal of its metrics (kubernetes.io, "Horizontal Pod Autoscaling"), and memory per
 * pod (model, runtime, caches) does not fall when replicas are added, unlike the queue length per replica or CPU. Above
 * the target every sync adds replicas up to maxReplicaCount, and the queue trigger can no longer scale in; only the
 * queue going idle ends it (KEDA deactivates on the non-resource triggers: keda.sh/docs/2.20/scalers/memory).
 * Advisory: a worker whose memory does follow its load (in-memory batches) may want it; waive it there.
 */
export const noMemoryTriggerOnQueueWorkers: ResourceValidationPolicy = {
  name: "no-memory-trigger-on-queue-workers",
  description: "ScaledObjects with a queue (event) trigger do not also scale on memory.",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps:
    "Remove the memory trigger (workers: safetyNet.memoryUtilization in the stack config); scale on the queue and cpu, and size requests.memory for the peak.",
  validateResource: (args, report) => {
    if (args.type !== T.ScaledObject || isWaived(args.props, "no-memory-trigger-on-queue-workers")) return;
    const spec: Obj = args.props.spec ?? {};
    const types: string[] = (spec.triggers ?? []).map((t: Obj) => String(t.type));
    const events = types.filter((t) => !RESOURCE_TRIGGERS.includes(t));
    if (!types.includes("memory") || events.length === 0) return;
    report(
      `${kindRef(args.type, args.props, args.name)} scales on ${events.join(", ")} and on memory: memory per pod does not fall when replicas are added, so above its target the HPA holds the worker at maxReplicaCount (${spec.maxReplicaCount ?? KEDA_DEFAULT_MAX}) while the queue is active.`,
    );
  },
};

/**
 * A worker that scales to zero and whose scaler cannot read its metric (credentials, network, the queue down) stays
 * at zero: KEDA only records the error in the ScaledObject's status. With `fallback` KEDA runs `fallback.replicas`
 * after `failureThreshold` failed reads, also from zero since KEDA 2.19 (kedacore/keda #7239, fixed by #7244).
 * Advisory: staying at zero can be the intent. ScaledJobs have no fallback (KEDA ScaledObject spec).
 */
export const minZeroHasFallback: ResourceValidationPolicy = {
  name: "keda-scale-to-zero-has-fallback",
  description: "A ScaledObject that scales to zero has a fallback (replicas > 0) for when its triggers fail.",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps:
    "Set spec.fallback {failureThreshold, replicas} (workers: the `fallback` key; the program sets one for min-0 workers unless `fallback: false`).",
  validateResource: (args, report) => {
    if (args.type !== T.ScaledObject || isWaived(args.props, "keda-scale-to-zero-has-fallback")) return;
    const spec: Obj = args.props.spec ?? {};
    if ((toNumber(spec.minReplicaCount) ?? KEDA_DEFAULT_MIN) !== 0) return;
    // A fallback on a worker that also scales on its GPUs' utilisation would wake it on every Prometheus outage (KEDA
    // counts failures per trigger, and a trigger in fallback is active: kedacore/keda v2.20.2 scale_handler.go).
    if (!spec.fallback && (spec.triggers ?? []).some((t: Obj) => t.type === "prometheus" && measuresOwnPods(t))) return;
    const replicas = toNumber(spec.fallback?.replicas);
    if (!spec.fallback || !replicas)
      report(
        `${kindRef(args.type, args.props, args.name)} scales to zero ${spec.fallback ? "with fallback.replicas 0" : "without a fallback"}: if its scaler cannot read its queue it stays at zero silently.`,
      );
  },
};

/**
 * The HPA's `behavior` is validated by the API server when it is an HPA's, but KEDA copies a ScaledObject's
 * `advanced.horizontalPodAutoscalerConfig.behavior` into the HPA it creates: the ScaledObject is accepted, and the
 * HPA is rejected in KEDA's operator, where only its logs and the ScaledObject's status show it (stabilization above
 * 3600 s: kedacore/keda #4976). So both are checked against the API's rules before deploying.
 */
export const hpaBehaviorValid: ResourceValidationPolicy = {
  name: "hpa-behavior-valid",
  description:
    "HPA behaviour (an HPA's spec.behavior, a ScaledObject's advanced.horizontalPodAutoscalerConfig.behavior) follows the autoscaling/v2 API's rules.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Keep stabilizationWindowSeconds within 0..3600, periodSeconds within 1..1800, values > 0, types Pods/Percent, selectPolicy Max/Min/Disabled, and at least one policy per direction (or omit policies).",
  validateResource: (args, report) => {
    if ((args.type !== T.ScaledObject && args.type !== T.HPA) || isWaived(args.props, "hpa-behavior-valid")) return;
    const spec: Obj = args.props.spec ?? {};
    const behavior: Obj | undefined =
      args.type === T.HPA ? spec.behavior : spec.advanced?.horizontalPodAutoscalerConfig?.behavior;
    for (const problem of behaviorProblems(behavior))
      report(`${kindRef(args.type, args.props, args.name)}: behavior.${problem}.`);
  },
};

/** Utilisation is a percentage of requests: without a request the HPA has nothing to divide by and does not scale. */
export const resourceTriggersNeedRequests = stackPolicy(
  {
    name: "resource-metric-needs-requests",
    description:
      "cpu/memory triggers (KEDA) and Resource metrics (HPA) scale a workload whose containers request that resource.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      "Set resources.requests.<cpu|memory> on every container of the target (or point the trigger at one container with metadata.containerName).",
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
            report(
              `${scalerRef(s)} scales on ${resource} but ${s.target.obj.kind} ${s.target.obj.namespace}/${s.target.obj.name}, container '${name}', requests no ${resource}.`,
              s.obj.resource.urn,
            );
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
    description:
      "Every ScaledObject/HPA targets a Deployment/StatefulSet of the same cluster and namespace in this stack.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      "Point spec.scaleTargetRef (kind, name) at a workload this stack creates in the same namespace, or remove the autoscaler.",
  },
  (model, _args, report) => {
    for (const s of scalingView(model).scalers) {
      if (s.target || isWaived(s.obj.resource.props, "scale-target-exists")) continue;
      // Custom scalable kinds (Argo Rollouts, ...) are not modelled; only the built-in ones are checked.
      if (!["Deployment", "StatefulSet", "ReplicaSet"].includes(s.targetKind)) continue;
      report(
        `${scalerRef(s)} targets ${s.targetKind} '${s.targetName}', which this stack does not create in namespace ${s.obj.namespace}${s.obj.cluster ? ` of cluster ${s.obj.cluster.name}` : ""}.`,
        s.obj.resource.urn,
      );
    }
  },
);

const SCALED_BY_KINDS = Object.values(SCALABLE_KINDS);

/**
 * A workload scaled by KEDA/HPA must not set spec.replicas: every `pulumi up` resets the count the autoscaler chose
 * (scale-down in the middle of a burst), then the HPA scales back (pulumi-kubernetes #2491, #2569).
 *
 * A RESOURCE rule on purpose: it must see the Deployment's inputs. A stack rule gets outputs under the CLI, and a live
 * Deployment's outputs always have spec.replicas (the API server's default of 1, or what the HPA last wrote), so a
 * stack rule reading replicas would flag every autoscaled workload once deployed. Which workloads are scaled is
 * therefore read from the program's SCALED_BY_ANNOTATION, which scaled-workload-marked keeps honest.
 */
export const scaleTargetNoReplicas: ResourceValidationPolicy = {
  name: "scaled-workload-omits-replicas",
  description: `Deployments/StatefulSets annotated ${SCALED_BY_ANNOTATION} (scaled by a ScaledObject/HPA) do not set spec.replicas.`,
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    "Remove spec.replicas from the Deployment/StatefulSet; the ScaledObject's minReplicaCount (HPA: minReplicas) sets the floor.",
  validateResource: (args, report) => {
    if (!SCALED_BY_KINDS.includes(args.type)) return;
    const scaledBy = annotationOf(args.props, SCALED_BY_ANNOTATION);
    if (!scaledBy || isWaived(args.props, "scaled-workload-omits-replicas")) return;
    // Read through the unknown-checking proxy: an unknown replicas count aborts the rule ("can't run"), never passes.
    const replicas = (args.props.spec as Obj | undefined)?.replicas;
    if (replicas !== undefined && replicas !== null) {
      report(
        `${kindRef(args.type, args.props, args.name)} is scaled by ${scaledBy} (${SCALED_BY_ANNOTATION}) but sets spec.replicas ${replicas}; every pulumi up resets the autoscaler's count.`,
      );
    }
  },
};

/**
 * The cross-resource half of scaled-workload-omits-replicas: every Deployment/StatefulSet a ScaledObject or HPA of the
 * stack targets carries SCALED_BY_ANNOTATION (with the value of its autoscaler), so the resource rule knows to check
 * it. Reads only annotations and scaleTargetRef, which are the same in inputs (offline) and outputs (CLI), never
 * spec.replicas. Objects a Helm chart renders (resources of the stack under the CLI only) are skipped.
 */
export const scaledWorkloadMarked = stackPolicy(
  {
    name: "scaled-workload-marked",
    description: `Every Deployment/StatefulSet scaled by a ScaledObject/HPA of the stack carries the ${SCALED_BY_ANNOTATION} annotation naming its autoscaler.`,
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
      `Annotate the target's metadata with ${SCALED_BY_ANNOTATION}: "keda" (ScaledObject) or "hpa" (HorizontalPodAutoscaler) ` +
      "(components/workloads does this for workers and services), and do not set its spec.replicas.",
  },
  (model, _args, report) => {
    forEachDeferringUnknowns(scalingView(model).workloads, (w) => {
      if (!w.scalers.length || isWaived(w.obj.resource.props, "scaled-workload-marked")) return;
      // Under the CLI a chart's rendered objects are resources too; their replicas are the chart's (pinned) business.
      if (isChartChild(w.obj.resource.urn)) return;
      const ref = `${w.obj.kind} ${w.obj.namespace}/${w.obj.name}`;
      const value = annotationOf(w.obj.resource.props, SCALED_BY_ANNOTATION);
      if (!value) {
        report(
          `${ref} is scaled by ${w.scalers.map(scalerRef).join(", ")} but lacks the ${SCALED_BY_ANNOTATION} annotation, so scaled-workload-omits-replicas cannot check it.`,
          w.obj.resource.urn,
        );
        return;
      }
      const kinds = new Set(w.scalers.map((s) => s.kind));
      if (!SCALED_BY_VALUES[value] || !kinds.has(SCALED_BY_VALUES[value])) {
        const expected = Object.keys(SCALED_BY_VALUES).filter((v) => kinds.has(SCALED_BY_VALUES[v]));
        report(
          `${ref}: ${SCALED_BY_ANNOTATION} is '${value}' but it is scaled by ${w.scalers.map(scalerRef).join(", ")} (expected '${expected.join("' or '")}').`,
          w.obj.resource.urn,
        );
      }
    });
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
    remediationSteps:
      "Keep one ScaledObject per workload and put every trigger (queue and cpu/memory safety net) in it; delete the extra HPA/ScaledObject.",
  },
  (model, _args, report) => {
    for (const w of scalingView(model).workloads) {
      if (w.scalers.length > 1)
        report(
          `${w.obj.kind} ${w.obj.namespace}/${w.obj.name} is scaled by ${w.scalers.map(scalerRef).join(" and ")}.`,
          w.obj.resource.urn,
        );
    }
  },
);

/** cluster-autoscaler's default --max-graceful-termination-sec (kubernetes/autoscaler FAQ). */
const CA_DEFAULT_MAX_GRACE = 600;
const GRACE_FLAG = /--max-graceful-termination-sec=([0-9]+)/;

/**
 * The longest grace the cluster autoscaler gives a pod of workload `w` when it drains a node, and where it comes from.
 * Sources in order, so that it holds offline (inputs) and under the CLI (stack rules get outputs):
 * 1. the worker's GRACE_CAP_ANNOTATION, set by the program from the value it configured (same in inputs and outputs);
 * 2. AKS: the ManagedCluster's autoScalerProfile.maxGracefulTerminationSec (same name in azure-native outputs);
 * 3. EKS: the cluster-autoscaler chart's values.extraArgs (offline only: a helm.v4.Chart's outputs have no values),
 *    else the `--max-graceful-termination-sec=` argument of the Deployment it renders (CLI: the chart's children);
 * 4. the autoscaler's default, 600 s.
 */
function autoscalerGraceCap(model: StackModel, w: Workload): { cap: number; source: string } {
  const annotated = toNumber(annotationOf(w.obj.resource.props, GRACE_CAP_ANNOTATION));
  if (annotated !== undefined) return { cap: annotated, source: GRACE_CAP_ANNOTATION };
  const cluster = w.obj.cluster;
  if (cluster?.cloud === "azure") {
    // azure-native's SDK name (what the analyzer sees); the ARM API calls it max-graceful-termination-sec.
    const profile = cluster.resource?.props.autoScalerProfile;
    const v = toNumber(profile?.maxGracefulTerminationSec ?? profile?.["max-graceful-termination-sec"]);
    if (v !== undefined) return { cap: v, source: "the AKS autoScalerProfile" };
  }
  for (const chart of cluster?.charts.filter((c) => chartIs(c, ["cluster-autoscaler"])) ?? []) {
    const v = toNumber(chart.props.values?.extraArgs?.["max-graceful-termination-sec"]);
    if (v !== undefined) return { cap: v, source: `chart ${chart.name} values` };
    for (const child of model.descendantsOf(chart).filter((r) => r.type === T.Deployment)) {
      for (const { container } of containersOf(podSpecOf(child.type, child.props) ?? {})) {
        const flag = [...asArray<unknown>(container.command), ...asArray<unknown>(container.args)]
          .map((a) => GRACE_FLAG.exec(String(a)))
          .find(Boolean);
        if (flag) return { cap: Number(flag[1]), source: `chart ${chart.name}'s Deployment arguments` };
      }
    }
  }
  return { cap: CA_DEFAULT_MAX_GRACE, source: "the cluster autoscaler's default" };
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
    description:
      "Queue workers scaled by KEDA have a termination grace covering their declared max job duration, within the cluster autoscaler's cap.",
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
      const declared = toNumber(annotationOf(w.obj.resource.props, MAX_JOB_DURATION_ANNOTATION));
      if (w.obj.resource.type === T.ScaledJob) {
        const deadline = toNumber(w.obj.resource.props.spec?.jobTargetRef?.activeDeadlineSeconds);
        if (declared !== undefined && deadline !== undefined && deadline < declared) {
          report(
            `${ref}: activeDeadlineSeconds ${deadline} kills jobs before their declared max duration of ${declared} s.`,
            w.obj.resource.urn,
          );
        }
        return;
      }
      const kedaScalers = w.scalers.filter(
        (s) => s.kind === "ScaledObject" && s.triggers.some((t) => !["cpu", "memory"].includes(t)),
      );
      if (!kedaScalers.length) return; // not a queue worker
      if (declared === undefined) {
        report(
          `${ref} is scaled by ${kedaScalers.map(scalerRef).join(", ")} but declares no ${MAX_JOB_DURATION_ANNOTATION}, so its scale-in safety cannot be checked.`,
          w.obj.resource.urn,
        );
        return;
      }
      const grace = toNumber(w.spec.terminationGracePeriodSeconds) ?? 30;
      if (grace < declared) {
        report(
          `${ref}: terminationGracePeriodSeconds ${grace} is shorter than its max job duration of ${declared} s; jobs in flight are killed on scale-in.`,
          w.obj.resource.urn,
        );
      }
      const { cap, source } = autoscalerGraceCap(model, w);
      if (declared > cap) {
        report(
          `${ref}: its max job duration of ${declared} s exceeds the cluster autoscaler's max-graceful-termination-sec of ${cap} s${w.obj.cluster ? ` on ${w.obj.cluster.name}` : ""} (from ${source}); node scale-down kills jobs in flight. Run it in job mode (ScaledJob).`,
          w.obj.resource.urn,
        );
      }
    });
  },
);

const APISERVICE = "kubernetes:apiregistration.k8s.io/v1:APIService";

/** APIServices of the stack with the given name (e.g. `v1beta1.external.metrics.k8s.io`) and the Service behind each. */
function apiServices(model: StackModel, name: string) {
  return k8sObjects(model, [APISERVICE])
    .filter((a) => a.name === name)
    .map((a) => ({ obj: a, service: String(a.resource.props.spec?.service?.name ?? "") }));
}

const nonEmpty = (v: unknown) =>
  v !== undefined &&
  v !== null &&
  (Array.isArray(v) ? v.length > 0 : typeof v === "object" ? Object.keys(v).length > 0 : v !== false && v !== "");

/**
 * Only one APIService can serve external.metrics.k8s.io and KEDA's metrics server must own it (kedacore/keda #470);
 * metrics.k8s.io belongs to metrics-server. prometheus-adapter registers external metrics when rules.external is
 * non-empty and resource metrics when rules.resource is set (chart prometheus-adapter 5.x values.yaml).
 * Two shapes, both checked: offline (and for a helm.v3 Release) the chart's `values`; under the CLI a helm.v4 Chart's
 * props are its outputs, without values, but the APIService objects it renders are resources of the stack (its
 * children), each naming the Service behind it.
 */
export const prometheusAdapterNoExternal = stackPolicy(
  {
    name: "prometheus-adapter-custom-metrics-only",
    description:
      "The prometheus-adapter registers neither external metrics (KEDA's) nor resource metrics (metrics-server's).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      "Remove rules.external and rules.resource from the prometheus-adapter values; queue metrics go through KEDA triggers, cpu/memory through metrics-server.",
  },
  (model, _args, report) => {
    for (const chart of model.resources.filter((r) => isChart(r) && chartIs(r, ["prometheus-adapter"]))) {
      const rules: Obj = chart.props.values?.rules ?? {};
      if (nonEmpty(rules.external))
        report(
          `Chart ${chart.name}: values.rules.external registers external.metrics.k8s.io, which KEDA must own.`,
          chart.urn,
        );
      if (nonEmpty(rules.resource))
        report(
          `Chart ${chart.name}: values.rules.resource registers metrics.k8s.io, which metrics-server owns.`,
          chart.urn,
        );
    }
    const from = (r: K8sObject) => {
      const chart = model.chartOf(r.resource);
      return chart ? ` (rendered by chart ${chart.name})` : "";
    };
    for (const { obj, service } of apiServices(model, "v1beta1.external.metrics.k8s.io")) {
      if (!/keda/.test(service))
        report(
          `APIService ${obj.name}${from(obj)} is served by ${service || "an unknown service"}, not KEDA's metrics server.`,
          obj.resource.urn,
        );
    }
    for (const { obj, service } of apiServices(model, "v1beta1.metrics.k8s.io")) {
      if (!/metrics-server/.test(service))
        report(
          `APIService ${obj.name}${from(obj)} is served by ${service || "an unknown service"}, not metrics-server.`,
          obj.resource.urn,
        );
    }
  },
);

/**
 * AKS runs its own metrics-server; a second one fights over the metrics.k8s.io APIService (AKS docs). The chart is
 * recognised by `chart` (offline) or by its resource name `<cluster>-metrics-server` (CLI, v4 Chart outputs), and any
 * `v1beta1.metrics.k8s.io` APIService the stack puts on an AKS cluster is reported too (CLI: the chart's children,
 * whatever the chart is called), once per chart.
 */
export const noMetricsServerOnAks = stackPolicy(
  {
    name: "no-metrics-server-chart-on-aks",
    description: "No metrics-server chart is installed on AKS clusters, which ship their own.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
      "Do not install the metrics-server add-on on AKS clusters (addons.metricsServer applies to EKS and existing clusters only).",
  },
  (model, _args, report) => {
    for (const c of model.clusters.filter((c) => c.cloud === "azure")) {
      const reported = new Set<string>();
      for (const chart of c.charts.filter((ch) => chartIs(ch, ["metrics-server"]))) {
        report(
          `Chart ${chart.name} installs metrics-server on AKS cluster ${c.name}, which already runs one.`,
          chart.urn,
        );
        reported.add(chart.urn);
      }
      for (const { obj } of apiServices(model, "v1beta1.metrics.k8s.io").filter((a) => a.obj.cluster === c)) {
        const chart = model.chartOf(obj.resource);
        if (chart && reported.has(chart.urn)) continue;
        report(
          `APIService ${obj.name}${chart ? ` (rendered by chart ${chart.name})` : ""} on AKS cluster ${c.name} would replace the metrics-server AKS runs.`,
          obj.resource.urn,
        );
        if (chart) reported.add(chart.urn);
      }
    }
  },
);

/** Default floor of `production-min-replicas` (its `minReplicas` setting). */
export const PRODUCTION_MIN_REPLICAS = 2;

/**
 * A service with one replica is down for every node drain, spot eviction, rollout hiccup or zone loss, and the HPA
 * cannot scale it up faster than a pod starts. In production an HPA's minReplicas has a floor (setting
 * `minReplicas`, default 2), which with the PDB the platform adds in production keeps one pod serving through a
 * drain. Queue workers (ScaledObjects) are exempt: scaling them to zero is the point, and a queue absorbs the gap.
 */
export const productionMinReplicas: ResourceValidationPolicy = {
  name: "production-min-replicas",
  description: "In production, HorizontalPodAutoscalers (services) keep at least `minReplicas` replicas (default 2).",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    "Raise the service's replicas.min in the stack config (HPA minReplicas), or lower this rule's minReplicas for the stack.",
  configSchema: {
    properties: {
      ...productionSchema,
      minReplicas: {
        type: "integer",
        minimum: 1,
        default: PRODUCTION_MIN_REPLICAS,
        description: "Lowest HPA minReplicas allowed in production.",
      },
    },
  },
  validateResource: (args, report) => {
    if (args.type !== T.HPA || isWaived(args.props, "production-min-replicas")) return;
    const config = args.getConfig<{ production?: boolean; minReplicas?: number }>();
    if (!isProduction(config, args.urn)) return;
    const floor = config.minReplicas ?? PRODUCTION_MIN_REPLICAS;
    // Read through the proxy: an unknown minReplicas aborts the rule ("can't run"), never passes. Kubernetes defaults it to 1.
    const min = toNumber((args.props.spec as Obj | undefined)?.minReplicas) ?? 1;
    if (min < floor)
      report(
        `${kindRef(args.type, args.props, args.name)}: minReplicas ${min} is below the production floor of ${floor}; one node drain takes the service down.`,
      );
  },
};

export const autoscalingPolicies = [
  productionMinReplicas,
  scaledObjectMax,
  minZeroNeedsQueueTrigger,
  noMemoryTriggerOnQueueWorkers,
  minZeroHasFallback,
  hpaBehaviorValid,
  resourceTriggersNeedRequests,
  scaleTargetExists,
  scaleTargetNoReplicas,
  scaledWorkloadMarked,
  singleAutoscaler,
  scaleInSafety,
  prometheusAdapterNoExternal,
  noMetricsServerOnAks,
];
