import * as assert from "assert";
import {
  minZeroNeedsQueueTrigger,
  noMemoryTriggerOnQueueWorkers,
  noMetricsServerOnAks,
  productionMinReplicas,
  prometheusAdapterNoExternal,
  resourceTriggersNeedRequests,
  scaledObjectMax,
  scaleInSafety,
  scaleTargetExists,
  scaledWorkloadMarked,
  scaleTargetNoReplicas,
  singleAutoscaler,
} from "../policy/rules/autoscaling.ts";
import {
  aks,
  apiService,
  check,
  chart,
  cliChart,
  deployment,
  deploymentOutputs,
  eks,
  hpa,
  podSpec,
  rendered,
  res,
  scaledJob,
  scaledObject,
  securedContainer,
} from "./helpers/policy.ts";

const DURATION = { "worker-platform/max-job-duration-seconds": "90" };
const KEDA = { "worker-platform/scaled-by": "keda" };
const HPA = { "worker-platform/scaled-by": "hpa" };
const capAnnotation = (seconds: number) => ({
  "worker-platform/autoscaler-max-graceful-termination-seconds": String(seconds),
});
const long = (seconds: number, extra: Record<string, string> = {}, o: { provider?: ReturnType<typeof res> } = {}) =>
  deployment("long", podSpec({ terminationGracePeriodSeconds: seconds }), {
    annotations: { "worker-platform/max-job-duration-seconds": String(seconds), ...extra },
    ...o,
  });
const text = (vs: { message: string }[]) => vs.map((v) => v.message).join("\n");

describe("policy: autoscaling", () => {
  describe("production-min-replicas", () => {
    const prod = { stack: "prod" };
    it("fails an HPA below the floor in production (min 1, or unset: Kubernetes' default of 1), naming it and the floor", async () => {
      const vs = await check(
        productionMinReplicas,
        [hpa("api", "api", {}, prod), hpa("web", "web", { minReplicas: undefined }, prod)],
        prod,
      );
      assert.strictEqual(vs.length, 2, text(vs));
      assert.match(
        vs[0].message,
        /HorizontalPodAutoscaler wp-workloads\/api: minReplicas 1 is below the production floor of 2/,
      );
      assert.match(vs[1].message, /web: minReplicas 1 is below/);
      assert.strictEqual(vs[0].enforcementLevel, "mandatory");
    });
    it("passes at the floor, outside production, and for ScaledObjects (workers scale to zero by design)", async () => {
      assert.deepStrictEqual(
        await check(
          productionMinReplicas,
          [hpa("api", "api", { minReplicas: 2 }, prod), scaledObject("w", "w", {}, prod)],
          prod,
        ),
        [],
      );
      assert.deepStrictEqual(await check(productionMinReplicas, [hpa("api", "api")], { stack: "dev" }), []);
    });
    it("minReplicas and production come from the rule's config", async () => {
      const vs = await check(productionMinReplicas, [hpa("api", "api", { minReplicas: 2 }, prod)], {
        ...prod,
        config: { "production-min-replicas": { minReplicas: 3 } },
      });
      assert.strictEqual(vs.length, 1, text(vs));
      assert.match(vs[0].message, /minReplicas 2 is below the production floor of 3/);
      const staging = await check(productionMinReplicas, [hpa("api", "api")], {
        stack: "staging",
        config: { "production-min-replicas": { production: true } },
      });
      assert.strictEqual(staging.length, 1, text(staging));
    });
    it("reports an unknown minReplicas as can't run", async () => {
      const vs = await check(productionMinReplicas, [hpa("api", "api", { minReplicas: "[unknown]" }, prod)], prod);
      assert.strictEqual(vs.length, 1, text(vs));
      assert.match(vs[0].message, /can't run policy 'production-min-replicas' during preview/);
    });
  });

  describe("keda-max-replicas-set", () => {
    it("passes an explicit max", async () => {
      assert.deepStrictEqual(await check(scaledObjectMax, [scaledObject("so", "w"), scaledJob("job")]), []);
    });
    it("fails a missing max (KEDA default 100) and max below min", async () => {
      const vs = await check(scaledObjectMax, [
        scaledObject("so", "w", { maxReplicaCount: undefined }),
        scaledObject("so2", "w", { minReplicaCount: 3, maxReplicaCount: 2 }),
      ]);
      assert.match(text(vs), /maxReplicaCount is not set, so KEDA scales up to 100/);
      assert.match(text(vs), /maxReplicaCount 2 is below minReplicaCount 3/);
    });
  });

  describe("keda-scale-to-zero-needs-event-trigger", () => {
    it("passes min 0 with a queue trigger and min 1 with cpu only", async () => {
      const cpu = [{ type: "cpu", metricType: "Utilization", metadata: { value: "80" } }];
      assert.deepStrictEqual(
        await check(minZeroNeedsQueueTrigger, [
          scaledObject("a", "w"),
          scaledObject("b", "w", { minReplicaCount: 1, triggers: cpu }),
        ]),
        [],
      );
    });
    it("fails min 0 (also by default) with only cpu/memory triggers", async () => {
      const vs = await check(minZeroNeedsQueueTrigger, [
        scaledObject("so", "w", {
          minReplicaCount: undefined,
          triggers: [{ type: "memory", metadata: { value: "80" } }],
        }),
      ]);
      assert.match(
        text(vs),
        /minReplicaCount is 0 \(default\) but its triggers \(memory\) measure its own pods and cannot wake it from zero/,
      );
    });
  });

  describe("no-memory-trigger-on-queue-workers", () => {
    const memory = { type: "memory", metricType: "Utilization", metadata: { value: "85" } };
    const cpu = { type: "cpu", metricType: "Utilization", metadata: { value: "80" } };
    const queue = { type: "rabbitmq", metadata: { queueName: "embeddings" } };
    it("reports a memory trigger next to a queue trigger, advisory, naming the triggers and the max it holds", async () => {
      const vs = await check(noMemoryTriggerOnQueueWorkers, [
        scaledObject("embedder", "embedder", { maxReplicaCount: 30, triggers: [queue, cpu, memory] }),
      ]);
      assert.strictEqual(vs.length, 1, text(vs));
      assert.match(
        vs[0].message,
        /ScaledObject wp-workloads\/embedder scales on rabbitmq and on memory: .*holds the worker at maxReplicaCount \(30\)/,
      );
      assert.strictEqual(vs[0].enforcementLevel, "advisory");
    });
    it("passes a queue worker on cpu, a worker on memory alone (no queue), an HPA, and a waived ScaledObject", async () => {
      const waived = scaledObject("w2", "w2", { triggers: [queue, memory] });
      (waived.inputs.metadata as Record<string, unknown>).annotations = {
        "policy.worker-platform/waive": "no-memory-trigger-on-queue-workers",
      };
      assert.deepStrictEqual(
        await check(noMemoryTriggerOnQueueWorkers, [
          scaledObject("a", "a", { triggers: [queue, cpu] }),
          scaledObject("b", "b", { minReplicaCount: 1, triggers: [memory] }),
          hpa("api", "api"),
          waived,
        ]),
        [],
      );
    });
  });

  describe("resource-metric-needs-requests", () => {
    const cpuTrigger = {
      triggers: [
        { type: "redis", metadata: { listName: "q" } },
        { type: "cpu", metricType: "Utilization", metadata: { value: "80" } },
      ],
    };
    it("passes when the target requests cpu", async () => {
      assert.deepStrictEqual(
        await check(resourceTriggersNeedRequests, [
          deployment("w"),
          scaledObject("so", "w", cpuTrigger),
          hpa("api", "w"),
        ]),
        [],
      );
    });
    it("fails a cpu trigger or HPA Resource metric on a target without cpu requests", async () => {
      const noCpu = securedContainer("worker", {
        resources: { requests: { memory: "1Gi" }, limits: { memory: "1Gi" } },
      });
      const vs = await check(resourceTriggersNeedRequests, [
        deployment("w", podSpec({}, noCpu)),
        scaledObject("so", "w", cpuTrigger),
        deployment("api", podSpec({}, noCpu)),
        hpa("api", "api"),
      ]);
      assert.strictEqual(vs.length, 2, text(vs));
      assert.match(
        vs[0].message,
        /ScaledObject wp-workloads\/so scales on cpu but Deployment wp-workloads\/w, container 'worker', requests no cpu/,
      );
    });
  });

  describe("scale-target-exists", () => {
    it("passes when the target is in the stack, same namespace and cluster", async () => {
      const c = aks();
      assert.deepStrictEqual(
        await check(scaleTargetExists, [
          ...c.all,
          deployment("w", podSpec(), { provider: c.provider }),
          scaledObject("so", "w", {}, { provider: c.provider }),
        ]),
        [],
      );
    });
    it("fails a missing target, or one on another cluster", async () => {
      const a = aks({ name: "a" });
      const b = aks({ name: "b" });
      const vs = await check(scaleTargetExists, [
        ...a.all,
        ...b.all,
        deployment("w", podSpec(), { provider: a.provider }),
        scaledObject("so", "w", {}, { provider: b.provider }),
        scaledObject("so2", "nope"),
      ]);
      assert.strictEqual(vs.length, 2, text(vs));
      assert.match(
        vs[0].message,
        /targets Deployment 'w', which this stack does not create in namespace wp-workloads of cluster b/,
      );
    });
  });

  describe("scaled-workload-omits-replicas", () => {
    it("passes an annotated (scaled) Deployment without replicas, and an unannotated fixed one with", async () => {
      const vs = await check(scaleTargetNoReplicas, [
        deployment("w", podSpec(), { annotations: KEDA }),
        deployment("api", podSpec(), { annotations: HPA }),
        deployment("fixed", podSpec(), { replicas: 2 }),
      ]);
      assert.deepStrictEqual(vs, []);
    });
    it("fails an annotated Deployment or StatefulSet whose inputs set replicas", async () => {
      const sts = deployment("db", podSpec(), { annotations: HPA, replicas: 3 });
      sts.type = "kubernetes:apps/v1:StatefulSet";
      sts.urn = sts.urn.replace("kubernetes:apps/v1:Deployment", sts.type);
      const vs = await check(scaleTargetNoReplicas, [
        deployment("w", podSpec(), { annotations: KEDA, replicas: 1 }),
        sts,
      ]);
      assert.strictEqual(vs.length, 2, text(vs));
      assert.match(
        vs[0].message,
        /Deployment wp-workloads\/w is scaled by keda \(worker-platform\/scaled-by\) but sets spec.replicas 1/,
      );
      assert.match(vs[1].message, /StatefulSet wp-workloads\/db is scaled by hpa .* sets spec.replicas 3/);
      assert.strictEqual(vs[0].enforcementLevel, "mandatory");
    });
    it("is a resource rule (inputs), so it never sees the replicas a live Deployment's outputs always carry", () => {
      assert.ok("validateResource" in scaleTargetNoReplicas && !("validateStack" in scaleTargetNoReplicas));
    });
    it("reports an unknown replicas count as can't run, not a pass", async () => {
      const d = deployment("w", podSpec(), { annotations: KEDA });
      ((d.plainInputs as Record<string, any>).spec as Record<string, unknown>).replicas = "[unknown]"; // eslint-disable-line @typescript-eslint/no-explicit-any
      const [v] = await check(scaleTargetNoReplicas, [d]);
      assert.match(v.message, /can't run policy 'scaled-workload-omits-replicas' during preview/);
    });
    it("reports unknown annotations as can't run: whether the Deployment is autoscaled is not known", async () => {
      const d = deployment("w", podSpec(), { replicas: 1 });
      ((d.plainInputs as Record<string, any>).metadata as Record<string, unknown>).annotations = "[unknown]"; // eslint-disable-line @typescript-eslint/no-explicit-any
      const vs = await check(scaleTargetNoReplicas, [d]);
      assert.equal(vs.length, 1, text(vs));
      assert.match(vs[0].message, /can't run policy 'scaled-workload-omits-replicas' during preview/);
      assert.equal(vs[0].enforcementLevel, "advisory");
    });
  });

  describe("scaled-workload-marked", () => {
    it("passes autoscaler targets annotated with their autoscaler, and unscaled Deployments without", async () => {
      const rs = [
        deployment("w", podSpec(), { annotations: KEDA }),
        scaledObject("so", "w"),
        deployment("api", podSpec(), { annotations: HPA }),
        hpa("api", "api"),
        deployment("fixed", podSpec(), { replicas: 2 }),
      ];
      assert.deepStrictEqual(await check(scaledWorkloadMarked, rs), []);
    });
    it("holds on OUTPUT-shaped props (CLI stack rules): a live annotated Deployment with spec.replicas 1 is fine", async () => {
      const live = deploymentOutputs("w", podSpec(), { annotations: KEDA, replicas: 1 });
      assert.strictEqual((live.plainInputs as Record<string, any>).spec.replicas, 1); // eslint-disable-line @typescript-eslint/no-explicit-any
      assert.deepStrictEqual(
        await check(scaledWorkloadMarked, [
          live,
          scaledObject("so", "w"),
          deploymentOutputs("api", podSpec(), { annotations: HPA, replicas: 4 }),
          hpa("api", "api"),
        ]),
        [],
      );
    });
    it("fails a target without the annotation (outputs too: the message is about the annotation, never replicas)", async () => {
      const vs = await check(scaledWorkloadMarked, [
        deploymentOutputs("w"),
        scaledObject("so", "w"),
        deployment("api"),
        hpa("h", "api"),
      ]);
      assert.strictEqual(vs.length, 2, text(vs));
      assert.match(
        vs[0].message,
        /Deployment wp-workloads\/w is scaled by ScaledObject wp-workloads\/so but lacks the worker-platform\/scaled-by annotation/,
      );
      assert.doesNotMatch(text(vs), /replicas 1/);
    });
    it("skips a Deployment and HPA a Helm chart renders (CLI shape: chart children)", async () => {
      const c = cliChart("dev-aks-some-chart");
      const d = deploymentOutputs("srv", podSpec(), { parent: c });
      assert.deepStrictEqual(await check(scaledWorkloadMarked, [c, d, hpa("srv", "srv", {}, { parent: c })]), []);
    });
    it("fails an annotation naming the wrong autoscaler", async () => {
      const [v] = await check(scaledWorkloadMarked, [
        deployment("api", podSpec(), { annotations: KEDA }),
        hpa("h", "api"),
      ]);
      assert.match(
        v.message,
        /worker-platform\/scaled-by is 'keda' but it is scaled by HorizontalPodAutoscaler wp-workloads\/h \(expected 'hpa'\)/,
      );
    });
  });

  describe("single-autoscaler-per-workload", () => {
    it("passes one ScaledObject per workload", async () => {
      assert.deepStrictEqual(
        await check(singleAutoscaler, [deployment("w"), scaledObject("so", "w"), deployment("api"), hpa("api", "api")]),
        [],
      );
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
    it("fails two ScaledObjects on one target", async () => {
      const vs = await check(singleAutoscaler, [deployment("w"), scaledObject("so1", "w"), scaledObject("so2", "w")]);
      assert.strictEqual(vs.length, 1, text(vs));
      assert.match(vs[0].message, /scaled by ScaledObject wp-workloads\/so1 and ScaledObject wp-workloads\/so2/);
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
      const long = deployment("long", podSpec({ terminationGracePeriodSeconds: 7200 }), {
        annotations: { "worker-platform/max-job-duration-seconds": "7200" },
      });
      const vs = await check(scaleInSafety, [
        short,
        scaledObject("a", "short"),
        undeclared,
        scaledObject("b", "undeclared"),
        long,
        scaledObject("c", "long"),
      ]);
      const t = text(vs);
      assert.match(t, /short: terminationGracePeriodSeconds 30 is shorter than its max job duration of 90 s/);
      assert.match(
        t,
        /undeclared is scaled by ScaledObject wp-workloads\/b but declares no worker-platform\/max-job-duration-seconds/,
      );
      assert.match(
        t,
        /long: its max job duration of 7200 s exceeds the cluster autoscaler's max-graceful-termination-sec of 600 s.*job mode/,
      );
    });
    it("reads the AKS autoscaler profile's cap, and checks ScaledJob deadlines", async () => {
      const c = aks({ cluster: { autoScalerProfile: { maxGracefulTerminationSec: "900" } } });
      const d = deployment("w", podSpec({ terminationGracePeriodSeconds: 800 }), {
        annotations: { "worker-platform/max-job-duration-seconds": "800" },
        provider: c.provider,
      });
      assert.deepStrictEqual(
        await check(scaleInSafety, [...c.all, d, scaledObject("so", "w", {}, { provider: c.provider })]),
        [],
      );
      const job = scaledJob("render", podSpec(), {
        jobTargetRef: { activeDeadlineSeconds: 60, template: { spec: podSpec() } },
      });
      (job.plainInputs.metadata as Record<string, unknown>).annotations = {
        "worker-platform/max-job-duration-seconds": "7200",
      };
      assert.match(
        text(await check(scaleInSafety, [job])),
        /activeDeadlineSeconds 60 kills jobs before their declared max duration of 7200 s/,
      );
    });
  });

  describe("scale-in-safety: where the cluster autoscaler's cap comes from", () => {
    it("reads the worker's grace-cap annotation first (what holds under the CLI, where chart values are not visible)", async () => {
      const e = eks();
      const p = { provider: e.provider };
      // The chart's values say 600, the annotation 3600: the annotation wins.
      const ca = chart(
        "prod-eks-cluster-autoscaler",
        "cluster-autoscaler",
        { extraArgs: { "max-graceful-termination-sec": 600 } },
        p,
      );
      assert.deepStrictEqual(
        await check(scaleInSafety, [
          ...e.all,
          ca,
          long(1800, capAnnotation(3600), p),
          scaledObject("so", "long", {}, p),
        ]),
        [],
      );
      const [v] = await check(scaleInSafety, [
        ...e.all,
        ca,
        long(1800, capAnnotation(900), p),
        scaledObject("so", "long", {}, p),
      ]);
      assert.match(
        v.message,
        /1800 s exceeds the cluster autoscaler's max-graceful-termination-sec of 900 s on prod-eks \(from worker-platform\/autoscaler-max-graceful-termination-seconds\)/,
      );
    });
    it("AKS: annotation, then the autoScalerProfile", async () => {
      const c = aks({ cluster: { autoScalerProfile: { maxGracefulTerminationSec: "900" } } });
      const p = { provider: c.provider };
      assert.match(
        text(await check(scaleInSafety, [...c.all, long(1200, {}, p), scaledObject("so", "long", {}, p)])),
        /of 900 s on dev-aks \(from the AKS autoScalerProfile\)/,
      );
      assert.deepStrictEqual(
        await check(scaleInSafety, [...c.all, long(1200, capAnnotation(1200), p), scaledObject("so", "long", {}, p)]),
        [],
      );
    });
    it("EKS offline: the chart's values; CLI: the autoscaler Deployment the chart renders; else 600", async () => {
      const e = eks();
      const p = { provider: e.provider };
      const worker = [long(1800, {}, p), scaledObject("so", "long", {}, p)];
      const offline = chart(
        "prod-eks-cluster-autoscaler",
        "cluster-autoscaler",
        { extraArgs: { "max-graceful-termination-sec": 1800 } },
        p,
      );
      assert.deepStrictEqual(await check(scaleInSafety, [...e.all, offline, ...worker]), []);
      const cli = cliChart("prod-eks-cluster-autoscaler", p);
      const args = ["--cloud-provider=aws", "--max-graceful-termination-sec=1800", "--expander=priority,least-waste"];
      const ca = rendered(
        "Deployment",
        "cluster-autoscaler",
        { image: "registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0", command: ["./cluster-autoscaler"], args },
        { ...p, parent: cli },
      );
      assert.deepStrictEqual(await check(scaleInSafety, [...e.all, cli, ca, ...worker]), []);
      assert.match(
        text(await check(scaleInSafety, [...e.all, cli, ...worker])),
        /of 600 s on prod-eks \(from the cluster autoscaler's default\)/,
      );
    });
  });

  describe("prometheus-adapter-custom-metrics-only", () => {
    it("passes custom rules only", async () => {
      assert.deepStrictEqual(
        await check(prometheusAdapterNoExternal, [
          chart("pa", "prometheus-adapter", { rules: { default: true, custom: [{ seriesQuery: "x" }], external: [] } }),
        ]),
        [],
      );
    });
    it("fails external/resource rules and foreign external-metrics APIServices", async () => {
      const api = res("kubernetes:apiregistration.k8s.io/v1:APIService", "ext", {
        metadata: { name: "v1beta1.external.metrics.k8s.io" },
        spec: { service: { name: "prometheus-adapter", namespace: "monitoring" } },
      });
      const vs = await check(prometheusAdapterNoExternal, [
        chart("pa", "prometheus-community/prometheus-adapter", {
          rules: { external: [{ seriesQuery: "q" }], resource: { cpu: {} } },
        }),
        api,
      ]);
      assert.strictEqual(vs.length, 3, text(vs));
    });
  });

  describe("prometheus-adapter-custom-metrics-only (CLI shape: a v4 Chart without values, its APIServices as children)", () => {
    it("passes an adapter that renders only custom.metrics, next to KEDA's external.metrics", async () => {
      const c = aks();
      const p = { provider: c.provider };
      const pa = cliChart("dev-aks-prometheus-adapter", { ...p, parent: c.addons });
      const keda = cliChart("dev-aks-keda", { ...p, parent: c.addons });
      const rs = [
        ...c.all,
        pa,
        apiService("v1beta1.custom.metrics.k8s.io", "prometheus-adapter", { ...p, parent: pa }),
        keda,
        apiService("v1beta1.external.metrics.k8s.io", "keda-operator-metrics-apiserver", { ...p, parent: keda }),
      ];
      assert.deepStrictEqual(await check(prometheusAdapterNoExternal, rs), []);
    });
    it("fails the adapter's external.metrics and metrics.k8s.io APIServices, naming the chart", async () => {
      const c = aks();
      const p = { provider: c.provider };
      const pa = cliChart("dev-aks-prometheus-adapter", { ...p, parent: c.addons });
      const rs = [
        ...c.all,
        pa,
        apiService("v1beta1.external.metrics.k8s.io", "prometheus-adapter", { ...p, parent: pa }),
        apiService("v1beta1.metrics.k8s.io", "prometheus-adapter", { ...p, parent: pa }),
      ];
      const vs = await check(prometheusAdapterNoExternal, rs);
      assert.strictEqual(vs.length, 2, text(vs));
      assert.match(
        vs[0].message,
        /APIService v1beta1.external.metrics.k8s.io \(rendered by chart dev-aks-prometheus-adapter\) is served by prometheus-adapter, not KEDA's/,
      );
      assert.match(vs[1].message, /v1beta1.metrics.k8s.io .* not metrics-server/);
    });
  });

  describe("no-metrics-server-chart-on-aks (CLI shape)", () => {
    it("passes metrics-server rendered on EKS", async () => {
      const e = eks();
      const ms = cliChart("prod-eks-metrics-server", { provider: e.provider });
      assert.deepStrictEqual(
        await check(noMetricsServerOnAks, [
          ...e.all,
          ms,
          apiService("v1beta1.metrics.k8s.io", "metrics-server", { provider: e.provider, parent: ms }),
        ]),
        [],
      );
    });
    it("fails a values-less metrics-server chart on AKS, once, by its name and its APIService child", async () => {
      const c = aks();
      const p = { provider: c.provider };
      const ms = cliChart("dev-aks-metrics-server", { ...p, parent: c.addons });
      const vs = await check(noMetricsServerOnAks, [
        ...c.all,
        ms,
        apiService("v1beta1.metrics.k8s.io", "metrics-server", { ...p, parent: ms }),
      ]);
      assert.strictEqual(vs.length, 1, text(vs));
      assert.match(vs[0].message, /Chart dev-aks-metrics-server installs metrics-server on AKS cluster dev-aks/);
    });
    it("fails a metrics.k8s.io APIService on AKS whatever the chart is called", async () => {
      const c = aks();
      const p = { provider: c.provider };
      const other = cliChart("dev-aks-monitoring-bundle", { ...p, parent: c.addons });
      const [v] = await check(noMetricsServerOnAks, [
        ...c.all,
        other,
        apiService("v1beta1.metrics.k8s.io", "bundle-metrics-server", { ...p, parent: other }),
      ]);
      assert.match(
        v.message,
        /APIService v1beta1.metrics.k8s.io \(rendered by chart dev-aks-monitoring-bundle\) on AKS cluster dev-aks would replace/,
      );
    });
  });

  describe("no-metrics-server-chart-on-aks", () => {
    it("passes metrics-server on EKS", async () => {
      const e = eks();
      assert.deepStrictEqual(
        await check(noMetricsServerOnAks, [...e.all, chart("ms", "metrics-server", {}, { provider: e.provider })]),
        [],
      );
    });
    it("fails metrics-server on AKS", async () => {
      const c = aks();
      const [v] = await check(noMetricsServerOnAks, [
        ...c.all,
        chart("dev-aks-metrics-server", "metrics-server", {}, { parent: c.addons }),
      ]);
      assert.match(v.message, /installs metrics-server on AKS cluster dev-aks/);
    });
  });
});
