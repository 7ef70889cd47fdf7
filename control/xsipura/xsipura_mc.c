/* SPDX-License-Identifier: BSD-3-Clause */
/* Mini-Certificate codec, signature and checks. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "xsipura_b64.h"
#include "xsipura_internal.h"
#include "xsipura_mc.h"
#include "xsipura_rsa.h"

/* The signature block: 00 01, FF padding, 00, then the raw SHA-1 (no DigestInfo). */
#define SIG_PAD_LEN (XSP_MC_SIG_LEN - 3 - SHA_DIGEST_LENGTH)

static enum xsp_err text_field(const char *s, size_t max, enum xsp_err too_long,
			       uint8_t *field)
{
	size_t len = strlen(s);
	if (len > max)
		return too_long;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return XSP_E_FIELD_CHARS;
	memset(field, 0, max);
	memcpy(field, s, len);
	return XSP_OK;
}

enum xsp_err xsp_mc_set_name(struct xsp_mc *mc, const char *name)
{
	return text_field(name, XSP_MC_NAME_LEN, XSP_E_NAME_TOO_LONG, mc->name);
}

enum xsp_err xsp_mc_set_user_id(struct xsp_mc *mc, const char *user_id)
{
	if (!user_id[0])
		return XSP_E_ID_EMPTY;
	return text_field(user_id, XSP_MC_ID_LEN, XSP_E_ID_TOO_LONG, mc->user_id);
}

static bool pubkey_ok(const uint8_t n[XSP_MC_KEY_LEN])
{
	return (n[0] & 0x80) && (n[XSP_MC_KEY_LEN - 1] & 1); /* 512 bits exactly, odd */
}

enum xsp_err xsp_mc_init_fields(struct xsp_mc *mc, const char *name, const char *user_id,
				const uint8_t expiry[XSP_EXPIRY_LEN])
{
	struct xsp_mc tmp;
	memset(&tmp, 0, sizeof(tmp));
	enum xsp_err rc = xsp_mc_set_name(&tmp, name);
	if (!rc)
		rc = xsp_mc_set_user_id(&tmp, user_id);
	if (!rc)
		rc = xsp_expiry_validate(expiry);
	if (rc)
		return rc;
	memcpy(tmp.expiry, expiry, XSP_EXPIRY_LEN);
	*mc = tmp;
	return XSP_OK;
}

enum xsp_err xsp_mc_init(struct xsp_mc *mc, const char *name, const char *user_id,
			 const uint8_t expiry[XSP_EXPIRY_LEN],
			 const uint8_t pubkey[XSP_MC_KEY_LEN])
{
	struct xsp_mc tmp;
	enum xsp_err rc = xsp_mc_init_fields(&tmp, name, user_id, expiry);
	if (!rc && !pubkey_ok(pubkey))
		rc = XSP_E_KEY_SIZE;
	if (rc)
		return rc;
	memcpy(tmp.pubkey, pubkey, XSP_MC_KEY_LEN);
	*mc = tmp;
	return XSP_OK;
}

void xsp_mc_encode(const struct xsp_mc *mc, uint8_t out[XSP_MC_LEN])
{
	memcpy(out, mc, XSP_MC_LEN); /* the struct is the wire layout (static_assert) */
}

enum xsp_err xsp_mc_decode(const uint8_t *buf, size_t len, struct xsp_mc *mc)
{
	if (len != XSP_MC_LEN)
		return len < XSP_MC_LEN ? XSP_E_TRUNCATED : XSP_E_LENGTH;
	const struct xsp_mc *in = (const struct xsp_mc *)(const void *)buf;
	if (xsp_expiry_validate(in->expiry))
		return XSP_E_DATE;
	if (!pubkey_ok(in->pubkey))
		return XSP_E_KEY_SIZE;
	memcpy(mc, buf, XSP_MC_LEN);
	return XSP_OK;
}

static void field_string(const uint8_t *f, size_t len, char *out)
{
	size_t n = strnlen((const char *)f, len);
	memcpy(out, f, n);
	out[n] = '\0';
}

void xsp_mc_name(const struct xsp_mc *mc, char out[XSP_MC_NAME_LEN + 1])
{
	field_string(mc->name, XSP_MC_NAME_LEN, out);
}

void xsp_mc_user_id(const struct xsp_mc *mc, char out[XSP_MC_ID_LEN + 1])
{
	field_string(mc->user_id, XSP_MC_ID_LEN, out);
}

bool xsp_mc_user_id_is(const struct xsp_mc *mc, const char *user_id)
{
	uint8_t want[XSP_MC_ID_LEN] = { 0 };
	size_t len = strlen(user_id);
	if (len == 0 || len > XSP_MC_ID_LEN)
		return false;
	memcpy(want, user_id, len);
	return !memcmp(want, mc->user_id, XSP_MC_ID_LEN);
}

static void body_hash(const struct xsp_mc *mc, uint8_t md[SHA_DIGEST_LENGTH])
{
	SHA1((const uint8_t *)mc, XSP_MC_BODY_LEN, md);
}

enum xsp_err xsp_mc_sign(struct xsp_mc *mc, const struct xsp_ca *ca)
{
	uint8_t md[SHA_DIGEST_LENGTH], sig[XSP_MC_SIG_LEN];
	if (!xsp_ca_has_private(ca))
		return XSP_E_INVAL;
	body_hash(mc, md);
	enum xsp_err rc = xsp_rsa_sign_raw(xsp_ca_pkey(ca), md, sizeof(md), sig, sizeof(sig));
	if (!rc)
		memcpy(mc->sig, sig, sizeof(sig));
	return rc;
}

static bool type1_block_ok(const uint8_t *b)
{
	if (b[0] != 0x00 || b[1] != 0x01 || b[2 + SIG_PAD_LEN] != 0x00)
		return false;
	for (size_t i = 2; i < 2 + SIG_PAD_LEN; i++)
		if (b[i] != 0xff)
			return false;
	return true;
}

enum xsp_err xsp_mc_verify(const struct xsp_mc *mc, const struct xsp_ca *ca)
{
	uint8_t block[XSP_MC_SIG_LEN], md[SHA_DIGEST_LENGTH];
	enum xsp_err rc = xsp_rsa_recover(xsp_ca_pkey(ca), mc->sig, sizeof(mc->sig), block);
	if (rc)
		return rc;
	/* Strict layout, not just "ends with the hash": no room for forgeries that
	 * hide garbage in the padding. */
	if (!type1_block_ok(block))
		return XSP_E_WRONG_CA;
	body_hash(mc, md);
	return CRYPTO_memcmp(block + XSP_MC_SIG_LEN - SHA_DIGEST_LENGTH, md, sizeof(md))
		       ? XSP_E_SIGNATURE
		       : XSP_OK;
}

enum xsp_err xsp_mc_check_expiry(const struct xsp_mc *mc, enum xsp_clock clock, time_t now)
{
	time_t expires;
	enum xsp_err rc = xsp_expiry_time(mc->expiry, clock, &expires);
	if (rc)
		return rc;
	return now >= expires ? XSP_E_EXPIRED : XSP_OK;
}

enum xsp_err xsp_mc_check(const struct xsp_mc *mc, const struct xsp_ca *ca,
			  enum xsp_clock clock, time_t now)
{
	enum xsp_err rc = xsp_mc_verify(mc, ca);
	return rc ? rc : xsp_mc_check_expiry(mc, clock, now);
}

enum xsp_err xsp_mc_param_encode(const struct xsp_mc *mc, const uint8_t ca_n[XSP_CA_MOD_LEN],
				 char out[XSP_MC_PARAM_LEN + 1])
{
	uint8_t bin[XSP_MC_PARAM_BIN_LEN];
	xsp_mc_encode(mc, bin);
	memcpy(bin + XSP_MC_LEN, ca_n, XSP_CA_MOD_LEN);
	return xsp_b64_encode(bin, sizeof(bin), 0, out, XSP_MC_PARAM_LEN + 1, NULL);
}

enum xsp_err xsp_mc_param_decode(const char *b64, size_t len, struct xsp_mc *mc,
				 uint8_t ca_n[XSP_CA_MOD_LEN])
{
	uint8_t bin[XSP_MC_PARAM_BIN_LEN + 1];
	size_t n = 0;
	struct xsp_mc tmp;
	enum xsp_err rc = xsp_b64_decode(b64, len, bin, sizeof(bin), &n);
	if (!rc && n != XSP_MC_PARAM_BIN_LEN)
		rc = n < XSP_MC_PARAM_BIN_LEN ? XSP_E_TRUNCATED : XSP_E_LENGTH;
	if (!rc)
		rc = xsp_mc_decode(bin, XSP_MC_LEN, &tmp);
	if (rc)
		return rc;
	*mc = tmp;
	if (ca_n)
		memcpy(ca_n, bin + XSP_MC_LEN, XSP_CA_MOD_LEN);
	return XSP_OK;
}
