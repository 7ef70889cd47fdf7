// SPDX-License-Identifier: GPL-2.0
/*
 * Key sets through the kernel crypto API: ctr(aes) as a synchronous skcipher,
 * hmac(sha1) and hmac(md5) as shash, allocated and keyed once per key set at
 * programming time; the packet path only runs requests on the stack.
 */
#include <crypto/hash.h>
#include <crypto/skcipher.h>
#include <linux/once.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/siphash.h>
#include <linux/slab.h>

#include "xsk.h"

/* buf must be in the linear map (skb data, kmalloc): never the stack. */
static int xsk_ctr(void *ctx, const u8 *iv, u8 *buf, u32 len)
{
	struct crypto_sync_skcipher *tfm = ctx;
	SYNC_SKCIPHER_REQUEST_ON_STACK(req, tfm);
	struct scatterlist sg;
	u8 ivb[16];
	int rc;

	memcpy(ivb, iv, sizeof(ivb));
	sg_init_one(&sg, buf, len);
	skcipher_request_set_sync_tfm(req, tfm);
	skcipher_request_set_callback(req, 0, NULL, NULL);
	skcipher_request_set_crypt(req, &sg, &sg, len, ivb);
	rc = crypto_skcipher_encrypt(req);
	skcipher_request_zero(req);
	memzero_explicit(ivb, sizeof(ivb));
	return rc;
}

static int xsk_mac(void *ctx, const u8 *buf, u32 len, const u8 *tail, u32 tail_len,
		   u8 *out)
{
	struct crypto_shash *tfm = ctx;
	SHASH_DESC_ON_STACK(desc, tfm);
	int rc;

	desc->tfm = tfm;
	rc = crypto_shash_init(desc);
	if (!rc)
		rc = crypto_shash_update(desc, buf, len);
	if (!rc && tail_len)
		rc = crypto_shash_update(desc, tail, tail_len);
	if (!rc)
		rc = crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	return rc;
}

const struct xsk_crypto_ops xsk_kernel_crypto = {
	.ctr = xsk_ctr,
	.mac = xsk_mac,
};

static struct crypto_sync_skcipher *ctr_new(const u8 *key, unsigned int key_len)
{
	struct crypto_sync_skcipher *tfm = crypto_alloc_sync_skcipher("ctr(aes)", 0, 0);

	if (IS_ERR(tfm))
		return tfm;
	if (crypto_sync_skcipher_setkey(tfm, key, key_len)) {
		crypto_free_sync_skcipher(tfm);
		return ERR_PTR(-EINVAL);
	}
	return tfm;
}

static struct crypto_shash *mac_new(u8 auth, const u8 *key, unsigned int key_len)
{
	struct crypto_shash *tfm;

	tfm = crypto_alloc_shash(auth == XSK_AUTH_HMAC_MD5 ? "hmac(md5)" : "hmac(sha1)", 0, 0);
	if (IS_ERR(tfm))
		return tfm;
	if (crypto_shash_setkey(tfm, key, key_len)) {
		crypto_free_shash(tfm);
		return ERR_PTR(-EINVAL);
	}
	return tfm;
}

void xsk_keyset_free(struct xsk_keyset *ks)
{
	int d;

	if (!ks)
		return;
	for (d = 0; d < 2; d++) {
		if (!IS_ERR_OR_NULL(ks->ctr[d]))
			crypto_free_sync_skcipher(ks->ctr[d]);
		if (!IS_ERR_OR_NULL(ks->mac[d]))
			crypto_free_shash(ks->mac[d]);
	}
	kfree_sensitive(ks);
}

static void keyset_free_work(struct work_struct *w)
{
	xsk_keyset_free(container_of(to_rcu_work(w), struct xsk_keyset, rwork));
}

void xsk_keyset_free_rcu(struct xsk_keyset *ks)
{
	if (!ks)
		return;
	INIT_RCU_WORK(&ks->rwork, keyset_free_work);
	queue_rcu_work(xsk_wq, &ks->rwork);
}

static int keyset_build(struct xsk_keyset *ks, const struct xs_dp_crypto *c)
{
	struct xsk_dir_plan plan[2];
	struct xsk_dir_material *m;
	struct crypto_sync_skcipher *master = NULL;
	struct xsk_dir *dir[2] = { &ks->keys.rtp, &ks->keys.rtcp };
	int rc, d;

	rc = xsk_plan(c, &plan[0], &plan[1]);
	if (rc)
		return rc;
	m = kcalloc(2, sizeof(*m), GFP_KERNEL);	/* scatterlists: not on the stack */
	if (!m)
		return -ENOMEM;
	if (plan[0].kdf) {
		master = ctr_new(c->master_key, c->key_len);
		if (IS_ERR(master)) {
			rc = PTR_ERR(master);
			master = NULL;
			goto out;
		}
	}
	for (d = 0; d < 2; d++) {
		rc = xsk_derive(c, &plan[d], &xsk_kernel_crypto, master, &m[d]);
		if (rc)
			goto out;
		xsk_dir_fill(dir[d], &m[d]);
		if (plan[d].cipher == XSK_CIPHER_AES_CM) {
			ks->ctr[d] = ctr_new(m[d].enc_key, plan[d].key_len);
			if (IS_ERR(ks->ctr[d])) {
				rc = PTR_ERR(ks->ctr[d]);
				goto out;
			}
			dir[d]->ctr_ctx = ks->ctr[d];
		}
		if (plan[d].auth != XSK_AUTH_NULL) {
			ks->mac[d] = mac_new(plan[d].auth, m[d].auth_key, plan[d].auth_key_len);
			if (IS_ERR(ks->mac[d])) {
				rc = PTR_ERR(ks->mac[d]);
				goto out;
			}
			dir[d]->mac_ctx = ks->mac[d];
		}
	}
out:
	if (master)
		crypto_free_sync_skcipher(master);
	kfree_sensitive(m);
	return rc;
}

/*
 * A fingerprint of the master key and salt: equal keys always give equal
 * fingerprints (the send stream's rules, xsk.h). The suite and flags are left
 * out on purpose: one master key under another tag length or policy still
 * makes the same keystream. SipHash under a key of this module's lifetime (no
 * flow outlives it), so what stays in memory says nothing about the keys. Two
 * different keys that collide (a chance of 2^-64) count as the same: a send
 * stream then keeps its state, which is safe, or new keys are refused as old
 * ones. 0 is kept for "plain".
 */
static u64 key_id(const struct xs_dp_crypto *c)
{
	static siphash_key_t kid_key;
	u8 b[2 + sizeof(c->master_key) + sizeof(c->master_salt)];
	u64 h;

	get_random_once(&kid_key, sizeof(kid_key));
	memset(b, 0, sizeof(b));
	b[0] = c->key_len;
	b[1] = c->salt_len;
	memcpy(b + 2, c->master_key, min_t(size_t, c->key_len, sizeof(c->master_key)));
	memcpy(b + 2 + sizeof(c->master_key), c->master_salt,
	       min_t(size_t, c->salt_len, sizeof(c->master_salt)));
	h = siphash(b, sizeof(b), &kid_key);
	memzero_explicit(b, sizeof(b));
	return h ? h : 1;
}

int xsk_keyset_new(const struct xs_dp_crypto *c, struct xsk_keyset **out)
{
	struct xsk_keyset *ks;
	int rc;

	*out = NULL;
	ks = kzalloc(sizeof(*ks), GFP_KERNEL);
	if (!ks)
		return -ENOMEM;
	ks->suite = (u8)c->suite;
	ks->window = c->window;
	if (c->kflags & XS_DP_KEYS_F_SET_ROC) {
		ks->cmd = XSK_STREAM_SET_ROC;
		ks->ssrc = c->ssrc;
		ks->roc = c->roc;
		ks->seq = c->seq;
	} else if (c->kflags & XS_DP_KEYS_F_RESET_STREAM) {
		ks->cmd = XSK_STREAM_RESET;
	}
	ks->keys.suite = (u8)c->suite;
	ks->keys.rtp_plain = c->suite == XSK_SUITE_NONE;
	ks->keys.rtcp_plain = c->suite == XSK_SUITE_NONE ||
			      (c->suite == XSK_SUITE_XSIPURA && !c->xsipura.rtcp_encrypted);
	if (c->suite != XSK_SUITE_NONE) {
		ks->kid = key_id(c);
		rc = keyset_build(ks, c);
		if (rc) {
			xsk_keyset_free(ks);
			return rc;
		}
	}
	*out = ks;
	return 0;
}
