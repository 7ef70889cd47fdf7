/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker lcore: one poll loop, its state in one cache-aligned struct.
 *
 *   RX burst -> parse -> session lookup (claim or hand off) -> source and key
 *   checks -> group by flow -> one xs_srtp_burst -> latch -> header rewrite
 *   (IP/UDP checksums) -> buffered TX per port, drained on a timer.
 *
 * Host frames (ARP, ICMP echo, ND) are answered in place on the lcore that
 * receives them; neighbours learned or needed go to the control thread as
 * events. Hot path: no locks, syscalls, allocation or logs (the optional idle
 * sleep, off by default, is taken only when there is no traffic).
 */
#ifndef DP_WORKER_H
#define DP_WORKER_H

#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dp_app.h"
#include "dp_parse.h"

struct dp_item {
	struct rte_mbuf *m;
	struct dp_flow *f;
	const struct dp_flow_cfg *cfg;
	const struct dp_keyset *ks[2];
	uint8_t rtcp;
	uint8_t pk;              /* index into pk[] */
	uint8_t pad[6];
};

struct dp_worker {
	struct dp_ctx *ctx;
	unsigned idx;
	unsigned lcore;
	uint32_t me;                              /* flow owner id: lcore + 1 */
	struct { uint16_t port, queue; } rxq[DP_MAX_PORTS];
	unsigned n_rxq;
	uint16_t txq;                             /* this worker's TX queue on every port */
	struct rte_eth_dev_tx_buffer *txb[DP_MAX_PORTS];
	struct rte_ring *handoff;                 /* packets for flows this lcore owns */
	struct xs_srtp_engine *eng;
	uint64_t now;                             /* TSC at the top of the loop */
	uint64_t last_drain;
	uint64_t drain_tsc;
	uint64_t last_resolve;
	unsigned idle_loops;
	volatile int running;
	uint64_t polls;                           /* loop iterations (plain counters, */
	uint64_t empty_polls;                     /* read racily by benchmarks) */
	uint64_t busy_tsc;                        /* TSC spent in polls that found work */

	uint64_t cnt[DP_CNT_COUNT] __rte_cache_aligned;

	/* Burst scratch. */
	struct dp_pkt pk[DP_BURST] __rte_cache_aligned;
	struct dp_item item[DP_BURST];
	struct dp_flow *lf[DP_BURST];             /* looked-up flows of the UDP frames */
	uint8_t lidx[DP_BURST];                   /* their index in the burst */
	uint8_t lnode[DP_BURST];                  /* DP_NODE_RTP or DP_NODE_RTCP */
	uint16_t order[DP_BURST];
	struct xs_srtp_op ops[DP_BURST];
	struct xs_srtp_xform xf[DP_BURST][2];
	struct rte_mbuf *ho[DP_MAX_WORKERS][DP_BURST];
	uint16_t nho[DP_MAX_WORKERS];
} __rte_cache_aligned;

/* Allocate a worker for lcore (not started). NULL on failure. */
struct dp_worker *dp_worker_new(struct dp_ctx *ctx, unsigned idx, unsigned lcore);
void dp_worker_free(struct dp_worker *w);
/* The lcore entry point (rte_eal_remote_launch): loops until ctx->stop. */
int dp_worker_main(void *arg);
/* One burst of received frames (n <= DP_BURST), each with m->port set to the
 * port it arrived on. Consumes them all (sent, handed off or freed). */
void dp_worker_burst(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n);
/* Drain the TX buffers now. */
void dp_worker_flush(struct dp_worker *w);

#endif
