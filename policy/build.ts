// Builds the pack for the Pulumi CLI: compiles the TypeScript sources to CommonJS in bin/ (package.json `main`), marks
// bin/ as CommonJS (this package is "type": "module" so that the sources run natively in the project's tools and tests),
// and stamps bin/sources.json with a digest of the sources, which the project's tests compare to catch a stale build.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = import.meta.dirname;

/** The files the build reads, relative to the pack, sorted. */
export function sourceFiles(dir = here): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith(".ts") ? [join(d, e.name)] : [],
    );
  const files = [
    join(dir, "index.ts"),
    ...walk(join(dir, "rules")),
    join(dir, "tsconfig.json"),
    join(dir, "tsconfig.build.json"),
  ];
  return files.map((f) => relative(dir, f).split("\\").join("/")).sort();
}

/** sha256 over every source file's path and content. */
export function sourceDigest(dir = here): string {
  const hash = createHash("sha256");
  for (const file of sourceFiles(dir))
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(dir, file)))
      .update("\0");
  return hash.digest("hex");
}

function build(): void {
  const bin = join(here, "bin");
  rmSync(bin, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", join(here, "tsconfig.build.json")], { stdio: "inherit" });
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
  writeFileSync(join(bin, "sources.json"), `${JSON.stringify({ digest: sourceDigest() }, null, 2)}\n`);
  console.log(`policy pack built: ${relative(process.cwd(), bin) || "."}`);
}

// Run as a script, not when the project's tests import the digest.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) build();
