/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xsrelay-dp: EAL arguments, then its own after "--". This file only parses
 * arguments and launches (dp_app.c does the work); only main() exits.
 * Memory: hugepages when the host has free ones (flows then live there too,
 * see dp_flow.h); with none, and no memory option given, --no-huge is added.
 */
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

#include "dp_app.h"

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xsrelay-dp [EAL options] -- [options]\n"
		"  -s, --ctl PATH          control socket (SOCK_SEQPACKET), required\n"
		"  -u, --allow-uid UID     uid allowed on the control socket (repeat; default: own uid)\n"
		"  -m, --ctl-mode MODE     socket file mode, octal, at most 0660 (default 0660)\n"
		"  -a, --addr P:IP/LEN[@VLAN]  relay address on port P (repeat; IPv4 or IPv6)\n"
		"  -g, --gateway P:IP      gateway on port P (one per family)\n"
		"  -G, --gateway-mac P:MAC static MAC for off-link destinations on port P\n"
		"  -f, --flows N           flows to size the table for (default 4096)\n"
		"  -n, --mbufs N           mbufs in the pool (default 16383)\n"
		"  -d, --drain-us N        TX drain period in microseconds (default 100)\n"
		"  -i, --idle-sleep-us N   sleep N us when idle (default 0: pure polling)\n"
		"  -h, --help\n");
}

static int parse_uint(const char *s, unsigned long max, unsigned long *v, int base)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, base);
	return errno || *end || end == s || *v > max ? -EINVAL : 0;
}

static int parse_args(int argc, char **argv, struct dp_conf *c)
{
	static const struct option opts[] = {
		{ "ctl", required_argument, NULL, 's' },
		{ "allow-uid", required_argument, NULL, 'u' },
		{ "ctl-mode", required_argument, NULL, 'm' },
		{ "addr", required_argument, NULL, 'a' },
		{ "gateway", required_argument, NULL, 'g' },
		{ "gateway-mac", required_argument, NULL, 'G' },
		{ "flows", required_argument, NULL, 'f' },
		{ "mbufs", required_argument, NULL, 'n' },
		{ "drain-us", required_argument, NULL, 'd' },
		{ "idle-sleep-us", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int o, rc = 0;

	optind = 1;
	while ((o = getopt_long(argc, argv, "s:u:m:a:g:G:f:n:d:i:h", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			if (strlen(optarg) >= sizeof(c->ctl_path))
				return -ENAMETOOLONG;
			strcpy(c->ctl_path, optarg);
			break;
		case 'u':
			if (c->n_uid == DP_MAX_UIDS || parse_uint(optarg, 0xfffffffe, &v, 10))
				return -EINVAL;
			c->allow_uid[c->n_uid++] = (uid_t)v;
			break;
		case 'm':
			if (parse_uint(optarg, 0660, &v, 8) || (v & 0007))
				return -EINVAL;
			c->ctl_mode = (unsigned)v;
			break;
		case 'a': rc = dp_conf_add_local(c, optarg); break;
		case 'g': rc = dp_conf_add_gw(c, optarg); break;
		case 'G': rc = dp_conf_add_gw_mac(c, optarg); break;
		case 'f':
			rc = parse_uint(optarg, 1ul << 26, &v, 10);
			c->flows_hint = v;
			break;
		case 'n':
			rc = parse_uint(optarg, 1ul << 24, &v, 10);
			c->mbufs = (unsigned)v;
			break;
		case 'd':
			rc = parse_uint(optarg, 1000000, &v, 10);
			c->drain_us = (unsigned)v;
			break;
		case 'i':
			rc = parse_uint(optarg, 1000000, &v, 10);
			c->idle_sleep_us = (unsigned)v;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			return -EINVAL;
		}
		if (rc) {
			fprintf(stderr, "xsrelay-dp: bad value for -%c: %s\n", o, optarg);
			return rc;
		}
	}
	if (optind != argc || !c->ctl_path[0] || !c->n_local) {
		fprintf(stderr, "xsrelay-dp: --ctl and at least one --addr are required\n");
		return -EINVAL;
	}
	if (!c->n_uid)
		c->allow_uid[c->n_uid++] = getuid();
	return 0;
}

/* Does the host have a free hugepage of any size? */
static bool have_free_hugepages(void)
{
	glob_t g;
	bool any = false;

	if (glob("/sys/kernel/mm/hugepages/hugepages-*/free_hugepages", 0, NULL, &g))
		return false;
	for (size_t i = 0; i < g.gl_pathc && !any; i++) {
		FILE *f = fopen(g.gl_pathv[i], "r");
		unsigned long n = 0;

		if (f) {
			any = fscanf(f, "%lu", &n) == 1 && n > 0;
			fclose(f);
		}
	}
	globfree(&g);
	return any;
}

/* Hugepages when the host has them; when it has none and the EAL arguments
 * (before "--") say nothing about memory, add --no-huge -m 512. Returns the argv to
 * give EAL (argv itself, or a copy with one more entry). */
static char **eal_memory_args(int *argc, char **argv)
{
	static const char *const mem_opts[] = { "--no-huge", "--huge-dir", "--socket-mem", "-m",
						"--huge-unlink", "--legacy-mem", "--in-memory" };
	char **out;
	int i;

	for (i = 1; i < *argc && strcmp(argv[i], "--"); i++)
		for (size_t k = 0; k < sizeof(mem_opts) / sizeof(mem_opts[0]); k++)
			if (!strncmp(argv[i], mem_opts[k], strlen(mem_opts[k])))
				return argv;
	if (have_free_hugepages())
		return argv;
	/* --no-huge alone gives EAL 64 MB, less than the default mbuf pool needs. */
	out = calloc((size_t)*argc + 4, sizeof(*out));
	if (!out)
		return argv;
	out[0] = argv[0];
	out[1] = "--no-huge";
	out[2] = "-m";
	out[3] = "512";
	memcpy(out + 4, argv + 1, sizeof(*out) * (size_t)(*argc - 1));
	*argc += 3;
	fprintf(stderr, "xsrelay-dp: no free hugepages: running with --no-huge -m 512\n");
	return out;
}

int main(int argc, char **argv)
{
	static struct dp_ctx ctx;
	struct dp_conf conf;
	int n, rc;

	argv = eal_memory_args(&argc, argv);
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "xsrelay-dp: EAL initialisation failed\n");
		return 1;
	}
	dp_conf_defaults(&conf);
	rc = parse_args(argc - n, argv + n, &conf);
	if (rc) {
		if (rc < 0)
			usage(stderr);
		rte_eal_cleanup();
		return rc < 0 ? 2 : 0;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = dp_app_init(&ctx, &conf);
	if (!rc)
		rc = dp_app_start(&ctx);
	if (rc) {
		fprintf(stderr, "xsrelay-dp: start failed: %s\n", strerror(-rc));
		rte_eal_cleanup();
		return 1;
	}
	fprintf(stderr, "xsrelay-dp: %u workers, control socket %s\n", ctx.n_workers,
		conf.ctl_path);
	while (!got_signal)
		pause();
	dp_app_stop(&ctx);
	dp_app_fini(&ctx);
	rte_eal_cleanup();
	return 0;
}
