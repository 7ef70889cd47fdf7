/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The burst engine: SRTP/SRTCP unprotect, protect and re-encryption of a mixed
 * burst through intel-ipsec-mb's synchronous burst API.
 *
 * One burst goes through these stages, each over the whole burst:
 *
 *   unprotect  1. parse, estimate the index, check the replay window (read only)
 *              2. verify tags: one HMAC-SHA1 hash burst (HMAC-MD5 via the job API)
 *              3. commit in packet order: re-check the replay window (two copies
 *                 of a packet in one burst), switch SSRC, update ROC and window
 *              4. decrypt: one AES-CTR cipher burst per key size
 *   protect    5. parse, estimate the send index and commit it, in packet order
 *              6. encrypt: one AES-CTR cipher burst per key size
 *              7. tag: one HMAC-SHA1 hash burst (MD5 via the job API)
 *
 * Tags are verified before anything is decrypted and before any state changes,
 * so a forged or replayed packet changes nothing. Each RTP packet is judged
 * against the state of its own SSRC (srtp_stream.c: current, parked or new),
 * in stage 1 as it is then, in stage 3 as the earlier packets of the burst
 * left it, so a burst decides what its packets one at a time would. If
 * committing an earlier packet of the same stream may change what a later one
 * estimates or is refused for (a 2^15 jump inside one burst, or an SSRC switch
 * that parks the later packet's SSRC), the later packet, and the stream's
 * packets after it, run again in a follow-up pass.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "srtp_internal.h"

#define ROC_LEN 4
#define SRTCP_TRAILER 4
#define IMB_SHA1_TAG 12 /* the checked API's truncated HMAC-SHA1 length */
#define IMB_MD5_TAG 12

struct op_scratch {
	uint8_t iv[16] __attribute__((aligned(16)));
	uint8_t tag_calc[20] __attribute__((aligned(16)));
	uint8_t tag_rx[XS_SRTP_MAX_TAG_LEN];
	uint64_t index;   /* RTP: 48-bit index; RTCP: 31-bit SRTCP index */
	int64_t delta;    /* RTP: index - highest, from the estimation */
	uint32_t hdr_len; /* bytes before the encrypted portion */
	uint32_t enc_len; /* bytes to cipher (0: none) */
	uint8_t encrypt;  /* cipher this packet */
};

/* A hash request waiting for its burst. */
struct hash_req {
	const uint8_t *src;
	uint32_t len;
	uint16_t op;
	uint8_t auth;
	const struct xs_dir_keys *dk;
};

struct xs_srtp_engine {
	IMB_MGR *mgr;
	const char *arch;
	IMB_JOB jobs[XS_SRTP_MAX_BURST];
	struct op_scratch sc[XS_SRTP_MAX_BURST];
	struct hash_req hreq[XS_SRTP_MAX_BURST];
	uint16_t list[XS_SRTP_MAX_BURST];
	uint16_t retry[XS_SRTP_MAX_BURST];
};

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Tags are 4, 10 or 12 bytes: fixed-size copies the compiler turns into moves,
 * where a variable-length memcpy becomes a slow-starting rep movs. */
static inline void copy_tag(uint8_t *dst, const uint8_t *src, unsigned n)
{
	switch (n) {
	case 4:
		memcpy(dst, src, 4);
		break;
	case 10:
		memcpy(dst, src, 8);
		memcpy(dst + 8, src + 8, 2);
		break;
	case 12:
		memcpy(dst, src, 8);
		memcpy(dst + 8, src + 8, 4);
		break;
	default:
		memcpy(dst, src, n);
	}
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---------------------------------------------------------------- engine */

struct xs_srtp_engine *xs_srtp_engine_create(void)
{
	struct xs_srtp_engine *eng = xs_aligned_zalloc(sizeof(*eng));

	if (!eng) {
		errno = ENOMEM;
		return NULL;
	}
	eng->mgr = xs_imb_mgr_create(&eng->arch);
	if (!eng->mgr) {
		free(eng);
		return NULL;
	}
	return eng;
}

void xs_srtp_engine_free(struct xs_srtp_engine *eng)
{
	if (!eng)
		return;
	free_mb_mgr(eng->mgr);
	OPENSSL_cleanse(eng, sizeof(*eng)); /* scratch held IVs and tags */
	free(eng);
}

const char *xs_srtp_engine_arch(const struct xs_srtp_engine *eng)
{
	return eng->arch;
}

/* ---------------------------------------------------------------- parsing */

/* RTP header length including CSRCs and the header extension, or a status. */
static enum xs_srtp_status rtp_header_len(const uint8_t *pkt, uint32_t len, uint32_t *hdr)
{
	uint32_t h;

	if (len < 12)
		return XS_SRTP_E_TOO_SHORT;
	if ((pkt[0] >> 6) != 2)
		return XS_SRTP_E_BAD_VERSION;
	h = 12 + 4u * (pkt[0] & 0x0f);
	if (pkt[0] & 0x10) {
		if (len < h + 4)
			return XS_SRTP_E_TOO_SHORT;
		h += 4 + 4u * be16(pkt + h + 2);
	}
	if (h > len)
		return XS_SRTP_E_TOO_SHORT;
	*hdr = h;
	return XS_SRTP_OK;
}

static enum xs_srtp_status rtcp_header_check(const uint8_t *pkt, uint32_t len)
{
	if (len < 8)
		return XS_SRTP_E_TOO_SHORT;
	if ((pkt[0] >> 6) != 2)
		return XS_SRTP_E_BAD_VERSION;
	return XS_SRTP_OK;
}

/* RFC 3711 section 4.1.1: IV = (salt * 2^16) ^ (SSRC * 2^64) ^ (index * 2^16). */
static inline void make_iv(uint8_t *iv, const struct xs_dir_keys *dk, uint32_t ssrc,
			   uint64_t index)
{
	memcpy(iv, dk->salt, 16);
	if (!dk->salt_full)
		iv[14] = iv[15] = 0;
	iv[4] ^= (uint8_t)(ssrc >> 24);
	iv[5] ^= (uint8_t)(ssrc >> 16);
	iv[6] ^= (uint8_t)(ssrc >> 8);
	iv[7] ^= (uint8_t)ssrc;
	iv[8] ^= (uint8_t)(index >> 40);
	iv[9] ^= (uint8_t)(index >> 32);
	iv[10] ^= (uint8_t)(index >> 24);
	iv[11] ^= (uint8_t)(index >> 16);
	iv[12] ^= (uint8_t)(index >> 8);
	iv[13] ^= (uint8_t)index;
}

static inline bool dir_is_plain(const struct xs_srtp_keys *k, bool rtcp)
{
	return rtcp ? k->rtcp_plain : k->rtp_plain;
}

/* The RTP state a packet of ssrc is judged against: the stream's own for its
 * current SSRC (the common case, inline), else what xs_srtp_ssrc_state puts
 * in *tmp; NULL past the stream's SSRC limit. */
static inline const struct xs_srtp_rtp_state *rtp_state(const struct xs_srtp_stream *s,
							uint32_t ssrc,
							struct xs_srtp_rtp_state *tmp)
{
	if (s->have_ssrc && s->ssrc == ssrc)
		return &s->rtp;
	return xs_srtp_ssrc_state(s, ssrc, tmp);
}

/* ---------------------------------------------------------------- prefetching */

/*
 * Prefetching. With 100,000 flows and more, key sets and stream state are cache
 * misses. Issued all at once for a burst they overflow the core's outstanding
 * miss slots and are lost, so they are pipelined: a few ops ahead, the line
 * stage 1 reads (key header, salt, stream index); while an op is parsed, the
 * lines its later stages read (HMAC states, round keys, the output side).
 */
#define PREFETCH_AHEAD 8
/* always_inline: GCC's IPA pure/const analysis takes a function holding only
 * __builtin_prefetch for one without side effects and deletes its calls. */
#define XS_PREFETCHER static inline __attribute__((always_inline)) void

static inline __attribute__((always_inline)) const struct xs_dir_keys *
xform_dir(const struct xs_srtp_xform *x, bool rtcp)
{
	return rtcp ? &x->keys->rtcp : &x->keys->rtp;
}

XS_PREFETCHER prefetch_first(const struct xs_srtp_op *op)
{
	const struct xs_srtp_xform *x = op->in ? op->in : op->out;

	__builtin_prefetch(op->pkt, 1);
	if (!x || !x->keys)
		return;
	__builtin_prefetch(x->keys);
	if (op->rtcp)
		__builtin_prefetch(&x->keys->rtcp);
	__builtin_prefetch(op->rtcp ? (const void *)&x->stream->rtcp : (const void *)x->stream, 1);
}

XS_PREFETCHER prefetch_dir_rest(const struct xs_srtp_xform *x, bool rtcp, bool with_head)
{
	const struct xs_dir_keys *dk;

	if (!x || !x->keys)
		return;
	dk = xform_dir(x, rtcp);
	/* the whole direction: reading aes_key_len to stop early would be a miss */
	for (unsigned off = offsetof(struct xs_dir_keys, ipad); off < sizeof(*dk); off += 64)
		__builtin_prefetch((const char *)dk + off);
	if (with_head) {
		__builtin_prefetch(x->keys);
		__builtin_prefetch(dk);
		__builtin_prefetch(rtcp ? (const void *)&x->stream->rtcp : (const void *)x->stream, 1);
	}
}

/* The transforms themselves, further ahead: the pointers to keys and state. */
XS_PREFETCHER prefetch_xforms(const struct xs_srtp_op *op)
{
	if (op->in)
		__builtin_prefetch(op->in);
	if (op->out)
		__builtin_prefetch(op->out);
}

/* ---------------------------------------------------------------- crypto submission */

/* Run the queued hash requests: HMAC-SHA1 as one synchronous burst, HMAC-MD5
 * through the job API (the 1.3 hash burst takes SHA family algorithms only).
 * Writes each op's tag into its scratch. Marks failures E_CRYPTO. */
static void run_hashes(struct xs_srtp_engine *eng, struct xs_srtp_op *ops, unsigned nreq)
{
	IMB_MGR *mgr = eng->mgr;
	unsigned nsha = 0;

	for (unsigned r = 0; r < nreq; r++) {
		const struct hash_req *h = &eng->hreq[r];
		if (h->auth != XS_AUTH_HMAC_SHA1)
			continue;
		IMB_JOB *j = &eng->jobs[nsha++];
		j->src = h->src;
		j->hash_start_src_offset_in_bytes = 0;
		j->msg_len_to_hash_in_bytes = h->len;
		j->auth_tag_output = eng->sc[h->op].tag_calc;
		j->auth_tag_output_len_in_bytes = IMB_SHA1_TAG;
		j->u.HMAC._hashed_auth_key_xor_ipad = h->dk->ipad;
		j->u.HMAC._hashed_auth_key_xor_opad = h->dk->opad;
		j->hash_alg = IMB_AUTH_HMAC_SHA_1;
		j->user_data = (void *)(uintptr_t)h->op;
	}
	if (nsha) {
		uint32_t done = IMB_SUBMIT_HASH_BURST(mgr, eng->jobs, nsha, IMB_AUTH_HMAC_SHA_1);
		for (unsigned i = 0; i < nsha; i++)
			if (i >= done || eng->jobs[i].status != IMB_STATUS_COMPLETED)
				ops[(uintptr_t)eng->jobs[i].user_data].status = XS_SRTP_E_CRYPTO;
	}

	for (unsigned r = 0; r < nreq; r++) {
		const struct hash_req *h = &eng->hreq[r];
		if (h->auth != XS_AUTH_HMAC_MD5)
			continue;
		IMB_JOB *j = IMB_GET_NEXT_JOB(mgr);
		j->cipher_mode = IMB_CIPHER_NULL;
		j->cipher_direction = IMB_DIR_ENCRYPT;
		j->chain_order = IMB_ORDER_HASH_CIPHER;
		j->src = h->src;
		j->dst = (uint8_t *)h->src;
		j->cipher_start_src_offset_in_bytes = 0;
		j->msg_len_to_cipher_in_bytes = 0;
		j->hash_alg = IMB_AUTH_MD5;
		j->hash_start_src_offset_in_bytes = 0;
		j->msg_len_to_hash_in_bytes = h->len;
		j->auth_tag_output = eng->sc[h->op].tag_calc;
		j->auth_tag_output_len_in_bytes = IMB_MD5_TAG;
		j->u.HMAC._hashed_auth_key_xor_ipad = h->dk->ipad;
		j->u.HMAC._hashed_auth_key_xor_opad = h->dk->opad;
		j->user_data = (void *)(uintptr_t)h->op;
		for (j = IMB_SUBMIT_JOB(mgr); j; j = IMB_GET_COMPLETED_JOB(mgr))
			if (j->status != IMB_STATUS_COMPLETED)
				ops[(uintptr_t)j->user_data].status = XS_SRTP_E_CRYPTO;
	}
	for (IMB_JOB *j = IMB_FLUSH_JOB(mgr); j; j = IMB_FLUSH_JOB(mgr))
		if (j->status != IMB_STATUS_COMPLETED)
			ops[(uintptr_t)j->user_data].status = XS_SRTP_E_CRYPTO;
}

static void fill_cipher_job(IMB_JOB *j, struct xs_srtp_op *op, struct op_scratch *sc,
			    const struct xs_dir_keys *dk, uint16_t idx)
{
	j->enc_keys = dk->aes_enc;
	j->dec_keys = dk->aes_enc;
	j->key_len_in_bytes = dk->aes_key_len;
	j->src = op->pkt;
	j->dst = op->pkt + sc->hdr_len; /* absolute, not offset by the start below */
	j->cipher_start_src_offset_in_bytes = sc->hdr_len;
	j->msg_len_to_cipher_in_bytes = sc->enc_len;
	j->iv = sc->iv;
	j->iv_len_in_bytes = 16;
	j->cipher_mode = IMB_CIPHER_CNTR;
	j->cipher_direction = IMB_DIR_ENCRYPT;
	j->user_data = (void *)(uintptr_t)idx;
}

/* AES-CTR over every listed op whose scratch says encrypt: one burst per key size. */
static void run_ciphers(struct xs_srtp_engine *eng, struct xs_srtp_op *ops, const uint16_t *list,
			unsigned n, bool use_out)
{
	unsigned n128 = 0, n256 = 0;

	for (unsigned i = 0; i < n; i++) {
		uint16_t k = list[i];
		struct xs_srtp_op *op = &ops[k];
		struct op_scratch *sc = &eng->sc[k];
		if (op->status != XS_SRTP_OK || !sc->encrypt)
			continue;
		const struct xs_srtp_xform *x = use_out ? op->out : op->in;
		const struct xs_dir_keys *dk = op->rtcp ? &x->keys->rtcp : &x->keys->rtp;
		IMB_JOB *j = dk->aes_key_len == 16 ? &eng->jobs[n128++] :
						     &eng->jobs[XS_SRTP_MAX_BURST - 1 - n256++];
		fill_cipher_job(j, op, sc, dk, k);
	}
	if (n128) {
		uint32_t done = IMB_SUBMIT_CIPHER_BURST(eng->mgr, eng->jobs, n128, IMB_CIPHER_CNTR,
							IMB_DIR_ENCRYPT, IMB_KEY_128_BYTES);
		for (unsigned i = 0; i < n128; i++)
			if (i >= done || eng->jobs[i].status != IMB_STATUS_COMPLETED)
				ops[(uintptr_t)eng->jobs[i].user_data].status = XS_SRTP_E_CRYPTO;
	}
	if (n256) {
		IMB_JOB *first = &eng->jobs[XS_SRTP_MAX_BURST - n256];
		/* Filled from the end backwards: reverse into packet order is not needed,
		 * the burst is order-independent. */
		uint32_t done = IMB_SUBMIT_CIPHER_BURST(eng->mgr, first, n256, IMB_CIPHER_CNTR,
							IMB_DIR_ENCRYPT, IMB_KEY_256_BYTES);
		for (unsigned i = 0; i < n256; i++)
			if (i >= done || first[i].status != IMB_STATUS_COMPLETED)
				ops[(uintptr_t)first[i].user_data].status = XS_SRTP_E_CRYPTO;
	}
}

/* ---------------------------------------------------------------- unprotect */

static enum xs_srtp_status unprotect_prepare_rtp(struct xs_srtp_op *op, struct op_scratch *sc,
						 const struct xs_srtp_keys *keys)
{
	const struct xs_dir_keys *dk = &keys->rtp;
	const struct xs_srtp_stream *s = op->in->stream;
	const struct xs_srtp_rtp_state *rtp;
	struct xs_srtp_rtp_state other;
	enum xs_srtp_status st;
	uint32_t hdr;

	st = rtp_header_len(op->pkt, op->len, &hdr);
	if (st)
		return st;
	if (dir_is_plain(keys, false))
		return XS_SRTP_OK;
	if (hdr + dk->tag_len > op->len)
		return XS_SRTP_E_TOO_SHORT;
	rtp = rtp_state(s, be32(op->pkt + 8), &other);
	if (!rtp)
		return XS_SRTP_E_SSRC_LIMIT;
	sc->index = xs_rtp_index_estimate(rtp, be16(op->pkt + 2), &sc->delta);
	if (xs_rtp_index_exhausted(sc->index))
		return XS_SRTP_E_INDEX_EXHAUSTED;
	st = xs_rtp_replay_check(rtp, s->window, sc->delta);
	if (st)
		return st;
	sc->hdr_len = hdr;
	sc->enc_len = op->len - hdr - dk->tag_len;
	sc->encrypt = dk->cipher == XS_CIPHER_AES_CM && sc->enc_len > 0;
	return XS_SRTP_OK;
}

static enum xs_srtp_status unprotect_prepare_rtcp(struct xs_srtp_op *op, struct op_scratch *sc,
						  const struct xs_srtp_keys *keys)
{
	const struct xs_dir_keys *dk = &keys->rtcp;
	enum xs_srtp_status st;
	uint32_t word;

	st = rtcp_header_check(op->pkt, op->len);
	if (st)
		return st;
	if (dir_is_plain(keys, true))
		return XS_SRTP_OK;
	if (op->len < 8u + SRTCP_TRAILER + dk->tag_len)
		return XS_SRTP_E_TOO_SHORT;
	word = be32(op->pkt + op->len - dk->tag_len - SRTCP_TRAILER);
	sc->index = word & 0x7fffffffu;
	st = xs_rtcp_replay_check(&op->in->stream->rtcp, op->in->stream->window,
				  (uint32_t)sc->index);
	if (st)
		return st;
	sc->hdr_len = 8;
	sc->enc_len = op->len - 8 - SRTCP_TRAILER - dk->tag_len;
	sc->encrypt = (word >> 31) && dk->cipher == XS_CIPHER_AES_CM && sc->enc_len > 0;
	return XS_SRTP_OK;
}

/* Stage 1 for one op. Returns true when the op needs the later stages. */
static bool unprotect_prepare(struct xs_srtp_engine *eng, struct xs_srtp_op *op, uint16_t k,
			      unsigned *nreq)
{
	const struct xs_srtp_keys *keys = op->in->keys;
	struct op_scratch *sc = &eng->sc[k];
	const struct xs_dir_keys *dk;

	sc->encrypt = 0;
	if (!keys || keys->suite >= XS_SUITE_COUNT) {
		op->status = XS_SRTP_E_BAD_SUITE;
		return false;
	}
	op->status = op->rtcp ? unprotect_prepare_rtcp(op, sc, keys) :
				unprotect_prepare_rtp(op, sc, keys);
	if (op->status || dir_is_plain(keys, op->rtcp))
		return false;
	dk = op->rtcp ? &keys->rtcp : &keys->rtp;
	if (dk->auth != XS_AUTH_NULL) {
		uint8_t *tag = op->pkt + op->len - dk->tag_len;
		struct hash_req *h = &eng->hreq[(*nreq)++];
		copy_tag(sc->tag_rx, tag, dk->tag_len);
		h->src = op->pkt;
		h->len = op->len - dk->tag_len;
		if (!op->rtcp) {
			/* RFC 3711 section 4.2: the tag covers header || payload || ROC.
			 * The ROC goes where the tag was; the tag is saved above. */
			put_be32(tag, (uint32_t)(sc->index >> 16));
			h->len += ROC_LEN;
		}
		h->op = k;
		h->auth = dk->auth;
		h->dk = dk;
	}
	return true;
}

/* Put back the bytes the ROC overwrote, so a rejected packet leaves as it came. */
static void restore_tag(struct xs_srtp_op *op, const struct op_scratch *sc,
			const struct xs_dir_keys *dk)
{
	if (!op->rtcp && dk->auth != XS_AUTH_NULL)
		copy_tag(op->pkt + op->len - dk->tag_len, sc->tag_rx, dk->tag_len);
}

/* True when committing earlier packets of this burst moved the state of this
 * RTP packet's SSRC so that it now estimates another index than the one its
 * tag was checked with (a 2^15 jump inside one burst, or its SSRC parked or
 * taken back in between): it must run again. A packet whose SSRC no longer
 * fits is not: unprotect_judge refuses it. */
static bool rtp_estimate_stale(const struct xs_srtp_op *op, const struct op_scratch *sc)
{
	const struct xs_srtp_rtp_state *rtp;
	struct xs_srtp_rtp_state other;
	int64_t delta;

	rtp = rtp_state(op->in->stream, be32(op->pkt + 8), &other);
	return rtp && xs_rtp_index_estimate(rtp, be16(op->pkt + 2), &delta) != sc->index;
}

/* Stage 3, before the tag is compared: the replay check (and the SSRC limit)
 * against the state the packets before it in the burst left, as a packet on
 * its own would meet it (an earlier copy may have taken the index, a new SSRC
 * the last place). Keeps the RTP delta for unprotect_take. */
static enum xs_srtp_status unprotect_judge(const struct xs_srtp_op *op, struct op_scratch *sc)
{
	const struct xs_srtp_stream *s = op->in->stream;
	const struct xs_srtp_rtp_state *rtp;
	struct xs_srtp_rtp_state other;

	if (op->rtcp)
		return xs_rtcp_replay_check(&s->rtcp, s->window, (uint32_t)sc->index);
	rtp = rtp_state(s, be32(op->pkt + 8), &other);
	if (!rtp)
		return XS_SRTP_E_SSRC_LIMIT;
	xs_rtp_index_estimate(rtp, be16(op->pkt + 2), &sc->delta);
	return xs_rtp_replay_check(rtp, s->window, sc->delta);
}

/* Stage 3 for a judged, authenticated op: the stream takes it (an RTP packet
 * of another SSRC switches the stream to it, parking the current one), and
 * its IV is made for the decryption. */
static void unprotect_take(struct xs_srtp_engine *eng, struct xs_srtp_op *op, uint16_t k)
{
	struct xs_srtp_stream *s = op->in->stream;
	struct op_scratch *sc = &eng->sc[k];
	const struct xs_dir_keys *dk = op->rtcp ? &op->in->keys->rtcp : &op->in->keys->rtp;

	if (op->rtcp) {
		xs_rtcp_replay_commit(&s->rtcp, s->window, (uint32_t)sc->index);
	} else {
		const uint32_t ssrc = be32(op->pkt + 8);
		struct xs_srtp_rtp_state other;

		if (!s->have_ssrc || s->ssrc != ssrc) /* judged: it fits */
			xs_srtp_ssrc_switch(s, ssrc, xs_srtp_ssrc_state(s, ssrc, &other));
		xs_rtp_replay_commit(&s->rtp, s->window, sc->index, sc->delta);
	}
	make_iv(sc->iv, dk, be32(op->pkt + (op->rtcp ? 4 : 8)), sc->index);
	op->len -= dk->tag_len + (op->rtcp ? SRTCP_TRAILER : 0);
}

/* Whether an RTP op of stream s is among the listed ones (before packet k
 * when k is given: list entries are op indices, in packet order). */
static bool rtp_of_stream(const struct xs_srtp_op *ops, const uint16_t *list, unsigned n,
			  const struct xs_srtp_stream *s, unsigned before)
{
	for (unsigned i = 0; i < n; i++)
		if (list[i] < before && !ops[list[i]].rtcp && ops[list[i]].in->stream == s)
			return true;
	return false;
}

/* A refusal that depends on the stream's state, which earlier packets of
 * the burst may still move. */
static bool state_refusal(uint8_t status)
{
	return status == XS_SRTP_E_REPLAY || status == XS_SRTP_E_TOO_OLD ||
	       status == XS_SRTP_E_INDEX_EXHAUSTED;
}

/* The deferred ops, in packet order, become eng->retry. */
static unsigned defer_to_retry(struct xs_srtp_engine *eng, uint16_t *defer, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && defer[j - 1] > defer[j]; j--) {
			uint16_t t = defer[j];
			defer[j] = defer[j - 1];
			defer[j - 1] = t;
		}
	memcpy(eng->retry, defer, n * sizeof(defer[0]));
	return n;
}

/*
 * Unprotect the listed ops; those that must run again go to eng->retry. A
 * burst decides exactly as its packets one by one would: an RTP packet judged
 * against a state that earlier packets of its stream may still move (refused
 * by stage 1, or estimated differently since) is deferred to the next pass,
 * and with it every later RTP packet of its stream. A pass never defers the
 * first packet of a stream, so each pass shrinks the list.
 */
static unsigned unprotect_pass(struct xs_srtp_engine *eng, struct xs_srtp_op *ops,
			       const uint16_t *list, unsigned n)
{
	uint16_t work[XS_SRTP_MAX_BURST], defer[XS_SRTP_MAX_BURST];
	unsigned nwork = 0, nreq = 0, ndefer = 0;

	for (unsigned i = 0; i < n; i++) {
		uint16_t k = list[i];
		struct xs_srtp_op *op = &ops[k];
		if (i + 2 * PREFETCH_AHEAD < n)
			prefetch_xforms(&ops[list[i + 2 * PREFETCH_AHEAD]]);
		if (i + PREFETCH_AHEAD < n)
			prefetch_first(&ops[list[i + PREFETCH_AHEAD]]);
		if (op->in->keys) {
			prefetch_dir_rest(op->in, op->rtcp, false);
			prefetch_dir_rest(op->out, op->rtcp, true);
		}
		if (unprotect_prepare(eng, op, k, &nreq)) {
			work[nwork++] = k;
		} else if (!op->rtcp && state_refusal(op->status) &&
			   (rtp_of_stream(ops, work, nwork, op->in->stream, k) ||
			    rtp_of_stream(ops, defer, ndefer, op->in->stream, k))) {
			op->status = XS_SRTP_OK;
			defer[ndefer++] = k;
		}
	}
	run_hashes(eng, ops, nreq);
	for (unsigned i = 0; i < nwork; i++) {
		uint16_t k = work[i];
		struct xs_srtp_op *op = &ops[k];
		struct op_scratch *sc = &eng->sc[k];
		const struct xs_dir_keys *dk = op->rtcp ? &op->in->keys->rtcp : &op->in->keys->rtp;

		if (op->status == XS_SRTP_OK && !op->rtcp &&
		    (rtp_of_stream(ops, defer, ndefer, op->in->stream, k) ||
		     rtp_estimate_stale(op, sc))) {
			restore_tag(op, sc, dk);
			sc->encrypt = 0; /* decrypted in the next pass, not this one */
			defer[ndefer++] = k;
			continue;
		}
		if (op->status == XS_SRTP_OK)
			op->status = unprotect_judge(op, sc);
		if (op->status == XS_SRTP_OK && dk->auth != XS_AUTH_NULL &&
		    xs_ct_memcmp(sc->tag_calc, sc->tag_rx, dk->tag_len))
			op->status = XS_SRTP_E_AUTH;
		if (op->status != XS_SRTP_OK) {
			restore_tag(op, sc, dk);
			sc->encrypt = 0;
			continue;
		}
		unprotect_take(eng, op, k);
	}
	if (nwork)
		run_ciphers(eng, ops, work, nwork, false);
	return defer_to_retry(eng, defer, ndefer);
}

/* ---------------------------------------------------------------- protect */

/* Stage 5 for one op: parse, take the send index, commit it. */
static enum xs_srtp_status protect_prepare(struct xs_srtp_op *op, struct op_scratch *sc,
					   const struct xs_dir_keys *dk)
{
	struct xs_srtp_stream *s = op->out->stream;
	enum xs_srtp_status st;
	uint32_t ssrc;

	if (op->rtcp) {
		st = rtcp_header_check(op->pkt, op->len);
		if (st)
			return st;
		if (op->len + SRTCP_TRAILER + dk->tag_len > op->room)
			return XS_SRTP_E_NO_ROOM;
		if (s->rtcp.index >= 0x7fffffffu)
			return XS_SRTP_E_INDEX_EXHAUSTED;
		sc->index = ++s->rtcp.index;
		sc->hdr_len = 8;
		sc->enc_len = op->len - 8;
		sc->encrypt = dk->cipher == XS_CIPHER_AES_CM && sc->enc_len > 0;
		ssrc = be32(op->pkt + 4);
	} else {
		const struct xs_srtp_rtp_state *rtp;
		struct xs_srtp_rtp_state other;
		int64_t delta;
		uint32_t hdr;

		st = rtp_header_len(op->pkt, op->len, &hdr);
		if (st)
			return st;
		if (op->len + (dk->auth != XS_AUTH_NULL ? dk->tag_len : 0) > op->room)
			return XS_SRTP_E_NO_ROOM;
		ssrc = be32(op->pkt + 8);
		/* per-SSRC state: a returning SSRC is judged against its parked index,
		 * and the stream switches SSRC only for a packet it sends */
		rtp = rtp_state(s, ssrc, &other);
		if (!rtp)
			return XS_SRTP_E_SSRC_LIMIT;
		sc->index = xs_rtp_index_estimate(rtp, be16(op->pkt + 2), &delta);
		if (xs_rtp_index_exhausted(sc->index))
			return XS_SRTP_E_INDEX_EXHAUSTED;
		/* Never send two packets under one index: that would reuse keystream. */
		st = xs_rtp_replay_check(rtp, s->window, delta);
		if (st)
			return st;
		if (rtp == &other)
			xs_srtp_ssrc_switch(s, ssrc, &other);
		xs_rtp_replay_commit(&s->rtp, s->window, sc->index, delta);
		sc->hdr_len = hdr;
		sc->enc_len = op->len - hdr;
		sc->encrypt = dk->cipher == XS_CIPHER_AES_CM && sc->enc_len > 0;
	}
	make_iv(sc->iv, dk, ssrc, sc->index);
	return XS_SRTP_OK;
}

static void protect_pass(struct xs_srtp_engine *eng, struct xs_srtp_op *ops, unsigned n)
{
	uint16_t work[XS_SRTP_MAX_BURST];
	unsigned nwork = 0, nreq = 0;

	for (unsigned k = 0; k < n; k++) {
		struct xs_srtp_op *op = &ops[k];
		const struct xs_srtp_keys *keys;
		const struct xs_dir_keys *dk;

		if (k + PREFETCH_AHEAD < n && !ops[k + PREFETCH_AHEAD].in)
			prefetch_dir_rest(ops[k + PREFETCH_AHEAD].out, ops[k + PREFETCH_AHEAD].rtcp, true);
		if (!op->out || op->status != XS_SRTP_OK)
			continue;
		keys = op->out->keys;
		if (!keys || keys->suite >= XS_SUITE_COUNT) {
			op->status = XS_SRTP_E_BAD_SUITE;
			continue;
		}
		if (dir_is_plain(keys, op->rtcp))
			continue;
		dk = op->rtcp ? &keys->rtcp : &keys->rtp;
		eng->sc[k].encrypt = 0;
		op->status = protect_prepare(op, &eng->sc[k], dk);
		if (op->status == XS_SRTP_OK)
			work[nwork++] = (uint16_t)k;
	}
	run_ciphers(eng, ops, work, nwork, true);

	for (unsigned i = 0; i < nwork; i++) {
		uint16_t k = work[i];
		struct xs_srtp_op *op = &ops[k];
		struct op_scratch *sc = &eng->sc[k];
		const struct xs_dir_keys *dk = op->rtcp ? &op->out->keys->rtcp :
							  &op->out->keys->rtp;
		if (op->status != XS_SRTP_OK)
			continue;
		if (op->rtcp) {
			put_be32(op->pkt + op->len,
				 (uint32_t)sc->index |
				 (dk->cipher == XS_CIPHER_AES_CM ? 0x80000000u : 0));
			op->len += SRTCP_TRAILER;
		}
		if (dk->auth == XS_AUTH_NULL)
			continue;
		struct hash_req *h = &eng->hreq[nreq++];
		h->src = op->pkt;
		h->len = op->len;
		if (!op->rtcp) {
			put_be32(op->pkt + op->len, (uint32_t)(sc->index >> 16));
			h->len += ROC_LEN;
		}
		h->op = k;
		h->auth = dk->auth;
		h->dk = dk;
	}
	run_hashes(eng, ops, nreq);
	for (unsigned r = 0; r < nreq; r++) {
		struct xs_srtp_op *op = &ops[eng->hreq[r].op];
		if (op->status != XS_SRTP_OK)
			continue;
		copy_tag(op->pkt + op->len, eng->sc[eng->hreq[r].op].tag_calc, eng->hreq[r].dk->tag_len);
		op->len += eng->hreq[r].dk->tag_len;
	}
}

/* ---------------------------------------------------------------- burst */

static unsigned burst_chunk(struct xs_srtp_engine *eng, struct xs_srtp_op *ops, unsigned n)
{
	unsigned nin = 0, ok = 0;

	for (unsigned k = 0; k < n && k < 2 * PREFETCH_AHEAD; k++)
		prefetch_xforms(&ops[k]);
	for (unsigned k = 0; k < n && k < PREFETCH_AHEAD; k++)
		prefetch_first(&ops[k]);
	for (unsigned k = 0; k < n; k++) {
		ops[k].status = XS_SRTP_OK;
		if (ops[k].len > ops[k].room)
			ops[k].status = XS_SRTP_E_NO_ROOM;
		else if (ops[k].in)
			eng->list[nin++] = (uint16_t)k;
	}
	while (nin) {
		nin = unprotect_pass(eng, ops, eng->list, nin);
		memcpy(eng->list, eng->retry, nin * sizeof(eng->list[0]));
	}
	protect_pass(eng, ops, n);
	for (unsigned k = 0; k < n; k++)
		ok += ops[k].status == XS_SRTP_OK;
	return ok;
}

unsigned xs_srtp_burst(struct xs_srtp_engine *eng, struct xs_srtp_op *ops, unsigned n)
{
	unsigned ok = 0;

	for (unsigned off = 0; off < n; off += XS_SRTP_MAX_BURST) {
		unsigned c = n - off < XS_SRTP_MAX_BURST ? n - off : XS_SRTP_MAX_BURST;
		ok += burst_chunk(eng, ops + off, c);
	}
	return ok;
}
