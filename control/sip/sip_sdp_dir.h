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

/*
 * The answer the edge gives a re-INVITE at once (libre answers it before the
 * far side can): ans is the relay's SDP toward the re-INVITing side (xsrelayd's
 * answer to its offer, from the far side's last SDP), offer its new offer.
 * Each media line keeps the formats of ans that the offer still has; if a line
 * has none left, the whole answer takes the offer's formats and their lines
 * instead, on the relay's o=, c=, ports, transport and keys. Every media line
 * gets direction dir. Length written, or -1. The output holds keys: the
 * caller wipes it.
 */
long edge_sdp_fit_answer(const char *ans, size_t alen, const char *offer, size_t olen, int dir,
			 char *out, size_t cap);

/* o= of the SDPs the edge sends one side: the same user and sess-id, the
 * version raised when the SDP changes (RFC 3264 section 8). */
struct edge_origin {
	char user[64];
	char sess_id[32];
	unsigned long long version;
};
int edge_sdp_origin_get(const char *sdp, size_t len, struct edge_origin *o);
long edge_sdp_origin_set(const char *sdp, size_t len, const struct edge_origin *o, char *out,
			 size_t cap);
/* The transport of the first media line ("RTP/SAVP"): 0, or -1. */
int edge_sdp_proto(const char *sdp, size_t len, char *out, size_t cap);

#endif
