/**
 * Preloaded before any other module by the npm scripts (`node --import ./tools/preload.ts`) and by mocha
 * (test/setup.ts):
 * - Node's on-disk module compile cache, so later processes skip compiling the SDKs and our sources
 *   (https://nodejs.org/api/module.html#module-compile-cache); kept under node_modules/.cache, which `npm ci` clears.
 * - `PULUMI_ERROR_OUTPUT_STRING=true`: the SDK then throws where an Output is turned into a string (`${output}`) instead
 *   of writing "Calling [toString] on an [Output<T>] is not supported" into a resource input. @pulumi/pulumi reads it
 *   once, when `utils.js` loads (@pulumi/pulumi 3.270 utils.js `errorOutputString`), hence a preload.
 */
import { enableCompileCache } from "node:module";
import * as path from "node:path";

enableCompileCache(path.join(import.meta.dirname, "..", "node_modules", ".cache", "node-compile"));
process.env.PULUMI_ERROR_OUTPUT_STRING ??= "true";
