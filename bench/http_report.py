#!/usr/bin/env python3
"""http_report.py - the table of bench/http (standard library only).

  http_report.py WINDOWS PCAP --master ADDR [--json OUT]

WINDOWS: one line per measurement window, tab-separated:
  name path mode rate connections t0_ns t1_ns wrk_json cpu_mgmt cpu_vrrp
  cpu_check host_busy load_start load_end vrrp_rq_wait_ns
mode is "idle" (no HTTP load), "max" (wrk as fast as it goes) or "paced"
(wrk with a delay per connection, about `rate` requests/s); wrk_json is the
file bench/http_wrk.lua's done() wrote ("-" for idle windows).  CPU figures
are in % of one core over the window; host_busy in % of all cores.

PCAP: the capture of the master's VRRP adverts (bench/lib.sh cap_start,
nanosecond time stamps), read with bench/vrrp_pcap.py.  For each window,
per VRID, every interval between two consecutive adverts of ADDR whose two
time stamps fall inside the window; its deviation is the interval minus
the advert interval the packet carries.
"""

import json
import math
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vrrp_pcap import read_pcap  # noqa: E402  (bench/vrrp_pcap.py)


def pct(sorted_vals, q):
    if not sorted_vals:
        return None
    k = min(len(sorted_vals) - 1, max(0, int(math.ceil(q * len(sorted_vals))) - 1))
    return sorted_vals[k]


def jitter(pkts, master, t0, t1):
    series = {}
    others = set()
    for p in pkts:
        if p.kind != "vrrp" or not (t0 <= p.ts <= t1):
            continue
        if p.src != master:
            if p.prio > 0:
                others.add(p.src)
            continue
        if p.prio == 0:
            continue
        series.setdefault(p.vrid, []).append(p)
    ivals, devs = [], []
    late = 0
    for s in series.values():
        for a, b in zip(s, s[1:]):
            d = (b.ts - a.ts) / 1e6
            want = b.intvl * 1000.0
            ivals.append(d)
            devs.append(d - want)
            if d > 1.5 * want:
                late += 1
    absd = sorted(abs(x) for x in devs)
    return dict(
        instances=len(series),
        adverts=sum(len(s) for s in series.values()),
        intervals=len(ivals),
        mean_ms=statistics.fmean(ivals) if ivals else None,
        mean_dev_ms=statistics.fmean(devs) if devs else None,
        stdev_ms=statistics.pstdev(ivals) if len(ivals) > 1 else None,
        p99_abs_dev_ms=pct(absd, 0.99),
        max_abs_dev_ms=absd[-1] if absd else None,
        late=late,
        other_masters=sorted(others),
    )


def fnum(x, f="%.3f", w=8):
    if x is None:
        return "-".rjust(w)
    return (f % x).rjust(w)


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) > 1 and argv[1] in ("-h", "--help") else 2
    windows_f, pcap = argv[1], argv[2]
    master, out = None, None
    i = 3
    while i < len(argv):
        if argv[i] == "--master":
            master = argv[i + 1]
            i += 2
        elif argv[i] == "--json":
            out = argv[i + 1]
            i += 2
        else:
            raise SystemExit("unknown argument %s" % argv[i])
    if not master:
        raise SystemExit("--master ADDR is needed")
    pkts = list(read_pcap(pcap))
    rows = []
    with open(windows_f) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            (name, path, mode, rate, conns, t0, t1, wrkf, c_mgmt, c_vrrp, c_check,
             busy, l0, l1, rqw) = line.split("\t")
            r = dict(name=name, path=path, mode=mode, rate=rate, connections=conns,
                     t0_ns=int(t0), t1_ns=int(t1), cpu_mgmt=float(c_mgmt),
                     cpu_vrrp=float(c_vrrp), cpu_check=float(c_check),
                     host_busy=float(busy), load_start=l0, load_end=l1,
                     vrrp_rq_wait_ms=int(rqw) / 1e6)
            r["seconds"] = (r["t1_ns"] - r["t0_ns"]) / 1e9
            if wrkf != "-":
                try:
                    with open(wrkf) as w:
                        r["wrk"] = json.load(w)
                except (OSError, ValueError) as e:
                    r["wrk_error"] = str(e)
            r["jitter"] = jitter(pkts, master, r["t0_ns"], r["t1_ns"])
            rows.append(r)

    # --- HTTP ---
    print("HTTP (wrk inside the master's namespace, to 127.0.0.1:8080, keep-alive connections):")
    hdr = ("%-22s %-15s %5s %9s %8s %8s %8s %8s %7s %9s %7s %7s %6s %6s %s" %
           ("window", "path", "conns", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms",
            "errors", "bytes/rsp", "mgmt%", "vrrp%", "check%", "host%", "load 1m start-end"))
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        w = r.get("wrk")
        if w:
            secs = w["duration_us"] / 1e6
            n = w["requests"]
            lat = w["latency_us"]
            p = lat["p"]
            errs = sum(w["errors"].values())
            rps = n / secs if secs else 0
            r["req_per_s"] = rps
            r["p50_ms"] = p["50"] / 1000.0
            r["p90_ms"] = p["90"] / 1000.0
            r["p99_ms"] = p["99"] / 1000.0
            r["max_ms"] = lat["max"] / 1000.0
            r["errors"] = errs
            cells = (fnum(rps, "%.0f", 9), fnum(r["p50_ms"]), fnum(r["p90_ms"]),
                     fnum(r["p99_ms"]), fnum(r["max_ms"], "%.2f"), ("%d" % errs).rjust(7),
                     fnum(w["bytes"] / n if n else None, "%.0f", 9))
        elif r["mode"] == "idle":
            cells = ("-".rjust(9), "-".rjust(8), "-".rjust(8), "-".rjust(8), "-".rjust(8),
                     "-".rjust(7), "-".rjust(9))
        else:
            cells = ("no wrk".rjust(9),) + ("-".rjust(8),) * 4 + ("-".rjust(7), "-".rjust(9))
        print("%-22s %-15s %5s %s %s %s %s %s %s %s %s %s %s %s %s-%s" % (
            (r["name"], r["path"] if r["path"] != "-" else "", r["connections"] if w else "")
            + cells + (fnum(r["cpu_mgmt"], "%.1f", 7), fnum(r["cpu_vrrp"], "%.1f", 7),
                       fnum(r["cpu_check"], "%.1f", 6), fnum(r["host_busy"], "%.0f", 6),
                       r["load_start"], r["load_end"])))

    # --- adverts ---
    print()
    print("VRRP adverts of the master (%s), captured on the bridge by an observer, per window:" % master)
    hdr = ("%-22s %6s %5s %8s %8s %11s %10s %9s %13s %13s %5s %12s" %
           ("window", "secs", "VRIDs", "adverts", "intvls", "mean ms", "mean-adv", "stdev ms",
            "p99 |dev| ms", "max |dev| ms", "late", "rq wait ms"))
    print(hdr)
    print("-" * len(hdr))
    notes = []
    for r in rows:
        j = r["jitter"]
        print("%-22s %6.1f %5d %8d %8d %11s %10s %9s %13s %13s %5d %12.3f" % (
            r["name"], r["seconds"], j["instances"], j["adverts"], j["intervals"],
            fnum(j["mean_ms"], "%.3f", 11), fnum(j["mean_dev_ms"], "%+.3f", 10),
            fnum(j["stdev_ms"], "%.3f", 9), fnum(j["p99_abs_dev_ms"], "%.3f", 13),
            fnum(j["max_abs_dev_ms"], "%.3f", 13), j["late"], r["vrrp_rq_wait_ms"]))
        if j["other_masters"]:
            notes.append("%s: adverts from %s too (another node was master: a failover "
                         "during the window)" % (r["name"], ", ".join(j["other_masters"])))
        if "wrk_error" in r:
            notes.append("%s: wrk's figures missing (%s)" % (r["name"], r["wrk_error"]))
        w = r.get("wrk")
        if w and sum(w["errors"].values()):
            notes.append("%s: wrk errors %s" % (r["name"], json.dumps(w["errors"])))
    for n in notes:
        print("note: " + n)

    # --- targets ---
    print()
    idle = [r["jitter"] for r in rows if r["mode"] == "idle" and r["jitter"]["intervals"]]
    for r in rows:
        if r["mode"] == "paced" and "p99_ms" in r:
            print("target p99 < 5 ms at ~%s req/s, %s: %.0f req/s, p99 %.3f ms: %s" % (
                r["rate"], r["path"], r["req_per_s"], r["p99_ms"],
                "met" if r["p99_ms"] < 5 else "NOT met"))
    if idle:
        base_max = max(j["max_abs_dev_ms"] for j in idle)
        base_sd = max(j["stdev_ms"] or 0 for j in idle)
        for r in rows:
            j = r["jitter"]
            if r["mode"] == "idle" or not j["intervals"]:
                continue
            print("advert jitter under %-22s stdev %.3f ms, max |dev| %.3f ms "
                  "(idle windows: stdev up to %.3f, max |dev| up to %.3f)" % (
                      r["name"] + ":", j["stdev_ms"] or 0, j["max_abs_dev_ms"], base_sd, base_max))
    if out:
        with open(out, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
