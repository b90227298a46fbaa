import type { z } from "zod";
import type { StackConfig } from "../stack.ts";
import { duplicates, issue } from "./clusters.ts";

type Ctx = z.RefinementCtx;

/** Cross-field rules of `observability`: receivers, the dashboards' workers, and what Alertmanager and Grafana need. */
export function checkObservability(cfg: StackConfig, ctx: Ctx): void {
  const am = cfg.observability.alertmanager;
  const prom = cfg.addons.prometheus;
  if (am.enabled && (!prom.enabled || prom.externalUrl))
    issue(
      ctx,
      ["observability", "alertmanager", "enabled"],
      `Alertmanager runs as the in-cluster Prometheus chart's sub-chart, and ${prom.externalUrl ? "addons.prometheus.externalUrl is set (the chart is not installed)" : "addons.prometheus is disabled"}; send that Prometheus's alerts to your own Alertmanager, or use the in-cluster Prometheus`,
      am.enabled,
    );
  const names = am.receivers.map((r) => r.name);
  for (const i of duplicates(names))
    issue(
      ctx,
      ["observability", "alertmanager", "receivers", i, "name"],
      `receiver "${names[i]}" is declared twice; receiver names are unique`,
      names[i],
    );
  am.receivers.forEach((r, i) => {
    if (r.type === "email" && r.authUsername && !r.authPassword)
      issue(
        ctx,
        ["observability", "alertmanager", "receivers", i, "authPassword"],
        `authUsername is set without authPassword; add authPassword: { fromConfig: <config key> } (a config secret), or remove authUsername`,
        undefined,
      );
    if (r.type === "email" && r.authPassword && !r.authUsername)
      issue(
        ctx,
        ["observability", "alertmanager", "receivers", i, "authUsername"],
        "authPassword is set without authUsername; add the SMTP user",
        undefined,
      );
  });
  const workers = new Set(cfg.workers.map((w) => w.name));
  const listed = cfg.observability.grafana.dashboards.workers ?? [];
  listed.forEach((name, i) => {
    if (!workers.has(name))
      issue(
        ctx,
        ["observability", "grafana", "dashboards", "workers", i],
        `worker "${name}" does not exist; workers are ${[...workers].join(", ") || "(none)"}`,
        name,
      );
  });
  if (listed.length > 0 && !cfg.addons.grafana.enabled)
    issue(
      ctx,
      ["observability", "grafana", "dashboards", "workers"],
      "dashboards are listed but addons.grafana is not enabled; set addons.grafana.enabled: true",
      listed,
    );
  if (cfg.addons.grafana.enabled && !prom.enabled && !prom.externalUrl)
    issue(
      ctx,
      ["addons", "grafana", "enabled"],
      "Grafana's data source is Prometheus, and there is none (addons.prometheus disabled, no externalUrl); enable Prometheus or set its externalUrl",
      true,
    );
}
