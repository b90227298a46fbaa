import * as assert from "node:assert/strict";
import { stringify } from "yaml";
import {
  coverageOfGroups,
  coverageOfYaml,
  workerAlertsCovered,
  workerAlertsExternal,
} from "../policy/rules/observability.ts";
import { ALERTING_RULES_FILE, WORKER_ALERTS } from "../policy/rules/lib/platform.ts";
import { ALERTS } from "../observability/names.ts";
import { aks, chart, check, cliChart, res, scaledJob, scaledObject, NS } from "./helpers/policy.ts";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

const rule = (alert: string, worker: string): Obj => ({
  alert,
  expr: "vector(1)",
  for: "5m",
  labels: { severity: "warning", worker },
  annotations: { summary: `worker: not-a-label ${worker}`, description: "x" },
});
const file = (rules: Obj[]): Obj => ({ groups: [{ name: "worker-platform-workers", rules }] });
const covering = (...workers: string[]) =>
  file(workers.flatMap((w) => [rule(WORKER_ALERTS.backlogHigh, w), rule(WORKER_ALERTS.scalerErrors, w)]));
const text = (vs: { message: string }[]) => vs.map((v) => v.message).join("\n");

describe("policy: observability", () => {
  it("the pack's alert names are the program's (observability/names.ts)", () => {
    assert.equal(WORKER_ALERTS.backlogHigh, ALERTS.backlogHigh);
    assert.equal(WORKER_ALERTS.scalerErrors, ALERTS.scalerErrors);
  });

  describe("observability-alerts-cover-workers (offline: the chart's values)", () => {
    const cluster = aks({ devicePlugin: false });
    const p = { provider: cluster.provider };
    const prometheus = (alerting: Obj) =>
      chart("dev-aks-prometheus", "prometheus", { serverFiles: { [ALERTING_RULES_FILE]: alerting } }, p);

    it("passes when every ScaledObject and ScaledJob has both alerts with its worker label", async () => {
      const vs = await check(workerAlertsCovered, [
        ...cluster.all,
        prometheus(covering("w", "j")),
        scaledObject("w", "w", {}, p),
        scaledJob("j", undefined, {}, p),
      ]);
      assert.deepEqual(vs, []);
    });

    it("fails a worker without its backlog alert, and one without its scaler-errors alert, naming each", async () => {
      const rules = file([rule(WORKER_ALERTS.scalerErrors, "w"), rule(WORKER_ALERTS.backlogHigh, "j")]);
      const vs = await check(workerAlertsCovered, [
        ...cluster.all,
        prometheus(rules),
        scaledObject("w", "w", {}, p),
        scaledJob("j", undefined, {}, p),
      ]);
      assert.equal(vs.length, 2, text(vs));
      assert.match(
        text(vs),
        new RegExp(`ScaledObject ${NS}/w on cluster dev-aks has no WorkerBacklogHigh alert \\(label worker="w"\\)`),
      );
      assert.match(text(vs), new RegExp(`ScaledJob ${NS}/j on cluster dev-aks has no WorkerScalerFailing alert`));
    });

    it("a worker scaling only on its own pods (cpu, GPU utilisation) needs no backlog alert", async () => {
      const own = scaledObject(
        "g",
        "g",
        { minReplicaCount: 1, triggers: [{ type: "cpu", metricType: "Utilization", metadata: { value: "70" } }] },
        p,
      );
      const vs = await check(workerAlertsCovered, [
        ...cluster.all,
        prometheus(file([rule(WORKER_ALERTS.scalerErrors, "g")])),
        own,
      ]);
      assert.deepEqual(vs, []);
    });

    it("alerts switched off (empty rule file) fail every worker; a waiver exempts one", async () => {
      const waived = scaledObject("w2", "w2", {}, p);
      (waived.plainInputs as Obj).metadata.annotations = {
        "policy.worker-platform/waive": "observability-alerts-cover-workers",
      };
      (waived.inputs as Obj).metadata.annotations = {
        "policy.worker-platform/waive": "observability-alerts-cover-workers",
      };
      const vs = await check(workerAlertsCovered, [
        ...cluster.all,
        prometheus({}),
        scaledObject("w", "w", {}, p),
        waived,
      ]);
      assert.equal(vs.length, 1, text(vs));
      assert.match(vs[0].message, /ScaledObject wp-workloads\/w .*WorkerBacklogHigh or WorkerScalerFailing/);
    });
  });

  describe("under the CLI: the ConfigMap the chart renders", () => {
    const cluster = aks({ devicePlugin: false });
    const p = { provider: cluster.provider };
    const configMap = (parent: ReturnType<typeof cliChart>, alerting: string) =>
      res(
        "kubernetes:core/v1:ConfigMap",
        "dev-aks-prometheus-server",
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "prometheus-server", namespace: "monitoring" },
          data: { [ALERTING_RULES_FILE]: alerting, "prometheus.yml": "rule_files: []" },
        },
        { parent, provider: cluster.provider },
      );

    it("reads the rule file's YAML, both ways", async () => {
      const parent = cliChart("dev-aks-prometheus", p);
      const good = await check(workerAlertsCovered, [
        ...cluster.all,
        parent,
        configMap(parent, stringify(covering("w"))),
        scaledObject("w", "w", {}, p),
      ]);
      assert.deepEqual(good, []);
      const bad = await check(workerAlertsCovered, [
        ...cluster.all,
        parent,
        configMap(parent, stringify(covering("other"))),
        scaledObject("w", "w", {}, p),
      ]);
      assert.equal(bad.length, 1, text(bad));
    });

    it("coverageOfYaml reads Helm's toYaml layout (unindented lists, wrapped strings) and only the labels map", () => {
      const helm = [
        "groups:",
        "- name: worker-platform-workers",
        "  rules:",
        "  - alert: WorkerBacklogHigh",
        "    annotations:",
        "      description: long text",
        "        worker: not-a-label",
        "      summary: x",
        "    expr: max(keda_scaler_metrics_value) > 6",
        "    for: 15m",
        "    labels:",
        "      severity: warning",
        "      trigger: redis",
        '      worker: "transcriber"',
        "  - alert: WorkerScalerFailing",
        "    expr: vector(1)",
        "    labels:",
        "      severity: critical",
        "      worker: llm",
        "  - record: wp:x",
        "    expr: up",
        "    labels:",
        "      worker: nobody",
      ]
        .map((l) => `    ${l}`)
        .join("\n");
      const c = coverageOfYaml(helm);
      assert.deepEqual([...(c.get("WorkerBacklogHigh") ?? [])], ["transcriber"]);
      assert.deepEqual([...(c.get("WorkerScalerFailing") ?? [])], ["llm"]);
      assert.equal(c.size, 2);
      assert.deepEqual(coverageOfYaml(stringify(covering("a"))), coverageOfGroups(covering("a")));
    });
  });

  describe("observability-alerts-external-prometheus", () => {
    it("advises where workers run without the prometheus chart, not where it is installed", async () => {
      const cluster = aks({ devicePlugin: false });
      const p = { provider: cluster.provider };
      const without = await check(workerAlertsExternal, [...cluster.all, scaledObject("w", "w", {}, p)]);
      assert.equal(without.length, 1);
      assert.match(without[0].message, /Cluster dev-aks runs 1 KEDA worker\(s\) but no Prometheus chart/);
      const covered = await check(workerAlertsCovered, [...cluster.all, scaledObject("w", "w", {}, p)]);
      assert.deepEqual(covered, [], "the mandatory rule leaves an external Prometheus alone");
      const withChart = await check(workerAlertsExternal, [
        ...cluster.all,
        chart("dev-aks-prometheus", "prometheus", {}, p),
        scaledObject("w", "w", {}, p),
      ]);
      assert.deepEqual(withChart, []);
    });
  });
});
