/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A subscriber key: RSA-512, e = 65537. Its public modulus goes into the
 * Mini-Certificate; its private exponent d, as 64 big-endian bytes in base64,
 * is the SRTP_Private_Key provisioning parameter (nothing else: the modulus
 * comes back from the subscriber's own certificate).
 *
 * Immutable once made and reference-counted, like struct xsp_ca.
 */
#ifndef XSIPURA_SUBKEY_H
#define XSIPURA_SUBKEY_H

#include <stddef.h>
#include <stdint.h>

#include "xsipura_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define XSP_SUBKEY_LEN 64                    /* modulus and private exponent bytes */
#define XSP_PRIVKEY_PARAM_LEN 88             /* base64 of 64 bytes */

struct xsp_subkey;

/* A fresh key (RSA-512 key generation: a few milliseconds; see the key pool). */
enum xsp_err xsp_subkey_generate(struct xsp_subkey **out);

/* The key from an SRTP_Private_Key parameter (base64 of d) and the modulus from
 * the subscriber's certificate. XSP_E_BASE64, XSP_E_TRUNCATED / XSP_E_LENGTH
 * (not 64 bytes), XSP_E_KEY_MISMATCH (d does not belong to n). */
enum xsp_err xsp_subkey_from_param(const char *b64, size_t len,
				   const uint8_t n[XSP_SUBKEY_LEN], struct xsp_subkey **out);

/* The SRTP_Private_Key parameter: 88 base64 characters and a NUL. Secret:
 * the caller wipes out after use. */
enum xsp_err xsp_subkey_to_param(const struct xsp_subkey *key,
				 char out[XSP_PRIVKEY_PARAM_LEN + 1]);

const uint8_t *xsp_subkey_modulus(const struct xsp_subkey *key); /* 64 bytes */

struct xsp_subkey *xsp_subkey_ref(struct xsp_subkey *key);
void xsp_subkey_free(struct xsp_subkey *key); /* drops a reference; NULL ok */

#ifdef __cplusplus
}
#endif
#endif
