import * as assert from "assert";
import { kedaTriggerCredentials, noPlaintextSecrets, secretLooking } from "../policy/rules/secrets";
import { check, deployment, NS, podSpec, redisTrigger, res, scaledObject, securedContainer } from "./helpers/policy";

describe("policy: secrets", () => {
  describe("no-plaintext-secrets", () => {
    const cm = (data: Record<string, string>) => res("kubernetes:core/v1:ConfigMap", "cfg", { metadata: { name: "cfg", namespace: NS }, data });
    it("passes plain settings and env from secretKeyRef", async () => {
      const env = [
        { name: "LOG_LEVEL", value: "info" },
        { name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "hf-token", key: "HF_TOKEN" } } },
        { name: "TOKEN_PATH", value: "/var/run/secrets/token" },
      ];
      const d = deployment("w", podSpec({}, securedContainer("worker", { env })));
      assert.deepStrictEqual(await check(noPlaintextSecrets, [cm({ QUEUE: "jobs", REDIS_HOST: "jobs-redis:6379" }), d]), []);
    });
    it("fails secret-looking ConfigMap keys and literal env values", async () => {
      const env = [{ name: "API_KEY", value: "s3cr3t-value-123" }, { name: "DSN", value: "postgres://app:hunter22@db:5432/app" }];
      const d = deployment("w", podSpec({}, securedContainer("worker", { env })));
      const vs = await check(noPlaintextSecrets, [cm({ DB_PASSWORD: "correct-horse-battery" }), d]);
      assert.strictEqual(vs.length, 3, vs.map((v) => v.message).join("\n"));
      assert.ok(vs.every((v) => v.enforcementLevel === "mandatory"));
    });
    it("recognises token formats whatever the name", () => {
      assert.match(secretLooking("X", "AKIAABCDEFGHIJKLMNOP")!, /AWS access key/);
      assert.strictEqual(secretLooking("PASSWORD", "changeme"), undefined);
    });
  });

  describe("keda-trigger-credentials-via-auth-ref", () => {
    it("passes triggers that use authenticationRef", async () => {
      assert.deepStrictEqual(await check(kedaTriggerCredentials, [scaledObject("so", "w")]), []);
    });
    it("fails passwords, *FromEnv credentials and URLs with credentials in metadata", async () => {
      const triggers = [
        redisTrigger({ password: "hunter2hunter2" }),
        { type: "rabbitmq", metadata: { hostFromEnv: "RABBITMQ_URL", queueName: "q", mode: "QueueLength", value: "5" } },
        { type: "rabbitmq", metadata: { host: "amqp://user:pw@rabbit:5672/", queueName: "q" } },
      ];
      const vs = await check(kedaTriggerCredentials, [scaledObject("so", "w", { triggers })]);
      assert.strictEqual(vs.length, 3, vs.map((v) => v.message).join("\n"));
      assert.match(vs[0].message, /metadata.password carries a credential/);
    });
  });
});
