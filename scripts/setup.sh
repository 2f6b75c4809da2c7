#!/usr/bin/env bash
# Installs what S3WORM needs on Debian 12, only what is missing. Idempotent and
# quiet when everything is already there.
#   scripts/setup.sh            build + test dependencies
#   scripts/setup.sh --peers    also the real S3 peers tests drive (awscli, boto3,
#                               rclone, nginx, wrk, node + npm packages)
#   scripts/setup.sh --rgw      also Ceph (mon, osd, mgr, radosgw) for the `rgw`
#                               test tier (scripts/rgw.sh); flags combine
set -euo pipefail

BUILD_PKGS=(
  g++ cmake ninja-build ccache pkg-config clang-14 libclang-rt-14-dev clang-format
  nlohmann-json3-dev libsimdjson-dev libboost-dev libcurl4-openssl-dev libssl-dev
  libsodium-dev librust-blake3-dev libpugixml-dev libre2-dev libcli11-dev
  libspdlog-dev libfmt-dev libsqlite3-dev libgtest-dev libgmock-dev libbenchmark-dev
  libjemalloc-dev libmacaroons-dev libsecret-1-dev
)
# python3-pymacaroons: an independent macaroon implementation for token interop;
# gnome-keyring + dbus: a real Secret Service for the keychain tests.
PEER_PKGS=(awscli python3-boto3 rclone nginx-light wrk nodejs npm inotify-tools curl
  python3-pymacaroons gnome-keyring dbus-daemon dbus-bin)
# Debian 12's Ceph 16.2 ("pacific"): about 80 MB of packages.
RGW_PKGS=(ceph-mon ceph-osd ceph-mgr radosgw ceph-common python3 curl)

want=("${BUILD_PKGS[@]}")
for arg in "$@"; do
  case "$arg" in
    --peers) want+=("${PEER_PKGS[@]}") ;;
    --rgw) want+=("${RGW_PKGS[@]}") ;;
    *) echo "setup: unknown option $arg (use --peers, --rgw)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  # npm/node may come from outside Debian (nvm, NodeSource): a working binary counts.
  if [[ "$p" == nodejs || "$p" == npm ]] && command -v "${p/nodejs/node}" >/dev/null; then continue; fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
