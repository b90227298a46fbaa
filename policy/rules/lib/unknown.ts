import { isUnknownValueError } from "./sdk.ts";

/** Marker for a value a rule could not read because it is unknown during preview. */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Known<T> = T | typeof UNKNOWN;

/**
 * Reads a possibly-unknown value without aborting the rule: returns UNKNOWN instead of throwing. Use it only where
 * the rule has a sound answer without the value (e.g. matching resources by dependency instead of by ARN); a rule
 * whose verdict depends on the value must let the UnknownValueError propagate, so the analyzer reports
 * "can't run policy ... during preview" instead of silently passing.
 */
export function tryRead<T>(read: () => T): Known<T> {
  try {
    return read();
  } catch (err) {
    if (isUnknownValueError(err)) return UNKNOWN;
    throw err;
  }
}

/**
 * For stack rules: runs `check` on every item, so one unknown value does not hide violations elsewhere, then
 * rethrows the first UnknownValueError. The analyzer (makeAnalyzeStackRpcFun) keeps the violations already reported
 * and adds an advisory "can't run policy during preview" for the unknown.
 */
export function forEachDeferringUnknowns<T>(items: Iterable<T>, check: (item: T) => void): void {
  let firstUnknown: Error | undefined;
  for (const item of items) {
    try {
      check(item);
    } catch (err) {
      if (!isUnknownValueError(err)) throw err;
      firstUnknown ??= err;
    }
  }
  if (firstUnknown) throw firstUnknown;
}
