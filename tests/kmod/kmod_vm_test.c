// SPDX-License-Identifier: BSD-3-Clause
/*
 * The test that runs inside the qemu VM (statically linked, started by the
 * initramfs /init after insmod xsrelay.ko). It programs flows through
 * /dev/xsrelay with the data plane's message structs, sends SRTP made on the
 * host by libsrtp2 (tests/e2e/dataplane/srtp_gen, key A) through the module
 * over 127.0.0.1, and prints every relayed packet as "XSK-PKT <hex>" for the
 * host to check with libsrtp2 under key B (and not under key A). Then the
 * negative cases and their counters, and a benchmark against a userspace relay
 * running the same packet logic (kmod/xsk_srtp.c) with OpenSSL.
 *
 *   kmod_vm_test IN_SRTP_FILE N KEYHEX_A KEYHEX_B BENCH_PKTS [PID_NS_A PID_NS_B]
 *
 * Prints "XSRELAY-KMOD-RESULT: P passed, F failed" as its last line. Other
 * modes: `xsd` (xsrelayd driving the module), `suites` (x-sipura, SRTCP, mux)
 * below, and `stream` (the stream lifecycle and a module reload,
 * kmod_vm_stream.c).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kmod_vm.h"

#define LOCAL_PORT	20000
#define OUT_SRC_PORT	20100
#define DST_PORT	30000
#define PEER_PORT	40000
#define OTHER_PORT	40002
#define UNKNOWN_PORT	20500
#define BENCH_K_PORT	22000
#define BENCH_U_PORT	23000
#define BENCH_DST_PORT	31000
#define BENCH_WINDOW	16
#define VETH_PORT	24000
#define V6_PORT		24100
#define V46_PORT	24200

/* veth topology set up by /init: ns A (peer, 10.0.1.2) -- root (10.0.1.1 |
 * 10.0.2.1) -- ns B (destination, 10.0.2.2) */
#define V_RELAY		IP4(10, 0, 1, 1)
#define V_PEER		IP4(10, 0, 1, 2)
#define V_OUT_SRC	IP4(10, 0, 2, 1)
#define V_DST		IP4(10, 0, 2, 2)

/* where a test's traffic goes: the peer sends from ns_peer to relay, the
 * relayed packets leave from out_src to dst in ns_dst (-1: this namespace) */
struct path {
	const char *name;
	int ns_peer, ns_dst;
	uint32_t relay, out_src, dst;
};

int ns_root = -1;
int passed, failed;
int ctl_fd;
static uint32_t ctl_seq;

struct rec {
	uint16_t len;
	uint8_t b[2048];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int unhex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

int ctl(uint16_t type, const void *body, uint32_t blen, void *rep, size_t rlen)
{
	uint8_t buf[1024], rbuf[65536];
	struct xs_dp_hdr *h = (struct xs_dp_hdr *)buf;
	ssize_t n;

	memset(buf, 0, sizeof(*h));
	h->type = type;
	h->len = (uint32_t)sizeof(*h) + blen;
	h->seq = ++ctl_seq;
	memcpy(buf + sizeof(*h), body, blen);
	if (write(ctl_fd, buf, h->len) != (ssize_t)h->len)
		return -1;
	n = read(ctl_fd, rbuf, sizeof(rbuf));
	if (n < (ssize_t)sizeof(*h))
		return -1;
	h = (struct xs_dp_hdr *)rbuf;
	if (h->seq != ctl_seq)
		return -1;
	if (rep)
		memcpy(rep, rbuf + sizeof(*h), (size_t)n - sizeof(*h) < rlen ?
		       (size_t)n - sizeof(*h) : rlen);
	return h->type;
}

void addr4ip(struct xs_dp_addr *a, uint32_t ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = XS_DP_AF_INET;
	a->port = port;
	a->addr[0] = (uint8_t)(ip >> 24);
	a->addr[1] = (uint8_t)(ip >> 16);
	a->addr[2] = (uint8_t)(ip >> 8);
	a->addr[3] = (uint8_t)ip;
}

void addr4(struct xs_dp_addr *a, uint16_t port)
{
	addr4ip(a, LO4, port);
}

void crypto80(struct xs_dp_crypto *c, const uint8_t key30[30])
{
	memset(c, 0, sizeof(*c));
	c->suite = 1;
	memcpy(c->master_key, key30, 16);
	memcpy(c->master_salt, key30 + 16, 14);
	c->key_len = 16;
	c->salt_len = 14;
}

static void addr6(struct xs_dp_addr *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = XS_DP_AF_INET6;
	a->port = port;
	inet_pton(AF_INET6, ip, a->addr);
}

static int flow_add_a(const struct xs_dp_addr *local, const struct xs_dp_addr *out_src,
		      const struct xs_dp_addr *out_dst, const uint8_t *ka, const uint8_t *kb)
{
	struct xs_dp_flow_msg m;
	struct xs_dp_error err;
	int t;

	memset(&m, 0, sizeof(m));
	m.flow.local = *local;
	m.flow.out_src = *out_src;
	m.flow.out_dst = *out_dst;
	m.flow.src_policy = XS_DP_SRC_LATCH;
	m.flow.in_suite = 1;
	m.flow.out_suite = 1;
	m.flow.flags = XS_DP_FLOW_F_IN_KEYS | XS_DP_FLOW_F_OUT_KEYS;
	crypto80(&m.in, ka);
	crypto80(&m.out, kb);
	t = ctl(XS_DP_MSG_FLOW_ADD, &m, sizeof(m), &err, sizeof(err));
	if (t == XS_DP_MSG_ERROR)
		printf("# flow add refused: %d %s\n", err.code, err.text);
	return t == XS_DP_MSG_ACK ? 0 : -1;
}

static int flow_add_p(const struct path *p, uint16_t local, uint16_t out_src, uint16_t dst,
		      const uint8_t *ka, const uint8_t *kb)
{
	struct xs_dp_addr l, s, d;

	addr4ip(&l, p->relay, local);
	addr4ip(&s, p->out_src, out_src);
	addr4ip(&d, p->dst, dst);
	return flow_add_a(&l, &s, &d, ka, kb);
}

static const struct path lo_path = { "lo", -1, -1, LO4, LO4, LO4 };

static int flow_add(uint16_t local, uint16_t out_src, uint16_t dst, const uint8_t *ka,
		    const uint8_t *kb)
{
	return flow_add_p(&lo_path, local, out_src, dst, ka, kb);
}

static int flow_get(uint16_t local, struct xs_dp_flow_info *info)
{
	struct xs_dp_flow_ref r;
	struct {
		struct xs_dp_info_batch b;
		struct xs_dp_flow_info i;
	} rep;

	memset(&r, 0, sizeof(r));
	addr4(&r.local, local);
	if (ctl(XS_DP_MSG_FLOW_GET, &r, sizeof(r), &rep, sizeof(rep)) != XS_DP_MSG_FLOW_INFO)
		return -1;
	*info = rep.i;
	return 0;
}

int udp_sock_ns(int ns, uint32_t ip, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(ip) };
	int fd, sz = 4 << 20;

	if (ns >= 0 && setns(ns, CLONE_NEWNET))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (ns >= 0 && setns(ns_root, CLONE_NEWNET))
		abort();
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	return fd;
}

static int udp6_sock_ns(int ns, const char *ip, uint16_t port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	int fd;

	inet_pton(AF_INET6, ip, &sa.sin6_addr);
	if (ns >= 0 && setns(ns, CLONE_NEWNET))
		return -1;
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (ns >= 0 && setns(ns_root, CLONE_NEWNET))
		abort();
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	return fd;
}

static void send_to6(int fd, const char *ip, uint16_t port, const void *b, size_t len)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	inet_pton(AF_INET6, ip, &sa.sin6_addr);
	sendto(fd, b, len, 0, (struct sockaddr *)&sa, sizeof(sa));
}

int udp_sock(uint16_t port)
{
	return udp_sock_ns(-1, LO4, port);
}

void send_to_ip(int fd, uint32_t ip, uint16_t port, const void *b, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(ip) };

	sendto(fd, b, len, 0, (struct sockaddr *)&sa, sizeof(sa));
}

void send_to(int fd, uint16_t port, const void *b, size_t len)
{
	send_to_ip(fd, LO4, port, b, len);
}

/* Receive one datagram within ms milliseconds; length or -1. */
ssize_t recv_wait(int fd, void *b, size_t len, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) <= 0)
		return -1;
	return recv(fd, b, len, 0);
}

void print_pkt_tag(const char *tag, const uint8_t *b, size_t n)
{
	printf("%s ", tag);
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

static void print_pkt(const uint8_t *b, size_t n)
{
	print_pkt_tag("XSK-PKT", b, n);
}

static int load(const char *path, struct rec **out)
{
	FILE *f = fopen(path, "rb");
	struct rec *r = calloc(70000, sizeof(*r));
	uint8_t lb[2];
	int n = 0;

	if (!f || !r)
		return -1;
	while (n < 70000 && fread(lb, 1, 2, f) == 2) {
		r[n].len = (uint16_t)(lb[0] << 8 | lb[1]);
		if (r[n].len > sizeof(r[n].b) || fread(r[n].b, 1, r[n].len, f) != r[n].len)
			break;
		n++;
	}
	fclose(f);
	*out = r;
	return n;
}

static void test_hello(void)
{
	struct xs_dp_hello h, rep;
	struct xs_dp_error err;
	struct xs_dp_flow_ref r;

	memset(&r, 0, sizeof(r));
	addr4(&r.local, LOCAL_PORT);
	CHECK(ctl(XS_DP_MSG_FLOW_GET, &r, sizeof(r), &err, sizeof(err)) == XS_DP_MSG_ERROR &&
	      err.code == EPROTO, "a request before HELLO is refused with EPROTO");
	xs_dp_hello_fill(&h);
	h.sizes[XS_DP_SIZE_flow_msg]++;
	CHECK(ctl(XS_DP_MSG_HELLO, &h, sizeof(h), &err, sizeof(err)) == XS_DP_MSG_ERROR &&
	      err.code == EPROTO, "HELLO with a wrong struct size is refused (%s)", err.text);
	xs_dp_hello_fill(&h);
	CHECK(ctl(XS_DP_MSG_HELLO, &h, sizeof(h), &rep, sizeof(rep)) == XS_DP_MSG_HELLO &&
	      !memcmp(&rep, &h, sizeof(h)), "HELLO answered with the same size table");
}

/* One raw write to /dev/xsrelay; the refusal it got back, if any. */
static int raw_write(const void *buf, size_t len, struct xs_dp_error *err)
{
	uint8_t rbuf[4096];
	const struct xs_dp_hdr *h = (const struct xs_dp_hdr *)rbuf;
	ssize_t n;

	memset(err, 0, sizeof(*err));
	if (write(ctl_fd, buf, len) != (ssize_t)len)
		return -errno;
	n = read(ctl_fd, rbuf, sizeof(rbuf));
	if (n < (ssize_t)(sizeof(*h) + sizeof(*err)))
		return h->type;
	memcpy(err, rbuf + sizeof(*h), sizeof(*err));
	return h->type;
}

/* Garbage on the control device gets an ERROR with the reason, and the
 * device keeps serving the same client. */
static void test_garbage(void)
{
	uint8_t buf[2048];
	struct xs_dp_hdr *h = (struct xs_dp_hdr *)buf;
	struct xs_dp_error err;
	struct xs_dp_stats st;
	uint32_t seed = 0x9e3779b9;
	int refused = 0;

	memset(buf, 0xa5, sizeof(buf));
	CHECK(raw_write(buf, 3, &err) == XS_DP_MSG_ERROR && err.code == EBADMSG,
	      "3 bytes: EBADMSG (%s)", err.text);
	memset(buf, 0, sizeof(*h));
	h->type = XS_DP_MSG_STATS_GET;
	h->len = sizeof(*h) + 8;
	CHECK(raw_write(buf, sizeof(*h), &err) == XS_DP_MSG_ERROR && err.code == EBADMSG,
	      "header length unlike the write: EBADMSG (%s)", err.text);
	h->type = 0x7777;
	h->len = sizeof(*h);
	CHECK(raw_write(buf, sizeof(*h), &err) == XS_DP_MSG_ERROR && err.code == EOPNOTSUPP,
	      "unknown type: EOPNOTSUPP (%s)", err.text);
	h->type = XS_DP_MSG_FLOW_ADD;
	h->len = sizeof(*h) + 16;
	CHECK(raw_write(buf, h->len, &err) == XS_DP_MSG_ERROR && err.code == EBADMSG,
	      "FLOW_ADD with a 16-byte body: EBADMSG (%s)", err.text);
	CHECK(raw_write(buf, sizeof(buf), &err) == -EMSGSIZE,
	      "a write longer than any request: EMSGSIZE");
	for (int i = 0; i < 2000; i++) {
		size_t len = 1 + (seed % 1024);

		for (size_t j = 0; j < len; j++) {
			seed = seed * 1103515245u + 12345u;
			buf[j] = (uint8_t)(seed >> 16);
		}
		refused += raw_write(buf, len, &err) == XS_DP_MSG_ERROR;
	}
	CHECK(refused == 2000, "2000 random writes of 1..1024 bytes: %d refused", refused);
	CHECK(ctl(XS_DP_MSG_STATS_GET, buf, 0, &st, sizeof(st)) == XS_DP_MSG_STATS &&
	      st.flows == 0, "after the garbage the device still answers (STATS, %llu flows)",
	      (unsigned long long)st.flows);
}

/* Userspace relay for the benchmark: the same packet logic, OpenSSL crypto. */
static void user_relay(const struct path *p, const uint8_t *ka, const uint8_t *kb)
{
	struct xs_dp_crypto ca, cb;
	struct xsk_ossl_keys in, out;
	struct xsk_stream sin, sout;
	uint8_t b[2048];
	int fd = udp_sock_ns(-1, p->relay, BENCH_U_PORT);
	int tx = udp_sock_ns(-1, p->out_src, 0);

	crypto80(&ca, ka);
	crypto80(&cb, kb);
	xsk_ossl_keys_new(&ca, &in);
	xsk_ossl_keys_new(&cb, &out);
	xsk_stream_init(&sin, 0);
	xsk_stream_init(&sout, 0);
	for (;;) {
		ssize_t n = recv(fd, b, sizeof(b) - 32, 0);
		uint32_t len = (uint32_t)n;

		if (n <= 0)
			continue;
		if (xsk_unprotect(&xsk_ossl_ops, &in.keys, &sin, b, &len, false) ||
		    xsk_protect(&xsk_ossl_ops, &out.keys, &sout, b, &len, sizeof(b), false))
			continue;
		send_to_ip(tx, p->dst, BENCH_DST_PORT, b, len);
	}
}

/* Packets per second relayed to BENCH_DST_PORT for n packets sent to port,
 * BENCH_WINDOW in flight at most. */
static double bench_run(const struct path *p, uint16_t port, uint8_t (*pkts)[256],
			const uint32_t *lens, int n, int *got)
{
	int tx = udp_sock_ns(p->ns_peer, p->ns_peer >= 0 ? V_PEER : LO4, PEER_PORT + 10 + (port & 7));
	int rx = udp_sock_ns(p->ns_dst, p->dst, BENCH_DST_PORT);
	int sent = 0, recvd = 0, lost = 0;
	uint8_t b[2048];
	double t0 = now_s(), t;

	while (recvd + lost < n) {
		while (sent < n && sent - recvd - lost < BENCH_WINDOW) {
			send_to_ip(tx, p->relay, port, pkts[sent], lens[sent]);
			sent++;
		}
		if (recv_wait(rx, b, sizeof(b), 200) > 0)
			recvd++;
		else
			lost = sent - recvd;
	}
	t = now_s() - t0;
	close(tx);
	close(rx);
	*got = recvd;
	return recvd / t;
}

static void bench(const struct path *p, uint16_t kport, const uint8_t *ka, const uint8_t *kb,
		  int n)
{
	static uint8_t pkts[2][20000][256];
	static uint32_t lens[2][20000];
	struct xs_dp_crypto ca;
	struct xsk_ossl_keys k;
	struct xsk_stream s;
	double pps_k, pps_u;
	int got_k, got_u;
	pid_t pid;

	if (n > 20000)
		n = 20000;
	crypto80(&ca, ka);
	xsk_ossl_keys_new(&ca, &k);
	for (int set = 0; set < 2; set++) {
		xsk_stream_init(&s, 0);
		for (int i = 0; i < n; i++) {
			uint8_t *p = pkts[set][i];

			memset(p, 0, 172);
			p[0] = 0x80;
			p[1] = 0;
			p[2] = (uint8_t)(i >> 8);
			p[3] = (uint8_t)i;
			p[11] = (uint8_t)(0x42 + set);
			memset(p + 12, i & 0xff, 160);
			lens[set][i] = 172;
			xsk_protect(&xsk_ossl_ops, &k.keys, &s, p, &lens[set][i], 256, false);
		}
	}
	xsk_ossl_keys_free(&k);
	if (flow_add_p(p, kport, OUT_SRC_PORT + 10, BENCH_DST_PORT, ka, kb)) {
		CHECK(0, "benchmark flow added");
		return;
	}
	pid = fork();
	if (pid == 0) {
		user_relay(p, ka, kb);
		_exit(0);
	}
	usleep(200000);
	pps_k = bench_run(p, kport, pkts[0], lens[0], n, &got_k);
	pps_u = bench_run(p, BENCH_U_PORT, pkts[1], lens[1], n, &got_u);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("XSK-BENCH %s kernel %d/%d pkts %.0f pps; userspace %d/%d pkts %.0f pps; ratio %.2f\n",
	       p->name, got_k, n, pps_k, got_u, n, pps_u, pps_u > 0 ? pps_k / pps_u : 0.0);
	CHECK(got_k == n && got_u == n, "benchmark over %s: every packet relayed on both paths",
	      p->name);
}

/* Recv one datagram within ms, with its source; length or -1. */
/* Receive one datagram within ms with its TTL or hop limit (the socket has
 * IP_RECVTTL or IPV6_RECVHOPLIMIT on; -1 when none came); length or -1. */
ssize_t recv_ttl(int fd, void *b, size_t len, int ms, int *ttl)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(int)) * 2];
	} cb;
	struct iovec iov = { .iov_base = b, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb.b,
			     .msg_controllen = sizeof(cb.b) };
	struct cmsghdr *c;
	ssize_t n;

	*ttl = -1;
	if (poll(&p, 1, ms) <= 0)
		return -1;
	n = recvmsg(fd, &mh, 0);
	for (c = CMSG_FIRSTHDR(&mh); n >= 0 && c; c = CMSG_NXTHDR(&mh, c))
		if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
		    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT))
			memcpy(ttl, CMSG_DATA(c), sizeof(*ttl));
	return n;
}

ssize_t recv_from_wait(int fd, void *b, size_t len, int ms, struct sockaddr_in *from)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	socklen_t sl = sizeof(*from);

	if (poll(&p, 1, ms) <= 0)
		return -1;
	return recvfrom(fd, b, len, 0, (struct sockaddr *)from, &sl);
}

/* SRTP relayed between two network namespaces over veth pairs: the peer in
 * ns A sends to the relay address in the root namespace, the module sends
 * the re-encrypted packets out of the other veth to ns B. */
static void test_veth(const struct path *p, struct rec *r, int n, const uint8_t *ka,
		      const uint8_t *kb)
{
	struct xs_dp_flow_info info;
	struct sockaddr_in from;
	uint8_t b[2048];
	int tx, rx, got = 0, src_ok = 1;
	ssize_t m;

	CHECK(flow_add_p(p, VETH_PORT, OUT_SRC_PORT, DST_PORT, ka, kb) == 0,
	      "veth: FLOW_ADD on 10.0.1.1 accepted");
	tx = udp_sock_ns(p->ns_peer, V_PEER, PEER_PORT);
	rx = udp_sock_ns(p->ns_dst, p->dst, DST_PORT);
	CHECK(tx >= 0 && rx >= 0, "veth: sockets bound in ns A (10.0.1.2) and ns B (10.0.2.2)");
	if (tx < 0 || rx < 0)
		return;
	for (int i = 0; i < n; i++) {
		send_to_ip(tx, p->relay, VETH_PORT, r[i].b, r[i].len);
		m = recv_from_wait(rx, b, sizeof(b), 1000, &from);
		if (m < 0)
			continue;
		got++;
		if (from.sin_addr.s_addr != htonl(p->out_src) || ntohs(from.sin_port) != OUT_SRC_PORT)
			src_ok = 0;
		print_pkt_tag("XSK-VPKT", b, (size_t)m);
	}
	CHECK(got == n, "veth: %d of %d packets relayed from ns A to ns B", got, n);
	CHECK(src_ok, "veth: relayed packets come from 10.0.2.1:%u", OUT_SRC_PORT);
	memset(&info, 0, sizeof(info));
	{
		struct xs_dp_flow_ref ref;
		struct {
			struct xs_dp_info_batch b;
			struct xs_dp_flow_info i;
		} rep;

		memset(&ref, 0, sizeof(ref));
		addr4ip(&ref.local, p->relay, VETH_PORT);
		if (ctl(XS_DP_MSG_FLOW_GET, &ref, sizeof(ref), &rep, sizeof(rep)) ==
		    XS_DP_MSG_FLOW_INFO)
			info = rep.i;
	}
	CHECK(info.stats.pkts_out == (uint64_t)n && info.flow.peer.family == XS_DP_AF_INET &&
	      info.flow.peer.addr[3] == 2 && info.flow.peer.port == PEER_PORT,
	      "veth: pkts_out %llu, latched peer 10.0.1.2:%u",
	      (unsigned long long)info.stats.pkts_out, info.flow.peer.port);
	close(tx);
	close(rx);
}

/* IPv6 over the veth pairs: [fd01::2] in ns A -> [fd01::1] (relay) ->
 * from [fd02::1] to [fd02::2] in ns B; then IPv4 in, IPv6 out. */
static void test_v6(const struct path *p, struct rec *r, int n, const uint8_t *ka,
		    const uint8_t *kb)
{
	struct xs_dp_addr l, os, od;
	struct sockaddr_in6 from;
	struct xs_dp_stats st;
	uint8_t b[2048], want[16];
	int tx, rx, tx4, got = 0, src_ok = 1, got46 = 0, hop_ok = 1, one = 1;
	socklen_t sl;
	ssize_t m;

	addr6(&l, "fd01::1", V6_PORT);
	addr6(&os, "fd02::1", OUT_SRC_PORT);
	addr6(&od, "fd02::2", DST_PORT);
	CHECK(flow_add_a(&l, &os, &od, ka, kb) == 0, "IPv6: FLOW_ADD on [fd01::1] accepted");
	tx = udp6_sock_ns(p->ns_peer, "fd01::2", PEER_PORT);
	rx = udp6_sock_ns(p->ns_dst, "fd02::2", DST_PORT);
	CHECK(tx >= 0 && rx >= 0, "IPv6: sockets bound in ns A [fd01::2] and ns B [fd02::2]");
	if (tx < 0 || rx < 0)
		return;
	inet_pton(AF_INET6, "fd02::1", want);
	for (int i = 0; i < n; i++) {
		struct pollfd pf = { .fd = rx, .events = POLLIN };

		send_to6(tx, "fd01::1", V6_PORT, r[i].b, r[i].len);
		if (poll(&pf, 1, 1000) <= 0)
			continue;
		sl = sizeof(from);
		m = recvfrom(rx, b, sizeof(b), 0, (struct sockaddr *)&from, &sl);
		if (m < 0)
			continue;
		got++;
		if (memcmp(&from.sin6_addr, want, 16) || ntohs(from.sin6_port) != OUT_SRC_PORT)
			src_ok = 0;
		print_pkt_tag("XSK-6PKT", b, (size_t)m);
	}
	CHECK(got == n, "IPv6: %d of %d packets relayed from ns A to ns B", got, n);
	CHECK(src_ok, "IPv6: relayed packets come from [fd02::1]:%u", OUT_SRC_PORT);

	/* IPv4 in (10.0.1.1), IPv6 out: the headers are replaced, not rewritten */
	addr4ip(&l, p->relay, V46_PORT);
	CHECK(flow_add_a(&l, &os, &od, ka, kb) == 0, "IPv4 in, IPv6 out: FLOW_ADD accepted");
	tx4 = udp_sock_ns(p->ns_peer, V_PEER, PEER_PORT + 1);
	setsockopt(rx, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one));
	for (int i = 0; i < 8; i++) {
		int hops;

		send_to_ip(tx4, p->relay, V46_PORT, r[i].b, r[i].len);
		m = recv_ttl(rx, b, sizeof(b), 1000, &hops);
		if (m == r[i].len)
			got46++;
		if (hops != 63)
			hop_ok = 0;
	}
	CHECK(got46 == 8, "IPv4 in, IPv6 out: %d of 8 packets relayed", got46);
	/* a relay is a hop: TTL 64 from ns A leaves with hop limit 63, not 64 */
	CHECK(hop_ok, "IPv4 in, IPv6 out: hop limit 63 (TTL 64 in, one hop less)");

	/* a relay address without flow or socket on the port: dropped, counted */
	memset(&st, 0, sizeof(st));
	ctl(XS_DP_MSG_STATS_GET, NULL, 0, &st, sizeof(st));
	send_to6(tx, "fd01::1", UNKNOWN_PORT + 2, r[1].b, r[1].len);
	usleep(100000);
	{
		uint64_t before = st.global.drop_unknown_port;

		memset(&st, 0, sizeof(st));
		CHECK(ctl(XS_DP_MSG_STATS_GET, NULL, 0, &st, sizeof(st)) == XS_DP_MSG_STATS &&
		      st.global.drop_unknown_port == before + 1,
		      "IPv6: UDP to [fd01::1] on a port without flow or socket: drop_unknown_port");
	}
	close(tx);
	close(tx4);
	close(rx);
}

/* --------------------------------------------- xsrelayd driving xsrelay.ko */

/*
 * `kmod_vm_test xsd ...`: xsrelayd (static, started by /init with
 * --fast-path kmod) programs the module. An SDES<->SDES call is set up over
 * ng (bencode written here): A (ns A, 10.0.1.2:5000, key A) offers through
 * interface a (10.0.1.1), B (ns B, 10.0.2.2:7000, key B) answers through b
 * (10.0.2.1). The flows xsrelayd programmed are read back through our own
 * /dev/xsrelay file, SRTP goes through the module both ways, and the relayed
 * packets must decrypt under the keys xsrelayd wrote into its SDP replies.
 */
#include <openssl/evp.h>

#define XSD_NG_PORT	2223
#define XSD_A_PORT	5000
#define XSD_B_PORT	7000

static int ng_fd = -1;
static unsigned ng_cookie;

/* bencode string */
static size_t bstr(char *b, size_t o, const char *s)
{
	return o + (size_t)sprintf(b + o, "%zu:%s", strlen(s), s);
}

/* One ng request (a bencoded dict), its reply's dict into rep; length or -1. */
static ssize_t ng_req(const char *dict, char *rep, size_t cap)
{
	static char out[8192];
	char cookie[32];
	int clen = snprintf(cookie, sizeof(cookie), "x%u ", ++ng_cookie);
	size_t len = (size_t)clen + strlen(dict);

	if (len > sizeof(out))
		return -1;
	memcpy(out, cookie, (size_t)clen);
	memcpy(out + clen, dict, strlen(dict));
	for (int tries = 0; tries < 20; tries++) {
		ssize_t n;

		send_to(ng_fd, XSD_NG_PORT, out, len);
		n = recv_wait(ng_fd, rep, cap - 1, 500);
		if (n > clen && !memcmp(rep, cookie, (size_t)clen)) {
			memmove(rep, rep + clen, (size_t)n - (size_t)clen);
			rep[n - clen] = '\0';
			return n - clen;
		}
	}
	return -1;
}

static void sdp_of(char *out, size_t cap, const char *who, const char *addr, int port,
		   const uint8_t key[30])
{
	char b64[64];

	EVP_EncodeBlock((unsigned char *)b64, key, 30);
	snprintf(out, cap, "v=0\r\no=%s 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
		 "m=audio %d RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n"
		 "a=sendrecv\r\n", who, addr, addr, port, b64);
}

/* From an SDP in a reply: the relay's port, address and its AES_CM_128_HMAC_SHA1_80
 * key. 0 or -1. */
static int sdp_relay(const char *rep, uint16_t *port, char *addr, size_t acap, uint8_t key[30])
{
	const char *m = strstr(rep, "m=audio "), *c = strstr(rep, "c=IN IP4 "),
		   *k = strstr(rep, "AES_CM_128_HMAC_SHA1_80 inline:");
	unsigned char raw[64];
	char b64[64];
	size_t n = 0;

	if (!m || !c || !k)
		return -1;
	*port = (uint16_t)atoi(m + 8);
	snprintf(addr, acap, "%.*s", (int)strcspn(c + 9, "\r\n"), c + 9);
	k += strlen("AES_CM_128_HMAC_SHA1_80 inline:");
	while (n < sizeof(b64) - 1 && k[n] && strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
						     "qrstuvwxyz0123456789+/=", k[n]))
		n++;
	memcpy(b64, k, n);
	b64[n] = '\0';
	if (n != 40 || EVP_DecodeBlock(raw, (unsigned char *)b64, (int)n) != 30)
		return -1;
	memcpy(key, raw, 30);
	return 0;
}

int flow_get_at(uint32_t ip, uint16_t port, struct xs_dp_flow_info *info)
{
	struct xs_dp_flow_ref ref;
	struct {
		struct xs_dp_info_batch b;
		struct xs_dp_flow_info i;
	} rep;

	memset(&ref, 0, sizeof(ref));
	addr4ip(&ref.local, ip, port);
	if (ctl(XS_DP_MSG_FLOW_GET, &ref, sizeof(ref), &rep, sizeof(rep)) != XS_DP_MSG_FLOW_INFO)
		return -1;
	*info = rep.i;
	return 0;
}

static bool addr_is(const struct xs_dp_addr *a, uint32_t ip, uint16_t port)
{
	struct xs_dp_addr w;

	addr4ip(&w, ip, port);
	return a->family == w.family && a->port == port && !memcmp(a->addr, w.addr, 4);
}

/* The flow xsrelayd programmed at local: where it sends, with SDES keys both ways. */
static void check_xsd_flow(const char *name, const struct xs_dp_flow_info *fi, uint32_t src,
			   uint16_t sport, uint32_t dst, uint16_t dport)
{
	CHECK(addr_is(&fi->flow.out_src, src, sport) && addr_is(&fi->flow.out_dst, dst, dport),
	      "xsrelayd: FLOW_GET %s: out_src %u.%u.%u.%u:%u, out_dst %u.%u.%u.%u:%u", name,
	      fi->flow.out_src.addr[0], fi->flow.out_src.addr[1], fi->flow.out_src.addr[2],
	      fi->flow.out_src.addr[3], fi->flow.out_src.port, fi->flow.out_dst.addr[0],
	      fi->flow.out_dst.addr[1], fi->flow.out_dst.addr[2], fi->flow.out_dst.addr[3],
	      fi->flow.out_dst.port);
	CHECK(fi->flow.in_suite == 1 && fi->flow.out_suite == 1 && fi->in_keys && fi->out_keys &&
	      fi->flow.cookie != 0,
	      "xsrelayd: FLOW_GET %s: AES_CM_128_HMAC_SHA1_80 keys in and out, call cookie %llu",
	      name, (unsigned long long)fi->flow.cookie);
}

/* Send n packets from (ns_tx, from:fport) to relay:rport; receive them in ns_rx
 * on to:tport from relay_out:oport; each must decrypt under key_out to what
 * pkt[i] decrypts to under key_in. Prints the relayed packets under tag. */
static int relay_check(const char *what, const char *tag, uint8_t (*pkt)[256],
		       const uint32_t *lens, int n, int ns_tx, uint32_t from, uint16_t fport,
		       uint32_t relay, uint16_t rport, int ns_rx, uint32_t to, uint16_t tport,
		       uint32_t relay_out, uint16_t oport, const uint8_t *key_in,
		       const uint8_t *key_out, const uint8_t *key_wrong)
{
	struct xs_dp_crypto ci, co, cw;
	struct xsk_ossl_keys ki, ko, kw;
	struct xsk_stream si, so, sw;
	struct sockaddr_in sa;
	int tx = udp_sock_ns(ns_tx, from, fport), rx = udp_sock_ns(ns_rx, to, tport);
	int got = 0, same = 0, src_ok = 1, wrong = 0;
	uint8_t b[2048], p[2048];

	if (tx < 0 || rx < 0) {
		CHECK(0, "xsrelayd: %s: sockets bound", what);
		return -1;
	}
	crypto80(&ci, key_in);
	crypto80(&co, key_out);
	crypto80(&cw, key_wrong);
	xsk_ossl_keys_new(&ci, &ki);
	xsk_ossl_keys_new(&co, &ko);
	xsk_ossl_keys_new(&cw, &kw);
	xsk_stream_init(&si, 0);
	xsk_stream_init(&so, 0);
	xsk_stream_init(&sw, 0);
	for (int i = 0; i < n; i++) {
		uint32_t lp = lens[i], lb;
		ssize_t m;

		send_to_ip(tx, relay, rport, pkt[i], lens[i]);
		m = recv_from_wait(rx, b, sizeof(b), 1000, &sa);
		if (m <= 0)
			continue;
		got++;
		print_pkt_tag(tag, b, (size_t)m);
		if (sa.sin_addr.s_addr != htonl(relay_out) || ntohs(sa.sin_port) != oport)
			src_ok = 0;
		memcpy(p, pkt[i], lens[i]);
		lb = (uint32_t)m;
		if (xsk_unprotect(&xsk_ossl_ops, &kw.keys, &sw, b, &lb, false) == XSK_OK)
			wrong++;
		lb = (uint32_t)m;
		if (xsk_unprotect(&xsk_ossl_ops, &ki.keys, &si, p, &lp, false) == XSK_OK &&
		    xsk_unprotect(&xsk_ossl_ops, &ko.keys, &so, b, &lb, false) == XSK_OK &&
		    lb == lp && !memcmp(b, p, lp))
			same++;
	}
	CHECK(got == n && src_ok, "xsrelayd: %s: %d of %d packets relayed, from %u.%u.%u.%u:%u",
	      what, got, n, relay_out >> 24, (relay_out >> 16) & 255, (relay_out >> 8) & 255,
	      relay_out & 255, oport);
	CHECK(same == n && wrong == 0,
	      "xsrelayd: %s: %d of %d decrypt under the key xsrelayd gave in its SDP, "
	      "to the sender's RTP; %d under the sender's key", what, same, n, wrong);
	xsk_ossl_keys_free(&ki);
	xsk_ossl_keys_free(&ko);
	xsk_ossl_keys_free(&kw);
	close(tx);
	close(rx);
	return 0;
}

static int xsd_main(int argc, char **argv)
{
	static uint8_t ab[1024][256], ba[1024][256];
	static uint32_t lab[1024], lba[1024];
	static char rep[16384], sdp[1024], req[8192];
	uint8_t ka[30], kb[30], key_to_a[30], key_to_b[30];
	struct xs_dp_flow_info fa, fb;
	char addr_a[64], addr_b[64], pa[64], pb[64];
	uint16_t port_a = 0, port_b = 0;
	int n, ns_a, ns_b, ok = 0, got_a = -1, got_b = -1;
	struct rec *r;
	size_t o;

	/* kmod_vm_test xsd IN_SRTP N KEYA KEYB PID_NS_A PID_NS_B */
	if (argc != 8 || unhex(argv[4], ka, 30) || unhex(argv[5], kb, 30)) {
		fprintf(stderr, "usage: kmod_vm_test xsd IN N KEYA KEYB PID_NS_A PID_NS_B\n");
		return 2;
	}
	n = atoi(argv[3]);
	if (n > 1024)
		n = 1024;
	ns_root = open("/proc/self/ns/net", O_RDONLY);
	snprintf(pa, sizeof(pa), "/proc/%s/ns/net", argv[6]);
	snprintf(pb, sizeof(pb), "/proc/%s/ns/net", argv[7]);
	ns_a = open(pa, O_RDONLY);
	ns_b = open(pb, O_RDONLY);
	CHECK(load(argv[2], &r) >= n && ns_a >= 0 && ns_b >= 0,
	      "xsrelayd: %d SRTP packets from libsrtp2 (key A), namespaces A and B", n);
	ng_fd = udp_sock(0);
	ctl_fd = open("/dev/xsrelay", O_RDWR);
	if (ctl_fd >= 0) {
		struct xs_dp_hello h, hr;

		xs_dp_hello_fill(&h);
		ok = ctl(XS_DP_MSG_HELLO, &h, sizeof(h), &hr, sizeof(hr)) == XS_DP_MSG_HELLO;
	}
	CHECK(ok, "xsrelayd: our own /dev/xsrelay file for FLOW_GET says HELLO");
	if (!ok || ns_a < 0 || ns_b < 0)
		goto out;
	for (int i = 0; i < n; i++) {
		memcpy(ab[i], r[i].b, r[i].len);
		lab[i] = r[i].len;
	}

	/* xsrelayd is up (the ng socket answers) and its fast path is connected:
	 * "statistics" reads the module's STATS through the device */
	ok = 0;
	for (int t = 0; t < 60 && !ok; t++) {
		if (ng_req("d7:command10:statisticse", rep, sizeof(rep)) > 0 &&
		    strstr(rep, "9:fast path9:connected"))
			ok = 1;
		else
			usleep(250000);
	}
	CHECK(ok, "xsrelayd: ng statistics says fast path connected (kmod backend)");

	o = 0;
	o += (size_t)sprintf(req + o, "d");
	o = bstr(req, o, "command");
	o = bstr(req, o, "offer");
	o = bstr(req, o, "call-id");
	o = bstr(req, o, "kmod-xsd");
	o = bstr(req, o, "from-tag");
	o = bstr(req, o, "A");
	sdp_of(sdp, sizeof(sdp), "a", "10.0.1.2", XSD_A_PORT, ka);
	o = bstr(req, o, "sdp");
	o = bstr(req, o, sdp);
	o = bstr(req, o, "transport-protocol");
	o = bstr(req, o, "RTP/SAVP");
	o = bstr(req, o, "direction");
	o += (size_t)sprintf(req + o, "l1:a1:be");
	o = bstr(req, o, "replace");
	o += (size_t)sprintf(req + o, "l6:origine");
	sprintf(req + o, "e");
	ok = ng_req(req, rep, sizeof(rep)) > 0 && strstr(rep, "6:result2:ok") &&
	     !sdp_relay(rep, &port_b, addr_b, sizeof(addr_b), key_to_b);
	CHECK(ok && !strcmp(addr_b, "10.0.2.1"),
	      "xsrelayd: offer (SDES, A 10.0.1.2:%d): relay 10.0.2.1:%u toward B, with a key",
	      XSD_A_PORT, port_b);
	if (!ok) {
		printf("# offer reply: %.300s\n", rep);
		goto out;
	}

	o = 0;
	o += (size_t)sprintf(req + o, "d");
	o = bstr(req, o, "command");
	o = bstr(req, o, "answer");
	o = bstr(req, o, "call-id");
	o = bstr(req, o, "kmod-xsd");
	o = bstr(req, o, "from-tag");
	o = bstr(req, o, "A");
	o = bstr(req, o, "to-tag");
	o = bstr(req, o, "B");
	sdp_of(sdp, sizeof(sdp), "b", "10.0.2.2", XSD_B_PORT, kb);
	o = bstr(req, o, "sdp");
	o = bstr(req, o, sdp);
	sprintf(req + o, "e");
	ok = ng_req(req, rep, sizeof(rep)) > 0 && strstr(rep, "6:result2:ok") &&
	     !sdp_relay(rep, &port_a, addr_a, sizeof(addr_a), key_to_a);
	CHECK(ok && !strcmp(addr_a, "10.0.1.1"),
	      "xsrelayd: answer (SDES, B 10.0.2.2:%d): relay 10.0.1.1:%u toward A, with a key",
	      XSD_B_PORT, port_a);
	if (!ok) {
		printf("# answer reply: %.300s\n", rep);
		goto out;
	}
	CHECK(memcmp(key_to_a, ka, 30) && memcmp(key_to_b, kb, 30) &&
	      memcmp(key_to_a, key_to_b, 30), "xsrelayd: its keys differ from A's and B's");
	/* for the host's libsrtp2 check */
	printf("XSK-XKEY ");
	for (int i = 0; i < 30; i++)
		printf("%02x", key_to_b[i]);
	printf("\n");

	/* the flows xsrelayd programmed, read back through the device */
	for (int t = 0; t < 50; t++) {
		got_a = flow_get_at(V_RELAY, port_a, &fa);
		got_b = flow_get_at(V_OUT_SRC, port_b, &fb);
		if (!got_a && !got_b)
			break;
		usleep(100000);
	}
	CHECK(!got_a && !got_b, "xsrelayd: FLOW_GET finds both flows (10.0.1.1:%u, 10.0.2.1:%u)",
	      port_a, port_b);
	if (got_a || got_b)
		goto out;
	check_xsd_flow("A->B", &fa, V_OUT_SRC, port_b, V_DST, XSD_B_PORT);
	check_xsd_flow("B->A", &fb, V_RELAY, port_a, V_PEER, XSD_A_PORT);
	CHECK(fa.flow.cookie == fb.flow.cookie, "xsrelayd: both flows carry the same call cookie");

	/* A -> B: libsrtp2's packets under key A; out under xsrelayd's key to B */
	relay_check("A->B", "XSK-XPKT", ab, lab, n, ns_a, V_PEER, XSD_A_PORT, V_RELAY, port_a,
		    ns_b, V_DST, XSD_B_PORT, V_OUT_SRC, port_b, ka, key_to_b, ka);
	/* B -> A: made here under key B; out under xsrelayd's key to A */
	{
		struct xs_dp_crypto c;
		struct xsk_ossl_keys k;
		struct xsk_stream s;

		crypto80(&c, kb);
		xsk_ossl_keys_new(&c, &k);
		xsk_stream_init(&s, 0);
		for (int i = 0; i < n; i++) {
			uint8_t *p = ba[i];

			memset(p, 0, 172);
			p[0] = 0x80;
			p[2] = (uint8_t)((i + 1000) >> 8);
			p[3] = (uint8_t)(i + 1000);
			p[8] = 0x55;
			p[11] = 0x77;
			memset(p + 12, (i * 7) & 0xff, 160);
			lba[i] = 172;
			xsk_protect(&xsk_ossl_ops, &k.keys, &s, p, &lba[i], 256, false);
		}
		xsk_ossl_keys_free(&k);
	}
	relay_check("B->A", "XSK-XBPKT", ba, lba, n, ns_b, V_DST, XSD_B_PORT, V_OUT_SRC, port_b,
		    ns_a, V_PEER, XSD_A_PORT, V_RELAY, port_a, kb, key_to_a, kb);
	CHECK(!flow_get_at(V_RELAY, port_a, &fa) && !flow_get_at(V_OUT_SRC, port_b, &fb) &&
	      fa.stats.pkts_out == (uint64_t)n && fb.stats.pkts_out == (uint64_t)n,
	      "xsrelayd: FLOW_GET counters: pkts_out %llu and %llu (want %d each)",
	      (unsigned long long)fa.stats.pkts_out, (unsigned long long)fb.stats.pkts_out, n);

	/* delete: xsrelayd removes both flows from the module */
	ok = ng_req("d7:command6:delete7:call-id8:kmod-xsd8:from-tag1:Ae", rep, sizeof(rep)) > 0 &&
	     strstr(rep, "6:result2:ok");
	for (int t = 0; t < 30 && ok; t++) {
		got_a = flow_get_at(V_RELAY, port_a, &fa);
		got_b = flow_get_at(V_OUT_SRC, port_b, &fb);
		if (got_a && got_b)
			break;
		usleep(100000);
	}
	CHECK(ok && got_a && got_b, "xsrelayd: delete removes both flows from the module");
	if (!ok)
		printf("# delete reply: %.300s\n", rep);
out:
	printf("XSRELAY-KMOD-XSD-RESULT: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

/* ------------------------------------------------------------------------
 * Suites and RTCP ("kmod_vm_test suites ..."): packets made on the host by
 * tests/kmod/engine_pkts (the project's SRTP engine, independent of the
 * module's xsk_srtp.c), relayed here, printed as "XSK-S-<case> <hex>" for the
 * host to check with the engine under the output key and not the input key.
 */
#define S_XS_PORT	25000	/* x-sipura in -> SDES out */
#define S_SX_PORT	25010	/* SDES in -> x-sipura out */
#define S_SS_PORT	25020	/* SDES -> SDES, SRTCP on port + 1 */
#define S_MX_PORT	25030	/* SDES -> SDES, RTCP muxed on the RTP port both ways */
#define S_OUT_OFF	100	/* out_src = local + 100 */
#define S_DST_OFF	7000	/* out_dst = local + 7000 */
#define S_PEER_OFF	16000	/* the sender: local + 16000 (RTCP + 1) */

static void crypto_xsipura(struct xs_dp_crypto *c, const uint8_t key32[32])
{
	memset(c, 0, sizeof(*c));
	c->suite = 8;		/* XS_SUITE_XSIPURA */
	memcpy(c->master_key, key32, 16);
	memcpy(c->master_salt, key32 + 16, 16);
	c->key_len = 16;
	c->salt_len = 16;
	/* xs_xsipura_profile_default(): HMAC-MD5, 4-byte tag, RFC 3711 KDF,
	 * 16-byte salt, 16-byte auth key, SRTCP encrypted */
	c->xsipura.auth = 0;
	c->xsipura.tag_len = 4;
	c->xsipura.kdf = 0;
	c->xsipura.salt_len = 16;
	c->xsipura.auth_key_len = 16;
	c->xsipura.rtcp_encrypted = 1;
}

static int flow_add_c(uint16_t local, uint32_t flags, const struct xs_dp_crypto *in,
		      const struct xs_dp_crypto *out)
{
	struct xs_dp_flow_msg m;
	struct xs_dp_error err;
	int t;

	memset(&m, 0, sizeof(m));
	addr4(&m.flow.local, local);
	addr4(&m.flow.out_src, (uint16_t)(local + S_OUT_OFF));
	addr4(&m.flow.out_dst, (uint16_t)(local + S_DST_OFF));
	m.flow.src_policy = XS_DP_SRC_LATCH;
	m.flow.in_suite = (uint8_t)in->suite;
	m.flow.out_suite = (uint8_t)out->suite;
	m.flow.flags = XS_DP_FLOW_F_IN_KEYS | XS_DP_FLOW_F_OUT_KEYS | flags;
	m.in = *in;
	m.out = *out;
	t = ctl(XS_DP_MSG_FLOW_ADD, &m, sizeof(m), &err, sizeof(err));
	if (t == XS_DP_MSG_ERROR)
		printf("# flow add refused: %d %s\n", err.code, err.text);
	return t == XS_DP_MSG_ACK ? 0 : -1;
}

/* Send r[0..n) from tx to 127.0.0.1:dport, one at a time; each relayed packet
 * must reach rx from 127.0.0.1:want_src and is printed under tag. Returns how
 * many arrived from the right source. */
static int s_relay(const char *tag, struct rec *r, int n, int tx, uint16_t dport, int rx,
		   uint16_t want_src)
{
	struct sockaddr_in from;
	uint8_t b[2048];
	int got = 0;

	for (int i = 0; i < n; i++) {
		ssize_t m;

		send_to(tx, dport, r[i].b, r[i].len);
		m = recv_from_wait(rx, b, sizeof(b), 1000, &from);
		if (m <= 0)
			continue;
		print_pkt_tag(tag, b, (size_t)m);
		if (from.sin_addr.s_addr == htonl(LO4) && ntohs(from.sin_port) == want_src)
			got++;
	}
	return got;
}

static int suites_main(int argc, char **argv)
{
	uint8_t ka[30], kb[30], kx[32], ky[32];
	struct xs_dp_crypto ca, cb, cx, cy;
	struct xs_dp_flow_info info;
	struct rec *xrtp, *xrtcp, *artp, *artcp;
	int n, ok, got;
	char path[256];

	/* kmod_vm_test suites DIR N KEYA KEYB KEYX KEYY */
	if (argc != 8 || unhex(argv[4], ka, 30) || unhex(argv[5], kb, 30) ||
	    unhex(argv[6], kx, 32) || unhex(argv[7], ky, 32)) {
		fprintf(stderr, "usage: kmod_vm_test suites DIR N KEYA KEYB KEYX KEYY\n");
		return 2;
	}
	n = atoi(argv[3]);
	snprintf(path, sizeof(path), "%s/xin_rtp.bin", argv[2]);
	ok = load(path, &xrtp) >= n;
	snprintf(path, sizeof(path), "%s/xin_rtcp.bin", argv[2]);
	ok = ok && load(path, &xrtcp) >= n;
	snprintf(path, sizeof(path), "%s/ain_rtp.bin", argv[2]);
	ok = ok && load(path, &artp) >= n;
	snprintf(path, sizeof(path), "%s/ain_rtcp.bin", argv[2]);
	ok = ok && load(path, &artcp) >= n;
	ctl_fd = open("/dev/xsrelay", O_RDWR);
	CHECK(ok && ctl_fd >= 0, "suites: %d x-sipura and SDES RTP and SRTCP packets from the "
	      "engine, /dev/xsrelay open", n);
	if (!ok || ctl_fd < 0)
		goto out;
	{
		struct xs_dp_hello h, hr;

		xs_dp_hello_fill(&h);
		ok = ctl(XS_DP_MSG_HELLO, &h, sizeof(h), &hr, sizeof(hr)) == XS_DP_MSG_HELLO;
	}
	CHECK(ok, "suites: HELLO");
	crypto80(&ca, ka);
	crypto80(&cb, kb);
	crypto_xsipura(&cx, kx);
	crypto_xsipura(&cy, ky);

	/* 1. x-sipura in (key X) -> SDES out (key B): RTP, then SRTCP on port + 1 */
	CHECK(flow_add_c(S_XS_PORT, 0, &cx, &cb) == 0,
	      "suites: FLOW_ADD x-sipura (HMAC-MD5, tag 4) in -> AES_CM_128_HMAC_SHA1_80 out");
	{
		int tx = udp_sock(S_XS_PORT + S_PEER_OFF), txc = udp_sock(S_XS_PORT + S_PEER_OFF + 1);
		int rx = udp_sock(S_XS_PORT + S_DST_OFF), rxc = udp_sock(S_XS_PORT + S_DST_OFF + 1);

		got = s_relay("XSK-S-XS-RTP", xrtp, n, tx, S_XS_PORT, rx, S_XS_PORT + S_OUT_OFF);
		CHECK(got == n, "suites: x-sipura -> SDES: %d of %d RTP packets relayed", got, n);
		got = s_relay("XSK-S-XS-RTCP", xrtcp, n, txc, S_XS_PORT + 1, rxc,
			      S_XS_PORT + S_OUT_OFF + 1);
		CHECK(got == n, "suites: x-sipura -> SDES: %d of %d SRTCP packets relayed "
		      "port+1 -> port+1", got, n);
		close(tx); close(txc); close(rx); close(rxc);
	}
	ok = !flow_get(S_XS_PORT, &info);
	CHECK(ok && info.stats.auth_fail == 0 && info.stats.pkts_out == 2ull * n,
	      "suites: x-sipura -> SDES: pkts_out %llu (want %d), auth_fail %llu",
	      (unsigned long long)info.stats.pkts_out, 2 * n,
	      (unsigned long long)info.stats.auth_fail);

	/* 2. SDES in (key A) -> x-sipura out (key Y) */
	CHECK(flow_add_c(S_SX_PORT, 0, &ca, &cy) == 0,
	      "suites: FLOW_ADD AES_CM_128_HMAC_SHA1_80 in -> x-sipura out");
	{
		int tx = udp_sock(S_SX_PORT + S_PEER_OFF), txc = udp_sock(S_SX_PORT + S_PEER_OFF + 1);
		int rx = udp_sock(S_SX_PORT + S_DST_OFF), rxc = udp_sock(S_SX_PORT + S_DST_OFF + 1);

		got = s_relay("XSK-S-SX-RTP", artp, n, tx, S_SX_PORT, rx, S_SX_PORT + S_OUT_OFF);
		CHECK(got == n, "suites: SDES -> x-sipura: %d of %d RTP packets relayed", got, n);
		got = s_relay("XSK-S-SX-RTCP", artcp, n, txc, S_SX_PORT + 1, rxc,
			      S_SX_PORT + S_OUT_OFF + 1);
		CHECK(got == n, "suites: SDES -> x-sipura: %d of %d SRTCP packets relayed", got, n);
		close(tx); close(txc); close(rx); close(rxc);
	}

	/* 3. SDES -> SDES, SRTCP alone on port + 1 */
	CHECK(flow_add_c(S_SS_PORT, 0, &ca, &cb) == 0, "suites: FLOW_ADD SDES -> SDES for SRTCP");
	{
		int txc = udp_sock(S_SS_PORT + S_PEER_OFF + 1);
		int rx = udp_sock(S_SS_PORT + S_DST_OFF), rxc = udp_sock(S_SS_PORT + S_DST_OFF + 1);
		uint8_t b[2048];

		got = s_relay("XSK-S-SS-RTCP", artcp, n, txc, S_SS_PORT + 1, rxc,
			      S_SS_PORT + S_OUT_OFF + 1);
		CHECK(got == n, "suites: SDES SRTCP: %d of %d relayed from port+1 to port+1 "
		      "(from out_src port+1)", got, n);
		CHECK(recv_wait(rx, b, sizeof(b), 100) < 0,
		      "suites: SDES SRTCP: nothing on the RTP destination port");
		close(txc); close(rx); close(rxc);
	}
	ok = !flow_get(S_SS_PORT, &info);
	CHECK(ok && info.stats.pkts_out == (uint64_t)n && info.stats.rtcp_in == (uint64_t)n &&
	      info.stats.auth_fail == 0, "suites: SDES SRTCP: pkts_out %llu, rtcp_in %llu (want %d)",
	      (unsigned long long)info.stats.pkts_out, (unsigned long long)info.stats.rtcp_in, n);

	/* 4. RTCP muxed on the RTP port both ways (XS_DP_FLOW_F_RTCP_MUX_IN|OUT):
	 * RTP and SRTCP interleaved on one 5-tuple */
	CHECK(flow_add_c(S_MX_PORT, XS_DP_FLOW_F_RTCP_MUX_IN | XS_DP_FLOW_F_RTCP_MUX_OUT,
			 &ca, &cb) == 0, "suites: FLOW_ADD SDES -> SDES with RTCP mux in and out");
	{
		int tx = udp_sock(S_MX_PORT + S_PEER_OFF);
		int rx = udp_sock(S_MX_PORT + S_DST_OFF), rxc = udp_sock(S_MX_PORT + S_DST_OFF + 1);
		int got_rtp = 0, got_rtcp = 0;
		uint8_t b[2048];

		for (int i = 0; i < n; i++) {
			got_rtp += s_relay("XSK-S-MX-RTP", artp + i, 1, tx, S_MX_PORT, rx,
					   S_MX_PORT + S_OUT_OFF);
			got_rtcp += s_relay("XSK-S-MX-RTCP", artcp + i, 1, tx, S_MX_PORT, rx,
					    S_MX_PORT + S_OUT_OFF);
		}
		CHECK(got_rtp == n && got_rtcp == n,
		      "suites: RTCP mux: %d RTP and %d SRTCP of %d each relayed on the RTP ports",
		      got_rtp, got_rtcp, n);
		CHECK(recv_wait(rxc, b, sizeof(b), 100) < 0,
		      "suites: RTCP mux: nothing sent to the destination's port + 1");
		close(tx); close(rx); close(rxc);
	}
	ok = !flow_get(S_MX_PORT, &info);
	CHECK(ok && info.stats.pkts_out == 2ull * n && info.stats.rtcp_in == (uint64_t)n &&
	      info.stats.auth_fail == 0,
	      "suites: RTCP mux: pkts_out %llu (want %d), rtcp_in %llu (want %d)",
	      (unsigned long long)info.stats.pkts_out, 2 * n,
	      (unsigned long long)info.stats.rtcp_in, n);
	/* the flows are left for the unload test in /init */
out:
	printf("XSRELAY-KMOD-SUITES-RESULT: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct xs_dp_flow_info info;
	struct xs_dp_stats st;
	uint8_t ka[30], kb[30], b[2048];
	struct rec *r;
	int n, total, rx, tx, other, unk, ok_len = 1, got = 0, bench_n;
	ssize_t m;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "xsd"))
		return xsd_main(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "suites"))
		return suites_main(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "stream"))
		return stream_main(argc, argv);
	struct path veth = { "veth", -1, -1, V_RELAY, V_OUT_SRC, V_DST };

	if ((argc != 6 && argc != 8) || unhex(argv[3], ka, 30) || unhex(argv[4], kb, 30)) {
		fprintf(stderr, "usage: kmod_vm_test IN N KEYA KEYB BENCH_PKTS [PID_NS_A PID_NS_B]\n");
		return 2;
	}
	ns_root = open("/proc/self/ns/net", O_RDONLY);
	if (argc == 8) {
		char pa[64], pb[64];

		snprintf(pa, sizeof(pa), "/proc/%s/ns/net", argv[6]);
		snprintf(pb, sizeof(pb), "/proc/%s/ns/net", argv[7]);
		veth.ns_peer = open(pa, O_RDONLY);
		veth.ns_dst = open(pb, O_RDONLY);
		CHECK(veth.ns_peer >= 0 && veth.ns_dst >= 0, "namespaces A and B open");
	}
	n = atoi(argv[2]);
	bench_n = atoi(argv[5]);
	total = load(argv[1], &r);
	ctl_fd = open("/dev/xsrelay", O_RDWR);
	CHECK(ctl_fd >= 0, "/dev/xsrelay opens");
	CHECK(total >= n + 3, "%d input packets from libsrtp2 (need %d)", total, n + 3);
	if (ctl_fd < 0 || total < n + 3)
		goto out;
	test_hello();
	test_garbage();
	CHECK(flow_add(LOCAL_PORT, OUT_SRC_PORT, DST_PORT, ka, kb) == 0, "FLOW_ADD accepted");
	CHECK(flow_add(LOCAL_PORT, OUT_SRC_PORT, DST_PORT, ka, kb) != 0,
	      "a second FLOW_ADD on the same port is refused");

	rx = udp_sock(DST_PORT);
	tx = udp_sock(PEER_PORT);
	other = udp_sock(OTHER_PORT);
	unk = udp_sock(UNKNOWN_PORT);
	CHECK(rx >= 0 && tx >= 0 && other >= 0 && unk >= 0, "sockets bound on 127.0.0.1");

	/* positive: every packet relayed, re-encrypted (host checks the crypto) */
	for (int i = 0; i < n; i++) {
		send_to(tx, LOCAL_PORT, r[i].b, r[i].len);
		m = recv_wait(rx, b, sizeof(b), 1000);
		if (m < 0)
			continue;
		got++;
		if (m != r[i].len || memcmp(b, r[i].b, 12) ||
		    !memcmp(b + 12, r[i].b + 12, (size_t)m - 12))
			ok_len = 0;
		print_pkt(b, (size_t)m);
	}
	CHECK(got == n, "%d of %d packets relayed", got, n);
	CHECK(ok_len, "relayed packets keep header and length, payload and tag re-encrypted");

	/* forged: an unseen index with a flipped tag bit */
	r[n].b[r[n].len - 1] ^= 1;
	send_to(tx, LOCAL_PORT, r[n].b, r[n].len);
	CHECK(recv_wait(rx, b, sizeof(b), 300) < 0, "forged packet not relayed");
	/* replayed */
	send_to(tx, LOCAL_PORT, r[0].b, r[0].len);
	CHECK(recv_wait(rx, b, sizeof(b), 300) < 0, "replayed packet not relayed");
	/* wrong source after latching */
	send_to(other, LOCAL_PORT, r[n + 2].b, r[n + 2].len);
	CHECK(recv_wait(rx, b, sizeof(b), 300) < 0, "packet from another source not relayed");
	/* the next genuine packet still goes through */
	send_to(tx, LOCAL_PORT, r[n + 1].b, r[n + 1].len);
	m = recv_wait(rx, b, sizeof(b), 1000);
	CHECK(m == r[n + 1].len, "the next genuine packet is relayed after the drops");
	if (m > 0)
		print_pkt(b, (size_t)m);
	/* unknown port: passes untouched to the socket there */
	send_to(tx, UNKNOWN_PORT, r[1].b, r[1].len);
	m = recv_wait(unk, b, sizeof(b), 1000);
	CHECK(m == r[1].len && !memcmp(b, r[1].b, (size_t)m),
	      "a packet to a port without a flow passes untouched");

	CHECK(flow_get(LOCAL_PORT, &info) == 0, "FLOW_GET answers");
	printf("# pkts_in %llu pkts_out %llu auth_fail %llu replay %llu drop_source %llu\n",
	       (unsigned long long)info.stats.pkts_in, (unsigned long long)info.stats.pkts_out,
	       (unsigned long long)info.stats.auth_fail, (unsigned long long)info.stats.replay,
	       (unsigned long long)info.stats.drop_source);
	/* the forged, replayed and foreign packets are no sign of life */
	CHECK(info.stats.pkts_out == (uint64_t)n + 1 && info.stats.pkts_in == (uint64_t)n + 1,
	      "counters: pkts_in n+1 (only packets that passed source and SRTP), pkts_out n+1");
	CHECK(info.stats.auth_fail == 1, "counter auth_fail = 1");
	CHECK(info.stats.replay == 1, "counter replay = 1");
	CHECK(info.stats.drop_source == 1, "counter drop_source = 1");
	CHECK(info.flow.peer.family == XS_DP_AF_INET && info.flow.peer.port == PEER_PORT,
	      "latched peer is 127.0.0.1:%u", info.flow.peer.port);
	CHECK(info.in_ssrc == info.out_ssrc && info.in_ssrc != 0, "SSRC %#x on both sides",
	      info.in_ssrc);
	CHECK(ctl(XS_DP_MSG_STATS_GET, NULL, 0, &st, sizeof(st)) == XS_DP_MSG_STATS &&
	      st.flows == 1 && st.global.relayed == (uint64_t)n + 1 &&
	      st.global.drop_flow == 3, "STATS: 1 flow, n+1 relayed, 3 flow drops");
	CHECK(st.global.drop_unknown_port == 0,
	      "drop_unknown_port 0: a port with a socket bound is not counted");

	/* a relay address (127.0.0.1, learned from the flow) on a port with no
	 * flow and no socket: dropped, drop_unknown_port; the same port on a
	 * local address that is no relay address (127.0.0.2) is not counted */
	send_to(tx, UNKNOWN_PORT + 2, r[1].b, r[1].len);
	send_to_ip(tx, IP4(127, 0, 0, 2), UNKNOWN_PORT + 2, r[1].b, r[1].len);
	usleep(100000);
	memset(&st, 0, sizeof(st));
	CHECK(ctl(XS_DP_MSG_STATS_GET, NULL, 0, &st, sizeof(st)) == XS_DP_MSG_STATS &&
	      st.global.drop_unknown_port == 1,
	      "drop_unknown_port %llu (want 1): UDP to a relay address without flow or socket",
	      (unsigned long long)st.global.drop_unknown_port);

	if (veth.ns_peer >= 0 && veth.ns_dst >= 0)
		test_veth(&veth, r, n, ka, kb);
	if (veth.ns_peer >= 0 && veth.ns_dst >= 0)
		test_v6(&veth, r, n, ka, kb);

	if (bench_n > 0)
		bench(&lo_path, BENCH_K_PORT, ka, kb, bench_n);
	if (bench_n > 0 && veth.ns_peer >= 0 && veth.ns_dst >= 0)
		bench(&veth, BENCH_K_PORT, ka, kb, bench_n);

	/* a live flow is left for the unload test in /init */
out:
	printf("XSRELAY-KMOD-RESULT: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
