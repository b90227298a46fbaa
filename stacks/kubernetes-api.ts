/**
 * What an RBAC rule may name, for the Kubernetes minors the platform supports (stacks/kubernetes-versions.ts,
 * MIN_KUBERNETES_MINOR in stacks/schema/cluster.ts): the authorization verbs and the API resources of each API
 * group, subresources included, as API discovery (`kubectl api-resources`, `/apis/<group>/<version>`) lists them.
 * A rule naming anything else grants nothing (the authorizer compares strings), so the schema refuses it
 * (stacks/schema/checks/access.ts). When a new minor adds a resource, add it here; test/access-config.spec.ts checks
 * the table against the kinds kubernetes-models ships.
 */

/**
 * Request verbs (kubernetes.io/docs/reference/access-authn-authz/authorization, "Determine the request verb"): the
 * HTTP verbs mapped to get, list, watch, create, update, patch, delete, deletecollection, and the special verbs use
 * (podsecuritypolicies, removed in 1.25, still a verb), bind and escalate (roles and clusterroles), impersonate
 * (users, groups, serviceaccounts, uids, userextras), approve and sign (certificates.k8s.io signers).
 */
export const RBAC_VERBS = [
  "get",
  "list",
  "watch",
  "create",
  "update",
  "patch",
  "delete",
  "deletecollection",
  "use",
  "bind",
  "escalate",
  "impersonate",
  "approve",
  "sign",
] as const;

/**
 * Verbs that let a subject grant itself more than it holds: bind and escalate on roles (RBAC's escalation
 * prevention is bypassed by exactly these: kubernetes.io/docs/reference/access-authn-authz/rbac, "Privilege
 * escalation prevention and bootstrapping"), impersonate (act as any user, group or service account).
 */
export const ESCALATION_VERBS = ["bind", "escalate", "impersonate"] as const;

/** A resource of an API group: whether a Role (namespaced) can grant it, or only a ClusterRole. */
export interface ApiResource {
  namespaced: boolean;
}

const ns = { namespaced: true } as const;
const cl = { namespaced: false } as const;

/** `name` and its subresources, all with the scope of `name`. */
function withSub(name: string, scope: ApiResource, ...sub: string[]): [string, ApiResource][] {
  return [[name, scope], ...sub.map((s): [string, ApiResource] => [`${name}/${s}`, scope])];
}

const group = (...entries: [string, ApiResource][][]) => Object.fromEntries(entries.flat());

/**
 * Built-in API groups and their resources, GA and served by default on 1.30-1.36 (kubernetes/kubernetes
 * api/discovery/api__v1.json and apis__<group>__<version>.json, the discovery documents the API server serves). `""` is the core group.
 * `users`, `groups` (core) and `uids`, `userextras` (authentication.k8s.io) exist for impersonate only.
 */
export const BUILTIN_API_RESOURCES: Record<string, Record<string, ApiResource>> = {
  "": group(
    withSub("bindings", ns),
    withSub("componentstatuses", cl),
    withSub("configmaps", ns),
    withSub("endpoints", ns),
    withSub("events", ns),
    withSub("limitranges", ns),
    withSub("namespaces", cl, "finalize", "status"),
    // The kubelet's authorizer maps its API to these subresources (kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz);
    // pods, configz and healthz are KEP-2862's fine-grained ones (beta, on by default, from 1.33; GA in 1.36), which
    // spare a monitoring agent nodes/proxy (every kubelet endpoint, exec among them).
    withSub("nodes", cl, "proxy", "status", "metrics", "stats", "log", "spec", "pods", "configz", "healthz"),
    withSub("persistentvolumeclaims", ns, "status"),
    withSub("persistentvolumes", cl, "status"),
    withSub(
      "pods",
      ns,
      "attach",
      "binding",
      "ephemeralcontainers",
      "eviction",
      "exec",
      "log",
      "portforward",
      "proxy",
      "resize",
      "status",
    ),
    withSub("podtemplates", ns),
    withSub("replicationcontrollers", ns, "scale", "status"),
    withSub("resourcequotas", ns, "status"),
    withSub("secrets", ns),
    withSub("serviceaccounts", ns, "token"),
    withSub("services", ns, "proxy", "status"),
    withSub("users", cl),
    withSub("groups", cl),
  ),
  "admissionregistration.k8s.io": group(
    withSub("mutatingwebhookconfigurations", cl),
    // admissionregistration.k8s.io/v1 in 1.36.
    withSub("mutatingadmissionpolicies", cl, "status"),
    withSub("mutatingadmissionpolicybindings", cl),
    withSub("validatingwebhookconfigurations", cl),
    withSub("validatingadmissionpolicies", cl, "status"),
    withSub("validatingadmissionpolicybindings", cl),
  ),
  "apiextensions.k8s.io": group(withSub("customresourcedefinitions", cl, "status")),
  "apiregistration.k8s.io": group(withSub("apiservices", cl, "status")),
  apps: group(
    withSub("controllerrevisions", ns),
    withSub("daemonsets", ns, "status"),
    withSub("deployments", ns, "scale", "status"),
    withSub("replicasets", ns, "scale", "status"),
    withSub("statefulsets", ns, "scale", "status"),
  ),
  "authentication.k8s.io": group(
    withSub("selfsubjectreviews", cl),
    withSub("tokenreviews", cl),
    withSub("uids", cl),
    withSub("userextras", cl),
  ),
  "authorization.k8s.io": group(
    withSub("localsubjectaccessreviews", ns),
    withSub("selfsubjectaccessreviews", cl),
    withSub("selfsubjectrulesreviews", cl),
    withSub("subjectaccessreviews", cl),
  ),
  autoscaling: group(withSub("horizontalpodautoscalers", ns, "status")),
  batch: group(withSub("cronjobs", ns, "status"), withSub("jobs", ns, "status")),
  "certificates.k8s.io": group(
    withSub("certificatesigningrequests", cl, "approval", "status"),
    // Signer names are the resourceNames of `signers` (kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests, "Authorization").
    withSub("signers", cl),
  ),
  "coordination.k8s.io": group(withSub("leases", ns)),
  "discovery.k8s.io": group(withSub("endpointslices", ns)),
  "events.k8s.io": group(withSub("events", ns)),
  "flowcontrol.apiserver.k8s.io": group(
    withSub("flowschemas", cl, "status"),
    withSub("prioritylevelconfigurations", cl, "status"),
  ),
  "networking.k8s.io": group(
    withSub("ingressclasses", cl),
    withSub("ingresses", ns, "status"),
    withSub("networkpolicies", ns),
    // GA in 1.33 (MultiCIDRServiceAllocator).
    withSub("ipaddresses", cl),
    withSub("servicecidrs", cl, "status"),
  ),
  "node.k8s.io": group(withSub("runtimeclasses", cl)),
  policy: group(withSub("poddisruptionbudgets", ns, "status")),
  "rbac.authorization.k8s.io": group(
    withSub("clusterrolebindings", cl),
    withSub("clusterroles", cl),
    withSub("rolebindings", ns),
    withSub("roles", ns),
  ),
  // Dynamic resource allocation, GA (resource.k8s.io/v1) and on by default from 1.34.
  "resource.k8s.io": group(
    withSub("deviceclasses", cl),
    withSub("resourceclaims", ns, "status"),
    withSub("resourceclaimtemplates", ns),
    withSub("resourceslices", cl),
  ),
  "scheduling.k8s.io": group(withSub("priorityclasses", cl)),
  "storage.k8s.io": group(
    withSub("csidrivers", cl),
    withSub("csinodes", cl),
    withSub("csistoragecapacities", ns),
    withSub("storageclasses", cl),
    withSub("volumeattachments", cl, "status"),
    // GA in 1.34.
    withSub("volumeattributesclasses", cl),
  ),
};

/**
 * API groups of what the platform installs on every cluster: metrics-server's resource metrics API
 * (kubernetes-sigs/metrics-server, APIService v1beta1.metrics.k8s.io: pods, nodes) and KEDA's CRDs (kedacore/keda
 * config/crd/bases at v2.20: keda.sh ScaledObject, ScaledJob, TriggerAuthentication, ClusterTriggerAuthentication,
 * each with a status subresource; eventing.keda.sh CloudEventSource, ClusterCloudEventSource).
 */
export const PLATFORM_API_RESOURCES: Record<string, Record<string, ApiResource>> = {
  "metrics.k8s.io": group(withSub("pods", ns), withSub("nodes", cl)),
  // Served by KEDA's metrics server and the Prometheus Adapter; their resources are metric names (METRICS_API_GROUPS).
  "external.metrics.k8s.io": {},
  "custom.metrics.k8s.io": {},
  "keda.sh": group(
    withSub("scaledobjects", ns, "status"),
    withSub("scaledjobs", ns, "status"),
    withSub("triggerauthentications", ns, "status"),
    withSub("clustertriggerauthentications", cl, "status"),
  ),
  "eventing.keda.sh": group(
    withSub("cloudeventsources", ns, "status"),
    withSub("clustercloudeventsources", cl, "status"),
  ),
};

/**
 * The metrics APIs of the platform's add-ons: external.metrics.k8s.io (KEDA's metrics server, APIService
 * v1beta1.external.metrics.k8s.io: one resource per metric name, kedacore/keda config/metrics-server) and
 * custom.metrics.k8s.io (the Prometheus Adapter: the object kind, with the metric name as its subresource,
 * kubernetes-sigs/custom-metrics-apiserver). The resource names depend on the metrics, so any name is accepted (KEDA's
 * and the adapter's own readers grant `*`); both APIs serve reads only.
 */
export const METRICS_API_GROUPS: readonly string[] = ["external.metrics.k8s.io", "custom.metrics.k8s.io"];
/** The verbs a rule on METRICS_API_GROUPS may grant. */
export const READ_VERBS: readonly string[] = ["get", "list", "watch"];

/** Every API group a rule may name without declaring it, with its resources. */
export const KNOWN_API_RESOURCES: Record<string, Record<string, ApiResource>> = {
  ...BUILTIN_API_RESOURCES,
  ...PLATFORM_API_RESOURCES,
};
