# shellcheck shell=bash
#
# bench/lib.sh - shared code of the VRRP benchmarks (failover, scale).
#
# Sourced, never run.  On top of tests/integration/lib.sh (the namespace lab:
# lab_init, lab_node, lab_exec, lab_cleanup on exit and on Ctrl-C) it adds:
#   - bench_args: the common options (--quick, --build DIR, --help);
#   - bench_find_build: where vigild is (VIGIL_BUILDDIR, --build, else
#     _build/main or _build/bench, whichever has a vigild);
#   - daemons in a node, vigild or keepalived with the same keepalived.conf,
#     each in a process group of its own (setsid) so that a hard failure is
#     one atomic SIGKILL of the whole group: bd_start, bd_stop, bd_kill,
#     bd_vrrp_pid;
#   - a packet capture in a node: cap_start, cap_stop (tcpdump, nanosecond
#     time stamps, written to a pcap file that bench/vrrp_pcap.py reads);
#   - provenance: bench_header prints the command, kernel, CPU, date, load
#     and versions.
#
# A benchmark prints figures; it never fails on a time.  Exit status 0 when
# it ran, non-zero only when it could not run.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VIGIL_SRCDIR=${VIGIL_SRCDIR:-$(cd "$BENCH_DIR/.." && pwd)}
export VIGIL_SRCDIR

BENCH_QUICK=0
BENCH_WAIT_LOAD=
BENCH_ARGV=("$0" "$@")

# The lab library, sourced here at the top level: its `declare -A` tables
# must be globals.  It defaults VIGIL_BUILDDIR to the source tree; that
# default is bench_find_build's last resort, not its first.
bench__builddir=${VIGIL_BUILDDIR-}
# shellcheck source=../tests/integration/lib.sh
. "$VIGIL_SRCDIR/tests/integration/lib.sh"
VIGIL_BUILDDIR=$bench__builddir

bench_die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# bench_usage_common: the options every benchmark takes.
bench_usage_common() {
	cat <<EOF
  --quick         fewer trials / a shorter run (a smoke run, not figures)
  --wait-load L   before the run and before each part of it, wait (up to
                  15 min) until the 1-minute load average is at most L: the
                  machine is shared, and figures taken under load are noisy
  --build DIR     the build directory holding vigild (also: VIGIL_BUILDDIR;
                  default: _build/main or _build/bench under the source tree,
                  whichever has vigild, else the source tree itself)
  -h, --help      this help
Environment: VIGIL_KEEP_LOGS=1 keeps the lab directory (logs, configs, pcap).
EOF
}

# bench_args "$@": parse the common options; anything else is an error.
# A script with options of its own handles them before calling this.
# shellcheck disable=SC2034 # BENCH_QUICK: read by the scripts
bench_args() {
	while (($#)); do
		case $1 in
		--quick) BENCH_QUICK=1 ;;
		--build) [[ $# -ge 2 ]] || bench_die "--build needs a directory"
			VIGIL_BUILDDIR=$2; shift ;;
		--build=*) VIGIL_BUILDDIR=${1#--build=} ;;
		--wait-load) [[ $# -ge 2 ]] || bench_die "--wait-load needs a number"
			BENCH_WAIT_LOAD=$2; shift ;;
		--wait-load=*) BENCH_WAIT_LOAD=${1#--wait-load=} ;;
		-h | --help) bench_usage; exit 0 ;;
		*) bench_die "unknown option '$1' (try --help)" ;;
		esac
		shift
	done
}

bench_find_build() {
	local d
	if [[ -z ${VIGIL_BUILDDIR:-} ]]; then
		for d in "$VIGIL_SRCDIR/_build/main" "$VIGIL_SRCDIR/_build/bench" "$VIGIL_SRCDIR"; do
			if [[ -x $d/vigild ]]; then
				VIGIL_BUILDDIR=$d
				break
			fi
		done
	fi
	[[ -n ${VIGIL_BUILDDIR:-} ]] ||
		bench_die "no vigild under $VIGIL_SRCDIR/_build/{main,bench}: build it, or give --build DIR"
	VIGIL_BUILDDIR=$(cd "$VIGIL_BUILDDIR" 2>/dev/null && pwd) ||
		bench_die "build directory '$VIGIL_BUILDDIR' does not exist"
	[[ -x $VIGIL_BUILDDIR/vigild ]] || bench_die "no vigild in $VIGIL_BUILDDIR"
	export VIGIL_BUILDDIR
	VIGILD=$VIGIL_BUILDDIR/vigild
}

# bench_require: root, namespaces, tools. Dies (non-zero) when one is missing.
bench_require() {
	local t
	[[ $(id -u) -eq 0 ]] || bench_die "needs root (network namespaces): sudo $0"
	for t in ip tcpdump setsid "$@"; do
		command -v "$t" >/dev/null 2>&1 || bench_die "needs $t"
	done
	BENCH_PY=$(command -v python3) || bench_die "needs python3"
	local probe="vgbprobe$$"
	ip netns add "$probe" >/dev/null 2>&1 || bench_die "cannot create a network namespace"
	ip netns del "$probe" >/dev/null 2>&1
}

# bench_init: find the build, source the lab library, set up the lab.
bench_init() {
	bench_find_build
	# lib.sh's bail_out speaks TAP; here a failure to set up is fatal.
	# shellcheck disable=SC2317 # called by lib.sh
	bail_out() { bench_die "$*"; }
	lab_init
}

bench_load() { cut -d' ' -f1-3 /proc/loadavg; }

bench__load_below() {
	awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v m="$1" 'BEGIN { exit !(l <= m) }'
}

# bench_wait_load: with --wait-load L, wait until the 1-minute load average
# is at most L (15 minutes at most; then go on and say so).  Called before
# the run and before each part of it.
bench_wait_load() {
	[[ -n $BENCH_WAIT_LOAD ]] || return 0
	[[ $BENCH_WAIT_LOAD =~ ^[0-9]+([.][0-9]+)?$ ]] ||
		bench_die "--wait-load: '$BENCH_WAIT_LOAD' is not a number"
	bench__load_below "$BENCH_WAIT_LOAD" && return 0
	echo "# waiting for the 1-minute load average to fall to $BENCH_WAIT_LOAD (now $(bench_load))"
	local i
	for ((i = 0; i < 180; i++)); do
		sleep 5
		bench__load_below "$BENCH_WAIT_LOAD" && return 0
	done
	echo "# the load stayed above $BENCH_WAIT_LOAD for 15 minutes; measuring anyway"
}

# bench_header TITLE: where the figures come from.
bench_header() {
	local cpu rev
	bench_wait_load
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
	rev=$(git -C "$VIGIL_SRCDIR" describe --always --dirty 2>/dev/null || echo unknown)
	echo "== $1 =="
	echo "command:    ${BENCH_ARGV[*]}"
	echo "date:       $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "host:       $(uname -srvm)"
	echo "cpu:        ${cpu:-unknown} x $(nproc)"
	echo "load:       $(bench_load) (1/5/15 min, at start)"
	echo "vigild:     $VIGILD (source $rev)"
	echo "keepalived: $(keepalived --version 2>&1 | head -n1 || echo none)"
	echo "tcpdump:    $(tcpdump --version 2>&1 | head -n1), $(tcpdump --version 2>&1 | sed -n 2p)"
	echo "python3:    $BENCH_PY ($("$BENCH_PY" -c 'import sys; print(sys.version.split()[0])'))"
}

# --------------------------------------------------------------- daemons ----

bd_dir() { echo "$LAB_TMP/$1"; }

# bd_start IMPL NODE CONF: start IMPL (vigild or keepalived) in the
# foreground of node NODE, VRRP only, logging to $dir/IMPL.log, in a session
# and process group of its own whose id is the daemon's pid.  Returns once
# the vrrp process's pid file names a live process (10 s at most).
bd_start() {
	local impl=$1 node=$2 conf=$3 dir pid
	dir=$(bd_dir "$node")
	mkdir -p "$dir"
	rm -f "$dir/parent.pid" "$dir/vrrp.pid" "$dir/check.pid" "$dir/mgmt.pid"
	case $impl in
	vigild)
		setsid ip netns exec "$(lab_ns "$node")" "$VIGILD" -n -l -P -f "$conf" \
			-p "$dir/parent.pid" -r "$dir/vrrp.pid" -c "$dir/check.pid" \
			--mgmt_pid "$dir/mgmt.pid" --db "$dir/vigil.db" --control "$dir/vigil.sock" \
			</dev/null >>"$dir/$impl.log" 2>&1 &
		;;
	keepalived)
		setsid ip netns exec "$(lab_ns "$node")" keepalived -n -l -D -P -f "$conf" \
			-p "$dir/parent.pid" -r "$dir/vrrp.pid" -c "$dir/check.pid" \
			</dev/null >>"$dir/$impl.log" 2>&1 &
		;;
	*) bench_die "bd_start: unknown implementation $impl" ;;
	esac
	pid=$!
	LAB_VIGILD_JOB[$node]=$pid  # waited for by lab_cleanup
	if ! wait_for 10 bd__vrrp_up_or_dead "$node" || ! bd__vrrp_up "$node"; then
		echo "# $impl did not start in $node; last lines of its log:" >&2
		tail -n 15 "$dir/$impl.log" | sed 's/^/#   /' >&2
		return 1
	fi
	return 0
}

bd_pid() { echo "${LAB_VIGILD_JOB[$1]}"; }
bd_vrrp_pid() { read_pidfile "$(bd_dir "$1")/vrrp.pid"; }
bd__vrrp_up() { local p; p=$(bd_vrrp_pid "$1") && pid_alive "$p"; }
bd__vrrp_up_or_dead() { bd__vrrp_up "$1" || pid_dead "${LAB_VIGILD_JOB[$1]}"; }

# bd_stop NODE [SECONDS]: SIGTERM to the daemon (priority 0 adverts), wait
# for its exit (and that of its whole process group).
bd_stop() {
	local node=$1 pid
	pid=${LAB_VIGILD_JOB[$node]}
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null
	wait_for "${2:-10}" pid_dead "$pid" || kill -KILL -- "-$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	wait_for 5 bd__group_gone "$pid"
	unset "LAB_VIGILD_JOB[$node]"
}

# bd_kill NODE: the hard failure: SIGKILL to the daemon's whole process
# group at once (a single kill(2) on the group, so no child gets the
# parent-death SIGTERM that would make it send priority 0 first).
bd_kill() {
	local node=$1 pid
	pid=${LAB_VIGILD_JOB[$node]}
	[[ -n $pid ]] || return 0
	kill -KILL -- "-$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	wait_for 5 bd__group_gone "$pid"
	unset "LAB_VIGILD_JOB[$node]"
}

bd__group_gone() {
	local pgid=$1 p s
	local -a f
	for p in /proc/[0-9]*; do
		{ s=$(<"$p/stat"); } 2>/dev/null || continue
		# fields after "comm)": state ppid pgrp ...
		read -r -a f <<<"${s##*) }"
		[[ ${f[2]} == "$pgid" && ${f[0]} != Z ]] && return 1
	done
	return 0
}

# bd_pgrp_ok NODE: the daemon leads its own process group (so that bd_kill
# is one atomic signal to all of its processes).
bd_pgrp_ok() {
	local pid s
	pid=${LAB_VIGILD_JOB[$1]}
	s=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	s=${s##*) }
	# shellcheck disable=SC2086
	set -- $s
	[[ $3 == "$pid" ]]
}

# has_addr NODE DEV ADDR: ADDR (no prefix) is on DEV in NODE.
has_addr() {
	ip -n "$(lab_ns "$1")" -o addr show dev "$2" 2>/dev/null | grep -q " ${3}/"
}

# node_mac NODE DEV: DEV's MAC address.
node_mac() {
	ip -n "$(lab_ns "$1")" -o link show dev "$2" |
		sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
}

# --------------------------------------------------------------- capture ----

declare -A CAP_PID=()  # file -> tcpdump pid

# cap_start NODE FILE FILTER IFACE...: tcpdump on each IFACE of NODE (one
# process per interface, FILE.IFACE.pcap), nanosecond time stamps (taken by
# the kernel as the frame arrives), every packet written at once (-U,
# --immediate-mode) unless CAP_IMMEDIATE=0 (batched: cheaper at high
# rates; the time stamps are the same).  Returns once each is listening.
CAP_IMMEDIATE=1
cap_start() {
	local node=$1 file=$2 filter=$3 ifc
	local -a imm=()
	shift 3
	[[ $CAP_IMMEDIATE == 1 ]] && imm=(-U --immediate-mode)
	for ifc in "$@"; do
		ip netns exec "$(lab_ns "$node")" tcpdump -i "$ifc" -n -s 128 "${imm[@]}" \
			--time-stamp-precision=nano -B 16384 -w "$file.$ifc.pcap" "$filter" \
			</dev/null >"$file.$ifc.log" 2>&1 &
		CAP_PID[$file.$ifc]=$!
		LAB_EXTRA_PIDS+=("$!")
		wait_for 10 grep -q "listening on" "$file.$ifc.log" ||
			bench_die "tcpdump did not start on $node/$ifc: $(cat "$file.$ifc.log")"
	done
}

# cap_stop FILE: stop the captures started with FILE; print tcpdump's
# "N packets dropped by kernel" lines when N is not 0.
cap_stop() {
	local file=$1 k
	for k in "${!CAP_PID[@]}"; do
		[[ $k == "$file".* ]] || continue
		kill -INT "${CAP_PID[$k]}" 2>/dev/null
		wait "${CAP_PID[$k]}" 2>/dev/null
		unset "CAP_PID[$k]"
		grep -E '^[1-9][0-9]* packets dropped by kernel' "$k.log" |
			sed "s|^|# capture ${k##*/}: |"
	done
}
