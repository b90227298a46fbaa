import * as assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { BUILTIN_API_RESOURCES, RBAC_VERBS } from "../stacks/kubernetes-api.ts";
import { stackConfig } from "../stacks/schema/index.ts";
import { fakeClusterConfig } from "./helpers/clusters.ts";
import { configProblems, cpuWorker, minimalStack } from "./helpers/config.ts";

const withQueue = (values: Record<string, unknown>) => ({ ...values, queues: [{ name: "q", kind: "redis" }] });
const service = (over: Record<string, unknown> = {}) => ({
  name: "api",
  image: "ghcr.io/acme/api:1.0.0",
  port: 8080,
  resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } },
  replicas: { min: 1, max: 2 },
  ...over,
});
const jobsRule = { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list", "watch", "delete"] };
const stackOf = (kinds: ("aks" | "eks" | "existing")[], over: Record<string, unknown>) =>
  withQueue({ platform: { environment: "test" }, clusters: kinds.map(fakeClusterConfig), ...over });
const problems = (values: Record<string, unknown>) => configProblems(values);
const ROLE = "arn:aws:iam::123456789012:role/reports";
const CLIENT_ID = "6f1c3a52-9a77-4d1e-8f1b-2d1f7f0c9b11";
const BLOB_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
const SCOPE =
  "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acme";

describe("access config: serviceAccount.rules", () => {
  it("defaults to no rules, no cluster-wide grant and no cloud identity", () => {
    const cfg = stackConfig.parse(withQueue({ ...minimalStack(), workers: [cpuWorker()], services: [service()] }));
    for (const w of [cfg.workers[0], cfg.services[0]])
      assert.deepEqual(w.serviceAccount, { rules: [], clusterWide: false, customResources: [] });
  });

  it("namespaced rules on built-in, subresource and platform (keda.sh) resources pass; apiGroups defaults to core", () => {
    const rules = [
      jobsRule,
      { resources: ["pods", "pods/log"], verbs: ["get", "list"] },
      { resources: ["configmaps"], verbs: ["get"], resourceNames: ["settings"] },
      { apiGroups: ["keda.sh"], resources: ["scaledjobs", "scaledjobs/status"], verbs: ["get"] },
    ];
    const values = withQueue({
      ...minimalStack(),
      workers: [cpuWorker({ serviceAccount: { rules } })],
      services: [service({ serviceAccount: { rules } })],
    });
    assert.deepEqual(problems(values), []);
    assert.deepEqual(stackConfig.parse(values).services[0].serviceAccount.rules[1].apiGroups, [""]);
  });

  it("an unknown verb is refused at its key, listing the verbs", () => {
    const found = problems(
      withQueue({
        ...minimalStack(),
        services: [service({ serviceAccount: { rules: [{ ...jobsRule, verbs: ["get", "run"] }] } })],
      }),
    );
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(
      found[0],
      /^services\[0\]\.serviceAccount\.rules\[0\]\.verbs\[1\]: unknown verb "run".*deletecollection/,
    );
  });

  it("an unknown resource is refused at its key; one in another group names that group", () => {
    const found = problems(
      withQueue({
        ...minimalStack(),
        workers: [
          cpuWorker({
            serviceAccount: {
              rules: [
                { resources: ["jobs"], verbs: ["get"] },
                { apiGroups: ["batch"], resources: ["jobz"], verbs: ["get"] },
              ],
            },
          }),
        ],
      }),
    );
    assert.equal(found.length, 2, found.join("\n"));
    assert.match(
      found[0],
      /^workers\[0\]\.serviceAccount\.rules\[0\]\.resources\[0\]: unknown resource "jobs" in API group ""; it is in "batch"/,
    );
    assert.match(
      found[1],
      /^workers\[0\]\.serviceAccount\.rules\[1\]\.resources\[0\]: unknown resource "jobz" in API group "batch"; check the plural name/,
    );
  });

  it("metrics APIs: any metric name with read verbs; writes refused at the verbs key; kubelet fine-grained subresources", () => {
    const rules = (rs: Record<string, unknown>[], extra: Record<string, unknown> = {}) =>
      problems(withQueue({ ...minimalStack(), services: [service({ serviceAccount: { rules: rs, ...extra } })] }));
    assert.deepEqual(
      rules([
        { apiGroups: ["external.metrics.k8s.io"], resources: ["s0-redis-jobs"], verbs: ["get", "list"] },
        { apiGroups: ["custom.metrics.k8s.io"], resources: ["*"], verbs: ["get"] },
      ]),
      [],
    );
    const writes = rules([{ apiGroups: ["external.metrics.k8s.io"], resources: ["*"], verbs: ["get", "create"] }]);
    assert.equal(writes.length, 1, writes.join("\n"));
    assert.match(
      writes[0],
      /^services\[0\]\.serviceAccount\.rules\[0\]\.verbs: external\.metrics\.k8s\.io is a read-only metrics API/,
    );
    // apiGroups * does not turn every resource name into a metric name.
    assert.match(
      rules([{ apiGroups: ["*"], resources: ["jobz"], verbs: ["get"] }]).join("\n"),
      /unknown resource "jobz"/,
    );
    const kubelet = ["nodes/pods", "nodes/configz", "nodes/healthz", "nodes/metrics", "nodes/stats", "nodes/proxy"];
    assert.deepEqual(rules([{ resources: kubelet, verbs: ["get"], scope: "cluster" }], { clusterWide: true }), []);
    assert.match(
      rules([{ resources: ["nodes/exec"], verbs: ["get"], scope: "cluster" }], { clusterWide: true }).join("\n"),
      /unknown resource "nodes\/exec"/,
    );
  });

  it("an unknown API group is refused unless declared under customResources, whose resources are then checked", () => {
    const rule = { apiGroups: ["example.com"], resources: ["widgets"], verbs: ["get"] };
    const undeclared = problems(
      withQueue({ ...minimalStack(), services: [service({ serviceAccount: { rules: [rule] } })] }),
    );
    assert.equal(undeclared.length, 1);
    assert.match(
      undeclared[0],
      /^services\[0\]\.serviceAccount\.rules\[0\]\.apiGroups\[0\]: unknown API group "example.com".*customResources/,
    );
    const declared = { apiGroup: "example.com", resources: ["widgets", "widgets/status"] };
    assert.deepEqual(
      problems(
        withQueue({
          ...minimalStack(),
          services: [service({ serviceAccount: { rules: [rule], customResources: [declared] } })],
        }),
      ),
      [],
    );
    const wrong = problems(
      withQueue({
        ...minimalStack(),
        services: [
          service({ serviceAccount: { rules: [{ ...rule, resources: ["gadgets"] }], customResources: [declared] } }),
        ],
      }),
    );
    assert.match(wrong.join("\n"), /rules\[0\]\.resources\[0\]: unknown resource "gadgets" in API group "example.com"/);
    const builtin = problems(
      withQueue({
        ...minimalStack(),
        services: [service({ serviceAccount: { customResources: [{ apiGroup: "keda.sh", resources: ["x"] }] } })],
      }),
    );
    assert.match(builtin.join("\n"), /customResources\[0\]\.apiGroup: keda\.sh is a built-in or platform API group/);
  });

  it("cluster-wide rules need clusterWide: true; cluster-scoped resources need scope: cluster", () => {
    const nodes = { resources: ["nodes"], verbs: ["get", "list"] };
    const at = (sa: Record<string, unknown>) =>
      problems(withQueue({ ...minimalStack(), services: [service({ serviceAccount: sa })] }));
    const noFlag = at({ rules: [{ ...nodes, scope: "cluster" }] });
    assert.equal(noFlag.length, 1, noFlag.join("\n"));
    assert.match(
      noFlag[0],
      /^services\[0\]\.serviceAccount\.rules\[0\]\.scope: a cluster-wide rule .* needs serviceAccount\.clusterWide: true/,
    );
    const namespaced = at({ rules: [nodes] });
    assert.match(
      namespaced.join("\n"),
      /rules\[0\]\.resources\[0\]: nodes is cluster-scoped, which a Role cannot grant/,
    );
    assert.deepEqual(at({ clusterWide: true, rules: [{ ...nodes, scope: "cluster" }] }), []);
    assert.match(
      at({ clusterWide: true, rules: [jobsRule] }).join("\n"),
      /serviceAccount\.clusterWide: no rule has scope: cluster/,
    );
  });

  it("resourceNames with create or deletecollection is refused (never matched by name); with get it passes", () => {
    const at = (verbs: string[]) =>
      problems(
        withQueue({
          ...minimalStack(),
          services: [
            service({ serviceAccount: { rules: [{ resources: ["configmaps"], verbs, resourceNames: ["x"] }] } }),
          ],
        }),
      );
    assert.deepEqual(at(["get", "update"]), []);
    const found = at(["get", "create"]);
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(
      found[0],
      /^services\[0\]\.serviceAccount\.rules\[0\]\.resourceNames: create cannot be limited by resourceNames/,
    );
  });

  it("wildcards are valid RBAC (the policy pack flags them)", () => {
    assert.deepEqual(
      problems(
        withQueue({
          ...minimalStack(),
          services: [service({ serviceAccount: { rules: [{ apiGroups: ["*"], resources: ["jobs"], verbs: ["*"] }] } })],
        }),
      ),
      [],
    );
  });

  it("verbs are Kubernetes' authorization verbs", () => {
    for (const v of ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "impersonate"])
      assert.ok((RBAC_VERBS as readonly string[]).includes(v), v);
  });
});

describe("access config: the resource table agrees with kubernetes-models", () => {
  // Every top-level kind (one with a List) of the stable (v1) API of each built-in group kubernetes-models ships is a
  // resource of that group in the table, by its plural.
  const root = dirname(createRequire(import.meta.url).resolve("kubernetes-models/package.json"));
  const plural = (kind: string) => {
    const k = kind.toLowerCase();
    if (k === "endpoints") return k;
    if (k.endsWith("s")) return `${k}es`;
    if (k.endsWith("y")) return `${k.slice(0, -1)}ies`;
    return `${k}s`;
  };
  it("every stable kind has its resource", () => {
    const dirs = [["", join(root, "v1")], ...readdirSync(root).map((g) => [g, join(root, g, "v1")])];
    let checked = 0;
    for (const [group, dir] of dirs) {
      if (!existsSync(dir) || !(group in BUILTIN_API_RESOURCES)) continue;
      const files = readdirSync(dir);
      for (const f of files.filter((x) => x.endsWith("List.js"))) {
        const kind = f.slice(0, -"List.js".length);
        if (!files.includes(`${kind}.js`)) continue;
        assert.ok(
          BUILTIN_API_RESOURCES[group][plural(kind)],
          `${group || "core"}/${kind}: no ${plural(kind)} in the table`,
        );
        checked++;
      }
    }
    assert.ok(checked > 40, `only ${checked} kinds checked`);
  });

  it("the table's other resources are the create-only reviews and impersonation's virtual resources", () => {
    const kinds = new Set<string>();
    const dirs = [["", join(root, "v1")], ...readdirSync(root).map((g) => [g, join(root, g, "v1")])];
    for (const [group, dir] of dirs) {
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).filter((x) => x.endsWith("List.js")))
        kinds.add(`${group}/${plural(f.slice(0, -"List.js".length))}`);
    }
    const extra = Object.entries(BUILTIN_API_RESOURCES).flatMap(([g, rs]) =>
      Object.keys(rs)
        .filter((r) => !r.includes("/") && !kinds.has(`${g}/${r}`))
        .map((r) => `${g}/${r}`),
    );
    assert.deepEqual(extra.sort(), [
      "/bindings",
      "/groups",
      "/users",
      "authentication.k8s.io/selfsubjectreviews",
      "authentication.k8s.io/tokenreviews",
      "authentication.k8s.io/uids",
      "authentication.k8s.io/userextras",
      "authorization.k8s.io/localsubjectaccessreviews",
      "authorization.k8s.io/selfsubjectaccessreviews",
      "authorization.k8s.io/selfsubjectrulesreviews",
      "authorization.k8s.io/subjectaccessreviews",
      "certificates.k8s.io/signers",
    ]);
  });
});

describe("access config: serviceAccount.cloudIdentity", () => {
  const aws = { statements: [{ actions: ["s3:GetObject"], resources: ["arn:aws:s3:::acme/*"] }] };
  const azure = { roleAssignments: [{ role: BLOB_READER, scope: SCOPE }] };

  it("an AWS identity (existing role or created) on EKS, an Azure one (existing or created) on AKS, pass", () => {
    for (const id of [
      { roleArn: ROLE },
      aws,
      { managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"] },
    ])
      assert.deepEqual(
        problems(stackOf(["eks"], { services: [service({ serviceAccount: { cloudIdentity: { aws: id } } })] })),
        [],
      );
    for (const id of [{ clientId: CLIENT_ID }, azure])
      assert.deepEqual(
        problems(stackOf(["aks"], { services: [service({ serviceAccount: { cloudIdentity: { azure: id } } })] })),
        [],
      );
  });

  it("an identity on a cluster of another cloud, or on an existing cluster, is refused at its key", () => {
    const onAks = problems(stackOf(["aks"], { services: [service({ serviceAccount: { cloudIdentity: { aws } } })] }));
    assert.equal(onAks.length, 1, onAks.join("\n"));
    assert.match(
      onAks[0],
      /^services\[0\]\.serviceAccount\.cloudIdentity\.aws: an aws identity cannot be used on aks-c \(clusters defaults to every cluster of the stack\).*aks-c is an azure cluster/,
    );
    const mixed = problems(
      stackOf(["aks", "eks"], { services: [service({ serviceAccount: { cloudIdentity: { azure } } })] }),
    );
    assert.match(
      mixed.join("\n"),
      /cloudIdentity\.azure: an azure identity cannot be used on eks-c .*set clusters: \[aks-c\]/,
    );
    assert.deepEqual(
      problems(
        stackOf(["aks", "eks"], {
          services: [service({ clusters: ["aks-c"], serviceAccount: { cloudIdentity: { azure } } })],
        }),
      ),
      [],
    );
    const existing = problems(
      stackOf(["existing"], { workers: [cpuWorker({ serviceAccount: { cloudIdentity: { aws } } })] }),
    );
    assert.match(
      existing.join("\n"),
      /^workers\[0\]\.serviceAccount\.cloudIdentity\.aws: .*existing cluster, whose OIDC issuer/,
    );
  });

  it("one cloud, and either an existing identity or grants for a created one", () => {
    const at = (cloudIdentity: unknown) =>
      problems(stackOf(["eks"], { services: [service({ serviceAccount: { cloudIdentity } })] })).join("\n");
    assert.match(at({}), /cloudIdentity: set aws \(EKS\) or azure \(AKS\)/);
    assert.match(
      at({ aws: { roleArn: ROLE }, azure: { clientId: CLIENT_ID } }),
      /cloudIdentity: set either aws or azure, not both/,
    );
    assert.match(at({ aws: { roleArn: ROLE, ...aws } }), /cloudIdentity\.aws: roleArn names an existing role/);
    assert.match(at({ aws: {} }), /cloudIdentity\.aws: set roleArn/);
    assert.match(at({ aws: { roleArn: "arn:aws:iam::1:role/x" } }), /roleArn: must be an IAM role ARN/);
  });

  it("a worker reading a cloud queue keeps its queue's identity: a second one is refused", () => {
    const found = problems({
      platform: { environment: "test" },
      clusters: [fakeClusterConfig("eks")],
      queues: [{ name: "orders", kind: "sqs" }],
      workers: [
        cpuWorker({
          trigger: { type: "sqs", queue: "orders" },
          serviceAccount: { cloudIdentity: { aws: { roleArn: ROLE } } },
        }),
      ],
    });
    assert.match(found.join("\n"), /^workers\[0\]\.serviceAccount\.cloudIdentity: w reads a cloud queue/);
  });
});
