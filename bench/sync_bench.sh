#!/usr/bin/env bash
# sync_bench.sh: `worm push` of N (default 10,000) small JSON files, a no-op
# `worm status`, and an update push (UPDATE_PCT, default 1%, of the files
# rewritten); the same with `aws s3 sync` and `rclone sync` (each to a fresh
# bucket: initial sync, no-op rerun, rerun after the same update), in ONE
# run, on each server of SERVERS in turn:
#   s3rver   tests/compat's s3rver (node)
#   serve    `worm serve --root` of the worm under test (--no-fsync unless
#            SERVE_FSYNC=1: s3rver does not fsync and RGW keeps objects in RAM)
#   rgw      a single-node Ceph RGW (scripts/rgw.sh, memstore), when ceph is
#            installed; else the row is skipped with the reason
#   rgw-nodelay  the same with the beast frontend's tcp_nodelay=1 (Ceph's
#            default is off: a response written in two pieces then waits out
#            the client's delayed ACK, ~40 ms, which bounds LIST-heavy tools)
# Reports wall times, worm's ratio to the faster peer per phase and server, and
# the requests each tool sent (LIST/GET/HEAD/PUT/DELETE/POST) as the server saw
# them, counted without a proxy hop (no timing distortion):
#   s3rver   a request listener inside s3rver
#   serve    a loopback capture (tcpdump) keeping only segments that begin an
#            HTTP request line, read afterwards (n/a without tcpdump)
#   rgw*     the access line the beast frontend writes per request into the
#            radosgw log at the default `debug rgw = 1`, read afterwards
# worm's own count (push/status --json "requests") is printed beside them:
# it leaves out the conditional-write probe every push makes first (on RGW
# 3 PUT, 1 LIST, 1 DELETE).
#
#   bench/sync_bench.sh                 # worm from build/sync, else build/release
#   WORM=path/to/worm N=2000 bench/sync_bench.sh
#   SERVERS="s3rver serve" UPDATE_PCT=0 bench/sync_bench.sh
#   KEEP=1 bench/sync_bench.sh          # keep the work folder (logs, capture)
#
# Targets (issue): worm >= 2x faster than the faster peer on the initial
# push and >= 5x on the no-op. Peers: Debian awscli (/usr/bin/aws) and rclone
# (scripts/setup.sh --peers installs them); s3rver from tests/compat; ceph
# from scripts/setup.sh --rgw; tcpdump from Debian's package. Exit 1 when a run
# failed or a check did not hold (the table is printed first).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC_DIR=$(pwd)
N=${N:-10000}
UPDATE_PCT=${UPDATE_PCT:-1}
SERVERS=${SERVERS:-s3rver serve rgw rgw-nodelay}
WORM=${WORM:-}
if [[ -z "$WORM" ]]; then
  for c in build/sync/src/cli/worm build/release/src/cli/worm; do
    [[ -x "$c" ]] && WORM="$SRC_DIR/$c" && break
  done
fi
[[ -x "${WORM:-}" ]] || { echo "sync_bench: no worm binary (build it, or set WORM=)" >&2; exit 1; }
WORM=$(realpath "$WORM")
HAVE_AWS=0; [[ -x /usr/bin/aws ]] && HAVE_AWS=1
HAVE_RCLONE=0; command -v rclone >/dev/null && HAVE_RCLONE=1
PY=/usr/bin/python3; [[ -x $PY ]] || PY=python3

WORK=$(mktemp -d /tmp/worm-sync-bench.XXXXXX)
S3PID="" SERVEPID="" CAPPID="" RGW_DIR=""
cleanup() {
  [[ -n "$CAPPID" ]] && kill "$CAPPID" 2>/dev/null || true
  [[ -n "$S3PID" ]] && kill "$S3PID" 2>/dev/null || true
  [[ -n "$SERVEPID" ]] && kill "$SERVEPID" 2>/dev/null || true
  [[ -n "$RGW_DIR" ]] && "$SRC_DIR/scripts/rgw.sh" stop "$RGW_DIR" >/dev/null 2>&1 || true
  if [[ "${KEEP:-0}" == 1 ]]; then echo "sync_bench: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

# ---- data: N small JSON documents, and the update -------------------------------
$PY - "$WORK/pristine" "$N" <<'PY'
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
# The files of the update: every (100 / UPDATE_PCT)-th in key order, at least one.
M=0
if [[ "$UPDATE_PCT" != 0 ]]; then
  (cd "$WORK/pristine" && find . -name '*.json' | sort) |
    $PY -c "import sys; f=[l.strip() for l in sys.stdin]; step=max(1, round(100/$UPDATE_PCT)); print('\n'.join(f[::step]))" \
    >"$WORK/update-list"
  M=$(wc -l <"$WORK/update-list")
fi
update_files() {  # update_files DIR: rewrite the chosen files (new status, longer)
  $PY - "$1" "$WORK/update-list" <<'PY'
import json, os, sys
root = sys.argv[1]
for rel in open(sys.argv[2]).read().split():
    p = os.path.join(root, rel)
    doc = json.load(open(p))
    doc["status"], doc["updatedAt"] = "suspended", "2026-02-02T00:00:00.000Z"
    with open(p, "w") as f:
        json.dump(doc, f)
PY
}

# ---- request counting -------------------------------------------------------------
# Every timed run appends "server tool phase t0 t1 secs status" to $WORK/runs;
# counts come from the server's counter (s3rver: a JSON line per run in
# $WORK/counts.<label>) or, after the server's row, from its log or capture
# cut at the runs' time windows.
: >"$WORK/runs"
SRV="" COUNTER=""
counter_reset() { [[ "$COUNTER" == s3rver ]] && curl -s "http://127.0.0.1:$CPORT/reset" >/dev/null || true; }
counter_read() {  # counter_read LABEL
  if [[ "$COUNTER" == s3rver ]]; then curl -s "http://127.0.0.1:$CPORT/" >"$WORK/counts.$1"; fi
}
FAILED=0
run() {  # run TOOL PHASE COMMAND...: time it; a failure is recorded, not fatal
  local tool=$1 phase=$2 label="$SRV-$1-$2" t0 t1 st=ok
  shift 2
  counter_reset
  t0=$(now)
  "$@" >"$WORK/$label.out" 2>"$WORK/$label.err" || st=fail
  t1=$(now)
  counter_read "$label"
  if [[ $st == fail ]]; then
    FAILED=1
    echo "sync_bench: $label failed:" >&2
    tail -3 "$WORK/$label.err" >&2
    tail -1 "$WORK/$label.err" | tr -s ' \t' ' ' | cut -c1-300 >"$WORK/$label.why"
  fi
  echo "$SRV $tool $phase $t0 $t1 $($PY -c "print(f'{$t1 - $t0:.2f}')") $st" >>"$WORK/runs"
}
note() { echo "$SRV: $*" >>"$WORK/notes"; }
: >"$WORK/notes"

# ---- servers: start_<name> sets ENDPOINT, KEY, SECRET, COUNTER; stop_<name> --------
start_s3rver() {
  local js="$SRC_DIR/tests/compat/node_modules/s3rver"
  [[ -f "$js/bin/s3rver.js" ]] || { echo "s3rver missing: (cd tests/compat && npm ci)"; return 1; }
  PORT=$(free_port) CPORT=$(free_port)
  cat >"$WORK/counting_s3rver.js" <<JS
// s3rver plus a listener counting requests by S3 operation; counts are
// served (and reset with /reset) on a second port.
const http = require('http');
const S3rver = require('$js');
const counts = {};
function op(req) {
  const [path, query = ''] = req.url.split('?');
  if (req.method === 'GET' && (query.includes('list-type') || path.split('/').filter(Boolean).length <= 1)) return 'LIST';
  if (req.method === 'POST' && query.startsWith('delete')) return 'DELETE';
  return req.method;
}
const server = new S3rver({address: '127.0.0.1', port: $PORT, silent: true,
  directory: '$WORK/s3', configureBuckets: [{name: 'worm-bench'}, {name: 'aws-bench'}, {name: 'rclone-bench'}, {name: 'warm-up'}]});
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
  grep -q ready "$WORK/s3rver.log" || { tail -5 "$WORK/s3rver.log"; return 1; }
  ENDPOINT="http://127.0.0.1:$PORT" KEY=S3RVER SECRET=S3RVER COUNTER=s3rver
}
stop_s3rver() { kill "$S3PID" 2>/dev/null || true; wait "$S3PID" 2>/dev/null || true; S3PID=""; }

start_serve() {
  local fsync=--no-fsync
  [[ "${SERVE_FSYNC:-0}" == 1 ]] && fsync=--fsync
  mkdir -p "$WORK/serve-root"/{worm-bench,aws-bench,rclone-bench,warm-up}
  KEY=sync-bench SECRET=sync-bench-secret
  "$WORM" serve --root "$WORK/serve-root" --port 0 --access-key "$KEY" --secret-key "$SECRET" \
    $fsync >"$WORK/serve.out" 2>"$WORK/serve.err" &
  SERVEPID=$!
  for _ in $(seq 100); do grep -q '^listening on ' "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
  ENDPOINT=$(sed -n 's/^listening on //p' "$WORK/serve.out" | head -1)
  [[ -n "$ENDPOINT" ]] || { tail -5 "$WORK/serve.err"; return 1; }
  COUNTER=none
  if command -v tcpdump >/dev/null && [[ $(id -u) -eq 0 ]]; then
    # Only segments to the server that begin with "GET ", "PUT ", "HEAD",
    # "POST" or "DELE": one per request (bodies of JSON or aws-chunked
    # framing never begin so), so the capture stays small.
    local p=${ENDPOINT##*:} off='((tcp[12:1] & 0xf0) >> 2)'
    tcpdump -i lo --immediate-mode -U -s 512 -w "$WORK/serve.pcap" \
      "tcp dst port $p and (tcp[$off:4] = 0x47455420 or tcp[$off:4] = 0x50555420 or tcp[$off:4] = 0x48454144 or tcp[$off:4] = 0x504f5354 or tcp[$off:4] = 0x44454c45)" \
      2>"$WORK/tcpdump.err" &
    CAPPID=$!
    for _ in $(seq 50); do grep -q 'listening on' "$WORK/tcpdump.err" 2>/dev/null && break; sleep 0.1; done
    if grep -q 'listening on' "$WORK/tcpdump.err"; then COUNTER=pcap; else
      kill "$CAPPID" 2>/dev/null || true
      CAPPID=""
      note "request counts n/a: tcpdump did not start ($(tail -1 "$WORK/tcpdump.err"))"
    fi
  else
    note "request counts n/a: worm serve keeps no request log, and the loopback capture needs tcpdump and root"
  fi
}
stop_serve() {
  if [[ -n "$CAPPID" ]]; then
    # The last segments: SIGINT drops what tcpdump has not read yet.
    local size=-1
    for _ in $(seq 20); do
      sleep 0.5
      [[ $(stat -c %s "$WORK/serve.pcap") == "$size" ]] && break
      size=$(stat -c %s "$WORK/serve.pcap")
    done
    kill -INT "$CAPPID" 2>/dev/null || true
    wait "$CAPPID" 2>/dev/null || true
    CAPPID=""
  fi
  kill -TERM "$SERVEPID" 2>/dev/null || true
  wait "$SERVEPID" 2>/dev/null || true
  SERVEPID=""
}

start_rgw() {  # start_rgw [BEAST_OPTIONS]; 77: no ceph
  RGW_DIR="$WORK/rgw"
  local rc=0
  WORM_RGW_OPTIONAL=1 WORM_RGW_BEAST_OPTIONS=${1:-} "$SRC_DIR/scripts/rgw.sh" start "$RGW_DIR" \
    >"$WORK/rgw-start.log" 2>&1 || rc=$?
  if ((rc)); then
    tail -5 "$WORK/rgw-start.log"
    return $rc
  fi
  ENDPOINT=$(sed -n 's/^WORM_TEST_S3_ENDPOINT=//p' "$RGW_DIR/env")
  KEY=$(sed -n 's/^WORM_TEST_S3_ACCESS_KEY=//p' "$RGW_DIR/env")
  SECRET=$(sed -n 's/^WORM_TEST_S3_SECRET_KEY=//p' "$RGW_DIR/env")
  local b
  for b in worm-bench aws-bench rclone-bench warm-up; do
    AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET AWS_CONFIG_FILE=/dev/null \
      AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
      /usr/bin/aws --region us-east-1 --endpoint-url "$ENDPOINT" s3api create-bucket --bucket "$b" \
      >/dev/null || return 1
  done
  COUNTER=rgwlog
}
stop_rgw() {
  # The log is written by a thread of its own: wait until it stops growing.
  local f="$RGW_DIR/log/ceph-client.rgw.a.log" size=-1
  for _ in $(seq 20); do
    [[ $(stat -c %s "$f") == "$size" ]] && break
    size=$(stat -c %s "$f")
    sleep 0.5
  done
  cp "$f" "$WORK/$SRV.log"
  "$SRC_DIR/scripts/rgw.sh" stop "$RGW_DIR" >/dev/null 2>&1 || true
  RGW_DIR=""
}
start_rgw-nodelay() { start_rgw tcp_nodelay=1; }
stop_rgw-nodelay() { stop_rgw; }

# ---- one server's row: worm, then each peer, all from the same data ---------------
bench_server() {
  SRV=$1
  export AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET AWS_EC2_METADATA_DISABLED=true
  unset WORM_ACCESS_KEY_ID WORM_SECRET_ACCESS_KEY
  local proj="$WORK/proj-$SRV" peer="$WORK/peer-$SRV"
  mkdir -p "$proj"
  (cd "$proj" && "$WORM" init >/dev/null && rm -rf .worm/data && cp -r "$WORK/pristine" .worm/data &&
    "$WORM" remote add origin s3://worm-bench --endpoint "$ENDPOINT" --path-style >/dev/null)
  cp -r "$WORK/pristine" "$peer"  # peers get a copy without worm's state
  echo "sync_bench: $SRV at $ENDPOINT" >&2
  # Untimed and uncounted: a fresh server's first requests are slow (node's
  # JIT; on a fresh RGW the first writes, and the first multipart upload,
  # which creates a pool, take seconds), which would fall on whichever tool
  # runs first (worm's first push probes multipart uploads).
  mkdir -p "$WORK/warm-up"
  for i in $(seq 50); do echo "{\"n\": $i}" >"$WORK/warm-up/$i.json"; done
  head -c $((9 << 20)) /dev/zero >"$WORK/warm-up.big"  # above awscli's 8 MiB multipart threshold
  local warm=(env AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
    /usr/bin/aws --region us-east-1 --endpoint-url "$ENDPOINT" s3)
  { "${warm[@]}" sync --only-show-errors "$WORK/warm-up" s3://warm-up/ &&
    "${warm[@]}" cp --only-show-errors "$WORK/warm-up.big" s3://warm-up/big; } >/dev/null 2>&1 ||
    note "warm-up failed (timings include a cold server)"
  rm -f "$WORK/warm-up.big"

  run worm push bash -c "cd '$proj' && '$WORM' push --json"
  run worm noop bash -c "cd '$proj' && '$WORM' status --json"
  $PY - "$WORK/$SRV-worm-noop.out" <<'PY' || { FAILED=1; note "worm no-op status not clean"; }
import json, sys
s = json.load(open(sys.argv[1]))
assert s["ahead"] == 0 and s["behind"] == 0 and s["conflicts"] == 0, s
PY
  if ((M)); then
    update_files "$proj/.worm/data"
    run worm update bash -c "cd '$proj' && '$WORM' push --json"
    $PY - "$WORK/$SRV-worm-update.out" "$M" <<'PY' || { FAILED=1; note "worm update push did not transfer the $M changed files"; }
import json, sys
s = json.load(open(sys.argv[1]))
assert s.get("transferred") == int(sys.argv[2]) and not s.get("failed"), s
PY
  fi

  if ((HAVE_AWS)); then
    printf '[default]\nregion = us-east-1\n' >"$WORK/aws-config"
    local aws=(env AWS_CONFIG_FILE="$WORK/aws-config" AWS_SHARED_CREDENTIALS_FILE="$WORK/none"
      /usr/bin/aws --endpoint-url "$ENDPOINT" s3 sync --only-show-errors "$peer" s3://aws-bench/)
    run aws push "${aws[@]}"
    run aws noop "${aws[@]}"
    if ((M)); then
      update_files "$peer"
      run aws update "${aws[@]}"
    fi
  fi

  if ((HAVE_RCLONE)); then
    cp -r "$WORK/pristine" "$peer-rclone"
    local rclone=(env -u AWS_CA_BUNDLE RCLONE_CONFIG=/dev/null RCLONE_CONFIG_BENCH_TYPE=s3
      RCLONE_CONFIG_BENCH_PROVIDER=Other RCLONE_CONFIG_BENCH_ENDPOINT="$ENDPOINT"
      RCLONE_CONFIG_BENCH_ACCESS_KEY_ID="$KEY" RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY="$SECRET"
      RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true RCLONE_CONFIG_BENCH_REGION=us-east-1
      rclone sync "$peer-rclone" bench:rclone-bench)
    run rclone push "${rclone[@]}"
    run rclone noop "${rclone[@]}"
    if ((M)); then
      update_files "$peer-rclone"
      run rclone update "${rclone[@]}"
    fi
  fi
}

for s in $SERVERS; do
  case $s in s3rver | serve | rgw | rgw-nodelay) ;; *)
    echo "sync_bench: unknown server '$s' (s3rver, serve, rgw, rgw-nodelay)" >&2
    exit 2
    ;;
  esac
  SRV=$s
  rc=0
  "start_$s" >"$WORK/start-$s.log" 2>&1 || rc=$?
  why=$(tail -3 "$WORK/start-$s.log")
  if ((rc == 77)); then
    echo "sync_bench: skipping $s: $why" >&2
    note "skipped: $why"
    continue
  elif ((rc)); then
    echo "sync_bench: $s did not start: $why" >&2
    note "did not start: $why"
    FAILED=1
    continue
  fi
  bench_server "$s"
  "stop_$s"
  echo "$s $COUNTER" >>"$WORK/counters"
done

# ---- report ------------------------------------------------------------------------
touch "$WORK/counters"
$PY - "$N" "$M" "$WORK" <<'PY'
import datetime, glob, json, os, re, struct, sys
n, m, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
runs = [l.split() for l in open(os.path.join(work, "runs"))]
counters = dict(l.split() for l in open(os.path.join(work, "counters")))

def op(method, target):  # as the s3rver listener classifies
    path, _, query = target.partition("?")
    if method == "GET" and ("list-type" in query or len([p for p in path.split("/") if p]) <= 1):
        return "LIST"
    if method == "POST" and query.startswith("delete"):
        return "DELETE"
    return method

def pcap_requests(path):  # (time, method, target) of each captured request line
    out = []
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            return out
        endian = "<" if head[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        nano = head[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
        link = struct.unpack(endian + "I", head[20:24])[0]
        l2 = {1: 14, 113: 16, 0: 4, 276: 20}.get(link, 14)
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            sec, frac, incl, _ = struct.unpack(endian + "IIII", rec)
            pkt = f.read(incl)
            ip = pkt[l2:]
            if not ip or ip[0] >> 4 != 4:
                continue
            tcp = ip[(ip[0] & 15) * 4:]
            payload = tcp[(tcp[12] >> 4) * 4:]
            line = payload.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
            if len(line) >= 2:
                out.append((sec + frac / (1e9 if nano else 1e6), line[0], line[1]))
    return out

BEAST = re.compile(r'beast: \S+: \S+ - \S+ \[([^\]]+)\] "(\S+) (\S+) [^"]*" (\d+)')
def rgw_requests(path):  # (start time, method, target) of each beast access line
    out = []
    for line in open(path, errors="replace"):
        mt = BEAST.search(line)
        if mt:
            t = datetime.datetime.strptime(mt.group(1), "%d/%b/%Y:%H:%M:%S.%f %z").timestamp()
            out.append((t, mt.group(2), mt.group(3)))
    return out

logs = {}
if os.path.exists(os.path.join(work, "serve.pcap")):
    logs["serve"] = pcap_requests(os.path.join(work, "serve.pcap"))
for srv in ("rgw", "rgw-nodelay"):
    if os.path.exists(os.path.join(work, srv + ".log")):
        logs[srv] = rgw_requests(os.path.join(work, srv + ".log"))

def counts(srv, tool, phase, t0, t1):
    how = counters.get(srv)
    if how == "s3rver":
        return json.load(open(os.path.join(work, f"counts.{srv}-{tool}-{phase}")))
    if how in ("pcap", "rgwlog") and srv in logs:
        c = {}
        slack = 0.002 if how == "rgwlog" else 0  # the log has milliseconds
        for t, meth, target in logs[srv]:
            if t0 - slack <= t <= t1 + slack:
                k = op(meth, target)
                c[k] = c.get(k, 0) + 1
        return c
    return None

def req(c):
    if c is None:
        return "n/a"
    return " ".join(f"{k}={c.get(k, 0)}" for k in ("LIST", "GET", "HEAD", "PUT", "DELETE", "POST") if c.get(k, 0)) or "none"

def own(srv, tool, phase):  # worm's own count
    try:
        r = json.load(open(os.path.join(work, f"{srv}-{tool}-{phase}.out")))["requests"]
    except Exception:
        return ""
    return "worm says " + (" ".join(f"{k}={v}" for k, v in r.items() if v and k != "total") or "none")

table = {}
notes_extra = []
reuploads = set()  # (server, peer) whose no-op re-uploaded: its noop/update are no measure
print(f"sync_bench: {n} small JSON files; update = {m} of them rewritten; per server, each tool to a "
      f"fresh bucket: initial sync, no-op rerun, update")
print(f"{'server':11} {'tool':7} {'phase':7} {'wall s':>8}  requests (as the server saw them)")
for srv, tool, phase, t0, t1, secs, st in runs:
    c = counts(srv, tool, phase, float(t0), float(t1))
    table[(srv, tool, phase)] = float(secs) if st == "ok" else None
    extra = own(srv, tool, phase) if tool == "worm" else ""
    if st != "ok":
        why = open(os.path.join(work, f"{srv}-{tool}-{phase}.why")).read().strip()
        extra = f"FAILED: {why}"
    if tool != "worm" and phase == "noop" and c and c.get("PUT", 0):
        extra = "NOT a no-op: re-uploaded (see below; left out of the ratios)"
        reuploads.add((srv, tool))
        why = (" (s3rver answers a listing with delimiter=/ with no CommonPrefixes, so rclone "
               "sees an empty bucket)" if srv == "s3rver" else "")
        notes_extra.append(f"{srv}: {tool}'s no-op rerun sent {c['PUT']} PUTs: it found the files "
                           f"missing{why}; its no-op and update rows are full uploads")
    print(f"{srv:11} {tool:7} {phase:7} {float(secs):8.2f}  {req(c):34} {extra}")
print()
targets = {"push": 2, "noop": 5, "update": None}
for srv in dict.fromkeys(r[0] for r in runs):
    for phase, target in targets.items():
        w = table.get((srv, "worm", phase))
        peers = {t: table[(srv, t, phase)] for t in ("aws", "rclone") if table.get((srv, t, phase))
                 and (phase == "push" or (srv, t) not in reuploads)}
        if (srv, "worm", phase) not in table or not peers:
            continue
        if w is None:
            print(f"ratio {srv:11} {phase:6}: worm FAILED")
            continue
        best = min(peers, key=peers.get)
        ratio = peers[best] / max(w, 1e-3)
        verdict = "" if target is None else (" (target >= %dx: %s)" % (target, "meets" if ratio >= target else "MISSES"))
        print(f"ratio {srv:11} {phase:6}: worm {w:.2f} s, faster peer {best} {peers[best]:.2f} s: "
              f"worm is {ratio:.1f}x faster{verdict}")
notes = "\n".join([open(os.path.join(work, "notes")).read().strip()] + notes_extra).strip()
if notes:
    print("\n" + notes)
PY
exit $FAILED
