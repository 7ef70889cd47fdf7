/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xsrelayctl: the operator's view of xsrelayd, over the same ng protocol the
 * proxies use (its Unix socket by default, or UDP).
 *
 *   xsrelayctl [--socket PATH | --udp ADDR:PORT] [--json] COMMAND
 *     list                 live calls
 *     show CALL-ID         one call: legs, streams, counters, security state
 *     delete CALL-ID       end a call
 *     totals               daemon and fast-path counters
 *     top [SECONDS]        the totals and the busiest calls, refreshed
 *
 * Exit status: 0 ok, 1 the daemon answered with an error or did not answer,
 * 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ng_codec.h"

#define REPLY_MAX 65536

struct ctl {
	int fd;
	struct sockaddr_storage to;
	socklen_t tolen;
	bool json;
	unsigned seq;
	struct ng_arena arena;
	uint8_t mem[1 << 20];
	char reply[REPLY_MAX + 1];
};

static int open_unix(struct ctl *c, const char *path)
{
	struct sockaddr_un to = { .sun_family = AF_UNIX }, me = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(to.sun_path))
		return -1;
	strcpy(to.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* A datagram client needs an address for the reply: an abstract one (no
	 * file, nothing to clean up, reachable from a daemon with a private /tmp). */
	int n = snprintf(me.sun_path + 1, sizeof(me.sun_path) - 1, "xsrelayctl.%d", (int)getpid());
	if (c->fd < 0 || bind(c->fd, (struct sockaddr *)&me,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)))
		return -1;
	memcpy(&c->to, &to, sizeof(to));
	c->tolen = sizeof(to);
	return 0;
}

static int open_udp(struct ctl *c, const char *spec)
{
	char host[128], *port;
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai;
	snprintf(host, sizeof(host), "%s", spec);
	port = strrchr(host, ':');
	if (!port)
		return -1;
	*port++ = '\0';
	if (getaddrinfo(host, port, &hints, &ai))
		return -1;
	c->fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memcpy(&c->to, ai->ai_addr, ai->ai_addrlen);
	c->tolen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return c->fd < 0 ? -1 : 0;
}

/* Sends a request (already a bencode dict) and parses the reply dict. */
static const struct ng_val *call(struct ctl *c, const struct ng_out *req)
{
	char cookie[32];
	int cl = snprintf(cookie, sizeof(cookie), "ctl%d_%u ", (int)getpid(), ++c->seq);
	struct ng_out msg;
	ng_out_init(&msg, NG_BENCODE);
	ng_out_raw(&msg, cookie, (size_t)cl);
	ng_out_raw(&msg, req->buf, req->len);
	for (int attempt = 0; attempt < 3; attempt++) {
		if (sendto(c->fd, msg.buf, msg.len, 0, (struct sockaddr *)&c->to, c->tolen) < 0) {
			fprintf(stderr, "xsrelayctl: cannot reach xsrelayd: %s\n", strerror(errno));
			break;
		}
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		if (poll(&p, 1, 1000) != 1)
			continue; /* a retransmission is answered from the daemon's cache */
		ssize_t n = recv(c->fd, c->reply, REPLY_MAX, 0);
		if (n <= 0)
			break;
		const char *rc;
		size_t rcl;
		struct ng_val *root;
		enum ng_syntax syn;
		struct ng_parse_error e;
		ng_arena_reset(&c->arena);
		if (ng_parse(c->reply, (size_t)n, &c->arena, &rc, &rcl, &root, &syn, &e)) {
			fprintf(stderr, "xsrelayctl: unreadable reply: %s\n", e.what);
			break;
		}
		ng_out_free(&msg);
		return root;
	}
	ng_out_free(&msg);
	fprintf(stderr, "xsrelayctl: no answer from xsrelayd\n");
	return NULL;
}

static void print_json(const struct ng_val *v)
{
	struct ng_out o;
	ng_out_init(&o, NG_JSON);
	ng_out_val(&o, v);
	fwrite(o.buf, 1, o.len, stdout);
	putchar('\n');
	ng_out_free(&o);
}

static bool failed(const struct ng_val *r)
{
	const struct ng_val *res = ng_dict_get(r, "result");
	if (ng_str_eq(res, "ok") || ng_str_eq(res, "pong"))
		return false;
	const struct ng_val *why = ng_dict_get(r, "error-reason");
	fprintf(stderr, "xsrelayctl: %.*s\n", why && why->type == NG_STR ? (int)why->len : 5,
		why && why->type == NG_STR ? why->s : "error");
	return true;
}

static void simple_req(struct ng_out *o, const char *cmd, const char *call_id)
{
	ng_out_init(o, NG_BENCODE);
	ng_out_dict_begin(o);
	ng_out_key(o, "command");
	ng_out_cstr(o, cmd);
	if (call_id) {
		ng_out_key(o, "call-id");
		ng_out_cstr(o, call_id);
	}
	ng_out_dict_end(o);
}

static const struct ng_val *run(struct ctl *c, const char *cmd, const char *call_id)
{
	struct ng_out o;
	simple_req(&o, cmd, call_id);
	const struct ng_val *r = call(c, &o);
	ng_out_free(&o);
	return r;
}

static void print_val_text(const struct ng_val *v, int indent)
{
	for (const struct ng_val *e = v->first; e; e = e->next) {
		printf("%*s", indent, "");
		if (v->type == NG_DICT)
			printf("%.*s: ", (int)e->key_len, e->key);
		else
			printf("- ");
		if (e->type == NG_INT)
			printf("%lld\n", (long long)e->i);
		else if (e->type == NG_STR)
			printf("%.*s\n", (int)e->len, e->s);
		else {
			putchar('\n');
			print_val_text(e, indent + 2);
		}
	}
}

static int cmd_list(struct ctl *c)
{
	struct ng_out o;
	ng_out_init(&o, NG_BENCODE);
	ng_out_dict_begin(&o);
	ng_out_key(&o, "command");
	ng_out_cstr(&o, "list");
	ng_out_key(&o, "limit");
	ng_out_int(&o, 1000000);
	ng_out_dict_end(&o);
	const struct ng_val *r = call(c, &o);
	ng_out_free(&o);
	if (!r || failed(r))
		return 1;
	if (c->json) {
		print_json(r);
		return 0;
	}
	const struct ng_val *calls = ng_dict_get(r, "calls");
	for (const struct ng_val *e = calls ? calls->first : NULL; e; e = e->next)
		printf("%.*s\n", (int)e->len, e->s);
	return 0;
}

static int cmd_generic(struct ctl *c, const char *cmd, const char *call_id)
{
	const struct ng_val *r = run(c, cmd, call_id);
	if (!r || failed(r))
		return 1;
	if (c->json)
		print_json(r);
	else
		print_val_text(r, 0);
	return 0;
}

static int64_t get_int(const struct ng_val *d, const char *a, const char *b)
{
	const struct ng_val *v = ng_dict_get(ng_dict_get(d, a), b);
	return v && v->type == NG_INT ? v->i : 0;
}

static int cmd_top(struct ctl *c, unsigned period)
{
	for (;;) {
		const struct ng_val *r = run(c, "statistics", NULL);
		if (!r || failed(r))
			return 1;
		const struct ng_val *st = ng_dict_get(r, "statistics");
		if (c->json) {
			print_json(r);
		} else {
			printf("\033[H\033[2J");
			time_t now = time(NULL);
			printf("xsrelayd  %s", ctime(&now));
			printf("calls %lld   ng requests %lld   errors %lld   fast path flows %lld\n",
			       (long long)get_int(st, "currentstatistics", "sessionsown"),
			       (long long)get_int(st, "xsrelayd", "ng_requests"),
			       (long long)get_int(st, "xsrelayd", "ng_errors"),
			       (long long)get_int(st, "fast path", "flows"));
			printf("relayed %lld   rx frames %lld   dropped (flows) %lld\n",
			       (long long)get_int(st, "fast path", "relayed"),
			       (long long)get_int(st, "fast path", "rx_pkts"),
			       (long long)get_int(st, "fast path", "drop_flow"));
		}
		fflush(stdout);
		if (!period)
			return 0;
		sleep(period);
	}
}

static const char usage[] =
	"usage: xsrelayctl [--socket PATH | --udp ADDR:PORT] [--json] COMMAND\n"
	"  list                 live calls\n"
	"  show CALL-ID         one call: legs, streams, counters, security state\n"
	"  delete CALL-ID       end a call\n"
	"  totals               daemon and fast-path counters\n"
	"  top [SECONDS]        totals, refreshed every SECONDS (default 1; 0 = once)\n"
	"  ping                 is the daemon there\n"
	"Default socket /run/xsrelay/ng.sock. Exit status: 0 ok, 1 error, 2 usage.\n";

int main(int argc, char **argv)
{
	static struct ctl c;
	const char *sock = "/run/xsrelay/ng.sock", *udp = NULL;
	int i = 1, rc;
	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--json"))
			c.json = true;
		else if (!strcmp(argv[i], "--socket") && i + 1 < argc)
			sock = argv[++i];
		else if (!strcmp(argv[i], "--udp") && i + 1 < argc)
			udp = argv[++i];
		else if (!strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (i >= argc) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
	bool needs_id = !strcmp(cmd, "show") || !strcmp(cmd, "delete");
	if ((needs_id && !arg) || (!needs_id && strcmp(cmd, "top") && arg)) {
		fputs(usage, stderr);
		return 2;
	}
	ng_arena_init(&c.arena, c.mem, sizeof(c.mem));
	if (udp ? open_udp(&c, udp) : open_unix(&c, sock)) {
		fprintf(stderr, "xsrelayctl: cannot open a socket to %s: %s\n", udp ? udp : sock,
			strerror(errno));
		return 1;
	}
	if (!strcmp(cmd, "list"))
		rc = cmd_list(&c);
	else if (!strcmp(cmd, "show"))
		rc = cmd_generic(&c, "query", arg);
	else if (!strcmp(cmd, "delete"))
		rc = cmd_generic(&c, "delete", arg);
	else if (!strcmp(cmd, "totals"))
		rc = cmd_generic(&c, "statistics", NULL);
	else if (!strcmp(cmd, "ping"))
		rc = cmd_generic(&c, "ping", NULL);
	else if (!strcmp(cmd, "top"))
		rc = cmd_top(&c, arg ? (unsigned)strtoul(arg, NULL, 10) : 1);
	else {
		fputs(usage, stderr);
		rc = 2;
	}
	return rc;
}
