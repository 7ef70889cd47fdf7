/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mini-Certificates and keys: the signature recovered with OpenSSL's raw RSA is
 * 00 01 FF.. 00 || SHA-1(body); every field limit and bad input has its own
 * error and leaves the output untouched; the CA key survives gen_mc -> PEM ->
 * gen_mc; the SRTP_Private_Key parameter rebuilds a working key; the pool hands
 * out each key once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "xsipura_b64.h"
#include "xsipura_ca.h"
#include "xsipura_keypool.h"
#include "xsipura_mc.h"
#include "xsipura_mint.h"
#include "xsipura_rsa.h"
#include "xsipura_subkey.h"

static struct xsp_ca *ca, *other_ca;

static int group_setup(void **state)
{
	(void)state;
	return xsp_ca_generate(&ca) || xsp_ca_generate(&other_ca);
}

static int group_teardown(void **state)
{
	(void)state;
	xsp_ca_free(ca);
	xsp_ca_free(other_ca);
	return 0;
}

static void expiry_2034(uint8_t f[XSP_EXPIRY_LEN])
{
	assert_int_equal(xsp_expiry_parse("00:00:00 1/1/34", f), XSP_OK);
}

static void mint_joe(struct xsp_mc *mc, struct xsp_subkey **key)
{
	uint8_t f[XSP_EXPIRY_LEN];
	expiry_2034(f);
	assert_int_equal(xsp_mint(ca, NULL, "Joe Smith", "14085551234", f, mc, key), XSP_OK);
}

static void layout_matches_the_guide(void **state)
{
	struct xsp_mc mc;
	struct xsp_subkey *key = NULL;
	uint8_t wire[XSP_MC_LEN];
	(void)state;
	mint_joe(&mc, &key);
	xsp_mc_encode(&mc, wire);
	assert_memory_equal(wire, "Joe Smith\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 32);
	assert_memory_equal(wire + 32, "14085551234\0\0\0\0\0", 16);
	assert_memory_equal(wire + 48, "000000010134", 12);
	assert_memory_equal(wire + 60, xsp_subkey_modulus(key), 64);
	assert_true(wire[60] & 0x80); /* a full 512-bit modulus */
	xsp_subkey_free(key);
}

/* The signature opened with OpenSSL directly (raw RSA, no padding removed). */
static void signature_is_raw_sha1_type1(void **state)
{
	struct xsp_mc mc;
	struct xsp_subkey *key = NULL;
	uint8_t block[128], md[20], want[128];
	EVP_PKEY *pub = NULL;
	(void)state;
	mint_joe(&mc, &key);
	assert_int_equal(xsp_rsa_public(xsp_ca_modulus(ca), XSP_CA_MOD_LEN, &pub), XSP_OK);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
	size_t len = sizeof(block);
	assert_true(EVP_PKEY_verify_recover_init(ctx) > 0);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) > 0);
	assert_true(EVP_PKEY_verify_recover(ctx, block, &len, mc.sig, sizeof(mc.sig)) > 0);
	assert_int_equal(len, 128);
	SHA1((const uint8_t *)&mc, 124, md);
	want[0] = 0x00;
	want[1] = 0x01;
	memset(want + 2, 0xff, 128 - 3 - 20);
	want[128 - 21] = 0x00;
	memcpy(want + 108, md, 20);
	assert_memory_equal(block, want, 128);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pub);
	assert_int_equal(xsp_mc_verify(&mc, ca), XSP_OK);
	xsp_subkey_free(key);
}

static void verify_tells_tampering_from_wrong_ca(void **state)
{
	struct xsp_mc mc, t;
	struct xsp_subkey *key = NULL;
	(void)state;
	mint_joe(&mc, &key);
	t = mc;
	t.name[0] ^= 1;
	assert_int_equal(xsp_mc_verify(&t, ca), XSP_E_SIGNATURE);
	t = mc;
	t.pubkey[10] ^= 1;
	assert_int_equal(xsp_mc_verify(&t, ca), XSP_E_SIGNATURE);
	t = mc;
	t.sig[50] ^= 1;
	assert_int_equal(xsp_mc_verify(&t, ca), XSP_E_WRONG_CA);
	assert_int_equal(xsp_mc_verify(&mc, other_ca), XSP_E_WRONG_CA);
	/* a signature numerically >= the modulus */
	t = mc;
	memset(t.sig, 0xff, sizeof(t.sig));
	assert_int_equal(xsp_mc_verify(&t, ca), XSP_E_WRONG_CA);
	/* expiry: valid until the instant, expired at and after it */
	time_t exp = 2019686400; /* 2034-01-01 00:00:00 UTC */
	assert_int_equal(xsp_mc_check(&mc, ca, XSP_CLOCK_UTC, exp - 1), XSP_OK);
	assert_int_equal(xsp_mc_check(&mc, ca, XSP_CLOCK_UTC, exp), XSP_E_EXPIRED);
	assert_int_equal(xsp_mc_check(&mc, other_ca, XSP_CLOCK_UTC, exp - 1), XSP_E_WRONG_CA);
	xsp_subkey_free(key);
}

static void field_limits(void **state)
{
	struct xsp_mc mc, before;
	struct xsp_subkey *key = NULL;
	uint8_t f[XSP_EXPIRY_LEN];
	char n32[33], n33[34];
	(void)state;
	expiry_2034(f);
	memset(n32, 'n', 32);
	n32[32] = '\0';
	memset(n33, 'n', 33);
	n33[33] = '\0';
	memset(&mc, 0xa5, sizeof(mc));
	before = mc;
	assert_int_equal(xsp_mint(ca, NULL, n33, "1", f, &mc, &key), XSP_E_NAME_TOO_LONG);
	assert_int_equal(xsp_mint(ca, NULL, "Joe", "12345678901234567", f, &mc, &key),
			 XSP_E_ID_TOO_LONG);
	assert_int_equal(xsp_mint(ca, NULL, "Joe", "", f, &mc, &key), XSP_E_ID_EMPTY);
	assert_int_equal(xsp_mint(ca, NULL, "Jo\ne", "1", f, &mc, &key), XSP_E_FIELD_CHARS);
	assert_int_equal(xsp_mint(ca, NULL, "Joe", "1", (const uint8_t *)"000000023034", &mc, &key),
			 XSP_E_DATE);
	assert_memory_equal(&mc, &before, sizeof(mc)); /* nothing half-written */
	assert_null(key);
	assert_int_equal(xsp_mint(ca, NULL, n32, "1234567890123456", f, &mc, &key), XSP_OK);
	char name[XSP_MC_NAME_LEN + 1], id[XSP_MC_ID_LEN + 1];
	xsp_mc_name(&mc, name);
	xsp_mc_user_id(&mc, id);
	assert_string_equal(name, n32);
	assert_string_equal(id, "1234567890123456");
	assert_true(xsp_mc_user_id_is(&mc, "1234567890123456"));
	assert_false(xsp_mc_user_id_is(&mc, "123456789012345"));
	xsp_subkey_free(key);
	/* a CA without its private key cannot sign */
	struct xsp_ca *pub_only = NULL;
	assert_int_equal(xsp_ca_from_modulus(xsp_ca_modulus(ca), &pub_only), XSP_OK);
	assert_int_equal(xsp_mint(pub_only, NULL, "Joe", "1", f, &mc, &key), XSP_E_INVAL);
	xsp_ca_free(pub_only);
}

static void parameter_round_trip_and_errors(void **state)
{
	struct xsp_mc mc, back;
	struct xsp_subkey *key = NULL, *again = NULL;
	uint8_t ca_n[XSP_CA_MOD_LEN], bin[XSP_MC_PARAM_BIN_LEN + 3];
	char param[XSP_MC_PARAM_LEN + 1], pk[XSP_PRIVKEY_PARAM_LEN + 1], text[700];
	size_t n = 0;
	(void)state;
	mint_joe(&mc, &key);
	assert_int_equal(xsp_mc_param_encode(&mc, xsp_ca_modulus(ca), param), XSP_OK);
	assert_int_equal(strlen(param), 508);
	assert_int_equal(xsp_mc_param_decode(param, strlen(param), &back, ca_n), XSP_OK);
	assert_memory_equal(&back, &mc, sizeof(mc));
	assert_memory_equal(ca_n, xsp_ca_modulus(ca), XSP_CA_MOD_LEN);

	/* truncated, over-long, bad base64, bad expiry inside */
	assert_int_equal(xsp_b64_decode(param, strlen(param), bin, sizeof(bin), &n), XSP_OK);
	assert_int_equal(xsp_b64_encode(bin, 379, 0, text, sizeof(text), &n), XSP_OK);
	assert_int_equal(xsp_mc_param_decode(text, n, &back, ca_n), XSP_E_TRUNCATED);
	bin[380] = 0;
	assert_int_equal(xsp_b64_encode(bin, 381, 0, text, sizeof(text), &n), XSP_OK);
	assert_int_equal(xsp_mc_param_decode(text, n, &back, ca_n), XSP_E_LENGTH);
	assert_int_equal(xsp_mc_param_decode("!!!!", 4, &back, ca_n), XSP_E_BASE64);
	memcpy(bin + 48, "991399999999", 12);
	assert_int_equal(xsp_b64_encode(bin, 380, 0, text, sizeof(text), &n), XSP_OK);
	assert_int_equal(xsp_mc_param_decode(text, n, &back, ca_n), XSP_E_DATE);

	/* SRTP_Private_Key rebuilds the key from d and the MC's modulus */
	assert_int_equal(xsp_subkey_to_param(key, pk), XSP_OK);
	assert_int_equal(strlen(pk), 88);
	assert_int_equal(xsp_subkey_from_param(pk, strlen(pk), mc.pubkey, &again), XSP_OK);
	assert_memory_equal(xsp_subkey_modulus(again), mc.pubkey, 64);
	xsp_subkey_free(again);
	again = NULL;
	/* against another key's modulus: d does not belong */
	struct xsp_mc mc2;
	struct xsp_subkey *key2 = NULL;
	mint_joe(&mc2, &key2);
	assert_int_equal(xsp_subkey_from_param(pk, strlen(pk), mc2.pubkey, &again),
			 XSP_E_KEY_MISMATCH);
	assert_null(again);
	assert_int_equal(xsp_subkey_from_param(pk, 84, mc.pubkey, &again), XSP_E_TRUNCATED);
	xsp_subkey_free(key2);
	xsp_subkey_free(key);
}

static void ca_formats_round_trip(void **state)
{
	char *genmc = NULL, *pem = NULL, *genmc2 = NULL;
	size_t glen = 0, plen = 0, g2len = 0;
	struct xsp_ca *from_genmc = NULL, *from_pem = NULL;
	(void)state;
	assert_int_equal(xsp_ca_export(ca, XSP_CA_FORMAT_GEN_MC, &genmc, &glen), XSP_OK);
	assert_int_equal(xsp_ca_export(ca, XSP_CA_FORMAT_PEM, &pem, &plen), XSP_OK);
	assert_non_null(strstr(pem, "-----BEGIN PRIVATE KEY-----"));
	/* two base64 lines of 128 bytes each */
	assert_int_equal(glen, 2 * (172 + 1));
	assert_int_equal(genmc[172], '\n');
	assert_int_equal(xsp_ca_parse(genmc, glen, &from_genmc), XSP_OK);
	assert_int_equal(xsp_ca_parse(pem, plen, &from_pem), XSP_OK);
	assert_true(xsp_ca_same_key(from_genmc, ca));
	assert_true(xsp_ca_same_key(from_pem, ca));
	assert_true(xsp_ca_has_private(from_genmc));
	/* gen_mc -> (primes recovered) -> gen_mc is byte-identical */
	assert_int_equal(xsp_ca_export(from_genmc, XSP_CA_FORMAT_GEN_MC, &genmc2, &g2len), XSP_OK);
	assert_int_equal(g2len, glen);
	assert_memory_equal(genmc2, genmc, glen);
	/* a certificate signed by the recovered key is the same (deterministic) */
	struct xsp_mc a, b;
	struct xsp_subkey *key = NULL;
	mint_joe(&a, &key);
	b = a;
	assert_int_equal(xsp_mc_sign(&b, from_genmc), XSP_OK);
	assert_memory_equal(&a, &b, sizeof(a));
	xsp_subkey_free(key);

	/* broken key files: wrong line count, bad base64, d not n's, short */
	struct xsp_ca *x = NULL;
	assert_int_equal(xsp_ca_parse(genmc, 173, &x), XSP_E_KEY_FORMAT);
	char *bad = strdup(genmc);
	bad[10] = '*';
	assert_int_equal(xsp_ca_parse(bad, glen, &x), XSP_E_BASE64);
	free(bad);
	char *other = NULL;
	size_t olen = 0;
	assert_int_equal(xsp_ca_export(other_ca, XSP_CA_FORMAT_GEN_MC, &other, &olen), XSP_OK);
	char mixed[2 * 173 + 1];
	memcpy(mixed, genmc, 173);
	memcpy(mixed + 173, other + 173, 173);
	mixed[346] = '\0';
	assert_int_equal(xsp_ca_parse(mixed, 346, &x), XSP_E_KEY_MISMATCH);
	assert_int_equal(xsp_ca_parse("-----BEGIN PRIVATE KEY-----\nAAAA\n", 33, &x),
			 XSP_E_KEY_FORMAT);
	assert_null(x);
	xsp_ca_text_free(other, olen);
	xsp_ca_text_free(genmc, glen);
	xsp_ca_text_free(genmc2, g2len);
	xsp_ca_text_free(pem, plen);
	xsp_ca_free(from_genmc);
	xsp_ca_free(from_pem);
}

static void ca_save_is_private_and_exclusive(void **state)
{
	char dir[] = "/tmp/xsp_ca_XXXXXX", path[64];
	struct xsp_ca *loaded = NULL;
	struct stat st;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ca_key", dir);
	assert_int_equal(xsp_ca_save(ca, XSP_CA_FORMAT_GEN_MC, path, false), XSP_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(xsp_ca_save(ca, XSP_CA_FORMAT_GEN_MC, path, false), XSP_E_EXISTS);
	assert_int_equal(xsp_ca_load(path, &loaded), XSP_OK);
	assert_true(xsp_ca_same_key(loaded, ca));
	xsp_ca_free(loaded);
	unlink(path);
	rmdir(dir);
	assert_int_equal(xsp_ca_load("/nonexistent/ca_key", &loaded), XSP_E_IO);
}

static void pool_hands_out_each_key_once(void **state)
{
	struct xsp_keypool *pool = NULL;
	struct xsp_keypool_stats st;
	struct xsp_subkey *k[6] = { NULL };
	(void)state;
	assert_int_equal(xsp_keypool_create(0, &pool), XSP_E_INVAL);
	assert_int_equal(xsp_keypool_create(4, &pool), XSP_OK);
	xsp_keypool_wait_full(pool);
	xsp_keypool_stats(pool, &st);
	assert_int_equal(st.level, 4);
	for (int i = 0; i < 6; i++)
		assert_int_equal(xsp_keypool_take(pool, &k[i]), XSP_OK);
	xsp_keypool_stats(pool, &st);
	assert_true(st.taken + st.misses == 6);
	assert_true(st.taken >= 4);
	for (int i = 0; i < 6; i++)
		for (int j = 0; j < i; j++)
			assert_memory_not_equal(xsp_subkey_modulus(k[i]), xsp_subkey_modulus(k[j]),
						XSP_SUBKEY_LEN);
	/* a pooled key mints a certificate that verifies */
	struct xsp_mc mc;
	struct xsp_subkey *key = NULL;
	uint8_t f[XSP_EXPIRY_LEN];
	expiry_2034(f);
	assert_int_equal(xsp_mint(ca, pool, "Pool", "42", f, &mc, &key), XSP_OK);
	assert_int_equal(xsp_mc_verify(&mc, ca), XSP_OK);
	xsp_subkey_free(key);
	for (int i = 0; i < 6; i++)
		xsp_subkey_free(k[i]);
	xsp_keypool_free(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layout_matches_the_guide),
		cmocka_unit_test(signature_is_raw_sha1_type1),
		cmocka_unit_test(verify_tells_tampering_from_wrong_ca),
		cmocka_unit_test(field_limits),
		cmocka_unit_test(parameter_round_trip_and_errors),
		cmocka_unit_test(ca_formats_round_trip),
		cmocka_unit_test(ca_save_is_private_and_exclusive),
		cmocka_unit_test(pool_hands_out_each_key_once),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
