#!/usr/bin/env bash
# The demo page in a real browser: each one-port example server (echo_server,
# tokio_echo_server) serves its page to headless Chromium, which opens an
# RFC 6455 socket back to the same port, sends the text of ?send= and shows
# the echo as `< TEXT`.
#
# usage: tests/browser/run.sh      (from anywhere; build the examples first
#                                   with `cargo build --release --examples`)
#
# Environment:
#   EXAMPLES_DIR  where the built examples are (default: target/release/examples
#                 of this repository)
#   PAGE_TIMEOUT  seconds a page may take to show the echo (default 20)
#
# Installs Debian's chromium with apt-get when it is missing (needs root).
# Everything stays on 127.0.0.1: the servers listen there on port 0 (their
# first stdout line "listening on 127.0.0.1:PORT" gives the port), and
# Chromium runs with background networking, component updates and sync off,
# with a fresh profile per page, driven through the DevTools protocol over a
# pipe (tests/browser/page_check.js). Every case is bounded in time; servers
# and browsers run in their own process groups and are all stopped on exit.
# Prints one PASS/FAIL line per case and "N passed, N failed" at the end;
# exits 1 if any case failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
EXAMPLES_DIR="${EXAMPLES_DIR:-$root/target/release/examples}"
PAGE_TIMEOUT="${PAGE_TIMEOUT:-20}"
export PAGE_TIMEOUT

say() { printf 'browser: %s\n' "$*"; }
die() { printf 'browser: ERROR: %s\n' "$*" >&2; exit 1; }

# --- Chromium ---------------------------------------------------------------
if ! command -v chromium >/dev/null; then
    command -v apt-get >/dev/null || die "chromium not found and no apt-get to install it"
    say "installing chromium with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq || die "apt-get update failed"
    timeout 900 apt-get install -y -qq chromium || die "apt-get install chromium failed"
    command -v chromium >/dev/null || die "chromium still not found after install"
fi
for tool in node setsid timeout; do
    command -v "$tool" >/dev/null || die "'$tool' not found"
done
say "$(chromium --version 2>/dev/null | head -n 1), node $(node --version)"

work="$(mktemp -d "${TMPDIR:-/tmp}/hixie76-browser.XXXXXX")"
groups=()
cleanup() {
    local pid
    for pid in "${groups[@]}"; do
        kill -KILL -- "-$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0 failed=0
pass() { passed=$((passed + 1)); printf 'PASS  %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf 'FAIL  %s: %s\n' "$1" "$2"; }
indent() { sed 's/^/        | /' "$@"; }

# start_server NAME CMD... : starts CMD in its own process group and sets PORT
# from its first stdout line; returns 1 if none appears within 10 s.
start_server() {
    local name="$1"; shift
    local out="$work/$name.out" err="$work/$name.err" pid line i
    setsid "$@" >"$out" 2>"$err" </dev/null &
    pid=$!
    groups+=("$pid")
    SERVER_PID="$pid" SERVER_LOG="$err" PORT=""
    for i in $(seq 1 100); do
        line="$(head -n 1 "$out" 2>/dev/null || true)"
        if [[ "$line" =~ ^listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]]; then
            PORT="${BASH_REMATCH[1]}"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    printf '        %s did not report its port; first line: %q\n' "$name" "$line"
    indent "$err"
    return 1
}

# page_case CASE SERVER_LOG URL LINE : loads URL and passes when #log shows
# LINE and the server logged an RFC 6455 connection.
page_case() {
    local name="$1" server_log="$2" url="$3" line="$4" n="$((passed + failed))"
    local out="$work/page$n.out" err="$work/page$n.err" profile="$work/profile$n" rc=0 pid
    local before
    before="$(grep -c ' accepted .*protocol=rfc6455 ' "$server_log" || true)"
    mkdir -p "$profile"
    # Its own process group, so the browser and its child processes go with it.
    setsid timeout -k 5 "$((PAGE_TIMEOUT + 20))" \
        node "$here/page_check.js" chromium "$profile" "$url" log "$line" \
        >"$out" 2>"$err" </dev/null &
    pid=$!
    groups+=("$pid")
    wait "$pid" || rc=$?
    kill -KILL -- "-$pid" 2>/dev/null || true
    if [ "$rc" -ne 0 ]; then
        fail "$name" "the page did not show $(printf '%q' "$line") (exit $rc)"
        printf '        page_check.js said:\n'; indent "$err"
        printf '        server stderr:\n'; indent "$server_log"
        return 0
    fi
    # The page opens its socket with the browser's own WebSocket: RFC 6455.
    if [ "$(grep -c ' accepted .*protocol=rfc6455 ' "$server_log" || true)" -le "$before" ]; then
        fail "$name" "the echo came back, but not over an RFC 6455 socket"
        printf '        server stderr:\n'; indent "$server_log"
        return 0
    fi
    pass "$name"
}

for example in echo_server tokio_echo_server; do
    bin="$EXAMPLES_DIR/$example"
    if [ ! -x "$bin" ]; then
        fail "$example" "$bin not built (cargo build --release --examples)"
        continue
    fi
    if ! start_server "$example" "$bin" --listen 127.0.0.1:0; then
        fail "$example" "did not start"
        continue
    fi
    page_case "$example: the page echoes ?send=hello" "$SERVER_LOG" \
        "http://127.0.0.1:$PORT/?send=hello" "< hello"
    page_case "$example: the page echoes multibyte UTF-8" "$SERVER_LOG" \
        "http://127.0.0.1:$PORT/?send=h%C3%A9llo%20%E2%9C%93" $'< h\xc3\xa9llo \xe2\x9c\x93'
    kill -TERM -- "-$SERVER_PID" 2>/dev/null || true
done

echo "browser: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
