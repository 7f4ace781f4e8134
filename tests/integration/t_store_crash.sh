#!/bin/bash
#
# t_store_crash.sh - SIGKILL at random moments loses no acknowledged edit
# and never damages the state database.
#
# 50 rounds: start vigild; a storm of health transitions (the MISC_CHECK
# scripts of six real servers flip between up and down) and of operator
# edits (drain / undrain of random real servers through vigilctl, one at a
# time, each one recorded as sent and, when vigilctl returned 0, as
# acknowledged); after a random 0.2-1.2 s every vigild process gets SIGKILL.
# Then, with vigild dead:
#   - PRAGMA integrity_check says ok;
#   - each real server's override in the database is what its last
#     acknowledged edit asked for (or what one of the edits sent after it
#     but not answered asked for: the kill may come between a commit and its
#     answer, and the loop goes on sending edits that fail until it stops);
#   - no start found the file damaged (vigild would move it aside).

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns
require_vigilctl
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

ROUNDS=${VIGIL_CRASH_ROUNDS:-50}
lab_init
lab_node lb 192.0.2.1/24

DIR=$(vigild_dir lb)
mkdir -p "$DIR"
DB=$DIR/vigil.db
SOCK=$DIR/vigil.sock
RS=(41 42 43 44 45 46)
health_script_init "${RS[@]}"
CTL=$HEALTH_DIR
SCRIPT=$HEALTH_SCRIPT

CONF=$DIR/vigil.conf
{
	cat <<EOF
global_defs {
    router_id lb
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
    }
}
virtual_server 192.0.2.100 80 {
    delay_loop 0.1
    lb_algo wrr
    lb_kind DR
    protocol TCP
EOF
	for n in "${RS[@]}"; do
		cat <<EOF
    real_server 192.0.2.$n 80 {
        weight 1
        MISC_CHECK {
            misc_path "$SCRIPT $CTL/$n"
            retry 0
        }
    }
EOF
	done
	echo "}"
} >"$CONF"
chmod 0644 "$CONF"

EDITS=$LAB_TMP/edits      # "sent RS ACTION" / "ack RS ACTION", in order

# flip the health of random real servers, quickly
health_storm() {
	while :; do
		echo $((RANDOM % 2)) >"$CTL/${RS[RANDOM % ${#RS[@]}]}"
		sleep 0.03
	done
}

# drain or undrain random real servers, one at a time, noting each
edit_storm() {
	local n action
	while :; do
		n=${RS[RANDOM % ${#RS[@]}]}
		action=$([[ $((RANDOM % 2)) == 0 ]] && echo drain || echo undrain)
		echo "sent $n $action" >>"$EDITS"
		if "$VIGILCTL" -s "$SOCK" -r "crash test" "$action" 192.0.2.100:80 "192.0.2.$n" >/dev/null 2>&1; then
			echo "ack $n $action" >>"$EDITS"
		fi
	done
}

kill_all() {
	local p
	for p in $(lab_pids lb); do
		kill -KILL "$p" 2>/dev/null
	done
	wait_for 5 eval '[[ -z $(lab_pids lb) ]]'
	wait "${LAB_VIGILD_JOB[lb]}" 2>/dev/null
}

# verify: integrity and every acknowledged edit, from the database and the log
verify() {
	python3 - "$DB" "$EDITS" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
res = db.execute("PRAGMA integrity_check").fetchone()[0]
if res != "ok":
    print("integrity_check: %s" % res)
    sys.exit(1)
drained = {k for (k,) in db.execute(
    "SELECT rs.key FROM override o JOIN real_server rs ON rs.id = o.target_id "
    "WHERE o.target = 'real_server' AND o.kind = 'drain'")}
# every edit sent after a real server's last acknowledged one may have
# been applied without its answer arriving (the kill), or not
last_ack, pending = {}, {}
for line in open(sys.argv[2]):
    kind, n, action = line.split()
    key = "192.0.2.%s:80" % n
    if kind == "sent":
        pending.setdefault(key, set()).add(action)
    else:
        last_ack[key] = action
        pending.pop(key, None)
bad = []
for key, action in last_ack.items():
    allowed = {action == "drain"} | {a == "drain" for a in pending.get(key, ())}
    if (key in drained) not in allowed:
        bad.append("%s: last acknowledged %s, database says %s" %
                   (key, action, "drained" if key in drained else "not drained"))
if bad:
    print("; ".join(bad))
    sys.exit(1)
print("ok: %d real servers drained, %d acknowledged edits checked" % (len(drained), len(last_ack)))
EOF
}

tap_plan 4

: >"$EDITS"
bad_rounds=0 damaged=0 acked=0 failures=""
for ((round = 1; round <= ROUNDS; round++)); do
	if ! vigild_start lb "$CONF"; then
		failures+=" round $round: vigild did not start;"
		bad_rounds=$((bad_rounds + 1))
		kill_all
		continue
	fi
	health_storm &
	hpid=$!
	edit_storm &
	epid=$!
	sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.2 + (r % 100) / 100 }')"
	kill_all
	kill "$hpid" "$epid" 2>/dev/null
	wait "$hpid" "$epid" 2>/dev/null
	if ! out=$(verify); then
		failures+=" round $round: $out;"
		bad_rounds=$((bad_rounds + 1))
	fi
done
acked=$(grep -c '^ack' "$EDITS")
damaged=$(grep -c "was damaged" "$(vigild_log lb)")
transitions=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM health_transition').fetchone()[0])" "$DB")
diag "$ROUNDS rounds, $(grep -c '^sent' "$EDITS") edits sent, $acked acknowledged, $transitions health transitions stored"

check "every round: integrity_check ok and no acknowledged edit lost" eval '((bad_rounds == 0))' ||
	diag "$failures"
check "no start found the database damaged" eval '((damaged == 0))' || log_grep lb "damaged" | head -3
check "the storm was real: edits were acknowledged" eval '((acked >= ROUNDS))'
check "health transitions were recorded across the rounds" eval '((transitions >= ROUNDS))'

tap_done
