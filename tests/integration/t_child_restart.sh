#!/bin/bash
#
# t_child_restart.sh - the parent restarts a dead child and leaves the
# others alone: a crash in the management plane must not touch vrrp (so
# must not move a VIP). Repeated quick deaths back off: the restart delay
# the parent logs grows.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns

lab_init
lab_node n1 192.0.2.11/24

node=n1
conf=$(vigild_dir $node)/vigil.conf
write_vrrp_conf "$conf" n1 MASTER 150

tap_plan 19

if ! check "vigild starts with its three children" vigild_start $node "$conf"; then
	bail_out "vigild did not start; nothing else can be tested"
fi

parent=$(vigild_job $node)
declare -A pid
for c in vrrp check mgmt; do
	pid[$c]=$(vigild_pid $node $c)
done
diag "parent $parent, vrrp ${pid[vrrp]}, check ${pid[check]}, mgmt ${pid[mgmt]}"

# unchanged WHICH...: each named process keeps its pid (pid file and /proc).
unchanged() {
	local c bad=
	for c in "$@"; do
		if [[ $c == parent ]]; then
			pid_alive "$parent" && [[ $(vigild_pid $node vigild) == "$parent" ]] ||
				bad="$bad parent"
		else
			pid_alive "${pid[$c]}" && [[ $(vigild_pid $node "$c") == "${pid[$c]}" ]] ||
				bad="$bad $c"
		fi
	done
	[[ -z $bad ]] || { diag "changed or gone:$bad"; return 1; }
}

is_child() { [[ $(pid_ppid "$1") == "$parent" ]]; }

# The log line of a child's death, and the delay it announces.
# The contract's wording is "restarting in 0.1 s"; "restart N in 0.1 s" (with
# the restart count) is accepted too.
death_re() { echo "child $1 \\(pid $2\\) killed by signal 9 \\(Killed\\); restart(ing| [0-9]+) in [0-9.]+ ?m?s"; }
# restart_delay WHICH PID: the delay in seconds logged for that death.
restart_delay() {
	log_grep $node "child $1 \\(pid $2\\) (killed by signal|exited with status)" |
		tail -n 1 | sed -En 's/.*restart(ing| [0-9]+) in ([0-9.]+) ?(m?s).*/\2 \3/p' |
		awk '{ print ($2 == "ms") ? $1 / 1000 : $1 }'
}

# kill_and_follow WHICH: SIGKILL child WHICH, wait for its successor, set
# OLD and NEW to the two pids (NEW is empty when none came).
kill_and_follow() {
	OLD=$(vigild_pid $node "$1")
	kill -KILL "$OLD"
	NEW=$(vigild_wait_new_child $node "$1" "$OLD" 15)
}

# --- mgmt dies once ----------------------------------------------------------
kill_and_follow mgmt
m1=$OLD m2=$NEW
ok "$([[ -n $m2 ]]; echo $?)" "SIGKILL to mgmt ($m1): a new mgmt appears (${m2:-none})" ||
	diag_file "$(vigild_log $node)"
check "the new mgmt is a child of the same parent" is_child "$m2"
check "the death is logged with the signal and the restart delay" \
	log_wait $node "$(death_re mgmt "$m1")" 5 ||
	diag_file "$(vigild_log $node)" 10
check "the restart is logged with the new pid" \
	log_wait $node "child mgmt started \\(pid $m2\\)" 5
check "the parent keeps its pid" unchanged parent
check "vrrp keeps its pid" unchanged vrrp
check "check keeps its pid" unchanged check

# --- mgmt dies twice more, quickly: back-off -------------------------------
kill_and_follow mgmt
m2b=$OLD m3=$NEW
kill_and_follow mgmt
m3b=$OLD m4=$NEW
ok "$([[ -n $m3 && -n $m4 ]]; echo $?)" "two quick kills of mgmt: restarted both times (pids ${m3:-none}, ${m4:-none})" ||
	diag_file "$(vigild_log $node)" 15
d1=$(restart_delay mgmt "$m1")
d2=$(restart_delay mgmt "$m2b")
d3=$(restart_delay mgmt "$m3b")
diag "restart delays logged: ${d1:-?} s, then ${d2:-?} s, then ${d3:-?} s"
grows() { [[ -n $1 && -n $2 ]] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(b > a) }'; }
check "back-off: the second restart delay is longer than the first" grows "$d1" "$d2" ||
	diag "$(log_grep $node 'child mgmt')"
check "back-off: the third restart delay is longer than the second" grows "$d2" "$d3"
pid[mgmt]=$m4
check "after the back-off mgmt runs, a child of the same parent" is_child "$m4"
check "parent, vrrp and check kept their pids through it all" unchanged parent vrrp check

# --- vrrp dies ---------------------------------------------------------------
kill_and_follow vrrp
v1=$OLD v2=$NEW
ok "$([[ -n $v2 ]]; echo $?)" "SIGKILL to vrrp ($v1): a new vrrp appears (${v2:-none})" ||
	diag_file "$(vigild_log $node)" 10
check "the new vrrp is a child of the same parent" is_child "$v2"
check "the vrrp death is logged with the signal" log_wait $node "$(death_re vrrp "$v1")" 5
check "the vrrp restart is logged with the new pid" \
	log_wait $node "child vrrp started \\(pid $v2\\)" 5
check "parent, check and mgmt keep their pids" unchanged parent check mgmt

# --- and it still stops cleanly ---------------------------------------------
vigild_stop $node 10
exit_zero() { [[ $VIGILD_EXIT == 0 ]]; }
check "SIGTERM after the restarts: the parent exits with status 0" exit_zero ||
	diag "exit status: '${VIGILD_EXIT:-did not exit}'"

tap_done
