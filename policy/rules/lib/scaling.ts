import { toNumber } from "./common.ts";
import type { Obj } from "./k8s.ts";
import { gpusPerPod, podSpecOf, SCALABLE_KINDS, T, WORKLOAD_TYPES } from "./k8s.ts";
import type { K8sObject, StackModel } from "./model.ts";
import { k8sObjects } from "./model.ts";

/** KEDA's defaults when a ScaledObject/ScaledJob omits them (keda.sh/docs/2.20/reference/scaledobject-spec). */
export const KEDA_DEFAULT_MAX = 100;
export const KEDA_DEFAULT_MIN = 0;
/** Triggers that read the resource metrics API, not a queue. */
export const RESOURCE_TRIGGERS = ["cpu", "memory"];

/** A ScaledObject or HPA and the workload it scales. */
export interface Scaler {
  obj: K8sObject;
  kind: "ScaledObject" | "HorizontalPodAutoscaler";
  targetKind: string;
  targetName: string;
  target?: Workload;
  min: number;
  max: number;
  /** Whether max was set explicitly (false: KEDA's default of 100). */
  maxSet: boolean;
  /** Trigger types (ScaledObject) or metric kinds (HPA: cpu/memory for Resource metrics, else the metric type). */
  triggers: string[];
}

export interface Workload {
  obj: K8sObject;
  spec: Obj;
  gpus: number;
  /** Most pods it can run at once, and where that number comes from. */
  maxPods: number;
  maxSource: string;
  scalers: Scaler[];
}

export interface ScalingView {
  workloads: Workload[];
  scalers: Scaler[];
}

/** Workloads, their autoscalers and their worst-case pod counts. */
export function scalingView(model: StackModel): ScalingView {
  const workloads: Workload[] = k8sObjects(model, WORKLOAD_TYPES).map((obj) => {
    const spec = podSpecOf(obj.resource.type, obj.resource.props) ?? {};
    return { obj, spec, gpus: gpusPerPod(spec), maxPods: 1, maxSource: "", scalers: [] };
  });
  const scalers: Scaler[] = k8sObjects(model, [T.ScaledObject, T.HPA]).map((obj) => {
    const spec: Obj = obj.resource.props.spec ?? {};
    const ref: Obj = spec.scaleTargetRef ?? {};
    const isKeda = obj.resource.type === T.ScaledObject;
    const triggers: string[] = isKeda
      ? (spec.triggers ?? []).map((t: Obj) => String(t.type))
      : (spec.metrics ?? []).map((m: Obj) =>
          m.type === "Resource" || m.type === "ContainerResource"
            ? String((m.resource ?? m.containerResource)?.name)
            : String(m.type),
        );
    const maxRaw = toNumber(isKeda ? spec.maxReplicaCount : spec.maxReplicas);
    const scaler: Scaler = {
      obj,
      kind: isKeda ? "ScaledObject" : "HorizontalPodAutoscaler",
      targetKind: String(ref.kind ?? (isKeda ? "Deployment" : "")),
      targetName: String(ref.name ?? ""),
      min: toNumber(isKeda ? spec.minReplicaCount : spec.minReplicas) ?? (isKeda ? KEDA_DEFAULT_MIN : 1),
      max: maxRaw ?? KEDA_DEFAULT_MAX,
      maxSet: maxRaw !== undefined,
      triggers,
    };
    scaler.target = workloads.find(
      (w) =>
        w.obj.cluster === obj.cluster &&
        w.obj.namespace === obj.namespace &&
        w.obj.name === scaler.targetName &&
        SCALABLE_KINDS[scaler.targetKind] === w.obj.resource.type,
    );
    scaler.target?.scalers.push(scaler);
    return scaler;
  });
  for (const w of workloads) {
    const spec: Obj = w.obj.resource.props.spec ?? {};
    const kind = w.obj.kind;
    if (w.scalers.length) {
      w.maxPods = Math.max(...w.scalers.map((s) => s.max));
      const s = w.scalers.find((x) => x.max === w.maxPods)!;
      w.maxSource = `${s.kind} max${s.maxSet ? "" : " (KEDA default)"}`;
    } else if (w.obj.resource.type === T.ScaledJob) {
      const max = toNumber(spec.maxReplicaCount);
      const parallelism = toNumber(spec.jobTargetRef?.parallelism) ?? 1;
      w.maxPods = (max ?? KEDA_DEFAULT_MAX) * parallelism;
      w.maxSource = `ScaledJob maxReplicaCount${max === undefined ? " (KEDA default)" : ""}${parallelism > 1 ? ` × parallelism ${parallelism}` : ""}`;
    } else if (w.obj.resource.type === T.Job) {
      w.maxPods = toNumber(spec.parallelism) ?? 1;
      w.maxSource = "Job parallelism";
    } else if (w.obj.resource.type === T.CronJob) {
      w.maxPods = toNumber(spec.jobTemplate?.spec?.parallelism) ?? 1;
      w.maxSource = "CronJob parallelism";
    } else if (kind === "Pod") {
      w.maxPods = 1;
      w.maxSource = "bare pod";
    } else {
      w.maxPods = toNumber(spec.replicas) ?? 1;
      w.maxSource = "spec.replicas";
    }
  }
  return { workloads, scalers };
}
