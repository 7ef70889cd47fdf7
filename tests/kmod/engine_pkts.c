/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host-side helper for tests/kmod/run-qemu.sh, built from the project's SRTP
 * engine (dataplane/srtp, intel-ipsec-mb): an implementation independent of
 * the module's kmod/xsk_srtp.c, and the only one here that speaks x-sipura.
 *
 *   engine_pkts gen SPEC KEYHEX KIND N SSRC PLAIN_OUT PROT_OUT
 *       N packets, written as they are (PLAIN_OUT) and protected under KEYHEX
 *       (PROT_OUT). KIND rtp: 12-byte header + 160 bytes of a per-packet
 *       pattern, sequence numbers 2000..; KIND rtcp: a 28-byte SR whose body
 *       carries the packet number.
 *   engine_pkts check SPEC KEYHEX WSPEC WKEYHEX KIND PLAIN_IN RECV_IN MIN
 *       Every packet in RECV_IN must unprotect under SPEC/KEYHEX (one receive
 *       stream: replay protection rejects duplicates) to one of the packets of
 *       PLAIN_IN, each at most once, and must NOT unprotect under WSPEC/WKEYHEX
 *       (a fresh stream per packet); at least MIN packets. "ok N" or what
 *       failed (exit 1).
 *
 * SPEC: sdes80 (AES_CM_128_HMAC_SHA1_80; KEYHEX 60 digits: key 16, salt 14) or
 * xsipura (x-sipura, xs_xsipura_profile_default: AES-128-CM, HMAC-MD5 4-byte
 * tag, RFC 3711 KDF, SRTCP encrypted; KEYHEX 64 digits: key 16, salt 16).
 * Files: records of a 2-byte big-endian length and the packet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_srtp.h"

#define MAX_PKTS 4096
#define SEQ0 2000

struct rec {
	uint16_t len;
	uint8_t b[2048];
};

static struct xs_srtp_engine *eng;

static struct xs_srtp_keys *keys_of(const char *spec, const char *hex)
{
	struct xs_srtp_policy pol;
	struct xs_srtp_keys *k = NULL;
	uint8_t raw[32];
	size_t n = strlen(hex) / 2;

	memset(&pol, 0, sizeof(pol));
	if (!strcmp(spec, "sdes80")) {
		pol.suite = XS_SUITE_AES_CM_128_HMAC_SHA1_80;
		pol.key_len = 16;
		pol.salt_len = 14;
	} else if (!strcmp(spec, "xsipura")) {
		pol.suite = XS_SUITE_XSIPURA;
		pol.key_len = 16;
		pol.salt_len = 16;
		xs_xsipura_profile_default(&pol.xsipura);
	} else {
		fprintf(stderr, "engine_pkts: unknown spec %s\n", spec);
		exit(2);
	}
	if (strlen(hex) != 2u * (pol.key_len + pol.salt_len) || n > sizeof(raw)) {
		fprintf(stderr, "engine_pkts: %s wants %u hex digits\n", spec,
			2u * (pol.key_len + pol.salt_len));
		exit(2);
	}
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			exit(2);
		raw[i] = (uint8_t)v;
	}
	memcpy(pol.master_key, raw, pol.key_len);
	memcpy(pol.master_salt, raw + pol.key_len, pol.salt_len);
	if (xs_srtp_keys_create(&pol, &k)) {
		fprintf(stderr, "engine_pkts: keys_create failed for %s\n", spec);
		exit(2);
	}
	return k;
}

static int load(const char *path, struct rec *r)
{
	FILE *f = fopen(path, "rb");
	uint8_t lb[2];
	int n = 0;

	if (!f)
		return -1;
	while (n < MAX_PKTS && fread(lb, 1, 2, f) == 2) {
		r[n].len = (uint16_t)(lb[0] << 8 | lb[1]);
		if (r[n].len > sizeof(r[n].b) || fread(r[n].b, 1, r[n].len, f) != r[n].len)
			break;
		n++;
	}
	fclose(f);
	return n;
}

static void put(FILE *f, const uint8_t *b, uint32_t len)
{
	uint8_t lb[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	fwrite(lb, 1, 2, f);
	fwrite(b, 1, len, f);
}

/* 0 when pkt unprotects under k with stream s (pkt is modified, *len set) */
static int unprotect(struct xs_srtp_keys *k, struct xs_srtp_stream *s, uint8_t *pkt,
		     uint32_t *len, int rtcp)
{
	struct xs_srtp_xform x = { k, s };
	struct xs_srtp_op op = { .pkt = pkt, .len = *len, .room = 2048, .in = &x,
				 .rtcp = (uint8_t)rtcp };

	xs_srtp_burst(eng, &op, 1);
	*len = op.len;
	return op.status;
}

static int gen(char **a)
{
	struct xs_srtp_keys *k = keys_of(a[0], a[1]);
	int rtcp = !strcmp(a[2], "rtcp"), n = atoi(a[3]);
	uint32_t ssrc = (uint32_t)strtoul(a[4], NULL, 0);
	FILE *fp = fopen(a[5], "wb"), *fo = fopen(a[6], "wb");
	struct xs_srtp_stream s;
	struct xs_srtp_xform x = { k, &s };

	if (!fp || !fo || n <= 0 || n > MAX_PKTS)
		return 2;
	xs_srtp_stream_init(&s, 0);
	for (int i = 0; i < n; i++) {
		uint8_t p[2048];
		uint32_t len;

		memset(p, 0, 64);
		p[0] = 0x80;
		if (rtcp) {
			p[1] = 200; /* SR, 7 words */
			p[3] = 6;
			p[4] = (uint8_t)(ssrc >> 24);
			p[5] = (uint8_t)(ssrc >> 16);
			p[6] = (uint8_t)(ssrc >> 8);
			p[7] = (uint8_t)ssrc;
			for (int j = 8; j < 28; j++)
				p[j] = (uint8_t)(j * 3 + i);
			p[26] = (uint8_t)(i >> 8);
			p[27] = (uint8_t)i;
			len = 28;
		} else {
			uint16_t seq = (uint16_t)(SEQ0 + i);

			p[1] = 0;
			p[2] = (uint8_t)(seq >> 8);
			p[3] = (uint8_t)seq;
			p[7] = (uint8_t)(i * 160);
			p[8] = (uint8_t)(ssrc >> 24);
			p[9] = (uint8_t)(ssrc >> 16);
			p[10] = (uint8_t)(ssrc >> 8);
			p[11] = (uint8_t)ssrc;
			for (int j = 0; j < 160; j++)
				p[12 + j] = (uint8_t)(j * 7 + i);
			len = 172;
		}
		put(fp, p, len);
		struct xs_srtp_op op = { .pkt = p, .len = len, .room = sizeof(p), .out = &x,
					 .rtcp = (uint8_t)rtcp };
		xs_srtp_burst(eng, &op, 1);
		if (op.status != XS_SRTP_OK) {
			fprintf(stderr, "engine_pkts: protect: %s\n",
				xs_srtp_status_name((enum xs_srtp_status)op.status));
			return 1;
		}
		put(fo, p, op.len);
	}
	fclose(fp);
	fclose(fo);
	xs_srtp_keys_free(k);
	return 0;
}

static int check(char **a)
{
	static struct rec plain[MAX_PKTS], recv[MAX_PKTS];
	static uint8_t used[MAX_PKTS];
	struct xs_srtp_keys *k = keys_of(a[0], a[1]), *w = keys_of(a[2], a[3]);
	int rtcp = !strcmp(a[4], "rtcp"), min = atoi(a[7]);
	int np = load(a[5], plain), nr = load(a[6], recv), good = 0;
	struct xs_srtp_stream s;

	if (np <= 0 || nr < 0) {
		printf("cannot read %s or %s\n", a[5], a[6]);
		return 1;
	}
	xs_srtp_stream_init(&s, 0);
	for (int i = 0; i < nr; i++) {
		uint8_t b[2048];
		uint32_t len = recv[i].len;
		struct xs_srtp_stream ws;
		int st, found = -1;

		memcpy(b, recv[i].b, len);
		xs_srtp_stream_init(&ws, 0);
		if (unprotect(w, &ws, b, &len, rtcp) == XS_SRTP_OK) {
			printf("packet %d unprotects under the wrong key (%s)\n", i, a[2]);
			return 1;
		}
		len = recv[i].len;
		memcpy(b, recv[i].b, len);
		st = unprotect(k, &s, b, &len, rtcp);
		if (st != XS_SRTP_OK) {
			printf("packet %d (len %u): %s under %s\n", i, recv[i].len,
			       xs_srtp_status_name((enum xs_srtp_status)st), a[0]);
			return 1;
		}
		for (int j = 0; j < np && found < 0; j++)
			if (!used[j] && plain[j].len == len && !memcmp(plain[j].b, b, len))
				found = j;
		if (found < 0) {
			printf("packet %d decrypts to nothing that was sent\n", i);
			return 1;
		}
		used[found] = 1;
		good++;
	}
	if (good < min) {
		printf("only %d packets (want %d)\n", good, min);
		return 1;
	}
	printf("ok %d\n", good);
	return 0;
}

int main(int argc, char **argv)
{
	eng = xs_srtp_engine_create();
	if (!eng) {
		fprintf(stderr, "engine_pkts: no engine\n");
		return 2;
	}
	if (argc == 9 && !strcmp(argv[1], "gen"))
		return gen(argv + 2);
	if (argc == 10 && !strcmp(argv[1], "check"))
		return check(argv + 2);
	fprintf(stderr, "usage: engine_pkts gen SPEC KEY rtp|rtcp N SSRC PLAIN OUT\n"
			"       engine_pkts check SPEC KEY WSPEC WKEY rtp|rtcp PLAIN RECV MIN\n");
	return 2;
}
