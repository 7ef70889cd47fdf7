/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session key sets: derived once from a master key and salt (RFC 3711 section
 * 4.3), AES round keys expanded once, HMAC inner and outer states hashed once,
 * so the hot path does nothing per packet but the crypto itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "srtp_internal.h"

/* RFC 3711 section 4.3.2 labels. */
enum { LABEL_RTP_ENC = 0, LABEL_RTP_AUTH = 1, LABEL_RTP_SALT = 2,
       LABEL_RTCP_ENC = 3, LABEL_RTCP_AUTH = 4, LABEL_RTCP_SALT = 5 };

#define HMAC_BLOCK 64

/* What one direction (SRTP or SRTCP) uses, after the suite, the x-sipura
 * profile and the policy flags have been applied. */
struct dir_plan {
	uint8_t cipher, auth, tag_len, auth_key_len;
	uint8_t kdf;        /* 1: RFC 3711 KDF, 0: master key and salt used directly */
	uint8_t salt_full;  /* x-sipura 128-bit salt */
	uint8_t labels[3];  /* enc, auth, salt */
};

static int hmac_precompute(IMB_MGR *mgr, uint8_t auth, const uint8_t *key, unsigned key_len,
			   uint8_t *ipad_state, uint8_t *opad_state)
{
	uint8_t ipad[HMAC_BLOCK], opad[HMAC_BLOCK];

	if (key_len > HMAC_BLOCK)
		return -EINVAL;
	memset(ipad, 0x36, sizeof(ipad));
	memset(opad, 0x5c, sizeof(opad));
	for (unsigned i = 0; i < key_len; i++) {
		ipad[i] ^= key[i];
		opad[i] ^= key[i];
	}
	if (auth == XS_AUTH_HMAC_SHA1) {
		IMB_SHA1_ONE_BLOCK(mgr, ipad, ipad_state);
		IMB_SHA1_ONE_BLOCK(mgr, opad, opad_state);
	} else {
		IMB_MD5_ONE_BLOCK(mgr, ipad, ipad_state);
		IMB_MD5_ONE_BLOCK(mgr, opad, opad_state);
	}
	OPENSSL_cleanse(ipad, sizeof(ipad));
	OPENSSL_cleanse(opad, sizeof(opad));
	return 0;
}

static int dir_keys_build(IMB_MGR *mgr, const struct xs_srtp_policy *pol,
			  const struct dir_plan *plan, struct xs_dir_keys *dk)
{
	uint8_t enc[XS_SRTP_MAX_KEY_LEN], auth[HMAC_BLOCK], salt[16] = { 0 };
	uint8_t dec_unused[15 * 16] __attribute__((aligned(16)));
	unsigned key_len = pol->key_len;
	int rc = 0;

	dk->cipher = plan->cipher;
	dk->auth = plan->auth;
	dk->tag_len = plan->auth == XS_AUTH_NULL ? 0 : plan->tag_len;
	dk->aes_key_len = (uint8_t)key_len;
	dk->salt_full = plan->salt_full;

	if (plan->kdf) {
		rc = xs_srtp_kdf(pol->master_key, key_len, pol->master_salt, plan->labels[0],
				 enc, key_len);
		if (!rc && plan->auth_key_len)
			rc = xs_srtp_kdf(pol->master_key, key_len, pol->master_salt,
					 plan->labels[1], auth, plan->auth_key_len);
		if (!rc)
			rc = xs_srtp_kdf(pol->master_key, key_len, pol->master_salt,
					 plan->labels[2], salt, 14);
	} else {
		memcpy(enc, pol->master_key, key_len);
		memcpy(auth, pol->master_key, plan->auth_key_len);
		memcpy(salt, pol->master_salt, plan->salt_full ? 16 : 14);
	}
	if (rc)
		goto out;

	if (key_len == 16)
		IMB_AES_KEYEXP_128(mgr, enc, dk->aes_enc, dec_unused);
	else
		IMB_AES_KEYEXP_256(mgr, enc, dk->aes_enc, dec_unused);
	memcpy(dk->salt, salt, sizeof(dk->salt));
	if (plan->auth != XS_AUTH_NULL)
		rc = hmac_precompute(mgr, plan->auth, auth, plan->auth_key_len, dk->ipad, dk->opad);
out:
	OPENSSL_cleanse(dec_unused, sizeof(dec_unused));
	OPENSSL_cleanse(enc, sizeof(enc));
	OPENSSL_cleanse(auth, sizeof(auth));
	OPENSSL_cleanse(salt, sizeof(salt));
	return rc;
}

static int xsipura_plan(const struct xs_xsipura_profile *p, struct dir_plan *rtp,
			struct dir_plan *rtcp)
{
	if (p->auth > XS_XSIPURA_AUTH_HMAC_SHA1 || p->kdf > XS_XSIPURA_KDF_DIRECT ||
	    (p->salt_len != 14 && p->salt_len != 16) || p->tag_len < 4 ||
	    p->tag_len > (p->auth == XS_XSIPURA_AUTH_HMAC_MD5 ? 12 : 12) ||
	    p->auth_key_len < 16 || p->auth_key_len > 20)
		return -EINVAL;
	rtp->cipher = XS_CIPHER_AES_CM;
	rtp->auth = p->auth == XS_XSIPURA_AUTH_HMAC_MD5 ? XS_AUTH_HMAC_MD5 : XS_AUTH_HMAC_SHA1;
	rtp->tag_len = p->tag_len;
	rtp->kdf = p->kdf == XS_XSIPURA_KDF_RFC3711;
	/* Without the KDF the master key is also the auth key: 16 bytes. */
	rtp->auth_key_len = rtp->kdf ? p->auth_key_len : 16;
	rtp->salt_full = !rtp->kdf && p->salt_len == 16;
	*rtcp = *rtp;
	if (!p->rtcp_encrypted) {
		rtcp->cipher = XS_CIPHER_NULL;
		rtcp->auth = XS_AUTH_NULL;
	}
	return 0;
}

static int plan_policy(const struct xs_srtp_policy *pol, struct dir_plan *rtp,
		       struct dir_plan *rtcp)
{
	const struct xs_suite_info *si;

	if (pol->suite >= XS_SUITE_COUNT)
		return -EINVAL;
	si = &xs_suite_table[pol->suite];
	if (pol->window > XS_SRTP_MAX_WINDOW)
		return -EINVAL;
	memset(rtp, 0, sizeof(*rtp));
	if (pol->suite == XS_SUITE_NONE) {
		*rtcp = *rtp;
		return 0;
	}
	if (pol->key_len != si->key_len)
		return -EINVAL;
	if (pol->suite == XS_SUITE_XSIPURA) {
		if (pol->salt_len != pol->xsipura.salt_len && pol->salt_len != 16)
			return -EINVAL;
		if (xsipura_plan(&pol->xsipura, rtp, rtcp))
			return -EINVAL;
	} else {
		if (pol->salt_len != 14)
			return -EINVAL;
		rtp->cipher = si->cipher;
		rtp->auth = si->auth;
		rtp->tag_len = si->tag_len;
		rtp->auth_key_len = si->auth_key_len;
		rtp->kdf = 1;
		*rtcp = *rtp;
		/* RFC 4568 section 6.2: SRTCP always carries the 80-bit tag. */
		if (rtcp->auth != XS_AUTH_NULL)
			rtcp->tag_len = 10;
	}
	if (pol->flags & XS_SRTP_F_UNENCRYPTED_SRTP)
		rtp->cipher = XS_CIPHER_NULL;
	if (pol->flags & XS_SRTP_F_UNENCRYPTED_SRTCP)
		rtcp->cipher = XS_CIPHER_NULL;
	if (pol->flags & XS_SRTP_F_UNAUTHENTICATED_SRTP)
		rtp->auth = XS_AUTH_NULL;
	rtp->labels[0] = LABEL_RTP_ENC;
	rtp->labels[1] = LABEL_RTP_AUTH;
	rtp->labels[2] = LABEL_RTP_SALT;
	rtcp->labels[0] = LABEL_RTCP_ENC;
	rtcp->labels[1] = LABEL_RTCP_AUTH;
	rtcp->labels[2] = LABEL_RTCP_SALT;
	return 0;
}

static const struct xs_srtp_mem_ops *keys_mem; /* NULL: the C heap */

void xs_srtp_mem_set(const struct xs_srtp_mem_ops *ops)
{
	keys_mem = ops;
}

static struct xs_srtp_keys *keys_alloc(void)
{
	const struct xs_srtp_mem_ops *ops = keys_mem;
	struct xs_srtp_keys *k = ops ? ops->alloc(sizeof(*k), 64) : xs_aligned_zalloc(sizeof(*k));
	if (k)
		k->release = ops ? ops->free : free;
	return k;
}

int xs_srtp_keys_create(const struct xs_srtp_policy *policy, struct xs_srtp_keys **out)
{
	struct dir_plan rtp, rtcp;
	struct xs_srtp_keys *k;
	IMB_MGR *mgr;
	int rc;

	*out = NULL;
	rc = plan_policy(policy, &rtp, &rtcp);
	if (rc)
		return rc;
	mgr = xs_imb_setup_mgr();
	if (!mgr)
		return -ENOTSUP;
	k = keys_alloc();
	if (!k)
		return -ENOMEM;
	k->suite = policy->suite;
	k->flags = policy->flags;
	k->rtp_plain = policy->suite == XS_SUITE_NONE;
	k->rtcp_plain = policy->suite == XS_SUITE_NONE ||
			(policy->suite == XS_SUITE_XSIPURA && !policy->xsipura.rtcp_encrypted);
	if (policy->suite != XS_SUITE_NONE) {
		rc = dir_keys_build(mgr, policy, &rtp, &k->rtp);
		if (!rc)
			rc = dir_keys_build(mgr, policy, &rtcp, &k->rtcp);
		if (rc) {
			xs_srtp_keys_free(k);
			return rc;
		}
	}
	*out = k;
	return 0;
}

void xs_srtp_keys_free(struct xs_srtp_keys *keys)
{
	if (!keys)
		return;
	void (*release)(void *p) = keys->release;
	OPENSSL_cleanse(keys, sizeof(*keys));
	release(keys);
}

size_t xs_srtp_keys_size(void)
{
	return sizeof(struct xs_srtp_keys);
}

enum xs_srtp_suite xs_srtp_keys_suite(const struct xs_srtp_keys *keys)
{
	return (enum xs_srtp_suite)keys->suite;
}

bool xs_srtp_keys_authenticated(const struct xs_srtp_keys *keys, bool rtcp)
{
	const struct xs_dir_keys *dk = rtcp ? &keys->rtcp : &keys->rtp;

	if (rtcp ? keys->rtcp_plain : keys->rtp_plain)
		return false;
	return dk->auth != XS_AUTH_NULL;
}
