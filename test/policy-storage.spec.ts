import * as assert from "assert";
import { claimVolumes, jobClaimsBounded } from "../policy/rules/storage.ts";
import { check, podSpec, res, scaledJob } from "./helpers/policy.ts";
import { NS } from "./helpers/policy.ts";

const claim = { name: "scratch", persistentVolumeClaim: { claimName: "render-scratch" } };
const ephemeral = { name: "work", ephemeral: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"] } } } };
/** A ScaledJob whose Jobs mount `volumes`, with jobTargetRef fields `job` and pod template annotations. */
function job(volumes: object[], jobFields: object = {}, annotations?: Record<string, string>) {
  const r = scaledJob("render", podSpec({ volumes }));
  const spec = r.inputs.spec as { jobTargetRef: Record<string, unknown> & { template: Record<string, unknown> } };
  Object.assign(spec.jobTargetRef, jobFields);
  if (annotations) spec.jobTargetRef.template.metadata = { annotations };
  return r;
}

describe("policy: job-claims-bounded", () => {
  it("passes a job-mode pod with a claim and a bounded deadline, or no claim at all", async () => {
    assert.deepStrictEqual(await check(jobClaimsBounded, [job([claim], { activeDeadlineSeconds: 9600 })]), []);
    assert.deepStrictEqual(await check(jobClaimsBounded, [job([{ name: "tmp", emptyDir: {} }])]), []);
  });

  it("fails a claim (or a generic ephemeral volume) without activeDeadlineSeconds", async () => {
    const vs = await check(jobClaimsBounded, [job([claim, ephemeral])]);
    assert.equal(vs.length, 1);
    assert.match(
      vs[0].message,
      /ScaledJob wp-workloads\/render: mounts claim volumes scratch, work but its Jobs have no activeDeadlineSeconds/,
    );
  });

  it("fails a deadline above maxDeadlineSeconds (default one day, configurable)", async () => {
    const long = job([claim], { activeDeadlineSeconds: 200_000 });
    assert.match((await check(jobClaimsBounded, [long]))[0].message, /activeDeadlineSeconds 200000, above the 86400 s/);
    assert.deepStrictEqual(
      await check(jobClaimsBounded, [long], { config: { "job-claims-bounded": { maxDeadlineSeconds: 300_000 } } }),
      [],
    );
  });

  it('passes safe-to-evict "true": the autoscaler may evict the pod and the Job runs again', async () => {
    const evictable = job([claim], {}, { "cluster-autoscaler.kubernetes.io/safe-to-evict": "true" });
    assert.deepStrictEqual(await check(jobClaimsBounded, [evictable]), []);
    const pinned = job([claim], {}, { "cluster-autoscaler.kubernetes.io/safe-to-evict": "false" });
    assert.equal((await check(jobClaimsBounded, [pinned])).length, 1);
  });

  it("ignores other kinds and exempt namespaces", async () => {
    const d = res("kubernetes:apps/v1:Deployment", "d", {
      metadata: { name: "d", namespace: NS },
      spec: { template: { spec: podSpec({ volumes: [claim] }) } },
    });
    assert.deepStrictEqual(await check(jobClaimsBounded, [d]), []);
    assert.deepStrictEqual(claimVolumes({ volumes: [claim, { name: "c", configMap: { name: "x" } }] }), ["scratch"]);
  });
});
