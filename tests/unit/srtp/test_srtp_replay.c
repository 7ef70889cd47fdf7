/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Index estimation (RFC 3711 appendix A), rollover and replay windows, through
 * the engine's pure functions and through whole packets: every rejected packet
 * has its own reason and leaves the stream state byte for byte as it was.
 */
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

static void make_srtp(struct fixture *f, struct pkt *p, uint16_t seq, uint32_t ssrc)
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
	struct xs_srtp_op op = { .pkt = p->b, .len = 12 + 40, .room = sizeof(p->b), .out = &f->out };
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

	make_srtp(f, &bad, 400, 0x9999); /* another SSRC on a bound stream */
	assert_int_equal(receive(f, &bad), XS_SRTP_E_SSRC_MISMATCH);

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
	struct xs_srtp_op ops[2];

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
	/* a new SSRC on a send stream starts afresh: the IV differs, no keystream reuse */
	p.b[11] = 0x43;
	op = (struct xs_srtp_op){ .pkt = p.b, .len = 52, .room = sizeof(p.b), .out = &f->out };
	assert_int_equal(xs_srtp_burst(f->eng, &op, 1), 1);
	/* no room for the tag */
	make_srtp(f, &p, 600, 0x43);
	op = (struct xs_srtp_op){ .pkt = p.b, .len = 52, .room = 55, .out = &f->out };
	assert_int_equal(xs_srtp_burst(f->eng, &op, 1), 0);
	assert_int_equal(op.status, XS_SRTP_E_NO_ROOM);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
