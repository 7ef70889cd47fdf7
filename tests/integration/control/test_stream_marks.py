#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Stream marks and re-INVITEs, through xsrelayd's real sockets, against a
scripted fast path (fastpath.py) that records what the daemon programs and
reports the marks the test gives it. One call, plain RTP (x) to SDES (y):

- the first flows: F_MARKS on every direction with keys, the send
  direction's SRTCP index at the margin (1024), plain input latched only from
  the SDP address (LATCH_IP), SRTP input latched and re-latched by
  authenticated packets (LATCH + F_RELATCH), never F_RESET;
- marks the fast path reports (a ROC of 1, an SRTCP index) are stored; a move
  below the thresholds is not;
- kill -9 of xsrelayd (the fast path keeps its flows): the calls come back
  from the store and every flow is replaced (ADD, EEXIST, REPLACE) with the
  stored marks, the margin on the send direction's SRTCP index, no F_RESET;
- kill -9 of both: the new fast path gets the same marks with FLOW_ADD, and
  one that restarts again before it reported anything (a crash loop) gets the
  margin again on top of the floor given last;
- a re-INVITE in which y moves with the same key: y's flow is replaced with
  F_REBIND (the latch is learned again) and keeps its receive marks (the
  fast path keeps the receive stream, so a party at ROC 1 goes on at ROC 1);
- a re-INVITE in which y moves and brings a new key: y's flow is replaced
  with F_REBIND and without its old receive marks, the flow toward y keeps
  its send marks; the rebind is done once (not again after a restart);
- hold (c=0.0.0.0, sendonly) and resume: no error, no rebind, the flows keep
  sending to x's address;
- a new relay key toward y (another suite): that direction's marks are dropped.

usage: test_stream_marks.py XSRELAYD
"""
import base64
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ngclient import Checks, Ng, free_port, stop  # noqa: E402
from fastpath import (FLOW_ADD, FLOW_REPLACE, F_MARKS, F_REBIND, F_RELATCH,  # noqa: E402
                      F_RESET, SRC_LATCH, SRC_LATCH_IP, FastPath, Marks)

XSRELAYD = sys.argv[1]
check = Checks()
MARGIN = 1024

TMP = tempfile.mkdtemp(prefix="xsrelayd-marks.")
DP = os.path.join(TMP, "dp.sock")
STORE = os.path.join(TMP, "calls.db")
LOG = os.path.join(TMP, "xsrelayd.log")
PORT = free_port()
ARGS = [XSRELAYD, "--interface", "a/192.0.2.1/30000-30099", "--interface",
        "b/198.51.100.1/40000-40099", "--ng-udp", "127.0.0.1:%d" % PORT, "--ng-unix", "",
        "--dp-socket", DP, "--store", STORE, "--metrics", ""]
K_Y1 = base64.b64encode(bytes(range(30))).decode()
K_Y2 = base64.b64encode(bytes(range(100, 130))).decode()
K_Y256 = base64.b64encode(bytes(range(46))).decode()
ng = Ng(udp=("127.0.0.1", PORT))


def start():
    d = subprocess.Popen(ARGS, stderr=open(LOG, "a"))
    for _ in range(100):
        try:
            if Ng(udp=("127.0.0.1", PORT), timeout=0.2).req({"command": "ping"}):
                return d
        except (TimeoutError, OSError):
            time.sleep(0.05)
    raise SystemExit("xsrelayd did not start")


def kill9(d):
    d.send_signal(signal.SIGKILL)
    d.wait()


def sdp(ip, port, proto="RTP/AVP", extra=""):
    return ("v=0\r\no=p 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d %s 0\r\n%s" % (ip, ip, port, proto, extra))


def offer(ip="10.0.0.2", suite="AES_CM_128_HMAC_SHA1_80", extra="a=sendrecv\r\n"):
    return ng.req({"command": "offer", "call-id": "m1", "from-tag": "x",
                   "sdp": sdp(ip, 4000, extra=extra), "direction": ["a", "b"],
                   "transport-protocol": "RTP/SAVP", "SDES": ["only-" + suite]})


def answer(ip="10.0.1.2", port=5000, key=K_Y1, suite="AES_CM_128_HMAC_SHA1_80",
           extra="a=sendrecv\r\n"):
    return ng.req({"command": "answer", "call-id": "m1", "from-tag": "x", "to-tag": "y",
                   "sdp": sdp(ip, port, "RTP/SAVP",
                              "a=crypto:1 %s inline:%s\r\n%s" % (suite, key, extra))})


def m_port(s):
    return int(s.split("m=audio ")[1].split()[0])


def programmed(fp, since, n=2, timeout=5.0):
    """The last ADD/REPLACE per flow after `since`, once n flows have one."""
    end = time.time() + timeout
    while True:
        got = {}
        for t, f in fp.requests(since):
            got[f.local[1]] = (t, f)
        if len(got) >= n or time.time() > end:
            return got
        time.sleep(0.05)


def no_reset(reqs):
    return all(not f.flags & F_RESET for _, f in reqs)


fp = FastPath(DP)
fp.start()
daemon = start()
try:
    check("the daemon said hello", fp.wait_dumps(1))
    r1 = offer()
    r2 = answer()
    check("offer and answer ok, no warning", r1.get("result") == "ok" and
          r2.get("result") == "ok" and "warning" not in r2)
    XP, YP = m_port(r2["sdp"]), m_port(r1["sdp"])  # x's relay port, y's
    got = programmed(fp, 0)
    tx, fx = got.get(XP, (0, None))
    ty, fy = got.get(YP, (0, None))
    check("both flows added", tx == FLOW_ADD and ty == FLOW_ADD)
    check("x's flow (plain in, SRTP out): latched from x's SDP IP only, F_MARKS, "
          "SRTCP margin: %r" % fx,
          fx.src_policy == SRC_LATCH_IP and fx.peer == ("10.0.0.2", 0) and
          fx.flags & F_MARKS and not fx.flags & F_RELATCH and
          fx.out_marks == Marks(MARGIN) and fx.in_marks == Marks())
    check("y's flow (SRTP in, plain out): authenticated latching and re-latching, F_MARKS, "
          "receive marks empty: %r" % fy,
          fy.src_policy == SRC_LATCH and fy.flags & F_RELATCH and fy.flags & F_MARKS and
          fy.peer == ("", 0) and fy.in_marks == Marks() and fy.out_marks == Marks())
    check("no F_RESET", no_reset(fp.requests()))

    # the streams move on: a ROC of 1 toward y, 40 SRTCP sent above the floor
    # given; y's stream received
    OUT = Marks(MARGIN + 40, [(0xAAAA, 0x10005)])
    IN = Marks(7, [(0xBBBB, 0x20010)])
    fp.set_marks(XP, out_marks=OUT)
    fp.set_marks(YP, in_marks=IN)
    fp.wait_dumps(2)
    st = ng.req({"command": "statistics"})["statistics"]["xsrelayd"]
    check("the moved marks were stored (store_marks %s)" % st.get("store_marks"),
          st.get("store_marks", 0) >= 1)
    # below the thresholds: 9 more SRTCP, 1000 more RTP -- not stored
    fp.set_marks(XP, out_marks=Marks(OUT.rtcp + 9, [(0xAAAA, 0x10005 + 1000)]))
    fp.wait_dumps(2)

    # xsrelayd killed; the fast path keeps its flows
    kill9(daemon)
    since = len(fp.log)
    daemon = start()
    got = programmed(fp, since)
    types = [t for t, _ in fp.requests(since)]
    tx, fx = got.get(XP, (0, None))
    ty, fy = got.get(YP, (0, None))
    check("xsrelayd restart: ADD, EEXIST, REPLACE for both flows: %s" % types,
          tx == FLOW_REPLACE and ty == FLOW_REPLACE and types.count(FLOW_ADD) == 2)
    check("x's flow: the stored send marks, SRTCP + margin: %r" % fx,
          fx.flags & F_MARKS and fx.out_marks == Marks(OUT.rtcp + MARGIN, OUT.ssrcs))
    check("y's flow: the stored receive marks: %r" % fy,
          fy.flags & F_MARKS and fy.in_marks == IN)
    check("no F_RESET, no F_REBIND on the re-programming",
          no_reset(fp.requests(since)) and
          not any(f.flags & F_REBIND for _, f in fp.requests(since)))
    floor_x = fx.out_marks.rtcp
    fp.wait_dumps(2)  # the floor given is stored as the mark

    # both killed: a new, empty fast path, and then again before it reported
    # anything (a crash loop): each time the margin on top of the last floor
    kill9(daemon)
    for round_ in (1, 2):
        fp.stop()
        os.unlink(DP)
        fp = FastPath(DP)
        fp.start()
        if round_ == 1:
            daemon = start()
        got = programmed(fp, 0)
        tx, fx = got.get(XP, (0, None))
        ty, fy = got.get(YP, (0, None))
        check("fast path restart %d: FLOW_ADD, send floor %d + margin, receive marks kept: "
              "%r %r" % (round_, floor_x, fx, fy),
              tx == FLOW_ADD and ty == FLOW_ADD and
              fx.out_marks == Marks(floor_x + MARGIN, OUT.ssrcs) and fy.in_marks == IN)
        floor_x = fx.out_marks.rtcp
    fp.wait_dumps(1)

    # re-INVITE: y moves, same key: the latch goes, the receive marks stay
    since = len(fp.log)
    old_x_key = fx.out_key
    r1 = offer()
    r2 = answer("10.0.1.5", 5001, K_Y1)
    got = programmed(fp, since)
    fx, fy = got[XP][1], got[YP][1]
    check("re-INVITE, y moved with its key: ok", r1.get("result") == "ok" and
          r2.get("result") == "ok" and "warning" not in r2)
    check("y's flow: F_REBIND, its receive marks kept: %r" % fy,
          got[YP][0] == FLOW_REPLACE and fy.flags & F_REBIND and fy.in_marks == IN)
    check("x's flow: sends to y's new address, send key kept, no rebind: %r" % fx,
          fx.out_dst == ("10.0.1.5", 5001) and fx.out_key == old_x_key and
          not fx.flags & F_REBIND)
    floor_x = fx.out_marks.rtcp

    # re-INVITE: y moves and brings a new key
    since = len(fp.log)
    r1 = offer()
    r2 = answer("10.0.1.9", 5002, K_Y2)
    got = programmed(fp, since)
    fx, fy = got[XP][1], got[YP][1]
    check("re-INVITE ok, same relay ports",
          r2.get("result") == "ok" and m_port(r1["sdp"]) == YP and m_port(r2["sdp"]) == XP)
    check("y's flow: F_REBIND, its old receive marks gone: %r" % fy,
          got[YP][0] == FLOW_REPLACE and fy.flags & F_REBIND and fy.in_marks == Marks())
    check("x's flow: sends to y's new address, no rebind, send key and marks kept: %r" % fx,
          fx.out_dst == ("10.0.1.9", 5002) and not fx.flags & F_REBIND and
          fx.out_marks == Marks(floor_x + MARGIN, OUT.ssrcs) and fx.out_key == old_x_key)
    # y's stream binds to its new SSRC; the rebind, done, is stored
    IN2 = Marks(3, [(0xCCCC, 0x500)])
    fp.set_marks(YP, in_marks=IN2)
    fp.wait_dumps(2)
    kill9(daemon)
    since = len(fp.log)
    daemon = start()
    got = programmed(fp, since)
    fy = got[YP][1]
    check("after another restart: no second rebind, the new receive marks: %r" % fy,
          not fy.flags & F_REBIND and fy.in_marks == IN2)

    # hold (RFC 2543 style) and resume
    since = len(fp.log)
    r1 = offer("0.0.0.0", extra="a=sendonly\r\n")
    r2 = answer("10.0.1.9", 5002, K_Y2, extra="a=recvonly\r\n")
    got = programmed(fp, since)
    check("hold: ok, c=0.0.0.0 passed on to y",
          r1.get("result") == "ok" and r2.get("result") == "ok" and
          "c=IN IP4 0.0.0.0" in r1.get("sdp", ""))
    check("hold: y's flow still sends to x's address, no rebind: %r" % got[YP][1],
          got[YP][1].out_dst == ("10.0.0.2", 4000) and
          not any(f.flags & F_REBIND for _, f in fp.requests(since)))
    since = len(fp.log)
    r1 = offer()
    r2 = answer("10.0.1.9", 5002, K_Y2)
    got = programmed(fp, since)
    check("resume: ok, the relay's address again, no rebind",
          r1.get("result") == "ok" and r2.get("result") == "ok" and
          "c=IN IP4 198.51.100.1" in r1["sdp"] and
          not any(f.flags & F_REBIND for _, f in fp.requests(since)))

    # a new relay key toward y (another suite): its send marks are dropped
    since = len(fp.log)
    r1 = offer(suite="AES_256_CM_HMAC_SHA1_80")
    r2 = answer("10.0.1.9", 5002, K_Y256, suite="AES_256_CM_HMAC_SHA1_80")
    got = programmed(fp, since)
    fx = got[XP][1]
    check("new key toward y: x's flow has a new send key, marks dropped (margin only): %r" % fx,
          r2.get("result") == "ok" and fx.out_key != old_x_key and
          fx.out_marks == Marks(MARGIN))
    check("no F_RESET anywhere", no_reset(fp.requests()))
finally:
    stop(daemon)
    fp.stop()
    if check.fails:
        print(open(LOG, errors="replace").read()[-4000:])
    shutil.rmtree(TMP, ignore_errors=True)
check.exit()
