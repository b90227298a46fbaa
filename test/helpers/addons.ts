import type { AddonsArgs } from "../../components/addons/index.ts";
import { Addons } from "../../components/addons/index.ts";
import type { ClusterHandle } from "../../components/cluster/handle.ts";
import { addons as addonsSchema } from "../../stacks/schema/index.ts";
import type { RecordedResource } from "../../tools/harness.ts";
import { runUnderMocks, withCapturedWarnings } from "../../tools/harness.ts";
import type { FakeKind } from "./clusters.ts";
import { fakeCluster } from "./clusters.ts";

export const CHART_TYPE = "kubernetes:helm.sh/v4:Chart";

export interface AddonsRun {
  resources: RecordedResource[];
  charts: Map<string, RecordedResource>;
  outputs: { prometheusUrl?: string; installed: string[]; kedaUrns: string[] };
  /** The chart of a release; fails the test when it is missing. */
  chart(release: string): RecordedResource;
  values(release: string): Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Warnings the program logged (pulumi.log.warn), without the "warning: " prefix. */
  warnings: string[];
}

/**
 * Builds the Addons component for a fake cluster under mocks. `extra` runs inside the same program (e.g. a KEDA object
 * depending on the outputs). Charts are keyed by release name (`<cluster>-` stripped).
 */
export async function runAddons(
  kind: FakeKind,
  config: Record<string, unknown> = {},
  opts: {
    production?: boolean;
    cluster?: Partial<ClusterHandle> | ((c: ClusterHandle) => Partial<ClusterHandle>);
    extra?: (a: Addons, c: ClusterHandle) => void;
    /** Addons' `observability` argument (Alertmanager's config, the dashboards' workers). */
    observability?: AddonsArgs["observability"];
    /** Pulumi config secrets (receivers' fromConfig keys), by key. */
    secrets?: Record<string, string>;
  } = {},
): Promise<AddonsRun> {
  const parsed = addonsSchema.parse(config);
  const warnings: string[] = [];
  const { resources, outputs } = await withCapturedWarnings(warnings, () =>
    runUnderMocks(
      async () => {
        const base = fakeCluster(kind);
        const cluster = { ...base, ...(typeof opts.cluster === "function" ? opts.cluster(base) : opts.cluster) };
        const addons = new Addons(cluster.name, {
          cluster,
          config: parsed,
          production: opts.production ?? false,
          ...(opts.observability ? { observability: opts.observability } : {}),
        });
        opts.extra?.(addons, cluster);
        const kedaUrns = await Promise.all(
          addons.outputs.keda.map((r) => new Promise<string>((res) => r.urn.apply((u) => res(u)))),
        );
        const url = addons.outputs.prometheusUrl;
        return { ...(url ? { prometheusUrl: url } : {}), installed: addons.installed, kedaUrns };
      },
      secretsConfig(opts.secrets ?? {}),
    ),
  );
  const prefix = `${kind}-c-`;
  const charts = new Map(resources.filter((r) => r.type === CHART_TYPE).map((r) => [r.name.slice(prefix.length), r]));
  const chart = (release: string) => {
    const c = charts.get(release);
    if (!c) throw new Error(`no ${release} chart; installed: ${[...charts.keys()].join(", ")}`);
    return c;
  };
  return {
    resources,
    charts,
    outputs,
    chart,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- chart values are free-form YAML
    values: (release) => chart(release).inputs.values as Record<string, any>,
    warnings,
  };
}

/** runUnderMocks options making `secrets` Pulumi config secrets of the project. */
export function secretsConfig(secrets: Record<string, string>): {
  config: Record<string, string>;
  secretKeys: string[];
} {
  return {
    config: Object.fromEntries(Object.entries(secrets).map(([k, v]) => [`worker-platform:${k}`, v])),
    secretKeys: Object.keys(secrets).map((k) => `worker-platform:${k}`),
  };
}
