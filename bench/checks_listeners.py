#!/usr/bin/env python3
"""bench/checks_listeners.py - the real servers of bench/checks, and its table.

  checks_listeners.py listen ADDRS_FILE PORT STATUS_FILE WINDOW_FILE
      One listening TCP socket per address of ADDRS_FILE (one address a
      line), all on PORT, in one process (selectors/epoll).  Every accepted
      connection is closed at once; its time (CLOCK_MONOTONIC, read right
      after accept() returns) is what the lateness is computed from.
      STATUS_FILE is rewritten every second: {"listening", "seen",
      "accepts"} ("seen": servers connected to at least once since the
      last SIGHUP).
      SIGHUP  forget which servers were seen (a new daemon is starting);
      SIGUSR1 open a measurement window: from now on, for each server, the
              interval between two consecutive connections, minus the
              delay_loop, is recorded;
      SIGUSR2 close the window and write its figures to WINDOW_FILE (JSON).
      SIGTERM exit.

  checks_listeners.py report RESULTS.jsonl
      The aligned table of every run recorded in RESULTS.jsonl (one JSON
      object a line, written by bench/checks).

Standard library only.
"""

import array
import json
import os
import selectors
import signal
import socket
import sys
import time


def pct(sorted_vals, p):
    if not sorted_vals:
        return None
    k = (len(sorted_vals) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (k - lo)


def listen(addrs_file, port, status_file, window_file, delay_loop=1.0):
    with open(addrs_file) as f:
        addrs = [a.strip() for a in f if a.strip()]
    sel = selectors.EpollSelector()
    socks = []
    for i, a in enumerate(addrs):
        s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a, port))
        s.listen(64)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
        socks.append(s)
    n = len(socks)
    seen = bytearray(n)
    n_seen = 0
    accepts = 0
    last = array.array("d", [0.0]) * n   # last connection time in the window
    win_count = array.array("l", [0]) * n
    intervals = array.array("d")          # interval - delay_loop, seconds
    state = {"window": False, "t0": 0.0, "acc0": 0, "hup": False, "usr1": False,
             "usr2": False, "term": False}

    def on_sig(signum, _frame):
        if signum == signal.SIGHUP:
            state["hup"] = True
        elif signum == signal.SIGUSR1:
            state["usr1"] = True
        elif signum == signal.SIGUSR2:
            state["usr2"] = True
        else:
            state["term"] = True

    for sg in (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM, signal.SIGINT):
        signal.signal(sg, on_sig)

    def write_status():
        tmp = status_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"listening": n, "seen": n_seen, "accepts": accepts}, f)
        os.replace(tmp, status_file)

    def close_window():
        t1 = time.monotonic()
        v = sorted(intervals)
        never = sum(1 for c in win_count if c == 0)
        once = sum(1 for c in win_count if c == 1)
        late = sorted(x for x in v)
        res = {
            "servers": n,
            "window_s": t1 - state["t0"],
            "connections": accepts - state["acc0"],
            "intervals": len(v),
            "never_checked": never,
            "checked_once": once,
            "late_mean_ms": (sum(v) / len(v) * 1000.0) if v else None,
            "late_min_ms": v[0] * 1000.0 if v else None,
            "late_p50_ms": pct(late, 50) * 1000.0 if v else None,
            "late_p99_ms": pct(late, 99) * 1000.0 if v else None,
            "late_max_ms": v[-1] * 1000.0 if v else None,
            "over_100ms": sum(1 for x in v if x > 0.1),
            "over_1s": sum(1 for x in v if x > 1.0),
        }
        tmp = window_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(res, f)
        os.replace(tmp, window_file)

    write_status()
    next_status = time.monotonic() + 1.0
    while not state["term"]:
        if state["hup"]:
            state["hup"] = False
            seen[:] = bytearray(n)
            n_seen = 0
        if state["usr1"]:
            state["usr1"] = False
            for i in range(n):
                last[i] = 0.0
                win_count[i] = 0
            del intervals[:]
            state["t0"] = time.monotonic()
            state["acc0"] = accepts
            state["window"] = True
        if state["usr2"]:
            state["usr2"] = False
            if state["window"]:
                state["window"] = False
                close_window()
        events = sel.select(0.2)
        for key, _ in events:
            ls = key.fileobj
            i = key.data
            while True:
                try:
                    c, _ = ls.accept()
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    break
                t = time.monotonic()
                c.close()
                accepts += 1
                if not seen[i]:
                    seen[i] = 1
                    n_seen += 1
                if state["window"]:
                    if last[i]:
                        intervals.append(t - last[i] - delay_loop)
                    last[i] = t
                    win_count[i] += 1
        now = time.monotonic()
        if now >= next_status:
            write_status()
            next_status = now + 1.0
    return 0


def fmt(v, spec="%.1f"):
    return "-" if v is None else spec % v


def report(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    hdr = ["daemon", "where", "kernel", "servers", "checks/s", "CPU %", "runq %", "lst CPU", "RSS MiB",
           "late min", "p50", "p99", "max (ms)", "never", "fail", "load"]
    table = [hdr]
    notes = []
    for r in rows:
        w = r.get("window") or {}
        if r.get("why") and not w:
            table.append([r["impl"], r.get("where", ""), r.get("kernel", ""), str(r.get("servers", "")),
                          "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", r.get("load", "-")])
            notes.append("%s (%s): %s" % (r["impl"], r.get("where", ""), r["why"]))
            continue
        rate = (w["connections"] / w["window_s"]) if w.get("window_s") else None
        fails = r.get("failures")
        table.append([
            r["impl"], r.get("where", ""), r.get("kernel", ""), str(r.get("servers", "")),
            fmt(rate, "%.0f"), fmt(r.get("cpu")), fmt(r.get("runq")), fmt(r.get("lcpu")), fmt(r.get("rss_kib", 0) / 1024.0 if r.get("rss_kib") is not None else None),
            fmt(w.get("late_min_ms")), fmt(w.get("late_p50_ms")), fmt(w.get("late_p99_ms")), fmt(w.get("late_max_ms")),
            str(w.get("never_checked", "-")), "-" if fails is None else str(fails), r.get("load", "-"),
        ])
        if r.get("why"):
            notes.append("%s (%s): %s" % (r["impl"], r.get("where", ""), r["why"]))
    table = [[str(c) for c in row] for row in table]
    widths = [max(len(row[i]) for row in table) for i in range(len(hdr))]
    for j, row in enumerate(table):
        cells = []
        for i, c in enumerate(row):
            cells.append(c.ljust(widths[i]) if i < 3 else c.rjust(widths[i]))
        print("  ".join(cells).rstrip())
        if j == 0:
            print("  ".join("-" * w for w in widths))
    for n in notes:
        print("note: " + n)
    return 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "listen" and len(argv) == 6:
        return listen(argv[2], int(argv[3]), argv[4], argv[5])
    if len(argv) == 3 and argv[1] == "report":
        return report(argv[2])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
