/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Secret random bytes for the keys the relay mints (SDES master keys and
 * salts), from OpenSSL's private DRBG (RAND_priv_bytes) drawn 4 KiB at a time.
 *
 * Why a pool: an offer mints a key and a salt per offered suite, and each
 * RAND_priv_bytes call costs the DRBG's fixed overhead (locks, parameter
 * lookups, the fork check), which profiling put at about a third of
 * xsrelayd's user time at a few thousand offers a second. One draw of 4 KiB
 * serves ~100 keys.
 *
 * What it keeps: bytes not yet handed out, in one static buffer. Each slice is
 * wiped in the pool as it is handed out, the pool is wiped when a draw fails,
 * and in a child after fork() (pthread_atfork), so parent and child never hand
 * out the same bytes. The unused bytes are secret in the same way the DRBG's
 * own state is; like it, they live in ordinary memory.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/rand.h>

#include "key_pool.h"

static struct {
	pthread_mutex_t lock;
	pthread_once_t once;
	size_t left;              /* unused bytes, at the end of buf */
	uint8_t buf[4096];
} pool = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_ONCE_INIT, 0, { 0 } };

static void forget_in_child(void)
{
	explicit_bzero(pool.buf, sizeof(pool.buf));
	pool.left = 0;
	pthread_mutex_init(&pool.lock, NULL);
}

static void register_fork_handler(void)
{
	pthread_atfork(NULL, NULL, forget_in_child);
}

int key_pool_bytes(uint8_t *out, size_t n)
{
	if (n > sizeof(pool.buf) / 4)
		return RAND_priv_bytes(out, (int)n) == 1 ? 0 : -1;
	pthread_once(&pool.once, register_fork_handler);
	pthread_mutex_lock(&pool.lock);
	if (pool.left < n) {
		if (RAND_priv_bytes(pool.buf, (int)sizeof(pool.buf)) != 1) {
			explicit_bzero(pool.buf, sizeof(pool.buf));
			pool.left = 0;
			pthread_mutex_unlock(&pool.lock);
			return -1;
		}
		pool.left = sizeof(pool.buf);
	}
	uint8_t *p = pool.buf + sizeof(pool.buf) - pool.left;
	memcpy(out, p, n);
	explicit_bzero(p, n);
	pool.left -= n;
	pthread_mutex_unlock(&pool.lock);
	return 0;
}
