#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs what is missing
# (Debian packages and the pinned npm peers), builds, runs ctest, a short
# libFuzzer run of every fuzz target, and the format check. ctest includes
# the `rgw` tier (a throwaway Ceph RGW, scripts/rgw.sh; needs root).
#   scripts/test.sh                 everything
#   FUZZ_SECONDS=5 scripts/test.sh  shorter fuzzing
#   scripts/test.sh --asan          also the ASan+UBSan build and its tests
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --peers --rgw
if [[ -f tests/compat/package-lock.json ]]; then
  if [[ ! -d tests/compat/node_modules ]] || [[ tests/compat/package-lock.json -nt tests/compat/node_modules ]]; then
    (cd tests/compat && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

echo "== build (release)"
scripts/build.sh
echo "== ctest"
ctest --preset release -j"$(nproc)" --timeout 600

echo "== fuzz (${FUZZ_SECONDS:-30}s per target)"
scripts/fuzz.sh "${FUZZ_SECONDS:-30}"

echo "== format check"
scripts/check_format.sh

if [[ "${1:-}" == "--asan" ]]; then
  echo "== ASan + UBSan"
  cmake --preset asan >/dev/null
  cmake --build build/asan -j"$(nproc)"
  ctest --preset asan -j"$(nproc)" --timeout 900
fi
