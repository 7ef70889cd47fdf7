/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker poll loop; see dp_worker.h. */
#define _LGPL_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "dp_csum.h"
#include "dp_host.h"
#include "dp_rewrite.h"
#include "dp_worker.h"

#define HANDOFF_RING 4096
#define IDLE_LOOPS 2000

static inline void drop(struct dp_worker *w, struct rte_mbuf *m, enum dp_cnt c)
{
	w->cnt[c]++;
	rte_pktmbuf_free(m);
}

/* A flow's drop: counted on the flow (owner) and globally. */
static inline void fdrop(struct dp_worker *w, struct dp_flow *f, struct rte_mbuf *m,
			 enum dp_fcnt fc)
{
	f->st.cnt[fc]++;
	drop(w, m, DP_CNT_drop_flow);
}

static inline void tx(struct dp_worker *w, uint16_t port, struct rte_mbuf *m)
{
	w->cnt[DP_CNT_tx_pkts]++;
	w->cnt[DP_CNT_tx_bytes] += rte_pktmbuf_pkt_len(m);
	rte_eth_tx_buffer(port, w->txq, w->txb[port], m);
}

static inline unsigned hw_flags(const struct rte_mbuf *m)
{
	uint64_t f = m->ol_flags;
	unsigned hw = 0;

	if ((f & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		hw |= DP_HW_IP_GOOD;
	else if ((f & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		hw |= DP_HW_IP_BAD;
	if ((f & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		hw |= DP_HW_L4_GOOD;
	else if ((f & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		hw |= DP_HW_L4_BAD;
	return hw;
}

static void host_frame(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *pk)
{
	struct dp_ctx *ctx = w->ctx;
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), out_len = 0;
	uint32_t room = len + rte_pktmbuf_tailroom(m);
	struct dp_neigh_ev ev;
	enum dp_cnt c = DP_CNT_COUNT;
	unsigned act;

	if (pk->kind == DP_PKT_ARP)
		w->cnt[DP_CNT_arp_rx]++;
	act = dp_host_input(frame, len, room, pk, m->port, ctx->port[m->port].mac, &ctx->conf,
			    &out_len, &ev, &c);
	if (act & DP_HOST_LEARN)
		rte_ring_enqueue_elem(ctx->neigh_ev, &ev, sizeof(ev)); /* full: learn later */
	if (!act)
		c = DP_CNT_host_other;
	if (c < DP_CNT_COUNT)
		w->cnt[c]++;
	if (!(act & DP_HOST_REPLY)) {
		rte_pktmbuf_free(m);
		return;
	}
	m->data_len = (uint16_t)out_len;
	m->pkt_len = out_len;
	m->ol_flags = 0;
	tx(w, m->port, m);
}

static void handoff(struct dp_worker *w, struct rte_mbuf *m, uint32_t owner)
{
	int16_t oi = owner - 1 < RTE_MAX_LCORE ? w->ctx->lcore_worker[owner - 1] : -1;

	if (oi < 0) {
		drop(w, m, DP_CNT_drop_handoff);
		return;
	}
	w->ho[oi][w->nho[oi]++] = m;
}

static void handoff_flush(struct dp_worker *w)
{
	for (unsigned i = 0; i < w->ctx->n_workers; i++) {
		unsigned n = w->nho[i], sent;

		if (!n)
			continue;
		sent = rte_ring_enqueue_burst(w->ctx->worker[i]->handoff, (void **)w->ho[i], n, NULL);
		w->cnt[DP_CNT_handoff] += sent;
		for (unsigned k = sent; k < n; k++)
			drop(w, w->ho[i][k], DP_CNT_drop_handoff);
		w->nho[i] = 0;
	}
}

static inline bool src_matches(const struct xs_dp_addr *peer, const struct dp_pkt *pk,
			       uint16_t want_port)
{
	return dp_addr_ip_eq(peer, pk->family, pk->src) &&
	       (want_port == 0 || want_port == pk->sport);
}

static inline void latch_set(struct xs_dp_addr *lat, const struct dp_pkt *pk)
{
	lat->family = pk->family;
	lat->port = pk->sport;
	memcpy(lat->addr, pk->src, pk->family == 4 ? 4 : 16);
}

/* May a packet from a new source move this flow's latch once it has
 * authenticated (F_RELATCH, SRTP input)? */
/* Only a packet whose tag was checked may move the latch: not under a NULL-auth
 * suite, UNAUTHENTICATED_SRTP, or x-sipura's clear RTCP (a forged one would do). */
static inline bool may_relatch(const struct dp_flow_cfg *cfg, const struct dp_keyset *in,
			       bool rtcp)
{
	return (cfg->wire.flags & XS_DP_FLOW_F_RELATCH) && in && in->keys &&
	       xs_srtp_keys_authenticated(in->keys, rtcp);
}

/*
 * The source policy, before crypto: FIXED accepts flow.peer only (port 0:
 * any); LATCH_IP only flow.peer's address; the latching policies, once
 * latched, only the latched source, unless the flow may relatch (the packet
 * then has to authenticate first, see latch_after).
 */
static bool src_allowed(const struct dp_flow_cfg *cfg, const struct dp_flow *f,
			const struct dp_keyset *in, const struct dp_pkt *pk, unsigned node, bool rtcp)
{
	const struct xs_dp_addr *lat;
	uint16_t want_port;

	switch (cfg->wire.src_policy) {
	case XS_DP_SRC_FIXED:
		want_port = cfg->wire.peer.port;
		if (want_port && rtcp && node == DP_NODE_RTCP)
			want_port++;
		return src_matches(&cfg->wire.peer, pk, want_port);
	case XS_DP_SRC_LATCH_IP:
		if (!dp_addr_ip_eq(&cfg->wire.peer, pk->family, pk->src))
			return false;
		/* fall through */
	default:
		lat = dp_flow_latched(cfg, &f->st, rtcp);
		return !lat || src_matches(lat, pk, lat->port) || may_relatch(cfg, in, rtcp);
	}
}

/* The table key of a UDP frame: the relay's address and port it was sent to. */
static inline void frame_key(const struct dp_pkt *pk, struct xs_dp_addr *key)
{
	memset(key, 0, sizeof(*key));
	key->family = pk->family;
	key->port = pk->dport;
	memcpy(key->addr, pk->dst, pk->family == 4 ? 4 : 16);
}

/* Stage 1a for one UDP frame: the session lookup (its index slot was
 * prefetched with the burst's). The flow's lines that stage 1b and the
 * rewrite touch (owner and RCU pointers, latched peers and counters) are
 * prefetched, so the misses of a burst's flows overlap instead of following
 * one another. NULL: dropped and counted. */
static struct dp_flow *udp_lookup(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *pk,
				  const struct xs_dp_addr *key, unsigned *node)
{
	struct dp_ctx *ctx = w->ctx;
	struct dp_flow *f;

	f = dp_table_lookup(ctx->table, key, node);
	if (!f) {
		drop(w, m, dp_conf_find_local(&ctx->conf, pk->family, pk->dst) ?
			   DP_CNT_drop_unknown_port : DP_CNT_drop_not_local);
		return NULL;
	}
	rte_prefetch0(&f->owner);
	rte_prefetch0(&f->st.latched[0]);
	rte_prefetch0(&f->st.cnt[0]);
	return f;
}

/* Stage 1b for one UDP frame of flow f: hop limit, ownership, the commands of
 * new keysets, RTP check, source policy, keys. Returns true when the packet
 * joins the crypto burst as item *it. Nothing here counts the packet as
 * received: only what passes the crypto stage does (finish). */
static bool udp_frame(struct dp_worker *w, struct rte_mbuf *m, unsigned pi, struct dp_flow *f,
		      unsigned node, struct dp_item *it)
{
	const struct dp_pkt *pk = &w->pk[pi];
	const struct dp_flow_cfg *cfg;
	uint32_t owner;
	bool rtcp;

	/* Forwarding takes one off the TTL (dp_rewrite); a loop ends here. */
	if (pk->ttl <= 1) {
		drop(w, m, DP_CNT_drop_ttl);
		return false;
	}
	owner = dp_flow_claim(f, w->me);
	if (owner != w->me) {
		handoff(w, m, owner);
		return false;
	}
	cfg = rcu_dereference(f->cfg);
	it->ks[0] = rcu_dereference(f->ks[XS_DP_DIR_IN]);
	it->ks[1] = rcu_dereference(f->ks[XS_DP_DIR_OUT]);
	/* A REPLACE's commands (forget the latch, reset or raise a stream) before
	 * this packet is judged by them. */
	for (unsigned d = 0; d < 2; d++)
		if (it->ks[d])
			dp_flow_sync_keys(f, d, it->ks[d]);
	if (!dp_rtp_classify(rte_pktmbuf_mtod_offset(m, uint8_t *, pk->pay_off), pk->pay_len,
			     node == DP_NODE_RTCP, &rtcp)) {
		w->cnt[DP_CNT_drop_not_rtp]++;
		f->st.cnt[DP_FCNT_drop_not_rtp]++;
		rte_pktmbuf_free(m);
		return false;
	}
	if (!src_allowed(cfg, f, it->ks[0], pk, node, rtcp)) {
		fdrop(w, f, m, DP_FCNT_drop_source);
		return false;
	}
	if (!it->ks[0] || !it->ks[1]) {
		fdrop(w, f, m, DP_FCNT_drop_no_keys);
		return false;
	}
	it->m = m;
	it->f = f;
	it->cfg = cfg;
	it->rtcp = rtcp;
	it->pk = (uint8_t)pi;
	return true;
}

/* Order items so that each flow's packets are contiguous, keeping arrival
 * order inside a flow (ipsec-secgw's sa_group). */
static void group_by_flow(struct dp_worker *w, unsigned n)
{
	struct dp_flow *head[DP_BURST];
	uint16_t next[DP_BURST], first[DP_BURST], last[DP_BURST];
	unsigned ng = 0, k = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned g = 0;

		while (g < ng && head[g] != w->item[i].f)
			g++;
		next[i] = UINT16_MAX;
		if (g == ng) {
			head[ng] = w->item[i].f;
			first[ng] = last[ng] = (uint16_t)i;
			ng++;
		} else {
			next[last[g]] = (uint16_t)i;
			last[g] = (uint16_t)i;
		}
	}
	for (unsigned g = 0; g < ng; g++)
		for (uint16_t i = first[g]; i != UINT16_MAX; i = next[i])
			w->order[k++] = i;
}

static void fill_ops(struct dp_worker *w, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		struct dp_item *it = &w->item[w->order[k]];
		const struct dp_pkt *pk = &w->pk[it->pk];
		struct xs_srtp_op *op = &w->ops[k];
		struct rte_mbuf *m = it->m;

		op->pkt = rte_pktmbuf_mtod_offset(m, uint8_t *, pk->pay_off);
		op->len = pk->pay_len;
		op->room = (uint32_t)(m->buf_len - m->data_off - pk->pay_off);
		op->rtcp = it->rtcp;
		op->status = 0;
		op->in = op->out = NULL;
		for (unsigned d = 0; d < 2; d++) {
			if (!it->ks[d]->keys)
				continue;
			w->xf[k][d].keys = it->ks[d]->keys;
			w->xf[k][d].stream = &it->f->st.stream[d];
		}
		if (it->ks[0]->keys)
			op->in = &w->xf[k][0];
		if (it->ks[1]->keys)
			op->out = &w->xf[k][1];
	}
}

static enum dp_fcnt srtp_reason(uint8_t status)
{
	switch (status) {
	case XS_SRTP_E_AUTH: return DP_FCNT_auth_fail;
	case XS_SRTP_E_REPLAY:
	case XS_SRTP_E_TOO_OLD: return DP_FCNT_replay;
	case XS_SRTP_E_BAD_SUITE: return DP_FCNT_drop_no_keys;
	case XS_SRTP_E_SSRC_LIMIT: return DP_FCNT_drop_ssrc_limit;
	default: return DP_FCNT_drop_srtp;
	}
}

static void want_neighbour(struct dp_worker *w, const struct dp_flow_cfg *cfg)
{
	struct dp_neigh_ev ev;

	/* At most one request per lcore per millisecond; the control thread
	 * rate-limits per address. */
	if (w->now - w->last_resolve < w->ctx->tsc_hz / 1000)
		return;
	w->last_resolve = w->now;
	memset(&ev, 0, sizeof(ev));
	ev.type = DP_NEIGH_EV_RESOLVE;
	ev.family = cfg->wire.out_dst.family;
	ev.port = cfg->tx_port;
	ev.vlan = cfg->vlan;
	memcpy(ev.ip, cfg->nexthop, sizeof(ev.ip));
	rte_ring_enqueue_elem(w->ctx->neigh_ev, &ev, sizeof(ev));
}

/* After crypto, a latching flow takes the packet's source: the first that
 * passed, or with F_RELATCH a new one that authenticated (counted). False: a
 * second source inside the burst that latched, to drop. */
static bool latch_after(const struct dp_item *it, const struct dp_pkt *pk)
{
	struct dp_flow *f = it->f;
	const struct xs_dp_addr *lat;

	if (it->cfg->wire.src_policy == XS_DP_SRC_FIXED)
		return true;
	lat = dp_flow_latched(it->cfg, &f->st, it->rtcp);
	if (lat && src_matches(lat, pk, lat->port))
		return true;
	if (lat) {
		if (!may_relatch(it->cfg, it->ks[0], it->rtcp))
			return false;
		f->st.cnt[DP_FCNT_relatch]++;
	}
	latch_set(&f->st.latched[it->rtcp], pk);
	return true;
}

/* A packet that passed every check on its way in (source, unprotect) and
 * through the SRTP stage: what keeps a call alive. Forged, replayed or
 * unauthenticated packets never get here. */
static inline void count_rx(struct dp_worker *w, struct dp_flow *f, const struct dp_pkt *pk,
			    bool rtcp)
{
	f->st.cnt[DP_FCNT_pkts_in]++;
	f->st.cnt[DP_FCNT_bytes_in] += pk->pay_len;
	f->st.cnt[DP_FCNT_rtcp_in] += rtcp;
	f->st.last_rx_tsc = w->now;
}

/* Stage 3: after crypto, per packet in group order. */
static void finish(struct dp_worker *w, unsigned n)
{
	const struct dp_flow_cfg *last_cfg = NULL;
	uint8_t dmac[6];
	bool have_mac = false;

	for (unsigned k = 0; k < n; k++) {
		struct dp_item *it = &w->item[w->order[k]];
		const struct dp_pkt *pk = &w->pk[it->pk];
		struct xs_srtp_op *op = &w->ops[k];
		struct dp_flow *f = it->f;

		if (op->status != XS_SRTP_OK) {
			fdrop(w, f, it->m, srtp_reason(op->status));
			continue;
		}
		if (!latch_after(it, pk)) {
			fdrop(w, f, it->m, DP_FCNT_drop_source);
			continue;
		}
		count_rx(w, f, pk, it->rtcp);
		if (it->cfg != last_cfg) {
			last_cfg = it->cfg;
			if (it->cfg->has_static_mac) {
				memcpy(dmac, it->cfg->static_mac, 6);
				have_mac = true;
			} else {
				have_mac = dp_neigh_lookup(w->ctx->neigh, it->cfg->tx_port,
							   it->cfg->wire.out_dst.family,
							   it->cfg->nexthop, dmac);
			}
			if (!have_mac)
				want_neighbour(w, it->cfg);
		}
		if (!have_mac) {
			f->st.cnt[DP_FCNT_drop_no_route]++;
			drop(w, it->m, DP_CNT_drop_no_route);
			continue;
		}
		if (dp_rewrite(it->m, pk, it->cfg, &w->ctx->port[it->cfg->tx_port], dmac,
			       it->rtcp, op->len)) {
			f->st.cnt[DP_FCNT_drop_srtp]++;
			drop(w, it->m, DP_CNT_drop_flow);
			continue;
		}
		f->st.cnt[DP_FCNT_pkts_out]++;
		f->st.cnt[DP_FCNT_bytes_out] += op->len;
		w->cnt[DP_CNT_relayed]++;
		tx(w, it->cfg->tx_port, it->m);
	}
}

/* Rule 6 of dp_flow.h around the crypto burst: each flow of the burst once
 * (group_by_flow made their items contiguous). */
static void streams_change(struct dp_worker *w, unsigned n, bool begin)
{
	struct dp_flow *last = NULL;

	for (unsigned k = 0; k < n; k++) {
		struct dp_flow *f = w->item[w->order[k]].f;

		if (f == last)
			continue;
		last = f;
		if (begin)
			dp_flow_write_begin(f);
		else
			dp_flow_write_end(f);
	}
}

/* A burst of frames: received from a port (counted as received), or handed
 * over by another lcore (counted there). */
static void burst(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n, bool from_port)
{
	unsigned nit = 0, nudp = 0, nframe = 0;
	uint8_t udp[DP_BURST];
	struct xs_dp_addr key[DP_BURST];   /* of the UDP frames, for their lookups */

	for (unsigned i = 0; i < n && i < 4; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	/* Parse the whole burst first, prefetching each UDP frame's index slot;
	 * then look the frames up (flow lines prefetched); then run the per-flow
	 * checks over them. Each stage's misses overlap across the burst. */
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_pkt *pk = &w->pk[i];

		if (i + 4 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 4], void *));
		if (from_port) {
			w->cnt[DP_CNT_rx_pkts]++;
			w->cnt[DP_CNT_rx_bytes] += rte_pktmbuf_pkt_len(m);
		}
		if (m->nb_segs != 1) {
			drop(w, m, DP_CNT_drop_multiseg);
			continue;
		}
		switch (dp_parse_frame(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m),
				       hw_flags(m), pk)) {
		case DP_PKT_UDP:
			frame_key(pk, &key[nframe]);
			dp_table_prefetch(w->ctx->table, &key[nframe]);
			udp[nframe++] = (uint8_t)i;
			break;
		case DP_PKT_ARP:
		case DP_PKT_ICMP:
		case DP_PKT_ICMP6:
			host_frame(w, m, pk);
			break;
		default:
			drop(w, m, (enum dp_cnt)pk->drop);
			break;
		}
	}
	for (unsigned u = 0; u < nframe; u++) {
		unsigned i = udp[u], node;

		w->lf[nudp] = udp_lookup(w, pkts[i], &w->pk[i], &key[u], &node);
		if (w->lf[nudp]) {
			w->lnode[nudp] = (uint8_t)node;
			w->lidx[nudp++] = (uint8_t)i;
		}
	}
	for (unsigned u = 0; u < nudp; u++) {
		unsigned i = w->lidx[u];

		if (udp_frame(w, pkts[i], i, w->lf[u], w->lnode[u], &w->item[nit]))
			nit++;
	}
	handoff_flush(w);
	if (!nit)
		return;
	group_by_flow(w, nit);
	fill_ops(w, nit);
	streams_change(w, nit, true);
	xs_srtp_burst(w->eng, w->ops, nit);
	streams_change(w, nit, false);
	finish(w, nit);
}

void dp_worker_burst(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n)
{
	burst(w, pkts, n, true);
}

void dp_worker_flush(struct dp_worker *w)
{
	for (unsigned p = 0; p < w->ctx->conf.n_ports; p++)
		if (w->txb[p])
			rte_eth_tx_buffer_flush(p, w->txq, w->txb[p]);
	w->last_drain = w->now;
}

static unsigned poll_once(struct dp_worker *w)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned total = 0, n;

	for (unsigned q = 0; q < w->n_rxq; q++) {
		uint16_t port = w->rxq[q].port;

		n = rte_eth_rx_burst(port, w->rxq[q].queue, pkts, DP_BURST);
		for (unsigned i = 0; i < n; i++)
			pkts[i]->port = port;
		if (n)
			dp_worker_burst(w, pkts, n);
		total += n;
	}
	n = rte_ring_dequeue_burst(w->handoff, (void **)pkts, DP_BURST, NULL);
	if (n)
		burst(w, pkts, n, false);
	total += n;
	if (w->idx == 0) {
		for (unsigned p = 0; p < w->ctx->conf.n_ports; p++) {
			n = rte_ring_dequeue_burst(w->ctx->host_tx[p], (void **)pkts, DP_BURST, NULL);
			for (unsigned i = 0; i < n; i++)
				tx(w, (uint16_t)p, pkts[i]);
			total += n;
		}
	}
	return total;
}

int dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct dp_ctx *ctx = w->ctx;

	urcu_qsbr_register_thread();
	w->running = 1;
	w->now = rte_rdtsc();
	w->last_drain = w->now;
	while (!__atomic_load_n(&ctx->stop, __ATOMIC_RELAXED)) {
		unsigned got;

		w->now = rte_rdtsc();
		got = poll_once(w);
		if (w->now - w->last_drain >= w->drain_tsc)
			dp_worker_flush(w);
		urcu_qsbr_quiescent_state();
		w->polls++;
		w->empty_polls += !got;
		if (got) {
			w->busy_tsc += rte_rdtsc() - w->now;
			w->idle_loops = 0;
		} else if (ctx->conf.idle_sleep_us && ++w->idle_loops > IDLE_LOOPS) {
			dp_worker_flush(w);
			urcu_qsbr_thread_offline();
			usleep(ctx->conf.idle_sleep_us);
			urcu_qsbr_thread_online();
		}
	}
	dp_worker_flush(w);
	urcu_qsbr_unregister_thread();
	w->running = 0;
	return 0;
}

struct dp_worker *dp_worker_new(struct dp_ctx *ctx, unsigned idx, unsigned lcore)
{
	struct dp_worker *w;
	char name[RTE_RING_NAMESIZE];

	w = rte_zmalloc_socket("dp_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
			       rte_lcore_to_socket_id(lcore));
	if (!w)
		return NULL;
	w->ctx = ctx;
	w->idx = idx;
	w->lcore = lcore;
	w->me = lcore + 1;
	w->txq = (uint16_t)idx;
	w->drain_tsc = ctx->tsc_hz / 1000000 * (ctx->conf.drain_us ? ctx->conf.drain_us : 100);
	snprintf(name, sizeof(name), "dp_ho_%u", idx);
	w->handoff = rte_ring_create(name, HANDOFF_RING, rte_lcore_to_socket_id(lcore),
				     RING_F_SC_DEQ);
	w->eng = xs_srtp_engine_create();
	if (!w->handoff || !w->eng)
		goto fail;
	for (unsigned p = 0; p < ctx->conf.n_ports; p++) {
		w->txb[p] = rte_zmalloc_socket("dp_txb", RTE_ETH_TX_BUFFER_SIZE(DP_BURST), 0,
					       rte_lcore_to_socket_id(lcore));
		if (!w->txb[p])
			goto fail;
		rte_eth_tx_buffer_init(w->txb[p], DP_BURST);
		rte_eth_tx_buffer_set_err_callback(w->txb[p], rte_eth_tx_buffer_count_callback,
						   &w->cnt[DP_CNT_drop_tx]);
	}
	return w;
fail:
	dp_worker_free(w);
	return NULL;
}

void dp_worker_free(struct dp_worker *w)
{
	if (!w)
		return;
	for (unsigned p = 0; p < DP_MAX_PORTS; p++)
		rte_free(w->txb[p]);
	rte_ring_free(w->handoff);
	xs_srtp_engine_free(w->eng);
	rte_free(w);
}
