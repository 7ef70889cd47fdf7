/* SPDX-License-Identifier: BSD-3-Clause */
/* xsrelay-bench: dispatches to one subcommand per benchmark. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

struct bench_command {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *help;
};

/* One table: the dispatcher and the help text come from it. */
static const struct bench_command commands[] = {
	{ "crypto", bench_crypto_main,
	  "SRTP re-encryption packets/s: engine vs libsrtp2 vs per-packet OpenSSL" },
	{ "relay", bench_relay_main,
	  "the data plane worker over net_ring: relayed pps at 1k/100k/1M flows, latency" },
	{ "ng", bench_ng_main,
	  "xsrelayd: call set-ups/s through the ng socket with live calls, loss on live media" },
	{ "mc", bench_mc_main,
	  "x-sipura: certificates minted/s (with and without the key pool), handshakes/s" },
};

uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double bench_median(double *v, unsigned n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: xsrelay-bench COMMAND [OPTIONS]   (COMMAND --help for its options)\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "xsrelay-bench: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
