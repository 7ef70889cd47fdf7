/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksum (RFC 1071) in native byte order: words are summed as they
 * lie in memory, so values added from registers must be in network order
 * (htons). A header whose checksum is right sums to 0xffff.
 */
#ifndef DP_CSUM_H
#define DP_CSUM_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t dp_csum_partial(const void *buf, size_t len, uint64_t sum)
{
	const uint8_t *p = buf;
	uint32_t w;
	uint16_t h;

	while (len >= 4) {
		memcpy(&w, p, 4);
		sum += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint8_t last[2] = { p[0], 0 };
		memcpy(&h, last, 2);
		sum += h;
	}
	return sum;
}

static inline uint16_t dp_csum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Pseudo-header sum for UDP/ICMPv6 over IPv4 (alen 4) or IPv6 (alen 16). */
static inline uint64_t dp_csum_pseudo(const uint8_t *src, const uint8_t *dst, unsigned alen,
				      uint8_t proto, uint32_t l4_len)
{
	uint64_t sum = dp_csum_partial(src, alen, 0);

	sum = dp_csum_partial(dst, alen, sum);
	if (alen == 4)
		sum += htons(proto) + htons((uint16_t)l4_len);
	else
		sum += htonl(l4_len) + htonl(proto);
	return sum;
}

/* The value to store in a checksum field (UDP: 0 becomes 0xffff). */
static inline uint16_t dp_csum_finish(uint64_t sum)
{
	return (uint16_t)~dp_csum_fold(sum);
}

#endif
