import * as assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import { KEDA_IRSA_ROLLOUT_ANNOTATION, KEDA_OPERATOR_SERVICE_ACCOUNT } from "../components/addons/keda.ts";
import type { ClusterHandle } from "../components/cluster/handle.ts";
import { createCluster } from "../components/cluster/index.ts";
import { loadConfig } from "../stacks/load.ts";
import type { RecordedResource } from "../tools/harness.ts";
import { runUnderMocks } from "../tools/harness.ts";
import { TENANT_ID } from "../tools/mocks.ts";
import { runAddons } from "./helpers/addons.ts";
import { fakeIdentity } from "./helpers/clusters.ts";
import { sourceOf } from "./helpers/config.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

const system = (machine: string) => [{ name: "system", role: "system", machineTypes: [machine], min: 1, max: 3 }];
const cluster = {
  aws: { name: "e1", cloud: "aws", region: "eu-central-1", kubernetesVersion: "1.34", pools: system("m6i.xlarge") },
  azure: {
    name: "a1",
    cloud: "azure",
    region: "northeurope",
    kubernetesVersion: "1.34",
    pools: system("Standard_D4s_v5"),
  },
};
const reader = (cloud: "aws" | "azure") => ({
  name: "reader",
  image: "ghcr.io/acme/reader:1.0.0",
  trigger: { type: cloud === "aws" ? "sqs" : "servicebus", queue: "q" },
  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "128Mi" } },
  replicas: { min: 0, max: 2 },
});

/** One cluster of `cloud` built by createCluster, its handle's identity resolved; `queue`: a worker reads one. */
async function build(cloud: "aws" | "azure", o: { queue?: boolean; kedaNamespace?: string } = {}) {
  const values: Obj = {
    platform: { environment: "test" },
    clusters: [cluster[cloud]],
    ...(o.kedaNamespace ? { addons: { keda: { namespace: o.kedaNamespace } } } : {}),
    ...(o.queue
      ? { queues: [{ name: "q", kind: cloud === "aws" ? "sqs" : "servicebus" }], workers: [reader(cloud)] }
      : {}),
  };
  const { config } = loadConfig(sourceOf(values));
  let handle!: ClusterHandle;
  const seen: Record<string, string> = {};
  const { resources } = await runUnderMocks(() => {
    handle = createCluster(config.clusters[0], config, {});
    const id = handle.identity!;
    const keep = (key: string, v: pulumi.Input<string> | undefined) =>
      (v as pulumi.Output<string> | undefined)?.apply((x) => (seen[key] = x));
    keep("issuerUrl", id.issuerUrl);
    if (id.cloud === "aws") {
      keep("oidcProviderArn", id.oidcProviderArn);
      keep("partition", id.partition);
      keep("kedaOperatorRoleArn", id.kedaOperatorRoleArn);
    } else keep("resourceGroupName", id.resourceGroupName);
    return {};
  });
  const roles = (r: RecordedResource[]) => r.filter((x) => x.type === "aws:iam/role:Role");
  return { handle, seen, resources, roles: roles(resources) };
}

describe("cluster handles: workload identity for cloud queues", () => {
  it("EKS: issuer, OIDC provider, region, partition and its AWS provider; no KEDA role without an SQS reader", async () => {
    const { handle, seen, roles } = await build("aws");
    const id = handle.identity!;
    assert.equal(id.cloud, "aws");
    assert.equal(id.cloud === "aws" && id.region, "eu-central-1");
    assert.equal(seen.issuerUrl, "https://oidc.eks.eu-west-1.amazonaws.com/id/E1"); // the mocks' issuer
    assert.match(seen.oidcProviderArn, /e1-oidc$/);
    assert.equal(seen.partition, "aws");
    assert.ok(id.cloud === "aws" && id.provider, "the cluster's AWS provider");
    assert.equal(seen.kedaOperatorRoleArn, undefined);
    assert.ok(!roles.some((r) => r.name === "e1-keda-operator"));
  });

  it("EKS with an SQS reader: KEDA's operator role trusts exactly its service account and has no permission at all", async () => {
    const { seen, roles, resources } = await build("aws", { queue: true });
    const role = roles.find((r) => r.name === "e1-keda-operator");
    assert.ok(role, roles.map((r) => r.name).join(", "));
    const [stmt] = JSON.parse(String(role.plainInputs.assumeRolePolicy)).Statement;
    assert.deepEqual(stmt.Condition.StringEquals, {
      "oidc.eks.eu-west-1.amazonaws.com/id/E1:sub": `system:serviceaccount:keda:${KEDA_OPERATOR_SERVICE_ACCOUNT}`,
      "oidc.eks.eu-west-1.amazonaws.com/id/E1:aud": "sts.amazonaws.com",
    });
    // Nothing attached to it: KEDA's operator only gets a token, with which it assumes the scaler roles.
    const attached = resources.filter(
      (r) =>
        ["aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"].includes(r.type) &&
        r.name.includes("keda"),
    );
    assert.deepEqual(attached, []);
    assert.equal(seen.kedaOperatorRoleArn, "arn:aws:iam::123456789012:role/e1-keda-operator");
    // KEDA in another namespace: the trust follows it.
    const moved = await build("aws", { queue: true, kedaNamespace: "autoscaling" });
    const [s2] = JSON.parse(
      String(moved.roles.find((r) => r.name === "e1-keda-operator")!.plainInputs.assumeRolePolicy),
    ).Statement;
    assert.ok(Object.values(s2.Condition.StringEquals).includes("system:serviceaccount:autoscaling:keda-operator"));
  });

  it("AKS: the OIDC issuer AKS reports, the resource group and region; KEDA's workload identity only with a Service Bus reader", async () => {
    const plain = await build("azure");
    const id = plain.handle.identity!;
    assert.equal(id.cloud, "azure");
    assert.equal(plain.seen.issuerUrl, `https://oidc.prod-aks.azure.com/${TENANT_ID}/a1/`);
    assert.equal(plain.seen.resourceGroupName, "a1-rg");
    assert.equal(id.cloud === "azure" && id.location, "northeurope");
    assert.equal(id.cloud === "azure" && id.kedaWorkloadIdentity, undefined);
    const reading = (await build("azure", { queue: true })).handle.identity!;
    assert.equal(reading.cloud === "azure" && reading.kedaWorkloadIdentity, true);
  });
});

describe("add-ons: KEDA's operator identity for cloud queues (chart podIdentity)", () => {
  it("EKS: IRSA with the operator's role, and a pod annotation that rolls the operator when the role is set", async () => {
    const run = await runAddons("eks", {}, { cluster: { identity: fakeIdentity("aws", "eks-c", "eu-west-1", true) } });
    const v = run.values("keda");
    const arn = "arn:aws:iam::123456789012:role/eks-c-keda-operator";
    assert.deepEqual(v.podIdentity, { aws: { irsa: { enabled: true, roleArn: arn } } });
    assert.deepEqual(v.podAnnotations.keda, { [KEDA_IRSA_ROLLOUT_ANNOTATION]: arn });
    // Next to the metrics API server's scrape annotations, which it must not replace.
    assert.equal(v.podAnnotations.metricsAdapter["prometheus.io/scrape"], "true");
  });

  it("AKS: workload identity on, without a client ID of its own", async () => {
    const run = await runAddons(
      "aks",
      {},
      { cluster: { identity: fakeIdentity("azure", "aks-c", "westeurope", true) } },
    );
    assert.deepEqual(run.values("keda").podIdentity, { azureWorkload: { enabled: true } });
  });

  it("nothing where no worker reads a cloud queue, nor on existing clusters", async () => {
    for (const kind of ["eks", "aks", "existing"] as const) {
      const v = (await runAddons(kind)).values("keda");
      assert.equal(v.podIdentity, undefined, kind);
      assert.equal(v.podAnnotations.keda, undefined, kind);
    }
  });
});
