import * as assert from "assert";
import {
  aksApiServerAccess,
  aksEntraAzureRbac,
  aksLocalAccountsDisabled,
  aksNetworkPolicy,
} from "../policy/rules/cloud-aks.ts";
import { eksAuditLogs, eksEndpointAccess, eksNetworkPolicy, eksSecretsEncryption } from "../policy/rules/cloud-eks.ts";
import { clustersProtected, gpuPoolsBounded, spotPoolsTainted } from "../policy/rules/node-pools.ts";
import { aks, check, eks, res } from "./helpers/policy.ts";

const text = (vs: { message: string }[]) => vs.map((v) => v.message).join("\n");

describe("policy: cloud", () => {
  describe("AKS", () => {
    it("aks-local-accounts-disabled: passes disabled, fails enabled", async () => {
      assert.deepStrictEqual(await check(aksLocalAccountsDisabled, aks().all), []);
      const [v] = await check(aksLocalAccountsDisabled, aks({ cluster: { disableLocalAccounts: false } }).all);
      assert.match(v.message, /AKS cluster dev-aks: disableLocalAccounts is not true/);
    });
    it("aks-entra-id-azure-rbac: passes Entra ID + Azure RBAC, fails without", async () => {
      assert.deepStrictEqual(await check(aksEntraAzureRbac, aks().all), []);
      assert.strictEqual((await check(aksEntraAzureRbac, aks({ cluster: { aadProfile: undefined } }).all)).length, 1);
      assert.match(
        text(await check(aksEntraAzureRbac, aks({ cluster: { aadProfile: { managed: true } } }).all)),
        /enableAzureRBAC is not true/,
      );
    });
    it("aks-entra-id-azure-rbac: fails enableRBAC false even with Entra ID + Azure RBAC", async () => {
      const vs = await check(aksEntraAzureRbac, aks({ cluster: { enableRBAC: false } }).all);
      assert.strictEqual(vs.length, 1, text(vs));
      assert.match(vs[0].message, /^AKS cluster dev-aks: enableRBAC is false\.$/);
    });
    it("aks-network-policy: passes cilium, fails none", async () => {
      assert.deepStrictEqual(await check(aksNetworkPolicy, aks().all), []);
      const [v] = await check(
        aksNetworkPolicy,
        aks({ cluster: { networkProfile: { networkPlugin: "azure", networkPolicy: "none" } } }).all,
      );
      assert.match(v.message, /NetworkPolicies would not be enforced/);
    });
    it("aks-api-server-restricted: applies in production only; passes authorized ranges or private", async () => {
      const open = { apiServerAccessProfile: { authorizedIPRanges: [] } };
      assert.deepStrictEqual(await check(aksApiServerAccess, aks({ cluster: open }).all), [], "dev is not production");
      const [v] = await check(aksApiServerAccess, aks({ stack: "prod", cluster: open }).all, { stack: "prod" });
      assert.match(v.message, /open to any IP/);
      assert.strictEqual(
        (
          await check(aksApiServerAccess, aks({ cluster: open }).all, {
            config: { "aks-api-server-restricted": { production: true } },
          })
        ).length,
        1,
      );
      const ranges = { apiServerAccessProfile: { authorizedIPRanges: ["203.0.113.0/24"] } };
      const priv = { apiServerAccessProfile: { enablePrivateCluster: true } };
      assert.deepStrictEqual(
        await check(aksApiServerAccess, [
          ...aks({ stack: "prod", cluster: ranges }).all,
          ...aks({ name: "p2", stack: "prod", cluster: priv }).all,
        ]),
        [],
      );
    });
    it("aks-api-server-restricted: fails authorized ranges that include the whole internet in production", async () => {
      const open = { apiServerAccessProfile: { authorizedIPRanges: ["203.0.113.0/24", "0.0.0.0/0"] } };
      assert.deepStrictEqual(await check(aksApiServerAccess, aks({ cluster: open }).all), [], "dev is not production");
      const vs = await check(aksApiServerAccess, aks({ name: "prod-aks", stack: "prod", cluster: open }).all, {
        stack: "prod",
      });
      assert.strictEqual(vs.length, 1, text(vs));
      assert.match(
        vs[0].message,
        /^AKS cluster prod-aks: authorizedIPRanges 203\.0\.113\.0\/24, 0\.0\.0\.0\/0 include the whole internet\.$/,
      );
      assert.strictEqual(vs[0].enforcementLevel, "mandatory");
    });
  });

  describe("EKS", () => {
    it("eks-secrets-encryption: passes a rotating key found by dependency while its ARN is unknown", async () => {
      assert.deepStrictEqual(await check(eksSecretsEncryption, eks().all, { stack: "prod" }), []);
    });
    it("eks-secrets-encryption: fails no encryption, and a key without rotation", async () => {
      assert.match(
        text(await check(eksSecretsEncryption, eks({ cluster: { encryptionConfig: undefined } }).all)),
        /Secrets are not envelope-encrypted/,
      );
      const [v] = await check(eksSecretsEncryption, eks({ keyRotation: false }).all);
      assert.match(v.message, /KMS key prod-eks-secrets encrypting Secrets has enableKeyRotation off/);
    });
    it("eks-secrets-encryption: fails a key that is not a KMS key of this stack", async () => {
      const external = {
        encryptionConfig: {
          resources: ["secrets"],
          provider: { keyArn: "arn:aws:kms:eu-west-1:123456789012:key/0f0e0d0c-external" },
        },
      };
      const notInStack =
        /^EKS cluster prod-eks: the Secrets encryption key is not a KMS key of this stack, so its rotation cannot be checked\.$/;
      // A known ARN, and no aws.kms.Key in the stack at all.
      const e = eks({ cluster: external });
      const vs = await check(
        eksSecretsEncryption,
        e.all.filter((r) => r !== e.key),
      );
      assert.strictEqual(vs.length, 1, text(vs));
      assert.match(vs[0].message, notInStack);
      // A key of this stack with another ARN, which the cluster does not depend on.
      const f = eks({ cluster: external });
      f.key.plainInputs.arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-in-stack";
      f.cluster.dependencies = [];
      const ws = await check(eksSecretsEncryption, f.all);
      assert.strictEqual(ws.length, 1, text(ws));
      assert.match(ws[0].message, notInStack);
      // Even when the cluster depends on that key: its known ARN says the key in use is another one.
      const g = eks({ cluster: external });
      g.key.plainInputs.arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-in-stack";
      const xs = await check(eksSecretsEncryption, g.all);
      assert.strictEqual(xs.length, 1, text(xs));
      assert.match(xs[0].message, notInStack);
    });
    it("eks-audit-logs: passes audit, fails without", async () => {
      assert.deepStrictEqual(await check(eksAuditLogs, eks().all), []);
      assert.match(
        text(await check(eksAuditLogs, eks({ cluster: { enabledClusterLogTypes: ["api"] } }).all)),
        /lacks audit/,
      );
    });
    it('eks-network-policy: passes a vpc-cni add-on with enableNetworkPolicy "true", found by dependency while clusterName is unknown', async () => {
      assert.deepStrictEqual(await check(eksNetworkPolicy, eks().all), []);
      // CLI shape (outputs): clusterName known, no dependency recorded.
      const e = eks({ vpcCni: false });
      const addon = res(
        "aws:eks/addon:Addon",
        "prod-eks-vpc-cni",
        {
          clusterName: "prod-eks",
          addonName: "vpc-cni",
          addonVersion: "v1.20.4-eksbuild.1",
          configurationValues: '{"enableNetworkPolicy":"true"}',
          arn: "arn:aws:eks:eu-west-1:123456789012:addon/prod-eks/vpc-cni/x",
        },
        { stack: "prod" },
      );
      assert.deepStrictEqual(await check(eksNetworkPolicy, [...e.all, addon]), []);
    });
    it("eks-network-policy: fails a vpc-cni add-on without the setting, with it false, and a cluster without the add-on", async () => {
      const [none] = await check(eksNetworkPolicy, eks({ vpcCni: {} }).all);
      assert.match(
        none.message,
        /EKS cluster prod-eks: vpc-cni add-on prod-eks-vpc-cni sets no configurationValues.*NetworkPolicies would not be enforced/,
      );
      assert.strictEqual(none.enforcementLevel, "mandatory");
      assert.match(
        text(await check(eksNetworkPolicy, eks({ vpcCni: { enableNetworkPolicy: "false" } }).all)),
        /sets enableNetworkPolicy to "false"/,
      );
      assert.match(
        text(await check(eksNetworkPolicy, eks({ vpcCni: { env: { ENABLE_PREFIX_DELEGATION: "true" } } }).all)),
        /sets enableNetworkPolicy to nothing/,
      );
      assert.match(text(await check(eksNetworkPolicy, eks({ vpcCni: "enableNetworkPolicy: true" }).all)), /not JSON/);
      // A second cluster's add-on does not count for the first.
      const a = eks({ name: "a", vpcCni: false });
      const b = eks({ name: "b" });
      const vs = await check(eksNetworkPolicy, [...a.all, ...b.all]);
      assert.strictEqual(vs.length, 1, text(vs));
      assert.match(vs[0].message, /EKS cluster a: no vpc-cni add-on/);
      assert.deepStrictEqual(
        await check(eksNetworkPolicy, a.all, { config: { "eks-network-policy": "disabled" } }),
        [],
        "self-managed CNI: disabled by config",
      );
    });
    it("eks-endpoint-restricted: passes private, fails the public default in production", async () => {
      assert.deepStrictEqual(await check(eksEndpointAccess, eks().all), []);
      const [v] = await check(eksEndpointAccess, eks({ cluster: { vpcConfig: { subnetIds: ["s"] } } }).all);
      assert.match(v.message, /open to 0.0.0.0\/0/);
      assert.deepStrictEqual(
        await check(
          eksEndpointAccess,
          eks({ cluster: { vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["198.51.100.0/24"] } } }).all,
        ),
        [],
      );
    });
    it("eks-endpoint-restricted: fails a cluster with neither a public nor a private endpoint", async () => {
      const none = {
        vpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: false, subnetIds: ["subnet-1"] },
      };
      const vs = await check(eksEndpointAccess, eks({ cluster: none }).all);
      assert.strictEqual(vs.length, 1, text(vs));
      assert.match(
        vs[0].message,
        /^EKS cluster prod-eks: has neither a public nor a private endpoint \(set endpointPrivateAccess: true\)\.$/,
      );
      const unset = { vpcConfig: { endpointPublicAccess: false, subnetIds: ["subnet-1"] } };
      assert.match(
        text(await check(eksEndpointAccess, eks({ cluster: unset }).all)),
        /has neither a public nor a private endpoint/,
        "endpointPrivateAccess unset",
      );
    });
  });

  describe("node pools", () => {
    it("spot-pools-tainted: passes AKS spot (tainted by AKS) and tainted EKS spot groups", async () => {
      assert.deepStrictEqual(await check(spotPoolsTainted, [...aks().all, ...eks().all]), []);
    });
    it("spot-pools-tainted: fails an untainted EKS SPOT node group", async () => {
      const e = eks({
        nodeGroups: [
          {
            nodeGroupName: "cpuspot",
            capacityType: "SPOT",
            instanceTypes: ["m6i.2xlarge"],
            scalingConfig: { minSize: 0, maxSize: 3, desiredSize: 0 },
            labels: {},
            taints: [],
          },
        ],
      });
      const [v] = await check(spotPoolsTainted, e.all);
      assert.match(v.message, /pool cpuspot of cluster prod-eks is spot capacity without a spot taint/);
    });
    it("gpu-pools-bounded-and-tainted: passes, and fails an untainted GPU pool and one above the configured max", async () => {
      assert.deepStrictEqual(await check(gpuPoolsBounded, [...aks().all, ...eks().all]), []);
      const c = aks({ pools: [{ name: "gpu", vmSize: "Standard_NC8as_T4_v3", gpu: true, max: 40, taints: [] }] });
      const vs = await check(gpuPoolsBounded, c.all, {
        config: { "gpu-pools-bounded-and-tainted": { maxNodesPerGpuPool: 20 } },
      });
      assert.match(text(vs), /may grow to 40 nodes, above the allowed 20/);
      assert.match(text(vs), /lacks the nvidia.com\/gpu NoSchedule taint/);
    });
    it("gpu-pools-bounded-and-tainted: fails a GPU pool with no max size", async () => {
      const e = eks({
        nodeGroups: [
          {
            nodeGroupName: "gpu",
            capacityType: "ON_DEMAND",
            instanceTypes: ["g5.xlarge"],
            scalingConfig: { minSize: 0, desiredSize: 0 },
            labels: { "worker-platform/gpu": "true", "worker-platform/gpu-count": "1" },
            taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" }],
          },
        ],
      });
      const vs = await check(gpuPoolsBounded, e.all, {
        config: { "gpu-pools-bounded-and-tainted": { maxNodesPerGpuPool: 20 } },
      });
      assert.strictEqual(vs.length, 1, text(vs));
      assert.match(vs[0].message, /^GPU pool gpu of cluster prod-eks has no max size\.$/);
      // AKS: autoscaling without maxCount.
      const a = aks();
      delete a.pools[0].plainInputs.maxCount;
      assert.match(
        text(await check(gpuPoolsBounded, a.all)),
        /^GPU pool gpuspot of cluster dev-aks has no max size\.$/,
      );
    });
    it("clusters-protected-in-production: passes protected prod clusters and unprotected dev, fails unprotected prod", async () => {
      assert.deepStrictEqual(await check(clustersProtected, [...aks().all, ...eks().all], { stack: "prod" }), []);
      const vs = await check(clustersProtected, aks({ stack: "prod", name: "prod-aks" }).all);
      assert.strictEqual(vs.length, 2, text(vs)); // cluster + pool
      assert.match(vs[0].message, /ManagedCluster prod-aks is not protected/);
    });
  });
});
