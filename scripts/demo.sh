#!/usr/bin/env bash
# The main job on an embedded default: builds worm, creates a demo project from
# the Path DSL seed's example schema in build/demo, lints it and prints the
# resolved key layout. Safe to rerun: the demo project is recreated each time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh worm >/dev/null
WORM="$PWD/build/release/src/cli/worm"
DEMO="$PWD/build/demo"
rm -rf "$DEMO"
mkdir -p "$DEMO"
cd "$DEMO"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step "$WORM" version
step "$WORM" init
step "$WORM" lint
step "$WORM" paths
step "$WORM" resolve Customer a1b2c3d4-e5f6-7890-abcd-ef1234567890
step "$WORM" resolve OrgSettings
step "$WORM" resolve Invoice inv-001 || echo "(refused: 'inv-001' is not a uuid, as the schema says)"
printf '\nDemo project: %s\n' "$DEMO"
