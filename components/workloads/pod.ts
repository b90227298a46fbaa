import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ServiceConfig, WorkerConfig } from "../../stacks/schema/index.ts";
import type { WorkloadEnv } from "./common.ts";
import { priorityClassName } from "./common.ts";
import { needsApiToken } from "../../stacks/schema/index.ts";
import type { QueueEndpoint } from "./queues.ts";
import type { WorkloadPlacement } from "./scheduling.ts";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, tmpVolume } from "./security.ts";
import type { WorkloadStorage } from "./volumes.ts";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;
type EnvVar = k8s.types.input.core.v1.EnvVar;
/** An env var whose name is known when the program runs (its value may be an Output). */
export type NamedEnvVar = EnvVar & { name: string };

export const GPU_RESOURCE = "nvidia.com/gpu";
/** Seconds the preStop hook waits before SIGTERM: time for endpoints/queues to stop routing work to the pod. */
export const PRESTOP_SECONDS = 5;

/** A queue a worker's container is told about, under `<prefix>_HOST`, `<prefix>_PORT`, ... */
export interface QueueEnv {
  queue: QueueEndpoint;
  /** The list or queue name (`<prefix>_NAME`). */
  queueName?: string;
  /** `QUEUE` for the worker's first queue trigger, `QUEUE_<TRIGGER NAME>` for the others. */
  prefix: string;
}

/**
 * Environment of a worker's container: the queues it consumes (host, port, name; credentials by secretKeyRef from
 * the queue's Secret), then the config's plain `env`, then `secretEnv` by secretKeyRef. Never a literal secret.
 * A name set in config wins over the platform's QUEUE_* variables, and over `platformEnv` (a cloud queue's address,
 * cloud-queues.ts cloudQueueEnv).
 */
export function containerEnv(
  w: WorkerConfig | ServiceConfig,
  queues: QueueEnv[] = [],
  platformEnv: NamedEnvVar[] = [],
): EnvVar[] {
  const out = new Map<string, EnvVar>(platformEnv.map((e) => [e.name, e]));
  const set = (name: string, v: Omit<EnvVar, "name">) => out.set(name, { name, ...v });
  for (const { queue, queueName, prefix } of queues) {
    set(`${prefix}_HOST`, { value: queue.host });
    set(`${prefix}_PORT`, { value: String(queue.port) });
    set(`${prefix}_TLS`, { value: String(queue.tls) });
    if (queueName) set(`${prefix}_NAME`, { value: queueName });
    if (queue.auth.usernameKey)
      set(`${prefix}_USERNAME`, {
        valueFrom: { secretKeyRef: { name: queue.auth.secret, key: queue.auth.usernameKey } },
      });
    set(`${prefix}_PASSWORD`, {
      valueFrom: { secretKeyRef: { name: queue.auth.secret, key: queue.auth.passwordKey } },
    });
  }
  for (const [name, value] of Object.entries(w.env)) out.set(name, { name, value });
  for (const [name, ref] of Object.entries(w.secretEnv))
    out.set(name, { name, valueFrom: { secretKeyRef: { name: ref.secret, key: ref.key } } });
  return [...out.values()];
}

/** Name of the container port of a `metrics` endpoint (network-policies.ts allows scrapers to it). */
export const METRICS_PORT_NAME = "metrics";

/**
 * Pod annotations the prometheus chart's `kubernetes-pods` job reads (prometheus-community/helm-charts
 * charts/prometheus/values.yaml, serverFiles prometheus.yml): it keeps pods with `prometheus.io/scrape: "true"`,
 * scrapes `<pod IP>:<prometheus.io/port>` at `prometheus.io/path`, and labels the series with `namespace` and `pod`,
 * which the adapter's worker_* rules map back to the pod (addons/prometheus-adapter.ts). Empty without `metrics`.
 */
export function scrapeAnnotations(w: WorkerConfig | ServiceConfig): Record<string, string> {
  if (!w.metrics) return {};
  return {
    "prometheus.io/scrape": "true",
    "prometheus.io/port": String(w.metrics.port),
    "prometheus.io/path": w.metrics.path,
  };
}

/** Metadata of a worker's or service's pod template: its selector labels, and annotations when it has any. */
export function podTemplateMetadata(
  podLabels: Record<string, string>,
  w: WorkerConfig | ServiceConfig,
  extra: Record<string, pulumi.Input<string>> = {},
) {
  const annotations = { ...extra, ...scrapeAnnotations(w) };
  return { labels: podLabels, ...(Object.keys(annotations).length ? { annotations } : {}) };
}

/**
 * The container port of a `metrics` endpoint, named `metrics`; none when there is no endpoint, or when a service
 * serves its metrics on its own port (`servicePort`): a second entry for the same port and protocol only draws the
 * API server's "duplicate port definition" warning (kubernetes pkg/api/pod/warnings.go), and `http` declares it.
 */
export function metricsContainerPorts(
  w: WorkerConfig | ServiceConfig,
  servicePort?: number,
): k8s.types.input.core.v1.ContainerPort[] {
  if (!w.metrics || w.metrics.port === servicePort) return [];
  return [{ name: METRICS_PORT_NAME, containerPort: w.metrics.port, protocol: "TCP" }];
}

/** Requests and limits from config; GPUs in limits and, equal, in requests (extended resources: kubernetes.io). */
export function containerResources(
  w: WorkerConfig | ServiceConfig,
  gpus: number,
  gpuResource: string = GPU_RESOURCE,
): k8s.types.input.core.v1.ResourceRequirements {
  const gpu: Record<string, string> = gpus > 0 ? { [gpuResource]: String(gpus) } : {};
  return {
    requests: { cpu: w.resources.requests.cpu, memory: w.resources.requests.memory, ...gpu },
    limits: {
      memory: w.resources.limits.memory,
      ...(w.resources.limits.cpu ? { cpu: w.resources.limits.cpu } : {}),
      ...gpu,
    },
  };
}

export interface PodSpecOptions {
  serviceAccountName: string;
  placement: WorkloadPlacement;
  podLabels: Record<string, string>;
  env: EnvVar[];
  terminationGracePeriodSeconds: number;
  ports?: k8s.types.input.core.v1.ContainerPort[];
  probes?: Pick<Container, "readinessProbe" | "livenessProbe">;
  restartPolicy?: "Always" | "Never";
  /** Spread replicas over zones and nodes (Deployments); not for one-pod Jobs. Defaults to true. */
  spread?: boolean;
  /** Volumes, mounts and envFrom from the config (volumes.ts workloadStorage). Defaults to none. */
  storage?: WorkloadStorage;
}

/**
 * The pod of a worker or service: restricted security context, read-only root with an emptyDir /tmp, the service
 * account token only where RBAC rules need it (needsApiToken), the tier's PriorityClass, placement from
 * scheduling.ts, a preStop pause before SIGTERM.
 */
export function podSpec(env: WorkloadEnv, w: WorkerConfig | ServiceConfig, o: PodSpecOptions): PodSpec {
  const tmp = tmpVolume();
  // A volume of the config mounted at /tmp replaces the platform's (the root filesystem stays read-only).
  const own = o.storage;
  const tmpVolumes = own?.replacesTmp ? [] : [tmp];
  const container: Container = {
    name: w.name,
    image: w.image,
    ...(w.command ? { command: w.command } : {}),
    ...(w.args ? { args: w.args } : {}),
    env: o.env,
    ...(own?.envFrom.length ? { envFrom: own.envFrom } : {}),
    resources: containerResources(w, o.placement.gpus, o.placement.gpuResource),
    securityContext: restrictedContainerSecurityContext(),
    volumeMounts: [...tmpVolumes.map((t) => t.mount), ...(own?.mounts ?? [])],
    ...(o.ports?.length ? { ports: o.ports } : {}),
    ...(o.probes ?? {}),
    // The built-in sleep action needs no shell in the image (PodLifecycleSleepAction, Kubernetes 1.30+).
    lifecycle: { preStop: { sleep: { seconds: PRESTOP_SECONDS } } },
  };
  const spread = o.spread ?? true;
  return {
    serviceAccountName: o.serviceAccountName,
    automountServiceAccountToken: needsApiToken(w),
    priorityClassName: priorityClassName(env.config, w.priority),
    securityContext: {
      ...restrictedPodSecurityContext(),
      ...(own?.fsGroup !== undefined ? { fsGroup: own.fsGroup, fsGroupChangePolicy: "OnRootMismatch" } : {}),
    },
    terminationGracePeriodSeconds: o.terminationGracePeriodSeconds,
    ...(o.restartPolicy ? { restartPolicy: o.restartPolicy } : {}),
    tolerations: o.placement.tolerations,
    ...(o.placement.affinity ? { affinity: o.placement.affinity } : {}),
    ...(spread
      ? {
          // ScheduleAnyway: spreading is best effort; it must never keep a pod Pending (or block a scale-up).
          topologySpreadConstraints: ["topology.kubernetes.io/zone", "kubernetes.io/hostname"].map((topologyKey) => ({
            maxSkew: 1,
            topologyKey,
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: o.podLabels },
          })),
        }
      : {}),
    containers: [container],
    volumes: [...tmpVolumes.map((t) => t.volume), ...(own?.volumes ?? [])],
  };
}
