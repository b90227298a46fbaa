import * as assert from "node:assert/strict";
import { loadConfig } from "../stacks/load.ts";
import { CHARTS } from "../stacks/versions.ts";
import { configProblems, minimalStack, sourceOf } from "./helpers/config.ts";

/** Problems loadConfig reports for a stack with these `addons`, one line each. */
function problems(addons: unknown): string[] {
  return configProblems({ ...minimalStack(), addons });
}

describe("add-ons config schema", () => {
  it("defaults every add-on to enabled, its pinned version and namespace", () => {
    const { config } = loadConfig(sourceOf(minimalStack()));
    for (const key of Object.keys(CHARTS) as (keyof typeof CHARTS)[]) {
      assert.equal(config.addons[key].enabled, true, key);
      assert.equal(config.addons[key].version, CHARTS[key].version, key);
      assert.deepEqual(config.addons[key].values, {}, key);
    }
    assert.equal(config.addons.prometheus.scrapeInterval, "15s");
    assert.equal(config.addons.prometheusAdapter.workerMetricPrefix, "worker_");
  });

  it("rejects a chart version that is not exact, naming the key", () => {
    for (const bad of ["2.20", "latest", "^2.20.0", "v2.20.2"]) {
      const found = problems({ keda: { version: bad } });
      assert.ok(
        found.some((p) => p.startsWith("addons.keda.version: must be an exact chart version")),
        `${bad}: ${found.join("\n")}`,
      );
    }
  });

  it("rejects an unknown add-on and an unknown field, naming them", () => {
    assert.ok(problems({ traefik: { enabled: true } }).some((p) => p.startsWith("addons.traefik: unknown key")));
    assert.ok(problems({ keda: { replica: 2 } }).some((p) => p.startsWith("addons.keda.replica: unknown key")));
  });

  it("rejects bad values of the add-on specific fields with their key", () => {
    const cases: [unknown, string][] = [
      [{ keda: { replicas: 0 } }, "addons.keda.replicas:"],
      [{ prometheus: { externalUrl: "not a url" } }, "addons.prometheus.externalUrl:"],
      [{ prometheus: { retention: "15 days" } }, "addons.prometheus.retention: must be a duration"],
      [{ prometheus: { scrapeInterval: "15" } }, "addons.prometheus.scrapeInterval: must be a duration"],
      [{ prometheus: { storageSize: "lots" } }, "addons.prometheus.storageSize: must be a Kubernetes quantity"],
      [
        { prometheusAdapter: { workerMetricPrefix: "my-app" } },
        "addons.prometheusAdapter.workerMetricPrefix: must be a Prometheus metric name prefix",
      ],
      [{ clusterAutoscaler: { imageTag: "1.34.5" } }, "addons.clusterAutoscaler.imageTag: must be an image tag"],
      [{ dcgmExporter: { namespace: "Monitoring" } }, "addons.dcgmExporter.namespace:"],
      [{ keda: { values: ["a"] } }, "addons.keda.values:"],
    ];
    for (const [addons, prefix] of cases) {
      const found = problems(addons);
      assert.ok(
        found.some((p) => p.startsWith(prefix)),
        `${JSON.stringify(addons)} → ${found.join("\n")}`,
      );
    }
  });

  it("accepts overrides: version, disable, namespace, values", () => {
    assert.deepEqual(
      problems({
        keda: { version: "2.19.0", values: { operator: { replicaCount: 3 } } },
        dcgmExporter: { enabled: false, namespace: "gpu" },
      }),
      [],
    );
  });
});
