#!/bin/bash
#
# t_deb.sh - the Debian package, built and used as an administrator would.
#   1. dpkg-buildpackage -us -uc -b builds vigil_*.deb from a copy of the
#      source tree (debian/);
#   2. it holds the programs, the unit, the man pages, VIGIL-MIB, the schema
#      and the example /etc/vigil/vigil.conf (a conffile);
#   3. dpkg -i installs it into a throw-away root: this machine's root under
#      a tmpfs overlay, in a private mount and network namespace (nothing of
#      it reaches the machine); postinst makes the user mgmt runs as;
#   4. vigild runs as the unit runs it (systemd is not PID 1 here): the
#      ExecStartPre and ExecStart lines of the installed vigil.service with
#      /etc/default/vigil's DAEMON_ARGS, the directories systemd would make,
#      no capabilities beyond CapabilityBoundingSet, and a notify socket;
#   5. vigilctl reports the instance; ExecReload reloads; SIGTERM stops;
#   6. dpkg -r removes the programs and keeps the edited configuration.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_root
for c in dpkg-buildpackage dh unshare nsenter setpriv python3 systemd-analyze; do
	command -v $c >/dev/null 2>&1 || skip_all "$c is not installed (scripts/install-deps.sh installs it)"
done
[[ -d $VIGIL_SRCDIR/debian ]] || skip_all "no debian/ in $VIGIL_SRCDIR"

LAB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vigil-deb.XXXXXX") || bail_out "mktemp failed"
chmod 0755 "$LAB_TMP"
HOLDER=
cleanup() {
	if [[ -n $HOLDER ]]; then
		# every process of the throw-away namespaces, then the holder: the
		# overlay and its tmpfs go with the last of them
		local p
		for p in $(ps -e -o pid=); do
			[[ $p == "$HOLDER" ]] && continue
			[[ $(readlink /proc/$p/ns/mnt 2>/dev/null) == "$HOLDER_NS" ]] && kill -9 "$p" 2>/dev/null
		done
		kill -9 "$HOLDER" 2>/dev/null
		wait "$HOLDER" 2>/dev/null
	fi
	if [[ -n ${VIGIL_KEEP_LAB:-} ]]; then
		echo "# kept $LAB_TMP"
	else
		rm -rf -- "$LAB_TMP"
	fi
}
trap cleanup EXIT

tap_plan 15

# --- 1. build ------------------------------------------------------------------
src=$LAB_TMP/build/vigil
mkdir -p "$src"
# the tree as committed (plus what is being worked on), not build output
(cd "$VIGIL_SRCDIR" && tar -cf - --exclude=./_build --exclude=./test-output --exclude=./.git \
	--exclude=node_modules --exclude=./autom4te.cache --exclude='./vigil-*.tar.gz' .) |
	tar -xf - -C "$src"
build_deb() {
	# niced: the timing tests running beside it keep their CPU
	(cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" nice -n 19 dpkg-buildpackage -us -uc -b) \
		>"$LAB_TMP/build.log" 2>&1 || { diag "$(tail -30 "$LAB_TMP/build.log")"; return 1; }
}
if [[ -n ${VIGIL_DEB:-} ]]; then
	# developing this test: VIGIL_DEB=path/to/vigil_*.deb skips the build
	cp "$VIGIL_DEB" "$LAB_TMP/build/"
	skip "dpkg-buildpackage -us -uc -b builds the package" "VIGIL_DEB=$VIGIL_DEB given"
else
	check "dpkg-buildpackage -us -uc -b builds the package" build_deb
fi
deb=$(ls "$LAB_TMP"/build/vigil_*.deb 2>/dev/null | head -1)
[[ -f $deb ]] || bail_out "no .deb in $LAB_TMP/build (see the build log above)"
diag "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

# --- 2. contents -----------------------------------------------------------------
contents() {
	local f missing=
	dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$LAB_TMP/contents"
	for f in /usr/sbin/vigild /usr/bin/vigilctl /lib/systemd/system/vigil.service \
		/usr/share/man/man8/vigild.8.gz /usr/share/man/man5/vigil.conf.5.gz \
		/usr/share/man/man1/vigilctl.1.gz /usr/share/snmp/mibs/VIGIL-MIB.txt \
		/usr/share/vigil/schema/001_init.sql /etc/vigil/vigil.conf /etc/default/vigil \
		/usr/share/doc/vigil/migration.md /usr/share/doc/vigil/examples/vigil.conf; do
		# dh_compress gzips the larger documents
		grep -qx -e "$f" -e "$f.gz" "$LAB_TMP/contents" || missing+=" $f"
	done
	[[ -z $missing ]] || { diag "missing:$missing"; return 1; }
}
check "it holds vigild, vigilctl, the unit, three man pages, VIGIL-MIB, the schema, the example config" contents
conffiles() {
	dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles 2>/dev/null | sort >"$LAB_TMP/conffiles"
	grep -qx /etc/vigil/vigil.conf "$LAB_TMP/conffiles" && grep -qx /etc/default/vigil "$LAB_TMP/conffiles" ||
		{ diag "conffiles: $(tr '\n' ' ' <"$LAB_TMP/conffiles")"; return 1; }
}
check "/etc/vigil/vigil.conf and /etc/default/vigil are conffiles (upgrades keep edits)" conffiles

# --- 3. install into a throw-away root -------------------------------------------
root=$LAB_TMP/root
mkdir -p "$root"
unshare --mount --net --propagation private sleep 1d &
HOLDER=$!
wait_for 5 test -e /proc/$HOLDER/ns/mnt
sleep 0.2
HOLDER_NS=$(readlink /proc/$HOLDER/ns/mnt)
in_ns() { nsenter -t "$HOLDER" -m -n "$@"; }
in_root() { nsenter -t "$HOLDER" -m -n chroot "$root" "$@"; }
setup_root() {
	in_ns sh -e -c "
		mount -t tmpfs -o mode=0755 vigil-deb '$LAB_TMP/root'
		mkdir -p '$LAB_TMP/root/upper' '$LAB_TMP/root/work' '$LAB_TMP/root/merged'
		mount -t overlay overlay -o lowerdir=/,upperdir='$LAB_TMP/root/upper',workdir='$LAB_TMP/root/work' '$LAB_TMP/root/merged'
		mount --bind '$LAB_TMP/root/merged' '$LAB_TMP/root'
		mount --rbind /dev '$LAB_TMP/root/dev'
		mount -t proc proc '$LAB_TMP/root/proc'
		mount -t sysfs sysfs '$LAB_TMP/root/sys'
		mount -t tmpfs tmpfs '$LAB_TMP/root/run'
		mount -t tmpfs tmpfs '$LAB_TMP/root/tmp'
		ip link set lo up
		ip link add eth0 type veth peer name eth1
		ip link set eth1 up
		ip link set eth0 up
		ip addr add 192.0.2.11/24 dev eth0
	" 2>&1
}
out=$(setup_root) || bail_out "cannot set up the throw-away root: $out"
clean_before() { ! in_root dpkg-query -W vigil >/dev/null 2>&1 && ! in_root test -e /usr/sbin/vigild; }
check "the throw-away root has no vigil before (and the machine's root is untouched)" clean_before
# the overlay is seen only from inside the namespace: files go through it
in_ns cp "$deb" "$root/tmp/"
install_deb() {
	in_root env DEBIAN_FRONTEND=noninteractive dpkg -i "/tmp/$(basename "$deb")" >"$LAB_TMP/dpkg.log" 2>&1 ||
		{ diag_file "$LAB_TMP/dpkg.log"; return 1; }
}
check "dpkg -i installs it" install_deb
user_made() { in_root getent passwd vigil >/dev/null; }
check "postinst made the user vigil (mgmt's)" user_made
not_started() { ! in_ns pgrep -x vigild >/dev/null; }
check "installing neither starts vigild (it would stop keepalived on a live node)" not_started

verify_unit() {
	local out
	command -v systemd-analyze >/dev/null || { diag "no systemd-analyze"; return 1; }
	out=$(in_root systemd-analyze verify /lib/systemd/system/vigil.service 2>&1)
	[[ -z $out ]] || { diag "$out"; return 1; }
}
check "systemd-analyze verify: the installed unit is sound (its programs and man pages exist)" verify_unit

# --- 4. run it as the unit does --------------------------------------------------
unit_value() { in_root sed -n "s/^$1=//p" /lib/systemd/system/vigil.service; }
caps=$(unit_value CapabilityBoundingSet | tr ' ' '\n' | sed 's/^CAP_//' | tr 'A-Z' 'a-z' | sed 's/^/+/' | paste -sd,)
in_root sh -c 'cat >/etc/vigil/vigil.conf' <<'CONF'
global_defs {
    router_id deb-test
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
    }
}
CONF
# DAEMON_ARGS: log where the test can read it; the rest as shipped
in_root sed -i 's|^DAEMON_ARGS=.*|DAEMON_ARGS="-l"|' /etc/default/vigil
in_root cat /etc/default/vigil >"$LAB_TMP/default"
# as systemd: the EnvironmentFile, RuntimeDirectory, StateDirectory, the
# bounding set, the notify socket; $DAEMON_ARGS split into words
unit_cmd() {
	local line
	line=$(unit_value "$1" | grep -v kill | head -1)
	# shellcheck disable=SC1090,SC2086
	(. "$LAB_TMP/default"; eval "echo ${line//\$DAEMON_ARGS/\$DAEMON_ARGS}")
}
start_cmd=$(unit_cmd ExecStart)
pre_cmd=$(unit_cmd ExecStartPre)
diag "ExecStart: $start_cmd (bounding set: $caps)"
in_root mkdir -p /run/vigil /var/lib/vigil
pre_ok() {
	# shellcheck disable=SC2086
	in_root setpriv --bounding-set=-all,$caps $pre_cmd >"$LAB_TMP/pre.log" 2>&1 ||
		{ diag_file "$LAB_TMP/pre.log"; return 1; }
}
check "ExecStartPre (the configuration test) passes" pre_ok
msgs=$LAB_TMP/notify.jsonl
in_ns cp "$VIGIL_SRCDIR/tests/integration/notify_listen.py" "$root/tmp/"
in_root python3 /tmp/notify_listen.py /run/notify.sock /tmp/notify.jsonl &
disown
wait_for 5 in_root test -e /tmp/notify.jsonl.bound
# shellcheck disable=SC2086
in_root env NOTIFY_SOCKET=/run/notify.sock setpriv --bounding-set=-all,$caps $start_cmd \
	>"$LAB_TMP/vigild.log" 2>&1 &
msg_has() { in_root grep -q "\"$1\": \"1\"" /tmp/notify.jsonl 2>/dev/null; }
ready() {
	wait_for 15 msg_has READY || { diag "notify messages: $(in_root cat /tmp/notify.jsonl 2>/dev/null)"; diag_file "$LAB_TMP/vigild.log"; return 1; }
}
check "vigild (ExecStart, only the unit's capabilities) tells the notify socket READY=1" ready
mainpid=$(in_root cat /run/vigil/vigild.pid 2>/dev/null)
mgmt_user() {
	local u want
	u=$(ps -o uid= -p "$(in_root cat /run/vigil/mgmt.pid)" 2>/dev/null | tr -d ' ')
	want=$(in_root id -u vigil)
	[[ -n $u && $u == "$want" ]] || { diag "mgmt runs as uid '$u', vigil is '$want'"; return 1; }
}
check "mgmt runs as vigil" mgmt_user

# --- 5. vigilctl, reload, stop ---------------------------------------------------
master() { in_root vigilctl instances 2>&1 | grep -Eq 'VI_1 .*MASTER'; }
ctl_ok() { wait_for 10 master || { diag "$(in_root vigilctl instances 2>&1)"; diag_file "$LAB_TMP/vigild.log"; return 1; }; }
check "vigilctl instances (the packaged defaults: pid file, database) shows VI_1 MASTER" ctl_ok
reload() {
	local line
	# ExecReload: the configuration test, then kill -HUP $MAINPID
	# shellcheck disable=SC2086
	in_root setpriv --bounding-set=-all,$caps $(unit_cmd ExecReload) >/dev/null 2>&1 &&
		kill -HUP "$mainpid" || return 1
	wait_for 10 grep -q 'reload 1 applied' "$LAB_TMP/vigild.log" ||
		{ diag_file "$LAB_TMP/vigild.log"; return 1; }
}
check "ExecReload: the configuration is checked, SIGHUP reloads it (reload 1 applied)" reload
stop() {
	kill -TERM "$mainpid"
	wait_for 15 msg_has STOPPING && wait_for 15 eval "! kill -0 $mainpid 2>/dev/null" ||
		{ diag_file "$LAB_TMP/vigild.log"; return 1; }
	! in_ns ip -o addr show dev eth0 | grep -q 192.0.2.100/ || { diag "the VIP is still there"; return 1; }
}
check "SIGTERM: STOPPING=1, vigild exits, the VIP is released" stop

# --- 6. remove -------------------------------------------------------------------
remove() {
	in_root dpkg -r vigil >"$LAB_TMP/dpkg-r.log" 2>&1 || { diag_file "$LAB_TMP/dpkg-r.log"; return 1; }
	! in_root test -e /usr/sbin/vigild || { diag "/usr/sbin/vigild is still there"; return 1; }
	in_root grep -q deb-test /etc/vigil/vigil.conf || { diag "the edited vigil.conf is gone"; return 1; }
}
check "dpkg -r removes the programs and keeps the edited /etc/vigil/vigil.conf" remove

tap_done
