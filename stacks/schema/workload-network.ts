import { z } from "zod";
import { dnsLabel, networkCidr } from "./common.ts";

/** A TCP port. */
const port = z.number().int().min(1).max(65535);

/** A Kubernetes namespace name (DNS-1123 label, at most 63 characters). */
const namespaceName = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    error: "must be a namespace name: lowercase letters, digits and '-', at most 63",
  });

/** Label selector of pods in another namespace (matchLabels only: names and values as Kubernetes takes them). */
const podSelector = z.strictObject({
  matchLabels: z
    .record(
      z.string().regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, {
        error: "must be a label key such as app.kubernetes.io/name",
      }),
      z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, {
        error: "must be a label value: at most 63 letters, digits, '-', '_' or '.'",
      }),
    )
    .refine((m) => Object.keys(m).length > 0, { error: "must name at least one label" }),
});

/**
 * One `egress` entry: a CIDR (an `ipBlock`), or a destination by name whose NetworkPolicy peers the platform derives
 * (components/workloads/network-links.ts): a `service` or `worker` of this stack (their pods, on the service's port or
 * the worker's metrics port unless `ports` says otherwise; the target's ingress admits the source), a `queue` of this
 * stack (its pods and ports in-cluster; its port anywhere when external or a cloud queue), or a `namespace` (with an
 * optional `podSelector`; every port unless `ports` says otherwise).
 */
export const egressEntry = z.union(
  [
    z.strictObject({
      /** An IPv4 or IPv6 network (an `ipBlock`, no exceptions). */
      cidr: networkCidr,
      /** TCP ports. Defaults to every port. */
      ports: z.array(port).default([]),
    }),
    z.strictObject({
      /** A service under `services`, deployed on every cluster this workload runs on. */
      service: dnsLabel,
      /** TCP ports. Defaults to the service's `port`. */
      ports: z.array(port).optional(),
    }),
    z.strictObject({
      /** A worker under `workers`, deployed on every cluster this workload runs on. */
      worker: dnsLabel,
      /** TCP ports. Defaults to the worker's `metrics.port` (required when it has none). */
      ports: z.array(port).optional(),
    }),
    z.strictObject({
      /** A queue under `queues`: its pods and port in-cluster, its port anywhere when external or a cloud queue. */
      queue: dnsLabel,
    }),
    z.strictObject({
      /** Another namespace (namespaceSelector on kubernetes.io/metadata.name). */
      namespace: namespaceName,
      /** Pods of that namespace (`matchLabels`). Defaults to every pod in it. */
      podSelector: podSelector.optional(),
      /** TCP ports. Defaults to every port. */
      ports: z.array(port).default([]),
    }),
  ],
  {
    error:
      "must be one of { cidr, ports }, { service, ports }, { worker, ports }, { queue }, { namespace, podSelector, ports }",
  },
);
export type EgressEntry = z.infer<typeof egressEntry>;

/** An `allowFrom` entry that names a source of this stack or of another namespace (rather than a CIDR or namespace name). */
export const namedSource = z.union(
  [
    /** A worker under `workers`: its pods, which also get egress to this service's port. */
    z.strictObject({ worker: dnsLabel }),
    /** A service under `services`: its pods, which also get egress to this service's port. */
    z.strictObject({ service: dnsLabel }),
    z.strictObject({
      namespace: namespaceName,
      /** Pods of that namespace (`matchLabels`). Defaults to every pod in it. */
      podSelector: podSelector.optional(),
    }),
  ],
  { error: "must be a CIDR, a namespace name, or one of { worker }, { service }, { namespace, podSelector }" },
);
export type NamedSource = z.infer<typeof namedSource>;
