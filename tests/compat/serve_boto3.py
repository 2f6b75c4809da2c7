#!/usr/bin/python3
"""boto3 (Debian's 1.26) against `worm serve`: buckets, objects, metadata,
paginated listings, batch delete, copy, ranges, conditional GET, presigned
URLs, managed multipart transfers, a repeated CompleteMultipartUpload (also
after a restart), non-ASCII metadata, stored headers, odd keys, version ids,
and S3 error codes."""
import email.header
import hashlib
import os
import sys
import tempfile
import unittest
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

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

SERVER = None


def client():
    return boto3.client(
        "s3", endpoint_url=SERVER.url, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                      retries={"max_attempts": 1}))


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


if __name__ == "__main__":
    SERVER = WormServe(extra=["--no-fsync"]).start()
    try:
        result = unittest.main(exit=False, verbosity=2).result
    finally:
        SERVER.close()
    sys.exit(0 if result.wasSuccessful() else 1)
