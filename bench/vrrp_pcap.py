#!/usr/bin/env python3
"""vrrp_pcap.py - read the benchmarks' packet captures; print their tables.

Standard library only.  Reads classic pcap files (micro- or nanosecond time
stamps; Ethernet, Linux cooked v1 or v2 link types) and keeps what VRRP
benchmarks need: IPv4 VRRP adverts (version, VRID, priority, interval) and
ARP packets (gratuitous ARP for a VIP).

  vrrp_pcap.py failover TRIALS PCAP...
      TRIALS: one line per trial, tab-separated:
        impl version adv_int mode trial t_start_ns master_ip backup_ip
        backup_mac vip vrid
      mode is "stop" (SIGTERM: the master sends priority 0) or "kill" (the
      master dies silently).  Prints one table line per
      implementation / version / interval / mode.

  vrrp_pcap.py scale --impl NAME --adv-int S --out RESULTS [--skip S]
                     [--key=value ...] PCAP...
      Advert-interval jitter per (source, VRID): appends one JSON record
      (with any --key=value extras, e.g. cpu and rss) to RESULTS.

  vrrp_pcap.py scale-report RESULTS
      The side-by-side table of the records in RESULTS.
"""

import json
import statistics
import struct
import sys

# ---------------------------------------------------------------- pcap ----

LINKTYPE_ETHERNET = 1
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276


class Pkt:
    __slots__ = ("ts", "kind", "src", "vrid", "prio", "ver", "intvl",
                 "mac", "spa", "tpa", "ifc")

    def __init__(self, ts, kind):
        self.ts = ts            # integer nanoseconds since the epoch
        self.kind = kind        # "vrrp" or "arp"
        self.src = self.vrid = self.prio = self.ver = self.intvl = None
        self.mac = self.spa = self.tpa = None
        self.ifc = None


def _ip4(b):
    return "%d.%d.%d.%d" % (b[0], b[1], b[2], b[3])


def _mac(b):
    return ":".join("%02x" % x for x in b)


def read_pcap(path, ifc=None):
    """Yield the VRRP (IPv4) and ARP packets of one pcap file, in order."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        endian = "<"
    else:
        magic = struct.unpack_from(">I", data, 0)[0]
        endian = ">"
    if magic == 0xA1B23C4D:
        frac = 1
    elif magic == 0xA1B2C3D4:
        frac = 1000
    else:
        raise SystemExit("%s: not a pcap file (pcapng is not read here)" % path)
    linktype = struct.unpack_from(endian + "I", data, 20)[0] & 0x0FFFFFFF
    rec = struct.Struct(endian + "IIII")
    off = 24
    n = len(data)
    while off + 16 <= n:
        sec, sub, incl, _orig = rec.unpack_from(data, off)
        off += 16
        frame = data[off:off + incl]
        off += incl
        ts = sec * 1000000000 + sub * frac
        mac = None
        if linktype == LINKTYPE_ETHERNET:
            if len(frame) < 14:
                continue
            mac = frame[6:12]
            etype = struct.unpack_from(">H", frame, 12)[0]
            l3 = 14
        elif linktype == LINKTYPE_LINUX_SLL:
            if len(frame) < 16:
                continue
            mac = frame[6:12]
            etype = struct.unpack_from(">H", frame, 14)[0]
            l3 = 16
        elif linktype == LINKTYPE_LINUX_SLL2:
            if len(frame) < 20:
                continue
            etype = struct.unpack_from(">H", frame, 0)[0]
            mac = frame[12:18]
            l3 = 20
        else:
            raise SystemExit("%s: link type %d is not read here" % (path, linktype))
        if etype == 0x0800:
            ip = frame[l3:]
            if len(ip) < 20 or ip[9] != 112:
                continue
            ihl = (ip[0] & 0x0F) * 4
            v = ip[ihl:]
            if len(v) < 8:
                continue
            p = Pkt(ts, "vrrp")
            p.src = _ip4(ip[12:16])
            p.ver = v[0] >> 4
            p.vrid = v[1]
            p.prio = v[2]
            if p.ver == 3:
                p.intvl = (struct.unpack_from(">H", v, 4)[0] & 0x0FFF) / 100.0
            else:
                p.intvl = float(v[5])
            p.mac = _mac(mac) if mac else None
            p.ifc = ifc
            yield p
        elif etype == 0x0806:
            a = frame[l3:]
            if len(a) < 28:
                continue
            p = Pkt(ts, "arp")
            p.mac = _mac(a[8:14])      # sender hardware address
            p.spa = _ip4(a[14:18])
            p.tpa = _ip4(a[24:28])
            p.ifc = ifc
            yield p


def read_all(paths):
    pkts = []
    for path in paths:
        pkts.extend(read_pcap(path, ifc=path))
    pkts.sort(key=lambda p: p.ts)
    return pkts


# ------------------------------------------------------------ failover ----

def theory_ms(adv_int, mode, prio=100):
    skew = (256 - prio) * adv_int / 256.0
    return 1000.0 * (skew if mode == "stop" else 3 * adv_int + skew)


def fmt(x, w=8, signed=False):
    if x is None:
        return "-".rjust(w)
    return (("%+.3f" if signed else "%.3f") % x).rjust(w)


def failover(argv):
    if len(argv) < 2:
        raise SystemExit("usage: vrrp_pcap.py failover TRIALS PCAP...")
    trials = []
    with open(argv[0]) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            (impl, ver, adv, mode, trial, t0, mip, bip, bmac, vip,
             vrid) = line.split("\t")
            trials.append(dict(impl=impl, ver=int(ver), adv=float(adv), mode=mode,
                               trial=int(trial), t0=int(t0), mip=mip, bip=bip,
                               bmac=bmac.lower(), vip=vip, vrid=int(vrid)))
    trials.sort(key=lambda t: t["t0"])
    pkts = read_all(argv[1:])
    ts = [p.ts for p in pkts]

    import bisect

    notes = []
    groups = {}
    order = []
    for i, t in enumerate(trials):
        end = trials[i + 1]["t0"] if i + 1 < len(trials) else float("inf")
        lo = bisect.bisect_left(ts, t["t0"])
        hi = bisect.bisect_left(ts, end) if end != float("inf") else len(pkts)
        win = pkts[lo:hi]
        tag = "%s v%d %gs %s #%d" % (t["impl"], t["ver"], t["adv"], t["mode"], t["trial"])
        key = (t["impl"], t["ver"], t["adv"], t["mode"])
        if key not in groups:
            groups[key] = []
            order.append(key)
        # Was the backup already master when the trial began?  A master
        # advertises every adv_int: look 1.5 intervals back.
        blo = bisect.bisect_left(ts, t["t0"] - int(1.5 * t["adv"] * 1e9))
        early = [p for p in pkts[blo:lo] if p.kind == "vrrp" and p.vrid == t["vrid"]
                 and p.src == t["bip"] and p.prio > 0]
        if early:
            notes.append("%s: not counted: the backup was already master when the trial began"
                         " (it advertised %.3f ms before; the master had stalled past"
                         " Master_Down_Interval)" % (tag, (t["t0"] - early[-1].ts) / 1e6))
            groups[key].append((None, None))
            continue
        first_b = None
        for p in win:
            if p.kind == "vrrp" and p.vrid == t["vrid"] and p.src == t["bip"] and p.prio > 0:
                first_b = p
                break
        start = None
        if t["mode"] == "stop":
            for p in win:
                if p.kind == "vrrp" and p.vrid == t["vrid"] and p.src == t["mip"] and p.prio == 0:
                    start = p
                    break
            if start is None:
                notes.append("%s: no priority-0 advert from the master in the capture" % tag)
        else:
            # The master's last advert before the backup's first: search
            # back from the backup's first advert (it may lie before t0).
            j = (lo + win.index(first_b)) if first_b else hi
            for k in range(j - 1, -1, -1):
                p = pkts[k]
                if p.kind == "vrrp" and p.vrid == t["vrid"] and p.src == t["mip"]:
                    start = p
                    break
            if start is not None and start.prio == 0:
                notes.append("%s: the killed master sent priority 0 (not a silent failure)" % tag)
        if first_b is not None and start is not None and first_b.ts < start.ts:
            notes.append("%s: not counted: the backup advertised %.3f ms before the master's"
                         " priority-0 advert" % (tag, (start.ts - first_b.ts) / 1e6))
            groups[key].append((None, None))
            continue
        if first_b is None:
            notes.append("%s: no advert from the backup after the master left" % tag)
        garp = None
        if start is not None:
            for p in win:
                if (p.kind == "arp" and p.ts >= start.ts and p.spa == t["vip"]
                        and p.mac == t["bmac"]):
                    garp = p
                    break
            if garp is None:
                notes.append("%s: no gratuitous ARP for %s from the new master" % (tag, t["vip"]))
        d_adv = (first_b.ts - start.ts) / 1e6 if first_b and start else None
        d_garp = (garp.ts - first_b.ts) / 1e6 if garp and first_b else None
        groups[key].append((d_adv, d_garp))

    hdr1 = ("%-10s %-4s %7s %-5s %2s %9s | %-37s %8s | %-26s" %
            ("", "", "advert", "", "", "theory", "new master's first advert (ms)",
             "median", "its first GARP after it (ms)"))
    hdr2 = ("%-10s %-4s %7s %-5s %2s %9s | %8s %8s %8s %10s %8s | %8s %8s %8s" %
            ("impl", "vrrp", "int (s)", "fail", "n", "(ms)", "median", "min", "max",
             "-theory", "target", "median", "min", "max"))
    print(hdr1)
    print(hdr2)
    print("-" * len(hdr2))
    prev = None
    for key in order:
        impl, ver, adv, mode = key
        rows = groups[key]
        adv_d = [a for a, _ in rows if a is not None]
        garp_d = [g for _, g in rows if g is not None]
        th = theory_ms(adv, mode)
        med = statistics.median(adv_d) if adv_d else None
        gmed = statistics.median(garp_d) if garp_d else None
        if med is None:
            target = "-"
        else:
            ok = abs(med - th) <= 0.5 and gmed is not None and gmed <= 1.0
            target = "met" if ok else "missed"
        if prev is not None and prev[1:3] != key[1:3]:
            print()
        prev = key
        print("%-10s %-4s %7g %-5s %2d %9.3f | %s %s %s %s %8s | %s %s %s" % (
            impl, "v%d" % ver, adv, mode, len(adv_d), th,
            fmt(med), fmt(min(adv_d) if adv_d else None), fmt(max(adv_d) if adv_d else None),
            fmt(None if med is None else med - th, 10, True), target,
            fmt(gmed), fmt(min(garp_d) if garp_d else None),
            fmt(max(garp_d) if garp_d else None)))
    print()
    print("stop: SIGTERM to the master; from its priority-0 advert to the backup's first advert;"
          " theory Skew_Time = (256-100)/256 * adver_int.")
    print("kill: SIGKILL to the master's process group; from its last advert to the backup's"
          " first advert; theory Master_Down_Interval = 3 * adver_int + Skew_Time.")
    print("target (issue #3): median within 0.5 ms of theory and first GARP within 1 ms of the"
          " first advert (median).")
    for n in notes:
        print("note: " + n)
    return 0


# --------------------------------------------------------------- scale ----

def pct(sorted_vals, q):
    if not sorted_vals:
        return None
    k = min(len(sorted_vals) - 1, max(0, int(round(q * (len(sorted_vals) - 1)))))
    return sorted_vals[k]


def scale(argv):
    opts = {}
    extra = {}
    paths = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--impl", "--adv-int", "--out", "--skip"):
            opts[a[2:]] = argv[i + 1]
            i += 2
            continue
        if a.startswith("--") and "=" in a:
            k, v = a[2:].split("=", 1)
            extra[k] = v
        else:
            paths.append(a)
        i += 1
    adv = float(opts.get("adv-int", "0.1"))
    skip = float(opts.get("skip", "0")) * 1e9
    pkts = [p for p in read_all(paths) if p.kind == "vrrp" and p.prio > 0]
    rec = dict(impl=opts.get("impl", "?"), adv_int=adv, **extra)
    if not pkts:
        rec.update(adverts=0)
    else:
        # The window every capture covers (a batched capture stopped by a
        # signal may lose its last frames, not the same number per link).
        first, last = {}, {}
        for p in pkts:
            first.setdefault(p.ifc, p.ts)
            last[p.ifc] = p.ts
        t_lo = max(first.values()) + skip
        t_hi = min(last.values())
        series = {}
        for p in pkts:
            if t_lo <= p.ts <= t_hi:
                series.setdefault((p.ifc, p.src, p.vrid), []).append(p.ts)
        jit = []
        signed = []
        late = 0
        for s in series.values():
            for a, b in zip(s, s[1:]):
                d = (b - a) / 1e6 - adv * 1000.0
                signed.append(d)
                jit.append(abs(d))
                if d > adv * 1000.0 * 0.5:
                    late += 1
        jit.sort()
        dur = (t_hi - t_lo) / 1e9
        n = sum(len(s) for s in series.values())
        # Each series' own rate (intervals over its span), summed: no edge
        # effect from where the window cuts the series.
        rate = sum((len(s) - 1) * 1e9 / (s[-1] - s[0]) for s in series.values() if len(s) > 1)
        rec.update(adverts=n, seconds=round(dur, 3), rate=round(rate, 1),
                   instances=len(series), intervals=len(jit),
                   mean=statistics.fmean(signed) if signed else None,
                   p50=pct(jit, 0.50), p99=pct(jit, 0.99), max=jit[-1] if jit else None,
                   late=late)
    with open(opts["out"], "a") as f:
        f.write(json.dumps(rec) + "\n")
    return 0


def scale_report(argv):
    recs = []
    with open(argv[0]) as f:
        for line in f:
            if line.strip():
                recs.append(json.loads(line))
    rows = [
        ("instances up (VIPs present)", "up", "%s"),
        ("instances seen in capture", "instances", "%s"),
        ("adverts captured", "adverts", "%s"),
        ("capture window (s)", "seconds", "%.1f"),
        ("adverts/s (expected %s)", "rate", "%.0f"),
        ("vrrp process CPU (% of a core)", "cpu_vrrp", "%.1f"),
        ("all processes CPU (% of a core)", "cpu_all", "%.1f"),
        ("vrrp process VmRSS (KiB)", "rss_vrrp", "%s"),
        ("all processes VmRSS sum (KiB)", "rss_all", "%s"),
        ("mean interval - advert_int (ms)", "mean", "%+.3f"),
        ("|jitter| p50 (ms)", "p50", "%.3f"),
        ("|jitter| p99 (ms)", "p99", "%.3f"),
        ("|jitter| max (ms)", "max", "%.3f"),
        ("intervals > 1.5 x advert_int", "late", "%s"),
        ("load average (1 min) at end", "load", "%s"),
    ]
    expected = ""
    if recs:
        try:
            expected = "%.0f" % (float(recs[0].get("expected_rate", 0)))
        except ValueError:
            expected = "?"
    w = max(len(r[0]) for r in rows) + 2
    print("%-*s" % (w, "") + "".join("%16s" % r["impl"] for r in recs))
    print("-" * (w + 16 * len(recs)))
    for label, key, f in rows:
        if "%s" in label and key == "rate":
            label = label % expected
        cells = []
        for r in recs:
            v = r.get(key)
            if v is None or v == "":
                cells.append("%16s" % "-")
                continue
            try:
                cells.append("%16s" % (f % (float(v) if f != "%s" else v)))
            except (TypeError, ValueError):
                cells.append("%16s" % v)
        print("%-*s" % (w, label) + "".join(cells))
    for r in recs:
        if r.get("why"):
            print("note: %s: %s" % (r["impl"], r["why"]))
    return 0


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    cmd, rest = argv[1], argv[2:]
    if cmd == "failover":
        return failover(rest)
    if cmd == "scale":
        return scale(rest)
    if cmd == "scale-report":
        return scale_report(rest)
    raise SystemExit("unknown command %s" % cmd)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
