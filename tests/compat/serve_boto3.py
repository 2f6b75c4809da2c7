#!/usr/bin/python3
"""boto3 (Debian's 1.26) against `worm serve`: buckets, objects, metadata,
paginated listings, batch delete, copy, ranges, conditional GET, presigned
URLs, managed multipart transfers, a repeated CompleteMultipartUpload (also
after a restart), non-ASCII metadata, stored headers, odd keys, version ids,
and S3 error codes; the key model S3 allows (folder markers, a key that is
also a prefix, empty and dot segments, long keys, the backend's reserved
folder name), listings compared page by page with a reference model
(list_model.py), and parallel deletes and PUTs in one folder over keep-alive
connections (issue 15).

Run one class with `serve_boto3.py Boto3ParallelFolderTest`; the parallel
scenarios' size scales with $WORM_COMPAT_ROUNDS (default 30)."""
import collections
import email.header
import hashlib
import os
import random
import sys
import tempfile
import unittest
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from botocore.handlers import set_list_objects_encoding_type_url, validate_ascii_metadata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_util import ACCESS_KEY, SECRET_KEY, WormServe  # noqa: E402
import list_model  # noqa: E402

SERVER = None
ROUNDS = int(os.environ.get("WORM_COMPAT_ROUNDS", "30"))


def client(server=None, pool=10):
    return boto3.client(
        "s3", endpoint_url=(server or SERVER).url, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                      retries={"max_attempts": 1}, max_pool_connections=pool))


def signed(method, path, query="", headers=None, body=b""):
    """A request botocore signs but does not build, for keys it cannot send
    (bytes that are not UTF-8). Returns (status, body)."""
    url = SERVER.url + path + ("?" + query if query else "")
    req = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    req.headers["x-amz-content-sha256"] = hashlib.sha256(body).hexdigest()
    S3SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", "us-east-1").add_auth(req)
    http = urllib.request.Request(url, data=body or None, method=method, headers=dict(req.headers))
    try:
        with urllib.request.urlopen(http) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def error_code(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


class Boto3Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s3 = client()
        cls.s3.create_bucket(Bucket="boto")

    def test_put_get_head_metadata(self):
        r = self.s3.put_object(Bucket="boto", Key="a/b.json", Body=b'{"x":1}',
                               ContentType="application/json", Metadata={"color": "blue"})
        self.assertEqual(r["ETag"], '"%s"' % hashlib.md5(b'{"x":1}').hexdigest())
        g = self.s3.get_object(Bucket="boto", Key="a/b.json")
        self.assertEqual(g["Body"].read(), b'{"x":1}')
        self.assertEqual(g["ContentType"], "application/json")
        self.assertEqual(g["Metadata"], {"color": "blue"})
        h = self.s3.head_object(Bucket="boto", Key="a/b.json")
        self.assertEqual(h["ContentLength"], 7)

    def test_errors(self):
        self.assertEqual(error_code(lambda: self.s3.get_object(Bucket="boto", Key="none")),
                         "NoSuchKey")
        self.assertEqual(error_code(lambda: self.s3.head_object(Bucket="boto", Key="none")), "404")
        self.assertEqual(error_code(lambda: self.s3.list_objects_v2(Bucket="missing-bucket")),
                         "NoSuchBucket")
        bad = boto3.client("s3", endpoint_url=SERVER.url, aws_access_key_id=ACCESS_KEY,
                           aws_secret_access_key="wrong", region_name="us-east-1",
                           config=Config(s3={"addressing_style": "path"}))
        self.assertEqual(error_code(lambda: bad.list_buckets()), "SignatureDoesNotMatch")

    def test_paginated_listing_and_batch_delete(self):
        keys = ["p/%04d" % i for i in range(1100)]
        for k in keys:
            self.s3.put_object(Bucket="boto", Key=k, Body=b"x")
        seen = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket="boto", Prefix="p/"):
            seen += [o["Key"] for o in page.get("Contents", [])]
        self.assertEqual(seen, keys)
        v1 = []
        for page in self.s3.get_paginator("list_objects").paginate(Bucket="boto", Prefix="p/",
                                                                    PaginationConfig={"PageSize": 300}):
            v1 += [o["Key"] for o in page.get("Contents", [])]
        self.assertEqual(v1, keys)
        d = self.s3.list_objects_v2(Bucket="boto", Prefix="p/", Delimiter="/", MaxKeys=5)
        self.assertEqual(d["KeyCount"], 5)
        for i in range(0, 1100, 1000):
            r = self.s3.delete_objects(Bucket="boto", Delete={
                "Objects": [{"Key": k} for k in keys[i:i + 1000]], "Quiet": True})
            self.assertEqual(r.get("Errors", []), [])
        self.assertEqual(self.s3.list_objects_v2(Bucket="boto", Prefix="p/")["KeyCount"], 0)

    def test_copy_range_conditional(self):
        self.s3.put_object(Bucket="boto", Key="src", Body=b"0123456789", Metadata={"a": "1"})
        self.s3.copy_object(Bucket="boto", Key="dst", CopySource={"Bucket": "boto", "Key": "src"})
        self.assertEqual(self.s3.head_object(Bucket="boto", Key="dst")["Metadata"], {"a": "1"})
        self.s3.copy_object(Bucket="boto", Key="dst2", CopySource="boto/src",
                            MetadataDirective="REPLACE", Metadata={"b": "2"})
        self.assertEqual(self.s3.head_object(Bucket="boto", Key="dst2")["Metadata"], {"b": "2"})
        r = self.s3.get_object(Bucket="boto", Key="src", Range="bytes=2-5")
        self.assertEqual(r["Body"].read(), b"2345")
        self.assertEqual(r["ContentRange"], "bytes 2-5/10")
        etag = self.s3.head_object(Bucket="boto", Key="src")["ETag"]
        self.assertEqual(error_code(lambda: self.s3.get_object(Bucket="boto", Key="src",
                                                               IfNoneMatch=etag)), "304")
        self.assertEqual(error_code(lambda: self.s3.get_object(Bucket="boto", Key="src",
                                                               IfMatch='"nope"')),
                         "PreconditionFailed")
        self.assertEqual(error_code(lambda: self.s3.get_object(Bucket="boto", Key="src",
                                                               Range="bytes=100-200")),
                         "InvalidRange")
        r = self.s3.get_object(Bucket="boto", Key="src", ResponseContentType="text/x-test")
        self.assertEqual(r["ContentType"], "text/x-test")

    def test_presigned_urls(self):
        self.s3.put_object(Bucket="boto", Key="pre", Body=b"presigned")
        url = self.s3.generate_presigned_url("get_object", Params={"Bucket": "boto", "Key": "pre"},
                                             ExpiresIn=60)
        self.assertEqual(urllib.request.urlopen(url).read(), b"presigned")
        put = self.s3.generate_presigned_url("put_object",
                                             Params={"Bucket": "boto", "Key": "pre2"}, ExpiresIn=60)
        req = urllib.request.Request(put, data=b"via url", method="PUT")
        urllib.request.urlopen(req).read()
        self.assertEqual(self.s3.get_object(Bucket="boto", Key="pre2")["Body"].read(), b"via url")

    def test_managed_multipart_transfer(self):
        data = os.urandom(12 * 1024 * 1024 + 123)
        cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024,
                             multipart_chunksize=5 * 1024 * 1024)
        with tempfile.TemporaryDirectory() as d:
            src, dst = os.path.join(d, "in"), os.path.join(d, "out")
            with open(src, "wb") as f:
                f.write(data)
            self.s3.upload_file(src, "boto", "big/file.bin", Config=cfg)
            head = self.s3.head_object(Bucket="boto", Key="big/file.bin")
            self.assertTrue(head["ETag"].endswith('-3"'), head["ETag"])
            self.s3.download_file("boto", "big/file.bin", dst, Config=cfg)
            with open(dst, "rb") as f:
                self.assertEqual(hashlib.sha256(f.read()).digest(), hashlib.sha256(data).digest())

    def test_low_level_multipart_and_abort(self):
        up = self.s3.create_multipart_upload(Bucket="boto", Key="mp")
        uid = up["UploadId"]
        p1 = self.s3.upload_part(Bucket="boto", Key="mp", UploadId=uid, PartNumber=1,
                                 Body=b"a" * (5 * 1024 * 1024))
        self.s3.put_object(Bucket="boto", Key="copysrc", Body=b"copied part")
        p2 = self.s3.upload_part_copy(Bucket="boto", Key="mp", UploadId=uid, PartNumber=2,
                                      CopySource="boto/copysrc", CopySourceRange="bytes=0-5")
        parts = self.s3.list_parts(Bucket="boto", Key="mp", UploadId=uid)["Parts"]
        self.assertEqual([p["PartNumber"] for p in parts], [1, 2])
        uploads = self.s3.list_multipart_uploads(Bucket="boto")["Uploads"]
        self.assertIn(uid, [u["UploadId"] for u in uploads])
        self.s3.complete_multipart_upload(Bucket="boto", Key="mp", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": p1["ETag"]},
                      {"PartNumber": 2, "ETag": p2["CopyPartResult"]["ETag"]}]})
        body = self.s3.get_object(Bucket="boto", Key="mp")["Body"].read()
        self.assertEqual(body, b"a" * (5 * 1024 * 1024) + b"copied")
        up2 = self.s3.create_multipart_upload(Bucket="boto", Key="mp2")
        self.s3.abort_multipart_upload(Bucket="boto", Key="mp2", UploadId=up2["UploadId"])
        self.assertEqual(error_code(lambda: self.s3.list_parts(
            Bucket="boto", Key="mp2", UploadId=up2["UploadId"])), "NoSuchUpload")

    def test_repeated_complete(self):
        """A retried CompleteMultipartUpload (its first answer lost) gets the same
        result, also from a restarted server over the same folder; another parts
        list for the completed upload gets NoSuchUpload."""
        def result(r):
            return {k: r[k] for k in ("Location", "Bucket", "Key", "ETag")}

        up = self.s3.create_multipart_upload(Bucket="boto", Key="rep/once.bin")
        uid = up["UploadId"]
        p1 = self.s3.upload_part(Bucket="boto", Key="rep/once.bin", UploadId=uid, PartNumber=1,
                                 Body=b"r" * (5 * 1024 * 1024))
        p2 = self.s3.upload_part(Bucket="boto", Key="rep/once.bin", UploadId=uid, PartNumber=2,
                                 Body=b"tail")
        parts = {"Parts": [{"PartNumber": 1, "ETag": p1["ETag"]},
                           {"PartNumber": 2, "ETag": p2["ETag"]}]}
        first = self.s3.complete_multipart_upload(Bucket="boto", Key="rep/once.bin",
                                                  UploadId=uid, MultipartUpload=parts)
        second = self.s3.complete_multipart_upload(Bucket="boto", Key="rep/once.bin",
                                                   UploadId=uid, MultipartUpload=parts)
        self.assertEqual(result(second), result(first))
        self.assertTrue(first["ETag"].endswith('-2"'), first["ETag"])
        self.assertEqual(error_code(lambda: self.s3.complete_multipart_upload(
            Bucket="boto", Key="rep/once.bin", UploadId=uid,
            MultipartUpload={"Parts": parts["Parts"][:1]})), "NoSuchUpload")
        self.assertEqual(error_code(lambda: self.s3.abort_multipart_upload(
            Bucket="boto", Key="rep/once.bin", UploadId=uid)), "NoSuchUpload")
        body = self.s3.get_object(Bucket="boto", Key="rep/once.bin")["Body"].read()
        self.assertEqual(body, b"r" * (5 * 1024 * 1024) + b"tail")

        # Across a restart: a server of its own over a folder of its own.
        with tempfile.TemporaryDirectory(prefix="worm-rep-") as root:
            server = WormServe(root=root).start()
            try:
                s3 = boto3.client(
                    "s3", endpoint_url=server.url, aws_access_key_id=ACCESS_KEY,
                    aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
                    config=Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                                  retries={"max_attempts": 1}))
                s3.create_bucket(Bucket="rep")
                uid = s3.create_multipart_upload(Bucket="rep", Key="k")["UploadId"]
                p = s3.upload_part(Bucket="rep", Key="k", UploadId=uid, PartNumber=1, Body=b"one")
                mp = {"Parts": [{"PartNumber": 1, "ETag": p["ETag"]}]}
                first = s3.complete_multipart_upload(Bucket="rep", Key="k", UploadId=uid,
                                                     MultipartUpload=mp)
            finally:
                server.stop()
                server.proc.stdout.close()
                server.proc.stderr.close()
            server = WormServe(root=root).start()
            try:
                s3 = boto3.client(
                    "s3", endpoint_url=server.url, aws_access_key_id=ACCESS_KEY,
                    aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
                    config=Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                                  retries={"max_attempts": 1}))
                again = s3.complete_multipart_upload(Bucket="rep", Key="k", UploadId=uid,
                                                     MultipartUpload=mp)
                self.assertEqual(result(again), result(first))
                self.assertEqual(s3.get_object(Bucket="rep", Key="k")["Body"].read(), b"one")
            finally:
                server.stop()
                server.proc.stdout.close()
                server.proc.stderr.close()

    def test_non_ascii_metadata(self):
        # Sent RFC 2047-encoded (what boto3's ASCII check leaves a caller):
        # back unchanged, and it decodes to the text.
        word = "=?UTF-8?B?SGVsbG8gV29ybGTDqQ==?="
        self.s3.put_object(Bucket="boto", Key="meta/encoded", Body=b"x", Metadata={"g": word})
        got = self.s3.head_object(Bucket="boto", Key="meta/encoded")["Metadata"]["g"]
        self.assertEqual(got, word)
        [(raw, charset)] = email.header.decode_header(got)
        self.assertEqual(raw.decode(charset), "Hello World\u00e9")
        # Sent as is (without botocore's ASCII check): S3 answers RFC 2047.
        # (Raw UTF-8 and Latin-1 bytes on the wire: server_semantics_test.)
        raw_client = client()
        raw_client.meta.events.unregister("before-parameter-build.s3.PutObject",
                                          validate_ascii_metadata)
        raw_client.put_object(Bucket="boto", Key="meta/raw", Body=b"x",
                              Metadata={"g": "Hello World\u00e9"})
        self.assertEqual(self.s3.head_object(Bucket="boto", Key="meta/raw")["Metadata"]["g"], word)

    def test_stored_headers_byte_for_byte(self):
        self.s3.put_object(Bucket="boto", Key="hdr", Body=b"x", ContentEncoding="deflate, gzip",
                           CacheControl="max-age=60,  public",
                           ContentDisposition='attachment; filename="a, b.txt"')
        h = self.s3.head_object(Bucket="boto", Key="hdr")
        self.assertEqual(h["ContentEncoding"], "deflate, gzip")
        self.assertEqual(h["CacheControl"], "max-age=60,  public")
        self.assertEqual(h["ContentDisposition"], 'attachment; filename="a, b.txt"')

    def test_odd_keys_round_trip(self):
        keys = ["odd/ctl\x01key", "odd/tab\tkey", "odd/cr\rkey", "odd/nl\nkey",
                "odd/caf\u00e9/\u2603", "odd/amp&<>\"'", "odd/q?versionId=1", "odd/pct%41"]
        for k in keys:
            self.s3.put_object(Bucket="boto", Key=k, Body=k.encode())
        listed = [o["Key"] for o in self.s3.list_objects_v2(Bucket="boto", Prefix="odd/")["Contents"]]
        self.assertEqual(listed, sorted(keys, key=lambda k: k.encode()))
        for k in keys:
            self.assertEqual(self.s3.get_object(Bucket="boto", Key=k)["Body"].read(), k.encode())
        self.s3.copy_object(Bucket="boto", Key="odd-copy", CopySource={"Bucket": "boto",
                                                                         "Key": "odd/q?versionId=1"})
        self.assertEqual(self.s3.get_object(Bucket="boto", Key="odd-copy")["Body"].read(),
                         b"odd/q?versionId=1")
        # XML 1.0 cannot carry U+0001: S3 answers MalformedXML, and such a key
        # is deleted with DeleteObject (its key travels in the URL).
        self.assertEqual(error_code(lambda: self.s3.delete_objects(
            Bucket="boto", Delete={"Objects": [{"Key": k} for k in keys]})), "MalformedXML")
        self.s3.delete_object(Bucket="boto", Key=keys[0])
        # The rest go in one batch, "\r" excepted: XML turns a raw CR into LF.
        rest = [k for k in keys[1:] if "\r" not in k]
        r = self.s3.delete_objects(Bucket="boto", Delete={"Objects": [{"Key": k} for k in rest]})
        self.assertEqual(r.get("Errors", []), [])
        self.assertEqual(sorted(d["Key"] for d in r["Deleted"]), sorted(rest))

    def test_keys_that_are_not_utf8(self):
        status, body = signed("PUT", "/boto/bad%FFkey", body=b"x")
        self.assertEqual(status, 400)
        self.assertEqual(ET.fromstring(body).findtext("Code"), "InvalidURI")
        # A file another tool put in the folder under a Latin-1 name.
        os.makedirs(os.path.join(SERVER.root, "boto", "l1"), exist_ok=True)
        with open(os.path.join(os.fsencode(SERVER.root), b"boto", b"l1", b"caf\xe9.txt"), "wb") as f:
            f.write(b"latin1")
        # With encoding-type=url (botocore's default) and exactly: its bytes.
        page = self.s3.list_objects_v2(Bucket="boto", Prefix="l1/", EncodingType="url")
        self.assertEqual([o["Key"] for o in page["Contents"]], ["l1/caf%E9.txt"])
        # Without it, the listing is still XML botocore parses (U+FFFD).
        plain = client()
        plain.meta.events.unregister("before-parameter-build.s3.ListObjectsV2",
                                     set_list_objects_encoding_type_url)
        page = plain.list_objects_v2(Bucket="boto", Prefix="l1/")
        self.assertEqual([o["Key"] for o in page["Contents"]], ["l1/caf\ufffd.txt"])
        self.assertEqual(signed("GET", "/boto/l1/caf%E9.txt"), (200, b"latin1"))
        self.assertEqual(signed("DELETE", "/boto/l1/caf%E9.txt")[0], 204)

    def test_version_id_on_unversioned_bucket(self):
        self.s3.put_object(Bucket="boto", Key="ver", Body=b"v")
        self.assertEqual(error_code(lambda: self.s3.copy_object(
            Bucket="boto", Key="ver2",
            CopySource={"Bucket": "boto", "Key": "ver", "VersionId": "3HL4kqtJlcpXroDTDmJ"})),
            "InvalidArgument")
        self.s3.copy_object(Bucket="boto", Key="ver3",
                            CopySource={"Bucket": "boto", "Key": "ver", "VersionId": "null"})
        self.assertEqual(error_code(lambda: self.s3.get_object(
            Bucket="boto", Key="ver", VersionId="abc")), "InvalidArgument")
        self.assertEqual(error_code(lambda: self.s3.delete_object(
            Bucket="boto", Key="ver", VersionId="abc")), "InvalidArgument")
        self.assertEqual(self.s3.get_object(Bucket="boto", Key="ver", VersionId="null")["Body"].read(),
                         b"v")

    def test_object_versions_on_unversioned_bucket(self):
        s3 = boto3.resource("s3", endpoint_url=SERVER.url, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
                            config=Config(s3={"addressing_style": "path"}))
        self.s3.create_bucket(Bucket="versions")
        for i in range(5):
            self.s3.put_object(Bucket="versions", Key="v/%d" % i, Body=b"x")
        listed = self.s3.list_object_versions(Bucket="versions")
        self.assertEqual([(v["Key"], v["VersionId"], v["IsLatest"]) for v in listed["Versions"]],
                         [("v/%d" % i, "null", True) for i in range(5)])
        # The usual idiom for emptying a bucket: ListObjectVersions, then
        # DeleteObjects naming each version.
        s3.Bucket("versions").object_versions.delete()
        self.assertEqual(self.s3.list_objects_v2(Bucket="versions")["KeyCount"], 0)
        self.s3.delete_bucket(Bucket="versions")

    def test_bucket_lifecycle(self):
        self.s3.create_bucket(Bucket="tmp-bucket")
        names = [b["Name"] for b in self.s3.list_buckets()["Buckets"]]
        self.assertIn("tmp-bucket", names)
        self.s3.head_bucket(Bucket="tmp-bucket")
        self.s3.put_object(Bucket="tmp-bucket", Key="k", Body=b"v")
        self.assertEqual(error_code(lambda: self.s3.delete_bucket(Bucket="tmp-bucket")),
                         "BucketNotEmpty")
        self.s3.delete_object(Bucket="tmp-bucket", Key="k")
        self.s3.delete_bucket(Bucket="tmp-bucket")
        self.assertEqual(error_code(lambda: self.s3.create_bucket(Bucket="Bad_Bucket")),
                         "InvalidBucketName")


# ---- The key model S3 allows (issue 15 item 2) -------------------------------

def md5_quoted(data):
    return '"%s"' % hashlib.md5(data).hexdigest()


def listed(s3, bucket, **kw):
    """(keys, common prefixes) of a full V2 walk with boto3's paginator."""
    keys, prefixes = [], []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, **kw):
        keys += [o["Key"] for o in page.get("Contents", [])]
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    return keys, prefixes


def s3_sorted(keys):
    return sorted(keys, key=lambda k: k.encode("utf-8"))


class KeyModelBase(unittest.TestCase):
    """Each class has a bucket of its own, so its listings are exact."""
    BUCKET = None

    @classmethod
    def setUpClass(cls):
        cls.s3 = client()
        cls.s3.create_bucket(Bucket=cls.BUCKET)

    def put(self, key, body=None, **kw):
        body = key.encode("utf-8") if body is None else body
        r = self.s3.put_object(Bucket=self.BUCKET, Key=key, Body=body, **kw)
        self.assertEqual(r["ETag"], md5_quoted(body), key)
        return body

    def body(self, key):
        return self.s3.get_object(Bucket=self.BUCKET, Key=key)["Body"].read()

    def assert_gone(self, key):
        self.assertEqual(error_code(lambda: self.s3.get_object(Bucket=self.BUCKET, Key=key)),
                         "NoSuchKey", key)
        self.assertEqual(error_code(lambda: self.s3.head_object(Bucket=self.BUCKET, Key=key)),
                         "404", key)

    def delete(self, key):
        r = self.s3.delete_object(Bucket=self.BUCKET, Key=key)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204, key)

    def keys(self, **kw):
        return listed(self.s3, self.BUCKET, **kw)[0]


class Boto3FolderMarkerTest(KeyModelBase):
    """A key ending in "/" with an empty body, as the AWS console, rclone
    mkdir, s3fs and Cyberduck create."""
    BUCKET = "markers"

    def test_marker_then_child(self):
        self.put("dir/", b"")
        self.put("dir/a", b"A")
        self.assertEqual(self.keys(Prefix="dir/"), ["dir/", "dir/a"])
        r = self.s3.list_objects_v2(Bucket=self.BUCKET, Prefix="dir/", Delimiter="/")
        self.assertEqual([(o["Key"], o["Size"]) for o in r["Contents"]], [("dir/", 0), ("dir/a", 1)])
        self.assertNotIn("CommonPrefixes", r)
        top = self.s3.list_objects_v2(Bucket=self.BUCKET, Delimiter="/")
        self.assertIn({"Prefix": "dir/"}, top.get("CommonPrefixes", []))
        self.assertNotIn("dir/", [o["Key"] for o in top.get("Contents", [])])
        g = self.s3.get_object(Bucket=self.BUCKET, Key="dir/")
        self.assertEqual((g["Body"].read(), g["ContentLength"], g["ETag"]), (b"", 0, md5_quoted(b"")))
        self.assertEqual(self.s3.head_object(Bucket=self.BUCKET, Key="dir/")["ContentLength"], 0)
        # The child's delete leaves the marker (the folder is not pruned under it).
        self.delete("dir/a")
        self.assertEqual(self.keys(Prefix="dir"), ["dir/"])
        self.assertEqual(self.body("dir/"), b"")
        # The marker's delete leaves the child.
        self.put("dir/a", b"A2")
        self.delete("dir/")
        self.assert_gone("dir/")
        self.assertEqual(self.body("dir/a"), b"A2")
        self.assertEqual(self.keys(Prefix="dir"), ["dir/a"])
        self.delete("dir/a")
        self.assertEqual(self.keys(Prefix="dir"), [])

    def test_marker_alone_and_nested(self):
        self.put("mk/", b"")  # rclone mkdir of an empty folder
        top = self.s3.list_objects_v2(Bucket=self.BUCKET, Delimiter="/")
        self.assertIn({"Prefix": "mk/"}, top.get("CommonPrefixes", []))
        r = self.s3.list_objects_v2(Bucket=self.BUCKET, Prefix="mk/", Delimiter="/")
        self.assertEqual([o["Key"] for o in r.get("Contents", [])], ["mk/"])
        self.put("mk/sub/", b"")
        self.put("mk/sub/deeper/", b"")
        r = self.s3.list_objects_v2(Bucket=self.BUCKET, Prefix="mk/", Delimiter="/")
        self.assertEqual([o["Key"] for o in r.get("Contents", [])], ["mk/"])
        self.assertEqual(r.get("CommonPrefixes"), [{"Prefix": "mk/sub/"}])
        self.assertEqual(self.keys(Prefix="mk/"), ["mk/", "mk/sub/", "mk/sub/deeper/"])
        self.delete("mk/sub/")
        self.assertEqual(self.keys(Prefix="mk/"), ["mk/", "mk/sub/deeper/"])
        for k in ["mk/sub/deeper/", "mk/"]:
            self.delete(k)
        self.assertEqual(self.keys(Prefix="mk"), [])

    def test_marker_with_type_and_metadata(self):
        # s3fs marks folders with this content type.
        self.put("s3fs/", b"", ContentType="application/x-directory", Metadata={"mode": "16877"})
        h = self.s3.head_object(Bucket=self.BUCKET, Key="s3fs/")
        self.assertEqual((h["ContentType"], h["Metadata"]), ("application/x-directory",
                                                             {"mode": "16877"}))
        self.s3.copy_object(Bucket=self.BUCKET, Key="copied/", CopySource=self.BUCKET + "/s3fs/")
        self.assertEqual(self.body("copied/"), b"")
        r = self.s3.delete_objects(Bucket=self.BUCKET, Delete={
            "Objects": [{"Key": "s3fs/"}, {"Key": "copied/"}]})
        self.assertEqual(r.get("Errors", []), [])
        self.assert_gone("s3fs/")


class Boto3KeyPrefixTest(KeyModelBase):
    """A key that is also the prefix of other keys ("foo/bar" and
    "foo/bar/xyzzy"), created in both orders."""
    BUCKET = "coexist"

    def check_pair(self, short, long_):
        self.assertEqual(self.body(short), short.encode())
        self.assertEqual(self.body(long_), long_.encode())
        top = short.split("/")[0] + "/"
        self.assertEqual(self.keys(Prefix=top), [short, long_])
        r = self.s3.list_objects_v2(Bucket=self.BUCKET, Prefix=top, Delimiter="/")
        rest = short[len(top):]
        if "/" not in rest:  # short is listed; long_ rolls up under short + "/"
            self.assertEqual([o["Key"] for o in r.get("Contents", [])], [short])
            self.assertEqual(r.get("CommonPrefixes"), [{"Prefix": short + "/"}])

    def test_object_then_deeper_key(self):
        self.put("foo/bar")
        self.put("foo/bar/xyzzy")
        self.check_pair("foo/bar", "foo/bar/xyzzy")
        self.delete("foo/bar")
        self.assert_gone("foo/bar")
        self.assertEqual(self.body("foo/bar/xyzzy"), b"foo/bar/xyzzy")
        self.put("foo/bar", b"again")
        self.delete("foo/bar/xyzzy")
        self.assert_gone("foo/bar/xyzzy")
        self.assertEqual(self.body("foo/bar"), b"again")
        self.assertEqual(self.keys(Prefix="foo/"), ["foo/bar"])
        self.delete("foo/bar")

    def test_deeper_key_then_object(self):
        self.put("baz/qux/xyzzy")
        self.put("baz/qux")
        self.check_pair("baz/qux", "baz/qux/xyzzy")
        self.put("baz/qux", b"overwritten while a key lies beneath it")
        self.assertEqual(self.body("baz/qux"), b"overwritten while a key lies beneath it")
        self.delete("baz/qux/xyzzy")
        self.assertEqual(self.keys(Prefix="baz/"), ["baz/qux"])
        self.delete("baz/qux")
        self.assertEqual(self.keys(Prefix="baz"), [])

    def test_chain_in_random_orders(self):
        chain = ["c", "c/d", "c/d/", "c/d/e", "c/d/e/f", "c!", "c/d0", "c/d!"]
        rng = random.Random(15)
        for _ in range(3):
            order = chain[:]
            rng.shuffle(order)
            for k in order:
                self.put(k)
            for k in chain:
                self.assertEqual(self.body(k), k.encode(), k)
            self.assertEqual(self.keys(Prefix="c"), s3_sorted(chain))
            rng.shuffle(order)
            left = set(chain)
            for k in order:
                self.delete(k)
                left.discard(k)
                self.assertEqual(self.keys(Prefix="c"), s3_sorted(left), "after deleting " + k)
                for other in left:
                    self.assertEqual(self.body(other), other.encode(), other)

    def test_copy_and_multipart_onto_a_prefix(self):
        self.put("cp/src/inner", b"inner")
        self.s3.copy_object(Bucket=self.BUCKET, Key="cp/src", CopySource=self.BUCKET + "/cp/src/inner")
        self.assertEqual(self.body("cp/src"), b"inner")
        up = self.s3.create_multipart_upload(Bucket=self.BUCKET, Key="cp/src/inner/leaf")
        part = self.s3.upload_part(Bucket=self.BUCKET, Key="cp/src/inner/leaf",
                                   UploadId=up["UploadId"], PartNumber=1, Body=b"mp")
        self.s3.complete_multipart_upload(
            Bucket=self.BUCKET, Key="cp/src/inner/leaf", UploadId=up["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
        self.assertEqual(self.body("cp/src/inner/leaf"), b"mp")
        self.assertEqual(self.keys(Prefix="cp/"), ["cp/src", "cp/src/inner", "cp/src/inner/leaf"])
        for k in ["cp/src/inner", "cp/src", "cp/src/inner/leaf"]:
            self.delete(k)
        self.assertEqual(self.keys(Prefix="cp"), [])


# Keys with empty and dot segments: boto3 sends all of them as they are (the
# path is not normalised), so they reach the server unchanged.
ODD_SEGMENT_KEYS = ["a//b", "/lead", "a/b//", "//", "a/./b", "a/../b", "./x", "../y", "x/."]
LONG_KEYS = ["L" * 1024,                        # one segment of 1,024 bytes
             "seg/" + "x" * 300 + "/end",       # a 300-byte segment
             "\u00e9" * 512,                    # 1,024 bytes of UTF-8, 512 characters
             "d/" * 200 + "z" * 624]            # 1,024 bytes, 201 segments
RESERVED_KEYS = [".wormfs", ".wormfs/", ".wormfs/x", ".wormfs/tmp/y", ".wormfs/locks/z"]


class Boto3OddKeysTest(KeyModelBase):
    BUCKET = "oddkeys"

    def round_trip(self, keys):
        for k in keys:
            self.put(k)
        for k in keys:
            self.assertEqual(self.body(k), k.encode(), k)
            self.assertEqual(self.s3.head_object(Bucket=self.BUCKET, Key=k)["ContentLength"],
                             len(k.encode()), k)
        self.assertEqual(self.keys(), s3_sorted(keys))
        for k in keys:
            self.delete(k)
            self.assert_gone(k)
        self.assertEqual(self.keys(), [])

    def test_empty_and_dot_segments(self):
        self.round_trip(ODD_SEGMENT_KEYS)

    def test_long_keys(self):
        self.round_trip(LONG_KEYS)
        for k in ["M" * 1025, "\u00e9" * 513]:  # the limit is in bytes
            self.assertEqual(error_code(lambda: self.s3.put_object(Bucket=self.BUCKET, Key=k,
                                                                   Body=b"x")),
                             "KeyTooLongError", len(k))

    def test_reserved_folder_name(self):
        self.round_trip(RESERVED_KEYS)
        # The backend's own temp files and locks still work afterwards.
        self.put("after/put")
        cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "in")
            with open(src, "wb") as f:
                f.write(b"r" * (6 * 1024 * 1024))
            self.s3.upload_file(src, self.BUCKET, ".wormfs/big", Config=cfg)
        self.assertEqual(len(self.body(".wormfs/big")), 6 * 1024 * 1024)
        for k in ["after/put", ".wormfs/big"]:
            self.delete(k)

    def test_batch_delete_and_copy(self):
        keys = ODD_SEGMENT_KEYS + ["foo/bar", "foo/bar/xyzzy", "m/"]
        for k in keys:
            self.put(k)
        self.s3.copy_object(Bucket=self.BUCKET, Key="/copy//of/", CopySource={
            "Bucket": self.BUCKET, "Key": "a/../b"})
        self.assertEqual(self.body("/copy//of/"), b"a/../b")
        r = self.s3.delete_objects(Bucket=self.BUCKET, Delete={
            "Objects": [{"Key": k} for k in keys + ["/copy//of/"]]})
        self.assertEqual(r.get("Errors", []), [])
        self.assertEqual(s3_sorted(d["Key"] for d in r["Deleted"]), s3_sorted(keys + ["/copy//of/"]))
        self.assertEqual(self.keys(), [])


# ---- Listings compared with the reference model ------------------------------

PLAIN_LISTING_KEYS = list_model.PLAIN_LISTING_KEYS
ODD_LISTING_KEYS = list_model.ODD_LISTING_KEYS
LISTING_QUERIES = [
    {}, {"delimiter": "/"}, {"prefix": "dir/", "delimiter": "/"}, {"prefix": "dir"},
    {"prefix": "dir", "delimiter": "/"}, {"prefix": "foo/bar", "delimiter": "/"},
    {"prefix": "foo/bar/", "delimiter": "/"}, {"prefix": "a/"}, {"prefix": "a/", "delimiter": "/"},
    {"prefix": "/", "delimiter": "/"}, {"delimiter": "/", "start_after": "dir/a"},
    {"prefix": "foo/", "delimiter": "/", "start_after": "foo/bar!"}, {"delimiter": "b"},
    {"prefix": ".wormfs", "delimiter": "/"}, {"start_after": "foo/bar/"},
    {"prefix": "z/", "delimiter": "/"}, {"prefix": "nothing-here", "delimiter": "/"}]
PAGE_SIZES = [1, 2, 3, 7, 1000]


class ListingExactness:
    """Mixin: walks every query at every page size, V2 with continuation
    tokens and V1 with markers, and compares each page with list_model."""
    KEYS = None

    @classmethod
    def setUpClass(cls):
        cls.s3 = client()
        cls.s3.create_bucket(Bucket=cls.BUCKET)
        cls.refused = {}
        for k in cls.KEYS:
            try:
                cls.s3.put_object(Bucket=cls.BUCKET, Key=k, Body=b"v")
            except ClientError as e:
                cls.refused[k[:60]] = e.response["Error"]["Code"]

    def setUp(self):
        self.assertEqual(self.refused, {}, "the server refused keys S3 stores")

    def walk_v2(self, q, max_keys):
        args = {"Bucket": self.BUCKET, "MaxKeys": max_keys}
        if q.get("prefix"):
            args["Prefix"] = q["prefix"]
        if q.get("delimiter"):
            args["Delimiter"] = q["delimiter"]
        if q.get("start_after"):
            args["StartAfter"] = q["start_after"]
        got = []
        for _ in range(len(self.KEYS) + 2):
            r = self.s3.list_objects_v2(**args)
            got.append({"keys": [o["Key"] for o in r.get("Contents", [])],
                        "prefixes": [p["Prefix"] for p in r.get("CommonPrefixes", [])],
                        "truncated": r["IsTruncated"]})
            self.assertEqual(r["KeyCount"], len(got[-1]["keys"]) + len(got[-1]["prefixes"]))
            if not r["IsTruncated"]:
                break
            args["ContinuationToken"] = r["NextContinuationToken"]
            args.pop("StartAfter", None)
        return got

    def walk_v1(self, q, max_keys):
        args = {"Bucket": self.BUCKET, "MaxKeys": max_keys}
        if q.get("prefix"):
            args["Prefix"] = q["prefix"]
        if q.get("delimiter"):
            args["Delimiter"] = q["delimiter"]
        if q.get("start_after"):
            args["Marker"] = q["start_after"]
        got = []
        for _ in range(len(self.KEYS) + 2):
            r = self.s3.list_objects(**args)
            page = {"keys": [o["Key"] for o in r.get("Contents", [])],
                    "prefixes": [p["Prefix"] for p in r.get("CommonPrefixes", [])],
                    "truncated": r["IsTruncated"]}
            got.append(page)
            if not r["IsTruncated"]:
                break
            # With a delimiter S3 sends NextMarker; without, the last key is the marker.
            args["Marker"] = r["NextMarker"] if q.get("delimiter") else page["keys"][-1]
        return got

    def test_v2_pages_equal_the_model(self):
        bad = []
        for q in LISTING_QUERIES:
            for n in PAGE_SIZES:
                want = list_model.pages(self.KEYS, q.get("prefix", ""), q.get("delimiter"),
                                        q.get("start_after"), n)
                got = self.walk_v2(q, n)
                if got != want:
                    bad.append("%r max_keys=%d\n  want %r\n  got  %r" % (q, n, want, got))
        self.assertFalse(bad, "%d walks differ from the model; the first:\n%s"
                         % (len(bad), "\n".join(bad[:3])))

    def test_v1_pages_equal_the_model(self):
        bad = []
        for q in LISTING_QUERIES:
            for n in [1, 3, 1000]:
                want = list_model.pages(self.KEYS, q.get("prefix", ""), q.get("delimiter"),
                                        q.get("start_after"), n)
                got = self.walk_v1(q, n)
                if got != want:
                    bad.append("%r max_keys=%d\n  want %r\n  got  %r" % (q, n, want, got))
        self.assertFalse(bad, "%d walks differ from the model; the first:\n%s"
                         % (len(bad), "\n".join(bad[:3])))


class Boto3PlainListingTest(ListingExactness, unittest.TestCase):
    BUCKET = "listing-plain"
    KEYS = PLAIN_LISTING_KEYS


class Boto3OddListingTest(ListingExactness, unittest.TestCase):
    BUCKET = "listing-odd"
    KEYS = ODD_LISTING_KEYS


# ---- Parallel deletes and PUTs in one folder (issue 15 item 1) ---------------

class Boto3ParallelFolderTest(unittest.TestCase):
    """A sync tool's purge: 32 threads over keep-alive connections delete the
    keys of one folder at once, while other threads PUT siblings. DeleteObject
    is idempotent and always 204; a PUT never fails because a sibling's delete
    pruned the folder. A server of its own with fsync on (the default): the
    delete race once showed only there."""
    THREADS = 32

    @classmethod
    def setUpClass(cls):
        cls.server = WormServe().start()
        cls.s3 = client(cls.server, pool=cls.THREADS)
        cls.s3.create_bucket(Bucket="parallel")
        cls.pool = ThreadPoolExecutor(cls.THREADS)

    @classmethod
    def tearDownClass(cls):
        cls.pool.shutdown()
        cls.server.close()

    def call(self, fn, **kw):
        """The HTTP status, or the S3 error code and message."""
        try:
            return fn(Bucket="parallel", **kw)["ResponseMetadata"]["HTTPStatusCode"]
        except ClientError as e:
            return "%s: %s" % (e.response["Error"]["Code"], e.response["Error"].get("Message"))

    def put_all(self, keys):
        res = list(self.pool.map(lambda k: self.call(self.s3.put_object, Key=k, Body=k.encode()),
                                 keys))
        self.assertEqual(collections.Counter(res), {200: len(keys)})

    def delete_all(self, keys):
        return list(self.pool.map(lambda k: self.call(self.s3.delete_object, Key=k), keys))

    def assert_bucket_empty(self):
        r = self.s3.list_objects_v2(Bucket="parallel", Delimiter="/")
        self.assertEqual((r["KeyCount"], r.get("CommonPrefixes")), (0, None))

    def test_parallel_delete_of_one_folder(self):
        failures = collections.Counter()
        bad_rounds = 0
        for r in range(ROUNDS):
            keys = ["del%d/tree/k%02d" % (r, i) for i in range(34)] + \
                   ["del%d/tree/sub/k%d" % (r, i) for i in range(4)]
            self.put_all(keys)
            res = self.delete_all(keys)
            bad = [x for x in res if x != 204]
            bad_rounds += bool(bad)
            failures.update(bad)
            # A repeat is still 204 (idempotent), for keys and folders now gone.
            failures.update(x for x in self.delete_all(keys[:4]) if x != 204)
        self.assertEqual((bad_rounds, dict(failures)), (0, {}), "rounds with a failed delete")
        self.assert_bucket_empty()

    def test_parallel_purge_of_many_folders(self):
        keys = ["purge/f%02d/k%02d" % (f, i) for f in range(40) for i in range(36)] + \
               ["purge/f%02d/s/t/k%d" % (f, i) for f in range(40) for i in range(4)]
        random.Random(1).shuffle(keys)
        self.put_all(keys)
        res = self.delete_all(keys)
        self.assertEqual(collections.Counter(res), {204: len(keys)})
        self.assert_bucket_empty()
        # The same through DeleteObjects, four batches at once over the same folders.
        self.put_all(keys)
        batches = [keys[i::4] for i in range(4)]
        results = list(self.pool.map(lambda b: self.s3.delete_objects(
            Bucket="parallel", Delete={"Objects": [{"Key": k} for k in b], "Quiet": True}), batches))
        self.assertEqual([r.get("Errors", []) for r in results], [[], [], [], []])
        self.assert_bucket_empty()

    def test_puts_racing_sibling_deletes(self):
        failures = collections.Counter()
        missing = []
        for r in range(ROUNDS):
            old = ["race%d/dir/k%02d" % (r, i) for i in range(36)]
            new = ["race%d/dir/new%d" % (r, i) for i in range(8)] + \
                  ["race%d/dir/deep/er/new%d" % (r, i) for i in range(4)]
            self.put_all(old)
            jobs = [self.pool.submit(self.call, self.s3.delete_object, Key=k) for k in old]
            jobs += [self.pool.submit(self.call, self.s3.put_object, Key=k, Body=k.encode())
                     for k in new]
            failures.update(j.result() for j in jobs if j.result() not in (200, 204))
            for k in new:
                try:
                    if self.s3.get_object(Bucket="parallel", Key=k)["Body"].read() != k.encode():
                        missing.append(k + " (wrong body)")
                except ClientError:
                    missing.append(k)
            got = listed(self.s3, "parallel", Prefix="race%d/" % r)[0]
            if got != s3_sorted(new):
                missing.append("round %d lists %d keys, want the %d new ones" % (r, len(got), len(new)))
        self.assertEqual((dict(failures), missing), ({}, []), "failed PUTs/deletes, missing keys")
        for r in range(ROUNDS):
            self.delete_all(listed(self.s3, "parallel", Prefix="race%d/" % r)[0])
        self.assert_bucket_empty()


if __name__ == "__main__":
    SERVER = WormServe(extra=["--no-fsync"]).start()
    try:
        result = unittest.main(exit=False, verbosity=2).result
    finally:
        SERVER.close()
    sys.exit(0 if result.wasSuccessful() else 1)
