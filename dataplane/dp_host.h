/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host duties: the data plane is its own host on the wire. ARP and ICMP echo
 * for its IPv4 addresses, Neighbor Solicitation/Advertisement and ICMPv6 echo
 * for its IPv6 addresses; and the requests that resolve next hops. Pure
 * functions over frame bytes: replies are built in place.
 */
#ifndef DP_HOST_H
#define DP_HOST_H

#include <stdint.h>

#include "dp_conf.h"
#include "dp_counters.h"
#include "dp_neigh.h"
#include "dp_parse.h"

#define DP_HOST_REPLY 1u  /* frame rewritten into a reply: send it back out the port */
#define DP_HOST_LEARN 2u  /* *ev holds a neighbour to learn */

/* Handle an ARP, ICMP or ICMPv6 frame that arrived on port. room: bytes
 * writable from frame. Returns DP_HOST_* bits (0: drop); *out_len is the
 * reply's length; *cnt the counter to bump (a *_reply, nd_rx, host_other, or
 * DP_CNT_COUNT for none). */
unsigned dp_host_input(uint8_t *frame, uint32_t len, uint32_t room, const struct dp_pkt *p,
		       uint16_t port, const uint8_t mac[6], const struct dp_conf *c,
		       uint32_t *out_len, struct dp_neigh_ev *ev, enum dp_cnt *cnt);

/* Build an ARP request (who-has tip, tell sip) into buf (>= 64 bytes). Returns its length. */
uint32_t dp_host_arp_request(uint8_t *buf, const uint8_t mac[6], uint16_t vlan,
			     const uint8_t sip[4], const uint8_t tip[4]);
/* Build a Neighbor Solicitation for tip from sip into buf (>= 96 bytes). */
uint32_t dp_host_ns(uint8_t *buf, const uint8_t mac[6], uint16_t vlan,
		    const uint8_t sip[16], const uint8_t tip[16]);

#endif
