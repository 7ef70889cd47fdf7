/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Malformed SIP at the edge: counted, logged (rate-limited), then answered
 * with 400 or dropped, before libre or the edge acts on it.
 *
 * - UDP datagrams libre cannot decode: libre drops them with an unthrottled
 *   line on stderr and counts nothing. A receive helper on each of libre's
 *   SIP UDP sockets (udp_register_helper) decodes first and takes the ones
 *   that do not decode: counted as `malformed`, dropped. Keep-alives (at most
 *   4 bytes) and STUN go on to libre untouched, as before.
 * - libre keeps its UDP sockets to itself (sip_transp_add returns none), but
 *   every message it passes up carries its socket in msg->sock. A first
 *   listener hooks each UDP socket it has not seen; at start each UDP listen
 *   address gets one OPTIONS from a loopback socket of ours (the probe), so
 *   the hooks are in place before the first phone speaks. The probe is taken
 *   here and not answered.
 * - Requests that decode but lack From, To, Call-ID or CSeq, whose CSeq
 *   method is not the request's, or (UDP) whose Content-Length runs past the
 *   datagram: counted as `bad_requests`, answered 400 with a Warning that
 *   names the fault, on every transport. An ACK, or a request without Via,
 *   is counted and dropped: there is no one to answer.
 * - TCP and TLS: a connection whose message does not frame (does not decode,
 *   no Content-Length, more than 64 KiB) is counted and closed by
 *   sip_stream_guard.c, which logs through edge_guard_note.
 *
 * Log lines name the source address, the transport, the size and the fault,
 * never the message; at most one a second, with the count left out since.
 */
#include <string.h>

#include <openssl/rand.h>

#include "sip_edge.h"
#include "sip_fault.h"

struct edge_guard {
	struct edge *e;
	struct sip_lsnr *lsnr;
	struct {
		struct udp_sock *us;
		struct udp_helper *uh;
	} hook[EDGE_MAX_LISTEN];
	unsigned nhook;
	struct udp_sock *probe;   /* until every UDP listener is hooked */
	struct tmr probe_tmr;
	char token[40];           /* the probe's Call-ID */
	uint64_t last_log;        /* tmr_jiffies of the last line */
	uint64_t quiet;           /* faults not logged since */
};

void edge_guard_note(struct edge *e, const struct sa *src, const char *tp, size_t len,
		     const char *fault, const char *action)
{
	struct edge_guard *g = e->guard;
	uint64_t now = tmr_jiffies();
	if (g->last_log && now - g->last_log < 1000) {
		g->quiet++;
		return;
	}
	edge_log("malformed SIP from %J over %s (%zu bytes): %s; %s (%llu more not logged "
		 "since the last line)", src, tp, len, fault, action,
		 (unsigned long long)g->quiet);
	g->last_log = now;
	g->quiet = 0;
}

/* Runs before libre's own UDP handler: true takes the datagram. */
static bool guard_udp_recv(struct sa *src, struct mbuf *mb, void *arg)
{
	struct edge_guard *g = arg;
	size_t pos = mb->pos, len = mbuf_get_left(mb);
	struct stun_unknown_attr ua;
	struct stun_msg *stun = NULL;
	struct sip_msg *msg = NULL;
	char fault[64];
	if (len <= 4)
		return false; /* keep-alive: libre drops it */
	if (!stun_msg_decode(&stun, mb, &ua)) {
		mb->pos = pos;
		mem_deref(stun);
		return false;
	}
	mb->pos = pos;
	int err = sip_msg_decode(&msg, mb);
	mb->pos = pos;
	mem_deref(msg);
	if (!err)
		return false;
	g->e->st.malformed++;
	re_snprintf(fault, sizeof(fault), "not a SIP message libre can decode (%m)", err);
	edge_guard_note(g->e, src, "UDP", len, fault, "dropped");
	return true;
}

static void hook_udp(struct edge_guard *g, struct udp_sock *us)
{
	for (unsigned i = 0; i < g->nhook; i++)
		if (g->hook[i].us == us)
			return;
	if (g->nhook == EDGE_MAX_LISTEN)
		return;
	if (udp_register_helper(&g->hook[g->nhook].uh, us, 0, NULL, guard_udp_recv, g))
		return;
	g->hook[g->nhook++].us = mem_ref(us); /* the helper goes before the socket */
	if (g->nhook == g->e->cfg.nlisten) {
		tmr_cancel(&g->probe_tmr);
		g->probe = mem_deref(g->probe);
	}
}

/* The first request listener: hooks UDP sockets, takes the probe, refuses the
 * requests the edge and libre must not act on. */
static bool guard_request(const struct sip_msg *msg, void *arg)
{
	struct edge_guard *g = arg;
	char what[48];
	if (msg->tp == SIP_TRANSP_UDP && msg->sock)
		hook_udp(g, msg->sock);
	if (!pl_strcmp(&msg->callid, g->token))
		return true;
	const char *fault = sip_request_fault(msg);
	if (!fault)
		return false;
	g->e->st.bad_requests++;
	/* no answer to an ACK, nor where there is no Via to answer to */
	bool drop = !pl_strcmp(&msg->met, "ACK") || !pl_isset(&msg->via.sentby);
	re_snprintf(what, sizeof(what), "%r: %s", &msg->met, fault);
	edge_guard_note(g->e, &msg->src, sip_transp_name(msg->tp), msg->mb->end, what,
		  drop ? "dropped" : "answered 400");
	if (!drop)
		sip_replyf(g->e->sip, msg, 400, "Bad Request",
			   "Warning: 399 xsrelay \"%s\"\r\nContent-Length: 0\r\n\r\n", fault);
	return true;
}

static void probe_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	(void)src;
	(void)mb;
	(void)arg; /* the probe is never answered; nothing else comes here */
}

static void probe_timeout(void *arg)
{
	struct edge_guard *g = arg;
	g->probe = mem_deref(g->probe);
	edge_log("malformed SIP: %u of %u UDP listeners hooked at start (the loopback probe "
		 "did not come back); the rest are hooked on their first valid message",
		 g->nhook, g->e->cfg.nlisten);
}

/* One OPTIONS to each UDP listen address, from loopback (or the address itself). */
static void probe_send(struct edge_guard *g)
{
	struct edge *e = g->e;
	uint8_t r[12];
	RAND_bytes(r, sizeof(r));
	re_snprintf(g->token, sizeof(g->token), "xsrelay-probe-%w", r, sizeof(r));
	for (unsigned i = 0; i < e->cfg.nlisten; i++) {
		struct sa dst, src;
		struct mbuf *mb;
		if (sa_decode(&dst, e->cfg.listen[i], strlen(e->cfg.listen[i])))
			continue;
		/* port 0: the port libre bound (one such listener is all it can tell) */
		if (!sa_port(&dst) && sip_transp_laddr(e->sip, &dst, SIP_TRANSP_UDP, NULL))
			continue;
		if (sa_is_any(&dst))
			sa_set_str(&dst, sa_af(&dst) == AF_INET6 ? "::1" : "127.0.0.1", sa_port(&dst));
		sa_init(&src, sa_af(&dst));
		if (!g->probe && udp_listen(&g->probe, &src, probe_recv, g))
			return;
		udp_local_get(g->probe, &src);
		mb = mbuf_alloc(512);
		if (!mb)
			return;
		mbuf_printf(mb, "OPTIONS sip:probe@%J SIP/2.0\r\n"
			    "Via: SIP/2.0/UDP %J;branch=z9hG4bK%s\r\nMax-Forwards: 70\r\n"
			    "From: <sip:probe@invalid>;tag=%s\r\nTo: <sip:probe@invalid>\r\n"
			    "Call-ID: %s\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
			    &dst, &src, g->token, g->token, g->token);
		mb->pos = 0;
		udp_send(g->probe, &dst, mb);
		mem_deref(mb);
	}
	if (g->probe)
		tmr_start(&g->probe_tmr, 2000, probe_timeout, g);
}

static void guard_destructor(void *arg)
{
	struct edge_guard *g = arg;
	tmr_cancel(&g->probe_tmr);
	g->probe = mem_deref(g->probe);
	for (unsigned i = 0; i < g->nhook; i++) {
		g->hook[i].uh = mem_deref(g->hook[i].uh);
		g->hook[i].us = mem_deref(g->hook[i].us);
	}
	g->lsnr = mem_deref(g->lsnr);
}

int edge_guard_start(struct edge *e)
{
	struct edge_guard *g = mem_zalloc(sizeof(*g), guard_destructor);
	if (!g)
		return ENOMEM;
	g->e = e;
	int err = sip_listen(&g->lsnr, e->sip, true, guard_request, g);
	if (err) {
		mem_deref(g);
		return err;
	}
	e->guard = g;
	probe_send(g);
	return 0;
}

void edge_guard_stop(struct edge *e)
{
	e->guard = mem_deref(e->guard);
}
