#!/usr/bin/env bash
# ctest embed_example: include/worm/ and the installed package are enough to
# embed S3WORM. Installs the `dev` component of the build into a fresh
# prefix, configures examples/embed/ against it with find_package(worm) (no
# path into the source or build tree), builds it with the build's compiler
# (and ccache), checks no include path points at include/ or src/ of the
# source tree, then runs embed_local on a fresh project folder and embed_s3
# against `worm serve`.
# Env (set by ctest): WORM_BIN, WORM_SOURCE_DIR, WORM_BINARY_DIR, WORM_CXX,
# WORM_CCACHE (may be empty).
set -euo pipefail
: "${WORM_BIN:?}" "${WORM_SOURCE_DIR:?}" "${WORM_BINARY_DIR:?}" "${WORM_CXX:?}"

# A fixed folder in the build tree (wiped first), so ccache sees the same
# paths on every run and the example compiles from cache after the first.
WORK="$WORM_BINARY_DIR/embed_example"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$WORK"
mkdir -p "$WORK"

echo "--- install into a fresh prefix"
cmake --install "$WORM_BINARY_DIR" --prefix "$WORK/prefix" --component dev >"$WORK/install.log" \
  || { cat "$WORK/install.log"; fail "cmake --install"; }
for f in include/worm/repository.h include/worm/schema.h include/worm/s3.h lib/libworm.a \
         lib/cmake/worm/wormConfig.cmake lib/cmake/worm/wormConfigVersion.cmake; do
  [[ -f "$WORK/prefix/$f" ]] || fail "not installed: $f"
done
# The public headers include nothing outside worm/ but the standard library
# and nlohmann/json.
if grep -h '^#include' "$WORK/prefix/include/worm/"*.h | grep -v -e '<[a-z_]*>' -e '"worm/' \
     -e '<nlohmann/json.hpp>' -e '<nlohmann/json_fwd.hpp>'; then
  fail "a public header includes the above"
fi

echo "--- configure and build examples/embed against the package"
launcher=()
[[ -n "${WORM_CCACHE:-}" ]] && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER="$WORM_CCACHE")
cmake -S "$WORM_SOURCE_DIR/examples/embed" -B "$WORK/build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$WORM_CXX" "${launcher[@]}" \
  -DCMAKE_PREFIX_PATH="$WORK/prefix" -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >"$WORK/configure.log" 2>&1 \
  || { cat "$WORK/configure.log"; fail "configure"; }
cmake --build "$WORK/build" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; fail "build"; }
if grep -E -o -e "(-I|-isystem) *$WORM_SOURCE_DIR/(include|src)[^ \"]*" \
     "$WORK/build/compile_commands.json"; then
  fail "the example was compiled with include paths into the source tree"
fi

echo "--- embed_local"
"$WORK/build/embed_local" "$WORK/project" || fail "embed_local"
[[ -d "$WORK/project/.worm/data" ]] || fail "embed_local wrote no .worm/data"

echo "--- embed_s3 against worm serve"
export AWS_ACCESS_KEY_ID=AKIDEMBED AWS_SECRET_ACCESS_KEY=embed-secret
export AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null
mkdir -p "$WORK/root"
"$WORM_BIN" serve --root "$WORK/root" --port 0 --no-fsync \
  --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY" \
  >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
for _ in $(seq 100); do grep -q '^listening on ' "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
URL="$(sed -n 's/^listening on //p' "$WORK/serve.out" | head -1)"
[[ -n "$URL" ]] || { cat "$WORK/serve.err"; fail "worm serve did not start"; }
"$WORK/build/embed_s3" "$URL" embed || fail "embed_s3"
[[ -d "$WORK/root/embed/shop" ]] || fail "embed_s3 wrote nothing under the bucket's shop/ prefix"
echo "embed_example: ok"
