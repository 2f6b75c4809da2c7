#!/usr/bin/env bash
# awscli (Debian's 2.9) against `worm serve`: the issue 15 scenarios, each
# reported on its own (all run; the script fails if any failed), against a
# server with fsync on (the default):
# - `aws s3 rm --recursive` of a 30-key tree, 5 runs (awscli deletes with 10
#   threads over keep-alive connections; every delete must succeed);
# - folder markers ("dir/", empty body, as the AWS console creates them);
# - a key that is also a prefix ("foo/bar" and "foo/bar/xyzzy"), both orders;
# - empty and dot segments ("a//b", "/lead", "a/b//", "a/./b", "a/../b"):
#   awscli sends every key as it is, nothing is normalised in the path;
# - long keys (1,024 bytes, a 300-byte segment; 1,025 is KeyTooLongError) and
#   a key in the backend's reserved folder name;
# - listings walked page by page with aws and compared with list_model.py.
# serve_awscli.sh covers the ordinary commands.
set -euo pipefail

source "$(dirname "$0")/awscli_server.sh"
start_server

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
echo "PASS: awscli issue 15 scenarios"
