import { toNumber } from "./common.ts";
import type { Obj } from "./k8s.ts";
import type { GpuVendor } from "./platform.ts";
import { gpuVendorOfPod, gpusPerPod, podSpecOf, SCALABLE_KINDS, T, WORKLOAD_TYPES } from "./k8s.ts";
import type { K8sObject, StackModel } from "./model.ts";
import { k8sObjects } from "./model.ts";
import { GPU_UTIL_METRIC } from "./platform.ts";

/** KEDA's defaults when a ScaledObject/ScaledJob omits them (keda.sh/docs/2.20/reference/scaledobject-spec). */
export const KEDA_DEFAULT_MAX = 100;
export const KEDA_DEFAULT_MIN = 0;
/** Triggers that read the resource metrics API, not a queue. */
export const RESOURCE_TRIGGERS = ["cpu", "memory"];

/**
 * Whether a KEDA trigger measures the target's own pods, so that it reads nothing at zero replicas and cannot wake
 * the workload: cpu/memory (resource metrics), and prometheus triggers on the DCGM GPU utilisation (the program's
 * `gpu` triggers: one series per GPU in use, labelled with its pod).
 */
export function measuresOwnPods(t: Obj): boolean {
  if (RESOURCE_TRIGGERS.includes(String(t.type))) return true;
  return t.type === "prometheus" && String(t.metadata?.query ?? "").includes(GPU_UTIL_METRIC);
}

/** HPA behaviour limits (kubernetes pkg/apis/autoscaling/validation/validation.go). */
export const HPA_MAX_PERIOD_SECONDS = 1800;
export const HPA_MAX_STABILIZATION_SECONDS = 3600;

/**
 * What the autoscaling/v2 API would reject in a `behavior` (validateBehavior/validateScalingRules/
 * validateScalingPolicy): a window outside 0..3600, a selectPolicy other than Max/Min/Disabled, an explicit empty
 * `policies` (an omitted one gets the defaults, pkg/apis/autoscaling/v2/defaults.go), a policy type other than
 * Pods/Percent, a value <= 0, a period outside 1..1800. One line per problem, naming the field.
 */
export function behaviorProblems(behavior: Obj | undefined): string[] {
  const out: string[] = [];
  for (const dir of ["scaleUp", "scaleDown"]) {
    const r: Obj | undefined = behavior?.[dir];
    if (!r) continue;
    const w = toNumber(r.stabilizationWindowSeconds);
    if (w !== undefined && (w < 0 || w > HPA_MAX_STABILIZATION_SECONDS))
      out.push(`${dir}.stabilizationWindowSeconds ${w} is outside 0..${HPA_MAX_STABILIZATION_SECONDS}`);
    if (r.selectPolicy !== undefined && !["Max", "Min", "Disabled"].includes(String(r.selectPolicy)))
      out.push(`${dir}.selectPolicy '${r.selectPolicy}' is not Max, Min or Disabled`);
    if (Array.isArray(r.policies) && r.policies.length === 0)
      out.push(`${dir}.policies is an empty list (omit it for the defaults; selectPolicy: Disabled stops scaling)`);
    ((r.policies ?? []) as Obj[]).forEach((p, i) => {
      if (!["Pods", "Percent"].includes(String(p.type)))
        out.push(`${dir}.policies[${i}].type '${p.type}' is not Pods or Percent`);
      const v = toNumber(p.value);
      if (v === undefined || v <= 0) out.push(`${dir}.policies[${i}].value ${p.value} is not > 0`);
      const period = toNumber(p.periodSeconds);
      if (period === undefined || period < 1 || period > HPA_MAX_PERIOD_SECONDS)
        out.push(`${dir}.policies[${i}].periodSeconds ${p.periodSeconds} is outside 1..${HPA_MAX_PERIOD_SECONDS}`);
    });
  }
  return out;
}

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
  /** The vendor of the GPUs it asks for (amd.com/gpu: amd, else nvidia). */
  gpuVendor: GpuVendor;
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
    return {
      obj,
      spec,
      gpus: gpusPerPod(spec),
      gpuVendor: gpuVendorOfPod(spec),
      maxPods: 1,
      maxSource: "",
      scalers: [],
    };
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
