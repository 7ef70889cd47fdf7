/* SPDX-License-Identifier: BSD-3-Clause */
/* Subscriber keys: generation and the SRTP_Private_Key parameter. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "xsipura_b64.h"
#include "xsipura_internal.h"
#include "xsipura_rsa.h"

#define SUB_BITS (XSP_SUBKEY_LEN * 8)

struct xsp_subkey {
	atomic_int refs;
	EVP_PKEY *pkey;
	uint8_t n[XSP_SUBKEY_LEN];
};

/* Takes ownership of pkey (freed on failure too). */
static enum xsp_err subkey_wrap(EVP_PKEY *pkey, struct xsp_subkey **out)
{
	enum xsp_err rc = xsp_rsa_check_size(pkey, SUB_BITS);
	struct xsp_subkey *k = rc ? NULL : calloc(1, sizeof(*k));
	if (!rc && !k)
		rc = XSP_E_NOMEM;
	if (!rc)
		rc = xsp_rsa_get_n(pkey, k->n, sizeof(k->n));
	if (rc) {
		free(k);
		EVP_PKEY_free(pkey);
		return rc;
	}
	atomic_init(&k->refs, 1);
	k->pkey = pkey;
	*out = k;
	return XSP_OK;
}

enum xsp_err xsp_subkey_generate(struct xsp_subkey **out)
{
	EVP_PKEY *pk = NULL;
	enum xsp_err rc = xsp_rsa_generate(SUB_BITS, &pk);
	return rc ? rc : subkey_wrap(pk, out);
}

enum xsp_err xsp_subkey_from_param(const char *b64, size_t len,
				   const uint8_t n[XSP_SUBKEY_LEN], struct xsp_subkey **out)
{
	uint8_t d[XSP_SUBKEY_LEN + 1];
	size_t dlen = 0;
	EVP_PKEY *pk = NULL;
	enum xsp_err rc = xsp_b64_decode(b64, len, d, sizeof(d), &dlen);
	if (!rc && dlen != XSP_SUBKEY_LEN)
		rc = dlen < XSP_SUBKEY_LEN ? XSP_E_TRUNCATED : XSP_E_LENGTH;
	if (!rc)
		rc = xsp_rsa_private(n, XSP_SUBKEY_LEN, d, XSP_SUBKEY_LEN, &pk);
	OPENSSL_cleanse(d, sizeof(d));
	return rc ? rc : subkey_wrap(pk, out);
}

enum xsp_err xsp_subkey_to_param(const struct xsp_subkey *key,
				 char out[XSP_PRIVKEY_PARAM_LEN + 1])
{
	uint8_t d[XSP_SUBKEY_LEN];
	enum xsp_err rc = xsp_rsa_get_d(key->pkey, d, sizeof(d));
	if (!rc)
		rc = xsp_b64_encode(d, sizeof(d), 0, out, XSP_PRIVKEY_PARAM_LEN + 1, NULL);
	OPENSSL_cleanse(d, sizeof(d));
	return rc;
}

const uint8_t *xsp_subkey_modulus(const struct xsp_subkey *key)
{
	return key->n;
}

EVP_PKEY *xsp_subkey_pkey(const struct xsp_subkey *key)
{
	return key->pkey;
}

struct xsp_subkey *xsp_subkey_ref(struct xsp_subkey *key)
{
	atomic_fetch_add_explicit(&key->refs, 1, memory_order_relaxed);
	return key;
}

void xsp_subkey_free(struct xsp_subkey *key)
{
	if (!key || atomic_fetch_sub_explicit(&key->refs, 1, memory_order_acq_rel) != 1)
		return;
	EVP_PKEY_free(key->pkey); /* OpenSSL clears the private numbers */
	free(key);
}
