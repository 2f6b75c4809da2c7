#!/usr/bin/env bash
# What authorization costs `worm serve` (issue 18): 4 KiB GETs (wrk, keep-alive,
# 127.0.0.1) of one object from
#   off:    a server with --anonymous and no bucket policy (every caller may
#           do everything: the configuration of bench/serve_bench.sh);
#   policy: a server without --anonymous whose bucket has a 100-statement
#           bucket policy (a conditional Deny on GetObject, 48 per-user
#           GetObject grants on other prefixes, 50 statements on other
#           actions, and last the public GetObject grant that admits the
#           request), so every GET walks the statements indexed for
#           s3:GetObject, evaluates a condition and matches principals and
#           resources.
# Both servers run side by side and the loads alternate (off, policy, off,
# policy, ...) so that drift on the shared cores hits both alike; the ratio
# of the sums is reported (issue 18 asks for >= 0.9).
#
#   bench/serve_access_bench.sh            # build/release/src/cli/worm (or WORM_BIN)
#   DURATION=5 ROUNDS=3 CONNECTIONS=16 bench/serve_access_bench.sh
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT_DIR="$HERE/.."
WORM="${WORM_BIN:-$ROOT_DIR/build/release/src/cli/worm}"
DURATION="${DURATION:-5}"
ROUNDS="${ROUNDS:-3}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${WRK_THREADS:-2}"
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

AK=AKIDBENCHROOT
SK=bench-root-secret

start_worm() {  # $1 name, $2.. flags; sets URL_<name>
  local name="$1"
  shift
  mkdir -p "$WORK/$name/bench"
  "$WORM" serve --root "$WORK/$name" --port 0 --no-fsync "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  PIDS+=($!)
  for _ in $(seq 300); do grep -q '^listening on ' "$WORK/$name.out" 2>/dev/null && break; sleep 0.1; done
  local url
  url="$(sed -n 's/^listening on //p' "$WORK/$name.out" | head -1)"
  [[ -n "$url" ]] || { cat "$WORK/$name.err"; exit 1; }
  printf -v "URL_$name" '%s' "$url"
}

start_worm off --anonymous
start_worm policy --access-key "$AK" --secret-key "$SK"

head -c 4096 /dev/urandom >"$WORK/small"
# The object goes in through the S3 API (signed, as the owner) on both servers.
/usr/bin/python3 - "$URL_off" "$URL_policy" "$AK" "$SK" "$WORK/small" <<'PY'
import json, sys
import boto3
from botocore.config import Config
off, pol, ak, sk, path = sys.argv[1:]
data = open(path, "rb").read()
def client(url):
    return boto3.client("s3", endpoint_url=url, aws_access_key_id=ak, aws_secret_access_key=sk,
                        region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))
import botocore
anon = boto3.client("s3", endpoint_url=off, region_name="us-east-1",
                    config=Config(s3={"addressing_style": "path"},
                                  signature_version=botocore.UNSIGNED))
anon.put_object(Bucket="bench", Key="small", Body=data)
s3 = client(pol)
s3.put_object(Bucket="bench", Key="small", Body=data)
st = [{"Sid": "DenyOffHost", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
       "Resource": "arn:aws:s3:::bench/*",
       "Condition": {"NotIpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}}]
for i in range(48):
    st.append({"Sid": "Read%d" % i, "Effect": "Allow",
               "Principal": {"AWS": "arn:aws:iam::000000000000:user/user%d" % i},
               "Action": ["s3:GetObject", "s3:GetObjectAcl"],
               "Resource": "arn:aws:s3:::bench/u%d/*" % i})
for i in range(50):
    st.append({"Sid": "Write%d" % i, "Effect": "Allow", "Principal": {"AWS": "user%d" % i},
               "Action": ["s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
               "Resource": ["arn:aws:s3:::bench", "arn:aws:s3:::bench/u%d/*" % i]})
st.append({"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::bench/*"})
assert len(st) == 100
s3.put_bucket_policy(Bucket="bench", Policy=json.dumps({"Version": "2012-10-17", "Statement": st}))
PY

# Both must answer an unsigned GET with 200 before the loads.
for u in "$URL_off" "$URL_policy"; do
  code="$(curl -s -o /dev/null -w '%{http_code}' "$u/bench/small")"
  [[ "$code" == 200 ]] || { echo "unsigned GET on $u answered $code" >&2; exit 1; }
done

run_wrk() {  # URL -> req/s
  local out
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" "$1" 2>&1)"
  if grep -q 'Non-2xx' <<<"$out"; then echo "non-2xx responses from $1" >&2; exit 1; fi
  awk '/^Requests\/sec/ {print $2}' <<<"$out"
}

echo "# worm serve access-control benchmark: 4 KiB GET, wrk -t$THREADS -c$CONNECTIONS, ${DURATION}s x $ROUNDS rounds, $(nproc) cores" >&2
sum_off=0
sum_pol=0
for r in $(seq "$ROUNDS"); do
  a="$(run_wrk "$URL_off/bench/small")"
  b="$(run_wrk "$URL_policy/bench/small")"
  printf '  round %d: off %10.0f req/s   100-statement policy %10.0f req/s\n' "$r" "$a" "$b" >&2
  sum_off="$(echo "$sum_off + $a" | bc -l)"
  sum_pol="$(echo "$sum_pol + $b" | bc -l)"
done
printf '| %-40s | %12s |\n' scenario "req/s (mean)"
printf '|%s|\n' "------------------------------------------|--------------"
printf '| %-40s | %12.0f |\n' "GET 4KiB, access control off" "$(echo "$sum_off / $ROUNDS" | bc -l)"
printf '| %-40s | %12.0f |\n' "GET 4KiB, 100-statement bucket policy" "$(echo "$sum_pol / $ROUNDS" | bc -l)"
printf 'ratio policy/off: %.3f (issue 18: >= 0.9)\n' "$(echo "$sum_pol / $sum_off" | bc -l)"
