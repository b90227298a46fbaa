import { typeChainOfUrn } from "./common.ts";
import type { Taint } from "./platform.ts";
import type { GpuVendor } from "./platform.ts";
import { GPU_RESOURCES } from "./platform.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Obj = Record<string, any>;

export const T = {
  Pod: "kubernetes:core/v1:Pod",
  Service: "kubernetes:core/v1:Service",
  ConfigMap: "kubernetes:core/v1:ConfigMap",
  Deployment: "kubernetes:apps/v1:Deployment",
  StatefulSet: "kubernetes:apps/v1:StatefulSet",
  DaemonSet: "kubernetes:apps/v1:DaemonSet",
  ReplicaSet: "kubernetes:apps/v1:ReplicaSet",
  Job: "kubernetes:batch/v1:Job",
  CronJob: "kubernetes:batch/v1:CronJob",
  ScaledObject: "kubernetes:keda.sh/v1alpha1:ScaledObject",
  ScaledJob: "kubernetes:keda.sh/v1alpha1:ScaledJob",
  TriggerAuthentication: "kubernetes:keda.sh/v1alpha1:TriggerAuthentication",
  HPA: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  PriorityClass: "kubernetes:scheduling.k8s.io/v1:PriorityClass",
  K8sProvider: "pulumi:providers:kubernetes",
} as const;

/** Where each workload kind keeps its pod template's spec. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  [T.Pod]: ["spec"],
  [T.Deployment]: ["spec", "template", "spec"],
  [T.StatefulSet]: ["spec", "template", "spec"],
  [T.DaemonSet]: ["spec", "template", "spec"],
  [T.ReplicaSet]: ["spec", "template", "spec"],
  [T.Job]: ["spec", "template", "spec"],
  [T.CronJob]: ["spec", "jobTemplate", "spec", "template", "spec"],
  // KEDA ScaledJob: spec.jobTargetRef is a batch/v1 JobSpec.
  [T.ScaledJob]: ["spec", "jobTargetRef", "template", "spec"],
};
export const WORKLOAD_TYPES = Object.keys(POD_SPEC_PATHS);

/** Scalable kinds a ScaledObject/HPA may target, by `kind`. */
export const SCALABLE_KINDS: Record<string, string> = {
  Deployment: T.Deployment,
  StatefulSet: T.StatefulSet,
  ReplicaSet: T.ReplicaSet,
};

/** The pod spec of a workload (reading it may throw UnknownValueError), or undefined for other types. */
export function podSpecOf(type: string, props: Obj): Obj | undefined {
  const path = POD_SPEC_PATHS[type];
  if (!path) return undefined;
  let cur: any = props;
  for (const key of path) {
    if (cur === undefined || cur === null) return undefined;
    cur = cur[key];
  }
  return cur ?? undefined;
}

export interface ContainerRef {
  kind: "container" | "initContainer";
  container: Obj;
  name: string;
}

export function containersOf(spec: Obj): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const c of spec.containers ?? []) out.push({ kind: "container", container: c, name: String(c.name ?? "?") });
  for (const c of spec.initContainers ?? [])
    out.push({ kind: "initContainer", container: c, name: String(c.name ?? "?") });
  return out;
}

/**
 * Resources created by a Helm chart or a YAML group are governed by the chart's pinned version and values, not
 * authored here; the workload rules skip them unless `includeChartResources` is set (their URN's type chain names
 * the chart as an ancestor). Under the offline plan charts are not expanded at all.
 */
export function isChartChild(urn: string): boolean {
  return typeChainOfUrn(urn)
    .slice(0, -1)
    .some((t) => t.startsWith("kubernetes:helm.sh/") || t.startsWith("kubernetes:yaml"));
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A Kubernetes quantity (`500m`, `4Gi`, `2`, 1) as a number; undefined when malformed. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === "number") return q;
  if (typeof q !== "string") return undefined;
  const m = /^([0-9]+(?:\.[0-9]+)?)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return undefined;
  const factor = BINARY[m[2]] ?? DECIMAL[m[2]];
  return factor === undefined ? undefined : Number(m[1]) * factor;
}

/** GPUs a pod asks for: the sum over containers, or the largest init container's if larger (Kubernetes effective request). */
export function gpusPerPod(spec: Obj): number {
  const one = (c: Obj, r: string) => parseQuantity(c.resources?.limits?.[r] ?? c.resources?.requests?.[r]) ?? 0;
  const gpus = (c: Obj) => Object.values(GPU_RESOURCES).reduce((n, r) => n + one(c, r), 0);
  const main = (spec.containers ?? []).reduce((n: number, c: Obj) => n + gpus(c), 0);
  const init = Math.max(0, ...(spec.initContainers ?? []).map(gpus));
  return Math.max(main, init);
}

/** Whether a toleration matches a taint (Kubernetes ToleratesTaint: key/operator/value/effect rules). */
export function tolerates(tol: Obj, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  const op = tol.operator ?? "Equal";
  if (!tol.key) return op === "Exists"; // empty key + Exists tolerates everything
  if (tol.key !== taint.key) return false;
  return op === "Exists" || (tol.value ?? "") === taint.value;
}

/** Taints a pod must tolerate to be scheduled (PreferNoSchedule never blocks). */
export function blockingTaints(taints: Taint[]): Taint[] {
  return taints.filter((t) => t.effect === "NoSchedule" || t.effect === "NoExecute");
}

/** Image reference split into registry, repository, tag and digest (Docker reference grammar, simplified). */
export function parseImage(ref: string): { registry: string; repository: string; tag?: string; digest?: string } {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const parts = rest.split("/");
  let registry = "docker.io";
  if (parts.length > 1 && (parts[0].includes(".") || parts[0].includes(":") || parts[0] === "localhost"))
    registry = parts.shift()!;
  let last = parts.pop() ?? "";
  let tag: string | undefined;
  const colon = last.lastIndexOf(":");
  if (colon >= 0) {
    tag = last.slice(colon + 1);
    last = last.slice(0, colon);
  }
  return { registry, repository: [...parts, last].join("/"), tag, digest };
}

/** The GPU vendor a pod asks for: amd where a container asks for amd.com/gpu, else nvidia. */
export function gpuVendorOfPod(spec: Obj): GpuVendor {
  const all = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  const asks = (c: Obj) => c.resources?.limits?.[GPU_RESOURCES.amd] ?? c.resources?.requests?.[GPU_RESOURCES.amd];
  return all.some((c: Obj) => asks(c) !== undefined) ? "amd" : "nvidia";
}
