import type { z } from "zod";
import type { StackConfig } from "../stack.ts";
import { durationSeconds, parseDuration } from "../common.ts";
import { issue } from "./clusters.ts";

type Ctx = z.RefinementCtx;
type AddonsConfig = StackConfig["addons"];

/**
 * The prometheus chart's `server.global.scrape_timeout` (prometheus-community/helm-charts charts/prometheus/values.yaml
 * at prometheus-29.27.0). Prometheus refuses to load a config whose global scrape_timeout exceeds its
 * scrape_interval ("global scrape timeout greater than scrape interval", prometheus/prometheus config/config.go,
 * GlobalConfig.UnmarshalYAML), so the chart's 10s alone breaks any interval below 10s.
 */
export const PROMETHEUS_CHART_SCRAPE_TIMEOUT = "10s";

/** The scrape timeout the platform sets: addons.prometheus.scrapeTimeout, else the chart's 10s capped at the interval. */
export function prometheusScrapeTimeout(p: AddonsConfig["prometheus"]): string {
  if (p.scrapeTimeout) return p.scrapeTimeout;
  return durationSeconds(p.scrapeInterval) < durationSeconds(PROMETHEUS_CHART_SCRAPE_TIMEOUT)
    ? p.scrapeInterval
    : PROMETHEUS_CHART_SCRAPE_TIMEOUT;
}

/**
 * The DCGM exporter's metrics port, the chart's `service.port` (NVIDIA/dcgm-exporter deployment/values.yaml at
 * 4.5.3-4.8.2): the DaemonSet's containerPort and probes, the Service port and targetPort
 * (templates/daemonset.yaml, templates/service.yaml).
 */
export const DCGM_EXPORTER_PORT = 9400;

/** The DCGM exporter's port: `addons.dcgmExporter.values.service.port` when set (checked below), else 9400. */
export function dcgmExporterPort(d: AddonsConfig["dcgmExporter"]): number {
  const port = valueAt(d.values, ["service", "port"]);
  return typeof port === "number" ? port : DCGM_EXPORTER_PORT;
}

/** The value under `path` in chart values, or undefined. */
function valueAt(values: Record<string, unknown>, path: string[]): unknown {
  let v: unknown = values;
  for (const key of path) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** Cross-field rules of `addons`: settings a chart would only reject once deployed. */
export function checkAddons(cfg: StackConfig, ctx: Ctx): void {
  const p = cfg.addons.prometheus;
  // zod runs this check even when a field failed its own rule: compare only durations the schema accepted.
  const seconds = (d: string | undefined) => {
    const s = d === undefined ? undefined : parseDuration(d, ["m", "s"]);
    return s !== undefined && s > 0 ? s : undefined;
  };
  const [interval, timeout] = [seconds(p.scrapeInterval), seconds(p.scrapeTimeout)];
  if (interval !== undefined && timeout !== undefined && timeout > interval) {
    issue(
      ctx,
      ["addons", "prometheus", "scrapeTimeout"],
      `must be at most scrapeInterval (${p.scrapeInterval}): Prometheus refuses to load a config whose scrape timeout exceeds its scrape interval; lower scrapeTimeout or raise scrapeInterval`,
      p.scrapeTimeout,
    );
  }
  // Both come from the keys above, which are checked against each other; a values override would bypass that check.
  for (const [key, owner] of [
    ["scrape_interval", "scrapeInterval"],
    ["scrape_timeout", "scrapeTimeout"],
  ] as const) {
    const path = ["server", "global", key];
    const v = valueAt(p.values, path);
    if (v === undefined) continue;
    issue(
      ctx,
      ["addons", "prometheus", "values", ...path],
      `set by the platform from addons.prometheus.${owner}, which is checked against the other (Prometheus rejects a scrape timeout above the scrape interval); remove it from values and set addons.prometheus.${owner}`,
      v,
    );
  }

  // The chart uses service.port for the containerPort, probes and Service, but listens on service.address
  // (DCGM_EXPORTER_LISTEN, templates/daemonset.yaml): the two must name the same port.
  const d = cfg.addons.dcgmExporter;
  const port = valueAt(d.values, ["service", "port"]);
  if (port !== undefined && !(typeof port === "number" && Number.isInteger(port) && port >= 1 && port <= 65535)) {
    issue(ctx, ["addons", "dcgmExporter", "values", "service", "port"], "must be a port number (1-65535)", port);
  }
  const address = valueAt(d.values, ["service", "address"]);
  const expected = dcgmExporterPort(d);
  if (address !== undefined && !(typeof address === "string" && address.endsWith(`:${expected}`))) {
    issue(
      ctx,
      ["addons", "dcgmExporter", "values", "service", "address"],
      `the exporter's listen address must use service.port (${expected}), which the probes, the Service and the scrape annotation use; set it to ":${expected}" (or "<ip>:${expected}"), or leave it out and the platform sets it`,
      address,
    );
  }
}
