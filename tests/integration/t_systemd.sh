#!/bin/bash
#
# t_systemd.sh - vigild under a Type=notify unit and a log shipper.
# A stand-in for systemd's notify socket (notify_listen.py) records what
# vigild sends: READY=1 once vrrp, check and mgmt run; RELOADING=1 and
# READY=1 around a reload (after the children applied it), and READY=1
# with a STATUS naming the problem when the new file is refused;
# STOPPING=1 on SIGTERM.  Scripts vigild runs do not inherit
# NOTIFY_SOCKET.  An abstract socket ("@name") works too.
# --log-format=json: every line on stderr is a JSON object with ts, level,
# process, pid and msg, from each of the four processes.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

lab_init
lab_node n1 192.0.2.11/24

node=n1
dir=$(vigild_dir $node)
mkdir -p "$dir"
conf=$dir/vigil.conf
sock=$LAB_TMP/notify.sock
msgs=$LAB_TMP/notify.jsonl
envfile=$LAB_TMP/script-env.txt
notify=$LAB_TMP/notify.sh
printf '#!/bin/sh\nenv >%s\n' "$envfile" >"$notify"
chmod 0755 "$notify"

write_vrrp_conf "$conf" n1 MASTER 150
sed -i "s|^    advert_int 1|    advert_int 1\n    notify_master $notify|" "$conf"

tap_plan 15

# listen SOCKET OUT: start the stand-in (in NODE's namespace when given a
# third argument: abstract sockets are per network namespace).
listen() {
	local sock=$1 out=$2
	rm -f "$out" "$out.bound"
	if [[ -n ${3:-} ]]; then
		lab_exec "$3" python3 "$VIGIL_SRCDIR/tests/integration/notify_listen.py" "$sock" "$out" \
			--log "$(vigild_log $node)" "$dir/vrrp.pid" "$dir/check.pid" "$dir/mgmt.pid" &
	else
		python3 "$VIGIL_SRCDIR/tests/integration/notify_listen.py" "$sock" "$out" \
			--log "$(vigild_log $node)" "$dir/vrrp.pid" "$dir/check.pid" "$dir/mgmt.pid" &
	fi
	LAB_EXTRA_PIDS+=($!)
	wait_for 5 test -e "$out.bound"
}

# field N KEY: KEY of the Nth message (1-based; -1: the last).
field() {
	python3 - "$msgs" "$1" "$2" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
n = int(sys.argv[2])
r = recs[n - 1 if n > 0 else n] if recs and abs(n) <= len(recs) else {}
v = r.get(sys.argv[3], "")
print(json.dumps(v) if isinstance(v, list) else v)
PY
}
n_msgs() { [[ -e $msgs ]] && wc -l <"$msgs" || echo 0; }
has_msgs() { [[ $(n_msgs) -ge $1 ]]; }
show_msgs() { diag_file "$msgs"; }

listen "$sock" "$msgs" || bail_out "the notify stand-in did not start"
VIGILD_ARGS=(--log-format=json)
if ! NOTIFY_SOCKET=$sock check "vigild starts with NOTIFY_SOCKET set" vigild_start $node "$conf"; then
	bail_out "vigild did not start"
fi
job=$(vigild_job $node)

# --- READY=1 -----------------------------------------------------------------
wait_for 10 has_msgs 1
ready_first() {
	[[ $(field 1 READY) == 1 && $(field 1 running) == 3 ]] || { show_msgs; return 1; }
}
check "the first message is READY=1, sent when vrrp, check and mgmt all run" ready_first
status_says() { [[ $(field "$1" STATUS) == *"$2"* ]] || { diag "STATUS: $(field "$1" STATUS)"; return 1; }; }
check "its STATUS names the file and counts the instances" status_says 1 "$conf (reload 0): 1 VRRP instances"

# --- reload ------------------------------------------------------------------
kill -HUP "$job"
wait_for 10 has_msgs 3
reload_ok() {
	[[ $(field 2 RELOADING) == 1 && $(field 3 READY) == 1 ]] || { show_msgs; return 1; }
}
check "SIGHUP: RELOADING=1, then READY=1" reload_ok
after_children() {
	local done
	done=$(field 3 reloads_done)
	[[ $done == *"child vrrp done"* && $done == *"child check done"* && $done == *"child mgmt done"* ]] ||
		{ diag "at READY=1 the log had: $done"; return 1; }
}
check "READY=1 comes after vrrp, check and mgmt applied reload 1" after_children
check "its STATUS says reload 1" status_says 3 "(reload 1)"

cp "$conf" "$conf.good"
echo "vrrp_instance BROKEN {" >>"$conf"
kill -HUP "$job"
wait_for 10 has_msgs 5
refused() {
	[[ $(field 4 RELOADING) == 1 && $(field 5 READY) == 1 ]] || { show_msgs; return 1; }
}
check "a broken file: RELOADING=1, then READY=1 (the old configuration runs on)" refused
refused_status() {
	status_says 5 "reload refused: " && status_says 5 " in $conf (vigild -t -f $conf); running the previous configuration"
}
check "its STATUS says the reload was refused and how to see why" refused_status
cp "$conf.good" "$conf"
check "vigild still runs" pid_alive "$job"

# --- scripts do not inherit NOTIFY_SOCKET --------------------------------------
wait_for 15 test -s "$envfile"
no_notify_env() {
	[[ -s $envfile ]] || { diag "notify_master did not run"; return 1; }
	! grep -q '^NOTIFY_SOCKET=' "$envfile" || { diag "$(grep '^NOTIFY_SOCKET=' "$envfile")"; return 1; }
}
check "a notify_master script does not see NOTIFY_SOCKET" no_notify_env

# --- stop --------------------------------------------------------------------
before=$(n_msgs)
vigild_stop $node
wait_for 5 has_msgs $((before + 1))
stopping_last() {
	[[ $(n_msgs) -eq $((before + 1)) && $(field -1 STOPPING) == 1 ]] || { show_msgs; return 1; }
}
check "SIGTERM: STOPPING=1 is the last message" stopping_last
exit0() { [[ $VIGILD_EXIT == 0 ]] || { diag "exit status '$VIGILD_EXIT'"; return 1; }; }
check "and vigild exits 0" exit0

# --- the JSON log --------------------------------------------------------------
json_log() {
	python3 - "$(vigild_log $node)" <<'PY'
import json, sys
procs, bad, master = set(), [], False
for n, line in enumerate(open(sys.argv[1], errors="replace"), 1):
    try:
        o = json.loads(line)
        assert set(o) == {"ts", "level", "process", "pid", "msg"}, sorted(o)
        assert o["ts"].endswith("Z") and "T" in o["ts"], o["ts"]
        assert o["level"] in ("debug", "info", "notice", "warning", "error", "critical"), o["level"]
        assert isinstance(o["pid"], int)
    except (ValueError, AssertionError) as e:
        bad.append("line %d: %s: %s" % (n, e, line.rstrip()))
        continue
    procs.add(o["process"])
    if o["process"] == "vigild-vrrp" and "Entering MASTER STATE" in o["msg"]:
        master = True
want = {"vigild", "vigild-vrrp", "vigild-check", "vigild-mgmt"}
for b in bad[:5]:
    print("# " + b)
if not want <= procs:
    print("# processes seen: %s" % sorted(procs))
if not master:
    print("# no 'Entering MASTER STATE' from vigild-vrrp")
sys.exit(0 if not bad and want <= procs and master else 1)
PY
}
check "--log-format=json: every line is {ts, level, process, pid, msg}, from all four processes" json_log

# --- an abstract socket --------------------------------------------------------
: >"$(vigild_log $node)"
msgs=$LAB_TMP/notify-abstract.jsonl
listen "@vigil-test-$$" "$msgs" $node || bail_out "the abstract stand-in did not start"
VIGILD_ARGS=()
NOTIFY_SOCKET=@vigil-test-$$ vigild_start $node "$conf"
wait_for 10 has_msgs 1
abstract_ready() { [[ $(field 1 READY) == 1 ]] || { show_msgs; return 1; }; }
check "NOTIFY_SOCKET=@name (abstract): READY=1 arrives" abstract_ready
vigild_stop $node
text_log() { head -1 "$(vigild_log $node)" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T.* vigild\[[0-9]+\]: '; }
check "without --log-format, lines are text again" text_log

tap_done
