/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stream lifecycle through the real data plane (dp_harness.h: a worker lcore,
 * the control socket, net_ring ports). libsrtp2 is the independent receiver,
 * and every (SSRC, index) the relay sends under one key goes through a
 * recorder that fails on a repeat: keystream is never reused (issue 13).
 *
 *  - FLOW_GET and FLOW_DUMP report both streams' marks;
 *  - FLOW_ADD with marks: traffic continues above them, in and out, SRTCP too;
 *  - a simulated fast-path restart (FLOW_DEL, FLOW_ADD with the dumped marks)
 *    after a ROC wrap: the receiver keeps decrypting (ROC 1), SRTCP indices go
 *    on, a packet captured before the restart is refused as a replay;
 *  - SSRC A, B, A through the send stream: no repeat; a ninth SSRC refused;
 *  - FLOW_REPLACE with F_REBIND: the party moves and changes SSRC, media flows,
 *    receive and send state and counters are kept; a party at ROC 1 that moves
 *    goes on authenticating; a replayed packet of its old SSRC neither passes
 *    nor takes the flow before its new SSRC comes;
 *  - F_RELATCH: NAT rebinding of an SRTP party; forged and replayed packets
 *    from elsewhere move nothing;
 *  - LATCH_IP: other addresses refused before and after latching, even
 *    authenticated ones;
 *  - F_RESET under the same output keys keeps the send index; new keys reset it.
 *  - output keys: new ones start the send stream fresh (ROC 0), K1 -> K2 -> K1
 *    is refused, K1 -> plain -> K1 goes on with K1's indices;
 *  - FLOW_REPLACE with another cookie (a new call on the port): fresh
 *    counters, latch and receive stream.
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
static uint8_t frame[2048], pkt[2048], got[2048];

#define TAG 10 /* HMAC-SHA1-80 */

/* ---------------------------------------------------------------- peers */

static void mkkey(uint8_t k[30], uint8_t seed)
{
	for (unsigned i = 0; i < 30; i++)
		k[i] = (uint8_t)(seed * 13 + i * 7);
}

/* A libsrtp2 session, AES-CM-128 HMAC-SHA1-80, key by seed. */
static srtp_t sess(uint8_t seed, bool inbound)
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
	pol.window_size = 1024;
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

/* A latching flow 10.0.0.1:lport -> 10.0.1.1:lport+10000 -> 10.0.1.2:lport+20000;
 * a seed < 0 makes that direction plain RTP. */
static struct xs_dp_flow_msg fmsg(uint16_t lport, int in_seed, int out_seed, uint32_t flags)
{
	struct xs_dp_flow_msg m;
	char a[32];

	memset(&m, 0, sizeof(m));
	snprintf(a, sizeof(a), "10.0.0.1:%u", lport);
	xs_dp_addr_parse(a, &m.flow.local, false);
	snprintf(a, sizeof(a), "10.0.1.1:%u", lport + 10000);
	xs_dp_addr_parse(a, &m.flow.out_src, false);
	snprintf(a, sizeof(a), "10.0.1.2:%u", lport + 20000);
	xs_dp_addr_parse(a, &m.flow.out_dst, false);
	m.flow.src_policy = XS_DP_SRC_LATCH;
	m.flow.flags = flags;
	if (in_seed >= 0) {
		m.flow.in_suite = XS_SUITE_AES_CM_128_HMAC_SHA1_80;
		m.flow.flags |= XS_DP_FLOW_F_IN_KEYS;
		crypto_of((uint8_t)in_seed, &m.in);
	}
	if (out_seed >= 0) {
		m.flow.out_suite = XS_SUITE_AES_CM_128_HMAC_SHA1_80;
		m.flow.flags |= XS_DP_FLOW_F_OUT_KEYS;
		crypto_of((uint8_t)out_seed, &m.out);
	}
	return m;
}

static int call(uint16_t type, const struct xs_dp_flow_msg *m)
{
	return xs_dp_client_simple(H.fd, type, ++H.seq, m, sizeof(*m));
}

static struct xs_dp_flow_info info_of(uint16_t lport)
{
	struct xs_dp_flow_info info;
	char a[32];

	snprintf(a, sizeof(a), "10.0.0.1:%u", lport);
	assert_int_equal(h_flow_info(&H, a, &info), 0);
	return info;
}

/* The FLOW_DUMP entry of lport. */
static struct xs_dp_flow_info dump_of(uint16_t lport)
{
	static uint8_t buf[XS_DP_MSG_MAX];
	struct xs_dp_flow_info out, fi;
	bool found = false;
	long n = xs_dp_client_call(H.fd, XS_DP_MSG_FLOW_DUMP, ++H.seq, NULL, 0, buf, sizeof(buf));

	for (;;) {
		const struct xs_dp_hdr *h;
		struct xs_dp_info_batch b;

		assert_true(n > 0);
		assert_int_equal(xs_dp_reply_check(buf, (size_t)n, &h, NULL), 0);
		if (h->type == XS_DP_MSG_DUMP_DONE)
			break;
		memcpy(&b, buf + sizeof(*h), sizeof(b));
		for (uint32_t i = 0; i < b.count; i++) {
			memcpy(&fi, buf + sizeof(*h) + sizeof(b) + i * sizeof(fi), sizeof(fi));
			if (fi.flow.local.port == lport) {
				out = fi;
				found = true;
			}
		}
		n = xs_dp_client_recv(H.fd, buf, sizeof(buf));
	}
	assert_true(found);
	return out;
}

/* ---------------------------------------------------------------- traffic */

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* RTP (ssrc, seq), or an RTCP RR of ssrc, protected by s (NULL: plain), into
 * a frame from src:sport (+1 for RTCP) to 10.0.0.1:lport (+1). Length. */
static uint32_t mk(srtp_t s, uint16_t lport, const char *src, uint16_t sport, uint32_t ssrc,
		   uint16_t seq, bool rtcp, uint8_t *f)
{
	int len = (int)(rtcp ? tf_rtcp(pkt, ssrc) : tf_rtp(pkt, 172, seq, seq * 160u, ssrc));

	if (s)
		assert_int_equal(rtcp ? srtp_protect_rtcp(s, pkt, &len) : srtp_protect(s, pkt, &len),
				 srtp_err_status_ok);
	return tf_udp4(f, 0, src, (uint16_t)(sport + rtcp), "10.0.0.1", (uint16_t)(lport + rtcp),
		       pkt, (uint32_t)len);
}

static void tx(srtp_t s, uint16_t lport, const char *src, uint16_t sport, uint32_t ssrc,
	       uint16_t seq, bool rtcp)
{
	h_send(&H, 0, frame, mk(s, lport, src, sport, ssrc, seq, rtcp, frame));
}

/* Every (SSRC, index) sent under the current output key: none twice. */
static struct {
	uint32_t ssrc;
	bool rtcp;
	uint64_t index;
} used[1024];
static unsigned nused;

static void record(uint32_t ssrc, bool rtcp, uint64_t index)
{
	for (unsigned i = 0; i < nused; i++)
		if (used[i].ssrc == ssrc && used[i].rtcp == rtcp && used[i].index == index)
			fail_msg("keystream reused: SSRC %#x %s index %llu sent twice", ssrc,
				 rtcp ? "SRTCP" : "RTP", (unsigned long long)index);
	assert_true(nused < sizeof(used) / sizeof(used[0]));
	used[nused].ssrc = ssrc;
	used[nused].rtcp = rtcp;
	used[nused++].index = index;
}

/* The next frame the relay sent for lport: decrypted by rx, its (SSRC, index)
 * recorded. Returns the index: ROC << 16 | SEQ for RTP (the ROC as the
 * receiver knows it), the SRTCP index for RTCP. */
static uint64_t rx_one(srtp_t rx, uint16_t lport, uint32_t *ssrc_out)
{
	struct dp_pkt p;
	uint32_t n = h_recv(&H, 1, got, 2000), ssrc, roc;
	uint64_t index;
	bool rtcp;
	int len;

	assert_true(n > 0);
	assert_int_equal(dp_parse_frame(got, n, 0, &p), DP_PKT_UDP);
	rtcp = p.dport == lport + 20001;
	assert_true(rtcp || p.dport == lport + 20000);
	memcpy(pkt, got + p.pay_off, p.pay_len);
	len = p.pay_len;
	ssrc = rd32(pkt + (rtcp ? 4 : 8));
	if (rtcp) {
		index = rd32(pkt + len - TAG - 4) & 0x7fffffffu;
		assert_int_equal(srtp_unprotect_rtcp(rx, pkt, &len), srtp_err_status_ok);
	} else {
		assert_int_equal(srtp_unprotect(rx, pkt, &len), srtp_err_status_ok);
		assert_int_equal(srtp_get_stream_roc(rx, ssrc, &roc), srtp_err_status_ok);
		index = (uint64_t)roc << 16 | (uint16_t)(pkt[2] << 8 | pkt[3]);
	}
	record(ssrc, rtcp, index);
	if (ssrc_out)
		*ssrc_out = ssrc;
	return index;
}

static void expect_nothing(void)
{
	h_settle(&H);
	assert_int_equal(h_recv(&H, 1, got, 20), 0);
}

/* The next frame the relay sent for lport, plain RTP of ssrc: its sequence
 * number. */
static uint16_t rx_plain(uint16_t lport, uint32_t ssrc)
{
	uint32_t n = h_recv(&H, 1, got, 2000);
	struct dp_pkt p;

	assert_true(n > 0);
	assert_int_equal(dp_parse_frame(got, n, 0, &p), DP_PKT_UDP);
	assert_int_equal(p.dport, lport + 20000);
	assert_int_equal(rd32(got + p.pay_off + 8), ssrc);
	return (uint16_t)(got[p.pay_off + 2] << 8 | got[p.pay_off + 3]);
}

/* ---------------------------------------------------------------- tests */

static void t_arp_learn(void **s)
{
	uint8_t f[128], me[4] = { 10, 0, 1, 1 }, peer_ip[4] = { 10, 0, 1, 2 };

	h_send(&H, 1, f, dp_host_arp_request(f, tf_mac_a, 0, peer_ip, me));
	assert_true(h_recv(&H, 1, got, 2000) >= 42);
	h_settle(&H);
}

static void t_marks_reported(void **s)
{
	struct xs_dp_flow_msg m = fmsg(7000, 1, 2, 0);
	srtp_t in = sess(1, false), rx = sess(2, true);
	struct xs_dp_flow_info info, dumped;

	nused = 0;
	assert_int_equal(call(XS_DP_MSG_FLOW_ADD, &m), 0);
	/* nothing yet: no marks */
	info = info_of(7000);
	assert_int_equal(info.in_marks.count, 0);
	assert_int_equal(info.out_marks.count, 0);
	for (uint16_t q = 100; q < 120; q++) {
		tx(in, 7000, "10.0.0.2", 5000, 0x7000, q, false);
		assert_int_equal(rx_one(rx, 7000, NULL), q);
		if (q % 7 == 0) {
			tx(in, 7000, "10.0.0.2", 5000, 0x7000, 0, true);
			rx_one(rx, 7000, NULL);
		}
	}
	info = info_of(7000);
	assert_int_equal(info.in_marks.count, 1);
	assert_int_equal(info.in_marks.ssrc[0].ssrc, 0x7000);
	assert_int_equal(info.in_marks.ssrc[0].index, 119);
	assert_int_equal(info.in_marks.rtcp_index, 3);  /* the sender's SRTCP 1..3 */
	assert_int_equal(info.out_marks.count, 1);
	assert_int_equal(info.out_marks.ssrc[0].ssrc, 0x7000);
	assert_int_equal(info.out_marks.ssrc[0].index, 119);
	assert_int_equal(info.out_marks.rtcp_index, 3);  /* the relay's SRTCP 1..3 */
	assert_int_equal(info.in_ssrc, 0x7000);
	assert_int_equal(info.out_ssrc, 0x7000);
	dumped = dump_of(7000);
	assert_memory_equal(&dumped.in_marks, &info.in_marks, sizeof(info.in_marks));
	assert_memory_equal(&dumped.out_marks, &info.out_marks, sizeof(info.out_marks));
	/* The flow's RTCP port is no flow to replace. */
	m = fmsg(7001, 1, 2, 0);
	assert_int_equal(call(XS_DP_MSG_FLOW_REPLACE, &m), ENOENT);
	srtp_dealloc(in);
	srtp_dealloc(rx);
}

static void t_add_with_marks(void **s)
{
	struct xs_dp_flow_msg m = fmsg(7010, 3, 4, XS_DP_FLOW_F_MARKS);
	srtp_t in = sess(3, false), rx = sess(4, true);
	struct xs_dp_flow_info info;

	nused = 0;
	m.in_marks = (struct xs_dp_marks){ .rtcp_index = 20, .count = 1 };
	m.in_marks.ssrc[0] = (struct xs_dp_ssrc_mark){ .ssrc = 0x7010, .index = 1000 };
	m.out_marks = (struct xs_dp_marks){ .rtcp_index = 50, .count = 1 };
	m.out_marks.ssrc[0] = (struct xs_dp_ssrc_mark){ .ssrc = 0x7010, .index = 1000 };
	assert_int_equal(call(XS_DP_MSG_FLOW_ADD, &m), 0);
	info = info_of(7010);
	assert_memory_equal(&info.in_marks, &m.in_marks, sizeof(m.in_marks));
	assert_memory_equal(&info.out_marks, &m.out_marks, sizeof(m.out_marks));
	/* Input at or under the receive mark counts as seen: refused. */
	for (uint16_t q = 995; q <= 1000; q++)
		tx(in, 7010, "10.0.0.2", 5000, 0x7010, q, false);
	expect_nothing();
	/* Above it, accepted, and sent above the send mark. */
	for (uint16_t q = 1001; q <= 1005; q++) {
		tx(in, 7010, "10.0.0.2", 5000, 0x7010, q, false);
		assert_int_equal(rx_one(rx, 7010, NULL), q);
	}
	/* SRTCP: the sender's indices 1..20 are under the receive mark; its 21st
	 * goes out as the relay's 51st. */
	for (int k = 0; k < 20; k++)
		tx(in, 7010, "10.0.0.2", 5000, 0x7010, 0, true);
	expect_nothing();
	tx(in, 7010, "10.0.0.2", 5000, 0x7010, 0, true);
	assert_int_equal(rx_one(rx, 7010, NULL), 51);
	info = info_of(7010);
	assert_int_equal(info.stats.replay, 6 + 20);
	assert_int_equal(info.stats.pkts_in, 6);
	assert_int_equal(info.stats.pkts_out, 6);
	assert_int_equal(info.out_marks.ssrc[0].index, 1005);
	assert_int_equal(info.out_marks.rtcp_index, 51);
	assert_int_equal(info.in_marks.rtcp_index, 21);
	srtp_dealloc(in);
	srtp_dealloc(rx);
}

/* A fast-path restart as xsrelayd sees it: the flow is gone and comes back
 * with the marks of the last dump (here exactly those: the daemon adds a margin
 * to what it persisted, which only raises them). */
static void restart(uint16_t lport, int in_seed, int out_seed)
{
	struct xs_dp_flow_info d = dump_of(lport);
	struct xs_dp_flow_ref r = { .local = d.flow.local };
	struct xs_dp_flow_msg m = fmsg(lport, in_seed, out_seed, XS_DP_FLOW_F_MARKS);

	assert_int_equal(xs_dp_client_simple(H.fd, XS_DP_MSG_FLOW_DEL, ++H.seq, &r, sizeof(r)), 0);
	m.in_marks = d.in_marks;
	m.out_marks = d.out_marks;
	assert_int_equal(call(XS_DP_MSG_FLOW_ADD, &m), 0);
}

static void t_restart_after_wrap(void **s)
{
	struct xs_dp_flow_msg m = fmsg(7020, 5, 6, 0);
	srtp_t in = sess(5, false), rx = sess(6, true);
	struct xs_dp_flow_info info;
	uint8_t captured[2048];
	uint32_t ncap = 0;
	uint16_t q = 65530;

	nused = 0;
	assert_int_equal(call(XS_DP_MSG_FLOW_ADD, &m), 0);
	/* Across the wrap: ROC 1 on both sides of the relay. */
	for (int k = 0; k < 12; k++, q++) {
		uint32_t n = mk(in, 7020, "10.0.0.2", 5000, 0x7020, q, false, frame);

		if (q == 3) {
			memcpy(captured, frame, n);
			ncap = n;
		}
		h_send(&H, 0, frame, n);
		assert_int_equal(rx_one(rx, 7020, NULL), (k < 6 ? 0 : 1ull << 16) | q);
		if (k % 4 == 0) {
			tx(in, 7020, "10.0.0.2", 5000, 0x7020, 0, true);
			rx_one(rx, 7020, NULL);
		}
	}
	info = info_of(7020);
	assert_int_equal(info.in_roc, 1);
	assert_int_equal(info.out_roc, 1);
	assert_int_equal(info.out_marks.ssrc[0].index, 1ull << 16 | 5);
	assert_int_equal(info.out_marks.rtcp_index, 3);
	restart(7020, 5, 6);
	/* The same sender and receiver go on: the relay authenticates at ROC 1,
	 * sends at ROC 1 and SRTCP 4, 5: nothing repeats, nothing fails. */
	for (int k = 0; k < 10; k++, q++) {
		tx(in, 7020, "10.0.0.2", 5000, 0x7020, q, false);
		assert_int_equal(rx_one(rx, 7020, NULL), 1ull << 16 | q);
	}
	for (uint64_t want = 4; want <= 5; want++) {
		tx(in, 7020, "10.0.0.2", 5000, 0x7020, 0, true);
		assert_int_equal(rx_one(rx, 7020, NULL), want);
	}
	/* What was captured before the restart is still a replay after it. */
	h_send(&H, 0, captured, ncap);
	expect_nothing();
	info = info_of(7020);
	assert_int_equal(info.stats.replay, 1);
	assert_int_equal(info.stats.auth_fail, 0);
	assert_int_equal(info.stats.pkts_out, 12);
	srtp_dealloc(in);
	srtp_dealloc(rx);
}

static void t_ssrc_aba(void **s)
{
	struct xs_dp_flow_msg m = fmsg(7030, -1, 7, 0);
	srtp_t rx = sess(7, true);
	struct xs_dp_flow_info info;
	uint16_t q;

	/* Plain input: nothing checks replays before the send stream does. */
	nused = 0;
	assert_int_equal(call(XS_DP_MSG_FLOW_ADD, &m), 0);
	for (q = 1; q <= 10; q++) {
		tx(NULL, 7030, "10.0.0.2", 5000, 0xA, q, false);
		assert_int_equal(rx_one(rx, 7030, NULL), q);
	}
	for (q = 1; q <= 10; q++) {
		tx(NULL, 7030, "10.0.0.2", 5000, 0xB, q, false);
		assert_int_equal(rx_one(rx, 7030, NULL), q);
	}
	/* A returns from 5: 5..10 were sent under A already, refused; 11.. go. */
	for (q = 5; q <= 15; q++)
		tx(NULL, 7030, "10.0.0.2", 5000, 0xA, q, false);
	for (q = 11; q <= 15; q++)
		assert_int_equal(rx_one(rx, 7030, NULL), q);
	expect_nothing();
	info = info_of(7030);
	assert_int_equal(info.stats.replay, 6);
	assert_int_equal(info.out_marks.count, 2);
	assert_int_equal(info.out_marks.ssrc[0].ssrc, 0xA);
	assert_int_equal(info.out_marks.ssrc[0].index, 15);
	assert_int_equal(info.out_marks.ssrc[1].ssrc, 0xB);
	assert_int_equal(info.out_marks.ssrc[1].index, 10);
	/* Six more SSRCs fill the stream's memory (8); a ninth is refused, the
	 * first ones still go on. */
	for (uint32_t x = 0xC; x <= 0x11; x++) {
		tx(NULL, 7030, "10.0.0.2", 5000, x, 1, false);
		rx_one(rx, 7030, NULL);
	}
	tx(NULL, 7030, "10.0.0.2", 5000, 0x12, 1, false);
	expect_nothing();
	tx(NULL, 7030, "10.0.0.2", 5000, 0xB, 11, false);
	assert_int_equal(rx_one(rx, 7030, NULL), 11);
	info = info_of(7030);
	assert_int_equal(info.stats.drop_ssrc_limit, 1);
	assert_int_equal(info.out_marks.count, 8);
	assert_int_equal(info.out_marks.ssrc[0].ssrc, 0xB);
	srtp_dealloc(rx);
}

static void t_rebind(void **s)
{
	struct xs_dp_flow_msg m = fmsg(7040, 8, 9, 0);
	srtp_t a = sess(8, false), b = sess(8, false), rx = sess(9, true);
	struct xs_dp_flow_info info;
	uint32_t ssrc;

	nused = 0;
	assert_int_equal(call(XS_DP_MSG_FLOW_ADD, &m), 0);
	for (uint16_t q = 1; q <= 5; q++) {
		tx(a, 7040, "10.0.0.2", 5000, 0x7041, q, false);
		rx_one(rx, 7040, NULL);
	}
	/* A re-INVITE: the party now sends from 10.0.0.3:5100 with a new SSRC.
	 * Until the daemon says so, that is someone else. */
	tx(b, 7040, "10.0.0.3", 5100, 0x7042, 1, false);
	expect_nothing();
	assert_int_equal(info_of(7040).stats.drop_source, 1);
	m.flow.flags |= XS_DP_FLOW_F_REBIND;
	assert_int_equal(call(XS_DP_MSG_FLOW_REPLACE, &m), 0);
	info = info_of(7040);
	assert_int_equal(info.flow.peer.family, 0);           /* the latch forgotten */
	assert_int_equal(info.in_marks.count, 1);             /* receive state kept */
	assert_int_equal(info.in_marks.ssrc[0].index, 5);
	assert_int_equal(info.stats.pkts_out, 5);             /* counters kept */
	assert_int_equal(info.stats.drop_source, 1);
	assert_int_equal(info.out_marks.count, 1);            /* send state kept */
	assert_int_equal(info.out_marks.ssrc[0].index, 5);
	for (uint16_t q = 2; q <= 6; q++) {
		tx(b, 7040, "10.0.0.3", 5100, 0x7042, q, false);
		assert_int_equal(rx_one(rx, 7040, &ssrc), q);
		assert_int_equal(ssrc, 0x7042);
	}
	/* The old address is the stranger now. */
	tx(a, 7040, "10.0.0.2", 5000, 0x7041, 6, false);
	expect_nothing();
	info = info_of(7040);
	assert_int_equal(info.stats.drop_source, 2);
	assert_int_equal(info.stats.pkts_out, 10);
	assert_int_equal(info.flow.peer.port, 5100);
	assert_int_equal(info.in_ssrc, 0x7042);
	assert_int_equal(info.in_marks.count, 2);
	assert_int_equal(info.in_marks.ssrc[1].ssrc, 0x7041);
	assert_int_equal(info.out_marks.count, 2);
	assert_int_equal(info.out_marks.ssrc[1].ssrc, 0x7041);
	srtp_dealloc(a);
	srtp_dealloc(b);
	srtp_dealloc(rx);
}

static void t_relatch(void **s)
{
	struct xs_dp_flow_msg m = fmsg(7050, 10, 11, XS_DP_FLOW_F_RELATCH);
	srtp_t in = sess(10, false), rx = sess(11, true);
	struct xs_dp_flow_info info;
	uint8_t f4[2048];
	uint32_t n4, n;

	nused = 0;
	assert_int_equal(call(XS_DP_MSG_FLOW_ADD, &m), 0);
	for (uint16_t q = 1; q <= 3; q++) {
		tx(in, 7050, "10.0.0.2", 5000, 0x7050, q, false);
		rx_one(rx, 7050, NULL);
	}
	/* NAT rebinding: same party, new port; it authenticates: the latch moves. */
	n4 = mk(in, 7050, "10.0.0.2", 5002, 0x7050, 4, false, f4);
	h_send(&H, 0, f4, n4);
	assert_int_equal(rx_one(rx, 7050, NULL), 4);
	info = info_of(7050);
	assert_int_equal(info.stats.relatch, 1);
	assert_int_equal(info.flow.peer.port, 5002);
	/* A forgery and a replay from elsewhere move nothing. */
	n = mk(in, 7050, "10.0.0.9", 5000, 0x7050, 5, false, frame) - 42;
	pkt[n - 1] ^= 0x20; /* the tag */
	h_send(&H, 0, frame, tf_udp4(frame, 0, "10.0.0.9", 5000, "10.0.0.1", 7050, pkt, n));
	memcpy(pkt, f4 + 42, n4 - 42);
	h_send(&H, 0, frame, tf_udp4(frame, 0, "10.0.0.9", 5000, "10.0.0.1", 7050, pkt, n4 - 42));
	expect_nothing();
	info = info_of(7050);
	assert_int_equal(info.stats.auth_fail, 1);
	assert_int_equal(info.stats.replay, 1);
	assert_int_equal(info.stats.relatch, 1);
	assert_memory_equal(info.flow.peer.addr, ((uint8_t[]){ 10, 0, 0, 2 }), 4);
	assert_int_equal(info.flow.peer.port, 5002);
	tx(in, 7050, "10.0.0.2", 5002, 0x7050, 6, false);
	assert_int_equal(rx_one(rx, 7050, NULL), 6);
	/* RTCP latches on its own node. */
	tx(in, 7050, "10.0.0.2", 5002, 0x7050, 0, true);
	rx_one(rx, 7050, NULL);
	assert_int_equal(info_of(7050).rtcp_peer.port, 5003);
	srtp_dealloc(in);
	srtp_dealloc(rx);
}

static void t_latch_ip(void **s)
{
	struct xs_dp_flow_msg m = fmsg(7060, -1, 12, 0);
	struct xs_dp_flow_msg ms = fmsg(7070, 13, 14, XS_DP_FLOW_F_RELATCH);
	srtp_t rx = sess(12, true), in = sess(13, false), rx2 = sess(14, true);
	struct xs_dp_flow_info info;

	nused = 0;
	m.flow.src_policy = XS_DP_SRC_LATCH_IP;
	xs_dp_addr_parse("10.0.0.2", &m.flow.peer, true);
	assert_int_equal(call(XS_DP_MSG_FLOW_ADD, &m), 0);
	/* Plain input: only 10.0.0.2 (any port) may latch, then only its port. */
	tx(NULL, 7060, "10.0.0.9", 5000, 0x7060, 1, false);
	expect_nothing();
	info = info_of(7060);
	assert_int_equal(info.stats.drop_source, 1);
	assert_int_equal(info.flow.peer.family, 0);
	tx(NULL, 7060, "10.0.0.2", 7000, 0x7060, 2, false);
	assert_int_equal(rx_one(rx, 7060, NULL), 2);
	tx(NULL, 7060, "10.0.0.2", 7002, 0x7060, 3, false);
	tx(NULL, 7060, "10.0.0.9", 7000, 0x7060, 4, false);
	expect_nothing();
	info = info_of(7060);
	assert_int_equal(info.stats.drop_source, 3);
	assert_int_equal(info.flow.peer.port, 7000);
	assert_int_equal(info.stats.pkts_in, 1);

	/* SRTP input with F_RELATCH: an authenticated packet from another address
	 * is refused all the same; the configured address relatches. */
	ms.flow.src_policy = XS_DP_SRC_LATCH_IP;
	xs_dp_addr_parse("10.0.0.2", &ms.flow.peer, true);
	assert_int_equal(call(XS_DP_MSG_FLOW_ADD, &ms), 0);
	tx(in, 7070, "10.0.0.9", 5000, 0x7070, 1, false);
	expect_nothing();
	tx(in, 7070, "10.0.0.2", 5000, 0x7070, 2, false);
	assert_int_equal(rx_one(rx2, 7070, NULL), 2);
	tx(in, 7070, "10.0.0.9", 5000, 0x7070, 3, false);
	expect_nothing();
	tx(in, 7070, "10.0.0.2", 5008, 0x7070, 4, false);
	assert_int_equal(rx_one(rx2, 7070, NULL), 4);
	info = info_of(7070);
	assert_int_equal(info.stats.drop_source, 2);
	assert_int_equal(info.stats.relatch, 1);
	assert_int_equal(info.flow.peer.port, 5008);
	srtp_dealloc(rx);
	srtp_dealloc(in);
	srtp_dealloc(rx2);
}

static void t_reset_keeps_send_index(void **s)
{
	struct xs_dp_flow_msg m = fmsg(7080, 15, 16, 0);
	srtp_t a = sess(15, false), b = sess(15, false), rx = sess(16, true), rx2;
	struct xs_dp_flow_info info;
	uint16_t q;

	nused = 0;
	assert_int_equal(call(XS_DP_MSG_FLOW_ADD, &m), 0);
	for (q = 1; q <= 10; q++) {
		tx(a, 7080, "10.0.0.2", 5000, 0x7080, q, false);
		rx_one(rx, 7080, NULL);
	}
	/* F_RESET with the same keys: fresh counters, latch and receive stream at
	 * once; the send stream keeps its index under its unchanged key. */
	m.flow.flags |= XS_DP_FLOW_F_RESET;
	assert_int_equal(call(XS_DP_MSG_FLOW_REPLACE, &m), 0);
	info = info_of(7080);
	assert_int_equal(info.stats.pkts_in, 0);
	assert_int_equal(info.stats.pkts_out, 0);
	assert_int_equal(info.stats.last_rx_ns, 0);
	assert_int_equal(info.flow.peer.family, 0);
	assert_int_equal(info.in_ssrc, 0);
	assert_int_equal(info.in_marks.count, 0);
	assert_int_equal(info.out_marks.count, 1);
	assert_int_equal(info.out_marks.ssrc[0].index, 10);
	/* A sender that starts over (same key, same SSRC, from elsewhere): the
	 * receive side takes it, the send side does not send 1..10 again. */
	for (q = 1; q <= 15; q++)
		tx(b, 7080, "10.0.0.3", 5000, 0x7080, q, false);
	for (q = 11; q <= 15; q++)
		assert_int_equal(rx_one(rx, 7080, NULL), q);
	expect_nothing();
	info = info_of(7080);
	assert_int_equal(info.stats.replay, 10);
	assert_int_equal(info.stats.pkts_out, 5);
	assert_int_equal(info.stats.pkts_in, 5);
	/* New output keys with F_RESET: the send stream starts over under them. */
	m = fmsg(7080, 15, 17, XS_DP_FLOW_F_RESET);
	assert_int_equal(call(XS_DP_MSG_FLOW_REPLACE, &m), 0);
	assert_int_equal(info_of(7080).out_marks.count, 0);
	nused = 0;
	rx2 = sess(17, true);
	tx(b, 7080, "10.0.0.3", 5000, 0x7080, 16, false);
	assert_int_equal(rx_one(rx2, 7080, NULL), 16);
	srtp_dealloc(a);
	srtp_dealloc(b);
	srtp_dealloc(rx);
	srtp_dealloc(rx2);
}

/* (R1) A party at ROC 1 moves (a re-INVITE: F_REBIND, the same keys, no
 * marks): the latch is learned again, the receive stream keeps its ROC, so
 * the party's packets from its new address go on authenticating. */
static void t_rebind_keeps_roc(void **s)
{
	struct xs_dp_flow_msg m = fmsg(7090, 18, 19, 0);
	srtp_t in = sess(18, false), rx = sess(19, true);
	struct xs_dp_flow_info info;
	uint16_t q = 65530;

	nused = 0;
	assert_int_equal(call(XS_DP_MSG_FLOW_ADD, &m), 0);
	for (int k = 0; k < 10; k++, q++) {
		tx(in, 7090, "10.0.0.2", 5000, 0x7090, q, false);
		assert_int_equal(rx_one(rx, 7090, NULL), (k < 6 ? 0 : 1ull << 16) | q);
	}
	assert_int_equal(info_of(7090).in_roc, 1);
	m.flow.flags |= XS_DP_FLOW_F_REBIND;
	assert_int_equal(call(XS_DP_MSG_FLOW_REPLACE, &m), 0);
	info = info_of(7090);
	assert_int_equal(info.flow.peer.family, 0);
	assert_int_equal(info.in_roc, 1);
	for (int k = 0; k < 5; k++, q++) {
		tx(in, 7090, "10.0.0.3", 5100, 0x7090, q, false);
		assert_int_equal(rx_one(rx, 7090, NULL), 1ull << 16 | q);
	}
	info = info_of(7090);
	assert_int_equal(info.stats.auth_fail, 0);
	assert_int_equal(info.stats.pkts_out, 15);
	assert_int_equal(info.flow.peer.port, 5100);
	srtp_dealloc(in);
	srtp_dealloc(rx);
}

/* (R1b) After F_REBIND, a packet of the party's old SSRC replayed from
 * elsewhere authenticates but is refused as seen: it takes neither the
 * stream nor the latch; the party's new SSRC from its new address flows. */
static void t_rebind_replay_then_new_ssrc(void **s)
{
	struct xs_dp_flow_msg m = fmsg(7100, 20, 21, 0);
	srtp_t a = sess(20, false), b = sess(20, false), rx = sess(21, true);
	struct xs_dp_flow_info info;
	uint8_t old[2048];
	uint32_t nold = 0, ssrc;

	nused = 0;
	assert_int_equal(call(XS_DP_MSG_FLOW_ADD, &m), 0);
	for (uint16_t q = 1; q <= 5; q++) {
		uint32_t n = mk(a, 7100, "10.0.0.2", 5000, 0x7100, q, false, frame);

		if (q == 3) {
			memcpy(old, frame, n);
			nold = n;
		}
		h_send(&H, 0, frame, n);
		rx_one(rx, 7100, NULL);
	}
	m.flow.flags |= XS_DP_FLOW_F_REBIND;
	assert_int_equal(call(XS_DP_MSG_FLOW_REPLACE, &m), 0);
	memcpy(pkt, old + 42, nold - 42);
	h_send(&H, 0, frame, tf_udp4(frame, 0, "10.0.0.9", 5000, "10.0.0.1", 7100, pkt, nold - 42));
	expect_nothing();
	info = info_of(7100);
	assert_int_equal(info.stats.replay, 1);
	assert_int_equal(info.flow.peer.family, 0);
	assert_int_equal(info.in_marks.count, 1); /* refused on input, not only on output */
	assert_int_equal(info.in_marks.ssrc[0].index, 5);
	for (uint16_t q = 1; q <= 5; q++) {
		tx(b, 7100, "10.0.0.3", 5100, 0x7101, q, false);
		assert_int_equal(rx_one(rx, 7100, &ssrc), q);
		assert_int_equal(ssrc, 0x7101);
	}
	info = info_of(7100);
	assert_int_equal(info.in_ssrc, 0x7101);
	assert_memory_equal(info.flow.peer.addr, ((uint8_t[]){ 10, 0, 0, 3 }), 4);
	assert_int_equal(info.flow.peer.port, 5100);
	assert_int_equal(info.stats.auth_fail, 0);
	srtp_dealloc(a);
	srtp_dealloc(b);
	srtp_dealloc(rx);
}

/* (R2) New output keys start the send stream fresh: the first packet under
 * them goes out at ROC 0, as a receiver with a fresh context for them
 * expects. Keys the output had before others (K1 -> K2 -> K1) are refused,
 * EINVAL, and nothing changes. */
static void t_out_keys_new_and_old(void **s)
{
	struct xs_dp_flow_msg m = fmsg(7110, 22, 23, 0);
	srtp_t in = sess(22, false), rx1 = sess(23, true), rx2 = sess(24, true);
	struct xs_dp_flow_info info, again;
	uint16_t q = 65530;

	nused = 0;
	assert_int_equal(call(XS_DP_MSG_FLOW_ADD, &m), 0);
	for (int k = 0; k < 10; k++, q++) {
		tx(in, 7110, "10.0.0.2", 5000, 0x7110, q, false);
		assert_int_equal(rx_one(rx1, 7110, NULL), (k < 6 ? 0 : 1ull << 16) | q);
	}
	assert_int_equal(info_of(7110).out_roc, 1);
	m = fmsg(7110, 22, 24, 0); /* K2, no flag */
	assert_int_equal(call(XS_DP_MSG_FLOW_REPLACE, &m), 0);
	nused = 0;
	tx(in, 7110, "10.0.0.2", 5000, 0x7110, q, false);
	assert_int_equal(rx_one(rx2, 7110, NULL), q);
	info = info_of(7110);
	assert_int_equal(info.out_roc, 0);
	assert_int_equal(info.out_marks.count, 1);
	assert_int_equal(info.out_marks.ssrc[0].index, q);
	q++;
	m = fmsg(7110, 22, 23, 0); /* K1 again */
	assert_int_equal(call(XS_DP_MSG_FLOW_REPLACE, &m), EINVAL);
	m.flow.flags |= XS_DP_FLOW_F_RESET;
	assert_int_equal(call(XS_DP_MSG_FLOW_REPLACE, &m), EINVAL);
	again = info_of(7110);
	assert_memory_equal(&again.out_marks, &info.out_marks, sizeof(info.out_marks));
	assert_int_equal(again.stats.pkts_in, info.stats.pkts_in);
	assert_int_equal(again.flow.peer.port, 5000);
	tx(in, 7110, "10.0.0.2", 5000, 0x7110, q, false);
	assert_int_equal(rx_one(rx2, 7110, NULL), q); /* still K2 */
	srtp_dealloc(in);
	srtp_dealloc(rx1);
	srtp_dealloc(rx2);
}

/* (R2) K1 -> plain -> K1, each with F_RESET (a re-INVITE to RTP/AVP and
 * back): K1's send stream is kept through the plain stretch, so a sender
 * that starts over is not re-sent under K1 at any index K1 used. */
static void t_out_keys_plain_between(void **s)
{
	struct xs_dp_flow_msg m = fmsg(7120, 25, 26, 0);
	srtp_t in = sess(25, false), in2 = sess(25, false), rx = sess(26, true);
	uint16_t q;

	nused = 0;
	assert_int_equal(call(XS_DP_MSG_FLOW_ADD, &m), 0);
	for (q = 1; q <= 10; q++) {
		tx(in, 7120, "10.0.0.2", 5000, 0x7120, q, false);
		assert_int_equal(rx_one(rx, 7120, NULL), q);
	}
	m = fmsg(7120, 25, -1, XS_DP_FLOW_F_RESET);
	assert_int_equal(call(XS_DP_MSG_FLOW_REPLACE, &m), 0);
	for (q = 11; q <= 12; q++) {
		tx(in, 7120, "10.0.0.2", 5000, 0x7120, q, false);
		assert_int_equal(rx_plain(7120, 0x7120), q);
	}
	m = fmsg(7120, 25, 26, XS_DP_FLOW_F_RESET);
	assert_int_equal(call(XS_DP_MSG_FLOW_REPLACE, &m), 0);
	assert_int_equal(info_of(7120).out_marks.ssrc[0].index, 10);
	/* the party starts over (its receive stream was reset): 5..10 were
	 * sent under K1, refused; 11 and 12 went out plain, never under K1 */
	for (q = 5; q <= 15; q++)
		tx(in2, 7120, "10.0.0.2", 5000, 0x7120, q, false);
	for (q = 11; q <= 15; q++)
		assert_int_equal(rx_one(rx, 7120, NULL), q);
	expect_nothing();
	assert_int_equal(info_of(7120).stats.replay, 6);
	srtp_dealloc(in);
	srtp_dealloc(in2);
	srtp_dealloc(rx);
}

/* (R3) A FLOW_REPLACE with another cookie is a new owner of the port (a new
 * call, the old one's FLOW_DEL lost): fresh counters, latch and receive
 * stream, as F_RESET (so its input keys must come with it); the send stream
 * goes by its keys. */
static void t_new_cookie(void **s)
{
	struct xs_dp_flow_msg m = fmsg(7130, 27, 28, 0), m2;
	srtp_t a = sess(27, false), rx = sess(28, true), b = sess(30, false), rx2 = sess(29, true);
	struct xs_dp_flow_info info;

	nused = 0;
	m.flow.cookie = 1;
	assert_int_equal(call(XS_DP_MSG_FLOW_ADD, &m), 0);
	for (uint16_t q = 1; q <= 5; q++) {
		tx(a, 7130, "10.0.0.2", 5000, 0x7130, q, false);
		rx_one(rx, 7130, NULL);
	}
	m2 = fmsg(7130, 30, 29, 0);
	m2.flow.cookie = 2;
	m2.flow.flags &= ~XS_DP_FLOW_F_IN_KEYS;
	memset(&m2.in, 0, sizeof(m2.in));
	assert_int_equal(call(XS_DP_MSG_FLOW_REPLACE, &m2), EINVAL);
	assert_int_equal(info_of(7130).stats.pkts_in, 5);
	m2 = fmsg(7130, 30, 29, 0);
	m2.flow.cookie = 2;
	assert_int_equal(call(XS_DP_MSG_FLOW_REPLACE, &m2), 0);
	info = info_of(7130);
	assert_int_equal(info.flow.cookie, 2);
	assert_int_equal(info.stats.pkts_in, 0);
	assert_int_equal(info.stats.pkts_out, 0);
	assert_int_equal(info.stats.last_rx_ns, 0);
	assert_int_equal(info.flow.peer.family, 0);
	assert_int_equal(info.in_ssrc, 0);
	assert_int_equal(info.in_marks.count, 0);
	assert_int_equal(info.out_marks.count, 0);
	nused = 0;
	for (uint16_t q = 1; q <= 3; q++) {
		tx(b, 7130, "10.0.0.3", 5002, 0x7130, q, false);
		assert_int_equal(rx_one(rx2, 7130, NULL), q);
	}
	info = info_of(7130);
	assert_memory_equal(info.flow.peer.addr, ((uint8_t[]){ 10, 0, 0, 3 }), 4);
	assert_int_equal(info.stats.pkts_in, 3);
	srtp_dealloc(a);
	srtp_dealloc(b);
	srtp_dealloc(rx);
	srtp_dealloc(rx2);
}

static int setup(void **s)
{
	if (h_eal("dp_streams_test") < 0 || h_start(&H, "dp_streams_test"))
		return -1;
	return srtp_init() == srtp_err_status_ok ? 0 : -1;
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
		cmocka_unit_test(t_marks_reported),
		cmocka_unit_test(t_add_with_marks),
		cmocka_unit_test(t_restart_after_wrap),
		cmocka_unit_test(t_ssrc_aba),
		cmocka_unit_test(t_rebind),
		cmocka_unit_test(t_relatch),
		cmocka_unit_test(t_latch_ip),
		cmocka_unit_test(t_reset_keeps_send_index),
		cmocka_unit_test(t_rebind_keeps_roc),
		cmocka_unit_test(t_rebind_replay_then_new_ssrc),
		cmocka_unit_test(t_out_keys_new_and_old),
		cmocka_unit_test(t_out_keys_plain_between),
		cmocka_unit_test(t_new_cookie),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
