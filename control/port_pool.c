/* SPDX-License-Identifier: BSD-3-Clause */
/* Relay port pairs: a bitmap and a next-fit cursor. */
#include <stdlib.h>

#include "port_pool.h"

int port_pool_init(struct port_pool *p, uint16_t min, uint16_t max)
{
	uint32_t lo = (min + 1u) & ~1u, hi = max | 1u;
	if (max % 2 == 0)
		hi = max - 1u;
	if (lo < 2 || hi > 65535 || lo > hi)
		return -1;
	p->min = (uint16_t)lo;
	p->max = (uint16_t)hi;
	p->npairs = (hi - lo + 1) / 2;
	p->used = 0;
	p->next = 0;
	p->bits = calloc((p->npairs + 63) / 64, sizeof(uint64_t));
	return p->bits ? 0 : -1;
}

void port_pool_free(struct port_pool *p)
{
	free(p->bits);
	p->bits = NULL;
	p->npairs = p->used = 0;
}

static bool index_of(const struct port_pool *p, uint16_t port, uint32_t *i)
{
	if (port < p->min || port > p->max || port % 2)
		return false;
	*i = (uint32_t)(port - p->min) / 2;
	return true;
}

static bool bit(const struct port_pool *p, uint32_t i)
{
	return p->bits[i / 64] >> (i % 64) & 1;
}

uint16_t port_pool_get(struct port_pool *p)
{
	if (p->used == p->npairs)
		return 0;
	for (uint32_t n = 0; n < p->npairs; n++) {
		uint32_t i = (p->next + n) % p->npairs;
		/* skip whole words that are full */
		if (i % 64 == 0 && p->bits[i / 64] == UINT64_MAX && p->npairs - i >= 64) {
			n += 63;
			continue;
		}
		if (!bit(p, i)) {
			p->bits[i / 64] |= 1ull << (i % 64);
			p->used++;
			p->next = (i + 1) % p->npairs;
			return (uint16_t)(p->min + 2 * i);
		}
	}
	return 0;
}

int port_pool_take(struct port_pool *p, uint16_t rtp_port)
{
	uint32_t i;
	if (!index_of(p, rtp_port, &i) || bit(p, i))
		return -1;
	p->bits[i / 64] |= 1ull << (i % 64);
	p->used++;
	return 0;
}

void port_pool_put(struct port_pool *p, uint16_t rtp_port)
{
	uint32_t i;
	if (!index_of(p, rtp_port, &i) || !bit(p, i))
		return;
	p->bits[i / 64] &= ~(1ull << (i % 64));
	p->used--;
}

bool port_pool_in_use(const struct port_pool *p, uint16_t rtp_port)
{
	uint32_t i;
	return index_of(p, rtp_port, &i) && bit(p, i);
}
