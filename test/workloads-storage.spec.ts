import * as assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { WorkloadsRun } from "./helpers/clusters.ts";
import { fakeClusterConfig, runWorkloads } from "./helpers/clusters.ts";
import { cpuWorker } from "./helpers/config.ts";
import { configHash, VOLUME_FS_GROUP } from "../components/workloads/volumes.ts";
import { CONFIG_HASH_ANNOTATION } from "../components/workloads/annotations.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const T = {
  deployment: "kubernetes:apps/v1:Deployment",
  scaledJob: "kubernetes:keda.sh/v1alpha1:ScaledJob",
  pvc: "kubernetes:core/v1:PersistentVolumeClaim",
  configMap: "kubernetes:core/v1:ConfigMap",
};

const settings = { name: "settings", data: { LOG_LEVEL: "info", "settings.yaml": "workers: 4\n" } };
const raw = (over: Record<string, unknown> = {}) => ({
  queues: [{ name: "q", kind: "redis" }],
  secrets: [{ name: "tls", data: { "tls.key": { generate: {} } } }],
  configMaps: [settings],
  claims: [{ name: "scratch", size: "100Gi" }],
  workers: [
    cpuWorker({
      name: "transcriber",
      replicas: { min: 0, max: 1 },
      envFrom: [{ configMap: "settings" }],
      volumes: [
        { name: "video", claim: { size: "50Gi" }, mounts: [{ path: "/data" }] },
        { name: "cfg", configMap: "settings", mounts: [{ path: "/etc/app" }] },
      ],
    }),
    cpuWorker({
      name: "shard",
      mode: "job",
      replicas: { min: 0, max: 5 },
      envFrom: [{ secret: "tls", prefix: "TLS_" }],
      volumes: [
        { name: "scratch", sharedClaim: "scratch", mounts: [{ path: "/scratch", subPath: "shards" }] },
        { name: "work", ephemeral: { size: "20Gi" }, mounts: [{ path: "/work" }] },
        { name: "tmp2", emptyDir: { sizeLimit: "2Gi" }, mounts: [{ path: "/tmp" }] },
      ],
    }),
    cpuWorker({ name: "plain" }),
  ],
  services: [
    {
      name: "renderer",
      image: "ghcr.io/acme/renderer:1.0.0",
      port: 8080,
      resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "2Gi" } },
      replicas: { min: 2, max: 4 },
      volumes: [
        { name: "scratch", sharedClaim: "scratch", mounts: [{ path: "/scratch" }] },
        { name: "prom", emptyDir: { sizeLimit: "64Mi", medium: "Memory" }, mounts: [{ path: "/prom" }] },
      ],
    },
  ],
  ...over,
});

const pi = (r: { plainInputs: unknown }) => r.plainInputs as Obj;
const podOf = (r: { plainInputs: Obj }, kind: "deployment" | "job") =>
  kind === "deployment" ? r.plainInputs.spec.template : r.plainInputs.spec.jobTargetRef.template;

describe("workloads: volumes, claims and ConfigMaps", () => {
  let aks: WorkloadsRun;
  let eks: WorkloadsRun;
  before(async () => {
    aks = await runWorkloads(["aks"], raw());
    eks = await runWorkloads(["eks"], raw());
  });

  it("ConfigMaps from config, in the workloads namespace", () => {
    const cm = aks.object(T.configMap, "settings");
    assert.deepEqual(pi(cm).data, settings.data);
    assert.equal(pi(cm).metadata.namespace, "wp-workloads");
  });

  it("an own claim: <workload>-<volume>, ReadWriteOnce, the cloud's block class, not awaited; Recreate rollout", () => {
    const pvc = aks.object(T.pvc, "transcriber-video");
    assert.deepEqual(pi(pvc).spec, {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "50Gi" } },
      storageClassName: "managed-csi",
    });
    assert.equal(pi(pvc).metadata.annotations["pulumi.com/skipAwait"], "true");
    assert.equal(pi(eks.object(T.pvc, "transcriber-video")).spec.storageClassName, "gp3");
    const d = aks.object(T.deployment, "transcriber");
    assert.deepEqual(pi(d).spec.strategy, { type: "Recreate" });
    assert.ok(d.dependencies.includes(pvc.urn));
  });

  it("a shared claim: one ReadWriteMany PVC per cluster, Azure Files on AKS, EFS on EKS", () => {
    assert.equal(aks.ofType(T.pvc).filter((p) => pi(p).metadata.name === "scratch").length, 1);
    assert.equal(pi(aks.object(T.pvc, "scratch")).spec.storageClassName, "azurefile-csi");
    assert.deepEqual(pi(eks.object(T.pvc, "scratch")).spec.accessModes, ["ReadWriteMany"]);
    assert.equal(pi(eks.object(T.pvc, "scratch")).spec.storageClassName, "efs");
    // A ReadWriteMany claim keeps the service's rolling update.
    assert.equal(pi(aks.object(T.deployment, "renderer")).spec.strategy.type, "RollingUpdate");
  });

  it("pod volumes and mounts: claims, ephemeral, emptyDir, ConfigMap read-only; fsGroup with claims", () => {
    const pod = podOf(aks.object(T.deployment, "transcriber"), "deployment");
    assert.deepEqual(pod.spec.volumes, [
      { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
      { name: "video", persistentVolumeClaim: { claimName: "transcriber-video" } },
      { name: "cfg", configMap: { name: "settings" } },
    ]);
    assert.deepEqual(pod.spec.containers[0].volumeMounts, [
      { name: "tmp", mountPath: "/tmp" },
      { name: "video", mountPath: "/data", readOnly: false },
      { name: "cfg", mountPath: "/etc/app", readOnly: true },
    ]);
    assert.equal(pod.spec.securityContext.fsGroup, VOLUME_FS_GROUP);
    assert.equal(pod.spec.securityContext.fsGroupChangePolicy, "OnRootMismatch");
    assert.deepEqual(pod.spec.containers[0].envFrom, [{ configMapRef: { name: "settings" } }]);

    const job = podOf(aks.object(T.scaledJob, "shard"), "job");
    // A volume at /tmp replaces the platform's.
    assert.ok(!job.spec.volumes.some((v: Obj) => v.name === "tmp"));
    assert.deepEqual(job.spec.volumes.find((v: Obj) => v.name === "work").ephemeral.volumeClaimTemplate.spec, {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "20Gi" } },
      storageClassName: "managed-csi",
    });
    assert.deepEqual(
      job.spec.containers[0].volumeMounts.find((m: Obj) => m.name === "scratch"),
      { name: "scratch", mountPath: "/scratch", subPath: "shards", readOnly: false },
    );
    assert.deepEqual(job.spec.containers[0].envFrom, [{ secretRef: { name: "tls" }, prefix: "TLS_" }]);

    const svc = podOf(aks.object(T.deployment, "renderer"), "deployment");
    assert.deepEqual(
      svc.spec.volumes.find((v: Obj) => v.name === "prom"),
      {
        name: "prom",
        emptyDir: { sizeLimit: "64Mi", medium: "Memory" },
      },
    );
  });

  it("a workload without volumes keeps exactly the platform's /tmp, no fsGroup, no hash", () => {
    const pod = podOf(aks.object(T.deployment, "plain"), "deployment");
    assert.deepEqual(pod.spec.volumes, [{ name: "tmp", emptyDir: { sizeLimit: "1Gi" } }]);
    assert.equal(pod.spec.securityContext.fsGroup, undefined);
    assert.equal(pod.spec.containers[0].envFrom, undefined);
    assert.equal(pod.metadata.annotations?.[CONFIG_HASH_ANNOTATION], undefined);
    assert.equal(pi(aks.object(T.deployment, "plain")).spec.strategy, undefined);
  });

  it("the pod template carries a hash of the ConfigMaps it reads: a changed ConfigMap rolls the pods", async () => {
    const hash = (r: WorkloadsRun) =>
      podOf(r.object(T.deployment, "transcriber"), "deployment").metadata.annotations[CONFIG_HASH_ANNOTATION];
    assert.match(hash(aks), /^[0-9a-f]{64}$/);
    const changed = await runWorkloads(
      ["aks"],
      raw({ configMaps: [{ ...settings, data: { ...settings.data, LOG_LEVEL: "debug" } }] }),
    );
    assert.notEqual(hash(changed), hash(aks));
    const same = await runWorkloads(
      ["aks"],
      raw({ configMaps: [{ name: "settings", data: { "settings.yaml": "workers: 4\n", LOG_LEVEL: "info" } }] }),
    );
    assert.equal(hash(same), hash(aks), "key order does not matter");
  });

  it("a Secret read through envFrom or a volume is hashed too, and the hash stays a secret", async () => {
    const job = aks.object(T.scaledJob, "shard");
    assert.ok(
      job.secretPaths.some((p) => p.startsWith("spec")),
      job.secretPaths.join(","),
    );
    const key = "00".repeat(32);
    const a = await pulumiValue(configHash([], [{ name: "s", values: { k: "one" } }], key));
    const b = await pulumiValue(configHash([], [{ name: "s", values: { k: "two" } }], key));
    assert.notEqual(a, b);
    assert.equal(configHash([], []), undefined);
    // Keyed: not the plain SHA-256 of what it covers, which a reader of the pod template could test guesses against.
    const plain = createHash("sha256")
      .update(JSON.stringify({ configMaps: [], secrets: [{ name: "s", values: { k: "one" } }] }))
      .digest("hex");
    assert.notEqual(a, plain);
    assert.equal(
      a,
      createHmac("sha256", key)
        .update(JSON.stringify({ configMaps: [], secrets: [{ name: "s", values: { k: "one" } }] }))
        .digest("hex"),
    );
    assert.notEqual(a, await pulumiValue(configHash([], [{ name: "s", values: { k: "one" } }], "11".repeat(32))));
    assert.throws(() => configHash([], [{ name: "s", values: { k: "one" } }]), /a key is required/);
    // The stack's key: a RandomBytes resource, its outputs secret.
    const keys = aks.resources.filter((r) => r.type === "random:index/randomBytes:RandomBytes");
    assert.equal(keys.length, 1);
    assert.deepEqual([...new Set(keys[0].additionalSecretOutputs)].sort(), ["base64", "hex"]);
  });
});

describe("workloads: claims on an existing cluster, and a service with a ReadWriteOnce claim", () => {
  it("no class for ReadWriteOnce (the cluster's default), existing.storageClasses.readWriteMany for ReadWriteMany; Recreate", async () => {
    const run = await runWorkloads(["existing"], {
      clusters: [
        {
          ...fakeClusterConfig("existing"),
          existing: { context: "kind-test", storageClasses: { readWriteMany: "nfs" } },
        },
      ],
      claims: [{ name: "shared", size: "5Gi" }],
      services: [
        {
          name: "admin",
          image: "ghcr.io/acme/admin:1.0.0",
          port: 8080,
          resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "128Mi" } },
          replicas: { min: 1, max: 1 },
          volumes: [
            { name: "db", claim: { size: "1Gi" }, mounts: [{ path: "/db" }] },
            { name: "shared", sharedClaim: "shared", mounts: [{ path: "/shared", readOnly: true }] },
          ],
        },
      ],
    });
    assert.equal(pi(run.object(T.pvc, "admin-db")).spec.storageClassName, undefined);
    assert.equal(pi(run.object(T.pvc, "shared")).spec.storageClassName, "nfs");
    const d = pi(run.object(T.deployment, "admin"));
    assert.deepEqual(d.spec.strategy, { type: "Recreate" });
    assert.deepEqual(d.spec.template.spec.containers[0].volumeMounts.at(-1), {
      name: "shared",
      mountPath: "/shared",
      readOnly: true,
    });
  });
});

function pulumiValue(v: pulumi.Input<string> | undefined): Promise<unknown> {
  return new Promise((resolve) => pulumi.output(v).apply((x) => resolve(x)));
}
