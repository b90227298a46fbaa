import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

/**
 * Offline stand-ins for the cloud providers: deterministic ids and the computed outputs the program reads (ARNs,
 * endpoints, OIDC issuers, ASG names, kubeconfigs). Values are realistic in shape, never real.
 */
export const ACCOUNT_ID = "123456789012";
export const TENANT_ID = "00000000-0000-4000-8000-000000000001";
export const SUBSCRIPTION_ID = "00000000-0000-4000-8000-000000000002";

const FAKE_KUBECONFIG = (server: string) =>
  [
    "apiVersion: v1",
    "kind: Config",
    "clusters: [{name: offline, cluster: {server: " + server + "}}]",
    "contexts: [{name: offline, context: {cluster: offline, user: offline}}]",
    "current-context: offline",
    "users: [{name: offline, user: {token: offline-plan}}]",
  ].join("\n");

/** Shape of `az aks get-credentials` output for an AKS cluster with Entra ID (managed AAD) and local accounts off. */
const AKS_ENTRA_KUBECONFIG = (cluster: string) =>
  [
    "apiVersion: v1",
    "kind: Config",
    `clusters: [{name: ${cluster}, cluster: {server: "https://${cluster}.hcp.westeurope.azmk8s.io:443", certificate-authority-data: b2ZmbGluZQ==}}]`,
    `contexts: [{name: ${cluster}, context: {cluster: ${cluster}, user: clusterUser_${cluster}}}]`,
    `current-context: ${cluster}`,
    "users:",
    `  - name: clusterUser_${cluster}`,
    "    user:",
    "      exec:",
    "        apiVersion: client.authentication.k8s.io/v1beta1",
    "        command: kubelogin",
    "        args: [get-token, --environment, AzurePublicCloud, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630,",
    `               --client-id, 80faf920-1908-4b52-b5ef-a8e7bedfc67a, --tenant-id, ${TENANT_ID}, --login, devicecode]`,
  ].join("\n");

/** A stable UUID-shaped value derived from `seed` (client and principal IDs of mocked identities). */
export function mockUuid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** An Azure resource ID in the mocked subscription. */
const azureId = (rg: unknown, provider: string, path: string) =>
  `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${String(rg)}/providers/${provider}/${path}`;

export const mocks: pulumi.runtime.Mocks = {
  newResource(args) {
    const { type, name, inputs } = args;
    const id = `${name}-id`;
    const arn = (service: string, resource: string) => `arn:aws:${service}:eu-west-1:${ACCOUNT_ID}:${resource}`;
    const extra: Record<string, unknown> = {};
    switch (type) {
      case "azure-native:resources:ResourceGroup":
        extra.name = inputs.resourceGroupName ?? name;
        break;
      case "azure-native:containerservice:ManagedCluster":
        extra.name = inputs.resourceName ?? name;
        extra.id = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${inputs.resourceGroupName}/providers/Microsoft.ContainerService/managedClusters/${inputs.resourceName ?? name}`;
        extra.fqdn = `${name}.hcp.${inputs.location ?? "westeurope"}.azmk8s.io`;
        extra.oidcIssuerProfile = { enabled: true, issuerURL: `https://oidc.prod-aks.azure.com/${TENANT_ID}/${name}/` };
        extra.identityProfile = {
          kubeletidentity: { clientId: `${name}-kubelet-client`, objectId: `${name}-kubelet-object` },
        };
        extra.nodeResourceGroup = `MC_${name}`;
        break;
      case "aws:eks/cluster:Cluster":
        extra.name = inputs.name ?? name;
        extra.arn = arn("eks", `cluster/${inputs.name ?? name}`);
        extra.endpoint = `https://${name.toUpperCase()}.gr7.eu-west-1.eks.amazonaws.com`;
        extra.certificateAuthority = { data: Buffer.from(`offline-ca-${name}`).toString("base64") };
        extra.identities = [
          { oidcs: [{ issuer: `https://oidc.eks.eu-west-1.amazonaws.com/id/${name.toUpperCase()}` }] },
        ];
        break;
      case "aws:eks/nodeGroup:NodeGroup":
        extra.arn = arn("eks", `nodegroup/${name}`);
        extra.resources = [{ autoscalingGroups: [{ name: `eks-${name}-asg` }], remoteAccessSecurityGroupId: "" }];
        break;
      case "aws:iam/role:Role":
        // IAM is global: no region in the ARN, and roles live under role/.
        extra.name = inputs.name ?? name;
        extra.arn = `arn:aws:iam::${ACCOUNT_ID}:role/${String(extra.name)}`;
        break;
      case "aws:sqs/queue:Queue":
        extra.name = inputs.name ?? name;
        extra.arn = arn("sqs", String(extra.name));
        extra.url = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT_ID}/${String(extra.name)}`;
        break;
      case "azure-native:managedidentity:UserAssignedIdentity":
        extra.name = inputs.resourceName ?? name;
        extra.id = azureId(
          inputs.resourceGroupName,
          "Microsoft.ManagedIdentity",
          `userAssignedIdentities/${String(extra.name)}`,
        );
        extra.clientId = mockUuid(`${name}/client`);
        extra.principalId = mockUuid(`${name}/principal`);
        extra.tenantId = TENANT_ID;
        break;
      case "azure-native:managedidentity:FederatedIdentityCredential":
        extra.name = inputs.federatedIdentityCredentialResourceName ?? name;
        extra.id = azureId(
          inputs.resourceGroupName,
          "Microsoft.ManagedIdentity",
          `userAssignedIdentities/${String(inputs.resourceName)}/federatedIdentityCredentials/${String(extra.name)}`,
        );
        break;
      case "azure-native:servicebus:Namespace":
        extra.name = inputs.namespaceName ?? name;
        extra.id = azureId(inputs.resourceGroupName, "Microsoft.ServiceBus", `namespaces/${String(extra.name)}`);
        extra.serviceBusEndpoint = `https://${String(extra.name)}.servicebus.windows.net:443/`;
        break;
      case "azure-native:servicebus:Queue":
      case "azure-native:servicebus:Topic": {
        const [kind, key] = type.endsWith("Queue") ? ["queues", "queueName"] : ["topics", "topicName"];
        extra.name = inputs[key] ?? name;
        extra.id = azureId(
          inputs.resourceGroupName,
          "Microsoft.ServiceBus",
          `namespaces/${String(inputs.namespaceName)}/${kind}/${String(extra.name)}`,
        );
        break;
      }
      case "azure-native:servicebus:Subscription":
        extra.name = inputs.subscriptionName ?? name;
        extra.id = azureId(
          inputs.resourceGroupName,
          "Microsoft.ServiceBus",
          `namespaces/${String(inputs.namespaceName)}/topics/${String(inputs.topicName)}/subscriptions/${String(extra.name)}`,
        );
        break;
      case "random:index/randomPassword:RandomPassword":
        extra.result = `offline-${name}-password`;
        break;
      case "random:index/randomBytes:RandomBytes": {
        // Deterministic bytes from the name, so a plan's hashes are stable from run to run.
        const bytes = Buffer.alloc(Number(inputs.length ?? 32), `offline-${name}`);
        extra.hex = bytes.toString("hex");
        extra.base64 = bytes.toString("base64");
        break;
      }
    }
    if (type.startsWith("aws:")) {
      const service = type.split(":")[1].split("/")[0];
      extra.arn ??= arn(service, name);
      extra.name ??= inputs.name ?? name;
    }
    const { id: armId, ...outputs } = extra;
    return { id: typeof armId === "string" ? armId : id, state: { ...inputs, ...outputs } };
  },
  call(args) {
    switch (args.token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return {
          accountId: ACCOUNT_ID,
          arn: `arn:aws:iam::${ACCOUNT_ID}:user/offline`,
          userId: "AIDAOFFLINE",
          id: ACCOUNT_ID,
        };
      case "aws:index/getAvailabilityZones:getAvailabilityZones":
        return {
          names: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
          zoneIds: ["euw1-az1", "euw1-az2", "euw1-az3"],
          id: "eu-west-1",
        };
      case "aws:ec2/getSubnet:getSubnet": {
        // An existing subnet: its zone, picked deterministically from its id.
        const id = String(args.inputs.id);
        const zone = "abc"[[...id].reduce((n, c) => n + c.charCodeAt(0), 0) % 3];
        return {
          ...args.inputs,
          id,
          availabilityZone: `eu-west-1${zone}`,
          availabilityZoneId: `euw1-az${"abc".indexOf(zone) + 1}`,
        };
      }
      case "aws:index/getRegion:getRegion":
      case "aws:index/getRegion:getRegion_v2":
        return { name: "eu-west-1", region: "eu-west-1", id: "eu-west-1" };
      case "aws:index/getPartition:getPartition":
        return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
      case "aws:iam/getPolicyDocument:getPolicyDocument":
        return {
          json: JSON.stringify({ Version: "2012-10-17", Statement: args.inputs.statements ?? [] }),
          id: "policy",
        };
      case "azure-native:authorization:getClientConfig":
        return {
          clientId: "offline-client",
          objectId: "00000000-0000-4000-8000-000000000003",
          subscriptionId: SUBSCRIPTION_ID,
          tenantId: TENANT_ID,
        };
      case "azure-native:containerservice:listManagedClusterUserCredentials":
        // What AKS returns for an Entra ID cluster: a kubelogin exec in interactive devicecode mode.
        return {
          kubeconfigs: [
            {
              name: "clusterUser",
              value: Buffer.from(AKS_ENTRA_KUBECONFIG(String(args.inputs.resourceName))).toString("base64"),
            },
          ],
        };
      case "azure-native:containerservice:listManagedClusterAdminCredentials":
        return {
          kubeconfigs: [
            {
              name: "clusterAdmin",
              value: Buffer.from(FAKE_KUBECONFIG(`https://${args.inputs.resourceName}.hcp.azmk8s.io:443`)).toString(
                "base64",
              ),
            },
          ],
        };
      default:
        return args.inputs;
    }
  },
};
