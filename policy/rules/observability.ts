import type { PolicyResource } from "@pulumi/policy";
import { isProduction, productionSchema } from "./lib/common.ts";
import type { Obj } from "./lib/k8s.ts";
import { T } from "./lib/k8s.ts";
import { chartIs, k8sObjects } from "./lib/model.ts";
import { ALERTMANAGER_CONFIG_MAP } from "./lib/platform.ts";
import { stackPolicy } from "./lib/stack.ts";
import { tryRead, UNKNOWN } from "./lib/unknown.ts";

/** Receivers of an alertmanager.yml (JSON as the program writes it) that notify somewhere (a `*_configs` entry). */
export function notifyingReceivers(text: string): string[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const receivers = (doc as { receivers?: unknown })?.receivers;
  if (!Array.isArray(receivers)) return [];
  return receivers
    .filter((r: Obj) =>
      Object.entries(r ?? {}).some(([k, v]) => k.endsWith("_configs") && Array.isArray(v) && v.length > 0),
    )
    .map((r: Obj) => String(r.name));
}

/**
 * In production, alerts must reach someone: every cluster that runs the in-cluster Prometheus (the prometheus chart)
 * runs Alertmanager with at least one receiver that notifies. Read from the ConfigMap the program writes for
 * Alertmanager (an object of its own, not a chart's child, so it is seen the same offline and under the CLI). A
 * cluster with an external Prometheus (no chart) is left alone: its alerts are routed where that Prometheus is.
 */
export const alertmanagerReceiverInProduction = stackPolicy(
  {
    name: "alertmanager-receiver-in-production",
    description: "In production, every cluster with the in-cluster Prometheus runs Alertmanager with a receiver.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      "Set observability.alertmanager.enabled: true and add a receiver under observability.alertmanager.receivers (webhook, slack, pagerduty or email), its credential a config secret.",
    configSchema: { properties: { ...productionSchema } },
  },
  (model, args, report) => {
    if (!isProduction(args.getConfig<{ production?: boolean }>(), model.resources[0]?.urn)) return;
    const configMaps = k8sObjects(model, [T.ConfigMap]).filter((o) => o.name === ALERTMANAGER_CONFIG_MAP);
    for (const c of model.clusters) {
      const prom = c.charts.find((ch) => chartIs(ch, ["prometheus"]));
      if (!prom) continue;
      const mine = configMaps.filter((o) => o.cluster === c);
      if (mine.length === 0) {
        report(`cluster ${c.name} runs Prometheus without Alertmanager: no alert reaches anyone.`, prom.urn);
        continue;
      }
      for (const cm of mine) {
        const text = tryRead(() => (cm.resource.props.data as Obj | undefined)?.["alertmanager.yml"]);
        if (text === UNKNOWN) continue;
        const receivers = typeof text === "string" ? notifyingReceivers(text) : undefined;
        if (receivers === undefined)
          report(
            `ConfigMap ${cm.namespace}/${cm.name} on cluster ${c.name}: alertmanager.yml is not readable.`,
            cm.resource.urn,
          );
        else if (receivers.length === 0)
          report(
            `ConfigMap ${cm.namespace}/${cm.name} on cluster ${c.name}: Alertmanager has no receiver that notifies anyone.`,
            cm.resource.urn,
          );
      }
    }
  },
);

/** Sections of an ini text (grafana.ini as the chart renders it), keys lower-cased. */
export function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith(";") || line.startsWith("#")) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      section = head[1].trim().toLowerCase();
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    (out[section] ??= {})[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** Why an `auth.anonymous` section grants more than viewing, or undefined. Grafana's default org_role is Viewer. */
export function anonymousProblem(section: Record<string, unknown> | undefined): string | undefined {
  if (!section) return undefined;
  const text = (v: unknown, fallback: string) =>
    typeof v === "string" || typeof v === "boolean" || typeof v === "number" ? String(v) : fallback;
  const enabled = text(section.enabled, "false").toLowerCase() === "true";
  const role = text(section.org_role, "Viewer");
  if (enabled && role.toLowerCase() !== "viewer") return `anonymous visitors get the ${role} role`;
  return undefined;
}

/**
 * Grafana lets anonymous visitors view at most: `[auth.anonymous] enabled = true` with org_role Editor or Admin gives
 * anyone who reaches the Service the power to change dashboards, data sources or users (Grafana docs, "Anonymous
 * authentication"). Both shapes: offline the grafana chart's values (`grafana.ini`); under the CLI the ConfigMap it
 * renders (data `grafana.ini`, grafana chart templates/configmap.yaml).
 */
export const grafanaNoAnonymousAdmin = stackPolicy(
  {
    name: "grafana-no-anonymous-admin",
    description: "Grafana's anonymous access, if on, has the Viewer role only.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
      "Use addons.grafana.anonymousViewer (Viewer only), and remove grafana.ini auth.anonymous.org_role from addons.grafana.values.",
  },
  (model, _args, report) => {
    for (const chart of model.resources.filter((r) => model.clusters.some((c) => c.charts.includes(r)))) {
      if (!chartIs(chart, ["grafana"])) continue;
      const ini = tryRead(() => (chart.props.values as Obj | undefined)?.["grafana.ini"]);
      if (ini && ini !== UNKNOWN && typeof ini === "object") {
        const why = anonymousProblem((ini as Obj)["auth.anonymous"]);
        if (why) report(`Chart ${chart.name}: ${why}.`, chart.urn);
      }
      for (const child of model.descendantsOf(chart).filter((r: PolicyResource) => r.type === T.ConfigMap)) {
        const text = tryRead(() => (child.props.data as Obj | undefined)?.["grafana.ini"]);
        if (typeof text !== "string") continue;
        const why = anonymousProblem(parseIni(text)["auth.anonymous"]);
        if (why) report(`ConfigMap ${child.name} (chart ${chart.name}): ${why}.`, child.urn);
      }
    }
  },
);

export const observabilityPolicies = [alertmanagerReceiverInProduction, grafanaNoAnonymousAdmin];
