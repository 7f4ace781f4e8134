#!/bin/bash
#
# t_split_brain_policy.sh - what vigil_split_brain's policy does on a
# confirmed split (issue #8, doc/split-brain.md); a (priority 150) and b
# (100) poll each other's API.  First a runs `policy script` and b none:
# VRRP is dropped in b, both become MASTER, and a's script runs with
# "VI_1 split", then "VI_1 ok" when the drop is lifted.  Then b is reloaded
# with `policy yield` and VRRP dropped again: b, the lower priority, gives
# its VIP up (FAULT) so that only a answers for it.  When a stops, b takes
# the VIP back: it is the rightful master.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns
for t in curl python3 nft; do
	command -v "$t" >/dev/null 2>&1 || skip_all "$t is not installed (scripts/install-deps.sh)"
done

lab_init
lab_node a 192.0.2.1/24
lab_node b 192.0.2.2/24

SCRIPT=$LAB_TMP/on-split.sh
SCRIPT_LOG=$LAB_TMP/on-split.log
printf '#!/bin/sh\necho "$*" >>%s\n' "$SCRIPT_LOG" >"$SCRIPT"
chmod 0755 "$SCRIPT"
write_vrrp_conf "$LAB_TMP/a.conf" a BACKUP 150
cat >>"$LAB_TMP/a.conf" <<EOF
vigil_split_brain {
    peer b http://192.0.2.2:8080
    policy script
    script "$SCRIPT"
}
EOF
write_vrrp_conf "$LAB_TMP/b.conf" b BACKUP 100
cat >>"$LAB_TMP/b.conf" <<EOF
vigil_split_brain {
    peer a http://192.0.2.1:8080
}
EOF
logs() { diag_file "$(vigild_log "${1:-b}")" "${2:-12}"; }
state() {
	lab_exec "$1" curl -sS --max-time 2 "http://$2:8080/api/v1/instances" 2>/dev/null |
		/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["instances"][0]["state"])' 2>/dev/null
}
state_is() { [[ $(state "$1" "$2") == "$3" ]]; }

tap_plan 7

VIGILD_ARGS=(--http=192.0.2.1:8080)
vigild_start a "$LAB_TMP/a.conf" || bail_out "vigild a did not start"
VIGILD_ARGS=(--http=192.0.2.2:8080)
vigild_start b "$LAB_TMP/b.conf" || bail_out "vigild b did not start"
VIGILD_ARGS=()
check "a holds the VIP, b is BACKUP" \
	eval 'wait_for 15 vip_only_on a 192.0.2.100 && wait_for 5 state_is b 192.0.2.2 BACKUP' || logs a

block() { vrrp_block b; }
unblock() { vrrp_unblock b; }
script_log_is() { [[ $(tr '\n' ',' <"$SCRIPT_LOG" 2>/dev/null) == "$1" ]]; }

# ---- policy script (a) --------------------------------------------------------------------
block
check "VRRP dropped in b: b becomes MASTER too; a's policy script runs with 'VI_1 split'" \
	eval 'wait_for 15 state_is b 192.0.2.2 MASTER && wait_for 10 script_log_is "VI_1 split,"' ||
	{ logs a; diag "script log: $(tr '\n' ',' <"$SCRIPT_LOG" 2>/dev/null)"; }
unblock
check "the drop lifted: b is BACKUP again, and the script runs with 'VI_1 ok'" \
	eval 'wait_for 15 state_is b 192.0.2.2 BACKUP && wait_for 10 script_log_is "VI_1 split,VI_1 ok,"' ||
	diag "script log: $(tr '\n' ',' <"$SCRIPT_LOG" 2>/dev/null)"

# ---- policy yield (b) ----------------------------------------------------------------------
sed -i 's/^    peer a http:\/\/192.0.2.1:8080$/    peer a http:\/\/192.0.2.1:8080\n    policy yield/' "$LAB_TMP/b.conf"
kill -HUP "$(vigild_job b)"
log_wait b "split brain: polling 1 peer" || true
check "b reloaded with policy yield (its mgmt replaced, polling a again)" \
	wait_for 10 eval '(( $(log_count b "split brain: polling 1 peer") >= 2 ))' || logs
block
check "VRRP dropped in b again: b becomes MASTER, detects the split and gives the VIP up (FAULT): only a holds it" \
	eval 'wait_for 25 eval "state_is b 192.0.2.2 FAULT && vip_only_on a 192.0.2.100" &&
		log_has b "policy yield: giving the VIPs up to peer a \(192\.0\.2\.1, priority 150; ours 100\)"' || logs
# the delay from b's detection to its FAULT, from b's log's timestamps
t_det=$(log_grep b "\(VI_1\) split brain: split" | tail -1 | cut -c12-23)
t_fault=$(log_grep b "\(VI_1\) Entering FAULT STATE" | tail -1 | cut -c12-23)
[[ -n $t_det && -n $t_fault ]] && diag "b detected the split at $t_det and gave the VIP up (FAULT) at $t_fault (target: within 3 s)"

vigild_stop a || diag "vigild a did not stop"
check "a stops: b lets go (a does not answer) and takes the VIP back, though VRRP is still dropped in b" \
	eval 'wait_for 15 eval "vip_only_on b 192.0.2.100 && state_is b 192.0.2.2 MASTER" &&
		log_has b "policy yield: no longer giving way: peer a is no longer master, or does not answer"' || logs
check "... and b's history has its first decision (ok), both splits and their ends" \
	eval '[[ $(store_sql "$(vigild_dir b)/vigil.db" "SELECT group_concat(from_status || \">\" || to_status) FROM split_brain_event") == "unknown>ok,ok>split,split>ok,ok>split,split>ok" ]]' ||
	diag "$(store_sql "$(vigild_dir b)/vigil.db" "SELECT group_concat(from_status || \">\" || to_status || \": \" || evidence, \" | \") FROM split_brain_event")"

tap_done
