#!/bin/bash
#
# demo.sh - two vigild nodes in a lab of network namespaces, as in the seed
# tutorials: lb1 (192.0.2.11) is MASTER and lb2 (192.0.2.12) is BACKUP of
# VI_1, whose VIP is 192.0.2.100/24, auth PASS.
#
# Usage: tests/demo.sh [--seconds N] [--keep-logs]
#   Build first (./configure && make); this script builds nothing.
#   Runs until Ctrl-C, or N seconds with --seconds. Needs root.
#   Nothing touches the host's network: the nodes are namespaces joined by
#   a bridge that lives in a namespace of its own; everything is removed
#   at the end.

# shellcheck source-path=SCRIPTDIR source=integration/lib.sh
. "$(dirname "$0")/integration/lib.sh"

seconds=
while (($#)); do
	case $1 in
	--seconds)
		seconds=$2
		shift 2 || { echo "demo.sh: --seconds needs a number" >&2; exit 2; }
		[[ $seconds =~ ^[0-9]+$ ]] || { echo "demo.sh: --seconds needs a number" >&2; exit 2; }
		;;
	--keep-logs) export VIGIL_KEEP_LOGS=1; shift ;;
	-h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "demo.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
done

# The library's requirement checks speak TAP (they are shared with the
# tests); the demo says it in words.
need() { echo "demo.sh: $*" >&2; exit 1; }
[[ -x $VIGILD ]] || need "vigild is not built ($VIGILD): run ./configure && make first"
[[ $(id -u) -eq 0 ]] || need "needs root (it creates network namespaces); try: sudo $0"
command -v ip >/dev/null 2>&1 || need "needs ip(8) from iproute2"

say() { printf '\n== %s\n' "$*"; }

lab_init
lab_node lb1 192.0.2.11/24
lab_node lb2 192.0.2.12/24

write_vrrp_conf "$(vigild_dir lb1)/vigil.conf" lb1 MASTER 150
write_vrrp_conf "$(vigild_dir lb2)/vigil.conf" lb2 BACKUP 100

say "lab: namespaces $(lab_ns lb1), $(lab_ns lb2), joined by bridge br0 in $(lab_ns hub)"
for n in lb1 lb2; do
	printf '   %-4s ' "$n"
	lab_exec "$n" ip -br -4 addr show dev eth0
done

say "config of lb1 ($(vigild_dir lb1)/vigil.conf); lb2 differs by router_id lb2, state BACKUP, priority 100"
sed 's/^/   /' "$(vigild_dir lb1)/vigil.conf"

for n in lb1 lb2; do
	say "starting vigild on $n: $VIGILD -n -l -f $(vigild_dir $n)/vigil.conf ..."
	vigild_start "$n" "$(vigild_dir $n)/vigil.conf" || need "vigild did not start on $n (log above)"
done

for n in lb1 lb2; do
	say "$n: processes in namespace $(lab_ns $n)"
	pids=$(lab_pids "$n" | paste -sd, -)
	ps -o pid,ppid,user,comm --forest -p "$pids" | sed 's/^/   /'
	say "$n: pid files in $(vigild_dir $n)"
	for f in vigild vrrp check mgmt; do
		printf '   %-11s %s\n' "$f.pid" "$(vigild_pid "$n" "$f" || echo '(none)')"
	done
	say "$n: addresses on eth0"
	lab_exec "$n" ip -br addr show dev eth0 | sed 's/^/   /'
	say "$n: log ($(vigild_log $n)), last lines"
	tail -n 8 "$(vigild_log $n)" | sed 's/^/   /'
done

vip_holders() {
	local n out=
	for n in lb1 lb2; do
		lab_exec "$n" ip -4 addr show dev eth0 | grep -q ' 192\.0\.2\.100/' && out="$out $n"
	done
	echo "${out# }"
}
show_vip() { printf '   VIP 192.0.2.100 is on: %s\n' "$(vip_holders | sed 's/^$/no node/')"; }

say "election: lb1 (priority 150) should become MASTER after Master_Down_Interval (~3.4 s)"
wait_for 10 test "$(vip_holders)" = lb1
show_vip
grep -h "Entering" "$(vigild_log lb1)" "$(vigild_log lb2)" | sed 's/^/   /'

say "failover: SIGTERM to lb1's vigild (it sends priority 0; lb2 takes over after Skew_Time)"
vigild_stop lb1 10
wait_for 5 test "$(vip_holders)" = lb2
show_vip
grep -h "Entering" "$(vigild_log lb2)" | tail -n 1 | sed 's/^/   /'

say "lb1 comes back and preempts (it has the higher priority)"
vigild_start lb1 "$(vigild_dir lb1)/vigil.conf" || need "vigild did not restart on lb1"
wait_for 10 test "$(vip_holders)" = lb1
show_vip
grep -h "Entering" "$(vigild_log lb1)" "$(vigild_log lb2)" | tail -n 3 | sed 's/^/   /'

mgmt1=$(vigild_pid lb1 mgmt)
cat <<EOF

== Try, in another terminal
     ip netns exec $(lab_ns lb1) ip addr show dev eth0       # the VIP on lb1
     kill -9 $mgmt1            # lb1's mgmt child: restarted, the VIP does not move
     kill \$(cat $(vigild_dir lb1)/vigild.pid)   # stop lb1: lb2 takes the VIP
     kill -USR2 \$(cat $(vigild_dir lb2)/vrrp.pid); cat $(vigild_dir lb2)/vrrp-state.json

== Following both logs$( [[ -n $seconds ]] && echo " for $seconds s" || echo "; Ctrl-C stops the demo and removes the lab")
EOF

for n in lb1 lb2; do
	# $! is tail's own pid (the sed reads a process substitution), so the
	# cleanup can stop it; --pid ends it anyway when this script dies.
	tail -n 0 -F --pid=$$ "$(vigild_log $n)" 2>/dev/null > >(sed -u "s/^/   $n | /") &
	LAB_EXTRA_PIDS+=($!)
done

# `sleep & wait` so that Ctrl-C runs the cleanup at once.
if [[ -n $seconds ]]; then
	sleep "$seconds" &
else
	sleep infinity &
fi
LAB_EXTRA_PIDS+=($!)
wait $!

say "stopping: SIGTERM to both parents"
for n in lb1 lb2; do
	if vigild_stop "$n" 10; then
		echo "   $n: vigild exited with status $VIGILD_EXIT"
	else
		echo "   $n: vigild did not exit within 10 s; the cleanup will kill it"
	fi
done
sleep 0.2
say "removing the lab"
