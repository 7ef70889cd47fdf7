/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xs_srtp: the SRTP/SRTCP engine (RFC 3711, RFC 6188) on intel-ipsec-mb.
 *
 * Three objects:
 *
 *   struct xs_srtp_keys    immutable session keys derived once from a master key
 *                          and salt: AES round keys, HMAC inner/outer states,
 *                          session salts, for SRTP and SRTCP. Built by a control
 *                          thread (xs_srtp_keys_create), shared read-only by
 *                          workers, zeroed when freed. Replacing the keys of a
 *                          live stream is a pointer swap: the stream state stays.
 *
 *   struct xs_srtp_stream  the mutable per-direction state RFC 3711 keeps across
 *                          key changes: per SSRC, ROC and highest sequence
 *                          number and replay window; SRTCP index. Written only
 *                          by the thread that owns the flow.
 *
 *   struct xs_srtp_engine  per-thread scratch: one IMB_MGR and job arrays. Never
 *                          shared between threads.
 *
 * Work is done in bursts: xs_srtp_burst() takes an array of ops, each one packet
 * with an optional input transform (unprotect) and an optional output transform
 * (protect). Protect only, unprotect only and re-encrypt (both) mix freely in one
 * burst, as do sessions, suites, RTP and RTCP. A rejected packet gets a reason
 * code and leaves every stream untouched.
 */
#ifndef XS_SRTP_H
#define XS_SRTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XS_SRTP_MAX_KEY_LEN    32
#define XS_SRTP_MAX_SALT_LEN   16
#define XS_SRTP_MAX_TAG_LEN    16
/* Bytes a protected packet grows by at most: SRTCP index (4) plus the tag. */
#define XS_SRTP_MAX_TRAILER    (4 + XS_SRTP_MAX_TAG_LEN)
#define XS_SRTP_MAX_BURST      128
#define XS_SRTP_DEFAULT_WINDOW 128
#define XS_SRTP_MAX_WINDOW     1024

/* Crypto suites. Values are stable (they travel in control messages): append only. */
enum xs_srtp_suite {
	XS_SUITE_NONE = 0,                   /* plain RTP/RTCP, no protection */
	XS_SUITE_AES_CM_128_HMAC_SHA1_80 = 1,
	XS_SUITE_AES_CM_128_HMAC_SHA1_32 = 2,
	XS_SUITE_AES_256_CM_HMAC_SHA1_80 = 3,
	XS_SUITE_AES_256_CM_HMAC_SHA1_32 = 4,
	XS_SUITE_NULL_HMAC_SHA1_80 = 5,      /* NULL cipher, HMAC-SHA1 80-bit tag */
	XS_SUITE_NULL_HMAC_SHA1_32 = 6,
	XS_SUITE_AES_CM_128_NULL_AUTH = 7,   /* AES-128-CM, no authentication */
	XS_SUITE_XSIPURA = 8,                /* parameterised, see xs_xsipura_profile */
	XS_SUITE_COUNT
};

/*
 * The x-sipura SRTP transform is undocumented (FACTS.md section 3). Every choice
 * the engine makes for it is a field here; xs_xsipura_profile_default() returns
 * the leading guess: AES-128-CM, HMAC-MD5 tag, RFC 3711 KDF.
 */
enum xs_xsipura_kdf {
	XS_XSIPURA_KDF_RFC3711 = 0, /* RFC 3711 AES-CM PRF over the first 14 salt bytes */
	XS_XSIPURA_KDF_DIRECT = 1,  /* no KDF: master key encrypts, master key authenticates,
	                               master salt is the session salt */
};
enum xs_xsipura_auth {
	XS_XSIPURA_AUTH_HMAC_MD5 = 0,
	XS_XSIPURA_AUTH_HMAC_SHA1 = 1,
};

struct xs_xsipura_profile {
	uint8_t auth;          /* enum xs_xsipura_auth */
	uint8_t tag_len;       /* 4..16 bytes (MD5), 4..20 capped at 16 (SHA1); default 4 */
	uint8_t kdf;           /* enum xs_xsipura_kdf */
	uint8_t salt_len;      /* 14: salt occupies IV bits 16..127 as RFC 3711;
	                          16: the whole 128-bit salt is XORed into the IV */
	uint8_t auth_key_len;  /* session auth key bytes with the RFC 3711 KDF; default 16 */
	uint8_t rtcp_encrypted;/* 1: SRTCP as RFC 3711; 0: RTCP passes in clear */
	uint8_t pad[2];
};

/* Policy flags (RFC 4568 session parameters). */
#define XS_SRTP_F_UNENCRYPTED_SRTP      (1u << 0)
#define XS_SRTP_F_UNENCRYPTED_SRTCP     (1u << 1)
#define XS_SRTP_F_UNAUTHENTICATED_SRTP  (1u << 2)

struct xs_srtp_policy {
	uint32_t suite;        /* enum xs_srtp_suite */
	uint32_t flags;        /* XS_SRTP_F_* */
	uint8_t master_key[XS_SRTP_MAX_KEY_LEN];
	uint8_t master_salt[XS_SRTP_MAX_SALT_LEN];
	uint8_t key_len;       /* must equal xs_srtp_suite_key_len(suite) */
	uint8_t salt_len;      /* 14 for SDES suites; 16 for x-sipura */
	uint16_t window;       /* replay window in packets, 0 = 128, max 1024 */
	struct xs_xsipura_profile xsipura; /* read only when suite == XS_SUITE_XSIPURA */
};

/* Reasons a packet is rejected. Values are stable counter indices: append only. */
enum xs_srtp_status {
	XS_SRTP_OK = 0,
	XS_SRTP_E_TOO_SHORT,      /* shorter than its header, extensions and tag */
	XS_SRTP_E_BAD_VERSION,    /* RTP version field is not 2 */
	XS_SRTP_E_AUTH,           /* authentication tag did not verify */
	XS_SRTP_E_REPLAY,         /* index already seen inside the replay window */
	XS_SRTP_E_TOO_OLD,        /* index older than the replay window */
	XS_SRTP_E_BAD_SUITE,      /* keys missing or suite unknown */
	XS_SRTP_E_NO_ROOM,        /* buffer has no room for the trailer */
	XS_SRTP_E_INDEX_EXHAUSTED,/* SRTCP index or ROC would wrap: rekey needed */
	XS_SRTP_E_CRYPTO,         /* the crypto library refused the job */
	XS_SRTP_E_SSRC_MISMATCH,  /* no longer produced (a receive stream keeps per-SSRC
	                             state, as a send stream); the value stays */
	XS_SRTP_E_SSRC_LIMIT,     /* a new SSRC, and the stream already remembers
	                             XS_SRTP_SEND_SSRCS under these keys */
	XS_SRTP_STATUS_COUNT
};

struct xs_srtp_keys;   /* opaque, immutable */
struct xs_srtp_engine; /* opaque, per thread */

/* Receive-side (or send-side) state of one stream. Plain data: embed it in a
 * flow, initialise with xs_srtp_stream_init, copy it to snapshot it. */
struct xs_srtp_rtp_state {
	uint64_t index;        /* highest accepted (or sent) 48-bit index: ROC << 16 | SEQ */
	uint64_t window[XS_SRTP_MAX_WINDOW / 64]; /* bit 0 = index, bit k = index - k */
};
struct xs_srtp_rtcp_state {
	uint32_t index;        /* highest accepted / last sent SRTCP index (31 bits) */
	uint32_t pad;
	uint64_t window[XS_SRTP_MAX_WINDOW / 64];
};
/*
 * Keystream is never reused (docs/stream-state.md): a stream keeps, per key,
 * the highest index it sent (send) or accepted (receive) for each SSRC it has
 * seen (the current one in rtp, up to XS_SRTP_SEND_SSRCS - 1 earlier ones in
 * parked[], whose every index up to the mark counts as used or seen), and one
 * SRTCP index: on a send stream a counter that only grows, whatever SSRC the
 * RTCP carries; on a receive stream one replay window. A packet of another
 * SSRC is judged against that SSRC's state and switches the stream only once
 * it is accepted (on receive: authenticated and not a replay), so a returning
 * SSRC continues where it stopped and its old packets stay refused. Only new
 * keys (xs_srtp_stream_init by the owner of the keys) start a send stream
 * from zero. The name of XS_SRTP_SEND_SSRCS predates receive streams using it.
 */
#define XS_SRTP_SEND_SSRCS 8
struct xs_srtp_ssrc_mark {
	uint32_t ssrc;
	uint32_t pad;
	uint64_t index;        /* highest 48-bit index used (send) / accepted (receive) */
};
struct xs_srtp_stream {
	uint32_t ssrc;         /* SSRC the state belongs to (learned from the first packet) */
	uint16_t window;       /* replay window size in packets */
	uint8_t have_ssrc;     /* 0 until the first packet is accepted */
	uint8_t nparked;       /* valid entries in parked[] */
	struct xs_srtp_rtp_state rtp;
	struct xs_srtp_rtcp_state rtcp;
	struct xs_srtp_ssrc_mark parked[XS_SRTP_SEND_SSRCS - 1];
};

/* A stream's marks: what a restarted stream must not go below. Same layout as
 * the fast-path protocol's struct xs_dp_marks. */
struct xs_srtp_marks {
	uint32_t rtcp_index;   /* highest SRTCP index sent / accepted */
	uint8_t count;         /* valid entries in ssrc[]; ssrc[0] is the current SSRC */
	uint8_t pad[3];
	struct xs_srtp_ssrc_mark ssrc[XS_SRTP_SEND_SSRCS];
};

/* One direction of a transform: whose keys, whose state. keys == NULL means the
 * stream has no keys yet: protected packets are rejected (XS_SRTP_E_BAD_SUITE). */
struct xs_srtp_xform {
	const struct xs_srtp_keys *keys;
	struct xs_srtp_stream *stream;
};

/* One packet in a burst. */
struct xs_srtp_op {
	uint8_t *pkt;          /* first byte of the RTP/RTCP header */
	uint32_t len;          /* in: packet length; out: new length */
	uint32_t room;         /* bytes writable from pkt (>= len) */
	const struct xs_srtp_xform *in;  /* unprotect with this, or NULL */
	const struct xs_srtp_xform *out; /* then protect with this, or NULL */
	uint8_t rtcp;          /* 1: packet is (S)RTCP */
	uint8_t status;        /* out: enum xs_srtp_status */
	uint16_t pad;
	uint32_t pad2;
};

/* Suite properties. */
const char *xs_srtp_suite_name(enum xs_srtp_suite suite);
int xs_srtp_suite_from_name(const char *name); /* -1 when unknown */
unsigned xs_srtp_suite_key_len(enum xs_srtp_suite suite);
unsigned xs_srtp_suite_salt_len(enum xs_srtp_suite suite);
const char *xs_srtp_status_name(enum xs_srtp_status status);

void xs_xsipura_profile_default(struct xs_xsipura_profile *p);

/* Where key sets are allocated: alloc returns zeroed memory of size bytes
 * aligned to align (64), or NULL; free releases it. NULL ops: the C heap, the
 * default. A key set remembers the free of the allocator that made it, so the
 * setting may change while key sets live; set it before other threads create
 * keys (it is one process-wide pointer, not synchronised). xsrelay-dp puts key
 * sets on hugepages with it, next to the flows. */
struct xs_srtp_mem_ops {
	void *(*alloc)(size_t size, size_t align);
	void (*free)(void *p);
};
void xs_srtp_mem_set(const struct xs_srtp_mem_ops *ops);

/* Keys: derive and expand once. Returns 0 or -errno (-EINVAL for a bad policy).
 * The policy's key material may be zeroed by the caller right after. */
int xs_srtp_keys_create(const struct xs_srtp_policy *policy, struct xs_srtp_keys **out);
void xs_srtp_keys_free(struct xs_srtp_keys *keys); /* zeroes, then frees; NULL ok */
size_t xs_srtp_keys_size(void);                    /* bytes one key set occupies */
enum xs_srtp_suite xs_srtp_keys_suite(const struct xs_srtp_keys *keys);
/* True when packets of this kind (RTP, or RTCP) under these keys carry a tag
 * that is checked: only then does a packet that passes prove who sent it. */
bool xs_srtp_keys_authenticated(const struct xs_srtp_keys *keys, bool rtcp);

/* Stream state. */
void xs_srtp_stream_init(struct xs_srtp_stream *s, uint16_t window);
/* Join a stream mid-way: make ssrc current and take the index of the next packet
 * to be roc << 16 | seq. With seq = that packet's sequence number this is what
 * libsrtp 2.5's srtp_set_stream_roc() does (the differential test checks it).
 * It resets the stream first (parked SSRCs and the SRTCP index too): on a send
 * stream, only under keys that have just changed, as xs_srtp_stream_reset. */
void xs_srtp_stream_set_roc(struct xs_srtp_stream *s, uint32_t ssrc, uint32_t roc, uint16_t seq);
uint32_t xs_srtp_stream_roc(const struct xs_srtp_stream *s);
/* Forget every SSRC and all state, as xs_srtp_stream_init. For a receive stream
 * (a new owner, F_RESET) or a send stream whose keys have just changed: under
 * the same keys a send stream must keep every SSRC's state. */
void xs_srtp_stream_reset(struct xs_srtp_stream *s);
/* Read the marks (current SSRC first, then the parked ones). */
void xs_srtp_stream_marks(const struct xs_srtp_stream *s, struct xs_srtp_marks *m);
/* Raise the stream to at least the marks (floors: every index up to a mark
 * counts as used or seen); never lowers anything. Send and receive streams
 * take every entry alike: a known SSRC is raised, an unknown one becomes
 * current when the stream has none, else is parked. send says what the SRTCP
 * mark raises: the send counter (max), or the receive replay window (a
 * floor). Returns 0, or with the stream unchanged: -EINVAL for marks that are
 * malformed (count above XS_SRTP_SEND_SSRCS, an index past 48 bits,
 * rtcp_index past 31 bits, an entry's pad not zero, an SSRC twice); -ENOSPC
 * when the stream cannot remember every SSRC of the marks with its own. */
int xs_srtp_stream_restore(struct xs_srtp_stream *s, const struct xs_srtp_marks *m, bool send);

/* Engine: one per thread. Returns NULL on failure (errno set). */
struct xs_srtp_engine *xs_srtp_engine_create(void);
void xs_srtp_engine_free(struct xs_srtp_engine *eng);
const char *xs_srtp_engine_arch(const struct xs_srtp_engine *eng); /* "avx512", ... */

/* Process n <= XS_SRTP_MAX_BURST ops (more are processed in chunks). Sets
 * op->status and op->len for each; returns how many ended XS_SRTP_OK. */
unsigned xs_srtp_burst(struct xs_srtp_engine *eng, struct xs_srtp_op *ops, unsigned n);

#ifdef __cplusplus
}
#endif
#endif /* XS_SRTP_H */
