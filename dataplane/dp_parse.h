/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame parsing: Ethernet, 802.1Q (up to two tags), IPv4, IPv6, UDP, and the
 * RTP/RTCP sanity check for relay ports. Pure functions over bytes (no DPDK):
 * the worker, the unit tests and the fuzzer call the same code.
 */
#ifndef DP_PARSE_H
#define DP_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "dp_counters.h"

enum dp_pkt_kind {
	DP_PKT_DROP = 0, /* pkt.drop says why (enum dp_cnt) */
	DP_PKT_UDP,      /* well-formed UDP: look up the flow */
	DP_PKT_ARP,
	DP_PKT_ICMP,     /* ICMPv4 */
	DP_PKT_ICMP6,    /* ICMPv6 (echo, ND) */
};

/* Checksums the NIC already verified (from mbuf offload flags). */
#define DP_HW_IP_GOOD  (1u << 0)
#define DP_HW_IP_BAD   (1u << 1)
#define DP_HW_L4_GOOD  (1u << 2)
#define DP_HW_L4_BAD   (1u << 3)

struct dp_pkt {
	uint8_t kind;        /* enum dp_pkt_kind */
	uint8_t drop;        /* enum dp_cnt, when kind == DP_PKT_DROP */
	uint8_t family;      /* 4 or 6 (IP kinds) */
	uint8_t proto;       /* IP protocol / IPv6 upper-layer header */
	uint16_t vlan;       /* outer VLAN id, 0 if untagged */
	uint16_t l3_off;     /* IP header (or ARP) */
	uint16_t l4_off;     /* UDP/ICMP header */
	uint16_t pay_off;    /* UDP payload */
	uint16_t pay_len;
	uint16_t sport;      /* host order */
	uint16_t dport;
	uint8_t ttl;
	uint8_t pad;
	const uint8_t *src;  /* into the frame: 4 or 16 bytes */
	const uint8_t *dst;
};

/* Parse one frame of len bytes. Returns pkt->kind. */
enum dp_pkt_kind dp_parse_frame(const uint8_t *frame, uint32_t len, unsigned hw_flags,
				struct dp_pkt *pkt);

/* Is this UDP payload plausibly RTP/RTCP (version 2, long enough)? Sets *rtcp
 * when the payload type is in the RTCP range (RFC 5761, 192..223). When
 * rtcp_port is set every packet must be RTCP. */
bool dp_rtp_classify(const uint8_t *pay, uint32_t len, bool rtcp_port, bool *rtcp);

#endif
