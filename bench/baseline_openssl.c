/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-packet OpenSSL baseline, the way a userspace relay such as rtpengine does
 * SRTP: one EVP cipher context and one HMAC context per session and direction,
 * keys set once, then for every packet: HMAC-SHA1 over header || payload || ROC
 * and a tag compare, EVP AES-CTR with the packet's IV to decrypt, the same to
 * encrypt under the other key, HMAC again for the new tag. It tracks the ROC for
 * in-order streams and keeps no replay window, so it is if anything faster than a
 * complete implementation.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "baselines.h"
#include "srtp_internal.h"

struct ossl_dir {
	EVP_CIPHER_CTX *cipher;
	EVP_MAC_CTX *mac;
	uint8_t salt[14];
	uint32_t roc;
	uint16_t last_seq;
	uint8_t started;
};

struct ossl_ctx {
	unsigned n, tag_len;
	EVP_MAC *hmac;
	struct ossl_dir *rx, *tx;
};

static void dir_free(struct ossl_dir *d)
{
	EVP_CIPHER_CTX_free(d->cipher);
	EVP_MAC_CTX_free(d->mac);
}

static int dir_init(struct ossl_dir *d, EVP_MAC *hmac, const uint8_t *keysalt, unsigned key_len)
{
	uint8_t enc[32], auth[20];
	OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA1", 0),
				OSSL_PARAM_construct_end() };
	int rc = -1;

	if (xs_srtp_kdf(keysalt, key_len, keysalt + key_len, 0, enc, key_len) ||
	    xs_srtp_kdf(keysalt, key_len, keysalt + key_len, 1, auth, 20) ||
	    xs_srtp_kdf(keysalt, key_len, keysalt + key_len, 2, d->salt, 14))
		goto out;
	d->cipher = EVP_CIPHER_CTX_new();
	d->mac = EVP_MAC_CTX_new(hmac);
	if (!d->cipher || !d->mac ||
	    EVP_EncryptInit_ex(d->cipher, key_len == 32 ? EVP_aes_256_ctr() : EVP_aes_128_ctr(),
			       NULL, enc, NULL) != 1 ||
	    EVP_MAC_init(d->mac, auth, sizeof(auth), params) != 1)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(enc, sizeof(enc));
	OPENSSL_cleanse(auth, sizeof(auth));
	return rc;
}

static void ossl_teardown(void *v)
{
	struct ossl_ctx *c = v;
	for (unsigned i = 0; c->rx && i < c->n; i++) {
		dir_free(&c->rx[i]);
		dir_free(&c->tx[i]);
	}
	free(c->rx);
	free(c->tx);
	EVP_MAC_free(c->hmac);
	free(c);
}

static void *ossl_setup(enum xs_srtp_suite suite, unsigned n, const uint8_t (*ka)[BENCH_KEYSALT],
			const uint8_t (*kb)[BENCH_KEYSALT], uint32_t ssrc_base)
{
	struct ossl_ctx *c = calloc(1, sizeof(*c));
	unsigned key_len = xs_srtp_suite_key_len(suite);

	(void)ssrc_base;
	if (!c)
		return NULL;
	switch (suite) {
	case XS_SUITE_AES_CM_128_HMAC_SHA1_80:
	case XS_SUITE_AES_256_CM_HMAC_SHA1_80:
		c->tag_len = 10;
		break;
	case XS_SUITE_AES_CM_128_HMAC_SHA1_32:
	case XS_SUITE_AES_256_CM_HMAC_SHA1_32:
		c->tag_len = 4;
		break;
	default:
		free(c);
		return NULL;
	}
	c->n = n;
	c->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	c->rx = calloc(n, sizeof(*c->rx));
	c->tx = calloc(n, sizeof(*c->tx));
	if (!c->hmac || !c->rx || !c->tx)
		goto fail;
	for (unsigned i = 0; i < n; i++)
		if (dir_init(&c->rx[i], c->hmac, ka[i], key_len) ||
		    dir_init(&c->tx[i], c->hmac, kb[i], key_len))
			goto fail;
	return c;
fail:
	ossl_teardown(c);
	return NULL;
}

static uint32_t track_roc(struct ossl_dir *d, uint16_t seq)
{
	if (d->started && seq < d->last_seq && d->last_seq - seq > 0x8000)
		d->roc++;
	d->started = 1;
	d->last_seq = seq;
	return d->roc;
}

static void make_iv(uint8_t *iv, const uint8_t *salt, const uint8_t *pkt, uint32_t roc)
{
	memcpy(iv, salt, 14);
	iv[14] = iv[15] = 0;
	for (int i = 0; i < 4; i++)
		iv[4 + i] ^= pkt[8 + i];
	iv[8] ^= (uint8_t)(roc >> 24);
	iv[9] ^= (uint8_t)(roc >> 16);
	iv[10] ^= (uint8_t)(roc >> 8);
	iv[11] ^= (uint8_t)roc;
	iv[12] ^= pkt[2];
	iv[13] ^= pkt[3];
}

static int tag(struct ossl_dir *d, const uint8_t *pkt, size_t len, uint32_t roc, uint8_t *out)
{
	uint8_t r[4] = { (uint8_t)(roc >> 24), (uint8_t)(roc >> 16), (uint8_t)(roc >> 8),
			 (uint8_t)roc };
	size_t outl;

	return EVP_MAC_init(d->mac, NULL, 0, NULL) == 1 && EVP_MAC_update(d->mac, pkt, len) == 1 &&
	       EVP_MAC_update(d->mac, r, 4) == 1 && EVP_MAC_final(d->mac, out, &outl, 20) == 1;
}

static int ctr(struct ossl_dir *d, uint8_t *pkt, unsigned hdr, unsigned len, uint32_t roc)
{
	uint8_t iv[16];
	int outl;

	make_iv(iv, d->salt, pkt, roc);
	return EVP_EncryptInit_ex(d->cipher, NULL, NULL, NULL, iv) == 1 &&
	       EVP_EncryptUpdate(d->cipher, pkt + hdr, &outl, pkt + hdr, (int)(len - hdr)) == 1;
}

static unsigned ossl_reencrypt(void *v, uint8_t **pkts, uint32_t *lens, const uint32_t *sess,
			       unsigned n)
{
	struct ossl_ctx *c = v;
	unsigned ok = 0;

	for (unsigned k = 0; k < n; k++) {
		uint8_t *p = pkts[k], t[20];
		struct ossl_dir *rx = &c->rx[sess[k]], *tx = &c->tx[sess[k]];
		unsigned hdr = 12 + 4u * (p[0] & 0x0f), len = lens[k];
		uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);

		if (p[0] & 0x10)
			hdr += 4 + 4u * (unsigned)(p[hdr + 2] << 8 | p[hdr + 3]);
		if (hdr + c->tag_len > len)
			continue;
		len -= c->tag_len;
		uint32_t roc = track_roc(rx, seq);
		if (!tag(rx, p, len, roc, t) || CRYPTO_memcmp(t, p + len, c->tag_len))
			continue;
		if (!ctr(rx, p, hdr, len, roc))
			continue;
		roc = track_roc(tx, seq);
		if (!ctr(tx, p, hdr, len, roc) || !tag(tx, p, len, roc, t))
			continue;
		memcpy(p + len, t, c->tag_len);
		lens[k] = len + c->tag_len;
		ok++;
	}
	return ok;
}

const struct bench_impl bench_impl_openssl = {
	.name = "openssl",
	.setup = ossl_setup,
	.reencrypt = ossl_reencrypt,
	.teardown = ossl_teardown,
};
