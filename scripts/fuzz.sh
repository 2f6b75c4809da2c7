#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 (ASan) and runs each for N seconds
# (default 30) from its seed corpus. A crash fails the run and leaves the
# reproducer in build/fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-30}"
cmake --preset fuzz >/dev/null
# Quiet when it builds; the compiler's output when it does not.
if ! cmake --build build/fuzz -j"$(nproc)" --target fuzz_all >build/fuzz/build.log 2>&1; then
  grep -E -B2 -A12 'error|FAILED' build/fuzz/build.log | head -80 >&2
  echo "fuzz: build failed (build/fuzz/build.log)" >&2
  exit 1
fi
mkdir -p build/fuzz/crashes
status=0
shopt -s nullglob
bins=(build/fuzz/fuzz/*_fuzz)
if ((${#bins[@]} == 0)); then
  echo "fuzz: no targets were built" >&2
  exit 1
fi
for bin in "${bins[@]}"; do
  name=$(basename "$bin" _fuzz)
  corpus="fuzz/corpus/$name"
  work="build/fuzz/corpus/$name"
  mkdir -p "$work"
  [[ -d "$corpus" ]] && cp -n "$corpus"/* "$work"/ 2>/dev/null || true
  if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="build/fuzz/crashes/$name-" "$work" >"build/fuzz/$name.log" 2>&1; then
    # libFuzzer's closing "Done N runs" (a "#N" may also appear in its dictionary).
    echo "fuzz $name: ok ($(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "build/fuzz/$name.log" | tail -1) runs)"
  else
    echo "fuzz $name: FAILED, see build/fuzz/$name.log" >&2
    tail -30 "build/fuzz/$name.log" >&2
    status=1
  fi
done
exit $status
