/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-process harness: a real xsrelay-dp instance (dp_app: workers on their own
 * lcore, control thread, control socket) on two net_ring ports. The test
 * plays both peers: it enqueues frames on a port's RX ring and dequeues what
 * the relay transmitted from its TX ring.
 *
 *   port 0: relay 10.0.0.1/24, 2001:db8::1/64   peer A 10.0.0.2, 2001:db8::2
 *   port 1: relay 10.0.1.1/24                   peer B 10.0.1.2
 *           relay 2001:db8:1::1/64              peer B 2001:db8:1::2
 *           relay 10.0.2.1/24 on VLAN 100       peer B 10.0.2.2
 */
#ifndef DP_HARNESS_H
#define DP_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp_app.h"
#include "dp_client.h"
#include "dp_codec.h"
#include "dp_parse.h"
#include "dp_test_frames.h"
#include "dp_worker.h"

#define H_MAXQ 2

struct harness {
	struct dp_ctx ctx;
	struct rte_ring *rx[2], *tx[2];           /* queue 0 of each port */
	struct rte_ring *rxq[2][H_MAXQ], *txq[2][H_MAXQ];
	unsigned nq;                              /* queues per port */
	struct rte_mempool *pool;
	char sock[108];
	int fd;
	uint32_t seq;
};

/* EAL with lcores (an --lcores map: "0@0,1@1,2@1" gives two workers on a
 * two-CPU host) and telemetry on or off. */
static inline int h_eal_with(const char *prefix, const char *lcores, int telemetry)
{
	char fp[96], lc[64];
	char *argv[] = { "test", "--no-huge", "--no-shconf", "--no-pci", lc, "--log-level",
			 "*:warning", fp, telemetry ? NULL : "--no-telemetry", NULL };
	int argc = telemetry ? 8 : 9;

	snprintf(fp, sizeof(fp), "--file-prefix=%s", prefix);
	snprintf(lc, sizeof(lc), "--lcores=%s", lcores);
	return rte_eal_init(argc, argv);
}

static inline int h_eal(const char *prefix)
{
	return h_eal_with(prefix, "0-1", 0);
}

/* Two net_ring ports with nq RX and TX queues each (queue q of a port is
 * polled by worker q % workers), the relay addresses of the header comment
 * plus, on port 1, 2001:db8:1::1/64 and 10.0.2.1/24 on VLAN 100. */
static inline int h_start_nq(struct harness *h, const char *prefix, unsigned nq)
{
	struct dp_conf c;
	char name[32];

	memset(h, 0, sizeof(*h));
	h->nq = nq;
	for (int p = 0; p < 2; p++) {
		for (unsigned q = 0; q < nq; q++) {
			snprintf(name, sizeof(name), "h_rx%d_%u", p, q);
			h->rxq[p][q] = rte_ring_create(name, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
			snprintf(name, sizeof(name), "h_tx%d_%u", p, q);
			h->txq[p][q] = rte_ring_create(name, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (!h->rxq[p][q] || !h->txq[p][q])
				return -1;
		}
		h->rx[p] = h->rxq[p][0];
		h->tx[p] = h->txq[p][0];
		snprintf(name, sizeof(name), "net_ring_h%d", p);
		if (rte_eth_from_rings(name, h->rxq[p], nq, h->txq[p], nq, 0) != p)
			return -1;
	}
	h->pool = rte_pktmbuf_pool_create("h_pool", 4095, 64, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	dp_conf_defaults(&c);
	c.mbufs = 4095;
	c.idle_sleep_us = 200;
	c.drain_us = 50;
	snprintf(c.ctl_path, sizeof(c.ctl_path), "/tmp/%s-%d.sock", prefix, getpid());
	strcpy(h->sock, c.ctl_path);
	c.allow_uid[c.n_uid++] = getuid();
	dp_conf_add_local(&c, "0:10.0.0.1/24");
	dp_conf_add_local(&c, "0:2001:db8::1/64");
	dp_conf_add_local(&c, "1:10.0.1.1/24");
	dp_conf_add_local(&c, "1:2001:db8:1::1/64");
	dp_conf_add_local(&c, "1:10.0.2.1/24@100");
	if (dp_app_init(&h->ctx, &c) || dp_app_start(&h->ctx))
		return -1;
	h->fd = xs_dp_client_connect(h->sock);
	if (h->fd < 0 || xs_dp_client_hello(h->fd, ++h->seq))
		return -1;
	return 0;
}

static inline int h_start(struct harness *h, const char *prefix)
{
	return h_start_nq(h, prefix, 1);
}

static inline void h_stop(struct harness *h)
{
	close(h->fd);
	dp_app_stop(&h->ctx);
	dp_app_fini(&h->ctx);
}

/* Inject one frame on RX queue q of port p. */
static inline void h_send_q(struct harness *h, int p, unsigned q, const uint8_t *frame,
			    uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(h->pool);

	memcpy(rte_pktmbuf_append(m, (uint16_t)len), frame, len);
	while (rte_ring_enqueue(h->rxq[p][q], m))
		usleep(100);
}

/* Inject one frame on port p (queue 0). */
static inline void h_send(struct harness *h, int p, const uint8_t *frame, uint32_t len)
{
	h_send_q(h, p, 0, frame, len);
}

/* Receive one frame from any TX queue of port p within ms milliseconds.
 * Length, or 0. */
static inline uint32_t h_recv(struct harness *h, int p, uint8_t *frame, unsigned ms)
{
	struct rte_mbuf *m;
	uint32_t len;

	for (unsigned i = 0; i < ms * 10; i++) {
		for (unsigned q = 0; q < h->nq; q++) {
			if (rte_ring_dequeue(h->txq[p][q], (void **)&m) == 0) {
				len = rte_pktmbuf_data_len(m);
				memcpy(frame, rte_pktmbuf_mtod(m, void *), len);
				rte_pktmbuf_free(m);
				return len;
			}
		}
		usleep(100);
	}
	return 0;
}

/* Let the relay drain everything queued so far. */
static inline void h_settle(struct harness *h)
{
	for (int i = 0; i < 100; i++) {
		unsigned pending = 0;

		for (int p = 0; p < 2; p++)
			for (unsigned q = 0; q < h->nq; q++)
				pending += rte_ring_count(h->rxq[p][q]);
		if (!pending)
			break;
		usleep(1000);
	}
	usleep(20000);
}

static inline void h_drain(struct harness *h, int p)
{
	uint8_t f[2048];

	while (h_recv(h, p, f, 5))
		;
}

static inline uint64_t h_global(struct harness *h, enum dp_cnt c)
{
	uint64_t s = 0;

	for (unsigned i = 0; i < h->ctx.n_workers; i++)
		s += h->ctx.worker[i]->cnt[c];
	return s;
}

static inline int h_flow_info(struct harness *h, const char *local, struct xs_dp_flow_info *info)
{
	struct xs_dp_flow_ref r = { 0 };
	uint8_t buf[1024];
	long n;

	xs_dp_addr_parse(local, &r.local, false);
	n = xs_dp_client_call(h->fd, XS_DP_MSG_FLOW_GET, ++h->seq, &r, sizeof(r), buf, sizeof(buf));
	if (n != (long)(sizeof(struct xs_dp_hdr) + 8 + sizeof(*info)))
		return -1;
	memcpy(info, buf + sizeof(struct xs_dp_hdr) + 8, sizeof(*info));
	return 0;
}

#endif
