#!/bin/bash
#
# t_split_brain.sh - split-brain detection through the peers' view (issue
# #8, doc/split-brain.md): three vigild nodes a (150), b (100), c (50) in one
# virtual router, each polling the others' REST APIs over the lab bridge.
# VRRP (IP protocol 112) is then dropped by nftables in b's namespace while
# HTTP still flows: a and b both become MASTER and every node reports
# `split` in the API; the log says so once; a's VIGIL-MIB says split(3)
# through a real snmpd, snmptrapd receives vigilSplitBrainChange, and a's
# status page (headless Chromium) shows the banner.  When the rule goes, one master
# remains and every node is back to `ok`.  A stopped peer is reported
# unreachable and never called a split.  Last, a and b alone, both FAULT (a
# tracked script fails on each): no master among answering nodes is
# `no-master`.
#
# Times are printed (the issue's targets: within 3 s to split, 5 s back to
# ok) but never asserted: the waits have generous bounds.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns
for t in curl python3 nft snmpd snmptrapd snmpget; do
	command -v "$t" >/dev/null 2>&1 || skip_all "$t is not installed (scripts/install-deps.sh)"
done

lab_init
declare -A ADDR=([a]=192.0.2.1 [b]=192.0.2.2 [c]=192.0.2.3) PRIO=([a]=150 [b]=100 [c]=50)
for n in a b c; do
	lab_node "$n" "${ADDR[$n]}/24"
done

# conf NODE: VI_1 (VRID 51, VIP 192.0.2.100) and the two other nodes as peers
conf() {
	local f=$LAB_TMP/$1.conf o
	write_vrrp_conf "$f" "$1" BACKUP "${PRIO[$1]}"
	{
		echo "vigil_split_brain {"
		for o in a b c; do
			[[ $o == "$1" ]] || echo "    peer $o http://${ADDR[$o]}:8080"
		done
		echo "    interval 1"
		echo "}"
	} >>"$f"
}
start() {
	VIGILD_ARGS=(--http="${ADDR[$1]}:8080")
	[[ $1 == a ]] && VIGILD_ARGS+=(-x -A "unix:$SNMPDIR/a.sock")
	vigild_start "$1" "$LAB_TMP/$1.conf"
	VIGILD_ARGS=()
}
for n in a b c; do conf "$n"; done
sed -i 's/^    router_id a$/    router_id a\n    enable_traps/' "$LAB_TMP/a.conf"

# a's snmpd (AgentX master) sends notifications to an snmptrapd in a
SNMPDIR=$LAB_TMP/snmp
mkdir -p "$SNMPDIR/persist" "$SNMPDIR/trapd" && chmod 0755 "$SNMPDIR"
TRAPLOG=$SNMPDIR/traps.log
cat >"$SNMPDIR/snmpd.conf" <<EOF
master agentx
agentXSocket $SNMPDIR/a.sock
agentXPerms 0777 0777
agentaddress udp:127.0.0.1:11161
rocommunity public 127.0.0.1
trap2sink 127.0.0.1:11162 public
EOF
echo "disableAuthorization yes" >"$SNMPDIR/snmptrapd.conf"
SNMP_PERSISTENT_DIR=$SNMPDIR/trapd lab_exec a snmptrapd -f -C -c "$SNMPDIR/snmptrapd.conf" -On \
	-Lf "$TRAPLOG" -F '%V\t%v\n' udp:127.0.0.1:11162 </dev/null >/dev/null 2>&1 &
SNMP_PERSISTENT_DIR=$SNMPDIR/persist lab_exec a snmpd -f -C -c "$SNMPDIR/snmpd.conf" -Lf "$SNMPDIR/snmpd.log" \
	</dev/null >/dev/null 2>&1 &
wait_for 5 test -S "$SNMPDIR/a.sock" || bail_out "snmpd in a did not create its AgentX socket"
SB_OID=.1.3.6.1.4.1.32473.1.1.2.1.9      # vigilInstanceSplitBrainStatus
TRAP_OID=.1.3.6.1.4.1.32473.1.0.3        # vigilSplitBrainChange
sb_snmp() { lab_exec a snmpwalk -v2c -c public -On -t 2 -r 1 127.0.0.1:11161 "$SB_OID" 2>&1; }
sb_snmp_is() { sb_snmp | grep -Eq "^$SB_OID\.[0-9]+ = INTEGER: $1\$"; }
# trap_seen STATUS: a vigilSplitBrainChange with that status reached snmptrapd
trap_seen() { grep -F "$TRAP_OID" "$TRAPLOG" 2>/dev/null | grep -Eq "$SB_OID\.[0-9]+ = INTEGER: $1(\s|\$)"; }
logs() { diag_file "$(vigild_log "${1:-a}")" "${2:-12}"; }

# sb NODE: "STATUS" of VI_1's split_brain as NODE's API says it ("" if none)
sb() {
	lab_exec "$1" curl -sS --max-time 2 "http://${ADDR[$1]}:8080/api/v1/split-brain" 2>/dev/null |
		/usr/bin/python3 -c 'import json,sys; print([i["status"] for i in json.load(sys.stdin)["instances"] if i["name"] == "VI_1"][0])' 2>/dev/null
}
sb_is() { [[ $(sb "$1") == "$2" ]]; }
all_sb() { local n; for n in "${@:2}"; do sb_is "$n" "$1" || return 1; done; }
state() {
	lab_exec "$1" curl -sS --max-time 2 "http://${ADDR[$1]}:8080/api/v1/instances" 2>/dev/null |
		/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["instances"][0]["state"])' 2>/dev/null
}
state_is() { [[ $(state "$1") == "$2" ]]; }
block() { vrrp_block b; }
unblock() { vrrp_unblock b; }
ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }'; }

tap_plan 14

for n in a b c; do start "$n" || bail_out "vigild $n did not start"; done
check "a is MASTER, b and c BACKUP; every node reports split_brain ok" \
	eval 'wait_for 15 eval "state_is a MASTER && state_is b BACKUP && state_is c BACKUP" && wait_for 10 all_sb ok a b c' ||
	{ logs a; diag "a: $(sb a) b: $(sb b) c: $(sb c)"; }
check "the peers are reachable in a's GET /api/v1/split-brain (b and c, with their URLs)" \
	eval 'lab_exec a curl -sS "http://192.0.2.1:8080/api/v1/split-brain" | /usr/bin/python3 -c "
import json, sys
j = json.load(sys.stdin)
p = {x[\"name\"]: (x[\"url\"], x[\"reachable\"]) for x in j[\"peers\"]}
assert p == {\"b\": (\"http://192.0.2.2:8080\", True), \"c\": (\"http://192.0.2.3:8080\", True)}, p
assert j[\"status\"] == \"ok\", j
"'

block || bail_out "nft could not block VRRP in b"
t0=$EPOCHREALTIME
check "VRRP dropped in b (HTTP still flows): b becomes MASTER too" \
	wait_for 15 state_is b MASTER || logs b
t_master=$EPOCHREALTIME
check "... every node (a, b and the backup c) reports split" \
	wait_for 15 all_sb split a b c || diag "a: $(sb a) b: $(sb b) c: $(sb c)"
diag "split reported on all three nodes $(ms_since "$t_master") ms after b became MASTER ($(ms_since "$t0") ms after the block; target 3000 ms)"
check "... a's snmpd walks vigilInstanceSplitBrainStatus split(3); snmptrapd got vigilSplitBrainChange split(3)" \
	eval 'wait_for 5 sb_snmp_is 3 && wait_for 5 trap_seen 3' || { diag "$(sb_snmp)"; diag_file "$TRAPLOG"; }
# the page: the banner, in headless Chromium inside a's namespace
OUT=${VIGIL_TEST_OUTPUT:-$VIGIL_BUILDDIR/test-output}/split-brain
if browser_deps && mkdir -p "$OUT"; then
	rm -f "$OUT/banner.png"
	shot=$(NODE_PATH=$NODE_MODULES lab_exec a node "$VIGIL_SRCDIR/tests/browser/screenshot.js" "$CHROMIUM" \
		http://192.0.2.1:8080/ '(() => { const b = document.getElementById("banner");
			return b && !b.hidden && /split/i.test(b.textContent) && b.textContent.includes("VI_1"); })()' \
		"$OUT/banner.png" 20000 2>&1 | tail -n 3)
	check "a's status page shows the split-brain banner naming VI_1 (screenshot $OUT/banner.png)" \
		eval '[[ $shot == ok && -s $OUT/banner.png ]]' || diag "$shot"
else
	skip "no browser for the page's banner: $BROWSER_WHY"
fi
check "... with the evidence naming both masters, and one log warning on a" \
	eval 'lab_exec a curl -sS "http://192.0.2.1:8080/api/v1/instances" | grep -q "2 masters of VRID 51: this node, peer b" &&
		(( $(log_count a "\(VI_1\) split brain: split") == 1 ))' || logs a

unblock
t0=$EPOCHREALTIME
check "the block lifted: one master (a) remains" \
	wait_for 15 eval 'state_is b BACKUP && state_is a MASTER' || logs b
check "... and every node is back to ok; a logged the clearing, SNMP says ok(1) and sent it" \
	eval 'wait_for 15 all_sb ok a b c && log_has a "\(VI_1\) split brain: cleared \(was split\)" &&
		wait_for 5 sb_snmp_is 1 && wait_for 5 trap_seen 1' ||
	diag "a: $(sb a) b: $(sb b) c: $(sb c)"
diag "ok on all three nodes $(ms_since "$t0") ms after the block was lifted (target 5000 ms)"

check "a's history (GET /api/v1/history?kind=split-brain): ok -> split with the evidence, then split -> ok; in the store too, after the first decision (unknown -> ok)" \
	eval 'lab_exec a curl -sS "http://192.0.2.1:8080/api/v1/history?kind=split-brain" | /usr/bin/python3 -c "
import json, sys
items = json.load(sys.stdin)[\"items\"]
got = [(i[\"kind\"], i[\"name\"], i[\"from\"], i[\"to\"]) for i in items]
assert got[:2] == [(\"split-brain\", \"VI_1\", \"split\", \"ok\"), (\"split-brain\", \"VI_1\", \"ok\", \"split\")], got
assert \"2 masters of VRID 51\" in items[1][\"reason\"], items[1]
" && [[ $(store_sql "$(vigild_dir a)/vigil.db" "SELECT group_concat(from_status) || char(47) || group_concat(to_status) FROM split_brain_event") == unknown,ok,split/ok,split,ok ]]'

vigild_stop c || diag "vigild c did not stop"
check "c stopped: a reports c unreachable, and still ok (an unreachable peer is not a split)" \
	eval 'wait_for 10 eval "lab_exec a curl -sS http://192.0.2.1:8080/api/v1/split-brain | grep -q \"\\\"reachable\\\": *false\"" &&
		sb_is a ok && log_has a "peer c \(http://192\.0\.2\.3:8080\) is unreachable"' || logs a

# ---- no master: a and b both FAULT (a tracked script fails on each) ------------------------
vigild_stop a || diag "vigild a did not stop"
vigild_stop b || diag "vigild b did not stop"
health_script_init a b
for n in a b; do
	o=$([[ $n == a ]] && echo b || echo a)
	write_vrrp_conf "$LAB_TMP/$n.conf" "$n" BACKUP "${PRIO[$n]}"
	sed -i "s|^    interface eth0\$|    interface eth0\n    track_script {\n        chk\n    }|" "$LAB_TMP/$n.conf"
	cat >>"$LAB_TMP/$n.conf" <<EOF
vrrp_script chk {
    script "$HEALTH_SCRIPT $HEALTH_DIR/$n"
    interval 1
    fall 1
    rise 1
}
vigil_split_brain {
    peer $o http://${ADDR[$o]}:8080
}
EOF
	start "$n" || bail_out "vigild $n did not start again"
done
check "a and b alone (c's peer line gone), their scripts passing: a MASTER, both ok" \
	eval 'wait_for 15 state_is a MASTER && wait_for 10 all_sb ok a b' || { logs a; diag "a: $(sb a) b: $(sb b)"; }
echo 1 >"$HEALTH_DIR/a"
echo 1 >"$HEALTH_DIR/b"
check "both scripts fail: a and b FAULT, and both report no-master" \
	eval 'wait_for 15 eval "state_is a FAULT && state_is b FAULT" && wait_for 20 all_sb no-master a b' ||
	{ logs a; diag "a: $(state a)/$(sb a) b: $(state b)/$(sb b)"; }
echo 0 >"$HEALTH_DIR/a"
echo 0 >"$HEALTH_DIR/b"
check "the scripts pass again: a MASTER, both back to ok" \
	eval 'wait_for 15 state_is a MASTER && wait_for 15 all_sb ok a b' || diag "a: $(sb a) b: $(sb b)"

tap_done
