#!/usr/bin/env bash
# Configures (once) and builds the release preset. Extra args are ninja targets.
#   scripts/build.sh            everything
#   scripts/build.sh worm       just the CLI
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [[ ! -f build/release/build.ninja ]]; then
  cmake --preset release >/dev/null
fi
jobs=$(nproc)
if (($# > 0)); then
  cmake --build build/release -j"$jobs" --target "$@"
else
  cmake --build build/release -j"$jobs"
fi
