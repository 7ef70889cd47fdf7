/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xsrelay-bench relay: the real data plane worker (dp_worker_main on its own
 * lcore) fed through a net_ring port.
 *
 *   generator (main lcore) -> RX ring -> worker lcore -> TX ring -> sink (main lcore)
 *
 * Every flow re-encrypts SDES AES_CM_128_HMAC_SHA1_80 to AES_CM_128_HMAC_SHA1_80
 * under another key; each flow has its own key objects and stream state, as in
 * production. Packets are 12+160-byte RTP, pre-encrypted: all flows share one
 * master key and SSRC on the input side, so the packet for sequence number r is
 * the same for every flow and is encrypted once (the relay cannot tell). The
 * generator copies it, sets the flow's address and port, fixes the checksums and
 * marks them verified as a NIC with RX checksum offload would (--sw-csum: not,
 * so the worker verifies them in software).
 *
 * For 1,000, 100,000 and 1,000,000 flows (cumulative): relayed packets/s with
 * the RX ring kept full, latency inside the relay (enqueue on the RX ring to
 * dequeue from the TX ring) at half that rate, and the engine's crypto-only
 * re-encryption rate on the same lcore, flows and streams.
 */
#define _LGPL_SOURCE
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include "bench.h"
#include "dp_app.h"
#include "dp_csum.h"
#include "dp_ctl.h"
#include "dp_worker.h"
#include "xs_srtp.h"

#define PAY_LEN 182            /* 12 + 160 + 10-byte tag */
#define FRAME_LEN (14 + 20 + 8 + PAY_LEN)
#define PORTS_PER_ADDR 64000
#define BASE_PORT 1024
#define LAT_SAMPLES 400000

struct tmpl {
	uint8_t frame[FRAME_LEN];
	uint64_t ip_sum;       /* IPv4 header sum without the destination address */
	uint64_t udp_sum;      /* pseudo header + UDP without destination address and port */
};

struct bench {
	struct dp_ctx ctx;
	struct rte_ring *rx, *tx;
	struct rte_mempool *pool;
	int stamp_off;
	struct tmpl *t;
	unsigned nt;
	uint64_t sent;         /* packets generated in this flow-count phase */
	unsigned round0;       /* first sequence number (template) of this phase */
	unsigned nflows;       /* flows in the table */
	uint32_t *dst;         /* per flow: last address byte << 16 | port */
	uint64_t alloc_fail;   /* generator found the pool empty */
	unsigned active;       /* flows the traffic goes round */
	bool sw_csum;
	double seconds;
	double *lat;
	unsigned nlat;
	uint8_t in_key[30], out_key[30];
};

static struct bench B;

/* -------------------------------------------------------------- hugepages */

/* --hugepages N: reserve N more 2 MB pages, mount a private hugetlbfs, run EAL
 * on them (--in-memory: no files left behind), and undo both at exit. */
static struct {
	unsigned want;         /* pages asked for; 0: run with --no-huge */
	long old_nr;           /* vm.nr_hugepages before, -1: untouched */
	char dir[64];          /* our hugetlbfs mount, "" if none */
	unsigned got;
} HP = { .old_nr = -1 };

#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -errno;
	rc = fprintf(f, "%ld\n", v) < 0 ? -EIO : 0;
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

static void hp_undo(void)
{
	if (HP.dir[0]) {
		umount2(HP.dir, MNT_DETACH);
		rmdir(HP.dir);
		HP.dir[0] = 0;
	}
	if (HP.old_nr >= 0) {
		/* Pages still mapped become surplus and go back when released. */
		write_long(NR_HUGEPAGES, HP.old_nr);
		HP.old_nr = -1;
	}
}

static int hp_setup(unsigned want)
{
	long old = read_long(NR_HUGEPAGES), now;

	if (old < 0 || write_long(NR_HUGEPAGES, old + want)) {
		fprintf(stderr, "relay: cannot reserve hugepages (%s: needs root)\n", NR_HUGEPAGES);
		return -1;
	}
	HP.old_nr = old;
	atexit(hp_undo);
	now = read_long(NR_HUGEPAGES);
	HP.got = now > old ? (unsigned)(now - old) : 0;
	if (HP.got < want)
		fprintf(stderr, "relay: asked for %u hugepages, the kernel gave %u\n", want, HP.got);
	if (!HP.got)
		return -1;
	snprintf(HP.dir, sizeof(HP.dir), "/tmp/xsbench-huge.XXXXXX");
	if (!mkdtemp(HP.dir)) {
		HP.dir[0] = 0;
		return -1;
	}
	if (mount("nodev", HP.dir, "hugetlbfs", 0, "pagesize=2M")) {
		fprintf(stderr, "relay: mount hugetlbfs on %s: %s\n", HP.dir, strerror(errno));
		rmdir(HP.dir);
		HP.dir[0] = 0;
		return -1;
	}
	return 0;
}

/* Heap bytes in use: the C heap, plus DPDK's heaps (flows live there on hugepages). */
static double heap_bytes(void)
{
	struct mallinfo2 m = mallinfo2();
	double b = (double)(m.uordblks + m.hblkhd);
	struct rte_malloc_socket_stats st;

	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (rte_malloc_get_socket_stats(s, &st) == 0)
			b += (double)st.heap_allocsz_bytes;
	return b;
}

/* -------------------------------------------------------------- flows */

static void flow_addr(unsigned f, uint8_t ip[4], uint16_t *port)
{
	ip[0] = 10;
	ip[1] = 1;
	ip[2] = 0;
	ip[3] = (uint8_t)(1 + f / PORTS_PER_ADDR);
	*port = (uint16_t)(BASE_PORT + f % PORTS_PER_ADDR);
}

static void crypto(struct xs_dp_crypto *c, const uint8_t *k)
{
	memset(c, 0, sizeof(*c));
	c->suite = XS_SUITE_AES_CM_128_HMAC_SHA1_80;
	c->key_len = 16;
	c->salt_len = 14;
	memcpy(c->master_key, k, 16);
	memcpy(c->master_salt, k + 16, 14);
}

static int add_flows(unsigned upto)
{
	struct xs_dp_flow_msg m;
	const char *why;
	int rc;

	memset(&m, 0, sizeof(m));
	m.flow.src_policy = XS_DP_SRC_LATCH;
	m.flow.flags = XS_DP_FLOW_F_RTCP_MUX_IN | XS_DP_FLOW_F_RTCP_MUX_OUT |
		       XS_DP_FLOW_F_IN_KEYS | XS_DP_FLOW_F_OUT_KEYS;
	m.flow.in_suite = m.flow.out_suite = XS_SUITE_AES_CM_128_HMAC_SHA1_80;
	crypto(&m.in, B.in_key);
	crypto(&m.out, B.out_key);
	m.flow.local.family = m.flow.out_src.family = m.flow.out_dst.family = XS_DP_AF_INET;
	memcpy(m.flow.out_src.addr, (uint8_t[]){ 10, 1, 0, 1 }, 4);
	memcpy(m.flow.out_dst.addr, (uint8_t[]){ 10, 2, 0, 2 }, 4);
	m.flow.out_dst.port = 40000;
	urcu_qsbr_thread_online();
	for (unsigned f = B.nflows; f < upto; f++) {
		flow_addr(f, m.flow.local.addr, &m.flow.local.port);
		m.flow.out_src.port = (uint16_t)(BASE_PORT + f % PORTS_PER_ADDR);
		rc = dp_ops_flow_add(&B.ctx, &m, &why);
		if (rc) {
			fprintf(stderr, "relay: flow %u: %s\n", f, why);
			urcu_qsbr_thread_offline();
			return rc;
		}
		if ((f & 1023) == 0)
			urcu_qsbr_quiescent_state();
	}
	urcu_qsbr_thread_offline();
	B.nflows = upto;
	return 0;
}

/* -------------------------------------------------------------- packets */

/* Pre-encrypt n RTP packets (sequence numbers 0..n-1) under the input key. */
static int make_templates(unsigned n)
{
	struct xs_srtp_policy pol;
	struct xs_srtp_keys *keys;
	struct xs_srtp_stream st;
	struct xs_srtp_engine *eng = xs_srtp_engine_create();
	struct xs_srtp_xform x;
	struct xs_srtp_op op;

	memset(&pol, 0, sizeof(pol));
	pol.suite = XS_SUITE_AES_CM_128_HMAC_SHA1_80;
	pol.key_len = 16;
	pol.salt_len = 14;
	memcpy(pol.master_key, B.in_key, 16);
	memcpy(pol.master_salt, B.in_key + 16, 14);
	if (!eng || xs_srtp_keys_create(&pol, &keys))
		return -1;
	xs_srtp_stream_init(&st, 0);
	x = (struct xs_srtp_xform){ keys, &st };
	B.t = calloc(n, sizeof(*B.t));
	if (!B.t)
		return -1;
	B.nt = n;
	for (unsigned r = 0; r < n; r++) {
		uint8_t *f = B.t[r].frame, *ip = f + 14, *udp = ip + 20, *rtp = udp + 8;
		uint16_t seq = (uint16_t)r;

		memcpy(f, B.ctx.port[0].mac, 6);
		memcpy(f + 6, (uint8_t[]){ 2, 0, 0, 0, 0, 0x42 }, 6);
		f[12] = 0x08;
		f[13] = 0x00;
		ip[0] = 0x45;
		ip[2] = 0;
		ip[3] = 20 + 8 + PAY_LEN;
		ip[6] = 0x40;
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, (uint8_t[]){ 10, 9, 0, 2 }, 4);
		udp[0] = 5000 >> 8;
		udp[1] = 5000 & 0xff;
		udp[5] = 8 + PAY_LEN;
		rtp[0] = 0x80;
		rtp[1] = 0;
		rtp[2] = (uint8_t)(seq >> 8);
		rtp[3] = (uint8_t)seq;
		memset(rtp + 4, 0, 4);
		memcpy(rtp + 8, (uint8_t[]){ 0x12, 0x34, 0x56, 0x78 }, 4);
		for (unsigned i = 12; i < 172; i++)
			rtp[i] = (uint8_t)(i + r);
		op = (struct xs_srtp_op){ .pkt = rtp, .len = 172, .room = PAY_LEN, .out = &x };
		if (xs_srtp_burst(eng, &op, 1) != 1 || op.len != PAY_LEN)
			return -1;
		/* Sums without the per-flow fields (destination address and port). */
		B.t[r].ip_sum = dp_csum_partial(ip, 20, 0);
		B.t[r].udp_sum = dp_csum_partial(udp, 8 + PAY_LEN, 0) + dp_csum_partial(ip + 12, 4, 0) +
				 htons(17) + htons(8 + PAY_LEN);
	}
	xs_srtp_keys_free(keys);
	xs_srtp_engine_free(eng);
	return 0;
}

/* The generator walks (flow, round) incrementally: no division per packet. */
static unsigned gen_f, gen_r;

static void gen_seek(uint64_t i)
{
	gen_f = (unsigned)(i % B.active);
	gen_r = B.round0 + (unsigned)(i / B.active);
}

static void fill(struct rte_mbuf *m)
{
	const struct tmpl *t = &B.t[gen_r];
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *), *ip = d + 14, *udp = ip + 20;
	uint16_t port, cs;
	uint8_t dst[4] = { 10, 1, 0, (uint8_t)(B.dst[gen_f] >> 16) };

	port = (uint16_t)B.dst[gen_f];
	if (++gen_f == B.active) {
		gen_f = 0;
		gen_r++;
	}
	memcpy(d, t->frame, FRAME_LEN);
	m->data_len = FRAME_LEN;
	m->pkt_len = FRAME_LEN;
	memcpy(ip + 16, dst, 4);
	udp[2] = (uint8_t)(port >> 8);
	udp[3] = (uint8_t)port;
	cs = dp_csum_finish(t->ip_sum + dp_csum_partial(dst, 4, 0));
	memcpy(ip + 10, &cs, 2);
	cs = dp_csum_finish(t->udp_sum + dp_csum_partial(dst, 4, 0) + dp_csum_partial(udp + 2, 2, 0));
	if (!cs)
		cs = 0xffff;
	memcpy(udp + 6, &cs, 2);
	m->ol_flags = B.sw_csum ? 0 : RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
}

/* -------------------------------------------------------------- runs */

/* Generate for B.seconds. rate_pps 0: keep the ring full. Returns relayed pps. */
static double run(double rate_pps, bool sample)
{
	struct rte_mbuf *gen[DP_BURST], *out[DP_BURST];
	uint64_t hz = rte_get_tsc_hz(), t0, t_end, now, next = 0, got = 0, sent0 = B.sent;
	uint64_t limit = (uint64_t)(B.nt - B.round0) * B.active;
	uint64_t gap = rate_pps > 0 ? (uint64_t)((double)hz / rate_pps) : 0;
	unsigned ng = 0;

	B.nlat = 0;
	gen_seek(B.sent);
	t0 = rte_rdtsc();
	t_end = t0 + (uint64_t)(B.seconds * (double)hz);
	next = t0;
	while ((now = rte_rdtsc()) < t_end && B.sent + DP_BURST < limit) {
		unsigned k, n;

		if (!ng && (!gap || now >= next)) {
			/* Paced: one packet per gap; full speed: a burst. */
			unsigned want = gap ? 1 : DP_BURST;
			if (rte_pktmbuf_alloc_bulk(B.pool, gen, want) != 0) {
				B.alloc_fail++; /* reported below if it ever happens */
			} else {
				uint64_t ts = sample ? rte_rdtsc() : 0;
				for (k = 0; k < want; k++) {
					fill(gen[k]);
					*RTE_MBUF_DYNFIELD(gen[k], B.stamp_off, uint64_t *) = ts;
				}
				ng = want;
			}
			next += gap;
		}
		if (ng) {
			k = rte_ring_enqueue_burst(B.rx, (void **)gen, ng, NULL);
			B.sent += k;
			if (k < ng)
				memmove(gen, gen + k, (ng - k) * sizeof(gen[0]));
			ng -= k;
		}
		n = rte_ring_dequeue_burst(B.tx, (void **)out, DP_BURST, NULL);
		if (n) {
			if (sample) {
				uint64_t tn = rte_rdtsc();
				for (k = 0; k < n && B.nlat < LAT_SAMPLES; k++)
					B.lat[B.nlat++] = (double)(tn - *RTE_MBUF_DYNFIELD(out[k],
						B.stamp_off, uint64_t *)) * 1e6 / (double)hz;
			}
			rte_pktmbuf_free_bulk(out, n);
			got += n;
		}
	}
	now = rte_rdtsc();
	/* Let what is in flight come out, uncounted. */
	for (int i = 0; i < 2000; i++) {
		unsigned n = rte_ring_dequeue_burst(B.tx, (void **)out, DP_BURST, NULL);
		if (n)
			rte_pktmbuf_free_bulk(out, n);
		else if (!rte_ring_count(B.rx))
			break;
		rte_delay_us_block(50);
	}
	if (ng) {
		rte_pktmbuf_free_bulk(gen, ng);
		B.sent += ng; /* generated: their sequence numbers are not reused */
	}
	if (B.alloc_fail)
		fprintf(stderr, "relay: generator found its pool empty %llu times\n",
			(unsigned long long)B.alloc_fail);
	if (B.sent + DP_BURST >= limit)
		fprintf(stderr, "relay: ran out of pre-encrypted packets (%llu sent)\n",
			(unsigned long long)(B.sent - sent0));
	return (double)got * (double)hz / (double)(now - t0);
}

/* Crypto only, on the worker lcore: the same flows, keys and streams. The
 * flows are looked up before the timed loop (an array read in order per
 * packet), so the rate is the engine's alone; until 2026-12-01 it looked each
 * packet's flow up in the table inside the loop, which charged the table's
 * misses to the engine. */
struct crypto_arg {
	double pps;
	uint64_t start;
	uint64_t end;
	struct dp_flow **flows;   /* B.active flows, by index */
};

static int crypto_main(void *arg)
{
	struct crypto_arg *ca = arg;
	struct xs_srtp_engine *eng = B.ctx.worker[0]->eng;
	static struct xs_srtp_op ops[DP_BURST];
	static struct xs_srtp_xform xf[DP_BURST][2];
	static uint8_t bufs[DP_BURST][256];
	uint64_t hz = rte_get_tsc_hz(), t0, t_end, n = 0, ok = 0, i = ca->start;
	uint64_t limit = (uint64_t)(B.nt - B.round0) * B.active;
	unsigned bad[XS_SRTP_STATUS_COUNT] = { 0 };

	urcu_qsbr_register_thread();
	t0 = rte_rdtsc();
	t_end = t0 + (uint64_t)(B.seconds * (double)hz);
	while (rte_rdtsc() < t_end && i + DP_BURST < limit) {
		for (unsigned k = 0; k < DP_BURST; k++, i++) {
			unsigned f = (unsigned)(i % B.active), r = B.round0 + (unsigned)(i / B.active);
			struct dp_flow *fl = ca->flows[f];

			memcpy(bufs[k], B.t[r].frame + 42, PAY_LEN);
			xf[k][0] = (struct xs_srtp_xform){ fl->ks[0]->keys, &fl->st.stream[0] };
			xf[k][1] = (struct xs_srtp_xform){ fl->ks[1]->keys, &fl->st.stream[1] };
			ops[k] = (struct xs_srtp_op){ .pkt = bufs[k], .len = PAY_LEN, .room = 256,
						      .in = &xf[k][0], .out = &xf[k][1] };
		}
		ok += xs_srtp_burst(eng, ops, DP_BURST);
		for (unsigned k = 0; k < DP_BURST; k++)
			bad[ops[k].status]++;
		n += DP_BURST;
		urcu_qsbr_quiescent_state();
	}
	ca->pps = (double)ok * (double)hz / (double)(rte_rdtsc() - t0);
	if (ok != n)
		for (unsigned k = 1; k < XS_SRTP_STATUS_COUNT; k++)
			if (bad[k])
				fprintf(stderr, "relay: crypto-only: %u of %llu failed: %s\n", bad[k],
					(unsigned long long)n, xs_srtp_status_name(k));
	ca->end = i;
	urcu_qsbr_unregister_thread();
	return 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static uint64_t cnt_sum(enum dp_cnt c)
{
	uint64_t s = 0;
	for (unsigned i = 0; i < B.ctx.n_workers; i++)
		s += B.ctx.worker[i]->cnt[c];
	return s;
}

static int phase(unsigned nflows, double *relay, double *cr, double *med, double *p999,
		 double *lat_rate, double *capacity)
{
	struct crypto_arg ca = { 0 };
	uint64_t drops0 = cnt_sum(DP_CNT_drop_flow) + cnt_sum(DP_CNT_drop_no_route);
	unsigned lc = B.ctx.worker[0]->lcore;

	struct dp_worker *w = B.ctx.worker[0];
	uint64_t p0, e0, b0, r0;
	double busy_s;

	B.active = nflows;
	B.sent = 0;
	if (dp_app_start(&B.ctx))
		return -1;
	rte_delay_us_block(10000);
	p0 = w->polls;
	e0 = w->empty_polls;
	b0 = w->busy_tsc;
	r0 = w->cnt[DP_CNT_relayed];
	*relay = run(0, false);
	busy_s = (double)(w->busy_tsc - b0) / (double)rte_get_tsc_hz();
	*capacity = (double)(w->cnt[DP_CNT_relayed] - r0) / busy_s;
	printf("  %u flows, full-speed run: worker busy %.2f s of %.2f s; found its RX ring empty in %.1f%% of %llu polls\n",
	       nflows, busy_s, B.seconds, 100.0 * (double)(w->empty_polls - e0) / (double)(w->polls - p0 + !(w->polls - p0)),
	       (unsigned long long)(w->polls - p0));
	*lat_rate = *relay / 2;
	run(*lat_rate, true);
	dp_app_stop(&B.ctx);
	qsort(B.lat, B.nlat, sizeof(double), cmp_d);
	*med = B.nlat ? B.lat[B.nlat / 2] : 0;
	*p999 = B.nlat ? B.lat[(size_t)((double)B.nlat * 0.999)] : 0;
	ca.start = B.sent + DP_BURST; /* sequence numbers the streams have not seen */
	ca.flows = malloc(sizeof(*ca.flows) * nflows);
	if (!ca.flows)
		return -1;
	urcu_qsbr_thread_online();
	for (unsigned f = 0; f < nflows; f++) {
		struct xs_dp_addr key = { .family = XS_DP_AF_INET };
		flow_addr(f, key.addr, &key.port);
		ca.flows[f] = dp_table_lookup(B.ctx.table, &key, NULL);
	}
	urcu_qsbr_thread_offline(); /* no flow changes until the next phase */
	rte_eal_remote_launch(crypto_main, &ca, lc);
	rte_eal_wait_lcore(lc);
	free(ca.flows);
	*cr = ca.pps;
	/* The next phase starts past every sequence number used here. */
	B.round0 += (unsigned)(ca.end / B.active) + 2;
	if (cnt_sum(DP_CNT_drop_flow) + cnt_sum(DP_CNT_drop_no_route) != drops0)
		fprintf(stderr, "relay: %llu packets dropped by flows during the run\n",
			(unsigned long long)(cnt_sum(DP_CNT_drop_flow) +
					     cnt_sum(DP_CNT_drop_no_route) - drops0));
	return 0;
}

/* -------------------------------------------------------------- setup */

static int eal(void)
{
	char fp[64], *argv[16];
	int argc = 0;

	snprintf(fp, sizeof(fp), "--file-prefix=xsbench%d", getpid());
	argv[argc++] = "xsrelay-bench";
	if (HP.want) {
		if (hp_setup(HP.want))
			return -1;
		argv[argc++] = "--in-memory";
		argv[argc++] = "--huge-dir";
		argv[argc++] = HP.dir;
	} else {
		argv[argc++] = "--no-huge";
		argv[argc++] = "--no-shconf";
		argv[argc++] = "-m";
		argv[argc++] = "1024";
	}
	argv[argc++] = "-l";
	argv[argc++] = "0-1";
	argv[argc++] = "--no-pci";
	argv[argc++] = "--no-telemetry";
	argv[argc++] = "--log-level=*:warning";
	argv[argc++] = fp;
	argv[argc] = NULL;
	return rte_eal_init(argc, argv);
}

static int setup(void)
{
	static const struct rte_mbuf_dynfield df = { .name = "xsbench_stamp",
						     .size = sizeof(uint64_t),
						     .align = __alignof__(uint64_t) };
	struct dp_conf c;
	char spec[64];

	B.rx = rte_ring_create("bench_rx", 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	B.tx = rte_ring_create("bench_tx", 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!B.rx || !B.tx || rte_eth_from_rings("net_ring_bench", &B.rx, 1, &B.tx, 1, 0) != 0)
		return -1;
	B.stamp_off = rte_mbuf_dynfield_register(&df);
	B.pool = rte_pktmbuf_pool_create("bench_gen", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (B.stamp_off < 0 || !B.pool)
		return -1;
	dp_conf_defaults(&c);
	c.flows_hint = 1u << 20;
	c.mbufs = 16383;
	for (unsigned a = 1; a <= 17; a++) {
		snprintf(spec, sizeof(spec), "0:10.1.0.%u/24", a);
		dp_conf_add_local(&c, spec);
	}
	dp_conf_add_gw_mac(&c, "0:02:00:00:00:00:99");
	if (dp_app_init(&B.ctx, &c))
		return -1;
	B.lat = calloc(LAT_SAMPLES, sizeof(double));
	B.dst = calloc(1u << 20, sizeof(uint32_t));
	for (unsigned f = 0; f < (1u << 20); f++) {
		uint8_t a[4];
		uint16_t port;
		flow_addr(f, a, &port);
		B.dst[f] = (uint32_t)a[3] << 16 | port;
	}
	for (unsigned i = 0; i < 30; i++) {
		B.in_key[i] = (uint8_t)(i * 5 + 1);
		B.out_key[i] = (uint8_t)(i * 11 + 3);
	}
	urcu_qsbr_register_thread();
	urcu_qsbr_thread_offline();
	return B.lat ? 0 : -1;
}

int bench_relay_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "seconds", required_argument, NULL, 's' },
		{ "sw-csum", no_argument, NULL, 'c' },
		{ "hugepages", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned counts[3] = { 1000, 100000, 1000000 }, nc = 3;
	double relay[3], cr[3], med[3], p999[3], lrate[3], cap[3], bytes_per_flow = 0;
	char rundir[PATH_MAX];
	bool quick = false;
	int o;

	B.seconds = 2.0;
	optind = 1;
	while ((o = getopt_long(argc, argv, "qs:cH:h", opts, NULL)) != -1) {
		switch (o) {
		case 'q': quick = true; break;
		case 's': B.seconds = atof(optarg); break;
		case 'c': B.sw_csum = true; break;
		case 'H': HP.want = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'h':
			printf("usage: xsrelay-bench relay [--quick] [--seconds S] [--sw-csum] [--hugepages N]\n"
			       "  --hugepages N  reserve N more 2 MB hugepages (vm.nr_hugepages), mount\n"
			       "                 hugetlbfs, run EAL and the flows on them, undo both after\n"
			       "                 (root; 1,000,000 flows take about 1,600 pages)\n");
			return 0;
		default: return 2;
		}
	}
	if (quick) {
		counts[0] = 100;
		counts[1] = 2000;
		nc = 2;
		B.seconds = 0.2;
	}
	if (eal() < 0 || setup()) {
		fprintf(stderr, "relay: setup failed (needs 2 lcores, 0 and 1%s)\n",
			HP.want ? ", and the hugepages" : "");
		hp_undo();
		return 1;
	}
	/* Enough pre-encrypted packets for 3 runs at up to 12 Mpps on the smallest count. */
	if (make_templates((unsigned)RTE_MIN(60000.0, 12e6 * B.seconds * 3 / counts[0] + 64))) {
		fprintf(stderr, "relay: pre-encryption failed\n");
		return 1;
	}
	printf("xsrelay-bench relay: worker lcore %u, engine %s, RTP 12+160 bytes, "
	       "AES_CM_128_HMAC_SHA1_80 -> AES_CM_128_HMAC_SHA1_80 (other key), "
	       "checksums %s on RX, software on TX, %.1f s per run\n",
	       B.ctx.worker[0]->lcore, xs_srtp_engine_arch(B.ctx.worker[0]->eng),
	       B.sw_csum ? "verified in software" : "marked verified (NIC offload)", B.seconds);
	if (HP.want)
		printf("memory: %u x 2 MB hugepages reserved for this run (hugetlbfs %s); flows %s\n",
		       HP.got, HP.dir, dp_flow_mem_is_default() ? "on the C heap" : "on hugepages (rte_malloc)");
	else
		printf("memory: 4 KiB pages (--no-huge); flows on the C heap\n");
	for (unsigned i = 0; i < nc; i++) {
		double m0 = heap_bytes();

		if (add_flows(counts[i]))
			return 1;
		if (i == nc - 1 && i > 0)
			bytes_per_flow = (heap_bytes() - m0) / (double)(counts[i] - counts[i - 1]);
		if (B.nt < 3 || (uint64_t)B.nt * counts[i] < 1000) {
			fprintf(stderr, "relay: too few templates\n");
			return 1;
		}
		if (phase(counts[i], &relay[i], &cr[i], &med[i], &p999[i], &lrate[i], &cap[i]))
			return 1;
	}
	printf("relay_Mpps: relayed per wall second with the RX ring kept full; busy_Mpps: relayed per\n"
	       "second the worker spent in polls that found packets (equal when the worker is saturated)\n");
	printf("%9s %11s %10s %12s %12s %12s %11s %12s\n", "flows", "relay_Mpps", "busy_Mpps",
	       "crypto_Mpps", "busy/crypto", "lat_at_Mpps", "lat_med_us", "lat_p999_us");
	for (unsigned i = 0; i < nc; i++)
		printf("%9u %11.3f %10.3f %12.3f %12.2f %12.3f %11.1f %12.1f\n", counts[i],
		       relay[i] / 1e6, cap[i] / 1e6, cr[i] / 1e6, cap[i] / cr[i], lrate[i] / 1e6,
		       med[i], p999[i]);
	printf("bytes per flow (heap, measured over the last %u flows, keys and table included): %.0f\n",
	       counts[nc - 1] - counts[nc - 2], bytes_per_flow);
	if (!quick)
		printf("targets: >= 3 Mpps at 100000 flows: %s; 1M-flow rate / 1k-flow rate = %.2f (>= 0.8: %s)\n",
		       relay[1] >= 3e6 ? "met" : "NOT met", relay[2] / relay[0],
		       relay[2] / relay[0] >= 0.8 ? "met" : "NOT met");
	if (!quick)
		printf("same on busy_Mpps: %s; %.2f\n", cap[1] >= 3e6 ? "met" : "NOT met",
		       cap[2] / cap[0]);
	dp_app_fini(&B.ctx);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(rundir); /* EAL leaves its (empty) runtime directory behind */
	hp_undo();
	return relay[0] > 0 ? 0 : 1;
}
