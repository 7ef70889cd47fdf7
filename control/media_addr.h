/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which SDP media addresses xsrelayd takes as a party's (docs/control-api.md,
 * "Media addresses"). The relay sends that party's media there, so an address
 * that loops media back into the relay or fans it out is refused: one of the
 * relay's own interface addresses, loopback, multicast, the IPv4 broadcast
 * address. Loopback is allowed when a relay interface is itself on loopback
 * (a test set-up with every party on one host); then only the relay's own
 * ports on it are refused. The unspecified address (c=0.0.0.0, c=::) is not
 * an error: it is the old way of putting a call on hold (RFC 2543).
 */
#ifndef XS_MEDIA_ADDR_H
#define XS_MEDIA_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "xsrelayd.h"

/* c=0.0.0.0 or c=:: (hold). */
bool media_addr_unspecified(const struct xs_dp_addr *a);

/* 0 when media may be sent to a (address and SDP port), or -1 with the reason
 * in why ("multicast", "the relay's own address (interface 'pub')", ...). */
int media_addr_check(const struct xs_dp_addr *a, const struct xsd_iface *ifs, unsigned nifs,
		     char *why, size_t cap);

#endif
