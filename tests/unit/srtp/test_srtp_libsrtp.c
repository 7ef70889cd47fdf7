/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential test against libsrtp2 (the reference, never the fast path).
 *
 * For every SDES suite, RTP and RTCP:
 *   - the engine's protected packet is byte-identical to libsrtp's for the same
 *     plaintext, keys and stream state;
 *   - libsrtp unprotects what the engine protected, and the engine unprotects
 *     what libsrtp protected, back to the plaintext;
 * over random payloads of 0..1400 bytes, random CSRC lists and header
 * extensions, a ROC starting near a wrap and a sequence wrap inside the run,
 * reordering inside the replay window, replays, packets older than the window,
 * forged tags and truncated packets, where both must reject and the engine's
 * stream state must not change. Then re-encryption (libsrtp under key A ->
 * engine A->B -> libsrtp under key B), and bursts mixing sessions and suites.
 *
 * Then the stream lifecycle (docs/stream-state.md): one send stream and one
 * receive stream under one key going A, B, A (libsrtp's per-SSRC streams as
 * the reference), a restart of a send stream and of a receive stream from
 * their marks across a ROC wrap: libsrtp on the other end sees zero failures,
 * no (SSRC, index) twice.
 *
 * The seed is printed; XS_TEST_SEED=<n> replays a run.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <srtp2/srtp.h>

#include "xs_srtp.h"

#define BUF 1600
#define RUN 300

static unsigned seed;

static uint32_t rnd(void)
{
	/* xorshift32: reproducible from the printed seed, independent of libc */
	static uint32_t x;
	if (!x)
		x = seed ? seed : 1;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

static const enum xs_srtp_suite sdes_suites[] = {
	XS_SUITE_AES_CM_128_HMAC_SHA1_80, XS_SUITE_AES_CM_128_HMAC_SHA1_32,
	XS_SUITE_AES_256_CM_HMAC_SHA1_80, XS_SUITE_AES_256_CM_HMAC_SHA1_32,
	XS_SUITE_NULL_HMAC_SHA1_80,       XS_SUITE_NULL_HMAC_SHA1_32,
	XS_SUITE_AES_CM_128_NULL_AUTH,
};
#define N_SUITES (sizeof(sdes_suites) / sizeof(sdes_suites[0]))

/* ------------------------------------------------------------ libsrtp side */

static void lib_crypto_policy(enum xs_srtp_suite s, srtp_crypto_policy_t *rtp,
			      srtp_crypto_policy_t *rtcp)
{
	switch (s) {
	case XS_SUITE_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtcp);
		break;
	case XS_SUITE_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtcp); /* RFC 4568 6.2 */
		break;
	case XS_SUITE_AES_256_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtcp);
		break;
	case XS_SUITE_AES_256_CM_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtcp);
		break;
	case XS_SUITE_NULL_HMAC_SHA1_80:
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(rtp);
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(rtcp);
		break;
	case XS_SUITE_NULL_HMAC_SHA1_32:
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(rtp);
		rtp->auth_tag_len = 4;
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(rtcp);
		break;
	case XS_SUITE_AES_CM_128_NULL_AUTH:
		srtp_crypto_policy_set_aes_cm_128_null_auth(rtp);
		srtp_crypto_policy_set_aes_cm_128_null_auth(rtcp);
		break;
	default:
		fail_msg("no libsrtp policy for suite %d", s);
	}
}

static srtp_t lib_session(enum xs_srtp_suite s, const uint8_t *keysalt, uint32_t ssrc, bool tx)
{
	srtp_policy_t pol;
	srtp_t sess;

	memset(&pol, 0, sizeof(pol));
	lib_crypto_policy(s, &pol.rtp, &pol.rtcp);
	pol.ssrc.type = ssrc_specific;
	pol.ssrc.value = ssrc;
	pol.key = (unsigned char *)keysalt;
	pol.window_size = 128;
	pol.allow_repeat_tx = 0;
	(void)tx;
	assert_int_equal(srtp_create(&sess, &pol), srtp_err_status_ok);
	return sess;
}

/* ------------------------------------------------------------ engine side */

struct side {
	enum xs_srtp_suite suite;
	uint8_t keysalt[46];
	uint32_t ssrc;
	struct xs_srtp_keys *keys;
	struct xs_srtp_stream tx, rx;
	struct xs_srtp_xform xtx, xrx;
	srtp_t lib_tx, lib_rx;
};

static void side_init(struct side *sd, enum xs_srtp_suite s, uint32_t ssrc)
{
	struct xs_srtp_policy pol;
	unsigned kl = xs_srtp_suite_key_len(s);

	memset(sd, 0, sizeof(*sd));
	sd->suite = s;
	sd->ssrc = ssrc;
	for (unsigned i = 0; i < sizeof(sd->keysalt); i++)
		sd->keysalt[i] = (uint8_t)rnd();
	memset(&pol, 0, sizeof(pol));
	pol.suite = s;
	pol.key_len = (uint8_t)kl;
	pol.salt_len = 14;
	memcpy(pol.master_key, sd->keysalt, kl);
	memcpy(pol.master_salt, sd->keysalt + kl, 14);
	assert_int_equal(xs_srtp_keys_create(&pol, &sd->keys), 0);
	xs_srtp_stream_init(&sd->tx, 128);
	xs_srtp_stream_init(&sd->rx, 128);
	sd->xtx = (struct xs_srtp_xform){ sd->keys, &sd->tx };
	sd->xrx = (struct xs_srtp_xform){ sd->keys, &sd->rx };
	sd->lib_tx = lib_session(s, sd->keysalt, ssrc, true);
	sd->lib_rx = lib_session(s, sd->keysalt, ssrc, false);
}

/* libsrtp 2.5 keeps the ROC set here for the stream's first packet: its index
 * is roc << 16 | seq of that packet. xs_srtp_stream_set_roc() takes that seq. */
static void side_set_roc(struct side *sd, uint32_t roc, uint16_t first_seq)
{
	assert_int_equal(srtp_set_stream_roc(sd->lib_tx, sd->ssrc, roc), srtp_err_status_ok);
	assert_int_equal(srtp_set_stream_roc(sd->lib_rx, sd->ssrc, roc), srtp_err_status_ok);
	xs_srtp_stream_set_roc(&sd->tx, sd->ssrc, roc, first_seq);
	xs_srtp_stream_set_roc(&sd->rx, sd->ssrc, roc, first_seq);
}

static void side_free(struct side *sd)
{
	srtp_dealloc(sd->lib_tx);
	srtp_dealloc(sd->lib_rx);
	xs_srtp_keys_free(sd->keys);
}

static struct xs_srtp_engine *eng;

static int eng_one(struct xs_srtp_op *op)
{
	xs_srtp_burst(eng, op, 1);
	return op->status;
}

/* ------------------------------------------------------------ packets */

struct pkt {
	uint8_t b[BUF];
	int len;
};

static void make_rtp(struct pkt *p, uint32_t ssrc, uint16_t seq)
{
	unsigned cc = rnd() % 4 ? 0 : rnd() % 16;
	unsigned ext = rnd() % 3 ? 0 : 1 + rnd() % 6;
	unsigned pay = rnd() % 8 ? rnd() % 1401 : (rnd() % 2 ? 0 : 1400);
	unsigned h = 12 + 4 * cc;

	p->b[0] = (uint8_t)(0x80 | (ext ? 0x10 : 0) | cc);
	p->b[1] = (uint8_t)(rnd() & 0xff);
	p->b[2] = (uint8_t)(seq >> 8);
	p->b[3] = (uint8_t)seq;
	for (int i = 4; i < 8; i++)
		p->b[i] = (uint8_t)rnd();
	for (int i = 0; i < 4; i++)
		p->b[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	for (unsigned i = 12; i < h; i++)
		p->b[i] = (uint8_t)rnd();
	if (ext) {
		p->b[h] = 0xbe;
		p->b[h + 1] = 0xde;
		p->b[h + 2] = 0;
		p->b[h + 3] = (uint8_t)(ext - 1);
		h += 4;
		for (unsigned i = 0; i < 4 * (ext - 1); i++)
			p->b[h + i] = (uint8_t)rnd();
		h += 4 * (ext - 1);
	}
	for (unsigned i = 0; i < pay; i++)
		p->b[h + i] = (uint8_t)rnd();
	p->len = (int)(h + pay);
}

static void make_rtcp(struct pkt *p, uint32_t ssrc)
{
	unsigned words = 6 + rnd() % 40;
	p->b[0] = 0x80;
	p->b[1] = 200; /* SR */
	p->b[2] = (uint8_t)((words - 1) >> 8);
	p->b[3] = (uint8_t)(words - 1);
	for (int i = 0; i < 4; i++)
		p->b[4 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	for (unsigned i = 8; i < 4 * words; i++)
		p->b[i] = (uint8_t)rnd();
	p->len = (int)(4 * words);
}

/* Engine unprotect of a copy; on rejection, state and bytes must not change. */
static int eng_unprotect(struct side *sd, const struct pkt *in, struct pkt *out, bool rtcp)
{
	struct xs_srtp_stream before = sd->rx;
	*out = *in;
	struct xs_srtp_op op = { .pkt = out->b, .len = (uint32_t)in->len, .room = BUF,
				 .in = &sd->xrx, .rtcp = rtcp };
	int st = eng_one(&op);
	if (st != XS_SRTP_OK) {
		assert_memory_equal(&before, &sd->rx, sizeof(before));
		assert_memory_equal(out->b, in->b, (size_t)in->len);
	}
	out->len = (int)op.len;
	return st;
}

static srtp_err_status_t lib_unprotect(struct side *sd, const struct pkt *in, struct pkt *out,
				       bool rtcp)
{
	*out = *in;
	return rtcp ? srtp_unprotect_rtcp(sd->lib_rx, out->b, &out->len) :
		      srtp_unprotect(sd->lib_rx, out->b, &out->len);
}

/* ------------------------------------------------------------ RTP */

static void run_rtp(enum xs_srtp_suite s, bool near_wrap)
{
	static struct pkt plain[RUN], eout[RUN], lout[RUN];
	struct side sd;
	struct pkt tmp, dec;
	uint16_t seq = near_wrap ? (uint16_t)(65536 - RUN / 3) : (uint16_t)(rnd() % 30000);

	side_init(&sd, s, rnd());
	if (near_wrap)
		side_set_roc(&sd, 0x1234, seq);

	for (int i = 0; i < RUN; i++) {
		make_rtp(&plain[i], sd.ssrc, (uint16_t)(seq + i));
		eout[i] = plain[i];
		struct xs_srtp_op op = { .pkt = eout[i].b, .len = (uint32_t)plain[i].len,
					 .room = BUF, .out = &sd.xtx };
		assert_int_equal(eng_one(&op), XS_SRTP_OK);
		eout[i].len = (int)op.len;
		lout[i] = plain[i];
		assert_int_equal(srtp_protect(sd.lib_tx, lout[i].b, &lout[i].len), srtp_err_status_ok);
		if (eout[i].len != lout[i].len || memcmp(eout[i].b, lout[i].b, (size_t)lout[i].len))
			fail_msg("suite %s packet %d seq %u: engine output differs from libsrtp (seed %u)",
				 xs_srtp_suite_name(s), i, (uint16_t)(seq + i), seed);
	}
	if (near_wrap) {
		uint32_t roc;
		assert_int_equal(srtp_get_stream_roc(sd.lib_tx, sd.ssrc, &roc), srtp_err_status_ok);
		assert_int_equal(xs_srtp_stream_roc(&sd.tx), roc);
		assert_int_equal(roc, 0x1235); /* the run crossed the wrap */
	}

	/* deliver with adjacent pairs swapped at random; libsrtp gets the engine's
	 * packets, the engine gets libsrtp's */
	for (int i = 0; i < RUN; i++) {
		int k = i;
		if (i + 1 < RUN && rnd() % 3 == 0) {
			k = i + 1;
			assert_int_equal(eng_unprotect(&sd, &lout[k], &dec, false), XS_SRTP_OK);
			assert_int_equal(dec.len, plain[k].len);
			assert_memory_equal(dec.b, plain[k].b, (size_t)dec.len);
			assert_int_equal(lib_unprotect(&sd, &eout[k], &dec, false), srtp_err_status_ok);
			assert_memory_equal(dec.b, plain[k].b, (size_t)dec.len);
			k = i;
			i++;
		}
		assert_int_equal(eng_unprotect(&sd, &lout[k], &dec, false), XS_SRTP_OK);
		assert_int_equal(dec.len, plain[k].len);
		assert_memory_equal(dec.b, plain[k].b, (size_t)dec.len);
		assert_int_equal(lib_unprotect(&sd, &eout[k], &dec, false), srtp_err_status_ok);
		assert_int_equal(dec.len, plain[k].len);
		assert_memory_equal(dec.b, plain[k].b, (size_t)dec.len);

		/* now and then, a replay of something recent: both refuse */
		if (rnd() % 10 == 0) {
			int r = k - (int)(rnd() % 20);
			if (r < 0)
				r = 0;
			assert_int_equal(eng_unprotect(&sd, &lout[r], &dec, false), XS_SRTP_E_REPLAY);
			assert_int_equal(lib_unprotect(&sd, &eout[r], &dec, false),
					 srtp_err_status_replay_fail);
		}
	}
	if (near_wrap)
		assert_int_equal(xs_srtp_stream_roc(&sd.rx), 0x1235);

	/* older than the window: both refuse */
	assert_int_equal(eng_unprotect(&sd, &lout[0], &dec, false), XS_SRTP_E_TOO_OLD);
	assert_int_equal(lib_unprotect(&sd, &eout[0], &dec, false), srtp_err_status_replay_old);

	/* forged and truncated, on a fresh packet: both refuse, nothing changes */
	make_rtp(&tmp, sd.ssrc, (uint16_t)(seq + RUN));
	struct pkt e = tmp, l = tmp;
	struct xs_srtp_op op = { .pkt = e.b, .len = (uint32_t)e.len, .room = BUF, .out = &sd.xtx };
	assert_int_equal(eng_one(&op), XS_SRTP_OK);
	e.len = (int)op.len;
	assert_int_equal(srtp_protect(sd.lib_tx, l.b, &l.len), srtp_err_status_ok);
	if (s != XS_SUITE_AES_CM_128_NULL_AUTH) {
		struct pkt f = l;
		/* any bit past the fixed header, CSRCs and extension header (whose
		 * length field would make the packet too short instead) */
		unsigned from = 12 + 4u * (f.b[0] & 0x0f) + (f.b[0] & 0x10 ? 4 : 0);
		f.b[from + rnd() % ((unsigned)f.len - from)] ^= (uint8_t)(1u << (rnd() % 8));
		assert_int_equal(eng_unprotect(&sd, &f, &dec, false), XS_SRTP_E_AUTH);
		f = e;
		f.b[f.len - 1] ^= 0x01;
		assert_int_equal(lib_unprotect(&sd, &f, &dec, false), srtp_err_status_auth_fail);
	}
	struct pkt t = l;
	t.len = 11;
	assert_int_equal(eng_unprotect(&sd, &t, &dec, false), XS_SRTP_E_TOO_SHORT);
	assert_int_not_equal(lib_unprotect(&sd, &t, &dec, false), srtp_err_status_ok);
	/* a bad version is the engine's own check */
	t = l;
	t.b[0] = (uint8_t)((t.b[0] & 0x3f) | 0x40);
	assert_int_equal(eng_unprotect(&sd, &t, &dec, false), XS_SRTP_E_BAD_VERSION);
	/* and the genuine packet still goes through on both */
	assert_int_equal(eng_unprotect(&sd, &l, &dec, false), XS_SRTP_OK);
	assert_memory_equal(dec.b, tmp.b, (size_t)tmp.len);
	assert_int_equal(lib_unprotect(&sd, &e, &dec, false), srtp_err_status_ok);
	side_free(&sd);
}

/* ------------------------------------------------------------ RTCP */

static void run_rtcp(enum xs_srtp_suite s)
{
	static struct pkt plain[64], eout[64], lout[64];
	struct side sd;
	struct pkt dec;

	side_init(&sd, s, rnd());
	for (int i = 0; i < 64; i++) {
		make_rtcp(&plain[i], sd.ssrc);
		eout[i] = plain[i];
		struct xs_srtp_op op = { .pkt = eout[i].b, .len = (uint32_t)plain[i].len,
					 .room = BUF, .out = &sd.xtx, .rtcp = 1 };
		assert_int_equal(eng_one(&op), XS_SRTP_OK);
		eout[i].len = (int)op.len;
		lout[i] = plain[i];
		assert_int_equal(srtp_protect_rtcp(sd.lib_tx, lout[i].b, &lout[i].len),
				 srtp_err_status_ok);
		if (eout[i].len != lout[i].len || memcmp(eout[i].b, lout[i].b, (size_t)lout[i].len))
			fail_msg("suite %s RTCP packet %d: engine output differs from libsrtp (seed %u)",
				 xs_srtp_suite_name(s), i, seed);
	}
	for (int i = 0; i < 64; i++) {
		int k = (i % 2 == 0 && i + 1 < 64) ? i + 1 : (i % 2 ? i - 1 : i); /* pairs swapped */
		assert_int_equal(eng_unprotect(&sd, &lout[k], &dec, true), XS_SRTP_OK);
		assert_int_equal(dec.len, plain[k].len);
		assert_memory_equal(dec.b, plain[k].b, (size_t)dec.len);
		assert_int_equal(lib_unprotect(&sd, &eout[k], &dec, true), srtp_err_status_ok);
		assert_memory_equal(dec.b, plain[k].b, (size_t)dec.len);
	}
	assert_int_equal(eng_unprotect(&sd, &lout[10], &dec, true), XS_SRTP_E_REPLAY);
	assert_int_equal(lib_unprotect(&sd, &eout[10], &dec, true), srtp_err_status_replay_fail);
	if (s != XS_SUITE_AES_CM_128_NULL_AUTH) {
		struct pkt f = lout[63];
		f.b[9] ^= 0x20;
		struct xs_srtp_stream fresh;
		xs_srtp_stream_init(&fresh, 128);
		sd.rx = fresh;
		assert_int_equal(eng_unprotect(&sd, &f, &dec, true), XS_SRTP_E_AUTH);
	}
	struct pkt t = lout[5];
	t.len = 9;
	assert_int_equal(eng_unprotect(&sd, &t, &dec, true), XS_SRTP_E_TOO_SHORT);
	side_free(&sd);
}

static void test_rtp_every_suite(void **state)
{
	(void)state;
	for (unsigned i = 0; i < N_SUITES; i++) {
		run_rtp(sdes_suites[i], false);
		run_rtp(sdes_suites[i], true);
	}
}

static void test_rtcp_every_suite(void **state)
{
	(void)state;
	for (unsigned i = 0; i < N_SUITES; i++)
		run_rtcp(sdes_suites[i]);
}

/* libsrtp protects under A; the engine re-encrypts A -> B in one op; libsrtp
 * unprotects under B; and what the engine sent equals libsrtp protecting the
 * plaintext under B. Suites differ between A and B. */
static void test_reencrypt(void **state)
{
	(void)state;
	for (unsigned i = 0; i < N_SUITES; i++) {
		struct side a, b;
		uint32_t ssrc = rnd();
		side_init(&a, sdes_suites[i], ssrc);
		side_init(&b, sdes_suites[(i + 3) % N_SUITES], ssrc);
		for (int n = 0; n < 100; n++) {
			struct pkt p, w, ref, dec;
			bool rtcp = n % 10 == 9;
			if (rtcp)
				make_rtcp(&p, ssrc);
			else
				make_rtp(&p, ssrc, (uint16_t)(65500 + n));
			w = p;
			ref = p;
			assert_int_equal(rtcp ? srtp_protect_rtcp(a.lib_tx, w.b, &w.len) :
					       srtp_protect(a.lib_tx, w.b, &w.len), srtp_err_status_ok);
			struct xs_srtp_op op = { .pkt = w.b, .len = (uint32_t)w.len, .room = BUF,
						 .in = &a.xrx, .out = &b.xtx, .rtcp = rtcp };
			assert_int_equal(eng_one(&op), XS_SRTP_OK);
			w.len = (int)op.len;
			assert_int_equal(rtcp ? srtp_protect_rtcp(b.lib_tx, ref.b, &ref.len) :
					       srtp_protect(b.lib_tx, ref.b, &ref.len), srtp_err_status_ok);
			assert_int_equal(w.len, ref.len);
			assert_memory_equal(w.b, ref.b, (size_t)w.len);
			assert_int_equal(lib_unprotect(&b, &w, &dec, rtcp), srtp_err_status_ok);
			assert_int_equal(dec.len, p.len);
			assert_memory_equal(dec.b, p.b, (size_t)p.len);
		}
		side_free(&a);
		side_free(&b);
	}
}

/* One burst, many sessions and suites, RTP and RTCP mixed, some forged: each op
 * checked against libsrtp on its own. */
static void test_mixed_bursts(void **state)
{
	enum { SESSIONS = 48, BURST = 32, ROUNDS = 40 };
	static struct side sd[SESSIONS];
	static struct pkt plain[BURST], wire[BURST], dec;
	struct xs_srtp_op ops[BURST];
	uint16_t seq[SESSIONS];
	(void)state;

	for (int i = 0; i < SESSIONS; i++) {
		side_init(&sd[i], sdes_suites[i % N_SUITES], 0x10000u + (uint32_t)i);
		seq[i] = (uint16_t)rnd();
	}
	for (int r = 0; r < ROUNDS; r++) {
		bool forged[BURST];
		int who[BURST];
		for (int k = 0; k < BURST; k++) {
			int i = (int)(rnd() % SESSIONS);
			bool rtcp = rnd() % 8 == 0;
			who[k] = i;
			if (rtcp)
				make_rtcp(&plain[k], sd[i].ssrc);
			else
				make_rtp(&plain[k], sd[i].ssrc, seq[i]++);
			wire[k] = plain[k];
			assert_int_equal(rtcp ? srtp_protect_rtcp(sd[i].lib_tx, wire[k].b, &wire[k].len) :
					       srtp_protect(sd[i].lib_tx, wire[k].b, &wire[k].len),
					 srtp_err_status_ok);
			forged[k] = sd[i].suite != XS_SUITE_AES_CM_128_NULL_AUTH && rnd() % 16 == 0;
			if (forged[k])
				wire[k].b[wire[k].len - 1] ^= 0x40;
			ops[k] = (struct xs_srtp_op){ .pkt = wire[k].b, .len = (uint32_t)wire[k].len,
						      .room = BUF, .in = &sd[i].xrx, .rtcp = rtcp };
		}
		unsigned ok = xs_srtp_burst(eng, ops, BURST), want = 0;
		for (int k = 0; k < BURST; k++) {
			if (forged[k]) {
				assert_int_equal(ops[k].status, XS_SRTP_E_AUTH);
				continue;
			}
			want++;
			assert_int_equal(ops[k].status, XS_SRTP_OK);
			assert_int_equal(ops[k].len, plain[k].len);
			assert_memory_equal(wire[k].b, plain[k].b, (size_t)plain[k].len);
		}
		assert_int_equal(ok, want);
		(void)who;
		(void)dec;
	}
	for (int i = 0; i < SESSIONS; i++)
		side_free(&sd[i]);
}

/* ------------------------------------------------------------ stream lifecycle */

/* A libsrtp session for any inbound (or outbound) SSRC, the way a receiver that
 * does not know the SSRCs in advance is set up; with_own: also a stream of its
 * own for sd->ssrc, so that its ROC can be set. */
static srtp_t lib_session_any(const struct side *sd, srtp_ssrc_type_t type, bool with_own)
{
	srtp_policy_t pol[2];
	srtp_t sess;

	memset(pol, 0, sizeof(pol));
	lib_crypto_policy(sd->suite, &pol[0].rtp, &pol[0].rtcp);
	pol[0].ssrc.type = type;
	pol[0].key = (unsigned char *)sd->keysalt;
	pol[0].window_size = 128;
	pol[0].allow_repeat_tx = 0;
	if (with_own) {
		pol[1] = pol[0];
		pol[1].ssrc.type = ssrc_specific;
		pol[1].ssrc.value = sd->ssrc;
		pol[0].next = &pol[1];
	}
	assert_int_equal(srtp_create(&sess, pol), srtp_err_status_ok);
	return sess;
}

/* Every (SSRC, index) emitted under one key, RTP and SRTCP apart. */
#define USED_MAX 4096
struct used {
	unsigned n;
	struct { uint32_t ssrc; uint64_t index; bool rtcp; } e[USED_MAX];
};

static void used_add(struct used *u, uint32_t ssrc, uint64_t index, bool rtcp)
{
	for (unsigned i = 0; i < u->n; i++)
		if (u->e[i].ssrc == ssrc && u->e[i].index == index && u->e[i].rtcp == rtcp)
			fail_msg("%s (SSRC %#x, index %#llx) emitted twice (seed %u)",
				 rtcp ? "SRTCP" : "SRTP", ssrc, (unsigned long long)index, seed);
	assert_true(u->n < USED_MAX);
	u->e[u->n].ssrc = ssrc;
	u->e[u->n].index = index;
	u->e[u->n].rtcp = rtcp;
	u->n++;
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t srtcp_index(const struct side *sd, const struct pkt *p)
{
	/* SRTCP carries the 80-bit tag, or none */
	unsigned tag = sd->suite == XS_SUITE_AES_CM_128_NULL_AUTH ? 0 : 10;

	return be32_at(p->b + p->len - tag - 4) & 0x7fffffffu;
}

static int eng_protect(const struct xs_srtp_xform *x, struct pkt *p, bool rtcp)
{
	struct xs_srtp_op op = { .pkt = p->b, .len = (uint32_t)p->len, .room = BUF, .out = x,
				 .rtcp = rtcp };
	int st = eng_one(&op);
	p->len = (int)op.len;
	return st;
}

/*
 * The engine's send stream protects `plain`; libsrtp's receiver `lin` must take
 * it back to the plaintext, and the (SSRC, index) it was sent under (the ROC
 * libsrtp's receiver is at after it: packets here arrive in order) joins u.
 * Returns the engine's status (a refused packet is not sent); *out, when
 * given, gets what was sent.
 */
static int send_plain(struct side *sd, srtp_t lin, struct used *u, const struct pkt *plain,
		      bool rtcp, uint32_t *rtcp_last, struct pkt *out)
{
	static struct pkt e, dec;
	uint32_t ssrc = be32_at(plain->b + (rtcp ? 4 : 8));
	int st;

	e = *plain;
	st = eng_protect(&sd->xtx, &e, rtcp);
	if (st != XS_SRTP_OK)
		return st;
	dec = e;
	if (rtcp) {
		uint32_t idx = srtcp_index(sd, &e);
		assert_true(idx > *rtcp_last); /* one counter, whatever the SSRC */
		*rtcp_last = idx;
		assert_int_equal(srtp_unprotect_rtcp(lin, dec.b, &dec.len), srtp_err_status_ok);
		used_add(u, ssrc, idx, true);
	} else {
		uint32_t roc;
		assert_int_equal(srtp_unprotect(lin, dec.b, &dec.len), srtp_err_status_ok);
		assert_int_equal(srtp_get_stream_roc(lin, ssrc, &roc), srtp_err_status_ok);
		used_add(u, ssrc, (uint64_t)roc << 16 | (uint32_t)(plain->b[2] << 8 | plain->b[3]),
			 false);
	}
	assert_int_equal(dec.len, plain->len);
	assert_memory_equal(dec.b, plain->b, (size_t)plain->len);
	if (out)
		*out = e;
	return st;
}

/* send_plain of a new random packet. */
static int send_one(struct side *sd, srtp_t lin, struct used *u, uint32_t ssrc, uint16_t seq,
		    bool rtcp, uint32_t *rtcp_last)
{
	static struct pkt plain;

	if (rtcp)
		make_rtcp(&plain, ssrc);
	else
		make_rtp(&plain, ssrc, seq);
	return send_plain(sd, lin, u, &plain, rtcp, rtcp_last, NULL);
}

/*
 * (a) One send stream, SSRC A for 300 packets, B for 300 over the same
 * sequence numbers, A again for 300: continuing where A stopped, with every
 * sixth one a number A has already sent. libsrtp as a sender (one stream per
 * SSRC, repeats refused) must make the same decisions and the same bytes;
 * libsrtp as an any-SSRC receiver must take every packet the engine sent.
 */
static void run_ssrc_return(enum xs_srtp_suite s)
{
	static struct used u;
	struct side sd;
	srtp_t lout, lin;
	uint32_t a, b, rtcp_last = 0;
	uint16_t start, next_a;
	unsigned refused = 0;

	side_init(&sd, s, rnd());
	a = sd.ssrc;
	b = a ^ 0x80000001u;
	lout = lib_session_any(&sd, ssrc_any_outbound, false);
	lin = lib_session_any(&sd, ssrc_any_inbound, false);
	start = (uint16_t)(rnd() % 30000);
	next_a = start;
	u.n = 0;
	for (int phase = 0; phase < 3; phase++) {
		for (int i = 0; i < 300; i++) {
			uint32_t ssrc = phase == 1 ? b : a;
			bool again = phase == 2 && i % 6 == 5;
			uint16_t seq = phase == 1 ? (uint16_t)(start + i) :
				       again ? (uint16_t)(next_a - 1 - rnd() % 200) : next_a++;
			static struct pkt plain, e, l;
			int st;

			make_rtp(&plain, ssrc, seq);
			l = plain;
			st = send_plain(&sd, lin, &u, &plain, false, &rtcp_last, &e);
			srtp_err_status_t ls = srtp_protect(lout, l.b, &l.len);
			if (again) {
				/* already sent: both refuse, the same way */
				assert_int_not_equal(st, XS_SRTP_OK);
				assert_int_equal(ls, st == XS_SRTP_E_REPLAY ? srtp_err_status_replay_fail :
									       srtp_err_status_replay_old);
				refused++;
				continue;
			}
			assert_int_equal(st, XS_SRTP_OK);
			assert_int_equal(ls, srtp_err_status_ok);
			if (e.len != l.len || memcmp(e.b, l.b, (size_t)l.len))
				fail_msg("suite %s SSRC %#x seq %u: engine output differs from libsrtp (seed %u)",
					 xs_srtp_suite_name(s), ssrc, seq, seed);
			if (i % 25 == 24)
				assert_int_equal(send_one(&sd, lin, &u, ssrc, 0, true, &rtcp_last),
						 XS_SRTP_OK);
		}
	}
	assert_int_equal(refused, 50);
	assert_int_equal(u.n, 850 + 34); /* RTP, then SRTCP: every 25th sent in a phase */
	srtp_dealloc(lout);
	srtp_dealloc(lin);
	side_free(&sd);
}

/*
 * (b) A send stream restarted from its marks: the engine sends A across a ROC
 * wrap (with holes: numbers never sent), B, A again, SRTCP between; then a NEW
 * stream is made from the marks, the SRTCP index raised by the control plane's
 * margin, and sending goes on: late numbers at or below a mark, sent or not,
 * are refused; libsrtp's receiver, the same one, takes every packet of both
 * parts; no (SSRC, index) twice.
 */
static void run_restart_send(enum xs_srtp_suite s)
{
	static struct used u;
	struct side sd;
	struct xs_srtp_marks m;
	srtp_t lin;
	uint32_t a, b, rtcp_last = 0, rtcp_before;
	uint16_t next_a = (uint16_t)(65536 - 150), next_b = (uint16_t)rnd();

	side_init(&sd, s, rnd());
	a = sd.ssrc;
	b = a ^ 0x00010000u;
	lin = lib_session_any(&sd, ssrc_any_inbound, true);
	assert_int_equal(srtp_set_stream_roc(lin, a, 0x2345), srtp_err_status_ok);
	xs_srtp_stream_set_roc(&sd.tx, a, 0x2345, next_a);
	u.n = 0;

	for (int i = 0; i < 450; i++) {
		bool on_b = i >= 300 && i < 400;
		uint16_t seq = on_b ? next_b++ : next_a++;
		if (!on_b && i % 10 == 3)
			continue; /* a hole: never sent */
		assert_int_equal(send_one(&sd, lin, &u, on_b ? b : a, seq, false, &rtcp_last),
				 XS_SRTP_OK);
		if (i % 20 == 19)
			assert_int_equal(send_one(&sd, lin, &u, on_b ? b : a, 0, true, &rtcp_last),
					 XS_SRTP_OK);
	}
	assert_int_equal(xs_srtp_stream_roc(&sd.tx), 0x2346);

	/* restart: a new stream from the marks, SRTCP with the daemon's margin */
	xs_srtp_stream_marks(&sd.tx, &m);
	assert_int_equal(m.count, 2);
	assert_int_equal(m.ssrc[0].ssrc, a);
	assert_int_equal(m.ssrc[0].index, (0x2346ull << 16) | (uint16_t)(next_a - 1));
	assert_int_equal(m.rtcp_index, rtcp_last);
	rtcp_before = rtcp_last;
	m.rtcp_index += 1024;
	xs_srtp_stream_init(&sd.tx, 128);
	assert_int_equal(xs_srtp_stream_restore(&sd.tx, &m, true), 0);

	/* late ones, from both sides of the wrap and the holes: never sent again */
	for (int k = 1; k <= 300; k += 7) {
		uint16_t seq = (uint16_t)(next_a - k);
		assert_int_not_equal(send_one(&sd, lin, &u, a, seq, false, &rtcp_last), XS_SRTP_OK);
	}
	for (int k = 1; k <= 100; k += 9)
		assert_int_not_equal(send_one(&sd, lin, &u, b, (uint16_t)(next_b - k), false,
					      &rtcp_last), XS_SRTP_OK);
	/* and on: A, B, A, SRTCP above the margin */
	for (int i = 0; i < 450; i++) {
		bool on_b = i >= 200 && i < 300;
		uint16_t seq = on_b ? next_b++ : next_a++;
		assert_int_equal(send_one(&sd, lin, &u, on_b ? b : a, seq, false, &rtcp_last),
				 XS_SRTP_OK);
		if (i % 20 == 19) {
			assert_int_equal(send_one(&sd, lin, &u, on_b ? b : a, 0, true, &rtcp_last),
					 XS_SRTP_OK);
			if (i == 19)
				assert_int_equal(rtcp_last, rtcp_before + 1024 + 1);
		}
	}
	srtp_dealloc(lin);
	side_free(&sd);
}

/* Engine unprotect through any transform; a refusal changes nothing. */
static int eng_receive(const struct xs_srtp_xform *x, const struct pkt *in, struct pkt *out,
		       bool rtcp)
{
	struct xs_srtp_stream before = *x->stream;
	*out = *in;
	struct xs_srtp_op op = { .pkt = out->b, .len = (uint32_t)in->len, .room = BUF, .in = x,
				 .rtcp = rtcp };
	int st = eng_one(&op);
	if (st != XS_SRTP_OK) {
		assert_memory_equal(&before, x->stream, sizeof(before));
		assert_memory_equal(out->b, in->b, (size_t)in->len);
	}
	out->len = (int)op.len;
	return st;
}

/*
 * (c) The other way: libsrtp sends across a wrap, the engine receives; the
 * receive stream is restarted from its marks and goes on with zero failures
 * (pairs swapped now and then), and packets from before the restart, replayed,
 * are refused.
 */
static void run_restart_receive(enum xs_srtp_suite s)
{
	enum { N = 300, NR = 12 };
	static struct pkt plain[2 * N], wire[2 * N], rplain[2 * NR], rwire[2 * NR];
	struct pkt dec;
	struct side sd;
	struct xs_srtp_marks m;
	uint16_t first = (uint16_t)(65536 - 100);

	side_init(&sd, s, rnd());
	side_set_roc(&sd, 0x77, first);
	for (int i = 0; i < 2 * N; i++) {
		make_rtp(&plain[i], sd.ssrc, (uint16_t)(first + i));
		wire[i] = plain[i];
		assert_int_equal(srtp_protect(sd.lib_tx, wire[i].b, &wire[i].len), srtp_err_status_ok);
	}
	for (int i = 0; i < 2 * NR; i++) {
		make_rtcp(&rplain[i], sd.ssrc);
		rwire[i] = rplain[i];
		assert_int_equal(srtp_protect_rtcp(sd.lib_tx, rwire[i].b, &rwire[i].len),
				 srtp_err_status_ok);
	}
	for (int i = 0; i < N; i++) {
		assert_int_equal(eng_receive(&sd.xrx, &wire[i], &dec, false), XS_SRTP_OK);
		assert_memory_equal(dec.b, plain[i].b, (size_t)plain[i].len);
	}
	for (int i = 0; i < NR; i++)
		assert_int_equal(eng_receive(&sd.xrx, &rwire[i], &dec, true), XS_SRTP_OK);
	assert_int_equal(xs_srtp_stream_roc(&sd.rx), 0x78);

	/* restart: a new receive stream from the marks */
	xs_srtp_stream_marks(&sd.rx, &m);
	assert_int_equal(m.count, 1);
	assert_int_equal(m.rtcp_index, NR);
	xs_srtp_stream_init(&sd.rx, 128);
	assert_int_equal(xs_srtp_stream_restore(&sd.rx, &m, false), 0);

	/* what came before, replayed: refused, from both sides of the wrap */
	for (int i = 0; i < N; i += 3)
		assert_int_equal(eng_receive(&sd.xrx, &wire[i], &dec, false),
				 N - 1 - i < 128 ? XS_SRTP_E_REPLAY : XS_SRTP_E_TOO_OLD);
	for (int i = 0; i < NR; i++)
		assert_int_equal(eng_receive(&sd.xrx, &rwire[i], &dec, true), XS_SRTP_E_REPLAY);
	/* and on, adjacent pairs swapped at random: zero failures */
	for (int i = N; i < 2 * N; i++) {
		int k = i;
		if (i + 1 < 2 * N && rnd() % 3 == 0) {
			assert_int_equal(eng_receive(&sd.xrx, &wire[i + 1], &dec, false), XS_SRTP_OK);
			assert_memory_equal(dec.b, plain[i + 1].b, (size_t)plain[i + 1].len);
			i++;
		}
		assert_int_equal(eng_receive(&sd.xrx, &wire[k], &dec, false), XS_SRTP_OK);
		assert_int_equal(dec.len, plain[k].len);
		assert_memory_equal(dec.b, plain[k].b, (size_t)plain[k].len);
	}
	for (int i = NR; i < 2 * NR; i++) {
		assert_int_equal(eng_receive(&sd.xrx, &rwire[i], &dec, true), XS_SRTP_OK);
		assert_int_equal(dec.len, rplain[i].len);
		assert_memory_equal(dec.b, rplain[i].b, (size_t)rplain[i].len);
	}
	uint32_t roc;
	assert_int_equal(srtp_get_stream_roc(sd.lib_tx, sd.ssrc, &roc), srtp_err_status_ok);
	assert_int_equal(xs_srtp_stream_roc(&sd.rx), roc);
	side_free(&sd);
}

/*
 * (d) A receive stream under one key going A, B, A, B, the way a libsrtp
 * sender does (one stream per SSRC, each going on where it stopped): A across
 * a ROC wrap, B, A again, B again. The engine takes every packet back to the
 * plaintext; replays of the parked SSRC, and of the current one, are refused;
 * six more SSRCs fill the stream's memory and a ninth is refused.
 */
static void run_receive_ssrc_return(enum xs_srtp_suite s)
{
	enum { N = 150 };
	static struct pkt pa[2 * N], wa[2 * N], pb[2 * N], wb[2 * N], one, dec;
	const uint16_t sa = (uint16_t)(65536 - N / 2), sb = (uint16_t)rnd();
	struct xs_srtp_marks m;
	struct side sd;
	srtp_t lout;
	uint32_t a, b;

	side_init(&sd, s, rnd());
	a = sd.ssrc;
	b = a ^ 0x40000001u;
	lout = lib_session_any(&sd, ssrc_any_outbound, false);
	for (int i = 0; i < 2 * N; i++) {
		make_rtp(&pa[i], a, (uint16_t)(sa + i));
		wa[i] = pa[i];
		assert_int_equal(srtp_protect(lout, wa[i].b, &wa[i].len), srtp_err_status_ok);
		make_rtp(&pb[i], b, (uint16_t)(sb + i));
		wb[i] = pb[i];
		assert_int_equal(srtp_protect(lout, wb[i].b, &wb[i].len), srtp_err_status_ok);
	}
	for (int phase = 0; phase < 4; phase++) {
		const struct pkt *p = phase % 2 ? pb : pa, *w = phase % 2 ? wb : wa;
		const struct pkt *ow = phase % 2 ? wa : wb;

		for (int i = phase / 2 * N; i < (phase / 2 + 1) * N; i++) {
			assert_int_equal(eng_receive(&sd.xrx, &w[i], &dec, false), XS_SRTP_OK);
			assert_int_equal(dec.len, p[i].len);
			assert_memory_equal(dec.b, p[i].b, (size_t)p[i].len);
		}
		/* replays: the current SSRC's, and (from phase 1 on) the parked one's */
		for (int i = 0; i < (phase / 2 + 1) * N; i += 7)
			assert_int_not_equal(eng_receive(&sd.xrx, &w[i], &dec, false), XS_SRTP_OK);
		for (int i = 0; phase && i < (phase + 1) / 2 * N; i += 7)
			assert_int_not_equal(eng_receive(&sd.xrx, &ow[i], &dec, false), XS_SRTP_OK);
	}
	xs_srtp_stream_marks(&sd.rx, &m);
	assert_int_equal(m.count, 2);
	assert_int_equal(m.ssrc[0].ssrc, b);
	assert_int_equal(m.ssrc[0].index, (uint64_t)sb + 2 * N - 1);
	assert_int_equal(m.ssrc[1].ssrc, a);
	assert_int_equal(m.ssrc[1].index, 1ull << 16 | (uint16_t)(sa + 2 * N - 1));

	/* eight SSRCs fit under one key, a ninth does not */
	for (uint32_t k = 1; k <= XS_SRTP_SEND_SSRCS - 1; k++) {
		make_rtp(&one, a + k, 1);
		assert_int_equal(srtp_protect(lout, one.b, &one.len), srtp_err_status_ok);
		assert_int_equal(eng_receive(&sd.xrx, &one, &dec, false),
				 k < XS_SRTP_SEND_SSRCS - 1 ? XS_SRTP_OK : XS_SRTP_E_SSRC_LIMIT);
	}
	srtp_dealloc(lout);
	side_free(&sd);
}

static void test_ssrc_return(void **state)
{
	(void)state;
	for (unsigned i = 0; i < N_SUITES; i++)
		run_ssrc_return(sdes_suites[i]);
}

static void test_receive_ssrc_return(void **state)
{
	(void)state;
	for (unsigned i = 0; i < N_SUITES; i++)
		run_receive_ssrc_return(sdes_suites[i]);
}

static void test_restart_send(void **state)
{
	(void)state;
	for (unsigned i = 0; i < N_SUITES; i++)
		run_restart_send(sdes_suites[i]);
}

static void test_restart_receive(void **state)
{
	(void)state;
	for (unsigned i = 0; i < N_SUITES; i++)
		run_restart_receive(sdes_suites[i]);
}

static int group_setup(void **state)
{
	const char *s = getenv("XS_TEST_SEED");
	(void)state;
	seed = s ? (unsigned)strtoul(s, NULL, 0) : 0x5eed2026u;
	print_message("seed %u (XS_TEST_SEED=%u replays this run)\n", seed, seed);
	if (srtp_init() != srtp_err_status_ok)
		return -1;
	eng = xs_srtp_engine_create();
	return eng ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	xs_srtp_engine_free(eng);
	srtp_shutdown();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtp_every_suite),
		cmocka_unit_test(test_rtcp_every_suite),
		cmocka_unit_test(test_reencrypt),
		cmocka_unit_test(test_mixed_bursts),
		cmocka_unit_test(test_ssrc_return),
		cmocka_unit_test(test_receive_ssrc_return),
		cmocka_unit_test(test_restart_send),
		cmocka_unit_test(test_restart_receive),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
