#!/usr/bin/env bash
# The gateway example as it is deployed (a release build): its command line (--help, a bad
# argument, no backend, a wss:// backend, a port taken), its log lines, a down backend, and
# Perl's hixie-76 client (Protocol::WebSocket) through it to an RFC 6455 backend that answers
# "echo:" + message. The cases are the #[ignore]d `binary_*` tests in tests/gateway.rs; the
# backend runs in the test process, the gateway is the built binary.
#
# usage: bash tests/gateway/run.sh
#   Needs perl with Protocol::WebSocket (bash tests/interop/install-peers.sh installs it).
#   EXAMPLES_DIR: where the release examples are built (default: target/release/examples);
#   CARGO_TARGET_DIR is honoured.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT="$(pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
EXAMPLES_DIR="${EXAMPLES_DIR:-$TARGET_DIR/release/examples}"
CASES=(binary_command_line binary_relays_and_logs binary_serves_perls_client)

if ! perl -MProtocol::WebSocket -e 1 2>/dev/null; then
    echo "gateway: Perl's Protocol::WebSocket is missing: bash tests/interop/install-peers.sh" >&2
    exit 1
fi
cargo build --release --example gateway
log="$(mktemp "${TMPDIR:-/tmp}/gateway-run.XXXXXX")"
trap 'rm -f "$log"' EXIT
GATEWAY_BIN="$EXAMPLES_DIR/gateway" timeout 600 \
    cargo test --test gateway -- --ignored --exact --test-threads=1 "${CASES[@]}" 2>&1 | tee "$log"
# A name that matches no test would pass silently: every case must have run.
grep -q "^test result: ok. ${#CASES[@]} passed" "$log" \
    || { echo "gateway: expected ${#CASES[@]} cases to pass" >&2; exit 1; }
