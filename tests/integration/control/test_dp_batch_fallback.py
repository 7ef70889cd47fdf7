#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""xsrelayd against a fast path that does not take BATCH (an xsrelay-dp from
before BATCH; xsrelay.ko never gets one), through the real sockets: a scripted
fast path (fastpath.py) answers HELLO with the daemon's own table, refuses
BATCH with ERROR(EOPNOTSUPP) as xsrelay-dp's codec does for an unknown type,
and answers single requests. The daemon's first flush of an
answer's two flows goes as a BATCH, is refused, and is sent again as two single
FLOW_ADDs; the refusal is logged once; later calls go as single requests from
the start; the replies to the proxy are all "ok" with no warning (the flows
were programmed).

usage: test_dp_batch_fallback.py XSRELAYD
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ngclient import Checks, Ng, free_port, stop  # noqa: E402
from fastpath import (BATCH, FLOW_ADD, FLOW_DEL, FLOW_DUMP, FLOW_GET, HELLO,  # noqa: E402
                      STATS_GET, FastPath)

XSRELAYD = sys.argv[1]
check = Checks()


def requests_since(fp, before):
    """What the daemon sent since, but for its once-a-second polling."""
    return [t for t in fp.types()[before:] if t not in (FLOW_DUMP, STATS_GET)]


SDP_A = ("v=0\r\no=a 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\n"
         "m=audio 4000 RTP/AVP 0\r\n")
SDP_B = ("v=0\r\no=b 1 1 IN IP4 10.0.0.3\r\ns=-\r\nc=IN IP4 10.0.0.3\r\nt=0 0\r\n"
         "m=audio 5000 RTP/AVP 0\r\n")

TMP = tempfile.mkdtemp(prefix="xsrelayd-dpfb.")
DP = os.path.join(TMP, "dp.sock")
PORT = free_port()
LOG = os.path.join(TMP, "xsrelayd.log")
fp = FastPath(DP, batch=False)
fp.start()
daemon = subprocess.Popen([XSRELAYD, "--interface", "pub/192.0.2.1/30000-30099",
                           "--ng-udp", "127.0.0.1:%d" % PORT, "--ng-unix", "",
                           "--dp-socket", DP, "--store", "", "--metrics", ""],
                          stderr=open(LOG, "a"))
try:
    ng = Ng(udp=("127.0.0.1", PORT))
    for _ in range(100):
        try:
            if ng.req({"command": "ping"}).get("result") == "pong" and HELLO in fp.types():
                break
        except TimeoutError:
            pass
        time.sleep(0.05)
    check("the daemon said HELLO to the scripted fast path", HELLO in fp.types())

    def call(n):
        cid = "fallback-%d" % n
        r1 = ng.req({"command": "offer", "call-id": cid, "from-tag": "a", "sdp": SDP_A})
        r2 = ng.req({"command": "answer", "call-id": cid, "from-tag": "a", "to-tag": "b",
                     "sdp": SDP_B})
        return r1, r2

    before = len(fp.types())
    r1, r2 = call(1)
    check("first call: offer and answer ok, no warning (the flows were programmed)",
          r1.get("result") == "ok" and r2.get("result") == "ok" and "warning" not in r2)
    got = requests_since(fp, before)
    check("first flush: one BATCH, refused, then the two flows as single FLOW_ADDs: %s" % got,
          got == [BATCH, FLOW_ADD, FLOW_ADD])
    before = len(fp.types())
    r1, r2 = call(2)
    got = requests_since(fp, before)
    check("second call: single FLOW_ADDs from the start, no BATCH: %s" % got,
          r2.get("result") == "ok" and got == [FLOW_ADD, FLOW_ADD])
    before = len(fp.types())
    r = ng.req({"command": "delete", "call-id": "fallback-1", "from-tag": "a"})
    got = requests_since(fp, before)
    check("delete: final counters read and flows removed one request each: %s" % got,
          r.get("result") == "ok" and sorted(got) == [FLOW_DEL, FLOW_DEL, FLOW_GET, FLOW_GET])
    log = open(LOG, errors="replace").read()
    check("the refusal is logged once, with the fast path's reason",
          log.count("refused a BATCH") == 1 and "unknown or non-request message type" in log)
finally:
    stop(daemon)
    fp.stop()
    if check.fails:
        print(open(LOG, errors="replace").read()[-3000:])
    shutil.rmtree(TMP, ignore_errors=True)
check.exit()
