#!/bin/bash
#
# t_check_tcp_http.sh - the network health checkers against real servers.
#
# Node "lb" runs vigild; node "srv" holds the real servers' addresses and
# small python3 servers this script starts and steers through a mode file
# (ok, 503, slow, body2, chunked):
#   .21  TCP_CHECK on a listener that goes away and comes back
#   .22  HTTP_GET /health, virtualhost www.example.test: answers 503
#   .23  HTTP_GET /, connect_timeout 1: answers after 4 s
#   .24  HTTP_GET / with a digest: answers a different body, then the
#        right body in chunked encoding
#   .25  SSL_GET / with a digest (self-signed certificate): answers 503
#   .26  TCP_CHECK and HTTP_GET together: the real server is up only when
#        both pass
# Each goes down after its configured retries, with the reason in the log
# line and in check-state.json (SIGUSR2), and comes back up when its server
# recovers.  A SIGHUP with the same configuration keeps every state.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
command -v openssl >/dev/null 2>&1 || skip_all "openssl is not installed (apt-get install openssl)"

lab_init
lab_node lb 192.0.2.1/24 192.0.2.2/24 2001:db8::1/64
lab_node srv 192.0.2.21/24 192.0.2.22/24 192.0.2.23/24 192.0.2.24/24 192.0.2.25/24 192.0.2.26/24 \
	2001:db8::22/64

SRV="$LAB_TMP/srv"
BODY="hello from vigil's test server"
DIGEST=$(printf '%s\n' "$BODY" | md5sum | cut -d' ' -f1)

# The test server: GET answers as the mode file says; each request is
# appended to the request log with the Host header.
cat >"$LAB_TMP/server.py" <<'EOF'
import http.server, socket, ssl, sys, time

addr, port, mode_file, req_log = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
cert = sys.argv[5] if len(sys.argv) > 5 else None
BODY = sys.argv[6].encode() + b"\n" if len(sys.argv) > 6 else b"hello\n"

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        try:
            mode = open(mode_file).read().strip()
        except OSError:
            mode = "ok"
        with open(req_log, "a") as f:
            f.write("%s %s host=%s from=%s\n" % (mode, self.path, self.headers.get("Host"),
                                                 self.client_address[0]))
        if mode == "slow":
            time.sleep(4)
        body = b"a different body\n" if mode == "body2" else BODY
        self.send_response(503 if mode == "503" else 200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Connection", "close")
        if mode == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 7):
                part = body[i:i + 7]
                self.wfile.write(b"%x;x=y\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\nX-Trailer: 1\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        self.close_connection = True

    def log_message(self, *args):
        pass

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    address_family = socket.AF_INET6 if ":" in addr else socket.AF_INET

    def handle_error(self, request, client_address):
        pass   # a checker that gave up and closed: not an error here

srv = Server((addr, port), Handler)
if cert:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, cert)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
EOF

# A self-signed certificate and its key in one file.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=www.example.test -keyout "$LAB_TMP/tls.pem" -out "$LAB_TMP/cert.pem" \
	>/dev/null 2>&1 || bail_out "openssl could not make a certificate"
cat "$LAB_TMP/cert.pem" >>"$LAB_TMP/tls.pem"

declare -A SERVER_PID=()

listening() { lab_exec srv ss -Hltn "src [$1] and sport = :$2" | grep -q LISTEN; }

# server_start ADDR PORT [tls]: the test server on ADDR:PORT, mode file
# $SRV/ADDR_PORT.mode (absent: ok), request log $SRV/ADDR_PORT.log.
server_start() {
	local k="$1_$2" cert=
	[[ ${3:-} == tls ]] && cert="$LAB_TMP/tls.pem"
	ip netns exec "$(lab_ns srv)" python3 "$LAB_TMP/server.py" "$1" "$2" \
		"$SRV/$k.mode" "$SRV/$k.log" "$cert" "$BODY" \
		</dev/null >>"$SRV/$k.err" 2>&1 &
	SERVER_PID[$k]=$!
	LAB_EXTRA_PIDS+=("$!")
	wait_for 10 listening "$1" "$2" || { diag "server $1:$2 did not start"; diag_file "$SRV/$k.err"; return 1; }
}

server_stop() {
	local k="$1_$2"
	kill "${SERVER_PID[$k]}" 2>/dev/null
	wait "${SERVER_PID[$k]}" 2>/dev/null
	wait_for 5 not_listening "$1" "$2"
}

not_listening() { ! listening "$@"; }

mode() { echo "$3" >"$SRV/$1_$2.mode"; }

# ---- check-state.json -----------------------------------------------------------

# check_dump NODE: SIGUSR2 to the check process; print the fresh dump's path.

# all_up NODE: every real server of the dump is up.
all_up() {
	local f
	f=$(check_dump "$1") || return 1
	python3 - "$f" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if all(rs["state"] == "up" for vs in d["virtual_servers"] for rs in vs["real_servers"]) else 1)
PY
}

logs() { diag_file "$(vigild_log lb)" "${1:-15}"; }

# ---- the configuration ------------------------------------------------------------

# write_conf [changed]: "changed" drops .26, gives .23 connect_timeout 2
# (a new checker for a real server found again) and adds .27 (a TCP_CHECK
# on .21's listener).
CONF="$(vigild_dir lb)/vigil.conf"
write_conf() {
	local t23=1 rs26 rs27=
	rs26="    real_server 192.0.2.26 80 {
        TCP_CHECK {
            connect_port 8001
            connect_timeout 1
            retry 0
        }
        HTTP_GET {
            url {
                path /
            }
            connect_timeout 1
            retry 0
        }
    }"
	if [[ ${1:-} == changed ]]; then
		t23=2
		rs26=
		rs27="    real_server 192.0.2.27 80 {
        TCP_CHECK {
            connect_ip 192.0.2.21
            connect_port 8001
        }
    }"
	fi
	cat >"$CONF" <<EOF
global_defs {
    router_id lb
}

virtual_server 192.0.2.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    protocol TCP

    real_server 192.0.2.21 80 {
        weight 1
        TCP_CHECK {
            connect_port 8001
            connect_timeout 1
            retry 2
            delay_before_retry 0.3
        }
    }
    real_server 192.0.2.22 80 {
        weight 2
        HTTP_GET {
            url {
                path /health
                status_code 200
            }
            virtualhost www.example.test
            bindto 192.0.2.2
            connect_timeout 1
            retry 1
            delay_before_retry 0.3
        }
    }
    real_server 192.0.2.23 80 {
        HTTP_GET {
            url {
                path /
            }
            connect_timeout $t23
            retry 1
            delay_before_retry 0.3
        }
    }
    real_server 192.0.2.24 80 {
        HTTP_GET {
            url {
                path /
                digest $DIGEST
            }
            connect_timeout 1
            retry 1
            delay_before_retry 0.3
        }
    }
$rs26
$rs27
}

virtual_server 192.0.2.100 443 {
    delay_loop 1
    lb_algo wrr
    lb_kind DR
    protocol TCP

    real_server 192.0.2.25 443 {
        weight 3
        SSL_GET {
            url {
                path /
                digest $DIGEST
            }
            connect_timeout 1
            retry 1
            delay_before_retry 0.3
        }
    }
}

virtual_server 2001:db8::100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    protocol TCP

    real_server 2001:db8::22 80 {
        HTTP_GET {
            url {
                path /v6
            }
            connect_timeout 1
            retry 0
        }
    }
}
EOF
	chmod 0644 "$CONF"
}
write_conf

tap_plan 45

mkdir -p "$SRV"
for a in 21 26; do server_start 192.0.2.$a 8001 || bail_out "cannot start the TCP listeners"; done
for a in 22 23 24 26; do server_start 192.0.2.$a 80 || bail_out "cannot start the HTTP servers"; done
server_start 192.0.2.25 443 tls || bail_out "cannot start the HTTPS server"
server_start 2001:db8::22 80 || bail_out "cannot start the IPv6 HTTP server"
lab_wait_dad lb

vigild_start lb "$CONF" || bail_out "vigild did not start"
check "start: every real server is up in check-state.json" wait_for 10 all_up lb || logs
check "the HTTP_GET check sent Host: www.example.test (virtualhost)" \
	grep -q "host=www.example.test " "$SRV/192.0.2.22_80.log"
check "bindto: the HTTP_GET check came from 192.0.2.2" grep -q "from=192.0.2.2$" "$SRV/192.0.2.22_80.log"
v6_host() { grep -q "/v6 host=\[2001:db8::22\] " "$SRV/2001:db8::22_80.log"; }
check "IPv6: HTTP_GET to [2001:db8::22]:80 passed" rs_has 2001:db8::22:80 state=up
check "IPv6: it sent Host: [2001:db8::22]" v6_host
# At least one success: with delay_loop 1 a loaded machine may have run more.
ssl_passed() {
	local n
	n=$(rs_get lb 192.0.2.25:443 checkers.0.successes) && ((n >= 1)) && rs_is 192.0.2.25:443 state up
}
check "the SSL_GET check passed its digest over TLS" wait_for 5 ssl_passed ||
	echo "# 192.0.2.25:443: $(rs_get lb 192.0.2.25:443 checkers.0)"
no_transition() { ! log_has lb "(removing|adding) service"; }
check "no real server transition logged at start" no_transition || logs

# ---- TCP_CHECK: the listener goes away ------------------------------------------------
RS21='\[192\.0\.2\.21\]:tcp:80'
server_stop 192.0.2.21 8001
check "TCP: listener gone -> logged down after 2 retries with the reason" \
	log_wait lb "TCP connection to \[192\.0\.2\.21\]:tcp:8001 failed after 2 retries \(connection refused\): removing service $RS21 from VS \[192\.0\.2\.100\]:tcp:80" 10 || logs
check "TCP: check-state.json says down, connection refused, effective weight 0" \
	rs_has 192.0.2.21:80 state=down "reason=connection refused" weight=0
three_in_a_row() { (($(rs_get lb 192.0.2.21:80 checkers.0.consecutive_failures) >= 3)); }
check "TCP: the checker counted retry + 1 = 3 failures in a row" three_in_a_row
server_start 192.0.2.21 8001
check "TCP: listener back -> logged up again" \
	log_wait lb "TCP connection to \[192\.0\.2\.21\]:tcp:8001 success: adding service $RS21 to VS" 10 || logs
check "TCP: check-state.json says up, weight 1" rs_has 192.0.2.21:80 state=up weight=1
once_each() { (($(log_count lb "removing service $1") == 1 && $(log_count lb "adding service $1") == 1)); }
check "TCP: the transitions were logged once each" once_each "$RS21"

# ---- HTTP_GET: 503 ----------------------------------------------------------------------
RS22='\[192\.0\.2\.22\]:tcp:80'
mode 192.0.2.22 80 503
check "HTTP 503 -> logged down with the status" \
	log_wait lb "HTTP_GET to $RS22 failed after 1 retry \(status 503 on /health\): removing service $RS22" 10 || logs
check "HTTP 503: check-state.json reason is the status" rs_is 192.0.2.22:80 reason "status 503 on /health"

# ---- reload with the same configuration: states are kept ----------------------------------
checks_before=$(rs_get lb 192.0.2.22:80 checkers.0.checks)
kill -HUP "$(vigild_job lb)"
check "SIGHUP, same config: every real server keeps its state" \
	log_wait lb 'check: reload: 7 real servers found again, 0 new, 0 removed; 8 checkers kept their state, 0 started' 10 ||
	diag "$(log_grep lb 'reload')"
counters_go_on() { (($(rs_get lb 192.0.2.22:80 checkers.0.checks) >= checks_before)); }
check "after the reload the 503 server is still down" rs_has 192.0.2.22:80 state=down
check "after the reload its checker's counters go on" counters_go_on
no_up22() { (($(log_count lb "removing service $RS22") == 1)) && ! log_has lb "adding service $RS22"; }
check "the reload logged no transition" no_up22

mode 192.0.2.22 80 ok
check "HTTP 200 again -> logged up" log_wait lb "HTTP_GET to $RS22 success: adding service $RS22" 10 || logs
check "HTTP: up in check-state.json with weight 2" rs_has 192.0.2.22:80 state=up weight=2

# ---- HTTP_GET: an answer slower than connect_timeout ---------------------------------------
RS23='\[192\.0\.2\.23\]:tcp:80'
mode 192.0.2.23 80 slow
check "slow answer -> logged down: timeout waiting for the answer" \
	log_wait lb "HTTP_GET to $RS23 failed after 1 retry \(timeout after 1 s waiting for the answer on /\): removing service $RS23" 15 || logs
check "slow: check-state.json says down" rs_is 192.0.2.23:80 state down
mode 192.0.2.23 80 ok
check "fast again -> up" log_wait lb "HTTP_GET to $RS23 success: adding service $RS23" 15 || logs

# ---- HTTP_GET: a different body -----------------------------------------------------------
RS24='\[192\.0\.2\.24\]:tcp:80'
mode 192.0.2.24 80 body2
check "different body -> logged down: digest mismatch" \
	log_wait lb "HTTP_GET to $RS24 failed after 1 retry \(digest mismatch on / \(the body's MD5 is [0-9a-f]{32}\)\): removing service $RS24" 10 || logs
check "digest: check-state.json reason starts with digest mismatch" \
	reason_starts 192.0.2.24:80 "digest mismatch on /"
mode 192.0.2.24 80 chunked
check "the right body again, chunked with extensions and a trailer -> up" \
	log_wait lb "HTTP_GET to $RS24 success: adding service $RS24" 10 || logs
ok24=$(rs_get lb 192.0.2.24:80 checkers.0.successes)
two_more_ok() { (($(rs_get lb 192.0.2.24:80 checkers.0.successes) >= ok24 + 2)); }
check "two more chunked answers pass" wait_for 10 two_more_ok
check "chunked: still up, no failure since" rs_has 192.0.2.24:80 state=up checkers.0.consecutive_failures=0

# ---- SSL_GET -----------------------------------------------------------------------------
RS25='\[192\.0\.2\.25\]:tcp:443'
mode 192.0.2.25 443 503
check "SSL_GET 503 -> logged down" \
	log_wait lb "SSL_GET to $RS25 failed after 1 retry \(status 503 on /\): removing service $RS25 from VS \[192\.0\.2\.100\]:tcp:443" 10 || logs
mode 192.0.2.25 443 body2
check "SSL_GET different body: still down, reason digest mismatch" \
	wait_for 10 reason_starts 192.0.2.25:443 "digest mismatch on /"
mode 192.0.2.25 443 ok
check "SSL_GET back -> logged up" log_wait lb "SSL_GET to $RS25 success: adding service $RS25" 10 || logs
check "SSL_GET: up, weight 3" rs_has 192.0.2.25:443 state=up weight=3
server_stop 192.0.2.25 443
check "SSL_GET server gone -> logged down, connection refused" \
	log_wait lb "SSL_GET to $RS25 failed after 1 retry \(connection refused\)" 10 || logs

# ---- two checkers on one real server -------------------------------------------------------
RS26='\[192\.0\.2\.26\]:tcp:80'
server_stop 192.0.2.26 8001
check "two checkers: the TCP one fails -> the real server goes down" \
	log_wait lb "TCP connection to \[192\.0\.2\.26\]:tcp:8001 failed \(connection refused\): removing service $RS26" 10 || logs
mode 192.0.2.26 80 503
check "two checkers: the HTTP one fails too -> logged, the real server stays down" \
	log_wait lb "HTTP_GET to $RS26 failed \(status 503 on /\): service $RS26 of VS \[192\.0\.2\.100\]:tcp:80 stays down" 10 || logs
mode 192.0.2.26 80 ok
check "two checkers: HTTP passes again but TCP still fails -> logged, still down" \
	log_wait lb "HTTP_GET to $RS26 success; service $RS26 of VS .* stays down \(still failing: TCP connection to \[192\.0\.2\.26\]:tcp:8001: connection refused\)" 10 || logs
check "two checkers: check-state.json has one checker up, one down" \
	rs_has 192.0.2.26:80 state=down checkers.0.state=down checkers.1.state=up "reason=connection refused"
server_start 192.0.2.26 8001
check "two checkers: both pass -> up" log_wait lb "TCP connection to \[192\.0\.2\.26\]:tcp:8001 success: adding service $RS26" 10 || logs

# ---- reload with a changed configuration -----------------------------------------------------
c22=$(log_count_or0 lb "removing service $RS22")
mode 192.0.2.22 80 503   # a check in flight or a retry pending while reloading
write_conf changed
kill -HUP "$(vigild_job lb)"
check "SIGHUP, changed config: .26 removed, .27 new, .23's changed checker restarted" \
	log_wait lb 'check: reload: 6 real servers found again, 1 new, 1 removed; 5 checkers kept their state, 2 started' 10 ||
	diag "$(log_grep lb 'reload')"
no26() { ! rs_get lb 192.0.2.26:80 state >/dev/null; }
check "the new real server .27 comes up" wait_for 10 rs_is 192.0.2.27:80 state up
check ".26 is gone from check-state.json" no26
check "the kept checker of .22 goes on to fail its 503 across the reload" \
	log_wait_count lb "HTTP_GET to $RS22 failed after 1 retry \(status 503 on /health\): removing service $RS22" $((c22 + 1)) 10 || logs
mode 192.0.2.22 80 ok

vigild_stop lb
check "vigild stops cleanly" stopped_clean || logs
check "no sanitizer report in the log" no_sanitizer_report || logs 40

tap_done
