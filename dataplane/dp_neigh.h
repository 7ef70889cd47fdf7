/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small neighbour table (IPv4 ARP and IPv6 ND) shared by the workers.
 * One writer (the control thread, fed with events the workers queue);
 * lock-free readers: every entry carries a sequence count, odd while it is
 * being written (a seqlock), and readers retry a torn read.
 */
#ifndef DP_NEIGH_H
#define DP_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#define DP_NEIGH_SIZE 1024 /* entries, power of two */
#define DP_NEIGH_PROBE 8

struct dp_neigh_entry {
	uint32_t seq;          /* odd: being written */
	uint8_t used;
	uint8_t family;
	uint16_t port;
	uint8_t ip[16];
	uint8_t mac[6];
	uint16_t pad;
	uint64_t updated_ns;   /* writer's clock */
};

struct dp_neigh {
	struct dp_neigh_entry e[DP_NEIGH_SIZE];
};

/* Event a worker queues for the control thread. */
enum dp_neigh_ev_type { DP_NEIGH_EV_LEARN = 1, DP_NEIGH_EV_RESOLVE = 2 };
struct dp_neigh_ev {
	uint8_t type;
	uint8_t family;
	uint16_t port;
	uint8_t ip[16];
	uint8_t mac[6];
	uint16_t vlan;
};
_Static_assert(sizeof(struct dp_neigh_ev) == 28, "dp_neigh_ev");

/* Reader: copy the MAC for (port, family, ip). */
bool dp_neigh_lookup(const struct dp_neigh *n, uint16_t port, uint8_t family,
		     const uint8_t *ip, uint8_t mac[6]);
/* Writer: insert or refresh. */
void dp_neigh_update(struct dp_neigh *n, uint16_t port, uint8_t family, const uint8_t *ip,
		     const uint8_t mac[6], uint64_t now_ns);

#endif
