#!/bin/bash
#
# t_vrrp_three_nodes.sh - three vigild nodes with priorities 150, 100, 50 in
# one virtual router: the highest priority alive holds the VIP, and only it.
# Stop the 150: the 100 takes over (not the 50); stop the 100: the 50 takes
# over; start both again: the 150 preempts and the others are backups of
# it. Run twice: VRRPv2 over IPv4 (VIP 192.0.2.100/24), then VRRPv3 over
# IPv6 (VIP 2001:db8::100/64, adverts from the link-local addresses).

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

lab_init
lab_node a 192.0.2.11/24 2001:db8::11/64
lab_node b 192.0.2.12/24 2001:db8::12/64
lab_node c 192.0.2.13/24 2001:db8::13/64

declare -A PRIO=([a]=150 [b]=100 [c]=50)

# conf NODE STATE FAMILY: the node's config (FAMILY 4: VRRPv2 PASS, 6: VRRPv3).
conf() {
	local f body
	f="$(vigild_dir "$1")/vigil-v$3.conf"
	if [[ $3 == 4 ]]; then
		body="    version 2
    authentication {
        auth_type PASS
        auth_pass s3cret
    }
    virtual_ipaddress {
        192.0.2.100/24
    }"
	else
		body="    version 3
    virtual_ipaddress {
        2001:db8::100/64
    }"
	fi
	cat >"$f" <<EOF
global_defs {
    router_id $1
}
vrrp_instance VI_$3 {
    state $2
    interface eth0
    virtual_router_id 51
    priority ${PRIO[$1]}
    advert_int 1
$body
}
EOF
	chmod 0644 "$f"
	echo "$f"
}

# shellcheck disable=SC2120 # logs [LINES]
logs() {
	local n
	for n in a b c; do diag_file "$(vigild_log "$n")" "${1:-10}"; done
}

# backups_of NODE FAMILY: every other running node reports BACKUP with NODE's
# address as the master.
declare -A ADDR4=([a]=192.0.2.11 [b]=192.0.2.12 [c]=192.0.2.13)
RUNNING=()
link_local() {
	lab_exec "$1" ip -6 -o addr show dev eth0 scope link |
		awk '{ a = $4; sub(/\/.*/, "", a); print a; exit }'
}
backups_of() {
	local n want st m
	for n in "${RUNNING[@]}"; do
		[[ $n == "$1" ]] && continue
		# The v6 master is known by its link-local address.
		if [[ $2 == 6 ]]; then want=$(link_local "$1"); else want=${ADDR4[$1]}; fi
		st=$(vrrp_get "$n" "VI_$2.state")
		m=$(vrrp_get "$n" "VI_$2.master")
		if [[ $st != BACKUP || $m != "$want" ]]; then
			diag "$n: state $st, master $m (wanted BACKUP of $1)"
			return 1
		fi
	done
}

# scenario FAMILY VIP
scenario() {
	local fam=$1 vip=$2 v re_m mc n
	if [[ $fam == 4 ]]; then v="VRRPv2/IPv4"; else v="VRRPv3/IPv6"; fi
	re_m=$(entering_re "VI_$fam" MASTER)

	for n in a b c; do
		vigild_start $n "$(conf $n "$([[ $n == a ]] && echo MASTER || echo BACKUP)" "$fam")" ||
			bail_out "vigild did not start on $n"
	done
	RUNNING=(a b c)
	check "$v: one master, the 150 (a); exactly one node holds $vip" \
		wait_vip_only_on a "$vip" 15 || logs
	check "$v: b and c report BACKUP of a" backups_of a "$fam"

	mc=$(log_count_or0 c "$re_m")
	vigild_stop a
	RUNNING=(b c)
	check "$v: a stopped, the 100 (b) takes over and alone holds $vip" \
		wait_vip_only_on b "$vip" 10 || logs
	c_stayed_backup() { ! log_count_ge c "$re_m" $((mc + 1)) && backups_of b "$fam"; }
	check "$v: the 50 (c) did not become master meanwhile and is b's backup" c_stayed_backup ||
		logs

	vigild_stop b
	RUNNING=(c)
	check "$v: b stopped, the 50 (c) takes over and alone holds $vip" \
		wait_vip_only_on c "$vip" 10 || logs

	if ! vigild_start a "$(conf a MASTER "$fam")" || ! vigild_start b "$(conf b BACKUP "$fam")"; then
		bail_out "vigild did not restart"
	fi
	RUNNING=(a b c)
	check "$v: a and b back: the 150 (a) preempts and alone holds $vip" \
		wait_vip_only_on a "$vip" 15 || logs
	check "$v: b and c settle as BACKUP of a" wait_for 10 backups_of a "$fam" || logs
	check "$v: still exactly one holder, a" vip_only_on a "$vip"

	for n in a b c; do vigild_stop $n; done
	check "$v: all stopped, $vip is on no node" vip_nowhere "$vip"
}

tap_plan 18

scenario 4 192.0.2.100

# IPv6 adverts go out from the link-local address: let DAD finish first.
for n in a b c; do
	lab_wait_dad $n 10 || diag "$n: IPv6 addresses still tentative"
done
scenario 6 2001:db8::100

tap_done
