import * as assert from "node:assert/strict";
import { IMAGES } from "../stacks/versions.ts";
import type { RecordedResource } from "../tools/harness.ts";
import type { WorkloadsRun } from "./helpers/clusters.ts";
import { runWorkloads } from "./helpers/clusters.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const spec = (r: RecordedResource) => r.plainInputs.spec as Obj;
const T = {
  sts: "kubernetes:apps/v1:StatefulSet",
  service: "kubernetes:core/v1:Service",
  secret: "kubernetes:core/v1:Secret",
  so: "kubernetes:keda.sh/v1alpha1:ScaledObject",
  ta: "kubernetes:keda.sh/v1alpha1:TriggerAuthentication",
};
const resources = { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } };

describe("workloads: in-cluster queues", () => {
  let run: WorkloadsRun;
  before(async () => {
    run = await runWorkloads(["eks"], {
      queues: [
        { name: "jobs-redis", kind: "redis", storageSize: "20Gi" },
        { name: "jobs-rabbit", kind: "rabbitmq" },
      ],
    });
  });

  it("redis: one-replica StatefulSet with a PVC of storageSize, pinned image, password from its Secret via $(VAR)", () => {
    const sts = spec(run.object(T.sts, "jobs-redis"));
    assert.equal(sts.replicas, 1);
    assert.equal(sts.serviceName, "jobs-redis");
    assert.deepEqual(sts.volumeClaimTemplates[0].spec, {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "20Gi" } },
    });
    const c = sts.template.spec.containers[0];
    assert.equal(c.image, IMAGES.redis);
    assert.deepEqual(c.args.slice(0, 2), ["--requirepass", "$(REDIS_PASSWORD)"]);
    assert.deepEqual(c.env, [
      { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "jobs-redis-auth", key: "password" } } },
    ]);
    assert.deepEqual(
      c.volumeMounts.map((m: Obj) => m.mountPath),
      ["/data", "/tmp"],
    );
    assert.ok(c.readinessProbe && c.livenessProbe);
    assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory);
  });

  it("queues run as the images' non-root users (redis 999:1000, rabbitmq 100:101) with the restricted context", () => {
    const ids = (name: string) => {
      const pod = spec(run.object(T.sts, name)).template.spec;
      return [
        pod.securityContext.runAsUser,
        pod.securityContext.runAsGroup,
        pod.securityContext.fsGroup,
        pod.securityContext.runAsNonRoot,
      ];
    };
    assert.deepEqual(ids("jobs-redis"), [999, 1000, 1000, true]);
    assert.deepEqual(ids("jobs-rabbit"), [100, 101, 101, true]);
    for (const name of ["jobs-redis", "jobs-rabbit"]) {
      const c = spec(run.object(T.sts, name)).template.spec.containers[0];
      assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
      assert.equal(c.securityContext.allowPrivilegeEscalation, false);
      assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    }
  });

  it("rabbitmq: management port 15672 on the container and the Service; default storage 8Gi", () => {
    const sts = spec(run.object(T.sts, "jobs-rabbit"));
    assert.deepEqual(
      sts.template.spec.containers[0].ports.map((p: Obj) => p.containerPort),
      [5672, 15672],
    );
    assert.equal(sts.volumeClaimTemplates[0].spec.resources.requests.storage, "8Gi");
    assert.deepEqual(
      spec(run.object(T.service, "jobs-rabbit")).ports.map((p: Obj) => [p.name, p.port]),
      [
        ["amqp", 5672],
        ["management", 15672],
      ],
    );
  });

  it("generated passwords live only in the queues' Secrets, which are secret inputs", () => {
    const redis = run.object(T.secret, "jobs-redis-auth");
    assert.equal((redis.plainInputs.stringData as Obj).password, "offline-eks-c-jobs-redis-password-password");
    assert.equal(redis.inputs.stringData, "[secret]");
    const rabbit = run.object(T.secret, "jobs-rabbit-auth");
    assert.deepEqual(Object.keys(rabbit.plainInputs.stringData as Obj).sort(), ["host", "password", "username"]);
    for (const r of run.resources.filter(
      (r) => r.type !== T.secret && r.type !== "random:index/randomPassword:RandomPassword",
    )) {
      assert.ok(!JSON.stringify(r.plainInputs).includes("offline-eks-c-jobs-"), `${r.type} ${r.name}`);
    }
  });

  it("placement: an on-demand CPU pool (EKS cpu), critical priority, waits for the node pools", () => {
    const sts = run.object(T.sts, "jobs-redis");
    const pod = spec(sts).template.spec;
    const terms = pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    assert.equal(terms.length, 1);
    assert.ok(terms[0].matchExpressions.some((e: Obj) => e.key === "worker-platform/pool" && e.values[0] === "cpu"));
    assert.equal(pod.priorityClassName, "wp-critical");
    assert.ok(sts.dependencies.includes(run.resources.find((r) => r.type === "test:index:NodePool")!.urn));
  });
});

describe("workloads: external queues", () => {
  let run: WorkloadsRun;
  before(async () => {
    run = await runWorkloads(
      ["eks"],
      {
        secrets: [
          { name: "redis-cred", data: { password: { fromConfig: "redisPassword" } } },
          {
            name: "rabbit-cred",
            data: { username: { fromConfig: "rabbitUser" }, password: { fromConfig: "rabbitPassword" } },
          },
        ],
        queues: [
          {
            name: "ext-redis",
            kind: "redis",
            mode: "external",
            host: "redis.example.com",
            port: 6380,
            tls: true,
            passwordSecret: { secret: "redis-cred", key: "password" },
          },
          {
            name: "ext-rabbit",
            kind: "rabbitmq",
            mode: "external",
            host: "mq.example.com",
            tls: true,
            passwordSecret: { secret: "rabbit-cred", key: "password" },
          },
        ],
        workers: [
          {
            name: "r",
            image: "ghcr.io/acme/r:1.0.0",
            trigger: { type: "redis", queue: "ext-redis", listName: "l" },
            resources,
            replicas: { max: 2 },
          },
          {
            name: "m",
            image: "ghcr.io/acme/m:1.0.0",
            trigger: { type: "rabbitmq", queue: "ext-rabbit", queueName: "q" },
            resources,
            replicas: { max: 2 },
          },
        ],
      },
      { secrets: { redisPassword: "ext-redis-pw", rabbitUser: "svc", rabbitPassword: "ext-rabbit-pw" } },
    );
  });

  it("no StatefulSet; the redis trigger uses the configured address and TLS, the password from the config secret", () => {
    assert.equal(run.ofType(T.sts).length, 0);
    const t = spec(run.object(T.so, "r")).triggers[0];
    assert.equal(t.metadata.address, "redis.example.com:6380");
    assert.equal(t.metadata.enableTLS, "true");
    assert.deepEqual(spec(run.object(T.ta, "r-redis-keda-auth")).secretTargetRef, [
      { parameter: "password", name: "redis-cred", key: "password" },
    ]);
  });

  it("rabbitmq: a <queue>-keda Secret holds the https management URL built from the config secrets", () => {
    assert.deepEqual(spec(run.object(T.ta, "m-rabbitmq-keda-auth")).secretTargetRef, [
      { parameter: "host", name: "ext-rabbit-keda", key: "host" },
    ]);
    const s = run.object(T.secret, "ext-rabbit-keda");
    assert.equal((s.plainInputs.stringData as Obj).host, "https://svc:ext-rabbit-pw@mq.example.com:15672/");
    assert.equal(s.inputs.stringData, "[secret]");
    for (const r of run.resources.filter((r) => r.type !== T.secret))
      assert.ok(!JSON.stringify(r.plainInputs).includes("ext-rabbit-pw"), r.name);
  });
});
