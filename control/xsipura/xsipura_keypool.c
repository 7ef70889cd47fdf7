/* SPDX-License-Identifier: BSD-3-Clause */
/* The subscriber key pool: a stack of ready keys and one refill thread. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "xsipura_keypool.h"

#define POOL_MAX 65536u

struct xsp_keypool {
	pthread_mutex_t lock;
	pthread_cond_t need_keys; /* the thread waits here while the pool is full */
	pthread_cond_t got_key;   /* wait_full waits here */
	pthread_t thread;
	bool stop;
	unsigned capacity, level;
	uint64_t taken, misses, generated;
	struct xsp_subkey **keys;
};

/* Generates one key with the lock released; NULL if generation failed. */
static struct xsp_subkey *make_key_unlocked(struct xsp_keypool *pool)
{
	struct xsp_subkey *key = NULL;
	pthread_mutex_unlock(&pool->lock);
	if (xsp_subkey_generate(&key) != XSP_OK) {
		key = NULL;
		usleep(10000); /* only out of memory or entropy: back off, retry */
	}
	pthread_mutex_lock(&pool->lock);
	return key;
}

static void *refill_main(void *arg)
{
	struct xsp_keypool *pool = arg;
	/* Linux: nice applies per thread. Failure only costs priority. */
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
	pthread_mutex_lock(&pool->lock);
	while (!pool->stop) {
		if (pool->level == pool->capacity) {
			pthread_cond_wait(&pool->need_keys, &pool->lock);
			continue;
		}
		struct xsp_subkey *key = make_key_unlocked(pool);
		if (key && pool->level < pool->capacity && !pool->stop) {
			pool->keys[pool->level++] = key;
			pool->generated++;
			pthread_cond_broadcast(&pool->got_key);
		} else {
			xsp_subkey_free(key);
		}
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

enum xsp_err xsp_keypool_create(unsigned capacity, struct xsp_keypool **out)
{
	if (capacity == 0 || capacity > POOL_MAX)
		return XSP_E_INVAL;
	struct xsp_keypool *pool = calloc(1, sizeof(*pool));
	if (!pool)
		return XSP_E_NOMEM;
	pool->keys = calloc(capacity, sizeof(*pool->keys));
	pool->capacity = capacity;
	if (!pool->keys || pthread_mutex_init(&pool->lock, NULL)) {
		free(pool->keys);
		free(pool);
		return XSP_E_NOMEM;
	}
	pthread_cond_init(&pool->need_keys, NULL);
	pthread_cond_init(&pool->got_key, NULL);
	if (pthread_create(&pool->thread, NULL, refill_main, pool)) {
		pthread_cond_destroy(&pool->got_key);
		pthread_cond_destroy(&pool->need_keys);
		pthread_mutex_destroy(&pool->lock);
		free(pool->keys);
		free(pool);
		return XSP_E_NOMEM;
	}
	*out = pool;
	return XSP_OK;
}

enum xsp_err xsp_keypool_take(struct xsp_keypool *pool, struct xsp_subkey **out)
{
	struct xsp_subkey *key = NULL;
	pthread_mutex_lock(&pool->lock);
	if (pool->level > 0) {
		key = pool->keys[--pool->level];
		pool->keys[pool->level] = NULL;
		pool->taken++;
		pthread_cond_signal(&pool->need_keys);
	} else {
		pool->misses++;
	}
	pthread_mutex_unlock(&pool->lock);
	if (key) {
		*out = key;
		return XSP_OK;
	}
	return xsp_subkey_generate(out);
}

void xsp_keypool_wait_full(struct xsp_keypool *pool)
{
	pthread_mutex_lock(&pool->lock);
	while (pool->level < pool->capacity)
		pthread_cond_wait(&pool->got_key, &pool->lock);
	pthread_mutex_unlock(&pool->lock);
}

void xsp_keypool_stats(struct xsp_keypool *pool, struct xsp_keypool_stats *out)
{
	pthread_mutex_lock(&pool->lock);
	*out = (struct xsp_keypool_stats){ .capacity = pool->capacity, .level = pool->level,
					   .taken = pool->taken, .misses = pool->misses,
					   .generated = pool->generated };
	pthread_mutex_unlock(&pool->lock);
}

void xsp_keypool_free(struct xsp_keypool *pool)
{
	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stop = true;
	pthread_cond_signal(&pool->need_keys);
	pthread_mutex_unlock(&pool->lock);
	pthread_join(pool->thread, NULL);
	for (unsigned i = 0; i < pool->level; i++)
		xsp_subkey_free(pool->keys[i]);
	pthread_cond_destroy(&pool->got_key);
	pthread_cond_destroy(&pool->need_keys);
	pthread_mutex_destroy(&pool->lock);
	free(pool->keys);
	free(pool);
}
