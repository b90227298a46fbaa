import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { createCluster } from "../components/cluster/index.ts";
import { EFS_CSI_SERVICE_ACCOUNT } from "../components/cluster/eks-efs.ts";
import type { ClusterHandle } from "../components/cluster/handle.ts";
import { loadConfig } from "../stacks/load.ts";
import type { RecordedResource } from "../tools/harness.ts";
import { runUnderMocks } from "../tools/harness.ts";
import { runAddons } from "./helpers/addons.ts";
import { cpuWorker, sourceOf } from "./helpers/config.ts";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const T = {
  fileSystem: "aws:efs/fileSystem:FileSystem",
  mountTarget: "aws:efs/mountTarget:MountTarget",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  role: "aws:iam/role:Role",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
  nodeGroup: "aws:eks/nodeGroup:NodeGroup",
};

/** An EKS stack whose workers mount `volumes` (a GPU spot worker) and a shared claim `shared` when given. */
function stack(workers: Obj[], claims: Obj[] = [], addons: Obj = {}) {
  return {
    platform: { environment: "test" },
    addons,
    queues: [{ name: "q", kind: "redis" }],
    claims,
    workers,
    clusters: [
      {
        name: "c2",
        cloud: "aws",
        region: "eu-west-1",
        kubernetesVersion: "1.34",
        aws: { endpointPublicAccess: false, adminPrincipalArns: ["arn:aws:iam::123456789012:role/admins"] },
        autoscaler: { maxGracefulTerminationSec: 900 },
        pools: [
          { name: "system", role: "system", machineTypes: ["m6i.xlarge"], min: 2, max: 4 },
          {
            name: "gpuspot",
            machineTypes: ["g5.xlarge"],
            gpu: { count: 1, type: "nvidia-a10g" },
            spot: true,
            min: 0,
            max: 9,
          },
          { name: "cpu", machineTypes: ["m6i.2xlarge"], min: 1, max: 10 },
        ],
      },
    ],
  };
}

async function run(values: Obj): Promise<{ resources: RecordedResource[]; handle: ClusterHandle }> {
  const { config } = loadConfig(sourceOf(values));
  let handle!: ClusterHandle;
  const { resources } = await runUnderMocks(() => {
    handle = createCluster(config.clusters[0], config, {});
    return {};
  });
  return { resources, handle };
}
const of = (rs: RecordedResource[], type: string) => rs.filter((r) => r.type === type);

const rwxWorker = cpuWorker({
  name: "renderer",
  volumes: [{ name: "scratch", sharedClaim: "scratch", mounts: [{ path: "/scratch" }] }],
});
const rwoGpuWorker = cpuWorker({
  name: "transcriber",
  gpu: { count: 1 },
  spot: true,
  replicas: { min: 0, max: 1 },
  volumes: [{ name: "video", claim: { size: "50Gi" }, mounts: [{ path: "/data" }] }],
});

describe("EKS storage for workload claims", () => {
  it("a ReadWriteMany claim: EFS encrypted, a mount target per private subnet, NFS only from the cluster security group, the efs StorageClass, the controller's IRSA role", async () => {
    const { resources, handle } = await run(stack([rwxWorker], [{ name: "scratch", size: "100Gi" }]));
    const fs = of(resources, T.fileSystem);
    assert.equal(fs.length, 1);
    assert.equal(fs[0].inputs.encrypted, true);
    assert.equal(fs[0].protect, true, "shared data survives removing the last claim");
    assert.equal(of(resources, T.mountTarget).length, 3);
    const sg = of(resources, T.securityGroup).find((s) => s.name === "c2-efs")!;
    assert.deepEqual(
      (sg.inputs.ingress as Obj[]).map((i) => [
        i.protocol,
        i.fromPort,
        i.toPort,
        i.securityGroups.length,
        i.cidrBlocks,
      ]),
      [["tcp", 2049, 2049, 1, undefined]],
    );
    for (const mt of of(resources, T.mountTarget)) assert.ok((mt.inputs.securityGroups as string[]).length === 1);
    const sc = of(resources, T.storageClass).find((s) => s.name === "c2-efs")!;
    assert.equal(sc.inputs.provisioner, "efs.csi.aws.com");
    assert.equal((sc.inputs.metadata as Obj).name, "efs");
    assert.equal((sc.inputs.parameters as Obj).provisioningMode, "efs-ap");
    assert.ok((sc.inputs.parameters as Obj).fileSystemId);
    const role = of(resources, T.role).find((r) => r.name === "c2-efs-csi")!;
    const trust = JSON.parse(String(role.inputs.assumeRolePolicy));
    assert.match(
      JSON.stringify(trust),
      new RegExp(`system:serviceaccount:kube-system:${EFS_CSI_SERVICE_ACCOUNT.name}`),
    );
    const attach = of(resources, T.attachment).find((a) => a.name === "c2-efs-csi")!;
    assert.match(String(attach.inputs.policyArn), /:iam::aws:policy\/service-role\/AmazonEFSCSIDriverPolicy$/);
    assert.ok(handle.efs);
  });

  it("the controller's role trusts the driver's configured namespace (the chart installs into .Release.Namespace)", async () => {
    const { resources } = await run(
      stack([rwxWorker], [{ name: "scratch", size: "100Gi" }], {
        efsCsiDriver: { namespace: "storage" },
      }),
    );
    const role = of(resources, T.role).find((r) => r.name === "c2-efs-csi")!;
    const trust = String(role.inputs.assumeRolePolicy);
    assert.match(trust, /system:serviceaccount:storage:efs-csi-controller-sa/);
    assert.doesNotMatch(trust, /kube-system/);
  });

  it("existing subnets, two in one zone: one mount target per zone (EFS refuses a second: MountTargetConflict)", async () => {
    const values = stack([rwxWorker], [{ name: "scratch", size: "100Gi" }]);
    // The mocks place subnet-0aaaaaaa and subnet-0aaaaaad in eu-west-1b, subnet-0aaaaaab in eu-west-1c.
    (values.clusters[0].aws as Obj).existingVpc = {
      vpcId: "vpc-0aaaaaaa",
      privateSubnetIds: ["subnet-0aaaaaaa", "subnet-0aaaaaad", "subnet-0aaaaaab"],
    };
    const { resources } = await run(values);
    const targets = of(resources, T.mountTarget);
    assert.deepEqual(targets.map((t) => t.inputs.subnetId).sort(), ["subnet-0aaaaaaa", "subnet-0aaaaaab"]);
  });

  it("no ReadWriteMany claim (or the driver disabled): no EFS at all", async () => {
    for (const values of [
      stack([rwoGpuWorker]),
      stack(
        [cpuWorker({ name: "r", volumes: [{ name: "s", sharedClaim: "s", mounts: [{ path: "/s" }] }] })],
        [{ name: "s", size: "1Gi", storageClass: "my-nfs" }],
      ),
    ]) {
      const { resources, handle } = await run(values);
      assert.equal(of(resources, T.fileSystem).length, 0);
      assert.equal(handle.efs, undefined);
    }
  });

  it("a ReadWriteOnce claim on a GPU spot worker splits the gpuspot pool per zone (its EBS volume lives in one zone)", async () => {
    const groups = async (values: Obj) =>
      of((await run(values)).resources, T.nodeGroup)
        .map((n) => String(n.inputs.nodeGroupName))
        .filter((n) => n.startsWith("gpuspot"))
        .sort();
    assert.deepEqual(await groups(stack([rwoGpuWorker])), ["gpuspot-0", "gpuspot-1", "gpuspot-2"]);
    assert.deepEqual(await groups(stack([{ ...rwoGpuWorker, volumes: [] }])), ["gpuspot"]);
  });

  it("the aws-efs-csi-driver chart: only where the handle has efs, with the controller's IRSA role", async () => {
    const none = await runAddons("eks");
    assert.ok(!none.charts.has("aws-efs-csi-driver"));
    const roleArn = "arn:aws:iam::123456789012:role/c-efs-csi";
    const withEfs = await runAddons(
      "eks",
      {},
      {
        cluster: { efs: { controllerRoleArn: pulumi.output(roleArn), storageClass: undefined as never } },
      },
    );
    const values = withEfs.values("aws-efs-csi-driver");
    assert.equal(values.controller.serviceAccount.name, "efs-csi-controller-sa");
    assert.equal(values.controller.serviceAccount.annotations["eks.amazonaws.com/role-arn"], roleArn);
    assert.deepEqual(values.storageClasses, []);
    assert.equal(withEfs.chart("aws-efs-csi-driver").inputs.version, "4.4.1");
  });
});
