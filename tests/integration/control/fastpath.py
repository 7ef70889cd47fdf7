# SPDX-License-Identifier: BSD-3-Clause
"""A scripted fast path for xsrelayd's tests: the control protocol of
include/xsrelay/dp_proto.h on a SOCK_SEQPACKET socket, written from the
header, independently of the C codec.

It keeps a flow table as xsrelay-dp does (FLOW_ADD: EEXIST when present,
FLOW_REPLACE: ENOENT when absent, FLOW_DEL, FLOW_GET, FLOW_DUMP), applies the
marks a flow comes with (F_MARKS) as the marks it reports, answers BATCH (or
refuses it, batch=False, as a fast path from before BATCH does) and records
every request, decoded, in .log. The test sets the marks a flow reports with
set_marks(), as a fast path whose streams moved on would, changes a flow's
cookie with set_cookie() and adds flows nobody programmed with plant(), as a
fast path that ran on while xsrelayd was away could have. on_request, when
set, is called with (type, Flow) for each FLOW_ADD/FLOW_REPLACE as it
arrives, before it is answered (the test may kill xsrelayd there).
"""
import socket
import struct
import threading
import time

HELLO, FLOW_ADD, FLOW_REPLACE, FLOW_DEL, KEYS_SET, FLOW_GET, FLOW_DUMP, STATS_GET = range(1, 9)
ACK, ERROR, FLOW_INFO, DUMP_DONE, STATS, BATCH = 9, 10, 11, 12, 13, 14
HDR_F_MORE = 1
F_RTCP_MUX_IN, F_RTCP_MUX_OUT, F_IN_KEYS, F_OUT_KEYS = 1, 2, 4, 8
F_RESET, F_MARKS, F_RELATCH, F_REBIND = 16, 32, 64, 128
SRC_LATCH, SRC_FIXED, SRC_LATCH_IP = 1, 2, 3
EEXIST, ENOENT, EOPNOTSUPP = 17, 2, 95
# struct sizes, by their index in the HELLO table (XS_DP_STRUCTS order)
SIZE_IDX = {"hdr": 0, "flow": 4, "flow_msg": 5, "flow_ref": 6, "flow_info": 9,
            "stats": 13, "marks": 16}
FLOW_LEN, CRYPTO_LEN, MARKS_LEN, MARKS_MAX = 96, 88, 136, 8
COOKIE_OFF = 88  # struct xs_dp_flow: four addresses, flags, policy, suites, pad


def msg(mtype, seq, body=b"", flags=0):
    return struct.pack("<HHIII", mtype, flags, 16 + len(body), seq, 0) + body


def error(seq, req_type, code, text):
    t = text.encode()[:111]
    return msg(ERROR, seq, struct.pack("<iHH", code, req_type, 0) + t + bytes(112 - len(t)))


class Marks:
    """struct xs_dp_marks: rtcp_index and [(ssrc, index)], current first."""
    def __init__(self, rtcp=0, ssrcs=()):
        self.rtcp = rtcp
        self.ssrcs = list(ssrcs)

    @classmethod
    def unpack(cls, b):
        rtcp, count = struct.unpack_from("<IB", b)
        ent = [struct.unpack_from("<IIQ", b, 8 + 16 * i) for i in range(MARKS_MAX)]
        return cls(rtcp, [(s, i) for s, _, i in ent[:count]])

    def pack(self):
        b = struct.pack("<IB3x", self.rtcp, len(self.ssrcs))
        for s, i in self.ssrcs:
            b += struct.pack("<IIQ", s, 0, i)
        return b + bytes(MARKS_LEN - len(b))

    def __eq__(self, o):
        return self.rtcp == o.rtcp and self.ssrcs == o.ssrcs

    def __repr__(self):
        return "Marks(%d, [%s])" % (self.rtcp, ", ".join("(%#x, %#x)" % e for e in self.ssrcs))


def addr(b, off=0):
    """struct xs_dp_addr -> ("a.b.c.d" or "v6:..."), port; ("", 0) when unset."""
    fam, _, port = struct.unpack_from("<BBH", b, off)
    raw = b[off + 4:off + 20]
    if fam == 4:
        return socket.inet_ntop(socket.AF_INET, raw[:4]), port
    if fam == 6:
        return socket.inet_ntop(socket.AF_INET6, raw), port
    return "", 0


class Flow:
    """A FLOW_ADD/FLOW_REPLACE body (struct xs_dp_flow_msg), decoded."""
    def __init__(self, body):
        self.raw = bytes(body)
        self.local = addr(body, 0)
        self.peer = addr(body, 20)
        self.out_src = addr(body, 40)
        self.out_dst = addr(body, 60)
        self.flags, self.src_policy, self.in_suite, self.out_suite, _, self.cookie = \
            struct.unpack_from("<IBBBBQ", body, 80)
        self.in_key = body[FLOW_LEN + 8:FLOW_LEN + 40]
        self.out_key = body[FLOW_LEN + CRYPTO_LEN + 8:FLOW_LEN + CRYPTO_LEN + 40]
        m = FLOW_LEN + 2 * CRYPTO_LEN
        self.in_marks = Marks.unpack(body[m:m + MARKS_LEN])
        self.out_marks = Marks.unpack(body[m + MARKS_LEN:m + 2 * MARKS_LEN])

    def __repr__(self):
        return "Flow(%s:%d flags %#x src %d peer %s in %r out %r)" % (
            self.local[0], self.local[1], self.flags, self.src_policy, self.peer,
            self.in_marks, self.out_marks)


def floor(have, given):
    """have raised to the floors given, as a fast path applies F_MARKS."""
    idx = dict(have.ssrcs)
    for ssrc, i in given.ssrcs:
        idx[ssrc] = max(idx.get(ssrc, 0), i)
    order = [e[0] for e in given.ssrcs] + [e[0] for e in have.ssrcs
                                           if e[0] not in dict(given.ssrcs)]
    return Marks(max(have.rtcp, given.rtcp), [(x, idx[x]) for x in order][:MARKS_MAX])


class FastPath(threading.Thread):
    """Serves one connection at a time until stop()."""
    def __init__(self, path, batch=True):
        super().__init__(daemon=True)
        self.path = path
        self.batch = batch
        self.lock = threading.Lock()
        self.log = []     # (type, Flow for ADD/REPLACE, else the raw body)
        self.flows = {}   # local port -> [Flow as last programmed, in marks, out marks]
        self.dumps = 0
        self.sizes = None
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.srv.bind(path)
        self.srv.listen(4)
        self.stopping = False
        self.conn = None
        self.on_request = None

    def types(self):
        with self.lock:
            return [t for t, _ in self.log]

    def requests(self, since=0, types=(FLOW_ADD, FLOW_REPLACE)):
        with self.lock:
            return [(t, f) for t, f in self.log[since:] if t in types]

    def set_marks(self, port, in_marks=None, out_marks=None):
        """What the flow at local port `port` reports from now on."""
        with self.lock:
            f = self.flows[port]
            if in_marks is not None:
                f[1] = in_marks
            if out_marks is not None:
                f[2] = out_marks

    def set_cookie(self, port, cookie):
        """The flow at local port `port` belongs to `cookie` from now on."""
        with self.lock:
            f = self.flows[port]
            raw = bytearray(f[0].raw)
            struct.pack_into("<Q", raw, COOKIE_OFF, cookie)
            f[0] = Flow(raw)

    def plant(self, port, cookie, like):
        """A flow at local port `port` (same address as the flow at `like`),
        of `cookie`, that xsrelayd did not program."""
        with self.lock:
            raw = bytearray(self.flows[like][0].raw)
            struct.pack_into("<H", raw, 2, port)
            struct.pack_into("<Q", raw, COOKIE_OFF, cookie)
            self.flows[port] = [Flow(raw), Marks(), Marks()]

    def wait_dumps(self, n=1, timeout=5.0):
        """Waits until n more FLOW_DUMPs were answered (xsrelayd polled)."""
        with self.lock:
            want = self.dumps + n
        end = time.time() + timeout
        while time.time() < end:
            with self.lock:
                if self.dumps >= want:
                    return True
            time.sleep(0.05)
        return False

    def stop(self):
        self.stopping = True
        self.srv.close()
        try:
            self.conn.shutdown(socket.SHUT_RDWR)
        except (AttributeError, OSError):
            pass  # no connection, or it closed meanwhile

    def info(self, port):
        flow, im, om = self.flows[port]
        now_ns = time.time_ns()
        stats = bytes(8 * 14) + struct.pack("<Q", now_ns)
        b = flow.raw[:FLOW_LEN] + bytes(20) + struct.pack("<BB2x", 1, 1) + bytes(16 + 8) + stats
        b += im.pack() + om.pack()
        assert len(b) == self.sizes[SIZE_IDX["flow_info"]], "flow_info size"
        return b

    def handle(self, t, seq, body):
        """The reply to one request (held lock)."""
        if t in (FLOW_ADD, FLOW_REPLACE):
            f = Flow(body)
            self.log.append((t, f))
            if self.on_request:
                self.on_request(t, f)
            port = f.local[1]
            if t == FLOW_ADD and port in self.flows:
                return error(seq, t, EEXIST, "flow exists")
            if t == FLOW_REPLACE and port not in self.flows:
                return error(seq, t, ENOENT, "no flow")
            old = self.flows.get(port)
            im = f.in_marks if f.flags & F_MARKS else Marks()
            om = f.out_marks if f.flags & F_MARKS else Marks()
            if old and t == FLOW_REPLACE:
                # a live flow: marks are floors; the receive stream is kept
                # (REBIND forgets only the latch), a send stream under new
                # keys starts from zero; another cookie is a new owner: its
                # receive stream starts afresh
                of = old[0]
                im = im if of.cookie != f.cookie else floor(old[1], im)
                om = om if of.out_key != f.out_key else floor(old[2], om)
            self.flows[port] = [f, im, om]
            return msg(ACK, seq)
        self.log.append((t, bytes(body)))
        if t == FLOW_DEL:
            port = addr(body, 0)[1]
            if self.flows.pop(port, None) is None:
                return error(seq, t, ENOENT, "no flow")
            return msg(ACK, seq)
        if t == KEYS_SET:
            return msg(ACK, seq)
        if t == FLOW_GET:
            port = addr(body, 0)[1]
            if port not in self.flows:
                return error(seq, t, ENOENT, "no flow at this local address and port")
            return msg(FLOW_INFO, seq, struct.pack("<II", 1, 0) + self.info(port))
        return error(seq, t, EOPNOTSUPP, "not scripted")

    def serve(self, c):
        try:
            self.serve_requests(c)
        except OSError:
            return  # xsrelayd went away (killed while this side answered)

    def serve_requests(self, c):
        while True:
            try:
                m = c.recv(70000)
            except OSError:
                return
            if not m:
                return
            t, _, _, seq, _ = struct.unpack_from("<HHIII", m)
            with self.lock:
                if t == HELLO:
                    self.log.append((t, b""))
                    self.sizes = struct.unpack_from("<32I", m, 16 + 8)
                    c.send(msg(HELLO, seq, m[16:]))  # the daemon's own table: a match
                elif t == BATCH and not self.batch:
                    self.log.append((t, b""))
                    c.send(error(seq, t, EOPNOTSUPP, "unknown or non-request message type"))
                elif t == BATCH:
                    self.log.append((t, b""))
                    out, off = b"", 16
                    while off < len(m):
                        pt, _, plen, pseq, _ = struct.unpack_from("<HHIII", m, off)
                        out += self.handle(pt, pseq, m[off + 16:off + plen])
                        off += plen
                    c.send(msg(BATCH, seq, out))
                elif t == FLOW_DUMP:
                    self.log.append((t, b""))
                    ports = sorted(self.flows)
                    for i in range(0, len(ports), 64):
                        part = ports[i:i + 64]
                        body = struct.pack("<II", len(part), 0) + b"".join(
                            self.info(p) for p in part)
                        c.send(msg(FLOW_INFO, seq, body, HDR_F_MORE))
                    c.send(msg(DUMP_DONE, seq, struct.pack("<Q", len(ports))))
                    self.dumps += 1
                elif t == STATS_GET:
                    self.log.append((t, b""))
                    c.send(msg(STATS, seq, bytes(self.sizes[SIZE_IDX["stats"]])))
                else:
                    c.send(self.handle(t, seq, m[16:]))

    def run(self):
        while not self.stopping:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            self.conn = c
            with c:
                self.serve(c)
            self.conn = None
