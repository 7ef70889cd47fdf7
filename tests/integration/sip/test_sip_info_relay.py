#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""INFOs that are not x-sipura, passed on by the edge and answered with the other
side's final response, through real sockets: xsrelayd (no fast path), three
xsrelay-sip, each with a fake upstream on 127.0.0.2 and a fake SPA phone on
127.0.0.1 (sipua.py). The scenarios run side by side, so that the edge's 30 s
wait for an unanswered INFO is waited once:

  out  the phone calls the upstream (the phone's INFOs reach the accepted leg):
         415     the upstream answers 415: the phone gets 415;
         200     the upstream answers 200 with a body: the phone gets 200 with it;
         retx    the phone sends one INFO three times (same branch, same CSeq)
                 before the upstream answers: passed on once, answered once; a
                 retransmission after the answer gets the 200 again;
         silent  the upstream never answers: the phone gets 408 after about 30 s;
                 the call stays up: a later INFO is passed on and answered 200,
                 and the phone's BYE ends the call normally.
  in   the upstream calls the phone (the phone's INFOs reach the placed leg):
         489     the upstream answers 489: the phone gets 489;
         415     an INFO from the upstream that the phone answers 415: the
                 upstream gets 415;
         silent  as above, then the upstream's BYE ends the call.
  gone the phone calls twice:
         487     the upstream hangs up while the phone's INFO waits for its
                 answer: the INFO gets 487 and the phone a BYE;
         481     the upstream answers an INFO 481: the phone gets 481 and the
                 edge ends the call.

Usage: test_sip_info_relay.py XSRELAY_SIP XSRELAY_MC XSRELAYD XSRELAYCTL
"""
import contextlib
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Harness, register  # noqa: E402
from sipua import UA, free_port, sdp  # noqa: E402

H = Harness("xsrelay-sip-inforelay.", *sys.argv[1:5])
check, log_of = H.check, H.log_of
DTMF = "application/dtmf-relay"


def is_info(m):
    return m.is_req and m.method == "INFO"


def is_bye(m):
    return m.is_req and m.method == "BYE"


def dtmf(sig):
    return "Signal=%s\r\nDuration=160\r\n" % sig


def is_final(m, method, cseq, callid):
    return not m.is_req and m.method == method and m.code >= 200 and \
        (m.hdr("cseq") or "").split()[0] == str(cseq) and m.hdr("call-id") == callid


def final(leg, method, cseq, timeout=5):
    """The final response leg's side got to its request method/cseq in leg's dialog."""
    return leg.ua.wait(lambda m: is_final(m, method, cseq, leg.callid), timeout)


def finals(leg, method, cseq):
    return [m for m in list(leg.ua.msgs) if is_final(m, method, cseq, leg.callid)]


def branch(m):
    g = re.search(r"branch=([^;\s]+)", m.hdr("via") or "")
    return g.group(1) if g else None


def infos_with(ua, body):
    """The INFOs ua got with body (libre's retransmissions of one INFO included)."""
    return [m for m in list(ua.msgs) if is_info(m) and m.body == body]


def arrived(ua, body, timeout=5):
    return ua.wait(lambda m: is_info(m) and m.body == body, timeout)


class Leg:
    """One side's view of its dialog with the edge, to send in-dialog requests."""

    def __init__(self, ua, ruri, to, callid, to_tag, cseq):
        self.ua, self.ruri, self.to, self.callid, self.to_tag = ua, ruri, to, callid, to_tag
        self.cseq = cseq

    def send(self, method, body="", ctype=DTMF, branch=None, cseq=None):
        if cseq is None:
            self.cseq += 1
            cseq = self.cseq
        self.ua.request(method, self.ruri, self.addr, self.to, self.callid, cseq, body=body,
                        to_tag=self.to_tag, branch=branch, ctype=ctype)
        return cseq


def info_answered(name, sender, receiver, sig, code, reason, body=None):
    """sender INFOs sig; receiver answers code (with body): sender's final response."""
    c = sender.send("INFO", dtmf(sig))
    got = arrived(receiver, dtmf(sig))
    check("%s: the INFO %s is passed on with its Content-Type" % (name, sig),
          got is not None and got.hdr("content-type") == DTMF)
    if got is None:
        return None
    receiver.reply(got, code, reason, body, ctype=DTMF)
    return final(sender, "INFO", c)


def silent(name, sender, receiver, log):
    """An INFO that receiver never answers: sender's final response and its delay."""
    t0 = time.time()
    c = sender.send("INFO", dtmf("9"))
    got = arrived(receiver, dtmf("9"))
    check("%s: silent: the INFO is passed on" % name, got is not None)
    r = final(sender, "INFO", c, 40)
    dt = time.time() - t0
    check("%s: silent: the sender gets 408 after about 30 s (%s after %.1f s)" %
          (name, r.code if r else None, dt), r is not None and r.code == 408 and 27 < dt < 33)
    check("%s: silent: logged" % name,
          "did not answer an INFO in 30 s: 408 to the" in log_of(log))


def phone_call(name, phone, edge_addr, callid):
    """The phone calls 3000 through the edge: its Leg, ACKed, or None."""
    phone.request("INVITE", "sip:3000@127.0.0.1:%d" % edge_addr[1], edge_addr,
                  "sip:3000@127.0.0.1", callid, 1, body=sdp("127.0.0.1", 6000, "9"))
    ok = phone.wait(lambda m: is_final(m, "INVITE", 1, callid), 10)
    check("%s: the phone's call is answered through the edge" % name,
          ok is not None and ok.code == 200)
    if not ok or ok.code != 200:
        return None
    leg = Leg(phone, ok.contact_uri(), "sip:3000@127.0.0.1", callid, ok.tag("to"), 1)
    leg.addr = edge_addr
    leg.send("ACK", cseq=1)
    return leg


@contextlib.contextmanager
def bench(name, up_user, up_auto, phone_auto):
    """An upstream and a phone answering as up_auto and phone_auto say (REGISTER
    and BYE always 200), the phone registered through a fresh edge: (edge log
    name, upstream, phone, edge process, edge address); all stopped after."""
    port = free_port()
    log = "sip-%s.log" % name
    ok = {"BYE": (200, "OK", None)}
    up = UA("127.0.0.2", user=up_user, auto=dict(ok, REGISTER=(200, "OK", None), **up_auto))
    phone = UA("127.0.0.1", user="2001", auto=dict(ok, **phone_auto))
    edge = H.start_edge(port, up.addr, log, "--secure-timeout", "0", "--insecure", "keep",
                        "--far-transport", "RTP/AVP")
    edge_addr = ("127.0.0.1", port)
    try:
        reg = register(phone, edge_addr, "reg-%s" % name)
        check("%s: the phone registers (200)" % name, reg is not None and reg.code == 200)
        yield log, up, phone, edge, edge_addr
    finally:
        H.stop(edge)
        up.close()
        phone.close()


def outgoing_bench(name):
    """The bench for calls from the phone: the upstream answers INVITE 200."""
    return bench(name, "3000", {"INVITE": (200, "OK", sdp("127.0.0.2", 5000, "7"))}, {})


def call_out(name):
    """The phone calls the upstream."""
    with outgoing_bench(name) as (log, up, phone, edge, edge_addr):
        leg = phone_call(name, phone, edge_addr, "%s-%d" % (name, os.getpid()))
        if not leg:
            return

        r = info_answered(name, leg, up, "1", 415, "Unsupported Media Type")
        check("%s: 415: the phone gets the upstream's 415 Unsupported Media Type" % name,
              r is not None and r.code == 415 and r.start.endswith("Unsupported Media Type"))
        check("%s: 415: logged" % name, "answered an INFO 415 Unsupported Media Type: passed "
              "on to the SPA side" in log_of(log))

        r = info_answered(name, leg, up, "2", 200, "OK", body="Result=accepted\r\n")
        check("%s: 200: the phone gets 200 with the upstream's body and Content-Type" % name,
              r is not None and r.code == 200 and r.body == "Result=accepted\r\n" and
              r.hdr("content-type") == DTMF)

        # --- retransmissions of one INFO before the upstream answers -----------
        c = leg.send("INFO", dtmf("3"), branch="retx%d" % os.getpid())
        got = arrived(up, dtmf("3"))
        for _ in range(2):
            time.sleep(0.3)
            leg.send("INFO", dtmf("3"), branch="retx%d" % os.getpid(), cseq=c)
        time.sleep(1.0)
        fw = infos_with(up, dtmf("3"))
        check("%s: retx: three sends of one INFO are passed on once (%d branch(es), "
              "%d CSeq(s) at the upstream)" % (name, len({branch(m) for m in fw}),
                                               len({m.hdr("cseq") for m in fw})),
              got is not None and len({branch(m) for m in fw}) == 1 and
              len({m.hdr("cseq") for m in fw}) == 1)
        check("%s: retx: no answer to the phone before the upstream's" % name,
              not finals(leg, "INFO", c))
        check("%s: retx: libre's server transaction absorbed the retransmissions (the "
              "edge's CSeq check did not have to)" % name, "repeats CSeq" not in log_of(log))
        if got:
            up.reply(got, 200, "OK")
        r = final(leg, "INFO", c)
        check("%s: retx: the phone gets the upstream's 200" % name,
              r is not None and r.code == 200)
        time.sleep(0.3)
        leg.send("INFO", dtmf("3"), branch="retx%d" % os.getpid(), cseq=c)
        time.sleep(0.5)
        check("%s: retx: a retransmission after the answer gets the 200 again, and is not "
              "passed on" % name, [m.code for m in finals(leg, "INFO", c)] == [200, 200] and
              len({branch(m) for m in infos_with(up, dtmf("3"))}) == 1)

        silent(name, leg, up, log)
        r = info_answered(name, leg, up, "4", 200, "OK")
        check("%s: after the 408 the call is up: a new INFO gets the upstream's 200" % name,
              r is not None and r.code == 200)
        check("%s: no BYE to either side, the edge runs" % name,
              phone.count(is_bye) == 0 and up.count(is_bye) == 0 and edge.poll() is None)
        c = leg.send("BYE")
        b = final(leg, "BYE", c)
        check("%s: the phone's BYE gets 200 and the upstream a BYE" % name,
              b is not None and b.code == 200 and up.wait(is_bye, 5) is not None)


def call_in(name):
    """The upstream calls the phone."""
    with bench(name, "caller", {}, {"INVITE": (200, "OK", sdp("127.0.0.1", 6000, "9"))}) as \
            (log, up, phone, edge, edge_addr):
        port = edge_addr[1]
        callid = "%s-%d" % (name, os.getpid())
        up.request("INVITE", "sip:2001@127.0.0.1:%d" % port, edge_addr, "sip:2001@127.0.0.1",
                   callid, 1, body=sdp("127.0.0.2", 5000, "7"))
        ok = up.wait(lambda m: is_final(m, "INVITE", 1, callid), 10)
        check("%s: the upstream's call is answered through the edge" % name,
              ok is not None and ok.code == 200)
        if not ok or ok.code != 200:
            return
        uleg = Leg(up, ok.contact_uri(), "sip:2001@127.0.0.1", callid, ok.tag("to"), 1)
        uleg.addr = edge_addr
        uleg.send("ACK", cseq=1)
        inv = phone.wait(lambda m: m.is_req and m.method == "INVITE", 5)
        # the edge's x-sipura Caller Hello: refused, the call stays plain (keep)
        hello = phone.wait(lambda m: is_info(m) and "x-sipura" in (m.hdr("content-type") or ""),
                           5)
        check("%s: the phone gets the edge's x-sipura INFO and refuses it" % name,
              hello is not None)
        if hello:
            phone.reply(hello, 488, "Not Acceptable Here")
        pleg = Leg(phone, inv.contact_uri(), "sip:caller@127.0.0.1", inv.hdr("call-id"),
                   inv.tag("from"), 10)
        pleg.addr = edge_addr

        r = info_answered(name, pleg, up, "1", 489, "Bad Event")
        check("%s: 489: the phone gets the upstream's 489 Bad Event" % name,
              r is not None and r.code == 489 and r.start.endswith("Bad Event"))
        r = info_answered(name, uleg, phone, "2", 415, "Unsupported Media Type")
        check("%s: 415 the other way: the upstream gets the phone's 415" % name,
              r is not None and r.code == 415)

        silent(name, pleg, up, log)
        check("%s: no BYE to either side, the edge runs" % name,
              phone.count(is_bye) == 0 and up.count(is_bye) == 0 and edge.poll() is None)
        c = uleg.send("BYE")
        b = final(uleg, "BYE", c)
        check("%s: the upstream's BYE gets 200 and the phone a BYE" % name,
              b is not None and b.code == 200 and phone.wait(is_bye, 5) is not None)


def call_gone(name):
    """Two calls from the phone that end while INFOs are around."""
    with outgoing_bench(name) as (log, up, phone, edge, edge_addr):
        # the upstream hangs up while the phone's INFO waits for its answer
        leg = phone_call(name, phone, edge_addr, "%s-1-%d" % (name, os.getpid()))
        if not leg:
            return
        c = leg.send("INFO", dtmf("1"))
        got = arrived(up, dtmf("1"))
        inv = up.wait(lambda m: m.is_req and m.method == "INVITE", 5)
        if got is None or inv is None:
            check("%s: the INFO reaches the upstream" % name, False)
            return
        up.request("BYE", inv.contact_uri(), edge_addr, "sip:2001@127.0.0.1",
                   inv.hdr("call-id"), 1, to_tag=inv.tag("from"))
        r = final(leg, "INFO", c)
        check("%s: the upstream's BYE while the phone's INFO is pending: the INFO gets 487, "
              "the phone a BYE" % name, r is not None and r.code == 487 and
              phone.wait(is_bye, 5) is not None)
        # the upstream answers an INFO 481: it no longer knows the dialog
        n_bye = up.count(is_bye)
        leg = phone_call(name, phone, edge_addr, "%s-2-%d" % (name, os.getpid()))
        if not leg:
            return
        r = info_answered(name, leg, up, "2", 481, "Call/Transaction Does Not Exist")
        time.sleep(0.5)
        check("%s: 481: the phone gets 481, and the edge ends the call (a BYE to each "
              "side: %s, phone %d, upstream %d before %d)" % (
                  name, r.code if r else None, phone.count(is_bye), up.count(is_bye), n_bye), r is not None and r.code == 481 and
              phone.count(is_bye) == 2 and up.count(is_bye) >= n_bye + 1)
        check("%s: 481: logged" % name,
              "ended: the other side answered an INFO with 481" in log_of(log))


def run(f, name):
    try:
        f(name)
    except Exception as ex:  # a crash in a thread is a failed check, not a hang
        check("%s: ran through (%r)" % (name, ex), False)


try:
    H.ca_key()
    H.start_xsrelayd()
    H.side_by_side(run, ((call_out, "out"), (call_in, "in"), (call_gone, "gone")))
finally:
    H.close(tail=3000)
H.exit()
