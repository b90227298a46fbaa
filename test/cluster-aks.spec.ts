import * as assert from "node:assert/strict";
import { createCluster } from "../components/cluster/index.ts";
import type { ClusterHandle } from "../components/cluster/handle.ts";
import { AKS_SPOT_TAINT, GPU_TAINT, SYSTEM_TAINT } from "../components/cluster/labels.ts";
import { loadConfig } from "../stacks/load.ts";
import { AKS_RBAC_CLUSTER_ADMIN_ROLE, AKS_RBAC_PROPAGATION } from "../components/cluster/aks.ts";
import { withKubeloginMode } from "../components/cluster/kubeconfig.ts";
import type { RecordedResource } from "../tools/harness.ts";
import { runUnderMocks } from "../tools/harness.ts";
import { SUBSCRIPTION_ID } from "../tools/mocks.ts";
import { parse } from "yaml";
import { sourceOf } from "./helpers/config.ts";

const T = {
  cluster: "azure-native:containerservice:ManagedCluster",
  pool: "azure-native:containerservice:AgentPool",
  rg: "azure-native:resources:ResourceGroup",
  provider: "pulumi:providers:kubernetes",
  configMap: "kubernetes:core/v1:ConfigMap",
  component: "worker-platform:cluster:AksCluster",
  roleAssignment: "azure-native:authorization:RoleAssignment",
};

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** An AKS stack like the shipped prod one: system, spot GPU, on-demand GPU, spot CPU pools. */
function aksStack(over: { production?: boolean; cluster?: Obj; azure?: Obj; deployer?: Obj } = {}) {
  return {
    platform: { environment: "test", production: over.production ?? false },
    ...(over.deployer ? { deployer: over.deployer } : {}),
    clusters: [
      {
        name: "c1",
        cloud: "azure",
        region: "westeurope",
        kubernetesVersion: "1.34",
        azure: {
          skuTier: "Standard",
          apiServerAuthorizedIpRanges: ["203.0.113.0/24"],
          adminGroupObjectIds: ["00000000-0000-4000-8000-0000000000aa"],
          ...over.azure,
        },
        autoscaler: { scaleDownUnneededTime: "3m", scaleDownUtilizationThreshold: 0.4, maxGracefulTerminationSec: 900 },
        pools: [
          { name: "system", role: "system", machineTypes: ["Standard_D4s_v5"], min: 1, max: 3 },
          {
            name: "gpuspot",
            machineTypes: ["Standard_NC8as_T4_v3"],
            gpu: { count: 1, type: "nvidia-tesla-t4" },
            spot: true,
            min: 0,
            max: 10,
            labels: { team: "ml" },
          },
          {
            name: "gpu",
            machineTypes: ["Standard_NC64as_T4_v3"],
            gpu: { count: 4, type: "nvidia-tesla-t4" },
            min: 0,
            max: 2,
            taints: [{ key: "dedicated", value: "ml", effect: "NoSchedule" }],
          },
          { name: "cpuspot", machineTypes: ["Standard_D8s_v5"], spot: true, min: 0, max: 20, expanderPriority: 50 },
        ],
        ...over.cluster,
      },
    ],
  };
}

interface Run {
  resources: RecordedResource[];
  handle: ClusterHandle;
  kubeconfigSecret: boolean;
  /** The handle's (exported) kubeconfig. */
  kubeconfig: string;
  one(type: string, name?: string): RecordedResource;
  all(type: string): RecordedResource[];
}

async function run(values: Obj): Promise<Run> {
  const { config } = loadConfig(sourceOf(values));
  let handle!: ClusterHandle;
  let kubeconfigSecret = false;
  let kubeconfig = "";
  const { resources } = await runUnderMocks(async () => {
    handle = createCluster(config.clusters[0], config, {});
    kubeconfigSecret = await (handle.kubeconfig as unknown as { isSecret: Promise<boolean> }).isSecret;
    handle.kubeconfig.apply((k) => (kubeconfig = k));
    return {};
  });
  const all = (type: string) => resources.filter((r) => r.type === type);
  const one = (type: string, name?: string) => {
    const found = all(type).filter((r) => name === undefined || r.name === name);
    assert.equal(found.length, 1, `expected one ${type} ${name ?? ""}, got ${found.map((r) => r.name).join(", ")}`);
    return found[0];
  };
  return { resources, handle, kubeconfigSecret, kubeconfig, one, all };
}

describe("AksCluster", () => {
  let dev: Run;
  before(async () => {
    dev = await run(aksStack());
  });

  it("creates <name>-rg and a ManagedCluster named after the config, with Entra ID, Azure RBAC, no local accounts", () => {
    const rg = dev.one(T.rg);
    assert.equal(rg.name, "c1-rg");
    assert.equal(rg.inputs.resourceGroupName, "c1-rg");
    const c = dev.one(T.cluster, "c1").inputs as Obj;
    assert.equal(c.resourceName, "c1");
    assert.equal(c.resourceGroupName, "c1-rg");
    assert.equal(c.kubernetesVersion, "1.34");
    assert.deepEqual(c.identity, { type: "SystemAssigned" });
    assert.deepEqual(c.aadProfile, {
      managed: true,
      enableAzureRBAC: true,
      adminGroupObjectIDs: ["00000000-0000-4000-8000-0000000000aa"],
    });
    assert.equal(c.disableLocalAccounts, true);
    assert.deepEqual(c.sku, { name: "Base", tier: "Standard" });
    assert.deepEqual(c.oidcIssuerProfile, { enabled: true });
    assert.deepEqual(c.securityProfile, { workloadIdentity: { enabled: true } });
    assert.equal(c.networkProfile.networkPlugin, "azure");
    assert.equal(c.networkProfile.networkPluginMode, "overlay");
    assert.equal(c.networkProfile.networkPolicy, "cilium");
    assert.equal(c.networkProfile.networkDataplane, "cilium");
    assert.deepEqual(c.apiServerAccessProfile, { enablePrivateCluster: false, authorizedIPRanges: ["203.0.113.0/24"] });
  });

  it("passes the autoscaler profile as AKS strings, with the configured expander", () => {
    assert.deepEqual(dev.one(T.cluster).inputs.autoScalerProfile, {
      expander: "priority",
      scanInterval: "10s",
      scaleDownUnneededTime: "3m",
      scaleDownDelayAfterAdd: "10m",
      scaleDownUtilizationThreshold: "0.4",
      maxGracefulTerminationSec: "900",
      maxNodeProvisionTime: "15m",
      balanceSimilarNodeGroups: "true",
      skipNodesWithLocalStorage: "false",
    });
  });

  it("declares the system pool inline (mode System, CriticalAddonsOnly) and ignores agentPoolProfiles (#2719)", () => {
    const c = dev.one(T.cluster);
    assert.deepEqual(c.ignoreChanges, ["agentPoolProfiles"]);
    const profiles = c.inputs.agentPoolProfiles as Obj[];
    assert.equal(profiles.length, 1);
    const sys = profiles[0];
    assert.equal(sys.name, "system");
    assert.equal(sys.mode, "System");
    assert.deepEqual(sys.nodeTaints, ["CriticalAddonsOnly=true:NoSchedule"]);
    assert.equal(sys.nodeLabels["worker-platform/pool"], "system");
    assert.equal(sys.nodeLabels["worker-platform/role"], "system");
    assert.equal(sys.enableAutoScaling, true);
    assert.equal(sys.count, 1);
    assert.equal(sys.scaleSetPriority, undefined);
    // No separate AgentPool for it.
    assert.ok(!dev.all(T.pool).some((p) => p.inputs.agentPoolName === "system"));
  });

  it("creates every other pool as an AgentPool with autoscaling, count ignored after create (#2943)", () => {
    const pools = dev.all(T.pool);
    assert.deepEqual(pools.map((p) => p.inputs.agentPoolName).sort(), ["cpuspot", "gpu", "gpuspot"]);
    const cluster = dev.one(T.cluster);
    for (const p of pools) {
      assert.deepEqual(p.ignoreChanges, ["count"], p.name);
      assert.equal(p.inputs.enableAutoScaling, true, p.name);
      assert.equal(p.inputs.minCount, 0, p.name);
      assert.equal(p.inputs.count, 0, `${p.name}: starts at min`);
      assert.equal(p.inputs.mode, "User", p.name);
      assert.equal(p.inputs.resourceName, "c1", p.name);
      assert.ok(p.dependencies.includes(cluster.urn), `${p.name} depends on the cluster`);
    }
    assert.equal(dev.one(T.pool, "c1-gpuspot").inputs.maxCount, 10);
    assert.equal(dev.one(T.pool, "c1-gpu").inputs.vmSize, "Standard_NC64as_T4_v3");
  });

  it("spot pools: Spot priority, Delete eviction, max price -1, and not the spot taint AKS adds itself", () => {
    for (const name of ["c1-gpuspot", "c1-cpuspot"]) {
      const p = dev.one(T.pool, name).inputs as Obj;
      assert.equal(p.scaleSetPriority, "Spot", name);
      assert.equal(p.scaleSetEvictionPolicy, "Delete", name);
      assert.equal(p.spotMaxPrice, -1, name);
      assert.ok(!(p.nodeTaints as string[]).some((t) => t.startsWith(AKS_SPOT_TAINT.key)), `${name}: ${p.nodeTaints}`);
      assert.equal(p.nodeLabels["worker-platform/capacity"], "spot");
    }
    const onDemand = dev.one(T.pool, "c1-gpu").inputs as Obj;
    assert.equal(onDemand.scaleSetPriority, undefined);
    assert.equal(onDemand.nodeLabels["worker-platform/capacity"], "on-demand");
  });

  it("GPU pools: driver install, GPU taint, platform and extra labels and taints", () => {
    const gpuspot = dev.one(T.pool, "c1-gpuspot").inputs as Obj;
    assert.deepEqual(gpuspot.gpuProfile, { driver: "Install" });
    assert.deepEqual(gpuspot.nodeTaints, ["nvidia.com/gpu=present:NoSchedule"]);
    assert.deepEqual(gpuspot.nodeLabels, {
      team: "ml",
      "worker-platform/pool": "gpuspot",
      "worker-platform/role": "workload",
      "worker-platform/gpu": "true",
      "worker-platform/gpu-count": "1",
      "worker-platform/gpu-devices": "1",
      "worker-platform/gpu-vendor": "nvidia",
      "worker-platform/capacity": "spot",
    });
    const gpu = dev.one(T.pool, "c1-gpu").inputs as Obj;
    assert.deepEqual(gpu.nodeTaints, ["nvidia.com/gpu=present:NoSchedule", "dedicated=ml:NoSchedule"]);
    assert.equal(gpu.nodeLabels["worker-platform/gpu-count"], "4");
    const cpu = dev.one(T.pool, "c1-cpuspot").inputs as Obj;
    assert.equal(cpu.gpuProfile, undefined);
    assert.deepEqual(cpu.nodeTaints, []);
  });

  it("the handle reports the taints and labels AKS adds, and GPU capacity = max × GPUs per node", () => {
    const byName = Object.fromEntries(dev.handle.pools.map((p) => [p.name, p]));
    assert.deepEqual(Object.keys(byName), ["system", "gpuspot", "gpu", "cpuspot"]);
    assert.deepEqual(byName.system.taints, [SYSTEM_TAINT]);
    assert.deepEqual(byName.gpuspot.taints, [GPU_TAINT, AKS_SPOT_TAINT]);
    assert.deepEqual(byName.cpuspot.taints, [AKS_SPOT_TAINT]);
    // Selectors use only labels in the pool's spec (nodeLabels), which the autoscaler's template node for an empty pool
    // carries; AKS's own accelerator/scalesetpriority labels may be missing there, so nothing selects on them.
    for (const p of dev.all(T.pool)) {
      const name = String(p.name).replace(/^c1-/, "");
      assert.deepEqual(byName[name].selector, p.inputs.nodeLabels, name);
    }
    assert.equal(byName.gpuspot.selector["worker-platform/capacity"], "spot");
    assert.equal(byName.gpuspot.selector["worker-platform/gpu"], "true");
    assert.equal(byName.gpuspot.selector.team, "ml");
    assert.ok(!Object.keys(byName.gpuspot.selector).some((k) => k.startsWith("kubernetes.azure.com/")));
    assert.equal(byName.gpu.gpuCapacity, 8);
    assert.equal(byName.gpuspot.gpuCapacity, 10);
    assert.equal(byName.cpuspot.gpuCapacity, 0);
    assert.deepEqual(byName.gpu.gpu, { count: 4, type: "nvidia-tesla-t4", vendor: "nvidia" });
  });

  it("has metrics-server and no autoscaler chart (AKS runs its own autoscaler), and installs no chart itself", () => {
    assert.equal(dev.handle.cloud, "azure");
    assert.equal(dev.handle.hasMetricsServer, true);
    assert.equal(dev.handle.autoscalerChart, undefined);
    assert.ok(!dev.resources.some((r) => r.type.startsWith("kubernetes:helm.sh/")));
    assert.equal(dev.handle.autoscaler.maxGracefulTerminationSec, 900);
  });

  it("the Kubernetes provider is named after the cluster, depends on it, and gets the user kubeconfig as a secret", () => {
    const provider = dev.one(T.provider);
    assert.equal(provider.name, "c1");
    assert.ok(provider.dependencies.includes(dev.one(T.cluster).urn));
    assert.equal(provider.inputs.kubeconfig, "[secret]");
    assert.match(String(provider.plainInputs.kubeconfig), /apiVersion: v1/);
    // Server-side apply stays on (the provider serializes its settings as strings).
    assert.ok(
      ["true", true].includes(provider.inputs.enableServerSideApply as string),
      String(provider.inputs.enableServerSideApply),
    );
    assert.equal(dev.kubeconfigSecret, true);
  });

  it("grants the identity running Pulumi the AKS RBAC Cluster Admin role on the cluster, before the provider is used", () => {
    const ra = dev.one(T.roleAssignment);
    const inputs = ra.inputs as Obj;
    assert.equal(inputs.principalId, "00000000-0000-4000-8000-000000000003"); // getClientConfig's objectId (tools/mocks.ts)
    assert.equal(
      inputs.roleDefinitionId,
      `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${AKS_RBAC_CLUSTER_ADMIN_ROLE}`,
    );
    assert.match(String(inputs.scope), /\/providers\/Microsoft\.ContainerService\/managedClusters\/c1$/);
    // The provider waits for a 5-minute Sleep started by the assignment: role assignments take up to 5 minutes to
    // reach AKS's authorizer, and the provider does not retry a 403.
    const sleep = dev.one("time:index/sleep:Sleep");
    assert.equal(sleep.inputs.createDuration, AKS_RBAC_PROPAGATION);
    assert.equal(AKS_RBAC_PROPAGATION, "5m");
    assert.deepEqual(sleep.inputs.triggers, { roleAssignment: `${ra.name}-id` });
    assert.ok(sleep.dependencies.includes(ra.urn), "the wait starts when the assignment exists");
    assert.ok(dev.one(T.provider).dependencies.includes(sleep.urn), "the provider must wait out the propagation");
  });

  it("creates the AgentPools one after the other (AKS refuses concurrent agent pool operations)", () => {
    const pools = dev.all(T.pool);
    assert.ok(pools.length >= 3, "the test stack needs three AgentPools");
    const urns = new Set(pools.map((p) => p.urn));
    const after = pools.map((p) => p.dependencies.filter((d) => urns.has(d)));
    // A chain: one first pool, every other pool waits for exactly one, and no two wait for the same one.
    assert.equal(after.filter((a) => a.length === 0).length, 1, JSON.stringify(after));
    assert.ok(
      after.every((a) => a.length <= 1),
      JSON.stringify(after),
    );
    const waitedFor = after.flat();
    assert.equal(new Set(waitedFor).size, pools.length - 1, JSON.stringify(after));
  });

  it("switches the kubeconfig's kubelogin to a non-interactive login (azurecli by default), without the interactive client id", () => {
    const args = execArgs(String(dev.one(T.provider).plainInputs.kubeconfig));
    assert.deepEqual(args.slice(-2), ["--login", "azurecli"]);
    assert.equal(args.filter((a) => a === "--login").length, 1);
    assert.ok(!args.includes("--client-id") && !args.includes("devicecode"), args.join(" "));
    for (const kept of [
      "get-token",
      "--server-id",
      "6dae42f8-4368-4678-94ff-3960e28e3630",
      "--tenant-id",
      "--environment",
    ])
      assert.ok(args.includes(kept), kept);
  });

  it("waits for the cluster and every AgentPool (ready)", async () => {
    const urns = await Promise.all(dev.handle.ready.map((r) => new Promise<string>((res) => r.urn.apply(res))));
    const expected = [dev.one(T.cluster), ...dev.all(T.pool)].map((r) => r.urn).sort();
    assert.deepEqual(urns.sort(), expected);
  });

  it("writes the priority-expander ConfigMap: spot before on-demand, expanderPriority overrides, pool-exact regexes", () => {
    const cm = dev.one(T.configMap);
    assert.ok(cm.provider?.startsWith(`${dev.one(T.provider).urn}::`), "uses the cluster's provider");
    const md = cm.inputs.metadata as Obj;
    assert.deepEqual([md.name, md.namespace], ["cluster-autoscaler-priority-expander", "kube-system"]);
    const text = String((cm.inputs.data as Obj).priorities);
    assert.equal(
      text,
      [
        "50:",
        '  - ".*aks-cpuspot-.*"',
        "20:",
        '  - ".*aks-gpuspot-.*"',
        "10:",
        '  - ".*aks-system-.*"',
        '  - ".*aks-gpu-.*"',
        "",
      ].join("\n"),
    );
    // The regex of "gpu" must not select the VMSS of "gpuspot".
    assert.ok(!new RegExp(".*aks-gpu-.*").test("aks-gpuspot-12345678-vmss"));
    assert.ok(new RegExp(".*aks-gpuspot-.*").test("aks-gpuspot-12345678-vmss"));
  });

  it("parents every resource to the AksCluster component", () => {
    const component = dev.one(T.component);
    for (const r of dev.resources.filter((r) => r !== component && r.type !== "pulumi:pulumi:Stack"))
      assert.equal(r.parent, component.urn, r.name);
  });

  it("does not protect outside production", () => {
    for (const r of [dev.one(T.cluster), dev.one(T.rg), ...dev.all(T.pool)]) assert.equal(r.protect, false, r.name);
  });

  describe("variants", () => {
    it("protects the resource group, cluster and pools in production, unless cluster.protect is false", async () => {
      const prod = await run(aksStack({ production: true }));
      for (const r of [prod.one(T.cluster), prod.one(T.rg), ...prod.all(T.pool)]) assert.equal(r.protect, true, r.name);
      const off = await run(aksStack({ production: true, cluster: { protect: false } }));
      for (const r of [off.one(T.cluster), ...off.all(T.pool)]) assert.equal(r.protect, false, r.name);
    });

    it("uses a given resource group without creating one; private cluster; calico without the cilium dataplane", async () => {
      const r = await run(
        aksStack({
          azure: {
            resourceGroupName: "shared-rg",
            privateCluster: true,
            networkPolicy: "calico",
            apiServerAuthorizedIpRanges: [],
          },
        }),
      );
      assert.equal(r.all(T.rg).length, 0);
      const c = r.one(T.cluster).inputs as Obj;
      assert.equal(c.resourceGroupName, "shared-rg");
      assert.deepEqual(c.apiServerAccessProfile, { enablePrivateCluster: true });
      assert.equal(c.networkProfile.networkPolicy, "calico");
      assert.equal(c.networkProfile.networkDataplane, undefined);
      for (const p of r.all(T.pool)) assert.equal(p.inputs.resourceGroupName, "shared-rg");
    });

    it("grants no cluster role when grantDeployerClusterAdmin is false; the provider then waits for the cluster only", async () => {
      const r = await run(aksStack({ azure: { grantDeployerClusterAdmin: false } }));
      assert.equal(r.all(T.roleAssignment).length, 0);
      const deps = r.one(T.provider).dependencies;
      assert.ok(deps.includes(r.one(T.cluster).urn));
      assert.ok(!deps.some((d) => d.includes("RoleAssignment")), deps.join(", "));
      assert.equal(r.all("time:index/sleep:Sleep").length, 0, "no propagation wait without an assignment");
    });

    it("writes durations the way AKS takes them: scale-down and provisioning times in minutes, the scan interval in seconds", async () => {
      const autoscaler = {
        scaleDownUnneededTime: "1h",
        scaleDownDelayAfterAdd: "120s",
        maxNodeProvisionTime: "20m",
        scanInterval: "1m",
      };
      const p = (await run(aksStack({ cluster: { autoscaler } }))).one(T.cluster).inputs.autoScalerProfile as Obj;
      assert.deepEqual(
        [p.scaleDownUnneededTime, p.scaleDownDelayAfterAdd, p.maxNodeProvisionTime, p.scanInterval],
        ["60m", "2m", "20m", "60s"],
      );
    });

    it("devicecode login keeps the interactive client id", async () => {
      const r = await run(aksStack({ azure: { kubeloginMode: "devicecode" } }));
      const args = execArgs(String(r.one(T.provider).plainInputs.kubeconfig));
      assert.deepEqual(args.slice(-2), ["--login", "devicecode"]);
      assert.ok(args.includes("--client-id"));
    });

    it("writes no priority ConfigMap with another expander", async () => {
      const r = await run(aksStack({ azure: { expander: "least-waste" } }));
      assert.equal(r.all(T.configMap).length, 0);
      assert.equal((r.one(T.cluster).inputs as Obj).autoScalerProfile.expander, "least-waste");
    });
  });
});

describe("AksCluster: automatic upgrades, drains and the deployer's login", () => {
  let dev: Run;
  before(async () => {
    dev = await run(aksStack());
  });
  const MC = "azure-native:containerservice:MaintenanceConfiguration";

  it("by default updates node images automatically, only in a weekly window (Sunday 00:00 UTC, 8 hours); Kubernetes only from config", () => {
    assert.deepEqual((dev.one(T.cluster).inputs as Obj).autoUpgradeProfile, {
      upgradeChannel: "none",
      nodeOSUpgradeChannel: "NodeImage",
    });
    assert.deepEqual(
      dev.all(MC).map((w) => w.inputs.configName),
      ["aksManagedNodeOSUpgradeSchedule"],
    );
  });

  it("channel patch: Kubernetes patches too, in the same window", async () => {
    const patch = await run(aksStack({ azure: { upgrades: { channel: "patch" } } }));
    assert.equal((patch.one(T.cluster).inputs as Obj).autoUpgradeProfile.upgradeChannel, "patch");
    const windows = patch.all(MC);
    assert.deepEqual(windows.map((w) => w.inputs.configName).sort(), [
      "aksManagedAutoUpgradeSchedule",
      "aksManagedNodeOSUpgradeSchedule",
    ]);
    for (const w of windows) {
      assert.equal(w.inputs.resourceName, "c1", w.name);
      assert.equal(w.inputs.resourceGroupName, "c1-rg", w.name);
      assert.deepEqual(
        w.inputs.maintenanceWindow,
        {
          schedule: { weekly: { dayOfWeek: "Sunday", intervalWeeks: 1 } },
          durationHours: 8,
          startTime: "00:00",
          utcOffset: "+00:00",
        },
        w.name,
      );
    }
  });

  it("creates the maintenance configurations after the agent pools, one after the other", async () => {
    const patch = await run(aksStack({ azure: { upgrades: { channel: "patch" } } }));
    const pools = patch.all(T.pool);
    const windows = patch.all(MC);
    assert.equal(windows.length, 2);
    const poolUrns = new Set(pools.map((p) => p.urn));
    const lastPool = pools.find((p) => !pools.some((q) => q.dependencies.includes(p.urn)))!;
    const first = windows.find((w) => w.dependencies.some((d) => poolUrns.has(d)))!;
    assert.ok(first?.dependencies.includes(lastPool.urn), "the first configuration waits for the last pool");
    const second = windows.find((w) => w !== first)!;
    assert.ok(second.dependencies.includes(first.urn), "the second waits for the first");
  });

  it("drains each non-spot pool with a timeout covering every worker's grace; spot pools get no upgrade settings", () => {
    // maxGracefulTerminationSec 900 → 15 minutes + 5 = 20, below AKS's default of 30.
    const expected = { drainTimeoutInMinutes: 30, nodeSoakDurationInMinutes: 0 };
    const inline = (dev.one(T.cluster).inputs.agentPoolProfiles as Obj[])[0];
    assert.deepEqual(inline.upgradeSettings, expected, "system pool");
    assert.deepEqual(dev.one(T.pool, "c1-gpu").inputs.upgradeSettings, expected);
    for (const spot of ["c1-gpuspot", "c1-cpuspot"])
      assert.equal(dev.one(T.pool, spot).inputs.upgradeSettings, undefined);
  });

  it("derives the drain timeout from the autoscaler's grace cap; takes a configured timeout, surge and soak", async () => {
    const long = await run(aksStack({ cluster: { autoscaler: { maxGracefulTerminationSec: 3600 } } }));
    assert.deepEqual(long.one(T.pool, "c1-gpu").inputs.upgradeSettings, {
      drainTimeoutInMinutes: 65,
      nodeSoakDurationInMinutes: 0,
    });
    const set = await run(
      aksStack({ azure: { upgrades: { drainTimeoutMinutes: 120, maxSurge: "33%", nodeSoakMinutes: 5 } } }),
    );
    assert.deepEqual(set.one(T.pool, "c1-gpu").inputs.upgradeSettings, {
      drainTimeoutInMinutes: 120,
      nodeSoakDurationInMinutes: 5,
      maxSurge: "33%",
    });
    assert.equal(set.one(T.pool, "c1-cpuspot").inputs.upgradeSettings, undefined, "never maxSurge on a spot pool");
  });

  it("schedules only the channels in use: none and Unmanaged need no window, SecurityPatch does", async () => {
    const off = await run(aksStack({ azure: { upgrades: { channel: "none", nodeOSChannel: "Unmanaged" } } }));
    assert.deepEqual((off.one(T.cluster).inputs as Obj).autoUpgradeProfile, {
      upgradeChannel: "none",
      nodeOSUpgradeChannel: "Unmanaged",
    });
    assert.equal(off.all(MC).length, 0);
    const patch = await run(
      aksStack({
        azure: {
          upgrades: {
            channel: "none",
            nodeOSChannel: "SecurityPatch",
            window: {
              dayOfWeek: "Saturday",
              startTime: "22:30",
              utcOffset: "-05:00",
              durationHours: 6,
              intervalWeeks: 2,
            },
          },
        },
      }),
    );
    const w = patch.one(MC);
    assert.equal(w.inputs.configName, "aksManagedNodeOSUpgradeSchedule");
    assert.deepEqual(w.inputs.maintenanceWindow, {
      schedule: { weekly: { dayOfWeek: "Saturday", intervalWeeks: 2 } },
      durationHours: 6,
      startTime: "22:30",
      utcOffset: "-05:00",
    });
  });

  it("deployer.kubeloginMode: the provider logs in that way, the exported kubeconfig keeps azure.kubeloginMode", async () => {
    // Without it both use the cluster's mode.
    assert.deepEqual(execArgs(dev.kubeconfig).slice(-2), ["--login", "azurecli"]);
    assert.equal(String(dev.one(T.provider).plainInputs.kubeconfig), dev.kubeconfig);
    const ci = await run(aksStack({ deployer: { kubeloginMode: "workloadidentity" } }));
    const provider = execArgs(String(ci.one(T.provider).plainInputs.kubeconfig));
    assert.deepEqual(provider.slice(-2), ["--login", "workloadidentity"]);
    assert.ok(!provider.includes("--client-id"), "the client comes from AZURE_CLIENT_ID");
    assert.deepEqual(execArgs(ci.kubeconfig).slice(-2), ["--login", "azurecli"]);
    // Same cluster and server: pulumi-kubernetes updates the provider in place instead of replacing what it deployed.
    const server = (k: string) => (parse(k) as Obj).clusters[0].cluster.server;
    assert.equal(server(String(ci.one(T.provider).plainInputs.kubeconfig)), server(ci.kubeconfig));
  });
});

/** The args of the kubeconfig's (only) exec user. */
function execArgs(kubeconfig: string): string[] {
  const doc = parse(kubeconfig) as Obj;
  assert.equal(doc.users.length, 1);
  return doc.users[0].user.exec.args;
}

describe("withKubeloginMode", () => {
  const kubeconfig = (args: string[], command = "kubelogin") =>
    `apiVersion: v1\nkind: Config\nusers:\n  - name: u\n    user:\n      exec:\n        command: ${command}\n        args: [${args.join(", ")}]\n`;
  it("replaces -l/--login and keeps other flags with their values", () => {
    const out = execArgs(
      withKubeloginMode(
        kubeconfig(["get-token", "-l", "devicecode", "--server-id", "s", "--client-id", "c"]),
        "workloadidentity",
      ),
    );
    assert.deepEqual(out, ["get-token", "--server-id", "s", "--login", "workloadidentity"]);
  });
  it("adds --login when absent and leaves other exec plugins alone", () => {
    assert.deepEqual(execArgs(withKubeloginMode(kubeconfig(["get-token", "--server-id", "s"]), "msi")), [
      "get-token",
      "--server-id",
      "s",
      "--login",
      "msi",
    ]);
    assert.deepEqual(execArgs(withKubeloginMode(kubeconfig(["eks", "get-token"], "aws"), "msi")), ["eks", "get-token"]);
  });
});
