#!/bin/bash
#
# t_http.sh - the read-only REST API (issue #7, first part) as curl sees it:
# GET /api/v1/status, /instances[/{id}], /virtual-servers[/{id}
# [/real-servers[/{id}]]], ids equal to the state store's (and the SNMP
# indexes), JSON errors with the field and the fix, 405 for edits, 413 for
# a body over the limit, the state following a failover, a drain showing
# with who and why, and an IPv6 listen address.
#
# Lab: nodes a (priority 150) and b (priority 100) share VI_1 (VRID 51,
# VIP 192.0.2.100); a has a virtual server with two real servers checked by
# a script the test steers (MISC_CHECK).  a listens on the default
# 127.0.0.1:8080, b on [::1]:8081.

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

DB=$(vigild_dir a)/vigil.db
sql() { store_sql "$DB" "$1"; }
ctl() { "$VIGILCTL" -s "$(vigild_dir a)/vigil.sock" -d "$DB" "$@"; }
logs() { diag_file "$(vigild_log "${1:-a}")" "${2:-12}"; }

# get NODE PATH [CURL ARGS]: the body; HTTP status in $LAB_TMP/status, headers in $LAB_TMP/headers
get() {
	local node=$1 path=$2 base
	shift 2
	base=http://127.0.0.1:8080
	[[ $node == b ]] && base='http://[::1]:8081'
	lab_exec "$node" curl -sS -g -o "$LAB_TMP/body" -D "$LAB_TMP/headers" -w '%{http_code}' \
		--max-time 5 "$@" "$base$path" >"$LAB_TMP/status" 2>"$LAB_TMP/curl.err"
	cat "$LAB_TMP/body"
}
status_is() { [[ $(cat "$LAB_TMP/status") == "$1" ]] || { diag "HTTP status $(cat "$LAB_TMP/status"), wanted $1: $(head -c 300 "$LAB_TMP/body")"; return 1; }; }
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
# api_is NODE PATH EXPR VALUE: a fresh GET, 200, and EXPR gives VALUE
api_is() { local j; j=$(get "$1" "$2") && status_is 200 && jq_is "$j" "$3" "$4"; }
api_quiet() { api_is "$@" >/dev/null 2>&1; }
wait_api() { wait_for "${5:-10}" api_quiet "$1" "$2" "$3" "$4" || api_is "$1" "$2" "$3" "$4"; }

tap_plan 45

vigild_start a "$CONF_A" || bail_out "vigild a did not start"
VIGILD_ARGS=(--http='[::1]:8081')
vigild_start b "$LAB_TMP/b.conf" || bail_out "vigild b did not start"
VIGILD_ARGS=()

check "a logs where the page and API listen (default 127.0.0.1:8080)" \
	log_wait a "http: status page on http://127\.0\.0\.1:8080/, REST API under /api/v1/" || logs
check "GET /api/v1/status: 200 JSON, node and router_id a, vigil's version, one instance master, 2 real servers" \
	eval 'wait_api a /api/v1/status "j[\"counts\"][\"master\"]" 1 10 &&
		api_is a /api/v1/status "(j[\"node\"], j[\"router_id\"], j[\"version\"].startswith(\"vigil \"), j[\"counts\"][\"instances\"], j[\"counts\"][\"real_servers\"])" "(\"a\", \"a\", True, 1, 2)" &&
		grep -qi "^content-type: application/json" "$LAB_TMP/headers"' || logs

VI=$(sql "SELECT id FROM vrrp_instance WHERE name = 'VI_1'")
VSID=$(sql "SELECT id FROM virtual_server")
R31=$(sql "SELECT id FROM real_server WHERE key = '192.0.2.31:80'")
diag "store ids: VI_1 $VI, virtual server $VSID, real server .31 $R31"

check "GET /api/v1/instances: VI_1 with its store id, MASTER, priority 150, master 192.0.2.1, VIP 192.0.2.100/24" \
	api_is a /api/v1/instances '[(i["id"], i["name"], i["state"], i["base_priority"], i["master"], i["vips"][0]["address"]) for i in j["instances"]]' \
	"[($VI, 'VI_1', 'MASTER', 150, '192.0.2.1', '192.0.2.100/24')]"
check "GET /api/v1/instances/$VI: the same object, with its last transition's time and reason" \
	api_is a "/api/v1/instances/$VI" '(j["name"], j["last_transition"]["at"].endswith("Z"), bool(j["last_transition"]["reason"]))' \
	"('VI_1', True, True)"
get a /api/v1/instances/999 >/dev/null
check "GET /api/v1/instances/999: 404 with a JSON error naming the field and the fix" \
	eval 'status_is 404 && jq_is "$(cat $LAB_TMP/body)" "(j[\"error\"][\"status\"], j[\"error\"][\"field\"], \"instances\" in j[\"error\"][\"fix\"])" "(404, \"id\", True)"'
get a /api/v1/instances/abc >/dev/null
check "GET /api/v1/instances/abc: 404 too (not an id)" status_is 404
get a /api/v2/status >/dev/null
check "GET /api/v2/status: 404 that points to /api/v1" eval 'status_is 404 && grep -q "/api/v1" "$LAB_TMP/body"'

check "GET /api/v1/virtual-servers: TCP 192.0.2.100:80 with its id, wrr, DR, 2 real servers, quorum met" \
	api_is a /api/v1/virtual-servers '[(v["id"], v["key"], v["scheduler"], v["forwarding"], v["real_servers_total"], v["quorum_met"]) for v in j["virtual_servers"]]' \
	"[($VSID, 'TCP 192.0.2.100:80', 'wrr', 'DR', 2, True)]"
check "GET .../real-servers: both, health up after their first check, weights 5 and 3, ready" \
	wait_api a "/api/v1/virtual-servers/$VSID/real-servers" \
	'[(r["key"], r["health"]["state"], r["weight"]["configured"], r["admin_state"]) for r in j["real_servers"]]' \
	"[('192.0.2.31:80', 'up', 5, 'ready'), ('192.0.2.32:80', 'up', 3, 'ready')]" 10
check "GET .../real-servers/$R31: 192.0.2.31 port 80, in service, reason 'first check passed'" \
	api_is a "/api/v1/virtual-servers/$VSID/real-servers/$R31" '(j["address"], j["port"], j["in_service"], j["health"]["reason"])' \
	"('192.0.2.31', 80, True, 'first check passed')"
get a "/api/v1/virtual-servers/$VSID/real-servers/999" >/dev/null
check "an unknown real server id: 404 naming the virtual server" eval 'status_is 404 && grep -q "virtual server $VSID has no real server" "$LAB_TMP/body"'

# ---- /metrics ----------------------------------------------------------------------------
metrics=$(get a /metrics)
check "GET /metrics: 200, Prometheus text (text/plain; version=0.0.4), VI_1 master(2) with its id and VRID" \
	eval 'status_is 200 && grep -qi "^content-type: text/plain; version=0.0.4" "$LAB_TMP/headers" &&
		grep -qx "vigil_vrrp_state{instance=\"VI_1\",id=\"$VI\",vrid=\"51\",interface=\"eth0\"} 2" <<<"$metrics"' ||
	diag "$(head -12 <<<"$metrics")"
check "... both real servers up with their weights; every line is a HELP, a TYPE or NAME{LABELS} NUMBER" \
	eval 'grep -qx "vigil_real_server_up{virtual_server=\"TCP 192.0.2.100:80\",real_server=\"192.0.2.31:80\"} 1" <<<"$metrics" &&
		grep -q "^vigil_real_server_weight{virtual_server=\"TCP 192.0.2.100:80\",real_server=\"192.0.2.32:80\",kind=\"configured\"} 3$" <<<"$metrics" &&
		! grep -vE "^# (HELP|TYPE) vigil_[a-z_]+ |^vigil_[a-z_]+(\{([a-z_]+=\"[^\"]*\",?)+\})? [0-9.]+$" <<<"$metrics"' ||
	diag "$(grep -vE "^# (HELP|TYPE) vigil_[a-z_]+ |^vigil_[a-z_]+(\{([a-z_]+=\"[^\"]*\",?)+\})? [0-9.]+$" <<<"$metrics" | head -3)"

# ---- health and a drain show ----------------------------------------------------------
echo 1 >"$HEALTH_DIR/32"
check "192.0.2.32's check fails: health down with the reason, not in service, quorum still met (5 >= 2)" \
	wait_api a "/api/v1/virtual-servers/$VSID/real-servers" \
	'[(r["health"]["state"], r["in_service"], "MISC_CHECK" in (r["health"]["reason"] or "")) for r in j["real_servers"] if r["key"] == "192.0.2.32:80"][0]' \
	"('down', False, True)" 10
out=$(ctl -r "kernel upgrade" drain 192.0.2.100:80 192.0.2.31 2>&1) || diag "vigilctl drain: $out"
check "vigilctl drain: admin_state drain, override by root with the reason, effective weight 0" \
	wait_api a "/api/v1/virtual-servers/$VSID/real-servers/$R31" '(j["admin_state"], j["override"]["reason"], "uid 0" in j["override"]["who"], j["weight"]["effective"])' \
	"('drain', 'kernel upgrade', True, 0)" 5

# ---- edits: the token, the checks, then drain / maint / weight / demote ------------------
TOKENF=$(vigild_dir a)/http.token
TOKEN=$(cat "$TOKENF" 2>/dev/null)
check "the first start made the token file next to the database, mode 0600, 64 hex digits" \
	eval '[[ $(stat -c %a "$TOKENF") == 600 && $TOKEN =~ ^[0-9a-f]{64}$ ]] && log_has a "a new token for REST edits is in"'
RSP=/api/v1/virtual-servers/$VSID/real-servers/$R31
J=(-H 'Content-Type: application/json')
get a "$RSP" -X PATCH "${J[@]}" -d '{"admin_state":"ready"}' >/dev/null
check "PATCH without the token: 401 with WWW-Authenticate: Bearer, nothing changed" \
	eval 'status_is 401 && grep -qi "^www-authenticate: bearer" "$LAB_TMP/headers" &&
		api_is a "$RSP" "j[\"admin_state\"]" "\"drain\""'
get a "$RSP" -X PATCH "${J[@]}" -H "Authorization: Bearer ${TOKEN%?}0" -d '{"admin_state":"ready"}' >/dev/null
check "a wrong token: 403" status_is 403
AUTH=(-H "Authorization: Bearer $TOKEN")
get a "$RSP" -X PATCH "${AUTH[@]}" -H 'Content-Type: text/plain' -d '{"admin_state":"ready"}' >/dev/null
check "text/plain: 415 naming Content-Type" eval 'status_is 415 && grep -q "Content-Type" "$LAB_TMP/body"'
get a "$RSP" -X PATCH "${AUTH[@]}" "${J[@]}" -d '{"admin_state":' >/dev/null
check "malformed JSON: 400" status_is 400
get a "$RSP" -X PATCH "${AUTH[@]}" "${J[@]}" -d '{"admin_state":"sleep"}' >/dev/null
check "admin_state sleep: 422 naming the field and the values" \
	eval 'status_is 422 && jq_is "$(cat $LAB_TMP/body)" "(j[\"error\"][\"field\"], \"drain\" in j[\"error\"][\"fix\"])" "(\"admin_state\", True)"'
get a "$RSP" -X PATCH "${AUTH[@]}" "${J[@]}" -d '{"admin_state":"ready"}' >/dev/null
check "PATCH admin_state ready: 200 with the real server as it is now: ready, no override" \
	eval 'status_is 200 && jq_is "$(cat $LAB_TMP/body)" "(j[\"admin_state\"], j[\"override\"])" "(\"ready\", None)"'
get a "$RSP" -X PATCH "${AUTH[@]}" "${J[@]}" -d '{"admin_state":"maint","reason":"disk swap","expires":"1h"}' >/dev/null
check "PATCH maint for 1h: 200, maint by 'http 127.0.0.1' with the reason and an expiry; audited" \
	eval 'status_is 200 && jq_is "$(cat $LAB_TMP/body)" "(j[\"admin_state\"], j[\"override\"][\"who\"], j[\"override\"][\"reason\"], j[\"override\"][\"expires\"] is not None)" "(\"maint\", \"http 127.0.0.1\", \"disk swap\", True)" &&
		[[ $(sql "SELECT who FROM audit WHERE action = '\''maint'\'' ORDER BY id DESC LIMIT 1") == "http 127.0.0.1" ]]'
get a "$RSP" -X PATCH "${AUTH[@]}" "${J[@]}" -d '{"weight":7}' >/dev/null
check "PATCH weight 7: the answer already says override weight 7, effective 7 (as stored)" \
	eval 'status_is 200 && jq_is "$(cat $LAB_TMP/body)" "(j[\"override\"][\"kind\"], j[\"weight\"][\"override\"], j[\"weight\"][\"effective\"])" "(\"weight\", 7, 7)" &&
		[[ $(sql "SELECT effective_weight FROM real_server WHERE id = $R31") == 7 ]]'
get a "/api/v1/instances/$VI/actions" -X POST "${AUTH[@]}" "${J[@]}" -d '{"action":"demote","reason":"patching"}' >/dev/null
check "POST actions demote: 200, effective priority 1; b takes over (b's API says MASTER)" \
	eval 'status_is 200 && jq_is "$(cat $LAB_TMP/body)" "j[\"effective_priority\"]" 1 &&
		wait_api b /api/v1/instances "[i[\"state\"] for i in j[\"instances\"]]" "[\"MASTER\"]" 5' || logs
get a "/api/v1/instances/$VI/actions" -X POST "${AUTH[@]}" "${J[@]}" -d '{"action":"restore"}' >/dev/null
check "POST actions restore: priority 150 again, a preempts and is MASTER" \
	eval 'status_is 200 && wait_api a "/api/v1/instances/$VI" "(j[\"state\"], j[\"effective_priority\"])" "(\"MASTER\", 150)" 8' || logs
get a "/api/v1/instances/$VI" -X POST "${AUTH[@]}" "${J[@]}" -d '{"action":"demote"}' >/dev/null
check "POST on the instance itself (not /actions): 405, Allow: GET, HEAD" \
	eval 'status_is 405 && grep -qi "^allow: GET, HEAD" "$LAB_TMP/headers"'
head -c 100000 /dev/zero | tr '\0' 'x' >"$LAB_TMP/big"
get a /api/v1/status -X POST --data-binary @"$LAB_TMP/big" >/dev/null
check "a 100 kB body: 413 (the limit is 64 KiB), and mgmt still answers" \
	eval 'status_is 413 && api_is a /api/v1/status "j[\"node\"]" "\"a\""'
check "no cookies, no CORS header, Cache-Control: no-store" \
	eval '! grep -qi "^set-cookie\|^access-control" "$LAB_TMP/headers" && grep -qi "^cache-control: no-store" "$LAB_TMP/headers"'

# ---- /history and /events: the store's transitions and audit log, a page at a time -------------
R32=$(sql "SELECT id FROM real_server WHERE key = '192.0.2.32:80'")
check "GET /api/v1/history: newest first; VI_1's transitions (the demote's BACKUP among them) and .32 going down" \
	api_is a /api/v1/history '(all(x["at"] >= y["at"] for x, y in zip(j["items"], j["items"][1:])),
		any(i["kind"] == "vrrp" and i["instance_id"] == '"$VI"' and i["name"] == "VI_1" and i["to"] == "BACKUP" for i in j["items"]),
		any(i["kind"] == "health" and i["real_server_id"] == '"$R32"' and i["virtual_server_id"] == '"$VSID"' and i["to"] == "down" for i in j["items"]))' \
	'(True, True, True)'
check "?kind=health&real_server=$R32: only .32's health transitions" \
	api_is a "/api/v1/history?kind=health&real_server=$R32" '(len(j["items"]) > 0, {(i["kind"], i["real_server_id"], i["instance_id"]) for i in j["items"]})' \
	"(True, {('health', $R32, None)})"
p1=$(get a "/api/v1/history?instance=$VI&limit=1")
cur=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["next"] or "")' "$p1" 2>/dev/null)
p2=$(get a "/api/v1/history?instance=$VI&limit=1&cursor=$cur")
p12=$(get a "/api/v1/history?instance=$VI&limit=2")
check "paging: limit=1 gives one item and a cursor; the cursor gives the next one, as limit=2 does" \
	eval '[[ -n $cur ]] && python3 -c "
import json, sys
a, b, ab = (json.loads(x) for x in sys.argv[1:4])
assert len(a[\"items\"]) == 1 and len(b[\"items\"]) == 1, (a, b)
assert a[\"items\"] + b[\"items\"] == ab[\"items\"], (a, b, ab)
" "$p1" "$p2" "$p12"'
check "?since=2100-01-01T00:00:00Z: nothing yet, no next page" \
	api_is a "/api/v1/history?since=2100-01-01T00:00:00Z" '(j["items"], j["next"])' '([], None)'
get a "/api/v1/history?kind=bogus" >/dev/null
e1=$(cat "$LAB_TMP/status"):$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["field"])' "$LAB_TMP/body" 2>&1)
get a "/api/v1/history?limit=0" >/dev/null
e2=$(cat "$LAB_TMP/status"):$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["field"])' "$LAB_TMP/body" 2>&1)
get a "/api/v1/events?colour=red" >/dev/null
e3=$(cat "$LAB_TMP/status"):$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["field"])' "$LAB_TMP/body" 2>&1)
get a "/api/v1/history?since=yesterday" >/dev/null
e4=$(cat "$LAB_TMP/status"):$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["field"])' "$LAB_TMP/body" 2>&1)
check "bad parameters are 400 naming the parameter: kind=bogus, limit=0, an unknown one, since=yesterday" \
	eval '[[ "$e1 $e2 $e3 $e4" == "400:kind 400:limit 400:colour 400:since" ]]' || diag "got: $e1 $e2 $e3 $e4"
check "GET /api/v1/events: the maint over HTTP, by 'http 127.0.0.1', from ready to maint, with the reason" \
	api_is a "/api/v1/events?action=maint&who=http%20127.0.0.1" '[(i["who"], i["before"], i["after"], "disk swap" in i["detail"]) for i in j["items"]]' \
	"[('http 127.0.0.1', 'ready', 'maint', True)]"
check "... and the weight edit after it: from maint to weight 7; events are newest first" \
	api_is a "/api/v1/events" '([i["after"] for i in j["items"]].index("weight 7") < [i["after"] for i in j["items"]].index("maint"),
		[i["before"] for i in j["items"] if i["after"] == "weight 7"])' "(True, ['maint'])"
check "instances say split_brain ok (no peers, no local evidence); real servers' connections are null without IPVS" \
	eval 'api_is a "/api/v1/instances/$VI" "(j[\"split_brain\"][\"status\"], j[\"split_brain\"][\"evidence\"])" "(\"ok\", [])" &&
		api_is a "$RSP" "(j[\"connections\"], j[\"rates\"])" "(None, None)"'

# ---- the status page ----------------------------------------------------------------------
page=$(get a /)
check "GET /: the status page (HTML, with its script), under a Content-Security-Policy of 'self'" \
	eval 'status_is 200 && grep -qi "^content-type: text/html" "$LAB_TMP/headers" &&
		grep -qi "^content-security-policy: default-src '"'"'self'"'"'" "$LAB_TMP/headers" && grep -qi "<html" <<<"$page"'
get a /nothing-here >/dev/null
check "GET /nothing-here: 404 JSON; POST /: 405" \
	eval 'status_is 404 && get a / -X POST >/dev/null && status_is 405'

# ---- 64 clients at once (the connection limit), then a request ------------------------------
# MHD takes its listening socket out of its epoll set while it holds the
# limit; vigil must run it again once connections close, or it never
# accepts another (it did not, before 2026-12-04)
if command -v wrk >/dev/null 2>&1; then
	lab_exec a wrk -t 2 -c 64 -d 2s --timeout 5s http://127.0.0.1:8080/metrics >"$LAB_TMP/wrk.out" 2>&1
	check "after wrk's 64 connections at once ($(grep -o '[0-9.]*$' <<<"$(grep Requests/sec "$LAB_TMP/wrk.out")") req/s): the API still answers" \
		eval 'wait_for 5 api_quiet a /api/v1/status "j[\"node\"]" "\"a\"" || api_is a /api/v1/status "j[\"node\"]" "\"a\""' ||
		diag_file "$LAB_TMP/wrk.out"
else
	skip "wrk is not installed (scripts/install-deps.sh)"
fi

# ---- mgmt killed: VRRP does not notice, mgmt comes back ------------------------------------
old_mgmt=$(vigild_pid a mgmt)
b_before=$(log_count_or0 b "Entering [A-Z]+ STATE")
kill -KILL "$old_mgmt"
check "SIGKILL to mgmt: it is restarted (new pid) and the API answers again" \
	eval 'wait_for 10 eval "[[ \$(vigild_pid a mgmt) != $old_mgmt && -n \$(vigild_pid a mgmt) ]]" &&
		wait_api a /api/v1/status "j[\"counts\"][\"master\"]" 1 10' || logs
check "... and the VIP did not move: a still MASTER, b logged no transition" \
	eval 'api_is a "/api/v1/instances/$VI" "j[\"state\"]" "\"MASTER\"" &&
		(( $(log_count_or0 b "Entering [A-Z]+ STATE") == b_before )) && vip_on a 192.0.2.100'

# ---- b, on IPv6; a failover ---------------------------------------------------------------
check "b answers on [::1]:8081: VI_1 BACKUP, master 192.0.2.1" \
	wait_api b /api/v1/instances '[(i["state"], i["master"]) for i in j["instances"]]' "[('BACKUP', '192.0.2.1')]" 10 || logs b
vigild_stop a || diag "vigild a did not stop"
check "a stops: within 5 s b's API says MASTER, master 192.0.2.2, status counts master 1" \
	eval 'wait_api b /api/v1/instances "[(i[\"state\"], i[\"master\"]) for i in j[\"instances\"]]" "[(\"MASTER\", \"192.0.2.2\")]" 5 &&
		api_is b /api/v1/status "j[\"counts\"][\"master\"]" 1' || logs b
get a /api/v1/status >/dev/null
check "a's API is gone with a (connection refused)" eval '[[ $(cat $LAB_TMP/status) == 000 ]]'

tap_done
