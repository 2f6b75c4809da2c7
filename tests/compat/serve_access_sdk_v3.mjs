// @aws-sdk/client-s3 (v3) against `worm serve` with two identities from
// --identities (secrets in the environment keychain) besides the root one:
// cross-user denial, a public-read bucket read by unsigned requests (the SDK
// with a no-op signer, and fetch), a bucket policy granting one prefix to
// one user, canned ACLs and the Get/PutObjectAcl round trip, Block Public
// Access refusing a public policy and ACL, BucketOwnerEnforced refusing ACLs
// (docs/serve-access.md).
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import readline from "node:readline";
import {
  S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, ListObjectsV2Command,
  ListBucketsCommand, PutBucketPolicyCommand, GetBucketPolicyCommand, DeleteBucketPolicyCommand,
  GetObjectAclCommand, PutObjectAclCommand, PutBucketAclCommand, GetBucketAclCommand,
  PutPublicAccessBlockCommand, GetPublicAccessBlockCommand, DeletePublicAccessBlockCommand,
  PutBucketOwnershipControlsCommand, GetBucketOwnershipControlsCommand,
} from "@aws-sdk/client-s3";

const here = path.dirname(fileURLToPath(import.meta.url));
const worm = process.env.WORM_BIN || path.join(here, "../../build/server/src/cli/worm");
const tmp = mkdtempSync(path.join(tmpdir(), "worm-access-sdk-"));
const rootCreds = { accessKeyId: "AKIDSDKROOT", secretAccessKey: "sdk-root-secret" };
const users = {
  alice: { accessKeyId: "AKIDSDKALICE", secretAccessKey: "sdk-alice-secret" },
  bob: { accessKeyId: "AKIDSDKBOB", secretAccessKey: "sdk-bob-secret" },
};

const env = { ...process.env };
const ids = { identities: {} };
for (const [id, c] of Object.entries(users)) {
  ids.identities[id] = { roles: [], accessKeys: [c.accessKeyId] };
  env[`WORM_SECRET_IDENTITY_${id.toUpperCase()}_${c.accessKeyId}`] = c.secretAccessKey;
}
writeFileSync(path.join(tmp, "identities.json"), JSON.stringify(ids));
mkdirSync(path.join(tmp, "root"));

function startServer() {
  const proc = spawn(worm, ["serve", "--root", path.join(tmp, "root"), "--port", "0", "--no-fsync",
    "--access-key", rootCreds.accessKeyId, "--secret-key", rootCreds.secretAccessKey,
    "--identities", path.join(tmp, "identities.json")], { stdio: ["ignore", "pipe", "inherit"], env });
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stdout });
    rl.once("line", (line) => {
      if (!line.startsWith("listening on ")) reject(new Error("bad first line: " + line));
      resolve({ proc, url: line.slice("listening on ".length) });
    });
    proc.once("exit", (code) => reject(new Error("worm serve exited: " + code)));
  });
}

const { proc, url } = await startServer();
const mk = (credentials, extra = {}) => new S3Client({ endpoint: url, region: "us-east-1",
  forcePathStyle: true, credentials, maxAttempts: 1, ...extra });
const alice = mk(users.alice);
const bob = mk(users.bob);
const root = mk(rootCreds);
// Unsigned: a signer that leaves the request as it is.
const anon = mk({ accessKeyId: "", secretAccessKey: "" }, { signer: { sign: async (r) => r } });

async function errorName(promise) {
  try { await promise; } catch (e) { return e.name || e.Code; }
  return null;
}
const text = async (out) => Buffer.from(await out.Body.transformToByteArray()).toString();

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test("cross-user denial", async () => {
  await alice.send(new CreateBucketCommand({ Bucket: "sdk-alice" }));
  await alice.send(new PutObjectCommand({ Bucket: "sdk-alice", Key: "a.txt", Body: "alice's" }));
  assert.equal(await text(await alice.send(new GetObjectCommand({ Bucket: "sdk-alice", Key: "a.txt" }))), "alice's");
  assert.equal(await errorName(bob.send(new GetObjectCommand({ Bucket: "sdk-alice", Key: "a.txt" }))), "AccessDenied");
  assert.equal(await errorName(bob.send(new PutObjectCommand({ Bucket: "sdk-alice", Key: "b", Body: "x" }))), "AccessDenied");
  assert.equal(await errorName(bob.send(new ListObjectsV2Command({ Bucket: "sdk-alice" }))), "AccessDenied");
  const bobs = (await bob.send(new ListBucketsCommand({}))).Buckets ?? [];
  assert.ok(!bobs.some((b) => b.Name === "sdk-alice"));
  const all = (await root.send(new ListBucketsCommand({}))).Buckets ?? [];
  assert.ok(all.some((b) => b.Name === "sdk-alice"));
});

test("public-read bucket read by unsigned requests", async () => {
  await alice.send(new CreateBucketCommand({ Bucket: "sdk-public", ACL: "public-read" }));
  await alice.send(new PutObjectCommand({ Bucket: "sdk-public", Key: "open.txt", Body: "hello", ACL: "public-read" }));
  await alice.send(new PutObjectCommand({ Bucket: "sdk-public", Key: "closed.txt", Body: "secret" }));
  const listed = (await anon.send(new ListObjectsV2Command({ Bucket: "sdk-public" }))).Contents.map((o) => o.Key);
  assert.deepEqual(listed.sort(), ["closed.txt", "open.txt"]);
  assert.equal(await text(await anon.send(new GetObjectCommand({ Bucket: "sdk-public", Key: "open.txt" }))), "hello");
  assert.equal(await errorName(anon.send(new GetObjectCommand({ Bucket: "sdk-public", Key: "closed.txt" }))), "AccessDenied");
  const plain = await fetch(`${url}/sdk-public/open.txt`);
  assert.equal(plain.status, 200);
  assert.equal(await plain.text(), "hello");
  const denied = await fetch(`${url}/sdk-public/closed.txt`);
  assert.equal(denied.status, 403);
  assert.match(await denied.text(), /<Code>AccessDenied<\/Code>/);
});

test("a policy grants one prefix to one user", async () => {
  await alice.send(new CreateBucketCommand({ Bucket: "sdk-team" }));
  await alice.send(new PutObjectCommand({ Bucket: "sdk-team", Key: "shared/plan", Body: "plan" }));
  await alice.send(new PutObjectCommand({ Bucket: "sdk-team", Key: "private/diary", Body: "diary" }));
  const policy = { Version: "2012-10-17", Statement: [{
    Sid: "BobShared", Effect: "Allow", Principal: { AWS: "arn:aws:iam::000000000000:user/bob" },
    Action: ["s3:GetObject", "s3:PutObject"], Resource: "arn:aws:s3:::sdk-team/shared/*" }] };
  await alice.send(new PutBucketPolicyCommand({ Bucket: "sdk-team", Policy: JSON.stringify(policy) }));
  assert.deepEqual(JSON.parse((await alice.send(new GetBucketPolicyCommand({ Bucket: "sdk-team" }))).Policy), policy);
  assert.equal(await text(await bob.send(new GetObjectCommand({ Bucket: "sdk-team", Key: "shared/plan" }))), "plan");
  // The SDK's default aws-chunked body with a trailing checksum, authorized as a PutObject.
  await bob.send(new PutObjectCommand({ Bucket: "sdk-team", Key: "shared/bob", Body: "from bob" }));
  assert.equal(await errorName(bob.send(new GetObjectCommand({ Bucket: "sdk-team", Key: "private/diary" }))), "AccessDenied");
  assert.equal(await errorName(bob.send(new PutObjectCommand({ Bucket: "sdk-team", Key: "private/x", Body: "x" }))), "AccessDenied");
  assert.equal(await errorName(alice.send(new PutBucketPolicyCommand({ Bucket: "sdk-team", Policy: "{\"Statement\":[]}" }))), "MalformedPolicy");
  await alice.send(new DeleteBucketPolicyCommand({ Bucket: "sdk-team" }));
  assert.equal(await errorName(bob.send(new GetObjectCommand({ Bucket: "sdk-team", Key: "shared/plan" }))), "AccessDenied");
});

test("canned ACLs and the object ACL round trip", async () => {
  await alice.send(new CreateBucketCommand({ Bucket: "sdk-acl" }));
  await alice.send(new PutObjectCommand({ Bucket: "sdk-acl", Key: "doc", Body: "doc", ACL: "authenticated-read" }));
  assert.equal(await text(await bob.send(new GetObjectCommand({ Bucket: "sdk-acl", Key: "doc" }))), "doc");
  assert.equal(await errorName(anon.send(new GetObjectCommand({ Bucket: "sdk-acl", Key: "doc" }))), "AccessDenied");
  await alice.send(new PutObjectAclCommand({ Bucket: "sdk-acl", Key: "doc", AccessControlPolicy: {
    Owner: { ID: "alice" },
    Grants: [{ Grantee: { Type: "CanonicalUser", ID: "alice" }, Permission: "FULL_CONTROL" },
      { Grantee: { Type: "Group", URI: "http://acs.amazonaws.com/groups/global/AllUsers" }, Permission: "READ" }] } }));
  const acl = await alice.send(new GetObjectAclCommand({ Bucket: "sdk-acl", Key: "doc" }));
  assert.equal(acl.Owner.ID, "alice");
  assert.deepEqual(acl.Grants.map((g) => [g.Grantee.ID ?? g.Grantee.URI, g.Permission]).sort(), [
    ["alice", "FULL_CONTROL"], ["http://acs.amazonaws.com/groups/global/AllUsers", "READ"]]);
  assert.equal(await text(await anon.send(new GetObjectCommand({ Bucket: "sdk-acl", Key: "doc" }))), "doc");
  await alice.send(new PutBucketAclCommand({ Bucket: "sdk-acl", GrantRead: 'id="bob"', GrantFullControl: 'id="alice"' }));
  const bacl = await alice.send(new GetBucketAclCommand({ Bucket: "sdk-acl" }));
  assert.ok(bacl.Grants.some((g) => g.Grantee.ID === "bob" && g.Permission === "READ"));
  const listed = (await bob.send(new ListObjectsV2Command({ Bucket: "sdk-acl" }))).Contents.map((o) => o.Key);
  assert.deepEqual(listed, ["doc"]);
});

test("Block Public Access refuses a public policy and a public ACL", async () => {
  await alice.send(new CreateBucketCommand({ Bucket: "sdk-bpa" }));
  await alice.send(new PutPublicAccessBlockCommand({ Bucket: "sdk-bpa", PublicAccessBlockConfiguration: {
    BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } }));
  const got = await alice.send(new GetPublicAccessBlockCommand({ Bucket: "sdk-bpa" }));
  assert.equal(got.PublicAccessBlockConfiguration.BlockPublicAcls, true);
  const pub = JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::sdk-bpa/*" }] });
  assert.equal(await errorName(alice.send(new PutBucketPolicyCommand({ Bucket: "sdk-bpa", Policy: pub }))), "AccessDenied");
  assert.equal(await errorName(alice.send(new PutObjectCommand({ Bucket: "sdk-bpa", Key: "p", Body: "x", ACL: "public-read" }))), "AccessDenied");
  await alice.send(new DeletePublicAccessBlockCommand({ Bucket: "sdk-bpa" }));
  await alice.send(new PutBucketPolicyCommand({ Bucket: "sdk-bpa", Policy: pub }));
});

test("BucketOwnerEnforced refuses ACLs", async () => {
  await alice.send(new CreateBucketCommand({ Bucket: "sdk-enforced" }));
  await alice.send(new PutBucketOwnershipControlsCommand({ Bucket: "sdk-enforced",
    OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] } }));
  const oc = await alice.send(new GetBucketOwnershipControlsCommand({ Bucket: "sdk-enforced" }));
  assert.equal(oc.OwnershipControls.Rules[0].ObjectOwnership, "BucketOwnerEnforced");
  assert.equal(await errorName(alice.send(new PutObjectCommand({ Bucket: "sdk-enforced", Key: "a", Body: "x", ACL: "public-read" }))),
    "AccessControlListNotSupported");
  await alice.send(new PutObjectCommand({ Bucket: "sdk-enforced", Key: "a", Body: "x", ACL: "bucket-owner-full-control" }));
  assert.equal(await errorName(alice.send(new PutBucketAclCommand({ Bucket: "sdk-enforced", ACL: "public-read" }))),
    "AccessControlListNotSupported");
});

let failed = 0;
try {
  const only = process.argv[2];
  for (const t of tests) {
    if (only && !t.name.includes(only)) continue;
    try {
      await t.fn();
      console.log(`ok - ${t.name}`);
    } catch (e) {
      failed++;
      console.log(`not ok - ${t.name}\n${e.stack}`);
    }
  }
} finally {
  proc.kill("SIGTERM");
  await new Promise((r) => proc.once("exit", r));
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
