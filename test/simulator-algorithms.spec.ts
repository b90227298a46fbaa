import * as assert from "node:assert/strict";
import {
  externalAverageValueReplicas,
  hpaSync,
  newHpaMemory,
  normalizeLegacy,
  normalizeWithBehaviors,
  resourceUtilizationReplicas,
} from "../simulator/model/hpa.ts";
import {
  combineScaledJobScalers,
  effectiveMaxScale,
  isActive,
  scaledJobCreates,
  scaledObjectRequestScale,
} from "../simulator/model/keda.ts";
import { compileFormula } from "../simulator/formula.ts";
import { externalValueReplicas } from "../simulator/model/hpa.ts";
import { EventQueue, Rng } from "../simulator/model/rng.ts";

// Hand-computed cases from the upstream source: kubernetes/kubernetes pkg/controller/podautoscaler (horizontal.go,
// replica_calculator.go, pkg/apis/autoscaling/v2/defaults.go) and kedacore/keda v2.20.2 (scale_scaledobjects.go,
// scale_jobs.go).

describe("simulator: HPA replica calculation", () => {
  it("External AverageValue: inside the 0.1 tolerance keeps the count, outside it is ceil(usage / target)", () => {
    assert.equal(externalAverageValueReplicas(21, 2, 10), 10); // ratio 1.05
    assert.equal(externalAverageValueReplicas(19, 2, 10), 10); // ratio 0.95
    assert.equal(externalAverageValueReplicas(23, 2, 10), 12); // ratio 1.15 → ceil(11.5)
    assert.equal(externalAverageValueReplicas(17, 2, 10), 9); // ratio 0.85 → ceil(8.5)
    assert.equal(externalAverageValueReplicas(0, 5, 3), 0);
    assert.equal(externalAverageValueReplicas(22, 2, 10, 0.05), 11); // a tighter tolerance acts on 1.1
  });

  it("Resource Utilization: ceil(ratio × ready pods) outside the tolerance", () => {
    assert.equal(resourceUtilizationReplicas(100, 50, 3), 6);
    assert.equal(resourceUtilizationReplicas(52, 50, 3), 3);
    assert.equal(resourceUtilizationReplicas(20, 80, 4), 1);
  });

  it("legacy (no behavior): scale-up limited to max(2 × current, 4) per sync: 1 → 4 → 8 → 16", () => {
    const mem = newHpaMemory();
    const steps: number[] = [];
    let current = 1;
    for (let t = 0; t < 60; t += 15) {
      current = hpaSync(mem, undefined, t, current, 200, 1, 100);
      steps.push(current);
    }
    assert.deepEqual(steps, [4, 8, 16, 32]);
  });

  it("legacy: scale-down holds the largest recommendation of the last 300 s", () => {
    const mem = newHpaMemory();
    assert.equal(normalizeLegacy(mem, 0, 10, 10, 1, 100), 10);
    assert.equal(normalizeLegacy(mem, 100, 10, 2, 1, 100), 10);
    assert.equal(normalizeLegacy(mem, 299, 10, 2, 1, 100), 10);
    // the 10 recorded at 0 left the window (After(now − 300) is strict)
    assert.equal(normalizeLegacy(mem, 301, 10, 2, 1, 100), 2);
  });

  it("behavior defaults (Pods 4 and Percent 100 per 15 s, Max): 1 → 5 → 10 → 20 → 40", () => {
    const mem = newHpaMemory();
    const steps: number[] = [];
    let current = 1;
    for (let t = 0; t < 60; t += 15) {
      current = hpaSync(mem, { scaleUp: { stabilizationWindowSeconds: 0 } }, t, current, 200, 1, 100);
      steps.push(current);
    }
    // start = current − added in the last 15 s (the event 15 s ago is not After the cutoff): Pods start+4, Percent 2×start
    assert.deepEqual(steps, [5, 10, 20, 40]);
  });

  it("behavior: a Pods policy of maxReplicas per 15 s removes the ramp; selectPolicy Min and Disabled", () => {
    const pods50 = {
      scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: "Pods" as const, value: 50, periodSeconds: 15 }] },
    };
    assert.equal(hpaSync(newHpaMemory(), pods50, 0, 1, 200, 1, 50), 50);
    const min = {
      scaleUp: {
        selectPolicy: "Min" as const,
        policies: [
          { type: "Pods" as const, value: 4, periodSeconds: 15 },
          { type: "Percent" as const, value: 100, periodSeconds: 15 },
        ],
      },
    };
    assert.equal(hpaSync(newHpaMemory(), min, 0, 10, 100, 1, 100), 14);
    assert.equal(hpaSync(newHpaMemory(), { scaleUp: { selectPolicy: "Disabled" } }, 0, 10, 100, 1, 100), 10);
  });

  it("behavior: the events of a policy's period count against it (60 s period: 10 → 14, then held)", () => {
    const b = { scaleUp: { policies: [{ type: "Pods" as const, value: 4, periodSeconds: 60 }] } };
    const mem = newHpaMemory();
    assert.equal(hpaSync(mem, b, 0, 10, 100, 1, 100), 14);
    assert.equal(hpaSync(mem, b, 15, 14, 100, 1, 100), 14); // start = 14 − 4 = 10 → limit 14
    assert.equal(hpaSync(mem, b, 61, 14, 100, 1, 100), 18);
  });

  it("behavior: down stabilization window and a Pods scale-down policy", () => {
    const mem = newHpaMemory();
    const down = {
      scaleDown: {
        stabilizationWindowSeconds: 300,
        policies: [{ type: "Pods" as const, value: 1, periodSeconds: 15 }],
      },
    };
    // the first sync records the current count (maybeInitScaleDownStabilizationWindow): 10 holds for 300 s
    assert.equal(normalizeWithBehaviors(mem, down, 0, 10, 2, 1, 100), 10);
    assert.equal(normalizeWithBehaviors(mem, down, 200, 10, 2, 1, 100), 10);
    assert.equal(normalizeWithBehaviors(mem, down, 301, 10, 2, 1, 100), 9); // window passed; 1 pod per 15 s
    const pct = {
      scaleDown: {
        stabilizationWindowSeconds: 0,
        policies: [{ type: "Percent" as const, value: 50, periodSeconds: 15 }],
      },
    };
    assert.equal(hpaSync(newHpaMemory(), pct, 0, 5, 0, 1, 100), 2); // floor(5 × 0.5) = 2 (int32 truncation)
  });

  it("spec replicas 0 with min > 0 is KEDA's idle state: the HPA leaves it; above max → max; below min → min", () => {
    assert.equal(hpaSync(newHpaMemory(), undefined, 0, 0, 50, 1, 10), 0);
    assert.equal(hpaSync(newHpaMemory(), undefined, 0, 12, 1, 1, 10), 10);
    assert.equal(hpaSync(newHpaMemory(), undefined, 0, 1, 1, 3, 10), 3);
  });
});

describe("simulator: KEDA", () => {
  it("activation is strict: active iff metric > activation, any trigger", () => {
    assert.equal(isActive([{ value: 5, activation: 5 }]), false);
    assert.equal(isActive([{ value: 6, activation: 5 }]), true);
    assert.equal(
      isActive([
        { value: 0, activation: 0 },
        { value: 1, activation: 0 },
      ]),
      true,
    );
    assert.equal(isActive([]), false);
  });

  it("ScaledObject: 0 → max(min, 1) when active, → 0 only strictly after cooldownPeriod since the last active poll", () => {
    const st = { lastActiveTime: undefined as number | undefined };
    assert.equal(scaledObjectRequestScale(st, 100, true, 0, 0, 300), 1);
    assert.equal(st.lastActiveTime, 100);
    assert.equal(scaledObjectRequestScale(st, 130, true, 3, 0, 300), undefined); // 1..N is the HPA's
    assert.equal(st.lastActiveTime, 130);
    assert.equal(scaledObjectRequestScale(st, 430, false, 3, 0, 300), undefined); // 130 + 300 is not before 430
    assert.equal(scaledObjectRequestScale(st, 431, false, 3, 0, 300), 0);
    assert.equal(scaledObjectRequestScale({ lastActiveTime: 0 }, 1000, false, 3, 2, 300), undefined); // min > 0: never 0
    assert.equal(scaledObjectRequestScale({ lastActiveTime: 0 }, 10, true, 0, 3, 300), 3);
    // never active: initialCooldownPeriod from the ScaledObject's creation, not cooldownPeriod
    const fresh = () => ({ lastActiveTime: undefined });
    assert.equal(scaledObjectRequestScale(fresh(), 500, false, 1, 0, 300, 600, 0), undefined);
    assert.equal(scaledObjectRequestScale(fresh(), 601, false, 1, 0, 300, 600, 0), 0);
    assert.equal(scaledObjectRequestScale(fresh(), 1, false, 1, 0, 300, 0, 0), 0);
  });

  it("ScaledJob strategies as GetEffectiveMaxScale computes them", () => {
    // default: maxScale − running
    assert.deepEqual(effectiveMaxScale({ strategy: "default" }, 10, 3, 2, 100, 10), { effective: 7, scaleTo: 10 });
    // custom: min(maxScale − deduction − floor(running × pct), max)
    assert.deepEqual(
      effectiveMaxScale({ strategy: "custom", queueLengthDeduction: 1, runningJobPercentage: 0.5 }, 10, 5, 0, 100, 10),
      { effective: 7, scaleTo: 10 },
    );
    // accurate: below the cap maxScale − pending; at the cap max − running
    assert.deepEqual(effectiveMaxScale({ strategy: "accurate" }, 10, 3, 2, 100, 10), { effective: 8, scaleTo: 10 });
    assert.deepEqual(effectiveMaxScale({ strategy: "accurate" }, 10, 3, 2, 10, 10), { effective: 7, scaleTo: 10 });
    // eager: min(max − running − pending, maxScale), scaleTo = max
    assert.deepEqual(effectiveMaxScale({ strategy: "eager" }, 3, 2, 1, 10, 3), { effective: 3, scaleTo: 10 });
  });

  it("ScaledJob: jobs created per poll (ceil of queue/target, the min top-up, only when active)", () => {
    assert.equal(scaledJobCreates({ strategy: "default" }, 10, 1, true, 3, 0, 0, 100), 7);
    assert.equal(scaledJobCreates({ strategy: "default" }, 10, 4, true, 0, 0, 0, 100), 3); // ceil(10 / 4)
    assert.equal(scaledJobCreates({ strategy: "accurate" }, 10, 1, true, 3, 2, 0, 100), 8);
    assert.equal(scaledJobCreates({ strategy: "eager" }, 3, 1, true, 2, 1, 0, 10), 3);
    assert.equal(scaledJobCreates({ strategy: "default" }, 200, 1, true, 0, 0, 0, 50), 50); // whole burst in one poll
    assert.equal(scaledJobCreates({ strategy: "default" }, 10, 1, false, 0, 0, 0, 100), 0);
    assert.equal(scaledJobCreates({ strategy: "default" }, 1, 1, true, 0, 0, 2, 100), 2); // below min: top up
    assert.equal(scaledJobCreates({ strategy: "default" }, 5, 1, true, 9, 0, 0, 10), 0); // never negative
  });
});

describe("simulator: several triggers and scalingModifiers", () => {
  // Two scalers: 12 waiting at target 4 (maxValue 3) and 30 waiting at target 10 (maxValue 3); an inactive third.
  const scalers = [
    { value: 12, target: 4, activation: 0 },
    { value: 30, target: 10, activation: 0 },
    { value: 100, target: 1, activation: 100 },
  ];
  it("ScaledJob multipleScalersCalculation as KEDA's IsScaledJobActive: inactive scalers never count", () => {
    assert.deepEqual(combineScaledJobScalers(scalers, "max", 0, 50), { active: true, scaleTo: 30, maxScale: 3 });
    assert.deepEqual(combineScaledJobScalers(scalers, "min", 0, 50), { active: true, scaleTo: 12, maxScale: 3 });
    assert.deepEqual(combineScaledJobScalers(scalers, "avg", 0, 50), { active: true, scaleTo: 21, maxScale: 3 });
    assert.deepEqual(combineScaledJobScalers(scalers, "sum", 0, 50), { active: true, scaleTo: 42, maxScale: 6 });
    // capped by max; nothing active → inactive unless minReplicaCount > 0
    assert.equal(combineScaledJobScalers(scalers, "sum", 0, 5).maxScale, 5);
    const idle = [{ value: 0, target: 1, activation: 0 }];
    assert.equal(combineScaledJobScalers(idle, "max", 0, 5).active, false);
    assert.equal(combineScaledJobScalers(idle, "max", 1, 5).active, true);
  });

  it("a formula of the docs' subset evaluates over the triggers' metrics (prod's llm)", () => {
    const f = compileFormula("redis == 0 ? 0 : max(redis, gpu / 85 * 4)", ["redis", "gpu"]);
    assert.equal(typeof f, "function");
    if (typeof f !== "function") return;
    assert.equal(f({ redis: 0, gpu: 170 }), 0); // hot GPUs alone add nothing
    assert.equal(f({ redis: 2, gpu: 170 }), 8);
    assert.equal(f({ redis: 12, gpu: 85 }), 12);
    const g = compileFormula("a > 0 && !(b >= 3) ? abs(-a) : floor(b / 2)", ["a", "b"]);
    assert.ok(typeof g === "function");
    assert.equal(g({ a: 2, b: 1 }), 2);
    assert.equal(g({ a: 2, b: 5 }), 2);
    const div = compileFormula("a / b", ["a", "b"]);
    assert.ok(typeof div === "function");
    assert.equal(div({ a: 1, b: 0 }), 0); // not finite: 0
  });

  it("a formula outside the subset, or naming no trigger, is reported as not modelled", () => {
    for (const [formula, reason] of [
      ["a and b", "not a JavaScript-compatible expression"],
      ["a ?? 1", "not a JavaScript-compatible expression"],
      ["a.b", "MemberExpression"],
      ["c + 1", "unknown name c"],
      ["sqrt(a)", "a function call"],
      ['a == "x"', "literal"],
    ]) {
      const out = compileFormula(formula, ["a", "b"]);
      assert.ok(typeof out !== "function" && out.notModelled.includes(reason), `${formula}: ${JSON.stringify(out)}`);
    }
  });

  it("External Value target: ceil(usage / target × ready pods) outside the tolerance", () => {
    assert.equal(externalValueReplicas(20, 10, 3, 3), 6);
    assert.equal(externalValueReplicas(10.5, 10, 3, 3), 3); // inside 0.1
  });
});

describe("simulator: RNG and event queue", () => {
  it("a seed gives one sequence; lognormal samples hit their p50 and p95", () => {
    const a = new Rng(42);
    const b = new Rng(42);
    assert.deepEqual([a.next(), a.next()], [b.next(), b.next()]);
    const r = new Rng(7);
    const xs = Array.from({ length: 20000 }, () => r.sample({ p50: 60, p95: 120 })).sort((x, y) => x - y);
    assert.ok(Math.abs(xs[10000] - 60) < 3, `p50 ${xs[10000]}`);
    assert.ok(Math.abs(xs[19000] - 120) < 8, `p95 ${xs[19000]}`);
    assert.equal(r.sample({ p50: 5, p95: 5 }), 5);
  });

  it("events run by time, ties in insertion order", () => {
    const q = new EventQueue<string>();
    q.push(5, "b");
    q.push(1, "a");
    q.push(5, "c");
    q.push(0, "z");
    const out: string[] = [];
    for (let e = q.pop(); e; e = q.pop()) out.push(e.item);
    assert.deepEqual(out, ["z", "a", "b", "c"]);
  });
});
