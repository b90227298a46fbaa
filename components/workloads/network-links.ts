import type { ServiceConfig, StackConfig, WorkerConfig } from "../../stacks/schema/index.ts";
import { isCloudQueue, isCidrEntry } from "../../stacks/schema/workloads.ts";
import type { EgressEntry, NamedSource } from "../../stacks/schema/workload-network.ts";
import { selectorLabels } from "./common.ts";
import type { QueueEndpoint } from "./queues.ts";
import { cloudQueuePorts } from "./cloud-queues.ts";

/**
 * Named egress and ingress (issue 14): a workload names the workers, services, queues and namespaces it talks to
 * (`egress`) and a service the workers, services and namespaces it admits (`allowFrom`), and both ends' NetworkPolicies
 * follow from one list of links, so the source's egress and the target's ingress always agree (in a namespace whose
 * default is deny-all, an egress rule alone is not enough: the target's ingress policy drops the traffic; kubernetes.io
 * "Network Policies": a connection needs both the source's egress and the destination's ingress to allow it).
 * Peers are pod selectors on the target's labels (common.ts selectorLabels), and another namespace a namespaceSelector
 * on kubernetes.io/metadata.name, which the API server sets on every namespace (kubernetes.io "Well-Known Labels").
 */

type Rule = Record<string, unknown>;
const NAMESPACE_LABEL = "kubernetes.io/metadata.name";
const tcp = (ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));
const withPorts = (ports: number[]) => (ports.length ? { ports: tcp(ports) } : {});

/** A workload of the stack, as a key of the maps below. */
export type WorkloadKey = `worker:${string}` | `service:${string}`;
export const workerKey = (name: string): WorkloadKey => `worker:${name}`;
export const serviceKey = (name: string): WorkloadKey => `service:${name}`;

export interface NamedLinks {
  /** Egress rules of a workload from its named destinations and from the services that name it in `allowFrom`. */
  egress: Map<WorkloadKey, Rule[]>;
  /** Ingress rules of a workload from the workloads that name it in `egress`, and `allowFrom` entries by name. */
  ingress: Map<WorkloadKey, Rule[]>;
  /** Peers each in-cluster queue admits besides its trigger users: the workloads naming it in `egress`. */
  queueSources: Map<string, Rule[]>;
}

/** The port a named worker or service is reached on: `ports` if given, else the service's port or the worker's metrics port. */
export function targetPorts(
  cfg: Pick<StackConfig, "workers" | "services">,
  e: { service: string; ports?: number[] } | { worker: string; ports?: number[] },
): number[] | undefined {
  if (e.ports?.length) return e.ports;
  if ("service" in e) {
    const s = cfg.services.find((x) => x.name === e.service);
    return s ? [s.port] : undefined;
  }
  const w = cfg.workers.find((x) => x.name === e.worker);
  return w?.metrics ? [w.metrics.port] : undefined;
}

/**
 * An egress rule of a CIDR entry, on its TCP ports or all. The ipBlock has no `except`: a wide range such as 0.0.0.0/0
 * also covers the cluster's own node and service ranges on those ports (whether an ipBlock matches pod IPs is up to
 * the network plugin). Narrow the CIDR (e.g. a proxy) where that matters.
 */
function cidrRule(e: { cidr: string; ports: number[] }): Rule {
  return { to: [{ ipBlock: { cidr: e.cidr } }], ...withPorts(e.ports) };
}

/** A peer in another namespace: namespaceSelector, ANDed with a podSelector when given (one peer element). */
function namespacePeer(e: { namespace: string; podSelector?: { matchLabels: Record<string, string> } }): Rule {
  return {
    namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: e.namespace } },
    ...(e.podSelector ? { podSelector: { matchLabels: e.podSelector.matchLabels } } : {}),
  };
}

/**
 * The links of the workloads on one cluster. `workers` and `services` are those deployed there (the schema refuses a
 * name whose target is not on every cluster of its source: checks/workload-network.ts), `queues` the cluster's broker
 * queues.
 */
export function namedLinks(
  cfg: StackConfig,
  workers: WorkerConfig[],
  services: ServiceConfig[],
  queues: ReadonlyMap<string, QueueEndpoint>,
): NamedLinks {
  const egress = new Map<WorkloadKey, Rule[]>();
  const ingress = new Map<WorkloadKey, Rule[]>();
  const queueSources = new Map<string, Rule[]>();
  const add = <K>(m: Map<K, Rule[]>, k: K, r: Rule) => m.set(k, [...(m.get(k) ?? []), r]);
  const here = new Set<WorkloadKey>([
    ...workers.map((w) => workerKey(w.name)),
    ...services.map((s) => serviceKey(s.name)),
  ]);
  const podsOf = (k: WorkloadKey) => {
    const [kind, name] = k.split(":") as ["worker" | "service", string];
    return { podSelector: { matchLabels: selectorLabels(name, kind) } };
  };
  /** source → target on ports: the source's egress and the target's ingress. */
  const link = (source: WorkloadKey, target: WorkloadKey, ports: number[]) => {
    if (!here.has(target)) return;
    add(egress, source, { to: [podsOf(target)], ports: tcp(ports) });
    add(ingress, target, { from: [podsOf(source)], ports: tcp(ports) });
  };

  const sources: { key: WorkloadKey; entries: EgressEntry[] }[] = [
    ...workers.map((w) => ({ key: workerKey(w.name), entries: w.egress })),
    ...services.map((s) => ({ key: serviceKey(s.name), entries: s.egress })),
  ];
  for (const { key, entries } of sources) {
    for (const e of entries) {
      if ("cidr" in e) add(egress, key, cidrRule(e));
      else if ("namespace" in e) add(egress, key, { to: [namespacePeer(e)], ...withPorts(e.ports) });
      else if ("queue" in e) {
        const q = queues.get(e.queue);
        const cloud = cfg.queues.find((x) => x.name === e.queue);
        if (q?.inCluster) {
          const ports = [q.port];
          add(egress, key, { to: [{ podSelector: { matchLabels: q.podLabels } }], ports: tcp(ports) });
          add(queueSources, q.name, podsOf(key));
        } else if (q) add(egress, key, { ports: tcp([q.port]) });
        // A cloud queue is an HTTPS (and, Service Bus, AMQP) endpoint of the cloud: its ports on any address, as for a
        // worker whose trigger reads it (cloud-queues.ts cloudQueuePorts).
        else if (cloud && isCloudQueue(cloud)) add(egress, key, { ports: tcp(cloudQueuePorts(cloud)) });
      } else {
        const target = "service" in e ? serviceKey(e.service) : workerKey(e.worker);
        link(key, target, targetPorts(cfg, e) ?? []);
      }
    }
  }
  // allowFrom by name: the service admits the source, and the source's egress reaches the service's port.
  for (const s of services) {
    for (const a of s.allowFrom) {
      if (typeof a === "string") continue;
      if ("namespace" in a) continue; // rendered with the other allowFrom peers (allowFromPeer)
      const source = "worker" in a ? workerKey(a.worker) : serviceKey(a.service);
      if (here.has(source)) add(egress, source, { to: [podsOf(serviceKey(s.name))], ports: tcp([s.port]) });
    }
  }
  return { egress, ingress, queueSources };
}

/** The NetworkPolicy peer of one `allowFrom` entry: ipBlock, namespace, or a workload's pods (by name). */
export function allowFromPeer(a: string | NamedSource): Rule {
  if (typeof a === "string")
    return isCidrEntry(a) ? { ipBlock: { cidr: a } } : { namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: a } } };
  if ("namespace" in a) return namespacePeer(a);
  return {
    podSelector: {
      matchLabels: "worker" in a ? selectorLabels(a.worker, "worker") : selectorLabels(a.service, "service"),
    },
  };
}
