#!/usr/bin/env bash
# Interop tests: this crate's example binaries against independent hixie-76
# implementations (Perl Protocol::WebSocket 0.26, websocket-driver 0.8.0), the
# axum example under hyper, and the opt-in hixie-75 handshake against the same
# peers' hixie-75 support. Both one-port example servers (echo_server,
# tokio_echo_server) also meet an independent RFC 6455 client (ws 8.23.0),
# plain HTTP requests for their page, and their command lines are checked, as
# is the client example's.
#
# usage: tests/interop/run.sh          (from anywhere; run install-peers.sh first)
#
# Environment:
#   EXAMPLES_DIR  where the built examples are (default: target/release/examples
#                 of this repository; build them with
#                 `cargo build --release --examples`)
#   CASE_TIMEOUT  seconds allowed for one client run (default 20)
#
# Every server is started in the background on port 0; its first stdout line
# "listening on 127.0.0.1:PORT" gives the port. Servers run in their own
# process groups and are all stopped on exit. The peers are also run against
# each other, which proves the peer programs themselves right.
# Prints one PASS/FAIL/SKIP line per case and "N passed, N failed, N skipped"
# at the end; exits 1 if any case failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
EXAMPLES_DIR="${EXAMPLES_DIR:-$root/target/release/examples}"
CASE_TIMEOUT="${CASE_TIMEOUT:-20}"
ECHO_SERVER="$EXAMPLES_DIR/echo_server"
CLIENT="$EXAMPLES_DIR/client"
ORIGIN="http://example.com"

work="$(mktemp -d "${TMPDIR:-/tmp}/hixie76-interop.XXXXXX")"
server_pids=()
cleanup() {
    local pid
    for pid in "${server_pids[@]}"; do
        # Each server leads its own process group (setsid): stop it and any
        # per-connection children it forked.
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0 failed=0 skipped=0
failures=()

pass() { passed=$((passed + 1)); printf 'PASS  %s\n' "$1"; }
skip() { skipped=$((skipped + 1)); printf 'SKIP  %s: %s\n' "$1" "$2"; }
fail() {
    failed=$((failed + 1)); failures+=("$1")
    printf 'FAIL  %s: %s\n' "$1" "$2"
}
indent() { sed 's/^/        | /' "$@"; }

# start_server NAME CMD... : starts CMD in the background and sets PORT from
# its first stdout line. Returns 1 (with the server's stderr shown) if no
# such line appears within 10 s.
SERVER_LOG=""
start_server() {
    local name="$1"; shift
    local out="$work/$name.out" err="$work/$name.err" pid line i
    setsid "$@" >"$out" 2>"$err" </dev/null &
    pid=$!
    server_pids+=("$pid")
    SERVER_LOG="$err"
    PORT=""
    for i in $(seq 1 100); do
        line="$(head -n 1 "$out" 2>/dev/null || true)"
        if [[ "$line" =~ ^listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]]; then
            PORT="${BASH_REMATCH[1]}"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then break; fi
        sleep 0.1
    done
    printf '        server %s did not report its port; first line: %q\n' "$name" "$line"
    indent "$err"
    return 1
}

# expect_output CASE EXPECTED_STDOUT CMD... : runs CMD under the timeout and
# passes when it exits 0 with exactly EXPECTED_STDOUT.
expect_output() {
    local name="$1" expected="$2"; shift 2
    local out="$work/case.out" err="$work/case.err" rc=0
    timeout "$CASE_TIMEOUT" "$@" >"$out" 2>"$err" </dev/null || rc=$?
    if [ "$rc" -eq 0 ] && [ "$(cat "$out")" == "$expected" ]; then
        pass "$name"
        return 0
    fi
    if [ "$rc" -eq 124 ]; then
        fail "$name" "timed out after ${CASE_TIMEOUT}s"
    elif [ "$rc" -ne 0 ]; then
        fail "$name" "exit status $rc"
    else
        fail "$name" "unexpected output"
    fi
    printf '        command: %s\n' "$*"
    printf '        expected stdout:\n'; printf '%s\n' "$expected" | indent
    printf '        actual stdout (control bytes shown by cat -v):\n'; cat -v "$out" | indent
    printf '        stderr:\n'; indent "$err"
    if [ -n "$SERVER_LOG" ] && [ -s "$SERVER_LOG" ]; then
        printf '        server stderr so far:\n'; indent "$SERVER_LOG"
    fi
    return 0
}

# expect_refusal CASE CMD... : passes when CMD exits 1 with nothing on stdout
# after "connected" could have been printed, and one line on stderr.
expect_refusal() {
    local name="$1"; shift
    local out="$work/case.out" err="$work/case.err" rc=0
    timeout "$CASE_TIMEOUT" "$@" >"$out" 2>"$err" </dev/null || rc=$?
    if [ "$rc" -eq 1 ] && ! grep -q '^connected' "$out" && [ "$(wc -l <"$err")" -eq 1 ]; then
        pass "$name ($(cat "$err"))"
        return 0
    fi
    fail "$name" "expected exit 1, no 'connected' and one stderr line; got exit $rc"
    printf '        command: %s\n' "$*"
    printf '        stdout:\n'; cat -v "$out" | indent
    printf '        stderr:\n'; indent "$err"
}

# expect_exit CASE STATUS STDOUT_RE STDERR_RE CMD... : passes when CMD exits
# with STATUS and each of its outputs matches its extended regular expression
# (an empty pattern: the output must be empty).
expect_exit() {
    local name="$1" status="$2" out_re="$3" err_re="$4"; shift 4
    local out="$work/case.out" err="$work/case.err" rc=0 why=""
    timeout "$CASE_TIMEOUT" "$@" >"$out" 2>"$err" </dev/null || rc=$?
    if [ "$rc" -ne "$status" ]; then
        why="exit status $rc, expected $status"
        [ "$rc" -eq 124 ] && why="timed out after ${CASE_TIMEOUT}s"
    elif [ -z "$out_re" ] && [ -s "$out" ]; then
        why="stdout not empty"
    elif [ -n "$out_re" ] && ! grep -Eq -- "$out_re" "$out"; then
        why="stdout does not match /$out_re/"
    elif [ -z "$err_re" ] && [ -s "$err" ]; then
        why="stderr not empty"
    elif [ -n "$err_re" ] && ! grep -Eq -- "$err_re" "$err"; then
        why="stderr does not match /$err_re/"
    fi
    if [ -z "$why" ]; then
        pass "$name"
        return 0
    fi
    fail "$name" "$why"
    printf '        command: %s\n' "$*"
    printf '        stdout:\n'; cat -v "$out" | indent
    printf '        stderr:\n'; indent "$err"
}

# expect_http CASE STATUS BODY_RE URL : passes when a GET of URL answers
# STATUS with a body matching BODY_RE.
expect_http() {
    local name="$1" status="$2" body_re="$3" url="$4"
    local out="$work/case.out" err="$work/case.err" rc=0
    timeout "$CASE_TIMEOUT" node "$here/http_get.js" "$url" >"$out" 2>"$err" </dev/null || rc=$?
    if [ "$rc" -eq 0 ] && [ "$(head -n 1 "$out")" = "$status" ] \
        && tail -n +2 "$out" | grep -Eq -- "$body_re"; then
        pass "$name"
        return 0
    fi
    fail "$name" "expected status $status and a body matching /$body_re/ (exit $rc)"
    printf '        response (status line first):\n'; head -c 2000 "$out" | cat -v | indent
    printf '        stderr:\n'; indent "$err"
    if [ -n "$SERVER_LOG" ] && [ -s "$SERVER_LOG" ]; then
        printf '        server stderr so far:\n'; indent "$SERVER_LOG"
    fi
}

# A port nothing listens on: one the system just handed out and took back.
free_port() {
    node -e 'const s = require("net").createServer();
s.listen(0, "127.0.0.1", () => { process.stdout.write(String(s.address().port)); s.close(); });'
}

# An example binary is required once its source exists; before that its
# cases are skipped (loudly), so the harness can land ahead of the examples.
have_example() {
    local name="$1"
    if [ -x "$EXAMPLES_DIR/$name" ]; then
        return 0
    fi
    if [ -e "$root/examples/$name.rs" ] || [ -e "$root/examples/$name/main.rs" ] \
        || grep -Eq "^name *= *\"$name\"" "$root/Cargo.toml"; then
        MISSING_REASON="examples/$name exists but $EXAMPLES_DIR/$name was not built"
        return 2
    fi
    MISSING_REASON="example '$name' does not exist yet"
    return 1
}

# run_with_example NAME CASE FUNCTION : runs FUNCTION when example NAME is
# available, fails the case if it should be but is not, skips it otherwise.
run_with_example() {
    local example="$1" name="$2" fn="$3" rc=0
    have_example "$example" || rc=$?
    case "$rc" in
        0) "$fn" "$name" ;;
        1) skip "$name" "$MISSING_REASON" ;;
        *) fail "$name" "$MISSING_REASON" ;;
    esac
}

# ---------------------------------------------------------------------------
for tool in perl node setsid timeout; do
    command -v "$tool" >/dev/null || { echo "run.sh: '$tool' not found" >&2; exit 1; }
done
if ! perl -MProtocol::WebSocket -e 1 2>/dev/null \
    || [ ! -e "$here/node_modules/websocket-driver/package.json" ] \
    || [ ! -e "$here/node_modules/ws/package.json" ]; then
    echo "run.sh: peers missing: run tests/interop/install-peers.sh first" >&2
    exit 1
fi

echo "== peers: starting servers"
# One instance of each peer server serves all its cases.
PERL_PORT="" NODE_PORT=""
PERL_LOG="" NODE_LOG=""
if start_server perl_server perl "$here/perl_server.pl" 0; then
    PERL_PORT="$PORT"; PERL_LOG="$SERVER_LOG"
    echo "perl_server.pl on port $PERL_PORT"
fi
if start_server node_server node "$here/node_server.js" 0; then
    NODE_PORT="$PORT"; NODE_LOG="$SERVER_LOG"
    echo "node_server.js on port $NODE_PORT"
fi
WS_PORT="" WS_LOG=""
if start_server ws_server node "$here/ws_server.js" 0; then
    WS_PORT="$PORT"; WS_LOG="$SERVER_LOG"
    echo "ws_server.js on port $WS_PORT"
fi

with_perl_server() {
    local name="$1"; shift
    if [ -z "$PERL_PORT" ]; then fail "$name" "perl_server.pl did not start"; return 0; fi
    SERVER_LOG="$PERL_LOG" "$@"
}
with_node_server() {
    local name="$1"; shift
    if [ -z "$NODE_PORT" ]; then fail "$name" "node_server.js did not start"; return 0; fi
    SERVER_LOG="$NODE_LOG" "$@"
}

echo "== peers against each other (proves the peer programs)"
name="peer: perl_client.pl -> perl_server.pl"
with_perl_server "$name" expect_output "$name" $'connected\n< hello\nclosed' \
    perl "$here/perl_client.pl" 127.0.0.1 "$PERL_PORT" /echo?peer=1 "$ORIGIN" hello
name="peer: perl_client.pl --protocol chat -> perl_server.pl"
with_perl_server "$name" expect_output "$name" $'connected protocol=chat\n< hello\nclosed' \
    perl "$here/perl_client.pl" --protocol chat 127.0.0.1 "$PERL_PORT" /echo "$ORIGIN" hello
name="peer: perl_client.pl -> node_server.js"
with_node_server "$name" expect_output "$name" $'connected\n< h\xc3\xa9llo\nclosed' \
    perl "$here/perl_client.pl" 127.0.0.1 "$NODE_PORT" /echo?peer=2 "$ORIGIN" $'h\xc3\xa9llo'
name="peer: perl_client.pl --no-content-length -> node_server.js"
with_node_server "$name" expect_output "$name" $'connected\n< hello\nclosed' \
    perl "$here/perl_client.pl" --no-content-length 127.0.0.1 "$NODE_PORT" /echo "$ORIGIN" hello

name="peer: ws_client.js --protocol sample -> ws_server.js"
if [ -z "$WS_PORT" ]; then fail "$name" "ws_server.js did not start"; else
    SERVER_LOG="$WS_LOG" expect_output "$name" \
        $'connected protocol=sample\n< hello\n< binary 00ff10\n< h\xc3\xa9llo\nclosed' \
        node "$here/ws_client.js" --protocol other --protocol sample "ws://127.0.0.1:$WS_PORT/echo" \
        "$ORIGIN" hello --binary 00ff10 $'h\xc3\xa9llo'
fi

echo "== our echo_server against perl_client.pl"
case_server_plain() {
    local name="$1"
    start_server echo_server "$ECHO_SERVER" --listen 127.0.0.1:0 || { fail "$name" "echo_server did not start"; return 0; }
    local port="$PORT"
    # Protocol::WebSocket's client sends Content-Length: 8; a server must cope.
    expect_output "$name" $'connected\n< hello\nclosed' \
        perl "$here/perl_client.pl" 127.0.0.1 "$port" /echo?room=1 "$ORIGIN" hello
    expect_output "$name, no Content-Length" $'connected\n< h\xc3\xa9llo \xe2\x9c\x93\nclosed' \
        perl "$here/perl_client.pl" --no-content-length 127.0.0.1 "$port" /echo "$ORIGIN" $'h\xc3\xa9llo \xe2\x9c\x93'
}
case_server_protocol() {
    local name="$1"
    start_server echo_server_protocol "$ECHO_SERVER" --listen 127.0.0.1:0 --protocol chat \
        || { fail "$name" "echo_server did not start"; return 0; }
    expect_output "$name" $'connected protocol=chat\n< hello\nclosed' \
        perl "$here/perl_client.pl" --protocol chat 127.0.0.1 "$PORT" /echo "$ORIGIN" hello
}
run_with_example echo_server "echo_server <- perl_client.pl" case_server_plain
run_with_example echo_server "echo_server --protocol chat <- perl_client.pl --protocol chat" case_server_protocol

echo "== our client against node_server.js (websocket-driver)"
case_client_node() {
    local name="$1"
    with_node_server "$name" expect_output "$name" $'connected\n< hello\n< w\xc3\xb6rld' \
        "$CLIENT" "ws://127.0.0.1:$NODE_PORT/echo?room=1" --origin "$ORIGIN" --send hello --send $'w\xc3\xb6rld'
}
case_client_node_protocol() {
    local name="$1"
    # websocket-driver never answers with Sec-WebSocket-Protocol on hixie-76,
    # so a client that offered one must refuse the handshake.
    with_node_server "$name" expect_refusal "$name" \
        "$CLIENT" "ws://127.0.0.1:$NODE_PORT/echo" --origin "$ORIGIN" --protocol chat --send hello
}
run_with_example client "client -> node_server.js" case_client_node
run_with_example client "client --protocol chat -> node_server.js refused" case_client_node_protocol

echo "== our client against perl_server.pl (Protocol::WebSocket)"
case_client_perl() {
    local name="$1"
    with_perl_server "$name" expect_output "$name" $'connected\n< hello\n< w\xc3\xb6rld' \
        "$CLIENT" "ws://127.0.0.1:$PERL_PORT/echo?room=1" --origin "$ORIGIN" --send hello --send $'w\xc3\xb6rld'
}
case_client_perl_protocol() {
    local name="$1"
    with_perl_server "$name" expect_output "$name" $'connected protocol=chat\n< hello' \
        "$CLIENT" "ws://127.0.0.1:$PERL_PORT/echo" --origin "$ORIGIN" --protocol chat --send hello
}
run_with_example client "client -> perl_server.pl" case_client_perl
run_with_example client "client --protocol chat -> perl_server.pl" case_client_perl_protocol

echo "== our client against our servers (blocking and tokio)"
case_client_ours() {
    local name="$1"
    start_server echo_server_ours "$ECHO_SERVER" --listen 127.0.0.1:0 --protocol chat \
        || { fail "$name" "echo_server did not start"; return 0; }
    expect_output "$name" $'connected protocol=chat\n< one\n< tw\xc3\xb6' \
        "$CLIENT" "ws://127.0.0.1:$PORT/echo?x=1" --origin "$ORIGIN" --protocol other --protocol chat \
        --send one --send $'tw\xc3\xb6'
    expect_refusal "$name, no shared subprotocol refused" \
        "$CLIENT" "ws://127.0.0.1:$PORT/echo" --origin "$ORIGIN" --protocol other --send x
}
case_client_tokio() {
    local name="$1"
    start_server tokio_echo_server "$EXAMPLES_DIR/tokio_echo_server" --listen 127.0.0.1:0 \
        || { fail "$name" "tokio_echo_server did not start"; return 0; }
    expect_output "$name" $'connected\n< hello' \
        "$CLIENT" "ws://127.0.0.1:$PORT/" --origin "$ORIGIN" --send hello
}
run_with_example client "client -> echo_server" case_client_ours
run_with_example tokio_echo_server "client -> tokio_echo_server" case_client_tokio

echo "== both one-port servers: hixie-76 (Perl), RFC 6455 (ws), HTTP, command line"
# suite_one_port EXAMPLE CASE : one server with --protocol sample serves every
# client kind; then its command line.
suite_one_port() {
    local example="$1" name="$2" bin="$EXAMPLES_DIR/$1"
    start_server "${example}_one_port" "$bin" --listen 127.0.0.1:0 --protocol sample \
        || { fail "$name" "$example did not start"; return 0; }
    local port="$PORT"
    expect_output "perl_client.pl -> $example" $'connected\n< hello\nclosed' \
        perl "$here/perl_client.pl" 127.0.0.1 "$port" /echo "$ORIGIN" hello
    expect_output "perl_client.pl --no-content-length -> $example" \
        $'connected\n< h\xc3\xa9llo \xe2\x9c\x93\nclosed' \
        perl "$here/perl_client.pl" --no-content-length 127.0.0.1 "$port" /echo "$ORIGIN" \
        $'h\xc3\xa9llo \xe2\x9c\x93'
    expect_output "perl_client.pl --protocol sample -> $example" \
        $'connected protocol=sample\n< hello\nclosed' \
        perl "$here/perl_client.pl" --protocol sample 127.0.0.1 "$port" /echo "$ORIGIN" hello
    expect_output "ws_client.js --protocol sample -> $example (RFC 6455)" \
        $'connected protocol=sample\n< hello\n< binary 00ff10\n< h\xc3\xa9llo \xe2\x9c\x93\nclosed' \
        node "$here/ws_client.js" --protocol sample "ws://127.0.0.1:$port/echo" "$ORIGIN" \
        hello --binary 00ff10 $'h\xc3\xa9llo \xe2\x9c\x93'
    expect_output "ws_client.js --protocol other --protocol sample -> $example (RFC 6455)" \
        $'connected protocol=sample\n< one\nclosed' \
        node "$here/ws_client.js" --protocol other --protocol sample "ws://127.0.0.1:$port/" \
        "$ORIGIN" one
    expect_output "ws_client.js, no subprotocol -> $example (RFC 6455)" \
        $'connected\n< plain\nclosed' \
        node "$here/ws_client.js" "ws://127.0.0.1:$port/echo" "$ORIGIN" plain
    expect_refusal "ws_client.js --protocol other -> $example refused (RFC 6455)" \
        node "$here/ws_client.js" --protocol other "ws://127.0.0.1:$port/echo" "$ORIGIN" x
    expect_http "GET / -> $example: the page" 200 'new WebSocket' "http://127.0.0.1:$port/"
    expect_http "GET /?send=hello -> $example: the page" 200 'new WebSocket' \
        "http://127.0.0.1:$port/?send=hello"
    expect_http "GET /nope -> $example: 404" 404 'not found' "http://127.0.0.1:$port/nope"
    # The server still serves WebSockets after the HTTP requests.
    expect_output "perl_client.pl -> $example after HTTP" $'connected\n< again\nclosed' \
        perl "$here/perl_client.pl" 127.0.0.1 "$port" /echo "$ORIGIN" again

    expect_exit "$example --help: usage on stdout, exit 0" 0 "^usage: $example " "" \
        "$bin" --help
    expect_exit "$example --bogus: a message on stderr, exit 2" 2 "" 'unknown argument "--bogus"' \
        "$bin" --bogus
    expect_exit "$example --listen without a value: exit 2" 2 "" '--listen needs ADDR:PORT' \
        "$bin" --listen
    expect_exit "$example --listen on an address in use: exit 1" 1 "" \
        "^cannot listen on 127\.0\.0\.1:$port: " "$bin" --listen "127.0.0.1:$port"
}
case_one_port_blocking() { suite_one_port echo_server "$1"; }
case_one_port_tokio() { suite_one_port tokio_echo_server "$1"; }
run_with_example echo_server "echo_server: one port" case_one_port_blocking
run_with_example tokio_echo_server "tokio_echo_server: one port" case_one_port_tokio

echo "== the client example's command line"
case_client_cli() {
    local name="$1" port
    expect_exit "client --help: usage on stdout, exit 0" 0 '^usage: client ' "" "$CLIENT" --help
    expect_exit "client --bogus: a message on stderr, exit 2" 2 "" 'unknown argument "--bogus"' \
        "$CLIENT" "ws://127.0.0.1:1/" --origin "$ORIGIN" --bogus
    expect_exit "client without --origin: exit 2" 2 "" '--origin ORIGIN is required' \
        "$CLIENT" "ws://127.0.0.1:1/"
    port="$(free_port)"
    expect_exit "client -> a port nothing listens on: exit 1" 1 "" \
        "^cannot connect to 127\.0\.0\.1:$port: " \
        "$CLIENT" "ws://127.0.0.1:$port/" --origin "$ORIGIN" --send hello
}
run_with_example client "client: command line" case_client_cli

echo "== axum_server (hixie-76 and RFC 6455 on one axum route)"
AXUM_PORT="" AXUM_LOG=""
axum_server_port() {
    if [ -z "$AXUM_PORT" ]; then
        start_server axum_server "$EXAMPLES_DIR/axum_server" --listen 127.0.0.1:0 --protocol chat \
            || return 1
        AXUM_PORT="$PORT"; AXUM_LOG="$SERVER_LOG"
    fi
    SERVER_LOG="$AXUM_LOG"
}
case_axum_perl() {
    local name="$1"
    axum_server_port || { fail "$name" "axum_server did not start"; return 0; }
    # Protocol::WebSocket's client sends Content-Length: 8, so hyper reads key3 as the
    # request body; without it, key3 comes after the head on the upgraded connection.
    expect_output "$name" $'connected\n< hello\nclosed' \
        perl "$here/perl_client.pl" 127.0.0.1 "$AXUM_PORT" /echo?room=1 "$ORIGIN" hello
    expect_output "$name, no Content-Length" $'connected\n< h\xc3\xa9llo\nclosed' \
        perl "$here/perl_client.pl" --no-content-length 127.0.0.1 "$AXUM_PORT" /echo "$ORIGIN" $'h\xc3\xa9llo'
    expect_output "$name, --protocol chat" $'connected protocol=chat\n< hello\nclosed' \
        perl "$here/perl_client.pl" --protocol chat 127.0.0.1 "$AXUM_PORT" /echo "$ORIGIN" hello
}
case_axum_client() {
    local name="$1"
    axum_server_port || { fail "$name" "axum_server did not start"; return 0; }
    expect_output "$name" $'connected protocol=chat\n< one\n< tw\xc3\xb6' \
        "$CLIENT" "ws://127.0.0.1:$AXUM_PORT/echo?x=1" --origin "$ORIGIN" --protocol other --protocol chat \
        --send one --send $'tw\xc3\xb6'
    expect_refusal "$name, no shared subprotocol refused" \
        "$CLIENT" "ws://127.0.0.1:$AXUM_PORT/echo" --origin "$ORIGIN" --protocol other --send x
}
run_with_example axum_server "perl_client.pl -> axum_server" case_axum_perl
run_with_example axum_server "client -> axum_server" case_axum_client

echo "== hixie-75, opt-in on both sides"
# hixie-75 has no closing handshake: our client closes TCP after its echoes,
# and perl_client.pl --hixie75 prints "closed" when it has closed TCP.
PERL75_PORT="" NODE75_PORT="" PERL75_LOG="" NODE75_LOG=""
if start_server perl_server_75 perl "$here/perl_server.pl" --allow-hixie75 0; then
    PERL75_PORT="$PORT"; PERL75_LOG="$SERVER_LOG"
fi
if start_server node_server_75 node "$here/node_server.js" --allow-hixie75 0; then
    NODE75_PORT="$PORT"; NODE75_LOG="$SERVER_LOG"
fi
name="peer: perl_client.pl --hixie75 -> node_server.js --allow-hixie75"
if [ -z "$NODE75_PORT" ]; then fail "$name" "node_server.js --allow-hixie75 did not start"; else
    SERVER_LOG="$NODE75_LOG" expect_output "$name" $'connected\n< hello\nclosed' \
        perl "$here/perl_client.pl" --hixie75 127.0.0.1 "$NODE75_PORT" /echo "$ORIGIN" hello
fi
case_hixie75_ours() {
    local name="$1"
    start_server echo_server_75 "$ECHO_SERVER" --listen 127.0.0.1:0 --allow-hixie75 --protocol chat \
        || { fail "$name" "echo_server did not start"; return 0; }
    local port="$PORT"
    expect_output "$name" $'connected\n< hello\n< w\xc3\xb6rld' \
        "$CLIENT" "ws://127.0.0.1:$port/echo?room=75" --origin "$ORIGIN" --hixie75 \
        --send hello --send $'w\xc3\xb6rld'
    expect_output "$name, --protocol chat" $'connected protocol=chat\n< one' \
        "$CLIENT" "ws://127.0.0.1:$port/echo" --origin "$ORIGIN" --hixie75 --protocol chat --send one
    expect_output "$name, no messages" $'connected' \
        "$CLIENT" "ws://127.0.0.1:$port/" --origin "$ORIGIN" --hixie75
    expect_output "$name, hixie-76 client still served" $'connected\n< seventy-six' \
        "$CLIENT" "ws://127.0.0.1:$port/echo" --origin "$ORIGIN" --send seventy-six
    expect_output "perl_client.pl --hixie75 -> echo_server --allow-hixie75" $'connected\n< hello\nclosed' \
        perl "$here/perl_client.pl" --hixie75 127.0.0.1 "$port" /echo?room=1 "$ORIGIN" hello
    expect_output "perl_client.pl --hixie75 --protocol chat -> echo_server --allow-hixie75" \
        $'connected protocol=chat\n< hello\nclosed' \
        perl "$here/perl_client.pl" --hixie75 --protocol chat 127.0.0.1 "$port" /echo "$ORIGIN" hello
}
case_hixie75_default_server() {
    local name="$1"
    start_server echo_server_no75 "$ECHO_SERVER" --listen 127.0.0.1:0 \
        || { fail "$name" "echo_server did not start"; return 0; }
    expect_refusal "$name" \
        "$CLIENT" "ws://127.0.0.1:$PORT/echo" --origin "$ORIGIN" --hixie75 --send hello
}
case_hixie75_node() {
    local name="$1"
    if [ -z "$NODE75_PORT" ]; then fail "$name" "node_server.js --allow-hixie75 did not start"; return 0; fi
    SERVER_LOG="$NODE75_LOG" expect_output "$name" $'connected\n< hello\n< w\xc3\xb6rld' \
        "$CLIENT" "ws://127.0.0.1:$NODE75_PORT/echo?room=1" --origin "$ORIGIN" --hixie75 \
        --send hello --send $'w\xc3\xb6rld'
    # The driver never echoes WebSocket-Protocol; hixie-75 makes the echo
    # optional, so the client connects with no subprotocol agreed.
    SERVER_LOG="$NODE75_LOG" expect_output "$name, --protocol chat" $'connected\n< hello' \
        "$CLIENT" "ws://127.0.0.1:$NODE75_PORT/echo" --origin "$ORIGIN" --hixie75 --protocol chat --send hello
}
case_hixie75_perl() {
    local name="$1"
    if [ -z "$PERL75_PORT" ]; then fail "$name" "perl_server.pl --allow-hixie75 did not start"; return 0; fi
    # Protocol::WebSocket answers hixie-75 with hixie-76's status line
    # ("101 WebSocket Protocol Handshake"); a hixie-75 client compares the
    # first 85 bytes exactly, so the handshake must be refused.
    SERVER_LOG="$PERL75_LOG" expect_refusal "$name" \
        "$CLIENT" "ws://127.0.0.1:$PERL75_PORT/echo" --origin "$ORIGIN" --hixie75 --send hello
    # Its own, laxer client accepts that answer: this proves the server side.
    SERVER_LOG="$PERL75_LOG" expect_output "peer: perl_client.pl --hixie75 -> perl_server.pl --allow-hixie75" \
        $'connected\n< hello\nclosed' \
        perl "$here/perl_client.pl" --hixie75 127.0.0.1 "$PERL75_PORT" /echo "$ORIGIN" hello
}
run_with_example echo_server "client --hixie75 -> echo_server --allow-hixie75" case_hixie75_ours
run_with_example echo_server "client --hixie75 -> echo_server (no option) refused" case_hixie75_default_server
run_with_example client "client --hixie75 -> node_server.js --allow-hixie75" case_hixie75_node
run_with_example client "client --hixie75 -> perl_server.pl --allow-hixie75 refused" case_hixie75_perl

echo
if [ "$failed" -gt 0 ]; then
    printf 'failed cases:\n'; printf '  %s\n' "${failures[@]}"
fi
if [ "$skipped" -gt 0 ]; then
    echo "NOTE: $skipped case(s) skipped because the example binaries do not exist yet"
fi
echo "interop: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
