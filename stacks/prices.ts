/**
 * Hourly price of a node per machine type, on-demand and spot (USD, Linux, pay-as-you-go). The figures are list
 * prices of the US East regions as published on the vendors' price pages (aws.amazon.com/ec2/pricing/on-demand,
 * azure.microsoft.com/pricing/details/virtual-machines/linux) and noted on the date given; spot prices move hourly and
 * are an ASSUMED fraction of on-demand. Prices differ per region: set the real ones per pool with
 * `pools[].pricePerHour` (both the simulator and cost per job read it; `simulation.prices` overrides it for the
 * simulator alone). The one price table of the program: the simulator and the cost recording rules
 * (observability/rules/cost.ts) both read it.
 */
export interface Price {
  onDemand: number;
  /** Spot as a fraction of on-demand (assumption). */
  spotFraction: number;
  source: string;
  date: string;
}

const AWS = "aws.amazon.com/ec2/pricing/on-demand (us-east-1)";
const AZURE = "azure.microsoft.com/pricing/details/virtual-machines/linux (East US)";
const NOTED = "2025-11 (not re-checked offline; verify)";

export const PRICES: Record<string, Price> = {
  "g5.xlarge": { onDemand: 1.006, spotFraction: 0.4, source: AWS, date: NOTED },
  "g5.2xlarge": { onDemand: 1.212, spotFraction: 0.4, source: AWS, date: NOTED },
  "g4dn.xlarge": { onDemand: 0.526, spotFraction: 0.4, source: AWS, date: NOTED },
  "m6i.xlarge": { onDemand: 0.192, spotFraction: 0.4, source: AWS, date: NOTED },
  "m6i.2xlarge": { onDemand: 0.384, spotFraction: 0.4, source: AWS, date: NOTED },
  Standard_NC4as_T4_v3: { onDemand: 0.526, spotFraction: 0.4, source: AZURE, date: NOTED },
  Standard_NC8as_T4_v3: { onDemand: 0.752, spotFraction: 0.4, source: AZURE, date: NOTED },
  Standard_D4s_v5: { onDemand: 0.192, spotFraction: 0.4, source: AZURE, date: NOTED },
  Standard_D8s_v5: { onDemand: 0.384, spotFraction: 0.4, source: AZURE, date: NOTED },
};

/** Price per hour of a pool's node: the config override, else the table (spot fraction applied), else 0. */
export function poolPrice(machineType: string, spot: boolean, override: number | undefined): number {
  if (override !== undefined) return override;
  const p = PRICES[machineType];
  if (!p) return 0;
  return spot ? p.onDemand * p.spotFraction : p.onDemand;
}
