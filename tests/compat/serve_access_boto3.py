#!/usr/bin/python3
"""boto3 (Debian's 1.26) against `worm serve` with three identities: the root
identity (--access-key) and alice and bob from --identities, their secrets in
the environment keychain (WORM_SECRET_IDENTITY_<ID>_<KEY>). Covers the S3
access model (docs/serve-access.md): cross-user denial, a public-read bucket
read by unsigned requests, a bucket policy granting one prefix to one user,
canned ACLs and the Get/PutObjectAcl round trip, Block Public Access refusing
a public policy and ACL, and BucketOwnerEnforced refusing ACLs."""
import json
import os
import sys
import tempfile
import unittest

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_util import ACCESS_KEY, SECRET_KEY, WormServe  # noqa: E402

USERS = {"alice": ("AKIDALICECOMPAT", "alice-compat-secret"),
         "bob": ("AKIDBOBCOMPAT", "bob-compat-secret")}
SERVER = None


def client(who):
    if who == "anonymous":
        cfg = Config(s3={"addressing_style": "path"}, signature_version=UNSIGNED,
                     retries={"max_attempts": 1})
        return boto3.client("s3", endpoint_url=SERVER.url, region_name="us-east-1", config=cfg)
    ak, sk = USERS[who] if who in USERS else (ACCESS_KEY, SECRET_KEY)
    return boto3.client(
        "s3", endpoint_url=SERVER.url, aws_access_key_id=ak, aws_secret_access_key=sk,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                      retries={"max_attempts": 1}))


def code(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


class AccessBoto3Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.alice, cls.bob = client("alice"), client("bob")
        cls.root, cls.anon = client("root"), client("anonymous")

    def test_cross_user_denial(self):
        self.alice.create_bucket(Bucket="alice-only")
        self.alice.put_object(Bucket="alice-only", Key="a.txt", Body=b"alice's")
        self.assertEqual(self.alice.get_object(Bucket="alice-only", Key="a.txt")["Body"].read(),
                         b"alice's")
        self.assertEqual(code(lambda: self.bob.get_object(Bucket="alice-only", Key="a.txt")),
                         "AccessDenied")
        self.assertEqual(code(lambda: self.bob.put_object(Bucket="alice-only", Key="b", Body=b"x")),
                         "AccessDenied")
        self.assertEqual(code(lambda: self.bob.list_objects_v2(Bucket="alice-only")),
                         "AccessDenied")
        self.assertEqual(code(lambda: self.bob.delete_bucket(Bucket="alice-only")), "AccessDenied")
        self.assertEqual(code(lambda: self.bob.create_bucket(Bucket="alice-only")),
                         "BucketAlreadyExists")
        names = [b["Name"] for b in self.bob.list_buckets()["Buckets"]]
        self.assertNotIn("alice-only", names)
        self.assertIn("alice-only", [b["Name"] for b in self.alice.list_buckets()["Buckets"]])
        # The operator (root identity) sees and reads everything.
        self.assertIn("alice-only", [b["Name"] for b in self.root.list_buckets()["Buckets"]])
        self.root.head_object(Bucket="alice-only", Key="a.txt")

    def test_public_read_bucket_read_anonymously(self):
        self.alice.create_bucket(Bucket="alice-public", ACL="public-read")
        self.alice.put_object(Bucket="alice-public", Key="open.txt", Body=b"hello", ACL="public-read")
        self.alice.put_object(Bucket="alice-public", Key="closed.txt", Body=b"secret")
        listed = [o["Key"] for o in self.anon.list_objects_v2(Bucket="alice-public")["Contents"]]
        self.assertEqual(sorted(listed), ["closed.txt", "open.txt"])
        self.assertEqual(self.anon.get_object(Bucket="alice-public", Key="open.txt")["Body"].read(),
                         b"hello")
        self.assertEqual(code(lambda: self.anon.get_object(Bucket="alice-public", Key="closed.txt")),
                         "AccessDenied")
        self.assertEqual(code(lambda: self.anon.put_object(Bucket="alice-public", Key="n", Body=b"x")),
                         "AccessDenied")
        # A policy can open a bucket to anonymous readers too.
        self.alice.create_bucket(Bucket="alice-site")
        self.alice.put_object(Bucket="alice-site", Key="index.html", Body=b"<p>hi</p>")
        self.alice.put_bucket_policy(Bucket="alice-site", Policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
                           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::alice-site/*"}]}))
        self.assertEqual(self.anon.get_object(Bucket="alice-site", Key="index.html")["Body"].read(),
                         b"<p>hi</p>")
        self.assertTrue(self.alice.get_bucket_policy_status(Bucket="alice-site")
                        ["PolicyStatus"]["IsPublic"])

    def test_policy_grants_one_prefix_to_one_user(self):
        self.alice.create_bucket(Bucket="alice-team")
        self.alice.put_object(Bucket="alice-team", Key="shared/plan.txt", Body=b"plan")
        self.alice.put_object(Bucket="alice-team", Key="private/diary.txt", Body=b"diary")
        policy = {"Version": "2012-10-17", "Statement": [
            {"Sid": "BobShared", "Effect": "Allow",
             "Principal": {"AWS": ["arn:aws:iam::000000000000:user/bob"]},
             "Action": ["s3:GetObject", "s3:PutObject"],
             "Resource": ["arn:aws:s3:::alice-team/shared/*"]},
            {"Sid": "BobListsShared", "Effect": "Allow", "Principal": {"AWS": "bob"},
             "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::alice-team",
             "Condition": {"StringLike": {"s3:prefix": ["shared/*"]}}}]}
        self.alice.put_bucket_policy(Bucket="alice-team", Policy=json.dumps(policy))
        self.assertEqual(json.loads(self.alice.get_bucket_policy(Bucket="alice-team")["Policy"]),
                         policy)
        self.assertEqual(self.bob.get_object(Bucket="alice-team", Key="shared/plan.txt")
                         ["Body"].read(), b"plan")
        self.bob.put_object(Bucket="alice-team", Key="shared/bob.txt", Body=b"from bob")
        self.assertEqual(code(lambda: self.bob.get_object(Bucket="alice-team",
                                                          Key="private/diary.txt")), "AccessDenied")
        self.assertEqual(code(lambda: self.bob.put_object(Bucket="alice-team", Key="private/x",
                                                          Body=b"x")), "AccessDenied")
        keys = [o["Key"] for o in
                self.bob.list_objects_v2(Bucket="alice-team", Prefix="shared/")["Contents"]]
        self.assertEqual(sorted(keys), ["shared/bob.txt", "shared/plan.txt"])
        self.assertEqual(code(lambda: self.bob.list_objects_v2(Bucket="alice-team")),
                         "AccessDenied")
        self.assertEqual(code(lambda: self.bob.get_bucket_policy(Bucket="alice-team")),
                         "AccessDenied")
        self.assertEqual(code(lambda: self.alice.put_bucket_policy(
            Bucket="alice-team", Policy='{"Statement": [{"Effect": "Allow"}]}')), "MalformedPolicy")
        self.alice.delete_bucket_policy(Bucket="alice-team")
        self.assertEqual(code(lambda: self.bob.get_object(Bucket="alice-team",
                                                          Key="shared/plan.txt")), "AccessDenied")
        self.assertEqual(code(lambda: self.alice.get_bucket_policy(Bucket="alice-team")),
                         "NoSuchBucketPolicy")

    def test_canned_acls_and_object_acl_round_trip(self):
        self.alice.create_bucket(Bucket="alice-acl")
        self.alice.put_object(Bucket="alice-acl", Key="doc", Body=b"doc", ACL="authenticated-read")
        self.assertEqual(self.bob.get_object(Bucket="alice-acl", Key="doc")["Body"].read(), b"doc")
        self.assertEqual(code(lambda: self.anon.get_object(Bucket="alice-acl", Key="doc")),
                         "AccessDenied")
        acl = self.alice.get_object_acl(Bucket="alice-acl", Key="doc")
        self.assertEqual(acl["Owner"]["ID"], "alice")
        groups = [g["Grantee"].get("URI") for g in acl["Grants"]]
        self.assertIn("http://acs.amazonaws.com/groups/global/AuthenticatedUsers", groups)
        # Put it back as a policy document: only bob may read.
        self.alice.put_object_acl(Bucket="alice-acl", Key="doc", AccessControlPolicy={
            "Owner": {"ID": "alice"},
            "Grants": [
                {"Grantee": {"Type": "CanonicalUser", "ID": "alice"}, "Permission": "FULL_CONTROL"},
                {"Grantee": {"Type": "CanonicalUser", "ID": "bob"}, "Permission": "READ"}]})
        grants = self.alice.get_object_acl(Bucket="alice-acl", Key="doc")["Grants"]
        self.assertEqual(sorted((g["Grantee"]["ID"], g["Permission"]) for g in grants),
                         [("alice", "FULL_CONTROL"), ("bob", "READ")])
        self.assertEqual(self.bob.get_object(Bucket="alice-acl", Key="doc")["Body"].read(), b"doc")
        self.assertEqual(code(lambda: self.bob.get_object_acl(Bucket="alice-acl", Key="doc")),
                         "AccessDenied")
        # Grant headers on the bucket: bob may write; what he writes is his.
        self.alice.put_bucket_acl(Bucket="alice-acl", GrantWrite='id="bob"',
                                  GrantFullControl='id="alice"')
        bucket_grants = self.alice.get_bucket_acl(Bucket="alice-acl")["Grants"]
        self.assertIn(("bob", "WRITE"),
                      [(g["Grantee"].get("ID"), g["Permission"]) for g in bucket_grants])
        self.bob.put_object(Bucket="alice-acl", Key="bobs", Body=b"b", ACL="bucket-owner-read")
        self.assertEqual(self.bob.get_object_acl(Bucket="alice-acl", Key="bobs")["Owner"]["ID"],
                         "bob")
        self.alice.put_object_acl(Bucket="alice-acl", Key="doc", ACL="private")
        self.assertEqual(code(lambda: self.bob.get_object(Bucket="alice-acl", Key="doc")),
                         "AccessDenied")

    def test_block_public_access(self):
        self.alice.create_bucket(Bucket="alice-bpa")
        self.alice.put_public_access_block(Bucket="alice-bpa", PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
        got = self.alice.get_public_access_block(Bucket="alice-bpa")
        self.assertTrue(got["PublicAccessBlockConfiguration"]["BlockPublicPolicy"])
        public_policy = json.dumps({"Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::alice-bpa/*"}]})
        self.assertEqual(code(lambda: self.alice.put_bucket_policy(Bucket="alice-bpa",
                                                                   Policy=public_policy)),
                         "AccessDenied")
        self.assertEqual(code(lambda: self.alice.put_object(Bucket="alice-bpa", Key="p", Body=b"x",
                                                            ACL="public-read")), "AccessDenied")
        self.assertEqual(code(lambda: self.alice.put_bucket_acl(Bucket="alice-bpa",
                                                                ACL="public-read")), "AccessDenied")
        self.alice.put_object(Bucket="alice-bpa", Key="p", Body=b"x")  # private is fine
        self.alice.delete_public_access_block(Bucket="alice-bpa")
        self.assertEqual(code(lambda: self.alice.get_public_access_block(Bucket="alice-bpa")),
                         "NoSuchPublicAccessBlockConfiguration")
        self.alice.put_bucket_policy(Bucket="alice-bpa", Policy=public_policy)
        self.assertEqual(self.anon.get_object(Bucket="alice-bpa", Key="p")["Body"].read(), b"x")

    def test_bucket_owner_enforced_refuses_acls(self):
        self.alice.create_bucket(Bucket="alice-enforced", ObjectOwnership="BucketOwnerEnforced")
        rules = self.alice.get_bucket_ownership_controls(Bucket="alice-enforced")
        self.assertEqual(rules["OwnershipControls"]["Rules"][0]["ObjectOwnership"],
                         "BucketOwnerEnforced")
        self.assertEqual(code(lambda: self.alice.put_object(Bucket="alice-enforced", Key="a",
                                                            Body=b"x", ACL="public-read")),
                         "AccessControlListNotSupported")
        self.alice.put_object(Bucket="alice-enforced", Key="a", Body=b"x",
                              ACL="bucket-owner-full-control")
        self.assertEqual(code(lambda: self.alice.put_object_acl(Bucket="alice-enforced", Key="a",
                                                                ACL="public-read")),
                         "AccessControlListNotSupported")
        self.assertEqual(code(lambda: self.alice.put_bucket_acl(Bucket="alice-enforced",
                                                                ACL="public-read")),
                         "AccessControlListNotSupported")
        self.assertEqual(self.alice.get_object_acl(Bucket="alice-enforced", Key="a")
                         ["Owner"]["ID"], "alice")
        self.alice.put_bucket_ownership_controls(
            Bucket="alice-enforced",
            OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
        self.alice.put_object(Bucket="alice-enforced", Key="b", Body=b"y", ACL="public-read")
        self.assertEqual(self.anon.get_object(Bucket="alice-enforced", Key="b")["Body"].read(), b"y")
        self.alice.delete_bucket_ownership_controls(Bucket="alice-enforced")
        self.assertEqual(code(lambda: self.alice.get_bucket_ownership_controls(
            Bucket="alice-enforced")), "OwnershipControlsNotFoundError")


def main():
    global SERVER
    tmp = tempfile.TemporaryDirectory(prefix="worm-access-")
    ids = os.path.join(tmp.name, "identities.json")
    with open(ids, "w") as f:
        json.dump({"identities": {u: {"roles": [], "accessKeys": [k]}
                                  for u, (k, _) in USERS.items()}}, f)
    for u, (k, s) in USERS.items():
        os.environ["WORM_SECRET_IDENTITY_%s_%s" % (u.upper(), k)] = s
    root = os.path.join(tmp.name, "root")
    os.makedirs(root)
    SERVER = WormServe(root=root, extra=["--identities", ids]).start()
    try:
        prog = unittest.main(exit=False, verbosity=2)
        ok = prog.result.wasSuccessful()
    finally:
        SERVER.close()
        tmp.cleanup()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
