/* SPDX-License-Identifier: BSD-3-Clause */
/* Prometheus text format, one small HTTP/1.0 responder. */
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics.h"

static void line(struct ng_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void line(struct ng_out *o, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		ng_out_raw(o, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void metric(struct ng_out *o, const char *name, const char *type, const char *help,
		   unsigned long long v)
{
	line(o, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name, v);
}

void metrics_render(const struct xsd *d, struct ng_out *o)
{
	metric(o, "xsrelay_calls", "gauge", "calls xsrelayd holds", d->calls.count);
	metric(o, "xsrelay_flows", "gauge", "flows in the fast path at the last poll",
	       d->flows_live);
	metric(o, "xsrelay_fast_path_up", "gauge", "1 when the fast path is connected",
	       d->dp_last_valid);
#define XSD_M(name, help) metric(o, "xsrelayd_" #name "_total", "counter", help, d->cnt.name);
	XSD_COUNTERS(XSD_M)
#undef XSD_M
#define XSD_F(name, help) \
	metric(o, "xsrelay_dp_flow_" #name, "gauge", help " (sum over live flows)", \
	       d->flow_sum.name);
	XS_DP_FLOW_COUNTERS(XSD_F)
#undef XSD_F
	if (d->dp_last_valid) {
#define XSD_G(name, help) metric(o, "xsrelay_dp_" #name "_total", "counter", help, \
				 d->dp_last.global.name);
		XS_DP_GLOBAL_COUNTERS(XSD_G)
#undef XSD_G
	}
}

void metrics_serve(const struct xsd *d, int fd)
{
	char req[2048];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n = 0;
	/* a scraper sends its request at once; do not wait on a slow client */
	if (poll(&p, 1, 200) == 1)
		n = recv(fd, req, sizeof(req) - 1, MSG_DONTWAIT);
	if (n > 0) {
		req[n] = '\0';
		struct ng_out body, all;
		ng_out_init(&body, NG_BENCODE);
		ng_out_init(&all, NG_BENCODE);
		bool ok = !strncmp(req, "GET /metrics ", 13) || !strncmp(req, "GET / ", 6);
		if (ok)
			metrics_render(d, &body);
		else
			ng_out_raw(&body, "not found: try /metrics\n", 24);
		char hdr[160];
		int h = snprintf(hdr, sizeof(hdr), "HTTP/1.0 %s\r\nContent-Type: text/plain; "
				 "version=0.0.4\r\nContent-Length: %zu\r\n\r\n",
				 ok ? "200 OK" : "404 Not Found", body.len);
		ng_out_raw(&all, hdr, (size_t)h);
		ng_out_raw(&all, body.buf, body.len);
		if (!all.oom)
			(void)!send(fd, all.buf, all.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		ng_out_free(&body);
		ng_out_free(&all);
	}
	close(fd);
}
