import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { AKS_SPOT_TAINT, EKS_SPOT_TAINT, GPU_TAINT, LABELS, platformPoolLabels } from "../components/cluster/labels.ts";
import * as allocatable from "../stacks/allocatable.ts";
import { CPU_ONLY_FAMILIES, GPU_MACHINE_TYPES, MACHINE_TYPES } from "../stacks/machine-types.ts";
import { GPU_NODE_DAEMONSET_RESOURCES, GPU_NODE_DAEMONSETS_BY_VENDOR } from "../stacks/platform-pods.ts";
import { GPU_RESOURCES, GPU_TAINTS } from "../stacks/accelerators.ts";
import { CHARTS } from "../stacks/versions.ts";
import * as packAllocatable from "../policy/rules/lib/allocatable.ts";
import { parseQuantity } from "../policy/rules/lib/k8s.ts";
import * as annotations from "../components/workloads/annotations.ts";
import { SERVICE_BUS_ROLES } from "../components/workloads/cloud-identity.ts";
import * as pack from "../policy/rules/lib/platform.ts";
import { GPU_UTIL_METRIC, gpuUtilizationQuery } from "../components/workloads/triggers.ts";
import { ALERTMANAGER_CONFIG_MAP } from "../components/addons/alertmanager.ts";

/**
 * The policy pack is its own package and cannot import the program, so it keeps copies of the program's conventions
 * (policy/rules/lib/platform.ts). These tests fail when a copy drifts from the original.
 */
describe("policy: conventions shared with the program", () => {
  it("pool labels", () => {
    // Labels the program sets that no rule reads, so the pack keeps no copy. A label the program adds must be copied
    // to policy/rules/lib/platform.ts or listed here; one either side removes or renames is noticed below.
    const PROGRAM_ONLY: Record<string, string> = { role: "worker-platform/role" };
    const program = LABELS as Record<string, string>;
    for (const [key, value] of Object.entries(PROGRAM_ONLY))
      assert.equal(program[key], value, `program label ${key} listed as program-only`);
    const relied = Object.fromEntries(Object.entries(program).filter(([key]) => !(key in PROGRAM_ONLY)));
    assert.deepStrictEqual(
      { ...pack.LABELS },
      relied,
      "policy/rules/lib/platform.ts LABELS vs components/cluster/labels.ts LABELS",
    );
    // What the program puts on a pool is exactly LABELS (no label set by a literal elsewhere).
    const set = (pool: Parameters<typeof platformPoolLabels>[0]) => Object.keys(platformPoolLabels(pool)).sort();
    assert.deepStrictEqual(
      set({ name: "gpu", role: "worker", spot: true, gpu: { count: 1 } }),
      Object.values(program).sort(),
    );
    assert.deepStrictEqual(
      set({ name: "cpu", role: "worker", spot: false }),
      Object.values(program)
        .filter((v) => v !== LABELS.gpuCount && v !== LABELS.gpuVendor && v !== LABELS.gpuDevices)
        .sort(),
    );
    // No rule reads a program-only label by its value.
    const rules = path.join(import.meta.dirname, "..", "policy", "rules");
    const sources: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(dir, e.name));
        else if (e.name.endsWith(".ts")) sources.push(fs.readFileSync(path.join(dir, e.name), "utf8"));
      }
    };
    walk(rules);
    for (const value of Object.values(PROGRAM_ONLY))
      assert.ok(
        !sources.some((s) => s.includes(value)),
        `a rule reads ${value}: copy it to policy/rules/lib/platform.ts LABELS`,
      );
  });
  it("the DCGM GPU utilisation metric the program's gpu triggers query", () => {
    assert.equal(pack.GPU_UTIL_METRIC, GPU_UTIL_METRIC);
    assert.ok(gpuUtilizationQuery("ns", "w").includes(pack.GPU_UTIL_METRIC));
  });
  it("the ConfigMap of Alertmanager's config (alertmanager-receiver-in-production)", () => {
    assert.strictEqual(pack.ALERTMANAGER_CONFIG_MAP, ALERTMANAGER_CONFIG_MAP);
  });
  it("GPU and spot taints", () => {
    assert.deepStrictEqual(pack.GPU_TAINT, GPU_TAINT);
    assert.deepStrictEqual(pack.GPU_TAINTS, GPU_TAINTS);
    assert.deepStrictEqual(pack.GPU_RESOURCES, GPU_RESOURCES);
    assert.deepStrictEqual(pack.AKS_SPOT_TAINT, AKS_SPOT_TAINT);
    assert.deepStrictEqual(pack.EKS_SPOT_TAINT, EKS_SPOT_TAINT);
  });
  it("the machine shape table, GPU machine types and CPU-only families", () => {
    assert.deepStrictEqual(pack.MACHINE_TYPES, MACHINE_TYPES);
    assert.deepStrictEqual(pack.GPU_MACHINE_TYPES, GPU_MACHINE_TYPES);
    assert.deepStrictEqual(pack.CPU_ONLY_FAMILIES.map(String), CPU_ONLY_FAMILIES.map(String));
  });
  it("the node reservation model (pod-fits-node): constants, allocatable of every machine type, node agents, GPU DaemonSets, quantities", () => {
    assert.equal(packAllocatable.AKS_DEFAULT_MAX_PODS, allocatable.AKS_DEFAULT_MAX_PODS);
    assert.equal(packAllocatable.MEMORY_OVERHEAD_FRACTION, allocatable.MEMORY_OVERHEAD_FRACTION);
    assert.deepStrictEqual(packAllocatable.EVICTION_HARD_MIB, allocatable.EVICTION_HARD_MIB);
    assert.ok(Object.keys(MACHINE_TYPES).length > 30);
    for (const [type, shape] of Object.entries(MACHINE_TYPES)) {
      for (const maxPods of [undefined, 30, 110]) {
        assert.deepStrictEqual(
          packAllocatable.nodeAllocatable(shape, maxPods),
          allocatable.nodeAllocatable(shape, maxPods).allocatable,
          `${type}, maxPods ${maxPods}`,
        );
      }
    }
    assert.deepStrictEqual(packAllocatable.cloudNodeAgents("aws"), allocatable.cloudNodeAgents("aws"));
    for (const policy of ["cilium", "azure", "calico"] as const)
      assert.deepStrictEqual(
        packAllocatable.cloudNodeAgents("azure", policy),
        allocatable.cloudNodeAgents("azure", policy),
      );
    assert.deepStrictEqual(packAllocatable.GPU_NODE_DAEMONSET_CHARTS, {
      "nvidia-device-plugin": { ...GPU_NODE_DAEMONSET_RESOURCES.nvidiaDevicePlugin.requests },
      "dcgm-exporter": { ...GPU_NODE_DAEMONSET_RESOURCES.dcgmExporter.requests },
      "amd-gpu": { ...GPU_NODE_DAEMONSET_RESOURCES.amdDevicePlugin.requests },
      "device-metrics-exporter-charts": { ...GPU_NODE_DAEMONSET_RESOURCES.amdMetricsExporter.requests },
    });
    // Each chart on its vendor's pools, as the program's add-ons (stacks/platform-pods.ts by vendor, versions.ts).
    const chartOf = { nvidiaDevicePlugin: "nvidia-device-plugin", dcgmExporter: "dcgm-exporter" } as Record<
      string,
      string
    >;
    chartOf.amdDevicePlugin = CHARTS.amdDevicePlugin.chart;
    chartOf.amdMetricsExporter = CHARTS.amdMetricsExporter.chart;
    const vendors: Record<string, string> = {};
    for (const [vendor, keys] of Object.entries(GPU_NODE_DAEMONSETS_BY_VENDOR))
      for (const key of keys) vendors[chartOf[key]] = vendor;
    assert.deepStrictEqual(packAllocatable.GPU_NODE_DAEMONSET_CHART_VENDORS, vendors);
    for (const q of ["500m", "2", "0.5", "4Gi", "1G", "512Mi", "1.5Gi", "100k", "3Ti", "2x", "-1", "1e3", ""])
      assert.equal(parseQuantity(q), allocatable.quantityValue(q), q);
  });

  it("Azure Service Bus data roles (cloud-identity-least-privilege): every role the program assigns, by the same ID", () => {
    const pack_ = pack.SERVICE_BUS_ROLES as Record<string, string>;
    for (const [role, id] of Object.entries(SERVICE_BUS_ROLES)) assert.equal(pack_[role], id, role);
  });
  it("the workload annotations the rules read (scale-in-safety, scaled-workload-omits-replicas, scaled-workload-marked)", () => {
    assert.equal(pack.MAX_JOB_DURATION_ANNOTATION, annotations.MAX_JOB_DURATION_ANNOTATION);
    assert.equal(pack.SCALED_BY_ANNOTATION, annotations.SCALED_BY_ANNOTATION);
    assert.equal(pack.GRACE_CAP_ANNOTATION, annotations.GRACE_CAP_ANNOTATION);
    assert.deepStrictEqual(
      Object.keys(pack.SCALED_BY_VALUES).sort(),
      Object.values(annotations.SCALED_BY).sort(),
      "values of the scaled-by annotation",
    );
    for (const [name, value] of Object.entries({
      MAX_JOB_DURATION_ANNOTATION: pack.MAX_JOB_DURATION_ANNOTATION,
      SCALED_BY_ANNOTATION: pack.SCALED_BY_ANNOTATION,
      GRACE_CAP_ANNOTATION: pack.GRACE_CAP_ANNOTATION,
    })) {
      assert.ok(typeof value === "string" && /^[a-z0-9.-]+\/[a-z0-9-]+$/.test(value), `${name}: ${value}`);
    }
  });
});
