#!/bin/bash
#
# t_snmp_rfc.sh - the standard VRRP MIBs as a poller sees them through a
# real snmpd: RFC 2787 VRRP-MIB (mib-2 68) for the VRRPv2 instance, RFC
# 6527 VRRPV3-MIB (mib-2 207) for the VRRPv3 ones, IPv4 and IPv6; the
# statistics from the vrrp process's receive checks (bad packets injected
# by tests/integration/vrrp_inject.py) and the four notifications at
# snmptrapd.  Values are checked by number (Debian ships no SNMPv2-SMI).
#
# Lab: nodes a (priority 150) and b (priority 100), each with its own snmpd
# (AgentX master on a unix socket in the lab directory) and vigild as its
# subagent with only `enable_snmp_rfc` and `enable_traps`; node inj sends
# hand-made adverts.  b starts first and becomes master; a then preempts it
# (vrrpv3StatisticsNewMasterReason preempted(2)).
#   VI_2  VRRPv2 IPv4  VRID 52  192.0.2.102
#   VI_3  VRRPv3 IPv4  VRID 53  192.0.2.103
#   VI_6  VRRPv3 IPv6  VRID 56  2001:db8::106

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns
for t in snmpd snmptrapd snmpget snmpwalk python3; do
	command -v "$t" >/dev/null 2>&1 || skip_all "$t is not installed (scripts/install-deps.sh)"
done
INJECT="$VIGIL_SRCDIR/tests/integration/vrrp_inject.py"
[[ -r $INJECT ]] || skip_all "$INJECT is missing"

export MIBS=   # numbers only

lab_init
lab_node a 192.0.2.1/24 2001:db8::1/64
lab_node b 192.0.2.2/24 2001:db8::2/64
lab_node inj 192.0.2.66/24

PORT=11161
TRAPPORT=11162

# snmp_lab NODE: snmpd (and snmptrapd on UDP TRAPPORT) inside NODE.
snmp_lab() {
	local d=$LAB_TMP/snmp-$1
	mkdir -p "$d/persist" && chmod 0755 "$d"
	cat >"$d/snmpd.conf" <<EOF
master agentx
agentXSocket $d/agentx.sock
agentXPerms 0777 0777
agentaddress udp:127.0.0.1:$PORT
rocommunity public 127.0.0.1
trap2sink 127.0.0.1:$TRAPPORT public
EOF
	echo "disableAuthorization yes" >"$d/snmptrapd.conf"
	SNMP_PERSISTENT_DIR=$d/persist lab_exec "$1" snmptrapd -f -C -c "$d/snmptrapd.conf" -On \
		-Lf "$d/traps.log" -F '%#v\n' "udp:127.0.0.1:$TRAPPORT" </dev/null >/dev/null 2>&1 &
	SNMP_PERSISTENT_DIR=$d/persist lab_exec "$1" snmpd -f -C -c "$d/snmpd.conf" \
		-Lf "$d/snmpd.log" -p "$d/snmpd.pid" </dev/null >/dev/null 2>&1 &
	wait_for 5 test -S "$d/agentx.sock"
}
snmp_lab a || bail_out "snmpd in a did not create its AgentX socket"
snmp_lab b || bail_out "snmpd in b did not create its AgentX socket"

V2=.1.3.6.1.2.1.68
V3=.1.3.6.1.2.1.207
OPER=$V2.1.3.1
STATS=$V2.2.4.1
OPER3=$V3.1.1.1.1
STATS3=$V3.1.2.5.1

# sget NODE OID: "TYPE: VALUE" as snmpget prints it
sget() { lab_exec "$1" snmpget -v2c -c public -On -t 2 -r 1 "127.0.0.1:$PORT" "$2" 2>&1 | sed 's/^[^=]*= //'; }
is() { local v; v=$(sget "$1" "$2"); [[ $v == "$3" ]] || { diag "$1 $2: '$v', wanted '$3'"; return 1; }; }
wait_is() { wait_for "${4:-10}" eval "[[ \$(sget $1 '$2') == '$3' ]]" || is "$1" "$2" "$3"; }
# num NODE OID: the number at the end of the value
num() { sget "$1" "$2" | grep -oE '[0-9]+$'; }
ge() { local v; v=$(num "$1" "$2"); [[ -n $v ]] && ((v >= $3)); }
at_least() { ge "$@" || { diag "$1 $2: '$(sget "$1" "$2")', wanted >= $3"; return 1; }; }
wait_at_least() { wait_for "${4:-5}" ge "$1" "$2" "$3" || at_least "$1" "$2" "$3"; }
traps() { cat "$LAB_TMP/snmp-$1/traps.log" 2>/dev/null; }
trap_has() { traps "$1" | grep -q -- "$2"; }
logs() { diag_file "$(vigild_log "${1:-a}")" "${2:-12}"; }
# hexaddr A.B.C.D: as snmpget prints an OCTET STRING of it
hex4() { printf '%02X %02X %02X %02X' ${1//./ }; }
dots() { echo "${1//./ }" | tr ' ' '.'; }

conf() {   # conf NODE PRIORITY
	cat <<EOF
global_defs {
    router_id $1
    enable_snmp_rfc
    enable_traps
    snmp_socket unix:$LAB_TMP/snmp-$1/agentx.sock
}
vrrp_instance VI_2 {
    state BACKUP
    interface eth0
    virtual_router_id 52
    priority $2
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass pw52
    }
    virtual_ipaddress {
        192.0.2.102/24
    }
}
vrrp_instance VI_3 {
    state BACKUP
    interface eth0
    virtual_router_id 53
    priority $2
    advert_int 1
    version 3
    accept
    virtual_ipaddress {
        192.0.2.103/24
    }
}
vrrp_instance VI_6 {
    state BACKUP
    interface eth0
    virtual_router_id 56
    priority $2
    advert_int 1
    version 3
    virtual_ipaddress {
        2001:db8::106/64
    }
}
EOF
}
for n in a b; do
	conf $n "$([[ $n == a ]] && echo 150 || echo 100)" >"$(vigild_dir $n)/vigil.conf"
	chmod 0644 "$(vigild_dir $n)/vigil.conf"
done

tap_plan 31

lab_wait_dad a
lab_wait_dad b
vigild_start b "$(vigild_dir b)/vigil.conf" || bail_out "vigild b did not start"
log_wait b "$(entering_re VI_6 MASTER)" 10 || bail_out "b did not become master alone"
vigild_start a "$(vigild_dir a)/vigil.conf" || bail_out "vigild a did not start"

IFA=$(lab_exec a cat /sys/class/net/eth0/ifindex)
IFB=$(lab_exec b cat /sys/class/net/eth0/ifindex)
LLA=$(lab_exec a ip -6 -o addr show dev eth0 scope link | awk '{ sub("/.*", "", $4); print $4 }')
diag "eth0: ifIndex $IFA in a, $IFB in b; a's link-local address $LLA"
# hex6 ADDR: the 16 octets of an IPv6 address, as snmpget prints them
hex6() { python3 -c 'import ipaddress, sys; print(" ".join("%02X" % b for b in ipaddress.ip_address(sys.argv[1]).packed))' "$1"; }
dec6() { python3 -c 'import ipaddress, sys; print(".".join(str(b) for b in ipaddress.ip_address(sys.argv[1]).packed))' "$1"; }

check "the subagent says it serves VRRP-MIB and VRRPV3-MIB only (enable_snmp_rfc)" \
	log_wait a "snmp: serving VRRP-MIB \(RFC 2787\) VRRPV3-MIB \(RFC 6527\) and VIGIL-MIB, with notifications" || logs
check "KEEPALIVED-MIB is not served: enable_snmp_rfc alone does not turn it on" \
	eval '[[ $(sget a .1.3.6.1.4.1.9586.100.5.1.1.0) == "No Such Object"* ]]' || diag "$(sget a .1.3.6.1.4.1.9586.100.5.1.1.0)"

# ---- RFC 2787 --------------------------------------------------------------------
check "vrrpOperState of VI_2 (ifIndex.52) on a: master(3) after preempting b" \
	wait_is a "$OPER.3.$IFA.52" "INTEGER: 3" 15 || logs
check "vrrpNodeVersion 2, vrrpNotificationCntl enabled(1)" \
	eval 'is a $V2.1.1.0 "INTEGER: 2" && is a $V2.1.2.0 "INTEGER: 1"'
check "vrrpOperVirtualMacAddr 00-00-5E-00-01-34, vrrpOperPriority 150, one address" \
	eval 'is a $OPER.2.$IFA.52 "Hex-STRING: 00 00 5E 00 01 34 " && is a $OPER.5.$IFA.52 "INTEGER: 150" &&
		is a $OPER.6.$IFA.52 "INTEGER: 1"'
check "vrrpOperMasterIpAddr and PrimaryIpAddr on the master: its own 192.0.2.1" \
	eval 'is a $OPER.7.$IFA.52 "IpAddress: 192.0.2.1" && is a $OPER.8.$IFA.52 "IpAddress: 192.0.2.1"'
check "auth simpleTextPassword(2), key never shown, interval 1 s, preempt true(1), ip(1), active(1)" \
	eval 'is a $OPER.9.$IFA.52 "INTEGER: 2" && is a $OPER.10.$IFA.52 "\"\"" && is a $OPER.11.$IFA.52 "INTEGER: 1" &&
		is a $OPER.12.$IFA.52 "INTEGER: 1" && is a $OPER.14.$IFA.52 "INTEGER: 1" && is a $OPER.15.$IFA.52 "INTEGER: 1"'
check "on the backup b: vrrpOperState backup(2), vrrpOperMasterIpAddr a's 192.0.2.1" \
	eval 'wait_is b $OPER.3.$IFB.52 "INTEGER: 2" && wait_is b $OPER.7.$IFB.52 "IpAddress: 192.0.2.1" 5'
check "vrrpAssoIpAddrTable: 192.0.2.102 under ifIndex.52, active(1)" \
	is a "$V2.1.4.1.2.$IFA.52.192.0.2.102" "INTEGER: 1"
check "vrrpRouterStatsTable on b: adverts received go up, BecomeMaster 1 (before a preempted)" \
	eval 'wait_at_least b $STATS.2.$IFB.52 2 && is b $STATS.1.$IFB.52 "Counter32: 1"'
walk=$(lab_exec a snmpwalk -v2c -c public -On "127.0.0.1:$PORT" "$V2" 2>&1)
check "a walk of VRRP-MIB: 14 oper columns, 12 statistics, 5 scalars, 1 address (v3 instances left out)" \
	eval '[[ $(grep -c "^$OPER\." <<<"$walk") == 14 && $(grep -c "^$STATS\." <<<"$walk") == 12 &&
		$(grep -cE "^$V2\.(1\.[12]|2\.[123])\.0 " <<<"$walk") == 5 && $(grep -c "^$V2\.1\.4\." <<<"$walk") == 1 ]]' ||
	diag "$(head -5 <<<"$walk")"

# ---- RFC 6527 --------------------------------------------------------------------
check "vrrpv3OperationsStatus of VI_3 (ifIndex.53.ipv4) master(3), priority Gauge32 150, interval 100 cs" \
	eval 'wait_is a $OPER3.6.$IFA.53.1 "INTEGER: 3" && is a $OPER3.7.$IFA.53.1 "Gauge32: 150" &&
		is a $OPER3.9.$IFA.53.1 "INTEGER: 100"'
check "VI_3: MasterIpAddr C0 00 02 01, virtual MAC 00-00-5E-00-01-35, accept true(1), preempt true(1)" \
	eval 'is a $OPER3.3.$IFA.53.1 "Hex-STRING: $(hex4 192.0.2.1) " && is a $OPER3.5.$IFA.53.1 "Hex-STRING: 00 00 5E 00 01 35 " &&
		is a $OPER3.11.$IFA.53.1 "INTEGER: 1" && is a $OPER3.10.$IFA.53.1 "INTEGER: 1"'
check "VI_6 (ifIndex.56.ipv6(2)): master(3), virtual MAC 00-00-5E-00-02-38, master a's link-local address" \
	eval 'wait_is a $OPER3.6.$IFA.56.2 "INTEGER: 3" && is a $OPER3.5.$IFA.56.2 "Hex-STRING: 00 00 5E 00 02 38 " &&
		is a $OPER3.3.$IFA.56.2 "Hex-STRING: $(hex6 $LLA) "'
check "on b: VI_6 backup(2) with a's link-local address as its master" \
	eval 'wait_is b $OPER3.6.$IFB.56.2 "INTEGER: 2" && wait_is b $OPER3.3.$IFB.56.2 "Hex-STRING: $(hex6 $LLA) " 5'
check "vrrpv3AssociatedIpAddrTable: 2001:db8::106 (length-prefixed InetAddress index), active(1)" \
	is a "$V3.1.1.2.1.2.$IFA.56.2.16.$(dec6 2001:db8::106)" "INTEGER: 1"
check "vrrpv3StatisticsNewMasterReason preempted(2) on a, notMaster(0) on b" \
	eval 'is a $STATS3.2.$IFA.53.1 "INTEGER: 2" && is b $STATS3.2.$IFB.53.1 "INTEGER: 0"'
check "vrrpv3StatisticsRefreshRate 1000 ms, RcvdAdvertisements counting on b (Counter64)" \
	eval 'is a $STATS3.13.$IFA.53.1 "Gauge32: 1000" && wait_at_least b $STATS3.3.$IFB.53.1 2 &&
		[[ $(sget b $STATS3.3.$IFB.53.1) == Counter64:* ]]'

# ---- notifications of the takeover ---------------------------------------------------
check "vrrpTrapNewMaster at snmptrapd in a with vrrpOperMasterIpAddr 192.0.2.1" \
	wait_for 5 trap_has a "$OPER.7.$IFA.52 = IpAddress: 192.0.2.1" || diag "$(traps a | tail -3)"
check "vrrpv3NewMaster with the master address and reason preempted(2)" \
	eval 'traps a | grep -q "$V3.0.1" && trap_has a "$STATS3.2.$IFA.53.1 = INTEGER: 2"' || diag "$(traps a | tail -3)"

# ---- statistics from bad packets --------------------------------------------------
inject() { lab_exec inj python3 "$INJECT" --ifname eth0 --src 192.0.2.66 "$@"; }
inject --vrid 52 --prio 100 --addr 192.0.2.102 --auth-pass wrong
check "a wrong password counts in vrrpStatsAuthFailures" wait_at_least a "$STATS.4.$IFA.52" 1
check "vrrpTrapAuthFailure names the sender 192.0.2.66 and authFailure(3)" \
	eval 'wait_for 5 trap_has a "$V2.1.5.0 = IpAddress: 192.0.2.66" && trap_has a "$V2.1.6.0 = INTEGER: 3"' ||
	diag "$(traps a | tail -3)"
inject --vrid 53 --prio 100 --addr 192.0.2.103 --version 3 --ttl 64
check "a VRRPv3 advert with TTL 64 counts in vrrpv3StatisticsIpTtlErrors, ProtoErrReason ipTtlError(1)" \
	eval 'wait_at_least a $STATS3.5.$IFA.53.1 1 && is a $STATS3.6.$IFA.53.1 "INTEGER: 1"'
check "vrrpv3ProtoError at snmptrapd with ipTtlError(1)" \
	wait_for 5 eval 'traps a | grep -q "$V3.0.2" && trap_has a "$STATS3.6.$IFA.53.1 = INTEGER: 1"' ||
	diag "$(traps a | tail -3)"
inject --vrid 52 --prio 100 --addr 192.0.2.102 --auth-pass pw52 --bad-checksum
inject --vrid 99 --prio 100 --addr 192.0.2.199 --auth-pass pw52
check "router-wide: vrrpRouterChecksumErrors, vrrpv3RouterChecksumErrors and the VRID errors count" \
	eval 'wait_at_least a $V2.2.1.0 1 && at_least a $V3.1.2.1.0 1 && wait_at_least a $V2.2.3.0 1 &&
		[[ $(sget a $V3.1.2.3.0) == Counter64:* ]]'

# ---- failover: a stops ---------------------------------------------------------------
vigild_stop a || diag "vigild a did not stop"
check "a stopped: b is master(3) with its own 192.0.2.2 as vrrpOperMasterIpAddr" \
	eval 'wait_is b $OPER.3.$IFB.52 "INTEGER: 3" && wait_is b $OPER.7.$IFB.52 "IpAddress: 192.0.2.2" 5'
check "b counted a's priority 0 advert (vrrpStatsPriorityZeroPktsRcvd) and became master twice" \
	eval 'wait_at_least b $STATS.6.$IFB.52 1 3 && is b $STATS.1.$IFB.52 "Counter32: 2"'

# ---- a reload that changes the SNMP settings -------------------------------------------
sed -i 's/^    enable_snmp_rfc$/    enable_snmp_vrrp/' "$(vigild_dir b)/vigil.conf"
kill -HUP "$(vigild_job b)"
check "SIGHUP with enable_snmp_vrrp instead of enable_snmp_rfc: mgmt is replaced, says so" \
	eval 'log_wait b "reload: router_id or SNMP settings changed: replacing mgmt" 10 &&
		log_wait b "snmp: serving KEEPALIVED-MIB.s VRRP tables and VIGIL-MIB, with notifications" 10' || logs b
check "... KEEPALIVED-MIB answers on b now (vrrpInstanceName), VRRP-MIB no longer" \
	eval 'wait_for 10 eval "[[ \$(sget b .1.3.6.1.4.1.9586.100.5.1.2.0) == STRING:* ]]" &&
		[[ $(sget b $OPER.3.$IFB.52) == "No Such Object"* ]]' || logs b
check "the replacement is no failure: b logged no child restart" eval '! log_has b "child mgmt .*; restart"'
# idx_of NAME: the vrrpInstanceIndex of NAME on b
idx_of() {
	lab_exec b snmpwalk -v2c -c public -On "127.0.0.1:$PORT" .1.3.6.1.4.1.9586.100.5.2.3.1.2 2>/dev/null |
		awk -v n="\"$1\"" '$NF == n { sub(".*\\.", "", $1); print $1 }'
}
check "vrrpInstanceAdvertisementsInt: 1 (seconds) for the VRRPv2 VI_2, 100 (centiseconds) for the VRRPv3 VI_3" \
	eval 'is b .1.3.6.1.4.1.9586.100.5.2.3.1.12.$(idx_of VI_2) "Gauge32: 1" &&
		is b .1.3.6.1.4.1.9586.100.5.2.3.1.12.$(idx_of VI_3) "Gauge32: 100"'

tap_done
