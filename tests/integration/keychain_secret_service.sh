#!/usr/bin/env bash
# `worm keychain --keychain secret-service` against a real gnome-keyring-daemon
# in a private D-Bus session (dbus-run-session), with HOME and the XDG folders
# in a temp folder so the user's own keyring is never touched. Also: no
# Secret Service on the bus is Unavailable (exit 1) with a clear message.
# Needs dbus and gnome-keyring (scripts/setup.sh --peers). WORM_BIN: the
# worm binary.
set -euo pipefail

: "${WORM_BIN:?WORM_BIN must name the worm binary}"

if [[ "${1:-}" == "--inner" ]]; then
  # Inside the private session bus.
  fail() { echo "FAIL: $*" >&2; exit 1; }
  echo -n "keyring-pw" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  # The daemon forks; wait (bounded) until it owns the Secret Service name.
  for _ in $(seq 50); do
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
      grep -q "boolean true" && break
    sleep 0.1
  done
  w() { "$WORM_BIN" --keychain secret-service keychain "$@"; }

  printf 'first-value\n' | w add signing/k1 --value-stdin >/dev/null || fail "add signing/k1"
  SECRET_FROM_ENV='s3 secret/with spaces' w add identity/alice/AKIA1 --from-env SECRET_FROM_ENV \
    >/dev/null || fail "add --from-env"
  printf 'second\n' | w add signing/k2 --value-stdin >/dev/null || fail "add signing/k2"

  out=$(w list) || fail "list"
  [[ "$out" == $'identity/alice/AKIA1\nsigning/k1\nsigning/k2' ]] || fail "list gave: $out"
  [[ "$out" != *first-value* ]] || fail "list printed a secret"
  out=$(w list signing/) || fail "list signing/"
  [[ "$out" == $'signing/k1\nsigning/k2' ]] || fail "list signing/ gave: $out"

  out=$(w get signing/k1 --reveal) || fail "get --reveal"
  [[ "$out" == "first-value" ]] || fail "get gave: $out"
  out=$(w get identity/alice/AKIA1 --reveal) || fail "get identity"
  [[ "$out" == "s3 secret/with spaces" ]] || fail "get identity gave: $out"
  set +e
  w get signing/k1 >/dev/null 2>&1
  [[ $? == 5 ]] || fail "get without --reveal must be refused (exit 5)"
  set -e

  # Replace, then remove.
  printf 'replaced' | w add signing/k1 --value-stdin >/dev/null || fail "replace"
  [[ "$(w get signing/k1 --reveal)" == "replaced" ]] || fail "replace did not take"
  w remove signing/k1 >/dev/null || fail "remove"
  set +e
  w remove signing/k1 >/dev/null 2>&1
  rc=$?
  w get signing/k1 --reveal >/dev/null 2>&1
  rc2=$?
  set -e
  [[ $rc == 3 ]] || fail "second remove: exit $rc, want 3 (not found)"
  [[ $rc2 == 3 ]] || fail "get after remove: exit $rc2, want 3 (not found)"
  [[ "$(w list)" == $'identity/alice/AKIA1\nsigning/k2' ]] || fail "list after remove"

  # A second process (a fresh connection) sees the same items; --json.
  json=$("$WORM_BIN" --json --keychain secret-service keychain list)
  [[ "$json" == *'"secret-service"'* && "$json" == *'"signing/k2"'* ]] || fail "json: $json"
  echo "secret-service: ok"
  exit 0
fi

for tool in dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/setup.sh --peers" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{home,run,data,config,cache}
chmod 700 "$tmp/run"
export HOME=$tmp/home XDG_RUNTIME_DIR=$tmp/run XDG_DATA_HOME=$tmp/data \
       XDG_CONFIG_HOME=$tmp/config XDG_CACHE_HOME=$tmp/cache
unset WORM_KEYCHAIN DBUS_SESSION_BUS_ADDRESS

# No session bus at all.
set +e
err=$("$WORM_BIN" --keychain secret-service keychain list 2>&1 >/dev/null)
rc=$?
set -e
[[ $rc == 1 && "$err" == *"Secret Service"* ]] || { echo "FAIL: no bus: exit $rc: $err" >&2; exit 1; }

# A session bus that cannot start a Secret Service (no service folders).
cat >"$tmp/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$tmp/run</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
set +e
err=$(timeout 60 dbus-run-session --config-file="$tmp/bus.conf" -- \
      "$WORM_BIN" --keychain secret-service keychain list 2>&1 >/dev/null)
rc=$?
set -e
[[ $rc == 1 && "$err" == *"no Secret Service is running"* ]] ||
  { echo "FAIL: empty bus: exit $rc: $err" >&2; exit 1; }
echo "no secret service: ok"

# The real daemon; dbus-run-session ends it with the bus.
timeout 120 dbus-run-session -- bash "$0" --inner 2> >(grep -v "Failed to set fd limit" >&2)
