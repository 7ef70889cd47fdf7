/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spa_phone: a test-bench SIP user agent that behaves like a Linksys/Cisco SPA
 * phone doing x-sipura secure calls (FACTS.md, docs/x-sipura.md), for testing
 * the relay where no real SPA phone is at hand.
 *
 *  - REGISTERs with "Supported: x-sipura" (unless --no-register);
 *  - places (call USER) or auto-answers (answer) one call with a plain
 *    RTP/AVP PCMU SDP;
 *  - once RTP flows, the caller runs the x-sipura handshake in SIP INFO
 *    bodies (Caller Hello -> 200 Callee Hello, Caller Final -> 200 empty),
 *    using the library's state machines for both roles;
 *  - media: 20 ms PCMU packets from a WAV file (or a tone), protected with the
 *    x-sipura SRTP profile once the handshake is done; received audio goes to
 *    a WAV file (flushed as it goes: a test may read it during the call);
 *  - re-INVITEs in the call: hold and resume (--hold-at, or SIGUSR2), a move
 *    of the media to another address and port (--move-to, on SIGUSR1).
 *
 * Exit status 0 only if registered (or --no-register), the call was
 * established and, unless --no-secure, the handshake completed and SRTP
 * packets were received and decrypted.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <re.h>

#include "spa_audio.h"
#include "xs_srtp.h"
#include "xsipura_hs.h"
#include "xsipura_mc.h"
#include "xsipura_srtp_profile.h"
#include "xsipura_subkey.h"

#define RTP_HDR_LEN 12
#define FRAME_SAMPLES 160 /* 20 ms at 8 kHz */
#define PT_PCMU 0
#define HS_DELAY_MS 300   /* caller starts the handshake this long after establishment */
#define EXTRA_HDRS "Supported: x-sipura\r\nAllow: INVITE, ACK, BYE, CANCEL, INFO, OPTIONS\r\n"

static struct {
	/* options */
	struct sa sip_laddr;
	uint16_t rtp_port;
	char proxy_route[128];
	const char *domain;
	const char *user;
	const char *password;
	const char *mc_file;
	const char *key_file;
	const char *assume;
	const char *wav_in;
	const char *wav_out;
	unsigned duration;
	bool no_secure;
	bool no_register;
	bool trace;
	bool caller;
	const char *callee_user;

	/* SIP */
	struct sip *sip;
	struct sipsess_sock *sock;
	struct sipsess *sess;
	struct sipreg *reg;
	bool registered;
	bool established;
	bool closing;
	struct tmr tmr_hs, tmr_end, tmr_quit, tmr_guard, tmr_hold, tmr_cmd;
	unsigned hold_at; /* seconds into the call: re-INVITE sendonly, resume 2 s later */
	struct sa move_to; /* SIGUSR1: media moves there (port 0: no --move-to) */
	const char *tls_version; /* SIP over TLS to the proxy: "1.0" (old firmware) or "1.2" */
	bool held;

	/* x-sipura */
	struct xsp_assumptions a;
	struct xsp_mc own_mc;
	struct xsp_ca *ca;
	struct xsp_subkey *own_key;
	struct xsp_hs hs;
	bool hs_inited;
	bool secure;
	const char *hs_error;

	/* media */
	struct udp_sock *rtp;
	struct sa rtp_laddr;  /* our media address and port: the SDP's c= and m= */
	struct sa remote_rtp;
	bool have_remote;
	struct tmr tmr_rtp;
	uint64_t next_tx;     /* tmr_jiffies() deadline of the next packet */
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	int16_t *pcm;
	size_t pcm_n, pcm_pos;
	struct spa_wav_out wout;
	struct xs_srtp_engine *eng;
	struct xs_srtp_keys *keys;
	struct xs_srtp_stream tx_stream, rx_stream;
	unsigned long rx_plain, rx_srtp_ok, rx_srtp_fail, rx_other, tx_plain, tx_srtp;
} ph;

static void spa_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	re_printf("spa: ");
	re_vprintf(fmt, ap);
	re_printf("\n");
	fflush(stdout);
	va_end(ap);
}

/* ---- media ---- */

static void media_stats(void)
{
	spa_log("rx %lu packets (%lu srtp ok, %lu srtp failed, %lu plain, %lu other); "
		"tx %lu packets (%lu srtp, %lu plain)",
		ph.rx_plain + ph.rx_srtp_ok + ph.rx_srtp_fail + ph.rx_other, ph.rx_srtp_ok,
		ph.rx_srtp_fail, ph.rx_plain, ph.rx_other, ph.tx_srtp + ph.tx_plain, ph.tx_srtp,
		ph.tx_plain);
}

static void rtp_send_one(void)
{
	uint8_t pkt[RTP_HDR_LEN + FRAME_SAMPLES + XS_SRTP_MAX_TRAILER];
	struct mbuf mb;
	size_t len = RTP_HDR_LEN + FRAME_SAMPLES;

	pkt[0] = 0x80;
	pkt[1] = PT_PCMU;
	pkt[2] = (uint8_t)(ph.seq >> 8);
	pkt[3] = (uint8_t)ph.seq;
	pkt[4] = (uint8_t)(ph.ts >> 24);
	pkt[5] = (uint8_t)(ph.ts >> 16);
	pkt[6] = (uint8_t)(ph.ts >> 8);
	pkt[7] = (uint8_t)ph.ts;
	pkt[8] = (uint8_t)(ph.ssrc >> 24);
	pkt[9] = (uint8_t)(ph.ssrc >> 16);
	pkt[10] = (uint8_t)(ph.ssrc >> 8);
	pkt[11] = (uint8_t)ph.ssrc;
	for (size_t i = 0; i < FRAME_SAMPLES; i++) {
		pkt[RTP_HDR_LEN + i] = spa_ulaw_encode(ph.pcm[ph.pcm_pos]);
		ph.pcm_pos = (ph.pcm_pos + 1) % ph.pcm_n; /* loop the file */
	}
	ph.seq++;
	ph.ts += FRAME_SAMPLES;

	if (ph.keys) {
		struct xs_srtp_xform xf = { ph.keys, &ph.tx_stream };
		struct xs_srtp_op op = { .pkt = pkt, .len = (uint32_t)len,
					 .room = sizeof(pkt), .out = &xf };

		xs_srtp_burst(ph.eng, &op, 1);
		if (op.status != XS_SRTP_OK) {
			spa_log("error: srtp protect failed: %s",
				xs_srtp_status_name((enum xs_srtp_status)op.status));
			return;
		}
		len = op.len;
		ph.tx_srtp++;
	} else {
		ph.tx_plain++;
	}

	memset(&mb, 0, sizeof(mb));
	mb.buf = pkt;
	mb.size = sizeof(pkt);
	mb.end = len;
	udp_send(ph.rtp, &ph.remote_rtp, &mb);
}

/* Paced by absolute deadlines so the stream keeps 20 ms on average. */
static void rtp_tmr_h(void *arg)
{
	uint64_t now = tmr_jiffies();
	int n = 0;

	(void)arg;
	while (ph.next_tx <= now && n++ < 5) {
		rtp_send_one();
		ph.next_tx += 20;
	}
	if (ph.next_tx <= now)
		ph.next_tx = now + 20; /* fell behind a lot: resynchronise */
	tmr_start(&ph.tmr_rtp, ph.next_tx - now, rtp_tmr_h, NULL);
}

/* RTP header length (fixed part, CSRCs, extension), or 0 if not RTP v2. */
static size_t rtp_hdr_len(const uint8_t *p, size_t len)
{
	size_t h;

	if (len < RTP_HDR_LEN || (p[0] >> 6) != 2)
		return 0;
	h = RTP_HDR_LEN + 4u * (p[0] & 0x0f);
	if (p[0] & 0x10) {
		if (len < h + 4)
			return 0;
		h += 4 + 4u * (size_t)(p[h + 2] << 8 | p[h + 3]);
	}
	return h <= len ? h : 0;
}

static void rx_audio(const uint8_t *payload, size_t n)
{
	int16_t pcm[2048];

	if (n > 2048)
		n = 2048;
	for (size_t i = 0; i < n; i++)
		pcm[i] = spa_ulaw_decode(payload[i]);
	spa_wav_out_write(&ph.wout, pcm, n);
}

static void media_recv_h(const struct sa *src, struct mbuf *mb, void *arg)
{
	uint8_t pkt[2048];
	size_t len = mbuf_get_left(mb), h;

	(void)src;
	(void)arg;
	if (len > sizeof(pkt) || len < RTP_HDR_LEN)
		return;
	memcpy(pkt, mbuf_buf(mb), len);
	if ((pkt[1] & 0x7f) >= 72 && (pkt[1] & 0x7f) <= 76)
		return; /* RTCP on the RTP port (not sent by us): ignore */

	if (ph.keys) {
		struct xs_srtp_xform xf = { ph.keys, &ph.rx_stream };
		struct xs_srtp_op op = { .pkt = pkt, .len = (uint32_t)len,
					 .room = sizeof(pkt), .in = &xf };

		xs_srtp_burst(ph.eng, &op, 1);
		if (op.status == XS_SRTP_OK) {
			h = rtp_hdr_len(pkt, op.len);
			if (!ph.rx_srtp_ok)
				spa_log("first srtp packet decrypted");
			ph.rx_srtp_ok++;
			if (h)
				rx_audio(pkt + h, op.len - h);
			return;
		}
		/* the packet may have been touched: start again from the wire copy */
		memcpy(pkt, mbuf_buf(mb), len);
		h = rtp_hdr_len(pkt, len);
		/* plain PCMU still in flight at the switch-over: whole 20 ms frames */
		if (h && (pkt[1] & 0x7f) == PT_PCMU && (len - h) % FRAME_SAMPLES == 0) {
			ph.rx_plain++;
			rx_audio(pkt + h, len - h);
			return;
		}
		if (ph.rx_srtp_fail++ < 5)
			spa_log("srtp unprotect failed: %s",
				xs_srtp_status_name((enum xs_srtp_status)op.status));
		return;
	}

	h = rtp_hdr_len(pkt, len);
	if (h && (pkt[1] & 0x7f) == PT_PCMU && (len - h) % FRAME_SAMPLES == 0) {
		ph.rx_plain++;
		rx_audio(pkt + h, len - h);
	} else {
		/* e.g. SRTP from a peer that switched before we have keys */
		ph.rx_other++;
	}
}

static void media_start(void)
{
	if (!ph.have_remote) {
		spa_log("error: no remote RTP address in SDP, no media");
		return;
	}
	if (tmr_isrunning(&ph.tmr_rtp))
		return;
	ph.next_tx = tmr_jiffies();
	tmr_start(&ph.tmr_rtp, 0, rtp_tmr_h, NULL);
	spa_log("rtp to %J from %J, ssrc 0x%08x", &ph.remote_rtp, &ph.rtp_laddr, ph.ssrc);
}

/* Handshake done: one master key and salt both ways, a stream state for each
 * direction (key_scope=shared). */
static void srtp_on(void)
{
	struct xsp_hs_keys k;
	struct xs_srtp_policy pol;
	int err;

	if (xsp_hs_keys(&ph.hs, &k) != XSP_OK) {
		spa_log("error: no keys after handshake");
		return;
	}
	xsp_srtp_policy(&ph.a, &k, &pol);
	err = xs_srtp_keys_create(&pol, &ph.keys);
	OPENSSL_cleanse(&pol, sizeof(pol));
	if (err) {
		spa_log("error: xs_srtp_keys_create: %s", strerror(-err));
		OPENSSL_cleanse(&k, sizeof(k));
		return;
	}
	xs_srtp_stream_init(&ph.tx_stream, XS_SRTP_DEFAULT_WINDOW);
	xs_srtp_stream_init(&ph.rx_stream, XS_SRTP_DEFAULT_WINDOW);
	ph.secure = true;
	spa_log("srtp on (own ssrc 0x%08x, peer ssrc 0x%08x)", k.own_ssrc, k.peer_ssrc);
	OPENSSL_cleanse(&k, sizeof(k));
}

/* ---- SDP (written and read by hand) ---- */

static struct mbuf *sdp_make_dir(const char *dir);

static struct mbuf *sdp_make(void)
{
	return sdp_make_dir("sendrecv");
}

/* Our SDP with the given direction attribute (re-INVITEs: hold, resume). */
static struct mbuf *sdp_make_dir(const char *dir)
{
	struct mbuf *mb = mbuf_alloc(512);
	uint32_t sid = rand_u32();

	if (!mb)
		return NULL;
	mbuf_printf(mb,
		    "v=0\r\n"
		    "o=- %u %u IN IP4 %j\r\n"
		    "s=spa_phone\r\n"
		    "c=IN IP4 %j\r\n"
		    "t=0 0\r\n"
		    "m=audio %u RTP/AVP 0\r\n"
		    "a=rtpmap:0 PCMU/8000\r\n"
		    "a=ptime:20\r\n"
		    "a=%s\r\n",
		    sid, sid, &ph.sip_laddr, &ph.rtp_laddr, sa_port(&ph.rtp_laddr), dir);
	mbuf_set_pos(mb, 0);
	return mb;
}

/* Takes c= and the audio m= port from an SDP body. */
static int sdp_parse(const struct mbuf *mb)
{
	struct pl addr, port;
	char buf[2048];
	size_t n;
	const char *m;

	if (!mb || !mbuf_get_left(mb))
		return ENOENT;
	n = mbuf_get_left(mb);
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, mbuf_buf(mb), n);
	buf[n] = 0;
	if (re_regex(buf, n, "c=IN IP4 [^ \r\n]+", &addr))
		return EBADMSG;
	m = strstr(buf, "m=audio ");
	if (!m || re_regex(m, strlen(m), "m=audio [0-9]+", &port))
		return EBADMSG;
	if (sa_set(&ph.remote_rtp, &addr, pl_u32(&port)))
		return EBADMSG;
	ph.have_remote = true;
	spa_log("remote media %J", &ph.remote_rtp);
	return 0;
}

/* ---- x-sipura handshake ---- */

static enum xsp_err hs_init(enum xsp_role role)
{
	struct xsp_hs_config cfg = {
		.role = role,
		.assumptions = ph.a,
		.ca = ph.ca,
		.own_mc = &ph.own_mc,
		.own_key = ph.own_key,
		.own_ssrc = ph.ssrc,
		.dialled_user_id = role == XSP_ROLE_CALLER ? ph.callee_user : NULL,
	};
	enum xsp_err e;

	if (ph.hs_inited)
		return XSP_OK;
	e = xsp_hs_init(&ph.hs, &cfg);
	if (e == XSP_OK)
		ph.hs_inited = true;
	return e;
}

static void hs_fail(const char *step, enum xsp_err e)
{
	ph.hs_error = xsp_err_name(e);
	spa_log("x-sipura handshake failed at %s: %s (%s); staying in plain RTP", step,
		xsp_err_name(e), xsp_err_str(e));
}

static int send_info(const char *body, size_t len, sip_resp_h *resph)
{
	struct mbuf *mb = mbuf_alloc(len + 1);
	int err;

	if (!mb)
		return ENOMEM;
	mbuf_write_mem(mb, (const uint8_t *)body, len);
	mbuf_set_pos(mb, 0);
	err = sipsess_info(ph.sess, ph.a.content_type, mb, resph, NULL);
	mem_deref(mb);
	return err;
}

static void info_final_resp_h(int err, const struct sip_msg *msg, void *arg)
{
	enum xsp_err e;

	(void)arg;
	if (msg && msg->scode < 200)
		return;
	if (err || !msg || msg->scode >= 300) {
		spa_log("x-sipura handshake failed: Caller Final answered %u %r%s",
			msg ? msg->scode : 0, msg ? &msg->reason : &(struct pl)PL(""),
			err ? " (no response)" : "");
		ph.hs_error = "final-rejected";
		return;
	}
	e = xsp_hs_caller_on_callee_final(&ph.hs, (const char *)mbuf_buf(msg->mb),
					  mbuf_get_left(msg->mb));
	if (e) {
		hs_fail("Callee Final", e);
		return;
	}
	spa_log("x-sipura handshake complete (caller)");
	srtp_on();
}

static void info_hello_resp_h(int err, const struct sip_msg *msg, void *arg)
{
	char body[XSP_BODY_MAX_LEN];
	size_t len;
	enum xsp_err e;

	(void)arg;
	if (msg && msg->scode < 200)
		return;
	if (err || !msg || msg->scode >= 300) {
		spa_log("x-sipura handshake failed: Caller Hello answered %u %r%s",
			msg ? msg->scode : 0, msg ? &msg->reason : &(struct pl)PL(""),
			err ? " (no response)" : "");
		ph.hs_error = "hello-rejected";
		return;
	}
	e = xsp_hs_caller_on_callee_hello(&ph.hs, (const char *)mbuf_buf(msg->mb),
					  mbuf_get_left(msg->mb), time(NULL));
	if (e) {
		hs_fail("Callee Hello", e);
		return;
	}
	spa_log("callee certificate verified (user id %s)", ph.callee_user);
	e = xsp_hs_caller_final(&ph.hs, body, sizeof(body), &len);
	if (e) {
		hs_fail("Caller Final", e);
		return;
	}
	err = send_info(body, len, info_final_resp_h);
	if (err)
		spa_log("error: sending INFO (Caller Final): %m", err);
	else
		spa_log("sent INFO Caller Final (%zu bytes)", len);
}

static void hs_start_tmr_h(void *arg)
{
	char body[XSP_BODY_MAX_LEN];
	size_t len;
	enum xsp_err e;
	int err;

	(void)arg;
	e = hs_init(XSP_ROLE_CALLER);
	if (e == XSP_OK)
		e = xsp_hs_caller_hello(&ph.hs, body, sizeof(body), &len);
	if (e) {
		hs_fail("Caller Hello", e);
		return;
	}
	err = send_info(body, len, info_hello_resp_h);
	if (err)
		spa_log("error: sending INFO (Caller Hello): %m", err);
	else
		spa_log("sent INFO Caller Hello (%zu bytes)", len);
}

static void info_reply(const struct sip_msg *msg, uint16_t scode, const char *reason,
		       const char *body, size_t len)
{
	if (len)
		sip_treplyf(NULL, NULL, ph.sip, msg, false, scode, reason,
			    "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n%b",
			    ph.a.content_type, len, body, len);
	else
		sip_treplyf(NULL, NULL, ph.sip, msg, false, scode, reason,
			    "Content-Length: 0\r\n\r\n");
}

/* Incoming INFO in the dialog. Only the callee side of the handshake is
 * served; anything else gets a plain 200. */
static void info_h(struct sip *sip, const struct sip_msg *msg, void *arg)
{
	const char *body = (const char *)mbuf_buf(msg->mb);
	size_t len = mbuf_get_left(msg->mb);
	char reply[XSP_BODY_MAX_LEN];
	size_t rlen = 0;
	enum xsp_body_kind kind;
	enum xsp_err e;

	(void)sip;
	(void)arg;
	kind = xsp_body_classify(body, len, (enum xsp_key_wrap)ph.a.key_wrap);
	if (ph.caller || kind == XSP_BODY_NOT_XSIPURA || kind == XSP_BODY_EMPTY) {
		info_reply(msg, 200, "OK", NULL, 0);
		return;
	}
	if (ph.no_secure) {
		spa_log("x-sipura INFO refused (--no-secure)");
		info_reply(msg, 488, "Not Acceptable Here", NULL, 0);
		return;
	}
	if (ph.a.content_type_check == XSP_CHECK_STRICT) {
		char ct[128];

		re_snprintf(ct, sizeof(ct), "%r/%r", &msg->ctyp.type, &msg->ctyp.subtype);
		if (strcasecmp(ct, ph.a.content_type)) {
			spa_log("x-sipura INFO with Content-Type %s refused (content_type_check=strict)",
				ct);
			info_reply(msg, 415, "Unsupported Media Type", NULL, 0);
			return;
		}
	}

	if (kind == XSP_BODY_HELLO) {
		e = hs_init(XSP_ROLE_CALLEE);
		if (e == XSP_OK)
			e = xsp_hs_callee_on_caller_hello(&ph.hs, body, len, time(NULL), reply,
							  sizeof(reply), &rlen);
		if (e) {
			hs_fail("Caller Hello", e);
			info_reply(msg, 488, "Not Acceptable Here", NULL, 0);
			return;
		}
		spa_log("caller certificate verified; answering with Callee Hello (%zu bytes)",
			rlen);
		info_reply(msg, 200, "OK", reply, rlen);
		return;
	}

	/* XSP_BODY_FINAL */
	if (!ph.hs_inited) {
		hs_fail("Caller Final", XSP_E_STATE);
		info_reply(msg, 488, "Not Acceptable Here", NULL, 0);
		return;
	}
	if (ph.secure) {
		info_reply(msg, 200, "OK", NULL, 0); /* retransmitted Final */
		return;
	}
	e = xsp_hs_callee_on_caller_final(&ph.hs, body, len);
	if (e) {
		hs_fail("Caller Final", e);
		info_reply(msg, 488, "Not Acceptable Here", NULL, 0);
		return;
	}
	info_reply(msg, 200, "OK", NULL, 0);
	spa_log("x-sipura handshake complete (callee)");
	srtp_on();
}

/* ---- call control ---- */

static void quit_tmr_h(void *arg)
{
	(void)arg;
	re_cancel();
}

static void end_call(const char *why)
{
	if (ph.closing)
		return;
	ph.closing = true;
	spa_log("ending: %s", why);
	tmr_cancel(&ph.tmr_rtp);
	tmr_cancel(&ph.tmr_hs);
	tmr_cancel(&ph.tmr_end);
	tmr_cancel(&ph.tmr_hold);
	tmr_cancel(&ph.tmr_cmd);
	ph.sess = mem_deref(ph.sess); /* sends BYE if the call is up */
	ph.reg = mem_deref(ph.reg);   /* un-REGISTERs */
	tmr_start(&ph.tmr_quit, 800, quit_tmr_h, NULL);
}

/* Nothing established within the grace time (no registrar, no answer). */
static void guard_tmr_h(void *arg)
{
	(void)arg;
	if (!ph.established)
		end_call("no call established within 30 s");
}

static void end_tmr_h(void *arg)
{
	(void)arg;
	end_call("duration reached");
}

static void hold_tmr_h(void *arg)
{
	(void)arg;
	struct mbuf *sdp = sdp_make_dir(ph.held ? "sendrecv" : "sendonly");
	int err = sdp ? sipsess_modify(ph.sess, sdp) : ENOMEM;
	mem_deref(sdp);
	spa_log("re-INVITE sent: %s%s", ph.held ? "resume (a=sendrecv)" : "hold (a=sendonly)",
		err ? " FAILED" : "");
	if (!ph.held) {
		ph.held = true;
		tmr_start(&ph.tmr_hold, 2000, hold_tmr_h, NULL);
	}
}

/* The phone moves, as after a new DHCP lease or a roam: its media leaves from
 * and arrives at a new address and port from now on, announced in a re-INVITE
 * (the old socket is closed: nothing reaches the phone there any more). */
static void move_media(void)
{
	struct udp_sock *us = NULL;
	struct mbuf *sdp;
	int err;

	if (!sa_port(&ph.move_to)) {
		spa_log("error: SIGUSR1 without --move-to: not moving");
		return;
	}
	err = udp_listen(&us, &ph.move_to, media_recv_h, NULL);
	if (err) {
		spa_log("error: cannot move media to %J: %m", &ph.move_to, err);
		return;
	}
	mem_deref(ph.rtp);
	ph.rtp = us;
	ph.rtp_laddr = ph.move_to;
	sdp = sdp_make();
	err = sdp ? sipsess_modify(ph.sess, sdp) : ENOMEM;
	mem_deref(sdp);
	spa_log("media moved to %J; re-INVITE sent%s", &ph.rtp_laddr, err ? " FAILED" : "");
}

/* Re-INVITEs on a test script's command, when it chooses: SIGUSR1 moves the
 * media, SIGUSR2 holds the call (and resumes it 2 s later). The handlers only
 * set a flag, polled here in the established call. */
static volatile sig_atomic_t sig_move, sig_hold;

static void usr_signal_h(int sig)
{
	if (sig == SIGUSR1)
		sig_move = 1;
	else
		sig_hold = 1;
}

static void cmd_tmr_h(void *arg)
{
	(void)arg;
	if (sig_move) {
		sig_move = 0;
		move_media();
	}
	if (sig_hold) {
		sig_hold = 0;
		ph.held = false;
		hold_tmr_h(NULL);
	}
	tmr_start(&ph.tmr_cmd, 50, cmd_tmr_h, NULL);
}

static void estab_h(const struct sip_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	if (ph.established)
		return;
	ph.established = true;
	spa_log("call established");
	media_start();
	if (ph.caller && !ph.no_secure)
		tmr_start(&ph.tmr_hs, HS_DELAY_MS, hs_start_tmr_h, NULL);
	tmr_start(&ph.tmr_end, ph.duration * 1000ull, end_tmr_h, NULL);
	if (ph.hold_at)
		tmr_start(&ph.tmr_hold, ph.hold_at * 1000ull, hold_tmr_h, NULL);
	tmr_start(&ph.tmr_cmd, 50, cmd_tmr_h, NULL);
}

static void close_h(int err, const struct sip_msg *msg, void *arg)
{
	(void)arg;
	if (err == ECONNRESET)
		spa_log("call closed: BYE received");
	else if (err)
		spa_log("call closed: %m", err);
	else if (msg)
		spa_log("call closed: %u %r", msg->scode, &msg->reason);
	else
		spa_log("call closed");
	ph.sess = mem_deref(ph.sess);
	end_call("call closed by peer");
}

static int offer_h(struct mbuf **descp, const struct sip_msg *msg, void *arg)
{
	(void)arg;
	/* re-INVITE: take the new address, answer with the same SDP */
	sdp_parse(msg->mb);
	*descp = sdp_make();
	return *descp ? 0 : ENOMEM;
}

static int answer_h(const struct sip_msg *msg, void *arg)
{
	(void)arg;
	if (ph.established && mbuf_get_left(msg->mb)) {
		/* the answer to one of our re-INVITEs: say which direction it gives */
		static const char *const dirs[] = { "a=sendrecv", "a=sendonly", "a=recvonly",
						    "a=inactive" };
		struct pl body = { (const char *)mbuf_buf(msg->mb), mbuf_get_left(msg->mb) };
		for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
			if (!re_regex(body.p, body.l, dirs[i]))
				spa_log("re-INVITE answered with %s", dirs[i]);
	}
	return sdp_parse(msg->mb);
}

static void progr_h(const struct sip_msg *msg, void *arg)
{
	(void)arg;
	spa_log("call progress: %u %r", msg->scode, &msg->reason);
}

static int auth_h(char **username, char **password, const char *realm, void *arg)
{
	(void)realm;
	(void)arg;
	if (!ph.password)
		return EAUTH;
	return str_dup(username, ph.user) || str_dup(password, ph.password) ? ENOMEM : 0;
}

static void conn_h(const struct sip_msg *msg, void *arg)
{
	struct mbuf *sdp;
	int err;

	(void)arg;
	if (ph.caller || ph.sess) {
		sip_treply(NULL, ph.sip, msg, 486, "Busy Here");
		return;
	}
	spa_log("incoming call from %r", &msg->from.auri);
	if (sdp_parse(msg->mb)) {
		spa_log("error: INVITE without usable SDP offer");
		sip_treply(NULL, ph.sip, msg, 488, "Not Acceptable Here");
		return;
	}
	sdp = sdp_make();
	err = sipsess_accept(&ph.sess, ph.sock, msg, 200, "OK", ph.user, "application/sdp", sdp,
			     auth_h, NULL, false, offer_h, answer_h, estab_h, info_h, NULL,
			     close_h, NULL, EXTRA_HDRS);
	mem_deref(sdp);
	if (err)
		spa_log("error: sipsess_accept: %m", err);
}

static void place_call(void)
{
	char to[256], from[256];
	const char *routev[1] = { ph.proxy_route };
	struct mbuf *sdp = sdp_make();
	int err;

	re_snprintf(to, sizeof(to), "sip:%s@%s", ph.callee_user, ph.domain);
	re_snprintf(from, sizeof(from), "sip:%s@%s", ph.user, ph.domain);
	spa_log("calling %s via %s", to, ph.proxy_route);
	err = sipsess_connect(&ph.sess, ph.sock, to, NULL, from, ph.user, routev, 1,
			      "application/sdp", sdp, auth_h, NULL, false, offer_h, answer_h,
			      progr_h, estab_h, info_h, NULL, close_h, NULL, EXTRA_HDRS);
	mem_deref(sdp);
	if (err) {
		spa_log("error: sipsess_connect: %m", err);
		end_call("could not place call");
	}
}

static void reg_resp_h(int err, const struct sip_msg *msg, void *arg)
{
	(void)arg;
	if (err) {
		spa_log("error: REGISTER: %m", err);
		return;
	}
	if (msg->scode < 200)
		return;
	if (msg->scode >= 300) {
		spa_log("error: REGISTER answered %u %r", msg->scode, &msg->reason);
		return;
	}
	if (!ph.registered) {
		ph.registered = true;
		spa_log("registered (over %s)", sip_transp_name(msg->tp));
		if (ph.caller && !ph.sess && !ph.closing)
			place_call();
	}
}

static void trace_h(bool tx, enum sip_transp tp, const struct sa *src, const struct sa *dst,
		    const uint8_t *pkt, size_t len, void *arg)
{
	(void)tp;
	(void)arg;
	re_printf("----- SIP %s %J -> %J\n%b\n", tx ? "tx" : "rx", src, dst, pkt, len);
}

static void signal_h(int sig)
{
	spa_log("signal %d", sig);
	if (ph.closing)
		re_cancel();
	else
		end_call("signal");
}

/* ---- setup ---- */

static char *read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = calloc(1, 4096);
	n = buf ? fread(buf, 1, 4095, f) : 0;
	fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = 0;
	*len = n;
	return buf;
}

static int load_identity(void)
{
	uint8_t ca_n[XSP_CA_MOD_LEN];
	size_t len;
	char *txt;
	char uid[XSP_MC_ID_LEN + 1];
	enum xsp_err e;

	txt = read_text(ph.mc_file, &len);
	if (!txt) {
		spa_log("error: cannot read %s: %s", ph.mc_file, strerror(errno));
		return -1;
	}
	/* The file may hold both lines xsrelay-mc prints: take the first. */
	if (strchr(txt, '\n') && strchr(txt, '\n') < txt + len)
		len = (size_t)(strchr(txt, '\n') - txt);
	e = xsp_mc_param_decode(txt, len, &ph.own_mc, ca_n);
	free(txt);
	if (e) {
		spa_log("error: Mini_Certificate in %s: %s", ph.mc_file, xsp_err_name(e));
		return -1;
	}
	e = xsp_ca_from_modulus(ca_n, &ph.ca);
	if (e) {
		spa_log("error: CA modulus in the Mini_Certificate: %s", xsp_err_name(e));
		return -1;
	}
	txt = read_text(ph.key_file, &len);
	if (!txt) {
		spa_log("error: cannot read %s: %s", ph.key_file, strerror(errno));
		return -1;
	}
	e = xsp_subkey_from_param(txt, len, ph.own_mc.pubkey, &ph.own_key);
	OPENSSL_cleanse(txt, len);
	free(txt);
	if (e) {
		spa_log("error: SRTP_Private_Key in %s: %s", ph.key_file, xsp_err_name(e));
		return -1;
	}
	xsp_mc_user_id(&ph.own_mc, uid);
	if (strcmp(uid, ph.user))
		spa_log("warning: certificate user id %s differs from --user %s", uid, ph.user);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: spa_phone --sip ADDR:PORT --rtp PORT --domain DOMAIN --user USERID\n"
		"                 --mc FILE --key FILE [--proxy ADDR:PORT] [--password PW]\n"
		"                 [--assume LIST] [--wav-in F] [--wav-out F] [--duration S]\n"
		"                 [--no-secure] [--no-register] [--trace] (call USER | answer)\n"
		"  --mc FILE    Mini_Certificate parameter (base64; the first line of\n"
		"               `xsrelay-mc CA NAME ID EXPIRY` output is enough)\n"
		"  --key FILE   SRTP_Private_Key parameter (base64)\n"
		"  --proxy      outbound proxy / registrar (default: the domain, port 5060)\n"
		"  --assume     x-sipura assumptions, e.g. key_wrap=joint,srtp_tag_len=10\n"
		"  --wav-in     8 kHz mono 16-bit WAV to send, looped (default: a 1 kHz tone)\n"
		"  --duration   seconds to stay in the established call (default 5)\n"
		"  --tls V      SIP over TLS version V (1.0, as old SPA firmware, or 1.2) to\n"
		"               the proxy, whose address is then its TLS port\n"
		"  --hold-at S  S seconds into the call: re-INVITE a=sendonly (hold), 2 s later\n"
		"               a=sendrecv (resume)\n"
		"  --move-to ADDR:PORT  on SIGUSR1 the media moves to ADDR:PORT (a local\n"
		"               address), announced in a re-INVITE\n"
		"  SIGUSR2      hold now (re-INVITE a=sendonly), resume 2 s later\n"
		"  --sip        a concrete local address (it goes into the SDP c= line)\n"
		"  --no-register  skip REGISTER (e.g. two phones calling each other directly)\n"
		"  --trace      print every SIP message sent and received\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sip", required_argument, NULL, 's' },
		{ "rtp", required_argument, NULL, 'r' },
		{ "proxy", required_argument, NULL, 'p' },
		{ "domain", required_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'P' },
		{ "mc", required_argument, NULL, 'm' },
		{ "key", required_argument, NULL, 'k' },
		{ "assume", required_argument, NULL, 'a' },
		{ "wav-in", required_argument, NULL, 'i' },
		{ "wav-out", required_argument, NULL, 'o' },
		{ "duration", required_argument, NULL, 't' },
		{ "hold-at", required_argument, NULL, 'H' },
		{ "move-to", required_argument, NULL, 'V' },
		{ "tls", required_argument, NULL, 'L' },
		{ "no-secure", no_argument, NULL, 'N' },
		{ "no-register", no_argument, NULL, 'R' },
		{ "trace", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sip_str = NULL, *proxy = NULL, *bad = NULL, *move_str = NULL;
	int c, err, rc;

	ph.duration = 5;
	xsp_assumptions_default(&ph.a);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': sip_str = optarg; break;
		case 'r': ph.rtp_port = (uint16_t)atoi(optarg); break;
		case 'p': proxy = optarg; break;
		case 'd': ph.domain = optarg; break;
		case 'u': ph.user = optarg; break;
		case 'P': ph.password = optarg; break;
		case 'm': ph.mc_file = optarg; break;
		case 'k': ph.key_file = optarg; break;
		case 'a': ph.assume = optarg; break;
		case 'i': ph.wav_in = optarg; break;
		case 'o': ph.wav_out = optarg; break;
		case 't': ph.duration = (unsigned)atoi(optarg); break;
		case 'H': ph.hold_at = (unsigned)atoi(optarg); break;
		case 'V': move_str = optarg; break;
		case 'L':
			if (strcmp(optarg, "1.0") && strcmp(optarg, "1.2")) {
				spa_log("error: --tls takes 1.0 or 1.2");
				return 2;
			}
			ph.tls_version = optarg;
			break;
		case 'N': ph.no_secure = true; break;
		case 'R': ph.no_register = true; break;
		case 'T': ph.trace = true; break;
		default: usage(); return 2;
		}
	}
	if (optind < argc && !strcmp(argv[optind], "call") && optind + 1 < argc) {
		ph.caller = true;
		ph.callee_user = argv[optind + 1];
	} else if (!(optind < argc && !strcmp(argv[optind], "answer"))) {
		usage();
		return 2;
	}
	if (!sip_str || !ph.rtp_port || !ph.domain || !ph.user || !ph.mc_file || !ph.key_file) {
		usage();
		return 2;
	}
	if (ph.assume && xsp_assumptions_parse(&ph.a, ph.assume, &bad) != XSP_OK) {
		spa_log("error: --assume: bad item at \"%s\"", bad ? bad : ph.assume);
		return 2;
	}
	if (strlen(ph.callee_user ? ph.callee_user : "") > XSP_MC_ID_LEN) {
		spa_log("error: user id longer than %d characters", XSP_MC_ID_LEN);
		return 2;
	}
	if (load_identity())
		return 1;

	/* audio */
	if (ph.wav_in) {
		char e[256];

		if (spa_wav_read(ph.wav_in, &ph.pcm, &ph.pcm_n, e, sizeof(e))) {
			spa_log("error: %s", e);
			return 1;
		}
	} else {
		ph.pcm_n = 8000;
		ph.pcm = spa_tone(1000.0, ph.pcm_n);
	}
	if (ph.wav_out && spa_wav_out_open(&ph.wout, ph.wav_out)) {
		spa_log("error: cannot write %s", ph.wav_out);
		return 1;
	}
	if (RAND_bytes((uint8_t *)&ph.ssrc, sizeof(ph.ssrc)) != 1 ||
	    RAND_bytes((uint8_t *)&ph.seq, sizeof(ph.seq)) != 1 ||
	    RAND_bytes((uint8_t *)&ph.ts, sizeof(ph.ts)) != 1)
		return 1;
	ph.eng = xs_srtp_engine_create();
	if (!ph.eng) {
		spa_log("error: xs_srtp_engine_create: %s", strerror(errno));
		return 1;
	}

	err = libre_init();
	if (err) {
		spa_log("error: libre_init: %d", err);
		return 1;
	}
	{
		/* sa_decode takes "addr:port" */
		if (sa_decode(&ph.sip_laddr, sip_str, strlen(sip_str))) {
			spa_log("error: --sip %s is not ADDR:PORT", sip_str);
			return 2;
		}
		if (move_str && sa_decode(&ph.move_to, move_str, strlen(move_str))) {
			spa_log("error: --move-to %s is not ADDR:PORT", move_str);
			return 2;
		}
		/* libre's dialog code appends ";lr" to every route itself */
		re_snprintf(ph.proxy_route, sizeof(ph.proxy_route), "sip:%s%s",
			    proxy ? proxy : ph.domain, ph.tls_version ? ";transport=tls" : "");
	}
	err = sip_alloc(&ph.sip, NULL, 32, 32, 32, "spa_phone (x-sipura test bench)", NULL, NULL);
	if (!err)
		err = sip_transp_add(ph.sip, SIP_TRANSP_UDP, &ph.sip_laddr);
	if (!err && ph.tls_version) {
		/* like old SPA firmware: one fixed TLS version, no certificate check */
		struct tls *tls = NULL;
		err = tls_alloc(&tls, TLS_METHOD_SSLV23, NULL, NULL);
		SSL_CTX *ctx = tls ? tls_openssl_context(tls) : NULL;
		if (ctx) {
			int v = !strcmp(ph.tls_version, "1.0") ? TLS1_VERSION : TLS1_2_VERSION;
			SSL_CTX_set_min_proto_version(ctx, v);
			SSL_CTX_set_max_proto_version(ctx, v);
			SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
		}
		if (!err)
			err = sip_transp_add(ph.sip, SIP_TRANSP_TLS, &ph.sip_laddr, tls);
		mem_deref(tls);
		spa_log("SIP over TLS %s to the proxy", ph.tls_version);
	}
	if (!err)
		err = sipsess_listen(&ph.sock, ph.sip, 32, conn_h, NULL);
	if (err) {
		spa_log("error: SIP setup on %J: %m", &ph.sip_laddr, err);
		return 1;
	}
	if (ph.trace)
		sip_set_trace_handler(ph.sip, trace_h);
	ph.rtp_laddr = ph.sip_laddr;
	sa_set_port(&ph.rtp_laddr, ph.rtp_port);
	err = udp_listen(&ph.rtp, &ph.rtp_laddr, media_recv_h, NULL);
	if (err) {
		spa_log("error: RTP port %J: %m", &ph.rtp_laddr, err);
		return 1;
	}
	spa_log("%s %s on %J, rtp %u, proxy %s, srtp engine %s", ph.caller ? "caller" : "callee",
		ph.user, &ph.sip_laddr, ph.rtp_port, ph.proxy_route, xs_srtp_engine_arch(ph.eng));

	if (!ph.no_register) {
		char reg_uri[256], aor[256];
		const char *routev[1] = { ph.proxy_route };

		re_snprintf(reg_uri, sizeof(reg_uri), "sip:%s", ph.domain);
		re_snprintf(aor, sizeof(aor), "sip:%s@%s", ph.user, ph.domain);
		err = sipreg_register(&ph.reg, ph.sip, reg_uri, aor, NULL, aor, 3600, ph.user,
				      routev, 1, 0, auth_h, NULL, false, reg_resp_h, NULL, NULL,
				      "Supported: x-sipura\r\n");
		if (err) {
			spa_log("error: sipreg_register: %m", err);
			return 1;
		}
	} else if (ph.caller) {
		place_call();
	}

	tmr_start(&ph.tmr_guard, 30000, guard_tmr_h, NULL);
	signal(SIGUSR1, usr_signal_h);
	signal(SIGUSR2, usr_signal_h);
	re_main(signal_h);

	media_stats();
	spa_wav_out_close(&ph.wout);
	rc = 0;
	if (!ph.no_register && !ph.registered) {
		spa_log("FAIL: not registered");
		rc = 1;
	}
	if (!ph.established) {
		spa_log("FAIL: call not established");
		rc = 1;
	}
	if (!ph.no_secure && !ph.secure) {
		spa_log("FAIL: x-sipura handshake not completed (state %s)%s%s",
			ph.hs_inited ? xsp_hs_state_name(ph.hs.state) : "not started",
			ph.hs_error ? ": " : "", ph.hs_error ? ph.hs_error : "");
		rc = 1;
	}
	if (!ph.no_secure && !ph.rx_srtp_ok) {
		spa_log("FAIL: no srtp packet received and decrypted");
		rc = 1;
	}
	if (!rc)
		spa_log("PASS");

	tmr_cancel(&ph.tmr_rtp);
	tmr_cancel(&ph.tmr_quit);
	tmr_cancel(&ph.tmr_guard);
	ph.sess = mem_deref(ph.sess);
	ph.reg = mem_deref(ph.reg);
	ph.sock = mem_deref(ph.sock);
	sip_close(ph.sip, true);
	ph.sip = mem_deref(ph.sip);
	ph.rtp = mem_deref(ph.rtp);
	libre_close();
	xs_srtp_keys_free(ph.keys);
	xs_srtp_engine_free(ph.eng);
	if (ph.hs_inited)
		xsp_hs_clear(&ph.hs);
	xsp_subkey_free(ph.own_key);
	xsp_ca_free(ph.ca);
	free(ph.pcm);
	return rc;
}
