/* SPDX-License-Identifier: BSD-3-Clause */
/* The ng reply cache (see ng_cache.h). */
#include <stdlib.h>
#include <string.h>

#include "ng_cache.h"

struct cache_entry {
	struct cache_entry *next;      /* bucket chain */
	struct cache_entry *older;     /* age list, newest first */
	struct cache_entry *newer;
	int64_t when;
	uint64_t hash;
	size_t cookie_len, reply_len;
	char *reply;                   /* the whole reply datagram */
	char cookie[];
};

/*
 * A chained hash table that doubles when it holds more entries than buckets,
 * so a lookup stays one or two entries however fast cookies arrive: at 5,000
 * call set-ups a second the cache holds 30 s x 15,000 requests = 450,000
 * replies, and a fixed table of 16,384 buckets walked chains of ~27 entries
 * (a cache miss each) twice per request.
 */
struct ng_cache {
	struct cache_entry **buckets;
	size_t nbuckets;               /* a power of two */
	size_t count;
	struct cache_entry *newest, *oldest;
};

enum { CACHE_BUCKETS_MAX = 1u << 24 };

struct ng_cache *ng_cache_create(size_t buckets)
{
	struct ng_cache *c = calloc(1, sizeof(*c));
	size_t n = 64;
	if (!c)
		return NULL;
	while (n < buckets && n < CACHE_BUCKETS_MAX)
		n <<= 1;
	c->buckets = calloc(n, sizeof(*c->buckets));
	c->nbuckets = n;
	if (!c->buckets) {
		free(c);
		return NULL;
	}
	return c;
}

static uint64_t cookie_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

static struct cache_entry **bucket(const struct ng_cache *c, uint64_t hash)
{
	return &c->buckets[hash & (c->nbuckets - 1)];
}

/* Twice the buckets; on failure the table stays as it is (only slower). */
static void grow(struct ng_cache *c)
{
	size_t n = c->nbuckets * 2;
	struct cache_entry **nb = n <= CACHE_BUCKETS_MAX ? calloc(n, sizeof(*nb)) : NULL;
	if (!nb)
		return;
	for (size_t i = 0; i < c->nbuckets; i++)
		for (struct cache_entry *e = c->buckets[i], *next; e; e = next) {
			next = e->next;
			struct cache_entry **b = &nb[e->hash & (n - 1)];
			e->next = *b;
			*b = e;
		}
	free(c->buckets);
	c->buckets = nb;
	c->nbuckets = n;
}

static void entry_free(struct cache_entry *e)
{
	/* replies carry SDP with keys */
	explicit_bzero(e->reply, e->reply_len);
	free(e->reply);
	free(e);
}

static void unlink_entry(struct ng_cache *c, struct cache_entry *e)
{
	for (struct cache_entry **pp = bucket(c, e->hash); *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	if (e->newer)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	c->count--;
}

void ng_cache_expire(struct ng_cache *c, int64_t now)
{
	while (c->oldest && now - c->oldest->when > NG_CACHE_SECONDS) {
		struct cache_entry *e = c->oldest;
		unlink_entry(c, e);
		entry_free(e);
	}
}

void ng_cache_free(struct ng_cache *c)
{
	if (!c)
		return;
	while (c->oldest) {
		struct cache_entry *e = c->oldest;
		unlink_entry(c, e);
		entry_free(e);
	}
	free(c->buckets);
	free(c);
}

static struct cache_entry *cache_find(const struct ng_cache *c, const char *cookie, size_t n)
{
	uint64_t h = cookie_hash(cookie, n);
	for (struct cache_entry *e = *bucket(c, h); e; e = e->next)
		if (e->hash == h && e->cookie_len == n && !memcmp(e->cookie, cookie, n))
			return e;
	return NULL;
}

bool ng_cache_find(const struct ng_cache *c, const char *cookie, size_t n, const char **reply,
		   size_t *reply_len)
{
	const struct cache_entry *e = cache_find(c, cookie, n);
	if (!e)
		return false;
	*reply = e->reply;
	*reply_len = e->reply_len;
	return true;
}

size_t ng_cache_count(const struct ng_cache *c)
{
	return c->count;
}

void ng_cache_put(struct ng_cache *c, const char *cookie, size_t n, const char *reply,
		      size_t rlen, int64_t now)
{
	struct cache_entry *e = malloc(sizeof(*e) + n);
	char *r = malloc(rlen ? rlen : 1);
	if (!e || !r) {
		free(e);
		free(r);
		return; /* a retransmission will then be handled again: harmless for ping-like
			   commands, and offer/answer are idempotent on the same SDP */
	}
	if (c->count >= c->nbuckets)
		grow(c);
	memcpy(e->cookie, cookie, n);
	e->cookie_len = n;
	e->hash = cookie_hash(cookie, n);
	memcpy(r, reply, rlen);
	e->reply = r;
	e->reply_len = rlen;
	e->when = now;
	struct cache_entry **b = bucket(c, e->hash);
	e->next = *b;
	*b = e;
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest)
		c->newest->newer = e;
	c->newest = e;
	if (!c->oldest)
		c->oldest = e;
	c->count++;
}

void ng_cache_update(struct ng_cache *c, const struct ng_out *out, int64_t now)
{
	const char *sp = out->len && !out->oom ? memchr(out->buf, ' ', out->len) : NULL;
	if (!sp)
		return;
	size_t n = (size_t)(sp - out->buf);
	struct cache_entry *e = cache_find(c, out->buf, n);
	if (!e) {
		ng_cache_put(c, out->buf, n, out->buf, out->len, now);
		return;
	}
	char *r = malloc(out->len);
	if (!r)
		return; /* the old reply stays (see ng_cache_put) */
	memcpy(r, out->buf, out->len);
	explicit_bzero(e->reply, e->reply_len);
	free(e->reply);
	e->reply = r;
	e->reply_len = out->len;
}
