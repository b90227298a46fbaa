import * as assert from "node:assert/strict";
import { cloudQueueClusters, usesCloudQueues } from "../stacks/schema/checks/cloud-queues.ts";
import { sqsVisibilityTimeout } from "../components/workloads/cloud-queues.ts";
import { loadConfig } from "../stacks/load.ts";
import type { SqsQueueConfig } from "../stacks/schema/index.ts";
import { configProblems, sourceOf } from "./helpers/config.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

const SUB = "11111111-2222-4333-8444-555555555555";
const sbId = (entity: string) =>
  `/subscriptions/${SUB}/resourceGroups/msg-rg/providers/Microsoft.ServiceBus/namespaces/acme-msg/${entity}`;

/** An AKS, an EKS and an existing cluster: every cloud a queue could be put on. */
function stack(queues: Obj[], workers: Obj[] = []): Obj {
  const system = (machine: string) => [{ name: "system", role: "system", machineTypes: [machine], min: 1, max: 3 }];
  return {
    platform: { environment: "test" },
    clusters: [
      {
        name: "aks1",
        cloud: "azure",
        region: "westeurope",
        kubernetesVersion: "1.34",
        pools: system("Standard_D4s_v5"),
      },
      { name: "eks1", cloud: "aws", region: "eu-west-1", kubernetesVersion: "1.34", pools: system("m6i.xlarge") },
      { name: "kind1", cloud: "existing", existing: { context: "kind-x" } },
    ],
    queues,
    workers,
  };
}
const sqs = (over: Obj = {}) => ({ name: "orders", kind: "sqs", clusters: ["eks1"], ...over });
const sb = (over: Obj = {}) => ({ name: "invoices", kind: "servicebus", clusters: ["aks1"], ...over });
const worker = (trigger: Obj, over: Obj = {}) => ({
  name: "w",
  image: "ghcr.io/acme/w:1.0.0",
  trigger,
  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "128Mi" } },
  replicas: { min: 0, max: 3 },
  ...over,
});
const onEks = (t: Obj = {}) => worker({ type: "sqs", queue: "orders", ...t }, { clusters: ["eks1"] });
const onAks = (t: Obj = {}) => worker({ type: "servicebus", queue: "invoices", ...t }, { clusters: ["aks1"] });

describe("cloud queues config: accepted", () => {
  // Each row: what it shows, the queues, the workers. Scale to zero (min 0) works on them: they are event triggers.
  const rows: [string, Obj[], Obj[]][] = [
    ["a created SQS queue and a worker on its EKS cluster", [sqs()], [onEks({ targetPerReplica: 1, activation: 0 })]],
    [
      "an SQS queue referenced by ARN (FIFO too)",
      [sqs({ arn: "arn:aws:sqs:us-east-1:210987654321:orders.fifo" })],
      [onEks()],
    ],
    ["an SQS ARN in the GovCloud partition", [sqs({ arn: "arn:aws-us-gov:sqs:us-gov-west-1:210987654321:o" })], []],
    [
      "visibility timeouts at both ends of SQS's range",
      [sqs({ visibilityTimeoutSeconds: 0 }), sqs({ name: "b", visibilityTimeoutSeconds: 43200 })],
      [],
    ],
    ["a created Service Bus queue and a worker on its AKS cluster", [sb({ maxDeliveryCount: 1 })], [onAks()]],
    ["a created topic with its subscription", [sb({ subscription: "billing.v2" })], [onAks()]],
    ["a referenced queue", [sb({ resourceId: sbId("queues/invoices") })], [onAks()]],
    [
      "a referenced topic with its subscription",
      [sb({ resourceId: sbId("topics/audit"), subscription: "archiver" })],
      [onAks()],
    ],
  ];
  for (const [what, queues, workers] of rows)
    it(what, () => assert.deepEqual(configProblems(stack(queues, workers)), []));
});

describe("cloud queues config: rejected, each naming its key, the value and the fix", () => {
  const rows: [string, Obj[], Obj[], (string | RegExp)[]][] = [
    [
      "an SQS queue on an AKS cluster",
      [sqs({ clusters: ["aks1"] })],
      [],
      [
        'queues[0].clusters: an sqs queue cannot be on aks1: KEDA and the workers read an SQS queue through IAM roles that trust an EKS cluster\'s OIDC provider (IRSA); aks1 is an azure cluster; list only aws clusters in clusters, e.g. clusters: [eks1], got ["aks1"]',
      ],
    ],
    [
      "a Service Bus queue on an EKS cluster",
      [sb({ clusters: ["eks1"] })],
      [],
      [
        /^queues\[0\]\.clusters: a servicebus queue cannot be on eks1: .*Entra identities federated with an AKS cluster's OIDC issuer.*; eks1 is an aws cluster; list only azure clusters in clusters, e\.g\. clusters: \[aks1\]/,
      ],
    ],
    [
      "an SQS queue on an existing cluster",
      [sqs({ clusters: ["kind1"] })],
      [],
      [
        /^queues\[0\]\.clusters: an sqs queue cannot be on kind1: .*; kind1 is an existing cluster, whose cloud account and OIDC issuer the platform does not manage; list only aws clusters/,
      ],
    ],
    [
      "a cloud queue without clusters, in a stack of several clouds (the default is every cluster)",
      [sqs({ clusters: undefined })],
      [],
      [
        /^queues\[0\]\.clusters: an sqs queue cannot be on aks1 \(clusters defaults to every cluster of the stack\): .*clusters: \[eks1\]$/,
        /^queues\[0\]\.clusters: an sqs queue cannot be on kind1 \(clusters defaults to every cluster of the stack\)/,
      ],
    ],
    [
      "a cluster that does not exist",
      [sqs({ clusters: ["eks2"] })],
      [],
      ['queues[0].clusters[0]: no cluster named "eks2" (have: aks1, eks1, kind1), got "eks2"'],
    ],
    [
      "malformed SQS ARNs",
      [
        sqs({ arn: "arn:aws:sqs:eu-west-1:12345:orders" }),
        sqs({ name: "b", arn: "arn:aws:sns:eu-west-1:123456789012:t" }),
      ],
      [],
      [
        /^queues\[0\]\.arn: must be an SQS queue ARN such as arn:aws:sqs:eu-west-1:123456789012:orders, got "arn:aws:sqs:eu-west-1:12345:orders"$/,
        /^queues\[1\]\.arn: must be an SQS queue ARN/,
      ],
    ],
    [
      "a malformed Service Bus resource ID (not Microsoft.ServiceBus, namespace too short)",
      [
        sb({ resourceId: sbId("queues/x").replace("Microsoft.ServiceBus", "Microsoft.EventHub") }),
        sb({ name: "b", resourceId: sbId("queues/x").replace("acme-msg", "ab") }),
      ],
      [],
      [
        /^queues\[0\]\.resourceId: must be a Service Bus queue or topic resource ID/,
        /^queues\[1\]\.resourceId: must be/,
      ],
    ],
    [
      "a referenced topic without a subscription, a referenced queue with one",
      [sb({ resourceId: sbId("topics/audit") }), sb({ name: "b", resourceId: sbId("queues/x"), subscription: "s" })],
      [],
      [
        "queues[0].subscription: resourceId names a topic: set the subscription the workers receive from",
        'queues[1].subscription: resourceId names a queue, which has no subscriptions: remove subscription, or reference a topic, got "s"',
      ],
    ],
    [
      "a visibility timeout for a referenced queue, or out of SQS's range",
      [
        sqs({ arn: "arn:aws:sqs:eu-west-1:123456789012:o", visibilityTimeoutSeconds: 60 }),
        sqs({ name: "b", visibilityTimeoutSeconds: 43201 }),
      ],
      [],
      [
        "queues[0].visibilityTimeoutSeconds: only for a queue the program creates; arn references an existing queue, whose settings stay as they are, got 60",
        /^queues\[1\]\.visibilityTimeoutSeconds: .*43200.*, got 43201$/,
      ],
    ],
    [
      "receive and delivery counts below 1, a subscription name with spaces",
      [sqs({ maxReceiveCount: 0 }), sb({ maxDeliveryCount: 0, subscription: "bad name" })],
      [],
      [
        /^queues\[0\]\.maxReceiveCount: .*1.*, got 0$/,
        /^queues\[1\]\.maxDeliveryCount: .*1.*, got 0$/,
        /^queues\[1\]\.subscription: must be a Service Bus subscription name/,
      ],
    ],
    [
      "a broker key on a cloud queue, a cloud key on a broker queue (each told what its kind allows)",
      [sqs({ host: "sqs.example.com" }), { name: "r", kind: "redis", arn: "arn:aws:sqs:eu-west-1:123456789012:o" }],
      [],
      [
        /^queues\[0\]\.host: unknown key; allowed: name, kind, clusters, arn, visibilityTimeoutSeconds, maxReceiveCount$/,
        /^queues\[1\]\.arn: unknown key; allowed: name, kind, mode, host, /,
      ],
    ],
    [
      "a misspelt kind",
      [{ name: "q", kind: "sq" }],
      [],
      ['queues[0].kind: kind must be one of redis, rabbitmq, sqs, servicebus, got "sq" (did you mean "sqs"?)'],
    ],
    [
      "a trigger naming a queue of the other kind, or none",
      [sqs(), sb()],
      [onEks({ queue: "invoices" }), { ...onAks({ queue: "nope" }), name: "w2" }],
      [
        'workers[0].trigger.queue: queue "invoices" is servicebus, the trigger is sqs, got "invoices"',
        'workers[1].trigger.queue: no queue named "nope" under queues (have: orders, invoices), got "nope"',
      ],
    ],
    [
      "a worker that would also run where its queue is not (by default, or listed)",
      [sqs()],
      [worker({ type: "sqs", queue: "orders" }), { ...onEks(), name: "w2", clusters: ["eks1", "aks1"] }],
      [
        'workers[0].trigger.queue: sqs queue "orders" exists only on eks1, but the worker would also run on aks1, kind1 (clusters defaults to every cluster of the stack); set clusters: [eks1], got "orders"',
        'workers[1].clusters: sqs queue "orders" exists only on eks1, but the worker would also run on aks1; set clusters: [eks1], got ["eks1","aks1"]',
      ],
    ],
    [
      "two cloud queues on one worker (its identities are limited to one queue)",
      [sqs(), sqs({ name: "refunds" })],
      [
        worker(undefined as unknown as Obj, {
          trigger: undefined,
          triggers: [
            { type: "sqs", queue: "orders" },
            { type: "sqs", queue: "refunds", name: "refunds" },
          ],
          clusters: ["eks1"],
        }),
      ],
      [
        'workers[0].triggers[1]: a worker reads at most one cloud queue (its pod identity and KEDA\'s scaler identity are limited to that queue); w already reads orders: use a second worker for refunds, got "refunds"',
      ],
    ],
    [
      "a cloud trigger's target and activation out of range",
      [sqs()],
      [onEks({ targetPerReplica: 0, activation: -1 })],
      [/^workers\[0\]\.trigger\.targetPerReplica: .*1.*, got 0$/, /^workers\[0\]\.trigger\.activation: .*0.*, got -1$/],
    ],
  ];
  for (const [what, queues, workers, expected] of rows)
    it(what, () => {
      const found = configProblems(stack(queues, workers));
      assert.equal(found.length, expected.length, found.join("\n"));
      // In any order: field errors come before the cross-field ones.
      const left = [...found];
      for (const e of expected) {
        const i = left.findIndex((f) => (typeof e === "string" ? f === e : e.test(f)));
        assert.ok(i >= 0, `expected ${String(e)} among:\n${found.join("\n")}`);
        left.splice(i, 1);
      }
    });
});

describe("cloud queues config: derived values", () => {
  it("which clusters use cloud queues (KEDA's operator identity goes there only), and where a queue is", () => {
    const { config } = loadConfig(sourceOf(stack([sqs(), sb()], [onEks()])));
    assert.equal(usesCloudQueues(config, "eks1"), true);
    assert.equal(usesCloudQueues(config, "aks1"), false, "a queue without workers needs no KEDA identity");
    assert.deepEqual(
      cloudQueueClusters(config, config.queues[0] as SqsQueueConfig).map((c) => c.name),
      ["eks1"],
    );
  });

  it("a created SQS queue's visibility: set, else its readers' longest job, at least 30 s and at most 12 h", () => {
    const visibility = (q: Obj, jobs: number[]) => {
      const workers = jobs.map((s, i) => ({ ...onEks(), name: `w${i}`, mode: "job", maxJobDurationSeconds: s }));
      const { config } = loadConfig(sourceOf(stack([sqs(q)], workers)));
      return sqsVisibilityTimeout(config, config.queues[0] as SqsQueueConfig);
    };
    assert.equal(visibility({}, []), 30);
    assert.equal(visibility({}, [10]), 30);
    assert.equal(visibility({}, [120, 900]), 900);
    assert.equal(visibility({}, [86400]), 43200);
    assert.equal(visibility({ visibilityTimeoutSeconds: 45 }, [900]), 45);
  });
});
