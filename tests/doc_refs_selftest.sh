#!/usr/bin/env bash
# scripts/check_doc_refs.sh must refuse a comment naming a missing docs/ or
# *.md file and accept one naming a file that exists.
set -euo pipefail
check="$(cd "$(dirname "$0")/.." && pwd)/scripts/check_doc_refs.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/a" "$tmp/docs"
echo "# Here" > "$tmp/docs/here.md"
printf '// see docs/here.md.\nint x;  // "http://h/docs/not-a-cite"\n' > "$tmp/src/a/ok.h"
bash "$check" "$tmp" >/dev/null
printf '// see docs/gone.md\n' > "$tmp/src/a/bad.h"
if bash "$check" "$tmp" >/dev/null 2>&1; then echo "missing docs/ path not caught"; exit 1; fi
printf '// see DESIGN.md\n' > "$tmp/src/a/bad.h"
if bash "$check" "$tmp" >/dev/null 2>&1; then echo "missing .md not caught"; exit 1; fi
rm "$tmp/src/a/bad.h"
echo "[x](gone.md)" >> "$tmp/docs/here.md"
if bash "$check" "$tmp" >/dev/null 2>&1; then echo "broken .md link not caught"; exit 1; fi
echo "doc_refs self-test ok"
