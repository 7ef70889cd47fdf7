/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xsrelay-bench mc: the x-sipura control-plane costs, one thread.
 *
 *   mint, no pool     RSA-512 key generation + RSA-1024 signature per certificate
 *                     (what gen_mc does, and what call set-up would pay inline)
 *   mint, from pool   the same with keys taken from a full pre-generated pool:
 *                     what the edge pays during call set-up
 *   verify            one certificate check (RSA-1024 public operation + SHA-1)
 *   handshake         caller and callee state machines, Hello to Final, both ends
 *                     in this thread (2 verifies, 2 RSA-512 wraps, 2 unwraps)
 *
 * Each figure is the median of --rounds runs; every run checks its own output
 * (certificates verify, both ends agree on the keys) or the benchmark fails.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "xsipura_hs.h"
#include "xsipura_keypool.h"
#include "xsipura_mint.h"

struct mc_opts {
	unsigned rounds, certs, handshakes;
	bool json;
};

static struct xsp_ca *ca;
static uint8_t expiry[XSP_EXPIRY_LEN];

static bool mint_n(struct xsp_keypool *pool, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct xsp_mc mc;
		struct xsp_subkey *key = NULL;
		if (xsp_mint(ca, pool, "Bench User", "14085551234", expiry, &mc, &key))
			return false;
		bool ok = i != 0 || xsp_mc_verify(&mc, ca) == XSP_OK;
		xsp_subkey_free(key);
		if (!ok)
			return false;
	}
	return true;
}

static double run_mint(bool pooled, unsigned n)
{
	struct xsp_keypool *pool = NULL;
	if (pooled) {
		if (xsp_keypool_create(n, &pool))
			return -1;
		xsp_keypool_wait_full(pool);
	}
	uint64_t t0 = bench_now_ns();
	bool ok = mint_n(pool, n);
	uint64_t dt = bench_now_ns() - t0;
	if (pool) {
		struct xsp_keypool_stats st;
		xsp_keypool_stats(pool, &st);
		ok = ok && st.misses == 0; /* every key came from the pool */
		xsp_keypool_free(pool);
	}
	return ok ? n / (dt / 1e9) : -1;
}

static double run_verify(unsigned n)
{
	struct xsp_mc mc;
	struct xsp_subkey *key = NULL;
	if (xsp_mint(ca, NULL, "Bench User", "14085551234", expiry, &mc, &key))
		return -1;
	xsp_subkey_free(key);
	uint64_t t0 = bench_now_ns();
	for (unsigned i = 0; i < n; i++)
		if (xsp_mc_check(&mc, ca, XSP_CLOCK_UTC, 1800000000))
			return -1;
	return n / ((bench_now_ns() - t0) / 1e9);
}

static bool one_handshake(const struct xsp_mc *cmc, struct xsp_subkey *ckey,
			  const struct xsp_mc *emc, struct xsp_subkey *ekey)
{
	struct xsp_hs caller, callee;
	struct xsp_hs_config cc = { .role = XSP_ROLE_CALLER, .ca = ca, .own_mc = cmc,
				    .own_key = ckey, .own_ssrc = 1,
				    .dialled_user_id = "14085551234" };
	struct xsp_hs_config ec = { .role = XSP_ROLE_CALLEE, .ca = ca, .own_mc = emc,
				    .own_key = ekey, .own_ssrc = 2 };
	char b1[XSP_BODY_MAX_LEN], b2[XSP_BODY_MAX_LEN], b3[XSP_BODY_MAX_LEN];
	size_t l1, l2, l3;
	struct xsp_hs_keys kc, ke;
	xsp_assumptions_default(&cc.assumptions);
	xsp_assumptions_default(&ec.assumptions);
	bool ok = !xsp_hs_init(&caller, &cc) && !xsp_hs_init(&callee, &ec) &&
		  !xsp_hs_caller_hello(&caller, b1, sizeof(b1), &l1) &&
		  !xsp_hs_callee_on_caller_hello(&callee, b1, l1, 1800000000, b2, sizeof(b2), &l2) &&
		  !xsp_hs_caller_on_callee_hello(&caller, b2, l2, 1800000000) &&
		  !xsp_hs_caller_final(&caller, b3, sizeof(b3), &l3) &&
		  !xsp_hs_callee_on_caller_final(&callee, b3, l3) &&
		  !xsp_hs_caller_on_callee_final(&caller, "", 0) && !xsp_hs_keys(&caller, &kc) &&
		  !xsp_hs_keys(&callee, &ke) && !memcmp(kc.master_key, ke.master_key, 16) &&
		  !memcmp(kc.master_salt, ke.master_salt, 16);
	xsp_hs_clear(&caller);
	xsp_hs_clear(&callee);
	return ok;
}

static double run_handshakes(unsigned n)
{
	struct xsp_mc cmc, emc;
	struct xsp_subkey *ckey = NULL, *ekey = NULL;
	double r = -1;
	if (xsp_mint(ca, NULL, "SPA", "2001", expiry, &cmc, &ckey) ||
	    xsp_mint(ca, NULL, "Edge", "14085551234", expiry, &emc, &ekey))
		goto out;
	uint64_t t0 = bench_now_ns();
	for (unsigned i = 0; i < n; i++)
		if (!one_handshake(&cmc, ckey, &emc, ekey))
			goto out;
	r = n / ((bench_now_ns() - t0) / 1e9);
out:
	xsp_subkey_free(ckey);
	xsp_subkey_free(ekey);
	return r;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xsrelay-bench mc [OPTIONS]\n"
		"  x-sipura certificates minted per second (with and without the key pool),\n"
		"  certificate checks per second and handshakes per second, one thread.\n"
		"  --rounds N       repetitions; medians are reported (default 5)\n"
		"  --certs N        certificates per run (default 300)\n"
		"  --handshakes N   handshakes per run (default 1000)\n"
		"  --json           one JSON object instead of the table\n"
		"  --quick          a short smoke run (the test suite uses it)\n");
}

int bench_mc_main(int argc, char **argv)
{
	struct mc_opts o = { .rounds = 5, .certs = 300, .handshakes = 1000 };
	static const struct option lo[] = { { "rounds", 1, 0, 'r' }, { "certs", 1, 0, 'c' },
					    { "handshakes", 1, 0, 'n' }, { "json", 0, 0, 'j' },
					    { "quick", 0, 0, 'q' },    { "help", 0, 0, 'h' },
					    { 0, 0, 0, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'r': o.rounds = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'c': o.certs = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'n': o.handshakes = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'j': o.json = true; break;
		case 'q': o.rounds = 1; o.certs = 20; o.handshakes = 20; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (o.rounds == 0 || o.rounds > 64 || o.certs == 0 || o.certs > 65536 ||
	    o.handshakes == 0) {
		fprintf(stderr, "xsrelay-bench mc: rounds 1..64, certs 1..65536, handshakes >= 1\n");
		return 2;
	}
	if (xsp_ca_generate(&ca) || xsp_expiry_parse("00:00:00 1/1/34", expiry)) {
		fprintf(stderr, "xsrelay-bench mc: could not make a CA key\n");
		return 1;
	}
	static const char *const names[] = { "mint, no pool", "mint, from pool", "verify",
					     "handshake" };
	double runs[4][64], med[4];
	for (unsigned r = 0; r < o.rounds; r++) {
		runs[0][r] = run_mint(false, o.certs);
		runs[1][r] = run_mint(true, o.certs);
		runs[2][r] = run_verify(o.handshakes * 4);
		runs[3][r] = run_handshakes(o.handshakes);
		for (int i = 0; i < 4; i++)
			if (runs[i][r] < 0) {
				fprintf(stderr, "xsrelay-bench mc: %s: a result did not check out\n",
					names[i]);
				xsp_ca_free(ca);
				return 1;
			}
	}
	for (int i = 0; i < 4; i++)
		med[i] = bench_median(runs[i], o.rounds);
	if (o.json) {
		printf("{\"rounds\":%u,\"certs\":%u,\"handshakes\":%u,\"mint_nopool_per_s\":%.0f,"
		       "\"mint_pool_per_s\":%.0f,\"verify_per_s\":%.0f,\"handshake_per_s\":%.0f}\n",
		       o.rounds, o.certs, o.handshakes, med[0], med[1], med[2], med[3]);
	} else {
		printf("xsrelay-bench mc: one thread, median of %u runs (%u certificates, %u "
		       "handshakes per run)\n",
		       o.rounds, o.certs, o.handshakes);
		printf("  %-18s %12s\n", "operation", "per second");
		for (int i = 0; i < 4; i++)
			printf("  %-18s %12.0f\n", names[i], med[i]);
		printf("  pool speed-up on minting: %.1fx\n", med[1] / med[0]);
	}
	xsp_ca_free(ca);
	return 0;
}
