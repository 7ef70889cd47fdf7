/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the SRTP engine's network-facing parsing: arbitrary bytes
 * as an SRTP or SRTCP packet, unprotected (and re-encrypted) under fixed keys of
 * every suite. Invariants checked beyond "no crash": a rejected packet leaves its
 * bytes and the stream state unchanged; an accepted one never grows past room.
 * The receive stream starts knowing 1 to 8 SSRCs (0 current, 1.. parked), so
 * a packet meets the current, a parked, a new SSRC or the SSRC limit.
 *
 * Input: byte 0 selects suite and RTP/RTCP (and, with its bits 4-6, how many
 * SSRCs the stream knows), the rest is the packet.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xs_srtp.h"

#define ROOM 2048

static struct xs_srtp_engine *eng;
static struct xs_srtp_keys *keys[XS_SUITE_COUNT];

/* A receive stream that has seen SSRCs 0 .. n-1 (0 current), at indices on
 * both sides of a ROC wrap. */
static void known_ssrcs(struct xs_srtp_stream *s, unsigned n)
{
	struct xs_srtp_marks m;

	memset(&m, 0, sizeof(m));
	m.count = (uint8_t)n;
	m.rtcp_index = 100;
	for (unsigned i = 0; i < n; i++) {
		m.ssrc[i].ssrc = i;
		m.ssrc[i].index = (uint64_t)i << 16 | (uint16_t)(65500 + 20 * i);
	}
	xs_srtp_stream_init(s, 0);
	if (xs_srtp_stream_restore(s, &m, false))
		abort();
}

static void setup(void)
{
	eng = xs_srtp_engine_create();
	if (!eng)
		abort();
	for (unsigned s = 0; s < XS_SUITE_COUNT; s++) {
		struct xs_srtp_policy pol;
		memset(&pol, 0, sizeof(pol));
		pol.suite = s;
		pol.key_len = (uint8_t)xs_srtp_suite_key_len(s);
		pol.salt_len = (uint8_t)xs_srtp_suite_salt_len(s);
		xs_xsipura_profile_default(&pol.xsipura);
		for (unsigned i = 0; i < sizeof(pol.master_key); i++)
			pol.master_key[i] = (uint8_t)(i * 13 + s);
		for (unsigned i = 0; i < sizeof(pol.master_salt); i++)
			pol.master_salt[i] = (uint8_t)(i * 7 + s);
		if (xs_srtp_keys_create(&pol, &keys[s]))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[ROOM], copy[ROOM];
	struct xs_srtp_stream in_st, out_st, before;

	if (!eng)
		setup();
	if (size < 1 || size - 1 > ROOM - 64)
		return 0;
	unsigned suite = (data[0] & 0x7f) % XS_SUITE_COUNT;
	uint8_t rtcp = data[0] >> 7;
	size_t len = size - 1;

	memcpy(pkt, data + 1, len);
	memcpy(copy, pkt, len);
	known_ssrcs(&in_st, 1 + ((data[0] >> 4) & 7));
	xs_srtp_stream_init(&out_st, 0);
	before = in_st;

	/* unprotect alone: a rejection changes neither bytes nor state */
	struct xs_srtp_xform in = { keys[suite], &in_st };
	struct xs_srtp_op op = { .pkt = pkt, .len = (uint32_t)len, .room = ROOM - 64,
				 .in = &in, .rtcp = rtcp };
	xs_srtp_burst(eng, &op, 1);
	if (op.status >= XS_SRTP_STATUS_COUNT)
		abort();
	if (op.status != XS_SRTP_OK &&
	    (op.len != len || memcmp(pkt, copy, len) || memcmp(&before, &in_st, sizeof(before))))
		abort();
	if (op.len > len)
		abort();

	/* re-encryption into the next suite, for coverage of the protect side */
	memcpy(pkt, copy, len);
	known_ssrcs(&in_st, 1 + ((data[0] >> 4) & 7));
	struct xs_srtp_xform out = { keys[(suite + 1) % XS_SUITE_COUNT], &out_st };
	op = (struct xs_srtp_op){ .pkt = pkt, .len = (uint32_t)len, .room = ROOM - 64,
				  .in = &in, .out = &out, .rtcp = rtcp };
	xs_srtp_burst(eng, &op, 1);
	if (op.len > op.room)
		abort();
	return 0;
}
