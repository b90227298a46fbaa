import * as assert from "assert";
import { kedaTriggerCredentials, noPlaintextSecrets, secretLooking } from "../policy/rules/secrets.ts";
import { check, deployment, NS, podSpec, redisTrigger, res, scaledObject, securedContainer } from "./helpers/policy.ts";

describe("policy: secrets", () => {
  describe("no-plaintext-secrets", () => {
    const cm = (data: Record<string, string>) =>
      res("kubernetes:core/v1:ConfigMap", "cfg", { metadata: { name: "cfg", namespace: NS }, data });
    it("passes plain settings and env from secretKeyRef", async () => {
      const env = [
        { name: "LOG_LEVEL", value: "info" },
        { name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "hf-token", key: "HF_TOKEN" } } },
        { name: "TOKEN_PATH", value: "/var/run/secrets/token" },
      ];
      const d = deployment("w", podSpec({}, securedContainer("worker", { env })));
      assert.deepStrictEqual(
        await check(noPlaintextSecrets, [cm({ QUEUE: "jobs", REDIS_HOST: "jobs-redis:6379" }), d]),
        [],
      );
    });
    it("fails secret-looking ConfigMap keys and literal env values", async () => {
      const env = [
        { name: "API_KEY", value: "s3cr3t-value-123" },
        { name: "DSN", value: "postgres://app:hunter22@db:5432/app" },
      ];
      const d = deployment("w", podSpec({}, securedContainer("worker", { env })));
      const vs = await check(noPlaintextSecrets, [cm({ DB_PASSWORD: "correct-horse-battery" }), d]);
      assert.strictEqual(vs.length, 3, vs.map((v) => v.message).join("\n"));
      assert.ok(vs.every((v) => v.enforcementLevel === "mandatory"));
    });
    it("fails short secrets under credential names: length is no placeholder", async () => {
      const env = [
        { name: "DB_PASSWORD", value: "hunter2" },
        { name: "REDIS_AUTH", value: "s3cr3t" },
        { name: "API_KEY", value: "abc" },
      ];
      const d = deployment("w", podSpec({}, securedContainer("worker", { env })));
      const vs = await check(noPlaintextSecrets, [cm({ SMTP_PASS: "pw1" }), d]);
      assert.strictEqual(vs.length, 4, vs.map((v) => v.message).join("\n"));
      assert.match(vs[0].message, /ConfigMap wp-workloads\/cfg: key 'SMTP_PASS' looks like a secret/);
      assert.match(
        vs[1].message,
        /env DB_PASSWORD is a literal secret-looking value \(its name 'DB_PASSWORD' says it is a credential\)/,
      );
      for (const [name, value] of [
        ["PASSWORD", "hunter2"],
        ["TOKEN", "x"],
        ["CLIENT_SECRET", "abc123"],
        ["DB_PASSWORD", "basic"],
        ["PASSWORD", "1234abcd"],
      ]) {
        assert.ok(secretLooking(name, value), `${name}=${value} should be flagged`);
      }
    });
    it("exempts only explicit placeholders under credential names", async () => {
      const placeholders = [
        "",
        "  ",
        "changeme",
        "CHANGEME",
        "<your-token>",
        "${HF_TOKEN}",
        "$(API_KEY)",
        "/var/run/secrets/token",
        "true",
        "False",
        "yes",
        "no",
        "on",
        "off",
        "0",
        "6379",
        "1.2",
        "none",
        "null",
        "nil",
        "unset",
        "disabled",
        "Enabled",
        "required",
        "optional",
      ];
      for (const value of placeholders)
        assert.strictEqual(secretLooking("DB_PASSWORD", value), undefined, `'${value}' is a placeholder`);
      // Settings whose names are not credential names pass whatever their value (the shipped stacks' kind of env).
      const env = [
        { name: "LOG_LEVEL", value: "debug" },
        { name: "AUTH_MODE", value: "oidc" },
        { name: "QUEUE_TLS", value: "true" },
        { name: "QUEUE_PORT", value: "6379" },
        { name: "QUEUE_HOST", value: "jobs-redis" },
        { name: "REDIS_AUTH", value: "disabled" },
        { name: "API_TOKEN", value: "$(TOKEN_FROM_SECRET)" },
        { name: "HF_TOKEN", value: "" },
      ];
      const d = deployment("w", podSpec({}, securedContainer("worker", { env })));
      assert.deepStrictEqual(
        await check(noPlaintextSecrets, [cm({ ADMIN_PASSWORD: "<set me>", PROXY_AUTH: "none" }), d]),
        [],
      );
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
        {
          type: "rabbitmq",
          metadata: { hostFromEnv: "RABBITMQ_URL", queueName: "q", mode: "QueueLength", value: "5" },
        },
        { type: "rabbitmq", metadata: { host: "amqp://user:pw@rabbit:5672/", queueName: "q" } },
      ];
      const vs = await check(kedaTriggerCredentials, [scaledObject("so", "w", { triggers })]);
      assert.strictEqual(vs.length, 3, vs.map((v) => v.message).join("\n"));
      assert.match(vs[0].message, /metadata.password carries a credential/);
    });
    it("fails a short secret under another credential-named metadata key", async () => {
      const vs = await check(kedaTriggerCredentials, [
        scaledObject("so", "w", { triggers: [redisTrigger({ dbPassword: "hunter2" })] }),
      ]);
      assert.strictEqual(vs.length, 1, vs.map((v) => v.message).join("\n"));
      assert.match(
        vs[0].message,
        /metadata.dbPassword looks like a secret \(its name 'dbPassword' says it is a credential\)/,
      );
    });
  });
});
