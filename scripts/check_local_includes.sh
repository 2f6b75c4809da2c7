#!/usr/bin/env bash
# Fails when code outside src/transport/local/ includes the local backend's
# internal headers. Other layers use worm/transport.h and the backend's API
# headers listed in PUBLIC; those include no internal header either. Also
# catches the headers' old paths (transport/local_fs.h, ...), which a merge
# may bring back. Run by ctest (local_backend_includes).
set -euo pipefail
cd "$(dirname "$0")/.."
LOCAL=src/transport/local
# The backend's API (local_keys_fuzz.h: the fuzz entry point for fuzz/).
PUBLIC=(local_object.h unique_fd.h folder_watch.h local_keys_fuzz.h)

internal=()
for h in "$LOCAL"/*.h; do
  name="$(basename "$h")"
  [[ " ${PUBLIC[*]} " == *" $name "* ]] || internal+=("$name")
done
((${#internal[@]} > 0)) || { echo "no internal headers found under $LOCAL" >&2; exit 2; }
names="$(printf '%s|' "${internal[@]}" | sed 's/|$//; s/\./\\./g')"
# "transport/local/X.h", "local/X.h" or the old "transport/X.h".
pattern="^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"<]([^\">]*/)?(local|transport)/($names)[\">]"

mapfile -t sources < <(find src include tests bench fuzz -type f \
  \( -name '*.h' -o -name '*.hh' -o -name '*.hpp' -o -name '*.cc' -o -name '*.cpp' \) \
  -not -path "$LOCAL/*" -not -path '*/node_modules/*' 2>/dev/null | sort)
public_paths=()
for h in "${PUBLIC[@]}"; do
  [[ -f "$LOCAL/$h" ]] && public_paths+=("$LOCAL/$h")
done

status=0
if ((${#sources[@]} > 0)) && grep -nE "$pattern" "${sources[@]}"; then
  echo "error: the files above include internal headers of the local backend ($LOCAL);" >&2
  echo "use worm/transport.h or ${PUBLIC[*]}" >&2
  status=1
fi
# The API headers must not pull internal ones in (bare "X.h" included from
# within the folder counts too).
bare="^[[:space:]]*#[[:space:]]*include[[:space:]]*\"($names)\""
if ((${#public_paths[@]} > 0)) && grep -nE "$pattern|$bare" "${public_paths[@]}"; then
  echo "error: the backend's API headers above include its internal headers" >&2
  status=1
fi
((status == 0)) && echo "local backend includes ok (${#sources[@]} files outside $LOCAL)"
exit "$status"
