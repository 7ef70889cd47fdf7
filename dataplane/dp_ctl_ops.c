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

/* A keyset for one direction of a flow message: from the keys it carries, a
 * plain keyset for suite 0, or none (NULL, *rc 0) while keys are awaited. */
static struct dp_keyset *keyset_for(const struct xs_dp_flow_msg *m, unsigned dir, uint32_t gen,
				    const struct dp_keyset *prev, uint32_t applied, int *rc,
				    const char **why)
{
	const uint32_t fl = dir ? XS_DP_FLOW_F_OUT_KEYS : XS_DP_FLOW_F_IN_KEYS;
	const uint8_t suite = dir ? m->flow.out_suite : m->flow.in_suite;
	struct xs_dp_crypto plain = { 0 };
	struct dp_keyset *ks = NULL;

	*rc = 0;
	if (m->flow.flags & fl)
		*rc = dp_keyset_new(dir ? &m->out : &m->in, gen, prev, applied, &ks);
	else if (suite == XS_SUITE_NONE)
		*rc = dp_keyset_new(&plain, gen, prev, applied, &ks);
	if (*rc)
		*why = *rc == -EINVAL ? "the SRTP engine refused the keys" : "key setup failed";
	return ks;
}

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
		ks[d] = keyset_for(m, d, 1, NULL, 0, &rc, why);
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

int dp_ops_flow_replace(struct dp_ctx *ctx, const struct xs_dp_flow_msg *m, const char **why)
{
	struct dp_flow *f = dp_table_lookup(ctx->table, &m->flow.local, NULL);
	struct dp_keyset *ks[2] = { NULL, NULL };
	bool set[2] = { false, false };
	struct dp_flow_cfg *cfg;
	int rc = 0;

	if (!f) {
		*why = "no flow at this local address and port";
		return -ENOENT;
	}
	cfg = cfg_build(ctx, &m->flow, &rc, why);
	if (!cfg)
		return rc;
	for (unsigned d = 0; d < 2 && !rc; d++) {
		const uint32_t fl = d ? XS_DP_FLOW_F_OUT_KEYS : XS_DP_FLOW_F_IN_KEYS;
		const uint8_t suite = d ? m->flow.out_suite : m->flow.in_suite;
		const struct dp_keyset *cur = f->ks[d];
		uint32_t gen = (cur ? cur->gen : f->st.gen[d]) + 1;

		/* Same suite, no new keys: the keys stay. */
		if (!(m->flow.flags & fl) && keys_follow(cur, suite) &&
		    !(m->flow.flags & XS_DP_FLOW_F_RESET))
			continue;
		set[d] = true;
		ks[d] = keyset_for(m, d, gen, cur, __atomic_load_n(&f->st.gen[d], __ATOMIC_ACQUIRE),
				   &rc, why);
		if (!ks[d] && !rc && (m->flow.flags & XS_DP_FLOW_F_RESET) && keys_follow(cur, suite)) {
			/* Reset keeps the keys: a copy is not possible (opaque), so
			 * the daemon must resend them; say so. */
			rc = -EINVAL;
			*why = "F_RESET needs the keys again (F_IN_KEYS/F_OUT_KEYS)";
		}
	}
	if (rc)
		goto fail;
	if (m->flow.flags & XS_DP_FLOW_F_RESET) {
		struct dp_flow *nf = dp_flow_new(cfg, ks[0], ks[1]);

		if (!nf) {
			rc = -ENOMEM;
			*why = "out of memory";
			goto fail;
		}
		rc = dp_table_replace(ctx->table, f, nf);
		if (rc) {
			*why = "the RTCP port (local port + 1) is in use";
			nf->cfg = NULL;
			nf->ks[0] = nf->ks[1] = NULL;
			dp_flow_free(nf);
			goto fail;
		}
		return 0;
	}
	rc = dp_flow_set_cfg(ctx->table, f, cfg);
	if (rc) {
		*why = "the RTCP port (local port + 1) is in use";
		goto fail;
	}
	for (unsigned d = 0; d < 2; d++)
		if (set[d])
			dp_flow_set_keys(f, d, ks[d]);
	return 0;
fail:
	dp_flow_cfg_free(cfg);
	dp_keyset_free(ks[0]);
	dp_keyset_free(ks[1]);
	return rc;
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
	uint8_t *suite;
	int rc;

	if (!f || idx != DP_NODE_RTP) {
		*why = "no flow at this local address and port";
		return -ENOENT;
	}
	cur = f->ks[k->dir];
	rc = dp_keyset_new(&k->crypto, (cur ? cur->gen : f->st.gen[k->dir]) + 1, cur,
			   __atomic_load_n(&f->st.gen[k->dir], __ATOMIC_ACQUIRE), &ks);
	if (rc) {
		*why = rc == -EINVAL ? "the SRTP engine refused the keys" : "key setup failed";
		return rc;
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

void dp_ops_flow_info(struct dp_ctx *ctx, const struct dp_flow *f, struct xs_dp_flow_info *info)
{
	const struct dp_flow_cfg *cfg = f->cfg;

	memset(info, 0, sizeof(*info));
	info->flow = cfg->wire;
	if (cfg->wire.src_policy == XS_DP_SRC_LATCH)
		info->flow.peer = f->st.latched[DP_NODE_RTP];
	info->rtcp_peer = f->st.latched[DP_NODE_RTCP];
	info->in_keys = f->ks[XS_DP_DIR_IN] != NULL;
	info->out_keys = f->ks[XS_DP_DIR_OUT] != NULL;
	info->in_roc = xs_srtp_stream_roc(&f->st.stream[XS_DP_DIR_IN]);
	info->out_roc = xs_srtp_stream_roc(&f->st.stream[XS_DP_DIR_OUT]);
	info->in_ssrc = f->st.stream[XS_DP_DIR_IN].ssrc;
	info->out_ssrc = f->st.stream[XS_DP_DIR_OUT].ssrc;
#define COPY(name, help) info->stats.name = f->st.cnt[DP_FCNT_##name];
	XS_DP_FLOW_COUNTERS(COPY)
#undef COPY
	info->stats.last_rx_ns = dp_app_tsc_to_ns(ctx, f->st.last_rx_tsc);
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
