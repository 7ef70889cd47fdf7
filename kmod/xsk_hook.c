// SPDX-License-Identifier: GPL-2.0
/*
 * The packet path: netfilter hooks at NF_INET_PRE_ROUTING (IPv4 and IPv6),
 * before conntrack and defragmentation, in every network namespace. A UDP
 * packet whose destination address and port is a flow's local address and
 * port is checked against the flow's source policy, unprotected with the
 * input keys, protected with the output keys, given new IPv4 or IPv6 and UDP
 * headers (the output's family, whatever the input's) and sent from the hook
 * with ip_local_out()/ip6_local_out(), one hop less (TTL or hop limit
 * decremented, dropped at zero); the hook returns NF_STOLEN (or NF_DROP,
 * counted). UDP to a relay address on a port with neither flow nor
 * socket is dropped as drop_unknown_port. Anything else is accepted
 * untouched.
 */
#include <linux/ip.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/version.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/udp.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/dsfield.h>

#include "xsk.h"

/* A received packet's addressing, as the hook parsed it. */
struct xsk_pkt {
	u8 family;			/* XS_DP_AF_INET or XS_DP_AF_INET6 */
	u8 tos;				/* IPv4 TOS or IPv6 traffic class */
	u8 ttl;				/* TTL or hop limit, already decremented */
	u16 sport;
	u16 id;				/* IPv4 id, reused on IPv4 output */
	unsigned int l3len;		/* 20 or 40 */
	const u8 *saddr;		/* 4 or 16 bytes, in the skb */
};

static void pkt_src(const struct xsk_pkt *pk, struct xs_dp_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = pk->family;
	a->port = pk->sport;
	memcpy(a->addr, pk->saddr, pk->family == XS_DP_AF_INET ? 4 : 16);
}

static unsigned int gdrop(struct xsk_net *xn, unsigned int c)
{
	xsk_gcount(xn, c, 1);
	return NF_DROP;
}

static int fdrop(struct xsk_flow *f, struct xsk_net *xn, unsigned int c)
{
	f->cnt[c]++;
	xsk_gcount(xn, XSK_GCNT_drop_flow, 1);
	return -1;
}

/*
 * Per-flow part, under f->lock. Returns 0, or -1 for a drop already counted.
 * On success *len is the new payload length. Only a packet that passed the
 * source policy and both SRTP steps counts as received (pkts_in, last_rx):
 * forged or replayed packets and packets from elsewhere must not keep a call
 * alive. A latch is taken or moved only by such a packet.
 */
static int relay_locked(struct xsk_flow *f, const struct xs_dp_flow *w, unsigned int node,
			const struct xsk_pkt *pk, u8 *pay, u32 *len, u32 room,
			bool *rtcp, struct xsk_net *xn)
{
	const struct xsk_keyset *ks[2];
	enum xsk_src_verdict v;
	struct xs_dp_addr src;
	enum xsk_status st;
	const u32 in_len = *len;

	if (!xsk_rtp_classify(pay, *len, node == XSK_NODE_RTCP, rtcp)) {
		f->cnt[XSK_FCNT_drop_not_rtp]++;
		xsk_gcount(xn, XSK_GCNT_drop_not_rtp, 1);
		return -1;
	}
	ks[0] = rcu_dereference(f->ks[XS_DP_DIR_IN]);
	ks[1] = rcu_dereference(f->ks[XS_DP_DIR_OUT]);
	pkt_src(pk, &src);
	v = xsk_src_check(w, &f->latched[*rtcp], &src, *rtcp && node == XSK_NODE_RTCP,
			  ks[0] && xsk_keys_authenticate(&ks[0]->keys, *rtcp));
	if (v == XSK_SRC_DROP)
		return fdrop(f, xn, XSK_FCNT_drop_source);
	if (!ks[0] || !ks[1])
		return fdrop(f, xn, XSK_FCNT_drop_no_keys);
	st = xsk_unprotect(&xsk_kernel_crypto, &ks[0]->keys, &f->stream[XS_DP_DIR_IN],
			   pay, len, *rtcp);
	if (st == XSK_OK)
		st = xsk_protect(&xsk_kernel_crypto, &ks[1]->keys, &f->stream[XS_DP_DIR_OUT],
				 pay, len, room, *rtcp);
	if (st != XSK_OK)
		return fdrop(f, xn, xsk_status_counter(st));
	if (v == XSK_SRC_LATCH || v == XSK_SRC_RELATCH)
		f->latched[*rtcp] = src;
	if (v == XSK_SRC_RELATCH)
		f->cnt[XSK_FCNT_relatch]++;
	f->cnt[XSK_FCNT_pkts_in]++;
	f->cnt[XSK_FCNT_bytes_in] += in_len;
	if (*rtcp)
		f->cnt[XSK_FCNT_rtcp_in]++;
	f->last_rx_ns = ktime_get_real_ns();
	f->cnt[XSK_FCNT_pkts_out]++;
	f->cnt[XSK_FCNT_bytes_out] += *len;
	return 0;
}

/*
 * Send the relayed packet from the hook itself, in the received skb.
 *
 * The skb still carries the receive side's state and all of it must go
 * before ip_local_out()/ip6_local_out(): the input route (on loopback the
 * sender's output route travels with the packet), the control block that
 * ip_rcv_core()/ipv6_rcv() filled, conntrack, the owning socket, the receive
 * timestamp and the checksum state (on loopback the packet arrives
 * CHECKSUM_PARTIAL). The new headers carry full checksums, so the skb goes
 * out CHECKSUM_NONE.
 */
static void xsk_tx_prep(struct sk_buff *skb, struct dst_entry *dst, __be16 proto)
{
	skb_dst_drop(skb);
	skb_dst_set(skb, dst);
	nf_reset_ct(skb);
	skb_orphan(skb);
	skb->tstamp = 0;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	skb->tstamp_type = SKB_CLOCK_REALTIME;
#else
	skb->mono_delivery_time = 0;
#endif
	skb->ip_summed = CHECKSUM_NONE;
	skb->csum_valid = 0;
	skb->protocol = proto;
	skb->pkt_type = PACKET_HOST;
	skb->dev = dst->dev;
}

/* skb->data is at the (re-encrypted) payload of len bytes; push IPv4/UDP. */
static int xsk_output_v4(struct xsk_net *xn, struct net *net, struct sk_buff *skb,
			 const struct xs_dp_flow *w, bool rtcp, u32 len,
			 const struct xsk_pkt *pk)
{
	struct rtable *rt;
	__be32 saddr, daddr;
	u8 *ip;

	memcpy(&saddr, w->out_src.addr, 4);
	memcpy(&daddr, w->out_dst.addr, 4);
	rt = ip_route_output(net, daddr, saddr, RT_TOS(pk->tos), 0);
	if (IS_ERR(rt))
		return -1;
	ip = skb_push(skb, sizeof(struct iphdr) + sizeof(struct udphdr));
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, sizeof(struct iphdr));
	xsk_ipv4_rewrite(ip, w, rtcp, len, pk->tos, pk->id, pk->ttl);
	xsk_tx_prep(skb, &rt->dst, htons(ETH_P_IP));
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	xsk_gcount(xn, XSK_GCNT_tx_pkts, 1);
	xsk_gcount(xn, XSK_GCNT_tx_bytes, skb->len);
	/* the skb is the stack's from here on, whatever the result */
	ip_local_out(net, NULL, skb);
	return 0;
}

/* The same for IPv6/UDP. */
static int xsk_output_v6(struct xsk_net *xn, struct net *net, struct sk_buff *skb,
			 const struct xs_dp_flow *w, bool rtcp, u32 len,
			 const struct xsk_pkt *pk)
{
	const u16 add = rtcp && !(w->flags & XS_DP_FLOW_F_RTCP_MUX_OUT) ? 1 : 0;
	const u32 ulen = sizeof(struct udphdr) + len;
	struct flowi6 fl6;
	struct dst_entry *dst;
	struct ipv6hdr *ip6;
	struct udphdr *uh;

	memset(&fl6, 0, sizeof(fl6));
	memcpy(&fl6.saddr, w->out_src.addr, 16);
	memcpy(&fl6.daddr, w->out_dst.addr, 16);
	fl6.flowi6_proto = IPPROTO_UDP;
	fl6.fl6_sport = htons((u16)(w->out_src.port + add));
	fl6.fl6_dport = htons((u16)(w->out_dst.port + add));
	dst = ip6_route_output(net, NULL, &fl6);
	if (dst->error) {
		dst_release(dst);
		return -1;
	}
	uh = skb_push(skb, sizeof(*uh));
	skb_reset_transport_header(skb);
	uh->source = fl6.fl6_sport;
	uh->dest = fl6.fl6_dport;
	uh->len = htons(ulen);
	uh->check = 0;
	ip6 = skb_push(skb, sizeof(*ip6));
	skb_reset_network_header(skb);
	ip6_flow_hdr(ip6, pk->tos, 0);
	ip6->payload_len = htons(ulen);
	ip6->nexthdr = IPPROTO_UDP;
	ip6->hop_limit = pk->ttl;
	ip6->saddr = fl6.saddr;
	ip6->daddr = fl6.daddr;
	uh->check = csum_ipv6_magic(&ip6->saddr, &ip6->daddr, ulen, IPPROTO_UDP,
				    csum_partial(uh, ulen, 0));
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
	xsk_tx_prep(skb, dst, htons(ETH_P_IPV6));
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	xsk_gcount(xn, XSK_GCNT_tx_pkts, 1);
	xsk_gcount(xn, XSK_GCNT_tx_bytes, skb->len);
	ip6_local_out(net, NULL, skb);
	return 0;
}

/*
 * A packet for flow f whose IP/UDP headers the family's front checked: make
 * it linear and private with room for the longest SRTP trailer, relay the
 * payload in place, replace the headers by the output's (IPv4 or IPv6,
 * whatever the input was) and send it.
 */
static unsigned int xsk_relay(struct xsk_net *xn, struct xsk_flow *f, unsigned int node,
			      struct sk_buff *skb, const struct nf_hook_state *state,
			      struct xsk_pkt *pk, unsigned int ulen)
{
	const unsigned int hdrs = pk->l3len + sizeof(struct udphdr);
	const unsigned int off = skb_network_offset(skb);
	const struct xs_dp_flow *w;
	u32 pay_len, room, len;
	int tail, rc;
	bool rtcp;
	u8 *pay;

	if (skb_is_gso(skb))
		return gdrop(xn, XSK_GCNT_drop_multiseg);
	if (pskb_trim_rcsum(skb, off + pk->l3len + ulen) || skb_linearize(skb))
		return gdrop(xn, XSK_GCNT_drop_multiseg);
	tail = XSK_MAX_TRAILER - (int)skb_tailroom(skb);
	if ((tail > 0 || skb_cloned(skb)) &&
	    pskb_expand_head(skb, 0, tail > 0 ? tail : 0, GFP_ATOMIC))
		return gdrop(xn, XSK_GCNT_drop_multiseg);
	pk->saddr = skb_network_header(skb) + (pk->family == XS_DP_AF_INET ?
					       offsetof(struct iphdr, saddr) :
					       offsetof(struct ipv6hdr, saddr));
	pay = skb_network_header(skb) + hdrs;
	pay_len = ulen - sizeof(struct udphdr);
	room = pay_len + skb_tailroom(skb);
	len = pay_len;

	spin_lock(&f->lock);
	/* the configuration the state goes with: a FLOW_REPLACE swaps both at
	 * once under this lock (xsk_flow_update) */
	w = &rcu_dereference(f->cfg)->wire;
	rc = relay_locked(f, w, node, pk, pay, &len, room, &rtcp, xn);
	spin_unlock(&f->lock);
	if (rc)
		return NF_DROP;
	if (len > pay_len)
		__skb_put(skb, len - pay_len);
	else
		skb_trim(skb, off + hdrs + len);
	__skb_pull(skb, off + hdrs);
	if (skb_cow_head(skb, sizeof(struct ipv6hdr) + sizeof(struct udphdr)))
		return gdrop(xn, XSK_GCNT_drop_tx);
	if (w->out_dst.family == XS_DP_AF_INET)
		rc = xsk_output_v4(xn, state->net, skb, w, rtcp, len, pk);
	else
		rc = xsk_output_v6(xn, state->net, skb, w, rtcp, len, pk);
	if (rc) {
		spin_lock(&f->lock);
		f->cnt[XSK_FCNT_drop_no_route]++;
		spin_unlock(&f->lock);
		return gdrop(xn, XSK_GCNT_drop_no_route);
	}
	xsk_gcount(xn, XSK_GCNT_relayed, 1);
	return NF_STOLEN;
}

static unsigned int xsk_relay_v4(struct xsk_net *xn, struct xsk_flow *f, unsigned int node,
				 struct sk_buff *skb, const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	const struct udphdr *uh = (const struct udphdr *)((const u8 *)iph + iph->ihl * 4);
	unsigned int ulen = ntohs(uh->len);
	struct xsk_pkt pk = {
		.family = XS_DP_AF_INET,
		.tos = iph->tos,
		.sport = ntohs(uh->source),
		.id = ntohs(iph->id),
		.l3len = sizeof(*iph),
	};

	xsk_gcount(xn, XSK_GCNT_rx_pkts, 1);
	xsk_gcount(xn, XSK_GCNT_rx_bytes, skb->len);
	if (iph->ihl != 5)
		return gdrop(xn, XSK_GCNT_drop_ip_hdr);
	if (ulen < sizeof(*uh) || sizeof(*iph) + ulen > ntohs(iph->tot_len) ||
	    ntohs(iph->tot_len) > skb->len)
		return gdrop(xn, XSK_GCNT_drop_udp_len);
	if (uh->check && nf_ip_checksum(skb, state->hook, sizeof(*iph), IPPROTO_UDP))
		return gdrop(xn, XSK_GCNT_drop_udp_csum);
	/* forwarded: one hop less; a looping packet dies here */
	if (iph->ttl <= 1)
		return gdrop(xn, XSK_GCNT_drop_ttl);
	pk.ttl = iph->ttl - 1;
	return xsk_relay(xn, f, node, skb, state, &pk, ulen);
}

/* IPv6: only UDP right after the fixed header (no extension headers). */
static unsigned int xsk_relay_v6(struct xsk_net *xn, struct xsk_flow *f, unsigned int node,
				 struct sk_buff *skb, const struct nf_hook_state *state)
{
	const struct ipv6hdr *ip6 = ipv6_hdr(skb);
	const struct udphdr *uh = (const struct udphdr *)(ip6 + 1);
	unsigned int ulen = ntohs(uh->len), plen = ntohs(ip6->payload_len);
	struct xsk_pkt pk = {
		.family = XS_DP_AF_INET6,
		.tos = ipv6_get_dsfield(ip6),
		.sport = ntohs(uh->source),
		.l3len = sizeof(*ip6),
	};

	xsk_gcount(xn, XSK_GCNT_rx_pkts, 1);
	xsk_gcount(xn, XSK_GCNT_rx_bytes, skb->len);
	if (ulen < sizeof(*uh) || ulen > plen || sizeof(*ip6) + plen > skb->len)
		return gdrop(xn, XSK_GCNT_drop_udp_len);
	/* a zero UDP checksum is not allowed over IPv6 */
	if (!uh->check || nf_ip6_checksum(skb, state->hook, sizeof(*ip6), IPPROTO_UDP))
		return gdrop(xn, XSK_GCNT_drop_udp_csum);
	if (ip6->hop_limit <= 1)
		return gdrop(xn, XSK_GCNT_drop_ttl);
	pk.ttl = ip6->hop_limit - 1;
	return xsk_relay(xn, f, node, skb, state, &pk, ulen);
}

/*
 * UDP to a relay address (a flow's local address) on a port without a flow:
 * dropped and counted as drop_unknown_port, like the data plane does, unless
 * a socket on this host is bound to the port (the relay addresses are the
 * host's own, shared with the daemon's signalling and anything else), in
 * which case it passes untouched. No ICMP port unreachable goes back for
 * media of a flow that has just been deleted.
 */
static unsigned int xsk_unknown_v4(struct xsk_net *xn, struct sk_buff *skb,
				   const struct nf_hook_state *state, const struct iphdr *iph,
				   const struct udphdr *uh)
{
	struct sock *sk;

	if (!xsk_is_relay_addr(xn, XS_DP_AF_INET, &iph->daddr))
		return NF_ACCEPT;
	sk = udp4_lib_lookup(state->net, iph->saddr, uh->source, iph->daddr, uh->dest,
			     state->in ? state->in->ifindex : 0);
	if (sk) {
		sock_put(sk);
		return NF_ACCEPT;
	}
	return gdrop(xn, XSK_GCNT_drop_unknown_port);
}

static unsigned int xsk_hook_v4(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct xsk_net *xn = xsk_net(state->net);
	const struct iphdr *iph = ip_hdr(skb);
	struct xs_dp_addr key;
	struct xsk_flow *f;
	struct udphdr *uh;
	unsigned int node, ihl;

	if (iph->protocol != IPPROTO_UDP || ip_is_fragment(iph) || !READ_ONCE(xn->nflows))
		return NF_ACCEPT;
	ihl = iph->ihl * 4;
	if (ihl < sizeof(*iph) || !pskb_may_pull(skb, skb_network_offset(skb) + ihl + sizeof(*uh)))
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	uh = (struct udphdr *)((u8 *)iph + ihl);
	memset(&key, 0, sizeof(key));
	key.family = XS_DP_AF_INET;
	key.port = ntohs(uh->dest);
	memcpy(key.addr, &iph->daddr, 4);
	f = xsk_table_lookup(xn, &key, &node);
	if (!f)
		return xsk_unknown_v4(xn, skb, state, iph, uh);
	return xsk_relay_v4(xn, f, node, skb, state);
}

static unsigned int xsk_unknown_v6(struct xsk_net *xn, struct sk_buff *skb,
				   const struct nf_hook_state *state,
				   const struct ipv6hdr *ip6, const struct udphdr *uh)
{
	struct sock *sk;

	if (!xsk_is_relay_addr(xn, XS_DP_AF_INET6, &ip6->daddr))
		return NF_ACCEPT;
	sk = udp6_lib_lookup(state->net, &ip6->saddr, uh->source, &ip6->daddr, uh->dest,
			     state->in ? state->in->ifindex : 0);
	if (sk) {
		sock_put(sk);
		return NF_ACCEPT;
	}
	return gdrop(xn, XSK_GCNT_drop_unknown_port);
}

static unsigned int xsk_hook_v6(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct xsk_net *xn = xsk_net(state->net);
	const struct ipv6hdr *ip6 = ipv6_hdr(skb);
	struct xs_dp_addr key;
	struct xsk_flow *f;
	struct udphdr *uh;
	unsigned int node;

	if (ip6->nexthdr != IPPROTO_UDP || !READ_ONCE(xn->nflows))
		return NF_ACCEPT;
	if (!pskb_may_pull(skb, skb_network_offset(skb) + sizeof(*ip6) + sizeof(*uh)))
		return NF_ACCEPT;
	ip6 = ipv6_hdr(skb);
	uh = (struct udphdr *)(ip6 + 1);
	memset(&key, 0, sizeof(key));
	key.family = XS_DP_AF_INET6;
	key.port = ntohs(uh->dest);
	memcpy(key.addr, &ip6->daddr, 16);
	f = xsk_table_lookup(xn, &key, &node);
	if (!f)
		return xsk_unknown_v6(xn, skb, state, ip6, uh);
	return xsk_relay_v6(xn, f, node, skb, state);
}

static const struct nf_hook_ops xsk_nf_ops[] = {
	{
		.hook = xsk_hook_v4,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_RAW_BEFORE_DEFRAG,
	},
	{
		.hook = xsk_hook_v6,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_RAW_BEFORE_DEFRAG,
	},
};

int xsk_hooks_register(struct net *net)
{
	return nf_register_net_hooks(net, xsk_nf_ops, ARRAY_SIZE(xsk_nf_ops));
}

void xsk_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, xsk_nf_ops, ARRAY_SIZE(xsk_nf_ops));
}
