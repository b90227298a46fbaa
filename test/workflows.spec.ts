import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { loadConfig } from "../stacks/load.ts";
import { deployer as deployerSchema } from "../stacks/schema/index.ts";
import { readStackFile } from "../tools/stack-file.ts";

/**
 * The deploy pipeline's cloud logins (.github/workflows): each must last as long as the job may run, because a first
 * `pulumi up` creates clusters, waits for role propagation and installs add-ons, well over the 10 minutes an
 * `azure/login` session lasts (Azure/azure-cli#28708) or the default hour of an AWS OIDC session.
 */
const root = path.resolve(import.meta.dirname, "..");

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
}
interface Job {
  "timeout-minutes"?: number;
  strategy?: { matrix?: { stack?: unknown[] } };
  steps?: Step[];
}
interface Workflow {
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const WORKFLOWS = ["deploy.yml", "preview.yml"];
const readWorkflow = (wf: string) =>
  parse(fs.readFileSync(path.join(root, ".github", "workflows", wf), "utf8")) as Workflow;

/** What configure-aws-credentials gives an OIDC session without role-duration-seconds (its README). */
const AWS_DEFAULT_SESSION_SECONDS = 3600;
/** The shortest session a `pulumi up` job may have: a first up of prod runs for more than an hour. */
const MIN_UP_SESSION_SECONDS = 2 * 3600;
/** kubelogin gets GitHub OIDC tokens itself in workloadidentity mode from this release on (Azure/kubelogin#366). */
const KUBELOGIN_GITHUB_OIDC = [0, 0, 34];

/** The stacks a job's pulumi step runs on (`${{ matrix.stack }}` expanded), with the step. */
function pulumiRuns(job: Job): { stack: string; step: Step; index: number }[] {
  const out: { stack: string; step: Step; index: number }[] = [];
  (job.steps ?? []).forEach((step, index) => {
    if (!String(step.uses ?? "").startsWith("pulumi/actions@")) return;
    const name = String(step.with?.["stack-name"] ?? "");
    const stacks = /\$\{\{\s*matrix\.stack\s*\}\}/.test(name)
      ? (job.strategy?.matrix?.stack ?? []).map(String)
      : [name.split("/").pop()!];
    for (const stack of stacks) out.push({ stack, step, index });
  });
  return out;
}

/** The clouds of a stack's clusters, from its stack file. */
function cloudsOf(stack: string): Set<string> {
  const file = readStackFile(stack, root);
  const clusters = JSON.parse(file.config["worker-platform:clusters"] ?? "[]") as { cloud: string }[];
  return new Set(clusters.map((c) => c.cloud));
}

const version = (v: string) => v.replace(/^v/, "").split(".").map(Number);
const atLeast = (v: number[], min: number[]) => {
  for (let i = 0; i < min.length; i++) if ((v[i] ?? 0) !== min[i]) return (v[i] ?? 0) > min[i];
  return true;
};

describe("workflows: cloud logins last the whole job", () => {
  for (const wf of WORKFLOWS) {
    describe(wf, () => {
      const doc = readWorkflow(wf);
      const jobs = Object.entries(doc.jobs).filter(([, job]) => pulumiRuns(job).length > 0);

      it("runs pulumi in at least one job, with OIDC (id-token: write) and no long-lived cloud secret", () => {
        assert.ok(jobs.length > 0);
        assert.equal(doc.permissions?.["id-token"], "write");
        const text = fs.readFileSync(path.join(root, ".github", "workflows", wf), "utf8");
        for (const key of ["ARM_CLIENT_SECRET", "AZURE_CLIENT_SECRET", "AWS_SECRET_ACCESS_KEY", "creds:"])
          assert.ok(!text.includes(key), `${wf} uses ${key}`);
      });

      for (const [name, job] of jobs) {
        const runs = pulumiRuns(job);
        const aks = runs.filter((r) => cloudsOf(r.stack).has("azure"));
        const eks = runs.filter((r) => cloudsOf(r.stack).has("aws"));

        it(`${name}: a timeout, so the sessions below can be sized to it`, () => {
          assert.ok((job["timeout-minutes"] ?? 0) > 0, `${name} has no timeout-minutes`);
        });

        if (aks.length > 0) {
          it(`${name}: AKS through kubelogin in workloadidentity mode (GitHub OIDC renewed per token), not an az login session`, () => {
            for (const { stack, step, index } of aks) {
              const where = `${name} (${stack})`;
              const configMap = parse(String(step.with?.["config-map"] ?? "")) as Record<
                string,
                { value: string; secret?: boolean }
              > | null;
              const entry = configMap?.["worker-platform:deployer"];
              assert.ok(entry, `${where}: config-map does not set worker-platform:deployer`);
              assert.equal(entry.secret ?? false, false, where);
              const deployer = deployerSchema.parse(JSON.parse(entry.value));
              assert.equal(deployer.kubeloginMode, "workloadidentity", where);

              const env = step.env ?? {};
              for (const key of [
                "ARM_CLIENT_ID",
                "ARM_TENANT_ID",
                "ARM_SUBSCRIPTION_ID",
                "AZURE_CLIENT_ID",
                "AZURE_TENANT_ID",
              ])
                assert.ok(String(env[key] ?? "").includes("vars."), `${where}: ${key}`);
              // azure-native renews its own GitHub OIDC token with ARM_USE_OIDC; kubelogin uses the same app.
              assert.equal(env.ARM_USE_OIDC, "true", where);
              assert.equal(
                env.AZURE_CLIENT_ID,
                env.ARM_CLIENT_ID,
                `${where}: kubelogin and azure-native log in as one app`,
              );

              const before = (job.steps ?? []).slice(0, index);
              const kubelogin = before.find((s) => String(s.uses).startsWith("azure/use-kubelogin@"));
              assert.ok(kubelogin, `${where}: kubelogin is not installed before pulumi runs`);
              const v = String(kubelogin.with?.["kubelogin-version"] ?? "");
              assert.ok(
                atLeast(version(v), KUBELOGIN_GITHUB_OIDC),
                `${where}: kubelogin ${v} has no GitHub OIDC support`,
              );
              // Its Azure CLI session would expire after 10 minutes, and nothing needs it any more.
              assert.ok(!before.some((s) => String(s.uses).startsWith("azure/login@")), `${where}: azure/login`);
            }
          });

          it(`${name}: the stack file with the job's deployer setting is valid and selects workloadidentity`, () => {
            for (const { stack, step } of aks) {
              const file = readStackFile(stack, root);
              const configMap = parse(String(step.with?.["config-map"])) as Record<string, { value: string }>;
              const over = Object.fromEntries(
                Object.entries(configMap).map(([k, v]) => [k.replace(/^worker-platform:/, ""), v.value]),
              );
              const keys = [
                ...Object.keys(file.config)
                  .filter((k) => k.startsWith("worker-platform:"))
                  .map((k) => k.split(":")[1]),
                ...Object.keys(over),
              ];
              const { config } = loadConfig({
                keys: () => [...new Set(keys)],
                get: (k) => over[k] ?? file.config[`worker-platform:${k}`],
                isSecret: (k) => file.secretKeys.includes(`worker-platform:${k}`),
              });
              assert.equal(config.deployer.kubeloginMode, "workloadidentity", stack);
              // The exported kubeconfig keeps the people's mode from the stack file.
              for (const c of config.clusters)
                if (c.cloud === "azure") assert.notEqual(c.azure.kubeloginMode, "workloadidentity", c.name);
            }
          });
        }

        if (eks.length > 0) {
          it(`${name}: an AWS session at least as long as the job may run (and two hours for \`up\`)`, () => {
            for (const { stack, step, index } of eks) {
              const where = `${name} (${stack})`;
              const aws = (job.steps ?? [])
                .slice(0, index)
                .find((s) => String(s.uses).startsWith("aws-actions/configure-aws-credentials@"));
              assert.ok(aws, `${where}: no configure-aws-credentials before pulumi`);
              const seconds = Number(aws.with?.["role-duration-seconds"] ?? AWS_DEFAULT_SESSION_SECONDS);
              assert.ok(seconds <= 43200, `${where}: IAM sessions last at most 12 hours`);
              assert.ok(
                seconds >= (job["timeout-minutes"] ?? Infinity) * 60,
                `${where}: a ${seconds}s session in a job of up to ${job["timeout-minutes"]} minutes`,
              );
              if (step.with?.command === "up")
                assert.ok(seconds >= MIN_UP_SESSION_SECONDS, `${where}: ${seconds}s is too short for a first up`);
            }
          });
        }
      }
    });
  }

  it("the shipped stacks that CI deploys include AKS and EKS clusters (the checks above are not vacuous)", () => {
    const clouds = WORKFLOWS.flatMap((wf) =>
      Object.values(readWorkflow(wf).jobs).flatMap((job) => pulumiRuns(job).flatMap((r) => [...cloudsOf(r.stack)])),
    );
    assert.ok(clouds.includes("azure"));
    assert.ok(clouds.includes("aws"));
  });
});
