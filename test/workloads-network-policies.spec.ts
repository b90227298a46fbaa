import * as assert from "node:assert/strict";
import type { RecordedResource } from "../tools/harness.ts";
import type { WorkloadsRun } from "./helpers/clusters.ts";
import { runWorkloads } from "./helpers/clusters.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const spec = (r: RecordedResource) => r.plainInputs.spec as Obj;
const resources = { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } };
const DNS = {
  to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }],
  ports: [
    { protocol: "UDP", port: 53 },
    { protocol: "TCP", port: 53 },
  ],
};

describe("workloads: network policies", () => {
  let run: WorkloadsRun;
  before(async () => {
    run = await runWorkloads(["eks"], {
      queues: [
        { name: "jobs-redis", kind: "redis" },
        { name: "jobs-rabbit", kind: "rabbitmq" },
      ],
      workers: [
        {
          name: "w",
          image: "ghcr.io/acme/w:1.0.0",
          trigger: { type: "redis", queue: "jobs-redis", listName: "l" },
          resources,
          replicas: { max: 2 },
          egress: [{ cidr: "10.20.0.0/16", ports: [443] }],
        },
        {
          name: "p",
          image: "ghcr.io/acme/p:1.0.0",
          trigger: { type: "prometheus", query: "up", threshold: 1 },
          resources,
          replicas: { max: 2 },
        },
      ],
      services: [
        { name: "api", image: "ghcr.io/acme/api:1.0.0", port: 8080, resources, replicas: { max: 2 } },
        {
          name: "lb",
          image: "ghcr.io/acme/lb:1.0.0",
          port: 9000,
          resources,
          replicas: { max: 2 },
          allowFrom: ["ingress", "192.168.0.0/24", "fd00:10::/64"],
        },
      ],
    });
  });
  const policy = (name: string) => run.object(NP, name);

  it("the namespace denies all ingress and egress by default", () => {
    assert.deepEqual(spec(policy("default-deny")), { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });

  it("a worker: no ingress; egress to DNS, its queue's pods on the queue port, and its egress CIDRs only", () => {
    const s = spec(policy("worker-w"));
    assert.deepEqual(s.podSelector.matchLabels, {
      "app.kubernetes.io/name": "w",
      "app.kubernetes.io/component": "worker",
    });
    assert.deepEqual(s.policyTypes, ["Ingress", "Egress"]);
    assert.deepEqual(s.ingress, []);
    assert.deepEqual(s.egress, [
      DNS,
      {
        to: [
          {
            podSelector: {
              matchLabels: { "app.kubernetes.io/name": "jobs-redis", "app.kubernetes.io/component": "queue" },
            },
          },
        ],
        ports: [{ protocol: "TCP", port: 6379 }],
      },
      { to: [{ ipBlock: { cidr: "10.20.0.0/16" } }], ports: [{ protocol: "TCP", port: 443 }] },
    ]);
    // a prometheus-triggered worker talks to nothing but DNS (KEDA's operator queries Prometheus)
    assert.deepEqual(spec(policy("worker-p")).egress, [DNS]);
  });

  it("a service: ingress on its port from any pod by default, or from allowFrom (namespaces, CIDRs)", () => {
    assert.deepEqual(spec(policy("service-api")).ingress, [
      { from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: 8080 }] },
    ]);
    assert.deepEqual(spec(policy("service-lb")).ingress, [
      {
        from: [
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress" } } },
          { ipBlock: { cidr: "192.168.0.0/24" } },
          { ipBlock: { cidr: "fd00:10::/64" } },
        ],
        ports: [{ protocol: "TCP", port: 9000 }],
      },
    ]);
  });

  it("a queue: ingress only from its workers, the services and KEDA, on its ports", () => {
    const redis = spec(policy("queue-jobs-redis"));
    assert.deepEqual(redis.ingress, [
      {
        from: [
          { podSelector: { matchLabels: { "app.kubernetes.io/name": "w", "app.kubernetes.io/component": "worker" } } },
          { podSelector: { matchLabels: { "app.kubernetes.io/component": "service" } } },
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "keda" } } },
        ],
        ports: [{ protocol: "TCP", port: 6379 }],
      },
    ]);
    const rabbit = spec(policy("queue-jobs-rabbit"));
    assert.deepEqual(rabbit.ingress[0].ports, [
      { protocol: "TCP", port: 5672 },
      { protocol: "TCP", port: 15672 },
    ]);
    assert.ok(!JSON.stringify(rabbit.ingress).includes('"w"'), "no worker uses the rabbit queue");
  });

  it("every policy is namespaced in the workloads namespace and depends on it", () => {
    const ns = run.ofType("kubernetes:core/v1:Namespace")[0];
    for (const p of run.ofType(NP)) {
      assert.equal((p.plainInputs.metadata as Obj).namespace, "wp-workloads");
      assert.ok(p.dependencies.includes(ns.urn), p.name);
    }
  });
});
