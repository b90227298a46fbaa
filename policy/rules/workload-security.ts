import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isWaived, objectRef } from "./lib/common.ts";
import type { Obj } from "./lib/k8s.ts";
import { containersOf, parseImage, T } from "./lib/k8s.ts";
import { workloadApplies, workloadRule } from "./lib/workload.ts";

/**
 * Pod Security Standards, "restricted" profile (kubernetes.io/docs/concepts/security/pod-security-standards):
 * no privileged containers, host namespaces, hostPath volumes, host ports or privilege escalation; run as non-root;
 * drop ALL capabilities (only NET_BIND_SERVICE may be added back); seccomp RuntimeDefault or Localhost.
 */
export const podSecurityRestricted = workloadRule(
  {
    name: "pod-security-restricted",
    description: "Workloads meet the Kubernetes Pod Security Standards 'restricted' profile.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      "Set hostNetwork/hostPID/hostIPC false, use no hostPath volumes or hostPorts, and per container securityContext " +
      "{privileged: false, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: {drop: [ALL]}, " +
      "seccompProfile: {type: RuntimeDefault}} (the pod-level securityContext may carry runAsNonRoot and seccompProfile).",
  },
  (spec, { ref }, report) => {
    for (const f of ["hostNetwork", "hostPID", "hostIPC"])
      if (spec[f] === true) report(`${ref}: ${f} is true; host namespaces are forbidden.`);
    for (const v of spec.volumes ?? []) if (v.hostPath) report(`${ref}: volume '${v.name}' is a hostPath volume.`);
    const pod: Obj = spec.securityContext ?? {};
    if (pod.runAsUser === 0) report(`${ref}: pod securityContext.runAsUser is 0 (root).`);
    for (const { container: c, name, kind } of containersOf(spec)) {
      const where = `${ref}, ${kind} '${name}'`;
      const sc: Obj = c.securityContext ?? {};
      if (sc.privileged === true) report(`${where}: privileged is true.`);
      if (sc.allowPrivilegeEscalation !== false)
        report(`${where}: securityContext.allowPrivilegeEscalation must be false.`);
      if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true)
        report(`${where}: runAsNonRoot must be true (container or pod securityContext).`);
      if (sc.runAsUser === 0) report(`${where}: runAsUser is 0 (root).`);
      const drop: string[] = sc.capabilities?.drop ?? [];
      if (!drop.includes("ALL")) report(`${where}: securityContext.capabilities.drop must include ALL.`);
      const add: string[] = (sc.capabilities?.add ?? []).filter((a: string) => a !== "NET_BIND_SERVICE");
      if (add.length) report(`${where}: adds capabilities ${add.join(", ")}; only NET_BIND_SERVICE is allowed.`);
      const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
      if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
        report(`${where}: seccompProfile.type must be RuntimeDefault or Localhost (container or pod).`);
      for (const p of c.ports ?? []) if (p.hostPort) report(`${where}: uses hostPort ${p.hostPort}.`);
    }
  },
);

/** A read-only root filesystem stops a compromised worker from persisting tools; writable paths become volumes. */
export const readOnlyRootFilesystem = workloadRule(
  {
    name: "read-only-root-filesystem",
    description: "Containers run with a read-only root filesystem.",
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps:
      "Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir (or the data volume) where the process writes, e.g. /tmp.",
  },
  (spec, { ref }, report) => {
    for (const { container: c, name, kind } of containersOf(spec)) {
      if (c.securityContext?.readOnlyRootFilesystem !== true)
        report(`${ref}, ${kind} '${name}': readOnlyRootFilesystem is not true.`);
    }
  },
);

/**
 * The scheduler and the cluster autoscaler size nodes from requests (a pod without them packs anywhere and never
 * triggers a scale-up), the HPA computes cpu/memory utilisation as a percent of requests, and a memory limit keeps one
 * leaking worker from OOM-killing its neighbours (memory is not compressible).
 */
export const resourceRequestsAndLimits = workloadRule(
  {
    name: "resource-requests-and-memory-limits",
    description: "Every container requests cpu and memory and limits memory.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory on every container (workers: `resources` in the stack config).",
  },
  (spec, { ref }, report) => {
    for (const { container: c, name, kind } of containersOf(spec)) {
      const missing = [
        c.resources?.requests?.cpu === undefined && "requests.cpu",
        c.resources?.requests?.memory === undefined && "requests.memory",
        c.resources?.limits?.memory === undefined && "limits.memory",
      ].filter(Boolean);
      if (missing.length) report(`${ref}, ${kind} '${name}': missing resources.${missing.join(", resources.")}.`);
    }
  },
);

/** A moving tag makes `pulumi up` non-repeatable and lets nodes run different code under one spec. */
export const imagePinned = workloadRule(
  {
    name: "container-image-pinned",
    description:
      "Container images are pinned to a tag other than latest, or a digest, and come from an allowed registry.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
      "Use an explicit version tag or digest (ghcr.io/acme/worker:1.4.2 or ...@sha256:...); to allow a registry, add it or a path under it to allowedRegistries (ghcr.io, ghcr.io/acme/).",
    configSchema: {
      properties: {
        allowedRegistries: {
          type: "array",
          items: { type: "string" },
          default: [],
          description:
            "Prefixes of the image reference images may come from, matched on a '/' boundary: a registry host (ghcr.io, " +
            "localhost:5000) or a path under it (ghcr.io/acme/); unqualified names are docker.io/library/<name>. Empty allows any.",
        },
      },
    },
  },
  (spec, { ref, args }, report) => {
    const { allowedRegistries = [] } = args.getConfig<{ allowedRegistries?: string[] }>();
    for (const { container: c, name, kind } of containersOf(spec)) {
      const image = String(c.image ?? "");
      const where = `${ref}, ${kind} '${name}'`;
      const parsed = parseImage(image);
      if (!image) report(`${where}: no image.`);
      else if (!parsed.digest && !parsed.tag) report(`${where}: image '${image}' has no tag (means latest).`);
      else if (!parsed.digest && parsed.tag === "latest")
        report(`${where}: image '${image}' uses the moving tag latest.`);
      if (image && allowedRegistries.length && !allowedRegistries.some((prefix) => imageMatchesPrefix(image, prefix))) {
        report(
          `${where}: image '${image}' comes from ${imageName(image)}, which matches none of allowedRegistries ${allowedRegistries.join(", ")}.`,
        );
      }
    }
  },
);

/** `registry/repository` of an image without tag or digest; Docker Hub names in full (redis → docker.io/library/redis). */
export function imageName(image: string): string {
  const { registry, repository } = parseImage(image);
  return `${registry}/${registry === "docker.io" && !repository.includes("/") ? `library/${repository}` : repository}`;
}

/**
 * Whether an allowedRegistries entry covers the image: the entry is a prefix of `registry/repository` ending on a
 * path boundary, so `ghcr.io` and `ghcr.io/acme/` both allow ghcr.io/acme/worker:1, while `ghcr.io/acme` does not
 * allow ghcr.io/acme-tools/x nor `ghcr.io` allow ghcr.io.example.com/x.
 */
export function imageMatchesPrefix(image: string, prefix: string): boolean {
  const p = prefix.trim().replace(/\/+$/, "");
  if (!p) return false;
  const name = imageName(image);
  return name === p || name.startsWith(`${p}/`);
}

/**
 * Without a priority class, pods get the global default (or 0) and the scheduler cannot preempt background work for
 * critical work when GPUs are short. (That the class exists is checked by the stack rule priority-class-defined.)
 */
export const priorityClassSet = workloadRule(
  {
    name: "priority-class-set",
    description: "Workloads name a priorityClassName.",
    enforcementLevel: "advisory",
    severity: "low",
    remediationSteps:
      "Set spec.template.spec.priorityClassName to one of the platform's classes (workers: `priority` in the stack config).",
  },
  (spec, { ref }, report) => {
    if (!spec.priorityClassName) report(`${ref}: no priorityClassName.`);
  },
);

/**
 * A pod pinned to a hostname can only ever run on that node: when the cluster autoscaler removes the node (or spot
 * capacity is reclaimed) the pod stays Pending forever. Select on pool labels (worker-platform/pool, ...) instead.
 */
export const noHostnameSelection = workloadRule(
  {
    name: "no-hostname-node-selection",
    description: "Workloads do not select nodes by hostname or nodeName.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
      "Remove nodeName and kubernetes.io/hostname selectors/affinity; select a pool with worker-platform/pool or worker-platform/gpu labels.",
  },
  (spec, { ref }, report) => {
    if (spec.nodeName) report(`${ref}: sets nodeName '${spec.nodeName}'.`);
    if (spec.nodeSelector?.["kubernetes.io/hostname"] !== undefined)
      report(`${ref}: nodeSelector uses kubernetes.io/hostname.`);
    const na: Obj = spec.affinity?.nodeAffinity ?? {};
    const terms: Obj[] = [
      ...(na.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []),
      ...(na.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p: Obj) => p.preference ?? {}),
    ];
    for (const t of terms) {
      if ((t.matchExpressions ?? []).some((e: Obj) => e.key === "kubernetes.io/hostname"))
        report(`${ref}: node affinity matches kubernetes.io/hostname.`);
      if ((t.matchFields ?? []).some((e: Obj) => e.key === "metadata.name"))
        report(`${ref}: node affinity matches the node's metadata.name.`);
    }
  },
);

/** Nothing recreates a bare Pod when its node is drained, scaled down or reclaimed. */
export const noBarePods: ResourceValidationPolicy = {
  name: "no-bare-pods",
  description: "Pods are created by a controller (Deployment, StatefulSet, Job, ScaledJob), never bare.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: "Wrap the pod in a Deployment (long-running) or a Job/ScaledJob (run to completion).",
  validateResource: (args, report) => {
    if (args.type !== T.Pod || !workloadApplies(args, "no-bare-pods")) return;
    report(`Pod ${objectRef(args.props, args.name)} is a bare pod; nothing reschedules it when its node goes away.`);
  },
};

/** Annotations that make a cloud load balancer internal (AKS cloud-provider-azure, AWS load balancer controller). */
const INTERNAL_LB: Record<string, string[]> = {
  "service.beta.kubernetes.io/azure-load-balancer-internal": ["true"],
  "service.beta.kubernetes.io/aws-load-balancer-internal": ["true", "0.0.0.0/0"],
  "service.beta.kubernetes.io/aws-load-balancer-scheme": ["internal"],
};

/** A LoadBalancer Service puts the workload on a public IP; exposure goes through an ingress or is an explicit choice. */
export const noLoadBalancer: ResourceValidationPolicy = {
  name: "no-public-load-balancer",
  description: "Services are not of type LoadBalancer (public) unless allowed by config.",
  enforcementLevel: "advisory",
  severity: "high",
  remediationSteps:
    'Use ClusterIP behind an ingress, make the load balancer internal (service.beta.kubernetes.io/azure-load-balancer-internal: "true" ' +
    'or service.beta.kubernetes.io/aws-load-balancer-scheme: internal), or allow it: allowLoadBalancer: true or allowedServices: ["<ns>/<name>"].',
  configSchema: {
    properties: {
      allowLoadBalancer: { type: "boolean", default: false, description: "Allow public LoadBalancer Services." },
      allowedServices: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Services (namespace/name) allowed a public load balancer.",
      },
    },
  },
  validateResource: (args, report) => {
    if (args.type !== T.Service || isWaived(args.props, "no-public-load-balancer")) return;
    if (args.props.spec?.type !== "LoadBalancer") return;
    const { allowLoadBalancer = false, allowedServices = [] } = args.getConfig<{
      allowLoadBalancer?: boolean;
      allowedServices?: string[];
    }>();
    const ref = objectRef(args.props, args.name);
    if (allowLoadBalancer || allowedServices.includes(ref)) return;
    const annotations: Obj = args.props.metadata?.annotations ?? {};
    if (Object.entries(INTERNAL_LB).some(([k, vals]) => vals.includes(String(annotations[k])))) return;
    report(`Service ${ref} is a public LoadBalancer.`);
  },
};

export const workloadSecurityPolicies = [
  podSecurityRestricted,
  readOnlyRootFilesystem,
  resourceRequestsAndLimits,
  imagePinned,
  priorityClassSet,
  noHostnameSelection,
  noBarePods,
  noLoadBalancer,
];
