#!/bin/bash
#
# guest/smoke.sh - runs inside the VM (tests/vm/run.sh guest/smoke.sh ...):
# checks that the VM gives the IPVS tests what they need. One line per
# check: "PASS ID: what", "FAIL ID: what" (followed by indented details) or
# "SKIP ID: why"; exit status 0 when nothing failed. tests/vm/t_vm_smoke.sh
# turns the lines into TAP.
#
# Arguments: the host passes "one" "two words" "it's" to show that
# arguments survive the trip; VIGIL_SMOKE_TOKEN must come through from the
# host's environment. Leaves smoke.txt in $VIGIL_VM_SHARE.

set -u
failed=0
pass() { echo "PASS $1: $2"; }
fail() {
	echo "FAIL $1: $2"
	failed=1
	shift 2
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/    /'; done
}
skip() { echo "SKIP $1: $2"; }
# check ID WHAT CMD...: PASS when CMD succeeds, else FAIL with its output.
check() {
	local id=$1 what=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		pass "$id" "$what"
	else
		fail "$id" "$what" "command: $*" "$out"
	fi
}

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)

# --- the VM itself ------------------------------------------------------
in_vm() { [[ ${VIGIL_VM:-} == 1 && -e /run/vigil-vm/test ]]; }
check in-vm "runs inside the VM (VIGIL_VM=1, /run/vigil-vm)" in_vm

args_ok() {
	[[ $# -eq 3 && $1 == one && $2 == "two words" && $3 == "it's" ]] ||
		{ echo "got $# arguments:" "$@"; return 1; }
}
check args "the arguments arrive intact" args_ok "$@"
env_ok() { [[ ${VIGIL_SMOKE_TOKEN:-} == "token 42" ]] || { echo "VIGIL_SMOKE_TOKEN='${VIGIL_SMOKE_TOKEN:-}'"; return 1; }; }
check env "VIGIL_* variables of the host come through" env_ok

root_writable() { echo x >/etc/vigil-vm-smoke && rm /etc/vigil-vm-smoke; }
check root-writable "the root (host's root under a tmpfs overlay) is writable" root_writable

# --- IPVS ----------------------------------------------------------------
check ip-vs-module "ip_vs is loaded (/proc/net/ip_vs exists)" test -e /proc/net/ip_vs

scheds_ok() {
	local s miss=
	for s in rr wrr lc wlc sh dh sed nq lblc lblcr mh fo ovf; do
		[[ -d /sys/module/ip_vs_$s ]] || miss+=" $s"
	done
	[[ -z $miss ]] || { echo "not loaded:$miss"; return 1; }
}
check schedulers "the schedulers rr wrr lc wlc sh dh sed nq lblc lblcr mh fo ovf are loaded" scheds_ok
if [[ -d /sys/module/ip_vs_twos ]]; then
	pass twos "scheduler twos is loaded"
else
	skip twos "this kernel ($(uname -r)) has no ip_vs_twos"
fi

check ipvsadm "ipvsadm (the host's) runs" ipvsadm -v

ipvs_nat() {
	ipvsadm -C &&
		ipvsadm -A -t 192.0.2.100:80 -s rr &&
		ipvsadm -a -t 192.0.2.100:80 -r 192.0.2.11:80 -m -w 3 || return 1
	local out
	out=$(ipvsadm -Ln) || return 1
	echo "$out"
	grep -Eq '^TCP +192\.0\.2\.100:80 rr *$' <<<"$out" &&
		grep -Eq '^ +-> 192\.0\.2\.11:80 +Masq +3 +0 +0 *$' <<<"$out"
}
check ipvs-nat "a TCP service (rr) with a NAT real server of weight 3: ipvsadm -Ln shows both" ipvs_nat

ipvs_more() {
	ipvsadm -E -t 192.0.2.100:80 -s wrr -p 300 &&
		ipvsadm -e -t 192.0.2.100:80 -r 192.0.2.11:80 -g -w 5 &&
		ipvsadm -A -u 192.0.2.100:53 -s lc &&
		ipvsadm -A -f 7 -s sh &&
		ipvsadm -a -f 7 -r 192.0.2.12 -i -w 1 &&
		ipvsadm -A -t '[2001:db8::100]:443' -s mh &&
		ipvsadm -a -t '[2001:db8::100]:443' -r '[2001:db8::11]:443' -m -w 2 || return 1
	local out
	out=$(ipvsadm -Ln) || return 1
	echo "$out"
	grep -Eq '^TCP +192\.0\.2\.100:80 wrr persistent 300' <<<"$out" &&
		grep -Eq '^ +-> 192\.0\.2\.11:80 +Route +5 ' <<<"$out" &&
		grep -Eq '^UDP +192\.0\.2\.100:53 lc' <<<"$out" &&
		grep -Eq '^FWM +7 sh' <<<"$out" &&
		grep -Eq '^ +-> 192\.0\.2\.12:0 +Tunnel +1 ' <<<"$out" &&
		grep -Eq '^TCP +\[2001:db8::100\]:443 mh' <<<"$out" &&
		grep -Eq '^ +-> \[2001:db8::11\]:443 +Masq +2 ' <<<"$out"
}
check ipvs-kinds "edit (wrr, persistence, DR), UDP, fwmark with TUN, IPv6: ipvsadm -Ln shows them" ipvs_more

ipvs_clear() { ipvsadm -C && [[ -z $(ipvsadm -Ln | sed -n '4,$p') ]]; }
check ipvs-clear "ipvsadm -C empties the table" ipvs_clear

# --- network namespaces ----------------------------------------------------
ping_cmd=(ping)
command -v ping >/dev/null 2>&1 || ping_cmd=(/run/vigil-vm/busybox ping)
netns_veth() {
	ip netns add smoke-a && ip netns add smoke-b &&
		ip -n smoke-a link add eth0 type veth peer name eth0 netns smoke-b &&
		ip -n smoke-a addr add 192.0.2.1/24 dev eth0 &&
		ip -n smoke-b addr add 192.0.2.2/24 dev eth0 &&
		ip -n smoke-a link set eth0 up && ip -n smoke-b link set eth0 up &&
		ip -n smoke-a link set lo up && ip -n smoke-b link set lo up &&
		ip netns exec smoke-a "${ping_cmd[@]}" -c 1 -W 5 192.0.2.2
}
check netns-veth "two network namespaces joined by a veth pair: ping across" netns_veth
ipvs_in_netns() {
	# IPVS is per network namespace: a service in smoke-a is not in smoke-b.
	ip netns exec smoke-a ipvsadm -A -t 192.0.2.1:80 -s rr &&
		ip netns exec smoke-a ipvsadm -Ln | grep -q '192.0.2.1:80' &&
		! ip netns exec smoke-b ipvsadm -Ln | grep -q '192.0.2.1:80' &&
		! ipvsadm -Ln | grep -q '192.0.2.1:80'
}
check ipvs-netns "IPVS tables are per namespace" ipvs_in_netns
ip netns del smoke-a 2>/dev/null
ip netns del smoke-b 2>/dev/null

autoload() {
	# 8021q is not loaded by the init: the kernel asks modprobe for it.
	ip link add smoke-d0 type dummy &&
		ip link add link smoke-d0 name smoke-d0.5 type vlan id 5 &&
		ip link del smoke-d0
}
check module-autoload "the kernel loads modules on demand (8021q for a VLAN)" autoload

# --- the host's tree and vigild ---------------------------------------------
check host-tree "the host's source tree is readable ($top)" test -r "$top/configure.ac"

vigild=
for c in ${VIGILD:-} ${VIGIL_BUILDDIR:+$VIGIL_BUILDDIR/vigild} "$top/vigild" "$top"/_build/*/vigild; do
	if [[ -x $c ]]; then
		vigild=$c
		break
	fi
done
if [[ -n $vigild ]]; then
	vigild_version() { "$vigild" --version | grep -q '^vigild '; }
	check vigild "the host-built vigild runs: $vigild --version" vigild_version
else
	skip vigild "no vigild built (VIGILD, VIGIL_BUILDDIR, $top/vigild, $top/_build/*/vigild)"
fi

# --- the share -----------------------------------------------------------
share_write() { echo "smoke $(uname -r)" >"$VIGIL_VM_SHARE/smoke.txt"; }
check share "writes smoke.txt into the host's share ($VIGIL_VM_SHARE)" share_write

exit $failed
