import * as pulumi from "@pulumi/pulumi";
import { parse, stringify } from "yaml";

/**
 * kubeconfig of an EKS cluster with exec auth through `aws eks get-token` (the AWS CLI on the machine running Pulumi
 * or kubectl, with credentials of a principal that has an access entry). JSON is valid YAML. Always a secret: it names
 * the endpoint and CA, and callers export it.
 */
export function eksKubeconfig(args: {
  name: string;
  region: string;
  endpoint: pulumi.Input<string>;
  caData: pulumi.Input<string>;
}): pulumi.Output<string> {
  const { name, region } = args;
  return pulumi.secret(
    pulumi.all([args.endpoint, args.caData]).apply(([server, ca]) =>
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name, cluster: { server, "certificate-authority-data": ca } }],
        contexts: [{ name, context: { cluster: name, user: name } }],
        "current-context": name,
        users: [
          {
            name,
            user: {
              exec: {
                apiVersion: "client.authentication.k8s.io/v1beta1",
                command: "aws",
                args: ["eks", "get-token", "--cluster-name", name, "--region", region, "--output", "json"],
              },
            },
          },
        ],
      }),
    ),
  );
}

/** kubelogin `--login` modes the platform supports (stacks/schema/cluster.ts `azure.kubeloginMode`). */
export type KubeloginMode = "azurecli" | "workloadidentity" | "spn" | "msi" | "devicecode";

/**
 * The first kubeconfig of an AKS credentials result, base64-decoded, with its kubelogin exec switched to `mode`, as a
 * secret. With local accounts disabled, AKS returns a kubeconfig whose user runs `kubelogin get-token --login
 * devicecode` (interactive: a `pulumi up` in CI would wait for a human). azure.github.io/kubelogin (convert-kubeconfig).
 */
export function decodeAksKubeconfig(
  result: pulumi.Output<{ kubeconfigs: { value: string }[] }>,
  mode: KubeloginMode,
): pulumi.Output<string> {
  return pulumi.secret(
    result.apply((r) => {
      const value = r.kubeconfigs?.[0]?.value;
      if (!value) throw new Error("AKS returned no user kubeconfig");
      return withKubeloginMode(Buffer.from(value, "base64").toString("utf8"), mode);
    }),
  );
}

/**
 * Rewrites every `kubelogin get-token` exec of a kubeconfig to `--login <mode>`. `--client-id` (the interactive
 * public client AKS puts there) is kept only for devicecode: the other modes take their client from the environment
 * (AZURE_CLIENT_ID, AAD_SERVICE_PRINCIPAL_CLIENT_ID) or need none (azurecli), and a flag would override it.
 */
export function withKubeloginMode(kubeconfig: string, mode: KubeloginMode): string {
  const doc = parse(kubeconfig) as { users?: { user?: { exec?: { command?: string; args?: string[] } } }[] };
  for (const { user } of doc.users ?? []) {
    const exec = user?.exec;
    if (!exec || !/(^|\/)kubelogin(\.exe)?$/.test(exec.command ?? "")) continue;
    const args = exec.args ?? [];
    const kept: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const flag = args[i];
      const takesValue =
        flag.startsWith("-") && !flag.includes("=") && i + 1 < args.length && !args[i + 1].startsWith("-");
      const drop = flag === "--login" || flag === "-l" || (flag === "--client-id" && mode !== "devicecode");
      if (!drop) kept.push(flag, ...(takesValue ? [args[i + 1]] : []));
      if (takesValue) i++;
    }
    exec.args = [...kept, "--login", mode];
  }
  return stringify(doc);
}
