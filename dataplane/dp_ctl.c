/* SPDX-License-Identifier: BSD-3-Clause */
/* The control thread: socket, peer checks, dispatch, neighbour requests.
 * See dp_ctl.h. */
#define _LGPL_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp_app.h"
#include "dp_codec.h"
#include "dp_ctl.h"
#include "dp_host.h"

#define RTE_LOGTYPE_XSDP RTE_LOGTYPE_USER1
#define MAX_CLIENTS 16
#define POLL_MS 10
#define CLIENT_BURST 64
#define RESOLVE_PENDING 64
#define RESOLVE_INTERVAL_NS 200000000ull

struct resolve_entry {
	uint8_t family;
	uint16_t port;
	uint8_t ip[16];
	uint64_t last_ns;
};

struct dp_ctl {
	struct dp_ctx *ctx;
	int lfd;
	struct {
		int fd;
		int hello;
	} cl[MAX_CLIENTS];
	struct resolve_entry pend[RESOLVE_PENDING];
	unsigned pend_next;
	uint8_t rx[XS_DP_MSG_MAX + 1];
	uint8_t tx[XS_DP_MSG_MAX];
	uint8_t batch_tx[XS_DP_MSG_MAX]; /* a BATCH reply being assembled */
	size_t batch_len;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int make_socket(struct dp_ctl *ctl)
{
	const struct dp_conf *c = &ctl->ctx->conf;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, rc;

	if (c->ctl_mode & 0007) {
		RTE_LOG(ERR, XSDP, "control socket mode %o gives access to others\n", c->ctl_mode);
		return -EINVAL;
	}
	if (strlen(c->ctl_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, c->ctl_path);
	if (lstat(c->ctl_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			RTE_LOG(ERR, XSDP, "%s exists and is not a socket\n", c->ctl_path);
			return -EEXIST;
		}
		unlink(c->ctl_path);
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	old = umask(0177); /* created 0600: never looser than asked, even briefly */
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc == 0)
		rc = chmod(c->ctl_path, c->ctl_mode);
	if (rc == 0)
		rc = listen(fd, 8);
	if (rc) {
		rc = -errno;
		close(fd);
		return rc;
	}
	ctl->lfd = fd;
	return 0;
}

int dp_ctl_new(struct dp_ctx *ctx, struct dp_ctl **out)
{
	struct dp_ctl *ctl = calloc(1, sizeof(*ctl));
	int rc;

	*out = NULL;
	if (!ctl)
		return -ENOMEM;
	ctl->ctx = ctx;
	ctl->lfd = -1;
	for (unsigned i = 0; i < MAX_CLIENTS; i++)
		ctl->cl[i].fd = -1;
	if (ctx->conf.ctl_path[0]) {
		rc = make_socket(ctl);
		if (rc) {
			RTE_LOG(ERR, XSDP, "control socket %s: %s\n", ctx->conf.ctl_path,
				strerror(-rc));
			free(ctl);
			return rc;
		}
	}
	*out = ctl;
	return 0;
}

void dp_ctl_free(struct dp_ctl *ctl)
{
	if (!ctl)
		return;
	for (unsigned i = 0; i < MAX_CLIENTS; i++)
		if (ctl->cl[i].fd >= 0)
			close(ctl->cl[i].fd);
	if (ctl->lfd >= 0) {
		close(ctl->lfd);
		unlink(ctl->ctx->conf.ctl_path);
	}
	free(ctl);
}

static int send_error(dp_ctl_send_fn send, void *arg, uint32_t seq, uint16_t type, int code,
		      const char *why)
{
	uint8_t buf[sizeof(struct xs_dp_hdr) + sizeof(struct xs_dp_error)];

	return send(arg, buf, xs_dp_error_build(buf, seq, type, code, why));
}

static int send_simple(struct dp_ctl *ctl, dp_ctl_send_fn send, void *arg, uint16_t type,
		       uint32_t seq, uint16_t flags, const void *body, size_t blen)
{
	struct xs_dp_hdr h;

	xs_dp_hdr_fill(&h, type, (uint32_t)(sizeof(h) + blen), seq, flags);
	memcpy(ctl->tx, &h, sizeof(h));
	if (blen)
		memcpy(ctl->tx + sizeof(h), body, blen);
	return send(arg, ctl->tx, sizeof(h) + blen);
}

struct dump_state {
	struct dp_ctl *ctl;
	dp_ctl_send_fn send;
	void *arg;
	uint32_t seq;
	uint32_t n;
	uint64_t total;
	int rc;
};

static int dump_flush(struct dump_state *d, uint16_t flags)
{
	struct xs_dp_info_batch b = { .count = d->n };
	size_t len = sizeof(struct xs_dp_hdr) + sizeof(b) + d->n * sizeof(struct xs_dp_flow_info);
	struct xs_dp_hdr h;

	xs_dp_hdr_fill(&h, XS_DP_MSG_FLOW_INFO, (uint32_t)len, d->seq, flags);
	memcpy(d->ctl->tx, &h, sizeof(h));
	memcpy(d->ctl->tx + sizeof(h), &b, sizeof(b));
	d->n = 0;
	return d->send(d->arg, d->ctl->tx, len);
}

static int dump_one(struct dp_flow *f, void *arg)
{
	struct dump_state *d = arg;
	struct xs_dp_flow_info info;
	uint8_t *at = d->ctl->tx + sizeof(struct xs_dp_hdr) + sizeof(struct xs_dp_info_batch);

	dp_ops_flow_info(d->ctl->ctx, f, &info);
	memcpy(at + d->n * sizeof(info), &info, sizeof(info));
	d->n++;
	d->total++;
	if (d->n == XS_DP_DUMP_BATCH)
		d->rc = dump_flush(d, XS_DP_HDR_F_MORE);
	return d->rc;
}

static int do_dump(struct dp_ctl *ctl, uint32_t seq, dp_ctl_send_fn send, void *arg)
{
	struct dump_state d = { .ctl = ctl, .send = send, .arg = arg, .seq = seq };
	struct xs_dp_dump_done done;

	_Static_assert(sizeof(struct xs_dp_hdr) + sizeof(struct xs_dp_info_batch) +
		       XS_DP_DUMP_BATCH * sizeof(struct xs_dp_flow_info) <= XS_DP_MSG_MAX,
		       "dump batch fits a message");
	dp_table_foreach(ctl->ctx->table, dump_one, &d);
	if (!d.rc && d.n)
		d.rc = dump_flush(&d, XS_DP_HDR_F_MORE);
	if (d.rc)
		return d.rc;
	done.flows = d.total;
	return send_simple(ctl, send, arg, XS_DP_MSG_DUMP_DONE, seq, 0, &done, sizeof(done));
}

static int dispatch(struct dp_ctl *ctl, const struct xs_dp_hdr *h, const uint8_t *body,
		    dp_ctl_send_fn send, void *arg);

/* The send of the requests inside a BATCH: their replies go into batch_tx. */
static int batch_append(void *arg, const void *buf, size_t len)
{
	struct dp_ctl *ctl = arg;
	if (len > sizeof(ctl->batch_tx) - ctl->batch_len)
		return -EMSGSIZE; /* cannot happen: dp_codec.c asserts the sizes */
	memcpy(ctl->batch_tx + ctl->batch_len, buf, len);
	ctl->batch_len += len;
	return 0;
}

/* A BATCH that xs_dp_request_check accepted (so every part is a well-formed
 * batchable request): each part applied in order, one BATCH of replies. */
static int do_batch(struct dp_ctl *ctl, const struct xs_dp_hdr *h, const uint8_t *body,
		    dp_ctl_send_fn send, void *arg)
{
	union {
		struct xs_dp_hdr h;
		uint64_t align;
		uint8_t b[sizeof(struct xs_dp_hdr) + sizeof(struct xs_dp_flow_msg)];
	} part;
	size_t blen = h->len - sizeof(*h), off = 0, plen;
	const uint8_t *p;
	struct xs_dp_hdr out;
	int rc = 0;

	ctl->batch_len = sizeof(out);
	while ((p = xs_dp_batch_next(body, blen, &off, &plen))) {
		memcpy(part.b, p, plen);
		rc = dispatch(ctl, &part.h, part.b + sizeof(part.h), batch_append, ctl);
		explicit_bzero(part.b, plen);
		if (rc)
			break;
	}
	if (!rc) {
		xs_dp_hdr_fill(&out, XS_DP_MSG_BATCH, (uint32_t)ctl->batch_len, h->seq, 0);
		memcpy(ctl->batch_tx, &out, sizeof(out));
		rc = send(arg, ctl->batch_tx, ctl->batch_len);
	}
	explicit_bzero(ctl->batch_tx, ctl->batch_len);
	ctl->batch_len = 0;
	return rc;
}

static int dispatch(struct dp_ctl *ctl, const struct xs_dp_hdr *h, const uint8_t *body,
		    dp_ctl_send_fn send, void *arg)
{
	struct dp_ctx *ctx = ctl->ctx;
	const char *why = "refused";
	int rc;

	switch (h->type) {
	case XS_DP_MSG_FLOW_ADD:
	case XS_DP_MSG_FLOW_REPLACE: {
		struct xs_dp_flow_msg m;
		memcpy(&m, body, sizeof(m));
		rc = h->type == XS_DP_MSG_FLOW_ADD ? dp_ops_flow_add(ctx, &m, &why) :
						     dp_ops_flow_replace(ctx, &m, &why);
		explicit_bzero(&m, sizeof(m));
		break;
	}
	case XS_DP_MSG_FLOW_DEL: {
		struct xs_dp_flow_ref r;
		memcpy(&r, body, sizeof(r));
		rc = dp_ops_flow_del(ctx, &r, &why);
		break;
	}
	case XS_DP_MSG_KEYS_SET: {
		struct xs_dp_keys_msg k;
		memcpy(&k, body, sizeof(k));
		rc = dp_ops_keys_set(ctx, &k, &why);
		explicit_bzero(&k, sizeof(k));
		break;
	}
	case XS_DP_MSG_FLOW_GET: {
		struct xs_dp_flow_ref r;
		struct {
			struct xs_dp_info_batch b;
			struct xs_dp_flow_info info;
		} rep = { .b.count = 1 };
		memcpy(&r, body, sizeof(r));
		rc = dp_ops_flow_get(ctx, &r.local, &rep.info);
		if (rc == 0)
			return send_simple(ctl, send, arg, XS_DP_MSG_FLOW_INFO, h->seq, 0, &rep,
					   sizeof(rep));
		why = "no flow at this local address and port";
		break;
	}
	case XS_DP_MSG_FLOW_DUMP:
		return do_dump(ctl, h->seq, send, arg);
	case XS_DP_MSG_BATCH:
		return do_batch(ctl, h, body, send, arg);
	case XS_DP_MSG_STATS_GET: {
		struct xs_dp_stats st;
		dp_ops_stats(ctx, &st);
		return send_simple(ctl, send, arg, XS_DP_MSG_STATS, h->seq, 0, &st, sizeof(st));
	}
	default:
		rc = -EOPNOTSUPP;
		why = "unknown request";
		break;
	}
	if (rc)
		return send_error(send, arg, h->seq, h->type, -rc, why);
	return send_simple(ctl, send, arg, XS_DP_MSG_ACK, h->seq, 0, NULL, 0);
}

int dp_ctl_handle(struct dp_ctl *ctl, const void *req, size_t len, int *hello_done,
		  dp_ctl_send_fn send, void *arg)
{
	const struct xs_dp_hdr *h;
	struct xs_dp_verdict v;
	struct xs_dp_hello mine;
	uint32_t seq = 0;
	uint16_t type = 0;
	int rc;

	if (len >= sizeof(struct xs_dp_hdr)) {
		memcpy(&seq, (const uint8_t *)req + offsetof(struct xs_dp_hdr, seq), sizeof(seq));
		memcpy(&type, (const uint8_t *)req + offsetof(struct xs_dp_hdr, type), sizeof(type));
	}
	rc = xs_dp_request_check(req, len, &h, &v);
	if (rc) {
		send_error(send, arg, seq, type, v.code, v.why);
		/* A failed hello ends the connection. */
		return type == XS_DP_MSG_HELLO || !*hello_done ? rc : 0;
	}
	if (h->type == XS_DP_MSG_HELLO) {
		xs_dp_hello_fill(&mine);
		*hello_done = 1;
		return send_simple(ctl, send, arg, XS_DP_MSG_HELLO, h->seq, 0, &mine, sizeof(mine));
	}
	if (!*hello_done) {
		send_error(send, arg, h->seq, h->type, EPROTO, "HELLO must come first");
		return -EPROTO;
	}
	return dispatch(ctl, h, (const uint8_t *)req + sizeof(*h), send, arg);
}

/* ---------------------------------------------------------------- socket */

static int sock_send(void *arg, const void *buf, size_t len)
{
	int fd = *(int *)arg;
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	for (;;) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n == (ssize_t)len)
			return 0;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		/* A slow reader (a long dump): wait a bounded time. */
		if (n < 0 && errno != EINTR && poll(&p, 1, 5000) <= 0)
			return -ETIMEDOUT;
	}
}

static bool uid_allowed(const struct dp_conf *c, uid_t uid)
{
	for (unsigned i = 0; i < c->n_uid; i++)
		if (c->allow_uid[i] == uid)
			return true;
	return false;
}

static void accept_one(struct dp_ctl *ctl)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	uint8_t buf[sizeof(struct xs_dp_hdr) + sizeof(struct xs_dp_error)];
	int fd = accept4(ctl->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	unsigned i;

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) || !uid_allowed(&ctl->ctx->conf,
										 cred.uid)) {
		send(fd, buf, xs_dp_error_build(buf, 0, 0, EACCES, "uid not allowed"),
		     MSG_NOSIGNAL);
		RTE_LOG(WARNING, XSDP, "control: refused uid %u\n", (unsigned)cred.uid);
		close(fd);
		return;
	}
	for (i = 0; i < MAX_CLIENTS && ctl->cl[i].fd >= 0; i++)
		;
	if (i == MAX_CLIENTS) {
		send(fd, buf, xs_dp_error_build(buf, 0, 0, EBUSY, "too many control connections"),
		     MSG_NOSIGNAL);
		close(fd);
		return;
	}
	ctl->cl[i].fd = fd;
	ctl->cl[i].hello = 0;
}

/* One message from client i: 1 handled, 0 none waiting, -1 the client is gone. */
static int client_read_one(struct dp_ctl *ctl, unsigned i)
{
	int *fd = &ctl->cl[i].fd;
	ssize_t n = recv(*fd, ctl->rx, sizeof(ctl->rx), MSG_TRUNC | MSG_DONTWAIT);
	size_t len;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		goto close_it;
	/* MSG_TRUNC returns the real length: an oversized one is refused whole. */
	len = (size_t)n;
	if (len > XS_DP_MSG_MAX) {
		uint8_t buf[sizeof(struct xs_dp_hdr) + sizeof(struct xs_dp_error)];
		uint32_t seq;
		memcpy(&seq, ctl->rx + offsetof(struct xs_dp_hdr, seq), sizeof(seq));
		sock_send(fd, buf, xs_dp_error_build(buf, seq, 0, EMSGSIZE, "message too long"));
		return 1;
	}
	if (dp_ctl_handle(ctl, ctl->rx, len, &ctl->cl[i].hello, sock_send, fd) == 0)
		return 1;
close_it:
	close(*fd);
	*fd = -1;
	return -1;
}

/*
 * What client i has queued, up to CLIENT_BURST messages per wake-up: xsrelayd
 * pipelines its requests, and answering them one poll() apiece made the
 * control thread's round trips, not its work, the limit on call set-ups.
 */
static void client_read(struct dp_ctl *ctl, unsigned i)
{
	for (unsigned k = 0; k < CLIENT_BURST; k++)
		if (client_read_one(ctl, i) <= 0)
			return;
}

/* ---------------------------------------------------------------- neighbours */

static const struct dp_local_addr *source_for(const struct dp_conf *c, uint16_t port,
					      uint8_t family, const uint8_t *ip)
{
	const struct dp_local_addr *any = NULL;

	for (unsigned i = 0; i < c->n_local; i++) {
		const struct dp_local_addr *l = &c->local[i];
		if (l->port != port || l->family != family)
			continue;
		if (dp_conf_on_link(l, ip))
			return l;
		if (!any)
			any = l;
	}
	return any;
}

static void resolve(struct dp_ctl *ctl, const struct dp_neigh_ev *ev)
{
	struct dp_ctx *ctx = ctl->ctx;
	uint64_t now = now_ns();
	const struct dp_local_addr *src;
	struct resolve_entry *e = NULL;
	struct rte_mbuf *m;
	uint8_t *buf;
	uint32_t len;

	for (unsigned i = 0; i < RESOLVE_PENDING; i++) {
		struct resolve_entry *c = &ctl->pend[i];
		if (c->family == ev->family && c->port == ev->port && !memcmp(c->ip, ev->ip, 16)) {
			e = c;
			break;
		}
	}
	if (e && now - e->last_ns < RESOLVE_INTERVAL_NS)
		return;
	if (!e) {
		e = &ctl->pend[ctl->pend_next++ % RESOLVE_PENDING];
		e->family = ev->family;
		e->port = ev->port;
		memcpy(e->ip, ev->ip, 16);
	}
	e->last_ns = now;
	if (ev->port >= ctx->conf.n_ports)
		return;
	src = source_for(&ctx->conf, ev->port, ev->family, ev->ip);
	if (!src)
		return;
	m = rte_pktmbuf_alloc(ctx->pool);
	if (!m)
		return;
	buf = rte_pktmbuf_mtod(m, uint8_t *);
	if (ev->family == 4)
		len = dp_host_arp_request(buf, ctx->port[ev->port].mac, src->vlan, src->addr, ev->ip);
	else
		len = dp_host_ns(buf, ctx->port[ev->port].mac, src->vlan, src->addr, ev->ip);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	if (rte_ring_enqueue(ctx->host_tx[ev->port], m))
		rte_pktmbuf_free(m);
}

void dp_ctl_neigh_poll(struct dp_ctl *ctl)
{
	struct dp_neigh_ev ev[64];
	unsigned n = rte_ring_dequeue_burst_elem(ctl->ctx->neigh_ev, ev, sizeof(ev[0]), 64, NULL);

	for (unsigned i = 0; i < n; i++) {
		if (ev[i].type == DP_NEIGH_EV_LEARN)
			dp_neigh_update(ctl->ctx->neigh, ev[i].port, ev[i].family, ev[i].ip, ev[i].mac,
					now_ns());
		else if (ev[i].type == DP_NEIGH_EV_RESOLVE)
			resolve(ctl, &ev[i]);
	}
}

void *dp_ctl_thread(void *arg)
{
	struct dp_ctl *ctl = arg;
	struct pollfd pfd[MAX_CLIENTS + 1];
	unsigned map[MAX_CLIENTS + 1];

	urcu_qsbr_register_thread();
	while (!__atomic_load_n(&ctl->ctx->stop, __ATOMIC_ACQUIRE)) {
		unsigned n = 0;

		if (ctl->lfd >= 0) {
			pfd[n] = (struct pollfd){ .fd = ctl->lfd, .events = POLLIN };
			map[n++] = MAX_CLIENTS;
		}
		for (unsigned i = 0; i < MAX_CLIENTS; i++)
			if (ctl->cl[i].fd >= 0) {
				pfd[n] = (struct pollfd){ .fd = ctl->cl[i].fd, .events = POLLIN };
				map[n++] = i;
			}
		urcu_qsbr_thread_offline();
		int rc = poll(pfd, n, POLL_MS);
		urcu_qsbr_thread_online();
		dp_ctl_neigh_poll(ctl);
		if (rc <= 0)
			continue;
		for (unsigned k = 0; k < n; k++) {
			if (!pfd[k].revents)
				continue;
			if (map[k] == MAX_CLIENTS)
				accept_one(ctl);
			else
				client_read(ctl, map[k]);
		}
	}
	urcu_qsbr_unregister_thread();
	return NULL;
}
