import { z } from "zod";
import { GPU_VENDORS } from "../accelerators.ts";

/** A GPU vendor the platform runs a device plugin and a metrics exporter for. */
export const gpuVendor = z.enum(GPU_VENDORS);

/**
 * The vendor of GPUs a worker or service asks for. Defaults to nvidia: the vendor is a property of the image (CUDA or
 * ROCm), not of the cluster, so it never changes with the clusters a workload is deployed to; a vendor no pool of a
 * target cluster offers is an error naming this key (unless gpu.fallbackToCpu).
 */
export const workloadGpuVendor = gpuVendor.default("nvidia");

/**
 * NVIDIA pools only: share each GPU between pods. `timeSlicing.replicas`: the device plugin advertises each GPU
 * `replicas` times (NVIDIA/k8s-device-plugin v0.20.0 README, "Shared Access to GPUs with CUDA Time-Slicing"), with
 * no memory or fault isolation between the pods; a pod may ask for 1 only (failRequestsGreaterThanOne). `mig.profile`
 * (AKS only): the pool's GPUs are partitioned into MIG instances of that profile, e.g. `1g.10gb` (A100 80GB, H100:
 * 7 per GPU), each advertised as one `nvidia.com/gpu` (migStrategy single), with their own memory and compute.
 * Defaults to none (whole GPUs).
 */
export const gpuSharing = z.union(
  [
    z.strictObject({
      timeSlicing: z.strictObject({
        /** Pods per GPU (2-16). */
        replicas: z.number().int().min(2).max(16),
      }),
    }),
    z.strictObject({
      mig: z.strictObject({
        /** A MIG profile of the pool's GPU model, e.g. 1g.10gb, 2g.20gb, 3g.40gb (stacks/accelerators.ts MIG_PROFILES). */
        profile: z.string().regex(/^[1-7]g\.[0-9]+gb$/, { error: "must be a MIG profile such as 1g.10gb" }),
      }),
    }),
  ],
  { error: "must be { timeSlicing: { replicas: N } } or { mig: { profile: <profile> } }" },
);
