/* SPDX-License-Identifier: BSD-3-Clause */
/* SDP media addresses the relay refuses: its own, loopback, multicast, broadcast. */
#include <stdio.h>
#include <string.h>

#include "media_addr.h"

static bool zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

bool media_addr_unspecified(const struct xs_dp_addr *a)
{
	return (a->family == XS_DP_AF_INET && zero(a->addr, 4)) ||
	       (a->family == XS_DP_AF_INET6 && zero(a->addr, 16));
}

static bool loopback(const struct xs_dp_addr *a)
{
	static const uint8_t one6[16] = { [15] = 1 };
	if (a->family == XS_DP_AF_INET)
		return a->addr[0] == 127;
	return a->family == XS_DP_AF_INET6 && !memcmp(a->addr, one6, 16);
}

static bool same_ip(const struct xs_dp_addr *a, const struct xs_dp_addr *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* The interface a is an address of (any port; with a loopback interface, one
 * of its relay ports only), or NULL. */
static const struct xsd_iface *own(const struct xs_dp_addr *a, const struct xsd_iface *ifs,
				   unsigned nifs)
{
	for (unsigned i = 0; i < nifs; i++) {
		const struct xsd_iface *f = &ifs[i];
		if (!same_ip(a, &f->addr))
			continue;
		if (!loopback(a) || (a->port >= f->port_min && a->port <= f->port_max))
			return f;
	}
	return NULL;
}

int media_addr_check(const struct xs_dp_addr *a, const struct xsd_iface *ifs, unsigned nifs,
		     char *why, size_t cap)
{
	const struct xsd_iface *f = own(a, ifs, nifs);
	bool lo_iface = false;
	for (unsigned i = 0; i < nifs; i++)
		lo_iface |= loopback(&ifs[i].addr);
	if (f)
		snprintf(why, cap, "the relay's own address (interface '%s'): media would loop",
			 f->name);
	else if (a->family == XS_DP_AF_INET && a->addr[0] >= 224 && a->addr[0] <= 239)
		snprintf(why, cap, "multicast");
	else if (a->family == XS_DP_AF_INET6 && a->addr[0] == 0xff)
		snprintf(why, cap, "multicast");
	else if (a->family == XS_DP_AF_INET && !memcmp(a->addr, "\xff\xff\xff\xff", 4))
		snprintf(why, cap, "the broadcast address");
	else if (loopback(a) && !lo_iface)
		snprintf(why, cap, "loopback (no relay interface is)");
	else
		return 0;
	return -1;
}
