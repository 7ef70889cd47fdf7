/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The real data plane (worker lcore, control thread, control socket) over
 * net_ring ports: SRTP protected by libsrtp2 under the input key comes out
 * decryptable by libsrtp2 under the output key, for every pairing the relay
 * bridges (x-sipura legs checked with the engine itself, as libsrtp2 cannot
 * do x-sipura), RTCP included; bad input is dropped and counted by reason
 * while other flows keep flowing; what is relayed leaves with the TTL (hop
 * limit) it came with, less one, and what came with 1 or 0 is dropped.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <srtp2/srtp.h>

#include "dp_harness.h"
#include "dp_host.h"
#include "xs_srtp.h"

static struct harness H;

enum peer_kind { P_PLAIN, P_LIBSRTP, P_ENGINE };

struct peer {
	enum peer_kind kind;
	unsigned suite;
	uint8_t key[32], salt[16];
	unsigned key_len, salt_len;
	srtp_t srtp;
	struct xs_srtp_keys *keys;
	struct xs_srtp_stream st;
	struct xs_srtp_engine *eng;
};

static void fill_key(struct peer *p, unsigned suite, uint8_t seed)
{
	p->suite = suite;
	p->key_len = suite ? xs_srtp_suite_key_len(suite) : 0;
	p->salt_len = suite ? xs_srtp_suite_salt_len(suite) : 0;
	for (unsigned i = 0; i < 32; i++)
		p->key[i] = (uint8_t)(seed + i * 3);
	for (unsigned i = 0; i < 16; i++)
		p->salt[i] = (uint8_t)(seed * 7 + i);
	memset(p->key + p->key_len, 0, 32 - p->key_len);
	memset(p->salt + p->salt_len, 0, 16 - p->salt_len);
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
	if (p->suite == XS_SUITE_XSIPURA) {
		struct xs_xsipura_profile x;
		xs_xsipura_profile_default(&x);
		c->xsipura = (struct xs_dp_xsipura){ x.auth, x.tag_len, x.kdf, x.salt_len,
						     x.auth_key_len, x.rtcp_encrypted, { 0, 0 } };
	}
}

/* A peer endpoint: sender (outbound) or receiver (inbound). */
static void peer_open(struct peer *p, enum peer_kind kind, unsigned suite, uint8_t seed,
		      bool inbound)
{
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	fill_key(p, suite, seed);
	if (kind == P_LIBSRTP) {
		srtp_policy_t pol;
		uint8_t mk[46];

		memset(&pol, 0, sizeof(pol));
		switch (suite) {
		case XS_SUITE_AES_CM_128_HMAC_SHA1_80:
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
			break;
		case XS_SUITE_AES_CM_128_HMAC_SHA1_32:
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
			break;
		case XS_SUITE_AES_256_CM_HMAC_SHA1_80:
			srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&pol.rtp);
			break;
		default:
			fail_msg("suite %u not for libsrtp", suite);
		}
		if (suite == XS_SUITE_AES_256_CM_HMAC_SHA1_80)
			srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&pol.rtcp);
		else
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
		memcpy(mk, p->key, p->key_len);
		memcpy(mk + p->key_len, p->salt, p->salt_len);
		pol.key = mk;
		pol.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
		pol.window_size = 128;
		assert_int_equal(srtp_create(&p->srtp, &pol), srtp_err_status_ok);
	} else if (kind == P_ENGINE) {
		struct xs_srtp_policy pol;

		memset(&pol, 0, sizeof(pol));
		pol.suite = suite;
		pol.key_len = (uint8_t)p->key_len;
		pol.salt_len = (uint8_t)p->salt_len;
		memcpy(pol.master_key, p->key, p->key_len);
		memcpy(pol.master_salt, p->salt, p->salt_len);
		xs_xsipura_profile_default(&pol.xsipura);
		assert_int_equal(xs_srtp_keys_create(&pol, &p->keys), 0);
		xs_srtp_stream_init(&p->st, 0);
		p->eng = xs_srtp_engine_create();
		assert_non_null(p->eng);
	}
}

static void peer_close(struct peer *p)
{
	if (p->srtp)
		srtp_dealloc(p->srtp);
	xs_srtp_keys_free(p->keys);
	xs_srtp_engine_free(p->eng);
	memset(p, 0, sizeof(*p));
}

/* Protect (or unprotect) buf in place. Returns the new length, -1 on failure. */
static int peer_xform(struct peer *p, uint8_t *buf, int len, bool rtcp, bool unprotect)
{
	if (p->kind == P_PLAIN)
		return len;
	if (p->kind == P_LIBSRTP) {
		srtp_err_status_t e;
		if (unprotect)
			e = rtcp ? srtp_unprotect_rtcp(p->srtp, buf, &len) :
				   srtp_unprotect(p->srtp, buf, &len);
		else
			e = rtcp ? srtp_protect_rtcp(p->srtp, buf, &len) :
				   srtp_protect(p->srtp, buf, &len);
		return e == srtp_err_status_ok ? len : -1;
	}
	{
		struct xs_srtp_xform x = { p->keys, &p->st };
		struct xs_srtp_op op = { .pkt = buf, .len = (uint32_t)len, .room = 1500,
					 .rtcp = rtcp };
		if (unprotect)
			op.in = &x;
		else
			op.out = &x;
		return xs_srtp_burst(p->eng, &op, 1) == 1 ? (int)op.len : -1;
	}
}

static struct xs_dp_flow_msg flow_msg(uint16_t lport, const struct peer *in,
				      const struct peer *out, uint32_t flags, bool with_in_keys)
{
	struct xs_dp_flow_msg m;
	char buf[64];

	memset(&m, 0, sizeof(m));
	snprintf(buf, sizeof(buf), "10.0.0.1:%u", lport);
	xs_dp_addr_parse(buf, &m.flow.local, false);
	snprintf(buf, sizeof(buf), "10.0.1.1:%u", lport + 10000);
	xs_dp_addr_parse(buf, &m.flow.out_src, false);
	snprintf(buf, sizeof(buf), "10.0.1.2:%u", lport + 20000);
	xs_dp_addr_parse(buf, &m.flow.out_dst, false);
	m.flow.src_policy = XS_DP_SRC_LATCH;
	m.flow.flags = flags | XS_DP_FLOW_F_OUT_KEYS;
	m.flow.in_suite = (uint8_t)in->suite;
	m.flow.out_suite = (uint8_t)out->suite;
	if (with_in_keys) {
		m.flow.flags |= XS_DP_FLOW_F_IN_KEYS;
		crypto_of(in, &m.in);
	}
	crypto_of(out, &m.out);
	return m;
}

static int add_flow(uint16_t lport, const struct peer *in, const struct peer *out, uint32_t flags,
		    bool with_in_keys, uint16_t msgtype)
{
	struct xs_dp_flow_msg m = flow_msg(lport, in, out, flags, with_in_keys);
	return xs_dp_client_simple(H.fd, msgtype, ++H.seq, &m, sizeof(m));
}

static uint8_t plain[2048], pkt[2048], frame[2048], got[2048];

/* Protect a fresh RTP (or RTCP) packet into pkt; plain keeps the original. */
static int protect_pkt(struct peer *in, uint16_t seq, uint32_t ssrc, bool rtcp, uint32_t *plen)
{
	int len;

	*plen = rtcp ? tf_rtcp(plain, ssrc) : tf_rtp(plain, 172, seq, seq * 160u, ssrc);
	memcpy(pkt, plain, *plen);
	len = peer_xform(in, pkt, (int)*plen, rtcp, false);
	assert_true(len > 0);
	return len;
}

static int send_pkt(struct peer *in, uint16_t lport, uint16_t seq, uint32_t ssrc, bool rtcp,
		    const char *src, uint16_t sport, uint32_t *plen)
{
	int len = protect_pkt(in, seq, ssrc, rtcp, plen);

	H.seq++;
	h_send(&H, 0, frame,
	       tf_udp4(frame, 0, src, (uint16_t)(sport + rtcp), "10.0.0.1", (uint16_t)(lport + rtcp),
		       pkt, (uint32_t)len));
	return len;
}

/* Receive on port 1, check headers, unprotect with out, compare with plain. */
static void expect_relayed(struct peer *out, uint16_t lport, bool rtcp, uint32_t plen)
{
	struct dp_pkt p;
	uint32_t n = h_recv(&H, 1, got, 2000);
	int len;

	assert_true(n > 0);
	assert_int_equal(dp_parse_frame(got, n, 0, &p), DP_PKT_UDP); /* checksums verified */
	assert_int_equal(p.sport, lport + 10000 + rtcp);
	assert_int_equal(p.dport, lport + 20000 + rtcp);
	assert_memory_equal(p.src, ((uint8_t[]){ 10, 0, 1, 1 }), 4);
	assert_memory_equal(p.dst, ((uint8_t[]){ 10, 0, 1, 2 }), 4);
	assert_memory_equal(got, tf_mac_a, 6); /* learned by ARP */
	memcpy(pkt, got + p.pay_off, p.pay_len);
	len = peer_xform(out, pkt, p.pay_len, rtcp, true);
	assert_int_equal(len, (int)plen);
	assert_memory_equal(pkt, plain, plen);
}

static void relay_pair(enum peer_kind ik, unsigned isuite, enum peer_kind ok, unsigned osuite,
		       uint16_t lport)
{
	struct peer in_tx, in_cfg, out_rx, out_cfg;
	uint32_t plen;

	peer_open(&in_tx, ik, isuite, (uint8_t)lport, false);
	peer_open(&out_rx, ok, osuite, (uint8_t)(lport + 1), true);
	in_cfg = in_tx;
	out_cfg = out_rx;
	assert_int_equal(add_flow(lport, &in_cfg, &out_cfg, 0, true, XS_DP_MSG_FLOW_ADD), 0);
	for (uint16_t s = 0; s < 20; s++) {
		send_pkt(&in_tx, lport, (uint16_t)(1000 + s), 0xabc00000u + lport, false, "10.0.0.2",
			 5000, &plen);
		expect_relayed(&out_rx, lport, false, plen);
		if (s % 5 == 4) {
			send_pkt(&in_tx, lport, 0, 0xabc00000u + lport, true, "10.0.0.2", 5000, &plen);
			expect_relayed(&out_rx, lport, true, plen);
		}
	}
	peer_close(&in_tx);
	peer_close(&out_rx);
}

static void t_arp_learn(void **s)
{
	uint8_t f[128], me[4] = { 10, 0, 1, 1 }, peer_ip[4] = { 10, 0, 1, 2 };
	struct dp_pkt p;
	uint32_t n;

	/* The relay answers ARP for its address and learns the asker. */
	h_send(&H, 1, f, dp_host_arp_request(f, tf_mac_a, 0, peer_ip, me));
	n = h_recv(&H, 1, got, 2000);
	assert_true(n >= 42);
	assert_int_equal(dp_parse_frame(got, n, 0, &p), DP_PKT_ARP);
	assert_int_equal(got[21], 2);
	assert_memory_equal(got + 28, me, 4);
	assert_memory_equal(got + 22, H.ctx.port[1].mac, 6);
	h_settle(&H);
}

static void t_sdes80_to_sdes32(void **s)
{
	relay_pair(P_LIBSRTP, XS_SUITE_AES_CM_128_HMAC_SHA1_80, P_LIBSRTP,
		   XS_SUITE_AES_CM_128_HMAC_SHA1_32, 2000);
}

static void t_aes256_to_aes128(void **s)
{
	relay_pair(P_LIBSRTP, XS_SUITE_AES_256_CM_HMAC_SHA1_80, P_LIBSRTP,
		   XS_SUITE_AES_CM_128_HMAC_SHA1_80, 2010);
}

static void t_xsipura_to_sdes(void **s)
{
	relay_pair(P_ENGINE, XS_SUITE_XSIPURA, P_LIBSRTP, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 2020);
}

static void t_sdes_to_xsipura(void **s)
{
	relay_pair(P_LIBSRTP, XS_SUITE_AES_CM_128_HMAC_SHA1_80, P_ENGINE, XS_SUITE_XSIPURA, 2030);
}

static void t_sdes_to_plain(void **s)
{
	relay_pair(P_LIBSRTP, XS_SUITE_AES_CM_128_HMAC_SHA1_80, P_PLAIN, XS_SUITE_NONE, 2040);
}

static void t_plain_to_sdes(void **s)
{
	relay_pair(P_PLAIN, XS_SUITE_NONE, P_LIBSRTP, XS_SUITE_AES_CM_128_HMAC_SHA1_32, 2050);
}

static void t_keys_mid_call(void **s)
{
	struct peer in_tx, out_rx;
	struct xs_dp_keys_msg k;
	struct xs_dp_flow_info info;
	uint32_t plen;

	/* x-sipura input whose keys arrive mid-call: dropped and counted until then. */
	peer_open(&in_tx, P_ENGINE, XS_SUITE_XSIPURA, 77, false);
	peer_open(&out_rx, P_LIBSRTP, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 78, true);
	assert_int_equal(add_flow(2060, &in_tx, &out_rx, 0, false, XS_DP_MSG_FLOW_ADD), 0);
	for (uint16_t q = 0; q < 5; q++)
		send_pkt(&in_tx, 2060, q, 0x5151, false, "10.0.0.2", 5000, &plen);
	h_settle(&H);
	assert_int_equal(h_recv(&H, 1, got, 50), 0);
	assert_int_equal(h_flow_info(&H, "10.0.0.1:2060", &info), 0);
	assert_int_equal(info.stats.drop_no_keys, 5);
	assert_int_equal(info.in_keys, 0);
	memset(&k, 0, sizeof(k));
	xs_dp_addr_parse("10.0.0.1:2060", &k.local, false);
	k.dir = XS_DP_DIR_IN;
	crypto_of(&in_tx, &k.crypto);
	assert_int_equal(xs_dp_client_simple(H.fd, XS_DP_MSG_KEYS_SET, ++H.seq, &k, sizeof(k)), 0);
	for (uint16_t q = 5; q < 10; q++) {
		send_pkt(&in_tx, 2060, q, 0x5151, false, "10.0.0.2", 5000, &plen);
		expect_relayed(&out_rx, 2060, false, plen);
	}
	/* Output key replaced on the live flow: the stream state (index) is kept,
	 * so the receiver, rekeyed the same way, keeps decrypting. */
	peer_close(&out_rx);
	peer_open(&out_rx, P_LIBSRTP, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 99, true);
	memset(&k, 0, sizeof(k));
	xs_dp_addr_parse("10.0.0.1:2060", &k.local, false);
	k.dir = XS_DP_DIR_OUT;
	crypto_of(&out_rx, &k.crypto);
	assert_int_equal(xs_dp_client_simple(H.fd, XS_DP_MSG_KEYS_SET, ++H.seq, &k, sizeof(k)), 0);
	for (uint16_t q = 10; q < 15; q++) {
		send_pkt(&in_tx, 2060, q, 0x5151, false, "10.0.0.2", 5000, &plen);
		expect_relayed(&out_rx, 2060, false, plen);
	}
	assert_int_equal(h_flow_info(&H, "10.0.0.1:2060", &info), 0);
	assert_int_equal(info.stats.pkts_out, 10);
	assert_int_equal(info.in_ssrc, 0x5151);
	peer_close(&in_tx);
	peer_close(&out_rx);
}

/* The frame of pkt/len from 10.0.0.2:5000 to 10.0.0.1:lport with IP TTL ttl. */
static uint32_t frame_ttl(uint16_t lport, int len, uint8_t ttl)
{
	uint32_t n = tf_udp4(frame, 0, "10.0.0.2", 5000, "10.0.0.1", lport, pkt, (uint32_t)len);
	uint8_t *ip = frame + 14;
	uint16_t cs;

	ip[8] = ttl;
	ip[10] = ip[11] = 0;
	cs = dp_csum_finish(dp_csum_partial(ip, 20, 0));
	memcpy(ip + 10, &cs, 2);
	return n;
}

static void t_ttl(void **s)
{
	struct peer p;
	uint64_t before = h_global(&H, DP_CNT_drop_ttl);
	uint32_t plen;
	int len;

	/* Forwarding takes one off the TTL (the IPv4 checksum follows: the
	 * parser of expect_relayed checks it); what arrives with 1 or 0 would
	 * leave with 0: a loop, dropped and counted. */
	peer_open(&p, P_PLAIN, XS_SUITE_NONE, 0, false);
	assert_int_equal(add_flow(2070, &p, &p, 0, true, XS_DP_MSG_FLOW_ADD), 0);
	for (unsigned i = 0; i < 4; i++) {
		static const uint8_t in[] = { 64, 2, 255, 9 };
		len = protect_pkt(&p, (uint16_t)i, 0x2070, false, &plen);
		h_send(&H, 0, frame, frame_ttl(2070, len, in[i]));
		expect_relayed(&p, 2070, false, plen);
		assert_int_equal(got[14 + 8], in[i] - 1);
	}
	for (unsigned ttl = 0; ttl < 2; ttl++) {
		len = protect_pkt(&p, (uint16_t)(10 + ttl), 0x2070, false, &plen);
		h_send(&H, 0, frame, frame_ttl(2070, len, (uint8_t)ttl));
	}
	h_settle(&H);
	assert_int_equal(h_recv(&H, 1, got, 20), 0);
	assert_int_equal(h_global(&H, DP_CNT_drop_ttl) - before, 2);
	/* IPv6 in, IPv4 out: the hop limit becomes the TTL, less one. */
	{
		struct xs_dp_flow_msg m = flow_msg(2080, &p, &p, 0, true);
		xs_dp_addr_parse("[2001:db8::1]:2080", &m.flow.local, false);
		assert_int_equal(xs_dp_client_simple(H.fd, XS_DP_MSG_FLOW_ADD, ++H.seq, &m, sizeof(m)),
				 0);
		len = protect_pkt(&p, 1, 0x2080, false, &plen);
		h_send(&H, 0, frame, tf_udp6(frame, "2001:db8::2", 5000, "2001:db8::1", 2080, pkt,
					     (uint32_t)len));
		expect_relayed(&p, 2080, false, plen);
		assert_int_equal(got[14 + 8], 63);
		len = protect_pkt(&p, 2, 0x2080, false, &plen);
		tf_udp6(frame, "2001:db8::2", 5000, "2001:db8::1", 2080, pkt, (uint32_t)len);
		frame[14 + 7] = 1;
		h_send(&H, 0, frame, 14 + 48 + (uint32_t)len);
		h_settle(&H);
		assert_int_equal(h_recv(&H, 1, got, 20), 0);
		assert_int_equal(h_global(&H, DP_CNT_drop_ttl) - before, 3);
	}
	peer_close(&p);
}

/* ---------------------------------------------------------------- bad input */

static void t_bad_input(void **s)
{
	struct peer in_tx, out_rx, wrong;
	struct xs_dp_flow_info info;
	uint32_t plen, n;
	int len;
	uint64_t before;

	peer_open(&in_tx, P_LIBSRTP, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 40, false);
	peer_open(&out_rx, P_LIBSRTP, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 41, true);
	assert_int_equal(add_flow(3000, &in_tx, &out_rx, 0, true, XS_DP_MSG_FLOW_ADD), 0);
	/* One good packet latches the source. */
	send_pkt(&in_tx, 3000, 1, 0x3000, false, "10.0.0.2", 5000, &plen);
	expect_relayed(&out_rx, 3000, false, plen);

	/* Truncated frames. */
	before = h_global(&H, DP_CNT_drop_runt);
	len = send_pkt(&in_tx, 3000, 2, 0x3000, false, "10.0.0.2", 5000, &plen);
	h_drain(&H, 1);
	n = tf_udp4(frame, 0, "10.0.0.2", 5000, "10.0.0.1", 3000, pkt, (uint32_t)len);
	h_send(&H, 0, frame, 10);
	h_send(&H, 0, frame, 30);
	h_settle(&H);
	assert_int_equal(h_global(&H, DP_CNT_drop_runt) - before, 2);
	/* IP total length beyond the frame, and UDP length disagreeing with IP. */
	before = h_global(&H, DP_CNT_drop_ip_len);
	h_send(&H, 0, frame, n - 5);
	h_settle(&H);
	assert_int_equal(h_global(&H, DP_CNT_drop_ip_len) - before, 1);
	before = h_global(&H, DP_CNT_drop_udp_len);
	frame[38] ^= 0x01;
	h_send(&H, 0, frame, n);
	frame[38] ^= 0x01;
	h_settle(&H);
	assert_int_equal(h_global(&H, DP_CNT_drop_udp_len) - before, 1);
	/* Bad UDP checksum. */
	before = h_global(&H, DP_CNT_drop_udp_csum);
	frame[50] ^= 0xff;
	h_send(&H, 0, frame, n);
	frame[50] ^= 0xff;
	h_settle(&H);
	assert_int_equal(h_global(&H, DP_CNT_drop_udp_csum) - before, 1);

	/* Replay: seq 2 went through above; here it is again, intact. */
	h_send(&H, 0, frame, n);
	h_settle(&H);
	assert_int_equal(h_recv(&H, 1, got, 20), 0);
	assert_int_equal(h_flow_info(&H, "10.0.0.1:3000", &info), 0);
	assert_int_equal(info.stats.replay, 1);

	/* Forged: a flipped payload bit fails the tag (checksum fixed up). */
	len = protect_pkt(&in_tx, 3, 0x3000, false, &plen);
	pkt[20] ^= 0x40;
	h_send(&H, 0, frame, tf_udp4(frame, 0, "10.0.0.2", 5000, "10.0.0.1", 3000, pkt,
				     (uint32_t)len));
	/* Wrong keys: a sender with another key. */
	peer_open(&wrong, P_LIBSRTP, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 99, false);
	send_pkt(&wrong, 3000, 4, 0x3000, false, "10.0.0.2", 5000, &plen);
	h_settle(&H);
	assert_int_equal(h_recv(&H, 1, got, 20), 0);
	assert_int_equal(h_flow_info(&H, "10.0.0.1:3000", &info), 0);
	assert_int_equal(info.stats.auth_fail, 2);
	/* A valid packet from another source after latching: refused. */
	send_pkt(&in_tx, 3000, 5, 0x3000, false, "10.0.0.9", 5000, &plen);
	h_settle(&H);
	assert_int_equal(h_recv(&H, 1, got, 20), 0);
	assert_int_equal(h_flow_info(&H, "10.0.0.1:3000", &info), 0);
	assert_int_equal(info.stats.drop_source, 1);
	assert_memory_equal(info.flow.peer.addr, ((uint8_t[]){ 10, 0, 0, 2 }), 4);
	assert_int_equal(info.flow.peer.port, 5000);
	/* The flow still works: the next good packet passes. */
	send_pkt(&in_tx, 3000, 6, 0x3000, false, "10.0.0.2", 5000, &plen);
	expect_relayed(&out_rx, 3000, false, plen);

	/* Unknown port on a relay address; an address that is not ours. */
	before = h_global(&H, DP_CNT_drop_unknown_port);
	send_pkt(&in_tx, 3999, 7, 0x3000, false, "10.0.0.2", 5000, &plen);
	h_settle(&H);
	assert_int_equal(h_global(&H, DP_CNT_drop_unknown_port) - before, 1);
	before = h_global(&H, DP_CNT_drop_not_local);
	h_send(&H, 0, frame, tf_udp4(frame, 0, "10.0.0.2", 5000, "10.0.0.77", 3000, pkt, 100));
	h_settle(&H);
	assert_int_equal(h_global(&H, DP_CNT_drop_not_local) - before, 1);
	/* Non-RTP (STUN-like) to the relay port. */
	memset(pkt, 0, 40);
	h_send(&H, 0, frame, tf_udp4(frame, 0, "10.0.0.2", 5000, "10.0.0.1", 3000, pkt, 40));
	h_settle(&H);
	assert_int_equal(h_flow_info(&H, "10.0.0.1:3000", &info), 0);
	assert_int_equal(info.stats.drop_not_rtp, 1);
	peer_close(&in_tx);
	peer_close(&out_rx);
	peer_close(&wrong);
}

static void t_flood(void **s)
{
	struct peer a_tx, a_rx, b_tx, b_rx;
	struct xs_dp_flow_info info;
	uint32_t plen, relayed_b = 0;
	uint8_t fl[512];
	uint32_t fn;

	/* Flow 4000 floods with garbage (forged) packets; flow 4010 carries a
	 * stream at the same time and loses nothing. */
	peer_open(&a_tx, P_LIBSRTP, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 50, false);
	peer_open(&a_rx, P_LIBSRTP, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 51, true);
	peer_open(&b_tx, P_LIBSRTP, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 52, false);
	peer_open(&b_rx, P_LIBSRTP, XS_SUITE_AES_CM_128_HMAC_SHA1_80, 53, true);
	assert_int_equal(add_flow(4000, &a_tx, &a_rx, 0, true, XS_DP_MSG_FLOW_ADD), 0);
	assert_int_equal(add_flow(4010, &b_tx, &b_rx, 0, true, XS_DP_MSG_FLOW_ADD), 0);
	tf_rtp(plain, 172, 1, 1, 0x4000);
	memset(plain + 12, 0x99, 160 + 10); /* random-looking tag */
	fn = tf_udp4(fl, 0, "10.0.0.66", 6666, "10.0.0.1", 4000, plain, 182);
	for (uint16_t q = 0; q < 50; q++) {
		for (int k = 0; k < 40; k++)
			h_send(&H, 0, fl, fn);
		send_pkt(&b_tx, 4010, q, 0x4010, false, "10.0.0.2", 5000, &plen);
		expect_relayed(&b_rx, 4010, false, plen);
		relayed_b++;
	}
	h_settle(&H);
	assert_int_equal(h_flow_info(&H, "10.0.0.1:4000", &info), 0);
	assert_int_equal(info.stats.auth_fail, 2000);
	assert_int_equal(info.stats.pkts_out, 0);
	assert_int_equal(info.flow.peer.family, 0); /* nothing latched from garbage */
	assert_int_equal(h_flow_info(&H, "10.0.0.1:4010", &info), 0);
	assert_int_equal(info.stats.pkts_out, relayed_b);
	peer_close(&a_tx);
	peer_close(&a_rx);
	peer_close(&b_tx);
	peer_close(&b_rx);
}

/* ---------------------------------------------------------------- control socket */

static void t_ctl_socket(void **s)
{
	struct stat st;
	struct xs_dp_hello hello;
	struct xs_dp_stats stats;
	struct peer p;
	uint8_t buf[XS_DP_MSG_MAX];
	const struct xs_dp_hdr *hdr;
	struct xs_dp_error err;
	uint64_t flows, seen = 0;
	long n;
	int fd;

	assert_int_equal(stat(H.sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);

	/* Refused uid: our uid is taken off the allow-list. */
	H.ctx.conf.allow_uid[0] = 4242;
	fd = xs_dp_client_connect(H.sock);
	assert_true(fd >= 0);
	n = xs_dp_client_recv(fd, buf, sizeof(buf));
	assert_int_equal(n, (long)(sizeof(struct xs_dp_hdr) + sizeof(err)));
	memcpy(&err, buf + sizeof(struct xs_dp_hdr), sizeof(err));
	assert_int_equal(err.code, EACCES);
	assert_true(xs_dp_client_recv(fd, buf, sizeof(buf)) <= 0); /* closed */
	close(fd);
	H.ctx.conf.allow_uid[0] = getuid();

	/* Hello with another version: refused and disconnected. */
	fd = xs_dp_client_connect(H.sock);
	xs_dp_hello_fill(&hello);
	hello.version = 99;
	n = xs_dp_client_call(fd, XS_DP_MSG_HELLO, 5, &hello, sizeof(hello), buf, sizeof(buf));
	assert_int_equal(xs_dp_reply_check(buf, (size_t)n, &hdr, NULL), 0);
	assert_int_equal(hdr->type, XS_DP_MSG_ERROR);
	assert_int_equal(hdr->seq, 5);
	memcpy(&err, buf + sizeof(*hdr), sizeof(err));
	assert_int_equal(err.code, EPROTO);
	assert_true(xs_dp_client_recv(fd, buf, sizeof(buf)) <= 0);
	close(fd);
	/* A size table that disagrees. */
	fd = xs_dp_client_connect(H.sock);
	xs_dp_hello_fill(&hello);
	hello.sizes[XS_DP_SIZE_crypto] += 8;
	n = xs_dp_client_call(fd, XS_DP_MSG_HELLO, 6, &hello, sizeof(hello), buf, sizeof(buf));
	memcpy(&err, buf + sizeof(struct xs_dp_hdr), sizeof(err));
	assert_int_equal(err.code, EPROTO);
	close(fd);
	/* A request before hello. */
	fd = xs_dp_client_connect(H.sock);
	assert_int_equal(xs_dp_client_simple(fd, XS_DP_MSG_STATS_GET, 1, NULL, 0), EPROTO);
	close(fd);

	/* Malformed and unknown requests change nothing. */
	flows = dp_table_count(H.ctx.table);
	assert_int_equal(xs_dp_client_simple(H.fd, 200, ++H.seq, NULL, 0), EOPNOTSUPP);
	assert_int_equal(xs_dp_client_simple(H.fd, XS_DP_MSG_FLOW_ADD, ++H.seq, buf, 10), EBADMSG);
	memset(buf, 0xee, sizeof(struct xs_dp_flow_msg));
	assert_int_equal(xs_dp_client_simple(H.fd, XS_DP_MSG_FLOW_ADD, ++H.seq, buf,
					     sizeof(struct xs_dp_flow_msg)), EINVAL);
	/* Oversized: refused, the connection stays usable. */
	{
		static uint8_t big[XS_DP_MSG_MAX + 100];
		struct xs_dp_hdr *bh = (struct xs_dp_hdr *)big;
		xs_dp_hdr_fill(bh, XS_DP_MSG_FLOW_ADD, sizeof(big), ++H.seq, 0);
		assert_int_equal(send(H.fd, big, sizeof(big), 0), (long)sizeof(big));
		n = xs_dp_client_recv(H.fd, buf, sizeof(buf));
		memcpy(&err, buf + sizeof(struct xs_dp_hdr), sizeof(err));
		assert_int_equal(err.code, EMSGSIZE);
	}
	/* Refusals of valid messages: existing flow, unknown flow, engine-refused keys,
	 * address that is not ours. */
	peer_open(&p, P_PLAIN, XS_SUITE_NONE, 1, false);
	assert_int_equal(add_flow(5000, &p, &p, 0, true, XS_DP_MSG_FLOW_ADD), 0);
	assert_int_equal(add_flow(5000, &p, &p, 0, true, XS_DP_MSG_FLOW_ADD), EEXIST);
	assert_int_equal(add_flow(4999, &p, &p, 0, true, XS_DP_MSG_FLOW_ADD), EADDRINUSE);
	assert_int_equal(add_flow(5100, &p, &p, 0, true, XS_DP_MSG_FLOW_REPLACE), ENOENT);
	assert_int_equal(add_flow(5000, &p, &p, XS_DP_FLOW_F_RTCP_MUX_IN, true,
				  XS_DP_MSG_FLOW_REPLACE), 0);
	assert_int_equal(add_flow(5001, &p, &p, XS_DP_FLOW_F_RTCP_MUX_IN, true,
				  XS_DP_MSG_FLOW_ADD), 0); /* 5001 was freed by the mux switch */
	{
		struct peer bad;
		peer_open(&bad, P_PLAIN, XS_SUITE_NONE, 1, false);
		bad.suite = XS_SUITE_XSIPURA;
		bad.key_len = 16;
		bad.salt_len = 14; /* the default profile wants 16 */
		assert_int_equal(add_flow(5200, &bad, &p, 0, true, XS_DP_MSG_FLOW_ADD), EINVAL);
	}
	assert_int_equal(dp_table_count(H.ctx.table), flows + 2);
	{
		struct xs_dp_flow_ref r = { 0 };
		xs_dp_addr_parse("10.0.0.1:5001", &r.local, false);
		assert_int_equal(xs_dp_client_simple(H.fd, XS_DP_MSG_FLOW_DEL, ++H.seq, &r,
						     sizeof(r)), 0);
		assert_int_equal(xs_dp_client_simple(H.fd, XS_DP_MSG_FLOW_DEL, ++H.seq, &r,
						     sizeof(r)), ENOENT);
	}
	/* Many flows, then dump them all (several messages). */
	for (uint16_t i = 0; i < 150; i++)
		assert_int_equal(add_flow((uint16_t)(10000 + 2 * i), &p, &p, 0, true,
					  XS_DP_MSG_FLOW_ADD), 0);
	flows = dp_table_count(H.ctx.table);
	n = xs_dp_client_call(H.fd, XS_DP_MSG_FLOW_DUMP, ++H.seq, NULL, 0, buf, sizeof(buf));
	for (;;) {
		assert_true(n > 0);
		assert_int_equal(xs_dp_reply_check(buf, (size_t)n, &hdr, NULL), 0);
		assert_int_equal(hdr->seq, H.seq);
		if (hdr->type == XS_DP_MSG_DUMP_DONE) {
			struct xs_dp_dump_done d;
			memcpy(&d, buf + sizeof(*hdr), sizeof(d));
			assert_int_equal(d.flows, flows);
			break;
		}
		assert_int_equal(hdr->type, XS_DP_MSG_FLOW_INFO);
		assert_true(hdr->flags & XS_DP_HDR_F_MORE);
		seen += ((const struct xs_dp_info_batch *)(buf + sizeof(*hdr)))->count;
		n = xs_dp_client_recv(H.fd, buf, sizeof(buf));
	}
	assert_int_equal(seen, flows);
	/* Stats. */
	n = xs_dp_client_call(H.fd, XS_DP_MSG_STATS_GET, ++H.seq, NULL, 0, buf, sizeof(buf));
	assert_int_equal(n, (long)(sizeof(struct xs_dp_hdr) + sizeof(stats)));
	memcpy(&stats, buf + sizeof(struct xs_dp_hdr), sizeof(stats));
	assert_int_equal(stats.flows, flows);
	assert_int_equal(stats.workers, 1);
	assert_true(stats.global.relayed > 0);
	assert_true(stats.global.arp_reply >= 1);
}

/* A BATCH body under construction, and what its parts' replies should be. */
static uint8_t bbuf[XS_DP_MSG_MAX];
static size_t blen;

static void b_part(uint16_t type, uint32_t seq, const void *body, size_t len)
{
	struct xs_dp_hdr h;
	xs_dp_hdr_fill(&h, type, (uint32_t)(sizeof(h) + len), seq, 0);
	memcpy(bbuf + sizeof(h) + blen, &h, sizeof(h));
	memcpy(bbuf + 2 * sizeof(h) + blen, body, len);
	blen += sizeof(h) + len;
}

/* Sends the batch built so far; the reply's length, into buf. */
static long b_call(uint32_t seq, uint8_t *buf, size_t cap)
{
	struct xs_dp_hdr h;
	xs_dp_hdr_fill(&h, XS_DP_MSG_BATCH, (uint32_t)(sizeof(h) + blen), seq, 0);
	memcpy(bbuf, &h, sizeof(h));
	assert_int_equal(send(H.fd, bbuf, sizeof(h) + blen, 0), (long)(sizeof(h) + blen));
	blen = 0;
	return xs_dp_client_recv(H.fd, buf, cap);
}

static struct xs_dp_flow_ref ref_at(uint16_t lport)
{
	struct xs_dp_flow_ref r = { 0 };
	char a[32];
	snprintf(a, sizeof(a), "10.0.0.1:%u", lport);
	xs_dp_addr_parse(a, &r.local, false);
	return r;
}

/* The error code a refused request got: ERROR with (seq, code). */
static void expect_error(const uint8_t *buf, long n, uint32_t seq, int code)
{
	const struct xs_dp_hdr *h;
	struct xs_dp_error e;
	assert_true(n > 0);
	assert_int_equal(xs_dp_reply_check(buf, (size_t)n, &h, NULL), 0);
	assert_int_equal(h->type, XS_DP_MSG_ERROR);
	assert_int_equal(h->seq, seq);
	memcpy(&e, buf + sizeof(*h), sizeof(e));
	assert_int_equal(e.code, code);
}

static void t_ctl_batch(void **s)
{
	static uint8_t buf[XS_DP_MSG_MAX];
	struct peer p;
	const struct xs_dp_hdr *h;
	uint64_t flows = dp_table_count(H.ctx.table);
	peer_open(&p, P_PLAIN, XS_SUITE_NONE, 1, false);
	struct xs_dp_flow_msg a = flow_msg(6000, &p, &p, 0, true);
	struct xs_dp_flow_ref r = ref_at(6000);

	/* Applied in order, one reply each: add, add again (EEXIST), get, del, get. */
	b_part(XS_DP_MSG_FLOW_ADD, 101, &a, sizeof(a));
	b_part(XS_DP_MSG_FLOW_ADD, 102, &a, sizeof(a));
	b_part(XS_DP_MSG_FLOW_GET, 103, &r, sizeof(r));
	b_part(XS_DP_MSG_FLOW_DEL, 104, &r, sizeof(r));
	b_part(XS_DP_MSG_FLOW_GET, 105, &r, sizeof(r));
	long n = b_call(100, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(xs_dp_reply_check(buf, (size_t)n, &h, NULL), 0);
	assert_int_equal(h->type, XS_DP_MSG_BATCH);
	assert_int_equal(h->seq, 100);
	{
		static const uint16_t want_type[] = { XS_DP_MSG_ACK, XS_DP_MSG_ERROR,
						      XS_DP_MSG_FLOW_INFO, XS_DP_MSG_ACK,
						      XS_DP_MSG_ERROR };
		static const int want_code[] = { 0, EEXIST, 0, 0, ENOENT };
		size_t off = 0, plen;
		const uint8_t *part;
		unsigned i = 0;
		while ((part = xs_dp_batch_next(buf + sizeof(*h), (size_t)n - sizeof(*h), &off,
						&plen))) {
			uint8_t one[1024];
			memcpy(one, part, plen);
			const struct xs_dp_hdr *ph = (const struct xs_dp_hdr *)one;
			assert_true(i < 5);
			assert_int_equal(ph->type, want_type[i]);
			assert_int_equal(ph->seq, 101 + i);
			if (want_code[i])
				expect_error(one, (long)plen, 101 + i, want_code[i]);
			if (ph->type == XS_DP_MSG_FLOW_INFO) {
				struct xs_dp_flow_info fi;
				memcpy(&fi, one + sizeof(*ph) + sizeof(struct xs_dp_info_batch),
				       sizeof(fi));
				assert_memory_equal(&fi.flow.local, &r.local, sizeof(r.local));
			}
			i++;
		}
		assert_int_equal(i, 5);
	}
	assert_int_equal(dp_table_count(H.ctx.table), flows);

	/* Refused whole, nothing applied: a good add next to a malformed one, a
	 * request type that may not be batched, a part running past the end,
	 * trailing bytes, an empty batch, more than XS_DP_BATCH_MAX parts. */
	struct xs_dp_flow_msg bad;
	memset(&bad, 0xee, sizeof(bad));
	b_part(XS_DP_MSG_FLOW_ADD, 201, &a, sizeof(a));
	b_part(XS_DP_MSG_FLOW_ADD, 202, &bad, sizeof(bad));
	expect_error(buf, b_call(200, buf, sizeof(buf)), 200, EINVAL);
	b_part(XS_DP_MSG_FLOW_ADD, 211, &a, sizeof(a));
	b_part(XS_DP_MSG_STATS_GET, 212, NULL, 0);
	expect_error(buf, b_call(210, buf, sizeof(buf)), 210, EINVAL);
	b_part(XS_DP_MSG_FLOW_ADD, 221, &a, sizeof(a));
	b_part(XS_DP_MSG_BATCH, 222, NULL, 0);
	expect_error(buf, b_call(220, buf, sizeof(buf)), 220, EINVAL);
	b_part(XS_DP_MSG_FLOW_ADD, 231, &a, sizeof(a));
	blen -= 8; /* the part's header says 8 more bytes than the batch holds */
	expect_error(buf, b_call(230, buf, sizeof(buf)), 230, EBADMSG);
	b_part(XS_DP_MSG_FLOW_ADD, 241, &a, sizeof(a));
	memset(bbuf + sizeof(struct xs_dp_hdr) + blen, 0, 8);
	blen += 8; /* trailing bytes: a part of 0 length */
	expect_error(buf, b_call(240, buf, sizeof(buf)), 240, EBADMSG);
	expect_error(buf, b_call(250, buf, sizeof(buf)), 250, EBADMSG);
	for (unsigned i = 0; i <= XS_DP_BATCH_MAX; i++) {
		struct xs_dp_flow_ref ri = ref_at((uint16_t)(7000 + 2 * i));
		b_part(XS_DP_MSG_FLOW_GET, 300 + i, &ri, sizeof(ri));
	}
	expect_error(buf, b_call(299, buf, sizeof(buf)), 299, E2BIG);
	assert_int_equal(dp_table_count(H.ctx.table), flows);
	/* ... and the link still works: the good add on its own. */
	assert_int_equal(xs_dp_client_simple(H.fd, XS_DP_MSG_FLOW_ADD, ++H.seq, &a, sizeof(a)), 0);
	assert_int_equal(dp_table_count(H.ctx.table), flows + 1);
	r = ref_at(6000);
	assert_int_equal(xs_dp_client_simple(H.fd, XS_DP_MSG_FLOW_DEL, ++H.seq, &r, sizeof(r)), 0);
	explicit_bzero(&a, sizeof(a));
}

static int setup(void **s)
{
	if (h_eal("dp_relay_test") < 0 || h_start(&H, "dp_relay_test"))
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
		cmocka_unit_test(t_sdes80_to_sdes32),
		cmocka_unit_test(t_aes256_to_aes128),
		cmocka_unit_test(t_xsipura_to_sdes),
		cmocka_unit_test(t_sdes_to_xsipura),
		cmocka_unit_test(t_sdes_to_plain),
		cmocka_unit_test(t_plain_to_sdes),
		cmocka_unit_test(t_keys_mid_call),
		cmocka_unit_test(t_ttl),
		cmocka_unit_test(t_bad_input),
		cmocka_unit_test(t_flood),
		cmocka_unit_test(t_ctl_socket),
		cmocka_unit_test(t_ctl_batch),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
