/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ng codec: the wire example of ng-protocol.md, byte-exact round trips,
 * JSON to bencode, every malformed input we know of (each with its reason and
 * offset), the nesting and arena limits, lookups and the encoder in both syntaxes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ng_codec.h"

static uint8_t arena_mem[256 * 1024];
static struct ng_arena arena;

static int setup(void **state)
{
	(void)state;
	ng_arena_init(&arena, arena_mem, sizeof(arena_mem));
	return 0;
}

/* Parses a bare value, expecting success. */
static struct ng_val *parse_ok(const char *s, size_t n, enum ng_syntax syn)
{
	struct ng_val *v = NULL;
	struct ng_parse_error err = { 0, NULL };
	int r = ng_parse_value(s, n, syn, &arena, &v, &err);

	if (r)
		print_error("unexpected failure on '%.*s': %s at %zu\n", (int)n, s, err.what,
			    err.offset);
	assert_int_equal(r, 0);
	assert_non_null(v);
	return v;
}

/* Parses a bare value, expecting failure at offset (SIZE_MAX: any offset). */
static void parse_bad(const char *s, size_t n, enum ng_syntax syn, size_t offset)
{
	struct ng_val *v = (struct ng_val *)1;
	struct ng_parse_error err = { 12345, NULL };
	size_t used = arena.used;
	int r = ng_parse_value(s, n, syn, &arena, &v, &err);

	if (r != -1)
		print_error("unexpected success on '%.*s'\n", (int)n, s);
	assert_int_equal(r, -1);
	assert_null(v);
	assert_non_null(err.what);
	assert_true(strlen(err.what) > 3);
	if (offset != SIZE_MAX && err.offset != offset)
		print_error("'%.*s': %s at %zu, expected %zu\n", (int)n, s, err.what, err.offset,
			    offset);
	if (offset != SIZE_MAX)
		assert_int_equal(err.offset, offset);
	assert_true(err.offset <= n);
	assert_int_equal(arena.used, used); /* a failed parse leaves nothing allocated */
}

#define BAD_B(lit, off) parse_bad(lit, sizeof(lit) - 1, NG_BENCODE, off)
#define BAD_J(lit, off) parse_bad(lit, sizeof(lit) - 1, NG_JSON, off)

/* Encodes v in syntax and compares with the expected bytes. */
static void expect_encoding(const struct ng_val *v, enum ng_syntax syn, const char *exp, size_t n)
{
	struct ng_out o;

	ng_out_init(&o, syn);
	ng_out_val(&o, v);
	assert_false(o.oom);
	if (o.len != n || memcmp(o.buf, exp, n))
		print_error("got '%.*s'\nexpected '%.*s'\n", (int)o.len, o.buf, (int)n, exp);
	assert_int_equal(o.len, n);
	assert_memory_equal(o.buf, exp, n);
	ng_out_free(&o);
}

static const char sdp[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
			  "t=0 0\r\nm=audio 4000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n";

static void wire_example(void **state)
{
	char msg[1024];
	const char *cookie;
	size_t cookie_len;
	struct ng_val *root;
	enum ng_syntax syn = NG_JSON;
	struct ng_parse_error err;
	const struct ng_val *v;
	char tmp[64];
	int n;

	(void)state;
	n = snprintf(msg, sizeof(msg),
		     "5323_1 d7:command5:offer7:call-id2:c18:from-tag3:ft13:sdp%zu:%s"
		     "18:transport-protocol8:RTP/SAVP4:SDESl28:only-AES_CM_128_HMAC_SHA1_80ee",
		     strlen(sdp), sdp);
	assert_int_equal(ng_parse(msg, (size_t)n, &arena, &cookie, &cookie_len, &root, &syn, &err),
			 0);
	assert_int_equal(syn, NG_BENCODE);
	assert_int_equal(cookie_len, 6);
	assert_memory_equal(cookie, "5323_1", 6);
	assert_int_equal(root->type, NG_DICT);
	assert_int_equal(root->len, 6);
	assert_true(ng_str_eq(ng_dict_get(root, "command"), "offer"));
	assert_true(ng_str_eq(ng_dict_str(root, "call-id"), "c1"));
	assert_true(ng_str_eq(ng_dict_str(root, "from-tag"), "ft1"));
	assert_true(ng_str_ieq(ng_dict_str(root, "transport-protocol"), "rtp/savp"));
	v = ng_dict_str(root, "sdp");
	assert_non_null(v);
	assert_int_equal(v->len, strlen(sdp));
	assert_memory_equal(v->s, sdp, v->len);
	assert_ptr_equal(v->s, strstr(msg, "v=0")); /* bencode strings point into the input */
	v = ng_dict_get(root, "SDES");
	assert_non_null(v);
	assert_int_equal(v->type, NG_LIST);
	assert_int_equal(v->len, 1);
	assert_true(ng_str_eq(v->first, "only-AES_CM_128_HMAC_SHA1_80"));
	assert_null(v->first->next);
	assert_null(ng_dict_str(root, "SDES")); /* a list, not a string */
	assert_null(ng_dict_get(root, "to-tag"));
	assert_int_equal(ng_str_copy(ng_dict_str(root, "call-id"), tmp, sizeof(tmp)), 0);
	assert_string_equal(tmp, "c1");

	/* the reply writer reproduces the request exactly */
	struct ng_out o;

	ng_out_init(&o, NG_BENCODE);
	ng_out_raw(&o, cookie, cookie_len);
	ng_out_raw(&o, " ", 1);
	ng_out_val(&o, root);
	assert_false(o.oom);
	assert_int_equal(o.len, (size_t)n);
	assert_memory_equal(o.buf, msg, (size_t)n);
	ng_out_free(&o);

	/* JSON framing */
	static const char jmsg[] = "abc {\"command\": \"ping\"} \n";

	assert_int_equal(ng_parse(jmsg, sizeof(jmsg) - 1, &arena, &cookie, &cookie_len, &root,
				  &syn, &err),
			 0);
	assert_int_equal(syn, NG_JSON);
	assert_int_equal(cookie_len, 3);
	assert_true(ng_str_eq(ng_dict_get(root, "command"), "ping"));
}

static void bencode_round_trips(void **state)
{
	static const char *const cases[] = {
		"i0e",
		"i-42e",
		"i9223372036854775807e",
		"i-9223372036854775808e",
		"0:",
		"le",
		"de",
		"3:a\0c",
		"l4:spami42ee",
		"d1:ald1:bi1eee1:c0:1:dlleleee",
		"d1:zi1e1:ai2e1:zi3ee", /* unsorted, duplicate keys: kept as they are */
		"d0:0:e",
	};
	static const size_t lens[] = { 3, 5, 21, 22, 2, 2, 2, 5, 12, 29, 20, 6 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ng_val *v = parse_ok(cases[i], lens[i], NG_BENCODE);

		expect_encoding(v, NG_BENCODE, cases[i], lens[i]);
	}
	struct ng_val *v = parse_ok("i-9223372036854775808e", 22, NG_BENCODE);

	assert_int_equal(v->type, NG_INT);
	assert_true(v->i == INT64_MIN);
	v = parse_ok("d1:zi1e1:ai2e1:zi3ee", 20, NG_BENCODE);
	assert_int_equal(ng_dict_get(v, "z")->i, 1); /* the first of duplicates */
	assert_int_equal(ng_dict_get(v, "a")->i, 2);
	assert_int_equal(v->len, 3);
}

static void json_to_bencode(void **state)
{
	static const char j1[] = "{\"command\":\"ping\"}";
	static const char b1[] = "d7:command4:pinge";
	static const char j2[] =
		" { \"a\" : [ 1, -2, true, false, null, 0, -0, 9223372036854775807,"
		" -9223372036854775808 ],\r\n\t\"b\":{}, \"c\":[],"
		" \"e\":\"q\\\"b\\\\s\\/\\b\\f\\n\\r\\t\","
		" \"u\":\"\\u00e9\\u20AC\\ud83d\\ude00\\u0000\","
		" \"raw\":\"\xc3\xa9\" } ";
	static const char b2[] = "d1:ali1ei-2ei1ei0e0:i0ei0ei9223372036854775807e"
				 "i-9223372036854775808ee1:bde1:cle1:e11:q\"b\\s/\b\f\n\r\t"
				 "1:u10:\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\0"
				 "3:raw2:\xc3\xa9" "e";
	struct ng_val *v;

	(void)state;
	v = parse_ok(j1, sizeof(j1) - 1, NG_JSON);
	expect_encoding(v, NG_BENCODE, b1, sizeof(b1) - 1);
	expect_encoding(v, NG_JSON, j1, sizeof(j1) - 1);
	v = parse_ok(j2, sizeof(j2) - 1, NG_JSON);
	expect_encoding(v, NG_BENCODE, b2, sizeof(b2) - 1);
	/* bare scalars */
	v = parse_ok("\"x\"", 3, NG_JSON);
	assert_true(ng_str_eq(v, "x"));
	v = parse_ok("-17", 3, NG_JSON);
	assert_int_equal(v->type, NG_INT);
	assert_int_equal(v->i, -17);
	v = parse_ok("null", 4, NG_JSON);
	assert_int_equal(v->type, NG_STR);
	assert_int_equal(v->len, 0);

	/* JSON back out: compact, escaped, keys in order */
	static const char j3[] = "{\"a\":[1,-2,1,0,\"\",0,0,9223372036854775807,"
				 "-9223372036854775808],\"b\":{},\"c\":[],"
				 "\"e\":\"q\\\"b\\\\s/\\u0008\\u000c\\u000a\\u000d\\u0009\","
				 "\"u\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\\u0000\","
				 "\"raw\":\"\xc3\xa9\"}";
	v = parse_ok(j2, sizeof(j2) - 1, NG_JSON);
	expect_encoding(v, NG_JSON, j3, sizeof(j3) - 1);
	/* and that JSON parses to the same tree */
	v = parse_ok(j3, sizeof(j3) - 1, NG_JSON);
	expect_encoding(v, NG_BENCODE, b2, sizeof(b2) - 1);
}

static void bencode_malformed(void **state)
{
	(void)state;
	BAD_B("", 0);                         /* empty */
	BAD_B("5:ab", 0);                     /* truncated string */
	BAD_B("d3:key10:abce", 6);            /* length beyond input */
	BAD_B("99999999999999999999:", 0);    /* length that overflows size_t */
	BAD_B("184467440737095516160:x", 0);  /* 2^64 * 10 */
	BAD_B("18446744073709551615:x", 0);   /* SIZE_MAX */
	BAD_B("05:abcde", 0);                 /* leading zero */
	BAD_B("00:", 0);
	BAD_B("5", 1);                        /* length without colon */
	BAD_B("5x", 1);
	BAD_B("i-0e", 0);
	BAD_B("i01e", 1);
	BAD_B("i-01e", 0);                    /* "-0" first */
	BAD_B("ie", 1);
	BAD_B("i-e", 2);
	BAD_B("i12", 3);
	BAD_B("i1x2e", 2);
	BAD_B("i9223372036854775808e", 0);    /* INT64_MAX + 1 */
	BAD_B("i-9223372036854775809e", 0);
	BAD_B("i99999999999999999999999e", 0);
	BAD_B("d", 1);                        /* unterminated dict */
	BAD_B("d1:ai1e", 7);
	BAD_B("d1:a", 4);
	BAD_B("d1:ae", 4);                    /* key without value */
	BAD_B("l", 1);                        /* unterminated list */
	BAD_B("li1el", 5);
	BAD_B("di1ei2ee", 1);                 /* non-string keys */
	BAD_B("dli1ee1:ae", 1);
	BAD_B("dde1:ae", 1);
	BAD_B("x", 0);                        /* not a value */
	BAD_B("e", 0);
	BAD_B("i1ei2e", 3);                   /* trailing garbage */
	BAD_B("dee", 2);
	BAD_B("de ", 2);
}

static void json_malformed(void **state)
{
	(void)state;
	BAD_J("", 0);
	BAD_J("   ", 3);
	BAD_J("{", 1);                        /* unterminated */
	BAD_J("{\"a\":1", 6);
	BAD_J("[1,2", 4);
	BAD_J("{\"a\"", 4);
	BAD_J("{\"a\":", 5);
	BAD_J("\"abc", 0);
	BAD_J("\"ab\\", 0);
	BAD_J("[1,]", 3);                     /* trailing commas */
	BAD_J("{\"a\":1,}", 7);
	BAD_J("{\"a\":1 , }", 9);
	BAD_J("[,]", 1);
	BAD_J("{,}", 1);
	BAD_J("[1 2]", 3);
	BAD_J("{\"a\" 1}", 5);
	BAD_J("{1:2}", 1);                    /* non-string key */
	BAD_J("1.5", 1);                      /* fractions and exponents */
	BAD_J("1e5", 1);
	BAD_J("[2E1]", 2);
	BAD_J("-", 1);
	BAD_J("01", 0);
	BAD_J("-01", 1);
	BAD_J("+1", 0);
	BAD_J("9223372036854775808", 0);      /* out of int64 */
	BAD_J("-9223372036854775809", 0);
	BAD_J("\"\\x\"", 1);                  /* invalid escapes */
	BAD_J("\"\\u12\"", 1);
	BAD_J("\"\\u12G4\"", 1);
	BAD_J("\"\\U1234\"", 1);
	BAD_J("\"a\\ud800\"", 2);             /* lone surrogates */
	BAD_J("\"\\udc00\"", 1);
	BAD_J("\"\\ud800\\u0041\"", 1);
	BAD_J("\"\\ud800\\n\"", 1);
	BAD_J("\"\\ud800\\ud800\"", 1);
	BAD_J("\"a\nb\"", 2);                 /* raw control characters */
	BAD_J("\"\t\"", 1);
	BAD_J("\"\x01\"", 1);
	BAD_J("tru", 0);                      /* words */
	BAD_J("nul", 0);
	BAD_J("True", 0);
	BAD_J("[truex]", 5);
	BAD_J("{} x", 3);                     /* trailing garbage */
	BAD_J("{}{}", 2);
	BAD_J("'a'", 0);
	parse_bad("\"a\0b\"", 5, NG_JSON, 2);
}

static void framing(void **state)
{
	const char *cookie;
	size_t cookie_len;
	struct ng_val *root;
	enum ng_syntax syn;
	struct ng_parse_error err;
	char big[NG_COOKIE_MAX + 16];

	(void)state;
#define FRAME(lit) ng_parse(lit, sizeof(lit) - 1, &arena, &cookie, &cookie_len, &root, &syn, &err)
	assert_int_equal(FRAME(""), -1);
	assert_int_equal(cookie_len, 0);
	assert_null(root);
	assert_int_equal(err.offset, 0);
	assert_int_equal(FRAME(" d7:command4:pinge"), -1); /* missing cookie */
	assert_int_equal(cookie_len, 0);
	assert_int_equal(err.offset, 0);
	assert_int_equal(FRAME("d7:command4:pinge"), -1); /* no space: all of it is the cookie */
	assert_int_equal(err.offset, 17);
	assert_int_equal(FRAME("abc"), -1);
	assert_int_equal(err.offset, 3);
	assert_int_equal(cookie_len, 3);
	assert_int_equal(FRAME("abc "), -1); /* no dict */
	assert_int_equal(cookie_len, 3);
	assert_ptr_not_equal(cookie, NULL);
	assert_int_equal(err.offset, 4);
	assert_int_equal(FRAME("abc  de"), -1); /* two spaces */
	assert_int_equal(err.offset, 4);
	assert_int_equal(cookie_len, 3);
	assert_int_equal(FRAME("ab\x01 de"), -1); /* not printable */
	assert_int_equal(err.offset, 2);
	assert_int_equal(cookie_len, 0);
	assert_int_equal(FRAME("ab\xc3\xa9 de"), -1);
	assert_int_equal(cookie_len, 0);
	assert_int_equal(FRAME("ab\tc de"), -1);
	assert_int_equal(cookie_len, 0);
	assert_int_equal(FRAME("abc le"), -1); /* top level not a dict */
	assert_int_equal(err.offset, 4);
	assert_int_equal(cookie_len, 3); /* the error reply can carry it */
	assert_memory_equal(cookie, "abc", 3);
	assert_int_equal(FRAME("abc i1e"), -1);
	assert_int_equal(FRAME("abc [1]"), -1);
	assert_int_equal(FRAME("abc 1:a"), -1);
	assert_int_equal(FRAME("abc dee"), -1); /* trailing garbage */
	assert_int_equal(err.offset, 6);
	assert_int_equal(cookie_len, 3);
	assert_int_equal(FRAME("abc de "), -1); /* bencode: not even whitespace */
	assert_int_equal(FRAME("abc {} x"), -1);
	assert_int_equal(err.offset, 7);
	assert_int_equal(FRAME("abc d3:key"), -1); /* error inside the dict */
	assert_int_equal(cookie_len, 3);
	assert_int_equal(err.offset, 10);
	assert_int_equal(FRAME("abc {}\r\n"), 0); /* JSON may be followed by whitespace */
	assert_int_equal(syn, NG_JSON);
	assert_int_equal(FRAME("x de"), 0);
	assert_int_equal(cookie_len, 1);
	assert_int_equal(syn, NG_BENCODE);
	assert_int_equal(root->len, 0);
	assert_int_equal(FRAME("~!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|} de"), 0);
	assert_int_equal(cookie_len, 38);

	/* cookie length limit */
	memset(big, 'a', sizeof(big));
	memcpy(big + NG_COOKIE_MAX, " de", 3);
	assert_int_equal(ng_parse(big, NG_COOKIE_MAX + 3, &arena, &cookie, &cookie_len, &root, &syn,
				  &err),
			 0);
	assert_int_equal(cookie_len, NG_COOKIE_MAX);
	memset(big, 'a', sizeof(big));
	memcpy(big + NG_COOKIE_MAX + 1, " de", 3);
	assert_int_equal(ng_parse(big, NG_COOKIE_MAX + 4, &arena, &cookie, &cookie_len, &root, &syn,
				  &err),
			 -1);
	assert_int_equal(cookie_len, 0);
	assert_int_equal(err.offset, NG_COOKIE_MAX);
#undef FRAME
}

/* Builds n nested containers around "i1e" (or "1"). */
static size_t nest(char *buf, unsigned n, enum ng_syntax syn)
{
	size_t k = 0;

	for (unsigned i = 0; i < n; i++)
		buf[k++] = syn == NG_JSON ? '[' : 'l';
	if (syn == NG_JSON) {
		buf[k++] = '1';
	} else {
		memcpy(buf + k, "i1e", 3);
		k += 3;
	}
	for (unsigned i = 0; i < n; i++)
		buf[k++] = syn == NG_JSON ? ']' : 'e';
	return k;
}

static void depth_limit(void **state)
{
	char buf[4 * NG_MAX_DEPTH + 16];
	size_t n;
	struct ng_val *v;
	struct ng_parse_error err;
	struct ng_out o;

	(void)state;
	for (int syn = NG_BENCODE; syn <= NG_JSON; syn++) {
		n = nest(buf, NG_MAX_DEPTH, (enum ng_syntax)syn);
		v = parse_ok(buf, n, (enum ng_syntax)syn);
		ng_out_init(&o, (enum ng_syntax)syn);
		ng_out_val(&o, v);
		assert_false(o.oom);
		assert_int_equal(o.len, n);
		assert_memory_equal(o.buf, buf, n);
		ng_out_free(&o);
		n = nest(buf, NG_MAX_DEPTH + 1, (enum ng_syntax)syn);
		assert_int_equal(ng_parse_value(buf, n, (enum ng_syntax)syn, &arena, &v, &err), -1);
		assert_int_equal(err.offset, NG_MAX_DEPTH);
		assert_string_equal(err.what, "nesting too deep");
	}
	/* dicts count as much as lists */
	static const char d33[] = "d1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:a"
				  "d1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:a"
				  "deeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";
	BAD_B(d33, 32 * 4);

	/* the writer refuses to go deeper than it can track */
	ng_out_init(&o, NG_JSON);
	for (int i = 0; i < NG_MAX_DEPTH; i++)
		ng_out_list_begin(&o);
	assert_false(o.oom);
	ng_out_list_begin(&o);
	assert_true(o.oom);
	ng_out_free(&o);
}

static void arena_limits(void **state)
{
	static uint8_t small_mem[3 * sizeof(struct ng_val) + 8];
	struct ng_arena small;
	struct ng_val *v;
	struct ng_parse_error err;
	const char *cookie;
	size_t cookie_len;
	enum ng_syntax syn;

	(void)state;
	ng_arena_init(&small, small_mem, 3 * sizeof(struct ng_val));
	assert_int_equal(ng_parse_value("li1ei2ee", 8, NG_BENCODE, &small, &v, &err), 0);
	assert_int_equal(v->len, 2);
	assert_int_equal(ng_parse_value("li1ei2ee", 8, NG_BENCODE, &small, &v, &err), -1);
	assert_string_equal(err.what, "request too large");
	assert_int_equal(small.used, 3 * sizeof(struct ng_val));
	ng_arena_reset(&small);
	assert_int_equal(small.used, 0);
	assert_int_equal(ng_parse_value("li1ei2ei3ee", 11, NG_BENCODE, &small, &v, &err), -1);
	assert_string_equal(err.what, "request too large");
	assert_int_equal(err.offset, 7);
	assert_int_equal(small.used, 0); /* a failure gives back what it took */
	assert_int_equal(ng_parse("c1 d1:a1:b1:c1:d1:e1:fe", 23, &small, &cookie, &cookie_len, &v,
				  &syn, &err),
			 -1);
	assert_string_equal(err.what, "request too large");
	assert_int_equal(cookie_len, 2);
	/* an escaped JSON string needs arena room too */
	assert_int_equal(ng_parse_value("[\"\\n\"]", 6, NG_JSON, &small, &v, &err), 0);
	ng_arena_init(&small, small_mem, 2 * sizeof(struct ng_val) + 8);
	assert_int_equal(ng_parse_value("[\"\\n\"]", 6, NG_JSON, &small, &v, &err), 0);
	assert_int_equal(v->first->len, 1);
	assert_int_equal(v->first->s[0], '\n');
	ng_arena_init(&small, small_mem, 2 * sizeof(struct ng_val));
	assert_int_equal(ng_parse_value("[\"\\n\"]", 6, NG_JSON, &small, &v, &err), -1);
	assert_string_equal(err.what, "request too large");
	/* an empty arena */
	ng_arena_init(&small, NULL, 0);
	assert_int_equal(ng_parse_value("i1e", 3, NG_BENCODE, &small, &v, &err), -1);
	assert_string_equal(err.what, "request too large");
	/* 50,000 list members do not fit 256 KiB */
	static char many[100002];

	many[0] = 'l';
	for (size_t i = 0; i < 50000; i++)
		memcpy(many + 1 + 2 * i, "le", 2);
	many[100001] = 'e';
	ng_arena_reset(&arena);
	assert_int_equal(ng_parse_value(many, sizeof(many), NG_BENCODE, &arena, &v, &err), -1);
	assert_string_equal(err.what, "request too large");
	assert_int_equal(arena.used, 0);
}

static void lookups(void **state)
{
	static const char in[] = "d3:keyi1e3:key3:two3:nul3:a\0b3:CMD4:PiNg5:emptyd0:0:e0:0:e";
	struct ng_val *d = parse_ok(in, sizeof(in) - 1, NG_BENCODE);
	const struct ng_val *v;
	char buf[8];

	(void)state;
	v = ng_dict_get(d, "key");
	assert_non_null(v);
	assert_int_equal(v->type, NG_INT); /* the first of duplicates */
	assert_null(ng_dict_str(d, "key")); /* which is not a string */
	assert_null(ng_dict_get(d, "ke"));
	assert_null(ng_dict_get(d, "keys"));
	assert_null(ng_dict_get(d, "KEY"));
	assert_null(ng_dict_get(NULL, "key"));
	assert_null(ng_dict_get(v, "key")); /* not a dict */
	assert_null(ng_dict_get(parse_ok("l3:keye", 7, NG_BENCODE), "key"));
	assert_non_null(ng_dict_get(d, "")); /* the empty key */
	assert_true(ng_str_eq(ng_dict_get(d, ""), ""));

	v = ng_dict_str(d, "CMD");
	assert_true(ng_str_ieq(v, "ping"));
	assert_true(ng_str_ieq(v, "PING"));
	assert_false(ng_str_eq(v, "ping"));
	assert_true(ng_str_eq(v, "PiNg"));
	assert_false(ng_str_ieq(v, "pin"));
	assert_false(ng_str_ieq(v, "pings"));
	assert_false(ng_str_eq(NULL, "x"));
	assert_false(ng_str_eq(ng_dict_get(d, "key"), "1"));
	assert_false(ng_str_ieq(ng_dict_get(d, "empty"), ""));

	/* ng_str_copy: room for the NUL, no embedded NUL, strings only */
	assert_int_equal(ng_str_copy(v, buf, 5), 0);
	assert_string_equal(buf, "PiNg");
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(ng_str_copy(v, buf, 4), -1);
	assert_int_equal(ng_str_copy(v, buf, 0), -1);
	assert_int_equal(ng_str_copy(ng_dict_get(d, "nul"), buf, sizeof(buf)), -1);
	assert_int_equal(ng_str_copy(ng_dict_get(d, "key"), buf, sizeof(buf)), -1);
	assert_int_equal(ng_str_copy(NULL, buf, sizeof(buf)), -1);
	assert_int_equal(ng_str_copy(ng_dict_get(d, ""), buf, 1), 0);
	assert_string_equal(buf, "");
	/* a nested dict */
	assert_true(ng_str_eq(ng_dict_get(ng_dict_get(d, "empty"), ""), ""));
}

/* Writes the same reply through the API in a given syntax. */
static void write_reply(struct ng_out *o)
{
	static const char ctl[] = "a\"b\\c\x01\x1f\n\x7f\xc3\xa9\0z";

	ng_out_raw(o, "5323_1 ", 7);
	ng_out_dict_begin(o);
	ng_out_key(o, "result");
	ng_out_cstr(o, "ok");
	ng_out_key(o, "sdp");
	ng_out_str(o, ctl, sizeof(ctl) - 1);
	ng_out_key(o, "list");
	ng_out_list_begin(o);
	ng_out_int(o, 0);
	ng_out_int(o, -5);
	ng_out_int(o, INT64_MIN);
	ng_out_list_begin(o);
	ng_out_list_end(o);
	ng_out_dict_begin(o);
	ng_out_dict_end(o);
	ng_out_dict_begin(o);
	ng_out_key(o, "x");
	ng_out_int(o, 1);
	ng_out_key(o, "y");
	ng_out_list_begin(o);
	ng_out_cstr(o, "");
	ng_out_list_end(o);
	ng_out_dict_end(o);
	ng_out_list_end(o);
	ng_out_key(o, "a");
	ng_out_int(o, INT64_MAX);
	ng_out_dict_end(o);
}

static void output(void **state)
{
	static const char ben[] = "5323_1 d6:result2:ok3:sdp13:a\"b\\c\x01\x1f\n\x7f\xc3\xa9\0z"
				  "4:listli0ei-5ei-9223372036854775808eleded1:xi1e1:yl0:eee"
				  "1:ai9223372036854775807ee";
	static const char json[] = "5323_1 {\"result\":\"ok\",\"sdp\":\"a\\\"b\\\\c\\u0001\\u001f"
				   "\\u000a\x7f\xc3\xa9\\u0000z\",\"list\":[0,-5,"
				   "-9223372036854775808,[],{},{\"x\":1,\"y\":[\"\"]}],"
				   "\"a\":9223372036854775807}";
	struct ng_out o;
	struct ng_val *v;
	const char *cookie;
	size_t cookie_len;
	enum ng_syntax syn;
	struct ng_parse_error err;

	(void)state;
	ng_out_init(&o, NG_BENCODE);
	write_reply(&o);
	assert_false(o.oom);
	assert_int_equal(o.len, sizeof(ben) - 1);
	assert_memory_equal(o.buf, ben, sizeof(ben) - 1);
	ng_out_free(&o);
	assert_null(o.buf);

	ng_out_init(&o, NG_JSON);
	write_reply(&o);
	assert_false(o.oom);
	if (o.len != sizeof(json) - 1 || memcmp(o.buf, json, o.len))
		print_error("got %.*s\n", (int)o.len, o.buf);
	assert_int_equal(o.len, sizeof(json) - 1);
	assert_memory_equal(o.buf, json, sizeof(json) - 1);
	/* what we write, we read back to the same tree */
	assert_int_equal(ng_parse(o.buf, o.len, &arena, &cookie, &cookie_len, &v, &syn, &err), 0);
	assert_int_equal(syn, NG_JSON);
	expect_encoding(v, NG_BENCODE, ben + 7, sizeof(ben) - 8);
	ng_out_free(&o);

	/* a large string makes the buffer grow */
	static char blob[100000];

	memset(blob, 'b', sizeof(blob));
	ng_out_init(&o, NG_BENCODE);
	ng_out_str(&o, blob, sizeof(blob));
	ng_out_str(&o, blob, sizeof(blob));
	assert_false(o.oom);
	assert_int_equal(o.len, 2 * (sizeof(blob) + 7));
	assert_memory_equal(o.buf, "100000:bbb", 10);
	ng_out_free(&o);
	ng_out_free(&o); /* twice is harmless */

	/* once oom, nothing more is written */
	ng_out_init(&o, NG_BENCODE);
	ng_out_cstr(&o, "x");
	o.oom = true;
	ng_out_cstr(&o, "y");
	ng_out_val(&o, v);
	assert_int_equal(o.len, 3);
	ng_out_free(&o);
	/* a NULL value writes nothing */
	ng_out_init(&o, NG_JSON);
	ng_out_val(&o, NULL);
	assert_int_equal(o.len, 0);
	ng_out_free(&o);
}

/* A key added to a finished reply, in both syntaxes; anything else is refused
 * untouched. */
static void reply_add(void **state)
{
	struct ng_out o;
	(void)state;
	ng_out_init(&o, NG_BENCODE);
	ng_out_raw(&o, "7_1 ", 4);
	ng_out_dict_begin(&o);
	ng_out_key(&o, "result");
	ng_out_cstr(&o, "ok");
	ng_out_dict_end(&o);
	assert_int_equal(ng_out_reply_add(&o, "warning", "w 1"), 0);
	assert_string_equal(o.buf, "7_1 d6:result2:ok7:warning3:w 1e");
	ng_out_free(&o);

	ng_out_init(&o, NG_JSON);
	ng_out_raw(&o, "7_2 ", 4);
	ng_out_dict_begin(&o);
	ng_out_key(&o, "result");
	ng_out_cstr(&o, "ok");
	ng_out_dict_end(&o);
	assert_int_equal(ng_out_reply_add(&o, "warning", "a\"b"), 0);
	assert_string_equal(o.buf, "7_2 {\"result\":\"ok\",\"warning\":\"a\\\"b\"}");
	ng_out_free(&o);

	ng_out_init(&o, NG_JSON); /* an empty dictionary: no comma */
	ng_out_dict_begin(&o);
	ng_out_dict_end(&o);
	assert_int_equal(ng_out_reply_add(&o, "k", "v"), 0);
	assert_string_equal(o.buf, "{\"k\":\"v\"}");
	ng_out_free(&o);

	ng_out_init(&o, NG_BENCODE); /* not a finished dictionary: refused, unchanged */
	assert_int_equal(ng_out_reply_add(&o, "k", "v"), -1);
	ng_out_raw(&o, "7_3 ", 4);
	ng_out_dict_begin(&o);
	assert_int_equal(ng_out_reply_add(&o, "k", "v"), -1);
	assert_string_equal(o.buf, "7_3 d");
	ng_out_list_begin(&o);
	ng_out_list_end(&o);
	ng_out_dict_end(&o);
	ng_out_free(&o);
	ng_out_init(&o, NG_BENCODE);
	ng_out_list_begin(&o);
	ng_out_list_end(&o);
	assert_int_equal(ng_out_reply_add(&o, "k", "v"), -1);
	assert_string_equal(o.buf, "le");
	ng_out_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(wire_example, setup),
		cmocka_unit_test_setup(bencode_round_trips, setup),
		cmocka_unit_test_setup(json_to_bencode, setup),
		cmocka_unit_test_setup(bencode_malformed, setup),
		cmocka_unit_test_setup(json_malformed, setup),
		cmocka_unit_test_setup(framing, setup),
		cmocka_unit_test_setup(depth_limit, setup),
		cmocka_unit_test_setup(arena_limits, setup),
		cmocka_unit_test_setup(lookups, setup),
		cmocka_unit_test_setup(output, setup),
		cmocka_unit_test_setup(reply_add, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
