/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The provider's CA key: RSA-1024, e = 65537, the key that signs
 * Mini-Certificates. Two file formats:
 *
 *   gen_mc   the vendor tool's ca-key file: two base64 lines, the modulus n
 *            (128 bytes) then the private exponent d (128 bytes), big-endian.
 *   PEM      an ordinary PKCS#8 private key ("BEGIN PRIVATE KEY"; reading also
 *            takes "BEGIN RSA PRIVATE KEY"), for OpenSSL, HSM import and backups.
 *
 * A gen_mc file has no primes; loading one recovers them from (n, e, d), so a
 * CA key can go either way between the formats without loss.
 *
 * struct xsp_ca is immutable once made and reference-counted; any number of
 * threads may sign and verify with one at the same time. A CA made from a
 * modulus alone verifies but cannot sign.
 */
#ifndef XSIPURA_CA_H
#define XSIPURA_CA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xsipura_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define XSP_CA_MOD_LEN 128
#define XSP_CA_FPR_LEN 65 /* SHA-256 of the modulus in hex, and a NUL */
/* Largest key file we read: a PEM RSA-1024 key is under 1 KiB. */
#define XSP_CA_FILE_MAX 16384

enum xsp_ca_format {
	XSP_CA_FORMAT_GEN_MC = 0,
	XSP_CA_FORMAT_PEM = 1,
};

struct xsp_ca;

enum xsp_err xsp_ca_generate(struct xsp_ca **out);
enum xsp_err xsp_ca_from_modulus(const uint8_t n[XSP_CA_MOD_LEN], struct xsp_ca **out);

/* Parses key text in either format (PEM is recognised by its "-----BEGIN"). */
enum xsp_err xsp_ca_parse(const char *text, size_t len, struct xsp_ca **out);
enum xsp_err xsp_ca_parse_gen_mc(const char *text, size_t len, struct xsp_ca **out);
enum xsp_err xsp_ca_parse_pem(const char *text, size_t len, struct xsp_ca **out);
/* Reads and parses a key file; XSP_E_IO (errno set) if it cannot be read. */
enum xsp_err xsp_ca_load(const char *path, struct xsp_ca **out);

/* Key text in the given format; *text is allocated (free it with
 * xsp_ca_text_free, which wipes it). XSP_E_INVAL for a public-only CA. */
enum xsp_err xsp_ca_export(const struct xsp_ca *ca, enum xsp_ca_format fmt, char **text,
			   size_t *len);
void xsp_ca_text_free(char *text, size_t len);
/* Writes the key to path with mode 0600. Without overwrite an existing file is
 * XSP_E_EXISTS; a failed write leaves no file behind. */
enum xsp_err xsp_ca_save(const struct xsp_ca *ca, enum xsp_ca_format fmt, const char *path,
			 bool overwrite);

const uint8_t *xsp_ca_modulus(const struct xsp_ca *ca); /* XSP_CA_MOD_LEN bytes */
bool xsp_ca_has_private(const struct xsp_ca *ca);
bool xsp_ca_same_key(const struct xsp_ca *a, const struct xsp_ca *b);
/* Lower-case hex SHA-256 of the 128-byte modulus: `openssl dgst -sha256` of it. */
void xsp_ca_fingerprint(const struct xsp_ca *ca, char out[XSP_CA_FPR_LEN]);

struct xsp_ca *xsp_ca_ref(struct xsp_ca *ca);
void xsp_ca_free(struct xsp_ca *ca); /* drops a reference; NULL ok */

#ifdef __cplusplus
}
#endif
#endif
