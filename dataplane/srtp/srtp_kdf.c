/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 3711 section 4.3 key derivation with the AES-CM PRF, key_derivation_rate 0
 * (the only rate SDES uses in practice and the only one libsrtp supports):
 *   x  = master_salt XOR (label << 48)        (112 bits)
 *   out = AES-CM keystream of the master key with IV = x * 2^16
 * AES-256 master keys (RFC 6188) use AES-256 in the same construction.
 * Runs once per key set on the control thread, so OpenSSL's ECB is used here
 * and intel-ipsec-mb is left to the hot path.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "srtp_internal.h"

int xs_srtp_kdf(const uint8_t *master_key, unsigned key_len, const uint8_t *master_salt14,
		uint8_t label, uint8_t *out, unsigned out_len)
{
	const EVP_CIPHER *cipher = key_len == 32 ? EVP_aes_256_ecb() :
				   key_len == 16 ? EVP_aes_128_ecb() : NULL;
	uint8_t block[16], ks[16];
	EVP_CIPHER_CTX *ctx;
	int rc = -EIO, n;

	if (!cipher || out_len > 16 * 65536u)
		return -EINVAL;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (EVP_EncryptInit_ex(ctx, cipher, NULL, master_key, NULL) != 1)
		goto out;
	EVP_CIPHER_CTX_set_padding(ctx, 0);

	for (unsigned off = 0, ctr = 0; off < out_len; off += 16, ctr++) {
		memcpy(block, master_salt14, 14);
		block[7] ^= label;
		block[14] = (uint8_t)(ctr >> 8);
		block[15] = (uint8_t)ctr;
		if (EVP_EncryptUpdate(ctx, ks, &n, block, 16) != 1 || n != 16)
			goto out;
		memcpy(out + off, ks, out_len - off < 16 ? out_len - off : 16);
	}
	rc = 0;
out:
	OPENSSL_cleanse(ks, sizeof(ks));
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}
