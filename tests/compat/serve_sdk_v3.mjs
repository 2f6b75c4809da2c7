// @aws-sdk/client-s3 (v3, default checksum behaviour: aws-chunked bodies with
// trailing CRC32 checksums) against `worm serve`: PutObject, GetObject with
// ChecksumMode, explicit SHA256 / CRC64NVME checksums, conditional PUT
// (IfNoneMatch "*"), listings, copy, batch delete, multipart via
// @aws-sdk/lib-storage, a repeated CompleteMultipartUpload, and error codes;
// the key model S3 allows (folder
// markers, a key that is also a prefix, empty and dot segments, long keys,
// the backend's reserved folder name), listings compared page by page with a
// port of list_model.py, and parallel deletes and PUTs in one folder over
// keep-alive connections (issue 15). The SDK sends every key as it is (no
// dot-segment or slash normalisation in the path).
// `node serve_sdk_v3.mjs NAME-SUBSTRING` runs only the tests whose name
// contains it; WORM_COMPAT_ROUNDS (default 30) sizes the parallel scenarios.
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
  ListObjectsCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const here = path.dirname(fileURLToPath(import.meta.url));
const worm = process.env.WORM_BIN || path.join(here, "../../build/server/src/cli/worm");
const root = mkdtempSync(path.join(tmpdir(), "worm-sdk-"));
const creds = { accessKeyId: "AKIDSDKV3", secretAccessKey: "sdk-v3-secret" };

function startServer(dir = root, extra = ["--no-fsync"]) {
  const proc = spawn(worm, ["serve", "--root", dir, "--port", "0", ...extra,
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

const ROUNDS = Number(process.env.WORM_COMPAT_ROUNDS || 30);
const client = (url) => new S3Client({ endpoint: url, region: "us-east-1", forcePathStyle: true,
  credentials: creds, maxAttempts: 1 });

// ---- helpers for the key-model scenarios ------------------------------------
const md5q = (b) => `"${createHash("md5").update(b).digest("hex")}"`;
const byteCmp = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const s3Sorted = (keys) => [...new Set(keys)].sort(byteCmp);
async function put(s3, Bucket, Key, Body = Key, extra = {}) {
  const r = await s3.send(new PutObjectCommand({ Bucket, Key, Body, ...extra }));
  assert.equal(r.ETag, md5q(Body), Key);
}
async function body(s3, Bucket, Key) {
  const r = await s3.send(new GetObjectCommand({ Bucket, Key }));
  return Buffer.from(await r.Body.transformToByteArray()).toString();
}
async function del(s3, Bucket, Key) {
  const r = await s3.send(new DeleteObjectCommand({ Bucket, Key }));
  assert.equal(r.$metadata.httpStatusCode, 204, Key);
}
async function gone(s3, Bucket, Key) {
  assert.equal(await errorName(s3.send(new GetObjectCommand({ Bucket, Key }))), "NoSuchKey", Key);
  assert.equal(await errorName(s3.send(new HeadObjectCommand({ Bucket, Key }))), "NotFound", Key);
}
async function listAll(s3, Bucket, params = {}) {
  const keys = [], prefixes = [];
  let token;
  do {
    const r = await s3.send(new ListObjectsV2Command({ Bucket, ...params, ContinuationToken: token }));
    keys.push(...(r.Contents || []).map((o) => o.Key));
    prefixes.push(...(r.CommonPrefixes || []).map((p) => p.Prefix));
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return { keys, prefixes };
}
// Runs fn over items with at most `limit` in flight.
async function pooled(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++;
      try { out[i] = await fn(items[i]); } catch (e) { out[i] = `${e.name}: ${e.message}`; }
    }
  }));
  return out;
}

// A port of list_model.py: the pages S3 returns for a key set (byte order,
// roll-up on the delimiter, a common prefix at or before the start skipped
// with everything under it, MaxKeys counting keys and prefixes).
function modelEntries(keys, prefix, delimiter, after) {
  const out = [], seen = new Set();
  for (const k of s3Sorted(keys)) {
    if (!k.startsWith(prefix)) continue;
    if (after !== undefined && byteCmp(k, after) <= 0) continue;
    if (delimiter) {
      const rest = k.slice(prefix.length), i = rest.indexOf(delimiter);
      if (i >= 0) {
        const cp = prefix + rest.slice(0, i + delimiter.length);
        if (after !== undefined && byteCmp(cp, after) <= 0) continue;
        if (!seen.has(cp)) { seen.add(cp); out.push(["prefix", cp]); }
        continue;
      }
    }
    out.push(["key", k]);
  }
  return out;
}
function modelPages(keys, { prefix = "", delimiter, startAfter } = {}, maxKeys = 1000) {
  const pages = [];
  let after = startAfter;
  for (;;) {
    const es = modelEntries(keys, prefix, delimiter, after);
    const page = es.slice(0, maxKeys), truncated = es.length > maxKeys;
    pages.push({ keys: page.filter((e) => e[0] === "key").map((e) => e[1]),
      prefixes: page.filter((e) => e[0] === "prefix").map((e) => e[1]), truncated });
    if (!truncated) return pages;
    after = page[page.length - 1][1];
  }
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

// ---- The key model S3 allows (issue 15 item 2) --------------------------------

test("folder markers", async (s3) => {
  const B = "sdk-markers";
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  await put(s3, B, "dir/", "");
  await put(s3, B, "dir/a", "A");
  assert.deepEqual((await listAll(s3, B, { Prefix: "dir/" })).keys, ["dir/", "dir/a"]);
  const d = await listAll(s3, B, { Prefix: "dir/", Delimiter: "/" });
  assert.deepEqual(d, { keys: ["dir/", "dir/a"], prefixes: [] });
  assert.deepEqual(await listAll(s3, B, { Delimiter: "/" }), { keys: [], prefixes: ["dir/"] });
  const g = await s3.send(new GetObjectCommand({ Bucket: B, Key: "dir/" }));
  assert.equal(await g.Body.transformToString(), "");
  assert.equal(g.ContentLength, 0);
  assert.equal((await s3.send(new HeadObjectCommand({ Bucket: B, Key: "dir/" }))).ETag, md5q(""));
  await del(s3, B, "dir/a");  // the marker stays when its folder empties
  assert.deepEqual((await listAll(s3, B, { Prefix: "dir" })).keys, ["dir/"]);
  await put(s3, B, "dir/a", "A2");
  await del(s3, B, "dir/");   // the child stays when the marker goes
  await gone(s3, B, "dir/");
  assert.equal(await body(s3, B, "dir/a"), "A2");
  await put(s3, B, "mk/", "", { ContentType: "application/x-directory" });
  await put(s3, B, "mk/sub/", "");
  assert.deepEqual(await listAll(s3, B, { Prefix: "mk/", Delimiter: "/" }),
    { keys: ["mk/"], prefixes: ["mk/sub/"] });
  const del2 = await s3.send(new DeleteObjectsCommand({ Bucket: B, Delete: {
    Objects: ["dir/a", "mk/", "mk/sub/"].map((Key) => ({ Key })) } }));
  assert.equal((del2.Errors || []).length, 0);
  assert.deepEqual(await listAll(s3, B), { keys: [], prefixes: [] });
});

test("key/prefix coexistence in both orders", async (s3) => {
  const B = "sdk-coexist";
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  for (const [first, second] of [["foo/bar", "foo/bar/xyzzy"], ["baz/qux/xyzzy", "baz/qux"]]) {
    await put(s3, B, first);
    await put(s3, B, second);
    const [short, long] = first.length < second.length ? [first, second] : [second, first];
    assert.equal(await body(s3, B, short), short);
    assert.equal(await body(s3, B, long), long);
    const top = short.split("/")[0] + "/";
    assert.deepEqual((await listAll(s3, B, { Prefix: top })).keys, [short, long]);
    assert.deepEqual(await listAll(s3, B, { Prefix: top, Delimiter: "/" }),
      { keys: [short], prefixes: [short + "/"] });
    await del(s3, B, short);
    assert.equal(await body(s3, B, long), long);
    await put(s3, B, short, "again");
    await del(s3, B, long);
    assert.equal(await body(s3, B, short), "again");
    await del(s3, B, short);
  }
  await put(s3, B, "cp/src/inner", "inner");
  await s3.send(new CopyObjectCommand({ Bucket: B, Key: "cp/src", CopySource: `${B}/cp/src/inner` }));
  assert.equal(await body(s3, B, "cp/src"), "inner");
  assert.deepEqual((await listAll(s3, B)).keys, ["cp/src", "cp/src/inner"]);
});

// Sent as they are: the SDK does not normalise the path.
const ODD_SEGMENT_KEYS = ["a//b", "/lead", "a/b//", "//", "a/./b", "a/../b", "./x", "../y", "x/."];
const LONG_KEYS = ["L".repeat(1024), "seg/" + "x".repeat(300) + "/end", "\u00e9".repeat(512),
  "d/".repeat(200) + "z".repeat(624)];
const RESERVED_KEYS = [".wormfs", ".wormfs/", ".wormfs/x", ".wormfs/tmp/y"];

for (const [name, keys] of [["empty and dot segments", ODD_SEGMENT_KEYS], ["long keys", LONG_KEYS],
  ["the reserved folder name", RESERVED_KEYS]]) {
  test(`keys with ${name}`, async (s3) => {
    const B = "sdk-odd-" + name.split(" ").pop();
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    for (const k of keys) await put(s3, B, k);
    for (const k of keys) {
      assert.equal(await body(s3, B, k), k, k);
      const h = await s3.send(new HeadObjectCommand({ Bucket: B, Key: k }));
      assert.equal(h.ContentLength, Buffer.byteLength(k), k);
    }
    assert.deepEqual((await listAll(s3, B)).keys, s3Sorted(keys));
    for (const k of keys) { await del(s3, B, k); await gone(s3, B, k); }
    assert.deepEqual((await listAll(s3, B)).keys, []);
  });
}

test("a key over 1,024 bytes is KeyTooLongError", async (s3) => {
  for (const k of ["M".repeat(1025), "\u00e9".repeat(513)]) {
    assert.equal(await errorName(s3.send(new PutObjectCommand({ Bucket: "sdk", Key: k, Body: "x" }))),
      "KeyTooLongError");
  }
});

// ---- Listings compared with the model -----------------------------------------
const PLAIN_LISTING_KEYS = ["dir/a", "dir/b/c", "dir/b0", "dir!", "dir0", "foo/bar!", "foo/bar0",
  "foo/baz/q", "plain", "sp ace", "plus+sign", "~tilde", "\u00e9/\u00fc", "\u00e9t\u00e9", "z/y/x/w"];
const ODD_LISTING_KEYS = PLAIN_LISTING_KEYS.concat(["dir/", "dir/b/", "foo/bar", "foo/bar/",
  "foo/bar/xyzzy", "a//b", "a/b//", "a/./b", "a/../b", "/lead", "//x", "L".repeat(1024),
  "seg/" + "x".repeat(300) + "/t", ".wormfs", ".wormfs/k", "z/", "z/y"]);
const QUERIES = [{}, { delimiter: "/" }, { prefix: "dir/", delimiter: "/" }, { prefix: "dir" },
  { prefix: "dir", delimiter: "/" }, { prefix: "foo/bar", delimiter: "/" },
  { prefix: "foo/bar/", delimiter: "/" }, { prefix: "a/" }, { prefix: "a/", delimiter: "/" },
  { prefix: "/", delimiter: "/" }, { delimiter: "/", startAfter: "dir/a" },
  { prefix: "foo/", delimiter: "/", startAfter: "foo/bar!" }, { delimiter: "b" },
  { prefix: ".wormfs", delimiter: "/" }, { startAfter: "foo/bar/" }, { prefix: "z/", delimiter: "/" }];

async function walkV2(s3, Bucket, q, MaxKeys, limit) {
  const pages = [];
  let token;
  do {
    const r = await s3.send(new ListObjectsV2Command({ Bucket, MaxKeys, Prefix: q.prefix,
      Delimiter: q.delimiter, StartAfter: token ? undefined : q.startAfter, ContinuationToken: token }));
    pages.push({ keys: (r.Contents || []).map((o) => o.Key),
      prefixes: (r.CommonPrefixes || []).map((p) => p.Prefix), truncated: !!r.IsTruncated });
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token && pages.length < limit);
  return pages;
}
async function walkV1(s3, Bucket, q, MaxKeys, limit) {
  const pages = [];
  let marker = q.startAfter;
  for (;;) {
    const r = await s3.send(new ListObjectsCommand({ Bucket, MaxKeys, Prefix: q.prefix,
      Delimiter: q.delimiter, Marker: marker }));
    const page = { keys: (r.Contents || []).map((o) => o.Key),
      prefixes: (r.CommonPrefixes || []).map((p) => p.Prefix), truncated: !!r.IsTruncated };
    pages.push(page);
    if (!r.IsTruncated || pages.length >= limit) return pages;
    marker = q.delimiter ? r.NextMarker : page.keys[page.keys.length - 1];
  }
}

for (const [name, keys] of [["plain", PLAIN_LISTING_KEYS], ["odd", ODD_LISTING_KEYS]]) {
  test(`listings of ${name} keys equal the model page by page (V2 and V1)`, async (s3) => {
    const B = `sdk-list-${name}`;
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    const refused = [];
    for (const k of keys) {
      const e = await errorName(s3.send(new PutObjectCommand({ Bucket: B, Key: k, Body: "v" })));
      if (e) refused.push(`${k.slice(0, 40)}: ${e}`);
    }
    assert.deepEqual(refused, [], "the server refused keys S3 stores");
    const bad = [];
    for (const q of QUERIES) {
      for (const n of [1, 2, 3, 7, 1000]) {
        const want = modelPages(keys, q, n);
        const v2 = await walkV2(s3, B, q, n, keys.length + 2);
        if (JSON.stringify(v2) !== JSON.stringify(want)) bad.push({ api: "V2", q, n, want, got: v2 });
        if (n === 1 || n === 1000) {
          const v1 = await walkV1(s3, B, q, n, keys.length + 2);
          if (JSON.stringify(v1) !== JSON.stringify(want)) bad.push({ api: "V1", q, n, want, got: v1 });
        }
      }
    }
    assert.equal(bad.length, 0, `${bad.length} walks differ; first: ${JSON.stringify(bad[0])}`);
  });
}

// ---- Parallel deletes and PUTs in one folder (issue 15 item 1) -----------------
// A server of its own with fsync on (the default); 32 requests in flight over
// the SDK's keep-alive agent.
test("parallel deletes and PUTs in one folder", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "worm-sdk-par-"));
  const server = await startServer(dir, []);
  try {
    const s3 = client(server.url);
    const B = "sdk-parallel";
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    const ok = (r) => r && r.$metadata ? r.$metadata.httpStatusCode : r;
    const failures = [];
    const putAll = async (keys) => {
      const res = await pooled(keys, 32, (Key) => s3.send(new PutObjectCommand({ Bucket: B, Key, Body: Key })));
      failures.push(...res.map(ok).filter((c) => c !== 200));
    };
    for (let r = 0; r < ROUNDS; r++) {
      const old = Array.from({ length: 36 }, (_, i) => `r${r}/dir/k${i}`);
      const fresh = Array.from({ length: 8 }, (_, i) => `r${r}/dir/new${i}`)
        .concat(Array.from({ length: 4 }, (_, i) => `r${r}/dir/deep/er/new${i}`));
      await putAll(old);
      const jobs = old.map((Key) => ["del", Key]).concat(fresh.map((Key) => ["put", Key]));
      const res = await pooled(jobs, 32, ([op, Key]) => s3.send(op === "del"
        ? new DeleteObjectCommand({ Bucket: B, Key }) : new PutObjectCommand({ Bucket: B, Key, Body: Key })));
      failures.push(...res.map(ok).filter((c) => c !== 200 && c !== 204));
      assert.deepEqual((await listAll(s3, B, { Prefix: `r${r}/` })).keys, s3Sorted(fresh), `round ${r}`);
      for (const k of fresh) assert.equal(await body(s3, B, k), k);
      const res2 = await pooled(fresh, 32, (Key) => s3.send(new DeleteObjectCommand({ Bucket: B, Key })));
      failures.push(...res2.map(ok).filter((c) => c !== 204));
    }
    // Thousands of keys across folders, purged at once.
    const many = [];
    for (let f = 0; f < 30; f++) for (let i = 0; i < 40; i++) many.push(`purge/f${f}/${i % 5 ? "" : "s/"}k${i}`);
    await putAll(many);
    const res = await pooled(many, 32, (Key) => s3.send(new DeleteObjectCommand({ Bucket: B, Key })));
    failures.push(...res.map(ok).filter((c) => c !== 204));
    assert.deepEqual(failures, []);
    assert.deepEqual(await listAll(s3, B, { Delimiter: "/" }), { keys: [], prefixes: [] });
  } finally {
    server.proc.kill("SIGTERM");
    await new Promise((r) => server.proc.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
});

const { proc, url } = await startServer();
let failed = 0;
try {
  const s3 = client(url);
  await s3.send(new CreateBucketCommand({ Bucket: "sdk" }));
  const only = process.argv[2];
  for (const t of tests) {
    if (only && !t.name.includes(only)) continue;
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
