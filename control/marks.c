/* SPDX-License-Identifier: BSD-3-Clause */
/* Stream marks: when a report is worth storing, and what goes back to the fast path. */
#include <string.h>

#include "marks.h"

#define INDEX_MASK ((1ull << 48) - 1) /* RTP packet indices are 48 bits */

static unsigned count_of(const struct xs_dp_marks *m)
{
	return m->count < XS_DP_MARKS_MAX ? m->count : XS_DP_MARKS_MAX;
}

static int find(const struct xs_dp_marks *m, unsigned n, uint32_t ssrc)
{
	for (unsigned i = 0; i < n; i++)
		if (m->ssrc[i].ssrc == ssrc)
			return (int)i;
	return -1;
}

/* Whether the RTP index went from old to now far enough to be stored. */
static bool index_moved(uint64_t old, uint64_t now)
{
	return now > old && (now >> 16 != old >> 16 || now - old >= MARKS_RTP_STEP);
}

bool marks_raise(struct xs_dp_marks *kept, const struct xs_dp_marks *seen)
{
	struct xs_dp_marks u;
	unsigned nk = count_of(kept), ns = count_of(seen);
	uint32_t rk = kept->rtcp_index & MARKS_RTCP_MAX, rs = seen->rtcp_index & MARKS_RTCP_MAX;
	bool moved = rs > rk && rs - rk >= MARKS_RTCP_STEP;

	memset(&u, 0, sizeof(u));
	u.rtcp_index = rs > rk ? rs : rk;
	/* the fast path's SSRCs first, its current one at ssrc[0] */
	for (unsigned i = 0; i < ns; i++) {
		uint32_t ssrc = seen->ssrc[i].ssrc;
		uint64_t idx = seen->ssrc[i].index & INDEX_MASK;
		int k = find(kept, nk, ssrc);
		if (k < 0) {
			moved = true;
		} else {
			uint64_t old = kept->ssrc[k].index & INDEX_MASK;
			moved |= index_moved(old, idx);
			if (old > idx)
				idx = old;
		}
		if (find(&u, u.count, ssrc) < 0)
			u.ssrc[u.count++] = (struct xs_dp_ssrc_mark){ .ssrc = ssrc, .index = idx };
	}
	/* then those only kept: an SSRC that may come back under the same key */
	for (unsigned k = 0; k < nk && u.count < XS_DP_MARKS_MAX; k++)
		if (find(&u, u.count, kept->ssrc[k].ssrc) < 0)
			u.ssrc[u.count++] = (struct xs_dp_ssrc_mark){
				.ssrc = kept->ssrc[k].ssrc, .index = kept->ssrc[k].index & INDEX_MASK };
	if (!moved)
		return false;
	*kept = u;
	return true;
}

void marks_for_flow(struct xs_dp_marks *out, const struct xs_dp_marks *kept, bool send)
{
	unsigned n = count_of(kept);
	uint32_t r = kept->rtcp_index & MARKS_RTCP_MAX;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < n; i++) {
		out->ssrc[i].ssrc = kept->ssrc[i].ssrc;
		out->ssrc[i].index = kept->ssrc[i].index & INDEX_MASK;
	}
	out->count = (uint8_t)n;
	if (send)
		r = r > MARKS_RTCP_MAX - MARKS_RTCP_MARGIN ? MARKS_RTCP_MAX : r + MARKS_RTCP_MARGIN;
	out->rtcp_index = r;
}
