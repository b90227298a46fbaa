import * as assert from "node:assert/strict";
import {
  alertmanagerReceiverInProduction,
  anonymousProblem,
  grafanaNoAnonymousAdmin,
  parseIni,
} from "../policy/rules/observability.ts";
import type { RecordedResource } from "../tools/harness.ts";
import { chart, check, cliChart, res } from "./helpers/policy.ts";

/** An existing cluster as the stack model sees it: a cluster component and its Kubernetes provider. */
function cluster(name: string, stack: string) {
  const component = res("worker-platform:cluster:ExistingCluster", name, {}, { stack });
  const provider = res("pulumi:providers:kubernetes", name, {}, { stack, parent: component });
  return { component, provider };
}

const amFile = (receivers: unknown[]) =>
  JSON.stringify({ route: { receiver: "none" }, receivers: [{ name: "none" }, ...receivers] });

function stackWith(stack: string, alertmanager: string | undefined): RecordedResource[] {
  const { component, provider } = cluster("c1", stack);
  const prom = chart("c1-prometheus", "prometheus", {}, { stack, provider });
  const cm =
    alertmanager === undefined
      ? []
      : [
          res(
            "kubernetes:core/v1:ConfigMap",
            "c1-alertmanager-config",
            {
              metadata: { name: "alertmanager-config", namespace: "monitoring" },
              data: { "alertmanager.yml": alertmanager },
            },
            { stack, provider },
          ),
        ];
  return [component, provider, prom, ...cm];
}

describe("policy: observability", () => {
  describe("alertmanager-receiver-in-production", () => {
    const pd = {
      name: "oncall",
      pagerduty_configs: [{ routing_key_file: "/etc/alertmanager-secrets/oncall-routingKey" }],
    };
    it("passes a production cluster whose Alertmanager has a receiver", async () => {
      assert.deepEqual(
        await check(alertmanagerReceiverInProduction, stackWith("prod", amFile([pd])), { stack: "prod" }),
        [],
      );
    });
    it("fails production without Alertmanager, or with only the null receiver", async () => {
      const none = await check(alertmanagerReceiverInProduction, stackWith("prod", undefined), { stack: "prod" });
      assert.equal(none.length, 1);
      assert.match(none[0].message, /cluster c1 runs Prometheus without Alertmanager/);
      assert.equal(none[0].enforcementLevel, "mandatory");
      const empty = await check(alertmanagerReceiverInProduction, stackWith("prod", amFile([])), { stack: "prod" });
      assert.match(empty[0].message, /Alertmanager has no receiver that notifies anyone/);
    });
    it("leaves non-production stacks alone, and follows the production setting", async () => {
      assert.deepEqual(await check(alertmanagerReceiverInProduction, stackWith("dev", undefined)), []);
      const forced = await check(alertmanagerReceiverInProduction, stackWith("dev", undefined), {
        config: { "alertmanager-receiver-in-production": { production: true } },
      });
      assert.equal(forced.length, 1);
    });
    it("leaves a cluster with an external Prometheus (no chart) alone", async () => {
      const { component, provider } = cluster("c1", "prod");
      assert.deepEqual(await check(alertmanagerReceiverInProduction, [component, provider], { stack: "prod" }), []);
    });
  });

  describe("grafana-no-anonymous-admin", () => {
    const grafanaStack = (ini: Record<string, unknown>) => {
      const { component, provider } = cluster("c1", "dev");
      return [component, provider, chart("c1-grafana", "grafana", { "grafana.ini": ini }, { provider })];
    };
    it("passes anonymous access off or Viewer (chart values, offline shape)", async () => {
      assert.deepEqual(
        await check(grafanaNoAnonymousAdmin, grafanaStack({ "auth.anonymous": { enabled: false } })),
        [],
      );
      assert.deepEqual(
        await check(grafanaNoAnonymousAdmin, grafanaStack({ "auth.anonymous": { enabled: true, org_role: "Viewer" } })),
        [],
      );
    });
    it("fails anonymous Admin or Editor (chart values)", async () => {
      const vs = await check(
        grafanaNoAnonymousAdmin,
        grafanaStack({ "auth.anonymous": { enabled: true, org_role: "Admin" } }),
      );
      assert.equal(vs.length, 1);
      assert.match(vs[0].message, /Chart c1-grafana: anonymous visitors get the Admin role/);
    });
    it("reads the rendered grafana.ini under the CLI, both ways", async () => {
      const { component, provider } = cluster("c1", "dev");
      const g = cliChart("c1-grafana", { provider });
      const ini = (role: string) =>
        res(
          "kubernetes:core/v1:ConfigMap",
          "c1-grafana-cm",
          {
            metadata: { name: "grafana" },
            data: {
              "grafana.ini": `[analytics]\ncheck_for_updates = false\n[auth.anonymous]\nenabled = true\norg_role = ${role}\n`,
            },
          },
          { parent: g, provider },
        );
      assert.deepEqual(await check(grafanaNoAnonymousAdmin, [component, provider, g, ini("Viewer")]), []);
      const vs = await check(grafanaNoAnonymousAdmin, [component, provider, g, ini("Editor")]);
      assert.equal(vs.length, 1);
      assert.match(
        vs[0].message,
        /ConfigMap c1-grafana-cm \(chart c1-grafana\): anonymous visitors get the Editor role/,
      );
    });
    it("parses ini sections and judges roles", () => {
      assert.deepEqual(parseIni("; c\n[a.b]\nX = 1\n"), { "a.b": { x: "1" } });
      assert.equal(anonymousProblem({ enabled: "true" }), undefined);
      assert.equal(anonymousProblem({ enabled: true, org_role: "Admin" }), "anonymous visitors get the Admin role");
    });
  });
});
