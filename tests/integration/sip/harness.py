# SPDX-License-Identifier: BSD-3-Clause
"""What the SIP integration tests share around the programs they run: the check
counter, a temporary folder, the processes started (xsrelayd, xsrelay-sip) with a
log each, xsrelayctl, and the teardown that stops them, shows the logs of a failed
run and exits 1 when any check failed. The scripted SIP parties are in sipua.py.

A test makes one Harness and ends with

    try:
        ...
    finally:
        H.close()
    H.exit()
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from sipua import free_port


class Harness:
    def __init__(self, prefix, sip=None, mc=None, xsrelayd=None, xsrelayctl=None):
        self.sip, self.mc, self.xsrelayd, self.xsrelayctl = sip, mc, xsrelayd, xsrelayctl
        self.fails = 0
        self.lock = threading.Lock()
        self.tmp = tempfile.mkdtemp(prefix=prefix)
        self.unix = self.path("ng.sock")  # xsrelayd's ng socket for xsrelayctl
        self.ng = None                    # xsrelayd's ng UDP port, once started
        self.procs = []

    def check(self, what, cond):
        """Counts a failed check; every check prints one line, ok or FAIL."""
        with self.lock:
            print(("ok - " if cond else "FAIL - ") + what, flush=True)
            if not cond:
                self.fails += 1

    def path(self, name):
        return os.path.join(self.tmp, name)

    def spawn(self, args, log):
        """Starts args with stderr appended to the log `log` in the folder."""
        p = subprocess.Popen(args, stderr=open(self.path(log), "a"))
        self.procs.append(p)
        return p

    def log_of(self, name):
        try:
            return open(self.path(name), errors="replace").read()
        except OSError:
            return ""

    @staticmethod
    def stop(p, timeout=5):
        """SIGTERM, then SIGKILL if p has not ended after timeout seconds."""
        if p.poll() is not None:
            return
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def ca_key(self):
        """Makes the CA key the edge signs its phones' certificates with (xsrelay-mc
        ca-new); start_edge passes it."""
        key = self.path("ca_key")
        subprocess.run([self.mc, "ca-new", key], check=True, capture_output=True)
        return key

    def tls_cert(self):
        """A self-signed certificate and key for edge.test in one PEM (the edge's
        --tls-cert); returns its path."""
        key, crt, pem = self.path("k.pem"), self.path("c.pem"), self.path("cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                        "2", "-subj", "/CN=edge.test", "-keyout", key, "-out", crt],
                       check=True, capture_output=True)
        with open(pem, "w") as f:
            f.write(open(crt).read() + open(key).read())
        return pem

    def ctl(self, *a):
        """xsrelayctl against this run's xsrelayd: (exit status, stdout + stderr)."""
        p = subprocess.run([self.xsrelayctl, "--socket", self.unix] + list(a),
                           capture_output=True, text=True, timeout=10)
        return p.returncode, p.stdout + p.stderr

    def start_xsrelayd(self):
        """xsrelayd without a fast path (interfaces spa and up on 127.0.0.1, ng over UDP
        and the unix socket, log in xsrelayd.log); returns once xsrelayctl gets an answer
        or after 5 s."""
        self.ng = free_port()
        p = self.spawn([self.xsrelayd, "--interface", "spa/127.0.0.1/30000-30099",
                        "--interface", "up/127.0.0.1/31000-31099",
                        "--ng-udp", "127.0.0.1:%d" % self.ng, "--ng-unix", self.unix,
                        "--dp-socket", self.path("no-fast-path.sock"),
                        "--store", self.path("calls.db"), "--metrics", "",
                        "--log-level", "debug"],
                       "xsrelayd.log")
        for _ in range(100):
            if self.ctl("totals")[0] == 0:
                break
            time.sleep(0.05)
        return p

    def start_edge(self, port, upstream, log, *extra, ng=None):
        """xsrelay-sip on 127.0.0.1:port toward upstream ((host, port) or "host:port"),
        its ng to this run's xsrelayd unless ng ("host:port") says otherwise; extra
        options after these. Does not wait for it to listen."""
        if not isinstance(upstream, str):
            upstream = "%s:%d" % tuple(upstream)
        return self.spawn([self.sip, "--listen", "127.0.0.1:%d" % port, "--upstream", upstream,
                           "--ca-key", self.path("ca_key"),
                           "--ng", ng or "127.0.0.1:%d" % self.ng] + list(extra), log)

    @staticmethod
    def side_by_side(target, argsets):
        """target(*args) for each args in argsets, each in its own thread; returns
        when all have ended."""
        threads = [threading.Thread(target=target, args=a) for a in argsets]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def close(self, tail=4000):
        """Stops what is still running (last started first); after a failed check prints
        the end of each log; removes the folder."""
        for p in reversed(self.procs):
            self.stop(p)
        if self.fails:
            for f in sorted(os.listdir(self.tmp)):
                if f.endswith(".log"):
                    print("--- %s\n%s" % (f, self.log_of(f)[-tail:]))
        shutil.rmtree(self.tmp, ignore_errors=True)

    def exit(self):
        print("%d failed" % self.fails)
        sys.exit(1 if self.fails else 0)


def register(phone, edge_addr, callid, aor="sip:2001@127.0.0.1", tries=50):
    """REGISTERs the phone (a sipua.UA) at the edge until it answers (the edge may not
    listen yet): the answer, or None after tries attempts 0.2 s apart."""
    for i in range(tries):
        phone.request("REGISTER", "sip:127.0.0.1", edge_addr, aor, callid, i + 1,
                      extra="Expires: 300\r\n")
        reg = phone.wait(lambda m: not m.is_req and m.method == "REGISTER", 0.2)
        if reg:
            return reg
    return None


def udp_ask(dst, make, timeout=1.0):
    """Sends make(local port) (bytes) from a new socket on 127.0.0.1 to dst; the first
    answer (str), or None after timeout seconds."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(timeout)
    s.sendto(make(s.getsockname()[1]), dst)
    try:
        return s.recv(65535).decode(errors="replace")
    except socket.timeout:
        return None
    finally:
        s.close()
