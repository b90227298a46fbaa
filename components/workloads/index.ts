import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../stacks/schema/index.ts";
import { isCloudTrigger } from "../../stacks/schema/index.ts";
import { targetClusters } from "../../stacks/schema/checks/workloads.ts";
import type { AddonsOutputs } from "../addons/index.ts";
import type { ClusterHandle } from "../cluster/handle.ts";
import type { WorkloadEnv } from "./common.ts";
import { workloadsNamespace } from "./common.ts";
import { createHeadroom } from "./headroom.ts";
import { createNetworkPolicies } from "./network-policies.ts";
import { createPriorityClasses } from "./priority-classes.ts";
import { createQueues } from "./queues.ts";
import { createCloudQueues } from "./cloud-queues.ts";
import { createConfigSecrets } from "./secrets.ts";
import { configHashKey, createConfigMaps, createSharedClaims } from "./volumes.ts";
import { Service } from "./service.ts";
import { Worker } from "./worker.ts";

export interface WorkloadsArgs {
  /** The cluster to deploy to; only its handle is used. */
  cluster: ClusterHandle;
  /** KEDA objects depend on `addons.keda`; prometheus triggers default to `addons.prometheusUrl`. */
  addons: AddonsOutputs;
  /** The validated stack configuration. */
  config: StackConfig;
}

/**
 * Everything users run on one cluster, in order: the namespace (Pod Security "restricted"), PriorityClasses,
 * Secrets, queues (in-cluster, external, and SQS/Service Bus: cloud-queues.ts), workers (KEDA; with cloud identities
 * for cloud queues: cloud-identity.ts), services (HPA), warm GPU headroom, NetworkPolicies. Workers and services honour
 * their `clusters:` list. Every object uses the cluster's provider and is parented here.
 */
export class Workloads extends pulumi.ComponentResource {
  /** Namespace of the workloads. */
  public readonly namespace: string;
  public readonly workers: Worker[] = [];
  public readonly services: Service[] = [];

  constructor(name: string, args: WorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("worker-platform:workloads:Workloads", name, {}, opts);
    const { cluster, addons, config } = args;
    this.namespace = workloadsNamespace(config);
    const namespaceResource = new k8s.core.v1.Namespace(
      `${cluster.name}-${this.namespace}`,
      {
        metadata: {
          name: this.namespace,
          labels: {
            // Every pod here meets "restricted" (workers, services, queues, placeholders): enforce it.
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
            "app.kubernetes.io/managed-by": "worker-platform",
          },
        },
      },
      { provider: cluster.provider, parent: this },
    );
    const priorityClasses = createPriorityClasses(cluster, config, this);
    const env: WorkloadEnv = {
      cluster,
      addons,
      config,
      namespace: this.namespace,
      namespaceResource,
      priorityClasses: Object.values(priorityClasses),
    };

    const secrets = createConfigSecrets(env, config.secrets, this);
    const queues = createQueues(env, config.queues, secrets, this);
    const cloudQueues = createCloudQueues(env, config, this);
    const onThisCluster = (names: string[] | undefined) =>
      targetClusters(config, names).some((c) => c.name === cluster.name);
    const storageUsers = [...config.workers, ...config.services].filter((w) => onThisCluster(w.clusters));
    const storage = {
      configMaps: createConfigMaps(env, config.configMaps, this),
      secrets,
      claims: createSharedClaims(
        env,
        config.claims,
        new Set(storageUsers.flatMap((w) => w.volumes.flatMap((v) => v.sharedClaim ?? []))),
        this,
      ),
      ...(config.secrets.length ? { hashKey: configHashKey(`${cluster.name}-config-hash-key`, this) } : {}),
    };
    const secretDeps = (secretEnv: Record<string, { secret: string }>) =>
      Object.values(secretEnv).flatMap((r) => secrets.get(r.secret)?.resource ?? []);

    const workers = config.workers.filter((w) => onThisCluster(w.clusters));
    // Every queue a worker's triggers read: its pods reach each (NetworkPolicy egress), KEDA reads each.
    const withQueues = workers.map((w) => ({
      worker: w,
      queues: [...new Set(w.triggers.flatMap((t) => ("queue" in t ? (queues.get(t.queue) ?? []) : [])))],
      // One cloud queue per worker (the schema's rule): its identities are limited to that queue.
      cloudQueue: w.triggers.flatMap((t) => (isCloudTrigger(t) ? (cloudQueues.get(t.queue) ?? []) : []))[0],
    }));
    for (const { worker, cloudQueue } of withQueues) {
      this.workers.push(
        new Worker(
          `${cluster.name}-${worker.name}`,
          { env, worker, queues, cloudQueue, dependsOn: secretDeps(worker.secretEnv), storage },
          { parent: this },
        ),
      );
    }
    const services = config.services.filter((s) => onThisCluster(s.clusters));
    for (const service of services) {
      this.services.push(
        new Service(
          `${cluster.name}-${service.name}`,
          { env, service, dependsOn: secretDeps(service.secretEnv), storage },
          { parent: this },
        ),
      );
    }
    createHeadroom(env, this);
    createNetworkPolicies(env, { workers: withQueues, services, queues: [...queues.values()] }, this);

    this.registerOutputs({
      namespace: this.namespace,
      workers: workers.map((w) => w.name),
      services: services.map((s) => s.name),
    });
  }
}
