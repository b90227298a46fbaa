import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { isDeepStrictEqual } from "node:util";
import { Workloads } from "../components/workloads/index.ts";
import { accessPolicies } from "../policy/rules/access.ts";
import { autoscalingPolicies } from "../policy/rules/autoscaling.ts";
import { schedulingGpuPolicies } from "../policy/rules/scheduling-gpu.ts";
import { secretPolicies } from "../policy/rules/secrets.ts";
import { workloadSecurityPolicies } from "../policy/rules/workload-security.ts";
import { loadConfig } from "../stacks/load.ts";
import type { RecordedResource } from "../tools/harness.ts";
import { runUnderMocks, withCapturedWarnings } from "../tools/harness.ts";
import { toManifests, validateManifests } from "../tools/manifests.ts";
import { evaluatePolicies, readPolicyConfig } from "../tools/run-policies.ts";
import { readStackFile } from "../tools/stack-file.ts";
import { fakeAddons, handleFromConfig } from "./helpers/clusters.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const root = path.resolve(import.meta.dirname, "..");

/** Builds Workloads for every cluster of a shipped stack on handles derived from its own cluster config. */
async function buildStack(stack: string) {
  const file = readStackFile(stack, root);
  const source = {
    keys: () =>
      Object.keys(file.config)
        .filter((k) => k.startsWith("worker-platform:"))
        .map((k) => k.split(":")[1]),
    get: (k: string) => file.config[`worker-platform:${k}`],
    isSecret: (k: string) => file.secretKeys.includes(`worker-platform:${k}`),
  };
  const { config } = loadConfig(source);
  const warnings: string[] = [];
  const { resources } = await withCapturedWarnings(warnings, () =>
    runUnderMocks(
      () => {
        for (const c of config.clusters) {
          const cluster = handleFromConfig(c, new pulumi.ComponentResource("test:index:Cluster", c.name, {}));
          new Workloads(c.name, { cluster, addons: fakeAddons(c.name), config });
        }
      },
      { stack, config: file.config, secretKeys: file.secretKeys },
    ),
  );
  return { config, resources, warnings };
}

// The pack's rules about what Workloads creates (cloud and node-pool rules need the cluster components).
const RULES = [
  ...workloadSecurityPolicies,
  ...secretPolicies,
  ...schedulingGpuPolicies,
  ...autoscalingPolicies,
  ...accessPolicies,
];

describe("workloads: the shipped stacks", function () {
  this.timeout(120_000);
  const built: Record<string, { config: any; resources: RecordedResource[]; warnings: string[] }> = {};
  before(async () => {
    for (const stack of ["dev", "prod", "local"]) built[stack] = await buildStack(stack);
  });

  for (const stack of ["dev", "prod", "local"]) {
    it(`${stack}: every configured worker and service exists on each of its clusters`, () => {
      const { config, resources } = built[stack];
      for (const c of config.clusters) {
        const onCluster = (type: string, name: string) =>
          resources.some(
            (r) => r.type === type && r.name === `${c.name}-${name}` && r.provider?.includes(`::${c.name}::`),
          );
        // Those that list their clusters only there (prod's cloud-queue workers).
        const here = (x: { clusters?: string[] }) => !x.clusters || x.clusters.includes(c.name);
        for (const w of config.workers.filter(here))
          assert.ok(
            onCluster(`kubernetes:keda.sh/v1alpha1:${w.mode === "job" ? "ScaledJob" : "ScaledObject"}`, w.name),
            `${stack}/${c.name}: ${w.name}`,
          );
        for (const s of config.services.filter(here))
          assert.ok(
            onCluster("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", s.name),
            `${stack}/${c.name}: ${s.name}`,
          );
      }
    });

    it(`${stack}: every Kubernetes object validates against the Kubernetes and KEDA schemas`, async () => {
      const problems = await validateManifests(toManifests(built[stack].resources));
      assert.deepEqual(
        problems.map((p) => p.message),
        [],
      );
    });

    it(`${stack}: no violation of the pack's workload, secret, scheduling and autoscaling rules (stack's policy config)`, async () => {
      // One cluster at a time: without cloud cluster resources the policy model takes every provider for an
      // "existing" cluster and conflates two of them under one stack (StackModel.locate walks up to the stack).
      for (const c of built[stack].config.clusters) {
        const mine = built[stack].resources.filter((r) =>
          !r.type.startsWith("kubernetes:") && r.type !== "pulumi:providers:kubernetes"
            ? true
            : r.type === "pulumi:providers:kubernetes"
              ? r.name === c.name
              : r.provider?.includes(`::${c.name}::`),
        );
        const violations = await evaluatePolicies(mine, {
          stack,
          policyConfig: readPolicyConfig(stack),
          policies: RULES,
        });
        assert.deepEqual(
          violations.map((v) => `${c.name}: [${v.enforcementLevel}] ${v.policy}: ${v.message}`),
          [],
        );
      }
    });

    it(`${stack}: no secret value in plaintext outside Secrets`, () => {
      const secretValue = /offline-placeholder-secret|offline-[a-z0-9-]+-password/;
      let inSecrets = 0;
      for (const r of built[stack].resources) {
        const plain = JSON.stringify(r.plainInputs);
        if (r.type === "kubernetes:core/v1:Secret") inSecrets += secretValue.test(plain) ? 1 : 0;
        else if (!r.type.startsWith("random:")) assert.ok(!secretValue.test(plain), `${r.type} ${r.name}`);
      }
      // Control: the values do reach the Secrets (the config secret and the generated queue passwords), so the
      // check above looks for strings that really occur.
      assert.ok(inSecrets >= 2, `${stack}: only ${inSecrets} Secret(s) hold a secret value`);
    });
  }

  it("prod shows the scaling features: queue + GPU triggers, modifiers, any-period behaviour with selectPolicy, service behaviour, profiles, fallback", () => {
    const { resources } = built.prod;
    const of = (type: string, name: string) =>
      resources.filter((r) => r.type === type && (r.plainInputs.metadata as Obj).name === name);
    const so = (name: string) => of("kubernetes:keda.sh/v1alpha1:ScaledObject", name);
    // Every cluster: the same objects.
    for (const t of so("transcriber")) {
      const spec = t.plainInputs.spec as Obj;
      assert.deepEqual(
        spec.triggers.map((x: Obj) => x.type),
        ["redis", "prometheus"],
      );
      assert.match(spec.triggers[1].metadata.query, /DCGM_FI_DEV_GPU_UTIL/);
      assert.equal(spec.pollingInterval, 5, "responsive profile");
      assert.equal(spec.initialCooldownPeriod, 300);
      // No default fallback with a gpu trigger (a Prometheus outage would wake it from zero onto a GPU node).
      assert.equal(spec.fallback, undefined);
    }
    // The min-0 default fallback on a queue-only worker.
    const orderSync = so("order-sync");
    assert.equal(orderSync.length, 1);
    assert.deepEqual((orderSync[0].plainInputs.spec as Obj).fallback, {
      failureThreshold: 3,
      replicas: 1,
      behavior: "currentReplicasIfHigher",
    });
    const llm = so("llm");
    assert.equal(llm.length, 2);
    for (const r of llm) {
      const spec = r.plainInputs.spec as Obj;
      assert.ok(spec.advanced.scalingModifiers.formula.includes("gpu"));
      const down = spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown;
      assert.equal(down.selectPolicy, "Min");
      assert.ok(down.policies.some((p: Obj) => p.periodSeconds !== 15));
    }
    const api = of("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "api");
    assert.equal(api.length, 2);
    for (const r of api) assert.equal((r.plainInputs.spec as Obj).behavior.scaleDown.selectPolicy, "Min");
  });

  it("prod: warm headroom placeholders on the pools that ask for them; PDBs for every deployment-mode worker and service", () => {
    const { resources } = built.prod;
    const headroom = resources.filter(
      (r) =>
        r.type === "kubernetes:apps/v1:Deployment" && (r.plainInputs.metadata as Obj).name.startsWith("gpu-headroom-"),
    );
    assert.deepEqual(headroom.map((r) => r.name).sort(), [
      "prod-aks-gpu-headroom-gpu",
      "prod-aks-gpu-headroom-gpuspot",
      "prod-eks-gpu-headroom-gpu",
      "prod-eks-gpu-headroom-gpuspot",
    ]);
    const pdbs = resources
      .filter((r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget")
      .map((r) => (r.plainInputs.metadata as Obj).name);
    assert.deepEqual([...new Set(pdbs)].sort(), [
      "api",
      "embedder",
      "invoicer",
      "llm",
      "order-sync",
      "reports",
      "transcriber",
    ]);
  });

  it("every stack: llm (HF_TOKEN, model downloads) may reach HTTPS anywhere; transcriber no CIDR at all", () => {
    const https = { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] };
    for (const stack of ["dev", "prod", "local"]) {
      const policies = built[stack].resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy");
      const llm = policies.filter((r) => (r.plainInputs.metadata as Obj).name === "worker-llm");
      assert.equal(llm.length, built[stack].config.clusters.length, stack);
      for (const p of llm) {
        const egress = (p.plainInputs.spec as Obj).egress as Obj[];
        assert.ok(
          egress.some((r) => isDeepStrictEqual(r, https)),
          `${stack} ${p.name}: ${JSON.stringify(egress)}`,
        );
      }
      const transcriber = policies.find((r) => (r.plainInputs.metadata as Obj).name === "worker-transcriber")!;
      assert.ok(!JSON.stringify(transcriber.plainInputs).includes("ipBlock"), stack);
    }
  });

  it("local and prod: transcriber reaches api by name, and api's policy admits it (both ends)", () => {
    const api = { "app.kubernetes.io/name": "api", "app.kubernetes.io/component": "service" };
    const transcriber = { "app.kubernetes.io/name": "transcriber", "app.kubernetes.io/component": "worker" };
    for (const stack of ["local", "prod"]) {
      const policies = built[stack].resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy");
      const named = (name: string) => policies.filter((r) => (r.plainInputs.metadata as Obj).name === name);
      for (const p of named("worker-transcriber"))
        assert.ok(
          ((p.plainInputs.spec as Obj).egress as Obj[]).some((r) =>
            isDeepStrictEqual(r, {
              to: [{ podSelector: { matchLabels: api } }],
              ports: [{ protocol: "TCP", port: 8080 }],
            }),
          ),
          `${stack} ${p.name}`,
        );
      for (const p of named("service-api"))
        assert.ok(
          ((p.plainInputs.spec as Obj).ingress as Obj[]).some((r) =>
            isDeepStrictEqual(r, {
              from: [{ podSelector: { matchLabels: transcriber } }],
              ports: [{ protocol: "TCP", port: 8080 }],
            }),
          ),
          `${stack} ${p.name}`,
        );
    }
  });

  it("prod: api's own pdb, and the renderer's job knobs in its ScaledJob", () => {
    const { resources } = built.prod;
    const pdbs = resources.filter(
      (r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget" && (r.plainInputs.metadata as Obj).name === "api",
    );
    assert.equal(pdbs.length, 2);
    for (const p of pdbs) assert.equal((p.plainInputs.spec as Obj).maxUnavailable, "25%");
    const jobs = resources.filter(
      (r) => r.type === "kubernetes:keda.sh/v1alpha1:ScaledJob" && (r.plainInputs.metadata as Obj).name === "renderer",
    );
    assert.ok(jobs.length > 0);
    for (const j of jobs) {
      const spec = j.plainInputs.spec as Obj;
      assert.equal(spec.jobTargetRef.backoffLimit, 1);
      assert.equal(spec.jobTargetRef.ttlSecondsAfterFinished, 86400);
      assert.deepEqual([spec.successfulJobsHistoryLimit, spec.failedJobsHistoryLimit], [3, 20]);
    }
  });

  it("local: GPU workers fall back to CPU with a warning each, and request no GPU", () => {
    const { resources, warnings } = built.local;
    assert.ok(!resources.some((r) => JSON.stringify(r.plainInputs).includes("nvidia.com/gpu")));
    for (const w of ["transcriber", "llm"])
      assert.equal(warnings.filter((x) => x.includes(`worker ${w}:`) && x.includes("runs on CPU")).length, 1, w);
  });

  it("local: the api service may manage Jobs (a Role bound to its ServiceAccount) and mounts the API token; nothing else does", () => {
    const { resources } = built.local;
    const of = (type: string) => resources.filter((r) => r.type === type);
    const roles = of("kubernetes:rbac.authorization.k8s.io/v1:Role");
    assert.deepEqual(
      roles.map((r) => [(r.plainInputs.metadata as Obj).name, r.plainInputs.rules]),
      [["api", [{ apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list", "watch", "delete"] }]]],
    );
    const binding = of("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding");
    assert.deepEqual(
      binding.map((b) => b.plainInputs.subjects),
      [[{ kind: "ServiceAccount", name: "api", namespace: "wp-workloads" }]],
    );
    const tokens = of("kubernetes:core/v1:ServiceAccount")
      .filter((sa) => sa.plainInputs.automountServiceAccountToken !== false)
      .map((sa) => (sa.plainInputs.metadata as Obj).name);
    assert.deepEqual(tokens, ["api"]);
  });

  it("prod: reports has a Role and an IRSA role trusting its ServiceAccount, on EKS only", () => {
    const { resources } = built.prod;
    const names = (type: string) =>
      resources
        .filter((r) => r.type === type)
        .map((r) => `${r.provider?.split("::")[3]}/${(r.plainInputs.metadata as Obj).name}`);
    assert.deepEqual(names("kubernetes:rbac.authorization.k8s.io/v1:Role"), ["prod-eks/reports"]);
    const sa = resources.find(
      (r) => r.type === "kubernetes:core/v1:ServiceAccount" && (r.plainInputs.metadata as Obj).name === "reports",
    )!;
    assert.match(
      String((sa.plainInputs.metadata as Obj).annotations["eks.amazonaws.com/role-arn"]),
      /reports-identity/,
    );
    assert.equal(sa.plainInputs.automountServiceAccountToken, true);
  });

  it("prod: reports reads its ConfigMap as environment and as a file, and rolls when it changes", () => {
    const { resources } = built.prod;
    const cm = resources.filter(
      (r) => r.type === "kubernetes:core/v1:ConfigMap" && (r.plainInputs.metadata as Obj).name === "reports-settings",
    );
    assert.deepEqual(
      cm.map((r) => r.provider?.split("::")[3]),
      ["prod-aks", "prod-eks"],
      "declared once, created on every cluster like secrets",
    );
    const deployment = resources.find(
      (r) => r.type === "kubernetes:apps/v1:Deployment" && (r.plainInputs.metadata as Obj).name === "reports",
    )!;
    const template = (deployment.plainInputs.spec as Obj).template as Obj;
    const container = template.spec.containers[0] as Obj;
    assert.deepEqual(container.envFrom, [{ configMapRef: { name: "reports-settings" } }]);
    assert.ok(
      (container.volumeMounts as Obj[]).some(
        (m) => m.mountPath === "/etc/reports/reports.yaml" && m.subPath === "reports.yaml" && m.readOnly === true,
      ),
    );
    assert.match(String(template.metadata.annotations["worker-platform/config-hash"]), /^[0-9a-f]{64}$/);
  });
});
