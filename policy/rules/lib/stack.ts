import type { ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { StackModel } from "./model.ts";

/** A stack rule that gets the stack model (clusters, pools, providers, charts) built from the resources. */
export function stackPolicy(
  meta: Omit<StackValidationPolicy, "validateStack">,
  check: (model: StackModel, args: StackValidationArgs, report: ReportViolation) => void,
): StackValidationPolicy {
  return { ...meta, validateStack: (args, report) => check(new StackModel(args.resources), args, report) };
}
