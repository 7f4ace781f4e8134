#!/bin/bash
#
# t_snmp.sh - SNMP as a monitoring system meets it: a real snmpd is the
# AgentX master (unix socket in the lab directory), vigild on node a is its
# subagent, snmpget/snmpwalk/snmpset/check_snmp are the clients, snmptrapd
# receives the notifications.  KEEPALIVED-MIB's values and types are checked
# by number (Debian ships no SNMPv2-SMI for the MIB files to import).
#
# Lab: nodes a (priority 150) and b (priority 100) share VI_1 (VRID 51,
# VIP 192.0.2.100); a also runs a virtual server with two real servers
# checked by a script the test steers (MISC_CHECK).  No IPVS here: the
# tables come from vigil's state store, which is what vigil serves.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns
require_vigilctl
for t in snmpd snmptrapd snmpget snmpwalk snmpbulkwalk snmpset tcpdump python3; do
	command -v "$t" >/dev/null 2>&1 || skip_all "$t is not installed (scripts/install-deps.sh)"
done
CHECK_SNMP=/usr/lib/nagios/plugins/check_snmp
[[ -x $CHECK_SNMP ]] || skip_all "check_snmp is not installed (monitoring-plugins-standard)"

export MIBS=   # numbers only: no MIB files to look for

lab_init
lab_node a 192.0.2.1/24
lab_node b 192.0.2.2/24
health_script_init 31 32

SNMPDIR=$LAB_TMP/snmp
mkdir -p "$SNMPDIR/persist" && chmod 0755 "$SNMPDIR"
AGENTX=$SNMPDIR/agentx.sock
PORT=11161
TRAPPORT=11162
TRAPLOG=$SNMPDIR/traps.log
cat >"$SNMPDIR/snmpd.conf" <<EOF
master agentx
agentXSocket $AGENTX
agentXPerms 0777 0777
agentaddress udp:127.0.0.1:$PORT
rocommunity public 127.0.0.1
rwcommunity private 127.0.0.1
trap2sink 127.0.0.1:$TRAPPORT public
EOF
cat >"$SNMPDIR/snmptrapd.conf" <<EOF
disableAuthorization yes
EOF

snmpd_start() {
	SNMP_PERSISTENT_DIR=$SNMPDIR/persist lab_exec a snmpd -f -C -c "$SNMPDIR/snmpd.conf" \
		-Lf "$SNMPDIR/snmpd.log" -p "$SNMPDIR/snmpd.pid" </dev/null >/dev/null 2>&1 &
	SNMPD_JOB=$!
	wait_for 5 test -S "$AGENTX"
}
snmpd_stop() {
	local pid
	pid=$(read_pidfile "$SNMPDIR/snmpd.pid")
	kill "$pid" 2>/dev/null
	wait_for 5 pid_dead "$pid"
	wait "$SNMPD_JOB" 2>/dev/null
	rm -f "$AGENTX" "$SNMPDIR/snmpd.pid"
}
SNMP_PERSISTENT_DIR=$SNMPDIR/persist lab_exec a snmptrapd -f -C -c "$SNMPDIR/snmptrapd.conf" -On \
	-Lf "$TRAPLOG" -F '%#v\n' "udp:127.0.0.1:$TRAPPORT" </dev/null >/dev/null 2>&1 &
snmpd_start || bail_out "snmpd did not create its AgentX socket"

KA=.1.3.6.1.4.1.9586.100.5
INST=$KA.2.3.1      # vrrpInstanceEntry
ADDR=$KA.2.6.1
VS=$KA.3.3.1
RS=$KA.3.4.1

# sget OID: "TYPE: VALUE" as snmpget prints it (-Oqv gives only the value)
sget() { lab_exec a snmpget -v2c -c public -On -Ot -t 2 -r 1 "127.0.0.1:$PORT" "$1" 2>&1 | sed 's/^[^=]*= //'; }
sset() { lab_exec a snmpset -v2c -c private -On -t 5 -r 0 "127.0.0.1:$PORT" "$@" 2>&1; }
is() { local v; v=$(sget "$1"); [[ $v == "$2" ]] || { diag "$1: '$v', wanted '$2'"; return 1; }; }
wait_is() { wait_for "${3:-10}" eval "[[ \$(sget '$1') == '$2' ]]" || is "$1" "$2"; }

CONF_A=$LAB_TMP/a/vigil.conf
write_conf() {   # write_conf ROUTER_ID PRIORITY FILE [extra vs line]
	cat >"$3" <<EOF
global_defs {
    router_id $1
    enable_traps
}
vrrp_script chk_up {
    script "test ! -e $LAB_TMP/chk_fails"
    interval 1
    weight -20
    rise 2
    fall 2
}
vrrp_sync_group G1 {
    group {
        VI_1
    }
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority $2
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass pw51
    }
    virtual_ipaddress {
        192.0.2.100/24
        192.0.2.101/24
    }
    track_script {
        chk_up
    }
    track_interface {
        eth0 weight -5
    }
}
virtual_server 192.0.2.100 80 {
    delay_loop 1
    lb_algo wrr
    lb_kind DR
    protocol TCP
    quorum 6
    $4
    real_server 192.0.2.31 80 {
        weight 5
        MISC_CHECK {
            misc_path "$HEALTH_SCRIPT $HEALTH_DIR/31"
        }
    }
    real_server 192.0.2.32 80 {
        weight 5
        MISC_CHECK {
            misc_path "$HEALTH_SCRIPT $HEALTH_DIR/32"
            retry 0
        }
    }
}
EOF
	chmod 0644 "$3"
}
write_conf a 150 "$CONF_A"
write_vrrp_conf "$LAB_TMP/b.conf" b BACKUP 100
sed -i 's/auth_pass 1111/auth_pass pw51/; s|192.0.2.100/24|192.0.2.100/24\n        192.0.2.101/24|' "$LAB_TMP/b.conf"

DB=$(vigild_dir a)/vigil.db
sql() { store_sql "$DB" "$1"; }
logs() { diag_file "$(vigild_log a)" "${1:-12}"; }
trap_has() { grep -q -- "$1" "$TRAPLOG" 2>/dev/null; }

tap_plan 49

VIGILD_ARGS=(-x -A "unix:$AGENTX")
vigild_start a "$CONF_A" || bail_out "vigild a did not start"
VIGILD_ARGS=()
vigild_start b "$LAB_TMP/b.conf" || bail_out "vigild b did not start"

check "the subagent connects to snmpd's AgentX socket and says so" \
	log_wait a "AgentX subagent connected to unix:$AGENTX" || logs
check "version.0 is vigil's version string" eval '[[ $(sget $KA.1.1.0) == "STRING: \"vigil "* ]]'
check "routerId.0 is router_id" is $KA.1.2.0 'STRING: "a"'

VI=$(sql "SELECT id FROM vrrp_instance WHERE name = 'VI_1'")
VSID=$(sql "SELECT id FROM virtual_server")
R31=$(sql "SELECT id FROM real_server WHERE key = '192.0.2.31:80'")
R32=$(sql "SELECT id FROM real_server WHERE key = '192.0.2.32:80'")
SC=$(sql "SELECT id FROM vrrp_script WHERE name = 'chk_up'")
IFX=$(lab_exec a cat /sys/class/net/eth0/ifindex)
diag "store ids: VI_1 $VI, virtual server $VSID, real servers $R31 $R32, script $SC; eth0 is ifIndex $IFX"

# ---- vrrpInstanceTable ------------------------------------------------------------
check "vrrpInstanceState of VI_1 (indexed by its store id) becomes master(2)" wait_is "$INST.4.$VI" "INTEGER: 2" 10 || logs
check "vrrpInstanceName" is "$INST.2.$VI" 'STRING: "VI_1"'
check "vrrpInstanceVirtualRouterId is an Unsigned32 (Gauge32) 51" is "$INST.3.$VI" "Gauge32: 51"
check "vrrpInstanceInitialState backup(1)" is "$INST.5.$VI" "INTEGER: 1"
check "vrrpInstanceWantedState master(2) like its state (keepalived's steady state)" is "$INST.6.$VI" "INTEGER: 2"
check "vrrpInstanceBasePriority and EffectivePriority 150" \
	eval 'is $INST.7.$VI "INTEGER: 150" && is $INST.8.$VI "INTEGER: 150"'
check "vrrpInstanceVipsStatus allSet(1) on the master" is "$INST.9.$VI" "INTEGER: 1"
check "vrrpInstancePrimaryInterface eth0, advert 1 s, preempt(1), auth password(1)" \
	eval 'is $INST.10.$VI "STRING: \"eth0\"" && is $INST.12.$VI "Gauge32: 1" &&
		is $INST.13.$VI "INTEGER: 1" && is $INST.15.$VI "INTEGER: 1"'
check "vrrpInstanceSyncGroup G1, vrrpInstanceVrrpVersion vrrpv2(2)" \
	eval 'is $INST.18.$VI "STRING: \"G1\"" && is $INST.30.$VI "INTEGER: 2"'
check "vrrpInstanceMulticastAddress 224.0.0.18 (InetAddress, 4 octets)" \
	eval '[[ $(sget $INST.35.$VI) == "Hex-STRING: E0 00 00 12"* ]]'
walk=$(lab_exec a snmpwalk -v2c -c public -On "127.0.0.1:$PORT" "$INST" 2>&1)
check "a walk of vrrpInstanceTable gives its 34 columns for the one instance" \
	eval '[[ $(grep -c "^$INST\.[0-9]*\.$VI = " <<<"$walk") == 34 ]]' || diag "$(head -3 <<<"$walk")"
oids() { lab_exec a "$@" -v2c -c public -On -t 5 "127.0.0.1:$PORT" "$KA" 2>&1 | sed 's/ = \([A-Za-z0-9-]*:\)\{0,1\}.*/ \1/'; }
getnext=$(oids snmpwalk)
bulk=$(oids snmpbulkwalk -Cr25)
check "snmpbulkwalk (GETBULK, 25 repetitions) and snmpwalk (GETNEXT) see the same OIDs, types and order" \
	eval '[[ $(wc -l <<<"$bulk") -gt 100 && $bulk == "$getnext" ]]' ||
	diag "$(diff <(echo "$getnext") <(echo "$bulk") | head -5)"

# ---- vrrpAddressTable, sync groups ---------------------------------------------------
check "vrrpAddressTable: ipv4(1), 192.0.2.100 (C0 00 02 64), /24, on eth0, set(1)" \
	eval 'is $ADDR.2.$VI.1 "INTEGER: 1" && [[ $(sget $ADDR.3.$VI.1) == "Hex-STRING: C0 00 02 64"* ]] &&
		is $ADDR.5.$VI.1 "Gauge32: 24" && is $ADDR.8.$VI.1 "STRING: \"eth0\"" && is $ADDR.10.$VI.1 "INTEGER: 1"'
check "... and the second VIP is row 2 (192.0.2.101)" eval '[[ $(sget $ADDR.3.$VI.2) == "Hex-STRING: C0 00 02 65"* ]]'
check "vrrpSyncGroupTable: G1 (indexed by its first member's id), master(2), member VI_1" \
	eval 'is $KA.2.1.1.2.$VI "STRING: \"G1\"" && is $KA.2.1.1.3.$VI "INTEGER: 2" &&
		is $KA.2.2.1.2.$VI.$VI "STRING: \"VI_1\""'

# ---- vrrpScriptTable, the tracked scripts and interfaces --------------------------------------
check "vrrpScriptTable: chk_up, its command, interval 1, weight -20, rise 2, fall 2, result good(3)" \
	eval 'is $KA.2.9.1.2.$SC "STRING: \"chk_up\"" && is $KA.2.9.1.3.$SC "STRING: \"test ! -e $LAB_TMP/chk_fails\"" &&
		is $KA.2.9.1.4.$SC "INTEGER: 1" && is $KA.2.9.1.5.$SC "INTEGER: -20" && is $KA.2.9.1.7.$SC "Gauge32: 2" &&
		is $KA.2.9.1.8.$SC "Gauge32: 2" && wait_is $KA.2.9.1.6.$SC "INTEGER: 3" 5'
check "vrrpTrackedScriptTable (VI_1's id, the script's id): chk_up, weight -20, not reversed (2)" \
	eval 'is $KA.2.5.1.2.$VI.$SC "STRING: \"chk_up\"" && is $KA.2.5.1.3.$VI.$SC "INTEGER: -20" &&
		is $KA.2.5.1.4.$VI.$SC "INTEGER: 2"'
check "vrrpTrackedInterfaceTable (VI_1's id, eth0's ifIndex): eth0, weight -5" \
	eval 'is $KA.2.4.1.1.$VI.$IFX "STRING: \"eth0\"" && is $KA.2.4.1.2.$VI.$IFX "INTEGER: -5"'
touch "$LAB_TMP/chk_fails"
check "the script fails twice: vrrpScriptResult bad(2), effective priority 130, still master" \
	eval 'wait_is $KA.2.9.1.6.$SC "INTEGER: 2" 8 && wait_is $INST.8.$VI "INTEGER: 130" 3 && is $INST.4.$VI "INTEGER: 2"' || logs
rm -f "$LAB_TMP/chk_fails"
wait_is "$KA.2.9.1.6.$SC" "INTEGER: 3" 8 >/dev/null
wait_is "$INST.8.$VI" "INTEGER: 150" 3 >/dev/null

# ---- virtualServerTable, realServerTable ----------------------------------------------
check "virtualServerTable: ip(2), 192.0.2.100, port 80, tcp(1), wrr(2), dr(2)" \
	eval 'is $VS.2.$VSID "INTEGER: 2" && [[ $(sget $VS.6.$VSID) == "Hex-STRING: C0 00 02 64"* ]] &&
		is $VS.7.$VSID "Gauge32: 80" && is $VS.8.$VSID "INTEGER: 1" && is $VS.9.$VSID "INTEGER: 2" &&
		is $VS.10.$VSID "INTEGER: 2"'
check "virtualServer: 2 real servers, 2 up, quorum 6 met(1), alive(1)" \
	eval 'is $VS.20.$VSID "Gauge32: 2" && is $VS.21.$VSID "Gauge32: 2" && is $VS.22.$VSID "Gauge32: 6" &&
		is $VS.23.$VSID "INTEGER: 1" && is $VS.11.$VSID "INTEGER: 1"'
check "realServerTable: 192.0.2.31 port 80, alive(1), weight 5, remove(1) when down" \
	eval '[[ $(sget $RS.4.$VSID.$R31) == "Hex-STRING: C0 00 02 1F"* ]] && is $RS.5.$VSID.$R31 "Gauge32: 80" &&
		is $RS.6.$VSID.$R31 "INTEGER: 1" && is $RS.7.$VSID.$R31 "INTEGER: 5" && is $RS.10.$VSID.$R31 "INTEGER: 1"'

check "realServerDelayLoopUsec 1000000 (delay_loop 1), realServerName 192.0.2.31:80" \
	eval 'is $RS.50.$VSID.$R31 "Gauge32: 1000000" && is $RS.55.$VSID.$R31 "STRING: \"192.0.2.31:80\""'

# ---- notifications: a real server goes down, the quorum is lost ------------------------
echo 1 >"$HEALTH_DIR/32"
check "192.0.2.32 down: realServerStatus dead(2), RealServersUp 1, quorum notMet(2)" \
	eval 'wait_is $RS.6.$VSID.$R32 "INTEGER: 2" 10 && is $VS.21.$VSID "Gauge32: 1" && is $VS.23.$VSID "INTEGER: 2"' || logs
check "snmptrapd gets realServerStateChange with the server's address, status and the counts" \
	wait_for 10 eval 'trap_has "$KA.3.5.0.1" && trap_has "$RS.6.$VSID.$R32 = INTEGER: 2" &&
		trap_has "$VS.21.$VSID = Gauge32: 1" && trap_has "$KA.1.2.0 = STRING: \"a\""' ||
	diag_file "$TRAPLOG" 20
check "... and virtualServerQuorumStateChange with notMet(2)" \
	wait_for 10 eval 'trap_has "$KA.3.5.0.2" && trap_has "$VS.23.$VSID = INTEGER: 2"' || diag_file "$TRAPLOG" 20

# ---- SET realServerWeight: applied, stored, audited ----------------------------------------
out=$(sset "$RS.7.$VSID.$R31" i 9)
check "snmpset realServerWeight 9 succeeds" eval '[[ $out == *"INTEGER: 9"* ]]' || diag "$out"
check "... the new weight reads back at once, and is in the store (IPVS model)" \
	eval 'is $RS.7.$VSID.$R31 "INTEGER: 9" && [[ $(sql "SELECT effective_weight FROM real_server WHERE id = $R31") == 9 ]]'
check "... audited as done over SNMP" \
	eval '[[ $(sql "SELECT who FROM audit WHERE action = '\''weight'\'' ORDER BY id DESC LIMIT 1") == snmp* ]]'
out=$(sset "$RS.7.$VSID.$R31" s heavy)
check "a SET of the wrong type is refused (wrongType), nothing changes" \
	eval '[[ $out == *wrongType* ]] && is $RS.7.$VSID.$R31 "INTEGER: 9"' || diag "$out"
out=$(sset "$RS.7.$VSID.$R31" i 70000)
check "a weight out of range is refused (wrongValue)" eval '[[ $out == *wrongValue* ]]' || diag "$out"
out=$(sset "$VS.7.$VSID" u 81)
check "a read-only column is refused (notWritable)" eval '[[ $out == *notWritable* || $out == *noAccess* ]]' || diag "$out"

# ---- SET vrrpInstanceBasePriority: a handover, seen in the table, by traps and check_snmp --------
check "check_snmp on vrrpInstanceState says OK while a is master" \
	lab_exec a "$CHECK_SNMP" -H 127.0.0.1 -p "$PORT" -C public -P 2c -o "$INST.4.$VI" -c 2:2
out=$(sset "$INST.7.$VI" i 90)
check "snmpset vrrpInstanceBasePriority 90 (below b's 100) succeeds" eval '[[ $out == *"INTEGER: 90"* ]]' || diag "$out"
check "a hands over: vrrpInstanceState backup(1), effective priority 90" \
	eval 'wait_is $INST.4.$VI "INTEGER: 1" 10 && is $INST.8.$VI "INTEGER: 90"' || logs
check "snmptrapd gets vrrpInstanceStateChange with backup(1) and the instance's name" \
	wait_for 10 eval 'trap_has "$KA.2.10.0.2" && trap_has "$INST.4.$VI = INTEGER: 1" &&
		trap_has "$INST.2.$VI = STRING: \"VI_1\""' || diag_file "$TRAPLOG" 20
check "... and vrrpSyncGroupStateChange for G1" \
	wait_for 10 eval 'trap_has "$KA.2.10.0.1" && trap_has "$KA.2.1.1.3.$VI = INTEGER: 1"' || diag_file "$TRAPLOG" 20
lab_exec a "$CHECK_SNMP" -H 127.0.0.1 -p "$PORT" -C public -P 2c -o "$INST.4.$VI" -c 2:2 >/dev/null 2>&1
ok $(($? != 2)) "check_snmp says CRITICAL (exit 2) once a is backup"
out=$(sset "$INST.7.$VI" i 200)
check "a base priority above the configured 150 is refused (inconsistentValue)" \
	eval '[[ $out == *inconsistentValue* ]]' || diag "$out"
sset "$INST.7.$VI" i 150 >/dev/null
check "SET back to 150: a preempts and is master again" wait_is "$INST.4.$VI" "INTEGER: 2" 10 || logs

# ---- reload and restart: the indexes stay --------------------------------------------------
before=$(lab_exec a snmpwalk -v2c -c public -On "127.0.0.1:$PORT" "$KA" 2>&1 | grep -E '\.(2\.3\.1\.2|3\.4\.1\.5|2\.9\.1\.2)\.')
write_conf a 150 "$CONF_A" "hysteresis 1"
kill -HUP "$(vigild_job a)"
log_wait a "reload [0-9]+: child check done" 10 >/dev/null
sleep 1
after=$(lab_exec a snmpwalk -v2c -c public -On "127.0.0.1:$PORT" "$KA" 2>&1 | grep -E '\.(2\.3\.1\.2|3\.4\.1\.5|2\.9\.1\.2)\.')
check "after a reload, the instance, script and real server rows have the same indexes" \
	eval '[[ -n $before && $before == "$after" ]]' || diag "$after"
check "... and the reloaded setting shows (virtualServerHysteresis 1)" wait_is "$VS.26.$VSID" "Gauge32: 1" 5
vigild_stop a || bail_out "vigild a did not stop"
VIGILD_ARGS=(-x -A "unix:$AGENTX")
vigild_start a "$CONF_A" || bail_out "vigild a did not restart"
check "after a restart: the same indexes, and realServerWeight still 9 (the SET survived)" \
	eval 'wait_is $RS.7.$VSID.$R31 "INTEGER: 9" 10 && [[ $before == "$(lab_exec a snmpwalk -v2c -c public -On 127.0.0.1:$PORT $KA 2>&1 | grep -E "\.(2\.3\.1\.2|3\.4\.1\.5|2\.9\.1\.2)\.")" ]]' || logs

# ---- snmpd restarts: the subagent comes back, VRRP does not notice ------------------------------
wait_is "$INST.4.$VI" "INTEGER: 2" 10 >/dev/null
b_transitions=$(log_count_or0 b "Entering [A-Z]+ STATE")
lab_exec b tcpdump -i eth0 -n -tt -l 'ip proto 112 and src 192.0.2.1' >"$SNMPDIR/adverts.txt" 2>/dev/null &
DUMP=$!
sleep 2
snmpd_stop
sleep 2
snmpd_start || bail_out "snmpd did not restart"
t0=$(now_us)
check "after snmpd restarts, the subagent is back within 10 s" wait_is "$INST.4.$VI" "INTEGER: 2" 10
diag "back after $((($(now_us) - t0) / 1000)) ms"
check "... and logs the loss and the return" \
	eval 'log_has a "lost the AgentX master" && log_has a "subagent connected to unix:.* again"' || logs
sleep 2
kill "$DUMP" 2>/dev/null
wait "$DUMP" 2>/dev/null
gap=$(awk 'NR > 1 { g = $1 - p; if (g > m) m = g } { p = $1 } END { printf "%d", m * 1000 }' "$SNMPDIR/adverts.txt")
n=$(wc -l <"$SNMPDIR/adverts.txt")
diag "$n adverts from a captured on b; longest gap $gap ms"
# Not a timing assertion (tests do not time): the backup is the judge of a
# late advert; the gap above is the figure.
check "meanwhile b heard a's adverts throughout: it stayed BACKUP, no transition logged" \
	eval '(( n >= 5 )) && (( $(log_count_or0 b "Entering [A-Z]+ STATE") == b_transitions ))'

tap_done
