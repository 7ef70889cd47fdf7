/* SPDX-License-Identifier: BSD-3-Clause */
/* ng datagrams: parsing, the reply cache, dispatch. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ng_cmd.h"
#include "ng_server.h"

struct cache_entry {
	struct cache_entry *next;      /* bucket chain */
	struct cache_entry *older;     /* age list, newest first */
	struct cache_entry *newer;
	int64_t when;
	size_t cookie_len, reply_len;
	char *reply;                   /* the whole reply datagram */
	char cookie[];
};

struct ng_cache {
	struct cache_entry **buckets;
	size_t nbuckets;
	struct cache_entry *newest, *oldest;
};

struct ng_cache *ng_cache_create(size_t buckets)
{
	struct ng_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->buckets = calloc(buckets, sizeof(*c->buckets));
	c->nbuckets = buckets;
	if (!c->buckets) {
		free(c);
		return NULL;
	}
	return c;
}

static size_t cookie_hash(const char *s, size_t n, size_t buckets)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return (size_t)(h % buckets);
}

static void entry_free(struct cache_entry *e)
{
	/* replies carry SDP with keys */
	OPENSSL_cleanse(e->reply, e->reply_len);
	free(e->reply);
	free(e);
}

static void unlink_entry(struct ng_cache *c, struct cache_entry *e)
{
	struct cache_entry **pp = &c->buckets[cookie_hash(e->cookie, e->cookie_len, c->nbuckets)];
	for (; *pp; pp = &(*pp)->next)
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

static struct cache_entry *cache_find(struct ng_cache *c, const char *cookie, size_t n)
{
	for (struct cache_entry *e = c->buckets[cookie_hash(cookie, n, c->nbuckets)]; e;
	     e = e->next)
		if (e->cookie_len == n && !memcmp(e->cookie, cookie, n))
			return e;
	return NULL;
}

static void cache_put(struct ng_cache *c, const char *cookie, size_t n, const char *reply,
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
	memcpy(e->cookie, cookie, n);
	e->cookie_len = n;
	memcpy(r, reply, rlen);
	e->reply = r;
	e->reply_len = rlen;
	e->when = now;
	size_t b = cookie_hash(cookie, n, c->nbuckets);
	e->next = c->buckets[b];
	c->buckets[b] = e;
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest)
		c->newest->newer = e;
	c->newest = e;
	if (!c->oldest)
		c->oldest = e;
}

void ng_cache_update(struct ng_cache *c, const struct ng_out *out)
{
	const char *sp = out->len && !out->oom ? memchr(out->buf, ' ', out->len) : NULL;
	if (!sp)
		return;
	size_t n = (size_t)(sp - out->buf);
	struct cache_entry *e = cache_find(c, out->buf, n);
	if (!e) {
		cache_put(c, out->buf, n, out->buf, out->len, xsd_now());
		return;
	}
	char *r = malloc(out->len);
	if (!r)
		return; /* the old reply stays (see cache_put) */
	memcpy(r, out->buf, out->len);
	OPENSSL_cleanse(e->reply, e->reply_len);
	free(e->reply);
	e->reply = r;
	e->reply_len = out->len;
}

void ng_server_refuse(struct ng_out *out, const char *reason)
{
	const char *sp = out->len && !out->oom ? memchr(out->buf, ' ', out->len) : NULL;
	size_t n = sp ? (size_t)(sp - out->buf) : 0;
	char *cookie = sp ? malloc(n + 1) : NULL;
	enum ng_syntax syntax = out->syntax;
	if (!cookie)
		return;
	memcpy(cookie, out->buf, n + 1); /* with the space */
	ng_out_free(out);
	ng_out_init(out, syntax);
	ng_out_raw(out, cookie, n + 1);
	ng_cmd_error(out, reason);
	free(cookie);
}

static void handle(struct xsd *d, struct ng_cache *cache, const char *req, size_t len,
		   struct ng_out *out, struct ng_arena *arena, uint8_t *arena_mem, size_t arena_size)
{
	const char *cookie = NULL;
	size_t cookie_len = 0;
	struct ng_val *root = NULL;
	enum ng_syntax syntax = NG_BENCODE;
	struct ng_parse_error perr = { 0 };
	int64_t now = xsd_now();

	ng_out_init(out, NG_BENCODE);
	ng_cmd_bind(d);
	d->cnt.ng_requests++;
	ng_arena_init(arena, arena_mem, arena_size);
	int rc = ng_parse(req, len, arena, &cookie, &cookie_len, &root, &syntax, &perr);
	if (cookie_len) {
		struct cache_entry *e = cache_find(cache, cookie, cookie_len);
		if (e) {
			d->cnt.ng_retransmits++;
			ng_out_raw(out, e->reply, e->reply_len);
			return;
		}
	}
	if (rc) {
		d->cnt.ng_malformed++;
		if (!cookie_len)
			return; /* nobody to answer */
		char why[160];
		snprintf(why, sizeof(why), "malformed request at byte %zu: %s", perr.offset,
			 perr.what ? perr.what : "parse error");
		out->syntax = syntax;
		ng_out_raw(out, cookie, cookie_len);
		ng_out_raw(out, " ", 1);
		ng_cmd_error(out, why);
	} else {
		out->syntax = syntax;
		ng_out_raw(out, cookie, cookie_len);
		ng_out_raw(out, " ", 1);
		ng_cmd_handle(d, root, out);
	}
	if (!out->oom && !ng_cmd_pending(d))
		cache_put(cache, cookie, cookie_len, out->buf, out->len, now);
}

void ng_server_handle(struct xsd *d, struct ng_cache *cache, const char *req, size_t len,
		      struct ng_out *out)
{
	static uint8_t arena_mem[1 << 20];
	struct ng_arena arena = { 0 };
	handle(d, cache, req, len, out, &arena, arena_mem, sizeof(arena_mem));
	/* a JSON request's strings were unescaped into the arena: SDES keys */
	explicit_bzero(arena_mem, arena.used <= sizeof(arena_mem) ? arena.used : sizeof(arena_mem));
}
