/* SPDX-License-Identifier: BSD-3-Clause */
/* xsrelay-bench subcommands: each lives in its own file and is listed once in main.c. */
#ifndef XS_BENCH_H
#define XS_BENCH_H

#include <stdint.h>

/* Each subcommand gets argv after its own name (argv[0] is the subcommand name)
 * and returns the process exit status. */
int bench_crypto_main(int argc, char **argv);
int bench_relay_main(int argc, char **argv);
int bench_mc_main(int argc, char **argv);
int bench_ng_main(int argc, char **argv);

/* Helpers shared by subcommands (main.c). */
uint64_t bench_now_ns(void);
double bench_median(double *v, unsigned n); /* sorts v */
#endif
