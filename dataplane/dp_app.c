/* SPDX-License-Identifier: BSD-3-Clause */
/* Building, starting and stopping one data plane instance; see dp_app.h. */
#define _LGPL_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp_app.h"
#include "dp_ctl.h"
#include "dp_telemetry.h"
#include "dp_worker.h"

#define RTE_LOGTYPE_XSDP RTE_LOGTYPE_USER1

static unsigned app_gen; /* distinct DPDK object names when a process builds several */

/* Flows on hugepages (rte_malloc) when EAL has them; see dp_flow.h. */
static void *rte_mem_alloc(size_t size, size_t align)
{
	return rte_zmalloc("dp_flow", size, (unsigned)align);
}

static const struct dp_mem_ops rte_mem_ops = { rte_mem_alloc, rte_free };

uint64_t dp_app_tsc_to_ns(const struct dp_ctx *ctx, uint64_t tsc)
{
	if (!tsc)
		return 0;
	return ctx->start_realtime_ns +
	       (uint64_t)((double)(tsc - ctx->start_tsc) * 1e9 / (double)ctx->tsc_hz);
}

static int make_rings(struct dp_ctx *ctx, unsigned gen)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "dp_nev_%u", gen);
	ctx->neigh_ev = rte_ring_create_elem(name, sizeof(struct dp_neigh_ev), 1024,
					     (int)rte_socket_id(), RING_F_SC_DEQ);
	if (!ctx->neigh_ev)
		return -ENOMEM;
	for (unsigned p = 0; p < ctx->conf.n_ports; p++) {
		snprintf(name, sizeof(name), "dp_htx_%u_%u", gen, p);
		ctx->host_tx[p] = rte_ring_create(name, 256, (int)rte_socket_id(),
						  RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!ctx->host_tx[p])
			return -ENOMEM;
	}
	return 0;
}

int dp_app_init(struct dp_ctx *ctx, const struct dp_conf *conf)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	struct timespec ts;
	unsigned lc, gen = __atomic_fetch_add(&app_gen, 1, __ATOMIC_RELAXED);
	int rc;

	memset(ctx, 0, sizeof(*ctx));
	ctx->conf = *conf;
	ctx->tsc_hz = rte_get_tsc_hz();
	clock_gettime(CLOCK_REALTIME, &ts);
	ctx->start_tsc = rte_rdtsc();
	ctx->start_realtime_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	for (unsigned i = 0; i < RTE_MAX_LCORE; i++)
		ctx->lcore_worker[i] = -1;
	RTE_LCORE_FOREACH_WORKER(lc) {
		if (ctx->n_workers == DP_MAX_WORKERS)
			break;
		ctx->lcore_worker[lc] = (int16_t)ctx->n_workers++;
	}
	if (!ctx->n_workers) {
		RTE_LOG(ERR, XSDP, "no worker lcore: give EAL at least two lcores (-l 0-1)\n");
		return -EINVAL;
	}
	if (conf->n_ports > rte_eth_dev_count_avail()) {
		RTE_LOG(ERR, XSDP, "addresses name %u ports, %u available\n", conf->n_ports,
			rte_eth_dev_count_avail());
		return -ENODEV;
	}
	/* Before the first flow; every flow of a previous instance is gone. */
	dp_flow_mem_set(rte_eal_has_hugepages() ? &rte_mem_ops : NULL);
	RTE_LOG(INFO, XSDP, "flows in %s\n",
		rte_eal_has_hugepages() ? "hugepage memory (rte_malloc)" : "the C heap (no hugepages)");
	snprintf(name, sizeof(name), "dp_pool_%u", gen);
	ctx->pool = rte_pktmbuf_pool_create(name, conf->mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					    (int)rte_socket_id());
	ctx->table = dp_table_create(conf->flows_hint);
	ctx->neigh = rte_zmalloc("dp_neigh", sizeof(*ctx->neigh), RTE_CACHE_LINE_SIZE);
	if (!ctx->pool || !ctx->table || !ctx->neigh)
		return -ENOMEM;
	rc = make_rings(ctx, gen);
	if (rc)
		return rc;
	RTE_LCORE_FOREACH_WORKER(lc) {
		int16_t wi = ctx->lcore_worker[lc];

		if (wi < 0)
			continue;
		ctx->worker[wi] = dp_worker_new(ctx, (unsigned)wi, lc);
		if (!ctx->worker[wi])
			return -ENOMEM;
	}
	for (uint16_t p = 0; p < conf->n_ports; p++) {
		rc = dp_port_setup(ctx, p);
		if (rc) {
			RTE_LOG(ERR, XSDP, "port %u setup: %s\n", p, strerror(-rc));
			return rc;
		}
	}
	rc = dp_ctl_new(ctx, &ctx->ctl);
	if (rc)
		return rc;
	if (!conf->no_telemetry_cmds)
		dp_telemetry_register(ctx);
	return 0;
}

int dp_app_start(struct dp_ctx *ctx)
{
	unsigned lc;
	int rc;

	ctx->stop = 0;
	RTE_LCORE_FOREACH_WORKER(lc) {
		int16_t wi = ctx->lcore_worker[lc];

		if (wi < 0)
			continue;
		rc = rte_eal_remote_launch(dp_worker_main, ctx->worker[wi], lc);
		if (rc)
			return rc;
	}
	rc = pthread_create(&ctx->ctl_thread, NULL, dp_ctl_thread, ctx->ctl);
	if (rc)
		return -rc;
	ctx->ctl_running = true;
	return 0;
}

void dp_app_stop(struct dp_ctx *ctx)
{
	unsigned lc;

	__atomic_store_n(&ctx->stop, 1, __ATOMIC_RELEASE);
	RTE_LCORE_FOREACH_WORKER(lc)
		if (ctx->lcore_worker[lc] >= 0)
			rte_eal_wait_lcore(lc);
	if (ctx->ctl_running) {
		pthread_join(ctx->ctl_thread, NULL);
		ctx->ctl_running = false;
	}
}

void dp_app_fini(struct dp_ctx *ctx)
{
	dp_telemetry_unregister(ctx);
	dp_ctl_free(ctx->ctl);
	ctx->ctl = NULL;
	for (uint16_t p = 0; p < ctx->conf.n_ports; p++)
		dp_port_close(ctx, p);
	/* Every deferred free runs before the table goes. */
	urcu_qsbr_barrier();
	dp_table_destroy(ctx->table);
	dp_flow_mem_set(NULL);
	for (unsigned i = 0; i < ctx->n_workers; i++)
		dp_worker_free(ctx->worker[i]);
	for (unsigned p = 0; p < DP_MAX_PORTS; p++)
		rte_ring_free(ctx->host_tx[p]);
	rte_ring_free(ctx->neigh_ev);
	rte_free(ctx->neigh);
	rte_mempool_free(ctx->pool);
	memset(ctx, 0, sizeof(*ctx));
}
