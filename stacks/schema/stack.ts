import { z } from "zod";
import { addons } from "./addons.ts";
import { cluster, kubeloginMode } from "./cluster.ts";
import { dnsLabel } from "./common.ts";
import { priorityClasses, queue, secret, service, worker } from "./workloads.ts";
import { simulation } from "./simulation.ts";
import { observability } from "./observability/index.ts";

/**
 * The shape of the stack configuration and its types, apart from the cross-field checks (`checks/`) so that the checks
 * can use the types without importing the schema that runs them (`index.ts` joins the two).
 */
export const platform = z.strictObject({
  /** Prefix of platform-wide names (priority classes, namespaces). Defaults to wp. */
  name: dnsLabel.max(12).default("wp"),
  /** Environment name, used in labels and tags only. */
  environment: dnsLabel,
  /**
   * Production posture: protected clusters, HA add-ons, PDBs for every worker, warm GPU headroom allowed, the GPU
   * capacity policy mandatory. Defaults to false.
   */
  production: z.boolean().default(false),
  /** Namespace of workers, services, queues and secrets. Defaults to `<platform.name>-workloads`. */
  namespace: dnsLabel.optional(),
});

/**
 * The machine running Pulumi (a person, or CI), not what it deploys: how it reaches the clusters' APIs. CI sets it in
 * its own checkout (`.github/workflows/`), so people and CI share one stack file.
 */
export const deployer = z.strictObject({
  /**
   * kubelogin `--login` mode of the Kubernetes provider on AKS clusters, for every AKS cluster of the stack; the
   * exported kubeconfig keeps each cluster's azure.kubeloginMode. The workflows set workloadidentity: kubelogin then
   * exchanges a fresh GitHub OIDC token for each Entra ID token, for as long as the job runs. Defaults to each
   * cluster's azure.kubeloginMode.
   */
  kubeloginMode: kubeloginMode.optional(),
});

/** One top-level Pulumi config key (`worker-platform:<key>`) per field. */
export const stackShape = z.strictObject({
  platform,
  clusters: z.array(cluster).min(1),
  addons,
  queues: z.array(queue).default([]),
  secrets: z.array(secret).default([]),
  priorityClasses,
  workers: z.array(worker).default([]),
  services: z.array(service).default([]),
  simulation,
  deployer: deployer.prefault({}),
  /** Alertmanager's receivers and routing, Grafana's dashboards. */
  observability,
});

export type StackConfig = z.infer<typeof stackShape>;
export type StackConfigInput = z.input<typeof stackShape>;
export type { ClusterConfig } from "./cluster.ts";
