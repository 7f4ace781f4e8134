#!/bin/bash
#
# t_vrrp_track.sh - what moves the VIP besides a dead master, on two vigild
# nodes (n1 priority 150, n2 priority 100, VRRPv2, VIP 192.0.2.100/24):
#   - a vrrp_script (a shell script that checks for a flag file, like the
#     seeds' nginx check) with weight -60, fall 2, rise 2: the flag file
#     goes, n1's priority drops to 90 and the VIP moves to n2; it comes
#     back, the VIP comes back;
#   - a vrrp_script with weight 0 failing puts n1 in FAULT (VIP gone);
#   - n1's eth0 going down (in its namespace, then by losing the carrier
#     when the bridge-side peer goes down) puts n1 in FAULT, n2 takes over;
#     link up, n1 takes the VIP back;
#   - notify_master / notify_backup / notify_fault and `notify` scripts see
#     every transition, `notify` with keepalived's arguments;
#   - SIGHUP with an unchanged config: no transition, the VIP stays; a
#     reload that changes the VIP moves the address.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

VIP=192.0.2.100
VIP_NEW=192.0.2.101

lab_init
lab_node n1 192.0.2.11/24
lab_node n2 192.0.2.12/24

# The check: exit 0 while the flag file exists.
CHK="$LAB_TMP/chk_flag.sh"
cat >"$CHK" <<'EOF'
#!/bin/sh
[ -e "$1" ]
EOF
# The notify scripts: append their arguments (after the file) to the file.
NOTIFY="$LAB_TMP/notify.sh"
cat >"$NOTIFY" <<'EOF'
#!/bin/sh
f=$1
shift
echo "$*" >>"$f"
EOF
chmod 0755 "$CHK" "$NOTIFY"

FLAG="$LAB_TMP/n1/flag"          # weight -60
FLAG0="$LAB_TMP/n1/flag0"        # weight 0
touch "$FLAG" "$FLAG0"
for n in n1 n2; do
	# Scripts may run as an unprivileged script_user: anyone may append.
	install -m 0666 /dev/null "$LAB_TMP/$n/notify.log"
done

# conf NODE STATE PRIORITY VIP: the node's config. n1 tracks both scripts.
conf() {
	local f track='' scripts='' nl
	nl="$LAB_TMP/$1/notify.log"
	f="$(vigild_dir "$1")/vigil.conf"
	if [[ $1 == n1 ]]; then
		scripts="vrrp_script chk_flag {
    script \"$CHK $FLAG\"
    interval 1
    timeout 2
    fall 2
    rise 2
    weight -60
}
vrrp_script chk_zero {
    script \"$CHK $FLAG0\"
    interval 1
    timeout 2
    fall 2
    rise 2
    weight 0
}"
		track="    track_script {
        chk_flag
        chk_zero
    }"
	fi
	cat >"$f" <<EOF
global_defs {
    router_id $1
}
$scripts
vrrp_instance VI_1 {
    state $2
    interface eth0
    virtual_router_id 51
    priority $3
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    virtual_ipaddress {
        $4/24
    }
$track
    notify_master "$NOTIFY $nl specific MASTER"
    notify_backup "$NOTIFY $nl specific BACKUP"
    notify_fault "$NOTIFY $nl specific FAULT"
    notify "$NOTIFY $nl"
}
EOF
	chmod 0644 "$f"
	echo "$f"
}

B=$(entering_re VI_1 BACKUP)
F=$(entering_re VI_1 FAULT)
ANY='\(VI_1\) Entering [A-Z]+ STATE'

# shellcheck disable=SC2120 # logs [LINES]
logs() {
	diag_file "$(vigild_log n1)" "${1:-15}"
	diag_file "$(vigild_log n2)" "${1:-8}"
}

tap_plan 31

conf1=$(conf n1 MASTER 150 $VIP)
conf2=$(conf n2 BACKUP 100 $VIP)
if ! vigild_start n1 "$conf1" || ! vigild_start n2 "$conf2"; then
	bail_out "vigild did not start"
fi
check "start: the VIP is on n1 (150) only" wait_vip_only_on n1 $VIP 15 || logs

# --- vrrp_script, weight -60 ---------------------------------------------------
b1=$(log_count_or0 n1 "$B")
rm -f "$FLAG"
check "flag file removed: the VIP moves to n2" wait_vip_only_on n2 $VIP 20 || logs
check "n1 logged BACKUP" log_wait_count n1 "$B" $((b1 + 1)) 5
check "n1's effective priority is 150 - 60 = 90 (base 150)" \
	vrrp_has n1 VI_1.priority=90 VI_1.base_priority=150
touch "$FLAG"
check "flag file back: the VIP comes back to n1" wait_vip_only_on n1 $VIP 20 || logs
check "n1's effective priority is 150 again" vrrp_has n1 VI_1.priority=150

# --- vrrp_script, weight 0 -> FAULT -----------------------------------------------
f1=$(log_count_or0 n1 "$F")
rm -f "$FLAG0"
check "weight 0 script fails: n1 logs FAULT" log_wait_count n1 "$F" $((f1 + 1)) 15 || logs
check "n1 in FAULT: the VIP left n1 and n2 holds it" wait_vip_only_on n2 $VIP 10 || logs
check "n1 reports FAULT" vrrp_state_is n1 VI_1 FAULT
touch "$FLAG0"
check "weight 0 script succeeds again: the VIP comes back to n1" wait_vip_only_on n1 $VIP 20 || logs

# --- link down inside the namespace -------------------------------------------------
f1=$(log_count_or0 n1 "$F")
lab_exec n1 ip link set eth0 down
check "n1 eth0 down: n1 logs FAULT" log_wait_count n1 "$F" $((f1 + 1)) 10 || logs
check "n1 eth0 down: n2 takes the VIP, n1 holds it no more" wait_vip_only_on n2 $VIP 10 || logs
lab_exec n1 ip link set eth0 up
check "n1 eth0 up: n1 leaves FAULT and takes the VIP back" wait_vip_only_on n1 $VIP 20 || logs
check "n1 reports MASTER" wait_for 5 vrrp_state_is n1 VI_1 MASTER

# --- carrier loss: the bridge-side peer goes down -----------------------------------
PEER="v-n1"  # lab_node names the bridge-side peer v-NODE
f1=$(log_count_or0 n1 "$F")
ip -n "$(lab_ns hub)" link set $PEER down
check "n1 loses the carrier: n1 logs FAULT" log_wait_count n1 "$F" $((f1 + 1)) 10 ||
	{ logs; diag "$(lab_exec n1 ip -br link show eth0)"; }
check "n1 loses the carrier: n2 takes the VIP, n1 holds it no more" wait_vip_only_on n2 $VIP 10 || logs
ip -n "$(lab_ns hub)" link set $PEER up
check "carrier back: n1 takes the VIP back" wait_vip_only_on n1 $VIP 20 || logs

# --- notify scripts ----------------------------------------------------------------
# Every transition so far, in order, from the log; the `notify` lines must
# tell the same story with keepalived's arguments: INSTANCE NAME STATE PRIO.
states_log() { log_grep "$1" "$ANY" | sed -E 's/.*Entering ([A-Z]+) STATE.*/\1/' | tr '\n' ' '; }
states_notify() { awk '$1 == "INSTANCE" && $2 == "VI_1" { printf "%s ", $3 }' "$LAB_TMP/$1/notify.log"; }
notify_caught_up() { [[ $(states_notify "$1") == "$(states_log "$1")" ]]; }
for n in n1 n2; do
	check "$n: \`notify\` saw every transition, in order ($(states_log $n))" \
		wait_for 10 notify_caught_up $n ||
		{ diag "log: $(states_log $n)" "notify: $(states_notify $n)"; diag_file "$LAB_TMP/$n/notify.log"; }
done
NL1="$LAB_TMP/n1/notify.log"
check "n1: \`notify\` got INSTANCE VI_1 MASTER 150" grep -qx 'INSTANCE VI_1 MASTER 150' "$NL1"
check "n1: \`notify\` got INSTANCE VI_1 BACKUP 90 (priority lowered by the script)" \
	grep -qx 'INSTANCE VI_1 BACKUP 90' "$NL1"
check "n1: \`notify\` got INSTANCE VI_1 FAULT with a priority" grep -Eqx 'INSTANCE VI_1 FAULT [0-9]+' "$NL1"
spec_ok() {
	local s c1 c2
	for s in MASTER BACKUP FAULT; do
		c1=$(grep -cx "specific $s" "$NL1")
		c2=$(grep -cx "INSTANCE VI_1 $s [0-9]*" "$NL1")
		[[ $c1 == "$c2" && $c1 -gt 0 ]] || { diag "$s: notify_* ran $c1 times, notify $c2 times"; return 1; }
	done
}
check "n1: notify_master/backup/fault ran once per transition to their state" spec_ok
n2_specific() { grep -qx "specific MASTER" "$LAB_TMP/n2/notify.log" && grep -qx "specific BACKUP" "$LAB_TMP/n2/notify.log"; }
check "n2: notify_master and notify_backup ran" n2_specific

# --- SIGHUP reload, config unchanged -------------------------------------------------
t1=$(log_count_or0 n1 "$ANY")
t2=$(log_count_or0 n2 "$ANY")
r1=$(log_count_or0 n1 'vrrp: reload:')
kill -HUP "$(vigild_job n1)"
check "n1 reloads: the unchanged instance is kept running" \
	log_wait_count n1 'vrrp: reload: 1 instances kept running, 0 started, 0 stopped' $((r1 + 1)) 10 ||
	diag "$(log_grep n1 'reload')"
# Through 3 more of n1's adverts heard by n2, the VIP stays on n1 alone.
acc0=$(vrrp_get n2 VI_1.rx.accepted)
MOVED=
three_more() {
	vip_only_on n1 $VIP || MOVED="$MOVED [$(vip_holders $VIP)]"
	local a
	a=$(vrrp_get n2 VI_1.rx.accepted) || return 1
	((a >= acc0 + 3))
}
check "n2 hears 3 more adverts from n1 after the reload" wait_for 10 three_more
ok "$([[ -z $MOVED ]]; echo $?)" "the VIP never left n1 during the reload" || diag "holders seen:$MOVED"
no_transition() { (($(log_count_or0 n1 "$ANY") == t1 && $(log_count_or0 n2 "$ANY") == t2)); }
check "no transition logged on either node" no_transition || logs

# --- SIGHUP reload, the VIP changes -------------------------------------------------
conf n1 MASTER 150 $VIP_NEW >/dev/null
conf n2 BACKUP 100 $VIP_NEW >/dev/null
kill -HUP "$(vigild_job n1)" "$(vigild_job n2)"
check "reload with a new VIP: $VIP_NEW is on n1 only" wait_vip_only_on n1 $VIP_NEW 20 || logs
check "reload with a new VIP: $VIP is on no node" wait_for 5 vip_nowhere $VIP ||
	diag "$VIP held by '$(vip_holders $VIP)'"

vigild_stop n1 && vigild_stop n2
stopped_clean() { [[ ${VIGILD_EXIT:-x} == 0 ]] && vip_nowhere $VIP && vip_nowhere $VIP_NEW; }
check "both stop cleanly; no VIP left" stopped_clean

tap_done
