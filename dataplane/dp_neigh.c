/* SPDX-License-Identifier: BSD-3-Clause */
/* Neighbour table: seqlock entries, one writer. See dp_neigh.h. */
#include <string.h>

#include "dp_neigh.h"

static unsigned slot(uint16_t port, uint8_t family, const uint8_t *ip)
{
	uint32_t h = 2166136261u ^ port ^ ((uint32_t)family << 16);
	unsigned alen = family == 4 ? 4 : 16;

	for (unsigned i = 0; i < alen; i++)
		h = (h ^ ip[i]) * 16777619u;
	return h & (DP_NEIGH_SIZE - 1);
}

static bool entry_is(const struct dp_neigh_entry *e, uint16_t port, uint8_t family,
		     const uint8_t *ip)
{
	return e->used && e->port == port && e->family == family &&
	       !memcmp(e->ip, ip, family == 4 ? 4 : 16);
}

bool dp_neigh_lookup(const struct dp_neigh *n, uint16_t port, uint8_t family,
		     const uint8_t *ip, uint8_t mac[6])
{
	unsigned s = slot(port, family, ip);

	for (unsigned i = 0; i < DP_NEIGH_PROBE; i++) {
		const struct dp_neigh_entry *e = &n->e[(s + i) & (DP_NEIGH_SIZE - 1)];
		uint32_t seq;
		bool hit;

		do {
			seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
			hit = !(seq & 1) && entry_is(e, port, family, ip);
			if (hit)
				memcpy(mac, e->mac, 6);
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
		} while ((seq & 1) || seq != __atomic_load_n(&e->seq, __ATOMIC_RELAXED));
		if (hit)
			return true;
	}
	return false;
}

void dp_neigh_update(struct dp_neigh *n, uint16_t port, uint8_t family, const uint8_t *ip,
		     const uint8_t mac[6], uint64_t now_ns)
{
	unsigned s = slot(port, family, ip);
	struct dp_neigh_entry *e = NULL, *oldest = NULL;

	for (unsigned i = 0; i < DP_NEIGH_PROBE; i++) {
		struct dp_neigh_entry *c = &n->e[(s + i) & (DP_NEIGH_SIZE - 1)];

		if (entry_is(c, port, family, ip) || !c->used) {
			e = c;
			break;
		}
		if (!oldest || c->updated_ns < oldest->updated_ns)
			oldest = c;
	}
	if (!e)
		e = oldest;
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e->used = 1;
	e->port = port;
	e->family = family;
	memset(e->ip, 0, sizeof(e->ip));
	memcpy(e->ip, ip, family == 4 ? 4 : 16);
	memcpy(e->mac, mac, 6);
	e->updated_ns = now_ns;
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELEASE);
}
