#!/usr/bin/env bash
# Installs the reverse proxies that tests/deploy/run.sh puts in front of a
# hixie-76 server, from Debian's packages:
#   - nginx (HTTP proxy) and libnginx-mod-stream (its TCP "stream" module)
#   - haproxy
# Idempotent: what is already installed is left alone. Needs root for apt.
#
# Installing these packages normally starts their system services on port 80
# (nginx) or with the packaged configuration (haproxy). The tests start their
# own instances on free loopback ports instead, so the install runs under a
# policy-rc.d that forbids every service start (exit 101), and whatever did
# start anyway is stopped afterwards. A policy-rc.d that was already there is
# put back as it was.
#
# usage: install.sh [--rfc6455-client]
#   --rfc6455-client  also installs the npm package ws (WS_VERSION) into
#                     tests/deploy/node_modules (git-ignored) for
#                     rfc6455_client.js, the RFC 6455 peer that run.sh uses
#                     when DEPLOY_RFC6455=1.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WS_VERSION=8.23.0
rfc6455_client=0
for arg in "$@"; do
    case "$arg" in
        --rfc6455-client) rfc6455_client=1 ;;
        *) printf 'usage: install.sh [--rfc6455-client]\n' >&2; exit 2 ;;
    esac
done

PACKAGES=(nginx libnginx-mod-stream haproxy)
APT_TIMEOUT="${APT_TIMEOUT:-600}"
POLICY=/usr/sbin/policy-rc.d

say() { printf 'install: %s\n' "$*"; }
die() { printf 'install: ERROR: %s\n' "$*" >&2; exit 1; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
versions() {
    local p
    for p in "${PACKAGES[@]}"; do
        printf '  %-22s %s\n' "$p" "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo '(not installed)')"
    done
    printf '  nginx -v: %s\n' "$(nginx -v 2>&1)"
    printf '  haproxy -v: %s\n' "$(haproxy -v 2>&1 | head -n 1)"
}

missing=()
for p in "${PACKAGES[@]}"; do
    installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
    say "already installed: ${PACKAGES[*]}"
else
    [ "$(id -u)" -eq 0 ] || die "must run as root to install ${missing[*]}"
    command -v apt-get >/dev/null || die "apt-get not found; install ${missing[*]} by hand"
    export DEBIAN_FRONTEND=noninteractive

    # Forbid service starts during the install; restore the previous policy
    # (or none) on every way out of this script.
    backup=""
    if [ -e "$POLICY" ]; then
        backup="$(mktemp "${TMPDIR:-/tmp}/policy-rc.d.XXXXXX")"
        cp -p "$POLICY" "$backup"
    fi
    restore_policy() {
        if [ -n "$backup" ]; then
            cp -p "$backup" "$POLICY" && rm -f "$backup"
        else
            rm -f "$POLICY"
        fi
    }
    trap restore_policy EXIT
    printf '#!/bin/sh\n# tests/deploy/install.sh: no service starts during the install\nexit 101\n' >"$POLICY"
    chmod 755 "$POLICY"

    # Update the package lists only when apt knows no candidate for a package.
    need_update=0
    for p in "${missing[@]}"; do
        cand="$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')"
        if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then need_update=1; fi
    done
    if [ "$need_update" -eq 1 ]; then
        say "apt-get update"
        timeout "$APT_TIMEOUT" apt-get update -qq || die "apt-get update failed"
    fi
    say "installing ${missing[*]} with apt-get"
    timeout "$APT_TIMEOUT" apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" \
        || die "apt-get install ${missing[*]} failed"
    restore_policy
    trap - EXIT
    for p in "${PACKAGES[@]}"; do
        installed "$p" || die "$p is still not installed after apt-get install"
    done
fi

# Whatever started anyway (no policy-rc.d honoured, an earlier install) is
# stopped: the tests need no system instance, and nothing may hold port 80.
for svc in nginx haproxy; do
    if command -v service >/dev/null && service "$svc" status >/dev/null 2>&1; then
        say "stopping the system $svc service"
        timeout 30 service "$svc" stop >/dev/null 2>&1 || say "WARNING: 'service $svc stop' failed"
    fi
done
for pidfile in /run/nginx.pid /run/haproxy.pid; do
    if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        say "WARNING: a system instance is still running (pid $(cat "$pidfile") from $pidfile)"
    fi
done

command -v nginx >/dev/null || die "nginx not found on PATH after install"
command -v haproxy >/dev/null || die "haproxy not found on PATH after install"
modules="$(nginx -V 2>&1 | sed -n 's/.*--modules-path=\([^ ]*\).*/\1/p')"
[ -e "${modules:-/usr/lib/nginx/modules}/ngx_stream_module.so" ] \
    || die "ngx_stream_module.so not found in ${modules:-/usr/lib/nginx/modules}"

if [ "$rfc6455_client" -eq 1 ]; then
    command -v node >/dev/null || die "node not found (needed for rfc6455_client.js)"
    command -v npm >/dev/null || die "npm not found (needed to install ws)"
    installed_ws() {
        node -e 'try { process.stdout.write(require(process.argv[1]).version) } catch (e) {}' \
            "$here/node_modules/ws/package.json"
    }
    if [ "$(installed_ws)" = "$WS_VERSION" ]; then
        say "ws $WS_VERSION already installed"
    else
        say "installing ws@$WS_VERSION with npm"
        # --no-save: no package.json or lock file is written into the source tree.
        timeout "$APT_TIMEOUT" npm install --prefix "$here" --no-audit --no-fund --no-save \
            "ws@$WS_VERSION" || die "npm install ws@$WS_VERSION failed"
        [ "$(installed_ws)" = "$WS_VERSION" ] || die "ws $WS_VERSION not found after npm install"
    fi
fi

say "installed versions:"
versions
if [ "$rfc6455_client" -eq 1 ]; then
    printf '  ws (npm)               %s, node %s\n' "$(installed_ws)" "$(node --version)"
fi
