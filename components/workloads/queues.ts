import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { BrokerQueueConfig, QueueConfig } from "../../stacks/schema/index.ts";
import { defaultQueueImage, isCloudQueue } from "../../stacks/schema/index.ts";
import { QUEUE_RESOURCES } from "../../stacks/platform-pods.ts";
import type { WorkloadEnv } from "./common.ts";
import { objectLabels, podOpts, priorityClassName, selectorLabels, k8sOpts } from "./common.ts";
import type { PlatformSecret } from "./secrets.ts";
import { generatedPassword, secretOf } from "./secrets.ts";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, tmpVolume } from "./security.ts";
import { queuePlacement } from "./scheduling.ts";

/** Where workers and KEDA reach a queue, and which Secret keys hold its credentials. */
export interface QueueEndpoint {
  name: string;
  kind: BrokerQueueConfig["kind"];
  inCluster: boolean;
  host: string;
  /** redis: 6379; rabbitmq: AMQP 5672. */
  port: number;
  /** rabbitmq: management API port (KEDA's http protocol reads queue length there). */
  managementPort?: number;
  tls: boolean;
  /** Secret holding the credentials; `usernameKey` for rabbitmq only. */
  auth: { secret: string; passwordKey: string; usernameKey?: string };
  /** rabbitmq: Secret key holding the management URL with credentials, which KEDA reads via TriggerAuthentication. */
  kedaHost?: { secret: string; key: string };
  /** In-cluster queues: labels of the queue's pods (NetworkPolicies). */
  podLabels?: Record<string, string>;
  /** What consumers of the queue depend on (its Secret(s), its Service). */
  resources: pulumi.Resource[];
}

export const DEFAULT_PORTS = { redis: 6379, rabbitmq: 5672 } as const;

/**
 * uid/gid of the official images' service accounts, so they run non-root without their root entrypoint step-down:
 * redis alpine `addgroup -S -g 1000 redis; adduser -S -G redis -u 999 redis`; rabbitmq alpine
 * `addgroup -g 101 -S rabbitmq; adduser -u 100 -S -h $RABBITMQ_DATA_DIR -G rabbitmq rabbitmq`
 * (docker-library/redis and docker-library/rabbitmq alpine Dockerfiles; the Debian variants use 999:999).
 */
export const IMAGE_USERS = { redis: { uid: 999, gid: 1000 }, rabbitmq: { uid: 100, gid: 101 } } as const;

const RABBITMQ_USER = "worker-platform";

/** Groups the objects of one in-cluster queue. */
class Queue extends pulumi.ComponentResource {
  constructor(name: string, opts: pulumi.ComponentResourceOptions) {
    super("worker-platform:workloads:Queue", name, {}, opts);
  }
  done(outputs: Record<string, unknown>): void {
    this.registerOutputs(outputs);
  }
}

/** The management API URL with credentials (KEDA rabbitmq trigger, protocol http). Never in trigger metadata. */
function managementUrl(
  tls: boolean,
  host: string,
  port: number,
  user: pulumi.Input<string>,
  password: pulumi.Input<string>,
): pulumi.Output<string> {
  return pulumi.secret(
    pulumi.interpolate`${tls ? "https" : "http"}://${pulumi.output(user).apply(encodeURIComponent)}:${pulumi.output(password).apply(encodeURIComponent)}@${host}:${port}/`,
  );
}

/**
 * The queues of the stack on one cluster: in-cluster ones as a one-replica StatefulSet with a PVC, a generated
 * password Secret and a Service; external ones only as an endpoint whose credentials come from a `secrets` entry.
 */
export function createQueues(
  env: WorkloadEnv,
  queues: QueueConfig[],
  secrets: Map<string, PlatformSecret>,
  parent: pulumi.Resource,
): Map<string, QueueEndpoint> {
  const out = new Map<string, QueueEndpoint>();
  // SQS and Service Bus queues are cloud resources with their own module (cloud-queues.ts).
  for (const q of queues.filter((x): x is BrokerQueueConfig => !isCloudQueue(x)))
    out.set(q.name, q.mode === "external" ? externalQueue(env, q, secrets, parent) : inClusterQueue(env, q, parent));
  return out;
}

function externalQueue(
  env: WorkloadEnv,
  q: BrokerQueueConfig,
  secrets: Map<string, PlatformSecret>,
  parent: pulumi.Resource,
): QueueEndpoint {
  // The schema guarantees host and passwordSecret (and `username` for rabbitmq) for external queues.
  const ref = q.passwordSecret!;
  const secret = secrets.get(ref.secret);
  if (!secret) throw new Error(`queue ${q.name}: no secret ${ref.secret}`);
  const port = q.port ?? DEFAULT_PORTS[q.kind];
  const base = { name: q.name, kind: q.kind, inCluster: false, host: q.host!, port, tls: q.tls };
  if (q.kind === "redis")
    return { ...base, auth: { secret: ref.secret, passwordKey: ref.key }, resources: [secret.resource] };
  const kedaSecret = `${q.name}-keda`;
  const url = managementUrl(q.tls, q.host!, q.managementPort, secret.values.username, secret.values[ref.key]);
  const s = secretOf(
    env,
    `${env.cluster.name}-${kedaSecret}`,
    kedaSecret,
    { host: url },
    parent,
    selectorLabels(q.name, "queue"),
  );
  return {
    ...base,
    managementPort: q.managementPort,
    auth: { secret: ref.secret, passwordKey: ref.key, usernameKey: "username" },
    kedaHost: { secret: kedaSecret, key: "host" },
    resources: [secret.resource, s],
  };
}

function inClusterQueue(env: WorkloadEnv, q: BrokerQueueConfig, parent: pulumi.Resource): QueueEndpoint {
  const component = new Queue(`${env.cluster.name}-${q.name}`, { parent });
  const prefix = `${env.cluster.name}-${q.name}`;
  const labels = objectLabels(env, q.name, "queue");
  const podLabels = selectorLabels(q.name, "queue");
  const host = `${q.name}.${env.namespace}.svc`;
  const port = DEFAULT_PORTS[q.kind];
  const authSecret = `${q.name}-auth`;
  const password = generatedPassword(`${prefix}-password`, 32, component);
  const managementPort = q.kind === "rabbitmq" ? q.managementPort : undefined;
  const values: Record<string, pulumi.Input<string>> = q.kind === "redis"
    ? { password }
    : { username: RABBITMQ_USER, password, host: managementUrl(false, host, managementPort!, RABBITMQ_USER, password) };
  const secret = secretOf(env, `${prefix}-auth`, authSecret, values, component, podLabels);

  const ports = [
    { name: q.kind === "redis" ? "redis" : "amqp", port, protocol: "TCP" },
    ...(managementPort ? [{ name: "management", port: managementPort, protocol: "TCP" }] : []),
  ];
  const service = new k8s.core.v1.Service(
    `${prefix}`,
    {
      metadata: { name: q.name, namespace: env.namespace, labels },
      spec: { type: "ClusterIP", selector: podLabels, ports: ports.map((p) => ({ ...p, targetPort: p.name })) },
    },
    k8sOpts(env, component),
  );

  const placement = queuePlacement(env.cluster);
  const tmp = tmpVolume();
  const secretEnv = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: authSecret, key } } });
  const container =
    q.kind === "redis"
      ? {
          name: "redis",
          image: q.image ?? defaultQueueImage("redis"),
          // $(VAR) is expanded by the kubelet: the password never appears in the object, only in the Secret.
          command: ["redis-server"],
          args: ["--requirepass", "$(REDIS_PASSWORD)", "--appendonly", "yes", "--dir", "/data"],
          env: [secretEnv("REDIS_PASSWORD", "password")],
          ports: [{ name: "redis", containerPort: port }],
          readinessProbe: {
            exec: { command: ["sh", "-c", 'redis-cli -a "$REDIS_PASSWORD" --no-auth-warning ping | grep -q PONG'] },
            periodSeconds: 10,
            timeoutSeconds: 5,
          },
          livenessProbe: { tcpSocket: { port: "redis" }, initialDelaySeconds: 15, periodSeconds: 20 },
          volumeMounts: [{ name: "data", mountPath: "/data" }, tmp.mount],
        }
      : {
          name: "rabbitmq",
          image: q.image ?? defaultQueueImage("rabbitmq"),
          // The -management image enables the management plugin (port 15672), which KEDA's http protocol needs.
          env: [secretEnv("RABBITMQ_DEFAULT_USER", "username"), secretEnv("RABBITMQ_DEFAULT_PASS", "password")],
          ports: [
            { name: "amqp", containerPort: port },
            { name: "management", containerPort: managementPort! },
          ],
          readinessProbe: {
            exec: { command: ["rabbitmq-diagnostics", "-q", "check_port_connectivity"] },
            initialDelaySeconds: 20,
            periodSeconds: 30,
            timeoutSeconds: 20,
          },
          livenessProbe: {
            exec: { command: ["rabbitmq-diagnostics", "-q", "ping"] },
            initialDelaySeconds: 60,
            periodSeconds: 60,
            timeoutSeconds: 20,
          },
          volumeMounts: [
            { name: "data", mountPath: "/var/lib/rabbitmq" },
            tmp.mount,
            { name: "log", mountPath: "/var/log/rabbitmq" },
          ],
        };
  new k8s.apps.v1.StatefulSet(
    prefix,
    {
      metadata: { name: q.name, namespace: env.namespace, labels },
      spec: {
        // One replica, set on purpose: no autoscaler targets a queue (a clustered broker is out of scope).
        replicas: 1,
        serviceName: q.name,
        selector: { matchLabels: podLabels },
        template: {
          metadata: { labels },
          spec: {
            priorityClassName: priorityClassName(env.config, "critical"),
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(IMAGE_USERS[q.kind]),
            tolerations: placement.tolerations,
            ...(placement.affinity ? { affinity: placement.affinity } : {}),
            terminationGracePeriodSeconds: 60,
            containers: [
              {
                ...container,
                resources: QUEUE_RESOURCES[q.kind],
                securityContext: restrictedContainerSecurityContext(),
              },
            ],
            volumes: [tmp.volume, ...(q.kind === "rabbitmq" ? [{ name: "log", emptyDir: {} }] : [])],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: "data", labels: podLabels },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: q.storageSize } } },
          },
        ],
      },
    },
    podOpts(env, component, [secret]),
  );
  component.done({ host, port });
  return {
    name: q.name,
    kind: q.kind,
    inCluster: true,
    host,
    port,
    managementPort,
    tls: false,
    auth: {
      secret: authSecret,
      passwordKey: "password",
      ...(q.kind === "rabbitmq" ? { usernameKey: "username" } : {}),
    },
    ...(q.kind === "rabbitmq" ? { kedaHost: { secret: authSecret, key: "host" } } : {}),
    podLabels,
    resources: [secret, service],
  };
}
