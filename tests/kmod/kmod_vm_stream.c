// SPDX-License-Identifier: BSD-3-Clause
/*
 * `kmod_vm_test stream MODULE KEYA KEYB`: the media stream lifecycle through
 * xsrelay.ko (issue 13), run by /init last, when nothing else holds
 * /dev/xsrelay (it reloads the module). Everything over 127.0.0.1.
 *
 * Flow P, plain RTP in -> SDES (key B) out: SSRC A across a ROC wrap, then B,
 * then A again (A's used indices stay used), eight SSRCs under one key and not
 * nine, TTL, then the module is reloaded and P re-added with F_MARKS and the
 * marks FLOW_GET gave (SRTCP + 1024): the stream goes on above them. Every
 * packet P sent is printed as "XSK-ST <hex>" for the host, whose check with
 * the project's engine (tests/kmod/engine_pkts uniq) proves that all of them,
 * before and after the reload, authenticate under key B (at ROC 1 after the
 * wrap) with no (SSRC, index) twice and SRTCP indices that only grow.
 * Flow S, SDES (key A) in -> SDES (key B) out: forged, replayed and foreign
 * packets change neither last_rx nor pkts_in; F_REBIND (the party moved and
 * changed SSRC); F_RESET, RESET_STREAM and SET_ROC under unchanged output keys
 * keep the send stream; new output keys start it from zero; marks given in
 * FLOW_REPLACE raise and never lower. Its packets under key B are printed as
 * "XSK-SS <hex>" for the same host check. Flow R: F_RELATCH. Flow L:
 * XS_DP_SRC_LATCH_IP, and a peer that moved without F_REBIND. Flow V: the
 * receive stream's per-SSRC state (A, B, A; parked replays refused), F_REBIND
 * keeping the receive ROC, a replay after F_REBIND not locking the party out.
 * Flow K: the output's keys (new keys start at ROC 0, K1 -> K2 -> K1 refused,
 * K2 -> plain -> K2 goes on). Flow C: another cookie starts as F_RESET;
 * FLOW_REPLACE at a flow's RTCP port is ENOENT.
 *
 * Prints "XSRELAY-KMOD-STREAM-RESULT: P passed, F failed" as its last line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kmod_vm.h"

/* Flow at port X: RTCP X + 1, out_src X + 100, out_dst X + 200 (RTCP + 1),
 * senders from X + 300 up. */
#define P_PORT		28000	/* plain -> SDES: SSRCs, wrap, TTL, reload */
#define S_PORT		28400	/* SDES -> SDES: last_rx, REBIND, RESET, marks */
#define R_PORT		28800	/* SDES -> SDES with F_RELATCH */
#define L_PORT		29200	/* plain -> plain, LATCH_IP 127.0.0.2 */
#define V_PORT		29600	/* SDES -> SDES: receive A, B, A; REBIND */
#define K_PORT		30000	/* plain -> SDES: the output's keys change */
#define C_PORT		30400	/* SDES -> SDES: another cookie */
#define LO4_2		IP4(127, 0, 0, 2)

#define SSRC_A		0xa0a0a0a0u
#define SSRC_B		0xb0b0b0b0u
#define SSRC_C		0xc0c00000u	/* C + 0..6 */
#define SSRC_X		0x5eed0001u
#define SSRC_Y		0x5eed0002u
#define WAIT_OK		1000	/* ms for a packet that must come through */
#define WAIT_DROP	200	/* ms for one that must not */

static int n_st_rtp, n_st_rtcp, n_ss_rtp;

static void flow_msg(struct xs_dp_flow_msg *m, uint16_t port, uint8_t policy, uint32_t peer_ip,
		     uint32_t flags, const uint8_t *kin, const uint8_t *kout)
{
	memset(m, 0, sizeof(*m));
	addr4(&m->flow.local, port);
	addr4(&m->flow.out_src, (uint16_t)(port + 100));
	addr4(&m->flow.out_dst, (uint16_t)(port + 200));
	m->flow.src_policy = policy;
	if (peer_ip)
		addr4ip(&m->flow.peer, peer_ip, 0);
	m->flow.flags = flags;
	if (kin) {
		m->flow.in_suite = 1;
		m->flow.flags |= XS_DP_FLOW_F_IN_KEYS;
		crypto80(&m->in, kin);
	}
	if (kout) {
		m->flow.out_suite = 1;
		m->flow.flags |= XS_DP_FLOW_F_OUT_KEYS;
		crypto80(&m->out, kout);
	}
}

static struct xs_dp_error last_err;	/* the last refusal */

/* 0 when ACKed, the refusal's errno (printed, kept in last_err), or -1. */
static int req_code(uint16_t type, const void *body, uint32_t len)
{
	int t;

	memset(&last_err, 0, sizeof(last_err));
	t = ctl(type, body, len, &last_err, sizeof(last_err));
	if (t == XS_DP_MSG_ERROR) {
		printf("# request %u refused: %d %s\n", type, last_err.code, last_err.text);
		return last_err.code;
	}
	return t == XS_DP_MSG_ACK ? 0 : -1;
}

/* 0 when ACKed; the refusal is printed. */
static int flow_req(uint16_t type, const void *body, uint32_t len)
{
	return req_code(type, body, len) ? -1 : 0;
}

/* KEYS_SET with key (NULL: plain RTP): 0 or the refusal's errno. */
static int keys_set_code(uint16_t port, unsigned dir, const uint8_t *key, uint32_t kflags,
			 uint32_t ssrc)
{
	struct xs_dp_keys_msg k;

	memset(&k, 0, sizeof(k));
	addr4(&k.local, port);
	k.dir = (uint8_t)dir;
	if (key)
		crypto80(&k.crypto, key);
	k.crypto.kflags = kflags;
	k.crypto.ssrc = ssrc;
	return req_code(XS_DP_MSG_KEYS_SET, &k, sizeof(k));
}

static int keys_set(uint16_t port, unsigned dir, const uint8_t *key, uint32_t kflags,
		    uint32_t ssrc)
{
	return keys_set_code(port, dir, key, kflags, ssrc) ? -1 : 0;
}

static struct xs_dp_flow_info get(uint16_t port)
{
	struct xs_dp_flow_info fi;

	memset(&fi, 0, sizeof(fi));
	if (flow_get_at(LO4, port, &fi))
		printf("# FLOW_GET %u failed\n", port);
	return fi;
}

static int ctl_open(void)
{
	struct xs_dp_hello h, hr;

	ctl_fd = open("/dev/xsrelay", O_RDWR);
	if (ctl_fd < 0)
		return -1;
	xs_dp_hello_fill(&h);
	return ctl(XS_DP_MSG_HELLO, &h, sizeof(h), &hr, sizeof(hr)) == XS_DP_MSG_HELLO ? 0 : -1;
}

static uint64_t gstat_ttl(void)
{
	struct xs_dp_stats st;

	memset(&st, 0, sizeof(st));
	ctl(XS_DP_MSG_STATS_GET, NULL, 0, &st, sizeof(st));
	return st.global.drop_ttl;
}

static uint32_t plain_rtp(uint8_t *p, uint32_t ssrc, uint16_t seq)
{
	memset(p, 0, 172);
	p[0] = 0x80;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[4] = (uint8_t)(seq >> 3);
	p[8] = (uint8_t)(ssrc >> 24);
	p[9] = (uint8_t)(ssrc >> 16);
	p[10] = (uint8_t)(ssrc >> 8);
	p[11] = (uint8_t)ssrc;
	for (int j = 0; j < 160; j++)
		p[12 + j] = (uint8_t)(j * 3 + seq);
	return 172;
}

static uint32_t plain_rtcp(uint8_t *p, uint32_t ssrc, int n)
{
	memset(p, 0, 28);
	p[0] = 0x80;
	p[1] = 200;
	p[3] = 6;
	p[4] = (uint8_t)(ssrc >> 24);
	p[5] = (uint8_t)(ssrc >> 16);
	p[6] = (uint8_t)(ssrc >> 8);
	p[7] = (uint8_t)ssrc;
	p[27] = (uint8_t)n;
	return 28;
}

/* Send b from tx to 127.0.0.1:dport; what is relayed to rx within ms into
 * out (2048 bytes). Length, or -1 when nothing came. */
static ssize_t hop(int tx, uint16_t dport, const uint8_t *b, uint32_t len, int rx, uint8_t *out,
		   int ms)
{
	send_to(tx, dport, b, len);
	return recv_wait(rx, out, 2048, ms);
}

/* ------------------------------------------------------------ flow P */

struct pctx {
	int tx, txc, rx, rxc;
};

/* Plain RTP (ssrc, seq) into P: true when relayed (printed for the host). */
static bool p_rtp(const struct pctx *c, uint32_t ssrc, uint16_t seq, bool want)
{
	uint8_t b[256], out[2048];
	uint32_t len = plain_rtp(b, ssrc, seq);
	ssize_t m = hop(c->tx, P_PORT, b, len, c->rx, out, want ? WAIT_OK : WAIT_DROP);

	if (m < 0)
		return false;
	print_pkt_tag("XSK-ST", out, (size_t)m);
	n_st_rtp++;
	return m == len + 10 && !memcmp(out, b, 12);
}

/* Plain RTCP with ssrc into P's RTCP port: the SRTCP index it left with, or -1. */
static long p_rtcp(const struct pctx *c, uint32_t ssrc)
{
	uint8_t b[64], out[2048];
	uint32_t len = plain_rtcp(b, ssrc, n_st_rtcp);
	ssize_t m = hop(c->txc, P_PORT + 1, b, len, c->rxc, out, WAIT_OK);

	if (m != len + 4 + 10)
		return -1;
	print_pkt_tag("XSK-ST", out, (size_t)m);
	n_st_rtcp++;
	return (long)(((uint32_t)out[len] << 24 | out[len + 1] << 16 | out[len + 2] << 8 |
		       out[len + 3]) & 0x7fffffffu);
}

/* How many of seq from..to (inclusive, mod 2^16) of ssrc are relayed. */
static int p_run(const struct pctx *c, uint32_t ssrc, uint32_t from, uint32_t to, bool want)
{
	int got = 0;

	for (uint32_t q = from; q <= to; q++)
		got += p_rtp(c, ssrc, (uint16_t)q, want);
	return got;
}

static bool marks_is(const struct xs_dp_marks *m, int count, uint32_t rtcp, uint32_t s0,
		     uint64_t i0)
{
	return m->count == count && m->rtcp_index == rtcp &&
	       (!count || (m->ssrc[0].ssrc == s0 && m->ssrc[0].index == i0));
}

static void p_before_reload(const struct pctx *c)
{
	struct xs_dp_flow_info fi;
	long i1, i2, i3, i4, i5, i6;
	uint64_t ttl0;
	int got, one = 1, ttl = 0;
	uint8_t b[256], out[2048];
	ssize_t m;

	/* A across a ROC wrap, then B: the SRTCP index goes on across the change */
	got = p_run(c, SSRC_A, 65516, 65536 + 19, true);
	CHECK(got == 40, "stream: SSRC A seq 65516..19 (a ROC wrap): %d of 40 relayed", got);
	i1 = p_rtcp(c, SSRC_A);
	i2 = p_rtcp(c, SSRC_A);
	i3 = p_rtcp(c, SSRC_A);
	got = p_run(c, SSRC_B, 500, 519, true);
	i4 = p_rtcp(c, SSRC_B);
	i5 = p_rtcp(c, SSRC_B);
	CHECK(got == 20, "stream: then SSRC B seq 500..519: %d of 20 relayed", got);
	CHECK(i1 == 1 && i2 == 2 && i3 == 3 && i4 == 4 && i5 == 5,
	      "stream: SRTCP indices %ld %ld %ld (A) then %ld %ld (B): one counter, never reset",
	      i1, i2, i3, i4, i5);

	/* A returns: what A used stays used, A goes on above it */
	got = p_run(c, SSRC_A, 10, 19, false);
	CHECK(got == 0, "stream: A returns: seq 10..19, already used under this key, %d sent", got);
	got = p_run(c, SSRC_A, 20, 29, true);
	i6 = p_rtcp(c, SSRC_A);
	CHECK(got == 10 && i6 == 6, "stream: A seq 20..29 relayed (%d), SRTCP %ld", got, i6);
	fi = get(P_PORT);
	CHECK(marks_is(&fi.out_marks, 2, 6, SSRC_A, (1ull << 16) | 29) &&
	      fi.out_marks.ssrc[1].ssrc == SSRC_B && fi.out_marks.ssrc[1].index == 519 &&
	      fi.in_marks.count == 0 && fi.out_roc == 1,
	      "stream: FLOW_GET out_marks: A at ROC 1 seq 29, B 519 parked, SRTCP 6 (count %u, "
	      "A %#llx, rtcp %u)", fi.out_marks.count,
	      (unsigned long long)fi.out_marks.ssrc[0].index, fi.out_marks.rtcp_index);
	CHECK(fi.stats.replay == 10, "stream: the 10 refused A packets counted as replay (%llu)",
	      (unsigned long long)fi.stats.replay);

	/* eight SSRCs under one key, not nine */
	got = 0;
	for (uint32_t i = 0; i < 6; i++)
		got += p_rtp(c, SSRC_C + i, 1, true);
	CHECK(got == 6 && !p_rtp(c, SSRC_C + 6, 1, false),
	      "stream: SSRCs C0..C5 relayed (8 under the key), a 9th is not");
	fi = get(P_PORT);
	CHECK(fi.stats.drop_ssrc_limit == 1 && fi.out_marks.count == 8,
	      "stream: drop_ssrc_limit %llu, out_marks count %u",
	      (unsigned long long)fi.stats.drop_ssrc_limit, fi.out_marks.count);
	CHECK(p_rtp(c, SSRC_A, 30, true), "stream: A, remembered, is relayed again (seq 30)");

	/* a relay is a hop: TTL 1 dies here, TTL 9 leaves with 8 */
	ttl0 = gstat_ttl();
	setsockopt(c->tx, IPPROTO_IP, IP_TTL, &one, sizeof(one));
	CHECK(!p_rtp(c, SSRC_A, 31, false) && gstat_ttl() == ttl0 + 1,
	      "stream: TTL 1: dropped, drop_ttl counted");
	one = 9;
	setsockopt(c->tx, IPPROTO_IP, IP_TTL, &one, sizeof(one));
	one = 1;
	setsockopt(c->rx, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
	send_to(c->tx, P_PORT, b, plain_rtp(b, SSRC_A, 31));
	m = recv_ttl(c->rx, out, sizeof(out), WAIT_OK, &ttl);
	if (m > 0) {
		print_pkt_tag("XSK-ST", out, (size_t)m);
		n_st_rtp++;
	}
	CHECK(m > 0 && ttl == 8, "stream: TTL 9 in, %d out", ttl);
	one = 64;
	setsockopt(c->tx, IPPROTO_IP, IP_TTL, &one, sizeof(one));
}

/* rmmod + insmod; P again with the marks it had (SRTCP + 1024). */
static int p_reload(const char *module, struct xs_dp_marks *marks)
{
	struct xs_dp_flow_info fi = get(P_PORT);
	struct xs_dp_stats st;
	char cmd[256];
	int rc;

	*marks = fi.out_marks;
	close(ctl_fd);
	rc = system("rmmod xsrelay");
	snprintf(cmd, sizeof(cmd), "insmod %s", module);
	rc = rc ? rc : system(cmd);
	CHECK(rc == 0 && ctl_open() == 0, "stream: rmmod xsrelay, insmod: the module is back");
	if (rc)
		return -1;
	memset(&st, 0, sizeof(st));
	CHECK(ctl(XS_DP_MSG_STATS_GET, NULL, 0, &st, sizeof(st)) == XS_DP_MSG_STATS &&
	      st.flows == 0, "stream: after the reload no flow is left (%llu)",
	      (unsigned long long)st.flows);
	/* the daemon's margin for SRTCP sent after its last look */
	marks->rtcp_index += 1024;
	return 0;
}

static void p_after_reload(const struct pctx *c, const uint8_t *kb, const struct xs_dp_marks *mk)
{
	struct xs_dp_flow_msg m;
	struct xs_dp_flow_info fi;
	unsigned a;
	int got;
	long i;

	flow_msg(&m, P_PORT, XS_DP_SRC_LATCH, 0, XS_DP_FLOW_F_MARKS, NULL, kb);
	m.out_marks = *mk;
	CHECK(flow_req(XS_DP_MSG_FLOW_ADD, &m, sizeof(m)) == 0,
	      "stream: FLOW_ADD again with F_MARKS (8 SSRCs, SRTCP mark + 1024)");
	fi = get(P_PORT);
	CHECK(!memcmp(&fi.out_marks, mk, sizeof(*mk)), "stream: FLOW_GET gives the marks back");

	got = p_run(c, SSRC_A, 20, 31, false);
	CHECK(got == 0, "stream: after the reload A seq 20..31 (sent before it): %d sent", got);
	got = p_run(c, SSRC_A, 32, 51, true);
	CHECK(got == 20, "stream: A seq 32..51 relayed at ROC 1: %d of 20", got);
	got = p_run(c, SSRC_B, 519, 519, false) + 10 * p_run(c, SSRC_B, 520, 524, true);
	CHECK(got == 50, "stream: B: seq 519 refused, 520..524 relayed");
	CHECK(!p_rtp(c, SSRC_C, 1, false) && p_rtp(c, SSRC_C, 2, true),
	      "stream: C0: seq 1 refused, seq 2 relayed");
	CHECK(!p_rtp(c, SSRC_C + 6, 1, false), "stream: a 9th SSRC is still refused");
	i = p_rtcp(c, SSRC_A);
	CHECK(i == 6 + 1024 + 1, "stream: SRTCP goes on above the mark: %ld", i);
	fi = get(P_PORT);
	for (a = 0; a < fi.out_marks.count && fi.out_marks.ssrc[a].ssrc != SSRC_A; a++)
		;
	CHECK(fi.stats.drop_ssrc_limit == 1 && a < fi.out_marks.count &&
	      fi.out_marks.ssrc[a].index == ((1ull << 16) | 51),
	      "stream: FLOW_GET: drop_ssrc_limit %llu, A at ROC 1 seq 51",
	      (unsigned long long)fi.stats.drop_ssrc_limit);
}

/* ------------------------------------------------------------ flow S, R */

/* A sender under key A: its own SRTP stream, packets kept for replays. */
struct sender {
	struct xsk_ossl_keys k;
	struct xsk_stream s;
	uint8_t pkt[64][256];
	uint32_t len[64];
	int n;
};

static void sender_init(struct sender *sd, const uint8_t *ka)
{
	struct xs_dp_crypto c;

	memset(sd, 0, sizeof(*sd));
	crypto80(&c, ka);
	xsk_ossl_keys_new(&c, &sd->k);
	xsk_stream_init(&sd->s, 0);
}

/* The next SRTP packet (ssrc, seq); its number in sd->pkt. */
static int sender_make(struct sender *sd, uint32_t ssrc, uint16_t seq)
{
	int i = sd->n++;

	sd->len[i] = plain_rtp(sd->pkt[i], ssrc, seq);
	xsk_protect(&xsk_ossl_ops, &sd->k.keys, &sd->s, sd->pkt[i], &sd->len[i], 256, false);
	return i;
}

/* Send packet i (tag bit flipped when forged) from tx into port; relayed? */
static bool s_send(struct sender *sd, int i, bool forged, int tx, uint16_t port, int rx,
		   bool want, const char *tag)
{
	uint8_t b[256], out[2048];
	ssize_t m;

	memcpy(b, sd->pkt[i], sd->len[i]);
	if (forged)
		b[sd->len[i] - 1] ^= 1;
	m = hop(tx, port, b, sd->len[i], rx, out, want ? WAIT_OK : WAIT_DROP);
	if (m > 0 && tag) {
		print_pkt_tag(tag, out, (size_t)m);
		n_ss_rtp++;
	}
	return m > 0;
}

static int s_new(struct sender *sd, uint32_t ssrc, uint16_t seq, int tx, int rx, bool want,
		 const char *tag)
{
	return s_send(sd, sender_make(sd, ssrc, seq), false, tx, S_PORT, rx, want, tag);
}

/* Forged, replayed and foreign packets are no sign of life. */
static void s_last_rx(struct sender *sd, int tx1, int tx2, int rx)
{
	struct xs_dp_flow_info f1, f2;
	int got = 0;

	for (int q = 0; q < 5; q++)
		got += s_new(sd, SSRC_X, (uint16_t)(1000 + q), tx1, rx, true, "XSK-SS");
	f1 = get(S_PORT);
	CHECK(got == 5 && f1.stats.pkts_in == 5 && f1.stats.last_rx_ns != 0,
	      "stream S: 5 SRTP packets relayed, pkts_in %llu, last_rx set",
	      (unsigned long long)f1.stats.pkts_in);
	usleep(50000);
	got = 0;
	for (int q = 5; q < 8; q++)
		got += s_send(sd, sender_make(sd, SSRC_X, (uint16_t)(1000 + q)), true, tx1, S_PORT,
			      rx, false, "XSK-SS");
	got += s_new(sd, SSRC_X, 1008, tx2, rx, false, "XSK-SS");
	got += s_new(sd, SSRC_X, 1009, tx2, rx, false, "XSK-SS");
	got += s_send(sd, 0, false, tx1, S_PORT, rx, false, "XSK-SS");
	f2 = get(S_PORT);
	CHECK(got == 0, "stream S: 3 forged, 2 from another port, 1 replay: none relayed");
	CHECK(f2.stats.pkts_in == 5 && f2.stats.last_rx_ns == f1.stats.last_rx_ns &&
	      f2.stats.bytes_in == f1.stats.bytes_in,
	      "stream S: they leave pkts_in (%llu) and last_rx as they were",
	      (unsigned long long)f2.stats.pkts_in);
	CHECK(f2.stats.auth_fail == 3 && f2.stats.drop_source == 2 && f2.stats.replay == 1,
	      "stream S: counted: auth_fail %llu, drop_source %llu, replay %llu",
	      (unsigned long long)f2.stats.auth_fail, (unsigned long long)f2.stats.drop_source,
	      (unsigned long long)f2.stats.replay);
}

/* The party moved (port 2) and changed SSRC (Y): F_REBIND lets it in. */
static void s_rebind(struct sender *sd, const uint8_t *ka, int tx1, int tx2, int rx)
{
	struct xs_dp_flow_msg m;
	struct xs_dp_flow_info fi;
	int got = 0;

	for (int q = 0; q < 3; q++)
		got += s_new(sd, SSRC_Y, (uint16_t)(3000 + q), tx2, rx, false, "XSK-SS");
	CHECK(got == 0, "stream S: SSRC Y from a new port before F_REBIND: not relayed");
	flow_msg(&m, S_PORT, XS_DP_SRC_LATCH, 0, XS_DP_FLOW_F_REBIND, NULL, NULL);
	m.flow.out_suite = 1;
	m.flow.in_suite = 1;
	CHECK(flow_req(XS_DP_MSG_FLOW_REPLACE, &m, sizeof(m)) != 0,
	      "stream S: F_REBIND without the input keys is refused");
	flow_msg(&m, S_PORT, XS_DP_SRC_LATCH, 0, XS_DP_FLOW_F_REBIND, ka, NULL);
	m.flow.out_suite = 1;
	CHECK(flow_req(XS_DP_MSG_FLOW_REPLACE, &m, sizeof(m)) == 0,
	      "stream S: FLOW_REPLACE with F_REBIND and the same input keys (output keys kept)");
	got = 0;
	for (int q = 3; q < 8; q++)
		got += s_new(sd, SSRC_Y, (uint16_t)(3000 + q), tx2, rx, true, "XSK-SS");
	fi = get(S_PORT);
	CHECK(got == 5 && fi.in_ssrc == SSRC_Y && fi.flow.peer.port == S_PORT + 302 &&
	      fi.stats.pkts_out == 10,
	      "stream S: then Y from the new port is relayed (%d), in_ssrc %#x, latched port %u, "
	      "pkts_out %llu kept", got, fi.in_ssrc, fi.flow.peer.port,
	      (unsigned long long)fi.stats.pkts_out);
	CHECK(fi.out_marks.count == 2 && fi.out_marks.ssrc[0].ssrc == SSRC_Y &&
	      fi.out_marks.ssrc[1].ssrc == SSRC_X && fi.out_marks.ssrc[1].index == 1004,
	      "stream S: the send stream kept X (1004) and took Y");
	CHECK(!s_new(sd, SSRC_X, 1010, tx1, rx, false, "XSK-SS"),
	      "stream S: the old address and SSRC no longer pass");
}

/* A send stream is never reset or lowered under keys it has used. */
static void s_reset(struct sender *sd, const uint8_t *ka, const uint8_t *kb, const uint8_t *kc,
		    int tx2, int rx)
{
	struct xs_dp_flow_info f0, fi;
	struct xs_dp_flow_msg m;
	bool ok;

	f0 = get(S_PORT);
	flow_msg(&m, S_PORT, XS_DP_SRC_LATCH, 0, XS_DP_FLOW_F_RESET, ka, kb);
	CHECK(flow_req(XS_DP_MSG_FLOW_REPLACE, &m, sizeof(m)) == 0,
	      "stream S: FLOW_REPLACE F_RESET with the same keys");
	fi = get(S_PORT);
	CHECK(fi.stats.pkts_out == 0 && fi.stats.pkts_in == 0 && fi.in_marks.count == 0 &&
	      fi.in_marks.rtcp_index == 0 && fi.flow.peer.family == 0,
	      "stream S: F_RESET: counters, latch and receive state fresh");
	CHECK(!memcmp(&fi.out_marks, &f0.out_marks, sizeof(fi.out_marks)),
	      "stream S: F_RESET under the same output keys keeps the send stream");
	CHECK(s_new(sd, SSRC_Y, 3008, tx2, rx, true, "XSK-SS"),
	      "stream S: media flows after F_RESET");
	f0 = get(S_PORT);
	CHECK(keys_set(S_PORT, XS_DP_DIR_OUT, kb, XS_DP_KEYS_F_RESET_STREAM, 0) == 0 &&
	      keys_set(S_PORT, XS_DP_DIR_OUT, kb, XS_DP_KEYS_F_SET_ROC, SSRC_Y) == 0,
	      "stream S: KEYS_SET out, same key, RESET_STREAM then SET_ROC (ROC 0, seq 0)");
	fi = get(S_PORT);
	CHECK(!memcmp(&fi.out_marks, &f0.out_marks, sizeof(fi.out_marks)) &&
	      fi.out_marks.ssrc[0].index == 3008,
	      "stream S: ... and the send stream is as it was (Y at %llu)",
	      (unsigned long long)fi.out_marks.ssrc[0].index);
	CHECK(s_new(sd, SSRC_Y, 3009, tx2, rx, true, "XSK-SS"), "stream S: media still flows");
	CHECK(keys_set(S_PORT, XS_DP_DIR_IN, ka, XS_DP_KEYS_F_RESET_STREAM, 0) == 0 &&
	      get(S_PORT).in_marks.count == 0,
	      "stream S: KEYS_SET in with RESET_STREAM resets the receive stream");
	ok = keys_set(S_PORT, XS_DP_DIR_OUT, kc, XS_DP_KEYS_F_RESET_STREAM, 0) == 0;
	fi = get(S_PORT);
	CHECK(ok && marks_is(&fi.out_marks, 0, 0, 0, 0),
	      "stream S: new output keys with RESET_STREAM: the send stream starts from zero");

	/* marks in FLOW_REPLACE: floors, in place before the next packet */
	flow_msg(&m, S_PORT, XS_DP_SRC_LATCH, 0, XS_DP_FLOW_F_MARKS, ka, kc);
	m.out_marks.count = 1;
	m.out_marks.ssrc[0].ssrc = SSRC_Y;
	m.out_marks.ssrc[0].index = 5000;
	m.out_marks.rtcp_index = 300;
	m.in_marks = m.out_marks;
	m.in_marks.ssrc[0].index = 3100;
	m.in_marks.rtcp_index = 0;
	CHECK(flow_req(XS_DP_MSG_FLOW_REPLACE, &m, sizeof(m)) == 0,
	      "stream S: FLOW_REPLACE with F_MARKS");
	fi = get(S_PORT);
	CHECK(marks_is(&fi.out_marks, 1, 300, SSRC_Y, 5000) &&
	      marks_is(&fi.in_marks, 1, 0, SSRC_Y, 3100),
	      "stream S: marks applied: out Y 5000 SRTCP 300, in Y 3100");
	CHECK(!s_new(sd, SSRC_Y, 3010, tx2, rx, false, NULL) && get(S_PORT).stats.replay == 1,
	      "stream S: an input packet below the receive mark is a replay");
	m.out_marks.ssrc[0].index = 10;
	m.out_marks.rtcp_index = 5;
	m.in_marks.ssrc[0].index = 7;
	ok = flow_req(XS_DP_MSG_FLOW_REPLACE, &m, sizeof(m)) == 0;
	f0 = get(S_PORT);
	CHECK(ok && !memcmp(&f0.out_marks, &fi.out_marks, sizeof(fi.out_marks)) &&
	      !memcmp(&f0.in_marks, &fi.in_marks, sizeof(fi.in_marks)),
	      "stream S: lower marks lower nothing");
	m.flow.flags &= ~XS_DP_FLOW_F_IN_KEYS;
	memset(&m.in, 0, sizeof(m.in));
	CHECK(flow_req(XS_DP_MSG_FLOW_REPLACE, &m, sizeof(m)) != 0,
	      "stream S: marks for a direction without keys are refused");
}

/* F_RELATCH: only a packet that authenticates and is new moves the latch. */
static void r_relatch(const uint8_t *ka, const uint8_t *kb)
{
	struct xs_dp_flow_msg m;
	struct xs_dp_flow_info fi;
	static struct sender sd;
	int tx1 = udp_sock(R_PORT + 300), tx2 = udp_sock(R_PORT + 302);
	int rx = udp_sock(R_PORT + 200);
	bool ok;

	sender_init(&sd, ka);
	flow_msg(&m, R_PORT, XS_DP_SRC_LATCH, 0, XS_DP_FLOW_F_RELATCH, ka, kb);
	CHECK(flow_req(XS_DP_MSG_FLOW_ADD, &m, sizeof(m)) == 0, "relatch: FLOW_ADD with F_RELATCH");
	ok = s_send(&sd, sender_make(&sd, SSRC_X, 100), false, tx1, R_PORT, rx, true, NULL);
	ok = ok && !s_send(&sd, sender_make(&sd, SSRC_X, 101), true, tx2, R_PORT, rx, false, NULL);
	ok = ok && !s_send(&sd, 0, false, tx2, R_PORT, rx, false, NULL);
	fi = get(R_PORT);
	CHECK(ok && fi.flow.peer.port == R_PORT + 300 && fi.stats.relatch == 0 &&
	      fi.stats.auth_fail == 1 && fi.stats.replay == 1 && fi.stats.pkts_in == 1,
	      "relatch: a forged and a replayed packet from a new port: dropped (auth_fail %llu, "
	      "replay %llu), the latch stays", (unsigned long long)fi.stats.auth_fail,
	      (unsigned long long)fi.stats.replay);
	ok = s_send(&sd, 1, false, tx2, R_PORT, rx, true, NULL);
	ok = ok && s_send(&sd, sender_make(&sd, SSRC_X, 102), false, tx2, R_PORT, rx, true, NULL);
	ok = ok && !s_send(&sd, sender_make(&sd, SSRC_X, 103), true, tx1, R_PORT, rx, false, NULL);
	fi = get(R_PORT);
	CHECK(ok && fi.flow.peer.port == R_PORT + 302 && fi.stats.relatch == 1,
	      "relatch: a genuine new packet from the new port moves the latch (relatch %llu)",
	      (unsigned long long)fi.stats.relatch);
	close(tx1);
	close(tx2);
	close(rx);
}

/* ------------------------------------------------------------ flow V */

static bool v_send(struct sender *sd, int i, int tx, int rx, bool want)
{
	return s_send(sd, i, false, tx, V_PORT, rx, want, NULL);
}

/* How many of ssrc's seq from..to (mod 2^16), made now, are relayed from
 * tx; *at_i (unless NULL): the packet number of seq at, for a replay. */
static int v_run(struct sender *sd, uint32_t ssrc, uint32_t from, uint32_t to, int tx, int rx,
		 uint32_t at, int *at_i)
{
	int got = 0;

	for (uint32_t q = from; q <= to; q++) {
		int i = sender_make(sd, ssrc, (uint16_t)q);

		if (at_i && q == at)
			*at_i = i;
		got += v_send(sd, i, tx, rx, true);
	}
	return got;
}

/* A receive stream keeps per-SSRC state: A, B, A, parked packets refused;
 * F_REBIND forgets the latch only: the party's ROC survives its move, and an
 * old packet replayed after it cannot take the stream from the party. */
static void v_recv(const uint8_t *ka, const uint8_t *kb)
{
	static struct sender sd;
	struct xs_dp_flow_msg m;
	struct xs_dp_flow_info fi;
	int tx1 = udp_sock(V_PORT + 300), tx2 = udp_sock(V_PORT + 302);
	int tx3 = udp_sock(V_PORT + 304), tx4 = udp_sock(V_PORT + 306);
	int rx = udp_sock(V_PORT + 200);
	int got, a5 = -1, b2 = -1;

	sender_init(&sd, ka);
	flow_msg(&m, V_PORT, XS_DP_SRC_LATCH, 0, 0, ka, kb);
	CHECK(flow_req(XS_DP_MSG_FLOW_ADD, &m, sizeof(m)) == 0,
	      "recv: FLOW_ADD SDES (key A) in -> SDES (key B) out");
	got = v_run(&sd, SSRC_A, 65530, 65536 + 9, tx1, rx, 65536 + 5, &a5);
	got += v_run(&sd, SSRC_B, 100, 104, tx1, rx, 102, &b2);
	CHECK(got == 21, "recv: SSRC A seq 65530..9 (ROC 1), then SSRC B 100..104: %d of 21 relayed",
	      got);
	CHECK(!v_send(&sd, a5, tx1, rx, false), "recv: a replay of A (parked) is refused");
	got = v_run(&sd, SSRC_A, 10, 14, tx1, rx, 0, NULL);
	CHECK(got == 5, "recv: A returns, seq 10..14 at ROC 1: %d of 5 relayed", got);
	CHECK(!v_send(&sd, b2, tx1, rx, false), "recv: a replay of B (now parked) is refused");
	fi = get(V_PORT);
	CHECK(fi.in_marks.count == 2 && fi.in_marks.ssrc[0].ssrc == SSRC_A &&
	      fi.in_marks.ssrc[0].index == ((1ull << 16) | 14) && fi.in_marks.ssrc[1].ssrc == SSRC_B &&
	      fi.in_marks.ssrc[1].index == 104 && fi.in_roc == 1 && fi.stats.replay == 2 &&
	      fi.stats.pkts_in == 26,
	      "recv: FLOW_GET in_marks: A ROC 1 seq 14, B 104 parked; replay %llu, pkts_in %llu",
	      (unsigned long long)fi.stats.replay, (unsigned long long)fi.stats.pkts_in);

	/* the party moves (port 2): F_REBIND, same keys */
	flow_msg(&m, V_PORT, XS_DP_SRC_LATCH, 0, XS_DP_FLOW_F_REBIND, ka, NULL);
	m.flow.out_suite = 1;
	CHECK(flow_req(XS_DP_MSG_FLOW_REPLACE, &m, sizeof(m)) == 0, "recv: FLOW_REPLACE F_REBIND");
	got = v_run(&sd, SSRC_A, 15, 19, tx2, rx, 0, NULL);
	fi = get(V_PORT);
	CHECK(got == 5 && fi.in_roc == 1 && fi.flow.peer.port == V_PORT + 302,
	      "recv: F_REBIND keeps the receive ROC: A at ROC 1 from its new port is relayed (%d), "
	      "in_roc %u, latched port %u", got, fi.in_roc, fi.flow.peer.port);

	/* it moves again (port 3) and changes SSRC; an old packet (B, at ROC 0)
	 * replayed from elsewhere first must neither take the latch nor lock the
	 * party out */
	CHECK(flow_req(XS_DP_MSG_FLOW_REPLACE, &m, sizeof(m)) == 0,
	      "recv: FLOW_REPLACE F_REBIND again");
	CHECK(!v_send(&sd, b2, tx4, rx, false), "recv: then a replay of B from a 4th port: refused");
	got = v_run(&sd, SSRC_C, 1, 5, tx3, rx, 0, NULL);
	fi = get(V_PORT);
	CHECK(got == 5 && fi.in_ssrc == SSRC_C && fi.flow.peer.port == V_PORT + 304,
	      "recv: and the party's new SSRC from its new port is relayed (%d), in_ssrc %#x, "
	      "latched port %u", got, fi.in_ssrc, fi.flow.peer.port);
	close(tx1);
	close(tx2);
	close(tx3);
	close(tx4);
	close(rx);
}

/* ------------------------------------------------------------ flow K */

/* Plain RTP (ssrc, seq) through K: the output's length, -1 when nothing came. */
static ssize_t k_hop(int tx, int rx, uint32_t ssrc, uint16_t seq, uint8_t *out, int ms)
{
	uint8_t b[256];

	return hop(tx, K_PORT, b, plain_rtp(b, ssrc, seq), rx, out, ms);
}

/* Does what K sent (n bytes) unprotect under keys k with receive stream rs? */
static bool k_decrypts(const struct xsk_ossl_keys *k, struct xsk_stream *rs, const uint8_t *out,
		       ssize_t n)
{
	uint8_t b[2048];
	uint32_t len = (uint32_t)n;

	if (n <= 0)
		return false;
	memcpy(b, out, (size_t)n);
	return xsk_unprotect(&xsk_ossl_ops, &k->keys, rs, b, &len, false) == XSK_OK;
}

/* The output's keys: new keys start a fresh send stream (ROC 0), keys it had
 * before others are refused with nothing changed, plain keys in between keep
 * the stream of the keys that come back. */
static void k_keys(const uint8_t *k1, const uint8_t *k2)
{
	struct xs_dp_flow_msg m;
	struct xs_dp_flow_info f0, fi;
	struct xs_dp_crypto c;
	struct xsk_ossl_keys r2;
	struct xsk_stream rs;
	int tx = udp_sock(K_PORT + 300), rx = udp_sock(K_PORT + 200), got = 0, code;
	uint8_t out[2048], b[256];
	ssize_t n;
	bool ok;

	crypto80(&c, k2);
	xsk_ossl_keys_new(&c, &r2);
	xsk_stream_init(&rs, 0);	/* a receiver with a fresh context for key 2 */
	flow_msg(&m, K_PORT, XS_DP_SRC_LATCH, 0, 0, NULL, k1);
	CHECK(flow_req(XS_DP_MSG_FLOW_ADD, &m, sizeof(m)) == 0,
	      "keys: FLOW_ADD plain in -> SDES (key 1) out");
	for (uint32_t q = 65530; q < 65536 + 4; q++)
		got += k_hop(tx, rx, SSRC_A, (uint16_t)q, out, WAIT_OK) > 0;
	fi = get(K_PORT);
	CHECK(got == 10 && fi.out_roc == 1, "keys: A seq 65530..3 relayed (%d), out_roc %u", got,
	      fi.out_roc);

	CHECK(keys_set(K_PORT, XS_DP_DIR_OUT, k2, 0, 0) == 0, "keys: KEYS_SET out key 2, no flag");
	fi = get(K_PORT);
	CHECK(fi.out_roc == 0 && marks_is(&fi.out_marks, 0, 0, 0, 0),
	      "keys: a new output key starts a fresh send stream (out_roc %u, %u marks)", fi.out_roc,
	      fi.out_marks.count);
	n = k_hop(tx, rx, SSRC_A, 4, out, WAIT_OK);
	fi = get(K_PORT);
	CHECK(k_decrypts(&r2, &rs, out, n) && marks_is(&fi.out_marks, 1, 0, SSRC_A, 4),
	      "keys: A seq 4 goes out at ROC 0: a fresh receiver of key 2 authenticates it");

	f0 = fi;
	code = keys_set_code(K_PORT, XS_DP_DIR_OUT, k1, 0, 0);
	CHECK(code == EINVAL && strstr(last_err.text, "already used"),
	      "keys: KEYS_SET out key 1 again (1 -> 2 -> 1): refused, EINVAL (%d)", code);
	flow_msg(&m, K_PORT, XS_DP_SRC_LATCH, 0, XS_DP_FLOW_F_RESET, NULL, k1);
	code = req_code(XS_DP_MSG_FLOW_REPLACE, &m, sizeof(m));
	CHECK(code == EINVAL, "keys: FLOW_REPLACE with output key 1 again: refused, EINVAL (%d)",
	      code);
	fi = get(K_PORT);
	n = k_hop(tx, rx, SSRC_A, 5, out, WAIT_OK);
	CHECK(!memcmp(&fi.out_marks, &f0.out_marks, sizeof(fi.out_marks)) &&
	      fi.stats.pkts_in == f0.stats.pkts_in && k_decrypts(&r2, &rs, out, n),
	      "keys: nothing changed: key 2 still protects A seq 5, after seq 4");

	/* key 2 -> plain -> key 2 (with RESET_STREAM): key 2's stream goes on */
	f0 = get(K_PORT);
	ok = keys_set(K_PORT, XS_DP_DIR_OUT, NULL, 0, 0) == 0;
	n = k_hop(tx, rx, SSRC_A, 6, out, WAIT_OK);
	fi = get(K_PORT);
	CHECK(ok && n == (ssize_t)plain_rtp(b, SSRC_A, 6) && !memcmp(out, b, (size_t)n) &&
	      !memcmp(&fi.out_marks, &f0.out_marks, sizeof(fi.out_marks)),
	      "keys: KEYS_SET out plain: A seq 6 goes out plain, the send stream is kept");
	ok = keys_set(K_PORT, XS_DP_DIR_OUT, k2, XS_DP_KEYS_F_RESET_STREAM, 0) == 0;
	fi = get(K_PORT);
	CHECK(ok && !memcmp(&fi.out_marks, &f0.out_marks, sizeof(fi.out_marks)),
	      "keys: KEYS_SET out key 2 again (RESET_STREAM): accepted, its stream as it was");
	CHECK(k_hop(tx, rx, SSRC_A, 5, out, WAIT_DROP) < 0,
	      "keys: A seq 5, sent under key 2 before, is not sent again");
	n = k_hop(tx, rx, SSRC_A, 7, out, WAIT_OK);
	CHECK(k_decrypts(&r2, &rs, out, n), "keys: A seq 7 goes on under key 2");
	xsk_ossl_keys_free(&r2);
	close(tx);
	close(rx);
}

/* ------------------------------------------------------------ flow C */

/* Another cookie is a new owner of the port (a call whose FLOW_DEL was lost
 * left the flow): nothing of the old call's receive side is taken over. A
 * FLOW_REPLACE aimed at a flow's RTCP port finds no flow. */
static void c_cookie(const uint8_t *ka, const uint8_t *kb)
{
	static struct sender sd;
	struct xs_dp_flow_msg m;
	struct xs_dp_flow_info f0, fi;
	int tx1 = udp_sock(C_PORT + 300), tx2 = udp_sock(C_PORT + 302);
	int rx = udp_sock(C_PORT + 200), got = 0, code;

	sender_init(&sd, ka);
	flow_msg(&m, C_PORT, XS_DP_SRC_LATCH, 0, 0, ka, kb);
	m.flow.cookie = 1;
	CHECK(flow_req(XS_DP_MSG_FLOW_ADD, &m, sizeof(m)) == 0, "cookie: FLOW_ADD, cookie 1");
	for (uint16_t q = 1; q <= 3; q++)
		got += s_send(&sd, sender_make(&sd, SSRC_X, q), false, tx1, C_PORT, rx, true, NULL);
	f0 = get(C_PORT);
	CHECK(got == 3 && f0.stats.pkts_in == 3 && f0.flow.peer.port == C_PORT + 300 &&
	      f0.in_marks.count == 1, "cookie: 3 packets relayed, latched, receive state");

	flow_msg(&m, C_PORT, XS_DP_SRC_LATCH, 0, 0, NULL, NULL);
	m.flow.in_suite = 1;
	m.flow.out_suite = 1;
	m.flow.cookie = 2;
	code = req_code(XS_DP_MSG_FLOW_REPLACE, &m, sizeof(m));
	CHECK(code == EINVAL, "cookie: FLOW_REPLACE, cookie 2, without input keys: refused (%d)",
	      code);
	flow_msg(&m, C_PORT, XS_DP_SRC_LATCH, 0, 0, ka, kb);
	m.flow.cookie = 2;
	CHECK(flow_req(XS_DP_MSG_FLOW_REPLACE, &m, sizeof(m)) == 0,
	      "cookie: FLOW_REPLACE, cookie 2, same keys, no flag");
	fi = get(C_PORT);
	CHECK(fi.flow.cookie == 2 && fi.stats.pkts_in == 0 && fi.stats.pkts_out == 0 &&
	      fi.stats.last_rx_ns == 0 && fi.flow.peer.family == 0 && fi.in_marks.count == 0 &&
	      !memcmp(&fi.out_marks, &f0.out_marks, sizeof(fi.out_marks)),
	      "cookie: as with F_RESET: counters, latch and receive state fresh (pkts_in %llu), "
	      "the send stream kept under its keys", (unsigned long long)fi.stats.pkts_in);
	CHECK(s_send(&sd, sender_make(&sd, SSRC_Y, 1), false, tx2, C_PORT, rx, true, NULL) &&
	      get(C_PORT).flow.peer.port == C_PORT + 302,
	      "cookie: the new call's party latches from its own port");

	flow_msg(&m, C_PORT + 1, XS_DP_SRC_LATCH, 0, 0, ka, kb);
	m.flow.cookie = 2;
	code = req_code(XS_DP_MSG_FLOW_REPLACE, &m, sizeof(m));
	fi = get(C_PORT);
	CHECK(code == ENOENT && fi.flow.local.port == C_PORT && fi.stats.pkts_in == 1,
	      "cookie: FLOW_REPLACE at the flow's RTCP port: ENOENT (%d), the flow untouched", code);
	close(tx1);
	close(tx2);
	close(rx);
}

/* LATCH_IP: only from the SDP address, any port; then only the latched one. */
static void l_latch_ip(void)
{
	struct xs_dp_flow_msg m;
	struct xs_dp_flow_info fi;
	int tx1 = udp_sock(L_PORT + 300), tx3 = udp_sock_ns(-1, LO4_2, L_PORT + 304);
	int tx4 = udp_sock_ns(-1, LO4_2, L_PORT + 306), rx = udp_sock(L_PORT + 200);
	uint8_t b[256], out[2048];
	uint32_t len = plain_rtp(b, SSRC_A, 1);
	bool ok;

	flow_msg(&m, L_PORT, XS_DP_SRC_LATCH_IP, LO4_2, 0, NULL, NULL);
	CHECK(tx3 >= 0 && flow_req(XS_DP_MSG_FLOW_ADD, &m, sizeof(m)) == 0,
	      "latch-ip: FLOW_ADD latching from 127.0.0.2 only");
	ok = hop(tx1, L_PORT, b, len, rx, out, WAIT_DROP) < 0;
	ok = ok && hop(tx3, L_PORT, b, len, rx, out, WAIT_OK) == len;
	ok = ok && hop(tx4, L_PORT, b, len, rx, out, WAIT_DROP) < 0;
	fi = get(L_PORT);
	CHECK(ok && fi.stats.drop_source == 2 && fi.flow.peer.addr[3] == 2 &&
	      fi.flow.peer.port == L_PORT + 304,
	      "latch-ip: 127.0.0.1 dropped, 127.0.0.2 latched (port %u), its other port dropped",
	      fi.flow.peer.port);
	/* the peer moves to 127.0.0.1 without F_REBIND: a latch from its old
	 * address no longer counts */
	flow_msg(&m, L_PORT, XS_DP_SRC_LATCH_IP, LO4, 0, NULL, NULL);
	ok = flow_req(XS_DP_MSG_FLOW_REPLACE, &m, sizeof(m)) == 0;
	ok = ok && get(L_PORT).flow.peer.family == 0;
	ok = ok && hop(tx1, L_PORT, b, len, rx, out, WAIT_OK) == len;
	fi = get(L_PORT);
	CHECK(ok && fi.flow.peer.addr[3] == 1 && fi.flow.peer.port == L_PORT + 300,
	      "latch-ip: the peer moved to 127.0.0.1 (no F_REBIND): the old latch does not count, "
	      "127.0.0.1 latches (port %u)", fi.flow.peer.port);
	close(tx1);
	close(tx3);
	close(tx4);
	close(rx);
}

int stream_main(int argc, char **argv)
{
	static struct sender sd;
	uint8_t ka[30], kb[30], kc[30], kd[30], ke[30];
	struct xs_dp_flow_msg m;
	struct xs_dp_marks mk;
	struct pctx c;
	int tx1, tx2, rx;

	/* kmod_vm_test stream MODULE KEYA KEYB */
	if (argc != 5 || unhex(argv[3], ka, 30) || unhex(argv[4], kb, 30)) {
		fprintf(stderr, "usage: kmod_vm_test stream MODULE KEYA KEYB\n");
		return 2;
	}
	for (int i = 0; i < 30; i++) {
		kc[i] = (uint8_t)(ka[i] ^ kb[i] ^ 0x3c);
		kd[i] = (uint8_t)(ka[i] ^ 0x11);
		ke[i] = (uint8_t)(kb[i] ^ 0x22);
	}
	ns_root = open("/proc/self/ns/net", O_RDONLY);
	CHECK(ctl_open() == 0, "stream: /dev/xsrelay, HELLO");
	c.tx = udp_sock(P_PORT + 300);
	c.txc = udp_sock(P_PORT + 301);
	c.rx = udp_sock(P_PORT + 200);
	c.rxc = udp_sock(P_PORT + 201);
	flow_msg(&m, P_PORT, XS_DP_SRC_LATCH, 0, 0, NULL, kb);
	CHECK(c.tx >= 0 && c.rxc >= 0 && flow_req(XS_DP_MSG_FLOW_ADD, &m, sizeof(m)) == 0,
	      "stream: FLOW_ADD plain RTP in, SDES (key B) out");

	p_before_reload(&c);
	if (!p_reload(argv[2], &mk))
		p_after_reload(&c, kb, &mk);
	printf("XSK-ST-N %d %d\n", n_st_rtp, n_st_rtcp);

	tx1 = udp_sock(S_PORT + 300);
	tx2 = udp_sock(S_PORT + 302);
	rx = udp_sock(S_PORT + 200);
	sender_init(&sd, ka);
	flow_msg(&m, S_PORT, XS_DP_SRC_LATCH, 0, 0, ka, kb);
	CHECK(flow_req(XS_DP_MSG_FLOW_ADD, &m, sizeof(m)) == 0,
	      "stream S: FLOW_ADD SDES (key A) in, SDES (key B) out");
	s_last_rx(&sd, tx1, tx2, rx);
	s_rebind(&sd, ka, tx1, tx2, rx);
	s_reset(&sd, ka, kb, kc, tx2, rx);
	printf("XSK-SS-N %d\n", n_ss_rtp);
	r_relatch(ka, kb);
	l_latch_ip();
	v_recv(ka, kb);
	k_keys(kd, ke);
	c_cookie(ka, kb);
	/* the flows are left for the unload test in /init */
	printf("XSRELAY-KMOD-STREAM-RESULT: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
