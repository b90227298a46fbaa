import type { StackConfig } from "./schema/index.ts";

/** Namespace of the workloads: `platform.namespace`, or `<platform.name>-workloads` when it is not set (see the schema). */
export function workloadsNamespace(config: StackConfig): string {
  return config.platform.namespace ?? `${config.platform.name}-workloads`;
}
