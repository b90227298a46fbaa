import * as assert from "assert";
import {
  minZeroNeedsQueueTrigger,
  noMetricsServerOnAks,
  prometheusAdapterNoExternal,
  resourceTriggersNeedRequests,
  scaledObjectMax,
  scaleInSafety,
  scaleTargetExists,
  scaleTargetNoReplicas,
  singleAutoscaler,
} from "../policy/rules/autoscaling";
import { aks, check, chart, deployment, eks, hpa, podSpec, res, scaledJob, scaledObject, securedContainer } from "./helpers/policy";

const DURATION = { "worker-platform/max-job-duration-seconds": "90" };
const text = (vs: { message: string }[]) => vs.map((v) => v.message).join("\n");

describe("policy: autoscaling", () => {
  describe("keda-max-replicas-set", () => {
    it("passes an explicit max", async () => {
      assert.deepStrictEqual(await check(scaledObjectMax, [scaledObject("so", "w"), scaledJob("job")]), []);
    });
    it("fails a missing max (KEDA default 100) and max below min", async () => {
      const vs = await check(scaledObjectMax, [scaledObject("so", "w", { maxReplicaCount: undefined }), scaledObject("so2", "w", { minReplicaCount: 3, maxReplicaCount: 2 })]);
      assert.match(text(vs), /maxReplicaCount is not set, so KEDA scales up to 100/);
      assert.match(text(vs), /maxReplicaCount 2 is below minReplicaCount 3/);
    });
  });

  describe("keda-scale-to-zero-needs-event-trigger", () => {
    it("passes min 0 with a queue trigger and min 1 with cpu only", async () => {
      const cpu = [{ type: "cpu", metricType: "Utilization", metadata: { value: "80" } }];
      assert.deepStrictEqual(await check(minZeroNeedsQueueTrigger, [scaledObject("a", "w"), scaledObject("b", "w", { minReplicaCount: 1, triggers: cpu })]), []);
    });
    it("fails min 0 (also by default) with only cpu/memory triggers", async () => {
      const vs = await check(minZeroNeedsQueueTrigger, [scaledObject("so", "w", { minReplicaCount: undefined, triggers: [{ type: "memory", metadata: { value: "80" } }] })]);
      assert.match(text(vs), /minReplicaCount is 0 \(default\) but its triggers \(memory\) cannot wake it from zero/);
    });
  });

  describe("resource-metric-needs-requests", () => {
    const cpuTrigger = { triggers: [{ type: "redis", metadata: { listName: "q" } }, { type: "cpu", metricType: "Utilization", metadata: { value: "80" } }] };
    it("passes when the target requests cpu", async () => {
      assert.deepStrictEqual(await check(resourceTriggersNeedRequests, [deployment("w"), scaledObject("so", "w", cpuTrigger), hpa("api", "w")]), []);
    });
    it("fails a cpu trigger or HPA Resource metric on a target without cpu requests", async () => {
      const noCpu = securedContainer("worker", { resources: { requests: { memory: "1Gi" }, limits: { memory: "1Gi" } } });
      const vs = await check(resourceTriggersNeedRequests, [deployment("w", podSpec({}, noCpu)), scaledObject("so", "w", cpuTrigger), deployment("api", podSpec({}, noCpu)), hpa("api", "api")]);
      assert.strictEqual(vs.length, 2, text(vs));
      assert.match(vs[0].message, /ScaledObject wp-workloads\/so scales on cpu but Deployment wp-workloads\/w, container 'worker', requests no cpu/);
    });
  });

  describe("scale-target-exists", () => {
    it("passes when the target is in the stack, same namespace and cluster", async () => {
      const c = aks();
      assert.deepStrictEqual(await check(scaleTargetExists, [...c.all, deployment("w", podSpec(), { provider: c.provider }), scaledObject("so", "w", {}, { provider: c.provider })]), []);
    });
    it("fails a missing target, or one on another cluster", async () => {
      const a = aks({ name: "a" });
      const b = aks({ name: "b" });
      const vs = await check(scaleTargetExists, [...a.all, ...b.all, deployment("w", podSpec(), { provider: a.provider }), scaledObject("so", "w", {}, { provider: b.provider }), scaledObject("so2", "nope")]);
      assert.strictEqual(vs.length, 2, text(vs));
      assert.match(vs[0].message, /targets Deployment 'w', which this stack does not create in namespace wp-workloads of cluster b/);
    });
  });

  describe("scaled-workload-omits-replicas", () => {
    it("passes a scaled Deployment without replicas, and a fixed one with", async () => {
      assert.deepStrictEqual(await check(scaleTargetNoReplicas, [deployment("w"), scaledObject("so", "w"), deployment("fixed", podSpec(), { replicas: 2 })]), []);
    });
    it("fails a scaled Deployment that sets replicas", async () => {
      const [v] = await check(scaleTargetNoReplicas, [deployment("w", podSpec(), { replicas: 1 }), scaledObject("so", "w")]);
      assert.match(v.message, /sets spec.replicas 1 but is scaled by ScaledObject wp-workloads\/so/);
    });
  });

  describe("single-autoscaler-per-workload", () => {
    it("passes one ScaledObject per workload", async () => {
      assert.deepStrictEqual(await check(singleAutoscaler, [deployment("w"), scaledObject("so", "w"), deployment("api"), hpa("api", "api")]), []);
    });
    it("keeps two existing clusters apart: the same workload name in each is not two autoscalers", async () => {
      const platform = res("worker-platform:platform:Platform", "wp", {});
      const objects = ["local-a", "local-b"].flatMap((cluster) => {
        const component = res("worker-platform:cluster:ExistingCluster", cluster, {}, { parent: platform });
        const provider = res("pulumi:providers:kubernetes", cluster, {}, { parent: component });
        const d = deployment(`${cluster}-w`, podSpec(), { provider, parent: platform });
        (d.plainInputs.metadata as Record<string, unknown>).name = "w";
        return [component, provider, d, scaledObject(`${cluster}-so`, "w", {}, { provider, parent: platform })];
      });
      assert.deepStrictEqual(await check(singleAutoscaler, [platform, ...objects]), []);
    });
    it("fails an HPA and a ScaledObject on one target", async () => {
      const [v] = await check(singleAutoscaler, [deployment("w"), scaledObject("so", "w"), hpa("h", "w")]);
      assert.match(v.message, /scaled by ScaledObject wp-workloads\/so and HorizontalPodAutoscaler wp-workloads\/h/);
    });
  });

  describe("scale-in-safety", () => {
    it("passes a grace period covering the declared duration", async () => {
      const d = deployment("w", podSpec({ terminationGracePeriodSeconds: 120 }), { annotations: DURATION });
      assert.deepStrictEqual(await check(scaleInSafety, [d, scaledObject("so", "w")]), []);
    });
    it("fails a short grace period, a missing declaration and a duration beyond the autoscaler's cap", async () => {
      const short = deployment("short", podSpec(), { annotations: DURATION });
      const undeclared = deployment("undeclared");
      const long = deployment("long", podSpec({ terminationGracePeriodSeconds: 7200 }), { annotations: { "worker-platform/max-job-duration-seconds": "7200" } });
      const vs = await check(scaleInSafety, [short, scaledObject("a", "short"), undeclared, scaledObject("b", "undeclared"), long, scaledObject("c", "long")]);
      const t = text(vs);
      assert.match(t, /short: terminationGracePeriodSeconds 30 is shorter than its max job duration of 90 s/);
      assert.match(t, /undeclared is scaled by ScaledObject wp-workloads\/b but declares no worker-platform\/max-job-duration-seconds/);
      assert.match(t, /long: its max job duration of 7200 s exceeds the cluster autoscaler's max-graceful-termination-sec of 600 s.*job mode/);
    });
    it("reads the AKS autoscaler profile's cap, and checks ScaledJob deadlines", async () => {
      const c = aks({ cluster: { autoScalerProfile: { maxGracefulTerminationSec: "900" } } });
      const d = deployment("w", podSpec({ terminationGracePeriodSeconds: 800 }), { annotations: { "worker-platform/max-job-duration-seconds": "800" }, provider: c.provider });
      assert.deepStrictEqual(await check(scaleInSafety, [...c.all, d, scaledObject("so", "w", {}, { provider: c.provider })]), []);
      const job = scaledJob("render", podSpec(), { jobTargetRef: { activeDeadlineSeconds: 60, template: { spec: podSpec() } } });
      (job.plainInputs.metadata as Record<string, unknown>).annotations = { "worker-platform/max-job-duration-seconds": "7200" };
      assert.match(text(await check(scaleInSafety, [job])), /activeDeadlineSeconds 60 kills jobs before their declared max duration of 7200 s/);
    });
  });

  describe("prometheus-adapter-custom-metrics-only", () => {
    it("passes custom rules only", async () => {
      assert.deepStrictEqual(await check(prometheusAdapterNoExternal, [chart("pa", "prometheus-adapter", { rules: { default: true, custom: [{ seriesQuery: "x" }], external: [] } })]), []);
    });
    it("fails external/resource rules and foreign external-metrics APIServices", async () => {
      const api = res("kubernetes:apiregistration.k8s.io/v1:APIService", "ext", { metadata: { name: "v1beta1.external.metrics.k8s.io" }, spec: { service: { name: "prometheus-adapter", namespace: "monitoring" } } });
      const vs = await check(prometheusAdapterNoExternal, [chart("pa", "prometheus-community/prometheus-adapter", { rules: { external: [{ seriesQuery: "q" }], resource: { cpu: {} } } }), api]);
      assert.strictEqual(vs.length, 3, text(vs));
    });
  });

  describe("no-metrics-server-chart-on-aks", () => {
    it("passes metrics-server on EKS", async () => {
      const e = eks();
      assert.deepStrictEqual(await check(noMetricsServerOnAks, [...e.all, chart("ms", "metrics-server", {}, { provider: e.provider })]), []);
    });
    it("fails metrics-server on AKS", async () => {
      const c = aks();
      const [v] = await check(noMetricsServerOnAks, [...c.all, chart("dev-aks-metrics-server", "metrics-server", {}, { parent: c.addons })]);
      assert.match(v.message, /installs metrics-server on AKS cluster dev-aks/);
    });
  });
});
