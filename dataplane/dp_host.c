/* SPDX-License-Identifier: BSD-3-Clause */
/* Host duties: ARP, ICMP echo, ND, ICMPv6 echo. See dp_host.h. */
#include <string.h>

#include "dp_csum.h"
#include "dp_host.h"

#define ARP_REQUEST 1
#define ARP_REPLY 2
#define ICMP_ECHO 8
#define ICMP_ECHOREPLY 0
#define ICMP6_ECHO 128
#define ICMP6_ECHOREPLY 129
#define ND_NS 135
#define ND_NA 136

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static const struct dp_local_addr *local_on(const struct dp_conf *c, uint16_t port,
					    uint8_t family, const uint8_t *ip)
{
	const struct dp_local_addr *l = dp_conf_find_local(c, family, ip);

	return l && l->port == port ? l : NULL;
}

static void swap_macs(uint8_t *frame, const uint8_t mac[6])
{
	memcpy(frame, frame + 6, 6);
	memcpy(frame + 6, mac, 6);
}

static void learn(struct dp_neigh_ev *ev, uint16_t port, uint8_t family, const uint8_t *ip,
		  const uint8_t *mac, uint16_t vlan)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = DP_NEIGH_EV_LEARN;
	ev->family = family;
	ev->port = port;
	ev->vlan = vlan;
	memcpy(ev->ip, ip, family == 4 ? 4 : 16);
	memcpy(ev->mac, mac, 6);
}

static unsigned arp_input(uint8_t *frame, const struct dp_pkt *p, uint16_t port,
			  const uint8_t mac[6], const struct dp_conf *c, uint32_t len,
			  uint32_t *out_len, struct dp_neigh_ev *ev, enum dp_cnt *cnt)
{
	uint8_t *a = frame + p->l3_off;
	uint8_t *sha = a + 8, *spa = a + 14, *tha = a + 18, *tpa = a + 24;
	const struct dp_local_addr *l;
	uint8_t my_ip[4];
	unsigned act = 0;
	uint16_t op = rd16(a + 6);

	*cnt = DP_CNT_host_other;
	if (rd16(a) != 1 || rd16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4)
		return 0;
	l = local_on(c, port, 4, tpa);
	if (!l || (sha[0] & 1))
		return 0;
	if (spa[0] || spa[1] || spa[2] || spa[3]) {
		learn(ev, port, 4, spa, sha, p->vlan);
		act |= DP_HOST_LEARN;
	}
	if (op == ARP_REQUEST) {
		memcpy(my_ip, tpa, 4);
		wr16(a + 6, ARP_REPLY);
		memcpy(tha, sha, 6);
		memmove(tpa, spa, 4);
		memcpy(sha, mac, 6);
		memcpy(spa, my_ip, 4);
		swap_macs(frame, mac);
		*out_len = len;
		*cnt = DP_CNT_arp_reply;
		act |= DP_HOST_REPLY;
	} else if (op != ARP_REPLY) {
		return 0;
	} else {
		*cnt = DP_CNT_COUNT; /* learn only: arp_rx, counted by the caller, says it */
	}
	return act;
}

static unsigned icmp_input(uint8_t *frame, const struct dp_pkt *p, uint16_t port,
			   const uint8_t mac[6], const struct dp_conf *c, uint32_t *out_len,
			   enum dp_cnt *cnt)
{
	uint8_t *ip = frame + p->l3_off, *icmp = frame + p->l4_off, tmp[4];
	uint32_t ihl = (uint32_t)(ip[0] & 0xf) * 4;

	*cnt = DP_CNT_host_other;
	if (!local_on(c, port, 4, p->dst) || p->pay_len < 8 || icmp[0] != ICMP_ECHO || icmp[1])
		return 0;
	if (dp_csum_fold(dp_csum_partial(icmp, p->pay_len, 0)) != 0xffff)
		return 0;
	icmp[0] = ICMP_ECHOREPLY;
	wr16(icmp + 2, 0);
	{
		uint16_t cs = dp_csum_finish(dp_csum_partial(icmp, p->pay_len, 0));
		memcpy(icmp + 2, &cs, 2);
	}
	memcpy(tmp, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, tmp, 4);
	ip[8] = 64;
	wr16(ip + 10, 0);
	{
		uint16_t cs = dp_csum_finish(dp_csum_partial(ip, ihl, 0));
		memcpy(ip + 10, &cs, 2);
	}
	swap_macs(frame, mac);
	*out_len = p->l3_off + rd16(ip + 2);
	*cnt = DP_CNT_echo_reply;
	return DP_HOST_REPLY;
}

static void icmp6_csum(uint8_t *ip6, uint8_t *icmp, uint32_t len)
{
	uint64_t s = dp_csum_pseudo(ip6 + 8, ip6 + 24, 16, 58, len);
	uint16_t cs;

	wr16(icmp + 2, 0);
	cs = dp_csum_finish(dp_csum_partial(icmp, len, s));
	memcpy(icmp + 2, &cs, 2);
}

/* The link-layer address option of type t in an ND message's options. */
static const uint8_t *nd_lla(const uint8_t *opt, uint32_t len, uint8_t t)
{
	while (len >= 8) {
		uint32_t olen = opt[1] * 8u;
		if (olen == 0 || olen > len)
			return NULL;
		if (opt[0] == t && olen >= 8)
			return opt + 2;
		opt += olen;
		len -= olen;
	}
	return NULL;
}

static bool is_solicited_node(const uint8_t *dst, const uint8_t *target)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff };

	return !memcmp(dst, pfx, 13) && !memcmp(dst + 13, target + 13, 3);
}

static unsigned ns_reply(uint8_t *frame, const struct dp_pkt *p, uint32_t room,
			 const uint8_t mac[6], uint32_t *out_len)
{
	uint8_t *ip6 = frame + p->l3_off, *icmp = frame + p->l4_off;
	uint8_t target[16];

	if (p->l4_off + 32u > room || p->l4_off != p->l3_off + 40u)
		return 0;
	memcpy(target, icmp + 8, 16);
	memcpy(ip6 + 24, ip6 + 8, 16);   /* to the solicitor */
	memcpy(ip6 + 8, target, 16);     /* from the target address */
	ip6[7] = 255;
	wr16(ip6 + 4, 32);
	memset(icmp, 0, 32);
	icmp[0] = ND_NA;
	icmp[4] = 0x60;                  /* Solicited, Override */
	memcpy(icmp + 8, target, 16);
	icmp[24] = 2;                    /* target link-layer address */
	icmp[25] = 1;
	memcpy(icmp + 26, mac, 6);
	icmp6_csum(ip6, icmp, 32);
	swap_macs(frame, mac);
	*out_len = p->l4_off + 32u;
	return DP_HOST_REPLY;
}

static unsigned icmp6_input(uint8_t *frame, const struct dp_pkt *p, uint32_t room, uint16_t port,
			    const uint8_t mac[6], const struct dp_conf *c, uint32_t *out_len,
			    struct dp_neigh_ev *ev, enum dp_cnt *cnt)
{
	uint8_t *ip6 = frame + p->l3_off, *icmp = frame + p->l4_off, tmp[16];
	const uint8_t *lla;
	unsigned act = 0;

	*cnt = DP_CNT_host_other;
	if (p->pay_len < 8)
		return 0;
	if (dp_csum_fold(dp_csum_partial(icmp, p->pay_len,
					 dp_csum_pseudo(p->src, p->dst, 16, 58, p->pay_len))) != 0xffff)
		return 0;
	switch (icmp[0]) {
	case ICMP6_ECHO:
		if (!local_on(c, port, 6, p->dst) || icmp[1])
			return 0;
		icmp[0] = ICMP6_ECHOREPLY;
		memcpy(tmp, ip6 + 8, 16);
		memcpy(ip6 + 8, ip6 + 24, 16);
		memcpy(ip6 + 24, tmp, 16);
		ip6[7] = 64;
		icmp6_csum(ip6, icmp, p->pay_len);
		swap_macs(frame, mac);
		*out_len = p->l4_off + p->pay_len;
		*cnt = DP_CNT_echo_reply;
		return DP_HOST_REPLY;
	case ND_NS:
		*cnt = DP_CNT_nd_rx;
		if (p->pay_len < 24 || p->ttl != 255 || icmp[1])
			return 0;
		if (!local_on(c, port, 6, icmp + 8))
			return 0;
		if (!local_on(c, port, 6, p->dst) && !is_solicited_node(p->dst, icmp + 8))
			return 0;
		if (!memcmp(p->src, (const uint8_t[16]){ 0 }, 16))
			return 0; /* duplicate address detection: stay quiet */
		lla = nd_lla(icmp + 24, p->pay_len - 24u, 1);
		if (lla) {
			learn(ev, port, 6, p->src, lla, p->vlan);
			act |= DP_HOST_LEARN;
		}
		act |= ns_reply(frame, p, room, mac, out_len);
		if (act & DP_HOST_REPLY)
			*cnt = DP_CNT_nd_reply;
		return act;
	case ND_NA:
		*cnt = DP_CNT_nd_rx;
		if (p->pay_len < 24 || p->ttl != 255 || icmp[1])
			return 0;
		lla = nd_lla(icmp + 24, p->pay_len - 24u, 2);
		if (!lla)
			return 0;
		learn(ev, port, 6, icmp + 8, lla, p->vlan);
		return DP_HOST_LEARN;
	default:
		return 0;
	}
}

unsigned dp_host_input(uint8_t *frame, uint32_t len, uint32_t room, const struct dp_pkt *p,
		       uint16_t port, const uint8_t mac[6], const struct dp_conf *c,
		       uint32_t *out_len, struct dp_neigh_ev *ev, enum dp_cnt *cnt)
{
	*out_len = len;
	switch (p->kind) {
	case DP_PKT_ARP:
		return arp_input(frame, p, port, mac, c, len, out_len, ev, cnt);
	case DP_PKT_ICMP:
		return icmp_input(frame, p, port, mac, c, out_len, cnt);
	case DP_PKT_ICMP6:
		return icmp6_input(frame, p, room, port, mac, c, out_len, ev, cnt);
	default:
		*cnt = DP_CNT_host_other;
		return 0;
	}
}

static uint32_t eth_header(uint8_t *buf, const uint8_t *dst, const uint8_t mac[6], uint16_t vlan,
			   uint16_t et)
{
	uint32_t off = 12;

	memcpy(buf, dst, 6);
	memcpy(buf + 6, mac, 6);
	if (vlan) {
		wr16(buf + 12, 0x8100);
		wr16(buf + 14, vlan);
		off = 16;
	}
	wr16(buf + off, et);
	return off + 2;
}

uint32_t dp_host_arp_request(uint8_t *buf, const uint8_t mac[6], uint16_t vlan,
			     const uint8_t sip[4], const uint8_t tip[4])
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint32_t off = eth_header(buf, bcast, mac, vlan, 0x0806);
	uint8_t *a = buf + off;

	memset(a, 0, 28);
	wr16(a, 1);
	wr16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, ARP_REQUEST);
	memcpy(a + 8, mac, 6);
	memcpy(a + 14, sip, 4);
	memcpy(a + 24, tip, 4);
	off += 28;
	if (off < 60) {
		memset(buf + off, 0, 60 - off);
		off = 60;
	}
	return off;
}

uint32_t dp_host_ns(uint8_t *buf, const uint8_t mac[6], uint16_t vlan, const uint8_t sip[16],
		    const uint8_t tip[16])
{
	uint8_t dst[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff };
	uint8_t emac[6] = { 0x33, 0x33, 0xff };
	uint32_t off;
	uint8_t *ip6, *icmp;

	memcpy(dst + 13, tip + 13, 3);
	memcpy(emac + 3, tip + 13, 3);
	off = eth_header(buf, emac, mac, vlan, 0x86dd);
	ip6 = buf + off;
	icmp = ip6 + 40;
	memset(ip6, 0, 40 + 32);
	ip6[0] = 0x60;
	wr16(ip6 + 4, 32);
	ip6[6] = 58;
	ip6[7] = 255;
	memcpy(ip6 + 8, sip, 16);
	memcpy(ip6 + 24, dst, 16);
	icmp[0] = ND_NS;
	memcpy(icmp + 8, tip, 16);
	icmp[24] = 1;
	icmp[25] = 1;
	memcpy(icmp + 26, mac, 6);
	icmp6_csum(ip6, icmp, 32);
	return off + 40 + 32;
}
