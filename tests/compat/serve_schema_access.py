#!/usr/bin/python3
"""The schema's access rules through `worm serve` (project mode), with boto3
and bearer tokens over raw HTTP: the same rules the engine enforces
(docs/serve-access.md, "Schema rules"), so S3 is no way around them.

A project from `worm init` (roles admin and viewer; Customer.email hidden
from viewers; viewers edit only invoices they own) with identities ada
(admin) and vic (viewer), their S3 secrets and the token signing key in a
file keychain. Checks: admin reads and writes; the viewer reads invoices,
lists, is refused customers' objects (a hidden field cannot be redacted from
raw bytes) and every write; a bearer token acts as its principal, an
attenuated one only within its scope, a forged or revoked one not at all
(a revocation is seen by the running server within 5 s); the root identity
bypasses the rules; an unsigned request is refused."""
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_util import ACCESS_KEY, SECRET_KEY, worm_bin  # noqa: E402

KEYS = {"ada": ("AKIDADASCHEMA", "ada-schema-secret"),
        "vic": ("AKIDVICSCHEMA", "vic-schema-secret")}
BUCKET = "local"


def code(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


class SchemaAccessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="worm-schema-access-")
        cls.dir = cls.tmp.name
        cls.env = dict(os.environ, WORM_KEYCHAIN="file:" + os.path.join(cls.dir, "kc"),
                       WORM_KEYCHAIN_PASSPHRASE="compat passphrase",
                       WORM_KEYCHAIN_KDF="interactive", WORM_PROJECT=cls.dir)
        cls.env.pop("WORM_TOKEN", None)
        cls.worm("init", cls.dir)
        ids_path = os.path.join(cls.dir, ".worm", "identities.json")
        with open(ids_path) as f:
            ids = json.load(f)
        for who, (ak, sk) in KEYS.items():
            ids["identities"][who]["accessKeys"] = [ak]
            cls.worm("keychain", "add", "identity/%s/%s" % (who, ak), "--value-stdin", stdin=sk)
        with open(ids_path, "w") as f:
            json.dump(ids, f)
        cust = json.loads(cls.worm("--json", "create", "Customer", "--data",
                                   json.dumps({"name": "Ann", "email": "ann@example.com"})))
        cls.customer_key = cls.worm("resolve", "Customer", cust["id"]).strip()
        mine = json.loads(cls.worm("--json", "create", "Invoice", "--data", json.dumps(
            {"customerId": cust["id"], "amount": 5, "ownerId": "vic"})))
        cls.invoice_key = cls.worm("resolve", "Invoice", mine["id"]).strip()
        cls.worm("keys", "create")
        cls.vic_token = cls.worm("token", "create", "--as", "vic", "--ttl", "1h").strip()
        cls.customer_only = cls.worm("token", "attenuate", cls.vic_token,
                                     "--models", "Customer").strip()
        cls.proc = subprocess.Popen(
            [worm_bin(), "serve", "--port", "0", "--access-key", ACCESS_KEY,
             "--secret-key", SECRET_KEY], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=cls.env, cwd=cls.dir)
        line = cls.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise RuntimeError("worm serve did not start: %r %s" % (line, cls.proc.stderr.read()))
        cls.url = line[len("listening on "):]
        cls.port = int(cls.url.rsplit(":", 1)[1])
        cls.s3 = {who: cls.client(*keys) for who, keys in KEYS.items()}
        cls.s3["root"] = cls.client(ACCESS_KEY, SECRET_KEY)

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        try:
            cls.proc.wait(timeout=30)
        finally:
            cls.tmp.cleanup()

    @classmethod
    def worm(cls, *args, stdin=None):
        r = subprocess.run([worm_bin(), *args], input=stdin, capture_output=True, text=True,
                           env=cls.env, cwd=cls.dir, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("worm %s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr))
        return r.stdout

    @classmethod
    def client(cls, ak, sk):
        return boto3.client(
            "s3", endpoint_url=cls.url, aws_access_key_id=ak, aws_secret_access_key=sk,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                          retries={"max_attempts": 1}))

    def bearer(self, method, key, token, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Authorization": "Bearer " + token, "x-amz-content-sha256": "UNSIGNED-PAYLOAD"}
        conn.request(method, "/%s/%s" % (BUCKET, key), body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, data

    def test_admin_reads_and_writes(self):
        ada = self.s3["ada"]
        doc = json.loads(ada.get_object(Bucket=BUCKET, Key=self.customer_key)["Body"].read())
        self.assertEqual(doc["email"], "ann@example.com")
        ada.put_object(Bucket=BUCKET, Key="notes/ada.txt", Body=b"admin note")

    def test_viewer_reads_invoices_but_not_customers_with_hidden_fields(self):
        vic = self.s3["vic"]
        doc = json.loads(vic.get_object(Bucket=BUCKET, Key=self.invoice_key)["Body"].read())
        self.assertEqual(doc["ownerId"], "vic")
        self.assertEqual(code(lambda: vic.get_object(Bucket=BUCKET, Key=self.customer_key)),
                         "AccessDenied")
        listed = vic.list_objects_v2(Bucket=BUCKET, Prefix="org/invoices/")
        self.assertIn(self.invoice_key, [o["Key"] for o in listed.get("Contents", [])])

    def test_viewer_writes_are_refused(self):
        vic = self.s3["vic"]
        # Its own invoice: the owner rule decides on the new document, which
        # S3 cannot show before the body arrives.
        self.assertEqual(code(lambda: vic.put_object(Bucket=BUCKET, Key=self.invoice_key,
                                                     Body=b"{}")), "AccessDenied")
        self.assertEqual(code(lambda: vic.delete_object(Bucket=BUCKET, Key=self.invoice_key)),
                         "AccessDenied")
        self.assertEqual(code(lambda: vic.put_object(Bucket=BUCKET, Key="notes/vic.txt",
                                                     Body=b"x")), "AccessDenied")
        self.assertEqual(code(lambda: vic.get_object(Bucket=BUCKET, Key=".worm.keys/keys.json")),
                         "AccessDenied")
        # Nothing was written.
        self.s3["root"].head_object(Bucket=BUCKET, Key=self.invoice_key)
        self.assertEqual(code(lambda: self.s3["root"].head_object(Bucket=BUCKET,
                                                                  Key="notes/vic.txt")), "404")

    def test_root_bypasses_the_rules(self):
        root = self.s3["root"]
        doc = json.loads(root.get_object(Bucket=BUCKET, Key=self.customer_key)["Body"].read())
        self.assertEqual(doc["email"], "ann@example.com")

    def test_bearer_tokens(self):
        status, data = self.bearer("GET", self.invoice_key, self.vic_token)
        self.assertEqual(status, 200, data)
        self.assertEqual(json.loads(data)["ownerId"], "vic")
        status, _ = self.bearer("GET", self.customer_key, self.vic_token)
        self.assertEqual(status, 403)  # vic's hidden field, as with its access key
        status, _ = self.bearer("PUT", "notes/t.txt", self.vic_token, body=b"x")
        self.assertEqual(status, 403)
        # Attenuated to Customer: the invoice is out of scope.
        status, data = self.bearer("GET", self.invoice_key, self.customer_only)
        self.assertEqual(status, 403, data)
        # Forged: one signature byte changed.
        forged = self.vic_token[:-3] + ("A" if self.vic_token[-3] != "A" else "B") + \
            self.vic_token[-2:]
        self.assertEqual(self.bearer("GET", self.invoice_key, forged)[0], 403)
        self.assertEqual(self.bearer("GET", self.invoice_key, "worm1.garbage")[0], 403)

    def test_revocation_reaches_the_running_server(self):
        token = self.worm("token", "create", "--as", "vic", "--ttl", "1h").strip()
        self.assertEqual(self.bearer("GET", self.invoice_key, token)[0], 200)
        self.worm("token", "revoke", token)
        deadline = time.time() + 5
        while time.time() < deadline:
            if self.bearer("GET", self.invoice_key, token)[0] == 403:
                return
            time.sleep(0.2)
        self.fail("the running server still accepted a revoked token 5 s later")

    def test_unsigned_requests_are_refused(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", "/%s/%s" % (BUCKET, self.invoice_key))
        self.assertEqual(conn.getresponse().status, 403)
        conn.close()


if __name__ == "__main__":
    unittest.main()
