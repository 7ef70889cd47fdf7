# SPDX-License-Identifier: BSD-3-Clause
"""A small ng-protocol client for the tests: bencode, cookies, UDP and Unix sockets.

Written from the protocol notes, independently of the daemon's C codec, so the
tests do not check the codec against itself.
"""
import json
import os
import socket
import subprocess
import sys


def benc(v):
    if isinstance(v, bool):
        return b"i%de" % int(v)
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, (bytes, bytearray)):
        return b"%d:%s" % (len(v), bytes(v))
    if isinstance(v, list):
        return b"l" + b"".join(benc(x) for x in v) + b"e"
    if isinstance(v, dict):
        return b"d" + b"".join(benc(k) + benc(x) for k, x in v.items()) + b"e"
    raise TypeError(type(v))


def bdec(b, i=0):
    c = b[i:i + 1]
    if c == b"i":
        j = b.index(b"e", i)
        return int(b[i + 1:j]), j + 1
    if c == b"l":
        i += 1
        out = []
        while b[i:i + 1] != b"e":
            v, i = bdec(b, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        i += 1
        out = {}
        while b[i:i + 1] != b"e":
            k, i = bdec(b, i)
            v, i = bdec(b, i)
            out[k.decode()] = v
        return out, i + 1
    j = b.index(b":", i)
    n = int(b[i:j])
    return b[j + 1:j + 1 + n], j + 1 + n


def strs(v):
    """bytes -> str throughout, for comparisons."""
    if isinstance(v, bytes):
        return v.decode(errors="replace")
    if isinstance(v, list):
        return [strs(x) for x in v]
    if isinstance(v, dict):
        return {k: strs(x) for k, x in v.items()}
    return v


def free_port():
    """a UDP port on 127.0.0.1 nobody uses now"""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Ng:
    def __init__(self, udp=None, unix=None, timeout=3.0):
        self.n = 0
        # cookies unique per client: two clients of one process must not meet in
        # the daemon's reply cache (it would answer one with the other's reply)
        self.tag = os.urandom(4).hex().encode()
        if unix:
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self.local = "/tmp/ngtest.%d.%d" % (os.getpid(), id(self))
            try:
                os.unlink(self.local)
            except FileNotFoundError:
                pass
            self.s.bind(self.local)
            self.to = unix
        else:
            self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.local = None
            self.to = udp
        self.s.settimeout(timeout)

    def close(self):
        self.s.close()
        if self.local:
            os.unlink(self.local)

    def raw(self, data):
        """Sends bytes, returns the raw reply (or None on timeout)."""
        self.s.sendto(data, self.to)
        try:
            return self.s.recv(70000)
        except socket.timeout:
            return None

    def cookie(self):
        self.n += 1
        return b"%d_%s_%d" % (os.getpid(), self.tag, self.n)

    def req(self, d, cookie=None, as_json=False):
        c = cookie or self.cookie()
        body = json.dumps(d).encode() if as_json else benc(d)
        r = self.raw(c + b" " + body)
        if r is None:
            raise TimeoutError("no reply to %r" % d.get("command"))
        sp = r.index(b" ")
        assert r[:sp] == c, "reply cookie %r != %r" % (r[:sp], c)
        if as_json:
            return json.loads(r[sp + 1:])
        return strs(bdec(r, sp + 1)[0])


class Checks:
    """The check counter of a test: check(what, cond) prints one line, ok or
    FAIL, and counts the failures in .fails."""
    def __init__(self):
        self.fails = 0

    def __call__(self, what, cond):
        print(("ok - " if cond else "FAIL - ") + what, flush=True)
        if not cond:
            self.fails += 1

    def exit(self):
        print("%d failed" % self.fails)
        sys.exit(1 if self.fails else 0)


def stop(p, timeout=5):
    """SIGTERM to a process still running, SIGKILL if it has not ended after timeout s."""
    if p is None or p.poll() is not None:
        return
    p.terminate()
    try:
        p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
