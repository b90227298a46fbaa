import * as assert from "assert";
import {
  imageMatchesPrefix,
  imagePinned,
  noBarePods,
  noHostnameSelection,
  noLoadBalancer,
  podSecurityRestricted,
  priorityClassSet,
  readOnlyRootFilesystem,
  resourceRequestsAndLimits,
} from "../policy/rules/workload-security.ts";
import { check, chart, deployment, NS, podSpec, res, scaledJob, securedContainer } from "./helpers/policy.ts";

const messages = (vs: { message: string }[]) => vs.map((v) => v.message).join("\n");

describe("policy: workload security", () => {
  describe("pod-security-restricted", () => {
    it("passes a restricted pod spec", async () => {
      assert.deepStrictEqual(await check(podSecurityRestricted, [deployment("w")]), []);
    });
    it("fails privileged, host namespaces, hostPath, escalation, root, capabilities and seccomp", async () => {
      const bad = podSpec(
        { hostNetwork: true, securityContext: {}, volumes: [{ name: "dev", hostPath: { path: "/dev" } }] },
        {
          name: "worker",
          image: "a/b:1",
          securityContext: { privileged: true, runAsUser: 0, capabilities: { add: ["SYS_ADMIN"] } },
        },
      );
      const vs = await check(podSecurityRestricted, [deployment("w", bad)]);
      const text = messages(vs);
      for (const s of [
        "hostNetwork",
        "hostPath",
        "privileged",
        "allowPrivilegeEscalation",
        "runAsNonRoot",
        "runAsUser is 0",
        "drop must include ALL",
        "SYS_ADMIN",
        "seccompProfile",
      ]) {
        assert.ok(text.includes(s), `expected '${s}' in:\n${text}`);
      }
      assert.ok(vs.every((v) => v.enforcementLevel === "mandatory" && v.resourceName === "w"));
    });
    it("fails a pod-level securityContext runAsUser 0 even when the containers are restricted", async () => {
      const rootPod = podSpec({
        securityContext: { runAsNonRoot: true, runAsUser: 0, seccompProfile: { type: "RuntimeDefault" } },
      });
      const vs = await check(podSecurityRestricted, [deployment("w", rootPod)]);
      assert.strictEqual(vs.length, 1, messages(vs));
      assert.match(vs[0].message, /^Deployment wp-workloads\/w: pod securityContext.runAsUser is 0 \(root\)\.$/);
    });
    it("fails a hostPort on an otherwise restricted container", async () => {
      const c = securedContainer("worker", {
        ports: [{ containerPort: 8080 }, { containerPort: 9090, hostPort: 9090 }],
      });
      const vs = await check(podSecurityRestricted, [deployment("w", podSpec({}, c))]);
      assert.strictEqual(vs.length, 1, messages(vs));
      assert.match(vs[0].message, /^Deployment wp-workloads\/w, container 'worker': uses hostPort 9090\.$/);
    });
    it("checks ScaledJob templates and init containers", async () => {
      const spec = podSpec({ initContainers: [{ name: "init", image: "a/b:1" }] });
      const vs = await check(podSecurityRestricted, [scaledJob("render", spec)]);
      assert.ok(messages(vs).includes("ScaledJob wp-workloads/render, initContainer 'init'"), messages(vs));
    });
    it("skips exempt namespaces, waived objects and chart children", async () => {
      const bad = podSpec({ hostPID: true });
      const sys = deployment("sys", bad);
      (sys.plainInputs.metadata as Record<string, unknown>).namespace = "kube-system";
      const waived = deployment("waived", bad, {
        annotations: { "policy.worker-platform/waive": "pod-security-restricted" },
      });
      const parent = chart("dcgm", "dcgm-exporter");
      const child = deployment("dcgm-exporter", bad, { parent });
      assert.deepStrictEqual(await check(podSecurityRestricted, [sys, waived, parent, child]), []);
      const included = await check(podSecurityRestricted, [parent, child], {
        config: { "pod-security-restricted": { includeChartResources: true } },
      });
      assert.strictEqual(included.length, 1);
    });
  });

  describe("read-only-root-filesystem", () => {
    it("passes readOnlyRootFilesystem: true", async () => {
      assert.deepStrictEqual(await check(readOnlyRootFilesystem, [deployment("w")]), []);
    });
    it("flags a writable root filesystem as advisory", async () => {
      const c = securedContainer();
      c.securityContext.readOnlyRootFilesystem = false;
      const [v] = await check(readOnlyRootFilesystem, [deployment("w", podSpec({}, c))]);
      assert.strictEqual(v.enforcementLevel, "advisory");
      assert.match(v.message, /container 'worker': readOnlyRootFilesystem is not true/);
    });
  });

  describe("resource-requests-and-memory-limits", () => {
    it("passes requests and a memory limit", async () => {
      assert.deepStrictEqual(await check(resourceRequestsAndLimits, [deployment("w")]), []);
    });
    it("fails missing cpu request and memory limit", async () => {
      const c = securedContainer("worker", { resources: { requests: { memory: "1Gi" } } });
      const [v] = await check(resourceRequestsAndLimits, [deployment("w", podSpec({}, c))]);
      assert.match(v.message, /missing resources.requests.cpu, resources.limits.memory/);
    });
  });

  describe("container-image-pinned", () => {
    it("passes tags and digests", async () => {
      const digest = securedContainer("d", { image: `ghcr.io/acme/worker@sha256:${"a".repeat(64)}` });
      const spec = podSpec({
        containers: [securedContainer(), digest, securedContainer("r", { image: "localhost:5000/x:2" })],
      });
      assert.deepStrictEqual(await check(imagePinned, [deployment("w", spec)]), []);
    });
    it("fails latest and untagged images", async () => {
      const spec = podSpec({
        containers: [
          securedContainer("a", { image: "ghcr.io/acme/worker:latest" }),
          securedContainer("b", { image: "redis" }),
        ],
      });
      const text = messages(await check(imagePinned, [deployment("w", spec)]));
      assert.match(text, /'ghcr.io\/acme\/worker:latest' uses the moving tag latest/);
      assert.match(text, /'redis' has no tag/);
    });
    it("fails a container with no image", async () => {
      const spec = podSpec({ containers: [securedContainer(), securedContainer("sidecar", { image: undefined })] });
      const vs = await check(imagePinned, [deployment("w", spec)], {
        config: { "container-image-pinned": { allowedRegistries: ["ghcr.io"] } },
      });
      assert.strictEqual(vs.length, 1, messages(vs));
      assert.match(vs[0].message, /^Deployment wp-workloads\/w, container 'sidecar': no image\.$/);
    });
    it("enforces allowedRegistries from config: a registry host allows everything under it", async () => {
      const config = { "container-image-pinned": { allowedRegistries: ["ghcr.io"] } };
      assert.deepStrictEqual(await check(imagePinned, [deployment("w")], { config }), []);
      const spec = podSpec({}, securedContainer("w", { image: "redis:8.2.3" }));
      const [v] = await check(imagePinned, [deployment("w", spec)], { config });
      assert.match(v.message, /comes from docker.io\/library\/redis, which matches none of allowedRegistries ghcr.io/);
    });
    it("allowedRegistries entries are prefixes of the image reference on a '/' boundary (docs: ghcr.io/acme/)", async () => {
      const config = {
        "container-image-pinned": { allowedRegistries: ["ghcr.io/acme/", "docker.io/library", "localhost:5000"] },
      };
      const ok = [
        "ghcr.io/acme/worker:1.4.2",
        `ghcr.io/acme/tools/ffmpeg@sha256:${"b".repeat(64)}`,
        "redis:8.2.3",
        "docker.io/library/redis:8.2.3",
        "localhost:5000/x:2",
      ];
      const okSpec = podSpec({ containers: ok.map((image, i) => securedContainer(`c${i}`, { image })) });
      assert.deepStrictEqual(await check(imagePinned, [deployment("w", okSpec)], { config }), []);
      const bad = [
        "ghcr.io/other/worker:1",
        "ghcr.io/acme-tools/worker:1",
        "ghcr.io.evil.example/acme/worker:1",
        "bitnami/redis:8",
        "localhost:50001/x:2",
      ];
      const badSpec = podSpec({ containers: bad.map((image, i) => securedContainer(`c${i}`, { image })) });
      const vs = await check(imagePinned, [deployment("w", badSpec)], { config });
      assert.strictEqual(vs.length, bad.length, messages(vs));
      assert.match(
        messages(vs),
        /'ghcr.io\/acme-tools\/worker:1' comes from ghcr.io\/acme-tools\/worker, which matches none of allowedRegistries ghcr.io\/acme\/, docker.io\/library, localhost:5000/,
      );
    });
    it("imageMatchesPrefix: host, path with or without trailing slash, Docker Hub names", () => {
      assert.ok(imageMatchesPrefix("ghcr.io/acme/worker:1", "ghcr.io"));
      assert.ok(imageMatchesPrefix("ghcr.io/acme/worker:1", "ghcr.io/acme"));
      assert.ok(imageMatchesPrefix("ghcr.io/acme/worker:1", "ghcr.io/acme/worker"));
      assert.ok(!imageMatchesPrefix("ghcr.io/acme/worker:1", "ghcr.io/ac"));
      assert.ok(imageMatchesPrefix("redis", "docker.io"));
      assert.ok(!imageMatchesPrefix("redis", ""));
    });
  });

  describe("priority-class-set", () => {
    it("passes a priorityClassName", async () => {
      assert.deepStrictEqual(await check(priorityClassSet, [deployment("w")]), []);
    });
    it("flags a pod without one", async () => {
      const [v] = await check(priorityClassSet, [deployment("w", podSpec({ priorityClassName: undefined }))]);
      assert.strictEqual(v.enforcementLevel, "advisory");
    });
  });

  describe("no-hostname-node-selection", () => {
    it("passes pool-label selection", async () => {
      assert.deepStrictEqual(
        await check(noHostnameSelection, [
          deployment("w", podSpec({ nodeSelector: { "worker-platform/pool": "cpu" } })),
        ]),
        [],
      );
    });
    it("fails nodeName, hostname selectors and affinity", async () => {
      const spec = podSpec({
        nodeName: "aks-gpu-0",
        nodeSelector: { "kubernetes.io/hostname": "aks-gpu-0" },
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["x"] }] },
              ],
            },
          },
        },
      });
      assert.strictEqual((await check(noHostnameSelection, [deployment("w", spec)])).length, 3);
    });
    it("fails node affinity matchFields on metadata.name (required and preferred)", async () => {
      const byName = { matchFields: [{ key: "metadata.name", operator: "In", values: ["aks-gpu-0"] }] };
      const required = podSpec({
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [byName] } } },
      });
      const preferred = podSpec({
        affinity: {
          nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: byName }] },
        },
      });
      const vs = await check(noHostnameSelection, [deployment("a", required), deployment("b", preferred)]);
      assert.strictEqual(vs.length, 2, messages(vs));
      assert.match(vs[0].message, /^Deployment wp-workloads\/a: node affinity matches the node's metadata.name\.$/);
      assert.match(vs[1].message, /^Deployment wp-workloads\/b: node affinity matches the node's metadata.name\.$/);
    });
  });

  describe("no-bare-pods", () => {
    it("passes controllers", async () => {
      assert.deepStrictEqual(await check(noBarePods, [deployment("w")]), []);
    });
    it("fails a bare Pod", async () => {
      const pod = res("kubernetes:core/v1:Pod", "debug", {
        metadata: { name: "debug", namespace: NS },
        spec: podSpec(),
      });
      const [v] = await check(noBarePods, [pod]);
      assert.match(v.message, /Pod wp-workloads\/debug is a bare pod/);
    });
  });

  describe("no-public-load-balancer", () => {
    const svc = (name: string, type: string, annotations: Record<string, string> = {}) =>
      res("kubernetes:core/v1:Service", name, {
        metadata: { name, namespace: NS, annotations },
        spec: { type, ports: [{ port: 80 }] },
      });
    it("passes ClusterIP and internal load balancers", async () => {
      const internal = svc("int", "LoadBalancer", {
        "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
      });
      assert.deepStrictEqual(await check(noLoadBalancer, [svc("api", "ClusterIP"), internal]), []);
    });
    it("flags a public LoadBalancer unless allowed", async () => {
      const [v] = await check(noLoadBalancer, [svc("api", "LoadBalancer")]);
      assert.strictEqual(v.enforcementLevel, "advisory");
      const prod = await check(noLoadBalancer, [svc("api", "LoadBalancer")], {
        config: { "no-public-load-balancer": "mandatory" },
      });
      assert.strictEqual(prod[0].enforcementLevel, "mandatory");
      assert.deepStrictEqual(
        await check(noLoadBalancer, [svc("api", "LoadBalancer")], {
          config: { "no-public-load-balancer": { allowedServices: [`${NS}/api`] } },
        }),
        [],
      );
    });
  });
});
