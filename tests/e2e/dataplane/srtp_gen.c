/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libsrtp2 helper for the end-to-end test (the reference, never the relay's
 * engine):
 *
 *   srtp_gen gen SUITE KEYHEX N SSRC PLAIN_OUT SRTP_OUT
 *       N RTP packets (12-byte header + 160 bytes of a per-packet pattern),
 *       sequence numbers 1000.., written as they are (PLAIN_OUT) and protected
 *       under KEYHEX (SRTP_OUT).
 *   srtp_gen check SUITE_B KEYHEX_B SUITE_A KEYHEX_A PLAIN_IN RECV_IN MIN
 *       Every packet in RECV_IN must unprotect under key B to the original with
 *       its sequence number, and must NOT unprotect under key A; no duplicates;
 *       at least MIN packets. Prints "ok N" or what failed (exit 1).
 *   srtp_gen decrypts SUITE_B KEYHEX_B SUITE_A KEYHEX_A RECV_IN MIN
 *       Like check, for packets whose plaintext is not known (a capture): each
 *       must unprotect under key B and not under key A; at least MIN of them.
 *
 * SUITE: 80 (AES_CM_128_HMAC_SHA1_80) or 32 (AES_CM_128_HMAC_SHA1_32).
 * KEYHEX: 60 hex digits, master key (16) then salt (14).
 * Files: records of a 2-byte big-endian length and the packet.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#define MAX_PKTS 65536
#define RTP_LEN 172
#define SEQ0 1000

struct rec {
	uint16_t len;
	uint8_t b[2048];
};

static int parse_key(const char *hex, uint8_t key[30])
{
	if (strlen(hex) != 60)
		return -1;
	for (int i = 0; i < 30; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		key[i] = (uint8_t)v;
	}
	return 0;
}

static int session(const char *suite, const char *hex, bool inbound, srtp_t *s)
{
	srtp_policy_t pol;
	uint8_t key[30];

	memset(&pol, 0, sizeof(pol));
	if (parse_key(hex, key))
		return -1;
	if (!strcmp(suite, "80"))
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
	else if (!strcmp(suite, "32"))
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
	else
		return -1;
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
	pol.key = key;
	pol.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	pol.window_size = 1024;
	return srtp_create(s, &pol) == srtp_err_status_ok ? 0 : -1;
}

static int write_rec(FILE *f, const uint8_t *b, unsigned len)
{
	uint8_t h[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	return fwrite(h, 2, 1, f) == 1 && fwrite(b, len, 1, f) == 1 ? 0 : -1;
}

/* Reads up to max records; returns the count, -1 on a malformed file. */
static long read_recs(const char *path, struct rec *r, long max)
{
	FILE *f = fopen(path, "rb");
	uint8_t h[2];
	long n = 0;

	if (!f)
		return -1;
	while (n < max && fread(h, 2, 1, f) == 1) {
		r[n].len = (uint16_t)(h[0] << 8 | h[1]);
		if (r[n].len > sizeof(r[n].b) || fread(r[n].b, r[n].len, 1, f) != 1) {
			fclose(f);
			return -1;
		}
		n++;
	}
	fclose(f);
	return n;
}

static int gen(char **av)
{
	unsigned long n = strtoul(av[2], NULL, 10);
	uint32_t ssrc = (uint32_t)strtoul(av[3], NULL, 0);
	FILE *fp = fopen(av[4], "wb"), *fs = fopen(av[5], "wb");
	uint8_t pkt[2048];
	srtp_t s;

	if (!fp || !fs || n == 0 || n > MAX_PKTS || session(av[0], av[1], false, &s)) {
		fprintf(stderr, "srtp_gen: bad arguments\n");
		return 2;
	}
	for (unsigned long i = 0; i < n; i++) {
		uint16_t seq = (uint16_t)(SEQ0 + i);
		uint32_t ts = (uint32_t)(i * 160);
		int len = RTP_LEN;

		pkt[0] = 0x80;
		pkt[1] = 0;
		pkt[2] = (uint8_t)(seq >> 8);
		pkt[3] = (uint8_t)seq;
		for (int k = 0; k < 4; k++) {
			pkt[4 + k] = (uint8_t)(ts >> (24 - 8 * k));
			pkt[8 + k] = (uint8_t)(ssrc >> (24 - 8 * k));
		}
		for (int k = 12; k < RTP_LEN; k++)
			pkt[k] = (uint8_t)(k * 13 + i * 7);
		if (write_rec(fp, pkt, RTP_LEN))
			return 2;
		if (srtp_protect(s, pkt, &len) != srtp_err_status_ok || write_rec(fs, pkt, (unsigned)len))
			return 2;
	}
	srtp_dealloc(s);
	return fclose(fp) || fclose(fs) ? 2 : 0;
}

static int check(char **av)
{
	static struct rec orig[MAX_PKTS], got[MAX_PKTS];
	static bool seen[MAX_PKTS];
	long no = read_recs(av[4], orig, MAX_PKTS), ng = read_recs(av[5], got, MAX_PKTS);
	long min = strtol(av[6], NULL, 10), ok = 0;
	srtp_t sb, sa;

	if (no <= 0 || ng < 0 || session(av[0], av[1], true, &sb)) {
		fprintf(stderr, "check: bad arguments or files\n");
		return 2;
	}
	for (long i = 0; i < ng; i++) {
		uint8_t tmp[2048];
		int len = got[i].len, len_a = got[i].len;
		long idx;

		/* Not under key A: a fresh session for each packet, so the
		 * refusal is the key's, not the replay window's. */
		memcpy(tmp, got[i].b, got[i].len);
		if (session(av[2], av[3], true, &sa))
			return 2;
		if (srtp_unprotect(sa, tmp, &len_a) == srtp_err_status_ok) {
			printf("FAIL packet %ld decrypts under key A\n", i);
			return 1;
		}
		srtp_dealloc(sa);
		if (srtp_unprotect(sb, got[i].b, &len) != srtp_err_status_ok) {
			printf("FAIL packet %ld does not decrypt under key B\n", i);
			return 1;
		}
		idx = (long)(uint16_t)(got[i].b[2] << 8 | got[i].b[3]) - SEQ0;
		if (idx < 0 || idx >= no || seen[idx]) {
			printf("FAIL packet %ld: unexpected or duplicate sequence %ld\n", i, idx + SEQ0);
			return 1;
		}
		if (len != orig[idx].len || memcmp(got[i].b, orig[idx].b, (size_t)len)) {
			printf("FAIL packet %ld (seq %ld) differs from the original\n", i, idx + SEQ0);
			return 1;
		}
		seen[idx] = true;
		ok++;
	}
	srtp_dealloc(sb);
	if (ok < min) {
		printf("FAIL only %ld of %ld packets arrived (want %ld)\n", ok, no, min);
		return 1;
	}
	printf("ok %ld of %ld\n", ok, no);
	return 0;
}

static int decrypts(char **av)
{
	static struct rec got[MAX_PKTS];
	long ng = read_recs(av[4], got, MAX_PKTS), min = strtol(av[5], NULL, 10), ok = 0;
	srtp_t sb, sa;

	if (ng < 0 || session(av[0], av[1], true, &sb)) {
		fprintf(stderr, "decrypts: bad arguments or file\n");
		return 2;
	}
	for (long i = 0; i < ng; i++) {
		uint8_t tmp[2048];
		int len = got[i].len, len_a = got[i].len;

		memcpy(tmp, got[i].b, got[i].len);
		if (session(av[2], av[3], true, &sa))
			return 2;
		if (srtp_unprotect(sa, tmp, &len_a) == srtp_err_status_ok) {
			printf("FAIL packet %ld decrypts under key A\n", i);
			return 1;
		}
		srtp_dealloc(sa);
		if (srtp_unprotect(sb, got[i].b, &len) != srtp_err_status_ok) {
			printf("FAIL packet %ld does not decrypt under key B\n", i);
			return 1;
		}
		ok++;
	}
	srtp_dealloc(sb);
	if (ok < min) {
		printf("FAIL only %ld packets (want %ld)\n", ok, min);
		return 1;
	}
	printf("ok %ld packets decrypt under key B, none under key A\n", ok);
	return 0;
}

int main(int argc, char **argv)
{
	if (srtp_init() != srtp_err_status_ok)
		return 2;
	if (argc == 8 && !strcmp(argv[1], "gen"))
		return gen(argv + 2);
	if (argc == 9 && !strcmp(argv[1], "check"))
		return check(argv + 2);
	if (argc == 8 && !strcmp(argv[1], "decrypts"))
		return decrypts(argv + 2);
	fprintf(stderr, "usage: srtp_gen gen SUITE KEYHEX N SSRC PLAIN_OUT SRTP_OUT\n"
			"       srtp_gen check SUITE_B KEY_B SUITE_A KEY_A PLAIN_IN RECV_IN MIN\n"
			"       srtp_gen decrypts SUITE_B KEY_B SUITE_A KEY_A RECV_IN MIN\n");
	return 2;
}
