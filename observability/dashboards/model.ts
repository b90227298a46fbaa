import type { Dashboard, DataSourceRef, GridPos, Panel } from "@grafana/schema";
import { z } from "zod";
import type { Expression } from "../names.ts";

/**
 * The Grafana dashboard model. Types: `@grafana/schema` 13.2.3 (Dashboard, Panel, GridPos, DataSourceRef, generated
 * from the dashboard kind's CUE schema, raw/dashboard/x/types.gen.ts). It publishes types only, no JSON schema, so the
 * generated JSON is typed with them and its required fields and invariants are checked below with zod.
 */
export type { Dashboard, Panel };

/** `defaultDashboard.schemaVersion` of @grafana/schema 13.2.3 (Grafana 13.2, the chart's app version). */
export const SCHEMA_VERSION = 42;
/** The provisioned Prometheus data source (components/addons/grafana.ts provisions it with this uid). */
export const DATASOURCE_UID = "prometheus";
export const DATASOURCE: DataSourceRef = { type: "prometheus", uid: DATASOURCE_UID };
/** Grafana's grid is 24 columns wide (GridPos.w doc: "Panel width ... 1 to 24"). */
export const GRID_COLUMNS = 24;

/** One query of a panel: a PromQL expression and its legend. */
export interface Query {
  expr: string;
  legend?: string;
}

export interface PanelSpec {
  title: string;
  type: "timeseries" | "stat";
  queries: Query[];
  /** Grafana unit id (e.g. "short", "percent", "decmbytes", "currencyUSD"). Defaults to short. */
  unit?: string;
  description?: string;
  /** Columns, default 12 (two per row). */
  width?: number;
  stack?: boolean;
}

/** Panels laid out left to right, wrapping at 24 columns, 8 rows high; ids 1.. in order. */
export function layout(specs: PanelSpec[]): Panel[] {
  let x = 0;
  let y = 0;
  const height = 8;
  return specs.map((spec, i) => {
    const w = spec.width ?? 12;
    if (x + w > GRID_COLUMNS) {
      x = 0;
      y += height;
    }
    const gridPos: GridPos = { x, y, w, h: height };
    x += w;
    const panel: Panel = {
      id: i + 1,
      type: spec.type,
      title: spec.title,
      ...(spec.description ? { description: spec.description } : {}),
      datasource: DATASOURCE,
      gridPos,
      fieldConfig: {
        defaults: {
          unit: spec.unit ?? "short",
          ...(spec.type === "timeseries" && spec.stack ? { custom: { stacking: { mode: "normal" } } } : {}),
        },
        overrides: [],
      },
      options: {},
      targets: spec.queries.map((q, qi) => ({
        refId: String.fromCharCode(65 + qi),
        datasource: DATASOURCE,
        expr: q.expr,
        ...(q.legend ? { legendFormat: q.legend } : {}),
      })),
    };
    return panel;
  });
}

export function dashboard(uid: string, title: string, description: string, panels: Panel[]): Dashboard {
  return {
    uid,
    title,
    description,
    tags: ["worker-platform"],
    editable: false,
    schemaVersion: SCHEMA_VERSION,
    time: { from: "now-6h", to: "now" },
    refresh: "1m",
    timezone: "browser",
    graphTooltip: 1,
    panels,
  };
}

const target = z.looseObject({
  refId: z.string().min(1),
  expr: z.string().min(1),
  datasource: z.looseObject({ type: z.literal("prometheus"), uid: z.literal(DATASOURCE_UID) }),
});
const panel = z.looseObject({
  id: z.number().int().positive(),
  type: z.string().min(1),
  title: z.string().min(1),
  datasource: z.looseObject({ type: z.literal("prometheus"), uid: z.literal(DATASOURCE_UID) }),
  gridPos: z
    .strictObject({
      x: z.number().int().min(0),
      y: z.number().int().min(0),
      w: z.number().int().min(1).max(GRID_COLUMNS),
      h: z.number().int().min(1),
    })
    .refine((g) => g.x + g.w <= GRID_COLUMNS, { error: `x + w must be at most ${GRID_COLUMNS} (the grid's columns)` }),
  targets: z.array(target).min(1),
});
/** Required fields of Dashboard (schemaVersion) plus what provisioning needs (uid, title) and what this program writes. */
export const dashboardSchema = z.looseObject({
  uid: z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/, { error: "must be 1-40 letters, digits, '-' or '_' (Grafana uid)" }),
  title: z.string().min(1),
  schemaVersion: z.number().int().min(1),
  panels: z.array(panel).min(1),
});

/** Problems of a dashboard's JSON, each naming the dashboard and the field: shape, unique panel ids, no overlap. */
export function validateDashboard(json: unknown): string[] {
  const uid = (json as { uid?: unknown } | null)?.uid;
  const name = typeof uid === "string" ? uid : "(no uid)";
  const parsed = dashboardSchema.safeParse(json);
  if (!parsed.success)
    return parsed.error.issues.map((i) => `dashboard ${name}: ${i.path.map(String).join(".")}: ${i.message}`);
  const problems: string[] = [];
  const ids = new Set<number>();
  const cells = new Map<string, string>();
  for (const p of parsed.data.panels) {
    if (ids.has(p.id)) problems.push(`dashboard ${name}: panel id ${p.id} is used twice`);
    ids.add(p.id);
    const { x, y, w, h } = p.gridPos;
    for (let cx = x; cx < x + w; cx++)
      for (let cy = y; cy < y + h; cy++) {
        const other = cells.get(`${cx},${cy}`);
        if (other && other !== p.title) {
          problems.push(`dashboard ${name}: panel "${p.title}" overlaps panel "${other}"`);
          cx = x + w;
          break;
        }
        cells.set(`${cx},${cy}`, p.title);
      }
  }
  return problems;
}

/** Every panel query of a dashboard, with its source for the PromQL check. */
export function expressionsOf(d: Dashboard): Expression[] {
  return (d.panels ?? []).flatMap((p) =>
    ((p as Panel).targets ?? []).map((t) => ({
      source: `dashboard ${d.uid}, panel "${p.title}"`,
      expr: String((t as { expr?: unknown }).expr),
    })),
  );
}
