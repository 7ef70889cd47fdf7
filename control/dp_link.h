/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xsrelayd's link to the fast path: xsrelay-dp's control socket (fast-path =
 * dp), or xsrelay.ko's device /dev/xsrelay (fast-path = kmod, write()/read()
 * of the same messages; the backend is read from d->cfg at connect time).
 * Connects, says hello, turns calls into flows and keeps the fast path's table
 * equal to the daemon's calls.
 *
 * When the fast path is absent or goes away, requests fail softly: the call
 * state stays, the link is marked down, and the next dp_link_tick() reconnects
 * and re-programs every answered call (media resumes within the tick period).
 * Blocking requests with a receive timeout: the fast path answers in
 * microseconds, and a dead one is noticed within XS_DP_LINK_TIMEOUT_MS (the
 * module answers inside write(), so its read() never waits).
 */
#ifndef XS_DP_LINK_H
#define XS_DP_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include <xsrelay/dp_proto.h>

#include "xsrelayd.h"

#define XS_DP_LINK_TIMEOUT_MS 1000

struct dp_link *dp_link_create(const char *path);
void dp_link_free(struct dp_link *l);
bool dp_link_up(const struct dp_link *l);

/* Reconnects if down; polls the flows' counters for media timeouts and their
 * stream marks into the calls (a call whose marks moved enough gets
 * c->unsaved: xsd_save_marks stores it), and removes the flows no live call
 * owns. A (re)connect polls first, then re-programs every answered call, so
 * the live flows' marks are taken and foreign flows are gone before any ADD.
 * Call about once a second. */
void dp_link_tick(struct xsd *d);

/* While the link is down: one connection attempt (the daemon calls it every
 * 200 ms, so a restarted fast path is programmed well within a second). */
void dp_link_retry(struct xsd *d);
/* The link's descriptor (-1 when down), for watching it for a hang-up, and the
 * number of the connection it belongs to (fd numbers are reused). */
int dp_link_fd(const struct dp_link *l, unsigned *gen);
/* The fast path closed the link: mark it down and try to reconnect. */
void dp_link_hangup(struct xsd *d);

/* Adds or replaces both flows of every media line of an answered call. The
 * requests are queued (see dp_link_flush): 0, -ENOTCONN when the link is down
 * (the connect re-programs every call), -EIO when the call could not be
 * stored (nothing queued; every call is programmed again in a few seconds).
 * A refusal is logged, counted, and marks the ng request being served
 * (d->ng_slot, see dp_link_refused).
 * Never F_RESET: a flow that exists keeps its stream state. Each direction
 * with keys carries its marks (F_MARKS), a send direction its SRTCP index
 * plus MARKS_RTCP_MARGIN, which becomes the kept mark and is stored (in the
 * open transaction, if any) before the call's requests are queued; a stream
 * with rebind set is replaced with F_REBIND, and the flag is cleared once the
 * fast path took the flow. */
int dp_program_call(struct xsd *d, struct call *c);
/* The same, waiting for the fast path: 0, or -1 when a flow was refused or the
 * link is down. */
int dp_program_call_now(struct xsd *d, struct call *c);
/* Removes the call's flows (queued, best effort). */
void dp_remove_call(struct xsd *d, const struct call *c);
/* Removes the flow at one relay port (queued). */
void dp_remove_flow(struct xsd *d, unsigned iface, uint16_t port);

/* Sends the queued flow changes, pipelined, and reads their replies. Requests
 * that wait for a reply flush first, so the fast path sees changes in order;
 * the daemon flushes after each burst of ng requests. Store writes not yet
 * committed (a burst under way) are committed first (store_checkpoint): the
 * fast path never has keys, floors or call ids the store could lose; if that
 * commit fails, the queue is dropped unsent. */
void dp_link_flush(struct xsd *d);
/* Forgets what is queued (a burst whose store commit failed: its changes are
 * undone, not sent). */
void dp_link_discard(struct xsd *d);
/* The slots whose queued flows were refused since the last call (a bit each). */
uint64_t dp_link_refused(struct dp_link *l);

/* FLOW_GET of every flow of a call, queued: info and have are filled in by the
 * flush that sends them (have[leg][m]: that flow's reply came), so they must
 * outlive it. All false when the link is down or the call is not answered. */
void dp_call_info_queue(struct xsd *d, const struct call *c,
			struct xs_dp_flow_info info[2][CALL_MAX_MEDIA], bool have[2][CALL_MAX_MEDIA]);
/* The same, flushed at once. -1 when the link is down or the call has no flows. */
int dp_call_info(struct xsd *d, const struct call *c,
		 struct xs_dp_flow_info info[2][CALL_MAX_MEDIA], bool have[2][CALL_MAX_MEDIA]);
/* STATS; 0 or -1. */
int dp_stats(struct xsd *d, struct xs_dp_stats *out);

/* Filled in from a call: the flow for packets arriving at leg `leg`'s relay
 * port of media line m, with its source policy (latching setting, the call's
 * flags, the input's transform) and marks. Exposed for tests. Holds keys:
 * wipe after use. */
void dp_flow_msg_for(const struct xsd *d, const struct call *c, int leg, int m,
		     struct xs_dp_flow_msg *msg);

#endif
