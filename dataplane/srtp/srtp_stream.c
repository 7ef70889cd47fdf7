/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stream state that outlives packets: initialisation, joining mid-way, the
 * per-SSRC memory of a stream, and the marks a restarted fast path is
 * restored from (docs/stream-state.md). Pure logic on plain structs, no I/O.
 *
 * The one rule: under one key, a send stream never takes an (SSRC, index) it
 * may have taken before, and a receive stream never accepts one it may have
 * accepted before. So, on both sides,
 *  - a stream that changes SSRC parks the old SSRC's highest index and takes
 *    back the parked one when the SSRC returns (every index up to it counts
 *    as used or seen: a late packet of the old SSRC is refused);
 *  - a packet is judged against the state its SSRC would take before the
 *    stream switches to it, so a refused packet switches nothing (a receive
 *    stream switches only for a packet that authenticated);
 *  - the SRTCP index is one counter per stream (the IV holds the SSRC, so one
 *    counter is enough to send; one replay window to receive);
 *  - marks restore as floors: they raise, never lower.
 */
#include <errno.h>
#include <string.h>

#include "srtp_internal.h"

#define INDEX_MAX ((1ull << 48) - 1)

void xs_srtp_stream_init(struct xs_srtp_stream *s, uint16_t window)
{
	memset(s, 0, sizeof(*s));
	if (window == 0)
		window = XS_SRTP_DEFAULT_WINDOW;
	if (window > XS_SRTP_MAX_WINDOW)
		window = XS_SRTP_MAX_WINDOW;
	s->window = window;
}

void xs_srtp_stream_reset(struct xs_srtp_stream *s)
{
	xs_srtp_stream_init(s, s->window);
}

void xs_srtp_stream_set_roc(struct xs_srtp_stream *s, uint32_t ssrc, uint32_t roc, uint16_t seq)
{
	xs_srtp_stream_reset(s);
	s->ssrc = ssrc;
	s->have_ssrc = 1;
	s->rtp.index = ((uint64_t)roc << 16) | seq;
}

uint32_t xs_srtp_stream_roc(const struct xs_srtp_stream *s)
{
	return (uint32_t)(s->rtp.index >> 16);
}

/* Mark every index from floor down as used, in a window whose highest index is
 * top (top >= floor): bits top - floor .. window - 1, a word at a time (a send
 * stream does this on every SSRC switch). */
static void window_floor(uint64_t *w, uint16_t window, uint64_t top, uint64_t floor)
{
	uint64_t d = top - floor;

	for (unsigned lo = 0; lo < window; lo += 64) {
		unsigned hi = lo + 64u < window ? lo + 64u : window;
		if (d >= hi)
			continue;
		unsigned from = d > lo ? (unsigned)d : lo;
		unsigned bits = hi - from;
		w[lo / 64] |= (bits == 64 ? ~0ull : (1ull << bits) - 1) << (from - lo);
	}
}

static void rtp_raise(struct xs_srtp_rtp_state *st, uint16_t window, bool fresh, uint64_t mark)
{
	if (fresh || mark > st->index) {
		st->index = mark;
		memset(st->window, 0, sizeof(st->window));
	}
	window_floor(st->window, window, st->index, mark);
}

static void rtcp_raise(struct xs_srtp_rtcp_state *st, uint16_t window, uint32_t mark)
{
	if (mark > st->index) {
		st->index = mark;
		memset(st->window, 0, sizeof(st->window));
	}
	window_floor(st->window, window, st->index, mark);
}

void xs_srtp_stream_marks(const struct xs_srtp_stream *s, struct xs_srtp_marks *m)
{
	memset(m, 0, sizeof(*m));
	m->rtcp_index = s->rtcp.index;
	if (s->have_ssrc) {
		m->ssrc[0].ssrc = s->ssrc;
		m->ssrc[0].index = s->rtp.index;
		m->count = 1;
	}
	for (unsigned i = 0; i < s->nparked && m->count < XS_SRTP_SEND_SSRCS; i++)
		m->ssrc[m->count++] = s->parked[i];
}

static int parked_find(const struct xs_srtp_stream *s, uint32_t ssrc)
{
	for (unsigned i = 0; i < s->nparked; i++)
		if (s->parked[i].ssrc == ssrc)
			return (int)i;
	return -1;
}

/* 0, or why marks cannot be restored onto s: -EINVAL malformed, -ENOSPC
 * more SSRCs than the stream can remember with its own. */
static int marks_check(const struct xs_srtp_stream *s, const struct xs_srtp_marks *m)
{
	unsigned room, need = 0;

	if (m->count > XS_SRTP_SEND_SSRCS || m->rtcp_index > 0x7fffffffu)
		return -EINVAL;
	for (unsigned i = 0; i < m->count; i++) {
		if (m->ssrc[i].index > INDEX_MAX || m->ssrc[i].pad)
			return -EINVAL;
		for (unsigned j = 0; j < i; j++)
			if (m->ssrc[j].ssrc == m->ssrc[i].ssrc)
				return -EINVAL;
	}
	room = XS_SRTP_SEND_SSRCS - (s->have_ssrc ? 1u : 0u) - s->nparked;
	for (unsigned i = 0; i < m->count; i++) {
		uint32_t x = m->ssrc[i].ssrc;
		if ((s->have_ssrc && s->ssrc == x) || parked_find(s, x) >= 0)
			continue;
		need++;
	}
	return need > room ? -ENOSPC : 0;
}

int xs_srtp_stream_restore(struct xs_srtp_stream *s, const struct xs_srtp_marks *m, bool send)
{
	int rc = marks_check(s, m);

	if (rc)
		return rc;
	/* SRTCP: a send stream's index is a counter, a receive stream's a window */
	if (send)
		s->rtcp.index = s->rtcp.index > m->rtcp_index ? s->rtcp.index : m->rtcp_index;
	else
		rtcp_raise(&s->rtcp, s->window, m->rtcp_index);
	for (unsigned i = 0; i < m->count; i++) {
		uint32_t x = m->ssrc[i].ssrc;
		uint64_t idx = m->ssrc[i].index;
		int p;
		if (s->have_ssrc && s->ssrc == x) {
			rtp_raise(&s->rtp, s->window, false, idx);
		} else if ((p = parked_find(s, x)) >= 0) {
			if (idx > s->parked[p].index)
				s->parked[p].index = idx;
		} else if (!s->have_ssrc) {
			s->ssrc = x;
			s->have_ssrc = 1;
			rtp_raise(&s->rtp, s->window, true, idx);
		} else {
			s->parked[s->nparked].ssrc = x;
			s->parked[s->nparked].pad = 0;
			s->parked[s->nparked].index = idx;
			s->nparked++;
		}
	}
	return 0;
}

const struct xs_srtp_rtp_state *xs_srtp_ssrc_state(const struct xs_srtp_stream *s,
						  uint32_t ssrc, struct xs_srtp_rtp_state *tmp)
{
	int p;

	if (s->have_ssrc && s->ssrc == ssrc)
		return &s->rtp;
	p = parked_find(s, ssrc);
	if (p < 0 && s->have_ssrc && s->nparked >= XS_SRTP_SEND_SSRCS - 1)
		return NULL;
	memset(tmp, 0, sizeof(*tmp));
	/* a returning SSRC: everything up to its parked index counts as used
	 * (sent or seen); a new one starts from index 0 with nothing used, as
	 * libsrtp's does (on receive: its first packet sets the index) */
	if (p >= 0)
		rtp_raise(tmp, s->window, true, s->parked[p].index);
	return tmp;
}

void xs_srtp_ssrc_switch(struct xs_srtp_stream *s, uint32_t ssrc,
			 const struct xs_srtp_rtp_state *st)
{
	struct xs_srtp_ssrc_mark cur = { .ssrc = s->ssrc, .index = s->rtp.index };
	int p = parked_find(s, ssrc);

	if (p >= 0 && s->have_ssrc)
		s->parked[p] = cur; /* the two trade places */
	else if (p >= 0)
		s->parked[p] = s->parked[--s->nparked];
	else if (s->have_ssrc)
		s->parked[s->nparked++] = cur;
	s->rtp = *st;
	s->ssrc = ssrc;
	s->have_ssrc = 1;
}
