#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""xsrelayd against a fast path that does not take BATCH (an xsrelay-dp from
before BATCH; xsrelay.ko never gets one), through the real sockets: a scripted
fast path on a SOCK_SEQPACKET socket answers HELLO with the daemon's own table,
refuses BATCH with ERROR(EOPNOTSUPP) as xsrelay-dp's codec does for an unknown
type, and acknowledges single requests. The daemon's first flush of an
answer's two flows goes as a BATCH, is refused, and is sent again as two single
FLOW_ADDs; the refusal is logged once; later calls go as single requests from
the start; the replies to the proxy are all "ok" with no warning (the flows
were programmed).

usage: test_dp_batch_fallback.py XSRELAYD
"""
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ngclient import Checks, Ng, free_port, stop  # noqa: E402

XSRELAYD = sys.argv[1]
HELLO, FLOW_ADD, FLOW_REPLACE, FLOW_DEL, KEYS_SET, FLOW_GET, FLOW_DUMP = 1, 2, 3, 4, 5, 6, 7
ACK, ERROR, DUMP_DONE, BATCH = 9, 10, 12, 14
EOPNOTSUPP, ENOENT = 95, 2
check = Checks()


def msg(mtype, seq, body=b""):
    return struct.pack("<HHIII", mtype, 0, 16 + len(body), seq, 0) + body


def error(seq, req_type, code, text):
    t = text.encode()[:111]
    return msg(ERROR, seq, struct.pack("<iHH", code, req_type, 0) + t + bytes(112 - len(t)))


class FastPath(threading.Thread):
    """Serves one connection at a time; records the request types it gets."""
    def __init__(self, path):
        super().__init__(daemon=True)
        self.seen = []
        self.lock = threading.Lock()
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.srv.bind(path)
        self.srv.listen(4)
        self.stop = False

    def types(self):
        with self.lock:
            return list(self.seen)

    def run(self):
        while not self.stop:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            with c:
                while True:
                    try:
                        m = c.recv(70000)
                    except OSError:
                        break
                    if not m:
                        break
                    t, _, _, seq, _ = struct.unpack_from("<HHIII", m)
                    with self.lock:
                        self.seen.append(t)
                    if t == HELLO:
                        c.send(msg(HELLO, seq, m[16:]))  # the daemon's own table: a match
                    elif t == BATCH:
                        c.send(error(seq, t, EOPNOTSUPP, "unknown or non-request message type"))
                    elif t in (FLOW_ADD, FLOW_REPLACE, FLOW_DEL, KEYS_SET):
                        c.send(msg(ACK, seq))
                    elif t == FLOW_GET:
                        c.send(error(seq, t, ENOENT, "no flow at this local address and port"))
                    elif t == FLOW_DUMP:
                        c.send(msg(DUMP_DONE, seq, struct.pack("<Q", 0)))
                    else:
                        c.send(error(seq, t, EOPNOTSUPP, "not scripted"))


SDP_A = ("v=0\r\no=a 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\n"
         "m=audio 4000 RTP/AVP 0\r\n")
SDP_B = ("v=0\r\no=b 1 1 IN IP4 10.0.0.3\r\ns=-\r\nc=IN IP4 10.0.0.3\r\nt=0 0\r\n"
         "m=audio 5000 RTP/AVP 0\r\n")

TMP = tempfile.mkdtemp(prefix="xsrelayd-dpfb.")
DP = os.path.join(TMP, "dp.sock")
PORT = free_port()
LOG = os.path.join(TMP, "xsrelayd.log")
fp = FastPath(DP)
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
    got = [t for t in fp.types()[before:] if t != FLOW_DUMP]
    check("first flush: one BATCH, refused, then the two flows as single FLOW_ADDs: %s" % got,
          got == [BATCH, FLOW_ADD, FLOW_ADD])
    before = len(fp.types())
    r1, r2 = call(2)
    got = [t for t in fp.types()[before:] if t != FLOW_DUMP]
    check("second call: single FLOW_ADDs from the start, no BATCH: %s" % got,
          r2.get("result") == "ok" and got == [FLOW_ADD, FLOW_ADD])
    before = len(fp.types())
    r = ng.req({"command": "delete", "call-id": "fallback-1", "from-tag": "a"})
    got = [t for t in fp.types()[before:] if t != FLOW_DUMP]
    check("delete: final counters read and flows removed one request each: %s" % got,
          r.get("result") == "ok" and sorted(got) == [FLOW_DEL, FLOW_DEL, FLOW_GET, FLOW_GET])
    log = open(LOG, errors="replace").read()
    check("the refusal is logged once, with the fast path's reason",
          log.count("refused a BATCH") == 1 and "unknown or non-request message type" in log)
finally:
    stop(daemon)
    fp.stop = True
    fp.srv.close()
    if check.fails:
        print(open(LOG, errors="replace").read()[-3000:])
    shutil.rmtree(TMP, ignore_errors=True)
check.exit()
