/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The packet logic of xsrelay.ko that does not depend on kernel types:
 * SRTP/SRTCP framing (RFC 3711), index (ROC) estimation, replay windows,
 * the suite/x-sipura key plan and KDF, RTP/RTCP classification and the IPv4
 * header rewrite. It compiles in the kernel and in userspace; the crypto
 * primitives come through struct xsk_crypto_ops (the kernel crypto API in the
 * module, OpenSSL in the unit tests).
 *
 * The rules are those of the userspace engine (dataplane/srtp/): the same
 * index estimation as libsrtp, the same replay window layout (bit k = highest
 * index - k), tags checked before any state changes, a rejected packet leaves
 * the stream untouched. Status values equal enum xs_srtp_status.
 */
#ifndef XSK_SRTP_H
#define XSK_SRTP_H

#include "xsk_types.h"

#define XSK_MAX_KEY_LEN		32
#define XSK_MAX_AUTH_KEY_LEN	20
#define XSK_MAX_TAG_LEN		16
#define XSK_MAX_TRAILER		(4 + XSK_MAX_TAG_LEN)
#define XSK_DEFAULT_WINDOW	128
#define XSK_MAX_WINDOW		1024

/* enum xs_srtp_suite values (dataplane/srtp/xs_srtp.h): stable by contract. */
enum xsk_suite {
	XSK_SUITE_NONE = 0,
	XSK_SUITE_AES_CM_128_HMAC_SHA1_80 = 1,
	XSK_SUITE_AES_CM_128_HMAC_SHA1_32 = 2,
	XSK_SUITE_AES_256_CM_HMAC_SHA1_80 = 3,
	XSK_SUITE_AES_256_CM_HMAC_SHA1_32 = 4,
	XSK_SUITE_NULL_HMAC_SHA1_80 = 5,
	XSK_SUITE_NULL_HMAC_SHA1_32 = 6,
	XSK_SUITE_AES_CM_128_NULL_AUTH = 7,
	XSK_SUITE_XSIPURA = 8,
	XSK_SUITE_COUNT
};

/* XS_SRTP_F_* policy flags. */
#define XSK_F_UNENCRYPTED_SRTP		(1u << 0)
#define XSK_F_UNENCRYPTED_SRTCP		(1u << 1)
#define XSK_F_UNAUTHENTICATED_SRTP	(1u << 2)

/* enum xs_srtp_status values. */
enum xsk_status {
	XSK_OK = 0,
	XSK_E_TOO_SHORT,
	XSK_E_BAD_VERSION,
	XSK_E_AUTH,
	XSK_E_REPLAY,
	XSK_E_TOO_OLD,
	XSK_E_BAD_SUITE,
	XSK_E_NO_ROOM,
	XSK_E_INDEX_EXHAUSTED,
	XSK_E_CRYPTO,
	XSK_E_SSRC_MISMATCH,	/* no longer produced (receive streams keep per-SSRC
				   state too); the value stays */
	XSK_E_SSRC_LIMIT,	/* a new SSRC past XSK_SEND_SSRCS under these keys */
	XSK_STATUS_COUNT
};

enum xsk_cipher { XSK_CIPHER_NULL = 0, XSK_CIPHER_AES_CM = 1 };
enum xsk_auth { XSK_AUTH_NULL = 0, XSK_AUTH_HMAC_SHA1 = 1, XSK_AUTH_HMAC_MD5 = 2 };

/* Stream state, as struct xs_srtp_stream (dataplane/srtp/srtp_stream.c has
 * the same rules; docs/kmod.md). */
struct xsk_rtp_state {
	u64 index;		/* highest accepted/sent 48-bit index: ROC << 16 | SEQ */
	u64 window[XSK_MAX_WINDOW / 64];
};

struct xsk_rtcp_state {
	u32 index;		/* highest accepted / last sent SRTCP index */
	u32 pad;
	u64 window[XSK_MAX_WINDOW / 64];
};

/*
 * Keystream is never reused: a stream keeps, per key, the highest index it
 * sent (send) or accepted (receive) for each SSRC it has seen (the current
 * one in rtp, up to XSK_SEND_SSRCS - 1 earlier ones in parked[], whose every
 * index up to the mark counts as used or seen), and one SRTCP index: on a
 * send stream a counter that only grows, whatever SSRC the RTCP carries; on a
 * receive stream one replay window. A packet of another SSRC is judged
 * against that SSRC's state and switches the stream only once accepted (on
 * receive: authenticated and no replay). Only new keys start a send stream
 * from zero. The name XSK_SEND_SSRCS predates receive streams using it.
 */
#define XSK_SEND_SSRCS		XS_DP_MARKS_MAX
struct xsk_stream {
	u32 ssrc;		/* current SSRC (learned from the first packet) */
	u16 window;
	u8 have_ssrc;
	u8 nparked;		/* valid entries in parked[] */
	struct xsk_rtp_state rtp;
	struct xsk_rtcp_state rtcp;
	struct xs_dp_ssrc_mark parked[XSK_SEND_SSRCS - 1];
};

/* What one direction (SRTP or SRTCP) of a key set does. */
struct xsk_dir_plan {
	u8 cipher;		/* enum xsk_cipher */
	u8 auth;		/* enum xsk_auth */
	u8 tag_len;
	u8 auth_key_len;
	u8 key_len;		/* AES key bytes: 16 or 32 */
	u8 kdf;			/* 1: RFC 3711 KDF; 0: master key and salt as they are */
	u8 salt_full;		/* 1: the 128-bit salt is XORed into the IV (x-sipura) */
	u8 labels[3];		/* KDF labels: enc, auth, salt */
};

/* The session keys of one direction, before they go into crypto handles. */
struct xsk_dir_material {
	struct xsk_dir_plan plan;
	u8 enc_key[XSK_MAX_KEY_LEN];
	u8 auth_key[XSK_MAX_AUTH_KEY_LEN];
	u8 salt[16];
};

/* Crypto primitives. ctr: AES-CTR in place with a 128-bit big-endian counter
 * IV. mac: HMAC over buf then tail, full digest into out. 0 or -errno. */
struct xsk_crypto_ops {
	int (*ctr)(void *ctx, const u8 *iv, u8 *buf, u32 len);
	int (*mac)(void *ctx, const u8 *buf, u32 len, const u8 *tail, u32 tail_len,
		   u8 *out);
};

/* One direction as the packet path uses it: plan, session salt, handles. */
struct xsk_dir {
	u8 cipher;
	u8 auth;
	u8 tag_len;
	u8 salt_full;
	u8 salt[16];
	void *ctr_ctx;
	void *mac_ctx;
};

struct xsk_keys {
	u8 suite;
	u8 rtp_plain;		/* RTP passes unchanged (suite NONE) */
	u8 rtcp_plain;		/* RTCP passes unchanged (NONE, x-sipura without SRTCP) */
	u8 pad;
	struct xsk_dir rtp;
	struct xsk_dir rtcp;
};

/* Plan: what a wire policy asks for. 0 or -EINVAL (what the engine refuses). */
int xsk_plan(const struct xs_dp_crypto *c, struct xsk_dir_plan *rtp,
	     struct xsk_dir_plan *rtcp);

/* RFC 3711 4.3.1 KDF (rate 0): AES-CM keystream of the master key (ctr_ctx,
 * keyed by the caller) with IV = (salt14 ^ label << 48) << 16. */
int xsk_kdf(const struct xsk_crypto_ops *ops, void *master_ctr, const u8 *salt14,
	    u8 label, u8 *out, u32 len);

/* Session keys of one direction per its plan. master_ctr: keyed with the
 * master key (used only with plan->kdf). 0 or -errno. */
int xsk_derive(const struct xs_dp_crypto *c, const struct xsk_dir_plan *plan,
	       const struct xsk_crypto_ops *ops, void *master_ctr,
	       struct xsk_dir_material *m);

/* Fill the packet-path fields of d from a plan and material (handles apart). */
void xsk_dir_fill(struct xsk_dir *d, const struct xsk_dir_material *m);

/* Streams (dataplane/srtp/srtp_stream.c, same function for function). */
void xsk_stream_init(struct xsk_stream *s, u16 window);
/* Forget the stream's SSRC and state, keep its window: for a RECEIVE stream
 * (or a send stream whose keys have just changed). */
void xsk_stream_reset(struct xsk_stream *s);
void xsk_stream_set_roc(struct xsk_stream *s, u32 ssrc, u32 roc, u16 seq);
u32 xsk_stream_roc(const struct xsk_stream *s);
/* The marks (struct xs_dp_marks, the wire's): current SSRC first, then the
 * parked ones. */
void xsk_stream_marks(const struct xsk_stream *s, struct xs_dp_marks *m);
/* Raise the stream to at least the marks (floors: every index up to a mark
 * counts as used or seen); never lowers anything. Send and receive streams
 * take every entry alike: a known SSRC is raised, an unknown one becomes
 * current when the stream has none, else is parked. send says what the SRTCP
 * mark raises: the send counter (max) or the receive replay window (a
 * floor). 0; -EINVAL for malformed marks, -ENOSPC when the stream cannot
 * remember every marked SSRC with its own; the stream is unchanged on an
 * error. */
int xsk_stream_restore(struct xsk_stream *s, const struct xs_dp_marks *m, bool send);
/*
 * Per-SSRC state, send and receive alike, in two steps so that a refused
 * packet changes nothing. xsk_ssrc_state: the RTP state a packet of ssrc is
 * judged against: the stream's own when ssrc is current, else *tmp filled as
 * ssrc would take it over (a parked SSRC: every index up to its mark used or
 * seen; a new one: nothing, as a fresh stream); NULL when a new ssrc would be
 * one more than the stream can remember (XSK_E_SSRC_LIMIT). The stream is not
 * touched. xsk_ssrc_switch, once the packet is accepted (sent; on receive:
 * authenticated, no replay): make ssrc current with *st (from
 * xsk_ssrc_state), parking the SSRC it had at its highest index.
 */
const struct xsk_rtp_state *xsk_ssrc_state(const struct xsk_stream *s, u32 ssrc,
					   struct xsk_rtp_state *tmp);
void xsk_ssrc_switch(struct xsk_stream *s, u32 ssrc, const struct xsk_rtp_state *st);

/* Index estimation and replay windows (libsrtp's rules). */
u64 xsk_rtp_index_estimate(const struct xsk_rtp_state *st, u16 seq, s64 *delta);
enum xsk_status xsk_rtp_replay_check(const struct xsk_rtp_state *st, u16 window,
				     s64 delta);
void xsk_rtp_replay_commit(struct xsk_rtp_state *st, u16 window, u64 index, s64 delta);
enum xsk_status xsk_rtcp_replay_check(const struct xsk_rtcp_state *st, u16 window,
				      u32 index);
void xsk_rtcp_replay_commit(struct xsk_rtcp_state *st, u16 window, u32 index);

/* Unprotect in place: *len in, plaintext length out. keys NULL: BAD_SUITE.
 * A rejected packet leaves the stream and the packet as they were. */
enum xsk_status xsk_unprotect(const struct xsk_crypto_ops *ops, const struct xsk_keys *k,
			      struct xsk_stream *s, u8 *pkt, u32 *len, bool rtcp);

/* Protect in place; room: bytes writable from pkt. */
enum xsk_status xsk_protect(const struct xsk_crypto_ops *ops, const struct xsk_keys *k,
			    struct xsk_stream *s, u8 *pkt, u32 *len, u32 room, bool rtcp);

/* Does an accepted packet of this kind prove it came from the key holder
 * (SRTP or SRTCP with a tag)? Only such a packet may move a latch. */
bool xsk_keys_authenticate(const struct xsk_keys *k, bool rtcp);

/* RTP or RTCP (RFC 5761)? false: neither (dropped as not RTP). */
bool xsk_rtp_classify(const u8 *pay, u32 len, bool rtcp_port, bool *rtcp);

/* The source a latching flow w is latched to (latched: its RTP or RTCP
 * latch), or NULL: none, or w is FIXED, or under LATCH_IP a latch from another
 * address than w's peer (taken under a configuration before the peer moved)
 * does not count, as xsrelay-dp's dp_flow_latched. */
const struct xs_dp_addr *xsk_latched(const struct xs_dp_flow *w, const struct xs_dp_addr *latched);

/*
 * The source policy of a flow (enum xs_dp_src_policy, XS_DP_FLOW_F_RELATCH):
 * what a packet from src may do, before SRTP. latched: the flow's latch for
 * this port (RTP or RTCP), family 0 while none; whether it counts is
 * xsk_latched's to say. rtcp_port: an RTCP packet on the RTCP port (a fixed
 * peer sends it from its port + 1). authenticates: xsk_keys_authenticate()
 * for the packet.
 */
enum xsk_src_verdict {
	XSK_SRC_PASS,		/* the fixed peer or the latched source */
	XSK_SRC_LATCH,		/* nothing latched: latch src once the packet passes SRTP */
	XSK_SRC_RELATCH,	/* a new source (F_RELATCH): move the latch to src only
				   if the packet authenticates and is no replay */
	XSK_SRC_DROP,
};
enum xsk_src_verdict xsk_src_check(const struct xs_dp_flow *w, const struct xs_dp_addr *latched,
				   const struct xs_dp_addr *src, bool rtcp_port,
				   bool authenticates);

/* Write the IPv4 and UDP headers (28 bytes at ip) for a packet of flow f whose
 * UDP payload of pay_len bytes follows them; checksums computed in full. ttl:
 * the received packet's TTL (or hop limit) already decremented. */
void xsk_ipv4_rewrite(u8 *ip, const struct xs_dp_flow *f, bool rtcp, u32 pay_len,
		      u8 tos, u16 id, u8 ttl);

/* Map an SRTP status to the per-flow counter it counts in (index into the
 * XS_DP_FLOW_COUNTERS list). */
unsigned int xsk_status_counter(enum xsk_status st);

/* Indices of the XS_DP_FLOW_COUNTERS list. */
#define XSK_FCNT_IDX(name, help) XSK_FCNT_##name,
enum xsk_fcnt { XS_DP_FLOW_COUNTERS(XSK_FCNT_IDX) XSK_FCNT_COUNT };
#undef XSK_FCNT_IDX

#define XSK_GCNT_IDX(name, help) XSK_GCNT_##name,
enum xsk_gcnt { XS_DP_GLOBAL_COUNTERS(XSK_GCNT_IDX) XSK_GCNT_COUNT };
#undef XSK_GCNT_IDX

#endif /* XSK_SRTP_H */
