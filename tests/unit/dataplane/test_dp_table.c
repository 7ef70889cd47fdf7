/* SPDX-License-Identifier: BSD-3-Clause */
/* Session table: add/lookup/replace/delete, RTCP port nodes, key swaps that
 * keep stream state, and a reader thread racing the writer. */
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
	struct dp_flow *a = flow(1000, false), *b, *c;
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
	/* Replace a wholesale (reset): the new object answers on both ports. */
	c = flow(1000, false);
	assert_int_equal(dp_table_replace(t, a, c), 0);
	k = key(1000);
	assert_ptr_equal(dp_table_lookup(t, &k, NULL), c);
	k = key(1001);
	assert_ptr_equal(dp_table_lookup(t, &k, NULL), c);
	dp_table_del(t, c);
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
 * adds, deletes, replaces and rtcp-mux switches over 70 local addresses (64
 * get an index, six fall back to cds_lfht), and after every change each port
 * of the touched range answers the same through dp_table_lookup (index first)
 * and dp_table_lookup_hashed (cds_lfht only). A slot left pointing at a
 * deleted or replaced node would answer with the old flow and fail here.
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
			struct dp_flow *f = flow_at(a, (uint16_t)(BASE + p), mux);
			if (dp_table_replace(t, *slot, f) == 0)
				*slot = f;
			else
				dp_flow_free(f);
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

static void t_keys(void **s)
{
	struct xs_dp_crypto c;
	struct dp_keyset *ks, *ks2;
	struct dp_flow *f;

	memset(&c, 0, sizeof(c));
	c.suite = XS_SUITE_AES_CM_128_HMAC_SHA1_80;
	c.key_len = 16;
	c.salt_len = 14;
	memset(c.master_key, 7, 16);
	assert_int_equal(dp_keyset_new(&c, 1, NULL, 0, &ks), 0);
	assert_non_null(ks->keys);
	f = flow(2000, false);
	f->ks[0] = ks;
	f->st.gen[0] = 1;
	xs_srtp_stream_set_roc(&f->st.stream[0], 0x1234, 5, 100);
	/* A new key generation keeps the stream state... */
	assert_int_equal(dp_keyset_new(&c, 2, ks, 1, &ks2), 0);
	assert_int_equal(ks2->cmd, DP_STREAM_KEEP);
	dp_flow_sync_keys(f, 0, ks2);
	assert_int_equal(xs_srtp_stream_roc(&f->st.stream[0]), 5);
	assert_int_equal(f->st.gen[0], 2);
	dp_keyset_free(ks2);
	/* ...unless asked to reset it. */
	c.kflags = XS_DP_KEYS_F_SET_ROC;
	c.roc = 9;
	c.ssrc = 0x1234;
	assert_int_equal(dp_keyset_new(&c, 3, ks, 2, &ks2), 0);
	dp_flow_sync_keys(f, 0, ks2);
	assert_int_equal(xs_srtp_stream_roc(&f->st.stream[0]), 9);
	/* A command not applied yet is carried by the next keyset. */
	c.kflags = 0;
	{
		struct dp_keyset *ks3;
		assert_int_equal(dp_keyset_new(&c, 4, ks2, 2 /* owner still at 2 */, &ks3), 0);
		assert_int_equal(ks3->cmd, DP_STREAM_SET_ROC);
		assert_int_equal(ks3->roc, 9);
		dp_keyset_free(ks3);
	}
	dp_keyset_free(ks2);
	/* Bad policy: refused by the engine. */
	c.key_len = 15;
	assert_int_equal(dp_keyset_new(&c, 5, NULL, 0, &ks2), -EINVAL);
	/* Plain. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(dp_keyset_new(&c, 1, NULL, 0, &ks2), 0);
	assert_null(ks2->keys);
	dp_keyset_free(ks2);
	dp_flow_free(f);
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
			assert_int_equal(dp_table_replace(race_t, fl[i], n), 0);
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
		cmocka_unit_test(t_race),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
