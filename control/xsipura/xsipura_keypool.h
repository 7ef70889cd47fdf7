/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A pool of pre-generated subscriber keys (RSA-512), so that minting a
 * certificate during call set-up never waits for key generation.
 *
 * One background thread keeps the pool full: it generates a key without
 * holding the lock and takes the lock only to add it. xsp_keypool_take() holds
 * the lock for a pointer move, so a taker never waits on key generation while
 * the pool has a key. Only when the pool is empty (calls arriving faster than
 * the thread refills it, for longer than the pool lasts) does take() generate
 * a key itself; the stats count those misses.
 *
 * The refill thread runs at a lower scheduling priority (nice +10) so that
 * refilling does not compete with the call-setup path it serves.
 */
#ifndef XSIPURA_KEYPOOL_H
#define XSIPURA_KEYPOOL_H

#include <stdint.h>

#include "xsipura_err.h"
#include "xsipura_subkey.h"

#ifdef __cplusplus
extern "C" {
#endif

struct xsp_keypool;

struct xsp_keypool_stats {
	unsigned capacity;
	unsigned level;             /* keys ready now */
	uint64_t taken;             /* keys handed out from the pool */
	uint64_t misses;            /* takes that found it empty and generated inline */
	uint64_t generated;         /* keys the refill thread made */
};

/* Starts the refill thread; the pool fills in the background (capacity 1..65536). */
enum xsp_err xsp_keypool_create(unsigned capacity, struct xsp_keypool **out);

/* A key: from the pool when it has one, else generated now. The key is
 * unused: no other caller ever receives it. */
enum xsp_err xsp_keypool_take(struct xsp_keypool *pool, struct xsp_subkey **out);

/* Blocks until the pool is full (start-up, tests, benchmarks). */
void xsp_keypool_wait_full(struct xsp_keypool *pool);

void xsp_keypool_stats(struct xsp_keypool *pool, struct xsp_keypool_stats *out);

/* Stops the thread (waiting for the key it is making), frees every key. */
void xsp_keypool_free(struct xsp_keypool *pool);

#ifdef __cplusplus
}
#endif
#endif
