/* SPDX-License-Identifier: BSD-3-Clause */
/* The session table: see the rules in dp_flow.h. */
#define _LGPL_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dp_flow.h"

static void *heap_alloc(size_t size, size_t align)
{
	void *p;

	size = (size + align - 1) & ~(align - 1);
	p = aligned_alloc(align, size);
	if (p)
		memset(p, 0, size);
	return p;
}

static const struct dp_mem_ops heap_ops = { heap_alloc, free };
static const struct dp_mem_ops *mem = &heap_ops;

void dp_flow_mem_set(const struct dp_mem_ops *ops)
{
	static struct xs_srtp_mem_ops keys_ops;

	mem = ops ? ops : &heap_ops;
	if (ops) {
		keys_ops.alloc = ops->alloc;
		keys_ops.free = ops->free;
	}
	xs_srtp_mem_set(ops ? &keys_ops : NULL); /* the engine's key sets go with the flows */
}

bool dp_flow_mem_is_default(void)
{
	return mem == &heap_ops;
}

/*
 * The port index: for each of the first DP_INDEX_ADDRS local addresses, an
 * array of 65,536 node pointers, one per UDP port (512 KiB per address that
 * has flows; a million flows need at least 16 addresses, ports being 16 bits). A packet's slot is known
 * from its header alone, so the worker prefetches the slots of a whole burst
 * (dp_table_prefetch) and a lookup is then one read of a cached slot and the
 * node it points to, where cds_lfht walks a bucket, a dummy node and a chain,
 * each miss waiting for the one before (about 3 per packet at 10^5 flows).
 *
 * cds_lfht stays the table of record: the writer changes the index right
 * after each node goes in or out of the hash table (node_add, node_del,
 * dp_table_replace), so a reader sees through either the same flows. A
 * reader checks the node's key, and falls back to cds_lfht when the slot is
 * empty, the key differs (a node being replaced) or the address has no array
 * (more local addresses than DP_INDEX_ADDRS). Nodes are freed only after a
 * grace period, as before, so a pointer read from a slot stays valid until
 * the reader's next quiescent state. Arrays live until dp_table_destroy.
 */
#define DP_INDEX_ADDRS 64
struct dp_index_addr {
	uint8_t family;
	uint8_t addr[16];
	struct dp_flow_node **port;  /* 65,536 slots */
};

struct dp_table {
	struct cds_lfht *ht;
	uint64_t nflows;       /* written by the writer only */
	unsigned naddr;        /* published with a release store once index[i] is set */
	struct dp_index_addr index[DP_INDEX_ADDRS];
};

/* The slot array of k's address, or NULL (reader or writer). */
static struct dp_flow_node **index_of(const struct dp_table *t, const struct xs_dp_addr *k)
{
	unsigned n = __atomic_load_n(&t->naddr, __ATOMIC_ACQUIRE);
	size_t alen = k->family == XS_DP_AF_INET ? 4 : 16;

	for (unsigned i = 0; i < n; i++)
		if (t->index[i].family == k->family && !memcmp(t->index[i].addr, k->addr, alen))
			return t->index[i].port;
	return NULL;
}

/* Writer: the slot array of k's address, made when there is room. */
static struct dp_flow_node **index_make(struct dp_table *t, const struct xs_dp_addr *k)
{
	struct dp_flow_node **port = index_of(t, k);

	if (port || t->naddr == DP_INDEX_ADDRS)
		return port;
	port = calloc(65536, sizeof(*port));
	if (!port)
		return NULL; /* lookups of this address use cds_lfht alone */
	t->index[t->naddr].family = k->family;
	memcpy(t->index[t->naddr].addr, k->addr, sizeof(k->addr));
	t->index[t->naddr].port = port;
	__atomic_store_n(&t->naddr, t->naddr + 1, __ATOMIC_RELEASE);
	return port;
}

static void index_set(struct dp_table *t, struct dp_flow_node *fn)
{
	struct dp_flow_node **port = index_make(t, &fn->key);

	if (port)
		rcu_assign_pointer(port[fn->key.port], fn);
}

static void index_clear(struct dp_table *t, const struct dp_flow_node *fn)
{
	struct dp_flow_node **port = index_of(t, &fn->key);

	if (port && port[fn->key.port] == fn)
		rcu_assign_pointer(port[fn->key.port], NULL);
}

void dp_table_prefetch(const struct dp_table *t, const struct xs_dp_addr *k)
{
	struct dp_flow_node **port = index_of(t, k);

	if (port)
		__builtin_prefetch(&port[k->port]);
}

uint64_t dp_key_hash(const struct xs_dp_addr *k)
{
	uint64_t w[3] = { 0, 0, 0 };
	uint64_t h;

	memcpy(w, k, sizeof(*k));
	h = w[0] * 0x9e3779b97f4a7c15ull;
	h ^= (w[1] + (h >> 29)) * 0xbf58476d1ce4e5b9ull;
	h ^= (w[2] + (h >> 31)) * 0x94d049bb133111ebull;
	h ^= h >> 32;
	return h;
}

static int node_match(struct cds_lfht_node *n, const void *key)
{
	const struct dp_flow_node *fn = caa_container_of(n, struct dp_flow_node, lfn);

	return !memcmp(&fn->key, key, sizeof(fn->key));
}

static struct dp_flow *node_flow(struct dp_flow_node *fn)
{
	return caa_container_of(fn - fn->idx, struct dp_flow, node[0]);
}

struct dp_table *dp_table_create(unsigned long size_hint)
{
	struct dp_table *t = calloc(1, sizeof(*t));
	unsigned long init = 1024;

	if (!t)
		return NULL;
	while (init < size_hint && init < (1ul << 24))
		init <<= 1;
	t->ht = cds_lfht_new_flavor(init, 1024, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,
				    &urcu_qsbr_flavor, NULL);
	if (!t->ht) {
		free(t);
		return NULL;
	}
	return t;
}

void dp_table_destroy(struct dp_table *t)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;

	if (!t)
		return;
	/* No reader is left: unlink and free directly. */
	cds_lfht_for_each(t->ht, &it, n) {
		struct dp_flow_node *fn = caa_container_of(n, struct dp_flow_node, lfn);
		struct dp_flow *f = node_flow(fn);

		cds_lfht_del(t->ht, n);
		fn->in_table = 0;
		if (!f->node[0].in_table && !f->node[1].in_table)
			dp_flow_free(f);
	}
	cds_lfht_destroy(t->ht, NULL);
	for (unsigned i = 0; i < t->naddr; i++)
		free(t->index[i].port);
	free(t);
}

uint64_t dp_table_count(const struct dp_table *t)
{
	return __atomic_load_n(&t->nflows, __ATOMIC_RELAXED);
}

struct dp_flow *dp_table_lookup_hashed(struct dp_table *t, const struct xs_dp_addr *k,
				       uint64_t hash, unsigned *idx)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;
	struct dp_flow_node *fn;

	cds_lfht_lookup(t->ht, hash, node_match, k, &it);
	n = cds_lfht_iter_get_node(&it);
	if (!n)
		return NULL;
	fn = caa_container_of(n, struct dp_flow_node, lfn);
	if (idx)
		*idx = fn->idx;
	return node_flow(fn);
}

struct dp_flow *dp_table_lookup(struct dp_table *t, const struct xs_dp_addr *k, unsigned *idx)
{
	struct dp_flow_node **port = index_of(t, k);

	if (port) {
		struct dp_flow_node *fn = rcu_dereference(port[k->port]);

		if (fn && !memcmp(&fn->key, k, sizeof(*k))) {
			if (idx)
				*idx = fn->idx;
			return node_flow(fn);
		}
	}
	return dp_table_lookup_hashed(t, k, dp_key_hash(k), idx);
}

static void node_keys(struct dp_flow *f)
{
	const struct xs_dp_flow *w = &f->cfg->wire;

	for (unsigned i = 0; i < 2; i++) {
		memset(&f->node[i].key, 0, sizeof(f->node[i].key));
		f->node[i].key.family = w->local.family;
		memcpy(f->node[i].key.addr, w->local.addr, sizeof(w->local.addr));
		f->node[i].key.port = (uint16_t)(w->local.port + i);
		f->node[i].idx = (uint8_t)i;
	}
}

static bool wants_rtcp_node(const struct dp_flow_cfg *c)
{
	return !(c->wire.flags & XS_DP_FLOW_F_RTCP_MUX_IN);
}

static int node_add(struct dp_table *t, struct dp_flow_node *fn)
{
	struct cds_lfht_node *got;

	cds_lfht_node_init(&fn->lfn);
	got = cds_lfht_add_unique(t->ht, dp_key_hash(&fn->key), node_match, &fn->key, &fn->lfn);
	if (got != &fn->lfn)
		return -EEXIST;
	fn->in_table = 1;
	index_set(t, fn);
	return 0;
}

static void node_del(struct dp_table *t, struct dp_flow_node *fn)
{
	if (fn->in_table) {
		cds_lfht_del(t->ht, &fn->lfn);
		fn->in_table = 0;
		index_clear(t, fn);
	}
}

int dp_table_add(struct dp_table *t, struct dp_flow *f)
{
	bool rtcp = wants_rtcp_node(f->cfg);

	node_keys(f);
	/* One writer: what the lookups say holds until we add, so nothing is ever
	 * published and then taken back. */
	if (dp_table_lookup(t, &f->node[DP_NODE_RTP].key, NULL))
		return -EEXIST;
	if (rtcp && dp_table_lookup(t, &f->node[DP_NODE_RTCP].key, NULL))
		return -EADDRINUSE;
	if (rtcp && node_add(t, &f->node[DP_NODE_RTCP]))
		return -EADDRINUSE;
	if (node_add(t, &f->node[DP_NODE_RTP]))
		return -EEXIST; /* not reached with one writer */
	t->nflows++;
	return 0;
}

static void flow_free_rcu(struct rcu_head *h)
{
	dp_flow_free(caa_container_of(h, struct dp_flow, rcu));
}

static void cfg_free_rcu(struct rcu_head *h)
{
	dp_flow_cfg_free(caa_container_of(h, struct dp_flow_cfg, rcu));
}

static void keyset_free_rcu(struct rcu_head *h)
{
	dp_keyset_free(caa_container_of(h, struct dp_keyset, rcu));
}

void dp_table_del(struct dp_table *t, struct dp_flow *f)
{
	node_del(t, &f->node[DP_NODE_RTCP]);
	node_del(t, &f->node[DP_NODE_RTP]);
	t->nflows--;
	urcu_qsbr_call_rcu(&f->rcu, flow_free_rcu);
}

int dp_table_replace(struct dp_table *t, struct dp_flow *old, struct dp_flow *nf)
{
	struct cds_lfht_iter it;
	bool want_rtcp;

	node_keys(nf);
	want_rtcp = wants_rtcp_node(nf->cfg);
	/* The RTCP port first, so a refusal leaves everything as it was. */
	if (want_rtcp && !old->node[DP_NODE_RTCP].in_table) {
		if (node_add(t, &nf->node[DP_NODE_RTCP]))
			return -EADDRINUSE;
	}
	for (unsigned i = 0; i < 2; i++) {
		struct dp_flow_node *on = &old->node[i], *nn = &nf->node[i];

		if (!on->in_table || (i == DP_NODE_RTCP && !want_rtcp))
			continue;
		cds_lfht_lookup(t->ht, dp_key_hash(&on->key), node_match, &on->key, &it);
		cds_lfht_node_init(&nn->lfn);
		if (cds_lfht_replace(t->ht, &it, dp_key_hash(&nn->key), node_match, &nn->key,
				     &nn->lfn) == 0) {
			on->in_table = 0;
			nn->in_table = 1;
			index_set(t, nn);
		}
	}
	node_del(t, &old->node[DP_NODE_RTCP]);
	urcu_qsbr_call_rcu(&old->rcu, flow_free_rcu);
	return 0;
}

int dp_flow_set_cfg(struct dp_table *t, struct dp_flow *f, struct dp_flow_cfg *cfg)
{
	struct dp_flow_cfg *old = f->cfg;

	if (wants_rtcp_node(cfg) && !f->node[DP_NODE_RTCP].in_table) {
		if (node_add(t, &f->node[DP_NODE_RTCP]))
			return -EADDRINUSE;
	}
	rcu_assign_pointer(f->cfg, cfg);
	if (!wants_rtcp_node(cfg))
		node_del(t, &f->node[DP_NODE_RTCP]);
	urcu_qsbr_call_rcu(&old->rcu, cfg_free_rcu);
	return 0;
}

void dp_flow_set_keys(struct dp_flow *f, unsigned dir, struct dp_keyset *ks)
{
	struct dp_keyset *old = f->ks[dir];

	rcu_assign_pointer(f->ks[dir], ks);
	if (old)
		urcu_qsbr_call_rcu(&old->rcu, keyset_free_rcu);
}

int dp_table_foreach(struct dp_table *t, int (*fn)(struct dp_flow *f, void *arg), void *arg)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;
	int rc;

	cds_lfht_for_each(t->ht, &it, n) {
		struct dp_flow_node *node = caa_container_of(n, struct dp_flow_node, lfn);

		if (node->idx != DP_NODE_RTP)
			continue;
		rc = fn(node_flow(node), arg);
		if (rc)
			return rc;
	}
	return 0;
}

struct dp_flow *dp_flow_new(struct dp_flow_cfg *cfg, struct dp_keyset *in, struct dp_keyset *out)
{
	struct dp_flow *f = mem->alloc(sizeof(*f), 64);

	if (!f)
		return NULL;
	f->cfg = cfg;
	f->ks[XS_DP_DIR_IN] = in;
	f->ks[XS_DP_DIR_OUT] = out;
	for (unsigned d = 0; d < 2; d++) {
		const struct dp_keyset *ks = f->ks[d];

		xs_srtp_stream_init(&f->st.stream[d], ks ? ks->window : 0);
		if (ks && ks->cmd == DP_STREAM_SET_ROC)
			xs_srtp_stream_set_roc(&f->st.stream[d], ks->ssrc, ks->roc, ks->seq);
		f->st.gen[d] = ks ? ks->gen : 0;
	}
	if (cfg && cfg->wire.src_policy == XS_DP_SRC_FIXED)
		f->st.latched[DP_NODE_RTP] = cfg->wire.peer;
	return f;
}

void dp_flow_free(struct dp_flow *f)
{
	if (!f)
		return;
	dp_flow_cfg_free(f->cfg);
	dp_keyset_free(f->ks[0]);
	dp_keyset_free(f->ks[1]);
	mem->free(f);
}

void dp_flow_cfg_free(struct dp_flow_cfg *c)
{
	if (c)
		mem->free(c);
}

struct dp_flow_cfg *dp_flow_cfg_dup(const struct dp_flow_cfg *c)
{
	struct dp_flow_cfg *n = mem->alloc(sizeof(*n), 64);

	if (n)
		*n = *c;
	return n;
}

struct dp_flow_cfg *dp_flow_cfg_new(const struct xs_dp_flow *wire)
{
	struct dp_flow_cfg *c = mem->alloc(sizeof(*c), 64);

	if (!c)
		return NULL;
	c->wire = *wire;
	c->wire.flags &= XS_DP_FLOW_F_RTCP_MUX_IN | XS_DP_FLOW_F_RTCP_MUX_OUT;
	memcpy(c->nexthop, wire->out_dst.addr, sizeof(c->nexthop));
	return c;
}

int dp_keyset_new(const struct xs_dp_crypto *c, uint32_t gen, const struct dp_keyset *prev,
		  uint32_t applied_gen, struct dp_keyset **out)
{
	struct dp_keyset *ks;
	struct xs_srtp_policy pol;
	int rc = 0;

	*out = NULL;
	ks = mem->alloc(sizeof(*ks), 64);
	if (!ks)
		return -ENOMEM;
	ks->gen = gen;
	ks->suite = (uint8_t)c->suite;
	ks->window = c->window;
	if (c->kflags & XS_DP_KEYS_F_SET_ROC) {
		ks->cmd = DP_STREAM_SET_ROC;
		ks->ssrc = c->ssrc;
		ks->roc = c->roc;
		ks->seq = c->seq;
	} else if (c->kflags & XS_DP_KEYS_F_RESET_STREAM) {
		ks->cmd = DP_STREAM_RESET;
	} else if (prev && prev->cmd != DP_STREAM_KEEP && applied_gen != prev->gen) {
		/* The owner has not seen prev yet: carry its command on. */
		ks->cmd = prev->cmd;
		ks->ssrc = prev->ssrc;
		ks->roc = prev->roc;
		ks->seq = prev->seq;
		ks->window = prev->window;
	}
	if (c->suite != XS_SUITE_NONE) {
		memset(&pol, 0, sizeof(pol));
		pol.suite = c->suite;
		pol.flags = c->flags;
		memcpy(pol.master_key, c->master_key, sizeof(pol.master_key));
		memcpy(pol.master_salt, c->master_salt, sizeof(pol.master_salt));
		pol.key_len = c->key_len;
		pol.salt_len = c->salt_len;
		pol.window = c->window;
		pol.xsipura.auth = c->xsipura.auth;
		pol.xsipura.tag_len = c->xsipura.tag_len;
		pol.xsipura.kdf = c->xsipura.kdf;
		pol.xsipura.salt_len = c->xsipura.salt_len;
		pol.xsipura.auth_key_len = c->xsipura.auth_key_len;
		pol.xsipura.rtcp_encrypted = c->xsipura.rtcp_encrypted;
		rc = xs_srtp_keys_create(&pol, &ks->keys);
		explicit_bzero(&pol, sizeof(pol));
		if (rc) {
			mem->free(ks);
			return rc;
		}
	}
	*out = ks;
	return 0;
}

void dp_keyset_free(struct dp_keyset *ks)
{
	if (!ks)
		return;
	xs_srtp_keys_free(ks->keys);
	mem->free(ks);
}
