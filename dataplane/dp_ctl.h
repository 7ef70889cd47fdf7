/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread: serves the Unix SOCK_SEQPACKET socket (dp_proto.h), is
 * the session table's only writer, and owns the neighbour table (it applies
 * what workers learn and sends ARP/ND requests for next hops they need).
 *
 * The socket file is created with mode 0600 and then set to conf.ctl_mode
 * (0660 by default; a mode granting anything to others is refused). A peer
 * whose uid (SO_PEERCRED) is not in conf.allow_uid gets ERROR(EACCES) and is
 * disconnected. The first request on a connection must be HELLO.
 */
#ifndef DP_CTL_H
#define DP_CTL_H

#include <stddef.h>
#include <stdint.h>

#include <xsrelay/dp_proto.h>

struct dp_ctx;
struct dp_ctl;

/* Replies go through this: one datagram each. Returns 0 or -errno. */
typedef int (*dp_ctl_send_fn)(void *arg, const void *buf, size_t len);

/* Create the control state (and the socket when conf.ctl_path is set). */
int dp_ctl_new(struct dp_ctx *ctx, struct dp_ctl **out);
void dp_ctl_free(struct dp_ctl *ctl);
/* pthread entry: serves until ctx->stop. */
void *dp_ctl_thread(void *arg);

/* Handle one request (already received) from a connection whose HELLO state
 * is *hello_done; replies through send. Must run on the control thread (or,
 * in tests, a thread that is the table's only writer and an online reader).
 * Returns 0, or -errno when the connection must be closed. */
int dp_ctl_handle(struct dp_ctl *ctl, const void *req, size_t len, int *hello_done,
		  dp_ctl_send_fn send, void *arg);

/* The handlers (dp_ctl_ops.c): 0 or -errno, *why a sentence on failure. */
int dp_ops_flow_add(struct dp_ctx *ctx, const struct xs_dp_flow_msg *m, const char **why);
int dp_ops_flow_replace(struct dp_ctx *ctx, const struct xs_dp_flow_msg *m, const char **why);
int dp_ops_flow_del(struct dp_ctx *ctx, const struct xs_dp_flow_ref *r, const char **why);
int dp_ops_keys_set(struct dp_ctx *ctx, const struct xs_dp_keys_msg *k, const char **why);
int dp_ops_flow_get(struct dp_ctx *ctx, const struct xs_dp_addr *local,
		    struct xs_dp_flow_info *info);
void dp_ops_flow_info(struct dp_ctx *ctx, const struct dp_flow *f, struct xs_dp_flow_info *info);
void dp_ops_stats(struct dp_ctx *ctx, struct xs_dp_stats *st);

/* Neighbour events from the workers: apply learned entries, send requests. */
void dp_ctl_neigh_poll(struct dp_ctl *ctl);

#endif
