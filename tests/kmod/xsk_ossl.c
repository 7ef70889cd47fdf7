// SPDX-License-Identifier: BSD-3-Clause
/* See xsk_ossl.h. */
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "xsk_ossl.h"

/* Contexts keyed once; each packet only sets the IV / restarts the HMAC. */
struct ctr_ctx {
	u8 key[32];
	int key_len;
	EVP_CIPHER_CTX *e;
};

struct mac_ctx {
	u8 key[20];
	int key_len;
	const EVP_MD *md;
	HMAC_CTX *h;
};

static int ossl_ctr(void *ctx, const u8 *iv, u8 *buf, u32 len)
{
	struct ctr_ctx *c = ctx;
	int n;

	if (!c->e) {
		c->e = EVP_CIPHER_CTX_new();
		if (!c->e || EVP_EncryptInit_ex(c->e, c->key_len == 32 ? EVP_aes_256_ctr() :
						EVP_aes_128_ctr(), NULL, c->key, NULL) != 1)
			return -EIO;
	}
	if (EVP_EncryptInit_ex(c->e, NULL, NULL, NULL, iv) != 1 ||
	    EVP_EncryptUpdate(c->e, buf, &n, buf, (int)len) != 1)
		return -EIO;
	return 0;
}

static int ossl_mac(void *ctx, const u8 *buf, u32 len, const u8 *tail, u32 tail_len, u8 *out)
{
	struct mac_ctx *m = ctx;
	unsigned int n;

	if (!m->h) {
		m->h = HMAC_CTX_new();
		if (!m->h || HMAC_Init_ex(m->h, m->key, m->key_len, m->md, NULL) != 1)
			return -EIO;
	} else if (HMAC_Init_ex(m->h, NULL, 0, NULL, NULL) != 1) {
		return -EIO;
	}
	if (HMAC_Update(m->h, buf, len) != 1 ||
	    (tail_len && HMAC_Update(m->h, tail, tail_len) != 1) ||
	    HMAC_Final(m->h, out, &n) != 1)
		return -EIO;
	return 0;
}

const struct xsk_crypto_ops xsk_ossl_ops = { ossl_ctr, ossl_mac };

static struct ctr_ctx *ctr_new(const u8 *key, int len)
{
	struct ctr_ctx *c = calloc(1, sizeof(*c));

	if (c) {
		memcpy(c->key, key, (size_t)len);
		c->key_len = len;
	}
	return c;
}

int xsk_ossl_keys_new(const struct xs_dp_crypto *c, struct xsk_ossl_keys *k)
{
	struct xsk_dir_plan plan[2];
	struct xsk_dir_material m;
	struct xsk_dir *dir[2];
	struct ctr_ctx *master = NULL;
	int rc, d;

	memset(k, 0, sizeof(*k));
	dir[0] = &k->keys.rtp;
	dir[1] = &k->keys.rtcp;
	k->keys.suite = (u8)c->suite;
	k->keys.rtp_plain = c->suite == XSK_SUITE_NONE;
	k->keys.rtcp_plain = c->suite == XSK_SUITE_NONE ||
			     (c->suite == XSK_SUITE_XSIPURA && !c->xsipura.rtcp_encrypted);
	if (c->suite == XSK_SUITE_NONE)
		return 0;
	rc = xsk_plan(c, &plan[0], &plan[1]);
	if (rc)
		return rc;
	if (plan[0].kdf)
		master = ctr_new(c->master_key, c->key_len);
	for (d = 0; d < 2 && !rc; d++) {
		rc = xsk_derive(c, &plan[d], &xsk_ossl_ops, master, &m);
		if (rc)
			break;
		xsk_dir_fill(dir[d], &m);
		if (plan[d].cipher == XSK_CIPHER_AES_CM)
			k->ctx[2 * d] = dir[d]->ctr_ctx = ctr_new(m.enc_key, plan[d].key_len);
		if (plan[d].auth != XSK_AUTH_NULL) {
			struct mac_ctx *mc = calloc(1, sizeof(*mc));

			memcpy(mc->key, m.auth_key, plan[d].auth_key_len);
			mc->key_len = plan[d].auth_key_len;
			mc->md = plan[d].auth == XSK_AUTH_HMAC_MD5 ? EVP_md5() : EVP_sha1();
			k->ctx[2 * d + 1] = dir[d]->mac_ctx = mc;
		}
	}
	if (master)
		EVP_CIPHER_CTX_free(master->e);
	free(master);
	return rc;
}

void xsk_ossl_keys_free(struct xsk_ossl_keys *k)
{
	for (int i = 0; i < 4; i++) {
		if (!k->ctx[i])
			continue;
		if (i % 2)
			HMAC_CTX_free(((struct mac_ctx *)k->ctx[i])->h);
		else
			EVP_CIPHER_CTX_free(((struct ctr_ctx *)k->ctx[i])->e);
		free(k->ctx[i]);
	}
	memset(k, 0, sizeof(*k));
}
