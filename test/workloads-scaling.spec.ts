import * as assert from "node:assert/strict";
import { SCALING_PROFILES } from "../stacks/schema/scaling.ts";
import { gpuUtilizationQuery, renderTrigger } from "../components/workloads/triggers.ts";
import { toManifests, validateManifests } from "../tools/manifests.ts";
import type { RecordedResource } from "../tools/harness.ts";
import type { WorkloadsRun } from "./helpers/clusters.ts";
import { FAKE_PROMETHEUS_URL, runWorkloads } from "./helpers/clusters.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const T = {
  so: "kubernetes:keda.sh/v1alpha1:ScaledObject",
  sj: "kubernetes:keda.sh/v1alpha1:ScaledJob",
  ta: "kubernetes:keda.sh/v1alpha1:TriggerAuthentication",
  hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  deployment: "kubernetes:apps/v1:Deployment",
  netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
};
const spec = (r: RecordedResource) => r.plainInputs.spec as Obj;
const resources = { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } };
const NS = "wp-workloads";

const queues = [
  { name: "jobs", kind: "redis" },
  { name: "urgent", kind: "redis" },
  { name: "bus", kind: "rabbitmq" },
];
/** A GPU worker with one trigger of every kind (two redis queues), a profile, formula-free: KEDA's "or". */
const multi = {
  name: "multi",
  image: "ghcr.io/acme/multi:1.0.0",
  gpu: { count: 1 },
  triggers: [
    { type: "redis", queue: "jobs", listName: "work", targetPerReplica: 3 },
    { type: "redis", name: "urgent", queue: "urgent", listName: "now", targetPerReplica: 1, activation: 2 },
    { type: "rabbitmq", queue: "bus", queueName: "events" },
    { type: "prometheus", name: "lag", query: "max(consumer_lag)", threshold: 100 },
    { type: "gpu", targetUtilization: 75 },
    { type: "cpu", targetUtilization: 70 },
    { type: "memory", targetUtilization: 85 },
  ],
  scalingProfile: "conservative",
  scaleDown: { selectPolicy: "Max", policies: [{ type: "Percent", value: 50, periodSeconds: 180 }] },
  initialCooldownPeriod: 240,
  resources,
  replicas: { min: 0, max: 6 },
  maxJobDurationSeconds: 60,
};
const formula = {
  name: "both",
  image: "ghcr.io/acme/both:1.0.0",
  triggers: [
    { type: "redis", queue: "jobs", listName: "both" },
    { type: "prometheus", name: "lag", query: "max(lag)", threshold: 10 },
  ],
  safetyNet: { cpuUtilization: 90 },
  scalingModifiers: { formula: "redis > 0 && lag > 30 ? redis : 0", target: 2, metricType: "Value" },
  fallback: { replicas: 2, behavior: "static", failureThreshold: 5 },
  resources,
  replicas: { min: 1, max: 4 },
};
const job = {
  name: "batch",
  mode: "job",
  image: "ghcr.io/acme/batch:1.0.0",
  triggers: [
    { type: "redis", queue: "jobs", listName: "batch" },
    { type: "rabbitmq", queue: "bus", queueName: "batch" },
  ],
  multipleScalersCalculation: "sum",
  scalingProfile: "responsive",
  resources,
  replicas: { min: 0, max: 3 },
};
const svc = (over: Obj) => ({
  image: "ghcr.io/acme/api:1.0.0",
  port: 8080,
  resources,
  replicas: { min: 2, max: 6 },
  ...over,
});

describe("workloads: scaling (several triggers, behaviour, profiles, fallback, modifiers)", () => {
  let run: WorkloadsRun;
  before(async () => {
    run = await runWorkloads(["aks"], {
      queues,
      // The prometheus triggers' metric, exported by the workers (the offline PromQL check knows it from here).
      observability: { externalMetrics: ["consumer_lag", "lag"] },
      workers: [multi, formula, job],
      services: [
        svc({ name: "api" }),
        svc({ name: "web", scalingProfile: "responsive", scaleUp: { stabilizationWindowSeconds: 30 } }),
      ],
    });
  });
  const triggersOf = (name: string) => spec(run.object(T.so, name)).triggers as Obj[];

  it("every trigger becomes a KEDA trigger, in config order, named after the config", () => {
    assert.deepEqual(
      triggersOf("multi").map((t) => [t.type, t.name]),
      [
        ["redis", "redis"],
        ["redis", "urgent"],
        ["rabbitmq", "rabbitmq"],
        ["prometheus", "lag"],
        ["prometheus", "gpu"],
        ["cpu", "cpu"],
        ["memory", "memory"],
      ],
    );
  });

  it("queue triggers: each its own queue's address and parameters, each its own TriggerAuthentication", () => {
    const [jobs, urgent, bus] = triggersOf("multi");
    assert.deepEqual(jobs.metadata, {
      address: `jobs.${NS}.svc:6379`,
      listName: "work",
      listLength: "3",
      activationListLength: "0",
      enableTLS: "false",
    });
    assert.equal(urgent.metadata.address, `urgent.${NS}.svc:6379`);
    assert.equal(urgent.metadata.activationListLength, "2");
    assert.equal(bus.metadata.queueName, "events");
    assert.equal(bus.metadata.protocol, "http");
    const auths = [
      ["multi-redis-keda-auth", "password", "jobs-auth", "password"],
      ["multi-urgent-keda-auth", "password", "urgent-auth", "password"],
      ["multi-rabbitmq-keda-auth", "host", "bus-auth", "host"],
    ];
    [jobs, urgent, bus].forEach((t, i) => assert.deepEqual(t.authenticationRef, { name: auths[i][0] }));
    for (const [name, parameter, secret, key] of auths)
      assert.deepEqual(spec(run.object(T.ta, name)).secretTargetRef, [{ parameter, name: secret, key }], name);
    // Triggers without credentials have no authenticationRef and no TriggerAuthentication.
    for (const t of triggersOf("multi").slice(3)) assert.equal(t.authenticationRef, undefined, t.name);
    assert.equal(run.ofType(T.ta).filter((r) => (r.plainInputs.metadata as Obj).name.startsWith("multi-")).length, 3);
    // The ScaledObject waits for every TriggerAuthentication it names.
    const so = run.object(T.so, "multi");
    for (const [name] of auths) assert.ok(so.dependencies.includes(run.object(T.ta, name).urn), name);
  });

  it("prometheus: any PromQL on the platform's Prometheus; gpu: DCGM utilisation of the worker's pods per pod", () => {
    const [, , , lag, gpu] = triggersOf("multi");
    assert.deepEqual(lag.metadata, {
      serverAddress: FAKE_PROMETHEUS_URL,
      query: "max(consumer_lag)",
      threshold: "100",
      activationThreshold: "0",
    });
    assert.equal(gpu.metricType, "AverageValue");
    assert.deepEqual(gpu.metadata, {
      serverAddress: FAKE_PROMETHEUS_URL,
      query: `sum(DCGM_FI_DEV_GPU_UTIL{namespace="${NS}",pod=~"multi-[a-z0-9]+-[a-z0-9]+"})`,
      threshold: "75",
      activationThreshold: "75",
    });
    assert.equal(gpuUtilizationQuery(NS, "multi"), gpu.metadata.query);
    // 2 GPUs per pod: the summed utilisation is compared with 75 % x 2 per pod; its own serverAddress wins.
    const worker = { ...run.config.workers[0], gpu: { count: 2, vendor: "nvidia" as const, fallbackToCpu: false } };
    const two = renderTrigger(
      { type: "gpu", name: "gpu", targetUtilization: 75, serverAddress: "https://prom.example.com" },
      { worker, namespace: NS, queues: new Map(), prometheusUrl: FAKE_PROMETHEUS_URL },
    );
    assert.deepEqual(
      [two.trigger.metadata.threshold, two.trigger.metadata.serverAddress, two.auth, two.queue],
      ["150", "https://prom.example.com", undefined, undefined],
    );
  });

  it("the GPU query's pod pattern takes the worker's Deployment pods only (Prometheus anchors regex matchers)", () => {
    const pattern = /pod=~"([^"]+)"/.exec(gpuUtilizationQuery(NS, "llm"))![1];
    const re = new RegExp(`^(?:${pattern})$`);
    assert.ok(re.test("llm-6d4f8c9b7-x2x9z"));
    assert.ok(!re.test("llm-big-6d4f8c9b7-x2x9z"), "a worker named llm-big");
    assert.ok(!re.test("llm-x2x9z"), "not a Deployment pod");
  });

  it("cpu/memory: Utilization of requests", () => {
    const [, , , , , cpu, memory] = triggersOf("multi");
    assert.deepEqual(cpu, { type: "cpu", name: "cpu", metricType: "Utilization", metadata: { value: "70" } });
    assert.deepEqual(memory, { type: "memory", name: "memory", metricType: "Utilization", metadata: { value: "85" } });
  });

  it("egress to every queue the triggers read, and each queue admits the worker", () => {
    const egress = spec(run.object(T.netpol, "worker-multi")).egress as Obj[];
    const to = (q: string) => egress.some((e) => e.to?.[0]?.podSelector?.matchLabels?.["app.kubernetes.io/name"] === q);
    for (const q of ["jobs", "urgent", "bus"]) assert.ok(to(q), `egress to ${q}`);
    for (const q of ["jobs", "urgent", "bus"]) {
      const from = (spec(run.object(T.netpol, `queue-${q}`)).ingress as Obj[])[0].from as Obj[];
      assert.ok(
        from.some((f) => f.podSelector?.matchLabels?.["app.kubernetes.io/name"] === "multi"),
        `${q} admits multi`,
      );
    }
    // "both" reads only jobs: no egress to urgent/bus, and urgent does not admit it.
    const both = spec(run.object(T.netpol, "worker-both")).egress as Obj[];
    assert.equal(both.filter((e) => e.to?.[0]?.podSelector).length, 1);
    const urgentFrom = (spec(run.object(T.netpol, "queue-urgent")).ingress as Obj[])[0].from as Obj[];
    assert.ok(!urgentFrom.some((f) => f.podSelector?.matchLabels?.["app.kubernetes.io/name"] === "both"));
  });

  it("the first queue is QUEUE_*, every other QUEUE_<TRIGGER>_*, with credentials from each queue's Secret", () => {
    const env = (spec(run.object(T.deployment, "multi")).template.spec.containers[0].env as Obj[]).reduce<Obj>(
      (acc, e) => ({ ...acc, [e.name]: e.value ?? e.valueFrom.secretKeyRef }),
      {},
    );
    assert.equal(env.QUEUE_HOST, `jobs.${NS}.svc`);
    assert.equal(env.QUEUE_NAME, "work");
    assert.deepEqual(env.QUEUE_PASSWORD, { name: "jobs-auth", key: "password" });
    assert.equal(env.QUEUE_URGENT_HOST, `urgent.${NS}.svc`);
    assert.equal(env.QUEUE_URGENT_NAME, "now");
    assert.deepEqual(env.QUEUE_URGENT_PASSWORD, { name: "urgent-auth", key: "password" });
    assert.equal(env.QUEUE_RABBITMQ_NAME, "events");
    assert.deepEqual(env.QUEUE_RABBITMQ_USERNAME, { name: "bus-auth", key: "username" });
  });

  it("profile, overrides and initialCooldownPeriod reach the ScaledObject; no default fallback with a gpu trigger", () => {
    const s = spec(run.object(T.so, "multi"));
    const p = SCALING_PROFILES.conservative;
    assert.equal(s.pollingInterval, p.pollingInterval);
    assert.equal(s.cooldownPeriod, p.cooldownPeriod);
    assert.equal(s.initialCooldownPeriod, 240);
    // KEDA counts failures per trigger and a trigger in fallback is active: a Prometheus outage would wake it.
    assert.equal(s.fallback, undefined);
    assert.deepEqual(s.advanced.horizontalPodAutoscalerConfig.behavior, {
      scaleUp: p.scaleUp,
      scaleDown: {
        stabilizationWindowSeconds: p.scaleDown.stabilizationWindowSeconds,
        selectPolicy: "Max",
        policies: [{ type: "Percent", value: 50, periodSeconds: 180 }],
      },
    });
    assert.equal(s.advanced.scalingModifiers, undefined);
  });

  it("scalingModifiers (strings, as KEDA's CRD takes them) and an explicit fallback", () => {
    const s = spec(run.object(T.so, "both"));
    assert.deepEqual(s.advanced.scalingModifiers, {
      formula: "redis > 0 && lag > 30 ? redis : 0",
      target: "2",
      activationTarget: "0",
      metricType: "Value",
    });
    assert.deepEqual(s.fallback, { failureThreshold: 5, replicas: 2, behavior: "static" });
    assert.equal(s.initialCooldownPeriod, undefined, "0: left to KEDA's default");
    assert.deepEqual(
      (s.triggers as Obj[]).map((t) => t.name),
      ["redis", "lag", "cpu"],
    );
  });

  it("job mode: every trigger, multipleScalersCalculation, the profile's polling only", () => {
    const s = spec(run.object(T.sj, "batch"));
    assert.deepEqual(
      (s.triggers as Obj[]).map((t) => [t.type, t.authenticationRef?.name]),
      [
        ["redis", "batch-redis-keda-auth"],
        ["rabbitmq", "batch-rabbitmq-keda-auth"],
      ],
    );
    assert.equal(s.scalingStrategy.multipleScalersCalculation, "sum");
    assert.equal(s.scalingStrategy.strategy, "accurate");
    assert.equal(s.pollingInterval, SCALING_PROFILES.responsive.pollingInterval);
    for (const key of ["cooldownPeriod", "advanced", "fallback", "initialCooldownPeriod"]) assert.ok(!(key in s), key);
  });

  it("services: behaviour from the profile and the config; none at all without either (the HPA's defaults)", () => {
    assert.ok(!("behavior" in spec(run.object(T.hpa, "api"))));
    assert.deepEqual(spec(run.object(T.hpa, "web")).behavior, {
      scaleUp: { ...SCALING_PROFILES.responsive.scaleUp, stabilizationWindowSeconds: 30 },
      scaleDown: SCALING_PROFILES.responsive.scaleDown,
    });
  });

  it("every object validates against the Kubernetes and KEDA schemas", async () => {
    const manifests = toManifests(run.resources);
    assert.ok(manifests.filter((m) => m.kind === "ScaledObject").length >= 2);
    assert.deepEqual(await validateManifests(manifests), []);
  });
});

describe("workloads: scaling defaults without a profile", () => {
  it("a worker keeps polling 15, cooldown 300, window 0 up / 300 down and the HPA's policies; min >= 1: no fallback", async () => {
    const run = await runWorkloads(["aks"], {
      queues: [{ name: "jobs", kind: "redis" }],
      workers: [
        {
          name: "plain",
          image: "ghcr.io/acme/plain:1.0.0",
          trigger: { type: "redis", queue: "jobs", listName: "x" },
          resources,
          replicas: { min: 1, max: 2 },
        },
        {
          name: "off",
          image: "ghcr.io/acme/off:1.0.0",
          trigger: { type: "redis", queue: "jobs", listName: "y" },
          fallback: { enabled: false },
          resources,
          replicas: { min: 0, max: 2 },
        },
      ],
    });
    const s = spec(run.object(T.so, "plain"));
    assert.deepEqual(
      [s.pollingInterval, s.cooldownPeriod, s.advanced.horizontalPodAutoscalerConfig.behavior],
      [15, 300, { scaleUp: { stabilizationWindowSeconds: 0 }, scaleDown: { stabilizationWindowSeconds: 300 } }],
    );
    assert.ok(!("fallback" in s));
    assert.ok(!("fallback" in spec(run.object(T.so, "off"))), "fallback: {enabled: false}");
  });
});
