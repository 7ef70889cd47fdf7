/* SPDX-License-Identifier: BSD-3-Clause */
/* Minting: a subscriber key, a Mini-Certificate for it, the CA's signature. */
#ifndef XSIPURA_MINT_H
#define XSIPURA_MINT_H

#include "xsipura_ca.h"
#include "xsipura_err.h"
#include "xsipura_keypool.h"
#include "xsipura_mc.h"
#include "xsipura_subkey.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Mints a signed certificate and its private key. The key comes from pool
 * (NULL: generated now). The fields are checked before a key is taken, so bad
 * input costs no key. On success *key is the caller's (xsp_subkey_free). */
enum xsp_err xsp_mint(const struct xsp_ca *ca, struct xsp_keypool *pool, const char *name,
		      const char *user_id, const uint8_t expiry[XSP_EXPIRY_LEN],
		      struct xsp_mc *mc, struct xsp_subkey **key);

#ifdef __cplusplus
}
#endif
#endif
