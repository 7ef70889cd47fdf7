/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xsrelay-bench ng: call set-up churn through xsrelayd's ng socket while live
 * calls carry media, and the loss on those live calls.
 *
 *   this process: the real data plane (dp_app: worker lcore 1, control thread
 *                 serving its Unix socket) on a net_ring port; a generator and
 *                 sink on lcore 0; an ng client thread
 *   child:        xsrelayd (the real binary), UDP ng on 127.0.0.1, programming
 *                 the data plane through its control socket, store in SQLite
 *
 * 1. --live calls (default 10,000) are set up through ng: a plain RTP caller
 *    offers, the callee answers RTP/SAVP with SDES (so the relay encrypts
 *    toward it): each answer programs two flows.
 * 2. For --seconds, the client runs offer+answer+delete cycles with --window
 *    requests in flight, while the generator sends 20 ms RTP (50 packets/s) on
 *    --streams of the live calls and the sink counts what the relay sends on.
 * Reported: cycles (call set-ups) per second, median of --rounds runs, and for
 * each run packets sent on live streams, relayed, and lost.
 */
#define _LGPL_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "bench.h"
#include "dp_app.h"
#include "dp_csum.h"
#include "dp_worker.h"
#include "ng_codec.h"

#define RELAY_ADDR "10.1.0.1"
#define PORT_MIN 10000
#define PORT_MAX 65535
#define RTP_LEN (12 + 160)
#define FRAME_LEN (14 + 20 + 8 + RTP_LEN)
#define MAX_STREAMS 20000

static struct {
	struct dp_ctx ctx;
	struct rte_ring *rx, *tx;
	struct rte_mempool *pool;
	char dir[48], sock[64];
	pid_t xsd;
	int ngport;
	unsigned live, streams, window, rounds;
	double seconds;
	uint16_t *live_port;         /* relay port each live call's caller sends to */
	uint8_t relay_mac[6];
} B;

/* ------------------------------------------------------------------ ng client */

struct client {
	unsigned id; /* in every cookie: the daemon caches replies by cookie for 30 s */
	int fd;
	struct sockaddr_in to;
	unsigned seq;
	uint8_t arena_mem[1 << 20];
	struct ng_arena arena;
	char buf[70000];
};

static const char sdp_caller[] = "v=0\r\no=a 1 1 IN IP4 10.2.0.2\r\ns=-\r\n"
				 "c=IN IP4 10.2.0.2\r\nt=0 0\r\nm=audio %u RTP/AVP 0\r\n";
static const char sdp_callee[] = "v=0\r\no=b 1 1 IN IP4 10.3.0.2\r\ns=-\r\n"
				 "c=IN IP4 10.3.0.2\r\nt=0 0\r\nm=audio %u RTP/SAVP 0\r\n"
				 "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
				 "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";

enum step { STEP_OFFER, STEP_ANSWER, STEP_DELETE, STEP_DONE };

/* Builds "<cookie> <dict>" for call n at step s into out. */
static void request(struct ng_out *o, unsigned client, unsigned slot, unsigned seq,
		    unsigned long n, enum step s)
{
	char cookie[48], id[32], sdp[512];
	int cl = snprintf(cookie, sizeof(cookie), "b%u_%u_%u ", client, slot, seq);
	snprintf(id, sizeof(id), "bench-%lu", n);
	ng_out_init(o, NG_BENCODE);
	ng_out_raw(o, cookie, (size_t)cl);
	ng_out_dict_begin(o);
	ng_out_key(o, "command");
	ng_out_cstr(o, s == STEP_OFFER ? "offer" : s == STEP_ANSWER ? "answer" : "delete");
	ng_out_key(o, "call-id");
	ng_out_cstr(o, id);
	ng_out_key(o, "from-tag");
	ng_out_cstr(o, "a");
	if (s == STEP_OFFER) {
		snprintf(sdp, sizeof(sdp), sdp_caller, 10000u + (unsigned)(n % 10000) * 2);
		ng_out_key(o, "sdp");
		ng_out_cstr(o, sdp);
		ng_out_key(o, "transport-protocol");
		ng_out_cstr(o, "RTP/SAVP");
		ng_out_key(o, "SDES");
		ng_out_list_begin(o);
		ng_out_cstr(o, "only-AES_CM_128_HMAC_SHA1_80");
		ng_out_list_end(o);
	} else if (s == STEP_ANSWER) {
		snprintf(sdp, sizeof(sdp), sdp_callee, 30000u + (unsigned)(n % 15000) * 2);
		ng_out_key(o, "to-tag");
		ng_out_cstr(o, "b");
		ng_out_key(o, "sdp");
		ng_out_cstr(o, sdp);
		ng_out_key(o, "transport-protocol");
		ng_out_cstr(o, "RTP/AVP");
	}
	ng_out_dict_end(o);
}

/* Parses a reply: returns the slot it is for, -1 if unusable; *ok and the
 * relay port of the answer SDP (0 if none). */
static int reply(struct client *c, size_t len, unsigned *seq, bool *ok, unsigned *port)
{
	const char *ck;
	size_t ckl;
	struct ng_val *root;
	enum ng_syntax syn;
	struct ng_parse_error e;
	unsigned slot;
	ng_arena_reset(&c->arena);
	if (ng_parse(c->buf, len, &c->arena, &ck, &ckl, &root, &syn, &e) ||
	    sscanf(ck, "b%*u_%u_%u", &slot, seq) != 2)
		return -1;
	const struct ng_val *r = ng_dict_get(root, "result"), *sdp = ng_dict_get(root, "sdp");
	*ok = ng_str_eq(r, "ok");
	*port = 0;
	if (sdp && sdp->type == NG_STR) {
		char text[4096];
		size_t n = sdp->len < sizeof(text) - 1 ? sdp->len : sizeof(text) - 1;
		memcpy(text, sdp->s, n);
		text[n] = '\0';
		const char *m = strstr(text, "m=audio ");
		if (m)
			*port = (unsigned)strtoul(m + 8, NULL, 10);
	}
	if (!*ok) {
		const struct ng_val *why = ng_dict_get(root, "error-reason");
		fprintf(stderr, "ng: error: %.*s\n", why ? (int)why->len : 1, why ? why->s : "?");
	}
	return (int)slot;
}

struct slot {
	unsigned long call;
	enum step step;
	unsigned seq;
	uint64_t sent_ns;
};

/*
 * Runs calls [first, first+count) through the steps up to `last` (ANSWER: set
 * up and keep; DELETE: full cycles), window requests in flight, until all are
 * done or `stop` is set. Returns cycles completed; -1 on errors.
 */
static long drive(struct client *c, unsigned long first, unsigned long count, enum step last,
		  unsigned window, atomic_bool *stop, uint16_t *ports)
{
	struct slot s[256];
	unsigned long next = first, done = 0;
	unsigned active = 0;
	if (window > 256)
		window = 256;
	for (unsigned i = 0; i < window && next < first + count; i++, next++) {
		s[i] = (struct slot){ .call = next, .step = STEP_OFFER };
		active++;
	}
	for (unsigned i = 0; i < active; i++) {
		struct ng_out o;
		request(&o, c->id, i, ++s[i].seq, s[i].call, s[i].step);
		sendto(c->fd, o.buf, o.len, 0, (struct sockaddr *)&c->to, sizeof(c->to));
		ng_out_free(&o);
		s[i].sent_ns = bench_now_ns();
	}
	while (active) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		if (poll(&p, 1, 200) != 1) {
			/* a lost datagram: resend what has waited too long (the cache
			 * answers a duplicate without applying it twice) */
			uint64_t now = bench_now_ns();
			for (unsigned i = 0; i < window; i++)
				if (s[i].step != STEP_DONE && now - s[i].sent_ns > 500000000ull) {
					struct ng_out o;
					request(&o, c->id, i, s[i].seq, s[i].call, s[i].step);
					sendto(c->fd, o.buf, o.len, 0, (struct sockaddr *)&c->to,
					       sizeof(c->to));
					ng_out_free(&o);
					s[i].sent_ns = now;
				}
			continue;
		}
		ssize_t n = recv(c->fd, c->buf, sizeof(c->buf) - 1, 0);
		unsigned seq, port;
		bool ok;
		int i = n > 0 ? reply(c, (size_t)n, &seq, &ok, &port) : -1;
		if (i < 0 || i >= (int)window || s[i].step == STEP_DONE || seq != s[i].seq)
			continue; /* late duplicate */
		if (!ok)
			return -1;
		if (s[i].step == STEP_ANSWER && ports)
			ports[s[i].call - first] = (uint16_t)port;
		if (s[i].step == last) {
			done++;
			if (next < first + count && !(stop && atomic_load(stop))) {
				s[i] = (struct slot){ .call = next++, .step = STEP_OFFER, .seq = s[i].seq };
			} else {
				s[i].step = STEP_DONE;
				active--;
				continue;
			}
		} else {
			s[i].step++;
		}
		struct ng_out o;
		request(&o, c->id, (unsigned)i, ++s[i].seq, s[i].call, s[i].step);
		sendto(c->fd, o.buf, o.len, 0, (struct sockaddr *)&c->to, sizeof(c->to));
		ng_out_free(&o);
		s[i].sent_ns = bench_now_ns();
	}
	return (long)done;
}

static int client_open(struct client *c)
{
	static unsigned ids;
	c->id = ++ids;
	c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	c->to = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((uint16_t)B.ngport),
				      .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int big = 4 << 20;
	setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	ng_arena_init(&c->arena, c->arena_mem, sizeof(c->arena_mem));
	return c->fd < 0 ? -1 : 0;
}

struct churn {
	struct client cl;
	atomic_bool stop;
	unsigned long first;
	long cycles;
	double secs;
	double cpu_s;           /* CPU the client thread used */
};

static double thread_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *churn_main(void *arg)
{
	struct churn *ch = arg;
	uint64_t t0 = bench_now_ns();
	double c0 = thread_cpu_s();
	ch->cycles = drive(&ch->cl, ch->first, 1ul << 40, STEP_DELETE, B.window, &ch->stop, NULL);
	ch->secs = (double)(bench_now_ns() - t0) / 1e9;
	ch->cpu_s = thread_cpu_s() - c0;
	return NULL;
}

/* ------------------------------------------------------------ media on live calls */

static void frame(struct rte_mbuf *m, unsigned stream, uint16_t seq)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *), *ip = d + 14, *udp = ip + 20, *rtp = udp + 8;
	uint16_t dport = B.live_port[stream], sport = (uint16_t)(10000 + (stream % 20000) * 2);
	memcpy(d, B.relay_mac, 6);
	memcpy(d + 6, (uint8_t[]){ 2, 0, 0, 0, 0, 0x42 }, 6);
	d[12] = 0x08;
	d[13] = 0x00;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + 8 + RTP_LEN) >> 8);
	ip[3] = (uint8_t)(20 + 8 + RTP_LEN);
	ip[8] = 64;
	ip[9] = 17;
	/* the caller of live call `stream`: 10.2.0.2 as its SDP says */
	memcpy(ip + 12, (uint8_t[]){ 10, 2, 0, 2 }, 4);
	inet_pton(AF_INET, RELAY_ADDR, ip + 16);
	uint16_t cs = dp_csum_finish(dp_csum_partial(ip, 20, 0));
	memcpy(ip + 10, &cs, 2);
	udp[0] = (uint8_t)(sport >> 8);
	udp[1] = (uint8_t)sport;
	udp[2] = (uint8_t)(dport >> 8);
	udp[3] = (uint8_t)dport;
	udp[4] = (uint8_t)((8 + RTP_LEN) >> 8);
	udp[5] = (uint8_t)(8 + RTP_LEN);
	udp[6] = udp[7] = 0; /* no UDP checksum (IPv4) */
	rtp[0] = 0x80;
	rtp[1] = 0;
	rtp[2] = (uint8_t)(seq >> 8);
	rtp[3] = (uint8_t)seq;
	uint32_t ts = (uint32_t)seq * 160u, ssrc = 0x1000u + stream;
	for (int k = 0; k < 4; k++) {
		rtp[4 + k] = (uint8_t)(ts >> (24 - 8 * k));
		rtp[8 + k] = (uint8_t)(ssrc >> (24 - 8 * k));
	}
	memset(rtp + 12, 0xd5, 160);
	m->data_len = m->pkt_len = FRAME_LEN;
	m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
}

/* Sends 50 packets/s on each stream for `secs` seconds, in 1 ms batches with
 * the CPU given away in between (the daemon and the client share this
 * machine); counts what the relay sends on. */
static void media(double secs, uint16_t seq0, uint64_t *sent, uint64_t *got)
{
	uint64_t hz = rte_get_tsc_hz(), t0 = rte_rdtsc(), end = t0 + (uint64_t)(secs * hz);
	double per_tick = 50.0 * B.streams / 1000.0, owed = 0;
	uint64_t tick = hz / 1000, next = t0, k = 0;
	struct rte_mbuf *out[64];
	*sent = *got = 0;
	while (rte_rdtsc() < end) {
		if (rte_rdtsc() >= next) {
			owed += per_tick;
			while (owed >= 1) {
				struct rte_mbuf *m = rte_pktmbuf_alloc(B.pool);
				if (!m)
					break;
				frame(m, (unsigned)(k % B.streams), (uint16_t)(seq0 + k / B.streams));
				if (rte_ring_enqueue(B.rx, m))
					rte_pktmbuf_free(m);
				else
					(*sent)++;
				k++;
				owed -= 1;
			}
			next += tick;
		}
		unsigned n;
		while ((n = rte_ring_dequeue_burst(B.tx, (void **)out, 64, NULL))) {
			*got += n;
			rte_pktmbuf_free_bulk(out, n);
		}
		usleep(200);
	}
	/* what is still in the relay comes out within a few ms */
	for (int i = 0; i < 200; i++) {
		unsigned n = rte_ring_dequeue_burst(B.tx, (void **)out, 64, NULL);
		if (n) {
			*got += n;
			rte_pktmbuf_free_bulk(out, n);
		}
		rte_delay_us_block(100);
	}
}

/* ---------------------------------------------------------------------- setup */

static int eal(void)
{
	char fp[64], *argv[16];
	int argc = 0;
	snprintf(fp, sizeof(fp), "--file-prefix=xsbenchng%d", getpid());
	argv[argc++] = "xsrelay-bench";
	argv[argc++] = "--no-huge";
	argv[argc++] = "--no-shconf";
	argv[argc++] = "-m";
	argv[argc++] = "1024";
	argv[argc++] = "-l";
	argv[argc++] = "0-1";
	argv[argc++] = "--no-pci";
	argv[argc++] = "--no-telemetry";
	argv[argc++] = "--log-level=*:warning";
	argv[argc++] = fp;
	argv[argc] = NULL;
	return rte_eal_init(argc, argv);
}

static int setup_dp(void)
{
	struct dp_conf c;
	B.rx = rte_ring_create("ng_rx", 8192, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	B.tx = rte_ring_create("ng_tx", 8192, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!B.rx || !B.tx || rte_eth_from_rings("net_ring_ng", &B.rx, 1, &B.tx, 1, 0) != 0)
		return -1;
	B.pool = rte_pktmbuf_pool_create("ng_gen", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (!B.pool)
		return -1;
	dp_conf_defaults(&c);
	c.flows_hint = 1u << 17;
	c.mbufs = 16383;
	c.idle_sleep_us = 50; /* share the machine with xsrelayd and the client */
	snprintf(c.ctl_path, sizeof(c.ctl_path), "%s", B.sock);
	c.allow_uid[c.n_uid++] = getuid(); /* xsrelayd runs as this process's user */
	dp_conf_add_local(&c, "0:" RELAY_ADDR "/24");
	dp_conf_add_gw_mac(&c, "0:02:00:00:00:00:99");
	if (dp_app_init(&B.ctx, &c) || dp_app_start(&B.ctx))
		return -1;
	memcpy(B.relay_mac, B.ctx.port[0].mac, 6);
	urcu_qsbr_register_thread();
	urcu_qsbr_thread_offline();
	return 0;
}

static int start_xsrelayd(const char *path)
{
	char ngudp[32], store[96], iface[64], maxc[16];
	snprintf(ngudp, sizeof(ngudp), "127.0.0.1:%d", B.ngport);
	snprintf(store, sizeof(store), "%s/calls.db", B.dir);
	snprintf(iface, sizeof(iface), "pub/%s/%d-%d", RELAY_ADDR, PORT_MIN, PORT_MAX);
	snprintf(maxc, sizeof(maxc), "%u", B.live + 10000);
	B.xsd = fork();
	if (B.xsd == 0) {
		char log[96];
		snprintf(log, sizeof(log), "%s/xsrelayd.log", B.dir);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0)
			dup2(fd, 2);
		execl(path, path, "--interface", iface, "--ng-udp", ngudp, "--ng-unix", "",
		      "--dp-socket", B.sock, "--store", store, "--metrics", "", "--media-timeout",
		      "0", "--max-calls", maxc, "--log-level", "warn", (char *)NULL);
		_exit(127);
	}
	return B.xsd > 0 ? 0 : -1;
}

static int wait_ready(struct client *c)
{
	for (int i = 0; i < 100; i++) {
		struct ng_out o;
		ng_out_init(&o, NG_BENCODE);
		ng_out_raw(&o, "p ", 2);
		ng_out_dict_begin(&o);
		ng_out_key(&o, "command");
		ng_out_cstr(&o, "statistics");
		ng_out_dict_end(&o);
		sendto(c->fd, o.buf, o.len, 0, (struct sockaddr *)&c->to, sizeof(c->to));
		ng_out_free(&o);
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		if (poll(&p, 1, 100) == 1) {
			ssize_t n = recv(c->fd, c->buf, sizeof(c->buf) - 1, 0);
			if (n > 0) {
				c->buf[n] = '\0';
				if (strstr(c->buf, "9:fast path9:connected"))
					return 0;
			}
		}
		usleep(50000);
	}
	return -1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xsrelay-bench ng [OPTIONS]\n"
		"  offer+answer+delete cycles per second through xsrelayd's ng socket with live\n"
		"  calls present, and packet loss on live streams while the churn runs.\n"
		"  --xsrelayd PATH  the daemon (default: ../control/xsrelayd beside this binary)\n"
		"  --live N         live calls set up first (default 10000)\n"
		"  --streams N      live calls carrying 50 packets/s during the churn (default 1000)\n"
		"  --window N       ng requests in flight (default 32)\n"
		"  --seconds S      churn per run (default 3)\n"
		"  --rounds N       runs; medians reported (default 3)\n"
		"  --quick          a short smoke run (the test suite uses it)\n");
}

/* user + system CPU seconds of a process so far (/proc/PID/stat), 0 if unknown */
static double proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')'); /* the command may hold spaces */
	unsigned long ut = 0, st = 0;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
			 &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

int bench_ng_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "xsrelayd", 1, 0, 'x' }, { "live", 1, 0, 'l' }, { "streams", 1, 0, 's' },
		{ "window", 1, 0, 'w' },  { "seconds", 1, 0, 'S' }, { "rounds", 1, 0, 'r' },
		{ "quick", 0, 0, 'q' },   { "help", 0, 0, 'h' },  { 0, 0, 0, 0 } };
	char xsd[PATH_MAX] = "";
	int o, rc = 1;
	B.live = 10000;
	B.streams = 1000;
	B.window = 32;
	B.seconds = 3;
	B.rounds = 3;
	optind = 1;
	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 'x': snprintf(xsd, sizeof(xsd), "%s", optarg); break;
		case 'l': B.live = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': B.streams = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'w': B.window = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'S': B.seconds = atof(optarg); break;
		case 'r': B.rounds = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'q': B.live = 200; B.streams = 50; B.seconds = 0.5; B.rounds = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (B.streams > B.live || B.streams > MAX_STREAMS || !B.streams || !B.window ||
	    !B.rounds || B.rounds > 64 || B.window > 256 ||
	    (B.live + B.window) * 2 > (PORT_MAX - PORT_MIN + 1) / 2) {
		/* each call takes a port pair on each leg */
		fprintf(stderr, "ng: streams 1..live (<= %d), window 1..256, rounds 1..64, live + "
			"window <= %d\n", MAX_STREAMS, (PORT_MAX - PORT_MIN + 1) / 4);
		return 2;
	}
	if (!xsd[0]) {
		ssize_t n = readlink("/proc/self/exe", xsd, sizeof(xsd) - 32);
		if (n <= 0)
			return 1;
		xsd[n] = '\0';
		strcpy(strrchr(xsd, '/'), "/../control/xsrelayd");
	}
	snprintf(B.dir, sizeof(B.dir), "/tmp/xsrelay-bench-ng.XXXXXX");
	if (!mkdtemp(B.dir))
		return 1;
	snprintf(B.sock, sizeof(B.sock), "%s/dp.sock", B.dir);
	B.ngport = 21000 + getpid() % 20000;
	B.live_port = calloc(B.live, sizeof(*B.live_port));
	static struct client setup_client;
	static struct churn ch;
	if (eal() < 0 || setup_dp() || start_xsrelayd(xsd) || client_open(&setup_client) ||
	    wait_ready(&setup_client)) {
		fprintf(stderr, "ng: set-up failed (the data plane needs lcores 0 and 1; xsrelayd "
			"at %s; see %s/xsrelayd.log)\n", xsd, B.dir);
		goto out;
	}
	uint64_t t0 = bench_now_ns();
	long n = drive(&setup_client, 0, B.live, STEP_ANSWER, B.window, NULL, B.live_port);
	double setup_s = (double)(bench_now_ns() - t0) / 1e9;
	if (n != (long)B.live) {
		fprintf(stderr, "ng: setting up the live calls failed\n");
		goto out;
	}
	printf("xsrelay-bench ng: xsrelayd (ng over UDP, store %s/calls.db) programming the data "
	       "plane (worker lcore 1, net_ring); %u live calls set up in %.2f s (%.0f/s); "
	       "%u of them carry 50 packets/s during churn; %u requests in flight; %.1f s per "
	       "run\n", B.dir, B.live, setup_s, B.live / setup_s, B.streams, B.window, B.seconds);
	double rate[64], cpu[64], ccpu[64], busy_xsd[64], busy_client[64], busy_rest[64];
	uint64_t lost_total = 0;
	printf("  run  cycles/s   live pkts sent   relayed   lost   xsrelayd_cpu_us/cycle   "
	       "client_cpu_us/cycle\n");
	for (unsigned r = 0; r < B.rounds; r++) {
		pthread_t th;
		uint64_t sent, got;
		memset(&ch, 0, sizeof(ch));
		if (client_open(&ch.cl))
			goto out;
		ch.first = 1000000ul * (r + 1);
		double cpu0 = proc_cpu_s(B.xsd), self0 = proc_cpu_s(getpid());
		pthread_create(&th, NULL, churn_main, &ch);
		media(B.seconds, (uint16_t)(1000 + r * (unsigned)(B.seconds * 50 + 100)), &sent, &got);
		atomic_store(&ch.stop, true);
		pthread_join(th, NULL);
		close(ch.cl.fd);
		if (ch.cycles < 0) {
			fprintf(stderr, "ng: churn failed\n");
			goto out;
		}
		rate[r] = (double)ch.cycles / ch.secs;
		/* CPU the daemon used per cycle: what this machine's neighbours (other
		 * builds, the media generator) do not change as much as the rate */
		cpu[r] = ch.cycles ? (proc_cpu_s(B.xsd) - cpu0) * 1e6 / (double)ch.cycles : 0;
		ccpu[r] = ch.cycles ? ch.cpu_s * 1e6 / (double)ch.cycles : 0;
		busy_xsd[r] = cpu[r] * rate[r] / 1e4;
		busy_client[r] = 100 * ch.cpu_s / ch.secs;
		busy_rest[r] = 100 * (proc_cpu_s(getpid()) - self0 - ch.cpu_s) / ch.secs;
		lost_total += sent - got;
		printf("  %3u  %8.0f   %14llu   %7llu   %4lld   %21.1f   %19.1f\n", r + 1, rate[r],
		       (unsigned long long)sent, (unsigned long long)got, (long long)(sent - got),
		       cpu[r], ccpu[r]);
	}
	double med = bench_median(rate, B.rounds);
	printf("median: %.0f offer+answer+delete cycles (call set-ups) per second with %u live "
	       "calls; %llu packets lost on live streams in all runs; xsrelayd used %.1f us of "
	       "CPU per cycle, the ng client %.1f us\n", med, B.live,
	       (unsigned long long)lost_total, bench_median(cpu, B.rounds),
	       bench_median(ccpu, B.rounds));
	/* where this machine's CPUs went during the churn, in % of one CPU */
	printf("CPU during churn (median, %% of one of this machine's %ld CPUs): xsrelayd %.0f, "
	       "ng client %.0f, this process's data plane (worker lcore, control thread) and "
	       "media generator %.0f\n", sysconf(_SC_NPROCESSORS_ONLN),
	       bench_median(busy_xsd, B.rounds), bench_median(busy_client, B.rounds),
	       bench_median(busy_rest, B.rounds));
	rc = 0;
out:
	if (B.xsd > 0) {
		kill(B.xsd, SIGTERM);
		waitpid(B.xsd, NULL, 0);
	}
	B.ctx.stop = 1;
	dp_app_stop(&B.ctx);
	if (!rc) { /* on failure the directory stays, with xsrelayd's log */
		static const char *const files[] = { "calls.db", "calls.db-wal", "calls.db-shm",
						     "xsrelayd.log", "dp.sock" };
		char f[96];
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(f, sizeof(f), "%s/%s", B.dir, files[i]);
			unlink(f);
		}
		rmdir(B.dir);
	}
	free(B.live_port);
	return rc;
}
