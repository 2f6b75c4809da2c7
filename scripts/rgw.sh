#!/usr/bin/env bash
# A throwaway single-node Ceph cluster with the RADOS Gateway (Ceph's S3), on
# 127.0.0.1, for the `rgw` test tier: 1 mon, 1 mgr, 1 OSD on the in-memory
# object store, 1 radosgw (beast). Needs Debian 12's ceph packages
# (scripts/setup.sh --rgw); any user can run it (the daemons run as the caller). Nothing outside STATE_DIR is written, no systemd.
#
#   scripts/rgw.sh start [STATE_DIR]          fresh cluster + test user; writes STATE_DIR/env
#   scripts/rgw.sh stop [STATE_DIR]           kills the daemons (reverse order), removes STATE_DIR
#   scripts/rgw.sh status [STATE_DIR]         which daemons run; exit 0 when the gateway answers
#   scripts/rgw.sh exec STATE_DIR -- CMD...   runs CMD with STATE_DIR/env in its environment
#
# STATE_DIR defaults to $WORM_RGW_STATE or /tmp/worm-rgw. STATE_DIR/env holds
# (KEY=VALUE lines, also sourceable by sh):
#   WORM_TEST_S3_NAME=rgw
#   WORM_TEST_S3_ENDPOINT=http://127.0.0.1:<port>
#   WORM_TEST_S3_ACCESS_KEY=... WORM_TEST_S3_SECRET_KEY=...   (a fresh RGW user)
#   WORM_TEST_S3_REGION=us-east-1
# The tests read them (src/transport/s3/testing/external_s3.h).
#
# Ports are chosen free (mon v2 + v1, gateway); the OSD and mgr take free
# ones from Ceph's 6800-7300 range, so several clusters can run at once.
# Every wait is bounded (WORM_RGW_TIMEOUT seconds each, default 90) and a
# timeout prints the tail of the daemon's log. `start` over a crashed run's
# state kills that run's daemons first.
#
# Without the ceph binaries `start` and `exec` fail
# (exit 1), naming the packages, unless WORM_RGW_OPTIONAL=1: then they print
# why and exit 77, which ctest reports as a skipped test.
#
# Memory: the OSD keeps every object in RAM, at most WORM_RGW_MEMSTORE_BYTES
# (default 4 GiB; a full rgw tier run holds about 1.2 GiB).
#
# WORM_RGW_BEAST_OPTIONS adds options to the beast frontend, e.g.
# "tcp_nodelay=1" (off by default in Ceph: then a response written in two
# pieces waits out the client's delayed ACK, ~40 ms; bench/ compares both).
set -euo pipefail

SKIP_CODE=77
TIMEOUT=${WORM_RGW_TIMEOUT:-90}
MEMSTORE_BYTES=${WORM_RGW_MEMSTORE_BYTES:-4294967296}
BEAST_OPTIONS=${WORM_RGW_BEAST_OPTIONS:-}
BINARIES=(ceph-mon ceph-mgr ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool)
DAEMONS=(mon mgr osd rgw)  # start order; stop goes backwards

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

die() {
  echo "rgw: $*" >&2
  exit 1
}

state_dir() {
  local d=${1:-${WORM_RGW_STATE:-/tmp/worm-rgw}}
  [[ -n "$d" && "$d" != / ]] || die "refusing state folder '$d'"
  realpath -m -- "$d"
}

# Fails (or skips, with WORM_RGW_OPTIONAL=1) when ceph is not installed.
unavailable() {
  if [[ "${WORM_RGW_OPTIONAL:-}" == 1 ]]; then
    echo "rgw: SKIPPED: $* (WORM_RGW_OPTIONAL=1)" >&2
    exit $SKIP_CODE
  fi
  die "$*; or set WORM_RGW_OPTIONAL=1 to skip the rgw tests"
}

require_ceph() {
  local missing=()
  for b in "${BINARIES[@]}"; do
    command -v "$b" >/dev/null || missing+=("$b")
  done
  if ((${#missing[@]})); then
    unavailable "ceph is not installed (missing ${missing[*]}): run scripts/setup.sh --rgw"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The pid recorded for a daemon, when that process still runs from this
# state folder (a recycled pid of another process does not count).
live_pid() {
  local dir=$1 name=$2 pid
  pid=$(cat "$dir/run/$name.pid" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-c $dir/ceph.conf" || return 1
  echo "$pid"
}

log_tail() {
  local dir=$1 name=$2 f
  for f in "$dir"/log/*"$name"*.log "$dir/log/$name.out"; do
    [[ -s "$f" ]] || continue
    echo "---- last lines of ${f#"$dir"/}" >&2
    tail -n 25 "$f" >&2
  done
}

# wait_for DIR DAEMON WHAT CMD...: runs CMD every 0.5 s until it succeeds,
# at most TIMEOUT seconds; then fails with the daemon's log tail.
wait_for() {
  local dir=$1 name=$2 what=$3
  shift 3
  local deadline=$((SECONDS + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "rgw: timed out after ${TIMEOUT}s waiting for $what" >&2
      log_tail "$dir" "$name"
      return 1
    fi
    if [[ -f "$dir/run/$name.pid" ]] && ! live_pid "$dir" "$name" >/dev/null; then
      echo "rgw: $name exited while waiting for $what" >&2
      log_tail "$dir" "$name"
      return 1
    fi
    sleep 0.5
  done
}

stop_daemons() {
  local dir=$1 i name pid
  for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do
    name=${DAEMONS[i]}
    pid=$(live_pid "$dir" "$name") || continue
    # The data goes with the state folder, so a clean shutdown buys nothing:
    # 2 s of grace (radosgw alone takes ~6 s), then SIGKILL.
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 10); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
  done
}

cmd_stop() {
  local dir
  dir=$(state_dir "${1:-}")
  [[ -d "$dir" ]] || return 0
  stop_daemons "$dir"
  # Only a folder this script made (it holds our ceph.conf or nothing).
  if [[ -f "$dir/ceph.conf" || -z "$(ls -A "$dir")" ]]; then rm -rf -- "$dir"; fi
}

cmd_status() {
  local dir name pid ok=0
  dir=$(state_dir "${1:-}")
  if [[ ! -f "$dir/ceph.conf" ]]; then
    echo "rgw: no cluster in $dir"
    return 1
  fi
  for name in "${DAEMONS[@]}"; do
    if pid=$(live_pid "$dir" "$name"); then echo "$name: running (pid $pid)"; else
      echo "$name: not running"
      ok=1
    fi
  done
  if [[ -f "$dir/env" ]]; then
    local endpoint
    endpoint=$(sed -n 's/^WORM_TEST_S3_ENDPOINT=//p' "$dir/env")
    if curl -sf -o /dev/null --max-time 5 "$endpoint/"; then echo "gateway: $endpoint answers"; else
      echo "gateway: $endpoint does not answer"
      ok=1
    fi
  fi
  return $ok
}

cmd_start() {
  require_ceph
  [[ "$BEAST_OPTIONS" =~ ^[A-Za-z0-9_=.:/,\ -]*$ ]] ||
    die "WORM_RGW_BEAST_OPTIONS must be key=value words (letters, digits, _ = . : / , -)"
  local dir
  dir=$(state_dir "${1:-}")
  local t0=$SECONDS
  if [[ -e "$dir" ]]; then
    [[ -f "$dir/ceph.conf" || -z "$(ls -A "$dir")" ]] ||
      die "$dir exists and is no cluster state of this script; choose another folder"
    cmd_stop "$dir"  # a crashed or earlier run: its daemons and data go
  fi
  mkdir -p "$dir"/{run,log,mon,mgr,osd,rgw}
  chmod 700 "$dir"
  # A failed start leaves no daemon behind (the logs stay for a look).
  START_DIR=$dir
  trap 'if [[ -n "${START_DIR:-}" ]]; then stop_daemons "$START_DIR"; fi' EXIT

  local fsid mon2 mon1 rgw_port
  fsid=$(cat /proc/sys/kernel/random/uuid)
  mon2=$(free_port)
  mon1=$(free_port)
  while [[ "$mon1" == "$mon2" ]]; do mon1=$(free_port); done
  rgw_port=$(free_port)
  local conf=$dir/ceph.conf keyring=$dir/keyring
  cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon2,v1:127.0.0.1:$mon1]
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.1/32
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $keyring
run dir = $dir/run
log file = $dir/log/\$cluster-\$name.log
crash dir = $dir/log/crash
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
[mon]
pid file = $dir/run/mon.pid
mon data = $dir/mon/\$cluster-\$id
[mgr]
pid file = $dir/run/mgr.pid
mgr data = $dir/mgr/\$cluster-\$id
[osd]
pid file = $dir/run/osd.pid
osd data = $dir/osd/\$cluster-\$id
keyring = $dir/osd/\$cluster-\$id/keyring
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES
osd memory target = 1073741824
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port${BEAST_OPTIONS:+ $BEAST_OPTIONS}
rgw dns name = localhost
rgw data = $dir/rgw
rgw crypt require ssl = false
rgw crypt s3 kms backend = testing
rgw crypt s3 kms encryption keys = testkey-1=YmluCmJvb3N0CmJvb3N0LWJ1aWxkCmNlcGguY29uZgo= testkey-2=aWIKTWFrZWZpbGUKbWFuCm91dApzcmMKVGVzdGluZwo=
rgw lc debug interval = 10
EOF
  local ceph=(ceph -c "$conf" --connect-timeout 10)
  # Daemons read their keys from $keyring, but for the OSD (its own keyring
  # in its data folder). Pid files: run/{mon,mgr,osd,rgw}.pid.

  # 1. One keyring with every key.
  ceph-authtool --create-keyring "$keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$keyring" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool "$keyring" --gen-key -n mgr.x \
    --cap mon 'allow profile mgr' --cap osd 'allow *' --cap mds 'allow *' >/dev/null
  ceph-authtool "$keyring" --gen-key -n client.rgw.a \
    --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' >/dev/null
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon2,v1:127.0.0.1:$mon1]" \
    "$dir/monmap" >/dev/null

  # 2. Monitor.
  ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$keyring" \
    >"$dir/log/mon.out" 2>&1 || { log_tail "$dir" mon; die "ceph-mon --mkfs failed"; }
  ceph-mon -c "$conf" -i a >>"$dir/log/mon.out" 2>&1 || { log_tail "$dir" mon; die "ceph-mon did not start"; }
  wait_for "$dir" mon "the monitor (ceph mon stat)" "${ceph[@]}" mon stat

  # 3. Manager.
  mkdir -p "$dir/mgr/ceph-x"
  ceph-mgr -c "$conf" -i x >"$dir/log/mgr.out" 2>&1 || { log_tail "$dir" mgr; die "ceph-mgr did not start"; }

  # 4. OSD 0 on memstore.
  local osd_uuid osd_key osd_dir=$dir/osd/ceph-0
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  osd_key=$(ceph-authtool --gen-print-key)
  printf '{"cephx_secret": "%s"}\n' "$osd_key" >"$dir/osd/secret.json"
  local osd_id
  osd_id=$("${ceph[@]}" osd new "$osd_uuid" -i "$dir/osd/secret.json" 2>"$dir/log/osd.out") ||
    { cat "$dir/log/osd.out" >&2; die "ceph osd new failed"; }
  rm -f "$dir/osd/secret.json"
  [[ "$osd_id" == 0 ]] || die "ceph osd new returned id '$osd_id', expected 0"
  mkdir -p "$osd_dir"
  printf '[osd.0]\n\tkey = %s\n' "$osd_key" >"$osd_dir/keyring"
  ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osd_uuid" --key "$osd_key" \
    >>"$dir/log/osd.out" 2>&1 || { log_tail "$dir" osd; die "ceph-osd --mkfs failed"; }
  ceph-osd -c "$conf" -i 0 >>"$dir/log/osd.out" 2>&1 || { log_tail "$dir" osd; die "ceph-osd did not start"; }
  wait_for "$dir" osd "OSD 0 to be up (ceph osd stat)" \
    bash -c '"$@" osd stat 2>/dev/null | grep -q "1 up"' _ "${ceph[@]}"

  # 5. Gateway.
  radosgw -c "$conf" -n client.rgw.a --pid-file "$dir/run/rgw.pid" \
    >"$dir/log/rgw.out" 2>&1 || { log_tail "$dir" rgw; die "radosgw did not start"; }
  wait_for "$dir" rgw "the gateway on 127.0.0.1:$rgw_port" \
    curl -sf -o /dev/null --max-time 5 "http://127.0.0.1:$rgw_port/"

  # 6. The test user.
  local user_json access secret
  user_json=$(radosgw-admin -c "$conf" -n client.admin user create --uid=worm-test \
    --display-name="worm tests" --max-buckets=10000 2>"$dir/log/user.out") ||
    { cat "$dir/log/user.out" >&2; die "radosgw-admin user create failed"; }
  access=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["keys"][0]["access_key"])' <<<"$user_json")
  secret=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["keys"][0]["secret_key"])' <<<"$user_json")
  umask 077
  cat >"$dir/env.tmp" <<EOF
WORM_TEST_S3_NAME=rgw
WORM_TEST_S3_ENDPOINT=http://127.0.0.1:$rgw_port
WORM_TEST_S3_ACCESS_KEY=$access
WORM_TEST_S3_SECRET_KEY=$secret
WORM_TEST_S3_REGION=us-east-1
EOF
  mv "$dir/env.tmp" "$dir/env"
  START_DIR=
  echo "rgw: up in $((SECONDS - t0))s at http://127.0.0.1:$rgw_port (state $dir; env $dir/env)"
}

cmd_exec() {
  local dir
  dir=$(state_dir "${1:-}")
  shift || true
  [[ "${1:-}" == -- ]] && shift
  (($#)) || usage
  if [[ ! -f "$dir/env" ]]; then
    require_ceph  # a clear skip or failure when ceph is missing
    die "no running gateway in $dir (no env file): run scripts/rgw.sh start $dir"
  fi
  set -a
  # shellcheck disable=SC1091
  . "$dir/env"
  set +a
  exec "$@"
}

case "${1:-}" in
  start) cmd_start "${2:-}" ;;
  stop) cmd_stop "${2:-}" ;;
  status) cmd_status "${2:-}" ;;
  exec) shift && cmd_exec "$@" ;;
  *) usage ;;
esac
