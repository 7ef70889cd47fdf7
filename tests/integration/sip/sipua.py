# SPDX-License-Identifier: BSD-3-Clause
"""A scripted SIP user agent over UDP for the edge's tests: a fake SPA phone or a
fake upstream proxy on a real socket. It records every message it receives,
answers what it is told to answer automatically, and builds requests and
responses by hand (written from RFC 3261, independently of libre).
"""
import re
import socket
import threading
import time
import uuid


class Msg:
    def __init__(self, raw, src):
        self.raw = raw
        self.src = src
        head, _, self.body = raw.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.start = lines[0]
        self.hdrs = []
        for ln in lines[1:]:
            if ":" in ln:
                k, v = ln.split(":", 1)
                self.hdrs.append((k.strip().lower(), v.strip()))
        parts = self.start.split(" ", 2)
        self.is_req = not parts[0].startswith("SIP/")
        self.method = parts[0] if self.is_req else None
        self.code = int(parts[1]) if not self.is_req and len(parts) > 1 else None
        if not self.is_req:
            self.method = self.hdr("cseq").split()[-1] if self.hdr("cseq") else None

    def hdr(self, name):
        for k, v in self.hdrs:
            if k == name:
                return v
        return None

    def all(self, name):
        return [v for k, v in self.hdrs if k == name]

    def tag(self, name):
        m = re.search(r";\s*tag=([^;>\s]+)", self.hdr(name) or "")
        return m.group(1) if m else None

    def contact_uri(self):
        m = re.search(r"<([^>]+)>", self.hdr("contact") or "")
        return m.group(1) if m else None


class UA:
    """auto: {method: (code, reason, body or None)} answered as requests arrive."""

    def __init__(self, host, auto=None, user="ua"):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.addr = self.sock.getsockname()
        self.user = user
        self.auto = dict(auto or {})
        self.tag = uuid.uuid4().hex[:8]
        self.msgs = []
        self.cv = threading.Condition()
        self.n = 0
        self.stop = False
        self.t = threading.Thread(target=self._loop, daemon=True)
        self.t.start()

    def _loop(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                data, src = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            m = Msg(data.decode(errors="replace"), src)
            if m.is_req and m.method in self.auto:
                code, reason, body = self.auto[m.method]
                if code:
                    self.reply(m, code, reason, body)
            with self.cv:
                self.msgs.append(m)
                self.cv.notify_all()

    def close(self):
        self.stop = True
        self.t.join(2)
        self.sock.close()

    def send(self, text, dst):
        self.sock.sendto(text.encode() if isinstance(text, str) else text, dst)

    def wait(self, pred, timeout):
        """The first recorded message that satisfies pred, waiting up to timeout."""
        end = time.time() + timeout
        with self.cv:
            while True:
                for m in self.msgs:
                    if pred(m):
                        return m
                left = end - time.time()
                if left <= 0:
                    return None
                self.cv.wait(left)

    def count(self, pred):
        with self.cv:
            return sum(1 for m in self.msgs if pred(m))

    def via(self, branch=None):
        return "SIP/2.0/UDP %s:%d;branch=z9hG4bK%s;rport" % (
            self.addr[0], self.addr[1], branch or uuid.uuid4().hex[:12])

    def contact(self):
        return "<sip:%s@%s:%d>" % (self.user, self.addr[0], self.addr[1])

    def reply(self, req, code, reason, body=None, ctype="application/sdp"):
        to = req.hdr("to")
        if code > 100 and ";tag=" not in to:
            to += ";tag=" + self.tag
        out = ["SIP/2.0 %d %s" % (code, reason)]
        out += ["Via: " + v for v in req.all("via")]
        out += ["From: " + req.hdr("from"), "To: " + to, "Call-ID: " + req.hdr("call-id"),
                "CSeq: " + req.hdr("cseq"), "Contact: " + self.contact()]
        if req.method == "REGISTER" and req.hdr("contact"):
            out[-1] = "Contact: " + req.hdr("contact") + ";expires=600"
        if body:
            out.append("Content-Type: " + ctype)
        out.append("Content-Length: %d" % len((body or "").encode()))
        self.send("\r\n".join(out) + "\r\n\r\n" + (body or ""), req.src)

    def request(self, method, ruri, dst, to, callid, cseq, body="", extra="",
                to_tag=None, branch=None, ctype="application/sdp"):
        out = ["%s %s SIP/2.0" % (method, ruri), "Via: " + self.via(branch),
               "Max-Forwards: 70", "From: <sip:%s@%s>;tag=%s" % (self.user, self.addr[0], self.tag),
               "To: <%s>%s" % (to, ";tag=" + to_tag if to_tag else ""), "Call-ID: " + callid,
               "CSeq: %d %s" % (cseq, method), "Contact: " + self.contact()]
        if body:
            out.append("Content-Type: " + ctype)
        text = "\r\n".join(out) + "\r\n" + extra + "Content-Length: %d\r\n\r\n%s" % (
            len(body.encode()), body)
        self.send(text, dst)


def free_port():
    """A port on 127.0.0.1 free for both UDP and TCP (the edge listens on both)."""
    while True:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        p = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", p))
            return p
        except OSError:
            continue
        finally:
            u.close()
            t.close()


def sdp(host, port, session="1", codecs="0"):
    return ("v=0\r\no=- %s 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP %s\r\na=sendrecv\r\n" % (session, host, host, port, codecs))
