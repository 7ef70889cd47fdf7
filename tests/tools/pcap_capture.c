/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcap-capture: a small tcpdump -w for the end-to-end tests (the test hosts
 * have libpcap, not tcpdump).
 *
 *   pcap-capture IFACE OUT.pcap READY [FILTER...]
 *
 * Captures on IFACE (both directions, immediate delivery, a 32 MiB kernel
 * buffer) what matches the BPF FILTER (the remaining words, as tcpdump takes
 * them), writes READY once the capture is open, and on SIGTERM or SIGINT writes
 * OUT out and exits. Exit status 0, or 1 when the kernel dropped packets (the
 * capture is incomplete: media gaps measured on it would be wrong), 2 on errors.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

static volatile sig_atomic_t stop;
static pcap_t *pc;

/* pcap_breakloop() may be called from a signal handler; it also wakes a poll()
 * that immediate mode would leave blocked until the next packet. */
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
	pcap_breakloop(pc);
}

static int open_capture(const char *iface, const char *filter)
{
	char err[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;

	pc = pcap_create(iface, err);
	if (!pc) {
		fprintf(stderr, "pcap-capture: %s\n", err);
		return -1;
	}
	if (pcap_set_snaplen(pc, 4096) || pcap_set_immediate_mode(pc, 1) ||
	    pcap_set_buffer_size(pc, 32 << 20) || pcap_set_timeout(pc, 100) ||
	    pcap_activate(pc) < 0) {
		fprintf(stderr, "pcap-capture: %s: %s\n", iface, pcap_geterr(pc));
		return -1;
	}
	if (pcap_compile(pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) ||
	    pcap_setfilter(pc, &prog)) {
		fprintf(stderr, "pcap-capture: filter \"%s\": %s\n", filter, pcap_geterr(pc));
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	char filter[1024] = "", err[PCAP_ERRBUF_SIZE];
	struct pcap_stat ps;
	pcap_dumper_t *out;
	FILE *ready;

	if (argc < 4) {
		fprintf(stderr, "usage: pcap-capture IFACE OUT.pcap READY [FILTER...]\n");
		return 2;
	}
	for (int i = 4; i < argc; i++) {
		if (strlen(filter) + strlen(argv[i]) + 2 > sizeof(filter))
			return 2;
		strcat(filter, i > 4 ? " " : "");
		strcat(filter, argv[i]);
	}
	if (open_capture(argv[1], filter))
		return 2;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	out = pcap_dump_open(pc, argv[2]);
	if (!out) {
		fprintf(stderr, "pcap-capture: %s\n", pcap_geterr(pc));
		return 2;
	}
	ready = fopen(argv[3], "w");
	if (!ready || fputs("ready\n", ready) < 0 || fclose(ready))
		return 2;
	while (!stop) {
		if (pcap_dispatch(pc, -1, pcap_dump, (u_char *)out) == PCAP_ERROR) {
			fprintf(stderr, "pcap-capture: %s\n", pcap_geterr(pc));
			break;
		}
	}
	/* what the kernel buffer still holds */
	pcap_setnonblock(pc, 1, err);
	while (pcap_dispatch(pc, -1, pcap_dump, (u_char *)out) > 0)
		;
	pcap_dump_close(out);
	if (pcap_stats(pc, &ps) == 0) {
		fprintf(stderr, "pcap-capture: %s: %u packets, %u dropped\n", argv[1], ps.ps_recv,
			ps.ps_drop);
		pcap_close(pc);
		return ps.ps_drop ? 1 : 0;
	}
	pcap_close(pc);
	return 0;
}
