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
		f.b[12 + rnd() % (unsigned)(f.len - 12)] ^= (uint8_t)(1u << (rnd() % 8));
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
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
