#!/usr/bin/env bash
# awscli (Debian's 2.9) against `worm serve`: high-level `aws s3` commands
# (mb, cp, ls, sync, rm, with multipart through a small threshold) and
# `aws s3api` calls (put/get/head-object, list-objects-v2, copy-object,
# delete-objects, the multipart calls). Exits non-zero on the first failure.
# Then the issue 15 scenarios, each reported on its own (all run, the script
# fails if any failed), against a second server with fsync on (the default):
# `aws s3 rm --recursive` of a 30-key tree (5 runs), folder markers, key/prefix
# coexistence, empty and dot segments, long keys, listings compared page by
# page with list_model.py. awscli sends every key as it is (no normalisation
# of "//", "./" or "../" in the path).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
WORM="${WORM_BIN:-$HERE/../../build/server/src/cli/worm}"
AWS=/usr/bin/aws
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export AWS_ACCESS_KEY_ID=AKIDAWSCLI AWS_SECRET_ACCESS_KEY=awscli-secret
export AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
export AWS_CONFIG_FILE="$WORK/aws-config" AWS_SHARED_CREDENTIALS_FILE="$WORK/aws-credentials"
cat >"$AWS_CONFIG_FILE" <<CFG
[default]
region = us-east-1
s3 =
  multipart_threshold = 5MB
  multipart_chunksize = 5MB
  addressing_style = path
CFG
: >"$AWS_SHARED_CREDENTIALS_FILE"

mkdir -p "$WORK/root"
"$WORM" serve --root "$WORK/root" --port 0 --no-fsync \
  --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY" \
  >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
for _ in $(seq 100); do grep -q '^listening on ' "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
URL="$(sed -n 's/^listening on //p' "$WORK/serve.out" | head -1)"
[[ -n "$URL" ]] || { cat "$WORK/serve.err"; echo "FAIL: server did not start"; exit 1; }
s3() { "$AWS" --endpoint-url "$URL" s3 "$@"; }
api() { "$AWS" --endpoint-url "$URL" s3api "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
step() { echo "--- $*"; }

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

step "s3api multipart: create, upload-part, list-parts, complete, abort"
uid="$(api create-multipart-upload --bucket cli --key mp.bin --query UploadId --output text)"
head -c $((5 * 1024 * 1024)) /dev/urandom >"$WORK/p1"
echo "last part" >"$WORK/p2"
e1="$(api upload-part --bucket cli --key mp.bin --upload-id "$uid" --part-number 1 --body "$WORK/p1" --query ETag --output text)"
e2="$(api upload-part --bucket cli --key mp.bin --upload-id "$uid" --part-number 2 --body "$WORK/p2" --query ETag --output text)"
[[ "$(api list-parts --bucket cli --key mp.bin --upload-id "$uid" --query 'length(Parts)' --output text)" == 2 ]] || fail "list-parts"
api list-multipart-uploads --bucket cli | grep -q "$uid" || fail "list-multipart-uploads"
api complete-multipart-upload --bucket cli --key mp.bin --upload-id "$uid" \
  --multipart-upload "{\"Parts\":[{\"PartNumber\":1,\"ETag\":$e1},{\"PartNumber\":2,\"ETag\":$e2}]}" >/dev/null
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

# ---- issue 15: a server with fsync on, one scenario at a time --------------
mkdir -p "$WORK/root2"
"$WORM" serve --root "$WORK/root2" --port 0 \
  --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY" \
  >"$WORK/serve2.out" 2>"$WORK/serve2.err" &
SERVER2_PID=$!
trap 'kill -TERM "$SERVER2_PID" 2>/dev/null || true; wait "$SERVER2_PID" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 100); do grep -q '^listening on ' "$WORK/serve2.out" 2>/dev/null && break; sleep 0.1; done
URL="$(sed -n 's/^listening on //p' "$WORK/serve2.out" | head -1)"
[[ -n "$URL" ]] || { cat "$WORK/serve2.err"; echo "FAIL: second server did not start"; exit 1; }
s3 mb s3://k15 >/dev/null
# Keys listed under a prefix, one per line (list-objects-v2 walks every page).
keys_under() { api list-objects-v2 --bucket k15 --prefix "$1" --query 'Contents[].Key' --output json |
  /usr/bin/python3 -c 'import json,sys; [print(k) for k in (json.load(sys.stdin) or [])]'; }
get_body() { api get-object --bucket k15 --key "$1" "$WORK/body" >/dev/null && cat "$WORK/body"; }
put_key() { printf '%s' "${2-$1}" >"$WORK/put"; api put-object --bucket k15 --key "$1" --body "$WORK/put" >/dev/null; }

scenario_rm_recursive() {
  # A sync tool's purge: awscli deletes the 30 keys in parallel (10 threads).
  mkdir -p "$WORK/tree30"
  for i in $(seq 1 30); do mkdir -p "$WORK/tree30/d$((i % 3))"; echo "$i" >"$WORK/tree30/d$((i % 3))/f$i"; done
  local run failed=0
  for run in 1 2 3 4 5; do
    s3 cp --recursive --quiet "$WORK/tree30" "s3://k15/rm$run/tree/"
    if ! s3 rm --recursive "s3://k15/rm$run/" >"$WORK/rm.out" 2>&1; then
      echo "  run $run: $(grep -c 'delete failed' "$WORK/rm.out") deletes failed, e.g."
      grep 'delete failed' "$WORK/rm.out" | head -2 | sed 's/^/    /'
      failed=$((failed + 1))
    fi
    [[ -z "$(keys_under "rm$run/")" ]] || { echo "  run $run left keys"; failed=$((failed + 1)); }
  done
  [[ $failed == 0 ]] || fail "rm --recursive failed in $failed of 5 runs"
}

scenario_folder_markers() {
  api put-object --bucket k15 --key dir/ >/dev/null  # no body: what the console sends
  put_key dir/a A
  [[ "$(keys_under dir/ | tr '\n' ' ')" == "dir/ dir/a " ]] || fail "marker and child not both listed"
  [[ "$(api list-objects-v2 --bucket k15 --prefix dir/ --delimiter / --query 'Contents[].Key' --output text)" == "dir/	dir/a" ]] \
    || fail "with delimiter under dir/"
  api list-objects-v2 --bucket k15 --delimiter / --query 'CommonPrefixes[].Prefix' --output text | grep -qw 'dir/' \
    || fail "top-level CommonPrefix dir/"
  s3 ls s3://k15/ | grep -q 'PRE dir/' || fail "aws s3 ls misses PRE dir/"
  [[ "$(api head-object --bucket k15 --key dir/ --query ContentLength --output text)" == 0 ]] || fail "head dir/"
  [[ -z "$(get_body dir/)" ]] || fail "get dir/ not empty"
  api delete-object --bucket k15 --key dir/a
  [[ "$(keys_under dir)" == "dir/" ]] || fail "marker gone with its child"
  put_key dir/a A2
  api delete-object --bucket k15 --key dir/
  [[ "$(get_body dir/a)" == A2 ]] || fail "child gone with its marker"
  [[ "$(keys_under dir)" == "dir/a" ]] || fail "listing after the marker's delete"
  s3 rm --recursive --quiet s3://k15/dir/
}

scenario_key_prefix_coexistence() {
  local pair short long
  for pair in "foo/bar foo/bar/xyzzy" "baz/qux/xyzzy baz/qux"; do
    set -- $pair
    put_key "$1"; put_key "$2"
    short="$1"; long="$2"; [[ ${#1} -gt ${#2} ]] && { short="$2"; long="$1"; }
    [[ "$(s3 cp "s3://k15/$short" -)" == "$short" ]] || fail "$short unreadable"
    [[ "$(s3 cp "s3://k15/$long" -)" == "$long" ]] || fail "$long unreadable"
    [[ "$(keys_under "${short%%/*}/" | tr '\n' ' ')" == "$short $long " ]] || fail "listing of $short and $long"
    api delete-object --bucket k15 --key "$short"
    [[ "$(get_body "$long")" == "$long" ]] || fail "deleting $short hurt $long"
    put_key "$short"
    api delete-object --bucket k15 --key "$long"
    [[ "$(get_body "$short")" == "$short" ]] || fail "deleting $long hurt $short"
    api delete-object --bucket k15 --key "$short"
  done
}

scenario_empty_and_dot_segments() {
  local k keys=("a//b" "/lead" "a/b//" "a/./b" "a/../b")
  for k in "${keys[@]}"; do put_key "$k"; done
  for k in "${keys[@]}"; do [[ "$(get_body "$k")" == "$k" ]] || fail "get $k"; done
  [[ "$(keys_under "" | tr '\n' ' ')" == "/lead a/../b a/./b a//b a/b// " ]] || fail "listing: $(keys_under "" | tr '\n' ' ')"
  for k in "${keys[@]}"; do api delete-object --bucket k15 --key "$k"; done
  [[ -z "$(keys_under "")" ]] || fail "keys left"
}

scenario_long_keys() {
  local k1 k2
  k1="$(printf 'L%.0s' $(seq 1024))"
  k2="seg/$(printf 'x%.0s' $(seq 300))/end"
  put_key "$k1"; put_key "$k2"
  [[ "$(get_body "$k1")" == "$k1" && "$(get_body "$k2")" == "$k2" ]] || fail "long keys unreadable"
  [[ "$(keys_under "" | wc -l)" == 2 ]] || fail "long keys not listed"
  api delete-object --bucket k15 --key "$k1"; api delete-object --bucket k15 --key "$k2"
  if put_key "${k1}M" 2>"$WORK/err.txt"; then fail "a 1,025-byte key was stored"; fi
  grep -q KeyTooLongError "$WORK/err.txt" || fail "1,025 bytes: $(cat "$WORK/err.txt")"
  put_key .wormfs/x
  [[ "$(get_body .wormfs/x)" == .wormfs/x ]] || fail "reserved-name key unreadable"
  api delete-object --bucket k15 --key .wormfs/x
}

# Keys put with boto3 (fast); the walks are /usr/bin/aws, page by page.
LISTING_QUERIES='[{"max_keys":1000},{"delimiter":"/","max_keys":3},
  {"prefix":"foo/bar","delimiter":"/","max_keys":1},{"delimiter":"/","start_after":"dir/a","max_keys":2}]'
listing_exactness() {
  /usr/bin/python3 "$HERE/list_model.py" awscli-put "$URL" "k15list-$1" "$1" "$WORK/keys-$1.json"
  /usr/bin/python3 "$HERE/list_model.py" awscli "$URL" "k15list-$1" "$(cat "$WORK/keys-$1.json")" \
    "$LISTING_QUERIES" || fail "listings of $1 keys differ from the model"
}
scenario_listing_exactness_plain() { listing_exactness plain; }
scenario_listing_exactness_odd() { listing_exactness odd; }

set +e
failed=()
for sc in rm_recursive folder_markers key_prefix_coexistence empty_and_dot_segments long_keys \
    listing_exactness_plain listing_exactness_odd; do
  step "issue 15: $sc"; t0=$SECONDS
  ( set -e; "scenario_$sc" )
  [[ $? == 0 ]] || failed+=("$sc"); echo "    ($((SECONDS - t0)) s)"
done
set -e
[[ ${#failed[@]} == 0 ]] || { echo "FAIL: awscli issue 15 scenarios: ${failed[*]}"; exit 1; }
echo "PASS: awscli"
