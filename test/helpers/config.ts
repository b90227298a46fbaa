import * as assert from "node:assert/strict";
import type { ConfigSource } from "../../stacks/load.ts";
import { ConfigError, loadConfig } from "../../stacks/load.ts";

/** A ConfigSource over plain values (objects are JSON-encoded as the CLI passes them). */
export function sourceOf(values: Record<string, unknown>, secretKeys: string[] = []): ConfigSource {
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) raw[k] = typeof v === "string" ? v : JSON.stringify(v);
  return { keys: () => Object.keys(raw), get: (k) => raw[k], isSecret: (k) => secretKeys.includes(k) };
}

/** The problems loadConfig reports for these values, one line each (an unknown-key issue may list several), or [] when valid. */
export function configProblems(values: Record<string, unknown>, secretKeys: string[] = []): string[] {
  return sourceProblems(sourceOf(values, secretKeys));
}

/** configProblems for a ConfigSource built by the test (e.g. with allKeys). */
export function sourceProblems(source: ConfigSource): string[] {
  try {
    loadConfig(source);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems.flatMap((p) => p.split("\n  - "));
  }
}

/** The smallest valid stack: one AKS cluster with a system pool. Tests add what they exercise. */
export function minimalStack(): Record<string, unknown> {
  return {
    platform: { environment: "test" },
    clusters: [
      {
        name: "c1",
        cloud: "azure",
        region: "westeurope",
        kubernetesVersion: "1.34",
        pools: [{ name: "system", role: "system", machineTypes: ["Standard_D4s_v5"], min: 1, max: 3 }],
      },
    ],
  };
}

export const cpuWorker = (over: Record<string, unknown> = {}) => ({
  name: "w",
  image: "ghcr.io/acme/w:1.0.0",
  trigger: { type: "redis", queue: "q", listName: "jobs" },
  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "128Mi" } },
  replicas: { min: 0, max: 3 },
  ...over,
});
