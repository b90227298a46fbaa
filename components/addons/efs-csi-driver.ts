import type { HelmAddon } from "./helm-addon.ts";
import { systemPlacement } from "./scheduling.ts";

/**
 * The Amazon EFS CSI driver, on EKS clusters where a workload mounts a ReadWriteMany claim (the cluster handle's
 * `efs`, set by components/cluster/eks-efs.ts, which also creates the file system and the `efs` StorageClass). Keys:
 * kubernetes-sigs/aws-efs-csi-driver charts/aws-efs-csi-driver/values.yaml at helm-chart-aws-efs-csi-driver-4.4.1:
 * controller.serviceAccount.annotations takes the IRSA role (`eks.amazonaws.com/role-arn`), `storageClasses: []` by
 * default (the platform creates its class itself, so the plan validates it), and node.tolerations defaults to
 * `operator: Exists`, so the node DaemonSet reaches every tainted pool a pod mounting EFS may land on. The node pods
 * mount NFS as root on the host: Pod Security privileged (kube-system, which the platform does not label).
 */
export const efsCsiDriver: HelmAddon<"efsCsiDriver"> = {
  key: "efsCsiDriver",
  release: "aws-efs-csi-driver",
  podSecurity: "privileged",
  applies: (cluster) => cluster.efs !== undefined,
  values(cluster, _config, env) {
    const { nodeSelector, tolerations } = systemPlacement(cluster);
    const replicas = env.production ? 2 : 1;
    return {
      controller: {
        replicaCount: replicas,
        nodeSelector,
        // The chart's own (CriticalAddonsOnly, the driver's not-ready taint) plus the system pools'.
        tolerations: [
          { key: "CriticalAddonsOnly", operator: "Exists" },
          { key: "efs.csi.aws.com/agent-not-ready", operator: "Exists" },
          ...tolerations,
        ],
        serviceAccount: {
          create: true,
          name: "efs-csi-controller-sa",
          annotations: { "eks.amazonaws.com/role-arn": cluster.efs?.controllerRoleArn },
        },
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
      },
      node: {
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
      },
      storageClasses: [],
    };
  },
};
