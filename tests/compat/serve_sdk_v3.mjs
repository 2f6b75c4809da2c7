// @aws-sdk/client-s3 (v3, default checksum behaviour: aws-chunked bodies with
// trailing CRC32 checksums) against `worm serve`: PutObject, GetObject with
// ChecksumMode, explicit SHA256 / CRC64NVME checksums, conditional PUT
// (IfNoneMatch "*"), listings, copy, batch delete, multipart via
// @aws-sdk/lib-storage, a repeated CompleteMultipartUpload, and error codes.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import readline from "node:readline";
import {
  S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, CopyObjectCommand, DeleteObjectsCommand, DeleteObjectCommand,
  CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const here = path.dirname(fileURLToPath(import.meta.url));
const worm = process.env.WORM_BIN || path.join(here, "../../build/server/src/cli/worm");
const root = mkdtempSync(path.join(tmpdir(), "worm-sdk-"));
const creds = { accessKeyId: "AKIDSDKV3", secretAccessKey: "sdk-v3-secret" };

function startServer() {
  const proc = spawn(worm, ["serve", "--root", root, "--port", "0", "--no-fsync",
    "--access-key", creds.accessKeyId, "--secret-key", creds.secretAccessKey],
    { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stdout });
    rl.once("line", (line) => {
      if (!line.startsWith("listening on ")) reject(new Error("bad first line: " + line));
      resolve({ proc, url: line.slice("listening on ".length) });
    });
    proc.once("exit", (code) => reject(new Error("worm serve exited: " + code)));
  });
}

async function errorName(promise) {
  try { await promise; } catch (e) { return e.name || e.Code; }
  return null;
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test("put/get with default trailing checksums", async (s3) => {
  const put = await s3.send(new PutObjectCommand({ Bucket: "sdk", Key: "a.txt", Body: "hello sdk",
    ContentType: "text/plain", Metadata: { color: "blue" } }));
  assert.equal(put.ETag, `"${createHash("md5").update("hello sdk").digest("hex")}"`);
  const get = await s3.send(new GetObjectCommand({ Bucket: "sdk", Key: "a.txt", ChecksumMode: "ENABLED" }));
  assert.equal(await get.Body.transformToString(), "hello sdk");
  assert.equal(get.ContentType, "text/plain");
  assert.deepEqual(get.Metadata, { color: "blue" });
  assert.ok(get.ChecksumCRC32, "CRC32 stored from the trailer and returned");
});

test("explicit SHA256 and CRC64NVME checksums", async (s3) => {
  for (const alg of ["SHA256", "CRC64NVME", "CRC32C", "SHA1"]) {
    const body = randomBytes(100000);
    await s3.send(new PutObjectCommand({ Bucket: "sdk", Key: `sum-${alg}`, Body: body, ChecksumAlgorithm: alg }));
    const get = await s3.send(new GetObjectCommand({ Bucket: "sdk", Key: `sum-${alg}`, ChecksumMode: "ENABLED" }));
    assert.ok(Buffer.from(await get.Body.transformToByteArray()).equals(body));
    assert.ok(get[`Checksum${alg}`], `${alg} returned`);
  }
  const sha = createHash("sha256").update("x").digest("base64");
  const bad = await errorName(s3.send(new PutObjectCommand({ Bucket: "sdk", Key: "bad", Body: "y",
    ChecksumSHA256: sha })));
  assert.equal(bad, "BadDigest");
});

test("conditional PUT with IfNoneMatch", async (s3) => {
  await s3.send(new PutObjectCommand({ Bucket: "sdk", Key: "once", Body: "1", IfNoneMatch: "*" }));
  const again = await errorName(s3.send(new PutObjectCommand({ Bucket: "sdk", Key: "once", Body: "2", IfNoneMatch: "*" })));
  assert.equal(again, "PreconditionFailed");
  const head = await s3.send(new HeadObjectCommand({ Bucket: "sdk", Key: "once" }));
  await s3.send(new PutObjectCommand({ Bucket: "sdk", Key: "once", Body: "3", IfMatch: head.ETag }));
  const stale = await errorName(s3.send(new PutObjectCommand({ Bucket: "sdk", Key: "once", Body: "4", IfMatch: head.ETag })));
  assert.equal(stale, "PreconditionFailed");
});

test("list, copy, batch delete, errors", async (s3) => {
  for (let i = 0; i < 5; i++) await s3.send(new PutObjectCommand({ Bucket: "sdk", Key: `l/${i}`, Body: `${i}` }));
  const page = await s3.send(new ListObjectsV2Command({ Bucket: "sdk", Prefix: "l/", MaxKeys: 3 }));
  assert.equal(page.KeyCount, 3);
  assert.equal(page.IsTruncated, true);
  const rest = await s3.send(new ListObjectsV2Command({ Bucket: "sdk", Prefix: "l/", ContinuationToken: page.NextContinuationToken }));
  assert.deepEqual(rest.Contents.map((o) => o.Key), ["l/3", "l/4"]);
  await s3.send(new CopyObjectCommand({ Bucket: "sdk", Key: "l/copy", CopySource: "sdk/l/0" }));
  const del = await s3.send(new DeleteObjectsCommand({ Bucket: "sdk", Delete: {
    Objects: [0, 1, 2, 3, 4].map((i) => ({ Key: `l/${i}` })).concat([{ Key: "l/copy" }]) } }));
  assert.equal(del.Deleted.length, 6);
  assert.equal(await errorName(s3.send(new GetObjectCommand({ Bucket: "sdk", Key: "l/0" }))), "NoSuchKey");
  assert.equal(await errorName(s3.send(new ListObjectsV2Command({ Bucket: "no-such-bucket" }))), "NoSuchBucket");
  await s3.send(new DeleteObjectCommand({ Bucket: "sdk", Key: "never-existed" }));
});

test("non-ASCII metadata comes back RFC 2047-encoded; stored headers byte-for-byte", async (s3) => {
  await s3.send(new PutObjectCommand({ Bucket: "sdk", Key: "meta", Body: "m",
    Metadata: { greeting: "Hello World\u00e9" }, ContentEncoding: "deflate, gzip",
    CacheControl: "max-age=60,  public" }));
  const head = await s3.send(new HeadObjectCommand({ Bucket: "sdk", Key: "meta" }));
  assert.equal(head.Metadata.greeting, "=?UTF-8?B?SGVsbG8gV29ybGTDqQ==?=");
  assert.equal(head.ContentEncoding, "deflate, gzip");
  assert.equal(head.CacheControl, "max-age=60,  public");
});

test("odd keys round trip; versionId other than null is refused", async (s3) => {
  const keys = ["odd/ctl\u0001key", "odd/tab\tkey", "odd/caf\u00e9/\u2603", "odd/amp&<>\"'",
    "odd/q?versionId=1"];
  for (const k of keys) await s3.send(new PutObjectCommand({ Bucket: "sdk", Key: k, Body: k }));
  const page = await s3.send(new ListObjectsV2Command({ Bucket: "sdk", Prefix: "odd/" }));
  const want = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  assert.deepEqual(page.Contents.map((o) => o.Key), want);
  for (const k of keys) {
    const get = await s3.send(new GetObjectCommand({ Bucket: "sdk", Key: k }));
    assert.equal(await get.Body.transformToString(), k);
  }
  assert.equal(await errorName(s3.send(new CopyObjectCommand({ Bucket: "sdk", Key: "odd-copy",
    CopySource: "sdk/odd/tab%09key?versionId=3HL4kqtJlcpXroDTDmJ" }))), "InvalidArgument");
  await s3.send(new CopyObjectCommand({ Bucket: "sdk", Key: "odd-copy",
    CopySource: "sdk/odd/tab%09key?versionId=null" }));
  assert.equal(await errorName(s3.send(new GetObjectCommand({ Bucket: "sdk", Key: "odd-copy",
    VersionId: "abc" }))), "InvalidArgument");
  for (const k of keys.concat(["odd-copy"])) {
    await s3.send(new DeleteObjectCommand({ Bucket: "sdk", Key: k }));
  }
});

test("multipart upload with lib-storage", async (s3) => {
  const body = randomBytes(12 * 1024 * 1024 + 5);
  const up = new Upload({ client: s3, params: { Bucket: "sdk", Key: "big/mp.bin", Body: body },
    partSize: 5 * 1024 * 1024, queueSize: 2 });
  const res = await up.done();
  assert.match(res.ETag, /-3"$/);
  const get = await s3.send(new GetObjectCommand({ Bucket: "sdk", Key: "big/mp.bin" }));
  const back = Buffer.from(await get.Body.transformToByteArray());
  assert.ok(back.equals(body), "multipart body round trip");
});

test("a repeated CompleteMultipartUpload gets the same result", async (s3) => {
  const Bucket = "sdk", Key = "rep/twice.bin";
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
  const part = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1,
    Body: Buffer.from("repeat me") }));
  const MultipartUpload = { Parts: [{ PartNumber: 1, ETag: part.ETag }] };
  const pick = (r) => ({ Location: r.Location, Bucket: r.Bucket, Key: r.Key, ETag: r.ETag });
  const first = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId,
    MultipartUpload }));
  const again = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId,
    MultipartUpload }));
  assert.deepEqual(pick(again), pick(first));
  assert.match(first.ETag, /-1"$/);
  assert.equal(await errorName(s3.send(new CompleteMultipartUploadCommand({ Bucket, Key,
    UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"00"' }] } }))), "NoSuchUpload");
});

const { proc, url } = await startServer();
let failed = 0;
try {
  const s3 = new S3Client({ endpoint: url, region: "us-east-1", forcePathStyle: true, credentials: creds, maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: "sdk" }));
  for (const t of tests) {
    try {
      await t.fn(s3);
      console.log(`ok - ${t.name}`);
    } catch (e) {
      failed++;
      console.log(`not ok - ${t.name}\n${e.stack}`);
    }
  }
} finally {
  proc.kill("SIGTERM");
  await new Promise((r) => proc.once("exit", r));
  rmSync(root, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
