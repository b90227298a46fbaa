import { z } from "zod";
import type { AlertmanagerConfig, ReceiverConfig } from "../stacks/schema/index.ts";
import { DEFAULT_SEVERITIES, receiverSecrets } from "../stacks/schema/index.ts";
import { ALERTS, SEVERITIES } from "./names.ts";

/** Where the receivers' Secret is mounted in the Alertmanager pod; each credential is the file `<dir>/<key>`. */
export const SECRETS_DIR = "/etc/alertmanager-secrets";
/** Receiver of alerts no route takes: no integration, so they show in Alertmanager's UI and go nowhere. */
export const NULL_RECEIVER = "none";

/** Key in the receivers' Secret of one credential of one receiver, e.g. `oncall-routingKey`. */
export const secretKeyOf = (receiver: string, field: string) => `${receiver}-${field}`;

/** The credentials to put in the receivers' Secret: Secret key → the config key holding the value. */
export function receiverSecretKeys(cfg: AlertmanagerConfig): Record<string, string> {
  return Object.fromEntries(
    cfg.receivers.flatMap((r) => receiverSecrets(r).map((s) => [secretKeyOf(r.name, s.field), s.fromConfig])),
  );
}

const file = (r: ReceiverConfig, field: string) => `${SECRETS_DIR}/${secretKeyOf(r.name, field)}`;

/**
 * One receiver as Alertmanager reads it. Every credential is a `*_file` field (prometheus/alertmanager v0.34.0, the
 * app version of alertmanager chart 1.42.0: webhook `url_file` notify/webhook/config.go, slack `api_url_file` and
 * email `auth_password_file` config/notifiers.go, pagerduty `routing_key_file` notify/pagerduty/config.go), so the
 * config holds paths only and can live in a ConfigMap.
 */
function receiverOf(r: ReceiverConfig): Record<string, unknown> {
  const send_resolved = r.sendResolved;
  switch (r.type) {
    case "webhook":
      return { name: r.name, webhook_configs: [{ url_file: file(r, "url"), send_resolved }] };
    case "slack":
      return {
        name: r.name,
        slack_configs: [
          { api_url_file: file(r, "apiUrl"), ...(r.channel ? { channel: r.channel } : {}), send_resolved },
        ],
      };
    case "pagerduty":
      return { name: r.name, pagerduty_configs: [{ routing_key_file: file(r, "routingKey"), send_resolved }] };
    case "email":
      return {
        name: r.name,
        email_configs: [
          {
            to: r.to,
            from: r.from,
            smarthost: r.smarthost,
            require_tls: r.requireTls,
            ...(r.authUsername ? { auth_username: r.authUsername } : {}),
            ...(r.authPassword ? { auth_password_file: file(r, "authPassword") } : {}),
            send_resolved,
          },
        ],
      };
  }
}

const eq = (label: string, value: string) => `${label}="${value}"`;
const oneOf = (label: string, values: string[]) => `${label}=~"${values.join("|")}"`;

/**
 * Symptom alerts silenced while their cause fires (Alertmanager `inhibit_rules`; `equal` labels must match between
 * the two, a label missing on both counts as equal: prometheus/alertmanager inhibit/inhibit.go).
 */
export function inhibitRules(): Record<string, unknown>[] {
  const down = (component: string) => [eq("alertname", ALERTS.componentDown), eq("component", component)];
  return [
    // A critical alert already says what its warning would: same alert, same worker/pool.
    {
      source_matchers: [eq("severity", "critical")],
      target_matchers: [oneOf("severity", ["warning", "info"])],
      equal: ["alertname", "worker", "pool"],
    },
    // Without the KEDA operator nothing scales and no scaler is read: every worker's backlog and scaler alerts follow.
    {
      source_matchers: down("keda-operator"),
      target_matchers: [
        oneOf("alertname", [ALERTS.scalerErrors, ALERTS.backlogHigh, ALERTS.backlogGrowing, ALERTS.atMaxReplicas]),
      ],
      equal: [],
    },
    // Without KEDA's metrics server the HPAs read no external metric: scalers look broken, backlogs grow.
    {
      source_matchers: down("keda-metrics-server"),
      target_matchers: [oneOf("alertname", [ALERTS.scalerErrors, ALERTS.backlogHigh, ALERTS.backlogGrowing])],
      equal: [],
    },
    // No DCGM exporter, no GPU utilisation: idle-GPU findings are not to be trusted.
    { source_matchers: down("dcgm-exporter"), target_matchers: [eq("alertname", ALERTS.gpuIdle)], equal: [] },
    // A worker whose scaler cannot be read stays where it is (stuck at zero): its backlog is the consequence.
    {
      source_matchers: [eq("alertname", ALERTS.scalerErrors)],
      target_matchers: [oneOf("alertname", [ALERTS.backlogHigh, ALERTS.backlogGrowing])],
      equal: ["worker"],
    },
    // A worker at its max replicas: the backlog is the cap's consequence; the max-replicas alert says what to change.
    {
      source_matchers: [eq("alertname", ALERTS.atMaxReplicas)],
      target_matchers: [oneOf("alertname", [ALERTS.backlogHigh, ALERTS.backlogGrowing])],
      equal: ["worker"],
    },
  ];
}

/**
 * The whole Alertmanager configuration (alertmanager.yml): one route per (severity, receiver), each with `continue`
 * so an alert reaches every receiver of its severity; alerts no route takes go to the null receiver.
 */
export function alertmanagerConfig(cfg: AlertmanagerConfig): AlertmanagerFile {
  const routes = SEVERITIES.flatMap((severity) =>
    cfg.receivers
      .filter((r) => (r.severities ?? DEFAULT_SEVERITIES[r.type]).includes(severity))
      .map((r) => ({ matchers: [eq("severity", severity)], receiver: r.name, continue: true })),
  );
  const doc = {
    global: { resolve_timeout: "5m" },
    route: {
      receiver: NULL_RECEIVER,
      group_by: cfg.groupBy,
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: cfg.repeatInterval,
      routes,
    },
    receivers: [{ name: NULL_RECEIVER }, ...cfg.receivers.map(receiverOf)],
    inhibit_rules: inhibitRules(),
  };
  const problems = validateAlertmanagerFile(doc, Object.keys(receiverSecretKeys(cfg)));
  if (problems.length > 0) throw new Error(`generated Alertmanager config is invalid:\n  ${problems.join("\n  ")}`);
  return doc as AlertmanagerFile;
}

// The shape Alertmanager loads (prometheus/alertmanager v0.34.0 config/config.go Config, Route, InhibitRule;
// receivers' fields as cited at receiverOf), limited to what the program writes: strict, so a misspelt field fails
// here rather than at Alertmanager's start-up ("field x not found in type config.plain").
const duration = z.string().regex(/^([0-9]+(ms|[smhdwy]))+$/);
const matcher = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*(=|!=|=~|!~)"[^"]*"$/);
const route = z.strictObject({
  receiver: z.string().min(1).optional(),
  group_by: z.array(z.string()).optional(),
  group_wait: duration.optional(),
  group_interval: duration.optional(),
  repeat_interval: duration.optional(),
  matchers: z.array(matcher).optional(),
  continue: z.boolean().optional(),
  get routes() {
    return z.array(route).optional();
  },
});
const secretFile = z.string().startsWith(`${SECRETS_DIR}/`);
const receiverFile = z.strictObject({
  name: z.string().min(1),
  webhook_configs: z.array(z.strictObject({ url_file: secretFile, send_resolved: z.boolean() })).optional(),
  slack_configs: z
    .array(z.strictObject({ api_url_file: secretFile, channel: z.string().optional(), send_resolved: z.boolean() }))
    .optional(),
  pagerduty_configs: z.array(z.strictObject({ routing_key_file: secretFile, send_resolved: z.boolean() })).optional(),
  email_configs: z
    .array(
      z.strictObject({
        to: z.string(),
        from: z.string(),
        smarthost: z.string().regex(/^[^\s:]+:[0-9]+$/),
        require_tls: z.boolean(),
        auth_username: z.string().optional(),
        auth_password_file: secretFile.optional(),
        send_resolved: z.boolean(),
      }),
    )
    .optional(),
});
export const alertmanagerFileSchema = z.strictObject({
  global: z.strictObject({ resolve_timeout: duration }).optional(),
  route: route.extend({ receiver: z.string().min(1) }),
  receivers: z.array(receiverFile).min(1),
  inhibit_rules: z
    .array(
      z.strictObject({
        source_matchers: z.array(matcher).min(1),
        target_matchers: z.array(matcher).min(1),
        equal: z.array(z.string()),
      }),
    )
    .optional(),
});
export type AlertmanagerFile = z.infer<typeof alertmanagerFileSchema>;

/**
 * Problems of an Alertmanager config: its shape, and what Alertmanager checks on load (config/config.go Load:
 * unique receiver names, every route's receiver defined, the root route has one), plus that every credential file is
 * a key of the receivers' Secret.
 */
export function validateAlertmanagerFile(doc: unknown, secretKeys: string[]): string[] {
  const parsed = alertmanagerFileSchema.safeParse(doc);
  if (!parsed.success)
    return parsed.error.issues.map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`);
  const problems: string[] = [];
  const names = parsed.data.receivers.map((r) => r.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) problems.push(`receivers[${i}]: receiver "${n}" is defined twice`);
  });
  const walk = (r: z.infer<typeof route>, at: string) => {
    if (r.receiver && !names.includes(r.receiver)) problems.push(`${at}.receiver: "${r.receiver}" is not a receiver`);
    r.routes?.forEach((child, i) => walk(child, `${at}.routes[${i}]`));
  };
  walk(parsed.data.route, "route");
  const files = JSON.stringify(parsed.data.receivers).match(new RegExp(`"${SECRETS_DIR}/[^"]+"`, "g")) ?? [];
  for (const f of files) {
    const key = (JSON.parse(f) as string).slice(SECRETS_DIR.length + 1);
    if (!secretKeys.includes(key)) problems.push(`${key}: referenced as a credential file, not a key of the Secret`);
  }
  return problems;
}
