/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDP media addresses xsrelayd refuses (control/media_addr.c): the relay's
 * own interface addresses, loopback, multicast (IPv4 and IPv6), the IPv4
 * broadcast address, each with a reason that says which; ordinary unicast
 * addresses pass; with a loopback relay interface, loopback parties pass
 * unless they name one of the relay's own ports; 0.0.0.0 and :: are hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dp_codec.h"
#include "media_addr.h"

static struct xs_dp_addr addr(const char *text)
{
	struct xs_dp_addr a;
	assert_int_equal(xs_dp_addr_parse(text, &a, false), 0);
	return a;
}

static void iface(struct xsd_iface *f, const char *name, const char *a, uint16_t lo, uint16_t hi)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->addr = addr(a);
	f->addr.port = 0;
	f->port_min = lo;
	f->port_max = hi;
}

/* The reason for text against ifs, "" when accepted. */
static const char *verdict(const char *text, const struct xsd_iface *ifs, unsigned n)
{
	static char why[128];
	struct xs_dp_addr a = addr(text);
	why[0] = '\0';
	if (media_addr_check(&a, ifs, n, why, sizeof(why)))
		assert_true(why[0] != '\0');
	return why;
}

static void test_public_relay(void **state)
{
	(void)state;
	struct xsd_iface ifs[2];
	iface(&ifs[0], "pub", "192.0.2.1:0", 30000, 30999);
	iface(&ifs[1], "v6", "[2001:db8::1]:0", 40000, 40999);
	assert_string_equal(verdict("198.51.100.7:4000", ifs, 2), "");
	assert_string_equal(verdict("[2001:db8::7]:4000", ifs, 2), "");
	assert_non_null(strstr(verdict("192.0.2.1:4000", ifs, 2), "own address (interface 'pub')"));
	assert_non_null(strstr(verdict("192.0.2.1:30000", ifs, 2), "own address"));
	assert_non_null(strstr(verdict("[2001:db8::1]:5000", ifs, 2), "interface 'v6'"));
	assert_string_equal(verdict("224.0.0.1:4000", ifs, 2), "multicast");
	assert_string_equal(verdict("239.255.255.250:4000", ifs, 2), "multicast");
	assert_string_equal(verdict("[ff02::1]:4000", ifs, 2), "multicast");
	assert_string_equal(verdict("255.255.255.255:4000", ifs, 2), "the broadcast address");
	assert_non_null(strstr(verdict("127.0.0.1:4000", ifs, 2), "loopback"));
	assert_non_null(strstr(verdict("127.3.2.1:4000", ifs, 2), "loopback"));
	assert_non_null(strstr(verdict("[::1]:4000", ifs, 2), "loopback"));
	assert_string_equal(verdict("240.0.0.1:4000", ifs, 2), "");
}

static void test_loopback_relay(void **state)
{
	(void)state;
	struct xsd_iface ifs[2];
	iface(&ifs[0], "spa", "127.0.0.1:0", 30000, 30099);
	iface(&ifs[1], "up", "127.0.0.1:0", 31000, 31099);
	/* every party on this host: loopback is fine, the relay's ports are not */
	assert_string_equal(verdict("127.0.0.1:5000", ifs, 2), "");
	assert_string_equal(verdict("127.0.0.2:30000", ifs, 2), "");
	assert_non_null(strstr(verdict("127.0.0.1:30010", ifs, 2), "interface 'spa'"));
	assert_non_null(strstr(verdict("127.0.0.1:31099", ifs, 2), "interface 'up'"));
	assert_string_equal(verdict("224.0.0.1:4000", ifs, 2), "multicast");
}

static void test_hold(void **state)
{
	(void)state;
	struct xs_dp_addr a = addr("0.0.0.0:4000"), b = addr("[::]:4000"), c = addr("10.0.0.1:1");
	assert_true(media_addr_unspecified(&a));
	assert_true(media_addr_unspecified(&b));
	assert_false(media_addr_unspecified(&c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public_relay),
		cmocka_unit_test(test_loopback_relay),
		cmocka_unit_test(test_hold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
