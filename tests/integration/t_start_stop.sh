#!/bin/bash
#
# t_start_stop.sh - vigild starts its three children, reloads on SIGHUP
# (keeping the old config when the new one is broken) and stops cleanly on
# SIGTERM. One node, one VRRP instance on eth0, VIP 192.0.2.100/24.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns

lab_init
lab_node n1 192.0.2.11/24

node=n1
dir=$(vigild_dir $node)
conf=$dir/vigil.conf
write_vrrp_conf "$conf" n1 MASTER 150

tap_plan 24

# --- start -----------------------------------------------------------------
if ! check "vigild starts and writes the pid files of vrrp, check and mgmt" \
	vigild_start $node "$conf"; then
	bail_out "vigild did not start; nothing else can be tested"
fi

job=$(vigild_job $node)
parent=$(vigild_pid $node vigild)
ok $? "the parent's pid file (-p) exists and holds a pid"
is_job() { [[ $parent == "$job" ]]; }
check "the pid file holds the pid of the process started ($job)" is_job ||
	diag "pid file says '$parent'"
check "the parent runs" pid_alive "$job"

declare -A child
child_of_parent() {
	local pid=$1 pp
	pid_alive "$pid" || { diag "pid $pid does not run"; return 1; }
	pp=$(pid_ppid "$pid")
	[[ $pp == "$job" ]] || { diag "its parent is '$pp', expected $job"; return 1; }
}
for c in vrrp check mgmt; do
	child[$c]=$(vigild_pid $node $c)
	check "child $c (pid ${child[$c]}) runs and is a child of the parent" \
		child_of_parent "${child[$c]}"
done

four_processes() {
	[[ $(printf '%s\n' "$job" "${child[@]}" | sort -u | wc -l) -eq 4 ]]
}
check "parent, vrrp, check and mgmt are four processes" four_processes ||
	diag "pids: parent $job, vrrp ${child[vrrp]}, check ${child[check]}, mgmt ${child[mgmt]}"

user=$(pid_user "${child[mgmt]}")
unprivileged() { [[ -n $user && $user != root ]]; }
check "mgmt runs as an unprivileged user ($user)" unprivileged

starts_logged() {
	local c
	for c in vrrp check mgmt; do
		log_has $node "child $c started \(pid ${child[$c]}\)" ||
			{ diag "no 'child $c started (pid ${child[$c]})'"; return 1; }
	done
}
check "the log says each child started, with its pid" starts_logged ||
	diag_file "$(vigild_log $node)"

same_pids() {
	[[ $(vigild_pid $node vigild) == "$job" ]] && pid_alive "$job" || return 1
	local c
	for c in vrrp check mgmt; do
		[[ $(vigild_pid $node $c) == "${child[$c]}" ]] &&
			pid_alive "${child[$c]}" || return 1
	done
}

# --- SIGHUP, good config ---------------------------------------------------
write_vrrp_conf "$conf" n1 MASTER 140
# child_log_count WHICH: lines a child logged (ident[pid]:) about a reload.
child_log_count() { log_count $node "\\[${child[$1]}\\]: .*reload"; }
declare -A n_child_reload
for c in vrrp check mgmt; do
	n_child_reload[$c]=$(child_log_count $c)
done
n_ok=$(log_count $node 'reload: configuration OK')
kill -HUP "$job"
more_ok() { [[ $(log_count $node 'reload: configuration OK') -gt $n_ok ]]; }
check "SIGHUP with a good config: the log says 'reload: configuration OK'" wait_for 10 more_ok ||
	diag_file "$(vigild_log $node)"
children_logged() {
	local c
	for c in vrrp check mgmt; do
		[[ $(child_log_count $c) -gt ${n_child_reload[$c]} ]] || return 1
	done
}
check "then each child logs its reload (a line of its own pid)" wait_for 10 children_logged || {
	diag "lines with 'reload':"
	diag "$(log_grep $node 'reload')"
}
check "the reload keeps the parent's and the children's pids" same_pids

# --- SIGHUP, broken config -------------------------------------------------
# Line 9 of the file holds a VRID outside 1..255 (RFC 5798 section 5.2.3).
write_vrrp_conf "$conf" n1 MASTER 140 300
bad_line=$(grep -n 'virtual_router_id 300' "$conf" | cut -d: -f1)
n_ok=$(log_count $node 'reload: configuration OK')
for c in vrrp check mgmt; do
	n_child_reload[$c]=$(child_log_count $c)
done
kill -HUP "$job"
conf_re=$(ere_quote "$conf")
check "SIGHUP with a broken config: the log names $(basename "$conf"):$bad_line with an error" \
	log_wait $node "$conf_re:$bad_line: error:" 10 ||
	diag_file "$(vigild_log $node)"
check "the daemon still runs after the broken reload" pid_alive "$job"
check "the broken reload keeps every pid" same_pids
not_ok_reported() { [[ $(log_count $node 'reload: configuration OK') -eq $n_ok ]]; }
check "the broken reload is not reported as 'configuration OK'" not_ok_reported
children_untold() {
	local c
	for c in vrrp check mgmt; do
		[[ $(child_log_count $c) -eq ${n_child_reload[$c]} ]] ||
			{ diag "child $c logged a reload"; return 1; }
	done
}
check "the children do not reload the broken config" children_untold

# --- SIGTERM ---------------------------------------------------------------
vigild_stop $node 10
ok $? "SIGTERM: the parent exits (waited up to 10 s)"
exit_zero() { [[ $VIGILD_EXIT == 0 ]]; }
check "the parent's exit status is 0" exit_zero ||
	diag "exit status: '${VIGILD_EXIT}'"
no_process_left() { [[ -z $(lab_pids $node) ]]; }
check "no process is left in the node's namespace" wait_for 5 no_process_left || {
	diag "left: $(lab_pids $node | tr '\n' ' ')"
	ps -o pid,ppid,user,args -p "$(lab_pids $node | paste -sd, -)" | sed 's/^/# /'
}
pidfiles_gone() {
	local f left=
	for f in vigild vrrp check mgmt; do
		[[ -e $(vigild_pidfile $node $f) ]] && left="$left $f.pid"
	done
	[[ -z $left ]] || { diag "still there:$left"; return 1; }
}
check "the four pid files are removed" pidfiles_gone
check "the log says the parent stopped" log_has $node "vigild\[$job\]: stopped" ||
	diag_file "$(vigild_log $node)" 5
children_gone() {
	local c
	for c in vrrp check mgmt; do
		pid_dead "${child[$c]}" || { diag "$c (${child[$c]}) runs"; return 1; }
	done
}
check "every child is gone" children_gone

tap_done
