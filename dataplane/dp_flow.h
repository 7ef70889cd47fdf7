/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flows and the session table: a liburcu lock-free hash table (cds_lfht) read
 * under the urcu-qsbr flavour.
 *
 * Rules. Every thread that touches the table follows them:
 *
 *  1. Readers (worker lcores, the telemetry thread) call urcu_qsbr_register_thread()
 *     once, look flows up only while online, and call urcu_qsbr_quiescent_state()
 *     once per poll loop, between bursts, when they hold no flow pointer. A reader
 *     about to block (sleep, wait on a socket) goes offline first
 *     (urcu_qsbr_thread_offline) and online after (urcu_qsbr_thread_online).
 *  2. ONE writer: the control thread. Only it calls dp_table_add/del/replace,
 *     dp_flow_set_cfg and dp_flow_set_keys (cds_lfht_add_unique, cds_lfht_del,
 *     cds_lfht_replace, rcu_assign_pointer). It is a registered reader too, online
 *     while it works on the table, offline while it waits for messages.
 *  3. Nothing reachable from the table is freed or modified in place by the writer
 *     after it is published: a flow's configuration (struct dp_flow_cfg) and each
 *     direction's keys (struct dp_keyset) are immutable objects behind RCU pointers,
 *     replaced by pointer swap. The old object (or a deleted flow) is freed through
 *     call_rcu, after every reader has passed a quiescent state.
 *  4. A flow's mutable state (struct dp_flow_state: SRTP stream state, latched
 *     peers, counters) is written only by the lcore that owns the flow: the first
 *     worker that receives a packet for it claims it (dp_flow_claim); packets for
 *     it arriving on another lcore are handed to the owner. The writer touches it
 *     only before the flow is published. Others read it racily (counters, for
 *     statistics) and never write it.
 *  5. Key replacement keeps the stream state (ROC, highest sequence number, replay
 *     windows): the new keyset carries a generation number and an optional stream
 *     command (reset, set ROC) that the owner applies when it first sees the new
 *     generation.
 *
 * Key: the relay's local address and port, struct xs_dp_addr with pad zero.
 * A flow sits in the table once for RTP (local.port) and, unless RTCP is
 * multiplexed, once more for RTCP (local.port + 1).
 */
#ifndef DP_FLOW_H
#define DP_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include <xsrelay/dp_proto.h>

#include "dp_counters.h"
#include "xs_srtp.h"

#define DP_NODE_RTP 0
#define DP_NODE_RTCP 1

enum dp_stream_cmd { DP_STREAM_KEEP = 0, DP_STREAM_RESET = 1, DP_STREAM_SET_ROC = 2 };

/* One direction's keys: immutable once published. keys == NULL: plain RTP. */
struct dp_keyset {
	struct xs_srtp_keys *keys;
	uint32_t gen;          /* changes on every KEYS_SET for this direction */
	uint8_t suite;         /* enum xs_srtp_suite */
	uint8_t cmd;           /* enum dp_stream_cmd, applied once by the owner */
	uint16_t window;
	uint32_t ssrc;         /* DP_STREAM_SET_ROC */
	uint32_t roc;
	uint16_t seq;
	struct rcu_head rcu;
};

/* A flow's configuration: immutable once published. */
struct dp_flow_cfg {
	struct xs_dp_flow wire;  /* as the daemon sent it (flags without key bits) */
	/* Resolved by the control layer for the hot path: */
	uint16_t tx_port;        /* DPDK port that owns out_src */
	uint16_t vlan;           /* VLAN id to tag with on tx_port, 0: none */
	uint8_t nexthop[16];     /* out_dst, or the gateway when off-link */
	uint8_t static_mac[6];   /* next hop's MAC when configured statically */
	uint8_t has_static_mac;
	uint8_t pad;
	struct rcu_head rcu;
};

/* Mutable state, written only by the owning lcore. */
struct dp_flow_state {
	struct xs_srtp_stream stream[2];  /* XS_DP_DIR_IN, XS_DP_DIR_OUT */
	uint32_t gen[2];                  /* keyset generation applied */
	struct xs_dp_addr latched[2];     /* DP_NODE_RTP, DP_NODE_RTCP source; family 0: none */
	uint64_t last_rx_tsc;
	uint64_t cnt[DP_FCNT_COUNT];
};

struct dp_flow_node {
	struct cds_lfht_node lfn;
	struct xs_dp_addr key;
	uint8_t idx;                      /* DP_NODE_RTP or DP_NODE_RTCP */
	uint8_t in_table;
};

struct dp_flow {
	struct dp_flow_node node[2];
	struct dp_flow_cfg *cfg;          /* RCU pointer */
	struct dp_keyset *ks[2];          /* RCU pointers; NULL: no keys yet */
	uint32_t owner;                   /* 0: unclaimed, else lcore id + 1 */
	struct rcu_head rcu;
	struct dp_flow_state st __attribute__((aligned(64)));
} __attribute__((aligned(64)));

struct dp_table;

/*
 * Where flows, their configurations and keysets live: the C heap by default;
 * xsrelay-dp switches to hugepage-backed rte_malloc when EAL has hugepages
 * (dp_app_init), so the per-flow state the workers touch sits on 2 MB pages
 * (fewer TLB misses at 10^5-10^6 flows). Set once, before the first flow, and
 * never changed while any flow exists (objects are freed with the ops that made
 * them). NULL restores the C heap. The engine's expanded keys (xs_srtp_keys)
 * follow the same setting (xs_srtp_mem_set); the hash table's buckets are
 * allocated by liburcu.
 */
struct dp_mem_ops {
	void *(*alloc)(size_t size, size_t align);   /* zeroed; NULL on failure */
	void (*free)(void *p);
};
void dp_flow_mem_set(const struct dp_mem_ops *ops);
bool dp_flow_mem_is_default(void);

/* Table. size_hint: flows expected (buckets are sized for it; the table grows
 * past it by itself). NULL on failure. */
struct dp_table *dp_table_create(unsigned long size_hint);
/* Frees every flow at once: only when no reader runs any more. */
void dp_table_destroy(struct dp_table *t);
uint64_t dp_table_count(const struct dp_table *t);

uint64_t dp_key_hash(const struct xs_dp_addr *k);

/* Reader: prefetch what dp_table_lookup(t, k) will read first (the port index
 * slot, see dp_flow.c), for a burst's packets before their lookups. */
void dp_table_prefetch(const struct dp_table *t, const struct xs_dp_addr *k);
/* Reader: the flow owning this local address/port, or NULL; *idx tells RTP or
 * RTCP node. Valid until the caller's next quiescent state. */
struct dp_flow *dp_table_lookup(struct dp_table *t, const struct xs_dp_addr *k, unsigned *idx);
struct dp_flow *dp_table_lookup_hashed(struct dp_table *t, const struct xs_dp_addr *k,
				       uint64_t hash, unsigned *idx);

/* Writer only. 0 or -errno: -EEXIST (RTP port taken), -EADDRINUSE (RTCP port taken). */
int dp_table_add(struct dp_table *t, struct dp_flow *f);
/* Unlink and free after a grace period. */
void dp_table_del(struct dp_table *t, struct dp_flow *f);
/* Put nf in old's place (same local key), free old after a grace period. */
int dp_table_replace(struct dp_table *t, struct dp_flow *old, struct dp_flow *nf);
/* Swap the configuration: RTCP node added or removed when the mux flag changes.
 * 0 or -EADDRINUSE (nothing changed). The old cfg is freed after a grace period. */
int dp_flow_set_cfg(struct dp_table *t, struct dp_flow *f, struct dp_flow_cfg *cfg);
/* Swap one direction's keys; the old ones are freed after a grace period. */
void dp_flow_set_keys(struct dp_flow *f, unsigned dir, struct dp_keyset *ks);

/* Writer: visit every flow once (RTP nodes). Stops when fn returns non-zero. */
int dp_table_foreach(struct dp_table *t, int (*fn)(struct dp_flow *f, void *arg), void *arg);

/* Objects. dp_flow_new: a zeroed flow with cfg, keysets (either may be NULL)
 * and streams initialised; not in the table. */
struct dp_flow *dp_flow_new(struct dp_flow_cfg *cfg, struct dp_keyset *in, struct dp_keyset *out);
void dp_flow_free(struct dp_flow *f);  /* immediately: never-published flows */
struct dp_flow_cfg *dp_flow_cfg_new(const struct xs_dp_flow *wire);
/* A copy of a published cfg (to change and publish in its place), NULL on failure. */
struct dp_flow_cfg *dp_flow_cfg_dup(const struct dp_flow_cfg *c);
void dp_flow_cfg_free(struct dp_flow_cfg *c);
/* A keyset from the wire: 0 or -errno (-EINVAL when the engine refuses the
 * policy). gen: the new generation. prev: the keyset it replaces, or NULL;
 * when its command may not have been applied yet and c asks for none, the new
 * keyset carries it on. */
int dp_keyset_new(const struct xs_dp_crypto *c, uint32_t gen, const struct dp_keyset *prev,
		  uint32_t applied_gen, struct dp_keyset **out);
void dp_keyset_free(struct dp_keyset *ks);

/* Owner lcore: claim the flow (lcore id + 1). Returns the owner after the call. */
static inline uint32_t dp_flow_claim(struct dp_flow *f, uint32_t me)
{
	uint32_t cur = __atomic_load_n(&f->owner, __ATOMIC_RELAXED);

	if (cur)
		return cur;
	__atomic_compare_exchange_n(&f->owner, &cur, me, false, __ATOMIC_ACQ_REL,
				    __ATOMIC_ACQUIRE);
	return cur ? cur : me;
}

/* Owner lcore: apply a newer keyset's stream command. */
static inline void dp_flow_sync_keys(struct dp_flow *f, unsigned dir, const struct dp_keyset *ks)
{
	struct xs_srtp_stream *s = &f->st.stream[dir];

	if (ks->gen == f->st.gen[dir])
		return;
	if (ks->cmd == DP_STREAM_RESET) {
		xs_srtp_stream_init(s, ks->window);
	} else if (ks->cmd == DP_STREAM_SET_ROC) {
		xs_srtp_stream_init(s, ks->window);
		xs_srtp_stream_set_roc(s, ks->ssrc, ks->roc, ks->seq);
	}
	__atomic_store_n(&f->st.gen[dir], ks->gen, __ATOMIC_RELEASE);
}

#endif
