/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ng reply cache: the reply datagram sent for each cookie in the last
 * NG_CACHE_SECONDS, so that a retransmitted request is answered with the same
 * reply and never applied twice. Replies carry SDES keys: wiped when dropped.
 */
#ifndef XS_NG_CACHE_H
#define XS_NG_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ng_codec.h"

#define NG_CACHE_SECONDS 30

struct ng_cache;

/* A cache starting with about `buckets` buckets; it grows as it fills. */
struct ng_cache *ng_cache_create(size_t buckets);
void ng_cache_free(struct ng_cache *c);

/* The reply cached for a cookie (valid until the cache next changes), or false. */
bool ng_cache_find(const struct ng_cache *c, const char *cookie, size_t n, const char **reply,
		   size_t *reply_len);
/* Caches a copy of reply for a cookie not cached yet (no-op when out of memory:
 * a retransmission is then handled again). */
void ng_cache_put(struct ng_cache *c, const char *cookie, size_t n, const char *reply,
		  size_t rlen, int64_t now);
/* The cached reply for out's cookie becomes out, or out is cached (a reply
 * finished or changed after the request was handled: a delete's final counters,
 * a warning added when the fast path refused a flow). */
void ng_cache_update(struct ng_cache *c, const struct ng_out *out, int64_t now);
/* Drops entries older than NG_CACHE_SECONDS. */
void ng_cache_expire(struct ng_cache *c, int64_t now);
/* Entries held. */
size_t ng_cache_count(const struct ng_cache *c);

#endif
