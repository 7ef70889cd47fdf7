/* SPDX-License-Identifier: BSD-3-Clause */
/* Minting a certificate: check the fields, take a key, sign. */
#include <string.h>

#include "xsipura_mint.h"

enum xsp_err xsp_mint(const struct xsp_ca *ca, struct xsp_keypool *pool, const char *name,
		      const char *user_id, const uint8_t expiry[XSP_EXPIRY_LEN],
		      struct xsp_mc *mc, struct xsp_subkey **key)
{
	struct xsp_mc tmp;
	struct xsp_subkey *k = NULL;
	if (!xsp_ca_has_private(ca))
		return XSP_E_INVAL;
	/* The text fields and the expiry are checked before a key is spent. */
	enum xsp_err rc = xsp_mc_init_fields(&tmp, name, user_id, expiry);
	if (rc)
		return rc;
	rc = pool ? xsp_keypool_take(pool, &k) : xsp_subkey_generate(&k);
	if (rc)
		return rc;
	memcpy(tmp.pubkey, xsp_subkey_modulus(k), XSP_MC_KEY_LEN);
	rc = xsp_mc_sign(&tmp, ca);
	if (rc) {
		xsp_subkey_free(k);
		return rc;
	}
	*mc = tmp;
	*key = k;
	return XSP_OK;
}
