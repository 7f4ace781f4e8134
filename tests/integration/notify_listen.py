#!/usr/bin/env python3
"""notify_listen.py SOCKET OUT [PIDFILE...] - stand in for systemd's notify
socket: bind a datagram socket at SOCKET ("@name": abstract), and for every
message append one JSON line to OUT: the message's fields, and - taken the
moment it arrived - how many of the processes in PIDFILEs were running and
the vigild log's lines (--log FILE) matching 'reload N: child ... done'."""
import json
import os
import re
import socket
import sys


def alive(pidfile):
    try:
        with open(pidfile) as f:
            pid = int(f.read().split()[0])
        os.kill(pid, 0)
        return True
    except (OSError, ValueError, IndexError):
        return False


def main():
    args = sys.argv[1:]
    log = None
    if "--log" in args:
        i = args.index("--log")
        log = args[i + 1]
        del args[i:i + 2]
    path, out, pidfiles = args[0], args[1], args[2:]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("\0" + path[1:] if path.startswith("@") else path)
    with open(out + ".bound", "w"):
        pass
    while True:
        data = s.recv(4096).decode("utf-8", "replace")
        rec = dict(l.split("=", 1) for l in data.split("\n") if "=" in l)
        rec["running"] = sum(alive(p) for p in pidfiles)
        if log:
            try:
                with open(log, errors="replace") as f:
                    rec["reloads_done"] = sorted(set(
                        m.group(0) for m in re.finditer(r"reload \d+: child \w+ done", f.read())))
            except OSError:
                rec["reloads_done"] = []
        with open(out, "a") as f:
            f.write(json.dumps(rec) + "\n")


main()
