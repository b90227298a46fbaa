import * as assert from "node:assert/strict";
import { CLUSTER_AUTOSCALER_IMAGE_TAGS } from "../stacks/versions.ts";
import { loadConfig } from "../stacks/load.ts";
import { configProblems, sourceOf } from "./helpers/config.ts";

/** Problems reported for a stack with one cluster of the given cloud and pools. */
function problems(cloud: "azure" | "aws", pools: Record<string, unknown>[], kubernetesVersion = "1.34"): string[] {
  const cluster = {
    name: "c",
    cloud,
    region: cloud === "azure" ? "westeurope" : "eu-west-1",
    kubernetesVersion,
    pools,
  };
  return configProblems({ platform: { environment: "test" }, clusters: [cluster] });
}

const system = (over: Record<string, unknown> = {}) => ({
  name: "system",
  role: "system",
  machineTypes: ["Standard_D4s_v5"],
  min: 1,
  max: 3,
  ...over,
});
const has = (found: string[], prefix: string, re: RegExp) =>
  assert.ok(
    found.some((p) => p.startsWith(prefix) && re.test(p)),
    `no "${prefix}" ${re} in:\n${found.join("\n")}`,
  );

describe("cluster pool config: invalid combinations are rejected, naming the key", () => {
  it("accepts a valid AKS and EKS pool set", () => {
    assert.deepEqual(
      problems("azure", [
        system(),
        {
          name: "gpu",
          machineTypes: ["Standard_NC4as_T4_v3"],
          gpu: { count: 1, type: "t4" },
          spot: true,
          min: 0,
          max: 2,
        },
      ]),
      [],
    );
    assert.deepEqual(
      problems("aws", [
        system({ machineTypes: ["m6i.xlarge"] }),
        { name: "gpu", machineTypes: ["g5.xlarge"], gpu: { count: 1, type: "a10g" }, min: 0, max: 2 },
      ]),
      [],
    );
  });

  it("a spot system pool", () => {
    has(problems("azure", [system({ spot: true })]), "clusters[0].pools[0].spot:", /system pool cannot be spot/);
    has(
      problems("aws", [system({ machineTypes: ["m6i.xlarge"], spot: true })]),
      "clusters[0].pools[0].spot:",
      /set spot: false/,
    );
  });

  it("a GPU count on a CPU machine type, or a count that does not match the GPU type", () => {
    has(
      problems("azure", [
        system(),
        { name: "gpu", machineTypes: ["Standard_D8s_v5"], gpu: { count: 1, type: "t4" }, min: 0, max: 2 },
      ]),
      "clusters[0].pools[1].machineTypes[0]:",
      /0 GPU\(s\) per node but the pool declares 1; remove gpu or pick a GPU machine type/,
    );
    has(
      problems("aws", [
        system({ machineTypes: ["m6i.xlarge"] }),
        { name: "gpu", machineTypes: ["g5.12xlarge"], gpu: { count: 1, type: "a10g" }, min: 0, max: 2 },
      ]),
      "clusters[0].pools[1].machineTypes[0]:",
      /set gpu.count: 4/,
    );
    // A GPU machine type without gpu: its GPUs would be invisible to scheduling.
    has(
      problems("aws", [
        system({ machineTypes: ["m6i.xlarge"] }),
        { name: "gpu", machineTypes: ["g5.xlarge"], min: 0, max: 2 },
      ]),
      "clusters[0].pools[1].machineTypes[0]:",
      /declares 0/,
    );
  });

  it("min > max", () => {
    has(
      problems("azure", [system(), { name: "cpu", machineTypes: ["Standard_D8s_v5"], min: 3, max: 1 }]),
      "clusters[0].pools[1].max:",
      /must be >= min \(3\)/,
    );
  });

  it("no system pool, a system pool at min 0, several VM sizes on AKS", () => {
    has(
      problems("azure", [{ name: "cpu", machineTypes: ["Standard_D8s_v5"], min: 0, max: 2 }]),
      "clusters[0].pools:",
      /role: system/,
    );
    has(problems("azure", [system({ min: 0 })]), "clusters[0].pools[0].min:", /min >= 1/);
    has(
      problems("azure", [system({ machineTypes: ["Standard_D4s_v5", "Standard_D8s_v5"] })]),
      "clusters[0].pools[0].machineTypes:",
      /exactly one VM size/,
    );
  });

  it("a pool name AKS would refuse", () => {
    has(
      problems("aws", [system({ machineTypes: ["m6i.xlarge"], name: "System-Pool" })]),
      "clusters[0].pools[0].name:",
      /lowercase/,
    );
  });

  it("a Kubernetes version older than the workers need", () => {
    has(
      problems("azure", [system()], "1.29"),
      "clusters[0].kubernetesVersion:",
      /must be 1\.30 or later \(workers use the preStop sleep action/,
    );
    assert.deepEqual(
      problems("azure", [system()], "1.30").filter(
        (p) => p.startsWith("clusters[0].kubernetesVersion:") && /1\.30 or later/.test(p),
      ),
      [],
    );
  });

  it("AKS autoscaler times that are not whole minutes (the AKS API takes only <n>m there); EKS takes them", () => {
    const cluster = (cloud: "azure" | "aws") => ({
      name: "c",
      cloud,
      region: cloud === "azure" ? "westeurope" : "eu-west-1",
      kubernetesVersion: "1.34",
      autoscaler: {
        scaleDownUnneededTime: "90s",
        scaleDownDelayAfterAdd: "30s",
        maxNodeProvisionTime: "1h",
        scanInterval: "30s",
      },
      pools: [system({ machineTypes: [cloud === "azure" ? "Standard_D4s_v5" : "m6i.xlarge"] })],
    });
    const found = (cloud: "azure" | "aws") =>
      configProblems({ platform: { environment: "test" }, clusters: [cluster(cloud)] });
    assert.deepEqual(found("azure"), [
      'clusters[0].autoscaler.scaleDownUnneededTime: AKS takes whole minutes here; use e.g. 2m, got "90s"',
      'clusters[0].autoscaler.scaleDownDelayAfterAdd: AKS takes whole minutes here; use e.g. 1m, got "30s"',
    ]);
    assert.deepEqual(found("aws"), []);
  });

  it("EKS add-on versions: a version that is not vX.Y.Z-eksbuild.N, an add-on the platform does not manage", () => {
    const cluster = {
      name: "c",
      cloud: "aws",
      region: "eu-west-1",
      kubernetesVersion: "1.34",
      aws: { addonVersions: { "vpc-cni": "1.20.4", "core-dns": "v1.11.4-eksbuild.2" } },
      pools: [system({ machineTypes: ["m6i.xlarge"] })],
    };
    const found = configProblems({ platform: { environment: "test" }, clusters: [cluster] });
    assert.deepEqual(found, [
      'clusters[0].aws.addonVersions.vpc-cni: must be an EKS add-on version such as v1.20.4-eksbuild.2, got "1.20.4"',
      'clusters[0].aws.addonVersions.core-dns: unknown key (did you mean "coredns"?); allowed: vpc-cni, kube-proxy, coredns, aws-ebs-csi-driver',
    ]);
  });

  it("EKS instance types of different shapes in one pool (the autoscaler sizes a group from one type)", () => {
    const gpu = (machineTypes: string[]) => ({
      name: "gpu",
      machineTypes,
      gpu: { count: 1, type: "nvidia-a10g" },
      spot: true,
      min: 0,
      max: 2,
    });
    has(
      problems("aws", [system({ machineTypes: ["m6i.xlarge"] }), gpu(["g5.xlarge", "g6.xlarge"])]),
      "clusters[0].pools[1].machineTypes:",
      /g5\.xlarge \(4 vCPU, 16 GiB, 1× A10G\) and g6\.xlarge \(4 vCPU, 16 GiB, 1× L4\) differ/,
    );
    has(
      problems("aws", [system({ machineTypes: ["m6i.xlarge"] }), gpu(["g5.xlarge", "g5.2xlarge"])]),
      "clusters[0].pools[1].machineTypes:",
      /8 vCPU, 32 GiB/,
    );
    has(
      problems("aws", [system({ machineTypes: ["m6i.xlarge", "c6i.xlarge"] })]),
      "clusters[0].pools[0].machineTypes:",
      /4 vCPU, 8 GiB/,
    );
    // Same shape from several families is the point of spot diversity.
    const cpu = (machineTypes: string[]) => ({ name: "cpu", machineTypes, spot: true, min: 0, max: 2 });
    assert.deepEqual(
      problems("aws", [system({ machineTypes: ["m6i.xlarge"] }), cpu(["m6i.2xlarge", "m6a.2xlarge", "m7i.2xlarge"])]),
      [],
    );
    has(
      problems("aws", [system({ machineTypes: ["m6i.xlarge"] }), cpu(["m6i.2xlarge", "x2idn.16xlarge"])]),
      "clusters[0].pools[1].machineTypes:",
      /m6i\.2xlarge \(8 vCPU, 32 GiB\) and x2idn\.16xlarge \(64 vCPU, 1024 GiB\) differ/,
    );
  });

  it("a machine type missing from the shape table, or of the other cloud: named, with the known ones and how to add one", () => {
    const found = problems("aws", [
      system({ machineTypes: ["m6i.xlarge"] }),
      { name: "cpu", machineTypes: ["m9z.huge"], min: 0, max: 2 },
    ]);
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /^clusters\[0\]\.pools\[1\]\.machineTypes\[0\]: not a known EC2 instance type: /);
    assert.match(found[0], /known: c6i\.xlarge, g4ad\.2xlarge, .*x2idn\.16xlarge\)/);
    assert.doesNotMatch(found[0], /Standard_D4s_v5/, "lists only the cluster's cloud");
    assert.match(
      found[0],
      /add its vCPUs, memory, GPUs, GPU model and \(EC2\) max pods, with the source, to MACHINE_TYPES in stacks\/machine-types\.ts/,
    );
    assert.match(found[0], /got "m9z\.huge"$/);
    has(
      problems("aws", [system({ machineTypes: ["Standard_D4s_v5"] })]),
      "clusters[0].pools[0].machineTypes[0]:",
      /an Azure VM size, not an EC2 instance type/,
    );
    has(
      problems("azure", [system({ machineTypes: ["m6i.xlarge"] })]),
      "clusters[0].pools[0].machineTypes[0]:",
      /an EC2 instance type, not an Azure VM size/,
    );
    has(
      problems("azure", [system({ machineTypes: ["Standard_D5s_v9"] })]),
      "clusters[0].pools[0].machineTypes[0]:",
      /not a known Azure VM size: .*known: Standard_D4s_v5, Standard_D8s_v5, /,
    );
    // Control: the same pools with known types pass; an existing cluster declares its types freely.
    assert.deepEqual(problems("aws", [system({ machineTypes: ["m6i.xlarge"] })]), []);
    assert.deepEqual(
      configProblems({
        platform: { environment: "test" },
        clusters: [
          {
            name: "kind",
            cloud: "existing",
            existing: { context: "kind-x" },
            pools: [{ name: "default", machineTypes: ["m9z.huge"], min: 1, max: 1 }],
          },
        ],
      }),
      [],
    );
  });
});

describe("cluster config: names, GPU headroom and the autoscaler image (exact key and message)", () => {
  const azure = (name: string, pools: Record<string, unknown>[]) => ({
    name,
    cloud: "azure",
    region: "westeurope",
    kubernetesVersion: "1.34",
    pools,
  });
  const stack = (...clusters: Record<string, unknown>[]) => ({ platform: { environment: "test" }, clusters });

  it("a duplicate cluster name, reported at the second occurrence", () => {
    assert.deepEqual(configProblems(stack(azure("c", [system()]), azure("d", [system()]), azure("c", [system()]))), [
      'clusters[2].name: duplicate cluster name "c"; cluster names must be unique, got "c"',
    ]);
  });

  it("a duplicate pool name within a cluster; the same pool name in two clusters is fine", () => {
    const cpu = { name: "cpu", machineTypes: ["Standard_D4s_v5"], min: 0, max: 2 };
    assert.deepEqual(configProblems(stack(azure("c", [system(), cpu, cpu]))), [
      'clusters[0].pools[2].name: duplicate pool name "cpu" in cluster c, got "cpu"',
    ]);
    assert.deepEqual(configProblems(stack(azure("c", [system(), cpu]), azure("d", [system(), cpu]))), []);
  });

  it("headroomGpus above 0 on a pool without gpu", () => {
    const found = problems("azure", [
      system(),
      { name: "cpu", machineTypes: ["Standard_D4s_v5"], min: 0, max: 2, headroomGpus: 1 },
    ]);
    assert.deepEqual(found, [
      "clusters[0].pools[1].headroomGpus: warm GPU headroom needs a GPU pool (gpu.count); set 0 or add gpu, got 1",
    ]);
  });

  it("headroomGpus above max × gpu.count (4 GPUs × 3 nodes = 12); exactly 12 is fine", () => {
    const gpu = (headroomGpus: number) => ({
      name: "gpu",
      machineTypes: ["g5.12xlarge"],
      gpu: { count: 4, type: "nvidia-a10g" },
      min: 0,
      max: 3,
      headroomGpus,
    });
    const sys = system({ machineTypes: ["m6i.xlarge"] });
    assert.deepEqual(problems("aws", [sys, gpu(13)]), [
      "clusters[0].pools[1].headroomGpus: must be <= max × GPU devices per node (12), got 13",
    ]);
    assert.deepEqual(problems("aws", [sys, gpu(12)]), []);
  });

  it("EKS on a Kubernetes minor without a pinned cluster-autoscaler image, unless imageTag is set or the add-on is off", () => {
    assert.ok(!("1.31" in CLUSTER_AUTOSCALER_IMAGE_TAGS), "the case needs a minor without a pin");
    const eks = {
      name: "c",
      cloud: "aws",
      region: "eu-west-1",
      kubernetesVersion: "1.31",
      pools: [system({ machineTypes: ["m6i.xlarge"] })],
    };
    const known = Object.keys(CLUSTER_AUTOSCALER_IMAGE_TAGS).join(", ");
    assert.deepEqual(configProblems(stack(eks)), [
      `clusters[0].kubernetesVersion: no cluster-autoscaler image is pinned for 1.31 (known: ${known}); set addons.clusterAutoscaler.imageTag, got "1.31"`,
    ]);
    assert.deepEqual(configProblems({ ...stack(eks), addons: { clusterAutoscaler: { imageTag: "v1.31.3" } } }), []);
    assert.deepEqual(configProblems({ ...stack(eks), addons: { clusterAutoscaler: { enabled: false } } }), []);
  });
});

describe("cluster config: upgrades, zones, GPU pools of existing clusters, the deployer", () => {
  const eksSystem = system({ machineTypes: ["m6i.xlarge"] });
  const aks = (azure: Record<string, unknown>, autoscaler: Record<string, unknown> = {}) => ({
    platform: { environment: "test" },
    clusters: [
      {
        name: "c",
        cloud: "azure",
        region: "westeurope",
        kubernetesVersion: "1.34",
        azure,
        autoscaler,
        pools: [system()],
      },
    ],
  });
  const existing = (pools: Record<string, unknown>[]) => ({
    platform: { environment: "test" },
    clusters: [{ name: "local", cloud: "existing", existing: { context: "kind-x" }, pools }],
  });
  const l4 = { count: 1, type: "nvidia-l4" };

  it("nodeGroupPerZone only on EKS pools, both values accepted there", () => {
    const cpu = (v: boolean) => ({
      name: "cpu",
      machineTypes: ["Standard_D4s_v5"],
      min: 0,
      max: 2,
      nodeGroupPerZone: v,
    });
    has(problems("azure", [system(), cpu(true)]), "clusters[0].pools[1].nodeGroupPerZone:", /only for cloud: aws/);
    has(
      configProblems(existing([{ name: "default", min: 1, max: 1, nodeGroupPerZone: false }])),
      "clusters[0].pools[0].nodeGroupPerZone:",
      /only for cloud: aws .*not created/,
    );
    for (const v of [true, false])
      assert.deepEqual(problems("aws", [eksSystem, { ...cpu(v), machineTypes: ["m6i.xlarge"] }]), [], String(v));
  });

  it("a GPU pool of an existing cluster must declare labels only its GPU nodes carry", () => {
    const gpu = (labels: Record<string, string>) => ({ name: "gpu", min: 0, max: 2, gpu: l4, labels });
    has(
      configProblems(existing([{ name: "default", min: 1, max: 1 }, gpu({})])),
      "clusters[0].pools[1].labels:",
      /GPU pool gpu declares no labels, so the device plugin and DCGM exporter DaemonSets would run on every node/,
    );
    has(
      configProblems(
        existing([{ name: "cpu", min: 1, max: 1, labels: { team: "ml", pool: "x" } }, gpu({ team: "ml" })]),
      ),
      "clusters[0].pools[1].labels:",
      /pool cpu \(no GPU\) carries every label of nvidia GPU pool gpu/,
    );
    // A CPU pool selecting any node is fine: it does not carry the GPU label (its pods may still land on GPU nodes
    // unless those are tainted, which is the user's call).
    assert.deepEqual(
      configProblems(existing([{ name: "default", min: 1, max: 1 }, gpu({ "nvidia.com/gpu.present": "true" })])),
      [],
    );
    assert.deepEqual(
      configProblems(
        existing([{ name: "cpu", min: 1, max: 1, labels: { team: "ml" } }, gpu({ team: "ml", accel: "l4" })]),
      ),
      [],
    );
  });

  it("an AKS drain timeout shorter than the workers' grace cap is rejected; equal is fine; the default covers it", () => {
    assert.deepEqual(
      configProblems(aks({ upgrades: { drainTimeoutMinutes: 14 } }, { maxGracefulTerminationSec: 900 })),
      [
        "clusters[0].azure.upgrades.drainTimeoutMinutes: shorter than the termination grace a worker may get (autoscaler.maxGracefulTerminationSec: 900s): AKS would stop the upgrade while the worker finishes its job; set at least 15, or remove it for the default, got 14",
      ],
    );
    assert.deepEqual(
      configProblems(aks({ upgrades: { drainTimeoutMinutes: 15 } }, { maxGracefulTerminationSec: 900 })),
      [],
    );
    assert.deepEqual(configProblems(aks({}, { maxGracefulTerminationSec: 3600 })), []);
  });

  it("upgrade settings out of range or of the wrong shape, each naming its key", () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ channel: "stable" }, "clusters[0].azure.upgrades.channel:", /none.*patch/],
      [{ nodeOSChannel: "Weekly" }, "clusters[0].azure.upgrades.nodeOSChannel:", /NodeImage/],
      [{ drainTimeoutMinutes: 4 }, "clusters[0].azure.upgrades.drainTimeoutMinutes:", /5/],
      [{ drainTimeoutMinutes: 1441 }, "clusters[0].azure.upgrades.drainTimeoutMinutes:", /1440/],
      [{ maxSurge: "0" }, "clusters[0].azure.upgrades.maxSurge:", /node count such as 1 or a percentage such as 33%/],
      [{ maxSurge: "150%" }, "clusters[0].azure.upgrades.maxSurge:", /percentage/],
      [{ nodeSoakMinutes: 31 }, "clusters[0].azure.upgrades.nodeSoakMinutes:", /30/],
      [{ window: { startTime: "24:00" } }, "clusters[0].azure.upgrades.window.startTime:", /HH:mm/],
      [{ window: { utcOffset: "+5:30" } }, "clusters[0].azure.upgrades.window.utcOffset:", /UTC offset/],
      [{ window: { durationHours: 3 } }, "clusters[0].azure.upgrades.window.durationHours:", /4/],
      [{ window: { dayOfWeek: "Sun" } }, "clusters[0].azure.upgrades.window.dayOfWeek:", /Sunday/],
      [{ window: { intervalWeeks: 5 } }, "clusters[0].azure.upgrades.window.intervalWeeks:", /4/],
    ];
    for (const [upgrades, prefix, re] of cases) has(configProblems(aks({ upgrades })), prefix, re);
    for (const ok of [
      { maxSurge: "1" },
      { maxSurge: "33%" },
      { maxSurge: "100%" },
      { window: { startTime: "23:59", utcOffset: "-05:00" } },
    ])
      assert.deepEqual(configProblems(aks({ upgrades: ok })), [], JSON.stringify(ok));
  });

  it("EKS node group updates: maxUnavailable 1 to 100", () => {
    const eks = (maxUnavailable: number) => ({
      platform: { environment: "test" },
      clusters: [
        {
          name: "c",
          cloud: "aws",
          region: "eu-west-1",
          kubernetesVersion: "1.34",
          aws: { nodeUpdates: { maxUnavailable } },
          pools: [eksSystem],
        },
      ],
    });
    has(configProblems(eks(0)), "clusters[0].aws.nodeUpdates.maxUnavailable:", /1/);
    assert.deepEqual(configProblems(eks(3)), []);
  });

  it("deployer.kubeloginMode: one of kubelogin's non-interactive or devicecode modes; no other deployer key", () => {
    has(
      configProblems({ ...aks({}), deployer: { kubeloginMode: "oidc" } }),
      "deployer.kubeloginMode:",
      /workloadidentity/,
    );
    has(configProblems({ ...aks({}), deployer: { mode: "x" } }), "deployer.mode:", /unknown key/);
    assert.deepEqual(configProblems({ ...aks({}), deployer: { kubeloginMode: "workloadidentity" } }), []);
  });

  describe("warnings", () => {
    const warnings = (values: Record<string, unknown>) => loadConfig(sourceOf(values)).warnings;
    const eks = (over: Record<string, unknown>, pools: Record<string, unknown>[] = [eksSystem]) => ({
      platform: { environment: "test" },
      clusters: [{ name: "e", cloud: "aws", region: "eu-west-1", kubernetesVersion: "1.34", pools, ...over }],
    });
    const cpu = (over: Record<string, unknown> = {}) => ({
      name: "cpu",
      machineTypes: ["m6i.xlarge"],
      min: 0,
      max: 3,
      ...over,
    });

    it("none for the defaults", () => {
      assert.deepEqual(warnings(eks({}, [eksSystem, cpu()])), []);
    });

    it("a pool that hosts volumes with one node group over all zones", () => {
      assert.deepEqual(warnings(eks({}, [eksSystem, cpu({ nodeGroupPerZone: false })])), [
        "clusters[0].pools[1].nodeGroupPerZone: pool cpu of e can host the platform's EBS volumes (Prometheus, in-cluster queues) but spans the zones with one node group: a pod whose volume is in one zone may stay Pending, because the cluster autoscaler cannot add a node in a chosen zone to such a group",
      ]);
      // A spot pool hosts no volume: no warning for spanning the zones.
      assert.deepEqual(
        warnings(eks({}, [eksSystem, cpu(), cpu({ name: "spot", spot: true, nodeGroupPerZone: false })])),
        [],
      );
    });

    it("per-zone node groups without balanceSimilarNodeGroups", () => {
      assert.deepEqual(warnings(eks({ autoscaler: { balanceSimilarNodeGroups: false } }, [eksSystem, cpu()])), [
        "clusters[0].autoscaler.balanceSimilarNodeGroups: false while pools system, cpu of e have a node group per zone: the autoscaler will not spread their nodes over the zones",
      ]);
    });

    it("an EKS grace cap above the 15 minutes a node group update waits; not on AKS", () => {
      assert.deepEqual(warnings(eks({ autoscaler: { maxGracefulTerminationSec: 900 } })), []);
      assert.match(
        warnings(eks({ autoscaler: { maxGracefulTerminationSec: 1200 } })).join("\n"),
        /^clusters\[0\]\.autoscaler\.maxGracefulTerminationSec: 1200s .* 15 minutes an EKS node group update waits .*PodEvictionFailure/,
      );
      assert.deepEqual(warnings(aks({}, { maxGracefulTerminationSec: 1200 })), []);
    });
  });
});
