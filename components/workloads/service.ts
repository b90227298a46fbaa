import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ScalingRules, ServiceConfig } from "../../stacks/schema/index.ts";
import type { ClusterHandle } from "../cluster/handle.ts";
import type { WorkloadEnv } from "./common.ts";
import { k8sOpts, objectLabels, podOpts, selectorLabels, SKIP_AWAIT } from "./common.ts";
import { podDisruptionBudget } from "./pdb.ts";
import { containerEnv, metricsContainerPorts, podSpec, podTemplateMetadata, PRESTOP_SECONDS } from "./pod.ts";
import type { WorkloadPlacement } from "./scheduling.ts";
import { workloadPlacement } from "./scheduling.ts";
import { SCALED_BY, SCALED_BY_ANNOTATION } from "./annotations.ts";
import { renderRules } from "../../stacks/schema/scaling.ts";
import { needsApiToken, workloadIdentity, workloadRbac } from "./access.ts";

/** Grace of a service pod: the preStop pause (endpoints deregister) plus time to finish in-flight requests. */
export const SERVICE_GRACE_SECONDS = PRESTOP_SECONDS + 25;

/**
 * Annotations that make a LoadBalancer Service internal (a private IP in the cluster's network): cloud-provider-azure
 * `azure-load-balancer-internal`, AWS load balancer controller `aws-load-balancer-scheme: internal` (and the legacy
 * in-tree `aws-load-balancer-internal`). The platform never creates a public load balancer: public exposure goes
 * through an ingress the stack owner adds, and the policy pack's no-public-load-balancer rule agrees.
 */
export function internalLoadBalancerAnnotations(cluster: ClusterHandle): Record<string, string> {
  switch (cluster.cloud) {
    case "azure":
      return { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" };
    case "aws":
      return {
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
        "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
      };
    default:
      return {};
  }
}

/**
 * Whether `pulumi up` waits for a service's Deployment to become Ready (pulumi-kubernetes' default, 10 minutes, see
 * common.ts SKIP_AWAIT). A service keeps that wait: it has min >= 1 replicas that must serve, usually on CPU pools
 * where a node comes up well within the timeout, and a rollout that never gets Ready (bad image, crash loop) should
 * fail the update. The exception is a service that requests GPUs and may land on a GPU pool that scales from 0
 * nodes (min 0): its readiness then waits on a GPU node cold start (4-10 minutes reported, kubernetes/autoscaler
 * #3464; no SLA), and a timeout would fail `pulumi up` and leave the HPA (which depends on the Deployment) uncreated.
 */
export function serviceAwaitsReadiness(placement: Pick<WorkloadPlacement, "gpus" | "pools">): boolean {
  return placement.gpus === 0 || placement.pools.every((p) => p.min > 0);
}

export interface ServiceArgs {
  env: WorkloadEnv;
  service: ServiceConfig;
  dependsOn?: pulumi.Resource[];
}

/**
 * A web/API or inference service on one cluster: ServiceAccount, Deployment with NO spec.replicas (the HPA owns
 * it), Service (ClusterIP, or an internal LoadBalancer), HPA autoscaling/v2 on cpu, optional memory and an optional
 * per-pod custom metric from the Prometheus Adapter, with `behavior` from scaleUp/scaleDown (or the scalingProfile),
 * and a PodDisruptionBudget (`pdb`, else one when min >= 2 or in production).
 */
export class Service extends pulumi.ComponentResource {
  public readonly placement: WorkloadPlacement;
  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("worker-platform:workloads:Service", name, {}, opts);
    const { env, service: s } = args;
    const ns = env.namespace;
    const labels = objectLabels(env, s.name, "service");
    const podLabels = selectorLabels(s.name, "service");
    const placement = workloadPlacement(env.cluster, { gpu: s.gpu, spot: s.spot });
    this.placement = placement;
    for (const warning of placement.warnings) void pulumi.log.warn(`service ${s.name}: ${warning}`, this);

    const access = workloadIdentity(env, s, name, this);
    const saAnnotations = access.serviceAccountAnnotations;
    const sa = new k8s.core.v1.ServiceAccount(
      `${name}`,
      {
        metadata: {
          name: s.name,
          namespace: ns,
          labels,
          ...(Object.keys(saAnnotations).length ? { annotations: saAnnotations } : {}),
        },
        // Only with RBAC rules; a cloud identity's webhook projects its own token volume (needsApiToken).
        automountServiceAccountToken: needsApiToken(s),
      },
      k8sOpts(env, this),
    );
    const rbac = workloadRbac(env, s, name, labels, sa, this);
    const probe = { tcpSocket: { port: "http" } };
    const deployment = new k8s.apps.v1.Deployment(
      `${name}`,
      {
        // scaled-by tells the policy pack's scaled-workload-omits-replicas rule that an HPA owns the count.
        metadata: {
          name: s.name,
          namespace: ns,
          labels,
          annotations: {
            [SCALED_BY_ANNOTATION]: SCALED_BY.hpa,
            ...(serviceAwaitsReadiness(placement) ? {} : SKIP_AWAIT),
          },
        },
        spec: {
          // No replicas: the HPA owns the count (pulumi-kubernetes #2491/#2569).
          selector: { matchLabels: podLabels },
          // Never below the current count during a rollout: a service keeps serving.
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
          template: {
            metadata: podTemplateMetadata({ ...podLabels, ...access.podLabels }, s, access.podAnnotations),
            spec: podSpec(env, s, {
              serviceAccountName: s.name,
              placement,
              podLabels,
              env: containerEnv(s),
              terminationGracePeriodSeconds: SERVICE_GRACE_SECONDS,
              ports: [{ name: "http", containerPort: s.port, protocol: "TCP" }, ...metricsContainerPorts(s, s.port)],
              probes: {
                readinessProbe: { ...probe, periodSeconds: 10 },
                livenessProbe: { ...probe, initialDelaySeconds: 15, periodSeconds: 20 },
              },
            }),
          },
        },
      },
      podOpts(env, this, [sa, ...(args.dependsOn ?? []), ...rbac, ...access.podDependencies]),
    );
    new k8s.core.v1.Service(
      `${name}`,
      {
        metadata: {
          name: s.name,
          namespace: ns,
          labels,
          ...(s.expose === "LoadBalancer" ? { annotations: internalLoadBalancerAnnotations(env.cluster) } : {}),
        },
        spec: {
          type: s.expose,
          selector: podLabels,
          ports: [{ name: "http", port: s.port, targetPort: "http", protocol: "TCP" }],
        },
      },
      k8sOpts(env, this),
    );
    const metrics: k8s.types.input.autoscaling.v2.MetricSpec[] = [
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: s.targetCpuUtilization } },
      },
      ...(s.targetMemoryUtilization !== undefined
        ? [
            {
              type: "Resource",
              resource: {
                name: "memory",
                target: { type: "Utilization", averageUtilization: s.targetMemoryUtilization },
              },
            },
          ]
        : []),
      ...(s.customMetric
        ? [
            {
              type: "Pods",
              pods: {
                metric: { name: s.customMetric.name },
                target: { type: "AverageValue", averageValue: s.customMetric.targetAverageValue },
              },
            },
          ]
        : []),
    ];
    const behavior = serviceBehavior(s);
    new k8s.autoscaling.v2.HorizontalPodAutoscaler(
      `${name}`,
      {
        metadata: { name: s.name, namespace: ns, labels },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: s.name },
          minReplicas: s.replicas.min,
          maxReplicas: s.replicas.max,
          metrics,
          ...(Object.keys(behavior).length ? { behavior } : {}),
        },
      },
      k8sOpts(env, this, [deployment]),
    );
    if (s.pdb || s.replicas.min >= 2 || env.config.platform.production)
      podDisruptionBudget(env, name, s.name, labels, podLabels, this, s.pdb);
    this.registerOutputs({ port: s.port });
  }
}

/**
 * The `behavior` of a service's HPA: only the directions the config (or its scalingProfile) sets, otherwise the
 * HPA's defaults. Shared by the HPA and the scaling simulator (simulator/from-config.ts).
 */
export function serviceBehavior(s: ServiceConfig): { scaleUp?: ScalingRules; scaleDown?: ScalingRules } {
  return {
    ...(s.scaleUp ? { scaleUp: renderRules(s.scaleUp) } : {}),
    ...(s.scaleDown ? { scaleDown: renderRules(s.scaleDown) } : {}),
  };
}
