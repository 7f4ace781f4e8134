#!/bin/bash
#
# t_http_secure.sh - the REST API locked down (issue #7, security): HTTPS
# with a certificate and key (GnuTLS through libmicrohttpd), every read
# needing the token (--http-auth=all) while the page itself still loads,
# CORS for one configured origin only; a key that is not the certificate's
# turns HTTP off (no fallback to clear text) while VRRP goes on; a
# certificate without a key is a usage error.
#
# Lab: node a alone (priority 150, VI_1), listening on 127.0.0.1:8443 with
# a self-signed certificate for 127.0.0.1 made by openssl; node b with a
# mismatched key.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns
for t in curl openssl python3; do
	command -v "$t" >/dev/null 2>&1 || skip_all "$t is not installed (scripts/install-deps.sh)"
done

lab_init
lab_node a 192.0.2.1/24
lab_node b 192.0.2.2/24

PKI=$LAB_TMP/pki
mkdir -p "$PKI"
mkcert() {   # mkcert NAME: NAME.crt and NAME.key, self-signed for 127.0.0.1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=vigil test $1" -addext "subjectAltName=IP:127.0.0.1" \
		-keyout "$PKI/$1.key" -out "$PKI/$1.crt" >/dev/null 2>&1
}
mkcert a || bail_out "openssl could not make a certificate"
mkcert other || bail_out "openssl could not make a certificate"
chmod 600 "$PKI"/*.key

write_vrrp_conf "$LAB_TMP/a.conf" a BACKUP 150
write_vrrp_conf "$LAB_TMP/b.conf" b BACKUP 100 52
logs() { diag_file "$(vigild_log "${1:-a}")" "${2:-12}"; }

BASE=https://127.0.0.1:8443
ORIGIN=https://ops.example
# get PATH [CURL ARGS]: the body; status in $LAB_TMP/status, headers in $LAB_TMP/headers
get() {
	local path=$1
	shift
	lab_exec a curl -sS -o "$LAB_TMP/body" -D "$LAB_TMP/headers" -w '%{http_code}' --max-time 5 \
		--cacert "$PKI/a.crt" "$@" "$BASE$path" >"$LAB_TMP/status" 2>"$LAB_TMP/curl.err"
	cat "$LAB_TMP/body"
}
status_is() { [[ $(cat "$LAB_TMP/status") == "$1" ]] || { diag "HTTP status $(cat "$LAB_TMP/status"), wanted $1: $(head -c 300 "$LAB_TMP/body") $(cat "$LAB_TMP/curl.err")"; return 1; }; }
header_is() { grep -qi "^$1: $2"$'\r'"\?$" "$LAB_TMP/headers" || { diag "no '$1: $2' in: $(tr -d '\r' <"$LAB_TMP/headers" | tr '\n' '|')"; return 1; }; }
master_in_db() { [[ $(store_sql "$(vigild_dir "$1")/vigil.db" "SELECT state FROM vrrp_instance WHERE name = 'VI_1'") == MASTER ]]; }

tap_plan 12

VIGILD_ARGS=(--http=127.0.0.1:8443 --http-tls-cert="$PKI/a.crt" --http-tls-key="$PKI/a.key" --http-auth=all
	--http-cors-origin="$ORIGIN")
vigild_start a "$LAB_TMP/a.conf" || bail_out "vigild a did not start"
TOKEN=$(cat "$(vigild_dir a)/http.token" 2>/dev/null)
AUTH=(-H "Authorization: Bearer $TOKEN")

check "a logs the page on https://127.0.0.1:8443/, every request with the token, CORS for $ORIGIN" \
	log_wait a "http: status page on https://127\.0\.0\.1:8443/, REST API under /api/v1/, every request with the token, CORS for https://ops\.example" || logs
check "HTTPS with the token, the certificate verified against its own CA file: 200, node a" \
	eval 'wait_for 10 eval "get /api/v1/status \"\${AUTH[@]}\" >/dev/null; status_is 200 2>/dev/null" &&
		get /api/v1/status "${AUTH[@]}" | grep -q "\"node\": *\"a\""' || logs
get /api/v1/instances >/dev/null
check "a read without the token: 401 with WWW-Authenticate: Bearer" \
	eval 'status_is 401 && grep -qi "^www-authenticate: bearer" "$LAB_TMP/headers"'
get /metrics >/dev/null
m1=$(cat "$LAB_TMP/status")
get /metrics -H "Authorization: Bearer ${TOKEN%?}0" >/dev/null
m2=$(cat "$LAB_TMP/status")
get /metrics "${AUTH[@]}" >/dev/null
m3=$(cat "$LAB_TMP/status")
check "/metrics: 401 without the token, 403 with a wrong one, 200 with it" eval '[[ "$m1 $m2 $m3" == "401 403 200" ]]' ||
	diag "got $m1 $m2 $m3"
get / >/dev/null
check "the page itself loads without the token (it asks for it), as HTML" \
	eval 'status_is 200 && header_is content-type "text/html; charset=utf-8"'
code=$(lab_exec a curl -sS -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:8443/api/v1/status 2>/dev/null)
check "plain HTTP to the HTTPS port gets no answer (curl: $code)" eval '[[ $code != 200 ]]'
check "a client that does not trust the certificate refuses it (no silent downgrade)" \
	eval '! lab_exec a curl -sS -o /dev/null --max-time 5 "$BASE/" 2>/dev/null'

get /api/v1/status "${AUTH[@]}" -H "Origin: $ORIGIN" >/dev/null
check "CORS: a GET from $ORIGIN carries Access-Control-Allow-Origin: $ORIGIN and Vary: Origin" \
	eval 'status_is 200 && header_is access-control-allow-origin "$ORIGIN" && header_is vary Origin'
get /api/v1/virtual-servers/1/real-servers/1 -X OPTIONS -H "Origin: $ORIGIN" \
	-H "Access-Control-Request-Method: PATCH" -H "Access-Control-Request-Headers: authorization, content-type" >/dev/null
check "CORS preflight (OPTIONS, no token): 204 allowing PATCH and the Authorization header" \
	eval 'status_is 204 && header_is access-control-allow-methods "GET, HEAD, PATCH, POST" &&
		header_is access-control-allow-headers "Authorization, Content-Type"'

# ---- b: a key that is not its certificate's ------------------------------------------------
VIGILD_ARGS=(--http=127.0.0.1:8443 --http-tls-cert="$PKI/a.crt" --http-tls-key="$PKI/other.key")
vigild_start b "$LAB_TMP/b.conf" || bail_out "vigild b did not start"
VIGILD_ARGS=()
check "b: a key that is not the certificate's is named in the log with the fix; HTTP is off" \
	eval 'log_wait b "http: .*a\.crt with .*other\.key: .*the status page and REST API are off until it is fixed \(--http-tls-cert, --http-tls-key\)" &&
		! lab_exec b curl -sS -o /dev/null --max-time 3 http://127.0.0.1:8443/ 2>/dev/null &&
		! lab_exec b curl -ksS -o /dev/null --max-time 3 https://127.0.0.1:8443/ 2>/dev/null' || logs b
check "... and VRRP runs anyway: b is MASTER of its own VRID 52" \
	wait_for 10 master_in_db b || logs b

out=$("$VIGILD" -t --http-tls-cert="$PKI/a.crt" -f "$LAB_TMP/a.conf" 2>&1)
rc=$?
check "--http-tls-cert without --http-tls-key: exit 2, naming the missing option" \
	eval '(( rc == 2 )) && grep -q "needs .--http-tls-key. too" <<<"$out"' || diag "exit $rc: $out"

tap_done
