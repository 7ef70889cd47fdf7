/* SPDX-License-Identifier: BSD-3-Clause */
/* Frame parsing; see dp_parse.h. Every length is checked before it is read. */
#include <string.h>

#include "dp_csum.h"
#include "dp_parse.h"

#define ETH_HLEN 14
#define ETH_P_IPV4 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define IPPROTO_ICMP_ 1
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58
#define IPV6_HLEN 40
#define UDP_HLEN 8
#define ARP_LEN 28

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static enum dp_pkt_kind drop(struct dp_pkt *pkt, enum dp_cnt why)
{
	pkt->kind = DP_PKT_DROP;
	pkt->drop = (uint8_t)why;
	return DP_PKT_DROP;
}

static enum dp_pkt_kind parse_udp(const uint8_t *frame, uint32_t ip_end, unsigned hw,
				  struct dp_pkt *pkt)
{
	const uint8_t *u = frame + pkt->l4_off;
	uint32_t l4_len = ip_end - pkt->l4_off;
	uint16_t ulen, csum;

	if (l4_len < UDP_HLEN)
		return drop(pkt, DP_CNT_drop_udp_len);
	ulen = rd16(u + 4);
	if (ulen != l4_len)
		return drop(pkt, DP_CNT_drop_udp_len);
	csum = rd16(u + 6);
	if (hw & DP_HW_L4_BAD)
		return drop(pkt, DP_CNT_drop_udp_csum);
	if (csum == 0 && pkt->family == 6)
		return drop(pkt, DP_CNT_drop_udp_csum);
	if (csum != 0 && !(hw & DP_HW_L4_GOOD)) {
		uint64_t s = dp_csum_pseudo(pkt->src, pkt->dst, pkt->family == 4 ? 4 : 16,
					    IPPROTO_UDP_, l4_len);
		if (dp_csum_fold(dp_csum_partial(u, l4_len, s)) != 0xffff)
			return drop(pkt, DP_CNT_drop_udp_csum);
	}
	pkt->sport = rd16(u);
	pkt->dport = rd16(u + 2);
	pkt->pay_off = (uint16_t)(pkt->l4_off + UDP_HLEN);
	pkt->pay_len = (uint16_t)(l4_len - UDP_HLEN);
	pkt->kind = DP_PKT_UDP;
	return DP_PKT_UDP;
}

static enum dp_pkt_kind parse_ipv4(const uint8_t *frame, uint32_t len, unsigned hw,
				   struct dp_pkt *pkt)
{
	const uint8_t *ip = frame + pkt->l3_off;
	uint32_t avail = len - pkt->l3_off, ihl, tot;

	if (avail < 20)
		return drop(pkt, DP_CNT_drop_runt);
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20)
		return drop(pkt, DP_CNT_drop_ip_hdr);
	tot = rd16(ip + 2);
	if (tot < ihl || tot > avail)
		return drop(pkt, DP_CNT_drop_ip_len);
	if (hw & DP_HW_IP_BAD)
		return drop(pkt, DP_CNT_drop_ip_csum);
	if (!(hw & DP_HW_IP_GOOD) && dp_csum_fold(dp_csum_partial(ip, ihl, 0)) != 0xffff)
		return drop(pkt, DP_CNT_drop_ip_csum);
	if (rd16(ip + 6) & 0x3fff) /* MF or a fragment offset */
		return drop(pkt, DP_CNT_drop_fragment);
	pkt->family = 4;
	pkt->proto = ip[9];
	pkt->ttl = ip[8];
	pkt->src = ip + 12;
	pkt->dst = ip + 16;
	pkt->l4_off = (uint16_t)(pkt->l3_off + ihl);
	switch (pkt->proto) {
	case IPPROTO_UDP_:
		return parse_udp(frame, pkt->l3_off + tot, hw, pkt);
	case IPPROTO_ICMP_:
		pkt->pay_off = pkt->l4_off;
		pkt->pay_len = (uint16_t)(tot - ihl);
		pkt->kind = DP_PKT_ICMP;
		return DP_PKT_ICMP;
	default:
		return drop(pkt, DP_CNT_drop_proto);
	}
}

static enum dp_pkt_kind parse_ipv6(const uint8_t *frame, uint32_t len, unsigned hw,
				   struct dp_pkt *pkt)
{
	const uint8_t *ip = frame + pkt->l3_off;
	uint32_t avail = len - pkt->l3_off, plen, off, end;
	uint8_t nh;

	if (avail < IPV6_HLEN)
		return drop(pkt, DP_CNT_drop_runt);
	if ((ip[0] >> 4) != 6)
		return drop(pkt, DP_CNT_drop_ip_hdr);
	plen = rd16(ip + 4);
	if (plen + IPV6_HLEN > avail)
		return drop(pkt, DP_CNT_drop_ip_len);
	pkt->family = 6;
	pkt->ttl = ip[7];
	pkt->src = ip + 8;
	pkt->dst = ip + 24;
	end = pkt->l3_off + IPV6_HLEN + plen;
	off = pkt->l3_off + IPV6_HLEN;
	nh = ip[6];
	/* Skip hop-by-hop, routing and destination options; refuse fragments. */
	for (unsigned i = 0; i < 4 && (nh == 0 || nh == 43 || nh == 60); i++) {
		if (off + 8 > end)
			return drop(pkt, DP_CNT_drop_ip_len);
		uint8_t next = frame[off];
		off += 8u + frame[off + 1] * 8u;
		if (off > end)
			return drop(pkt, DP_CNT_drop_ip_len);
		nh = next;
	}
	if (nh == 44)
		return drop(pkt, DP_CNT_drop_fragment);
	pkt->proto = nh;
	pkt->l4_off = (uint16_t)off;
	switch (nh) {
	case IPPROTO_UDP_:
		return parse_udp(frame, end, hw, pkt);
	case IPPROTO_ICMPV6_:
		pkt->pay_off = (uint16_t)off;
		pkt->pay_len = (uint16_t)(end - off);
		pkt->kind = DP_PKT_ICMP6;
		return DP_PKT_ICMP6;
	default:
		return drop(pkt, DP_CNT_drop_proto);
	}
}

enum dp_pkt_kind dp_parse_frame(const uint8_t *frame, uint32_t len, unsigned hw,
				struct dp_pkt *pkt)
{
	uint32_t off = 12;
	uint16_t et;

	memset(pkt, 0, sizeof(*pkt));
	if (len < ETH_HLEN || len > 0xffff)
		return drop(pkt, DP_CNT_drop_runt);
	et = rd16(frame + off);
	for (int tags = 0; et == ETH_P_8021Q || et == ETH_P_8021AD; tags++) {
		if (tags == 2)
			return drop(pkt, DP_CNT_drop_l2);
		if (len < off + 6)
			return drop(pkt, DP_CNT_drop_runt);
		if (tags == 0)
			pkt->vlan = rd16(frame + off + 2) & 0x0fff;
		off += 4;
		et = rd16(frame + off);
	}
	pkt->l3_off = (uint16_t)(off + 2);
	switch (et) {
	case ETH_P_IPV4:
		return parse_ipv4(frame, len, hw, pkt);
	case ETH_P_IPV6:
		return parse_ipv6(frame, len, hw, pkt);
	case ETH_P_ARP:
		if (len < pkt->l3_off + (uint32_t)ARP_LEN)
			return drop(pkt, DP_CNT_drop_runt);
		pkt->kind = DP_PKT_ARP;
		return DP_PKT_ARP;
	default:
		return drop(pkt, DP_CNT_drop_l2);
	}
}

bool dp_rtp_classify(const uint8_t *pay, uint32_t len, bool rtcp_port, bool *rtcp)
{
	*rtcp = false;
	if (len < 8 || (pay[0] >> 6) != 2)
		return false;
	/* RFC 5761 section 4: the second byte of RTCP (packet type 192..223)
	 * equals marker + RTP payload types 64..95, which RTP must not use. */
	*rtcp = pay[1] >= 192 && pay[1] <= 223;
	if (rtcp_port)
		return *rtcp;
	return *rtcp || len >= 12;
}
