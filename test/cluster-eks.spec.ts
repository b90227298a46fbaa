import * as assert from "node:assert/strict";
import { createCluster } from "../components/cluster/index.ts";
import { subnetCidr } from "../components/cluster/eks-network.ts";
import { perZoneSizes } from "../components/cluster/eks.ts";
import { nodeGroupPerZone, queuePools, volumePools } from "../stacks/placement.ts";
import type { ClusterHandle } from "../components/cluster/handle.ts";
import { EKS_SPOT_TAINT, GPU_TAINT, SYSTEM_TAINT } from "../components/cluster/labels.ts";
import { loadConfig } from "../stacks/load.ts";
import type { RecordedResource } from "../tools/harness.ts";
import { runUnderMocks } from "../tools/harness.ts";
import { sourceOf } from "./helpers/config.ts";

const T = {
  cluster: "aws:eks/cluster:Cluster",
  nodeGroup: "aws:eks/nodeGroup:NodeGroup",
  asgTag: "aws:autoscaling/tag:Tag",
  addon: "aws:eks/addon:Addon",
  key: "aws:kms/key:Key",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  oidc: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
  subnet: "aws:ec2/subnet:Subnet",
  nat: "aws:ec2/natGateway:NatGateway",
  provider: "pulumi:providers:kubernetes",
  component: "worker-platform:cluster:EksCluster",
};

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function eksStack(over: { production?: boolean; cluster?: Obj; aws?: Obj; addons?: Obj } = {}) {
  return {
    platform: { environment: "test", production: over.production ?? false },
    ...(over.addons ? { addons: over.addons } : {}),
    clusters: [
      {
        name: "c2",
        cloud: "aws",
        region: "eu-west-1",
        kubernetesVersion: "1.34",
        aws: {
          endpointPublicAccess: false,
          adminPrincipalArns: ["arn:aws:iam::123456789012:role/admins"],
          ...over.aws,
        },
        autoscaler: { maxGracefulTerminationSec: 900 },
        pools: [
          { name: "system", role: "system", machineTypes: ["m6i.xlarge"], min: 2, max: 4 },
          {
            name: "gpuspot",
            machineTypes: ["g5.xlarge"],
            gpu: { count: 1, type: "nvidia-a10g" },
            spot: true,
            min: 0,
            max: 10,
            labels: { team: "ml" },
          },
          { name: "gpu", machineTypes: ["g5.12xlarge"], gpu: { count: 4, type: "nvidia-a10g" }, min: 0, max: 2 },
          { name: "cpu", machineTypes: ["m6i.2xlarge", "m6a.2xlarge", "m7i.2xlarge"], min: 1, max: 10, diskSizeGb: 64 },
        ],
        ...over.cluster,
      },
    ],
  };
}

interface Run {
  resources: RecordedResource[];
  handle: ClusterHandle;
  kubeconfig: string;
  kubeconfigSecret: boolean;
  roleArn?: string;
  one(type: string, name?: string): RecordedResource;
  all(type: string): RecordedResource[];
}

async function run(values: Obj): Promise<Run> {
  const { config } = loadConfig(sourceOf(values));
  let handle!: ClusterHandle;
  let kubeconfig = "";
  let kubeconfigSecret = false;
  let roleArn: string | undefined;
  const { resources } = await runUnderMocks(async () => {
    handle = createCluster(config.clusters[0], config, {});
    kubeconfigSecret = await (handle.kubeconfig as unknown as { isSecret: Promise<boolean> }).isSecret;
    handle.kubeconfig.apply((k) => (kubeconfig = k));
    if (handle.autoscalerChart)
      (handle.autoscalerChart.roleArn as unknown as { apply(f: (s: string) => void): void }).apply(
        (a) => (roleArn = a),
      );
    return {};
  });
  const all = (type: string) => resources.filter((r) => r.type === type);
  const one = (type: string, name?: string) => {
    const found = all(type).filter((r) => name === undefined || r.name === name);
    assert.equal(found.length, 1, `expected one ${type} ${name ?? ""}, got ${found.map((r) => r.name).join(", ")}`);
    return found[0];
  };
  return { resources, handle, kubeconfig, kubeconfigSecret, roleArn, one, all };
}

/** The node-template tags of one node group's ASG (by node group name, e.g. gpuspot or cpu-0): key → {value, propagateAtLaunch, asg}. */
function asgTags(r: Run, group: string) {
  const out: Record<string, { value: string; propagateAtLaunch: boolean; asg: string }> = {};
  const asg = `eks-c2-${group}-asg`; // tools/mocks.ts names a node group's ASG eks-<resource name>-asg
  for (const t of r.all(T.asgTag).filter((t) => t.inputs.autoscalingGroupName === asg)) {
    const tag = t.inputs.tag as Obj;
    out[tag.key] = {
      value: tag.value,
      propagateAtLaunch: tag.propagateAtLaunch,
      asg: String(t.inputs.autoscalingGroupName),
    };
  }
  return out;
}

describe("EksCluster", () => {
  let dev: Run;
  before(async () => {
    dev = await run(eksStack());
  });

  it("creates the EKS cluster named after the config: KMS-encrypted Secrets with rotation, logs, private endpoint, API auth", () => {
    const c = dev.one(T.cluster, "c2");
    assert.equal(c.inputs.name, "c2");
    assert.equal(c.inputs.version, "1.34");
    const key = dev.one(T.key);
    assert.equal(key.inputs.enableKeyRotation, true);
    assert.deepEqual((c.inputs.encryptionConfig as Obj).resources, ["secrets"]);
    assert.ok(c.dependencies.includes(key.urn), "the cluster depends on its KMS key");
    assert.deepEqual(c.inputs.enabledClusterLogTypes, ["api", "audit", "authenticator"]);
    const vpc = c.inputs.vpcConfig as Obj;
    assert.equal(vpc.endpointPublicAccess, false);
    assert.equal(vpc.endpointPrivateAccess, true);
    assert.equal(vpc.publicAccessCidrs, undefined);
    assert.equal((c.inputs.accessConfig as Obj).authenticationMode, "API");
  });

  it("grants cluster admin to adminPrincipalArns through access entries", () => {
    const entry = dev.one("aws:eks/accessEntry:AccessEntry");
    assert.equal(entry.inputs.principalArn, "arn:aws:iam::123456789012:role/admins");
    const assoc = dev.one("aws:eks/accessPolicyAssociation:AccessPolicyAssociation");
    assert.match(String(assoc.inputs.policyArn), /:eks::aws:cluster-access-policy\/AmazonEKSClusterAdminPolicy$/);
    assert.deepEqual(assoc.inputs.accessScope, { type: "cluster" });
    assert.ok(assoc.dependencies.includes(entry.urn));
  });

  it("builds a VPC over 3 zones with tagged public/private subnets and one NAT gateway", () => {
    const subnets = dev.all(T.subnet);
    const pub = subnets.filter((s) => (s.inputs.tags as Obj)["kubernetes.io/role/elb"] === "1");
    const priv = subnets.filter((s) => (s.inputs.tags as Obj)["kubernetes.io/role/internal-elb"] === "1");
    assert.equal(pub.length, 3);
    assert.equal(priv.length, 3);
    for (const s of subnets) assert.equal((s.inputs.tags as Obj)["kubernetes.io/cluster/c2"], "shared", s.name);
    assert.deepEqual(priv.map((s) => s.inputs.cidrBlock).sort(), ["10.0.0.0/18", "10.0.128.0/18", "10.0.64.0/18"]);
    assert.deepEqual(pub.map((s) => s.inputs.availabilityZone).sort(), ["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
    assert.equal(dev.all(T.nat).length, 1);
    // Every node group is in private subnets only (all of them, or one per zone).
    const privateIds = priv.map((s) => `${s.name}-id`);
    for (const ng of dev.all(T.nodeGroup)) {
      const ids = ng.inputs.subnetIds as string[];
      assert.ok(ids.length > 0 && ids.every((id) => privateIds.includes(id)), ng.name);
    }
  });

  it("natGateways perZone: a NAT and a private route table per zone, each zone's private subnet routed through its own NAT", async () => {
    const r = await run(eksStack({ aws: { natGateways: "perZone" } }));
    const nats = r.all(T.nat);
    assert.equal(nats.length, 3);
    const subnetZone = new Map(r.all(T.subnet).map((s) => [`${s.name}-id`, s.inputs.availabilityZone]));
    const natOf = new Map(nats.map((n) => [`${n.name}-id`, n]));
    const routeTo = new Map(r.all("aws:ec2/route:Route").map((rt) => [rt.inputs.routeTableId, rt.inputs]));
    const privateAssocs = r
      .all("aws:ec2/routeTableAssociation:RouteTableAssociation")
      .filter((a) => a.name.startsWith("c2-private-"));
    assert.equal(privateAssocs.length, 3);
    for (const a of privateAssocs) {
      const route = routeTo.get(a.inputs.routeTableId) as Obj;
      assert.equal(route.destinationCidrBlock, "0.0.0.0/0", a.name);
      const nat = natOf.get(route.natGatewayId);
      assert.ok(nat, `${a.name}: routes through ${route.natGatewayId}, not a NAT gateway`);
      assert.equal(
        subnetZone.get(nat.inputs.subnetId as string),
        subnetZone.get(a.inputs.subnetId as string),
        `${a.name}: NAT in another zone`,
      );
    }
    assert.equal(new Set(privateAssocs.map((a) => a.inputs.routeTableId)).size, 3, "one route table per zone");
  });

  it("natGateways single (the default): every private subnet routes through the one NAT", () => {
    const privateAssocs = dev
      .all("aws:ec2/routeTableAssociation:RouteTableAssociation")
      .filter((a) => a.name.startsWith("c2-private-"));
    assert.equal(privateAssocs.length, 3);
    assert.equal(new Set(privateAssocs.map((a) => a.inputs.routeTableId)).size, 1);
  });

  it("one managed node group per pool (per zone for the pools that host volumes): capacity type, instance types, AMI, labels, taints, sizes", () => {
    const gpuspot = dev.one(T.nodeGroup, "c2-gpuspot").inputs as Obj;
    assert.equal(gpuspot.nodeGroupName, "gpuspot");
    assert.equal(gpuspot.capacityType, "SPOT");
    assert.deepEqual(gpuspot.instanceTypes, ["g5.xlarge"]);
    // Every type of a pool goes to its node group (spot diversity).
    assert.deepEqual((dev.one(T.nodeGroup, "c2-cpu-1").inputs as Obj).instanceTypes, [
      "m6i.2xlarge",
      "m6a.2xlarge",
      "m7i.2xlarge",
    ]);
    assert.equal(gpuspot.amiType, "AL2023_x86_64_NVIDIA");
    assert.deepEqual(gpuspot.labels, {
      team: "ml",
      "worker-platform/pool": "gpuspot",
      "worker-platform/role": "workload",
      "worker-platform/gpu": "true",
      "worker-platform/gpu-count": "1",
      "worker-platform/gpu-devices": "1",
      "worker-platform/gpu-vendor": "nvidia",
      "worker-platform/capacity": "spot",
      "k8s.amazonaws.com/accelerator": "nvidia-a10g",
    });
    assert.deepEqual(gpuspot.taints, [
      { key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" },
      { key: "worker-platform/capacity", value: "spot", effect: "NO_SCHEDULE" },
    ]);
    assert.deepEqual(gpuspot.scalingConfig, { minSize: 0, maxSize: 10, desiredSize: 0 });
    assert.deepEqual(gpuspot.tags, {
      "k8s.io/cluster-autoscaler/enabled": "true",
      "k8s.io/cluster-autoscaler/c2": "owned",
      "worker-platform/pool": "gpuspot",
    });

    const cpu = dev.one(T.nodeGroup, "c2-cpu-0").inputs as Obj;
    assert.equal(cpu.capacityType, "ON_DEMAND");
    assert.equal(cpu.amiType, "AL2023_x86_64_STANDARD");
    assert.deepEqual(cpu.taints, []);
    assert.equal(cpu.diskSize, 64);
    assert.equal(cpu.labels["k8s.amazonaws.com/accelerator"], undefined);
    // System pool: CriticalAddonsOnly for parity with AKS.
    for (const z of [0, 1, 2])
      assert.deepEqual(dev.one(T.nodeGroup, `c2-system-${z}`).inputs.taints, [
        { key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" },
      ]);
  });

  it("zonal volumes: the system and on-demand CPU pools get one node group per zone, each in one subnet, min spread and max rounded up per zone", () => {
    const subnets = dev.all(T.subnet).filter((s) => (s.inputs.tags as Obj)["kubernetes.io/role/internal-elb"] === "1");
    const subnetOf = (i: number) => `c2-private-${i}-id`;
    assert.equal(subnets.length, 3);
    assert.deepEqual(
      dev
        .all(T.nodeGroup)
        .map((ng) => ng.inputs.nodeGroupName)
        .sort(),
      ["cpu-0", "cpu-1", "cpu-2", "gpu", "gpuspot", "system-0", "system-1", "system-2"],
    );
    // system: min 2, max 4 → 1+1+0 nodes to start, up to 2 per zone; cpu: min 1, max 10 → 1+0+0, up to 4 per zone.
    const sizes = { system: [1, 1, 0, 2], cpu: [1, 0, 0, 4] } as const;
    for (const [pool, [a, b, c, max]] of Object.entries(sizes)) {
      [a, b, c].forEach((min, z) => {
        const ng = dev.one(T.nodeGroup, `c2-${pool}-${z}`).inputs as Obj;
        assert.deepEqual(ng.subnetIds, [subnetOf(z)], `${pool}-${z}`);
        assert.deepEqual(ng.scalingConfig, { minSize: min, maxSize: max, desiredSize: min }, `${pool}-${z}`);
        assert.equal(ng.labels["worker-platform/pool"], pool, "the groups of a pool are the same pool to pods");
      });
    }
    // GPU pools host no volume: one group over every zone, which spot capacity and the autoscaler can pick from.
    for (const pool of ["gpu", "gpuspot"])
      assert.deepEqual(dev.one(T.nodeGroup, `c2-${pool}`).inputs.subnetIds, [0, 1, 2].map(subnetOf), pool);
  });

  it("zonal volumes: each per-zone group's ASG carries its zone label for scale from zero; a group over all zones none", () => {
    const zone = "k8s.io/cluster-autoscaler/node-template/label/topology.kubernetes.io/zone";
    ["eu-west-1a", "eu-west-1b", "eu-west-1c"].forEach((az, z) => {
      assert.equal(asgTags(dev, `system-${z}`)[zone]?.value, az, `system-${z}`);
      assert.equal(asgTags(dev, `cpu-${z}`)[zone]?.value, az, `cpu-${z}`);
    });
    assert.equal(asgTags(dev, "gpuspot")[zone], undefined);
    assert.equal(asgTags(dev, "gpu")[zone], undefined);
  });

  it("zonal volumes: the autoscaler balances similar groups and its priority regex covers every group of a pool", async () => {
    const { clusterAutoscaler } = await import("../components/addons/cluster-autoscaler.ts");
    const { addons } = await import("../stacks/schema/index.ts");
    const values = clusterAutoscaler.values(dev.handle, addons.parse({}), { production: false });
    assert.equal((values.extraArgs as Obj)["balance-similar-node-groups"], true);
    const chart = dev.handle.autoscalerChart!;
    const regexOf = (pool: string) =>
      Object.values(chart.expanderPriorities)
        .flat()
        .map((re) => new RegExp(re))
        .filter((re) => re.source.includes(`eks-${pool}-`));
    // EKS names a node group's ASG eks-<node group name>-<uuid>.
    for (const z of [0, 1, 2]) {
      assert.ok(regexOf("cpu")[0].test(`eks-cpu-${z}-8ec9c1a2-0f6e-4a61-9a4b-1c2d3e4f5a6b`), `cpu-${z}`);
      assert.ok(!regexOf("cpu")[0].test(`eks-cpuspot-${z}-8ec9c1a2`), "another pool's groups do not match");
    }
  });

  it("node group updates: one node at a time by default, never forced past a PodDisruptionBudget; maxUnavailable configurable", async () => {
    for (const ng of dev.all(T.nodeGroup)) {
      assert.deepEqual(ng.inputs.updateConfig, { maxUnavailable: 1 }, ng.name);
      assert.equal(ng.inputs.forceUpdateVersion, false, ng.name);
    }
    const two = await run(eksStack({ aws: { nodeUpdates: { maxUnavailable: 2 } } }));
    for (const ng of two.all(T.nodeGroup)) assert.deepEqual(ng.inputs.updateConfig, { maxUnavailable: 2 }, ng.name);
  });

  it("maxUnavailable is capped at each node group's maxSize (EKS rejects more), e.g. a per-zone group's smaller max", async () => {
    const many = await run(eksStack({ aws: { nodeUpdates: { maxUnavailable: 50 } } }));
    const groups = many.all(T.nodeGroup);
    assert.ok(groups.length > 1);
    for (const ng of groups) {
      const max = (ng.inputs.scalingConfig as { maxSize: number }).maxSize;
      assert.ok(max < 50, `${ng.name}: a fixture group below the configured value`);
      assert.deepEqual(ng.inputs.updateConfig, { maxUnavailable: max }, ng.name);
    }
  });

  it("nodeGroupPerZone overrides the default both ways", async () => {
    const r = await run(
      eksStack({
        cluster: {
          pools: [
            { name: "system", role: "system", machineTypes: ["m6i.xlarge"], min: 2, max: 4 },
            {
              name: "gpuspot",
              machineTypes: ["g5.xlarge"],
              gpu: { count: 1, type: "nvidia-a10g" },
              spot: true,
              min: 0,
              max: 10,
              nodeGroupPerZone: true,
            },
            { name: "cpu", machineTypes: ["m6i.2xlarge"], min: 1, max: 10, nodeGroupPerZone: false },
          ],
        },
      }),
    );
    const names = r
      .all(T.nodeGroup)
      .map((ng) => String(ng.inputs.nodeGroupName))
      .sort();
    assert.deepEqual(names, ["cpu", "gpuspot-0", "gpuspot-1", "gpuspot-2", "system-0", "system-1", "system-2"]);
    // max 10 over 3 zones: up to 4 per zone.
    assert.equal((r.one(T.nodeGroup, "c2-gpuspot-2").inputs.scalingConfig as Obj).maxSize, 4);
  });

  it("without an on-demand CPU pool the queues go to the system pool: only it is split per zone", async () => {
    const r = await run(
      eksStack({
        cluster: {
          pools: [
            { name: "system", role: "system", machineTypes: ["m6i.xlarge"], min: 2, max: 4 },
            { name: "cpuspot", machineTypes: ["m6i.2xlarge"], spot: true, min: 0, max: 10 },
          ],
        },
      }),
    );
    assert.deepEqual(
      r
        .all(T.nodeGroup)
        .map((ng) => String(ng.inputs.nodeGroupName))
        .sort(),
      ["cpuspot", "system-0", "system-1", "system-2"],
    );
  });

  it("ignores desiredSize after creation and puts node groups after the networking add-ons, CoreDNS after the node groups", () => {
    const groups = dev.all(T.nodeGroup);
    assert.equal(groups.length, 8);
    const cni = dev.one(T.addon, "c2-vpc-cni");
    const coredns = dev.one(T.addon, "c2-coredns");
    for (const ng of groups) {
      assert.deepEqual(ng.ignoreChanges, ["scalingConfig.desiredSize"], ng.name);
      assert.ok(ng.dependencies.includes(cni.urn), ng.name);
      assert.ok(coredns.dependencies.includes(ng.urn), `coredns after ${ng.name}`);
    }
    assert.deepEqual(
      dev
        .all(T.addon)
        .map((a) => a.inputs.addonName)
        .sort(),
      ["aws-ebs-csi-driver", "coredns", "kube-proxy", "vpc-cni"],
    );
  });

  it("turns on the VPC CNI's network policy agent, so the workloads' NetworkPolicies are enforced", () => {
    const cni = dev.one(T.addon, "c2-vpc-cni");
    assert.deepEqual(JSON.parse(String(cni.inputs.configurationValues)), { enableNetworkPolicy: "true" });
  });

  it("adds EBS block storage: the CSI driver add-on with an IRSA role, after the nodes, and a default encrypted gp3 StorageClass", () => {
    const ebs = dev.one(T.addon, "c2-aws-ebs-csi-driver");
    const role = dev.resources.find((r) => r.type === "aws:iam/role:Role" && r.name === "c2-ebs-csi")!;
    assert.ok(role, "no EBS CSI role");
    const trust = JSON.parse(String(role.plainInputs.assumeRolePolicy));
    assert.deepEqual(Object.values(trust.Statement[0].Condition.StringEquals).sort(), [
      "sts.amazonaws.com",
      "system:serviceaccount:kube-system:ebs-csi-controller-sa",
    ]);
    const attachment = dev.resources.find(
      (r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && r.name === "c2-ebs-csi",
    )!;
    assert.match(String(attachment.plainInputs.policyArn), /:iam::aws:policy\/service-role\/AmazonEBSCSIDriverPolicy$/);
    assert.equal(dev.all(T.nodeGroup).length, 8);
    for (const ng of dev.all(T.nodeGroup)) assert.ok(ebs.dependencies.includes(ng.urn), `EBS driver after ${ng.name}`);
    const sc = dev.one("kubernetes:storage.k8s.io/v1:StorageClass");
    const inputs = sc.inputs as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(inputs.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
    assert.equal(inputs.provisioner, "ebs.csi.aws.com");
    assert.deepEqual(inputs.parameters, { type: "gp3", encrypted: "true" });
    assert.equal(inputs.volumeBindingMode, "WaitForFirstConsumer");
    assert.ok(sc.dependencies.includes(ebs.urn));
    assert.ok(
      dev.handle.ready.length >= 2 && sc.provider?.includes("pulumi:providers:kubernetes::c2"),
      "the StorageClass uses the cluster's provider",
    );
  });

  it("scale from zero: tags the ASG of the spot GPU group (min 0) with its labels, taints and GPUs, not propagated", () => {
    const tags = asgTags(dev, "gpuspot");
    const tpl = "k8s.io/cluster-autoscaler/node-template";
    assert.deepEqual(Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, v.value])), {
      [`${tpl}/label/team`]: "ml",
      [`${tpl}/label/worker-platform/pool`]: "gpuspot",
      [`${tpl}/label/worker-platform/role`]: "workload",
      [`${tpl}/label/worker-platform/gpu`]: "true",
      [`${tpl}/label/worker-platform/gpu-count`]: "1",
      [`${tpl}/label/worker-platform/gpu-vendor`]: "nvidia",
      [`${tpl}/label/worker-platform/gpu-devices`]: "1",
      [`${tpl}/label/worker-platform/capacity`]: "spot",
      [`${tpl}/label/k8s.amazonaws.com/accelerator`]: "nvidia-a10g",
      [`${tpl}/label/eks.amazonaws.com/capacityType`]: "SPOT",
      [`${tpl}/taint/nvidia.com/gpu`]: "present:NoSchedule",
      [`${tpl}/taint/worker-platform/capacity`]: "spot:NoSchedule",
      [`${tpl}/resources/nvidia.com/gpu`]: "1",
    });
    for (const [k, v] of Object.entries(tags)) assert.equal(v.propagateAtLaunch, false, k);
    assert.equal(asgTags(dev, "gpu")[`${tpl}/resources/nvidia.com/gpu`].value, "4");
    assert.equal(asgTags(dev, "cpu-0")[`${tpl}/resources/nvidia.com/gpu`], undefined);
  });

  it("every selector label of every pool is on the ASG of each of its node groups (what pods select on must be known at zero nodes)", () => {
    let groups = 0;
    for (const ng of dev.all(T.nodeGroup)) {
      const pool = dev.handle.pools.find((p) => p.name === (ng.inputs.labels as Obj)["worker-platform/pool"])!;
      const tags = asgTags(dev, String(ng.inputs.nodeGroupName));
      groups++;
      for (const [k, v] of Object.entries(pool.selector))
        assert.equal(tags[`k8s.io/cluster-autoscaler/node-template/label/${k}`]?.value, v, `${ng.name} ${k}`);
      for (const t of pool.taints)
        assert.equal(
          tags[`k8s.io/cluster-autoscaler/node-template/taint/${t.key}`]?.value,
          `${t.value}:${t.effect}`,
          `${ng.name} ${t.key}`,
        );
    }
    assert.equal(groups, 8);
  });

  it("the handle: pools with EKS labels and taints, no metrics-server, the autoscaler chart spec", () => {
    const byName = Object.fromEntries(dev.handle.pools.map((p) => [p.name, p]));
    assert.deepEqual(byName.gpuspot.taints, [GPU_TAINT, EKS_SPOT_TAINT]);
    assert.deepEqual(byName.system.taints, [SYSTEM_TAINT]);
    assert.equal(byName.gpuspot.selector["eks.amazonaws.com/capacityType"], "SPOT");
    assert.equal(byName.gpu.gpuCapacity, 8);
    assert.equal(dev.handle.cloud, "aws");
    assert.equal(dev.handle.hasMetricsServer, false);
    const chart = dev.handle.autoscalerChart!;
    assert.ok(chart, "EKS needs the autoscaler chart");
    assert.equal(chart.region, "eu-west-1");
    assert.equal(chart.kubernetesVersion, "1.34");
    assert.equal(chart.serviceAccountName, "cluster-autoscaler");
    assert.equal(chart.expander, "priority,least-waste");
    assert.equal(chart.profile.maxGracefulTerminationSec, 900);
    assert.deepEqual(chart.expanderPriorities, {
      20: ["^eks-gpuspot-.*"],
      10: ["^eks-system-.*", "^eks-gpu-.*", "^eks-cpu-.*"],
    });
    assert.ok(!new RegExp(chart.expanderPriorities[10][1]).test("eks-gpuspot-8ec9c1a2-0f6e-4a61-9a4b-1c2d3e4f5a6b"));
    assert.equal(dev.roleArn, "arn:aws:iam::123456789012:role/c2-autoscaler");
  });

  it("the autoscaler's IRSA role trusts only its service account and scales only ASGs tagged owned by this cluster", () => {
    const role = dev.one(T.role, "c2-autoscaler");
    const trust = JSON.parse(String(role.plainInputs.assumeRolePolicy));
    const stmt = trust.Statement[0];
    assert.equal(stmt.Action, "sts:AssumeRoleWithWebIdentity");
    assert.equal(stmt.Principal.Federated, "arn:aws:iam:eu-west-1:123456789012:c2-oidc");
    assert.deepEqual(stmt.Condition.StringEquals, {
      "oidc.eks.eu-west-1.amazonaws.com/id/C2:sub": "system:serviceaccount:kube-system:cluster-autoscaler",
      "oidc.eks.eu-west-1.amazonaws.com/id/C2:aud": "sts.amazonaws.com",
    });
    const policy = JSON.parse(String(dev.one(T.rolePolicy, "c2-autoscaler").plainInputs.policy));
    const mutating = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"];
    for (const s of policy.Statement) {
      const actions: string[] = [s.Action].flat();
      if (actions.some((a) => mutating.includes(a))) {
        assert.deepEqual(s.Condition, { StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/c2": "owned" } });
      } else {
        assert.ok(
          actions.every((a) => /:(Describe|Get)/.test(a)),
          actions.join(),
        );
      }
    }
    assert.deepEqual(
      policy.Statement.flatMap((s: Obj) => [s.Action].flat())
        .filter((a: string) => mutating.includes(a))
        .sort(),
      mutating,
    );
    assert.equal(dev.one(T.oidc).inputs.url, "https://oidc.eks.eu-west-1.amazonaws.com/id/C2");
  });

  it("kubeconfig: a secret with exec auth through aws eks get-token; the provider is named after the cluster and depends on it", () => {
    assert.equal(dev.kubeconfigSecret, true);
    const kc = JSON.parse(dev.kubeconfig);
    assert.equal(kc.clusters[0].cluster.server, "https://C2.gr7.eu-west-1.eks.amazonaws.com");
    assert.deepEqual(kc.users[0].user.exec.args, [
      "eks",
      "get-token",
      "--cluster-name",
      "c2",
      "--region",
      "eu-west-1",
      "--output",
      "json",
    ]);
    assert.equal(kc.users[0].user.exec.command, "aws");
    const provider = dev.one(T.provider);
    assert.equal(provider.name, "c2");
    assert.equal(provider.inputs.kubeconfig, "[secret]");
    assert.ok(provider.dependencies.includes(dev.one(T.cluster).urn));
  });

  it("parents every resource to the EksCluster component and protects nothing outside production", () => {
    const component = dev.one(T.component);
    for (const r of dev.resources.filter((r) => r !== component && r.type !== "pulumi:pulumi:Stack"))
      assert.equal(r.parent, component.urn, r.name);
    for (const r of [dev.one(T.cluster), dev.one(T.key), ...dev.all(T.nodeGroup)])
      assert.equal(r.protect, false, r.name);
  });

  describe("variants", () => {
    it("pins the managed add-ons listed in aws.addonVersions; the others take EKS's default (no addonVersion)", async () => {
      assert.equal(dev.all(T.addon).length, 4, "vpc-cni, kube-proxy, coredns, aws-ebs-csi-driver");
      for (const a of dev.all(T.addon)) assert.equal(a.inputs.addonVersion, undefined, a.name);
      const pinned = await run(
        eksStack({
          aws: { addonVersions: { "vpc-cni": "v1.20.4-eksbuild.2", "aws-ebs-csi-driver": "v1.48.0-eksbuild.1" } },
        }),
      );
      assert.equal(pinned.one(T.addon, "c2-vpc-cni").inputs.addonVersion, "v1.20.4-eksbuild.2");
      assert.equal(pinned.one(T.addon, "c2-aws-ebs-csi-driver").inputs.addonVersion, "v1.48.0-eksbuild.1");
      assert.equal(pinned.one(T.addon, "c2-coredns").inputs.addonVersion, undefined);
      assert.equal(pinned.one(T.addon, "c2-kube-proxy").inputs.addonVersion, undefined);
    });

    it("protects the cluster, node groups and KMS key in production", async () => {
      const prod = await run(eksStack({ production: true }));
      for (const r of [prod.one(T.cluster), prod.one(T.key), ...prod.all(T.nodeGroup)])
        assert.equal(r.protect, true, r.name);
    });

    it("uses existing subnets without creating a VPC; public endpoint with the configured CIDRs; 2 zones", async () => {
      const existing = await run(
        eksStack({
          aws: {
            endpointPublicAccess: true,
            publicAccessCidrs: ["198.51.100.0/24"],
            existingVpc: {
              vpcId: "vpc-0123456789abcdef0",
              privateSubnetIds: ["subnet-0a", "subnet-0b"].map((s) => s.padEnd(24, "0")),
              publicSubnetIds: ["subnet-0c".padEnd(24, "0")],
            },
          },
        }),
      );
      assert.equal(existing.resources.filter((r) => r.type.startsWith("aws:ec2/")).length, 0);
      const vpc = existing.one(T.cluster).inputs.vpcConfig as Obj;
      const [a, b, c] = ["subnet-0a", "subnet-0b", "subnet-0c"].map((s) => s.padEnd(24, "0"));
      assert.deepEqual(vpc.subnetIds, [a, b, c]);
      assert.deepEqual(vpc.publicAccessCidrs, ["198.51.100.0/24"]);
      assert.equal(vpc.endpointPublicAccess, true);
      // Pools over all zones take every private subnet; per-zone pools one each, with the zone EC2 reports for it.
      assert.deepEqual(existing.one(T.nodeGroup, "c2-gpuspot").inputs.subnetIds, [a, b]);
      const zoneTag = "k8s.io/cluster-autoscaler/node-template/label/topology.kubernetes.io/zone";
      const { mocks } = await import("../tools/mocks.ts");
      [a, b].forEach((subnet, z) => {
        assert.deepEqual(existing.one(T.nodeGroup, `c2-system-${z}`).inputs.subnetIds, [subnet]);
        const reported = (
          mocks.call({ token: "aws:ec2/getSubnet:getSubnet", inputs: { id: subnet }, provider: "" }) as Obj
        ).availabilityZone;
        assert.equal(asgTags(existing, `system-${z}`)[zoneTag]?.value, reported, subnet);
      });
      assert.equal(existing.all(T.nodeGroup).filter((ng) => /^c2-(system|cpu)-/.test(ng.name)).length, 4);
      const two = await run(eksStack({ aws: { availabilityZoneCount: 2, vpcCidr: "10.20.0.0/16" } }));
      assert.equal(two.all(T.subnet).length, 4);
      assert.ok(two.all(T.subnet).every((s) => String(s.inputs.cidrBlock).startsWith("10.20.")));
    });

    it("trusts the configured autoscaler namespace; no role and no chart spec when the add-on is disabled", async () => {
      const ns = await run(eksStack({ addons: { clusterAutoscaler: { namespace: "autoscaling" } } }));
      const trust = JSON.parse(String(ns.one(T.role, "c2-autoscaler").plainInputs.assumeRolePolicy));
      assert.equal(
        Object.values(trust.Statement[0].Condition.StringEquals)[0],
        "system:serviceaccount:autoscaling:cluster-autoscaler",
      );
      const off = await run(eksStack({ addons: { clusterAutoscaler: { enabled: false } } }));
      assert.equal(off.handle.autoscalerChart, undefined);
      assert.equal(off.all(T.role).filter((r) => r.name === "c2-autoscaler").length, 0);
      // Scale-from-zero tags stay: another autoscaler may use them.
      assert.ok(off.all(T.asgTag).length > 0);
    });
  });
});

describe("subnetCidr", () => {
  it("carves the index-th subnet of a size out of a CIDR", () => {
    assert.equal(subnetCidr("10.0.0.0/16", 18, 0), "10.0.0.0/18");
    assert.equal(subnetCidr("10.0.0.0/16", 18, 2), "10.0.128.0/18");
    assert.equal(subnetCidr("10.0.0.0/16", 20, 12), "10.0.192.0/20");
    assert.equal(subnetCidr("172.16.0.0/12", 14, 1), "172.20.0.0/14");
  });

  it("refuses a subnet that does not fit", () => {
    assert.throws(() => subnetCidr("10.0.0.0/26", 30, 0), /larger aws.vpcCidr/);
    assert.throws(() => subnetCidr("10.0.0.0/16", 18, 4), /cannot carve subnet 4/);
  });
});

describe("per-zone node groups", () => {
  it("perZoneSizes: min spread to the same total, max rounded up per zone, each group min <= max and max >= 1", () => {
    // [min, max, zones] → per-zone [min, max]
    const cases: [number, number, number, [number, number][]][] = [
      [
        2,
        4,
        3,
        [
          [1, 2],
          [1, 2],
          [0, 2],
        ],
      ], // the shipped prod system pool
      [
        1,
        10,
        3,
        [
          [1, 4],
          [0, 4],
          [0, 4],
        ],
      ],
      [
        0,
        1,
        3,
        [
          [0, 1],
          [0, 1],
          [0, 1],
        ],
      ], // a max below the zone count still gives each zone one node
      [
        3,
        3,
        3,
        [
          [1, 1],
          [1, 1],
          [1, 1],
        ],
      ],
      [
        5,
        6,
        2,
        [
          [3, 3],
          [2, 3],
        ],
      ],
    ];
    for (const [min, max, zones, want] of cases) {
      const got = perZoneSizes({ min, max }, zones);
      assert.deepEqual(
        got.map((g) => [g.min, g.max]),
        want,
        `min ${min} max ${max} over ${zones}`,
      );
      assert.equal(
        got.reduce((n, g) => n + g.min, 0),
        min,
      );
      for (const g of got) assert.ok(g.min <= g.max && g.max >= 1);
    }
  });

  const pool = (name: string, over: Record<string, unknown> = {}) => ({
    name,
    role: "workload" as "system" | "workload",
    spot: false,
    ...over,
  });
  it("volumePools: the system pools and the queues' pools (on-demand CPU, else system), never GPU or spot pools", () => {
    const system = pool("system", { role: "system" });
    const cpu = pool("cpu");
    const cpuspot = pool("cpuspot", { spot: true });
    const gpu = pool("gpu", { gpu: { count: 1 } });
    assert.deepEqual(queuePools([system, cpu, cpuspot, gpu]), [cpu]);
    assert.deepEqual(volumePools([system, cpu, cpuspot, gpu]), [system, cpu]);
    assert.deepEqual(queuePools([system, cpuspot, gpu]), [system]);
    assert.deepEqual(volumePools([system, cpuspot, gpu]), [system]);
    const explicit = { ...gpu, nodeGroupPerZone: true };
    const off = { ...cpu, nodeGroupPerZone: false };
    assert.equal(nodeGroupPerZone(explicit, [system, explicit, off]), true);
    assert.equal(nodeGroupPerZone(off, [system, explicit, off]), false);
    assert.equal(nodeGroupPerZone(system, [system, explicit, off]), true);
  });
});
