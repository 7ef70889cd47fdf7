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
 *  2. ONE writer: the control thread. Only it calls dp_table_add/del,
 *     dp_flow_set_cfg and dp_flow_set_keys (cds_lfht_add_unique, cds_lfht_del,
 *     rcu_assign_pointer). It is a registered reader too, online while it works
 *     on the table, offline while it waits for messages.
 *  3. Nothing reachable from the table is freed or modified in place by the writer
 *     after it is published: a flow's configuration (struct dp_flow_cfg) and each
 *     direction's keys (struct dp_keyset) are immutable objects behind RCU pointers,
 *     replaced by pointer swap. The old object (or a deleted flow) is freed through
 *     call_rcu, after every reader has passed a quiescent state.
 *  4. A flow's mutable state (struct dp_flow_state: SRTP stream state, latched
 *     peers, counters) is written only by the lcore that owns the flow: the first
 *     worker that receives a packet for it claims it (dp_flow_claim); packets for
 *     it arriving on another lcore are handed to the owner. The writer touches it
 *     only before the flow is published. Others read it (dp_flow_read: counters
 *     racily, the streams consistently, rule 6) and never write it.
 *  5. Key replacement keeps the stream state (ROC, highest sequence number, replay
 *     windows). Whatever else a request does to the owner's state (reset or join
 *     a stream, raise it to marks, forget the latched sources, zero the counters:
 *     FLOW_REPLACE and KEYS_SET) travels as commands in the direction's new keyset,
 *     which carries a generation number: the owner applies them when it first sees
 *     the new generation, before the packet that made it look (dp_flow_sync_keys).
 *     A command and the keys it belongs to are one object, so no packet is ever
 *     protected under a state that does not go with its keys. FLOW_ADD applies
 *     its keysets' commands and its marks before the flow is published
 *     (dp_flow_new, dp_flow_raise).
 *  6. The owner changes the streams only between dp_flow_write_begin and
 *     dp_flow_write_end (a sequence count, odd in between); dp_flow_read copies a
 *     consistent state for FLOW_INFO, retrying while the count is odd or moved.
 *     A torn copy could catch an SSRC switch half done (say the old SSRC's index
 *     moved out of the stream's current state but not yet parked): marks that
 *     low, persisted and restored after a restart, would let the send stream
 *     reuse those indices. The count costs two stores per flow per burst.
 *  7. A send stream is never reset or lowered under the keys its state was made
 *     under, and starts fresh under keys it has never had. The state remembers
 *     a fingerprint of its keys (kid): the owner starts the output stream afresh
 *     exactly when a keyset brings other keys (whatever the request's flags say)
 *     and keeps it for the same keys or plain ones (K1 -> plain -> K1 goes on
 *     with K1's indices). Keys the output had before others (K1 -> K2 -> K1)
 *     would start afresh under a key that has used those indices: the writer
 *     refuses them (dp_flow_out_keys_check, from the last DP_OUT_KIDS keys of
 *     the flow's output). Marks only raise (they are floors), so marks applied
 *     late, or twice, are harmless; they belong to their keys and are not
 *     carried over to a keyset with others.
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
#include <string.h>

#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include <xsrelay/dp_proto.h>

#include "dp_counters.h"
#include "xs_srtp.h"

#define DP_NODE_RTP 0
#define DP_NODE_RTCP 1

/*
 * One direction's keys: immutable once published. keys == NULL: plain RTP.
 *
 * Its commands (rule 5) are each tagged with the generation of the keyset that
 * first asked for them (0: none). A new keyset takes its predecessor's over,
 * unless it brings its own of that kind (a stream reset drops older marks), so
 * the owner, which may skip generations, applies each exactly once: when its
 * tag is above the generation it applied last. Marks, the one bulky command,
 * are allocated only in a keyset that carries them, and taken over only while
 * the owner may not have applied them yet.
 */
struct dp_keyset {
	struct xs_srtp_keys *keys;
	uint64_t kid;          /* fingerprint of the master key and salt; 0: plain */
	uint32_t gen;          /* changes on every new keyset for this direction */
	uint8_t suite;         /* enum xs_srtp_suite */
	uint8_t set_roc;       /* the reset joins at ssrc/roc/seq */
	uint16_t window;
	uint32_t reset_gen;    /* reinitialise the stream (output: join at set_roc, only
	                          under other keys, rule 7) */
	uint32_t marks_gen;    /* then raise it to marks[0] */
	uint32_t latch_gen;    /* input: forget the latched sources */
	uint32_t zero_gen;     /* input: zero the flow's counters and last_rx */
	uint32_t ssrc;         /* set_roc */
	uint32_t roc;
	uint16_t seq;
	struct rcu_head rcu;
	struct xs_srtp_marks marks[];  /* one when marks_gen, else none */
};

/* What a request asks of a direction besides new keys and c->kflags. */
#define DP_KS_RESET (1u << 0)  /* input: reset the stream (the output's: rule 7) */
#define DP_KS_LATCH (1u << 1)  /* input: forget the latched sources */
#define DP_KS_ZERO  (1u << 2)  /* input: zero the counters */
struct dp_ks_cmd {
	unsigned flags;                    /* DP_KS_* */
	const struct xs_srtp_marks *marks; /* raise the stream to these; NULL: none */
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
	uint32_t seq;                     /* odd while the streams change (rule 6) */
	uint32_t pad;
	uint64_t kid[2];                  /* keys each stream's state was made under */
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

/* Output keys a flow remembers (rule 7); older ones are forgotten. */
#define DP_OUT_KIDS 8

struct dp_flow {
	struct dp_flow_node node[2];
	struct dp_flow_cfg *cfg;          /* RCU pointer */
	struct dp_keyset *ks[2];          /* RCU pointers; NULL: no keys yet */
	uint32_t owner;                   /* 0: unclaimed, else lcore id + 1 */
	uint64_t out_kids[DP_OUT_KIDS];   /* writer only: fingerprints of the output's
	                                     keys, current first; 0: none */
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
/* Swap the configuration: RTCP node added or removed when the mux flag changes.
 * 0 or -EADDRINUSE (nothing changed). The old cfg is freed after a grace period. */
int dp_flow_set_cfg(struct dp_table *t, struct dp_flow *f, struct dp_flow_cfg *cfg);
/* Swap one direction's keys; the old ones are freed after a grace period.
 * Output keys become the flow's current ones (rule 7; plain keys do not). */
void dp_flow_set_keys(struct dp_flow *f, unsigned dir, struct dp_keyset *ks);
/* Writer: may output keyset ks be set on f (rule 7)? 0 for new keys, the
 * current ones and plain ones; -EINVAL for keys the output had before others
 * (among the last DP_OUT_KIDS). */
int dp_flow_out_keys_check(const struct dp_flow *f, const struct dp_keyset *ks);

/* Writer: visit every flow once (RTP nodes). Stops when fn returns non-zero. */
int dp_table_foreach(struct dp_table *t, int (*fn)(struct dp_flow *f, void *arg), void *arg);

/* Objects. dp_flow_new: a zeroed flow with cfg and keysets (either may be
 * NULL), their commands applied to the streams (FLOW_ADD's marks); not in the
 * table. */
struct dp_flow *dp_flow_new(struct dp_flow_cfg *cfg, struct dp_keyset *in, struct dp_keyset *out);
void dp_flow_free(struct dp_flow *f);  /* immediately: never-published flows */
struct dp_flow_cfg *dp_flow_cfg_new(const struct xs_dp_flow *wire);
/* A copy of a published cfg (to change and publish in its place), NULL on failure. */
struct dp_flow_cfg *dp_flow_cfg_dup(const struct dp_flow_cfg *c);
void dp_flow_cfg_free(struct dp_flow_cfg *c);
/* A keyset from the wire for direction dir: 0 or -errno (-EINVAL when the
 * engine refuses the policy). gen: the new generation. Commands: c->kflags
 * and cmd (NULL: none). prev: the keyset it replaces (NULL: none), whose
 * commands it takes over (struct dp_keyset); applied: the generation the
 * owner has applied, as last read (a lower bound). */
int dp_keyset_new(const struct xs_dp_crypto *c, unsigned dir, uint32_t gen,
		  const struct dp_ks_cmd *cmd, const struct dp_keyset *prev, uint32_t applied,
		  struct dp_keyset **out);
void dp_keyset_free(struct dp_keyset *ks);

/* Apply the commands of ks that st has not applied yet (rule 5), then take
 * its generation. The owner on its state (through dp_flow_sync_keys); a
 * reader on a copy, to report what the owner is about to do. */
void dp_flow_apply(struct dp_flow_state *st, unsigned dir, const struct dp_keyset *ks);
/* Raise direction dir's stream to marks (floors; FLOW_ADD's marks, by the
 * writer before the flow is published, and dp_flow_apply's). */
void dp_flow_raise(struct dp_flow_state *st, unsigned dir, const struct xs_srtp_marks *m);
/* Reader: a consistent copy of f's state (rule 6). */
void dp_flow_read(const struct dp_flow *f, struct dp_flow_state *out);

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

static inline bool dp_addr_ip_eq(const struct xs_dp_addr *a, uint8_t family, const uint8_t *ip)
{
	return a->family == family && !memcmp(a->addr, ip, family == XS_DP_AF_INET ? 4 : 16);
}

/* The source a latching flow is latched to on node (DP_NODE_*), or NULL. Under
 * LATCH_IP a latch from another address than the configured one (made under an
 * earlier configuration of a flow that moved) does not count. */
static inline const struct xs_dp_addr *dp_flow_latched(const struct dp_flow_cfg *cfg,
							const struct dp_flow_state *st,
							unsigned node)
{
	const struct xs_dp_addr *l = &st->latched[node];

	if (!l->family || cfg->wire.src_policy == XS_DP_SRC_FIXED)
		return NULL;
	if (cfg->wire.src_policy == XS_DP_SRC_LATCH_IP &&
	    !dp_addr_ip_eq(&cfg->wire.peer, l->family, l->addr))
		return NULL;
	return l;
}

/* Owner lcore: around every change to the streams (rule 6). */
static inline void dp_flow_write_begin(struct dp_flow *f)
{
	__atomic_store_n(&f->st.seq, f->st.seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void dp_flow_write_end(struct dp_flow *f)
{
	__atomic_store_n(&f->st.seq, f->st.seq + 1, __ATOMIC_RELEASE);
}

/* Owner lcore: apply a newer keyset's commands. */
static inline void dp_flow_sync_keys(struct dp_flow *f, unsigned dir, const struct dp_keyset *ks)
{
	if (ks->gen == f->st.gen[dir])
		return;
	dp_flow_write_begin(f);
	dp_flow_apply(&f->st, dir, ks);
	dp_flow_write_end(f);
}

#endif
