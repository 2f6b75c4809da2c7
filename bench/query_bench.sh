#!/usr/bin/env bash
# query_bench on the memory, local fs and S3 transports (s3 = `worm serve`
# over loopback; rgw = a single-node Ceph RGW from scripts/rgw.sh, and
# rgw-nodelay the same with the beast frontend's tcp_nodelay=1, which Ceph
# leaves off: then a response written in two pieces waits out the client's
# delayed ACK, ~40 ms; all through the real S3 transport), in one run, with
# the request counts of every query checked against what the issue allows:
#   cold: ceil(K/1000) LIST + N GET      warm: ceil(K/1000) LIST + 0 GET
# where K = N + 1 keys under the collection prefix (N documents and the
# collection's .worm sentinel): one LIST per 1,000 keys, one GET per document.
# Builds nothing.
#
#   bench/query_bench.sh                      # build/release, N=100000
#   BUILD=build/release N=20000 bench/query_bench.sh
#   KEYS=1 bench/query_bench.sh               # signed requests (else anonymous)
#   LOAD=s3 S3_N=5000 bench/query_bench.sh    # load the S3 row by PUT, not files
#   TRANSPORTS="s3 rgw" N=20000 bench/query_bench.sh
#
# Env: BUILD (build dir), N (entities), S3_N (entities for the S3 row, default
# N), RGW_N (entities for the rgw row, default S3_N), REPS (repetitions,
# best kept), LOAD=dir|s3 (how the S3 row is loaded: dir writes the files
# straight into the served folder, which is what the server itself stores; s3
# PUTs every entity through the server; the rgw row is always loaded by PUT,
# one entity at a time, about 5 ms each), KEYS=1, TRANSPORTS (default
# "memory local s3 rgw rgw-nodelay"; the rgw rows are skipped, saying why,
# without ceph),
# QUERIES (query_bench --queries). Exit status 1 when a count or a result
# does not match, or when a warm query under a row-level rule runs at under
# 0.9x the same query without (the access: lines' cpu_ratio, issue 18).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT_DIR="$HERE/.."
BUILD="${BUILD:-$ROOT_DIR/build/release}"
BENCH="${BENCH_BIN:-$BUILD/bench/query_bench}"
WORM="${WORM_BIN:-$BUILD/src/cli/worm}"
N="${N:-100000}"
S3_N="${S3_N:-$N}"
REPS="${REPS:-3}"
LOAD="${LOAD:-dir}"
RGW_N="${RGW_N:-$S3_N}"
TRANSPORTS="${TRANSPORTS:-memory local s3 rgw rgw-nodelay}"
QUERIES="${QUERIES:-point,range,or_in,group_sum}"
WORK="$(mktemp -d)"
SERVE_PID=""
RGW_DIR=""
cleanup() {
  if [[ -n "$SERVE_PID" ]]; then
    kill -TERM "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
  fi
  [[ -n "$RGW_DIR" ]] && "$ROOT_DIR/scripts/rgw.sh" stop "$RGW_DIR" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Folder watches (local transport, and `worm serve` over it): a process
# budgets half of the user's inotify watches by default, which where the
# limit is the old ~190k is fewer than the entity folders of a 100k run, so
# some folders would be stat-ed on every listing. The bench is the only big
# watcher while it runs (one process at a time), so it may take 90%.
if [[ -z "${WORM_WATCH_LIMIT:-}" && -r /proc/sys/fs/inotify/max_user_watches ]]; then
  WORM_WATCH_LIMIT=$(($(cat /proc/sys/fs/inotify/max_user_watches) * 9 / 10))
  export WORM_WATCH_LIMIT
fi

for bin in "$BENCH" "$WORM"; do
  [[ -x "$bin" ]] || { echo "missing $bin (build it first)" >&2; exit 2; }
done

start_serve() {  # sets URL
  local auth=(--anonymous)
  if [[ "${KEYS:-0}" == 1 ]]; then
    export AWS_ACCESS_KEY_ID=query-bench AWS_SECRET_ACCESS_KEY=query-bench-secret
    auth=(--access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY")
  else
    unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY WORM_ACCESS_KEY_ID WORM_SECRET_ACCESS_KEY
  fi
  mkdir -p "$WORK/root/bench"
  "$WORM" serve --root "$WORK/root" --port 0 "${auth[@]}" --no-fsync \
    >"$WORK/serve.out" 2>"$WORK/serve.err" &
  SERVE_PID=$!
  for _ in $(seq 100); do
    grep -q '^listening on ' "$WORK/serve.out" 2>/dev/null && break
    sleep 0.1
  done
  URL="$(sed -n 's/^listening on //p' "$WORK/serve.out" | head -1)"
  [[ -n "$URL" ]] || { cat "$WORK/serve.err" >&2; exit 1; }
}

# A fresh single-node RGW (scripts/rgw.sh), with beast options $1; sets
# RGW_ARGS, or says why not.
start_rgw() {
  RGW_DIR="$WORK/rgw"
  WORM_RGW_OPTIONAL=1 WORM_RGW_BEAST_OPTIONS=${1:-} "$ROOT_DIR/scripts/rgw.sh" start "$RGW_DIR" \
    >"$WORK/rgw-start.log" 2>&1 || { tail -5 "$WORK/rgw-start.log"; return 1; }
  local env="$RGW_DIR/env"
  RGW_ARGS=(--endpoint="$(sed -n 's/^WORM_TEST_S3_ENDPOINT=//p' "$env")" --bucket=bench
            --access_key="$(sed -n 's/^WORM_TEST_S3_ACCESS_KEY=//p' "$env")"
            --secret_key="$(sed -n 's/^WORM_TEST_S3_SECRET_KEY=//p' "$env")")
}

: >"$WORK/counts"
: >"$WORK/access"
for t in $TRANSPORTS; do
  n="$N"
  args=(--num="$n" --transport="$t" --reps="$REPS" --queries="$QUERIES")
  if [[ "$t" == rgw || "$t" == rgw-nodelay ]]; then
    opts=""
    [[ "$t" == rgw-nodelay ]] && opts=tcp_nodelay=1
    if ! start_rgw "$opts" >"$WORK/rgw-why" 2>&1; then
      echo "== $t: SKIPPED: $(cat "$WORK/rgw-why")"
      echo
      continue
    fi
    n="$RGW_N"
    args=(--num="$n" --transport=s3 --reps="$REPS" --queries="$QUERIES" "${RGW_ARGS[@]}")
  elif [[ "$t" == s3 ]]; then
    n="$S3_N"
    start_serve
    args=(--num="$n" --transport=s3 --reps="$REPS" --queries="$QUERIES"
          --endpoint="$URL" --bucket=bench)
    [[ "$LOAD" == dir ]] && args+=(--load_dir="$WORK/root/bench")
  fi
  echo "== $t: $BENCH ${args[*]}" | sed -E 's/--(access|secret)_key=[^ ]*/--\1_key=.../g'
  start=$(date +%s.%N)
  "$BENCH" "${args[@]}" | tee "$WORK/$t.out"
  printf '(%s row: %.1f s in all)\n\n' "$t" "$(echo "$(date +%s.%N) - $start" | bc)"
  # query_bench names the transport (s3); the table names the row.
  grep '^counts:' "$WORK/$t.out" | sed "s/ transport=[^ ]* / transport=$t /" >>"$WORK/counts"
  grep '^access:' "$WORK/$t.out" | sed "s/^access:/access: transport=$t/" >>"$WORK/access" || true
  if [[ -n "$RGW_DIR" ]]; then
    "$ROOT_DIR/scripts/rgw.sh" stop "$RGW_DIR" >/dev/null 2>&1 || true
    RGW_DIR=""
  fi
done

# The table, and the request counts checked.
python3 - "$WORK/counts" "$WORK/access" <<'PY'
import math, sys
rows = []
for line in open(sys.argv[1]):
    rows.append(dict(kv.split("=", 1) for kv in line.split()[1:]))
access = [dict(kv.split("=", 1) for kv in line.split()[1:]) for line in open(sys.argv[2])]
print("%-11s %-9s %7s %8s %8s %8s %9s %9s %8s %8s  %-13s %-13s %s" % (
    "trans", "query", "N", "cold s", "warm s", "eval s", "sqlite-js", "sqlite-ix",
    "warm/js", "warm/ix", "cold LIST/GET", "warm LIST/GET", "check"))
bad = 0
for r in rows:
    n = int(r["num"])
    lists = math.ceil((n + 1) / 1000)  # + the collection's .worm sentinel
    cl, cg, wl, wg = (int(r[k]) for k in ("cold_list", "cold_get", "warm_list", "warm_get"))
    problems = []
    if (cl, cg) != (lists, n): problems.append("cold want %d/%d" % (lists, n))
    if (wl, wg) != (lists, 0): problems.append("warm want %d/0" % lists)
    if r["same"] != "1": problems.append("RESULT MISMATCH")
    bad += bool(problems)
    w, sj, sc = float(r["warm_s"]), float(r["sqlite_json_s"]), float(r["sqlite_cols_s"])
    print("%-11s %-9s %7d %8.3f %8.3f %8.3f %9.4f %9.4f %7.2fx %7.0fx  %-13s %-13s %s" % (
        r["transport"], r["query"], n, float(r["cold_s"]), w, float(r["eval_s"]), sj, sc,
        w / max(sj, 1e-4), w / max(sc, 1e-4), "%d/%d" % (cl, cg), "%d/%d" % (wl, wg),
        "ok" if not problems else "; ".join(problems)))
print("requests: %s" % ("as the issue allows" if not bad else "%d row(s) off" % bad))
# Row-level security: the warm query under a rule that admits every row keeps
# >= 0.9 of the speed without (CPU ratio, the steadier one on shared cores).
slow = 0
for a in access:
    cpu = float(a["cpu_ratio"])
    problems = []
    if cpu < 0.9: problems.append("cpu ratio under 0.9")
    if a["same"] != "1": problems.append("RESULT MISMATCH")
    slow += bool(problems)
    print("access %-11s %-9s wall %.3f cpu %.3f  %s" % (
        a["transport"], a["query"], float(a["ratio"]), cpu,
        "ok" if not problems else "; ".join(problems)))
print("row-level rule: %s" % ("every cpu ratio >= 0.9" if not slow else "%d row(s) off" % slow))
sys.exit(1 if bad or slow else 0)
PY
