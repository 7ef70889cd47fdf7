/* SPDX-License-Identifier: BSD-3-Clause */
/* Engine internals shared by the engine's own files; not part of the API. */
#ifndef XS_SRTP_INTERNAL_H
#define XS_SRTP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <intel-ipsec-mb.h>

#include "xs_srtp.h"

enum xs_cipher { XS_CIPHER_NULL = 0, XS_CIPHER_AES_CM = 1 };
enum xs_auth { XS_AUTH_NULL = 0, XS_AUTH_HMAC_SHA1 = 1, XS_AUTH_HMAC_MD5 = 2 };

struct xs_suite_info {
	const char *name;
	uint8_t key_len;      /* master key bytes */
	uint8_t salt_len;     /* master salt bytes */
	uint8_t auth_key_len; /* session auth key bytes */
	uint8_t cipher;       /* enum xs_cipher */
	uint8_t auth;         /* enum xs_auth */
	uint8_t tag_len;      /* SRTP tag bytes */
};
extern const struct xs_suite_info xs_suite_table[XS_SUITE_COUNT];

/* Session keys for one of SRTP or SRTCP, laid out for the hot path: what is
 * read first (the small fields, the salt, the HMAC states) before the expanded
 * AES key, so an AES-128 direction spans five cache lines, read front to back. */
struct xs_dir_keys {
	uint8_t cipher;       /* enum xs_cipher, after policy flags */
	uint8_t auth;         /* enum xs_auth, after policy flags */
	uint8_t tag_len;      /* bytes appended */
	uint8_t aes_key_len;  /* 16 or 32 */
	uint8_t salt_full;    /* 1: salt is 128 bits (x-sipura variant) */
	uint8_t pad[11];
	uint8_t salt[16];     /* session salt, zero-padded to 16 bytes */
	uint8_t ipad[32] __attribute__((aligned(16)));        /* H(k ^ ipad) state */
	uint8_t opad[32] __attribute__((aligned(16)));        /* H(k ^ opad) state */
	uint8_t aes_enc[15 * 16] __attribute__((aligned(16))); /* round keys */
};

/* The key set. The header shares the first cache line with the SRTP keys'
 * small fields: one line answers "which suite, is it plain" for a packet. */
struct xs_srtp_keys {
	uint32_t suite;
	uint32_t flags;
	uint8_t rtp_plain;  /* RTP passes unchanged (suite NONE) */
	uint8_t rtcp_plain; /* RTCP passes unchanged (suite NONE, x-sipura without SRTCP) */
	uint8_t pad[6];
	struct xs_dir_keys rtp;
	struct xs_dir_keys rtcp;
	void (*release)(void *p); /* the free of the allocator that made it (cold) */
} __attribute__((aligned(64)));

/* RFC 3711 section 4.3.1 AES-CM key derivation with key_derivation_rate 0.
 * Writes out_len bytes of PRF output for the given label. Returns 0 or -EIO. */
int xs_srtp_kdf(const uint8_t *master_key, unsigned key_len, const uint8_t *master_salt14,
		uint8_t label, uint8_t *out, unsigned out_len);

/* Replay windows and index estimation (srtp_replay.c). Pure logic, no I/O. */
uint64_t xs_rtp_index_estimate(const struct xs_srtp_rtp_state *st, uint16_t seq, int64_t *delta);
enum xs_srtp_status xs_rtp_replay_check(const struct xs_srtp_rtp_state *st, uint16_t window,
					 int64_t delta);
void xs_rtp_replay_commit(struct xs_srtp_rtp_state *st, uint16_t window, uint64_t index,
			  int64_t delta);
bool xs_rtp_index_exhausted(uint64_t index);
enum xs_srtp_status xs_rtcp_replay_check(const struct xs_srtp_rtcp_state *st, uint16_t window,
					  uint32_t index);
void xs_rtcp_replay_commit(struct xs_srtp_rtcp_state *st, uint16_t window, uint32_t index);

/*
 * Per-SSRC state (srtp_stream.c), send and receive alike, in two steps so
 * that a refused packet changes nothing. xs_srtp_ssrc_state: the RTP state a
 * packet of ssrc is judged against: the stream's own when ssrc is current,
 * else *tmp filled as ssrc would take it over (a parked SSRC: every index up
 * to its mark used or seen; a new one: nothing used, as a fresh stream);
 * NULL when a new ssrc would be one more than the stream can remember
 * (XS_SRTP_E_SSRC_LIMIT). The stream is not touched. xs_srtp_ssrc_switch,
 * once the packet is accepted (sent; on receive: authenticated, not a
 * replay): make ssrc current with *st (from xs_srtp_ssrc_state), parking the
 * SSRC it had at its highest index.
 */
const struct xs_srtp_rtp_state *xs_srtp_ssrc_state(const struct xs_srtp_stream *s,
						  uint32_t ssrc, struct xs_srtp_rtp_state *tmp);
void xs_srtp_ssrc_switch(struct xs_srtp_stream *s, uint32_t ssrc,
			 const struct xs_srtp_rtp_state *st);

/* intel-ipsec-mb managers (srtp_mgr.c). */
IMB_MGR *xs_imb_mgr_create(const char **arch_name);
IMB_MGR *xs_imb_setup_mgr(void);

/* Zeroed, 64-byte aligned memory; C11 aligned_alloc wants a size that is a
 * multiple of the alignment. Free with free(). */
void *xs_aligned_zalloc(size_t size);

/* Constant-time comparison. */
static inline int xs_ct_memcmp(const uint8_t *a, const uint8_t *b, unsigned n)
{
	uint8_t d = 0;
	for (unsigned i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d;
}

#endif
