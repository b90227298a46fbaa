import type * as k8s from "@pulumi/kubernetes";

type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/**
 * Pod Security Standards "restricted" (kubernetes.io/docs/concepts/security/pod-security-standards): non-root,
 * seccomp RuntimeDefault. No runAsUser by default: the image's own numeric USER is used (an image whose USER is root
 * or a name fails to start with "container has runAsNonRoot and image will run as root", which is the point).
 * Images with a known uid (the queues) pass it, and `fsGroup` makes their volumes writable.
 */
export function restrictedPodSecurityContext(user?: { uid: number; gid: number }): PodSecurityContext {
  return {
    runAsNonRoot: true,
    seccompProfile: { type: "RuntimeDefault" },
    ...(user
      ? { runAsUser: user.uid, runAsGroup: user.gid, fsGroup: user.gid, fsGroupChangePolicy: "OnRootMismatch" }
      : {}),
  };
}

/** Container half of "restricted", plus a read-only root filesystem (writable paths are volumes). */
export function restrictedContainerSecurityContext(): SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Size cap of the /tmp emptyDir: a runaway temp file evicts the pod instead of filling the node's disk. */
export const TMP_SIZE_LIMIT = "1Gi";

/** The writable /tmp every platform container gets, since its root filesystem is read-only. */
export function tmpVolume(name = "tmp", sizeLimit = TMP_SIZE_LIMIT): { volume: Volume; mount: VolumeMount } {
  return { volume: { name, emptyDir: { sizeLimit } }, mount: { name, mountPath: "/tmp" } };
}
