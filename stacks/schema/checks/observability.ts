import type { z } from "zod";
import type { StackConfig } from "../stack.ts";
import { issue } from "./clusters.ts";
import { inClusterPrometheusNamespace } from "./workloads.ts";
import type { Expression } from "../../../observability/names.ts";
import { metricCatalogue } from "../../../observability/metrics.ts";
import { checkExpressions, formatExpressionProblem } from "../../../observability/promql.ts";
import { prometheusRuleFiles, ruleExpressions, ruleFileProblems } from "../../../observability/rules/index.ts";
import { adapterQueries, adapterRuleSet } from "../../../observability/adapter-rules.ts";
import { gpuUtilizationQuery } from "../../../observability/queries.ts";
import { workloadsNamespace } from "../../namespace.ts";
import { poolGpuVendor } from "../../accelerators.ts";
import { dashboardExpressions } from "../../../observability/dashboards/index.ts";
import { dashboardInput } from "../../../observability/dashboards/input.ts";

/**
 * Cross-field rules of `observability`: per-worker keys name workers that exist, and every PromQL expression the
 * program will write or hand to Prometheus parses and names only metrics the platform produces or the config declares
 * (observability.externalMetrics): the user's (extraRules, prometheus triggers: the error names the key), and the
 * generated ones (alert and recording rules, the adapter's rules, the gpu triggers' queries: the error names the
 * rule). The generated rule files are also checked in the shape Prometheus loads. All before any resource exists.
 */
export function checkObservability(cfg: StackConfig, ctx: z.RefinementCtx): void {
  const o = cfg.observability;
  const workers = cfg.workers.map((w) => w.name);
  const unknownWorker = (path: (string | number)[], name: string) =>
    issue(ctx, [...path, name], `no worker named "${name}" (workers: ${workers.join(", ") || "none"})`, name);
  for (const name of Object.keys(o.alerts.workers))
    if (!workers.includes(name)) unknownWorker(["observability", "alerts", "workers"], name);
  for (const [name, c] of Object.entries(o.cost.workers)) {
    const w = cfg.workers.find((x) => x.name === name);
    if (!w) unknownWorker(["observability", "cost", "workers"], name);
    else if (w.mode === "job")
      issue(
        ctx,
        ["observability", "cost", "workers", name, "jobsCompletedMetric"],
        `worker "${name}" runs in job mode: its completed Jobs are counted from kube-state-metrics; remove the key`,
        c.jobsCompletedMetric,
      );
  }
  const names = new Set<string>();
  o.alerts.extraRules.forEach((r, i) => {
    if (names.has(r.alert))
      issue(
        ctx,
        ["observability", "alerts", "extraRules", i, "alert"],
        `"${r.alert}" is listed twice: give each rule its own name`,
        r.alert,
      );
    names.add(r.alert);
  });

  // The deployment workers' job counters are declared by naming them.
  const catalogue = metricCatalogue([
    ...o.externalMetrics,
    ...Object.values(o.cost.workers).map((c) => c.jobsCompletedMetric),
  ]);
  const user: Expression[] = o.alerts.extraRules.map((r, i) => ({
    source: `extra rule ${r.alert}`,
    expr: r.expr,
    configPath: `observability.alerts.extraRules[${i}].expr`,
  }));
  const platform: Expression[] = [];
  const ns = workloadsNamespace(cfg);
  const external: Expression[] = [];
  cfg.workers.forEach((w, wi) =>
    w.triggers.forEach((t, ti) => {
      const path = ["workers", wi, ...w.triggerPaths[ti]];
      const configPath = path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${p}`)).join("");
      // A query against another Prometheus (serverAddress) cannot be held to this platform's metrics: parsed only.
      if (t.type === "prometheus")
        (t.serverAddress ? external : user).push({
          source: `worker ${w.name} trigger ${t.name}`,
          expr: t.query,
          configPath: `${configPath}.query`,
        });
      if (t.type === "gpu")
        (t.serverAddress ? external : platform).push({
          source: `worker ${w.name} gpu trigger ${t.name} (${configPath})`,
          expr: gpuUtilizationQuery(ns, w.name),
        });
    }),
  );
  const prometheus = inClusterPrometheusNamespace(cfg) !== undefined;
  // The generated rules derive from fields: with a field already wrong (reported by zod) they would repeat it.
  const fieldIssues = (ctx as unknown as { issues?: unknown[] }).issues?.length ?? 0;
  for (const cluster of fieldIssues ? [] : cfg.clusters) {
    if (prometheus) {
      const files = prometheusRuleFiles(cluster, cfg);
      for (const [file, content] of [
        ["alerting_rules.yml", files.alerting],
        ["recording_rules.yml", files.recording],
      ] as const)
        for (const p of ruleFileProblems(content, `cluster ${cluster.name} ${file}`))
          issue(ctx, ["observability"], p, undefined);
      // The user's rules are checked once, above, under their key.
      platform.push(...ruleExpressions(cluster, files).filter((e) => !e.source.includes("group worker-platform-user")));
    }
    if (cfg.addons.grafana.enabled) platform.push(...dashboardExpressions(dashboardInput(cfg, cluster)));
    if (cfg.addons.prometheusAdapter.enabled && (prometheus || cfg.addons.prometheus.externalUrl))
      adapterRuleSet(
        cluster.pools.some((p) => poolGpuVendor(p) === "nvidia"),
        cfg.addons,
      ).forEach((rule, i) => {
        const queries = adapterQueries(rule, "DCGM_FI_DEV_GPU_UTIL");
        queries.forEach((expr, qi) =>
          platform.push({
            source: `prometheus-adapter rule ${i} ${qi === 0 ? "seriesQuery" : "metricsQuery"} (cluster ${cluster.name})`,
            expr,
          }),
        );
      });
  }
  const all = [...user, ...dedupe(platform)];
  for (const p of checkExpressions(all, catalogue)) {
    const path = p.expression.configPath;
    if (path) issue(ctx, parsePath(path), p.message, p.expression.expr);
    else issue(ctx, ["observability"], formatExpressionProblem(p), undefined);
  }
  // Parsed only: the metrics of another Prometheus are not the platform's to know.
  for (const p of checkExpressions(external, { names: new Set(), prefixes: [""], known: () => true })) {
    issue(ctx, parsePath(p.expression.configPath ?? ""), p.message, p.expression.expr);
  }
}

/** The same expression from several clusters is checked (and reported) once. */
function dedupe(expressions: Expression[]): Expression[] {
  const seen = new Set<string>();
  return expressions.filter((e) => !seen.has(e.expr) && seen.add(e.expr));
}

/** `workers[0].triggers[1].query` → ["workers", 0, "triggers", 1, "query"]. */
function parsePath(path: string): (string | number)[] {
  return path
    .split(/\.|(?=\[)/)
    .filter(Boolean)
    .map((p) => (p.startsWith("[") ? Number(p.slice(1, -1)) : p));
}
