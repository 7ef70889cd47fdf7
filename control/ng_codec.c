/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ng protocol's message codec: "<cookie> <dict>" in bencode or JSON, parsed
 * into a tree of struct ng_val in a caller's arena, and an encoder for replies.
 * The parsers are recursive but never deeper than NG_MAX_DEPTH containers, and
 * every read is checked against len.
 */
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_num.h"
#include "ng_codec.h"

/* ---- arena ---- */

void ng_arena_init(struct ng_arena *a, void *mem, size_t size)
{
	a->base = mem;
	a->size = mem ? size : 0;
	a->used = 0;
}

void ng_arena_reset(struct ng_arena *a)
{
	a->used = 0;
}

/* Bump allocation aligned for any struct; NULL when the arena is full. */
static void *arena_alloc(struct ng_arena *a, size_t n, size_t align)
{
	uintptr_t base = (uintptr_t)a->base;
	size_t off = a->used;
	size_t mis = (base + off) % align;

	if (mis) {
		if (a->size - off < align - mis)
			return NULL;
		off += align - mis;
	}
	if (off > a->size || n > a->size - off)
		return NULL;
	a->used = off + n;
	return a->base + off;
}

/* ---- parser state ---- */

struct parser {
	const char *buf;
	size_t len, pos;
	struct ng_arena *arena;
	struct ng_parse_error *err;
	bool failed;
};

/* Records the first error only; returns NULL so callers can "return fail(...)". */
static struct ng_val *fail(struct parser *p, size_t offset, const char *what)
{
	if (!p->failed) {
		p->failed = true;
		if (p->err) {
			p->err->offset = offset;
			p->err->what = what;
		}
	}
	return NULL;
}

/* A zeroed node for the value that starts at offset at. */
static struct ng_val *new_node(struct parser *p, enum ng_type type, size_t at)
{
	struct ng_val *v = arena_alloc(p->arena, sizeof(*v), alignof(struct ng_val));

	if (!v)
		return fail(p, at, "request too large");
	memset(v, 0, sizeof(*v));
	v->type = type;
	return v;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Appends v to container c, keeping *tail at the last member. */
static void append(struct ng_val *c, struct ng_val **tail, struct ng_val *v)
{
	if (*tail)
		(*tail)->next = v;
	else
		c->first = v;
	*tail = v;
	c->len++;
}

/* ---- bencode ---- */

/* "<len>:<bytes>": sets *s, *n; false on error. */
static bool ben_string(struct parser *p, const char **s, size_t *n)
{
	size_t start = p->pos, v = 0;
	bool too_big = false;

	if (p->pos >= p->len)
		return fail(p, p->pos, "unexpected end of input"), false;
	if (!is_digit(p->buf[p->pos]))
		return fail(p, p->pos, "string length expected"), false;
	if (p->buf[p->pos] == '0' && p->pos + 1 < p->len && is_digit(p->buf[p->pos + 1]))
		return fail(p, p->pos, "leading zero in string length"), false;
	while (p->pos < p->len && is_digit(p->buf[p->pos])) {
		unsigned d = (unsigned)(p->buf[p->pos] - '0');

		if (v > (SIZE_MAX - d) / 10)
			too_big = true;
		else
			v = v * 10 + d;
		p->pos++;
	}
	if (p->pos >= p->len)
		return fail(p, p->pos, "truncated string length"), false;
	if (p->buf[p->pos] != ':')
		return fail(p, p->pos, "':' expected after string length"), false;
	p->pos++;
	if (too_big || v > p->len - p->pos)
		return fail(p, start, "string length exceeds input"), false;
	*s = p->buf + p->pos;
	*n = v;
	p->pos += v;
	return true;
}

/* "i<int>e" with p->pos at the 'i'. */
static struct ng_val *ben_int(struct parser *p)
{
	size_t start = p->pos;
	bool neg = false;
	uint64_t mag = 0, limit;
	struct ng_val *v;

	p->pos++;
	if (p->pos < p->len && p->buf[p->pos] == '-') {
		neg = true;
		p->pos++;
	}
	if (p->pos >= p->len)
		return fail(p, p->pos, "unterminated integer");
	if (!is_digit(p->buf[p->pos]))
		return fail(p, p->pos, "digit expected in integer");
	if (p->buf[p->pos] == '0') {
		if (neg)
			return fail(p, start, "negative zero");
		if (p->pos + 1 < p->len && is_digit(p->buf[p->pos + 1]))
			return fail(p, p->pos, "leading zero in integer");
	}
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	while (p->pos < p->len && is_digit(p->buf[p->pos])) {
		unsigned d = (unsigned)(p->buf[p->pos] - '0');

		if (mag > (limit - d) / 10)
			return fail(p, start, "integer out of range");
		mag = mag * 10 + d;
		p->pos++;
	}
	if (p->pos >= p->len)
		return fail(p, p->pos, "unterminated integer");
	if (p->buf[p->pos] != 'e')
		return fail(p, p->pos, "'e' expected after integer");
	p->pos++;
	v = new_node(p, NG_INT, start);
	if (!v)
		return NULL;
	/* -(2^63) does not fit a positive int64: negate in unsigned arithmetic */
	v->i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return v;
}

static struct ng_val *ben_value(struct parser *p, unsigned depth)
{
	struct ng_val *v, *m, *tail = NULL;
	size_t start = p->pos;
	char c;

	if (p->pos >= p->len)
		return fail(p, p->pos, "unexpected end of input");
	c = p->buf[p->pos];
	if (c == 'i')
		return ben_int(p);
	if (is_digit(c)) {
		const char *s;
		size_t n;

		if (!ben_string(p, &s, &n))
			return NULL;
		v = new_node(p, NG_STR, start);
		if (v) {
			v->s = s;
			v->len = n;
		}
		return v;
	}
	if (c != 'l' && c != 'd')
		return fail(p, p->pos, "invalid bencode value");
	if (depth >= NG_MAX_DEPTH)
		return fail(p, p->pos, "nesting too deep");
	v = new_node(p, c == 'l' ? NG_LIST : NG_DICT, start);
	if (!v)
		return NULL;
	p->pos++;
	for (;;) {
		const char *key = NULL;
		size_t key_len = 0;

		if (p->pos >= p->len)
			return fail(p, p->pos,
				    c == 'l' ? "unterminated list" : "unterminated dict");
		if (p->buf[p->pos] == 'e') {
			p->pos++;
			return v;
		}
		if (c == 'd') {
			if (!is_digit(p->buf[p->pos]))
				return fail(p, p->pos, "dict key is not a string");
			if (!ben_string(p, &key, &key_len))
				return NULL;
			if (p->pos >= p->len)
				return fail(p, p->pos, "unterminated dict");
			if (p->buf[p->pos] == 'e')
				return fail(p, p->pos, "dict key without value");
		}
		m = ben_value(p, depth + 1);
		if (!m)
			return NULL;
		m->key = key;
		m->key_len = key_len;
		append(v, &tail, m);
	}
}

/* ---- JSON ---- */

static void json_ws(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->buf[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at buf[at]; -1 when missing or not hex. */
static long hex4(const struct parser *p, size_t at)
{
	long v = 0;

	if (at > p->len || p->len - at < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hex_val(p->buf[at + i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * A JSON string with p->pos at the opening quote. The first pass validates and
 * finds the end; without escapes the result points into the input, otherwise it
 * is decoded into the arena (never longer than the escaped form).
 */
static bool json_string(struct parser *p, const char **s, size_t *n)
{
	size_t start = ++p->pos, i, raw;
	bool esc = false;
	char *o;
	size_t on = 0;

	for (i = start;; i++) {
		unsigned char c;

		if (i >= p->len)
			return fail(p, start - 1, "unterminated string"), false;
		c = (unsigned char)p->buf[i];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(p, i, "control character in string"), false;
		if (c != '\\')
			continue;
		esc = true;
		if (i + 1 >= p->len)
			return fail(p, start - 1, "unterminated string"), false;
		c = (unsigned char)p->buf[++i];
		if (c == 'u') {
			long cp = hex4(p, i + 1);

			if (cp < 0)
				return fail(p, i - 1, "invalid \\u escape"), false;
			i += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(p, i - 5, "lone surrogate"), false;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				long lo = -1;

				if (i + 2 < p->len && p->buf[i + 1] == '\\' && p->buf[i + 2] == 'u')
					lo = hex4(p, i + 3);
				if (lo < 0xdc00 || lo > 0xdfff)
					return fail(p, i - 5, "lone surrogate"), false;
				i += 6;
			}
		} else if (!strchr("\"\\/bfnrt", c) || c == '\0') {
			return fail(p, i - 1, "invalid escape"), false;
		}
	}
	raw = i - start;
	p->pos = i + 1;
	if (!esc) {
		*s = p->buf + start;
		*n = raw;
		return true;
	}
	o = arena_alloc(p->arena, raw ? raw : 1, 1);
	if (!o)
		return fail(p, start - 1, "request too large"), false;
	for (i = start; i < start + raw; i++) {
		char c = p->buf[i];
		uint32_t cp;

		if (c != '\\') {
			o[on++] = c;
			continue;
		}
		c = p->buf[++i];
		switch (c) {
		case 'b': o[on++] = '\b'; break;
		case 'f': o[on++] = '\f'; break;
		case 'n': o[on++] = '\n'; break;
		case 'r': o[on++] = '\r'; break;
		case 't': o[on++] = '\t'; break;
		case 'u':
			cp = (uint32_t)hex4(p, i + 1);
			i += 4;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				uint32_t lo = (uint32_t)hex4(p, i + 3);

				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			}
			on += put_utf8(o + on, cp);
			break;
		default: o[on++] = c; break; /* " \ / */
		}
	}
	*s = o;
	*n = on;
	return true;
}

/* A JSON integer; fractions and exponents are refused. */
static struct ng_val *json_int(struct parser *p)
{
	size_t start = p->pos;
	bool neg = false;
	uint64_t mag = 0, limit;
	struct ng_val *v;

	if (p->buf[p->pos] == '-') {
		neg = true;
		p->pos++;
	}
	if (p->pos >= p->len || !is_digit(p->buf[p->pos]))
		return fail(p, p->pos, "digit expected in number");
	if (p->buf[p->pos] == '0' && p->pos + 1 < p->len && is_digit(p->buf[p->pos + 1]))
		return fail(p, p->pos, "leading zero in number");
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	while (p->pos < p->len && is_digit(p->buf[p->pos])) {
		unsigned d = (unsigned)(p->buf[p->pos] - '0');

		if (mag > (limit - d) / 10)
			return fail(p, start, "integer out of range");
		mag = mag * 10 + d;
		p->pos++;
	}
	if (p->pos < p->len &&
	    (p->buf[p->pos] == '.' || p->buf[p->pos] == 'e' || p->buf[p->pos] == 'E'))
		return fail(p, p->pos, "fractions and exponents not supported");
	v = new_node(p, NG_INT, start);
	if (v)
		v->i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return v;
}

/* true, false, null */
static struct ng_val *json_word(struct parser *p)
{
	static const struct {
		const char *w;
		size_t n;
		enum ng_type type;
		int64_t i;
	} words[] = {
		{ "true", 4, NG_INT, 1 },
		{ "false", 5, NG_INT, 0 },
		{ "null", 4, NG_STR, 0 },
	};

	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
		struct ng_val *v;

		if (p->len - p->pos < words[k].n || memcmp(p->buf + p->pos, words[k].w, words[k].n))
			continue;
		v = new_node(p, words[k].type, p->pos);
		if (!v)
			return NULL;
		p->pos += words[k].n;
		v->i = words[k].i;
		if (v->type == NG_STR)
			v->s = "";
		return v;
	}
	return fail(p, p->pos, "invalid JSON value");
}

static struct ng_val *json_value(struct parser *p, unsigned depth)
{
	struct ng_val *v, *m, *tail = NULL;
	size_t start;
	char c, close;

	json_ws(p);
	start = p->pos;
	if (p->pos >= p->len)
		return fail(p, p->pos, "unexpected end of input");
	c = p->buf[p->pos];
	if (c == '"') {
		const char *s;
		size_t n;

		if (!json_string(p, &s, &n))
			return NULL;
		v = new_node(p, NG_STR, start);
		if (v) {
			v->s = s;
			v->len = n;
		}
		return v;
	}
	if (c == '-' || is_digit(c))
		return json_int(p);
	if (c != '{' && c != '[')
		return json_word(p);
	if (depth >= NG_MAX_DEPTH)
		return fail(p, p->pos, "nesting too deep");
	close = c == '{' ? '}' : ']';
	v = new_node(p, c == '{' ? NG_DICT : NG_LIST, start);
	if (!v)
		return NULL;
	p->pos++;
	json_ws(p);
	if (p->pos < p->len && p->buf[p->pos] == close) {
		p->pos++;
		return v;
	}
	for (;;) {
		const char *key = NULL;
		size_t key_len = 0;

		json_ws(p);
		if (p->pos >= p->len)
			return fail(p, p->pos,
				    c == '{' ? "unterminated object" : "unterminated array");
		if (p->buf[p->pos] == close)
			return fail(p, p->pos, "trailing comma");
		if (c == '{') {
			if (p->buf[p->pos] != '"')
				return fail(p, p->pos, "object key is not a string");
			if (!json_string(p, &key, &key_len))
				return NULL;
			json_ws(p);
			if (p->pos >= p->len)
				return fail(p, p->pos, "unterminated object");
			if (p->buf[p->pos] != ':')
				return fail(p, p->pos, "':' expected after key");
			p->pos++;
		}
		m = json_value(p, depth + 1);
		if (!m)
			return NULL;
		m->key = key;
		m->key_len = key_len;
		append(v, &tail, m);
		json_ws(p);
		if (p->pos >= p->len)
			return fail(p, p->pos,
				    c == '{' ? "unterminated object" : "unterminated array");
		if (p->buf[p->pos] == close) {
			p->pos++;
			return v;
		}
		if (p->buf[p->pos] != ',')
			return fail(p, p->pos,
				    c == '{' ? "',' or '}' expected" : "',' or ']' expected");
		p->pos++;
	}
}

/* ---- entry points ---- */

/* Parses buf[off..len) as one value with nothing after it (JSON: whitespace). */
static struct ng_val *parse_top(struct parser *p, enum ng_syntax syntax)
{
	struct ng_val *v;

	if (syntax == NG_JSON) {
		v = json_value(p, 0);
		if (v)
			json_ws(p);
	} else {
		v = ben_value(p, 0);
	}
	if (v && p->pos != p->len)
		return fail(p, p->pos, "trailing garbage");
	return v;
}

int ng_parse_value(const char *buf, size_t len, enum ng_syntax syntax, struct ng_arena *arena,
		   struct ng_val **root, struct ng_parse_error *err)
{
	struct parser p = { .buf = buf, .len = len, .arena = arena, .err = err };
	size_t used = arena->used;

	*root = parse_top(&p, syntax);
	if (!*root) {
		arena->used = used; /* nothing of a failed parse stays allocated */
		return -1;
	}
	return 0;
}

int ng_parse(const char *buf, size_t len, struct ng_arena *arena, const char **cookie,
	     size_t *cookie_len, struct ng_val **root, enum ng_syntax *syntax,
	     struct ng_parse_error *err)
{
	struct parser p = { .buf = buf, .len = len, .arena = arena, .err = err };
	size_t used = arena->used, i;

	*cookie = NULL;
	*cookie_len = 0;
	*root = NULL;
	*syntax = NG_BENCODE;
	if (!len)
		return fail(&p, 0, "empty message"), -1;
	for (i = 0; i < len && buf[i] != ' '; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c < 0x21 || c > 0x7e)
			return fail(&p, i, "invalid character in cookie"), -1;
		if (i >= NG_COOKIE_MAX)
			return fail(&p, i, "cookie too long"), -1;
	}
	if (!i)
		return fail(&p, 0, "missing cookie"), -1;
	*cookie = buf;
	*cookie_len = i;
	if (i == len)
		return fail(&p, i, "no space after cookie"), -1;
	p.pos = i + 1;
	if (p.pos >= len)
		return fail(&p, p.pos, "missing dict"), -1;
	if (buf[p.pos] == ' ')
		return fail(&p, p.pos, "more than one space after cookie"), -1;
	if (buf[p.pos] == '{') {
		*syntax = NG_JSON;
	} else if (buf[p.pos] != 'd') {
		return fail(&p, p.pos, "message is not a dict"), -1;
	}
	*root = parse_top(&p, *syntax);
	if (!*root) {
		arena->used = used;
		return -1;
	}
	return 0;
}

/* ---- lookups ---- */

const struct ng_val *ng_dict_get(const struct ng_val *dict, const char *key)
{
	size_t n;

	if (!dict || dict->type != NG_DICT || !key)
		return NULL;
	n = strlen(key);
	for (const struct ng_val *m = dict->first; m; m = m->next)
		if (m->key_len == n && !memcmp(m->key, key, n))
			return m;
	return NULL;
}

const struct ng_val *ng_dict_str(const struct ng_val *dict, const char *key)
{
	const struct ng_val *v = ng_dict_get(dict, key);

	return v && v->type == NG_STR ? v : NULL;
}

bool ng_str_eq(const struct ng_val *v, const char *s)
{
	size_t n;

	if (!v || v->type != NG_STR || !s)
		return false;
	n = strlen(s);
	return v->len == n && !memcmp(v->s, s, n);
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool ng_str_ieq(const struct ng_val *v, const char *s)
{
	size_t n;

	if (!v || v->type != NG_STR || !s)
		return false;
	n = strlen(s);
	if (v->len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(v->s[i]) != ascii_lower(s[i]))
			return false;
	return true;
}

int ng_str_copy(const struct ng_val *v, char *buf, size_t cap)
{
	if (!v || v->type != NG_STR || !buf || v->len >= cap)
		return -1;
	if (v->len && memchr(v->s, '\0', v->len))
		return -1;
	if (v->len)
		memcpy(buf, v->s, v->len);
	buf[v->len] = '\0';
	return 0;
}

/* ---- output ---- */

void ng_out_init(struct ng_out *o, enum ng_syntax syntax)
{
	memset(o, 0, sizeof(*o));
	o->syntax = syntax;
}

/* Replies and requests carry SDES keys: what is freed is wiped first
 * (explicit_bzero: a memset the compiler may not drop, at memset's speed). */
static void wipe_free(char *buf, size_t cap)
{
	if (!buf)
		return;
	explicit_bzero(buf, cap);
	free(buf);
}

void ng_out_free(struct ng_out *o)
{
	wipe_free(o->buf, o->cap);
	o->buf = NULL;
	o->len = o->cap = 0;
}

/* Room for n more bytes plus a NUL kept after the content; false once oom. */
static bool out_reserve(struct ng_out *o, size_t n)
{
	size_t cap;
	char *nb;

	if (o->oom)
		return false;
	if (n < o->cap - o->len)
		return true;
	if (n > SIZE_MAX / 2 - o->len - 1) {
		o->oom = true;
		return false;
	}
	cap = o->cap ? o->cap : 1024; /* a query or delete reply: one block */
	while (cap - o->len <= n)
		cap *= 2;
	nb = malloc(cap); /* not realloc: the old block is wiped, not left behind */
	if (!nb) {
		o->oom = true;
		return false;
	}
	if (o->buf)
		memcpy(nb, o->buf, o->len + 1 <= o->cap ? o->len + 1 : o->len);
	wipe_free(o->buf, o->cap);
	o->buf = nb;
	o->cap = cap;
	return true;
}

void ng_out_raw(struct ng_out *o, const char *s, size_t n)
{
	if (!out_reserve(o, n))
		return;
	if (n)
		memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void out_byte(struct ng_out *o, char c)
{
	ng_out_raw(o, &c, 1);
}

/* JSON: the comma (or nothing, after a key) that goes before a value. */
static void json_pre_value(struct ng_out *o)
{
	if (o->syntax != NG_JSON)
		return;
	if (o->after_key) {
		o->after_key = false;
		return;
	}
	if (!o->depth)
		return;
	if (o->need_comma[o->depth])
		out_byte(o, ',');
	o->need_comma[o->depth] = true;
}

/* Bencode "<n>:<bytes>", or a JSON string with ", \ and controls escaped. */
static void out_string(struct ng_out *o, const char *s, size_t n)
{
	char tmp[24];
	size_t i, run;

	if (o->syntax == NG_BENCODE) {
		char *end = tmp + sizeof(tmp) - 1, *p;

		*end = ':';
		p = xs_fmt_u64(end, n);
		ng_out_raw(o, p, (size_t)(end + 1 - p));
		ng_out_raw(o, s, n);
		return;
	}
	out_byte(o, '"');
	for (i = 0; i < n; i += run) {
		unsigned char c = (unsigned char)s[i];

		for (run = 0; i + run < n; run++) {
			c = (unsigned char)s[i + run];
			if (c < 0x20 || c == '"' || c == '\\')
				break;
		}
		if (run) {
			ng_out_raw(o, s + i, run);
			continue;
		}
		if (c == '"' || c == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)c;
			ng_out_raw(o, tmp, 2);
		} else {
			snprintf(tmp, sizeof(tmp), "\\u%04x", c);
			ng_out_raw(o, tmp, 6);
		}
		run = 1;
	}
	out_byte(o, '"');
}

/* Opens a container; nesting beyond NG_MAX_DEPTH is refused like a failed allocation. */
static void out_begin(struct ng_out *o, char ben, char json)
{
	if (o->oom)
		return;
	if (o->depth >= NG_MAX_DEPTH) {
		o->oom = true;
		return;
	}
	json_pre_value(o);
	out_byte(o, o->syntax == NG_JSON ? json : ben);
	o->depth++;
	o->need_comma[o->depth] = false;
}

static void out_end(struct ng_out *o, char json)
{
	if (o->depth)
		o->depth--;
	o->after_key = false;
	out_byte(o, o->syntax == NG_JSON ? json : 'e');
}

void ng_out_dict_begin(struct ng_out *o)
{
	out_begin(o, 'd', '{');
}

void ng_out_dict_end(struct ng_out *o)
{
	out_end(o, '}');
}

int ng_out_reply_add(struct ng_out *o, const char *key, const char *value)
{
	bool json = o->syntax == NG_JSON;
	if (o->oom || o->depth || o->len < 2 || o->buf[o->len - 1] != (json ? '}' : 'e'))
		return -1;
	const char *sp = memchr(o->buf, ' ', o->len), *v = sp ? sp + 1 : o->buf;
	if (*v != (json ? '{' : 'd')) /* the top-level value is a dictionary */
		return -1;
	o->len--; /* reopen the top-level dictionary */
	o->depth = 1;
	o->need_comma[1] = o->buf[o->len - 1] != '{';
	o->after_key = false;
	ng_out_key(o, key);
	ng_out_cstr(o, value);
	ng_out_dict_end(o);
	return o->oom ? -1 : 0;
}

void ng_out_list_begin(struct ng_out *o)
{
	out_begin(o, 'l', '[');
}

void ng_out_list_end(struct ng_out *o)
{
	out_end(o, ']');
}

static void out_key(struct ng_out *o, const char *key, size_t n)
{
	if (o->syntax == NG_JSON && o->depth) {
		if (o->need_comma[o->depth])
			out_byte(o, ',');
		o->need_comma[o->depth] = true;
	}
	out_string(o, key, n);
	if (o->syntax == NG_JSON) {
		out_byte(o, ':');
		o->after_key = true;
	}
}

void ng_out_key(struct ng_out *o, const char *key)
{
	out_key(o, key, strlen(key));
}

void ng_out_str(struct ng_out *o, const char *s, size_t n)
{
	json_pre_value(o);
	out_string(o, s, n);
}

void ng_out_cstr(struct ng_out *o, const char *s)
{
	ng_out_str(o, s, strlen(s));
}

void ng_out_int(struct ng_out *o, int64_t v)
{
	char tmp[24];
	bool json = o->syntax == NG_JSON;
	char *end = tmp + sizeof(tmp) - (json ? 0 : 1), *p;
	/* the magnitude as unsigned: -INT64_MIN does not fit an int64_t */
	uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	json_pre_value(o);
	if (!json)
		*end = 'e';
	p = xs_fmt_u64(end, mag);
	if (v < 0)
		*--p = '-';
	if (!json)
		*--p = 'i';
	ng_out_raw(o, p, (size_t)(tmp + sizeof(tmp) - p));
}

void ng_out_val(struct ng_out *o, const struct ng_val *v)
{
	if (!v || o->oom)
		return;
	switch (v->type) {
	case NG_INT:
		ng_out_int(o, v->i);
		break;
	case NG_STR:
		ng_out_str(o, v->s, v->len);
		break;
	case NG_LIST:
		ng_out_list_begin(o);
		for (const struct ng_val *m = v->first; m && !o->oom; m = m->next)
			ng_out_val(o, m);
		ng_out_list_end(o);
		break;
	case NG_DICT:
		ng_out_dict_begin(o);
		for (const struct ng_val *m = v->first; m && !o->oom; m = m->next) {
			out_key(o, m->key, m->key_len);
			ng_out_val(o, m);
		}
		ng_out_dict_end(o);
		break;
	}
}
