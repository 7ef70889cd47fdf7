/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The x-sipura SRTP profile has no reference implementation (FACTS.md section
 * 3), so every combination of its assumptions is checked here against an
 * independent computation with OpenSSL: the key schedule with AES-CTR (the
 * engine uses ECB blocks), the payload with EVP AES-128-CTR, the tag with
 * OpenSSL's HMAC. Both RTP and RTCP, protect and unprotect.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "xs_srtp.h"

struct ref_keys {
	uint8_t enc[16], auth[20], salt[16];
	unsigned auth_len;
};

/* RFC 3711 PRF as AES-128-CTR keystream with IV = (salt ^ label << 48) << 16. */
static void ref_prf(const uint8_t *key, const uint8_t *salt14, uint8_t label, uint8_t *out,
		    unsigned len)
{
	uint8_t iv[16] = { 0 }, zero[32] = { 0 };
	int n;
	memcpy(iv, salt14, 14);
	iv[7] ^= label;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, key, iv), 1);
	assert_int_equal(EVP_EncryptUpdate(c, out, &n, zero, (int)len), 1);
	EVP_CIPHER_CTX_free(c);
}

static void ref_schedule(const struct xs_srtp_policy *pol, int rtcp, struct ref_keys *rk)
{
	const struct xs_xsipura_profile *p = &pol->xsipura;
	uint8_t base = rtcp ? 3 : 0;
	memset(rk, 0, sizeof(*rk));
	if (p->kdf == XS_XSIPURA_KDF_RFC3711) {
		rk->auth_len = p->auth_key_len;
		ref_prf(pol->master_key, pol->master_salt, base + 0, rk->enc, 16);
		ref_prf(pol->master_key, pol->master_salt, base + 1, rk->auth, rk->auth_len);
		ref_prf(pol->master_key, pol->master_salt, base + 2, rk->salt, 14);
	} else {
		rk->auth_len = 16;
		memcpy(rk->enc, pol->master_key, 16);
		memcpy(rk->auth, pol->master_key, 16);
		memcpy(rk->salt, pol->master_salt, p->salt_len);
	}
}

static void ref_ctr(const struct ref_keys *rk, uint32_t ssrc, uint64_t index, uint8_t *buf,
		    unsigned len)
{
	uint8_t iv[16];
	int n;
	memcpy(iv, rk->salt, 16); /* zero beyond the salt's length */
	for (int i = 0; i < 4; i++)
		iv[4 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
	for (int i = 0; i < 6; i++)
		iv[8 + i] ^= (uint8_t)(index >> (40 - 8 * i));
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, rk->enc, iv), 1);
	assert_int_equal(EVP_EncryptUpdate(c, buf, &n, buf, (int)len), 1);
	EVP_CIPHER_CTX_free(c);
}

static void ref_tag(const struct xs_srtp_policy *pol, const struct ref_keys *rk,
		    const uint8_t *msg, size_t len, uint8_t *tag)
{
	unsigned out_len;
	const EVP_MD *md = pol->xsipura.auth == XS_XSIPURA_AUTH_HMAC_MD5 ? EVP_md5() : EVP_sha1();
	assert_non_null(HMAC(md, rk->auth, (int)rk->auth_len, msg, len, tag, &out_len));
}

struct combo {
	uint8_t auth, tag_len, kdf, salt_len, rtcp_encrypted;
};

static void check_combo(struct xs_srtp_engine *eng, const struct combo *cb, unsigned seed)
{
	struct xs_srtp_policy pol;
	struct xs_srtp_keys *keys;
	struct xs_srtp_stream tx, rx;
	struct ref_keys rk, rkc;
	uint8_t pkt[1500], ref[1500], tag[32];

	memset(&pol, 0, sizeof(pol));
	pol.suite = XS_SUITE_XSIPURA;
	xs_xsipura_profile_default(&pol.xsipura);
	pol.xsipura.auth = cb->auth;
	pol.xsipura.tag_len = cb->tag_len;
	pol.xsipura.kdf = cb->kdf;
	pol.xsipura.salt_len = cb->salt_len;
	pol.xsipura.rtcp_encrypted = cb->rtcp_encrypted;
	pol.key_len = 16;
	pol.salt_len = 16; /* the Caller Final carries 16 salt bytes */
	srand(seed);
	for (int i = 0; i < 16; i++) {
		pol.master_key[i] = (uint8_t)rand();
		pol.master_salt[i] = (uint8_t)rand();
	}
	assert_int_equal(xs_srtp_keys_create(&pol, &keys), 0);
	ref_schedule(&pol, 0, &rk);
	ref_schedule(&pol, 1, &rkc);
	xs_srtp_stream_init(&tx, 0);
	xs_srtp_stream_init(&rx, 0);
	struct xs_srtp_xform out = { keys, &tx }, in = { keys, &rx };

	for (unsigned i = 0; i < 40; i++) {
		/* RTP, sequence numbers across a wrap so the ROC in the tag matters */
		uint16_t seq = (uint16_t)(65520 + i);
		uint64_t index = (uint64_t)(seq < 65520 ? 1 : 0) << 16 | seq;
		unsigned plen = (unsigned)rand() % 300, hlen = 12;
		uint32_t ssrc = 0x5350a000u + seed;
		memset(pkt, 0, sizeof(pkt));
		pkt[0] = 0x80;
		pkt[1] = 0;
		pkt[2] = (uint8_t)(seq >> 8);
		pkt[3] = (uint8_t)seq;
		for (int b = 0; b < 4; b++)
			pkt[8 + b] = (uint8_t)(ssrc >> (24 - 8 * b));
		for (unsigned b = 0; b < plen; b++)
			pkt[hlen + b] = (uint8_t)rand();
		memcpy(ref, pkt, hlen + plen);

		struct xs_srtp_op op = { .pkt = pkt, .len = hlen + plen, .room = sizeof(pkt),
					 .out = &out };
		assert_int_equal(xs_srtp_burst(eng, &op, 1), 1);
		assert_int_equal(op.len, hlen + plen + cb->tag_len);

		ref_ctr(&rk, ssrc, index, ref + hlen, plen);
		for (int b = 0; b < 4; b++)
			ref[hlen + plen + b] = (uint8_t)((index >> 16) >> (24 - 8 * b));
		ref_tag(&pol, &rk, ref, hlen + plen + 4, tag);
		memcpy(ref + hlen + plen, tag, cb->tag_len);
		assert_memory_equal(pkt, ref, op.len);

		op = (struct xs_srtp_op){ .pkt = pkt, .len = op.len, .room = sizeof(pkt), .in = &in };
		assert_int_equal(xs_srtp_burst(eng, &op, 1), 1);
		assert_int_equal(op.len, hlen + plen);
	}

	/* RTCP: sender report header plus a body */
	for (unsigned i = 0; i < 5; i++) {
		unsigned blen = 20 + (unsigned)rand() % 60, len = 8 + blen;
		uint32_t ssrc = 0x5350a000u + seed;
		memset(pkt, 0, sizeof(pkt));
		pkt[0] = 0x80;
		pkt[1] = 200;
		pkt[3] = (uint8_t)(len / 4 - 1);
		for (int b = 0; b < 4; b++)
			pkt[4 + b] = (uint8_t)(ssrc >> (24 - 8 * b));
		for (unsigned b = 8; b < len; b++)
			pkt[b] = (uint8_t)rand();
		memcpy(ref, pkt, len);

		struct xs_srtp_op op = { .pkt = pkt, .len = len, .room = sizeof(pkt), .out = &out,
					 .rtcp = 1 };
		assert_int_equal(xs_srtp_burst(eng, &op, 1), 1);
		if (!cb->rtcp_encrypted) {
			/* RTCP in clear: untouched */
			assert_int_equal(op.len, len);
			assert_memory_equal(pkt, ref, len);
			continue;
		}
		uint32_t idx = i + 1;
		ref_ctr(&rkc, ssrc, idx, ref + 8, len - 8);
		for (int b = 0; b < 4; b++)
			ref[len + b] = (uint8_t)((idx | 0x80000000u) >> (24 - 8 * b));
		ref_tag(&pol, &rkc, ref, len + 4, tag);
		memcpy(ref + len + 4, tag, cb->tag_len);
		assert_int_equal(op.len, len + 4 + cb->tag_len);
		assert_memory_equal(pkt, ref, op.len);

		op = (struct xs_srtp_op){ .pkt = pkt, .len = op.len, .room = sizeof(pkt), .in = &in,
					  .rtcp = 1 };
		assert_int_equal(xs_srtp_burst(eng, &op, 1), 1);
		assert_int_equal(op.len, len);
	}
	xs_srtp_keys_free(keys);
}

static void test_every_combination(void **state)
{
	static const uint8_t tags[] = { 4, 10, 12 };
	struct xs_srtp_engine *eng = xs_srtp_engine_create();
	unsigned seed = 1, checked = 0;
	(void)state;
	assert_non_null(eng);
	for (uint8_t auth = 0; auth <= XS_XSIPURA_AUTH_HMAC_SHA1; auth++)
		for (size_t t = 0; t < sizeof(tags); t++)
			for (uint8_t kdf = 0; kdf <= XS_XSIPURA_KDF_DIRECT; kdf++)
				for (uint8_t salt = 14; salt <= 16; salt += 2)
					for (uint8_t rtcp = 0; rtcp <= 1; rtcp++) {
						struct combo cb = { auth, tags[t], kdf, salt, rtcp };
						check_combo(eng, &cb, seed++);
						checked++;
					}
	assert_int_equal(checked, 2 * 3 * 2 * 2 * 2);
	xs_srtp_engine_free(eng);
}

static void test_default_profile_is_the_leading_guess(void **state)
{
	struct xs_xsipura_profile p;
	(void)state;
	xs_xsipura_profile_default(&p);
	assert_int_equal(p.auth, XS_XSIPURA_AUTH_HMAC_MD5);
	assert_int_equal(p.kdf, XS_XSIPURA_KDF_RFC3711);
	assert_int_equal(p.rtcp_encrypted, 1);
}

static void test_bad_profiles_rejected(void **state)
{
	struct xs_srtp_policy pol;
	struct xs_srtp_keys *keys;
	(void)state;
	memset(&pol, 0, sizeof(pol));
	pol.suite = XS_SUITE_XSIPURA;
	pol.key_len = 16;
	pol.salt_len = 16;
	xs_xsipura_profile_default(&pol.xsipura);
	pol.xsipura.tag_len = 2;
	assert_int_equal(xs_srtp_keys_create(&pol, &keys), -EINVAL);
	xs_xsipura_profile_default(&pol.xsipura);
	pol.xsipura.salt_len = 15;
	assert_int_equal(xs_srtp_keys_create(&pol, &keys), -EINVAL);
	xs_xsipura_profile_default(&pol.xsipura);
	pol.xsipura.kdf = 9;
	assert_int_equal(xs_srtp_keys_create(&pol, &keys), -EINVAL);
	xs_xsipura_profile_default(&pol.xsipura);
	pol.xsipura.auth = 7;
	assert_int_equal(xs_srtp_keys_create(&pol, &keys), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_combination),
		cmocka_unit_test(test_default_profile_is_the_leading_guess),
		cmocka_unit_test(test_bad_profiles_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
