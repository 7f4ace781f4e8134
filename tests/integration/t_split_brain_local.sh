#!/bin/bash
#
# t_split_brain_local.sh - split-brain evidence a node finds alone (issue
# #8, doc/split-brain.md), with the real keepalived as the peer (it has no
# management API to poll): vigild a (priority 150) is MASTER; keepalived b
# (100) stops hearing a (nftables drops VRRP coming into b) and becomes
# MASTER too, while its adverts still reach a.  a, still MASTER, hears
# another master's adverts: its instance becomes `suspect`, with the source
# and priority as evidence, in the API and the log.  When b hears a again
# it steps back, and a returns to `ok`.  Then b (keepalived stopped) claims
# a's VIP over ARP with its own MAC (gratuitous ARP, as a second master
# would): a reports `suspect` naming that MAC.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns
require_keepalived
for t in curl python3 nft; do
	command -v "$t" >/dev/null 2>&1 || skip_all "$t is not installed (scripts/install-deps.sh)"
done

lab_init
lab_node a 192.0.2.1/24
lab_node b 192.0.2.2/24
write_vrrp_conf "$LAB_TMP/a.conf" a BACKUP 150
write_vrrp_conf "$LAB_TMP/b.conf" b BACKUP 100
logs() { diag_file "$(vigild_log a)" 12; }

# sb: VI_1's split_brain on a, as "STATUS|EVIDENCE..."
sb() {
	lab_exec a curl -sS --max-time 2 http://127.0.0.1:8080/api/v1/instances 2>/dev/null |
		/usr/bin/python3 -c 'import json,sys; s=json.load(sys.stdin)["instances"][0]["split_brain"]; print(s["status"] + "|" + " / ".join(s["evidence"]))' 2>/dev/null
}
sb_is() { [[ $(sb) == "$1"* ]]; }
ka_master() { grep -q "VI_1) Entering MASTER STATE" "$(keepalived_log b)"; }
ka_backup_again() { [[ $(grep -c "VI_1) Entering BACKUP STATE" "$(keepalived_log b)") -ge 2 ]]; }

tap_plan 7

vigild_start a "$LAB_TMP/a.conf" || bail_out "vigild a did not start"
keepalived_start b "$LAB_TMP/b.conf" || bail_out "keepalived b did not start"
check "vigild a MASTER beside keepalived b; split_brain ok (no peers, no evidence)" \
	eval 'wait_for 15 vip_only_on a 192.0.2.100 && wait_for 10 sb_is ok' || { logs; diag "sb: $(sb)"; }

vrrp_block b in
check "VRRP into b dropped: keepalived b becomes MASTER too (its adverts still reach a)" \
	wait_for 15 ka_master || diag_file "$(keepalived_log b)"
check "a reports suspect, the evidence naming 192.0.2.2 at priority 100" \
	eval 'wait_for 10 sb_is "suspect|while MASTER, adverts for VRID 51 from 192.0.2.2 (priority 100)"' ||
	{ logs; diag "sb: $(sb)"; }
check "... and logs it once" \
	eval '(( $(log_count a "\(VI_1\) split brain: suspect: while MASTER, adverts for VRID 51 from 192\.0\.2\.2") == 1 ))' || logs

vrrp_unblock b
check "the drop lifted: b hears a and steps back; a is ok again" \
	eval 'wait_for 15 ka_backup_again && wait_for 15 sb_is ok' || { logs; diag "sb: $(sb)"; }

# ---- ARP: another MAC claims the VIP ---------------------------------------------------------
keepalived_stop b || diag "keepalived b did not stop"
wait_for 15 sb_is ok || diag "sb: $(sb)"
MAC_B=$(node_mac b)
# garp: three gratuitous ARP requests from b: 192.0.2.100 is at b's MAC
garp() {
	lab_exec b /usr/bin/python3 -c '
import socket, sys, time
mac = bytes.fromhex(sys.argv[1].replace(":", ""))
ip = socket.inet_aton("192.0.2.100")
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
frame = b"\xff" * 6 + mac + b"\x08\x06" + b"\x00\x01\x08\x00\x06\x04\x00\x01" + mac + ip + b"\x00" * 6 + ip
for _ in range(3):
    s.send(frame)
    time.sleep(0.3)
' "$MAC_B"
}
garp || diag "could not send ARP from b"
check "b's gratuitous ARP for 192.0.2.100 (MAC $MAC_B): a, MASTER, reports suspect naming that MAC" \
	eval 'wait_for 10 eval "garp; sb_is \"suspect|while MASTER, ARP claims 192.0.2.100 for MAC $MAC_B (not ours)\""' ||
	{ logs; diag "sb: $(sb)"; }
check "... and a is ok again once the claims stop" \
	wait_for 20 sb_is ok || diag "sb: $(sb)"

tap_done
