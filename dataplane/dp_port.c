/* SPDX-License-Identifier: BSD-3-Clause */
/* Port setup: queues per worker, RSS when the port supports it, checksum
 * offloads when offered. */
#include <errno.h>

#include <rte_ethdev.h>
#include <rte_log.h>

#include "dp_app.h"
#include "dp_worker.h"

#define RTE_LOGTYPE_XSDP RTE_LOGTYPE_USER1

int dp_port_setup(struct dp_ctx *ctx, uint16_t port)
{
	struct dp_port_info *pi = &ctx->port[port];
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	struct rte_eth_rxconf rxc;
	struct rte_eth_txconf txc;
	struct rte_ether_addr mac;
	uint16_t rxd = (uint16_t)ctx->conf.rxd, txd = (uint16_t)ctx->conf.txd;
	const uint64_t rx_cs = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	const uint64_t tx_cs = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	unsigned nw = ctx->n_workers;
	int rc;

	if (!rte_eth_dev_is_valid_port(port))
		return -ENODEV;
	rc = rte_eth_dev_info_get(port, &info);
	if (rc)
		return rc;
	pi->nb_rxq = (uint16_t)RTE_MIN(nw, info.max_rx_queues);
	pi->nb_txq = (uint16_t)nw;
	if (info.max_tx_queues < nw) {
		RTE_LOG(ERR, XSDP, "port %u: %u TX queues, %u workers need one each\n", port,
			info.max_tx_queues, nw);
		return -EINVAL;
	}
	if (pi->nb_rxq > 1 && (info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP))) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
		pi->rss = true;
	}
	if ((info.rx_offload_capa & rx_cs) == rx_cs) {
		conf.rxmode.offloads |= rx_cs;
		pi->rx_csum = true;
	}
	if ((info.tx_offload_capa & tx_cs) == tx_cs) {
		conf.txmode.offloads |= tx_cs;
		pi->tx_csum = true;
	}
	rc = rte_eth_dev_configure(port, pi->nb_rxq, pi->nb_txq, &conf);
	if (rc)
		return rc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
	if (rc)
		return rc;
	rxc = info.default_rxconf;
	rxc.offloads = conf.rxmode.offloads;
	txc = info.default_txconf;
	txc.offloads = conf.txmode.offloads;
	for (uint16_t q = 0; q < pi->nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(port, q, rxd, rte_eth_dev_socket_id(port), &rxc,
					    ctx->pool);
		if (rc)
			return rc;
	}
	for (uint16_t q = 0; q < pi->nb_txq; q++) {
		rc = rte_eth_tx_queue_setup(port, q, txd, rte_eth_dev_socket_id(port), &txc);
		if (rc)
			return rc;
	}
	rc = rte_eth_dev_start(port);
	if (rc)
		return rc;
	pi->started = true;
	rte_eth_macaddr_get(port, &mac);
	memcpy(pi->mac, mac.addr_bytes, 6);
	/* RX queue q is polled by worker q. */
	for (uint16_t q = 0; q < pi->nb_rxq; q++) {
		struct dp_worker *w = ctx->worker[q % nw];

		w->rxq[w->n_rxq].port = port;
		w->rxq[w->n_rxq].queue = q;
		w->n_rxq++;
	}
	RTE_LOG(INFO, XSDP, "port %u: %u rx / %u tx queues, rss %s, rx csum %s, tx csum %s\n",
		port, pi->nb_rxq, pi->nb_txq, pi->rss ? "on" : "off", pi->rx_csum ? "hw" : "sw",
		pi->tx_csum ? "hw" : "sw");
	return 0;
}

void dp_port_close(struct dp_ctx *ctx, uint16_t port)
{
	if (ctx->port[port].started)
		rte_eth_dev_stop(port);
	ctx->port[port].started = false;
}
