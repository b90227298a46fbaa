/**
 * The Kubernetes minor versions each cloud offers, checked on the date below. The schema refuses a
 * `kubernetesVersion` above a cloud's newest (the cloud API would refuse it on the first `pulumi up`, after the plan
 * said valid) and below MIN_KUBERNETES_MINOR (stacks/schema/cluster.ts). When a cloud ships a new minor, add its row
 * here with the source, and a cluster-autoscaler pin for it (stacks/versions.ts) for EKS.
 */
export interface KubernetesRelease {
  /** When the cloud made the minor generally available (AKS GA; EKS release), as the source gives it. */
  available?: string;
  /** When the cloud's standard support ends (AKS end of life, LTS aside; EKS end of standard support). */
  endOfSupport: string;
}

export interface CloudKubernetesVersions {
  /** The day the table was checked against `source`. */
  checked: string;
  source: string;
  releases: Record<string, KubernetesRelease>;
}

export const KUBERNETES_VERSIONS: Record<"azure" | "aws", CloudKubernetesVersions> = {
  azure: {
    checked: "2026-08-21",
    // "AKS Kubernetes release calendar" (MicrosoftDocs/azure-aks-docs articles/aks/supported-kubernetes-versions.md
    // at fb060ab, 2026-08-21). 1.37 is planned: preview Sep 2026, GA Oct 2026.
    source: "https://learn.microsoft.com/azure/aks/supported-kubernetes-versions",
    releases: {
      "1.32": { available: "Apr 2025", endOfSupport: "Mar 2026" },
      "1.33": { available: "Jun 2025", endOfSupport: "Jul 2026" },
      "1.34": { available: "Nov 2025", endOfSupport: "Nov 2026" },
      "1.35": { available: "Mar 2026", endOfSupport: "Mar 2027" },
      "1.36": { available: "Jun 2026", endOfSupport: "Jun 2027" },
    },
  },
  aws: {
    checked: "2026-08-21",
    // "Understand the Kubernetes version lifecycle on EKS" (standard support lasts 14 months from the EKS release; end
    // dates of 1.32-1.35 from its release calendar, as endoflife.date/amazon-eks mirrors it) and "Review release notes
    // for Kubernetes versions on standard support" ("Kubernetes 1.36 is now available in Amazon EKS", released
    // 2026-06-02).
    source: "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html",
    releases: {
      "1.32": { endOfSupport: "2026-03-23" },
      "1.33": { endOfSupport: "2026-07-29" },
      "1.34": { endOfSupport: "2026-12-02" },
      "1.35": { endOfSupport: "2027-03-27" },
      "1.36": { available: "2026-06-02", endOfSupport: "2027-08-02" },
    },
  },
};

const minor = (v: string) => Number(v.split(".")[1]);

/** The newest minor a cloud offers per the table, e.g. "1.36". */
export function newestKubernetesVersion(cloud: "azure" | "aws"): string {
  return Object.keys(KUBERNETES_VERSIONS[cloud].releases).reduce((a, b) => (minor(b) > minor(a) ? b : a));
}
