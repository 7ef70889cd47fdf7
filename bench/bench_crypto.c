/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xsrelay-bench crypto: SRTP re-encryption (unprotect under the input key,
 * protect under the output key) on one core, for the engine, libsrtp2 and a
 * per-packet OpenSSL implementation, over the same packets.
 *
 * Method. For each payload size, packets for every session and round are made
 * once by libsrtp2 (the reference) under the sessions' input keys. Each
 * implementation then gets fresh state and re-encrypts all of them, a burst at a
 * time, sessions interleaved so a burst of 32 holds 32 sessions. Before each
 * burst its packets are copied from the store into a small hot buffer (as a NIC
 * would leave them in cache); only the re-encryption call is timed, identically
 * for all three. After each run the last burst is checked: every packet must
 * decrypt under the output key with libsrtp2 to the original payload, or the
 * benchmark fails. The whole is repeated and medians are reported.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <srtp2/srtp.h>

#include "baselines.h"
#include "bench.h"

#define MAX_SIZES 8
#define N_IMPLS 3

struct opts {
	unsigned sessions, burst, rounds, packets, cpu;
	double seconds; /* timed crypto per run at most: a slow implementation stops early */
	unsigned sizes[MAX_SIZES], n_sizes;
	enum xs_srtp_suite suite;
	bool json, quick, cpu_set;
};

/* ------------------------------------------------------------ the engine */

struct eng_ctx {
	unsigned n;
	struct xs_srtp_engine *eng;
	struct xs_srtp_keys **ka, **kb;
	struct xs_srtp_stream *rx, *tx;
	struct xs_srtp_xform *xin, *xout;
	struct xs_srtp_op ops[XS_SRTP_MAX_BURST];
};

static void eng_teardown(void *v)
{
	struct eng_ctx *c = v;
	for (unsigned i = 0; i < c->n; i++) {
		xs_srtp_keys_free(c->ka ? c->ka[i] : NULL);
		xs_srtp_keys_free(c->kb ? c->kb[i] : NULL);
	}
	free(c->ka);
	free(c->kb);
	free(c->rx);
	free(c->tx);
	free(c->xin);
	free(c->xout);
	xs_srtp_engine_free(c->eng);
	free(c);
}

static int eng_keys(enum xs_srtp_suite suite, const uint8_t *keysalt, struct xs_srtp_keys **k)
{
	struct xs_srtp_policy pol;
	unsigned kl = xs_srtp_suite_key_len(suite);
	int rc;

	memset(&pol, 0, sizeof(pol));
	pol.suite = suite;
	pol.key_len = (uint8_t)kl;
	pol.salt_len = 14;
	memcpy(pol.master_key, keysalt, kl);
	memcpy(pol.master_salt, keysalt + kl, 14);
	rc = xs_srtp_keys_create(&pol, k);
	memset(&pol, 0, sizeof(pol));
	return rc;
}

static void *eng_setup(enum xs_srtp_suite suite, unsigned n, const uint8_t (*ka)[BENCH_KEYSALT],
		       const uint8_t (*kb)[BENCH_KEYSALT], uint32_t ssrc_base)
{
	struct eng_ctx *c = calloc(1, sizeof(*c));

	(void)ssrc_base;
	if (!c)
		return NULL;
	c->n = n;
	c->eng = xs_srtp_engine_create();
	c->ka = calloc(n, sizeof(*c->ka));
	c->kb = calloc(n, sizeof(*c->kb));
	c->rx = calloc(n, sizeof(*c->rx));
	c->tx = calloc(n, sizeof(*c->tx));
	c->xin = calloc(n, sizeof(*c->xin));
	c->xout = calloc(n, sizeof(*c->xout));
	if (!c->eng || !c->ka || !c->kb || !c->rx || !c->tx || !c->xin || !c->xout)
		goto fail;
	for (unsigned i = 0; i < n; i++) {
		if (eng_keys(suite, ka[i], &c->ka[i]) || eng_keys(suite, kb[i], &c->kb[i]))
			goto fail;
		xs_srtp_stream_init(&c->rx[i], 0);
		xs_srtp_stream_init(&c->tx[i], 0);
		c->xin[i] = (struct xs_srtp_xform){ c->ka[i], &c->rx[i] };
		c->xout[i] = (struct xs_srtp_xform){ c->kb[i], &c->tx[i] };
	}
	return c;
fail:
	eng_teardown(c);
	return NULL;
}

static unsigned eng_reencrypt(void *v, uint8_t **pkts, uint32_t *lens, const uint32_t *sess,
			      unsigned n)
{
	struct eng_ctx *c = v;
	unsigned ok;

	for (unsigned k = 0; k < n; k++)
		c->ops[k] = (struct xs_srtp_op){ .pkt = pkts[k], .len = lens[k], .room = lens[k] + 64,
						 .in = &c->xin[sess[k]], .out = &c->xout[sess[k]] };
	ok = xs_srtp_burst(c->eng, c->ops, n);
	for (unsigned k = 0; k < n; k++)
		lens[k] = c->ops[k].len;
	return ok;
}

const struct bench_impl bench_impl_engine = {
	.name = "engine",
	.setup = eng_setup,
	.reencrypt = eng_reencrypt,
	.teardown = eng_teardown,
};

static const struct bench_impl *const impls[N_IMPLS] = {
	&bench_impl_engine, &bench_impl_libsrtp, &bench_impl_openssl,
};

/* ------------------------------------------------------------ packets */

#define SSRC_BASE 0x5a000000u

struct store {
	unsigned n, slot, payload, first_round;
	uint8_t *buf;
	uint32_t *len, *sess;
};

static uint8_t pattern(uint32_t s, uint32_t r, unsigned i)
{
	return (uint8_t)(s * 7 + r * 13 + i);
}

static void make_plain(uint8_t *p, uint32_t s, uint32_t r, unsigned payload)
{
	uint32_t ssrc = SSRC_BASE + s, ts = r * 160;

	p[0] = 0x80;
	p[1] = 0; /* PCMU */
	p[2] = (uint8_t)(r >> 8);
	p[3] = (uint8_t)r;
	for (int i = 0; i < 4; i++) {
		p[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
		p[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	}
	for (unsigned i = 0; i < payload; i++)
		p[12 + i] = pattern(s, r, i);
}

static srtp_t lib_session(enum xs_srtp_suite suite, const uint8_t *keysalt, uint32_t ssrc)
{
	srtp_policy_t p;
	srtp_t s;

	memset(&p, 0, sizeof(p));
	switch (suite) {
	case XS_SUITE_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
		break;
	case XS_SUITE_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
		break;
	case XS_SUITE_AES_256_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p.rtp);
		break;
	default:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&p.rtp);
		break;
	}
	p.rtcp = p.rtp;
	p.ssrc.type = ssrc_specific;
	p.ssrc.value = ssrc;
	p.key = (unsigned char *)keysalt;
	p.window_size = 128;
	return srtp_create(&s, &p) == srtp_err_status_ok ? s : NULL;
}

/* The packet generator: the sessions' input keys and send state, kept across
 * runs so that every run continues the streams with fresh sequence numbers. */
struct generator {
	struct xs_srtp_engine *eng;
	struct xs_srtp_keys **keys;
	struct xs_srtp_stream *tx;
	unsigned next_round;
};

static int gen_init(struct generator *g, const struct opts *o, const uint8_t (*ka)[BENCH_KEYSALT])
{
	g->eng = xs_srtp_engine_create();
	g->keys = calloc(o->sessions, sizeof(*g->keys));
	g->tx = calloc(o->sessions, sizeof(*g->tx));
	if (!g->eng || !g->keys || !g->tx)
		return -ENOMEM;
	for (unsigned s = 0; s < o->sessions; s++) {
		if (eng_keys(o->suite, ka[s], &g->keys[s]))
			return -EIO;
		xs_srtp_stream_init(&g->tx[s], 0);
	}
	return 0;
}

/* Packets for the next rounds of every session, sessions interleaved, protected
 * under the input keys by the engine (test_srtp_libsrtp proves its output
 * byte-identical to libsrtp2's; libsrtp2 on NSS would take minutes here). */
static int store_fill(struct store *st, struct generator *g, const struct opts *o,
		      unsigned payload)
{
	unsigned rounds = (o->packets + o->sessions - 1) / o->sessions;

	st->payload = payload;
	st->first_round = g->next_round;
	st->n = rounds * o->sessions;
	st->slot = (12 + payload + 64 + 63) & ~63u;
	st->buf = malloc((size_t)st->n * st->slot);
	st->len = malloc(st->n * sizeof(*st->len));
	st->sess = malloc(st->n * sizeof(*st->sess));
	if (!st->buf || !st->len || !st->sess)
		return -ENOMEM;
	if (g->next_round + rounds > 65535)
		return -ERANGE;
	for (unsigned i = 0; i < st->n; i++) {
		uint32_t s = i % o->sessions, r = st->first_round + i / o->sessions;
		uint8_t *p = st->buf + (size_t)i * st->slot;
		struct xs_srtp_xform x = { g->keys[s], &g->tx[s] };
		struct xs_srtp_op op = { .pkt = p, .len = 12 + payload, .room = st->slot, .out = &x };
		make_plain(p, s, r, payload);
		if (xs_srtp_burst(g->eng, &op, 1) != 1)
			return -EIO;
		st->len[i] = op.len;
		st->sess[i] = s;
	}
	g->next_round += rounds;
	return 0;
}

static void store_free(struct store *st)
{
	free(st->buf);
	free(st->len);
	free(st->sess);
}

/* Each packet of a burst must decrypt under the session's output key (a fresh
 * libsrtp2 receiver per packet) to the payload it was made with. */
static bool verify_burst(const struct opts *o, const struct store *st,
			 const uint8_t (*kb)[BENCH_KEYSALT], uint8_t **pkts, const uint32_t *lens,
			 const uint32_t *idx, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		uint32_t s = idx[k] % o->sessions, r = st->first_round + idx[k] / o->sessions;
		uint8_t buf[2048], want[2048];
		int len = (int)lens[k];
		srtp_t rx = lib_session(o->suite, kb[s], SSRC_BASE + s);
		bool good;

		if (!rx || len > (int)sizeof(buf))
			return false;
		memcpy(buf, pkts[k], (size_t)len);
		srtp_set_stream_roc(rx, SSRC_BASE + s, 0);
		good = srtp_unprotect(rx, buf, &len) == srtp_err_status_ok;
		srtp_dealloc(rx);
		make_plain(want, s, r, (unsigned)(len - 12 > 0 ? len - 12 : 0));
		if (!good || len < 12 || memcmp(buf, want, (size_t)len))
			return false;
	}
	return true;
}

/* One timed run of one implementation over the whole store. Returns packets per
 * second, or a negative value when any packet failed. */
static double run_once(const struct bench_impl *impl, void *ctx, const struct opts *o,
		       const struct store *st, const uint8_t (*kb)[BENCH_KEYSALT])
{
	static uint8_t hot[XS_SRTP_MAX_BURST][2048];
	uint8_t *pkts[XS_SRTP_MAX_BURST];
	uint32_t lens[XS_SRTP_MAX_BURST], sess[XS_SRTP_MAX_BURST], idx[XS_SRTP_MAX_BURST];
	uint64_t ns = 0, ok = 0;
	unsigned n = 0;

	unsigned done = 0;

	for (unsigned i = 0; i < st->n && ns < (uint64_t)(o->seconds * 1e9); i += n) {
		n = st->n - i < o->burst ? st->n - i : o->burst;
		done = i + n;
		for (unsigned k = 0; k < n; k++) {
			memcpy(hot[k], st->buf + (size_t)(i + k) * st->slot, st->len[i + k]);
			pkts[k] = hot[k];
			lens[k] = st->len[i + k];
			sess[k] = st->sess[i + k];
			idx[k] = i + k;
		}
		uint64_t t0 = bench_now_ns();
		ok += impl->reencrypt(ctx, pkts, lens, sess, n);
		ns += bench_now_ns() - t0;
	}
	if (ok != done) {
		fprintf(stderr, "xsrelay-bench crypto: %s: %llu of %u packets failed\n", impl->name,
			(unsigned long long)(done - ok), done);
		return -1;
	}
	if (!verify_burst(o, st, kb, pkts, lens, idx, n)) {
		fprintf(stderr, "xsrelay-bench crypto: %s: output does not decrypt under the "
				"output key\n", impl->name);
		return -1;
	}
	return (double)ok * 1e9 / (double)ns;
}

/* ------------------------------------------------------------ options, report */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xsrelay-bench crypto [OPTIONS]\n"
		"  --sessions N   distinct sessions (default 10000)\n"
		"  --burst N      packets per burst, at most %d (default 32)\n"
		"  --rounds N     repetitions; medians are reported (default 5)\n"
		"  --packets N    packets per measurement (default 320000)\n"
		"  --seconds S    timed crypto per run at most (default 2); an implementation\n"
		"                 too slow to finish is measured on the packets it reached\n"
		"  --sizes A,B,.. RTP payload bytes (default 20,160,1200)\n"
		"  --suite NAME   AES_CM_128_HMAC_SHA1_80 (default), _32, AES_256_CM_HMAC_SHA1_80/_32\n"
		"  --cpu N        pin to this CPU (default: the one it starts on)\n"
		"  --json         one JSON object instead of the table\n"
		"  --quick        a short smoke run (the test suite uses it)\n",
		XS_SRTP_MAX_BURST);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "sessions", 1, 0, 's' }, { "burst", 1, 0, 'b' }, { "rounds", 1, 0, 'r' },
		{ "packets", 1, 0, 'p' },  { "sizes", 1, 0, 'z' }, { "suite", 1, 0, 'u' },
		{ "cpu", 1, 0, 'c' },      { "json", 0, 0, 'j' },  { "quick", 0, 0, 'q' },
		{ "seconds", 1, 0, 't' },  { "help", 0, 0, 'h' },     { 0, 0, 0, 0 },
	};
	int c, suite;

	*o = (struct opts){ .sessions = 10000, .burst = 32, .rounds = 5, .packets = 320000,
			    .sizes = { 20, 160, 1200 }, .n_sizes = 3,
			    .suite = XS_SUITE_AES_CM_128_HMAC_SHA1_80, .seconds = 2.0 };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's': o->sessions = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'b': o->burst = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': o->rounds = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'p': o->packets = (unsigned)strtoul(optarg, NULL, 10); break;
		case 't': o->seconds = strtod(optarg, NULL); break;
		case 'c': o->cpu = (unsigned)strtoul(optarg, NULL, 10); o->cpu_set = true; break;
		case 'j': o->json = true; break;
		case 'q': o->quick = true; break;
		case 'u':
			suite = xs_srtp_suite_from_name(optarg);
			if (suite < XS_SUITE_AES_CM_128_HMAC_SHA1_80 ||
			    suite > XS_SUITE_AES_256_CM_HMAC_SHA1_32) {
				fprintf(stderr, "xsrelay-bench crypto: suite '%s' not benchmarked\n",
					optarg);
				return -1;
			}
			o->suite = (enum xs_srtp_suite)suite;
			break;
		case 'z': {
			char *s = optarg, *end;
			o->n_sizes = 0;
			while (*s && o->n_sizes < MAX_SIZES) {
				unsigned long v = strtoul(s, &end, 10);
				if (end == s || v > 1400)
					return -1;
				o->sizes[o->n_sizes++] = (unsigned)v;
				s = *end == ',' ? end + 1 : end;
			}
			break;
		}
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	if (o->quick) {
		o->sessions = 256;
		o->rounds = 1;
		o->packets = 4096;
		o->sizes[0] = 160;
		o->n_sizes = 1;
	}
	if (!o->sessions || !o->burst || o->burst > XS_SRTP_MAX_BURST || !o->rounds || !o->n_sizes ||
	    !(o->seconds > 0))
		return -1;
	return 0;
}

static int pin_cpu(struct opts *o)
{
	cpu_set_t set;

	if (!o->cpu_set)
		o->cpu = (unsigned)sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(o->cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

int bench_crypto_main(int argc, char **argv)
{
	double med[MAX_SIZES][N_IMPLS];
	struct opts o;
	uint8_t (*ka)[BENCH_KEYSALT], (*kb)[BENCH_KEYSALT];

	if (parse_opts(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	if (pin_cpu(&o))
		fprintf(stderr, "xsrelay-bench crypto: could not pin to CPU %u: %s\n", o.cpu,
			strerror(errno));
	if (srtp_init() != srtp_err_status_ok)
		return 1;
	ka = malloc(o.sessions * sizeof(*ka));
	kb = malloc(o.sessions * sizeof(*kb));
	if (!ka || !kb || RAND_bytes(&ka[0][0], (int)(o.sessions * sizeof(*ka))) != 1 ||
	    RAND_bytes(&kb[0][0], (int)(o.sessions * sizeof(*kb))) != 1)
		return 1;

	if (!o.json)
		printf("xsrelay-bench crypto: re-encryption (unprotect + protect), %s, one core "
		       "(cpu %u), %u sessions, bursts of %u, %u packets per run, median of %u runs\n",
		       xs_srtp_suite_name(o.suite), o.cpu, o.sessions, o.burst,
		       ((o.packets + o.sessions - 1) / o.sessions) * o.sessions, o.rounds);
	/* Sessions are set up once: libsrtp2 on NSS takes minutes to create and
	 * free 20,000 of them. Each run continues the streams with fresh packets. */
	void *ctx[N_IMPLS];
	struct generator gen = { 0 };
	if (gen_init(&gen, &o, (const uint8_t(*)[BENCH_KEYSALT])ka)) {
		fprintf(stderr, "xsrelay-bench crypto: could not set up the packet generator\n");
		return 1;
	}
	for (unsigned m = 0; m < N_IMPLS; m++) {
		ctx[m] = impls[m]->setup(o.suite, o.sessions, (const uint8_t(*)[BENCH_KEYSALT])ka,
					 (const uint8_t(*)[BENCH_KEYSALT])kb, SSRC_BASE);
		if (!ctx[m]) {
			fprintf(stderr, "xsrelay-bench crypto: %s: set-up failed\n", impls[m]->name);
			return 1;
		}
	}
	for (unsigned z = 0; z < o.n_sizes; z++) {
		double runs[N_IMPLS][64];
		for (unsigned r = 0; r < o.rounds && r < 64; r++) {
			struct store st;
			if (store_fill(&st, &gen, &o, o.sizes[z])) {
				fprintf(stderr, "xsrelay-bench crypto: could not make the packets\n");
				return 1;
			}
			for (unsigned m = 0; m < N_IMPLS; m++) {
				runs[m][r] = run_once(impls[m], ctx[m], &o, &st,
						      (const uint8_t(*)[BENCH_KEYSALT])kb);
				if (runs[m][r] < 0)
					return 1;
			}
			store_free(&st);
		}
		for (unsigned m = 0; m < N_IMPLS; m++)
			med[z][m] = bench_median(runs[m], o.rounds < 64 ? o.rounds : 64);
	}
	/* The sessions are not torn down: the process ends here, and freeing 20,000
	 * libsrtp2/NSS sessions one by one takes minutes. */
	OPENSSL_cleanse(ka, o.sessions * sizeof(*ka));
	OPENSSL_cleanse(kb, o.sessions * sizeof(*kb));
	free(ka);
	free(kb);

	if (o.json) {
		printf("{\"suite\":\"%s\",\"sessions\":%u,\"burst\":%u,\"runs\":%u,\"results\":[",
		       xs_srtp_suite_name(o.suite), o.sessions, o.burst, o.rounds);
		for (unsigned z = 0; z < o.n_sizes; z++)
			printf("%s{\"payload\":%u,\"engine_pps\":%.0f,\"libsrtp2_pps\":%.0f,"
			       "\"openssl_pps\":%.0f,\"engine_over_libsrtp2\":%.2f,"
			       "\"engine_over_openssl\":%.2f}",
			       z ? "," : "", o.sizes[z], med[z][0], med[z][1], med[z][2],
			       med[z][0] / med[z][1], med[z][0] / med[z][2]);
		printf("]}\n");
		return 0;
	}
	printf("  packet     engine Mpps  libsrtp2 Mpps  openssl Mpps  engine/libsrtp2  engine/openssl\n");
	for (unsigned z = 0; z < o.n_sizes; z++)
		printf("  12+%-5u  %11.3f  %13.3f  %12.3f  %15.1f  %14.2f\n", o.sizes[z],
		       med[z][0] / 1e6, med[z][1] / 1e6, med[z][2] / 1e6, med[z][0] / med[z][1],
		       med[z][0] / med[z][2]);
	for (unsigned z = 0; z < o.n_sizes; z++)
		if (o.sizes[z] == 160 && !o.quick)
			printf("targets (12+160): engine >= 4 Mpps: %s (%.2f); engine >= 3x openssl: "
			       "%s (%.2fx)\n",
			       med[z][0] >= 4e6 ? "met" : "NOT met", med[z][0] / 1e6,
			       med[z][0] >= 3 * med[z][2] ? "met" : "NOT met", med[z][0] / med[z][2]);
	return 0;
}
