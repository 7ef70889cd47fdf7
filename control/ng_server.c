/* SPDX-License-Identifier: BSD-3-Clause */
/* ng datagrams: parsing, answering retransmissions from the reply cache, dispatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ng_cache.h"
#include "ng_cmd.h"
#include "ng_server.h"

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
		const char *reply;
		size_t reply_len;
		if (ng_cache_find(cache, cookie, cookie_len, &reply, &reply_len)) {
			d->cnt.ng_retransmits++;
			ng_out_raw(out, reply, reply_len);
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
		ng_cache_put(cache, cookie, cookie_len, out->buf, out->len, now);
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
