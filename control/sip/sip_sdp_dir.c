/* SPDX-License-Identifier: BSD-3-Clause */
/* SDP direction for the edge's re-INVITE handling (see sip_sdp_dir.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- re-INVITEs through xsrelayd: the answer given at once, o= per side ---- */

static struct sdp g_sdp2; /* the offer, beside g_sdp (the answer) */

static bool fmt_in(const char *list, const char *f, size_t flen)
{
	for (const char *p = list; *p;) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (n && n == flen && !memcmp(p, f, n))
			return true;
		p += n;
	}
	return false;
}

/* ans's formats that the offer has, in ans's order; false if none */
static bool fmt_meet(struct sdp_media *a, const char *offer_fmts)
{
	char out[sizeof(a->fmts)];
	size_t k = 0;
	for (const char *p = a->fmts; *p;) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (n && fmt_in(offer_fmts, p, n) && k + n + 1 < sizeof(out)) {
			if (k)
				out[k++] = ' ';
			memcpy(out + k, p, n);
			k += n;
		}
		p += n;
	}
	out[k] = '\0';
	if (!k)
		return false;
	memcpy(a->fmts, out, k + 1);
	return true;
}

/* The relay's fields of media line m (see sdp.h: the lines the struct owns). */
static void copy_relay_media(struct sdp_media *to, const struct sdp_media *from)
{
	for (unsigned i = 0; i < to->ncrypto; i++)
		sdes_crypto_clear(&to->crypto[i]);
	to->port = from->port;
	snprintf(to->proto, sizeof(to->proto), "%s", from->proto);
	to->has_conn = from->has_conn;
	to->conn = from->conn;
	to->has_rtcp = from->has_rtcp;
	to->rtcp_port = from->rtcp_port;
	to->rtcp_has_addr = from->rtcp_has_addr;
	to->rtcp_addr = from->rtcp_addr;
	to->rtcp_mux = from->rtcp_mux;
	to->ncrypto = from->ncrypto;
	memcpy(to->crypto, from->crypto, sizeof(to->crypto));
	to->crypto_bad = 0;
}

long edge_sdp_fit_answer(const char *ans, size_t alen, const char *offer, size_t olen, int dir,
			 char *out, size_t cap)
{
	const char *why;
	unsigned line;
	long n = -1;
	bool meet = true;
	if (!ans || !offer || sdp_parse(ans, alen, &g_sdp, &why, &line))
		goto out;
	if (sdp_parse(offer, olen, &g_sdp2, &why, &line) || g_sdp2.nmedia != g_sdp.nmedia)
		goto out;
	for (unsigned i = 0; i < g_sdp.nmedia && meet; i++)
		if (g_sdp.media[i].port && g_sdp2.media[i].port)
			meet = fmt_meet(&g_sdp.media[i], g_sdp2.media[i].fmts);
	struct sdp *base = &g_sdp;
	if (!meet) {
		/* no format of the earlier answer is offered any more: accept the
		 * offered formats (and their rtpmap/fmtp lines), on the relay's
		 * address, ports and keys */
		base = &g_sdp2;
		snprintf(base->origin_user, sizeof(base->origin_user), "%s", g_sdp.origin_user);
		snprintf(base->origin_sess_id, sizeof(base->origin_sess_id), "%s",
			 g_sdp.origin_sess_id);
		snprintf(base->origin_sess_version, sizeof(base->origin_sess_version), "%s",
			 g_sdp.origin_sess_version);
		base->origin_addr = g_sdp.origin_addr;
		base->has_conn = g_sdp.has_conn;
		base->conn = g_sdp.conn;
		base->strip_ice = true;
		for (unsigned i = 0; i < base->nmedia; i++)
			copy_relay_media(&base->media[i], &g_sdp.media[i]);
	}
	base->dir = SDP_DIR_NONE;
	for (unsigned i = 0; i < base->nmedia; i++)
		base->media[i].dir = to_sdp(dir);
	n = sdp_write(base, out, cap);
out:
	sdp_clear(&g_sdp);
	sdp_clear(&g_sdp2);
	return n;
}

int edge_sdp_origin_get(const char *sdp, size_t len, struct edge_origin *o)
{
	const char *why;
	unsigned line;
	int rc = -1;
	if (sdp && !sdp_parse(sdp, len, &g_sdp, &why, &line)) {
		snprintf(o->user, sizeof(o->user), "%s", g_sdp.origin_user);
		snprintf(o->sess_id, sizeof(o->sess_id), "%s", g_sdp.origin_sess_id);
		o->version = strtoull(g_sdp.origin_sess_version, NULL, 10);
		rc = 0;
	}
	sdp_clear(&g_sdp);
	return rc;
}

long edge_sdp_origin_set(const char *sdp, size_t len, const struct edge_origin *o, char *out,
			 size_t cap)
{
	const char *why;
	unsigned line;
	long n = -1;
	if (sdp && !sdp_parse(sdp, len, &g_sdp, &why, &line)) {
		snprintf(g_sdp.origin_user, sizeof(g_sdp.origin_user), "%s", o->user);
		snprintf(g_sdp.origin_sess_id, sizeof(g_sdp.origin_sess_id), "%s", o->sess_id);
		snprintf(g_sdp.origin_sess_version, sizeof(g_sdp.origin_sess_version), "%llu",
			 o->version);
		n = sdp_write(&g_sdp, out, cap);
	}
	sdp_clear(&g_sdp);
	return n;
}

int edge_sdp_proto(const char *sdp, size_t len, char *out, size_t cap)
{
	const char *why;
	unsigned line;
	int rc = -1;
	if (sdp && !sdp_parse(sdp, len, &g_sdp, &why, &line) && g_sdp.nmedia) {
		snprintf(out, cap, "%s", g_sdp.media[0].proto);
		rc = 0;
	}
	sdp_clear(&g_sdp);
	return rc;
}
