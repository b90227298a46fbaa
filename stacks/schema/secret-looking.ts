/**
 * Whether a ConfigMap entry looks like a credential: the same rule as the policy pack's no-plaintext-secrets
 * (policy/rules/secrets.ts secretLooking; the pack cannot import the program, so it keeps its own copy and
 * test/workloads-storage-config.spec.ts holds the two equal), applied by the schema so that such a value is refused
 * before anything is registered.
 */

/** Names that say "this is a credential". `_FILE`/`_PATH`/`_NAME`/`_REF` variants point at one and are fine. */
export const SECRET_NAME =
  /(pass(word|wd)?|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|conn(ection)?[-_]?str(ing)?|auth)$/i;
export const POINTER_NAME = /(_FILE|_PATH|_NAME|_REF|_URL_ENV|_ENDPOINT)$/i;

/** Values that are credentials whatever their name (provider-documented token formats). */
export const SECRET_VALUE: [RegExp, string][] = [
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

/** Placeholders under a credential-looking name (policy/rules/secrets.ts PLACEHOLDER says why each is there). */
export const PLACEHOLDER =
  /^(<[^<>]*>|changeme|\$\{[^{}]*\}|\$\([^()]*\)|\/\S*|-?[0-9]+(\.[0-9]+)*|true|false|yes|no|on|off|none|null|nil|unset|disabled|enabled|required|optional)$/i;

/**
 * Lines longer than this are not scanned for token formats: the URL pattern backtracks quadratically on a long run of
 * letters, and a ConfigMap may hold up to 1 MiB (a minified blob of one line would take minutes).
 */
export const MAX_SCANNED_LINE = 4096;

/** Why a literal `value` under `name` looks like a secret, or undefined. */
export function secretLooking(name: string, value: unknown): string | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const lines = value.split("\n").filter((l) => l.length <= MAX_SCANNED_LINE);
  for (const [re, what] of SECRET_VALUE) if (lines.some((l) => re.test(l))) return `its value looks like ${what}`;
  if (SECRET_NAME.test(name) && !POINTER_NAME.test(name) && !PLACEHOLDER.test(value.trim()))
    return `its name '${name}' says it is a credential`;
  return undefined;
}
