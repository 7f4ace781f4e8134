#!/bin/bash
#
# guest/lvs.sh - runs inside the VM (tests/vm/run.sh guest/lvs.sh): vigild
# against the kernel's real IPVS. A lab of network namespaces: the director
# "dir" (192.0.2.1/24, the VIP 192.0.2.100 on a dummy, forwarding on), two
# real servers "rs1" 192.0.2.11 and "rs2" 192.0.2.12 on a bridge (HTTP on :80
# answering their name, default route via the director for NAT), and a
# "client" 198.51.100.10 on a veth to the director. vigild runs in "dir";
# `ipvsadm -Ln` in "dir" is the independent view of what it programmed.
#
# One line per check: "PASS ID: what", "FAIL ID: what" (followed by indented
# details) or "SKIP ID: why"; exit status 0 when nothing failed.
# tests/vm/t_vm_lvs.sh turns the lines into TAP. vigild's logs are left in
# $VIGIL_VM_SHARE (lvs-*.log) when it is set.

set -u
T0=$EPOCHREALTIME
failed=0
pass() { echo "PASS $1: $2"; timing "$1"; }
fail() {
	echo "FAIL $1: $2"
	failed=1
	local id=$1
	shift 2
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/    /'; done
	timing "$id"
}
skip() { echo "SKIP $1: $2"; }
# timing ID: "TIME ID: S" (seconds since the start), for the host's diagnostics
timing() { echo "TIME $1: $(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"; }

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
elapsed() { awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# Everything after the first FAIL/SKIP of a prerequisite is reported as
# failed with this reason, so that the host sees every id.
ALL_IDS=(lab vigild-start ipvs-nat traffic-wrr snmp-ipvs rest-ipvs rs-down rs-down-log rs-down-traffic check-state rs-up
	inhibit-reload inhibit-down inhibit-up restart-adopt drain-ipvs drain-restart undrain-ipvs
	stop-release stop-foreign
	keep-on-stop dr-persist fwmark ipv6 sorry-server sorry-leave extra-release)
abort_rest() { # ABORT_FROM_ID REASON
	local id on=0
	for id in "${ALL_IDS[@]}"; do
		[[ $id == "$1" ]] && on=1
		((on)) && fail "$id" "not run: $2"
	done
	finish
}

# --- find vigild and python --------------------------------------------------
vigild=
for c in ${VIGILD:-} ${VIGIL_BUILDDIR:+$VIGIL_BUILDDIR/vigild} "$top/vigild" "$top"/_build/*/vigild; do
	if [[ -x $c ]]; then
		vigild=$c
		break
	fi
done
py=
for c in /usr/bin/python3 /usr/local/bin/python3 "$(command -v python3 2>/dev/null)"; do
	if [[ -n $c && -x $c ]] && "$c" -c 'import http.server' 2>/dev/null; then
		py=$c
		break
	fi
done

W=$(mktemp -d /tmp/vigil-vm-lvs.XXXXXX) || exit 1
LOG_DIR=${VIGIL_VM_SHARE:-$W}
vpid= # vigild's parent pid
cleanup() {
	[[ -n $vpid ]] && kill -TERM "$vpid" 2>/dev/null && sleep 1
	local n p
	for n in dir rs1 rs2 client; do
		for p in $(ip netns pids "lvs-$n" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "lvs-$n" 2>/dev/null
	done
	ip link del lvs-br0 2>/dev/null
	rm -rf -- "$W"
}
finish() {
	echo "lvs.sh: $(elapsed) s"
	cleanup
	exit $failed
}
trap 'cleanup' EXIT

if [[ -z $vigild ]]; then
	for id in "${ALL_IDS[@]}"; do skip "$id" "no vigild built (VIGILD, VIGIL_BUILDDIR, $top/_build/*/vigild)"; done
	exit 0
fi
if [[ -z $py ]]; then
	for id in "${ALL_IDS[@]}"; do skip "$id" "no python3 with http.server"; done
	exit 0
fi

# nx NS CMD...: CMD in the lab's namespace NS (nsenter: only the network
# namespace; ip netns exec also remounts /sys, which is slow under TCG)
if command -v nsenter >/dev/null 2>&1; then
	nx() { local n=$1; shift; nsenter --net="/run/netns/lvs-$n" "$@"; }
else
	nx() { local n=$1; shift; ip netns exec "lvs-$n" "$@"; }
fi

# --- the lab -------------------------------------------------------------------
HTTP_PY='
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 80))
s.listen(64)
body = (sys.argv[1] + "\n").encode()
while True:
    c, a = s.accept()
    try:
        c.settimeout(3)
        c.recv(4096)
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
    except OSError:
        pass
    c.close()'
http_start() { # NAME: a tiny HTTP server (dual stack on [::]:80) answering "NAME"
	# a subshell's background job, not this shell's: no "Killed" notices
	if command -v nsenter >/dev/null 2>&1; then
		(nsenter --net="/run/netns/lvs-$1" "$py" -S -c "$HTTP_PY" "$1" >"$W/http-$1.log" 2>&1 &
			echo $! >"$W/http-$1.pid")
	else
		(ip netns exec "lvs-$1" "$py" -S -c "$HTTP_PY" "$1" >"$W/http-$1.log" 2>&1 &
			echo $! >"$W/http-$1.pid")
	fi
}
# http_stop NAME ADDR: kill it (not a job of this shell: no "Killed" notices)
http_stop() {
	kill -KILL "$(cat "$W/http-$1.pid")" 2>/dev/null
	wait_for 5 http_down "$2" "$1"
}
http_down() { ! http_up "$@"; }
# http_get NS ADDR: the body of GET / (bash's /dev/tcp: no python start-up)
http_get() {
	nx "$1" bash -c 'exec 3<>"/dev/tcp/$1/80" || exit 1
printf "GET / HTTP/1.0\r\n\r\n" >&3
sed "1,/^\r\?$/d" <&3' _ "$2"
}
http_up() { [[ $(http_get dir "$1" 2>/dev/null) == "$2" ]]; }

wait_for() { # SECONDS CMD...: poll every 0.2 s
	local end=$((SECONDS + $1))
	shift
	while ! "$@"; do
		((SECONDS >= end)) && return 1
		sleep 0.2
	done
}

lab() {
	local n
	for n in dir rs1 rs2 client; do
		ip netns add "lvs-$n" && ip -n "lvs-$n" link set lo up || return 1
	done
	# python starts slowly under TCG: let it start while the lab is built
	# (it binds [::]:80, which needs no address yet)
	http_start rs1 && http_start rs2 || return 1
	ip link add lvs-br0 type bridge && ip link set lvs-br0 up || return 1
	local i=0
	for n in dir rs1 rs2; do
		i=$((i + 1))
		ip link add "lvs-p$i" type veth peer name eth0 netns "lvs-$n" &&
			ip link set "lvs-p$i" master lvs-br0 up &&
			ip -n "lvs-$n" link set eth0 up || return 1
	done
	ip -n lvs-dir addr add 192.0.2.1/24 dev eth0 &&
		ip -n lvs-dir addr add 2001:db8::1/64 dev eth0 nodad &&
		ip -n lvs-dir link add vip0 type dummy && ip -n lvs-dir link set vip0 up &&
		ip -n lvs-dir addr add 192.0.2.100/32 dev vip0 &&
		nx dir sysctl -qw net.ipv4.ip_forward=1 &&
		ip -n lvs-rs1 addr add 192.0.2.11/24 dev eth0 &&
		ip -n lvs-rs1 addr add 2001:db8::11/64 dev eth0 nodad &&
		ip -n lvs-rs1 route add default via 192.0.2.1 &&
		ip -n lvs-rs2 addr add 192.0.2.12/24 dev eth0 &&
		ip -n lvs-rs2 route add default via 192.0.2.1 || return 1
	ip link add eth1 netns lvs-dir type veth peer name eth0 netns lvs-client &&
		ip -n lvs-dir addr add 198.51.100.1/24 dev eth1 && ip -n lvs-dir link set eth1 up &&
		ip -n lvs-client addr add 198.51.100.10/24 dev eth0 && ip -n lvs-client link set eth0 up &&
		ip -n lvs-client route add 192.0.2.100/32 via 198.51.100.1 || return 1
	wait_for 15 http_up 192.0.2.11 rs1 &&
		wait_for 15 http_up 192.0.2.12 rs2 &&
		wait_for 15 http_up 2001:db8::11 rs1 || { echo "the real servers do not answer"; return 1; }
}
if lab >"$W/lab.out" 2>&1; then
	pass lab "namespaces dir/rs1/rs2/client, bridge, VIP on a dummy; rs1 and rs2 answer HTTP ($(elapsed) s)"
else
	fail lab "the lab (namespaces, bridge, HTTP servers)" "$(cat "$W/lab.out")"
	abort_rest vigild-start "no lab"
fi

# --- configurations ------------------------------------------------------------
# conf_nat FILE [RS2_EXTRA]: the NAT service, wrr 3:1
conf_nat() {
	cat >"$1" <<EOF
global_defs {
    router_id lvs-vm
}
virtual_server 192.0.2.100 80 {
    delay_loop 1
    lb_algo wrr
    lb_kind NAT
    protocol TCP
    real_server 192.0.2.11 80 {
        weight 3
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
    real_server 192.0.2.12 80 {
        weight 1
        ${2:-}
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
}
EOF
}

# --- vigild ----------------------------------------------------------------------
vlog= # the current log
vigild_start() { # NAME CONF [OPTIONS]: vigild in "dir", log $LOG_DIR/lvs-NAME.log
	local name=$1 conf=$2
	shift 2
	vlog=$LOG_DIR/lvs-$name.log
	rm -f "$W"/*.pid.v
	ip netns exec lvs-dir "$vigild" -n -l -f "$conf" -p "$W/vigild.pid.v" -r "$W/vrrp.pid.v" \
		-c "$W/check.pid.v" --mgmt_pid "$W/mgmt.pid.v" --db "$W/vigil.db" \
		--control "$W/vigil.sock" "$@" >"$vlog" 2>&1 &
	vpid=$!
}
vigild_stop() { # SIGTERM, wait up to 10 s for the exit
	local p=$vpid
	vpid=
	[[ -n $p ]] || return 0
	kill -TERM "$p" 2>/dev/null
	local end=$((SECONDS + 10))
	while kill -0 "$p" 2>/dev/null; do
		((SECONDS >= end)) && { kill -KILL "$p"; echo "vigild did not exit within 10 s of SIGTERM"; return 1; }
		sleep 0.1
	done
	wait "$p" 2>/dev/null
	return 0
}
vlog_tail() { tail -n "${1:-25}" "$vlog" 2>/dev/null; }
ipvs() { nx dir ipvsadm -Ln 2>&1; }
ipvs_has() { ipvs | grep -Eq -- "$1"; }
ipvs_lacks() { ! ipvs | grep -Eq -- "$1"; }
# vs100: the lines of TCP 192.0.2.100:80 and its destinations only
vs100() { ipvs | awk '/^TCP +192\.0\.2\.100:80 / { on = 1; print; next } on && /^ +->/ { print; next } { on = 0 }'; }
vs_has() { vs100 | grep -Eq -- "$1"; }
vs_lacks() { ! vs100 | grep -Eq -- "$1"; }
vs_both() { vs_has "$1" && vs_lacks "$2"; }
# Regular expressions for the lines of ipvsadm -Ln
SVC='^TCP +192\.0\.2\.100:80 wrr *$'
rs_re() { echo "^ +-> 192\\.0\\.2\\.$1:80 +${3:-Masq} +$2 "; }
RS1_ANY='^ +-> 192\.0\.2\.11:'
RS2_ANY='^ +-> 192\.0\.2\.12:'

# A foreign service that vigild must leave alone.
nx dir ipvsadm -A -t 192.0.2.200:80 -s rr && nx dir ipvsadm -a -t 192.0.2.200:80 -r 192.0.2.12:80 -m -w 2

# snmpd in "dir": the AgentX master of vigild's subagent (snmp-ipvs)
cat >"$W/snmpd.conf" <<EOF
master agentx
agentXSocket $W/agentx.sock
agentXPerms 0777 0777
agentaddress udp:127.0.0.1:11161
rocommunity public 127.0.0.1
EOF
snmp_ok=0
if command -v snmpd >/dev/null 2>&1 && command -v snmpwalk >/dev/null 2>&1; then
	mkdir -p "$W/snmp" && chmod 0755 "$W" "$W/snmp"
	SNMP_PERSISTENT_DIR=$W/snmp nx dir snmpd -f -C -c "$W/snmpd.conf" -Lf "$W/snmpd.log" </dev/null >/dev/null 2>&1 &
	wait_for 10 test -S "$W/agentx.sock" && snmp_ok=1
fi

conf_nat "$W/nat.conf"
conf_nat "$W/nat-inhibit.conf" inhibit_on_failure
vigild_start nat "$W/nat.conf" -x -A "unix:$W/agentx.sock"
nat_ok() {
	local v
	v=$(vs100)
	grep -Eq -- "$SVC" <<<"$v" && grep -Eq -- "$(rs_re 11 3)" <<<"$v" && grep -Eq -- "$(rs_re 12 1)" <<<"$v"
}
if wait_for 15 nat_ok; then
	pass vigild-start "vigild runs in dir and programs IPVS within 15 s ($(elapsed) s)"
	if [[ $(vs100 | grep -Ec '^ +->') -eq 2 ]]; then
		pass ipvs-nat "ipvsadm -Ln: TCP 192.0.2.100:80 wrr with 192.0.2.11:80 Masq 3 and 192.0.2.12:80 Masq 1, nothing else"
	else
		fail ipvs-nat "ipvsadm -Ln: TCP 192.0.2.100:80 wrr with exactly two destinations" "$(ipvs)"
	fi
else
	fail vigild-start "vigild programs TCP 192.0.2.100:80 wrr, 192.0.2.11:80 Masq 3, 192.0.2.12:80 Masq 1 within 15 s" \
		"ipvsadm -Ln:" "$(ipvs)" "vigild's log (tail):" "$(vlog_tail 40)"
	fail ipvs-nat "not run: vigild did not program the service"
	abort_rest traffic-wrr "vigild did not program the service"
fi

# --- traffic -----------------------------------------------------------------------
traffic() { # [N]: N (40) requests, one connection each: "rs1=N rs2=M err=E"
	nx client "$py" -S -c '
import sys, urllib.request, collections
c = collections.Counter()
for i in range(int(sys.argv[1])):
    try:
        c[urllib.request.urlopen("http://192.0.2.100/", timeout=3).read().decode().strip()] += 1
    except Exception as e:
        c["err"] += 1
print("rs1=%d rs2=%d err=%d" % (c["rs1"], c["rs2"], c["err"]))' "${1:-40}"
}
t=$EPOCHREALTIME
res=$(traffic 2>&1)
dt=$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
if [[ $res =~ ^rs1=([0-9]+)\ rs2=([0-9]+)\ err=0$ ]] && ((BASH_REMATCH[1] >= 25 && BASH_REMATCH[1] <= 35 &&
	BASH_REMATCH[1] + BASH_REMATCH[2] == 40)); then
	pass traffic-wrr "40 requests from client to the VIP split about 3:1 ($res, $dt s)"
else
	fail traffic-wrr "40 requests from client to the VIP split about 3:1 (rs1 in 25..35, no errors)" \
		"got: $res" "ipvsadm -Ln:" "$(ipvs)"
fi

# --- KEEPALIVED-MIB's IPVS counters, as ipvsadm --stats shows them ------------------
# snmp_vs_rs: "ADDR CONNS INPKTS OUTBYTES CONNS64 ACTIVE" per real server of
# realServerTable (the check process's copy of IPVS's counters, at most 3 s old)
snmp_rs() {
	MIBS= nx dir "$py" -S -c '
import subprocess, sys
KA = ".1.3.6.1.4.1.9586.100.5.3.4.1"
def walk(col):
    out = subprocess.run(["snmpwalk", "-v2c", "-c", "public", "-On", "-Oq", "-t", "3", "127.0.0.1:11161",
                          "%s.%d" % (KA, col)], capture_output=True, text=True).stdout
    return {l.split()[0][len(KA) + len(str(col)) + 2:]: " ".join(l.split()[1:]) for l in out.splitlines() if l.startswith(KA)}
addr, port, conns, inpkts, outbytes, c64 = (walk(c) for c in (4, 5, 14, 18, 21, 27))
for i in sorted(addr):
    a = ".".join(str(int(x, 16)) for x in addr[i].strip("\"").split())
    print(a + ":" + port.get(i, "?"), conns.get(i, "-"), inpkts.get(i, "-"), outbytes.get(i, "-"), c64.get(i, "-"))
'
}
# ipvs_rs: the same from ipvsadm -Ln --stats (Conns InPkts OutBytes; Conns again for the 64-bit column)
ipvs_rs() {
	nx dir ipvsadm -Ln --stats --exact -t 192.0.2.100:80 | awk '$1 == "->" && $2 ~ /^192/ { print $2, $3, $4, $7, $3 }' | sort
}
snmp_matches() { [[ -n $(ipvs_rs) && "$(snmp_rs | sort)" == "$(ipvs_rs)" ]]; }
vs_conns_ok() {
	local snmp ipvs
	snmp=$(MIBS= nx dir snmpwalk -v2c -c public -On -Oqv 127.0.0.1:11161 .1.3.6.1.4.1.9586.100.5.3.3.1.27 2>&1)
	ipvs=$(nx dir ipvsadm -Ln --stats --exact -t 192.0.2.100:80 | awk '$1 == "TCP" { print $3 }')
	[[ -n $ipvs && $snmp == "$ipvs" ]]
}
if ((!snmp_ok)); then
	skip snmp-ipvs "snmpd did not start in dir (no snmpd/snmpwalk, or no AgentX socket within 10 s)"
elif wait_for 10 snmp_matches && vs_conns_ok; then
	pass snmp-ipvs "realServerStatsConns/InPkts/OutBytes/Conns64 and virtualServerStatsConns through snmpd equal ipvsadm --stats: $(ipvs_rs | tr '\n' ';')"
else
	fail snmp-ipvs "KEEPALIVED-MIB's IPVS counters through snmpd equal ipvsadm -Ln --stats within 10 s" \
		"snmpwalk (addr conns inpkts outbytes conns64):" "$(snmp_rs 2>&1)" "ipvsadm:" "$(ipvs_rs 2>&1)" \
		"virtualServerStatsConns: $(MIBS= nx dir snmpwalk -v2c -c public -On 127.0.0.1:11161 .1.3.6.1.4.1.9586.100.5.3.3.1.27 2>&1)" \
		"vigild's log (tail):" "$(vlog_tail 15)"
fi

# --- the REST API's connections, as ipvsadm --stats shows them ---------------------
# rest_rs: "ADDR:PORT CONNS" per real server of TCP 192.0.2.100:80 (GET /api/v1)
rest_rs() {
	nx dir "$py" -S -c '
import json, urllib.request
def get(p):
    return json.load(urllib.request.urlopen("http://127.0.0.1:8080/api/v1" + p, timeout=3))
vs = [v for v in get("/virtual-servers")["virtual_servers"] if v["key"] == "TCP 192.0.2.100:80"][0]
for r in get("/virtual-servers/%d/real-servers" % vs["id"])["real_servers"]:
    print(r["key"], (r["connections"] or {}).get("total", "null"))
'
}
rest_matches() { [[ -n $(ipvs_rs) && "$(rest_rs 2>&1 | sort)" == "$(ipvs_rs | awk '{ print $1, $2 }')" ]]; }
metrics_conns() {
	nx dir "$py" -S -c '
import urllib.request
for l in urllib.request.urlopen("http://127.0.0.1:8080/metrics", timeout=3).read().decode().splitlines():
    if l.startswith("vigil_real_server_connections_total{virtual_server=\"TCP 192.0.2.100:80\""):
        print(l.split("real_server=\"")[1].split("\"")[0], l.split()[-1])
' | sort
}
if wait_for 10 rest_matches && [[ "$(metrics_conns 2>&1)" == "$(ipvs_rs | awk '{ print $1, $2 }')" ]]; then
	pass rest-ipvs "GET .../real-servers connections.total and /metrics vigil_real_server_connections_total equal ipvsadm --stats: $(rest_rs | sort | tr '\n' ';')"
else
	fail rest-ipvs "the REST API's and /metrics' connection counts equal ipvsadm -Ln --stats within 10 s" \
		"REST (addr total):" "$(rest_rs 2>&1)" "/metrics:" "$(metrics_conns 2>&1)" "ipvsadm:" "$(ipvs_rs 2>&1)" \
		"vigild's log (tail):" "$(vlog_tail 15)"
fi

# --- a real server goes down and comes back -----------------------------------------
http_stop rs2 192.0.2.12
t=$SECONDS
if wait_for 15 vs_both "$(rs_re 11 3)" "$RS2_ANY"; then
	pass rs-down "rs2 stopped: within $((SECONDS - t)) s ipvsadm shows only 192.0.2.11 (bound 15 s)"
else
	fail rs-down "rs2 stopped: within 15 s ipvsadm shows only 192.0.2.11" "ipvsadm -Ln:" "$(ipvs)" "vigild's log (tail):" "$(vlog_tail)"
fi
if grep -Eq 'IPVS: delete destination 192\.0\.2\.12:80 from TCP 192\.0\.2\.100:80' "$vlog"; then
	pass rs-down-log "the log says: $(grep -Eo 'IPVS: delete destination 192\.0\.2\.12:80 .*' "$vlog" | head -n 1)"
else
	fail rs-down-log "the log says 'IPVS: delete destination 192.0.2.12:80 from TCP 192.0.2.100:80'" "$(vlog_tail)"
fi
res=$(traffic 8 2>&1)
if [[ $res == "rs1=8 rs2=0 err=0" ]]; then
	pass rs-down-traffic "with rs2 out, 8 requests to the VIP all reach rs1 ($res)"
else
	fail rs-down-traffic "with rs2 out, 8 requests to the VIP all reach rs1 without errors" "got: $res" "ipvsadm -Ln:" "$(ipvs)"
fi
# check-state.json: SIGUSR2 to the check process, next to its pid file
check_state() {
	local pid f=$W/check-state.json
	pid=$(cat "$W/check.pid.v") && rm -f "$f" && kill -USR2 "$pid" && wait_for 5 test -s "$f" || {
		echo "no $f after SIGUSR2 to the check process (${pid:-no pid})"
		return 1
	}
	"$py" -S - "$f" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
st = {"%s:%s" % (r["address"], r["port"]): r.get("state") for vs in d["virtual_servers"] for r in vs["real_servers"]}
print(st)
sys.exit(0 if st.get("192.0.2.11:80") == "up" and st.get("192.0.2.12:80") == "down" else 1)
PY
}
if out=$(check_state 2>&1); then
	pass check-state "SIGUSR2: check-state.json says 192.0.2.11:80 up, 192.0.2.12:80 down"
else
	fail check-state "SIGUSR2: check-state.json says 192.0.2.11:80 up, 192.0.2.12:80 down" "$out"
fi
http_start rs2
t=$SECONDS
if wait_for 15 nat_ok; then
	pass rs-up "rs2 started again: within $((SECONDS - t)) s it is back with weight 1"
else
	fail rs-up "rs2 started again: within 15 s it is back with weight 1" "ipvsadm -Ln:" "$(ipvs)" "vigild's log (tail):" "$(vlog_tail)"
fi

# --- inhibit_on_failure, by a reload --------------------------------------------------
cp "$W/nat-inhibit.conf" "$W/nat.conf"
nlines=$(wc -l <"$vlog")
kill -HUP "$vpid"
reloaded() { [[ $(sed -n "$((nlines + 1)),\$p" "$vlog" | grep -Ec 'check: reload:') -gt 0 ]]; }
if wait_for 10 reloaded && sleep 1 && nat_ok && kill -0 "$vpid"; then
	pass inhibit-reload "SIGHUP with inhibit_on_failure on rs2: reloaded, IPVS unchanged"
else
	fail inhibit-reload "SIGHUP with inhibit_on_failure on rs2: the log says 'check: reload:' within 10 s, IPVS unchanged" \
		"ipvsadm -Ln:" "$(ipvs)" "vigild's log (tail):" "$(vlog_tail)"
fi
http_stop rs2 192.0.2.12
t=$SECONDS
if wait_for 15 vs_both "$(rs_re 12 0)" "$(rs_re 12 1)" && vs_has "$(rs_re 11 3)"; then
	pass inhibit-down "rs2 stopped with inhibit_on_failure: within $((SECONDS - t)) s ipvsadm shows it with weight 0"
else
	fail inhibit-down "rs2 stopped with inhibit_on_failure: within 15 s ipvsadm shows 192.0.2.12:80 Masq 0" \
		"ipvsadm -Ln:" "$(ipvs)" "vigild's log (tail):" "$(vlog_tail)"
fi
http_start rs2
t=$SECONDS
if wait_for 15 nat_ok; then
	pass inhibit-up "rs2 started again: within $((SECONDS - t)) s its weight is 1 again"
else
	fail inhibit-up "rs2 started again: within 15 s its weight is 1 again" "ipvsadm -Ln:" "$(ipvs)" "vigild's log (tail):" "$(vlog_tail)"
fi

# --- the check process dies: its successor manages the same services ------------------
# (kill -9: nothing is released; the parent restarts the child, which must
# take the services of the configuration over rather than treat them as
# foreign)
new_check() { [[ -s $W/check.pid.v && $(cat "$W/check.pid.v") != "$old_check" ]]; }
old_check=$(cat "$W/check.pid.v" 2>/dev/null)
kill -9 "$old_check" 2>/dev/null
t=$SECONDS
if wait_for 15 new_check && wait_for 15 grep -q "vigil manages them again" "$vlog" && {
	http_stop rs2 192.0.2.12
	wait_for 15 vs_both "$(rs_re 12 0)" "$(rs_re 12 1)"
} && { http_start rs2; wait_for 15 nat_ok; }; then
	pass restart-adopt "check process killed: restarted, it takes the services over (logged), and rs2 down/up still moves its weight 1 -> 0 -> 1 ($((SECONDS - t)) s)"
else
	fail restart-adopt "check process killed: restarted, it takes the services over, and rs2 down/up still moves its weight" \
		"ipvsadm -Ln:" "$(ipvs)" "vigild's log (tail):" "$(vlog_tail 40)"
fi

# --- an operator's drain: in IPVS when vigilctl returns, and after a restart -------------
# (issue #5: the state store keeps it; the first reconcile after the start
# already has it, so the real server never gets its configured weight back)
vigilctl=$(dirname "$vigild")/vigilctl
ctl() { "$vigilctl" -s "$W/vigil.sock" -d "$W/vigil.db" "$@"; }
if out=$(ctl -r "vm test" drain 192.0.2.100:80 192.0.2.12 2>&1) && vs_has "$(rs_re 12 0)" && vs_has "$(rs_re 11 3)"; then
	pass drain-ipvs "vigilctl drain 192.0.2.100:80 192.0.2.12: when it returns, ipvsadm shows 192.0.2.12:80 Masq 0 ($out)"
else
	fail drain-ipvs "vigilctl drain: when it returns, ipvsadm shows 192.0.2.12:80 Masq 0" "vigilctl: $out" \
		"ipvsadm -Ln:" "$(ipvs)" "vigild's log (tail):" "$(vlog_tail)"
fi
vigild_stop >/dev/null
vigild_start drained "$W/nat.conf"
drained_ok() { vs_has "$(rs_re 12 0)" && vs_has "$(rs_re 11 3)"; }
if wait_for 15 drained_ok && grep -Eq 'add destination 192\.0\.2\.12:80 to TCP 192\.0\.2\.100:80 \(NAT, weight 0\)' "$vlog" &&
	! grep -Eq 'destination 192\.0\.2\.12:80 .*weight 1' "$vlog" && grep -q "re-applied from the state store" "$vlog"; then
	pass drain-restart "after a restart of vigild, 192.0.2.12:80 is added with weight 0 (never 1): the drain was re-applied"
else
	fail drain-restart "after a restart of vigild, 192.0.2.12:80 is added with weight 0 and never gets weight 1" \
		"ipvsadm -Ln:" "$(ipvs)" "vigild's log (tail):" "$(vlog_tail 40)"
fi
if out=$(ctl undrain 192.0.2.100:80 192.0.2.12:80 2>&1) && nat_ok; then
	pass undrain-ipvs "vigilctl undrain: when it returns, 192.0.2.12:80 has its weight 1 again"
else
	fail undrain-ipvs "vigilctl undrain: when it returns, 192.0.2.12:80 has weight 1" "vigilctl: $out" \
		"ipvsadm -Ln:" "$(ipvs)" "vigild's log (tail):" "$(vlog_tail)"
fi

# --- stop: vigild removes what it created, and only that --------------------------------
if out=$(vigild_stop 2>&1) && ipvs_lacks '192\.0\.2\.100:80'; then
	pass stop-release "SIGTERM: vigild exits and TCP 192.0.2.100:80 is gone"
else
	fail stop-release "SIGTERM: vigild exits and TCP 192.0.2.100:80 is gone" "$out" "ipvsadm -Ln:" "$(ipvs)" "vigild's log (tail):" "$(vlog_tail)"
fi
if ipvs_has '^TCP +192\.0\.2\.200:80 rr' && ipvs_has '^ +-> 192\.0\.2\.12:80 +Masq +2 '; then
	pass stop-foreign "the service added by hand (TCP 192.0.2.200:80 with its destination) is still there"
else
	fail stop-foreign "the service added by hand (TCP 192.0.2.200:80 -> 192.0.2.12:80 Masq 2) is still there" \
		"ipvsadm -Ln:" "$(ipvs)" "vigild's log (tail):" "$(vlog_tail)"
fi
nx dir ipvsadm -D -t 192.0.2.200:80

nx dir ipvsadm -C
vigild_start keep "$W/nat.conf" -I
if wait_for 15 nat_ok && grep -q 'IPVS: add service TCP 192\.0\.2\.100:80' "$vlog" &&
	vigild_stop >/dev/null && sleep 0.5 && nat_ok &&
	grep -q 'IPVS: leaving the services in place' "$vlog"; then
	pass keep-on-stop "with -I, the service and its destinations stay after SIGTERM (and the log says so)"
else
	fail keep-on-stop "with -I, the service vigild added stays after SIGTERM (log: 'IPVS: leaving the services in place')" \
		"ipvsadm -Ln:" "$(ipvs)" "vigild's log (tail):" "$(vlog_tail)"
fi
vigild_stop >/dev/null
nx dir ipvsadm -C


# --- more kinds: DR with persistence, fwmark, IPv6, sorry_server ----------------------
cat >"$W/extra.conf" <<EOF
virtual_server 192.0.2.101 80 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    persistence_timeout 50
    protocol TCP
    real_server 192.0.2.11 80 {
        weight 2
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
virtual_server fwmark 7 {
    delay_loop 1
    lb_algo sh
    lb_kind NAT
    real_server 192.0.2.12 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
virtual_server 2001:db8::100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 2001:db8::11 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
virtual_server 192.0.2.102 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    sorry_server 192.0.2.12 80
    real_server 192.0.2.13 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
}
EOF
# block RE: the lines of the service whose line matches RE, with its destinations
block() { ipvs | awk -v re="$1" '$0 ~ re { on = 1; print; next } on && /^ +->/ { print; next } { on = 0 }'; }
block_has() { block "$1" | grep -Eq -- "$2"; }
dr_ok() {
	block_has '^TCP +192\.0\.2\.101:80 ' '^TCP +192\.0\.2\.101:80 rr persistent 50' &&
		block_has '^TCP +192\.0\.2\.101:80 ' '^ +-> 192\.0\.2\.11:80 +Route +2 '
}
fwm_ok() { block_has '^FWM +7 ' '^FWM +7 sh' && block_has '^FWM +7 ' '^ +-> 192\.0\.2\.12:80 +Masq +1 '; }
v6_ok() {
	block_has '^TCP +\[2001:db8::100\]:80 ' '^TCP +\[2001:db8::100\]:80 rr *$' &&
		block_has '^TCP +\[2001:db8::100\]:80 ' '^ +-> \[2001:db8::11\]:80 +Masq +1 '
}
sorry_ok() {
	block_has '^TCP +192\.0\.2\.102:80 ' '^ +-> 192\.0\.2\.12:80 +Masq ' &&
		! block_has '^TCP +192\.0\.2\.102:80 ' '192\.0\.2\.13:'
}
all_extra() { dr_ok && fwm_ok && v6_ok && sorry_ok; }
vigild_start extra "$W/extra.conf"
wait_for 15 all_extra
for x in "dr-persist dr_ok|DR service: TCP 192.0.2.101:80 rr persistent 50 with 192.0.2.11:80 Route 2" \
	"fwmark fwm_ok|fwmark service: FWM 7 sh with 192.0.2.12:80 Masq 1" \
	"ipv6 v6_ok|IPv6 service: TCP [2001:db8::100]:80 rr with [2001:db8::11]:80 Masq 1" \
	"sorry-server sorry_ok|TCP 192.0.2.102:80 with its only real server 192.0.2.13 dead: the sorry_server 192.0.2.12:80 is in"; do
	idf=${x%%|*}
	if ${idf#* }; then
		pass "${idf% *}" "${x#*|}"
	else
		fail "${idf% *}" "${x#*|}" "ipvsadm -Ln:" "$(ipvs)" "vigild's log (tail):" "$(vlog_tail)"
	fi
done
# The real server comes to life: the sorry server makes way for it.
ip -n lvs-rs2 addr add 192.0.2.13/24 dev eth0
sorry_gone() {
	block_has '^TCP +192\.0\.2\.102:80 ' '^ +-> 192\.0\.2\.13:80 +Masq +1 ' &&
		! block_has '^TCP +192\.0\.2\.102:80 ' '192\.0\.2\.12:'
}
t=$SECONDS
if wait_for 15 sorry_gone; then
	pass sorry-leave "192.0.2.13 answers: within $((SECONDS - t)) s it replaces the sorry_server"
else
	fail sorry-leave "192.0.2.13 answers: within 15 s it is in (Masq 1) and the sorry_server 192.0.2.12 is out" \
		"ipvsadm -Ln:" "$(ipvs)" "vigild's log (tail):" "$(vlog_tail)"
fi
if out=$(vigild_stop 2>&1) && [[ -z $(ipvs | sed -n '4,$p') ]]; then
	pass extra-release "SIGTERM: the four services are gone, the table is empty"
else
	fail extra-release "SIGTERM: vigild exits and the four services are gone" "$out" "ipvsadm -Ln:" "$(ipvs)" "vigild's log (tail):" "$(vlog_tail)"
fi
nx dir ipvsadm -C

finish
