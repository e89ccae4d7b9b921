#!/usr/bin/env bash
# The keep-alive survey (run.sh) against this crate's own demo servers, the
# tokio one (tokio_echo_server) and the blocking one (echo_server), each
# started with `--listen 127.0.0.1:0 --keepalive SECS --keepalive-frame KIND`
# (no keep-alive flags for the control run). Prints each run, then one table
# client x kind for both servers: a cell shows the outcome when both servers
# got the same, and both outcomes when they differ.
#
# usage: tests/keepalive/ours.sh     (run install.sh first, and build the
#                                     examples: cargo build --release --examples --all-features)
#
# Exit status: 0 when both runs ran every driver and every client survived
# the control run, whatever the outcomes of the keep-alive frames (a client
# that does not survive one is a finding, reported in the table); 1 when a
# run failed: a server or a driver did not run, or a control run failed.
#
# Environment:
#   EXAMPLES_DIR  where the built examples are (default: target/release/examples
#                 of this repository)
#   KEEPALIVE_INTERVAL, WAIT_SECS, LISTEN_SECS, CASE_TIMEOUT, CLIENTS: passed
#                 on to run.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
EXAMPLES_DIR="${EXAMPLES_DIR:-$root/target/release/examples}"
SERVERS=(tokio_echo_server echo_server)
KINDS=(none discard sentinel empty)

die() { printf 'keepalive (ours): ERROR: %s\n' "$*" >&2; exit 1; }

for server in "${SERVERS[@]}"; do
    [ -x "$EXAMPLES_DIR/$server" ] \
        || die "$EXAMPLES_DIR/$server not found: cargo build --release --examples --all-features"
done

work="$(mktemp -d "${TMPDIR:-/tmp}/hixie76-keepalive-ours.XXXXXX")"
trap 'rm -rf "$work"' EXIT

for server in "${SERVERS[@]}"; do
    printf '\n== keep-alive survey against %s\n' "$server"
    if ! KEEPALIVE_SERVER="$EXAMPLES_DIR/$server --listen 127.0.0.1:0" \
        KEEPALIVE_RESULTS="$work/$server.tsv" bash "$here/run.sh"; then
        die "the survey against $server failed: a server or driver did not run, or a control run failed (above)"
    fi
    [ -s "$work/$server.tsv" ] || die "the survey against $server wrote no results"
done

# --- the combined table -------------------------------------------------------
declare -A OUT
clients=()
for server in "${SERVERS[@]}"; do
    while IFS=$'\t' read -r client kind outcome; do
        OUT["$server/$client/$kind"]="$outcome"
        printf '%s\n' "${clients[@]}" | grep -qxF -- "$client" || clients+=("$client")
    done <"$work/$server.tsv"
done

cell() {
    local a="${OUT["${SERVERS[0]}/$1/$2"]:-?}" b="${OUT["${SERVERS[1]}/$1/$2"]:-?}"
    if [ "$a" = "$b" ]; then printf '%s' "$a"; else printf 'tokio: %s; blocking: %s' "$a" "$b"; fi
}

header=(client "none (control)" "discard \`80 00\`" "sentinel \`01 FF\`" "empty \`00 FF\`")
widths=()
for i in "${!header[@]}"; do widths[i]=${#header[i]}; done
for client in "${clients[@]}"; do
    [ "${#client}" -le "${widths[0]}" ] || widths[0]=${#client}
    for i in "${!KINDS[@]}"; do
        c="$(cell "$client" "${KINDS[i]}")"
        [ "${#c}" -le "${widths[i + 1]}" ] || widths[i + 1]=${#c}
    done
done
row() {
    local i line="|"
    for i in "${!widths[@]}"; do line+="$(printf ' %-*s |' "${widths[i]}" "$1")"; shift; done
    printf '%s\n' "$line"
}
printf '\n== keep-alive frames sent by this crate'"'"'s servers (%s and %s agree unless a cell says otherwise)\n\n' \
    "${SERVERS[0]}" "${SERVERS[1]}"
row "${header[@]}"
rule=()
for i in "${!widths[@]}"; do rule+=("$(printf '%*s' "${widths[i]}" '' | tr ' ' '-')"); done
row "${rule[@]}"
survive=() lost=()
for client in "${clients[@]}"; do
    cells=("$client")
    for kind in "${KINDS[@]}"; do
        c="$(cell "$client" "$kind")"
        cells+=("$c")
        [ "$kind" = none ] && continue
        case "$c" in
            survives*) survive+=("$client x $kind") ;;
            *) lost+=("$client x $kind") ;;
        esac
    done
    row "${cells[@]}"
done
printf '\nkeep-alive kinds survived by every client: '
for kind in discard sentinel empty; do
    if ! printf '%s\n' "${lost[@]}" | grep -q " x $kind\$"; then printf '%s ' "$kind"; fi
done
printf '\nclient x kind cases survived: %d, not survived: %d\n' "${#survive[@]}" "${#lost[@]}"
printf 'keepalive (ours): both servers ran every driver; every client survived the control run\n'
