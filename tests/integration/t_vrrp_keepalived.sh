#!/bin/bash
#
# t_vrrp_keepalived.sh - vigild and the real keepalived (the Debian
# package) share virtual routers. Both read the same keepalived.conf, with
# three instances:
#   V2  VRRPv2, PASS authentication, IPv4   VRID 51  VIP 192.0.2.100/24
#   V3  VRRPv3, IPv4                        VRID 52  VIP 192.0.2.101/24
#   V6  VRRPv3, IPv6                        VRID 53  VIP 2001:db8::100/64
# Round A: vigild is master (150), keepalived backup (100). keepalived
# stays backup while vigild advertises; vigild stops (priority 0) and
# keepalived takes every VIP; vigild comes back and preempts.
# Round B: the priorities swapped: vigild stays backup while keepalived
# advertises; keepalived stops and vigild takes over on its priority-0
# advert; keepalived comes back and preempts.
# At every settled point each VIP is on exactly one node. A combination
# that does not interoperate fails here, with both daemons' logs.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns
require_keepalived
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

lab_init
lab_node vg 192.0.2.11/24 2001:db8::11/64
lab_node ka 192.0.2.12/24 2001:db8::12/64

INSTS=(V2 V3 V6)
declare -A VIP=([V2]=192.0.2.100 [V3]=192.0.2.101 [V6]=2001:db8::100)
declare -A WHAT=([V2]="VRRPv2 PASS IPv4" [V3]="VRRPv3 IPv4" [V6]="VRRPv3 IPv6")

# conf NODE STATE PRIORITY: one config, read by vigild and keepalived alike.
conf() {
	local f
	f="$(vigild_dir "$1")/$1-$3.conf"
	cat >"$f" <<EOF
! read by both vigild and keepalived
global_defs {
    router_id $1
    vrrp_garp_master_delay 0
}
vrrp_instance V2 {
    state $2
    interface eth0
    virtual_router_id 51
    priority $3
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass vigilka
    }
    virtual_ipaddress {
        192.0.2.100/24
    }
}
vrrp_instance V3 {
    version 3
    state $2
    interface eth0
    virtual_router_id 52
    priority $3
    advert_int 1
    virtual_ipaddress {
        192.0.2.101/24
    }
}
vrrp_instance V6 {
    version 3
    state $2
    interface eth0
    virtual_router_id 53
    priority $3
    advert_int 1
    virtual_ipaddress {
        2001:db8::100/64
    }
}
EOF
	chmod 0644 "$f"
	echo "$f"
}

# shellcheck disable=SC2120 # logs [LINES]
logs() {
	diag_file "$(vigild_log vg)" "${1:-20}"
	diag_file "$(keepalived_log ka)" "${1:-20}"
}

ka_count() {
	local n
	n=$(grep -Ec -- "$1" "$(keepalived_log ka)" 2>/dev/null)
	echo "${n:-0}"
}

# all_only_on NODE WHAT: each VIP on NODE only; one check per instance.
all_only_on() {
	local node=$1 what=$2 i
	for i in "${INSTS[@]}"; do
		check "${WHAT[$i]}: $what: ${VIP[$i]} is on $node only" \
			wait_vip_only_on "$node" "${VIP[$i]}" 15 || logs
	done
}

# backup_holds MASTER_NODE BACKUP_NODE: through 5 adverts of every instance
# of the master (counted by vigild: adverts it sent, or accepted), the
# backup never holds a VIP and never logs MASTER. One check per instance.
declare -A BASE SEEN
hear5() {
	local i v
	for i in "${INSTS[@]}"; do
		vip_only_on "$MASTER_NODE" "${VIP[$i]}" ||
			SEEN[$i]="${SEEN[$i]} [$(vip_holders "${VIP[$i]}")]"
	done
	for i in "${INSTS[@]}"; do
		v=$(vrrp_get vg "$i.$COUNTER") || return 1
		((v >= BASE[$i] + 5)) || return 1
	done
}
backup_holds() {
	local i m
	MASTER_NODE=$1
	if [[ $1 == vg ]]; then COUNTER=adverts_sent; else COUNTER=rx.accepted; fi
	for i in "${INSTS[@]}"; do
		BASE[$i]=$(vrrp_get vg "$i.$COUNTER")
		SEEN[$i]=
		m=$(entering_re "$i" MASTER)
		if [[ $2 == ka ]]; then
			KA_M[$i]=$(ka_count "$m")
		else
			VG_M[$i]=$(log_count_or0 vg "$m")
		fi
	done
	wait_for 20 hear5 || diag "not 5 adverts of each instance ($COUNTER)"
	for i in "${INSTS[@]}"; do
		m=$(entering_re "$i" MASTER)
		if [[ $2 == ka ]]; then
			now=$(ka_count "$m") was=${KA_M[$i]}
		else
			now=$(log_count_or0 vg "$m") was=${VG_M[$i]}
		fi
		ok "$([[ -z ${SEEN[$i]} && $now == "$was" && $(vrrp_get vg "$i.$COUNTER") -ge $((BASE[$i] + 5)) ]]; echo $?)" \
			"${WHAT[$i]}: $2 stays backup through 5 adverts of $1 (VIP on $1 only)" ||
			{ diag "holders seen:${SEEN[$i]:- always $1 only}; MASTER lines in $2's log: $was -> $now"; logs; }
	done
}
declare -A KA_M VG_M

# vg_rx_clean: vigild dropped none of keepalived's adverts.
vg_rx_clean() {
	local f bad
	f=$(vrrp_dump vg) || return 1
	bad=$(vrrp_flat "$f" | awk '($1 ~ /\.rx\./ || $1 ~ /^rx_unmatched\./) && $1 !~ /\.accepted$/ && $2 != 0')
	[[ -z $bad ]] && return 0
	diag "vigild's error counters:" "$bad"
	return 1
}

tap_plan 39

# --- round A: vigild master (150), keepalived backup (100) ----------------------
diag "round A: vigild 150 (MASTER), keepalived 100 (BACKUP)"
vigild_start vg "$(conf vg MASTER 150)" || bail_out "vigild did not start"
all_only_on vg "vigild alone"
keepalived_start ka "$(conf ka BACKUP 100)" || bail_out "keepalived did not start"
backup_holds vg ka

vigild_stop vg
all_only_on ka "vigild stopped (priority 0): keepalived took over"
for i in "${INSTS[@]}"; do
	check "${WHAT[$i]}: keepalived logged vigild's priority-0 advert" \
		grep -q "($i) Backup received priority 0 advertisement" "$(keepalived_log ka)" ||
		diag_file "$(keepalived_log ka)" 20
done

vigild_start vg "$(conf vg MASTER 150)" || bail_out "vigild did not restart"
all_only_on vg "vigild back: it preempts"
check "vigild accepted keepalived's adverts and dropped none" vg_rx_clean
# Before it preempted, the restarted vigild heard keepalived's adverts.
accepted_all() {
	local f i n
	f=$(vrrp_dump vg) || return 1
	for i in "${INSTS[@]}"; do
		n=$(vrrp_flat "$f" | awk -v k="$i.rx.accepted" '$1 == k { print $2 }')
		((${n:-0} > 0)) || { diag "$i: ${n:-no} adverts accepted"; return 1; }
	done
}
check "vigild accepted keepalived's adverts on every instance" accepted_all

vigild_stop vg
keepalived_stop ka || diag "keepalived did not stop"
for i in "${INSTS[@]}"; do
	check "${WHAT[$i]}: both stopped, ${VIP[$i]} is on no node" wait_for 5 vip_nowhere "${VIP[$i]}"
done

# --- round B: keepalived master (150), vigild backup (100) ----------------------
diag "round B: keepalived 150 (MASTER), vigild 100 (BACKUP)"
keepalived_start ka "$(conf ka MASTER 150)" || bail_out "keepalived did not start"
all_only_on ka "keepalived alone"
vigild_start vg "$(conf vg BACKUP 100)" || bail_out "vigild did not start"
backup_holds ka vg
check "vigild, backup, dropped none of keepalived's adverts" vg_rx_clean
for i in "${INSTS[@]}"; do
	check "${WHAT[$i]}: vigild reports BACKUP" vrrp_state_is vg "$i" BACKUP
done

pz=()
for i in "${INSTS[@]}"; do pz+=("$(log_count_or0 vg "$(entering_re "$i" MASTER) \\(priority 0 advert\\)")"); done
keepalived_stop ka || diag "keepalived did not stop"
all_only_on vg "keepalived stopped: vigild took over"
n=0
for i in "${INSTS[@]}"; do
	check "${WHAT[$i]}: vigild took over on keepalived's priority-0 advert" \
		log_count_ge vg "$(entering_re "$i" MASTER) \\(priority 0 advert\\)" $((pz[n] + 1)) ||
		diag "$(log_grep vg "\\($i\\) Entering" | tail -n 3)"
	n=$((n + 1))
done

keepalived_start ka "$(conf ka MASTER 150)" || bail_out "keepalived did not restart"
all_only_on ka "keepalived back: it preempts"

tap_done
