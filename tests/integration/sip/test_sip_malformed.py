#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Malformed SIP at xsrelay-sip (issue 6), through its real UDP and TCP sockets:

datagrams libre cannot decode are dropped and counted (the stop line's
"malformed datagrams", exactly as many as were sent), logged with the source
address at most about once a second and never with their content; keep-alives
and STUN go on to libre as before (a STUN binding request is answered); requests
that decode but lack From, To, Call-ID or CSeq, with a CSeq method that is not
the request's, or a Content-Length past the datagram get 400 with a Warning
naming the fault, change nothing (no binding made) and are counted ("bad
requests"); an ACK or a request without Via is counted and not answered. On TCP
and TLS, a connection whose SIP does not frame (garbage, no Content-Length, a
message over 64 KiB, headers that never end) is closed, counted (the stop
line's "TCP/TLS connections closed for malformed SIP", exactly as many) and
logged; good messages before the fault in the same segment are still
answered, and keep-alives and messages split across segments are not faults.
The edge keeps answering OPTIONS and REGISTER over UDP and TCP throughout.

Usage: test_sip_malformed.py XSRELAY_SIP XSRELAY_MC
"""
import os
import re
import signal
import socket
import ssl
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Harness, udp_ask  # noqa: E402
from sipua import free_port  # noqa: E402

H = Harness("xsrelay-sip-malformed.", *sys.argv[1:3])
check = H.check
PORT = free_port()
EDGE = ("127.0.0.1", PORT)
TLS_EDGE = ("127.0.0.1", free_port())
n = [0]


def req(method, uri="sip:edge.test", user="2001", extra="", body="", drop=(), lport=0,
        transport="UDP"):
    n[0] += 1
    hdrs = [("Via", "SIP/2.0/%s 127.0.0.1:%d;branch=z9hG4bKm%d;rport" % (transport, lport, n[0])),
            ("Max-Forwards", "70"), ("From", "<sip:%s@edge.test>;tag=f%d" % (user, n[0])),
            ("To", "<sip:%s@edge.test>" % user), ("Call-ID", "malformed-%d@127.0.0.1" % n[0]),
            ("CSeq", "1 " + method)]
    text = "%s %s SIP/2.0\r\n" % (method, uri)
    text += "".join("%s: %s\r\n" % (k, v) for k, v in hdrs if k not in drop)
    return (text + extra + "Content-Length: %d\r\n\r\n%s" % (len(body), body)).encode()


def udp(msg_fn, timeout=1.0, want=True):
    """Sends what msg_fn(local port) makes; the first answer (str) or None."""
    return udp_ask(EDGE, msg_fn, timeout)


def options():
    return udp(lambda p: req("OPTIONS", lport=p), timeout=0.5)


def stream(pieces, tls=False, timeout=3.0, replies=1):
    """Sends pieces (bytes each, 50 ms apart) on a new TCP or TLS connection; returns
    what came back (str) before the edge closed it, `replies` answers came, or the
    timeout, and whether the edge closed the connection."""
    raw = socket.create_connection(TLS_EDGE if tls else EDGE, timeout=timeout)
    c = raw
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        c = ctx.wrap_socket(raw)
    got, closed = b"", False
    try:
        for i, p in enumerate(pieces):
            if i:
                time.sleep(0.05)
            c.sendall(p)
        end = time.time() + timeout
        while time.time() < end:
            b = c.recv(65535)
            if not b:
                closed = True
                break
            got += b
            if got.count(b"SIP/2.0 ") >= replies and got.endswith(b"\r\n\r\n"):
                break
    except (ConnectionResetError, BrokenPipeError, ssl.SSLEOFError, ssl.SSLZeroReturnError):
        closed = True
    except socket.timeout:
        pass
    finally:
        c.close()
    return got.decode(errors="replace"), closed


def tcp(data, timeout=3.0):
    return stream([data], timeout=timeout)


def log():
    return open(H.path("sip.log"), errors="replace").read()


try:
    H.ca_key()
    edge = H.start_edge(PORT, "127.0.0.2:5060", "sip.log", "--tls-listen",
                        "%s:%d" % TLS_EDGE, "--tls-cert", H.tls_cert(), ng="127.0.0.1:9")
    for _ in range(100):
        if options():
            break
        time.sleep(0.05)
    check("the edge answers OPTIONS", options() is not None)

    # --- undecodable datagrams: counted, dropped, the edge keeps serving --------------
    garbage = [b"\x02garbage garbage\r\n\r\n", b"SIP/2.0 200 OK\r\nVia: x\r\n\r\n",
               b"NOT SIP SECRET-BODY-7f3a\r\n", b"INVITE\r\n\r\n", b"\xff" * 300,
               b"OPTIONS sip:x SIP/2.0\r\nFrom: <sip:a@b>\r\n"]  # headers never end
    garbage += [bytes([0x80 | (i & 0x7f)]) + os.urandom(40 + i) for i in range(19)]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    for g in garbage:
        s.sendto(g, EDGE)
    s.sendto(b"\r\n\r\n", EDGE)  # keep-alives: not SIP, not counted
    s.sendto(b"\r\n", EDGE)
    check("after %d undecodable datagrams: OPTIONS still answered 200" % len(garbage),
          (options() or "").startswith("SIP/2.0 200"))
    # STUN binding request (RFC 5389): still libre's, still answered
    tid = os.urandom(12)
    s.settimeout(1)
    s.sendto(struct.pack("!HHI", 0x0001, 0, 0x2112A442) + tid, EDGE)
    try:
        st = s.recv(2048)
    except socket.timeout:
        st = b""
    check("a STUN binding request still gets its success response",
          st[:2] == b"\x01\x01" and st[8:20] == tid)
    s.close()
    lines = [ln for ln in log().splitlines() if "malformed SIP from" in ln]
    check("logged with the source address and the fault",
          any(re.search(r"malformed SIP from 127\.0\.0\.1:\d+ over UDP \(\d+ bytes\): not a SIP "
                        r"message libre can decode", ln) for ln in lines))
    check("libre's own unthrottled decode errors are gone", "msg decode err" not in log())

    # --- requests that decode but are broken: 400 (or nothing), no effect ---------------
    bad = 0
    for drop in ("From", "To", "Call-ID", "CSeq"):
        r = udp(lambda p: req("OPTIONS", drop=(drop,), lport=p))
        check("OPTIONS without %s: 400 with a Warning that names it" % drop,
              r is not None and r.startswith("SIP/2.0 400") and "no " + drop in r)
        bad += 1
    r = udp(lambda p: req("OPTIONS", lport=p).replace(b"CSeq: 1 OPTIONS", b"CSeq: 1 INVITE"))
    check("CSeq method not the request's: 400", r is not None and r.startswith("SIP/2.0 400"))
    bad += 1
    r = udp(lambda p: req("OPTIONS", lport=p).replace(b"Content-Length: 0", b"Content-Length: 900")
            + b"short")
    check("Content-Length past the datagram: 400", r is not None and r.startswith("SIP/2.0 400"))
    bad += 1
    r = udp(lambda p: req("REGISTER", drop=("From",), lport=p,
                          extra="Contact: <sip:2001@127.0.0.1:%d>\r\n" % p))
    check("REGISTER without From: 400", r is not None and r.startswith("SIP/2.0 400"))
    bad += 1
    sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           "m=audio 4000 RTP/AVP 0\r\n")
    r = udp(lambda p: req("INVITE", "sip:3000@edge.test", lport=p,
                          extra="Contact: <sip:2001@127.0.0.1:%d>\r\n"
                          "Content-Type: application/sdp\r\n" % p, body=sdp))
    check("... and it registered nothing: the user's INVITE is refused 403",
          r is not None and r.startswith("SIP/2.0 403"))
    r = udp(lambda p: req("ACK", drop=("Call-ID",), lport=p), timeout=0.5)
    check("ACK without Call-ID: not answered", r is None)
    bad += 1
    r = udp(lambda p: req("OPTIONS", drop=("Via",), lport=p), timeout=0.5)
    check("OPTIONS without Via: not answered", r is None)
    bad += 1  # counted; whether libre or the guard drops it, nothing answers

    # --- rate limit: a burst logs about one line a second, never the content -----------
    before = len([ln for ln in log().splitlines() if "malformed SIP from" in ln])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    t0 = time.time()
    burst = 100
    for i in range(burst):
        s.sendto(b"\x03 SECRET-BODY-7f3a burst %d\r\n" % i, EDGE)
        time.sleep(0.002)
    s.close()
    check("after a burst of %d: OPTIONS still answered" % burst, options() is not None)
    secs = time.time() - t0
    after = len([ln for ln in log().splitlines() if "malformed SIP from" in ln])
    check("the burst logged %d lines in %.1f s (at most one a second)" % (after - before, secs),
          after - before <= int(secs) + 2)
    check("no message content in the log", "SECRET-BODY" not in log())

    # --- TCP and TLS: a connection whose SIP does not frame is counted and closed ------
    streams = 0
    got, closed = tcp(b"GARBAGE NOT SIP AT ALL\r\n\r\n")
    check("TCP: garbage closes the connection, unanswered", closed and got == "")
    streams += 1
    got, _ = tcp(req("OPTIONS", drop=("Call-ID",), transport="TCP"))
    check("TCP: OPTIONS without Call-ID: 400", got.startswith("SIP/2.0 400") and "no Call-ID" in got)
    bad += 1
    got, _ = tcp(req("OPTIONS", transport="TCP"))
    check("TCP: a good OPTIONS on a new connection: 200", got.startswith("SIP/2.0 200"))
    empty_clen = req("OPTIONS", transport="TCP").replace(b"Content-Length: 0\r\n",
                                                         b"Content-Length:\r\n")
    got, closed = tcp(empty_clen)
    check("TCP: an empty Content-Length (libre reads 0): 200, not a fault",
          got.startswith("SIP/2.0 200") and not closed)
    no_clen = req("OPTIONS", transport="TCP").replace(b"Content-Length: 0\r\n", b"")
    got, closed = tcp(no_clen)
    check("TCP: a request without Content-Length closes the connection, unanswered",
          closed and got == "")
    streams += 1
    got, closed = stream([req("OPTIONS", transport="TCP") + b"\x16 SECRET-BODY-7f3a\r\n\r\n"],
                         replies=2)  # read on until the edge closes
    check("TCP: a good OPTIONS and garbage in one segment: the OPTIONS answered 200, "
          "then closed", got.startswith("SIP/2.0 200") and closed)
    streams += 1
    good = req("OPTIONS", transport="TCP")
    got, closed = stream([b"\r\n\r\n", good[:30], good[30:-2], good[-2:], b"\r\n" + good],
                         replies=2)
    check("TCP: keep-alives and an OPTIONS in pieces, then another: pong and two 200s, "
          "the connection kept open", got.count("SIP/2.0 200") == 2 and not closed)
    big = req("MESSAGE", transport="TCP", extra="Content-Type: text/plain\r\n", body="x" * 70000)
    got, closed = tcp(big)
    check("TCP: a %d-byte MESSAGE (over 64 KiB) closes the connection" % len(big),
          closed and got == "")
    streams += 1
    got, closed = stream([b"OPTIONS sip:x SIP/2.0\r\nX: " + b"y" * 8000] +
                         [b"y" * 8000] * 9)
    check("TCP: headers that never end (80 kB) close the connection", closed)
    streams += 1
    got, closed = stream([req("OPTIONS", transport="TLS")], tls=True)
    check("TLS: a good OPTIONS: 200", got.startswith("SIP/2.0 200"))
    got, closed = stream([b"GARBAGE OVER TLS SECRET-BODY-7f3a\r\n\r\n"], tls=True)
    check("TLS: garbage closes the connection, unanswered", closed and got == "")
    streams += 1
    got, closed = stream([no_clen.replace(b"/TCP", b"/TLS")], tls=True)
    check("TLS: a request without Content-Length closes the connection", closed and got == "")
    streams += 1
    time.sleep(1.1)  # past the one-line-a-second limit
    got, closed = tcp(b"GARBAGE AGAIN SECRET-BODY-7f3a\r\n\r\n")
    streams += 1
    lines = [ln for ln in log().splitlines() if "malformed SIP from" in ln]
    check("logged: peer, transport, fault, connection closed",
          any(re.search(r"malformed SIP from 127\.0\.0\.1:\d+ over (TCP|TLS) \(\d+ bytes\): "
                        r".*; connection closed", ln) for ln in lines))
    got, _ = tcp(req("OPTIONS", transport="TCP"))
    check("still answering OPTIONS over UDP and TCP",
          options() is not None and got.startswith("SIP/2.0 200"))

    r = udp(lambda p: req("REGISTER", lport=p, extra="Contact: <sip:2001@127.0.0.1:%d>\r\n"
                          "Expires: 60\r\n" % p))
    check("a good REGISTER after all this: 200", r is not None and r.startswith("SIP/2.0 200"))

    edge.send_signal(signal.SIGTERM)
    edge.wait(10)
    m = re.search(r"stopping: .* (\d+) registrations, (\d+) bad requests, (\d+) malformed "
                  r"datagrams", log())
    check("stop line counts %d malformed datagrams: %s" % (len(garbage) + burst,
                                                           m and m.group(3)),
          m is not None and int(m.group(3)) == len(garbage) + burst)
    check("stop line counts %d bad requests: %s" % (bad, m and m.group(2)),
          m is not None and int(m.group(2)) == bad)
    m = re.search(r"malformed datagrams, (\d+) TCP/TLS connections closed for malformed SIP",
                  log())
    check("stop line counts %d TCP/TLS connections closed for malformed SIP: %s" %
          (streams, m and m.group(1)), m is not None and int(m.group(1)) == streams)
    check("no message content in the log after the stream faults", "SECRET-BODY" not in log())
    check("the start-up self-test saw its own connection through the hook",
          "is not counted" not in log() and "not verified" not in log())
    check("exit status 0 after all the garbage", edge.returncode == 0)
finally:
    H.close()
H.exit()
