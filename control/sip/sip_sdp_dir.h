/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDP direction for re-INVITEs (hold, resume), on the project's SDP module
 * (control/sdp.h) — kept apart from libre, whose own SDP header uses the same
 * names. Directions: 0 sendrecv, 1 sendonly, 2 recvonly, 3 inactive.
 */
#ifndef XS_SIP_SDP_DIR_H
#define XS_SIP_SDP_DIR_H

#include <stddef.h>

enum { EDGE_DIR_SENDRECV = 0, EDGE_DIR_SENDONLY, EDGE_DIR_RECVONLY, EDGE_DIR_INACTIVE };

/* The direction an SDP offers (first media line, else session level; sendrecv
 * when absent or when the SDP does not parse). */
int edge_sdp_dir(const char *sdp, size_t len);
/* The same SDP with every media line's direction set to dir. Length written
 * (NUL-terminated), or -1. The output may hold SDES keys: the caller wipes it. */
long edge_sdp_set_dir(const char *sdp, size_t len, int dir, char *out, size_t cap);
int edge_dir_mirror(int dir);
const char *edge_dir_name(int dir);

#endif
