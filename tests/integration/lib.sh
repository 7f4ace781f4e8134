# shellcheck shell=bash
#
# lib.sh - shared code of the integration tests and of tests/demo.sh.
#
# Sourced, never run. Provides:
#   - TAP output: tap_plan, ok, check, skip, diag, skip_all, bail_out,
#     tap_done (the script's exit status: non-zero if any test failed);
#   - requirements: require_root, require_netns, require_vigild;
#   - waiting: wait_for SECONDS CMD... polls CMD every 50 ms up to a bound
#     (tests never assert wall-clock times, they only wait up to a
#     generous bound; VIGIL_TEST_TIMEOUT_SCALE multiplies every bound, for
#     slow machines and sanitizer builds);
#   - a lab of network namespaces: lab_init, lab_node, lab_exec,
#     lab_cleanup. One "hub" namespace holds a Linux bridge; every node is a
#     namespace whose eth0 is a veth whose peer is a port of that bridge. The
#     host's own network namespace is never touched;
#   - vigild in a node: vigild_start, vigild_pid, vigild_stop, log helpers.
#
# Environment: VIGIL_SRCDIR, VIGIL_BUILDDIR (set by `make check`; default:
# this file's ../..), VIGIL_KEEP_LOGS=1 keeps the lab's temporary directory
# (vigild logs, configs, pid files) after the run.

VIGIL_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${VIGIL_SRCDIR:=$(cd "$VIGIL_LIB_DIR/../.." && pwd)}"
: "${VIGIL_BUILDDIR:=$VIGIL_SRCDIR}"
VIGILD=${VIGILD:-$VIGIL_BUILDDIR/vigild}
: "${VIGIL_TEST_TIMEOUT_SCALE:=1}"

# ---------------------------------------------------------------- TAP ----

TAP_N=0         # tests run so far
TAP_FAILED=0    # of which failed
TAP_PLANNED=    # the plan, once printed

tap_plan() {
	TAP_PLANNED=$1
	echo "1..$1"
}

# Print each argument line as a TAP diagnostic ("# ...").
diag() {
	local line
	while IFS= read -r line; do
		echo "# $line"
	done <<<"$*"
}

# diag_file FILE [LINES]: the last LINES (default 20) lines of FILE.
diag_file() {
	local file=$1 n=${2:-20}
	if [[ -r $file ]]; then
		echo "# --- last $n lines of $file ---"
		# awk ends every line, the last one too: a file without a final
		# newline must not glue the next TAP line onto a comment.
		tail -n "$n" -- "$file" | awk '{ print "#   " $0 }'
	else
		echo "# ($file does not exist)"
	fi
}

# ok STATUS NAME: test NAME passed when STATUS is 0.
ok() {
	local status=$1
	shift
	TAP_N=$((TAP_N + 1))
	if [[ $status -eq 0 ]]; then
		echo "ok $TAP_N - $*"
		return 0
	fi
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $*"
	return 1
}

# check NAME CMD...: run CMD, the test passes when it exits 0.
check() {
	local name=$1
	shift
	if "$@"; then
		ok 0 "$name"
	else
		local rc=$?
		ok 1 "$name"
		diag "command failed with status $rc: $*"
		return 1
	fi
}

# skip NAME REASON: a test that cannot run here.
skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

# skip_all REASON: the whole script cannot run; TAP wants exit status 0.
skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

bail_out() {
	echo "Bail out! $*"
	exit 1
}

# tap_done: the script's exit status; non-zero if a test failed or the
# number of tests run differs from the plan.
tap_done() {
	if [[ -n $TAP_PLANNED && $TAP_N -ne $TAP_PLANNED ]]; then
		diag "planned $TAP_PLANNED tests but ran $TAP_N"
		return 1
	fi
	if [[ $TAP_FAILED -ne 0 ]]; then
		diag "$TAP_FAILED of $TAP_N tests failed"
		return 1
	fi
	return 0
}

# ------------------------------------------------------- requirements ----

require_root() {
	[[ $(id -u) -eq 0 ]] || skip_all "needs root (network namespaces)"
}

# Creating a namespace is the only sure test that we may.
require_netns() {
	command -v ip >/dev/null 2>&1 || skip_all "no ip(8) (iproute2)"
	local probe="vgprobe$$"
	ip netns add "$probe" >/dev/null 2>&1 ||
		skip_all "cannot create a network namespace (ip netns add)"
	ip -n "$probe" link add "${probe}br" type bridge >/dev/null 2>&1
	local br=$?
	ip netns del "$probe" >/dev/null 2>&1
	[[ $br -eq 0 ]] || skip_all "cannot create a Linux bridge in a namespace"
}

require_vigild() {
	[[ -x $VIGILD ]] || skip_all "vigild not built ($VIGILD)"
}

# require_vigilctl: VIGILCTL is the built vigilctl, or the test is skipped.
require_vigilctl() {
	VIGILCTL=${VIGILCTL:-$VIGIL_BUILDDIR/vigilctl}
	[[ -x $VIGILCTL ]] || skip_all "vigilctl is not built ($VIGILCTL)"
}

# health_script_init N...: a MISC_CHECK script the test steers, after
# lab_init.  HEALTH_SCRIPT FILE exits with the number in FILE (0 when it is
# missing); HEALTH_DIR/N starts at 0 for each N given.
health_script_init() {
	local n
	HEALTH_DIR=$LAB_TMP/health
	HEALTH_SCRIPT=$LAB_TMP/health.sh
	mkdir -p "$HEALTH_DIR" && chmod 0755 "$HEALTH_DIR"
	printf '#!/bin/sh\nexit "$(cat "$1" 2>/dev/null || echo 0)"\n' >"$HEALTH_SCRIPT"
	chmod 0755 "$HEALTH_SCRIPT"
	for n in "$@"; do
		echo 0 >"$HEALTH_DIR/$n"
		chmod 0644 "$HEALTH_DIR/$n"
	done
}

# write_vs_conf FILE [QUORUM]: append the virtual server the REST, page and
# vigilctl tests share: TCP 192.0.2.100:80, wrr, DR, real servers
# 192.0.2.31 (weight 5) and .32 (weight 3), each a MISC_CHECK of
# health_script_init's script (call it first with 31 32).
write_vs_conf() {
	cat >>"$1" <<EOF
virtual_server 192.0.2.100 80 {
    delay_loop 1
    lb_algo wrr
    lb_kind DR
    protocol TCP
${2:+    quorum $2
}    real_server 192.0.2.31 80 {
        weight 5
        MISC_CHECK {
            misc_path "$HEALTH_SCRIPT $HEALTH_DIR/31"
        }
    }
    real_server 192.0.2.32 80 {
        weight 3
        MISC_CHECK {
            misc_path "$HEALTH_SCRIPT $HEALTH_DIR/32"
        }
    }
}
EOF
}

# browser_deps: set NODE_MODULES to a node_modules holding tests/browser's
# pinned playwright-core (tests/browser's own, else one made with `npm ci`
# under the build tree) and CHROMIUM to Debian's chromium.  Status 1 with
# the reason in BROWSER_WHY when there is none.
browser_deps() {
	local src=$VIGIL_SRCDIR/tests/browser deps=$VIGIL_BUILDDIR/tests/browser-deps t
	CHROMIUM=${VIGIL_CHROMIUM:-/usr/bin/chromium}
	for t in node npm; do
		command -v "$t" >/dev/null 2>&1 || { BROWSER_WHY="$t is not installed (scripts/install-deps.sh)"; return 1; }
	done
	[[ -x $CHROMIUM ]] || { BROWSER_WHY="$CHROMIUM is not installed (scripts/install-deps.sh installs chromium)"; return 1; }
	if [[ -r $src/node_modules/playwright-core/package.json ]]; then
		NODE_MODULES=$src/node_modules
		return 0
	fi
	if [[ ! -r $deps/node_modules/playwright-core/package.json ]] ||
		! cmp -s "$src/package-lock.json" "$deps/package-lock.json"; then
		mkdir -p "$deps" && cp "$src/package.json" "$src/package-lock.json" "$deps/" ||
			{ BROWSER_WHY="cannot copy tests/browser's package files to $deps"; return 1; }
		npm ci --prefix "$deps" --no-audit --no-fund >"$deps/npm-ci.log" 2>&1 ||
			{ BROWSER_WHY="npm ci (playwright-core) failed in $deps: $(tail -n 1 "$deps/npm-ci.log")"; return 1; }
	fi
	NODE_MODULES=$deps/node_modules
}

# vrrp_block NODE [in]: nftables in NODE's namespace drops VRRP (IP protocol
# 112) coming in and going out (with `in`: coming in only) while everything
# else flows - the split brain of doc/split-brain.md.  vrrp_unblock NODE.
vrrp_block() {
	local out=
	[[ ${2:-} == in ]] || out='
    chain out {
        type filter hook output priority 0;
        ip protocol 112 drop
    }'
	lab_exec "$1" nft -f - <<EOF
table inet vigil_test {
    chain in {
        type filter hook input priority 0;
        ip protocol 112 drop
    }$out
}
EOF
}
vrrp_unblock() { lab_exec "$1" nft delete table inet vigil_test; }

# ------------------------------------------------------------ waiting ----

# Microseconds since the epoch, from bash itself (no fork per poll).
now_us() {
	local t=${EPOCHREALTIME//[.,]/}
	echo "$t"
}

# wait_for SECONDS CMD...: run CMD every 50 ms until it succeeds (return 0)
# or SECONDS (times VIGIL_TEST_TIMEOUT_SCALE) have passed (return 1).
wait_for() {
	local secs=$1
	shift
	local limit_us
	limit_us=$(awk -v s="$secs" -v k="$VIGIL_TEST_TIMEOUT_SCALE" \
		'BEGIN { printf "%d", s * k * 1000000 }')
	local deadline=$(($(now_us) + limit_us))
	while :; do
		"$@" && return 0
		(($(now_us) >= deadline)) && return 1
		sleep 0.05
	done
}

# ---------------------------------------------------------- processes ----

# A process is alive when it exists and is not a zombie (a zombie still
# answers kill -0 until its parent reaps it).
pid_alive() {
	local pid=$1 stat
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

pid_dead() { ! pid_alive "$1"; }

pid_ppid() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086 # split the fields of /proc/PID/stat
	set -- $stat
	echo "$2"
}

pid_user() { ps -o user= -p "$1" 2>/dev/null | tr -d ' '; }

# read_pidfile FILE: print the pid in FILE; fail if absent or not a pid.
read_pidfile() {
	local pid
	[[ -r $1 ]] || return 1
	read -r pid <"$1" || [[ -n $pid ]] || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	echo "$pid"
}

# ---------------------------------------------------------------- lab ----

LAB_PREFIX=          # e.g. vg1234; namespaces are $LAB_PREFIX-NAME
LAB_TMP=             # the lab's temporary directory
LAB_NODES=()         # node names, in creation order
LAB_NAMESPACES=()    # every namespace created, hub first
LAB_EXTRA_PIDS=()    # host-side helpers (e.g. tail -F) to kill at cleanup
LAB_CLEANED=
declare -A LAB_VIGILD_JOB=()  # node -> pid of the backgrounded vigild

lab_ns() { echo "$LAB_PREFIX-$1"; }

# lab_init: a unique prefix, the hub namespace with bridge br0, a temporary
# directory, and the traps that clean up whatever happens.
lab_init() {
	LAB_PREFIX="vg$$"
	LAB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vigil-lab.XXXXXX") ||
		bail_out "mktemp failed"
	# The unprivileged mgmt child may need to read configs under here.
	chmod 0755 "$LAB_TMP"
	trap lab__on_exit EXIT
	trap 'lab__on_signal 130' INT
	trap 'lab__on_signal 143' TERM

	local hub
	hub=$(lab_ns hub)
	ip netns add "$hub" || bail_out "ip netns add $hub failed"
	LAB_NAMESPACES+=("$hub")
	if ! { ip -n "$hub" link set lo up &&
		ip -n "$hub" link add br0 type bridge &&
		ip -n "$hub" link set br0 up; }; then
		bail_out "cannot set up the bridge in $hub"
	fi
}

lab__on_exit() {
	local rc=$?
	lab_cleanup
	exit "$rc"
}

lab__on_signal() {
	trap - EXIT
	lab_cleanup
	exit "$1"
}

# lab__addr_ok ADDR/PREFIX: only documentation addresses go into the lab.
lab__addr_ok() {
	case $1 in
	192.0.2.*/*) return 0 ;;
	2001:[dD][bB]8:*/* | 2001:[dD][bB]8::*/*) return 0 ;;
	esac
	return 1
}

# lab_node NAME ADDR/PREFIX [ADDR/PREFIX...]: namespace $LAB_PREFIX-NAME
# with lo up and eth0 (a veth whose peer is a port of the hub's bridge).
lab_node() {
	local name=$1
	shift
	local ns hub peer a
	ns=$(lab_ns "$name")
	hub=$(lab_ns hub)
	peer="v-${name:0:13}"
	for a in "$@"; do
		lab__addr_ok "$a" || bail_out "lab_node $name: $a is not in 192.0.2.0/24 or 2001:db8::/32"
	done
	ip netns add "$ns" || bail_out "ip netns add $ns failed"
	LAB_NAMESPACES+=("$ns")
	LAB_NODES+=("$name")
	if ! { ip -n "$ns" link set lo up &&
		ip -n "$hub" link add "$peer" type veth peer name eth0 netns "$ns" &&
		ip -n "$hub" link set "$peer" master br0 &&
		ip -n "$hub" link set "$peer" up &&
		ip -n "$ns" link set eth0 up; }; then
		bail_out "cannot wire node $name to the hub"
	fi
	for a in "$@"; do
		if [[ $a == *:* ]]; then
			ip -n "$ns" addr add "$a" dev eth0 nodad
		else
			ip -n "$ns" addr add "$a" dev eth0
		fi || bail_out "cannot add $a to $name"
	done
	mkdir -p "$LAB_TMP/$name" && chmod 0755 "$LAB_TMP/$name"
}

# lab_exec NAME CMD...: run CMD inside node NAME.
lab_exec() {
	local ns
	ns=$(lab_ns "$1")
	shift
	ip netns exec "$ns" "$@"
}

# lab_pids NAME: the pids of every process in node NAME's namespace.
lab_pids() { ip netns pids "$(lab_ns "$1")" 2>/dev/null; }

lab__all_pids() {
	local ns
	for ns in "${LAB_NAMESPACES[@]}"; do
		ip netns pids "$ns" 2>/dev/null
	done
}

lab__no_pids() { [[ -z $(lab__all_pids) ]]; }

# lab_cleanup: stop every process in the lab's namespaces (SIGTERM, a short
# wait, then SIGKILL), reap our own children, delete the namespaces and the
# temporary directory (kept with VIGIL_KEEP_LOGS=1). Safe to call twice.
lab_cleanup() {
	[[ -n $LAB_CLEANED || -z $LAB_PREFIX ]] && return 0
	LAB_CLEANED=1
	local pids p ns i
	if ((${#LAB_EXTRA_PIDS[@]})); then
		kill "${LAB_EXTRA_PIDS[@]}" 2>/dev/null
	fi
	pids=$(lab__all_pids)
	if [[ -n $pids ]]; then
		# shellcheck disable=SC2086 # one pid per word
		kill -TERM $pids 2>/dev/null
		VIGIL_TEST_TIMEOUT_SCALE=1 wait_for 2 lab__no_pids
		pids=$(lab__all_pids)
		if [[ -n $pids ]]; then
			# shellcheck disable=SC2086 # one pid per word
			echo "# lab_cleanup: SIGKILL to leftover pids:" $pids
			# shellcheck disable=SC2086
			kill -KILL $pids 2>/dev/null
			VIGIL_TEST_TIMEOUT_SCALE=1 wait_for 2 lab__no_pids
		fi
	fi
	for p in "${LAB_VIGILD_JOB[@]}" "${LAB_EXTRA_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	# Nodes first, the hub (and its bridge) last.
	for ((i = ${#LAB_NAMESPACES[@]} - 1; i >= 0; i--)); do
		ns=${LAB_NAMESPACES[i]}
		ip netns del "$ns" 2>/dev/null ||
			echo "# lab_cleanup: could not delete namespace $ns"
	done
	if [[ -n $LAB_TMP && -d $LAB_TMP ]]; then
		if [[ ${VIGIL_KEEP_LOGS:-0} == 1 ]]; then
			echo "# logs kept in $LAB_TMP"
		else
			rm -rf -- "$LAB_TMP"
		fi
	fi
}

# ------------------------------------------------------------- vigild ----

vigild_dir() { echo "$LAB_TMP/$1"; }
vigild_log() { echo "$LAB_TMP/$1/vigild.log"; }

# vigild_pidfile NODE WHICH: WHICH is vigild (the parent), vrrp, check, mgmt.
vigild_pidfile() { echo "$LAB_TMP/$1/$2.pid"; }

# vigild_pid NODE WHICH: the pid in that pid file.
vigild_pid() { read_pidfile "$(vigild_pidfile "$1" "$2")"; }

vigild__children_up() {
	local node=$1 c
	for c in vrrp check mgmt; do
		vigild_pid "$node" "$c" >/dev/null || return 1
	done
}

vigild__up_or_dead() {
	vigild__children_up "$1" || pid_dead "${LAB_VIGILD_JOB[$1]}"
}

# vigild_start NODE CONF: start vigild in the foreground (-n) of node NODE,
# logging to stderr (-l) into $dir/vigild.log, and wait until the three
# children's pid files exist. On failure, the log's tail goes out as TAP
# diagnostics and the status is 1.
# VIGILD_ARGS: an array of further options for every vigild started.
VIGILD_ARGS=()
vigild_start() {
	local node=$1 conf=$2 dir
	dir=$(vigild_dir "$node")
	mkdir -p "$dir"
	# Not through lab_exec: `ip netns exec` execs vigild, so $! is
	# vigild's own pid and `wait` gives its exit status.
	ip netns exec "$(lab_ns "$node")" "$VIGILD" -n -l -f "$conf" \
		-p "$dir/vigild.pid" -r "$dir/vrrp.pid" -c "$dir/check.pid" \
		--mgmt_pid "$dir/mgmt.pid" --db "$dir/vigil.db" --control "$dir/vigil.sock" \
		"${VIGILD_ARGS[@]}" </dev/null >>"$dir/vigild.log" 2>&1 &
	LAB_VIGILD_JOB[$node]=$!
	if ! wait_for 10 vigild__up_or_dead "$node" ||
		! vigild__children_up "$node"; then
		diag "vigild on $node did not start its three children (pid files in $dir)"
		if pid_dead "${LAB_VIGILD_JOB[$node]}"; then
			wait "${LAB_VIGILD_JOB[$node]}"
			diag "vigild exited with status $?"
		fi
		diag_file "$dir/vigild.log"
		return 1
	fi
	return 0
}

# vigild_job NODE: the pid of the vigild this shell started in NODE.
vigild_job() { echo "${LAB_VIGILD_JOB[$1]}"; }

# vigild_stop NODE [SECONDS]: SIGTERM the parent, wait for its exit up to
# SECONDS (default 10); VIGILD_EXIT is set to its exit status ("" when it
# did not exit in time). Returns 0 when it exited.
# shellcheck disable=SC2034 # read by the scripts that source this file
VIGILD_EXIT=
vigild_stop() {
	local node=$1 secs=${2:-10} pid
	pid=${LAB_VIGILD_JOB[$node]}
	VIGILD_EXIT=
	kill -TERM "$pid" 2>/dev/null
	wait_for "$secs" pid_dead "$pid" || return 1
	wait "$pid"
	# shellcheck disable=SC2034
	VIGILD_EXIT=$?
	return 0
}

# store_sql DB QUERY: one value from a state database (read-only; "" for
# no row or NULL).
store_sql() {
	python3 - "$1" "$2" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
row = db.execute(sys.argv[2]).fetchone()
print("" if row is None or row[0] is None else row[0])
EOF
}

# log_has NODE ERE: the node's vigild log has a line matching ERE.
log_has() { grep -Eq -- "$2" "$(vigild_log "$1")"; }

# log_count NODE ERE: how many lines match.
log_count() { grep -Ec -- "$2" "$(vigild_log "$1")"; }

# log_wait NODE ERE [SECONDS]: wait until the log has such a line.
log_wait() { wait_for "${3:-10}" log_has "$1" "$2"; }

# log_grep NODE ERE: the matching lines.
log_grep() { grep -E -- "$2" "$(vigild_log "$1")"; }

# ere_quote STRING: STRING with the ERE metacharacters escaped.
# shellcheck disable=SC2016 # the $ is a literal for sed
ere_quote() { printf '%s' "$1" | sed 's/[][\.*^$(){}?+|/]/\\&/g'; }

# vigild_wait_new_child NODE WHICH OLDPID [SECONDS]: wait until the pid file
# of child WHICH holds a live pid other than OLDPID; print it.
vigild__new_child() {
	local pid
	pid=$(vigild_pid "$1" "$2") || return 1
	[[ $pid != "$3" ]] && pid_alive "$pid"
}
vigild_wait_new_child() {
	wait_for "${4:-10}" vigild__new_child "$1" "$2" "$3" || return 1
	vigild_pid "$1" "$2"
}

# A small valid config: one VRRP instance on eth0 with one VIP.
# write_vrrp_conf FILE ROUTER_ID STATE PRIORITY [VRID]
write_vrrp_conf() {
	cat >"$1" <<EOF
! vigil integration test config (written by tests/integration/lib.sh)
global_defs {
    router_id $2
}

vrrp_instance VI_1 {
    state $3
    interface eth0
    virtual_router_id ${5:-51}
    priority $4
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    virtual_ipaddress {
        192.0.2.100/24
    }
}
EOF
	chmod 0644 "$1"
}

# --------------------------------------------------------------- VRRP ----
# Helpers of the VRRP tests (t_vrrp_*.sh): who holds an address, the vrrp
# process's state dump, packet captures, and the real keepalived as a peer.

# node_addrs NODE: every address of the node, one a line, without prefix.
node_addrs() {
	lab_exec "$1" ip -o addr show 2>/dev/null |
		awk '{ a = $4; sub(/\/.*/, "", a); print a }'
}

# vip_on NODE ADDR: the node holds ADDR (IPv6 in ip(8)'s compressed form).
vip_on() { node_addrs "$1" | grep -Fqx -- "$2"; }

# vip_holders ADDR: the nodes (of LAB_NODES) that hold ADDR, space separated.
vip_holders() {
	local n out=
	for n in "${LAB_NODES[@]}"; do
		vip_on "$n" "$1" && out+="${out:+ }$n"
	done
	echo "$out"
}

# vip_only_on NODE ADDR: exactly one node holds ADDR, and it is NODE.
vip_only_on() { [[ $(vip_holders "$2") == "$1" ]]; }

# vip_nowhere ADDR: no node holds ADDR.
vip_nowhere() { [[ -z $(vip_holders "$1") ]]; }

# wait_vip_only_on NODE ADDR [SECONDS]: wait until NODE alone holds ADDR;
# on failure, say who holds it.
wait_vip_only_on() {
	wait_for "${3:-15}" vip_only_on "$1" "$2" && return 0
	diag "$2 is held by: '$(vip_holders "$2")' (wanted only $1)"
	return 1
}

# node_mac NODE [IF]: the MAC address of the node's interface (default
# eth0), in lower case.
node_mac() {
	lab_exec "$1" cat "/sys/class/net/${2:-eth0}/address" 2>/dev/null |
		tr 'A-F' 'a-f'
}

# lab_wait_dad NODE [SECONDS]: wait until no IPv6 address of the node is
# tentative (duplicate address detection done), so that a link-local
# source address can be used.
lab__no_tentative() { [[ -z $(lab_exec "$1" ip -6 addr show tentative 2>/dev/null) ]]; }
lab_wait_dad() { wait_for "${2:-10}" lab__no_tentative "$1"; }

# arp_repliers NODE IF ADDR [COUNT]: from NODE, send COUNT (default 3) ARP
# requests for ADDR with arping; print the MACs that replied (lower case,
# sorted, unique), one a line.
arp_repliers() {
	lab_exec "$1" arping -c "${4:-3}" -w "$((${4:-3} + 2))" -I "$2" "$3" 2>/dev/null |
		sed -En 's/.*reply from [0-9.]+ \[([0-9A-Fa-f:]+)\].*/\1/p' |
		tr 'A-F' 'a-f' | sort -u
}

# log_count_or0 NODE ERE: like log_count, 0 when the log does not exist yet.
log_count_or0() {
	local f n
	f=$(vigild_log "$1")
	[[ -r $f ]] || { echo 0; return; }
	n=$(grep -Ec -- "$2" "$f")
	echo "${n:-0}"
}

# log_count_ge NODE ERE N: at least N lines match (a transition happened
# since the count was N-1).
log_count_ge() { (($(log_count_or0 "$1" "$2") >= $3)); }

# log_wait_count NODE ERE N [SECONDS]: wait until at least N lines match.
log_wait_count() { wait_for "${4:-10}" log_count_ge "$1" "$2" "$3"; }

# entering_re INSTANCE STATE: the log line of a transition.
entering_re() { echo "\\($1\\) Entering $2 STATE"; }

# vrrp_dump NODE: ask the node's vrrp process for its state (SIGUSR2), wait
# for the new vrrp-state.json and print its path.
vrrp_dump() {
	local node=$1 pid f
	f="$(vigild_dir "$node")/vrrp-state.json"
	pid=$(vigild_pid "$node" vrrp) || return 1
	rm -f -- "$f"
	kill -USR2 "$pid" 2>/dev/null || return 1
	wait_for 5 test -s "$f" || return 1
	echo "$f"
}

# vrrp_flat FILE: every scalar of a vrrp-state.json as "KEY VALUE" lines;
# KEY is INSTANCE.field (INSTANCE.rx.reason for counters), and
# rx_unmatched.reason for the packets that matched no instance.
vrrp_flat() {
	python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def walk(prefix, o):
    if isinstance(o, dict):
        for k, v in o.items():
            walk(prefix + "." + k if prefix else k, v)
    else:
        print(prefix, o)
for i in d.get("instances", []):
    walk(i["name"], {k: v for k, v in i.items() if k != "name"})
walk("rx_unmatched", d.get("rx_unmatched", {}))
PY
}

# vrrp_get NODE KEY: one value of a fresh dump (KEY as vrrp_flat names it,
# e.g. VI_1.state, VI_1.rx.auth_failure, rx_unmatched.bad_ttl).
vrrp_get() {
	local f
	f=$(vrrp_dump "$1") || return 1
	vrrp_flat "$f" | awk -v k="$2" '$1 == k { print $2; found = 1 } END { exit !found }'
}

# vrrp_state_is NODE INSTANCE STATE: the instance's state in a fresh dump.
vrrp_state_is() { [[ $(vrrp_get "$1" "$2.state") == "$3" ]]; }

# vrrp_has NODE KEY=VALUE...: in one fresh dump, every KEY has its VALUE;
# the ones that differ go out as TAP diagnostics.
vrrp_has() {
	local node=$1 f kv bad=
	shift
	f=$(vrrp_dump "$node") || { diag "$node: no state dump"; return 1; }
	local flat
	flat=$(vrrp_flat "$f")
	for kv in "$@"; do
		local k=${kv%%=*} v=${kv#*=} got
		got=$(awk -v k="$k" '$1 == k { print $2 }' <<<"$flat")
		[[ $got == "$v" ]] || bad="$bad $k=${got:-(none)} (wanted $v);"
	done
	[[ -z $bad ]] && return 0
	diag "$node:$bad"
	return 1
}

# capture_start NODE FILE [FILTER...]: tcpdump on the node's eth0 into the
# pcap FILE (packets written as they come), wait until it listens. The
# capture's pid is CAPTURE_PID (stopped by capture_stop or at cleanup).
CAPTURE_PID=
capture_start() {
	local node=$1 file=$2
	shift 2
	command -v tcpdump >/dev/null 2>&1 || return 1
	# -Z root: Debian's tcpdump would drop to user tcpdump, who may not
	# write into the lab's directory.
	ip netns exec "$(lab_ns "$node")" tcpdump -i eth0 -n -U -Z root \
		-s 256 -w "$file" "$@" </dev/null >/dev/null 2>"$file.err" &
	CAPTURE_PID=$!
	LAB_EXTRA_PIDS+=("$CAPTURE_PID")
	wait_for 10 grep -q "listening on" "$file.err" && return 0
	diag_file "$file.err" 5
	return 1
}

# capture_stop: stop the capture (its file stays).
capture_stop() {
	[[ -n $CAPTURE_PID ]] || return 0
	kill -INT "$CAPTURE_PID" 2>/dev/null
	wait_for 5 pid_dead "$CAPTURE_PID"
	wait "$CAPTURE_PID" 2>/dev/null
	CAPTURE_PID=
}

# capture_vrrp FILE: the VRRP adverts of a capture, one a line:
# "EPOCH_SECONDS SRC VRID PRIORITY" (IPv4 and IPv6).
capture_vrrp() {
	tcpdump -r "$1" -n -tt -v 'ip proto 112 or ip6 proto 112' 2>/dev/null |
		awk '
		/^[0-9]+\.[0-9]+ IP6? / { t = $1; next }
		/^[0-9]+\.[0-9]+ / { t = $1 }
		/vrid [0-9]+, prio [0-9]+/ {
			src = ""
			for (i = 1; i <= NF; i++)
				if ($(i + 1) == ">") { src = $i; break }
			match($0, /vrid [0-9]+/); vrid = substr($0, RSTART + 5, RLENGTH - 5)
			match($0, /prio [0-9]+/); prio = substr($0, RSTART + 5, RLENGTH - 5)
			print t, src, vrid, prio
		}'
}

# capture_garp FILE: the gratuitous ARP requests (sender = target) of a
# capture: "EPOCH_SECONDS ADDR".
capture_garp() {
	tcpdump -r "$1" -n -tt arp 2>/dev/null |
		sed -En 's/^([0-9]+\.[0-9]+) ARP, .*Request who-has ([0-9.]+) tell ([0-9.]+),.*/\1 \2 \3/p' |
		awk '$2 == $3 { print $1, $2 }'
}

# -------------------------------------------------------- keepalived ----

declare -A LAB_KA_JOB=()  # node -> pid of the backgrounded keepalived

require_keepalived() {
	command -v keepalived >/dev/null 2>&1 ||
		skip_all "keepalived is not installed (scripts/install-deps.sh installs it)"
}

keepalived_log() { echo "$LAB_TMP/$1/keepalived.log"; }

keepalived__up_or_dead() {
	read_pidfile "$LAB_TMP/$1/keepalived-vrrp.pid" >/dev/null ||
		pid_dead "${LAB_KA_JOB[$1]}"
}

# keepalived_start NODE CONF: the real keepalived, VRRP only, in the
# foreground of node NODE, logging to the console (not syslog) into
# $LAB_TMP/NODE/keepalived.log, with its pid files in the lab; wait until
# its VRRP child runs.
keepalived_start() {
	local node=$1 conf=$2 dir
	dir=$(vigild_dir "$node")
	mkdir -p "$dir"
	rm -f "$dir/keepalived.pid" "$dir/keepalived-vrrp.pid"
	ip netns exec "$(lab_ns "$node")" keepalived -n -l -D -G -P -f "$conf" \
		-p "$dir/keepalived.pid" -r "$dir/keepalived-vrrp.pid" \
		</dev/null >>"$dir/keepalived.log" 2>&1 &
	LAB_KA_JOB[$node]=$!
	LAB_EXTRA_PIDS+=("$!")
	if ! wait_for 10 keepalived__up_or_dead "$node" ||
		pid_dead "${LAB_KA_JOB[$node]}"; then
		diag "keepalived on $node did not start"
		diag_file "$dir/keepalived.log"
		return 1
	fi
	return 0
}

# keepalived_stop NODE [SECONDS]: SIGTERM keepalived (it sends priority 0
# and removes its addresses), wait for its exit.
keepalived_stop() {
	local node=$1 pid
	pid=${LAB_KA_JOB[$node]}
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null
	wait_for "${2:-10}" pid_dead "$pid" || return 1
	wait "$pid" 2>/dev/null
	return 0
}

# ---- check-state.json (the check process dumps it on SIGUSR2) -----------------
# These assume the node running vigild is named "lb" where no NODE is given.

check_dump() {
	local f pid
	f="$(vigild_dir "$1")/check-state.json"
	pid=$(vigild_pid "$1" check) || return 1
	rm -f -- "$f"
	kill -USR2 "$pid" 2>/dev/null || return 1
	wait_for 5 test -s "$f" || return 1
	echo "$f"
}

# rs_get NODE ADDR:PORT FIELD: a real server's field from a fresh dump
# (state, reason, weight, ...; checkers.N.FIELD for its Nth checker).
rs_get() {
	local f
	f=$(check_dump "$1") || return 1
	python3 - "$f" "$2" "$3" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
addr, port = sys.argv[2].rsplit(":", 1)
for vs in d["virtual_servers"]:
    for rs in vs["real_servers"]:
        if rs["address"] == addr and rs["port"] == int(port):
            v = rs
            for k in sys.argv[3].split("."):
                v = v[int(k)] if isinstance(v, list) else v[k]
            print(v)
            sys.exit(0)
sys.exit(1)
PY
}

rs_is() { [[ $(rs_get lb "$1" "$2") == "$3" ]]; }

# rs_has ADDR:PORT FIELD=VALUE...: in one fresh dump, every FIELD of the
# real server (as rs_get names them) has its VALUE; says what differs.
rs_has() {
	local f
	f=$(check_dump lb) || return 1
	python3 - "$f" "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
addr, port = sys.argv[2].rsplit(":", 1)
rs = next((r for vs in d["virtual_servers"] for r in vs["real_servers"]
           if r["address"] == addr and r["port"] == int(port)), None)
if rs is None:
    print("# no real server %s in check-state.json" % sys.argv[2])
    sys.exit(1)
bad = 0
for kv in sys.argv[3:]:
    k, want = kv.split("=", 1)
    v = rs
    for p in k.split("."):
        v = v[int(p)] if isinstance(v, list) else v[p]
    if str(v) != want:
        print("# %s: %s is %r, wanted %r" % (sys.argv[2], k, str(v), want))
        bad = 1
sys.exit(bad)
PY
}

# reason_starts ADDR:PORT PREFIX: the real server's reason starts so.
reason_starts() { [[ $(rs_get lb "$1" reason) == "$2"* ]]; }

# no_sanitizer_report: the log has no ASan/LSan/UBSan report.
no_sanitizer_report() { ! log_has lb "(AddressSanitizer|LeakSanitizer|runtime error)"; }
stopped_clean() { [[ $VIGILD_EXIT == 0 ]]; }
