"""A reference model of S3 object listings, for the compat tests.

Given the full set of keys in a bucket, computes the pages that ListObjectsV2
(and V1) must return, as AWS S3 does:
- keys are ordered by their UTF-8 bytes;
- a key is listed if it starts with Prefix and sorts after StartAfter (V2) or
  Marker (V1);
- with a Delimiter, a key whose remainder after Prefix contains the delimiter
  is rolled up into the CommonPrefix Prefix + remainder up to and including
  the delimiter's first occurrence; each CommonPrefix is one entry;
- a CommonPrefix that sorts at or before StartAfter/Marker is not listed,
  nor any key that rolls up into it: a start that lies inside a common prefix
  skips the whole prefix (Ceph RGW does the same, and it is what makes a V1
  NextMarker that names a prefix resume after everything under it);
- keys and CommonPrefixes are one sequence in byte order, and MaxKeys counts
  both; a page is truncated exactly when more entries follow;
- the next page resumes after the page's last entry, key or CommonPrefix.

serve_boto3.py imports it; serve_awscli.sh runs it as a script
(`list_model.py awscli-put ...`, then `list_model.py awscli ...`) to walk
listings with /usr/bin/aws and compare them page by page. serve_sdk_v3.mjs
has a port (and a copy of the key sets).
"""
import json
import os
import subprocess
import sys

# Keys today's server already stores: the listing walks must be exact for them.
PLAIN_LISTING_KEYS = ["dir/a", "dir/b/c", "dir/b0", "dir!", "dir0", "foo/bar!", "foo/bar0",
                      "foo/baz/q", "plain", "sp ace", "plus+sign", "~tilde", "\u00e9/\u00fc",
                      "\u00e9t\u00e9", "z/y/x/w"]
# Keys that need issue 15 item 2: folder markers, a key that is a prefix,
# empty and dot segments, long keys, the reserved folder name.
ODD_LISTING_KEYS = PLAIN_LISTING_KEYS + [
    "dir/", "dir/b/", "foo/bar", "foo/bar/", "foo/bar/xyzzy", "a//b", "a/b//", "a/./b",
    "a/../b", "/lead", "//x", "L" * 1024, "seg/" + "x" * 300 + "/t", ".wormfs", ".wormfs/k",
    "z/", "z/y"]
KEY_SETS = {"plain": PLAIN_LISTING_KEYS, "odd": ODD_LISTING_KEYS}


def _b(s):
    return s.encode("utf-8")


def entries(keys, prefix="", delimiter=None, after=None):
    """The listing's entries in order: ("key", k) or ("prefix", cp)."""
    out = []
    seen = set()
    for k in sorted(set(keys), key=_b):
        if not k.startswith(prefix):
            continue
        if after is not None and _b(k) <= _b(after):
            continue
        if delimiter:
            rest = k[len(prefix):]
            i = rest.find(delimiter)
            if i >= 0:
                cp = prefix + rest[:i + len(delimiter)]
                if after is not None and _b(cp) <= _b(after):
                    continue
                if cp not in seen:
                    seen.add(cp)
                    out.append(("prefix", cp))
                continue
        out.append(("key", k))
    return out


def pages(keys, prefix="", delimiter=None, start_after=None, max_keys=1000):
    """The pages a client walking the listing must see: a list of dicts with
    keys (list), prefixes (list), truncated (bool)."""
    result = []
    after = start_after
    while True:
        es = entries(keys, prefix, delimiter, after)
        page = es[:max_keys]
        truncated = len(es) > max_keys
        result.append({"keys": [e[1] for e in page if e[0] == "key"],
                       "prefixes": [e[1] for e in page if e[0] == "prefix"],
                       "truncated": truncated})
        if not truncated:
            return result
        after = page[-1][1]


# ---- awscli driver ----------------------------------------------------------

def _aws_page(url, bucket, q, token):
    argv = ["/usr/bin/aws", "--endpoint-url", url, "s3api", "list-objects-v2", "--bucket", bucket,
            "--no-paginate", "--output", "json", "--max-keys", str(q["max_keys"])]
    if q.get("prefix"):
        argv += ["--prefix", q["prefix"]]
    if q.get("delimiter"):
        argv += ["--delimiter", q["delimiter"]]
    if q.get("start_after") and token is None:
        argv += ["--start-after", q["start_after"]]
    if token is not None:
        argv += ["--continuation-token", token]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else {}


def awscli_main(url, bucket, keys_json, queries_json):
    keys = json.loads(keys_json)
    failures = 0
    for q in json.loads(queries_json):
        want = pages(keys, q.get("prefix", ""), q.get("delimiter"), q.get("start_after"),
                     q["max_keys"])
        token = None
        for n, w in enumerate(want):
            try:
                got = _aws_page(url, bucket, q, token)
            except subprocess.CalledProcessError as e:
                print("FAIL listing %s page %d: aws failed: %s" % (q, n, e.stderr.strip()))
                failures += 1
                break
            g = {"keys": [o["Key"] for o in got.get("Contents", [])],
                 "prefixes": [p["Prefix"] for p in got.get("CommonPrefixes", [])],
                 "truncated": bool(got.get("IsTruncated"))}
            if g != w:
                print("FAIL listing %s page %d:\n  want %r\n  got  %r" % (q, n, w, g))
                failures += 1
                break
            token = got.get("NextContinuationToken")
    return 1 if failures else 0


def awscli_put(url, bucket, key_set, out_file):
    """Creates `bucket` holding KEY_SETS[key_set] (with boto3: one process,
    not one aws run per key) and writes the keys as JSON to out_file.
    Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError
    s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                      aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
                      aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
                      config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
    s3.create_bucket(Bucket=bucket)
    keys = KEY_SETS[key_set]
    refused = []
    for k in keys:
        try:
            s3.put_object(Bucket=bucket, Key=k, Body=b"v")
        except ClientError as e:
            refused.append("%s: %s" % (k[:40], e.response["Error"]["Code"]))
    with open(out_file, "w") as f:
        json.dump(keys, f)
    if refused:
        print("FAIL: the server refused %d keys S3 stores: %s" % (len(refused), ", ".join(refused)))
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "awscli":
        sys.exit(awscli_main(*sys.argv[2:]))
    if len(sys.argv) == 6 and sys.argv[1] == "awscli-put":
        sys.exit(awscli_put(*sys.argv[2:]))
    print("usage: list_model.py awscli-put URL BUCKET plain|odd KEYS_FILE\n"
          "       list_model.py awscli URL BUCKET KEYS_JSON QUERIES_JSON", file=sys.stderr)
    sys.exit(2)
