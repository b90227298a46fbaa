import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isWaived, objectRef } from "./lib/common.ts";
import type { Obj } from "./lib/k8s.ts";
import { containersOf, podSpecOf, T } from "./lib/k8s.ts";
import { workloadApplies, workloadSchema } from "./lib/workload.ts";
import { secretLooking } from "./lib/secret-looking.ts";

export { secretLooking };

/**
 * ConfigMaps and literal env values end up in plan files, `kubectl describe` and every reader of the namespace;
 * credentials belong in Secrets (env valueFrom.secretKeyRef), which the platform creates from Pulumi secrets.
 */
export const noPlaintextSecrets: ResourceValidationPolicy = {
  name: "no-plaintext-secrets",
  description: "ConfigMaps and literal container env values hold no secret-looking values.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Move the value into a Secret (stack config `secrets`, from a Pulumi config secret) and reference it with env.valueFrom.secretKeyRef " +
    "(workers: `secretEnv`); rotate the exposed credential.",
  configSchema: { properties: { ...workloadSchema } },
  validateResource: (args, report) => {
    if (args.type === T.ConfigMap) {
      if (isWaived(args.props, "no-plaintext-secrets")) return;
      const data: Obj = args.props.data ?? {};
      for (const key of Object.keys(data)) {
        const why = secretLooking(key, data[key]);
        if (why) report(`ConfigMap ${objectRef(args.props, args.name)}: key '${key}' looks like a secret (${why}).`);
      }
      return;
    }
    const spec = podSpecOf(args.type, args.props);
    if (!spec || !workloadApplies(args, "no-plaintext-secrets")) return;
    const ref = `${args.type.split(":").pop()} ${objectRef(args.props, args.name)}`;
    for (const { container: c, name, kind } of containersOf(spec)) {
      for (const e of c.env ?? []) {
        if (e.valueFrom) continue;
        const why = secretLooking(String(e.name), e.value);
        if (why) report(`${ref}, ${kind} '${name}': env ${e.name} is a literal secret-looking value (${why}).`);
      }
    }
  },
};

/** Trigger metadata keys (with or without the FromEnv suffix) that are credentials in KEDA's scalers. */
const CREDENTIAL_KEY =
  /^(password|connection|connectionString|apiKey|token|bearerToken|accessKey|secretKey|awsAccessKeyID|awsSecretAccessKey|sharedAccessKey|storageAccountKey|sasl[A-Za-z]*|[A-Za-z]*[Ss]ecret[A-Za-z]*)(FromEnv)?$/;
/** Keys whose value is an address that may embed credentials (rabbitmq `host` is amqp://user:pass@host/vhost by design). */
const ADDRESS_KEY = /^(host|hosts|address|addresses|serverAddress|url)$/;
const URL_WITH_PASSWORD = /:\/\/[^/\s@:]*:[^/\s@]+@/;

/**
 * KEDA reads trigger credentials either from `authenticationRef` (a TriggerAuthentication with secretTargetRef,
 * read by the operator only) or from literal metadata / `*FromEnv` (which puts the credential in the ScaledObject,
 * or in the worker's own env). Only the first keeps credentials in Secrets that only the operator reads
 * (keda.sh/docs/2.20/concepts/authentication).
 */
export const kedaTriggerCredentials: ResourceValidationPolicy = {
  name: "keda-trigger-credentials-via-auth-ref",
  description: "KEDA triggers get credentials only through authenticationRef, never literal or *FromEnv metadata.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Create a TriggerAuthentication with secretTargetRef entries (parameter: password/host/..., name: <secret>, key: <key>) " +
    "and reference it from the trigger's authenticationRef; keep only non-secret metadata (listName, queueName, an address without credentials).",
  validateResource: (args, report) => {
    if (args.type !== T.ScaledObject && args.type !== T.ScaledJob) return;
    if (isWaived(args.props, "keda-trigger-credentials-via-auth-ref")) return;
    const ref = `${args.type.split(":").pop()} ${objectRef(args.props, args.name)}`;
    for (const [i, t] of ((args.props.spec?.triggers ?? []) as Obj[]).entries()) {
      const md: Obj = t.metadata ?? {};
      const where = `${ref}, trigger ${i} (${t.type})`;
      for (const key of Object.keys(md)) {
        const value = md[key];
        if (CREDENTIAL_KEY.test(key)) report(`${where}: metadata.${key} carries a credential; use authenticationRef.`);
        else if (t.type === "rabbitmq" && key === "hostFromEnv")
          report(
            `${where}: metadata.hostFromEnv puts the rabbitmq URL (with its password) in the worker's env; use authenticationRef.`,
          );
        else if (ADDRESS_KEY.test(key) && typeof value === "string" && URL_WITH_PASSWORD.test(value))
          report(`${where}: metadata.${key} embeds credentials in a URL; use authenticationRef.`);
        else if (!ADDRESS_KEY.test(key) && secretLooking(key, value))
          report(
            `${where}: metadata.${key} looks like a secret (${secretLooking(key, value)}); use authenticationRef.`,
          );
      }
    }
  },
};

export const secretPolicies = [noPlaintextSecrets, kedaTriggerCredentials];
