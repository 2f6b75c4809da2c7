#!/usr/bin/python3
"""Durability of `worm serve` under kill -9 (fsync on, the default):
 - an acknowledged PUT survives kill -9 and a restart, intact;
 - a PUT killed mid-body leaves no object and no partial file visible;
 - a multipart upload interrupted by kill -9 can be completed afterwards."""
import hashlib
import os
import socket
import sys
import tempfile
import unittest

import boto3
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_util import ACCESS_KEY, SECRET_KEY, WormServe  # noqa: E402


def client(url):
    return boto3.client("s3", endpoint_url=url, aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                                      retries={"max_attempts": 1}))


class DurabilityTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="worm-durable-")
        os.makedirs(os.path.join(self.tmp.name, "dur"))
        self.server = WormServe(root=self.tmp.name).start()  # fsync on

    def tearDown(self):
        self.server.close()
        self.tmp.cleanup()

    def restart(self):
        self.server.kill9()
        self.server = WormServe(root=self.tmp.name).start()
        return client(self.server.url)

    def test_acknowledged_put_survives_kill9(self):
        s3 = client(self.server.url)
        data = os.urandom(3 * 1024 * 1024)
        s3.put_object(Bucket="dur", Key="acked/obj.bin", Body=data)
        s3 = self.restart()
        got = s3.get_object(Bucket="dur", Key="acked/obj.bin")["Body"].read()
        self.assertEqual(hashlib.sha256(got).digest(), hashlib.sha256(data).digest())

    def test_in_flight_put_leaves_nothing(self):
        s3 = client(self.server.url)
        s3.put_object(Bucket="dur", Key="inflight", Body=b"old version")
        # An anonymous-looking raw PUT would be refused before its body; sign
        # it through a presigned URL and send half of the promised body.
        url = s3.generate_presigned_url("put_object", Params={"Bucket": "dur", "Key": "inflight"})
        path = url.split(str(self.server.port), 1)[1]
        sock = socket.create_connection(("127.0.0.1", self.server.port))
        sock.sendall(("PUT %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: %d\r\n\r\n"
                      % (path, self.server.port, 8 * 1024 * 1024)).encode())
        sock.sendall(b"n" * (4 * 1024 * 1024))
        s3 = self.restart()
        sock.close()
        body = s3.get_object(Bucket="dur", Key="inflight")["Body"].read()
        self.assertEqual(body, b"old version")
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="dur").get("Contents", [])]
        self.assertEqual(keys, ["inflight"])
        for dirpath, _, files in os.walk(os.path.join(self.tmp.name, "dur")):
            if ".wormfs" in dirpath:
                continue
            for f in files:
                self.assertEqual(os.path.join(dirpath, f),
                                 os.path.join(self.tmp.name, "dur", "inflight"))

    def test_multipart_completes_after_kill9(self):
        s3 = client(self.server.url)
        uid = s3.create_multipart_upload(Bucket="dur", Key="mp")["UploadId"]
        p1 = s3.upload_part(Bucket="dur", Key="mp", UploadId=uid, PartNumber=1,
                            Body=b"1" * (5 * 1024 * 1024))
        s3 = self.restart()
        p2 = s3.upload_part(Bucket="dur", Key="mp", UploadId=uid, PartNumber=2, Body=b"end")
        s3.complete_multipart_upload(Bucket="dur", Key="mp", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": p1["ETag"]}, {"PartNumber": 2, "ETag": p2["ETag"]}]})
        body = s3.get_object(Bucket="dur", Key="mp")["Body"].read()
        self.assertEqual(body, b"1" * (5 * 1024 * 1024) + b"end")


if __name__ == "__main__":
    sys.exit(0 if unittest.main(exit=False, verbosity=2).result.wasSuccessful() else 1)
