import { z } from "zod";
import { SEVERITIES } from "../../../observability/names.ts";
import { dnsLabel } from "../common.ts";

/**
 * A credential of a receiver: the name of a Pulumi config secret (`pulumi config set --secret <key> <value>`), as
 * `secrets[].data.*.fromConfig`. The program puts its value in a Kubernetes Secret mounted into Alertmanager, and the
 * receiver reads it from the file (Alertmanager's `*_file` fields); it never appears in chart values or a ConfigMap.
 */
export const configSecretRef = z.strictObject({
  fromConfig: z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/, {
    error:
      "must be the name of a config key holding the secret (letters and digits, starting with a letter, e.g. alertSlackUrl), set with `pulumi config set --secret <key> <value>`",
  }),
});

const severities = z.array(z.enum(SEVERITIES)).min(1);

const common = {
  /** Receiver name (Alertmanager's `receivers[].name`). */
  name: dnsLabel,
  /**
   * Severities routed to this receiver. Defaults to its type's: pagerduty critical; slack and email critical and
   * warning; webhook critical, warning and info.
   */
  severities: severities.optional(),
  /** Also notify when the alert resolves. Defaults to true. */
  sendResolved: z.boolean().default(true),
};

export const receiver = z.discriminatedUnion(
  "type",
  [
    z.strictObject({
      type: z.literal("webhook"),
      ...common,
      /** URL the alerts are POSTed to, token included: a config secret (`url_file`). */
      url: configSecretRef,
    }),
    z.strictObject({
      type: z.literal("slack"),
      ...common,
      /** Slack incoming-webhook URL: a config secret (`api_url_file`). */
      apiUrl: configSecretRef,
      /** Channel, e.g. #alerts. Defaults to the webhook's own channel. */
      channel: z.string().min(1).optional(),
    }),
    z.strictObject({
      type: z.literal("pagerduty"),
      ...common,
      /** PagerDuty Events API v2 integration (routing) key: a config secret (`routing_key_file`). */
      routingKey: configSecretRef,
    }),
    z.strictObject({
      type: z.literal("email"),
      ...common,
      /** Recipient address(es), comma-separated. */
      to: z.string().min(3),
      /** Sender address. */
      from: z.string().min(3),
      /** SMTP server as host:port, e.g. smtp.example.com:587. */
      smarthost: z.string().regex(/^[^\s:]+:[0-9]{1,5}$/, { error: "must be host:port, e.g. smtp.example.com:587" }),
      /** SMTP user. Defaults to none (no SMTP authentication). */
      authUsername: z.string().min(1).optional(),
      /** SMTP password: a config secret (`auth_password_file`). Required with authUsername. Defaults to none. */
      authPassword: configSecretRef.optional(),
      /** Require STARTTLS. Defaults to true. */
      requireTls: z.boolean().default(true),
    }),
  ],
  { error: "type must be one of webhook, slack, pagerduty, email" },
);
export type ReceiverConfig = z.infer<typeof receiver>;

/** Severities a receiver gets when it lists none: paging for critical only, chat and mail for what needs a look. */
export const DEFAULT_SEVERITIES: Record<ReceiverConfig["type"], (typeof SEVERITIES)[number][]> = {
  pagerduty: ["critical"],
  slack: ["critical", "warning"],
  email: ["critical", "warning"],
  webhook: ["critical", "warning", "info"],
};

export const alertmanager = z
  .strictObject({
    /**
     * Run Alertmanager (the in-cluster Prometheus chart's alertmanager sub-chart; Prometheus is pointed at it).
     * Needs addons.prometheus enabled without externalUrl. Defaults to false.
     */
    enabled: z.boolean().default(false),
    /** Where alerts go, each with the severities routed to it. Defaults to none (alerts are only shown in its UI). */
    receivers: z.array(receiver).default([]),
    /** Labels alerts are grouped by into one notification. Defaults to [alertname, worker, pool]. */
    groupBy: z
      .array(
        z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: "must be a Prometheus label name such as alertname" }),
      )
      .default(["alertname", "worker", "pool"]),
    /** How long to wait before re-sending a notification for an alert still firing. Defaults to 4h. */
    repeatInterval: z
      .string()
      .regex(/^([0-9]+[hms])+$/, { error: "must be a duration such as 4h or 30m" })
      .default("4h"),
  })
  .prefault({});
export type AlertmanagerConfig = z.infer<typeof alertmanager>;

/** A receiver's credentials: the field that holds each and the config key it comes from. */
export function receiverSecrets(r: ReceiverConfig): { field: string; fromConfig: string }[] {
  switch (r.type) {
    case "webhook":
      return [{ field: "url", fromConfig: r.url.fromConfig }];
    case "slack":
      return [{ field: "apiUrl", fromConfig: r.apiUrl.fromConfig }];
    case "pagerduty":
      return [{ field: "routingKey", fromConfig: r.routingKey.fromConfig }];
    case "email":
      return r.authPassword ? [{ field: "authPassword", fromConfig: r.authPassword.fromConfig }] : [];
  }
}
