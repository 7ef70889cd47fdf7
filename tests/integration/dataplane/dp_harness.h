/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-process harness: a real xsrelay-dp instance (dp_app: workers on their own
 * lcore, control thread, control socket) on two net_ring ports. The test
 * plays both peers: it enqueues frames on a port's RX ring and dequeues what
 * the relay transmitted from its TX ring.
 *
 *   port 0: relay 10.0.0.1/24, 2001:db8::1/64   peer A 10.0.0.2, 2001:db8::2
 *   port 1: relay 10.0.1.1/24                   peer B 10.0.1.2
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

struct harness {
	struct dp_ctx ctx;
	struct rte_ring *rx[2], *tx[2];
	struct rte_mempool *pool;
	char sock[108];
	int fd;
	uint32_t seq;
};

static inline int h_eal(const char *prefix)
{
	char fp[64];
	char *argv[] = { "test", "--no-huge", "--no-shconf", "--no-pci", "-l", "0-1",
			 "--log-level", "*:warning", "--no-telemetry", fp, NULL };

	snprintf(fp, sizeof(fp), "--file-prefix=%s", prefix);
	return rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv);
}

static inline int h_start(struct harness *h, const char *prefix)
{
	struct dp_conf c;
	char name[32];

	memset(h, 0, sizeof(*h));
	for (int p = 0; p < 2; p++) {
		snprintf(name, sizeof(name), "h_rx%d", p);
		h->rx[p] = rte_ring_create(name, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "h_tx%d", p);
		h->tx[p] = rte_ring_create(name, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "net_ring_h%d", p);
		if (rte_eth_from_rings(name, &h->rx[p], 1, &h->tx[p], 1, 0) != p)
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
	if (dp_app_init(&h->ctx, &c) || dp_app_start(&h->ctx))
		return -1;
	h->fd = xs_dp_client_connect(h->sock);
	if (h->fd < 0 || xs_dp_client_hello(h->fd, ++h->seq))
		return -1;
	return 0;
}

static inline void h_stop(struct harness *h)
{
	close(h->fd);
	dp_app_stop(&h->ctx);
	dp_app_fini(&h->ctx);
}

/* Inject one frame on port p. */
static inline void h_send(struct harness *h, int p, const uint8_t *frame, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(h->pool);

	memcpy(rte_pktmbuf_append(m, (uint16_t)len), frame, len);
	while (rte_ring_enqueue(h->rx[p], m))
		usleep(100);
}

/* Receive one frame from port p within ms milliseconds. Length, or 0. */
static inline uint32_t h_recv(struct harness *h, int p, uint8_t *frame, unsigned ms)
{
	struct rte_mbuf *m;
	uint32_t len;

	for (unsigned i = 0; i < ms * 10; i++) {
		if (rte_ring_dequeue(h->tx[p], (void **)&m) == 0) {
			len = rte_pktmbuf_data_len(m);
			memcpy(frame, rte_pktmbuf_mtod(m, void *), len);
			rte_pktmbuf_free(m);
			return len;
		}
		usleep(100);
	}
	return 0;
}

/* Let the relay drain everything queued so far. */
static inline void h_settle(struct harness *h)
{
	for (int i = 0; i < 100 && (rte_ring_count(h->rx[0]) || rte_ring_count(h->rx[1])); i++)
		usleep(1000);
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
