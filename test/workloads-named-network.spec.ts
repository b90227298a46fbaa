import * as assert from "node:assert/strict";
import { loadConfig } from "../stacks/load.ts";
import type { RecordedResource } from "../tools/harness.ts";
import type { WorkloadsRun } from "./helpers/clusters.ts";
import { runWorkloads } from "./helpers/clusters.ts";
import { configProblems, cpuWorker, minimalStack, sourceOf } from "./helpers/config.ts";
import { fakeClusterConfig } from "./helpers/clusters.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const spec = (r: RecordedResource) => r.plainInputs.spec as Obj;
const resources = { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } };
const pods = (name: string, component: string) => ({
  podSelector: { matchLabels: { "app.kubernetes.io/name": name, "app.kubernetes.io/component": component } },
});
const ns = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });
const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));

describe("workloads: egress and ingress by name (NetworkPolicies at both ends)", () => {
  let run: WorkloadsRun;
  before(async () => {
    run = await runWorkloads(["eks"], {
      queues: [
        { name: "jobs-redis", kind: "redis" },
        { name: "results", kind: "redis" },
        { name: "orders", kind: "sqs" },
      ],
      workers: [
        {
          name: "w",
          image: "ghcr.io/acme/w:1.0.0",
          trigger: { type: "redis", queue: "jobs-redis", listName: "l" },
          resources,
          replicas: { max: 2 },
          egress: [
            { service: "api" },
            { service: "locked", ports: [9443] },
            { worker: "scorer" },
            { queue: "results" },
            { queue: "orders" },
            { namespace: "db", podSelector: { matchLabels: { app: "postgres" } }, ports: [5432] },
            { cidr: "10.20.0.0/16", ports: [443] },
          ],
        },
        {
          name: "scorer",
          image: "ghcr.io/acme/s:1.0.0",
          trigger: { type: "prometheus", query: "up", threshold: 1 },
          resources,
          replicas: { max: 2 },
          metrics: { port: 9100 },
        },
      ],
      services: [
        { name: "api", image: "ghcr.io/acme/api:1.0.0", port: 8080, resources, replicas: { max: 2 } },
        {
          name: "locked",
          image: "ghcr.io/acme/l:1.0.0",
          port: 9443,
          resources,
          replicas: { max: 2 },
          allowFrom: [
            "ingress",
            { worker: "scorer" },
            { namespace: "batch", podSelector: { matchLabels: { a: "b" } } },
          ],
        },
      ],
    });
  });
  const policy = (name: string) => spec(run.object(NP, name));

  it("a worker's named destinations become egress rules on the targets' labels and ports, in order", () => {
    const egress = policy("worker-w").egress as Obj[];
    // DNS, its trigger's queue, then the egress entries as listed
    assert.deepEqual(egress.slice(2), [
      { to: [pods("api", "service")], ports: tcp(8080) },
      { to: [pods("locked", "service")], ports: tcp(9443) },
      { to: [pods("scorer", "worker")], ports: tcp(9100) },
      { to: [pods("results", "queue")], ports: tcp(6379) },
      // a cloud queue: its HTTPS port on any address (a NetworkPolicy cannot name the cloud's host)
      { ports: tcp(443) },
      { to: [{ ...ns("db"), podSelector: { matchLabels: { app: "postgres" } } }], ports: tcp(5432) },
      { to: [{ ipBlock: { cidr: "10.20.0.0/16" } }], ports: tcp(443) },
    ]);
  });

  it("each named target admits the source: services, workers and in-cluster queues", () => {
    assert.deepEqual(policy("service-api").ingress.at(-1), { from: [pods("w", "worker")], ports: tcp(8080) });
    // locked allows only its allowFrom, yet w named it: w is admitted on the port it named
    assert.deepEqual(policy("service-locked").ingress.at(-1), { from: [pods("w", "worker")], ports: tcp(9443) });
    // scorer: its metrics scrapers, then w on the metrics port it serves
    assert.deepEqual(policy("worker-scorer").ingress.at(-1), { from: [pods("w", "worker")], ports: tcp(9100) });
    assert.deepEqual(policy("queue-results").ingress[0].from[0], pods("w", "worker"));
  });

  it("allowFrom by name: the service admits the source, and the source's egress reaches the service", () => {
    assert.deepEqual(policy("service-locked").ingress[0], {
      from: [ns("ingress"), pods("scorer", "worker"), { ...ns("batch"), podSelector: { matchLabels: { a: "b" } } }],
      ports: tcp(9443),
    });
    assert.deepEqual(policy("worker-scorer").egress.at(-1), { to: [pods("locked", "service")], ports: tcp(9443) });
  });
});

describe("workloads config: egress and ingress by name", () => {
  const api = { name: "api", image: "ghcr.io/acme/api:1.0.0", port: 8080, resources, replicas: { min: 1, max: 2 } };
  const base = (over: Record<string, unknown> = {}) => ({
    ...minimalStack(),
    queues: [{ name: "q", kind: "redis" }],
    services: [api],
    ...over,
  });

  it("a valid config with names of every kind parses", () => {
    assert.deepEqual(
      configProblems(
        base({
          workers: [
            cpuWorker({
              egress: [{ service: "api" }, { queue: "q" }, { namespace: "db", ports: [5432] }, { cidr: "10.0.0.0/8" }],
            }),
          ],
        }),
      ),
      [],
    );
  });

  it("egress to a name that does not exist is an error naming the key and what exists", () => {
    const problems = configProblems(
      base({ workers: [cpuWorker({ egress: [{ service: "nope" }, { worker: "ghost" }, { queue: "missing" }] })] }),
    );
    assert.ok(
      problems.some((p) => /workers\[0\]\.egress\[0\]\.service.*no service named "nope".*have: api/.test(p)),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => /workers\[0\]\.egress\[1\]\.worker.*no worker named "ghost"/.test(p)),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => /workers\[0\]\.egress\[2\]\.queue.*no queue named "missing"/.test(p)),
      problems.join("\n"),
    );
  });

  it("allowFrom naming a missing workload is an error naming the key", () => {
    const problems = configProblems(base({ services: [{ ...api, allowFrom: [{ worker: "ghost" }] }] }));
    assert.ok(
      problems.some((p) => /services\[0\]\.allowFrom\[0\]\.worker.*no worker named "ghost"/.test(p)),
      problems.join("\n"),
    );
  });

  it("a worker named without ports and without a metrics endpoint is an error on its ports", () => {
    const other = cpuWorker({ name: "other" });
    const problems = configProblems(base({ workers: [cpuWorker({ egress: [{ worker: "other" }] }), other] }));
    assert.ok(
      problems.some((p) => /workers\[0\]\.egress\[0\]\.ports.*serves no port/.test(p)),
      problems.join("\n"),
    );
    assert.deepEqual(
      configProblems(base({ workers: [cpuWorker({ egress: [{ worker: "other", ports: [7000] }] }), other] })),
      [],
    );
  });

  it("a target not on every cluster of its source is an error naming the clusters", () => {
    const stack = minimalStack() as { clusters: Record<string, unknown>[] };
    stack.clusters.push({ ...stack.clusters[0], name: "c2" });
    const problems = configProblems({
      ...stack,
      queues: [{ name: "q", kind: "redis" }],
      services: [{ ...api, clusters: ["c1"] }],
      workers: [cpuWorker({ egress: [{ service: "api" }] })],
    });
    assert.ok(
      problems.some((p) => /workers\[0\]\.egress\[0\]\.service.*not deployed on c2/.test(p)),
      problems.join("\n"),
    );
  });

  it("malformed entries name the key: two kinds in one entry, a bad namespace", () => {
    const problems = configProblems(
      base({ workers: [cpuWorker({ egress: [{ service: "api", cidr: "10.0.0.0/8" }, { namespace: "Bad_NS" }] })] }),
    );
    assert.ok(
      problems.some((p) => p.includes("workers[0].egress[0]")),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => p.includes("workers[0].egress[1]")),
      problems.join("\n"),
    );
  });

  it("a worker with no declared destination gets a warning naming the key (its policy stays DNS-only)", () => {
    const warnings = (v: Record<string, unknown>) =>
      loadConfig(sourceOf(v)).warnings.filter((w) => w.includes("allows DNS only"));
    const lonely = cpuWorker({ trigger: { type: "prometheus", query: "up", threshold: 1 } });
    const ws = warnings(base({ workers: [lonely] }));
    assert.equal(ws.length, 1, ws.join("\n"));
    assert.match(ws[0], /^workers\[0\]\.egress: worker w reads no queue and declares no egress/);
    assert.deepEqual(warnings(base({ workers: [{ ...lonely, egress: [{ service: "api" }] }] })), []);
    assert.deepEqual(warnings(base({ workers: [cpuWorker()] })), [], "a queue trigger is a destination");
    // a service with no queue in the stack and no egress
    const svc = warnings({ ...minimalStack(), services: [api] });
    assert.equal(svc.length, 1, svc.join("\n"));
    assert.match(svc[0], /^services\[0\]\.egress: service api declares no egress/);
  });

  it("serviceAccount.rules or a cloud identity without egress to TCP 443/6443: a warning naming the key", () => {
    const warnings = (v: Record<string, unknown>) =>
      loadConfig(sourceOf(v)).warnings.filter((w) => w.includes("no egress entry opens TCP 443"));
    const rules = [{ resources: ["configmaps"], verbs: ["get"] }];
    const reader = { ...api, serviceAccount: { rules } };
    const ws = warnings(base({ services: [reader] }));
    assert.equal(ws.length, 1, ws.join("\n"));
    assert.match(ws[0], /^services\[0\]\.egress: api needs the Kubernetes API server \(serviceAccount\.rules\)/);
    assert.match(ws[0], /egress: \[\{ cidr: .*ports: \[443\] \}\]/);
    for (const egress of [
      [{ cidr: "10.0.0.1/32", ports: [443] }],
      [{ cidr: "10.0.0.1/32", ports: [6443] }],
      [{ cidr: "0.0.0.0/0" }],
    ])
      assert.deepEqual(warnings(base({ services: [{ ...reader, egress }] })), [], JSON.stringify(egress));
    assert.equal(
      warnings(base({ services: [{ ...reader, egress: [{ cidr: "10.0.0.1/32", ports: [5432] }] }] })).length,
      1,
    );
    assert.deepEqual(warnings(base()), [], "no rules, no identity: nothing to reach");
    // A cloud identity (EKS: STS); a worker reading an SQS queue already reaches 443 anywhere (its
    // trigger's egress), so its rules need nothing more.
    const eks = (over: Record<string, unknown>) => ({
      platform: { environment: "test" },
      clusters: [fakeClusterConfig("eks")],
      queues: [
        { name: "q", kind: "redis" },
        { name: "orders", kind: "sqs" },
      ],
      ...over,
    });
    const identity = {
      serviceAccount: { cloudIdentity: { aws: { roleArn: "arn:aws:iam::123456789012:role/reader" } } },
    };
    const idWs = warnings(eks({ workers: [cpuWorker(identity)] }));
    assert.equal(idWs.length, 1, idWs.join("\n"));
    assert.match(idWs[0], /^workers\[0\]\.egress: w needs the cloud's token service/);
    const sqs = cpuWorker({ serviceAccount: { rules }, trigger: { type: "sqs", queue: "orders" } });
    assert.deepEqual(warnings(eks({ workers: [sqs] })), []);
  });
});
