/* SPDX-License-Identifier: BSD-3-Clause */
/* The session table: see the rules in dp_flow.h. */
#define _LGPL_SOURCE
#include <errno.h>
#include <sched.h>
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
 * after each node goes in or out of the hash table (node_add, node_del), so
 * a reader sees through either the same flows. A reader checks the node's
 * key, and falls back to cds_lfht when the slot is empty, the key differs
 * or the address has no array
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

/* The output's keys are now ks's (rule 7): the newest first, plain ones
 * left out (the send stream keeps its keys' state under them). */
static void out_kid_note(struct dp_flow *f, const struct dp_keyset *ks)
{
	if (!ks || !ks->kid || f->out_kids[0] == ks->kid)
		return;
	memmove(&f->out_kids[1], &f->out_kids[0], sizeof(f->out_kids) - sizeof(f->out_kids[0]));
	f->out_kids[0] = ks->kid;
}

int dp_flow_out_keys_check(const struct dp_flow *f, const struct dp_keyset *ks)
{
	if (!ks || !ks->kid)
		return 0;
	for (unsigned i = 1; i < DP_OUT_KIDS; i++)
		if (f->out_kids[i] == ks->kid)
			return -EINVAL;
	return 0;
}

void dp_flow_set_keys(struct dp_flow *f, unsigned dir, struct dp_keyset *ks)
{
	struct dp_keyset *old = f->ks[dir];

	if (dir == XS_DP_DIR_OUT)
		out_kid_note(f, ks);
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
		xs_srtp_stream_init(&f->st.stream[d], f->ks[d] ? f->ks[d]->window : 0);
		if (f->ks[d])
			dp_flow_apply(&f->st, d, f->ks[d]);
	}
	out_kid_note(f, out);
	return f;
}

void dp_flow_free(struct dp_flow *f)
{
	if (!f)
		return;
	dp_flow_cfg_free(f->cfg);
	dp_keyset_free(f->ks[0]);
	dp_keyset_free(f->ks[1]);
	explicit_bzero(f->st.kid, sizeof(f->st.kid));
	explicit_bzero(f->out_kids, sizeof(f->out_kids));
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
	/* the flags that describe the flow; the others act once, through keysets */
	c->wire.flags &= XS_DP_FLOW_F_RTCP_MUX_IN | XS_DP_FLOW_F_RTCP_MUX_OUT |
			 XS_DP_FLOW_F_RELATCH;
	memcpy(c->nexthop, wire->out_dst.addr, sizeof(c->nexthop));
	return c;
}

/*
 * A fingerprint of the master key and salt (rule 7): equal keys always give
 * equal fingerprints. The suite and flags are left out on purpose: one master
 * key under another tag length or policy still makes the same keystream. Two
 * different keys that collide (a chance of 2^-64) would count as the same: a
 * send stream then keeps its state, which is safe, or new keys are refused as
 * old ones. FNV-1a, then a final mix; 0 is kept for "plain".
 */
static uint64_t key_id(const struct xs_dp_crypto *c)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = (h ^ c->key_len) * 0x100000001b3ull;
	for (unsigned i = 0; i < c->key_len && i < sizeof(c->master_key); i++)
		h = (h ^ c->master_key[i]) * 0x100000001b3ull;
	h = (h ^ c->salt_len) * 0x100000001b3ull;
	for (unsigned i = 0; i < c->salt_len && i < sizeof(c->master_salt); i++)
		h = (h ^ c->master_salt[i]) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h ? h : 1;
}

/* A stream reset of the keyset's own: on the input, RESET_STREAM, SET_ROC or
 * DP_KS_RESET; on the output only SET_ROC's join means anything (rule 7: the
 * output starts fresh exactly when its keys change, a flag adds nothing). */
static bool own_reset(const struct xs_dp_crypto *c, unsigned dir, const struct dp_ks_cmd *cmd)
{
	if (dir == XS_DP_DIR_OUT)
		return c->kflags & XS_DP_KEYS_F_SET_ROC;
	return (c->kflags & (XS_DP_KEYS_F_SET_ROC | XS_DP_KEYS_F_RESET_STREAM)) ||
	       (cmd && (cmd->flags & DP_KS_RESET));
}

/* Whether a new keyset (fingerprint kid) carries marks: its own, or prev's
 * while the owner may not have applied them, as long as they belong to the
 * same keys (plain ones keep the state they are given) and no input reset of
 * its own voids them. */
static const struct xs_srtp_marks *keyset_marks(const struct xs_dp_crypto *c, uint64_t kid,
						 unsigned dir, const struct dp_ks_cmd *cmd,
						 const struct dp_keyset *prev, uint32_t applied)
{
	if (cmd && cmd->marks)
		return cmd->marks;
	if (!prev || prev->marks_gen <= applied || (kid && kid != prev->kid))
		return NULL;
	if (dir == XS_DP_DIR_IN && own_reset(c, dir, cmd))
		return NULL;
	return prev->marks;
}

/* The commands of a new keyset (struct dp_keyset): its own, then what it
 * takes over from prev (its marks when has_marks: keyset_marks chose them).
 * An output join (SET_ROC) belongs to its keys: not taken over by others. */
static void keyset_commands(struct dp_keyset *ks, const struct xs_dp_crypto *c, unsigned dir,
			    const struct dp_ks_cmd *cmd, const struct dp_keyset *prev,
			    bool has_marks)
{
	const unsigned fl = cmd ? cmd->flags : 0;

	if (c->kflags & XS_DP_KEYS_F_SET_ROC) {
		ks->reset_gen = ks->gen;
		ks->set_roc = 1;
		ks->ssrc = c->ssrc;
		ks->roc = c->roc;
		ks->seq = c->seq;
	} else if (own_reset(c, dir, cmd)) {
		ks->reset_gen = ks->gen;
	}
	if (cmd && cmd->marks)
		ks->marks_gen = ks->gen;
	if (fl & DP_KS_LATCH)
		ks->latch_gen = ks->gen;
	if (fl & DP_KS_ZERO)
		ks->zero_gen = ks->gen;
	if (!prev)
		return;
	if (!ks->reset_gen && (dir == XS_DP_DIR_IN || prev->kid == ks->kid)) {
		ks->reset_gen = prev->reset_gen;
		ks->set_roc = prev->set_roc;
		ks->ssrc = prev->ssrc;
		ks->roc = prev->roc;
		ks->seq = prev->seq;
	}
	if (!ks->marks_gen && has_marks)
		ks->marks_gen = prev->marks_gen;
	if (!ks->latch_gen)
		ks->latch_gen = prev->latch_gen;
	if (!ks->zero_gen)
		ks->zero_gen = prev->zero_gen;
}

static int keyset_keys(struct dp_keyset *ks, const struct xs_dp_crypto *c)
{
	struct xs_srtp_policy pol;
	int rc;

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
	return rc;
}

int dp_keyset_new(const struct xs_dp_crypto *c, unsigned dir, uint32_t gen,
		  const struct dp_ks_cmd *cmd, const struct dp_keyset *prev, uint32_t applied,
		  struct dp_keyset **out)
{
	const uint64_t kid = c->suite != XS_SUITE_NONE ? key_id(c) : 0;
	const struct xs_srtp_marks *marks = keyset_marks(c, kid, dir, cmd, prev, applied);
	struct dp_keyset *ks;
	int rc;

	*out = NULL;
	ks = mem->alloc(sizeof(*ks) + (marks ? sizeof(*marks) : 0), 64);
	if (!ks)
		return -ENOMEM;
	ks->gen = gen;
	ks->suite = (uint8_t)c->suite;
	ks->window = c->window;
	if (c->suite != XS_SUITE_NONE) {
		rc = keyset_keys(ks, c);
		if (rc) {
			mem->free(ks);
			return rc;
		}
		ks->kid = kid;
	}
	if (marks)
		ks->marks[0] = *marks;
	keyset_commands(ks, c, dir, cmd, prev, marks != NULL);
	*out = ks;
	return 0;
}

void dp_keyset_free(struct dp_keyset *ks)
{
	if (!ks)
		return;
	xs_srtp_keys_free(ks->keys);
	explicit_bzero(&ks->kid, sizeof(ks->kid));
	mem->free(ks);
}

/*
 * Floors, never lower. Both streams take marks one SSRC at a time: on a live
 * stream that already remembers other SSRCs, all of them may not fit; those
 * that do not are then refused by the full stream when they come
 * (XS_SRTP_E_SSRC_LIMIT), which is as safe as knowing their marks.
 */
void dp_flow_raise(struct dp_flow_state *st, unsigned dir, const struct xs_srtp_marks *m)
{
	struct xs_srtp_stream *s = &st->stream[dir];
	struct xs_srtp_marks one = { .rtcp_index = m->rtcp_index, .count = 1 };
	const bool send = dir == XS_DP_DIR_OUT;

	if (m->count <= 1) {
		xs_srtp_stream_restore(s, m, send);
		return;
	}
	for (unsigned i = 0; i < m->count; i++) {
		one.ssrc[0] = m->ssrc[i];
		xs_srtp_stream_restore(s, &one, send);
	}
}

/* Rule 7: the output starts fresh exactly under keys other than its state's
 * (joining at set_roc when these keys asked to); same or plain keys keep it. */
static void apply_out_keys(struct dp_flow_state *st, const struct dp_keyset *ks, uint32_t done)
{
	struct xs_srtp_stream *s = &st->stream[XS_DP_DIR_OUT];

	if (!ks->kid || ks->kid == st->kid[XS_DP_DIR_OUT])
		return;
	xs_srtp_stream_init(s, ks->window);
	if (ks->set_roc && ks->reset_gen > done)
		xs_srtp_stream_set_roc(s, ks->ssrc, ks->roc, ks->seq);
	st->kid[XS_DP_DIR_OUT] = ks->kid;
}

void dp_flow_apply(struct dp_flow_state *st, unsigned dir, const struct dp_keyset *ks)
{
	struct xs_srtp_stream *s = &st->stream[dir];
	const uint32_t done = st->gen[dir];

	if (ks->zero_gen > done) {
		memset(st->cnt, 0, sizeof(st->cnt));
		st->last_rx_tsc = 0;
	}
	if (ks->latch_gen > done)
		memset(st->latched, 0, sizeof(st->latched));
	if (dir == XS_DP_DIR_OUT) {
		apply_out_keys(st, ks, done);
	} else {
		if (ks->reset_gen > done) {
			xs_srtp_stream_init(s, ks->window);
			if (ks->set_roc)
				xs_srtp_stream_set_roc(s, ks->ssrc, ks->roc, ks->seq);
		}
		st->kid[dir] = ks->kid;
	}
	if (ks->marks_gen > done)
		dp_flow_raise(st, dir, ks->marks);
	__atomic_store_n(&st->gen[dir], ks->gen, __ATOMIC_RELEASE);
}

void dp_flow_read(const struct dp_flow *f, struct dp_flow_state *out)
{
	for (unsigned tries = 0;; tries++) {
		uint32_t seq = __atomic_load_n(&f->st.seq, __ATOMIC_ACQUIRE);

		if (!(seq & 1)) {
			memcpy(out, &f->st, sizeof(*out));
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (__atomic_load_n(&f->st.seq, __ATOMIC_RELAXED) == seq)
				return;
		}
		if (tries >= 16)
			sched_yield(); /* the owner may be preempted mid-burst (tests share CPUs) */
	}
}
