import * as pulumi from "@pulumi/pulumi";

/**
 * kubeconfig of an EKS cluster with exec auth through `aws eks get-token` (the AWS CLI on the machine running Pulumi
 * or kubectl, with credentials of a principal that has an access entry). JSON is valid YAML. Always a secret: it names
 * the endpoint and CA, and callers export it.
 */
export function eksKubeconfig(args: { name: string; region: string; endpoint: pulumi.Input<string>; caData: pulumi.Input<string> }): pulumi.Output<string> {
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

/** The first kubeconfig of an AKS credentials result, base64-decoded, as a secret. */
export function decodeAksKubeconfig(result: pulumi.Output<{ kubeconfigs: { value: string }[] }>): pulumi.Output<string> {
  return pulumi.secret(
    result.apply((r) => {
      const value = r.kubeconfigs?.[0]?.value;
      if (!value) throw new Error("AKS returned no user kubeconfig");
      return Buffer.from(value, "base64").toString("utf8");
    }),
  );
}
