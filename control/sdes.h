/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDES (RFC 4568) crypto attributes: "a=crypto:<tag> <suite> <key-params>
 * [<session-params>]", e.g.
 *   a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4
 *
 * One key-param (inline:<base64 key||salt>[|<lifetime>][|<MKI>:<length>]) is
 * supported; several (RFC 4568 allows them, for MKI) is an error, as is an MKI
 * other than none, since the engine has no MKI. Suites are the engine's SDES
 * suites (dataplane/srtp/xs_srtp.h); the session parameters understood are
 * UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP, UNAUTHENTICATED_SRTP; others (KDR,
 * FEC_ORDER, WSH, ...) are kept as text and reported, so a caller can refuse
 * what it cannot honour.
 *
 * struct sdes_crypto holds a master key: wipe it (sdes_crypto_clear) when done.
 */
#ifndef XS_SDES_H
#define XS_SDES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SDES_MAX_KEY 32
#define SDES_MAX_SALT 14
#define SDES_PARAMS_MAX 128 /* unrecognised session parameters, as text */

/* session parameter flags: same values as XS_SRTP_F_* of the engine */
#define SDES_F_UNENCRYPTED_SRTP (1u << 0)
#define SDES_F_UNENCRYPTED_SRTCP (1u << 1)
#define SDES_F_UNAUTHENTICATED_SRTP (1u << 2)

struct sdes_crypto {
	uint32_t tag;          /* 1..999999999 */
	int suite;             /* enum xs_srtp_suite (an SDES suite, never x-sipura) */
	uint8_t key[SDES_MAX_KEY];
	uint8_t salt[SDES_MAX_SALT];
	uint8_t key_len, salt_len;
	uint64_t lifetime;     /* packets; 0 = not given */
	uint32_t flags;        /* SDES_F_* */
	char other_params[SDES_PARAMS_MAX]; /* unrecognised session params, space separated */
};

/* Parses the attribute value after "crypto:" (len bytes, need not be
 * NUL-terminated). 0, or -1 with a static reason in *why: unknown suite, bad
 * base64, key||salt of the wrong length for the suite, bad lifetime, MKI,
 * more than one key-param, tag out of range, trailing garbage. */
int sdes_parse(const char *value, size_t len, struct sdes_crypto *out, const char **why);

/* Writes the attribute value (without "a=crypto:"), NUL-terminated. Lifetime
 * and flags are written when set. 0, or -1 if cap is too small. */
int sdes_format(const struct sdes_crypto *c, char *out, size_t cap);

/* Fills key and salt for the suite with fresh random bytes (OpenSSL
 * RAND_priv_bytes); tag and flags are left to the caller. 0 or -1. */
int sdes_generate(struct sdes_crypto *c, int suite);

void sdes_crypto_clear(struct sdes_crypto *c); /* wipes the whole struct */

#ifdef __cplusplus
}
#endif
#endif
