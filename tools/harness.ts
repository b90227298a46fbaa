import * as pulumi from "@pulumi/pulumi";
import { mocks as defaultMocks } from "./mocks.ts";

/** One resource registration as the engine would see it (the mock's newResource does not get parent/options). */
export interface RecordedResource {
  type: string;
  name: string;
  urn: string;
  custom: boolean;
  parent?: string;
  /** The provider reference (`<urn>::<id>`), for custom resources with an explicit provider. */
  provider?: string;
  dependencies: string[];
  protect: boolean;
  ignoreChanges: string[];
  additionalSecretOutputs: string[];
  remote: boolean;
  /** Inputs with secret values replaced by "[secret]" and unknowns by "[unknown]". */
  inputs: Record<string, unknown>;
  /** Inputs in plaintext (what a policy sees), with unknowns as "[unknown]". */
  plainInputs: Record<string, unknown>;
  /** Dotted paths of the inputs that are secret. */
  secretPaths: string[];
}

export interface RunOptions {
  project?: string;
  stack?: string;
  /** Full config keys (`worker-platform:clusters`) to raw string values (JSON for objects). */
  config?: Record<string, string>;
  /** Config keys whose values are secret. */
  secretKeys?: string[];
  /** preview (true, default) or update. */
  preview?: boolean;
  mocks?: pulumi.runtime.Mocks;
}

export interface RunResult<T> {
  resources: RecordedResource[];
  outputs: T;
}

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** SDK internals used by its own test tooling; @internal in the typings (sdk/nodejs/runtime/settings.ts). */
const internals = pulumi.runtime as unknown as { waitForRPCs(): Promise<void> };

/**
 * Runs `program` under the SDK's mocks and records every resource registration, including the parent,
 * dependencies and options that the mock's newResource never sees (pulumi/pulumi #14421): the resource monitor's
 * registerResource is wrapped after setMocks. Resolves after every registration has completed.
 */
export async function runUnderMocks<T>(program: () => T | Promise<T>, opts: RunOptions = {}): Promise<RunResult<T>> {
  await pulumi.runtime.setMocks(
    opts.mocks ?? defaultMocks,
    opts.project ?? "worker-platform",
    opts.stack ?? "test",
    opts.preview ?? true,
  );
  pulumi.runtime.setAllConfig(opts.config ?? {}, opts.secretKeys ?? []);
  const recorded: RecordedResource[] = [];
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, cb: (err: unknown, res?: { getUrn(): string }) => void): unknown;
  };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) =>
    original(req, (err, res) => {
      if (!err && res) recorded.push(record(req, res.getUrn()));
      cb(err, res);
    });
  const outputs = (await pulumi.runtime.runInPulumiStack(program as () => Promise<Record<string, unknown>>)) as T;
  await internals.waitForRPCs();
  recorded.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  return { resources: recorded, outputs };
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getDependenciesList(): string[];
  getProtect(): boolean | undefined;
  getIgnorechangesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getRemote(): boolean;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}

function record(req: RegisterRequest, urn: string): RecordedResource {
  const raw = req.getObject()?.toJavaScript() ?? {};
  const secretPaths: string[] = [];
  return {
    type: req.getType(),
    name: req.getName(),
    urn,
    custom: req.getCustom(),
    parent: req.getParent() || undefined,
    provider: req.getProvider() || undefined,
    dependencies: [...new Set(req.getDependenciesList())].sort(),
    protect: req.getProtect() ?? false,
    ignoreChanges: req.getIgnorechangesList(),
    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    remote: req.getRemote(),
    inputs: convert(raw, true, "", secretPaths) as Record<string, unknown>,
    plainInputs: convert(raw, false, "", []) as Record<string, unknown>,
    secretPaths,
  };
}

/** Turns the wire form of inputs into plain values: secrets masked (or unwrapped), unknowns and references named. */
function convert(value: unknown, mask: boolean, path: string, secretPaths: string[]): unknown {
  if (value === UNKNOWN) return "[unknown]";
  if (Array.isArray(value)) return value.map((v, i) => convert(v, mask, `${path}[${i}]`, secretPaths));
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  if (obj[SIG_KEY] === SECRET_SIG) {
    secretPaths.push(path);
    return mask ? "[secret]" : convert(obj.value, mask, path, []);
  }
  if (obj[SIG_KEY] === RESOURCE_SIG) return obj.urn;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj).sort())
    out[key] = convert(obj[key], mask, path ? `${path}.${key}` : key, secretPaths);
  return out;
}

/**
 * Runs `fn`, collecting into `into` what the program logs with pulumi.log.warn (without the prefix). With no engine
 * (mocks), pulumi.log.warn prints `warning: [runtime] <msg>` via console.warn (sdk/nodejs/log); other output passes.
 */
export async function withCapturedWarnings<T>(into: string[], fn: () => Promise<T>): Promise<T> {
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    const text = args.map(String).join(" ");
    const match = /^warning: (\[runtime\] )?/.exec(text);
    if (match) into.push(text.slice(match[0].length).trim());
    else original(...args);
  };
  try {
    return await fn();
  } finally {
    console.warn = original;
  }
}
