#!/bin/bash
#
# t_check_misc.sh - MISC_CHECK: a script's exit status is the real server's
# health (keepalived's rules), run by the check process without blocking it.
#
# One node, vigild with two virtual servers; every real server is checked by
# the same shell script, which exits with the number found in its own
# control file ("sleep" makes it hang):
#   .31  exit 1 -> down after 1 retry, exit 0 -> up
#   .32  misc_dynamic: exit N >= 2 -> up with weight N - 2, 0 keeps the
#        weight, 1 -> down
#   .33  a script that hangs past misc_timeout -> down (timeout)
#   .34  `user nobody`: the script runs as nobody
#   .35  in a virtual server with `alpha`: down from the start, without a
#        "removing" line, up at its first success
# The log lines carry the reason ("script exit 1", "timeout after 1 s");
# check-state.json (SIGUSR2) shows the state, the reason and the weight.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

lab_init
lab_node lb 192.0.2.1/24

CTL="$LAB_TMP/misc"
SCRIPT="$LAB_TMP/misc_check.sh"
mkdir -p "$CTL" && chmod 0755 "$CTL"
cat >"$SCRIPT" <<'EOF'
#!/bin/sh
# misc_check.sh FILE: exit with the number in FILE; "sleep" hangs.
id -un >"$1.who" 2>/dev/null
v=$(cat "$1" 2>/dev/null)
[ "$v" = sleep ] && exec sleep 60
exit "${v:-0}"
EOF
chmod 0755 "$SCRIPT"
for n in 31 32 33 34 35; do
	echo 0 >"$CTL/$n"
	install -m 0666 /dev/null "$CTL/$n.who"   # the script may run as nobody
	chmod 0644 "$CTL/$n"
done
echo 1 >"$CTL/35"   # the alpha one fails from the start

set_exit() { echo "$2" >"$CTL/$1"; }

# check-state.json readers (check_dump, rs_get, rs_is, rs_has...) are in lib.sh.
logs() { diag_file "$(vigild_log lb)" "${1:-15}"; }

# ---- the configuration ------------------------------------------------------------

CONF="$(vigild_dir lb)/vigil.conf"
cat >"$CONF" <<EOF
global_defs {
    router_id lb
}

virtual_server 192.0.2.100 80 {
    delay_loop 1
    lb_algo wrr
    lb_kind DR
    protocol TCP
    omega

    real_server 192.0.2.31 80 {
        weight 1
        notify_up "echo up >>$CTL/notify31"
        notify_down "echo down >>$CTL/notify31"
        MISC_CHECK {
            misc_path "$SCRIPT $CTL/31"
            misc_timeout 5
            retry 1
            delay_before_retry 0.3
        }
    }
    real_server 192.0.2.32 80 {
        weight 1
        MISC_CHECK {
            misc_path "$SCRIPT $CTL/32"
            misc_dynamic
        }
    }
    real_server 192.0.2.33 80 {
        MISC_CHECK {
            misc_path "$SCRIPT $CTL/33"
            misc_timeout 1
        }
    }
    real_server 192.0.2.34 80 {
        MISC_CHECK {
            misc_path "$SCRIPT $CTL/34"
            user nobody
        }
    }
}

virtual_server 192.0.2.101 80 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    protocol TCP
    alpha
    quorum 1
    quorum_up "echo up >>$CTL/quorum101"
    quorum_down "echo down >>$CTL/quorum101"

    real_server 192.0.2.35 80 {
        MISC_CHECK {
            misc_path "$SCRIPT $CTL/35"
        }
    }
}
EOF
chmod 0644 "$CONF"

tap_plan 31

vigild_start lb "$CONF" || bail_out "vigild did not start"

up_at_start() {
	local a
	for a in 31 32 33 34; do rs_is 192.0.2.$a:80 checkers.0.successes 0 && return 1; done
	for a in 31 32 33 34; do rs_is 192.0.2.$a:80 state up || return 1; done
}
check "start: the four real servers whose script exits 0 are up, each checked" wait_for 10 up_at_start || logs

# ---- alpha ----------------------------------------------------------------------------
RS35='\[192\.0\.2\.35\]:tcp:80'
check "alpha: the failing one is down from the start, reason script exit 1" \
	wait_for 5 rs_has 192.0.2.35:80 state=down "reason=script exit 1"
check "alpha: its first failure is logged" \
	log_wait lb "MISC_CHECK \".*\" for $RS35 failed \(script exit 1\): service $RS35 of VS \[192\.0\.2\.101\]:tcp:80 stays down" 5 || logs
never_removed() { ! log_has lb "removing service $1"; }
check "alpha: it was never 'removed' (it was never in)" never_removed "$RS35"
set_exit 35 0
check "alpha: first success -> logged up" \
	log_wait lb "MISC_CHECK \".*\" for $RS35 success: adding service $RS35 to VS \[192\.0\.2\.101\]:tcp:80" 10 || logs
# quorum 1: no live weight at first (alpha), then the one real server's 1
quorum_seq() { [[ $(paste -sd, "$CTL/quorum101" 2>/dev/null) == "down,up" ]]; }
check "quorum: lost then regained, quorum_down then quorum_up ran" wait_for 10 quorum_seq || diag_file "$CTL/quorum101" 5
quorum_logged() {
	log_has lb "virtual server \[192\.0\.2\.101\]:80: quorum lost" &&
		log_has lb "virtual server \[192\.0\.2\.101\]:80: quorum regained"
}
check "quorum: both changes logged" quorum_logged || logs

# ---- exit 1 / exit 0 ---------------------------------------------------------------------
RS31='\[192\.0\.2\.31\]:tcp:80'
set_exit 31 1
check "exit 1 -> logged down after 1 retry, reason script exit 1" \
	log_wait lb "MISC_CHECK \".*\" for $RS31 failed after 1 retry \(script exit 1\): removing service $RS31 from VS \[192\.0\.2\.100\]:tcp:80" 10 || logs
check "exit 1: check-state.json says down, script exit 1, weight 0" \
	rs_has 192.0.2.31:80 state=down "reason=script exit 1" weight=0
notify_is() { [[ $(paste -sd, "$CTL/notify31" 2>/dev/null) == "$1" ]]; }
check "exit 1: notify_down ran (once)" wait_for 5 notify_is down || diag_file "$CTL/notify31" 5
set_exit 31 0
check "exit 0 -> logged up" log_wait lb "MISC_CHECK \".*\" for $RS31 success: adding service $RS31" 10 || logs
check "exit 0: notify_up ran after it" wait_for 5 notify_is down,up || diag_file "$CTL/notify31" 5
check "exit 0: up with its configured weight 1" rs_has 192.0.2.31:80 state=up weight=1

# ---- misc_dynamic ---------------------------------------------------------------------------
RS32='\[192\.0\.2\.32\]:tcp:80'
set_exit 32 5
check "misc_dynamic exit 5 -> weight 3, logged" \
	log_wait lb "MISC_CHECK \".*\" for $RS32: weight of service $RS32 in VS \[192\.0\.2\.100\]:tcp:80 1 -> 3" 10 || logs
check "misc_dynamic exit 5: check-state.json weight 3, still up" \
	rs_has 192.0.2.32:80 weight=3 state=up configured_weight=1 checkers.0.dynamic_weight=3
set_exit 32 0
n32=$(rs_get lb 192.0.2.32:80 checkers.0.checks)
two_more() { (($(rs_get lb 192.0.2.32:80 checkers.0.checks) >= n32 + 2)); }
check "misc_dynamic exit 0: two more checks ran" wait_for 10 two_more
check "misc_dynamic exit 0: the weight stays 3" rs_has 192.0.2.32:80 weight=3 state=up
set_exit 32 1
check "misc_dynamic exit 1 -> down (script exit 1)" \
	log_wait lb "MISC_CHECK \".*\" for $RS32 failed \(script exit 1\): removing service $RS32" 10 || logs
check "misc_dynamic down: effective weight 0" rs_is 192.0.2.32:80 weight 0
set_exit 32 7
check "misc_dynamic exit 7 -> up again with weight 5, said in the log line" \
	log_wait lb "MISC_CHECK \".*\" for $RS32 success: adding service $RS32 to VS \[192\.0\.2\.100\]:tcp:80 \(weight 5\)" 10 || logs
check "misc_dynamic exit 7: check-state.json weight 5" rs_is 192.0.2.32:80 weight 5
set_exit 32 2
check "misc_dynamic exit 2 -> weight 0, logged" log_wait lb "weight of service $RS32 in VS .* 5 -> 0" 10 || logs
check "misc_dynamic exit 2: up with weight 0" rs_has 192.0.2.32:80 state=up weight=0

# ---- misc_timeout -------------------------------------------------------------------------------
RS33='\[192\.0\.2\.33\]:tcp:80'
set_exit 33 sleep
check "a script past misc_timeout -> down: timeout after 1 s" \
	log_wait lb "MISC_CHECK \".*\" for $RS33 failed \(timeout after 1 s\): removing service $RS33" 10 || logs
check "timeout: check-state.json reason" rs_is 192.0.2.33:80 reason "timeout after 1 s"
set_exit 33 0
check "the script answers again -> up" log_wait lb "MISC_CHECK \".*\" for $RS33 success: adding service $RS33" 10 || logs
no_sleeper() {
	local p
	for p in $(lab_pids lb); do
		[[ $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) == "sleep 60 " ]] && return 1
	done
	return 0
}
check "the hung script was killed (no sleep left behind)" wait_for 5 no_sleeper

# ---- user ------------------------------------------------------------------------------------
# The script rewrites the file on every run (truncate, then write): poll.
check "\`user nobody\`: the script ran as nobody" wait_for 5 grep -qx nobody "$CTL/34.who" ||
	diag "it ran as '$(cat "$CTL/34.who")'"

vigild_stop lb
check "vigild stops cleanly" stopped_clean || logs
# omega: at shutdown the live real server's notify_down runs once more
check "omega: notify_down ran at shutdown for the real server that was up" \
	wait_for 5 notify_is down,up,down || diag_file "$CTL/notify31" 5
check "no sanitizer report in the log" no_sanitizer_report || logs 40

tap_done
