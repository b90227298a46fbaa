/**
 * The one place the pack touches @pulumi/policy internals. `UnknownValueError` and `unknownCheckingProxy` are
 * exported at runtime by @pulumi/policy 1.21 (index.js) but marked @internal, so their typings are stripped.
 * Everything that must share class identity with the runtime (rules catching UnknownValueError, the offline runner
 * and the tests wrapping props) imports them from here, so they resolve to the same copy: policy/node_modules.
 */
import * as policy from "@pulumi/policy";

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
}
const internals = policy as unknown as Internals;

/** Thrown by the props proxy when a rule reads a value that is unknown during preview (proxy.ts in pulumi-policy). */
export const UnknownValueError = internals.UnknownValueError;
/** Wraps resource props the way the analyzer does before calling a rule (server.ts, makeAnalyzeRpcFun). */
export const unknownCheckingProxy = internals.unknownCheckingProxy;
/** The engine's sentinel for an unknown string (also what @pulumi/pulumi sends for unknown inputs). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const UNKNOWN_STRING_VALUE: string = (require("@pulumi/policy/proxy") as { unknownStringValue: string }).unknownStringValue;
/** The engine's sentinel for an unknown object; UnknownValueError only accepts the proxy's sentinels. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const UNKNOWN_OBJECT_VALUE: string = (require("@pulumi/policy/proxy") as { unknownObjectValue: string }).unknownObjectValue;

export function isUnknownValueError(err: unknown): err is Error & { props: (string | symbol)[] } {
  return err instanceof UnknownValueError;
}
