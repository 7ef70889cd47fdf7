/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The real data plane with TWO worker lcores over net_ring ports with two
 * queues each (queue q polled by worker q), driven through the real control
 * socket, with DPDK telemetry on:
 *
 *  - the relay resolves next hops itself: it sends the ARP request (untagged
 *    and on VLAN 100) or the Neighbor Solicitation, the test answers, packets flow;
 *  - IPv6 and 802.1Q output through the worker (and IPv6 input);
 *  - handoff: packets of a flow owned by worker 0 arriving on worker 1's queue
 *    are handed to worker 0 and relayed by it, in one SRTP stream, and counted
 *    as received once;
 *  - FLOW_REPLACE with F_RESET: fresh counters, latching and receive stream,
 *    applied by the owner lcore (reported at once);
 *  - telemetry: /xsrelay/stats, /xsrelay/lcore,<n>, /xsrelay/flow,<addr>
 *    through the telemetry socket, checked against the control socket.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cmocka.h>
#include <srtp2/srtp.h>

#include "dp_harness.h"
#include "dp_host.h"

static struct harness H;
static uint8_t frame[2048], got[2048], pkt[2048], plain[2048];

static const uint8_t ip_b4[4] = { 10, 0, 1, 2 }, ip_v4[4] = { 10, 0, 2, 2 };
static uint8_t ip6_relay1[16], ip6_b[16];

/* ---------------------------------------------------------------- SRTP peers */

static void mkkey(uint8_t k[30], uint8_t seed)
{
	for (unsigned i = 0; i < 30; i++)
		k[i] = (uint8_t)(seed * 11 + i * 5);
}

static srtp_t srtp_sess(uint8_t seed, bool inbound)
{
	srtp_policy_t pol;
	uint8_t k[30];
	srtp_t s;

	memset(&pol, 0, sizeof(pol));
	mkkey(k, seed);
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
	pol.key = k;
	pol.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	pol.window_size = 128;
	assert_int_equal(srtp_create(&s, &pol), srtp_err_status_ok);
	return s;
}

static void crypto_of(uint8_t seed, struct xs_dp_crypto *c)
{
	uint8_t k[30];

	memset(c, 0, sizeof(*c));
	mkkey(k, seed);
	c->suite = XS_SUITE_AES_CM_128_HMAC_SHA1_80;
	c->key_len = 16;
	c->salt_len = 14;
	memcpy(c->master_key, k, 16);
	memcpy(c->master_salt, k + 16, 14);
}

/* A latching SDES-80 flow from 10.0.0.1:lport (or local) to out_src -> out_dst. */
static int flow_msg(uint16_t type, const char *local, const char *src, const char *dst,
		    int in_seed, int out_seed, uint32_t flags)
{
	struct xs_dp_flow_msg m;

	memset(&m, 0, sizeof(m));
	xs_dp_addr_parse(local, &m.flow.local, false);
	xs_dp_addr_parse(src, &m.flow.out_src, false);
	xs_dp_addr_parse(dst, &m.flow.out_dst, false);
	m.flow.src_policy = XS_DP_SRC_LATCH;
	m.flow.in_suite = m.flow.out_suite = XS_SUITE_AES_CM_128_HMAC_SHA1_80;
	m.flow.flags = flags;
	if (in_seed >= 0) {
		m.flow.flags |= XS_DP_FLOW_F_IN_KEYS;
		crypto_of((uint8_t)in_seed, &m.in);
	}
	if (out_seed >= 0) {
		m.flow.flags |= XS_DP_FLOW_F_OUT_KEYS;
		crypto_of((uint8_t)out_seed, &m.out);
	}
	return xs_dp_client_simple(H.fd, type, ++H.seq, &m, sizeof(m));
}

/* Protect RTP seq (or an RTCP RR) into pkt; *plen: the plain length. */
static int protect(srtp_t s, uint16_t seq, uint32_t ssrc, bool rtcp, uint32_t *plen)
{
	int len;

	*plen = rtcp ? tf_rtcp(plain, ssrc) : tf_rtp(plain, 172, seq, seq * 160u, ssrc);
	memcpy(pkt, plain, *plen);
	len = (int)*plen;
	assert_int_equal(rtcp ? srtp_protect_rtcp(s, pkt, &len) : srtp_protect(s, pkt, &len),
			 srtp_err_status_ok);
	return len;
}

/* Send protected RTP/RTCP to 10.0.0.1 (v4) on queue q of port 0. Returns the
 * frame's length. */
static uint32_t send4(srtp_t s, unsigned q, const char *src, uint16_t sport, uint16_t lport,
		      uint16_t seq, uint32_t ssrc, bool rtcp, uint32_t *plen)
{
	int len = protect(s, seq, ssrc, rtcp, plen);
	uint32_t n = tf_udp4(frame, 0, src, (uint16_t)(sport + rtcp), "10.0.0.1",
			     (uint16_t)(lport + rtcp), pkt, (uint32_t)len);

	h_send_q(&H, 0, q, frame, n);
	return n;
}

/* Receive a relayed frame on port 1; check L2-L4 and decrypt it with s. */
static void expect_out(srtp_t s, uint8_t family, uint16_t vlan, uint16_t sport, uint16_t dport,
		       bool rtcp, uint32_t plen)
{
	struct dp_pkt p;
	uint32_t n = h_recv(&H, 1, got, 2000);
	int len;

	assert_true(n > 0);
	assert_int_equal(dp_parse_frame(got, n, 0, &p), DP_PKT_UDP); /* checksums verified */
	assert_int_equal(p.family, family);
	assert_int_equal(p.vlan, vlan);
	assert_memory_equal(got, tf_mac_a, 6);
	assert_memory_equal(got + 6, H.ctx.port[1].mac, 6);
	assert_int_equal(p.sport, sport + rtcp);
	assert_int_equal(p.dport, dport + rtcp);
	memcpy(pkt, got + p.pay_off, p.pay_len);
	len = p.pay_len;
	assert_int_equal(rtcp ? srtp_unprotect_rtcp(s, pkt, &len) : srtp_unprotect(s, pkt, &len),
			 srtp_err_status_ok);
	assert_int_equal(len, (int)plen);
	assert_memory_equal(pkt, plain, plen);
}

static uint64_t wsum(enum dp_cnt c)
{
	return h_global(&H, c);
}

/* ---------------------------------------------------------------- neighbours */

/* The relay's ARP request for tip on port 1 (VLAN vlan): check it, answer it
 * from tf_mac_a. */
static void answer_arp(const uint8_t tip[4], const uint8_t sip[4], uint16_t vlan)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct dp_pkt p;
	uint8_t f[128], *a;
	uint32_t n = h_recv(&H, 1, got, 2000), off;

	assert_true(n >= 60);
	assert_int_equal(dp_parse_frame(got, n, 0, &p), DP_PKT_ARP);
	assert_int_equal(p.vlan, vlan);
	assert_memory_equal(got, bcast, 6);
	assert_memory_equal(got + 6, H.ctx.port[1].mac, 6);
	a = got + p.l3_off;
	assert_int_equal(a[7], 1);                       /* request */
	assert_memory_equal(a + 8, H.ctx.port[1].mac, 6);
	assert_memory_equal(a + 14, sip, 4);
	assert_memory_equal(a + 24, tip, 4);
	/* The reply: to the relay, from peer B. */
	off = tf_eth(f, H.ctx.port[1].mac, tf_mac_a, vlan, 0x0806);
	memset(f + off, 0, 46);
	tf_wr16(f + off, 1);
	tf_wr16(f + off + 2, 0x0800);
	f[off + 4] = 6;
	f[off + 5] = 4;
	tf_wr16(f + off + 6, 2);
	memcpy(f + off + 8, tf_mac_a, 6);
	memcpy(f + off + 14, tip, 4);
	memcpy(f + off + 18, H.ctx.port[1].mac, 6);
	memcpy(f + off + 24, sip, 4);
	h_send(&H, 1, f, off + 46);
	h_settle(&H);
}

static uint16_t icmp6_csum(const uint8_t *ip6, const uint8_t *icmp, uint32_t len)
{
	return dp_csum_finish(dp_csum_partial(icmp, len, dp_csum_pseudo(ip6 + 8, ip6 + 24, 16, 58,
									 len)));
}

/* The relay's NS for 2001:db8:1::2 on port 1: check it, answer with an NA. */
static void answer_ns(void)
{
	const uint8_t mmac[6] = { 0x33, 0x33, 0xff, ip6_b[13], ip6_b[14], ip6_b[15] };
	const uint8_t snm[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, ip6_b[13],
				  ip6_b[14], ip6_b[15] };
	struct dp_pkt p;
	uint8_t f[128], *ip6, *icmp;
	uint32_t n = h_recv(&H, 1, got, 2000), off;
	uint16_t cs;

	assert_true(n > 0);
	assert_int_equal(dp_parse_frame(got, n, 0, &p), DP_PKT_ICMP6);
	assert_memory_equal(got, mmac, 6);
	assert_memory_equal(got + 6, H.ctx.port[1].mac, 6);
	ip6 = got + p.l3_off;
	icmp = got + p.l4_off;
	assert_int_equal(ip6[7], 255);
	assert_memory_equal(ip6 + 8, ip6_relay1, 16);
	assert_memory_equal(ip6 + 24, snm, 16);
	assert_int_equal(icmp[0], 135);
	assert_int_equal(dp_csum_fold(dp_csum_partial(icmp, p.pay_len,
			 dp_csum_pseudo(ip6 + 8, ip6 + 24, 16, 58, p.pay_len))), 0xffff);
	assert_memory_equal(icmp + 8, ip6_b, 16);
	assert_int_equal(icmp[24], 1);                   /* source link-layer address */
	assert_memory_equal(icmp + 26, H.ctx.port[1].mac, 6);
	/* Solicited NA with the target link-layer address. */
	off = tf_eth(f, H.ctx.port[1].mac, tf_mac_a, 0, 0x86dd);
	ip6 = f + off;
	icmp = ip6 + 40;
	memset(ip6, 0, 72);
	ip6[0] = 0x60;
	tf_wr16(ip6 + 4, 32);
	ip6[6] = 58;
	ip6[7] = 255;
	memcpy(ip6 + 8, ip6_b, 16);
	memcpy(ip6 + 24, ip6_relay1, 16);
	icmp[0] = 136;
	icmp[4] = 0x60;
	memcpy(icmp + 8, ip6_b, 16);
	icmp[24] = 2;
	icmp[25] = 1;
	memcpy(icmp + 26, tf_mac_a, 6);
	cs = icmp6_csum(ip6, icmp, 32);
	memcpy(icmp + 2, &cs, 2);
	h_send(&H, 1, f, off + 72);
	h_settle(&H);
}

/* ---------------------------------------------------------------- tests */

static void t_resolve_arp_and_handoff(void **st)
{
	srtp_t tx = srtp_sess(1, false), rx = srtp_sess(2, true);
	struct xs_dp_flow_info info;
	uint64_t ho1 = H.ctx.worker[1]->cnt[DP_CNT_handoff];
	uint64_t rel0 = H.ctx.worker[0]->cnt[DP_CNT_relayed];
	uint32_t plen;

	assert_int_equal(H.ctx.n_workers, 2);
	assert_int_equal(flow_msg(XS_DP_MSG_FLOW_ADD, "10.0.0.1:6000", "10.0.1.1:16000",
				  "10.0.1.2:26000", 1, 2, 0), 0);
	/* Nobody has told the relay where 10.0.1.2 is: the first packet (queue 0,
	 * worker 0, which claims the flow) waits for the relay's own ARP request. */
	send4(tx, 0, "10.0.0.2", 5000, 6000, 1, 0x6000, false, &plen);
	answer_arp(ip_b4, (const uint8_t[]){ 10, 0, 1, 1 }, 0);
	assert_int_equal(h_flow_info(&H, "10.0.0.1:6000", &info), 0);
	assert_int_equal(info.stats.drop_no_route, 1);
	/* Now packets alternate between the two workers' queues: worker 1 hands
	 * its share to worker 0, which owns the flow and its SRTP streams. */
	for (uint16_t s = 2; s < 22; s++) {
		send4(tx, s & 1, "10.0.0.2", 5000, 6000, s, 0x6000, false, &plen);
		expect_out(rx, 4, 0, 16000, 26000, false, plen);
	}
	send4(tx, 1, "10.0.0.2", 5000, 6000, 0, 0x6000, true, &plen); /* RTCP on port+1 */
	expect_out(rx, 4, 0, 16000, 26000, true, plen);
	assert_int_equal(H.ctx.worker[1]->cnt[DP_CNT_handoff] - ho1, 11);
	assert_int_equal(H.ctx.worker[0]->cnt[DP_CNT_relayed] - rel0, 21);
	assert_int_equal(wsum(DP_CNT_drop_handoff), 0);
	assert_int_equal(h_flow_info(&H, "10.0.0.1:6000", &info), 0);
	assert_int_equal(info.stats.pkts_out, 21);
	assert_int_equal(info.stats.rtcp_in, 1);
	/* The flow is worker 0's. */
	{
		struct xs_dp_addr k = { .family = 4, .port = 6000, .addr = { 10, 0, 0, 1 } };
		struct dp_flow *f;
		urcu_qsbr_register_thread();
		f = dp_table_lookup(H.ctx.table, &k, NULL);
		assert_non_null(f);
		assert_int_equal(f->owner, H.ctx.worker[0]->me);
		urcu_qsbr_unregister_thread();
	}
	srtp_dealloc(tx);
	srtp_dealloc(rx);
}

static void t_claim_on_worker1(void **st)
{
	srtp_t tx = srtp_sess(3, false), rx = srtp_sess(4, true);
	uint64_t ho0 = H.ctx.worker[0]->cnt[DP_CNT_handoff];
	uint64_t rel1 = H.ctx.worker[1]->cnt[DP_CNT_relayed];
	uint64_t rx0 = wsum(DP_CNT_rx_pkts), rxb0 = wsum(DP_CNT_rx_bytes), bytes = 0;
	uint32_t plen;

	/* The other way round: worker 1 sees the flow first. */
	assert_int_equal(flow_msg(XS_DP_MSG_FLOW_ADD, "10.0.0.1:6010", "10.0.1.1:16010",
				  "10.0.1.2:26010", 3, 4, 0), 0);
	for (uint16_t s = 1; s < 11; s++) {
		bytes += send4(tx, s == 1 ? 1 : (s & 1), "10.0.0.2", 5000, 6010, s, 0x6010, false,
			       &plen);
		expect_out(rx, 4, 0, 16010, 26010, false, plen);
	}
	assert_int_equal(H.ctx.worker[0]->cnt[DP_CNT_handoff] - ho0, 5);
	assert_int_equal(H.ctx.worker[1]->cnt[DP_CNT_relayed] - rel1, 10);
	/* A frame handed to its owner is received once, not once per lcore. */
	assert_int_equal(wsum(DP_CNT_rx_pkts) - rx0, 10);
	assert_int_equal(wsum(DP_CNT_rx_bytes) - rxb0, bytes);
	srtp_dealloc(tx);
	srtp_dealloc(rx);
}

static void t_ipv6_out_ns(void **st)
{
	srtp_t tx = srtp_sess(5, false), rx = srtp_sess(6, true);
	struct xs_dp_flow_info info;
	uint32_t plen;

	/* IPv4 in, IPv6 out; the relay solicits its IPv6 next hop. */
	assert_int_equal(flow_msg(XS_DP_MSG_FLOW_ADD, "10.0.0.1:6100", "[2001:db8:1::1]:16100",
				  "[2001:db8:1::2]:26100", 5, 6, 0), 0);
	send4(tx, 0, "10.0.0.2", 5000, 6100, 1, 0x6100, false, &plen);
	answer_ns();
	for (uint16_t s = 2; s < 12; s++) {
		send4(tx, s & 1, "10.0.0.2", 5000, 6100, s, 0x6100, false, &plen);
		expect_out(rx, 6, 0, 16100, 26100, false, plen);
	}
	send4(tx, 0, "10.0.0.2", 5000, 6100, 0, 0x6100, true, &plen);
	expect_out(rx, 6, 0, 16100, 26100, true, plen);
	assert_int_equal(h_flow_info(&H, "10.0.0.1:6100", &info), 0);
	assert_int_equal(info.stats.pkts_out, 11);
	assert_int_equal(info.stats.drop_no_route, 1);
	srtp_dealloc(tx);
	srtp_dealloc(rx);
}

static void t_ipv6_in_vlan_out(void **st)
{
	srtp_t tx = srtp_sess(7, false), rx = srtp_sess(8, true);
	uint32_t plen;

	/* IPv6 in (port 0), IPv4 out tagged with VLAN 100; ARP on the VLAN. */
	assert_int_equal(flow_msg(XS_DP_MSG_FLOW_ADD, "[2001:db8::1]:6200", "10.0.2.1:16200",
				  "10.0.2.2:26200", 7, 8, 0), 0);
	for (uint16_t s = 1; s < 12; s++) {
		int len = protect(tx, s, 0x6200, false, &plen);

		h_send_q(&H, 0, s & 1, frame, tf_udp6(frame, "2001:db8::2", 5000, "2001:db8::1",
						      6200, pkt, (uint32_t)len));
		if (s == 1) {
			answer_arp(ip_v4, (const uint8_t[]){ 10, 0, 2, 1 }, 100);
			continue;
		}
		expect_out(rx, 4, 100, 16200, 26200, false, plen);
	}
	srtp_dealloc(tx);
	srtp_dealloc(rx);
}

static void t_replace_reset(void **st)
{
	srtp_t tx = srtp_sess(10, false), rx = srtp_sess(11, true), tx2, rx2;
	struct xs_dp_flow_info info;
	uint32_t plen;

	assert_int_equal(flow_msg(XS_DP_MSG_FLOW_ADD, "10.0.0.1:6300", "10.0.1.1:16300",
				  "10.0.1.2:26300", 10, 11, 0), 0);
	for (uint16_t s = 100; s < 105; s++) {
		send4(tx, s & 1, "10.0.0.2", 5000, 6300, s, 0x6300, false, &plen);
		expect_out(rx, 4, 0, 16300, 26300, false, plen);
	}
	assert_int_equal(h_flow_info(&H, "10.0.0.1:6300", &info), 0);
	assert_int_equal(info.stats.pkts_in, 5);
	assert_int_equal(info.flow.peer.family, 4);
	assert_int_equal(info.in_ssrc, 0x6300);

	/* F_RESET without the keys: refused, nothing changes. */
	assert_int_equal(flow_msg(XS_DP_MSG_FLOW_REPLACE, "10.0.0.1:6300", "10.0.1.1:16300",
				  "10.0.1.2:26300", -1, -1, XS_DP_FLOW_F_RESET), EINVAL);
	/* Plain REPLACE (keys omitted, same suites): state and counters kept. */
	assert_int_equal(flow_msg(XS_DP_MSG_FLOW_REPLACE, "10.0.0.1:6300", "10.0.1.1:16300",
				  "10.0.1.2:26300", -1, -1, 0), 0);
	assert_int_equal(h_flow_info(&H, "10.0.0.1:6300", &info), 0);
	assert_int_equal(info.stats.pkts_in, 5);
	assert_int_equal(info.flow.peer.family, 4);
	send4(tx, 0, "10.0.0.2", 5000, 6300, 105, 0x6300, false, &plen);
	expect_out(rx, 4, 0, 16300, 26300, false, plen);

	/* F_RESET with new keys: a new object, fresh counters, latching and streams. */
	assert_int_equal(flow_msg(XS_DP_MSG_FLOW_REPLACE, "10.0.0.1:6300", "10.0.1.1:16300",
				  "10.0.1.2:26300", 12, 13, XS_DP_FLOW_F_RESET), 0);
	assert_int_equal(h_flow_info(&H, "10.0.0.1:6300", &info), 0);
	assert_int_equal(info.stats.pkts_in, 0);
	assert_int_equal(info.stats.pkts_out, 0);
	assert_int_equal(info.flow.peer.family, 0);
	assert_int_equal(info.in_ssrc, 0);
	/* The old sender's keys no longer authenticate. */
	send4(tx, 1, "10.0.0.2", 5000, 6300, 106, 0x6300, false, &plen);
	h_settle(&H);
	assert_int_equal(h_recv(&H, 1, got, 20), 0);
	/* A new sender, from another address, with the same SSRC and lower sequence
	 * numbers (no replay state survives): latched and relayed. */
	tx2 = srtp_sess(12, false);
	rx2 = srtp_sess(13, true);
	for (uint16_t s = 1; s < 6; s++) {
		send4(tx2, s & 1, "10.0.0.3", 5002, 6300, s, 0x6300, false, &plen);
		expect_out(rx2, 4, 0, 16300, 26300, false, plen);
	}
	assert_int_equal(h_flow_info(&H, "10.0.0.1:6300", &info), 0);
	assert_int_equal(info.stats.auth_fail, 1);
	assert_int_equal(info.stats.pkts_out, 5);
	assert_memory_equal(info.flow.peer.addr, ((uint8_t[]){ 10, 0, 0, 3 }), 4);
	assert_int_equal(info.flow.peer.port, 5002);
	/* The old source is refused now. */
	send4(tx2, 0, "10.0.0.2", 5000, 6300, 6, 0x6300, false, &plen);
	h_settle(&H);
	assert_int_equal(h_recv(&H, 1, got, 20), 0);
	assert_int_equal(h_flow_info(&H, "10.0.0.1:6300", &info), 0);
	assert_int_equal(info.stats.drop_source, 1);
	srtp_dealloc(tx);
	srtp_dealloc(rx);
	srtp_dealloc(tx2);
	srtp_dealloc(rx2);
}

/* ---------------------------------------------------------------- telemetry */

static int tel_fd = -1;

static long tel_query(const char *cmd, char *buf, size_t cap)
{
	long n;

	assert_int_equal(send(tel_fd, cmd, strlen(cmd), 0), (long)strlen(cmd));
	n = recv(tel_fd, buf, cap - 1, 0);
	assert_true(n > 0);
	buf[n] = 0;
	return n;
}

static long long json_num(const char *json, const char *key)
{
	char pat[80];
	const char *at;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	at = strstr(json, pat);
	if (!at)
		return -1;
	return strtoll(at + strlen(pat), NULL, 10);
}

static void t_telemetry(void **st)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static char buf[65536];
	static uint8_t rep[XS_DP_MSG_MAX];
	struct xs_dp_stats stats;
	struct xs_dp_flow_info info;
	long n;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/dpdk_telemetry.v2",
		 rte_eal_get_runtime_dir());
	tel_fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	assert_true(tel_fd >= 0);
	assert_int_equal(connect(tel_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	n = recv(tel_fd, buf, sizeof(buf) - 1, 0);  /* the greeting */
	assert_true(n > 0);
	h_settle(&H);

	n = xs_dp_client_call(H.fd, XS_DP_MSG_STATS_GET, ++H.seq, NULL, 0, rep, sizeof(rep));
	assert_int_equal(n, (long)(sizeof(struct xs_dp_hdr) + sizeof(stats)));
	memcpy(&stats, rep + sizeof(struct xs_dp_hdr), sizeof(stats));

	tel_query("/", buf, sizeof(buf));
	assert_non_null(strstr(buf, "/xsrelay/stats"));
	assert_non_null(strstr(buf, "/xsrelay/lcore"));
	assert_non_null(strstr(buf, "/xsrelay/flow"));

	tel_query("/xsrelay/stats", buf, sizeof(buf));
	assert_non_null(strstr(buf, "{\"/xsrelay/stats\":{"));
	assert_int_equal(json_num(buf, "flows"), (long long)stats.flows);
	assert_int_equal(json_num(buf, "workers"), 2);
	assert_int_equal(json_num(buf, "relayed"), (long long)stats.global.relayed);
	assert_int_equal(json_num(buf, "handoff"), (long long)stats.global.handoff);
	assert_int_equal(json_num(buf, "drop_no_route"), (long long)stats.global.drop_no_route);
	assert_true(json_num(buf, "relayed") > 0);

	{
		long long r0, r1, h1;
		tel_query("/xsrelay/lcore,0", buf, sizeof(buf));
		assert_int_equal(json_num(buf, "lcore"), H.ctx.worker[0]->lcore);
		r0 = json_num(buf, "relayed");
		tel_query("/xsrelay/lcore,1", buf, sizeof(buf));
		assert_int_equal(json_num(buf, "lcore"), H.ctx.worker[1]->lcore);
		r1 = json_num(buf, "relayed");
		h1 = json_num(buf, "handoff");
		assert_true(r0 > 0 && r1 > 0 && h1 > 0);
		assert_int_equal(r0 + r1, (long long)stats.global.relayed);
	}
	tel_query("/xsrelay/lcore,2", buf, sizeof(buf));
	assert_non_null(strstr(buf, "null"));
	tel_query("/xsrelay/lcore,x", buf, sizeof(buf));
	assert_non_null(strstr(buf, "null"));

	assert_int_equal(h_flow_info(&H, "10.0.0.1:6000", &info), 0);
	tel_query("/xsrelay/flow,10.0.0.1:6000", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"local\":\"10.0.0.1:6000\""));
	assert_non_null(strstr(buf, "\"out_dst\":\"10.0.1.2:26000\""));
	assert_non_null(strstr(buf, "\"peer\":\"10.0.0.2:5000\""));
	assert_int_equal(json_num(buf, "pkts_out"), (long long)info.stats.pkts_out);
	assert_int_equal(json_num(buf, "drop_no_route"), 1);
	assert_int_equal(json_num(buf, "in_keys"), 1);
	tel_query("/xsrelay/flow,[2001:db8::1]:6200", buf, sizeof(buf));
	assert_int_equal(json_num(buf, "pkts_out"), 10);
	tel_query("/xsrelay/flow,10.0.0.1:6999", buf, sizeof(buf));
	assert_non_null(strstr(buf, "null"));
	tel_query("/xsrelay/flow,nonsense", buf, sizeof(buf));
	assert_non_null(strstr(buf, "null"));
	close(tel_fd);
}

static int setup(void **st)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "dp_lcores_%d", getpid());
	inet_pton(AF_INET6, "2001:db8:1::1", ip6_relay1);
	inet_pton(AF_INET6, "2001:db8:1::2", ip6_b);
	/* Three lcores (main + two workers) on whatever CPUs there are. */
	if (h_eal_with(prefix, "0@0,1@0,2@0", 1) < 0 || h_start_nq(&H, prefix, 2))
		return -1;
	return srtp_init() == srtp_err_status_ok ? 0 : -1;
}

static int teardown(void **st)
{
	h_stop(&H);
	rte_eal_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_resolve_arp_and_handoff),
		cmocka_unit_test(t_claim_on_worker1),
		cmocka_unit_test(t_ipv6_out_ns),
		cmocka_unit_test(t_ipv6_in_vlan_out),
		cmocka_unit_test(t_replace_reset),
		cmocka_unit_test(t_telemetry),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
