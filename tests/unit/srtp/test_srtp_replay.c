/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Index estimation (RFC 3711 appendix A), rollover and replay windows, through
 * the engine's pure functions and through whole packets: every rejected packet
 * has its own reason and leaves the stream state byte for byte as it was.
 *
 * Then the streams' rule (docs/stream-state.md): under one key no (SSRC,
 * index) is protected twice, RTP or SRTCP, and none accepted twice, across
 * SSRC changes (send and receive keep per-SSRC state), and across a restart
 * from the stream's marks.
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

#include "srtp_internal.h"
#include "xs_srtp.h"

/* ------------------------------------------------------------ estimation */

static uint64_t estimate(uint64_t highest, uint16_t seq, int64_t *delta)
{
	struct xs_srtp_rtp_state st = { .index = highest };
	return xs_rtp_index_estimate(&st, seq, delta);
}

static void test_estimate_appendix_a(void **state)
{
	int64_t d;
	(void)state;
	/* in order */
	assert_int_equal(estimate(1000, 1001, &d), 1001);
	assert_int_equal(d, 1);
	/* forward across the wrap: ROC + 1 */
	assert_int_equal(estimate(0x5fff0, 3, &d), 0x60003);
	assert_int_equal(d, 0x13);
	/* late packet from before the wrap: ROC - 1 */
	assert_int_equal(estimate(0x60002, 0xfffe, &d), 0x5fffe);
	assert_int_equal(d, -4);
	/* reordered inside one ROC */
	assert_int_equal(estimate(0x70100, 0x00f0, &d), 0x700f0);
	assert_int_equal(d, -16);
	/* while the highest index is below 2^15 the ROC is taken as 0 (libsrtp) */
	assert_int_equal(estimate(10, 0xfff0, &d), 0xfff0);
	assert_int_equal(d, 0xfff0 - 10);
}

static void test_index_exhaustion(void **state)
{
	(void)state;
	assert_false(xs_rtp_index_exhausted(0xfffffffffffeull));
	assert_true(xs_rtp_index_exhausted(0xffffffffffffull));
}

/* ------------------------------------------------------------ window */

static void test_window_sizes(void **state)
{
	static const uint16_t sizes[] = { 64, 128, 200, 1024 };
	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint16_t w = sizes[i];
		struct xs_srtp_rtp_state st;
		int64_t d;
		memset(&st, 0, sizeof(st));
		uint64_t idx = xs_rtp_index_estimate(&st, 5000, &d);
		assert_int_equal(xs_rtp_replay_check(&st, w, d), XS_SRTP_OK);
		xs_rtp_replay_commit(&st, w, idx, d);

		/* the oldest index still inside the window is accepted once */
		idx = xs_rtp_index_estimate(&st, (uint16_t)(5000 - (w - 1)), &d);
		assert_int_equal(xs_rtp_replay_check(&st, w, d), XS_SRTP_OK);
		xs_rtp_replay_commit(&st, w, idx, d);
		assert_int_equal(xs_rtp_replay_check(&st, w, d), XS_SRTP_E_REPLAY);
		/* one further back is too old */
		xs_rtp_index_estimate(&st, (uint16_t)(5000 - w), &d);
		assert_int_equal(xs_rtp_replay_check(&st, w, d), XS_SRTP_E_TOO_OLD);
		/* the highest again is a replay */
		xs_rtp_index_estimate(&st, 5000, &d);
		assert_int_equal(xs_rtp_replay_check(&st, w, d), XS_SRTP_E_REPLAY);
		/* a jump by more than the window forgets everything behind it */
		idx = xs_rtp_index_estimate(&st, (uint16_t)(5000 + w + 70), &d);
		xs_rtp_replay_commit(&st, w, idx, d);
		xs_rtp_index_estimate(&st, (uint16_t)(5000 + 71), &d);
		assert_int_equal(xs_rtp_replay_check(&st, w, d), XS_SRTP_OK);
	}
}

static void test_rtcp_window(void **state)
{
	struct xs_srtp_rtcp_state st;
	(void)state;
	memset(&st, 0, sizeof(st));
	for (uint32_t i = 1; i <= 300; i += 2) {
		assert_int_equal(xs_rtcp_replay_check(&st, 128, i), XS_SRTP_OK);
		xs_rtcp_replay_commit(&st, 128, i);
	}
	assert_int_equal(xs_rtcp_replay_check(&st, 128, 299), XS_SRTP_E_REPLAY);
	assert_int_equal(xs_rtcp_replay_check(&st, 128, 298), XS_SRTP_OK);
	assert_int_equal(xs_rtcp_replay_check(&st, 128, 299 - 126), XS_SRTP_E_REPLAY);
	assert_int_equal(xs_rtcp_replay_check(&st, 128, 299 - 127), XS_SRTP_OK);
	assert_int_equal(xs_rtcp_replay_check(&st, 128, 299 - 128), XS_SRTP_E_TOO_OLD);
}

/* ------------------------------------------------------------ through packets */

struct fixture {
	struct xs_srtp_engine *eng;
	struct xs_srtp_keys *keys;
	struct xs_srtp_stream tx, rx;
	struct xs_srtp_xform out, in;
};

/*
 * Every packet the tests protect carries the same plaintext (fill_rtp's and
 * fill_rtcp's 0x5a bytes), so its first 16 ciphertext bytes are the keystream
 * of its (SSRC, index) under the fixture's key: two equal blocks are one
 * (SSRC, index) protected twice. sent_add() fails the test on the first repeat.
 */
#define SENT_MAX 2048
static struct {
	unsigned n;
	uint8_t ks[SENT_MAX][16];
} sent;

static void sent_add(const uint8_t *cipher)
{
	for (unsigned i = 0; i < sent.n; i++)
		if (!memcmp(sent.ks[i], cipher, 16))
			fail_msg("keystream of packet %u emitted again: (SSRC, index) reused", i);
	assert_true(sent.n < SENT_MAX);
	memcpy(sent.ks[sent.n++], cipher, 16);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct xs_srtp_policy pol;

	memset(&pol, 0, sizeof(pol));
	pol.suite = XS_SUITE_AES_CM_128_HMAC_SHA1_80;
	pol.key_len = 16;
	pol.salt_len = 14;
	for (int i = 0; i < 30; i++)
		(i < 16 ? pol.master_key : pol.master_salt - 16)[i] = (uint8_t)(i * 7 + 1);
	f->eng = xs_srtp_engine_create();
	if (!f->eng || xs_srtp_keys_create(&pol, &f->keys))
		return -1;
	xs_srtp_stream_init(&f->tx, 0);
	xs_srtp_stream_init(&f->rx, 0);
	f->out = (struct xs_srtp_xform){ f->keys, &f->tx };
	f->in = (struct xs_srtp_xform){ f->keys, &f->rx };
	*state = f;
	sent.n = 0;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	xs_srtp_keys_free(f->keys);
	xs_srtp_engine_free(f->eng);
	free(f);
	return 0;
}

struct pkt {
	uint8_t b[256];
	uint32_t len;
};

static void fill_rtp(struct pkt *p, uint16_t seq, uint32_t ssrc)
{
	memset(p->b, 0x5a, sizeof(p->b));
	p->b[0] = 0x80;
	p->b[1] = 0;
	p->b[2] = (uint8_t)(seq >> 8);
	p->b[3] = (uint8_t)seq;
	p->b[8] = (uint8_t)(ssrc >> 24);
	p->b[9] = (uint8_t)(ssrc >> 16);
	p->b[10] = (uint8_t)(ssrc >> 8);
	p->b[11] = (uint8_t)ssrc;
	p->len = 12 + 40;
}

static void make_srtp(struct fixture *f, struct pkt *p, uint16_t seq, uint32_t ssrc)
{
	fill_rtp(p, seq, ssrc);
	struct xs_srtp_op op = { .pkt = p->b, .len = p->len, .room = sizeof(p->b), .out = &f->out };
	assert_int_equal(xs_srtp_burst(f->eng, &op, 1), 1);
	p->len = op.len;
}

/* Unprotect a copy; returns the status and checks rejections change nothing. */
static int receive(struct fixture *f, const struct pkt *p)
{
	struct pkt c = *p;
	struct xs_srtp_stream before = f->rx;
	struct xs_srtp_op op = { .pkt = c.b, .len = c.len, .room = sizeof(c.b), .in = &f->in };
	xs_srtp_burst(f->eng, &op, 1);
	if (op.status != XS_SRTP_OK) {
		assert_memory_equal(&before, &f->rx, sizeof(before));
		assert_memory_equal(c.b, p->b, p->len);
	}
	return op.status;
}

static void assert_marks(const struct xs_srtp_stream *s, unsigned i, uint32_t ssrc, uint64_t index)
{
	struct xs_srtp_marks m;

	xs_srtp_stream_marks(s, &m);
	assert_true(i < m.count);
	assert_int_equal(m.ssrc[i].ssrc, ssrc);
	assert_int_equal(m.ssrc[i].index, index);
}

static void test_wrap_reorder_replay(void **state)
{
	struct fixture *f = *state;
	static struct pkt p[40];
	uint16_t first = 65520;

	/* join a stream mid-way, as srtp_set_stream_roc() does: ROC and the
	 * sequence number it is near */
	xs_srtp_stream_set_roc(&f->tx, 0x1234, 7, first);
	xs_srtp_stream_set_roc(&f->rx, 0x1234, 7, first);
	/* the sender runs past the wrap */
	for (int i = 0; i < 40; i++)
		make_srtp(f, &p[i], (uint16_t)(first + i), 0x1234);
	assert_int_equal(xs_srtp_stream_roc(&f->tx), 8);
	/* the receiver sees them swapped in pairs, around the wrap too */
	for (int i = 0; i < 40; i += 2) {
		assert_int_equal(receive(f, &p[i + 1]), XS_SRTP_OK);
		assert_int_equal(receive(f, &p[i]), XS_SRTP_OK);
	}
	assert_int_equal(xs_srtp_stream_roc(&f->rx), 8);
	/* every one again is a replay, from both sides of the wrap */
	for (int i = 0; i < 40; i++)
		assert_int_equal(receive(f, &p[i]), XS_SRTP_E_REPLAY);
}

static void test_distinct_rejections(void **state)
{
	struct fixture *f = *state;
	static struct pkt p[200], bad;

	for (int i = 0; i < 200; i++)
		make_srtp(f, &p[i], (uint16_t)(100 + i), 0xabcd);
	assert_int_equal(receive(f, &p[199]), XS_SRTP_OK);
	assert_int_equal(receive(f, &p[0]), XS_SRTP_E_TOO_OLD);
	assert_int_equal(receive(f, &p[199]), XS_SRTP_E_REPLAY);

	bad = p[198];
	bad.b[20] ^= 0x01; /* payload bit: the tag no longer matches */
	assert_int_equal(receive(f, &bad), XS_SRTP_E_AUTH);

	bad = p[198];
	bad.len = 12 + 9; /* shorter than header plus tag */
	assert_int_equal(receive(f, &bad), XS_SRTP_E_TOO_SHORT);

	bad = p[198];
	bad.b[0] = 0x40; /* version 1 */
	assert_int_equal(receive(f, &bad), XS_SRTP_E_BAD_VERSION);

	bad = p[198];
	bad.b[0] = 0x8f; /* 15 CSRCs announced, none there */
	bad.len = 60;
	assert_int_equal(receive(f, &bad), XS_SRTP_E_TOO_SHORT);

	bad = p[198];
	bad.b[0] = 0x90; /* extension announced with a huge length */
	bad.b[14] = 0xff;
	bad.b[15] = 0xff;
	assert_int_equal(receive(f, &bad), XS_SRTP_E_TOO_SHORT);

	make_srtp(f, &bad, 400, 0x9999); /* another SSRC, forged: judged by its tag */
	bad.b[20] ^= 0x01;
	assert_int_equal(receive(f, &bad), XS_SRTP_E_AUTH);

	struct xs_srtp_xform nokeys = { NULL, &f->rx };
	struct xs_srtp_op op = { .pkt = p[198].b, .len = p[198].len, .room = 256, .in = &nokeys };
	assert_int_equal(xs_srtp_burst(f->eng, &op, 1), 0);
	assert_int_equal(op.status, XS_SRTP_E_BAD_SUITE);

	/* and after all that, the next genuine packet is still accepted */
	assert_int_equal(receive(f, &p[198]), XS_SRTP_OK);
}

/* Two copies of one packet and a forged one in the same burst. */
static void test_duplicates_in_one_burst(void **state)
{
	struct fixture *f = *state;
	static struct pkt p[4];
	struct xs_srtp_op ops[4];

	make_srtp(f, &p[0], 10, 0x77);
	p[1] = p[0];
	make_srtp(f, &p[2], 11, 0x77);
	p[2].b[p[2].len - 1] ^= 0x80;
	make_srtp(f, &p[3], 12, 0x77);
	for (int i = 0; i < 4; i++)
		ops[i] = (struct xs_srtp_op){ .pkt = p[i].b, .len = p[i].len, .room = 256, .in = &f->in };
	assert_int_equal(xs_srtp_burst(f->eng, ops, 4), 2);
	assert_int_equal(ops[0].status, XS_SRTP_OK);
	assert_int_equal(ops[1].status, XS_SRTP_E_REPLAY);
	assert_int_equal(ops[2].status, XS_SRTP_E_AUTH);
	assert_int_equal(ops[3].status, XS_SRTP_OK);
}

/* A burst whose second packet only estimates right after the first commits:
 * the highest index is below 2^15, the first packet jumps past it, and the
 * second arrives from the other side of a wrap. */
static void test_estimate_changes_inside_burst(void **state)
{
	struct fixture *f = *state;
	static struct pkt p[3];
	struct xs_srtp_op ops[2], ops3[3];

	xs_srtp_stream_set_roc(&f->tx, 0x55, 0, 0);
	make_srtp(f, &p[0], 30000, 0x55);
	make_srtp(f, &p[1], 65000, 0x55);
	make_srtp(f, &p[2], 5, 0x55); /* ROC 1 */
	assert_int_equal(receive(f, &p[0]), XS_SRTP_OK);
	ops[0] = (struct xs_srtp_op){ .pkt = p[1].b, .len = p[1].len, .room = 256, .in = &f->in };
	ops[1] = (struct xs_srtp_op){ .pkt = p[2].b, .len = p[2].len, .room = 256, .in = &f->in };
	xs_srtp_burst(f->eng, ops, 2);
	assert_string_equal(xs_srtp_status_name(ops[0].status), "ok");
	assert_string_equal(xs_srtp_status_name(ops[1].status), "ok");
	assert_int_equal(xs_srtp_stream_roc(&f->rx), 1);
	/* the same with a new SSRC on the bound stream, parked again in between:
	 * judged first against a fresh state, then against the parked one that
	 * the packets before it made */
	make_srtp(f, &p[0], 40000, 0x56);
	make_srtp(f, &p[1], 6, 0x55);
	make_srtp(f, &p[2], 5, 0x56); /* ROC 1 */
	for (int i = 0; i < 3; i++)
		ops3[i] = (struct xs_srtp_op){ .pkt = p[i].b, .len = p[i].len, .room = 256,
					       .in = &f->in };
	assert_int_equal(xs_srtp_burst(f->eng, ops3, 3), 3);
	assert_marks(&f->rx, 0, 0x56, 1ull << 16 | 5);
	assert_marks(&f->rx, 1, 0x55, 1ull << 16 | 6);
}

static void test_sender_refuses_index_reuse(void **state)
{
	struct fixture *f = *state;
	struct pkt p;

	make_srtp(f, &p, 500, 0x42);
	memset(p.b + 12, 0, 40);
	struct xs_srtp_op op = { .pkt = p.b, .len = 52, .room = sizeof(p.b), .out = &f->out };
	assert_int_equal(xs_srtp_burst(f->eng, &op, 1), 0);
	assert_int_equal(op.status, XS_SRTP_E_REPLAY);
	/* a new SSRC has used no index yet: the IV differs, its 500 is fresh */
	p.b[11] = 0x43;
	op = (struct xs_srtp_op){ .pkt = p.b, .len = 52, .room = sizeof(p.b), .out = &f->out };
	assert_int_equal(xs_srtp_burst(f->eng, &op, 1), 1);
	/* but the old one was not forgotten: its 500 is still used */
	fill_rtp(&p, 500, 0x42);
	op = (struct xs_srtp_op){ .pkt = p.b, .len = 52, .room = sizeof(p.b), .out = &f->out };
	assert_int_equal(xs_srtp_burst(f->eng, &op, 1), 0);
	assert_int_equal(op.status, XS_SRTP_E_REPLAY);
	/* no room for the tag */
	make_srtp(f, &p, 600, 0x43);
	op = (struct xs_srtp_op){ .pkt = p.b, .len = 52, .room = 55, .out = &f->out };
	assert_int_equal(xs_srtp_burst(f->eng, &op, 1), 0);
	assert_int_equal(op.status, XS_SRTP_E_NO_ROOM);
}

/* ------------------------------------------------------------ send side: SSRCs and marks */

#define SSRC_A 0xaaaa0001u
#define SSRC_B 0xbbbb0002u
#define SSRC_C 0xcccc0003u
#define INDEX_MAX ((1ull << 48) - 1)

/* Protect one RTP packet on the fixture's send stream. An accepted one joins
 * the keystream record; a refused one must leave the stream and the bytes as
 * they were. Returns the status; *out, when given, gets the packet. */
static int send_rtp_pkt(struct fixture *f, uint16_t seq, uint32_t ssrc, struct pkt *out)
{
	struct xs_srtp_stream before = f->tx;
	struct pkt p, orig;

	fill_rtp(&p, seq, ssrc);
	orig = p;
	struct xs_srtp_op op = { .pkt = p.b, .len = p.len, .room = sizeof(p.b), .out = &f->out };
	xs_srtp_burst(f->eng, &op, 1);
	if (op.status == XS_SRTP_OK) {
		sent_add(p.b + 12);
	} else {
		assert_memory_equal(&before, &f->tx, sizeof(before));
		assert_memory_equal(p.b, orig.b, sizeof(p.b));
	}
	p.len = op.len;
	if (out)
		*out = p;
	return op.status;
}

static int send_rtp(struct fixture *f, uint16_t seq, uint32_t ssrc)
{
	return send_rtp_pkt(f, seq, ssrc, NULL);
}

static void fill_rtcp(struct pkt *p, uint32_t ssrc)
{
	memset(p->b, 0x5a, sizeof(p->b));
	p->b[0] = 0x80;
	p->b[1] = 200; /* SR */
	p->b[2] = 0;
	p->b[3] = 6;   /* 7 words */
	p->b[4] = (uint8_t)(ssrc >> 24);
	p->b[5] = (uint8_t)(ssrc >> 16);
	p->b[6] = (uint8_t)(ssrc >> 8);
	p->b[7] = (uint8_t)ssrc;
	p->len = 28;
}

/* Protect one RTCP packet; on success *index is the SRTCP index it carries. */
static int send_rtcp_pkt(struct fixture *f, uint32_t ssrc, uint32_t *index, struct pkt *out)
{
	struct xs_srtp_stream before = f->tx;
	struct pkt p;

	fill_rtcp(&p, ssrc);
	struct xs_srtp_op op = { .pkt = p.b, .len = p.len, .room = sizeof(p.b), .out = &f->out,
				 .rtcp = 1 };
	xs_srtp_burst(f->eng, &op, 1);
	if (op.status == XS_SRTP_OK) {
		const uint8_t *e = p.b + op.len - 10 - 4; /* E || index, then the 80-bit tag */
		assert_int_equal(op.len, 28 + 4 + 10);
		assert_true(e[0] & 0x80);
		*index = ((uint32_t)e[0] << 24 | (uint32_t)e[1] << 16 | (uint32_t)e[2] << 8 | e[3]) &
			 0x7fffffffu;
		sent_add(p.b + 8);
	} else {
		assert_memory_equal(&before, &f->tx, sizeof(before));
	}
	p.len = op.len;
	if (out)
		*out = p;
	return op.status;
}

static int send_rtcp(struct fixture *f, uint32_t ssrc, uint32_t *index)
{
	return send_rtcp_pkt(f, ssrc, index, NULL);
}

/* A, B, A with overlapping sequence numbers: A continues above where it stopped. */
static void test_ssrc_return_continues(void **state)
{
	struct fixture *f = *state;

	for (uint16_t seq = 100; seq < 200; seq++)
		assert_int_equal(send_rtp(f, seq, SSRC_A), XS_SRTP_OK);
	for (uint16_t seq = 150; seq < 250; seq++)
		assert_int_equal(send_rtp(f, seq, SSRC_B), XS_SRTP_OK);
	assert_marks(&f->tx, 0, SSRC_B, 249);
	assert_marks(&f->tx, 1, SSRC_A, 199);
	/* A's late packets: refused, never re-sent, and the stream stays on B */
	for (uint16_t seq = 150; seq < 200; seq++)
		assert_int_equal(send_rtp(f, seq, SSRC_A), XS_SRTP_E_REPLAY);
	assert_int_equal(send_rtp(f, 50, SSRC_A), XS_SRTP_E_TOO_OLD);
	assert_marks(&f->tx, 0, SSRC_B, 249);
	/* above its parked index A goes on, B parked in turn */
	for (uint16_t seq = 200; seq < 250; seq++)
		assert_int_equal(send_rtp(f, seq, SSRC_A), XS_SRTP_OK);
	assert_marks(&f->tx, 0, SSRC_A, 249);
	assert_marks(&f->tx, 1, SSRC_B, 249);
	assert_int_equal(send_rtp(f, 249, SSRC_B), XS_SRTP_E_REPLAY);
	assert_int_equal(send_rtp(f, 250, SSRC_B), XS_SRTP_OK);
	/* reordering inside the current SSRC's window still goes through, once */
	assert_int_equal(send_rtp(f, 260, SSRC_B), XS_SRTP_OK);
	assert_int_equal(send_rtp(f, 255, SSRC_B), XS_SRTP_OK);
	assert_int_equal(send_rtp(f, 255, SSRC_B), XS_SRTP_E_REPLAY);
	/* a parked SSRC keeps only its highest index: its 257 was never sent,
	 * but after a switch it counts as used (refused, the safe side) */
	assert_int_equal(send_rtp(f, 250, SSRC_A), XS_SRTP_OK);
	assert_int_equal(send_rtp(f, 257, SSRC_B), XS_SRTP_E_REPLAY);
	assert_int_equal(xs_srtp_stream_roc(&f->tx), 0);
}

/* One burst interleaving A, B and a new C on one send stream, with a copy and
 * late packets: judged in packet order, no (SSRC, index) twice. */
static void test_ssrc_mixed_burst(void **state)
{
	struct fixture *f = *state;
	static const struct { uint32_t ssrc; uint16_t seq; int want; } plan[] = {
		{ SSRC_A, 300, XS_SRTP_OK },     { SSRC_B, 300, XS_SRTP_OK },
		{ SSRC_A, 301, XS_SRTP_OK },     { SSRC_A, 301, XS_SRTP_E_REPLAY },
		{ SSRC_B, 299, XS_SRTP_E_REPLAY }, /* parked at 300 in between */
		{ SSRC_C, 300, XS_SRTP_OK },     { SSRC_B, 302, XS_SRTP_OK },
		{ SSRC_B, 301, XS_SRTP_OK },     { SSRC_C, 300, XS_SRTP_E_REPLAY },
		{ SSRC_A, 100, XS_SRTP_E_TOO_OLD }, { SSRC_A, 302, XS_SRTP_OK },
	};
	enum { N = sizeof(plan) / sizeof(plan[0]) };
	static struct pkt p[N];
	struct xs_srtp_op ops[N];
	unsigned want = 0;

	for (unsigned i = 0; i < N; i++) {
		fill_rtp(&p[i], plan[i].seq, plan[i].ssrc);
		ops[i] = (struct xs_srtp_op){ .pkt = p[i].b, .len = p[i].len, .room = sizeof(p[i].b),
					      .out = &f->out };
		want += plan[i].want == XS_SRTP_OK;
	}
	assert_int_equal(xs_srtp_burst(f->eng, ops, N), want);
	for (unsigned i = 0; i < N; i++) {
		assert_string_equal(xs_srtp_status_name(ops[i].status),
				    xs_srtp_status_name(plan[i].want));
		if (ops[i].status == XS_SRTP_OK)
			sent_add(p[i].b + 12);
	}
	assert_marks(&f->tx, 0, SSRC_A, 302);
}

/* The same plan through a receive stream: in one burst each packet is judged
 * against the state of its SSRC as the packets before it left it (parked
 * between, or taken back), so a burst decides as packet by packet would. */
static void test_receive_ssrc_mixed_burst(void **state)
{
	struct fixture *f = *state;
	static const struct { uint32_t ssrc; uint16_t seq; int want; } plan[] = {
		{ SSRC_A, 300, XS_SRTP_OK },     { SSRC_B, 300, XS_SRTP_OK },
		{ SSRC_A, 301, XS_SRTP_OK },     { SSRC_A, 301, XS_SRTP_E_REPLAY },
		{ SSRC_B, 299, XS_SRTP_E_REPLAY }, /* parked at 300 in between */
		{ SSRC_C, 300, XS_SRTP_OK },     { SSRC_B, 302, XS_SRTP_OK },
		{ SSRC_B, 301, XS_SRTP_OK },     { SSRC_C, 300, XS_SRTP_E_REPLAY },
		{ SSRC_A, 100, XS_SRTP_E_TOO_OLD }, { SSRC_A, 302, XS_SRTP_OK },
	};
	enum { N = sizeof(plan) / sizeof(plan[0]) };
	static struct pkt p[N], first;
	struct xs_srtp_op ops[N];
	unsigned want = 0;

	/* the sender protects each SSRC's packets in order (it sends no index
	 * twice); the burst reorders them and repeats two */
	make_srtp(f, &first, 100, SSRC_A);
	make_srtp(f, &p[0], 300, SSRC_A);
	make_srtp(f, &p[2], 301, SSRC_A);
	make_srtp(f, &p[10], 302, SSRC_A);
	make_srtp(f, &p[4], 299, SSRC_B);
	make_srtp(f, &p[1], 300, SSRC_B);
	make_srtp(f, &p[7], 301, SSRC_B);
	make_srtp(f, &p[6], 302, SSRC_B);
	make_srtp(f, &p[5], 300, SSRC_C);
	p[3] = p[2];
	p[8] = p[5];
	p[9] = first;
	assert_int_equal(receive(f, &first), XS_SRTP_OK);
	for (unsigned i = 0; i < N; i++) {
		ops[i] = (struct xs_srtp_op){ .pkt = p[i].b, .len = p[i].len, .room = sizeof(p[i].b),
					      .in = &f->in };
		want += plan[i].want == XS_SRTP_OK;
	}
	assert_int_equal(xs_srtp_burst(f->eng, ops, N), want);
	for (unsigned i = 0; i < N; i++)
		assert_string_equal(xs_srtp_status_name(ops[i].status),
				    xs_srtp_status_name(plan[i].want));
	assert_marks(&f->rx, 0, SSRC_A, 302);
	assert_marks(&f->rx, 1, SSRC_C, 300);
	assert_marks(&f->rx, 2, SSRC_B, 302);
}

/* A burst decides exactly what its packets one at a time would: random bursts
 * of up to 8 packets from ten SSRCs (mostly forward, sometimes late, now and
 * then a jump that moves the ROC; copies of earlier packets; forged tags) go
 * to one receive stream as bursts and to another one packet at a time: the
 * same status for every packet, the same state after every burst. */
static void test_receive_burst_as_single(void **state)
{
	struct fixture *f = *state;
	static struct pkt hist[64];
	struct xs_srtp_stream tx[10], one;
	struct xs_srtp_xform x1 = { f->keys, &one };
	uint64_t next[10];
	unsigned nh = 0, seed = 12345, ok = 0, total = 0;

	xs_srtp_stream_init(&f->rx, 64);
	xs_srtp_stream_init(&one, 64);
	for (unsigned i = 0; i < 10; i++) {
		xs_srtp_stream_init(&tx[i], 0);
		next[i] = (unsigned)rand_r(&seed) % 30000;
	}
	for (int n = 0; n < 20000; n++) {
		static struct pkt p[8], q[8];
		struct xs_srtp_op ops[8];
		unsigned nb = 1 + (unsigned)rand_r(&seed) % 8;

		for (unsigned j = 0; j < nb; j++) {
			unsigned w = (unsigned)rand_r(&seed) % 100;
			unsigned i = (unsigned)rand_r(&seed) % (w < 70 ? 3 : 10);
			uint64_t at = next[i] + (unsigned)rand_r(&seed) % 4;
			struct xs_srtp_xform xt = { f->keys, &tx[i] };

			if (w >= 85 && nh) {
				p[j] = hist[(unsigned)rand_r(&seed) % (nh < 64 ? nh : 64)];
				continue;
			}
			if (rand_r(&seed) % 8 == 0 && at > 100)
				at -= (unsigned)rand_r(&seed) % 100;
			if (rand_r(&seed) % 50 == 0)
				at += (unsigned)rand_r(&seed) % 30000;
			next[i] = at + 1 > next[i] ? at + 1 : next[i];
			fill_rtp(&p[j], (uint16_t)at, 0x100 + i);
			xs_srtp_stream_set_roc(&tx[i], 0x100 + i, (uint32_t)(at >> 16), (uint16_t)at);
			ops[0] = (struct xs_srtp_op){ .pkt = p[j].b, .len = p[j].len, .room = 256,
						      .out = &xt };
			assert_int_equal(xs_srtp_burst(f->eng, ops, 1), 1);
			p[j].len = ops[0].len;
			if (rand_r(&seed) % 10 == 0)
				p[j].b[p[j].len - 1 - rand_r(&seed) % 10] ^= 0x40;
			hist[nh++ % 64] = p[j];
		}
		for (unsigned j = 0; j < nb; j++) {
			q[j] = p[j];
			ops[j] = (struct xs_srtp_op){ .pkt = q[j].b, .len = q[j].len, .room = 256,
						      .in = &f->in };
		}
		xs_srtp_burst(f->eng, ops, nb);
		for (unsigned j = 0; j < nb; j++) {
			struct xs_srtp_op op = { .pkt = p[j].b, .len = p[j].len, .room = 256,
						 .in = &x1 };
			xs_srtp_burst(f->eng, &op, 1);
			if (op.status != ops[j].status)
				fail_msg("burst %d, packet %u of %u: alone %s, in the burst %s", n, j,
					 nb, xs_srtp_status_name(op.status),
					 xs_srtp_status_name(ops[j].status));
			ok += op.status == XS_SRTP_OK;
		}
		total += nb;
		assert_memory_equal(&one, &f->rx, sizeof(one));
		if (rand_r(&seed) % 200 == 0) {
			xs_srtp_stream_init(&f->rx, 64);
			xs_srtp_stream_init(&one, 64);
			for (unsigned i = 0; i < 10; i++)
				next[i] = (unsigned)rand_r(&seed) % 30000;
		}
	}
	assert_true(ok > total / 4 && ok < total * 3 / 4); /* both kinds were tried */
}

/* One SRTCP counter per send stream: strictly increasing whatever the SSRC. */
static void test_srtcp_index_across_ssrcs(void **state)
{
	struct fixture *f = *state;
	static const uint32_t order[] = { SSRC_A, SSRC_A, SSRC_B, SSRC_B, SSRC_B,
					  SSRC_A, SSRC_C, SSRC_A, SSRC_B, SSRC_C };
	uint32_t idx, last = 0;

	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		assert_int_equal(send_rtcp(f, order[i], &idx), XS_SRTP_OK);
		assert_int_equal(idx, last + 1);
		last = idx;
		/* RTP switching SSRC in between touches nothing of it */
		assert_int_equal(send_rtp(f, (uint16_t)(10 + i), order[(i + 3) % 10]), XS_SRTP_OK);
	}
	struct xs_srtp_marks m;
	xs_srtp_stream_marks(&f->tx, &m);
	assert_int_equal(m.rtcp_index, last);
}

/* Eight SSRCs under one key; the ninth is refused and changes nothing. */
static void test_ssrc_limit(void **state)
{
	struct fixture *f = *state;
	struct xs_srtp_marks m;

	for (uint32_t i = 0; i < XS_SRTP_SEND_SSRCS; i++)
		assert_int_equal(send_rtp(f, 10, 0x1000 + i), XS_SRTP_OK);
	assert_int_equal(send_rtp(f, 11, 0x2000), XS_SRTP_E_SSRC_LIMIT);
	assert_string_equal(xs_srtp_status_name(XS_SRTP_E_SSRC_LIMIT), "ssrc_limit");
	/* the eight known ones go on */
	assert_int_equal(send_rtp(f, 11, 0x1000), XS_SRTP_OK);
	assert_int_equal(send_rtp(f, 10, 0x1003), XS_SRTP_E_REPLAY);
	assert_int_equal(send_rtp(f, 11, 0x1003), XS_SRTP_OK);
	assert_int_equal(send_rtp(f, 12, 0x2000), XS_SRTP_E_SSRC_LIMIT);
	xs_srtp_stream_marks(&f->tx, &m);
	assert_int_equal(m.count, XS_SRTP_SEND_SSRCS);
	assert_int_equal(m.ssrc[0].ssrc, 0x1003);
	/* the keys change: a fresh stream takes a new SSRC again */
	xs_srtp_stream_init(&f->tx, 0);
	assert_int_equal(send_rtp(f, 12, 0x2000), XS_SRTP_OK);
}

/* A send stream taken over from its marks: nothing at or below a mark is sent
 * again, and the ROC goes on across the wrap. */
static void test_marks_round_trip(void **state)
{
	struct fixture *f = *state;
	struct xs_srtp_marks m, m2;
	static struct pkt after[16];
	uint32_t idx;

	xs_srtp_stream_set_roc(&f->tx, SSRC_A, 1, 65500);
	for (uint16_t seq = 65500; seq <= 65510; seq++)
		assert_int_equal(send_rtp(f, seq, SSRC_A), XS_SRTP_OK);
	for (uint16_t seq = 500; seq <= 520; seq++)
		assert_int_equal(send_rtp(f, seq, SSRC_B), XS_SRTP_OK);
	for (uint16_t seq = 7; seq <= 9; seq++)
		assert_int_equal(send_rtp(f, seq, SSRC_C), XS_SRTP_OK);
	for (uint16_t seq = 65511; seq <= 65530; seq++)
		assert_int_equal(send_rtp(f, seq, SSRC_A), XS_SRTP_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(send_rtcp(f, SSRC_A, &idx), XS_SRTP_OK);
	xs_srtp_stream_marks(&f->tx, &m);
	assert_int_equal(m.count, 3);
	assert_int_equal(m.rtcp_index, 3);
	assert_marks(&f->tx, 0, SSRC_A, 1ull << 16 | 65530);

	/* restart: a new stream from the marks has the same marks */
	xs_srtp_stream_init(&f->tx, 0);
	assert_int_equal(xs_srtp_stream_restore(&f->tx, &m, true), 0);
	xs_srtp_stream_marks(&f->tx, &m2);
	assert_memory_equal(&m, &m2, sizeof(m));

	/* every index up to a mark is refused (those that estimate at or below it) */
	for (uint32_t seq = 65530 - 32767; seq <= 65530; seq++)
		assert_int_equal(send_rtp(f, (uint16_t)seq, SSRC_A),
				 65530 - seq < 128 ? XS_SRTP_E_REPLAY : XS_SRTP_E_TOO_OLD);
	for (uint16_t seq = 0; seq <= 520; seq++)
		assert_int_not_equal(send_rtp(f, seq, SSRC_B), XS_SRTP_OK);
	for (uint16_t seq = 0; seq <= 9; seq++)
		assert_int_not_equal(send_rtp(f, seq, SSRC_C), XS_SRTP_OK);
	assert_marks(&f->tx, 0, SSRC_A, 1ull << 16 | 65530);

	/* the next ones go out at ROC 1, then 2 across the wrap */
	for (unsigned i = 0; i < 16; i++) {
		uint16_t seq = (uint16_t)(65531 + i);
		assert_int_equal(send_rtp_pkt(f, seq, SSRC_A, &after[i]), XS_SRTP_OK);
		assert_int_equal(xs_srtp_stream_roc(&f->tx), i < 5 ? 1 : 2);
	}
	/* a receiver that knows ROC 1 authenticates them all: the tag covers the ROC */
	xs_srtp_stream_set_roc(&f->rx, SSRC_A, 1, 65531);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(receive(f, &after[i]), XS_SRTP_OK);
	assert_int_equal(xs_srtp_stream_roc(&f->rx), 2);
	/* B and C go on above their marks too; SRTCP above its */
	assert_int_equal(send_rtp(f, 521, SSRC_B), XS_SRTP_OK);
	assert_int_equal(send_rtp(f, 10, SSRC_C), XS_SRTP_OK);
	assert_int_equal(send_rtcp(f, SSRC_B, &idx), XS_SRTP_OK);
	assert_int_equal(idx, 4);
}

/* Marks are floors: lower marks on a live stream change nothing; a mark inside
 * the window only counts more indices as used. */
static void test_restore_never_lowers(void **state)
{
	struct fixture *f = *state;
	struct xs_srtp_marks m, lower;
	struct xs_srtp_stream before;
	uint32_t idx;

	for (uint16_t seq = 1000; seq <= 1010; seq++)
		assert_int_equal(send_rtp(f, seq, SSRC_A), XS_SRTP_OK);
	for (uint16_t seq = 2000; seq <= 2005; seq++)
		assert_int_equal(send_rtp(f, seq, SSRC_B), XS_SRTP_OK);
	for (uint16_t seq = 1012; seq <= 1020; seq += 2) /* 1011, 1013, ... never sent */
		assert_int_equal(send_rtp(f, seq, SSRC_A), XS_SRTP_OK);
	for (int i = 0; i < 5; i++)
		assert_int_equal(send_rtcp(f, SSRC_A, &idx), XS_SRTP_OK);
	xs_srtp_stream_marks(&f->tx, &m);

	/* far lower, and the parked SSRC first: nothing changes at all */
	memset(&lower, 0, sizeof(lower));
	lower.rtcp_index = 2;
	lower.count = 2;
	lower.ssrc[0] = (struct xs_srtp_ssrc_mark){ .ssrc = SSRC_B, .index = 1500 };
	lower.ssrc[1] = (struct xs_srtp_ssrc_mark){ .ssrc = SSRC_A, .index = 20 };
	before = f->tx;
	assert_int_equal(xs_srtp_stream_restore(&f->tx, &lower, true), 0);
	assert_memory_equal(&before, &f->tx, sizeof(before));
	/* inside the window: the marks stay, indices up to it count as used */
	lower.ssrc[1].index = 1015;
	assert_int_equal(xs_srtp_stream_restore(&f->tx, &lower, true), 0);
	xs_srtp_stream_marks(&f->tx, &lower);
	assert_memory_equal(&m, &lower, sizeof(m));
	assert_int_equal(send_rtp(f, 1013, SSRC_A), XS_SRTP_E_REPLAY);
	assert_int_equal(send_rtp(f, 1015, SSRC_A), XS_SRTP_E_REPLAY);
	assert_int_equal(send_rtp(f, 1017, SSRC_A), XS_SRTP_OK);
	assert_int_equal(send_rtp(f, 1019, SSRC_A), XS_SRTP_OK);
	assert_int_equal(send_rtcp(f, SSRC_A, &idx), XS_SRTP_OK);
	assert_int_equal(idx, 6);
	/* the stream's own marks again: the same marks, and every index up to
	 * them now counts as used, 1011 included (a floor, not a copy) */
	assert_int_equal(xs_srtp_stream_restore(&f->tx, &m, true), 0);
	xs_srtp_stream_marks(&f->tx, &lower);
	assert_int_equal(lower.rtcp_index, 6);
	assert_int_equal(lower.ssrc[0].index, 1020);
	assert_int_equal(send_rtp(f, 1011, SSRC_A), XS_SRTP_E_REPLAY);
	assert_int_equal(send_rtp(f, 1021, SSRC_A), XS_SRTP_OK);
}

/* The floor a mark lays covers exactly the window, whatever its size. */
static void test_marks_window_sizes(void **state)
{
	static const uint16_t sizes[] = { 64, 100, 128, 200, 1024 };
	struct fixture *f = *state;
	struct xs_srtp_marks m;

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint16_t w = sizes[i], d = (uint16_t)(w / 2 + 3);
		uint32_t ssrc = 0x5000 + i; /* one key: a new SSRC per size */

		xs_srtp_stream_init(&f->tx, w);
		memset(&m, 0, sizeof(m));
		m.count = 1;
		m.ssrc[0] = (struct xs_srtp_ssrc_mark){ .ssrc = ssrc, .index = 5000 };
		assert_int_equal(xs_srtp_stream_restore(&f->tx, &m, true), 0);
		for (uint16_t k = 0; k < w; k++)
			assert_int_equal(send_rtp(f, (uint16_t)(5000 - k), ssrc), XS_SRTP_E_REPLAY);
		assert_int_equal(send_rtp(f, (uint16_t)(5000 - w), ssrc), XS_SRTP_E_TOO_OLD);
		assert_int_equal(send_rtp(f, 5001, ssrc), XS_SRTP_OK);

		/* on a live stream, a mark d below its highest index: the floor
		 * starts at bit d, the indices above the mark stay free */
		assert_int_equal(send_rtp(f, 7000, ssrc), XS_SRTP_OK);
		m.ssrc[0].index = 7000 - d;
		assert_int_equal(xs_srtp_stream_restore(&f->tx, &m, true), 0);
		for (uint16_t k = d; k < w; k++)
			assert_int_equal(send_rtp(f, (uint16_t)(7000 - k), ssrc), XS_SRTP_E_REPLAY);
		for (uint16_t k = 1; k < d; k++)
			assert_int_equal(send_rtp(f, (uint16_t)(7000 - k), ssrc), XS_SRTP_OK);
		assert_int_equal(send_rtp(f, (uint16_t)(7000 - w), ssrc), XS_SRTP_E_TOO_OLD);
	}
}

static void assert_restore_refused(struct fixture *f, const struct xs_srtp_marks *m, int err)
{
	struct xs_srtp_stream tx = f->tx, rx = f->rx;

	assert_int_equal(xs_srtp_stream_restore(&f->tx, m, true), err);
	assert_memory_equal(&tx, &f->tx, sizeof(tx));
	if (err == -EINVAL) {
		assert_int_equal(xs_srtp_stream_restore(&f->rx, m, false), err);
		assert_memory_equal(&rx, &f->rx, sizeof(rx));
	}
}

/* Malformed marks, and marks a send stream cannot hold: refused, nothing changes. */
static void test_marks_refused(void **state)
{
	struct fixture *f = *state;
	struct xs_srtp_marks good, m;
	static struct pkt p;

	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(send_rtp_pkt(f, (uint16_t)(100 + i), 0x100 + i, &p), XS_SRTP_OK);
	assert_int_equal(receive(f, &p), XS_SRTP_OK); /* the receive stream is bound */
	memset(&good, 0, sizeof(good));
	good.rtcp_index = 9000;
	good.count = 2;
	good.ssrc[0] = (struct xs_srtp_ssrc_mark){ .ssrc = 0x100, .index = 5000 };
	good.ssrc[1] = (struct xs_srtp_ssrc_mark){ .ssrc = 0x200, .index = 6000 };

	m = good;
	m.count = XS_SRTP_SEND_SSRCS + 1;
	assert_restore_refused(f, &m, -EINVAL);
	m = good;
	m.ssrc[1].index = INDEX_MAX + 1;
	assert_restore_refused(f, &m, -EINVAL);
	m = good;
	m.rtcp_index = 0x80000000u;
	assert_restore_refused(f, &m, -EINVAL);
	m = good;
	m.ssrc[0].pad = 1;
	assert_restore_refused(f, &m, -EINVAL);
	m = good;
	m.ssrc[1].ssrc = 0x100;
	assert_restore_refused(f, &m, -EINVAL);

	/* five SSRCs known: four new ones do not fit, and none is taken */
	m = good;
	m.count = 5;
	for (unsigned i = 1; i < 5; i++)
		m.ssrc[i] = (struct xs_srtp_ssrc_mark){ .ssrc = 0x200 + i, .index = 1 };
	assert_restore_refused(f, &m, -ENOSPC);
	/* three do: eight in all, all of them raised */
	m.count = 4;
	assert_int_equal(xs_srtp_stream_restore(&f->tx, &m, true), 0);
	xs_srtp_stream_marks(&f->tx, &good);
	assert_int_equal(good.count, XS_SRTP_SEND_SSRCS);
	assert_int_equal(good.rtcp_index, 9000);
	assert_marks(&f->tx, 0, 0x104, 104);
	assert_int_equal(send_rtp(f, 5000, 0x100), XS_SRTP_E_REPLAY);
	assert_int_equal(send_rtp(f, 5001, 0x100), XS_SRTP_OK);
	assert_int_equal(send_rtp(f, 1, 0x203), XS_SRTP_E_REPLAY);
	assert_int_equal(send_rtp(f, 2, 0x203), XS_SRTP_OK);
	/* and the limit holds after a restore */
	assert_int_equal(send_rtp(f, 2, 0x300), XS_SRTP_E_SSRC_LIMIT);
	/* the limit counts the marks' SSRCs too: a full stream takes no new one */
	m.count = 1;
	m.ssrc[0] = (struct xs_srtp_ssrc_mark){ .ssrc = 0x300, .index = 1 };
	assert_restore_refused(f, &m, -ENOSPC);
}

/* A receive stream restored from its marks refuses replays of what it had
 * accepted before, and takes what comes next. */
static void test_receive_restore(void **state)
{
	struct fixture *f = *state;
	static struct pkt p[300], r[8];
	struct xs_srtp_marks m, lower;
	struct xs_srtp_stream before;
	uint32_t idx;

	xs_srtp_stream_set_roc(&f->tx, SSRC_A, 3, 65400);
	for (int i = 0; i < 300; i++)
		make_srtp(f, &p[i], (uint16_t)(65400 + i), SSRC_A); /* wraps at i = 136 */
	for (int i = 0; i < 8; i++)
		assert_int_equal(send_rtcp_pkt(f, SSRC_A, &idx, &r[i]), XS_SRTP_OK);
	xs_srtp_stream_set_roc(&f->rx, SSRC_A, 3, 65400);
	for (int i = 0; i < 250; i++)
		assert_int_equal(receive(f, &p[i]), XS_SRTP_OK);
	for (int i = 0; i < 6; i++) {
		struct xs_srtp_op op = { .pkt = r[i].b, .len = r[i].len, .room = sizeof(r[i].b),
					 .in = &f->in, .rtcp = 1 };
		struct pkt c = r[i];
		op.pkt = c.b;
		assert_int_equal(xs_srtp_burst(f->eng, &op, 1), 1);
	}
	xs_srtp_stream_marks(&f->rx, &m);
	assert_int_equal(m.count, 1);
	assert_int_equal(m.rtcp_index, 6);
	assert_int_equal(m.ssrc[0].ssrc, SSRC_A);
	assert_int_equal(m.ssrc[0].index, 4ull << 16 | (uint16_t)(65400 + 249));

	/* restart: a fresh receive stream from the marks, bound to A */
	xs_srtp_stream_init(&f->rx, 0);
	assert_int_equal(xs_srtp_stream_restore(&f->rx, &m, false), 0);
	for (int i = 0; i < 250; i++)
		assert_int_equal(receive(f, &p[i]),
				 249 - i < 128 ? XS_SRTP_E_REPLAY : XS_SRTP_E_TOO_OLD);
	for (int i = 0; i < 6; i++) {
		struct pkt c = r[i];
		struct xs_srtp_op op = { .pkt = c.b, .len = c.len, .room = sizeof(c.b), .in = &f->in,
					 .rtcp = 1 };
		xs_srtp_burst(f->eng, &op, 1);
		assert_int_equal(op.status, XS_SRTP_E_REPLAY);
	}
	for (int i = 250; i < 300; i++)
		assert_int_equal(receive(f, &p[i]), XS_SRTP_OK);
	assert_int_equal(xs_srtp_stream_roc(&f->rx), 4);
	for (int i = 6; i < 8; i++) {
		struct pkt c = r[i];
		struct xs_srtp_op op = { .pkt = c.b, .len = c.len, .room = sizeof(c.b), .in = &f->in,
					 .rtcp = 1 };
		assert_int_equal(xs_srtp_burst(f->eng, &op, 1), 1);
	}

	/* lower marks on the live stream: no change; another SSRC's: parked as
	 * a floor, the current SSRC's state untouched */
	lower = m;
	lower.ssrc[0].index -= 1000;
	lower.rtcp_index = 1;
	before = f->rx;
	assert_int_equal(xs_srtp_stream_restore(&f->rx, &lower, false), 0);
	assert_memory_equal(&before, &f->rx, sizeof(before));
	lower.ssrc[0] = (struct xs_srtp_ssrc_mark){ .ssrc = SSRC_B, .index = 9ull << 16 };
	lower.rtcp_index = 100;
	assert_int_equal(xs_srtp_stream_restore(&f->rx, &lower, false), 0);
	assert_memory_equal(&before.rtp, &f->rx.rtp, sizeof(before.rtp));
	assert_marks(&f->rx, 0, SSRC_A, before.rtp.index);
	assert_marks(&f->rx, 1, SSRC_B, 9ull << 16);
	assert_int_equal(f->rx.rtcp.index, 100);
}

/* A receive stream that saw A, B, A keeps both SSRCs in its marks; restored
 * from them, it refuses what either sent before, takes what each sends next,
 * and its SSRC limit counts the restored ones. */
static void test_receive_restore_ssrcs(void **state)
{
	struct fixture *f = *state;
	static struct pkt a[40], b[20], c;
	struct xs_srtp_marks m, m2;
	struct xs_srtp_stream before;

	for (int i = 0; i < 40; i++)
		make_srtp(f, &a[i], (uint16_t)(1000 + i), SSRC_A);
	for (int i = 0; i < 20; i++)
		make_srtp(f, &b[i], (uint16_t)(7000 + i), SSRC_B);
	for (int i = 0; i < 20; i++)
		assert_int_equal(receive(f, &a[i]), XS_SRTP_OK);
	for (int i = 0; i < 10; i++)
		assert_int_equal(receive(f, &b[i]), XS_SRTP_OK);
	for (int i = 20; i < 30; i++)
		assert_int_equal(receive(f, &a[i]), XS_SRTP_OK);
	xs_srtp_stream_marks(&f->rx, &m);
	assert_int_equal(m.count, 2);
	assert_marks(&f->rx, 0, SSRC_A, 1029);
	assert_marks(&f->rx, 1, SSRC_B, 7009);

	/* restart: a fresh receive stream from the marks has the same marks */
	xs_srtp_stream_init(&f->rx, 0);
	assert_int_equal(xs_srtp_stream_restore(&f->rx, &m, false), 0);
	xs_srtp_stream_marks(&f->rx, &m2);
	assert_memory_equal(&m, &m2, sizeof(m));
	for (int i = 0; i < 30; i++)
		assert_int_not_equal(receive(f, &a[i]), XS_SRTP_OK);
	for (int i = 0; i < 10; i++)
		assert_int_not_equal(receive(f, &b[i]), XS_SRTP_OK);
	for (int i = 10; i < 20; i++)
		assert_int_equal(receive(f, &b[i]), XS_SRTP_OK);
	for (int i = 30; i < 40; i++)
		assert_int_equal(receive(f, &a[i]), XS_SRTP_OK);
	assert_marks(&f->rx, 1, SSRC_B, 7019);

	/* six more SSRCs fill it; a ninth is refused, by packet and by marks */
	for (uint32_t x = 0; x < XS_SRTP_SEND_SSRCS - 2; x++) {
		make_srtp(f, &c, 1, 0x900 + x);
		assert_int_equal(receive(f, &c), XS_SRTP_OK);
	}
	xs_srtp_stream_init(&f->tx, 0); /* another sender: the engine's takes 8 SSRCs */
	make_srtp(f, &c, 1, 0x9ff);
	assert_int_equal(receive(f, &c), XS_SRTP_E_SSRC_LIMIT);
	memset(&m, 0, sizeof(m));
	m.count = 1;
	m.ssrc[0] = (struct xs_srtp_ssrc_mark){ .ssrc = 0x9ff, .index = 1 };
	before = f->rx;
	assert_int_equal(xs_srtp_stream_restore(&f->rx, &m, false), -ENOSPC);
	assert_memory_equal(&before, &f->rx, sizeof(before));
}

/* Near the end of the index spaces: the last index is refused, not wrapped. */
static void test_index_space_ends(void **state)
{
	struct fixture *f = *state;
	struct xs_srtp_marks m;
	uint32_t idx;

	memset(&m, 0, sizeof(m));
	m.rtcp_index = 0x7ffffffe;
	m.count = 2;
	m.ssrc[0] = (struct xs_srtp_ssrc_mark){ .ssrc = SSRC_A, .index = INDEX_MAX - 2 };
	m.ssrc[1] = (struct xs_srtp_ssrc_mark){ .ssrc = SSRC_B, .index = INDEX_MAX };
	assert_int_equal(xs_srtp_stream_restore(&f->tx, &m, true), 0);
	assert_int_equal(send_rtp(f, 0xfffe, SSRC_A), XS_SRTP_OK);
	assert_int_equal(send_rtp(f, 0xffff, SSRC_A), XS_SRTP_E_INDEX_EXHAUSTED);
	assert_int_equal(send_rtp(f, 0, SSRC_A), XS_SRTP_E_INDEX_EXHAUSTED);
	assert_int_equal(send_rtp(f, 0xfffe, SSRC_A), XS_SRTP_E_REPLAY);
	/* a parked SSRC at the very end cannot come back */
	for (uint32_t seq = 0; seq <= 0xffff; seq += 0xff)
		assert_int_not_equal(send_rtp(f, (uint16_t)seq, SSRC_B), XS_SRTP_OK);
	assert_marks(&f->tx, 0, SSRC_A, INDEX_MAX - 1);
	/* SRTCP: 2^31 - 1 is the last index sent */
	assert_int_equal(send_rtcp(f, SSRC_B, &idx), XS_SRTP_OK);
	assert_int_equal(idx, 0x7fffffffu);
	assert_int_equal(send_rtcp(f, SSRC_A, &idx), XS_SRTP_E_INDEX_EXHAUSTED);
	assert_int_equal(send_rtcp(f, SSRC_C, &idx), XS_SRTP_E_INDEX_EXHAUSTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_estimate_appendix_a),
		cmocka_unit_test(test_index_exhaustion),
		cmocka_unit_test(test_window_sizes),
		cmocka_unit_test(test_rtcp_window),
		cmocka_unit_test_setup_teardown(test_wrap_reorder_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_distinct_rejections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates_in_one_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_estimate_changes_inside_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sender_refuses_index_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ssrc_return_continues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ssrc_mixed_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_ssrc_mixed_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_burst_as_single, setup, teardown),
		cmocka_unit_test_setup_teardown(test_srtcp_index_across_ssrcs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ssrc_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_marks_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_never_lowers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_marks_window_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_marks_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_restore_ssrcs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_space_ends, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
