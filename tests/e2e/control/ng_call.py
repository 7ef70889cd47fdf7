#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Drives one SDES<->SDES call through xsrelayd's ng socket for the end-to-end test.

  ng_call.py setup NG_PORT KEYHEX_A KEYHEX_B OUTDIR
      offer from A (10.0.0.2:5000, key A) and answer from B (10.0.1.2:7000, key B),
      direction a -> b; writes OUTDIR/port_a, port_b (the relay ports each side
      sends to) and key_to_a, key_to_b (the relay's keys, hex, from the SDPs)
  ng_call.py setup-plain NG_PORT KEYHEX_B OUTDIR
      call e2e-plain: offer from A (10.0.0.2:5000, plain RTP/AVP) to be sent to B as
      RTP/SAVP, answer from B (10.0.1.2:7000, key B); writes OUTDIR/port_a (where A
      sends RTP; RTCP goes to the next port) and key_to_b (the relay's key toward
      B, hex: what B decrypts the relay's SRTP with)
  ng_call.py refused NG_PORT
      a call toward interface c, whose address the fast path does not have: the
      answer is ok with the fast path's refusal as its warning, in the reply and
      in the retransmitted (cached) reply; the call is then deleted
  ng_call.py delete NG_PORT MIN_PACKETS
      deletes e2e-call: the reply carries the final counters of its flows (each
      leg's stream relayed at least MIN_PACKETS), the retransmission gets the same
      reply, and the call is gone from the list
  ng_call.py flows NG_PORT         prints the fast path's flow count (statistics)
  ng_call.py dp-stat NG_PORT NAME...   prints the fast path's global counters NAME...
  ng_call.py orphans NG_PORT       prints xsrelayd's dp_orphans counter
  ng_call.py list NG_PORT          prints the call-ids, one a line
  ng_call.py delete-only NG_PORT CALL_ID   deletes a call (exit 1 unless ok)
  ng_call.py wait-fast-path NG_PORT SECONDS
      waits until statistics says the fast path is connected (exit 1 if not)
"""
import base64
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../integration/control"))
from ngclient import Ng  # noqa: E402


def sdp(who, addr, port, keyhex):
    key = base64.b64encode(bytes.fromhex(keyhex)).decode()
    return ("v=0\r\no=%s 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n"
            "a=sendrecv\r\n" % (who, addr, addr, port, key))


def plain_sdp(who, addr, port):
    return ("v=0\r\no=%s 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=sendrecv\r\n" % (who, addr, addr, port))


def write_out(out, **values):
    for name, v in values.items():
        with open(os.path.join(out, name), "w") as f:
            f.write("%s\n" % v)


def relay(sdp_text):
    port = int(re.search(r"m=audio (\d+) ", sdp_text).group(1))
    m = re.search(r"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:(\S+)", sdp_text)
    return port, base64.b64decode(m.group(1)).hex()


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    ng = Ng(udp=("127.0.0.1", port))
    if cmd == "setup":
        ka, kb, out = sys.argv[3], sys.argv[4], sys.argv[5]
        r = ng.req({"command": "offer", "call-id": "e2e-call", "from-tag": "A",
                    "sdp": sdp("a", "10.0.0.2", 5000, ka), "transport-protocol": "RTP/SAVP",
                    "direction": ["a", "b"], "replace": ["origin"]})
        assert r["result"] == "ok", r
        port_b, key_to_b = relay(r["sdp"])
        r = ng.req({"command": "answer", "call-id": "e2e-call", "from-tag": "A",
                    "to-tag": "B", "sdp": sdp("b", "10.0.1.2", 7000, kb)})
        assert r["result"] == "ok", r
        port_a, key_to_a = relay(r["sdp"])
        write_out(out, port_a=port_a, port_b=port_b, key_to_a=key_to_a, key_to_b=key_to_b)
    elif cmd == "setup-plain":
        kb, out = sys.argv[3], sys.argv[4]
        r = ng.req({"command": "offer", "call-id": "e2e-plain", "from-tag": "A",
                    "sdp": plain_sdp("a", "10.0.0.2", 5000), "transport-protocol": "RTP/SAVP",
                    "direction": ["a", "b"], "replace": ["origin"]})
        assert r["result"] == "ok", r
        port_b, key_to_b = relay(r["sdp"])
        r = ng.req({"command": "answer", "call-id": "e2e-plain", "from-tag": "A",
                    "to-tag": "B", "sdp": sdp("b", "10.0.1.2", 7000, kb)})
        assert r["result"] == "ok", r
        assert "a=crypto" not in r["sdp"], r["sdp"]  # A stays plain
        port_a = int(re.search(r"m=audio (\d+) RTP/AVP ", r["sdp"]).group(1))
        write_out(out, port_a=port_a, port_b=port_b, key_to_b=key_to_b)
    elif cmd == "delete-only":
        r = ng.req({"command": "delete", "call-id": sys.argv[3]})
        return 0 if r["result"] == "ok" else 1
    elif cmd == "refused":
        r = ng.req({"command": "offer", "call-id": "e2e-refused", "from-tag": "A",
                    "sdp": sdp("a", "10.0.0.2", 5100, "00" * 30),
                    "direction": ["a", "c"]})
        assert r["result"] == "ok", r
        answer = {"command": "answer", "call-id": "e2e-refused", "from-tag": "A",
                  "to-tag": "B", "sdp": sdp("b", "10.0.2.2", 7100, "11" * 30)}
        cookie = ng.cookie()
        r = ng.req(answer, cookie=cookie)
        want = "the fast path refused a flow; see the log"
        assert r["result"] == "ok" and r.get("warning") == want, r
        again = ng.req(answer, cookie=cookie)  # a retransmission: the cache answers
        assert again == r, (again, r)
        r = ng.req({"command": "delete", "call-id": "e2e-refused"})
        assert r["result"] == "ok", r
        print("refused flow: answer ok with warning %r, also when retransmitted" % want)
    elif cmd == "delete":
        least = int(sys.argv[3])
        cookie = ng.cookie()
        r = ng.req({"command": "delete", "call-id": "e2e-call"}, cookie=cookie)
        assert r["result"] == "ok", r
        pkts = {tag: leg["medias"][0].get("stats", {}).get("pkts_in", -1)
                for tag, leg in r["tags"].items()}
        assert set(pkts) == {"A", "B"} and min(pkts.values()) >= least, pkts
        assert r["totals"]["packets"] == sum(pkts.values()), r["totals"]
        assert ng.req({"command": "delete", "call-id": "e2e-call"}, cookie=cookie) == r
        assert "e2e-call" not in ng.req({"command": "list"})["calls"]
        print("delete: final counters %s, totals %d packets" % (pkts, r["totals"]["packets"]))
    elif cmd == "orphans":
        print(ng.req({"command": "statistics"})["statistics"]["xsrelayd"]["dp_orphans"])
    elif cmd == "dp-stat":
        st = ng.req({"command": "statistics"})["statistics"]["fast path"]
        print(" ".join(str(st[name]) for name in sys.argv[3:]))
    elif cmd == "flows":
        print(ng.req({"command": "statistics"})["statistics"]["fast path"]["flows"])
    elif cmd == "list":
        for c in ng.req({"command": "list"})["calls"]:
            print(c)
    elif cmd == "wait-fast-path":
        end = time.time() + float(sys.argv[3])
        while time.time() < end:
            st = ng.req({"command": "statistics"})["statistics"]["xsrelayd"]
            if st["fast path"] == "connected":
                return 0
            time.sleep(0.1)
        return 1
    return 0


sys.exit(main())
