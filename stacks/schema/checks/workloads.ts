import type { z } from "zod";
import { gpuDevicesPerNode, poolGpuVendor, timeSliced } from "../../accelerators.ts";
import type { ClusterConfig, StackConfig } from "../stack.ts";
import { duplicates, issue } from "./clusters.ts";
import { choosePools } from "../../placement.ts";
import { isCloudQueue } from "../workloads.ts";
import { networkWarnings } from "./workload-network.ts";
import { pdbWarnings } from "./workload-pdb.ts";
import { jobSettingsOf, jobWarnings } from "./workload-job.ts";

type Ctx = z.RefinementCtx;
type Path = (string | number)[];

/** Cross-field rules of queues, secrets, workers and services. */
export function checkWorkloads(cfg: StackConfig, ctx: Ctx): void {
  const clusterNames = cfg.clusters.map((c) => c.name);
  for (const key of ["queues", "secrets", "workers", "services"] as const) {
    const names = cfg[key].map((x) => x.name);
    duplicates(names).forEach((i) => issue(ctx, [key, i, "name"], `duplicate name "${names[i]}" in ${key}`, names[i]));
  }
  // Workers and services share a namespace and become Deployments of the same name.
  const workerNames = new Set(cfg.workers.map((w) => w.name));
  cfg.services.forEach((s, i) => {
    if (workerNames.has(s.name))
      issue(ctx, ["services", i, "name"], `"${s.name}" is also a worker name; names must differ`, s.name);
  });
  // Queues, workers and services share the namespace: each gets a Service/ServiceAccount/PDB named after it.
  const queueNames = new Set(cfg.queues.map((q) => q.name));
  for (const key of ["workers", "services"] as const) {
    cfg[key].forEach((x, i) => {
      if (queueNames.has(x.name))
        issue(
          ctx,
          [key, i, "name"],
          `"${x.name}" is also a queue name; names must differ (they share a namespace)`,
          x.name,
        );
    });
  }
  // The Secrets queues create (components/workloads/queues.ts): an in-cluster queue its credentials, <queue>-auth; an
  // external rabbitmq KEDA's management URL, <queue>-keda; an external redis none (it uses the referenced secret).
  const queueSecrets = new Map(
    cfg.queues.flatMap((q): [string, string][] =>
      isCloudQueue(q)
        ? []
        : q.mode === "in-cluster"
          ? [[`${q.name}-auth`, q.name]]
          : q.kind === "rabbitmq"
            ? [[`${q.name}-keda`, q.name]]
            : [],
    ),
  );
  cfg.secrets.forEach((s, i) => {
    const q = queueSecrets.get(s.name);
    if (q)
      issue(
        ctx,
        ["secrets", i, "name"],
        `"${s.name}" is the name of a Secret queue "${q}" creates; choose another name`,
        s.name,
      );
  });

  const secrets = new Map(cfg.secrets.map((s) => [s.name, s]));
  const checkSecretRef = (path: Path, ref: { secret: string; key: string } | undefined) => {
    if (!ref) return;
    const s = secrets.get(ref.secret);
    if (!s)
      issue(
        ctx,
        [...path, "secret"],
        `no secret named "${ref.secret}" under secrets (have: ${[...secrets.keys()].join(", ") || "none"})`,
        ref.secret,
      );
    else if (!Object.hasOwn(s.data, ref.key))
      issue(
        ctx,
        [...path, "key"],
        `secret "${ref.secret}" has no key "${ref.key}" (has: ${Object.keys(s.data).join(", ")})`,
        ref.key,
      );
  };

  cfg.queues.forEach((q, i) => {
    if (isCloudQueue(q)) return; // checks/cloud-queues.ts
    if (q.mode === "external") {
      if (!q.host) issue(ctx, ["queues", i, "host"], "an external queue needs host", q.host);
      if (!q.passwordSecret)
        issue(
          ctx,
          ["queues", i, "passwordSecret"],
          "an external queue needs passwordSecret ({secret, key})",
          q.passwordSecret,
        );
      checkSecretRef(["queues", i, "passwordSecret"], q.passwordSecret);
      if (
        q.kind === "rabbitmq" &&
        q.passwordSecret &&
        secrets.get(q.passwordSecret.secret) &&
        !("username" in secrets.get(q.passwordSecret.secret)!.data)
      ) {
        issue(
          ctx,
          ["queues", i, "passwordSecret", "secret"],
          `an external rabbitmq needs the key "username" in secret "${q.passwordSecret.secret}"`,
          q.passwordSecret.secret,
        );
      }
    } else {
      for (const field of ["host", "port", "passwordSecret"] as const) {
        if (q[field] !== undefined)
          issue(ctx, ["queues", i, field], `only for mode: external; an in-cluster queue generates its own`, q[field]);
      }
    }
  });

  const pods = [
    ...cfg.workers.map((w, i) => ({ w, path: ["workers", i] as Path })),
    ...cfg.services.map((w, i) => ({ w, path: ["services", i] as Path })),
  ];
  for (const { w, path } of pods) {
    if (w.replicas.min > w.replicas.max)
      issue(ctx, [...path, "replicas", "max"], `must be >= min (${w.replicas.min})`, w.replicas.max);
    Object.entries(w.secretEnv).forEach(([name, ref]) => checkSecretRef([...path, "secretEnv", name], ref));
    Object.keys(w.secretEnv)
      .filter((name) => Object.hasOwn(w.env, name))
      .forEach((name) =>
        issue(
          ctx,
          [...path, "secretEnv", name],
          `${name} is also under env: the container would get the variable twice and only one value would win; keep one`,
          name,
        ),
      );
    (w.clusters ?? []).forEach((c, ci) => {
      if (!clusterNames.includes(c))
        issue(ctx, [...path, "clusters", ci], `no cluster named "${c}" (have: ${clusterNames.join(", ")})`, c);
    });
    for (const cluster of targetClusters(cfg, w.clusters)) checkPlacement(ctx, path, w, cluster);
    // The namespace denies all ingress; only the in-cluster Prometheus and metrics.allowFrom may reach the endpoint.
    if (w.metrics && w.metrics.allowFrom.length === 0 && !inClusterPrometheusNamespace(cfg)) {
      const why = cfg.addons.prometheus.externalUrl
        ? "addons.prometheus.externalUrl is set"
        : "addons.prometheus is disabled";
      issue(
        ctx,
        [...path, "metrics", "allowFrom"],
        `the platform runs no in-cluster Prometheus (${why}), so the NetworkPolicy would let nothing scrape this endpoint; list where your Prometheus scrapes from (a namespace such as kube-system for a managed agent, or a CIDR)`,
        w.metrics.allowFrom,
      );
    }
  }

  cfg.workers.forEach((w, i) => {
    const path: Path = ["workers", i];
    // Triggers, behaviour, fallback and the other scaling keys: checks/scaling.ts.
    if (w.mode === "deployment") {
      for (const cluster of targetClusters(cfg, w.clusters)) {
        const cap = cluster.autoscaler.maxGracefulTerminationSec;
        if (w.maxJobDurationSeconds > cap) {
          issue(
            ctx,
            [...path, "maxJobDurationSeconds"],
            `jobs of up to ${w.maxJobDurationSeconds}s would be killed on scale-in: the cluster autoscaler of ${cluster.name} waits at most ${cap}s (autoscaler.maxGracefulTerminationSec); use mode: job, or raise that cap`,
            w.maxJobDurationSeconds,
          );
        }
      }
    }
  });

  cfg.services.forEach((s, i) => {
    if (s.customMetric && !cfg.addons.prometheusAdapter.enabled) {
      issue(
        ctx,
        ["services", i, "customMetric"],
        "custom metrics come from the Prometheus Adapter; enable addons.prometheusAdapter",
        s.customMetric,
      );
    }
  });
}

/**
 * Namespace of the platform's own Prometheus server, or undefined when it runs none in the cluster: the chart is
 * installed when addons.prometheus is enabled and has no externalUrl (components/addons/prometheus.ts `applies`).
 * The workloads' NetworkPolicies admit it to `metrics` ports (components/workloads/network-policies.ts).
 */
export function inClusterPrometheusNamespace(cfg: Pick<StackConfig, "addons">): string | undefined {
  const p = cfg.addons.prometheus;
  return p.enabled && !p.externalUrl ? p.namespace : undefined;
}

/** The clusters a worker or service deploys to. */
export function targetClusters(cfg: StackConfig, names: string[] | undefined): ClusterConfig[] {
  return names ? cfg.clusters.filter((c) => names.includes(c.name)) : cfg.clusters;
}

/** A pod must be schedulable on some pool of each cluster it targets. */
function checkPlacement(
  ctx: Ctx,
  path: Path,
  w: StackConfig["workers"][number] | StackConfig["services"][number],
  cluster: ClusterConfig,
) {
  if (!w.gpu) return;
  const vendor = w.gpu.vendor;
  const gpuPools = cluster.pools.filter((p) => poolGpuVendor(p) === vendor && (w.spot || !p.spot));
  if (gpuPools.length === 0) {
    if (w.gpu.fallbackToCpu) return;
    const offered = [...new Set(cluster.pools.map(poolGpuVendor).filter((v) => v))];
    if (offered.length > 0 && !offered.includes(vendor)) {
      // Another vendor's GPUs cannot run this image (CUDA vs ROCm) and advertise another resource: never placed there.
      issue(
        ctx,
        [...path, "gpu", "vendor"],
        `cluster ${cluster.name} has no ${vendor} GPU pool (its GPU pools are ${offered.join(", ")}): the pod could never schedule; add a ${vendor} GPU pool, set gpu.vendor to ${offered.join(" or ")} if the image runs there, set gpu.fallbackToCpu: true, or list other clusters in clusters`,
        vendor,
      );
      return;
    }
    const spotOnly = cluster.pools.some((p) => poolGpuVendor(p) === vendor);
    const why = spotOnly
      ? `cluster ${cluster.name} has only spot ${vendor} GPU pools and spot is false`
      : `cluster ${cluster.name} has no GPU pool`;
    const fixes = spotOnly ? "set spot: true, add an on-demand GPU pool" : "add a GPU pool";
    issue(
      ctx,
      [...path, "gpu"],
      `${why}: the pod could never schedule; ${fixes}, set gpu.fallbackToCpu: true, or list other clusters in clusters`,
      w.gpu,
    );
    return;
  }
  // Time-sliced pools hand out one replica per pod (failRequestsGreaterThanOne): only pods asking for 1 go there.
  const usable = gpuPools.filter((p) => w.gpu!.count === 1 || !timeSliced(p));
  const largest = Math.max(0, ...usable.map(gpuDevicesPerNode));
  if (w.gpu.count > largest) {
    const sliced =
      gpuPools.length > usable.length ? "; time-sliced pools (gpuSharing.timeSlicing) take pods of 1 GPU only" : "";
    issue(
      ctx,
      [...path, "gpu", "count"],
      `no ${vendor} GPU pool of cluster ${cluster.name} has ${w.gpu.count} GPUs per node (largest: ${largest})${sliced}`,
      w.gpu.count,
    );
  }
}

/** Things that are allowed but deserve a warning. */
export function workloadWarnings(cfg: StackConfig): string[] {
  const out: string[] = [];
  cfg.workers.forEach((w, i) => {
    for (const c of targetClusters(cfg, w.clusters)) {
      // Spot notice: 2 minutes on AWS, at least 30 s on Azure (Scheduled Events). Nothing can extend it.
      const notice = c.cloud === "aws" ? 120 : c.cloud === "azure" ? 30 : undefined;
      // The spot pools the worker can land on (by choice, or because the cluster has no on-demand pool for it).
      const spotPools = [...poolsOf(w, c).pools].filter((name) => c.pools.find((p) => p.name === name)?.spot);
      if (notice === undefined || w.maxJobDurationSeconds <= notice || spotPools.length === 0) continue;
      const where = `spot pool${spotPools.length > 1 ? "s" : ""} ${spotPools.join(", ")} of ${c.name}`;
      const fix = w.spot
        ? "or set spot: false"
        : `or add an on-demand pool for it to ${c.name} (it runs on spot only because there is none)`;
      const lost =
        w.mode === "job"
          ? "a Job whose node is evicted restarts from the beginning (the disruption is not counted against backoffLimit), so its work so far is lost"
          : "a job in flight at eviction is lost unless the worker acknowledges only after finishing (RabbitMQ manual ack, Redis BLMOVE to a processing list)";
      out.push(
        `workers[${i}].maxJobDurationSeconds: ${w.maxJobDurationSeconds}s exceeds the spot eviction notice (${notice}s) on ${where}; ${lost}; ${fix}`,
      );
    }
  });
  out.push(...preemptionWarnings(cfg));
  out.push(...scalingSignalWarnings(cfg));
  out.push(...networkWarnings(cfg), ...pdbWarnings(cfg), ...jobWarnings(cfg));
  return out;
}

/**
 * Scaling signals that work against a queue worker, each allowed with a warning:
 * - A memory safety net. The HPA asks for ceil(current × usage / target) replicas and, with several metrics, the
 *   largest proposal wins (kubernetes.io, "Horizontal Pod Autoscaling": algorithm details, scaling on multiple
 *   metrics). Memory per pod (model, runtime, caches) does not fall when replicas are added, so once it is above the
 *   target the proposal grows every sync up to replicas.max and never lets the queue trigger scale in; only the queue
 *   emptying ends it (KEDA scales to zero on its other triggers only: keda.sh/docs/2.20/scalers/memory).
 * - Job mode with a RabbitMQ trigger whose targetPerReplica is not 1. The trigger counts ready messages only and the
 *   accurate strategy starts ceil(ready / targetPerReplica) − pending Jobs (keda.sh/docs/2.20/reference/scaledjob-spec),
 *   which matches the work only when each Job takes that many messages off the ready count as it starts; with one
 *   message per Job (prefetch 1) KEDA starts too few Jobs at once, and a Job that works through several one at a
 *   time leaves them ready, so more Jobs start for them. The prefetch itself is the worker's code and cannot be
 *   checked here (docs/workloads.md, Job mode).
 */
function scalingSignalWarnings(cfg: StackConfig): string[] {
  const out: string[] = [];
  cfg.workers.forEach((w, i) => {
    const at = (j: number) => `workers[${i}].${w.triggerPaths[j].join(".").replace(/\.(\d+)(?=\.|$)/g, "[$1]")}`;
    const queues = w.triggers.filter((t) => !OWN_POD_TRIGGERS.has(t.type));
    w.triggers.forEach((t, j) => {
      if (t.type === "memory" && queues.length > 0) {
        out.push(
          `${at(j)}: ${w.name}'s memory per pod does not fall when replicas are added, so once it passes ${t.targetUtilization}% of requests.memory the HPA keeps adding replicas (the largest metric wins) and holds it at replicas.max (${w.replicas.max}) while anything is queued; remove ${w.triggerPaths[j][0] === "safetyNet" ? "memoryUtilization" : "this memory trigger"}, scale on the queue and cpu, and size requests.memory for the peak`,
        );
      }
      // A Job of `completions` pods takes that many messages, one per pod (job.completions, checks/workload-job.ts).
      const perJob = jobSettingsOf(w).completions;
      if (w.mode === "job" && t.type === "rabbitmq" && t.targetPerReplica !== perJob) {
        out.push(
          perJob === 1
            ? `${at(j)}.targetPerReplica: ${t.targetPerReplica} in job mode: KEDA counts ready messages only and starts one Job per ${t.targetPerReplica}, which is right only if each Job takes ${t.targetPerReplica} messages as it starts (consumer prefetch ${t.targetPerReplica}); with one message per Job (prefetch 1) set targetPerReplica: 1`
            : `${at(j)}.targetPerReplica: ${t.targetPerReplica} in job mode with job.completions ${perJob}: KEDA counts ready messages only and starts one Job per ${t.targetPerReplica}, while each Job's ${perJob} pods take one message each (prefetch 1); set targetPerReplica: ${perJob}`,
        );
      }
    });
  });
  return out;
}

/** Triggers that measure the worker's own pods rather than a queue (cpu/memory utilisation, its GPUs' utilisation). */
const OWN_POD_TRIGGERS = new Set(["cpu", "memory", "gpu"]);

/** The pools of a cluster a worker/service may land on (stacks/placement.ts); `gpu` tells GPU from CPU placement. */
function poolsOf(
  w: StackConfig["workers"][number] | StackConfig["services"][number],
  cluster: ClusterConfig,
): { gpu: boolean; pools: Set<string> } {
  const choice = choosePools(cluster.pools, w);
  return { gpu: choice.kind === "gpu", pools: new Set(choice.pools.map((p) => p.name)) };
}

/**
 * A job-mode worker exists to run long jobs to the end, but the scheduler preempts a lower-priority pod (giving it
 * only its termination grace) whenever that lets a higher-priority pod schedule on the same nodes; the platform's
 * tiers preempt (only overprovisioning is `preemptionPolicy: Never`). Warn when a job-mode worker can share a pool
 * with a worker or service of a higher tier value on the same cluster (both GPU or both CPU, overlapping pools).
 * Equal priorities never preempt each other, so the fix is a priority at least as high as the other's.
 */
function preemptionWarnings(cfg: StackConfig): string[] {
  const out: string[] = [];
  const values = cfg.priorityClasses.values;
  const others = [
    ...cfg.workers.map((w, i) => ({ w, ref: `workers[${i}] ${w.name}` })),
    ...cfg.services.map((w, i) => ({ w, ref: `services[${i}] ${w.name}` })),
  ];
  cfg.workers.forEach((job, i) => {
    if (job.mode !== "job") return;
    for (const c of targetClusters(cfg, job.clusters)) {
      const mine = poolsOf(job, c);
      for (const { w, ref } of others) {
        if (w === job || values[w.priority] <= values[job.priority]) continue;
        if (!targetClusters(cfg, w.clusters).some((x) => x.name === c.name)) continue;
        const theirs = poolsOf(w, c);
        const shared = [...mine.pools].filter((p) => theirs.pools.has(p));
        if (mine.gpu !== theirs.gpu || shared.length === 0) continue;
        out.push(
          `workers[${i}].priority: job-mode worker ${job.name} (${job.priority}, ${values[job.priority]}) shares ${mine.gpu ? "GPU" : "CPU"} pool${shared.length > 1 ? "s" : ""} ${shared.join(", ")} of ${c.name} with ${ref} (${w.priority}, ${values[w.priority]}): the scheduler may preempt a running job to place it, killing the job after its termination grace; give ${job.name} a priority at least as high (priority: ${w.priority}; equal priorities never preempt each other), or keep them on different pools`,
        );
      }
    }
  });
  return out;
}
