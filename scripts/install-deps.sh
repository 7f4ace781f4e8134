#!/bin/sh
# Installs the Debian packages vigil needs to build and test.
# Idempotent: packages already present are not reinstalled, and apt's
# index is refreshed only when something is missing.
set -eu

# debhelper, dpkg-dev: tests/integration/t_deb.sh builds the package; man-db,
# groff: t_man.sh renders the man pages with warnings on.
# erlang-snmp: only for the IETF base MIB modules (SNMPv2-SMI, INET-ADDRESS-MIB...)
# it ships, which the MIB compilers need for mib/VIGIL-MIB.txt (Debian's own
# copies are non-free); python3-pysmi: one of those compilers.
PKGS="
autoconf automake autoconf-archive libtool pkgconf make gcc clang
libclang-rt-14-dev
libsnmp-dev
libnl-3-dev libnl-route-3-dev libnl-genl-3-dev
libsqlite3-dev libmicrohttpd-dev libjansson-dev libgnutls28-dev libcurl4-gnutls-dev
libcmocka-dev
iproute2 procps psmisc
python3 iputils-arping tcpdump keepalived openssl curl
snmpd snmp snmptrapd smitools monitoring-plugins-standard python3-pysmi erlang-snmp
qemu-system-x86 busybox-static ipvsadm cpio kmod
chromium python3-yaml python3-jsonschema wrk nftables
debhelper dpkg-dev man-db groff util-linux
"
# The browser test drives Debian's chromium with playwright-core (from npm,
# tests/browser/package.json): node and npm come from Debian unless a node
# is already installed (NodeSource's carries its own npm).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    PKGS="$PKGS nodejs npm"
fi

missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in
        *" installed") ;;
        *) missing="$missing $p" ;;
    esac
done

if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages:$missing" >&2
    echo "install-deps: run as root, or: sudo apt-get install$missing" >&2
    exit 1
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# keepalived is installed as a test peer only: keep its service from
# starting (policy-rc.d 101 = action forbidden), restore the policy after.
policy=/usr/sbin/policy-rc.d
saved=""
if [ -e "$policy" ]; then saved=$(mktemp); cp -p "$policy" "$saved"; fi
printf '#!/bin/sh\nexit 101\n' >"$policy"
chmod 755 "$policy"
restore() { if [ -n "$saved" ]; then mv "$saved" "$policy"; else rm -f "$policy"; fi; }
trap restore EXIT
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
