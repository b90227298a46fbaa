import * as assert from "node:assert/strict";
import {
  GRACE_MARGIN_SECONDS,
  JOB_START_MARGIN_SECONDS,
  jobDeadlineSeconds,
  MAX_JOB_DURATION_ANNOTATION,
  terminationGrace,
} from "../components/workloads/worker.ts";
import { durationSeconds } from "../stacks/schema/common.ts";
import { scaleInSafety } from "../policy/rules/autoscaling.ts";
import { check } from "./helpers/policy.ts";
import { PRESTOP_SECONDS } from "../components/workloads/pod.ts";
import { MAX_JOB_DURATION_ANNOTATION as POLICY_ANNOTATION } from "../policy/rules/lib/platform.ts";
import * as pack from "../policy/rules/lib/platform.ts";
import type { RecordedResource } from "../tools/harness.ts";
import type { WorkloadsRun } from "./helpers/clusters.ts";
import { FAKE_PROMETHEUS_URL, runWorkloads } from "./helpers/clusters.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const T = {
  deployment: "kubernetes:apps/v1:Deployment",
  so: "kubernetes:keda.sh/v1alpha1:ScaledObject",
  sj: "kubernetes:keda.sh/v1alpha1:ScaledJob",
  ta: "kubernetes:keda.sh/v1alpha1:TriggerAuthentication",
  secret: "kubernetes:core/v1:Secret",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  sa: "kubernetes:core/v1:ServiceAccount",
  hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
};
const spec = (r: RecordedResource) => r.plainInputs.spec as Obj;
const podSpecOf = (r: RecordedResource) =>
  (r.type === T.sj ? spec(r).jobTargetRef.template.spec : spec(r).template.spec) as Obj;

const resources = { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } };
const redisWorker = (over: Obj = {}) => ({
  name: "transcriber",
  image: "ghcr.io/acme/transcriber:1.8.2",
  trigger: { type: "redis", queue: "jobs-redis", listName: "transcribe", targetPerReplica: 2, activation: 1 },
  resources,
  replicas: { min: 0, max: 4 },
  maxJobDurationSeconds: 90,
  ...over,
});
const rabbitWorker = (over: Obj = {}) => ({
  name: "embedder",
  image: "ghcr.io/acme/embedder:2.3.0",
  trigger: {
    type: "rabbitmq",
    queue: "jobs-rabbit",
    queueName: "embeddings",
    vhost: "work",
    targetPerReplica: 20,
    activation: 3,
  },
  safetyNet: { cpuUtilization: 80, memoryUtilization: 85 },
  resources,
  replicas: { min: 0, max: 6 },
  ...over,
});
const promWorker = (over: Obj = {}) => ({
  name: "indexer",
  image: "ghcr.io/acme/indexer:1.0.0",
  trigger: { type: "prometheus", query: "sum(queue_depth)", threshold: 10, activationThreshold: 2 },
  resources,
  replicas: { min: 1, max: 3 },
  ...over,
});
const queues = [
  { name: "jobs-redis", kind: "redis" },
  { name: "jobs-rabbit", kind: "rabbitmq" },
];

describe("workloads: worker (deployment mode)", () => {
  let run: WorkloadsRun;
  before(async () => {
    run = await runWorkloads(
      ["eks"],
      {
        queues,
        // The prometheus trigger's metric, exported by the workers (the offline PromQL check knows it from here).
        observability: { externalMetrics: ["queue_depth"] },
        secrets: [{ name: "hf-token", data: { HF_TOKEN: { fromConfig: "huggingFaceToken" } } }],
        workers: [
          redisWorker({
            secretEnv: { HF_TOKEN: { secret: "hf-token", key: "HF_TOKEN" } },
            env: { LOG_LEVEL: "info" },
            scaleUp: { stabilizationWindowSeconds: 0, podsPer15s: 4 },
            scaleDown: { stabilizationWindowSeconds: 600, podsPer15s: 1, percentPer15s: 10 },
            pollingInterval: 5,
            cooldownPeriod: 120,
          }),
          rabbitWorker(),
          promWorker(),
        ],
      },
      { secrets: { huggingFaceToken: "hf_placeholder_value_for_tests_only" } },
    );
  });

  it("Deployments of KEDA-scaled workers set no spec.replicas, and each has exactly one ScaledObject targeting it", () => {
    for (const name of ["transcriber", "embedder", "indexer"]) {
      const d = run.object(T.deployment, name);
      assert.ok(!("replicas" in spec(d)), `${name} sets spec.replicas`);
      const scalers = run.ofType(T.so).filter((s) => spec(s).scaleTargetRef.name === name);
      assert.equal(scalers.length, 1, name);
      assert.deepEqual(spec(scalers[0]).scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name });
      assert.equal((scalers[0].plainInputs.metadata as Obj).namespace, (d.plainInputs.metadata as Obj).namespace);
    }
    assert.equal(run.ofType(T.hpa).length, 0, "no HPA next to a ScaledObject");
  });

  it("Deployments are not awaited by Pulumi (pulumi.com/skipAwait): readiness may wait on a node scale-up, KEDA owns the count", () => {
    for (const name of ["transcriber", "embedder", "indexer"]) {
      assert.equal(
        (run.object(T.deployment, name).plainInputs.metadata as Obj).annotations["pulumi.com/skipAwait"],
        "true",
        name,
      );
    }
    // Not on the KEDA objects: pulumi-kubernetes does not await custom resources by default.
    assert.equal(run.ofType(T.so).length, 3);
    for (const so of run.ofType(T.so))
      assert.ok(!("pulumi.com/skipAwait" in ((so.plainInputs.metadata as Obj).annotations ?? {})), so.name);
  });

  it("ScaledObject: explicit min/max, polling, cooldown and HPA behaviour from config", () => {
    const so = spec(run.object(T.so, "transcriber"));
    assert.equal(so.minReplicaCount, 0);
    assert.equal(so.maxReplicaCount, 4);
    assert.equal(so.pollingInterval, 5);
    assert.equal(so.cooldownPeriod, 120);
    const behavior = so.advanced.horizontalPodAutoscalerConfig.behavior;
    assert.deepEqual(behavior.scaleUp, {
      stabilizationWindowSeconds: 0,
      policies: [{ type: "Pods", value: 4, periodSeconds: 15 }],
    });
    assert.deepEqual(behavior.scaleDown, {
      stabilizationWindowSeconds: 600,
      policies: [
        { type: "Pods", value: 1, periodSeconds: 15 },
        { type: "Percent", value: 10, periodSeconds: 15 },
      ],
    });
    // Defaults from the schema when nothing is configured.
    const def = spec(run.object(T.so, "embedder"));
    assert.equal(def.pollingInterval, 15);
    assert.equal(def.cooldownPeriod, 300);
    assert.deepEqual(def.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown, {
      stabilizationWindowSeconds: 300,
    });
  });

  it("redis trigger: address host:port, list, target, activation, TLS in metadata; password only via TriggerAuthentication", () => {
    const [t] = spec(run.object(T.so, "transcriber")).triggers;
    assert.equal(t.type, "redis");
    assert.deepEqual(t.metadata, {
      address: "jobs-redis.wp-workloads.svc:6379",
      listName: "transcribe",
      listLength: "2",
      activationListLength: "1",
      enableTLS: "false",
    });
    assert.deepEqual(t.authenticationRef, { name: "transcriber-redis-keda-auth" });
    const ta = run.object(T.ta, "transcriber-redis-keda-auth");
    assert.deepEqual(spec(ta).secretTargetRef, [{ parameter: "password", name: "jobs-redis-auth", key: "password" }]);
  });

  it("rabbitmq trigger: http protocol (counts unacked, no excludeUnacknowledged in deployment mode), QueueLength, vhost; host URL with credentials only in a Secret", () => {
    const triggers = spec(run.object(T.so, "embedder")).triggers as Obj[];
    const q = triggers.find((t) => t.type === "rabbitmq")!;
    assert.deepEqual(q.metadata, {
      protocol: "http",
      mode: "QueueLength",
      value: "20",
      activationValue: "3",
      queueName: "embeddings",
      vhostName: "work",
    });
    assert.ok(!("host" in q.metadata) && !("hostFromEnv" in q.metadata));
    const ta = run.object(T.ta, q.authenticationRef.name);
    assert.deepEqual(spec(ta).secretTargetRef, [{ parameter: "host", name: "jobs-rabbit-auth", key: "host" }]);
    const secret = run.object(T.secret, "jobs-rabbit-auth");
    const host = (secret.plainInputs.stringData as Obj).host as string;
    assert.match(
      host,
      /^http:\/\/worker-platform:offline-eks-c-jobs-rabbit-password-password@jobs-rabbit\.wp-workloads\.svc:15672\/$/,
    );
    assert.ok(secret.secretPaths.includes("stringData"), "stringData is a secret input");
  });

  it("cpu/memory safety-net triggers use metricType Utilization", () => {
    const triggers = spec(run.object(T.so, "embedder")).triggers as Obj[];
    assert.deepEqual(
      triggers.filter((t) => t.type !== "rabbitmq").map((t) => [t.type, t.metricType, t.metadata.value]),
      [
        ["cpu", "Utilization", "80"],
        ["memory", "Utilization", "85"],
      ],
    );
  });

  it("prometheus trigger: the platform's Prometheus by default, no credentials, no TriggerAuthentication", () => {
    const [t] = spec(run.object(T.so, "indexer")).triggers;
    assert.deepEqual(t.metadata, {
      serverAddress: FAKE_PROMETHEUS_URL,
      query: "sum(queue_depth)",
      threshold: "10",
      activationThreshold: "2",
    });
    assert.equal(t.authenticationRef, undefined);
    assert.ok(!run.ofType(T.ta).some((r) => (r.plainInputs.metadata as Obj).name === "indexer-prometheus-keda-auth"));
  });

  it("every secretTargetRef and secretKeyRef names a Secret of the namespace that has that key", () => {
    const keys = new Map(
      run
        .ofType(T.secret)
        .map((s) => [(s.plainInputs.metadata as Obj).name, Object.keys(s.plainInputs.stringData as Obj)]),
    );
    for (const ta of run.ofType(T.ta)) {
      for (const ref of spec(ta).secretTargetRef as Obj[])
        assert.ok(keys.get(ref.name)?.includes(ref.key), `${ta.name}: ${ref.name}/${ref.key}`);
    }
    for (const d of run.ofType(T.deployment)) {
      for (const e of podSpecOf(d).containers[0].env as Obj[]) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) assert.ok(keys.get(ref.name)?.includes(ref.key), `${d.name} env ${e.name}: ${ref.name}/${ref.key}`);
      }
    }
  });

  it("container env: queue endpoint, config env, secretEnv and the queue password by secretKeyRef, never literal", () => {
    const env = podSpecOf(run.object(T.deployment, "transcriber")).containers[0].env as Obj[];
    const byName: Obj = Object.fromEntries(env.map((e) => [e.name, e]));
    assert.equal(byName.QUEUE_HOST.value, "jobs-redis.wp-workloads.svc");
    assert.equal(byName.QUEUE_NAME.value, "transcribe");
    assert.equal(byName.LOG_LEVEL.value, "info");
    assert.deepEqual(byName.HF_TOKEN, {
      name: "HF_TOKEN",
      valueFrom: { secretKeyRef: { name: "hf-token", key: "HF_TOKEN" } },
    });
    assert.deepEqual(byName.QUEUE_PASSWORD.valueFrom, { secretKeyRef: { name: "jobs-redis-auth", key: "password" } });
    assert.ok(!("value" in byName.QUEUE_PASSWORD));
  });

  it("no secret in plaintext: generated passwords and config secrets appear only in Secret objects", () => {
    const values = [
      "hf_placeholder_value_for_tests_only",
      "offline-eks-c-jobs-redis-password-password",
      "offline-eks-c-jobs-rabbit-password-password",
    ];
    let seenInSecrets = 0;
    for (const r of run.resources) {
      const plain = JSON.stringify(r.plainInputs);
      const masked = JSON.stringify(r.inputs);
      for (const v of values) {
        assert.ok(!masked.includes(v), `${r.type} ${r.name}: masked inputs hold a secret`);
        if (r.type === T.secret || r.type === "random:index/randomPassword:RandomPassword")
          seenInSecrets += plain.includes(v) ? 1 : 0;
        else assert.ok(!plain.includes(v), `${r.type} ${r.name} holds a secret value in plaintext`);
      }
    }
    assert.ok(seenInSecrets >= 3, "the values do reach the Secrets");
    assert.ok(!run.resources.some((r) => r.type === "kubernetes:core/v1:ConfigMap"), "no ConfigMaps");
  });

  it("graceful scale-in: annotation = maxJobDurationSeconds, grace = max + preStop + margin, preStop sleep", () => {
    const d = run.object(T.deployment, "transcriber");
    assert.equal((d.plainInputs.metadata as Obj).annotations[MAX_JOB_DURATION_ANNOTATION], "90");
    assert.equal(MAX_JOB_DURATION_ANNOTATION, POLICY_ANNOTATION, "the annotation the policy pack reads");
    const pod = podSpecOf(d);
    assert.equal(pod.terminationGracePeriodSeconds, 90 + PRESTOP_SECONDS + GRACE_MARGIN_SECONDS);
    assert.deepEqual(pod.containers[0].lifecycle, { preStop: { sleep: { seconds: PRESTOP_SECONDS } } });
  });

  it("annotations for the policy pack: scaled-by keda and the cluster autoscaler's grace cap on every worker Deployment", () => {
    const deployments = run.ofType(T.deployment);
    assert.equal(deployments.length, 3);
    for (const d of deployments) {
      const a = (d.plainInputs.metadata as Obj).annotations as Obj;
      assert.equal(a[pack.SCALED_BY_ANNOTATION], "keda", d.name);
      // fakeCluster's autoscaler profile: maxGracefulTerminationSec 900
      assert.equal(a[pack.GRACE_CAP_ANNOTATION], "900", d.name);
      assert.match(a[pack.MAX_JOB_DURATION_ANNOTATION], /^\d+$/, d.name);
    }
  });

  it("restricted pod: non-root, no escalation, drop ALL, seccomp, read-only root + /tmp emptyDir, no SA token, priority class", () => {
    const d = run.object(T.deployment, "transcriber");
    const pod = podSpecOf(d);
    const c = pod.containers[0];
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.serviceAccountName, "transcriber");
    assert.equal(pod.priorityClassName, "wp-standard");
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
    assert.deepEqual(c.volumeMounts, [{ name: "tmp", mountPath: "/tmp" }]);
    assert.deepEqual(pod.volumes, [{ name: "tmp", emptyDir: { sizeLimit: "1Gi" } }]);
    assert.deepEqual(c.resources, { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } });
    const sa = run.object(T.sa, "transcriber");
    assert.equal(sa.plainInputs.automountServiceAccountToken, false);
    assert.deepEqual(
      (pod.topologySpreadConstraints as Obj[]).map((t) => [t.topologyKey, t.whenUnsatisfiable]),
      [
        ["topology.kubernetes.io/zone", "ScheduleAnyway"],
        ["kubernetes.io/hostname", "ScheduleAnyway"],
      ],
    );
  });

  it("KEDA objects depend on the KEDA chart; ScaledObjects on their Deployment; pods wait for the node pools; all use the cluster's provider", () => {
    const chart = run.resources.find((r) => r.type === "test:index:KedaChart")!;
    const pools = run.resources.find((r) => r.type === "test:index:NodePool")!;
    const provider = run.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
    for (const r of [...run.ofType(T.so), ...run.ofType(T.ta)])
      assert.ok(r.dependencies.includes(chart.urn), `${r.type} ${r.name}`);
    for (const so of run.ofType(T.so)) {
      const d = run.object(T.deployment, spec(so).scaleTargetRef.name);
      assert.ok(so.dependencies.includes(d.urn));
    }
    for (const d of run.ofType(T.deployment)) assert.ok(d.dependencies.includes(pools.urn), d.name);
    for (const r of run.resources.filter((r) => r.type.startsWith("kubernetes:")))
      assert.ok(r.provider?.startsWith(`${provider.urn}::`), `${r.type} ${r.name}`);
    const worker = run.resources.find(
      (r) => r.type === "worker-platform:workloads:Worker" && r.name === "eks-c-transcriber",
    )!;
    assert.equal(run.object(T.deployment, "transcriber").parent, worker.urn);
  });

  it("a PDB only for min >= 2 outside production", () => {
    assert.deepEqual(
      run.ofType(T.pdb).map((p) => (p.plainInputs.metadata as Obj).name),
      [],
    );
  });
});

describe("workloads: worker PDBs and clusters", () => {
  it("min >= 2 gets a PDB (maxUnavailable 1, selecting the worker's pods); min 1 does not", async () => {
    const run = await runWorkloads(["eks"], {
      queues,
      workers: [
        redisWorker({ replicas: { min: 2, max: 4 } }),
        rabbitWorker({ name: "one", replicas: { min: 1, max: 2 } }),
      ],
    });
    const pdbs = run.ofType(T.pdb);
    assert.deepEqual(
      pdbs.map((p) => (p.plainInputs.metadata as Obj).name),
      ["transcriber"],
    );
    assert.equal(spec(pdbs[0]).maxUnavailable, 1);
    assert.deepEqual(
      spec(pdbs[0]).selector.matchLabels,
      spec(run.object(T.deployment, "transcriber")).selector.matchLabels,
    );
  });

  it("production: every deployment-mode worker gets a PDB, job-mode workers none", async () => {
    const run = await runWorkloads(
      ["eks"],
      { queues, workers: [redisWorker(), rabbitWorker({ safetyNet: undefined, mode: "job", name: "renderer" })] },
      { production: true },
    );
    assert.deepEqual(
      run.ofType(T.pdb).map((p) => (p.plainInputs.metadata as Obj).name),
      ["transcriber"],
    );
  });

  it("honours clusters: a worker listed for one cluster exists only there", async () => {
    const run = await runWorkloads(["aks", "eks"], {
      queues,
      workers: [redisWorker({ clusters: ["eks-c"] }), rabbitWorker()],
    });
    assert.equal(run.ofType(T.deployment, "eks-c").filter((d) => d.name.endsWith("transcriber")).length, 1);
    assert.equal(run.ofType(T.deployment, "aks-c").filter((d) => d.name.endsWith("transcriber")).length, 0);
    assert.equal(run.ofType(T.deployment, "aks-c").filter((d) => d.name.endsWith("embedder")).length, 1);
    assert.equal(
      new Set(run.resources.map((r) => r.urn)).size,
      run.resources.length,
      "no URN collisions across clusters",
    );
  });

  it("an explicit prometheus serverAddress wins over the platform's", async () => {
    const run = await runWorkloads(["eks"], {
      workers: [
        promWorker({
          trigger: { type: "prometheus", query: "up", threshold: 1, serverAddress: "https://prom.example.com" },
        }),
      ],
    });
    assert.equal(spec(run.object(T.so, "indexer")).triggers[0].metadata.serverAddress, "https://prom.example.com");
  });
});

describe("workloads: worker (job mode)", () => {
  let run: WorkloadsRun;
  before(async () => {
    run = await runWorkloads(
      ["aks"],
      {
        queues,
        workers: [
          rabbitWorker({
            name: "renderer",
            mode: "job",
            safetyNet: undefined,
            gpu: { count: 1 },
            replicas: { min: 0, max: 4 },
            maxJobDurationSeconds: 7200,
            pollingInterval: 10,
          }),
          redisWorker({ name: "batch", mode: "job", maxJobDurationSeconds: 3600 }),
        ],
      },
      // a cap other than the fake's 900 s and a provision time other than the default 15m, to see that both follow
      // the cluster
      {
        cluster: (c) => ({
          autoscaler: { ...c.autoscaler, maxGracefulTerminationSec: 1200, maxNodeProvisionTime: "20m" },
        }),
      },
    );
  });

  it("a ScaledJob, no Deployment and no ScaledObject", () => {
    assert.equal(run.ofType(T.sj).length, 2);
    assert.equal(run.ofType(T.deployment).length, 0);
    assert.equal(run.ofType(T.so).length, 0);
  });

  it("jobTargetRef: activeDeadlineSeconds = max job duration + the cluster's max node provision time + start margin, backoffLimit, restartPolicy Never, disruptions not counted", () => {
    const sj = run.object(T.sj, "renderer");
    const job = spec(sj).jobTargetRef;
    // 7200 s of work + 20m for the autoscaler to bring up a node + 10 min for device plugin and image pull
    assert.equal(job.activeDeadlineSeconds, 7200 + 1200 + 600);
    assert.equal(spec(run.object(T.sj, "batch")).jobTargetRef.activeDeadlineSeconds, 3600 + 1200 + 600);
    assert.equal(job.backoffLimit, 2);
    assert.equal(job.parallelism, 1);
    assert.equal(job.template.spec.restartPolicy, "Never");
    assert.deepEqual(job.podFailurePolicy.rules[0], {
      action: "Ignore",
      onPodConditions: [{ type: "DisruptionTarget", status: "True" }],
    });
    assert.equal(job.template.metadata.annotations["cluster-autoscaler.kubernetes.io/safe-to-evict"], "false");
    assert.equal((sj.plainInputs.metadata as Obj).annotations[MAX_JOB_DURATION_ANNOTATION], "7200");
  });

  it("scaling: accurate strategy, gradual rollout, history limits, explicit min/max, polling interval, GPU in limits", () => {
    const s = spec(run.object(T.sj, "renderer"));
    assert.equal(s.scalingStrategy.strategy, "accurate");
    assert.deepEqual(s.rollout, { strategy: "gradual" });
    assert.equal(s.successfulJobsHistoryLimit, 5);
    assert.equal(s.failedJobsHistoryLimit, 10);
    assert.equal(s.minReplicaCount, 0);
    assert.equal(s.maxReplicaCount, 4);
    assert.equal(s.pollingInterval, 10);
    assert.equal(s.triggers[0].authenticationRef.name, "renderer-rabbitmq-keda-auth");
    assert.equal(s.jobTargetRef.template.spec.containers[0].resources.limits["nvidia.com/gpu"], "1");
  });

  it("annotations for the policy pack: max job duration and the cluster autoscaler's grace cap", () => {
    for (const [name, max] of [
      ["renderer", "7200"],
      ["batch", "3600"],
    ]) {
      const a = (run.object(T.sj, name).plainInputs.metadata as Obj).annotations as Obj;
      assert.equal(a[pack.MAX_JOB_DURATION_ANNOTATION], max, name);
      assert.equal(a[pack.GRACE_CAP_ANNOTATION], "1200", name);
    }
  });

  it("rabbitmq in job mode counts ready messages only (excludeUnacknowledged), so accurate does not re-spawn running jobs", () => {
    const s = spec(run.object(T.sj, "renderer"));
    assert.equal(s.scalingStrategy.strategy, "accurate");
    assert.deepEqual(s.triggers[0].metadata, {
      protocol: "http",
      mode: "QueueLength",
      value: "20",
      activationValue: "3",
      queueName: "embeddings",
      vhostName: "work",
      excludeUnacknowledged: "true",
    });
  });

  it("redis in job mode: the worker pops the item, so the list length is right for accurate as it is", () => {
    const s = spec(run.object(T.sj, "batch"));
    assert.equal(s.scalingStrategy.strategy, "accurate");
    assert.equal(s.triggers[0].type, "redis");
    assert.ok(!("excludeUnacknowledged" in s.triggers[0].metadata));
  });

  it("the policy pack's scale-in-safety accepts the longer deadline (it rejects only a deadline below the max job duration)", async () => {
    assert.deepEqual(await check(scaleInSafety, run.resources), []);
    // and still catches a deadline below the declared duration in the same objects
    const sj = run.object(T.sj, "renderer");
    const cut = {
      ...sj,
      plainInputs: {
        ...sj.plainInputs,
        spec: { ...spec(sj), jobTargetRef: { ...spec(sj).jobTargetRef, activeDeadlineSeconds: 7199 } },
      },
    };
    cut.inputs = cut.plainInputs;
    assert.equal((await check(scaleInSafety, [cut])).length, 1);
  });

  it("depends on the KEDA chart and its TriggerAuthentication", () => {
    const sj = run.object(T.sj, "renderer");
    assert.ok(sj.dependencies.includes(run.resources.find((r) => r.type === "test:index:KedaChart")!.urn));
    assert.ok(sj.dependencies.includes(run.object(T.ta, "renderer-rabbitmq-keda-auth").urn));
  });
});

describe("workloads: job deadline", () => {
  it("max job duration + max node provision time + the start-up margin", () => {
    assert.equal(jobDeadlineSeconds(90, { maxNodeProvisionTime: "15m" }), 90 + 900 + JOB_START_MARGIN_SECONDS);
    assert.equal(jobDeadlineSeconds(7200, { maxNodeProvisionTime: "1h" }), 7200 + 3600 + JOB_START_MARGIN_SECONDS);
    assert.equal(JOB_START_MARGIN_SECONDS, 600);
  });

  it("durations in the autoscaler's format; anything else is an error, not a silent 0", () => {
    assert.deepEqual(["30s", "15m", "2h"].map(durationSeconds), [30, 900, 7200]);
    for (const bad of ["15", "15min", "1.5h", "", "-5m"])
      assert.throws(() => durationSeconds(bad), /not a duration/, bad);
  });

  it("an existing cluster (no platform autoscaler) uses the schema's default max node provision time, 15m", async () => {
    const run = await runWorkloads(["existing"], {
      queues,
      workers: [redisWorker({ name: "batch", mode: "job", maxJobDurationSeconds: 3600 })],
    });
    assert.equal(run.config.clusters[0].autoscaler.maxNodeProvisionTime, "15m");
    assert.equal(spec(run.object(T.sj, "batch")).jobTargetRef.activeDeadlineSeconds, 3600 + 900 + 600);
  });
});

describe("workloads: termination grace", () => {
  it("max job duration + preStop + margin when within the autoscaler's cap", () => {
    assert.deepEqual(terminationGrace(90, 600), {
      seconds: 90 + PRESTOP_SECONDS + GRACE_MARGIN_SECONDS,
      capped: false,
    });
  });
  it("capped by the autoscaler's max-graceful-termination-sec, never below the job duration", () => {
    assert.deepEqual(terminationGrace(595, 600), { seconds: 600, capped: true });
    assert.deepEqual(terminationGrace(700, 600), { seconds: 700, capped: true });
  });
  it("a capped grace is applied to the Deployment with a warning naming the worker, the cap and the cluster", async () => {
    // The fake clusters cap at 900 s: 895 + preStop + margin does not fit.
    const run = await runWorkloads(["aks"], {
      queues,
      workers: [redisWorker({ maxJobDurationSeconds: 895 }), rabbitWorker({ maxJobDurationSeconds: 60 })],
    });
    const grace = (name: string) => podSpecOf(run.object(T.deployment, name)).terminationGracePeriodSeconds;
    assert.equal(grace("transcriber"), 900);
    assert.equal(grace("embedder"), 60 + PRESTOP_SECONDS + GRACE_MARGIN_SECONDS);
    const capped = run.warnings.filter((w) => w.includes("termination grace capped"));
    assert.equal(capped.length, 1, run.warnings.join("\n"));
    assert.match(capped[0], /worker transcriber: termination grace capped at 900s .* on aks-c/);
  });
});
