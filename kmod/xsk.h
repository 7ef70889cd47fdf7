/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xsrelay.ko internals.
 *
 * Objects and their rules (the userspace data plane's, dataplane/dp_flow.h,
 * with kernel RCU instead of liburcu):
 *
 *  - struct xsk_net: per network namespace: the session table (a hash of
 *    flow nodes keyed by local address and port), the mutex that serialises
 *    every update, global counters (per CPU) and the netfilter hooks.
 *  - struct xsk_flow: one relay session. It sits in the table once for RTP
 *    (local.port) and, unless RTCP is multiplexed, once more for RTCP
 *    (local.port + 1). Its configuration (struct xsk_cfg) is immutable
 *    behind an RCU pointer; FLOW_REPLACE swaps it.
 *  - struct xsk_keyset: one direction's keys and crypto handles, immutable once
 *    published behind an RCU pointer; KEYS_SET and FLOW_REPLACE swap it. Freed
 *    from a workqueue after a grace period (crypto handles are freed in
 *    process context).
 *  - Mutable per-flow state (SRTP streams, latched peers, counters) and the
 *    configuration and key set pointers are under the flow's spinlock. The
 *    packet path reads the configuration and the key sets with the lock held,
 *    and the control device publishes a configuration, a key set, its stream
 *    command (reset, SET_ROC), F_RESET, F_REBIND and marks in one section of
 *    that lock (xsk_flow_update): no packet is ever protected with new keys
 *    and old state or the other way round, never judged by a configuration
 *    with the state of another, and marks given in FLOW_REPLACE are in place
 *    before the next packet.
 *  - A send stream is never reset or lowered under the keys its state was
 *    made under, and starts fresh under keys it has never had: the flow keeps
 *    fingerprints of its output's last XSK_OUT_KIDS keys (the current first);
 *    keys it had before others (K1 -> K2 -> K1) are refused, plain keys leave
 *    the send stream and its key alone (K1 -> plain -> K1 goes on).
 *
 * Readers (the netfilter hook, softirq) hold rcu_read_lock; writers (the
 * control device) hold xsk_net.lock and never block readers.
 */
#ifndef XSK_H
#define XSK_H

#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "xsk_srtp.h"

#define XSK_NODE_RTP	0
#define XSK_NODE_RTCP	1
#define XSK_HASH_BITS	12

enum xsk_stream_cmd { XSK_STREAM_KEEP = 0, XSK_STREAM_RESET = 1, XSK_STREAM_SET_ROC = 2 };

/* Output key fingerprints a flow remembers; older ones are forgotten. */
#define XSK_OUT_KIDS	8

struct xsk_keyset {
	struct xsk_keys keys;		/* packet-path view; handles below */
	struct crypto_sync_skcipher *ctr[2];	/* RTP, RTCP */
	struct crypto_shash *mac[2];
	u64 kid;			/* fingerprint of the master key and salt; 0: plain */
	u8 suite;
	u8 cmd;				/* enum xsk_stream_cmd, applied on publication */
	u16 window;
	u32 ssrc;
	u32 roc;
	u16 seq;
	struct rcu_work rwork;
};

struct xsk_node {
	struct hlist_node hn;
	struct xs_dp_addr key;
	u8 idx;				/* XSK_NODE_RTP or XSK_NODE_RTCP */
	u8 in_table;
};

/* A flow's configuration: immutable once published. */
struct xsk_cfg {
	struct xs_dp_flow wire;		/* as the daemon sent it, key bits cleared */
	struct rcu_head rcu;
};

struct xsk_flow {
	struct xsk_node node[2];
	struct xsk_cfg __rcu *cfg;
	struct xsk_keyset __rcu *ks[2];	/* XS_DP_DIR_IN, XS_DP_DIR_OUT */
	spinlock_t lock;		/* cfg and ks[] updates, and everything below */
	struct xsk_stream stream[2];
	u64 out_kids[XSK_OUT_KIDS];	/* the output's keys, current first (the
					   send stream's state is theirs); 0: none */
	struct xs_dp_addr latched[2];	/* RTP, RTCP source */
	u64 last_rx_ns;
	u64 cnt[XSK_FCNT_COUNT];
	struct rcu_work rwork;
};

struct xsk_gstats {
	u64 c[XSK_GCNT_COUNT];
};

struct xsk_net {
	struct net *net;
	struct mutex lock;		/* writers */
	DECLARE_HASHTABLE(table, XSK_HASH_BITS);
	DECLARE_HASHTABLE(laddrs, 6);	/* relay addresses (xsk_table.c) */
	u64 nflows;
	u64 start_ns;
	struct xsk_gstats __percpu *gstats;
};

extern unsigned int xsk_net_id;
extern struct workqueue_struct *xsk_wq;
extern const struct xsk_crypto_ops xsk_kernel_crypto;

static inline struct xsk_net *xsk_net(const struct net *net)
{
	return net_generic(net, xsk_net_id);
}

static inline void xsk_gcount(struct xsk_net *xn, unsigned int c, u64 v)
{
	this_cpu_add(xn->gstats->c[c], v);
}

/*
 * A change to a live flow, applied at once by xsk_flow_update(). On success
 * the flow owns ks[] and cfg; on an error nothing changed and they are still
 * the caller's.
 */
struct xsk_update {
	bool set[2];			/* replace direction d's keys by ks[d] (NULL: none) */
	struct xsk_keyset *ks[2];
	const struct xs_dp_marks *marks[2];	/* floors to apply, or NULL */
	struct xsk_cfg *cfg;		/* new configuration, or NULL */
	bool reset;			/* F_RESET or another cookie: fresh counters,
					   latch, receive state */
	bool rebind;			/* F_REBIND: forget the latch */
};

/* xsk_crypto.c */
int xsk_keyset_new(const struct xs_dp_crypto *c, struct xsk_keyset **out);
void xsk_keyset_free(struct xsk_keyset *ks);
void xsk_keyset_free_rcu(struct xsk_keyset *ks);

/* xsk_table.c */
u32 xsk_key_hash(const struct xs_dp_addr *k);
struct xsk_flow *xsk_table_lookup(struct xsk_net *xn, const struct xs_dp_addr *k,
				  unsigned int *idx);
struct xsk_flow *xsk_flow_new(const struct xs_dp_flow *wire, struct xsk_keyset *in,
			      struct xsk_keyset *out);
void xsk_flow_restore(struct xsk_flow *f, const struct xs_dp_marks *m[2]);
struct xsk_cfg *xsk_cfg_new(const struct xs_dp_flow *wire);
struct xsk_flow *xsk_node_flow(struct xsk_node *n);
void xsk_flow_free(struct xsk_flow *f);
int xsk_table_add(struct xsk_net *xn, struct xsk_flow *f);
void xsk_table_del(struct xsk_net *xn, struct xsk_flow *f);
void xsk_table_flush(struct xsk_net *xn);
bool xsk_is_relay_addr(struct xsk_net *xn, u8 family, const void *addr);
int xsk_flow_update(struct xsk_net *xn, struct xsk_flow *f, const struct xsk_update *u,
		    const char **why);

/* xsk_hook.c */
int xsk_hooks_register(struct net *net);
void xsk_hooks_unregister(struct net *net);

/* xsk_ctl.c */
int xsk_ctl_init(void);
void xsk_ctl_exit(void);

#endif /* XSK_H */
