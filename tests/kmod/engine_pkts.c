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
 *   engine_pkts uniq SPEC KEYHEX RECV_IN MIN_RTP MIN_RTCP
 *       The output of one send stream (RTP and SRTCP mixed, several SSRCs, a
 *       module reload in between): every packet must unprotect under
 *       SPEC/KEYHEX, RTP with one receive stream per SSRC (so across a ROC
 *       wrap the receiver's ROC is the judge), each RTP packet's index above
 *       every earlier one of its SSRC and each SRTCP index above every earlier
 *       one: no (SSRC, index) is there twice. At least MIN_RTP and MIN_RTCP.
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

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The SRTCP tag length of SPEC: 10 for sdes80; x-sipura's default profile 4. */
static uint32_t srtcp_tag_len(const char *spec)
{
	return strcmp(spec, "sdes80") ? 4 : 10;
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

#define UNIQ_SSRCS 16

static int uniq(char **a)
{
	static struct rec recv[MAX_PKTS];
	static struct xs_srtp_stream rs[UNIQ_SSRCS];
	struct xs_srtp_keys *k = keys_of(a[0], a[1]);
	struct xs_srtp_stream rtcp;
	uint32_t ssrcs[UNIQ_SSRCS], last_rtcp = 0;
	int nr = load(a[2], recv), nrtp = 0, nrtcp = 0, ns = 0;

	if (nr < 0) {
		printf("cannot read %s\n", a[2]);
		return 1;
	}
	xs_srtp_stream_init(&rtcp, XS_SRTP_MAX_WINDOW);
	for (int i = 0; i < nr; i++) {
		uint8_t b[2048];
		uint32_t len = recv[i].len, ssrc, idx;
		int is_rtcp = len >= 2 && recv[i].b[1] >= 192 && recv[i].b[1] <= 223, j, st;
		struct xs_srtp_stream *s = &rtcp;
		uint64_t before = 0;
		bool had = false;

		memcpy(b, recv[i].b, len);
		if (!is_rtcp) {
			ssrc = len >= 12 ? (uint32_t)b[8] << 24 | b[9] << 16 | b[10] << 8 | b[11] : 0;
			for (j = 0; j < ns && ssrcs[j] != ssrc; j++)
				;
			if (j == ns && ns < UNIQ_SSRCS) {
				ssrcs[ns] = ssrc;
				xs_srtp_stream_init(&rs[ns++], XS_SRTP_MAX_WINDOW);
			}
			if (j == UNIQ_SSRCS) {
				printf("packet %d: more than %d SSRCs\n", i, UNIQ_SSRCS);
				return 1;
			}
			s = &rs[j];
			had = s->have_ssrc;
			before = s->rtp.index;
		}
		st = unprotect(k, s, b, &len, is_rtcp);
		if (st != XS_SRTP_OK) {
			printf("%s packet %d (len %u): %s\n", is_rtcp ? "SRTCP" : "RTP", i, recv[i].len,
			       xs_srtp_status_name((enum xs_srtp_status)st));
			return 1;
		}
		if (is_rtcp) {
			/* the E flag and index precede the tag */
			idx = be32_at(recv[i].b + recv[i].len - 4 - srtcp_tag_len(a[0])) & 0x7fffffffu;
			if (idx <= last_rtcp) {
				printf("SRTCP packet %d: index %u not above %u\n", i, idx, last_rtcp);
				return 1;
			}
			last_rtcp = idx;
			nrtcp++;
		} else {
			if (had && s->rtp.index <= before) {
				printf("RTP packet %d: SSRC %#x index %#llx not above %#llx\n", i,
				       s->ssrc, (unsigned long long)s->rtp.index,
				       (unsigned long long)before);
				return 1;
			}
			nrtp++;
		}
	}
	if (nrtp < atoi(a[3]) || nrtcp < atoi(a[4])) {
		printf("only %d RTP and %d SRTCP packets (want %s and %s)\n", nrtp, nrtcp, a[3],
		       a[4]);
		return 1;
	}
	printf("ok %d RTP (%d SSRCs", nrtp, ns);
	for (int j = 0; j < ns; j++)
		printf(", %#x at ROC %u", ssrcs[j], xs_srtp_stream_roc(&rs[j]));
	printf("), %d SRTCP (last index %u)\n", nrtcp, last_rtcp);
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
	if (argc == 7 && !strcmp(argv[1], "uniq"))
		return uniq(argv + 2);
	fprintf(stderr, "usage: engine_pkts gen SPEC KEY rtp|rtcp N SSRC PLAIN OUT\n"
			"       engine_pkts check SPEC KEY WSPEC WKEY rtp|rtcp PLAIN RECV MIN\n"
			"       engine_pkts uniq SPEC KEY RECV MIN_RTP MIN_RTCP\n");
	return 2;
}
