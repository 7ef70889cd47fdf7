#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""xsrelay-sip through its real sockets, on 127.0.0.1, without a relay behind it:

OPTIONS answered with Supported: x-sipura; REGISTER with a bad Contact refused
(400) and a good one accepted (200, contact and expiry echoed); an INVITE from a
phone that did not register refused (403); malformed and oversized datagrams and
a flood of garbage leave the edge answering; TLS: TLS 1.2 handshakes, TLS 1.0 is
refused by default, and with tls-legacy both TLS 1.0 and an SSLv2-format
ClientHello (what old SPA firmware sends) get a ServerHello.

Usage: test_sip_edge.py XSRELAY_SIP XSRELAY_MC
"""
import os
import signal
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Harness, udp_ask  # noqa: E402
from sipua import free_port  # noqa: E402

H = Harness("xsrelay-sip-test.", *sys.argv[1:3])
check = H.check
TMP = H.tmp
H.ca_key()
CERT = H.tls_cert()

PORT = free_port()  # free for UDP and TCP
TLS_PORT = free_port()
edge = None


def start(*extra):
    global edge
    if edge:
        edge.send_signal(signal.SIGTERM)
        edge.wait(5)
    edge = H.start_edge(PORT, "127.0.0.2:5060", "sip.log", "--tls-listen",
                        "127.0.0.1:%d" % TLS_PORT, "--tls-cert", CERT,
                        *extra, ng="127.0.0.1:9")
    for _ in range(100):
        if options() is not None:
            return
        time.sleep(0.05)
    raise SystemExit("xsrelay-sip did not start")


def sip(msg, timeout=1.0):
    return udp_ask(("127.0.0.1", PORT), lambda lp: msg.replace("LPORT", str(lp)).encode(),
                   timeout)


n = [0]


def req(method, uri, extra="", body="", to_tag=""):
    n[0] += 1
    return ("%s %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bKt%d;rport\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:2001@edge.test>;tag=f%d\r\nTo: <sip:2001@edge.test>%s\r\n"
            "Call-ID: test-%d@127.0.0.1\r\nCSeq: 1 %s\r\n%sContent-Length: %d\r\n\r\n%s" %
            (method, uri, n[0], n[0], to_tag, n[0], method, extra, len(body), body))


def options():
    return sip(req("OPTIONS", "sip:edge.test"), timeout=0.3)


try:
    start()
    r = options()
    check("OPTIONS: 200 with Supported: x-sipura", r and r.startswith("SIP/2.0 200") and
          "x-sipura" in r)
    r = sip(req("REGISTER", "sip:edge.test", "Contact: garbage<<\r\n"))
    check("REGISTER with a bad Contact: 400", r and r.startswith("SIP/2.0 400"))
    sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           "m=audio 4000 RTP/AVP 0\r\n")
    r = sip(req("INVITE", "sip:3000@edge.test", "Contact: <sip:2001@127.0.0.1:LPORT>\r\n"
                "Content-Type: application/sdp\r\n", sdp))
    check("INVITE from a phone that did not register: 403",
          r is not None and r.startswith("SIP/2.0 403"))
    r = sip(req("REGISTER", "sip:edge.test", "Contact: <sip:2001@127.0.0.1:5999>\r\n"
                "Expires: 120\r\nSupported: x-sipura\r\n"))
    check("REGISTER: 200 with the contact and its expiry", r and r.startswith("SIP/2.0 200")
          and "expires=120" in r)
    # a live binding cannot be taken over from another address (no digest auth here)
    s2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s2.bind(("127.0.0.3", 0)) # not the upstream (127.0.0.2)
    s2.settimeout(1)
    msg = req("REGISTER", "sip:edge.test", "Contact: <sip:2001@127.0.0.3:5999>\r\n"
              "Expires: 120\r\n").replace("LPORT", str(s2.getsockname()[1]))
    s2.sendto(msg.encode(), ("127.0.0.1", PORT))
    try:
        r2 = s2.recv(65535).decode()
    except socket.timeout:
        r2 = None
    check("REGISTER of a registered user from another address: 403",
          r2 is not None and r2.startswith("SIP/2.0 403"))
    msg = req("INVITE", "sip:3000@edge.test", "Contact: <sip:2001@127.0.0.3:5999>\r\n"
              "Content-Type: application/sdp\r\n", sdp).replace("LPORT", str(s2.getsockname()[1]))
    s2.sendto(msg.encode(), ("127.0.0.1", PORT))
    try:
        r3 = s2.recv(65535).decode()
    except socket.timeout:
        r3 = None
    check("INVITE as a registered user from another address (forged From): 403",
          r3 is not None and r3.startswith("SIP/2.0 403"))
    s2.close()

    # malformed, oversized, flood
    bad = [b"", b"\x00\x01\x02", b"INVITE\r\n\r\n", b"SIP/2.0 200\r\n",
           b"OPTIONS sip:x SIP/2.0\r\nContent-Length: 99999999\r\n\r\n",
           b"OPTIONS sip:x SIP/2.0\r\n" + b"X-Pad: " + b"a" * 60000 + b"\r\n\r\n",
           b"REGISTER sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4\r\nTo: <>\r\nFrom: <>\r\n\r\n"]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for b in bad:
        s.sendto(b, ("127.0.0.1", PORT))
    check("malformed and oversized datagrams: still answering", options() is not None)
    t0 = time.time()
    for i in range(5000):
        s.sendto(os.urandom(200 + i % 800), ("127.0.0.1", PORT))
    # the flood is worked through first: allow it a few seconds, then it must answer
    alive = False
    for _ in range(20):
        if options() is not None:
            alive = True
            break
    check("a flood of 5,000 garbage datagrams: still answering, alive (%.1f s)" %
          (time.time() - t0), edge.poll() is None and alive)
    # oversized over TCP: a stream that never ends its headers
    t = socket.create_connection(("127.0.0.1", PORT), timeout=2)
    try:
        t.sendall(b"OPTIONS sip:x SIP/2.0\r\n" + b"X: " + b"y" * 300000)
    except OSError:
        pass
    t.close()
    check("an endless header over TCP: still answering", options() is not None)

    # TLS
    def tls(version, ciphers=None):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = version
        ctx.maximum_version = version
        if ciphers:
            ctx.set_ciphers(ciphers)
        try:
            with socket.create_connection(("127.0.0.1", TLS_PORT), timeout=3) as raw:
                with ctx.wrap_socket(raw) as c:
                    return c.version()
        except (ssl.SSLError, OSError) as e:
            return None

    def sslv2_hello():
        """An SSLv2-format ClientHello offering TLS 1.0 (old SPA firmware); returns the
        first bytes of the server's answer (a TLS handshake record if accepted)."""
        specs = bytes.fromhex("00002f" "000035" "00000a")
        challenge = os.urandom(16)
        body = bytes([1, 3, 1]) + len(specs).to_bytes(2, "big") + b"\x00\x00" + \
            len(challenge).to_bytes(2, "big") + specs + challenge
        rec = (0x8000 | len(body)).to_bytes(2, "big") + body
        try:
            with socket.create_connection(("127.0.0.1", TLS_PORT), timeout=3) as c:
                c.sendall(rec)
                return c.recv(5)
        except OSError:
            return b""

    check("TLS 1.2 handshake", tls(ssl.TLSVersion.TLSv1_2) == "TLSv1.2")
    check("TLS 1.0 refused by default", tls(ssl.TLSVersion.TLSv1, "DEFAULT:@SECLEVEL=0") is None)
    check("SSLv2-format ClientHello refused by default", not sslv2_hello().startswith(b"\x16\x03"))
    start("--tls-legacy", "yes")
    check("tls-legacy: TLS 1.0 handshake", tls(ssl.TLSVersion.TLSv1, "DEFAULT:@SECLEVEL=0")
          == "TLSv1")
    check("tls-legacy: an SSLv2-format ClientHello gets a TLS 1.0 ServerHello",
          sslv2_hello().startswith(b"\x16\x03\x01"))
    check("tls-legacy is logged", "legacy TLS 1.0 admitted" in
          open(os.path.join(TMP, "sip.log")).read())
finally:
    H.close(tail=3000)
H.exit()
