#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Packet capture and checks for the SPA end-to-end test (run in a namespace).

  capture.py capture IFACE OUT         until killed: every IPv4 UDP packet seen on
      IFACE as a record "src dst sport dport len" + payload (see read())
  capture.py noise OUT SRC DST FREQ    media from SRC to DST in the capture:
      packets of 172 bytes (plain RTP, PCMU 20 ms) must carry FREQ Hz, and packets
      that are longer (SRTP) must not: decoded as mu-law their power at FREQ is
      noise. Prints both measures; exit 1 unless SRTP packets exist and are not
      the plain audio.
  capture.py sdes OUT SDP_FROM [SUITE]  prints "SUITE KEYHEX" of the first
      AES_CM_128 a=crypto line (of that tag length: 80 or 32) in SIP bodies sent by
      SDP_FROM
  capture.py rtp OUT SRC DST FILE      writes the RTP payloads from SRC to DST as
      records (2-byte length + packet) for srtp_gen
"""
import math
import re
import base64
import socket
import struct
import sys


def capture(iface, out):
    # ETH_P_ALL: a socket bound to one protocol sees only incoming frames
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0003))
    s.bind((iface, 0))
    with open(out, "wb", buffering=0) as f:
        while True:
            frame = s.recv(65535)
            if frame[12:14] != b"\x08\x00":
                continue
            ip = frame[14:]
            if len(ip) < 28 or ip[9] != 17:
                continue
            ihl = (ip[0] & 15) * 4
            udp = ip[ihl:]
            sport, dport, ulen = struct.unpack(">HHH", udp[:6])
            payload = udp[8:ulen]
            hdr = struct.pack(">4s4sHHH", ip[12:16], ip[16:20], sport, dport, len(payload))
            f.write(hdr + payload)


def read(path):
    data = open(path, "rb").read()
    off = 0
    while off + 14 <= len(data):
        src, dst, sp, dp, n = struct.unpack_from(">4s4sHHH", data, off)
        yield socket.inet_ntoa(src), socket.inet_ntoa(dst), sp, dp, data[off + 14:off + 14 + n]
        off += 14 + n


def ulaw(b):
    b = ~b & 0xff
    sign, exp, mant = b & 0x80, (b >> 4) & 7, b & 15
    v = ((mant << 3) + 0x84) << exp
    v -= 0x84
    return -v if sign else v


def tone_ratio(samples, rate, f):
    if not samples:
        return 0.0
    k = 2 * math.cos(2 * math.pi * f / rate)
    s1 = s2 = 0.0
    for v in samples:
        s0 = v + k * s1 - s2
        s2, s1 = s1, s0
    p = (s1 * s1 + s2 * s2 - k * s1 * s2) / len(samples) ** 2
    total = sum(v * v for v in samples) / len(samples)
    return p / total if total else 0.0  # about 0.5 for a pure tone, ~2/N for noise


def noise(out, src, dst, freq):
    plain, srtp = [], []
    for s, d, sp, dp, p in read(out):
        if s != src or d != dst or len(p) < 12 or p[0] >> 6 != 2:
            continue
        body = [ulaw(x) for x in p[12:172]]
        (plain if len(p) == 172 else srtp).extend(body)
    rp, rs = tone_ratio(plain[-8000:], 8000, freq), tone_ratio(srtp[-8000:], 8000, freq)
    print("%s -> %s: %d plain samples, %.0f Hz share %.3f; %d SRTP samples, share %.4f" %
          (src, dst, len(plain), freq, rp, len(srtp), rs))
    return 0 if srtp and rs < 0.05 and (not plain or rp > 0.2) else 1


def sdes(out, frm, suite=None):
    for s, d, sp, dp, p in read(out):
        if s != frm:
            continue
        for m in re.finditer(rb"a=crypto:\d+ AES_CM_128_HMAC_SHA1_(80|32) inline:([A-Za-z0-9+/=]+)",
                             p):
            if suite is None or m.group(1).decode() == suite:
                print(m.group(1).decode(), base64.b64decode(m.group(2)).hex())
                return 0
    return 1


def rtp(out, src, dst, path):
    with open(path, "wb") as f:
        for s, d, sp, dp, p in read(out):
            if s == src and d == dst and len(p) >= 12 and p[0] >> 6 == 2 and (p[1] & 0x7f) < 72:
                f.write(struct.pack(">H", len(p)) + p)
    return 0


if __name__ == "__main__":
    a = sys.argv
    if a[1] == "capture":
        capture(a[2], a[3])
    elif a[1] == "noise":
        sys.exit(noise(a[2], a[3], a[4], float(a[5])))
    elif a[1] == "sdes":
        sys.exit(sdes(a[2], a[3], a[4] if len(a) > 4 else None))
    elif a[1] == "rtp":
        sys.exit(rtp(a[2], a[3], a[4], a[5]))
