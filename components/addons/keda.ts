import type * as pulumi from "@pulumi/pulumi";
import type { ClusterHandle } from "../cluster/handle.ts";
import type { HelmAddon, Values } from "./helm-addon.ts";
import { systemPlacement } from "./scheduling.ts";

/**
 * The operator's service account (chart value serviceAccount.operator.name, default `keda-operator`): the subject
 * its cloud identity trusts (cloud queues: components/cluster/eks.ts, components/workloads/cloud-identity.ts).
 */
export const KEDA_OPERATOR_SERVICE_ACCOUNT = "keda-operator";

/**
 * Pod annotation on KEDA's operator naming its IRSA role: the EKS pod identity webhook injects the web identity token
 * only when it admits a pod (aws/amazon-eks-pod-identity-webhook pkg/handler/handler.go mutates pods on create), so
 * an operator running before the role was set would never get one. A changed annotation rolls the operator.
 */
export const KEDA_IRSA_ROLLOUT_ANNOTATION = "worker-platform/irsa-role-arn";

const RESOURCES = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "1000Mi" } };
/** The metrics API server's Prometheus port (values.yaml prometheus.metricServer.port, the chart's default). */
const METRICS_SERVER_PORT = 8080;

/**
 * KEDA: operator, metrics API server (owns `v1beta1.external.metrics.k8s.io`, kedacore/keda #470) and admission
 * webhooks. Keys: kedacore/charts keda/values.yaml at v2.20.2.
 */
export const keda: HelmAddon<"keda"> = {
  key: "keda",
  release: "keda",
  // The chart sets runAsNonRoot, drop ALL, no privilege escalation and seccomp RuntimeDefault on all three pods.
  podSecurity: "restricted",
  applies: () => true,
  values(cluster, config, env) {
    const replicas = config.keda.replicas ?? (env.production ? 2 : 1);
    const { nodeSelector, tolerations } = systemPlacement(cluster);
    // Only one replica leads/serves; more only shorten failover (values.yaml, operator.replicaCount), hence PDBs.
    const pdb = replicas > 1 ? { minAvailable: 1 } : {};
    const identity = podIdentityValues(cluster);
    return {
      crds: { install: true },
      operator: { replicaCount: replicas },
      metricsServer: { replicaCount: replicas },
      webhooks: { enabled: true, replicaCount: replicas },
      podDisruptionBudget: { operator: pdb, metricServer: pdb, webhooks: pdb },
      // Top-level placement applies to all three components (operator.nodeSelector | default .Values.nodeSelector).
      nodeSelector,
      tolerations,
      priorityClassName: "system-cluster-critical",
      ...(identity.podIdentity ? { podIdentity: identity.podIdentity } : {}),
      resources: { operator: RESOURCES, metricServer: RESOURCES, webhooks: RESOURCES },
      // Metrics per scaler (keda_scaler_metrics_value: the queue depth KEDA saw) for the in-cluster Prometheus. With
      // `enabled` and no ServiceMonitor/PodMonitor the chart annotates the operator's and the webhooks' Services
      // prometheus.io/scrape (templates manager/service.yaml, webhooks/service.yaml): no Prometheus Operator CRDs, one
      // target per pod through the kubernetes-service-endpoints job.
      // The metrics API server is the exception: with `enabled` the chart annotates both its Service and its pods
      // (metrics-server/service.yaml, metrics-server/deployment.yaml), so both annotation jobs would scrape it (the
      // same series under two `job` labels). Its metrics port is served whatever `enabled` says (`--port`, the
      // containerPort and the Service port come from prometheus.metricServer.port), so `enabled` stays off and only
      // its pods are annotated: one scrape, by the kubernetes-pods job.
      prometheus: {
        operator: { enabled: true, serviceMonitor: { enabled: false }, podMonitor: { enabled: false } },
        metricServer: {
          enabled: false,
          port: METRICS_SERVER_PORT,
          serviceMonitor: { enabled: false },
          podMonitor: { enabled: false },
        },
        webhooks: { enabled: true, serviceMonitor: { enabled: false } },
      },
      podAnnotations: {
        ...identity.podAnnotations,
        metricsAdapter: {
          "prometheus.io/scrape": "true",
          "prometheus.io/port": String(METRICS_SERVER_PORT),
          "prometheus.io/path": "/metrics",
        },
      },
    };
  },
};

/**
 * KEDA's operator identity where workers read cloud queues (kedacore/charts keda/values.yaml `podIdentity` at
 * v2.20.2; templates manager/serviceaccount.yaml and manager/deployment.yaml). It grants nothing by itself: each
 * worker's TriggerAuthentication names a scaler identity limited to its queue (components/workloads/cloud-identity.ts),
 * which the operator takes on with its own service account token.
 *  - EKS: `podIdentity.aws.irsa` annotates the `keda-operator` service account with a role that has no permissions
 *    (components/cluster/eks.ts), so EKS projects a token; regional STS endpoints (chart default "true").
 *  - AKS: `podIdentity.azureWorkload.enabled` labels the operator pod `azure.workload.identity/use: "true"`, so the
 *    workload identity webhook projects a token. No clientId: KEDA has no identity of its own, every
 *    TriggerAuthentication sets `podIdentity.identityId` (KEDA docs, "Azure AD Workload Identity", case 2).
 */
export function podIdentityValues(cluster: ClusterHandle): {
  podIdentity?: Values;
  podAnnotations?: Record<string, Record<string, pulumi.Input<string>>>;
} {
  const id = cluster.identity;
  if (id?.cloud === "aws" && id.kedaOperatorRoleArn)
    return {
      podIdentity: { aws: { irsa: { enabled: true, roleArn: id.kedaOperatorRoleArn } } },
      podAnnotations: { keda: { [KEDA_IRSA_ROLLOUT_ANNOTATION]: id.kedaOperatorRoleArn } },
    };
  if (id?.cloud === "azure" && id.kedaWorkloadIdentity) return { podIdentity: { azureWorkload: { enabled: true } } };
  return {};
}
