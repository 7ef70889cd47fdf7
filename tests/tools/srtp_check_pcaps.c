/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crafted captures for srtp-check's own test (test_srtp_check.sh): a sender made
 * with libsrtp2 writes Ethernet/IP/UDP frames with pcap_dump, 20 ms apart.
 *
 *   srtp-check-pcaps DIR     writes DIR/<scenario>.pcap for every scenario below
 *
 * The relay is 10.9.0.1; destinations 10.9.0.2:4000 (RTP) and :4001 (RTCP) under
 * KEY1, 10.9.0.3:4000 under KEY2, [2001:db8::2]:4000 under KEY2. The keys are the
 * test's constants (KEY1, KEY2, KEY3 in test_srtp_check.sh).
 *
 *   clean       SSRC A from seq 65500 across a wrap, SRTCP every 10th packet,
 *               then SSRC B, then A again (continuing); the same SSRC and
 *               sequence numbers under KEY2 to two other destinations
 *   restart     the wrap, then a restarted sender under the same key: the
 *               SRTCP index starts again at 1, RTP goes back to ROC 0
 *   rtp_repeat  SSRC A 1000..1049, then a fresh sender re-sends 1040..1059
 *               under the same key (other payloads): 10 RTP repeats
 *   duplicate   the clean run with one SRTP packet sent twice, byte for byte
 *   gap         50 packets, 1.5 s of silence, 50 packets
 *   forged      a clean stream with 5 packets of bad tags and 5 under a foreign
 *               key between packets 20 and 30 (at t = 0.4 .. 0.6 s)
 *   rekey       SSRC A under KEY1, then under KEY3 from the same index again
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>
#include <srtp2/srtp.h>

static const uint8_t key1[30] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
				  0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13,
				  0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d };
static const uint8_t key2[30] = { 0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69,
				  0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f, 0x01, 0x02, 0x03, 0x04,
				  0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e };
static const uint8_t key3[30] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7,
				  0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c, 0xf0, 0xf1, 0xf2, 0xf3,
				  0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd };

#define SSRC_A 0x11111111u
#define SSRC_B 0x22222222u
#define STEP_US 20000

struct out {
	pcap_t *dead;
	pcap_dumper_t *d;
	uint64_t t_us; /* the next packet's time */
	uint32_t salt; /* varies the payloads */
};

struct dst {
	bool v6;
	const char *ip;
	uint16_t port;
};

static const struct dst D1 = { false, "10.9.0.2", 4000 }, D1C = { false, "10.9.0.2", 4001 },
			D2 = { false, "10.9.0.3", 4000 }, D6 = { true, "2001:db8::2", 4000 };

static void die(const char *what)
{
	fprintf(stderr, "srtp-check-pcaps: %s\n", what);
	exit(2);
}

static srtp_t sender(const uint8_t *key)
{
	srtp_policy_t pol;
	srtp_t s;

	memset(&pol, 0, sizeof(pol));
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
	pol.key = (uint8_t *)key;
	pol.ssrc.type = ssrc_any_outbound;
	pol.window_size = 1024;
	if (srtp_create(&s, &pol) != srtp_err_status_ok)
		die("srtp_create");
	return s;
}

static void out_open(struct out *o, const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.pcap", dir, name);
	o->dead = pcap_open_dead(DLT_EN10MB, 65535);
	o->d = pcap_dump_open(o->dead, path);
	if (!o->d)
		die(path);
	o->t_us = 1700000000ull * 1000000;
	o->salt = 0;
}

static void out_close(struct out *o)
{
	pcap_dump_close(o->d);
	pcap_close(o->dead);
}

/* Writes one UDP datagram from the relay to dst, at the current time. */
static void emit(struct out *o, const struct dst *dst, const uint8_t *p, unsigned len)
{
	uint8_t f[2048] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	unsigned ip = dst->v6 ? 40 : 20, off = 14 + ip;
	struct pcap_pkthdr h;

	f[12] = dst->v6 ? 0x86 : 0x08;
	f[13] = dst->v6 ? 0xdd : 0x00;
	if (dst->v6) {
		f[14] = 0x60;
		f[18] = (uint8_t)((len + 8) >> 8);
		f[19] = (uint8_t)(len + 8);
		f[20] = 17;
		f[21] = 64;
		inet_pton(AF_INET6, "2001:db8::1", f + 22);
		inet_pton(AF_INET6, dst->ip, f + 38);
	} else {
		f[14] = 0x45;
		f[16] = (uint8_t)((len + 28) >> 8);
		f[17] = (uint8_t)(len + 28);
		f[22] = 64;
		f[23] = 17;
		inet_pton(AF_INET, "10.9.0.1", f + 26);
		inet_pton(AF_INET, dst->ip, f + 30);
	}
	f[off] = 30000 >> 8;
	f[off + 1] = 30000 & 0xff;
	f[off + 2] = (uint8_t)(dst->port >> 8);
	f[off + 3] = (uint8_t)dst->port;
	f[off + 4] = (uint8_t)((len + 8) >> 8);
	f[off + 5] = (uint8_t)(len + 8);
	memcpy(f + off + 8, p, len);
	h.ts.tv_sec = (time_t)(o->t_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(o->t_us % 1000000);
	h.caplen = h.len = off + 8 + len;
	pcap_dump((u_char *)o->d, &h, f);
	o->t_us += STEP_US;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* One RTP packet (PCMU, 160 bytes) protected by s, written to dst. */
static void rtp(struct out *o, srtp_t s, const struct dst *dst, uint32_t ssrc, uint16_t seq)
{
	uint8_t p[2048] = { 0x80, 0x00 };
	int len = 172;

	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	put32(p + 4, (uint32_t)seq * 160);
	put32(p + 8, ssrc);
	for (int i = 12; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seq + o->salt);
	o->salt += 13;
	if (srtp_protect(s, p, &len) != srtp_err_status_ok)
		die("srtp_protect");
	emit(o, dst, p, (unsigned)len);
}

/* One sender report protected by s (the sender's next SRTCP index). */
static void rtcp(struct out *o, srtp_t s, const struct dst *dst, uint32_t ssrc)
{
	uint8_t p[2048] = { 0x80, 200, 0, 6 };
	int len = 28;

	put32(p + 4, ssrc);
	for (int i = 8; i < len; i++)
		p[i] = (uint8_t)(i + o->salt);
	o->salt += 29;
	if (srtp_protect_rtcp(s, p, &len) != srtp_err_status_ok)
		die("srtp_protect_rtcp");
	emit(o, dst, p, (unsigned)len);
}

/* n packets of ssrc from seq on, an SRTCP report after every 10th. */
static uint16_t run(struct out *o, srtp_t s, const struct dst *d, uint32_t ssrc, uint16_t seq,
		    unsigned n)
{
	for (unsigned i = 0; i < n; i++, seq++) {
		rtp(o, s, d, ssrc, seq);
		if (i % 10 == 9 && d == &D1)
			rtcp(o, s, &D1C, ssrc);
	}
	return seq;
}

static void clean(const char *dir, bool dup)
{
	struct out o;
	srtp_t s = sender(key1), s2 = sender(key2), s6 = sender(key2);
	uint16_t a;

	out_open(&o, dir, dup ? "duplicate" : "clean");
	for (unsigned i = 0; i < 12; i++) { /* the same SSRC and indices under another key */
		a = run(&o, s, &D1, SSRC_A, (uint16_t)(65500 + 10 * i), 10);
		run(&o, s2, &D2, SSRC_A, (uint16_t)(65500 + 10 * i), 10);
		run(&o, s6, &D6, SSRC_A, (uint16_t)(65500 + 10 * i), 10);
	}
	run(&o, s, &D1, SSRC_B, 3000, 40);
	if (dup) {
		uint8_t p[2048] = { 0x80, 0x00 };
		int len = 172;

		put32(p + 8, SSRC_A);
		p[2] = (uint8_t)(a >> 8);
		p[3] = (uint8_t)a;
		if (srtp_protect(s, p, &len) != srtp_err_status_ok)
			die("srtp_protect");
		emit(&o, &D1, p, (unsigned)len);
		emit(&o, &D1, p, (unsigned)len);
		a++;
	}
	run(&o, s, &D1, SSRC_A, a, 40);
	srtp_dealloc(s);
	srtp_dealloc(s2);
	srtp_dealloc(s6);
	out_close(&o);
}

static void restart(const char *dir)
{
	struct out o;
	srtp_t s = sender(key1);
	uint16_t a;

	out_open(&o, dir, "restart");
	a = run(&o, s, &D1, SSRC_A, 65500, 200);
	srtp_dealloc(s);
	o.t_us += 800000; /* the restart */
	s = sender(key1);
	run(&o, s, &D1, SSRC_A, a, 100);
	srtp_dealloc(s);
	out_close(&o);
}

static void rtp_repeat(const char *dir)
{
	struct out o;
	srtp_t s = sender(key1);

	out_open(&o, dir, "rtp_repeat");
	for (uint16_t q = 1000; q < 1050; q++)
		rtp(&o, s, &D1, SSRC_A, q);
	srtp_dealloc(s);
	s = sender(key1);
	for (uint16_t q = 1040; q < 1060; q++)
		rtp(&o, s, &D1, SSRC_A, q);
	srtp_dealloc(s);
	out_close(&o);
}

static void gap(const char *dir)
{
	struct out o;
	srtp_t s = sender(key1);
	uint16_t a;

	out_open(&o, dir, "gap");
	a = run(&o, s, &D1, SSRC_A, 100, 50);
	o.t_us += 1500000 - STEP_US;
	run(&o, s, &D1, SSRC_A, a, 50);
	srtp_dealloc(s);
	out_close(&o);
}

static void forged(const char *dir)
{
	struct out o;
	srtp_t s = sender(key1), foreign = sender(key3);

	out_open(&o, dir, "forged");
	for (uint16_t q = 100; q < 160; q++) {
		if (q >= 120 && q < 125) { /* a bad tag: the last byte flipped */
			uint8_t p[2048] = { 0x80, 0x00 };
			int len = 172;
			p[2] = (uint8_t)(q >> 8);
			p[3] = (uint8_t)q;
			put32(p + 8, SSRC_A);
			srtp_t tmp = sender(key1);
			if (srtp_protect(tmp, p, &len) != srtp_err_status_ok)
				die("srtp_protect");
			srtp_dealloc(tmp);
			p[len - 1] ^= 0x5a;
			emit(&o, &D1, p, (unsigned)len);
		} else if (q >= 125 && q < 130) {
			rtp(&o, foreign, &D1, SSRC_A, (uint16_t)(q + 1000));
		}
		rtp(&o, s, &D1, SSRC_A, q);
	}
	srtp_dealloc(s);
	srtp_dealloc(foreign);
	out_close(&o);
}

static void rekey(const char *dir)
{
	struct out o;
	srtp_t s = sender(key1);

	out_open(&o, dir, "rekey");
	run(&o, s, &D1, SSRC_A, 500, 50);
	srtp_dealloc(s);
	s = sender(key3);
	run(&o, s, &D1, SSRC_A, 500, 50);
	srtp_dealloc(s);
	out_close(&o);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: srtp-check-pcaps DIR\n");
		return 2;
	}
	if (srtp_init() != srtp_err_status_ok)
		return 2;
	clean(argv[1], false);
	clean(argv[1], true);
	restart(argv[1]);
	rtp_repeat(argv[1]);
	gap(argv[1]);
	forged(argv[1]);
	rekey(argv[1]);
	return 0;
}
