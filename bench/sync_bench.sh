#!/usr/bin/env bash
# sync_bench.sh: `worm push` of N (default 10,000) small JSON files to a real
# s3rver, then a no-op `worm status`; the same with `aws s3 sync` and
# `rclone sync` (each to a fresh bucket, then a no-op rerun), in ONE run on
# one s3rver. Reports wall times, worm's ratio to the faster peer, and the
# requests each tool sent (LIST/GET/PUT/HEAD/DELETE/POST), counted inside
# s3rver by a request listener (no proxy hop, so no timing distortion).
#
#   bench/sync_bench.sh                 # worm from build/sync, else build/release
#   WORM=path/to/worm N=2000 bench/sync_bench.sh
#
# Targets (issue): worm >= 2x faster than the faster peer on the initial
# push and >= 5x on the no-op. Peers: Debian awscli (/usr/bin/aws) and rclone
# (scripts/setup.sh --peers installs them); s3rver from tests/compat.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC_DIR=$(pwd)
N=${N:-10000}
WORM=${WORM:-}
if [[ -z "$WORM" ]]; then
  for c in build/sync/src/cli/worm build/release/src/cli/worm; do
    [[ -x "$c" ]] && WORM="$SRC_DIR/$c" && break
  done
fi
[[ -x "${WORM:-}" ]] || { echo "sync_bench: no worm binary (build it, or set WORM=)" >&2; exit 1; }
S3RVER_JS="$SRC_DIR/tests/compat/node_modules/s3rver/bin/s3rver.js"
[[ -f "$S3RVER_JS" ]] || { echo "sync_bench: s3rver missing: (cd tests/compat && npm ci)" >&2; exit 1; }
HAVE_AWS=0; [[ -x /usr/bin/aws ]] && HAVE_AWS=1
HAVE_RCLONE=0; command -v rclone >/dev/null && HAVE_RCLONE=1

WORK=$(mktemp -d /tmp/worm-sync-bench.XXXXXX)
S3PID=""
cleanup() {
  [[ -n "$S3PID" ]] && kill "$S3PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---- s3rver with a request counter -------------------------------------------
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$WORK/counting_s3rver.js" <<JS
// s3rver plus a listener counting requests by S3 operation; counts are
// served (and reset with ?reset) on a second port.
const http = require('http');
const S3rver = require('$SRC_DIR/tests/compat/node_modules/s3rver');
const counts = {};
function op(req) {
  const [path, query = ''] = req.url.split('?');
  if (req.method === 'GET' && (query.includes('list-type') || path.split('/').filter(Boolean).length <= 1)) return 'LIST';
  if (req.method === 'POST' && query.startsWith('delete')) return 'DELETE';
  return req.method;
}
const server = new S3rver({address: '127.0.0.1', port: $PORT, silent: true,
  directory: '$WORK/s3', configureBuckets: [{name: 'worm-bench'}, {name: 'aws-bench'}, {name: 'rclone-bench'}]});
server.run((err) => {
  if (err) { console.error(err); process.exit(1); }
  server.httpServer.on('request', (req) => { const k = op(req); counts[k] = (counts[k] || 0) + 1; });
  http.createServer((req, res) => {
    res.end(JSON.stringify(counts));
    if (req.url.includes('reset')) for (const k of Object.keys(counts)) delete counts[k];
  }).listen($CPORT, '127.0.0.1', () => console.log('ready'));
});
JS
mkdir -p "$WORK/s3"
NODE_OPTIONS=--openssl-legacy-provider node "$WORK/counting_s3rver.js" >"$WORK/s3rver.log" 2>&1 &
S3PID=$!
for _ in $(seq 100); do grep -q ready "$WORK/s3rver.log" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$WORK/s3rver.log" || { cat "$WORK/s3rver.log" >&2; exit 1; }
ENDPOINT="http://127.0.0.1:$PORT"
counts() { curl -s "http://127.0.0.1:$CPORT/${1:-}"; }

# ---- data: N small JSON documents -----------------------------------------------
mkdir -p "$WORK/proj"
(cd "$WORK/proj" && "$WORM" init >/dev/null)
python3 - "$WORK/proj/.worm/data" "$N" <<'PY'
import json, os, sys, uuid, random
root, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(42)
for i in range(n):
    cid = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
    d = os.path.join(root, "org", "customers", cid)
    os.makedirs(d, exist_ok=True)
    doc = {"id": cid, "name": "customer %d" % i, "email": "c%d@example.com" % i,
           "status": rnd.choice(["active", "inactive"]),
           "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z"}
    with open(os.path.join(d, "profile.json"), "w") as f:
        json.dump(doc, f)
PY
cp -r "$WORK/proj/.worm/data" "$WORK/peer-src"   # peers get a copy without worm's xattrs
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_EC2_METADATA_DISABLED=true

now() { date +%s.%N; }
declare -A T R
run() {  # run <label> <command...>: time it, collect request counts
  local label=$1; shift
  counts reset >/dev/null
  local t0; t0=$(now)
  "$@" >"$WORK/$label.out" 2>"$WORK/$label.err" || { echo "$label failed:" >&2; tail -5 "$WORK/$label.err" >&2; exit 1; }
  T[$label]=$(python3 -c "print(f'{$(now) - $t0:.2f}')")
  R[$label]=$(counts)
}

# ---- worm ----------------------------------------------------------------------
(cd "$WORK/proj" && "$WORM" remote add origin s3://worm-bench --endpoint "$ENDPOINT" --path-style >/dev/null)
run worm_push bash -c "cd '$WORK/proj' && '$WORM' push --json"
run worm_noop bash -c "cd '$WORK/proj' && '$WORM' status --json"
python3 - "$WORK/worm_noop.out" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["ahead"] == 0 and s["behind"] == 0 and s["conflicts"] == 0, s
PY

# ---- aws s3 sync -----------------------------------------------------------------
if ((HAVE_AWS)); then
  printf '[default]\nregion = us-east-1\n' >"$WORK/aws-config"
  AWS=(env AWS_CONFIG_FILE="$WORK/aws-config" AWS_SHARED_CREDENTIALS_FILE="$WORK/none"
       /usr/bin/aws --endpoint-url "$ENDPOINT" s3 sync --only-show-errors "$WORK/peer-src" s3://aws-bench/)
  run aws_push "${AWS[@]}"
  run aws_noop "${AWS[@]}"
fi

# ---- rclone sync -----------------------------------------------------------------
if ((HAVE_RCLONE)); then
  RCLONE=(env -u AWS_CA_BUNDLE RCLONE_CONFIG=/dev/null RCLONE_CONFIG_BENCH_TYPE=s3
          RCLONE_CONFIG_BENCH_PROVIDER=Other RCLONE_CONFIG_BENCH_ENDPOINT="$ENDPOINT"
          RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=S3RVER RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=S3RVER
          RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true RCLONE_CONFIG_BENCH_REGION=us-east-1
          rclone sync "$WORK/peer-src" bench:rclone-bench)
  run rclone_push "${RCLONE[@]}"
  run rclone_noop "${RCLONE[@]}"
fi

# ---- report ----------------------------------------------------------------------
for k in "${!T[@]}"; do echo "$k ${T[$k]} ${R[$k]}"; done >"$WORK/results"
python3 - "$N" "$WORK/results" <<'PY'
import json, sys
n = sys.argv[1]
rows = {}
for line in open(sys.argv[2]):
    label, secs, counts = line.split(" ", 2)
    rows[label] = (float(secs), json.loads(counts))
def req(c):
    return " ".join(f"{k}={c.get(k, 0)}" for k in ("LIST", "GET", "HEAD", "PUT", "DELETE", "POST") if c.get(k, 0))
print(f"sync_bench: {n} small JSON files, one s3rver, 2 runs per tool (initial push, no-op)")
print(f"{'tool':8} {'phase':6} {'wall s':>8}  requests")
for tool in ("worm", "aws", "rclone"):
    for phase in ("push", "noop"):
        k = f"{tool}_{phase}"
        if k in rows:
            print(f"{tool:8} {phase:6} {rows[k][0]:8.2f}  {req(rows[k][1])}")
for phase, target in (("push", 2), ("noop", 5)):
    peers = [rows[f"{t}_{phase}"][0] for t in ("aws", "rclone") if f"{t}_{phase}" in rows]
    if peers and f"worm_{phase}" in rows:
        ratio = min(peers) / max(rows[f"worm_{phase}"][0], 1e-3)
        verdict = "meets" if ratio >= target else "MISSES"
        print(f"ratio {phase}: worm is {ratio:.1f}x faster than the faster peer "
              f"(target >= {target}x: {verdict})")
PY
