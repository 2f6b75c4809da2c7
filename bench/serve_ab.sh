#!/usr/bin/env bash
# Interleaved A/B of two `worm serve` binaries (e.g. before and after a change):
# ROUNDS rounds of A then B, each on a fresh folder, --anonymous --no-fsync,
# wrk for DURATION seconds per scenario at 16 connections: GET of one 4 KiB
# and one 1 MiB object, PUT of 4 KiB and 1 MiB bodies (serve_put.lua). On a
# noisy machine interleaving is what makes two builds comparable; compare
# the means, not single rounds.
#
#   bench/serve_ab.sh OLD_WORM NEW_WORM
#   ROUNDS=5 DURATION=5 bench/serve_ab.sh a/worm b/worm
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
A="$1"
B="$2"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

rps() { awk '/Requests\/sec/{print int($2)}'; }

run() {  # $1: binary; prints "GET4K=.. GET1M=.. PUT4K=.. PUT1M=.."
  local dir pid url
  dir="$(mktemp -d -p "$WORK")"
  mkdir -p "$dir/bench"
  "$1" serve --root "$dir" --port 0 --anonymous --no-fsync >"$dir/out" 2>"$dir/err" &
  pid=$!
  for _ in $(seq 100); do grep -q '^listening on ' "$dir/out" 2>/dev/null && break; sleep 0.1; done
  url="$(sed -n 's/^listening on //p' "$dir/out" | head -1)"
  head -c 4096 /dev/urandom >"$dir/4k"
  head -c 1048576 /dev/urandom >"$dir/1m"
  curl -sf -X PUT --data-binary @"$dir/4k" "$url/bench/g4k" >/dev/null
  curl -sf -X PUT --data-binary @"$dir/1m" "$url/bench/g1m" >/dev/null
  echo "GET4K=$(wrk -t2 -c16 -d"${DURATION}s" "$url/bench/g4k" | rps)" \
    "GET1M=$(wrk -t2 -c16 -d"${DURATION}s" "$url/bench/g1m" | rps)" \
    "PUT4K=$(BENCH_SIZE=4096 BENCH_PATH=/bench/p4 wrk -t2 -c16 -d"${DURATION}s" \
      -s "$HERE/serve_put.lua" "$url" | rps)" \
    "PUT1M=$(BENCH_SIZE=1048576 BENCH_PATH=/bench/p1 wrk -t2 -c16 -d"${DURATION}s" \
      -s "$HERE/serve_put.lua" "$url" | rps)"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}

for _ in $(seq "$ROUNDS"); do
  echo "A $(run "$A")"
  echo "B $(run "$B")"
done | tee "$WORK/results"
echo "means (req/s):"
awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); sum[$1" "kv[1]] += kv[2]; n[$1" "kv[1]]++ } }
     END { for (k in sum) printf "  %s %d\n", k, sum[k] / n[k] }' "$WORK/results" | sort
