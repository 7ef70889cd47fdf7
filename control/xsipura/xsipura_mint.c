/* SPDX-License-Identifier: BSD-3-Clause */
/* Minting a certificate: check the fields, take a key, sign. */
#include <string.h>

#include "xsipura_mint.h"

enum xsp_err xsp_mint(const struct xsp_ca *ca, struct xsp_keypool *pool, const char *name,
		      const char *user_id, const uint8_t expiry[XSP_EXPIRY_LEN],
		      struct xsp_mc *mc, struct xsp_subkey **key)
{
	/* A stand-in modulus of the right shape lets xsp_mc_init check the text
	 * fields and the expiry before a real key is spent. */
	static const uint8_t placeholder[XSP_MC_KEY_LEN] = { [0] = 0x80,
							     [XSP_MC_KEY_LEN - 1] = 0x01 };
	struct xsp_mc tmp;
	struct xsp_subkey *k = NULL;
	if (!xsp_ca_has_private(ca))
		return XSP_E_INVAL;
	enum xsp_err rc = xsp_mc_init(&tmp, name, user_id, expiry, placeholder);
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
