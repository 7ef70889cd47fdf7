/* SPDX-License-Identifier: BSD-3-Clause */
/* Control handlers: apply validated requests to the session table. Each one
 * builds every new object first and publishes only when nothing can fail, so a
 * refused request changes nothing. Runs on the control thread only. */
#define _LGPL_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "dp_app.h"
#include "dp_ctl.h"
#include "dp_worker.h"

/* Fill the hot-path fields of a cfg: output port, VLAN, next hop. */
static int resolve(struct dp_ctx *ctx, struct dp_flow_cfg *c, const char **why)
{
	const struct xs_dp_flow *w = &c->wire;
	const struct dp_local_addr *l;
	const struct dp_port_conf *pc;

	if (!dp_conf_find_local(&ctx->conf, w->local.family, w->local.addr)) {
		*why = "local address is not a relay address";
		return -EADDRNOTAVAIL;
	}
	l = dp_conf_find_local(&ctx->conf, w->out_src.family, w->out_src.addr);
	if (!l) {
		*why = "rewrite source is not a relay address";
		return -EADDRNOTAVAIL;
	}
	pc = &ctx->conf.port[l->port];
	c->tx_port = l->port;
	c->vlan = l->vlan;
	memcpy(c->nexthop, w->out_dst.addr, 16);
	if (dp_conf_on_link(l, w->out_dst.addr))
		return 0;
	if (pc->has_gw_mac) {
		memcpy(c->static_mac, pc->gw_mac, 6);
		c->has_static_mac = 1;
		return 0;
	}
	if (w->out_dst.family == XS_DP_AF_INET && pc->has_gw4) {
		memset(c->nexthop, 0, 16);
		memcpy(c->nexthop, pc->gw4, 4);
		return 0;
	}
	if (w->out_dst.family == XS_DP_AF_INET6 && pc->has_gw6) {
		memcpy(c->nexthop, pc->gw6, 16);
		return 0;
	}
	*why = "destination is off-link and the port has no gateway";
	return -ENETUNREACH;
}

static struct dp_flow_cfg *cfg_build(struct dp_ctx *ctx, const struct xs_dp_flow *wire,
				     int *rc, const char **why)
{
	struct dp_flow_cfg *c = dp_flow_cfg_new(wire);

	if (!c) {
		*rc = -ENOMEM;
		*why = "out of memory";
		return NULL;
	}
	*rc = resolve(ctx, c, why);
	if (*rc) {
		dp_flow_cfg_free(c);
		return NULL;
	}
	return c;
}

/* The marks a flow message gives direction dir (NULL: none): with F_MARKS
 * and the direction's keys (the codec refused them otherwise). The engine's
 * marks and the wire's have one layout. */
static const struct xs_srtp_marks *marks_for(const struct xs_dp_flow_msg *m, unsigned dir)
{
	const uint32_t fl = dir ? XS_DP_FLOW_F_OUT_KEYS : XS_DP_FLOW_F_IN_KEYS;
	const uint8_t suite = dir ? m->flow.out_suite : m->flow.in_suite;

	_Static_assert(sizeof(struct xs_srtp_marks) == sizeof(struct xs_dp_marks), "marks");
	_Static_assert(sizeof(struct xs_srtp_ssrc_mark) == sizeof(struct xs_dp_ssrc_mark), "mark");
	if (!(m->flow.flags & XS_DP_FLOW_F_MARKS) || !(m->flow.flags & fl) || !suite)
		return NULL;
	return (const struct xs_srtp_marks *)(dir ? &m->out_marks : &m->in_marks);
}

/* What FLOW_REPLACE's flags fl ask of direction dir (DP_KS_*). The output
 * stream takes no command: it starts fresh exactly when its keys change
 * (dp_flow.h rule 7). F_REBIND forgets the latch only: the receive stream
 * keeps per-SSRC state, so a party's new SSRC (or its old one) goes on, and
 * a party that moved keeps its ROC. */
static unsigned replace_cmd(uint32_t fl, unsigned dir)
{
	if (dir == XS_DP_DIR_OUT)
		return 0;
	if (fl & XS_DP_FLOW_F_RESET)
		return DP_KS_RESET | DP_KS_LATCH | DP_KS_ZERO;
	return fl & XS_DP_FLOW_F_REBIND ? DP_KS_LATCH : 0;
}

/* A keyset for one direction of a flow message: from the keys it carries, a
 * plain keyset for suite 0, or none (NULL, *rc 0) while keys are awaited. */
static struct dp_keyset *keyset_for(const struct xs_dp_flow_msg *m, unsigned dir, uint32_t gen,
				    const struct dp_ks_cmd *cmd, const struct dp_keyset *prev,
				    uint32_t applied, int *rc, const char **why)
{
	const uint32_t fl = dir ? XS_DP_FLOW_F_OUT_KEYS : XS_DP_FLOW_F_IN_KEYS;
	const uint8_t suite = dir ? m->flow.out_suite : m->flow.in_suite;
	struct xs_dp_crypto plain = { 0 };
	struct dp_keyset *ks = NULL;

	*rc = 0;
	if (m->flow.flags & fl)
		*rc = dp_keyset_new(dir ? &m->out : &m->in, dir, gen, cmd, prev, applied, &ks);
	else if (suite == XS_SUITE_NONE)
		*rc = dp_keyset_new(&plain, dir, gen, cmd, prev, applied, &ks);
	if (*rc)
		*why = *rc == -EINVAL ? "the SRTP engine refused the keys" : "key setup failed";
	return ks;
}

/* FLOW_ADD: the streams are raised to the marks before the flow is published. */
int dp_ops_flow_add(struct dp_ctx *ctx, const struct xs_dp_flow_msg *m, const char **why)
{
	struct dp_keyset *ks[2] = { NULL, NULL };
	struct dp_flow_cfg *cfg;
	struct dp_flow *f;
	int rc;

	if (dp_table_lookup(ctx->table, &m->flow.local, NULL)) {
		*why = "a flow already uses this local address and port";
		return -EEXIST;
	}
	cfg = cfg_build(ctx, &m->flow, &rc, why);
	if (!cfg)
		return rc;
	for (unsigned d = 0; d < 2 && !rc; d++)
		ks[d] = keyset_for(m, d, 1, NULL, NULL, 0, &rc, why);
	f = rc ? NULL : dp_flow_new(cfg, ks[0], ks[1]);
	if (!f) {
		dp_flow_cfg_free(cfg);
		dp_keyset_free(ks[0]);
		dp_keyset_free(ks[1]);
		if (!rc) {
			rc = -ENOMEM;
			*why = "out of memory";
		}
		return rc;
	}
	for (unsigned d = 0; d < 2; d++)
		if (marks_for(m, d))
			dp_flow_raise(&f->st, d, marks_for(m, d));
	rc = dp_table_add(ctx->table, f);
	if (rc) {
		*why = rc == -EEXIST ? "a flow already uses this local address and port" :
				       "the RTCP port (local port + 1) is in use";
		dp_flow_free(f);
	}
	return rc;
}

static bool keys_follow(const struct dp_keyset *ks, uint8_t suite)
{
	return ks && ks->suite == suite;
}

/*
 * Whether FLOW_REPLACE leaves direction dir's keyset as it is: no keys in the
 * message and the suite unchanged, and either nothing asked of the stream or
 * SRTP keys, which were not resent. Input commands come with SRTP input keys
 * (the codec asks F_RESET and F_REBIND for them, replace_refused a new
 * cookie); the output takes no command.
 */
static bool keys_stay(const struct xs_dp_flow_msg *m, unsigned dir, const struct dp_keyset *cur,
		      unsigned cmd)
{
	const uint32_t fl = dir ? XS_DP_FLOW_F_OUT_KEYS : XS_DP_FLOW_F_IN_KEYS;
	const uint8_t suite = dir ? m->flow.out_suite : m->flow.in_suite;

	return !(m->flow.flags & fl) && keys_follow(cur, suite) && (!cmd || suite);
}

/* Why a FLOW_REPLACE cannot be applied to f (0: it can): a new owner (another
 * cookie) starts as with F_RESET, whose input reset travels with the input
 * keys (the codec asks F_RESET for them); output keys it had before others
 * would reuse keystream (dp_flow.h rule 7). */
static int replace_refused(const struct dp_flow *f, const struct xs_dp_flow_msg *m,
			   uint32_t fl, struct dp_keyset *const ks[2], const char **why)
{
	if ((fl & XS_DP_FLOW_F_RESET) && m->flow.in_suite && !(fl & XS_DP_FLOW_F_IN_KEYS)) {
		*why = "a new cookie (another call) needs the input keys (F_IN_KEYS)";
		return -EINVAL;
	}
	if (dp_flow_out_keys_check(f, ks[XS_DP_DIR_OUT])) {
		*why = "output keys already used on this flow: refused, they would reuse keystream";
		return -EINVAL;
	}
	return 0;
}

/*
 * FLOW_REPLACE works in place: a new configuration, and for each direction
 * whose keys or stream change a new keyset carrying the commands (F_RESET,
 * F_REBIND, F_MARKS) that the owner lcore applies before the flow's next
 * packet (dp_flow.h rules 5 and 7). Another cookie than the flow's is a new
 * owner of the port (a call whose FLOW_DEL was lost left it): it starts as
 * with F_RESET, so it inherits no latch, receive state or counters. The
 * configuration goes first, the keysets after it; a worker that read the
 * configuration just before may meet the new keysets with the old
 * configuration for one packet, which is harmless (a latch taken under a
 * configuration that moved LATCH_IP's peer does not count: dp_flow_latched).
 */
int dp_ops_flow_replace(struct dp_ctx *ctx, const struct xs_dp_flow_msg *m, const char **why)
{
	unsigned idx;
	struct dp_flow *f = dp_table_lookup(ctx->table, &m->flow.local, &idx);
	struct dp_keyset *ks[2] = { NULL, NULL };
	bool set[2] = { false, false };
	struct dp_flow_cfg *cfg;
	uint32_t fl;
	int rc = 0;

	if (!f || idx != DP_NODE_RTP) { /* another flow's RTCP port is not a flow */
		*why = "no flow at this local address and port";
		return -ENOENT;
	}
	fl = m->flow.flags;
	if (m->flow.cookie != f->cfg->wire.cookie)
		fl |= XS_DP_FLOW_F_RESET;
	cfg = cfg_build(ctx, &m->flow, &rc, why);
	if (!cfg)
		return rc;
	for (unsigned d = 0; d < 2 && !rc; d++) {
		const struct dp_keyset *cur = f->ks[d];
		const struct dp_ks_cmd cmd = { replace_cmd(fl, d), marks_for(m, d) };
		const uint32_t applied = __atomic_load_n(&f->st.gen[d], __ATOMIC_ACQUIRE);

		if (keys_stay(m, d, cur, cmd.flags))
			continue;
		set[d] = true;
		ks[d] = keyset_for(m, d, (cur ? cur->gen : applied) + 1, &cmd, cur, applied, &rc,
				   why);
	}
	if (!rc)
		rc = replace_refused(f, m, fl, ks, why);
	if (!rc)
		rc = dp_flow_set_cfg(ctx->table, f, cfg);
	if (rc) {
		if (rc == -EADDRINUSE)
			*why = "the RTCP port (local port + 1) is in use";
		dp_flow_cfg_free(cfg);
		dp_keyset_free(ks[0]);
		dp_keyset_free(ks[1]);
		return rc;
	}
	for (unsigned d = 0; d < 2; d++)
		if (set[d])
			dp_flow_set_keys(f, d, ks[d]);
	return 0;
}

int dp_ops_flow_del(struct dp_ctx *ctx, const struct xs_dp_flow_ref *r, const char **why)
{
	unsigned idx;
	struct dp_flow *f = dp_table_lookup(ctx->table, &r->local, &idx);

	if (!f || idx != DP_NODE_RTP) {
		*why = "no flow at this local address and port";
		return -ENOENT;
	}
	dp_table_del(ctx->table, f);
	return 0;
}

int dp_ops_keys_set(struct dp_ctx *ctx, const struct xs_dp_keys_msg *k, const char **why)
{
	unsigned idx;
	struct dp_flow *f = dp_table_lookup(ctx->table, &k->local, &idx);
	const struct dp_keyset *cur;
	struct dp_flow_cfg *cfg = NULL;
	struct dp_keyset *ks;
	uint32_t applied;
	uint8_t *suite;
	int rc;

	if (!f || idx != DP_NODE_RTP) {
		*why = "no flow at this local address and port";
		return -ENOENT;
	}
	cur = f->ks[k->dir];
	applied = __atomic_load_n(&f->st.gen[k->dir], __ATOMIC_ACQUIRE);
	/* kflags RESET_STREAM / SET_ROC become the keyset's stream command: for
	 * the output, the stream starts fresh exactly when the keys are new, and
	 * keys it had before others are refused (dp_flow.h rule 7) */
	rc = dp_keyset_new(&k->crypto, k->dir, (cur ? cur->gen : applied) + 1, NULL, cur, applied,
			   &ks);
	if (rc) {
		*why = rc == -EINVAL ? "the SRTP engine refused the keys" : "key setup failed";
		return rc;
	}
	if (k->dir == XS_DP_DIR_OUT && dp_flow_out_keys_check(f, ks)) {
		dp_keyset_free(ks);
		*why = "output keys already used on this flow: refused, they would reuse keystream";
		return -EINVAL;
	}
	suite = k->dir ? &f->cfg->wire.out_suite : &f->cfg->wire.in_suite;
	if (*suite != k->crypto.suite) {
		/* The transform changes: the configuration says so too. */
		cfg = dp_flow_cfg_dup(f->cfg);
		if (!cfg) {
			dp_keyset_free(ks);
			*why = "out of memory";
			return -ENOMEM;
		}
		if (k->dir)
			cfg->wire.out_suite = (uint8_t)k->crypto.suite;
		else
			cfg->wire.in_suite = (uint8_t)k->crypto.suite;
	}
	dp_flow_set_keys(f, k->dir, ks);
	if (cfg)
		dp_flow_set_cfg(ctx->table, f, cfg); /* same mux flags: cannot fail */
	return 0;
}

/*
 * What FLOW_GET and FLOW_DUMP report. The owner's state is copied consistently
 * (dp_flow_read), and a command the owner has not applied yet is applied to the
 * copy: right after a FLOW_REPLACE the report already shows the fresh counters,
 * latch and streams the next packet will find. Under-reported marks are what
 * must never happen (dp_flow.h rule 6); marks read a little before the owner
 * sends more are inherent, and the daemon's margin covers them.
 */
void dp_ops_flow_info(struct dp_ctx *ctx, const struct dp_flow *f, struct xs_dp_flow_info *info)
{
	const struct dp_flow_cfg *cfg = rcu_dereference(f->cfg);
	const struct dp_keyset *ks[2] = { rcu_dereference(f->ks[0]), rcu_dereference(f->ks[1]) };
	struct dp_flow_state st;
	const struct xs_dp_addr *peer;
	struct xs_srtp_marks mk;

	dp_flow_read(f, &st);
	for (unsigned d = 0; d < 2; d++)
		if (ks[d] && ks[d]->gen != st.gen[d])
			dp_flow_apply(&st, d, ks[d]);
	memset(info, 0, sizeof(*info));
	info->flow = cfg->wire;
	if (cfg->wire.src_policy != XS_DP_SRC_FIXED) {
		peer = dp_flow_latched(cfg, &st, DP_NODE_RTP);
		memset(&info->flow.peer, 0, sizeof(info->flow.peer));
		if (peer)
			info->flow.peer = *peer;
	}
	peer = dp_flow_latched(cfg, &st, DP_NODE_RTCP);
	if (peer)
		info->rtcp_peer = *peer;
	info->in_keys = ks[XS_DP_DIR_IN] != NULL;
	info->out_keys = ks[XS_DP_DIR_OUT] != NULL;
	info->in_roc = xs_srtp_stream_roc(&st.stream[XS_DP_DIR_IN]);
	info->out_roc = xs_srtp_stream_roc(&st.stream[XS_DP_DIR_OUT]);
	info->in_ssrc = st.stream[XS_DP_DIR_IN].ssrc;
	info->out_ssrc = st.stream[XS_DP_DIR_OUT].ssrc;
	xs_srtp_stream_marks(&st.stream[XS_DP_DIR_IN], &mk);
	memcpy(&info->in_marks, &mk, sizeof(mk));
	xs_srtp_stream_marks(&st.stream[XS_DP_DIR_OUT], &mk);
	memcpy(&info->out_marks, &mk, sizeof(mk));
#define COPY(name, help) info->stats.name = st.cnt[DP_FCNT_##name];
	XS_DP_FLOW_COUNTERS(COPY)
#undef COPY
	info->stats.last_rx_ns = dp_app_tsc_to_ns(ctx, st.last_rx_tsc);
	explicit_bzero(st.kid, sizeof(st.kid));
}

int dp_ops_flow_get(struct dp_ctx *ctx, const struct xs_dp_addr *local,
		    struct xs_dp_flow_info *info)
{
	unsigned idx;
	struct dp_flow *f = dp_table_lookup(ctx->table, local, &idx);

	if (!f || idx != DP_NODE_RTP)
		return -ENOENT;
	dp_ops_flow_info(ctx, f, info);
	return 0;
}

void dp_ops_stats(struct dp_ctx *ctx, struct xs_dp_stats *st)
{
	uint64_t sum[DP_CNT_COUNT] = { 0 };

	memset(st, 0, sizeof(*st));
	for (unsigned i = 0; i < ctx->n_workers; i++)
		for (unsigned c = 0; c < DP_CNT_COUNT; c++)
			sum[c] += ctx->worker[i]->cnt[c];
#define COPY(name, help) st->global.name = sum[DP_CNT_##name];
	XS_DP_GLOBAL_COUNTERS(COPY)
#undef COPY
	st->flows = dp_table_count(ctx->table);
	st->workers = ctx->n_workers;
	st->uptime_ns = (uint64_t)((double)(rte_rdtsc() - ctx->start_tsc) * 1e9 /
				   (double)ctx->tsc_hz);
}
