/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Relay ports of one interface: a configurable range, handed out in pairs,
 * RTP on the even port and RTCP on the odd one above it (RTCP uses it even when
 * a call multiplexes, so a pair is never split). A pair in use is never handed
 * out again until released; released pairs go to the back of the line (the
 * allocator moves round the range), so a port is not reused while late packets
 * of its last call may still arrive.
 *
 * Not thread-safe: the daemon's one control thread owns it.
 */
#ifndef XS_PORT_POOL_H
#define XS_PORT_POOL_H

#include <stdbool.h>
#include <stdint.h>

struct port_pool {
	uint16_t min, max;   /* even min, odd max: pairs min..max */
	uint32_t npairs, used, next;
	uint64_t *bits;      /* one bit per pair */
};

/* min..max inclusive; min is rounded up to even, max down to odd. 0, or -1 if
 * the range holds no pair or memory runs out. */
int port_pool_init(struct port_pool *p, uint16_t min, uint16_t max);
void port_pool_free(struct port_pool *p);
/* The RTP (even) port of a free pair, marked used; 0 if the pool is exhausted. */
uint16_t port_pool_get(struct port_pool *p);
/* Marks a specific pair used (state reloaded from the store). 0, or -1 if it is
 * outside the range, odd, or already used. */
int port_pool_take(struct port_pool *p, uint16_t rtp_port);
/* Releases the pair of rtp_port; releasing a free or foreign port is ignored. */
void port_pool_put(struct port_pool *p, uint16_t rtp_port);
bool port_pool_in_use(const struct port_pool *p, uint16_t rtp_port);

#endif
