#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The insecure policy on an unanswered x-sipura INFO (issue 6), through real sockets:
xsrelayd (no fast path), xsrelay-sip, a fake upstream on 127.0.0.2 and a fake SPA
phone on 127.0.0.1 that registers, answers the call and never answers the edge's
Caller Hello INFO. libre's INFO transaction times out after 64*T1 = 32 s; three
edges run side by side so that the test takes that long once:

  keep     secure-timeout 0, insecure keep: the timeout makes the call insecure
           with its reason; the call stays up (no BYE), xsrelayctl shows
           INSECURE with the reason, and it ends normally on the upstream's BYE.
  hangup   secure-timeout 0, insecure hangup: both legs get a BYE; xsrelayd
           logged the reason before the call was deleted.
  late     secure-timeout 2, insecure keep: insecure at 2 s; the INFO timing out
           later still does not end the call.

Usage: test_sip_info_timeout.py XSRELAY_SIP XSRELAY_MC XSRELAYD XSRELAYCTL
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Harness, register  # noqa: E402
from sipua import UA, free_port, sdp  # noqa: E402

H = Harness("xsrelay-sip-info.", *sys.argv[1:5])
check, log_of, ctl = H.check, H.log_of, H.ctl


def is_info(m):
    return m.is_req and m.method == "INFO"


def is_bye(m):
    return m.is_req and m.method == "BYE"


def scenario(name, timeout, policy, expect):
    """expect: 'kept' (call survives the INFO timeout) or 'ended'."""
    port = free_port()
    up = UA("127.0.0.2", user="caller", auto={"REGISTER": (200, "OK", None),
                                              "BYE": (200, "OK", None),
                                              "INFO": (200, "OK", None)})
    phone = UA("127.0.0.1", user="2001", auto={"INVITE": (200, "OK", sdp("127.0.0.1", 6000)),
                                               "BYE": (200, "OK", None)})
    log = "sip-%s.log" % name
    edge = H.start_edge(port, up.addr, log, "--secure-timeout", str(timeout),
                        "--insecure", policy)
    edge_addr = ("127.0.0.1", port)
    try:
        reg = register(phone, edge_addr, "reg-%s" % name)
        check("%s: the phone registers (200)" % name, reg is not None and reg.code == 200)
        callid = "call-%s-%d" % (name, os.getpid())
        up.request("INVITE", "sip:2001@127.0.0.1:%d" % port, edge_addr, "sip:2001@127.0.0.1",
                   callid, 1, body=sdp("127.0.0.2", 5000))
        ok = up.wait(lambda m: not m.is_req and m.method == "INVITE" and m.code == 200, 10)
        check("%s: the call is answered through the edge" % name, ok is not None)
        if not ok:
            return
        up.request("ACK", ok.contact_uri(), edge_addr, "sip:2001@127.0.0.1", callid, 1,
                   to_tag=ok.tag("to"))
        info = phone.wait(is_info, 10)
        check("%s: the edge sends the phone the Caller Hello INFO, which goes unanswered" % name,
              info is not None and "x-sipura" in (info.hdr("content-type") or ""))
        t0 = time.time()
        # libre gives up on the INFO after 64*T1 = 32 s (timer F)
        if expect == "ended":
            bye = phone.wait(is_bye, 45)
            bye_up = up.wait(is_bye, 5)
            check("%s: after the INFO timeout both legs get a BYE (%.0f s)" %
                  (name, time.time() - t0), bye is not None and bye_up is not None)
            check("%s: logged with the reason and the policy" % name,
                  "the phone did not answer the Caller Hello (INFO timed out); policy hangup"
                  in log_of(log))
            check("%s: xsrelayd was told the reason before the call went" % name,
                  "did not answer the Caller Hello" in log_of("xsrelayd.log"))
            return
        reason = ("no handshake completed in time" if timeout else
                  "the phone did not answer the Caller Hello (INFO timed out)")
        deadline = time.time() + 45
        while time.time() < deadline and "INFO timed out" not in log_of(log) and \
                not (timeout and time.time() - t0 > 36):
            time.sleep(0.5)
        time.sleep(3)  # a BYE, if the edge were to end the call, comes now
        check("%s: the call outlives the INFO timeout (no BYE to either leg, %.0f s)" %
              (name, time.time() - t0), phone.count(is_bye) == 0 and up.count(is_bye) == 0
              and edge.poll() is None)
        check("%s: logged: %s; policy keep" % (name, reason),
              "x-sipura: %s; policy keep" % reason in log_of(log))
        if timeout:
            check("%s: the INFO timeout later changes nothing (no second policy run)" % name,
                  log_of(log).count("policy keep") == 1)
        rc, out = ctl("show", callid)
        check("%s: xsrelayctl show: INSECURE: %s" % (name, reason),
              rc == 0 and ("INSECURE: " + reason) in out)
        up.request("BYE", ok.contact_uri(), edge_addr, "sip:2001@127.0.0.1", callid, 2,
                   to_tag=ok.tag("to"))
        check("%s: the upstream's BYE ends the call: 200, and a BYE to the phone" % name,
              up.wait(lambda m: not m.is_req and m.method == "BYE" and m.code == 200, 5)
              is not None and phone.wait(is_bye, 5) is not None)
    finally:
        H.stop(edge)
        up.close()
        phone.close()


try:
    H.ca_key()
    H.start_xsrelayd()
    H.side_by_side(scenario, (("keep", 0, "keep", "kept"), ("hangup", 0, "hangup", "ended"),
                              ("late", 2, "keep", "kept")))
finally:
    H.close(tail=2500)
H.exit()
