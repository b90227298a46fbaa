import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadConfig } from "../stacks/load.ts";
import { readStackFile } from "../tools/stack-file.ts";
import { configProblems, sourceProblems, cpuWorker, minimalStack, sourceOf } from "./helpers/config.ts";

/** The problems loadConfig reports for a config, or [] when valid. */
const problems = configProblems;

function withQueue(values: Record<string, unknown>) {
  return { ...values, queues: [{ name: "q", kind: "redis" }] };
}

describe("stack config", () => {
  for (const stack of ["dev", "prod", "local"]) {
    it(`accepts the shipped ${stack} stack`, () => {
      const file = readStackFile(stack, path.resolve(import.meta.dirname, ".."));
      const source = {
        keys: () =>
          Object.keys(file.config)
            .filter((k) => k.startsWith("worker-platform:"))
            .map((k) => k.split(":")[1]),
        get: (k: string) => file.config[`worker-platform:${k}`],
        isSecret: (k: string) => file.secretKeys.includes(`worker-platform:${k}`),
      };
      const { config } = loadConfig(source);
      assert.equal(config.platform.environment, stack);
      assert.ok(config.clusters.length >= 1);
    });
  }

  it("prod: renderer (job mode) shares the on-demand gpu pool with llm at the same tier, so no preemption warning", () => {
    const file = readStackFile("prod", path.resolve(import.meta.dirname, ".."));
    const load = (over: Record<string, string> = {}) =>
      loadConfig({
        keys: () =>
          Object.keys(file.config)
            .filter((k) => k.startsWith("worker-platform:"))
            .map((k) => k.split(":")[1]),
        get: (k: string) => over[k] ?? file.config[`worker-platform:${k}`],
        isSecret: (k: string) => file.secretKeys.includes(`worker-platform:${k}`),
      });
    const { config, warnings } = load();
    const renderer = config.workers.find((w) => w.name === "renderer")!;
    const llm = config.workers.find((w) => w.name === "llm")!;
    assert.equal(renderer.mode, "job");
    assert.equal(renderer.priority, llm.priority);
    assert.deepEqual(
      warnings.filter((w) => w.includes("preempt")),
      [],
    );
    // one tier lower and both clusters warn
    const workers = (JSON.parse(file.config["worker-platform:workers"]) as Record<string, unknown>[]).map((w) =>
      w.name === "renderer" ? { ...w, priority: "standard" } : w,
    );
    const lowered = load({ workers: JSON.stringify(workers) }).warnings.filter((w) => w.includes("preempt"));
    assert.equal(lowered.length, 2, lowered.join("\n"));
    for (const [i, c] of ["prod-aks", "prod-eks"].entries())
      assert.match(
        lowered[i],
        new RegExp(
          `job-mode worker renderer \\(standard, 10000\\) shares GPU pool gpu of ${c} with workers\\[1\\] llm \\(critical, 100000\\)`,
        ),
      );
  });

  it("shipped stacks: no queue worker scales on memory, no job-mode trigger miscounts (the warnings are empty)", () => {
    for (const stack of ["dev", "prod", "local"]) {
      const file = readStackFile(stack, path.resolve(import.meta.dirname, ".."));
      const load = (over: Record<string, string> = {}) =>
        loadConfig({
          keys: () =>
            Object.keys(file.config)
              .filter((k) => k.startsWith("worker-platform:"))
              .map((k) => k.split(":")[1]),
          get: (k: string) => over[k] ?? file.config[`worker-platform:${k}`],
          isSecret: (k: string) => file.secretKeys.includes(`worker-platform:${k}`),
        }).warnings.filter((w) => /safetyNet\.memoryUtilization|trigger\.targetPerReplica/.test(w));
      assert.deepEqual(load(), [], stack);
      // The embedder as prod shipped it before (memoryUtilization: 85) is what the warning is about.
      const workers = (JSON.parse(file.config["worker-platform:workers"]) as Record<string, unknown>[]).map((w) =>
        w.name === "embedder" ? { ...w, safetyNet: { cpuUtilization: 80, memoryUtilization: 85 } } : w,
      );
      const warned = load({ workers: JSON.stringify(workers) });
      assert.equal(warned.length, 1, `${stack}: ${warned.join("\n")}`);
      assert.match(warned[0], /^workers\[\d+\]\.safetyNet\.memoryUtilization: embedder's memory per pod/);
    }
  });

  it("fills defaults from the schema", () => {
    const { config } = loadConfig(sourceOf(withQueue({ ...minimalStack(), workers: [cpuWorker()] })));
    assert.equal(config.platform.name, "wp");
    assert.equal(config.platform.production, false);
    assert.equal(config.addons.keda.enabled, true);
    assert.match(config.addons.keda.version, /^\d+\.\d+\.\d+$/);
    assert.equal(config.workers[0].mode, "deployment");
    assert.equal(config.workers[0].pollingInterval, 15);
    assert.equal(config.workers[0].scaleDown.stabilizationWindowSeconds, 300);
    assert.equal(config.clusters[0].autoscaler.maxGracefulTerminationSec, 600);
    assert.equal(config.priorityClasses.values.overprovisioning, -10);
  });

  it("names a typo'd key and suggests the right one", () => {
    const bad = withQueue({
      ...minimalStack(),
      workers: [{ ...cpuWorker(), replicas: undefined, replcias: { max: 2 } }],
    });
    const found = problems(bad);
    assert.ok(
      found.some((p) => p.startsWith('workers[0].replcias: unknown key (did you mean "replicas"?)')),
      found.join("\n"),
    );
    assert.ok(
      found.some((p) => p.startsWith("workers[0].replicas: must be object, got nothing (required)")),
      found.join("\n"),
    );
  });

  it("names a wrong type with the value it got", () => {
    const found = problems(
      withQueue({ ...minimalStack(), workers: [cpuWorker({ replicas: { min: 0, max: "ten" } })] }),
    );
    assert.deepEqual(found, ['workers[0].replicas.max: must be number, got "ten"']);
  });

  it("rejects min > max with both values", () => {
    const found = problems(withQueue({ ...minimalStack(), workers: [cpuWorker({ replicas: { min: 3, max: 1 } })] }));
    assert.deepEqual(found, ["workers[0].replicas.max: must be >= min (3), got 1"]);
  });

  it("reports every problem at once, field and cross-field alike", () => {
    const stack = minimalStack() as { clusters: { pools: unknown[] }[] };
    stack.clusters[0].pools.push({ name: "GPU_pool", machineTypes: ["Standard_D4s_v5"], min: 2, max: 1 });
    const found = problems({
      ...stack,
      workers: [cpuWorker({ image: "ghcr.io/acme/w:latest", replicas: { min: 5, max: 1 } })],
      tyop: "x",
    });
    const keys = found.map((p) => p.split(":")[0]);
    for (const key of [
      "clusters[0].pools[1].name",
      "workers[0].image",
      "workers[0].replicas.max",
      "workers[0].trigger.queue",
      "tyop",
    ]) {
      assert.ok(keys.includes(key), `missing ${key} in:\n${found.join("\n")}`);
    }
  });

  it("rejects an unknown cloud and says which are allowed", () => {
    const stack = minimalStack() as { clusters: Record<string, unknown>[] };
    stack.clusters[0].cloud = "gcp";
    const found = problems(stack);
    assert.ok(
      found.some((p) => p.startsWith("clusters[0].cloud: cloud must be one of azure, aws, existing")),
      found.join("\n"),
    );
  });

  it("rejects a missing required top-level key", () => {
    const found = problems({ platform: { environment: "x" } });
    assert.deepEqual(found, ["clusters: must be array, got nothing (required)"]);
  });

  describe("secrets from config", () => {
    const withSecret = (values: Record<string, unknown>) => ({
      ...values,
      secrets: [{ name: "tok", data: { TOKEN: { fromConfig: "apiToken" } } }],
    });

    it("accepts a referenced key that is set as a secret", () => {
      assert.deepEqual(problems(withSecret({ ...minimalStack(), apiToken: "s3cret" }), ["apiToken"]), []);
    });

    it("tells how to set a missing secret", () => {
      assert.deepEqual(problems(withSecret(minimalStack())), [
        'secrets[0].data.TOKEN.fromConfig: config key "apiToken" is not set; run `pulumi config set --secret apiToken <value>`',
      ]);
    });

    it("rejects a secret stored in plaintext", () => {
      const found = problems(withSecret({ ...minimalStack(), apiToken: "s3cret" }));
      assert.equal(found.length, 1);
      assert.match(found[0], /stored in plaintext; set it again with `pulumi config set --secret apiToken/);
    });
  });
});

describe("stack config: hints inside unions (a cluster's cloud, a trigger's type)", () => {
  const broken = () => {
    const s = withQueue(minimalStack()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    s.clusters[0].regoin = "westeurope";
    s.clusters.push({ name: "c2", cloud: "azur", region: "westeurope" });
    s.workers = [
      cpuWorker({ trigger: { type: "redis", queue: "q", listname: "jobs", targetPerReplica: 1 } }),
      cpuWorker({ name: "w2", trigger: { type: "rabbit", queue: "q" } }),
    ];
    return s;
  };

  it("an unknown key in a union member gets the did-you-mean and the keys of the member its discriminator names", () => {
    const found = problems(broken());
    assert.ok(
      found.includes(
        'clusters[0].regoin: unknown key (did you mean "region"?); allowed: name, protect, pools, autoscaler, cloud, region, kubernetesVersion, azure',
      ),
      found.join("\n"),
    );
    assert.ok(
      found.includes(
        'workers[0].trigger.listname: unknown key (did you mean "listName"?); allowed: type, name, queue, listName, targetPerReplica, activation',
      ),
      found.join("\n"),
    );
  });

  it("a bad discriminator shows only its value, with a suggestion, not the whole object", () => {
    const found = problems(broken());
    assert.ok(
      found.includes(
        'clusters[1].cloud: cloud must be one of azure, aws, existing, got "azur" (did you mean "azure"?)',
      ),
      found.join("\n"),
    );
    assert.ok(
      found.includes(
        'workers[1].trigger.type: type must be one of redis, rabbitmq, prometheus, gpu, cpu, memory, sqs, servicebus, got "rabbit" (did you mean "rabbitmq"?)',
      ),
      found.join("\n"),
    );
  });
});

describe("stack config: namespace typos", () => {
  const withKeys = (values: Record<string, unknown>, extra: string[]) => {
    const source = sourceOf(values);
    return { ...source, allKeys: () => [...source.keys().map((k) => `worker-platform:${k}`), ...extra] };
  };
  const problemsOf = (values: Record<string, unknown>, extra: string[]) => sourceProblems(withKeys(values, extra));

  it("a key under a misspelt project namespace is an error naming the key and the right one (the section would be silently missing)", () => {
    const found = problemsOf(minimalStack(), ["worker-platfom:workers", "Worker-Platform:services"]);
    assert.deepEqual(found, [
      'worker-platfom:workers: config namespace "worker-platfom" is not this project\'s; did you mean "worker-platform:workers"? (the program reads only worker-platform:* keys)',
      'Worker-Platform:services: config namespace "Worker-Platform" is not this project\'s; did you mean "worker-platform:services"? (the program reads only worker-platform:* keys)',
    ]);
  });

  it("provider and pulumi namespaces are left alone", () => {
    assert.deepEqual(
      problemsOf(minimalStack(), [
        "aws:region",
        "azure-native:location",
        "kubernetes:context",
        "pulumi:disable-default-providers",
      ]),
      [],
    );
  });
});

describe("stack file reader", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-stack-"));
    fs.writeFileSync(
      path.join(dir, "Pulumi.t.yaml"),
      [
        "config:",
        "  worker-platform:platform: { environment: t }",
        "  worker-platform:dbPassword:",
        "    secure: v1:AAAABBBBCCCC",
        "  worker-platform:secrets:",
        "    - name: s",
        "      data: { A: { fromConfig: dbPassword }, B: { fromConfig: notInFile } }",
        "  aws:region: eu-west-1",
      ].join("\n"),
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("turns secure values and unset referenced secrets into placeholder secrets", () => {
    const file = readStackFile("t", dir);
    assert.deepEqual(file.secretKeys.sort(), ["worker-platform:dbPassword", "worker-platform:notInFile"]);
    assert.equal(file.config["worker-platform:dbPassword"], "offline-placeholder-secret");
    assert.ok(!JSON.stringify(file.config).includes("AAAABBBBCCCC"));
    assert.equal(file.config["aws:region"], "eu-west-1");
    assert.deepEqual(JSON.parse(file.config["worker-platform:platform"]), { environment: "t" });
    assert.ok(file.notes.some((n) => n.includes("pulumi config set --secret notInFile")));
  });

  it("fails clearly for a stack without a file", () => {
    assert.throws(() => readStackFile("nope", dir), /no stack file .*Pulumi\.nope\.yaml/);
  });
});
