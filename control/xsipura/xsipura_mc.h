/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Mini-Certificate (MC), 252 bytes, and the Mini_Certificate provisioning
 * parameter. Layout (FACTS.md sections 1-2, checked against the guide's worked
 * example):
 *
 *   offset  size  field
 *        0    32  user name, NUL-padded
 *       32    16  user id, NUL-padded
 *       48    12  expiry, ASCII hhmmssMMDDYY
 *       60    64  subscriber public key: RSA-512 modulus, big-endian (e = 65537)
 *      124   128  CA signature: RSA-1024 PKCS#1 v1.5 block type 1 over the raw
 *                 20-byte SHA-1 of bytes 0..123, no DigestInfo
 *
 * Mini_Certificate parameter = base64(MC || CA modulus (128 bytes)), 380 bytes.
 *
 * struct xsp_mc holds the fields as the raw bytes of the wire, so decoding
 * then encoding gives back the same 252 bytes whatever the padding held.
 */
#ifndef XSIPURA_MC_H
#define XSIPURA_MC_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "xsipura_assumptions.h"
#include "xsipura_ca.h"
#include "xsipura_err.h"
#include "xsipura_expiry.h"
#include "xsipura_subkey.h"

#ifdef __cplusplus
extern "C" {
#endif

#define XSP_MC_NAME_LEN 32
#define XSP_MC_ID_LEN 16
#define XSP_MC_KEY_LEN XSP_SUBKEY_LEN
#define XSP_MC_SIG_LEN XSP_CA_MOD_LEN
#define XSP_MC_BODY_LEN 124 /* the signed part */
#define XSP_MC_LEN 252
#define XSP_MC_PARAM_BIN_LEN (XSP_MC_LEN + XSP_CA_MOD_LEN) /* 380 */
#define XSP_MC_PARAM_LEN 508                                /* its base64 */

struct xsp_mc {
	uint8_t name[XSP_MC_NAME_LEN];
	uint8_t user_id[XSP_MC_ID_LEN];
	uint8_t expiry[XSP_EXPIRY_LEN];
	uint8_t pubkey[XSP_MC_KEY_LEN];
	uint8_t sig[XSP_MC_SIG_LEN];
};
static_assert(sizeof(struct xsp_mc) == XSP_MC_LEN, "struct xsp_mc is the wire layout");

/* Fills the body (name, user id, expiry, public key); the signature is zeroed
 * until xsp_mc_sign. name: at most 32 bytes, user_id: 1 to 16 bytes, neither
 * with control characters; expiry: a valid field (see xsipura_expiry.h). */
enum xsp_err xsp_mc_init(struct xsp_mc *mc, const char *name, const char *user_id,
			 const uint8_t expiry[XSP_EXPIRY_LEN],
			 const uint8_t pubkey[XSP_MC_KEY_LEN]);
/* The same checks and fields as xsp_mc_init, with the public key left zero:
 * for a caller that validates the text before it spends a key on it. */
enum xsp_err xsp_mc_init_fields(struct xsp_mc *mc, const char *name, const char *user_id,
				const uint8_t expiry[XSP_EXPIRY_LEN]);
/* Replace one body field, leaving the others byte for byte (reissue). The
 * signature is left as it was: it no longer matches until xsp_mc_sign. */
enum xsp_err xsp_mc_set_name(struct xsp_mc *mc, const char *name);
enum xsp_err xsp_mc_set_user_id(struct xsp_mc *mc, const char *user_id);

void xsp_mc_encode(const struct xsp_mc *mc, uint8_t out[XSP_MC_LEN]);
/* XSP_E_TRUNCATED (< 252), XSP_E_LENGTH (> 252), XSP_E_DATE (expiry field not a
 * date), XSP_E_KEY_SIZE (public key not a 512-bit odd modulus). The name and
 * user id bytes are kept as they are. */
enum xsp_err xsp_mc_decode(const uint8_t *buf, size_t len, struct xsp_mc *mc);

/* The text fields up to their first NUL, as C strings. */
void xsp_mc_name(const struct xsp_mc *mc, char out[XSP_MC_NAME_LEN + 1]);
void xsp_mc_user_id(const struct xsp_mc *mc, char out[XSP_MC_ID_LEN + 1]);
/* True if the user id field is exactly user_id, NUL-padded (the phones compare
 * "exactly" with the dialled user-id). */
bool xsp_mc_user_id_is(const struct xsp_mc *mc, const char *user_id);

/* Signs the body with the CA's private key (deterministic). */
enum xsp_err xsp_mc_sign(struct xsp_mc *mc, const struct xsp_ca *ca);
/* XSP_OK, XSP_E_WRONG_CA (the recovered block is not a type 1 block: another
 * key signed, or the signature is damaged) or XSP_E_SIGNATURE (a well-formed
 * block from this CA whose hash does not match the body: the body changed). */
enum xsp_err xsp_mc_verify(const struct xsp_mc *mc, const struct xsp_ca *ca);
/* XSP_E_EXPIRED if now is at or past the expiry instant. */
enum xsp_err xsp_mc_check_expiry(const struct xsp_mc *mc, enum xsp_clock clock, time_t now);
/* Signature, then expiry: what a phone checks on a peer's certificate. */
enum xsp_err xsp_mc_check(const struct xsp_mc *mc, const struct xsp_ca *ca,
			  enum xsp_clock clock, time_t now);

/* The Mini_Certificate parameter: 508 base64 characters and a NUL. */
enum xsp_err xsp_mc_param_encode(const struct xsp_mc *mc, const uint8_t ca_n[XSP_CA_MOD_LEN],
				 char out[XSP_MC_PARAM_LEN + 1]);
/* Decodes a Mini_Certificate parameter (whitespace allowed). ca_n may be NULL.
 * XSP_E_BASE64, XSP_E_TRUNCATED / XSP_E_LENGTH (not 380 bytes), or what
 * xsp_mc_decode returns. */
enum xsp_err xsp_mc_param_decode(const char *b64, size_t len, struct xsp_mc *mc,
				 uint8_t ca_n[XSP_CA_MOD_LEN]);

#ifdef __cplusplus
}
#endif
#endif
