/* SPDX-License-Identifier: BSD-3-Clause */
/* Frame builders for the data plane tests (unit and integration). */
#ifndef DP_TEST_FRAMES_H
#define DP_TEST_FRAMES_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "dp_csum.h"

static const uint8_t tf_mac_a[6] = { 0x02, 0, 0, 0, 0, 0xa };
static const uint8_t tf_mac_b[6] = { 0x02, 0, 0, 0, 0, 0xb };

static inline void tf_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint32_t tf_eth(uint8_t *b, const uint8_t *dst, const uint8_t *src, uint16_t vlan,
			      uint16_t et)
{
	uint32_t off = 12;

	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	if (vlan) {
		tf_wr16(b + 12, 0x8100);
		tf_wr16(b + 14, vlan);
		off = 16;
	}
	tf_wr16(b + off, et);
	return off + 2;
}

/* UDP over IPv4 with correct checksums. Returns the frame length. */
static inline uint32_t tf_udp4(uint8_t *b, uint16_t vlan, const char *sip, uint16_t sport,
			       const char *dip, uint16_t dport, const uint8_t *pay, uint32_t plen)
{
	uint32_t l2 = tf_eth(b, tf_mac_b, tf_mac_a, vlan, 0x0800);
	uint8_t *ip = b + l2, *udp = ip + 20;
	uint16_t cs;

	memset(ip, 0, 28);
	ip[0] = 0x45;
	tf_wr16(ip + 2, (uint16_t)(28 + plen));
	tf_wr16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 17;
	inet_pton(AF_INET, sip, ip + 12);
	inet_pton(AF_INET, dip, ip + 16);
	cs = dp_csum_finish(dp_csum_partial(ip, 20, 0));
	memcpy(ip + 10, &cs, 2);
	tf_wr16(udp, sport);
	tf_wr16(udp + 2, dport);
	tf_wr16(udp + 4, (uint16_t)(8 + plen));
	memcpy(udp + 8, pay, plen);
	cs = dp_csum_finish(dp_csum_partial(udp, 8 + plen,
					    dp_csum_pseudo(ip + 12, ip + 16, 4, 17, 8 + plen)));
	if (!cs)
		cs = 0xffff;
	memcpy(udp + 6, &cs, 2);
	return l2 + 28 + plen;
}

static inline uint32_t tf_udp6(uint8_t *b, const char *sip, uint16_t sport, const char *dip,
			       uint16_t dport, const uint8_t *pay, uint32_t plen)
{
	uint32_t l2 = tf_eth(b, tf_mac_b, tf_mac_a, 0, 0x86dd);
	uint8_t *ip = b + l2, *udp = ip + 40;
	uint16_t cs;

	memset(ip, 0, 48);
	ip[0] = 0x60;
	tf_wr16(ip + 4, (uint16_t)(8 + plen));
	ip[6] = 17;
	ip[7] = 64;
	inet_pton(AF_INET6, sip, ip + 8);
	inet_pton(AF_INET6, dip, ip + 24);
	tf_wr16(udp, sport);
	tf_wr16(udp + 2, dport);
	tf_wr16(udp + 4, (uint16_t)(8 + plen));
	memcpy(udp + 8, pay, plen);
	cs = dp_csum_finish(dp_csum_partial(udp, 8 + plen,
					    dp_csum_pseudo(ip + 8, ip + 24, 16, 17, 8 + plen)));
	if (!cs)
		cs = 0xffff;
	memcpy(udp + 6, &cs, 2);
	return l2 + 48 + plen;
}

/* A 12-byte RTP header and len-12 bytes of pattern. */
static inline uint32_t tf_rtp(uint8_t *p, uint32_t len, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
	p[0] = 0x80;
	p[1] = 0;
	tf_wr16(p + 2, seq);
	p[4] = (uint8_t)(ts >> 24);
	p[5] = (uint8_t)(ts >> 16);
	p[6] = (uint8_t)(ts >> 8);
	p[7] = (uint8_t)ts;
	p[8] = (uint8_t)(ssrc >> 24);
	p[9] = (uint8_t)(ssrc >> 16);
	p[10] = (uint8_t)(ssrc >> 8);
	p[11] = (uint8_t)ssrc;
	for (uint32_t i = 12; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seq);
	return len;
}

/* An RTCP receiver report without report blocks (8 bytes) plus padding words. */
static inline uint32_t tf_rtcp(uint8_t *p, uint32_t ssrc)
{
	p[0] = 0x80;
	p[1] = 201;
	tf_wr16(p + 2, 1);
	p[4] = (uint8_t)(ssrc >> 24);
	p[5] = (uint8_t)(ssrc >> 16);
	p[6] = (uint8_t)(ssrc >> 8);
	p[7] = (uint8_t)ssrc;
	return 8;
}

#endif
