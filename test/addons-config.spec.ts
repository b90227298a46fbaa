import * as assert from "node:assert/strict";
import { loadConfig } from "../stacks/load.ts";
import { CHARTS } from "../stacks/versions.ts";
import { configProblems, minimalStack, sourceOf } from "./helpers/config.ts";

/** Problems loadConfig reports for a stack with these `addons`, one line each. */
function problems(addons: unknown): string[] {
  return configProblems({ ...minimalStack(), addons });
}

describe("add-ons config schema", () => {
  it("defaults every add-on to enabled (Grafana opt-in), its pinned version and namespace", () => {
    const { config } = loadConfig(sourceOf(minimalStack()));
    for (const key of Object.keys(CHARTS) as (keyof typeof CHARTS)[]) {
      assert.equal(config.addons[key].enabled, key !== "grafana", key);
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
      [{ prometheus: { scrapeInterval: "15" } }, "addons.prometheus.scrapeInterval: must be a duration such as"],
      [{ prometheus: { scrapeTimeout: "10" } }, "addons.prometheus.scrapeTimeout: must be a duration such as"],
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

  it("Prometheus: rejects a zero interval or timeout and a timeout above the interval (Prometheus would not start)", () => {
    assert.deepEqual(problems({ prometheus: { scrapeInterval: "0s" } }), [
      'addons.prometheus.scrapeInterval: must be at least 1s, got "0s"',
    ]);
    assert.deepEqual(problems({ prometheus: { scrapeTimeout: "0m" } }), [
      'addons.prometheus.scrapeTimeout: must be at least 1s, got "0m"',
    ]);
    // One problem per bad field: a malformed interval is not also compared with the timeout.
    assert.deepEqual(problems({ prometheus: { scrapeInterval: "0s", scrapeTimeout: "5s" } }), [
      'addons.prometheus.scrapeInterval: must be at least 1s, got "0s"',
    ]);
    const over = problems({ prometheus: { scrapeInterval: "15s", scrapeTimeout: "20s" } });
    assert.equal(over.length, 1, over.join("\n"));
    assert.match(
      over[0],
      /^addons\.prometheus\.scrapeTimeout: must be at most scrapeInterval \(15s\): .*; lower scrapeTimeout or raise scrapeInterval, got "20s"$/,
    );
    // The default timeout follows a short interval, so a short interval alone is fine; so is timeout = interval.
    assert.deepEqual(problems({ prometheus: { scrapeInterval: "5s" } }), []);
    assert.deepEqual(problems({ prometheus: { scrapeInterval: "1m", scrapeTimeout: "1m" } }), []);
    assert.deepEqual(problems({ prometheus: { scrapeInterval: "2m", scrapeTimeout: "90s" } }), []);
  });

  it("Prometheus: rejects scrape_interval/scrape_timeout in values, pointing at the keys that are checked", () => {
    const found = problems({
      prometheus: { values: { server: { global: { scrape_interval: "5s", scrape_timeout: "10s" } } } },
    });
    assert.deepEqual(found, [
      'addons.prometheus.values.server.global.scrape_interval: set by the platform from addons.prometheus.scrapeInterval, which is checked against the other (Prometheus rejects a scrape timeout above the scrape interval); remove it from values and set addons.prometheus.scrapeInterval, got "5s"',
      'addons.prometheus.values.server.global.scrape_timeout: set by the platform from addons.prometheus.scrapeTimeout, which is checked against the other (Prometheus rejects a scrape timeout above the scrape interval); remove it from values and set addons.prometheus.scrapeTimeout, got "10s"',
    ]);
    // Other server.global keys are the user's.
    assert.deepEqual(problems({ prometheus: { values: { server: { global: { evaluation_interval: "30s" } } } } }), []);
  });

  it("DCGM exporter: a values service.port must be a port, and service.address must listen on it", () => {
    const dcgm = (service: unknown) => problems({ dcgmExporter: { values: { service } } });
    for (const port of ["9500", 0, 70000, 9400.5]) {
      const found = dcgm({ port });
      assert.equal(found.length, 1, `${JSON.stringify(port)}: ${found.join("\n")}`);
      assert.match(found[0], /^addons\.dcgmExporter\.values\.service\.port: must be a port number \(1-65535\)/);
    }
    for (const [service, port] of [
      [{ address: ":9500" }, 9400],
      [{ port: 9500, address: ":9400" }, 9500],
      [{ address: 9400 }, 9400],
      [{ address: "0.0.0.0:19400" }, 9400],
    ] as const) {
      const found = dcgm(service);
      assert.equal(found.length, 1, `${JSON.stringify(service)}: ${found.join("\n")}`);
      assert.match(
        found[0],
        new RegExp(
          `^addons\\.dcgmExporter\\.values\\.service\\.address: the exporter's listen address must use service\\.port \\(${port}\\).*set it to ":${port}"`,
        ),
      );
    }
    for (const service of [
      { port: 9500 },
      { port: 9500, address: ":9500" },
      { address: "0.0.0.0:9400" },
      { type: "ClusterIP" },
    ])
      assert.deepEqual(dcgm(service), [], JSON.stringify(service));
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
