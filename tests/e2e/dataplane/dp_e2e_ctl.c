/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small client of xsrelay-dp's control socket for scripts (the end-to-end
 * and standalone tests), on dataplane/dp_client and dp_codec. Each call
 * connects, says HELLO, does one thing, and exits 0 on success:
 *
 *   dp_e2e_ctl SOCK hello
 *   dp_e2e_ctl SOCK add|replace|reset LOCAL OUT_SRC OUT_DST IN_SUITE IN_KEY OUT_SUITE OUT_KEY
 *       a latching flow; SUITE is a number (enum xs_srtp_suite, 0 plain);
 *       KEY 60 hex digits (16-byte master key, 14-byte salt), "-" for none.
 *       replace: FLOW_REPLACE; reset: FLOW_REPLACE with F_RESET.
 *   dp_e2e_ctl SOCK del LOCAL
 *   dp_e2e_ctl SOCK stats              "name value" lines (flows, workers, counters)
 *   dp_e2e_ctl SOCK flow LOCAL         "name value" lines for one flow
 *
 * Addresses: 10.0.0.1:4000 or [2001:db8::1]:4000.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dp_client.h"
#include "dp_codec.h"

static int fd;
static uint32_t seq;

static int die(const char *what, int code)
{
	fprintf(stderr, "dp_e2e_ctl: %s: %s\n", what, code > 0 ? strerror(code) : strerror(-code));
	return 1;
}

static int addr(const char *s, struct xs_dp_addr *a)
{
	if (xs_dp_addr_parse(s, a, false)) {
		fprintf(stderr, "dp_e2e_ctl: bad address %s\n", s);
		return -1;
	}
	return 0;
}

static int crypto(const char *suite, const char *hex, struct xs_dp_crypto *c, uint8_t *fsuite)
{
	unsigned long s = strtoul(suite, NULL, 10);

	memset(c, 0, sizeof(*c));
	*fsuite = (uint8_t)s;
	c->suite = (uint32_t)s;
	if (!strcmp(hex, "-"))
		return 0;
	if (strlen(hex) != 60)
		return -1;
	for (int i = 0; i < 30; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		if (i < 16)
			c->master_key[i] = (uint8_t)v;
		else
			c->master_salt[i - 16] = (uint8_t)v;
	}
	c->key_len = 16;
	c->salt_len = 14;
	return 1;
}

static int do_flow(char **av, uint16_t type, uint32_t flags)
{
	struct xs_dp_flow_msg m;
	int rc, in, out;

	memset(&m, 0, sizeof(m));
	if (addr(av[0], &m.flow.local) || addr(av[1], &m.flow.out_src) ||
	    addr(av[2], &m.flow.out_dst))
		return 1;
	in = crypto(av[3], av[4], &m.in, &m.flow.in_suite);
	out = crypto(av[5], av[6], &m.out, &m.flow.out_suite);
	if (in < 0 || out < 0) {
		fprintf(stderr, "dp_e2e_ctl: bad key\n");
		return 1;
	}
	m.flow.src_policy = XS_DP_SRC_LATCH;
	m.flow.flags = flags | (in ? XS_DP_FLOW_F_IN_KEYS : 0) | (out ? XS_DP_FLOW_F_OUT_KEYS : 0);
	rc = xs_dp_client_simple(fd, type, ++seq, &m, sizeof(m));
	explicit_bzero(&m, sizeof(m));
	return rc ? die(xs_dp_msg_type_name(type), rc) : 0;
}

static int do_del(const char *local)
{
	struct xs_dp_flow_ref r;
	int rc;

	memset(&r, 0, sizeof(r));
	if (addr(local, &r.local))
		return 1;
	rc = xs_dp_client_simple(fd, XS_DP_MSG_FLOW_DEL, ++seq, &r, sizeof(r));
	return rc ? die("FLOW_DEL", rc) : 0;
}

/* The reply to a call, checked: body or NULL (error printed). */
static const uint8_t *call(uint16_t type, const void *body, size_t blen, uint16_t want,
			   uint8_t *buf, size_t cap)
{
	const struct xs_dp_hdr *h;
	struct xs_dp_error e;
	long n = xs_dp_client_call(fd, type, ++seq, body, blen, buf, cap);

	if (n < 0) {
		die(xs_dp_msg_type_name(type), (int)n);
		return NULL;
	}
	if (xs_dp_reply_check(buf, (size_t)n, &h, NULL) || h->seq != seq) {
		die("reply", EBADMSG);
		return NULL;
	}
	if (h->type == XS_DP_MSG_ERROR) {
		memcpy(&e, buf + sizeof(*h), sizeof(e));
		fprintf(stderr, "dp_e2e_ctl: %s: %s (%s)\n", xs_dp_msg_type_name(type),
			strerror(e.code), e.text);
		return NULL;
	}
	if (h->type != want) {
		die("reply type", EBADMSG);
		return NULL;
	}
	return buf + sizeof(*h);
}

static int do_stats(void)
{
	static uint8_t buf[XS_DP_MSG_MAX];
	const uint8_t *b = call(XS_DP_MSG_STATS_GET, NULL, 0, XS_DP_MSG_STATS, buf, sizeof(buf));
	struct xs_dp_stats st;

	if (!b)
		return 1;
	memcpy(&st, b, sizeof(st));
	printf("flows %llu\nworkers %u\n", (unsigned long long)st.flows, st.workers);
#define P(name, help) printf(#name " %llu\n", (unsigned long long)st.global.name);
	XS_DP_GLOBAL_COUNTERS(P)
#undef P
	return 0;
}

static int do_get(const char *local)
{
	static uint8_t buf[XS_DP_MSG_MAX];
	struct xs_dp_flow_ref r;
	struct xs_dp_flow_info info;
	const uint8_t *b;
	char a[64];

	memset(&r, 0, sizeof(r));
	if (addr(local, &r.local))
		return 1;
	b = call(XS_DP_MSG_FLOW_GET, &r, sizeof(r), XS_DP_MSG_FLOW_INFO, buf, sizeof(buf));
	if (!b)
		return 1;
	memcpy(&info, b + sizeof(struct xs_dp_info_batch), sizeof(info));
	printf("peer %s\n", xs_dp_addr_str(&info.flow.peer, a, sizeof(a)));
	printf("in_keys %u\nout_keys %u\nin_ssrc %u\nout_ssrc %u\n", info.in_keys, info.out_keys,
	       info.in_ssrc, info.out_ssrc);
#define P(name, help) printf(#name " %llu\n", (unsigned long long)info.stats.name);
	XS_DP_FLOW_COUNTERS(P)
#undef P
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: dp_e2e_ctl SOCK hello|stats\n"
			"       dp_e2e_ctl SOCK add|replace|reset LOCAL OUT_SRC OUT_DST "
			"IN_SUITE IN_KEY OUT_SUITE OUT_KEY\n"
			"       dp_e2e_ctl SOCK del|flow LOCAL\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *cmd;
	int rc;

	if (argc < 3)
		return usage();
	cmd = argv[2];
	fd = xs_dp_client_connect(argv[1]);
	if (fd < 0)
		return die(argv[1], fd);
	rc = xs_dp_client_hello(fd, ++seq);
	if (rc)
		return die("HELLO", rc);
	if (!strcmp(cmd, "hello") && argc == 3)
		rc = 0;
	else if (!strcmp(cmd, "stats") && argc == 3)
		rc = do_stats();
	else if (!strcmp(cmd, "add") && argc == 10)
		rc = do_flow(argv + 3, XS_DP_MSG_FLOW_ADD, 0);
	else if (!strcmp(cmd, "replace") && argc == 10)
		rc = do_flow(argv + 3, XS_DP_MSG_FLOW_REPLACE, 0);
	else if (!strcmp(cmd, "reset") && argc == 10)
		rc = do_flow(argv + 3, XS_DP_MSG_FLOW_REPLACE, XS_DP_FLOW_F_RESET);
	else if (!strcmp(cmd, "del") && argc == 4)
		rc = do_del(argv[3]);
	else if (!strcmp(cmd, "flow") && argc == 4)
		rc = do_get(argv[3]);
	else
		rc = usage();
	close(fd);
	return rc;
}
