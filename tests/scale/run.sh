#!/usr/bin/env bash
# Scale: idle connections are cheap, and the tokio one-port server under load next to an
# independent hixie-76 server (websocket-driver on Node, the interop peer).
#
# usage: tests/scale/run.sh     (build the examples first: cargo build --release --examples;
#                                the Node peer comes from tests/interop/install-peers.sh)
#
# Environment:
#   EXAMPLES_DIR    where the built examples are (default target/release/examples)
#   IDLE_CONNECTIONS  how many idle connections to hold (default 10000)
#   IDLE_BOUND      the most resident memory an idle connection may cost, in bytes (8192)
#   LOAD_CONNECTIONS, LOAD_CONCURRENCY, LOAD_MESSAGES  the load run (2000, 100, 10)
#
# 1. The tokio echo server holds IDLE_CONNECTIONS hixie-76 connections, each after its
#    handshake: the loadgen example opens them all (--hold), reads the server's resident memory
#    before the first and with all of them open and idle, then has every one of them echo.
#    Fails when a connection failed or the growth per connection exceeds IDLE_BOUND.
# 2. The same loadgen run (N connections, C at a time, M round trips each) against the tokio
#    echo server and against websocket-driver's, printed side by side for the README.
# Loopback only; every run is bounded in time; servers are stopped on exit. Raises its own
# open-files limit: each held connection costs the server and the load generator one each.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
EXAMPLES_DIR="${EXAMPLES_DIR:-$root/target/release/examples}"
IDLE_CONNECTIONS="${IDLE_CONNECTIONS:-10000}"
IDLE_BOUND="${IDLE_BOUND:-8192}"
LOAD_CONNECTIONS="${LOAD_CONNECTIONS:-2000}"
LOAD_CONCURRENCY="${LOAD_CONCURRENCY:-100}"
LOAD_MESSAGES="${LOAD_MESSAGES:-10}"
LOADGEN="$EXAMPLES_DIR/loadgen"

say() { printf 'scale: %s\n' "$*"; }
die() { printf 'scale: ERROR: %s\n' "$*" >&2; exit 1; }

[ -x "$LOADGEN" ] || die "$LOADGEN not built: cargo build --release --examples"
[ -x "$EXAMPLES_DIR/tokio_echo_server" ] || die "tokio_echo_server not built"
needed=$((IDLE_CONNECTIONS + 1000))
ulimit -n "$needed" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge "$needed" ] \
    || die "open-files limit $(ulimit -n) is below the $needed this run needs (hard limit $(ulimit -Hn))"

work="$(mktemp -d "${TMPDIR:-/tmp}/hixie76-scale.XXXXXX")"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# start NAME CMD... : starts a server, sets PORT from its first line and PID to its process.
start() {
    local name="$1"; shift
    "$@" >"$work/$name.out" 2>"$work/$name.err" </dev/null &
    PID=$!
    pids+=("$PID")
    PORT=""
    local i line
    for i in $(seq 1 100); do
        line="$(head -n 1 "$work/$name.out" 2>/dev/null || true)"
        if [[ "$line" =~ ^listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]]; then
            PORT="${BASH_REMATCH[1]}"
            return 0
        fi
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.1
    done
    die "$name did not start: $(cat "$work/$name.err")"
}

# value KEY LINE : the value of KEY=... in a loadgen line.
value() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p; s/^$1=\\([^ ]*\\).*/\\1/p" <<<"$2" | head -n 1; }

say "1. $IDLE_CONNECTIONS idle hixie-76 connections on the tokio one-port server"
start tokio_echo_server "$EXAMPLES_DIR/tokio_echo_server" --listen 127.0.0.1:0
line="$(timeout 300 "$LOADGEN" "ws://127.0.0.1:$PORT/echo" --connections "$IDLE_CONNECTIONS" \
    --concurrency 200 --messages 1 --hold --pid "$PID")"
echo "$line"
errors="$(value errors "$line")"
per="$(value rss_per_connection_bytes "$line")"
[ -n "$per" ] || die "no memory figure in: $line"
[ "$errors" = 0 ] || die "$errors of $IDLE_CONNECTIONS connections failed (each must still echo)"
[ "$per" -le "$IDLE_BOUND" ] \
    || die "an idle connection costs $per bytes of resident memory, more than $IDLE_BOUND"
say "ok: $IDLE_CONNECTIONS idle connections, $per bytes each (bound $IDLE_BOUND), every one echoed"
kill "$PID"

say "2. load: $LOAD_CONNECTIONS connections, $LOAD_CONCURRENCY at a time, $LOAD_MESSAGES round trips each"
args=(--connections "$LOAD_CONNECTIONS" --concurrency "$LOAD_CONCURRENCY" --messages "$LOAD_MESSAGES")
start tokio_echo_server "$EXAMPLES_DIR/tokio_echo_server" --listen 127.0.0.1:0
ours="$(timeout 300 "$LOADGEN" "ws://127.0.0.1:$PORT/echo" "${args[@]}" --pid "$PID")"
kill "$PID"
printf '%-36s %s\n' "tokio_echo_server (hixie-76):" "$ours"
start tokio_echo_server_6455 "$EXAMPLES_DIR/tokio_echo_server" --listen 127.0.0.1:0
ours6455="$(timeout 300 "$LOADGEN" "ws://127.0.0.1:$PORT/echo" "${args[@]}" --rfc6455 --pid "$PID")"
kill "$PID"
printf '%-36s %s\n' "tokio_echo_server (RFC 6455):" "$ours6455"
if [ -e "$root/tests/interop/node_modules/websocket-driver/package.json" ]; then
    start node_server node "$root/tests/interop/node_server.js" 0
    theirs="$(timeout 300 "$LOADGEN" "ws://127.0.0.1:$PORT/echo" "${args[@]}" --pid "$PID")"
    kill "$PID"
    printf '%-36s %s\n' "websocket-driver 0.8.0 (hixie-76):" "$theirs"
else
    say "websocket-driver is not installed (tests/interop/install-peers.sh): its run is skipped"
fi
for run in "$ours" "$ours6455"; do
    [ "$(value errors "$run")" = 0 ] || die "the load run had errors: $run"
done
say "done"
