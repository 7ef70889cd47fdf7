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
	/* what the packet path reads; the rest acts once, at programming time */
	c->wire.flags &= XS_DP_FLOW_F_RTCP_MUX_IN | XS_DP_FLOW_F_RTCP_MUX_OUT |
			 XS_DP_FLOW_F_RELATCH;
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
		if (!ks[d])
			continue;
		if (ks[d]->cmd == XSK_STREAM_SET_ROC)
			xsk_stream_set_roc(&f->stream[d], ks[d]->ssrc, ks[d]->roc, ks[d]->seq);
	}
	if (out)
		f->out_kids[0] = out->kid;
	return f;
}

/*
 * Raise a stream to marks (floors, never lower), send and receive alike, one
 * SSRC at a time: on a live stream that already remembers other SSRCs, all of
 * them may not fit; those that do not are then refused by the full stream
 * when they come (XSK_E_SSRC_LIMIT), which is as safe as knowing their marks.
 * The codec checked the marks, so nothing here can fail.
 */
static void stream_raise(struct xsk_stream *s, const struct xs_dp_marks *m, bool send)
{
	struct xs_dp_marks one = { .rtcp_index = m->rtcp_index, .count = 1 };
	unsigned int i;

	if (m->count <= 1) {
		xsk_stream_restore(s, m, send);
		return;
	}
	for (i = 0; i < m->count; i++) {
		one.ssrc[0] = m->ssrc[i];
		xsk_stream_restore(s, &one, send);
	}
}

/* FLOW_ADD's marks (NULL: none), on a flow not published yet. */
void xsk_flow_restore(struct xsk_flow *f, const struct xs_dp_marks *m[2])
{
	int d;

	for (d = 0; d < 2; d++)
		if (m[d])
			stream_raise(&f->stream[d], m[d], d == XS_DP_DIR_OUT);
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

static int flow_set_cfg(struct xsk_net *xn, struct xsk_flow *f, struct xsk_cfg *cfg)
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

/* Output keys ks were the flow's before others (K1 -> K2 -> K1): a fresh
 * send stream under them would take indices they have used. */
static bool out_keys_used(const struct xsk_flow *f, const struct xsk_keyset *ks)
{
	unsigned int i;

	if (!ks || !ks->kid)
		return false;
	for (i = 1; i < XSK_OUT_KIDS; i++)
		if (f->out_kids[i] == ks->kid)
			return true;
	return false;
}

/* The output's keys are now ks's: the newest first; plain ones left out (the
 * send stream keeps its keys' state under them). */
static void out_kid_note(struct xsk_flow *f, const struct xsk_keyset *ks)
{
	if (!ks || !ks->kid || f->out_kids[0] == ks->kid)
		return;
	memmove(&f->out_kids[1], &f->out_kids[0], sizeof(f->out_kids) - sizeof(f->out_kids[0]));
	f->out_kids[0] = ks->kid;
}

/*
 * Direction d's stream under update u. A receive stream does what it is told:
 * F_RESET (or another cookie), RESET_STREAM and SET_ROC start it again; new
 * keys alone, F_REBIND and F_MARKS keep it (its per-SSRC memory takes a new
 * SSRC, and its ROC survives the party's move). A send stream starts again
 * exactly under keys other than those its state was made under (whatever the
 * request's flags: indices under new keys are all unused, and a receiver with
 * a fresh context for them expects ROC 0), joining at SET_ROC's point when the
 * keys ask; same or plain keys keep it. Then the marks, as floors.
 */
static void stream_update(struct xsk_flow *f, unsigned int d, const struct xsk_update *u)
{
	const struct xsk_keyset *ks = u->set[d] ? u->ks[d] : NULL;
	const u8 cmd = ks ? ks->cmd : XSK_STREAM_KEEP;
	struct xsk_stream *s = &f->stream[d];
	bool restart;

	if (d == XS_DP_DIR_OUT) {
		restart = ks && ks->kid && ks->kid != f->out_kids[0];
		out_kid_note(f, ks);
	} else {
		restart = u->reset || cmd != XSK_STREAM_KEEP;
	}
	if (restart) {
		xsk_stream_init(s, ks ? ks->window : s->window);
		if (cmd == XSK_STREAM_SET_ROC)
			xsk_stream_set_roc(s, ks->ssrc, ks->roc, ks->seq);
	}
	if (u->marks[d])
		stream_raise(s, u->marks[d], d == XS_DP_DIR_OUT);
}

/*
 * Under xn->lock: apply u to f in one section of f->lock, so that the packet
 * path sees all of it or none of it: a new configuration and new key sets with
 * the stream state they go with, marks in place before the next packet is
 * protected. F_RESET clears counters, the latch and the receive state;
 * F_REBIND the latch. 0, or with f unchanged: -EINVAL for output keys the
 * flow had before others, -EADDRINUSE (*why set for both).
 */
int xsk_flow_update(struct xsk_net *xn, struct xsk_flow *f, const struct xsk_update *u,
		    const char **why)
{
	struct xsk_keyset *old[2] = { NULL, NULL };
	int rc = 0, d;

	if (u->set[XS_DP_DIR_OUT] && out_keys_used(f, u->ks[XS_DP_DIR_OUT])) {
		*why = "output keys already used on this flow: refused, they would reuse keystream";
		return -EINVAL;
	}
	spin_lock_bh(&f->lock);
	if (u->cfg) {
		rc = flow_set_cfg(xn, f, u->cfg);
		if (rc) {
			*why = "the RTCP port (local port + 1) is in use";
			goto out;
		}
	}
	for (d = 0; d < 2; d++) {
		if (!u->set[d])
			continue;
		old[d] = rcu_dereference_protected(f->ks[d], lockdep_is_held(&f->lock));
		rcu_assign_pointer(f->ks[d], u->ks[d]);
	}
	for (d = 0; d < 2; d++)
		stream_update(f, d, u);
	if (u->reset) {
		memset(f->cnt, 0, sizeof(f->cnt));
		f->last_rx_ns = 0;
	}
	if (u->reset || u->rebind)
		memset(f->latched, 0, sizeof(f->latched));
out:
	spin_unlock_bh(&f->lock);
	xsk_keyset_free_rcu(old[0]);
	xsk_keyset_free_rcu(old[1]);
	return rc;
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
