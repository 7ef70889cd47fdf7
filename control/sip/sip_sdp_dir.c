/* SPDX-License-Identifier: BSD-3-Clause */
/* SDP direction for the edge's re-INVITE handling (see sip_sdp_dir.h). */
#include "sdp.h"
#include "sip_sdp_dir.h"

static struct sdp g_sdp; /* one control thread */

static int from_sdp(enum sdp_dir d)
{
	switch (d) {
	case SDP_DIR_SENDONLY: return EDGE_DIR_SENDONLY;
	case SDP_DIR_RECVONLY: return EDGE_DIR_RECVONLY;
	case SDP_DIR_INACTIVE: return EDGE_DIR_INACTIVE;
	default: return EDGE_DIR_SENDRECV;
	}
}

static enum sdp_dir to_sdp(int d)
{
	static const enum sdp_dir t[] = { SDP_DIR_SENDRECV, SDP_DIR_SENDONLY, SDP_DIR_RECVONLY,
					  SDP_DIR_INACTIVE };
	return d >= 0 && d <= EDGE_DIR_INACTIVE ? t[d] : SDP_DIR_SENDRECV;
}

int edge_sdp_dir(const char *sdp, size_t len)
{
	const char *why;
	unsigned line;
	int d = EDGE_DIR_SENDRECV;
	if (sdp && len && !sdp_parse(sdp, len, &g_sdp, &why, &line)) {
		if (g_sdp.nmedia && g_sdp.media[0].dir != SDP_DIR_NONE)
			d = from_sdp(g_sdp.media[0].dir);
		else if (g_sdp.dir != SDP_DIR_NONE)
			d = from_sdp(g_sdp.dir);
	}
	sdp_clear(&g_sdp);
	return d;
}

long edge_sdp_set_dir(const char *sdp, size_t len, int dir, char *out, size_t cap)
{
	const char *why;
	unsigned line;
	long n = -1;
	if (sdp && !sdp_parse(sdp, len, &g_sdp, &why, &line)) {
		g_sdp.dir = SDP_DIR_NONE;
		for (unsigned i = 0; i < g_sdp.nmedia; i++)
			g_sdp.media[i].dir = to_sdp(dir);
		n = sdp_write(&g_sdp, out, cap);
	}
	sdp_clear(&g_sdp);
	return n;
}

int edge_dir_mirror(int d)
{
	return d == EDGE_DIR_SENDONLY ? EDGE_DIR_RECVONLY :
	       d == EDGE_DIR_RECVONLY ? EDGE_DIR_SENDONLY : d;
}

const char *edge_dir_name(int d)
{
	static const char *const n[] = { "sendrecv", "sendonly", "recvonly", "inactive" };
	return d >= 0 && d <= EDGE_DIR_INACTIVE ? n[d] : "sendrecv";
}
