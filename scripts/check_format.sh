#!/usr/bin/env bash
# Fails when a C++ source differs from .clang-format's style.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h')
if ((${#files[@]} == 0)); then exit 0; fi
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/worm-format.log; then
  grep -E '^[^ ]+:[0-9]+:[0-9]+: error' /tmp/worm-format.log | cut -d: -f1 | sort -u | sed 's/^/needs clang-format: /'
  echo "format check failed: run clang-format -i on the files above" >&2
  exit 1
fi
echo "format ok (${#files[@]} files)"
