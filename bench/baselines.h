/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Re-encryption implementations the crypto benchmark compares: the engine, and
 * two baselines — libsrtp2 as installed, and per-packet OpenSSL EVP calls the
 * way rtpengine's userspace path does it. Each takes the same packets, the same
 * keys and the same session order.
 */
#ifndef XS_BENCH_BASELINES_H
#define XS_BENCH_BASELINES_H

#include <stdint.h>

#include "xs_srtp.h"

#define BENCH_KEYSALT 46 /* up to a 32-byte key plus a 14-byte salt */

struct bench_impl {
	const char *name;
	/* One context for n sessions; session i receives under ka[i] and sends under
	 * kb[i], SSRC ssrc_base + i. NULL on failure. */
	void *(*setup)(enum xs_srtp_suite suite, unsigned n, const uint8_t (*ka)[BENCH_KEYSALT],
		       const uint8_t (*kb)[BENCH_KEYSALT], uint32_t ssrc_base);
	/* Re-encrypt n packets in place (unprotect under A, protect under B); packet
	 * k belongs to session sess[k]. Updates lens; returns how many succeeded. */
	unsigned (*reencrypt)(void *ctx, uint8_t **pkts, uint32_t *lens, const uint32_t *sess,
			      unsigned n);
	void (*teardown)(void *ctx);
};

extern const struct bench_impl bench_impl_engine;
extern const struct bench_impl bench_impl_libsrtp;
extern const struct bench_impl bench_impl_openssl;

#endif
