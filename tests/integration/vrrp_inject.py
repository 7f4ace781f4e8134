#!/usr/bin/env python3
"""vrrp_inject.py - send hand-made VRRP advertisements over IPv4.

A test tool of vigil's integration tests (t_vrrp_malformed.sh): it builds
the IPv4 header itself (raw socket, IP_HDRINCL) so that the TTL is whatever
the test asks for, and computes the checksums itself so that a test can
send a wrong one on purpose. Every field can be set, and the message can be
cut short.

    vrrp_inject.py --ifname eth0 --src 192.0.2.66 --vrid 51 --prio 254 \\
        --addr 192.0.2.100 --auth-pass 1111 [--ttl 64] [--version 1] \\
        [--type 2] [--bad-checksum] [--truncate 6] [--repeat N --interval S]

VRRPv2 (RFC 3768 5.1): checksum over the VRRP message. VRRPv3 (RFC 5798
5.1): checksum over the IPv4 pseudo-header (src, dst, 0, 112, length) and
the message. Versions other than 2 and 3 are laid out as VRRPv2.
"""

import argparse
import socket
import struct
import sys
import time

IPPROTO_VRRP = 112


def csum(data: bytes) -> int:
    """RFC 1071 one's complement of the one's complement sum."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def build_vrrp(a, src: bytes, dst: bytes) -> bytes:
    addrs = b"".join(socket.inet_aton(x) for x in a.addr)
    count = len(a.addr) if a.count_addr is None else a.count_addr
    if a.version == 3:
        cs = 100 if a.adver_int is None else a.adver_int       # centiseconds
        hdr = struct.pack("!BBBBHH", (3 << 4) | a.type, a.vrid, a.prio, count,
                          cs & 0x0FFF, 0)
        msg = hdr + addrs
        pseudo = src + dst + struct.pack("!BBH", 0, IPPROTO_VRRP, len(msg))
        c = csum(pseudo + msg)
    else:
        secs = 1 if a.adver_int is None else a.adver_int        # seconds
        auth = a.auth_pass.encode()[:8].ljust(8, b"\0") if a.auth_type == 1 else b"\0" * 8
        hdr = struct.pack("!BBBBBBH", ((a.version & 0xF) << 4) | a.type, a.vrid,
                          a.prio, count, a.auth_type, secs, 0)
        msg = hdr + addrs + auth
        c = csum(msg)
    if a.bad_checksum:
        c ^= 0x5A5A
    msg = msg[:6] + struct.pack("!H", c) + msg[8:]
    if a.truncate is not None:
        msg = msg[:a.truncate]
    return msg


def build_ip(a, payload: bytes, src: bytes, dst: bytes) -> bytes:
    ver_ihl = (4 << 4) | 5
    tot = 20 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", ver_ihl, 0xC0, tot, 0, 0, a.ttl,
                      IPPROTO_VRRP, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def main() -> int:
    p = argparse.ArgumentParser(description="send hand-made VRRP adverts (IPv4)")
    p.add_argument("--ifname", default="eth0")
    p.add_argument("--src", required=True, help="IPv4 source address")
    p.add_argument("--dst", default="224.0.0.18")
    p.add_argument("--ttl", type=int, default=255)
    p.add_argument("--version", type=int, default=2)
    p.add_argument("--type", type=int, default=1)
    p.add_argument("--vrid", type=int, required=True)
    p.add_argument("--prio", type=int, default=100)
    p.add_argument("--addr", action="append", default=[],
                   help="a virtual address in the advert (repeat for more)")
    p.add_argument("--count-addr", type=int, default=None,
                   help="the Count IP Addrs field (default: the number of --addr)")
    p.add_argument("--auth-type", type=int, default=1, help="v2: 0 none, 1 PASS")
    p.add_argument("--auth-pass", default="")
    p.add_argument("--adver-int", type=int, default=None,
                   help="v2: seconds (default 1); v3: centiseconds (default 100)")
    p.add_argument("--bad-checksum", action="store_true")
    p.add_argument("--truncate", type=int, default=None,
                   help="cut the VRRP message to this many bytes")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--interval", type=float, default=1.0)
    a = p.parse_args()

    src = socket.inet_aton(a.src)
    dst = socket.inet_aton(a.dst)
    pkt = build_ip(a, build_vrrp(a, src, dst), src, dst)

    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.ifname.encode())
    if a.dst.split(".")[0].isdigit() and 224 <= int(a.dst.split(".")[0]) <= 239:
        ifindex = socket.if_nametoindex(a.ifname)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                     struct.pack("4s4si", b"\0" * 4, b"\0" * 4, ifindex))
    for i in range(a.repeat):
        if i:
            time.sleep(a.interval)
        s.sendto(pkt, (a.dst, 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
