import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { isWaived } from "./lib/common.ts";
import type { Obj } from "./lib/k8s.ts";
import { T } from "./lib/k8s.ts";
import type { Cluster, K8sObject, StackModel } from "./lib/model.ts";
import { chartIs, k8sObjects } from "./lib/model.ts";
import { ALERTING_RULES_FILE, WORKER_ALERTS } from "./lib/platform.ts";
import { measuresOwnPods } from "./lib/scaling.ts";
import { stackPolicy } from "./lib/stack.ts";
import { tryRead, UNKNOWN } from "./lib/unknown.ts";

/** Alert name → the `worker` label values of its rules. */
export type Coverage = Map<string, Set<string>>;

function add(c: Coverage, alert: string, worker: string): void {
  if (!c.has(alert)) c.set(alert, new Set());
  c.get(alert)!.add(worker);
}

/** Coverage from the rule file as an object (the chart's `values`: offline, and helm.v3 resources). */
export function coverageOfGroups(file: unknown, into: Coverage = new Map()): Coverage {
  for (const g of ((file as Obj | undefined)?.groups ?? []) as Obj[])
    for (const r of (g.rules ?? []) as Obj[])
      if (typeof r.alert === "string" && typeof r.labels?.worker === "string") add(into, r.alert, r.labels.worker);
  return into;
}

const unquote = (v: string) =>
  v
    .trim()
    .replace(/^"(.*)"$/, "$1")
    .replace(/^'(.*)'$/, "$1");

/**
 * Coverage from the rule file as the chart writes it into its ConfigMap (under the CLI the helm.v4 Chart's props are
 * its outputs, without values; its ConfigMap is a child resource of the stack): `toYaml` of the values
 * (prometheus-community/helm-charts charts/prometheus templates/cm.yaml at prometheus-29.27.0), i.e. block YAML with
 * each rule a list item and its `labels` a nested map. A rule is the text from one `- alert:`/`- record:` item to the
 * next; its worker is the `worker:` entry of the map under its `labels:` key.
 */
export function coverageOfYaml(text: string, into: Coverage = new Map()): Coverage {
  const lines = text.split("\n");
  let alert: string | undefined;
  let labelsIndent = -1;
  for (const line of lines) {
    const item = /^(\s*)- (alert|record|name):\s*(.*)$/.exec(line);
    if (item) {
      alert = item[2] === "alert" ? unquote(item[3]) : undefined;
      labelsIndent = -1;
      continue;
    }
    const indent = line.length - line.trimStart().length;
    if (/^\s*labels:\s*$/.test(line)) {
      labelsIndent = indent;
      continue;
    }
    if (labelsIndent >= 0 && line.trim() && indent <= labelsIndent) labelsIndent = -1;
    const worker = /^\s*worker:\s*(.+)$/.exec(line);
    if (alert && labelsIndent >= 0 && indent > labelsIndent && worker) add(into, alert, unquote(worker[1]));
  }
  return into;
}

/** The alert rules the cluster's Prometheus chart installs, or UNKNOWN (preview) / undefined (no chart). */
function clusterCoverage(model: StackModel, cluster: Cluster): Coverage | typeof UNKNOWN | undefined {
  const chart = cluster.charts.find((c) => chartIs(c, ["prometheus"]));
  if (!chart) return undefined;
  const values = tryRead(() => (chart.props.values as Obj | undefined)?.serverFiles?.[ALERTING_RULES_FILE]);
  if (values === UNKNOWN) return UNKNOWN;
  if (values !== undefined) return coverageOfGroups(values);
  const coverage: Coverage = new Map();
  for (const r of model.descendantsOf(chart).filter((r: PolicyResource) => r.type === T.ConfigMap)) {
    const text = tryRead(() => (r.props.data as Obj | undefined)?.[ALERTING_RULES_FILE]);
    if (text === UNKNOWN) return UNKNOWN;
    if (typeof text === "string") coverageOfYaml(text, coverage);
  }
  return coverage;
}

/** Whether a KEDA object has a trigger that measures a backlog (anything but the pods' own cpu/memory/GPU use). */
function hasQueueTrigger(o: K8sObject): boolean {
  const triggers = (tryRead(() => (o.resource.props.spec as Obj | undefined)?.triggers) ?? []) as
    Obj[] | typeof UNKNOWN;
  return triggers !== UNKNOWN && Array.isArray(triggers) && triggers.some((t) => !measuresOwnPods(t));
}

function scalersOf(model: StackModel, cluster: Cluster): K8sObject[] {
  return k8sObjects(model, [T.ScaledObject, T.ScaledJob]).filter((o) => o.cluster === cluster);
}

/**
 * Every worker (a KEDA ScaledObject or ScaledJob) is covered by the program's alerts in its cluster's Prometheus: a
 * backlog alert (WorkerBacklogHigh) when it scales on a backlog, and the scaler-errors alert (WorkerScalerFailing),
 * without which a worker at zero whose trigger cannot be read stays at zero unnoticed. Rules are matched by alert name
 * and `worker` label. Clusters with no Prometheus chart (an external Prometheus) are left to the advisory rule below.
 */
export const workerAlertsCovered = stackPolicy(
  {
    name: "observability-alerts-cover-workers",
    description:
      "Every ScaledObject/ScaledJob has a backlog alert (if it scales on a backlog) and a scaler-errors alert in its cluster's Prometheus rules.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
      "Keep observability.alerts.backlogHigh and scalerErrors enabled (and the worker out of observability.alerts.workers.<worker>.disabled), or waive the rule on the object.",
  },
  (model, _args, report) => {
    for (const cluster of model.clusters) {
      const scalers = scalersOf(model, cluster);
      if (!scalers.length) continue;
      const coverage = clusterCoverage(model, cluster);
      if (coverage === undefined || coverage === UNKNOWN) continue;
      for (const o of scalers) {
        if (isWaived(o.resource.props, "observability-alerts-cover-workers")) continue;
        const missing = [...(hasQueueTrigger(o) ? [WORKER_ALERTS.backlogHigh] : []), WORKER_ALERTS.scalerErrors].filter(
          (a) => !coverage.get(a)?.has(o.name),
        );
        if (missing.length)
          report(
            `${o.kind} ${o.namespace}/${o.name} on cluster ${cluster.name} has no ${missing.join(" or ")} alert (label worker="${o.name}") in the cluster's Prometheus rules.`,
            o.resource.urn,
          );
      }
    }
  },
);

/**
 * Where workers run without the in-cluster Prometheus chart (addons.prometheus.externalUrl), the program cannot install
 * alert rules: they must be set up in that Prometheus. Advisory: the pack cannot see another Prometheus's rules.
 */
export const workerAlertsExternal = stackPolicy(
  {
    name: "observability-alerts-external-prometheus",
    description: "Workers on clusters without the in-cluster Prometheus have no platform alert rules installed.",
    enforcementLevel: "advisory",
    severity: "low",
    remediationSteps:
      "Load the program's alert rules (observability/rules, docs/observability.md) into your external Prometheus, or enable addons.prometheus.",
  },
  (model, _args, report) => {
    for (const cluster of model.clusters) {
      const scalers = scalersOf(model, cluster);
      if (scalers.length && clusterCoverage(model, cluster) === undefined)
        report(
          `Cluster ${cluster.name} runs ${scalers.length} KEDA worker(s) but no Prometheus chart: their backlog and scaler-errors alerts must live in your external Prometheus.`,
        );
    }
  },
);

export const observabilityPolicies: StackValidationPolicy[] = [workerAlertsCovered, workerAlertsExternal];
