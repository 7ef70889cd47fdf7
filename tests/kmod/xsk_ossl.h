/* SPDX-License-Identifier: BSD-3-Clause */
/* Userspace crypto for the shared packet logic (kmod/xsk_srtp.c): OpenSSL
 * AES-CTR and HMAC behind struct xsk_crypto_ops, and key sets built the way
 * kmod/xsk_crypto.c builds them with the kernel crypto API. */
#ifndef XSK_OSSL_H
#define XSK_OSSL_H

#include "xsk_srtp.h"

extern const struct xsk_crypto_ops xsk_ossl_ops;

struct xsk_ossl_keys {
	struct xsk_keys keys;
	void *ctx[4];	/* ctr RTP, mac RTP, ctr RTCP, mac RTCP */
};

/* 0 or -errno. */
int xsk_ossl_keys_new(const struct xs_dp_crypto *c, struct xsk_ossl_keys *k);
void xsk_ossl_keys_free(struct xsk_ossl_keys *k);

#endif
