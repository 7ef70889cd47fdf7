/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ng reply cache: every cookie put is found with its own reply after the
 * table has grown many times over, lookalike cookies are not, ng_cache_update
 * replaces a reply or adds one, and expiry drops exactly the entries older
 * than NG_CACHE_SECONDS (oldest first) while the rest stay findable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ng_cache.h"

enum { MANY = 100000 };

static size_t cookie_of(unsigned i, char *buf, size_t cap)
{
	return (size_t)snprintf(buf, cap, "%u_%x", i, i * 2654435761u);
}

static size_t reply_of(unsigned i, char *buf, size_t cap)
{
	char c[32];
	cookie_of(i, c, sizeof(c));
	return (size_t)snprintf(buf, cap, "%s d6:result2:ok4:call%ue", c, i);
}

static void expect_reply(const struct ng_cache *c, unsigned i)
{
	char ck[32], want[96];
	const char *got;
	size_t n, glen;
	n = cookie_of(i, ck, sizeof(ck));
	size_t wlen = reply_of(i, want, sizeof(want));
	assert_true(ng_cache_find(c, ck, n, &got, &glen));
	assert_int_equal(glen, wlen);
	assert_memory_equal(got, want, wlen);
}

static void fill(struct ng_cache *c, unsigned from, unsigned to, int64_t now)
{
	for (unsigned i = from; i < to; i++) {
		char ck[32], r[96];
		size_t n = cookie_of(i, ck, sizeof(ck));
		size_t rl = reply_of(i, r, sizeof(r));
		ng_cache_put(c, ck, n, r, rl, now);
	}
}

static void test_grows_and_finds_all(void **state)
{
	(void)state;
	struct ng_cache *c = ng_cache_create(64); /* 100,000 entries: grows 11 times */
	assert_non_null(c);
	fill(c, 0, MANY, 1000);
	assert_int_equal(ng_cache_count(c), MANY);
	for (unsigned i = 0; i < MANY; i++)
		expect_reply(c, i);
	const char *got;
	size_t glen;
	char ck[32];
	size_t n = cookie_of(7, ck, sizeof(ck));
	assert_false(ng_cache_find(c, ck, n - 1, &got, &glen)); /* a prefix */
	ck[0] = 'x';
	assert_false(ng_cache_find(c, ck, n, &got, &glen));     /* same length */
	assert_false(ng_cache_find(c, "", 0, &got, &glen));
	ng_cache_free(c);
}

static void test_update_replaces_or_adds(void **state)
{
	(void)state;
	struct ng_cache *c = ng_cache_create(64);
	assert_non_null(c);
	fill(c, 0, 10, 1000);
	struct ng_out out;
	ng_out_init(&out, NG_BENCODE);
	char ck[32];
	size_t n = cookie_of(3, ck, sizeof(ck));
	ng_out_raw(&out, ck, n);
	ng_out_raw(&out, " d6:result2:ok7:warning4:latee", 30);
	ng_cache_update(c, &out, 1000);
	const char *got;
	size_t glen;
	assert_true(ng_cache_find(c, ck, n, &got, &glen));
	assert_int_equal(glen, out.len);
	assert_memory_equal(got, out.buf, out.len);
	assert_int_equal(ng_cache_count(c), 10); /* replaced, not added */
	ng_out_free(&out);

	ng_out_init(&out, NG_BENCODE);
	ng_out_raw(&out, "fresh d6:result2:oke", 20);
	ng_cache_update(c, &out, 1000);
	assert_true(ng_cache_find(c, "fresh", 5, &got, &glen));
	assert_int_equal(ng_cache_count(c), 11);
	ng_out_free(&out);

	ng_out_init(&out, NG_BENCODE);
	ng_out_raw(&out, "no-space-no-cookie", 18);
	ng_cache_update(c, &out, 1000); /* nothing to key it by: ignored */
	assert_int_equal(ng_cache_count(c), 11);
	ng_out_free(&out);
	for (unsigned i = 0; i < 10; i++)
		if (i != 3)
			expect_reply(c, i);
	ng_cache_free(c);
}

static void test_expiry_drops_only_old(void **state)
{
	(void)state;
	struct ng_cache *c = ng_cache_create(64);
	assert_non_null(c);
	fill(c, 0, 5000, 1000);                /* old */
	fill(c, 5000, 9000, 1000 + NG_CACHE_SECONDS); /* exactly at the limit */
	ng_cache_expire(c, 1000 + NG_CACHE_SECONDS);
	assert_int_equal(ng_cache_count(c), 9000); /* nothing older than the limit yet */
	ng_cache_expire(c, 1000 + NG_CACHE_SECONDS + 1);
	assert_int_equal(ng_cache_count(c), 4000);
	const char *got;
	size_t glen;
	for (unsigned i = 0; i < 5000; i++) {
		char ck[32];
		size_t n = cookie_of(i, ck, sizeof(ck));
		assert_false(ng_cache_find(c, ck, n, &got, &glen));
	}
	for (unsigned i = 5000; i < 9000; i++)
		expect_reply(c, i);
	fill(c, 0, 100, 2000); /* put again after expiry: found again */
	expect_reply(c, 42);
	ng_cache_expire(c, 3000);
	assert_int_equal(ng_cache_count(c), 0);
	ng_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grows_and_finds_all),
		cmocka_unit_test(test_update_replaces_or_adds),
		cmocka_unit_test(test_expiry_drops_only_old),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
