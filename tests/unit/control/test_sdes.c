/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDES a=crypto values: the RFC 4568 example, every SDES suite of the engine,
 * lifetimes, session parameters, the rejections, canonical round trips and key
 * generation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "key_pool.h"
#include "sdes.h"
#include "xs_srtp.h"

#define B64_30 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
#define B64_46 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ=="

static int parse(const char *s, struct sdes_crypto *c, const char **why)
{
	*why = NULL;
	return sdes_parse(s, strlen(s), c, why);
}

static void rfc4568_example(void **state)
{
	static const uint8_t ks[30] = {
		0x3d, 0x2d, 0x6e, 0x40, 0x25, 0x5e, 0x78, 0x21, 0x42, 0x6a,
		0x75, 0x66, 0x72, 0x39, 0x29, 0x3f, 0x2c, 0x23, 0x35, 0x68,
		0x5c, 0x60, 0x3d, 0x26, 0x5d, 0x7b, 0x71, 0x69, 0x50, 0x51,
	};
	struct sdes_crypto c;
	const char *why;
	(void)state;

	/* the example carries MKI 1:4, which the engine cannot honour */
	assert_int_equal(parse("1 AES_CM_128_HMAC_SHA1_80 "
			       "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4",
			       &c, &why),
			 -1);
	assert_string_equal(why, "MKI not supported");

	assert_int_equal(parse("1 AES_CM_128_HMAC_SHA1_80 "
			       "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20",
			       &c, &why),
			 0);
	assert_int_equal(c.tag, 1);
	assert_int_equal(c.suite, XS_SUITE_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(c.key_len, 16);
	assert_int_equal(c.salt_len, 14);
	assert_memory_equal(c.key, ks, 16);
	assert_memory_equal(c.salt, ks + 16, 14);
	assert_int_equal(c.lifetime, 1u << 20);
	assert_int_equal(c.flags, 0);
	assert_string_equal(c.other_params, "");
	sdes_crypto_clear(&c);
	for (size_t i = 0; i < sizeof(c); i++)
		assert_int_equal(((uint8_t *)&c)[i], 0);
}

static void every_sdes_suite(void **state)
{
	static const struct {
		const char *name;
		int suite;
		unsigned kl;
	} suites[] = {
		{ "AES_CM_128_HMAC_SHA1_80", XS_SUITE_AES_CM_128_HMAC_SHA1_80, 16 },
		{ "AES_CM_128_HMAC_SHA1_32", XS_SUITE_AES_CM_128_HMAC_SHA1_32, 16 },
		{ "AES_256_CM_HMAC_SHA1_80", XS_SUITE_AES_256_CM_HMAC_SHA1_80, 32 },
		{ "AES_256_CM_HMAC_SHA1_32", XS_SUITE_AES_256_CM_HMAC_SHA1_32, 32 },
		{ "NULL_HMAC_SHA1_80", XS_SUITE_NULL_HMAC_SHA1_80, 16 },
		{ "NULL_HMAC_SHA1_32", XS_SUITE_NULL_HMAC_SHA1_32, 16 },
		{ "AES_CM_128_NULL_AUTH", XS_SUITE_AES_CM_128_NULL_AUTH, 16 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		char line[256], back[256];
		struct sdes_crypto c;
		const char *why;
		uint8_t want[46];

		for (unsigned j = 0; j < sizeof(want); j++)
			want[j] = (uint8_t)j;
		snprintf(line, sizeof(line), "7 %s inline:%s", suites[i].name,
			 suites[i].kl == 32 ? B64_46 : B64_30);
		assert_int_equal(parse(line, &c, &why), 0);
		assert_int_equal(c.suite, suites[i].suite);
		assert_int_equal(c.key_len, suites[i].kl);
		assert_int_equal(c.salt_len, 14);
		assert_memory_equal(c.key, want, c.key_len);
		assert_memory_equal(c.salt, want + c.key_len, 14);
		assert_int_equal(sdes_format(&c, back, sizeof(back)), 0);
		assert_string_equal(back, line);

		/* the other key size is the wrong length for this suite */
		snprintf(line, sizeof(line), "7 %s inline:%s", suites[i].name,
			 suites[i].kl == 32 ? B64_30 : B64_46);
		assert_int_equal(parse(line, &c, &why), -1);
		assert_string_equal(why, "key||salt of the wrong length for the suite");
	}
}

static void lifetimes(void **state)
{
	struct sdes_crypto c;
	const char *why;
	(void)state;

	assert_int_equal(parse("1 AES_CM_128_HMAC_SHA1_32 inline:" B64_30 "|2^31", &c, &why), 0);
	assert_int_equal(c.lifetime, 1ull << 31);
	assert_int_equal(parse("1 AES_CM_128_HMAC_SHA1_32 inline:" B64_30 "|1000", &c, &why), 0);
	assert_int_equal(c.lifetime, 1000);
	assert_int_equal(parse("1 AES_CM_128_HMAC_SHA1_32 inline:" B64_30 "|2^48", &c, &why), 0);
	assert_int_equal(c.lifetime, 1ull << 48);
	static const char *const bad[] = { "|2^49", "|0", "|", "|2^", "|2^x", "|12a",
					   "|99999999999999999", "|2^20|2^20" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[128];
		snprintf(line, sizeof(line), "1 AES_CM_128_HMAC_SHA1_32 inline:" B64_30 "%s",
			 bad[i]);
		assert_int_equal(parse(line, &c, &why), -1);
		assert_string_equal(why, "bad lifetime");
	}
}

static void session_params(void **state)
{
	struct sdes_crypto c;
	const char *why;
	(void)state;

	assert_int_equal(parse("3 AES_CM_128_HMAC_SHA1_80 inline:" B64_30
			       " UNENCRYPTED_SRTCP KDR=4 UNENCRYPTED_SRTP  FEC_ORDER=FEC_SRTP"
			       " UNAUTHENTICATED_SRTP WSH=64",
			       &c, &why),
			 0);
	assert_int_equal(c.flags, SDES_F_UNENCRYPTED_SRTP | SDES_F_UNENCRYPTED_SRTCP |
					  SDES_F_UNAUTHENTICATED_SRTP);
	assert_string_equal(c.other_params, "KDR=4 FEC_ORDER=FEC_SRTP WSH=64");

	assert_int_equal(parse("3 AES_CM_128_HMAC_SHA1_80 inline:" B64_30 " UNENCRYPTED_SRTCP",
			       &c, &why),
			 0);
	assert_int_equal(c.flags, SDES_F_UNENCRYPTED_SRTCP);
	assert_string_equal(c.other_params, "");

	/* more than SDES_PARAMS_MAX of unknown parameters */
	char line[512];
	int n = snprintf(line, sizeof(line), "3 AES_CM_128_HMAC_SHA1_80 inline:" B64_30);
	for (int i = 0; i < 20; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " PARAM%02d=x", i);
	assert_int_equal(parse(line, &c, &why), -1);
}

static void rejections(void **state)
{
	static const struct {
		const char *line;
		const char *why;
	} bad[] = {
		{ "1 AES_CM_999_HMAC_SHA1_80 inline:" B64_30, "unknown suite" },
		{ "1 F8_128_HMAC_SHA1_80 inline:" B64_30, "unknown suite" },
		{ "1 NONE inline:" B64_30, "suite not usable with SDES" },
		{ "1 XSIPURA inline:" B64_30 "AA==", "suite not usable with SDES" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBk*Gxwd",
		  "bad base64 in key" },
		{ "1 AES_256_CM_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"
		  "ISIjJCUmJygpKissLR==",
		  "bad base64 in key" }, /* non-zero unused bits */
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw=",
		  "key||salt of the wrong length for the suite" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGx===",
		  "bad base64 in key" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" B64_46,
		  "key||salt of the wrong length for the suite" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:",
		  "key||salt of the wrong length for the suite" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" B64_30 "|2^20|1:4", "MKI not supported" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" B64_30 "|1:4", "MKI not supported" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" B64_30 ";inline:" B64_30,
		  "more than one key-param" },
		{ "0 AES_CM_128_HMAC_SHA1_80 inline:" B64_30, "tag out of range" },
		{ "1000000000 AES_CM_128_HMAC_SHA1_80 inline:" B64_30, "tag out of range" },
		{ "99999999999999999999 AES_CM_128_HMAC_SHA1_80 inline:" B64_30,
		  "tag out of range" },
		{ "1 AES_CM_128_HMAC_SHA1_80 " B64_30, "key-param is not inline:" },
		{ "1 AES_CM_128_HMAC_SHA1_80 uri:" B64_30, "key-param is not inline:" },
		{ "1 AES_CM_128_HMAC_SHA1_80", "missing key-params" },
		{ "1 AES_CM_128_HMAC_SHA1_80 ", "key-param is not inline:" },
		{ "AES_CM_128_HMAC_SHA1_80 inline:" B64_30, "missing tag" },
		{ "1x AES_CM_128_HMAC_SHA1_80 inline:" B64_30, "garbage after tag" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" B64_30 " \x01\x02", "trailing garbage" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" B64_30 " KDR=\x80", "trailing garbage" },
		{ "", "missing tag" },
		{ "garbage", "missing tag" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sdes_crypto c;
		const char *why = NULL;
		memset(&c, 0xa5, sizeof(c));
		if (sdes_parse(bad[i].line, strlen(bad[i].line), &c, &why) != -1)
			fail_msg("accepted: %s", bad[i].line);
		assert_non_null(why);
		if (strcmp(why, bad[i].why))
			fail_msg("%s: got '%s', want '%s'", bad[i].line, why, bad[i].why);
		assert_int_equal(c.tag, 0xa5a5a5a5u); /* out untouched on failure */
	}
}

static void not_nul_terminated(void **state)
{
	const char *s = "1 AES_CM_128_HMAC_SHA1_80 inline:" B64_30 "|2^20 trailing";
	size_t len = strlen("1 AES_CM_128_HMAC_SHA1_80 inline:" B64_30 "|2^20");
	struct sdes_crypto c;
	const char *why;
	(void)state;
	assert_int_equal(sdes_parse(s, len, &c, &why), 0);
	assert_string_equal(c.other_params, "");
	assert_int_equal(c.lifetime, 1u << 20);
}

static void canonical_round_trip(void **state)
{
	static const char *const lines[] = {
		"1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20",
		"2 AES_CM_128_HMAC_SHA1_32 inline:" B64_30,
		"999999999 AES_256_CM_HMAC_SHA1_80 inline:" B64_46 "|1000",
		"12 AES_CM_128_HMAC_SHA1_80 inline:" B64_30
		"|2^31 UNENCRYPTED_SRTP UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP KDR=1 WSH=128",
		"4 NULL_HMAC_SHA1_80 inline:" B64_30 " UNENCRYPTED_SRTCP",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct sdes_crypto c;
		const char *why;
		char out[256];
		assert_int_equal(parse(lines[i], &c, &why), 0);
		assert_int_equal(sdes_format(&c, out, sizeof(out)), 0);
		assert_string_equal(out, lines[i]);

		/* every too-small buffer fails and stays inside it */
		size_t need = strlen(lines[i]) + 1;
		for (size_t cap = 1; cap < need; cap++) {
			char small[256];
			memset(small, 'Z', sizeof(small));
			assert_int_equal(sdes_format(&c, small, cap), -1);
			for (size_t j = cap; j < sizeof(small); j++)
				assert_int_equal(small[j], 'Z');
		}
		assert_int_equal(sdes_format(&c, out, need), 0);
	}
}

static void non_canonical_normalised(void **state)
{
	struct sdes_crypto c;
	const char *why;
	char out[256];
	(void)state;
	assert_int_equal(parse("01  aes_256_cm_hmac_sha1_32\tINLINE:AAECAwQFBgcICQoLDA0ODxAREhMUFRY"
			       "XGBkaGxwdHh8gISIjJCUmJygpKissLQ|1048576 ",
			       &c, &why),
			 0);
	assert_int_equal(sdes_format(&c, out, sizeof(out)), 0);
	assert_string_equal(out, "1 AES_256_CM_HMAC_SHA1_32 inline:" B64_46 "|2^20");
}

static void generate(void **state)
{
	struct sdes_crypto a, b;
	char out[256];
	const char *why;
	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(sdes_generate(&a, XS_SUITE_AES_256_CM_HMAC_SHA1_80), 0);
	assert_int_equal(sdes_generate(&b, XS_SUITE_AES_256_CM_HMAC_SHA1_80), 0);
	assert_int_equal(a.key_len, 32);
	assert_int_equal(a.salt_len, 14);
	assert_memory_not_equal(a.key, b.key, 32);
	assert_memory_not_equal(a.salt, b.salt, 14);

	a.tag = 5;
	a.flags = SDES_F_UNENCRYPTED_SRTCP;
	assert_int_equal(sdes_format(&a, out, sizeof(out)), 0);
	assert_int_equal(parse(out, &b, &why), 0);
	assert_memory_equal(&a, &b, sizeof(a));

	assert_int_equal(sdes_generate(&a, XS_SUITE_AES_CM_128_HMAC_SHA1_80), 0);
	assert_int_equal(a.key_len, 16);
	for (int i = 16; i < SDES_MAX_KEY; i++)
		assert_int_equal(a.key[i], 0);
	assert_int_equal(a.tag, 5);
	assert_int_equal(a.flags, SDES_F_UNENCRYPTED_SRTCP);

	assert_int_equal(sdes_generate(&a, XS_SUITE_NONE), -1);
	assert_int_equal(sdes_generate(&a, XS_SUITE_XSIPURA), -1);
	assert_int_equal(sdes_generate(&a, XS_SUITE_COUNT), -1);
	assert_int_equal(sdes_generate(&a, -1), -1);
	sdes_crypto_clear(&a);
	sdes_crypto_clear(&b);
}

static void format_rejects_bad_struct(void **state)
{
	struct sdes_crypto c;
	char out[256];
	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(sdes_generate(&c, XS_SUITE_AES_CM_128_HMAC_SHA1_80), 0);
	assert_int_equal(sdes_format(&c, out, sizeof(out)), -1); /* tag 0 */
	c.tag = 1;
	assert_int_equal(sdes_format(&c, out, sizeof(out)), 0);
	c.key_len = 32;
	assert_int_equal(sdes_format(&c, out, sizeof(out)), -1);
	c.key_len = 16;
	c.suite = XS_SUITE_XSIPURA;
	assert_int_equal(sdes_format(&c, out, sizeof(out)), -1);
	sdes_crypto_clear(&c);
}

/* Minted keys: 2,000 slices of 46 bytes across many pool refills are pairwise
 * different and not all zero; a draw larger than the pool still works. */
static void key_pool_no_repeats(void **state)
{
	(void)state;
	enum { N = 2000, LEN = 46 };
	static uint8_t got[N][LEN];
	static const uint8_t zero[LEN];
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(key_pool_bytes(got[i], LEN), 0);
		assert_memory_not_equal(got[i], zero, LEN);
	}
	for (unsigned i = 0; i < N; i++)
		for (unsigned j = i + 1; j < N; j++)
			assert_memory_not_equal(got[i], got[j], LEN);
	static uint8_t big[8192];
	assert_int_equal(key_pool_bytes(big, sizeof(big)), 0);
	assert_memory_not_equal(big, big + 4096, 4096);
}

/* After fork() the child does not hand out what the parent's pool holds. */
static void key_pool_fork(void **state)
{
	(void)state;
	uint8_t warm[30], mine[30], theirs[30];
	int fd[2];
	assert_int_equal(key_pool_bytes(warm, sizeof(warm)), 0); /* the pool is full now */
	assert_int_equal(pipe(fd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint8_t b[30];
		int ok = key_pool_bytes(b, sizeof(b)) == 0 &&
			 write(fd[1], b, sizeof(b)) == (ssize_t)sizeof(b);
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(key_pool_bytes(mine, sizeof(mine)), 0);
	assert_int_equal(read(fd[0], theirs, sizeof(theirs)), (ssize_t)sizeof(theirs));
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_memory_not_equal(mine, theirs, sizeof(mine));
	close(fd[0]);
	close(fd[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc4568_example),
		cmocka_unit_test(every_sdes_suite),
		cmocka_unit_test(lifetimes),
		cmocka_unit_test(session_params),
		cmocka_unit_test(rejections),
		cmocka_unit_test(not_nul_terminated),
		cmocka_unit_test(canonical_round_trip),
		cmocka_unit_test(non_canonical_normalised),
		cmocka_unit_test(generate),
		cmocka_unit_test(key_pool_no_repeats),
		cmocka_unit_test(key_pool_fork),
		cmocka_unit_test(format_rejects_bad_struct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
