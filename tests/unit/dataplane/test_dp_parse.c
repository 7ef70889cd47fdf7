/* SPDX-License-Identifier: BSD-3-Clause */
/* Frame parser, RTP classifier and host duties (ARP, ICMP echo, ND). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "dp_host.h"
#include "dp_neigh.h"
#include "dp_parse.h"
#include "dp_test_frames.h"

static uint8_t pay[200], fr[512];

static void t_udp4_ok(void **s)
{
	struct dp_pkt p;
	uint32_t n = tf_udp4(fr, 0, "10.0.0.2", 5000, "10.0.0.1", 20000, pay, 172);

	assert_int_equal(dp_parse_frame(fr, n, 0, &p), DP_PKT_UDP);
	assert_int_equal(p.family, 4);
	assert_int_equal(p.sport, 5000);
	assert_int_equal(p.dport, 20000);
	assert_int_equal(p.pay_len, 172);
	assert_int_equal(p.pay_off, 42);
	assert_int_equal(p.vlan, 0);
	/* Ethernet padding after the IP packet is fine. */
	assert_int_equal(dp_parse_frame(fr, n + 10, 0, &p), DP_PKT_UDP);
}

static void t_vlan(void **s)
{
	struct dp_pkt p;
	uint32_t n = tf_udp4(fr, 42, "10.0.0.2", 5000, "10.0.0.1", 20000, pay, 50);

	assert_int_equal(dp_parse_frame(fr, n, 0, &p), DP_PKT_UDP);
	assert_int_equal(p.vlan, 42);
	assert_int_equal(p.pay_off, 46);
}

static void t_udp6_ok(void **s)
{
	struct dp_pkt p;
	uint32_t n = tf_udp6(fr, "2001:db8::2", 5000, "2001:db8::1", 20000, pay, 100);

	assert_int_equal(dp_parse_frame(fr, n, 0, &p), DP_PKT_UDP);
	assert_int_equal(p.family, 6);
	assert_int_equal(p.pay_len, 100);
	/* IPv6 UDP checksum 0 is invalid. */
	fr[14 + 40 + 6] = 0;
	fr[14 + 40 + 7] = 0;
	assert_int_equal(dp_parse_frame(fr, n, 0, &p), DP_PKT_DROP);
	assert_int_equal(p.drop, DP_CNT_drop_udp_csum);
}

static void expect_drop(const uint8_t *f, uint32_t n, enum dp_cnt why)
{
	struct dp_pkt p;

	assert_int_equal(dp_parse_frame(f, n, 0, &p), DP_PKT_DROP);
	assert_int_equal(p.drop, why);
}

static void t_bad(void **s)
{
	uint32_t n = tf_udp4(fr, 0, "10.0.0.2", 5000, "10.0.0.1", 20000, pay, 172);
	uint8_t f[512];

	/* truncated frames at every length below the IP+UDP headers */
	for (uint32_t k = 0; k < 14; k++)
		expect_drop(fr, k, DP_CNT_drop_runt);
	for (uint32_t k = 14; k < 34; k++)
		expect_drop(fr, k, DP_CNT_drop_runt);
	/* truncated inside the payload: IP length longer than the frame */
	expect_drop(fr, n - 1, DP_CNT_drop_ip_len);
	/* IP total length too short for the UDP length */
	memcpy(f, fr, n);
	tf_wr16(f + 16, 40);
	f[24] = f[25] = 0;
	{
		uint16_t cs = dp_csum_finish(dp_csum_partial(f + 14, 20, 0));
		memcpy(f + 24, &cs, 2);
	}
	expect_drop(f, n, DP_CNT_drop_udp_len);
	/* bad IP checksum */
	memcpy(f, fr, n);
	f[24] ^= 1;
	expect_drop(f, n, DP_CNT_drop_ip_csum);
	/* bad UDP checksum */
	memcpy(f, fr, n);
	f[60] ^= 0x55;
	expect_drop(f, n, DP_CNT_drop_udp_csum);
	/* UDP length wrong */
	memcpy(f, fr, n);
	tf_wr16(f + 38, 100);
	expect_drop(f, n, DP_CNT_drop_udp_len);
	/* IHL < 5, version 5 */
	memcpy(f, fr, n);
	f[14] = 0x44;
	expect_drop(f, n, DP_CNT_drop_ip_hdr);
	/* fragment (MF) */
	memcpy(f, fr, n);
	tf_wr16(f + 20, 0x2000);
	f[24] = f[25] = 0;
	{
		uint16_t cs = dp_csum_finish(dp_csum_partial(f + 14, 20, 0));
		memcpy(f + 24, &cs, 2);
	}
	expect_drop(f, n, DP_CNT_drop_fragment);
	/* unknown ethertype */
	memcpy(f, fr, n);
	tf_wr16(f + 12, 0x88cc);
	expect_drop(f, n, DP_CNT_drop_l2);
	/* TCP */
	memcpy(f, fr, n);
	f[23] = 6;
	f[24] = f[25] = 0;
	{
		uint16_t cs = dp_csum_finish(dp_csum_partial(f + 14, 20, 0));
		memcpy(f + 24, &cs, 2);
	}
	expect_drop(f, n, DP_CNT_drop_proto);
	/* three VLAN tags */
	memcpy(f, fr, 12);
	tf_wr16(f + 12, 0x8100);
	tf_wr16(f + 16, 0x8100);
	tf_wr16(f + 20, 0x8100);
	tf_wr16(f + 24, 0x0800);
	expect_drop(f, 64, DP_CNT_drop_l2);
}

static void t_ipv6_frag(void **s)
{
	uint32_t n = tf_udp6(fr, "2001:db8::2", 5000, "2001:db8::1", 20000, pay, 100);

	fr[14 + 6] = 44;
	expect_drop(fr, n, DP_CNT_drop_fragment);
	expect_drop(fr, 14 + 39, DP_CNT_drop_runt);
}

static void t_rtp_classify(void **s)
{
	uint8_t p[64] = { 0x80, 0 };
	bool rtcp;

	assert_true(dp_rtp_classify(p, 12, false, &rtcp));
	assert_false(rtcp);
	assert_false(dp_rtp_classify(p, 11, false, &rtcp));
	p[1] = 200;
	assert_true(dp_rtp_classify(p, 8, false, &rtcp));
	assert_true(rtcp);
	assert_true(dp_rtp_classify(p, 8, true, &rtcp));
	p[1] = 96; /* RTP on the RTCP port */
	assert_false(dp_rtp_classify(p, 20, true, &rtcp));
	p[0] = 0x00; /* STUN */
	assert_false(dp_rtp_classify(p, 20, false, &rtcp));
}

static struct dp_conf conf;

static void conf_setup(void)
{
	dp_conf_defaults(&conf);
	assert_int_equal(dp_conf_add_local(&conf, "0:10.0.0.1/24"), 0);
	assert_int_equal(dp_conf_add_local(&conf, "0:2001:db8::1/64"), 0);
}

static void t_arp(void **s)
{
	uint8_t f[128], mac[6] = { 2, 0, 0, 0, 0, 0x99 }, sip[4] = { 10, 0, 0, 1 },
		tip[4] = { 10, 0, 0, 2 };
	struct dp_pkt p;
	struct dp_neigh_ev ev;
	enum dp_cnt c;
	uint32_t n, out;
	unsigned act;

	conf_setup();
	/* A request from 10.0.0.2 for our 10.0.0.1: reply in place + learn. */
	n = dp_host_arp_request(f, tf_mac_a, 0, tip, sip);
	assert_int_equal(dp_parse_frame(f, n, 0, &p), DP_PKT_ARP);
	act = dp_host_input(f, n, sizeof(f), &p, 0, mac, &conf, &out, &ev, &c);
	assert_int_equal(act, DP_HOST_REPLY | DP_HOST_LEARN);
	assert_int_equal(c, DP_CNT_arp_reply);
	assert_memory_equal(f, tf_mac_a, 6);
	assert_memory_equal(f + 6, mac, 6);
	assert_int_equal(f[21], 2);
	assert_memory_equal(f + 22, mac, 6);
	assert_memory_equal(f + 28, sip, 4);
	assert_memory_equal(f + 38, tip, 4);
	assert_memory_equal(ev.mac, tf_mac_a, 6);
	assert_memory_equal(ev.ip, tip, 4);
	/* Not ours: nothing. */
	n = dp_host_arp_request(f, tf_mac_a, 0, tip, (uint8_t[4]){ 10, 0, 0, 3 });
	dp_parse_frame(f, n, 0, &p);
	assert_int_equal(dp_host_input(f, n, sizeof(f), &p, 0, mac, &conf, &out, &ev, &c), 0);
	/* Right address, wrong port. */
	n = dp_host_arp_request(f, tf_mac_a, 0, tip, sip);
	dp_parse_frame(f, n, 0, &p);
	assert_int_equal(dp_host_input(f, n, sizeof(f), &p, 1, mac, &conf, &out, &ev, &c), 0);
}

static void t_icmp_echo(void **s)
{
	uint8_t f[256], mac[6] = { 2, 0, 0, 0, 0, 0x99 };
	struct dp_pkt p;
	struct dp_neigh_ev ev;
	enum dp_cnt c;
	uint32_t n, out;
	uint8_t *icmp;
	uint16_t cs;

	conf_setup();
	/* Build an echo request by reusing the UDP builder and patching. */
	n = tf_udp4(f, 0, "10.0.0.2", 0, "10.0.0.1", 0, pay, 32);
	f[23] = 1;
	f[24] = f[25] = 0;
	cs = dp_csum_finish(dp_csum_partial(f + 14, 20, 0));
	memcpy(f + 24, &cs, 2);
	icmp = f + 34;
	memset(icmp, 0xab, 40);
	icmp[0] = 8;
	icmp[1] = 0;
	icmp[2] = icmp[3] = 0;
	cs = dp_csum_finish(dp_csum_partial(icmp, 40, 0));
	memcpy(icmp + 2, &cs, 2);
	assert_int_equal(dp_parse_frame(f, n, 0, &p), DP_PKT_ICMP);
	assert_int_equal(dp_host_input(f, n, sizeof(f), &p, 0, mac, &conf, &out, &ev, &c),
			 DP_HOST_REPLY);
	assert_int_equal(c, DP_CNT_echo_reply);
	assert_int_equal(icmp[0], 0);
	assert_int_equal(dp_parse_frame(f, out, 0, &p), DP_PKT_ICMP);
	assert_int_equal(dp_csum_fold(dp_csum_partial(icmp, 40, 0)), 0xffff);
	assert_int_equal(f[26], 10);
	assert_int_equal(f[29], 1); /* source is now us */
	/* A corrupted request gets nothing. */
	icmp[0] = 8;
	icmp[9] ^= 1;
	assert_int_equal(dp_host_input(f, n, sizeof(f), &p, 0, mac, &conf, &out, &ev, &c), 0);
}

static void t_nd(void **s)
{
	uint8_t f[256], mac[6] = { 2, 0, 0, 0, 0, 0x99 }, sip[16], tip[16];
	struct dp_pkt p;
	struct dp_neigh_ev ev;
	enum dp_cnt c;
	uint32_t n, out;
	unsigned act;

	conf_setup();
	inet_pton(AF_INET6, "2001:db8::2", sip);
	inet_pton(AF_INET6, "2001:db8::1", tip);
	n = dp_host_ns(f, tf_mac_a, 0, sip, tip);
	assert_int_equal(dp_parse_frame(f, n, 0, &p), DP_PKT_ICMP6);
	act = dp_host_input(f, n, sizeof(f), &p, 0, mac, &conf, &out, &ev, &c);
	assert_int_equal(act, DP_HOST_REPLY | DP_HOST_LEARN);
	assert_int_equal(c, DP_CNT_nd_reply);
	assert_memory_equal(ev.ip, sip, 16);
	assert_memory_equal(ev.mac, tf_mac_a, 6);
	/* The reply parses, its checksum is right, it is an NA for the target. */
	assert_int_equal(dp_parse_frame(f, out, 0, &p), DP_PKT_ICMP6);
	assert_int_equal(f[54], 136);
	assert_memory_equal(f + 54 + 8, tip, 16);
	assert_memory_equal(f + 54 + 26, mac, 6);
	/* Feeding the NA back learns the target. */
	act = dp_host_input(f, out, sizeof(f), &p, 0, mac, &conf, &out, &ev, &c);
	assert_int_equal(act, DP_HOST_LEARN);
	assert_memory_equal(ev.ip, tip, 16);
	assert_memory_equal(ev.mac, mac, 6);
}

static void t_neigh(void **s)
{
	static struct dp_neigh n;
	uint8_t ip[4] = { 10, 0, 0, 2 }, mac[6] = { 1, 2, 3, 4, 5, 6 }, got[6];

	assert_false(dp_neigh_lookup(&n, 0, 4, ip, got));
	dp_neigh_update(&n, 0, 4, ip, mac, 1);
	assert_true(dp_neigh_lookup(&n, 0, 4, ip, got));
	assert_memory_equal(got, mac, 6);
	assert_false(dp_neigh_lookup(&n, 1, 4, ip, got));
	/* Many entries: the table keeps working (oldest evicted in a probe run). */
	for (uint32_t i = 0; i < 5000; i++) {
		uint8_t a[4] = { 10, 1, (uint8_t)(i >> 8), (uint8_t)i };
		dp_neigh_update(&n, 0, 4, a, mac, 2 + i);
		assert_true(dp_neigh_lookup(&n, 0, 4, a, got));
	}
}

static void t_conf(void **s)
{
	struct dp_conf c;

	dp_conf_defaults(&c);
	assert_int_equal(dp_conf_add_local(&c, "1:192.168.1.1/24@100"), 0);
	assert_int_equal(c.local[0].vlan, 100);
	assert_int_equal(c.local[0].port, 1);
	assert_int_equal(c.n_ports, 2);
	assert_int_not_equal(dp_conf_add_local(&c, "x:1.2.3.4"), 0);
	assert_int_not_equal(dp_conf_add_local(&c, "0:1.2.3.4/33"), 0);
	assert_int_equal(dp_conf_add_gw_mac(&c, "0:02:00:00:00:00:01"), 0);
	assert_true(c.port[0].has_gw_mac);
	assert_int_not_equal(dp_conf_add_gw_mac(&c, "0:02:00:00:00:00"), 0);
	assert_true(dp_conf_on_link(&c.local[0], (uint8_t[16]){ 192, 168, 1, 77 }));
	assert_false(dp_conf_on_link(&c.local[0], (uint8_t[16]){ 192, 168, 2, 77 }));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_udp4_ok),  cmocka_unit_test(t_vlan),
		cmocka_unit_test(t_udp6_ok),  cmocka_unit_test(t_bad),
		cmocka_unit_test(t_ipv6_frag), cmocka_unit_test(t_rtp_classify),
		cmocka_unit_test(t_arp),      cmocka_unit_test(t_icmp_echo),
		cmocka_unit_test(t_nd),       cmocka_unit_test(t_neigh),
		cmocka_unit_test(t_conf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
