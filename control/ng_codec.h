/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ng protocol's message codec (rtpengine's control protocol, as Kamailio's
 * and OpenSIPS's rtpengine modules speak it): "<cookie> <dict>", the dict in
 * bencode, or in JSON when its first byte is '{'.
 *
 * Parsing builds a tree of struct ng_val in a caller-provided arena: no malloc
 * per request, nothing to free but the arena. Strings point into the request
 * buffer when they can (bencode) or into the arena (JSON strings with escapes);
 * they are NOT NUL-terminated: use len. Limits keep a hostile request cheap:
 * NG_MAX_DEPTH nesting, the arena's size bounds the node count, and every
 * length is checked against the bytes that are really there.
 *
 * Encoding writes into a growable buffer in either syntax, chosen per reply so
 * that a JSON request gets a JSON reply.
 */
#ifndef XS_NG_CODEC_H
#define XS_NG_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NG_MAX_DEPTH 32
#define NG_COOKIE_MAX 128 /* longest cookie accepted */

enum ng_type { NG_INT = 1, NG_STR, NG_LIST, NG_DICT };

struct ng_val {
	enum ng_type type;
	int64_t i;                /* NG_INT */
	const char *s;            /* NG_STR: bytes (not NUL-terminated) */
	size_t len;               /* NG_STR: length; LIST/DICT: number of members */
	struct ng_val *first;     /* LIST/DICT: first member */
	struct ng_val *next;      /* next member of the enclosing list or dict */
	const char *key;          /* member of a DICT: its key (not NUL-terminated) */
	size_t key_len;
};

/* A bump allocator over caller memory (e.g. a static 256 KiB per worker). */
struct ng_arena {
	uint8_t *base;
	size_t size, used;
};
void ng_arena_init(struct ng_arena *a, void *mem, size_t size);
void ng_arena_reset(struct ng_arena *a);

enum ng_syntax { NG_BENCODE = 0, NG_JSON = 1 };

/* Why a parse failed, for the error-reason of the reply. */
struct ng_parse_error {
	size_t offset;     /* byte offset in the input where it went wrong */
	const char *what;  /* static text, e.g. "string length exceeds input" */
};

/*
 * Parses one request datagram "<cookie> <dict>". On success: 0, *cookie and
 * *cookie_len point at the cookie, *root is the dict, *syntax says which.
 * On failure: -1 and err filled; if the cookie itself could be read, *cookie
 * is set (so the error reply can carry it), else *cookie_len is 0.
 * The top level must be a dict; trailing bytes after it are an error (JSON may
 * be followed by whitespace). Dict keys must be strings; duplicate keys are
 * allowed, ng_dict_get returns the first. Bencode integers: optional '-', no
 * leading zeros, no "-0", must fit int64. JSON: objects, arrays, strings (with
 * \uXXXX escapes, surrogate pairs to UTF-8), integers (fit int64), true/false
 * (become NG_INT 1/0), null (becomes an empty NG_STR); fractions and exponents
 * are rejected.
 */
int ng_parse(const char *buf, size_t len, struct ng_arena *arena, const char **cookie,
	     size_t *cookie_len, struct ng_val **root, enum ng_syntax *syntax,
	     struct ng_parse_error *err);

/* Parses a bare value (no cookie) in the given syntax; same rules. */
int ng_parse_value(const char *buf, size_t len, enum ng_syntax syntax, struct ng_arena *arena,
		   struct ng_val **root, struct ng_parse_error *err);

/* Lookups. NULL when absent or dict is not a dict. */
const struct ng_val *ng_dict_get(const struct ng_val *dict, const char *key);
/* The string value of key, or NULL (when absent or not a string). */
const struct ng_val *ng_dict_str(const struct ng_val *dict, const char *key);
bool ng_str_eq(const struct ng_val *v, const char *s);      /* v is a string equal to s */
bool ng_str_ieq(const struct ng_val *v, const char *s);     /* ASCII case-insensitive */
/* Copies a string value into buf as a C string: 0, or -1 if not a string or
 * it does not fit (len + 1 > cap) or it contains a NUL byte. */
int ng_str_copy(const struct ng_val *v, char *buf, size_t cap);

/* Output buffer. On allocation failure oom is set and later calls do nothing. */
struct ng_out {
	char *buf;
	size_t len, cap;
	bool oom;
	enum ng_syntax syntax;
	/* JSON needs commas: one flag per open container */
	uint8_t depth;
	bool need_comma[NG_MAX_DEPTH + 1];
	bool after_key;
};
void ng_out_init(struct ng_out *o, enum ng_syntax syntax);
void ng_out_free(struct ng_out *o);
void ng_out_raw(struct ng_out *o, const char *s, size_t n); /* bytes as they are */
void ng_out_dict_begin(struct ng_out *o);
/* Adds key: value (a string) to a finished reply, i.e. output whose last
 * byte closes its top-level dictionary (a cookie may come before it). 0, or
 * -1 when the output is not such a reply. */
int ng_out_reply_add(struct ng_out *o, const char *key, const char *value);
void ng_out_dict_end(struct ng_out *o);
void ng_out_list_begin(struct ng_out *o);
void ng_out_list_end(struct ng_out *o);
void ng_out_key(struct ng_out *o, const char *key);             /* inside a dict */
void ng_out_str(struct ng_out *o, const char *s, size_t n);     /* JSON escapes as needed */
void ng_out_cstr(struct ng_out *o, const char *s);
void ng_out_int(struct ng_out *o, int64_t v);
/* Re-encodes a parsed value (tests, echoing). */
void ng_out_val(struct ng_out *o, const struct ng_val *v);

#ifdef __cplusplus
}
#endif
#endif
