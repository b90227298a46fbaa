import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import type { RuleMeta } from "./common.ts";
import { isWaived, objectRef } from "./common.ts";
import type { Obj } from "./k8s.ts";
import { isChartChild, podSpecOf, WORKLOAD_TYPES } from "./k8s.ts";

export interface WorkloadConfig {
  exemptNamespaces?: string[];
  includeChartResources?: boolean;
}

export const workloadSchema = {
  exemptNamespaces: {
    type: "array",
    items: { type: "string" },
    default: ["kube-system"],
    description: "Namespaces whose workloads this rule ignores.",
  },
  includeChartResources: {
    type: "boolean",
    default: false,
    description:
      "Also check objects rendered by Helm charts (governed by their pinned chart version and values otherwise).",
  },
} as const;

export interface WorkloadContext {
  /** `Deployment wp-workloads/transcriber`, for messages. */
  ref: string;
  props: Obj;
  args: ResourceValidationArgs;
}

/** Whether a workload rule applies to this object: not waived, not in an exempt namespace, not a chart's child. */
export function workloadApplies(args: ResourceValidationArgs, policyName: string): boolean {
  const config = args.getConfig<WorkloadConfig>();
  if (isWaived(args.props, policyName)) return false;
  if (!config.includeChartResources && isChartChild(args.urn)) return false;
  const ns = (args.props.metadata as Obj | undefined)?.namespace ?? "default";
  return !(config.exemptNamespaces ?? ["kube-system"]).includes(ns);
}

/**
 * A resource rule over the pod spec of every workload kind (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
 * Job, CronJob, KEDA ScaledJob). `check` reads props through the analyzer's unknown-checking proxy: an unknown value
 * it needs aborts it, and the analyzer reports that the policy could not run.
 */
export function workloadRule(
  meta: RuleMeta & { configSchema?: { properties: Record<string, unknown> } },
  check: (spec: Obj, ctx: WorkloadContext, report: ReportViolation) => void,
): ResourceValidationPolicy {
  return {
    ...meta,
    configSchema: { properties: { ...workloadSchema, ...(meta.configSchema?.properties ?? {}) } },
    validateResource: (args, report) => {
      if (!WORKLOAD_TYPES.includes(args.type)) return;
      if (!workloadApplies(args, meta.name)) return;
      const spec = podSpecOf(args.type, args.props);
      if (!spec) return;
      const kind = args.type.split(":").pop();
      check(spec, { ref: `${kind} ${objectRef(args.props, args.name)}`, props: args.props, args }, report);
    },
  };
}
