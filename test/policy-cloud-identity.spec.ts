import * as assert from "node:assert/strict";
import { cloudIdentityLeastPrivilege, cloudTriggerPodIdentity } from "../policy/rules/cloud-identity.ts";
import { SERVICE_BUS_ROLES } from "../policy/rules/lib/platform.ts";
import type { RecordedResource } from "../tools/harness.ts";
import { check, NS, res, scaledJob, scaledObject } from "./helpers/policy.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

const text = (vs: { message: string }[]) => vs.map((v) => v.message).join("\n");
const QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:prod-eks-orders";
const ROLE_ARN = "arn:aws:iam::123456789012:role/prod-eks-order-sync-keda-sqs";

const sqsTrigger = (over: Obj = {}, metadata: Obj = {}) => ({
  type: "aws-sqs-queue",
  metadata: { queueURL: "https://sqs.eu-west-1.amazonaws.com/123456789012/q", awsRegion: "eu-west-1", ...metadata },
  authenticationRef: { name: "w-keda-identity" },
  ...over,
});
const sbTrigger = (over: Obj = {}) => ({
  type: "azure-servicebus",
  metadata: { namespace: "sb", queueName: "invoices", messageCount: "5" },
  authenticationRef: { name: "w-keda-identity" },
  ...over,
});
function triggerAuth(spec: Obj, name = "w-keda-identity", namespace = NS): RecordedResource {
  return res("kubernetes:keda.sh/v1alpha1:TriggerAuthentication", `${namespace}-${name}`, {
    apiVersion: "keda.sh/v1alpha1",
    kind: "TriggerAuthentication",
    metadata: { name, namespace },
    spec,
  });
}
const awsAuth = (podIdentity: Obj = { provider: "aws", roleArn: ROLE_ARN }, extra: Obj = {}) =>
  triggerAuth({ podIdentity, ...extra });
const azureAuth = (
  podIdentity: Obj = { provider: "azure-workload", identityId: "cdfa055c-2848-41b9-8aaf-e54dff249f2f" },
) => triggerAuth({ podIdentity });
const so = (trigger: Obj) => scaledObject("w", "w", { triggers: [trigger] });

describe("policy: cloud queue identities", () => {
  it("cloud-queue-trigger-pod-identity: passes a trigger whose TriggerAuthentication names its own identity (aws roleArn or identityOwner workload; azure identityId)", async () => {
    assert.deepEqual(await check(cloudTriggerPodIdentity, [so(sqsTrigger()), awsAuth()]), []);
    assert.deepEqual(
      await check(cloudTriggerPodIdentity, [so(sqsTrigger()), awsAuth({ provider: "aws", identityOwner: "workload" })]),
      [],
    );
    assert.deepEqual(await check(cloudTriggerPodIdentity, [so(sbTrigger()), azureAuth()]), []);
    // A ScaledJob too; other trigger types are not its business.
    assert.deepEqual(
      await check(cloudTriggerPodIdentity, [scaledJob("w", undefined, { triggers: [sqsTrigger()] }), awsAuth()]),
      [],
    );
    assert.deepEqual(await check(cloudTriggerPodIdentity, [scaledObject("r", "r")]), []);
  });

  it("cloud-queue-trigger-pod-identity: fails without authenticationRef, with a ClusterTriggerAuthentication, or one missing from the namespace", async () => {
    const [none] = await check(cloudTriggerPodIdentity, [so(sqsTrigger({ authenticationRef: undefined }))]);
    assert.match(none.message, /ScaledObject wp-workloads\/w, trigger 0 \(aws-sqs-queue\): no authenticationRef/);
    const [cluster] = await check(cloudTriggerPodIdentity, [
      so(sqsTrigger({ authenticationRef: { name: "shared", kind: "ClusterTriggerAuthentication" } })),
    ]);
    assert.match(cluster.message, /ClusterTriggerAuthentication shared, shared by every namespace/);
    const elsewhere = await check(cloudTriggerPodIdentity, [
      so(sqsTrigger()),
      triggerAuth({ podIdentity: { provider: "aws", roleArn: ROLE_ARN } }, "w-keda-identity", "other"),
    ]);
    assert.equal(elsewhere.length, 1, text(elsewhere));
    assert.match(elsewhere[0].message, /TriggerAuthentication wp-workloads\/w-keda-identity is not in the stack/);
    assert.equal(elsewhere[0].enforcementLevel, "mandatory");
  });

  it("cloud-queue-trigger-pod-identity: fails the wrong or deprecated provider, the operator's own identity, and credentials beside the pod identity", async () => {
    const deprecated = await check(cloudTriggerPodIdentity, [so(sqsTrigger()), awsAuth({ provider: "aws-eks" })]);
    assert.match(text(deprecated), /podIdentity\.provider "aws-eks", not aws/);
    const wrongCloud = await check(cloudTriggerPodIdentity, [so(sbTrigger()), awsAuth()]);
    assert.match(text(wrongCloud), /podIdentity\.provider "aws", not azure-workload/);
    const keys = await check(cloudTriggerPodIdentity, [
      so(sqsTrigger()),
      triggerAuth({ secretTargetRef: [{ parameter: "awsAccessKeyID", name: "s", key: "k" }] }),
    ]);
    assert.match(text(keys), /podIdentity\.provider "none", not aws/);
    assert.match(text(keys), /also sets secretTargetRef: credentials beside the pod identity/);
    const operator = await check(cloudTriggerPodIdentity, [so(sqsTrigger()), awsAuth({ provider: "aws" })]);
    assert.match(
      text(operator),
      /sets no podIdentity\.roleArn \(or identityOwner: workload\), so KEDA uses its operator's identity/,
    );
    const kedaOwner = await check(cloudTriggerPodIdentity, [
      so(sqsTrigger()),
      awsAuth({ provider: "aws", identityOwner: "keda" }),
    ]);
    assert.equal(kedaOwner.length, 1, text(kedaOwner));
    const azureOperator = await check(cloudTriggerPodIdentity, [
      so(sbTrigger()),
      azureAuth({ provider: "azure-workload" }),
    ]);
    assert.match(text(azureOperator), /sets no podIdentity\.identityId/);
  });

  it("cloud-queue-trigger-pod-identity: fails keys or an identity owner in the trigger's metadata", async () => {
    const vs = await check(cloudTriggerPodIdentity, [
      so(sqsTrigger({}, { identityOwner: "operator", awsAccessKeyIDFromEnv: "AWS_KEY" })),
      awsAuth(),
    ]);
    assert.equal(vs.length, 1, text(vs));
    assert.match(vs[0].message, /metadata identityOwner, awsAccessKeyIDFromEnv hands KEDA a key or another identity/);
    const conn = await check(cloudTriggerPodIdentity, [
      so(sbTrigger({ metadata: { connectionFromEnv: "SB" } })),
      azureAuth(),
    ]);
    assert.match(text(conn), /metadata connectionFromEnv/);
  });

  it("cloud-queue-trigger-pod-identity: a waiver on the ScaledObject skips it", async () => {
    const waived = so(sqsTrigger({ authenticationRef: undefined }));
    (waived.plainInputs.metadata as Obj).annotations = {
      "policy.worker-platform/waive": "cloud-queue-trigger-pod-identity",
    };
    assert.deepEqual(await check(cloudTriggerPodIdentity, [waived]), []);
  });

  const rolePolicy = (statements: Obj[], type = "aws:iam/rolePolicy:RolePolicy") =>
    res(type, "p", { policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) });
  const role = (statement: Obj) =>
    res("aws:iam/role:Role", "r", {
      assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }),
    });
  const webIdentity = (condition: Obj) => ({
    Effect: "Allow",
    Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/X" },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: condition,
  });
  const assignment = (role: string, scope: string) =>
    res("azure-native:authorization:RoleAssignment", "ra", {
      principalId: "p",
      roleDefinitionId: `/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/${role}`,
      scope,
    });
  const NS_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ServiceBus/namespaces/sb";

  it("cloud-identity-least-privilege: passes SQS actions named on queue ARNs, and leaves non-SQS grants alone", async () => {
    const good = [{ Effect: "Allow", Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage"], Resource: QUEUE_ARN }];
    assert.deepEqual(await check(cloudIdentityLeastPrivilege, [rolePolicy(good)]), []);
    assert.deepEqual(await check(cloudIdentityLeastPrivilege, [rolePolicy(good, "aws:iam/policy:Policy")]), []);
    const autoscaler = [{ Effect: "Allow", Action: ["autoscaling:DescribeTags"], Resource: "*" }];
    assert.deepEqual(await check(cloudIdentityLeastPrivilege, [rolePolicy(autoscaler)]), []);
    const deny = [{ Effect: "Deny", Action: "sqs:*", Resource: "*" }];
    assert.deepEqual(await check(cloudIdentityLeastPrivilege, [rolePolicy(deny)]), [], "a Deny grants nothing");
  });

  it("cloud-identity-least-privilege: fails wildcard SQS actions or resources, NotResource, NotAction, and non-SQS ARNs", async () => {
    const cases: [Obj, RegExp][] = [
      [{ Effect: "Allow", Action: "sqs:*", Resource: QUEUE_ARN }, /grants sqs:\*: list the SQS actions/],
      [{ Effect: "Allow", Action: "*", Resource: QUEUE_ARN }, /grants \*: list/],
      [{ Effect: "Allow", Action: "sqs:ReceiveMessage", Resource: "*" }, /on \*: name the queue ARNs/],
      [
        { Effect: "Allow", Action: "sqs:ReceiveMessage", Resource: "arn:aws:sqs:eu-west-1:123456789012:*" },
        /name the queue ARNs/,
      ],
      [
        { Effect: "Allow", Action: "sqs:ReceiveMessage", Resource: "arn:aws:sns:eu-west-1:123456789012:t" },
        /name the queue ARNs/,
      ],
      [
        { Effect: "Allow", Action: "sqs:ReceiveMessage", NotResource: QUEUE_ARN },
        /NotResource, i\.e\. every other queue/,
      ],
      [{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }, /NotAction, which grants every other action/],
    ];
    for (const [statement, why] of cases) {
      const vs = await check(cloudIdentityLeastPrivilege, [rolePolicy([{ Sid: "S", ...statement }])]);
      assert.equal(vs.length, 1, JSON.stringify(statement));
      assert.match(vs[0].message, /^IAM policy p, statement S: /);
      assert.match(vs[0].message, why);
    }
  });

  it("cloud-identity-least-privilege: passes an IRSA trust on one service account; fails none, a wildcard or StringLike", async () => {
    const host = "oidc.eks.eu-west-1.amazonaws.com/id/X";
    const one = {
      StringEquals: { [`${host}:sub`]: "system:serviceaccount:wp-workloads:w", [`${host}:aud`]: "sts.amazonaws.com" },
    };
    assert.deepEqual(await check(cloudIdentityLeastPrivilege, [role(webIdentity(one))]), []);
    const service = { Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: "sts:AssumeRole" };
    assert.deepEqual(await check(cloudIdentityLeastPrivilege, [role(service)]), [], "not a web identity trust");
    const cases: [Obj, RegExp][] = [
      [
        { StringEquals: { [`${host}:aud`]: "sts.amazonaws.com" } },
        /without a StringEquals condition on :sub, so any service account/,
      ],
      [
        { StringLike: { [`${host}:sub`]: "system:serviceaccount:wp-workloads:*" } },
        /without a StringEquals condition on :sub/,
      ],
      [
        { StringEquals: { [`${host}:sub`]: "system:serviceaccount:wp-workloads:*" } },
        /trusts system:serviceaccount:wp-workloads:\*: name one service account/,
      ],
      [
        { StringEquals: { [`${host}:sub`]: ["system:serviceaccount:a:b", "system:serviceaccount:*:*"] } },
        /trusts system:serviceaccount:\*:\*/,
      ],
    ];
    for (const [condition, why] of cases) {
      const vs = await check(cloudIdentityLeastPrivilege, [role(webIdentity(condition))]);
      assert.equal(vs.length, 1, JSON.stringify(condition));
      assert.match(vs[0].message, /^IAM role r, trust statement 0: /);
      assert.match(vs[0].message, why);
    }
  });

  it("cloud-identity-least-privilege: passes Service Bus data roles on a queue or topic; fails them on the namespace or wider; leaves other roles alone", async () => {
    for (const role of Object.values(SERVICE_BUS_ROLES)) {
      assert.deepEqual(await check(cloudIdentityLeastPrivilege, [assignment(role, `${NS_ID}/queues/q`)]), [], role);
      assert.deepEqual(await check(cloudIdentityLeastPrivilege, [assignment(role, `${NS_ID}/Topics/t`)]), [], role);
      const vs = await check(cloudIdentityLeastPrivilege, [assignment(role, NS_ID)]);
      assert.equal(vs.length, 1, role);
      assert.match(
        vs[0].message,
        new RegExp(
          `Service Bus data role ${role} on ${NS_ID.replace(/[/.]/g, "\\$&")}; scope it to the queue or topic`,
        ),
      );
    }
    const [rg] = await check(cloudIdentityLeastPrivilege, [
      assignment(SERVICE_BUS_ROLES.dataOwner.toUpperCase(), "/subscriptions/s/resourceGroups/rg"),
    ]);
    assert.match(rg.message, /scope it to the queue or topic/);
    const aksAdmin = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b";
    assert.deepEqual(await check(cloudIdentityLeastPrivilege, [assignment(aksAdmin, "/subscriptions/s")]), []);
  });
});
