/* SPDX-License-Identifier: BSD-3-Clause */
/* libsrtp2 baseline: srtp_unprotect then srtp_protect, packet by packet, one
 * srtp_t per session and direction. */
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "baselines.h"

struct lib_ctx {
	unsigned n;
	srtp_t *rx, *tx;
};

static int lib_policy(enum xs_srtp_suite s, srtp_policy_t *p)
{
	memset(p, 0, sizeof(*p));
	switch (s) {
	case XS_SUITE_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		break;
	case XS_SUITE_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		break;
	case XS_SUITE_AES_256_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtp);
		break;
	case XS_SUITE_AES_256_CM_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&p->rtp);
		break;
	default:
		return -1;
	}
	p->rtcp = p->rtp;
	p->ssrc.type = ssrc_specific;
	p->window_size = 128;
	return 0;
}

static void lib_teardown(void *v)
{
	struct lib_ctx *c = v;
	for (unsigned i = 0; i < c->n; i++) {
		if (c->rx[i])
			srtp_dealloc(c->rx[i]);
		if (c->tx[i])
			srtp_dealloc(c->tx[i]);
	}
	free(c->rx);
	free(c->tx);
	free(c);
}

static void *lib_setup(enum xs_srtp_suite suite, unsigned n, const uint8_t (*ka)[BENCH_KEYSALT],
		       const uint8_t (*kb)[BENCH_KEYSALT], uint32_t ssrc_base)
{
	struct lib_ctx *c = calloc(1, sizeof(*c));
	srtp_policy_t p;

	if (!c)
		return NULL;
	if (lib_policy(suite, &p)) {
		free(c);
		return NULL;
	}
	c->n = n;
	c->rx = calloc(n, sizeof(*c->rx));
	c->tx = calloc(n, sizeof(*c->tx));
	if (!c->rx || !c->tx)
		goto fail;
	for (unsigned i = 0; i < n; i++) {
		p.ssrc.value = ssrc_base + i;
		p.key = (unsigned char *)ka[i];
		if (srtp_create(&c->rx[i], &p) != srtp_err_status_ok)
			goto fail;
		p.key = (unsigned char *)kb[i];
		if (srtp_create(&c->tx[i], &p) != srtp_err_status_ok)
			goto fail;
	}
	return c;
fail:
	lib_teardown(c);
	return NULL;
}

static unsigned lib_reencrypt(void *v, uint8_t **pkts, uint32_t *lens, const uint32_t *sess,
			      unsigned n)
{
	struct lib_ctx *c = v;
	unsigned ok = 0;

	for (unsigned k = 0; k < n; k++) {
		int len = (int)lens[k];
		if (srtp_unprotect(c->rx[sess[k]], pkts[k], &len) != srtp_err_status_ok ||
		    srtp_protect(c->tx[sess[k]], pkts[k], &len) != srtp_err_status_ok)
			continue;
		lens[k] = (uint32_t)len;
		ok++;
	}
	return ok;
}

const struct bench_impl bench_impl_libsrtp = {
	.name = "libsrtp2",
	.setup = lib_setup,
	.reencrypt = lib_reencrypt,
	.teardown = lib_teardown,
};
