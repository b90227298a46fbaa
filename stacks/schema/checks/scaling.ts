import type { z } from "zod";
import type { StackConfig } from "../stack.ts";
import type { ScalingRules } from "../scaling.ts";
import { duplicates, issue } from "./clusters.ts";
import { resolveWorker } from "../resolve.ts";
import { inClusterPrometheusNamespace, targetClusters } from "./workloads.ts";
import { choosePools } from "../../placement.ts";

type Ctx = z.RefinementCtx;
type Path = (string | number)[];
type Worker = StackConfig["workers"][number];

/** `workers[0].triggers[1]`, as stacks/load.ts formats issue paths. */
const formatPath = (path: Path) =>
  path.reduce<string>((acc, seg) => (typeof seg === "number" ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), "");

/**
 * Triggers that measure the worker's own pods: with no pod there is nothing to measure, so they cannot wake a
 * worker from zero (KEDA's webhook rejects min 0 with only cpu/memory; a gpu trigger would silently never fire).
 */
export const POD_METRIC_TRIGGERS: readonly string[] = ["cpu", "memory", "gpu"];
/** Triggers KEDA keeps as HPA resource metrics, outside scalingModifiers formulas and fallback. */
export const RESOURCE_TRIGGERS: readonly string[] = ["cpu", "memory"];

/**
 * Cross-field rules of the workers' triggers and scaling keys and of the services' behaviour, on the resolved config
 * (profiles applied, short forms turned into `triggers`: resolve.ts).
 */
export function checkScaling(cfg: StackConfig, ctx: Ctx): void {
  cfg.workers.forEach((w, i) => {
    // A worker with a field error was not resolved (zod skips the transform): resolve what did parse, so its
    // cross-field problems are reported with the others; a part too broken to read is left to its field errors.
    try {
      const resolved = Array.isArray(w.triggerPaths) ? w : (resolveWorker(w as never, () => {}) as unknown as Worker);
      checkWorker(cfg, resolved, ["workers", i], ctx);
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
    }
  });
  cfg.services.forEach((s, i) => {
    for (const dir of ["scaleUp", "scaleDown"] as const) checkRules(s[dir], ["services", i, dir], ctx);
  });
}

function checkWorker(cfg: StackConfig, w: Worker, path: Path, ctx: Ctx): void {
  const at = (j: number, ...rest: Path) => [...path, ...w.triggerPaths[j], ...rest];
  const events = w.triggers.filter((t) => !POD_METRIC_TRIGGERS.includes(t.type));
  if (w.triggers.length === 0)
    issue(
      ctx,
      [...path, "triggers"],
      "a worker needs a trigger: a queue (redis, rabbitmq) or prometheus trigger, or with min >= 1 cpu/memory/gpu",
      undefined,
    );
  if (w.replicas.min === 0 && events.length === 0) {
    issue(
      ctx,
      [...path, "replicas", "min"],
      "min 0 needs a queue or prometheus trigger: KEDA cannot wake a worker from zero on cpu, memory or GPU utilisation (no pod to measure); set min >= 1 or add one to triggers",
      0,
    );
  }
  const names = w.triggers.map((t) => t.name);
  duplicates(names).forEach((j) => {
    const first = names.indexOf(names[j]);
    issue(
      ctx,
      at(j, "name"),
      `duplicate trigger name "${names[j]}" (${formatPath([...path, ...w.triggerPaths[first]])} has it; a trigger is named after its type unless it sets name); give each trigger its own name`,
      names[j],
    );
  });

  if (w.mode === "job") {
    if (w.triggers.length > 0 && events.length === 0)
      issue(
        ctx,
        [...path, "triggers"],
        "mode: job needs a queue or prometheus trigger",
        w.triggers.map((t) => t.type),
      );
    w.triggers.forEach((t, j) => {
      if (!POD_METRIC_TRIGGERS.includes(t.type) || w.triggerPaths[j][0] === "safetyNet") return;
      issue(
        ctx,
        at(j, "type"),
        `a ScaledJob starts one Job per message and takes queue lengths only; a ${t.type} trigger has no queue to count; use mode: deployment`,
        t.type,
      );
    });
  }

  w.triggers.forEach((t, j) => {
    if (t.type === "redis" || t.type === "rabbitmq" || t.type === "sqs" || t.type === "servicebus") {
      const q = cfg.queues.find((x) => x.name === t.queue);
      if (!q)
        issue(
          ctx,
          at(j, "queue"),
          `no queue named "${t.queue}" under queues (have: ${cfg.queues.map((x) => x.name).join(", ") || "none"})`,
          t.queue,
        );
      else if (q.kind !== t.type)
        issue(ctx, at(j, "queue"), `queue "${t.queue}" is ${q.kind}, the trigger is ${t.type}`, t.queue);
    }
    if (
      t.type === "prometheus" &&
      !t.serverAddress &&
      !cfg.addons.prometheus.enabled &&
      !cfg.addons.prometheus.externalUrl
    )
      issue(
        ctx,
        at(j, "serverAddress"),
        "no Prometheus: set serverAddress, addons.prometheus.externalUrl, or enable addons.prometheus",
        undefined,
      );
    if (t.type === "gpu") {
      if (!w.gpu)
        issue(
          ctx,
          at(j, "type"),
          "a gpu trigger scales on the utilisation of the worker's GPUs, and this worker requests none; set gpu or remove the trigger",
          t.type,
        );
      else if (w.gpu.vendor !== "nvidia")
        // The gpu trigger reads DCGM_FI_DEV_GPU_UTIL, an NVIDIA DCGM metric. AMD's exporter has gpu_gfx_activity, but
        // only on Instinct MI2xx/MI3xx (ROCm/device-metrics-exporter docs/configuration/metricslist.md, GPU_GFX_ACTIVITY),
        // not on every AMD GPU the platform offers (Radeon Pro V520): a prometheus trigger names the metric explicitly.
        issue(
          ctx,
          at(j, "type"),
          `a gpu trigger scales on DCGM_FI_DEV_GPU_UTIL, an NVIDIA metric, and this worker asks for gpu.vendor ${w.gpu.vendor}; use a prometheus trigger on the AMD exporter's gpu_gfx_activity (Instinct MI2xx/MI3xx), e.g. avg(gpu_gfx_activity{namespace="<ns>",pod=~"${w.name}-.*"}), or remove the trigger`,
          t.type,
        );
      // DCGM_FI_DEV_GPU_UTIL is not supported on MIG instances and reads 0 (NVIDIA/dcgm-exporter issues #216, #105):
      // a gpu trigger there would never scale out. DCGM_FI_PROF_GR_ENGINE_ACTIVE is (etc/default-counters.csv at
      // 4.5.3-4.8.2), through a prometheus trigger.
      if (w.gpu) {
        const gpu = w.gpu;
        const mig = targetClusters(cfg, w.clusters).flatMap((c) => {
          const choice = choosePools(c.pools, { gpu, spot: w.spot });
          return choice.kind === "gpu"
            ? choice.pools.filter((p) => p.gpuSharing && "mig" in p.gpuSharing).map((p) => `${c.name}/${p.name}`)
            : [];
        });
        if (mig.length)
          issue(
            ctx,
            at(j, "type"),
            `a gpu trigger scales on DCGM_FI_DEV_GPU_UTIL, which reads 0 on MIG instances, and this worker may land on MIG pools (${mig.join(", ")}); use a prometheus trigger on avg(DCGM_FI_PROF_GR_ENGINE_ACTIVE{namespace="<ns>",pod=~"${w.name}-.*"}) * 100, or keep it off MIG pools`,
            t.type,
          );
      }
      if (!t.serverAddress) {
        // The DCGM exporter is scraped by the platform's own Prometheus only (annotation-based: addons/dcgm-exporter.ts).
        const why = !inClusterPrometheusNamespace(cfg)
          ? cfg.addons.prometheus.externalUrl
            ? "addons.prometheus.externalUrl is set, and the platform does not know whether that Prometheus scrapes the DCGM exporter"
            : "addons.prometheus is disabled"
          : !cfg.addons.dcgmExporter.enabled
            ? "addons.dcgmExporter is disabled, so no DCGM_FI_DEV_GPU_UTIL is exported"
            : undefined;
        if (why)
          issue(
            ctx,
            at(j, "serverAddress"),
            `${why}; enable the in-cluster Prometheus and the DCGM exporter, or set serverAddress to a Prometheus that scrapes DCGM_FI_DEV_GPU_UTIL with pod and namespace labels`,
            undefined,
          );
      }
    }
  });

  if (w.scalingModifiers) checkFormula(w, [...path, "scalingModifiers", "formula"], ctx);
  // KEDA reads a formula's target as an integer when it checks a fallback (pkg/fallback HasValidFallback at v2.20.2:
  // strconv.ParseInt), and ignores a fallback it finds invalid, logging it only.
  if (w.scalingModifiers && w.fallback && !Number.isInteger(w.scalingModifiers.target))
    issue(
      ctx,
      [...path, "scalingModifiers", "target"],
      `with a fallback (${w.fallbackDefaulted ? "the min-0 default" : "fallback"}) KEDA needs a whole-number target, or it ignores the fallback; use e.g. ${Math.max(1, Math.round(w.scalingModifiers.target))}${w.fallbackDefaulted ? ", or fallback: {enabled: false}" : ""}`,
      w.scalingModifiers.target,
    );
  // A Value composite metric's fallback divides by the ready replicas and gives up at 0 ("readyReplicas is zero, cannot
  // do fallback": kedacore/keda v2.20.2 pkg/fallback/fallback.go doFallback), so it never wakes a min-0 worker.
  if (w.scalingModifiers?.metricType === "Value" && w.fallback && w.replicas.min === 0)
    issue(
      ctx,
      [...path, "scalingModifiers", "metricType"],
      `Value with a fallback (${w.fallbackDefaulted ? "the min-0 default" : "fallback"}) and replicas.min 0: KEDA's fallback for a Value metric divides by the ready replicas and does nothing at zero, so the worker would stay there; use AverageValue${w.fallbackDefaulted ? ", or fallback: {enabled: false}" : ", or remove fallback"}`,
      w.scalingModifiers.metricType,
    );
  if (w.fallback && !w.fallbackDefaulted) {
    if (w.triggers.every((t) => RESOURCE_TRIGGERS.includes(t.type)))
      issue(
        ctx,
        [...path, "fallback"],
        "KEDA's fallback needs a trigger other than cpu/memory (its webhook rejects the ScaledObject otherwise); remove fallback or add such a trigger",
        w.fallback,
      );
    if (w.fallback.replicas > w.replicas.max)
      issue(
        ctx,
        [...path, "fallback", "replicas"],
        `must be <= replicas.max (${w.replicas.max}): the HPA caps it there`,
        w.fallback.replicas,
      );
  }
  if (w.mode === "deployment")
    for (const dir of ["scaleUp", "scaleDown"] as const) checkRules(w[dir], [...path, dir], ctx);
}

/** The HPA API's rule on a merged direction: at least one policy, unless selectPolicy is Disabled. */
function checkRules(r: ScalingRules | undefined, path: Path, ctx: Ctx): void {
  if (r?.policies && r.policies.length === 0 && r.selectPolicy !== "Disabled")
    issue(
      ctx,
      [...path, "policies"],
      `an empty list is allowed only with selectPolicy: Disabled (the HPA API requires at least one policy otherwise; selectPolicy is ${r.selectPolicy ?? "Max by default"}); omit policies for the HPA's defaults`,
      r.policies,
    );
}

/** expr-lang words that are not variables (operators, literals; expr-lang docs "Language Definition"). */
const EXPR_WORDS = new Set([
  "and",
  "or",
  "not",
  "in",
  "matches",
  "contains",
  "startsWith",
  "endsWith",
  "let",
  "nil",
  "true",
  "false",
  "if",
  "else",
]);

/**
 * The variables a scalingModifiers formula reads: identifiers outside string literals that are neither called
 * (`max(...)`), nor a member (`.x`), nor an expr-lang word, nor bound by `let`. Not a compiler: KEDA's webhook compiles
 * the formula (expr-lang, with the trigger names as its environment); this catches a name that is not a trigger's
 * before anything is deployed.
 */
export function formulaVariables(formula: string): string[] {
  const code = formula.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, " ");
  const bound = new Set([...code.matchAll(/\blet\s+([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]));
  const out = new Set<string>();
  for (const m of code.matchAll(/(?<![\w.#$])[A-Za-z_]\w*(?!\w)(?!\s*\()/g)) {
    if (!EXPR_WORDS.has(m[0]) && !bound.has(m[0])) out.add(m[0]);
  }
  return [...out];
}

function checkFormula(w: Worker, path: Path, ctx: Ctx): void {
  const usable = w.triggers.filter((t) => !RESOURCE_TRIGGERS.includes(t.type)).map((t) => t.name);
  for (const name of formulaVariables(w.scalingModifiers!.formula)) {
    if (usable.includes(name)) continue;
    const why = w.triggers.some((t) => t.name === name)
      ? `"${name}" is a cpu/memory trigger, which KEDA keeps out of formulas (it stays an HPA metric of its own)`
      : `no trigger of this worker is named "${name}"`;
    issue(ctx, path, `${why}; the formula can use ${usable.join(", ") || "no trigger"}`, w.scalingModifiers!.formula);
  }
}
