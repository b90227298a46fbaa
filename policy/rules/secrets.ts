import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isWaived, objectRef } from "./lib/common.ts";
import type { Obj } from "./lib/k8s.ts";
import { containersOf, podSpecOf, T } from "./lib/k8s.ts";
import { workloadApplies, workloadSchema } from "./lib/workload.ts";

/** Names that say "this is a credential". `_FILE`/`_PATH`/`_NAME`/`_REF` variants point at one and are fine. */
const SECRET_NAME =
  /(pass(word|wd)?|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|conn(ection)?[-_]?str(ing)?|auth)$/i;
const POINTER_NAME = /(_FILE|_PATH|_NAME|_REF|_URL_ENV|_ENDPOINT)$/i;

/** Values that are credentials whatever their name (provider-documented token formats). */
const SECRET_VALUE: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
  [/\bAKIA[0-9A-Z]{16}\b/, "an AWS access key id"],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, "a GitHub token"],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, "a Slack token"],
  [/\bhf_[A-Za-z0-9]{30,}\b/, "a Hugging Face token"],
  [/\bsk-[A-Za-z0-9_-]{20,}\b/, "an API secret key"],
  [/\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, "a JWT"],
  [/AccountKey=[A-Za-z0-9+/=]{20,}/, "an Azure storage account key"],
  [/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i, "a URL with a password"],
];

/**
 * Values under a credential-looking name that are not credentials. Only explicit placeholders, never "short":
 * `DB_PASSWORD: hunter2` is a password whatever its length. Each entry is here for a reason:
 * - empty / whitespace only: nothing is set (checked before this pattern);
 * - `<...>`, `changeme`: documentation placeholders a reader is told to replace;
 * - `${VAR}`, `$(VAR)`: a reference, expanded from another variable (Kubernetes expands `$(VAR)` in env values);
 * - absolute paths: where the credential is mounted (`API_TOKEN: /var/run/secrets/token`), not the credential;
 * - numbers (and dotted versions): 0/1 switches, ports, counts, protocol versions (`PROXY_AUTH: 0`). A
 *   numeric-only password slips through: the price of not flagging every numeric setting;
 * - booleans (`true/false`, and YAML 1.1's `yes/no/on/off`) and the switch words `none/null/nil/unset/disabled/
 *   enabled/required/optional`: whether auth is on, off or needed (`REDIS_AUTH: disabled`, `MTLS_AUTH: required`).
 * Anything else, including mode names (`REDIS_AUTH: basic`), is treated as a credential: name such settings
 * `*_MODE`/`*_TYPE` (as `AUTH_MODE`), which SECRET_NAME does not match.
 */
const PLACEHOLDER =
  /^(<[^<>]*>|changeme|\$\{[^{}]*\}|\$\([^()]*\)|\/\S*|-?[0-9]+(\.[0-9]+)*|true|false|yes|no|on|off|none|null|nil|unset|disabled|enabled|required|optional)$/i;

/**
 * Lines longer than this are not scanned for token formats: the URL pattern backtracks quadratically on a long run of
 * letters, and a ConfigMap may hold up to 1 MiB (a minified one-line file would take minutes). The program's schema
 * applies the same rule (stacks/schema/secret-looking.ts).
 */
const MAX_SCANNED_LINE = 4096;

/** Why a literal `value` under `name` looks like a secret, or undefined. */
export function secretLooking(name: string, value: unknown): string | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const lines = value.split("\n").filter((l) => l.length <= MAX_SCANNED_LINE);
  for (const [re, what] of SECRET_VALUE) if (lines.some((l) => re.test(l))) return `its value looks like ${what}`;
  if (SECRET_NAME.test(name) && !POINTER_NAME.test(name) && !PLACEHOLDER.test(value.trim()))
    return `its name '${name}' says it is a credential`;
  return undefined;
}

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
