#!/usr/bin/env bash
# Installs the independent hixie-76 peers that the interop tests talk to:
#   - Perl Protocol::WebSocket 0.26 (Debian package libprotocol-websocket-perl)
#   - websocket-driver 0.8.0 from npm, into tests/interop/node_modules
#     (git-ignored; node_server.js finds it there by Node's own lookup).
#   - ws 8.23.0 from npm, the same way: the RFC 6455 client (ws_client.js) and
#     the server that proves it (ws_server.js), for the one-port servers.
# Idempotent: whatever is already installed is left alone. Needs root for apt.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DRIVER_VERSION=0.8.0
WS_VERSION=8.23.0

say() { printf 'install-peers: %s\n' "$*"; }
die() { printf 'install-peers: ERROR: %s\n' "$*" >&2; exit 1; }

# --- Perl: Protocol::WebSocket -------------------------------------------
if perl -MProtocol::WebSocket -e 1 2>/dev/null; then
    say "Protocol::WebSocket $(perl -MProtocol::WebSocket -e 'print $Protocol::WebSocket::VERSION') already installed"
else
    command -v apt-get >/dev/null || die "apt-get not found; install Protocol::WebSocket 0.26 by hand"
    say "installing libprotocol-websocket-perl with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq || die "apt-get update failed"
    timeout 600 apt-get install -y -qq --no-install-recommends libprotocol-websocket-perl \
        || die "apt-get install libprotocol-websocket-perl failed"
    perl -MProtocol::WebSocket -e 1 || die "Protocol::WebSocket still not loadable after install"
fi
pws_version="$(perl -MProtocol::WebSocket -e 'print $Protocol::WebSocket::VERSION')"
[ "$pws_version" = "0.26" ] || say "WARNING: Protocol::WebSocket is $pws_version, the tests were written against 0.26"

# --- Node: websocket-driver and ws ---------------------------------------
command -v node >/dev/null || die "node not found"
command -v npm >/dev/null || die "npm not found"
installed() {
    node -e 'try { process.stdout.write(require(process.argv[1]).version) } catch (e) {}' \
        "$here/node_modules/$1/package.json"
}
if [ "$(installed websocket-driver)" = "$DRIVER_VERSION" ] && [ "$(installed ws)" = "$WS_VERSION" ]; then
    say "websocket-driver $DRIVER_VERSION and ws $WS_VERSION already installed"
else
    say "installing websocket-driver@$DRIVER_VERSION and ws@$WS_VERSION with npm"
    # One command for both: without a package.json, npm removes whatever a later
    # install does not name. --no-save: no package.json or lock file is written
    # into the source tree.
    timeout 600 npm install --prefix "$here" --no-audit --no-fund --no-save \
        "websocket-driver@$DRIVER_VERSION" "ws@$WS_VERSION" \
        || die "npm install websocket-driver@$DRIVER_VERSION ws@$WS_VERSION failed"
    [ "$(installed websocket-driver)" = "$DRIVER_VERSION" ] \
        || die "websocket-driver $DRIVER_VERSION not found after npm install"
    [ "$(installed ws)" = "$WS_VERSION" ] || die "ws $WS_VERSION not found after npm install"
fi

say "peers ready: Protocol::WebSocket $pws_version, websocket-driver $(installed websocket-driver), ws $(installed ws), node $(node --version)"
