import * as ec2 from "@pulumi/aws/ec2/index.js";
import { getAvailabilityZonesOutput } from "@pulumi/aws/getAvailabilityZones.js";
import type * as pulumi from "@pulumi/pulumi";
import type { AwsClusterConfig } from "../../stacks/schema/index.ts";

/** Subnets an EKS cluster uses: nodes go to the private ones; public ones hold internet-facing load balancers. */
export interface EksNetwork {
  vpcId: pulumi.Input<string>;
  privateSubnetIds: pulumi.Input<string>[];
  /** The availability zone of each private subnet, in the same order (node groups per zone, eks.ts). */
  privateSubnetZones: pulumi.Input<string>[];
  publicSubnetIds: pulumi.Input<string>[];
}

/**
 * The index-th subnet of size /newPrefix inside a CIDR: 10.0.0.0/16, /18, 1 → 10.0.64.0/18. Throws when it does not
 * fit (a config error, e.g. a VPC too small for the layout below).
 */
export function subnetCidr(vpcCidr: string, newPrefix: number, index: number): string {
  const [base, bits] = vpcCidr.split("/");
  const prefix = Number(bits);
  if (newPrefix < prefix || newPrefix > 28 || index >= 2 ** (newPrefix - prefix)) {
    throw new Error(`cannot carve subnet ${index} of /${newPrefix} out of ${vpcCidr}; use a larger aws.vpcCidr`);
  }
  const ip = base.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
  const start = ip - (ip % 2 ** (32 - prefix)) + index * 2 ** (32 - newPrefix);
  return [24, 16, 8, 0].map((s) => Math.floor(start / 2 ** s) % 256).join(".") + `/${newPrefix}`;
}

/**
 * A VPC over `availabilityZoneCount` zones: per zone a large private subnet (/prefix+2: the VPC CNI gives every pod a
 * VPC address) and a small public one (/prefix+4, from the last quarter), an internet gateway, and NAT gateways
 * (`aws.natGateways`: one for all private subnets, or one per zone).
 * Subnet tags are the ones EKS and the AWS load balancer controller look for (EKS docs, "VPC and subnet requirements").
 */
export function eksNetwork(
  cfg: AwsClusterConfig,
  parent: pulumi.Resource,
  opts: pulumi.CustomResourceOptions,
): EksNetwork {
  const existing = cfg.aws.existingVpc;
  if (existing)
    return {
      vpcId: existing.vpcId,
      privateSubnetIds: existing.privateSubnetIds,
      // A subnet lives in one zone; EC2 knows which.
      privateSubnetZones: existing.privateSubnetIds.map(
        (id) => ec2.getSubnetOutput({ id }, { parent, provider: opts.provider }).availabilityZone,
      ),
      publicSubnetIds: existing.publicSubnetIds,
    };

  const name = cfg.name;
  const o = { ...opts, parent };
  const prefix = Number(cfg.aws.vpcCidr.split("/")[1]);
  const tags = (n: string, extra: Record<string, string> = {}) => ({
    Name: n,
    [`kubernetes.io/cluster/${name}`]: "shared",
    ...extra,
  });
  const zones = getAvailabilityZonesOutput({ state: "available" }, { parent, provider: opts.provider });

  const vpc = new ec2.Vpc(
    `${name}-vpc`,
    { cidrBlock: cfg.aws.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tags(`${name}-vpc`) },
    o,
  );
  const igw = new ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: `${name}-igw` } }, o);

  const publicRt = new ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, tags: { Name: `${name}-public` } }, o);
  new ec2.Route(
    `${name}-public-default`,
    { routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id },
    o,
  );

  const publicSubnets: ec2.Subnet[] = [];
  const privateSubnets: ec2.Subnet[] = [];
  const privateSubnetZones: pulumi.Input<string>[] = [];
  for (let i = 0; i < cfg.aws.availabilityZoneCount; i++) {
    const zone = zones.names[i];
    privateSubnetZones.push(zone);
    const pub = new ec2.Subnet(
      `${name}-public-${i}`,
      {
        vpcId: vpc.id,
        availabilityZone: zone,
        cidrBlock: subnetCidr(cfg.aws.vpcCidr, prefix + 4, 12 + i),
        mapPublicIpOnLaunch: false,
        tags: tags(`${name}-public-${i}`, { "kubernetes.io/role/elb": "1" }),
      },
      o,
    );
    new ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: pub.id, routeTableId: publicRt.id }, o);
    publicSubnets.push(pub);
    privateSubnets.push(
      new ec2.Subnet(
        `${name}-private-${i}`,
        {
          vpcId: vpc.id,
          availabilityZone: zone,
          cidrBlock: subnetCidr(cfg.aws.vpcCidr, prefix + 2, i),
          tags: tags(`${name}-private-${i}`, { "kubernetes.io/role/internal-elb": "1" }),
        },
        o,
      ),
    );
  }

  // single: one NAT in zone 0 and one private route table; perZone: a NAT and a route table per zone, so a zone's
  // outage does not cut the other zones' nodes off from image registries and the EKS API.
  const natZones = cfg.aws.natGateways === "perZone" ? privateSubnets.map((_, i) => i) : [0];
  const routeTables = natZones.map((i) => {
    const suffix = natZones.length > 1 ? `-${i}` : "";
    const eip = new ec2.Eip(`${name}-nat${suffix}`, { domain: "vpc", tags: { Name: `${name}-nat${suffix}` } }, o);
    const nat = new ec2.NatGateway(
      `${name}-nat${suffix}`,
      { allocationId: eip.id, subnetId: publicSubnets[i].id, tags: { Name: `${name}-nat${suffix}` } },
      { ...o, dependsOn: [igw] },
    );
    const rt = new ec2.RouteTable(
      `${name}-private${suffix}`,
      { vpcId: vpc.id, tags: { Name: `${name}-private${suffix}` } },
      o,
    );
    new ec2.Route(
      `${name}-private-default${suffix}`,
      { routeTableId: rt.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id },
      o,
    );
    return rt;
  });
  privateSubnets.forEach(
    (s, i) =>
      new ec2.RouteTableAssociation(
        `${name}-private-${i}`,
        { subnetId: s.id, routeTableId: (routeTables[i] ?? routeTables[0]).id },
        o,
      ),
  );

  return {
    vpcId: vpc.id,
    privateSubnetIds: privateSubnets.map((s) => s.id),
    privateSubnetZones,
    publicSubnetIds: publicSubnets.map((s) => s.id),
  };
}
