/**
 * One SVG chart per worker and trace: queue length, desired and ready replicas, pending pods and nodes per pool over
 * time, drawn with Vega-Lite compiled to Vega and rendered headless (`View.toSVG`, no browser).
 */
import * as vega from "vega";
import { compile } from "vega-lite";
import type { TopLevelSpec } from "vega-lite";
import type { ChartSeries } from "./run.ts";

export async function renderChart(series: ChartSeries): Promise<string> {
  const values: { minute: number; series: string; value: number }[] = [];
  for (const s of series.samples) {
    const w = s.workers[series.worker];
    const minute = Math.round((s.t / 60) * 100) / 100;
    values.push(
      { minute, series: "queue length", value: w.queue },
      { minute, series: "desired replicas", value: w.desired },
      { minute, series: "ready pods", value: w.ready },
      { minute, series: "pending pods", value: w.pending },
      ...series.pools.map((p) => ({ minute, series: `nodes ${p}`, value: s.pools[p] ?? 0 })),
    );
  }
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `${series.cluster}/${series.worker}: ${series.trace}`,
    width: 720,
    height: 300,
    background: "white",
    data: { values },
    mark: { type: "line", interpolate: "step-after", strokeWidth: 1.5 },
    encoding: {
      x: { field: "minute", type: "quantitative", title: "minutes from the first arrival" },
      y: { field: "value", type: "quantitative", title: "count" },
      color: { field: "series", type: "nominal", title: null },
    },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
