# Sourced by the awscli compat scripts: an isolated awscli configuration
# (path-style, us-east-1, 5 MB multipart threshold, no credential files)
# and `start_server [worm serve flags...]`, which runs `worm serve --root` on
# a free loopback port with the test key pair, sets URL, and defines s3, api,
# fail and step. The server is stopped and WORK removed on exit.
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORM="${WORM_BIN:-$HERE/../../build/server/src/cli/worm}"
AWS=/usr/bin/aws
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export AWS_ACCESS_KEY_ID=AKIDAWSCLI AWS_SECRET_ACCESS_KEY=awscli-secret
export AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
export AWS_CONFIG_FILE="$WORK/aws-config" AWS_SHARED_CREDENTIALS_FILE="$WORK/aws-credentials"
cat >"$AWS_CONFIG_FILE" <<CFG
[default]
region = us-east-1
s3 =
  multipart_threshold = 5MB
  multipart_chunksize = 5MB
  addressing_style = path
CFG
: >"$AWS_SHARED_CREDENTIALS_FILE"

start_server() {
  mkdir -p "$WORK/root"
  "$WORM" serve --root "$WORK/root" --port 0 "$@" \
    --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY" \
    >"$WORK/serve.out" 2>"$WORK/serve.err" &
  SERVER_PID=$!
  for _ in $(seq 100); do grep -q '^listening on ' "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
  URL="$(sed -n 's/^listening on //p' "$WORK/serve.out" | head -1)"
  [[ -n "$URL" ]] || { cat "$WORK/serve.err"; echo "FAIL: server did not start"; exit 1; }
}
s3() { "$AWS" --endpoint-url "$URL" s3 "$@"; }
api() { "$AWS" --endpoint-url "$URL" s3api "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
step() { echo "--- $*"; }
