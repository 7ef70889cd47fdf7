/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer: the ng codec on whole request datagrams ("<cookie> <dict>").
 * Properties checked beyond "no crash":
 *   - a parsed request re-encodes in bencode, that encoding parses again and
 *     encodes to the same bytes;
 *   - a bencode request re-encodes to exactly its own dict bytes (strict
 *     bencode is canonical and key order is kept);
 *   - the JSON encoding of the tree parses back to the same tree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ng_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t mem1[64 * 1024], mem2[64 * 1024], mem3[64 * 1024];

static void encode(struct ng_out *o, enum ng_syntax syn, const struct ng_val *v)
{
	ng_out_init(o, syn);
	ng_out_val(o, v);
	if (o->oom)
		abort();
}

static bool same(const struct ng_out *a, const struct ng_out *b)
{
	return a->len == b->len && (!a->len || !memcmp(a->buf, b->buf, a->len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ng_arena a1, a2, a3;
	const char *buf = (const char *)data, *cookie;
	size_t cookie_len;
	struct ng_val *root, *again;
	enum ng_syntax syn;
	struct ng_parse_error err;
	struct ng_out first, second, json;

	ng_arena_init(&a1, mem1, sizeof(mem1));
	ng_arena_init(&a2, mem2, sizeof(mem2));
	ng_arena_init(&a3, mem3, sizeof(mem3));
	if (ng_parse(buf, size, &a1, &cookie, &cookie_len, &root, &syn, &err)) {
		if (!err.what || err.offset > size || cookie_len > NG_COOKIE_MAX || a1.used)
			abort();
		return 0;
	}
	if (!root || root->type != NG_DICT || !cookie_len || cookie_len > NG_COOKIE_MAX)
		abort();

	encode(&first, NG_BENCODE, root);
	if (syn == NG_BENCODE &&
	    (first.len != size - cookie_len - 1 ||
	     memcmp(first.buf, buf + cookie_len + 1, first.len)))
		abort();
	if (ng_parse_value(first.buf, first.len, NG_BENCODE, &a2, &again, &err))
		abort();
	encode(&second, NG_BENCODE, again);
	if (!same(&first, &second))
		abort();

	/* JSON can need more arena than the bencode (escapes decode there) */
	encode(&json, NG_JSON, root);
	if (ng_parse_value(json.buf, json.len, NG_JSON, &a3, &again, &err) == 0) {
		ng_out_free(&second);
		encode(&second, NG_BENCODE, again);
		if (!same(&first, &second))
			abort();
	} else if (strcmp(err.what, "request too large")) {
		abort();
	}
	ng_out_free(&first);
	ng_out_free(&second);
	ng_out_free(&json);
	return 0;
}
