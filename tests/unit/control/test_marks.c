/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stream marks as xsrelayd keeps them (control/marks.c) and how a call's
 * streams drop them (control/call.c call_stream_update):
 *  - a report is taken (and said worth storing) exactly when a new SSRC shows,
 *    a ROC changes, an RTP index moved by MARKS_RTP_STEP or the SRTCP index by
 *    MARKS_RTCP_STEP; smaller moves leave the kept marks as they were;
 *  - nothing is ever lowered, SSRCs only kept survive a report without them,
 *    the current SSRC goes first, at most XS_DP_MARKS_MAX entries;
 *  - what goes back to the fast path: a send direction's SRTCP index plus the
 *    margin (saturating at 2^31 - 1), a receive direction's as kept;
 *  - a key change drops that direction's marks (key material, not the suite
 *    or tag); a move or a new SSRC of a live stream sets rebind and keeps the
 *    receive marks (the fast path keeps the receive stream: only the latch
 *    goes), a new receive key sets rebind and drops them; a hold-like
 *    no-change keeps everything;
 *  - call ids stop at the table's id limit (what the store reserved).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "call.h"
#include "marks.h"

static struct xs_dp_marks one(uint32_t ssrc, uint64_t index, uint32_t rtcp)
{
	struct xs_dp_marks m;
	memset(&m, 0, sizeof(m));
	m.rtcp_index = rtcp;
	m.count = 1;
	m.ssrc[0].ssrc = ssrc;
	m.ssrc[0].index = index;
	return m;
}

static void test_first_report_is_kept(void **state)
{
	(void)state;
	struct xs_dp_marks kept, seen = one(0xa, 5, 0);
	memset(&kept, 0, sizeof(kept));
	assert_true(marks_raise(&kept, &seen)); /* a new SSRC */
	assert_int_equal(kept.count, 1);
	assert_int_equal(kept.ssrc[0].ssrc, 0xa);
	assert_int_equal(kept.ssrc[0].index, 5);
}

static void test_thresholds(void **state)
{
	(void)state;
	struct xs_dp_marks kept = one(0xa, 1000, 100), seen;

	seen = one(0xa, 1000 + MARKS_RTP_STEP - 1, 100 + MARKS_RTCP_STEP - 1);
	assert_false(marks_raise(&kept, &seen)); /* both just short: nothing changes */
	assert_int_equal(kept.ssrc[0].index, 1000);
	assert_int_equal(kept.rtcp_index, 100);

	seen = one(0xa, 1000 + MARKS_RTP_STEP, 100);
	assert_true(marks_raise(&kept, &seen));
	assert_int_equal(kept.ssrc[0].index, 1000 + MARKS_RTP_STEP);
	assert_int_equal(kept.rtcp_index, 100);

	seen = one(0xa, 1000 + MARKS_RTP_STEP, 100 + MARKS_RTCP_STEP);
	assert_true(marks_raise(&kept, &seen));
	assert_int_equal(kept.rtcp_index, 100 + MARKS_RTCP_STEP);
}

static void test_roc_change_is_kept_at_once(void **state)
{
	(void)state;
	struct xs_dp_marks kept = one(0xa, 0xfffe, 0), seen = one(0xa, 0x10001, 0);
	assert_true(marks_raise(&kept, &seen)); /* 3 packets, but ROC 0 -> 1 */
	assert_int_equal(kept.ssrc[0].index, 0x10001);
	seen = one(0xa, 0x10005, 0);
	assert_false(marks_raise(&kept, &seen));
}

static void test_never_lowered(void **state)
{
	(void)state;
	struct xs_dp_marks kept = one(0xa, 70000, 500), seen = one(0xa, 10, 3);
	seen.count = 2;
	seen.ssrc[1].ssrc = 0xb; /* a new SSRC makes the report worth keeping */
	seen.ssrc[1].index = 7;
	assert_true(marks_raise(&kept, &seen));
	assert_int_equal(kept.rtcp_index, 500);
	assert_int_equal(kept.count, 2);
	assert_int_equal(kept.ssrc[0].ssrc, 0xa);
	assert_int_equal(kept.ssrc[0].index, 70000);
	assert_int_equal(kept.ssrc[1].ssrc, 0xb);
}

static void test_union_current_first(void **state)
{
	(void)state;
	struct xs_dp_marks kept = one(0xa, 100, 0), seen = one(0xb, 50, 0);
	assert_true(marks_raise(&kept, &seen));
	/* b is current now; a stays (it may come back under the same key) */
	assert_int_equal(kept.count, 2);
	assert_int_equal(kept.ssrc[0].ssrc, 0xb);
	assert_int_equal(kept.ssrc[1].ssrc, 0xa);
	assert_int_equal(kept.ssrc[1].index, 100);
	/* A, B, A: a is current again, no new SSRC, small move: not stored */
	seen = one(0xa, 110, 0);
	seen.count = 2;
	seen.ssrc[1].ssrc = 0xb;
	seen.ssrc[1].index = 60;
	assert_false(marks_raise(&kept, &seen));
	assert_int_equal(kept.ssrc[0].ssrc, 0xb);
}

static void test_at_most_eight(void **state)
{
	(void)state;
	struct xs_dp_marks kept, seen;
	memset(&kept, 0, sizeof(kept));
	memset(&seen, 0, sizeof(seen));
	seen.count = XS_DP_MARKS_MAX;
	for (unsigned i = 0; i < XS_DP_MARKS_MAX; i++) {
		kept.ssrc[i].ssrc = 100 + i;
		seen.ssrc[i].ssrc = 200 + i;
	}
	kept.count = XS_DP_MARKS_MAX;
	assert_true(marks_raise(&kept, &seen));
	assert_int_equal(kept.count, XS_DP_MARKS_MAX);
	assert_int_equal(kept.ssrc[0].ssrc, 200); /* the fast path's own first */
	/* a count past the array is read as the array */
	seen.count = 200;
	seen.ssrc[7].ssrc = 300; /* new: worth keeping */
	kept.count = 200;
	assert_true(marks_raise(&kept, &seen));
	assert_int_equal(kept.count, XS_DP_MARKS_MAX);
	assert_int_equal(kept.ssrc[7].ssrc, 300);
}

static void test_for_flow_margin(void **state)
{
	(void)state;
	struct xs_dp_marks kept = one(0xa, 0x1234567890ull, 40), out;
	kept.pad[1] = 7;
	marks_for_flow(&out, &kept, true);
	assert_int_equal(out.rtcp_index, 40 + MARKS_RTCP_MARGIN);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.ssrc[0].index, 0x1234567890ull);
	assert_int_equal(out.pad[1], 0);
	marks_for_flow(&out, &kept, false);
	assert_int_equal(out.rtcp_index, 40); /* receive: as kept */
	memset(&kept, 0, sizeof(kept));
	marks_for_flow(&out, &kept, true);
	assert_int_equal(out.rtcp_index, MARKS_RTCP_MARGIN); /* nothing kept yet: margin too */
	kept.rtcp_index = MARKS_RTCP_MAX - 10;
	marks_for_flow(&out, &kept, true);
	assert_int_equal(out.rtcp_index, MARKS_RTCP_MAX);
}

static struct call_stream stream(uint8_t keybyte)
{
	struct call_stream s;
	memset(&s, 0, sizeof(s));
	s.peer.family = XS_DP_AF_INET;
	memcpy(s.peer.addr, "\x0a\x00\x00\x02", 4);
	s.peer.port = 4000;
	s.peer_rtcp_port = 4001;
	for (struct call_key *k = &s.rx; k <= &s.tx; k++) {
		k->suite = 1;
		k->key_len = 16;
		k->salt_len = 14;
		memset(k->key, keybyte + (k == &s.tx), 16);
		memset(k->salt, 0x55, 14);
	}
	s.rx_marks = one(0xa, 70000, 30);
	s.tx_marks = one(0xb, 80000, 40);
	return s;
}

static void test_update_keeps_marks_under_same_keys(void **state)
{
	(void)state;
	struct call_stream old = stream(1), s = old;
	s.tx.tag = 9;
	s.tx.suite = 2; /* another suite or tag, same key material: same keystream */
	call_stream_update(&old, &s, true);
	assert_false(s.rebind);
	assert_int_equal(s.rx_marks.count, 1);
	assert_int_equal(s.tx_marks.count, 1);
	assert_int_equal(s.tx_marks.rtcp_index, 40);
}

static void test_update_drops_on_key_change(void **state)
{
	(void)state;
	struct call_stream old = stream(1), s = stream(1);
	s.tx.key[0] ^= 1;
	call_stream_update(&old, &s, true);
	assert_int_equal(s.tx_marks.count, 0);
	assert_int_equal(s.tx_marks.rtcp_index, 0);
	assert_int_equal(s.rx_marks.count, 1);
	assert_false(s.rebind); /* the send key alone: the source is the same */

	s = stream(1);
	s.rx.salt[3] ^= 1;
	call_stream_update(&old, &s, true);
	assert_int_equal(s.rx_marks.count, 0);
	assert_int_equal(s.tx_marks.count, 1);
	assert_true(s.rebind); /* new receive key: the flow binds again */

	s = stream(1);
	call_key_clear(&s.tx); /* SRTP to plain */
	call_stream_update(&old, &s, true);
	assert_int_equal(s.tx_marks.count, 0);
}

static void test_update_rebind_on_move(void **state)
{
	(void)state;
	struct call_stream old = stream(1), s = stream(1);
	s.peer.port = 4002;
	call_stream_update(&old, &s, true);
	assert_true(s.rebind);
	/* a move forgets the latch only: the fast path keeps the receive
	 * stream's per-SSRC state (its ROC), and the marks stay its floors */
	assert_int_equal(s.rx_marks.count, 1);
	assert_int_equal(s.rx_marks.ssrc[0].index, 70000);
	assert_int_equal(s.rx_marks.rtcp_index, 30);
	assert_int_equal(s.tx_marks.count, 1); /* send state is kept */

	s = stream(1);
	old.ssrc = 1;
	s.ssrc = 2;
	call_stream_update(&old, &s, true);
	assert_true(s.rebind);
	assert_int_equal(s.rx_marks.count, 1); /* a new SSRC is parked beside the old */

	s = stream(1);
	s.ssrc = 0; /* an SDP without a=ssrc says nothing */
	call_stream_update(&old, &s, true);
	assert_false(s.rebind);

	s = stream(1);
	s.peer.port = 4002;
	call_stream_update(&old, &s, false); /* not live: no flow to rebind */
	assert_false(s.rebind);
	assert_int_equal(s.rx_marks.count, 1);
}

/* No id is given at or above the limit the store reserved up to; calls read
 * back from the store still go in. */
static void test_call_id_limit(void **state)
{
	(void)state;
	struct call_table t;
	assert_int_equal(call_table_init(&t, 16), 0);
	t.next_id = 41;
	t.id_limit = 43;
	struct call *a = call_create(&t, "a", 0), *b = call_create(&t, "b", 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->id, 41);
	assert_int_equal(b->id, 42);
	assert_null(call_create(&t, "c", 0));
	assert_int_equal(t.next_id, 43);
	struct call *old = calloc(1, sizeof(*old));
	assert_non_null(old);
	strcpy(old->call_id, "stored");
	old->id = 7;
	assert_int_equal(call_insert(&t, old), 0);
	assert_ptr_equal(call_by_id(&t, 7), old);
	call_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_report_is_kept),
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_roc_change_is_kept_at_once),
		cmocka_unit_test(test_never_lowered),
		cmocka_unit_test(test_union_current_first),
		cmocka_unit_test(test_at_most_eight),
		cmocka_unit_test(test_for_flow_margin),
		cmocka_unit_test(test_update_keeps_marks_under_same_keys),
		cmocka_unit_test(test_update_drops_on_key_change),
		cmocka_unit_test(test_update_rebind_on_move),
		cmocka_unit_test(test_call_id_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
