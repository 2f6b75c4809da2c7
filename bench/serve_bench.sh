#!/usr/bin/env bash
# Load benchmark for `worm serve`, against nginx (static files, the ceiling for
# plain HTTP GET) and s3rver (a Node S3 stand-in), all on loopback, driven by
# wrk in ONE run so the ratios are comparable (wrk shares the cores).
#
#   bench/serve_bench.sh            # needs build/release/src/cli/worm (or WORM_BIN)
#   DURATION=5 bench/serve_bench.sh
#
# Scenarios: GET and PUT of 4 KiB and 1 MiB objects at 16 and 64 connections
# (nginx: GET only). worm runs anonymous with --no-fsync for the main table
# (s3rver and nginx do not fsync either); one extra row measures PUT with
# fsync on (worm's default) to show what durability costs. The server's RSS
# is sampled during every worm run and its peak reported.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT_DIR="$HERE/.."
WORM="${WORM_BIN:-$ROOT_DIR/build/release/src/cli/worm}"
S3RVER="$ROOT_DIR/tests/compat/node_modules/s3rver/bin/s3rver.js"
DURATION="${DURATION:-5}"
THREADS="${WRK_THREADS:-2}"
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# ---- servers ------------------------------------------------------------------
start_worm() {  # $1: extra flags; sets WORM_URL, WORM_PID
  mkdir -p "$WORK/worm/bench"
  "$WORM" serve --root "$WORK/worm" --port 0 --anonymous $1 >"$WORK/worm.out" 2>"$WORK/worm.err" &
  WORM_PID=$!
  PIDS+=("$WORM_PID")
  for _ in $(seq 300); do grep -q '^listening on ' "$WORK/worm.out" 2>/dev/null && break; sleep 0.1; done
  WORM_URL="$(sed -n 's/^listening on //p' "$WORK/worm.out" | head -1)"
  [[ -n "$WORM_URL" ]] || { cat "$WORK/worm.err"; exit 1; }
}
stop_worm() { kill -TERM "$WORM_PID"; wait "$WORM_PID" 2>/dev/null || true; }

start_nginx() {
  NGINX_PORT="$(free_port)"
  mkdir -p "$WORK/nginx"
  cat >"$WORK/nginx/nginx.conf" <<CONF
user root;
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 1000000; keepalive_timeout 60;
  client_body_temp_path $WORK/nginx/body; proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fcgi; uwsgi_temp_path $WORK/nginx/uwsgi; scgi_temp_path $WORK/nginx/scgi;
  default_type application/octet-stream;
  server { listen 127.0.0.1:$NGINX_PORT; root $WORK/worm; }
}
CONF
  nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -g 'daemon off;' 2>"$WORK/nginx/stderr" &
  PIDS+=($!)
  wait_port "$NGINX_PORT"
}

start_s3rver() {
  S3RVER_PORT="$(free_port)"
  mkdir -p "$WORK/s3rver"
  NODE_OPTIONS=--openssl-legacy-provider node "$S3RVER" --directory "$WORK/s3rver" \
    --address 127.0.0.1 --port "$S3RVER_PORT" --silent --configure-bucket bench >/dev/null 2>&1 &
  PIDS+=($!)
  wait_port "$S3RVER_PORT"
}

# ---- load ---------------------------------------------------------------------
RSS_PEAK=0
sample_rss() {  # $1 pid: samples VmRSS (KiB) into $WORK/rss until killed
  while kill -0 "$1" 2>/dev/null; do
    awk '/VmRSS/ {print $2}' /proc/"$1"/status >>"$WORK/rss" 2>/dev/null || true
    sleep 0.25
  done
}

# run_wrk URL CONNECTIONS [lua] -> prints "req/s MB/s"
run_wrk() {
  local out
  if [[ -n "${3:-}" ]]; then
    out="$(wrk -t"$THREADS" -c"$2" -d"${DURATION}s" -s "$3" "$1" 2>&1)"
  else
    out="$(wrk -t"$THREADS" -c"$2" -d"${DURATION}s" "$1" 2>&1)"
  fi
  local rps bytes
  rps="$(awk '/^Requests\/sec/ {print $2}' <<<"$out")"
  local errors
  errors="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
  [[ -z "$errors" ]] || echo "warning: $errors non-2xx responses for $1" >&2
  echo "${rps:-0}"
}

declare -A R
measure() {  # key URL CONNECTIONS SIZE [lua]
  local rps
  rps="$(BENCH_SIZE="$4" run_wrk "$2" "$3" "${5:-}")"
  R["$1"]="$rps"
  printf '  %-28s %12.0f req/s %10.1f MB/s\n' "$1" "$rps" "$(echo "$rps * $4 / 1000000" | bc -l)" >&2
}

SMALL=4096
LARGE=1048576
echo "# worm serve benchmark: ${DURATION}s per load, wrk -t$THREADS, $(nproc) cores" >&2

start_worm "--no-fsync"
head -c "$SMALL" /dev/urandom >"$WORK/small"
head -c "$LARGE" /dev/urandom >"$WORK/large"
curl -sf -X PUT --data-binary @"$WORK/small" "$WORM_URL/bench/small" >/dev/null
curl -sf -X PUT --data-binary @"$WORK/large" "$WORM_URL/bench/large" >/dev/null
: >"$WORK/rss"
sample_rss "$WORM_PID" &
for c in 16 64; do
  measure "worm GET 4KiB c$c" "$WORM_URL/bench/small" "$c" "$SMALL"
  measure "worm GET 1MiB c$c" "$WORM_URL/bench/large" "$c" "$LARGE"
  BENCH_PATH=/bench/put4k measure "worm PUT 4KiB c$c" "$WORM_URL" "$c" "$SMALL" "$HERE/serve_put.lua"
  BENCH_PATH=/bench/put1m measure "worm PUT 1MiB c$c" "$WORM_URL" "$c" "$LARGE" "$HERE/serve_put.lua"
done
WORM_RSS_PEAK="$(sort -n "$WORK/rss" | tail -1)"
WORM_RSS_FIRST="$(head -1 "$WORK/rss")"
stop_worm

start_worm ""  # fsync on (the default)
BENCH_PATH=/bench/sync4k measure "worm(fsync) PUT 4KiB c16" "$WORM_URL" 16 "$SMALL" "$HERE/serve_put.lua"
BENCH_PATH=/bench/sync4k measure "worm(fsync) PUT 4KiB c64" "$WORM_URL" 64 "$SMALL" "$HERE/serve_put.lua"
stop_worm

start_nginx
for c in 16 64; do
  measure "nginx GET 4KiB c$c" "http://127.0.0.1:$NGINX_PORT/bench/small" "$c" "$SMALL"
  measure "nginx GET 1MiB c$c" "http://127.0.0.1:$NGINX_PORT/bench/large" "$c" "$LARGE"
done

start_s3rver
S3="http://127.0.0.1:$S3RVER_PORT"
curl -sf -X PUT --data-binary @"$WORK/small" "$S3/bench/small" >/dev/null
curl -sf -X PUT --data-binary @"$WORK/large" "$S3/bench/large" >/dev/null
for c in 16 64; do
  measure "s3rver GET 4KiB c$c" "$S3/bench/small" "$c" "$SMALL"
  measure "s3rver GET 1MiB c$c" "$S3/bench/large" "$c" "$LARGE"
  BENCH_PATH=/bench/put4k measure "s3rver PUT 4KiB c$c" "$S3" "$c" "$SMALL" "$HERE/serve_put.lua"
  BENCH_PATH=/bench/put1m measure "s3rver PUT 1MiB c$c" "$S3" "$c" "$LARGE" "$HERE/serve_put.lua"
done

ratio() { if [[ "${2:-0}" == "0" || -z "${2:-}" ]]; then echo "-"; else printf '%.2f' "$(echo "$1 / $2" | bc -l)"; fi; }
mbs() { printf '%.1f' "$(echo "$1 * $2 / 1000000" | bc -l)"; }
echo
printf '| %-14s | %-4s | %15s | %10s | %15s | %15s | %9s | %10s |\n' \
  scenario conn "worm req/s" "worm MB/s" "nginx req/s" "s3rver req/s" "vs nginx" "vs s3rver"
printf '|%s|\n' "----------------|------|-----------------|------------|-----------------|-----------------|-----------|------------"
for op in GET PUT; do
  for size in 4KiB 1MiB; do
    bytes=$SMALL; [[ $size == 1MiB ]] && bytes=$LARGE
    for c in 16 64; do
      w="${R["worm $op $size c$c"]}"
      n="${R["nginx $op $size c$c"]:-0}"
      s="${R["s3rver $op $size c$c"]:-0}"
      printf '| %-14s | %-4s | %15.0f | %10s | %15s | %15.0f | %9s | %10s |\n' "$op $size" "$c" "$w" \
        "$(mbs "$w" "$bytes")" "$([[ $n == 0 ]] && echo - || printf '%.0f' "$n")" "$s" \
        "$(ratio "$w" "$n")" "$(ratio "$w" "$s")"
    done
  done
done
for c in 16 64; do
  f="${R["worm(fsync) PUT 4KiB c$c"]}"
  printf '| %-14s | %-4s | %15.0f | %10s | %15s | %15s | %9s | %10s |\n' "PUT 4KiB fsync" "$c" "$f" \
    "$(mbs "$f" "$SMALL")" - - - "$(ratio "$f" "${R["worm PUT 4KiB c$c"]}")x nofsync"
done
echo
echo "worm serve RSS: first sample $((WORM_RSS_FIRST / 1024)) MiB, peak $((WORM_RSS_PEAK / 1024)) MiB during all --no-fsync loads"
