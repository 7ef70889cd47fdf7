// SPDX-License-Identifier: BSD-3-Clause
/*
 * Userspace tests of xsrelay.ko's shared packet logic (kmod/xsk_srtp.c,
 * kmod/xsk_codec.c) with OpenSSL crypto, against the same RFC 3711 / libsrtp
 * vectors as the engine's tests/unit/srtp/test_srtp_kat.c; the per-SSRC
 * state of send and receive streams, marks and their validation; and the
 * module's stream rules run side by side with the engine's
 * (dataplane/srtp/srtp_stream.c, srtp_engine.c) on random operations, sending
 * and receiving (the engine in bursts, the module a packet at a time): same
 * state, same packets, same statuses; and the module's request checks side by
 * side with xsrelay-dp's (dataplane/dp_codec.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dp_codec.h"
#include "xs_srtp.h"
#include "xsk_codec.h"
#include "xsk_ossl.h"

_Static_assert(sizeof(struct xsk_stream) == sizeof(struct xs_srtp_stream),
	       "the module's stream mirrors the engine's");
_Static_assert(sizeof(struct xs_dp_marks) == sizeof(struct xs_srtp_marks),
	       "marks on the wire are the engine's");
_Static_assert(XSK_E_SSRC_LIMIT == (int)XS_SRTP_E_SSRC_LIMIT, "status values");

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned v;

	while (s[0] && s[1] && n < max && sscanf(s, "%2x", &v) == 1) {
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static void assert_hex_equal(const uint8_t *got, const char *want_hex)
{
	uint8_t want[256];
	size_t n = unhex(want_hex, want, sizeof(want));

	assert_memory_equal(got, want, n);
}

struct ctr_key {
	uint8_t key[32];
	int key_len;
	void *e;
};

static void test_rfc3711_b3_kdf(void **state)
{
	struct xs_dp_crypto c = { .suite = 1, .key_len = 16, .salt_len = 14 };
	struct xsk_dir_plan rtp, rtcp;
	struct xsk_dir_material m;
	struct ctr_key master = { .key_len = 16 };
	(void)state;

	unhex("E1F97A0D3E018BE0D64FA32C06DE4139", c.master_key, 16);
	unhex("0EC675AD498AFEEBB6960B3AABE6", c.master_salt, 14);
	memcpy(master.key, c.master_key, 16);
	assert_int_equal(xsk_plan(&c, &rtp, &rtcp), 0);
	assert_int_equal(xsk_derive(&c, &rtp, &xsk_ossl_ops, &master, &m), 0);
	assert_hex_equal(m.enc_key, "C61E7A93744F39EE10734AFE3FF7A087");
	assert_hex_equal(m.salt, "30CBBC08863D8C85D49DB34A9AE1");
	assert_hex_equal(m.auth_key, "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4");
}

struct packet_vector {
	unsigned suite;
	const char *key, *salt, *plain, *cipher;
};

/* libsrtp test/srtp_driver.c srtp_validate() and srtp_validate_aes_256(). */
static const struct packet_vector vectors[] = {
	{ 1, "e1f97a0d3e018be0d64fa32c06de4139", "0ec675ad498afeebb6960b3aabe6",
	  "800f1234decafbadcafebabeabababababababababababababababab",
	  "800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb" },
	{ 3, "f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6",
	  "3b04803de51ee7c96423ab5b78d2",
	  "800f1234decafbadcafebabeabababababababababababababababab",
	  "800f1234decafbadcafebabef1d9de17ff251ff1aa007774b0b4b40da08d9d9a5b3a55d8873b" },
};

static void test_packet_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct packet_vector *v = &vectors[i];
		struct xs_dp_crypto c = { .suite = v->suite };
		struct xsk_ossl_keys k;
		struct xsk_stream tx, rx, before;
		uint8_t buf[256], want[256];
		uint32_t len, plain_len, cipher_len;

		c.key_len = (uint8_t)unhex(v->key, c.master_key, 32);
		c.salt_len = (uint8_t)unhex(v->salt, c.master_salt, 16);
		assert_int_equal(xsk_ossl_keys_new(&c, &k), 0);
		xsk_stream_init(&tx, 0);
		xsk_stream_init(&rx, 0);
		plain_len = (uint32_t)unhex(v->plain, buf, sizeof(buf));
		cipher_len = (uint32_t)unhex(v->cipher, want, sizeof(want));
		len = plain_len;
		assert_int_equal(xsk_protect(&xsk_ossl_ops, &k.keys, &tx, buf, &len, sizeof(buf),
					     false), XSK_OK);
		assert_int_equal(len, cipher_len);
		assert_memory_equal(buf, want, cipher_len);

		assert_int_equal(xsk_unprotect(&xsk_ossl_ops, &k.keys, &rx, buf, &len, false),
				 XSK_OK);
		assert_int_equal(len, plain_len);
		unhex(v->plain, want, sizeof(want));
		assert_memory_equal(buf, want, plain_len);

		/* replay: rejected, nothing changes */
		before = rx;
		len = (uint32_t)unhex(v->cipher, buf, sizeof(buf));
		assert_int_equal(xsk_unprotect(&xsk_ossl_ops, &k.keys, &rx, buf, &len, false),
				 XSK_E_REPLAY);
		assert_memory_equal(&before, &rx, sizeof(rx));
		assert_int_equal(xsk_status_counter(XSK_E_REPLAY), XSK_FCNT_replay);

		/* forged tag: rejected, nothing changes */
		xsk_stream_init(&rx, 0);
		before = rx;
		buf[cipher_len - 1] ^= 1;
		assert_int_equal(xsk_unprotect(&xsk_ossl_ops, &k.keys, &rx, buf, &len, false),
				 XSK_E_AUTH);
		assert_memory_equal(&before, &rx, sizeof(rx));
		assert_int_equal(xsk_status_counter(XSK_E_AUTH), XSK_FCNT_auth_fail);
		xsk_ossl_keys_free(&k);
	}
}

static void test_rtcp_roundtrip(void **state)
{
	struct xs_dp_crypto c = { .suite = 1, .key_len = 16, .salt_len = 14 };
	struct xsk_ossl_keys k;
	struct xsk_stream tx, rx;
	uint8_t buf[128], orig[28];
	uint32_t len = sizeof(orig);
	(void)state;

	memset(c.master_key, 7, 16);
	memset(c.master_salt, 9, 14);
	memset(orig, 0x5a, sizeof(orig));
	orig[0] = 0x80;
	orig[1] = 200;
	memcpy(buf, orig, sizeof(orig));
	assert_int_equal(xsk_ossl_keys_new(&c, &k), 0);
	xsk_stream_init(&tx, 0);
	xsk_stream_init(&rx, 0);
	assert_int_equal(xsk_protect(&xsk_ossl_ops, &k.keys, &tx, buf, &len, sizeof(buf), true),
			 XSK_OK);
	assert_int_equal(len, sizeof(orig) + 4 + 10);
	assert_int_equal(xsk_unprotect(&xsk_ossl_ops, &k.keys, &rx, buf, &len, true), XSK_OK);
	assert_int_equal(len, sizeof(orig));
	assert_memory_equal(buf, orig, sizeof(orig));
	xsk_ossl_keys_free(&k);
}

static void test_roc_and_window(void **state)
{
	struct xsk_rtp_state st = { 0 };
	s64 delta;
	uint64_t idx;
	(void)state;

	st.index = (5ull << 16) | 65530;
	idx = xsk_rtp_index_estimate(&st, 3, &delta);	/* wrapped: ROC + 1 */
	assert_int_equal(idx, (6ull << 16) | 3);
	assert_int_equal(delta, 9);
	xsk_rtp_replay_commit(&st, 128, idx, delta);
	idx = xsk_rtp_index_estimate(&st, 65531, &delta);	/* late, previous ROC */
	assert_int_equal(idx, (5ull << 16) | 65531);
	assert_int_equal(xsk_rtp_replay_check(&st, 128, delta), XSK_OK);
	xsk_rtp_replay_commit(&st, 128, idx, delta);
	assert_int_equal(xsk_rtp_replay_check(&st, 128, delta), XSK_E_REPLAY);
	idx = xsk_rtp_index_estimate(&st, (uint16_t)(3 - 200), &delta);
	assert_int_equal(xsk_rtp_replay_check(&st, 128, delta), XSK_E_TOO_OLD);
}

static void test_ipv4_rewrite(void **state)
{
	struct xs_dp_flow f = { 0 };
	uint8_t pkt[28 + 4] = { 0 };
	uint32_t sum = 0;
	(void)state;

	f.out_src = (struct xs_dp_addr){ .family = 4, .port = 1000, .addr = { 10, 0, 0, 1 } };
	f.out_dst = (struct xs_dp_addr){ .family = 4, .port = 2000, .addr = { 10, 0, 0, 2 } };
	memcpy(pkt + 28, "abcd", 4);
	xsk_ipv4_rewrite(pkt, &f, true, 4, 0, 1, 63);
	assert_int_equal(pkt[8], 63);			/* one hop less than received */
	assert_int_equal(pkt[20] << 8 | pkt[21], 1001);	/* RTCP: port + 1 */
	assert_int_equal(pkt[22] << 8 | pkt[23], 2001);
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);	/* header checksum verifies */
}

static void test_codec(void **state)
{
	struct {
		struct xs_dp_hdr h;
		struct xs_dp_hello hello;
	} m = { .h = { .type = XS_DP_MSG_HELLO, .len = sizeof(m) } };
	const char *why;
	(void)state;

	xs_dp_hello_fill(&m.hello);
	assert_int_equal(xsk_request_check(&m, sizeof(m), &why), 0);
	assert_int_equal(xsk_hello_check(&m.hello, &why), 0);
	m.hello.sizes[XS_DP_SIZE_flow]++;
	assert_int_equal(xsk_hello_check(&m.hello, &why), -EPROTO);
	m.h.len--;
	assert_int_equal(xsk_request_check(&m, sizeof(m), &why), -EBADMSG);
}

/* ------------------------------------------------------------ stream rules */

static const uint8_t key30[30] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30 };

static void keys80(struct xsk_ossl_keys *k)
{
	struct xs_dp_crypto c = { .suite = 1, .key_len = 16, .salt_len = 14 };

	memcpy(c.master_key, key30, 16);
	memcpy(c.master_salt, key30 + 16, 14);
	assert_int_equal(xsk_ossl_keys_new(&c, k), 0);
}

static uint32_t rtp_pkt(uint8_t *p, uint32_t ssrc, uint16_t seq)
{
	memset(p, 0, 52);
	p[0] = 0x80;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[8] = (uint8_t)(ssrc >> 24);
	p[9] = (uint8_t)(ssrc >> 16);
	p[10] = (uint8_t)(ssrc >> 8);
	p[11] = (uint8_t)ssrc;
	memset(p + 12, 0x5a ^ (seq & 0xff), 40);
	return 52;
}

static uint32_t rtcp_pkt(uint8_t *p, uint32_t ssrc)
{
	memset(p, 0, 28);
	p[0] = 0x80;
	p[1] = 200;
	p[3] = 6;
	p[4] = (uint8_t)(ssrc >> 24);
	p[5] = (uint8_t)(ssrc >> 16);
	p[6] = (uint8_t)(ssrc >> 8);
	p[7] = (uint8_t)ssrc;
	return 28;
}

static enum xsk_status send_rtp(const struct xsk_ossl_keys *k, struct xsk_stream *s,
				uint32_t ssrc, uint16_t seq, uint8_t *out, uint32_t *len)
{
	uint8_t b[128];
	uint32_t n = rtp_pkt(b, ssrc, seq);
	enum xsk_status st = xsk_protect(&xsk_ossl_ops, &k->keys, s, b, &n, sizeof(b), false);

	if (out) {
		memcpy(out, b, n);
		*len = n;
	}
	return st;
}

/* The SRTCP index a protected packet carries. */
static uint32_t send_rtcp(const struct xsk_ossl_keys *k, struct xsk_stream *s, uint32_t ssrc)
{
	uint8_t b[128];
	uint32_t n = rtcp_pkt(b, ssrc);

	assert_int_equal(xsk_protect(&xsk_ossl_ops, &k->keys, s, b, &n, sizeof(b), true), XSK_OK);
	n -= 10 + 4;
	return ((uint32_t)b[n] << 24 | b[n + 1] << 16 | b[n + 2] << 8 | b[n + 3]) & 0x7fffffffu;
}

#define SSRC_A 0xaaaa0001u
#define SSRC_B 0xbbbb0002u

/* A, B, A: A comes back above everything it used; nothing is sent twice. */
static void test_send_ssrc_return(void **state)
{
	struct xsk_ossl_keys k;
	struct xsk_stream s, before;
	struct xs_dp_marks m;
	(void)state;

	keys80(&k);
	xsk_stream_init(&s, 0);
	for (uint16_t q = 100; q < 110; q++)
		assert_int_equal(send_rtp(&k, &s, SSRC_A, q, NULL, NULL), XSK_OK);
	assert_int_equal(send_rtcp(&k, &s, SSRC_A), 1);
	for (uint16_t q = 1; q <= 5; q++)
		assert_int_equal(send_rtp(&k, &s, SSRC_B, q, NULL, NULL), XSK_OK);
	/* the SRTCP index goes on across the SSRC change */
	assert_int_equal(send_rtcp(&k, &s, SSRC_B), 2);
	/* A is back: its used indices stay used, the stream goes on above them */
	assert_int_equal(send_rtp(&k, &s, SSRC_A, 105, NULL, NULL), XSK_E_REPLAY);
	assert_int_equal(send_rtp(&k, &s, SSRC_A, 109, NULL, NULL), XSK_E_REPLAY);
	assert_int_equal(send_rtp(&k, &s, SSRC_A, 110, NULL, NULL), XSK_OK);
	assert_int_equal(send_rtcp(&k, &s, SSRC_A), 3);
	/* and B in turn */
	assert_int_equal(send_rtp(&k, &s, SSRC_B, 3, NULL, NULL), XSK_E_REPLAY);
	assert_int_equal(send_rtp(&k, &s, SSRC_B, 6, NULL, NULL), XSK_OK);
	xsk_stream_marks(&s, &m);
	assert_int_equal(m.count, 2);
	assert_int_equal(m.rtcp_index, 3);
	assert_int_equal(m.ssrc[0].ssrc, SSRC_B);
	assert_int_equal(m.ssrc[0].index, 6);
	assert_int_equal(m.ssrc[1].ssrc, SSRC_A);
	assert_int_equal(m.ssrc[1].index, 110);

	/* six more SSRCs fit (eight in all), a ninth is refused, nothing changes */
	for (uint32_t i = 0; i < 6; i++)
		assert_int_equal(send_rtp(&k, &s, 0xc0000000u + i, 1, NULL, NULL), XSK_OK);
	before = s;
	assert_int_equal(send_rtp(&k, &s, 0xd0000000u, 1, NULL, NULL), XSK_E_SSRC_LIMIT);
	assert_memory_equal(&before, &s, sizeof(s));
	assert_int_equal(xsk_status_counter(XSK_E_SSRC_LIMIT), XSK_FCNT_drop_ssrc_limit);
	/* a known one still comes back */
	assert_int_equal(send_rtp(&k, &s, SSRC_A, 110, NULL, NULL), XSK_E_REPLAY);
	assert_int_equal(send_rtp(&k, &s, SSRC_A, 111, NULL, NULL), XSK_OK);
	xsk_stream_marks(&s, &m);
	assert_int_equal(m.count, 8);
	xsk_ossl_keys_free(&k);
}

/* Marks of a stream restore a fresh one (a reloaded module) to go on where
 * it stopped: the same next packets, byte for byte, even across a ROC wrap. */
static void test_marks_restore_send(void **state)
{
	struct xsk_ossl_keys k;
	struct xsk_stream s, t, before;
	struct xs_dp_marks m, low, got;
	uint8_t o1[128], o2[128];
	uint32_t l1, l2;
	(void)state;

	keys80(&k);
	xsk_stream_init(&s, 0);
	for (uint32_t q = 65500; q < 65536 + 20; q++)	/* A wraps: ROC 1 */
		assert_int_equal(send_rtp(&k, &s, SSRC_A, (uint16_t)q, NULL, NULL), XSK_OK);
	assert_int_equal(xsk_stream_roc(&s), 1);
	for (uint16_t q = 7; q < 9; q++)
		assert_int_equal(send_rtp(&k, &s, SSRC_B, q, NULL, NULL), XSK_OK);
	for (int i = 0; i < 5; i++)
		send_rtcp(&k, &s, SSRC_B);
	xsk_stream_marks(&s, &m);

	xsk_stream_init(&t, 0);
	assert_int_equal(xsk_stream_restore(&t, &m, true), 0);
	xsk_stream_marks(&t, &got);
	assert_memory_equal(&got, &m, sizeof(m));
	/* every index up to a mark counts as used: nothing below goes out again */
	assert_int_equal(send_rtp(&k, &t, SSRC_B, 8, NULL, NULL), XSK_E_REPLAY);
	assert_int_equal(send_rtp(&k, &t, SSRC_A, 19, NULL, NULL), XSK_E_REPLAY);
	assert_int_equal(send_rtp(&k, &t, SSRC_A, 65535, NULL, NULL), XSK_E_REPLAY);
	/* and above, the very packets the old stream would have sent */
	assert_int_equal(send_rtp(&k, &s, SSRC_A, 20, o1, &l1), XSK_OK);
	assert_int_equal(send_rtp(&k, &t, SSRC_A, 20, o2, &l2), XSK_OK);
	assert_int_equal(l1, l2);
	assert_memory_equal(o1, o2, l1);
	assert_int_equal(xsk_stream_roc(&t), 1);
	assert_int_equal(send_rtcp(&k, &t, SSRC_A), 6);

	/* floors: lower marks change nothing */
	xsk_stream_marks(&t, &m);
	low = m;
	low.rtcp_index -= 3;
	low.ssrc[0].index -= 10;
	low.ssrc[1].index = 0;
	before = t;
	assert_int_equal(xsk_stream_restore(&t, &low, true), 0);
	assert_memory_equal(&before, &t, sizeof(t));
	/* higher ones raise: a margin on the SRTCP index */
	m.rtcp_index += 1024;
	assert_int_equal(xsk_stream_restore(&t, &m, true), 0);
	assert_int_equal(send_rtcp(&k, &t, SSRC_A), 6 + 1024 + 1);
	xsk_ossl_keys_free(&k);
}

/* Malformed marks and marks that do not fit: refused, stream unchanged. */
static void test_marks_refused(void **state)
{
	struct xsk_ossl_keys k;
	struct xsk_stream s, before;
	struct xs_dp_marks m;
	(void)state;

	keys80(&k);
	xsk_stream_init(&s, 0);
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(send_rtp(&k, &s, 0xc0000000u + i, 1, NULL, NULL), XSK_OK);
	before = s;
	memset(&m, 0, sizeof(m));
	m.count = 1;
	m.ssrc[0].ssrc = 0xd0000000u;		/* a ninth SSRC */
	m.ssrc[0].index = 10;
	assert_int_equal(xsk_stream_restore(&s, &m, true), -ENOSPC);
	m.ssrc[0].ssrc = 0xc0000003u;		/* a known one fits */
	m.ssrc[0].index = 1ull << 47;
	m.ssrc[0].pad = 1;
	assert_int_equal(xsk_stream_restore(&s, &m, true), -EINVAL);
	m.ssrc[0].pad = 0;
	m.ssrc[0].index = 1ull << 48;
	assert_int_equal(xsk_stream_restore(&s, &m, true), -EINVAL);
	m.ssrc[0].index = 5;
	m.count = 2;
	m.ssrc[1] = m.ssrc[0];			/* twice */
	assert_int_equal(xsk_stream_restore(&s, &m, false), -EINVAL);
	m.count = 9;
	assert_int_equal(xsk_stream_restore(&s, &m, true), -EINVAL);
	m.count = 0;
	m.rtcp_index = 0x80000000u;
	assert_int_equal(xsk_stream_restore(&s, &m, true), -EINVAL);
	assert_memory_equal(&before, &s, sizeof(s));
	xsk_ossl_keys_free(&k);
}

/* A receive stream takes all its marks, as a send stream: what it accepted
 * before stays refused, the current SSRC's and the parked ones'. */
static void test_marks_restore_recv(void **state)
{
	struct xsk_ossl_keys k;
	struct xsk_stream tx, rx, before;
	struct xs_dp_marks m, got;
	uint8_t p[20][128], b[128];
	uint32_t len[20], n;
	(void)state;

	keys80(&k);
	xsk_stream_init(&tx, 0);
	for (int i = 0; i < 12; i++)
		assert_int_equal(send_rtp(&k, &tx, SSRC_A, (uint16_t)(90 + i), p[i], &len[i]),
				 XSK_OK);
	for (int i = 12; i < 16; i++) {
		len[i] = rtcp_pkt(p[i], SSRC_A);
		assert_int_equal(xsk_protect(&xsk_ossl_ops, &k.keys, &tx, p[i], &len[i], 128, true),
				 XSK_OK);	/* SRTCP 1..4 */
	}
	for (int i = 16; i < 20; i++)	/* B 4998..5001 */
		assert_int_equal(send_rtp(&k, &tx, SSRC_B, (uint16_t)(4982 + i), p[i], &len[i]),
				 XSK_OK);
	memset(&m, 0, sizeof(m));
	m.count = 2;
	m.ssrc[0].ssrc = SSRC_A;
	m.ssrc[0].index = 100;
	m.ssrc[1].ssrc = SSRC_B;
	m.ssrc[1].index = 5000;
	m.rtcp_index = 2;
	xsk_stream_init(&rx, 0);
	assert_int_equal(xsk_stream_restore(&rx, &m, false), 0);
	xsk_stream_marks(&rx, &got);
	assert_memory_equal(&got, &m, sizeof(m));
	for (int i = 0; i < 20; i++) {
		enum xsk_status want = (i < 12 ? 90 + i <= 100 : i < 16 ? i - 11 <= 2 :
					4982 + i <= 5000) ? XSK_E_REPLAY : XSK_OK;

		memcpy(b, p[i], len[i]);
		n = len[i];
		assert_int_equal(xsk_unprotect(&xsk_ossl_ops, &k.keys, &rx, b, &n, i >= 12 && i < 16),
				 want);
	}
	/* B, accepted above its mark, is current; A parked at 101 */
	xsk_stream_marks(&rx, &got);
	assert_int_equal(got.count, 2);
	assert_int_equal(got.ssrc[0].ssrc, SSRC_B);
	assert_int_equal(got.ssrc[0].index, 5001);
	assert_int_equal(got.ssrc[1].ssrc, SSRC_A);
	assert_int_equal(got.ssrc[1].index, 101);
	assert_int_equal(got.rtcp_index, 4);
	/* lower marks change nothing */
	before = rx;
	assert_int_equal(xsk_stream_restore(&rx, &m, false), 0);
	assert_memory_equal(&before, &rx, sizeof(rx));
	xsk_ossl_keys_free(&k);
}

/* One SRTP packet of ssrc at 48-bit index idx, protected under k as a sender
 * at that point of its stream would; its length. */
static uint32_t srtp_at(const struct xsk_ossl_keys *k, uint32_t ssrc, uint64_t idx, uint8_t *p)
{
	struct xsk_stream s;
	uint32_t n = rtp_pkt(p, ssrc, (uint16_t)idx);

	xsk_stream_init(&s, 0);
	xsk_stream_set_roc(&s, ssrc, (uint32_t)(idx >> 16), (uint16_t)idx);
	assert_int_equal(xsk_protect(&xsk_ossl_ops, &k->keys, &s, p, &n, 128, false), XSK_OK);
	return n;
}

static enum xsk_status recv_at(const struct xsk_ossl_keys *k, struct xsk_stream *rx,
			       uint32_t ssrc, uint64_t idx, bool forged)
{
	uint8_t p[128];
	uint32_t n = srtp_at(k, ssrc, idx, p);

	if (forged)
		p[n - 1] ^= 1;
	return xsk_unprotect(&xsk_ossl_ops, &k->keys, rx, p, &n, false);
}

/* Receive A, B, A: each SSRC judged against its own state; a parked SSRC's
 * old packets stay refused, it continues at its ROC; only an accepted packet
 * switches the stream; a ninth SSRC is refused. */
static void test_recv_ssrc_return(void **state)
{
	const uint64_t roc1 = 1ull << 16;
	struct xsk_ossl_keys k;
	struct xsk_stream rx, before;
	struct xs_dp_marks m;
	(void)state;

	keys80(&k);
	xsk_stream_init(&rx, 0);
	/* A across a ROC wrap */
	for (uint64_t i = 65530; i < roc1 + 10; i++)
		assert_int_equal(recv_at(&k, &rx, SSRC_A, i, false), XSK_OK);
	assert_int_equal(xsk_stream_roc(&rx), 1);
	/* a forged or replayed packet of another SSRC switches nothing */
	before = rx;
	assert_int_equal(recv_at(&k, &rx, SSRC_B, 7, true), XSK_E_AUTH);
	assert_memory_equal(&before, &rx, sizeof(rx));
	/* B: its own state, from its first packet (ROC 0) */
	for (uint64_t i = 7; i < 12; i++)
		assert_int_equal(recv_at(&k, &rx, SSRC_B, i, false), XSK_OK);
	/* A parked: a replay of it is refused and switches nothing */
	before = rx;
	assert_int_equal(recv_at(&k, &rx, SSRC_A, roc1 + 9, false), XSK_E_REPLAY);
	assert_int_equal(recv_at(&k, &rx, SSRC_A, roc1 + 2, false), XSK_E_REPLAY);
	assert_memory_equal(&before, &rx, sizeof(rx));
	/* A returns at ROC 1 where it stopped (seq 10 alone would say ROC 0) */
	assert_int_equal(recv_at(&k, &rx, SSRC_A, roc1 + 10, false), XSK_OK);
	assert_int_equal(xsk_stream_roc(&rx), 1);
	/* and now B's old packets are refused */
	assert_int_equal(recv_at(&k, &rx, SSRC_B, 11, false), XSK_E_REPLAY);
	assert_int_equal(recv_at(&k, &rx, SSRC_B, 8, false), XSK_E_REPLAY);
	assert_int_equal(recv_at(&k, &rx, SSRC_B, 12, false), XSK_OK);
	xsk_stream_marks(&rx, &m);
	assert_int_equal(m.count, 2);
	assert_int_equal(m.ssrc[0].ssrc, SSRC_B);
	assert_int_equal(m.ssrc[0].index, 12);
	assert_int_equal(m.ssrc[1].ssrc, SSRC_A);
	assert_int_equal(m.ssrc[1].index, roc1 + 10);
	/* eight SSRCs, not nine */
	for (uint32_t i = 0; i < 6; i++)
		assert_int_equal(recv_at(&k, &rx, 0xc0000000u + i, 1, false), XSK_OK);
	before = rx;
	assert_int_equal(recv_at(&k, &rx, 0xd0000000u, 1, false), XSK_E_SSRC_LIMIT);
	assert_memory_equal(&before, &rx, sizeof(rx));
	assert_int_equal(recv_at(&k, &rx, SSRC_A, roc1 + 11, false), XSK_OK);
	xsk_ossl_keys_free(&k);
}

/* Source policies: FIXED, LATCH, LATCH_IP, F_RELATCH. */
static void test_src_check(void **state)
{
	struct xs_dp_flow w = { 0 };
	struct xs_dp_addr none = { 0 }, a = { .family = 4, .port = 5000, .addr = { 10, 0, 0, 2 } };
	struct xs_dp_addr a2 = a, b = a, a_rtcp = a;
	(void)state;

	a2.port = 6000;
	b.addr[3] = 3;
	a_rtcp.port = 5001;
	w.src_policy = XS_DP_SRC_FIXED;
	w.peer = a;
	assert_int_equal(xsk_src_check(&w, &none, &a, false, false), XSK_SRC_PASS);
	assert_int_equal(xsk_src_check(&w, &none, &a2, false, true), XSK_SRC_DROP);
	assert_int_equal(xsk_src_check(&w, &none, &a_rtcp, true, false), XSK_SRC_PASS);
	w.peer.port = 0;			/* any port */
	assert_int_equal(xsk_src_check(&w, &none, &a2, false, false), XSK_SRC_PASS);
	assert_int_equal(xsk_src_check(&w, &none, &b, false, false), XSK_SRC_DROP);

	memset(&w.peer, 0, sizeof(w.peer));
	w.src_policy = XS_DP_SRC_LATCH;
	assert_int_equal(xsk_src_check(&w, &none, &b, false, false), XSK_SRC_LATCH);
	assert_int_equal(xsk_src_check(&w, &a, &a, false, false), XSK_SRC_PASS);
	assert_int_equal(xsk_src_check(&w, &a, &a2, false, true), XSK_SRC_DROP);
	w.flags = XS_DP_FLOW_F_RELATCH;
	assert_int_equal(xsk_src_check(&w, &a, &b, false, true), XSK_SRC_RELATCH);
	/* plain or unauthenticated input never moves a latch */
	assert_int_equal(xsk_src_check(&w, &a, &b, false, false), XSK_SRC_DROP);

	w.src_policy = XS_DP_SRC_LATCH_IP;
	w.peer = a;
	w.peer.port = 0;
	assert_int_equal(xsk_src_check(&w, &none, &b, false, true), XSK_SRC_DROP);
	assert_int_equal(xsk_src_check(&w, &none, &a2, false, false), XSK_SRC_LATCH);
	assert_int_equal(xsk_src_check(&w, &a2, &a2, false, false), XSK_SRC_PASS);
	assert_int_equal(xsk_src_check(&w, &a2, &a, false, true), XSK_SRC_RELATCH);
	assert_int_equal(xsk_src_check(&w, &a2, &b, false, true), XSK_SRC_DROP);
	w.flags = 0;
	assert_int_equal(xsk_src_check(&w, &a2, &a, false, true), XSK_SRC_DROP);
	assert_ptr_equal(xsk_latched(&w, &a2), &a2);
	/* the peer moved (FLOW_REPLACE without F_REBIND): a latch from the old
	 * address does not count, the new one latches */
	w.peer = b;
	assert_null(xsk_latched(&w, &a2));
	assert_int_equal(xsk_src_check(&w, &a2, &b, false, false), XSK_SRC_LATCH);
	assert_int_equal(xsk_src_check(&w, &a2, &a2, false, false), XSK_SRC_DROP);
	w.src_policy = XS_DP_SRC_LATCH;
	assert_ptr_equal(xsk_latched(&w, &a2), &a2);
	assert_null(xsk_latched(&w, &none));
	w.src_policy = XS_DP_SRC_FIXED;
	assert_null(xsk_latched(&w, &a2));
}

/* ------------------------------------------- the module against the engine */

struct twin {
	struct xs_srtp_engine *eng;
	struct xs_srtp_keys *ek;
	struct xs_srtp_stream es;
	struct xsk_ossl_keys kk;
	struct xsk_stream ks;
};

static uint32_t rnd_state = 0x2545f491u;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* One packet through both: same status and, when sent, the same bytes. */
static void twin_protect(struct twin *t, uint8_t *p, uint32_t len, bool rtcp)
{
	uint8_t q[128];
	uint32_t kl = len;
	struct xs_srtp_xform x = { t->ek, &t->es };
	struct xs_srtp_op op = { .pkt = q, .len = len, .room = sizeof(q), .out = &x,
				 .rtcp = rtcp };
	enum xsk_status st;

	memcpy(q, p, len);
	xs_srtp_burst(t->eng, &op, 1);
	st = xsk_protect(&xsk_ossl_ops, &t->kk.keys, &t->ks, p, &kl, 128, rtcp);
	assert_int_equal(st, op.status);
	if (st == XSK_OK) {
		assert_int_equal(kl, op.len);
		assert_memory_equal(p, q, kl);
	}
}

/* Marks near the stream's own (known and new SSRCs, higher and lower), now
 * and then malformed: both must say the same and end in the same state. */
static void twin_restore(struct twin *t, const uint32_t *pool, bool send)
{
	struct xs_dp_marks m;
	struct xs_srtp_marks em;

	xsk_stream_marks(&t->ks, &m);
	for (unsigned i = 0; i < m.count; i++) {
		int64_t d = (int64_t)(rnd() % 300) - 100;

		if (rnd() % 2 && (int64_t)m.ssrc[i].index + d >= 0)
			m.ssrc[i].index += (uint64_t)d;
	}
	if (m.count < XS_DP_MARKS_MAX && rnd() % 2) {
		m.ssrc[m.count].ssrc = pool[rnd() % 10];
		m.ssrc[m.count++].index = rnd() % 200000;
	}
	m.rtcp_index += rnd() % 40 - 10;
	if (rnd() % 20 == 0)
		m.ssrc[0].index = 1ull << 48;
	memcpy(&em, &m, sizeof(em));
	assert_int_equal(xsk_stream_restore(&t->ks, &m, send),
			 xs_srtp_stream_restore(&t->es, &em, send));
}

static void test_twin_engine(void **state)
{
	const uint32_t pool[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct xs_srtp_policy pol = { .suite = XS_SUITE_AES_CM_128_HMAC_SHA1_80,
				      .key_len = 16, .salt_len = 14 };
	uint16_t seq[10] = { 0 };
	struct xs_dp_marks km;
	struct xs_srtp_marks em;
	struct twin t;
	uint8_t p[128];
	(void)state;

	memset(&t, 0, sizeof(t));
	memcpy(pol.master_key, key30, 16);
	memcpy(pol.master_salt, key30 + 16, 14);
	t.eng = xs_srtp_engine_create();
	assert_non_null(t.eng);
	assert_int_equal(xs_srtp_keys_create(&pol, &t.ek), 0);
	keys80(&t.kk);
	xs_srtp_stream_init(&t.es, 64);
	xsk_stream_init(&t.ks, 64);
	for (unsigned i = 0; i < 10; i++)
		seq[i] = (uint16_t)(rnd() % 65536);
	for (int n = 0; n < 30000; n++) {
		uint32_t r = rnd() % 100, i = rnd() % (r < 60 ? 3 : 10);

		if (r < 85) {
			/* mostly forward, sometimes back or a jump (ROC wraps) */
			seq[i] = (uint16_t)(seq[i] + rnd() % 6 - 1 +
					    (rnd() % 40 == 0 ? rnd() % 30000 : 0));
			twin_protect(&t, p, rtp_pkt(p, pool[i], seq[i]), false);
		} else if (r < 95) {
			twin_protect(&t, p, rtcp_pkt(p, pool[i]), true);
		} else if (r < 99) {
			twin_restore(&t, pool, rnd() % 4 != 0);
		} else if (rnd() % 10 == 0) {
			xs_srtp_stream_init(&t.es, 64);
			xsk_stream_init(&t.ks, 64);
		}
		assert_memory_equal(&t.ks, &t.es, sizeof(t.ks));
	}
	xsk_stream_marks(&t.ks, &km);
	xs_srtp_stream_marks(&t.es, &em);
	assert_memory_equal(&km, &em, sizeof(km));
	xs_srtp_keys_free(t.ek);
	xs_srtp_engine_free(t.eng);
	xsk_ossl_keys_free(&t.kk);
}

/* The receive side, a packet at a time as the module runs: new packets of
 * up to ten SSRCs (back and forth, ROC jumps, some forged), replays of
 * earlier ones, SRTCP (some late), now and then marks or a reset: the same
 * status, the same plaintext and the same state after every step. (Bursts of
 * several packets of one stream are the engine's own: it may commit a packet
 * it had to look at again after later ones of the burst, so which SSRC ends
 * up current, or which refusal is counted, can differ from a packet at a
 * time; tests/unit/srtp covers them.) */
#define RX_HIST 64

/* One packet through both; whether it was accepted. */
static bool twin_unprotect(struct twin *t, uint8_t *p, uint32_t len, bool rtcp)
{
	uint8_t q[128];
	uint32_t kl = len;
	struct xs_srtp_xform x = { t->ek, &t->es };
	struct xs_srtp_op op = { .pkt = q, .len = len, .room = sizeof(q), .in = &x,
				 .rtcp = rtcp };
	enum xsk_status st;

	memcpy(q, p, len);
	xs_srtp_burst(t->eng, &op, 1);
	st = xsk_unprotect(&xsk_ossl_ops, &t->kk.keys, &t->ks, p, &kl, rtcp);
	if (st != (enum xsk_status)op.status)
		fail_msg("%s ssrc %#x seq %u: module %d, engine %d", rtcp ? "SRTCP" : "SRTP",
			 (unsigned)(p[8] << 24 | p[9] << 16 | p[10] << 8 | p[11]),
			 (unsigned)(p[2] << 8 | p[3]), st, op.status);
	if (st != XSK_OK)
		return false;
	assert_int_equal(kl, op.len);
	assert_memory_equal(p, q, kl);
	return true;
}

/* The next packet of the random receive test into p; its length. */
static uint32_t rx_packet(const struct xsk_ossl_keys *k, const uint32_t *pool, uint64_t *next,
			  uint32_t *rtcp_idx, bool *rtcp, uint8_t *p)
{
	unsigned w = rnd() % 100, i = rnd() % (w < 70 ? 3 : 10);
	struct xsk_stream tx;
	uint32_t len, at;
	uint64_t idx;

	*rtcp = w >= 90;
	if (!*rtcp) {
		/* mostly forward, sometimes late or a jump (ROC changes) */
		idx = next[i] + rnd() % 4;
		if (rnd() % 8 == 0 && idx > 100)
			idx -= rnd() % 100;
		if (rnd() % 50 == 0)
			idx += rnd() % 30000;
		next[i] = idx + 1 > next[i] ? idx + 1 : next[i];
		len = srtp_at(k, pool[i], idx, p);
		if (rnd() % 10 == 0)
			p[len - 1 - rnd() % 10] ^= 0x40;
		return len;
	}
	/* SRTCP index: mostly the next, sometimes late */
	at = *rtcp_idx + 1 - (*rtcp_idx > 5 && rnd() % 4 == 0 ? 1 + rnd() % 5 : 0);
	len = rtcp_pkt(p, pool[i]);
	xsk_stream_init(&tx, 0);
	tx.rtcp.index = at - 1;
	assert_int_equal(xsk_protect(&xsk_ossl_ops, &k->keys, &tx, p, &len, 128, true), XSK_OK);
	*rtcp_idx = at > *rtcp_idx ? at : *rtcp_idx;
	return len;
}

static void test_twin_engine_recv(void **state)
{
	const uint32_t pool[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct xs_srtp_policy pol = { .suite = XS_SUITE_AES_CM_128_HMAC_SHA1_80,
				      .key_len = 16, .salt_len = 14 };
	static uint8_t hist[RX_HIST][128];
	uint32_t hist_len[RX_HIST], rtcp_idx = 0;
	bool hist_rtcp[RX_HIST];
	unsigned nhist = 0, sent = 0, accepted = 0;
	uint64_t next[10];
	struct twin t;
	(void)state;

	memset(&t, 0, sizeof(t));
	memcpy(pol.master_key, key30, 16);
	memcpy(pol.master_salt, key30 + 16, 14);
	t.eng = xs_srtp_engine_create();
	assert_non_null(t.eng);
	assert_int_equal(xs_srtp_keys_create(&pol, &t.ek), 0);
	keys80(&t.kk);
	for (int n = 0; n < 60000; n++) {
		uint32_t r = rnd() % 1000, len;
		uint8_t p[128];
		bool rtcp;

		if (n == 0 || r == 0) {
			/* a fresh receive context expects ROC 0: so do the senders */
			xs_srtp_stream_init(&t.es, 64);
			xsk_stream_init(&t.ks, 64);
			for (unsigned i = 0; i < 10; i++)
				next[i] = rnd() % 30000;
			continue;
		}
		if (r < 10) {
			twin_restore(&t, pool, false);
		} else {
			if (r < 150 && nhist) {
				unsigned h = rnd() % (nhist < RX_HIST ? nhist : RX_HIST);

				len = hist_len[h];
				rtcp = hist_rtcp[h];
				memcpy(p, hist[h], len);
			} else {
				len = rx_packet(&t.kk, pool, next, &rtcp_idx, &rtcp, p);
				memcpy(hist[nhist % RX_HIST], p, len);
				hist_len[nhist % RX_HIST] = len;
				hist_rtcp[nhist % RX_HIST] = rtcp;
				nhist++;
			}
			accepted += twin_unprotect(&t, p, len, rtcp);
			sent++;
		}
		assert_memory_equal(&t.ks, &t.es, sizeof(t.ks));
	}
	/* both kinds were tried */
	assert_true(accepted > sent / 4 && accepted < sent * 3 / 4);
	xs_srtp_keys_free(t.ek);
	xs_srtp_engine_free(t.eng);
	xsk_ossl_keys_free(&t.kk);
}

/* ------------------------------------------------------------ codec */

struct flow_req {
	struct xs_dp_hdr h;
	struct xs_dp_flow_msg m;
};

static void flow_req_init(struct flow_req *r, uint16_t type)
{
	struct xs_dp_addr lo = { .family = 4, .port = 20000, .addr = { 127, 0, 0, 1 } };

	memset(r, 0, sizeof(*r));
	r->h.type = type;
	r->h.len = sizeof(*r);
	r->m.flow.local = lo;
	r->m.flow.out_src = lo;
	r->m.flow.out_src.port = 20100;
	r->m.flow.out_dst = lo;
	r->m.flow.out_dst.port = 30000;
	r->m.flow.src_policy = XS_DP_SRC_LATCH;
	r->m.flow.out_suite = 1;
	r->m.flow.flags = XS_DP_FLOW_F_OUT_KEYS | XS_DP_FLOW_F_MARKS;
	r->m.out.suite = 1;
	r->m.out.key_len = 16;
	r->m.out.salt_len = 14;
	memcpy(r->m.out.master_key, key30, 16);
	memcpy(r->m.out.master_salt, key30 + 16, 14);
	r->m.out_marks.rtcp_index = 1000;
	r->m.out_marks.count = 2;
	r->m.out_marks.ssrc[0].ssrc = SSRC_A;
	r->m.out_marks.ssrc[0].index = (1ull << 16) | 5;
	r->m.out_marks.ssrc[1].ssrc = SSRC_B;
	r->m.out_marks.ssrc[1].index = 77;
}

static int flow_req_check(struct flow_req *r)
{
	const char *why;

	return xsk_request_check(r, sizeof(*r), &why);
}

static void test_codec_flow(void **state)
{
	struct flow_req r;
	(void)state;

	flow_req_init(&r, XS_DP_MSG_FLOW_ADD);
	assert_int_equal(flow_req_check(&r), 0);
	r.m.flow.flags &= ~XS_DP_FLOW_F_MARKS;		/* marks without F_MARKS */
	assert_int_equal(flow_req_check(&r), -EINVAL);
	flow_req_init(&r, XS_DP_MSG_FLOW_ADD);
	r.m.in_marks.rtcp_index = 1;			/* the input has no keys */
	assert_int_equal(flow_req_check(&r), -EINVAL);
	flow_req_init(&r, XS_DP_MSG_FLOW_ADD);
	r.m.out_marks.count = 9;
	assert_int_equal(flow_req_check(&r), -EINVAL);
	flow_req_init(&r, XS_DP_MSG_FLOW_ADD);
	r.m.out_marks.pad[1] = 1;
	assert_int_equal(flow_req_check(&r), -EINVAL);
	flow_req_init(&r, XS_DP_MSG_FLOW_ADD);
	r.m.out_marks.ssrc[1].pad = 1;
	assert_int_equal(flow_req_check(&r), -EINVAL);
	flow_req_init(&r, XS_DP_MSG_FLOW_ADD);
	r.m.out_marks.ssrc[0].index = 1ull << 48;
	assert_int_equal(flow_req_check(&r), -EINVAL);
	r.m.out_marks.ssrc[0].index = (1ull << 48) - 1;
	assert_int_equal(flow_req_check(&r), 0);
	r.m.out_marks.rtcp_index = 0x80000000u;
	assert_int_equal(flow_req_check(&r), -EINVAL);
	flow_req_init(&r, XS_DP_MSG_FLOW_ADD);
	r.m.out_marks.ssrc[1].ssrc = SSRC_A;		/* twice */
	assert_int_equal(flow_req_check(&r), -EINVAL);
	flow_req_init(&r, XS_DP_MSG_FLOW_ADD);
	r.m.out_marks.ssrc[2].index = 1;		/* past count */
	assert_int_equal(flow_req_check(&r), -EINVAL);

	flow_req_init(&r, XS_DP_MSG_FLOW_ADD);		/* a plain direction has no marks */
	r.m.flow.flags |= XS_DP_FLOW_F_IN_KEYS;
	r.m.in_marks.rtcp_index = 1;
	assert_int_equal(flow_req_check(&r), -EINVAL);
	r.m.in_marks.rtcp_index = 0;
	assert_int_equal(flow_req_check(&r), 0);

	/* F_REBIND and F_RESET: FLOW_REPLACE only */
	flow_req_init(&r, XS_DP_MSG_FLOW_ADD);
	r.m.flow.flags |= XS_DP_FLOW_F_REBIND;
	assert_int_equal(flow_req_check(&r), -EINVAL);
	r.h.type = XS_DP_MSG_FLOW_REPLACE;
	assert_int_equal(flow_req_check(&r), 0);
	r.m.flow.flags |= XS_DP_FLOW_F_RESET;
	assert_int_equal(flow_req_check(&r), 0);
	r.h.type = XS_DP_MSG_FLOW_ADD;
	r.m.flow.flags &= ~XS_DP_FLOW_F_REBIND;
	assert_int_equal(flow_req_check(&r), -EINVAL);
	/* ... and with SRTP input, they come with the input keys */
	flow_req_init(&r, XS_DP_MSG_FLOW_REPLACE);
	r.m.flow.in_suite = 1;
	r.m.flow.flags |= XS_DP_FLOW_F_REBIND;
	assert_int_equal(flow_req_check(&r), -EINVAL);
	r.m.flow.flags |= XS_DP_FLOW_F_IN_KEYS;
	r.m.in = r.m.out;
	assert_int_equal(flow_req_check(&r), 0);
	r.m.flow.flags |= 1u << 8;
	assert_int_equal(flow_req_check(&r), -EINVAL);

	/* F_RELATCH: SRTP input, a latching policy */
	flow_req_init(&r, XS_DP_MSG_FLOW_ADD);
	r.m.flow.flags |= XS_DP_FLOW_F_RELATCH;
	assert_int_equal(flow_req_check(&r), -EINVAL);
	r.m.flow.in_suite = 1;
	assert_int_equal(flow_req_check(&r), 0);
	r.m.flow.src_policy = XS_DP_SRC_FIXED;
	r.m.flow.peer = r.m.flow.local;
	assert_int_equal(flow_req_check(&r), -EINVAL);

	/* LATCH_IP latches from the peer's address: it needs one (any port) */
	flow_req_init(&r, XS_DP_MSG_FLOW_ADD);
	r.m.flow.src_policy = XS_DP_SRC_LATCH_IP;
	assert_int_equal(flow_req_check(&r), -EINVAL);
	r.m.flow.peer = r.m.flow.local;
	r.m.flow.peer.port = 0;
	assert_int_equal(flow_req_check(&r), 0);
	r.m.flow.src_policy = XS_DP_SRC_LATCH;		/* LATCH takes no peer */
	assert_int_equal(flow_req_check(&r), -EINVAL);
	r.m.flow.src_policy = 4;
	assert_int_equal(flow_req_check(&r), -EINVAL);
}

/* Random changes to a valid flow message: the module refuses exactly what
 * xsrelay-dp refuses, with the same errno. */
static void flow_mutate(struct flow_req *r)
{
	struct xs_dp_marks *mk = rnd() % 2 ? &r->m.in_marks : &r->m.out_marks;

	switch (rnd() % 14) {
	case 0: r->m.flow.flags ^= 1u << (rnd() % 9); break;
	case 1: r->m.flow.src_policy = (uint8_t)(rnd() % 5); break;
	case 2: r->m.flow.peer = rnd() % 2 ? r->m.flow.local : (struct xs_dp_addr){ 0 }; break;
	case 3: r->m.flow.peer.port = (uint16_t)(rnd() % 2 ? 0 : 5000); break;
	case 4: r->m.flow.in_suite = (uint8_t)(rnd() % 3); break;
	case 5: r->m.flow.out_suite = (uint8_t)(rnd() % 3); break;
	case 6: mk->count = (uint8_t)(rnd() % 10); break;
	case 7: mk->pad[rnd() % 3] = 1; break;
	case 8: mk->ssrc[rnd() % 8].index = rnd() % 2 ? 1ull << 48 : (1ull << 48) - 1; break;
	case 9: mk->rtcp_index = rnd() % 2 ? 0x80000000u : 0x7fffffffu; break;
	case 10: mk->ssrc[rnd() % 8].ssrc = SSRC_A; break;
	case 11: mk->ssrc[rnd() % 8].pad = 1; break;
	case 12: memset(rnd() % 2 ? &r->m.in : &r->m.out, 0, sizeof(r->m.in)); break;
	default: r->h.type = rnd() % 2 ? XS_DP_MSG_FLOW_ADD : XS_DP_MSG_FLOW_REPLACE; break;
	}
}

static void test_codec_twin(void **state)
{
	int refused = 0;
	(void)state;

	for (int n = 0; n < 50000; n++) {
		struct flow_req r;
		struct xs_dp_verdict v;
		const struct xs_dp_hdr *h;
		const char *why = "";
		int a, b;

		flow_req_init(&r, rnd() % 2 ? XS_DP_MSG_FLOW_ADD : XS_DP_MSG_FLOW_REPLACE);
		r.m.flow.in_suite = 1;
		r.m.flow.flags |= XS_DP_FLOW_F_IN_KEYS;
		r.m.in = r.m.out;
		r.m.in_marks = r.m.out_marks;
		for (unsigned k = 1 + rnd() % 3; k; k--)
			flow_mutate(&r);
		a = xsk_request_check(&r, sizeof(r), &why);
		b = xs_dp_request_check(&r, sizeof(r), &h, &v);
		if (a != b)
			fail_msg("type %u flags %#x policy %u suites %u/%u: module %d (%s), "
				 "xsrelay-dp %d (%s)", r.h.type, r.m.flow.flags, r.m.flow.src_policy,
				 r.m.flow.in_suite, r.m.flow.out_suite, a, why, b, v.why);
		refused += a != 0;
	}
	/* both kinds were tried */
	assert_true(refused > 5000 && refused < 45000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3711_b3_kdf),
		cmocka_unit_test(test_packet_vectors),
		cmocka_unit_test(test_rtcp_roundtrip),
		cmocka_unit_test(test_roc_and_window),
		cmocka_unit_test(test_ipv4_rewrite),
		cmocka_unit_test(test_codec),
		cmocka_unit_test(test_send_ssrc_return),
		cmocka_unit_test(test_marks_restore_send),
		cmocka_unit_test(test_marks_refused),
		cmocka_unit_test(test_marks_restore_recv),
		cmocka_unit_test(test_recv_ssrc_return),
		cmocka_unit_test(test_src_check),
		cmocka_unit_test(test_twin_engine),
		cmocka_unit_test(test_twin_engine_recv),
		cmocka_unit_test(test_codec_flow),
		cmocka_unit_test(test_codec_twin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
