#!/bin/bash
#
# t_vrrp_failover.sh - two vigild nodes in one virtual router (VRRPv2, PASS
# authentication, VIP 192.0.2.100/24), as a user sees it with `ip addr` and
# arping:
#   - exactly one node holds the VIP, and only its MAC answers ARP for it;
#   - SIGTERM of the master: it sends priority 0, the backup takes the VIP
#     (the takeover time is measured from a capture on the bridge and
#     printed next to the RFC's Skew_Time; it is not asserted);
#   - the old master comes back and preempts; the backup releases the VIP
#     and no longer answers ARP for it;
#   - kill -9 of the master's vrrp process: after the parent restarts it,
#     exactly one node holds the VIP, never both for long;
#   - with nopreempt (state BACKUP) on both nodes, the old master comes
#     back and does not take the VIP back.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns
command -v arping >/dev/null 2>&1 || skip_all "arping is not installed (iputils-arping)"
command -v tcpdump >/dev/null 2>&1 || skip_all "tcpdump is not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

VIP=192.0.2.100
ADDR1=192.0.2.11 ADDR2=192.0.2.12
PRIO1=150 PRIO2=100

lab_init
lab_node n1 $ADDR1/24
lab_node n2 $ADDR2/24
lab_node obs 192.0.2.9/24

# conf NODE STATE PRIORITY [EXTRA LINE]: the node's config file.
conf() {
	local f
	f="$(vigild_dir "$1")/vigil.conf"
	cat >"$f" <<EOF
global_defs {
    router_id $1
}
vrrp_instance VI_1 {
    state $2
    interface eth0
    virtual_router_id 51
    priority $3
    advert_int 1
    ${4:-}
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    virtual_ipaddress {
        $VIP/24
    }
}
EOF
	chmod 0644 "$f"
	echo "$f"
}

MASTER_RE=$(entering_re VI_1 MASTER)
BACKUP_RE=$(entering_re VI_1 BACKUP)
INIT_RE=$(entering_re VI_1 INIT)

# shellcheck disable=SC2120 # logs [LINES]
logs() {
	diag_file "$(vigild_log n1)" "${1:-15}"
	diag_file "$(vigild_log n2)" "${1:-15}"
}

MAC1=$(node_mac n1)
MAC2=$(node_mac n2)
diag "n1 $ADDR1 $MAC1 (priority $PRIO1), n2 $ADDR2 $MAC2 (priority $PRIO2)"

# arp_only NODE MAC: arping from the observer gets replies for the VIP, all
# from MAC.
arp_only() {
	local got
	got=$(arp_repliers obs eth0 $VIP 3)
	[[ $got == "$2" ]] && return 0
	diag "ARP replies for $VIP came from: '${got//$'\n'/ }' (wanted only $1's $2)"
	return 1
}

tap_plan 31

# --- 1. one master ----------------------------------------------------------
if ! vigild_start n1 "$(conf n1 MASTER $PRIO1)" || ! vigild_start n2 "$(conf n2 BACKUP $PRIO2)"; then
	bail_out "vigild did not start"
fi

check "the VIP is on n1 (priority $PRIO1) and only there" wait_vip_only_on n1 $VIP 15 || logs
roles_logged() { log_has n1 "$MASTER_RE" && log_has n2 "$BACKUP_RE" && ! log_has n2 "$MASTER_RE"; }
check "n1 logged MASTER, n2 only BACKUP" roles_logged || logs
n2_backup_of_n1() { [[ $(vrrp_get n2 VI_1.state) == BACKUP && $(vrrp_get n2 VI_1.master) == "$ADDR1" ]]; }
check "n2's vrrp process reports BACKUP with master $ADDR1" n2_backup_of_n1
check "only n1's MAC answers ARP for the VIP" arp_only n1 "$MAC1"
ctl=$(arp_repliers obs eth0 $ADDR2 2)
ok "$([[ $ctl == "$MAC2" ]]; echo $?)" "control: n2 does answer ARP for its own address $ADDR2" ||
	diag "replies from '$ctl'"

# --- 2. SIGTERM of the master -------------------------------------------------
CAP="$LAB_TMP/obs/sigterm.pcap"
capture_start obs "$CAP" 'ip proto 112 or arp' || diag "cannot capture; no takeover time"
# The observer knows the VIP at n1's MAC (as a client that talked to it
# would); the new master's gratuitous ARP must move it to n2's.
lab_exec obs ip neigh replace $VIP lladdr "$MAC1" dev eth0 nud stale
m2=$(log_count_or0 n2 "$MASTER_RE")
vigild_stop n1
check "SIGTERM: n1's vigild exits with status 0" test "${VIGILD_EXIT:-x}" = 0
check "SIGTERM: n2 takes the VIP, n1 no longer holds it" wait_vip_only_on n2 $VIP 10 || logs
check "n1's log shows it left MASTER for INIT (shutdown)" log_has n1 "$INIT_RE.*shutdown"
check "n2's log shows it took over" log_wait_count n2 "$MASTER_RE" $((m2 + 1)) 5
obs_neigh_is() { lab_exec obs ip neigh show $VIP dev eth0 | grep -qi "lladdr $1"; }
check "the observer's ARP cache now has the VIP at n2's MAC (gratuitous ARP)" \
	wait_for 5 obs_neigh_is "$MAC2" || diag "observer: $(lab_exec obs ip neigh show $VIP dev eth0)"
# Let the new master's gratuitous ARPs and a second advert reach the capture.
n2_adverts_captured() { (($(capture_vrrp "$CAP" | awk -v s=$ADDR2 '$2 == s' | wc -l) >= 2)); }
wait_for 5 n2_adverts_captured
capture_stop

adv=$(capture_vrrp "$CAP")
t0=$(awk -v s=$ADDR1 '$2 == s && $4 == 0 { print $1; exit }' <<<"$adv")
t1=$(awk -v s=$ADDR2 -v t0="${t0:-0}" '$2 == s && $1 >= t0 { print $1; exit }' <<<"$adv")
tg=$(capture_garp "$CAP" | awk -v a=$VIP -v t0="${t0:-0}" '$2 == a && $1 >= t0 { print $1; exit }')
ok "$([[ -n $t0 ]]; echo $?)" "the capture shows n1's priority-0 advert" ||
	diag "adverts captured:" "$adv"
ok "$([[ -n $t0 && -n $t1 ]]; echo $?)" "the capture shows n2 advertising after it"
ok "$([[ -n $tg ]]; echo $?)" "the capture shows n2's gratuitous ARP for the VIP" ||
	diag "ARP captured:" "$(tcpdump -r "$CAP" -n -tt arp 2>/dev/null | tail -n 8)"
if [[ -n $t0 && -n $t1 ]]; then
	awk -v t0="$t0" -v t1="$t1" -v tg="${tg:-}" -v p=$PRIO2 'BEGIN {
		skew = (256 - p) / 256 * 1000
		d = (t1 - t0) * 1000
		printf "takeover (n1 priority-0 advert -> n2 first advert): %.1f ms; ", d
		printf "theory Skew_Time (256-%d)/256 s = %.1f ms; difference %+.1f ms\n", p, skew, d - skew
		if (tg != "")
			printf "n2 first gratuitous ARP for the VIP: %+.2f ms after its first advert\n", (tg - t1) * 1000
	}' | while IFS= read -r l; do diag "$l"; done
fi
check "after the takeover only n2's MAC answers ARP for the VIP" arp_only n2 "$MAC2"

# --- 3. the old master comes back and preempts ---------------------------------
b2=$(log_count_or0 n2 "$BACKUP_RE")
vigild_start n1 "$(conf n1 MASTER $PRIO1)" || bail_out "vigild did not restart on n1"
check "n1 restarted: it preempts, the VIP is on n1 only" wait_vip_only_on n1 $VIP 15 || logs
check "n2 logged its return to BACKUP" log_wait_count n2 "$BACKUP_RE" $((b2 + 1)) 5
check "n2, now a backup, no longer answers ARP for the VIP: only n1's MAC does" arp_only n1 "$MAC1"

# --- 4. kill -9 of the master's vrrp process ----------------------------------
m1=$(log_count_or0 n1 "$MASTER_RE")
m2=$(log_count_or0 n2 "$MASTER_RE")
old=$(vigild_pid n1 vrrp)
kill -KILL "$old"
new=$(vigild_wait_new_child n1 vrrp "$old" 10)
ok "$([[ -n $new ]]; echo $?)" "kill -9 of n1's vrrp process ($old): the parent starts a new one (${new:-none})"

# Watch who holds the VIP until n1's new vrrp process is master again (or
# 25 s), then 2 s more: the longest time both nodes held it at once.
both_us=0 both_max_us=0 prev=$(now_us) seen_nowhere=0 settled_at=
deadline=$(($(now_us) + $(awk -v k="$VIGIL_TEST_TIMEOUT_SCALE" 'BEGIN { printf "%d", 25000000 * k }')))
while :; do
	h=$(vip_holders $VIP)
	t=$(now_us)
	if [[ $h == "n1 n2" ]]; then
		both_us=$((both_us + t - prev))
		((both_us > both_max_us)) && both_max_us=$both_us
	else
		both_us=0
	fi
	[[ -z $h ]] && seen_nowhere=1
	prev=$t
	if [[ -z $settled_at ]] && log_count_ge n1 "$MASTER_RE" $((m1 + 1)); then
		settled_at=$t
	fi
	[[ -n $settled_at ]] && ((t - settled_at > 2000000)) && break
	((t > deadline)) && break
	sleep 0.1
done
if log_count_ge n2 "$MASTER_RE" $((m2 + 1)); then
	diag "after the kill the VIP moved to n2, then n1's new vrrp process preempted"
else
	diag "after the kill n1's new vrrp process became master again before n2 did"
fi
[[ $seen_nowhere == 1 ]] && diag "(the VIP was on no node for a moment: the new process removed the one left behind)"
diag "longest time both nodes held the VIP at once: $((both_max_us / 1000)) ms"
check "n1's new vrrp process becomes MASTER again" test -n "$settled_at" || logs 20
bound_us=$(awk -v k="$VIGIL_TEST_TIMEOUT_SCALE" 'BEGIN { printf "%d", 2000000 * k }')
ok "$((both_max_us <= bound_us ? 0 : 1))" "the VIP is never on both nodes for more than $((bound_us / 1000)) ms" ||
	logs 20
check "settled: exactly one node holds the VIP, n1" vip_only_on n1 $VIP ||
	diag "held by '$(vip_holders $VIP)'"

# --- 5. nopreempt ----------------------------------------------------------------
vigild_stop n1 && vigild_stop n2
check "both nodes stop; the VIP is on no node" vip_nowhere $VIP
vigild_start n1 "$(conf n1 BACKUP $PRIO1 nopreempt)" || bail_out "vigild did not start on n1"
check "nopreempt: n1 alone becomes master" wait_vip_only_on n1 $VIP 15 || logs
vigild_start n2 "$(conf n2 BACKUP $PRIO2 nopreempt)" || bail_out "vigild did not start on n2"
b2=$(log_count_or0 n2 "$BACKUP_RE")
m2=$(log_count_or0 n2 "$MASTER_RE")
vigild_stop n1
check "nopreempt: SIGTERM of n1, n2 takes the VIP" wait_vip_only_on n2 $VIP 10 || logs
check "n2 logged MASTER" log_wait_count n2 "$MASTER_RE" $((m2 + 1)) 5
m1=$(log_count_or0 n1 "$MASTER_RE")
b1=$(log_count_or0 n1 "$BACKUP_RE")
vigild_start n1 "$(conf n1 BACKUP $PRIO1 nopreempt)" || bail_out "vigild did not restart on n1"
check "nopreempt: n1 comes back as BACKUP" log_wait_count n1 "$BACKUP_RE" $((b1 + 1)) 10

# n1 hears n2's adverts (at least 5: longer than Master_Down_Interval) and
# all along the VIP stays on n2 alone.
LEFT_N2=
n1_heard_5() {
	vip_only_on n2 $VIP || LEFT_N2="$LEFT_N2 [$(vip_holders $VIP)]"
	local acc
	acc=$(vrrp_get n1 VI_1.rx.accepted) || return 1
	((acc >= 5))
}
check "n1 accepts 5 adverts from n2 (priority $PRIO2 < $PRIO1)" wait_for 15 n1_heard_5
ok "$([[ -z $LEFT_N2 ]]; echo $?)" "nopreempt: meanwhile the VIP stayed on n2 only" ||
	diag "holders seen:$LEFT_N2"
n1_stayed_backup() { ! log_count_ge n1 "$MASTER_RE" $((m1 + 1)) && vrrp_state_is n1 VI_1 BACKUP; }
check "nopreempt: n1 logged no MASTER since it came back, and reports BACKUP" n1_stayed_backup || logs
check "nopreempt: the VIP is still on n2 only" vip_only_on n2 $VIP

vigild_stop n1 && vigild_stop n2
stopped_clean() { [[ ${VIGILD_EXIT:-x} == 0 ]] && vip_nowhere $VIP; }
check "both nodes stop cleanly; the VIP is on no node" stopped_clean

tap_done
