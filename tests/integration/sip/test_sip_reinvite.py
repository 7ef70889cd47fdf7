#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""re-INVITEs re-anchored through xsrelayd (issue 6), through real sockets:
xsrelayd (no fast path), xsrelay-sip, a fake upstream on 127.0.0.2 and a fake
SPA phone on 127.0.0.1 (sipua.py). The upstream calls the phone; then

  move     the phone re-INVITEs with a new address and port: the edge answers
           at once with the relay's SDP (same relay port), the upstream gets a
           re-INVITE with the relay's SDP (same relay port), xsrelayd shows the
           phone's new endpoint;
  hold     the upstream re-INVITEs with a=sendonly and a new port: the edge
           answers recvonly, the phone gets a=sendonly, xsrelayd shows the
           upstream's new endpoint;
  resume   the upstream re-INVITEs with a=sendrecv: passed on the same way;
  codec    the phone offers only PCMA: the edge's answer and the upstream's
           re-INVITE carry PCMA only;
  far side answers otherwise: the upstream answers the phone's re-INVITE
           with a=inactive; the phone gets a re-INVITE with a=inactive;
  corrective answered from a new port: the upstream answers sendonly, the
           phone gets a corrective re-INVITE with a=sendonly and answers it
           recvonly from a new port; xsrelayd shows the phone's new endpoint;
  bye      the phone's BYE ends the call; xsrelayd forgets it.

Usage: test_sip_reinvite.py XSRELAY_SIP XSRELAY_MC XSRELAYD XSRELAYCTL
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Harness, register  # noqa: E402
from sipua import UA, free_port, sdp  # noqa: E402

H = Harness("xsrelay-sip-reinv.", *sys.argv[1:5])
check, log_of, ctl = H.check, H.log_of, H.ctl


def endpoints(callid):
    """{tag: endpoint of media 1} from xsrelayd's query."""
    rc, out = ctl("--json", "show", callid)
    if rc:
        return {}
    try:
        tags = json.loads(out).get("tags", {})
    except ValueError:
        return {}
    return {t: v.get("medias", [{}])[0].get("endpoint") for t, v in tags.items()}


def m_line(body):
    m = re.search(r"m=audio (\d+) (\S+) ([^\r\n]*)", body or "")
    return (int(m.group(1)), m.group(2), m.group(3)) if m else (None, None, None)


def conn(body):
    m = re.search(r"c=IN IP4 (\S+)", body or "")
    return m.group(1) if m else None


def direction(body):
    m = re.findall(r"a=(sendrecv|sendonly|recvonly|inactive)", body or "")
    return m[-1] if m else None


def with_dir(body, d):
    return body.replace("a=sendrecv", "a=" + d)


def reinvites(ua):
    return [m for m in ua.msgs if m.is_req and m.method == "INVITE" and m.tag("to")]


def wait_new_reinvite(ua, seen, timeout=5):
    return ua.wait(lambda m: m.is_req and m.method == "INVITE" and m.tag("to") and
                   id(m) not in seen, timeout)


def final(ua, method, cseq, timeout=5):
    return ua.wait(lambda m: not m.is_req and m.method == method and m.code >= 200 and
                   (m.hdr("cseq") or "").split()[0] == str(cseq), timeout)


def phone_reinvite(cseq, body):
    """The phone re-INVITEs the edge with body: the final response, ACKed."""
    phone.request("INVITE", p_edge, edge_addr, "sip:caller@127.0.0.1", p_callid, cseq,
                  body=body, to_tag=p_edge_tag)
    r = final(phone, "INVITE", cseq)
    phone.request("ACK", p_edge, edge_addr, "sip:caller@127.0.0.1", p_callid, cseq,
                  to_tag=p_edge_tag)
    return r


def up_reinvite(cseq, body):
    """The upstream re-INVITEs the edge with body: the final response, ACKed."""
    up.request("INVITE", up_edge, edge_addr, "sip:2001@127.0.0.1", callid, cseq, body=body,
               to_tag=ok.tag("to"))
    r = final(up, "INVITE", cseq)
    up.request("ACK", up_edge, edge_addr, "sip:2001@127.0.0.1", callid, cseq, to_tag=ok.tag("to"))
    return r


port = free_port()
up = UA("127.0.0.2", user="caller", auto={"REGISTER": (200, "OK", None),
                                          "BYE": (200, "OK", None),
                                          "INFO": (200, "OK", None),
                                          "INVITE": (200, "OK", sdp("127.0.0.2", 5000, "7"))})
phone = UA("127.0.0.1", user="2001", auto={"INVITE": (200, "OK", sdp("127.0.0.1", 6000, "9")),
                                           "BYE": (200, "OK", None),
                                           "INFO": (200, "OK", None)})
edge_addr = ("127.0.0.1", port)
try:
    H.ca_key()
    H.start_xsrelayd()
    edge = H.start_edge(port, up.addr, "sip.log", "--secure-timeout", "0", "--insecure", "keep",
                        "--far-transport", "RTP/AVP")
    reg = register(phone, edge_addr, "reg-1")
    check("the phone registers (200)", reg is not None and reg.code == 200)

    # --- the call: upstream -> phone ------------------------------------------
    callid = "reinv-%d" % os.getpid()
    up.request("INVITE", "sip:2001@127.0.0.1:%d" % port, edge_addr, "sip:2001@127.0.0.1",
               callid, 1, body=sdp("127.0.0.2", 5000, "7"))
    ok = final(up, "INVITE", 1, 10)
    check("the call is answered through the edge", ok is not None and ok.code == 200)
    up.request("ACK", ok.contact_uri(), edge_addr, "sip:2001@127.0.0.1", callid, 1,
               to_tag=ok.tag("to"))
    inv = phone.wait(lambda m: m.is_req and m.method == "INVITE", 5)
    relay_up = m_line(ok.body)[0]      # the relay's port toward the upstream
    relay_spa = m_line(inv.body)[0]    # ... toward the phone
    p_callid, p_edge_tag, p_edge = inv.hdr("call-id"), inv.tag("from"), inv.contact_uri()
    up_edge = ok.contact_uri()
    time.sleep(0.3)
    ep = endpoints(callid)
    check("xsrelayd: both legs' first endpoints", sorted(ep.values()) ==
          ["127.0.0.1:6000", "127.0.0.2:5000"])

    # --- move: the phone re-INVITEs from a new address and port ----------------
    seen_up = {id(m) for m in reinvites(up)}
    moved = sdp("127.0.0.5", 6100, "9").replace("o=- 9 1", "o=- 9 2")
    r = phone_reinvite(10, moved)
    check("move: the edge answers the phone's re-INVITE 200 with the relay's SDP "
          "(same relay port, sendrecv)", r is not None and r.code == 200 and
          m_line(r.body)[0] == relay_spa and conn(r.body) == "127.0.0.1" and
          direction(r.body) == "sendrecv")
    ri = wait_new_reinvite(up, seen_up, 1.5)
    check("move: the upstream's view (the relay's address and port) did not change: "
          "no re-INVITE to it", ri is None)
    time.sleep(0.5)
    ep = endpoints(callid)
    check("move: xsrelayd shows the phone's new endpoint 127.0.0.5:6100 (%s)" % ep,
          "127.0.0.5:6100" in ep.values() and "127.0.0.2:5000" in ep.values())
    check("move: logged as passed on through xsrelayd",
          "re-INVITE from the SPA side (sendrecv), passed on through xsrelayd" in log_of("sip.log"))

    # --- hold and resume from the upstream ------------------------------------
    seen_ph = {id(m) for m in reinvites(phone)}
    phone.auto["INVITE"] = (200, "OK", with_dir(sdp("127.0.0.5", 6100, "9"), "recvonly"))
    held = with_dir(sdp("127.0.0.2", 5002, "7"), "sendonly").replace("o=- 7 1", "o=- 7 2")
    r = up_reinvite(2, held)
    check("hold: the edge answers the upstream recvonly, relay port unchanged",
          r is not None and r.code == 200 and direction(r.body) == "recvonly" and
          m_line(r.body)[0] == relay_up)
    ri = wait_new_reinvite(phone, seen_ph)
    check("hold: the phone gets a re-INVITE with a=sendonly on the relay's port",
          ri is not None and direction(ri.body) == "sendonly" and m_line(ri.body)[0] == relay_spa)
    time.sleep(0.5)
    ep = endpoints(callid)
    check("hold: xsrelayd shows the upstream's new endpoint 127.0.0.2:5002 (%s)" % ep,
          "127.0.0.2:5002" in ep.values() and "127.0.0.5:6100" in ep.values())
    n_ph = len(reinvites(phone))
    seen_ph = {id(m) for m in reinvites(phone)}
    phone.auto["INVITE"] = (200, "OK", sdp("127.0.0.5", 6100, "9"))
    resumed = sdp("127.0.0.2", 5002, "7").replace("o=- 7 1", "o=- 7 3")
    r = up_reinvite(3, resumed)
    ri = wait_new_reinvite(phone, seen_ph)
    check("resume: the upstream gets sendrecv, the phone a re-INVITE with a=sendrecv",
          r is not None and r.code == 200 and direction(r.body) == "sendrecv" and
          ri is not None and direction(ri.body) == "sendrecv")
    time.sleep(0.5)
    check("hold/resume: the phone answered as the edge did: no extra re-INVITE to either side",
          len(reinvites(phone)) == n_ph + 1 and len(reinvites(up)) == 0)

    # --- codec change from the phone ------------------------------------------
    seen_up = {id(m) for m in reinvites(up)}
    up.auto["INVITE"] = (200, "OK", sdp("127.0.0.2", 5002, "7", codecs="8"))
    pcma = sdp("127.0.0.5", 6100, "9", codecs="8").replace("o=- 9 1", "o=- 9 3")
    r = phone_reinvite(11, pcma)
    ri = wait_new_reinvite(up, seen_up)
    check("codec: the edge answers the phone with PCMA only (what it now offers)",
          r is not None and r.code == 200 and m_line(r.body)[2].split() == ["8"] and
          m_line(r.body)[0] == relay_spa)
    check("codec: the upstream's re-INVITE offers PCMA only",
          ri is not None and m_line(ri.body)[2].split() == ["8"])

    # --- the far side answers otherwise than the edge did ---------------------
    seen_up = {id(m) for m in reinvites(up)}
    seen_ph = {id(m) for m in reinvites(phone)}
    up.auto["INVITE"] = (200, "OK", with_dir(sdp("127.0.0.2", 5002, "7", codecs="8"),
                                             "inactive"))
    again = sdp("127.0.0.5", 6100, "9", codecs="8 0").replace("o=- 9 1", "o=- 9 4")
    r = phone_reinvite(12, again)
    ri_up = wait_new_reinvite(up, seen_up)
    ri = wait_new_reinvite(phone, seen_ph)
    check("far side answers inactive: the upstream is offered PCMA and PCMU",
          ri_up is not None and m_line(ri_up.body)[2].split() == ["8", "0"])
    check("far side answers inactive: the phone first got PCMA sendrecv at once, then a "
          "re-INVITE with a=inactive", r is not None and direction(r.body) == "sendrecv" and
          m_line(r.body)[2].split() == ["8"] and ri is not None and
          direction(ri.body) == "inactive" and m_line(ri.body)[0] == relay_spa)
    check("far side answers inactive: the o= version toward the phone went up by one each "
          "time the SDP changed", r is not None and ri is not None and
          int(re.search(r"o=\S+ \S+ (\d+)", ri.body).group(1)) ==
          int(re.search(r"o=\S+ \S+ (\d+)", r.body).group(1)) + 1)
    check("far side answers inactive: logged",
          "answered otherwise than the edge did at once" in log_of("sip.log"))
    up.auto["INVITE"] = (200, "OK", sdp("127.0.0.2", 5002, "7", codecs="8"))

    # --- the party answering the edge's corrective re-INVITE moves ------------
    seen_up = {id(m) for m in reinvites(up)}
    seen_ph = {id(m) for m in reinvites(phone)}
    up.auto["INVITE"] = (200, "OK", with_dir(sdp("127.0.0.2", 5002, "7", codecs="8"),
                                             "sendonly"))
    phone.auto["INVITE"] = (200, "OK", with_dir(sdp("127.0.0.5", 6200, "9", codecs="8"),
                                                "recvonly").replace("o=- 9 1", "o=- 9 6"))
    back = sdp("127.0.0.5", 6100, "9", codecs="8").replace("o=- 9 1", "o=- 9 5")
    r = phone_reinvite(13, back)
    ri_up = wait_new_reinvite(up, seen_up)
    ri = wait_new_reinvite(phone, seen_ph)
    check("corrective re-INVITE answered from a new port: the phone got sendrecv at once, "
          "then, the upstream having answered sendonly, a re-INVITE with a=sendonly",
          r is not None and direction(r.body) == "sendrecv" and ri_up is not None and
          ri is not None and direction(ri.body) == "sendonly" and m_line(ri.body)[0] == relay_spa)
    time.sleep(0.5)
    ep = endpoints(callid)
    check("corrective re-INVITE answered from a new port: xsrelayd shows the phone's new "
          "endpoint 127.0.0.5:6200 (%s)" % ep,
          "127.0.0.5:6200" in ep.values() and "127.0.0.2:5002" in ep.values())
    check("corrective re-INVITE answered from a new port: logged as passed on to xsrelayd",
          "answer to the edge's corrective re-INVITE, passed on to xsrelayd" in log_of("sip.log"))
    check("corrective re-INVITE answered from a new port: no further re-INVITE to either side",
          wait_new_reinvite(up, seen_up | {id(ri_up)}, 1) is None and
          wait_new_reinvite(phone, seen_ph | {id(ri)}, 0.1) is None)
    up.auto["INVITE"] = (200, "OK", sdp("127.0.0.2", 5002, "7", codecs="8"))
    phone.auto["INVITE"] = (200, "OK", sdp("127.0.0.5", 6200, "9", codecs="8"))

    # --- the call goes on and ends with a BYE ---------------------------------
    check("the call is still up: no BYE yet", phone.count(lambda m: m.is_req and
                                                          m.method == "BYE") == 0 and
          up.count(lambda m: m.is_req and m.method == "BYE") == 0 and edge.poll() is None)
    phone.request("BYE", p_edge, edge_addr, "sip:caller@127.0.0.1", p_callid, 14,
                  to_tag=p_edge_tag)
    b = final(phone, "BYE", 14)
    bu = up.wait(lambda m: m.is_req and m.method == "BYE", 5)
    check("bye: the phone's BYE gets 200 and the upstream a BYE", b is not None and
          b.code == 200 and bu is not None)
    time.sleep(0.3)
    rc, out = ctl("show", callid)
    check("bye: xsrelayd forgot the call", rc == 1 and "unknown call-id" in out)
finally:
    H.close()
    up.close()
    phone.close()
H.exit()
