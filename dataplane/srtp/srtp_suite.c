/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite and status tables: names, key and salt lengths. */
#include <string.h>
#include <strings.h>

#include "xs_srtp.h"
#include "srtp_internal.h"

const struct xs_suite_info xs_suite_table[XS_SUITE_COUNT] = {
	[XS_SUITE_NONE] = { "NONE", 0, 0, 0, XS_CIPHER_NULL, XS_AUTH_NULL, 0 },
	[XS_SUITE_AES_CM_128_HMAC_SHA1_80] = { "AES_CM_128_HMAC_SHA1_80", 16, 14, 20,
		XS_CIPHER_AES_CM, XS_AUTH_HMAC_SHA1, 10 },
	[XS_SUITE_AES_CM_128_HMAC_SHA1_32] = { "AES_CM_128_HMAC_SHA1_32", 16, 14, 20,
		XS_CIPHER_AES_CM, XS_AUTH_HMAC_SHA1, 4 },
	[XS_SUITE_AES_256_CM_HMAC_SHA1_80] = { "AES_256_CM_HMAC_SHA1_80", 32, 14, 20,
		XS_CIPHER_AES_CM, XS_AUTH_HMAC_SHA1, 10 },
	[XS_SUITE_AES_256_CM_HMAC_SHA1_32] = { "AES_256_CM_HMAC_SHA1_32", 32, 14, 20,
		XS_CIPHER_AES_CM, XS_AUTH_HMAC_SHA1, 4 },
	[XS_SUITE_NULL_HMAC_SHA1_80] = { "NULL_HMAC_SHA1_80", 16, 14, 20,
		XS_CIPHER_NULL, XS_AUTH_HMAC_SHA1, 10 },
	[XS_SUITE_NULL_HMAC_SHA1_32] = { "NULL_HMAC_SHA1_32", 16, 14, 20,
		XS_CIPHER_NULL, XS_AUTH_HMAC_SHA1, 4 },
	[XS_SUITE_AES_CM_128_NULL_AUTH] = { "AES_CM_128_NULL_AUTH", 16, 14, 0,
		XS_CIPHER_AES_CM, XS_AUTH_NULL, 0 },
	/* x-sipura: lengths here are the defaults; the profile decides the rest. */
	[XS_SUITE_XSIPURA] = { "XSIPURA", 16, 16, 16,
		XS_CIPHER_AES_CM, XS_AUTH_HMAC_MD5, 4 },
};

static const char *const status_names[XS_SRTP_STATUS_COUNT] = {
	[XS_SRTP_OK] = "ok",
	[XS_SRTP_E_TOO_SHORT] = "too_short",
	[XS_SRTP_E_BAD_VERSION] = "bad_version",
	[XS_SRTP_E_AUTH] = "auth_failed",
	[XS_SRTP_E_REPLAY] = "replayed",
	[XS_SRTP_E_TOO_OLD] = "too_old",
	[XS_SRTP_E_BAD_SUITE] = "unknown_suite",
	[XS_SRTP_E_NO_ROOM] = "no_room",
	[XS_SRTP_E_INDEX_EXHAUSTED] = "index_exhausted",
	[XS_SRTP_E_CRYPTO] = "crypto_error",
	[XS_SRTP_E_SSRC_MISMATCH] = "ssrc_mismatch",
	[XS_SRTP_E_SSRC_LIMIT] = "ssrc_limit",
};

const char *xs_srtp_suite_name(enum xs_srtp_suite suite)
{
	return (unsigned)suite < XS_SUITE_COUNT ? xs_suite_table[suite].name : "unknown";
}

int xs_srtp_suite_from_name(const char *name)
{
	for (unsigned i = 0; i < XS_SUITE_COUNT; i++)
		if (strcasecmp(name, xs_suite_table[i].name) == 0)
			return (int)i;
	return -1;
}

unsigned xs_srtp_suite_key_len(enum xs_srtp_suite suite)
{
	return (unsigned)suite < XS_SUITE_COUNT ? xs_suite_table[suite].key_len : 0;
}

unsigned xs_srtp_suite_salt_len(enum xs_srtp_suite suite)
{
	return (unsigned)suite < XS_SUITE_COUNT ? xs_suite_table[suite].salt_len : 0;
}

const char *xs_srtp_status_name(enum xs_srtp_status status)
{
	return (unsigned)status < XS_SRTP_STATUS_COUNT ? status_names[status] : "unknown";
}

void xs_xsipura_profile_default(struct xs_xsipura_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->auth = XS_XSIPURA_AUTH_HMAC_MD5;
	p->tag_len = 4;
	p->kdf = XS_XSIPURA_KDF_RFC3711;
	p->salt_len = 16;
	p->auth_key_len = 16;
	p->rtcp_encrypted = 1;
}
