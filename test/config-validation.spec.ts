import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { z } from "zod";
import { ConfigError, loadConfig } from "../stacks/load.ts";
import { newestKubernetesVersion } from "../stacks/kubernetes-versions.ts";
import { imageReferenceProblem, parseDuration } from "../stacks/schema/common.ts";
import { runChecks, stackConfig } from "../stacks/schema/index.ts";
import type { StackConfig } from "../stacks/schema/index.ts";
import { main as planMain } from "../tools/plan.ts";
import { readStackFile } from "../tools/stack-file.ts";
import { configProblems, cpuWorker, minimalStack, sourceOf } from "./helpers/config.ts";

/*
 * Validation without holes: every malformed value is a config error naming its key, the bad value and what is
 * allowed; never a crash, never accepted. Each row: [what a user changed, the change, the one problem expected]; the
 * `accepted` rows are the same fields with good values, so each rule is tested both ways.
 */

type Stack = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Row = [string, (s: Stack) => void, RegExp];

const service = (over: Record<string, unknown> = {}) => ({
  name: "api",
  image: "ghcr.io/acme/api:1.0.0",
  port: 8080,
  resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } },
  replicas: { min: 1, max: 2 },
  ...over,
});

/** One AKS cluster (minimalStack), one EKS cluster, a redis queue, a worker and a service. */
function base(): Stack {
  const s = minimalStack() as Stack;
  s.clusters.push({
    name: "c2",
    cloud: "aws",
    region: "eu-west-1",
    kubernetesVersion: "1.34",
    pools: [{ name: "system", role: "system", machineTypes: ["m6i.xlarge"], min: 1, max: 3 }],
  });
  s.queues = [{ name: "q", kind: "redis" }];
  s.workers = [cpuWorker()];
  s.services = [service()];
  return s;
}

const aks = (s: Stack) => s.clusters[0];
const eks = (s: Stack) => s.clusters[1];

function problemsAfter(change: (s: Stack) => void): string[] {
  const s = base();
  change(s);
  return configProblems(s);
}

/** Runs rejection rows: exactly one problem each, matching; never zod's bare "Invalid input". */
function rejects(rows: Row[]): void {
  for (const [what, change, expected] of rows) {
    it(what, () => {
      const found = problemsAfter(change);
      assert.equal(found.length, 1, `expected one problem, got:\n${found.join("\n")}`);
      assert.match(found[0], expected);
      assert.doesNotMatch(found[0], /Invalid input|Invalid key in record|Invalid string/);
    });
  }
}

/** Runs acceptance rows: the change leaves the stack valid. */
function accepts(rows: [string, (s: Stack) => void][]): void {
  for (const [what, change] of rows) it(`accepts ${what}`, () => assert.deepEqual(problemsAfter(change), []));
}

/** An external RabbitMQ queue `r` whose password is in Secret `secret`, which the stack also declares; no workers. */
function withExternalRabbit(s: Stack, secret: string): void {
  s.queues = [
    {
      name: "r",
      kind: "rabbitmq",
      mode: "external",
      host: "mq.example.com",
      passwordSecret: { secret, key: "password" },
    },
  ];
  s.secrets = [{ name: secret, data: { username: { generate: {} }, password: { generate: {} } } }];
  s.workers = [];
}

describe("validation: the base stack of these tables is valid", () => {
  it("has no problem", () => assert.deepEqual(configProblems(base()), []));
});

describe("validation: durations share one parser, whose failure is a config error", () => {
  rejects([
    [
      "a space in an AKS minutes-only field (used to crash with a stack trace)",
      (s) => (aks(s).autoscaler = { scaleDownUnneededTime: "3 m" }),
      /^clusters\[0\]\.autoscaler\.scaleDownUnneededTime: must be a duration such as 30s, 10m or 1h30m \(whole numbers with the units h, m, s, largest first\), got "3 m"$/,
    ],
    [
      "a unit the autoscaler does not know",
      (s) => (aks(s).autoscaler = { maxNodeProvisionTime: "15min" }),
      /^clusters\[0\]\.autoscaler\.maxNodeProvisionTime: must be a duration .*got "15min"$/,
    ],
    [
      "a fraction",
      (s) => (eks(s).autoscaler = { scaleDownDelayAfterAdd: "1.5h" }),
      /^clusters\[1\]\.autoscaler\.scaleDownDelayAfterAdd: must be a duration .*got "1\.5h"$/,
    ],
    [
      "units out of order",
      (s) => (eks(s).autoscaler = { scaleDownUnneededTime: "30m1h" }),
      /^clusters\[1\]\.autoscaler\.scaleDownUnneededTime: must be a duration .*largest first\), got "30m1h"$/,
    ],
    [
      "an empty duration",
      (s) => (eks(s).autoscaler = { scanInterval: "" }),
      /^clusters\[1\]\.autoscaler\.scanInterval: must be a duration .*got ""$/,
    ],
    [
      "a zero scan interval",
      (s) => (eks(s).autoscaler = { scanInterval: "0s" }),
      /^clusters\[1\]\.autoscaler\.scanInterval: must be at least 1s, got "0s"$/,
    ],
    [
      "a duration longer than Go holds",
      (s) => (eks(s).autoscaler = { scaleDownUnneededTime: "9999999999h" }),
      /^clusters\[1\]\.autoscaler\.scaleDownUnneededTime: must be at most 2562047h \(the longest duration Go holds\)/,
    ],
    [
      "a Prometheus scrape interval in hours",
      (s) => (s.addons = { prometheus: { scrapeInterval: "1h" } }),
      /^addons\.prometheus\.scrapeInterval: must be a duration such as 15s, 1m or 1m30s \(whole numbers with the units m, s, largest first\), got "1h"$/,
    ],
    [
      "a Prometheus retention of 0",
      (s) => (s.addons = { prometheus: { retention: "0d" } }),
      /^addons\.prometheus\.retention: must be at least 1s, got "0d"$/,
    ],
  ]);
  accepts([
    ["compound durations on EKS", (s) => (eks(s).autoscaler = { scaleDownUnneededTime: "1h30m", scanInterval: "90s" })],
    [
      "whole minutes written in hours and minutes on AKS",
      (s) => (aks(s).autoscaler = { maxNodeProvisionTime: "1h5m" }),
    ],
    ["a compound retention", (s) => (s.addons = { prometheus: { retention: "2w3d", scrapeInterval: "1m30s" } })],
  ]);
  it("the parser: seconds for each form, undefined (never a throw) for anything else", () => {
    assert.deepEqual(
      ["90s", "10m", "1h30m", "2w", "1d12h"].map((d) => parseDuration(d)),
      [90, 600, 5400, 1209600, 129600],
    );
    for (const bad of ["", "10", "m10", "1.5h", "10ms", "-5m", "1h1h", "30m1h", " 10m", "10m ", "1e3s"])
      assert.equal(parseDuration(bad), undefined, bad);
    assert.equal(parseDuration("1w", ["h", "m", "s"]), undefined, "units outside the field's set");
  });
});

describe("validation: CIDRs are parsed (ipaddr.js), not only shaped", () => {
  const ranges =
    (...r: string[]) =>
    (s: Stack) =>
      (aks(s).azure = { apiServerAuthorizedIpRanges: r });
  rejects([
    [
      "an octet above 255",
      ranges("203.0.113.300/24"),
      /^clusters\[0\]\.azure\.apiServerAuthorizedIpRanges\[0\]: must be an IPv4 CIDR such as 10\.0\.0\.0\/16 \(four numbers 0-255, prefix 0-32\), got "203\.0\.113\.300\/24"$/,
    ],
    [
      "a prefix above 32",
      (s) => (eks(s).aws = { publicAccessCidrs: ["203.0.113.0/44"] }),
      /^clusters\[1\]\.aws\.publicAccessCidrs\[0\]: must be an IPv4 CIDR .*got "203\.0\.113\.0\/44"$/,
    ],
    [
      "host bits set where a network is expected",
      ranges("203.0.113.5/24"),
      /^clusters\[0\]\.azure\.apiServerAuthorizedIpRanges\[0\]: has host bits set .*write 203\.0\.113\.0\/24 for the range, or 203\.0\.113\.5\/32 for the one address, got "203\.0\.113\.5\/24"$/,
    ],
    [
      "an address without a prefix",
      ranges("203.0.113.5"),
      /^clusters\[0\]\.azure\.apiServerAuthorizedIpRanges\[0\]: .*add the prefix length, e\.g\. 203\.0\.113\.5\/32/,
    ],
    ["leading zeros", ranges("010.0.0.0/8"), /without leading zeros and a decimal prefix, got "010\.0\.0\.0\/8"$/],
    [
      "IPv6 where the cloud API takes IPv4",
      ranges("fd00::/8"),
      /^clusters\[0\]\.azure\.apiServerAuthorizedIpRanges\[0\]: must be an IPv4 CIDR .*IPv6 is not accepted here/,
    ],
    [
      "a non-canonical IPv6 NetworkPolicy CIDR",
      (s) => (s.workers[0].egress = [{ cidr: "2001:DB8:0::/32" }]),
      /^workers\[0\]\.egress\[0\]\.cidr: must be written in canonical form: 2001:db8::\/32/,
    ],
    [
      "an IPv6 egress CIDR with host bits",
      (s) => (s.workers[0].egress = [{ cidr: "2001:db8::1/32" }]),
      /^workers\[0\]\.egress\[0\]\.cidr: has host bits set .*write 2001:db8::\/32 for the range, or 2001:db8::1\/128/,
    ],
    [
      "a VPC too small for the platform's subnets",
      (s) => (eks(s).aws = { vpcCidr: "10.0.0.0/25" }),
      /^clusters\[1\]\.aws\.vpcCidr: must have a prefix from \/16 to \/24 .*got "10\.0\.0\.0\/25"$/,
    ],
    [
      "a VPC larger than AWS allows",
      (s) => (eks(s).aws = { vpcCidr: "10.0.0.0/8" }),
      /^clusters\[1\]\.aws\.vpcCidr: must have a prefix from \/16 to \/24/,
    ],
    [
      "an empty EKS public endpoint allow-list (EKS reads it as open to all)",
      (s) => (eks(s).aws = { publicAccessCidrs: [] }),
      /^clusters\[1\]\.aws\.publicAccessCidrs: is empty, which EKS reads as open to every address \(0\.0\.0\.0\/0\); .*got \[\]$/,
    ],
    [
      "authorized IP ranges on a private AKS cluster",
      (s) => (aks(s).azure = { privateCluster: true, apiServerAuthorizedIpRanges: ["203.0.113.0/24"] }),
      /^clusters\[0\]\.azure\.apiServerAuthorizedIpRanges: a private cluster has no public API server to restrict/,
    ],
  ]);
  accepts([
    ["a network, a single address and everything", ranges("203.0.113.0/24", "203.0.113.5/32", "0.0.0.0/0")],
    ["a /24 VPC", (s) => (eks(s).aws = { vpcCidr: "10.1.2.0/24" })],
    [
      "no allow-list on a private-only EKS endpoint",
      (s) => (eks(s).aws = { endpointPublicAccess: false, publicAccessCidrs: [] }),
    ],
    ["IPv6 NetworkPolicy CIDRs", (s) => (s.workers[0].egress = [{ cidr: "::/0" }, { cidr: "fd00::/8", ports: [443] }])],
  ]);
});

describe("validation: image references follow the OCI distribution grammar", () => {
  const image = (ref: string) => (s: Stack) => (s.workers[0].image = ref);
  const at = /^workers\[0\]\.image: must be an image reference pinned to a version tag or digest, e\.g\. .*; this one /;
  const digest = "a".repeat(64);
  const row = (what: string, ref: string, why: RegExp): Row => [
    what,
    image(ref),
    new RegExp(`${at.source}${why.source}.*, got ${JSON.stringify(ref).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`),
  ];
  rejects([
    row(
      "an uppercase repository path",
      "ghcr.io/Acme/worker:1.0",
      /has an uppercase repository path "Acme\/worker": repository paths are lowercase/,
    ),
    row(
      "an uppercase first component without a dot (not a registry)",
      "Acme/worker:1.0",
      /has an uppercase repository path/,
    ),
    row("an empty path component", "ghcr.io//worker:1.0", /has an invalid repository path component ""/),
    row("a trailing separator", "ghcr.io/acme/worker-:1.0", /has an invalid repository path component "worker-"/),
    row("a tag with a character outside [\\w.-]", "ghcr.io/acme/worker:1.0+build", /has an invalid tag "1\.0\+build"/),
    row("a tag starting with a dot", "ghcr.io/acme/worker:.1", /has an invalid tag "\.1"/),
    row("a tag of 129 characters", `ghcr.io/acme/worker:${"a".repeat(129)}`, /has an invalid tag/),
    row("an empty tag", "ghcr.io/acme/worker:", /has an invalid tag ""/),
    row(
      "a short digest",
      "ghcr.io/acme/worker@sha256:abc",
      /has an invalid digest: it must be sha256: followed by 64 lowercase hex digits/,
    ),
    row("an uppercase digest", `ghcr.io/acme/worker@sha256:${"A".repeat(64)}`, /has an invalid digest/),
    row("an unknown digest algorithm", `ghcr.io/acme/worker@md5:${digest}`, /has an invalid digest/),
    row("a bad registry host", "ghcr-.io/acme/worker:1.0", /has an invalid registry host "ghcr-\.io"/),
    row(
      "no tag (means latest)",
      "ghcr.io/acme/worker",
      /has no tag, which means latest: pin a version tag or a digest/,
    ),
    row("the latest tag", "ghcr.io/acme/worker:latest", /uses the moving tag latest/),
  ]);
  accepts([
    ["a version tag", image("ghcr.io/acme/worker:1.4.2")],
    ["a digest", image(`ghcr.io/acme/worker@sha256:${digest}`)],
    ["latest pinned by a digest", image(`ghcr.io/acme/worker:latest@sha256:${digest}`)],
    ["a registry with a port", image("registry.example.com:5000/team/sub_group/worker__x:v1_2-rc.3")],
    ["localhost", image("localhost/worker:1")],
    ["a Docker Hub short name", image("redis:8.2.3-alpine")],
  ]);
  it("the empty reference", () => assert.equal(imageReferenceProblem(""), "is empty"));
});

describe("validation: Kubernetes versions have an upper bound per cloud", () => {
  rejects([
    [
      "a minor AKS does not offer yet",
      (s) => (aks(s).kubernetesVersion = "1.99"),
      /^clusters\[0\]\.kubernetesVersion: must be at most 1\.\d+, the newest version AKS offers \(https:\/\/learn\.microsoft\.com\/azure\/aks\/supported-kubernetes-versions, checked \d{4}-\d\d-\d\d\); .*stacks\/kubernetes-versions\.ts, got "1\.99"$/,
    ],
    [
      "a minor EKS does not offer yet",
      (s) => (eks(s).kubernetesVersion = `1.${Number(newestKubernetesVersion("aws").split(".")[1]) + 1}`),
      /^clusters\[1\]\.kubernetesVersion: must be at most 1\.\d+, the newest version EKS offers/,
    ],
    [
      "an unquoted version YAML reads as a number",
      (s) => (aks(s).kubernetesVersion = 1.3),
      /^clusters\[0\]\.kubernetesVersion: must be string \(quote it: YAML reads an unquoted 1\.30 as the number 1\.3\), got 1\.3$/,
    ],
  ]);
  accepts([["the newest AKS minor", (s) => (aks(s).kubernetesVersion = newestKubernetesVersion("azure"))]]);
});

describe("validation: numeric bounds", () => {
  rejects([
    [
      "replicas above int32",
      (s) => (s.workers[0].replicas = { min: 0, max: 2 ** 31 }),
      /^workers\[0\]\.replicas\.max: must be at most 2147483647 \(Kubernetes stores it as a 32-bit integer\), got 2147483648$/,
    ],
    [
      "a priority below int32",
      (s) => (s.priorityClasses = { values: { background: -(2 ** 31) - 1 } }),
      /^priorityClasses\.values\.background: must be at least -2147483648/,
    ],
    [
      "a fractional replica count",
      (s) => (s.services[0].replicas = { min: 1, max: 2.5 }),
      /^services\[0\]\.replicas\.max: must be a whole number, got 2\.5$/,
    ],
    [
      "an AKS pool above 1,000 nodes",
      (s) => aks(s).pools.push({ name: "cpu", machineTypes: ["Standard_D4s_v5"], min: 0, max: 1001 }),
      /^clusters\[0\]\.pools\[1\]\.max: must be at most 1000: AKS allows at most 1,000 nodes per node pool; split the pool into several, got 1001$/,
    ],
    [
      "an EKS managed node group above the 450-node quota",
      (s) => eks(s).pools.push({ name: "cpu", machineTypes: ["m6i.xlarge"], min: 0, max: 451 }),
      /^clusters\[1\]\.pools\[1\]\.max: must be at most 450: the EKS quota "Nodes per managed node group" defaults to 450/,
    ],
    [
      "a quoted number",
      (s) => (s.services[0].port = "8080"),
      /^services\[0\]\.port: must be number \(remove the quotes: a quoted number is a string\), got "8080"$/,
    ],
    [
      "one value where a list is expected",
      (s) => (aks(s).pools[0].machineTypes = "Standard_D4s_v5"),
      /^clusters\[0\]\.pools\[0\]\.machineTypes: must be array \(a list: write \[Standard_D4s_v5\]\), got "Standard_D4s_v5"$/,
    ],
    [
      "a generated secret too short: its length is shown (it is not the secret)",
      (s) => (s.secrets = [{ name: "s", data: { k: { generate: { length: 8 } } } }]),
      /^secrets\[0\]\.data\.k\.generate\.length: Too small: expected number to be >=16, got 8$/,
    ],
    [
      "a memory size without its unit (8 bytes)",
      (s) => (s.workers[0].resources = { requests: { cpu: "1", memory: 8 }, limits: { memory: "8Gi" } }),
      /^workers\[0\]\.resources\.requests\.memory: is 8 bytes: add the unit, e\.g\. 8Gi or 8Mi \(a plain number is bytes\), got "8"$/,
    ],
    [
      "a volume size without its unit",
      (s) => (s.addons = { prometheus: { storageSize: 200 } }),
      /^addons\.prometheus\.storageSize: is 200 bytes: add the unit/,
    ],
    [
      "YAML .inf (passed on as its spelling by the stack-file reader)",
      (s) => (s.workers[0].replicas = { min: 0, max: ".inf" }),
      /^workers\[0\]\.replicas\.max: must be a finite number \(YAML's \.inf and \.nan are not numbers a Kubernetes field can hold\), got \.inf$/,
    ],
    [
      "YAML .nan in a float",
      (s) => (aks(s).autoscaler = { scaleDownUtilizationThreshold: ".nan" }),
      /^clusters\[0\]\.autoscaler\.scaleDownUtilizationThreshold: must be a finite number .*got \.nan$/,
    ],
  ]);
  accepts([
    [
      "a memory size in bytes",
      (s) => (s.services[0].resources = { requests: { cpu: "1", memory: 1073741824 }, limits: { memory: "1Gi" } }),
    ],
    [
      "an AKS pool of exactly 1,000 nodes",
      (s) => aks(s).pools.push({ name: "cpu", machineTypes: ["Standard_D4s_v5"], min: 0, max: 1000 }),
    ],
    ["replicas at int32's maximum", (s) => (s.workers[0].replicas = { min: 0, max: 2 ** 31 - 1 })],
  ]);
});

describe("validation: URLs are http(s)://host[:port][/path], host names are host names", () => {
  const externalQueue = (host: string) => (s: Stack) => {
    s.queues[0] = { name: "q", kind: "redis", mode: "external", host, passwordSecret: { secret: "s", key: "p" } };
    s.secrets = [{ name: "s", data: { p: { generate: {} } } }];
  };
  const external = (url: string) => (s: Stack) => (s.addons = { prometheus: { externalUrl: url } });
  rejects([
    [
      "an external Prometheus without a scheme",
      external("prometheus.monitoring:9090"),
      /^addons\.prometheus\.externalUrl: must be an http\(s\) URL such as http:\/\/prometheus\.monitoring\.svc:9090 \(scheme, host, optional port and path\), got "prometheus\.monitoring:9090"$/,
    ],
    [
      "another scheme",
      external("ftp://prom.example.com"),
      /^addons\.prometheus\.externalUrl: must be an http\(s\) URL/,
    ],
    [
      "a scheme without slashes",
      external("http:prom.example.com"),
      /^addons\.prometheus\.externalUrl: must be an http\(s\) URL/,
    ],
    [
      "a port above 65535",
      external("http://prom.example.com:70000"),
      /^addons\.prometheus\.externalUrl: must be an http\(s\) URL/,
    ],
    ["a query", external("http://prom.example.com/api?x=1"), /without a query or fragment/],
    [
      "credentials in the URL, which are not repeated",
      external("https://admin:hunter2@prom.example.com"),
      /must not hold credentials .*, got "https:\/\/\*\*\*@prom\.example\.com"$/,
    ],
    [
      "a trigger's serverAddress without a scheme",
      (s) =>
        (s.workers[0].trigger = { type: "prometheus", query: "up", threshold: 1, serverAddress: "prometheus:9090" }),
      /^workers\[0\]\.trigger\.serverAddress: must be an http\(s\) URL/,
    ],
    [
      "an external queue host written as a URL",
      externalQueue("redis://redis.example.com"),
      /^queues\[0\]\.host: must be a host name such as redis\.example\.com or an IP address, without scheme, port or path: drop the scheme/,
    ],
    [
      "an external queue host with a port",
      externalQueue("redis.example.com:6379"),
      /^queues\[0\]\.host: .*: put the port in port/,
    ],
  ]);
  accepts([
    ["an external queue host name", externalQueue("redis.example.com")],
    ["an external queue IP address", externalQueue("10.0.0.5")],
    ["an in-cluster service URL", external("http://prometheus-server.monitoring.svc:80")],
    ["an https URL with a path", external("https://prom.example.com/api/prom")],
  ]);
});

describe("validation: empty clusters lists, readable messages, real Secret collisions", () => {
  rejects([
    [
      "a worker with clusters: [] (it would deploy nowhere)",
      (s) => (s.workers[0].clusters = []),
      /^workers\[0\]\.clusters: is empty, so it would deploy nowhere: list at least one cluster, or remove clusters to deploy to every cluster, got \[\]$/,
    ],
    [
      "a service with clusters: []",
      (s) => (s.services[0].clusters = []),
      /^services\[0\]\.clusters: is empty, so it would deploy nowhere/,
    ],
    [
      "a secret data key with a space: the message says what a key may be",
      (s) => (s.secrets = [{ name: "s", data: { "HF TOKEN": { generate: {} } } }]),
      /^secrets\[0\]\.data\.HF TOKEN: key "HF TOKEN" must be a Secret data key: letters, digits, '-', '_' or '\.' \(e\.g\. HF_TOKEN\)$/,
    ],
    [
      "an env name with a dash",
      (s) => (s.workers[0].env = { "LOG-LEVEL": "debug" }),
      /^workers\[0\]\.env\.LOG-LEVEL: key "LOG-LEVEL" must be an environment variable name/,
    ],
    [
      "a label value with a space",
      (s) => (aks(s).pools[0].labels = { team: "ML Platform" }),
      /^clusters\[0\]\.pools\[0\]\.labels\.team: must be a Kubernetes label value/,
    ],
    [
      "a misspelt secret source: which forms are allowed, and did-you-mean",
      (s) => (s.secrets = [{ name: "s", data: { K: { fromconfig: "apiToken" } } }]),
      /^secrets\[0\]\.data\.K: must be \{ fromConfig: <config key> \} .* or \{ generate: \{ length: <16-128> \} \} .*; unknown key "fromconfig" \(did you mean "fromConfig"\?\)$/,
    ],
    [
      "an unknown expander in the chain",
      (s) => (eks(s).aws = { expander: "priority,least-wast" }),
      /^clusters\[1\]\.aws\.expander: must be expanders separated by commas, such as priority,least-waste; "least-wast" is not one of random, most-pods/,
    ],
    [
      "an Azure region as the portal displays it",
      (s) => (aks(s).region = "West Europe"),
      /^clusters\[0\]\.region: must be an Azure region name such as westeurope/,
    ],
    [
      "an AWS region with a typo",
      (s) => (eks(s).region = "eu-west1"),
      /^clusters\[1\]\.region: must be an AWS region code/,
    ],
    [
      "the same variable in env and secretEnv",
      (s) => {
        s.secrets = [{ name: "s", data: { K: { generate: {} } } }];
        s.workers[0].env = { K: "x" };
        s.workers[0].secretEnv = { K: { secret: "s", key: "K" } };
      },
      /^workers\[0\]\.secretEnv\.K: K is also under env: .*keep one/,
    ],
    [
      "a secret named like an in-cluster queue's own Secret",
      (s) => (s.secrets = [{ name: "q-auth", data: { k: { generate: {} } } }]),
      /^secrets\[0\]\.name: "q-auth" is the name of a Secret queue "q" creates; choose another name/,
    ],
    [
      "a secret named like an external rabbitmq's KEDA Secret",
      (s) => {
        withExternalRabbit(s, "r-keda");
      },
      /^secrets\[0\]\.name: "r-keda" is the name of a Secret queue "r" creates/,
    ],
  ]);
  accepts([
    ["clusters naming a cluster", (s) => (s.workers[0].clusters = ["c1"])],
    [
      "a secret named <queue>-keda next to an in-cluster queue (it creates only <queue>-auth)",
      (s) => (s.secrets = [{ name: "q-keda", data: { k: { generate: {} } } }]),
    ],
    [
      "secrets named <queue>-auth and <queue>-keda next to an external redis (it creates no Secret)",
      (s) => {
        s.queues = [
          {
            name: "q",
            kind: "redis",
            mode: "external",
            host: "10.0.0.5",
            passwordSecret: { secret: "q-auth", key: "p" },
          },
        ];
        s.secrets = [
          { name: "q-auth", data: { p: { generate: {} } } },
          { name: "q-keda", data: { p: { generate: {} } } },
        ];
      },
    ],
    [
      "a secret named <queue>-auth next to an external rabbitmq",
      (s) => {
        withExternalRabbit(s, "r-auth");
      },
    ],
  ]);
});

describe("validation: secrets", () => {
  const SECRET = "hf_Sup3rS3cretV4lue";
  const withSecret = (data: unknown, extra: Record<string, unknown> = {}) => ({
    ...base(),
    secrets: [{ name: "tok", data: { TOKEN: data } }],
    ...extra,
  });
  /** Every message of a config, as loadConfig reports them (a plain ConfigError; never a crash). */
  const messages = (values: Record<string, unknown>, secretKeys: string[] = []): string[] => {
    try {
      loadConfig(sourceOf(values, secretKeys));
      return [];
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return [err.message, ...err.problems];
    }
  };

  it("a plaintext value where a secret is expected is refused without being repeated", () => {
    const found = configProblems(withSecret(SECRET));
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(
      found[0],
      /^secrets\[0\]\.data\.TOKEN: .*a plaintext value is refused: store it with `pulumi config set --secret <key> <value>`/,
    );
    assert.match(found[0], /got a value that is not shown \(it may be a secret\)$/);
  });

  it("an empty config secret is an error (set, but to nothing)", () => {
    assert.deepEqual(configProblems(withSecret({ fromConfig: "apiToken" }, { apiToken: "" }), ["apiToken"]), [
      'secrets[0].data.TOKEN.fromConfig: config key "apiToken" is empty; set it with `pulumi config set --secret apiToken <value>`',
    ]);
    assert.deepEqual(configProblems(withSecret({ fromConfig: "apiToken" }, { apiToken: "x" }), ["apiToken"]), []);
  });

  it("no error message ever contains a secret's value", () => {
    const cases: [string, Record<string, unknown>, string[]][] = [
      ["plaintext data value", withSecret(SECRET), []],
      ["the value pasted as the config key name", withSecret({ fromConfig: SECRET }), []],
      ["the value under a misspelt source", withSecret({ fromconfig: SECRET }), []],
      ["the value under an unknown source key", withSecret({ value: SECRET }), []],
      ["the value as a generate length", withSecret({ generate: { length: SECRET } }), []],
      ["a config secret stored in plaintext", withSecret({ fromConfig: "apiToken" }, { apiToken: SECRET }), []],
      ["a secret config key nobody references", { ...base(), apiToken: SECRET }, ["apiToken"]],
      [
        "a structured key held as a secret, with a bad value inside",
        { ...base(), workers: [cpuWorker({ env: { TOKEN: 5 }, image: SECRET })] },
        ["workers"],
      ],
      [
        "credentials in a URL",
        { ...base(), addons: { prometheus: { externalUrl: `https://u:${SECRET}@p.example.com` } } },
        [],
      ],
      [
        "credentials in a queue host",
        {
          ...base(),
          queues: [
            {
              name: "q",
              kind: "redis",
              mode: "external",
              host: `u:${SECRET}@h`,
              passwordSecret: { secret: "s", key: "p" },
            },
          ],
          secrets: [{ name: "s", data: { p: { generate: {} } } }],
        },
        [],
      ],
    ];
    for (const [what, values, secretKeys] of cases) {
      const found = messages(values, secretKeys);
      assert.ok(found.length > 0 || what.includes("nobody references"), `${what}: expected a problem`);
      for (const m of found) assert.ok(!m.includes(SECRET), `${what}: the message repeats the secret:\n${m}`);
    }
  });
});

describe("validation: the error header counts every problem it lists", () => {
  it("three unknown keys in one object are three problems, and the header says 3", () => {
    const s = base();
    Object.assign(s.workers[0], { replcias: 1, imgae: "x", trigr: {} });
    try {
      loadConfig(sourceOf(s));
      assert.fail("expected a ConfigError");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const listed = err.message.split("\n").filter((l) => l.startsWith("  - "));
      assert.equal(err.problems.length, listed.length);
      assert.match(err.message, new RegExp(`^Invalid stack configuration \\(${listed.length} problems\\):`));
      assert.ok(listed.length >= 3, err.message);
      for (const k of ["replcias", "imgae", "trigr"])
        assert.ok(
          listed.some((l) => l.includes(`workers[0].${k}: unknown key`)),
          k,
        );
    }
  });
});

describe("validation: the stack file itself", () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-validation-"))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (stack: string, lines: string[]) =>
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), lines.join("\n"));

  it("a misspelt config: section is named, with did-you-mean (not every key reported missing)", () => {
    write("typo", ["conifg:", "  worker-platform:platform: { environment: t }"]);
    assert.throws(
      () => readStackFile("typo", dir),
      /^ConfigFileError: Pulumi\.typo\.yaml: unknown top-level key "conifg" \(did you mean "config"\?\); a stack file holds config, environment, secretsprovider, encryptedkey, encryptionsalt \(the program's settings go under config:\)$/,
    );
    write("ok", [
      "secretsprovider: passphrase",
      "encryptionsalt: v1:abc",
      "config:",
      "  worker-platform:platform: { environment: t }",
    ]);
    assert.doesNotThrow(() => readStackFile("ok", dir));
  });

  it("a key set twice, with and without its namespace", () => {
    write("twice", ["config:", "  platform: { environment: a }", "  worker-platform:platform: { environment: b }"]);
    assert.throws(() => readStackFile("twice", dir), /config key worker-platform:platform is set twice/);
  });

  it("YAML .inf and .nan reach the schema as their YAML spelling, an empty secure: as an empty secret", () => {
    write("odd", [
      "config:",
      "  worker-platform:platform: { environment: t, x: .inf, y: -.inf, z: .nan }",
      "  worker-platform:tok:",
      "    secure: ''",
    ]);
    const file = readStackFile("odd", dir);
    assert.deepEqual(JSON.parse(file.config["worker-platform:platform"]), {
      environment: "t",
      x: ".inf",
      y: "-.inf",
      z: ".nan",
    });
    assert.equal(file.config["worker-platform:tok"], "");
    assert.ok(file.secretKeys.includes("worker-platform:tok"));
  });
});

describe("validation: npm run plan on hurried edits of the shipped stacks", function () {
  this.timeout(120_000);
  let dir: string;
  const projectDir = path.resolve(import.meta.dirname, "..");
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "wp-hurry-"))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** `npm run plan -- <stack>` on a copy of the shipped stack file with each [from, to] replaced once. */
  async function planEdited(stack: string, edits: [string | RegExp, string][]) {
    let text = fs.readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8");
    for (const [from, to] of edits) {
      const next = text.replace(from, to);
      assert.notEqual(next, text, `${String(from)} not found in Pulumi.${stack}.yaml: update this test`);
      text = next;
    }
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
    const out: string[] = [];
    const { log, error } = console;
    console.log = console.error = (...a: unknown[]) => void out.push(a.map(String).join(" "));
    try {
      const code = await planMain([stack], { dir, outDir: path.join(dir, "out") });
      return { code, output: out.join("\n") };
    } finally {
      Object.assign(console, { log, error });
    }
  }

  const cases: [string, string, [string | RegExp, string][], RegExp][] = [
    [
      "a malformed AKS minutes-only duration",
      "dev",
      [["scaleDownUnneededTime: 3m", "scaleDownUnneededTime: 3 m"]],
      /clusters\[0\]\.autoscaler\.scaleDownUnneededTime: must be a duration such as 30s, 10m or 1h30m/,
    ],
    [
      "YAML .inf as a replica count",
      "dev",
      [["replicas: { min: 0, max: 2 }", "replicas: { min: 0, max: .inf }"]],
      /workers\[0\]\.replicas\.max: must be a finite number/,
    ],
    [
      "a misspelt config: section",
      "dev",
      [[/^config:/m, "conifg:"]],
      /unknown top-level key "conifg" \(did you mean "config"\?\)/,
    ],
    [
      "an empty secure: value",
      "dev",
      [["worker-platform:platform:", "worker-platform:huggingFaceToken:\n    secure: ''\n  worker-platform:platform:"]],
      /config key "huggingFaceToken" is empty/,
    ],
    [
      "an octet above 255",
      "prod",
      [["apiServerAuthorizedIpRanges: [203.0.113.0/24]", "apiServerAuthorizedIpRanges: [203.0.113.300/24]"]],
      /apiServerAuthorizedIpRanges\[0\]: must be an IPv4 CIDR/,
    ],
    [
      "a Kubernetes version no cloud offers",
      "prod",
      [['kubernetesVersion: "1.34"', 'kubernetesVersion: "1.99"']],
      /clusters\[0\]\.kubernetesVersion: must be at most/,
    ],
    [
      "an uppercase image path",
      "prod",
      [["ghcr.io/acme/api:3.1.0", "ghcr.io/Acme/api:3.1.0"]],
      /services\[0\]\.image: .*uppercase repository path/,
    ],
    ["replicas above int32", "local", [[/max: 1\n/, "max: 3000000000\n"]], /must be at most/],
  ];
  for (const [what, stack, edits, expected] of cases) {
    it(`${what} (${stack}): exit 2, the key and the fix, no stack trace`, async () => {
      const { code, output } = await planEdited(stack, edits);
      assert.equal(code, 2, output);
      assert.match(output, expected);
      assert.match(output, /No plan was written\. Fix Pulumi\.\w+\.yaml as shown above\./);
      assert.doesNotMatch(output, /^\s+at .*(:\d+:\d+\)?|<anonymous>\)?)$/m, "a stack trace");
      const header = /Invalid stack configuration \((\d+) problems?\)/.exec(output);
      if (header)
        assert.equal(Number(header[1]), output.split("\n").filter((l) => l.startsWith("  - ")).length, "header count");
    });
  }
});

describe("validation: every pattern and union of the schema says what is allowed", () => {
  type Def = {
    type: string;
    error?: unknown;
    checks?: { _zod: { def: { check: string; format?: string; error?: unknown } } }[];
    [k: string]: unknown;
  };
  /** Schema nodes whose failure would print zod's bare default ("Invalid input", "Invalid string: must match ..."). */
  function bare(schema: z.core.$ZodType, at: string, seen = new Set<unknown>()): string[] {
    if (seen.has(schema)) return [];
    seen.add(schema);
    const def = schema._zod.def as unknown as Def;
    const found = [
      ...(def.checks ?? [])
        .filter((c) => c._zod.def.check === "string_format" && !c._zod.def.error)
        .map((c) => `${at}: ${c._zod.def.format}`),
      ...(def.type === "union" && !def.error ? [`${at}: union`] : []),
    ];
    const children: [unknown, string][] = [
      [def.innerType, at],
      [def.in, at],
      [def.out, at],
      [def.element, `${at}[]`],
      [def.keyType, `${at}.<key>`],
      [def.valueType, `${at}.*`],
      ...Object.entries((def.shape as Record<string, unknown>) ?? {}).map(([k, v]): [unknown, string] => [
        v,
        `${at}.${k}`,
      ]),
      ...((def.options as unknown[]) ?? []).map((o): [unknown, string] => [o, at]),
    ];
    return [...found, ...children.flatMap(([c, p]) => (c ? bare(c as z.core.$ZodType, p, seen) : []))];
  }

  it("has a message on every pattern, format and union", () => {
    assert.deepEqual(bare(stackConfig, "(config)"), []);
  });

  it("the walk finds a bare pattern or union (so the test above can fail)", () => {
    const probe = z.strictObject({ a: z.string().regex(/x/), b: z.union([z.string(), z.number()]) });
    assert.deepEqual(bare(probe, "p"), ["p.a: regex", "p.b: union"]);
  });
});

describe("validation: a cross-field check that throws", () => {
  const throwing = () => {
    throw new RangeError("bug in a check");
  };
  const run = (issues: unknown[]) =>
    runChecks([throwing], {} as StackConfig, { issues, addIssue: () => undefined } as unknown as z.RefinementCtx);

  it("on data with field errors, is left to those errors (the user fixes them first)", () => {
    assert.doesNotThrow(() => run([{ code: "invalid_type" }]));
  });

  it("on well-formed data, surfaces as the bug it is, never as a valid config with the check skipped", () => {
    assert.throws(() => run([]), /bug in a check/);
  });

  it("zod hands the checks its parse payload with the issues so far (what runChecks relies on)", () => {
    let seen: unknown;
    // A format issue does not abort the object, so its refinements run, seeing that issue.
    z.object({ a: z.string().regex(/^x$/) })
      .superRefine((_v, ctx) => void (seen = (ctx as unknown as { issues?: unknown[] }).issues?.length))
      .safeParse({ a: "y" });
    assert.equal(seen, 1);
  });
});
