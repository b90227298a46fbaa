import * as assert from "node:assert/strict";
import {
  AZURE_CLIENT_ID_ANNOTATION,
  AZURE_TOKEN_AUDIENCE,
  AZURE_USE_LABEL,
  CLOUD_IDENTITY_ANNOTATION,
  IRSA_ROLE_ANNOTATION,
} from "../components/workloads/cloud-identity.ts";
import { accessPolicies } from "../policy/rules/access.ts";
import { cloudIdentityPolicies } from "../policy/rules/cloud-identity.ts";
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
  sj: "kubernetes:keda.sh/v1alpha1:ScaledJob",
  sa: "kubernetes:core/v1:ServiceAccount",
  role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
  roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  iamRole: "aws:iam/role:Role",
  iamRolePolicy: "aws:iam/rolePolicy:RolePolicy",
  iamAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  uai: "azure-native:managedidentity:UserAssignedIdentity",
  fic: "azure-native:managedidentity:FederatedIdentityCredential",
  assignment: "azure-native:authorization:RoleAssignment",
};
const NS = "wp-workloads";
const ACCOUNT = "123456789012";
const EXISTING_ROLE = `arn:aws:iam::${ACCOUNT}:role/reports-existing`;
const CLIENT_ID = "6f1c3a52-9a77-4d1e-8f1b-2d1f7f0c9b11";
const BLOB_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
const SCOPE =
  "/subscriptions/00000000-0000-4000-8000-000000000003/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acme";
const resources = { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "256Mi" } };
const service = (name: string, over: Obj = {}) => ({
  name,
  image: `ghcr.io/acme/${name}:1.0.0`,
  port: 8080,
  resources,
  replicas: { min: 1, max: 2 },
  ...over,
});
const worker = (name: string, over: Obj = {}) => ({
  name,
  image: `ghcr.io/acme/${name}:1.0.0`,
  trigger: { type: "redis", queue: "q", listName: name },
  resources,
  replicas: { min: 0, max: 2 },
  ...over,
});
const jobsRule = { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list", "watch", "delete"] };
const meta = (r: RecordedResource) => r.plainInputs.metadata as Obj;
const spec = (r: RecordedResource) => r.plainInputs.spec as Obj;
const podOf = (r: RecordedResource) =>
  (r.type === T.sj ? spec(r).jobTargetRef.template : spec(r).template) as { metadata: Obj; spec: Obj };

describe("workloads: service account permissions and cloud identities", () => {
  let run: WorkloadsRun;
  before(async () => {
    run = await runWorkloads(["aks", "eks"], {
      queues: [{ name: "q", kind: "redis" }],
      services: [
        service("submitter", { serviceAccount: { rules: [jobsRule] } }),
        service("plain"),
        service("nodewatch", {
          serviceAccount: {
            clusterWide: true,
            rules: [
              { resources: ["nodes"], verbs: ["get", "list", "watch"], scope: "cluster" },
              { resources: ["configmaps"], verbs: ["get"], resourceNames: ["settings"] },
            ],
          },
        }),
        service("s3app", {
          clusters: ["eks-c"],
          serviceAccount: {
            cloudIdentity: {
              aws: {
                managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
                statements: [{ actions: ["s3:PutObject"], resources: ["arn:aws:s3:::acme/*"] }],
              },
            },
          },
        }),
        service("s3legacy", {
          clusters: ["eks-c"],
          serviceAccount: { cloudIdentity: { aws: { roleArn: EXISTING_ROLE } } },
        }),
        service("blobapp", {
          clusters: ["aks-c"],
          serviceAccount: {
            rules: [{ resources: ["configmaps"], verbs: ["get", "watch"] }],
            cloudIdentity: { azure: { roleAssignments: [{ role: BLOB_READER, scope: SCOPE }] } },
          },
        }),
        service("bloblegacy", {
          clusters: ["aks-c"],
          serviceAccount: { cloudIdentity: { azure: { clientId: CLIENT_ID } } },
        }),
      ],
      workers: [worker("fanout", { mode: "job", serviceAccount: { rules: [jobsRule] } }), worker("quiet")],
    });
  });

  it("rules become a Role and a RoleBinding to the workload's own ServiceAccount, in its namespace", () => {
    for (const cluster of ["aks-c", "eks-c"])
      for (const name of ["submitter", "fanout"]) {
        const role = run.object(T.role, name, cluster);
        assert.equal(meta(role).namespace, NS);
        assert.deepEqual(role.plainInputs.rules, [
          { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list", "watch", "delete"] },
        ]);
        const binding = run.object(T.roleBinding, name, cluster);
        assert.deepEqual(binding.plainInputs.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name });
        assert.deepEqual(binding.plainInputs.subjects, [{ kind: "ServiceAccount", name, namespace: NS }]);
      }
    const pods = [run.object(T.deployment, "submitter", "aks-c"), run.object(T.sj, "fanout", "aks-c")];
    for (const p of pods)
      assert.ok(
        p.dependencies.includes(run.object(T.roleBinding, meta(p).name, "aks-c").urn),
        `${meta(p).name}: pods wait for the binding`,
      );
  });

  it("no rules, no Role: nothing else in the namespace is granted", () => {
    for (const name of ["plain", "quiet", "s3app", "bloblegacy"])
      assert.ok(!run.ofType(T.role).some((r) => meta(r).name === name), name);
    assert.equal(run.ofType(T.clusterRole).length, 2, "nodewatch's, once per cluster");
  });

  it("cluster rules go to a ClusterRole and ClusterRoleBinding <namespace>:<name>; its namespaced rules stay in a Role", () => {
    const cr = run.object(T.clusterRole, `${NS}:nodewatch`, "eks-c");
    assert.deepEqual(cr.plainInputs.rules, [
      { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
    ]);
    const crb = run.object(T.clusterRoleBinding, `${NS}:nodewatch`, "eks-c");
    assert.deepEqual(crb.plainInputs.roleRef, {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: `${NS}:nodewatch`,
    });
    assert.deepEqual(crb.plainInputs.subjects, [{ kind: "ServiceAccount", name: "nodewatch", namespace: NS }]);
    assert.deepEqual(run.object(T.role, "nodewatch", "eks-c").plainInputs.rules, [
      { apiGroups: [""], resources: ["configmaps"], verbs: ["get"], resourceNames: ["settings"] },
    ]);
  });

  it("the API token is mounted only where rules need it, on the ServiceAccount and the pod alike; never for a cloud identity alone", () => {
    const mounts = (name: string, cluster: string, kind = T.deployment) => [
      run.object(T.sa, name, cluster).plainInputs.automountServiceAccountToken,
      podOf(run.object(kind, name, cluster)).spec.automountServiceAccountToken,
    ];
    assert.deepEqual(mounts("submitter", "aks-c"), [true, true]);
    assert.deepEqual(mounts("fanout", "aks-c", T.sj), [true, true]);
    assert.deepEqual(mounts("blobapp", "aks-c"), [true, true]);
    for (const [name, cluster] of [
      ["plain", "aks-c"],
      ["s3app", "eks-c"],
      ["s3legacy", "eks-c"],
      ["bloblegacy", "aks-c"],
    ])
      assert.deepEqual(mounts(name, cluster), [false, false], name);
    assert.deepEqual(mounts("quiet", "eks-c"), [false, false]);
  });

  it("AWS: a created role trusts only the workload's ServiceAccount and holds its managed policies and statements", () => {
    const role = run.ofType(T.iamRole).find((r) => r.name === "eks-c-s3app-identity")!;
    const trust = JSON.parse(String(role.inputs.assumeRolePolicy));
    assert.deepEqual(trust.Statement[0].Condition.StringEquals, {
      "oidc.eks.eu-west-1.amazonaws.com/id/EKS-C:sub": `system:serviceaccount:${NS}:s3app`,
      "oidc.eks.eu-west-1.amazonaws.com/id/EKS-C:aud": "sts.amazonaws.com",
    });
    assert.equal(role.inputs.namePrefix, "eks-c-s3app-app-");
    const attachment = run.ofType(T.iamAttachment).find((r) => r.name === "eks-c-s3app-identity-0")!;
    assert.equal(attachment.inputs.policyArn, "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess");
    const inline = run.ofType(T.iamRolePolicy).find((r) => r.name === "eks-c-s3app-identity")!;
    assert.deepEqual(JSON.parse(String(inline.inputs.policy)).Statement, [
      { Effect: "Allow", Action: ["s3:PutObject"], Resource: ["arn:aws:s3:::acme/*"] },
    ]);
    const arn = `arn:aws:iam::${ACCOUNT}:role/eks-c-s3app-identity`;
    assert.deepEqual(meta(run.object(T.sa, "s3app", "eks-c")).annotations, {
      [IRSA_ROLE_ANNOTATION]: arn,
      "eks.amazonaws.com/sts-regional-endpoints": "true",
    });
    const d = run.object(T.deployment, "s3app", "eks-c");
    assert.equal(podOf(d).metadata.annotations[CLOUD_IDENTITY_ANNOTATION], arn, "a new role rolls the pods");
    assert.ok(d.dependencies.includes(inline.urn) && d.dependencies.includes(attachment.urn));
  });

  it("AWS: an existing role is only named (no IAM resource created for it)", () => {
    assert.ok(!run.ofType(T.iamRole).some((r) => r.name.includes("s3legacy")));
    assert.equal(meta(run.object(T.sa, "s3legacy", "eks-c")).annotations[IRSA_ROLE_ANNOTATION], EXISTING_ROLE);
    assert.equal(
      podOf(run.object(T.deployment, "s3legacy", "eks-c")).metadata.annotations[CLOUD_IDENTITY_ANNOTATION],
      EXISTING_ROLE,
    );
  });

  it("Azure: a created identity is federated with the workload's ServiceAccount and holds its role assignments; pods opt in", () => {
    const fic = run.ofType(T.fic).find((r) => r.name === "aks-c-blobapp-identity")!;
    assert.equal(fic.inputs.subject, `system:serviceaccount:${NS}:blobapp`);
    assert.deepEqual(fic.inputs.audiences, [AZURE_TOKEN_AUDIENCE]);
    const ra = run.ofType(T.assignment).find((r) => r.name === "aks-c-blobapp-identity-0")!;
    assert.equal(ra.inputs.scope, SCOPE);
    assert.equal(
      ra.inputs.roleDefinitionId,
      `/subscriptions/00000000-0000-4000-8000-000000000003/providers/Microsoft.Authorization/roleDefinitions/${BLOB_READER}`,
    );
    const clientId = mockUuid("aks-c-blobapp-identity/client");
    assert.deepEqual(meta(run.object(T.sa, "blobapp", "aks-c")).annotations, {
      [AZURE_CLIENT_ID_ANNOTATION]: clientId,
    });
    const d = run.object(T.deployment, "blobapp", "aks-c");
    assert.equal(podOf(d).metadata.labels[AZURE_USE_LABEL], "true");
    assert.equal(podOf(d).metadata.annotations[CLOUD_IDENTITY_ANNOTATION], clientId);
    assert.ok(!(AZURE_USE_LABEL in spec(d).selector.matchLabels));
    assert.ok(d.dependencies.includes(ra.urn));
  });

  it("Azure: an existing identity is only named; nothing of an identity lands on the other cloud's cluster", () => {
    assert.ok(!run.ofType(T.uai).some((r) => r.name.includes("bloblegacy")));
    assert.equal(meta(run.object(T.sa, "bloblegacy", "aks-c")).annotations[AZURE_CLIENT_ID_ANNOTATION], CLIENT_ID);
    assert.equal(podOf(run.object(T.deployment, "bloblegacy", "aks-c")).metadata.labels[AZURE_USE_LABEL], "true");
    assert.ok(!run.ofType(T.iamRole).some((r) => r.name.startsWith("aks-c-")));
    assert.ok(!run.ofType(T.uai).some((r) => r.name.startsWith("eks-c-")));
    assert.equal(meta(run.object(T.sa, "plain", "aks-c")).annotations, undefined);
  });

  it("every object validates against the Kubernetes schemas", async () => {
    assert.deepEqual(
      (await validateManifests(toManifests(run.resources))).map((p) => p.message),
      [],
    );
  });

  it("the pack: no escalation, wildcard or token violation; the cluster-wide grant and Job creation are flagged (advisory)", async () => {
    const violations = await evaluatePolicies(run.resources, {
      stack: "test",
      policyConfig: {},
      policies: [...accessPolicies, ...cloudIdentityPolicies],
    });
    assert.deepEqual(
      violations.map((v) => `${v.policy}: ${v.message}`),
      [
        `rbac-cluster-wide-grant: ClusterRoleBinding ${NS}:nodewatch grants ClusterRole ${NS}:nodewatch in every namespace to ${NS}/nodewatch.`,
        `rbac-cluster-wide-grant: ClusterRoleBinding ${NS}:nodewatch grants ClusterRole ${NS}:nodewatch in every namespace to ${NS}/nodewatch.`,
        ...["submitter", "submitter", "fanout", "fanout"].map(
          (r) =>
            `rbac-workload-creation: Role ${NS}/${r}, rule 0: may create jobs, so its holder can run pods as any ServiceAccount of the namespace.`,
        ),
      ],
    );
  });
});
