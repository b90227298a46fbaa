import * as assert from "node:assert/strict";
import { loadConfig } from "../stacks/load.ts";
import type { RecordedResource } from "../tools/harness.ts";
import { configProblems, cpuWorker, minimalStack, sourceOf } from "./helpers/config.ts";
import type { WorkloadsRun } from "./helpers/clusters.ts";
import { runWorkloads } from "./helpers/clusters.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const T = {
  deployment: "kubernetes:apps/v1:Deployment",
  sj: "kubernetes:keda.sh/v1alpha1:ScaledJob",
  np: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
};
const spec = (r: RecordedResource) => r.plainInputs.spec as Obj;
const template = (r: RecordedResource) => (r.type === T.sj ? spec(r).jobTargetRef.template : spec(r).template) as Obj;
const resources = { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } };
const queues = [{ name: "jobs-redis", kind: "redis" }];
const worker = (name: string, over: Obj = {}) => ({
  name,
  image: `ghcr.io/acme/${name}:1.0.0`,
  trigger: { type: "redis", queue: "jobs-redis", listName: name },
  resources,
  replicas: { max: 2 },
  ...over,
});
const service = (name: string, port: number, over: Obj = {}) => ({
  name,
  image: `ghcr.io/acme/${name}:1.0.0`,
  port,
  resources,
  replicas: { max: 2 },
  ...over,
});
const fromNamespace = (ns: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } });
const tcp = (port: number) => [{ protocol: "TCP", port }];

describe("workloads: metrics endpoints (in-cluster Prometheus)", () => {
  let run: WorkloadsRun;
  before(async () => {
    run = await runWorkloads(["eks"], {
      queues,
      workers: [
        worker("transcriber", { metrics: { port: 9090 } }),
        worker("render", { mode: "job", metrics: { port: 9100, path: "/stats", allowFrom: ["10.50.0.0/16"] } }),
        worker("plain"),
      ],
      services: [
        service("api", 8080, { metrics: { port: 9091 }, allowFrom: ["ingress-nginx"] }),
        service("infer", 8000, { metrics: { port: 8000, path: "/metrics/prometheus" } }),
        service("quiet", 8081),
      ],
    });
  });

  it("annotates the pods for the kubernetes-pods scrape job: scrape, port, path (default /metrics)", () => {
    assert.deepEqual(template(run.object(T.deployment, "transcriber")).metadata.annotations, {
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "9090",
      "prometheus.io/path": "/metrics",
    });
    assert.deepEqual(template(run.object(T.deployment, "api")).metadata.annotations["prometheus.io/port"], "9091");
    assert.deepEqual(
      template(run.object(T.deployment, "infer")).metadata.annotations["prometheus.io/path"],
      "/metrics/prometheus",
    );
  });

  it("job-mode pods get the scrape annotations next to safe-to-evict", () => {
    assert.deepEqual(template(run.object(T.sj, "render")).metadata.annotations, {
      "cluster-autoscaler.kubernetes.io/safe-to-evict": "false",
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "9100",
      "prometheus.io/path": "/stats",
    });
  });

  it("a named container port `metrics`; a service scraped on its own port keeps just `http` (no duplicate port)", () => {
    assert.deepEqual(template(run.object(T.deployment, "transcriber")).spec.containers[0].ports, [
      { name: "metrics", containerPort: 9090, protocol: "TCP" },
    ]);
    assert.deepEqual(template(run.object(T.sj, "render")).spec.containers[0].ports, [
      { name: "metrics", containerPort: 9100, protocol: "TCP" },
    ]);
    assert.deepEqual(template(run.object(T.deployment, "api")).spec.containers[0].ports, [
      { name: "http", containerPort: 8080, protocol: "TCP" },
      { name: "metrics", containerPort: 9091, protocol: "TCP" },
    ]);
    assert.deepEqual(template(run.object(T.deployment, "infer")).spec.containers[0].ports, [
      { name: "http", containerPort: 8000, protocol: "TCP" },
    ]);
    assert.equal(template(run.object(T.deployment, "infer")).metadata.annotations["prometheus.io/port"], "8000");
  });

  it("without metrics: no annotations, no ports, no ingress", () => {
    const plain = template(run.object(T.deployment, "plain"));
    assert.ok(!("annotations" in plain.metadata));
    assert.ok(!("ports" in plain.spec.containers[0]));
    assert.deepEqual(spec(run.object(T.np, "worker-plain")).ingress, []);
    assert.ok(!("prometheus.io/scrape" in (template(run.object(T.deployment, "quiet")).metadata.annotations ?? {})));
    assert.equal(spec(run.object(T.np, "service-quiet")).ingress.length, 1, "only the service port");
  });

  it("NetworkPolicy: ingress on the metrics port only, from the Prometheus namespace and metrics.allowFrom", () => {
    assert.deepEqual(spec(run.object(T.np, "worker-transcriber")).ingress, [
      { from: [fromNamespace("monitoring")], ports: tcp(9090) },
    ]);
    assert.deepEqual(spec(run.object(T.np, "worker-render")).ingress, [
      { from: [fromNamespace("monitoring"), { ipBlock: { cidr: "10.50.0.0/16" } }], ports: tcp(9100) },
    ]);
  });

  it("a service's metrics rule stands beside its allowFrom rule, also on its own port (allowFrom need not name Prometheus)", () => {
    assert.deepEqual(spec(run.object(T.np, "service-api")).ingress, [
      { from: [fromNamespace("ingress-nginx")], ports: tcp(8080) },
      { from: [fromNamespace("monitoring")], ports: tcp(9091) },
    ]);
    assert.deepEqual(spec(run.object(T.np, "service-infer")).ingress[1], {
      from: [fromNamespace("monitoring")],
      ports: tcp(8000),
    });
  });

  it("follows addons.prometheus.namespace", async () => {
    const other = await runWorkloads(["aks"], {
      queues,
      addons: { prometheus: { namespace: "observability" } },
      workers: [worker("w", { metrics: { port: 9090 } })],
    });
    assert.deepEqual(spec(other.object(T.np, "worker-w")).ingress, [
      { from: [fromNamespace("observability")], ports: tcp(9090) },
    ]);
  });

  it("an external Prometheus: only metrics.allowFrom may scrape", async () => {
    const ext = await runWorkloads(
      ["aks"],
      {
        queues,
        addons: { prometheus: { externalUrl: "https://prom.example.com" } },
        workers: [worker("w", { metrics: { port: 9090, allowFrom: ["kube-system"] } })],
      },
      { addons: { prometheusUrl: "https://prom.example.com" } },
    );
    assert.deepEqual(spec(ext.object(T.np, "worker-w")).ingress, [
      { from: [fromNamespace("kube-system")], ports: tcp(9090) },
    ]);
    assert.equal(template(ext.object(T.deployment, "w")).metadata.annotations["prometheus.io/scrape"], "true");
  });
});

/** Problems loadConfig reports, or [] when valid. */
function problems(values: Record<string, unknown>): string[] {
  return configProblems(values);
}
const stack = (workerOver: Obj, extra: Obj = {}) => ({
  ...minimalStack(),
  queues: [{ name: "q", kind: "redis" }],
  workers: [cpuWorker(workerOver)],
  ...extra,
});
const svc = (over: Obj) => ({
  name: "api",
  image: "ghcr.io/acme/api:1.0.0",
  port: 8080,
  resources,
  replicas: { max: 2 },
  ...over,
});

describe("workloads config: metrics", () => {
  it("valid: a port, the default path, a service scraped on its own port", () => {
    assert.deepEqual(problems(stack({ metrics: { port: 9090 } })), []);
    assert.deepEqual(problems({ ...minimalStack(), services: [svc({ metrics: { port: 8080 } })] }), []);
    const cfg = loadConfig(sourceOf(stack({ metrics: { port: 9090 } }))).config;
    assert.deepEqual(cfg.workers[0].metrics, { port: 9090, path: "/metrics", allowFrom: [] });
  });

  it("a port outside 1..65535 or not an integer is rejected, naming the key", () => {
    for (const port of [0, 65536, 9090.5, "9090"]) {
      const found = problems(stack({ metrics: { port } }));
      assert.equal(found.length, 1, `${port}: ${found.join("; ")}`);
      assert.match(found[0], /^workers\[0\]\.metrics\.port: /, String(port));
    }
    assert.match(
      problems({ ...minimalStack(), services: [svc({ metrics: { port: -1 } })] })[0],
      /^services\[0\]\.metrics\.port: /,
    );
    assert.match(problems(stack({ metrics: {} }))[0], /^workers\[0\]\.metrics\.port: /, "port is required");
  });

  it("a path not starting with / and unknown keys are rejected", () => {
    assert.match(
      problems(stack({ metrics: { port: 9090, path: "metrics" } }))[0],
      /^workers\[0\]\.metrics\.path: must be an HTTP path starting with \//,
    );
    assert.match(
      problems(stack({ metrics: { port: 9090, scheme: "https" } })).join("\n"),
      /workers\[0\]\.metrics.*scheme/,
    );
    assert.match(
      problems(stack({ metrics: { port: 9090, allowFrom: ["Not_A_Namespace"] } }))[0],
      /^workers\[0\]\.metrics\.allowFrom\[0\]: must be a CIDR such as 10\.0\.0\.0\/8 or a namespace name/,
    );
  });

  it("without an in-cluster Prometheus, metrics.allowFrom is required (nothing could scrape through the NetworkPolicy)", () => {
    const external = { addons: { prometheus: { externalUrl: "https://prom.example.com" } } };
    const found = problems(stack({ metrics: { port: 9090 } }, external));
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(
      found[0],
      /^workers\[0\]\.metrics\.allowFrom: the platform runs no in-cluster Prometheus \(addons\.prometheus\.externalUrl is set\)/,
    );
    const disabled = problems({
      ...minimalStack(),
      addons: { prometheus: { enabled: false } },
      services: [svc({ metrics: { port: 9091 } })],
    });
    assert.match(disabled[0], /^services\[0\]\.metrics\.allowFrom: .*addons\.prometheus is disabled/);
    assert.deepEqual(problems(stack({ metrics: { port: 9090, allowFrom: ["kube-system"] } }, external)), []);
  });
});
