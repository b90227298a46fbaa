import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { MetricsEndpoint, ServiceConfig, StackConfig, WorkerConfig } from "../../stacks/schema/index.ts";
import { inClusterPrometheusNamespace } from "../../stacks/schema/checks/workloads.ts";
import { isCidrEntry } from "../../stacks/schema/workloads.ts";
import { allowFromPeer, namedLinks, serviceKey, workerKey } from "./network-links.ts";
import type { WorkloadEnv } from "./common.ts";
import { APP_LABELS, k8sOpts, selectorLabels } from "./common.ts";
import type { QueueEndpoint } from "./queues.ts";
import type { CloudQueue } from "./cloud-queues.ts";
import { cloudQueuePorts } from "./cloud-queues.ts";

type Rule = Record<string, unknown>;

const NAMESPACE_LABEL = "kubernetes.io/metadata.name";
/** An `allowFrom` entry is a CIDR when the schema judges it one, else a namespace name (the schema allows only these two). */
const isCidr = isCidrEntry;

/** Egress to the cluster DNS (kube-system, UDP and TCP 53). */
export const DNS_EGRESS: Rule = {
  to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: "kube-system" } } }],
  ports: [
    { protocol: "UDP", port: 53 },
    { protocol: "TCP", port: 53 },
  ],
};

const tcp = (ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));

/** Egress to a queue: its pods (in-cluster), or its port anywhere (external: a NetworkPolicy cannot name a host). */
function queueEgress(q: QueueEndpoint): Rule {
  return q.inCluster
    ? { to: [{ podSelector: { matchLabels: q.podLabels } }], ports: tcp([q.port]) }
    : { ports: tcp([q.port]) };
}

/** NetworkPolicy peers of `allowFrom` entries: an `ipBlock` per CIDR, a namespaceSelector per namespace name. */
function peersOf(entries: string[]): Rule[] {
  return entries.map((a) =>
    isCidr(a) ? { ipBlock: { cidr: a } } : { namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: a } } },
  );
}

/**
 * Ingress to a metrics endpoint: from the in-cluster Prometheus's namespace (its server scrapes pod IPs directly,
 * the `kubernetes-pods` job) and from `metrics.allowFrom`, on the metrics port only. The whole namespace rather than
 * the server's pods: its pod labels depend on the chart's release naming, and a selector that misses would silently
 * stop scraping. No rule when nothing may scrape (the schema rejects that config).
 */
export function metricsIngress(config: StackConfig, metrics: MetricsEndpoint | undefined): Rule[] {
  if (!metrics) return [];
  const prometheus = inClusterPrometheusNamespace(config);
  const from = [...(prometheus ? peersOf([prometheus]) : []), ...peersOf(metrics.allowFrom)];
  return from.length ? [{ from, ports: tcp([metrics.port]) }] : [];
}

export interface NetworkPolicyInputs {
  /** Each worker with the queues its triggers read, and its cloud queue (kind only: the ports). */
  workers: { worker: WorkerConfig; queues: QueueEndpoint[]; cloudQueue?: Pick<CloudQueue, "kind"> }[];
  services: ServiceConfig[];
  queues: QueueEndpoint[];
}

/**
 * Network policies of the workloads namespace: deny everything by default, then allow per object.
 *  - workers: no ingress but their `metrics` port from the scrapers (metricsIngress); egress to DNS, the queue of
 *    each of their triggers (a cloud queue: its service's ports, and the token endpoint of the pod's cloud identity,
 *    on any address: cloud-queues.ts cloudQueuePorts), and `egress` (CIDRs and destinations by name: network-links.ts,
 *    whose targets' ingress admits them).
 *  - services: ingress on their port from `allowFrom` (CIDRs or namespace names; default any pod in the cluster, or
 *    anywhere for a LoadBalancer) and on their `metrics` port from the scrapers; egress to DNS, the namespace's
 *    queues (services are usually the producers) and `egress`; ingress also from the workloads that name them.
 *  - in-cluster queues: ingress on their ports from the workers that use them, the services, and KEDA's operator
 *    (it reads the queue length); egress to DNS.
 *  Prometheus trigger queries are made by KEDA's operator, not by the worker, so workers get no Prometheus egress.
 */
export function createNetworkPolicies(
  env: WorkloadEnv,
  inputs: NetworkPolicyInputs,
  parent: pulumi.Resource,
): k8s.networking.v1.NetworkPolicy[] {
  const ns = env.namespace;
  const prefix = env.cluster.name;
  const make = (name: string, spec: Rule) =>
    new k8s.networking.v1.NetworkPolicy(
      `${prefix}-netpol-${name}`,
      {
        metadata: { name, namespace: ns, labels: { [APP_LABELS.managedBy]: "worker-platform" } },
        spec: spec as unknown as k8s.types.input.networking.v1.NetworkPolicySpec,
      },
      k8sOpts(env, parent),
    );
  const out = [make("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] })];
  // `egress` entries (CIDRs and names) and `allowFrom` by name, both ends of each link (network-links.ts).
  const links = namedLinks(
    env.config,
    inputs.workers.map((x) => x.worker),
    inputs.services,
    new Map(inputs.queues.map((q) => [q.name, q])),
  );

  for (const { worker: w, queues, cloudQueue } of inputs.workers) {
    out.push(
      make(`worker-${w.name}`, {
        podSelector: { matchLabels: selectorLabels(w.name, "worker") },
        policyTypes: ["Ingress", "Egress"],
        ingress: [...metricsIngress(env.config, w.metrics), ...(links.ingress.get(workerKey(w.name)) ?? [])],
        egress: [
          DNS_EGRESS,
          ...queues.map(queueEgress),
          ...(cloudQueue ? [{ ports: tcp(cloudQueuePorts(cloudQueue)) }] : []),
          ...(links.egress.get(workerKey(w.name)) ?? []),
        ],
      }),
    );
  }

  for (const s of inputs.services) {
    const from = s.allowFrom.map(allowFromPeer);
    const ingressRule: Rule =
      from.length > 0
        ? { from, ports: tcp([s.port]) }
        : s.expose === "LoadBalancer"
          ? { ports: tcp([s.port]) }
          : { from: [{ namespaceSelector: {} }], ports: tcp([s.port]) };
    out.push(
      make(`service-${s.name}`, {
        podSelector: { matchLabels: selectorLabels(s.name, "service") },
        policyTypes: ["Ingress", "Egress"],
        // A separate rule for metrics, also when on the service's port: `allowFrom` may not include the scrapers.
        ingress: [
          ingressRule,
          ...metricsIngress(env.config, s.metrics),
          ...(links.ingress.get(serviceKey(s.name)) ?? []),
        ],
        egress: [DNS_EGRESS, ...inputs.queues.map(queueEgress), ...(links.egress.get(serviceKey(s.name)) ?? [])],
      }),
    );
  }

  for (const q of inputs.queues.filter((q) => q.inCluster)) {
    const users = inputs.workers
      .filter((x) => x.queues.some((used) => used.name === q.name))
      .map((x) => ({ podSelector: { matchLabels: selectorLabels(x.worker.name, "worker") } }));
    const services = inputs.services.length
      ? [{ podSelector: { matchLabels: { [APP_LABELS.component]: "service" } } }]
      : [];
    const keda = { namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: env.config.addons.keda.namespace } } };
    out.push(
      make(`queue-${q.name}`, {
        podSelector: { matchLabels: q.podLabels },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          {
            from: [...users, ...(links.queueSources.get(q.name) ?? []), ...services, keda],
            ports: tcp([q.port, ...(q.managementPort ? [q.managementPort] : [])]),
          },
        ],
        egress: [DNS_EGRESS],
      }),
    );
  }
  return out;
}
