/**
 * Whether a literal value under a name looks like a credential: the pack's no-plaintext-secrets rule (secrets.ts) and
 * the program's schema (stacks/schema/checks/storage.ts, secret-looking ConfigMap entries) share this one module. It
 * imports nothing, so the program can load it without the policy SDK.
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
export const PLACEHOLDER =
  /^(<[^<>]*>|changeme|\$\{[^{}]*\}|\$\([^()]*\)|\/\S*|-?[0-9]+(\.[0-9]+)*|true|false|yes|no|on|off|none|null|nil|unset|disabled|enabled|required|optional)$/i;

/**
 * Lines longer than this are not scanned for token formats: the URL pattern backtracks quadratically on a long run of
 * letters, and a ConfigMap may hold up to 1 MiB (a minified one-line file would take minutes). The program's schema
 * applies the same rule (stacks/schema/checks/storage.ts imports this module).
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
