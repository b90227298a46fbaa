import * as assert from "node:assert/strict";
import {
  escalationProblem,
  rbacClusterWide,
  rbacNoEscalation,
  rbacNoWildcards,
  rbacWorkloadCreation,
  podCreationOf,
  tokenOnlyWhenNeeded,
  wildcardsOf,
} from "../policy/rules/access.ts";
import type { RecordedResource } from "../tools/harness.ts";
import { check, deployment, NS, podSpec, res, scaledJob } from "./helpers/policy.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const RBAC = "kubernetes:rbac.authorization.k8s.io/v1";
const text = (vs: { message: string }[]) => vs.map((v) => v.message);

const role = (name: string, rules: Obj[], cluster = false) =>
  res(`${RBAC}:${cluster ? "ClusterRole" : "Role"}`, name, {
    metadata: { name, ...(cluster ? {} : { namespace: NS }) },
    rules,
  });
const binding = (name: string, sa: string, cluster = false, namespace = NS) =>
  res(`${RBAC}:${cluster ? "ClusterRoleBinding" : "RoleBinding"}`, `${name}-binding`, {
    metadata: { name, ...(cluster ? {} : { namespace }) },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: cluster ? "ClusterRole" : "Role", name },
    subjects: [{ kind: "ServiceAccount", name: sa, namespace: NS }],
  });
const serviceAccount = (name: string, extra: Obj = {}, annotations?: Obj) =>
  res("kubernetes:core/v1:ServiceAccount", `${name}-sa`, {
    metadata: { name, namespace: NS, ...(annotations ? { annotations } : {}) },
    ...extra,
  });
const app = (name: string, extra: Obj = {}) => deployment(name, podSpec({ serviceAccountName: name, ...extra }));

describe("policy rbac-no-escalation: mandatory", () => {
  it("passes named verbs on ordinary resources", async () => {
    assert.deepEqual(
      await check(rbacNoEscalation, [
        role("jobs", [{ apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get"] }]),
      ]),
      [],
    );
  });

  it("flags bind, escalate, impersonate, and * on roles, users or service accounts", async () => {
    const found = await check(rbacNoEscalation, [
      role("a", [{ apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["escalate", "bind"] }]),
      role("b", [{ apiGroups: [""], resources: ["serviceaccounts"], verbs: ["impersonate"] }], true),
      role("c", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }], true),
      role("d", [{ apiGroups: ["batch"], resources: ["*"], verbs: ["*"] }]),
    ]);
    assert.deepEqual(text(found), [
      `Role ${NS}/a, rule 0: grants escalate, bind.`,
      "ClusterRole b, rule 0: grants impersonate.",
      "ClusterRole c, rule 0: grants every verb (escalate, bind or impersonate among them) on roles, clusterroles, users, groups, serviceaccounts, uids, userextras.",
    ]);
    assert.equal(found[0].enforcementLevel, "mandatory");
    assert.equal(
      escalationProblem({ apiGroups: [""], resources: ["users"], verbs: ["*"] }),
      "grants every verb (escalate, bind or impersonate among them) on users",
    );
  });
});

describe("policy rbac-no-wildcards: advisory", () => {
  it("flags * in verbs, resources or apiGroups, and passes named ones", async () => {
    const found = await check(rbacNoWildcards, [
      role("a", [{ apiGroups: ["batch"], resources: ["jobs"], verbs: ["*"] }]),
      role("b", [{ apiGroups: ["batch"], resources: ["jobs"], verbs: ["get"] }]),
    ]);
    assert.deepEqual(text(found), [`Role ${NS}/a, rule 0: * in verbs.`]);
    assert.equal(found[0].enforcementLevel, "advisory");
    assert.deepEqual(wildcardsOf({ apiGroups: ["*"], resources: ["*"], verbs: ["get"] }), ["resources", "apiGroups"]);
  });
});

describe("policy rbac-workload-creation: advisory", () => {
  it("flags create (or *) on pods, jobs, cronjobs and the apps controllers; passes reads and other creates", async () => {
    const found = await check(rbacWorkloadCreation, [
      role("submit", [{ apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get"] }]),
      role("all", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }], true),
      role("read", [{ apiGroups: ["", "apps", "batch"], resources: ["pods", "deployments", "jobs"], verbs: ["get"] }]),
      role("cm", [{ apiGroups: [""], resources: ["configmaps"], verbs: ["create"] }]),
    ]);
    assert.deepEqual(text(found), [
      `Role ${NS}/submit, rule 0: may create jobs, so its holder can run pods as any ServiceAccount of the namespace.`,
      "ClusterRole all, rule 0: may create pods, deployments, statefulsets, daemonsets, replicasets, jobs, cronjobs, so its holder can run pods as any ServiceAccount of the namespace.",
    ]);
    assert.equal(found[0].enforcementLevel, "advisory");
    assert.deepEqual(podCreationOf({ apiGroups: ["apps"], resources: ["deployments"], verbs: ["create"] }), [
      "deployments",
    ]);
    assert.deepEqual(podCreationOf({ apiGroups: [""], resources: ["pods"], verbs: ["create"] }), ["pods"]);
  });
});

describe("policy rbac-cluster-wide-grant: advisory", () => {
  it("flags a ClusterRoleBinding to a service account, not a RoleBinding", async () => {
    const found = await check(rbacClusterWide, [binding("nodes", "watcher", true), binding("jobs", "api")]);
    assert.deepEqual(text(found), [
      `ClusterRoleBinding nodes grants ClusterRole nodes in every namespace to ${NS}/watcher.`,
    ]);
    assert.equal(found[0].enforcementLevel, "advisory");
  });
});

describe("policy service-account-token-only-when-needed: mandatory", () => {
  const run = (resources: RecordedResource[]) => check(tokenOnlyWhenNeeded, resources).then(text);

  it("passes a pod without the token, and one whose account is bound or has a cloud identity", async () => {
    assert.deepEqual(await run([serviceAccount("a"), app("a", { automountServiceAccountToken: false })]), []);
    assert.deepEqual(
      await run([serviceAccount("b", { automountServiceAccountToken: false }), app("b")]),
      [],
      "the ServiceAccount's false applies when the pod says nothing",
    );
    assert.deepEqual(
      await run([serviceAccount("c"), binding("c", "c"), app("c", { automountServiceAccountToken: true })]),
      [],
    );
    assert.deepEqual(await run([serviceAccount("d"), binding("d", "d", true), app("d")]), []);
    assert.deepEqual(
      await run([
        serviceAccount("e", {}, { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/e" }),
        app("e"),
      ]),
      [],
    );
  });

  it("flags a pod mounting a token of an account with no binding and no identity (the default is to mount)", async () => {
    assert.deepEqual(await run([serviceAccount("f"), app("f")]), [
      `Deployment ${NS}/f mounts the API token of service account f, which has no RBAC binding and no cloud identity in this stack.`,
    ]);
    assert.deepEqual(
      await run([
        serviceAccount("g", { automountServiceAccountToken: false }),
        binding("g", "other"),
        app("g", { automountServiceAccountToken: true }),
      ]),
      [
        `Deployment ${NS}/g mounts the API token of service account g, which has no RBAC binding and no cloud identity in this stack.`,
      ],
      "the pod's true wins; a binding of another account does not count",
    );
    assert.deepEqual(await run([scaledJob("h", podSpec())]), [
      `ScaledJob ${NS}/h mounts the API token of service account default, which has no RBAC binding and no cloud identity in this stack.`,
    ]);
    assert.deepEqual(
      await run([binding("i", "i", false, "elsewhere"), app("i")]),
      [
        `Deployment ${NS}/i mounts the API token of service account i, which has no RBAC binding and no cloud identity in this stack.`,
      ],
      "a RoleBinding in another namespace grants nothing here",
    );
  });
});
