#!/usr/bin/env bash
# Time-outs and abuse against the demo servers, on loopback only: abuse.py
# (see its docstring for each case) with the open-files limit raised first,
# as far as the hard limit allows, since one case holds 1000 connections open
# at once and the servers it starts inherit the limit.
#
# usage: tests/load/run.sh [CASE...]     (CASE: silent slowloris flood idle;
#                                         default all; build the examples first:
#                                         cargo build --release --examples --all-features)
# Environment: EXAMPLES_DIR (default target/release/examples of this
# repository); SILENT_CONNECTIONS, FLOOD_REQUESTS, FLOOD_CONCURRENCY,
# RSS_BOUND_KIB as abuse.py describes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
EXAMPLES_DIR="${EXAMPLES_DIR:-$root/target/release/examples}"

hard="$(ulimit -Hn)"
want="$hard"
[ "$hard" = unlimited ] && want=65536
if ! ulimit -n "$want" 2>/dev/null; then
    echo "load: !!!!!! could not raise the open-files limit to $want; it stays $(ulimit -n)"
fi
echo "load: open-files limit $(ulimit -n) (hard $hard)"
command -v python3 >/dev/null || { echo "load: python3 not found" >&2; exit 2; }
exec python3 "$here/abuse.py" --examples "$EXAMPLES_DIR" "$@"
