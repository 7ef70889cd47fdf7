#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The scripted party of the re-INVITE end-to-end test (reinvite_e2e.sh), and its tools.

  reinvite_party.py party CTL_SOCK SIP_ADDR MOVE_ADDR TONE_HZ
      A SIP callee on SIP_ADDR:5060 (UDP) that answers one call with SDES-SRTP
      (AES_CM_128_HMAC_SHA1_80 or _32), sends a TONE_HZ tone (PCMU, 20 ms) to the
      relay, decrypts what the relay sends it and keeps it per measuring window.
      It re-INVITEs on command (through the route set kamailio recorded) and
      answers the caller's re-INVITEs (hold: a=sendonly -> a=recvonly, and it
      stops sending while it may not). Driven over a Unix socket, one command
      a line, one reply a line:
        wait-call SECONDS   "ok CALL-ID" once the call is up and media sent
        mark                a new measuring window starts now
        report WANT NOT     JSON: what arrived in the window (packets that
                            decrypt, that do not, at which local socket), the
                            power of WANT and NOT Hz; "heard": WANT dominates
                            in at least one second of audio
        move                re-INVITE with a new address and port (MOVE_ADDR,
                            port 20010), media from there once answered
        rekey               re-INVITE with a new SDES key (same SSRC, the
                            sequence goes on), sent under it once answered
        ssrc                re-INVITE announcing a new SSRC (a=ssrc), the
                            stream restarts with it (new sequence) once answered
        state               JSON: addresses, SSRC, counters
        keys                srtp-check's --key options: the relay's keys for
                            each address the party received at
  reinvite_party.py ctl CTL_SOCK COMMAND...      one command; prints the reply,
      exit 1 if it starts with "fail" or says "heard": false
  reinvite_party.py baresip HOST:PORT COMMAND [PARAMS]   one command to baresip's
      ctrl_tcp module (netstring JSON); prints its answer, exit 1 unless it is ok
  reinvite_party.py rcvd HOST:PORT   the RTP packets baresip's call has received
      and authenticated (the sum of "rcvd" over its RTCP members, audio_debug):
      where its recording cannot tell (baresip 1.0 takes the recorder out of the
      receive pipeline when a call is put on hold)
  reinvite_party.py wav FILE FROM_BYTE WANT NOT  the audio written to a WAV file
      (being written: the header's sizes are not trusted) after byte FROM_BYTE:
      at least a second of sound, WANT Hz dominating NOT Hz (20x)
  reinvite_party.py flows BEFORE.json AFTER.json  what each stream of the call
      (xsrelayctl --json show) did between two snapshots, one line a stream
  reinvite_party.py tone FREQ SECONDS OUT.wav   a tone for baresip's aufile source
      (which does not loop: the call ends with the file), 8 kHz mono 16-bit
  reinvite_party.py selftest   RFC 3711 B.3 key derivation, protect/unprotect

SRTP here is written from RFC 3711 (AES-CM, HMAC-SHA1) with python3-cryptography,
independently of the relay's engine.
"""
import base64
import hashlib
import hmac
import json
import math
import os
import random
import re
import select
import socket
import struct
import sys
import threading
import time
import uuid

RATE = 8000
FRAME = 160          # 20 ms of PCMU
MOVE_PORT = 20010
FIRST_PORT = 20000


# ----------------------------------------------------------------- SRTP (RFC 3711)
def aes_ctr(key, iv, data):
    # imported here: the tools below start without it (each is a process of the test)
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    e = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return e.update(data) + e.finalize()


class Srtp:
    """One master key and salt (AES_CM_128, HMAC-SHA1 with tag_len bytes), kdr 0."""

    def __init__(self, master, tag_len):
        self.master = master
        self.suite = "AES_CM_128_HMAC_SHA1_%d" % (80 if tag_len == 10 else 32)
        key, salt = master[:16], master[16:30]

        def kdf(label, n):
            x = bytearray(salt)
            x[7] ^= label          # key_id = label || 0^48, right-aligned
            return aes_ctr(key, bytes(x) + b"\0\0", b"\0" * n)
        self.ke, self.ka, self.ks = kdf(0, 16), kdf(1, 20), kdf(2, 14)
        self.tag_len = tag_len
        self.rx = {}               # ssrc -> [roc, highest seq]

    def _iv(self, ssrc, index):
        iv = bytearray(self.ks + b"\0\0")
        for i, b in enumerate(struct.pack(">I", ssrc)):
            iv[4 + i] ^= b
        for i, b in enumerate(index.to_bytes(6, "big")):
            iv[8 + i] ^= b
        return bytes(iv)

    def _tag(self, data, roc):
        return hmac.new(self.ka, data + struct.pack(">I", roc), hashlib.sha1).digest()[
            :self.tag_len]

    def protect(self, pkt, roc):
        h = rtp_hdr_len(pkt)
        seq, ssrc = struct.unpack_from(">H", pkt, 2)[0], struct.unpack_from(">I", pkt, 8)[0]
        out = pkt[:h] + aes_ctr(self.ke, self._iv(ssrc, roc << 16 | seq), pkt[h:])
        return out + self._tag(out, roc)

    def unprotect(self, pkt):
        """The plain packet, or None when it does not authenticate."""
        if len(pkt) < 12 + self.tag_len:
            return None
        body, tag = pkt[:-self.tag_len], pkt[-self.tag_len:]
        h = rtp_hdr_len(body)
        if not h:
            return None
        seq, ssrc = struct.unpack_from(">H", body, 2)[0], struct.unpack_from(">I", body, 8)[0]
        roc, s_l = self.rx.get(ssrc, (0, seq))
        # RFC 3711 appendix A: the index estimate
        if s_l < 32768:
            v = roc - 1 if seq - s_l > 32768 else roc
        else:
            v = roc + 1 if s_l - 32768 > seq else roc
        v = max(v, 0)
        if not hmac.compare_digest(self._tag(body, v), tag):
            return None
        if ssrc not in self.rx or v > roc or (v == roc and seq > s_l):
            self.rx[ssrc] = (v, seq)
        return body[:h] + aes_ctr(self.ke, self._iv(ssrc, v << 16 | seq), body[h:])


def rtp_hdr_len(p):
    if len(p) < 12 or p[0] >> 6 != 2:
        return 0
    h = 12 + 4 * (p[0] & 15)
    if p[0] & 0x10:
        if len(p) < h + 4:
            return 0
        h += 4 + 4 * struct.unpack_from(">H", p, h + 2)[0]
    return h if h <= len(p) else 0


def selftest():
    # RFC 3711 B.3
    s = Srtp(bytes.fromhex("E1F97A0D3E018BE0D64FA32C06DE4139" "0EC675AD498AFEEBB6960B3AABE6"),
             10)
    assert s.ke.hex().upper() == "C61E7A93744F39EE10734AFE3FF7A087", s.ke.hex()
    assert s.ks.hex().upper() == "30CBBC08863D8C85D49DB34A9AE1", s.ks.hex()
    assert s.ka.hex().upper() == "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4", s.ka.hex()
    r = Srtp(bytes.fromhex("E1F97A0D3E018BE0D64FA32C06DE4139" "0EC675AD498AFEEBB6960B3AABE6"),
             10)
    for seq in (65534, 65535, 0, 1):
        pkt = struct.pack(">BBHII", 0x80, 0, seq, 0, 0xdeadbeef) + bytes(range(160))
        roc = 1 if seq < 100 else 0
        back = r.unprotect(s.protect(pkt, roc))
        assert back == pkt, "round trip at seq %d" % seq
    assert r.rx[0xdeadbeef] == (1, 1)
    bad = bytearray(s.protect(pkt, 1))
    bad[20] ^= 1
    assert r.unprotect(bytes(bad)) is None
    print("selftest ok")
    return 0


# ----------------------------------------------------------------- audio
def ulaw_encode(v):
    sign = 0x80 if v < 0 else 0
    v = min(abs(v), 32635) + 0x84
    exp = 7
    while exp > 0 and not v & (0x4000 >> (7 - exp)):
        exp -= 1
    return ~(sign | exp << 4 | (v >> (exp + 3)) & 15) & 0xff


def ulaw_decode(b):
    b = ~b & 0xff
    v = (((b & 15) << 3) + 0x84) << ((b >> 4) & 7)
    return -(v - 0x84) if b & 0x80 else v - 0x84


ULAW_DEC = [ulaw_decode(b) for b in range(256)]


def goertzel(x, f):
    k = 2 * math.cos(2 * math.pi * f / RATE)
    s1 = s2 = 0.0
    for v in x:
        s0 = v + k * s1 - s2
        s2, s1 = s1, s0
    return (s1 * s1 + s2 * s2 - k * s1 * s2) / max(len(x), 1) ** 2


def judge(samples, want, other):
    """(heard, powers): at least a second of sound, want dominating (as tone.py)."""
    loud = sum(1 for v in samples if abs(v) > 500)
    seg = samples[-2 * RATE:]
    pw, po = goertzel(seg, want), goertzel(seg, other)
    return loud >= RATE and pw > 20 * po and pw > 1000, pw, po, loud


# ----------------------------------------------------------------- SIP and SDP
class Msg:
    def __init__(self, raw, src):
        self.src = src
        head, _, self.body = raw.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.start = lines[0]
        self.hdrs = []
        for ln in lines[1:]:
            if ":" in ln:
                k, v = ln.split(":", 1)
                self.hdrs.append((k.strip().lower(), v.strip()))
        p = self.start.split(" ", 2)
        self.is_req = not p[0].startswith("SIP/")
        self.method = p[0] if self.is_req else self.hdr("cseq").split()[-1]
        self.code = None if self.is_req else int(p[1])
        self.cseq = int(self.hdr("cseq").split()[0])

    def hdr(self, name):
        return next((v for k, v in self.hdrs if k == name), None)

    def all(self, name):
        """Every value of a header, comma-separated lists split (outside <>)."""
        out = []
        for k, v in self.hdrs:
            if k == name:
                out += [x.strip() for x in re.findall(r'(?:<[^>]*>|[^,])+', v)]
        return out

    def tag(self, name):
        m = re.search(r";\s*tag=([^;>\s]+)", self.hdr(name) or "")
        return m.group(1) if m else None


def uri_of(v):
    m = re.search(r"<([^>]+)>", v)
    return m.group(1) if m else v.split(";")[0].strip()


def hostport(uri):
    m = re.match(r"sips?:(?:[^@;>]+@)?([^:;>]+)(?::(\d+))?", uri)
    return m.group(1), int(m.group(2) or 5060)


def sdp_media(body):
    """(address, port, direction, [(tag, suite, key bytes)]) of the first audio line."""
    c = re.search(r"c=IN IP4 (\S+)", body)
    m = re.search(r"m=audio (\d+) ", body)
    d = re.findall(r"a=(sendrecv|sendonly|recvonly|inactive)", body)
    cr = [(int(t), s, base64.b64decode(k.split("|")[0]))
          for t, s, k in re.findall(r"a=crypto:(\d+) (AES_CM_128_HMAC_SHA1_(?:80|32)) inline:(\S+)",
                                     body)]
    return (c.group(1) if c else None, int(m.group(1)) if m else 0,
            d[-1] if d else "sendrecv", cr)


ANSWER_DIR = {"sendonly": "recvonly", "recvonly": "sendonly", "inactive": "inactive",
              "sendrecv": "sendrecv"}


class Party:
    def __init__(self, sip_addr, move_addr, tone_hz):
        self.sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sip.bind((sip_addr, 5060))
        self.sip_addr, self.move_addr = sip_addr, move_addr
        self.lock = threading.Condition()
        self.media = self._media_sock(sip_addr, FIRST_PORT)
        self.old_media = []       # sockets left behind by a move, still counted
        self.key = os.urandom(30)
        self.key_tag, self.suite = 1, "AES_CM_128_HMAC_SHA1_80"
        self.tx = None            # Srtp for what we send, once answered
        self.rx_ctx = []          # Srtp for the relay's keys: newest first
        self.rx_keys = []         # every key the relay gave us, for srtp-check
        self.ssrc = random.getrandbits(32)
        self.seq, self.ts, self.roc = random.getrandbits(16), random.getrandbits(32), 0
        self.relay = None         # where the relay wants our media
        self.sending = False
        self.sdp_version = 1
        self.dialog = None
        self.ltag = uuid.uuid4().hex[:8]
        self.responses = []
        self.up = False
        tone = [int(12000 * math.sin(2 * math.pi * tone_hz * i / RATE)) for i in range(RATE)]
        self.tone = bytes(ulaw_encode(v) for v in tone)
        self.tone_pos = 0
        self.cnt = dict(tx=0, rx_ok=0, rx_fail=0, rx_old_sock=0, rx_rtcp=0)
        self.mark()
        threading.Thread(target=self._recv_loop, daemon=True).start()
        threading.Thread(target=self._send_loop, daemon=True).start()

    @staticmethod
    def _media_sock(addr, port):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((addr, port))
        return s

    # --------------------------------------------------------------- media
    def mark(self):
        with self.lock:
            self.win = dict(rx_ok=0, rx_fail=0, rx_old_sock=0, tx=0, ssrcs=set(), samples=[])

    def _send_loop(self):
        nxt = time.monotonic()
        while True:
            nxt += 0.02
            time.sleep(max(0.0, nxt - time.monotonic()))
            with self.lock:
                if not (self.sending and self.tx and self.relay):
                    continue
                pay = self.tone[self.tone_pos:self.tone_pos + FRAME]
                self.tone_pos = (self.tone_pos + FRAME) % len(self.tone)
                pkt = struct.pack(">BBHII", 0x80, 0, self.seq, self.ts, self.ssrc) + pay
                out = self.tx.protect(pkt, self.roc)
                self.seq = (self.seq + 1) & 0xffff
                self.roc += self.seq == 0
                self.ts = (self.ts + FRAME) & 0xffffffff
                sock, dst = self.media, self.relay
                self.cnt["tx"] += 1
                self.win["tx"] += 1
            sock.sendto(out, dst)

    def _on_media(self, sock, data):
        with self.lock:
            if len(data) >= 2 and 72 <= (data[1] & 0x7f) <= 76:
                self.cnt["rx_rtcp"] += 1
                return
            if sock is not self.media:
                self.cnt["rx_old_sock"] += 1
                self.win["rx_old_sock"] += 1
                return
            plain = None
            for ctx in self.rx_ctx:
                plain = ctx.unprotect(data)
                if plain:
                    break
            if not plain:
                self.cnt["rx_fail"] += 1
                self.win["rx_fail"] += 1
                return
            self.cnt["rx_ok"] += 1
            self.win["rx_ok"] += 1
            self.win["ssrcs"].add(struct.unpack_from(">I", plain, 8)[0])
            h = rtp_hdr_len(plain)
            if (plain[1] & 0x7f) == 0:
                self.win["samples"].extend(ULAW_DEC[b] for b in plain[h:])

    def _recv_loop(self):
        while True:
            with self.lock:
                socks = [self.sip, self.media] + self.old_media
            r, _, _ = select.select(socks, [], [], 0.1)
            for s in r:
                try:
                    data, src = s.recvfrom(65535)
                except OSError:
                    continue
                if s is self.sip:
                    try:
                        self._on_sip(Msg(data.decode(errors="replace"), src))
                    except Exception as e:  # reported; the party lives on
                        print("party: SIP message not handled: %s: %s" % (type(e).__name__, e),
                              flush=True)
                else:
                    self._on_media(s, data)

    # --------------------------------------------------------------- SDP
    def _sdp(self, direction):
        addr, port = self.media.getsockname()
        self.sdp_version += 1
        return ("v=0\r\no=party 4711 %d IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
                "m=audio %d RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\n"
                "a=crypto:%d %s inline:%s\r\na=ssrc:%d cname:party\r\na=%s\r\n" %
                (self.sdp_version, addr, addr, port, self.key_tag, self.suite,
                 base64.b64encode(self.key).decode(), self.ssrc, direction))

    def _take_relay_sdp(self, body, offer):
        """The relay's media address and key from its SDP; in an offer, the suite
        and tag we answer with. Returns the relay's direction attribute."""
        addr, port, direction, crypto = sdp_media(body)
        pick = next((c for c in crypto if c[1].endswith("_80")), crypto[0] if crypto else None)
        if not pick or not addr or not port:
            raise ValueError("no usable audio line or a=crypto in the relay's SDP")
        if offer:
            self.key_tag, self.suite = pick[0], pick[1]
        else:
            pick = next((c for c in crypto if c[0] == self.key_tag), pick)
        tag_len = 10 if pick[1].endswith("_80") else 4
        if not self.rx_ctx or self.rx_ctx[0].master != pick[2]:
            self.rx_ctx.insert(0, Srtp(pick[2], tag_len))
            del self.rx_ctx[2:]   # the previous key too, for what is still in flight
            self.rx_keys.append(self.rx_ctx[0])
        self.relay = (addr, port)
        return direction

    # --------------------------------------------------------------- SIP
    def _send_sip(self, text, dst):
        self.sip.sendto(text.encode(), dst)

    def _reply(self, req, code, reason, body=""):
        to = req.hdr("to")
        if ";tag=" not in to:
            to += ";tag=" + self.ltag
        out = ["SIP/2.0 %d %s" % (code, reason)]
        out += ["Via: " + v for v in req.all("via")]
        if req.method == "INVITE" and code < 300:
            out += ["Record-Route: " + v for v in req.all("record-route")]
        out += ["From: " + req.hdr("from"), "To: " + to, "Call-ID: " + req.hdr("call-id"),
                "CSeq: " + req.hdr("cseq"), "Contact: <sip:party@%s:5060>" % self.sip_addr]
        if body:
            out.append("Content-Type: application/sdp")
        out.append("Content-Length: %d" % len(body))
        self._send_sip("\r\n".join(out) + "\r\n\r\n" + body, req.src)

    def _on_sip(self, m):
        if not m.is_req:
            with self.lock:
                self.responses.append(m)
                self.lock.notify_all()
            return
        if m.method == "ACK":
            with self.lock:
                if self.dialog and not self.up:
                    self.up = True
                    self.sending = True
                    self.lock.notify_all()
            return
        if m.method == "INVITE" and not m.tag("to"):
            if self.dialog and m.hdr("call-id") != self.dialog["callid"]:
                return self._reply(m, 486, "Busy Here")
            if not self.dialog:
                self.dialog = dict(callid=m.hdr("call-id"), rtag=m.tag("from"),
                                   luri=uri_of(m.hdr("to")), ruri=uri_of(m.hdr("from")),
                                   target=uri_of(m.hdr("contact")),
                                   route=m.all("record-route"), cseq=100)
            with self.lock:
                self._take_relay_sdp(m.body, True)
                self.tx = Srtp(self.key, 10 if self.suite.endswith("_80") else 4)
                body = self._sdp("sendrecv")
            return self._reply(m, 200, "OK", body)
        if not self.dialog or m.hdr("call-id") != self.dialog["callid"]:
            return self._reply(m, 481, "Call/Transaction Does Not Exist")
        if m.method == "INVITE":           # the caller's re-INVITE: hold, resume
            with self.lock:
                rdir = self._take_relay_sdp(m.body, True)
                ldir = ANSWER_DIR[rdir]
                self.sending = ldir in ("sendrecv", "sendonly")
                body = self._sdp(ldir)
            print("party: re-INVITE from the caller (%s), answered %s" % (rdir, ldir), flush=True)
            return self._reply(m, 200, "OK", body)
        if m.method == "BYE":
            with self.lock:
                self.sending = False
            print("party: BYE", flush=True)
            return self._reply(m, 200, "OK")
        return self._reply(m, 200, "OK")

    def _request(self, method, cseq, body="", branch=None):
        d = self.dialog
        out = ["%s %s SIP/2.0" % (method, d["target"]),
               "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK%s;rport" %
               (self.sip_addr, branch or uuid.uuid4().hex[:12]), "Max-Forwards: 70"]
        out += ["Route: " + r for r in d["route"]]
        out += ["From: <%s>;tag=%s" % (d["luri"], self.ltag),
                "To: <%s>;tag=%s" % (d["ruri"], d["rtag"]), "Call-ID: " + d["callid"],
                "CSeq: %d %s" % (cseq, method), "Contact: <sip:party@%s:5060>" % self.sip_addr]
        if body:
            out.append("Content-Type: application/sdp")
        out.append("Content-Length: %d" % len(body))
        dst = hostport(uri_of(d["route"][0]) if d["route"] else d["target"])
        self._send_sip("\r\n".join(out) + "\r\n\r\n" + body, dst)

    def reinvite(self, what):
        """One re-INVITE changing what (move, rekey, ssrc); applied once answered."""
        d = self.dialog
        if not self.up:
            return "fail no call"
        with self.lock:
            keep = (self.media, self.key, self.ssrc)
            if what == "move":
                self.media = self._media_sock(self.move_addr, MOVE_PORT)
            elif what == "rekey":
                self.key = os.urandom(30)
            elif what == "ssrc":
                self.ssrc = (self.ssrc + random.randrange(1, 1 << 31)) & 0xffffffff
            else:
                return "fail unknown change %s" % what
            body = self._sdp("sendrecv")
            new = (self.media, self.key, self.ssrc)
            self.media, self.key, self.ssrc = keep      # not before the answer
        d["cseq"] += 1
        cseq, branch = d["cseq"], uuid.uuid4().hex[:12]
        final = None
        for tries in range(6):
            self._request("INVITE", cseq, body, branch)
            with self.lock:
                self.lock.wait_for(lambda: any(r.cseq == cseq and r.method == "INVITE"
                                               for r in self.responses), 0.5 * (tries + 1))
                got = [r for r in self.responses if r.cseq == cseq and r.method == "INVITE"]
                final = next((r for r in got if r.code >= 200), None)
                if final:
                    break
                if got:   # provisional: the far end is on it
                    self.lock.wait_for(lambda: any(r.cseq == cseq and r.code >= 200
                                                   for r in self.responses), 5)
                    final = next((r for r in self.responses
                                  if r.cseq == cseq and r.method == "INVITE" and r.code >= 200),
                                 None)
                    break
        if not final:
            return "fail no final response to the re-INVITE"
        if final.code >= 300:
            return "fail re-INVITE answered %d" % final.code
        self._request("ACK", cseq)
        with self.lock:
            if what == "move":
                self.old_media.append(self.media)
            self.media, self.key, self.ssrc = new
            if what == "rekey":
                self.tx = Srtp(self.key, 10 if self.suite.endswith("_80") else 4)
            if what == "ssrc":
                self.seq, self.ts, self.roc = random.getrandbits(16), random.getrandbits(32), 0
            self._take_relay_sdp(final.body, False)
        print("party: re-INVITE (%s) answered %d; now from %s:%d, ssrc 0x%08x" %
              (what, final.code, *self.media.getsockname(), self.ssrc), flush=True)
        return "ok %d" % final.code

    # --------------------------------------------------------------- control
    def command(self, words):
        if words[0] == "wait-call":
            with self.lock:
                ok = self.lock.wait_for(lambda: self.up, float(words[1]))
            return "ok " + self.dialog["callid"] if ok else "fail no call"
        if words[0] == "mark":
            self.mark()
            return "ok"
        if words[0] == "report":
            with self.lock:
                w = dict(self.win)
            heard, pw, po, loud = judge(w["samples"], float(words[1]), float(words[2]))
            return json.dumps(dict(heard=heard, rx_ok=w["rx_ok"], rx_fail=w["rx_fail"],
                                   rx_at_old_address=w["rx_old_sock"], tx=w["tx"],
                                   ssrcs=["0x%08x" % s for s in sorted(w["ssrcs"])],
                                   loud_samples=loud, want_power=round(pw, 1),
                                   other_power=round(po, 1)))
        if words[0] in ("move", "rekey", "ssrc"):
            return self.reinvite(words[0])
        if words[0] == "keys":
            with self.lock:
                dests = ["%s:%d" % s.getsockname() for s in [self.media] + self.old_media]
                return " ".join("--key=%s=%s:%s" % (d, k.suite, k.master.hex())
                                for d in dests for k in self.rx_keys)
        if words[0] == "state":
            with self.lock:
                return json.dumps(dict(media="%s:%d" % self.media.getsockname(),
                                       relay="%s:%d" % self.relay if self.relay else None,
                                       ssrc="0x%08x" % self.ssrc, sending=self.sending,
                                       **self.cnt))
        return "fail unknown command"


def serve(path, party):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.path.exists(path):
        os.unlink(path)
    srv.bind(path)
    srv.listen(4)
    print("party: ready", flush=True)
    while True:
        conn, _ = srv.accept()
        with conn, conn.makefile("rw") as f:
            line = f.readline().split()
            try:
                reply = party.command(line) if line else "fail empty"
            except Exception as e:  # a broken step is reported, the party lives on
                reply = "fail %s: %s" % (type(e).__name__, e)
            f.write(reply + "\n")


def ctl(path, words):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(path)
    with s, s.makefile("rw") as f:
        f.write(" ".join(words) + "\n")
        f.flush()
        reply = f.readline().strip()
    print(reply)
    return 1 if reply.startswith("fail") or '"heard": false' in reply else 0


# ----------------------------------------------------------------- baresip ctrl_tcp
def baresip(hostport_s, cmd, params=""):
    """(ok, output) of one command, or (False, None) without an answer."""
    host, port = hostport_s.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), 5)
    s.settimeout(5)
    req = json.dumps(dict(command=cmd, params=params, token="reinv")).encode()
    s.sendall(b"%d:%s," % (len(req), req))
    buf = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
            while b":" in buf:
                n, _, rest = buf.partition(b":")
                if len(rest) < int(n) + 1:
                    break
                msg, buf = json.loads(rest[:int(n)]), rest[int(n) + 1:]
                if msg.get("response") and msg.get("token") == "reinv":
                    return bool(msg.get("ok")), msg.get("data") or ""
    except socket.timeout:
        pass
    return False, None


def baresip_cmd(hostport_s, cmd, params):
    ok, out = baresip(hostport_s, cmd, params)
    print("baresip %s: %s %s" % (cmd, "no response" if out is None else
                                 "ok" if ok else "refused", (out or "").strip()))
    return 0 if ok else 1


def baresip_rcvd(hostport_s):
    ok, out = baresip(hostport_s, "audio_debug")
    if not ok:
        print("no answer from baresip")
        return 1
    print(sum(int(n) for n in re.findall(r"\brcvd=(\d+)", out)))
    return 0


def tone_wav(freq, seconds, out):
    import wave
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq * i /
                                                                           RATE)))
                               for i in range(int(RATE * seconds))))
    return 0


# ----------------------------------------------------------------- WAV window
def wav_window(path, from_byte, want, other):
    data = open(path, "rb").read()
    i = data.find(b"data", 12)
    fmt = data.find(b"fmt ", 12)
    if i < 0 or fmt < 0:
        print("%s: no WAV data chunk" % path)
        return 1
    ch, rate, width = (struct.unpack_from("<H", data, fmt + 10)[0],
                       struct.unpack_from("<I", data, fmt + 12)[0],
                       struct.unpack_from("<H", data, fmt + 22)[0] // 8)
    if width != 2 or rate != RATE:
        print("%s: %d Hz, %d-byte samples: not 8 kHz 16-bit" % (path, rate, width))
        return 1
    start = max(int(from_byte), i + 8)
    start += (start - i - 8) % (2 * ch)
    raw = data[start:]
    x = list(struct.unpack("<%dh" % (len(raw) // 2), raw[:len(raw) // 2 * 2]))[::ch]
    heard, pw, po, loud = judge(x, want, other)
    print("%s: %.1f s new audio, %d loud samples, %d Hz power %.1f, %d Hz power %.1f" %
          (os.path.basename(path), len(x) / RATE, loud, want, pw, other, po))
    return 0 if heard else 1


# ----------------------------------------------------------------- flow counters
def flows(before, after):
    """One line per stream: what its flow counted between two `show` snapshots."""
    def streams(path):
        try:
            tags = json.load(open(path)).get("tags", {})
        except (OSError, ValueError):
            return {}
        return {(t, m.get("index")): m for t, v in tags.items() for m in v.get("medias", [])}
    b, a = streams(before), streams(after)
    for k, m in sorted(a.items()):
        s0, s1 = b.get(k, {}).get("stats", {}), m.get("stats", {})
        delta = {n: s1[n] - s0.get(n, 0) for n in s1 if isinstance(s1[n], int) and
                 n != "last packet" and s1[n] - s0.get(n, 0)}
        print("  from %s (%s, relay port %s): latched %s, in the window: %s" %
              (m.get("endpoint") or "?", k[0][:12], m.get("local port"),
               s1.get("latched") or "-", ", ".join("%s %d" % kv for kv in sorted(delta.items()))
               or "nothing"))
    return 0


if __name__ == "__main__":
    a = sys.argv
    if a[1] == "party":
        serve(a[2], Party(a[3], a[4], float(a[5])))
    elif a[1] == "ctl":
        sys.exit(ctl(a[2], a[3:]))
    elif a[1] == "baresip":
        sys.exit(baresip_cmd(a[2], a[3], " ".join(a[4:])))
    elif a[1] == "rcvd":
        sys.exit(baresip_rcvd(a[2]))
    elif a[1] == "wav":
        sys.exit(wav_window(a[2], a[3], float(a[4]), float(a[5])))
    elif a[1] == "flows":
        sys.exit(flows(a[2], a[3]))
    elif a[1] == "tone":
        sys.exit(tone_wav(float(a[2]), float(a[3]), a[4]))
    elif a[1] == "selftest":
        sys.exit(selftest())
    sys.exit(2)
