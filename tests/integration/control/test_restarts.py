#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""What xsrelayd does around restarts so that SRTP never reuses keystream and
no call takes another's flows, through its real sockets, against a scripted
fast path (fastpath.py):

- the SRTCP floor an answer hands the fast path is in the store before the
  fast path has it: xsrelayd is killed (kill -9) the moment its FLOW_ADD
  arrives, the fast path is replaced (both died), and the restarted daemon
  gives a floor at least a margin above the one the dead daemon gave;
- the same for keys installed in the middle of a burst (xsipura-keys waits
  for the fast path before its burst is committed): the burst's writes are
  committed before the keys go, so the restarted daemon programs the new
  keys with a floor above the one given;
- a (re)connect reads the fast path's flows before it programs anything:
  flows of a dead call, and flows of another call (or of the call itself)
  on a port the call does not hold, are removed before the first FLOW_ADD,
  and the live flows' marks (newer than the store's) become the floors;
- call ids are never given twice, not even across a restart: create,
  delete, restart, create: the new call's id (its flows' cookie) is above.

usage: test_restarts.py XSRELAYD
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
from fastpath import (FLOW_ADD, FLOW_DEL, FLOW_DUMP, FLOW_REPLACE, FastPath,  # noqa: E402
                      Marks, addr)

XSRELAYD = sys.argv[1]
check = Checks()
MARGIN = 1024
K_Y = base64.b64encode(bytes(range(30))).decode()


class Relay:
    """xsrelayd with its own store and a scripted fast path."""
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="xsrelayd-restarts.")
        self.dp = os.path.join(self.tmp, "dp.sock")
        self.log = os.path.join(self.tmp, "xsrelayd.log")
        self.port = free_port()
        self.args = [XSRELAYD, "--interface", "a/192.0.2.1/30000-30099", "--interface",
                     "b/198.51.100.1/40000-40099", "--ng-udp", "127.0.0.1:%d" % self.port,
                     "--ng-unix", "", "--dp-socket", self.dp, "--metrics", "",
                     "--store", os.path.join(self.tmp, "calls.db")]
        self.ng = Ng(udp=("127.0.0.1", self.port))
        self.daemon = None
        self.fp = None
        self.new_fast_path()

    def new_fast_path(self):
        if self.fp:
            self.fp.stop()
            os.unlink(self.dp)
        self.fp = FastPath(self.dp)
        self.fp.start()

    def start(self):
        self.daemon = subprocess.Popen(self.args, stderr=open(self.log, "a"))
        for _ in range(100):
            try:
                if Ng(udp=("127.0.0.1", self.port), timeout=0.2).req({"command": "ping"}):
                    return
            except (TimeoutError, OSError):
                time.sleep(0.05)
        raise SystemExit("xsrelayd did not start")

    def kill9(self):
        if self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGKILL)
        self.daemon.wait()

    def call(self, cid, answer_timeout=3.0):
        """x (plain) to y (SDES): the offer's reply and the answer's (None when
        no reply came)."""
        r1 = self.ng.req({"command": "offer", "call-id": cid, "from-tag": "x",
                          "sdp": sdp("10.0.0.2", 4000, "RTP/AVP"), "direction": ["a", "b"],
                          "transport-protocol": "RTP/SAVP",
                          "SDES": ["only-AES_CM_128_HMAC_SHA1_80"]})
        ng = Ng(udp=("127.0.0.1", self.port), timeout=answer_timeout)
        try:
            r2 = ng.req({"command": "answer", "call-id": cid, "from-tag": "x", "to-tag": "y",
                         "sdp": sdp("10.0.1.2", 5000, "RTP/SAVP",
                                    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n" % K_Y)})
        except TimeoutError:
            r2 = None
        return r1, r2

    def close(self):
        stop(self.daemon)
        self.fp.stop()
        if check.fails:
            print(open(self.log, errors="replace").read()[-3000:])
        shutil.rmtree(self.tmp, ignore_errors=True)


def sdp(ip, port, proto, extra=""):
    return ("v=0\r\no=p 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d %s 0\r\n%s" % (ip, ip, port, proto, extra))


def m_port(s):
    return int(s.split("m=audio ")[1].split()[0])


def programmed(fp, since, n=2, timeout=5.0):
    """The last ADD/REPLACE per local port after log entry `since`, once n
    ports have one."""
    end = time.time() + timeout
    while True:
        got = {}
        for t, f in fp.requests(since):
            got[f.local[1]] = (t, f)
        if len(got) >= n or time.time() > end:
            return got
        time.sleep(0.05)


def floor_stored_before_sent():
    r = Relay()
    try:
        r.start()
        check("floor: the daemon said hello", r.fp.wait_dumps(1))
        given = []

        def kill_at_send_keys(t, f):
            if t == FLOW_ADD and f.out_marks.rtcp and not given:
                given.append(f.out_marks.rtcp)
                r.kill9()  # before the fast path answers: nothing more reaches the store
        r.fp.on_request = kill_at_send_keys
        _, r2 = r.call("floor")
        check("floor: xsrelayd died while the fast path had the answer's flows (floor %s)"
              % given, given and r2 is None and r.daemon.poll() is not None)
        # both died: a new fast path, the daemon from its store
        r.new_fast_path()
        r.start()
        got = programmed(r.fp, 0)
        outs = [f.out_marks.rtcp for t, f in got.values() if f.out_marks.rtcp]
        check("floor: the restarted daemon's SRTCP floor %s is a margin above the %s the "
              "dead one gave" % (outs, given),
              len(outs) == 1 and given and outs[0] >= given[0] + MARGIN)
    finally:
        r.close()


def keys_stored_before_sent():
    r = Relay()
    mk = bytes(range(200, 216))
    try:
        r.start()
        check("keys: the daemon said hello", r.fp.wait_dumps(1))
        _, a = r.call("keys")
        XP = m_port(a["sdp"])
        given = []

        def kill_at_new_keys(t, f):
            if f.out_key[:16] == mk and not given:
                given.append(f.out_marks.rtcp)
                r.kill9()
        r.fp.on_request = kill_at_new_keys
        b64 = base64.b64encode(mk).decode()
        try:
            Ng(udp=("127.0.0.1", r.port), timeout=3.0).req(
                {"command": "xsipura-keys", "call-id": "keys", "tag": "y",
                 "master-key": b64, "master-salt": b64})
        except TimeoutError:
            pass
        check("keys: xsrelayd died while the fast path had the new keys (floor %s)" % given,
              given and r.daemon.poll() is not None)
        r.new_fast_path()
        r.start()
        got = programmed(r.fp, 0)
        fx = got.get(XP, (0, None))[1]
        check("keys: the restarted daemon has the new keys toward y, floor a margin above "
              "the %s given: %r" % (given, fx),
              fx is not None and fx.out_key[:16] == mk and given and
              fx.out_marks.rtcp >= given[0] + MARGIN)
    finally:
        r.close()


def reconnect_cleans_first():
    r = Relay()
    try:
        r.start()
        check("reconnect: the daemon said hello", r.fp.wait_dumps(1))
        o, a = r.call("live")
        check("reconnect: a call set up", o.get("result") == "ok" and a.get("result") == "ok")
        XP, YP = m_port(a["sdp"]), m_port(o["sdp"])
        got = programmed(r.fp, 0)
        cookie = got[XP][1].cookie
        check("reconnect: both flows of one cookie", got[YP][1].cookie == cookie)
        r.kill9()
        # while the daemon is away the fast path runs on (marks far above the
        # store's), and flows appear that the daemon's calls do not own
        live = Marks(50000, [(0xAAAA, 0x30000)])
        r.fp.set_marks(XP, out_marks=live)
        r.fp.set_cookie(YP, 0xDEAD)              # another (dead) call on a live port
        r.fp.plant(XP + 2, cookie, XP)           # the live call, a port it does not hold
        r.fp.plant(XP + 4, 0xBEEF, XP)           # a dead call's flow
        since = len(r.fp.log)
        r.start()
        got = programmed(r.fp, since)
        log = r.fp.requests(since, (FLOW_ADD, FLOW_REPLACE, FLOW_DEL, FLOW_DUMP))
        seq = [(t, f.local[1] if t in (FLOW_ADD, FLOW_REPLACE) else
                addr(f)[1] if t == FLOW_DEL else 0) for t, f in log]
        first_add = next((i for i, (t, _) in enumerate(seq) if t == FLOW_ADD), len(seq))
        dels = {p for t, p in seq[:first_add] if t == FLOW_DEL}
        check("reconnect: the dump comes before any FLOW_ADD: %s" % seq[:first_add + 1],
              FLOW_DUMP in [t for t, _ in seq[:first_add]])
        check("reconnect: the foreign flow on the call's port, the call's flow on a port it "
              "does not hold and the dead call's flow are removed before the first ADD: %s"
              % sorted(dels), dels == {YP, XP + 2, XP + 4})
        check("reconnect: the call's port gets a fresh flow (ADD, not REPLACE): %s"
              % [t for t, p in seq if p == YP],
              got[YP][0] == FLOW_ADD and got[YP][1].cookie == cookie)
        fx = got[XP][1]
        check("reconnect: the live flow is replaced with its own marks as floors, SRTCP + "
              "margin: %r" % fx,
              got[XP][0] == FLOW_REPLACE and fx.out_marks == Marks(live.rtcp + MARGIN,
                                                                   live.ssrcs))
        check("reconnect: no flow of no live call left",
              sorted(r.fp.flows) == sorted([XP, YP]))
    finally:
        r.close()


def ids_never_reused():
    r = Relay()
    try:
        r.start()
        check("ids: the daemon said hello", r.fp.wait_dumps(1))
        _, a = r.call("first")
        got = programmed(r.fp, 0)
        first = {f.cookie for _, f in got.values()}
        d = r.ng.req({"command": "delete", "call-id": "first"})
        check("ids: a call set up and deleted (cookie %s)" % first,
              a.get("result") == "ok" and d.get("result") == "ok" and len(first) == 1)
        r.kill9()  # the store has no call left
        r.start()
        since = len(r.fp.log)
        _, a = r.call("second")
        got = programmed(r.fp, since)
        second = {f.cookie for _, f in got.values()}
        check("ids: after a restart the new call's id %s is above the ended one's %s"
              % (second, first),
              a.get("result") == "ok" and len(second) == 1 and min(second) > max(first))
    finally:
        r.close()


floor_stored_before_sent()
keys_stored_before_sent()
reconnect_cleans_first()
ids_never_reused()
check.exit()
