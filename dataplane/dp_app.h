/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application context: everything one xsrelay-dp instance owns, passed
 * explicitly (no mutable globals). Built after rte_eal_init() by dp_app_init();
 * dp_app_start() launches the workers on every worker lcore and the control
 * thread; dp_app_stop() stops them. main.c, the tests and the benchmark drive
 * the same functions.
 */
#ifndef DP_APP_H
#define DP_APP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_lcore.h>

#include "dp_conf.h"
#include "dp_flow.h"
#include "dp_neigh.h"

struct rte_mempool;
struct rte_ring;
struct dp_worker;
struct dp_ctl;

struct dp_port_info {
	uint8_t mac[6];
	uint16_t nb_rxq;
	uint16_t nb_txq;
	bool rx_csum;          /* NIC verifies IPv4/UDP checksums */
	bool tx_csum;          /* NIC fills IPv4/UDP checksums */
	bool rss;
	bool started;
};

struct dp_ctx {
	struct dp_conf conf;
	struct dp_table *table;
	struct dp_neigh *neigh;
	struct rte_mempool *pool;
	struct rte_ring *neigh_ev;                /* workers -> control (MP/SC) */
	struct rte_ring *host_tx[DP_MAX_PORTS];   /* control -> worker 0 (SP/SC) */
	struct dp_port_info port[DP_MAX_PORTS];
	struct dp_worker *worker[DP_MAX_WORKERS];
	unsigned n_workers;
	int16_t lcore_worker[RTE_MAX_LCORE];      /* lcore id -> worker index, -1 */
	struct dp_ctl *ctl;
	pthread_t ctl_thread;
	bool ctl_running;
	volatile int stop;
	uint64_t tsc_hz;
	uint64_t start_tsc;
	uint64_t start_realtime_ns;
};

/* After rte_eal_init: ports, pool, table, workers (not yet running). 0 or -errno. */
int dp_app_init(struct dp_ctx *ctx, const struct dp_conf *conf);
/* Launch the workers on every worker lcore and the control thread. */
int dp_app_start(struct dp_ctx *ctx);
/* Stop workers and control thread; wait for them. */
void dp_app_stop(struct dp_ctx *ctx);
/* Free everything dp_app_init made (ports are stopped and closed). */
void dp_app_fini(struct dp_ctx *ctx);

/* CLOCK_REALTIME nanoseconds of a TSC value taken by a worker. */
uint64_t dp_app_tsc_to_ns(const struct dp_ctx *ctx, uint64_t tsc);

/* Port setup (dp_port.c). */
int dp_port_setup(struct dp_ctx *ctx, uint16_t port);
void dp_port_close(struct dp_ctx *ctx, uint16_t port);

#endif
