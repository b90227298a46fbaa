import * as assert from "node:assert/strict";
import { hpaBehaviorValid, minZeroHasFallback, minZeroNeedsQueueTrigger } from "../policy/rules/autoscaling.ts";
import { behaviorProblems, measuresOwnPods } from "../policy/rules/lib/scaling.ts";
import { check, hpa, redisTrigger, scaledJob, scaledObject } from "./helpers/policy.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const text = (vs: { message: string }[]) => vs.map((v) => v.message).join("\n");

/** A prometheus trigger on the pods' GPU utilisation, as the program renders a `gpu` trigger. */
const gpuTrigger = {
  type: "prometheus",
  name: "gpu",
  metadata: { query: 'sum(DCGM_FI_DEV_GPU_UTIL{namespace="ns",pod=~"w-[a-z0-9]+-[a-z0-9]+"})', threshold: "80" },
};
const backlogTrigger = { type: "prometheus", metadata: { query: "sum(backlog)", threshold: "5" } };
const fallback = { failureThreshold: 3, replicas: 1 };

describe("policy: scaling rules (several triggers, fallback, behaviour)", () => {
  describe("keda-scale-to-zero-needs-event-trigger with several triggers", () => {
    it("fails min 0 when every trigger measures the pods (cpu, memory, DCGM GPU utilisation)", async () => {
      const vs = await check(minZeroNeedsQueueTrigger, [
        scaledObject("so", "w", { triggers: [gpuTrigger, { type: "cpu", metadata: { value: "80" } }] }),
      ]);
      assert.equal(vs.length, 1);
      assert.match(text(vs), /its triggers \(prometheus \(GPU utilisation\), cpu\) measure its own pods/);
    });
    it("passes min 0 when one trigger is a queue or another query, and min 1 with GPU utilisation only", async () => {
      assert.deepEqual(
        await check(minZeroNeedsQueueTrigger, [
          scaledObject("a", "w", { triggers: [gpuTrigger, redisTrigger()] }),
          scaledObject("b", "w", { triggers: [backlogTrigger, gpuTrigger] }),
          scaledObject("c", "w", { minReplicaCount: 1, triggers: [gpuTrigger] }),
        ]),
        [],
      );
    });
    it("measuresOwnPods: cpu, memory and DCGM queries yes; queues and other queries no", () => {
      assert.deepEqual(
        [{ type: "cpu" }, { type: "memory" }, gpuTrigger, backlogTrigger, redisTrigger()].map(measuresOwnPods),
        [true, true, true, false, false],
      );
    });
  });

  describe("keda-scale-to-zero-has-fallback (advisory)", () => {
    it("passes min-0 ScaledObjects with a fallback, min >= 1 without one, and ScaledJobs", async () => {
      assert.deepEqual(
        await check(minZeroHasFallback, [
          scaledObject("a", "w", { fallback }),
          scaledObject("b", "w", { minReplicaCount: 2 }),
          scaledJob("job"),
        ]),
        [],
      );
    });
    it("passes a min-0 ScaledObject that also scales on its GPUs' utilisation (a fallback would wake it on a Prometheus outage), not one with only a queue", async () => {
      const withGpu = scaledObject("g", "w", { triggers: [redisTrigger(), gpuTrigger] });
      assert.deepEqual(await check(minZeroHasFallback, [withGpu]), []);
      const queueOnly = scaledObject("q", "w", { triggers: [redisTrigger()] });
      assert.equal((await check(minZeroHasFallback, [queueOnly])).length, 1);
    });
    it("reports min 0 (also by default) without a fallback or with fallback.replicas 0", async () => {
      const vs = await check(minZeroHasFallback, [
        scaledObject("a", "w"),
        scaledObject("b", "w", { minReplicaCount: undefined }),
        scaledObject("c", "w", { fallback: { failureThreshold: 3, replicas: 0 } }),
      ]);
      assert.deepEqual(
        vs.map((v) => [v.enforcementLevel, v.message.split(" scales")[0]]),
        [
          ["advisory", "ScaledObject wp-workloads/a"],
          ["advisory", "ScaledObject wp-workloads/b"],
          ["advisory", "ScaledObject wp-workloads/c"],
        ],
      );
      assert.match(vs[0].message, /without a fallback: if its scaler cannot read its queue it stays at zero silently/);
      assert.match(vs[2].message, /with fallback\.replicas 0/);
    });
  });

  describe("hpa-behavior-valid", () => {
    const good = {
      scaleUp: { selectPolicy: "Max", policies: [{ type: "Pods", value: 1, periodSeconds: 90 }] },
      scaleDown: {
        stabilizationWindowSeconds: 3600,
        selectPolicy: "Disabled",
        policies: [{ type: "Percent", value: 50, periodSeconds: 1800 }],
      },
    };
    const bad = {
      scaleUp: { stabilizationWindowSeconds: 3601, selectPolicy: "Fastest", policies: [] },
      scaleDown: {
        policies: [
          { type: "Replicas", value: 0, periodSeconds: 1801 },
          { type: "Pods", value: 1, periodSeconds: 0 },
        ],
      },
    };
    const so = (behavior: Obj) =>
      scaledObject("so", "w", { advanced: { horizontalPodAutoscalerConfig: { behavior } } });

    it("passes valid behaviour on ScaledObjects and HPAs, and none at all", async () => {
      assert.deepEqual(
        await check(hpaBehaviorValid, [so(good), hpa("h", "api", { behavior: good }), hpa("x", "y")]),
        [],
      );
    });
    it("reports every API rule broken, on a ScaledObject (KEDA copies it into its HPA) and on an HPA", async () => {
      const vs = await check(hpaBehaviorValid, [so(bad), hpa("h", "api", { behavior: bad })]);
      const expected = [
        "behavior.scaleUp.stabilizationWindowSeconds 3601 is outside 0..3600.",
        "behavior.scaleUp.selectPolicy 'Fastest' is not Max, Min or Disabled.",
        "behavior.scaleUp.policies is an empty list (omit it for the defaults; selectPolicy: Disabled stops scaling).",
        "behavior.scaleDown.policies[0].type 'Replicas' is not Pods or Percent.",
        "behavior.scaleDown.policies[0].value 0 is not > 0.",
        "behavior.scaleDown.policies[0].periodSeconds 1801 is outside 1..1800.",
        "behavior.scaleDown.policies[1].periodSeconds 0 is outside 1..1800.",
      ];
      assert.deepEqual(
        vs.map((v) => v.message),
        [
          ...expected.map((e) => `ScaledObject wp-workloads/so: ${e}`),
          ...expected.map((e) => `HorizontalPodAutoscaler wp-workloads/h: ${e}`),
        ],
      );
      assert.ok(vs.every((v) => v.enforcementLevel === "mandatory"));
    });
    it("behaviorProblems: an omitted policies list is the API's defaults, not a problem", () => {
      assert.deepEqual(behaviorProblems({ scaleDown: { stabilizationWindowSeconds: 60 } }), []);
      assert.deepEqual(behaviorProblems(undefined), []);
    });
  });
});
