import * as assert from "node:assert/strict";
import type { RecordedResource } from "../tools/harness.ts";
import type { WorkloadsRun } from "./helpers/clusters.ts";
import { runWorkloads } from "./helpers/clusters.ts";
import { SCALED_BY_ANNOTATION } from "../policy/rules/lib/platform.ts";
import { serviceAwaitsReadiness } from "../components/workloads/service.ts";
import type { PoolHandle } from "../components/cluster/handle.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const spec = (r: RecordedResource) => r.plainInputs.spec as Obj;
const T = {
  deployment: "kubernetes:apps/v1:Deployment",
  service: "kubernetes:core/v1:Service",
  hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  so: "kubernetes:keda.sh/v1alpha1:ScaledObject",
};
const api = (over: Obj = {}) => ({
  name: "api",
  image: "ghcr.io/acme/api:3.1.0",
  port: 8080,
  resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "512Mi" } },
  replicas: { min: 2, max: 6 },
  ...over,
});

describe("workloads: services", () => {
  let run: WorkloadsRun;
  before(async () => {
    run = await runWorkloads(["aks", "eks"], {
      addons: { prometheusAdapter: { enabled: true } },
      services: [
        api({ targetMemoryUtilization: 75 }),
        api({
          name: "infer",
          gpu: { count: 1 },
          spot: true,
          replicas: { min: 1, max: 2 },
          customMetric: { name: "DCGM_FI_DEV_GPU_UTIL", targetAverageValue: "80" },
          expose: "LoadBalancer",
        }),
      ],
    });
  });

  it("Deployment without spec.replicas, scaled by one HPA autoscaling/v2 and no ScaledObject", () => {
    for (const cluster of ["aks-c", "eks-c"]) {
      const d = run.object(T.deployment, "api", cluster);
      assert.ok(!("replicas" in spec(d)));
      const hpas = run.ofType(T.hpa, cluster).filter((h) => spec(h).scaleTargetRef.name === "api");
      assert.equal(hpas.length, 1);
      assert.deepEqual(spec(hpas[0]).scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "api" });
      assert.ok(hpas[0].dependencies.includes(d.urn));
    }
    assert.equal(run.ofType(T.so).length, 0);
  });

  it("every service Deployment is annotated scaled-by hpa for the policy pack", () => {
    const deployments = run.ofType(T.deployment);
    assert.equal(deployments.length, 4);
    for (const d of deployments)
      assert.equal((d.plainInputs.metadata as Obj).annotations?.[SCALED_BY_ANNOTATION], "hpa", d.name);
  });

  it("Pulumi awaits a CPU service's rollout, but not a GPU service's whose GPU pools scale from 0 (pulumi.com/skipAwait)", () => {
    const skip = (name: string, cluster: string) =>
      (run.object(T.deployment, name, cluster).plainInputs.metadata as Obj).annotations["pulumi.com/skipAwait"];
    for (const cluster of ["aks-c", "eks-c"]) {
      assert.equal(skip("api", cluster), undefined, `api on ${cluster}: a failed rollout must fail the update`);
      assert.equal(skip("infer", cluster), "true", `infer on ${cluster}: its GPU pools start at 0 nodes`);
    }
  });

  it("a GPU service whose GPU pools all keep nodes (min >= 1) is awaited again", async () => {
    const warm = await runWorkloads(
      ["aks"],
      { services: [api({ name: "infer", gpu: { count: 1 }, spot: true, replicas: { min: 1, max: 2 } })] },
      {
        cluster: (c) => ({ pools: c.pools.map((p) => (p.gpu ? { ...p, min: 1 } : p)) }),
      },
    );
    assert.ok(
      !("pulumi.com/skipAwait" in (warm.object(T.deployment, "infer").plainInputs.metadata as Obj).annotations),
    );
  });

  it("the await rule: CPU pods always awaited; GPU pods only when every pool they may use keeps a node", () => {
    const pool = (min: number) => ({ name: `p${min}`, min }) as PoolHandle;
    assert.equal(
      serviceAwaitsReadiness({ gpus: 0, pools: [pool(0)] }),
      true,
      "CPU on a min-0 pool: a CPU node comes up well within 10 min",
    );
    assert.equal(serviceAwaitsReadiness({ gpus: 1, pools: [pool(1), pool(2)] }), true);
    assert.equal(
      serviceAwaitsReadiness({ gpus: 1, pools: [pool(1), pool(0)] }),
      false,
      "one pool it may use scales from 0",
    );
    assert.equal(serviceAwaitsReadiness({ gpus: 2, pools: [pool(0)] }), false);
  });

  it("HPA: min/max from config, cpu target (default 70), memory when set, a Pods custom metric when set", () => {
    const h = spec(run.object(T.hpa, "api", "aks-c"));
    assert.equal(h.minReplicas, 2);
    assert.equal(h.maxReplicas, 6);
    assert.deepEqual(h.metrics, [
      { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } },
      { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 75 } } },
    ]);
    const infer = spec(run.object(T.hpa, "infer", "aks-c"));
    assert.deepEqual(infer.metrics[1], {
      type: "Pods",
      pods: { metric: { name: "DCGM_FI_DEV_GPU_UTIL" }, target: { type: "AverageValue", averageValue: "80" } },
    });
  });

  it("Service on the configured port; LoadBalancer services are internal on each cloud", () => {
    const svc = run.object(T.service, "api", "aks-c");
    assert.equal(spec(svc).type, "ClusterIP");
    assert.deepEqual(spec(svc).ports, [{ name: "http", port: 8080, targetPort: "http", protocol: "TCP" }]);
    assert.deepEqual(spec(svc).selector, spec(run.object(T.deployment, "api", "aks-c")).selector.matchLabels);
    const aks = run.object(T.service, "infer", "aks-c");
    assert.equal(spec(aks).type, "LoadBalancer");
    assert.equal(
      (aks.plainInputs.metadata as Obj).annotations["service.beta.kubernetes.io/azure-load-balancer-internal"],
      "true",
    );
    const eks = run.object(T.service, "infer", "eks-c");
    assert.equal(
      (eks.plainInputs.metadata as Obj).annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"],
      "internal",
    );
  });

  it("pods: restricted, probes on the port, GPU in limits and requests and the GPU toleration for GPU services", () => {
    const pod = spec(run.object(T.deployment, "infer", "eks-c")).template.spec;
    const c = pod.containers[0];
    assert.deepEqual(c.ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    assert.deepEqual(c.readinessProbe.tcpSocket, { port: "http" });
    assert.equal(c.resources.limits["nvidia.com/gpu"], "1");
    assert.equal(c.resources.requests["nvidia.com/gpu"], "1");
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(pod.automountServiceAccountToken, false);
    assert.ok(pod.tolerations.some((t: Obj) => t.key === "nvidia.com/gpu"));
  });

  it("PDB for min >= 2 (api), none for min 1 outside production (infer)", () => {
    assert.deepEqual(
      run.ofType(T.pdb, "aks-c").map((p) => (p.plainInputs.metadata as Obj).name),
      ["api"],
    );
  });

  it("production: every service gets a PDB", async () => {
    const prod = await runWorkloads(
      ["eks"],
      { services: [api({ replicas: { min: 1, max: 2 } })] },
      { production: true },
    );
    assert.deepEqual(
      prod.ofType(T.pdb).map((p) => (p.plainInputs.metadata as Obj).name),
      ["api"],
    );
  });
});
