import type { z } from "zod";
import type { StackConfig } from "../stack.ts";
import { isCloudQueue } from "../workloads.ts";
import { needsApiToken } from "../workload-access.ts";
import type { EgressEntry } from "../workload-network.ts";
import { issue } from "./clusters.ts";
import { targetClusters } from "./workloads.ts";

type Ctx = z.RefinementCtx;
type Path = (string | number)[];

/**
 * Names in `egress` and `allowFrom` (components/workloads/network-links.ts): each must exist, be deployed on every
 * cluster its source is (a NetworkPolicy peer on another cluster selects nothing, and the traffic would be dropped
 * silently), and a worker named as a destination needs a port (it serves none unless it has `metrics`).
 */
export function checkWorkloadNetwork(cfg: StackConfig, ctx: Ctx): void {
  const names = {
    worker: new Map(cfg.workers.map((w) => [w.name, w])),
    service: new Map(cfg.services.map((s) => [s.name, s])),
  };
  const have = (kind: "worker" | "service" | "queue") =>
    (kind === "queue" ? cfg.queues : kind === "worker" ? cfg.workers : cfg.services).map((x) => x.name).join(", ") ||
    "none";
  const sources = [
    ...cfg.workers.map((w, i) => ({ w, path: ["workers", i] as Path, kind: "worker" })),
    ...cfg.services.map((w, i) => ({ w, path: ["services", i] as Path, kind: "service" })),
  ];
  /** The clusters the source runs on where `target` (with its `clusters`) is absent. */
  const missingOn = (source: { clusters?: string[] }, target: { clusters?: string[] }) => {
    const there = new Set(targetClusters(cfg, target.clusters).map((c) => c.name));
    return targetClusters(cfg, source.clusters)
      .map((c) => c.name)
      .filter((c) => !there.has(c));
  };
  const checkTarget = (path: Path, kind: "worker" | "service", name: string, source: { clusters?: string[] }) => {
    const target = names[kind].get(name);
    if (!target) {
      issue(ctx, path, `no ${kind} named "${name}" under ${kind}s (have: ${have(kind)})`, name);
      return undefined;
    }
    const missing = missingOn(source, target);
    if (missing.length)
      issue(
        ctx,
        path,
        `${kind} ${name} is not deployed on ${missing.join(", ")}, where this workload runs, so the policy would reach nothing there; add ${missing.join(", ")} to ${name}'s clusters or limit this workload's clusters`,
        name,
      );
    return target;
  };

  for (const { w, path } of sources) {
    w.egress.forEach((e, j) => {
      const at = [...path, "egress", j];
      if ("service" in e) checkTarget([...at, "service"], "service", e.service, w);
      else if ("worker" in e) {
        const target = checkTarget([...at, "worker"], "worker", e.worker, w);
        if (target && !e.ports?.length && !target.metrics)
          issue(
            ctx,
            [...at, "ports"],
            `worker ${e.worker} serves no port the platform knows of (it has no metrics endpoint); list the ports it listens on`,
            e.ports,
          );
      } else if ("queue" in e) {
        const q = cfg.queues.find((x) => x.name === e.queue);
        if (!q)
          issue(ctx, [...at, "queue"], `no queue named "${e.queue}" under queues (have: ${have("queue")})`, e.queue);
        else if (isCloudQueue(q)) {
          const missing = missingOn(w, q);
          if (missing.length)
            issue(
              ctx,
              [...at, "queue"],
              `queue ${q.name} (${q.kind}) is not on ${missing.join(", ")}, where this workload runs; add it to the queue's clusters or limit this workload's clusters`,
              e.queue,
            );
        }
      }
    });
  }
  cfg.services.forEach((s, i) => {
    s.allowFrom.forEach((a, j) => {
      if (typeof a === "string" || "namespace" in a) return;
      const kind = "worker" in a ? "worker" : "service";
      const name = "worker" in a ? a.worker : a.service;
      const target = names[kind].get(name);
      const at = ["services", i, "allowFrom", j, kind];
      if (!target) issue(ctx, at, `no ${kind} named "${name}" under ${kind}s (have: ${have(kind)})`, name);
    });
  });
}

/**
 * A workload with nowhere to send traffic but DNS: a worker without a queue trigger (prometheus, gpu, cpu or memory
 * triggers only) and without `egress`, or a service without `egress` in a namespace with no queue. Its NetworkPolicy
 * stays DNS-only (deny by default: nothing is opened that the config does not name), and this warning says so.
 */
export function networkWarnings(cfg: StackConfig): string[] {
  const out: string[] = [];
  cfg.workers.forEach((w, i) => {
    const reads = w.triggers.some((t) => "queue" in t);
    if (reads || w.egress.length) return;
    out.push(
      `workers[${i}].egress: worker ${w.name} reads no queue and declares no egress, so its NetworkPolicy allows DNS only; name what it talks to in egress ({ service }, { worker }, { queue }, { namespace }, { cidr }), or leave it if it needs nothing`,
    );
  });
  const queues = cfg.queues.filter((q) => !isCloudQueue(q));
  const cloudQueues = new Set(cfg.queues.filter(isCloudQueue).map((q) => q.name));
  /**
   * Whether the workload's egress reaches TCP 443 or 6443 on some address: a CIDR entry on every port or on one of
   * those, or a cloud queue (its service's ports, 443 among them, on any address: components/workloads/cloud-queues.ts
   * cloudQueuePorts).
   */
  const reachesHttps = (egress: EgressEntry[], triggerQueues: string[]) =>
    triggerQueues.some((q) => cloudQueues.has(q)) ||
    egress.some(
      (e) =>
        ("cidr" in e && (!e.ports.length || e.ports.some((p) => p === 443 || p === 6443))) ||
        ("queue" in e && cloudQueues.has(e.queue)),
    );
  const apiWarning = (
    at: string,
    w: { name: string; egress: EgressEntry[]; serviceAccount: StackConfig["workers"][number]["serviceAccount"] },
    triggerQueues: string[],
  ) => {
    const rules = needsApiToken(w);
    const identity = w.serviceAccount.cloudIdentity;
    if ((!rules && !identity) || reachesHttps(w.egress, triggerQueues)) return;
    const needs = [
      ...(rules ? ["the Kubernetes API server (serviceAccount.rules)"] : []),
      ...(identity ? ["the cloud's token service, STS or Entra ID (serviceAccount.cloudIdentity)"] : []),
    ].join(" and ");
    out.push(
      `${at}.egress: ${w.name} needs ${needs}, but under the namespace's default-deny NetworkPolicy no egress entry opens TCP 443 (or 6443), so those calls would time out; add egress: [{ cidr: <the API server's or the cloud endpoint's address, or 0.0.0.0/0>, ports: [443] }]`,
    );
  };
  cfg.workers.forEach((w, i) =>
    apiWarning(
      `workers[${i}]`,
      w,
      w.triggers.flatMap((t) => ("queue" in t ? [t.queue] : [])),
    ),
  );
  cfg.services.forEach((s, i) => apiWarning(`services[${i}]`, s, []));
  cfg.services.forEach((s, i) => {
    if (s.egress.length || queues.length) return;
    out.push(
      `services[${i}].egress: service ${s.name} declares no egress and the stack has no in-cluster or external queue, so its NetworkPolicy allows DNS only; name what it talks to in egress, or leave it if it only answers requests`,
    );
  });
  return out;
}
