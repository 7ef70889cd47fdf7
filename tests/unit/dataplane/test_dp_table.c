/* SPDX-License-Identifier: BSD-3-Clause */
/* Session table: add/lookup/delete, RTCP port nodes, key swaps that keep
 * stream state, the commands keysets carry to the owner (resets that never
 * lower a send stream under its keys, marks, latch, counters, each applied
 * once), the consistent state copy, and a reader thread racing the writer. */
#define _LGPL_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dp_codec.h"
#include "dp_flow.h"

static struct xs_dp_flow wire(uint16_t port, bool mux)
{
	struct xs_dp_flow w;

	memset(&w, 0, sizeof(w));
	xs_dp_addr_parse("10.0.0.1", &w.local, true);
	w.local.port = port;
	xs_dp_addr_parse("10.0.1.1:30000", &w.out_src, false);
	xs_dp_addr_parse("10.0.1.2:40000", &w.out_dst, false);
	w.src_policy = XS_DP_SRC_LATCH;
	w.flags = mux ? XS_DP_FLOW_F_RTCP_MUX_IN : 0;
	return w;
}

static struct dp_flow *flow(uint16_t port, bool mux)
{
	struct xs_dp_flow w = wire(port, mux);

	return dp_flow_new(dp_flow_cfg_new(&w), NULL, NULL);
}

static struct xs_dp_addr key(uint16_t port)
{
	struct xs_dp_addr a;

	xs_dp_addr_parse("10.0.0.1", &a, true);
	a.port = port;
	return a;
}

static void t_basic(void **s)
{
	struct dp_table *t = dp_table_create(16);
	struct dp_flow *a = flow(1000, false), *b;
	struct xs_dp_addr k;
	unsigned idx;

	urcu_qsbr_register_thread();
	assert_int_equal(dp_table_add(t, a), 0);
	k = key(1000);
	assert_ptr_equal(dp_table_lookup(t, &k, &idx), a);
	assert_int_equal(idx, DP_NODE_RTP);
	k = key(1001);
	assert_ptr_equal(dp_table_lookup(t, &k, &idx), a);
	assert_int_equal(idx, DP_NODE_RTCP);
	k = key(1002);
	assert_null(dp_table_lookup(t, &k, &idx));
	/* 1001 is a's RTCP port: a flow there is refused, nothing changes. */
	b = flow(1001, true);
	assert_int_equal(dp_table_add(t, b), -EEXIST);
	dp_flow_free(b);
	/* 999's RTCP port would be 1000. */
	b = flow(999, false);
	assert_int_equal(dp_table_add(t, b), -EADDRINUSE);
	k = key(999);
	assert_null(dp_table_lookup(t, &k, NULL));
	dp_flow_free(b);
	/* 999 with rtcp-mux fits. */
	b = flow(999, true);
	assert_int_equal(dp_table_add(t, b), 0);
	assert_int_equal(dp_table_count(t), 2);
	/* Switch a to rtcp-mux: its 1001 node goes. */
	{
		struct xs_dp_flow w = wire(1000, true);
		assert_int_equal(dp_flow_set_cfg(t, a, dp_flow_cfg_new(&w)), 0);
	}
	k = key(1001);
	assert_null(dp_table_lookup(t, &k, NULL));
	/* And back: the 1001 node returns. */
	{
		struct xs_dp_flow w = wire(1000, false);
		assert_int_equal(dp_flow_set_cfg(t, a, dp_flow_cfg_new(&w)), 0);
	}
	k = key(1001);
	assert_ptr_equal(dp_table_lookup(t, &k, &idx), a);
	assert_int_equal(idx, DP_NODE_RTCP);
	dp_table_del(t, a);
	k = key(1000);
	assert_null(dp_table_lookup(t, &k, NULL));
	k = key(1001);
	assert_null(dp_table_lookup(t, &k, NULL));
	assert_int_equal(dp_table_count(t), 1);
	urcu_qsbr_thread_offline();
	urcu_qsbr_barrier();
	urcu_qsbr_thread_online();
	dp_table_destroy(t);
	urcu_qsbr_unregister_thread();
}

/* A flow of local address 10.0.0.<a>. */
static struct dp_flow *flow_at(unsigned a, uint16_t port, bool mux)
{
	struct xs_dp_flow w = wire(port, mux);

	w.local.addr[3] = (uint8_t)a;
	return dp_flow_new(dp_flow_cfg_new(&w), NULL, NULL);
}

/*
 * The port index (dp_flow.c) against cds_lfht, the table of record: random
 * adds, deletes, re-adds and rtcp-mux switches over 70 local addresses (64
 * get an index, six fall back to cds_lfht), and after every change each port
 * of the touched range answers the same through dp_table_lookup (index first)
 * and dp_table_lookup_hashed (cds_lfht only). A slot left pointing at a
 * deleted node would answer with the old flow and fail here.
 */
static void t_index_agrees(void **s)
{
	enum { ADDRS = 70, PORTS = 40, BASE = 5000 };
	static struct dp_flow *live[ADDRS][PORTS];
	struct dp_table *t = dp_table_create(16);
	unsigned seed = 12345;

	(void)s;
	memset(live, 0, sizeof(live));
	urcu_qsbr_register_thread();
	for (unsigned op = 0; op < 20000; op++) {
		unsigned a = (seed = seed * 1103515245u + 12345u) >> 16 & 0xff;
		unsigned p, r;

		a = 1 + a % ADDRS;
		seed = seed * 1103515245u + 12345u;
		p = (seed >> 16) % PORTS;
		seed = seed * 1103515245u + 12345u;
		r = (seed >> 16) % 4;
		struct dp_flow **slot = &live[a - 1][p];
		bool mux = (seed >> 20) & 1;
		if (!*slot) {
			struct dp_flow *f = flow_at(a, (uint16_t)(BASE + p), mux);
			if (dp_table_add(t, f) == 0)
				*slot = f;
			else
				dp_flow_free(f);
		} else if (r == 0) {
			dp_table_del(t, *slot);
			*slot = NULL;
		} else if (r == 1) {
			/* delete and add again at once: the slot moves to the new node */
			struct dp_flow *f = flow_at(a, (uint16_t)(BASE + p), mux);
			dp_table_del(t, *slot);
			if (dp_table_add(t, f) == 0) {
				*slot = f;
			} else {
				dp_flow_free(f);
				*slot = NULL;
			}
		} else {
			struct xs_dp_flow w = wire((uint16_t)(BASE + p), mux);
			struct dp_flow_cfg *c;
			w.local.addr[3] = (uint8_t)a;
			c = dp_flow_cfg_new(&w);
			if (dp_flow_set_cfg(t, *slot, c))
				dp_flow_cfg_free(c);
		}
		for (unsigned q = 0; q <= PORTS + 1; q++) {
			struct xs_dp_addr k = key((uint16_t)(BASE - 1 + q));
			unsigned i1 = 9, i2 = 9;

			k.addr[3] = (uint8_t)a;
			struct dp_flow *via_index = dp_table_lookup(t, &k, &i1);
			struct dp_flow *via_lfht = dp_table_lookup_hashed(t, &k, dp_key_hash(&k), &i2);
			assert_ptr_equal(via_index, via_lfht);
			if (via_index)
				assert_int_equal(i1, i2);
		}
		urcu_qsbr_quiescent_state(); /* lets call_rcu free what went */
	}
	urcu_qsbr_thread_offline();
	urcu_qsbr_barrier();
	urcu_qsbr_thread_online();
	dp_table_destroy(t);
	urcu_qsbr_unregister_thread();
}

static struct xs_dp_crypto sdes(uint8_t key_byte)
{
	struct xs_dp_crypto c;

	memset(&c, 0, sizeof(c));
	c.suite = XS_SUITE_AES_CM_128_HMAC_SHA1_80;
	c.key_len = 16;
	c.salt_len = 14;
	memset(c.master_key, key_byte, 16);
	memset(c.master_salt, 0x5a, 14);
	return c;
}

/* Publish ks as direction dir's keyset of f (freeing the one it replaces, as
 * RCU would) and let the owner see it. */
static void owner_sees(struct dp_flow *f, unsigned dir, struct dp_keyset *ks)
{
	dp_keyset_free(f->ks[dir]);
	f->ks[dir] = ks;
	dp_flow_sync_keys(f, dir, ks);
}

/* The next keyset of f's direction dir, as the control thread makes it. */
static struct dp_keyset *next_ks(struct dp_flow *f, unsigned dir, const struct xs_dp_crypto *c,
				 unsigned flags, const struct xs_srtp_marks *marks)
{
	const struct dp_ks_cmd cmd = { flags, marks };
	const struct dp_keyset *cur = f->ks[dir];
	struct dp_keyset *ks;

	assert_int_equal(dp_keyset_new(c, dir, (cur ? cur->gen : 0) + 1, &cmd, cur, f->st.gen[dir],
				       &ks), 0);
	return ks;
}

static void t_keys(void **s)
{
	struct xs_dp_crypto c = sdes(7);
	struct dp_keyset *ks, *ks2;
	struct dp_flow *f;

	assert_int_equal(dp_keyset_new(&c, XS_DP_DIR_IN, 1, NULL, NULL, 0, &ks), 0);
	assert_non_null(ks->keys);
	assert_int_not_equal(ks->kid, 0);
	f = flow(2000, false);
	f->ks[0] = ks;
	f->st.gen[0] = 1;
	xs_srtp_stream_set_roc(&f->st.stream[0], 0x1234, 5, 100);
	/* A new key generation keeps the stream state... */
	assert_int_equal(dp_keyset_new(&c, XS_DP_DIR_IN, 2, NULL, ks, 1, &ks2), 0);
	assert_int_equal(ks2->reset_gen, 0);
	assert_int_equal(ks2->kid, ks->kid);
	dp_flow_sync_keys(f, 0, ks2);
	assert_int_equal(xs_srtp_stream_roc(&f->st.stream[0]), 5);
	assert_int_equal(f->st.gen[0], 2);
	dp_keyset_free(ks2);
	/* ...unless asked to reset it. */
	c.kflags = XS_DP_KEYS_F_SET_ROC;
	c.roc = 9;
	c.ssrc = 0x1234;
	assert_int_equal(dp_keyset_new(&c, XS_DP_DIR_IN, 3, NULL, ks, 2, &ks2), 0);
	dp_flow_sync_keys(f, 0, ks2);
	assert_int_equal(xs_srtp_stream_roc(&f->st.stream[0]), 9);
	/* A command is taken over by the next keyset, tagged with its origin: an
	 * owner that skipped generation 3 applies it, one that saw it does not. */
	c.kflags = 0;
	{
		struct dp_keyset *ks3;
		assert_int_equal(dp_keyset_new(&c, XS_DP_DIR_IN, 4, NULL, ks2, 2, &ks3), 0);
		assert_int_equal(ks3->reset_gen, 3);
		assert_int_equal(ks3->set_roc, 1);
		assert_int_equal(ks3->roc, 9);
		xs_srtp_stream_set_roc(&f->st.stream[0], 0x1234, 11, 0);
		dp_flow_sync_keys(f, 0, ks3);                /* saw 3 already */
		assert_int_equal(xs_srtp_stream_roc(&f->st.stream[0]), 11);
		f->st.gen[0] = 2;                            /* as if it had not */
		dp_flow_sync_keys(f, 0, ks3);
		assert_int_equal(xs_srtp_stream_roc(&f->st.stream[0]), 9);
		dp_keyset_free(ks3);
	}
	dp_keyset_free(ks2);
	/* Bad policy: refused by the engine. */
	c.key_len = 15;
	assert_int_equal(dp_keyset_new(&c, XS_DP_DIR_IN, 5, NULL, NULL, 0, &ks2), -EINVAL);
	/* Plain. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(dp_keyset_new(&c, XS_DP_DIR_IN, 1, NULL, NULL, 0, &ks2), 0);
	assert_null(ks2->keys);
	assert_int_equal(ks2->kid, 0);
	dp_keyset_free(ks2);
	dp_flow_free(f);
}

/* The send stream of f: SSRC 0xa at index 70000 (ROC 1), SSRC 0xb parked at
 * 500, SRTCP index 40. */
static void send_state(struct dp_flow *f)
{
	struct xs_srtp_marks m = { .rtcp_index = 40, .count = 2 };

	m.ssrc[0] = (struct xs_srtp_ssrc_mark){ .ssrc = 0xa, .index = 70000 };
	m.ssrc[1] = (struct xs_srtp_ssrc_mark){ .ssrc = 0xb, .index = 500 };
	assert_int_equal(xs_srtp_stream_restore(&f->st.stream[XS_DP_DIR_OUT], &m, true), 0);
}

static void expect_send_state(const struct dp_flow *f, bool kept)
{
	struct xs_srtp_marks m;

	xs_srtp_stream_marks(&f->st.stream[XS_DP_DIR_OUT], &m);
	if (!kept) {
		assert_int_equal(m.count, 0);
		assert_int_equal(m.rtcp_index, 0);
		return;
	}
	assert_int_equal(m.count, 2);
	assert_int_equal(m.rtcp_index, 40);
	assert_int_equal(m.ssrc[0].ssrc, 0xa);
	assert_int_equal(m.ssrc[0].index, 70000);
	assert_int_equal(m.ssrc[1].ssrc, 0xb);
	assert_int_equal(m.ssrc[1].index, 500);
}

/* Rule 7: a send stream starts fresh exactly when its keys change, whatever
 * the request's flags (RESET_STREAM, SET_ROC, F_RESET) say; plain keys keep
 * it; a receive stream resets when asked, under the same keys too. */
static void t_send_never_lowered(void **s)
{
	struct xs_dp_crypto c = sdes(1), other = sdes(2), plain = { 0 };
	struct dp_flow *f = flow(2100, false);

	owner_sees(f, XS_DP_DIR_OUT, next_ks(f, XS_DP_DIR_OUT, &c, 0, NULL));
	send_state(f);
	/* same keys: KEYS_SET RESET_STREAM, SET_ROC, a reset command: kept */
	c.kflags = XS_DP_KEYS_F_RESET_STREAM;
	owner_sees(f, XS_DP_DIR_OUT, next_ks(f, XS_DP_DIR_OUT, &c, 0, NULL));
	expect_send_state(f, true);
	c.kflags = XS_DP_KEYS_F_SET_ROC;
	c.ssrc = 0xa;
	c.roc = 0;
	c.seq = 1;
	owner_sees(f, XS_DP_DIR_OUT, next_ks(f, XS_DP_DIR_OUT, &c, 0, NULL));
	expect_send_state(f, true);
	c.kflags = 0;
	owner_sees(f, XS_DP_DIR_OUT, next_ks(f, XS_DP_DIR_OUT, &c, DP_KS_RESET, NULL));
	expect_send_state(f, true);
	/* the same key under another suite or policy is the same keystream */
	c.suite = XS_SUITE_AES_CM_128_HMAC_SHA1_32;
	c.flags = XS_SRTP_F_UNENCRYPTED_SRTCP;
	owner_sees(f, XS_DP_DIR_OUT, next_ks(f, XS_DP_DIR_OUT, &c, DP_KS_RESET, NULL));
	expect_send_state(f, true);
	/* plain keys in between keep the state and its keys: K1 -> plain -> K1
	 * goes on with K1's indices */
	owner_sees(f, XS_DP_DIR_OUT, next_ks(f, XS_DP_DIR_OUT, &plain, 0, NULL));
	expect_send_state(f, true);
	owner_sees(f, XS_DP_DIR_OUT, next_ks(f, XS_DP_DIR_OUT, &c, 0, NULL));
	expect_send_state(f, true);
	/* other keys, with or without a flag: fresh, and then kept under them */
	owner_sees(f, XS_DP_DIR_OUT, next_ks(f, XS_DP_DIR_OUT, &other, 0, NULL));
	expect_send_state(f, false);
	send_state(f);
	owner_sees(f, XS_DP_DIR_OUT, next_ks(f, XS_DP_DIR_OUT, &other, DP_KS_RESET, NULL));
	expect_send_state(f, true);
	c = sdes(3);
	owner_sees(f, XS_DP_DIR_OUT, next_ks(f, XS_DP_DIR_OUT, &c, DP_KS_RESET, NULL));
	expect_send_state(f, false);
	/* new keys joining with SET_ROC: fresh, at the ROC asked */
	send_state(f);
	other = sdes(4);
	other.kflags = XS_DP_KEYS_F_SET_ROC;
	other.ssrc = 0xc;
	other.roc = 3;
	other.seq = 10;
	owner_sees(f, XS_DP_DIR_OUT, next_ks(f, XS_DP_DIR_OUT, &other, 0, NULL));
	assert_int_equal(f->st.stream[XS_DP_DIR_OUT].ssrc, 0xc);
	assert_int_equal(xs_srtp_stream_roc(&f->st.stream[XS_DP_DIR_OUT]), 3);
	assert_int_equal(f->st.stream[XS_DP_DIR_OUT].nparked, 0);
	/* A receive stream resets under the same keys. */
	owner_sees(f, XS_DP_DIR_IN, next_ks(f, XS_DP_DIR_IN, &c, 0, NULL));
	xs_srtp_stream_set_roc(&f->st.stream[XS_DP_DIR_IN], 0x77, 3, 9);
	owner_sees(f, XS_DP_DIR_IN, next_ks(f, XS_DP_DIR_IN, &c, DP_KS_RESET, NULL));
	assert_int_equal(f->st.stream[XS_DP_DIR_IN].have_ssrc, 0);
	assert_int_equal(xs_srtp_stream_roc(&f->st.stream[XS_DP_DIR_IN]), 0);
	dp_flow_free(f);
}

/* Rule 7, the writer's side: output keys a flow had before others are
 * refused (K1 -> K2 -> K1), the current and plain ones are not; the flow
 * remembers its last DP_OUT_KIDS keys. */
static void t_out_key_history(void **s)
{
	struct xs_dp_crypto c[DP_OUT_KIDS + 1], plain = { 0 };
	struct dp_keyset *ks;
	struct dp_flow *f;

	for (unsigned i = 0; i <= DP_OUT_KIDS; i++)
		c[i] = sdes((uint8_t)(0x40 + i));
	urcu_qsbr_register_thread();
	f = flow(2300, false);
	dp_flow_set_keys(f, XS_DP_DIR_OUT, next_ks(f, XS_DP_DIR_OUT, &c[0], 0, NULL));
	ks = next_ks(f, XS_DP_DIR_OUT, &c[0], 0, NULL);
	assert_int_equal(dp_flow_out_keys_check(f, ks), 0);   /* the current: kept */
	dp_keyset_free(ks);
	for (unsigned i = 1; i < DP_OUT_KIDS; i++) {
		ks = next_ks(f, XS_DP_DIR_OUT, &c[i], 0, NULL);
		assert_int_equal(dp_flow_out_keys_check(f, ks), 0);
		dp_flow_set_keys(f, XS_DP_DIR_OUT, ks);
		ks = next_ks(f, XS_DP_DIR_OUT, &plain, 0, NULL);
		assert_int_equal(dp_flow_out_keys_check(f, ks), 0); /* plain: always */
		dp_flow_set_keys(f, XS_DP_DIR_OUT, ks);
		for (unsigned j = 0; j < i; j++) {
			ks = next_ks(f, XS_DP_DIR_OUT, &c[j], 0, NULL);
			assert_int_equal(dp_flow_out_keys_check(f, ks), -EINVAL);
			dp_keyset_free(ks);
		}
		ks = next_ks(f, XS_DP_DIR_OUT, &c[i], 0, NULL); /* current, after plain */
		assert_int_equal(dp_flow_out_keys_check(f, ks), 0);
		dp_keyset_free(ks);
	}
	/* a ninth key pushes the first out of memory */
	dp_flow_set_keys(f, XS_DP_DIR_OUT, next_ks(f, XS_DP_DIR_OUT, &c[DP_OUT_KIDS], 0, NULL));
	ks = next_ks(f, XS_DP_DIR_OUT, &c[0], 0, NULL);
	assert_int_equal(dp_flow_out_keys_check(f, ks), 0);
	dp_keyset_free(ks);
	ks = next_ks(f, XS_DP_DIR_OUT, &c[1], 0, NULL);
	assert_int_equal(dp_flow_out_keys_check(f, ks), -EINVAL);
	dp_keyset_free(ks);
	urcu_qsbr_thread_offline();
	urcu_qsbr_barrier();
	urcu_qsbr_thread_online();
	dp_flow_free(f);
	urcu_qsbr_unregister_thread();
}

static void t_marks_and_flow_commands(void **s)
{
	struct xs_dp_crypto c = sdes(4);
	struct xs_srtp_marks m = { .rtcp_index = 1000, .count = 3 }, got;
	struct dp_keyset *ks;
	struct dp_flow *f = flow(2150, false);
	struct dp_flow_state copy;

	m.ssrc[0] = (struct xs_srtp_ssrc_mark){ .ssrc = 0xa, .index = 0x10005 };
	m.ssrc[1] = (struct xs_srtp_ssrc_mark){ .ssrc = 0xc, .index = 7 };
	m.ssrc[2] = (struct xs_srtp_ssrc_mark){ .ssrc = 0xb, .index = 300 };
	/* FLOW_ADD's way: a new flow raised to its marks before it is published. */
	for (unsigned d = 0; d < 2; d++) {
		owner_sees(f, d, next_ks(f, d, &c, 0, NULL));
		dp_flow_raise(&f->st, d, &m);
	}
	xs_srtp_stream_marks(&f->st.stream[XS_DP_DIR_OUT], &got);
	assert_memory_equal(&got, &m, sizeof(m));
	xs_srtp_stream_marks(&f->st.stream[XS_DP_DIR_IN], &got);
	assert_memory_equal(&got, &m, sizeof(m));        /* a receive stream: all SSRCs too */

	/* Marks on a live stream are floors: lower ones change nothing, higher
	 * ones raise; SSRCs that do not fit any more are left out (the full
	 * stream refuses them). */
	send_state(f); /* 0xa at 70000 > 0x10005, 0xb at 500 > 300 */
	{
		struct xs_srtp_marks more = { .rtcp_index = 5, .count = 8 };
		for (unsigned i = 0; i < 8; i++)
			more.ssrc[i] = (struct xs_srtp_ssrc_mark){ .ssrc = 0x100 + i, .index = 9 };
		more.ssrc[0] = (struct xs_srtp_ssrc_mark){ .ssrc = 0xb, .index = 900 };
		ks = next_ks(f, XS_DP_DIR_OUT, &c, 0, &more);
		assert_int_equal(ks->marks_gen, ks->gen);
		owner_sees(f, XS_DP_DIR_OUT, ks);
	}
	xs_srtp_stream_marks(&f->st.stream[XS_DP_DIR_OUT], &got);
	assert_int_equal(got.count, 8);
	assert_int_equal(got.rtcp_index, 1000);
	assert_int_equal(got.ssrc[0].ssrc, 0xa);
	assert_int_equal(got.ssrc[0].index, 70000);
	for (unsigned i = 1; i < 8; i++)
		if (got.ssrc[i].ssrc == 0xb)
			assert_int_equal(got.ssrc[i].index, 900);

	/* Input commands: forget the latch, zero the counters, once. */
	f->st.latched[0].family = XS_DP_AF_INET;
	f->st.latched[1].family = XS_DP_AF_INET;
	f->st.cnt[DP_FCNT_pkts_in] = 5;
	f->st.last_rx_tsc = 99;
	ks = next_ks(f, XS_DP_DIR_IN, &c, DP_KS_LATCH | DP_KS_ZERO, NULL);
	/* a reader's copy shows what the owner is about to do */
	dp_flow_read(f, &copy);
	dp_flow_apply(&copy, XS_DP_DIR_IN, ks);
	assert_int_equal(copy.latched[0].family, 0);
	assert_int_equal(copy.cnt[DP_FCNT_pkts_in], 0);
	assert_int_equal(f->st.cnt[DP_FCNT_pkts_in], 5);
	owner_sees(f, XS_DP_DIR_IN, ks);
	assert_int_equal(f->st.latched[0].family, 0);
	assert_int_equal(f->st.latched[1].family, 0);
	assert_int_equal(f->st.cnt[DP_FCNT_pkts_in], 0);
	assert_int_equal(f->st.last_rx_tsc, 0);
	assert_int_equal(f->st.seq % 2, 0);
	/* taken over by the next keyset, not applied again */
	f->st.latched[0].family = XS_DP_AF_INET;
	f->st.cnt[DP_FCNT_pkts_in] = 3;
	ks = next_ks(f, XS_DP_DIR_IN, &c, 0, NULL);
	assert_int_equal(ks->latch_gen, ks->gen - 1);
	assert_int_equal(ks->zero_gen, ks->gen - 1);
	owner_sees(f, XS_DP_DIR_IN, ks);
	assert_int_equal(f->st.latched[0].family, XS_DP_AF_INET);
	assert_int_equal(f->st.cnt[DP_FCNT_pkts_in], 3);

	/* Marks are taken over only while the owner may not have applied them,
	 * and not past a reset of the new keyset's own. */
	owner_sees(f, XS_DP_DIR_IN, next_ks(f, XS_DP_DIR_IN, &c, DP_KS_RESET, NULL));
	ks = next_ks(f, XS_DP_DIR_IN, &c, 0, &m);
	dp_keyset_free(f->ks[XS_DP_DIR_IN]);
	f->ks[XS_DP_DIR_IN] = ks;                        /* published, not seen yet */
	{
		struct dp_keyset *ks2 = next_ks(f, XS_DP_DIR_IN, &c, 0, NULL), *ks3;
		assert_int_equal(ks2->marks_gen, ks->gen);
		assert_memory_equal(ks2->marks, &m, sizeof(m));
		ks3 = next_ks(f, XS_DP_DIR_IN, &c, DP_KS_RESET, NULL);
		assert_int_equal(ks3->marks_gen, 0);
		dp_keyset_free(ks3);
		owner_sees(f, XS_DP_DIR_IN, ks2);         /* skips ks: applies its marks */
	}
	xs_srtp_stream_marks(&f->st.stream[XS_DP_DIR_IN], &got);
	assert_int_equal(got.ssrc[0].ssrc, 0xa);
	assert_int_equal(got.ssrc[0].index, 0x10005);
	ks = next_ks(f, XS_DP_DIR_IN, &c, 0, NULL);
	assert_int_equal(ks->marks_gen, 0);              /* applied: not carried */
	dp_keyset_free(ks);
	/* Marks belong to their keys: not carried to other keys, either side;
	 * plain keys (whose output keeps its keys' state) carry them. */
	for (unsigned d = 0; d < 2; d++) {
		struct xs_dp_crypto other = sdes(5), plain = { 0 };
		struct dp_keyset *ks2;

		ks = next_ks(f, d, &c, 0, &m);
		dp_keyset_free(f->ks[d]);
		f->ks[d] = ks;                           /* published, not seen yet */
		ks2 = next_ks(f, d, &other, 0, NULL);
		assert_int_equal(ks2->marks_gen, 0);
		dp_keyset_free(ks2);
		ks2 = next_ks(f, d, &plain, 0, NULL);
		assert_int_equal(ks2->marks_gen, ks->gen);
		dp_keyset_free(ks2);
	}
	dp_flow_free(f);
}

/* Rule 6: a reader copying the state while the owner changes it sees each
 * change whole. The owner here moves a send stream through SSRCs whose marks
 * always satisfy index(SSRC x) == 1000 * x + round; a torn copy breaks it. */
static struct dp_flow *seq_f;
static volatile int seq_stop;

static void *seq_owner(void *arg)
{
	for (uint32_t round = 1; !seq_stop; round++) {
		struct xs_srtp_stream *st = &seq_f->st.stream[XS_DP_DIR_OUT];
		struct xs_srtp_marks m = { .count = 4 };

		for (unsigned i = 0; i < 4; i++)
			m.ssrc[i] = (struct xs_srtp_ssrc_mark){ .ssrc = i + 1,
								.index = 1000 * (i + 1) + round };
		dp_flow_write_begin(seq_f);
		xs_srtp_stream_init(st, 0);
		xs_srtp_stream_restore(st, &m, true);
		dp_flow_write_end(seq_f);
	}
	return NULL;
}

static void t_read_consistent(void **s)
{
	pthread_t th;
	struct dp_flow_state copy;
	struct xs_srtp_marks m;

	seq_f = flow(2200, false);
	pthread_create(&th, NULL, seq_owner, NULL);
	for (int i = 0; i < 20000; i++) {
		dp_flow_read(seq_f, &copy);
		xs_srtp_stream_marks(&copy.stream[XS_DP_DIR_OUT], &m);
		if (!m.count)
			continue;                             /* before the first round */
		assert_int_equal(m.count, 4);
		for (unsigned k = 0; k < 4; k++)
			assert_int_equal(m.ssrc[k].index - 1000 * m.ssrc[k].ssrc,
					 m.ssrc[0].index - 1000 * m.ssrc[0].ssrc);
	}
	seq_stop = 1;
	pthread_join(th, NULL);
	dp_flow_free(seq_f);
}

/* A reader looks flows up while the writer adds, replaces and deletes them. */
static struct dp_table *race_t;
static volatile int race_stop;
static volatile unsigned long race_hits;

static void *reader(void *arg)
{
	urcu_qsbr_register_thread();
	while (!race_stop) {
		for (uint16_t p = 1000; p < 1200; p += 2) {
			struct xs_dp_addr k = key(p);
			struct dp_flow *f = dp_table_lookup(race_t, &k, NULL);
			if (f) {
				const struct dp_flow_cfg *c = rcu_dereference(f->cfg);
				assert_int_equal(c->wire.local.port, p);
				race_hits++;
			}
		}
		urcu_qsbr_quiescent_state();
	}
	urcu_qsbr_unregister_thread();
	return NULL;
}

static void t_race(void **s)
{
	pthread_t th;
	struct dp_flow *fl[100] = { 0 };

	race_t = dp_table_create(64);
	urcu_qsbr_register_thread();
	pthread_create(&th, NULL, reader, NULL);
	for (int round = 0; round < 3000; round++) {
		unsigned i = (unsigned)rand() % 100;
		uint16_t port = (uint16_t)(1000 + 2 * i);

		if (!fl[i]) {
			fl[i] = flow(port, false);
			assert_int_equal(dp_table_add(race_t, fl[i]), 0);
		} else if (round % 3 == 0) {
			struct dp_flow *n = flow(port, round % 2);
			dp_table_del(race_t, fl[i]);
			assert_int_equal(dp_table_add(race_t, n), 0);
			fl[i] = n;
		} else if (round % 3 == 1) {
			struct xs_dp_flow w = wire(port, round % 2);
			assert_int_equal(dp_flow_set_cfg(race_t, fl[i], dp_flow_cfg_new(&w)), 0);
		} else {
			dp_table_del(race_t, fl[i]);
			fl[i] = NULL;
		}
		urcu_qsbr_quiescent_state();
	}
	/* On a loaded machine the writer can finish before the reader first runs:
	 * keep a flow in place and give the reader up to 5 s to see one. */
	if (!fl[0]) {
		fl[0] = flow(1000, false);
		assert_int_equal(dp_table_add(race_t, fl[0]), 0);
	}
	for (int w = 0; w < 5000 && !race_hits; w++) {
		urcu_qsbr_quiescent_state();
		usleep(1000);
	}
	race_stop = 1;
	pthread_join(th, NULL);
	assert_true(race_hits > 0);
	urcu_qsbr_thread_offline();
	urcu_qsbr_barrier();
	urcu_qsbr_thread_online();
	dp_table_destroy(race_t);
	urcu_qsbr_unregister_thread();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_basic),
		cmocka_unit_test(t_index_agrees),
		cmocka_unit_test(t_keys),
		cmocka_unit_test(t_send_never_lowered),
		cmocka_unit_test(t_out_key_history),
		cmocka_unit_test(t_marks_and_flow_commands),
		cmocka_unit_test(t_read_consistent),
		cmocka_unit_test(t_race),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
