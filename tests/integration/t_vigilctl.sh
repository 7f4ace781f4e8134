#!/bin/bash
#
# t_vigilctl.sh - vigilctl as an operator and a script use it (issue #7,
# item 5): status, instances, servers, overrides and history as aligned
# tables and as JSON with the REST API's field names and values; drain,
# maint, weight, undrain changing what vigilctl and the API show;
# demote/restore moving the master from a to b and back; the exit codes
# (0 OK, 1 not running or failed, 2 usage, 3 refused edit).
#
# Lab: nodes a (priority 150) and b (priority 100) share VI_1 (VRID 51,
# VIP 192.0.2.100); a has a virtual server with two real servers checked by
# a script the test steers (MISC_CHECK).  vigilctl runs on the host against
# a's pid file, control socket and database; curl asks a's API (127.0.0.1:8080
# in a's namespace).

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns
require_vigilctl
for t in curl python3; do
	command -v "$t" >/dev/null 2>&1 || skip_all "$t is not installed (scripts/install-deps.sh)"
done

lab_init
lab_node a 192.0.2.1/24
lab_node b 192.0.2.2/24
health_script_init 31 32

CONF_A=$LAB_TMP/a/vigil.conf
write_vrrp_conf "$CONF_A" a BACKUP 150
write_vs_conf "$CONF_A" 2
write_vrrp_conf "$LAB_TMP/b.conf" b BACKUP 100

DIR=$(vigild_dir a)
DB=$DIR/vigil.db
ctl() { "$VIGILCTL" -p "$DIR/vigild.pid" -s "$DIR/vigil.sock" -d "$DB" "$@"; }
logs() { diag_file "$(vigild_log a)" 12; }

# run ARGS...: vigilctl's stdout in $OUT, stderr in $ERR, exit status in $RC
run() {
	OUT=$(ctl "$@" 2>"$LAB_TMP/stderr")
	RC=$?
	ERR=$(cat "$LAB_TMP/stderr")
}
# said WHAT: tell what the last run printed (for a failed check)
said() { diag "exit $RC; stdout: $(head -c 1500 <<<"$OUT")"$'\n'"stderr: $ERR"; }
has() { grep -Eq -- "$1" <<<"$OUT"; }
err_has() { grep -Eq -- "$1" <<<"$ERR"; }

# jq_is JSON EXPR WANTED: python's EXPR on the parsed JSON (as j) equals the
# python literal WANTED; says what it got when not
jq_is() {
	python3 -c '
import json, sys
j = json.loads(sys.argv[1])
try:
    got = eval(sys.argv[2])
except Exception as e:
    got = "%s: %s" % (type(e).__name__, e)
if got != eval(sys.argv[3]):
    print("# %s: %r, wanted %s" % (sys.argv[2], got, sys.argv[3]))
    sys.exit(1)' "$1" "$2" "$3"
}
# ctl_is EXPR WANTED ARGS...: vigilctl --json ARGS exits 0 and EXPR gives WANTED
ctl_is() { local e=$1 w=$2; shift 2; run --json "$@" && jq_is "$OUT" "$e" "$w"; }
ctl_quiet() { ctl_is "$@" >/dev/null 2>&1; }
wait_ctl() { local s=$1; shift; wait_for "$s" ctl_quiet "$@" || ctl_is "$@"; }

# api NODE PATH: the body of GET PATH from NODE's API
api() { lab_exec "$1" curl -sS -g --max-time 5 "http://127.0.0.1:8080$2"; }
api_is() { local j; j=$(api "$1" "$2") && jq_is "$j" "$3" "$4"; }
api_quiet() { api_is "$@" >/dev/null 2>&1; }
wait_api() { wait_for "${5:-10}" api_quiet "$1" "$2" "$3" "$4" || api_is "$1" "$2" "$3" "$4"; }

# same_as_api CTLJSON APIJSON LIST: the objects of list LIST (by id) in both
# documents; every field both have is equal (vigilctl leaves out only what
# mgmt alone knows: IPVS's live figures, split brain)
same_as_api() {
	python3 -c '
import json, sys
c, a, key = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
def objs(d):
    if key == "real_servers" and "virtual_servers" in d:
        return {r["id"]: r for v in d["virtual_servers"] for r in v["real_servers"]}
    return {o["id"]: o for o in d[key]}
co, ao = objs(c), objs(a)
bad = []
if sorted(co) != sorted(ao):
    bad.append("ids: vigilctl %s, API %s" % (sorted(co), sorted(ao)))
for i in co:
    for k, v in co[i].items():
        if i in ao and k in ao[i] and ao[i][k] != v:
            bad.append("%s %s: vigilctl %r, API %r" % (i, k, v, ao[i][k]))
for b in bad:
    print("# " + b)
sys.exit(1 if bad else 0)' "$1" "$2" "$3"
}
compare_instances() { run --json instances && same_as_api "$OUT" "$(api a /api/v1/instances)" instances; }
compare_rs() {
	run --json servers && same_as_api "$OUT" "$(api a "/api/v1/virtual-servers/$VSID/real-servers")" real_servers
}
compare_quiet() { "$@" >/dev/null 2>&1; }

# aligned: in the table of the last run, the cells of every line under the
# header line (up to the first empty line) start where the header's columns
# start; no tabs anywhere
aligned() {
	python3 -c '
import re, sys
lines = sys.argv[1].split("\n")
head = next(i for i, l in enumerate(lines) if l.lstrip().startswith(sys.argv[2]))
starts = [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", lines[head])]
rows = []
for l in lines[head + 1:]:
    if not l.strip():
        break
    rows.append(l)
bad = "\t" in sys.argv[1] or not rows
for l in rows:
    for s in starts[1:]:
        if l[s - 2:s] != "  " or l[s] == " ":
            print("# column at %d not aligned: %r" % (s, l))
            bad = True
            break
sys.exit(1 if bad else 0)' "$OUT" "$1"
}

tap_plan 44

vigild_start a "$CONF_A" || bail_out "vigild a did not start"
vigild_start b "$LAB_TMP/b.conf" || bail_out "vigild b did not start"
wait_ctl 10 '[i["state"] for i in j["instances"]]' '["MASTER"]' instances || logs

VI=$(store_sql "$DB" "SELECT id FROM vrrp_instance WHERE name = 'VI_1'")
VSID=$(store_sql "$DB" "SELECT id FROM virtual_server")
R31=$(store_sql "$DB" "SELECT id FROM real_server WHERE key = '192.0.2.31:80'")
diag "store ids: VI_1 $VI, virtual server $VSID, real server .31 $R31"
wait_ctl 10 '[r["health"]["state"] for v in j["virtual_servers"] for r in v["real_servers"]]' "['up', 'up']" servers

# ---- status -------------------------------------------------------------------------------
run status
check "status: exit 0, 'vigild is running', the vigild, vrrp, check and mgmt processes" \
	eval '((RC == 0)) && has "^vigild is running: pid [0-9]+" && has "^vigild +[0-9]+ +root +running$" &&
		has "^vrrp " && has "^check " && has "^mgmt "' || said
check "status: VI_1 is MASTER with priority 150 and its VIP" \
	eval 'has "^VI_1 +MASTER +150 .*192\.0\.2\.100/24"' || said
check "status: the virtual server's line, 2/2 real servers up, quorum met" \
	eval 'has "^TCP 192\.0\.2\.100:80 +2/2 +2 met"' || said
check "status --json: running, vigild's pid, 4 processes, counts as GET /api/v1/status (1 master, 2 real servers)" \
	ctl_is '(j["running"], j["pid"], sorted(p["role"] for p in j["processes"]), j["counts"]["master"], j["counts"]["real_servers"], j["counts"]["real_servers_in_service"])' \
	"(True, $(vigild_pid a vigild), ['check', 'mgmt', 'vigild', 'vrrp'], 1, 2, 2)" status || said

# ---- instances --------------------------------------------------------------------------------
run instances
check "instances: a header and VI_1's row: id, name, VRID 51, eth0, MASTER, 150/150, VIP" \
	eval '((RC == 0)) && has "^ID +NAME +VRID +INTERFACE +STATE +BASE PRIO +EFF PRIO +MASTER +VIPS +SINCE +OVERRIDE$" &&
		has "^$VI +VI_1 +51 +eth0 +MASTER +150 +150 +.*192\.0\.2\.100/24 +[0-9-]+ [0-9:]+ +-$"' || said
check "instances: the columns are aligned (computed widths, no tabs)" aligned ID || said
check "instances --json: the ids, names, states and effective priorities of GET /api/v1/instances" \
	eval 'run --json instances && api_is a /api/v1/instances "[(i[\"id\"], i[\"name\"], i[\"state\"], i[\"effective_priority\"]) for i in j[\"instances\"]]" \
		"$(python3 -c "import json,sys; print([(i[\"id\"], i[\"name\"], i[\"state\"], i[\"effective_priority\"]) for i in json.loads(sys.argv[1])[\"instances\"]])" "$OUT")" &&
		jq_is "$OUT" "[(i[\"id\"], i[\"state\"]) for i in j[\"instances\"]]" "[($VI, \"MASTER\")]"' || said
check "instances --json: every field the API also has is equal (vips, priorities, last transition, override...)" \
	eval 'wait_for 5 compare_quiet compare_instances || compare_instances'

# ---- servers ------------------------------------------------------------------------------------
run servers
check "servers: the virtual server's line, then both real servers: up, weights 5 and 3, effective 5 and 3, ready" \
	eval '((RC == 0)) && has "^TCP 192\.0\.2\.100:80 \(id $VSID\): 2/2 real servers up, wrr DR, quorum 2 met$" &&
		has "^  $R31 +192\.0\.2\.31:80 +up +5 +- +5 +ready +[0-9-]+ [0-9:]+ +first check passed$" &&
		has "^  [0-9]+ +192\.0\.2\.32:80 +up +3 +- +3 +ready "' || said
check "servers: the real servers' columns are aligned" aligned ID || said
check "servers --json: the virtual server (as GET /api/v1/virtual-servers) with its real servers" \
	eval 'run --json servers && jq_is "$OUT" "[(v[\"id\"], v[\"key\"], v[\"real_servers_up\"], [r[\"key\"] for r in v[\"real_servers\"]]) for v in j[\"virtual_servers\"]]" \
		"[($VSID, \"TCP 192.0.2.100:80\", 2, [\"192.0.2.31:80\", \"192.0.2.32:80\"])]" &&
		same_as_api "$OUT" "$(api a /api/v1/virtual-servers)" virtual_servers' || said
check "servers --json: every real-server field the API also has is equal" \
	eval 'wait_for 5 compare_quiet compare_rs || compare_rs'
check "servers VS: by '192.0.2.100:80', 'tcp 192.0.2.100:80' and by id, that virtual server" \
	eval 'ctl_is "[v[\"id\"] for v in j[\"virtual_servers\"]]" "[$VSID]" servers 192.0.2.100:80 &&
		ctl_is "[v[\"id\"] for v in j[\"virtual_servers\"]]" "[$VSID]" servers "tcp 192.0.2.100:80" &&
		ctl_is "[v[\"id\"] for v in j[\"virtual_servers\"]]" "[$VSID]" servers "$VSID"' || said
run servers 192.0.2.200:80
check "servers of an unknown virtual server: exit 1, naming the ones there are" \
	eval '((RC == 1)) && err_has "no virtual server .192\.0\.2\.200:80.* .TCP 192\.0\.2\.100:80. \(id $VSID\)"' || said

# servers_show ERE: `vigilctl servers`, right after the edit returned, prints
# a line matching ERE (the engine answers once its writes are committed)
servers_show() { run servers && has "$1"; }

# ---- drain, maint, weight, undrain ------------------------------------------------------------
RSP=/api/v1/virtual-servers/$VSID/real-servers/$R31
run -r "kernel upgrade" drain 192.0.2.100:80 192.0.2.31
check "drain: exit 0, the answer names the real server and the virtual server" \
	eval '((RC == 0)) && has "drain 192\.0\.2\.31:80 of VS TCP 192\.0\.2\.100:80"' || said
check "... servers shows it at once: admin drain, effective weight 0" \
	servers_show "^  $R31 +192\.0\.2\.31:80 +up +5 +- +0 +drain " || said
check "... and the API: admin_state drain, the reason, effective 0" \
	wait_api a "$RSP" '(j["admin_state"], j["override"]["reason"], j["weight"]["effective"])' "('drain', 'kernel upgrade', 0)" 5
check "maint --json: the result and the real server as it is now (maint, not in IPVS)" \
	ctl_is '("result" in j, j["real_server"]["id"], j["real_server"]["admin_state"], j["real_server"]["weight"]["effective"])' \
	"(True, $R31, 'maint', None)" -r "disk swap" maint "TCP 192.0.2.100:80" 192.0.2.31:80 || said
check "... servers: maint, effective 'out'; the API: maint" \
	eval 'servers_show "^  $R31 +192\.0\.2\.31:80 +up +5 +- +out +maint " &&
		wait_api a "$RSP" "j[\"admin_state\"]" "\"maint\"" 5' || said
run -e 1h weight 192.0.2.100:80 192.0.2.31 9
check "weight 9 for an hour: servers shows override 9, effective 9; the API the same" \
	eval '((RC == 0)) && servers_show "^  $R31 +192\.0\.2\.31:80 +up +5 +9 +9 +ready " &&
		wait_api a "$RSP" "(j[\"admin_state\"], j[\"weight\"][\"override\"], j[\"weight\"][\"effective\"])" "(\"ready\", 9, 9)" 5' || said
run overrides
check "overrides: the weight, with who and until when, in an aligned table" \
	eval '((RC == 0)) && has "^TCP 192\.0\.2\.100:80 +192\.0\.2\.31:80 +weight 9 +[0-9-]+ [0-9:]+ +[0-9-]+ [0-9:]+ +.*uid 0" &&
		aligned "VIRTUAL SERVER"' || said
check "overrides --json: kind, value, who, expires" \
	ctl_is '[(o["target"], o["name"], o["virtual_server"], o["kind"], o["value"], "uid 0" in o["who"], o["expires"] is not None) for o in j["overrides"]]' \
	"[('real_server', '192.0.2.31:80', 'TCP 192.0.2.100:80', 'weight', 9, True, True)]" overrides || said
run undrain 192.0.2.100:80 192.0.2.31
check "undrain: back to ready and weight 5, in servers and in the API" \
	eval '((RC == 0)) && servers_show "^  $R31 +192\.0\.2\.31:80 +up +5 +- +5 +ready " &&
		wait_api a "$RSP" "(j[\"admin_state\"], j[\"override\"], j[\"weight\"][\"effective\"])" "(\"ready\", None, 5)" 5' || said

# ---- health -----------------------------------------------------------------------------------
echo 1 >"$HEALTH_DIR/32"
rs32_down() { run servers && has "^  [0-9]+ +192\.0\.2\.32:80 +down +3 +- +out +ready .*MISC_CHECK"; }
check "a failing check: servers shows .32 down with MISC_CHECK's reason, not in IPVS; status 1/2 up" \
	eval '{ wait_for 10 rs32_down || rs32_down; } && run status && has "^TCP 192\.0\.2\.100:80 +1/2 +2 met"' || said
echo 0 >"$HEALTH_DIR/32"

# ---- refused edits and usage errors --------------------------------------------------------------
run drain "TCP 192.0.2.100:80" 192.0.2.99
check "drain of an unknown real server: exit 3, vigild's reason on stderr" \
	eval '((RC == 3)) && err_has "TCP 192\.0\.2\.100:80 has no real server .192\.0\.2\.99."' || said
run --json demote VI_9 30
check "demote of an unknown instance --json: exit 3, {\"error\": ...} with status 404 naming VI_1" \
	eval '((RC == 3)) && jq_is "$OUT" "(j[\"error\"][\"exit_status\"], j[\"error\"][\"status\"], \"there are: VI_1\" in j[\"error\"][\"message\"])" "(3, 404, True)"' || said
run weight 192.0.2.100:80 192.0.2.31 heavy
check "weight with a word for N: exit 2, nothing sent" \
	eval '((RC == 2)) && err_has "not a number" && ! grep -q "192.0.2.31:80 .*weight" <<<"$(ctl history 192.0.2.31 | tail -1)"' || said
run frobnicate
check "an unknown command: exit 2, pointing to --help" eval '((RC == 2)) && err_has "unknown command.*--help"' || said
run drain 192.0.2.100:80
check "drain with one argument: exit 2, saying what it needs" eval '((RC == 2)) && err_has "drain needs VS RS"' || said
run --bogus status
check "an unknown option: exit 2" eval '((RC == 2))' || said
run --help
help_tells() {
	local w
	((RC == 0)) || return 1
	for w in status instances servers overrides history drain maint weight undrain demote restore reload \
		--json "2 usage error" "3 vigild refused"; do
		grep -Fq -- "$w" <<<"$OUT" || { diag "--help does not say '$w'"; return 1; }
	done
}
check "--help: exit 0, every command, --json and the exit codes" help_tells || said

# ---- demote / restore: the master moves a -> b -> a ------------------------------------------------
check "demote VI_1 --json (no N): effective priority 1, the override in the answer" \
	ctl_is '(j["instance"]["name"], j["instance"]["effective_priority"], j["instance"]["override"]["kind"], j["instance"]["override"]["reason"])' \
	"('VI_1', 1, 'demote', 'patching')" -r patching demote VI_1 || said
check "... b takes over: a's vigilctl says BACKUP, b's API MASTER, the VIP on b only" \
	eval 'wait_ctl 10 "[(i[\"state\"], i[\"effective_priority\"]) for i in j[\"instances\"]]" "[(\"BACKUP\", 1)]" instances &&
		wait_api b /api/v1/instances "[i[\"state\"] for i in j[\"instances\"]]" "[\"MASTER\"]" 5 &&
		wait_vip_only_on b 192.0.2.100' || logs
run instances
check "instances: BACKUP, base 150, effective 1, the override shown" \
	eval 'has "^$VI +VI_1 +51 +eth0 +BACKUP +150 +1 .* demote 149$"' || said
run restore VI_1
check "restore: exit 0; a is MASTER again with 150, b BACKUP" \
	eval '((RC == 0)) && wait_ctl 10 "[(i[\"state\"], i[\"effective_priority\"], i[\"override\"]) for i in j[\"instances\"]]" "[(\"MASTER\", 150, None)]" instances &&
		wait_api b /api/v1/instances "[i[\"state\"] for i in j[\"instances\"]]" "[\"BACKUP\"]" 5' || { said; logs; }
run demote VI_1 60
check "demote VI_1 60, then undemote (restore's old name): BACKUP at 90, then MASTER at 150" \
	eval '((RC == 0)) && has "effective priority now 90" &&
		wait_ctl 10 "[(i[\"state\"], i[\"effective_priority\"]) for i in j[\"instances\"]]" "[(\"BACKUP\", 90)]" instances &&
		run undemote VI_1 && ((RC == 0)) &&
		wait_ctl 10 "[(i[\"state\"], i[\"effective_priority\"]) for i in j[\"instances\"]]" "[(\"MASTER\", 150)]" instances' || { said; logs; }

# ---- history -----------------------------------------------------------------------------------------
run history VI_1
check "history VI_1: the transitions in order, MASTER -> BACKUP then BACKUP -> MASTER, and the operator's demote" \
	eval '((RC == 0)) && grep -A100 "instance  VI_1: MASTER -> BACKUP" <<<"$OUT" | grep -q "instance  VI_1: BACKUP -> MASTER" &&
		has "operator  demote VI_1 by .*uid 0.*patching"' || said
check "history --json: newest first as GET /api/v1/history, vrrp items with instance_id, health items with ids" \
	eval 'run --json history && jq_is "$OUT" "(all(x[\"at\"] >= y[\"at\"] for x, y in zip(j[\"items\"], j[\"items\"][1:])),
		any(i[\"kind\"] == \"vrrp\" and i[\"instance_id\"] == $VI and i[\"to\"] == \"BACKUP\" for i in j[\"items\"]),
		any(i[\"kind\"] == \"health\" and i[\"real_server_id\"] and i[\"virtual_server_id\"] == $VSID and i[\"to\"] == \"down\" for i in j[\"items\"]),
		any(i[\"kind\"] == \"operator\" and i[\"action\"] == \"drain\" for i in j[\"items\"]))" "(True, True, True, True)"' || said
check "history -n 2 --json: two items" ctl_is 'len(j["items"])' 2 -n 2 history || said

# ---- vigild stopped ------------------------------------------------------------------------------------
vigild_stop a || bail_out "vigild a did not stop"
run status
check "status with vigild stopped: exit 1, 'not running'" eval '((RC == 1)) && has "vigild is not running"' || said
check "status --json with vigild stopped: exit 1, running false" \
	eval 'run --json status; ((RC == 1)) && jq_is "$OUT" "j[\"running\"]" False' || said
run drain 192.0.2.100:80 192.0.2.31
check "an edit with vigild stopped: exit 1, naming the socket and what to do" \
	eval '((RC == 1)) && err_has "cannot reach vigild at .*vigil\.sock.*(vigilctl status|not running)"' || said
check "instances with vigild stopped: the last state it stored, exit 0" \
	ctl_is '[i["name"] for i in j["instances"]]' "['VI_1']" instances || said
OUT=$("$VIGILCTL" -d "$LAB_TMP/nothere.db" instances 2>"$LAB_TMP/stderr"); RC=$?; ERR=$(cat "$LAB_TMP/stderr")
check "a database that is not there: exit 1, naming the file and -d" \
	eval '((RC == 1)) && err_has "nothere\.db: no such file - .*pass -d FILE"' || said

tap_done
