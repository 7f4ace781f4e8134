#!/bin/bash
#
# t_vrrp_malformed.sh - malformed adverts change nothing and are counted.
#
# Two vigild nodes (n1 master at 150, n2 backup at 100, VRRPv2, PASS
# "1111", VIP 192.0.2.100/24, VRID 51). A third namespace, inj, sends
# hand-made adverts with tests/integration/vrrp_inject.py (raw socket,
# IP_HDRINCL: the test sets the TTL and the checksums). Each one would be
# a priority-254 advert, which would make the master step down, but for one
# defect: TTL, checksum, version, type, length, VRID, authentication,
# interval, address list. For each, both nodes count it in the right
# counter of vrrp-state.json (the instance's rx for the checks against an
# instance, and for TTL, type and length errors of a packet naming its
# VRID, as RFC 2787 counts them per virtual router; rx_unmatched for the
# router-wide checksum, version and VRID errors) and in no other, and no
# node changes state. Then the control: a valid priority-254 advert from
# the injector does make the master step down (so the injector's packets
# do reach the daemons); when the injector stops, n1 is master again.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

INJECT="$VIGIL_SRCDIR/tests/integration/vrrp_inject.py"
[[ -r $INJECT ]] || skip_all "$INJECT is missing"

VIP=192.0.2.100
INJ=192.0.2.66

lab_init
lab_node n1 192.0.2.11/24
lab_node n2 192.0.2.12/24
lab_node inj $INJ/24

for n in n1 n2; do
	write_vrrp_conf "$(vigild_dir $n)/vigil.conf" $n \
		"$([[ $n == n1 ]] && echo MASTER || echo BACKUP)" \
		"$([[ $n == n1 ]] && echo 150 || echo 100)" 51
done

ANY='\(VI_1\) Entering [A-Z]+ STATE'

# shellcheck disable=SC2120 # logs [LINES]
logs() {
	diag_file "$(vigild_log n1)" "${1:-12}"
	diag_file "$(vigild_log n2)" "${1:-12}"
}

# inject ARGS...: one advert from inj; by default a valid priority-254
# advert for VRID 51 (the arguments change or add to it).
inject() {
	lab_exec inj python3 "$INJECT" --ifname eth0 --src $INJ --vrid 51 --prio 254 \
		--auth-pass 1111 "$@"
}

# snap NODE: the receive counters as "KEY VALUE" lines (accepted adverts
# left out: n2 keeps accepting n1's).
snap() {
	local f
	f=$(vrrp_dump "$1") || return 1
	vrrp_flat "$f" | awk '($1 ~ /\.rx\./ || $1 ~ /^rx_unmatched\./) && $1 !~ /\.accepted$/'
}

# counter_at_least NODE KEY N
counter_at_least() {
	local v
	v=$(vrrp_get "$1" "$2") || return 1
	((v >= $3))
}

# changes BEFORE AFTER: the counters that changed, as "KEY +DELTA" words.
changes() {
	awk 'NR == FNR { b[$1] = $2; next } $2 != b[$1] { printf "%s +%d ", $1, $2 - b[$1] }' \
		<(echo "$1") <(echo "$2")
}

# Each case: description | injector arguments | the counter it must bump.
CASES=(
	"TTL 64 (must be 255)|--addr $VIP --ttl 64|VI_1.rx.bad_ttl"
	"bad checksum|--addr $VIP --bad-checksum|rx_unmatched.bad_checksum"
	"version 1|--addr $VIP --version 1|rx_unmatched.bad_version"
	"version 4|--addr $VIP --version 4|rx_unmatched.bad_version"
	"type 2 (not an advertisement)|--addr $VIP --type 2|VI_1.rx.bad_type"
	"truncated to 6 bytes|--addr $VIP --truncate 6|rx_unmatched.truncated"
	"address count 2 with one address|--addr $VIP --count-addr 2|VI_1.rx.bad_length"
	"unknown VRID 52|--addr $VIP --vrid 52|rx_unmatched.unknown_vrid"
	"wrong password|--addr $VIP --auth-pass wrong|VI_1.rx.auth_failure"
	"no authentication (type 0)|--addr $VIP --auth-type 0|VI_1.rx.auth_type_mismatch"
	"authentication type 3|--addr $VIP --auth-type 3|VI_1.rx.invalid_auth_type"
	"advert interval 2 s (ours is 1 s)|--addr $VIP --adver-int 2|VI_1.rx.interval_mismatch"
	"another address list (192.0.2.99)|--addr 192.0.2.99|VI_1.rx.address_list_mismatch"
	"VRRPv3 to a VRRPv2 instance|--addr $VIP --version 3|VI_1.rx.version_mismatch"
)

tap_plan $((${#CASES[@]} + 11))

if ! vigild_start n1 "$(vigild_dir n1)/vigil.conf" || ! vigild_start n2 "$(vigild_dir n2)/vigil.conf"; then
	bail_out "vigild did not start"
fi
check "n1 is master: the VIP is on n1 only" wait_vip_only_on n1 $VIP 15 || logs
check "n2 is n1's backup" vrrp_has n2 VI_1.state=BACKUP VI_1.master=192.0.2.11

t1=$(log_count_or0 n1 "$ANY")
t2=$(log_count_or0 n2 "$ANY")
MOVED=

for c in "${CASES[@]}"; do
	IFS='|' read -r what args key <<<"$c"
	if ! b1=$(snap n1) || ! b2=$(snap n2); then
		ok 1 "$what: no state dump"
		continue
	fi
	k1=$(awk -v k="$key" '$1 == k { print $2 }' <<<"$b1")
	k2=$(awk -v k="$key" '$1 == k { print $2 }' <<<"$b2")
	# shellcheck disable=SC2086 # the arguments are words
	if ! inject $args; then
		ok 1 "$what: the injector failed"
		continue
	fi
	both_counted() { counter_at_least n1 "$key" $((k1 + 1)) && counter_at_least n2 "$key" $((k2 + 1)); }
	wait_for 5 both_counted
	a1=$(snap n1)
	a2=$(snap n2)
	d1=$(changes "$b1" "$a1")
	d2=$(changes "$b2" "$a2")
	ok "$([[ $d1 == "$key +1 " && $d2 == "$key +1 " ]]; echo $?)" \
		"$what: counted once in $key on both nodes, nothing else" ||
		diag "n1 counters changed: ${d1:-none}" "n2 counters changed: ${d2:-none}"
	vip_only_on n1 $VIP || MOVED="$MOVED [$what: $(vip_holders $VIP)]"
done

no_transition() { (($(log_count_or0 n1 "$ANY") == t1 && $(log_count_or0 n2 "$ANY") == t2)); }
check "no node logged a transition while the malformed adverts came" no_transition || logs
ok "$([[ -z $MOVED ]]; echo $?)" "the VIP stayed on n1 only all along" || diag "$MOVED"
roles_kept() {
	vrrp_has n1 VI_1.state=MASTER && vrrp_has n2 VI_1.state=BACKUP VI_1.master=192.0.2.11
}
check "n1 still reports MASTER, n2 BACKUP of n1" roles_kept

# --- the control: a valid priority-254 advert, every second -------------------
acc=$(vrrp_get n1 VI_1.rx.accepted)
b1=$(log_count_or0 n1 "$(entering_re VI_1 BACKUP)")
ip netns exec "$(lab_ns inj)" python3 "$INJECT" --ifname eth0 --src $INJ --vrid 51 --prio 254 \
	--auth-pass 1111 --addr $VIP --repeat 60 --interval 1 </dev/null >/dev/null 2>&1 &
INJ_PID=$!
check "control: n1 accepts the injector's valid advert" \
	wait_for 5 counter_at_least n1 VI_1.rx.accepted $((acc + 1))
check "control: n1 steps down to BACKUP" log_wait_count n1 "$(entering_re VI_1 BACKUP)" $((b1 + 1)) 5 ||
	logs
injector_is_master() {
	local n
	for n in n1 n2; do
		vrrp_has $n VI_1.state=BACKUP VI_1.master=$INJ VI_1.master_priority=254 || return 1
	done
}
check "control: n1 and n2 are BACKUP of the injector ($INJ, priority 254)" injector_is_master
check "control: no vigild node holds the VIP (the injector is the master)" wait_for 5 vip_nowhere $VIP

kill "$INJ_PID" 2>/dev/null
wait "$INJ_PID" 2>/dev/null
check "the injector stops: n1 is master again, the VIP on n1 only" wait_vip_only_on n1 $VIP 15 || logs

vigild_stop n1 && vigild_stop n2
check "both stop cleanly" test "${VIGILD_EXIT:-x}" = 0

tap_done
