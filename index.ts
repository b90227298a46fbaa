import * as pulumi from "@pulumi/pulumi";
import { Platform } from "./components/platform.ts";
import { ConfigError, loadConfig } from "./stacks/load.ts";

/**
 * Entry point for `pulumi up`/`preview` and the offline plan. The config is validated before any resource is
 * registered; an invalid stack stops here with every problem listed.
 */
export default (): { clusters: Platform["clusters"] } => {
  let loaded;
  try {
    loaded = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
  for (const w of loaded.warnings) void pulumi.log.warn(w);
  const platform = new Platform(loaded.config.platform.name, { config: loaded.config });
  return { clusters: platform.clusters };
};
