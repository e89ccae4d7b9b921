#!/usr/bin/env bash
# 1,000 concurrent sessions through the gateway example (a release build), each relaying 10
# messages each way to an RFC 6455 backend, with the gateway's memory (VmRSS from
# /proc/PID/status) before, with all sessions open, after relaying and after they closed.
# Loopback only. The clients and the backend are the #[ignore]d test `load_sessions` in
# tests/gateway.rs; every session must get every echo in order and close cleanly, and the
# gateway must log each one's end.
#
# usage: bash tests/gateway/load.sh
#   GATEWAY_SESSIONS (default 1000) and GATEWAY_MESSAGES (default 10) change the load.
#   EXAMPLES_DIR: where the release examples are built (default: target/release/examples);
#   CARGO_TARGET_DIR is honoured.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT="$(pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
EXAMPLES_DIR="${EXAMPLES_DIR:-$TARGET_DIR/release/examples}"
export GATEWAY_SESSIONS="${GATEWAY_SESSIONS:-1000}"
export GATEWAY_MESSAGES="${GATEWAY_MESSAGES:-10}"

# Each session holds two sockets in the gateway (client, backend) and two in the test process
# (client, backend): raise this shell's open-files limit, which both inherit.
need=$((2 * GATEWAY_SESSIONS + 256))
soft="$(ulimit -Sn)"
if [ "$soft" != unlimited ] && [ "$soft" -lt "$need" ]; then
    hard="$(ulimit -Hn)"
    want="$need"
    if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then
        echo "gateway load: the hard open-files limit $hard is below the $need needed" >&2
        exit 1
    fi
    ulimit -Sn "$want"
fi
echo "gateway load: $GATEWAY_SESSIONS sessions x $GATEWAY_MESSAGES messages, open-files limit $(ulimit -Sn)"

cargo build --release --example gateway
log="$(mktemp "${TMPDIR:-/tmp}/gateway-load.XXXXXX")"
trap 'rm -f "$log"' EXIT
GATEWAY_BIN="$EXAMPLES_DIR/gateway" timeout 900 \
    cargo test --test gateway -- --ignored --exact --nocapture load_sessions 2>&1 | tee "$log"
grep -q "^test result: ok. 1 passed" "$log" \
    || { echo "gateway load: the load test did not pass" >&2; exit 1; }
