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
	struct xsp_hs hs;
	struct xsp_subkey *hs_key;
	struct sip_request *hs_req; /* our x-sipura INFO to the SPA phone, while pending */
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

static void ng_common(struct ng_out *o, const char *cmd, const struct edge_call *c)
{
	ng_out_init(o, NG_BENCODE);
	ng_out_dict_begin(o);
	ng_out_key(o, "command");
	ng_out_cstr(o, cmd);
	ng_out_key(o, "call-id");
	ng_out_cstr(o, c->callid);
	ng_out_key(o, "from-tag");
	ng_out_cstr(o, c->from_tag);
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

/* Runs an ng offer or answer; the rewritten SDP in a new mbuf, or NULL. */
static struct mbuf *ng_media(struct edge_call *c, const char *cmd, const struct mbuf *sdp,
			     const char *proto)
{
	struct edge *e = c->e;
	struct ng_out o;
	bool offer = !strcmp(cmd, "offer");
	ng_common(&o, cmd, c);
	if (!offer) {
		ng_out_key(&o, "to-tag");
		ng_out_cstr(&o, c->to_tag);
	}
	const char *d0 = c->spa_calls ? e->cfg.iface_spa : e->cfg.iface_up;
	const char *d1 = c->spa_calls ? e->cfg.iface_up : e->cfg.iface_spa;
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
	ng_common(&o, "delete", c);
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

static void call_destructor(void *arg)
{
	struct edge_call *c = arg;
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
	mem_deref(c->sdp_to_in);
	mem_deref(c->sdp_to_out);
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

/* Passes an INFO that is not x-sipura to the other leg, with its Content-Type. */
static void pass_info(struct sipsess *to, const struct sip_msg *msg)
{
	char ctype[128];
	if (!to)
		return;
	if (pl_isset(&msg->ctyp.type))
		re_snprintf(ctype, sizeof(ctype), "%r/%r", &msg->ctyp.type, &msg->ctyp.subtype);
	else
		snprintf(ctype, sizeof(ctype), "application/octet-stream");
	sipsess_info(to, ctype, msg->mb, NULL, NULL);
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
		/* not x-sipura: pass it on to the other side, answer here */
		pass_info(c->out, msg);
		reply_info(c, msg, 200, "OK", NULL, 0);
	}
}

/*
 * Sends an x-sipura INFO to the called SPA phone on its dialog. Not with
 * sipsess_info: libre's session ends itself when an INFO of it times out or
 * gets 408, whatever the insecure policy says. Here an unanswered INFO is one
 * more way for the handshake to fail (hs_info_failed).
 */
static int spa_info(struct edge_call *c, const char *body, size_t len, sip_resp_h *resph)
{
	struct sip_dialog *dlg = c->out ? sipsess_dialog(c->out) : NULL;
	if (!dlg || !sip_dialog_established(dlg))
		return ENOTCONN;
	c->hs_req = mem_deref(c->hs_req);
	return sip_drequestf(&c->hs_req, c->e->sip, true, "INFO", dlg, 0, NULL, NULL, resph, c,
			     "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n%b",
			     c->e->assume.content_type, len, body, len);
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

/* ---- re-INVITEs: the direction (hold, resume) is passed on; media stays ---- */

/* Our last SDP to one side with every media line's direction set to d. */
static struct mbuf *with_dir(const struct mbuf *base, int d)
{
	static char out[72 * 1024];
	struct mbuf *mb = NULL;
	long n = base ? edge_sdp_set_dir((const char *)mbuf_buf(base), mbuf_get_left(base), d,
					  out, sizeof(out)) : -1;
	if (n > 0 && (mb = mbuf_alloc((size_t)n))) {
		mbuf_write_mem(mb, (const uint8_t *)out, (size_t)n);
		mb->pos = 0;
	}
	if (n > 0)
		OPENSSL_cleanse(out, (size_t)n); /* an SDES SDP holds keys */
	return mb;
}

/*
 * A re-INVITE from one side (`in`: the accepted leg). The relay's media does
 * not change (same ports, same keys: x-sipura keys survive, the reinvite
 * assumption "keep"); the offered direction is mirrored in our answer and
 * passed on to the other side in a re-INVITE of ours, so hold and resume work
 * end to end. The other side's answer changes nothing here.
 */
static int offer_keep(struct mbuf **descp, const struct sip_msg *msg, void *arg, bool in)
{
	struct edge_call *c = arg;
	struct mbuf **mine = in ? &c->sdp_to_in : &c->sdp_to_out;
	struct mbuf **theirs = in ? &c->sdp_to_out : &c->sdp_to_in;
	struct sipsess *other = in ? c->out : c->in;
	if (!*mine)
		return EPROTO;
	int d = edge_sdp_dir((const char *)mbuf_buf(msg->mb), mbuf_get_left(msg->mb));
	struct mbuf *ans = with_dir(*mine, edge_dir_mirror(d));
	struct mbuf *fwd = *theirs ? with_dir(*theirs, d) : NULL;
	if (ans) {
		mem_deref(*mine);
		*mine = ans;
	}
	if (fwd) {
		mem_deref(*theirs);
		*theirs = fwd;
		if (other && c->answered) {
			int err = sipsess_modify(other, fwd);
			edge_log("call %s: re-INVITE from the %s side (%s), %s", c->callid,
				 (in == c->spa_calls) ? "SPA" : "upstream", edge_dir_name(d),
				 err ? "could not be passed on" : "passed on");
		}
	}
	*descp = mbuf_alloc_ref(*mine);
	return *descp ? 0 : ENOMEM;
}

static int offer_in(struct mbuf **descp, const struct sip_msg *msg, void *arg)
{
	return offer_keep(descp, msg, arg, true);
}

static int offer_out(struct mbuf **descp, const struct sip_msg *msg, void *arg)
{
	return offer_keep(descp, msg, arg, false);
}

static int answer_none(const struct sip_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
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
	if (c->spa_calls) {
		spa_info_callee(c, msg);
	} else {
		pass_info(c->out, msg);
		sip_treply(NULL, c->e->sip, msg, 200, "OK");
	}
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
	if (c->answered)
		return 0;
	pl_user(&msg->to.tag, c->to_tag, sizeof(c->to_tag));
	/* toward the caller: what the caller offered (SPA: plain RTP) */
	struct mbuf *sdp = ng_media(c, "answer", msg->mb,
				    c->spa_calls ? "RTP/AVP" : NULL);
	if (!sdp) {
		/* return 0 so that libre ACKs the 200; the call then ends (BYE to the
		 * callee, 488 to the caller) from a timer, outside this handler */
		c->e->st.calls_failed++;
		c->rejected = true;
		sipsess_reject(c->in, 488, "Not Acceptable Here", NULL);
		tmr_start(&c->end_tmr, 0, end_tmr_h, c);
		return 0;
	}
	c->sdp_to_in = sdp;
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
	pass_info(c->in, msg);
	sip_treply(NULL, c->e->sip, msg, 200, "OK");
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
				    c->spa_calls ? e->cfg.far_transport : "RTP/AVP");
	if (!sdp) {
		sip_treply(NULL, e->sip, msg, 488, "Not Acceptable Here");
		e->st.calls_failed++;
		mem_deref(c);
		return;
	}
	c->sdp_to_out = sdp;
	int err = sipsess_accept(&c->in, e->sock, msg, 180, "Ringing", "xsrelay",
				 "application/sdp", NULL, NULL, NULL, false, offer_in, answer_none,
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
}
