#!/bin/bash
#
# t_snmp_vigil.sh - VIGIL-MIB, vigil's own module (mib/VIGIL-MIB.txt).
#
# First the module itself: three MIB compilers (libsmi's smilint at its
# strictest level, pysmi's mibdump, net-snmp's parser) accept it without an
# error or a warning and agree on its OIDs, which are the ones vigild
# serves.  Debian ships no IETF base modules in /usr/share/snmp/mibs (they
# are non-free there); erlang-snmp ships SNMPv2-SMI, SNMPv2-TC, SNMPv2-CONF
# and INET-ADDRESS-MIB with its SNMP application, and the compilers are
# pointed at those.
#
# Then vigild serving it, as a monitoring system meets it: a real snmpd as
# AgentX master in each of nodes a (priority 150, started with -x) and b
# (priority 100, SNMP from the configuration's enable_snmp_vrrp and
# snmp_socket), one snmptrapd in a receiving both nodes' notifications.
# a also runs a virtual server with two real servers checked by a script
# the test steers.  Values are read by number (MIBS=): the numbers come from
# the compiled module when the compilers are there.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

MIB_FILE=$VIGIL_SRCDIR/mib/VIGIL-MIB.txt
[[ -r $MIB_FILE ]] || bail_out "no $MIB_FILE"

# ---- the layout: what vigild serves, by name -----------------------------------------
VG=.1.3.6.1.4.1.32473.1
declare -A OID=(
	[vigilMIB]=$VG
	[vigilNotifications]=$VG.0
	[vigilInstanceTransition]=$VG.0.1
	[vigilRealServerAdminChange]=$VG.0.2
	[vigilSplitBrainChange]=$VG.0.3
	[vigilObjects]=$VG.1
	[vigilNodeName]=$VG.1.1
	[vigilInstanceTable]=$VG.1.2
	[vigilInstanceEntry]=$VG.1.2.1
	[vigilInstanceIndex]=$VG.1.2.1.1
	[vigilInstanceName]=$VG.1.2.1.2
	[vigilInstanceState]=$VG.1.2.1.3
	[vigilInstanceLastTransition]=$VG.1.2.1.4
	[vigilInstanceTransitions]=$VG.1.2.1.5
	[vigilInstanceLastReason]=$VG.1.2.1.6
	[vigilInstanceOperatorDemotion]=$VG.1.2.1.7
	[vigilInstanceDemotedBy]=$VG.1.2.1.8
	[vigilInstanceSplitBrainStatus]=$VG.1.2.1.9
	[vigilInstanceSplitBrainSince]=$VG.1.2.1.10
	[vigilInstanceDemotionReason]=$VG.1.2.1.11
	[vigilRealServerTable]=$VG.1.3
	[vigilRealServerEntry]=$VG.1.3.1
	[vigilVirtualServerIndex]=$VG.1.3.1.1
	[vigilRealServerIndex]=$VG.1.3.1.2
	[vigilRealServerVirtualServer]=$VG.1.3.1.3
	[vigilRealServerAddressType]=$VG.1.3.1.4
	[vigilRealServerAddress]=$VG.1.3.1.5
	[vigilRealServerPort]=$VG.1.3.1.6
	[vigilRealServerHealth]=$VG.1.3.1.7
	[vigilRealServerHealthReason]=$VG.1.3.1.8
	[vigilRealServerHealthSince]=$VG.1.3.1.9
	[vigilRealServerAdminState]=$VG.1.3.1.10
	[vigilRealServerAdminWho]=$VG.1.3.1.11
	[vigilRealServerAdminReason]=$VG.1.3.1.12
	[vigilRealServerAdminSince]=$VG.1.3.1.13
	[vigilRealServerAdminExpires]=$VG.1.3.1.14
	[vigilRealServerConfiguredWeight]=$VG.1.3.1.15
	[vigilRealServerEffectiveWeight]=$VG.1.3.1.16
)

# The IETF base modules, from erlang-snmp.
BASE_MIBS=
for d in /usr/lib/erlang/lib/snmp-*/mibs; do
	[[ -r $d/SNMPv2-SMI.mib && -r $d/INET-ADDRESS-MIB.mib ]] && BASE_MIBS=$d
done
MIBDUMP=$(command -v mibdump)

require_vigild
require_root
require_netns
require_vigilctl
for t in snmpd snmptrapd snmpget snmpwalk python3; do
	command -v "$t" >/dev/null 2>&1 || skip_all "$t is not installed (scripts/install-deps.sh)"
done

export MIBS=   # numbers only while walking: no MIB files to look for

lab_init
COMPILED=$LAB_TMP/compiled
mkdir -p "$COMPILED"

tap_plan 43

# ==== the module ==========================================================================

no_base="no IETF base modules (erlang-snmp, scripts/install-deps.sh)"
if [[ -z $BASE_MIBS ]] || ! command -v smilint >/dev/null 2>&1; then
	skip "smilint -l 9 (every warning) finds nothing in VIGIL-MIB" "$no_base, or no smilint (smitools)"
else
	out=$(SMIPATH=$BASE_MIBS smilint -c /dev/null -s -m -l 9 "$MIB_FILE" 2>&1)
	rc=$?
	check "smilint -l 9 (every warning) finds nothing in VIGIL-MIB" eval '[[ $rc == 0 && -z $out ]]' || diag "$out"
fi

# pysmi: name, OID, kind and access of every object, as "NAME OID KIND ACCESS" lines
PYSMI_LIST=$COMPILED/pysmi.txt
if [[ -z $BASE_MIBS || -z $MIBDUMP ]]; then
	skip "pysmi's mibdump compiles VIGIL-MIB (JSON) without failure" "$no_base, or no mibdump (python3-pysmi)"
else
	out=$("$MIBDUMP" --mib-source="file://$VIGIL_SRCDIR/mib" --mib-source="file://$BASE_MIBS" \
		--destination-format=json --destination-directory="$COMPILED" --rebuild VIGIL-MIB 2>&1 | tr -d '\r')
	/usr/bin/python3 - "$COMPILED/VIGIL-MIB.json" >"$PYSMI_LIST" 2>&1 <<'EOF'
import json, sys
for name, o in json.load(open(sys.argv[1])).items():
    if isinstance(o, dict) and "oid" in o:
        print(name, "." + o["oid"], o.get("nodetype", o.get("class")), o.get("maxaccess", "-"))
EOF
	check "pysmi's mibdump compiles VIGIL-MIB (JSON) without failure" \
		eval 'grep -q "^Created/updated MIBs:.*VIGIL-MIB" <<<"$out" && grep -qx "Failed MIBs: *" <<<"$out" &&
			grep -q "^vigilNodeName " "$PYSMI_LIST"' || diag "$out"
fi

# libsmi and net-snmp: OIDs by name
if [[ -z $BASE_MIBS ]] || ! command -v smidump >/dev/null 2>&1 || ! command -v snmptranslate >/dev/null 2>&1 ||
	[[ ! -s $PYSMI_LIST ]]; then
	skip "libsmi, pysmi and net-snmp agree on every OID of the module" "$no_base, or a compiler missing"
	skip "the compiled OIDs are the layout vigild serves" "$no_base, or a compiler missing"
else
	SMI_LIST=$COMPILED/smidump.txt
	SMIPATH=$BASE_MIBS smidump -c /dev/null -f identifiers "$MIB_FILE" 2>/dev/null |
		awk '$1 == "VIGIL-MIB" && $2 ~ /^vigil/ && $4 ~ /^1\./ { print $2, "." $4 }' | sort >"$SMI_LIST"
	disagree=""
	n=0
	while read -r name o; do
		n=$((n + 1))
		p=$(awk -v n="$name" '$1 == n { print $2 }' "$PYSMI_LIST")
		t=$(snmptranslate -M "$BASE_MIBS:$VIGIL_SRCDIR/mib" -m VIGIL-MIB -On "VIGIL-MIB::$name" 2>&1)
		[[ $p == "$o" && $t == "$o" ]] || disagree+="$name: libsmi $o, pysmi $p, net-snmp $t"$'\n'
	done <"$SMI_LIST"
	diag "$n named OIDs compiled"
	check "libsmi, pysmi and net-snmp agree on every OID of the module" \
		eval '[[ $n -ge ${#OID[@]} && -z $disagree ]]' || diag "$disagree"
	wrong=""
	for name in "${!OID[@]}"; do
		o=$(awk -v n="$name" '$1 == n { print $2 }' "$SMI_LIST")
		[[ $o == "${OID[$name]}" ]] || wrong+="$name: compiled '$o', served ${OID[$name]}"$'\n'
	done
	# ... and no column the daemon would not know of
	extra=$(awk '$3 == "column" { print $1 }' "$PYSMI_LIST" | while read -r name; do
		[[ -n ${OID[$name]} ]] || echo "$name"; done)
	check "the compiled OIDs are the layout vigild serves (every table column, notification, scalar)" \
		eval '[[ -z $wrong && -z $extra ]]' || diag "$wrong$extra"
fi

# The readable columns of each table, by the compiled module when there is one.
readable_cols() {   # readable_cols ENTRY_OID: the column numbers, one line, sorted
	if [[ -s $PYSMI_LIST ]]; then
		awk -v e="$1." '$3 == "column" && $4 != "not-accessible" && index($2, e) == 1 {
			print substr($2, length(e) + 1) }' "$PYSMI_LIST"
	else
		local n
		for n in "${!OID[@]}"; do
			[[ ${OID[$n]} == "$1".* && $n != *Index ]] && echo "${OID[$n]##*.}"
		done
	fi | sort -n | tr '\n' ' '
}

# ==== vigild serving it =================================================================

lab_node a 192.0.2.1/24
lab_node b 192.0.2.2/24
health_script_init 31 32

SNMPDIR=$LAB_TMP/snmp
mkdir -p "$SNMPDIR" && chmod 0755 "$SNMPDIR"
PORT=11161
TRAPPORT=11162
TRAPLOG=$SNMPDIR/traps.log
# snmpd_start NODE TRAP_SINK: the node's snmpd, AgentX master on $SNMPDIR/NODE.sock
snmpd_start() {
	local node=$1 sink=$2 dir=$SNMPDIR/$1
	mkdir -p "$dir/persist"
	cat >"$dir/snmpd.conf" <<EOF
master agentx
agentXSocket $SNMPDIR/$node.sock
agentXPerms 0777 0777
agentaddress udp:127.0.0.1:$PORT
rocommunity public 127.0.0.1
trap2sink $sink:$TRAPPORT public
EOF
	SNMP_PERSISTENT_DIR=$dir/persist lab_exec "$node" snmpd -f -C -c "$dir/snmpd.conf" \
		-Lf "$dir/snmpd.log" -p "$dir/snmpd.pid" </dev/null >/dev/null 2>&1 &
	wait_for 5 test -S "$SNMPDIR/$node.sock"
}
echo "disableAuthorization yes" >"$SNMPDIR/snmptrapd.conf"
mkdir -p "$SNMPDIR/trapd"
# one line per notification: its variable bindings, tab-separated
SNMP_PERSISTENT_DIR=$SNMPDIR/trapd lab_exec a snmptrapd -f -C -c "$SNMPDIR/snmptrapd.conf" -On \
	-Lf "$TRAPLOG" -F '%V\t%v\n' "udp:$TRAPPORT" </dev/null >/dev/null 2>&1 &
snmpd_start a 127.0.0.1 || bail_out "snmpd in a did not create its AgentX socket"
snmpd_start b 192.0.2.1 || bail_out "snmpd in b did not create its AgentX socket"

# sget NODE OID: "TYPE: VALUE" as snmpget prints it; octet strings in hex
# with -Ox as extra option
sget() {
	local node=$1 o=$2
	shift 2
	lab_exec "$node" snmpget -v2c -c public -On -Ot "$@" -t 2 -r 1 "127.0.0.1:$PORT" "$o" 2>&1 |
		sed 's/^[^=]*= //'
}
swalk() { lab_exec "$1" snmpwalk -v2c -c public -On -t 2 -r 1 "127.0.0.1:$PORT" "$2" 2>&1; }
is() { local v; v=$(sget "$1" "$2"); [[ $v == "$3" ]] || { diag "$1 $2: '$v', wanted '$3'"; return 1; }; }
wait_is() { wait_for "${4:-10}" eval "[[ \$(sget '$1' '$2') == '$3' ]]" || is "$1" "$2" "$3"; }
# num NODE OID: the number in "Gauge32: 5", "INTEGER: -1"
num() { local v; v=$(sget "$1" "$2"); v=${v##*: }; [[ $v =~ ^-?[0-9]+$ ]] && echo "$v" || echo "nan($v)"; }
# col NAME INDEX: the column's OID for that row
col() { echo "${OID[$1]}.$2"; }

# when NODE OID: a DateAndTime as seconds since the epoch (UTC), "never" for
# eight zero octets, "bad" for anything else
when() {
	local v y b
	v=$(sget "$1" "$2" -Ox)
	v=${v#Hex-STRING: }
	read -r -a b <<<"$v"
	if ((${#b[@]} != 8)); then echo bad; return; fi
	if [[ $v == "00 00 00 00 00 00 00 00"* ]]; then echo never; return; fi
	y=$((16#${b[0]} * 256 + 16#${b[1]}))
	date -u -d "$(printf '%04d-%02d-%02d %02d:%02d:%02d' "$y" $((16#${b[2]})) $((16#${b[3]})) \
		$((16#${b[4]})) $((16#${b[5]})) $((16#${b[6]})))" +%s 2>/dev/null || echo bad
}
# recent NODE OID [SECS]: a DateAndTime within SECS (default 60) of now
recent() {
	local t now
	t=$(when "$1" "$2")
	now=$(date +%s)
	[[ $t =~ ^[0-9]+$ ]] && ((t <= now + 2 && t >= now - ${3:-60})) ||
		{ diag "$2: $t, now $now"; return 1; }
}

# trap_count PATTERN...: notifications (lines) of the trap log that have every pattern
trap_count() {
	local n=0 line p hit
	[[ -r $TRAPLOG ]] || { echo 0; return; }
	while IFS= read -r line; do
		hit=1
		for p in "$@"; do
			[[ $line == *"$p"* ]] || { hit=0; break; }
		done
		n=$((n + hit))
	done <"$TRAPLOG"
	echo "$n"
}
trap_has() { (($(trap_count "$@") > 0)); }
traps() { diag_file "$TRAPLOG" 10; }

CONF_A=$LAB_TMP/a/vigil.conf
write_conf_a() {   # write_conf_a [extra real server line]
	cat >"$CONF_A" <<EOF
global_defs {
    router_id a
    enable_traps
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    virtual_ipaddress {
        192.0.2.100/24
    }
}
virtual_server 192.0.2.100 80 {
    delay_loop 1
    lb_algo wrr
    lb_kind DR
    protocol TCP
    real_server 192.0.2.31 80 {
        weight 5
        MISC_CHECK {
            misc_path "$HEALTH_SCRIPT $HEALTH_DIR/31"
        }
    }
    real_server 192.0.2.32 80 {
        weight 7
        MISC_CHECK {
            misc_path "$HEALTH_SCRIPT $HEALTH_DIR/32"
            retry 0
        }
    }
    $1
}
EOF
	chmod 0644 "$CONF_A"
}
write_conf_a
CONF_B=$LAB_TMP/b/vigil.conf
write_vrrp_conf "$CONF_B" b BACKUP 100
sed -i "s|router_id b|router_id b\n    enable_snmp_vrrp\n    enable_traps\n    snmp_socket unix:$SNMPDIR/b.sock|" "$CONF_B"

sql() { store_sql "$(vigild_dir "$1")/vigil.db" "$2"; }   # sql NODE QUERY
ctl() { local n=$1; shift; "$VIGILCTL" -s "$(vigild_dir "$n")/vigil.sock" -d "$(vigild_dir "$n")/vigil.db" "$@"; }
logs() { diag_file "$(vigild_log "${1:-a}")" "${2:-12}"; }

VIGILD_ARGS=(-x -A "unix:$SNMPDIR/a.sock")
vigild_start a "$CONF_A" || bail_out "vigild a did not start"
VIGILD_ARGS=()
vigild_start b "$CONF_B" || bail_out "vigild b did not start"
log_wait a "AgentX subagent connected" 10 || logs a
log_wait b "AgentX subagent connected" 10 || logs b

VI_A=$(sql a "SELECT id FROM vrrp_instance WHERE name = 'VI_1'")
VI_B=$(sql b "SELECT id FROM vrrp_instance WHERE name = 'VI_1'")
VS=$(sql a "SELECT id FROM virtual_server")
R31=$(sql a "SELECT id FROM real_server WHERE key = '192.0.2.31:80'")
R32=$(sql a "SELECT id FROM real_server WHERE key = '192.0.2.32:80'")
diag "store ids: VI_1 $VI_A on a, $VI_B on b; virtual server $VS, real servers $R31 $R32"
RS31=$VS.$R31
RS32=$VS.$R32

# ---- vigilNodeName, vigilInstanceTable ------------------------------------------------------
check "vigilNodeName.0 is each node's router_id (a by -x, b by enable_snmp_vrrp + snmp_socket)" \
	eval 'is a ${OID[vigilNodeName]}.0 "STRING: \"a\"" && is b ${OID[vigilNodeName]}.0 "STRING: \"b\""'
check "a's VI_1 row (indexed by its store id) is master(2)" \
	wait_is a "$(col vigilInstanceState "$VI_A")" "INTEGER: 2" 10 || logs a
check "vigilInstanceName is VI_1 on both nodes" \
	eval 'is a $(col vigilInstanceName $VI_A) "STRING: \"VI_1\"" && is b $(col vigilInstanceName $VI_B) "STRING: \"VI_1\""'
want=$(readable_cols "${OID[vigilInstanceEntry]}")
got=$(swalk a "${OID[vigilInstanceTable]}" | awk -v e="${OID[vigilInstanceEntry]}." -v i=".$VI_A" '
	index($1, e) == 1 { c = substr($1, length(e) + 1); if (substr(c, length(c) - length(i) + 1) == i) print substr(c, 1, length(c) - length(i)) }' |
	sort -n | tr '\n' ' ')
check "a walk of vigilInstanceTable gives every readable column of the module for VI_1 ($want)" \
	eval '[[ -n $want && $got == "$want" ]]' || diag "got: $got"
check "vigilInstanceLastTransition is a DateAndTime of the last minute (a became master)" \
	recent a "$(col vigilInstanceLastTransition "$VI_A")"
T0=$(sget a "$(col vigilInstanceTransitions "$VI_A")")
STORED=$(sql a "SELECT count(*) FROM vrrp_transition WHERE instance_id = $VI_A")
check "vigilInstanceTransitions is a Gauge32, the store's count of VI_1's transitions ($STORED)" \
	eval '[[ $T0 == "Gauge32: $STORED" ]] && (( STORED >= 1 ))'
check "vigilInstanceLastReason says why (not empty)" \
	eval '[[ $(sget a $(col vigilInstanceLastReason $VI_A)) == "STRING: \""?* ]]'
check "no demotion: vigilInstanceOperatorDemotion 0, DemotedBy and DemotionReason empty" \
	eval 'is a $(col vigilInstanceOperatorDemotion $VI_A) "INTEGER: 0" &&
		is a $(col vigilInstanceDemotedBy $VI_A) "\"\"" && is a $(col vigilInstanceDemotionReason $VI_A) "\"\""'
check "vigilInstanceSplitBrainStatus ok(1) (no peers, no local evidence), SplitBrainSince a time (not never)" \
	eval 'wait_is a $(col vigilInstanceSplitBrainStatus $VI_A) "INTEGER: 1" && [[ $(when a $(col vigilInstanceSplitBrainSince $VI_A)) != never ]]'

# ---- vigilRealServerTable --------------------------------------------------------------------
check "real server 192.0.2.31: its virtual server 'TCP 192.0.2.100:80', ipv4(1), C0 00 02 1F, port 80" \
	eval 'is a $(col vigilRealServerVirtualServer $RS31) "STRING: \"TCP 192.0.2.100:80\"" &&
		is a $(col vigilRealServerAddressType $RS31) "INTEGER: 1" &&
		[[ $(sget a $(col vigilRealServerAddress $RS31) -Ox) == "Hex-STRING: C0 00 02 1F"* ]] &&
		is a $(col vigilRealServerPort $RS31) "Gauge32: 80"'
check "both real servers checked once: health up(1), reason 'first check passed'" \
	eval 'wait_is a $(col vigilRealServerHealth $RS31) "INTEGER: 1" 10 && wait_is a $(col vigilRealServerHealth $RS32) "INTEGER: 1" 5 &&
		is a $(col vigilRealServerHealthReason $RS31) "STRING: \"first check passed\""'
check "configured weights 5 and 7, effective the same, adminState ready(1) with no who, since or expiry" \
	eval 'is a $(col vigilRealServerConfiguredWeight $RS31) "INTEGER: 5" && is a $(col vigilRealServerConfiguredWeight $RS32) "INTEGER: 7" &&
		wait_is a $(col vigilRealServerEffectiveWeight $RS32) "INTEGER: 7" 5 &&
		is a $(col vigilRealServerAdminState $RS31) "INTEGER: 1" && is a $(col vigilRealServerAdminWho $RS31) "\"\"" &&
		[[ $(when a $(col vigilRealServerAdminSince $RS31)) == never && $(when a $(col vigilRealServerAdminExpires $RS31)) == never ]]'
want=$(readable_cols "${OID[vigilRealServerEntry]}")
walk=$(swalk a "${OID[vigilRealServerTable]}")
got31=$(awk -v e="${OID[vigilRealServerEntry]}." -v i=".$RS31" '
	index($1, e) == 1 { c = substr($1, length(e) + 1); if (substr(c, length(c) - length(i) + 1) == i) print substr(c, 1, length(c) - length(i)) }' <<<"$walk" |
	sort -n | tr '\n' ' ')
check "a walk of vigilRealServerTable: 2 rows, every readable column of the module ($want)" \
	eval '[[ -n $want && $got31 == "$want" && $(grep -c "^${OID[vigilRealServerAdminState]}\." <<<"$walk") == 2 ]]' ||
	diag "got for 192.0.2.31: $got31"
check "b (no virtual server) serves an empty vigilRealServerTable" \
	eval '! swalk b ${OID[vigilRealServerTable]} | grep -q "^${OID[vigilRealServerEntry]}\."'

echo 1 >"$HEALTH_DIR/32"
check "192.0.2.32 fails its check: down(2), the reason names MISC_CHECK, weight -1 (out of IPVS)" \
	eval 'wait_is a $(col vigilRealServerHealth $RS32) "INTEGER: 2" 10 &&
		[[ $(sget a $(col vigilRealServerHealthReason $RS32)) == *MISC_CHECK* ]] &&
		wait_is a $(col vigilRealServerEffectiveWeight $RS32) "INTEGER: -1" 5' || logs a
DOWN_AT=$(when a "$(col vigilRealServerHealthSince "$RS32")")
sleep 1
echo 0 >"$HEALTH_DIR/32"
check "... and when it passes again: up(1), the reason says it succeeded, healthSince moved on" \
	eval 'wait_is a $(col vigilRealServerHealth $RS32) "INTEGER: 1" 10 &&
		[[ $(sget a $(col vigilRealServerHealthReason $RS32)) == *succeeded* ]] &&
		recent a $(col vigilRealServerHealthSince $RS32) 30 && (( $(when a $(col vigilRealServerHealthSince $RS32)) > DOWN_AT ))' || logs a

# ---- an operator's drain ------------------------------------------------------------------------
ADMIN_TRAP=${OID[vigilRealServerAdminChange]}
NODE_A="${OID[vigilNodeName]}.0 = STRING: \"a\""
out=$(ctl a -r "kernel upgrade" drain 192.0.2.100:80 192.0.2.31 2>&1) || diag "$out"
check "vigilctl drain: adminState drain(2) at once, effective weight 0" \
	eval 'wait_is a $(col vigilRealServerAdminState $RS31) "INTEGER: 2" 5 &&
		wait_is a $(col vigilRealServerEffectiveWeight $RS31) "INTEGER: 0" 5' || logs a
check "... adminWho names the operator (uid 0), adminReason 'kernel upgrade'" \
	eval '[[ $(sget a $(col vigilRealServerAdminWho $RS31)) == *"uid 0"* ]] &&
		is a $(col vigilRealServerAdminReason $RS31) "STRING: \"kernel upgrade\""'
check "... adminSince is now, adminExpires never (until undrained)" \
	eval 'recent a $(col vigilRealServerAdminSince $RS31) 30 && [[ $(when a $(col vigilRealServerAdminExpires $RS31)) == never ]]'
check "snmptrapd gets vigilRealServerAdminChange from a: drain(2), the address, who and why" \
	wait_for 10 eval 'trap_has "$ADMIN_TRAP" "$NODE_A" "$(col vigilRealServerAdminState $RS31) = INTEGER: 2" \
		"$(col vigilRealServerAddress $RS31) = Hex-STRING: C0 00 02 1F" \
		"$(col vigilRealServerAdminReason $RS31) = STRING: \"kernel upgrade\"" \
		"$(col vigilRealServerAdminWho $RS31) = STRING: \"root (uid 0)\"" \
		"$(col vigilRealServerVirtualServer $RS31) = STRING: \"TCP 192.0.2.100:80\""' || traps
ctl a undrain 192.0.2.100:80 192.0.2.31 >/dev/null 2>&1
check "vigilctl undrain: ready(1), who and reason empty, weight 5 again" \
	eval 'wait_is a $(col vigilRealServerAdminState $RS31) "INTEGER: 1" 5 && is a $(col vigilRealServerAdminWho $RS31) "\"\"" &&
		is a $(col vigilRealServerAdminReason $RS31) "\"\"" && wait_is a $(col vigilRealServerEffectiveWeight $RS31) "INTEGER: 5" 5'
check "... and a vigilRealServerAdminChange with ready(1)" \
	wait_for 10 eval 'trap_has "$ADMIN_TRAP" "$NODE_A" "$(col vigilRealServerAdminState $RS31) = INTEGER: 1"' || traps
ctl a -e 1h -r "capacity test" weight 192.0.2.100:80 192.0.2.32 9 >/dev/null 2>&1
check "vigilctl -e 1h weight 9: weight(4), effective weight 9, adminExpires an hour ahead" \
	eval 'wait_is a $(col vigilRealServerAdminState $RS32) "INTEGER: 4" 5 && wait_is a $(col vigilRealServerEffectiveWeight $RS32) "INTEGER: 9" 5 &&
		exp=$(when a $(col vigilRealServerAdminExpires $RS32)) && (( exp - $(date +%s) > 3500 && exp - $(date +%s) <= 3600 ))' || logs a
check "... with its notification (weight(4), reason 'capacity test')" \
	wait_for 10 eval 'trap_has "$ADMIN_TRAP" "$(col vigilRealServerAdminState $RS32) = INTEGER: 4" \
		"$(col vigilRealServerAdminReason $RS32) = STRING: \"capacity test\""' || traps
ctl a -e 2s -r "short" maint 192.0.2.100:80 192.0.2.31 >/dev/null 2>&1
check "vigilctl -e 2s maint: maint(3), then back to ready(1) by itself when it expires" \
	eval 'wait_is a $(col vigilRealServerAdminState $RS31) "INTEGER: 3" 5 && wait_is a $(col vigilRealServerAdminState $RS31) "INTEGER: 1" 15' || logs a
check "... with a notification for each: maint(3), then ready(1)" \
	wait_for 10 eval 'trap_has "$ADMIN_TRAP" "$(col vigilRealServerAdminState $RS31) = INTEGER: 3" &&
		(( $(trap_count "$ADMIN_TRAP" "$(col vigilRealServerAdminState $RS31) = INTEGER: 1") >= 2 ))' || traps

# ---- a failover: vigilctl demote on a -------------------------------------------------------------
TRANS_TRAP=${OID[vigilInstanceTransition]}
NODE_B="${OID[vigilNodeName]}.0 = STRING: \"b\""
TA0=$(num a "$(col vigilInstanceTransitions "$VI_A")")
TB0=$(num b "$(col vigilInstanceTransitions "$VI_B")")
LA0=$(when a "$(col vigilInstanceLastTransition "$VI_A")")
sleep 1   # DateAndTime counts tenths of seconds: let the next transition be later
out=$(ctl a -r "move traffic" demote VI_1 60 2>&1) || diag "$out"
check "vigilctl demote VI_1 60 on a: a is backup(1), b is master(2)" \
	eval 'wait_is a $(col vigilInstanceState $VI_A) "INTEGER: 1" 10 && wait_is b $(col vigilInstanceState $VI_B) "INTEGER: 2" 10' || logs a
check "a's row: operatorDemotion 60, demotedBy the operator (uid 0), demotionReason 'move traffic'" \
	eval 'is a $(col vigilInstanceOperatorDemotion $VI_A) "INTEGER: 60" && [[ $(sget a $(col vigilInstanceDemotedBy $VI_A)) == *"uid 0"* ]] &&
		is a $(col vigilInstanceDemotionReason $VI_A) "STRING: \"move traffic\""'
check "vigilInstanceTransitions counted up on both nodes" \
	eval '(( $(num a $(col vigilInstanceTransitions $VI_A)) == TA0 + 1 && $(num b $(col vigilInstanceTransitions $VI_B)) == TB0 + 1 ))' ||
	diag "a: $TA0 -> $(num a "$(col vigilInstanceTransitions "$VI_A")"), b: $TB0 -> $(num b "$(col vigilInstanceTransitions "$VI_B")")"
check "a's vigilInstanceLastTransition moved forward" \
	eval 'la=$(when a $(col vigilInstanceLastTransition $VI_A)) && [[ $la =~ ^[0-9]+$ && $LA0 =~ ^[0-9]+$ ]] && (( la > LA0 ))' ||
	diag "before $LA0, after $(when a "$(col vigilInstanceLastTransition "$VI_A")")"
check "snmptrapd gets vigilInstanceTransition from a: VI_1, backup(1), with the time and a reason" \
	wait_for 10 eval 'trap_has "$TRANS_TRAP" "$NODE_A" "$(col vigilInstanceName $VI_A) = STRING: \"VI_1\"" \
		"$(col vigilInstanceState $VI_A) = INTEGER: 1" "$(col vigilInstanceLastTransition $VI_A) = Hex-STRING: " \
		"$(col vigilInstanceLastReason $VI_A) = STRING: \""' || traps
check "... and from b (its own snmpd): VI_1 master(2)" \
	wait_for 10 eval 'trap_has "$TRANS_TRAP" "$NODE_B" "$(col vigilInstanceState $VI_B) = INTEGER: 2"' || traps
ctl a undemote VI_1 >/dev/null 2>&1
check "vigilctl undemote: a master(2) again, b backup(1), demotion 0, and a notification says so" \
	eval 'wait_is a $(col vigilInstanceState $VI_A) "INTEGER: 2" 10 && wait_is b $(col vigilInstanceState $VI_B) "INTEGER: 1" 10 &&
		is a $(col vigilInstanceOperatorDemotion $VI_A) "INTEGER: 0" &&
		wait_for 10 trap_has "$TRANS_TRAP" "$NODE_A" "$(col vigilInstanceState $VI_A) = INTEGER: 2"' || logs a

# ---- indexes across a reload and a restart ------------------------------------------------------
rows() {   # the (index, name or address) pairs of both tables on a
	swalk a "$VG.1" | grep -E "^(${OID[vigilInstanceName]}|${OID[vigilRealServerAddress]})\." | sort
}
before=$(rows)
write_conf_a "real_server 192.0.2.33 80 {
        weight 3
    }"
kill -HUP "$(vigild_job a)"
check "after a reload that adds a real server: a third row appears" \
	wait_for 10 eval '[[ $(swalk a ${OID[vigilRealServerTable]} | grep -c "^${OID[vigilRealServerAdminState]}\.") == 3 ]]' || logs a
after=$(rows)
check "... and the rows that were there keep their indexes" \
	eval '[[ -n $before && $(comm -23 <(echo "$before") <(echo "$after")) == "" ]]' || diag "$after"
n_admin=$(trap_count "$ADMIN_TRAP")
vigild_stop a || bail_out "vigild a did not stop"
VIGILD_ARGS=(-x -A "unix:$SNMPDIR/a.sock")
vigild_start a "$CONF_A" || bail_out "vigild a did not restart"
VIGILD_ARGS=()
check "after a restart: the same indexes, and 192.0.2.32's weight override still weight(4) by uid 0" \
	eval 'wait_is a $(col vigilRealServerAdminState $RS32) "INTEGER: 4" 15 && [[ $(rows) == "$after" ]] &&
		[[ $(sget a $(col vigilRealServerAdminWho $RS32)) == *"uid 0"* ]]' || { diag "$(rows)"; logs a; }
check "... the transitions survive in the store (a's count did not fall)" \
	eval '(( $(num a $(col vigilInstanceTransitions $VI_A)) > TA0 ))'
sleep 2
n_after=$(trap_count "$ADMIN_TRAP")
ctl a -r "after the restart" drain 192.0.2.100:80 192.0.2.31 >/dev/null 2>&1
check "a restart sends no vigilRealServerAdminChange for overrides that did not change; the next drain sends one" \
	eval '[[ $n_after == "$n_admin" ]] && wait_for 10 eval "[[ \$(trap_count \"\$ADMIN_TRAP\") == $((n_admin + 1)) ]]" &&
		trap_has "$ADMIN_TRAP" "$(col vigilRealServerAdminReason $RS31) = STRING: \"after the restart\""' ||
	{ diag "$n_admin notifications before the restart, $n_after after it, then $(trap_count "$ADMIN_TRAP")"; traps; }

# ---- without enable_traps: served, but no notifications ------------------------------------------
sed -i '/enable_traps/d' "$CONF_A"
vigild_stop a || bail_out "vigild a did not stop"
VIGILD_ARGS=(-x -A "unix:$SNMPDIR/a.sock")
vigild_start a "$CONF_A" || bail_out "vigild a did not restart"
VIGILD_ARGS=()
wait_is a "$(col vigilInstanceState "$VI_A")" "INTEGER: 2" 10 >/dev/null
n_admin=$(trap_count "$ADMIN_TRAP" "$NODE_A")
ctl a undrain 192.0.2.100:80 192.0.2.32 >/dev/null 2>&1
check "without enable_traps the table still changes (ready(1)) but no notification is sent" \
	eval 'wait_is a $(col vigilRealServerAdminState $RS32) "INTEGER: 1" 5 && sleep 2 &&
		[[ $(trap_count "$ADMIN_TRAP" "$NODE_A") == "$n_admin" ]]' || traps

tap_done
