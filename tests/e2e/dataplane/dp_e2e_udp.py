#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Ordinary sockets for the data plane end-to-end test (run inside a namespace).

  send SRC_IP SRC_PORT DST_IP DST_PORT FILE INTERVAL_MS
      send every record of FILE (2-byte big-endian length + packet) as one datagram
  recv IP PORT OUT READY EXPECT TIMEOUT_S
      write every datagram received to OUT (same records); stop after EXPECT,
      or 1.5 s after the last one, or TIMEOUT_S in all
  watch IFACE OUT READY
      packet socket: log every ARP request and IPv6 Neighbor Solicitation seen
      on IFACE ("arp-request SRC_MAC SENDER_IP TARGET_IP", "ns SRC_MAC SRC_IP TARGET")
      until killed
"""
import ipaddress
import os
import select
import socket
import struct
import sys
import time


def records(path):
    with open(path, "rb") as f:
        data = f.read()
    off = 0
    while off + 2 <= len(data):
        (n,) = struct.unpack_from(">H", data, off)
        yield data[off + 2:off + 2 + n]
        off += 2 + n


def family(ip):
    return socket.AF_INET6 if ":" in ip else socket.AF_INET


def ready(path):
    with open(path, "w") as f:
        f.write("ready\n")


def send(src, sport, dst, dport, path, interval_ms):
    s = socket.socket(family(src), socket.SOCK_DGRAM)
    s.bind((src, int(sport)))
    n = 0
    for pkt in records(path):
        s.sendto(pkt, (dst, int(dport)))
        n += 1
        time.sleep(float(interval_ms) / 1000.0)
    print("sent %d" % n)


def recv(ip, port, out, readyf, expect, timeout):
    s = socket.socket(family(ip), socket.SOCK_DGRAM)
    s.bind((ip, int(port)))
    ready(readyf)
    n, last, start = 0, None, time.monotonic()
    with open(out, "wb") as f:
        while n < int(expect):
            now = time.monotonic()
            if now - start > float(timeout) or (last and now - last > 1.5):
                break
            r, _, _ = select.select([s], [], [], 0.1)
            if not r:
                continue
            pkt = s.recv(4096)
            f.write(struct.pack(">H", len(pkt)) + pkt)
            f.flush()
            n += 1
            last = time.monotonic()
    print("received %d" % n)


def mac(b):
    return ":".join("%02x" % x for x in b)


def watch(iface, out, readyf):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((iface, 0))
    ready(readyf)
    with open(out, "w") as f:
        while True:
            try:
                fr = s.recv(2048)
            except OSError:  # the link went down: the test is over
                return
            et, off = struct.unpack_from(">H", fr, 12)[0], 14
            if et == 0x8100:
                et, off = struct.unpack_from(">H", fr, 16)[0], 18
            if et == 0x0806 and len(fr) >= off + 28:
                op = struct.unpack_from(">H", fr, off + 6)[0]
                if op == 1:
                    f.write("arp-request %s %s %s\n" % (
                        mac(fr[6:12]), socket.inet_ntoa(fr[off + 14:off + 18]),
                        socket.inet_ntoa(fr[off + 24:off + 28])))
            elif et == 0x86DD and len(fr) >= off + 40 + 24:
                ip6 = fr[off:off + 40]
                icmp = fr[off + 40:]
                if ip6[6] == 58 and icmp[0] == 135:
                    f.write("ns %s %s %s\n" % (
                        mac(fr[6:12]), ipaddress.IPv6Address(ip6[8:24]),
                        ipaddress.IPv6Address(icmp[8:24])))
            f.flush()


def main(argv):
    cmds = {"send": (send, 6), "recv": (recv, 6), "watch": (watch, 3)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        sys.stderr.write(__doc__)
        return 2
    cmds[argv[1]][0](*argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
