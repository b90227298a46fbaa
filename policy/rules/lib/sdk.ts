/**
 * The one place the pack touches @pulumi/policy internals. `UnknownValueError`, `unknownCheckingProxy` and the unknown
 * sentinels are exported at runtime by @pulumi/policy 1.21 (proxy.js, re-exported by index.js) but marked @internal,
 * so their typings are stripped. Everything that must share class identity with the runtime (rules catching
 * UnknownValueError, the offline runner and the tests wrapping props) imports them from here, so they resolve to the
 * same copy: policy/node_modules. Only proxy.js is loaded at run time: the package index also loads the analyzer's gRPC
 * server and a second @pulumi/pulumi (about 0.5 s), which the rules never use; the types below are erased.
 */
import * as proxy from "@pulumi/policy/proxy.js";

export type {
  EnforcementLevel,
  Policies,
  PolicyConfigSchema,
  PolicyProviderResource,
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

interface Internals {
  unknownCheckingProxy<T>(value: T): T;
  UnknownValueError: new (sentinel: string, props: string[]) => Error & { props: (string | symbol)[] };
  unknownStringValue: string;
  unknownObjectValue: string;
}
const internals = proxy as unknown as Internals;

/** Thrown by the props proxy when a rule reads a value that is unknown during preview (proxy.ts in pulumi-policy). */
export const UnknownValueError = internals.UnknownValueError;
/** Wraps resource props the way the analyzer does before calling a rule (server.ts, makeAnalyzeRpcFun). */
export const unknownCheckingProxy = <T>(value: T): T => internals.unknownCheckingProxy(value);
/** The engine's sentinel for an unknown string (also what @pulumi/pulumi sends for unknown inputs). */
export const UNKNOWN_STRING_VALUE: string = internals.unknownStringValue;
/** The engine's sentinel for an unknown object; UnknownValueError only accepts the proxy's sentinels. */
export const UNKNOWN_OBJECT_VALUE: string = internals.unknownObjectValue;

export function isUnknownValueError(err: unknown): err is Error & { props: (string | symbol)[] } {
  return err instanceof UnknownValueError;
}
