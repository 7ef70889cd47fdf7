/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header rewrite: the payload stays where it is; new Ethernet (+802.1Q), IPv4
 * or IPv6, and UDP headers are written in front of it (the family may change:
 * the relay bridges IPv4 and IPv6). IP and UDP checksums in software, or by the
 * NIC when the port offers it.
 */
#ifndef DP_REWRITE_H
#define DP_REWRITE_H

#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dp_app.h"
#include "dp_csum.h"
#include "dp_flow.h"
#include "dp_parse.h"

static inline void dp_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Returns 0, or -ENOSPC when the headroom is too short. */
static inline int dp_rewrite(struct rte_mbuf *m, const struct dp_pkt *pk,
			     const struct dp_flow_cfg *cfg, const struct dp_port_info *pi,
			     const uint8_t dmac[6], bool rtcp, uint32_t pay_len)
{
	const struct xs_dp_flow *wf = &cfg->wire;
	const bool v4 = wf->out_src.family == XS_DP_AF_INET;
	const uint32_t l2 = cfg->vlan ? 18 : 14, l3 = v4 ? 20 : 40, hl = l2 + l3 + 8;
	const uint16_t add = rtcp && !(wf->flags & XS_DP_FLOW_F_RTCP_MUX_OUT) ? 1 : 0;
	const uint8_t *in = rte_pktmbuf_mtod(m, const uint8_t *) + pk->l3_off;
	uint8_t tos = pk->family == 4 ? in[1] : (uint8_t)((in[0] & 0xf) << 4 | in[1] >> 4);
	const uint8_t ttl = (uint8_t)(pk->ttl - 1);
	uint8_t *eth, *ip, *udp;

	if (pk->pay_off >= hl) {
		rte_pktmbuf_adj(m, (uint16_t)(pk->pay_off - hl));
	} else if (!rte_pktmbuf_prepend(m, (uint16_t)(hl - pk->pay_off))) {
		return -ENOSPC;
	}
	m->data_len = (uint16_t)(hl + pay_len);
	m->pkt_len = hl + pay_len;
	eth = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(eth, dmac, 6);
	memcpy(eth + 6, pi->mac, 6);
	if (cfg->vlan) {
		dp_wr16(eth + 12, 0x8100);
		dp_wr16(eth + 14, cfg->vlan);
	}
	dp_wr16(eth + l2 - 2, v4 ? 0x0800 : 0x86dd);
	ip = eth + l2;
	udp = ip + l3;
	if (v4) {
		ip[0] = 0x45;
		ip[1] = tos;
		dp_wr16(ip + 2, (uint16_t)(l3 + 8 + pay_len));
		dp_wr16(ip + 4, 0);
		dp_wr16(ip + 6, 0x4000); /* DF */
		ip[8] = ttl;
		ip[9] = 17;
		dp_wr16(ip + 10, 0);
		memcpy(ip + 12, wf->out_src.addr, 4);
		memcpy(ip + 16, wf->out_dst.addr, 4);
	} else {
		ip[0] = (uint8_t)(0x60 | tos >> 4);
		ip[1] = (uint8_t)(tos << 4);
		ip[2] = ip[3] = 0;
		dp_wr16(ip + 4, (uint16_t)(8 + pay_len));
		ip[6] = 17;
		ip[7] = ttl;
		memcpy(ip + 8, wf->out_src.addr, 16);
		memcpy(ip + 24, wf->out_dst.addr, 16);
	}
	dp_wr16(udp, (uint16_t)(wf->out_src.port + add));
	dp_wr16(udp + 2, (uint16_t)(wf->out_dst.port + add));
	dp_wr16(udp + 4, (uint16_t)(8 + pay_len));
	dp_wr16(udp + 6, 0);
	if (pi->tx_csum) {
		uint16_t ph;

		m->l2_len = l2;
		m->l3_len = l3;
		if (v4) {
			m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
				      RTE_MBUF_F_TX_UDP_CKSUM;
			ph = rte_ipv4_phdr_cksum((const struct rte_ipv4_hdr *)ip, m->ol_flags);
		} else {
			m->ol_flags = RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM;
			ph = rte_ipv6_phdr_cksum((const struct rte_ipv6_hdr *)ip, m->ol_flags);
		}
		memcpy(udp + 6, &ph, 2);
	} else {
		uint16_t cs;

		m->ol_flags = 0;
		if (v4) {
			cs = dp_csum_finish(dp_csum_partial(ip, 20, 0));
			memcpy(ip + 10, &cs, 2);
		}
		cs = dp_csum_finish(dp_csum_partial(udp, 8 + pay_len,
				    dp_csum_pseudo(v4 ? ip + 12 : ip + 8, v4 ? ip + 16 : ip + 24,
						   v4 ? 4 : 16, 17, 8 + pay_len)));
		if (cs == 0)
			cs = 0xffff;
		memcpy(udp + 6, &cs, 2);
	}
	return 0;
}

#endif
