import * as pulumi from "@pulumi/pulumi";
import { Platform } from "./components/platform";
import { ConfigError, loadConfig } from "./stacks/load";

/**
 * Entry point for `pulumi up`/`preview` and the offline plan. The config is validated before any resource is
 * registered; an invalid stack stops here with every problem listed.
 */
export = async () => {
  let loaded;
  try {
    loaded = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
  loaded.warnings.forEach((w) => pulumi.log.warn(w));
  const platform = new Platform(loaded.config.platform.name, { config: loaded.config });
  return { clusters: platform.clusters };
};
