// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Packet logic shared by xsrelay.ko and its userspace unit tests: see
 * xsk_srtp.h. Plain C on the types of xsk_types.h; no allocation, no locks.
 */
#include "xsk_srtp.h"

#define SEQ_MEDIAN	(1 << 15)
#define SEQ_MAX		(1 << 16)
#define INDEX_MAX	((1ull << 48) - 1)
#define ROC_LEN		4
#define SRTCP_TRAILER	4
#define HMAC_OUT_MAX	20

/* RFC 3711 section 4.3.2 labels. */
enum { LABEL_RTP_ENC, LABEL_RTP_AUTH, LABEL_RTP_SALT,
       LABEL_RTCP_ENC, LABEL_RTCP_AUTH, LABEL_RTCP_SALT };

struct suite_info {
	u8 key_len, auth_key_len, cipher, auth, tag_len;
};

static const struct suite_info suites[XSK_SUITE_COUNT] = {
	[XSK_SUITE_NONE] = { 0, 0, XSK_CIPHER_NULL, XSK_AUTH_NULL, 0 },
	[XSK_SUITE_AES_CM_128_HMAC_SHA1_80] = { 16, 20, XSK_CIPHER_AES_CM, XSK_AUTH_HMAC_SHA1, 10 },
	[XSK_SUITE_AES_CM_128_HMAC_SHA1_32] = { 16, 20, XSK_CIPHER_AES_CM, XSK_AUTH_HMAC_SHA1, 4 },
	[XSK_SUITE_AES_256_CM_HMAC_SHA1_80] = { 32, 20, XSK_CIPHER_AES_CM, XSK_AUTH_HMAC_SHA1, 10 },
	[XSK_SUITE_AES_256_CM_HMAC_SHA1_32] = { 32, 20, XSK_CIPHER_AES_CM, XSK_AUTH_HMAC_SHA1, 4 },
	[XSK_SUITE_NULL_HMAC_SHA1_80] = { 16, 20, XSK_CIPHER_NULL, XSK_AUTH_HMAC_SHA1, 10 },
	[XSK_SUITE_NULL_HMAC_SHA1_32] = { 16, 20, XSK_CIPHER_NULL, XSK_AUTH_HMAC_SHA1, 4 },
	[XSK_SUITE_AES_CM_128_NULL_AUTH] = { 16, 0, XSK_CIPHER_AES_CM, XSK_AUTH_NULL, 0 },
	[XSK_SUITE_XSIPURA] = { 16, 16, XSK_CIPHER_AES_CM, XSK_AUTH_HMAC_MD5, 4 },
};

static inline u16 rd16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static inline u32 rd32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static inline void wr16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static inline void wr32(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 24);
	p[1] = (u8)(v >> 16);
	p[2] = (u8)(v >> 8);
	p[3] = (u8)v;
}

static int ct_memcmp(const u8 *a, const u8 *b, unsigned int n)
{
	u8 d = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d;
}

/* ------------------------------------------------------------ key plan */

static int xsipura_plan(const struct xs_dp_xsipura *p, struct xsk_dir_plan *rtp,
			struct xsk_dir_plan *rtcp)
{
	if (p->auth > 1 || p->kdf > 1 || (p->salt_len != 14 && p->salt_len != 16) ||
	    p->tag_len < 4 || p->tag_len > 12 ||
	    p->auth_key_len < 16 || p->auth_key_len > 20)
		return -EINVAL;
	rtp->cipher = XSK_CIPHER_AES_CM;
	rtp->auth = p->auth == 0 ? XSK_AUTH_HMAC_MD5 : XSK_AUTH_HMAC_SHA1;
	rtp->tag_len = p->tag_len;
	rtp->kdf = p->kdf == 0;
	/* Without the KDF the master key is also the auth key: 16 bytes. */
	rtp->auth_key_len = rtp->kdf ? p->auth_key_len : 16;
	rtp->salt_full = !rtp->kdf && p->salt_len == 16;
	*rtcp = *rtp;
	if (!p->rtcp_encrypted) {
		rtcp->cipher = XSK_CIPHER_NULL;
		rtcp->auth = XSK_AUTH_NULL;
	}
	return 0;
}

int xsk_plan(const struct xs_dp_crypto *c, struct xsk_dir_plan *rtp,
	     struct xsk_dir_plan *rtcp)
{
	const struct suite_info *si;

	if (c->suite >= XSK_SUITE_COUNT || c->window > XSK_MAX_WINDOW)
		return -EINVAL;
	si = &suites[c->suite];
	memset(rtp, 0, sizeof(*rtp));
	memset(rtcp, 0, sizeof(*rtcp));
	if (c->suite == XSK_SUITE_NONE)
		return 0;
	if (c->key_len != si->key_len)
		return -EINVAL;
	if (c->suite == XSK_SUITE_XSIPURA) {
		if (c->salt_len != c->xsipura.salt_len && c->salt_len != 16)
			return -EINVAL;
		if (xsipura_plan(&c->xsipura, rtp, rtcp))
			return -EINVAL;
	} else {
		if (c->salt_len != 14)
			return -EINVAL;
		rtp->cipher = si->cipher;
		rtp->auth = si->auth;
		rtp->tag_len = si->tag_len;
		rtp->auth_key_len = si->auth_key_len;
		rtp->kdf = 1;
		*rtcp = *rtp;
		/* RFC 4568 section 6.2: SRTCP always carries the 80-bit tag. */
		if (rtcp->auth != XSK_AUTH_NULL)
			rtcp->tag_len = 10;
	}
	if (c->flags & XSK_F_UNENCRYPTED_SRTP)
		rtp->cipher = XSK_CIPHER_NULL;
	if (c->flags & XSK_F_UNENCRYPTED_SRTCP)
		rtcp->cipher = XSK_CIPHER_NULL;
	if (c->flags & XSK_F_UNAUTHENTICATED_SRTP)
		rtp->auth = XSK_AUTH_NULL;
	if (rtp->auth == XSK_AUTH_NULL)
		rtp->tag_len = 0;
	if (rtcp->auth == XSK_AUTH_NULL)
		rtcp->tag_len = 0;
	rtp->key_len = c->key_len;
	rtcp->key_len = c->key_len;
	rtp->labels[0] = LABEL_RTP_ENC;
	rtp->labels[1] = LABEL_RTP_AUTH;
	rtp->labels[2] = LABEL_RTP_SALT;
	rtcp->labels[0] = LABEL_RTCP_ENC;
	rtcp->labels[1] = LABEL_RTCP_AUTH;
	rtcp->labels[2] = LABEL_RTCP_SALT;
	return 0;
}

int xsk_kdf(const struct xsk_crypto_ops *ops, void *master_ctr, const u8 *salt14,
	    u8 label, u8 *out, u32 len)
{
	u8 iv[16];

	if (len > 16 * 65536u)
		return -EINVAL;
	memcpy(iv, salt14, 14);
	iv[7] ^= label;
	iv[14] = 0;
	iv[15] = 0;
	memset(out, 0, len);
	return ops->ctr(master_ctr, iv, out, len);
}

int xsk_derive(const struct xs_dp_crypto *c, const struct xsk_dir_plan *plan,
	       const struct xsk_crypto_ops *ops, void *master_ctr,
	       struct xsk_dir_material *m)
{
	int rc = 0;

	memset(m, 0, sizeof(*m));
	m->plan = *plan;
	if (plan->kdf) {
		rc = xsk_kdf(ops, master_ctr, c->master_salt, plan->labels[0],
			     m->enc_key, plan->key_len);
		if (!rc && plan->auth_key_len)
			rc = xsk_kdf(ops, master_ctr, c->master_salt, plan->labels[1],
				     m->auth_key, plan->auth_key_len);
		if (!rc)
			rc = xsk_kdf(ops, master_ctr, c->master_salt, plan->labels[2],
				     m->salt, 14);
	} else {
		memcpy(m->enc_key, c->master_key, plan->key_len);
		memcpy(m->auth_key, c->master_key, plan->auth_key_len);
		memcpy(m->salt, c->master_salt, plan->salt_full ? 16 : 14);
	}
	return rc;
}

void xsk_dir_fill(struct xsk_dir *d, const struct xsk_dir_material *m)
{
	d->cipher = m->plan.cipher;
	d->auth = m->plan.auth;
	d->tag_len = m->plan.auth == XSK_AUTH_NULL ? 0 : m->plan.tag_len;
	d->salt_full = m->plan.salt_full;
	memcpy(d->salt, m->salt, sizeof(d->salt));
}

/* ------------------------------------------------------------ streams */

/*
 * Stream state that outlives packets, the rules of dataplane/srtp/srtp_stream.c
 * function for function. The one rule: under one key, a send stream never
 * takes an (SSRC, index) it may have taken before. So
 *  - a send stream that changes SSRC parks the old SSRC's highest index and
 *    takes back the parked one when the SSRC returns (every index up to it
 *    counts as used: a late packet of the old SSRC is refused, never re-sent);
 *  - a packet is judged against the state its SSRC would take before the
 *    stream switches to it, so a refused packet switches nothing;
 *  - the SRTCP index is one counter per send stream that only grows, whatever
 *    SSRC the RTCP carries (the IV holds the SSRC, so one counter is enough);
 *  - marks restore as floors: they raise, never lower.
 */

void xsk_stream_init(struct xsk_stream *s, u16 window)
{
	memset(s, 0, sizeof(*s));
	if (window == 0)
		window = XSK_DEFAULT_WINDOW;
	if (window > XSK_MAX_WINDOW)
		window = XSK_MAX_WINDOW;
	s->window = window;
}

void xsk_stream_reset(struct xsk_stream *s)
{
	xsk_stream_init(s, s->window);
}

void xsk_stream_set_roc(struct xsk_stream *s, u32 ssrc, u32 roc, u16 seq)
{
	xsk_stream_reset(s);
	s->ssrc = ssrc;
	s->have_ssrc = 1;
	s->rtp.index = ((u64)roc << 16) | seq;
}

u32 xsk_stream_roc(const struct xsk_stream *s)
{
	return (u32)(s->rtp.index >> 16);
}

/* Mark every index from floor down as used, in a window whose highest index is
 * top (top >= floor): bits top - floor .. window - 1, a word at a time (a send
 * stream does this on every SSRC switch). */
static void window_floor(u64 *w, u16 window, u64 top, u64 floor)
{
	u64 d = top - floor;
	unsigned int lo, hi, from, bits;

	for (lo = 0; lo < window; lo += 64) {
		hi = lo + 64u < window ? lo + 64u : window;
		if (d >= hi)
			continue;
		from = d > lo ? (unsigned int)d : lo;
		bits = hi - from;
		w[lo / 64] |= (bits == 64 ? ~0ull : (1ull << bits) - 1) << (from - lo);
	}
}

static void rtp_raise(struct xsk_rtp_state *st, u16 window, bool fresh, u64 mark)
{
	if (fresh || mark > st->index) {
		st->index = mark;
		memset(st->window, 0, sizeof(st->window));
	}
	window_floor(st->window, window, st->index, mark);
}

static void rtcp_raise(struct xsk_rtcp_state *st, u16 window, u32 mark)
{
	if (mark > st->index) {
		st->index = mark;
		memset(st->window, 0, sizeof(st->window));
	}
	window_floor(st->window, window, st->index, mark);
}

void xsk_stream_marks(const struct xsk_stream *s, struct xs_dp_marks *m)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	m->rtcp_index = s->rtcp.index;
	if (s->have_ssrc) {
		m->ssrc[0].ssrc = s->ssrc;
		m->ssrc[0].index = s->rtp.index;
		m->count = 1;
	}
	for (i = 0; i < s->nparked && m->count < XSK_SEND_SSRCS; i++)
		m->ssrc[m->count++] = s->parked[i];
}

static int parked_find(const struct xsk_stream *s, u32 ssrc)
{
	unsigned int i;

	for (i = 0; i < s->nparked; i++)
		if (s->parked[i].ssrc == ssrc)
			return (int)i;
	return -1;
}

/* 0, or why marks cannot be restored onto s: -EINVAL malformed, -ENOSPC
 * more SSRCs than the stream can remember with its own. */
static int marks_check(const struct xsk_stream *s, const struct xs_dp_marks *m)
{
	unsigned int i, j, room, need = 0;

	if (m->count > XSK_SEND_SSRCS || m->rtcp_index > 0x7fffffffu)
		return -EINVAL;
	for (i = 0; i < m->count; i++) {
		if (m->ssrc[i].index > INDEX_MAX || m->ssrc[i].pad)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (m->ssrc[j].ssrc == m->ssrc[i].ssrc)
				return -EINVAL;
	}
	room = XSK_SEND_SSRCS - (s->have_ssrc ? 1u : 0u) - s->nparked;
	for (i = 0; i < m->count; i++) {
		u32 x = m->ssrc[i].ssrc;

		if ((s->have_ssrc && s->ssrc == x) || parked_find(s, x) >= 0)
			continue;
		need++;
	}
	return need > room ? -ENOSPC : 0;
}

int xsk_stream_restore(struct xsk_stream *s, const struct xs_dp_marks *m, bool send)
{
	int rc = marks_check(s, m);
	unsigned int i;

	if (rc)
		return rc;
	/* SRTCP: a send stream's index is a counter, a receive stream's a window */
	if (send)
		s->rtcp.index = s->rtcp.index > m->rtcp_index ? s->rtcp.index : m->rtcp_index;
	else
		rtcp_raise(&s->rtcp, s->window, m->rtcp_index);
	for (i = 0; i < m->count; i++) {
		u32 x = m->ssrc[i].ssrc;
		u64 idx = m->ssrc[i].index;
		int p;

		if (s->have_ssrc && s->ssrc == x) {
			rtp_raise(&s->rtp, s->window, false, idx);
		} else if ((p = parked_find(s, x)) >= 0) {
			if (idx > s->parked[p].index)
				s->parked[p].index = idx;
		} else if (!s->have_ssrc) {
			s->ssrc = x;
			s->have_ssrc = 1;
			rtp_raise(&s->rtp, s->window, true, idx);
		} else {
			s->parked[s->nparked].ssrc = x;
			s->parked[s->nparked].pad = 0;
			s->parked[s->nparked].index = idx;
			s->nparked++;
		}
	}
	return 0;
}

const struct xsk_rtp_state *xsk_ssrc_state(const struct xsk_stream *s, u32 ssrc,
					   struct xsk_rtp_state *tmp)
{
	int p;

	if (s->have_ssrc && s->ssrc == ssrc)
		return &s->rtp;
	p = parked_find(s, ssrc);
	if (p < 0 && s->have_ssrc && s->nparked >= XSK_SEND_SSRCS - 1)
		return NULL;
	memset(tmp, 0, sizeof(*tmp));
	/* a returning SSRC: everything up to its parked index counts as used
	 * (sent or seen); a new one starts from index 0 with nothing used, as
	 * libsrtp's does (on receive: its first packet sets the index) */
	if (p >= 0)
		rtp_raise(tmp, s->window, true, s->parked[p].index);
	return tmp;
}

void xsk_ssrc_switch(struct xsk_stream *s, u32 ssrc, const struct xsk_rtp_state *st)
{
	struct xs_dp_ssrc_mark cur = { .ssrc = s->ssrc, .index = s->rtp.index };
	int p = parked_find(s, ssrc);

	if (p >= 0 && s->have_ssrc)
		s->parked[p] = cur;	/* the two trade places */
	else if (p >= 0)
		s->parked[p] = s->parked[--s->nparked];
	else if (s->have_ssrc)
		s->parked[s->nparked++] = cur;
	s->rtp = *st;
	s->ssrc = ssrc;
	s->have_ssrc = 1;
}

u64 xsk_rtp_index_estimate(const struct xsk_rtp_state *st, u16 seq, s64 *delta)
{
	u64 local = st->index, guess_roc;
	u32 local_roc = (u32)(local >> 16);
	u16 local_seq = (u16)local;
	s64 diff;

	if (local <= SEQ_MEDIAN) {
		*delta = (s64)seq - (s64)local;
		return seq;
	}
	if (local_seq < SEQ_MEDIAN) {
		if ((int)seq - (int)local_seq > SEQ_MEDIAN) {
			guess_roc = (u64)local_roc - 1;
			diff = (int)seq - (int)local_seq - SEQ_MAX;
		} else {
			guess_roc = local_roc;
			diff = (int)seq - (int)local_seq;
		}
	} else {
		if ((int)local_seq - SEQ_MEDIAN > (int)seq) {
			guess_roc = (u64)local_roc + 1;
			diff = (int)seq - (int)local_seq + SEQ_MAX;
		} else {
			guess_roc = local_roc;
			diff = (int)seq - (int)local_seq;
		}
	}
	*delta = diff;
	return (guess_roc << 16) | seq;
}

static inline int window_bit(const u64 *w, unsigned int k)
{
	return (int)((w[k / 64] >> (k % 64)) & 1);
}

static inline void window_set(u64 *w, unsigned int k)
{
	w[k / 64] |= 1ull << (k % 64);
}

/* Shift the bitmap towards older indices by n >= 1 bits. */
static void window_shift(u64 *w, unsigned int words, u64 n)
{
	unsigned int wshift, bshift;
	int i, src;

	if (n >= (u64)words * 64) {
		memset(w, 0, words * sizeof(*w));
		return;
	}
	wshift = (unsigned int)(n / 64);
	bshift = (unsigned int)(n % 64);
	for (i = (int)words - 1; i >= 0; i--) {
		u64 v = 0;

		src = i - (int)wshift;
		if (src >= 0) {
			v = w[src] << bshift;
			if (bshift && src > 0)
				v |= w[src - 1] >> (64 - bshift);
		}
		w[i] = v;
	}
}

static inline unsigned int window_words(u16 window)
{
	return (window + 63u) / 64u;
}

enum xsk_status xsk_rtp_replay_check(const struct xsk_rtp_state *st, u16 window,
				     s64 delta)
{
	if (delta > 0)
		return XSK_OK;
	if (-delta >= window)
		return XSK_E_TOO_OLD;
	if (window_bit(st->window, (unsigned int)-delta))
		return XSK_E_REPLAY;
	return XSK_OK;
}

void xsk_rtp_replay_commit(struct xsk_rtp_state *st, u16 window, u64 index, s64 delta)
{
	if (delta > 0) {
		window_shift(st->window, window_words(window), (u64)delta);
		st->index = index;
		window_set(st->window, 0);
	} else {
		window_set(st->window, (unsigned int)-delta);
	}
}

enum xsk_status xsk_rtcp_replay_check(const struct xsk_rtcp_state *st, u16 window,
				      u32 index)
{
	u32 back;

	if (index > st->index)
		return XSK_OK;
	back = st->index - index;
	if (back >= window)
		return XSK_E_TOO_OLD;
	if (window_bit(st->window, back))
		return XSK_E_REPLAY;
	return XSK_OK;
}

void xsk_rtcp_replay_commit(struct xsk_rtcp_state *st, u16 window, u32 index)
{
	if (index > st->index) {
		window_shift(st->window, window_words(window), index - st->index);
		st->index = index;
		window_set(st->window, 0);
	} else {
		window_set(st->window, st->index - index);
	}
}

/* ------------------------------------------------------------ framing */

static enum xsk_status rtp_header_len(const u8 *pkt, u32 len, u32 *hdr)
{
	u32 h;

	if (len < 12)
		return XSK_E_TOO_SHORT;
	if ((pkt[0] >> 6) != 2)
		return XSK_E_BAD_VERSION;
	h = 12 + 4u * (pkt[0] & 0x0f);
	if (pkt[0] & 0x10) {
		if (len < h + 4)
			return XSK_E_TOO_SHORT;
		h += 4 + 4u * rd16(pkt + h + 2);
	}
	if (h > len)
		return XSK_E_TOO_SHORT;
	*hdr = h;
	return XSK_OK;
}

static enum xsk_status rtcp_header_check(const u8 *pkt, u32 len)
{
	if (len < 8)
		return XSK_E_TOO_SHORT;
	if ((pkt[0] >> 6) != 2)
		return XSK_E_BAD_VERSION;
	return XSK_OK;
}

/* RFC 3711 4.1.1: IV = (salt * 2^16) ^ (SSRC * 2^64) ^ (index * 2^16). */
static void make_iv(u8 *iv, const struct xsk_dir *d, u32 ssrc, u64 index)
{
	memcpy(iv, d->salt, 16);
	if (!d->salt_full) {
		iv[14] = 0;
		iv[15] = 0;
	}
	iv[4] ^= (u8)(ssrc >> 24);
	iv[5] ^= (u8)(ssrc >> 16);
	iv[6] ^= (u8)(ssrc >> 8);
	iv[7] ^= (u8)ssrc;
	iv[8] ^= (u8)(index >> 40);
	iv[9] ^= (u8)(index >> 32);
	iv[10] ^= (u8)(index >> 24);
	iv[11] ^= (u8)(index >> 16);
	iv[12] ^= (u8)(index >> 8);
	iv[13] ^= (u8)index;
}

static enum xsk_status verify_tag(const struct xsk_crypto_ops *ops, const struct xsk_dir *d,
				  const u8 *pkt, u32 auth_len, const u8 *roc)
{
	u8 mac[HMAC_OUT_MAX];

	if (ops->mac(d->mac_ctx, pkt, auth_len, roc, roc ? ROC_LEN : 0, mac))
		return XSK_E_CRYPTO;
	if (ct_memcmp(mac, pkt + auth_len, d->tag_len))
		return XSK_E_AUTH;
	return XSK_OK;
}

static enum xsk_status unprotect_rtp(const struct xsk_crypto_ops *ops, const struct xsk_dir *d,
				     struct xsk_stream *s, u8 *pkt, u32 *len)
{
	const struct xsk_rtp_state *rtp;
	struct xsk_rtp_state other;
	enum xsk_status st;
	u32 hdr, ssrc, auth_len;
	u8 iv[16], roc[ROC_LEN];
	u64 index;
	s64 delta;

	st = rtp_header_len(pkt, *len, &hdr);
	if (st)
		return st;
	if (hdr + d->tag_len > *len)
		return XSK_E_TOO_SHORT;
	ssrc = rd32(pkt + 8);
	/* per-SSRC state: a parked SSRC is judged against its floor, a new one
	 * as a fresh stream; the stream switches only for an accepted packet */
	rtp = xsk_ssrc_state(s, ssrc, &other);
	if (!rtp)
		return XSK_E_SSRC_LIMIT;
	index = xsk_rtp_index_estimate(rtp, rd16(pkt + 2), &delta);
	if (index >= INDEX_MAX)
		return XSK_E_INDEX_EXHAUSTED;
	st = xsk_rtp_replay_check(rtp, s->window, delta);
	if (st)
		return st;
	auth_len = *len - d->tag_len;
	if (d->auth != XSK_AUTH_NULL) {
		wr32(roc, (u32)(index >> 16));
		st = verify_tag(ops, d, pkt, auth_len, roc);
		if (st)
			return st;
	}
	/* Authenticated: commit, then decrypt. */
	if (rtp == &other)
		xsk_ssrc_switch(s, ssrc, &other);
	xsk_rtp_replay_commit(&s->rtp, s->window, index, delta);
	if (d->cipher == XSK_CIPHER_AES_CM && auth_len > hdr) {
		make_iv(iv, d, ssrc, index);
		if (ops->ctr(d->ctr_ctx, iv, pkt + hdr, auth_len - hdr))
			return XSK_E_CRYPTO;
	}
	*len = auth_len;
	return XSK_OK;
}

static enum xsk_status unprotect_rtcp(const struct xsk_crypto_ops *ops, const struct xsk_dir *d,
				      struct xsk_stream *s, u8 *pkt, u32 *len)
{
	enum xsk_status st;
	u32 word, index, auth_len, enc_end;
	u8 iv[16];

	st = rtcp_header_check(pkt, *len);
	if (st)
		return st;
	if (*len < 8u + SRTCP_TRAILER + d->tag_len)
		return XSK_E_TOO_SHORT;
	auth_len = *len - d->tag_len;
	enc_end = auth_len - SRTCP_TRAILER;
	word = rd32(pkt + enc_end);
	index = word & 0x7fffffffu;
	st = xsk_rtcp_replay_check(&s->rtcp, s->window, index);
	if (st)
		return st;
	if (d->auth != XSK_AUTH_NULL) {
		st = verify_tag(ops, d, pkt, auth_len, NULL);
		if (st)
			return st;
	}
	xsk_rtcp_replay_commit(&s->rtcp, s->window, index);
	if ((word >> 31) && d->cipher == XSK_CIPHER_AES_CM && enc_end > 8) {
		make_iv(iv, d, rd32(pkt + 4), index);
		if (ops->ctr(d->ctr_ctx, iv, pkt + 8, enc_end - 8))
			return XSK_E_CRYPTO;
	}
	*len = enc_end;
	return XSK_OK;
}

enum xsk_status xsk_unprotect(const struct xsk_crypto_ops *ops, const struct xsk_keys *k,
			      struct xsk_stream *s, u8 *pkt, u32 *len, bool rtcp)
{
	u32 hdr;

	if (!k || k->suite >= XSK_SUITE_COUNT)
		return XSK_E_BAD_SUITE;
	if (rtcp) {
		if (k->rtcp_plain)
			return rtcp_header_check(pkt, *len);
		return unprotect_rtcp(ops, &k->rtcp, s, pkt, len);
	}
	if (k->rtp_plain)
		return rtp_header_len(pkt, *len, &hdr);
	return unprotect_rtp(ops, &k->rtp, s, pkt, len);
}

static enum xsk_status protect_rtp(const struct xsk_crypto_ops *ops, const struct xsk_dir *d,
				   struct xsk_stream *s, u8 *pkt, u32 *len, u32 room)
{
	const struct xsk_rtp_state *rtp;
	struct xsk_rtp_state other;
	enum xsk_status st;
	u32 hdr, ssrc;
	u8 iv[16], roc[ROC_LEN], mac[HMAC_OUT_MAX];
	u64 index;
	s64 delta;

	st = rtp_header_len(pkt, *len, &hdr);
	if (st)
		return st;
	if (*len + d->tag_len > room)
		return XSK_E_NO_ROOM;
	ssrc = rd32(pkt + 8);
	/* per-SSRC state: a returning SSRC is judged against its parked index,
	 * and the stream switches SSRC only for a packet it sends */
	rtp = xsk_ssrc_state(s, ssrc, &other);
	if (!rtp)
		return XSK_E_SSRC_LIMIT;
	index = xsk_rtp_index_estimate(rtp, rd16(pkt + 2), &delta);
	if (index >= INDEX_MAX)
		return XSK_E_INDEX_EXHAUSTED;
	/* Never send two packets under one index: that would reuse keystream. */
	st = xsk_rtp_replay_check(rtp, s->window, delta);
	if (st)
		return st;
	if (rtp == &other)
		xsk_ssrc_switch(s, ssrc, &other);
	xsk_rtp_replay_commit(&s->rtp, s->window, index, delta);
	if (d->cipher == XSK_CIPHER_AES_CM && *len > hdr) {
		make_iv(iv, d, ssrc, index);
		if (ops->ctr(d->ctr_ctx, iv, pkt + hdr, *len - hdr))
			return XSK_E_CRYPTO;
	}
	if (d->auth != XSK_AUTH_NULL) {
		wr32(roc, (u32)(index >> 16));
		if (ops->mac(d->mac_ctx, pkt, *len, roc, ROC_LEN, mac))
			return XSK_E_CRYPTO;
		memcpy(pkt + *len, mac, d->tag_len);
		*len += d->tag_len;
	}
	return XSK_OK;
}

static enum xsk_status protect_rtcp(const struct xsk_crypto_ops *ops, const struct xsk_dir *d,
				    struct xsk_stream *s, u8 *pkt, u32 *len, u32 room)
{
	enum xsk_status st;
	u8 iv[16], mac[HMAC_OUT_MAX];
	u32 index;
	bool enc = d->cipher == XSK_CIPHER_AES_CM;

	st = rtcp_header_check(pkt, *len);
	if (st)
		return st;
	if (*len + SRTCP_TRAILER + d->tag_len > room)
		return XSK_E_NO_ROOM;
	if (s->rtcp.index >= 0x7fffffffu)
		return XSK_E_INDEX_EXHAUSTED;
	index = ++s->rtcp.index;
	if (enc && *len > 8) {
		make_iv(iv, d, rd32(pkt + 4), index);
		if (ops->ctr(d->ctr_ctx, iv, pkt + 8, *len - 8))
			return XSK_E_CRYPTO;
	}
	wr32(pkt + *len, index | (enc ? 0x80000000u : 0));
	*len += SRTCP_TRAILER;
	if (d->auth != XSK_AUTH_NULL) {
		if (ops->mac(d->mac_ctx, pkt, *len, NULL, 0, mac))
			return XSK_E_CRYPTO;
		memcpy(pkt + *len, mac, d->tag_len);
		*len += d->tag_len;
	}
	return XSK_OK;
}

enum xsk_status xsk_protect(const struct xsk_crypto_ops *ops, const struct xsk_keys *k,
			    struct xsk_stream *s, u8 *pkt, u32 *len, u32 room, bool rtcp)
{
	if (!k || k->suite >= XSK_SUITE_COUNT)
		return XSK_E_BAD_SUITE;
	if (*len > room)
		return XSK_E_NO_ROOM;
	if (rtcp)
		return k->rtcp_plain ? XSK_OK : protect_rtcp(ops, &k->rtcp, s, pkt, len, room);
	return k->rtp_plain ? XSK_OK : protect_rtp(ops, &k->rtp, s, pkt, len, room);
}

/* ------------------------------------------------------------ packets */

bool xsk_keys_authenticate(const struct xsk_keys *k, bool rtcp)
{
	if (rtcp)
		return !k->rtcp_plain && k->rtcp.auth != XSK_AUTH_NULL;
	return !k->rtp_plain && k->rtp.auth != XSK_AUTH_NULL;
}

static bool same_ip(const struct xs_dp_addr *a, const struct xs_dp_addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->addr, b->addr, a->family == XS_DP_AF_INET ? 4 : 16);
}

const struct xs_dp_addr *xsk_latched(const struct xs_dp_flow *w, const struct xs_dp_addr *latched)
{
	if (!latched->family || w->src_policy == XS_DP_SRC_FIXED)
		return NULL;
	if (w->src_policy == XS_DP_SRC_LATCH_IP && !same_ip(&w->peer, latched))
		return NULL;
	return latched;
}

enum xsk_src_verdict xsk_src_check(const struct xs_dp_flow *w, const struct xs_dp_addr *latched,
				   const struct xs_dp_addr *src, bool rtcp_port,
				   bool authenticates)
{
	u16 port;

	if (w->src_policy == XS_DP_SRC_FIXED) {
		port = w->peer.port;
		if (port && rtcp_port)
			port++;
		return same_ip(&w->peer, src) && (!port || port == src->port) ?
		       XSK_SRC_PASS : XSK_SRC_DROP;
	}
	/* LATCH_IP: only from the peer's address, whatever the port */
	if (w->src_policy == XS_DP_SRC_LATCH_IP && !same_ip(&w->peer, src))
		return XSK_SRC_DROP;
	latched = xsk_latched(w, latched);
	if (!latched)
		return XSK_SRC_LATCH;
	if (same_ip(latched, src) && latched->port == src->port)
		return XSK_SRC_PASS;
	/* a NAT that rebinds: only a packet that proves it holds the key moves the latch */
	if ((w->flags & XS_DP_FLOW_F_RELATCH) && authenticates)
		return XSK_SRC_RELATCH;
	return XSK_SRC_DROP;
}

bool xsk_rtp_classify(const u8 *pay, u32 len, bool rtcp_port, bool *rtcp)
{
	*rtcp = false;
	if (len < 8 || (pay[0] >> 6) != 2)
		return false;
	/* RFC 5761 section 4: RTCP packet types 192..223. */
	*rtcp = pay[1] >= 192 && pay[1] <= 223;
	if (rtcp_port)
		return *rtcp;
	return *rtcp || len >= 12;
}

static u32 csum_add(const u8 *p, u32 len, u32 sum)
{
	u32 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (u32)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (u32)p[len - 1] << 8;
	return sum;
}

static u16 csum_fold(u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (u16)~sum;
}

void xsk_ipv4_rewrite(u8 *ip, const struct xs_dp_flow *f, bool rtcp, u32 pay_len,
		      u8 tos, u16 id, u8 ttl)
{
	const u16 add = rtcp && !(f->flags & XS_DP_FLOW_F_RTCP_MUX_OUT) ? 1 : 0;
	u8 *udp = ip + 20;
	u32 sum;
	u16 cs;

	ip[0] = 0x45;
	ip[1] = tos;
	wr16(ip + 2, (u16)(28 + pay_len));
	wr16(ip + 4, id);
	wr16(ip + 6, 0x4000);	/* DF */
	ip[8] = ttl;
	ip[9] = 17;
	wr16(ip + 10, 0);
	memcpy(ip + 12, f->out_src.addr, 4);
	memcpy(ip + 16, f->out_dst.addr, 4);
	wr16(ip + 10, csum_fold(csum_add(ip, 20, 0)));
	wr16(udp, (u16)(f->out_src.port + add));
	wr16(udp + 2, (u16)(f->out_dst.port + add));
	wr16(udp + 4, (u16)(8 + pay_len));
	wr16(udp + 6, 0);
	/* pseudo-header: addresses, protocol, UDP length */
	sum = csum_add(ip + 12, 8, 17 + 8 + pay_len);
	cs = csum_fold(csum_add(udp, 8 + pay_len, sum));
	wr16(udp + 6, cs ? cs : 0xffff);
}

unsigned int xsk_status_counter(enum xsk_status st)
{
	switch (st) {
	case XSK_E_AUTH:
		return XSK_FCNT_auth_fail;
	case XSK_E_REPLAY:
	case XSK_E_TOO_OLD:
		return XSK_FCNT_replay;
	case XSK_E_BAD_SUITE:
		return XSK_FCNT_drop_no_keys;
	case XSK_E_SSRC_LIMIT:
		return XSK_FCNT_drop_ssrc_limit;
	default:
		return XSK_FCNT_drop_srtp;
	}
}
