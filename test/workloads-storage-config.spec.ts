import * as assert from "node:assert/strict";
import { loadConfig } from "../stacks/load.ts";
import { secretLooking } from "../policy/rules/lib/secret-looking.ts";
import { nodeGroupPerZone } from "../stacks/placement.ts";
import { claimClass, needsEfs, zonalClaimRequests } from "../stacks/storage.ts";
import { stackConfig } from "../stacks/schema/index.ts";
import { configProblems, cpuWorker, minimalStack, sourceOf } from "./helpers/config.ts";
import { fakeClusterConfig } from "./helpers/clusters.ts";

const withQueue = (values: Record<string, unknown>) => ({ ...values, queues: [{ name: "q", kind: "redis" }] });
const stack = (over: Record<string, unknown>) => withQueue({ ...minimalStack(), ...over });
const problems = (over: Record<string, unknown>) => configProblems(stack(over));
const warnings = (over: Record<string, unknown>) => loadConfig(sourceOf(stack(over))).warnings;
const one = (volume: Record<string, unknown>, worker: Record<string, unknown> = {}) =>
  cpuWorker({ replicas: { min: 0, max: 1 }, volumes: [volume], ...worker });
/** The problems whose key starts with `key`. */
const at = (ps: string[], key: string) => ps.filter((p) => p.startsWith(key));

const eksStack = (over: Record<string, unknown>) =>
  withQueue({ platform: { environment: "test" }, clusters: [fakeClusterConfig("eks")], ...over });
const existingStack = (storageClasses?: Record<string, string>) => ({
  platform: { environment: "test" },
  clusters: [{ ...fakeClusterConfig("existing"), existing: { context: "kind-test", storageClasses } }],
  queues: [{ name: "q", kind: "redis" }],
});

describe("config: volumes, claims and ConfigMaps", () => {
  it("accepts every volume source with mounts, subPath and readOnly", () => {
    assert.deepEqual(
      problems({
        configMaps: [{ name: "settings", data: { LOG_LEVEL: "info", "settings.yaml": "a: 1\nb: 2\n" } }],
        secrets: [{ name: "tls", data: { "tls.key": { generate: {} } } }],
        claims: [{ name: "scratch", size: "100Gi" }],
        workers: [
          cpuWorker({
            replicas: { min: 0, max: 1 },
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
            envFrom: [{ configMap: "settings" }, { secret: "tls", prefix: "TLS_" }],
            volumes: [
              { name: "video", claim: { size: "50Gi" }, mounts: [{ path: "/data" }] },
              { name: "scratch", sharedClaim: "scratch", mounts: [{ path: "/scratch", subPath: "w" }] },
              { name: "cache", ephemeral: { size: "20Gi" }, mounts: [{ path: "/cache" }] },
              { name: "prom", emptyDir: { sizeLimit: "64Mi", medium: "Memory" }, mounts: [{ path: "/metrics" }] },
              { name: "cfg", configMap: "settings", mounts: [{ path: "/etc/app", readOnly: true }] },
              { name: "certs", secret: "tls", mounts: [{ path: "/etc/tls" }] },
            ],
          }),
        ],
      }),
      [],
    );
  });

  it("a volume has exactly one source", () => {
    const none = problems({ workers: [one({ name: "v", mounts: [{ path: "/v" }] })] });
    assert.match(at(none, "workers[0].volumes[0]")[0], /needs one source: claim, sharedClaim/);
    const two = problems({
      workers: [one({ name: "v", emptyDir: {}, claim: { size: "1Gi" }, mounts: [{ path: "/v" }] })],
    });
    assert.match(at(two, "workers[0].volumes[0]")[0], /has claim and emptyDir/);
  });

  it("a volume mounted twice at one path, or two volumes at one path: an error on the second mount", () => {
    const ps = problems({
      workers: [
        cpuWorker({
          volumes: [
            { name: "a", emptyDir: {}, mounts: [{ path: "/data" }] },
            { name: "b", emptyDir: {}, mounts: [{ path: "/data" }] },
          ],
        }),
      ],
    });
    assert.deepEqual(at(ps, "workers[0].volumes"), [
      'workers[0].volumes[1].mounts[0].path: /data is already the mount path of volume "a"; a container path holds one mount, got "/data"',
    ]);
    const same = problems({
      workers: [cpuWorker({ volumes: [{ name: "a", emptyDir: {}, mounts: [{ path: "/x" }, { path: "/x" }] }] })],
    });
    assert.equal(at(same, "workers[0].volumes[0].mounts[1].path").length, 1);
  });

  it("unknown ConfigMap, Secret or shared claim: errors naming the key, with what exists", () => {
    const ps = problems({
      configMaps: [{ name: "settings", data: { A: "1" } }],
      workers: [
        cpuWorker({
          replicas: { min: 0, max: 1 },
          envFrom: [{ configMap: "nope" }, { secret: "gone" }],
          volumes: [
            { name: "a", configMap: "other", mounts: [{ path: "/a" }] },
            { name: "b", secret: "missing", mounts: [{ path: "/b" }] },
            { name: "c", sharedClaim: "absent", mounts: [{ path: "/c" }] },
          ],
        }),
      ],
    });
    assert.match(
      at(ps, "workers[0].volumes[0].configMap")[0],
      /no ConfigMap named "other" under configMaps \(have: settings\)/,
    );
    assert.match(at(ps, "workers[0].volumes[1].secret")[0], /no secret named "missing" under secrets/);
    assert.match(at(ps, "workers[0].volumes[2].sharedClaim")[0], /no claim named "absent" under claims \(have: none\)/);
    assert.match(at(ps, "workers[0].envFrom[0].configMap")[0], /no ConfigMap named "nope"/);
    assert.match(at(ps, "workers[0].envFrom[1].secret")[0], /no secret named "gone"/);
  });

  it("a secret-looking ConfigMap key or value is refused, suggesting secrets; with the pack's own rule", () => {
    const ps = problems({
      configMaps: [
        {
          name: "settings",
          data: {
            DB_PASSWORD: "hunter2",
            NOTE: "ghp_" + "a".repeat(36),
            TOKEN_PATH: "/var/run/token",
            LOG_LEVEL: "debug",
          },
        },
      ],
    });
    assert.deepEqual(
      at(ps, "configMaps").map((p) => p.split(":")[0]),
      ["configMaps[0].data.DB_PASSWORD", "configMaps[0].data.NOTE"],
    );
    assert.match(at(ps, "configMaps[0].data.DB_PASSWORD")[0], /put it under secrets/);
    // The schema calls the pack's own function (policy/rules/lib/secret-looking.ts): one rule, both places.
    const cases: [string, string, RegExp | undefined][] = [
      ["DB_PASSWORD", "hunter2", /name 'DB_PASSWORD' says it is a credential/],
      ["API_KEY", "<set me>", undefined],
      ["TOKEN_PATH", "/x", undefined],
      ["URL", "https://u:p@h/", /a URL with a password/],
      ["REDIS_AUTH", "disabled", undefined],
      ["PLAIN", "value", undefined],
      ["BLOB", "a".repeat(200_000), undefined],
      ["KEY", "x\n-----BEGIN RSA PRIVATE KEY-----\n", /a private key/],
    ];
    for (const [k, v, expected] of cases) {
      const why = secretLooking(k, v);
      if (expected) assert.match(why ?? "", expected, `${k}=${v.slice(0, 20)}`);
      else assert.equal(why, undefined, `${k}=${v.slice(0, 20)}`);
    }
  });

  it("a ConfigMap over 1 MiB is refused", () => {
    const ps = problems({
      configMaps: [{ name: "big", data: { "blob.txt": "x".repeat(2 ** 20 + 1), "b.txt": "ab\n".repeat(1000) } }],
    });
    assert.match(at(ps, "configMaps[0].data")[0], /above the 1 MiB/);
  });

  it("ReadWriteOnce/ReadWriteOncePod own claims need replicas.max 1; ReadWriteMany and ephemeral scale", () => {
    const rwo = problems({
      workers: [one({ name: "v", claim: { size: "1Gi" }, mounts: [{ path: "/v" }] }, { replicas: { min: 0, max: 3 } })],
    });
    assert.match(at(rwo, "workers[0].volumes[0].claim.accessMode")[0], /ReadWriteOnce with replicas.max 3.*ephemeral/);
    const rwop = problems({
      workers: [
        one(
          { name: "v", claim: { size: "1Gi", accessMode: "ReadWriteOncePod" }, mounts: [{ path: "/v" }] },
          { replicas: { min: 0, max: 2 } },
        ),
      ],
    });
    assert.match(at(rwop, "workers[0].volumes[0].claim.accessMode")[0], /one pod/);
    for (const volume of [
      { name: "v", claim: { size: "1Gi", accessMode: "ReadWriteMany" }, mounts: [{ path: "/v" }] },
      { name: "v", ephemeral: { size: "1Gi" }, mounts: [{ path: "/v" }] },
    ])
      assert.deepEqual(problems({ workers: [one(volume, { replicas: { min: 0, max: 5 } })] }), []);
  });

  it("ReadWriteOnce claims count replicas.max × job.parallelism in job mode", () => {
    const job = (parallelism: number, volume: Record<string, unknown>) =>
      one(volume, { mode: "job", job: { parallelism, completions: parallelism } });
    const own = problems({ workers: [job(2, { name: "v", claim: { size: "1Gi" }, mounts: [{ path: "/v" }] })] });
    assert.match(at(own, "workers[0].volumes[0].claim.accessMode")[0], /job\.parallelism \(2 pods\)/);
    const shared = problems({
      claims: [{ name: "data", size: "10Gi", accessMode: "ReadWriteOnce" }],
      workers: [job(3, { name: "d", sharedClaim: "data", mounts: [{ path: "/d" }] })],
    });
    assert.match(at(shared, "claims[0].accessMode")[0], /job\.parallelism/);
    assert.deepEqual(
      problems({ workers: [job(1, { name: "v", claim: { size: "1Gi" }, mounts: [{ path: "/v" }] })] }),
      [],
    );
  });

  it("a shared claim that is not ReadWriteMany may serve one workload with replicas.max 1 only", () => {
    const twoUsers = problems({
      claims: [{ name: "data", size: "10Gi", accessMode: "ReadWriteOnce" }],
      workers: [
        one({ name: "d", sharedClaim: "data", mounts: [{ path: "/d" }] }),
        one({ name: "d", sharedClaim: "data", mounts: [{ path: "/d" }] }, { name: "w2" }),
      ],
    });
    assert.match(at(twoUsers, "claims[0].accessMode")[0], /mounted by workers\[0\], workers\[1\].*use ReadWriteMany/);
    assert.deepEqual(
      problems({
        claims: [{ name: "data", size: "10Gi", accessMode: "ReadWriteOnce" }],
        workers: [one({ name: "d", sharedClaim: "data", mounts: [{ path: "/d" }] })],
      }),
      [],
    );
  });

  it("a claim larger than the cloud's class allows: Azure Disk 32767Gi, Azure Files 5Ti, EBS gp3 16Ti; EFS none", () => {
    const aks = problems({ workers: [one({ name: "v", claim: { size: "33Ti" }, mounts: [{ path: "/v" }] })] });
    assert.match(
      at(aks, "workers[0].volumes[0].claim.size")[0],
      /33Ti is more than class managed-csi on c1 \(azure\) allows \(32767Gi\)/,
    );
    const files = problems({
      claims: [{ name: "s", size: "6Ti" }],
      workers: [one({ name: "s", sharedClaim: "s", mounts: [{ path: "/s" }] })],
    });
    assert.match(at(files, "claims[0].size")[0], /azurefile-csi .* \(5120Gi\); azurefile-csi-premium allows 100Ti/);
    const eks = configProblems(
      eksStack({ workers: [one({ name: "v", ephemeral: { size: "17Ti" }, mounts: [{ path: "/v" }] })] }),
    );
    assert.match(at(eks, "workers[0].volumes[0].ephemeral.size")[0], /class gp3 .* \(16384Gi\)/);
    assert.deepEqual(
      configProblems(
        eksStack({
          workers: [
            one({ name: "v", claim: { size: "16Ti" }, mounts: [{ path: "/v" }] }),
            one(
              { name: "r", claim: { size: "500Ti", accessMode: "ReadWriteMany" }, mounts: [{ path: "/r" }] },
              { name: "w2" },
            ),
          ],
        }),
      ),
      [],
    );
    // A class of the stack's own: its limits are not known, nothing is refused.
    assert.deepEqual(
      problems({
        workers: [one({ name: "v", claim: { size: "40Ti", storageClass: "ultra" }, mounts: [{ path: "/v" }] })],
      }),
      [],
    );
  });

  it("ReadWriteMany on an existing cluster needs existing.storageClasses.readWriteMany (or the claim's storageClass)", () => {
    const rwx = {
      claims: [{ name: "s", size: "10Gi" }],
      workers: [one({ name: "s", sharedClaim: "s", mounts: [{ path: "/s" }] })],
    };
    const ps = configProblems({ ...existingStack(), ...rwx });
    assert.match(
      at(ps, "claims[0].accessMode")[0],
      /ReadWriteMany on cluster existing-c: .*clusters\[0\]\.existing\.storageClasses\.readWriteMany/,
    );
    assert.deepEqual(configProblems({ ...existingStack({ readWriteMany: "nfs-client" }), ...rwx }), []);
    assert.deepEqual(
      configProblems({ ...existingStack(), ...rwx, claims: [{ name: "s", size: "10Gi", storageClass: "nfs" }] }),
      [],
    );
  });

  it("ReadWriteMany on EKS with addons.efsCsiDriver disabled is refused", () => {
    const ps = configProblems(
      eksStack({
        addons: { efsCsiDriver: { enabled: false } },
        workers: [one({ name: "r", claim: { size: "1Gi", accessMode: "ReadWriteMany" }, mounts: [{ path: "/r" }] })],
      }),
    );
    assert.match(at(ps, "workers[0].volumes[0].claim.accessMode")[0], /addons\.efsCsiDriver\.enabled is false/);
    // Naming the platform's class explicitly does not create it either.
    const named = configProblems(
      eksStack({
        addons: { efsCsiDriver: { enabled: false } },
        workers: [
          one({
            name: "r",
            claim: { size: "1Gi", accessMode: "ReadWriteMany", storageClass: "efs" },
            mounts: [{ path: "/r" }],
          }),
        ],
      }),
    );
    assert.match(at(named, "workers[0].volumes[0].claim.accessMode")[0], /addons\.efsCsiDriver\.enabled is false/);
  });

  it("emptyDir in memory: sizeLimit required and below limits.memory; a warning when it and the requests exceed the limit", () => {
    const noSize = problems({
      workers: [one({ name: "m", emptyDir: { medium: "Memory" }, mounts: [{ path: "/m" }] })],
    });
    assert.match(at(noSize, "workers[0].volumes[0].emptyDir.sizeLimit")[0], /required with medium Memory/);
    const tooBig = problems({
      workers: [one({ name: "m", emptyDir: { medium: "Memory", sizeLimit: "128Mi" }, mounts: [{ path: "/m" }] })],
    });
    assert.match(
      at(tooBig, "workers[0].volumes[0].emptyDir.sizeLimit")[0],
      /not below resources.limits.memory \(128Mi\)/,
    );
    const tight = {
      workers: [
        one(
          { name: "m", emptyDir: { medium: "Memory", sizeLimit: "512Mi" }, mounts: [{ path: "/m" }] },
          { resources: { requests: { cpu: "100m", memory: "768Mi" }, limits: { memory: "1Gi" } } },
        ),
      ],
    };
    assert.deepEqual(problems(tight), []);
    assert.ok(warnings(tight).some((w) => w.startsWith("workers[0].volumes[0].emptyDir.sizeLimit: 512Mi in memory")));
    // On disk: no memory rule.
    assert.deepEqual(
      problems({ workers: [one({ name: "d", emptyDir: { sizeLimit: "10Gi" }, mounts: [{ path: "/d" }] })] }),
      [],
    );
  });

  it("volume names: unique per workload, not tmp, and an own claim's name not a shared claim's", () => {
    const ps = problems({
      claims: [{ name: "w-data", size: "1Gi" }],
      workers: [
        cpuWorker({
          replicas: { min: 0, max: 1 },
          volumes: [
            { name: "tmp", emptyDir: {}, mounts: [{ path: "/scratch" }] },
            { name: "data", claim: { size: "1Gi" }, mounts: [{ path: "/data" }] },
            { name: "data", emptyDir: {}, mounts: [{ path: "/data2" }] },
          ],
        }),
      ],
    });
    assert.match(at(ps, "workers[0].volumes[0].name")[0], /the platform's \/tmp volume/);
    assert.match(at(ps, "workers[0].volumes[1].name")[0], /named w-data, which is also a claim under claims/);
    assert.match(at(ps, "workers[0].volumes[2].name")[0], /duplicate volume name "data"/);
  });

  it("storage helpers: per-cloud classes, EFS only where RWX is used, zonal pools for RWO claims", () => {
    assert.deepEqual(claimClass({ cloud: "azure" }, { accessMode: "ReadWriteMany" }), {
      ok: true,
      name: "azurefile-csi",
      maxBytes: 5 * 2 ** 40,
    });
    assert.equal((claimClass({ cloud: "aws" }, { accessMode: "ReadWriteOnce" }) as { name: string }).name, "gp3");
    assert.deepEqual(claimClass({ cloud: "existing" }, { accessMode: "ReadWriteOnce" }), {
      ok: true,
      name: undefined,
      maxBytes: undefined,
    });
    const cfg = stackConfig.parse(
      eksStack({
        claims: [{ name: "s", size: "1Gi" }],
        workers: [
          one({ name: "v", claim: { size: "1Gi" }, mounts: [{ path: "/v" }] }, { gpu: { count: 1 }, spot: true }),
          one({ name: "s", sharedClaim: "s", mounts: [{ path: "/s" }] }, { name: "w2" }),
        ],
      }),
    );
    assert.equal(needsEfs(cfg, "eks-c"), true);
    const requests = zonalClaimRequests(cfg, "eks-c");
    assert.equal(requests.length, 1);
    const pools = cfg.clusters[0].pools;
    const gpuspot = pools.find((p) => p.name === "gpuspot")!;
    assert.equal(nodeGroupPerZone(gpuspot, pools), false);
    assert.equal(nodeGroupPerZone(gpuspot, pools, requests), true);
    const none = stackConfig.parse(
      eksStack({ workers: [one({ name: "e", ephemeral: { size: "1Gi" }, mounts: [{ path: "/e" }] })] }),
    );
    assert.equal(needsEfs(none, "eks-c"), false);
    assert.deepEqual(zonalClaimRequests(none, "eks-c"), []);
  });
});
