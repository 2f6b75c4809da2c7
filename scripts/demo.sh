#!/usr/bin/env bash
# The main job on an embedded default: builds worm, creates a demo project from
# the Path DSL seed's example schema in build/demo, lints it, prints the
# resolved key layout, then keeps live data in it: creates customers and an
# invoice, lists and queries them, updates one, soft-deletes and restores it,
# prints its hash-chained oplog, and shows the access rules: a viewer reads
# without the hidden email and is denied an update an admin makes. Safe to
# rerun: the project is recreated.
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

# Live data on the local fs transport (.worm/data is the bucket).
id_of() { sed -n 's/^  "id": "\(.*\)",$/\1/p'; }
step "$WORM" create Customer --data '{"name": "Ada Lovelace", "email": "ada@example.com"}' | tee /tmp/worm-demo.$$
ADA=$(id_of </tmp/worm-demo.$$)
rm -f /tmp/worm-demo.$$
step "$WORM" create Customer --data '{"name": "Grace Hopper", "email": "grace@example.com", "status": "inactive"}'
step "$WORM" create Invoice --data "{\"customerId\": \"$ADA\", \"amount\": 120.5}"
step "$WORM" create Invoice --data "{\"customerId\": \"$ADA\", \"amount\": 80, \"status\": \"paid\"}"
step "$WORM" ls Customer
step "$WORM" query Customer --filter status=active --select name,email
step "$WORM" query Invoice --group-by status --sum amount
step "$WORM" patch Customer "$ADA" --data '{"email": "ada@analytical.engine"}'
step "$WORM" delete Customer "$ADA" --reason "demo: soft delete"
step "$WORM" ls Customer --with-deleted
step "$WORM" restore Customer "$ADA"
step "$WORM" log Customer "$ADA"

# Access control (docs/access-control.md): init's schema has roles admin and
# viewer, and identities ada (admin) and vic (viewer, Customer.email hidden).
step "$WORM" identity list
step "$WORM" --as vic get Customer "$ADA"
step "$WORM" --as vic patch Customer "$ADA" --data '{"name": "Vic was here"}' ||
  echo "(denied, exit $?: a viewer may not update customers)"
step "$WORM" access explain --as vic update Customer "$ADA" || true
step "$WORM" --as ada patch Customer "$ADA" --data '{"name": "Ada King"}'
printf '\n\033[1m$ find .worm/data -type f | sort\033[0m\n'
find .worm/data -type f -not -path '*/.wormfs/*' | sort
printf '\nDemo project: %s (try: cd %s && %s dev --port 9000 --anonymous)\n' "$DEMO" "$DEMO" "$WORM"

# ---- codegen ----
step "$WORM" codegen --lang ts --out generated/ts
head -20 generated/ts/models.ts
step "$WORM" codegen --lang ts --out generated/ts --check
