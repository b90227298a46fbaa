import type { RecordedResource } from "./harness.ts";

/** A Kubernetes object the program would create, as sent (plain) and as shown (masked). */
export interface Manifest {
  urn: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  /** The provider's resource name: one Kubernetes provider per cluster. */
  providerName: string;
  /**
   * Secret values masked as "[secret]", per key: safe to write to disk, and still valid against the object's schema
   * (a Secret's `stringData: { password: "[secret]" }`, never `stringData: "[secret]"`; base64 fields hold
   * base64("[secret]")).
   */
  masked: Record<string, unknown>;
  /** Plaintext, for validation only; never written. */
  plain: Record<string, unknown>;
}

export interface ManifestProblem {
  urn: string;
  message: string;
}

/** Types that are Kubernetes objects sent to an API server (not providers, not Helm charts or YAML groups). */
export function isKubernetesObject(r: RecordedResource): boolean {
  return (
    r.custom &&
    r.type.startsWith("kubernetes:") &&
    !r.type.startsWith("kubernetes:helm.sh/") &&
    !r.type.startsWith("kubernetes:yaml")
  );
}

export function toManifests(resources: RecordedResource[]): Manifest[] {
  return resources.filter(isKubernetesObject).map((r) => {
    const metadata = (r.plainInputs.metadata ?? {}) as { name?: string; namespace?: string };
    const [, groupVersion, typeKind] = r.type.split(":");
    const kind = (r.plainInputs.kind as string | undefined) ?? typeKind;
    return {
      urn: r.urn,
      apiVersion:
        (r.plainInputs.apiVersion as string | undefined) ??
        (groupVersion.startsWith("core/") ? groupVersion.slice(5) : groupVersion),
      kind,
      namespace: metadata.namespace,
      name: metadata.name ?? r.name,
      providerName: providerName(r.provider),
      masked: maskPerKey(r.inputs, r.plainInputs, BASE64_FIELDS[kind] ?? []) as Record<string, unknown>,
      plain: r.plainInputs,
    };
  });
}

const SECRET = "[secret]";
/** "[secret]" where the schema wants base64 (format: byte). */
const BASE64_SECRET = Buffer.from(SECRET).toString("base64");
/** Top-level fields, per kind, whose values are base64 strings. */
const BASE64_FIELDS: Record<string, string[]> = { Secret: ["data"], ConfigMap: ["binaryData"] };

/**
 * The harness's masked inputs, with every secret that is an object or array (`stringData` of a Secret built from an
 * Output) masked leaf by leaf instead of as a whole, as the plaintext shows its shape: the written object keeps its
 * keys and validates, its values never appear. `pulumi preview --json` (and plan.json) show such a value as one
 * "[secret]"; a manifest cannot.
 */
function maskPerKey(masked: unknown, plain: unknown, base64Fields: string[], depth = 0, base64 = false): unknown {
  if (masked === SECRET && plain !== SECRET) return maskLeaves(plain, base64);
  if (Array.isArray(masked))
    return masked.map((m, i) =>
      maskPerKey(m, Array.isArray(plain) ? plain[i] : undefined, base64Fields, depth + 1, base64),
    );
  if (masked && typeof masked === "object") {
    const plainObj = (plain && typeof plain === "object" ? plain : {}) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(masked).map(([k, m]) => [
        k,
        maskPerKey(m, plainObj[k], base64Fields, depth + 1, base64 || (depth === 0 && base64Fields.includes(k))),
      ]),
    );
  }
  return masked;
}

function maskLeaves(v: unknown, base64: boolean): unknown {
  if (Array.isArray(v)) return v.map((x) => maskLeaves(x, base64));
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskLeaves(x, base64)]));
  if (v === null || v === undefined) return v;
  return base64 ? BASE64_SECRET : SECRET;
}

/** `urn:pulumi:s::p::...$pulumi:providers:kubernetes::prod-aks::id` → `prod-aks` */
export function providerName(ref: string | undefined): string {
  if (!ref) return "default-provider";
  const urn = ref.split("::").slice(0, -1).join("::");
  return urn.split("::").pop() ?? "unknown";
}

interface ValidatableModel {
  validate(): void;
}
type ModelClass = new (data: unknown) => ValidatableModel;

/** The kubernetes-models (or @kubernetes-models/keda) module of an apiVersion/kind. */
function modelModule(apiVersion: string, kind: string): string {
  if (apiVersion.startsWith("keda.sh/")) return `@kubernetes-models/keda/${apiVersion}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

/**
 * Validates each object against its OpenAPI schema (kubernetes-models for Kubernetes kinds, @kubernetes-models/keda
 * for KEDA's CRDs). A kind with no schema is reported, so nothing passes unchecked.
 */
export async function validateManifests(manifests: Manifest[]): Promise<ManifestProblem[]> {
  const problems: ManifestProblem[] = [];
  const cache = new Map<string, ModelClass | undefined>();
  for (const m of manifests) {
    const module = modelModule(m.apiVersion, m.kind);
    if (!cache.has(module)) {
      try {
        cache.set(module, ((await import(module)) as Record<string, unknown>)[m.kind] as ModelClass);
      } catch {
        cache.set(module, undefined);
      }
    }
    const Model = cache.get(module);
    const what = `${m.kind} ${m.namespace ? `${m.namespace}/` : ""}${m.name}`;
    if (!Model) {
      problems.push({ urn: m.urn, message: `${what}: no schema for ${m.apiVersion} ${m.kind}; cannot validate` });
      continue;
    }
    try {
      new Model(m.plain).validate();
    } catch (err) {
      problems.push({ urn: m.urn, message: `${what} (${m.providerName}): ${(err as Error).message}` });
    }
  }
  return problems;
}

/** A stable file name: `<kind>-<namespace>-<name>.yaml`, lower-case. */
export function manifestFileName(m: Manifest): string {
  return `${m.kind}-${m.namespace ? `${m.namespace}-` : ""}${m.name}.yaml`.toLowerCase().replace(/[^a-z0-9.-]/g, "-");
}
