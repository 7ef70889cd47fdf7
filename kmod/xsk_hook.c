// SPDX-License-Identifier: GPL-2.0
/*
 * The packet path: a netfilter hook at NF_INET_PRE_ROUTING (IPv4), before
 * conntrack and defragmentation, in every network namespace. A UDP packet
 * whose destination address and port is a flow's local address and port is
 * checked against the flow's source policy, unprotected with the input keys,
 * protected with the output keys, given new IPv4/UDP headers and sent with
 * ip_local_out(); the hook returns NF_STOLEN (or NF_DROP, counted). Anything
 * else is accepted untouched.
 */
#include <linux/ip.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <linux/netfilter_ipv4.h>
#include <net/ip.h>
#include <net/route.h>

#include "xsk.h"

static bool src_matches(const struct xs_dp_addr *peer, __be32 saddr, u16 sport,
			u16 want_port)
{
	return peer->family == XS_DP_AF_INET && !memcmp(peer->addr, &saddr, 4) &&
	       (want_port == 0 || want_port == sport);
}

static unsigned int gdrop(struct xsk_net *xn, unsigned int c)
{
	xsk_gcount(xn, c, 1);
	return NF_DROP;
}

/*
 * Transmission is deferred to a work item: calling ip_local_out() from inside
 * the PRE_ROUTING hook crashed on loopback in testing (see docs/kmod.md).
 */
struct sk_buff_head xsk_txq;

static void xsk_tx_fn(struct work_struct *w)
{
	struct sk_buff *skb;

	while ((skb = skb_dequeue(&xsk_txq))) {
		local_bh_disable();
		ip_local_out(dev_net(skb_dst(skb)->dev), NULL, skb);
		local_bh_enable();
	}
}

DECLARE_WORK(xsk_tx_work, xsk_tx_fn);

/*
 * Send the rewritten packet (IPv4 header at data, len bytes) in a fresh skb:
 * the received one carries receive-path state (it is still referenced by the
 * input path's bookkeeping on loopback), so only its bytes are reused.
 */
static void xsk_output_v4(struct xsk_net *xn, struct net *net, const u8 *data,
			  unsigned int len, struct xsk_flow *f)
{
	const struct iphdr *ip = (const struct iphdr *)data;
	struct sk_buff *skb;
	struct rtable *rt;

	rt = ip_route_output(net, ip->daddr, ip->saddr, RT_TOS(ip->tos), 0);
	if (IS_ERR(rt)) {
		spin_lock(&f->lock);
		f->cnt[XSK_FCNT_drop_no_route]++;
		spin_unlock(&f->lock);
		xsk_gcount(xn, XSK_GCNT_drop_no_route, 1);
		return;
	}
	skb = alloc_skb(LL_RESERVED_SPACE(rt->dst.dev) + len, GFP_ATOMIC);
	if (!skb) {
		ip_rt_put(rt);
		xsk_gcount(xn, XSK_GCNT_drop_tx, 1);
		return;
	}
	skb_reserve(skb, LL_RESERVED_SPACE(rt->dst.dev));
	skb_put_data(skb, data, len);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, sizeof(*ip));
	skb->protocol = htons(ETH_P_IP);
	skb->ip_summed = CHECKSUM_NONE;
	skb_dst_set(skb, &rt->dst);
	skb->dev = rt->dst.dev;
	/* sent from process context: see xsk_tx_work */
	if (skb_queue_len(&xsk_txq) > 4096) {
		kfree_skb(skb);
		xsk_gcount(xn, XSK_GCNT_drop_tx, 1);
		return;
	}
	skb_queue_tail(&xsk_txq, skb);
	queue_work(xsk_wq, &xsk_tx_work);
	xsk_gcount(xn, XSK_GCNT_tx_pkts, 1);
	xsk_gcount(xn, XSK_GCNT_tx_bytes, len);
}

/* Per-flow part, under f->lock. Returns the SRTP status, or -1 for a drop
 * already counted. On success *len is the new payload length. */
static int relay_locked(struct xsk_flow *f, const struct xs_dp_flow *w, unsigned int node,
			const struct iphdr *iph, u16 sport, u8 *pay, u32 *len, u32 room,
			bool *rtcp, struct xsk_net *xn)
{
	const struct xsk_keyset *ks[2];
	const struct xs_dp_addr *peer;
	enum xsk_status st;
	u16 want_port;

	f->cnt[XSK_FCNT_pkts_in]++;
	f->cnt[XSK_FCNT_bytes_in] += *len;
	f->last_rx_ns = ktime_get_real_ns();
	if (!xsk_rtp_classify(pay, *len, node == XSK_NODE_RTCP, rtcp)) {
		f->cnt[XSK_FCNT_drop_not_rtp]++;
		xsk_gcount(xn, XSK_GCNT_drop_not_rtp, 1);
		return -1;
	}
	if (*rtcp)
		f->cnt[XSK_FCNT_rtcp_in]++;
	if (w->src_policy == XS_DP_SRC_FIXED) {
		peer = &w->peer;
		want_port = peer->port;
		if (want_port && *rtcp && node == XSK_NODE_RTCP)
			want_port++;
	} else {
		peer = &f->latched[*rtcp];
		want_port = peer->port;
	}
	if (peer->family && !src_matches(peer, iph->saddr, sport, want_port)) {
		f->cnt[XSK_FCNT_drop_source]++;
		xsk_gcount(xn, XSK_GCNT_drop_flow, 1);
		return -1;
	}
	ks[0] = rcu_dereference(f->ks[XS_DP_DIR_IN]);
	ks[1] = rcu_dereference(f->ks[XS_DP_DIR_OUT]);
	if (!ks[0] || !ks[1]) {
		f->cnt[XSK_FCNT_drop_no_keys]++;
		xsk_gcount(xn, XSK_GCNT_drop_flow, 1);
		return -1;
	}
	xsk_flow_sync_keys(f, XS_DP_DIR_IN, ks[0]);
	xsk_flow_sync_keys(f, XS_DP_DIR_OUT, ks[1]);
	st = xsk_unprotect(&xsk_kernel_crypto, &ks[0]->keys, &f->stream[XS_DP_DIR_IN],
			   pay, len, *rtcp);
	if (st == XSK_OK)
		st = xsk_protect(&xsk_kernel_crypto, &ks[1]->keys, &f->stream[XS_DP_DIR_OUT],
				 pay, len, room, *rtcp);
	if (st != XSK_OK) {
		f->cnt[xsk_status_counter(st)]++;
		xsk_gcount(xn, XSK_GCNT_drop_flow, 1);
		return -1;
	}
	if (w->src_policy == XS_DP_SRC_LATCH && !f->latched[*rtcp].family) {
		struct xs_dp_addr *lat = &f->latched[*rtcp];

		lat->family = XS_DP_AF_INET;
		lat->port = sport;
		memcpy(lat->addr, &iph->saddr, 4);
	}
	f->cnt[XSK_FCNT_pkts_out]++;
	f->cnt[XSK_FCNT_bytes_out] += *len;
	return 0;
}

static unsigned int xsk_relay_v4(struct xsk_net *xn, struct xsk_flow *f, unsigned int node,
				 struct sk_buff *skb, const struct nf_hook_state *state)
{
	const struct xs_dp_flow *w;
	struct iphdr *iph = ip_hdr(skb);
	struct udphdr *uh = (struct udphdr *)((u8 *)iph + iph->ihl * 4);
	unsigned int ulen = ntohs(uh->len), off;
	u32 pay_len, room, len;
	u16 sport = ntohs(uh->source);
	bool rtcp;
	int tail, rc;
	u8 *pay;

	xsk_gcount(xn, XSK_GCNT_rx_pkts, 1);
	xsk_gcount(xn, XSK_GCNT_rx_bytes, skb->len);
	if (iph->ihl != 5)
		return gdrop(xn, XSK_GCNT_drop_ip_hdr);
	if (ulen < sizeof(*uh) || sizeof(*iph) + ulen > ntohs(iph->tot_len) ||
	    ntohs(iph->tot_len) > skb->len)
		return gdrop(xn, XSK_GCNT_drop_udp_len);
	if (uh->check && nf_ip_checksum(skb, state->hook, sizeof(*iph), IPPROTO_UDP))
		return gdrop(xn, XSK_GCNT_drop_udp_csum);
	if (skb_is_gso(skb))
		return gdrop(xn, XSK_GCNT_drop_multiseg);
	off = skb_network_offset(skb);
	if (pskb_trim_rcsum(skb, off + sizeof(*iph) + ulen) || skb_linearize(skb))
		return gdrop(xn, XSK_GCNT_drop_multiseg);
	tail = XSK_MAX_TRAILER - (int)skb_tailroom(skb);
	if ((tail > 0 || skb_cloned(skb)) &&
	    pskb_expand_head(skb, 0, tail > 0 ? tail : 0, GFP_ATOMIC))
		return gdrop(xn, XSK_GCNT_drop_multiseg);
	iph = ip_hdr(skb);
	pay = (u8 *)iph + sizeof(*iph) + sizeof(*uh);
	pay_len = ulen - sizeof(*uh);
	room = pay_len + skb_tailroom(skb);
	len = pay_len;

	w = &rcu_dereference(f->cfg)->wire;
	spin_lock(&f->lock);
	rc = relay_locked(f, w, node, iph, sport, pay, &len, room, &rtcp, xn);
	spin_unlock(&f->lock);
	if (rc)
		return NF_DROP;
	if (w->out_dst.family != XS_DP_AF_INET) {
		/* IPv6 output: not implemented (docs/kmod.md) */
		spin_lock(&f->lock);
		f->cnt[XSK_FCNT_drop_no_route]++;
		spin_unlock(&f->lock);
		return gdrop(xn, XSK_GCNT_drop_no_route);
	}
	if (len > pay_len)
		__skb_put(skb, len - pay_len);
	else
		skb_trim(skb, off + sizeof(*iph) + sizeof(*uh) + len);
	xsk_ipv4_rewrite((u8 *)iph, w, rtcp, len, iph->tos, ntohs(iph->id));
	xsk_gcount(xn, XSK_GCNT_relayed, 1);
	xsk_output_v4(xn, state->net, (const u8 *)iph, sizeof(*iph) + sizeof(struct udphdr) + len, f);
	consume_skb(skb);
	return NF_STOLEN;
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
		return NF_ACCEPT;
	return xsk_relay_v4(xn, f, node, skb, state);
}

static const struct nf_hook_ops xsk_nf_ops[] = {
	{
		.hook = xsk_hook_v4,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_RAW_BEFORE_DEFRAG,
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
