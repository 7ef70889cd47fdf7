/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fast-path control protocol: binary messages over a Unix SOCK_SEQPACKET
 * socket between xsrelayd (client) and a fast path (server): xsrelay-dp today,
 * xsrelay.ko, which takes the same structs. Defined once, here.
 *
 * Rules (docs/control-protocol.md says them at length):
 *  - One message per datagram: struct xs_dp_hdr, then the body its type names.
 *    hdr.len is the whole datagram; a message whose length differs from what
 *    its type requires is rejected.
 *  - Fixed-width fields in host byte order (the socket never leaves the host),
 *    addresses and ports as stored in struct xs_dp_addr, explicit padding that
 *    senders zero and receivers reject when non-zero, a _Static_assert on the
 *    size of every struct.
 *  - Enums and flag bits are only appended to. A change to any struct's size
 *    bumps XS_DP_VERSION.
 *  - The first message on a connection is HELLO: magic, version and the size of
 *    every struct (XS_DP_STRUCTS). The server answers HELLO with its own table,
 *    or ERROR(EPROTO) and closes. Every request carries a sequence number that
 *    the reply (ACK, ERROR, or the data) echoes.
 *  - A malformed, unknown or refused request gets ERROR with a positive Linux
 *    errno value and changes nothing.
 */
#ifndef XSRELAY_DP_PROTO_H
#define XSRELAY_DP_PROTO_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XS_DP_MAGIC    0x58534450u /* "XSDP" */
#define XS_DP_VERSION  2          /* 2: stream marks, latch policies, REBIND */
#define XS_DP_MSG_MAX  65536       /* largest datagram either side sends */
#define XS_DP_DUMP_BATCH 64        /* flow infos per FLOW_INFO message in a dump */
/*
 * BATCH: a request whose body is 1..XS_DP_BATCH_MAX whole requests (each with
 * its own header, length and sequence number) back to back, of the types
 * FLOW_ADD, FLOW_REPLACE, FLOW_DEL, KEYS_SET and FLOW_GET only. The server
 * checks every one of them first: a malformed batch, or one holding a
 * malformed request, is refused whole with one ERROR (the batch's seq) and
 * changes nothing. Otherwise it applies them in order, as if each had come on
 * its own, and answers with one BATCH whose body is their replies (ACK, ERROR
 * or FLOW_INFO, each echoing its request's seq) back to back, in order. One
 * round trip for many flow changes. xsrelay.ko does not take BATCH (ERROR
 * EOPNOTSUPP); a client falls back to one message per request.
 */
#define XS_DP_BATCH_MAX 64

/* Message types. Append only. */
enum xs_dp_msg_type {
	XS_DP_MSG_NONE = 0,
	XS_DP_MSG_HELLO = 1,        /* both ways: struct xs_dp_hello */
	XS_DP_MSG_FLOW_ADD = 2,     /* struct xs_dp_flow_msg -> ACK; EEXIST if present */
	XS_DP_MSG_FLOW_REPLACE = 3, /* struct xs_dp_flow_msg -> ACK; ENOENT if absent */
	XS_DP_MSG_FLOW_DEL = 4,     /* struct xs_dp_flow_ref -> ACK */
	XS_DP_MSG_KEYS_SET = 5,     /* struct xs_dp_keys_msg -> ACK */
	XS_DP_MSG_FLOW_GET = 6,     /* struct xs_dp_flow_ref -> FLOW_INFO (count 1) */
	XS_DP_MSG_FLOW_DUMP = 7,    /* no body -> FLOW_INFO* (F_MORE set), DUMP_DONE */
	XS_DP_MSG_STATS_GET = 8,    /* no body -> STATS */
	XS_DP_MSG_ACK = 9,          /* no body */
	XS_DP_MSG_ERROR = 10,       /* struct xs_dp_error */
	XS_DP_MSG_FLOW_INFO = 11,   /* struct xs_dp_info_batch + count * struct xs_dp_flow_info */
	XS_DP_MSG_DUMP_DONE = 12,   /* struct xs_dp_dump_done */
	XS_DP_MSG_STATS = 13,       /* struct xs_dp_stats */
	XS_DP_MSG_BATCH = 14,       /* both ways: whole messages back to back, see below */
	XS_DP_MSG_TYPE_COUNT
};

/* hdr.flags */
#define XS_DP_HDR_F_MORE (1u << 0) /* more replies follow for this seq */

struct xs_dp_hdr {
	uint16_t type;     /* enum xs_dp_msg_type */
	uint16_t flags;    /* XS_DP_HDR_F_* */
	uint32_t len;      /* bytes in the datagram, this header included */
	uint32_t seq;      /* chosen by the requester, echoed in replies */
	uint32_t pad;
};
_Static_assert(sizeof(struct xs_dp_hdr) == 16, "xs_dp_hdr");

/* Address families in struct xs_dp_addr. */
enum xs_dp_af {
	XS_DP_AF_NONE = 0,  /* unset (e.g. a peer not latched yet) */
	XS_DP_AF_INET = 4,  /* addr[0..3] is the IPv4 address, addr[4..15] zero */
	XS_DP_AF_INET6 = 6,
};

/* An address and UDP port. addr in network byte order, port in host order. */
struct xs_dp_addr {
	uint8_t family;    /* enum xs_dp_af */
	uint8_t pad;
	uint16_t port;
	uint8_t addr[16];
};
_Static_assert(sizeof(struct xs_dp_addr) == 20, "xs_dp_addr");

/* x-sipura profile: mirrors the engine's struct xs_xsipura_profile field by field. */
struct xs_dp_xsipura {
	uint8_t auth;          /* 0 HMAC-MD5, 1 HMAC-SHA1 */
	uint8_t tag_len;
	uint8_t kdf;           /* 0 RFC 3711 KDF, 1 direct (master key used as is) */
	uint8_t salt_len;      /* 14 or 16 */
	uint8_t auth_key_len;
	uint8_t rtcp_encrypted;
	uint8_t pad[2];
};
_Static_assert(sizeof(struct xs_dp_xsipura) == 8, "xs_dp_xsipura");

/* crypto.kflags */
#define XS_DP_KEYS_F_SET_ROC      (1u << 0) /* stream joins mid-way: ssrc, roc, seq apply */
#define XS_DP_KEYS_F_RESET_STREAM (1u << 1) /* forget SSRC, ROC and replay state */

/* One direction's transform and keys: the wire form of the engine's
 * struct xs_srtp_policy, plus what to do with the stream state. */
struct xs_dp_crypto {
	uint32_t suite;        /* enum xs_srtp_suite values (0 = plain RTP) */
	uint32_t flags;        /* XS_SRTP_F_* values (RFC 4568 session parameters) */
	uint8_t master_key[32];
	uint8_t master_salt[16];
	uint8_t key_len;
	uint8_t salt_len;
	uint16_t window;       /* replay window, 0 = 128, max 1024 */
	struct xs_dp_xsipura xsipura; /* read only for the x-sipura suite */
	uint32_t kflags;       /* XS_DP_KEYS_F_* */
	uint32_t ssrc;         /* with XS_DP_KEYS_F_SET_ROC */
	uint32_t roc;          /* with XS_DP_KEYS_F_SET_ROC */
	uint16_t seq;          /* with XS_DP_KEYS_F_SET_ROC */
	uint16_t pad;
	uint32_t pad2;
};
_Static_assert(sizeof(struct xs_dp_crypto) == 88, "xs_dp_crypto");

/*
 * Stream marks: how far a direction's SRTP state has gone, so that a fast path
 * that restarts (or a standby that takes over) never encrypts a (key, SSRC,
 * index) twice and never accepts a packet it already accepted
 * (docs/stream-state.md).
 *
 *  - Reported in FLOW_INFO for both directions of every flow (FLOW_GET, FLOW_DUMP).
 *  - Given back in FLOW_ADD/FLOW_REPLACE with XS_DP_FLOW_F_MARKS: they are
 *    FLOORS. The fast path raises each stream to at least the marks and never
 *    lowers anything: a mark for an SSRC means "every index up to and including
 *    this one may have been used" (send) or "accepted" (receive): the stream
 *    takes index = max(index, mark) with every older index counted as used.
 *    rtcp_index likewise: the next SRTCP index sent is above it. So a mark that
 *    is stale or repeated is harmless, and the daemon may add a margin.
 *  - ssrc[0] is the stream's current SSRC; a stream (send or receive)
 *    remembers up to XS_DP_MARKS_MAX SSRCs under one key. count 0: none.
 *  - Marks belong to the keys they were made under: a direction whose keys
 *    change starts from zero and its marks are not applied (the daemon sends
 *    none with new keys).
 */
#define XS_DP_MARKS_MAX 8
struct xs_dp_ssrc_mark {
	uint32_t ssrc;
	uint32_t pad;
	uint64_t index;            /* 48-bit RTP packet index: ROC << 16 | SEQ */
};
_Static_assert(sizeof(struct xs_dp_ssrc_mark) == 16, "xs_dp_ssrc_mark");

struct xs_dp_marks {
	uint32_t rtcp_index;       /* highest SRTCP index sent / accepted (31 bits) */
	uint8_t count;             /* valid entries in ssrc[] */
	uint8_t pad[3];
	struct xs_dp_ssrc_mark ssrc[XS_DP_MARKS_MAX];
};
_Static_assert(sizeof(struct xs_dp_marks) == 8 + 16 * XS_DP_MARKS_MAX, "xs_dp_marks");

/* Source policy: which packets the flow accepts. */
enum xs_dp_src_policy {
	XS_DP_SRC_NONE = 0,    /* invalid on the wire: a zeroed flow is rejected */
	XS_DP_SRC_LATCH = 1,   /* accept from anywhere until the first packet that
	                          authenticates (or any packet, for plain input);
	                          then only from that address and port */
	XS_DP_SRC_FIXED = 2,   /* only from flow.peer (peer.port 0: any port) */
	XS_DP_SRC_LATCH_IP = 3,/* latch as LATCH, but only a packet from flow.peer's
	                          IP address (any port): symmetric latching from the
	                          SDP address; packets from other addresses dropped */
};

/* flow.flags */
#define XS_DP_FLOW_F_RTCP_MUX_IN  (1u << 0) /* RTCP arrives on local.port, not +1 */
#define XS_DP_FLOW_F_RTCP_MUX_OUT (1u << 1) /* RTCP leaves to out_dst.port, not +1 */
#define XS_DP_FLOW_F_IN_KEYS      (1u << 2) /* flow_msg.in carries the input keys */
#define XS_DP_FLOW_F_OUT_KEYS     (1u << 3) /* flow_msg.out carries the output keys */
#define XS_DP_FLOW_F_RESET        (1u << 4) /* REPLACE: fresh counters, latch and
                                               receive state; the send stream goes
                                               by its keys (fresh only under new ones) */
#define XS_DP_FLOW_F_MARKS        (1u << 5) /* flow_msg.in_marks/out_marks apply */
#define XS_DP_FLOW_F_RELATCH      (1u << 6) /* SRTP input: a packet that authenticates
                                               and is not a replay, from a new source,
                                               moves the latch (NAT rebinding) */
#define XS_DP_FLOW_F_REBIND       (1u << 7) /* REPLACE: forget the latched sources only
                                               (the party moved: re-INVITE); receive and
                                               send state (per SSRC) and counters kept */
#define XS_DP_FLOW_F_ALL          0xffu

/*
 * A flow: packets arriving at the relay's local address and port are checked
 * against the source policy, unprotected with the input transform, protected
 * with the output transform and sent from out_src to out_dst. RTCP uses port+1
 * on each side unless multiplexed. A flow whose transform is SRTP but has no
 * keys yet drops (and counts) its packets until KEYS_SET brings them.
 */
struct xs_dp_flow {
	struct xs_dp_addr local;   /* key: relay address and port (RTP) */
	struct xs_dp_addr peer;    /* FIXED: the accepted source; in FLOW_INFO: the
	                              latched (or fixed) source, family 0 if none */
	struct xs_dp_addr out_src; /* rewrite: a relay address and port */
	struct xs_dp_addr out_dst; /* rewrite: destination */
	uint32_t flags;            /* XS_DP_FLOW_F_* */
	uint8_t src_policy;        /* enum xs_dp_src_policy */
	uint8_t in_suite;          /* input transform (0 = plain RTP) */
	uint8_t out_suite;         /* output transform (0 = plain RTP) */
	uint8_t pad;
	uint64_t cookie;           /* opaque to the fast path: the daemon's id */
};
_Static_assert(sizeof(struct xs_dp_flow) == 96, "xs_dp_flow");

/* FLOW_ADD, FLOW_REPLACE. in/out are read only with F_IN_KEYS/F_OUT_KEYS and
 * must then name flow.in_suite/out_suite; otherwise they are all zero.
 * in_marks/out_marks are read only with F_MARKS (all zero otherwise), and
 * only for a direction that has keys. */
struct xs_dp_flow_msg {
	struct xs_dp_flow flow;
	struct xs_dp_crypto in;
	struct xs_dp_crypto out;
	struct xs_dp_marks in_marks;
	struct xs_dp_marks out_marks;
};
_Static_assert(sizeof(struct xs_dp_flow_msg) == 272 + 2 * sizeof(struct xs_dp_marks),
	       "xs_dp_flow_msg");

/* FLOW_DEL, FLOW_GET */
struct xs_dp_flow_ref {
	struct xs_dp_addr local;
	uint32_t pad;
};
_Static_assert(sizeof(struct xs_dp_flow_ref) == 24, "xs_dp_flow_ref");

enum xs_dp_dir { XS_DP_DIR_IN = 0, XS_DP_DIR_OUT = 1 };

/* KEYS_SET: give one direction of a live flow new keys (and possibly a new
 * suite) atomically; the stream state (ROC, sequence, replay window) is kept
 * unless crypto.kflags says otherwise. */
struct xs_dp_keys_msg {
	struct xs_dp_addr local;
	uint8_t dir;               /* enum xs_dp_dir */
	uint8_t pad[3];
	struct xs_dp_crypto crypto;
};
_Static_assert(sizeof(struct xs_dp_keys_msg) == 112, "xs_dp_keys_msg");

/*
 * Stable per-flow counters: ONE list feeds the fast path's counters, the wire
 * struct below, telemetry JSON and metric names (xsrelay_dp_flow_<name>).
 * X(name, help). Append only.
 */
#define XS_DP_FLOW_COUNTERS(X) \
	X(pkts_in,        "packets received (RTP and RTCP)") \
	X(bytes_in,       "UDP payload bytes received") \
	X(pkts_out,       "packets relayed") \
	X(bytes_out,      "UDP payload bytes relayed") \
	X(rtcp_in,        "RTCP packets received") \
	X(auth_fail,      "dropped: authentication tag did not verify") \
	X(replay,         "dropped: replayed or older than the replay window") \
	X(drop_no_keys,   "dropped: transform has no keys yet") \
	X(drop_source,    "dropped: source not the fixed or latched peer") \
	X(drop_srtp,      "dropped: other SRTP errors (length, SSRC, index)") \
	X(drop_not_rtp,   "dropped: not RTP/RTCP (version, length)") \
	X(drop_no_route,  "dropped: no neighbour for the destination yet") \
	X(relatch,        "latched source moved (NAT rebinding, SRTP input)") \
	X(drop_ssrc_limit,"dropped: a new SSRC past the stream's limit of 8 under one key")

/* Global (per-lcore, summed on read) counters, same scheme:
 * xsrelay_dp_<name>. Append only. */
#define XS_DP_GLOBAL_COUNTERS(X) \
	X(rx_pkts,          "frames received") \
	X(rx_bytes,         "bytes received") \
	X(tx_pkts,          "frames transmitted") \
	X(tx_bytes,         "bytes transmitted") \
	X(relayed,          "RTP/RTCP packets relayed") \
	X(drop_runt,        "dropped: frame truncated") \
	X(drop_l2,          "dropped: unknown ethertype or bad VLAN tag") \
	X(drop_ip_hdr,      "dropped: bad IP version or header length") \
	X(drop_ip_len,      "dropped: IP length disagrees with the frame") \
	X(drop_ip_csum,     "dropped: bad IPv4 header checksum") \
	X(drop_fragment,    "dropped: IP fragment") \
	X(drop_udp_len,     "dropped: UDP length disagrees with IP") \
	X(drop_udp_csum,    "dropped: bad UDP checksum") \
	X(drop_proto,       "dropped: IP protocol not handled") \
	X(drop_not_local,   "dropped: destination is not a relay address") \
	X(drop_unknown_port,"dropped: no flow for the destination port") \
	X(drop_not_rtp,     "dropped: not RTP/RTCP on a relay port") \
	X(drop_flow,        "dropped by a flow (see flow counters)") \
	X(drop_tx,          "dropped: transmit queue full") \
	X(drop_no_route,    "dropped: no neighbour or route for the destination") \
	X(drop_handoff,     "dropped: handoff ring to the owning lcore full") \
	X(drop_multiseg,    "dropped: multi-segment frame") \
	X(handoff,          "packets handed to the lcore that owns their flow") \
	X(arp_rx,           "ARP frames received") \
	X(arp_reply,        "ARP replies sent") \
	X(nd_rx,            "ICMPv6 ND messages received") \
	X(nd_reply,         "neighbour advertisements sent") \
	X(echo_reply,       "ICMP/ICMPv6 echo replies sent") \
	X(host_other,       "dropped: other traffic to a relay address") \
	X(drop_ttl,         "dropped: IP TTL or hop limit exhausted (a media loop)")

#define XS_DP_CNT_FIELD(name, help) uint64_t name;
#define XS_DP_CNT_ONE(name, help) + 1

enum { XS_DP_FLOW_COUNTER_COUNT = 0 XS_DP_FLOW_COUNTERS(XS_DP_CNT_ONE) };
enum { XS_DP_GLOBAL_COUNTER_COUNT = 0 XS_DP_GLOBAL_COUNTERS(XS_DP_CNT_ONE) };

struct xs_dp_flow_stats {
	XS_DP_FLOW_COUNTERS(XS_DP_CNT_FIELD)
	uint64_t last_rx_ns;   /* CLOCK_REALTIME of the last packet received, 0: none */
};
_Static_assert(sizeof(struct xs_dp_flow_stats) == 8 * (XS_DP_FLOW_COUNTER_COUNT + 1),
	       "xs_dp_flow_stats");

/* One flow as reported by FLOW_GET and FLOW_DUMP. */
struct xs_dp_flow_info {
	struct xs_dp_flow flow;    /* as configured; peer = fixed or latched RTP source */
	struct xs_dp_addr rtcp_peer; /* latched RTCP source, family 0 if none */
	uint8_t in_keys;           /* 1: input keys present (or plain) */
	uint8_t out_keys;
	uint8_t pad[2];
	uint32_t in_roc;           /* ROC of the input stream */
	uint32_t out_roc;
	uint32_t in_ssrc;
	uint32_t out_ssrc;
	uint32_t pad2[2];
	struct xs_dp_flow_stats stats;
	struct xs_dp_marks in_marks;  /* the input stream's marks (receive) */
	struct xs_dp_marks out_marks; /* the output stream's marks (send) */
};
_Static_assert(sizeof(struct xs_dp_flow_info) == 96 + 20 + 4 + 24 +
	       sizeof(struct xs_dp_flow_stats) + 2 * sizeof(struct xs_dp_marks),
	       "xs_dp_flow_info");

struct xs_dp_info_batch {
	uint32_t count;            /* struct xs_dp_flow_info entries that follow */
	uint32_t pad;
};
_Static_assert(sizeof(struct xs_dp_info_batch) == 8, "xs_dp_info_batch");

struct xs_dp_dump_done {
	uint64_t flows;            /* entries sent in this dump */
};
_Static_assert(sizeof(struct xs_dp_dump_done) == 8, "xs_dp_dump_done");

struct xs_dp_global_stats {
	XS_DP_GLOBAL_COUNTERS(XS_DP_CNT_FIELD)
};
_Static_assert(sizeof(struct xs_dp_global_stats) == 8 * XS_DP_GLOBAL_COUNTER_COUNT,
	       "xs_dp_global_stats");

struct xs_dp_stats {
	uint64_t flows;            /* flows in the table */
	uint32_t workers;          /* worker lcores */
	uint32_t pad;
	uint64_t uptime_ns;
	struct xs_dp_global_stats global; /* summed over lcores */
};
_Static_assert(sizeof(struct xs_dp_stats) == 24 + sizeof(struct xs_dp_global_stats),
	       "xs_dp_stats");

struct xs_dp_error {
	int32_t code;              /* positive Linux errno value */
	uint16_t req_type;         /* type of the request refused */
	uint16_t pad;
	char text[112];            /* one sentence, NUL-terminated */
};
_Static_assert(sizeof(struct xs_dp_error) == 120, "xs_dp_error");

/* Every struct whose size both sides must agree on, in a stable order (append
 * only): the HELLO size table is indexed by it. */
#define XS_DP_STRUCTS(X) \
	X(hdr) X(addr) X(xsipura) X(crypto) X(flow) X(flow_msg) X(flow_ref) \
	X(keys_msg) X(flow_stats) X(flow_info) X(info_batch) X(dump_done) \
	X(global_stats) X(stats) X(error) X(ssrc_mark) X(marks)

#define XS_DP_SIZE_IDX(s) XS_DP_SIZE_##s,
enum xs_dp_size_idx { XS_DP_STRUCTS(XS_DP_SIZE_IDX) XS_DP_SIZE_COUNT };
#undef XS_DP_SIZE_IDX

#define XS_DP_SIZES_MAX 32
struct xs_dp_hello {
	uint32_t magic;            /* XS_DP_MAGIC */
	uint16_t version;          /* XS_DP_VERSION */
	uint16_t n_sizes;          /* valid entries in sizes[] */
	uint32_t sizes[XS_DP_SIZES_MAX]; /* sizeof(struct xs_dp_<name>) by xs_dp_size_idx */
};
_Static_assert(sizeof(struct xs_dp_hello) == 8 + 4 * XS_DP_SIZES_MAX, "xs_dp_hello");
_Static_assert(XS_DP_SIZE_COUNT <= XS_DP_SIZES_MAX, "size table too small");

/* Fill a hello with this build's magic, version and size table. */
static inline void xs_dp_hello_fill(struct xs_dp_hello *h)
{
	unsigned i = 0;

	*h = (struct xs_dp_hello){ .magic = XS_DP_MAGIC, .version = XS_DP_VERSION };
#define XS_DP_SIZE_SET(s) h->sizes[i++] = (uint32_t)sizeof(struct xs_dp_##s);
	XS_DP_STRUCTS(XS_DP_SIZE_SET)
#undef XS_DP_SIZE_SET
	h->n_sizes = (uint16_t)i;
}

#ifdef __cplusplus
}
#endif
#endif /* XSRELAY_DP_PROTO_H */
