/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer: the control message checker on arbitrary datagrams, both the
 * server's request check and the client's reply check. A request the checker
 * accepts must have exactly the size its type requires; an accepted BATCH must
 * walk (xs_dp_batch_next) into 1..XS_DP_BATCH_MAX batchable parts that cover
 * its body exactly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
				parts++;
			}
			if (off != blen || !parts || parts > XS_DP_BATCH_MAX)
				abort();
		} else if (size != sizeof(*h) + (size_t)xs_dp_request_body_size(h->type)) {
			abort();
		}
	} else if (v.code <= 0 || !v.why) {
		abort();
	}
	xs_dp_reply_check(buf, size, &h, &v);
	free(buf);
	return 0;
}
