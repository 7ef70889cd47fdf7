/* SPDX-License-Identifier: BSD-3-Clause */
/* RSA on OpenSSL 3 EVP keys: building keys from raw integers, recovering the
 * primes of a gen_mc key, and the three operations x-sipura needs. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "xsipura_rsa.h"

/* The eight numbers of a private key; all but n and e are secret. */
struct rsa_nums {
	BIGNUM *n, *e, *d, *p, *q, *dmp1, *dmq1, *iqmp;
};

static void nums_free(struct rsa_nums *k)
{
	BN_free(k->n);
	BN_free(k->e);
	BN_clear_free(k->d);
	BN_clear_free(k->p);
	BN_clear_free(k->q);
	BN_clear_free(k->dmp1);
	BN_clear_free(k->dmq1);
	BN_clear_free(k->iqmp);
	memset(k, 0, sizeof(*k));
}

static enum xsp_err fromdata(const struct rsa_nums *k, EVP_PKEY **out)
{
	enum xsp_err rc = XSP_E_CRYPTO;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	int sel = k->d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;

	if (!bld || !ctx || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, k->n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, k->e))
		goto out;
	if (k->d && (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, k->d) ||
		     !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, k->p) ||
		     !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, k->q) ||
		     !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, k->dmp1) ||
		     !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, k->dmq1) ||
		     !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, k->iqmp)))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (!params || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, out, sel, params) <= 0)
		goto out;
	rc = XSP_OK;
out:
	/* The secret numbers are secure-heap BIGNUMs, so the builder put their
	 * copies in a secure block, which OSSL_PARAM_free clears before freeing
	 * (OSSL_PARAM_clear_free only exists from OpenSSL 3.2). */
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

static bool modulus_ok(const uint8_t *n, size_t nlen)
{
	return nlen > 0 && n[0] != 0 && (n[nlen - 1] & 1);
}

enum xsp_err xsp_rsa_public(const uint8_t *n, size_t nlen, EVP_PKEY **out)
{
	if (!modulus_ok(n, nlen))
		return XSP_E_KEY_SIZE;
	struct rsa_nums k = { 0 };
	enum xsp_err rc = XSP_E_NOMEM;
	k.n = BN_bin2bn(n, (int)nlen, NULL);
	k.e = BN_new();
	if (k.n && k.e && BN_set_word(k.e, XSP_RSA_E))
		rc = fromdata(&k, out);
	nums_free(&k);
	return rc;
}

/*
 * Recovers p and q from (n, e, d): k = e*d - 1 is a multiple of lambda(n), so
 * for most g some g^(k / 2^i) is a square root of 1 other than +-1, and its gcd
 * with n is a prime factor (Boneh, "Twenty years of attacks on RSA", 1999;
 * NIST SP 800-56B rev. 2, appendix C). Returns false if none is found, which
 * for a genuine key happens with probability below 2^-64 over 64 bases.
 */
static bool factor_from_d(struct rsa_nums *k, BN_CTX *ctx)
{
	BIGNUM *t = BN_CTX_get(ctx), *x = BN_CTX_get(ctx), *y = BN_CTX_get(ctx);
	BIGNUM *g = BN_CTX_get(ctx), *n1 = BN_CTX_get(ctx), *r = BN_CTX_get(ctx);
	if (!r || !BN_mul(t, k->e, k->d, ctx) || !BN_sub_word(t, 1) || BN_is_odd(t) ||
	    !BN_sub(n1, k->n, BN_value_one()))
		return false;
	int s = 0;
	while (!BN_is_odd(t) && !BN_is_zero(t)) {
		if (!BN_rshift1(t, t))
			return false;
		s++;
	}
	BN_set_flags(t, BN_FLG_CONSTTIME); /* t derives from d */
	for (BN_ULONG base = 2; base < 2 + 64; base++) {
		if (!BN_set_word(g, base) || !BN_mod_exp(x, g, t, k->n, ctx))
			return false;
		for (int i = 0; i < s; i++) {
			if (!BN_mod_sqr(y, x, k->n, ctx))
				return false;
			if (BN_is_one(y)) {
				if (BN_is_one(x) || !BN_cmp(x, n1))
					break; /* trivial root: next base */
				k->p = BN_secure_new();
				k->q = BN_secure_new();
				if (!k->p || !k->q || !BN_sub_word(x, 1) || !BN_gcd(k->p, x, k->n, ctx) ||
				    !BN_div(k->q, r, k->n, k->p, ctx))
					return false;
				return BN_is_zero(r) && !BN_is_one(k->p) && !BN_is_one(k->q);
			}
			if (!BN_copy(x, y))
				return false;
		}
	}
	return false;
}

static bool crt_params(struct rsa_nums *k, BN_CTX *ctx)
{
	BIGNUM *pm1 = BN_CTX_get(ctx), *qm1 = BN_CTX_get(ctx);
	k->dmp1 = BN_secure_new();
	k->dmq1 = BN_secure_new();
	k->iqmp = BN_secure_new();
	return qm1 && k->dmp1 && k->dmq1 && k->iqmp && BN_sub(pm1, k->p, BN_value_one()) &&
	       BN_sub(qm1, k->q, BN_value_one()) && BN_mod(k->dmp1, k->d, pm1, ctx) &&
	       BN_mod(k->dmq1, k->d, qm1, ctx) && BN_mod_inverse(k->iqmp, k->q, k->p, ctx);
}

enum xsp_err xsp_rsa_private(const uint8_t *n, size_t nlen, const uint8_t *d, size_t dlen,
			     EVP_PKEY **out)
{
	if (!modulus_ok(n, nlen) || dlen == 0 || dlen > nlen)
		return XSP_E_KEY_SIZE;
	struct rsa_nums k = { 0 };
	enum xsp_err rc = XSP_E_NOMEM;
	BN_CTX *ctx = BN_CTX_secure_new();
	if (!ctx)
		return rc;
	BN_CTX_start(ctx);
	k.n = BN_bin2bn(n, (int)nlen, NULL);
	k.e = BN_new();
	k.d = BN_secure_new();
	if (!k.n || !k.e || !k.d || !BN_set_word(k.e, XSP_RSA_E) ||
	    !BN_bin2bn(d, (int)dlen, k.d))
		goto out;
	BN_set_flags(k.d, BN_FLG_CONSTTIME);
	rc = XSP_E_KEY_MISMATCH;
	if (BN_is_zero(k.d) || BN_cmp(k.d, k.n) >= 0 || !factor_from_d(&k, ctx))
		goto out;
	rc = crt_params(&k, ctx) ? fromdata(&k, out) : XSP_E_CRYPTO;
out:
	nums_free(&k);
	BN_CTX_end(ctx);
	BN_CTX_free(ctx);
	return rc;
}

enum xsp_err xsp_rsa_generate(unsigned bits, EVP_PKEY **out)
{
	enum xsp_err rc = XSP_E_CRYPTO;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *e = BN_new();
	if (ctx && e && BN_set_word(e, XSP_RSA_E) && EVP_PKEY_keygen_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) > 0 &&
	    EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e) > 0 && EVP_PKEY_generate(ctx, out) > 0)
		rc = XSP_OK;
	BN_free(e);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

enum xsp_err xsp_rsa_check_size(const EVP_PKEY *pk, unsigned bits)
{
	BIGNUM *e = NULL;
	enum xsp_err rc = XSP_E_KEY_SIZE;
	if (EVP_PKEY_is_a(pk, "RSA") && EVP_PKEY_get_bits(pk) == (int)bits &&
	    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) && BN_is_word(e, XSP_RSA_E))
		rc = XSP_OK;
	BN_free(e);
	return rc;
}

static enum xsp_err get_bn(const EVP_PKEY *pk, const char *name, uint8_t *out, size_t len)
{
	BIGNUM *v = NULL;
	enum xsp_err rc = XSP_E_KEY_SIZE;
	if (!EVP_PKEY_get_bn_param(pk, name, &v))
		return XSP_E_CRYPTO;
	if (BN_bn2binpad(v, out, (int)len) == (int)len)
		rc = XSP_OK;
	BN_clear_free(v);
	return rc;
}

enum xsp_err xsp_rsa_get_n(const EVP_PKEY *pk, uint8_t *out, size_t len)
{
	return get_bn(pk, OSSL_PKEY_PARAM_RSA_N, out, len);
}

enum xsp_err xsp_rsa_get_d(const EVP_PKEY *pk, uint8_t *out, size_t len)
{
	return get_bn(pk, OSSL_PKEY_PARAM_RSA_D, out, len);
}

enum xsp_err xsp_rsa_sign_raw(EVP_PKEY *priv, const uint8_t *msg, size_t mlen, uint8_t *sig,
			      size_t siglen)
{
	/* No signature digest set: OpenSSL pads msg itself (type 1), no DigestInfo. */
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
	size_t len = siglen;
	enum xsp_err rc = XSP_E_CRYPTO;
	if (ctx && EVP_PKEY_sign_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
	    EVP_PKEY_sign(ctx, sig, &len, msg, mlen) > 0 && len == siglen)
		rc = XSP_OK;
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

enum xsp_err xsp_rsa_recover(EVP_PKEY *pub, const uint8_t *sig, size_t len, uint8_t *out)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
	size_t olen = len;
	enum xsp_err rc = XSP_E_CRYPTO;
	if (ctx && EVP_PKEY_verify_recover_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) > 0)
		/* The only way this fails with a valid key is sig >= n. */
		rc = EVP_PKEY_verify_recover(ctx, out, &olen, sig, len) > 0 && olen == len
			     ? XSP_OK
			     : XSP_E_WRONG_CA;
	if (rc)
		ERR_clear_error(); /* an expected outcome, not a library fault to report later */
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

enum xsp_err xsp_rsa_wrap(EVP_PKEY *pub, const uint8_t *in, size_t inlen, uint8_t *out,
			  size_t outlen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
	size_t len = outlen;
	enum xsp_err rc = XSP_E_CRYPTO;
	if (ctx && EVP_PKEY_encrypt_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
	    EVP_PKEY_encrypt(ctx, out, &len, in, inlen) > 0 && len == outlen)
		rc = XSP_OK;
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

enum xsp_err xsp_rsa_unwrap(EVP_PKEY *priv, const uint8_t *in, size_t inlen, uint8_t *out,
			    size_t cap, size_t *outlen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
	uint8_t buf[512]; /* the plaintext is at most the modulus length */
	size_t len = sizeof(buf);
	enum xsp_err rc = XSP_E_CRYPTO;
	if (ctx && EVP_PKEY_decrypt_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0) {
		rc = XSP_E_UNWRAP;
		if (EVP_PKEY_decrypt(ctx, buf, &len, in, inlen) > 0) {
			rc = len <= cap ? XSP_OK : XSP_E_LENGTH;
			if (!rc) {
				memcpy(out, buf, len);
				*outlen = len;
			}
		}
	}
	if (rc)
		ERR_clear_error();
	OPENSSL_cleanse(buf, sizeof(buf));
	EVP_PKEY_CTX_free(ctx);
	return rc;
}
