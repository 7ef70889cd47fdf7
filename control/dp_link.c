/* SPDX-License-Identifier: BSD-3-Clause */
/* The fast-path link: connection, hello, flows from calls, counters. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>


#include "dp_client.h"
#include "dp_codec.h"
#include "dp_link.h"
#include "marks.h"
#include "store.h"
#include "xs_srtp.h"

struct dp_link {
	char path[XSD_PATH_MAX];
	int fd;
	bool dev;    /* fd is /dev/xsrelay (xsrelay.ko): write()/read(), not send()/recv() */
	uint32_t seq;
	bool warned; /* "fast path not reachable" logged once per outage */
	bool told;   /* the backend in use has been logged */
	unsigned gen; /* counts connections: tells a new link from an old fd number */
	/* flow changes nobody waits for, in order (see dp_link_flush) */
	struct dp_queued *q;
	struct dp_queued *q_sent; /* the other half: what the flush under way sends */
	unsigned nq;
	uint64_t refused;  /* slots whose queued flows the fast path refused */
	bool no_batch;     /* this fast path refused a BATCH: one message per request */
	uint8_t *batch;    /* a BATCH request or reply, XS_DP_MSG_MAX bytes */
	/* a call could not be programmed because its SRTCP floors could not be
	 * stored: every call is programmed again at this time (0: none) */
	int64_t reprogram_at;
	/* flows of a dump that no live call owns, removed after it (grows) */
	struct xs_dp_flow_ref *stale;
	unsigned stale_cap;
};

enum { STORE_RETRY_S = 5 }; /* after a failed store write, the next try */

/*
 * An answer's FLOW_ADDs and a call's FLOW_DELs need no reply before the ng
 * reply is written, so they wait here and go out pipelined: at the end of a
 * burst of ng requests, before any request that does wait for its reply (so
 * the fast path sees every change in order), and when the queue is full. One
 * wake-up of the fast path's control thread per burst instead of one per
 * answer and delete.
 */
enum { DP_QUEUE_MAX = 128, DP_PIPELINE = 16 };
struct dp_queued {
	uint16_t type;
	uint16_t len;
	int owner;                    /* d->ng_slot when queued */
	uint32_t replace_flags;       /* FLOW_ADD: flags it gets if it goes as REPLACE */
	struct xs_dp_flow_info *info; /* FLOW_GET: where the reply goes ... */
	bool *have;                   /* ... and whether it came */
	union {
		struct xs_dp_flow_msg add; /* holds keys: wiped once sent */
		struct xs_dp_flow_ref ref;
	} body;
};

/*
 * The one place that knows the two transports. xsrelay-dp: a SOCK_SEQPACKET
 * socket, one message per send()/recv(). xsrelay.ko: the character device, one
 * request per write(), one reply per read(); the module answers a request
 * inside write(), so read() never waits (it says EAGAIN when no reply is
 * queued, which here means a lost reply: the link is dropped). Both return
 * the length, or -errno.
 */
static long link_send(const struct dp_link *l, const void *msg, size_t len)
{
	ssize_t n;
	do
		n = l->dev ? write(l->fd, msg, len) : send(l->fd, msg, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? n : -EIO;
}

static long link_recv(const struct dp_link *l, void *buf, size_t cap)
{
	ssize_t n;
	do
		n = l->dev ? read(l->fd, buf, cap) : recv(l->fd, buf, cap, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? n : -ECONNRESET;
}

/* One request, its (first) reply into buf: the reply's length or -errno. */
static long link_call(const struct dp_link *l, uint16_t type, uint32_t seq, const void *body,
		      size_t blen, void *buf, size_t cap)
{
	uint8_t out[sizeof(struct xs_dp_hdr) + sizeof(struct xs_dp_hello)];
	struct xs_dp_hdr h;
	if (blen > sizeof(out) - sizeof(h))
		return -EMSGSIZE;
	xs_dp_hdr_fill(&h, type, (uint32_t)(sizeof(h) + blen), seq, 0);
	memcpy(out, &h, sizeof(h));
	if (blen)
		memcpy(out + sizeof(h), body, blen);
	long n = link_send(l, out, sizeof(h) + blen);
	return n < 0 ? n : link_recv(l, buf, cap);
}

struct dp_link *dp_link_create(const char *path)
{
	struct dp_link *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	snprintf(l->path, sizeof(l->path), "%s", path);
	l->fd = -1;
	l->batch = calloc(1, XS_DP_MSG_MAX);
	l->q = calloc(DP_QUEUE_MAX, sizeof(*l->q));
	l->q_sent = calloc(DP_QUEUE_MAX, sizeof(*l->q_sent));
	if (!l->q || !l->q_sent || !l->batch) {
		free(l->q);
		free(l->q_sent);
		free(l->batch);
		free(l);
		return NULL;
	}
	return l;
}

void dp_link_free(struct dp_link *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	explicit_bzero(l->q, DP_QUEUE_MAX * sizeof(*l->q));
	free(l->q);
	free(l->q_sent); /* wiped after every flush */
	free(l->batch);  /* likewise */
	free(l->stale);
	free(l);
}

bool dp_link_up(const struct dp_link *l)
{
	return l && l->fd >= 0;
}

static void link_down(struct xsd *d, int err)
{
	struct dp_link *l = d->dp;
	if (l->fd < 0)
		return;
	close(l->fd);
	l->fd = -1;
	/* what was queued is in the calls: the reconnect re-programs them all */
	explicit_bzero(l->q, l->nq * sizeof(*l->q));
	l->nq = 0;
	xsd_log(XSD_LOG_WARN, "fast path %s: link lost (%s); reconnecting, flows will be "
		"re-programmed", l->path, strerror(err));
}

/*
 * Pipelined requests: all are sent, then the replies are read in order (the
 * socket keeps message order), so n requests cost one wake-up of the fast
 * path's control thread instead of n. Each gets rc: 0, a positive errno from
 * the fast path, or -errno when the link failed (then closed). A FLOW_INFO
 * reply body is copied to info when given.
 */
struct dp_req {
	uint16_t type;
	const void *body;
	size_t len;
	struct xs_dp_flow_info *info;
	int rc;
};

/* The request r as a message (header, then body) at out; its length. */
static size_t frame_request(uint8_t *out, const struct dp_req *r, uint32_t seq)
{
	struct xs_dp_hdr h;
	xs_dp_hdr_fill(&h, r->type, (uint32_t)(sizeof(h) + r->len), seq, 0);
	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), r->body, r->len);
	return sizeof(h) + r->len;
}

/* A checked reply (hdr h, k bytes in buf) to the request c, into c->rc. */
static void take_reply(struct dp_req *c, const struct xs_dp_hdr *h, const uint8_t *buf, size_t k)
{
	if (h->type == XS_DP_MSG_ERROR) {
		struct xs_dp_error e;
		memcpy(&e, buf + sizeof(*h), sizeof(e));
		c->rc = e.code;
	} else if (h->type == XS_DP_MSG_FLOW_INFO && c->info &&
		   k >= sizeof(*h) + sizeof(struct xs_dp_info_batch) + sizeof(*c->info)) {
		memcpy(c->info, buf + sizeof(*h) + sizeof(struct xs_dp_info_batch),
		       sizeof(*c->info));
		c->rc = 0;
	} else {
		c->rc = h->type == XS_DP_MSG_FLOW_INFO && c->info ? EBADMSG : 0;
	}
}

/* One reply, for the request c (sent with sequence number seq), into c->rc:
 * false when the link went down. */
static bool read_reply(struct xsd *d, struct dp_req *c, uint32_t seq, uint8_t *buf, size_t cap)
{
	struct dp_link *l = d->dp;
	const struct xs_dp_hdr *h;
	long k = link_recv(l, buf, cap);
	if (k < 0) {
		link_down(d, (int)-k);
		return false;
	}
	if (xs_dp_reply_check(buf, (size_t)k, &h, NULL) || h->seq != seq ||
	    h->type == XS_DP_MSG_BATCH) {
		link_down(d, EBADMSG);
		return false;
	}
	take_reply(c, h, buf, (size_t)k);
	return true;
}

/*
 * Up to XS_DP_BATCH_MAX requests in one BATCH, their replies from one BATCH:
 * one round trip. 0 when done (or the link went down: every rc says so),
 * 1 when the fast path refused the batch itself (nothing applied: xsrelay.ko,
 * or an xsrelay-dp from before BATCH), and *why says why.
 */
static int batch_call(struct xsd *d, struct dp_req *r, unsigned n, char *why, size_t whysz)
{
	struct dp_link *l = d->dp;
	uint8_t *b = l->batch;
	size_t len = sizeof(struct xs_dp_hdr);
	uint32_t seq0 = l->seq + 1;
	struct xs_dp_hdr h;
	for (unsigned i = 0; i < n; i++)
		len += frame_request(b + len, &r[i], ++l->seq);
	uint32_t bseq = ++l->seq;
	xs_dp_hdr_fill(&h, XS_DP_MSG_BATCH, (uint32_t)len, bseq, 0);
	memcpy(b, &h, sizeof(h));
	long k = link_send(l, b, len);
	explicit_bzero(b, len); /* the requests held keys */
	if (k < 0) {
		link_down(d, (int)-k);
		return 0;
	}
	k = link_recv(l, b, XS_DP_MSG_MAX);
	if (k < 0) {
		link_down(d, (int)-k);
		return 0;
	}
	const struct xs_dp_hdr *rh;
	if (xs_dp_reply_check(b, (size_t)k, &rh, NULL) || rh->seq != bseq) {
		link_down(d, EBADMSG);
		return 0;
	}
	if (rh->type == XS_DP_MSG_ERROR) {
		struct xs_dp_error e;
		memcpy(&e, b + sizeof(*rh), sizeof(e));
		e.text[sizeof(e.text) - 1] = '\0';
		snprintf(why, whysz, "%s (%s)", e.text, strerror(e.code));
		return 1;
	}
	if (rh->type != XS_DP_MSG_BATCH) {
		link_down(d, EBADMSG);
		return 0;
	}
	const uint8_t *body = b + sizeof(*rh), *p;
	size_t blen = (size_t)k - sizeof(*rh), off = 0, plen;
	unsigned i = 0;
	union {
		struct xs_dp_hdr h;
		uint64_t align;
		uint8_t b[1024];
	} part;
	while ((p = xs_dp_batch_next(body, blen, &off, &plen)) && i < n) {
		memcpy(part.b, p, plen); /* xs_dp_reply_check passed: plen fits */
		if (part.h.seq != seq0 + i) {
			link_down(d, EBADMSG);
			return 0;
		}
		take_reply(&r[i++], &part.h, part.b, plen);
	}
	if (i != n || p) {
		link_down(d, EBADMSG); /* a reply short of or past the requests */
		return 0;
	}
	return 0;
}

/* The requests r in order, at most DP_PIPELINE unanswered at any time: a
 * sliding window, so the fast path always has the next request queued while
 * this side reads a reply. The bound keeps both sides out of a blocked send():
 * a connected SOCK_SEQPACKET pair queues about 160 requests of this size in
 * the default socket buffer (the 10-datagram max_dgram_qlen limit applies to
 * unconnected sockets only), and xsrelay.ko queues 1 MiB of replies. A window
 * of 64 measured the same as 16 in xsrelay-bench ng. */
static void pipeline(struct xsd *d, struct dp_req *r, unsigned n)
{
	struct dp_link *l = d->dp;
	uint8_t msg[sizeof(struct xs_dp_hdr) + sizeof(struct xs_dp_flow_msg)];
	uint8_t buf[1024];
	unsigned sent = 0, got = 0;
	for (unsigned i = 0; i < n; i++)
		r[i].rc = -ENOTCONN;
	/* xsrelay-dp: BATCHes, one round trip each */
	while (!l->dev && !l->no_batch && n > 1 && l->fd >= 0) {
		char why[160];
		unsigned m = n < XS_DP_BATCH_MAX ? n : XS_DP_BATCH_MAX;
		if (batch_call(d, r, m, why, sizeof(why))) {
			l->no_batch = true;
			xsd_log(XSD_LOG_INFO, "fast path %s refused a BATCH: %s; one message per "
				"request from now on", l->path, why);
			break;
		}
		r += m;
		n -= m;
		if (!n)
			return;
	}
	uint32_t seq0 = l->seq + 1;
	while (got < n && l->fd >= 0) {
		for (; sent < n && sent - got < DP_PIPELINE && l->fd >= 0; sent++) {
			long k = link_send(l, msg, frame_request(msg, &r[sent], ++l->seq));
			if (k < 0) {
				link_down(d, (int)-k);
				break;
			}
		}
		if (got == sent || !read_reply(d, &r[got], seq0 + got, buf, sizeof(buf)))
			break;
		got++;
	}
	explicit_bzero(msg, sizeof(msg));
}

static void log_refused(struct xsd *d, const struct dp_queued *e, int rc)
{
	bool add = e->type != XS_DP_MSG_FLOW_DEL;
	const struct call *c = add ? call_by_id(&d->calls, e->body.add.flow.cookie) : NULL;
	char a[64];
	d->cnt.dp_errors++;
	xsd_log(XSD_LOG_ERR, "%s%s%sfast path refused the flow on %s: %s", c ? "call " : "",
		c ? c->call_id : "", c ? ": " : "",
		xs_dp_addr_str(add ? &e->body.add.flow.local : &e->body.ref.local, a, sizeof(a)),
		strerror(rc));
}

static const struct xs_dp_addr *queued_local(const struct dp_queued *e)
{
	return e->type == XS_DP_MSG_FLOW_GET || e->type == XS_DP_MSG_FLOW_DEL ? &e->body.ref.local
									       : &e->body.add.flow.local;
}

/* Whether q[j] is for an address an ADD in q[from..j) is for: that ADD may meet
 * EEXIST and be sent again as REPLACE, which must reach the fast path first. */
static bool after_add_of_same(const struct dp_queued *q, unsigned from, unsigned j)
{
	for (unsigned k = from; k < j; k++)
		if (q[k].type == XS_DP_MSG_FLOW_ADD &&
		    !memcmp(queued_local(&q[k]), queued_local(&q[j]), sizeof(struct xs_dp_addr)))
			return true;
	return false;
}

/* The stream of call c whose relay port is local (the flow at that port
 * receives from it): its leg and media line, or false. */
static bool stream_at(const struct xsd *d, const struct call *c, const struct xs_dp_addr *local,
		      int *leg, int *m)
{
	for (int l = 0; l < 2; l++)
		for (int i = 0; i < c->leg[l].nmedia && i < CALL_MAX_MEDIA; i++) {
			const struct call_stream *s = &c->leg[l].media[i];
			if (s->relay_port == local->port && s->iface < d->niface &&
			    !memcmp(d->iface[s->iface].addr.addr, local->addr, sizeof(local->addr))) {
				*leg = l;
				*m = i;
				return true;
			}
		}
	return false;
}

static void mark_unsaved(struct xsd *d, struct call *c)
{
	c->unsaved = true;
	d->unsaved = true;
}

/* The fast path took flow f with F_REBIND (or as a new flow): the party's move
 * is done; the call is stored again at the next tick without the flag. */
static void rebound(struct xsd *d, const struct xs_dp_flow *f)
{
	struct call *c = call_by_id(&d->calls, f->cookie);
	int leg, m;
	if (c && stream_at(d, c, &f->local, &leg, &m) && c->leg[leg].media[m].rebind) {
		c->leg[leg].media[m].rebind = false;
		mark_unsaved(d, c);
	}
}

void dp_link_flush(struct xsd *d)
{
	struct dp_link *l = d->dp;
	struct dp_req r[DP_QUEUE_MAX];
	unsigned n = l->nq;
	if (!n)
		return;
	/* What the requests carry (keys, SRTCP floors, the call's id) is in the
	 * store before the fast path has it: if both processes die, the store
	 * must not be behind what the fast path used. Inside a burst that means
	 * committing its writes so far; if that fails, nothing is sent (the burst
	 * is undone as after a failed commit). */
	if (store_checkpoint(d->store)) {
		d->cnt.store_errors++;
		xsd_log(XSD_LOG_ERR, "store: %u fast-path changes dropped: what they carry could "
			"not be stored", n);
		dp_link_discard(d);
		return;
	}
	/* the halves swap: should the link drop mid-way (and discard its queue),
	 * the results already read are still here to be delivered */
	struct dp_queued *q = l->q;
	l->q = l->q_sent;
	l->q_sent = q;
	l->nq = 0;
	for (unsigned i = 0; i < n; i++)
		r[i] = (struct dp_req){ .type = q[i].type, .body = &q[i].body, .len = q[i].len,
					.info = q[i].info };
	for (unsigned i = 0; i < n;) {
		unsigned j = i + 1;
		while (j < n && !after_add_of_same(q, i, j))
			j++;
		pipeline(d, r + i, j - i);
		for (unsigned k = i; k < j; k++)
			if (q[k].type == XS_DP_MSG_FLOW_ADD && r[k].rc == EEXIST) {
				/* a live flow: replace it, keeping its stream state (never
				 * F_RESET: the marks are floors, the state it has is newer) */
				r[k].type = XS_DP_MSG_FLOW_REPLACE;
				q[k].body.add.flow.flags |= q[k].replace_flags;
				pipeline(d, &r[k], 1);
			}
		i = j;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct dp_queued *e = &q[i];
		if (e->have)
			*e->have = r[i].rc == 0;
		if (e->type == XS_DP_MSG_FLOW_GET)
			continue; /* a flow that is not there is not an error */
		if (e->type == XS_DP_MSG_FLOW_ADD && r[i].rc == 0 && e->replace_flags)
			rebound(d, &e->body.add.flow);
		if (r[i].rc > 0 && !(e->type == XS_DP_MSG_FLOW_DEL && r[i].rc == ENOENT)) {
			log_refused(d, e, r[i].rc);
			if (e->owner >= 0 && e->owner < 64)
				l->refused |= 1ull << e->owner;
		}
		/* rc < 0: the link went down; the reconnect re-programs every live call
		 * and the next poll removes flows no call owns (poll_media) */
	}
	explicit_bzero(q, n * sizeof(*q));
}

void dp_link_discard(struct xsd *d)
{
	struct dp_link *l = d->dp;
	explicit_bzero(l->q, l->nq * sizeof(*l->q));
	l->nq = 0;
}

/* The new entry, or NULL when the link is down (also after the flush a full
 * queue needs): nothing is queued for a link that is not there. */
static struct dp_queued *enqueue(struct xsd *d, uint16_t type, const void *body, size_t len)
{
	struct dp_link *l = d->dp;
	if (l->nq == DP_QUEUE_MAX)
		dp_link_flush(d);
	if (l->fd < 0)
		return NULL;
	struct dp_queued *e = &l->q[l->nq++];
	e->type = type;
	e->len = (uint16_t)len;
	e->owner = d->ng_slot;
	e->replace_flags = 0;
	e->info = NULL;
	e->have = NULL;
	memcpy(&e->body, body, len);
	return e;
}

uint64_t dp_link_refused(struct dp_link *l)
{
	uint64_t r = l->refused;
	l->refused = 0;
	return r;
}

static void set_addr(struct xs_dp_addr *a, const struct xsd_iface *f, uint16_t port)
{
	*a = f->addr;
	a->port = port;
}

static void key_to_crypto(const struct call_key *k, struct xs_dp_crypto *c)
{
	memset(c, 0, sizeof(*c));
	c->suite = k->suite;
	c->flags = k->flags;
	memcpy(c->master_key, k->key, sizeof(c->master_key));
	memcpy(c->master_salt, k->salt, sizeof(c->master_salt));
	c->key_len = k->key_len;
	c->salt_len = k->salt_len;
	c->xsipura = k->xsipura;
}

/* Whether packets under key k prove who made them: SRTP whose RTP carries
 * an authentication tag (not AES_CM_128_NULL_AUTH, not UNAUTHENTICATED_SRTP:
 * anyone can make such a packet that the flow accepts). */
static bool authenticates(const struct call_key *k)
{
	return k->suite && k->suite != XS_SUITE_AES_CM_128_NULL_AUTH &&
	       !(k->flags & XS_SRTP_F_UNAUTHENTICATED_SRTP);
}

/*
 * Which packets the flow receiving from party `in` accepts (docs/xsrelayd.md,
 * "Latching"). Authenticated SRTP input latches to the first packet that
 * authenticates, so only the key holder can take the flow, and with relatch
 * (or the call's media-handover) a later authenticated packet from elsewhere
 * moves it (NAT rebinding). Plain input, and SRTP without authentication,
 * have nothing to prove who sent them: by default only the party's SDP
 * address (its IP, any port) may latch, and nothing re-latches.
 */
static void set_source(const struct xsd *d, const struct call *c, const struct call_stream *in,
		       struct xs_dp_flow *f)
{
	enum xsd_latching l = c->strict_source ? XSD_LATCH_STRICT : d->cfg.latching;
	f->src_policy = XS_DP_SRC_LATCH;
	if (l == XSD_LATCH_STRICT) {
		f->src_policy = XS_DP_SRC_FIXED;
	} else if (authenticates(&in->rx)) {
		if (d->cfg.relatch || c->media_handover)
			f->flags |= XS_DP_FLOW_F_RELATCH;
		return;
	} else if (l == XSD_LATCH_SDP_ADDRESS) {
		f->src_policy = XS_DP_SRC_LATCH_IP;
	} else {
		return;
	}
	f->peer = in->peer; /* the address this party's SDP gave, any port (RTCP) */
	f->peer.port = 0;
}

void dp_flow_msg_for(const struct xsd *d, const struct call *c, int leg, int m,
		     struct xs_dp_flow_msg *msg)
{
	const struct call_stream *in = &c->leg[leg].media[m];
	const struct call_stream *out = &c->leg[!leg].media[m];
	struct xs_dp_flow *f = &msg->flow;
	memset(msg, 0, sizeof(*msg));
	set_addr(&f->local, &d->iface[in->iface], in->relay_port);
	set_addr(&f->out_src, &d->iface[out->iface], out->relay_port);
	f->out_dst = out->peer;
	set_source(d, c, in, f);
	f->in_suite = in->rx.suite;
	f->out_suite = out->tx.suite;
	f->cookie = c->id;
	if (in->rtcp_mux)
		f->flags |= XS_DP_FLOW_F_RTCP_MUX_IN;
	if (out->rtcp_mux)
		f->flags |= XS_DP_FLOW_F_RTCP_MUX_OUT;
	/* every direction with keys gets its marks back: floors that a fast path
	 * which lost the stream state (or never had it) starts from */
	if (in->rx.suite) {
		f->flags |= XS_DP_FLOW_F_IN_KEYS | XS_DP_FLOW_F_MARKS;
		key_to_crypto(&in->rx, &msg->in);
		marks_for_flow(&msg->in_marks, &in->rx_marks, false);
	}
	if (out->tx.suite) {
		f->flags |= XS_DP_FLOW_F_OUT_KEYS | XS_DP_FLOW_F_MARKS;
		key_to_crypto(&out->tx, &msg->out);
		marks_for_flow(&msg->out_marks, &out->tx_marks, true);
	}
}

static bool media_active(const struct call *c, int m)
{
	return !c->leg[0].media[m].disabled && !c->leg[1].media[m].disabled &&
	       c->leg[0].media[m].relay_port && c->leg[1].media[m].relay_port &&
	       c->leg[0].media[m].peer.family && c->leg[1].media[m].peer.family;
}

/* Another try at programming every call after a failed store write. */
static void program_later(struct dp_link *l)
{
	if (!l->reprogram_at)
		l->reprogram_at = xsd_now() + STORE_RETRY_S;
}

int dp_program_call(struct xsd *d, struct call *c)
{
	struct xs_dp_flow_msg msg[CALL_MAX_MEDIA][2];
	bool active[CALL_MAX_MEDIA] = { false }, raised = false;
	int n = c->leg[0].nmedia < c->leg[1].nmedia ? c->leg[0].nmedia : c->leg[1].nmedia;
	int rc = 0;
	if (c->state != CALL_ANSWERED)
		return 0;
	if (!dp_link_up(d->dp))
		return -ENOTCONN; /* the connect re-programs every call */
	if (n > CALL_MAX_MEDIA)
		n = CALL_MAX_MEDIA;
	for (int m = 0; m < n; m++) {
		active[m] = media_active(c, m);
		if (!active[m])
			continue;
		for (int leg = 0; leg < 2; leg++) {
			struct call_stream *to = &c->leg[!leg].media[m];
			uint32_t *kept = &to->tx_marks.rtcp_index;
			dp_flow_msg_for(d, c, leg, m, &msg[m][leg]);
			/* the SRTCP floor given (the kept index plus the margin) is
			 * the mark from now on: a fast path that restarts again before
			 * the next poll (a crash loop) gets the margin on top of it */
			if (to->tx.suite && *kept != msg[m][leg].out_marks.rtcp_index) {
				*kept = msg[m][leg].out_marks.rtcp_index;
				raised = true;
			}
		}
	}
	/* and it is stored before the fast path has it (dp_link_flush commits a
	 * burst's writes first): should both processes die, the floor the next
	 * start gives is still above every index sent. Not stored: not sent. */
	if (raised && store_save(d->store, c)) {
		d->cnt.store_errors++;
		program_later(d->dp);
		rc = -EIO;
		goto out;
	}
	for (int m = 0; m < n; m++) {
		if (!active[m])
			continue;
		for (int leg = 0; leg < 2; leg++) {
			struct dp_queued *e = enqueue(d, XS_DP_MSG_FLOW_ADD, &msg[m][leg],
						      sizeof(msg[m][leg]));
			if (e && c->leg[leg].media[m].rebind)
				e->replace_flags = XS_DP_FLOW_F_REBIND;
		}
	}
out:
	explicit_bzero(msg, sizeof(msg));
	return rc;
}

int dp_program_call_now(struct xsd *d, struct call *c)
{
	dp_link_flush(d); /* what others queued is not counted as ours */
	uint64_t errors = d->cnt.dp_errors;
	int slot = d->ng_slot;
	d->ng_slot = -1; /* the caller words its own warning: no second one (dp_link_refused) */
	int rc = dp_program_call(d, c);
	dp_link_flush(d);
	d->ng_slot = slot;
	return !rc && dp_link_up(d->dp) && d->cnt.dp_errors == errors ? 0 : -1;
}

void dp_remove_flow(struct xsd *d, unsigned iface, uint16_t port)
{
	struct xs_dp_flow_ref ref;
	if (!dp_link_up(d->dp) || iface >= d->niface)
		return;
	memset(&ref, 0, sizeof(ref));
	set_addr(&ref.local, &d->iface[iface], port);
	enqueue(d, XS_DP_MSG_FLOW_DEL, &ref, sizeof(ref));
}

void dp_remove_call(struct xsd *d, const struct call *c)
{
	if (!dp_link_up(d->dp))
		return; /* a fast path that connects later gets only live calls */
	for (int m = 0; m < c->leg[0].nmedia && m < c->leg[1].nmedia; m++)
		for (int leg = 0; leg < 2; leg++) {
			const struct call_stream *s = &c->leg[leg].media[m];
			struct xs_dp_flow_ref ref;
			if (!s->relay_port)
				continue;
			memset(&ref, 0, sizeof(ref));
			set_addr(&ref.local, &d->iface[s->iface], s->relay_port);
			enqueue(d, XS_DP_MSG_FLOW_DEL, &ref, sizeof(ref));
		}
}

void dp_call_info_queue(struct xsd *d, const struct call *c,
			struct xs_dp_flow_info info[2][CALL_MAX_MEDIA], bool have[2][CALL_MAX_MEDIA])
{
	memset(have, 0, sizeof(bool) * 2 * CALL_MAX_MEDIA);
	if (!dp_link_up(d->dp) || c->state != CALL_ANSWERED)
		return;
	for (int leg = 0; leg < 2; leg++)
		for (int m = 0; m < c->leg[leg].nmedia && m < CALL_MAX_MEDIA; m++) {
			const struct call_stream *s = &c->leg[leg].media[m];
			struct xs_dp_flow_ref ref;
			if (!s->relay_port || s->disabled)
				continue;
			memset(&ref, 0, sizeof(ref));
			set_addr(&ref.local, &d->iface[s->iface], s->relay_port);
			struct dp_queued *e = enqueue(d, XS_DP_MSG_FLOW_GET, &ref, sizeof(ref));
			if (!e)
				return; /* the link went down: have[] stays false */
			e->info = &info[leg][m];
			e->have = &have[leg][m];
		}
}

int dp_call_info(struct xsd *d, const struct call *c,
		 struct xs_dp_flow_info info[2][CALL_MAX_MEDIA], bool have[2][CALL_MAX_MEDIA])
{
	dp_call_info_queue(d, c, info, have);
	if (!dp_link_up(d->dp) || c->state != CALL_ANSWERED)
		return -1;
	dp_link_flush(d);
	return 0;
}

int dp_stats(struct xsd *d, struct xs_dp_stats *out)
{
	struct dp_link *l = d->dp;
	uint8_t buf[2048];
	dp_link_flush(d);
	if (l->fd < 0)
		return -1;
	uint32_t seq = ++l->seq;
	long n = link_call(l, XS_DP_MSG_STATS_GET, seq, NULL, 0, buf, sizeof(buf));
	if (n < 0) {
		link_down(d, (int)-n);
		return -1;
	}
	const struct xs_dp_hdr *h;
	if (xs_dp_reply_check(buf, (size_t)n, &h, NULL) || h->seq != seq) {
		link_down(d, EBADMSG); /* out of step: later replies would be misread */
		return -1;
	}
	if (h->type != XS_DP_MSG_STATS || (size_t)n < sizeof(*h) + sizeof(*out))
		return -1;
	memcpy(out, buf + sizeof(*h), sizeof(*out));
	return 0;
}

/*
 * The marks of a flow of call c (its relay port is leg's media line m's) into
 * the call: the receive stream's under the key of the party it receives from,
 * the send stream's under the key of the party it sends to. Only a direction
 * whose keys (suite) the call still has for it, and not a receive stream
 * whose flow has not taken the latest programming yet (rebind pending: its
 * key may be the one the party just replaced). The call is stored at the end
 * of the tick when they moved enough.
 */
static void take_marks(struct xsd *d, struct call *c, int leg, int m,
		       const struct xs_dp_flow_info *fi)
{
	bool moved = false;
	struct call_stream *in = &c->leg[leg].media[m], *out = &c->leg[!leg].media[m];
	if (in->rx.suite && fi->in_keys && fi->flow.in_suite == in->rx.suite && !in->rebind)
		moved |= marks_raise(&in->rx_marks, &fi->in_marks);
	if (out->tx.suite && fi->out_keys && fi->flow.out_suite == out->tx.suite)
		moved |= marks_raise(&out->tx_marks, &fi->out_marks);
	if (moved)
		mark_unsaved(d, c);
}

/* The answered call whose id is flow f's cookie and which holds f's relay
 * port (leg's media line m), or NULL: a flow of no live call. */
static struct call *flow_owner(struct xsd *d, const struct xs_dp_flow *f, int *leg, int *m)
{
	struct call *c = call_by_id(&d->calls, f->cookie);
	if (!c || c->state != CALL_ANSWERED || !stream_at(d, c, &f->local, leg, m))
		return NULL;
	return c;
}

/* One more flow to remove after the dump. Should memory run out, the rest
 * wait for the next poll. */
static void stale_add(struct dp_link *l, unsigned *n, const struct xs_dp_addr *local)
{
	if (*n == l->stale_cap) {
		unsigned cap = l->stale_cap ? 2 * l->stale_cap : 256;
		struct xs_dp_flow_ref *p = realloc(l->stale, cap * sizeof(*p));
		if (!p)
			return;
		l->stale = p;
		l->stale_cap = cap;
	}
	memset(&l->stale[*n], 0, sizeof(l->stale[*n]));
	l->stale[(*n)++].local = *local;
}

/*
 * The flows' marks and the newest last-packet time of a call's flows, from
 * a FLOW_DUMP. Flows no live call owns (their cookie is no answered call's
 * id, or that call does not hold their port any more: removals lost with a
 * link that dropped, a call the daemon ended while the fast path was away, a
 * call id of before a restart) are removed after the dump: xsrelayd owns
 * every flow of its fast path.
 */
static void poll_media(struct xsd *d)
{
	struct dp_link *l = d->dp;
	static uint8_t buf[XS_DP_MSG_MAX];
	unsigned norphan = 0;
	dp_link_flush(d);
	if (l->fd < 0)
		return;
	uint32_t seq = ++l->seq;
	struct xs_dp_flow_stats sum = { 0 };
	uint64_t flows = 0;
	long n = link_call(l, XS_DP_MSG_FLOW_DUMP, seq, NULL, 0, buf, sizeof(buf));
	for (;;) {
		const struct xs_dp_hdr *h;
		if (n < 0) {
			link_down(d, (int)-n);
			return;
		}
		if (xs_dp_reply_check(buf, (size_t)n, &h, NULL) || h->seq != seq) {
			link_down(d, EBADMSG); /* the rest of the dump would be misread later */
			return;
		}
		if (h->type != XS_DP_MSG_FLOW_INFO) {
			if (h->type == XS_DP_MSG_DUMP_DONE) {
				d->flow_sum = sum;
				d->flows_live = flows;
			}
			if (norphan)
				xsd_log(XSD_LOG_WARN, "fast path: %u flows of no live call; removing "
					"them", norphan);
			d->cnt.dp_orphans += norphan;
			for (unsigned i = 0; i < norphan; i++)
				enqueue(d, XS_DP_MSG_FLOW_DEL, &l->stale[i], sizeof(l->stale[i]));
			dp_link_flush(d);
			return;
		}
		struct xs_dp_info_batch b;
		memcpy(&b, buf + sizeof(*h), sizeof(b));
		for (uint32_t i = 0; i < b.count; i++) {
			struct xs_dp_flow_info fi;
			size_t off = sizeof(*h) + sizeof(b) + i * sizeof(fi);
			if (off + sizeof(fi) > (size_t)n)
				break;
			memcpy(&fi, buf + off, sizeof(fi));
			int leg, m;
			struct call *c = flow_owner(d, &fi.flow, &leg, &m);
			if (c)
				take_marks(d, c, leg, m, &fi);
			else
				stale_add(l, &norphan, &fi.flow.local);
#define XSD_SUM(name, help) sum.name += fi.stats.name;
			XS_DP_FLOW_COUNTERS(XSD_SUM)
#undef XSD_SUM
			flows++;
			int64_t t = (int64_t)(fi.stats.last_rx_ns / 1000000000ull);
			if (c && t > c->last_media)
				c->last_media = t;
		}
		n = link_recv(l, buf, sizeof(buf));
	}
}

static void reprogram_one(struct call *c, void *arg)
{
	struct xsd *d = arg;
	if (dp_link_up(d->dp))
		dp_program_call(d, c);
}

/* Programs every answered call. The SRTCP floors they get are stored in one
 * transaction before any is sent; if that fails nothing is sent, and it is
 * tried again in STORE_RETRY_S (the fast path keeps what it has). */
static void program_all(struct xsd *d)
{
	struct dp_link *l = d->dp;
	bool tx = !store_begin(d->store);
	l->reprogram_at = 0;
	call_foreach(&d->calls, reprogram_one, d);
	if (tx && store_commit(d->store)) {
		dp_link_discard(d);
		d->cnt.store_errors++;
		program_later(l);
		xsd_log(XSD_LOG_ERR, "store: the calls' stream floors could not be stored; the "
			"fast path is not programmed (tried again in %d s)", STORE_RETRY_S);
		return;
	}
	dp_link_flush(d);
}

/* HELLO with our version and size table: 0, a positive errno from the fast
 * path, or -errno. */
static int link_hello(const struct dp_link *l, uint32_t seq)
{
	struct xs_dp_hello hello;
	uint8_t buf[512];
	xs_dp_hello_fill(&hello);
	long n = link_call(l, XS_DP_MSG_HELLO, seq, &hello, sizeof(hello), buf, sizeof(buf));
	const struct xs_dp_hdr *h;
	if (n < 0)
		return (int)n;
	if (xs_dp_reply_check(buf, (size_t)n, &h, NULL) || h->seq != seq)
		return -EBADMSG;
	if (h->type == XS_DP_MSG_ERROR) {
		struct xs_dp_error e;
		memcpy(&e, buf + sizeof(*h), sizeof(e));
		return e.code ? e.code : EPROTO;
	}
	return h->type == XS_DP_MSG_HELLO ? 0 : -EBADMSG;
}

static const char *backend_name(const struct xsd *d)
{
	return d->cfg.fast_path_kmod ? "kmod (xsrelay.ko)" : "dp (xsrelay-dp)";
}

static void try_connect(struct xsd *d)
{
	struct dp_link *l = d->dp;
	bool dev = d->cfg.fast_path_kmod;
	int fd;
	if (!l->told) {
		xsd_log(XSD_LOG_INFO, "fast path backend: %s, %s %s", backend_name(d),
			dev ? "device" : "control socket", l->path);
		l->told = true;
	}
	if (dev) {
		fd = open(l->path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
	} else {
		fd = xs_dp_client_connect(l->path);
	}
	if (fd < 0) {
		if (!l->warned)
			xsd_log(XSD_LOG_WARN, "fast path %s not reachable (%s)%s; calls are kept and "
				"will be programmed when it is", l->path, strerror(-fd),
				dev ? " (is xsrelay.ko loaded?)" : "");
		l->warned = true;
		return;
	}
	if (!dev) {
		struct timeval tv = { .tv_sec = XS_DP_LINK_TIMEOUT_MS / 1000,
				      .tv_usec = (XS_DP_LINK_TIMEOUT_MS % 1000) * 1000 };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		/* a fast path that stops reading (or a socket queue shorter than the
		 * pipeline) drops the link instead of blocking the daemon */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	l->fd = fd;
	l->gen++;
	l->dev = dev;
	l->no_batch = false; /* a new fast path may take BATCH */
	int rc = link_hello(l, ++l->seq);
	if (rc) {
		xsd_log(XSD_LOG_ERR, "fast path %s refused our hello (%s): version or struct "
			"sizes differ; rebuild both from the same tree", l->path,
			rc > 0 ? strerror(rc) : strerror(-rc));
		close(fd);
		l->fd = -1;
		return;
	}
	l->warned = false;
	/* the fast path may be new: give media a full timeout before judging it */
	d->media_grace_until = xsd_now() + (int64_t)d->cfg.media_timeout;
	d->cnt.dp_connects++;
	d->cnt.dp_reprograms++;
	xsd_log(XSD_LOG_INFO, "fast path %s (%s) connected; programming %zu calls", l->path,
		backend_name(d), d->calls.count);
	/* First what the fast path has (it may have run on while this daemon
	 * was away): the live flows' marks, newer than the store's, become the
	 * floors; flows no live call owns go before an ADD could meet them. */
	poll_media(d);
	if (dp_link_up(d->dp))
		program_all(d);
}

void dp_link_tick(struct xsd *d)
{
	struct dp_link *l = d->dp;
	if (!dp_link_up(l))
		try_connect(d);
	if (dp_link_up(l))
		poll_media(d);
	if (dp_link_up(l) && l->reprogram_at && xsd_now() >= l->reprogram_at)
		program_all(d);
	d->dp_last_valid = dp_link_up(d->dp) && !dp_stats(d, &d->dp_last);
}

void dp_link_retry(struct xsd *d)
{
	if (!dp_link_up(d->dp))
		try_connect(d);
}

int dp_link_fd(const struct dp_link *l, unsigned *gen)
{
	*gen = l ? l->gen : 0;
	return l ? l->fd : -1;
}

void dp_link_hangup(struct xsd *d)
{
	link_down(d, ECONNRESET);
	try_connect(d); /* usually too early; the retry timer tries again */
}
