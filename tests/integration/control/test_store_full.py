#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""xsrelayd with its store on a full disk (a 4 MiB tmpfs filled up), through its
real UDP ng socket, without a fast path:

  - a request whose change cannot be committed is refused ("state could not be
    stored"), and nothing of it remains: the call is not listed, a delete leaves
    the call in place, a retransmission gets the same refusal;
  - other requests keep being answered (ping, query, list);
  - once the disk has room again the same requests succeed;
  - after kill -9 and a restart, exactly the calls the proxy was told "ok" about
    are back.

Needs root (mounts a tmpfs); exits 77 (skipped) without it.
usage: test_store_full.py XSRELAYD
"""
import base64
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ngclient import Checks, Ng, free_port, stop  # noqa: E402

XSRELAYD = sys.argv[1]
if os.geteuid() != 0:
    print("SKIP: mounting a tmpfs needs root")
    sys.exit(77)

check = Checks()


TMP = tempfile.mkdtemp(prefix="xsrelayd-full.")
DISK = os.path.join(TMP, "disk")
os.mkdir(DISK)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "xsrelay-test", DISK],
               check=True)
PORT = free_port()
LOG = os.path.join(TMP, "xsrelayd.log")
ARGS = [XSRELAYD, "--interface", "pub/192.0.2.1/30000-30999", "--ng-udp",
        "127.0.0.1:%d" % PORT, "--ng-unix", "", "--dp-socket", os.path.join(TMP, "no.sock"),
        "--store", os.path.join(DISK, "calls.db"), "--metrics", ""]
KEY = base64.b64encode(bytes(range(30))).decode()
daemon = None


def start():
    global daemon
    daemon = subprocess.Popen(ARGS, stderr=open(LOG, "a"))
    for _ in range(100):
        try:
            Ng(udp=("127.0.0.1", PORT), timeout=0.2).req({"command": "ping"})
            return
        except (TimeoutError, OSError):
            time.sleep(0.05)
    raise SystemExit("xsrelayd did not start")


def sdp(who, port):
    return ("v=0\r\no=%s 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\n"
            "m=audio %d RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n"
            % (who, port, KEY))


def call(ng, cid, cookie=None):
    """offer + answer; the two replies"""
    o = ng.req({"command": "offer", "call-id": cid, "from-tag": "a", "sdp": sdp("a", 4000)},
               cookie=cookie)
    if o.get("result") != "ok":
        return o, None
    return o, ng.req({"command": "answer", "call-id": cid, "from-tag": "a", "to-tag": "b",
                      "sdp": sdp("b", 5000)})


def fill(path):
    """writes until the disk is full"""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * 4096) > 0:
            pass
    except OSError:
        pass
    os.close(fd)


def calls(ng):
    return set(ng.req({"command": "list"})["calls"])


try:
    start()
    ng = Ng(udp=("127.0.0.1", PORT))
    o, a = call(ng, "kept-1")
    check("a call set up while the disk has room", a and a.get("result") == "ok")
    if not a or a.get("result") != "ok":
        print(o, a)

    fill(os.path.join(DISK, "filler"))
    cookie = ng.cookie()
    o, _ = call(ng, "lost-1", cookie=cookie)
    check("an offer on a full disk is refused as not stored",
          o.get("result") == "error" and "could not be stored" in o.get("error-reason", ""))
    check("... and the refused call is not there", calls(ng) == {"kept-1"})
    again = ng.req({"command": "offer", "call-id": "lost-1", "from-tag": "a",
                    "sdp": sdp("a", 4000)}, cookie=cookie)
    check("... its retransmission gets the same refusal", again == o)
    d = ng.req({"command": "delete", "call-id": "kept-1"})
    check("a delete on a full disk is refused as not stored",
          d.get("result") == "error" and "could not be stored" in d.get("error-reason", ""))
    q = ng.req({"command": "query", "call-id": "kept-1"})
    check("... and the call is still there, answered",
          calls(ng) == {"kept-1"} and q.get("result") == "ok" and q.get("state") == "answered")
    check("other requests are answered meanwhile",
          ng.req({"command": "ping"}).get("result") == "pong")
    st = ng.req({"command": "statistics"})["statistics"]["xsrelayd"]
    check("the failures count in store_errors", st.get("store_errors", 0) >= 2)
    log = open(LOG).read()
    check("the log says the commit failed and what was undone",
          "store: commit failed" in log and "back as stored" in log)

    os.unlink(os.path.join(DISK, "filler"))
    o, a = call(ng, "lost-1")
    check("with room again the same call is set up", a and a.get("result") == "ok")
    o, a = call(ng, "kept-2")
    d = ng.req({"command": "delete", "call-id": "kept-2"})
    check("... and deletes work", d.get("result") == "ok" and "kept-2" not in calls(ng))

    daemon.send_signal(signal.SIGKILL)
    daemon.wait()
    start()
    check("after kill -9 exactly the calls acknowledged are back",
          calls(Ng(udp=("127.0.0.1", PORT))) == {"kept-1", "lost-1"})

    # --- rows that do not decode: skipped with a log line, the others load ----------
    daemon.send_signal(signal.SIGKILL)
    daemon.wait()
    db = sqlite3.connect(os.path.join(DISK, "calls.db"))
    size = db.execute("SELECT size FROM call_rows LIMIT 1").fetchone()[0]
    bad = [b"\x00\x00" + b"x" * 40,      # a zero run of length 0
           b"x" * 40 + b"\x00",           # a zero without its count
           b"\x00\xff" * 100,            # longer than a call
           bytes(range(1, 200))]           # not a packed call
    db.executemany("INSERT INTO call_rows VALUES (?, ?, 3, ?, ?)",
                   [(900000 + i, "bad-%d" % i, size, b) for i, b in enumerate(bad)])
    db.commit()
    db.close()
    start()
    check("rows that do not decode are skipped and logged; the good ones load",
          calls(Ng(udp=("127.0.0.1", PORT))) == {"kept-1", "lost-1"} and
          "some rows of another layout skipped" in open(LOG).read())

    # --- the store locked by someone else while the daemon starts -------------------
    daemon.send_signal(signal.SIGKILL)
    daemon.wait()
    lock = sqlite3.connect(os.path.join(DISK, "calls.db"), isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    start()
    time.sleep(1.0)
    lock.execute("ROLLBACK")
    lock.close()
    ng = Ng(udp=("127.0.0.1", PORT))
    o, a = call(ng, "after-lock")
    check("started while the store was locked: a call is set up", a and a.get("result") == "ok")
    daemon.send_signal(signal.SIGKILL)
    daemon.wait()
    start()
    check("... and it is in the store (kill -9, restart)",
          calls(Ng(udp=("127.0.0.1", PORT))) == {"kept-1", "lost-1", "after-lock"})
finally:
    stop(daemon)
    subprocess.run(["umount", DISK])
    if check.fails:
        print(open(LOG).read()[-4000:])
    shutil.rmtree(TMP, ignore_errors=True)
check.exit()
