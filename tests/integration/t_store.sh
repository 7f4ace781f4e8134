#!/bin/bash
#
# t_store.sh - the state store, as an operator meets it: a drain made with
# vigilctl is stored before vigilctl returns, survives a restart of vigild
# (re-applied before the first IPVS reconcile), and shows in `vigilctl
# overrides` and `vigilctl history`, with transitions of the VRRP instance
# and of the real servers; a drain with an expiry ends by itself; ids stay
# the same across restarts; a damaged database is moved aside and vigild
# still starts; a database from a newer vigil stops it with a clear message.
#
# One node: a VRRP instance (alone, so it becomes MASTER) and a virtual
# server whose two real servers are checked by a script reading a control
# file (MISC_CHECK), so the test decides their health.  No IPVS here: the
# effective weight is read from the database (tests/vm checks IPVS).

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns
require_vigilctl
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

lab_init
lab_node lb 192.0.2.1/24

DIR=$(vigild_dir lb)
mkdir -p "$DIR"
DB=$DIR/vigil.db
SOCK=$DIR/vigil.sock
health_script_init 31 32
CTL=$HEALTH_DIR
SCRIPT=$HEALTH_SCRIPT

CONF=$DIR/vigil.conf
cat >"$CONF" <<EOF
global_defs {
    router_id lb
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass s3cr3t
    }
    virtual_ipaddress {
        192.0.2.100/24
    }
}
virtual_server 192.0.2.100 80 {
    delay_loop 1
    lb_algo wrr
    lb_kind DR
    protocol TCP
    real_server 192.0.2.31 80 {
        weight 5
        MISC_CHECK {
            misc_path "$SCRIPT $CTL/31"
        }
    }
    real_server 192.0.2.32 80 {
        weight 5
        MISC_CHECK {
            misc_path "$SCRIPT $CTL/32"
            retry 0
        }
    }
}
EOF
chmod 0644 "$CONF"

ctl() { "$VIGILCTL" -s "$SOCK" -d "$DB" "$@"; }
logs() { diag_file "$(vigild_log lb)" "${1:-15}"; }
# sql QUERY: one value from the database (python's sqlite3, read-only)
sql() { store_sql "$DB" "$1"; }
rs_weight() { sql "SELECT effective_weight FROM real_server WHERE key = '$1'"; }
rs_id() { sql "SELECT id FROM real_server WHERE key = '$1'"; }
vi_id() { sql "SELECT id FROM vrrp_instance WHERE name = 'VI_1'"; }
weight_is() { [[ $(rs_weight "$1") == "$2" ]]; }
out_has() { grep -Fq -- "$2" <<<"$1"; }

tap_plan 28

vigild_start lb "$CONF" || bail_out "vigild did not start"
check "the database is created where --db says" test -s "$DB" || logs
check "VI_1 becomes MASTER and the transition is in the history" \
	wait_for 10 eval 'ctl history VI_1 | grep -q "BACKUP -> MASTER"' || logs
check "both real servers are in IPVS's model with their weight 5" \
	wait_for 10 eval 'weight_is 192.0.2.31:80 5 && weight_is 192.0.2.32:80 5' || logs
check "each object's settings are in the database (for SNMP and REST), without the VRRP password" \
	eval '[[ $(sql "SELECT json_extract(config, '\''$.advert_int'\'') = 1 FROM vrrp_instance WHERE name = '\''VI_1'\''") == 1 &&
		$(sql "SELECT json_extract(config, '\''$.lb_kind'\'') FROM virtual_server") == DR &&
		$(sql "SELECT json_extract(config, '\''$.weight'\'') FROM real_server WHERE key = '\''192.0.2.31:80'\''") == 5 ]] &&
		! grep -aq s3cr3t "$DB" "$DB-wal"'
ID31=$(rs_id 192.0.2.31:80)
VI=$(vi_id)

# ---- drain: answered once stored and applied -----------------------------------
out=$(ctl -r "kernel upgrade" drain 192.0.2.100:80 192.0.2.31 2>&1)
rc=$?
ok $((rc != 0)) "vigilctl drain exits 0"
check "its answer names the real server and the virtual server" \
	out_has "$out" "drain 192.0.2.31:80 of VS TCP 192.0.2.100:80" || diag "$out"
# acknowledged means stored: no wait here
check "the drain is in the database when vigilctl returns (weight 0)" weight_is 192.0.2.31:80 0
ov=$(ctl overrides)
check "vigilctl overrides shows it, with who and why" \
	eval 'out_has "$ov" "drain" && out_has "$ov" "kernel upgrade" && out_has "$ov" "uid 0"' || diag "$ov"

out=$(ctl drain "TCP 192.0.2.100:80" 192.0.2.99 2>&1)
rc=$?
ok $((rc != 3)) "a drain of an unknown real server is refused (exit 3)"
check "... with a message naming the virtual server" out_has "$out" "TCP 192.0.2.100:80 has no real server '192.0.2.99'" || diag "$out"
out=$(ctl drain 192.0.2.200:80 192.0.2.31 2>&1)
check "an unknown virtual server: the message lists the configured ones" \
	out_has "$out" "there are: 'TCP 192.0.2.100:80'" || diag "$out"

# ---- a health transition is recorded -------------------------------------------
echo 1 >"$CTL/32"
check "a real server going down: weight gone, transition with its reason in the history" \
	wait_for 10 eval 'ctl history 192.0.2.32 | grep -q "up -> down (MISC_CHECK.*failed"' ||
	{ ctl history | tail -8 | while IFS= read -r l; do diag "$l"; done; logs 8; }
check "a real server that is down is not in IPVS's model (NULL weight)" wait_for 5 weight_is 192.0.2.32:80 ""

# ---- restart: the drain is re-applied ---------------------------------------------
vigild_stop lb || bail_out "vigild did not stop"
check "a clean stop stores the last counters: adverts sent by VI_1, checks run on each real server" \
	eval '(( $(sql "SELECT max(value) FROM counter_snapshot WHERE target = '\''vrrp_instance'\'' AND name = '\''adverts_sent'\''") > 0 &&
		$(sql "SELECT count(DISTINCT target_id) FROM counter_snapshot WHERE target = '\''real_server'\'' AND name = '\''checks'\'' AND value > 0") == 2 ))'
vigild_start lb "$CONF" || bail_out "vigild did not restart"
check "after a restart the drain is re-applied (logged, with who and why)" \
	log_wait lb "operator's drain of 192\\.0\\.2\\.31:80 in TCP 192\\.0\\.2\\.100:80 \\(.*uid 0.*kernel upgrade\\) re-applied" || logs
check "... and the real server still has weight 0" weight_is 192.0.2.31:80 0
check "the last known state of VI_1 is logged at start" log_has lb "\\(VI_1\\) last known state before this start: MASTER" || logs
check "ids are the same after the restart" eval '[[ $(rs_id 192.0.2.31:80) == "$ID31" && $(vi_id) == "$VI" ]]'

# ---- undrain, and a drain that expires -------------------------------------------------
ctl undrain 192.0.2.100:80 192.0.2.31:80 >/dev/null 2>&1
check "undrain: back to the configured weight" weight_is 192.0.2.31:80 5
ctl -e 2s drain 192.0.2.100:80 192.0.2.31 >/dev/null 2>&1
check "a drain with --expires 2s ends by itself" \
	wait_for 10 eval 'weight_is 192.0.2.31:80 5 && ctl history 192.0.2.31 | grep -q "expire"' || logs
check "every edit is in the audit log (drains, refusals, undrain, expiry)" \
	eval '(( $(sql "SELECT count(*) FROM audit") >= 6 ))'

# ---- an instance's demotion -------------------------------------------------------------
prio_is() { [[ $(sql "SELECT effective_priority FROM vrrp_instance WHERE name = 'VI_1'") == "$1" ]]; }
out=$(ctl -r "move traffic" demote VI_1 30 2>&1)
check "vigilctl demote VI_1 30: the answer gives the new effective priority" \
	out_has "$out" "effective priority now 70" || diag "$out"
check "... and the database has it when vigilctl returns" prio_is 70
out=$(ctl demote VI_9 30 2>&1)
check "an unknown instance is refused, naming the configured ones" out_has "$out" "there are: VI_1" || diag "$out"
vigild_stop lb || bail_out "vigild did not stop"
vigild_start lb "$CONF" || bail_out "vigild did not restart"
check "after a restart the demotion is re-applied (logged), priority 70" \
	eval 'log_wait lb "\\(VI_1\\) operator.s demotion by 30 .*re-applied" && wait_for 10 prio_is 70' || logs
ctl undemote VI_1 >/dev/null 2>&1
check "undemote: back to priority 100" prio_is 100

# ---- damage, and a newer vigil's database ---------------------------------------------
vigild_stop lb || bail_out "vigild did not stop"
python3 -c "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute('PRAGMA user_version = 99'); db.commit()" "$DB"
ip netns exec "$(lab_ns lb)" "$VIGILD" -n -l -f "$CONF" -p "$DIR/x.pid" --db "$DB" \
	--control "$DIR/x.sock" >"$DIR/newer.log" 2>&1 </dev/null
rc=$?
check "a database from a newer vigil: vigild refuses to start (exit 1), saying so" \
	eval '((rc == 1)) && grep -q "newer vigil" "$DIR/newer.log"' || diag_file "$DIR/newer.log" 5

head -c 65536 /dev/urandom >"$DB"
rm -f "$DB-wal" "$DB-shm"
vigild_start lb "$CONF" || bail_out "vigild did not start with a damaged database"
check "a damaged database is moved aside (logged) and vigild starts with a fresh one" \
	eval 'log_has lb "was damaged .*moved aside to .*vigil\\.db\\.corrupt-" && ls "$DB".corrupt-* >/dev/null' || logs
vigild_stop lb

tap_done
