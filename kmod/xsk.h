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
 *    behind an RCU pointer; FLOW_REPLACE swaps it, or with F_RESET publishes
 *    a new flow (fresh state and counters) in the old one's place.
 *  - struct xsk_keyset: one direction's keys and crypto handles, immutable once
 *    published behind an RCU pointer; KEYS_SET swaps it. Freed from a
 *    workqueue after a grace period (crypto handles are freed in process
 *    context).
 *  - Mutable per-flow state (SRTP streams, latched peers, counters) is under
 *    the flow's spinlock, taken by the packet path only.
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

struct xsk_keyset {
	struct xsk_keys keys;		/* packet-path view; handles below */
	struct crypto_sync_skcipher *ctr[2];	/* RTP, RTCP */
	struct crypto_shash *mac[2];
	u32 gen;
	u8 suite;
	u8 cmd;				/* enum xsk_stream_cmd, applied once */
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
	spinlock_t lock;		/* everything below */
	struct xsk_stream stream[2];
	u32 gen[2];			/* keyset generation applied */
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

/* xsk_crypto.c */
int xsk_keyset_new(const struct xs_dp_crypto *c, u32 gen, const struct xsk_keyset *prev,
		   u32 applied_gen, struct xsk_keyset **out);
void xsk_keyset_free(struct xsk_keyset *ks);
void xsk_keyset_free_rcu(struct xsk_keyset *ks);

/* xsk_table.c */
u32 xsk_key_hash(const struct xs_dp_addr *k);
struct xsk_flow *xsk_table_lookup(struct xsk_net *xn, const struct xs_dp_addr *k,
				  unsigned int *idx);
struct xsk_flow *xsk_flow_new(const struct xs_dp_flow *wire, struct xsk_keyset *in,
			      struct xsk_keyset *out);
struct xsk_cfg *xsk_cfg_new(const struct xs_dp_flow *wire);
int xsk_flow_set_cfg(struct xsk_net *xn, struct xsk_flow *f, struct xsk_cfg *cfg);
struct xsk_flow *xsk_node_flow(struct xsk_node *n);
void xsk_flow_free(struct xsk_flow *f);
int xsk_table_add(struct xsk_net *xn, struct xsk_flow *f);
void xsk_table_del(struct xsk_net *xn, struct xsk_flow *f);
int xsk_table_replace(struct xsk_net *xn, struct xsk_flow *old, struct xsk_flow *nf);
void xsk_table_flush(struct xsk_net *xn);
bool xsk_is_relay_addr(struct xsk_net *xn, u8 family, const void *addr);
void xsk_flow_set_keys(struct xsk_flow *f, unsigned int dir, struct xsk_keyset *ks);
void xsk_flow_sync_keys(struct xsk_flow *f, unsigned int dir, const struct xsk_keyset *ks);

/* xsk_hook.c */
int xsk_hooks_register(struct net *net);
void xsk_hooks_unregister(struct net *net);

/* xsk_ctl.c */
int xsk_ctl_init(void);
void xsk_ctl_exit(void);

#endif /* XSK_H */
