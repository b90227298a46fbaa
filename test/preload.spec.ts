import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";

describe("test and tool preload (tools/preload.ts)", () => {
  it("an Output turned into a string throws instead of writing a placeholder into an input", () => {
    const out = pulumi.output("value");
    // eslint-disable-next-line @pulumi/no-output-in-template-literal, @typescript-eslint/restrict-template-expressions, @typescript-eslint/no-base-to-string -- the mistake under test (the lint rule catches it too)
    assert.throws(() => `${out}`, /Calling \[toString\] on an \[Output<T>\] is not supported/);
    assert.throws(() => JSON.stringify({ out }), /Calling \[toJSON\] on an \[Output<T>\] is not supported/);
  });
});
