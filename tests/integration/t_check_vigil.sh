#!/bin/bash
#
# t_check_vigil.sh - tools/check_vigil, the Nagios/Icinga plugin (issue #8,
# item 5): first its unit tests (check_vigil_test.py: the decision over
# canned answers, the arguments, the HTTP layer; one TAP line each), then
# against two real vigild nodes, the plugin run from a third namespace as a
# monitoring server would, each case asserting the exit status and the
# status line:
#   - one master: OK (0); --vrid of a router nobody has: UNKNOWN (3);
#   - VRRP (IP protocol 112) dropped by nftables in b: both nodes MASTER,
#     CRITICAL (2) "two masters", and both nodes report split (their peer
#     view); --zabbix prints 2; rule deleted: while the nodes still report
#     split or suspect (their hysteresis) WARNING (1), then OK again;
#   - both nodes FAULT (a tracked interface down on each): CRITICAL "no
#     master", the nodes report no-master; interfaces up: OK again;
#   - a stopped: WARNING (1), b the master; b stopped too: UNKNOWN (3).
#
# Lab: nodes a 192.0.2.1 (priority 150) and b 192.0.2.2 (priority 100)
# share VI_1 (VRID 51, VIP 192.0.2.100, lib.sh's write_vrrp_conf, plus
# track_interface trk0, a veth in the node, and the other node as its
# split-brain peer), each vigild's API on its node address
# (--http=ADDR:8080); mon 192.0.2.9 runs the plugin.  The lab part
# is skipped (with the reason) where it cannot run: not root, no
# namespaces, vigild not built; the nftables cases without nft.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
PLUGIN=$VIGIL_SRCDIR/tools/check_vigil
UNIT=$VIGIL_SRCDIR/tests/integration/check_vigil_test.py
[[ -r $PLUGIN && -r $UNIT ]] || bail_out "no $PLUGIN or $UNIT"
export CHECK_VIGIL=$PLUGIN
# Run the plugin as installed (its #! line) when it is executable.
if [[ -x $PLUGIN ]]; then RUN_PLUGIN=("$PLUGIN"); else RUN_PLUGIN=(python3 "$PLUGIN"); fi

N_UNIT=$(python3 "$UNIT" --count) || bail_out "$UNIT --count failed"
N_LAB=17

# Why the lab part cannot run here ("" when it can).
LAB_SKIP=
if [[ $(id -u) -ne 0 ]]; then
	LAB_SKIP="needs root (network namespaces)"
elif [[ ! -x $VIGILD ]]; then
	LAB_SKIP="vigild not built ($VIGILD)"
elif ! command -v ip >/dev/null 2>&1; then
	LAB_SKIP="no ip(8) (iproute2)"
elif ! command -v curl >/dev/null 2>&1; then
	LAB_SKIP="curl is not installed (scripts/install-deps.sh)"
elif ! ip netns add "vgprobe$$" >/dev/null 2>&1; then
	LAB_SKIP="cannot create a network namespace (ip netns add)"
else
	ip netns del "vgprobe$$" >/dev/null 2>&1
fi
NFT_SKIP=
command -v nft >/dev/null 2>&1 || NFT_SKIP="nft is not installed (nftables; scripts/install-deps.sh)"

tap_plan $((N_UNIT + N_LAB))

# ---- the unit tests ---------------------------------------------------------------------
UNIT_OUT=$(mktemp "${TMPDIR:-/tmp}/check_vigil_test.XXXXXX") || bail_out "mktemp failed"
python3 "$UNIT" --results >"$UNIT_OUT" 2>&1
n_seen=0
while IFS= read -r line; do
	case $line in
	PASS$'\t'*) ok 0 "unit: ${line#*$'\t'}"; n_seen=$((n_seen + 1)) ;;
	FAIL$'\t'*) ok 1 "unit: ${line#*$'\t'}"; n_seen=$((n_seen + 1)) ;;
	SKIP$'\t'*)
		rest=${line#*$'\t'}
		skip "unit: ${rest%%$'\t'*}" "${rest#*$'\t'}"
		n_seen=$((n_seen + 1))
		;;
	'# '*) echo "$line" ;;
	*) echo "# $line" ;;
	esac
done <"$UNIT_OUT"
rm -f -- "$UNIT_OUT"
# A unit test run that died midway: the missing ones fail.
while ((n_seen < N_UNIT)); do
	ok 1 "unit: a test that did not report (the run stopped early)"
	n_seen=$((n_seen + 1))
done

if [[ -n $LAB_SKIP ]]; then
	for ((i = 0; i < N_LAB; i++)); do
		skip "lab case $((i + 1))" "$LAB_SKIP"
	done
	tap_done
	exit
fi

# ---- the lab ------------------------------------------------------------------------------
lab_init
lab_node a 192.0.2.1/24
lab_node b 192.0.2.2/24
lab_node mon 192.0.2.9/24

for n in a b; do
	# The tracked interface: a veth pair inside the node; trk0 down = FAULT.
	if ! { lab_exec "$n" ip link add trk0 type veth peer name trk1 &&
		lab_exec "$n" ip link set trk1 up && lab_exec "$n" ip link set trk0 up; }; then
		bail_out "cannot make the tracked interface in $n"
	fi
done

# conf NODE STATE PRIORITY PEER URL: write_vrrp_conf's VI_1 tracking trk0,
# and the other node (PEER at URL) as the split-brain peer.
conf() {
	local f
	f="$(vigild_dir "$1")/vigil.conf"
	write_vrrp_conf "$f" "$1" "$2" "$3"
	sed -i 's/^    virtual_ipaddress {$/    track_interface {\n        trk0\n    }\n&/' "$f"
	grep -q '^        trk0$' "$f" || bail_out "could not add track_interface to $f"
	printf 'vigil_split_brain {\n    peer %s %s\n    interval 1\n}\n' "$4" "$5" >>"$f"
	echo "$f"
}

# shellcheck disable=SC2120 # logs [LINES]
logs() {
	diag_file "$(vigild_log a)" "${1:-10}"
	diag_file "$(vigild_log b)" "${1:-10}"
}

URLS=(-H http://192.0.2.1:8080 -H http://192.0.2.2:8080)
# plugin [ARGS]: run the plugin from mon on both nodes; PLUGIN_RC and
# PLUGIN_OUT (stdout and stderr) are what it gave.
PLUGIN_RC='' PLUGIN_OUT=''
plugin() {
	PLUGIN_OUT=$(lab_exec mon "${RUN_PLUGIN[@]}" "${URLS[@]}" --timeout 3 "$@" 2>&1)
	PLUGIN_RC=$?
}
# plugin_is RC ERE [ARGS]: the plugin exits RC and its first line matches ERE.
plugin_is() {
	local rc=$1 re=$2
	shift 2
	plugin "$@"
	[[ $PLUGIN_RC == "$rc" && ${PLUGIN_OUT%%$'\n'*} =~ $re ]]
}
# plugin_wait SECONDS RC ERE [ARGS]: wait until plugin_is; say what the
# plugin said when it does not come.
plugin_wait() {
	local secs=$1
	shift
	wait_for "$secs" plugin_is "$@" && return 0
	diag "check_vigil exited $PLUGIN_RC (wanted $1), said:" "$PLUGIN_OUT"
	return 1
}
# ms_since EPOCHREALTIME: milliseconds since then (printed, never asserted).
ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }'; }
# has_line ERE: a line of the plugin's last output matches ERE.
has_line() { grep -Eq -- "$1" <<<"$PLUGIN_OUT" || { diag "no line matching $1 in:" "$PLUGIN_OUT"; return 1; }; }

OK_RE='^VIGIL OK - VI_1 \(VRID 51\): master a \(192\.0\.2\.1\); 2 of 2 nodes answered \| masters_VI_1=1;;1:1;0 nodes_up=2;;;0;2 suspects=[0-9]+;0;;0 time=[0-9.]+s;;;0;3$'

conf_a=$(conf a MASTER 150 b http://192.0.2.2:8080)
conf_b=$(conf b BACKUP 100 a http://192.0.2.1:8080)
VIGILD_ARGS=(--http=192.0.2.1:8080)
vigild_start a "$conf_a" || bail_out "vigild a did not start"
VIGILD_ARGS=(--http=192.0.2.2:8080)
vigild_start b "$conf_b" || bail_out "vigild b did not start"
VIGILD_ARGS=()

api_from_b() { lab_exec b curl -sf --max-time 2 -o /dev/null http://192.0.2.1:8080/api/v1/status; }
api_from_mon() { lab_exec mon curl -sf --max-time 2 -o /dev/null http://192.0.2.2:8080/api/v1/status; }
check "the APIs answer across the lab bridge (b -> a:8080, mon -> b:8080)" \
	eval 'wait_for 10 api_from_b && wait_for 10 api_from_mon' || logs

check "one master (a): OK (0), 'VI_1 (VRID 51): master a (192.0.2.1)', perfdata masters_VI_1=1" \
	plugin_wait 15 0 "$OK_RE" || logs
check "... the long output: MASTER a, BACKUP b, with the VIP" \
	has_line '^VI_1 \(VRID 51\), VIP 192\.0\.2\.100/24: MASTER a \(192\.0\.2\.1\), BACKUP b \(192\.0\.2\.2\)'
check "--vrid 52 (nobody has it): UNKNOWN (3)" \
	plugin_is 3 '^VIGIL UNKNOWN - no VRRP instance with VRID 52 on the nodes that answered \|' --vrid 52 ||
	diag "exit $PLUGIN_RC:" "$PLUGIN_OUT"

# ---- VRRP blocked between the nodes ---------------------------------------------------
TWO_RE='^VIGIL CRITICAL - VI_1 \(VRID 51\): two masters: a \(192\.0\.2\.1\), b \(192\.0\.2\.2\) \| masters_VI_1=2;;1:1;0 nodes_up=2;;;0;2 '
if [[ -n $NFT_SKIP ]]; then
	skip "VRRP dropped in b: CRITICAL (2) two masters" "$NFT_SKIP"
	skip "... both nodes report split" "$NFT_SKIP"
	skip "... --zabbix prints 2 and exits 0" "$NFT_SKIP"
	skip "rule deleted: WARNING (1) while the nodes still report split or suspect" "$NFT_SKIP"
	skip "rule deleted: OK (0) again, a the master" "$NFT_SKIP"
else
	if ! { lab_exec b nft add table inet t &&
		lab_exec b nft add chain inet t in '{ type filter hook input priority 0; }' &&
		lab_exec b nft add rule inet t in ip protocol 112 drop; }; then
		diag "nft failed in b"
	fi
	check "VRRP (IP protocol 112) dropped in b: both MASTER, CRITICAL (2) 'two masters: a (192.0.2.1), b (192.0.2.2)'" \
		plugin_wait 15 2 "$TWO_RE" || logs
	check "... both nodes report split (their peer view): in the long output, suspects=2" \
		eval 'plugin_wait 15 2 "$TWO_RE.*suspects=2;" &&
			has_line "^VI_1 \\(VRID 51\\), VIP 192\\.0\\.2\\.100/24: MASTER a \\(192\\.0\\.2\\.1\\), MASTER b \\(192\\.0\\.2\\.2\\); split-brain: a \\(192\\.0\\.2\\.1\\) split, b \\(192\\.0\\.2\\.2\\) split$"' ||
		logs
	plugin --zabbix
	check "... --zabbix prints 2 alone and exits 0" eval '[[ $PLUGIN_RC == 0 && $PLUGIN_OUT == 2 ]]' ||
		diag "exit $PLUGIN_RC: $PLUGIN_OUT"
	lab_exec b nft delete table inet t || diag "nft delete failed in b"
	t_lift=$EPOCHREALTIME
	# b goes BACKUP at a's next advert; the nodes clear split only after
	# 3 polls without it, and a's local evidence (b's adverts while a was
	# MASTER) ages out 5 s after the last (doc/split-brain.md): a window of
	# seconds.
	check "rule deleted: one master again while the nodes still report split or suspect: WARNING (1)" \
		plugin_wait 10 1 '^VIGIL WARNING - VI_1 \(VRID 51\): [ab] \(192\.0\.2\.[12]\) reports (split, but one master is seen: a \(192\.0\.2\.1\)|suspect)' ||
		logs
	check "... then the nodes clear it: OK (0) again with a the master" plugin_wait 25 0 "$OK_RE" || logs
	diag "OK $(ms_since "$t_lift") ms after the rule was deleted (not asserted)"
fi

# ---- no master: both nodes FAULT ----------------------------------------------------------
lab_exec a ip link set trk0 down
lab_exec b ip link set trk0 down
check "trk0 down on both: both FAULT, CRITICAL (2) 'no master: a (192.0.2.1) FAULT, b (192.0.2.2) FAULT'" \
	plugin_wait 15 2 '^VIGIL CRITICAL - VI_1 \(VRID 51\): no master: a \(192\.0\.2\.1\) FAULT, b \(192\.0\.2\.2\) FAULT \| masters_VI_1=0;;1:1;0 nodes_up=2;;;0;2 ' ||
	logs
check "... the nodes report no-master too (in the long output)" \
	eval 'plugin_wait 15 2 "^VIGIL CRITICAL - VI_1 \\(VRID 51\\): no master: .*suspects=2;" &&
		has_line "; split-brain: a \\(192\\.0\\.2\\.1\\) no-master, b \\(192\\.0\\.2\\.2\\) no-master$"' || logs
lab_exec a ip link set trk0 up
lab_exec b ip link set trk0 up
t_up=$EPOCHREALTIME
check "trk0 up again: OK (0), a the master" plugin_wait 25 0 "$OK_RE" || logs
diag "OK $(ms_since "$t_up") ms after trk0 came up (not asserted)"

# ---- nodes stopped -------------------------------------------------------------------------
vigild_stop a || diag "vigild a did not stop"
check "a stopped: WARNING (1) '192.0.2.1 did not answer: connection refused', nodes_up=1" \
	plugin_wait 10 1 '^VIGIL WARNING - 192\.0\.2\.1 did not answer: connection refused(;| \|).* nodes_up=1;;;0;2 ' || logs
check "... until b takes over: WARNING with b the master (MASTER b in the long output)" \
	eval 'plugin_wait 15 1 "^VIGIL WARNING - 192\\.0\\.2\\.1 did not answer: connection refused \\| masters_VI_1=1;" &&
		has_line "^VI_1 \\(VRID 51\\), VIP 192\\.0\\.2\\.100/24: MASTER b \\(192\\.0\\.2\\.2\\)($|;)" &&
		has_line "^node http://192\\.0\\.2\\.1:8080: did not answer: connection refused$"' || logs
vigild_stop b || diag "vigild b did not stop"
check "b stopped too: UNKNOWN (3) 'no node answered (2 asked)', nodes_up=0" \
	plugin_is 3 '^VIGIL UNKNOWN - no node answered \(2 asked\); 192\.0\.2\.1 did not answer: connection refused; 192\.0\.2\.2 did not answer: connection refused \| nodes_up=0;;;0;2 ' ||
	diag "exit $PLUGIN_RC:" "$PLUGIN_OUT"
check "a node that does not exist (192.0.2.77, --timeout 1): UNKNOWN (3), did not answer" \
	eval 'URLS=(-H http://192.0.2.77:8080); plugin_is 3 "^VIGIL UNKNOWN - no node answered \\(1 asked\\); 192\\.0\\.2\\.77 did not answer: .* time=[0-9.]+s;;;0;1$" --timeout 1' ||
	diag "exit $PLUGIN_RC:" "$PLUGIN_OUT"
check "bad arguments (no -H): UNKNOWN (3), not argparse's 2" \
	eval 'out=$("${RUN_PLUGIN[@]}" --vrid 51 2>/dev/null); rc=$?; [[ $rc == 3 && $out == "VIGIL UNKNOWN - bad arguments: "* ]]'

tap_done
