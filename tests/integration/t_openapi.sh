#!/bin/bash
#
# t_openapi.sh - doc/openapi.yaml against what vigild answers (issue #7,
# item 6).  openapi_check.py loads the document and, against a running lab,
# requests every documented operation and checks each answer's status,
# media type, headers and body against the document: the reads (ids taken
# from the lists) with each documented query parameter, HEAD, the methods a
# path does not take (405 and Allow), the errors (404, 401, 403, 415, 422,
# 400, 413, 409) against the shared Error schema, edits that succeed,
# paging of /history and /events; then, on a second node started with
# --http-auth=all and --http-cors-origin, reads without and with the token
# and the CORS preflight.  One TAP line per check; the plan comes last (the
# number of checks follows the document).
#
# Lab: nodes a (priority 150, and an address owner VI_OWN at 255) and b
# (priority 100) share VI_1 (VRID 51, VIP 192.0.2.100); both have a virtual
# server with two real servers checked by a script the test steers.  Each
# listens on 127.0.0.1:8080 in its own namespace.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns
command -v curl >/dev/null 2>&1 || skip_all "curl is not installed (scripts/install-deps.sh)"

DOC=$VIGIL_SRCDIR/doc/openapi.yaml
CHECK=$VIGIL_SRCDIR/tests/integration/openapi_check.py
[[ -r $DOC ]] || bail_out "no $DOC"
# A python3 with PyYAML and jsonschema (Draft 2020-12): the first on PATH,
# else Debian's own (python3-yaml, python3-jsonschema).
PY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import yaml; from jsonschema import Draft202012Validator' >/dev/null 2>&1; then
		PY=$(command -v "$p")
		break
	fi
done
[[ -n $PY ]] || skip_all "no python3 with yaml and jsonschema >= 4 (python3-yaml python3-jsonschema; scripts/install-deps.sh)"

ORIGIN=https://ops.example

lab_init
lab_node a 192.0.2.1/24
lab_node b 192.0.2.2/24
health_script_init 31 32

# conf FILE ROUTER_ID STATE PRIORITY [OWNER]
conf() {
	write_vrrp_conf "$1" "$2" "$3" "$4"
	if [[ -n ${5:-} ]]; then
		cat >>"$1" <<EOF

vrrp_instance VI_OWN {
    state MASTER
    interface eth0
    virtual_router_id 52
    priority 255
    advert_int 1
    virtual_ipaddress {
        192.0.2.1/24
    }
}
EOF
	fi
	write_vs_conf "$1"
}
conf "$LAB_TMP/a.conf" a BACKUP 150 owner
conf "$LAB_TMP/b.conf" b BACKUP 100

# api NODE PATH [CURL ARGS]: the body of a GET inside NODE
api() {
	local node=$1 path=$2
	shift 2
	lab_exec "$node" curl -sS --max-time 5 "$@" "http://127.0.0.1:8080$path" 2>/dev/null
}
py_is() { "$PY" -c 'import json, sys; j = json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null; }
a_ready() {
	py_is "$(api a /api/v1/status)" 'j["counts"]["master"] == 2' &&
		py_is "$(api a /api/v1/virtual-servers/1/real-servers 2>/dev/null || true)" \
			'all(r["health"]["state"] != "unknown" for r in j["real_servers"])'
}
a_rs_down() {
	py_is "$(api a /api/v1/virtual-servers/1/real-servers)" \
		'[r["health"]["state"] for r in j["real_servers"] if r["key"] == "192.0.2.32:80"] == ["down"]'
}

# run_check NODE ARGS...: openapi_check.py inside NODE; its lines as TAP
run_check() {
	local node=$1 line
	shift
	while IFS= read -r line; do
		case $line in
		"ok "*) ok 0 "${line#ok }" ;;
		"not ok "*) ok 1 "${line#not ok }" ;;
		"#"*) echo "$line" ;;
		*) diag "$line" ;;
		esac
	done < <(lab_exec "$node" "$PY" "$CHECK" --doc "$DOC" "$@" 2>&1)
}

vigild_start a "$LAB_TMP/a.conf" || bail_out "vigild a did not start"
VIGILD_ARGS=(--http-auth=all "--http-cors-origin=$ORIGIN")
if vigild_start b "$LAB_TMP/b.conf" >"$LAB_TMP/b-start.diag"; then
	ok 0 "vigild b starts with --http-auth=all --http-cors-origin=$ORIGIN"
	B_NEW=1
else
	ok 1 "vigild b starts with --http-auth=all --http-cors-origin=$ORIGIN"
	cat "$LAB_TMP/b-start.diag"
	diag "starting b without them: its checks below are expected to fail"
	VIGILD_ARGS=()
	rm -f "$(vigild_dir b)"/*.pid
	vigild_start b "$LAB_TMP/b.conf" || bail_out "vigild b did not start"
	B_NEW=0
fi
VIGILD_ARGS=()

check "a: both instances MASTER (VI_1 and the owner VI_OWN), both real servers checked" \
	wait_for 20 a_ready || diag_file "$(vigild_log a)"
# a health transition for /history
echo 1 >"$HEALTH_DIR/32"
check "a: 192.0.2.32 goes down (a health transition in the history)" wait_for 10 a_rs_down
echo 0 >"$HEALTH_DIR/32"
wait_for 10 eval '! a_rs_down'

diag "node a: default options (reads open, no CORS)"
run_check a --mode open --base http://127.0.0.1:8080 --token-file "$(vigild_dir a)/http.token"
diag "node b: --http-auth=all --http-cors-origin=$ORIGIN$( ((B_NEW)) || echo ' (not taken: b runs without them)')"
run_check b --mode auth-all --base http://127.0.0.1:8080 --token-file "$(vigild_dir b)/http.token" \
	--cors-origin "$ORIGIN"

all_alive() { pid_alive "$(vigild_pid a mgmt)" && pid_alive "$(vigild_pid b mgmt)" && pid_alive "$(vigild_job a)"; }
check "a and b still run (no crash answering the checks)" all_alive
tap_plan "$TAP_N"
tap_done
