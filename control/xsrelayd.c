/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xsrelayd: the control daemon. One thread, one epoll loop: ng requests over
 * UDP and a Unix datagram socket, the metrics port, a one-second tick (fast
 * path link, counters, timeouts, reply cache), signals.
 * Usage: xsrelayd [--config FILE] [--KEY VALUE ...]  (xsrelayd --help)
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "dp_link.h"
#include "ng_cmd.h"
#include "metrics.h"
#include "ng_server.h"
#include "store.h"
#include "xsrelayd_conf.h"

static enum xsd_log_level log_level = XSD_LOG_INFO;

void xsd_log_set_level(enum xsd_log_level lvl)
{
	log_level = lvl;
}

void xsd_log(enum xsd_log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	if (lvl > log_level)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "xsrelayd: %s: ", names[lvl]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (lvl <= XSD_LOG_WARN)
		fflush(stderr);
}

int64_t xsd_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

/* --- timeouts -------------------------------------------------------------------- */

struct expiry_scan {
	struct xsd *d;
	int64_t now;
	struct call *victims[256];
	const char *why[256];
	unsigned n;
};

static void scan_one(struct call *c, void *arg)
{
	struct expiry_scan *s = arg;
	const struct xsd_config *cfg = &s->d->cfg;
	const char *why = NULL;
	if (s->n == 256)
		return;
	if (c->state == CALL_OFFERED && cfg->offer_timeout &&
	    s->now - c->last_signal > (int64_t)cfg->offer_timeout)
		why = "offer-timeout";
	else if (c->state == CALL_ANSWERED && cfg->media_timeout && dp_link_up(s->d->dp) &&
		 s->now >= s->d->media_grace_until) {
		int64_t last = c->last_media > c->last_signal ? c->last_media : c->last_signal;
		if (s->now - last > (int64_t)cfg->media_timeout)
			why = "media-timeout";
	}
	if (why) {
		s->victims[s->n] = c;
		s->why[s->n++] = why;
	}
}

static void expire_calls(struct xsd *d)
{
	struct expiry_scan s = { .d = d, .now = xsd_now() };
	call_foreach(&d->calls, scan_one, &s);
	for (unsigned i = 0; i < s.n; i++) {
		if (!strcmp(s.why[i], "media-timeout")) {
			d->cnt.calls_timeout_media++;
			xsd_log(XSD_LOG_INFO, "call %s: no media for %u s", s.victims[i]->call_id,
				d->cfg.media_timeout);
		} else {
			d->cnt.calls_timeout_offer++;
		}
		xsd_call_end(d, s.victims[i], s.why[i]);
	}
}

/* --- sockets --------------------------------------------------------------------- */

static int udp_listen(const char *spec)
{
	char host[128], *port;
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST |
							  AI_NUMERICSERV }, *ai;
	snprintf(host, sizeof(host), "%s", spec);
	port = strrchr(host, ':');
	if (!port)
		return -EINVAL;
	*port++ = '\0';
	char *h = host;
	if (*h == '[') {
		h++;
		h[strlen(h) - 1] = '\0';
	}
	if (getaddrinfo(h, port, &hints, &ai))
		return -EINVAL;
	int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int rc = fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) ? -errno : fd;
	freeaddrinfo(ai);
	if (rc < 0 && fd >= 0)
		close(fd);
	return rc;
}

static int tcp_listen(const char *spec)
{
	char host[128], *port;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST |
							   AI_NUMERICSERV }, *ai;
	snprintf(host, sizeof(host), "%s", spec);
	port = strrchr(host, ':');
	if (!port)
		return -EINVAL;
	*port++ = '\0';
	if (getaddrinfo(host, port, &hints, &ai))
		return -EINVAL;
	int one = 1, fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	int rc = fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 16) ? -errno : fd;
	freeaddrinfo(ai);
	if (rc < 0 && fd >= 0)
		close(fd);
	return rc;
}

/* A Unix datagram socket created with the configured mode (umask while binding,
 * so it is never more open than asked, not even for an instant). */
static int unix_listen(const char *path, unsigned mode)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	mode_t old = umask(0777 & ~mode);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc || chmod(path, mode)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static void load_one(struct call *c, void *arg);

/*
 * The burst's commit failed (a full disk, an I/O error): the store holds the
 * state from before the burst. Every call the burst changed goes back to that
 * state, in memory, in the port pools and in the fast path (its queued changes
 * are dropped), and the requests that changed them are refused: nothing a
 * proxy was told "ok" about is missing from the store. Returns those requests'
 * slots.
 */
static uint64_t undo_burst(struct xsd *d)
{
	const struct store_touch *t;
	unsigned n = store_touched(d->store, &t);
	static struct {
		uint8_t iface;
		uint16_t port;
	} old[STORE_TOUCH_MAX * 2 * CALL_MAX_MEDIA];
	unsigned nold = 0, back = 0;
	uint64_t slots = 0;
	dp_link_discard(d);
	/* first every changed call leaves memory, so that a port one of them
	 * handed to another in this burst is free again when the stored state
	 * takes it back; its flows stay for now */
	for (unsigned i = 0; i < n; i++) {
		struct call *c = call_by_id(&d->calls, t[i].id);
		if (t[i].tag >= 0 && t[i].tag < 64)
			slots |= 1ull << t[i].tag;
		if (t[i].overflow)
			slots = ~0ull; /* cannot say which: refuse them all */
		if (!c)
			continue;
		for (int l = 0; l < 2; l++)
			for (int m = 0; m < c->leg[l].nmedia && m < CALL_MAX_MEDIA; m++)
				if (c->leg[l].media[m].relay_port &&
				    nold < sizeof(old) / sizeof(old[0])) {
					old[nold].iface = c->leg[l].media[m].iface;
					old[nold++].port = c->leg[l].media[m].relay_port;
				}
		xsd_call_ports_put(d, c);
		call_remove(&d->calls, c);
	}
	/* the stored state comes back: a flow it still has is replaced, keeping its
	 * ROC and replay state (ADD, EEXIST, REPLACE) */
	for (unsigned i = 0; i < n; i++) {
		if (call_by_id(&d->calls, t[i].id))
			continue; /* listed twice */
		if (store_load_id(d->store, t[i].id, load_one, d) < 0)
			xsd_log(XSD_LOG_ERR, "store: call #%llu could not be read back after the "
				"failed commit", (unsigned long long)t[i].id);
		struct call *c = call_by_id(&d->calls, t[i].id);
		if (c) {
			dp_program_call(d, c);
			back++;
		}
	}
	/* flows at ports no call holds any more go */
	for (unsigned i = 0; i < nold; i++)
		if (old[i].iface < d->niface &&
		    !port_pool_in_use(&d->iface[old[i].iface].pool, old[i].port))
			dp_remove_flow(d, old[i].iface, old[i].port);
	xsd_log(XSD_LOG_ERR, "store: commit failed: %u calls changed by the last requests are "
		"back as stored (%u of them live), and those requests are refused (%s)", n,
		back, NG_ERR_NOT_STORED);
	return slots;
}

/* The slot of an earlier datagram of this burst with the same cookie as slot
 * i (the bytes before the first space), or -1. */
static int same_cookie_before(char (*buf)[NG_REQUEST_MAX + 1], const struct mmsghdr *msg,
			      unsigned i)
{
	const char *sp = memchr(buf[i], ' ', msg[i].msg_len);
	if (!sp)
		return -1;
	size_t n = (size_t)(sp - buf[i]);
	for (unsigned j = 0; j < i; j++)
		if (msg[j].msg_len > n && msg[j].msg_len <= NG_REQUEST_MAX && buf[j][n] == ' ' &&
		    !memcmp(buf[j], buf[i], n))
			return (int)j;
	return -1;
}

/* Serves the datagrams waiting on fd in one burst: their state changes are
 * committed to the store together, and the replies go out after the commit.
 * One recvmmsg() and one sendmmsg() per burst. */
static void serve_dgram(struct xsd *d, struct ng_cache *cache, int fd)
{
	enum { BURST = XSD_NG_BURST };
	_Static_assert(BURST <= 64, "a burst slot per bit of dp_link_refused()");
	static char buf[BURST][NG_REQUEST_MAX + 1];
	static struct ng_out out[BURST];
	static struct sockaddr_storage from[BURST];
	static struct mmsghdr msg[BURST];
	static struct iovec iov[BURST];
	unsigned n = 0;
	for (unsigned i = 0; i < BURST; i++) {
		iov[i] = (struct iovec){ .iov_base = buf[i], .iov_len = sizeof(buf[i]) };
		msg[i].msg_hdr = (struct msghdr){ .msg_name = &from[i],
						  .msg_namelen = sizeof(from[i]),
						  .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	/* MSG_TRUNC: msg_len is the datagram's real length, so oversize shows */
	int got = recvmmsg(fd, msg, BURST, MSG_TRUNC | MSG_DONTWAIT, NULL);
	if (got <= 0)
		return;
	dp_link_flush(d); /* earlier work's changes: the queue is this burst's alone */
	bool tx = !store_begin(d->store);
	/* The cache answers retransmissions, but an earlier copy in this burst may
	 * not have its reply yet (a delete's waits for the flush): a later copy
	 * gets that reply, once it is final, instead of running again. Found
	 * before any request is handled (handled requests are wiped). */
	int dup[BURST];
	for (unsigned i = 0; i < (unsigned)got; i++)
		dup[i] = msg[i].msg_len <= NG_REQUEST_MAX ? same_cookie_before(buf, msg, i) : -1;
	for (unsigned i = 0; i < (unsigned)got; i++) {
		size_t len = msg[i].msg_len;
		if (len > NG_REQUEST_MAX) {
			d->cnt.ng_requests++;
			d->cnt.ng_malformed++;
			xsd_log(XSD_LOG_WARN, "ng: dropped a %zu-byte datagram (limit %d)", len,
				NG_REQUEST_MAX);
			explicit_bzero(buf[i], sizeof(buf[i]));
			ng_out_init(&out[i], NG_BENCODE); /* nothing to send */
			continue;
		}
		if (dup[i] >= 0) {
			d->cnt.ng_requests++;
			d->cnt.ng_retransmits++;
			explicit_bzero(buf[i], len);
			ng_out_init(&out[i], NG_BENCODE);
			continue;
		}
		d->ng_slot = (int)i;
		store_tag(d->store, (int)i);
		ng_server_handle(d, cache, buf[i], len, &out[i]);
		explicit_bzero(buf[i], len); /* requests carry the parties' SDES keys */
	}
	n = (unsigned)got;
	d->ng_slot = -1;
	store_tag(d->store, -1);
	uint64_t lost = 0; /* requests whose changes the store could not keep */
	if (tx && store_commit(d->store)) {
		d->cnt.store_errors++;
		lost = undo_burst(d);
	}
	/* the answers' and deletes' flow changes and the deletes' counter reads,
	 * pipelined; then the replies that waited for them are written */
	dp_link_flush(d);
	for (unsigned i = 0; i < n; i++) {
		if (lost >> i & 1) {
			ng_cmd_cancel(i);
			ng_server_refuse(&out[i], NG_ERR_NOT_STORED); /* counted as an ng error */
			ng_cache_update(cache, &out[i], xsd_now());
		} else if (ng_cmd_finish(d, i, &out[i])) {
			ng_cache_update(cache, &out[i], xsd_now());
		}
	}
	uint64_t refused = dp_link_refused(d->dp) & ~lost;
	for (unsigned i = 0; refused && i < n; i++)
		if (refused >> i & 1 &&
		    !ng_out_reply_add(&out[i], "warning", NG_WARN_DP_REFUSED))
			ng_cache_update(cache, &out[i], xsd_now());
	for (unsigned i = 0; i < n; i++)
		if (dup[i] >= 0 && !out[dup[i]].oom) {
			out[i].syntax = out[dup[i]].syntax;
			ng_out_raw(&out[i], out[dup[i]].buf, out[dup[i]].len);
		}
	fflush(stderr);
	/* the replies, in one call: same slots, only those with something to say */
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!out[i].len || out[i].oom || msg[i].msg_hdr.msg_namelen <= sizeof(sa_family_t))
			continue; /* nothing to send, or an unbound Unix peer: no address */
		iov[k] = (struct iovec){ .iov_base = out[i].buf, .iov_len = out[i].len };
		msg[k].msg_hdr = (struct msghdr){ .msg_name = &from[i],
						  .msg_namelen = msg[i].msg_hdr.msg_namelen,
						  .msg_iov = &iov[k], .msg_iovlen = 1 };
		k++;
	}
	for (unsigned sent = 0; sent < k;) {
		int r = sendmmsg(fd, msg + sent, k - sent, MSG_NOSIGNAL);
		sent += r > 0 ? (unsigned)r : 1; /* a reply the socket refused is skipped */
	}
	for (unsigned i = 0; i < n; i++)
		ng_out_free(&out[i]);
}

/* --- start-up -------------------------------------------------------------------- */

/* Stored calls name interfaces by index; the store also keeps the names the
 * indexes meant, so a reordered configuration maps them back by name. */
static int iface_map[XSD_MAX_IFACES];

static void iface_names(const struct xsd *d, char *buf, size_t cap)
{
	buf[0] = '\0';
	for (unsigned i = 0; i < d->niface; i++)
		snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", i ? "," : "", d->iface[i].name);
}

static void build_iface_map(struct xsd *d)
{
	char stored[XSD_MAX_IFACES * 33], *save = NULL;
	int i = 0;
	for (int k = 0; k < XSD_MAX_IFACES; k++)
		iface_map[k] = k < (int)d->niface ? k : -1; /* no record: same order */
	if (store_meta_get(d->store, "interfaces", stored, sizeof(stored)))
		return;
	for (int k = 0; k < XSD_MAX_IFACES; k++)
		iface_map[k] = -1;
	for (char *w = strtok_r(stored, ",", &save); w && i < XSD_MAX_IFACES;
	     w = strtok_r(NULL, ",", &save), i++) {
		struct xsd_iface *f = xsd_iface_by_name(d, w);
		iface_map[i] = f ? (int)(f - d->iface) : -1;
	}
}

static bool iface_map_moves(void)
{
	for (int k = 0; k < XSD_MAX_IFACES; k++)
		if (iface_map[k] >= 0 && iface_map[k] != k)
			return true;
	return false;
}

static void resave_one(struct call *c, void *arg)
{
	struct xsd *d = arg;
	if (store_save(d->store, c))
		d->cnt.store_errors++;
}

static void load_one(struct call *c, void *arg)
{
	struct xsd *d = arg;
	char why[160] = "";
	struct call_stream *taken[2 * CALL_MAX_MEDIA];
	unsigned ntaken = 0;
	if (c->leg[0].nmedia > CALL_MAX_MEDIA || c->leg[1].nmedia > CALL_MAX_MEDIA)
		snprintf(why, sizeof(why), "more media lines than this build anchors");
	for (int l = 0; l < 2 && !why[0]; l++)
		for (int m = 0; m < c->leg[l].nmedia && !why[0]; m++) {
			struct call_stream *s = &c->leg[l].media[m];
			int to = s->iface < XSD_MAX_IFACES ? iface_map[s->iface] : -1;
			if (to < 0) {
				snprintf(why, sizeof(why), "an interface it used is gone");
				break;
			}
			s->iface = (uint8_t)to;
			if (!s->relay_port)
				continue;
			if (port_pool_take(&d->iface[to].pool, s->relay_port))
				snprintf(why, sizeof(why), "port %u on interface %s is outside the "
					 "range now or taken by another stored call",
					 (unsigned)s->relay_port, d->iface[to].name);
			else
				taken[ntaken++] = s;
		}
	c->unsaved = false; /* it is as stored */
	if (!why[0] && call_find(&d->calls, c->call_id))
		snprintf(why, sizeof(why), "another stored call has the same call-id");
	if (!why[0] && call_insert(&d->calls, c))
		snprintf(why, sizeof(why), "out of memory");
	if (why[0]) {
		for (unsigned i = 0; i < ntaken; i++)
			port_pool_put(&d->iface[taken[i]->iface].pool, taken[i]->relay_port);
		xsd_log(XSD_LOG_WARN, "store: call %s does not fit this configuration (%s); "
			"dropped", c->call_id, why);
		store_delete(d->store, c);
		OPENSSL_cleanse(c, sizeof(*c));
		free(c);
	}
}

/* loop-protect's mark, a=xsrelay:<instance>: one id per relay, kept in the
 * store, so an SDP marked before a restart is still known as ours. */
static void loop_mark_init(struct xsd *d)
{
	char id[16];
	if (store_meta_get(d->store, "instance", id, sizeof(id)) || strlen(id) != 12) {
		uint8_t r[6];
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
			uint64_t t = (uint64_t)xsd_now() ^ ((uint64_t)getpid() << 32);
			memcpy(r, &t, sizeof(r));
		}
		for (unsigned i = 0; i < sizeof(r); i++)
			snprintf(id + 2 * i, 3, "%02x", r[i]);
		if (store_meta_set(d->store, "instance", id))
			xsd_log(XSD_LOG_WARN, "store: could not record the instance id (loop-protect "
				"marks change at the next start)");
	}
	snprintf(d->loop_mark, sizeof(d->loop_mark), "xsrelay:%s", id);
}

static const char usage[] =
	"usage: xsrelayd [--config FILE] [--SETTING VALUE ...]\n"
	"  Media relay control daemon: rtpengine's ng protocol over UDP and a Unix\n"
	"  datagram socket; programs xsrelay-dp. Settings (file: 'name = value';\n"
	"  command line: --name value, which wins):\n"
	"    interface      NAME/ADDRESS/MIN-MAX  relay address and port range (repeatable;\n"
	"                   the first is the default for both legs)\n"
	"    ng-udp         ADDR:PORT (default 127.0.0.1:2223; '' = off)\n"
	"    ng-unix        PATH (default /run/xsrelay/ng.sock; '' = off)\n"
	"    ng-unix-mode   octal permission bits of that socket (default 0660)\n"
	"    fast-path      dp (xsrelay-dp, default) or kmod (xsrelay.ko)\n"
	"    dp-socket      the fast path's control socket (default /run/xsrelay/dp.sock),\n"
	"                   or with fast-path kmod its device (default /dev/xsrelay)\n"
	"    store          SQLite file for live calls and keys, mode 0600\n"
	"                   (default /var/lib/xsrelay/calls.db; '' = none)\n"
	"    metrics        ADDR:PORT for Prometheus text (default 127.0.0.1:9103; '' = off)\n"
	"    media-timeout  seconds without media before a call ends (default 60; 0 = never)\n"
	"    offer-timeout  seconds an unanswered offer lives (default 120)\n"
	"    max-calls      (default 100000)\n"
	"    sdes-suites    suites offered toward SRTP legs by default\n"
	"    latching       sdp-address (default), first-packet or strict: where plain\n"
	"                   RTP is accepted from (SRTP: the first packet that authenticates)\n"
	"    relatch        yes (default) or no: an authenticated SRTP packet from a new\n"
	"                   source moves the latch (NAT rebinding)\n"
	"    log-level      err|warn|info|debug (default info)\n";

static int configure(struct xsd *d, int argc, char **argv)
{
	char err[256];
	xsd_conf_defaults(d);
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--config") && i + 1 < argc &&
		    xsd_conf_file(d, argv[i + 1], err, sizeof(err))) {
			fprintf(stderr, "xsrelayd: %s\n", err);
			return -1;
		}
	for (int i = 1; i < argc; i += 2) { /* --SETTING VALUE pairs */
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			exit(0);
		}
		if (strncmp(argv[i], "--", 2) || i + 1 >= argc) {
			fprintf(stderr, "xsrelayd: expected --SETTING VALUE, got '%s'\n%s", argv[i],
				usage);
			return -1;
		}
		if (strcmp(argv[i], "--config") &&
		    xsd_conf_set(d, argv[i] + 2, argv[i + 1], err, sizeof(err))) {
			fprintf(stderr, "xsrelayd: %s\n", err);
			return -1;
		}
	}
	if (!d->niface) {
		fprintf(stderr, "xsrelayd: no relay interface configured (interface = "
			"NAME/ADDRESS/MIN-MAX)\n");
		return -1;
	}
	for (unsigned i = 0; i < d->niface; i++)
		if (port_pool_init(&d->iface[i].pool, d->iface[i].port_min, d->iface[i].port_max)) {
			fprintf(stderr, "xsrelayd: interface %s: bad port range\n", d->iface[i].name);
			return -1;
		}
	xsd_log_set_level(!strcmp(d->cfg.log_level, "err") ? XSD_LOG_ERR :
			  !strcmp(d->cfg.log_level, "warn") ? XSD_LOG_WARN :
			  !strcmp(d->cfg.log_level, "debug") ? XSD_LOG_DEBUG : XSD_LOG_INFO);
	return 0;
}

static int add_fd(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

int main(int argc, char **argv)
{
	static struct xsd d;
	char err[256];
	int rc = 1, udp = -1, ux = -1, mfd = -1;

	if (configure(&d, argc, argv))
		return 2;
	/* Log lines are buffered and written once per burst of requests and once a
	 * second, not one write per line; errors flush at once. */
	static char logbuf[1 << 16];
	setvbuf(stderr, logbuf, _IOFBF, sizeof(logbuf));
	d.started = xsd_now();
	d.ng_slot = -1;
	if (call_table_init(&d.calls, 1 << 16))
		return 1;
	if (d.cfg.store_path[0]) {
		d.store = store_open(d.cfg.store_path, err, sizeof(err));
		if (!d.store) {
			xsd_log(XSD_LOG_ERR, "store: %s", err);
			return 1;
		}
		build_iface_map(&d);
		long skipped = 0, n = store_load(d.store, load_one, &d, &skipped);
		char names[XSD_MAX_IFACES * 33];
		iface_names(&d, names, sizeof(names));
		/* The names are recorded with the rows that use them: rows whose
		 * interfaces moved are written again under the new positions. */
		uint64_t errs = d.cnt.store_errors;
		bool ok = !store_begin(d.store);
		if (ok && iface_map_moves())
			call_foreach(&d.calls, resave_one, &d);
		ok = ok && d.cnt.store_errors == errs &&
		     !store_meta_set(d.store, "interfaces", names);
		if (ok)
			ok = !store_commit(d.store);
		else
			store_rollback(d.store);
		if (ok) {
			/* from now on rows use this configuration's positions (undo_burst) */
			for (int k = 0; k < XSD_MAX_IFACES; k++)
				iface_map[k] = k < (int)d.niface ? k : -1;
		} else {
			/* the rows and the names they refer to stay as they were, and so
			 * does the map from one to the other */
			d.cnt.store_errors++;
			xsd_log(XSD_LOG_ERR, "store: could not record the interface names (the "
				"next start maps the stored calls again)");
		}
		xsd_log(XSD_LOG_INFO, "store %s: %ld calls reloaded%s", d.cfg.store_path, n,
			skipped ? " (some rows of another layout skipped)" : "");
	}
	loop_mark_init(&d);
	xsd_call_ids_init(&d);
	d.dp = dp_link_create(d.cfg.dp_socket);
	struct ng_cache *cache = ng_cache_create(1 << 14);
	if (!d.dp || !cache)
		return 1;

	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	int sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	/* 200 ms: reconnection attempts; every 5th tick the once-a-second work */
	struct itimerspec its = { .it_interval = { 0, 200000000 }, .it_value = { 0, 1 } };
	timerfd_settime(tfd, 0, &its, NULL);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	add_fd(ep, sfd);
	add_fd(ep, tfd);
	if (d.cfg.ng_udp[0]) {
		udp = udp_listen(d.cfg.ng_udp);
		if (udp < 0) {
			xsd_log(XSD_LOG_ERR, "ng-udp %s: %s", d.cfg.ng_udp, strerror(-udp));
			return 1;
		}
		add_fd(ep, udp);
	}
	if (d.cfg.ng_unix[0]) {
		ux = unix_listen(d.cfg.ng_unix, d.cfg.ng_unix_mode);
		if (ux < 0) {
			xsd_log(XSD_LOG_ERR, "ng-unix %s: %s", d.cfg.ng_unix, strerror(-ux));
			return 1;
		}
		add_fd(ep, ux);
	}
	if (d.cfg.metrics[0]) {
		mfd = tcp_listen(d.cfg.metrics);
		if (mfd < 0) {
			xsd_log(XSD_LOG_ERR, "metrics %s: %s", d.cfg.metrics, strerror(-mfd));
			return 1;
		}
		add_fd(ep, mfd);
	}
	xsd_log(XSD_LOG_INFO, "ready: ng udp %s, ng unix %s, fast path %s, %u interface(s)",
		d.cfg.ng_udp[0] ? d.cfg.ng_udp : "off", d.cfg.ng_unix[0] ? d.cfg.ng_unix : "off",
		d.cfg.dp_socket, d.niface);
	unsigned tick = 0;
	int dpfd = -1, tried = -1; /* the fast path's socket, watched for a hang-up */
	unsigned tried_gen = 0;
	for (;;) {
		struct epoll_event ev[16];
		unsigned gen;
		int lfd = dp_link_fd(d.dp, &gen);
		if (lfd != tried || gen != tried_gen) {
			if (dpfd >= 0)
				epoll_ctl(ep, EPOLL_CTL_DEL, dpfd, NULL);
			struct epoll_event hev = { .events = EPOLLRDHUP, .data.fd = lfd };
			/* a character device (kmod) cannot be watched: the 1 s poll notices */
			dpfd = lfd >= 0 && !epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &hev) ? lfd : -1;
			tried = lfd;
			tried_gen = gen;
		}
		int n = epoll_wait(ep, ev, 16, -1);
		if (n < 0 && errno == EINTR)
			continue;
		for (int i = 0; i < n; i++) {
			int fd = ev[i].data.fd;
			if (fd == sfd) {
				xsd_log(XSD_LOG_INFO, "stopping: %zu calls stay in the store and the "
					"fast path", d.calls.count);
				rc = 0;
				goto out;
			} else if (fd == tfd) {
				uint64_t ticks;
				(void)!read(tfd, &ticks, sizeof(ticks));
				if (++tick % 5 == 0) {
					dp_link_tick(&d);
					xsd_save_marks(&d);
					xsd_call_ids_reserve(&d);
					expire_calls(&d);
					dp_link_flush(&d); /* the expired calls' flows go now */
					ng_cache_expire(cache, xsd_now());
				} else {
					dp_link_retry(&d);
				}
				fflush(stderr);
			} else if (fd == dpfd) {
				/* the fast path went away (its socket hung up) -- unless the link
				 * was already replaced during this batch of events and the fd
				 * number reused: then the event is stale */
				unsigned g;
				if (dp_link_fd(d.dp, &g) != dpfd || g != tried_gen)
					continue;
				epoll_ctl(ep, EPOLL_CTL_DEL, dpfd, NULL);
				dpfd = tried = -1;
				dp_link_hangup(&d);
			} else if (fd == udp || fd == ux) {
				serve_dgram(&d, cache, fd);
			} else if (fd == mfd) {
				int c = accept4(mfd, NULL, NULL, SOCK_CLOEXEC);
				if (c >= 0)
					metrics_serve(&d, c);
			}
		}
	}
out:
	fflush(stderr);
	if (ux >= 0)
		unlink(d.cfg.ng_unix);
	ng_cache_free(cache);
	dp_link_free(d.dp);
	store_close(d.store);
	call_table_free(&d.calls);
	for (unsigned i = 0; i < d.niface; i++)
		port_pool_free(&d.iface[i].pool);
	return rc;
}
