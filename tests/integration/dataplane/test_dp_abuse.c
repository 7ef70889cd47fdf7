/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hostile input to the real data plane over net_ring ports (dp_harness.h),
 * beyond the basic cases of test_dp_relay's t_bad_input and t_flood. Each
 * kind of bad input is dropped and counted by its exact reason, latches
 * nothing, moves no stream state, and other flows (or the same flow's next
 * good packet) keep flowing:
 *
 * - truncated frames at every layer (Ethernet, VLAN tag, IPv4/IPv6 header,
 *   UDP header, RTP header, SRTP tag) and bad IP/UDP lengths in both
 *   directions; Ethernet padding after the IP datagram is not an error;
 * - wrong keys (another key, another suite, RTCP too), including packets
 *   whose sequence numbers would move the ROC if they were accepted;
 * - replays: the same packet many times inside one RX burst, older than the
 *   window, late but new (accepted once), RTCP;
 * - forged packets: every byte of an SRTP packet flipped in turn, forged
 *   SRTCP, forged packets inside the bursts of good ones;
 * - traffic for unknown ports on every kind of relay address (IPv4 on both
 *   ports, the VLAN address, IPv6, the RTCP port of a muxed flow, a deleted
 *   flow) and for addresses that are not ours;
 * - a flood on one flow mixing all of the above, sent as whole RX bursts
 *   interleaved with a second flow's stream: every flooded packet is dropped
 *   and counted, and the second flow relays every packet, in order, with
 *   zero drops on its counters;
 * - a spray of plain RTP-looking and forged SRTP packets over the whole port
 *   range, before and after the parties' first packets: an SRTP flow and a
 *   plain LATCH_IP flow latch nothing from it, relay nothing, and count none
 *   of it as received (pkts_in, last_rx: a dead call is not kept alive).
 *
 * Bursts go in with one rte_ring_enqueue_bulk, so up to DP_BURST frames are
 * in front of the worker together (one rx_burst).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <srtp2/srtp.h>

#include "dp_harness.h"
#include "dp_host.h"
#include "xs_srtp.h"

static struct harness H;

/* A libsrtp2 endpoint (or plain RTP, suite 0). */
struct peer {
	unsigned suite;
	uint8_t key[32], salt[16];
	unsigned key_len, salt_len;
	srtp_t srtp;
};

static void peer_open(struct peer *p, unsigned suite, uint8_t seed, bool inbound)
{
	srtp_policy_t pol;
	uint8_t mk[46];

	memset(p, 0, sizeof(*p));
	p->suite = suite;
	if (!suite)
		return;
	p->key_len = xs_srtp_suite_key_len(suite);
	p->salt_len = xs_srtp_suite_salt_len(suite);
	for (unsigned i = 0; i < p->key_len; i++)
		p->key[i] = (uint8_t)(seed + i * 3);
	for (unsigned i = 0; i < p->salt_len; i++)
		p->salt[i] = (uint8_t)(seed * 7 + i);
	memset(&pol, 0, sizeof(pol));
	switch (suite) {
	case XS_SUITE_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
		break;
	case XS_SUITE_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
		break;
	default:
		fail_msg("suite %u", suite);
	}
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
	memcpy(mk, p->key, p->key_len);
	memcpy(mk + p->key_len, p->salt, p->salt_len);
	pol.key = mk;
	pol.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	pol.window_size = 1024;
	assert_int_equal(srtp_create(&p->srtp, &pol), srtp_err_status_ok);
}

static void peer_close(struct peer *p)
{
	if (p->srtp)
		srtp_dealloc(p->srtp);
	memset(p, 0, sizeof(*p));
}

static int peer_xform(struct peer *p, uint8_t *buf, int len, bool rtcp, bool unprotect)
{
	srtp_err_status_t e;

	if (!p->suite)
		return len;
	if (unprotect)
		e = rtcp ? srtp_unprotect_rtcp(p->srtp, buf, &len) : srtp_unprotect(p->srtp, buf, &len);
	else
		e = rtcp ? srtp_protect_rtcp(p->srtp, buf, &len) : srtp_protect(p->srtp, buf, &len);
	return e == srtp_err_status_ok ? len : -1;
}

static void crypto_of(const struct peer *p, struct xs_dp_crypto *c)
{
	memset(c, 0, sizeof(*c));
	c->suite = p->suite;
	if (!p->suite)
		return;
	c->key_len = (uint8_t)p->key_len;
	c->salt_len = (uint8_t)p->salt_len;
	memcpy(c->master_key, p->key, p->key_len);
	memcpy(c->master_salt, p->salt, p->salt_len);
}

/* Flow local:lport (local "10.0.0.1" or "[2001:db8::1]"), out 10.0.1.1:lport+10000
 * -> 10.0.1.2:lport+20000, latching. */
static int add_flow_at(const char *local, uint16_t lport, const struct peer *in,
		       const struct peer *out, uint32_t flags)
{
	struct xs_dp_flow_msg m;
	char buf[80];

	memset(&m, 0, sizeof(m));
	snprintf(buf, sizeof(buf), "%s:%u", local, lport);
	assert_int_equal(xs_dp_addr_parse(buf, &m.flow.local, false), 0);
	snprintf(buf, sizeof(buf), "10.0.1.1:%u", lport + 10000);
	xs_dp_addr_parse(buf, &m.flow.out_src, false);
	snprintf(buf, sizeof(buf), "10.0.1.2:%u", lport + 20000);
	xs_dp_addr_parse(buf, &m.flow.out_dst, false);
	m.flow.src_policy = XS_DP_SRC_LATCH;
	m.flow.flags = flags | XS_DP_FLOW_F_OUT_KEYS | XS_DP_FLOW_F_IN_KEYS;
	m.flow.in_suite = (uint8_t)in->suite;
	m.flow.out_suite = (uint8_t)out->suite;
	crypto_of(in, &m.in);
	crypto_of(out, &m.out);
	return xs_dp_client_simple(H.fd, XS_DP_MSG_FLOW_ADD, ++H.seq, &m, sizeof(m));
}

static int add_flow(uint16_t lport, const struct peer *in, const struct peer *out)
{
	return add_flow_at("10.0.0.1", lport, in, out, 0);
}

static uint8_t plain[2048], pkt[2048], frame[2048], got[2048];

/* RTP (or RTCP) for (seq, ssrc) protected by in into pkt. Length. */
static int mk_pkt(struct peer *in, uint16_t seq, uint32_t ssrc, bool rtcp)
{
	uint32_t plen = rtcp ? tf_rtcp(plain, ssrc) : tf_rtp(plain, 172, seq, seq * 160u, ssrc);
	int len;

	memcpy(pkt, plain, plen);
	len = peer_xform(in, pkt, (int)plen, rtcp, false);
	assert_true(len > 0);
	return len;
}

/* Frame of pkt/len from src:5000 (+1 for RTCP) to 10.0.0.1:lport (+1). */
static uint32_t mk_frame(uint8_t *f, const char *src, uint16_t lport, bool rtcp, int len)
{
	return tf_udp4(f, 0, src, (uint16_t)(5000 + rtcp), "10.0.0.1", (uint16_t)(lport + rtcp),
		       pkt, (uint32_t)len);
}

static void send_one(struct peer *in, uint16_t lport, uint16_t seq, uint32_t ssrc, bool rtcp,
		     const char *src)
{
	int len = mk_pkt(in, seq, ssrc, rtcp);

	h_send(&H, 0, frame, mk_frame(frame, src, lport, rtcp, len));
}

/* The next frame on port 1 is lport's packet (seq, ssrc) under out. */
static void expect_out(struct peer *out, uint16_t lport, uint16_t seq, uint32_t ssrc, bool rtcp)
{
	uint32_t plen = rtcp ? tf_rtcp(plain, ssrc) : tf_rtp(plain, 172, seq, seq * 160u, ssrc);
	uint32_t n = h_recv(&H, 1, got, 2000);
	struct dp_pkt p;
	int len;

	assert_true(n > 0);
	assert_int_equal(dp_parse_frame(got, n, 0, &p), DP_PKT_UDP);
	assert_int_equal(p.dport, lport + 20000 + rtcp);
	memcpy(pkt, got + p.pay_off, p.pay_len);
	len = peer_xform(out, pkt, p.pay_len, rtcp, true);
	assert_int_equal(len, (int)plen);
	assert_memory_equal(pkt, plain, plen);
}

static void expect_nothing(void)
{
	h_settle(&H);
	assert_int_equal(h_recv(&H, 1, got, 20), 0);
}

static struct xs_dp_flow_info fi(uint16_t lport)
{
	struct xs_dp_flow_info info;
	char buf[32];

	snprintf(buf, sizeof(buf), "10.0.0.1:%u", lport);
	assert_int_equal(h_flow_info(&H, buf, &info), 0);
	return info;
}

static uint64_t flow_drops(const struct xs_dp_flow_stats *s)
{
	return s->auth_fail + s->replay + s->drop_no_keys + s->drop_source + s->drop_srtp +
	       s->drop_not_rtp + s->drop_no_route;
}

/* ---------------------------------------------------------------- bursts */

#define BMAX DP_BURST
static uint8_t bf[BMAX][1600];
static uint32_t bl[BMAX];
static unsigned bn;

static void b_add(const uint8_t *f, uint32_t len)
{
	assert_true(bn < BMAX);
	memcpy(bf[bn], f, len);
	bl[bn++] = len;
}

/* All frames of the burst onto port 0's RX ring at once. */
static void b_send(void)
{
	struct rte_mbuf *m[BMAX];

	for (unsigned i = 0; i < bn; i++) {
		m[i] = rte_pktmbuf_alloc(H.pool);
		assert_non_null(m[i]);
		memcpy(rte_pktmbuf_append(m[i], (uint16_t)bl[i]), bf[i], bl[i]);
	}
	while (rte_ring_enqueue_bulk(H.rx[0], (void **)m, bn, NULL) == 0)
		usleep(100);
	bn = 0;
}

/* ---------------------------------------------------------------- helpers for frames */

static void ip4_fix(uint8_t *ip)
{
	uint16_t cs;

	ip[10] = ip[11] = 0;
	cs = dp_csum_finish(dp_csum_partial(ip, (size_t)(ip[0] & 0x0f) * 4, 0));
	memcpy(ip + 10, &cs, 2);
}

static uint64_t g(enum dp_cnt c)
{
	return h_global(&H, c);
}

/* Send f/len on port p and check that exactly the global counter c went up
 * by one and nothing was relayed. */
static void one_drop_on(int p, const uint8_t *f, uint32_t len, enum dp_cnt c)
{
	uint64_t before = g(c), rx = g(DP_CNT_rx_pkts), rel = g(DP_CNT_relayed);

	h_send(&H, p, f, len);
	h_settle(&H);
	assert_int_equal(g(DP_CNT_rx_pkts) - rx, 1);
	if (g(c) - before != 1)
		fail_msg("frame of %u bytes: counter %s went up by %llu, want 1", len,
			 dp_cnt_names[c], (unsigned long long)(g(c) - before));
	assert_int_equal(g(DP_CNT_relayed), rel);
}

static void one_drop(const uint8_t *f, uint32_t len, enum dp_cnt c)
{
	one_drop_on(0, f, len, c);
}

/* ---------------------------------------------------------------- tests */

static void t_arp_learn(void **s)
{
	uint8_t f[128], me[4] = { 10, 0, 1, 1 }, peer_ip[4] = { 10, 0, 1, 2 };

	/* The relay learns peer B's MAC from its ARP request (and answers it). */
	h_send(&H, 1, f, dp_host_arp_request(f, tf_mac_a, 0, peer_ip, me));
	assert_true(h_recv(&H, 1, got, 2000) >= 42);
	h_settle(&H);
}

static void t_truncated_and_lengths(void **s)
{
	struct peer in, out;
	struct xs_dp_flow_info info;
	uint8_t f[2048], *ip = f + 14, *udp = f + 34;
	uint32_t n, n6;
	uint16_t seq = 100;
	int len;

	peer_open(&in, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 60, false);
	peer_open(&out, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 61, true);
	assert_int_equal(add_flow(6000, &in, &out), 0);

	/* Before anything latched: truncated SRTP from another source latches
	 * nothing. */
	len = mk_pkt(&in, seq, 0x6000, false);
	h_send(&H, 0, frame, mk_frame(frame, "10.0.0.66", 6000, false, len - 12));
	expect_nothing();
	info = fi(6000);
	assert_int_equal(flow_drops(&info.stats), 1);
	assert_int_equal(info.flow.peer.family, 0);
	h_send(&H, 0, frame, mk_frame(frame, "10.0.0.2", 6000, false, len));
	expect_out(&out, 6000, seq, 0x6000, false);
	seq++;
	assert_int_equal(fi(6000).flow.peer.port, 5000);

	/* A good frame to cut up. */
	len = mk_pkt(&in, seq, 0x6000, false);
	n = mk_frame(f, "10.0.0.2", 6000, false, len);

	/* Ethernet: nothing, 1 byte, 13 bytes; a VLAN tag cut in half. */
	one_drop(f, 0, DP_CNT_drop_runt);
	one_drop(f, 1, DP_CNT_drop_runt);
	one_drop(f, 13, DP_CNT_drop_runt);
	{
		uint8_t v[128];
		uint32_t vn = tf_udp4(v, 100, "10.0.0.2", 5000, "10.0.2.1", 6000, pkt, 20);
		assert_true(vn > 16);
		one_drop(v, 15, DP_CNT_drop_runt);
	}
	/* An Ethernet header and nothing else; an IPv4 header cut at 19 bytes. */
	one_drop(f, 14, DP_CNT_drop_runt);
	one_drop(f, 14 + 19, DP_CNT_drop_runt);
	/* IPv4: version 5, IHL 4 (checksums fixed, so only the field is wrong). */
	ip[0] = 0x55;
	ip4_fix(ip);
	one_drop(f, n, DP_CNT_drop_ip_hdr);
	ip[0] = 0x44;
	ip4_fix(ip);
	one_drop(f, n, DP_CNT_drop_ip_hdr);
	ip[0] = 0x45;
	/* IP total length below its header, one beyond the frame, 0xffff. */
	tf_wr16(ip + 2, 19);
	ip4_fix(ip);
	one_drop(f, n, DP_CNT_drop_ip_len);
	tf_wr16(ip + 2, (uint16_t)(n - 14 + 1));
	ip4_fix(ip);
	one_drop(f, n, DP_CNT_drop_ip_len);
	tf_wr16(ip + 2, 0xffff);
	ip4_fix(ip);
	one_drop(f, n, DP_CNT_drop_ip_len);
	/* IP says 20 + 4: a UDP header cut in half. */
	tf_wr16(ip + 2, 24);
	ip4_fix(ip);
	one_drop(f, 14 + 24, DP_CNT_drop_udp_len);
	/* IP says header only: no UDP header at all. */
	tf_wr16(ip + 2, 20);
	ip4_fix(ip);
	one_drop(f, 14 + 20, DP_CNT_drop_udp_len);
	tf_wr16(ip + 2, (uint16_t)(n - 14));
	ip4_fix(ip);
	/* UDP length: 0, 7, one short of IP, one beyond IP, 0xffff. */
	{
		uint16_t good = (uint16_t)(n - 34), bad[] = { 0, 7, (uint16_t)(good - 1),
							      (uint16_t)(good + 1), 0xffff };
		udp[6] = udp[7] = 0; /* no checksum: only the length is wrong */
		for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			tf_wr16(udp + 4, bad[i]);
			one_drop(f, n, DP_CNT_drop_udp_len);
		}
		tf_wr16(udp + 4, good);
	}
	/* The IP datagram shorter than the frame: Ethernet padding, not an error.
	 * The frame is rebuilt (checksums) and 6 bytes of junk follow it. */
	n = mk_frame(f, "10.0.0.2", 6000, false, len);
	memset(f + n, 0xa5, 6);
	h_send(&H, 0, f, n + 6);
	expect_out(&out, 6000, seq, 0x6000, false);
	seq++;

	/* IPv6: runt header, version 4 in an IPv6 ethertype, payload length
	 * beyond the frame, UDP length disagreeing. */
	n6 = tf_udp6(f, "2001:db8::2", 5000, "2001:db8::1", 6000, pkt, 40);
	one_drop(f, 14 + 39, DP_CNT_drop_runt);
	f[14] = 0x40;
	one_drop(f, n6, DP_CNT_drop_ip_hdr);
	f[14] = 0x60;
	tf_wr16(f + 14 + 4, 8 + 40 + 1);
	one_drop(f, n6, DP_CNT_drop_ip_len);
	tf_wr16(f + 14 + 4, 8 + 40);
	tf_wr16(f + 14 + 40 + 4, 8 + 40 - 1);
	one_drop(f, n6, DP_CNT_drop_udp_len);

	/* Truncated inside RTP/SRTP, IP and UDP lengths consistent: shorter than
	 * an RTP header (not RTP), a header and no tag, the tag cut short, the
	 * tag cut off. Counted on the flow; the flow's state does not move. */
	info = fi(6000);
	len = mk_pkt(&in, seq, 0x6000, false);
	h_send(&H, 0, frame, mk_frame(frame, "10.0.0.2", 6000, false, 11));
	h_send(&H, 0, frame, mk_frame(frame, "10.0.0.2", 6000, false, 12));
	h_send(&H, 0, frame, mk_frame(frame, "10.0.0.2", 6000, false, 12 + 5));
	h_send(&H, 0, frame, mk_frame(frame, "10.0.0.2", 6000, false, len - 3));
	h_send(&H, 0, frame, mk_frame(frame, "10.0.0.2", 6000, false, len - 10));
	expect_nothing();
	{
		struct xs_dp_flow_info now = fi(6000);
		assert_int_equal(now.stats.drop_not_rtp - info.stats.drop_not_rtp, 1);
		assert_int_equal(flow_drops(&now.stats) - flow_drops(&info.stats), 5);
		assert_int_equal(now.stats.pkts_out, info.stats.pkts_out);
		/* refused packets are not "received": they keep no call alive */
		assert_int_equal(now.stats.pkts_in, info.stats.pkts_in);
		assert_int_equal(now.stats.last_rx_ns, info.stats.last_rx_ns);
	}
	/* The very packet whose truncations were refused still goes through. */
	h_send(&H, 0, frame, mk_frame(frame, "10.0.0.2", 6000, false, len));
	expect_out(&out, 6000, seq, 0x6000, false);
	info = fi(6000);
	assert_int_equal(info.stats.pkts_out, 3);
	assert_int_equal(info.stats.replay, 0);
	peer_close(&in);
	peer_close(&out);
}

static void t_wrong_keys(void **s)
{
	struct peer in, out, other_key, other_suite;
	struct xs_dp_flow_info info;
	uint16_t q;

	peer_open(&in, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 70, false);
	peer_open(&out, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 71, true);
	peer_open(&other_key, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 72, false);
	/* The right key with a 32-bit tag: the relay expects 80. */
	peer_open(&other_suite, XS_SUITE_AES_CM_128_HMAC_SHA1_32, 70, false);
	assert_int_equal(add_flow(6100, &in, &out), 0);

	/* Wrong keys first, from their own source: nothing latches. */
	for (q = 65000; q < 65010; q++)
		send_one(&other_key, 6100, q, 0x6100, false, "10.0.0.66");
	for (q = 65000; q < 65010; q++)
		send_one(&other_suite, 6100, q, 0x6100, false, "10.0.0.66");
	send_one(&other_key, 6100, 0, 0x6100, true, "10.0.0.66");
	expect_nothing();
	info = fi(6100);
	assert_int_equal(info.stats.auth_fail, 21);
	assert_int_equal(info.stats.pkts_out, 0);
	assert_int_equal(info.flow.peer.family, 0);
	assert_int_equal(info.rtcp_peer.family, 0);

	/* The real sender runs up to the end of ROC 0. */
	for (q = 65530; q != 0; q++) {
		send_one(&in, 6100, q, 0x6100, false, "10.0.0.2");
		expect_out(&out, 6100, q, 0x6100, false);
	}
	/* Wrong-key packets with the sequence numbers after the wrap (ROC 1)
	 * and far ahead: were any accepted, the ROC or window would move and the
	 * real packets below would be refused or mis-decrypted. */
	for (q = 0; q < 5; q++)
		send_one(&other_key, 6100, q, 0x6100, false, "10.0.0.2");
	send_one(&other_key, 6100, 30000, 0x6100, false, "10.0.0.2");
	for (q = 0; q < 5; q++)
		send_one(&other_suite, 6100, q, 0x6100, false, "10.0.0.2");
	expect_nothing();
	assert_int_equal(fi(6100).stats.auth_fail, 21 + 11);
	assert_int_equal(fi(6100).in_roc, 0);
	for (q = 0; q < 10; q++) {
		send_one(&in, 6100, q, 0x6100, false, "10.0.0.2");
		expect_out(&out, 6100, q, 0x6100, false);
	}
	info = fi(6100);
	assert_int_equal(info.in_roc, 1);
	assert_int_equal(info.stats.pkts_out, 16);
	assert_int_equal(info.stats.replay, 0);
	assert_int_equal(info.stats.drop_srtp, 0);
	/* RTCP: the wrong key fails, the right one passes and latches its source. */
	send_one(&other_key, 6100, 0, 0x6100, true, "10.0.0.2");
	expect_nothing();
	send_one(&in, 6100, 0, 0x6100, true, "10.0.0.2");
	expect_out(&out, 6100, 0, 0x6100, true);
	info = fi(6100);
	assert_int_equal(info.stats.auth_fail, 21 + 11 + 1);
	assert_int_equal(info.rtcp_peer.family, 4);
	peer_close(&in);
	peer_close(&out);
	peer_close(&other_key);
	peer_close(&other_suite);
}

static void t_replay(void **s)
{
	struct peer in, out;
	struct xs_dp_flow_info info;
	uint8_t keep[2048], keep_rtcp[2048];
	uint32_t kn, kn_rtcp;
	int len;

	peer_open(&in, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 80, false);
	peer_open(&out, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 81, true);
	assert_int_equal(add_flow(6200, &in, &out), 0);

	/* The same packet 20 times in one RX burst: relayed once. */
	len = mk_pkt(&in, 10, 0x6200, false);
	kn = mk_frame(keep, "10.0.0.2", 6200, false, len);
	for (int i = 0; i < 20; i++)
		b_add(keep, kn);
	b_send();
	expect_out(&out, 6200, 10, 0x6200, false);
	expect_nothing();
	info = fi(6200);
	assert_int_equal(info.stats.pkts_out, 1);
	assert_int_equal(info.stats.replay, 19);
	/* Again, later, alone. */
	h_send(&H, 0, keep, kn);
	expect_nothing();
	assert_int_equal(fi(6200).stats.replay, 20);

	/* Late but new: 12 and 14, then 11 and 13 (inside the window) pass once;
	 * the second copies of 11 and 13, in one burst with a new packet, do not. */
	send_one(&in, 6200, 12, 0x6200, false, "10.0.0.2");
	expect_out(&out, 6200, 12, 0x6200, false);
	send_one(&in, 6200, 14, 0x6200, false, "10.0.0.2");
	expect_out(&out, 6200, 14, 0x6200, false);
	{
		uint8_t f11[2048], f13[2048], f15[2048];
		uint32_t n11, n13, n15;
		struct peer in2;

		/* libsrtp refuses to protect an index it already protected; the
		 * late packets come from a second sender with the same key. */
		peer_open(&in2, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 80, false);
		len = mk_pkt(&in2, 11, 0x6200, false);
		n11 = mk_frame(f11, "10.0.0.2", 6200, false, len);
		len = mk_pkt(&in2, 13, 0x6200, false);
		n13 = mk_frame(f13, "10.0.0.2", 6200, false, len);
		len = mk_pkt(&in, 15, 0x6200, false);
		n15 = mk_frame(f15, "10.0.0.2", 6200, false, len);
		b_add(f11, n11);
		b_add(f13, n13);
		b_send();
		expect_out(&out, 6200, 11, 0x6200, false);
		expect_out(&out, 6200, 13, 0x6200, false);
		b_add(f13, n13);
		b_add(f15, n15);
		b_add(f11, n11);
		b_add(f15, n15);
		b_send();
		expect_out(&out, 6200, 15, 0x6200, false);
		expect_nothing();
		peer_close(&in2);
	}
	info = fi(6200);
	assert_int_equal(info.stats.pkts_out, 6);
	assert_int_equal(info.stats.replay, 23);

	/* Older than the window: jump 5000 ahead, then replay packet 10. */
	send_one(&in, 6200, 5000, 0x6200, false, "10.0.0.2");
	expect_out(&out, 6200, 5000, 0x6200, false);
	h_send(&H, 0, keep, kn);
	expect_nothing();
	assert_int_equal(fi(6200).stats.replay, 24);

	/* RTCP: one SRTCP packet three times (twice in one burst). */
	len = mk_pkt(&in, 0, 0x6200, true);
	kn_rtcp = mk_frame(keep_rtcp, "10.0.0.2", 6200, true, len);
	h_send(&H, 0, keep_rtcp, kn_rtcp);
	expect_out(&out, 6200, 0, 0x6200, true);
	b_add(keep_rtcp, kn_rtcp);
	b_add(keep_rtcp, kn_rtcp);
	b_send();
	expect_nothing();
	info = fi(6200);
	assert_int_equal(info.stats.replay, 26);
	assert_int_equal(info.stats.pkts_out, 8);
	assert_int_equal(info.stats.auth_fail, 0);

	/* A replay from another source after latching: refused by source
	 * (checked first), and the flow goes on. */
	len = mk_pkt(&in, 5001, 0x6200, false);
	h_send(&H, 0, frame, mk_frame(frame, "10.0.0.99", 6200, false, len));
	expect_nothing();
	assert_int_equal(fi(6200).stats.drop_source, 1);
	h_send(&H, 0, frame, mk_frame(frame, "10.0.0.2", 6200, false, len));
	expect_out(&out, 6200, 5001, 0x6200, false);
	peer_close(&in);
	peer_close(&out);
}

static void t_forged(void **s)
{
	struct peer in, out;
	struct xs_dp_flow_info before, info;
	uint8_t good[2048];
	int len;
	uint16_t q = 1;

	peer_open(&in, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 90, false);
	peer_open(&out, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 91, true);
	assert_int_equal(add_flow(6300, &in, &out), 0);
	send_one(&in, 6300, q, 0x6300, false, "10.0.0.2");
	expect_out(&out, 6300, q, 0x6300, false);
	q++;

	/* Every byte of the next packet flipped in turn (one bit, then all
	 * bits), checksums fixed up: none relayed, each counted once as a drop
	 * by the flow; payload and tag bytes as auth failures. */
	len = mk_pkt(&in, q, 0x6300, false);
	memcpy(good, pkt, (size_t)len);
	before = fi(6300);
	for (int i = 0; i < len; i++) {
		for (int k = 0; k < 2; k++) {
			memcpy(pkt, good, (size_t)len);
			pkt[i] ^= k ? 0xff : 0x01;
			b_add(frame, mk_frame(frame, "10.0.0.2", 6300, false, len));
			if (bn == BMAX)
				b_send();
		}
	}
	if (bn)
		b_send();
	expect_nothing();
	info = fi(6300);
	assert_int_equal(info.stats.pkts_out, before.stats.pkts_out);
	assert_int_equal(flow_drops(&info.stats) - flow_drops(&before.stats), 2 * (uint64_t)len);
	assert_true(info.stats.auth_fail - before.stats.auth_fail >= 2 * (uint64_t)(len - 12));
	assert_int_equal(info.flow.peer.port, 5000);
	/* The untouched packet still passes: the forgeries moved nothing. */
	memcpy(pkt, good, (size_t)len);
	h_send(&H, 0, frame, mk_frame(frame, "10.0.0.2", 6300, false, len));
	expect_out(&out, 6300, q, 0x6300, false);
	q++;

	/* Forged packets inside bursts of good ones: good ones all relayed, in
	 * order; forged ones all counted. */
	before = fi(6300);
	for (int r = 0; r < 8; r++) {
		for (int k = 0; k < 4; k++, q++) {
			len = mk_pkt(&in, q, 0x6300, false);
			b_add(frame, mk_frame(frame, "10.0.0.2", 6300, false, len));
			pkt[len - 1] ^= 0x80; /* the same packet, tag forged */
			pkt[3] ^= 0x40;       /* and another sequence number */
			b_add(frame, mk_frame(frame, "10.0.0.2", 6300, false, len));
		}
		b_send();
	}
	for (uint16_t k = (uint16_t)(q - 32); k != q; k++)
		expect_out(&out, 6300, k, 0x6300, false);
	expect_nothing();
	info = fi(6300);
	assert_int_equal(info.stats.pkts_out - before.stats.pkts_out, 32);
	assert_int_equal(info.stats.auth_fail - before.stats.auth_fail, 32);

	/* Forged SRTCP (an 8-byte RR: header, E|index, tag): a flipped bit in
	 * the header's length, in the index, in the tag. */
	before = fi(6300);
	len = mk_pkt(&in, 0, 0x6300, true);
	memcpy(good, pkt, (size_t)len);
	{
		int at[] = { 3, 9, len - 1 };
		for (unsigned i = 0; i < 3; i++) {
			memcpy(pkt, good, (size_t)len);
			pkt[at[i]] ^= 0x10;
			h_send(&H, 0, frame, mk_frame(frame, "10.0.0.2", 6300, true, len));
		}
	}
	expect_nothing();
	info = fi(6300);
	assert_int_equal(flow_drops(&info.stats) - flow_drops(&before.stats), 3);
	assert_true(info.stats.auth_fail - before.stats.auth_fail >= 2);
	assert_int_equal(info.rtcp_peer.family, 0); /* forged RTCP latched nothing */
	memcpy(pkt, good, (size_t)len);
	h_send(&H, 0, frame, mk_frame(frame, "10.0.0.2", 6300, true, len));
	expect_out(&out, 6300, 0, 0x6300, true);
	peer_close(&in);
	peer_close(&out);
}

static void t_unknown_ports(void **s)
{
	struct peer p;
	uint8_t f[256], pay[40];
	struct xs_dp_flow_ref r = { 0 };

	memset(pay, 0, sizeof(pay));
	pay[0] = 0x80;
	peer_open(&p, XS_SUITE_NONE, 0, false);
	/* Ports with no flow on every relay address. */
	one_drop(f, tf_udp4(f, 0, "10.0.0.2", 5000, "10.0.0.1", 6499, pay, 40),
		 DP_CNT_drop_unknown_port);
	one_drop_on(1, f, tf_udp4(f, 0, "10.0.1.2", 5000, "10.0.1.1", 6499, pay, 40),
		    DP_CNT_drop_unknown_port);
	one_drop_on(1, f, tf_udp4(f, 100, "10.0.2.2", 5000, "10.0.2.1", 6499, pay, 40),
		    DP_CNT_drop_unknown_port);
	one_drop(f, tf_udp6(f, "2001:db8::2", 5000, "2001:db8::1", 6499, pay, 40),
		 DP_CNT_drop_unknown_port);
	one_drop_on(1, f, tf_udp6(f, "2001:db8:1::2", 5000, "2001:db8:1::1", 6499, pay, 40),
		    DP_CNT_drop_unknown_port);
	/* Port 0 and 65535. */
	one_drop(f, tf_udp4(f, 0, "10.0.0.2", 5000, "10.0.0.1", 0, pay, 40),
		 DP_CNT_drop_unknown_port);
	one_drop(f, tf_udp4(f, 0, "10.0.0.2", 5000, "10.0.0.1", 65535, pay, 40),
		 DP_CNT_drop_unknown_port);
	/* Addresses that are not ours (a neighbour, the subnet's broadcast,
	 * another IPv6 host). */
	one_drop(f, tf_udp4(f, 0, "10.0.0.2", 5000, "10.0.0.3", 6400, pay, 40),
		 DP_CNT_drop_not_local);
	one_drop(f, tf_udp4(f, 0, "10.0.0.2", 5000, "10.0.0.255", 6400, pay, 40),
		 DP_CNT_drop_not_local);
	one_drop(f, tf_udp6(f, "2001:db8::2", 5000, "2001:db8::3", 6400, pay, 40),
		 DP_CNT_drop_not_local);

	/* The RTCP port of an RTCP-muxed flow is no flow's port; the RTP port
	 * of an IPv6 flow on IPv4 is not the flow either. */
	assert_int_equal(add_flow_at("10.0.0.1", 6400, &p, &p, XS_DP_FLOW_F_RTCP_MUX_IN), 0);
	assert_int_equal(add_flow_at("[2001:db8::1]", 6410, &p, &p, 0), 0);
	one_drop(f, tf_udp4(f, 0, "10.0.0.2", 5000, "10.0.0.1", 6401, pay, 40),
		 DP_CNT_drop_unknown_port);
	one_drop(f, tf_udp4(f, 0, "10.0.0.2", 5000, "10.0.0.1", 6410, pay, 40),
		 DP_CNT_drop_unknown_port);
	/* The same port on the other port's address is another key. */
	one_drop_on(1, f, tf_udp4(f, 0, "10.0.1.2", 5000, "10.0.1.1", 6400, pay, 40),
		    DP_CNT_drop_unknown_port);
	/* A deleted flow's ports. */
	xs_dp_addr_parse("10.0.0.1:6400", &r.local, false);
	assert_int_equal(xs_dp_client_simple(H.fd, XS_DP_MSG_FLOW_DEL, ++H.seq, &r, sizeof(r)), 0);
	one_drop(f, tf_udp4(f, 0, "10.0.0.2", 5000, "10.0.0.1", 6400, pay, 40),
		 DP_CNT_drop_unknown_port);
	h_drain(&H, 1);
	peer_close(&p);
}

static void t_flood_mixed(void **s)
{
	struct peer a_in, a_out, b_in, b_out, wrong;
	struct xs_dp_flow_info a, b;
	uint8_t replay[2048], forged[2048], junk[256], unk[256], notrtp[256], spoof[2048],
		wrongk[2048];
	uint32_t nr, nf, nj, nu, nn, ns, nw;
	uint64_t unknown0 = g(DP_CNT_drop_unknown_port), runt0 = g(DP_CNT_drop_runt);
	uint64_t want_auth = 0, want_replay = 0, want_source = 0, want_notrtp = 0, want_unk = 0,
		 want_runt = 0;
	uint16_t bq = 0;
	int len;
	const unsigned rounds = 60;

	peer_open(&a_in, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 100, false);
	peer_open(&a_out, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 101, true);
	peer_open(&b_in, XS_SUITE_AES_CM_128_HMAC_SHA1_32, 102, false);
	peer_open(&b_out, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 103, true);
	peer_open(&wrong, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 104, false);
	assert_int_equal(add_flow(6500, &a_in, &a_out), 0);
	assert_int_equal(add_flow(6510, &b_in, &b_out), 0);

	/* Flow A latches to its sender with one good packet; that packet is
	 * then replayed; a forged copy of the next one; a valid one from
	 * another source; wrong keys; junk to its port; junk frames; a port
	 * nobody has. */
	len = mk_pkt(&a_in, 1, 0x6500, false);
	nr = mk_frame(replay, "10.0.0.2", 6500, false, len);
	h_send(&H, 0, replay, nr);
	expect_out(&a_out, 6500, 1, 0x6500, false);
	len = mk_pkt(&a_in, 2, 0x6500, false);
	pkt[40] ^= 1;
	nf = mk_frame(forged, "10.0.0.2", 6500, false, len);
	pkt[40] ^= 1;
	ns = mk_frame(spoof, "10.0.0.77", 6500, false, len);
	len = mk_pkt(&wrong, 3, 0x6500, false);
	nw = mk_frame(wrongk, "10.0.0.2", 6500, false, len);
	memset(pkt, 0x00, 40); /* version 0: not RTP */
	nn = mk_frame(notrtp, "10.0.0.2", 6500, false, 40);
	memset(pkt, 0x80, 40);
	nu = tf_udp4(unk, 0, "10.0.0.2", 5000, "10.0.0.1", 6599, pkt, 40);
	nj = 20;
	memcpy(junk, unk, nj);

	for (unsigned r = 0; r < rounds; r++) {
		/* 31 flood frames around one of B's, B at a different place each
		 * round; one burst per round. */
		unsigned at = r % BMAX;
		for (unsigned k = 0; k < BMAX; k++) {
			if (k == at) {
				len = mk_pkt(&b_in, bq, 0x6510, false);
				b_add(frame, tf_udp4(frame, 0, "10.0.0.5", 7000, "10.0.0.1", 6510, pkt,
						     (uint32_t)len));
				bq++;
				continue;
			}
			switch ((k + r) % 7) {
			case 0: b_add(replay, nr); want_replay++; break;
			case 1: b_add(forged, nf); want_auth++; break;
			case 2: b_add(spoof, ns); want_source++; break;
			case 3: b_add(wrongk, nw); want_auth++; break;
			case 4: b_add(notrtp, nn); want_notrtp++; break;
			case 5: b_add(unk, nu); want_unk++; break;
			default: b_add(junk, nj); want_runt++; break;
			}
		}
		b_send();
		/* Every few rounds, also an RTCP packet of B. */
		if (r % 10 == 9) {
			len = mk_pkt(&b_in, 0, 0x6510, true);
			h_send(&H, 0, frame, tf_udp4(frame, 0, "10.0.0.5", 7001, "10.0.0.1", 6511, pkt,
						     (uint32_t)len));
		}
	}
	/* B: every packet, in order, decrypting under B's output key. */
	for (uint16_t k = 0; k < rounds; k++) {
		expect_out(&b_out, 6510, k, 0x6510, false);
		if (k % 10 == 9)
			expect_out(&b_out, 6510, 0, 0x6510, true);
	}
	expect_nothing();
	b = fi(6510);
	assert_int_equal(b.stats.pkts_in, rounds + rounds / 10);
	assert_int_equal(b.stats.pkts_out, rounds + rounds / 10);
	assert_int_equal(flow_drops(&b.stats), 0);
	assert_int_equal(b.flow.peer.port, 7000);
	assert_int_equal(b.rtcp_peer.port, 7001);
	/* A: everything flooded dropped and counted by reason; A's latched peer
	 * and stream untouched, so its next packet still passes. */
	a = fi(6500);
	assert_int_equal(a.stats.pkts_out, 1);
	assert_int_equal(a.stats.replay, want_replay);
	assert_int_equal(a.stats.auth_fail, want_auth);
	assert_int_equal(a.stats.drop_source, want_source);
	assert_int_equal(a.stats.drop_not_rtp, want_notrtp);
	assert_int_equal(flow_drops(&a.stats),
			 want_replay + want_auth + want_source + want_notrtp);
	assert_int_equal(g(DP_CNT_drop_unknown_port) - unknown0, want_unk);
	assert_int_equal(g(DP_CNT_drop_runt) - runt0, want_runt);
	assert_memory_equal(a.flow.peer.addr, ((uint8_t[]){ 10, 0, 0, 2 }), 4);
	send_one(&a_in, 6500, 3, 0x6500, false, "10.0.0.2");
	expect_out(&a_out, 6500, 3, 0x6500, false);
	peer_close(&a_in);
	peer_close(&a_out);
	peer_close(&b_in);
	peer_close(&b_out);
	peer_close(&wrong);
}

/* One sweep of the whole port range of 10.0.0.1 from 10.0.0.66: to every
 * port a plain RTP-looking packet and a forged SRTP one (random payload and
 * tag), as whole RX bursts. */
static void spray(uint32_t salt)
{
	uint8_t f[512], pay[182];

	for (uint32_t port = 0; port <= 0xffff; port++) {
		for (int forged = 0; forged < 2; forged++) {
			uint32_t x = (port * 2654435761u) ^ salt ^ (uint32_t)forged;
			uint32_t plen = tf_rtp(pay, forged ? 182 : 172, (uint16_t)port, x,
					       0xdead0000u | port);

			for (uint32_t i = 12; forged && i < plen; i++) {
				x = x * 1103515245u + 12345u;
				pay[i] = (uint8_t)(x >> 16);
			}
			b_add(f, tf_udp4(f, 0, "10.0.0.66", (uint16_t)(1024 + port % 60000),
					 "10.0.0.1", (uint16_t)port, pay, plen));
			if (bn == BMAX)
				b_send();
		}
	}
	if (bn)
		b_send();
	h_settle(&H);
}

/* A flow nobody has spoken on yet, and one that has: the spray neither
 * latches them, nor counts as received (pkts_in, last_rx: what keeps a call
 * alive), nor relays anything. */
static void expect_untouched(const struct xs_dp_flow_info *before, uint16_t lport)
{
	struct xs_dp_flow_info now = fi(lport);

	assert_memory_equal(&now.flow.peer, &before->flow.peer, sizeof(now.flow.peer));
	assert_memory_equal(&now.rtcp_peer, &before->rtcp_peer, sizeof(now.rtcp_peer));
	assert_int_equal(now.stats.pkts_in, before->stats.pkts_in);
	assert_int_equal(now.stats.bytes_in, before->stats.bytes_in);
	assert_int_equal(now.stats.last_rx_ns, before->stats.last_rx_ns);
	assert_int_equal(now.stats.pkts_out, before->stats.pkts_out);
	assert_int_equal(now.stats.relatch, 0);
	assert_int_equal(flow_drops(&now.stats) - flow_drops(&before->stats), 4);
}

static void t_spray(void **s)
{
	struct peer a_in, a_out, pl;
	struct xs_dp_flow_msg m;
	struct xs_dp_flow_info a, b;
	uint64_t rel, rx;
	int len;

	/* A: SRTP input, latching. B: plain input latching only from the
	 * address its SDP gave (10.0.0.2), with F_RELATCH refused for plain. */
	peer_open(&a_in, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 110, false);
	peer_open(&a_out, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 111, true);
	peer_open(&pl, XS_SUITE_NONE, 0, false);
	assert_int_equal(add_flow(6600, &a_in, &a_out), 0);
	memset(&m, 0, sizeof(m));
	xs_dp_addr_parse("10.0.0.1:6610", &m.flow.local, false);
	xs_dp_addr_parse("10.0.1.1:16610", &m.flow.out_src, false);
	xs_dp_addr_parse("10.0.1.2:26610", &m.flow.out_dst, false);
	xs_dp_addr_parse("10.0.0.2", &m.flow.peer, true);
	m.flow.src_policy = XS_DP_SRC_LATCH_IP;
	m.flow.flags = XS_DP_FLOW_F_RELATCH;
	assert_int_equal(xs_dp_client_simple(H.fd, XS_DP_MSG_FLOW_ADD, ++H.seq, &m, sizeof(m)),
			 EINVAL);
	m.flow.flags = 0;
	assert_int_equal(xs_dp_client_simple(H.fd, XS_DP_MSG_FLOW_ADD, ++H.seq, &m, sizeof(m)), 0);

	/* Before the parties' first packets. Per flow: two packets to its RTP
	 * port (refused: by auth, by source) and two to its RTCP port (not RTCP). */
	a = fi(6600);
	b = fi(6610);
	rel = g(DP_CNT_relayed);
	rx = g(DP_CNT_rx_pkts);
	spray(1);
	assert_int_equal(g(DP_CNT_rx_pkts) - rx, 2 * 65536);
	assert_int_equal(g(DP_CNT_relayed), rel);
	expect_untouched(&a, 6600);
	expect_untouched(&b, 6610);
	assert_int_equal(fi(6600).stats.auth_fail, 2);
	assert_int_equal(fi(6610).stats.drop_source, 2);
	assert_int_equal(fi(6600).flow.peer.family, 0);
	assert_int_equal(fi(6610).flow.peer.family, 0);

	/* The parties speak: each latches its own. */
	send_one(&a_in, 6600, 1, 0x6600, false, "10.0.0.2");
	expect_out(&a_out, 6600, 1, 0x6600, false);
	len = mk_pkt(&pl, 1, 0x6610, false);
	h_send(&H, 0, frame, tf_udp4(frame, 0, "10.0.0.2", 5010, "10.0.0.1", 6610, pkt,
				     (uint32_t)len));
	expect_out(&pl, 6610, 1, 0x6610, false);
	a = fi(6600);
	b = fi(6610);
	assert_int_equal(a.stats.pkts_in, 1);
	assert_int_equal(b.stats.pkts_in, 1);
	assert_int_equal(b.flow.peer.port, 5010);

	/* After: the same spray moves nothing, and the parties go on. */
	rel = g(DP_CNT_relayed);
	spray(2);
	assert_int_equal(g(DP_CNT_relayed), rel);
	expect_untouched(&a, 6600);
	expect_untouched(&b, 6610);
	send_one(&a_in, 6600, 2, 0x6600, false, "10.0.0.2");
	expect_out(&a_out, 6600, 2, 0x6600, false);
	len = mk_pkt(&pl, 2, 0x6610, false);
	h_send(&H, 0, frame, tf_udp4(frame, 0, "10.0.0.2", 5010, "10.0.0.1", 6610, pkt,
				     (uint32_t)len));
	expect_out(&pl, 6610, 2, 0x6610, false);
	peer_close(&a_in);
	peer_close(&a_out);
	peer_close(&pl);
}

static int setup(void **s)
{
	if (h_eal("dp_abuse_test") < 0 || h_start(&H, "dp_abuse_test"))
		return -1;
	if (srtp_init() != srtp_err_status_ok)
		return -1;
	return 0;
}

static int teardown(void **s)
{
	h_stop(&H);
	rte_eal_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_arp_learn),
		cmocka_unit_test(t_truncated_and_lengths),
		cmocka_unit_test(t_wrong_keys),
		cmocka_unit_test(t_replay),
		cmocka_unit_test(t_forged),
		cmocka_unit_test(t_unknown_ports),
		cmocka_unit_test(t_flood_mixed),
		cmocka_unit_test(t_spray),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
