/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stream marks as xsrelayd keeps them (docs/stream-state.md): how far the
 * SRTP state of one direction of a call has gone under its keys, so that a
 * fast path programmed again (after its restart, after xsrelayd's, after both)
 * never encrypts a (key, SSRC, index) twice.
 *
 * The fast path reports marks with every flow (FLOW_DUMP, once a second);
 * xsrelayd keeps the marks it last stored and takes a report only when it
 * moved far enough to matter (marks_raise), so the store is written a few
 * times a minute per stream, not every second. What the kept marks may lag
 * behind is covered when they are given back (marks_for_flow):
 *  - an RTP index: the sender's own sequence numbers drive it, and a kept
 *    index at most MARKS_RTP_STEP - 1 behind still tells the fast path the
 *    right ROC (it guesses within 2^15 of the mark);
 *  - the SRTCP index of a send stream is the relay's own counter: it restarts
 *    above the kept one plus MARKS_RTCP_MARGIN, which covers the
 *    MARKS_RTCP_STEP - 1 not yet kept and what was sent since the last poll.
 * Marks are floors, so a stale or repeated one is harmless. They belong to the
 * keys they were made under: the caller drops them when the keys change.
 */
#ifndef XS_MARKS_H
#define XS_MARKS_H

#include <stdbool.h>

#include <xsrelay/dp_proto.h>

#define MARKS_RTP_STEP 1024    /* an RTP index moved this far: keep it */
#define MARKS_RTCP_STEP 16     /* the SRTCP index moved this far: keep it */
#define MARKS_RTCP_MARGIN 1024 /* added to a send stream's SRTCP index when given back */
#define MARKS_RTCP_MAX 0x7fffffffu /* SRTCP indices are 31 bits */

/*
 * Takes the fast path's report `seen` into `kept` when it moved far enough
 * to be stored: an SSRC kept does not have, a ROC (index >> 16) that changed,
 * an RTP index MARKS_RTP_STEP or more above the kept one, an SRTCP index
 * MARKS_RTCP_STEP or more above. Then kept becomes the union of both, each
 * SSRC at the higher index, seen's current SSRC first, and the call returns
 * true (store it). Otherwise kept is left as it is and the call returns false.
 * Nothing is ever lowered.
 */
bool marks_raise(struct xs_dp_marks *kept, const struct xs_dp_marks *seen);

/* The marks that go with a flow for one direction: kept, cleaned (padding
 * zero, count at most XS_DP_MARKS_MAX); a send direction's SRTCP index gets
 * MARKS_RTCP_MARGIN on top (saturating at MARKS_RTCP_MAX). */
void marks_for_flow(struct xs_dp_marks *out, const struct xs_dp_marks *kept, bool send);

#endif
