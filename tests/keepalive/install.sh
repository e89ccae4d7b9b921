#!/usr/bin/env bash
# Installs the hixie-76 client libraries that the keep-alive survey drives
# (run.sh), and the stand-in server's library:
#   - Perl Protocol::WebSocket 0.26   Debian libprotocol-websocket-perl
#   - the Ruby websocket gem 1.2.9    Debian ruby-websocket (and ruby, which
#                                     that package does not pull in)
#   - Netty 4.1                       Debian libnetty-java; the driver is
#                                     compiled here with javac into build/
#   - websocket-client 1.0.0          npm, into node_modules/ here
# Node and a JDK are expected on the machine; Debian's nodejs/npm and
# openjdk-17-jdk-headless are installed when they are missing.
#
# Idempotent: what is already there is left alone. Needs root for apt-get
# (only when a Debian package is missing). Non-interactive; every download
# has a time limit; any failure stops the script with a message and exit 1.
# Everything it writes in this folder is git-ignored.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NPM_PACKAGE=websocket-client
NPM_VERSION=1.0.0
NETTY_JARS=(common buffer transport resolver codec codec-http handler)

say() { printf 'keepalive install: %s\n' "$*"; }
die() { printf 'keepalive install: ERROR: %s\n' "$*" >&2; exit 1; }

# --- Debian packages ------------------------------------------------------
want=(libprotocol-websocket-perl ruby ruby-websocket libnetty-java)
command -v node >/dev/null || want+=(nodejs)
command -v npm >/dev/null || want+=(npm)
command -v javac >/dev/null || want+=(openjdk-17-jdk-headless)
missing=()
for pkg in "${want[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
if [ "${#missing[@]}" -eq 0 ]; then
    say "Debian packages already installed: ${want[*]}"
else
    command -v apt-get >/dev/null || die "apt-get not found; install ${missing[*]} by hand"
    [ "$(id -u)" -eq 0 ] || die "root is needed to apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    say "apt-get update"
    timeout 600 apt-get update -qq || die "apt-get update failed or timed out"
    say "apt-get install ${missing[*]}"
    timeout 900 apt-get install -y -qq --no-install-recommends "${missing[@]}" \
        || die "apt-get install ${missing[*]} failed or timed out"
fi
perl -MProtocol::WebSocket -e 1 || die "Protocol::WebSocket is not loadable after the install"
ruby -e 'require "websocket"' || die "the Ruby websocket gem is not loadable after the install"
for jar in "${NETTY_JARS[@]}"; do
    [ -f "/usr/share/java/netty-$jar.jar" ] || die "/usr/share/java/netty-$jar.jar missing after the install"
done

# --- npm: websocket-client ------------------------------------------------
command -v node >/dev/null || die "node not found"
command -v npm >/dev/null || die "npm not found"
installed_npm() {
    node -e 'try { process.stdout.write(require(process.argv[1]).version) } catch (e) {}' \
        "$here/node_modules/$NPM_PACKAGE/package.json"
}
if [ "$(installed_npm)" = "$NPM_VERSION" ]; then
    say "$NPM_PACKAGE $NPM_VERSION already installed"
else
    say "npm install $NPM_PACKAGE@$NPM_VERSION"
    # --no-save: no package.json or lock file is written.
    timeout 600 npm install --prefix "$here" --no-save --no-audit --no-fund \
        "$NPM_PACKAGE@$NPM_VERSION" || die "npm install $NPM_PACKAGE@$NPM_VERSION failed or timed out"
    [ "$(installed_npm)" = "$NPM_VERSION" ] || die "$NPM_PACKAGE $NPM_VERSION not found after npm install"
fi

# --- Netty driver ----------------------------------------------------------
classpath=""
for jar in "${NETTY_JARS[@]}"; do classpath+="${classpath:+:}/usr/share/java/netty-$jar.jar"; done
src="$here/clients/NettyClient.java"
out="$here/build/java"
if [ -f "$out/NettyClient.class" ] && [ "$out/NettyClient.class" -nt "$src" ] \
    && [ "$(cat "$here/build/netty.classpath" 2>/dev/null)" = "$classpath" ]; then
    say "Netty driver already compiled"
else
    say "javac NettyClient.java"
    rm -rf "$out"
    mkdir -p "$out"
    timeout 300 javac -Xlint:all -Werror -d "$out" -cp "$classpath" "$src" \
        || die "javac NettyClient.java failed"
    printf '%s\n' "$classpath" >"$here/build/netty.classpath"
fi

say "ready: Protocol::WebSocket $(perl -MProtocol::WebSocket -e 'print $Protocol::WebSocket::VERSION')," \
    "ruby-websocket $(dpkg-query -W -f='${Version}' ruby-websocket)," \
    "libnetty-java $(dpkg-query -W -f='${Version}' libnetty-java)," \
    "$NPM_PACKAGE $(installed_npm) on node $(node --version), $(javac -version 2>&1)"
