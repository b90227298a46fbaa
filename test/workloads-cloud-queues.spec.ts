import * as assert from "node:assert/strict";
import {
  AZURE_CLIENT_ID_ANNOTATION,
  AZURE_TOKEN_AUDIENCE,
  AZURE_USE_LABEL,
  iamRolePrefix,
  IRSA_ROLE_ANNOTATION,
  KEDA_SQS_ACTIONS,
  SERVICE_BUS_ROLES,
  WORKER_SQS_ACTIONS,
  CLOUD_IDENTITY_ANNOTATION,
} from "../components/workloads/cloud-identity.ts";
import {
  cloudQueuePorts,
  cloudQueueTrigger,
  parseServiceBusId,
  SQS_DLQ_RETENTION_SECONDS,
  sqsUrlOfArn,
} from "../components/workloads/cloud-queues.ts";
import { cloudIdentityPolicies } from "../policy/rules/cloud-identity.ts";
import { secretPolicies } from "../policy/rules/secrets.ts";
import { mockUuid } from "../tools/mocks.ts";
import { toManifests, validateManifests } from "../tools/manifests.ts";
import type { RecordedResource } from "../tools/harness.ts";
import { evaluatePolicies } from "../tools/run-policies.ts";
import type { WorkloadsRun } from "./helpers/clusters.ts";
import { runWorkloads } from "./helpers/clusters.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const T = {
  deployment: "kubernetes:apps/v1:Deployment",
  so: "kubernetes:keda.sh/v1alpha1:ScaledObject",
  sj: "kubernetes:keda.sh/v1alpha1:ScaledJob",
  ta: "kubernetes:keda.sh/v1alpha1:TriggerAuthentication",
  sa: "kubernetes:core/v1:ServiceAccount",
  secret: "kubernetes:core/v1:Secret",
  netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  sqs: "aws:sqs/queue:Queue",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  uai: "azure-native:managedidentity:UserAssignedIdentity",
  fic: "azure-native:managedidentity:FederatedIdentityCredential",
  assignment: "azure-native:authorization:RoleAssignment",
  sbNamespace: "azure-native:servicebus:Namespace",
  sbQueue: "azure-native:servicebus:Queue",
  sbTopic: "azure-native:servicebus:Topic",
  sbSubscription: "azure-native:servicebus:Subscription",
};
const ACCOUNT = "123456789012";
const SUB = "00000000-0000-4000-8000-000000000002";
const NS = "wp-workloads";
const SHARED_TOPIC = `/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/msg-rg/providers/Microsoft.ServiceBus/namespaces/acme-msg/topics/audit`;
const LEGACY_ARN = "arn:aws:sqs:us-east-1:210987654321:legacy-orders";

const resources = { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "256Mi" } };
const worker = (name: string, cluster: string, trigger: Obj, over: Obj = {}) => ({
  name,
  image: `ghcr.io/acme/${name}:1.0.0`,
  clusters: [cluster],
  trigger,
  resources,
  replicas: { min: 0, max: 4 },
  ...over,
});

const spec = (r: RecordedResource) => r.plainInputs.spec as Obj;
const meta = (r: RecordedResource) => r.plainInputs.metadata as Obj;
const podSpecOf = (r: RecordedResource) =>
  (r.type === T.sj ? spec(r).jobTargetRef.template.spec : spec(r).template.spec) as Obj;
const envOf = (r: RecordedResource) =>
  Object.fromEntries((podSpecOf(r).containers[0].env as Obj[]).map((e) => [e.name, e.value ?? e.valueFrom]));
const policyOf = (r: RecordedResource) => JSON.parse(String(r.plainInputs.policy)) as Obj;
const trustOf = (r: RecordedResource) => JSON.parse(String(r.plainInputs.assumeRolePolicy)) as Obj;

describe("workloads: cloud queues (SQS on EKS, Service Bus on AKS) with pod identities", () => {
  let run: WorkloadsRun;
  const one = (type: string, name: string) => {
    const found = run.resources.filter((r) => r.type === type && r.name === name);
    assert.equal(
      found.length,
      1,
      `${type} ${name}: have ${run
        .ofType(type)
        .map((r) => r.name)
        .join(", ")}`,
    );
    return found[0];
  };
  before(async () => {
    run = await runWorkloads(["eks", "aks"], {
      queues: [
        { name: "orders", kind: "sqs", clusters: ["eks-c"], maxReceiveCount: 3 },
        { name: "legacy", kind: "sqs", clusters: ["eks-c"], arn: LEGACY_ARN },
        { name: "invoices", kind: "servicebus", clusters: ["aks-c"] },
        { name: "events", kind: "servicebus", clusters: ["aks-c"], subscription: "billing", maxDeliveryCount: 4 },
        { name: "shared", kind: "servicebus", clusters: ["aks-c"], resourceId: SHARED_TOPIC, subscription: "archiver" },
      ],
      workers: [
        worker(
          "order-sync",
          "eks-c",
          { type: "sqs", queue: "orders", targetPerReplica: 10, activation: 2 },
          {
            maxJobDurationSeconds: 120,
          },
        ),
        worker("order-batch", "eks-c", { type: "sqs", queue: "orders" }, { mode: "job", maxJobDurationSeconds: 900 }),
        worker("legacy-sync", "eks-c", { type: "sqs", queue: "legacy" }, { env: { QUEUE_NAME: "from-config" } }),
        worker("invoicer", "aks-c", { type: "servicebus", queue: "invoices", targetPerReplica: 5, activation: 1 }),
        worker("biller", "aks-c", { type: "servicebus", queue: "events" }),
        worker("auditor", "aks-c", { type: "servicebus", queue: "shared" }),
      ],
    });
  });

  describe("SQS on EKS", () => {
    it("creates the queue per cluster with SQS-managed encryption, a redrive to its DLQ, the longest job of its readers as visibility", () => {
      const q = one(T.sqs, "eks-c-orders");
      const dlq = one(T.sqs, "eks-c-orders-dlq");
      assert.equal(q.inputs.name, "eks-c-orders");
      assert.equal(q.inputs.sqsManagedSseEnabled, true);
      assert.equal(dlq.inputs.sqsManagedSseEnabled, true);
      assert.equal(dlq.inputs.messageRetentionSeconds, SQS_DLQ_RETENTION_SECONDS);
      assert.deepEqual(JSON.parse(String(q.inputs.redrivePolicy)), {
        deadLetterTargetArn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:eks-c-orders-dlq`,
        maxReceiveCount: 3,
      });
      // order-sync runs jobs of 120 s, order-batch of 900 s: a message stays invisible as long as the longest.
      assert.equal(q.inputs.visibilityTimeoutSeconds, 900);
      // The cluster's AWS provider (its account and region), never a default one.
      assert.match(String(q.provider), /::eks-c-aws::/);
      // Referenced queues are not created; the Service Bus cluster has no SQS queue.
      assert.deepEqual(
        run
          .ofType(T.sqs)
          .map((r) => r.name)
          .sort(),
        ["eks-c-orders", "eks-c-orders-dlq"],
      );
    });

    it("the worker's role is trusted by its ServiceAccount only and may only receive from its queue; the ServiceAccount names it", () => {
      const role = one(T.role, "eks-c-order-sync-sqs");
      const [stmt] = trustOf(role).Statement;
      assert.equal(stmt.Action, "sts:AssumeRoleWithWebIdentity");
      assert.equal(
        stmt.Principal.Federated,
        `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EKS-C`,
      );
      assert.deepEqual(stmt.Condition.StringEquals, {
        "oidc.eks.eu-west-1.amazonaws.com/id/EKS-C:sub": `system:serviceaccount:${NS}:order-sync`,
        "oidc.eks.eu-west-1.amazonaws.com/id/EKS-C:aud": "sts.amazonaws.com",
      });
      assert.deepEqual(policyOf(one(T.rolePolicy, "eks-c-order-sync-sqs")).Statement, [
        { Effect: "Allow", Action: WORKER_SQS_ACTIONS, Resource: `arn:aws:sqs:eu-west-1:${ACCOUNT}:eks-c-orders` },
      ]);
      // Physical names from a prefix within IAM's 64 characters (AWS appends 26), whatever the names' lengths.
      assert.equal(role.inputs.namePrefix, "eks-c-order-sync-sqs-");
      const long = iamRolePrefix("a-cluster-name-of-thirty-chars-x-a-worker-name-of-forty-chars", "keda-sqs");
      assert.deepEqual([long, long.length], ["a-cluster-name-of-thirty-cha-keda-sqs-", 38]);
      const sa = run.object(T.sa, "order-sync", "eks-c");
      assert.deepEqual(meta(sa).annotations, {
        [IRSA_ROLE_ANNOTATION]: `arn:aws:iam::${ACCOUNT}:role/eks-c-order-sync-sqs`,
        "eks.amazonaws.com/sts-regional-endpoints": "true",
      });
      // The pods carry the role too: the webhook injects it only into new pods, so a new role must roll them.
      const template = spec(run.object(T.deployment, "order-sync", "eks-c")).template;
      assert.equal(
        template.metadata.annotations[CLOUD_IDENTITY_ANNOTATION],
        `arn:aws:iam::${ACCOUNT}:role/eks-c-order-sync-sqs`,
      );
      // No API token in the pod: the webhook projects its own, for STS only.
      assert.equal(sa.plainInputs.automountServiceAccountToken, false);
      assert.equal(podSpecOf(run.object(T.deployment, "order-sync", "eks-c")).automountServiceAccountToken, false);
    });

    it("KEDA's scaler role is trusted by keda-operator only and may only read the queue's attributes; the TriggerAuthentication names it, no secret", () => {
      const [stmt] = trustOf(one(T.role, "eks-c-order-sync-keda-sqs")).Statement;
      assert.deepEqual(Object.values(stmt.Condition.StringEquals), [
        "system:serviceaccount:keda:keda-operator",
        "sts.amazonaws.com",
      ]);
      assert.deepEqual(policyOf(one(T.rolePolicy, "eks-c-order-sync-keda-sqs")).Statement, [
        { Effect: "Allow", Action: KEDA_SQS_ACTIONS, Resource: `arn:aws:sqs:eu-west-1:${ACCOUNT}:eks-c-orders` },
      ]);
      const ta = run.object(T.ta, "order-sync-keda-identity", "eks-c");
      assert.deepEqual(spec(ta), {
        podIdentity: { provider: "aws", roleArn: `arn:aws:iam::${ACCOUNT}:role/eks-c-order-sync-keda-sqs` },
      });
      // No secret-based TriggerAuthentication and no Secret for a cloud queue.
      assert.ok(!run.ofType(T.ta).some((r) => meta(r).name === "order-sync-keda-auth"));
      assert.ok(!run.ofType(T.secret).some((r) => /orders|legacy|invoices|events|shared/.test(meta(r).name)));
    });

    it("the aws-sqs-queue trigger: queue URL, length per replica, activation, region; in-flight messages count in deployment mode only", () => {
      const [t] = spec(run.object(T.so, "order-sync", "eks-c")).triggers as Obj[];
      assert.deepEqual(t, {
        type: "aws-sqs-queue",
        name: "sqs",
        metadata: {
          queueURL: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/eks-c-orders`,
          queueLength: "10",
          activationQueueLength: "2",
          awsRegion: "eu-west-1",
        },
        authenticationRef: { name: "order-sync-keda-identity" },
      });
      // A ScaledJob (accurate) counts waiting messages only: a running Job keeps its message in flight.
      const [j] = spec(run.object(T.sj, "order-batch", "eks-c")).triggers as Obj[];
      assert.equal(j.metadata.scaleOnInFlight, "false");
      assert.deepEqual(j.authenticationRef, { name: "order-batch-keda-identity" });
    });

    it("a queue referenced by ARN: URL and region from the ARN, both roles limited to that ARN", () => {
      const [t] = spec(run.object(T.so, "legacy-sync", "eks-c")).triggers as Obj[];
      assert.equal(t.metadata.queueURL, "https://sqs.us-east-1.amazonaws.com/210987654321/legacy-orders");
      assert.equal(t.metadata.awsRegion, "us-east-1");
      for (const role of ["eks-c-legacy-sync-sqs", "eks-c-legacy-sync-keda-sqs"])
        assert.equal(policyOf(one(T.rolePolicy, role)).Statement[0].Resource, LEGACY_ARN, role);
      assert.equal(
        sqsUrlOfArn("arn:aws-cn:sqs:cn-north-1:210987654321:q"),
        "https://sqs.cn-north-1.amazonaws.com.cn/210987654321/q",
      );
    });

    it("the container learns its queue (QUEUE_URL, QUEUE_NAME, QUEUE_REGION); a name set in env wins", () => {
      assert.deepEqual(envOf(run.object(T.deployment, "order-sync", "eks-c")), {
        QUEUE_URL: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/eks-c-orders`,
        QUEUE_NAME: "eks-c-orders",
        QUEUE_REGION: "eu-west-1",
      });
      assert.equal(envOf(run.object(T.deployment, "legacy-sync", "eks-c")).QUEUE_NAME, "from-config");
      assert.equal(
        envOf(run.object(T.sj, "order-batch", "eks-c")).QUEUE_URL,
        envOf(run.object(T.deployment, "order-sync", "eks-c")).QUEUE_URL,
      );
    });

    it("pods wait for the worker's permissions, the ScaledObject for the TriggerAuthentication, KEDA's permissions and the queue", () => {
      const d = run.object(T.deployment, "order-sync", "eks-c");
      assert.ok(d.dependencies.includes(one(T.rolePolicy, "eks-c-order-sync-sqs").urn));
      const so = run.object(T.so, "order-sync", "eks-c");
      for (const dep of [
        run.object(T.ta, "order-sync-keda-identity", "eks-c"),
        one(T.rolePolicy, "eks-c-order-sync-keda-sqs"),
        one(T.sqs, "eks-c-orders"),
      ])
        assert.ok(so.dependencies.includes(dep.urn), dep.name);
      // The TriggerAuthentication waits for KEDA (its CRDs) and for the scaler role.
      const ta = run.object(T.ta, "order-sync-keda-identity", "eks-c");
      assert.ok(ta.dependencies.some((u) => u.endsWith("::eks-c-keda")));
    });
  });

  describe("Service Bus on AKS", () => {
    it("creates one namespace per cluster with local auth off, a queue, and a topic with its subscription; references nothing", () => {
      const [ns] = run.ofType(T.sbNamespace);
      assert.equal(run.ofType(T.sbNamespace).length, 1);
      assert.equal(ns.name, "aks-c-servicebus");
      assert.equal(ns.inputs.disableLocalAuth, true);
      assert.equal(ns.inputs.minimumTlsVersion, "1.2");
      assert.deepEqual(ns.inputs.sku, { name: "Standard", tier: "Standard" });
      assert.equal(ns.inputs.resourceGroupName, "aks-c-rg");
      assert.equal(ns.inputs.location, "westeurope");
      const q = one(T.sbQueue, "aks-c-invoices");
      assert.deepEqual(
        { name: q.inputs.queueName, max: q.inputs.maxDeliveryCount, dl: q.inputs.deadLetteringOnMessageExpiration },
        { name: "invoices", max: 10, dl: true },
      );
      assert.equal(one(T.sbTopic, "aks-c-events").inputs.topicName, "events");
      const sub = one(T.sbSubscription, "aks-c-events-billing");
      assert.deepEqual(
        [sub.inputs.topicName, sub.inputs.subscriptionName, sub.inputs.maxDeliveryCount],
        ["events", "billing", 4],
      );
      // The longest peek-lock the service allows, on both kinds of entity (the default is 1 minute).
      assert.deepEqual([q.inputs.lockDuration, sub.inputs.lockDuration], ["PT5M", "PT5M"]);
      // The referenced topic creates nothing.
      assert.equal(run.ofType(T.sbTopic).length, 1);
      assert.equal(run.ofType(T.sbQueue).length, 1);
    });

    it("the worker's identity is federated with its ServiceAccount and may only receive from its queue; the pod opts in to the webhook", () => {
      const fic = one(T.fic, "aks-c-invoicer-servicebus");
      assert.deepEqual(
        { issuer: fic.inputs.issuer, subject: fic.inputs.subject, audiences: fic.inputs.audiences },
        {
          issuer: "https://oidc.prod-aks.azure.com/00000000-0000-4000-8000-000000000001/aks-c/",
          subject: `system:serviceaccount:${NS}:invoicer`,
          audiences: [AZURE_TOKEN_AUDIENCE],
        },
      );
      assert.equal(fic.inputs.resourceName, "aks-c-invoicer-servicebus");
      const ra = one(T.assignment, "aks-c-invoicer-servicebus");
      const queueId = `/subscriptions/${SUB}/resourceGroups/aks-c-rg/providers/Microsoft.ServiceBus/namespaces/aks-c-servicebus/queues/invoices`;
      assert.equal(ra.inputs.scope, queueId);
      assert.equal(
        ra.inputs.roleDefinitionId,
        `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${SERVICE_BUS_ROLES.dataReceiver}`,
      );
      assert.equal(ra.inputs.principalId, mockUuid("aks-c-invoicer-servicebus/principal"));
      assert.equal(ra.inputs.principalType, "ServicePrincipal");
      assert.deepEqual(meta(run.object(T.sa, "invoicer", "aks-c")).annotations, {
        [AZURE_CLIENT_ID_ANNOTATION]: mockUuid("aks-c-invoicer-servicebus/client"),
      });
      const d = run.object(T.deployment, "invoicer", "aks-c");
      assert.equal(spec(d).template.metadata.labels[AZURE_USE_LABEL], "true");
      assert.equal(
        spec(d).template.metadata.annotations[CLOUD_IDENTITY_ANNOTATION],
        mockUuid("aks-c-invoicer-servicebus/client"),
      );
      // The selector stays the platform's: an extra template label does not change which pods it owns.
      assert.ok(!(AZURE_USE_LABEL in spec(d).selector.matchLabels));
      assert.ok(d.dependencies.includes(ra.urn), "pods wait for the role assignment");
    });

    it("KEDA's scaler identity is federated with keda-operator, Data Owner on the queue only; the TriggerAuthentication names it", () => {
      assert.equal(
        one(T.fic, "aks-c-invoicer-keda-servicebus").inputs.subject,
        "system:serviceaccount:keda:keda-operator",
      );
      const ra = one(T.assignment, "aks-c-invoicer-keda-servicebus");
      assert.match(String(ra.inputs.scope), /\/namespaces\/aks-c-servicebus\/queues\/invoices$/);
      assert.ok(String(ra.inputs.roleDefinitionId).endsWith(SERVICE_BUS_ROLES.dataOwner));
      assert.deepEqual(spec(run.object(T.ta, "invoicer-keda-identity", "aks-c")), {
        podIdentity: { provider: "azure-workload", identityId: mockUuid("aks-c-invoicer-keda-servicebus/client") },
      });
    });

    it("azure-servicebus triggers: namespace with queueName, or topicName + subscriptionName; messageCount, activationMessageCount", () => {
      const trigger = (w: string) => (spec(run.object(T.so, w, "aks-c")).triggers as Obj[])[0];
      assert.deepEqual(trigger("invoicer"), {
        type: "azure-servicebus",
        name: "servicebus",
        metadata: {
          namespace: "aks-c-servicebus",
          queueName: "invoices",
          messageCount: "5",
          activationMessageCount: "1",
        },
        authenticationRef: { name: "invoicer-keda-identity" },
      });
      assert.deepEqual(trigger("biller").metadata, {
        namespace: "aks-c-servicebus",
        topicName: "events",
        subscriptionName: "billing",
        messageCount: "5",
        activationMessageCount: "0",
      });
      assert.deepEqual(trigger("auditor").metadata, {
        namespace: "acme-msg",
        topicName: "audit",
        subscriptionName: "archiver",
        messageCount: "5",
        activationMessageCount: "0",
      });
    });

    it("a referenced topic: both roles on its resource ID, defined in its subscription", () => {
      for (const name of ["aks-c-auditor-servicebus", "aks-c-auditor-keda-servicebus"]) {
        const ra = one(T.assignment, name);
        assert.equal(ra.inputs.scope, SHARED_TOPIC, name);
        assert.match(
          String(ra.inputs.roleDefinitionId),
          /^\/subscriptions\/11111111-2222-4333-8444-555555555555\//,
          name,
        );
      }
      assert.deepEqual(parseServiceBusId(SHARED_TOPIC.replace("/topics/", "/Topics/")), {
        namespace: "acme-msg",
        entity: "topics",
        name: "audit",
      });
    });

    it("the container learns its namespace and entity (QUEUE_NAMESPACE, QUEUE_NAME, QUEUE_SUBSCRIPTION)", () => {
      assert.deepEqual(envOf(run.object(T.deployment, "invoicer", "aks-c")), {
        QUEUE_NAMESPACE: "aks-c-servicebus.servicebus.windows.net",
        QUEUE_NAME: "invoices",
      });
      assert.deepEqual(envOf(run.object(T.deployment, "auditor", "aks-c")), {
        QUEUE_NAMESPACE: "acme-msg.servicebus.windows.net",
        QUEUE_NAME: "audit",
        QUEUE_SUBSCRIPTION: "archiver",
      });
    });
  });

  it("NetworkPolicies: SQS workers reach TCP 443, Service Bus workers 443, 5671 and 5672, on any address; nothing more", () => {
    const egress = (w: string, cluster: string) =>
      (spec(run.object(T.netpol, `worker-${w}`, cluster)).egress as Obj[]).slice(1); // after DNS
    const tcp = (ports: number[]) => [{ ports: ports.map((port) => ({ protocol: "TCP", port })) }];
    assert.deepEqual(egress("order-sync", "eks-c"), tcp([443]));
    assert.deepEqual(egress("invoicer", "aks-c"), tcp([443, 5671, 5672]));
    assert.deepEqual(cloudQueuePorts({ kind: "sqs" }), [443]);
  });

  it("workers run only on their queue's cluster: nothing of order-sync on AKS, nothing of invoicer on EKS", () => {
    assert.ok(!run.ofType(T.so, "aks-c").some((r) => meta(r).name === "order-sync"));
    assert.ok(!run.ofType(T.so, "eks-c").some((r) => meta(r).name === "invoicer"));
    assert.ok(!run.ofType(T.role).some((r) => r.name.startsWith("aks-c-")));
    assert.ok(!run.ofType(T.uai).some((r) => r.name.startsWith("eks-c-")));
  });

  it("every object validates against the Kubernetes and KEDA schemas", async () => {
    assert.deepEqual(
      (await validateManifests(toManifests(run.resources))).map((p) => p.message),
      [],
    );
  });

  it("the pack's identity and secret rules pass on what it creates", async () => {
    for (const cluster of ["eks-c", "aks-c"]) {
      const mine = run.resources.filter(
        (r) =>
          !r.type.startsWith("kubernetes:") ||
          r.provider?.includes(`::${cluster}-k8s::`) ||
          (r.type === "pulumi:providers:kubernetes" && r.name === `${cluster}-k8s`),
      );
      const violations = await evaluatePolicies(mine, {
        stack: "prod",
        policyConfig: {},
        policies: [...cloudIdentityPolicies, ...secretPolicies],
      });
      assert.deepEqual(
        violations.map((v) => `${cluster}: ${v.policy}: ${v.message}`),
        [],
      );
      // Control: the rules do see these objects. Without the scaler identity each TriggerAuthentication fails.
      const stripped = mine.map((r) => {
        if (r.type !== T.ta) return r;
        const { provider } = (r.plainInputs.spec as Obj).podIdentity as Obj;
        const plainInputs = { ...r.plainInputs, spec: { podIdentity: { provider } } };
        return { ...r, inputs: plainInputs, plainInputs };
      });
      const found = await evaluatePolicies(stripped, {
        stack: "prod",
        policyConfig: {},
        policies: cloudIdentityPolicies,
      });
      assert.equal(found.length, 3, found.map((v) => v.message).join("\n"));
    }
  });

  it("cloudQueueTrigger refuses a trigger of the other kind than its queue", () => {
    const w = { name: "x", mode: "deployment" } as Parameters<typeof cloudQueueTrigger>[0];
    const q = { kind: "sqs", name: "q" } as Parameters<typeof cloudQueueTrigger>[2];
    assert.throws(
      () => cloudQueueTrigger(w, { type: "servicebus", queue: "q", targetPerReplica: 5, activation: 0 }, q, "a"),
      /trigger servicebus names queue q of kind sqs/,
    );
  });
});
