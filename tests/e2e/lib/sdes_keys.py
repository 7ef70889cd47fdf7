#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The SDES keys a relay sends a party's media under, read from the SIP in a capture.

  sdes_keys.py CAPTURE.pcap PARTY_IP

Prints srtp-check options, one a line: "--key ADDR:PORT=SUITE:KEY" for the RTP
port and the RTCP port (the next one, unless the party's SDP has a=rtcp-mux)
of every offer/answer exchange of the party over SIP/UDP in the capture (a
re-INVITE that changes keys adds a key: srtp-check takes several per
destination). The destination is what the party's own SDP says (c= and m=); the
key is the one the other side declared (RFC 4568: each side's a=crypto carries
the key it sends under): the answer's crypto line when the party offered, or the
offer's line with the tag the party answered with. Exit 1 if there is none.
Offers in responses (a 200 to an INVITE without SDP) are not handled.
"""
import re
import struct
import sys


def udp_payloads(path):
    """(src_ip, dst_ip, payload) of every IPv4 UDP packet, Ethernet or Linux cooked."""
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack_from("<I", data, 0)
    endian = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    link, = struct.unpack_from(endian + "I", data, 20)
    off = 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack_from(endian + "IIII", data, off)
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if link == 1 and frame[12:14] == b"\x08\x00":
            ip = frame[14:]
        elif link == 113 and frame[14:16] == b"\x08\x00":
            ip = frame[16:]
        else:
            continue
        if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 15) * 4
        ulen, = struct.unpack_from(">H", ip, ihl + 4)
        yield ".".join(map(str, ip[12:16])), ".".join(map(str, ip[16:20])), \
            ip[ihl + 8:ihl + ulen]


def sip_sdps(path):
    """(src, dst, call_id, is_request, sdp_text) of SIP messages with an SDP body."""
    for src, dst, p in udp_payloads(path):
        text = p.decode("utf-8", "replace")
        if not re.match(r"^(SIP/2\.0 \d{3}|[A-Z]+ sip:)", text) or "\r\n\r\n" not in text:
            continue
        head, body = text.split("\r\n\r\n", 1)
        cid = re.search(r"^(?:Call-ID|i)\s*:\s*(\S+)", head, re.M | re.I)
        if cid and "m=audio" in body:
            yield src, dst, cid.group(1), not head.startswith("SIP/2.0"), body


def cryptos(sdp):
    return {m.group(1): (m.group(2), m.group(3)) for m in re.finditer(
        r"^a=crypto:(\d+) (\S+) inline:([A-Za-z0-9+/=]+)", sdp, re.M)}


def destination(sdp):
    c = re.search(r"^c=IN IP4 (\S+)", sdp, re.M)
    m = re.search(r"^m=audio (\d+) ", sdp, re.M)
    return c.group(1), int(m.group(1)), "a=rtcp-mux" in sdp


def exchanges(path, party):
    """(party's SDP, the other side's SDP, party offered) of each offer/answer."""
    pending = {}
    for src, dst, cid, request, sdp in sip_sdps(path):
        who = "party" if src == party else "other"
        if request:
            pending[cid] = (who, sdp)  # a retransmission replaces it with a copy
        elif cid in pending and pending[cid][0] != who:
            offerer, offer = pending.pop(cid)
            yield (offer, sdp, True) if offerer == "party" else (sdp, offer, False)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    out = []
    for mine, theirs, offered in exchanges(argv[1], argv[2]):
        ours, other = cryptos(mine), cryptos(theirs)
        lines = list(other.values()) if offered else [other[t] for t in ours if t in other]
        if not lines:
            continue
        addr, port, mux = destination(mine)
        suite, key = lines[0]
        for p in (port,) if mux else (port, port + 1):
            opt = "--key %s:%d=%s:%s" % (addr, p, suite, key)
            if opt not in out:
                out.append(opt)
    print("\n".join(out))
    return 0 if out else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
