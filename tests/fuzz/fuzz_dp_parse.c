/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer: the frame parser, the RTP classifier and host duties (which
 * rewrite frames in place) on arbitrary bytes. */
#include <stdint.h>
#include <string.h>

#include "dp_host.h"
#include "dp_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dp_conf conf;
	static int init;
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	uint8_t frame[2048];
	struct dp_pkt p;
	struct dp_neigh_ev ev;
	enum dp_cnt c;
	uint32_t out;
	bool rtcp;

	if (!init) {
		dp_conf_defaults(&conf);
		dp_conf_add_local(&conf, "0:10.0.0.1/24");
		dp_conf_add_local(&conf, "0:2001:db8::1/64");
		init = 1;
	}
	if (size < 1 || size > sizeof(frame) - 64)
		return 0;
	/* First byte: which hardware checksum flags to pretend. */
	memcpy(frame, data + 1, size - 1);
	switch (dp_parse_frame(frame, (uint32_t)size - 1, data[0] & 0xf, &p)) {
	case DP_PKT_UDP:
		dp_rtp_classify(frame + p.pay_off, p.pay_len, data[0] & 0x10, &rtcp);
		break;
	case DP_PKT_ARP:
	case DP_PKT_ICMP:
	case DP_PKT_ICMP6:
		dp_host_input(frame, (uint32_t)size - 1, sizeof(frame), &p, 0, mac, &conf, &out, &ev,
			      &c);
		break;
	default:
		break;
	}
	return 0;
}
