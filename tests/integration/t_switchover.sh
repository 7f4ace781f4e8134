#!/bin/bash
#
# t_switchover.sh - a live keepalived pair switched over to vigild, backup
# first, as doc/migration.md ("Switch-over of a live pair") tells operators
# to (issue 9).  Nodes a (state MASTER, priority 150) and b (state BACKUP,
# priority 100) each have one keepalived.conf, read as it is by keepalived
# and later by vigild:
#   VI_1  VRRPv2, PASS authentication, IPv4   VRID 51  VIP 192.0.2.100/24
#   VI_6  VRRPv3, IPv6                        VRID 53  VIP 2001:db8::100/64
# Steps:
#   0. keepalived on both nodes: a is master, b backup (where a user starts);
#   1. b: keepalived stopped, vigild started with the same file: b comes up
#      BACKUP and stays so while keepalived on a advertises (the mixed pair
#      interoperates), the VIPs stay on a;
#   2. a: keepalived stopped (its priority-0 advert: b takes over after its
#      Skew_Time), vigild started with the same file: it preempts (the
#      default), the VIPs come back to a;
#   3. vigild on both nodes: each VIP on a alone, no error in either log.
# From step 1 to the end, a sampler records who holds each VIP every 10 ms
# (one netlink address dump per node, both within a fraction of a
# millisecond) and the kernel's address events as they come.  Asserted:
#   - no sample with two holders in steps 1, 2a (keepalived's priority-0
#     handover) and 3;
#   - at a's preemption (2b) two holders, if any, for less than advert_int:
#     the new master adds its VIPs right after its first advert, the old one
#     drops them when it hears that advert - milliseconds of overlap that
#     VRRP's preemption has by design (nopreempt, doc/migration.md, avoids
#     this handover);
#   - no run of holder-less samples reaches the failover time, the
#     Master_Down_Interval of b (the lowest priority): 3 * advert_int +
#     (256 - 100) / 256 * advert_int = 3.61 s, a protocol bound, not a
#     performance figure;
#   - each VIP moves a -> b -> a and nothing more (samples and events).
# The measured gaps and overlaps of each step are printed, not asserted.
#
# SWITCHOVER=nopreempt (t_switchover_nopreempt.sh): the procedure without
# the second handover - a's vigild reads the file with `state BACKUP` and
# `nopreempt` (doc/migration.md), stays BACKUP, and the VIPs stay on b:
# each VIP moves once (a -> b), and no sample and no address event shows
# two holders at any step.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_vigild
require_root
require_netns
require_keepalived
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
VIGILCTL=${VIGILCTL:-$VIGIL_BUILDDIR/vigilctl}

lab_init
lab_node a 192.0.2.11/24 2001:db8::11/64
lab_node b 192.0.2.12/24 2001:db8::12/64

INSTS=(VI_1 VI_6)
declare -A VIP=([VI_1]=192.0.2.100 [VI_6]=2001:db8::100)
declare -A WHAT=([VI_1]="VRRPv2 IPv4" [VI_6]="VRRPv3 IPv6")
# Master_Down_Interval of b (priority 100, advert_int 1): the failover time.
FAILOVER=3.609375

# With --log-format=json each log line carries its level: "free of errors"
# is exact.  A vigild without it logs text, where an error is a line that
# says so.
if "$VIGILD" --help 2>&1 | grep -q -- --log-format; then
	VIGILD_ARGS=(--log-format=json)
	ERROR_RE='"level": ?"(error|critical)"' WARNING_RE='"level": ?"warning"'
else
	ERROR_RE='[Ee]rror|[Cc]annot|[Ff]ailed|[Ff]atal' WARNING_RE='[Ww]arning'
fi

# conf NODE STATE PRIORITY: the node's keepalived.conf, as a user has it.
conf() {
	local f
	f="$(vigild_dir "$1")/keepalived.conf"
	cat >"$f" <<EOF
! Configuration File for keepalived (node $1)
global_defs {
    router_id $1
}

vrrp_instance VI_1 {
    state $2
    interface eth0
    virtual_router_id 51
    priority $3
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass s3cr3t
    }
    virtual_ipaddress {
        192.0.2.100/24
    }
}

vrrp_instance VI_6 {
    version 3
    state $2
    interface eth0
    virtual_router_id 53
    priority $3
    advert_int 1
    virtual_ipaddress {
        2001:db8::100/64
    }
}
EOF
	chmod 0644 "$f"
	echo "$f"
}
CONF_A=$(conf a MASTER 150)
CONF_B=$(conf b BACKUP 100)
NOPREEMPT=
CONF_A_VIGIL=$CONF_A
if [[ ${SWITCHOVER:-} == nopreempt ]]; then
	# what the operator writes for a's vigild before starting it
	NOPREEMPT=1
	CONF_A_VIGIL=$(vigild_dir a)/vigil.conf
	sed -e 's/^    state MASTER$/    state BACKUP\n    nopreempt/' "$CONF_A" >"$CONF_A_VIGIL"
	chmod 0644 "$CONF_A_VIGIL"
fi

# logs: the tail of every daemon's log, as TAP diagnostics.
logs() {
	local n
	for n in a b; do
		[[ -r $(vigild_log "$n") ]] && diag_file "$(vigild_log "$n")" 15
		[[ -r $(keepalived_log "$n") ]] && diag_file "$(keepalived_log "$n")" 15
	done
}

# all_only_on NODE: every VIP on NODE alone (waits up to 15 s for each).
all_only_on() {
	local i
	for i in "${INSTS[@]}"; do
		wait_vip_only_on "$1" "${VIP[$i]}" 15 || return 1
	done
}

# ka_has NODE ERE: keepalived's log on NODE has such a line.
ka_has() { grep -Eq -- "$2" "$(keepalived_log "$1")" 2>/dev/null; }

# b_dump: one state dump of vigild on b, flattened into B_FLAT (vrrp_flat);
# b_val KEY: a value of it.
B_FLAT=
b_dump() {
	local f
	f=$(vrrp_dump b) && B_FLAT=$(vrrp_flat "$f")
}
b_val() { awk -v k="$1" '$1 == k { print $2 }' <<<"$B_FLAT"; }

# b_rx_clean: in the last dump, vigild on b dropped none of the adverts it
# received (no error counter).
b_rx_clean() {
	local bad
	bad=$(awk '($1 ~ /\.rx\./ || $1 ~ /^rx_unmatched\./) && $1 !~ /\.accepted$/ && $2 != 0' <<<"$B_FLAT")
	[[ -n $B_FLAT && -z $bad ]] && return 0
	diag "vigild's error counters on b:" "$bad"
	return 1
}

# ---- the sampler ------------------------------------------------------------
# sampler.py OUT NODE=NETNS...: every 10 ms, one RTM_GETADDR dump per node
# (sockets opened in each namespace once), and a line
#   S EPOCH HOLDERS_OF_VIP4 HOLDERS_OF_VIP6     (holders: a, b, a+b or -)
# and for every address event that adds or removes a VIP
#   E EPOCH NODE VIP add|del
# Runs until SIGTERM.
SAMPLES=$LAB_TMP/samples
MARKS=$LAB_TMP/marks
cat >"$LAB_TMP/sampler.py" <<'PY'
import ctypes, os, select, signal, socket, struct, sys, threading, time

out_path, vip4, vip6 = sys.argv[1:4]
nodes = [a.split("=", 1) for a in sys.argv[4:]]
vips = [(vip4, socket.inet_pton(socket.AF_INET, vip4)),
        (vip6, socket.inet_pton(socket.AF_INET6, vip6))]
CLONE_NEWNET = 0x40000000
RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR = 20, 21, 22
NLMSG_ERROR, NLMSG_DONE = 2, 3
GROUPS = 0x10 | 0x100          # RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR
libc = ctypes.CDLL(None, use_errno=True)

def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))

def nl_socket(groups):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((0, groups))
    return s

home = os.open("/proc/self/ns/net", os.O_RDONLY)
socks = []                     # (name, dump socket, event socket)
for name, ns in nodes:
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    setns(fd)
    os.close(fd)
    socks.append((name, nl_socket(0), nl_socket(GROUPS)))
setns(home)                    # back home: not a process of the lab

def messages(buf):
    off = 0
    while off + 16 <= len(buf):
        ln, typ = struct.unpack_from("=IH", buf, off)
        if ln < 16:
            break
        yield typ, buf[off + 16:off + ln]
        off += (ln + 3) & ~3

def addresses(p):
    """IFA_ADDRESS and IFA_LOCAL of an ifaddrmsg payload."""
    found, off = set(), 8
    while off + 4 <= len(p):
        rl, rt = struct.unpack_from("=HH", p, off)
        if rl < 4:
            break
        if rt in (1, 2):
            found.add(bytes(p[off + 4:off + rl]))
        off += (rl + 3) & ~3
    return found

seq = 0
def dump(s):
    global seq
    seq += 1
    s.send(struct.pack("=IHHII", 24, RTM_GETADDR, 0x301, seq, 0) + bytes(8))
    held = set()
    while True:
        for typ, p in messages(s.recv(1 << 16)):
            if typ == NLMSG_DONE:
                return held
            if typ == NLMSG_ERROR:
                raise OSError(-struct.unpack_from("=i", p)[0], "RTM_GETADDR")
            if typ == RTM_NEWADDR:
                held |= addresses(p)

out = open(out_path, "w", buffering=1)
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)

# The event sockets are bound before this first dump: no change is missed.
present = {}
for name, d, _ in socks:
    held = dump(d)
    for v, raw in vips:
        present[name, v] = raw in held

lock = threading.Lock()
def write(line):
    with lock:
        out.write(line)

def events(name, s):
    while True:
        try:
            buf = s.recv(1 << 16, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return
        except OSError as e:   # ENOBUFS: events were lost
            write("E %.6f %s - lost:%s\n" % (time.time(), name, e.errno))
            continue
        t = time.time()
        for typ, p in messages(buf):
            if typ not in (RTM_NEWADDR, RTM_DELADDR):
                continue
            have = addresses(p)
            for v, raw in vips:
                if raw in have and present[name, v] != (typ == RTM_NEWADDR):
                    present[name, v] = typ == RTM_NEWADDR
                    write("E %.6f %s %s %s\n" % (t, name, v,
                          "add" if typ == RTM_NEWADDR else "del"))

# Events are read as they come, by a thread of their own: a dump in
# progress does not delay them (their time is when they were read).
evs = {e.fileno(): (name, e) for name, _, e in socks}
def event_loop():
    while not stop:
        r, _, _ = select.select(list(evs), [], [], 0.1)
        for fd in r:
            events(*evs[fd])
reader = threading.Thread(target=event_loop, daemon=True)
reader.start()

tick = time.monotonic()
while not stop:
    t = time.time()
    holders = {v: [] for v, _ in vips}
    for name, d, _ in socks:
        held = dump(d)
        for v, raw in vips:
            if raw in held:
                holders[v].append(name)
    write("S %.6f %s\n" % (t, " ".join("+".join(holders[v]) or "-" for v, _ in vips)))
    tick += 0.010
    left = tick - time.monotonic()
    if left > 0:
        time.sleep(left)
    elif left < -0.010:
        tick = time.monotonic()      # late: no burst of catch-up samples
reader.join()
for fd, (name, e) in evs.items():
    events(name, e)
out.close()
PY

# analyse.py SAMPLES MARKS VIP4 VIP6: TAP diagnostics (lines starting with
# "#") and "KEY VALUE" results.  MARKS has "EPOCH KEY: what" lines, one per
# step (what comes before the first is left out); a run of samples (no holder, or two) belongs to the step it began in
# and lasts from the last sample before it to the first one after it (an
# upper bound: the truth is up to a sample spacing shorter).
cat >"$LAB_TMP/analyse.py" <<'PY'
import sys

samples_path, marks_path = sys.argv[1], sys.argv[2]
vips = sys.argv[3:]
samples, events, marks = [], [], []
for line in open(samples_path):
    f = line.split()
    if f and f[0] == "S" and len(f) == 2 + len(vips):
        samples.append((float(f[1]), f[2:]))
    elif f and f[0] == "E" and len(f) == 5:
        events.append((float(f[1]), f[2], f[3], f[4]))
for line in open(marks_path):
    t, what = line.rstrip("\n").split(" ", 1)
    marks.append((float(t.replace(",", ".")), what.split(":")[0].replace(" ", ""), what))
marks.sort()
# from the first step on
if marks:
    samples = [x for x in samples if x[0] >= marks[0][0]]
    events = sorted(x for x in events if x[0] >= marks[0][0])
t0 = samples[0][0] if samples else 0.0
steps = [(k, w) for _, k, w in marks if k != "end"]

def step_of(t):
    key = marks[0][1] if marks else "?"
    for mt, mk, _ in marks:
        if mt <= t:
            key = mk
    return key

def ms(x):
    return "%.0f ms" % (x * 1000) if x >= 0.0995 else "%.1f ms" % (x * 1000)

res = []
def put(k, v):
    res.append("%s %s" % (k, v))

lost = sum(1 for e in events if e[2] == "-")
spacing = max((b[0] - a[0] for a, b in zip(samples, samples[1:])), default=0.0)
put("samples", len(samples))
put("max_spacing", "%.6f" % spacing)
put("events_lost", lost)
print("# sampler: %d samples over %.1f s, largest spacing %s; %d address events"
      % (len(samples), samples[-1][0] - t0 if samples else 0, ms(spacing), len(events) - lost))

def runs(k, bad):
    """(start, duration, n) of each run of samples whose holders of VIP k
    satisfy bad(holders)."""
    out, before, start, n = [], None, None, 0
    for t, hs in samples:
        if bad(hs[k]):
            if start is None:
                start, n = t, 0
            n += 1
            continue
        if start is not None:
            out.append((start, t - (before if before is not None else start), n))
            start = None
        before = t
    if start is not None:
        out.append((start, samples[-1][0] - (before if before is not None else start), n))
    return out

for k, vip in enumerate(vips):
    gaps = runs(k, lambda h: h == "-")
    twos = runs(k, lambda h: "+" in h)
    # the handovers: the single holders in turn
    seq, hand = [], []
    for t, hs in samples:
        h = hs[k]
        if h == "-" or "+" in h:
            continue
        if seq and seq[-1] != h:
            hand.append((t, seq[-1], h))
        if not seq or seq[-1] != h:
            seq.append(h)
    put("seq_%d" % k, ">".join(seq) or "none")
    put("max_gap_%d" % k, "%.6f" % max((d for _, d, _ in gaps), default=0.0))

    # the address events: who holds it, as the kernel told (times as read)
    held = {n: n in samples[0][1][k].split("+") for n in ("a", "b")} if samples else {}
    ev_seq, ev_gaps, ev_twos = [], [], []
    zero_at = two_at = None
    for t, node, v, what in events:
        if v != vip:
            continue
        held[node] = what == "add"
        ev_seq.append("%s:%s" % (node, what))
        n = sum(held.values())
        if n == 0 and zero_at is None:
            zero_at = t
        elif n > 0 and zero_at is not None:
            ev_gaps.append((zero_at, t - zero_at))
            zero_at = None
        if n >= 2 and two_at is None:
            two_at = t
        elif n < 2 and two_at is not None:
            ev_twos.append((two_at, t - two_at))
            two_at = None
    put("ev_seq_%d" % k, ",".join(ev_seq) or "none")

    print("# %s: holders %s, %d handover(s)%s" % (
        vip, " -> ".join(seq), len(hand),
        "".join(" (%s->%s at +%.1f s)" % (a, b, t - t0) for t, a, b in hand)))
    for key, what in steps:
        g = [d for st, d, _ in gaps if step_of(st) == key]
        w = [(d, n) for st, d, n in twos if step_of(st) == key]
        eg = [d for st, d in ev_gaps if step_of(st) == key]
        ew = [d for st, d in ev_twos if step_of(st) == key]
        print("#   %-44s no holder: %s (samples), %s (events); two holders: %s (samples), %s (events)"
              % (what + ":",
                 ms(max(g)) if g else "never", ms(max(eg)) if eg else "never",
                 "%d sample(s), %s" % (sum(n for _, n in w), ms(max(d for d, _ in w))) if w else "never",
                 ms(max(ew)) if ew else "never"))
        put("gap_%d_%s" % (k, key), "%.6f" % max(g) if g else "0")
        put("doubles_%d_%s" % (k, key), sum(n for _, n in w))
        put("double_%d_%s" % (k, key), "%.6f" % max(d for d, _ in w) if w else "0")
        put("ev_doubles_%d_%s" % (k, key), len(ew))
for r in res:
    print(r)
PY

# sampler_start: start it in the background (it starts while the lab comes
# up; what it sees before the first mark is left out).  sampler_ready: wait
# for its first sample.
SAMPLER_PID=
sampler_start() {
	: >"$MARKS"
	python3 "$LAB_TMP/sampler.py" "$SAMPLES" "${VIP[VI_1]}" "${VIP[VI_6]}" \
		"a=$(lab_ns a)" "b=$(lab_ns b)" 2>"$LAB_TMP/sampler.err" &
	SAMPLER_PID=$!
	LAB_EXTRA_PIDS+=("$SAMPLER_PID")
}
sampler_ready() {
	wait_for 5 grep -qs '^S ' "$SAMPLES" && return 0
	diag_file "$LAB_TMP/sampler.err" 5
	return 1
}
sampler_stop() {
	kill -TERM "$SAMPLER_PID" 2>/dev/null
	wait_for 5 pid_dead "$SAMPLER_PID"
	wait "$SAMPLER_PID" 2>/dev/null
}
# mark LABEL: a step starts now (the sampler's clock is the same).
mark() { echo "$EPOCHREALTIME $1" >>"$MARKS"; }

# ---- checks of the steps ---------------------------------------------------

# vt_ok CONF: `vigild -t -f CONF` exits 0 and says "configuration OK".
vt_ok() {
	local out rc
	out=$("$VIGILD" -t -f "$1" 2>&1)
	rc=$?
	[[ $rc -eq 0 && $out == *"configuration OK"* ]] && return 0
	diag "vigild -t -f $1: exit $rc" "$out"
	return 1
}
confs_ok() { vt_ok "$CONF_A" && vt_ok "$CONF_B"; }

# ka_both NODE STATE: keepalived on NODE logged both instances entering STATE.
ka_both() { ka_has "$1" "\\(VI_1\\) Entering $2 STATE" && ka_has "$1" "\\(VI_6\\) Entering $2 STATE"; }

# vg_both NODE STATE REASON [SECONDS]: vigild on NODE logged both instances
# entering STATE for REASON (an ERE), waiting up to SECONDS (default 5).
vg_both() {
	local i
	for i in "${INSTS[@]}"; do
		log_wait "$1" "$(entering_re "$i" "$2") \\($3\\)" "${4:-5}" || return 1
	done
}

# ka_pair_steady: keepalived on b is BACKUP of both instances, never was
# MASTER, and the VIPs are on a alone.
ka_pair_steady() {
	ka_both b BACKUP && ! ka_has b "Entering MASTER STATE" && all_only_on a
}

# b_stopped_quietly: keepalived on b exited as a backup: no MASTER line,
# the VIPs on a.
b_stopped_quietly() {
	! ka_has b "Entering MASTER STATE" && pid_dead "${LAB_KA_JOB[b]}" && all_only_on a
}

# b_stays_backup INSTANCE: vigild on b accepted 5 adverts more than BASE
# (in the last dump), never went MASTER, and a holds the VIP alone.
declare -A BASE
heard5() {
	local i v
	b_dump || return 1
	for i in "${INSTS[@]}"; do
		v=$(b_val "$i.rx.accepted")
		((${v:-0} >= BASE[$i] + 5)) || return 1
	done
}
# A dump every half second is enough (an advert a second).
heard5_slowly() { heard5 || { sleep 0.4; return 1; }; }
b_stays_backup() {
	local n
	n=$(b_val "$1.rx.accepted")
	((${n:-0} >= BASE[$1] + 5)) && ! log_has b "$(entering_re "$1" MASTER)" &&
		vip_only_on a "${VIP[$1]}" && return 0
	diag "accepted adverts: ${BASE[$1]} -> ${n:-?}; holders: '$(vip_holders "${VIP[$1]}")'"
	return 1
}

# vigilctl against b's pid file, control socket and database.
ctl_b() {
	local d
	d=$(vigild_dir b)
	"$VIGILCTL" -p "$d/vigild.pid" -s "$d/vigil.sock" -d "$d/vigil.db" "$@"
}
# ctl_states: "NAME=STATE@MASTER ..." from `vigilctl --json instances` on b.
ctl_states() {
	ctl_b --json instances 2>/dev/null | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(" ".join("%s=%s@%s" % (i["name"], i["state"], i.get("master"))
               for i in sorted(j["instances"], key=lambda i: i["name"])))'
}
# ctl_backup: both BACKUP, and the master they name is a (its IPv4 address,
# and for VRRPv3 over IPv6 its link-local one, the adverts' source).
ctl_backup() {
	local ll
	ll=$(lab_exec a ip -6 -o addr show dev eth0 scope link | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
	[[ $(ctl_states) == "VI_1=BACKUP@192.0.2.11 VI_6=BACKUP@$ll" ]]
}

# states_settled M B: M is MASTER of both instances, B their BACKUP.
states_settled() {
	vrrp_has "$1" VI_1.state=MASTER VI_6.state=MASTER &&
		vrrp_has "$2" VI_1.state=BACKUP VI_6.state=BACKUP
}
vips_on() { vip_only_on "$1" "${VIP[VI_1]}" && vip_only_on "$1" "${VIP[VI_6]}"; }
# b_stays_master: vigild on b did not step down since it took over.
b_stays_master() { ! log_has b "Entering BACKUP STATE \\(higher priority advert\\)"; }
# a_stays_backup: vigild on a (nopreempt) came up BACKUP and, past its
# Master_Down_Interval (3.41 s), never became MASTER; the VIPs stay on b.
a_stays_backup() {
	vg_both a BACKUP startup || return 1
	sleep 4.5
	! log_has a "Entering MASTER STATE" && vips_on b && return 0
	diag "$(log_grep a "Entering")" "holders: VI_1 '$(vip_holders "${VIP[VI_1]}")', VI_6 '$(vip_holders "${VIP[VI_6]}")'"
	return 1
}

# no_errors: no error (or worse) line in either vigild's log; warnings are
# printed.
no_errors() {
	local n bad=0 f
	for n in a b; do
		f=$(vigild_log "$n")
		if grep -Eq -- "$ERROR_RE" "$f"; then
			diag "vigild's log on $n:" "$(grep -E -- "$ERROR_RE" "$f")"
			bad=1
		fi
		if grep -Eq -- "$WARNING_RE" "$f"; then
			diag "warnings (not failures) on $n:" "$(grep -E -- "$WARNING_RE" "$f")"
		fi
	done
	return $bad
}

tap_plan 25

# ---- 0. keepalived on both nodes -------------------------------------------
diag "step 0: keepalived on a (MASTER 150) and b (BACKUP 100)"
check "vigild -t accepts both nodes' keepalived.conf as they are" confs_ok

sampler_start
if ! lab_wait_dad a || ! lab_wait_dad b; then
	diag "IPv6 duplicate address detection not done"
fi
keepalived_start a "$CONF_A" || bail_out "keepalived did not start on a"
keepalived_start b "$CONF_B" || bail_out "keepalived did not start on b"
check "keepalived pair: every VIP on a alone" all_only_on a || logs
sleep 2 # two adverts of a: the pair runs as a user's does
check "keepalived on b is BACKUP and stays so (VI_1, VI_6)" ka_pair_steady || logs

sampler_ready || bail_out "the VIP sampler did not start"

# ---- 1. the backup first ---------------------------------------------------
diag "step 1: b: keepalived stopped, vigild started with the same keepalived.conf"
mark "step 1: b keepalived -> vigild"
keepalived_stop b || diag "keepalived on b did not stop"
check "keepalived on b stopped (SIGTERM): it logged no MASTER, the VIPs stay on a" \
	b_stopped_quietly || logs
vigild_start b "$CONF_B" || bail_out "vigild did not start on b"
check "vigild on b: VI_1 and VI_6 enter BACKUP at startup" vg_both b BACKUP startup || logs

# Through 5 adverts of keepalived on a per instance, b stays backup.
b_dump || diag "no state dump of vigild on b"
for i in "${INSTS[@]}"; do BASE[$i]=$(b_val "$i.rx.accepted"); done
wait_for 12 heard5_slowly || diag "b did not accept 5 adverts of each instance"
for i in "${INSTS[@]}"; do
	check "${WHAT[$i]}: vigild on b accepts keepalived's adverts and stays backup (VIP on a alone)" \
		b_stays_backup "$i" || logs
done
check "vigild on b dropped none of keepalived's adverts" b_rx_clean
if [[ -x $VIGILCTL ]]; then
	check "vigilctl instances on b: VI_1 and VI_6 BACKUP, keepalived on a their master" wait_for 5 ctl_backup ||
		diag "vigilctl says: $(ctl_states)"
else
	skip "vigilctl instances on b: VI_1 and VI_6 BACKUP, keepalived on a their master" "vigilctl is not built ($VIGILCTL)"
fi

# ---- 2. then the master ----------------------------------------------------
diag "step 2: a: keepalived stopped, vigild started with the same keepalived.conf"
mark "step 2a: a keepalived stopped (priority 0)"
keepalived_stop a || diag "keepalived on a did not stop"
check "keepalived on a stopped: vigild on b takes every VIP" all_only_on b || logs
check "vigild on b: VI_1 and VI_6 became MASTER on keepalived's priority-0 advert" \
	vg_both b MASTER "priority 0 advert" 1 || diag "$(log_grep b "Entering")"

if [[ -z $NOPREEMPT ]]; then
	mark "step 2b: a vigild started (preempts)"
	vigild_start a "$CONF_A_VIGIL" || bail_out "vigild did not start on a"
	a_preempts() { all_only_on a && vg_both a MASTER "preempting a lower priority master"; }
	check "vigild on a (150) preempts: every VIP back on a alone, and its log says it preempted" a_preempts || logs
	check "vigild on b: VI_1 and VI_6 back to BACKUP on a's higher priority advert" \
		vg_both b BACKUP "higher priority advert" || diag "$(log_grep b "Entering")"
	END_MASTER=a END_BACKUP=b
else
	mark "step 2b: a vigild started (nopreempt)"
	vigild_start a "$CONF_A_VIGIL" || bail_out "vigild did not start on a"
	check "vigild on a (state BACKUP, nopreempt): BACKUP, past its Master_Down_Interval; every VIP stays on b" \
		a_stays_backup || logs
	check "vigild on b: VI_1 and VI_6 stay MASTER" b_stays_master ||
		diag "$(log_grep b "Entering")"
	END_MASTER=b END_BACKUP=a
fi

# ---- 3. vigild on both nodes -----------------------------------------------
mark "step 3: both vigild"
sleep 3 # three adverts of the master: nothing moves any more
check "both vigild: $END_MASTER MASTER, $END_BACKUP BACKUP of VI_1 and VI_6" states_settled $END_MASTER $END_BACKUP
check "both vigild: each VIP on exactly one node, $END_MASTER" vips_on $END_MASTER ||
	diag "holders: VI_1 '$(vip_holders "${VIP[VI_1]}")', VI_6 '$(vip_holders "${VIP[VI_6]}")'"
check "both vigild logs are free of errors" no_errors
mark "end"
sampler_stop

# ---- what the sampler saw --------------------------------------------------
analysis=$(python3 "$LAB_TMP/analyse.py" "$SAMPLES" "$MARKS" "${VIP[VI_1]}" "${VIP[VI_6]}" 2>&1)
grep '^#' <<<"$analysis"
res() { awk -v k="$1" '$1 == k { print $2 }' <<<"$analysis"; }
# lt X Y: the number X is below Y.
lt() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x != "" && x + 0 < y + 0) }'; }
in_ms() { awk -v x="$1" 'BEGIN { printf "%.0f ms", x * 1000 }'; }
# twos_seen K: the samples of step 2b with two holders of VIP K, in words.
twos_seen() {
	local n
	n=$(res "doubles_$1_step2b")
	if [[ ${n:-0} == 0 ]]; then
		echo "none seen"
	else
		echo "seen in $n sample(s), at most $(in_ms "$(res "double_$1_step2b")")"
	fi
}

sampler_ok() {
	local n
	n=$(res samples)
	((${n:-0} > 1000)) && lt "$(res max_spacing)" 0.5 && [[ $(res events_lost) == 0 ]]
}
# steady K: no sample with two holders of VIP K in steps 1, 2a and 3.
steady() {
	local s n=0
	for s in step1 step2a step3; do
		n=$((n + $(res "doubles_$1_$s")))
	done
	((n == 0))
}
# moves_ok K: VIP K went a -> b -> a (nopreempt: a -> b) in the samples and
# in the address events.
moves_ok() {
	if [[ -n $NOPREEMPT ]]; then
		[[ $(res "seq_$1") == "a>b" && $(res "ev_seq_$1") == "a:del,b:add" ]]
	else
		[[ $(res "seq_$1") == "a>b>a" &&
			$(res "ev_seq_$1") =~ ^a:del,b:add,(a:add,b:del|b:del,a:add)$ ]]
	fi
}
# never_two K: no sample and no address event with two holders of VIP K,
# at any step.
never_two() {
	local s n=0
	for s in step1 step2a step2b step3; do
		n=$((n + $(res "doubles_$1_$s") + $(res "ev_doubles_$1_$s")))
	done
	((n == 0))
}

check "the sampler ran throughout: $(res samples) samples, none more than 500 ms apart, no event lost" \
	sampler_ok || { diag "$analysis"; diag_file "$LAB_TMP/sampler.err" 5; }
k=0
for i in "${INSTS[@]}"; do
	check "${WHAT[$i]}: no sample with two holders of ${VIP[$i]} in the mixed pair, at keepalived's priority-0 handover, with both vigild (steps 1, 2a, 3)" \
		steady $k || diag "$(grep -E '^S .*\+' "$SAMPLES" | head -n 5)"
	if [[ -z $NOPREEMPT ]]; then
		check "${WHAT[$i]}: at a's preemption (step 2b), two holders of ${VIP[$i]} for less than advert_int: b steps down on a's first advert ($(twos_seen $k))" \
			lt "$(res "double_${k}_step2b")" 1
	else
		check "${WHAT[$i]}: never two holders of ${VIP[$i]}, in no sample and no address event, at any step" \
			never_two $k || diag "$(grep -E '^[SE] ' "$SAMPLES" | grep -E '\+' | head -n 5)"
	fi
	check "${WHAT[$i]}: ${VIP[$i]} never without a holder for the failover time (longest: $(in_ms "$(res "max_gap_$k")"); bound $FAILOVER s)" \
		lt "$(res "max_gap_$k")" "$FAILOVER"
	check "${WHAT[$i]}: ${VIP[$i]} went $([[ -n $NOPREEMPT ]] && echo "a -> b" || echo "a -> b -> a"), no other handover (samples: $(res "seq_$k"); address events: $(res "ev_seq_$k"))" \
		moves_ok $k
	k=$((k + 1))
done

tap_done
