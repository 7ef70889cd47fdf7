/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RSA as x-sipura uses it, on OpenSSL 3 EVP keys (library-internal header).
 * Integers are big-endian byte strings of a fixed length; e is always 65537.
 * Private key material that passes through these functions is wiped
 * (OPENSSL_cleanse, BN_clear_free) before the memory is released.
 */
#ifndef XSIPURA_RSA_H
#define XSIPURA_RSA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "xsipura_err.h"

#define XSP_RSA_E 65537u

/* A public key from a modulus of exactly nlen bytes whose top byte is not zero.
 * XSP_E_KEY_SIZE for a modulus that is even or shorter than nlen * 8 bits. */
enum xsp_err xsp_rsa_public(const uint8_t *n, size_t nlen, EVP_PKEY **out);

/* A private key from modulus n (nlen bytes) and private exponent d (up to nlen
 * bytes, leading zeros allowed). The primes are recovered from (n, e, d), so
 * the key signs and decrypts with the CRT and can be written as PEM; a d that
 * does not belong to n is XSP_E_KEY_MISMATCH. */
enum xsp_err xsp_rsa_private(const uint8_t *n, size_t nlen, const uint8_t *d, size_t dlen,
			     EVP_PKEY **out);

/* A new key of `bits` bits, e = 65537. */
enum xsp_err xsp_rsa_generate(unsigned bits, EVP_PKEY **out);

/* XSP_E_KEY_SIZE unless pk is RSA with exactly `bits` bits and e = 65537. */
enum xsp_err xsp_rsa_check_size(const EVP_PKEY *pk, unsigned bits);

/* n or d as exactly len big-endian bytes. XSP_E_KEY_SIZE if it does not fit. */
enum xsp_err xsp_rsa_get_n(const EVP_PKEY *pk, uint8_t *out, size_t len);
enum xsp_err xsp_rsa_get_d(const EVP_PKEY *pk, uint8_t *out, size_t len);

/* PKCS#1 v1.5 block type 1 signature over the raw bytes of msg, with no
 * DigestInfo (the Mini-Certificate scheme). siglen = the modulus length. */
enum xsp_err xsp_rsa_sign_raw(EVP_PKEY *priv, const uint8_t *msg, size_t mlen, uint8_t *sig,
			      size_t siglen);

/* sig^e mod n with no padding removed: len bytes of output. XSP_E_WRONG_CA if
 * sig is not smaller than n (no key signed it). */
enum xsp_err xsp_rsa_recover(EVP_PKEY *pub, const uint8_t *sig, size_t len, uint8_t *out);

/* PKCS#1 v1.5 block type 2 encryption of in (at most modulus length - 11 bytes)
 * into exactly the modulus length; and its inverse. A block that does not
 * decrypt to a well-formed type 2 block is XSP_E_UNWRAP. */
enum xsp_err xsp_rsa_wrap(EVP_PKEY *pub, const uint8_t *in, size_t inlen, uint8_t *out,
			  size_t outlen);
enum xsp_err xsp_rsa_unwrap(EVP_PKEY *priv, const uint8_t *in, size_t inlen, uint8_t *out,
			    size_t cap, size_t *outlen);

#endif
