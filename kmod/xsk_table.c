// SPDX-License-Identifier: GPL-2.0
/*
 * The session table: a hash of flow nodes keyed by local address and port.
 * Readers: the netfilter hook under rcu_read_lock. Writers: the control
 * device under xsk_net.lock. Unlinked objects are freed after a grace period
 * from xsk_wq (their crypto handles want process context).
 */
#include <linux/jhash.h>
#include <linux/slab.h>

#include "xsk.h"

u32 xsk_key_hash(const struct xs_dp_addr *k)
{
	return jhash(k, sizeof(*k), 0x58534b31);
}

struct xsk_flow *xsk_node_flow(struct xsk_node *n)
{
	return container_of(n - n->idx, struct xsk_flow, node[0]);
}

/* Under rcu_read_lock or xn->lock. */
struct xsk_flow *xsk_table_lookup(struct xsk_net *xn, const struct xs_dp_addr *k,
				  unsigned int *idx)
{
	struct xsk_node *n;

	hash_for_each_possible_rcu(xn->table, n, hn, xsk_key_hash(k),
				   lockdep_is_held(&xn->lock)) {
		if (!memcmp(&n->key, k, sizeof(*k))) {
			if (idx)
				*idx = n->idx;
			return xsk_node_flow(n);
		}
	}
	return NULL;
}

/*
 * Relay addresses: the flows' local addresses, learned as flows come and go
 * (refcounted, under xn->lock; read under rcu_read_lock by the hook, which
 * counts UDP to a relay address without a flow as drop_unknown_port).
 */
struct xsk_laddr {
	struct hlist_node hn;
	struct xs_dp_addr addr;		/* port 0 */
	u32 refs;
	struct rcu_head rcu;
};

static void laddr_key(struct xs_dp_addr *k, const struct xs_dp_addr *a)
{
	memset(k, 0, sizeof(*k));
	k->family = a->family;
	memcpy(k->addr, a->addr, sizeof(k->addr));
}

static struct xsk_laddr *laddr_find(struct xsk_net *xn, const struct xs_dp_addr *k)
{
	struct xsk_laddr *la;

	hash_for_each_possible_rcu(xn->laddrs, la, hn, xsk_key_hash(k),
				   lockdep_is_held(&xn->lock)) {
		if (!memcmp(&la->addr, k, sizeof(*k)))
			return la;
	}
	return NULL;
}

/* Under rcu_read_lock: is family/addr (4 or 16 bytes) a relay address? */
bool xsk_is_relay_addr(struct xsk_net *xn, u8 family, const void *addr)
{
	struct xs_dp_addr k;

	memset(&k, 0, sizeof(k));
	k.family = family;
	memcpy(k.addr, addr, family == XS_DP_AF_INET ? 4 : 16);
	return laddr_find(xn, &k) != NULL;
}

static int laddr_get(struct xsk_net *xn, const struct xs_dp_addr *a)
{
	struct xsk_laddr *la;
	struct xs_dp_addr k;

	laddr_key(&k, a);
	la = laddr_find(xn, &k);
	if (la) {
		la->refs++;
		return 0;
	}
	la = kzalloc(sizeof(*la), GFP_KERNEL);
	if (!la)
		return -ENOMEM;
	la->addr = k;
	la->refs = 1;
	hash_add_rcu(xn->laddrs, &la->hn, xsk_key_hash(&k));
	return 0;
}

static void laddr_put(struct xsk_net *xn, const struct xs_dp_addr *a)
{
	struct xsk_laddr *la;
	struct xs_dp_addr k;

	laddr_key(&k, a);
	la = laddr_find(xn, &k);
	if (WARN_ON_ONCE(!la) || --la->refs)
		return;
	hash_del_rcu(&la->hn);
	kfree_rcu(la, rcu);
}

struct xsk_cfg *xsk_cfg_new(const struct xs_dp_flow *wire)
{
	struct xsk_cfg *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return NULL;
	c->wire = *wire;
	c->wire.flags &= XS_DP_FLOW_F_RTCP_MUX_IN | XS_DP_FLOW_F_RTCP_MUX_OUT;
	return c;
}

struct xsk_flow *xsk_flow_new(const struct xs_dp_flow *wire, struct xsk_keyset *in,
			      struct xsk_keyset *out)
{
	struct xsk_flow *f = kzalloc(sizeof(*f), GFP_KERNEL);
	struct xsk_keyset *ks[2] = { in, out };
	struct xsk_cfg *cfg;
	int d;

	if (!f)
		return NULL;
	cfg = xsk_cfg_new(wire);
	if (!cfg) {
		kfree(f);
		return NULL;
	}
	RCU_INIT_POINTER(f->cfg, cfg);
	spin_lock_init(&f->lock);
	for (d = 0; d < 2; d++) {
		RCU_INIT_POINTER(f->ks[d], ks[d]);
		xsk_stream_init(&f->stream[d], ks[d] ? ks[d]->window : 0);
		if (ks[d] && ks[d]->cmd == XSK_STREAM_SET_ROC)
			xsk_stream_set_roc(&f->stream[d], ks[d]->ssrc, ks[d]->roc, ks[d]->seq);
		f->gen[d] = ks[d] ? ks[d]->gen : 0;
	}
	if (wire->src_policy == XS_DP_SRC_FIXED)
		f->latched[XSK_NODE_RTP] = wire->peer;
	return f;
}

/* Never-published flows, or after a grace period. */
void xsk_flow_free(struct xsk_flow *f)
{
	int d;

	if (!f)
		return;
	kfree(rcu_dereference_protected(f->cfg, 1));
	for (d = 0; d < 2; d++)
		xsk_keyset_free(rcu_dereference_protected(f->ks[d], 1));
	kfree_sensitive(f);
}

static void flow_free_work(struct work_struct *w)
{
	xsk_flow_free(container_of(to_rcu_work(w), struct xsk_flow, rwork));
}

static void flow_free_rcu(struct xsk_flow *f)
{
	INIT_RCU_WORK(&f->rwork, flow_free_work);
	queue_rcu_work(xsk_wq, &f->rwork);
}

static void node_keys(struct xsk_flow *f, const struct xs_dp_flow *w)
{
	int i;

	for (i = 0; i < 2; i++) {
		memset(&f->node[i].key, 0, sizeof(f->node[i].key));
		f->node[i].key.family = w->local.family;
		memcpy(f->node[i].key.addr, w->local.addr, sizeof(w->local.addr));
		f->node[i].key.port = (u16)(w->local.port + i);
		f->node[i].idx = (u8)i;
	}
}

static bool wants_rtcp_node(const struct xs_dp_flow *w)
{
	return !(w->flags & XS_DP_FLOW_F_RTCP_MUX_IN);
}

static int node_add(struct xsk_net *xn, struct xsk_node *n)
{
	if (xsk_table_lookup(xn, &n->key, NULL))
		return -EEXIST;
	hash_add_rcu(xn->table, &n->hn, xsk_key_hash(&n->key));
	n->in_table = 1;
	return 0;
}

static void node_del(struct xsk_node *n)
{
	if (n->in_table) {
		hash_del_rcu(&n->hn);
		n->in_table = 0;
	}
}

static const struct xs_dp_flow *flow_wire(struct xsk_net *xn, struct xsk_flow *f)
{
	return &rcu_dereference_protected(f->cfg, lockdep_is_held(&xn->lock))->wire;
}

int xsk_table_add(struct xsk_net *xn, struct xsk_flow *f)
{
	const struct xs_dp_flow *w = flow_wire(xn, f);
	bool rtcp = wants_rtcp_node(w);

	node_keys(f, w);
	if (xsk_table_lookup(xn, &f->node[XSK_NODE_RTP].key, NULL))
		return -EEXIST;
	if (rtcp && xsk_table_lookup(xn, &f->node[XSK_NODE_RTCP].key, NULL))
		return -EADDRINUSE;
	if (laddr_get(xn, &w->local))
		return -ENOMEM;
	if (rtcp)
		node_add(xn, &f->node[XSK_NODE_RTCP]);
	node_add(xn, &f->node[XSK_NODE_RTP]);
	xn->nflows++;
	return 0;
}

void xsk_table_del(struct xsk_net *xn, struct xsk_flow *f)
{
	node_del(&f->node[XSK_NODE_RTCP]);
	node_del(&f->node[XSK_NODE_RTP]);
	laddr_put(xn, &flow_wire(xn, f)->local);
	xn->nflows--;
	flow_free_rcu(f);
}

int xsk_table_replace(struct xsk_net *xn, struct xsk_flow *old, struct xsk_flow *nf)
{
	bool want_rtcp = wants_rtcp_node(flow_wire(xn, nf));
	int i;

	node_keys(nf, flow_wire(xn, nf));
	/* the RTCP port first, so a refusal leaves everything as it was */
	if (want_rtcp && !old->node[XSK_NODE_RTCP].in_table &&
	    node_add(xn, &nf->node[XSK_NODE_RTCP]))
		return -EADDRINUSE;
	for (i = 0; i < 2; i++) {
		struct xsk_node *on = &old->node[i], *nn = &nf->node[i];

		if (!on->in_table || (i == XSK_NODE_RTCP && !want_rtcp))
			continue;
		hlist_replace_rcu(&on->hn, &nn->hn);
		on->in_table = 0;
		nn->in_table = 1;
	}
	node_del(&old->node[XSK_NODE_RTCP]);
	flow_free_rcu(old);
	return 0;
}

int xsk_flow_set_cfg(struct xsk_net *xn, struct xsk_flow *f, struct xsk_cfg *cfg)
{
	struct xsk_cfg *old = rcu_dereference_protected(f->cfg, lockdep_is_held(&xn->lock));
	bool want_rtcp = wants_rtcp_node(&cfg->wire);

	if (want_rtcp && !f->node[XSK_NODE_RTCP].in_table &&
	    node_add(xn, &f->node[XSK_NODE_RTCP]))
		return -EADDRINUSE;
	rcu_assign_pointer(f->cfg, cfg);
	if (!want_rtcp)
		node_del(&f->node[XSK_NODE_RTCP]);
	kfree_rcu(old, rcu);
	return 0;
}

void xsk_flow_set_keys(struct xsk_flow *f, unsigned int dir, struct xsk_keyset *ks)
{
	struct xsk_keyset *old = rcu_dereference_protected(f->ks[dir], 1);

	rcu_assign_pointer(f->ks[dir], ks);
	xsk_keyset_free_rcu(old);
}

/* Packet path, under f->lock: apply a newer keyset's stream command. */
void xsk_flow_sync_keys(struct xsk_flow *f, unsigned int dir, const struct xsk_keyset *ks)
{
	struct xsk_stream *s = &f->stream[dir];

	if (ks->gen == f->gen[dir])
		return;
	if (ks->cmd == XSK_STREAM_RESET) {
		xsk_stream_init(s, ks->window);
	} else if (ks->cmd == XSK_STREAM_SET_ROC) {
		xsk_stream_init(s, ks->window);
		xsk_stream_set_roc(s, ks->ssrc, ks->roc, ks->seq);
	}
	WRITE_ONCE(f->gen[dir], ks->gen);
}

/* Under xn->lock: unlink every flow (each takes both its nodes along). */
void xsk_table_flush(struct xsk_net *xn)
{
	struct xsk_node *n;
	int bkt;

	for (bkt = 0; bkt < HASH_SIZE(xn->table); bkt++) {
		while (!hlist_empty(&xn->table[bkt])) {
			n = hlist_entry(xn->table[bkt].first, struct xsk_node, hn);
			xsk_table_del(xn, xsk_node_flow(n));
		}
	}
}
