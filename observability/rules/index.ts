import type { ClusterConfig, StackConfig } from "../../stacks/schema/index.ts";
import type { Expression } from "../names.ts";
import { alertGroups } from "./alerts.ts";
import { expressionsOf } from "./common.ts";
import { costGroups } from "./cost.ts";
import type { RuleFile } from "./rulefmt.ts";

/** The two rule files the prometheus chart loads (values.yaml `serverFiles`, `rule_files` of prometheus.yml). */
export interface PrometheusRuleFiles {
  /** `serverFiles."alerting_rules.yml"` */
  alerting: RuleFile;
  /** `serverFiles."recording_rules.yml"` */
  recording: RuleFile;
}

/** The rule files of one cluster, generated from the validated config (pure). */
export function prometheusRuleFiles(cluster: ClusterConfig, cfg: StackConfig): PrometheusRuleFiles {
  return { alerting: { groups: alertGroups(cluster, cfg) }, recording: { groups: costGroups(cluster, cfg) } };
}

/** Every expression of a cluster's rule files, each named after its rule, for the offline PromQL check. */
export function ruleExpressions(cluster: ClusterConfig, files: PrometheusRuleFiles): Expression[] {
  return [
    ...expressionsOf(files.recording.groups, cluster.name),
    ...expressionsOf(files.alerting.groups, cluster.name),
  ];
}

export * from "./rulefmt.ts";
export { alertGroups, ALERT_GROUPS } from "./alerts.ts";
export { costGroups, COST_GROUP } from "./cost.ts";
