#!/usr/bin/env bash
# awscli (Debian's 2.9) against `worm serve`: high-level `aws s3` commands
# (mb, cp, ls, sync, rm, with multipart through a small threshold) and
# `aws s3api` calls (put/get/head-object, list-objects-v2, copy-object,
# delete-objects, the multipart calls). Exits non-zero on the first failure.
set -euo pipefail

source "$(dirname "$0")/awscli_server.sh"
start_server --no-fsync

step "mb / ls"
s3 mb s3://cli >/dev/null
s3 ls | grep -q ' cli$' || fail "bucket not listed"

step "cp small + large (multipart) files, ls, cp back"
mkdir -p "$WORK/src/sub"
echo "hello awscli" >"$WORK/src/hello.txt"
head -c $((13 * 1024 * 1024 + 7)) /dev/urandom >"$WORK/src/sub/big.bin"
s3 cp "$WORK/src/hello.txt" s3://cli/hello.txt >/dev/null
s3 cp "$WORK/src/sub/big.bin" s3://cli/sub/big.bin >/dev/null
s3 ls s3://cli/ | grep -q 'hello.txt' || fail "ls misses hello.txt"
s3 ls s3://cli/sub/ | grep -q 'big.bin' || fail "ls misses sub/big.bin"
s3 cp s3://cli/sub/big.bin "$WORK/big.back" >/dev/null
cmp "$WORK/src/sub/big.bin" "$WORK/big.back" || fail "multipart round trip differs"
etag="$(api head-object --bucket cli --key sub/big.bin --query ETag --output text)"
[[ "$etag" == *-3\" ]] || fail "multipart ETag not md5-of-md5s-3: $etag"
[[ "$(find "$WORK/root/cli/sub" -name big.bin -size +13M | wc -l)" == 1 ]] || fail "object is not a plain file"

step "sync up, sync down, sync --delete"
for i in $(seq 1 30); do echo "file $i" >"$WORK/src/sub/f$i.txt"; done
s3 sync "$WORK/src" s3://cli/tree >/dev/null
n="$(s3 ls --recursive s3://cli/tree/ | wc -l)"
[[ "$n" == 32 ]] || fail "sync uploaded $n objects, want 32"
s3 sync s3://cli/tree "$WORK/down" >/dev/null
diff -r "$WORK/src" "$WORK/down" || fail "sync down differs"
rm "$WORK/src/sub/f1.txt"
s3 sync --delete "$WORK/src" s3://cli/tree >/dev/null
s3 ls s3://cli/tree/sub/f1.txt >/dev/null 2>&1 && fail "sync --delete left f1.txt"
out="$(s3 sync "$WORK/src" s3://cli/tree)"
[[ -z "$out" ]] || fail "second sync was not a no-op: $out"

step "s3api put/get/head/list/copy/delete-objects"
api put-object --bucket cli --key api/doc.json --body "$WORK/src/hello.txt" \
  --content-type application/json --metadata color=blue >/dev/null
api get-object --bucket cli --key api/doc.json "$WORK/doc.out" >"$WORK/get.json"
cmp "$WORK/src/hello.txt" "$WORK/doc.out" || fail "get-object body"
grep -q '"color": "blue"' "$WORK/get.json" || fail "metadata not returned"
[[ "$(api head-object --bucket cli --key api/doc.json --query ContentType --output text)" == application/json ]] \
  || fail "content type"
api get-object --bucket cli --key api/doc.json --range bytes=0-4 "$WORK/range.out" >/dev/null
[[ "$(cat "$WORK/range.out")" == hello ]] || fail "range get"
api copy-object --bucket cli --key api/copy.json --copy-source cli/api/doc.json >/dev/null
[[ "$(api list-objects-v2 --bucket cli --prefix api/ --query 'length(Contents || `[]`)' --output text)" == 2 ]] || fail "list-objects-v2"
[[ "$(api list-objects-v2 --bucket cli --prefix tree/ --delimiter / --query 'CommonPrefixes[0].Prefix' --output text)" == tree/sub/ ]] \
  || fail "delimiter listing"
api delete-objects --bucket cli --delete '{"Objects":[{"Key":"api/doc.json"},{"Key":"api/copy.json"}]}' >/dev/null
[[ "$(api list-objects-v2 --bucket cli --prefix api/ --query 'length(Contents || `[]`)' --output text)" == 0 ]] || fail "delete-objects"
if api get-object --bucket cli --key api/doc.json "$WORK/x" 2>"$WORK/err.txt"; then fail "deleted object readable"; fi
grep -q NoSuchKey "$WORK/err.txt" || fail "missing NoSuchKey: $(cat "$WORK/err.txt")"

step "metadata and stored headers come back as S3 returns them"
api put-object --bucket cli --key meta.txt --body "$WORK/src/hello.txt" \
  --metadata '{"greeting":"=?UTF-8?B?SGVsbG8gV29ybGTDqQ==?="}' --content-encoding 'deflate, gzip' \
  --cache-control 'max-age=60,  public' >/dev/null
api head-object --bucket cli --key meta.txt >"$WORK/head.json"
grep -q '"greeting": "=?UTF-8?B?SGVsbG8gV29ybGTDqQ==?="' "$WORK/head.json" || fail "RFC 2047 metadata: $(cat "$WORK/head.json")"
grep -q '"ContentEncoding": "deflate, gzip"' "$WORK/head.json" || fail "Content-Encoding rewritten: $(cat "$WORK/head.json")"
grep -q '"CacheControl": "max-age=60,  public"' "$WORK/head.json" || fail "Cache-Control rewritten"

step "odd keys: control characters, UTF-8, XML specials; versionId on an unversioned bucket"
odd=$'odd/caf\u00e9 \u2603/ctl\x01&<>"\'.txt'
s3 cp "$WORK/src/hello.txt" "s3://cli/$odd" >/dev/null
[[ "$(api list-objects-v2 --bucket cli --prefix odd/ --query 'Contents[0].Key' --output text)" == "$odd" ]] \
  || fail "odd key not listed exactly"
s3 ls --recursive s3://cli/odd/ | grep -q 'ctl' || fail "aws s3 ls misses the odd key"
s3 cp "s3://cli/$odd" "$WORK/odd.back" >/dev/null
cmp "$WORK/src/hello.txt" "$WORK/odd.back" || fail "odd key round trip"
if api copy-object --bucket cli --key odd-copy --copy-source 'cli/meta.txt?versionId=3HL4kqtJlcpXroDTDmJ' \
  >/dev/null 2>"$WORK/err.txt"; then fail "copy of a version that does not exist"; fi
grep -q InvalidArgument "$WORK/err.txt" || fail "versionId error: $(cat "$WORK/err.txt")"
s3 rm --recursive s3://cli/odd/ >/dev/null
api delete-object --bucket cli --key meta.txt >/dev/null

step "s3api multipart: create, upload-part, list-parts, complete (twice), abort"
uid="$(api create-multipart-upload --bucket cli --key mp.bin --query UploadId --output text)"
head -c $((5 * 1024 * 1024)) /dev/urandom >"$WORK/p1"
echo "last part" >"$WORK/p2"
e1="$(api upload-part --bucket cli --key mp.bin --upload-id "$uid" --part-number 1 --body "$WORK/p1" --query ETag --output text)"
e2="$(api upload-part --bucket cli --key mp.bin --upload-id "$uid" --part-number 2 --body "$WORK/p2" --query ETag --output text)"
[[ "$(api list-parts --bucket cli --key mp.bin --upload-id "$uid" --query 'length(Parts)' --output text)" == 2 ]] || fail "list-parts"
api list-multipart-uploads --bucket cli | grep -q "$uid" || fail "list-multipart-uploads"
parts="{\"Parts\":[{\"PartNumber\":1,\"ETag\":$e1},{\"PartNumber\":2,\"ETag\":$e2}]}"
first="$(api complete-multipart-upload --bucket cli --key mp.bin --upload-id "$uid" \
  --multipart-upload "$parts" --query '[Bucket,Key,ETag]' --output text)"
# A retry after a lost answer gets the same answer (issue 15 item 4).
again="$(api complete-multipart-upload --bucket cli --key mp.bin --upload-id "$uid" \
  --multipart-upload "$parts" --query '[Bucket,Key,ETag]' --output text)" ||
  fail "repeated complete-multipart-upload refused"
[[ "$again" == "$first" ]] || fail "repeated complete answered '$again', first '$first'"
api get-object --bucket cli --key mp.bin "$WORK/mp.out" >/dev/null
cat "$WORK/p1" "$WORK/p2" | cmp - "$WORK/mp.out" || fail "completed upload differs"
uid2="$(api create-multipart-upload --bucket cli --key gone.bin --query UploadId --output text)"
api abort-multipart-upload --bucket cli --key gone.bin --upload-id "$uid2"
if api list-parts --bucket cli --key gone.bin --upload-id "$uid2" 2>"$WORK/err.txt"; then fail "aborted upload alive"; fi
grep -q NoSuchUpload "$WORK/err.txt" || fail "missing NoSuchUpload"

step "presign, rm --recursive, rb"
url="$(s3 presign s3://cli/hello.txt --expires-in 60)"
[[ "$(curl -sf "$url")" == "hello awscli" ]] || fail "presigned GET"
s3 rm --recursive s3://cli/ >/dev/null
[[ -z "$(s3 ls --recursive s3://cli/)" ]] || fail "rm --recursive left objects"
s3 rb s3://cli >/dev/null
s3 ls | grep -q ' cli$' && fail "rb left the bucket"
echo "PASS: awscli"
