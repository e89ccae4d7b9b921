#!/usr/bin/env bash
# Deploy tests: hixie-76 servers behind the reverse proxies operators use,
# nginx (HTTP, HTTPS and stream) and HAProxy (TCP and HTTP), each balancing
# round robin over two server processes, with independent clients going
# through them: our client example, Perl's Protocol::WebSocket client (with
# and without Content-Length: 8), raw draft-76 exchanges, a Python client over
# TLS 1.0/1.1/1.2, and an RFC 6455 client (npm ws), since the server serves
# both protocols on one port.
#
# usage: tests/deploy/run.sh    (from anywhere; run install.sh --rfc6455-client
#                                and tests/interop/install-peers.sh first, and
#                                build the examples)
#
# Environment:
#   EXAMPLES_DIR   where the built examples are (default: target/release/examples
#                  of this repository; `cargo build --release --examples --all-features`)
#   DEPLOY_SERVER  the server command, which must listen on 127.0.0.1 port 0,
#                  print "listening on 127.0.0.1:PORT" as its first stdout line,
#                  take the demo servers' flags (--proxy-protocol, --secure,
#                  --keepalive SECS) and log to stderr a line per connection
#                  that starts with the client's address ("ADDR accepted ...",
#                  "ADDR refused ...") (default: "$EXAMPLES_DIR/tokio_echo_server
#                  --listen 127.0.0.1:0"); split on spaces
#   DEPLOY_SERVER_PROXY_FLAGS  what the server needs added to expect a PROXY
#                  protocol (v1 or v2) header (default: --proxy-protocol)
#   CASE_TIMEOUT   seconds allowed for one client run (default 20)
#   DEPLOY_KEEP_WORK  non-empty: keep the scratch directory (logs, rendered
#                  configurations) and print where it is
#
# Which server served a client is read from the servers' logs: the "accepted"
# lines each one wrote during a group of clients are counted, and both servers
# must have some. Raw draft-76 probes record their own client-side port, and
# behind a proxy that sends a PROXY header the servers must log exactly those
# addresses (127.0.0.1:PORT), not the proxy's.
#
# Every server is started in the background on port 0; its first stdout line
# "listening on 127.0.0.1:PORT" gives the port. Each proxy is started from its
# template on a free loopback port picked here (never port 80), in the
# foreground of its own process group, with its pid, logs, temp files and
# (for TLS) a self-signed certificate made with openssl in a scratch
# directory. Everything is stopped and removed on exit.
# Prints one PASS/FAIL/SKIP line per case and "N passed, N failed, N skipped"
# at the end; exits 1 if any case failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
interop="$root/tests/interop"
EXAMPLES_DIR="${EXAMPLES_DIR:-$root/target/release/examples}"
DEPLOY_SERVER="${DEPLOY_SERVER:-$EXAMPLES_DIR/tokio_echo_server --listen 127.0.0.1:0}"
DEPLOY_SERVER_PROXY_FLAGS="${DEPLOY_SERVER_PROXY_FLAGS---proxy-protocol}"
CASE_TIMEOUT="${CASE_TIMEOUT:-20}"
CLIENT="$EXAMPLES_DIR/client"
ORIGIN="http://example.com"
# The keep-alive survey's Protocol::WebSocket driver: waits silent, then sends.
IDLE_DRIVER="$root/tests/keepalive/clients/perl_protocol_websocket.pl"
# Raw draft-76 probes sent through a balancer after the other clients: with
# them a proxy case has 8 clients, 4 per server under round robin.
BALANCE_CLIENTS=4
# The keep-alive cases: the proxies' idle time-out is cut to 2 s, the server
# sends a keep-alive frame every KEEPALIVE_SECS, the client stays silent
# IDLE_SECS.
KEEPALIVE_SECS=1
IDLE_SECS=4

read -r -a server_cmd <<<"$DEPLOY_SERVER"
read -r -a proxy_flags <<<"$DEPLOY_SERVER_PROXY_FLAGS"

work="$(mktemp -d "${TMPDIR:-/tmp}/hixie76-deploy.XXXXXX")"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        # Each server and proxy leads its own process group (setsid): stop it
        # and the workers it forked.
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 -- "-$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
    done
    if [ -n "${DEPLOY_KEEP_WORK:-}" ]; then
        echo "scratch directory kept: $work"
    else
        rm -rf "$work"
    fi
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
note() { printf '        %s\n' "$@"; }
# A skip that must not go unnoticed: said at once and again at the end.
louds=()
loud() {
    printf '!!!!!! %s\n' "$1"
    louds+=("$1")
}

# --- servers ----------------------------------------------------------------

# start_server NAME CMD... : starts CMD in the background and sets PORT from
# its first stdout line. Returns 1 (with the server's stderr shown) if no
# such line appears within 10 s; sets SERVER_STATUS to its exit status if it
# exited before that.
SERVER_LOG=""
SERVER_STATUS=""
start_server() {
    local name="$1"; shift
    local out="$work/$name.out" err="$work/$name.err" pid line i
    setsid "$@" >"$out" 2>"$err" </dev/null &
    pid=$!
    pids+=("$pid")
    SERVER_LOG="$err"
    SERVER_STATUS=""
    PORT=""
    line=""
    for i in $(seq 1 100); do
        line="$(head -n 1 "$out" 2>/dev/null || true)"
        if [[ "$line" =~ ^listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]]; then
            PORT="${BASH_REMATCH[1]}"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            SERVER_STATUS=0
            wait "$pid" || SERVER_STATUS=$?
            break
        fi
        sleep 0.1
    done
    printf '        server %s did not report its port; first line: %q%s\n' "$name" "$line" \
        "${SERVER_STATUS:+; it exited with status $SERVER_STATUS}"
    indent "$err"
    return 1
}

# --- proxies ----------------------------------------------------------------

# A loopback port that was free a moment ago (the kernel's pick for port 0).
free_port() {
    perl -MIO::Socket::INET -e '
        my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1)
          or die "free_port: $@\n";
        print $s->sockport;'
}

# Whether something listens on 127.0.0.1:PORT, read from /proc/net/tcp: a
# test connection would reach a TCP proxy's servers and count as a client.
listening() {
    perl -e '
        my $want = sprintf("0100007F:%04X", $ARGV[0]);
        open(my $fh, "<", "/proc/net/tcp") or exit 1;
        while (<$fh>) { my @f = split; exit 0 if $f[1] eq $want && $f[3] eq "0A" }
        exit 1;' "$1"
}

# A file or directory name made from a case label.
slug() { printf '%s' "$1" | tr -c 'A-Za-z0-9_.-' '-' | tr -s '-' | sed 's/-$//'; }

# Shows bytes received, control bytes made visible, ending in a newline.
show_bytes() {
    { cat -v "$1"; [ -z "$(tail -c 1 "$1")" ] || echo; } | indent
}

# Escapes a value for the replacement side of a sed s|||.
sed_value() { printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'; }

# render TEMPLATE OUT LISTEN_PORT BACKEND1 BACKEND2 DIR : fills a template in.
render() {
    local template="$1" out="$2" listen="$3" b1="$4" b2="$5" dir="$6" modules
    modules="$(nginx -V 2>&1 | sed -n 's/.*--modules-path=\([^ ]*\).*/\1/p')"
    sed -e "s|\${DEPLOY_LISTEN_PORT}|$listen|g" \
        -e "s|\${DEPLOY_BACKEND1_PORT}|$b1|g" \
        -e "s|\${DEPLOY_BACKEND2_PORT}|$b2|g" \
        -e "s|\${DEPLOY_SCRATCH}|$(sed_value "$dir")|g" \
        -e "s|\${DEPLOY_USER}|$(sed_value "$(id -un)")|g" \
        -e "s|\${DEPLOY_NGINX_MODULES}|$(sed_value "${modules:-/usr/lib/nginx/modules}")|g" \
        "$template" >"$out"
    if grep -n '\${DEPLOY_' "$out" >&2; then
        printf '        %s: placeholders left unfilled (above)\n' "$template"
        return 1
    fi
}

# start_proxy NAME TEMPLATE BACKEND1 BACKEND2 [SED_EXPR CHECK_REGEX] : starts
# nginx (a .conf template) or HAProxy (a .cfg template) in front of the two
# ports and sets PROXY_PORT and PROXY_LOG. A variant of the template is made
# with SED_EXPR; CHECK_REGEX must then match the result outside comments (or,
# written !REGEX, must not), so a template that changed cannot silently make
# the variant the same as the original.
PROXY_PORT="" PROXY_LOG=""
start_proxy() {
    local name="$1" template="$here/$2" b1="$3" b2="$4" variant="${5:-}" check="${6:-}"
    local dir="$work/$name" conf attempt port pid i
    mkdir -p "$dir"
    PROXY_PORT="" PROXY_LOG="$dir/stderr.log"
    for attempt in 1 2 3; do
        port="$(free_port)"
        if [ "$port" -le 1024 ]; then continue; fi
        case "$template" in
            *.conf) conf="$dir/nginx.conf" ;;
            *.cfg) conf="$dir/haproxy.cfg" ;;
        esac
        render "$template" "$conf" "$port" "$b1" "$b2" "$dir" || return 1
        if [ -n "$variant" ]; then
            sed -i -e "$variant" "$conf"
            if [ "${check:0:1}" = '!' ]; then
                if grep -v '^ *#' "$conf" | grep -Eq "${check:1}"; then
                    note "variant of $2 not made: /${check:1}/ still found after sed '$variant'"
                    return 1
                fi
            elif ! grep -v '^ *#' "$conf" | grep -Eq "$check"; then
                note "variant of $2 not made: /$check/ not found after sed '$variant'"
                return 1
            fi
        fi
        case "$conf" in
            *nginx.conf)
                if ! nginx -t -q -e stderr -p "$dir" -c "$conf" >"$PROXY_LOG" 2>&1; then
                    note "nginx -t refused $conf:"; indent "$PROXY_LOG"; return 1
                fi
                setsid nginx -e stderr -p "$dir" -c "$conf" >"$PROXY_LOG" 2>&1 </dev/null &
                ;;
            *haproxy.cfg)
                if ! haproxy -c -q -f "$conf" >"$PROXY_LOG" 2>&1; then
                    note "haproxy -c refused $conf:"; indent "$PROXY_LOG"; return 1
                fi
                setsid haproxy -db -f "$conf" >"$PROXY_LOG" 2>&1 </dev/null &
                ;;
        esac
        pid=$!
        pids+=("$pid")
        for i in $(seq 1 100); do
            if listening "$port"; then
                PROXY_PORT="$port"
                printf '%s on 127.0.0.1:%s\n' "$name" "$port"
                return 0
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        # Lost the port to someone else between picking and binding, or a
        # real failure: try again, then give up with the log.
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    note "$name did not start listening; its output:"
    indent "$PROXY_LOG"
    return 1
}

# --- case runners -----------------------------------------------------------

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
    show_logs
    return 0
}

# expect_refusal CASE CMD... : passes when CMD exits 1 with no "connected"
# on stdout and one line on stderr, which the PASS line quotes.
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
    show_logs
}

# The logs of the proxy and servers in use, shown under a failure.
LOGS=()
show_logs() {
    local log
    for log in "${LOGS[@]}"; do
        if [ -s "$log" ]; then
            printf '        %s (last lines):\n' "${log#"$work"/}"
            tail -n 15 "$log" | cat -v | indent
        fi
    done
}

# The hixie-76 request of the draft's example (section 1.3), to 127.0.0.1:PORT.
# HEADER_LINES go after the fields the draft shows; KEY3 follows the blank
# line. Its answer would end in the draft's "8jKS'y:G*Co,Wxa-".
draft76_request() {
    local port="$1" extra="$2" key3="$3"
    printf 'GET /demo HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: Upgrade\r\n' "$port"
    printf 'Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\nUpgrade: WebSocket\r\n'
    printf 'Sec-WebSocket-Key1: 4 @1  46546xW%%0l 1 5\r\nOrigin: http://example.com\r\n'
    printf '%s\r\n%s' "$extra" "$key3"
}
KEY3='^n:ds[4U'

# wait_captures DIR N : waits (5 s at most) until N connections to a capture
# backend have been closed and recorded.
wait_captures() {
    local dir="$1" n="$2" i
    for i in $(seq 1 50); do
        [ "$(find "$dir" -name 'conn-*.done' | wc -l)" -ge "$n" ] && return 0
        sleep 0.1
    done
    return 1
}
count_captures() { find "$1" -name 'conn-*.bin' | wc -l; }

# --- the cases run through each proxy --------------------------------------

# hixie76_clients LABEL PORT : our client and Protocol::WebSocket's, with and
# without Content-Length: 8, through the proxy on PORT.
hixie76_clients() {
    local label="$1" port="$2"
    expect_output "$label: client" $'connected\n< hello' \
        "$CLIENT" "ws://127.0.0.1:$port/echo" --origin "$ORIGIN" --send hello
    expect_output "$label: perl_client.pl (Content-Length: 8)" $'connected\n< hello\nclosed' \
        perl "$interop/perl_client.pl" 127.0.0.1 "$port" /echo "$ORIGIN" hello
    expect_output "$label: perl_client.pl --no-content-length" $'connected\n< h\xc3\xa9llo\nclosed' \
        perl "$interop/perl_client.pl" --no-content-length 127.0.0.1 "$port" /echo?x=1 "$ORIGIN" $'h\xc3\xa9llo'
}

# --- which server served whom -----------------------------------------------
# Each server logs a line per connection on stderr, beginning with the
# client's address as it knows it: "ADDR accepted path=... protocol=...".

# log_mark LOG : how many lines LOG has now.
log_mark() { if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi; }
# log_since LOG MARK : the lines LOG got after MARK.
log_since() { tail -n "+$(($2 + 1))" "$1"; }

DRAFT_ANSWER="8jKS'y:G*Co,Wxa-"

# probe_clients PORT N : N raw draft-76 exchanges through PORT, each sending
# the handshake, one message "pI" and the closing frame at once, and
# expecting a 101, the draft's answer, the echo and FF 00 back before the
# connection ends. Adds each probe's client-side port to PROBE_PORTS, and
# what went wrong to PROBE_PROBLEMS.
PROBE_PORTS=() PROBE_PROBLEMS=""
probe_clients() {
    local port="$1" n="$2" i rc expected="$work/probe.expected" answer="$work/probe.answer"
    for i in $(seq 1 "$n"); do
        rc=0
        rm -f "$work/probe.port"
        { draft76_request "$port" "" "$KEY3"; printf '\000p%s\377\377\000' "$i"; } \
            | timeout "$CASE_TIMEOUT" perl "$here/exchange.pl" --local-port-file "$work/probe.port" \
                127.0.0.1 "$port" 5 >"$answer" 2>"$work/case.err" || rc=$?
        { printf '%s' "$DRAFT_ANSWER"; printf '\000p%s\377\377\000' "$i"; } >"$expected"
        if [ "$rc" -eq 0 ] && head -n 1 "$answer" | grep -q '^HTTP/1\.1 101 ' \
            && tail -c "$(wc -c <"$expected")" "$answer" | cmp -s - "$expected"; then
            PROBE_PORTS+=("$(cat "$work/probe.port")")
        else
            PROBE_PROBLEMS+="probe $i: exit $rc $(cat "$work/case.err"), received \"$(cat -v "$answer" | tr '\r\n' '  ' | head -c 300)\"; "
        fi
    done
}

# served_check NAME HEADER MARK1 MARK2 CLIENTS : passes when the two servers'
# logs (SERVER_LOGS) got CLIENTS "accepted" lines after MARK1 and MARK2
# between them, at least one each, and the probes' client-side ports
# (PROBE_PORTS) were logged
#   HEADER=proxy: each as 127.0.0.1:PORT, the client's own address, which the
#                 PROXY header carried
#   HEADER=none:  none of them: the servers see the proxy's connections
served_check() {
    local name="$1" header="$2" m1="$3" m2="$4" clients="$5"
    local n1 n2 logged p found=() missing=() problems=""
    # Each "accepted" line is written before the answer goes out; the wait is
    # for the last lines of a proxy that closes late.
    sleep 0.2
    n1="$(log_since "${SERVER_LOGS[0]}" "$m1" | grep -c ' accepted ' || true)"
    n2="$(log_since "${SERVER_LOGS[1]}" "$m2" | grep -c ' accepted ' || true)"
    logged="$({ log_since "${SERVER_LOGS[0]}" "$m1"; log_since "${SERVER_LOGS[1]}" "$m2"; } \
        | sed -n 's/^\([^ ]*\) accepted .*/\1/p')"
    for p in "${PROBE_PORTS[@]}"; do
        if grep -qxF "127.0.0.1:$p" <<<"$logged"; then found+=("$p"); else missing+=("$p"); fi
    done
    [ -z "$PROBE_PROBLEMS" ] || problems+="$PROBE_PROBLEMS"
    [ "$((n1 + n2))" -eq "$clients" ] || problems+="$((n1 + n2)) accepted line(s) logged for $clients clients; "
    [ "$n1" -ge 1 ] && [ "$n2" -ge 1 ] || problems+="server 1 logged $n1 accepted, server 2 $n2: not both served; "
    case "$header" in
        proxy) [ "${#missing[@]}" -eq 0 ] \
            || problems+="client port(s) ${missing[*]} not logged as 127.0.0.1:PORT (logged: $(echo $logged)); " ;;
        none) [ "${#found[@]}" -eq 0 ] \
            || problems+="client port(s) ${found[*]} logged, though no PROXY header carried them; " ;;
    esac
    if [ -n "$problems" ]; then
        fail "$name" "$problems"
        show_logs
        return 0
    fi
    pass "$name (accepted: server 1 $n1, server 2 $n2 of $clients)"
    case "$header" in
        proxy) note "probes from client ports ${found[*]}: logged as $(printf '127.0.0.1:%s ' "${found[@]}")(the PROXY header's address)" ;;
        none) [ "${#PROBE_PORTS[@]}" -eq 0 ] \
            || note "probes from client ports ${PROBE_PORTS[*]}; the servers logged the proxy's connections: $(echo $logged)" ;;
    esac
}

rfc6455_client() {
    local label="$1" port="$2"
    expect_output "$label: rfc6455_client.js (ws)" $'connected\n< hello\nclosed' \
        node "$here/rfc6455_client.js" "ws://127.0.0.1:$port/echo" hello
}

# proxy_cases LABEL TEMPLATE B1 B2 HEADER [SED_EXPR CHECK_REGEX] : the clients
# through one proxy in front of servers B1 and B2 (whose logs are
# SERVER_LOGS), then the check that both servers served them; HEADER (proxy
# or none) says whether the proxy passes the client's address on.
proxy_cases() {
    local label="$1" template="$2" b1="$3" b2="$4" header="$5" m1 m2
    if ! start_proxy "$(slug "$label")" "$template" "$b1" "$b2" "${6:-}" "${7:-}"; then
        fail "$label" "the proxy did not start"
        return 0
    fi
    LOGS=("$PROXY_LOG" "${SERVER_LOGS[@]}")
    m1="$(log_mark "${SERVER_LOGS[0]}")" m2="$(log_mark "${SERVER_LOGS[1]}")"
    hixie76_clients "$label" "$PROXY_PORT"
    rfc6455_client "$label" "$PROXY_PORT"
    PROBE_PORTS=() PROBE_PROBLEMS=""
    probe_clients "$PROXY_PORT" "$BALANCE_CLIENTS"
    local what="each logged with the proxy's address"
    [ "$header" = proxy ] && what="each logged with the client's own address"
    served_check "$label: both servers served the $((4 + BALANCE_CLIENTS)) clients, $what" \
        "$header" "$m1" "$m2" "$((4 + BALANCE_CLIENTS))"
}

# capture_cases LABEL TEMPLATE VERSION : two capture backends behind the
# proxy; two raw draft-76 requests must reach both, each preceded by a PROXY
# header of VERSION (v1, v2, none) and otherwise unchanged.
capture_cases() {
    local label="$1" template="$2" version="$3"
    local c1="$work/$(slug "$label").cap1" c2="$work/$(slug "$label").cap2"
    local name="$label: forwards the request bytes unchanged after ${version/none/no} PROXY header"
    mkdir -p "$c1" "$c2"
    local p1 p2
    start_server "$(basename "$c1")" perl "$here/capture_server.pl" "$c1" || { fail "$name" "capture server 1 did not start"; return 0; }
    p1="$PORT"
    start_server "$(basename "$c2")" perl "$here/capture_server.pl" "$c2" || { fail "$name" "capture server 2 did not start"; return 0; }
    p2="$PORT"
    if ! start_proxy "$(slug "$label")-capture" "$template" "$p1" "$p2" "${4:-}" "${5:-}"; then
        fail "$name" "the proxy did not start"
        return 0
    fi
    local sent="$work/sent.bin" i rc f problems="" found="" found_all=()
    draft76_request "$PROXY_PORT" "" "$KEY3" >"$sent"
    for i in 1 2; do
        rc=0
        timeout "$CASE_TIMEOUT" perl "$here/exchange.pl" 127.0.0.1 "$PROXY_PORT" 5 <"$sent" >/dev/null 2>"$work/case.err" || rc=$?
        [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || problems+="exchange $i: exit $rc $(cat "$work/case.err"); "
    done
    if ! wait_captures "$c1" 1 || ! wait_captures "$c2" 1; then
        problems+="server 1 recorded $(count_captures "$c1") connection(s), server 2 $(count_captures "$c2") (one each expected); "
    else
        for i in 1 2; do
            if [ "$i" -eq 1 ]; then f="$c1/conn-1.bin"; else f="$c2/conn-1.bin"; fi
            rc=0
            found="$(perl "$here/check_proxy_header.pl" "$f" "$version" "$PROXY_PORT" "$sent")" || rc=$?
            found_all+=("server $i: $found")
            [ "$rc" -eq 0 ] || problems+="server $i: $found; "
        done
    fi
    if [ -z "$problems" ]; then
        pass "$name, to both servers"
        note "${found_all[@]}"
    else
        fail "$name" "$problems"
        LOGS=("$PROXY_LOG"); show_logs
    fi
}

# ---------------------------------------------------------------------------
for tool in perl nginx haproxy setsid timeout; do
    command -v "$tool" >/dev/null || {
        echo "run.sh: '$tool' not found (tests/deploy/install.sh installs nginx and haproxy)" >&2; exit 1; }
done
for tool in node python3 openssl; do
    command -v "$tool" >/dev/null || { echo "run.sh: '$tool' not found" >&2; exit 1; }
done
perl -MProtocol::WebSocket -e 1 2>/dev/null || {
    echo "run.sh: Protocol::WebSocket missing: run tests/interop/install-peers.sh first" >&2; exit 1; }
WS_VERSION="$(node -e 'try { process.stdout.write(require(process.argv[1]).version) } catch (e) {}' \
    "$here/node_modules/ws/package.json")"
[ -n "$WS_VERSION" ] || {
    echo "run.sh: the npm package ws is missing: run tests/deploy/install.sh --rfc6455-client first" >&2; exit 1; }
[ -f "$IDLE_DRIVER" ] || { echo "run.sh: $IDLE_DRIVER not found" >&2; exit 1; }
for bin in "$CLIENT" "${server_cmd[0]}"; do
    [ -x "$bin" ] || command -v "$bin" >/dev/null || {
        echo "run.sh: $bin not found: build the examples with 'cargo build --release --examples --all-features'" >&2; exit 1; }
done

NGINX_VERSION="$(nginx -v 2>&1 | sed 's/^nginx version: //')"
HAPROXY_VERSION="$(haproxy -v 2>&1 | sed -n '1s/^HAProxy version \([^ ]*\).*/\1/p')"
echo "== versions"
echo "nginx: $NGINX_VERSION ($(dpkg-query -W -f='${Version}' nginx 2>/dev/null || echo 'not from a Debian package'))"
echo "HAProxy: $HAPROXY_VERSION"
echo "Protocol::WebSocket: $(perl -MProtocol::WebSocket -e 'print $Protocol::WebSocket::VERSION')"
echo "ws (npm, RFC 6455 client): $WS_VERSION on node $(node --version)"
echo "$(openssl version) (openssl command); Python $(python3 -c 'import ssl, platform; print(platform.python_version(), "with", ssl.OPENSSL_VERSION)')"
echo "server: $DEPLOY_SERVER"

echo "== servers"
SERVER_LOGS=()
S1="" S2=""
if start_server server1 "${server_cmd[@]}"; then
    S1="$PORT"; SERVER_LOGS+=("$SERVER_LOG")
fi
if start_server server2 "${server_cmd[@]}"; then
    S2="$PORT"; SERVER_LOGS+=("$SERVER_LOG")
fi
echo "server 1 on port ${S1:-(none)}, server 2 on port ${S2:-(none)}"
PLAIN_SERVER_LOGS=("${SERVER_LOGS[@]}")

# start_pair NAME FLAGS... : two more servers with FLAGS; sets PAIR1, PAIR2
# and PAIR_LOGS (both empty unless both started).
start_pair() {
    local name="$1"; shift
    PAIR1="" PAIR2="" PAIR_LOGS=()
    start_server "${name}1" "${server_cmd[@]}" "$@" || return 0
    PAIR1="$PORT" PAIR_LOGS=("$SERVER_LOG")
    if start_server "${name}2" "${server_cmd[@]}" "$@"; then
        PAIR2="$PORT" PAIR_LOGS+=("$SERVER_LOG")
    else
        PAIR1=""
    fi
    echo "servers with $*: ports ${PAIR1:-(none)} and ${PAIR2:-(none)}"
}

with_servers() {
    if [ -z "$S1" ] || [ -z "$S2" ]; then fail "$1" "the servers did not start"; return 0; fi
    SERVER_LOGS=("${PLAIN_SERVER_LOGS[@]}")
    proxy_cases "$1" "$2" "$S1" "$S2" none "${@:3}"
}

echo "== nginx, HTTP proxy (nginx-http.conf)"
with_servers "nginx-http" nginx-http.conf
# The documented pitfall: with $host the port is dropped from Host, the
# server's Location names another URL, and a conforming client refuses.
label="nginx-http with 'Host \$host'"
if [ -z "$S1" ] || [ -z "$S2" ]; then fail "$label" "the servers did not start"
elif start_proxy nginx-http-host nginx-http.conf "$S1" "$S2" \
        's|proxy_set_header Host \$http_host;|proxy_set_header Host $host;|' 'proxy_set_header Host \$host;'; then
    LOGS=("$PROXY_LOG" "${SERVER_LOGS[@]}")
    expect_refusal "$label: client refused" \
        "$CLIENT" "ws://127.0.0.1:$PROXY_PORT/echo" --origin "$ORIGIN" --send hello
    expect_refusal "$label: perl_client.pl refused" \
        perl "$interop/perl_client.pl" 127.0.0.1 "$PROXY_PORT" /echo "$ORIGIN" hello
else
    fail "$label" "the proxy did not start"
fi

# Each of the other three settings the template names is needed too: without
# it the server never sees an HTTP/1.1 upgrade request and refuses.
for v in 'proxy_http_version 1.1|/proxy_http_version 1\.1;/d|!^ *proxy_http_version ' \
         'Upgrade forwarded|/proxy_set_header Upgrade /d|!^ *proxy_set_header Upgrade ' \
         'Connection forwarded|/proxy_set_header Connection /d|!^ *proxy_set_header Connection '; do
    IFS='|' read -r what expr check <<<"$v"
    label="nginx-http without '$what'"
    if [ -z "$S1" ] || [ -z "$S2" ]; then fail "$label" "the servers did not start"
    elif start_proxy "$(slug "$label")" nginx-http.conf "$S1" "$S2" "$expr" "$check"; then
        LOGS=("$PROXY_LOG" "${SERVER_LOGS[@]}")
        expect_refusal "$label: client refused" \
            "$CLIENT" "ws://127.0.0.1:$PROXY_PORT/echo" --origin "$ORIGIN" --send hello
    else
        fail "$label" "the proxy did not start"
    fi
done

# --- keep-alive against the proxies' idle time-outs ---------------------------
# idle_client NAME PORT EXPECT : the keep-alive survey's Protocol::WebSocket
# driver opens ws://127.0.0.1:PORT/idle, stays silent IDLE_SECS (longer than
# the proxy's 2 s), then sends "hello" and listens 1 s more.
#   EXPECT=closed: the proxy must have closed the connection while the
#                  client was silent ("close tcp"), before any echo
#   EXPECT=open:   it must still be open: keep-alive frames arrived (an empty
#                  message each, the default kind 00 FF), then the echo, no close
idle_client() {
    local name="$1" port="$2" expect="$3" out="$work/case.out" err="$work/case.err" rc=0 frames
    timeout "$CASE_TIMEOUT" perl "$IDLE_DRIVER" "ws://127.0.0.1:$port/idle" "$ORIGIN" "$IDLE_SECS" 1 \
        >"$out" 2>"$err" </dev/null || rc=$?
    frames="$(grep -cx 'message ' "$out" || true)"
    case "$expect:$rc:$(head -n 1 "$out"):$(tail -n 1 "$out")" in
        "closed:0:open:close tcp")
            if ! grep -qx 'message hello' "$out"; then
                pass "$name (closed by the proxy after $frames keep-alive frame(s))"
                return 0
            fi ;;
        open:0:open:*)
            # A keep-alive frame may follow the echo within the last second.
            if [ "$frames" -ge 2 ] && grep -qx 'message hello' "$out" && ! grep -q '^close\|^error' "$out"; then
                pass "$name (open after ${IDLE_SECS} s of client silence, $frames keep-alive frames received, then the echo)"
                return 0
            fi ;;
    esac
    fail "$name" "expected the connection $expect after ${IDLE_SECS} s of client silence; driver exit $rc"
    note "the driver saw:"; cat -v "$out" | indent
    [ -s "$err" ] && { note "its stderr:"; indent "$err"; }
    show_logs
}

echo "== keep-alive frames against the proxies' idle time-outs (cut to 2 s here)"
start_pair keepalive_server --keepalive "$KEEPALIVE_SECS"
K1="$PAIR1" K2="$PAIR2" KEEPALIVE_SERVER_LOGS=("${PAIR_LOGS[@]}")

# proxy_read_timeout bounds an upgraded connection's silence from the server:
# shortened to 2 s, an idle connection must be closed by nginx after about
# that long (the server itself waits longer). The raw draft-76 request has no
# Content-Length, and the answer must end in the draft's 16 bytes.
label="nginx-http with proxy_read_timeout 2s"
NGINX_2S=('s/proxy_read_timeout 1h;/proxy_read_timeout 2s;/' '^ *proxy_read_timeout 2s;')
if [ -z "$S1" ] || [ -z "$S2" ]; then fail "$label" "the servers did not start"
elif start_proxy "$(slug "$label")" nginx-http.conf "$S1" "$S2" "${NGINX_2S[@]}"; then
    LOGS=("$PROXY_LOG" "${SERVER_LOGS[@]}")
    name="$label: an idle hixie-76 connection is closed by nginx after it"
    answer="$work/answer.bin" rc=0
    started=$(date +%s%N)
    draft76_request "$PROXY_PORT" "" "$KEY3" \
        | timeout "$CASE_TIMEOUT" perl "$here/exchange.pl" 127.0.0.1 "$PROXY_PORT" 10 >"$answer" 2>"$work/case.err" || rc=$?
    elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
    if [ "$rc" -eq 0 ] && head -n 1 "$answer" | grep -q '^HTTP/1\.1 101 ' \
        && [ "$(tail -c 16 "$answer")" = "$DRAFT_ANSWER" ] \
        && [ "$elapsed_ms" -ge 1500 ] && [ "$elapsed_ms" -le 6000 ]; then
        pass "$name (closed after ${elapsed_ms} ms)"
    else
        fail "$name" "expected the handshake answered and the connection closed by nginx in 1.5-6 s; got exit $rc after ${elapsed_ms} ms"
        note "received (cat -v):"; show_bytes "$answer"
        show_logs
    fi
    idle_client "$label, server without keep-alive: a silent client is cut by nginx" "$PROXY_PORT" closed
else
    fail "$label" "the proxy did not start"
fi
label="nginx-http with proxy_read_timeout 2s -> server --keepalive $KEEPALIVE_SECS"
if [ -z "$K1" ]; then fail "$label" "the servers did not start with --keepalive $KEEPALIVE_SECS"
elif start_proxy "$(slug "$label")" nginx-http.conf "$K1" "$K2" "${NGINX_2S[@]}"; then
    LOGS=("$PROXY_LOG" "${KEEPALIVE_SERVER_LOGS[@]}")
    idle_client "$label: a silent client stays connected past the time-out" "$PROXY_PORT" open
else
    fail "$label" "the proxy did not start"
fi

# HAProxy in TCP mode closes a connection idle past its client/server
# time-outs; data in either direction counts as activity.
HAPROXY_2S=('s/ send-proxy$//; s/^\( *timeout \(client\|server\)\) 1h$/\1 2s/' '^ *timeout server 2s$')
label="haproxy-tcp with timeout client/server 2s"
if [ -z "$S1" ] || [ -z "$S2" ]; then fail "$label" "the servers did not start"
elif start_proxy "$(slug "$label")" haproxy-tcp.cfg "$S1" "$S2" "${HAPROXY_2S[@]}"; then
    LOGS=("$PROXY_LOG" "${SERVER_LOGS[@]}")
    idle_client "$label, server without keep-alive: a silent client is cut by HAProxy" "$PROXY_PORT" closed
else
    fail "$label" "the proxy did not start"
fi
label="haproxy-tcp with timeout client/server 2s -> server --keepalive $KEEPALIVE_SECS"
if [ -z "$K1" ]; then fail "$label" "the servers did not start with --keepalive $KEEPALIVE_SECS"
elif start_proxy "$(slug "$label")" haproxy-tcp.cfg "$K1" "$K2" "${HAPROXY_2S[@]}"; then
    LOGS=("$PROXY_LOG" "${KEEPALIVE_SERVER_LOGS[@]}")
    idle_client "$label: a silent client stays connected past the time-outs" "$PROXY_PORT" open
else
    fail "$label" "the proxy did not start"
fi

echo "== TCP proxies without a PROXY header (the templates with it taken out)"
with_servers "haproxy-tcp without send-proxy" haproxy-tcp.cfg \
    's/ send-proxy$//' '^ *server backend2 127\.0\.0\.1:[0-9]+$'
with_servers "nginx-stream without proxy_protocol" nginx-stream-proxy-protocol.conf \
    's/proxy_protocol on;/proxy_protocol off;/' 'proxy_protocol off;'
capture_cases "haproxy-tcp without send-proxy" haproxy-tcp.cfg none \
    's/ send-proxy$//' '^ *server backend2 127\.0\.0\.1:[0-9]+$'

echo "== TCP proxies with a PROXY header: what they send"
capture_cases "haproxy-tcp (send-proxy)" haproxy-tcp.cfg v1
capture_cases "haproxy-tcp-v2 (send-proxy-v2)" haproxy-tcp-v2.cfg v2
capture_cases "nginx-stream (proxy_protocol on)" nginx-stream-proxy-protocol.conf v1

echo "== TCP proxies with a PROXY header, servers started with: $DEPLOY_SERVER_PROXY_FLAGS"
start_pair proxy_server "${proxy_flags[@]}"
P1="$PAIR1" P2="$PAIR2" PROXY_SERVER_LOGS=("${PAIR_LOGS[@]}")
for c in "haproxy-tcp:haproxy-tcp.cfg" "haproxy-tcp-v2:haproxy-tcp-v2.cfg" \
         "nginx-stream:nginx-stream-proxy-protocol.conf"; do
    label="${c%%:*} -> server $DEPLOY_SERVER_PROXY_FLAGS"
    if [ -z "$P1" ]; then
        fail "$label" "the servers did not start with '$DEPLOY_SERVER_PROXY_FLAGS'"
    else
        SERVER_LOGS=("${PROXY_SERVER_LOGS[@]}")
        proxy_cases "$label" "${c#*:}" "$P1" "$P2" proxy
    fi
done

# A server that requires the PROXY header must not serve a client that
# reaches it directly, around the proxy: no answer at all, and a log line.
label="server $DEPLOY_SERVER_PROXY_FLAGS reached directly"
name="$label: a request without a PROXY header is closed unanswered and logged as refused"
if [ -z "$P1" ]; then
    fail "$name" "the servers did not start with '$DEPLOY_SERVER_PROXY_FLAGS'"
else
    LOGS=("${PROXY_SERVER_LOGS[0]}")
    mark="$(log_mark "${PROXY_SERVER_LOGS[0]}")" answer="$work/answer.bin" rc=0
    rm -f "$work/probe.port"
    draft76_request "$P1" "" "$KEY3" \
        | timeout "$CASE_TIMEOUT" perl "$here/exchange.pl" --local-port-file "$work/probe.port" \
            127.0.0.1 "$P1" 5 >"$answer" 2>"$work/case.err" || rc=$?
    sleep 0.2
    cport="$(cat "$work/probe.port" 2>/dev/null || echo '?')"
    logged="$(log_since "${PROXY_SERVER_LOGS[0]}" "$mark")"
    if [ "$rc" -eq 0 ] && [ ! -s "$answer" ] && grep -q "^127\.0\.0\.1:$cport refused " <<<"$logged" \
        && ! grep -q ' accepted ' <<<"$logged"; then
        pass "$name"
        note "the server logged: $logged"
    else
        fail "$name" "expected the connection closed (exchange.pl exit 0) with 0 bytes received and a 'refused' line for 127.0.0.1:$cport; got exit $rc, $(wc -c <"$answer") bytes"
        note "received (cat -v):"; show_bytes "$answer"
        note "the server logged:"; printf '%s\n' "$logged" | indent
    fi
fi

# --- TLS ended in nginx --------------------------------------------------------
# tls_proxy NAME B1 B2 [SED_EXPR CHECK_REGEX] : nginx-https.conf in front of
# B1 and B2, with a self-signed certificate made now; sets PROXY_PORT.
tls_proxy() {
    local name="$1" dir="$work/$1"
    mkdir -p "$dir"
    if ! openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
            -keyout "$dir/key.pem" -out "$dir/cert.pem" >"$dir/openssl.log" 2>&1; then
        note "openssl could not make a certificate:"; indent "$dir/openssl.log"
        return 1
    fi
    start_proxy "$name" nginx-https.conf "$2" "$3" "${4:-}" "${5:-}"
}

# s_client_tls1 NAME PORT EXPECT : `openssl s_client -tls1` against PORT;
# EXPECT ok: the handshake must succeed with TLS 1.0; refused: it must fail.
s_client_tls1() {
    local name="$1" port="$2" expect="$3" out="$work/s_client.out" rc=0 protocol cipher
    timeout "$CASE_TIMEOUT" openssl s_client -connect "127.0.0.1:$port" -tls1 \
        -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >"$out" 2>&1 || rc=$?
    protocol="$(sed -n 's/^ *Protocol *: *//p' "$out" | head -n 1)"
    cipher="$(sed -n 's/^ *Cipher *: *//p' "$out" | head -n 1)"
    if [ "$expect" = ok ] && [ "$rc" -eq 0 ] && [ "$protocol" = TLSv1 ] && [ -n "$cipher" ] \
        && [ "$cipher" != 0000 ]; then
        pass "$name (protocol $protocol, cipher $cipher)"
    elif [ "$expect" = refused ] && [ "$rc" -ne 0 ] && { [ -z "$cipher" ] || [ "$cipher" = 0000 ]; }; then
        pass "$name (s_client: $(grep -o 'alert [a-z ]*[a-z]' "$out" | head -n 1 || true), exit $rc)"
    else
        fail "$name" "expected the TLS 1.0 handshake $expect; exit $rc, protocol '$protocol', cipher '$cipher'"
        grep -v '^ *$' "$out" | head -n 30 | indent
        show_logs
    fi
}

# tls_case NAME VERSION PORT : tls_client.py over TLS VERSION through PORT
# must complete the handshake, get Location wss://127.0.0.1:PORT/demo and its
# echo. Skipped, loudly, when this Python cannot offer that version at all
# (exit 4). Returns 1 when skipped.
tls_case() {
    local name="$1" v="$2" port="$3" out="$work/case.out" err="$work/case.err" rc=0 expected
    timeout "$CASE_TIMEOUT" python3 "$here/tls_client.py" --tls "$v" 127.0.0.1 "$port" /demo hello \
        >"$out" 2>"$err" </dev/null || rc=$?
    if [ "$rc" -eq 4 ]; then
        skip "$name" "$(cat "$err")"
        loud "$name: NOT tested: $(cat "$err")"
        return 1
    fi
    expected="tls TLSv$v"$'\n'"location wss://127.0.0.1:$port/demo"$'\n< hello\nclosed'
    if [ "$rc" -eq 0 ] && [ "$(cat "$out")" == "$expected" ]; then
        pass "$name"
        return 0
    fi
    fail "$name" "exit $rc"
    printf '        expected stdout:\n'; printf '%s\n' "$expected" | indent
    printf '        actual stdout:\n'; cat -v "$out" | indent
    printf '        stderr:\n'; indent "$err"
    show_logs
    return 0
}

echo "== nginx ending TLS (nginx-https.conf), $(openssl version), servers started with --secure"
start_pair secure_server --secure
T1="$PAIR1" T2="$PAIR2" SECURE_SERVER_LOGS=("${PAIR_LOGS[@]}")
label="nginx-https -> server --secure"
if ! openssl s_client -help 2>&1 | grep -q -- '^ *-tls1 '; then
    skip "$label" "this openssl has no -tls1: TLS 1.0 is NOT tested"
    loud "$label: $(openssl version) has no s_client -tls1: TLS 1.0 NOT tested"
elif [ -z "$T1" ]; then
    fail "$label" "the servers did not start with --secure"
elif tls_proxy "$(slug "$label")" "$T1" "$T2"; then
    LOGS=("$PROXY_LOG" "${SECURE_SERVER_LOGS[@]}")
    SERVER_LOGS=("${SECURE_SERVER_LOGS[@]}")
    m1="$(log_mark "${SERVER_LOGS[0]}")" m2="$(log_mark "${SERVER_LOGS[1]}")"
    s_client_tls1 "$label: openssl s_client -tls1 completes a TLS 1.0 handshake" "$PROXY_PORT" ok
    tls_clients=0
    for v in 1 1.1 1.2; do
        tls_case "$label: hixie-76 over TLS $v (tls_client.py): Location wss://, echo, close" \
            "$v" "$PROXY_PORT" && tls_clients=$((tls_clients + 1))
    done
    PROBE_PORTS=() PROBE_PROBLEMS=""
    served_check "$label: both servers served the $tls_clients TLS clients" none "$m1" "$m2" "$tls_clients"
    SERVER_LOGS=("${PLAIN_SERVER_LOGS[@]}")
else
    fail "$label" "the proxy did not start"
fi

# Without --secure the server answers ws:// behind TLS: the draft makes the
# client refuse a Location other than the URL it opened.
label="nginx-https -> server without --secure"
if [ -z "$S1" ] || [ -z "$S2" ]; then fail "$label" "the servers did not start"
elif tls_proxy "$(slug "$label")" "$S1" "$S2"; then
    LOGS=("$PROXY_LOG" "${PLAIN_SERVER_LOGS[@]}")
    expect_refusal "$label: the ws:// Location is refused by the client" \
        python3 "$here/tls_client.py" --tls 1.2 127.0.0.1 "$PROXY_PORT" /demo hello
else
    fail "$label" "the proxy did not start"
fi

# Without @SECLEVEL=0, OpenSSL 3 (through nginx) refuses TLS 1.0 even though
# ssl_protocols names it; TLS 1.2 still works.
label="nginx-https without @SECLEVEL=0"
if [ -z "$T1" ]; then fail "$label" "the servers did not start with --secure"
elif tls_proxy "$(slug "$label")" "$T1" "$T2" \
        's/ssl_ciphers DEFAULT:@SECLEVEL=0;/ssl_ciphers DEFAULT;/' '^ *ssl_ciphers DEFAULT;'; then
    LOGS=("$PROXY_LOG" "${SECURE_SERVER_LOGS[@]}")
    s_client_tls1 "$label: the TLS 1.0 handshake is refused" "$PROXY_PORT" refused
    tls_case "$label: hixie-76 over TLS 1.2 still works" 1.2 "$PROXY_PORT" || true
else
    fail "$label" "the proxy did not start"
fi

SERVER_LOGS=("${PLAIN_SERVER_LOGS[@]}")

# HAProxy's HTTP mode judges the request head itself. A request carrying
# "Connection: Upgrade" and "Upgrade: websocket" (any case) is taken for an
# RFC 6455 handshake, which must have a Sec-WebSocket-Key; a draft-76 head
# has Key1/Key2 instead, so HAProxy answers its own 400 and closes, whether
# key3 follows or not, before choosing a server. A request with a body
# (Content-Length: 8, as Protocol::WebSocket sends) is never upgraded:
# HAProxy drops its Upgrade field and forwards it as a plain request, which a
# hixie-76 server must refuse. HAProxy 3.2 and later can waive the missing key
# with "option accept-unsafe-violations-in-http-request"; 2.6 cannot. When a
# HAProxy version lets the draft-76 head through, the refusal cases below fail
# and the deployment notes need revisiting.
echo "== HAProxy $HAPROXY_VERSION, HTTP mode (haproxy-http.cfg): does not carry hixie-76"
hc1="$work/haproxy-http.cap1" hc2="$work/haproxy-http.cap2"
mkdir -p "$hc1" "$hc2"
label="haproxy-http (HAProxy $HAPROXY_VERSION)"
if start_server haproxy-http.cap1 perl "$here/capture_server.pl" "$hc1" && hp1="$PORT" \
    && start_server haproxy-http.cap2 perl "$here/capture_server.pl" "$hc2" && hp2="$PORT" \
    && start_proxy haproxy-http-capture haproxy-http.cfg "$hp1" "$hp2"; then
    LOGS=("$PROXY_LOG")
    # refused_by_haproxy NAME EXTRA_HEADER_LINES KEY3
    refused_by_haproxy() {
        local name="$1" answer="$work/answer.bin" rc=0
        draft76_request "$PROXY_PORT" "$2" "$3" \
            | timeout "$CASE_TIMEOUT" perl "$here/exchange.pl" 127.0.0.1 "$PROXY_PORT" 3 >"$answer" 2>"$work/case.err" || rc=$?
        sleep 0.2
        local n=$(( $(count_captures "$hc1") + $(count_captures "$hc2") ))
        if [ "$rc" -eq 0 ] && head -n 1 "$answer" | grep -q '^HTTP/1\.[01] 400 ' && [ "$n" -eq 0 ]; then
            pass "$name"
        else
            fail "$name" "expected HAProxy's own 400 and the connection closed, no server contacted; got exit $rc, $n server connection(s)"
            printf '        stderr:\n'; indent "$work/case.err"
            show_logs
        fi
        note "HAProxy answered (cat -v):"; show_bytes "$answer"
    }
    refused_by_haproxy "$label: refuses a draft-76 request with its own 400, no server contacted" "" "$KEY3"
    # The head alone draws it too: the 8 bytes after it are not the trigger.
    refused_by_haproxy "$label: the head alone (no key3 sent) draws the same 400" "" ""
    note "HAProxy's log for these (no server, <BADREQ>):"
    grep -F '<BADREQ>' "$PROXY_LOG" | indent || true

    # With Content-Length: 8 the request has a body; HAProxy upgrades only
    # bodyless requests, so it drops Upgrade and forwards the rest.
    name="$label: with Content-Length: 8 forwards the request without Upgrade"
    answer="$work/answer.bin" rc=0
    draft76_request "$PROXY_PORT" $'Content-Length: 8\r\n' "$KEY3" \
        | timeout "$CASE_TIMEOUT" perl "$here/exchange.pl" 127.0.0.1 "$PROXY_PORT" 5 >"$answer" 2>"$work/case.err" || rc=$?
    forwarded=""
    wait_captures "$hc1" 1 && forwarded="$hc1/conn-1.bin"
    [ -z "$forwarded" ] && wait_captures "$hc2" 1 && forwarded="$hc2/conn-1.bin"
    if [ -z "$forwarded" ]; then
        fail "$name" "no server received a connection (exit $rc)"
        note "HAProxy answered (cat -v):"; show_bytes "$answer"
        show_logs
    else
        if ! grep -qi '^upgrade:' "$forwarded" && grep -qi '^connection: *upgrade' "$forwarded" \
            && grep -qi '^content-length: *8' "$forwarded" && [ "$(tail -c 8 "$forwarded")" = "$KEY3" ]; then
            pass "$name"
        else
            fail "$name" "the forwarded request is not the one expected (no Upgrade, Connection: Upgrade, Content-Length: 8, key3 last)"
        fi
        note "the server received (cat -v):"; show_bytes "$forwarded"
        note "and the client, once the server closed without answering (cat -v):"; show_bytes "$answer"
    fi
else
    fail "$label" "the capture servers or HAProxy did not start"
fi

# Real clients and servers behind HAProxy in HTTP mode: refused either way.
label="haproxy-http (HAProxy $HAPROXY_VERSION) -> server"
if [ -z "$S1" ] || [ -z "$S2" ]; then fail "$label" "the servers did not start"
elif start_proxy haproxy-http haproxy-http.cfg "$S1" "$S2"; then
    LOGS=("$PROXY_LOG" "${SERVER_LOGS[@]}")
    expect_refusal "$label: client refused" \
        "$CLIENT" "ws://127.0.0.1:$PROXY_PORT/echo" --origin "$ORIGIN" --send hello
    expect_refusal "$label: perl_client.pl (Content-Length: 8) refused" \
        perl "$interop/perl_client.pl" 127.0.0.1 "$PROXY_PORT" /echo "$ORIGIN" hello
    # RFC 6455 is what HAProxy's HTTP mode does carry.
    rfc6455_client "$label" "$PROXY_PORT"
else
    fail "$label" "the proxy did not start"
fi

echo
if [ "$failed" -gt 0 ]; then
    printf 'failed cases:\n'; printf '  %s\n' "${failures[@]}"
fi
if [ "${#louds[@]}" -gt 0 ]; then
    printf '!!!!!! NOT TESTED:\n'; printf '!!!!!!   %s\n' "${louds[@]}"
fi
if [ "$skipped" -gt 0 ]; then
    echo "NOTE: $skipped case(s) skipped: see the SKIP lines above for why"
fi
echo "deploy: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
