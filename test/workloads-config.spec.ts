import * as assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../stacks/load";
import { cpuWorker, minimalStack, sourceOf } from "./helpers/config";

/** Problems loadConfig reports, or [] when valid. (Worker min > max is covered by test/config.spec.ts.) */
function problems(values: Record<string, unknown>): string[] {
  try {
    loadConfig(sourceOf(values));
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    return err.problems.flatMap((p) => p.split("\n  - "));
  }
}

const withQueue = (values: Record<string, unknown>) => ({ ...values, queues: [{ name: "q", kind: "redis" }] });
const existing = () => ({
  platform: { environment: "test" },
  clusters: [{ name: "local", cloud: "existing", existing: { context: "kind-x" } }],
});

describe("workloads config: invalid workers and services are rejected", () => {
  it("a valid CPU worker passes (the baseline the cases below change)", () => {
    assert.deepEqual(problems(withQueue({ ...minimalStack(), workers: [cpuWorker()] })), []);
  });

  it("service min > max", () => {
    const found = problems({
      ...minimalStack(),
      services: [{ name: "api", image: "ghcr.io/acme/api:1.0.0", port: 80, resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } }, replicas: { min: 4, max: 2 } }],
    });
    assert.deepEqual(found, ["services[0].replicas.max: must be >= min (4), got 2"]);
  });

  it("min 0 with only cpu/memory triggers (KEDA cannot activate from zero)", () => {
    const found = problems({ ...minimalStack(), workers: [cpuWorker({ trigger: undefined, safetyNet: { cpuUtilization: 80 }, replicas: { min: 0, max: 3 } })] });
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /^workers\[0\]\.replicas\.min: min 0 needs a queue or prometheus trigger/);
    // ... while min 1 with the same safety net is fine
    assert.deepEqual(problems({ ...minimalStack(), workers: [cpuWorker({ trigger: undefined, safetyNet: { cpuUtilization: 80 }, replicas: { min: 1, max: 3 } })] }), []);
  });

  it("a GPU worker on a cluster without a GPU pool and fallbackToCpu off; accepted with fallback on", () => {
    const found = problems(withQueue({ ...existing(), workers: [cpuWorker({ gpu: { count: 1 } })] }));
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /^workers\[0\]\.gpu: cluster local has no GPU pool: the pod could never schedule/);
    assert.deepEqual(problems(withQueue({ ...existing(), workers: [cpuWorker({ gpu: { count: 1, fallbackToCpu: true } })] })), []);
  });

  it("max job duration beyond the autoscaler's graceful-termination cap in deployment mode; accepted in job mode", () => {
    const found = problems(withQueue({ ...minimalStack(), workers: [cpuWorker({ maxJobDurationSeconds: 3600 })] }));
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /^workers\[0\]\.maxJobDurationSeconds: jobs of up to 3600s would be killed on scale-in: .*waits at most 600s.*use mode: job/);
    assert.deepEqual(problems(withQueue({ ...minimalStack(), workers: [cpuWorker({ maxJobDurationSeconds: 3600, mode: "job" })] })), []);
  });

  it("max replicas is required (KEDA's default of 100 is never used)", () => {
    const found = problems(withQueue({ ...minimalStack(), workers: [cpuWorker({ replicas: { min: 0 } })] }));
    assert.deepEqual(found, ["workers[0].replicas.max: must be number, got nothing (required)"]);
  });

  it("names that would collide in the namespace: a worker named like a queue, a secret named like a queue's own", () => {
    const found = problems({
      ...withQueue({ ...minimalStack(), workers: [cpuWorker({ name: "q" })] }),
      secrets: [{ name: "q-auth", data: { k: { generate: { length: 32 } } } }],
    });
    assert.deepEqual(found.sort(), [
      'secrets[0].name: "q-auth" is the name of a Secret queue "q" creates; choose another name, got "q-auth"',
      'workers[0].name: "q" is also a queue name; names must differ (they share a namespace), got "q"',
    ]);
  });
});
