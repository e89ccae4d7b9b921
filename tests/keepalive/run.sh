#!/usr/bin/env bash
# The keep-alive survey: which hixie-76 client libraries survive which
# keep-alive frame. Run install.sh first.
#
# usage: tests/keepalive/run.sh          (from anywhere)
#
# For each kind of keep-alive frame -- none (the control run), discard (80 00),
# sentinel (01 FF), empty (00 FF) -- a server is started on 127.0.0.1 port 0
# with `--keepalive SECS --keepalive-frame KIND` (no flags for the control),
# and every client driver in clients/ connects to it, waits for keep-alive
# frames, sends "hello" and reports what its application saw. Each outcome is
# one of:
#   survives                              the echo "hello" is the only message, no close
#   survives, sees empty message          ... plus empty text messages
#   survives, sees empty binary message   ... plus empty binary messages
#   closed                                the client took something for a close
#   corrupt message                       a text message other than "hello" or ""
#   error                                 the client reported an error
#   no echo                               none of these, and "hello" never came back
# A table client x kind is printed at the end, then each case's events.
#
# Exit status: 0 when every driver and server ran, whatever the outcomes; 1
# when a server did not start, a driver failed, timed out or printed nothing
# usable, or a client did not survive the control run (that would mean its
# driver, not the keep-alive frame, is wrong).
#
# Environment:
#   KEEPALIVE_SERVER    the server command, split on spaces; it is given
#                       `--keepalive SECS --keepalive-frame KIND` and must print
#                       "listening on 127.0.0.1:PORT" as its first stdout line
#                       (default: perl ka_server.pl, the stand-in here)
#   KEEPALIVE_INTERVAL  seconds between keep-alive frames (default 0.25)
#   WAIT_SECS           how long each client waits before sending (default 1.5)
#   LISTEN_SECS         how long it listens after sending (default 1.0)
#   CASE_TIMEOUT        seconds allowed for one client run (default 20)
#   CLIENTS             space-separated subset of the client names (default all)
#   KEEPALIVE_RESULTS   a file to write the outcomes to as well, one line per
#                       case: CLIENT<TAB>KIND<TAB>OUTCOME (ours.sh reads it)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
read -r -a SERVER <<<"${KEEPALIVE_SERVER:-perl $here/ka_server.pl}"
INTERVAL="${KEEPALIVE_INTERVAL:-0.25}"
WAIT_SECS="${WAIT_SECS:-1.5}"
LISTEN_SECS="${LISTEN_SECS:-1.0}"
CASE_TIMEOUT="${CASE_TIMEOUT:-20}"
ORIGIN="http://example.com"
RESOURCE="/keepalive"
KINDS=(none discard sentinel empty)
ALL_CLIENTS=(perl-protocol-websocket node-websocket-client ruby-websocket netty)

say() { printf 'keepalive: %s\n' "$*"; }
die() { printf 'keepalive: ERROR: %s\n' "$*" >&2; exit 1; }

[ "${#SERVER[@]}" -gt 0 ] || die "KEEPALIVE_SERVER is empty"
read -r -a CLIENT_NAMES <<<"${CLIENTS:-${ALL_CLIENTS[*]}}"
for name in "${CLIENT_NAMES[@]}"; do
    printf '%s\n' "${ALL_CLIENTS[@]}" | grep -qxF -- "$name" \
        || die "unknown client '$name' (known: ${ALL_CLIENTS[*]})"
done

# client_cmd NAME : sets CMD to the command line of that client's driver.
client_cmd() {
    case "$1" in
    perl-protocol-websocket) CMD=(perl "$here/clients/perl_protocol_websocket.pl") ;;
    node-websocket-client) CMD=(node "$here/clients/node_websocket_client.js") ;;
    ruby-websocket) CMD=(ruby "$here/clients/ruby_websocket.rb") ;;
    netty)
        [ -f "$here/build/netty.classpath" ] && [ -f "$here/build/java/NettyClient.class" ] \
            || die "the Netty driver is not compiled: run $here/install.sh"
        CMD=(java -cp "$here/build/java:$(cat "$here/build/netty.classpath")" NettyClient)
        ;;
    *) die "no command for client '$1'" ;;
    esac
}

[ -d "$here/node_modules/websocket-client" ] || die "websocket-client is not installed: run $here/install.sh"

work="$(mktemp -d "${TMPDIR:-/tmp}/hixie76-keepalive.XXXXXX")"
server_pid=""
stop_server() {
    if [ -n "$server_pid" ]; then
        # The server leads its own process group (setsid): stop it and the
        # per-connection children it forked.
        kill -TERM -- "-$server_pid" 2>/dev/null || kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
cleanup() {
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server KIND : starts the server for KIND and sets PORT from its first
# stdout line; dies (showing the server's stderr) if none comes within 10 s.
start_server() {
    local kind="$1" out="$work/server-$1.out" err="$work/server-$1.err" line="" i
    local flags=()
    [ "$kind" = none ] || flags=(--keepalive "$INTERVAL" --keepalive-frame "$kind")
    setsid "${SERVER[@]}" "${flags[@]}" >"$out" 2>"$err" </dev/null &
    server_pid=$!
    PORT=""
    for i in $(seq 1 100); do
        line="$(head -n 1 "$out" 2>/dev/null || true)"
        if [[ "$line" =~ ^listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]]; then
            PORT="${BASH_REMATCH[1]}"
            return 0
        fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    printf 'keepalive: ERROR: the server for %s did not report a loopback port; command: %s\n' \
        "$kind" "${SERVER[*]} ${flags[*]}" >&2
    printf '  first stdout line: %q\n  stderr:\n' "$line" >&2
    sed 's/^/    | /' "$err" >&2
    exit 1
}

# classify FILE : prints the outcome for a driver's event lines.
classify() {
    local line opened=0 hello=0 empty=0 empty_binary=0
    while IFS= read -r line; do
        case "$line" in
        open) opened=1 ;;
        "message hello") hello=1 ;;
        "message ") empty=1 ;;
        "binary ") empty_binary=1 ;;
        message\ * | binary\ *) echo "corrupt message"; return ;;
        close | close\ *) echo "closed"; return ;;
        error | error\ *) echo "error"; return ;;
        *) echo "unreadable: $line"; return ;;
        esac
    done <"$1"
    if [ "$opened" -eq 0 ]; then
        echo "unreadable: no open"
    elif [ "$hello" -eq 0 ]; then
        echo "no echo"
    elif [ "$empty" -eq 1 ]; then
        echo "survives, sees empty message"
    elif [ "$empty_binary" -eq 1 ]; then
        echo "survives, sees empty binary message"
    else
        echo "survives"
    fi
}

# summary FILE : the events on one line, empty messages shown as "", repeats
# folded ('message "" x6').
summary() {
    awk '
        function flush() { if (n) { out = out (out ? ", " : "") prev (n > 1 ? " x" n : ""); } }
        /^(message|binary) $/ { $0 = $0 "\"\"" }
        { if ($0 == prev && n) { n++ } else { flush(); prev = $0; n = 1 } }
        END { flush(); print (out == "" ? "(nothing)" : out) }
    ' "$1"
}

versions() {
    say "server: ${SERVER[*]} (keep-alive every ${INTERVAL}s; clients wait ${WAIT_SECS}s, then send hello and listen ${LISTEN_SECS}s)"
    say "clients: Protocol::WebSocket $(perl -MProtocol::WebSocket -e 'print $Protocol::WebSocket::VERSION' 2>/dev/null || echo '?')," \
        "websocket-client $(node -p 'require(process.argv[1]).version' "$here/node_modules/websocket-client/package.json" 2>/dev/null || echo '?') on node $(node --version)," \
        "ruby-websocket $(dpkg-query -W -f='${Version}' ruby-websocket 2>/dev/null || echo '?') on ruby $(ruby -e 'print RUBY_VERSION')," \
        "libnetty-java $(dpkg-query -W -f='${Version}' libnetty-java 2>/dev/null || echo '?') on java $(java -version 2>&1 | sed -n '1s/.*"\(.*\)".*/\1/p')"
}

declare -A OUTCOME DETAIL
failures=()
versions
for kind in "${KINDS[@]}"; do
    start_server "$kind"
    say "kind $kind: server on 127.0.0.1:$PORT"
    for name in "${CLIENT_NAMES[@]}"; do
        client_cmd "$name"
        out="$work/$name-$kind.out" err="$work/$name-$kind.err" rc=0
        timeout -k 2 "$CASE_TIMEOUT" "${CMD[@]}" "ws://127.0.0.1:$PORT$RESOURCE" "$ORIGIN" \
            "$WAIT_SECS" "$LISTEN_SECS" >"$out" 2>"$err" </dev/null || rc=$?
        outcome="$(classify "$out")"
        if [ "$rc" -ne 0 ]; then
            outcome="DRIVER FAILED (exit $rc$([ "$rc" -eq 124 ] && echo ', timed out'))"
        fi
        case "$outcome" in
        DRIVER* | unreadable*) failures+=("$name x $kind: $outcome") ;;
        esac
        if [ "$kind" = none ] && [ "$outcome" != survives ]; then
            failures+=("$name x control: '$outcome' instead of 'survives': its driver is not proven right")
        fi
        OUTCOME["$name/$kind"]="$outcome"
        DETAIL["$name/$kind"]="$(summary "$out")"
        if [ -s "$err" ]; then
            DETAIL["$name/$kind"]+=" [stderr: $(head -c 300 "$err" | tr '\n' ' ')]"
        fi
        printf '  %-24s %s\n' "$name" "$outcome"
    done
    stop_server
done

# --- the table -------------------------------------------------------------
header=(client "none (control)" "discard 80 00" "sentinel 01 FF" "empty 00 FF")
widths=()
for i in "${!header[@]}"; do widths[i]=${#header[i]}; done
for name in "${CLIENT_NAMES[@]}"; do
    [ "${#name}" -le "${widths[0]}" ] || widths[0]=${#name}
    for i in "${!KINDS[@]}"; do
        cell="${OUTCOME["$name/${KINDS[i]}"]}"
        [ "${#cell}" -le "${widths[i + 1]}" ] || widths[i + 1]=${#cell}
    done
done
row() {
    local i line="|"
    for i in "${!widths[@]}"; do line+="$(printf ' %-*s |' "${widths[i]}" "$1")"; shift; done
    printf '%s\n' "$line"
}
printf '\n'
row "${header[@]}"
rule=()
for i in "${!widths[@]}"; do rule+=("$(printf '%*s' "${widths[i]}" '' | tr ' ' '-')"); done
row "${rule[@]}"
for name in "${CLIENT_NAMES[@]}"; do
    cells=("$name")
    for kind in "${KINDS[@]}"; do cells+=("${OUTCOME["$name/$kind"]}"); done
    row "${cells[@]}"
done

if [ -n "${KEEPALIVE_RESULTS:-}" ]; then
    for name in "${CLIENT_NAMES[@]}"; do
        for kind in "${KINDS[@]}"; do
            printf '%s\t%s\t%s\n' "$name" "$kind" "${OUTCOME["$name/$kind"]}"
        done
    done >"$KEEPALIVE_RESULTS"
fi

printf '\nevents seen by each client:\n'
for name in "${CLIENT_NAMES[@]}"; do
    for kind in "${KINDS[@]}"; do
        printf '  %-24s %-9s %s\n' "$name" "$kind" "${DETAIL["$name/$kind"]}"
    done
done

if [ "${#failures[@]}" -gt 0 ]; then
    printf '\nkeepalive: %d problem(s) with the drivers or the server:\n' "${#failures[@]}" >&2
    printf '  %s\n' "${failures[@]}" >&2
    exit 1
fi
say "all drivers ran and every client survived the control run"
