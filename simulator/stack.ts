/** The validated config of a stack file, for the simulator's command line (the same loading as the plan). */
import { loadConfig, PROJECT } from "../stacks/load.ts";
import type { LoadedConfig } from "../stacks/load.ts";
import { readStackFile } from "../tools/stack-file.ts";

export function loadStackConfig(stack: string, dir: string): LoadedConfig {
  const file = readStackFile(stack, dir);
  const prefix = `${PROJECT}:`;
  return loadConfig({
    keys: () =>
      Object.keys(file.config)
        .filter((k) => k.startsWith(prefix))
        .map((k) => k.slice(prefix.length)),
    get: (k) => file.config[`${prefix}${k}`],
    isSecret: (k) => file.secretKeys.includes(`${prefix}${k}`),
    allKeys: () => Object.keys(file.config),
  });
}
