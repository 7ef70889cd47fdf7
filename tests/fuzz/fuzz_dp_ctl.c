/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer: the control message checker on arbitrary datagrams, both the
 * server's request check and the client's reply check. A request the checker
 * accepts must have exactly the size its type requires; an accepted BATCH must
 * walk (xs_dp_batch_next) into 1..XS_DP_BATCH_MAX batchable parts that cover
 * its body exactly; an accepted FLOW_ADD or FLOW_REPLACE, alone or in a BATCH,
 * must satisfy the protocol's rules for its flags, source policy and stream
 * marks, checked here apart from the codec (flow_rules). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* Marks that may be applied: in range, padding zero, each SSRC once. */
static bool marks_ok(const struct xs_dp_marks *mk)
{
	if (mk->count > XS_DP_MARKS_MAX || mk->rtcp_index >> 31 || !zero(mk->pad, sizeof(mk->pad)))
		return false;
	for (unsigned i = 0; i < XS_DP_MARKS_MAX; i++) {
		if (i >= mk->count) {
			if (!zero(&mk->ssrc[i], sizeof(mk->ssrc[i])))
				return false;
			continue;
		}
		if (mk->ssrc[i].pad || mk->ssrc[i].index >> 48)
			return false;
		for (unsigned j = 0; j < i; j++)
			if (mk->ssrc[j].ssrc == mk->ssrc[i].ssrc)
				return false;
	}
	return true;
}

/* dp_proto.h's rules for an accepted flow message (hdr and body of a FLOW_ADD
 * or FLOW_REPLACE the checker accepted). */
static void flow_rules(const uint8_t *msg)
{
	struct xs_dp_hdr h;
	struct xs_dp_flow_msg m;
	uint32_t fl;

	memcpy(&h, msg, sizeof(h));
	if (h.type != XS_DP_MSG_FLOW_ADD && h.type != XS_DP_MSG_FLOW_REPLACE)
		return;
	memcpy(&m, msg + sizeof(h), sizeof(m));
	fl = m.flow.flags;
	const bool keys[2] = { (fl & XS_DP_FLOW_F_IN_KEYS) && m.flow.in_suite,
			       (fl & XS_DP_FLOW_F_OUT_KEYS) && m.flow.out_suite };
	const struct xs_dp_marks *mk[2] = { &m.in_marks, &m.out_marks };

	if (fl & ~XS_DP_FLOW_F_ALL)
		abort();
	if (h.type == XS_DP_MSG_FLOW_ADD && (fl & (XS_DP_FLOW_F_RESET | XS_DP_FLOW_F_REBIND)))
		abort();
	if ((fl & (XS_DP_FLOW_F_RESET | XS_DP_FLOW_F_REBIND)) && m.flow.in_suite &&
	    !(fl & XS_DP_FLOW_F_IN_KEYS))
		abort();
	if ((fl & XS_DP_FLOW_F_RELATCH) &&
	    (!m.flow.in_suite || m.flow.src_policy == XS_DP_SRC_FIXED))
		abort();
	if ((m.flow.src_policy == XS_DP_SRC_LATCH_IP || m.flow.src_policy == XS_DP_SRC_FIXED) &&
	    m.flow.peer.family != XS_DP_AF_INET && m.flow.peer.family != XS_DP_AF_INET6)
		abort();
	if (m.flow.src_policy == XS_DP_SRC_LATCH && !zero(&m.flow.peer, sizeof(m.flow.peer)))
		abort();
	for (unsigned d = 0; d < 2; d++) {
		if ((fl & XS_DP_FLOW_F_MARKS) && keys[d] ? !marks_ok(mk[d]) :
							   !zero(mk[d], sizeof(*mk[d])))
			abort();
	}
	explicit_bzero(&m, sizeof(m));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct xs_dp_hdr *h;
	struct xs_dp_verdict v;
	uint8_t *buf;

	if (size > XS_DP_MSG_MAX + 16)
		return 0;
	buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	/* Make the header length agree half of the time, to get past it. */
	if (size >= sizeof(struct xs_dp_hdr) && (size & 1)) {
		uint32_t len = (uint32_t)size;
		memcpy(buf + offsetof(struct xs_dp_hdr, len), &len, sizeof(len));
		memset(buf + offsetof(struct xs_dp_hdr, flags), 0, 2);
		memset(buf + offsetof(struct xs_dp_hdr, pad), 0, 4);
	}
	if (xs_dp_request_check(buf, size, &h, &v) == 0) {
		if (h->type == XS_DP_MSG_BATCH) {
			size_t off = 0, plen, blen = size - sizeof(*h);
			unsigned parts = 0;
			const uint8_t *p;
			while ((p = xs_dp_batch_next(buf + sizeof(*h), blen, &off, &plen))) {
				struct xs_dp_hdr ph;
				memcpy(&ph, p, sizeof(ph));
				if (!xs_dp_batchable(ph.type) ||
				    plen != sizeof(ph) + (size_t)xs_dp_request_body_size(ph.type))
					abort();
				flow_rules(p);
				parts++;
			}
			if (off != blen || !parts || parts > XS_DP_BATCH_MAX)
				abort();
		} else if (size != sizeof(*h) + (size_t)xs_dp_request_body_size(h->type)) {
			abort();
		} else {
			flow_rules(buf);
		}
	} else if (v.code <= 0 || !v.why) {
		abort();
	}
	xs_dp_reply_check(buf, size, &h, &v);
	free(buf);
	return 0;
}
