import * as assert from "node:assert/strict";
import {
  alertmanagerConfig,
  inhibitRules,
  NULL_RECEIVER,
  SECRETS_DIR,
  validateAlertmanagerFile,
} from "../observability/alertmanager.ts";
import { ALERTS } from "../observability/names.ts";
import { alertmanager as alertmanagerSchema } from "../stacks/schema/index.ts";
import { runAddons } from "./helpers/addons.ts";
import { configProblems, minimalStack } from "./helpers/config.ts";

const receivers = [
  { name: "oncall", type: "pagerduty", routingKey: { fromConfig: "pdKey" } },
  { name: "chat", type: "slack", apiUrl: { fromConfig: "slackUrl" }, channel: "#alerts" },
  { name: "hook", type: "webhook", url: { fromConfig: "hookUrl" }, severities: ["info"] },
  {
    name: "mail",
    type: "email",
    to: "ops@example.com",
    from: "am@example.com",
    smarthost: "smtp.example.com:587",
    authUsername: "am",
    authPassword: { fromConfig: "smtpPassword" },
  },
];
const SECRETS = {
  pdKey: "pd-secret-0001",
  slackUrl: "https://hooks.slack.com/services/T0/B0/secret0002",
  hookUrl: "https://hook.example.com/t/secret0003",
  smtpPassword: "smtp-secret-0004",
};
const amConfig = (over: Record<string, unknown> = {}) =>
  alertmanagerSchema.parse({ enabled: true, receivers, ...over });

describe("observability: Alertmanager", () => {
  describe("config generation", () => {
    it("routes each severity to the receivers that take it, paging for critical only by default", () => {
      const doc = alertmanagerConfig(amConfig());
      const routes = doc.route.routes!.map((r) => `${r.matchers![0]} -> ${r.receiver}`);
      assert.deepEqual(routes, [
        'severity="critical" -> oncall',
        'severity="critical" -> chat',
        'severity="critical" -> mail',
        'severity="warning" -> chat',
        'severity="warning" -> mail',
        'severity="info" -> hook',
      ]);
      assert.ok(doc.route.routes!.every((r) => r.continue === true));
      assert.equal(doc.route.receiver, NULL_RECEIVER);
      assert.deepEqual(doc.route.group_by, ["alertname", "worker", "pool"]);
    });
    it("references every credential as a file under the mounted Secret, never its value", () => {
      const doc = alertmanagerConfig(amConfig());
      const byName = Object.fromEntries(doc.receivers.map((r) => [r.name, r]));
      assert.equal(byName.oncall.pagerduty_configs![0].routing_key_file, `${SECRETS_DIR}/oncall-routingKey`);
      assert.equal(byName.chat.slack_configs![0].api_url_file, `${SECRETS_DIR}/chat-apiUrl`);
      assert.equal(byName.chat.slack_configs![0].channel, "#alerts");
      assert.equal(byName.hook.webhook_configs![0].url_file, `${SECRETS_DIR}/hook-url`);
      assert.equal(byName.mail.email_configs![0].auth_password_file, `${SECRETS_DIR}/mail-authPassword`);
      const text = JSON.stringify(doc);
      for (const v of Object.values(SECRETS)) assert.ok(!text.includes(v));
    });
    it("inhibits symptoms by their cause, with the shared alert names", () => {
      const rules = inhibitRules();
      const keda = rules.find((r) => JSON.stringify(r.source_matchers).includes("keda-operator"))!;
      assert.deepEqual(keda.source_matchers, [`alertname="${ALERTS.componentDown}"`, 'component="keda-operator"']);
      const targets = String((keda.target_matchers as string[])[0]);
      for (const a of [ALERTS.scalerErrors, ALERTS.backlogHigh]) assert.ok(targets.includes(a), targets);
      const severity = rules[0];
      assert.deepEqual(severity.source_matchers, ['severity="critical"']);
      assert.deepEqual(severity.equal, ["alertname", "worker", "pool"]);
      const stuck = rules.find((r) => JSON.stringify(r.source_matchers).includes(ALERTS.scalerErrors))!;
      assert.deepEqual(stuck.equal, ["worker"]);
      // GpuPodsUnschedulable and PodsUnschedulable never cover the same pod (`and on` / `unless on`): muting the
      // latter by the former would hide CPU pods stuck in the same namespace.
      assert.ok(
        !rules.some((r) => JSON.stringify(r.source_matchers).includes(ALERTS.gpuPodsUnschedulable)),
        "no inhibition by GpuPodsUnschedulable",
      );
    });
    it("validates the shape Alertmanager loads, both ways", () => {
      const doc = alertmanagerConfig(amConfig());
      const keys = ["oncall-routingKey", "chat-apiUrl", "hook-url", "mail-authPassword"];
      assert.deepEqual(validateAlertmanagerFile(doc, keys), []);
      const badRoute = {
        ...doc,
        route: { ...doc.route, routes: [{ receiver: "nobody", matchers: ['severity="critical"'] }] },
      };
      assert.match(
        validateAlertmanagerFile(badRoute, keys).join("\n"),
        /route\.routes\[0\]\.receiver: "nobody" is not a receiver/,
      );
      const misspelt = {
        ...doc,
        receivers: [{ name: "x", slack_configs: [{ api_url: "https://x", send_resolved: true }] }],
      };
      assert.match(validateAlertmanagerFile(misspelt, keys).join("\n"), /api_url/);
      assert.match(
        validateAlertmanagerFile(doc, ["oncall-routingKey"]).join("\n"),
        /chat-apiUrl: referenced as a credential file/,
      );
    });
  });

  describe("config errors", () => {
    const stack = (am: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      ...minimalStack(),
      observability: { alertmanager: { enabled: true, ...am } },
      ...extra,
    });
    it("a receiver whose secret is not set names the key", () => {
      const problems = configProblems(stack({ receivers: [receivers[0]] }));
      assert.deepEqual(problems, [
        'observability.alertmanager.receivers[0].routingKey.fromConfig: config key "pdKey" is not set; run `pulumi config set --secret pdKey <value>`',
      ]);
    });
    it("a receiver secret stored in plaintext is refused", () => {
      const problems = configProblems({
        ...stack({ receivers: [receivers[1]] }),
        slackUrl: "https://hooks.slack.com/x",
      });
      assert.match(
        problems.join("\n"),
        /receivers\[0\]\.apiUrl\.fromConfig: config key "slackUrl" is stored in plaintext/,
      );
    });
    it("accepts receivers whose secrets are set as secrets", () => {
      assert.deepEqual(configProblems({ ...stack({ receivers }), ...SECRETS }, Object.keys(SECRETS)), []);
    });
    it("refuses Alertmanager without the in-cluster Prometheus, duplicate receivers, a user without password", () => {
      const problems = configProblems(
        {
          ...stack({ receivers: [receivers[0], { ...receivers[0] }, { ...receivers[3], authPassword: undefined }] }),
          addons: { prometheus: { externalUrl: "https://prom.example.com" } },
          ...SECRETS,
        },
        Object.keys(SECRETS),
      );
      const text = problems.join("\n");
      assert.match(
        text,
        /observability\.alertmanager\.enabled: Alertmanager runs as the in-cluster Prometheus chart's sub-chart/,
      );
      assert.match(text, /observability\.alertmanager\.receivers\[1\]\.name: receiver "oncall" is declared twice/);
      assert.match(
        text,
        /observability\.alertmanager\.receivers\[2\]\.authPassword: authUsername is set without authPassword/,
      );
    });
    it("a receiver of an unknown type names the field", () => {
      const problems = configProblems(stack({ receivers: [{ name: "x", type: "teams" }] }));
      assert.match(problems.join("\n"), /observability\.alertmanager\.receivers\[0\]/);
    });
  });

  describe("resources", () => {
    it("puts credentials only in the Secret, the config in a ConfigMap, and points the sub-chart at both", async () => {
      const run = await runAddons(
        "aks",
        {},
        {
          observability: {
            alertmanager: amConfig(),
            dashboards: { namespace: "wp-workloads", workers: [], fleet: true, capacity: true, cost: true },
          },
          secrets: SECRETS,
        },
      );
      const secret = run.resources.find(
        (r) =>
          r.type === "kubernetes:core/v1:Secret" &&
          (r.plainInputs.metadata as { name: string }).name === "alertmanager-receivers",
      )!;
      assert.deepEqual(secret.plainInputs.stringData, {
        "oncall-routingKey": SECRETS.pdKey,
        "chat-apiUrl": SECRETS.slackUrl,
        "hook-url": SECRETS.hookUrl,
        "mail-authPassword": SECRETS.smtpPassword,
      });
      assert.equal(secret.inputs.stringData, "[secret]");
      const cm = run.resources.find(
        (r) =>
          r.type === "kubernetes:core/v1:ConfigMap" &&
          (r.plainInputs.metadata as { name: string }).name === "alertmanager-config",
      )!;
      assert.equal((cm.plainInputs.metadata as { namespace: string }).namespace, "monitoring");
      const am = run.values("prometheus").alertmanager;
      assert.equal(am.enabled, true);
      assert.equal(am.config.enabled, false);
      assert.equal(am.extraArgs["config.file"], "/etc/alertmanager-config/alertmanager.yml");
      assert.deepEqual(am.extraSecretMounts, [
        { name: "wp-receivers", secretName: "alertmanager-receivers", mountPath: SECRETS_DIR, readOnly: true },
      ]);
      assert.equal(am.securityContext.allowPrivilegeEscalation, false);
      assert.deepEqual(am.podSecurityContext.seccompProfile, { type: "RuntimeDefault" });
      const everything = JSON.stringify([cm.plainInputs, run.chart("prometheus").plainInputs]);
      for (const v of Object.values(SECRETS)) assert.ok(!everything.includes(v), `${v} leaked`);
      const ns = run.resources.find(
        (r) =>
          r.type === "kubernetes:core/v1:Namespace" &&
          (r.plainInputs.metadata as { name: string }).name === "monitoring",
      )!;
      assert.equal(
        (ns.plainInputs.metadata as { labels: Record<string, string> }).labels["pod-security.kubernetes.io/enforce"],
        "restricted",
      );
      assert.ok(run.chart("prometheus").dependencies.includes(secret.urn));
    });
    it("leaves Alertmanager off, still restricted, when not enabled", async () => {
      const run = await runAddons("aks");
      const am = run.values("prometheus").alertmanager;
      assert.equal(am.enabled, false);
      assert.deepEqual(am.securityContext.capabilities, { drop: ["ALL"] });
      assert.ok(
        !run.resources.some(
          (r) => (r.plainInputs.metadata as { name?: string } | undefined)?.name === "alertmanager-config",
        ),
      );
    });
  });
});
