/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ng commands. offer and answer work on a copy of the call: ports taken on the
 * way are listed and handed back if anything fails, and the copy replaces the
 * call only once the reply SDP is written, the fast path has the flows and the
 * store has the row. So a request that fails leaves nothing behind.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#include "dp_codec.h"
#include "dp_link.h"
#include "media_addr.h"
#include "ng_cmd.h"
#include "sdp.h"
#include "store.h"
#include "xs_srtp.h"
#include "xsipura_assumptions.h"
#include "xsipura_b64.h"

#define SDP_OUT_MAX (SDP_MAX_LEN + 4096)

/* What a request asks for, beyond the call-id and tags. */
struct ng_opts {
	const char *call_id, *from_tag, *to_tag;
	char call_id_buf[CALL_ID_MAX + 1], from_buf[CALL_TAG_MAX + 1], to_buf[CALL_TAG_MAX + 1];
	const struct ng_val *sdp;
	char proto[16];            /* transport-protocol, "" = keep */
	bool replace_origin, replace_session_conn;
	uint32_t sdes_only, sdes_no; /* bit per suite */
	bool sdes_off;
	uint32_t sdes_flags;       /* XS_SRTP_F_* to put on the keys we generate */
	bool mux_offer, mux_demux, mux_accept, mux_reject;
	bool no_rtcp_attr, strict_source;  /* strict-source: accept media only from the SDP address */
	bool media_handover;       /* SRTP input re-latches (NAT rebinding) even with relatch = no */
	bool loop_protect;         /* mark our SDP; leave an SDP with our mark alone */
	int iface[2];              /* direction: [0] offerer side, [1] answerer side */
	char label[CALL_LABEL_MAX + 1];
	char err[160];
};


/* A string into a fixed field, cut to fit: snprintf("%s") at the cost of a
 * memcpy (it was a few percent of the daemon per call set-up). */
static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src); /* NUL-terminated, as snprintf's %s needed too */
	if (n > cap - 1)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}
static uint64_t *g_errors; /* the daemon's ng_errors counter */

void ng_cmd_error(struct ng_out *out, const char *reason)
{
	if (g_errors)
		(*g_errors)++;
	ng_out_dict_begin(out);
	ng_out_key(out, "result");
	ng_out_cstr(out, "error");
	ng_out_key(out, "error-reason");
	ng_out_cstr(out, reason);
	ng_out_dict_end(out);
}

static bool proto_secure(const char *p)
{
	return strstr(p, "SAVP") != NULL;
}

static bool proto_supported(const char *p)
{
	static const char *const ok[] = { "RTP/AVP", "RTP/SAVP", "RTP/AVPF", "RTP/SAVPF" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(p, ok[i]))
			return true;
	return false;
}

static bool sdes_suite(int s)
{
	return s > XS_SUITE_NONE && s < XS_SUITE_XSIPURA;
}

/* Walks a list option: each element must be a string; fn returns false to refuse it. */
static bool each_word(const struct ng_val *v, struct ng_opts *o, const char *opt,
		      bool (*fn)(struct ng_opts *, const char *))
{
	if (!v)
		return true;
	if (v->type != NG_LIST && v->type != NG_STR) {
		snprintf(o->err, sizeof(o->err), "'%s' must be a string or a list of strings", opt);
		return false;
	}
	/* a single string is a list of one word (the modules send ICE=remove so) */
	for (const struct ng_val *e = v->type == NG_STR ? v : v->first; e;
	     e = v->type == NG_STR ? NULL : e->next) {
		char w[64];
		if (ng_str_copy(e, w, sizeof(w))) {
			snprintf(o->err, sizeof(o->err), "'%s': elements must be short strings", opt);
			return false;
		}
		if (!fn(o, w)) {
			if (!o->err[0])
				snprintf(o->err, sizeof(o->err), "unsupported %s option '%s'", opt, w);
			return false;
		}
	}
	return true;
}

static bool opt_replace(struct ng_opts *o, const char *w)
{
	if (!strcasecmp(w, "origin"))
		o->replace_origin = true;
	else if (!strcasecmp(w, "session-connection") || !strcasecmp(w, "session connection"))
		o->replace_session_conn = true;
	else
		return false;
	return true;
}

static bool opt_sdes(struct ng_opts *o, const char *w)
{
	int s;
	if (!strcasecmp(w, "off") || !strcasecmp(w, "no")) {
		o->sdes_off = true;
	} else if (!strncasecmp(w, "only-", 5) && sdes_suite(s = xs_srtp_suite_from_name(w + 5))) {
		o->sdes_only |= 1u << s;
	} else if (!strncasecmp(w, "no-", 3) && sdes_suite(s = xs_srtp_suite_from_name(w + 3))) {
		o->sdes_no |= 1u << s;
	} else if (!strcasecmp(w, "unencrypted_srtp") || !strcasecmp(w, "unencrypted-srtp")) {
		o->sdes_flags |= XS_SRTP_F_UNENCRYPTED_SRTP;
	} else if (!strcasecmp(w, "unencrypted_srtcp") || !strcasecmp(w, "unencrypted-srtcp")) {
		o->sdes_flags |= XS_SRTP_F_UNENCRYPTED_SRTCP;
	} else if (!strcasecmp(w, "unauthenticated_srtp") ||
		   !strcasecmp(w, "unauthenticated-srtp")) {
		o->sdes_flags |= XS_SRTP_F_UNAUTHENTICATED_SRTP;
	} else {
		return false;
	}
	return true;
}

static bool opt_ice(struct ng_opts *o, const char *w)
{
	/* The relay does not speak ICE: it can only take ICE out of the SDP. */
	if (!strcasecmp(w, "remove") || !strcasecmp(w, "default"))
		return true;
	snprintf(o->err, sizeof(o->err), "unsupported ICE option '%s': xsrelayd removes ICE, "
		 "it does not terminate it", w);
	return false;
}

static bool opt_mux(struct ng_opts *o, const char *w)
{
	if (!strcasecmp(w, "offer"))
		o->mux_offer = true;
	else if (!strcasecmp(w, "demux"))
		o->mux_demux = true;
	else if (!strcasecmp(w, "accept"))
		o->mux_accept = true;
	else if (!strcasecmp(w, "reject"))
		o->mux_reject = true;
	else
		return false;
	return true;
}

static bool opt_flag(struct ng_opts *o, const char *w)
{
	/* Flags that change nothing here: the SDP address is always trusted,
	 * media is symmetric and the relay keeps its ports, as these ask. */
	static const char *const noop[] = { "trust-address", "trust address", "symmetric",
		"port-latching", "port latching", "SIP-source-address", "no-redis-update" };
	for (size_t i = 0; i < sizeof(noop) / sizeof(noop[0]); i++)
		if (!strcasecmp(w, noop[i]))
			return true;
	if (!strcasecmp(w, "strict-source") || !strcasecmp(w, "strict source"))
		o->strict_source = true;
	else if (!strcasecmp(w, "media-handover") || !strcasecmp(w, "media handover"))
		o->media_handover = true;
	else if (!strcasecmp(w, "loop-protect") || !strcasecmp(w, "loop protect"))
		o->loop_protect = true;
	else if (!strcasecmp(w, "no-rtcp-attribute") || !strcasecmp(w, "no rtcp attribute"))
		o->no_rtcp_attr = true;
	else if (!strcasecmp(w, "replace-origin"))
		o->replace_origin = true;
	else if (!strcasecmp(w, "replace-session-connection"))
		o->replace_session_conn = true;
	else
		return false;
	return true;
}

static struct xsd *g_dir_xsd; /* for opt_direction: set around each_word */
static int g_dir_n;

static bool opt_direction(struct ng_opts *o, const char *w)
{
	struct xsd_iface *f = xsd_iface_by_name(g_dir_xsd, w);
	if (g_dir_n >= 2) {
		snprintf(o->err, sizeof(o->err), "'direction' takes two interface names");
		return false;
	}
	if (!f) {
		snprintf(o->err, sizeof(o->err), "direction: no interface named '%s'", w);
		return false;
	}
	o->iface[g_dir_n++] = (int)(f - g_dir_xsd->iface);
	return true;
}

static bool copy_id(const struct ng_val *req, const char *key, char *buf, size_t cap,
		    const char **out, struct ng_opts *o)
{
	const struct ng_val *v = ng_dict_get(req, key);
	*out = NULL;
	if (!v)
		return true;
	if (ng_str_copy(v, buf, cap) || !buf[0]) {
		snprintf(o->err, sizeof(o->err), "'%s' must be a non-empty string of at most %zu bytes",
			 key, cap - 1);
		return false;
	}
	*out = buf;
	return true;
}

static bool parse_opts(struct xsd *d, const struct ng_val *req, struct ng_opts *o)
{
	memset(o, 0, sizeof(*o));
	if (!copy_id(req, "call-id", o->call_id_buf, sizeof(o->call_id_buf), &o->call_id, o) ||
	    !copy_id(req, "from-tag", o->from_buf, sizeof(o->from_buf), &o->from_tag, o) ||
	    !copy_id(req, "to-tag", o->to_buf, sizeof(o->to_buf), &o->to_tag, o))
		return false;
	o->sdp = ng_dict_get(req, "sdp");
	if (o->sdp && o->sdp->type != NG_STR) {
		snprintf(o->err, sizeof(o->err), "'sdp' must be a string");
		return false;
	}
	const struct ng_val *tp = ng_dict_get(req, "transport-protocol");
	if (tp) {
		if (ng_str_copy(tp, o->proto, sizeof(o->proto)) || !proto_supported(o->proto)) {
			snprintf(o->err, sizeof(o->err), "unsupported transport-protocol (RTP/AVP, "
				 "RTP/SAVP, RTP/AVPF, RTP/SAVPF; no DTLS)");
			return false;
		}
	}
	const struct ng_val *label = ng_dict_get(req, "label");
	if (label && ng_str_copy(label, o->label, sizeof(o->label))) {
		snprintf(o->err, sizeof(o->err), "'label' must be a string of at most %d bytes",
			 CALL_LABEL_MAX);
		return false;
	}
	g_dir_xsd = d;
	g_dir_n = 0;
	o->iface[0] = o->iface[1] = -1;
	if (!each_word(ng_dict_get(req, "replace"), o, "replace", opt_replace) ||
	    !each_word(ng_dict_get(req, "SDES"), o, "SDES", opt_sdes) ||
	    !each_word(ng_dict_get(req, "ICE"), o, "ICE", opt_ice) ||
	    !each_word(ng_dict_get(req, "rtcp-mux"), o, "rtcp-mux", opt_mux) ||
	    !each_word(ng_dict_get(req, "flags"), o, "flags", opt_flag) ||
	    !each_word(ng_dict_get(req, "direction"), o, "direction", opt_direction))
		return false;
	if (g_dir_n == 1) {
		snprintf(o->err, sizeof(o->err), "'direction' takes two interface names");
		return false;
	}
	return true;
}

/* --- keys -------------------------------------------------------------------- */

static void key_from_sdes(const struct sdes_crypto *c, struct call_key *k)
{
	memset(k, 0, sizeof(*k));
	k->suite = (uint8_t)c->suite;
	k->tag = c->tag;
	k->flags = c->flags;
	k->key_len = c->key_len;
	k->salt_len = c->salt_len;
	memcpy(k->key, c->key, c->key_len);
	memcpy(k->salt, c->salt, c->salt_len);
}

static void key_to_sdes(const struct call_key *k, struct sdes_crypto *c)
{
	memset(c, 0, sizeof(*c));
	c->suite = k->suite;
	c->tag = k->tag;
	c->flags = k->flags;
	c->key_len = k->key_len;
	c->salt_len = k->salt_len;
	memcpy(c->key, k->key, k->key_len);
	memcpy(c->salt, k->salt, k->salt_len);
}

static int key_generate(struct call_key *k, int suite, uint32_t tag, uint32_t flags)
{
	struct sdes_crypto c;
	if (sdes_generate(&c, suite))
		return -1;
	c.tag = tag;
	c.flags = flags;
	key_from_sdes(&c, k);
	sdes_crypto_clear(&c);
	return 0;
}

static bool suite_allowed(const struct ng_opts *o, int s)
{
	if (!sdes_suite(s) || (o->sdes_no >> s & 1))
		return false;
	return !o->sdes_only || (o->sdes_only >> s & 1);
}

/* --- the work of offer and answer ---------------------------------------------- */

struct txn {
	struct xsd *d;
	struct call tmp;
	/* ports taken by this request, handed back if it fails */
	struct { uint8_t iface; uint16_t port; } taken[2 * CALL_MAX_MEDIA];
	unsigned ntaken;
	/* ports it moves off (direction named another interface), handed back
	 * to their own pools, and their flows removed, once it succeeds */
	struct { uint8_t iface; uint16_t port; } released[2 * CALL_MAX_MEDIA];
	unsigned nreleased;
};

/* Puts a stream on interface iface. A port it holds belongs to the pool of
 * the interface it leaves: released on success (txn_store), and a new one is
 * taken from the new interface's pool (take_port). */
static void set_iface(struct txn *t, struct call_stream *s, int iface)
{
	if (s->iface == iface)
		return;
	if (s->relay_port) {
		t->released[t->nreleased].iface = s->iface;
		t->released[t->nreleased++].port = s->relay_port;
		s->relay_port = 0;
	}
	s->iface = (uint8_t)iface;
}

static int take_port(struct txn *t, struct call_stream *s)
{
	if (s->relay_port)
		return 0;
	uint16_t p = port_pool_get(&t->d->iface[s->iface].pool);
	if (!p)
		return -1;
	s->relay_port = p;
	t->taken[t->ntaken].iface = s->iface;
	t->taken[t->ntaken++].port = p;
	return 0;
}

static void give_back_ports(struct txn *t)
{
	for (unsigned i = 0; i < t->ntaken; i++)
		port_pool_put(&t->d->iface[t->taken[i].iface].pool, t->taken[i].port);
	t->ntaken = 0;
}

/*
 * The party's address for media i (media c=, else session c=) into *out.
 * c=0.0.0.0 or c=:: puts the stream on hold (RFC 2543): *hold is set and
 * *out keeps the address the party had, so its flows stay valid and resume
 * where they were. An address media must not go to is refused (media_addr.h).
 */
static int peer_addr(struct xsd *d, const struct sdp *s, int i, const struct xsd_iface *f,
		     struct xs_dp_addr *out, bool *hold, struct ng_opts *o)
{
	const struct sdp_media *m = &s->media[i];
	const struct sdp_addr *a = m->has_conn ? &m->conn : s->has_conn ? &s->conn : NULL;
	struct xs_dp_addr p;
	char text[80], why[96];
	if (!a) {
		snprintf(o->err, sizeof(o->err), "SDP media line without a connection address");
		return -1;
	}
	if (a->family != f->family) {
		snprintf(o->err, sizeof(o->err), "SDP address family IP%d but relay interface '%s' "
			 "is IP%d (use direction)", a->family, f->name, f->family);
		return -1;
	}
	if (a->family == 6)
		snprintf(text, sizeof(text), "[%s]", a->addr);
	else
		copy_str(text, sizeof(text), a->addr);
	if (xs_dp_addr_parse(text, &p, true)) {
		snprintf(o->err, sizeof(o->err), "SDP address '%s' not usable", a->addr);
		return -1;
	}
	p.port = (uint16_t)m->port;
	*hold = media_addr_unspecified(&p);
	if (*hold)
		return 0;
	if (media_addr_check(&p, d->iface, d->niface, why, sizeof(why))) {
		snprintf(o->err, sizeof(o->err), "media %d: SDP address %s refused: %s", i + 1,
			 a->addr, why);
		return -1;
	}
	*out = p;
	return 0;
}

static void set_conn(struct sdp_addr *a, const struct xsd_iface *f)
{
	a->family = f->family;
	copy_str(a->addr, sizeof(a->addr), f->addr_text);
}

/* Writes the relay's side of media m into the SDP going to party `to`. On
 * hold (the other party said c=0.0.0.0) that address goes on: `to` sends
 * nothing until the call resumes. */
static void write_media(struct sdp *s, struct sdp_media *sm, const struct call_stream *to,
			const struct xsd_iface *f, const struct ng_opts *o, bool offer_mux,
			bool hold, const struct call_key *keys, unsigned nkeys)
{
	sm->port = to->relay_port;
	copy_str(sm->proto, sizeof(sm->proto), to->proto);
	if (hold) {
		sm->has_conn = true;
		sm->conn.family = f->family;
		copy_str(sm->conn.addr, sizeof(sm->conn.addr), f->family == 6 ? "::" : "0.0.0.0");
	} else if (sm->has_conn || !s->has_conn) {
		sm->has_conn = true;
		set_conn(&sm->conn, f);
	}
	sm->rtcp_mux = offer_mux;
	sm->has_rtcp = !o->no_rtcp_attr;
	sm->rtcp_port = offer_mux ? to->relay_port : to->relay_port + 1u;
	sm->rtcp_has_addr = false;
	for (unsigned i = 0; i < sm->ncrypto; i++)
		sdes_crypto_clear(&sm->crypto[i]);
	sm->ncrypto = 0;
	sm->crypto_bad = 0;
	for (unsigned i = 0; i < nkeys && i < SDP_MAX_CRYPTO; i++)
		key_to_sdes(&keys[i], &sm->crypto[sm->ncrypto++]);
}

static void write_session(struct sdp *s, const struct xsd_iface *f, const struct ng_opts *o)
{
	if (o->replace_origin)
		set_conn(&s->origin_addr, f);
	if (s->has_conn)
		set_conn(&s->conn, f);
	s->strip_ice = true;
}

static char *sdp_out_buf(void)
{
	static char buf[SDP_OUT_MAX];
	return buf;
}

static struct sdp g_sdp; /* ~64 KiB: one per daemon (one control thread) */

/* The parsed SDP held keys only in its crypto lines: wipe those, not 64 KiB. */
static void sdp_wipe(struct sdp *s)
{
	unsigned n = s->nmedia < SDP_MAX_MEDIA ? s->nmedia : SDP_MAX_MEDIA;
	for (unsigned i = 0; i < n; i++)
		explicit_bzero(s->media[i].crypto, sizeof(s->media[i].crypto));
	s->nmedia = 0;
}

static int parse_sdp(const struct ng_opts *o, struct sdp *s, char *err, size_t cap)
{
	const char *why = NULL;
	unsigned line = 0;
	if (!o->sdp) {
		snprintf(err, cap, "no 'sdp' in the request");
		return -1;
	}
	if (sdp_parse(o->sdp->s, o->sdp->len, s, &why, &line)) {
		sdp_clear(s); /* a partial parse may hold keys anywhere */
		snprintf(err, cap, "SDP rejected (line %u): %s", line, why ? why : "malformed");
		return -1;
	}
	if (s->nmedia == 0 || s->nmedia > CALL_MAX_MEDIA) {
		snprintf(err, cap, "SDP has %u media lines; xsrelayd anchors 1 to %d", s->nmedia,
			 CALL_MAX_MEDIA);
		sdp_wipe(s);
		return -1;
	}
	return 0;
}

static int offer_media(struct txn *t, struct ng_opts *o, int L, int i)
{
	struct sdp *s = &g_sdp;
	struct sdp_media *sm = &s->media[i];
	struct call_stream *ls = &t->tmp.leg[L].media[i], *os = &t->tmp.leg[!L].media[i];
	struct xsd *d = t->d;
	bool hold;

	copy_str(ls->type, sizeof(ls->type), sm->type);
	copy_str(os->type, sizeof(os->type), sm->type);
	if (o->iface[0] >= 0) {
		set_iface(t, ls, o->iface[0]);
		set_iface(t, os, o->iface[1]);
	}
	if (!proto_supported(sm->proto)) {
		snprintf(o->err, sizeof(o->err), "media %d: transport '%s' not supported", i + 1,
			 sm->proto);
		return -1;
	}
	copy_str(ls->proto, sizeof(ls->proto), sm->proto);
	copy_str(os->proto, sizeof(os->proto), o->proto[0] ? o->proto : sm->proto);
	ls->disabled = os->disabled = sm->port == 0;
	if (ls->disabled) {
		sm->ncrypto = 0;
		return 0;
	}
	if (peer_addr(d, s, i, &d->iface[ls->iface], &ls->peer, &hold, o))
		return -1;
	if (!hold)
		ls->peer_rtcp_port = (uint16_t)(sm->has_rtcp ? sm->rtcp_port : sm->port + 1);
	ls->rtcp_mux = sm->rtcp_mux && !o->mux_reject;
	ls->ssrc = sm->ssrc;

	/* the offerer's keys: candidates until the answer picks a suite */
	for (unsigned k = 0; k < ls->ncand; k++)
		call_key_clear(&ls->cand[k]);
	ls->ncand = 0;
	if (proto_secure(sm->proto)) {
		for (unsigned k = 0; k < sm->ncrypto && ls->ncand < CALL_MAX_OFFERED; k++)
			key_from_sdes(&sm->crypto[k], &ls->cand[ls->ncand++]);
		if (!ls->ncand) {
			snprintf(o->err, sizeof(o->err), "media %d: %s offer without a usable "
				 "a=crypto line", i + 1, sm->proto);
			return -1;
		}
	}
	/* the relay's keys for the answerer */
	for (unsigned k = 0; k < os->noffered; k++)
		call_key_clear(&os->offered[k]);
	os->noffered = 0;
	if (proto_secure(os->proto)) {
		int suites[XS_SUITE_COUNT], n = 0;
		if (o->sdes_off) {
			snprintf(o->err, sizeof(o->err), "SDES off but %s asked for: xsrelayd has no "
				 "DTLS-SRTP", os->proto);
			return -1;
		}
		if (!os->xsipura && sdes_suite(os->tx.suite) && suite_allowed(o, os->tx.suite)) {
			/* a re-offer: the relay offers the key it already sends to this
			 * party with, same tag, so its SRTP goes on (RFC 4568 7.1.4) */
			os->offered[os->noffered++] = os->tx;
		} else if (ls->ncand) {
			for (unsigned k = 0; k < ls->ncand; k++)
				suites[n++] = ls->cand[k].suite;
		} else {
			char list[sizeof(d->cfg.sdes_suites)], *save = NULL;
			copy_str(list, sizeof(list), d->cfg.sdes_suites);
			for (char *w = strtok_r(list, ", ", &save); w && n < XS_SUITE_COUNT;
			     w = strtok_r(NULL, ", ", &save))
				suites[n++] = xs_srtp_suite_from_name(w);
		}
		for (int k = 0; k < n && os->noffered < CALL_MAX_OFFERED; k++) {
			if (!suite_allowed(o, suites[k]))
				continue;
			if (key_generate(&os->offered[os->noffered], suites[k], os->noffered + 1u,
					 o->sdes_flags)) {
				snprintf(o->err, sizeof(o->err), "could not generate SRTP keys");
				return -1;
			}
			os->noffered++;
		}
		if (!os->noffered) {
			snprintf(o->err, sizeof(o->err), "media %d: SDES options leave no crypto "
				 "suite to offer", i + 1);
			return -1;
		}
	}
	if (take_port(t, ls) || take_port(t, os)) {
		snprintf(o->err, sizeof(o->err), "no free relay port on interface '%s'",
			 d->iface[ls->relay_port ? os->iface : ls->iface].name);
		return -1;
	}
	bool mux_to_answerer = (sm->rtcp_mux && !o->mux_demux) || o->mux_offer;
	write_media(s, sm, os, &d->iface[os->iface], o, mux_to_answerer, hold, os->offered,
		    os->noffered);
	return 0;
}

static int answer_media(struct txn *t, struct ng_opts *o, int L, int i)
{
	struct sdp *s = &g_sdp;
	struct sdp_media *sm = &s->media[i];
	/* L made the offer; O (the other leg) answers with this SDP */
	struct call_stream *ls = &t->tmp.leg[L].media[i], *os = &t->tmp.leg[!L].media[i];
	struct xsd *d = t->d;
	bool hold;

	if (sm->port == 0 || ls->disabled) {
		os->disabled = ls->disabled = true;
		sm->port = 0;
		sm->ncrypto = 0;
		return 0;
	}
	if (!proto_supported(sm->proto)) {
		snprintf(o->err, sizeof(o->err), "media %d: transport '%s' not supported", i + 1,
			 sm->proto);
		return -1;
	}
	if (peer_addr(d, s, i, &d->iface[os->iface], &os->peer, &hold, o))
		return -1;
	if (!hold)
		os->peer_rtcp_port = (uint16_t)(sm->has_rtcp ? sm->rtcp_port : sm->port + 1);
	os->rtcp_mux = sm->rtcp_mux;
	os->ssrc = sm->ssrc;
	copy_str(os->proto, sizeof(os->proto), sm->proto);

	/* the answerer's key, and ours toward it: the offered line it chose. x-sipura
	 * keys (installed out of band, the SDP stays plain) survive a re-answer that
	 * keeps the leg plain: the phone's SRTP goes on (the reinvite=keep
	 * assumption). An SDES answer replaces them. */
	bool keep_xs = os->xsipura && !os->noffered && !proto_secure(sm->proto);
	if (!keep_xs) {
		call_key_clear(&os->rx);
		call_key_clear(&os->tx);
		os->xsipura = false;
	}
	if (os->noffered) {
		if (!proto_secure(sm->proto)) {
			snprintf(o->err, sizeof(o->err), "media %d: answered %s to an SRTP offer",
				 i + 1, sm->proto);
			return -1;
		}
		bool found = false;
		for (unsigned c = 0; c < sm->ncrypto && !found; c++)
			for (unsigned k = 0; k < os->noffered && !found; k++)
				if (os->offered[k].tag == sm->crypto[c].tag &&
				    os->offered[k].suite == sm->crypto[c].suite) {
					os->tx = os->offered[k];
					key_from_sdes(&sm->crypto[c], &os->rx);
					found = true;
				}
		if (!found) {
			snprintf(o->err, sizeof(o->err), "media %d: the answer's a=crypto matches "
				 "no offered tag and suite", i + 1);
			return -1;
		}
	} else if (proto_secure(sm->proto)) {
		snprintf(o->err, sizeof(o->err), "media %d: answered %s to a plain RTP offer", i + 1,
			 sm->proto);
		return -1;
	}
	for (unsigned k = 0; k < os->noffered; k++)
		call_key_clear(&os->offered[k]);
	os->noffered = 0;

	/* our answer to the offerer */
	if (o->proto[0])
		copy_str(ls->proto, sizeof(ls->proto), o->proto);
	struct call_key old_tx = ls->tx;
	bool was_xs = ls->xsipura;
	if (!(was_xs && !proto_secure(ls->proto))) { /* x-sipura keys stay, as above */
		call_key_clear(&ls->rx);
		call_key_clear(&ls->tx);
		ls->xsipura = false;
	}
	if (proto_secure(ls->proto)) {
		bool found = false;
		for (unsigned k = 0; k < ls->ncand && !found; k++) {
			if (!suite_allowed(o, ls->cand[k].suite))
				continue;
			ls->rx = ls->cand[k];
			found = true;
			if (!was_xs && old_tx.suite == ls->rx.suite) {
				/* a re-answer: our key toward the offerer stays (its SRTP
				 * goes on), under the tag it chose this time */
				ls->tx = old_tx;
				ls->tx.tag = ls->rx.tag;
				break;
			}
			if (key_generate(&ls->tx, ls->rx.suite, ls->rx.tag, o->sdes_flags)) {
				call_key_clear(&old_tx);
				snprintf(o->err, sizeof(o->err), "could not generate SRTP keys");
				return -1;
			}
		}
		if (!found) {
			call_key_clear(&old_tx);
			snprintf(o->err, sizeof(o->err), "media %d: no acceptable crypto suite in the "
				 "offer to answer %s with", i + 1, ls->proto);
			return -1;
		}
	}
	call_key_clear(&old_tx);
	for (unsigned k = 0; k < ls->ncand; k++)
		call_key_clear(&ls->cand[k]);
	ls->ncand = 0;
	if (ls->rtcp_mux && o->mux_reject)
		ls->rtcp_mux = false;
	/* SDES keys only: kept x-sipura keys never go into the SDP */
	write_media(s, sm, ls, &d->iface[ls->iface], o, ls->rtcp_mux, hold, &ls->tx,
		    proto_secure(ls->proto) && ls->tx.suite ? 1 : 0);
	return 0;
}

static void reply_sdp(struct ng_out *out, const char *sdp, long len, const char *warning)
{
	ng_out_dict_begin(out);
	ng_out_key(out, "result");
	ng_out_cstr(out, "ok");
	ng_out_key(out, "sdp");
	ng_out_str(out, sdp, (size_t)len);
	if (warning) {
		ng_out_key(out, "warning");
		ng_out_cstr(out, warning);
	}
	ng_out_dict_end(out);
}

/* Replaces *c by t->tmp, keeping c's place in the table. */
static void commit(struct call *c, struct txn *t)
{
	struct call *hn = c->hnext, *in = c->inext;
	*c = t->tmp; /* overwrites every byte of the old state, keys included */
	c->hnext = hn;
	c->inext = in;
}

static void txn_fail(struct txn *t, struct call *c, bool created, struct ng_out *out,
		     const char *err)
{
	give_back_ports(t);
	explicit_bzero(&t->tmp, sizeof(t->tmp));
	sdp_wipe(&g_sdp);
	if (created)
		call_remove(&t->d->calls, c);
	xsd_log(XSD_LOG_INFO, "ng: refused: %s", err);
	ng_cmd_error(out, err);
}

/* Writes the rewritten SDP, stores the new state and commits it to the call;
 * returns the SDP's length, or -1 after replying with the refusal. */
static long txn_store(struct txn *t, struct call *c, bool created, struct ng_out *out,
		      const char *not_stored)
{
	long n = sdp_write(&g_sdp, sdp_out_buf(), SDP_OUT_MAX);
	if (n < 0) {
		txn_fail(t, c, created, out, "rewritten SDP too long");
		return -1;
	}
	call_update(c, &t->tmp);
	if (store_save(t->d->store, &t->tmp)) {
		t->d->cnt.store_errors++;
		txn_fail(t, c, created, out, not_stored);
		return -1;
	}
	commit(c, t);
	explicit_bzero(&t->tmp, sizeof(t->tmp)); /* the copy held the call's keys */
	sdp_wipe(&g_sdp);
	for (unsigned i = 0; i < t->nreleased; i++) {
		port_pool_put(&t->d->iface[t->released[i].iface].pool, t->released[i].port);
		dp_remove_flow(t->d, t->released[i].iface, t->released[i].port);
	}
	return n;
}

/*
 * loop-protect (rtpengine's flag): the SDP this relay writes carries its mark,
 * a=xsrelay:<instance>; an SDP that already carries it went through this relay
 * before (a signalling loop) and is answered as it came, nothing anchored, so
 * media is not relayed back into the relay. True when it replied so.
 */
static bool loop_seen(struct xsd *d, const struct ng_opts *o, struct ng_out *out)
{
	if (!o->loop_protect)
		return false;
	if (!sdp_has_attr(&g_sdp, d->loop_mark)) {
		copy_str(g_sdp.add_attr, sizeof(g_sdp.add_attr), d->loop_mark);
		return false;
	}
	sdp_wipe(&g_sdp);
	xsd_log(XSD_LOG_INFO, "call %s: SDP already anchored here (loop-protect): passed on "
		"unchanged", o->call_id);
	reply_sdp(out, o->sdp->s, (long)o->sdp->len, NULL);
	return true;
}

static void cmd_offer(struct xsd *d, struct ng_opts *o, struct ng_out *out)
{
	static struct txn t;
	bool created = false;
	if (!o->call_id || !o->from_tag) {
		ng_cmd_error(out, "offer needs call-id and from-tag");
		return;
	}
	if (parse_sdp(o, &g_sdp, o->err, sizeof(o->err))) {
		ng_cmd_error(out, o->err);
		return;
	}
	if (loop_seen(d, o, out))
		return;
	memset(&t, 0, sizeof(t));
	t.d = d;
	struct call *c = call_find(&d->calls, o->call_id);
	if (!c) {
		if (d->calls.count >= d->cfg.max_calls) {
			sdp_wipe(&g_sdp);
			ng_cmd_error(out, "call limit reached (max-calls)");
			return;
		}
		if (d->calls.next_id >= d->calls.id_limit) {
			sdp_wipe(&g_sdp);
			ng_cmd_error(out, "no call id left: the store could not reserve more (see "
				     "the log)");
			return;
		}
		c = call_create(&d->calls, o->call_id, xsd_now());
		if (!c) {
			sdp_wipe(&g_sdp);
			ng_cmd_error(out, "out of memory");
			return;
		}
		c->state = CALL_OFFERED;
		copy_str(c->leg[0].tag, sizeof(c->leg[0].tag), o->from_tag);
		created = true;
	}
	int L = call_leg_by_tag(c, o->from_tag);
	t.tmp = *c;
	if (L < 0 && !c->leg[1].tag[0] && c->state == CALL_OFFERED) {
		/* a new offer from another tag before any answer: it replaces the first */
		L = 0;
		copy_str(t.tmp.leg[0].tag, sizeof(t.tmp.leg[0].tag), o->from_tag);
	}
	if (L < 0) {
		txn_fail(&t, c, created, out, "from-tag does not belong to this call");
		return;
	}
	if (o->label[0])
		copy_str(t.tmp.leg[L].label, sizeof(t.tmp.leg[L].label), o->label);
	if (g_sdp.nmedia < t.tmp.leg[L].nmedia) {
		txn_fail(&t, c, created, out, "a re-offer may not remove media lines");
		return;
	}
	for (int i = 0; i < (int)g_sdp.nmedia; i++)
		if (offer_media(&t, o, L, i)) {
			txn_fail(&t, c, created, out, o->err);
			return;
		}
	t.tmp.leg[L].nmedia = t.tmp.leg[!L].nmedia = (uint8_t)g_sdp.nmedia;
	t.tmp.offerer = (uint8_t)L;
	if (o->strict_source)
		t.tmp.strict_source = true;
	if (o->media_handover)
		t.tmp.media_handover = true;
	t.tmp.last_signal = xsd_now();
	const struct call_stream *first = &t.tmp.leg[!L].media[0];
	write_session(&g_sdp, &d->iface[first->iface], o);
	bool ice = g_sdp.ice;
	for (unsigned i = 0; i < g_sdp.nmedia; i++)
		ice |= g_sdp.media[i].ice;
	long n = txn_store(&t, c, created, out, "state could not be stored; call not set up");
	if (n < 0)
		return;
	if (created)
		d->cnt.calls_created++;
	xsd_log(XSD_LOG_DEBUG, "call %s: offer from %s, %u media", c->call_id, o->from_tag,
		(unsigned)c->leg[L].nmedia);
	reply_sdp(out, sdp_out_buf(), n,
		  ice ? "ICE candidates removed: xsrelayd anchors media without ICE" : NULL);
	explicit_bzero(sdp_out_buf(), (size_t)n); /* it held our keys */
}

static void cmd_answer(struct xsd *d, struct ng_opts *o, struct ng_out *out)
{
	static struct txn t;
	if (!o->call_id || !o->from_tag || !o->to_tag) {
		ng_cmd_error(out, "answer needs call-id, from-tag and to-tag");
		return;
	}
	struct call *c = call_find(&d->calls, o->call_id);
	if (!c) {
		ng_cmd_error(out, "unknown call-id");
		return;
	}
	int L = call_leg_by_tag(c, o->from_tag);
	if (L < 0 || L != c->offerer) {
		ng_cmd_error(out, "from-tag is not the offerer of this call");
		return;
	}
	if (parse_sdp(o, &g_sdp, o->err, sizeof(o->err))) {
		ng_cmd_error(out, o->err);
		return;
	}
	if (loop_seen(d, o, out))
		return;
	memset(&t, 0, sizeof(t));
	t.d = d;
	t.tmp = *c;
	if (g_sdp.nmedia != t.tmp.leg[L].nmedia) {
		txn_fail(&t, c, false, out, "the answer must have as many media lines as the offer");
		return;
	}
	copy_str(t.tmp.leg[!L].tag, sizeof(t.tmp.leg[!L].tag), o->to_tag);
	if (o->label[0])
		copy_str(t.tmp.leg[!L].label, sizeof(t.tmp.leg[!L].label), o->label);
	for (int i = 0; i < (int)g_sdp.nmedia; i++)
		if (answer_media(&t, o, L, i)) {
			txn_fail(&t, c, false, out, o->err);
			return;
		}
	t.tmp.state = CALL_ANSWERED;
	t.tmp.last_signal = xsd_now();
	write_session(&g_sdp, &d->iface[t.tmp.leg[L].media[0].iface], o);
	long n = txn_store(&t, c, false, out, "state could not be stored; answer not applied");
	if (n < 0)
		return;
	const char *warning = NULL;
	/* queued: a refusal adds its warning before the reply goes (serve_dgram) */
	int rc = dp_program_call(d, c);
	if (rc == -ENOTCONN)
		warning = "fast path not connected: media starts when it is";
	else if (rc)
		warning = "stream state could not be stored: media starts once it is";
	xsd_log(XSD_LOG_DEBUG, "call %s: answered by %s", c->call_id, o->to_tag);
	reply_sdp(out, sdp_out_buf(), n, warning);
	explicit_bzero(sdp_out_buf(), (size_t)n);
}

/* --- delete, query, list, statistics ------------------------------------------ */

static void out_kv_int(struct ng_out *out, const char *k, int64_t v)
{
	ng_out_key(out, k);
	ng_out_int(out, v);
}

static void out_kv_str(struct ng_out *out, const char *k, const char *v)
{
	ng_out_key(out, k);
	ng_out_cstr(out, v);
}

struct totals {
	uint64_t pkts, bytes, errors;
};

static void out_stream(struct xsd *d, const struct call *c, int leg, int m, struct ng_out *out,
		       struct totals *tot, const struct xs_dp_flow_info *info)
{
	const struct call_stream *s = &c->leg[leg].media[m];
	char a[64];
	ng_out_dict_begin(out);
	out_kv_int(out, "index", m + 1);
	out_kv_str(out, "type", s->type);
	out_kv_str(out, "protocol", s->proto);
	out_kv_int(out, "local port", s->relay_port);
	out_kv_str(out, "interface", d->iface[s->iface].name);
	out_kv_str(out, "endpoint", s->peer.family ? xs_dp_addr_str(&s->peer, a, sizeof(a)) : "");
	out_kv_str(out, "rtcp-mux", s->rtcp_mux ? "yes" : "no");
	out_kv_str(out, "crypto in", xs_srtp_suite_name(s->rx.suite));
	out_kv_str(out, "crypto out", xs_srtp_suite_name(s->tx.suite));
	out_kv_str(out, "x-sipura", s->xsipura ? "keys installed" : "no");
	if (info) {
		const struct xs_dp_flow_info fi = *info;
		ng_out_key(out, "stats");
		ng_out_dict_begin(out);
#define XSD_OUT_FLOW_CNT(name, help) out_kv_int(out, #name, (int64_t)fi.stats.name);
		XS_DP_FLOW_COUNTERS(XSD_OUT_FLOW_CNT)
#undef XSD_OUT_FLOW_CNT
		out_kv_int(out, "last packet", (int64_t)(fi.stats.last_rx_ns / 1000000000ull));
		out_kv_str(out, "latched", fi.flow.peer.family ?
			   xs_dp_addr_str(&fi.flow.peer, a, sizeof(a)) : "");
		ng_out_dict_end(out);
		tot->pkts += fi.stats.pkts_in;
		tot->bytes += fi.stats.bytes_in;
		tot->errors += fi.stats.auth_fail + fi.stats.replay + fi.stats.drop_srtp +
			       fi.stats.drop_not_rtp + fi.stats.drop_source + fi.stats.drop_no_keys;
	}
	ng_out_dict_end(out);
}

/* The call's fields and its streams' counters from info/have (dp_call_info). */
static void out_call_with(struct xsd *d, const struct call *c, struct ng_out *out,
			  struct xs_dp_flow_info info[2][CALL_MAX_MEDIA],
			  bool have[2][CALL_MAX_MEDIA])
{
	struct totals tot = { 0 };
	out_kv_int(out, "created", c->created);
	out_kv_int(out, "last signal", c->last_signal);
	out_kv_int(out, "last media", c->last_media);
	out_kv_str(out, "state", c->state == CALL_ANSWERED ? "answered" : "offered");
	if (c->security_note[0])
		out_kv_str(out, "security", c->security_note);
	ng_out_key(out, "tags");
	ng_out_dict_begin(out);
	for (int l = 0; l < 2; l++) {
		if (!c->leg[l].tag[0])
			continue;
		ng_out_key(out, c->leg[l].tag);
		ng_out_dict_begin(out);
		out_kv_str(out, "tag", c->leg[l].tag);
		out_kv_str(out, "label", c->leg[l].label);
		ng_out_key(out, "medias");
		ng_out_list_begin(out);
		for (int m = 0; m < c->leg[l].nmedia; m++)
			out_stream(d, c, l, m, out, &tot, have[l][m] ? &info[l][m] : NULL);
		ng_out_list_end(out);
		ng_out_dict_end(out);
	}
	ng_out_dict_end(out);
	ng_out_key(out, "totals");
	ng_out_dict_begin(out);
	out_kv_int(out, "packets", (int64_t)tot.pkts);
	out_kv_int(out, "bytes", (int64_t)tot.bytes);
	out_kv_int(out, "errors", (int64_t)tot.errors);
	ng_out_dict_end(out);
}

static void out_call(struct xsd *d, const struct call *c, struct ng_out *out)
{
	static struct xs_dp_flow_info info[2][CALL_MAX_MEDIA];
	bool have[2][CALL_MAX_MEDIA];
	dp_call_info(d, c, info, have); /* one pipelined round trip for all streams */
	out_call_with(d, c, out, info, have);
}

/*
 * A delete inside a burst does not wait for its flows' final counters: it
 * queues the reads (before the removals), keeps a copy of the call here and
 * writes its reply after the burst's flush (ng_cmd_finish), so a burst of
 * deletes costs one exchange with the fast path, not one each.
 */
struct pending_reply {
	bool used;
	struct call c; /* holds keys: wiped when the reply is written */
	struct xs_dp_flow_info info[2][CALL_MAX_MEDIA];
	bool have[2][CALL_MAX_MEDIA];
};
static struct pending_reply g_pending[XSD_NG_BURST];

bool ng_cmd_pending(const struct xsd *d)
{
	return d->ng_slot >= 0 && d->ng_slot < XSD_NG_BURST && g_pending[d->ng_slot].used;
}

void ng_cmd_cancel(unsigned slot)
{
	if (slot < XSD_NG_BURST && g_pending[slot].used) {
		explicit_bzero(&g_pending[slot].c, sizeof(g_pending[slot].c));
		g_pending[slot].used = false;
	}
}

bool ng_cmd_finish(struct xsd *d, unsigned slot, struct ng_out *out)
{
	struct pending_reply *p = slot < XSD_NG_BURST ? &g_pending[slot] : NULL;
	if (!p || !p->used)
		return false;
	ng_out_dict_begin(out);
	out_kv_str(out, "result", "ok");
	out_call_with(d, &p->c, out, p->info, p->have);
	ng_out_dict_end(out);
	explicit_bzero(&p->c, sizeof(p->c));
	p->used = false;
	return true;
}

static void cmd_delete(struct xsd *d, struct ng_opts *o, struct ng_out *out)
{
	if (!o->call_id) {
		ng_cmd_error(out, "delete needs call-id");
		return;
	}
	struct call *c = call_find(&d->calls, o->call_id);
	if (!c) {
		ng_cmd_error(out, "unknown call-id");
		return;
	}
	if (o->from_tag && call_leg_by_tag(c, o->from_tag) < 0) {
		ng_cmd_error(out, "from-tag does not belong to this call");
		return;
	}
	if (d->ng_slot >= 0 && d->ng_slot < XSD_NG_BURST) {
		struct pending_reply *p = &g_pending[d->ng_slot];
		p->c = *c;
		p->used = true;
		/* final counters, read before the flows go (same queue, in order) */
		dp_call_info_queue(d, c, p->info, p->have);
	} else {
		ng_out_dict_begin(out);
		out_kv_str(out, "result", "ok");
		out_call(d, c, out);
		ng_out_dict_end(out);
	}
	d->cnt.calls_deleted++;
	xsd_call_end(d, c, "delete");
}

static void cmd_query(struct xsd *d, struct ng_opts *o, struct ng_out *out)
{
	struct call *c = o->call_id ? call_find(&d->calls, o->call_id) : NULL;
	if (!c) {
		ng_cmd_error(out, o->call_id ? "unknown call-id" : "query needs call-id");
		return;
	}
	ng_out_dict_begin(out);
	out_kv_str(out, "result", "ok");
	out_call(d, c, out);
	ng_out_dict_end(out);
}

struct list_ctx {
	struct ng_out *out;
	int64_t left;
};

static void list_one(struct call *c, void *arg)
{
	struct list_ctx *l = arg;
	if (l->left-- > 0)
		ng_out_cstr(l->out, c->call_id);
}

static void cmd_list(struct xsd *d, const struct ng_val *req, struct ng_out *out)
{
	const struct ng_val *lim = ng_dict_get(req, "limit");
	struct list_ctx l = { out, 32 };
	if (lim && lim->type == NG_INT && lim->i >= 0)
		l.left = lim->i;
	else if (lim && lim->type == NG_STR) {
		char b[24];
		if (!ng_str_copy(lim, b, sizeof(b)))
			l.left = strtoll(b, NULL, 10);
	}
	ng_out_dict_begin(out);
	out_kv_str(out, "result", "ok");
	ng_out_key(out, "calls");
	ng_out_list_begin(out);
	call_foreach(&d->calls, list_one, &l);
	ng_out_list_end(out);
	ng_out_dict_end(out);
}

static void cmd_statistics(struct xsd *d, struct ng_out *out)
{
	struct xs_dp_stats st;
	ng_out_dict_begin(out);
	out_kv_str(out, "result", "ok");
	ng_out_key(out, "statistics");
	ng_out_dict_begin(out);
	ng_out_key(out, "currentstatistics");
	ng_out_dict_begin(out);
	out_kv_int(out, "sessionsown", (int64_t)d->calls.count);
	out_kv_int(out, "sessionstotal", (int64_t)d->calls.count);
	ng_out_dict_end(out);
	ng_out_key(out, "xsrelayd");
	ng_out_dict_begin(out);
	out_kv_int(out, "uptime", xsd_now() - d->started);
#define XSD_OUT_CNT(name, help) out_kv_int(out, #name, (int64_t)d->cnt.name);
	XSD_COUNTERS(XSD_OUT_CNT)
#undef XSD_OUT_CNT
	out_kv_str(out, "fast path", dp_link_up(d->dp) ? "connected" : "not connected");
	ng_out_dict_end(out);
	if (dp_link_up(d->dp) && !dp_stats(d, &st)) {
		ng_out_key(out, "fast path");
		ng_out_dict_begin(out);
		out_kv_int(out, "flows", (int64_t)st.flows);
		out_kv_int(out, "workers", st.workers);
#define XSD_OUT_DP(name, help) out_kv_int(out, #name, (int64_t)st.global.name);
		XS_DP_GLOBAL_COUNTERS(XSD_OUT_DP)
#undef XSD_OUT_DP
		ng_out_dict_end(out);
	}
	ng_out_dict_end(out);
	ng_out_dict_end(out);
}

/* --- x-sipura extensions ------------------------------------------------------- */

static int b64_exact(const struct ng_val *v, uint8_t *out, size_t want)
{
	uint8_t buf[64];
	size_t n = 0;
	int rc = -1;
	if (v && v->type == NG_STR && !xsp_b64_decode(v->s, v->len, buf, sizeof(buf), &n) &&
	    n == want) {
		memcpy(out, buf, want);
		rc = 0;
	}
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

static void cmd_xsipura_keys(struct xsd *d, const struct ng_val *req, struct ng_opts *o,
			     struct ng_out *out)
{
	char tag[CALL_TAG_MAX + 1], profile[512] = "";
	const char *bad = NULL;
	struct xsp_assumptions a;
	struct call_key k;
	struct call *c = o->call_id ? call_find(&d->calls, o->call_id) : NULL;
	const struct ng_val *tv = ng_dict_get(req, "tag"), *mv = ng_dict_get(req, "media");
	const struct ng_val *pv = ng_dict_get(req, "profile");
	int64_t m = mv && mv->type == NG_INT ? mv->i : 1;
	int L;

	if (!c) {
		ng_cmd_error(out, o->call_id ? "unknown call-id" : "xsipura-keys needs call-id");
		return;
	}
	if (!tv || ng_str_copy(tv, tag, sizeof(tag)) || (L = call_leg_by_tag(c, tag)) < 0) {
		ng_cmd_error(out, "xsipura-keys needs 'tag': the SIP tag of the x-sipura party's leg");
		return;
	}
	if (m < 1 || m > c->leg[L].nmedia) {
		ng_cmd_error(out, "'media' is not a media line of this call (1-based)");
		return;
	}
	xsp_assumptions_default(&a);
	if (pv && (ng_str_copy(pv, profile, sizeof(profile)) ||
		   xsp_assumptions_parse(&a, profile, &bad))) {
		char e[160];
		snprintf(e, sizeof(e), "bad x-sipura profile at '%.40s' (see xsrelay-mc assumptions)",
			 bad ? bad : "profile");
		ng_cmd_error(out, e);
		return;
	}
	memset(&k, 0, sizeof(k));
	k.suite = XS_SUITE_XSIPURA;
	k.key_len = 16;
	k.salt_len = 16;
	if (b64_exact(ng_dict_get(req, "master-key"), k.key, 16) ||
	    b64_exact(ng_dict_get(req, "master-salt"), k.salt, 16)) {
		call_key_clear(&k);
		ng_cmd_error(out, "'master-key' and 'master-salt' must be base64 of 16 bytes each");
		return;
	}
	k.xsipura = (struct xs_dp_xsipura){ .auth = a.srtp_auth, .tag_len = a.srtp_tag_len,
					    .kdf = a.srtp_kdf, .salt_len = a.srtp_salt_len,
					    .auth_key_len = a.srtp_auth_key_len,
					    .rtcp_encrypted = a.srtcp == XSP_SRTCP_ENCRYPTED };
	struct call_stream *s = &c->leg[L].media[m - 1];
	struct call_stream saved = *s;
	const struct ng_val *ssrc = ng_dict_get(req, "ssrc");
	s->rx = k;
	s->tx = k;
	s->xsipura = true;
	s->xsipura_rx_ssrc = ssrc && ssrc->type == NG_INT ? (uint32_t)ssrc->i : 0;
	call_key_clear(&k);
	call_stream_update(&saved, s, c->state == CALL_ANSWERED);
	if (store_save(d->store, c)) {
		*s = saved;
		explicit_bzero(&saved, sizeof(saved));
		d->cnt.store_errors++;
		ng_cmd_error(out, "state could not be stored; keys not installed");
		return;
	}
	explicit_bzero(&saved, sizeof(saved));
	d->cnt.xsipura_keys++;
	const char *warning = NULL;
	if (c->state == CALL_ANSWERED && dp_program_call_now(d, c))
		warning = "fast path not connected or refused: keys apply when it is programmed";
	xsd_log(XSD_LOG_INFO, "call %s: x-sipura keys installed on leg %s media %lld", c->call_id,
		tag, (long long)m);
	ng_out_dict_begin(out);
	out_kv_str(out, "result", "ok");
	if (warning)
		out_kv_str(out, "warning", warning);
	ng_out_dict_end(out);
}

/* The SIP edge reports a SPA leg that did not go secure and why; the call
 * shows it (query, xsipura-query, xsrelayctl show). */
static void cmd_xsipura_insecure(struct xsd *d, const struct ng_val *req, struct ng_opts *o,
				 struct ng_out *out)
{
	char reason[80];
	struct call *c = o->call_id ? call_find(&d->calls, o->call_id) : NULL;
	const struct ng_val *rv = ng_dict_get(req, "reason");
	if (!c) {
		ng_cmd_error(out, o->call_id ? "unknown call-id" : "xsipura-insecure needs call-id");
		return;
	}
	if (!rv || ng_str_copy(rv, reason, sizeof(reason))) {
		ng_cmd_error(out, "xsipura-insecure needs 'reason', a string of at most 79 bytes");
		return;
	}
	snprintf(c->security_note, sizeof(c->security_note), "INSECURE: %s", reason);
	/* A leg reported insecure is plain: x-sipura keys installed before the
	 * handshake failed (the edge installs them before the phone switches) go. */
	bool cleared = false;
	for (int l = 0; l < 2; l++)
		for (int m = 0; m < c->leg[l].nmedia; m++) {
			struct call_stream *st = &c->leg[l].media[m], old;
			if (!st->xsipura)
				continue;
			old = *st;
			call_key_clear(&st->rx);
			call_key_clear(&st->tx);
			st->xsipura = false;
			call_stream_update(&old, st, c->state == CALL_ANSWERED);
			explicit_bzero(&old, sizeof(old));
			cleared = true;
		}
	if (cleared && c->state == CALL_ANSWERED)
		dp_program_call(d, c); /* the flows go back to plain on that leg */
	if (store_save(d->store, c))
		d->cnt.store_errors++;
	xsd_log(XSD_LOG_WARN, "call %s: %s", c->call_id, c->security_note);
	ng_out_dict_begin(out);
	out_kv_str(out, "result", "ok");
	ng_out_dict_end(out);
}

static void cmd_xsipura_query(struct xsd *d, struct ng_opts *o, struct ng_out *out)
{
	struct call *c = o->call_id ? call_find(&d->calls, o->call_id) : NULL;
	if (!c) {
		ng_cmd_error(out, o->call_id ? "unknown call-id" : "xsipura-query needs call-id");
		return;
	}
	ng_out_dict_begin(out);
	out_kv_str(out, "result", "ok");
	if (c->security_note[0])
		out_kv_str(out, "security", c->security_note);
	ng_out_key(out, "legs");
	ng_out_list_begin(out);
	for (int l = 0; l < 2; l++) {
		if (!c->leg[l].tag[0])
			continue;
		ng_out_dict_begin(out);
		out_kv_str(out, "tag", c->leg[l].tag);
		ng_out_key(out, "medias");
		ng_out_list_begin(out);
		for (int m = 0; m < c->leg[l].nmedia; m++) {
			const struct call_stream *s = &c->leg[l].media[m];
			ng_out_dict_begin(out);
			out_kv_int(out, "index", m + 1);
			out_kv_str(out, "security", s->xsipura ? "x-sipura" :
				   s->rx.suite ? "sdes" : "plain");
			out_kv_str(out, "crypto in", xs_srtp_suite_name(s->rx.suite));
			out_kv_str(out, "crypto out", xs_srtp_suite_name(s->tx.suite));
			if (s->xsipura)
				out_kv_int(out, "ssrc", s->xsipura_rx_ssrc);
			ng_out_dict_end(out);
		}
		ng_out_list_end(out);
		ng_out_dict_end(out);
	}
	ng_out_list_end(out);
	ng_out_dict_end(out);
}

void ng_cmd_bind(struct xsd *d)
{
	g_errors = &d->cnt.ng_errors;
}

void ng_cmd_handle(struct xsd *d, const struct ng_val *req, struct ng_out *out)
{
	g_errors = &d->cnt.ng_errors;
	char cmd[32];
	static struct ng_opts o;
	const struct ng_val *cv = ng_dict_get(req, "command");
	if (!cv || ng_str_copy(cv, cmd, sizeof(cmd))) {
		ng_cmd_error(out, "no 'command' string in the request");
		return;
	}
	if (!parse_opts(d, req, &o)) {
		ng_cmd_error(out, o.err);
		return;
	}
	static const char *const names[] = {
#define NG_NAME(n) #n,
		NG_COMMANDS(NG_NAME)
#undef NG_NAME
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char want[32];
		copy_str(want, sizeof(want), names[i]);
		for (char *p = want; *p; p++)
			if (*p == '_')
				*p = '-';
		if (!strcasecmp(cmd, want))
			d->cmd_count[i]++;
	}
	if (!strcasecmp(cmd, "ping")) {
		ng_out_dict_begin(out);
		out_kv_str(out, "result", "pong");
		ng_out_dict_end(out);
	} else if (!strcasecmp(cmd, "offer")) {
		cmd_offer(d, &o, out);
	} else if (!strcasecmp(cmd, "answer")) {
		cmd_answer(d, &o, out);
	} else if (!strcasecmp(cmd, "delete")) {
		cmd_delete(d, &o, out);
	} else if (!strcasecmp(cmd, "query")) {
		cmd_query(d, &o, out);
	} else if (!strcasecmp(cmd, "list")) {
		cmd_list(d, req, out);
	} else if (!strcasecmp(cmd, "statistics")) {
		cmd_statistics(d, out);
	} else if (!strcasecmp(cmd, "xsipura-keys")) {
		cmd_xsipura_keys(d, req, &o, out);
	} else if (!strcasecmp(cmd, "xsipura-insecure")) {
		cmd_xsipura_insecure(d, req, &o, out);
	} else if (!strcasecmp(cmd, "xsipura-query")) {
		cmd_xsipura_query(d, &o, out);
	} else {
		char e[80];
		snprintf(e, sizeof(e), "unknown command '%s'", cmd);
		ng_cmd_error(out, e);
	}
}
