#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A plain RTP + RTCP sender for the stream-fault end-to-end test (run in a namespace).

  rtp_stream.py send SRC_IP SRC_PORT DST_IP DST_PORT PPS LOG
      RTP (PCMU, 160 bytes) at PPS packets a second from SRC_PORT to DST_PORT, and
      a sender report after every 10th from SRC_PORT+1 to DST_PORT+1, until
      SIGTERM. Two sources: SSRC A (0x11111111) from sequence 65536 - PPS (its ROC
      wraps after a second) and SSRC B (0x22222222) from 65436; SIGUSR1 switches
      from one to the other, and each continues where it stopped, as a phone does.
      LOG gets a line per switch ("EPOCH ssrc HEX") and, at the end, per SSRC
      "ssrc HEX rtp N rtcp M seq FIRST..LAST".
  rtp_stream.py spray SRC_IP DST_IP PORT_LO PORT_HI SECONDS
      An attacker: RTP-looking packets and forged SRTP (a random 10-byte tag) to
      every port of the range, SSRC 0x5a5a0000 | port, until SECONDS have passed.
"""
import os
import signal
import socket
import struct
import sys
import time

SSRCS = (0x11111111, 0x22222222)


def rtp(ssrc, seq, ts):
    body = bytes((seq * 7 + i) & 0xff for i in range(160))
    return struct.pack(">BBHII", 0x80, 0, seq & 0xffff, ts & 0xffffffff, ssrc) + body


def sender_report(ssrc, pkts, ts):
    now = time.time() + 2208988800  # NTP epoch
    ntp = (int(now) << 32) | int((now % 1) * (1 << 32))
    return struct.pack(">BBHIQIII", 0x80, 200, 6, ssrc, ntp, ts & 0xffffffff, pkts, pkts * 160)


def send(src, sport, dst, dport, pps, log):
    sport, dport, pps = int(sport), int(dport), float(pps)
    s_rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s_rtp.bind((src, sport))
    s_rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s_rtcp.bind((src, sport + 1))
    state = {ssrc: {"seq": seq, "first": seq, "rtp": 0, "rtcp": 0}
             for ssrc, seq in zip(SSRCS, (65536 - int(pps), 65436))}
    cur = [0]
    stop = [False]
    logf = open(log, "w", buffering=1)

    def switch(*_):
        cur[0] ^= 1
        logf.write("%.6f ssrc %08x\n" % (time.time(), SSRCS[cur[0]]))

    def end(*_):
        stop[0] = True

    signal.signal(signal.SIGUSR1, switch)
    signal.signal(signal.SIGTERM, end)
    logf.write("%.6f ssrc %08x\n" % (time.time(), SSRCS[0]))
    t_next, n = time.monotonic(), 0
    while not stop[0]:
        ssrc = SSRCS[cur[0]]
        st = state[ssrc]
        s_rtp.sendto(rtp(ssrc, st["seq"], st["seq"] * 160), (dst, dport))
        st["seq"] += 1
        st["rtp"] += 1
        n += 1
        if n % 10 == 0:
            s_rtcp.sendto(sender_report(ssrc, st["rtp"], st["seq"] * 160), (dst, dport + 1))
            st["rtcp"] += 1
        t_next += 1.0 / pps
        delay = t_next - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    for ssrc in SSRCS:
        st = state[ssrc]
        if st["rtp"]:
            logf.write("ssrc %08x rtp %d rtcp %d seq %d..%d\n" % (
                ssrc, st["rtp"], st["rtcp"], st["first"] & 0xffff, (st["seq"] - 1) & 0xffff))
    return 0


def spray(src, dst, lo, hi, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    end, sent, seq = time.monotonic() + float(seconds), 0, 1
    while time.monotonic() < end:
        for port in range(int(lo), int(hi) + 1):
            pkt = rtp(0x5a5a0000 | port, seq, seq * 160)
            try:
                s.sendto(pkt, (dst, port))
                s.sendto(pkt + os.urandom(10), (dst, port))
                sent += 2
            except OSError:  # the relay's ARP entry not there yet: keep going
                pass
        seq += 1
        time.sleep(0.05)
    print("spray %s -> %s:%s-%s: %d packets" % (src, dst, lo, hi, sent))
    return 0


def main(argv):
    cmds = {"send": (send, 6), "spray": (spray, 5)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        sys.stderr.write(__doc__)
        return 2
    return cmds[argv[1]][0](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
