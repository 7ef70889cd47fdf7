/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Malformed SIP on TCP and TLS connections: counted and logged, and the
 * connection closed, by the edge rather than silently by libre.
 *
 * libre 1.1's SIP transport accepts its connections itself, closes one whose
 * message does not parse, lacks Content-Length or buffers more than 64 KiB
 * without completing, and tells nobody: no hook, no count, no log line.
 *
 * The hook: this file defines tcp_accept(), libre's public function with its
 * public prototype (re_tcp.h). libre's SIP transport calls it through its PLT,
 * so the dynamic linker binds that call to the executable's definition (ELF
 * symbol interposition, the mechanism malloc wrappers use). The definition
 * calls libre's own tcp_accept (dlsym RTLD_NEXT), then registers a receive
 * helper on the new connection at layer 1: libre's TLS helper is layer 0 and
 * runs first, so this one sees plaintext on TLS too. At start the edge checks
 * that the interposition took effect and says so in the log if it did not
 * (the counts below then stay 0 and libre still closes such connections).
 *
 * The helper frames the stream exactly as libre's SIP transport does (CRLF
 * keep-alives skipped, sip_msg_decode, Content-Length required, 64 KiB at most
 * buffered) on its own copy of the bytes, and on the first message that fails
 * counts it (edge_stats.malformed_streams), logs the peer, transport, size and
 * fault (rate-limited with the UDP guard's lines, never the content), hands
 * libre only the complete messages before it, and ends the connection once
 * libre has taken those (shutdown(); libre then forgets the connection through
 * its own close path, as it would have). Bytes of messages that frame are
 * let through untouched: libre parses them as before. One difference from
 * libre alone: a Content-Length that makes the message larger than 64 KiB is
 * refused when its headers arrive, not after 64 KiB of its body.
 *
 * Memory: each connection's watch holds a reference on its helper; libre drops
 * its own when the connection goes, and a sweep once a second frees the watches
 * whose helper only we still hold (the bytes of a connection closed on a
 * fault are given back at once). A watch holds at most 64 KiB, as libre does.
 * The guard is freed after the SIP stack, whose connections hold its helpers.
 *
 * At start the edge checks the hook twice: the executable must export
 * tcp_accept (dlsym), and one TCP connection of its own to its first TCP
 * listener must be seen by the hook within 2 s; otherwise a line says that
 * malformed SIP over TCP and TLS is not being counted.
 */
#include <dlfcn.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sip_edge.h"
#include "sip_fault.h"

enum {
	STREAM_BUF_MAX = SIP_STREAM_MAX,
	STREAM_SWEEP_MS = 250,
	STREAM_PROBE_MS = 2000,
	STREAM_HELPER_LAYER = 1,  /* above libre's TLS (0) */
};

struct stream_watch {
	struct le le;
	struct tcp_helper *th;    /* a reference of ours */
	struct mbuf *buf;         /* bytes of the message not yet complete */
	struct sa peer;
	const char *tp;
	struct stream_guard *sg;
	struct tcp_conn *tc;      /* libre's; alive while it holds th */
	struct tmr shut;
	bool closed;              /* a fault was seen: the rest is dropped */
};

struct stream_guard {
	struct edge *e;
	struct list watches;
	struct tmr sweep;
	struct sa tls_laddr;      /* the TLS listener's bound address (port 0 resolved) */
	bool tls;
	uint64_t accepts;         /* connections tcp_accept saw */
	int probe_fd;             /* the start-up self-test's connection, -1 when done */
	struct tmr probe_tmr;
};

typedef int (tcp_accept_fn)(struct tcp_conn **, struct tcp_sock *, tcp_estab_h *, tcp_recv_h *,
			    tcp_close_h *, void *);

static struct stream_guard *active; /* tcp_accept has no argument to carry it */

static void watch_destructor(void *arg)
{
	struct stream_watch *w = arg;
	list_unlink(&w->le);
	tmr_cancel(&w->shut);
	if (w->buf)
		memset(w->buf->buf, 0, w->buf->size); /* SIP bodies carry keys (SDES) */
	w->buf = mem_deref(w->buf);
	w->th = mem_deref(w->th);
}

/* Frames what the watch holds (sip_stream_fault) and keeps only the bytes of
 * the message still to come. 0, or where the message that does not frame
 * starts, plus one. */
static size_t watch_frame(struct stream_watch *w, char *fault, size_t faultsz)
{
	struct mbuf *b = w->buf;
	size_t at = sip_stream_fault(b, fault, faultsz);
	if (at)
		return at;
	size_t left = mbuf_get_left(b);
	if (b->pos) {
		memmove(b->buf, mbuf_buf(b), left);
		memset(b->buf + left, 0, b->end - left);
		b->pos = 0;
		b->end = left;
	}
	return 0;
}

/* After libre has taken the good messages before the fault: end the connection.
 * shutdown() rather than close(): libre owns the descriptor, sees the end of
 * the stream and forgets the connection through its own close path. */
static void watch_shutdown(void *arg)
{
	struct stream_watch *w = arg;
	if (mem_nrefs(w->th) > 1) /* libre still has the connection */
		shutdown(tcp_conn_fd(w->tc), SHUT_RDWR);
}

static bool watch_recv(int *err, struct mbuf *mb, bool *estab, void *arg)
{
	struct stream_watch *w = arg;
	char fault[80];
	size_t at;
	(void)estab;
	(void)err;
	if (w->closed || !w->buf)
		return true; /* nothing after the fault reaches libre */
	size_t held = w->buf->end, n = mbuf_get_left(mb);
	/* libre's rule: bytes added to an unfinished message may not pass 64 KiB */
	if (held && held + n > STREAM_BUF_MAX) {
		re_snprintf(fault, sizeof(fault), "more than %u bytes without a complete message",
			    STREAM_BUF_MAX);
		at = 1;
	} else {
		w->buf->pos = held;
		if (mbuf_write_mem(w->buf, mbuf_buf(mb), n)) {
			*err = ENOMEM;
			return true;
		}
		w->buf->pos = 0;
		at = watch_frame(w, fault, sizeof(fault));
		if (!at)
			return false; /* all of it goes on to libre */
	}
	size_t bad = at - 1; /* where the bad message starts in held + this chunk */
	w->sg->e->st.malformed_streams++;
	edge_guard_note(w->sg->e, &w->peer, w->tp, held + n - bad, fault, "connection closed");
	w->closed = true;
	tmr_start(&w->shut, 0, watch_shutdown, w);
	memset(w->buf->buf, 0, w->buf->size); /* nothing more is framed: give it back now */
	w->buf = mem_deref(w->buf);
	if (bad <= held)
		return true; /* nothing of this chunk is good */
	mb->end = mb->pos + (bad - held); /* libre gets the good messages before it */
	return false;
}

static void sweep(void *arg)
{
	struct stream_guard *sg = arg;
	struct le *le = list_head(&sg->watches);
	while (le) {
		struct stream_watch *w = le->data;
		le = le->next;
		if (mem_nrefs(w->th) == 1) /* libre let the connection go */
			mem_deref(w);
	}
	tmr_start(&sg->sweep, STREAM_SWEEP_MS, sweep, sg);
}

/* The transport of a connection accepted on ts: the edge's only TCP listeners
 * are libre's SIP transports, so it is "TLS" on the TLS listener's address and
 * "TCP" on any other. */
static const char *listener_transport(const struct stream_guard *sg, const struct tcp_sock *ts)
{
	struct sa la;
	if (sg->tls && !tcp_sock_local_get(ts, &la) && sa_cmp(&la, &sg->tls_laddr, SA_ALL))
		return "TLS";
	return "TCP";
}

static void watch(struct stream_guard *sg, struct tcp_conn *tc, struct tcp_sock *ts)
{
	const char *tp = listener_transport(sg, ts);
	sg->accepts++;
	struct stream_watch *w = mem_zalloc(sizeof(*w), watch_destructor);
	if (!w)
		return;
	w->sg = sg;
	w->tp = tp;
	w->tc = tc;
	w->buf = mbuf_alloc(2048);
	if (!w->buf || tcp_conn_peer_get(tc, &w->peer) ||
	    tcp_register_helper(&w->th, tc, STREAM_HELPER_LAYER, NULL, NULL, watch_recv, w)) {
		w->th = NULL; /* registration failed: nothing of libre's to release */
		mem_deref(w);
		return;
	}
	mem_ref(w->th); /* the connection's list holds one, we hold one */
	list_append(&sg->watches, &w->le, w);
}

/* libre's SIP transport calls this (see the top of the file). */
int tcp_accept(struct tcp_conn **tcp, struct tcp_sock *ts, tcp_estab_h *eh, tcp_recv_h *rh,
	       tcp_close_h *ch, void *arg)
{
	static tcp_accept_fn *libre_tcp_accept;
	if (!libre_tcp_accept)
		libre_tcp_accept = (tcp_accept_fn *)dlsym(RTLD_NEXT, "tcp_accept");
	if (!libre_tcp_accept)
		return ENOSYS;
	int err = libre_tcp_accept(tcp, ts, eh, rh, ch, arg);
	if (!err && active)
		watch(active, *tcp, ts);
	return err;
}

static void probe_end(struct stream_guard *sg)
{
	if (sg->probe_fd >= 0)
		close(sg->probe_fd);
	sg->probe_fd = -1;
	tmr_cancel(&sg->probe_tmr);
}

/* The self-test's verdict: did libre's accept of our own connection go through
 * the edge's tcp_accept? (A libre built with -Bsymbolic or LTO binds its call
 * inside the library, and the hook would never run.) */
static void probe_check(void *arg)
{
	struct stream_guard *sg = arg;
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	bool connected = !getsockopt(sg->probe_fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) &&
			 !soerr;
	if (connected && !sg->accepts)
		edge_log("malformed SIP over TCP and TLS is not counted: libre accepted the "
			 "edge's own test connection without its tcp_accept hook (a libre "
			 "built with -Bsymbolic or LTO?); libre still closes such connections");
	else if (!connected)
		edge_log("malformed SIP over TCP and TLS: the start-up self-test could not "
			 "connect to the edge's own TCP listener (%s); counting is not verified",
			 strerror(soerr ? soerr : errno));
	probe_end(sg);
}

/* One TCP connection to our first TCP listener, from loopback when it listens
 * on any address. Sends nothing: libre closes it when we do. */
static void probe_start(struct stream_guard *sg)
{
	struct sa la;
	if (sip_transp_laddr(sg->e->sip, &la, SIP_TRANSP_TCP, NULL))
		return;
	if (sa_is_any(&la))
		sa_set_str(&la, sa_af(&la) == AF_INET6 ? "::1" : "127.0.0.1", sa_port(&la));
	sg->probe_fd = socket(sa_af(&la), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sg->probe_fd < 0)
		return;
	if (connect(sg->probe_fd, &la.u.sa, la.len) && errno != EINPROGRESS) {
		probe_end(sg);
		return;
	}
	tmr_start(&sg->probe_tmr, STREAM_PROBE_MS, probe_check, sg);
}

static void stream_guard_destructor(void *arg)
{
	struct stream_guard *sg = arg;
	if (active == sg)
		active = NULL;
	probe_end(sg);
	tmr_cancel(&sg->sweep);
	list_flush(&sg->watches);
}

int edge_stream_guard_start(struct edge *e, struct stream_guard **sgp)
{
	struct stream_guard *sg = mem_zalloc(sizeof(*sg), stream_guard_destructor);
	if (!sg)
		return ENOMEM;
	sg->e = e;
	sg->probe_fd = -1;
	if (e->cfg.tls_listen[0] && !sip_transp_laddr(e->sip, &sg->tls_laddr, SIP_TRANSP_TLS,
						       NULL))
		sg->tls = true;
	/* the executable's tcp_accept must be the one libre's call resolves to */
	if (dlsym(RTLD_DEFAULT, "tcp_accept") != (void *)tcp_accept)
		edge_log("malformed SIP over TCP and TLS is not counted: libre's tcp_accept "
			 "does not resolve to the edge's (libre linked statically?); libre "
			 "still closes such connections");
	active = sg;
	tmr_start(&sg->sweep, STREAM_SWEEP_MS, sweep, sg);
	probe_start(sg);
	*sgp = sg;
	return 0;
}
