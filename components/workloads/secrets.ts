import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { SecretConfig } from "../../stacks/schema/index.ts";
import type { WorkloadEnv } from "./common.ts";
import { k8sOpts } from "./common.ts";

/** A Kubernetes Secret the platform created, with its values (Pulumi secrets) for objects derived from them. */
export interface PlatformSecret {
  name: string;
  resource: k8s.core.v1.Secret;
  /** Every key's value, always a Pulumi secret. */
  values: Record<string, pulumi.Output<string>>;
}

/**
 * A random password kept in state. `result` is a secret output of the provider already; additionalSecretOutputs
 * makes that explicit, so a provider schema change cannot turn it into plaintext in the state file. No special
 * characters: these values end up in URLs (the RabbitMQ management URL KEDA reads) and shell arguments.
 */
export function generatedPassword(name: string, length: number, parent: pulumi.Resource): pulumi.Output<string> {
  const pw = new random.RandomPassword(
    name,
    { length, special: false },
    { parent, additionalSecretOutputs: ["result"] },
  );
  return pulumi.secret(pw.result);
}

/** A Secret from values that are Pulumi secrets; `stringData` is always sent as a secret. */
export function secretOf(
  env: WorkloadEnv,
  resourceName: string,
  name: string,
  values: Record<string, pulumi.Input<string>>,
  parent: pulumi.Resource,
  labels: Record<string, string> = {},
): k8s.core.v1.Secret {
  const stringData = pulumi.secret(pulumi.output(values) as pulumi.Output<Record<string, string>>);
  return new k8s.core.v1.Secret(
    resourceName,
    {
      metadata: {
        name,
        namespace: env.namespace,
        labels: { "app.kubernetes.io/managed-by": "worker-platform", ...labels },
      },
      type: "Opaque",
      stringData,
    },
    { ...k8sOpts(env, parent), additionalSecretOutputs: ["data", "stringData"] },
  );
}

/**
 * The `secrets` of the stack config as Kubernetes Secrets (never ConfigMaps): `fromConfig` keys read the Pulumi
 * config secret (`pulumi config set --secret <key> ...`), `generate` keys are random passwords kept in state (one
 * per cluster: each cluster's Secret and consumers are self-contained).
 */
export function createConfigSecrets(
  env: WorkloadEnv,
  secrets: SecretConfig[],
  parent: pulumi.Resource,
): Map<string, PlatformSecret> {
  const config = new pulumi.Config();
  const out = new Map<string, PlatformSecret>();
  for (const s of secrets) {
    const values: Record<string, pulumi.Output<string>> = {};
    for (const [key, source] of Object.entries(s.data)) {
      values[key] =
        "fromConfig" in source
          ? config.requireSecret(source.fromConfig)
          : generatedPassword(
              `${env.cluster.name}-${s.name}-${key.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`,
              source.generate.length,
              parent,
            );
    }
    out.set(s.name, {
      name: s.name,
      values,
      resource: secretOf(env, `${env.cluster.name}-${s.name}`, s.name, values, parent),
    });
  }
  return out;
}
