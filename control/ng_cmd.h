/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ng commands: ping, offer, answer, delete, query, list, statistics, and
 * the x-sipura extensions xsipura-keys and xsipura-query (docs/control-api.md).
 * Every error reply is counted in the daemon's ng_errors. One request in, one reply out; a request that fails
 * changes nothing (no call, port, flow or stored row is left half made).
 */
#ifndef XS_NG_CMD_H
#define XS_NG_CMD_H

#include "ng_codec.h"
#include "xsrelayd.h"

/* Handles the parsed dict of one request and writes the reply dict (not the
 * cookie) into out. */
void ng_cmd_handle(struct xsd *d, const struct ng_val *req, struct ng_out *out);

/* Whether the request just handled (in burst slot d->ng_slot) left its reply
 * to be written by ng_cmd_finish after the burst's fast-path flush. */
bool ng_cmd_pending(const struct xsd *d);
/* Writes that reply into out (which holds the cookie) if slot has one: true
 * when it did. */
bool ng_cmd_finish(struct xsd *d, unsigned slot, struct ng_out *out);

/* Drops that pending reply (its request is refused instead). */
void ng_cmd_cancel(unsigned slot);

/* Error replies count in d's ng_errors from now on. */
void ng_cmd_bind(struct xsd *d);

/* The warning an answer's reply gets when the fast path refused one of its
 * flows (added after the burst's flow changes were sent; see xsrelayd.c). */
#define NG_WARN_DP_REFUSED "the fast path refused a flow; see the log"

/* The error a request gets when the store could not commit its change (which
 * is then undone: see undo_burst in xsrelayd.c). */
#define NG_ERR_NOT_STORED "state could not be stored (store commit failed); nothing changed"

/* An error reply dict: {"result":"error","error-reason":reason}. */
void ng_cmd_error(struct ng_out *out, const char *reason);

#endif
