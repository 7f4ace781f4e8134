#!/usr/bin/env python3
"""bench/snmp_report.py RESULTS.jsonl - the tables of bench/snmp.

RESULTS holds one JSON object a line, written by bench/snmp:
  kind=start  impl, where, instances, real_servers, t_registered,
              t_instances, t_virtual_servers, t_real_servers (seconds after
              the daemon's start), rows_*, checker, rss_* (KiB), why
  kind=walk   impl, where, instances, real_servers, subtree, tool, times
              ("s,s,s"), varbinds (of the last walk), status (0, 124 timeout),
              rows, columns (of a table's last walk: distinct indexes and
              column numbers), cpu_agent, cpu_snmpd (CPU seconds per walk
              of the subagent's process and of snmpd), load (1 min, after)
              t_begin, t_end (epoch seconds: the walks of this line)
  kind=rss    impl, where, instances, real_servers, rss_* after the walks
  kind=host   t, load, qemu, other: with --where vm, a sample of the host
              every 5 s: 1-minute load, CPU percent (of one core) of qemu
              and of every other process over the last 5 s
Standard library only.
"""

import json
import math
import statistics
import sys


def load(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                out.append(json.loads(line))
    return out


def fmt_s(v):
    if v is None or v == "":
        return "-"
    return "%.1f" % float(v)


def rss_text(r):
    parts = []
    for w in ("parent", "vrrp", "check", "mgmt"):
        v = r.get("rss_" + w)
        if v:
            parts.append("%s %.1f" % (w, v / 1024.0))
    tot = sum(r.get("rss_" + w, 0) or 0 for w in ("parent", "vrrp", "check", "mgmt"))
    if not parts:
        return "-"
    return "%.1f (%s)" % (tot / 1024.0, ", ".join(parts))


def size_key(r):
    """instances, real servers, virtual servers (100 real servers each
    unless the line says otherwise)."""
    return (r["instances"], r["real_servers"], r.get("virtual_servers", max(1, r["real_servers"] // 100)))


def size_text(r):
    return "%d/%d/%d" % size_key(r)


def times_of(r):
    t = str(r.get("times", ""))
    return [float(x) for x in t.split(",") if x]


def main():
    rows = load(sys.argv[1])
    starts = [r for r in rows if r["kind"] == "start"]
    walks = [r for r in rows if r["kind"] == "walk"]
    host = sorted((r for r in rows if r["kind"] == "host"), key=lambda r: r["t"])

    def host_during(r):
        """The host's mean CPU of qemu / of the rest during a walk line."""
        if not host or "t_begin" not in r:
            return None
        a, b = float(r["t_begin"]), float(r["t_end"])
        s = [h for h in host if a <= h["t"] <= b + 5]
        if not s:
            return None
        return (sum(h["qemu"] for h in s) / len(s), sum(h["other"] for h in s) / len(s))
    rsss = {(r["impl"], r["where"], size_key(r)): r for r in rows if r["kind"] == "rss"}
    notes = []

    print("Sizes: instances/real servers/virtual servers.")
    print()
    print("Startup: seconds from the daemon's start until version.0 answers (registered) and")
    print("until every instance / virtual server / real server is in its table, and until every")
    print("instance's VIP is up (all MASTER; the walks start %s s later); RSS in MiB (VmRSS)." % "6")
    hdr = "%-10s %-12s %-10s %-10s %-10s %-10s %-10s %-8s %s" % (
        "where", "size", "impl", "registered", "instances", "v.servers", "r.servers", "VIPs up", "RSS at complete | after the walks")
    print(hdr)
    print("-" * len(hdr))
    for r in starts:
        size = size_text(r)
        key = (r["impl"], r["where"], size_key(r))
        if "t_registered" not in r:
            print("%-10s %-12s %-10s not measured: %s" % (
                r["where"][:10], size, r["impl"], r.get("why", "?")))
            continue

        def t(k, rows_k, want):
            if r.get(k) is not None:
                return fmt_s(r[k])
            return "%d/%d" % (r.get(rows_k, 0), want)

        print("%-10s %-12s %-10s %-10s %-10s %-10s %-10s %-8s %s | %s" % (
            r["where"][:10], size, r["impl"], fmt_s(r["t_registered"]),
            t("t_instances", "rows_instances", r["instances"]),
            t("t_virtual_servers", "rows_virtual_servers", size_key(r)[2]),
            t("t_real_servers", "rows_real_servers", r["real_servers"]),
            fmt_s(r.get("t_vips")), rss_text(r), rss_text(rsss.get(key, {}))))
        if r.get("why"):
            notes.append("%s %s, %s: %s" % (r["impl"], size, r["where"], r["why"]))
    print()

    print("Walks: varbinds returned, median wall time of the walks (min-max, number of walks),")
    print("varbinds/s = varbinds / median.  bulk = snmpbulkwalk -Cr50, getnext = snmpwalk.")
    print("CPU: seconds per walk (mean) of the subagent (vigild's mgmt process, keepalived's")
    print("vrrp process for its VRRP tables, check process for the LVS tables) / of snmpd;")
    print("load: 1-minute load average after the walks.")
    if host:
        print("host qemu/other: in the VM, the host's CPU (percent of one core) of qemu and of")
        print("everything else during the walks (the guest's speed under TCG is the host's).")
    hdr = "%-10s %-12s %-10s %-18s %-7s %9s %-11s %-26s %10s %-13s %5s" % (
        "where", "size", "impl", "sub-tree", "tool", "varbinds", "rows x cols", "time s (min-max, n)",
        "varbinds/s", " CPU agt/snmpd", "load")
    if host:
        hdr += "  host qemu/other"
    print(hdr)
    print("-" * len(hdr))
    med = {}
    cut = {}  # walks cut by --walk-timeout: (varbinds so far, seconds)
    for r in walks:
        size = size_text(r)
        ts = times_of(r)
        st = r.get("status", 0)
        m = statistics.median(ts) if ts else None
        if st == 124:
            tt = ">%s (timed out)" % (fmt_s(ts[-1]) if ts else "?")
            rate = "%.0f+" % (r["varbinds"] / ts[-1]) if ts and ts[-1] else "-"
            if ts and ts[-1] and r["varbinds"]:
                cut[(r["where"], r["impl"], r["subtree"], r["tool"],
                     size_key(r))] = (r["varbinds"], ts[-1])
        elif st not in (0, "0"):
            # e.g. "Timeout: No Response": one request took over -t 30
            tt = "failed after %s s (exit %s)" % (fmt_s(ts[-1]) if ts else "?", st)
            rate = "-"
            if ts and ts[-1] and r["varbinds"]:
                rate = "%.0f+" % (r["varbinds"] / ts[-1])
                cut[(r["where"], r["impl"], r["subtree"], r["tool"], size_key(r))] = (r["varbinds"], ts[-1])
            if r.get("error"):
                notes.append("%s %s %s %s: the walk stopped after %d varbinds: %s" % (
                    r["impl"], size_text(r), r["subtree"], r["tool"], r["varbinds"], r["error"]))
        elif not r["varbinds"]:
            tt = "%.3f (empty: not served)" % m
            rate = "-"
        else:
            tt = "%.3f (%.3f-%.3f, %d)" % (m, min(ts), max(ts), len(ts))
            rate = "%.0f" % (r["varbinds"] / m) if m else "-"
            med[(r["where"], r["impl"], r["subtree"], r["tool"],
                 size_key(r))] = (r["varbinds"], m)
        shape = "%d x %d" % (r["rows"], r["columns"]) if "rows" in r and r["varbinds"] else "-"
        cpu = "-"
        if r.get("cpu_agent") is not None and r["varbinds"]:
            cpu = "%.2f/%.2f" % (float(r["cpu_agent"]), float(r.get("cpu_snmpd", 0)))
        line = "%-10s %-12s %-10s %-18s %-7s %9d %-11s %-26s %10s  %-12s %5s" % (
            r["where"][:10], size, r["impl"], r["subtree"], r["tool"], r["varbinds"], shape, tt, rate,
            cpu, r.get("load", "-"))
        hd = host_during(r)
        if hd:
            line += "  %4.0f/%-4.0f" % hd
        print(line)
    print()

    # Side by side: the same sub-tree, tool and size walked through each
    # daemon.  The daemons need not serve the same columns (keepalived
    # leaves out a column with no value, e.g. a script not configured), so
    # the speed ratio is of varbinds/s, and of the time as well.
    # The whole MIB only when both served the LVS tables (keepalived
    # without IPVS serves the VRRP part only).
    no_lvs = {(r["where"], r["impl"], size_key(r)) for r in starts
              if "t_registered" in r and not r.get("checker", 1)}
    pairs = []
    for (where, impl, sub, tool, n), (v, t) in sorted(med.items()):
        if impl != "vigild":
            continue
        if sub == "KEEPALIVED-MIB" and ((where, "keepalived", n) in no_lvs or (where, impl, n) in no_lvs):
            continue
        key = (where, "keepalived", sub, tool, n)
        o = med.get(key)
        more = ""
        if not o and key in cut:
            # keepalived's walk was cut: its time is a lower bound; its
            # varbinds/s is of the part walked.
            o, more = cut[key], ">"
        if not o or not t or not o[1]:
            continue
        pairs.append("%-10s %-12s %-18s %-7s %9d %8.3f %9.0f %9d %8s %9.0f %8sx %8sx" % (
            where[:10], "%d/%d/%d" % n, sub, tool, v, t, v / t, o[0], more + "%.3f" % o[1], o[0] / o[1],
            more + "%.2f" % ((v / t) / (o[0] / o[1])), more + "%.2f" % (o[1] / t)))
    if pairs:
        print("vigild beside keepalived (sub-trees both serve): medians; 'rate x' = vigild's")
        print("varbinds/s over keepalived's, 'time x' = keepalived's time over vigild's (above 1:")
        print("vigild faster); '>': keepalived's walk was cut (by --walk-timeout, or a request that")
        print("timed out, see the notes): its varbinds are")
        print("those it returned by then, 'time x' is a lower bound, 'rate x' is against the part")
        print("walked.")
        hdr = "%-10s %-12s %-18s %-7s %9s %8s %9s %9s %8s %9s %9s %9s" % (
            "where", "size", "sub-tree", "tool", "v.vbinds", "v.time", "v.vb/s",
            "k.vbinds", "k.time", "k.vb/s", "rate x", "time x")
        print(hdr)
        print("-" * len(hdr))
        for l in pairs:
            print(l)
        print()

    # Growth: between the smallest and the largest size measured, the
    # exponent k in time ~ varbinds^k (1: linear, 2: quadratic).
    # Sizes grow within a layout: so many real servers per virtual
    # server, or all of them in one.
    groups = {}
    for (where, impl, sub, tool, n), v in med.items():
        layout = "1 vs" if n[2] == 1 else "%d/vs" % (n[1] // n[2])
        groups.setdefault((where, impl, sub, tool, layout), []).append((n, v))
    lines = []
    for key, lst in sorted(groups.items()):
        lst.sort()
        if len(lst) < 2:
            continue
        (n0, (v0, t0)), (n1, (v1, t1)) = lst[0], lst[-1]
        if not v0 or not v1 or v1 == v0 or not t0 or not t1:
            continue
        k = math.log(t1 / t0) / math.log(v1 / v0)
        per = " -> ".join("%.0f" % (v / t) for _, (v, t) in lst)
        # k from each size to the next
        steps = []
        for (_, (va, ta)), (_, (vb, tb)) in zip(lst, lst[1:]):
            if va and vb and va != vb and ta and tb:
                steps.append("%.2f" % (math.log(tb / ta) / math.log(vb / va)))
        lines.append("%-10s %-10s %-18s %-7s %-7s %6.1fx %7.1fx %5.2f %-12s %s" % (
            key[0][:10], key[1], key[2], key[3], key[4], v1 / v0, t1 / t0, k, ",".join(steps) or "-", per))
    if lines:
        print("Growth from the smallest to the largest size: varbinds x, time x, and k in")
        print("time ~ varbinds^k (about 1: linear; about 2: quadratic), overall and from each")
        print("size to the next; varbinds/s at each size.  Walks cut by --walk-timeout are left out.")
        hdr = "%-10s %-10s %-18s %-7s %-7s %7s %8s %5s %-12s %s" % (
            "where", "impl", "sub-tree", "tool", "r.s/v.s", "vbinds", "time", "k", "k by step", "varbinds/s by size")
        print(hdr)
        print("-" * len(hdr))
        for l in lines:
            print(l)
        print()
    if notes:
        print("Notes:")
        for n in notes:
            print("  " + n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
