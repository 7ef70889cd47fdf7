/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The edge's calls: two libre SIP sessions joined, media anchored through
 * xsrelayd, and the x-sipura handshake with the SPA phone in either role.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/rand.h>

#include "ng_codec.h"
#include "sip_edge.h"
#include "sip_ng.h"
#include "sip_sdp_dir.h"
#include "xsipura_b64.h"
#include "xsipura_hs.h"
#include "xsipura_mint.h"

/* Our re-INVITEs to one side that await its answer, oldest first, and what each
 * carries: a re-offer passed on from the other side, or a correction (the
 * relay's SDP toward this side came out other than the edge had answered). */
struct edge_reinv {
	unsigned n;
	uint32_t corr; /* bit i: the i-th pending one is a correction */
};

struct edge_call {
	struct le le;
	struct edge *e;
	bool spa_calls;           /* the SPA phone is the caller (its leg is `in`) */
	struct sipsess *in;       /* the session we accepted */
	struct sipsess *out;      /* the session we placed */
	char callid[128];         /* xsrelayd's call-id: the accepted leg's Call-ID */
	char from_tag[128];       /* ng from-tag: the caller's tag on the accepted leg */
	char to_tag[128];         /* ng to-tag: the answerer's tag on the placed leg */
	char spa_user[XSP_MC_ID_LEN + 1];
	char other_user[XSP_MC_ID_LEN + 1]; /* dialled (SPA calls) or calling user */
	struct mbuf *sdp_to_in;   /* the last SDP we gave each side (re-INVITEs) */
	struct mbuf *sdp_to_out;
	struct mbuf *sdp_from_in; /* the last SDP each side gave us */
	struct mbuf *sdp_from_out;
	struct edge_origin origin_in, origin_out; /* o= of what we send each side */
	bool origin_in_set, origin_out_set;
	struct edge_reinv reinv_to_in; /* our re-INVITEs with SDP, not answered */
	struct edge_reinv reinv_to_out;
	struct xsp_hs hs;
	struct xsp_subkey *hs_key;
	struct sip_request *hs_req; /* our x-sipura INFO to the SPA phone, while pending */
	struct list infos;        /* INFOs passed on whose senders await the answer */
	bool hs_ready, secure, answered, ng_call;
	bool insecure_done;       /* the policy ran once; later failures change nothing */
	bool rejected;            /* the caller already got a final error response */
	struct tmr end_tmr;
	struct tmr secure_tmr;
};

void edge_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "xsrelay-sip: ");
	re_vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ------------------------------------------------------------------ xsrelayd */

static void ng_common(struct ng_out *o, const char *cmd, const struct edge_call *c,
		      const char *from_tag)
{
	ng_out_init(o, NG_BENCODE);
	ng_out_dict_begin(o);
	ng_out_key(o, "command");
	ng_out_cstr(o, cmd);
	ng_out_key(o, "call-id");
	ng_out_cstr(o, c->callid);
	ng_out_key(o, "from-tag");
	ng_out_cstr(o, from_tag);
}

/* ng's tag of a side: the caller on the accepted leg (`in`), the answerer on
 * the placed leg. */
static const char *side_tag(const struct edge_call *c, bool in)
{
	return in ? c->from_tag : c->to_tag;
}

static bool side_is_spa(const struct edge_call *c, bool in)
{
	return in == c->spa_calls;
}

static void ng_sdp(struct ng_out *o, const struct mbuf *sdp, const char *proto,
		   const char *dir0, const char *dir1)
{
	ng_out_key(o, "sdp");
	ng_out_str(o, (const char *)mbuf_buf(sdp), mbuf_get_left(sdp));
	ng_out_key(o, "replace");
	ng_out_list_begin(o);
	ng_out_cstr(o, "origin");
	ng_out_cstr(o, "session-connection");
	ng_out_list_end(o);
	if (proto) {
		ng_out_key(o, "transport-protocol");
		ng_out_cstr(o, proto);
	}
	if (dir0) {
		ng_out_key(o, "direction");
		ng_out_list_begin(o);
		ng_out_cstr(o, dir0);
		ng_out_cstr(o, dir1);
		ng_out_list_end(o);
	}
}

/* Runs an ng offer or answer for an offer made by one side (offer_in: the
 * accepted leg's); the rewritten SDP in a new mbuf, or NULL. */
static struct mbuf *ng_media(struct edge_call *c, const char *cmd, const struct mbuf *sdp,
			     const char *proto, bool offer_in)
{
	struct edge *e = c->e;
	struct ng_out o;
	bool offer = !strcmp(cmd, "offer");
	ng_common(&o, cmd, c, side_tag(c, offer_in));
	if (!offer) {
		ng_out_key(&o, "to-tag");
		ng_out_cstr(&o, side_tag(c, !offer_in));
	}
	bool spa = side_is_spa(c, offer_in);
	const char *d0 = spa ? e->cfg.iface_spa : e->cfg.iface_up;
	const char *d1 = spa ? e->cfg.iface_up : e->cfg.iface_spa;
	ng_sdp(&o, sdp, proto, offer ? d0 : NULL, d1);
	ng_out_dict_end(&o);
	const struct ng_val *r = sip_ng_call(e->ng, &o);
	ng_out_free(&o);
	const char *err = sip_ng_error(r);
	if (err) {
		edge_log("call %s: xsrelayd %s failed: %s", c->callid, cmd, err);
		return NULL;
	}
	const struct ng_val *s = ng_dict_str(r, "sdp");
	struct mbuf *mb = s ? mbuf_alloc(s->len) : NULL;
	if (mb) {
		mbuf_write_mem(mb, (const uint8_t *)s->s, s->len);
		mb->pos = 0;
	}
	if (offer)
		c->ng_call = true;
	return mb;
}

static void ng_delete(struct edge_call *c)
{
	struct ng_out o;
	if (!c->ng_call)
		return;
	ng_common(&o, "delete", c, c->from_tag);
	ng_out_dict_end(&o);
	const char *err = sip_ng_error(sip_ng_call(c->e->ng, &o));
	ng_out_free(&o);
	if (err)
		edge_log("call %s: xsrelayd delete: %s", c->callid, err);
	c->ng_call = false;
}

/* Installs the handshake's key on the SPA leg in xsrelayd. */
static int ng_keys(struct edge_call *c, const uint8_t key[16], const uint8_t salt[16],
		   uint32_t ssrc)
{
	char k64[32], s64[32];
	struct ng_out o;
	if (xsp_b64_encode(key, 16, 0, k64, sizeof(k64), NULL) ||
	    xsp_b64_encode(salt, 16, 0, s64, sizeof(s64), NULL))
		return -1;
	ng_out_init(&o, NG_BENCODE);
	ng_out_dict_begin(&o);
	ng_out_key(&o, "command");
	ng_out_cstr(&o, "xsipura-keys");
	ng_out_key(&o, "call-id");
	ng_out_cstr(&o, c->callid);
	ng_out_key(&o, "tag");
	ng_out_cstr(&o, c->spa_calls ? c->from_tag : c->to_tag);
	ng_out_key(&o, "master-key");
	ng_out_cstr(&o, k64);
	ng_out_key(&o, "master-salt");
	ng_out_cstr(&o, s64);
	ng_out_key(&o, "ssrc");
	ng_out_int(&o, ssrc);
	ng_out_key(&o, "profile");
	ng_out_cstr(&o, c->e->cfg.assume);
	ng_out_dict_end(&o);
	const char *err = sip_ng_error(sip_ng_call(c->e->ng, &o));
	OPENSSL_cleanse(o.buf, o.len);
	ng_out_free(&o);
	OPENSSL_cleanse(k64, sizeof(k64));
	OPENSSL_cleanse(s64, sizeof(s64));
	if (err) {
		edge_log("call %s: installing x-sipura keys failed: %s", c->callid, err);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ calls */

/* An SDP mbuf dropped: an SDES SDP holds keys. */
static void sdp_free(struct mbuf *mb)
{
	if (mb && mem_nrefs(mb) == 1 && mb->buf)
		OPENSSL_cleanse(mb->buf, mb->size);
	mem_deref(mb);
}

static struct mbuf *sdp_copy(const struct mbuf *from)
{
	size_t n = from ? mbuf_get_left(from) : 0;
	struct mbuf *mb = n ? mbuf_alloc(n) : NULL;
	if (mb) {
		mbuf_write_mem(mb, mbuf_buf(from), n);
		mb->pos = 0;
	}
	return mb;
}

static void info_flush(struct edge_call *c);

static void call_destructor(void *arg)
{
	struct edge_call *c = arg;
	info_flush(c);              /* 487 to INFOs still awaiting the other side */
	c->hs_req = mem_deref(c->hs_req); /* a pending INFO: its handler is not called */
	tmr_cancel(&c->secure_tmr);
	tmr_cancel(&c->end_tmr);
	list_unlink(&c->le);
	c->in = mem_deref(c->in);   /* BYE, CANCEL or a final reply, as libre sees fit */
	c->out = mem_deref(c->out);
	ng_delete(c);
	if (c->hs_ready)
		xsp_hs_clear(&c->hs);
	xsp_subkey_free(c->hs_key);
	sdp_free(c->sdp_to_in);
	sdp_free(c->sdp_to_out);
	sdp_free(c->sdp_from_in);
	sdp_free(c->sdp_from_out);
}

static void end_call(struct edge_call *c, const char *why)
{
	edge_log("call %s ended: %s", c->callid, why);
	mem_deref(c);
}

static void end_tmr_h(void *arg)
{
	end_call(arg, "xsrelayd refused the answer");
}

static void pl_user(const struct pl *pl, char *out, size_t cap)
{
	size_t n = pl->l < cap - 1 ? pl->l : cap - 1;
	memcpy(out, pl->p, n);
	out[n] = '\0';
}

/* Tells xsrelayd, so that `xsrelayctl show` says why the SPA leg is plain. */
static void ng_insecure(struct edge_call *c, const char *why)
{
	struct ng_out o;
	ng_out_init(&o, NG_BENCODE);
	ng_out_dict_begin(&o);
	ng_out_key(&o, "command");
	ng_out_cstr(&o, "xsipura-insecure");
	ng_out_key(&o, "call-id");
	ng_out_cstr(&o, c->callid);
	ng_out_key(&o, "reason");
	ng_out_str(&o, why, strlen(why) < 79 ? strlen(why) : 79);
	ng_out_dict_end(&o);
	const char *err = sip_ng_error(sip_ng_call(c->e->ng, &o));
	ng_out_free(&o);
	if (err)
		edge_log("call %s: could not mark the call insecure in xsrelayd: %s", c->callid, err);
}

/*
 * Sends an INFO on a leg's dialog with a response handler. Not with
 * sipsess_info: libre's session ends itself when an INFO of it times out or
 * gets 408 or 481; here the caller decides what an INFO's failure means.
 */
static int dlg_info(struct edge_call *c, struct sipsess *to, struct sip_request **reqp,
		    const char *ctype, const void *body, size_t len, sip_resp_h *resph,
		    void *arg)
{
	struct sip_dialog *dlg = to ? sipsess_dialog(to) : NULL;
	if (!dlg || !sip_dialog_established(dlg))
		return ENOTCONN;
	return sip_drequestf(reqp, c->e->sip, true, "INFO", dlg, 0, NULL, NULL, resph, arg,
			     "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n%b", ctype, len,
			     (const char *)body, len);
}

/* ---- INFOs that are not x-sipura: passed on, answered with the other side's answer ---- */

#define INFO_PENDING_MAX 8
/* The sender's own INFO transaction gives up after 64*T1 = 32 s, and so would
 * ours to the other side a little later: the sender gets 408 from the edge
 * before its own timer runs out. */
#define INFO_ANSWER_MS 30000

/* An INFO from one side passed on to the other, until its sender has an answer. */
struct edge_info {
	struct le le;
	struct edge_call *c;
	bool from_in;              /* the sender is the accepted leg */
	uint32_t cseq;             /* the sender's CSeq */
	const struct sip_msg *msg; /* the sender's INFO */
	struct sip_strans *st;     /* its server transaction, open from the start: libre
				    * absorbs the sender's retransmissions in it */
	struct sip_request *req;   /* ours to the other side, until its final response */
	struct tmr tmr;
};

static const char *side_name(const struct edge_call *c, bool in)
{
	return in == c->spa_calls ? "SPA" : "upstream";
}

static void info_destructor(void *arg)
{
	struct edge_info *i = arg;
	tmr_cancel(&i->tmr);
	list_unlink(&i->le);
	i->req = mem_deref(i->req); /* still pending: its response handler is not called */
	i->st = mem_deref(i->st);   /* not answered (out of memory only) */
	mem_deref((void *)i->msg);
}

/* Answers the sender (with resp's body, if any) and drops the record. */
static void info_answer(struct edge_info *i, uint16_t scode, const char *reason,
			const struct sip_msg *resp)
{
	struct sip *sip = i->c->e->sip;
	size_t len = resp ? mbuf_get_left(resp->mb) : 0;
	int err;
	if (len && pl_isset(&resp->ctyp.type))
		err = sip_treplyf(&i->st, NULL, sip, i->msg, false, scode, reason,
				  "Content-Type: %r/%r\r\nContent-Length: %zu\r\n\r\n%b",
				  &resp->ctyp.type, &resp->ctyp.subtype, len,
				  (const char *)mbuf_buf(resp->mb), len);
	else
		err = sip_treplyf(&i->st, NULL, sip, i->msg, false, scode, reason,
				  "Content-Length: 0\r\n\r\n");
	if (err)
		edge_log("call %s: answering an INFO from the %s side %u failed: %m",
			 i->c->callid, side_name(i->c, i->from_in), scode, err);
	mem_deref(i);
}

static void info_flush(struct edge_call *c)
{
	struct le *le;
	while ((le = list_head(&c->infos)))
		info_answer(le->data, 487, "Request Terminated", NULL);
}

static void info_timeout(void *arg)
{
	struct edge_info *i = arg;
	edge_log("call %s: the %s side did not answer an INFO in %u s: 408 to the %s side",
		 i->c->callid, side_name(i->c, !i->from_in), INFO_ANSWER_MS / 1000,
		 side_name(i->c, i->from_in));
	info_answer(i, 408, "Request Timeout", NULL);
}

/*
 * The other side's response to an INFO passed on: its final response goes to
 * the sender. A failure of the INFO (408, a timeout, another error) ends
 * nothing; only a 481 (the other side no longer knows the dialog) ends the
 * call, after the sender has it.
 */
static void info_resp(int err, const struct sip_msg *msg, void *arg)
{
	struct edge_info *i = arg;
	struct edge_call *c = i->c;
	const char *to = side_name(c, !i->from_in), *from = side_name(c, i->from_in);
	char reason[96];
	if (!err && msg && msg->scode < 200)
		return; /* provisional: the sender waits on */
	if (err || !msg) {
		bool tmo = err == ETIMEDOUT;
		edge_log("call %s: an INFO to the %s side failed (%m): %u to the %s side", c->callid,
			 to, err ? err : EPROTO, tmo ? 408 : 503, from);
		info_answer(i, tmo ? 408 : 503, tmo ? "Request Timeout" : "Service Unavailable",
			    NULL);
		return;
	}
	if (pl_strcpy(&msg->reason, reason, sizeof(reason)))
		reason[0] = '\0';
	uint16_t scode = msg->scode;
	if (scode >= 300)
		edge_log("call %s: the %s side answered an INFO %u %s: passed on to the %s side",
			 c->callid, to, scode, reason, from);
	info_answer(i, scode, reason, msg);
	if (scode == 481)
		end_call(c, "the other side answered an INFO with 481");
}

/*
 * An INFO that is not x-sipura from one side (from_in: the accepted leg):
 * passed on to the other side with its Content-Type and body, and answered
 * with the other side's final response when it comes (408 after
 * INFO_ANSWER_MS without one). libre 1.1 hands in-dialog INFOs to the session
 * without a server transaction, and a retransmission (same CSeq) passes its
 * CSeq check: so the edge opens the transaction itself, in which libre's
 * transaction layer absorbs retransmissions (same Via branch) until the
 * answer, and repeats the answer after it.
 */
static void pass_info(struct edge_call *c, const struct sip_msg *msg, bool from_in)
{
	struct sipsess *to = from_in ? c->out : c->in;
	unsigned n = 0;
	char ctype[128];
	for (struct le *le = list_head(&c->infos); le; le = le->next, n++) {
		const struct edge_info *p = le->data;
		if (p->from_in == from_in && p->cseq == msg->cseq.num) {
			/* the same CSeq with another branch: not a retransmission
			 * libre can tell; not passed on twice either */
			edge_log("call %s: an INFO from the %s side repeats CSeq %u of one that is "
				 "not answered yet: ignored", c->callid, side_name(c, from_in),
				 msg->cseq.num);
			return;
		}
	}
	if (n >= INFO_PENDING_MAX) {
		sip_treplyf(NULL, NULL, c->e->sip, msg, false, 500, "Server Internal Error",
			    "Retry-After: 1\r\nContent-Length: 0\r\n\r\n");
		return;
	}
	struct edge_info *i = mem_zalloc(sizeof(*i), info_destructor);
	if (!i) {
		sip_treply(NULL, c->e->sip, msg, 500, "Server Internal Error");
		return;
	}
	i->c = c;
	i->from_in = from_in;
	i->cseq = msg->cseq.num;
	i->msg = mem_ref((void *)msg);
	list_append(&c->infos, &i->le, i);
	if (pl_isset(&msg->ctyp.type))
		re_snprintf(ctype, sizeof(ctype), "%r/%r", &msg->ctyp.type, &msg->ctyp.subtype);
	else
		snprintf(ctype, sizeof(ctype), "application/octet-stream");
	int err = sip_strans_alloc(&i->st, c->e->sip, msg, NULL, NULL);
	if (!err)
		err = dlg_info(c, to, &i->req, ctype, mbuf_buf(msg->mb), mbuf_get_left(msg->mb),
			       info_resp, i);
	if (err) {
		edge_log("call %s: an INFO from the %s side could not be passed on: %m",
			 c->callid, side_name(c, from_in), err);
		if (err == ENOTCONN)
			info_answer(i, 480, "Temporarily Unavailable", NULL);
		else
			info_answer(i, 500, "Server Internal Error", NULL);
		return;
	}
	tmr_start(&i->tmr, INFO_ANSWER_MS, info_timeout, i);
}

static void insecure(struct edge_call *c, const char *why)
{
	struct edge *e = c->e;
	if (c->insecure_done || c->secure)
		return;
	c->insecure_done = true;
	tmr_cancel(&c->secure_tmr);
	e->st.handshakes_failed++;
	ng_insecure(c, why);
	if (e->cfg.insecure == EDGE_INSECURE_HANGUP) {
		e->st.insecure_hungup++;
		edge_log("call %s: x-sipura: %s; policy hangup: ending the call", c->callid, why);
		mem_deref(c);
		return;
	}
	e->st.insecure_kept++;
	edge_log("call %s: x-sipura: %s; policy keep: the SPA leg stays plain RTP (INSECURE)",
		 c->callid, why);
}

static void secure_timeout(void *arg)
{
	struct edge_call *c = arg;
	if (!c->secure)
		insecure(c, "no handshake completed in time");
}

static void went_secure(struct edge_call *c, const char *role)
{
	c->secure = true;
	tmr_cancel(&c->secure_tmr);
	c->e->st.handshakes_ok++;
	edge_log("call %s: x-sipura handshake complete (edge is %s), SPA leg now SRTP", c->callid,
		 role);
}

/* Our certificate and key for this call: minted for `user` with the provider CA. */
static int hs_setup(struct edge_call *c, enum xsp_role role)
{
	struct edge *e = c->e;
	uint8_t expiry[XSP_EXPIRY_LEN];
	struct xsp_mc mc;
	uint32_t ssrc;
	const char *user = role == XSP_ROLE_CALLEE ? c->other_user : c->other_user[0] ?
		c->other_user : "xsrelay";
	xsp_subkey_free(c->hs_key); /* a retried handshake: the old key goes */
	c->hs_key = NULL;
	if (xsp_expiry_parse(e->cfg.mc_expire, expiry) ||
	    xsp_mint(e->ca, e->pool, user, user, expiry, &mc, &c->hs_key)) {
		edge_log("call %s: x-sipura: cannot mint a certificate for '%s'", c->callid, user);
		return -1;
	}
	RAND_bytes((uint8_t *)&ssrc, sizeof(ssrc));
	struct xsp_hs_config cfg = { .role = role, .assumptions = e->assume, .ca = e->ca,
				     .own_mc = &mc, .own_key = c->hs_key, .own_ssrc = ssrc,
				     .dialled_user_id = role == XSP_ROLE_CALLER ? c->spa_user : NULL };
	enum xsp_err rc = xsp_hs_init(&c->hs, &cfg);
	if (rc) {
		edge_log("call %s: x-sipura: %s", c->callid, xsp_err_str(rc));
		xsp_subkey_free(c->hs_key);
		c->hs_key = NULL;
		return -1;
	}
	c->hs_ready = true;
	return 0;
}

static int reply_info(struct edge_call *c, const struct sip_msg *msg, uint16_t scode,
		      const char *reason, const char *body, size_t len)
{
	return sip_treplyf(NULL, NULL, c->e->sip, msg, false, scode, reason,
			   "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n%b",
			   len ? c->e->assume.content_type : "text/plain", len, body, len);
}

/* The SPA calls out: it sends the Hello and the Final; the edge is the callee. */
static void spa_info_callee(struct edge_call *c, const struct sip_msg *msg)
{
	const char *body = (const char *)mbuf_buf(msg->mb);
	size_t len = mbuf_get_left(msg->mb);
	char reply[XSP_BODY_MAX_LEN];
	size_t rlen = 0;
	enum xsp_err rc;
	switch (xsp_body_classify(body, len, (enum xsp_key_wrap)c->e->assume.key_wrap)) {
	case XSP_BODY_HELLO:
		if (!c->hs_ready && hs_setup(c, XSP_ROLE_CALLEE)) {
			reply_info(c, msg, 500, "Server Error", NULL, 0);
			return;
		}
		rc = xsp_hs_callee_on_caller_hello(&c->hs, body, len, time(NULL), reply,
						   sizeof(reply), &rlen);
		if (rc) {
			sip_treplyf(NULL, NULL, c->e->sip, msg, false, 488, "Not Acceptable Here",
				    "Warning: 399 xsrelay \"x-sipura: %s\"\r\nContent-Length: 0\r\n\r\n",
				    xsp_err_name(rc));
			insecure(c, xsp_err_str(rc));
			return;
		}
		edge_log("call %s: x-sipura Caller Hello from %s accepted, Callee Hello sent "
			 "(certificate minted for %s)", c->callid, c->spa_user, c->other_user);
		reply_info(c, msg, 200, "OK", reply, rlen);
		return;
	case XSP_BODY_FINAL:
		if (!c->hs_ready) {
			reply_info(c, msg, 488, "Not Acceptable Here", NULL, 0);
			return;
		}
		rc = xsp_hs_callee_on_caller_final(&c->hs, body, len);
		struct xsp_hs_keys k;
		if (rc || xsp_hs_keys(&c->hs, &k)) {
			sip_treplyf(NULL, NULL, c->e->sip, msg, false, 488, "Not Acceptable Here",
				    "Warning: 399 xsrelay \"x-sipura: %s\"\r\nContent-Length: 0\r\n\r\n",
				    xsp_err_name(rc ? rc : XSP_E_STATE));
			insecure(c, xsp_err_str(rc ? rc : XSP_E_STATE));
			return;
		}
		/* keys in place before the 200: the phone switches when it sees it */
		int krc = ng_keys(c, k.master_key, k.master_salt, k.peer_ssrc);
		OPENSSL_cleanse(&k, sizeof(k));
		if (krc) {
			reply_info(c, msg, 500, "Server Error", NULL, 0);
			insecure(c, "the relay did not take the keys");
			return;
		}
		reply_info(c, msg, 200, "OK", NULL, 0);
		went_secure(c, "callee");
		return;
	default:
		/* not x-sipura: the other side answers it */
		pass_info(c, msg, true);
	}
}

/*
 * Sends an x-sipura INFO to the called SPA phone on its dialog (dlg_info, not
 * sipsess_info, whose session would end on a timeout or 408 whatever the
 * insecure policy says). Here an unanswered INFO is one more way for the
 * handshake to fail (hs_info_failed).
 */
static int spa_info(struct edge_call *c, const char *body, size_t len, sip_resp_h *resph)
{
	c->hs_req = mem_deref(c->hs_req);
	return dlg_info(c, c->out, &c->hs_req, c->e->assume.content_type, body, len, resph, c);
}

/*
 * A failed response to spa_info's INFO (what: "Caller Hello", "Caller Final"):
 * the insecure policy runs, with the reason; 481 (the phone no longer has the
 * dialog) ends the call, as the SPA leg is gone.
 */
static void hs_info_failed(struct edge_call *c, int err, const struct sip_msg *msg,
			   const char *what)
{
	char why[80];
	if (msg && msg->scode == 481) {
		snprintf(why, sizeof(why), "the phone answered the %s with 481", what);
		end_call(c, why);
		return;
	}
	if (err == ETIMEDOUT)
		snprintf(why, sizeof(why), "the phone did not answer the %s (INFO timed out)", what);
	else if (err || !msg)
		re_snprintf(why, sizeof(why), "the %s INFO failed: %m", what, err ? err : EPROTO);
	else
		re_snprintf(why, sizeof(why), "the phone refused the %s (%u %r)", what, msg->scode,
			    &msg->reason);
	insecure(c, why);
}

static void hs_final_resp(int err, const struct sip_msg *msg, void *arg)
{
	struct edge_call *c = arg;
	if (!err && msg && msg->scode < 200)
		return; /* provisional */
	if (err || !msg || msg->scode != 200) {
		hs_info_failed(c, err, msg, "Caller Final");
		return;
	}
	if (xsp_hs_caller_on_callee_final(&c->hs, (const char *)mbuf_buf(msg->mb),
					  mbuf_get_left(msg->mb))) {
		insecure(c, "unexpected Callee Final");
		return;
	}
	went_secure(c, "caller");
}

static void hs_hello_resp(int err, const struct sip_msg *msg, void *arg)
{
	struct edge_call *c = arg;
	char body[XSP_BODY_MAX_LEN];
	size_t len = 0;
	if (!err && msg && msg->scode < 200)
		return; /* provisional */
	if (err || !msg || msg->scode != 200) {
		hs_info_failed(c, err, msg, "Caller Hello");
		return;
	}
	enum xsp_err rc = xsp_hs_caller_on_callee_hello(&c->hs, (const char *)mbuf_buf(msg->mb),
							mbuf_get_left(msg->mb), time(NULL));
	if (rc) {
		insecure(c, xsp_err_str(rc)); /* signature, CA, expiry, or not the called user */
		return;
	}
	rc = xsp_hs_caller_final(&c->hs, body, sizeof(body), &len);
	if (rc) {
		insecure(c, xsp_err_str(rc));
		return;
	}
	/* The phone switches to SRTP when it answers the Final: the relay gets the
	 * keys now, so that its first SRTP packets already find them. */
	if (ng_keys(c, c->hs.master_key, c->hs.master_salt, c->hs.peer_hello.ssrc)) {
		insecure(c, "the relay did not take the keys");
		return;
	}
	err = spa_info(c, body, len, hs_final_resp);
	OPENSSL_cleanse(body, sizeof(body));
	if (err) {
		hs_info_failed(c, err, NULL, "Caller Final");
		return;
	}
	edge_log("call %s: x-sipura Callee Hello from %s verified (CA, expiry, user id); "
		 "Caller Final sent", c->callid, c->spa_user);
}

/* The SPA is called: after its ACK the edge starts the exchange as caller. */
static void start_caller_hs(struct edge_call *c)
{
	char body[XSP_BODY_MAX_LEN];
	size_t len = 0;
	if (hs_setup(c, XSP_ROLE_CALLER) || xsp_hs_caller_hello(&c->hs, body, sizeof(body), &len)) {
		insecure(c, "could not start the handshake");
		return;
	}
	int err = spa_info(c, body, len, hs_hello_resp);
	if (err) {
		hs_info_failed(c, err, NULL, "Caller Hello");
		return;
	}
	edge_log("call %s: x-sipura Caller Hello sent to %s", c->callid, c->spa_user);
}

/* ------------------------------------------------------------------ session handlers */

/* ---- re-INVITEs: re-anchored through xsrelayd ---- */

static struct mbuf *mbuf_of(const char *p, long n)
{
	struct mbuf *mb = n > 0 ? mbuf_alloc((size_t)n) : NULL;
	if (mb) {
		mbuf_write_mem(mb, (const uint8_t *)p, (size_t)n);
		mb->pos = 0;
	}
	return mb;
}

static bool sdp_same(const struct mbuf *a, const struct mbuf *b)
{
	return a && b && mbuf_get_left(a) == mbuf_get_left(b) &&
	       !memcmp(mbuf_buf(a), mbuf_buf(b), mbuf_get_left(a));
}

static void reinv_push(struct edge_reinv *q, bool corr)
{
	if (q->n >= 32)
		return; /* not kept: its answer will change nothing */
	q->corr |= (uint32_t)corr << q->n;
	q->n++;
}

/* The oldest pending re-INVITE, taken off: 0 a re-offer, 1 a correction, -1 none. */
static int reinv_pop(struct edge_reinv *q)
{
	if (!q->n)
		return -1;
	int corr = q->corr & 1;
	q->corr >>= 1;
	q->n--;
	return corr;
}

/*
 * Takes sdp (consumed) as the next SDP for one side: the o= line keeps the
 * user and sess-id of the first SDP that side got from us, and its version
 * goes up by one when the SDP differs from the last one (RFC 3264 section 8).
 * Becomes the side's sdp_to_*; returns it (a reference of the call's), or NULL.
 * *changed: it differs from the last one.
 */
static struct mbuf *to_side(struct edge_call *c, bool in, struct mbuf *sdp, bool *changed)
{
	static char out[72 * 1024];
	struct mbuf **last = in ? &c->sdp_to_in : &c->sdp_to_out;
	struct edge_origin *o = in ? &c->origin_in : &c->origin_out;
	bool *set = in ? &c->origin_in_set : &c->origin_out_set;
	struct mbuf *mb = sdp;
	*changed = true;
	if (!sdp)
		return NULL;
	if (!*set) {
		*set = !edge_sdp_origin_get((const char *)mbuf_buf(sdp), mbuf_get_left(sdp), o);
	} else {
		for (int pass = 0; pass < 2 && mb == sdp; pass++) {
			long n = edge_sdp_origin_set((const char *)mbuf_buf(sdp), mbuf_get_left(sdp),
						     o, out, sizeof(out));
			struct mbuf *v = mbuf_of(out, n);
			if (n > 0)
				OPENSSL_cleanse(out, (size_t)n);
			if (!v)
				break;
			if (pass == 0 && sdp_same(v, *last)) {
				*changed = false;
				mb = v;
			} else if (pass == 0) {
				sdp_free(v);
				o->version++;
			} else {
				mb = v;
			}
		}
		if (mb != sdp)
			sdp_free(sdp);
	}
	sdp_free(*last);
	*last = mb;
	return mb;
}

/* The transport xsrelayd gives a side in a re-offer or re-answer: plain RTP
 * toward the SPA phone; toward the upstream, what its last SDP had. */
static const char *side_proto(const struct edge_call *c, bool in, char *buf, size_t cap)
{
	const struct mbuf *last = in ? c->sdp_from_in : c->sdp_from_out;
	if (side_is_spa(c, in))
		return "RTP/AVP";
	if (last && !edge_sdp_proto((const char *)mbuf_buf(last), mbuf_get_left(last), buf, cap))
		return buf;
	return NULL;
}

/*
 * A re-INVITE with SDP from one side (in: the accepted leg), X; Y is the other.
 * libre 1.1 answers a re-INVITE from inside this handler, so the edge cannot
 * wait for Y. It does, in order:
 *  1. ng offer from X's tag with X's new SDP: the SDP for Y (relay ports and
 *     keys stay; xsrelayd takes X's new address and formats);
 *  2. ng answer with Y's last SDP: xsrelayd re-programs the flows now, so X's
 *     new address or port is used at once, as X expects from our 200;
 *  3. answers X with that SDP: formats cut to those X still offers, direction
 *     mirrored from X's offer;
 *  4. re-INVITEs Y with the SDP of step 1. Y's answer (answer_reoffer) runs the
 *     offer and answer again, and if the relay's SDP toward X comes out other
 *     than step 3 gave (Y chose another format, another direction), X gets a
 *     re-INVITE with it.
 * A re-INVITE without SDP is answered with our last SDP to X (an offer); its
 * answer in the ACK changes nothing.
 */
static int reoffer(struct mbuf **descp, const struct sip_msg *msg, struct edge_call *c, bool in)
{
	static char out[72 * 1024];
	struct mbuf **from_x = in ? &c->sdp_from_in : &c->sdp_from_out;
	struct mbuf *from_y = in ? c->sdp_from_out : c->sdp_from_in;
	struct mbuf *to_x = in ? c->sdp_to_in : c->sdp_to_out;
	struct sipsess *y = in ? c->out : c->in;
	char pbuf[32];
	bool changed;
	const char *side = side_is_spa(c, in) ? "SPA" : "upstream";
	if (!to_x || !from_y || !c->answered)
		return EPROTO;
	if (!mbuf_get_left(msg->mb)) {
		*descp = mbuf_alloc_ref(to_x);
		return *descp ? 0 : ENOMEM;
	}
	int d = edge_sdp_dir((const char *)mbuf_buf(msg->mb), mbuf_get_left(msg->mb));
	struct mbuf *for_y = ng_media(c, "offer", msg->mb, side_proto(c, !in, pbuf, sizeof(pbuf)),
				      in);
	if (!for_y) {
		edge_log("call %s: re-INVITE from the %s side refused (488)", c->callid, side);
		return EPROTO;
	}
	struct mbuf *fx = sdp_copy(msg->mb);
	if (fx) {
		sdp_free(*from_x);
		*from_x = fx;
	}
	struct mbuf *for_x = ng_media(c, "answer", from_y, side_proto(c, in, pbuf, sizeof(pbuf)),
				      in);
	long n = for_x ? edge_sdp_fit_answer((const char *)mbuf_buf(for_x),
					     mbuf_get_left(for_x),
					     (const char *)mbuf_buf(msg->mb),
					     mbuf_get_left(msg->mb), edge_dir_mirror(d), out,
					     sizeof(out)) : -1;
	sdp_free(for_x);
	struct mbuf *ans = mbuf_of(out, n);
	if (n > 0)
		OPENSSL_cleanse(out, (size_t)n);
	if (!ans) {
		sdp_free(for_y);
		edge_log("call %s: re-INVITE from the %s side: no answer from xsrelayd (488)",
			 c->callid, side);
		return EPROTO;
	}
	bool y_changed;
	ans = to_side(c, in, ans, &changed);
	for_y = to_side(c, !in, for_y, &y_changed);
	/* the same SDP again (a session refresh): Y has it already */
	int err = !y_changed ? 0 : y && for_y ? sipsess_modify(y, for_y) : ENOTCONN;
	if (!err && y_changed)
		reinv_push(in ? &c->reinv_to_out : &c->reinv_to_in, false);
	edge_log("call %s: re-INVITE from the %s side (%s), passed on through xsrelayd%s",
		 c->callid, side, edge_dir_name(d), err ? " (could not be sent on)" :
		 y_changed ? "" : " (unchanged: nothing sent on)");
	*descp = ans ? mbuf_alloc_ref(ans) : NULL;
	return *descp ? 0 : ENOMEM;
}

static int offer_in(struct mbuf **descp, const struct sip_msg *msg, void *arg)
{
	return reoffer(descp, msg, arg, true);
}

static int offer_out(struct mbuf **descp, const struct sip_msg *msg, void *arg)
{
	return reoffer(descp, msg, arg, false);
}

/*
 * An answer in a re-INVITE's 200 (or an ACK) from side Y (in: the accepted
 * leg), to one of our re-INVITEs with SDP:
 *  - to a re-offer we passed on from X: xsrelayd gets X's offer and this
 *    answer, and X a corrective re-INVITE if the relay's SDP toward it changed;
 *  - to such a corrective re-INVITE (the relay's SDP for X's media, offered
 *    to Y): xsrelayd gets X's last SDP as the offer and this answer, so that a
 *    new address or port in it reaches the flows. Nothing goes on to X: the
 *    exchange ends here rather than going back and forth.
 * Other answers (in an ACK; to a re-INVITE without SDP) change nothing.
 */
static void answer_reoffer(struct edge_call *c, const struct sip_msg *msg, bool y_in)
{
	struct edge_reinv *pending = y_in ? &c->reinv_to_in : &c->reinv_to_out;
	struct mbuf **from_y = y_in ? &c->sdp_from_in : &c->sdp_from_out;
	struct mbuf *from_x = y_in ? c->sdp_from_out : c->sdp_from_in;
	struct sipsess *x = y_in ? c->out : c->in;
	bool x_in = !y_in, changed;
	const char *y_side = side_is_spa(c, y_in) ? "SPA" : "upstream";
	const char *x_side = side_is_spa(c, x_in) ? "SPA" : "upstream";
	char pbuf[32];
	if (msg->req)
		return;
	int corr = reinv_pop(pending);
	if (corr < 0 || !mbuf_get_left(msg->mb) || !from_x)
		return;
	struct mbuf *fy = sdp_copy(msg->mb);
	if (fy) {
		sdp_free(*from_y);
		*from_y = fy;
	}
	sdp_free(ng_media(c, "offer", from_x, side_proto(c, y_in, pbuf, sizeof(pbuf)), x_in));
	struct mbuf *for_x = ng_media(c, "answer", msg->mb,
				      side_proto(c, x_in, pbuf, sizeof(pbuf)), x_in);
	if (!for_x)
		return; /* logged; the flows stay as they were */
	if (corr) {
		sdp_free(for_x);
		edge_log("call %s: the %s side's answer to the edge's corrective re-INVITE, "
			 "passed on to xsrelayd", c->callid, y_side);
		return;
	}
	for_x = to_side(c, x_in, for_x, &changed);
	if (changed && x && for_x) {
		int err = sipsess_modify(x, for_x);
		if (!err)
			reinv_push(x_in ? &c->reinv_to_in : &c->reinv_to_out, true);
		edge_log("call %s: the %s side answered otherwise than the edge did at once: "
			 "re-INVITE to the %s side%s", c->callid, y_side, x_side,
			 err ? " failed" : "");
	}
}

static int answer_in(const struct sip_msg *msg, void *arg)
{
	answer_reoffer(arg, msg, true);
	return 0;
}

static void estab_in(const struct sip_msg *msg, void *arg)
{
	struct edge_call *c = arg;
	(void)msg;
	if (c->spa_calls && c->e->cfg.secure_timeout)
		tmr_start(&c->secure_tmr, c->e->cfg.secure_timeout * 1000ull, secure_timeout, c);
	edge_log("call %s: established", c->callid);
}

static void info_in(struct sip *sip, const struct sip_msg *msg, void *arg)
{
	struct edge_call *c = arg;
	(void)sip;
	if (c->spa_calls)
		spa_info_callee(c, msg);
	else
		pass_info(c, msg, true);
}

static void close_in(int err, const struct sip_msg *msg, void *arg)
{
	struct edge_call *c = arg;
	(void)msg;
	c->in = mem_deref(c->in);
	end_call(c, err ? "caller side failed" : "caller side hung up");
}

static void progr_out(const struct sip_msg *msg, void *arg)
{
	struct edge_call *c = arg;
	if (!c->answered && msg->scode > 100 && msg->scode < 200)
		sipsess_progress(c->in, 180, "Ringing", NULL, NULL);
}

static int answer_out(const struct sip_msg *msg, void *arg)
{
	struct edge_call *c = arg;
	bool changed;
	if (c->answered) {
		answer_reoffer(c, msg, false);
		return 0;
	}
	pl_user(&msg->to.tag, c->to_tag, sizeof(c->to_tag));
	/* toward the caller: what the caller offered (SPA: plain RTP) */
	struct mbuf *sdp = ng_media(c, "answer", msg->mb,
				    c->spa_calls ? "RTP/AVP" : NULL, true);
	if (!sdp) {
		/* return 0 so that libre ACKs the 200; the call then ends (BYE to the
		 * callee, 488 to the caller) from a timer, outside this handler */
		c->e->st.calls_failed++;
		c->rejected = true;
		sipsess_reject(c->in, 488, "Not Acceptable Here", NULL);
		tmr_start(&c->end_tmr, 0, end_tmr_h, c);
		return 0;
	}
	c->sdp_from_out = sdp_copy(msg->mb);
	sdp = to_side(c, true, sdp, &changed);
	c->answered = true;
	sipsess_answer(c->in, 200, "OK", sdp, NULL);
	return 0;
}

static void estab_out(const struct sip_msg *msg, void *arg)
{
	struct edge_call *c = arg;
	(void)msg;
	if (!c->spa_calls) {
		/* the SPA answered and has our ACK: time for its keys */
		if (c->e->cfg.secure_timeout)
			tmr_start(&c->secure_tmr, c->e->cfg.secure_timeout * 1000ull, secure_timeout,
				  c);
		start_caller_hs(c);
	}
}

static void info_out(struct sip *sip, const struct sip_msg *msg, void *arg)
{
	struct edge_call *c = arg;
	(void)sip;
	pass_info(c, msg, false);
}

static void close_out(int err, const struct sip_msg *msg, void *arg)
{
	struct edge_call *c = arg;
	char why[96];
	c->out = mem_deref(c->out);
	if (!c->answered && c->in && !c->rejected) {
		uint16_t code = msg && msg->scode >= 300 ? msg->scode : 480;
		sipsess_reject(c->in, code, code == 480 ? "Temporarily Unavailable" : "Refused",
			       NULL);
		c->e->st.calls_failed++;
	}
	snprintf(why, sizeof(why), "callee side %s (%d)", err ? "failed" : "hung up or refused",
		 msg ? msg->scode : err);
	end_call(c, why);
}

/* ------------------------------------------------------------------ new calls */

static void conn_handler(const struct sip_msg *msg, void *arg)
{
	struct edge *e = arg;
	struct edge_call *c = mem_zalloc(sizeof(*c), call_destructor);
	char to_uri[256], from_uri[256], route[96];
	const char *routev[1];
	uint32_t routec = 0;
	if (!c) {
		sip_treply(NULL, e->sip, msg, 500, "Server Error");
		return;
	}
	c->e = e;
	list_append(&e->calls, &c->le, c);
	pl_user(&msg->callid, c->callid, sizeof(c->callid));
	pl_user(&msg->from.tag, c->from_tag, sizeof(c->from_tag));
	c->spa_calls = !sa_cmp(&msg->src, &e->upstream, SA_ADDR);
	if (!mbuf_get_left(msg->mb)) {
		sip_treply(NULL, e->sip, msg, 488, "Offer Required");
		mem_deref(c);
		return;
	}
	if (c->spa_calls && !edge_binding_from(e, &msg->from.uri.user, &msg->src)) {
		/* only phones registered here call through the edge, from the address
		 * they registered from (a forged From alone does not do) */
		sip_treply(NULL, e->sip, msg, 403, "Register First");
		edge_log("call %s: refused: %r is not registered here", c->callid,
			 &msg->from.uri.user);
		e->st.calls_failed++;
		mem_deref(c);
		return;
	}
	if (c->spa_calls) {
		pl_user(&msg->from.uri.user, c->spa_user, sizeof(c->spa_user));
		pl_user(&msg->uri.user, c->other_user, sizeof(c->other_user));
		snprintf(to_uri, sizeof(to_uri), "sip:%s@%s", c->other_user, e->cfg.domain);
		snprintf(from_uri, sizeof(from_uri), "sip:%s@%s", c->spa_user, e->cfg.domain);
		snprintf(route, sizeof(route), "sip:%s", e->cfg.upstream); /* libre adds ;lr */
		routev[0] = route;
		routec = 1;
		e->st.calls_out++;
	} else {
		pl_user(&msg->uri.user, c->spa_user, sizeof(c->spa_user));
		pl_user(&msg->from.uri.user, c->other_user, sizeof(c->other_user));
		const char *contact = edge_binding(e, &msg->uri.user);
		if (!contact) {
			sip_treply(NULL, e->sip, msg, 480, "Temporarily Unavailable");
			edge_log("call %s: %s is not registered here", c->callid, c->spa_user);
			mem_deref(c);
			return;
		}
		snprintf(to_uri, sizeof(to_uri), "%s", contact);
		snprintf(from_uri, sizeof(from_uri), "sip:%s@%s", c->other_user, e->cfg.domain);
		e->st.calls_in++;
	}
	struct mbuf *sdp = ng_media(c, "offer", msg->mb,
				    c->spa_calls ? e->cfg.far_transport : "RTP/AVP", true);
	if (!sdp) {
		sip_treply(NULL, e->sip, msg, 488, "Not Acceptable Here");
		e->st.calls_failed++;
		mem_deref(c);
		return;
	}
	bool changed;
	c->sdp_from_in = sdp_copy(msg->mb);
	sdp = to_side(c, false, sdp, &changed);
	int err = sipsess_accept(&c->in, e->sock, msg, 180, "Ringing", "xsrelay",
				 "application/sdp", NULL, NULL, NULL, false, offer_in, answer_in,
				 estab_in, info_in, NULL, close_in, c, NULL);
	if (!err)
		err = sipsess_connect(&c->out, e->sock, to_uri, NULL, from_uri, "xsrelay", routev,
				      routec, "application/sdp", sdp, NULL, NULL, false, offer_out,
				      answer_out, progr_out, estab_out, info_out, NULL, close_out,
				      c, c->spa_calls ? "Supported: x-sipura\r\n" : NULL);
	if (err) {
		edge_log("call %s: cannot set up the other leg: %m", c->callid, err);
		if (c->in)
			sipsess_reject(c->in, 500, "Server Error", NULL);
		e->st.calls_failed++;
		mem_deref(c);
		return;
	}
	edge_log("call %s: %s %s calls %s", c->callid, c->spa_calls ? "SPA" : "upstream",
		 c->spa_calls ? c->spa_user : c->other_user,
		 c->spa_calls ? c->other_user : c->spa_user);
}

/* Requests outside sessions: REGISTER here, OPTIONS answered, the rest refused. */
static bool request_handler(const struct sip_msg *msg, void *arg)
{
	struct edge *e = arg;
	if (!pl_strcmp(&msg->met, "REGISTER"))
		return edge_register(e, msg);
	if (!pl_strcmp(&msg->met, "OPTIONS")) {
		sip_treplyf(NULL, NULL, e->sip, msg, false, 200, "OK",
			    "Allow: INVITE, ACK, BYE, CANCEL, INFO, OPTIONS, REGISTER\r\n"
			    "Supported: x-sipura\r\nContent-Length: 0\r\n\r\n");
		return true;
	}
	return false; /* sipsess takes INVITE and in-dialog requests; libre answers the rest */
}

static void configure_tls(struct edge *e, struct tls *tls)
{
	SSL_CTX *ctx = tls_openssl_context(tls);
	if (!ctx)
		return;
	if (e->cfg.tls_legacy) {
		/* old SPA firmware: TLS 1.0, possibly an SSLv2-format ClientHello */
		SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
		SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
		edge_log("TLS: legacy TLS 1.0 admitted (--tls-legacy): for old SPA firmware only");
	} else {
		SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	}
}

int edge_start(struct edge *e)
{
	int err = sip_alloc(&e->sip, NULL, 32, 32, 32, "xsrelay-sip", NULL, NULL);
	if (err)
		return err;
	for (unsigned i = 0; i < e->cfg.nlisten; i++) {
		struct sa la;
		if (sa_decode(&la, e->cfg.listen[i], strlen(e->cfg.listen[i]))) {
			edge_log("listen: '%s' is not ADDR:PORT", e->cfg.listen[i]);
			return EINVAL;
		}
		err = sip_transp_add(e->sip, SIP_TRANSP_UDP, &la);
		if (!err)
			err = sip_transp_add(e->sip, SIP_TRANSP_TCP, &la);
		if (err) {
			edge_log("listen %s: %m", e->cfg.listen[i], err);
			return err;
		}
	}
	if (e->cfg.tls_listen[0]) {
		struct sa la;
		struct tls *tls = NULL;
		if (sa_decode(&la, e->cfg.tls_listen, strlen(e->cfg.tls_listen)))
			return EINVAL;
		err = tls_alloc(&tls, TLS_METHOD_SSLV23, e->cfg.tls_cert[0] ? e->cfg.tls_cert : NULL,
				NULL);
		if (err) {
			edge_log("TLS: cannot load %s: %m", e->cfg.tls_cert, err);
			return err;
		}
		configure_tls(e, tls);
		err = sip_transp_add(e->sip, SIP_TRANSP_TLS, &la, tls);
		mem_deref(tls);
		if (err)
			return err;
	}
	if (sa_decode(&e->upstream, e->cfg.upstream, strlen(e->cfg.upstream))) {
		edge_log("upstream: '%s' is not ADDR:PORT", e->cfg.upstream);
		return EINVAL;
	}
	err = edge_guard_start(e);
	if (!err)
		err = edge_stream_guard_start(e, &e->streams);
	if (!err)
		err = sipsess_listen(&e->sock, e->sip, 32, conn_handler, e);
	if (!err)
		err = sip_listen(&e->lsnr, e->sip, true, request_handler, e);
	if (!err)
		edge_bindings_start(e);
	return err;
}

void edge_stop(struct edge *e)
{
	struct le *le;
	while ((le = list_head(&e->calls)))
		mem_deref(le->data);
	edge_bindings_flush(e);
	e->lsnr = mem_deref(e->lsnr);
	e->sock = mem_deref(e->sock);
	edge_guard_stop(e);
	sip_close(e->sip, false);
	e->sip = mem_deref(e->sip);
	e->streams = mem_deref(e->streams); /* after the connections that hold its helpers */
}
